"""The instructor's last steps on a graded class: feedback for everyone who can get it (one answer that
quotes nbgrader's hidden-test marker, or a folder without its submission secret, costs only that
student), the students without feedback listed, a timed-out cell explained in words, MathJax from
the course's own copy, and a grade export with the points graded by hand."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from nbgrader_helpers import built_once, scratch_course, submit

from ovptools.course import export, feedback, instructor

pytestmark = [pytest.mark.nbgrader, pytest.mark.slow]

BIN = Path(sys.executable).parent
A = "ps0_warmup"
TIMEOUT = 20  # seconds per cell: importing torch fits on a loaded machine, an endless loop does not


def run(*cmd: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / cmd[0]), *cmd[1:]], cwd=cwd, capture_output=True, text=True)


def _cells(nb: dict) -> dict[str, dict]:
    return {c["metadata"]["nbgrader"]["grade_id"]: c for c in nb["cells"] if "nbgrader" in c["metadata"]}


def _build(tmp: Path) -> Path:
    root = scratch_course(tmp, only=(A,))
    config = root / "nbgrader_config.py"
    config.write_text(re.sub(r"c\.Execute\.timeout = \d+", f"c.Execute.timeout = {TIMEOUT}", config.read_text())
                      + f"\nc.Exchange.root = {str(tmp / 'exchange')!r}\n")
    (tmp / "exchange").mkdir()
    instructor.release([A], root=root, dest=tmp / "released")
    solved = json.loads((root / "source" / A / f"{A}.ipynb").read_text())
    work = tmp / "work"
    work.mkdir()

    def variant(name: str, change) -> Path:
        nb = json.loads(json.dumps(solved))
        change(_cells(nb))
        path = work / f"{name}.ipynb"
        path.write_text(json.dumps(nb))
        return path

    def quotes_marker(cells):
        cells["ls_gradient"]["source"] += "\n    ### BEGIN HIDDEN TESTS (a note the student pasted)\n"

    def loops(cells):
        cells["ls_gd_step"]["source"] = "def ls_gd_step(X, y, w, step):\n    while True:\n        pass\n"

    submit(root, "ada", A, variant("ada", lambda cells: None))
    submit(root, "bob", A, tmp / "released" / A / f"{A}.ipynb")
    submit(root, "cy", A, variant("cy", quotes_marker))
    submit(root, "dan", A, variant("dan", loops))
    (root / "submitted" / "eve" / A).mkdir(parents=True)
    (root / "submitted" / "eve" / A / f"{A}.ipynb").write_text("{ not a notebook")
    for student in ("ada", "bob", "cy"):  # as `nbgrader submit` leaves it; dan's is lost
        (root / "submitted" / student / A / "submission_secret.txt").write_text(f"secret-{student}")
        (root / "submitted" / student / A / "timestamp.txt").write_text("2026-12-07 10:00:00.000000 UTC")
    instructor.autograde(A, root=root)
    return root


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    return built_once("graded", "feedback-and-grades", lambda: _build(tmp_path_factory.mktemp("graded")))


@pytest.fixture(scope="module")
def fed(graded) -> tuple[Path, subprocess.CompletedProcess]:
    def build():
        return run("ovp-instructor", "--root", str(graded), "feedback", A, "--release", cwd=graded.parent)

    return graded, built_once("fed", "feedback-and-grades", build)


def test_one_failing_student_costs_only_their_feedback(fed):
    root, out = fed
    pages = {s: (root / "feedback" / s / A / f"{A}.html").is_file() for s in ("ada", "bob", "cy", "dan", "eve")}
    assert pages == {"ada": True, "bob": True, "cy": False, "dan": True, "eve": False}, out.stdout + out.stderr
    assert out.returncode == 1  # something failed, and it is said below
    listed = out.stdout.split("no feedback for", 1)[1]
    assert re.search(r"cy\s+feedback failed: .*hidden tests.*### BEGIN HIDDEN TESTS", listed), out.stdout
    assert re.search(r"eve\s+unreadable notebook", listed), out.stdout
    for page in root.glob(f"feedback/*/{A}/{A}.html"):
        assert "BEGIN HIDDEN TESTS" not in page.read_text()


def test_feedback_is_released_to_everyone_but_the_folder_without_its_secret(fed):
    root, out = fed
    released = list((root.parent / "exchange").glob("ovp-course/feedback/*.html"))
    assert "released ps0_warmup's feedback to 2 student(s)" in out.stdout, out.stdout
    assert len(released) == 2, released  # ada's and bob's (cy has none, eve none)
    assert re.search(r"could not release the feedback of 1 student\(s\):\n\s+dan\s+\S", out.stdout), out.stdout


def test_a_timed_out_cell_says_so_in_words(fed):
    root, _ = fed
    page = (root / "feedback" / "dan" / A / f"{A}.html").read_text()
    assert f"this cell exceeded the time limit of {TIMEOUT} s per cell and was stopped" in page
    assert "KeyboardInterrupt" not in page


def test_feedback_typesets_with_the_courses_own_mathjax(fed):
    root, _ = fed
    page = (root / "feedback" / "ada" / A / f"{A}.html").read_text()
    src = re.search(r'<script[^>]+src="([^"]*MathJax\.js[^"]*)"', page).group(1)
    assert src.startswith("../../mathjax/MathJax.js?config="), src
    assert "cdn" not in src.lower()
    assert (root / "feedback" / "ada" / A / src.split("?")[0]).resolve().is_file()
    tag = re.search(r'<script[^>]+src="[^"]*MathJax\.js[^>]*>', page).group(0)
    assert "onerror=" in tag and "document.head.appendChild" in tag  # a page fetched alone, online, still typesets


def _rows(path: Path) -> dict[str, dict[str, str]]:
    with open(path, newline="") as fh:
        return {r["student"]: r for r in csv.DictReader(fh)}


def test_grades_export_the_hand_graded_points_and_never_overwrite(graded, tmp_path):
    from nbgrader.api import Gradebook

    root = graded
    rows = _rows(export.export_final_grades(tmp_path / "before.csv", root=root))
    assert list(next(iter(rows.values()))) == export.COLUMNS
    ada = rows["ada"]
    points = (ada["autograded"], ada["autograded_max"], ada["hand_graded"], ada["hand_graded_max"])
    assert points == ("8", "8", "0", "2")
    assert (ada["total"], ada["max"], ada["hand_grading"], ada["status"]) == ("8", "10", "pending", "graded")
    assert rows["eve"]["status"].startswith("unreadable notebook") and rows["eve"]["total"] == "0"

    copy = tmp_path / "course"  # grade ada's written answer in a copy, as the formgrader does
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("feedback"))
    with Gradebook(f"sqlite:///{copy / 'gradebook.db'}", "ovp-course") as gb:
        grade = gb.find_grade("written_sum_or_mean", A, A, "ada")
        grade.manual_score = 2
        grade.needs_manual_grade = False  # as the formgrader does on saving a score
        gb.db.commit()
    out = tmp_path / "grades.csv"
    done = run("ovp-instructor", "--root", str(copy), "grades", "--output", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    ada = _rows(out)["ada"]
    assert (ada["hand_graded"], ada["total"], ada["max"], ada["hand_grading"]) == ("2", "10", "10", "done")
    table = run("ovp-instructor", "--root", str(copy), "gradebook", cwd=tmp_path).stdout
    assert re.search(r"ada\s+8 / 8\s+2 / 2\s+10 / 10\s+graded", table), table
    assert re.search(r"cy\s+8 / 8\s+0 / 2\s+8 / 10\s+graded; hand-grading pending", table), table
    assert re.search(r"bob\s+0 / 8\s+0 / 2\s+0 / 10\s+graded\n", table), table  # left blank: 0, nothing to grade

    before = out.read_text()
    again = run("ovp-instructor", "--root", str(root), "grades", "--output", str(out), cwd=tmp_path)
    assert again.returncode == 2 and "output:" in again.stderr and "--force" in again.stderr
    assert out.read_text() == before  # untouched
    forced = run("ovp-instructor", "--root", str(root), "grades", "--output", str(out), "--force", cwd=tmp_path)
    assert forced.returncode == 0 and _rows(out)["ada"]["hand_graded"] == "0"


def test_feedback_report_lists_students_without_a_page():
    report = feedback.FeedbackReport(written=["ada"], missing={"eve": "no notebook in the submission"})
    text = feedback.describe(report, A)
    assert "no feedback for 1 student(s):" in text and "eve" in text and report.ok
