"""Helpers for the tests that drive the real nbgrader pipeline in a scratch copy of the course root."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from ovptools.course import instructor

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = REPO / "solutions"


_BUILT: dict[tuple[str, str], object] = {}


def built_once(kind: str, name: str, build):
    """``build()``'s result, computed once per process for (kind, name).

    A parametrized module-scoped fixture is torn down and rebuilt each time the parameter changes,
    which a different test order (``-k``, ``--lf``, a parallel scheduler) can make happen several
    times; grading a batch of submissions takes minutes, so the batch fixtures go through this cache."""
    if (kind, name) not in _BUILT:
        _BUILT[kind, name] = build()
    return _BUILT[kind, name]


def scratch_course(tmp: Path, name: str = "course-root", only: tuple[str, ...] | None = None) -> Path:
    """A copy of the course root (config + source/) as ``tmp/name``, with nothing generated yet;
    ``only`` limits the copy to those assignments."""
    root = tmp / name
    root.mkdir()
    shutil.copy(SOLUTIONS / "nbgrader_config.py", root)
    if only is None:
        shutil.copytree(SOLUTIONS / "source", root / "source")
    for assignment in only or ():
        shutil.copytree(SOLUTIONS / "source" / assignment, root / "source" / assignment)
    return root


def submit(root: Path, student: str, assignment: str, notebook: Path) -> None:
    """Place ``notebook`` as ``student``'s submission of ``assignment``."""
    dest = root / "submitted" / student / assignment
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(notebook, dest / f"{assignment}.ipynb")


def autograded_scores(root: Path, assignment: str) -> dict[str, tuple[float, float]]:
    """{student: (autograded score, autograded maximum)} read from the gradebook."""
    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for sub in gb.assignment_submissions(assignment):
            scores[sub.student.id] = (sub.code_score, sub.max_code_score)
    return scores


def cell_scores(root: Path, assignment: str) -> dict[str, dict[str, tuple[float, float]]]:
    """{student: {grade_id of each autograded test cell: (score, maximum)}} read from the gradebook."""
    from nbgrader.api import Gradebook

    scores: dict[str, dict[str, tuple[float, float]]] = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for sub in gb.assignment_submissions(assignment):
            for nb in sub.notebooks:
                for grade in nb.grades:
                    if grade.cell.cell_type == "code":
                        scores.setdefault(sub.student.id, {})[grade.name] = (grade.score, grade.max_score)
    return scores


REGIONS = {
    "solution": ("### BEGIN SOLUTION", "### END SOLUTION"),
    "hidden": ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"),
}


def secret_lines(notebook: Path, kinds: tuple[str, ...] = ("solution", "hidden")) -> list[str]:
    """Lines inside the solution and/or hidden-test regions of a source notebook that appear
    nowhere outside them (a visible test call repeated in a hidden test is not a secret)."""
    nb = json.loads(notebook.read_text())
    secret, public = [], []
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        for kind, (begin, end) in REGIONS.items():
            pattern = re.escape(begin) + r"(.*?)" + re.escape(end)
            if kind in kinds:
                for block in re.findall(pattern, src, flags=re.S):
                    secret += [ln.strip() for ln in block.splitlines() if len(ln.strip()) > 12]
            src = re.sub(pattern, "", src, flags=re.S)
        public.append(src)
    public_text = "\n".join(public)
    return [s for s in secret if s not in public_text]


def notebook_sources(path: Path) -> list[tuple[str, str]]:
    nb = json.loads(path.read_text())
    return [(c["cell_type"], "".join(c["source"])) for c in nb["cells"]]


ASSIGNMENTS = instructor.assignments(SOLUTIONS)
