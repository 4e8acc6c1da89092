"""Grading is fair both ways, under the real nbgrader autograder: every plausible wrong answer in
tests/mutants/ loses points in its own function's cell (and only there), and every correct
alternative in tests/alternatives/ keeps full autograded marks."""

from __future__ import annotations

import importlib
import json
import re

import pytest
from nbgrader_helpers import ASSIGNMENTS, built_once, cell_scores, scratch_course

from ovptools.course import instructor


def catalogue(kind: str, assignment: str) -> dict[str, dict[str, str]]:
    """{function: {description: source}} of tests/<kind>/<assignment>.py ({} if there is none)."""
    if importlib.util.find_spec(f"{kind}.{assignment}") is None:
        return {}
    module = importlib.import_module(f"{kind}.{assignment}")
    return module.MUTANTS if kind == "mutants" else module.ALTERNATIVES


def autograded_functions(nb: dict) -> set[str]:
    """Names of the functions the student writes (defined in solution cells)."""
    names = set()
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and cell["metadata"].get("nbgrader", {}).get("solution"):
            names |= set(re.findall(r"^def (\w+)\(", "".join(cell["source"]), flags=re.M))
    return names


def source_notebook(name: str) -> dict:
    return json.loads((instructor.course_root() / "source" / name / f"{name}.ipynb").read_text())


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def graded_variants(request, tmp_path_factory):
    """Hand in every wrong and every correct variant of one assignment as its own student, and
    autograde them all at once."""
    return built_once("variants", request.param, lambda: _grade_variants(request.param, tmp_path_factory))


def _grade_variants(name, tmp_path_factory):
    root = scratch_course(tmp_path_factory.mktemp(f"variants-{name}"), only=(name,))
    source = source_notebook(name)
    instructor.nbgrader("generate_assignment", name, "--force", root=root)
    students = {}
    for kind in ("mutants", "alternatives"):
        for func, versions in catalogue(kind, name).items():
            for k, (what, code) in enumerate(versions.items()):
                nb = json.loads(json.dumps(source))
                cell = next(c for c in nb["cells"] if re.search(rf"^def {func}\(", "".join(c["source"]), flags=re.M))
                cell["source"] = "".join(cell["source"]) + "\n\n\n" + code
                sid = f"{kind[0]}-{func.replace('_', '-')}-{k}"
                folder = root / "submitted" / sid / name
                folder.mkdir(parents=True)
                (folder / f"{name}.ipynb").write_text(json.dumps(nb))
                students[sid] = (kind, func, what)
    instructor.nbgrader("autograde", name, "--force", root=root)
    return name, students, cell_scores(root, name)


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_every_autograded_function_has_its_own_cell_three_mutants_and_two_alternatives(name):
    nb = source_notebook(name)
    graded = {c["metadata"]["nbgrader"]["grade_id"] for c in nb["cells"]
              if c["cell_type"] == "code" and c["metadata"].get("nbgrader", {}).get("grade")}
    for func in autograded_functions(nb):
        assert f"test_{func}" in graded, f"{name}.{func} needs its own autograded cell test_{func}"
        assert len(catalogue("mutants", name).get(func, {})) >= 3, f"{name}.{func} needs three wrong versions"
        assert len(catalogue("alternatives", name).get(func, {})) >= 2, f"{name}.{func} needs two correct versions"


def test_every_mutant_loses_points_in_its_own_cell_only(graded_variants):
    name, students, scores = graded_variants
    mutants = {sid: v for sid, v in students.items() if v[0] == "mutants"}
    survivors, collateral = [], []
    for sid, (_, func, what) in mutants.items():
        own = scores[sid][f"test_{func}"]
        if own[0] >= own[1]:
            survivors.append(f"{func}: {what}")
        collateral += [f"{func}: {what} costs points in {cell}" for cell, (score, top) in scores[sid].items()
                       if cell != f"test_{func}" and score < top]
    print(f"\n{name}: {len(mutants) - len(survivors)}/{len(mutants)} wrong answers lose points")
    assert not survivors, f"{name}: these wrong answers keep full marks: {survivors}"
    assert not collateral, f"{name}: a wrong answer costs points in another function's cell: {collateral}"


def test_every_correct_alternative_keeps_full_marks(graded_variants):
    name, students, scores = graded_variants
    alternatives = {sid: v for sid, v in students.items() if v[0] == "alternatives"}
    wronged = [f"{func}: {what} ({[c for c, (s, t) in scores[sid].items() if s < t]})"
               for sid, (_, func, what) in alternatives.items() if any(s < t for s, t in scores[sid].values())]
    print(f"\n{name}: {len(alternatives) - len(wronged)}/{len(alternatives)} correct alternatives keep full marks")
    assert not wronged, f"{name}: these correct answers lose points: {wronged}"
