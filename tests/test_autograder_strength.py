"""Grading is fair both ways: every plausible wrong answer in tests/mutants/ loses points in its own
function's cell (and only there), and every correct alternative in tests/alternatives/ keeps full
autograded marks.

The ~270 versions are scored as nbgrader scores them, with the hidden tests of the solutions' source
notebook and the grader's per-cell time limit, but in one forked process per assignment instead of one
sandboxed kernel each (tests/one_kernel.py). That shortcut is held to the real grader: for one assignment,
a sample of versions (one wrong and one correct answer per function, a call to ovptools, single
precision, a write to stderr, an endless loop) goes through nbgrader's autograder too, and the scores
must agree cell by cell. The real pipeline itself runs once per assignment in test_nbgrader_pipeline.py
and test_bad_submissions.py."""

from __future__ import annotations

import importlib
import json
import re

import pytest
from nbgrader_helpers import ASSIGNMENTS, SOLUTIONS, built_once, cell_scores, scratch_course
from one_kernel import grade_versions

from ovptools.course import instructor
from ovptools.course.paths import grading_timeout

COMPARED = "ps3_deep"
"""The assignment whose sample is graded by both nbgrader and the one-process grader."""


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


def source_path(name: str):
    return SOLUTIONS / "source" / name / f"{name}.ipynb"


def source_notebook(name: str) -> dict:
    return json.loads(source_path(name).read_text())


def versions(name: str) -> dict[str, tuple[str, str, str, str]]:
    """{student id: (kind, function, description, code)} for every catalogued version of ``name``."""
    found = {}
    for kind in ("mutants", "alternatives"):
        for func, catalogued in catalogue(kind, name).items():
            for k, (what, code) in enumerate(catalogued.items()):
                found[f"{kind[0]}-{func.replace('_', '-')}-{k}"] = (kind, func, what, code)
    return found


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def graded_variants(request):
    """Every wrong and every correct version of one assignment (and the solution), scored as nbgrader
    scores them, in one process."""
    return built_once("variants", request.param, lambda: _grade_variants(request.param))


def _grade_variants(name):
    students = versions(name)
    wanted = {sid: (func, code) for sid, (_, func, _, code) in students.items()}
    scores = grade_versions(source_path(name), {**wanted, "solution": ("", "")}, grading_timeout(SOLUTIONS))
    died = {sid: why for sid, why in scores.items() if isinstance(why, str)}
    assert not died, f"{name}: these versions stopped the grading process: {died}"
    return name, {sid: v[:3] for sid, v in students.items()}, scores


def grade_with_nbgrader(name: str, chosen: dict[str, tuple[str, str]], tmp) -> dict[str, dict[str, tuple]]:
    """Hand in each (function, code) of ``chosen`` as its own student (appended to the cell that defines
    the function in the source notebook) and autograde them all with nbgrader; {student: cell scores}."""
    root = scratch_course(tmp, only=(name,))
    source = source_notebook(name)
    instructor.nbgrader("generate_assignment", name, "--force", root=root)
    for sid, (func, code) in chosen.items():
        nb = json.loads(json.dumps(source))
        cell = next(c for c in nb["cells"] if re.search(rf"^def {func}\(", "".join(c["source"]), flags=re.M))
        cell["source"] = "".join(cell["source"]) + "\n\n\n" + code
        folder = root / "submitted" / sid / name
        folder.mkdir(parents=True)
        (folder / f"{name}.ipynb").write_text(json.dumps(nb))
    instructor.nbgrader("autograde", name, "--force", root=root)
    return cell_scores(root, name)


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_every_autograded_function_has_its_own_cell_three_mutants_and_two_alternatives(name):
    nb = source_notebook(name)
    graded = {c["metadata"]["nbgrader"]["grade_id"] for c in nb["cells"]
              if c["cell_type"] == "code" and c["metadata"].get("nbgrader", {}).get("grade")}
    for func in autograded_functions(nb):
        assert f"test_{func}" in graded, f"{name}.{func} needs its own autograded cell test_{func}"
        assert len(catalogue("mutants", name).get(func, {})) >= 3, f"{name}.{func} needs three wrong versions"
        assert len(catalogue("alternatives", name).get(func, {})) >= 2, f"{name}.{func} needs two correct versions"


def test_the_solution_keeps_full_marks(graded_variants):
    name, _, scores = graded_variants
    lost = {cell: s for cell, s in scores["solution"].items() if s[0] < s[1]}
    assert scores["solution"] and not lost, f"{name}: the solution itself loses points in {lost}"


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


def compared_sample(name: str) -> dict[str, tuple[str, str]]:
    """One wrong and one correct version per function, the wrong versions that call ovptools or compute
    in single precision, and three made here: a correct answer that writes to stderr (nbgrader takes the
    cell's points), one that writes to the file descriptor 2, and an endless loop (stopped at the time limit)."""
    sample = {}
    for sid, (kind, func, what, code) in versions(name).items():
        first = sid.endswith("-0")
        if first or (kind == "mutants" and re.search(r"ovptools|float32|single", what)):
            sample[sid] = (func, code)
    func = sorted(autograded_functions(source_notebook(name)))[0]
    solution = next(code for sid, (kind, f, _, code) in versions(name).items() if kind == "alternatives" and f == func)
    header = re.compile(rf"^(def {func}\(.*?\):\n)", flags=re.M | re.S)
    sample["x-stderr"] = (func, header.sub(r"\1    import sys\n    print('a note', file=sys.stderr)\n", solution, 1))
    sample["x-fd2"] = (func, header.sub(r"\1    import os\n    os.write(2, b'a note')\n", solution, 1))
    sample["x-loop"] = (func, header.sub(r"\1    while True:\n        pass\n", solution, 1))
    return sample


def test_one_process_scores_equal_nbgrader_scores(tmp_path):
    """The shortcut above cannot drift from the real grader: the same versions, graded both ways, get
    the same score in every cell."""
    sample = compared_sample(COMPARED)
    assert len(sample) >= 2 * len(autograded_functions(source_notebook(COMPARED))) + 3
    fast = grade_versions(source_path(COMPARED), sample, grading_timeout(SOLUTIONS))
    real = grade_with_nbgrader(COMPARED, sample, tmp_path)
    assert sorted(real) == sorted(sample), "nbgrader graded every version"
    differ = {sid: (fast[sid], real[sid]) for sid in sample if fast[sid] != real[sid]}
    assert not differ, f"one-process scores differ from nbgrader's (one process, nbgrader): {differ}"
    # the sample holds both outcomes: versions that keep full marks and versions that lose points
    kept = {sid for sid in sample if all(s == t for s, t in real[sid].values())}
    assert kept and kept != set(sample), "the sample should hold correct and wrong versions"
    assert {"x-stderr", "x-loop"} <= set(sample) - kept, "nbgrader takes points for stderr and for a timeout"
