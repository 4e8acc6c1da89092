"""A batch of realistic and hostile submissions, graded by the real pipeline for each assignment.

Every student's autograded score is asserted, and every other student in the batch must still be
graded. Kinds: correct, wrong, passes visible but not hidden tests, raises at top level, the
unchanged release, an infinite loop, a test cell edited to `assert True`, a test cell deleted,
nbgrader metadata stripped, extra cells, invalid JSON, the kernel killed with os._exit, a folder
with no notebook, and a memory hog (graded under a memory limit).
"""

from __future__ import annotations

import pytest
from graded_class import graded_class
from nbgrader_helpers import ASSIGNMENTS

from ovptools.course import instructor


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def graded_batch(request, tmp_path_factory):
    return graded_class(request.param, tmp_path_factory)


def test_every_student_gets_the_expected_score(graded_batch):
    name, _, expected, results = graded_batch
    assert sorted(results) == sorted(expected), "every submission must appear in the results"
    wrong = {}
    for student, score in expected.items():
        got = results[student]
        if score is None:
            if got.status == "graded" or got.score != 0:
                wrong[student] = f"expected to be reported ungraded with 0, got {got}"
        elif got.status != "graded" or got.score != score:
            wrong[student] = f"expected {score:g}, got {got.score:g} ({got.status})"
    assert not wrong, f"{name}: {wrong}"


def test_failures_are_reported_with_a_reason(graded_batch):
    _, _, _, results = graded_batch
    assert results["invalid-json"].status.startswith("unreadable notebook")
    assert results["no-notebook"].status == "no notebook in the submission"
    assert results["kernel-killed"].status.startswith("grading failed")


def test_feedback_for_every_graded_student_without_hidden_tests(graded_batch):
    name, root, _, results = graded_batch
    for student, g in results.items():
        page = root / "feedback" / student / name / f"{name}.html"
        assert page.is_file() == (g.status == "graded"), student
        if page.is_file():
            assert "HIDDEN TESTS" not in page.read_text()


def test_csv_export_and_gradebook(graded_batch, tmp_path):
    name, root, expected, _ = graded_batch
    out = instructor.export_grades(tmp_path / "grades.csv", root=root)
    rows = [ln.split(",") for ln in out.read_text().strip().splitlines()[1:]]
    assert {(r[0], r[1]) for r in rows} == {(name, s) for s in expected}
    table = instructor.gradebook_table(root=root)
    assert all(s in table for s in expected)
