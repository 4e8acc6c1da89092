"""Students' check: run an assignment notebook from a fresh kernel under the grader's limits, and
exit non-zero if any test cell fails (``nbgrader validate`` exits 0 even then).

    ovp-check course/assignments/ps1_pl/ps1_pl.ipynb

The per-cell time limit is the one the course grades with (``Execute.timeout`` in the course
root's ``nbgrader_config.py``), and the kernel runs under the same address-space limit as
``ovp-instructor autograde``, so a cell that would time out or run out of memory in grading fails
here too. The course root is ``--root``, else found from the notebook's folder or the current one.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .paths import DEFAULT_MEMORY_LIMIT, DEFAULT_TIMEOUT, course_root, find_root, grading_timeout, limit_memory


@dataclass
class CheckResult:
    """Outcome of :func:`check_notebook`."""

    tests: int
    failed: list[str] = field(default_factory=list)
    """One line per failing test cell: the error it raised (hidden tests are not run here)."""
    changed: int = 0
    """Test cells whose source differs from the release (the grader restores them)."""
    unanswered: int = 0
    """Written answers (graded by hand) still showing the placeholder."""
    limits: str = ""
    """The time and memory limits the notebook ran under, and where they came from."""

    @property
    def ok(self) -> bool:
        return not self.failed and not self.changed


@dataclass
class Limits:
    """The grader's limits: seconds per cell (None: none) and bytes of address space (None: none)."""

    timeout: int | None
    memory: int | None
    source: str

    def describe(self) -> str:
        time = f"{self.timeout} s per cell" if self.timeout else "none"
        memory = f"{self.memory / 2**30:.1f} GiB" if self.memory else "none"
        return f"time limit {time}, memory limit {memory} ({self.source})"


def grading_limits(notebook: Path, root: str | Path | None = None, timeout: int | None = None) -> Limits:
    """The limits the grader uses for ``notebook``'s course (``timeout`` overrides the time limit)."""
    found = course_root(root) if root is not None else find_root(notebook.parent) or find_root(Path.cwd())
    if found is None:
        source = f"no course root found: nbgrader's default of {DEFAULT_TIMEOUT} s"
        return Limits(timeout or DEFAULT_TIMEOUT, DEFAULT_MEMORY_LIMIT, source)
    source = "time from --timeout" if timeout else f"from {found / 'nbgrader_config.py'}"
    return Limits(timeout if timeout else grading_timeout(found), DEFAULT_MEMORY_LIMIT, source)


_VALIDATE = """
import json, sys
from nbgrader.validator import Validator
from traitlets.config import Config
config = Config()
config.Execute.timeout = json.loads(sys.argv[2])
config.Execute.interrupt_on_timeout = True
validator = Validator(config=config)
__import__("ovptools.course.sandbox", fromlist=["use_sandbox"]).use_sandbox(validator, json.loads(sys.argv[4]))
with open(sys.argv[3], "w") as out:
    json.dump(validator.validate(sys.argv[1]), out)
"""


def _validate(path: Path, limits: Limits) -> dict:
    """nbgrader's validation of ``path``, run in a child process under ``limits`` (the kernel it
    starts inherits the address-space limit, as under ``ovp-instructor autograde``)."""
    env = dict(os.environ, OVP_NO_PROGRESS="1")
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "results.json"
        proc = subprocess.run(
            [sys.executable, "-c", _VALIDATE, str(path.resolve()), json.dumps(limits.timeout), str(out),
             json.dumps(limits.memory)],
            capture_output=True, text=True, env=env, preexec_fn=limit_memory(limits.memory),
        )
        if proc.returncode != 0 or not out.is_file():
            lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
            why = lines[-1] if lines else f"exit status {proc.returncode}"
            return {"error": f"the notebook could not be run to the end under these limits ({why})"}
        return json.loads(out.read_text())


def _test_cells(path: Path) -> int:
    nb = json.loads(path.read_text())
    return sum(
        1
        for c in nb.get("cells", [])
        if c.get("metadata", {}).get("nbgrader", {}).get("grade") and c.get("cell_type") == "code"
    )


def check_notebook(path: str | Path, *, timeout: int | None = None, root: str | Path | None = None) -> CheckResult:
    """Execute ``path`` top to bottom in a fresh kernel, under the grader's limits, and report its
    failing test cells."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path: {path} is not a notebook file")
    try:
        tests = _test_cells(path)
    except json.JSONDecodeError as err:
        raise ValueError(f"path: {path} is not valid notebook JSON ({err})") from None
    limits = grading_limits(path, root, timeout)
    results = _validate(path, limits)
    if "error" in results:
        return CheckResult(tests=tests, failed=[results["error"]], limits=limits.describe())
    failed, unanswered = [], 0
    for cell in results.get("failed", []):
        raw = re.sub(r"\x1b\[[0-9;]*m", "", cell.get("raw_error", "")).strip()
        if raw == "You did not provide a response.":
            unanswered += 1
            continue
        lines = [ln for ln in raw.splitlines() if ln.strip()]
        first = cell["source"].strip().splitlines()[0] if cell["source"].strip() else "(empty cell)"
        last = lines[-1] if lines else "error"
        if "CellTimeoutError" in raw or "timed out" in raw.lower():
            last = f"the cell ran past the time limit of {limits.timeout} s (as it would in grading)"
        failed.append(f"{last}   [test cell starting: {first[:60]}]")
    changed = len(results.get("changed", [])) + len(results.get("type_changed", []))
    return CheckResult(tests=tests, failed=failed, changed=changed, unanswered=unanswered, limits=limits.describe())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ovp-check", description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", help="assignment notebooks to check")
    parser.add_argument("--timeout", type=int, help="per-cell time limit in seconds (default: the course's)")
    parser.add_argument("--root", help="nbgrader course root (default: found from the notebook's folder)")
    args = parser.parse_args(argv)
    status = 0
    for nb in args.notebooks:
        try:
            res = check_notebook(nb, timeout=args.timeout, root=args.root)
        except (ValueError, FileNotFoundError) as err:
            print(f"ovp-check: {err}", file=sys.stderr)
            status = 2
            continue
        passed = res.tests - len(res.failed)
        print(f"{nb}: {passed} of {res.tests} test cells pass ({res.limits})")
        for line in res.failed:
            print(f"  FAILED  {line}")
        if res.unanswered:
            print(f"  {res.unanswered} written answer(s) still to write (graded by hand)")
        if res.changed:
            print(f"  {res.changed} test cell(s) were edited; the grader uses the original tests")
        if not res.ok:
            status = max(status, 1)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
