"""Students' check: run an assignment notebook from a fresh kernel, as the grader will, and
exit non-zero if any test cell fails (``nbgrader validate`` exits 0 even then).

    ovp-check course/assignments/ps1_pl/ps1_pl.ipynb
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path


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

    @property
    def ok(self) -> bool:
        return not self.failed and not self.changed


def _test_cells(path: Path) -> int:
    nb = json.loads(path.read_text())
    return sum(
        1
        for c in nb.get("cells", [])
        if c.get("metadata", {}).get("nbgrader", {}).get("grade") and c.get("cell_type") == "code"
    )


def check_notebook(path: str | Path, *, timeout: int = 120) -> CheckResult:
    """Execute ``path`` top to bottom in a fresh kernel and report its failing test cells."""
    from nbgrader.validator import Validator
    from traitlets.config import Config

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path: {path} is not a notebook file")
    try:
        tests = _test_cells(path)
    except json.JSONDecodeError as err:
        raise ValueError(f"path: {path} is not valid notebook JSON ({err})") from None
    config = Config()
    config.Execute.timeout = timeout
    results = Validator(config=config).validate(str(path.resolve()))
    failed, unanswered = [], 0
    for cell in results.get("failed", []):
        raw = re.sub(r"\x1b\[[0-9;]*m", "", cell.get("raw_error", "")).strip()
        if raw == "You did not provide a response.":
            unanswered += 1
            continue
        lines = [ln for ln in raw.splitlines() if ln.strip()]
        first = cell["source"].strip().splitlines()[0] if cell["source"].strip() else "(empty cell)"
        failed.append(f"{lines[-1] if lines else 'error'}   [test cell starting: {first[:60]}]")
    changed = len(results.get("changed", [])) + len(results.get("type_changed", []))
    return CheckResult(tests=tests, failed=failed, changed=changed, unanswered=unanswered)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ovp-check", description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", help="assignment notebooks to check")
    parser.add_argument("--timeout", type=int, default=120, help="per-cell time limit in seconds")
    args = parser.parse_args(argv)
    status = 0
    for nb in args.notebooks:
        try:
            res = check_notebook(nb, timeout=args.timeout)
        except ValueError as err:
            print(f"ovp-check: {err}", file=sys.stderr)
            status = 2
            continue
        passed = res.tests - len(res.failed)
        print(f"{nb}: {passed} of {res.tests} test cells pass")
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
