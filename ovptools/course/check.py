"""Students' check: run an assignment notebook from a fresh kernel under the grader's limits, and
exit non-zero if any test cell fails (``nbgrader validate`` exits 0 even then).

    ovp-check course/assignments/ps1_pl/ps1_pl.ipynb

Each failure names its question and points, and says what is wrong in words: an answer not written
yet, a syntax error in the answer cell (with its line), a cell that ran past the time limit. The
per-cell time limit is the one the course grades with (``Execute.timeout`` in the course root's
``nbgrader_config.py``; the course's own 15 s wherever the notebook is, also on a copy outside the
repository or where that file cannot be read), and the kernel runs under the same address-space
limit as ``ovp-instructor autograde``, so a cell that would time out or run out of memory in
grading fails here too. The course root is ``--root``, else found from the notebook's folder or the
current one. Hidden tests are not run here: passing every visible test is not full marks.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from .paths import DEFAULT_MEMORY_LIMIT, course_root, find_root, grading_timeout, limit_memory

COURSE_TIMEOUT = 15
"""The course's per-cell time limit in grading (``c.Execute.timeout`` in ``solutions/nbgrader_config.py``;
a test keeps the two equal). Used wherever that file cannot be found or read: a copy of a notebook
outside the repository, or a class server where the course root is closed to students."""


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
    ran: bool = True
    """False when the notebook could not be run at all (then no test cell counts as passing)."""

    @property
    def passed(self) -> int:
        """Test cells that pass: none if the notebook could not be run."""
        return max(self.tests - len(self.failed), 0) if self.ran else 0

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
    if timeout:
        return Limits(timeout, DEFAULT_MEMORY_LIMIT, "time from --timeout")
    if found is not None:
        try:
            return Limits(grading_timeout(found), DEFAULT_MEMORY_LIMIT, f"from {found / 'nbgrader_config.py'}")
        except (ValueError, OSError):  # unreadable here (a class server closes the course root to students)
            pass
    return Limits(COURSE_TIMEOUT, DEFAULT_MEMORY_LIMIT, "the course's grading limits")


_VALIDATE = """
import json, sys
from nbgrader.validator import Validator
from traitlets.config import Config
config = Config()
config.Execute.timeout = json.loads(sys.argv[2])
config.Execute.interrupt_on_timeout = True
validator = Validator(config=config)
__import__("ovptools.course.sandbox_kernel", fromlist=["use_sandbox"]).use_sandbox(validator, json.loads(sys.argv[4]))
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


_HEADING = re.compile(r"^#+\s*(?:Question\s*)?(\d+)[.):]?\s*(.*?)(?:\s*[—–-]+\s*\d+(?:\.\d+)?\s*points?\b.*)?$",
                      re.IGNORECASE)


@dataclass
class _Question:
    """Where a cell belongs: the question heading above it."""

    label: str
    answers: list[str] = field(default_factory=list)
    """The source of its answer (solution) code cells."""


def _questions(path: Path) -> dict[str, tuple[_Question, float]]:
    """For each test cell (by its stripped source): its question and its points."""
    nb = json.loads(path.read_text())
    current = _Question("before the first question")
    out: dict[str, tuple[_Question, float]] = {}
    for cell in nb.get("cells", []):
        source = "".join(cell.get("source", ""))
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") == "markdown":
            for line in source.splitlines():
                found = _HEADING.match(line.strip())
                if found:
                    title = found.group(2).strip()
                    current = _Question(f"question {found.group(1)}" + (f" ({title})" if title else ""))
                    break
        elif cell.get("cell_type") == "code":
            if meta.get("solution"):
                current.answers.append(source)
            if meta.get("grade"):
                label = current.label if current.label != "before the first question" else meta.get("grade_id", "?")
                question = current if label == current.label else _Question(label)
                out.setdefault(source.strip(), (question, float(meta.get("points") or 0)))
    return out


def syntax_error(source: str) -> str | None:
    """``"line N: message"`` if ``source`` (a notebook cell, IPython syntax allowed) does not compile."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        code = TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - no IPython, or a transform failure: compile as it is
        code = source
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(code, "<answer cell>", "exec")
    except SyntaxError as err:
        text = (err.text or "").strip()
        return f"line {err.lineno}: {err.msg}" + (f": {text}" if text else "")
    return None


def _reason(raw: str, timeout: int | None) -> str:
    """The failure in words, from the test cell's error output."""
    lines = [ln for ln in raw.splitlines() if ln.strip()]
    last = lines[-1].strip() if lines else "error"
    if "CellTimeoutError" in raw or "timed out" in raw.lower():
        return f"the cell ran past the time limit of {timeout} s (as it would in grading)"
    if re.fullmatch(r"NotImplementedError:?\s*", last):
        return "not answered yet (the answer cell still raises NotImplementedError)"
    return last


def check_notebook(path: str | Path, *, timeout: int | None = None, root: str | Path | None = None) -> CheckResult:
    """Execute ``path`` top to bottom in a fresh kernel, under the grader's limits, and report its
    failing test cells, each by its question and points."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path: {path} is not a notebook file")
    try:
        tests = _test_cells(path)
        questions = _questions(path)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"path: {path} is not valid notebook JSON ({err})") from None
    limits = grading_limits(path, root, timeout)
    results = _validate(path, limits)
    if "error" in results:
        return CheckResult(tests=tests, failed=[results["error"]], limits=limits.describe(), ran=False)
    failed, unanswered, shown = [], 0, set()
    for cell in results.get("failed", []):
        raw = re.sub(r"\x1b\[[0-9;]*m", "", cell.get("raw_error", "")).strip()
        if raw == "You did not provide a response.":
            unanswered += 1
            continue
        source = cell["source"].strip()
        question, points = questions.get(source, (None, 0.0))
        if question is None:
            first = source.splitlines()[0] if source else "(empty cell)"
            where = f"test cell starting: {first[:60]}"
        else:
            where = f"{question.label}, {points:g} point{'s' if points != 1 else ''}"
        reason = _reason(raw, limits.timeout)
        if question is not None and id(question) not in shown:
            for answer in question.answers:
                bad = syntax_error(answer)
                if bad:
                    reason = f"SyntaxError in your answer cell, {bad} (the test then fails with: {reason})"
                    break
            shown.add(id(question))
        failed.append(f"{where}: {reason}")
    changed = len(results.get("changed", [])) + len(results.get("type_changed", []))
    return CheckResult(tests=tests, failed=failed, changed=changed, unanswered=unanswered, limits=limits.describe())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ovp-check", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="+", help="assignment notebooks to check")
    parser.add_argument("--timeout", type=int,
                        help=f"per-cell time limit in seconds (default: the course's, {COURSE_TIMEOUT} s)")
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
        print(f"{nb}: {res.passed} of {res.tests} test cells pass ({res.limits})")
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
