"""The instructor's and the student's command-line tools, run as their users run them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from nbgrader_helpers import REPO, scratch_course

from ovptools.course import check, instructor

BIN = Path(sys.executable).parent


def run(*cmd: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / cmd[0]), *cmd[1:]], cwd=cwd, capture_output=True, text=True)


def test_instructor_workflow_from_any_directory(tmp_path):
    root = scratch_course(tmp_path)
    elsewhere = tmp_path / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "ada.ipynb").write_text((root / "source" / "ps0_warmup" / "ps0_warmup.ipynb").read_text())
    (inbox / "bob").mkdir()
    assert run("ovp-instructor", "--root", str(root), "release", "ps0_warmup", cwd=elsewhere).returncode == 0
    release = root / "release" / "ps0_warmup" / "ps0_warmup.ipynb"
    (inbox / "bob" / "my work.ipynb").write_text(release.read_text())
    out = run("ovp-instructor", "--root", str(root), "collect", "ps0_warmup", str(inbox), cwd=elsewhere)
    assert out.returncode == 0 and "ada, bob" in out.stdout
    out = run("ovp-instructor", "--root", str(root), "autograde", "ps0_warmup", cwd=elsewhere)
    assert out.returncode == 0, out.stderr
    assert "ada" in out.stdout and "8 / 8" in out.stdout and "0 / 8" in out.stdout
    assert run("ovp-instructor", "--root", str(root), "feedback", "ps0_warmup", cwd=elsewhere).returncode == 0
    assert (root / "feedback" / "ada" / "ps0_warmup" / "ps0_warmup.html").is_file()
    out = run("ovp-instructor", "--root", str(root), "grades", "--output", "g.csv", cwd=elsewhere)
    assert out.returncode == 0
    lines = (elsewhere / "g.csv").read_text().strip().splitlines()
    assert lines[0].startswith("assignment,student,autograded_score")
    assert "ps0_warmup,ada,8,8,graded" in lines and "ps0_warmup,bob,0,8,graded" in lines
    out = run("ovp-instructor", "--root", str(root), "gradebook", cwd=elsewhere)
    assert "ada" in out.stdout and "bob" in out.stdout


def test_instructor_errors_name_the_argument(tmp_path):
    root = scratch_course(tmp_path)
    out = run("ovp-instructor", "--root", str(root), "autograde", "ps9_nothing", cwd=tmp_path)
    assert out.returncode == 2 and "assignment: 'ps9_nothing' is not in" in out.stderr
    out = run("ovp-instructor", "--root", str(root), "collect", "ps0_warmup", str(tmp_path / "missing"), cwd=tmp_path)
    assert out.returncode == 2 and "folder:" in out.stderr
    with pytest.raises(FileNotFoundError, match="root:"):
        instructor.course_root(tmp_path)


def test_student_check_exits_nonzero_on_failure(tmp_path):
    release = REPO / "course" / "assignments" / "ps0_warmup" / "ps0_warmup.ipynb"
    out = run("ovp-check", str(release), cwd=tmp_path)
    assert out.returncode == 1
    assert "0 of 3 test cells pass" in out.stdout and "NotImplementedError" in out.stdout
    solved = tmp_path / "solved.ipynb"
    solved.write_text((REPO / "solutions" / "source" / "ps0_warmup" / "ps0_warmup.ipynb").read_text())
    out = run("ovp-check", str(solved), cwd=tmp_path)
    assert out.returncode == 0 and "3 of 3 test cells pass" in out.stdout
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{ not json")
    out = run("ovp-check", str(broken), cwd=tmp_path)
    assert out.returncode == 2 and "not valid notebook JSON" in out.stderr


def test_check_reports_an_edited_test_cell(tmp_path):
    nb = json.loads((REPO / "course" / "assignments" / "ps0_warmup" / "ps0_warmup.ipynb").read_text())
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "test_ls_gd_step":
            cell["source"] = "assert True"
    path = tmp_path / "edited.ipynb"
    path.write_text(json.dumps(nb))
    res = check.check_notebook(path)
    assert res.changed == 1 and not res.ok


def test_grading_helpers_do_not_import_torch():
    code = "import sys, ovptools.course.grading, ovptools; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False"


def test_every_public_name_resolves():
    import ovptools

    for name in ovptools.__all__:
        assert getattr(ovptools, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        ovptools.nope  # noqa: B018
