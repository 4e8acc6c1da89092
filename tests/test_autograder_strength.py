"""Every plausible wrong answer in tests/mutants/ loses points under the real nbgrader autograder."""

from __future__ import annotations

import importlib
import json
import re

import pytest
from nbgrader_helpers import ASSIGNMENTS, autograded_scores, built_once, scratch_course

from ovptools.course import instructor

WITH_MUTANTS = [a for a in ASSIGNMENTS if importlib.util.find_spec(f"mutants.{a}") is not None]


def mutants_of(assignment: str) -> dict[str, dict[str, str]]:
    return importlib.import_module(f"mutants.{assignment}").MUTANTS


def student_id(func: str, k: int) -> str:
    return f"{func.replace('_', '-')}-{k}"


def autograded_functions(nb: dict) -> set[str]:
    """Names of the functions the student writes (defined in solution cells)."""
    names = set()
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and cell["metadata"].get("nbgrader", {}).get("solution"):
            names |= set(re.findall(r"^def (\w+)\(", "".join(cell["source"]), flags=re.M))
    return names


@pytest.fixture(scope="module", params=WITH_MUTANTS)
def graded_mutants(request, tmp_path_factory):
    """Hand in every mutant of one assignment as its own student, and autograde them all at once."""
    return built_once("mutants", request.param, lambda: _grade_mutants(request.param, tmp_path_factory))


def _grade_mutants(name, tmp_path_factory):
    root = scratch_course(tmp_path_factory.mktemp(f"mutants-{name}"))
    source = json.loads((root / "source" / name / f"{name}.ipynb").read_text())
    instructor.nbgrader("generate_assignment", name, "--force", root=root)
    students = {}
    for func, wrong in mutants_of(name).items():
        for k, (what, code) in enumerate(wrong.items()):
            nb = json.loads(json.dumps(source))
            cell = next(c for c in nb["cells"] if re.search(rf"^def {func}\(", "".join(c["source"]), flags=re.M))
            cell["source"] = "".join(cell["source"]) + "\n\n\n" + code
            sid = student_id(func, k)
            folder = root / "submitted" / sid / name
            folder.mkdir(parents=True)
            (folder / f"{name}.ipynb").write_text(json.dumps(nb))
            students[sid] = (func, what)
    instructor.nbgrader("autograde", name, "--force", root=root)
    return name, source, students, autograded_scores(root, name)


def test_every_autograded_function_has_three_mutants():
    for name in ASSIGNMENTS:
        assert name in WITH_MUTANTS, f"tests/mutants/{name}.py is missing"
        nb = json.loads((instructor.course_root() / "source" / name / f"{name}.ipynb").read_text())
        mutants = mutants_of(name)
        for func in autograded_functions(nb):
            assert len(mutants.get(func, {})) >= 3, f"{name}.{func} needs at least three wrong versions"


def test_every_mutant_loses_points(graded_mutants):
    name, _, students, scores = graded_mutants
    survivors = [f"{func}: {what}" for sid, (func, what) in students.items() if scores[sid][0] >= scores[sid][1]]
    killed = len(students) - len(survivors)
    print(f"\n{name}: {killed}/{len(students)} wrong answers lose points")
    assert not survivors, f"{name}: these wrong answers get full marks: {survivors}"
