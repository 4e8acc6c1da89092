"""The real nbgrader pipeline, headless, on every assignment: generate → collect → autograde in the
grading sandbox → feedback. The class graded is test_bad_submissions.py's batch (tests/graded_class.py),
graded once for both files: its "correct" student hands in the solution, its "unchanged-release"
student the release as generated."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from graded_class import graded_class
from nbgrader_helpers import (
    ASSIGNMENTS,
    REPO,
    SOLUTIONS,
    autograded_scores,
    notebook_sources,
    secret_lines,
)

SOLUTION, UNTOUCHED = "correct", "unchanged-release"


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def graded(request, tmp_path_factory):
    """One assignment generated, a class (the solution and the unchanged release among it) autograded,
    feedback made."""
    name, root, _, _ = graded_class(request.param, tmp_path_factory)
    return name, root


def test_assignments_exist():
    assert "ps0_warmup" in ASSIGNMENTS


def test_solution_gets_full_autograded_marks(graded):
    name, root = graded
    score, maximum = autograded_scores(root, name)[SOLUTION]
    assert maximum > 0 and score == maximum


def test_unchanged_release_gets_zero_without_crashing(graded):
    name, root = graded
    score, maximum = autograded_scores(root, name)[UNTOUCHED]
    assert maximum > 0 and score == 0
    assert (root / "feedback" / UNTOUCHED / name / f"{name}.html").is_file()


def test_release_and_feedback_hold_no_solution_or_hidden_test(graded):
    name, root = graded
    source = root / "source" / name / f"{name}.ipynb"
    secrets = secret_lines(source)
    assert secrets, "the source notebook should have solution and hidden-test regions"
    texts = {
        "release": (root / "release" / name / f"{name}.ipynb").read_text(),
        "committed release": (REPO / "course" / "assignments" / name / f"{name}.ipynb").read_text(),
        "feedback to the untouched release": html_text(root / "feedback" / UNTOUCHED / name / f"{name}.html"),
    }
    for where, text in texts.items():
        assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text, where
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"{where} contains solution or hidden-test lines: {leaked[:3]}"
    # feedback on the solution notebook shows the student's own code, but never the hidden tests
    text = html_text(root / "feedback" / SOLUTION / name / f"{name}.html")
    # (a hidden line that is also solution code legitimately shows as the student's own code)
    hidden = set(secret_lines(source, kinds=("hidden",))) - set(secret_lines(source, kinds=("solution",)))
    assert hidden and not [s for s in hidden if s in text]


def html_text(path: Path) -> str:
    """The text of an HTML page as a reader sees it (tags removed, entities decoded), so that
    syntax-highlighted code can be searched line by line."""
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text()))


def test_committed_release_equals_a_fresh_generation(graded):
    name, root = graded
    fresh = root / "release" / name / f"{name}.ipynb"
    committed = REPO / "course" / "assignments" / name / f"{name}.ipynb"
    assert committed.is_file(), f"run `ovp-instructor release` to create {committed.relative_to(REPO)}"
    assert notebook_sources(committed) == notebook_sources(fresh), (
        f"{committed.relative_to(REPO)} is out of date with solutions/source: run `ovp-instructor release`"
    )
    assert json.loads(committed.read_text()) == json.loads(fresh.read_text())


def test_every_source_notebook_has_points_and_hidden_tests():
    for name in ASSIGNMENTS:
        nb = json.loads((SOLUTIONS / "source" / name / f"{name}.ipynb").read_text())
        meta = [c["metadata"].get("nbgrader", {}) for c in nb["cells"]]
        tests = [m for m in meta if m.get("grade") and not m.get("solution")]
        manual = [m for m in meta if m.get("grade") and m.get("solution")]
        assert tests and all(m.get("points", 0) > 0 for m in tests), name
        assert manual, f"{name} needs a manually graded written cell"
        assert all("### BEGIN HIDDEN TESTS" in "".join(c["source"]) for c in nb["cells"]
                   if c["metadata"].get("nbgrader", {}).get("grade") and c["cell_type"] == "code"), name
