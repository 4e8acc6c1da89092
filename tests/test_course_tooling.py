"""Regression tests for the course tooling: where the course root comes from, what `release` may
overwrite, what `collect` takes for a student, a gradebook that cannot be read, and the limits
`ovp-check` runs under."""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from nbgrader_helpers import scratch_course

from ovptools.course import check, instructor, paths

BIN = Path(sys.executable).parent


def run(*cmd: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / cmd[0]), *cmd[1:]], cwd=cwd, capture_output=True, text=True)


@pytest.fixture
def repo(tmp_path) -> Path:
    """A repository-shaped scratch folder: solutions/ (config + ps0 source) and course/."""
    scratch_course(tmp_path, name="solutions", only=("ps0_warmup",))
    (tmp_path / "course" / "assignments").mkdir(parents=True)
    return tmp_path


@pytest.mark.nbgrader
def test_course_root_comes_from_the_current_directory(repo, monkeypatch):
    monkeypatch.chdir(repo / "course" / "assignments")
    assert paths.course_root() == (repo / "solutions").resolve()  # found above, in ../../solutions
    assert paths.student_folder() == (repo / "course").resolve()
    out = run("ovp-instructor", "gradebook", cwd=repo / "solutions")
    assert out.returncode == 0 and out.stdout.startswith("assignment"), out.stderr
    elsewhere = repo.parent / "elsewhere"
    elsewhere.mkdir()
    out = run("ovp-instructor", "gradebook", cwd=elsewhere)
    assert out.returncode == 2 and "root: no nbgrader_config.py" in out.stderr


def _release_nb(repo: Path) -> Path:
    return repo / "course" / "assignments" / "ps0_warmup" / "ps0_warmup.ipynb"


@pytest.mark.nbgrader
def test_release_never_destroys_a_students_work(repo):
    root, said = repo / "solutions", []
    instructor.release(["ps0_warmup"], root=root, log=said.append)
    instructor.release(["ps0_warmup"], root=root, log=said.append)  # unedited: replaced quietly
    assert not said and not list((repo / "course" / "assignments").glob("*.backup-*"))
    shutil.rmtree(root / "release")  # a fresh clone has no previous release: the checksums decide
    instructor.release(["ps0_warmup"], root=root, log=said.append)
    assert not said
    nb = json.loads(_release_nb(repo).read_text())
    answer = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("solution"))
    answer["source"] = "def mine():\n    return 'my work'\n"
    _release_nb(repo).write_text(json.dumps(nb))
    instructor.release(["ps0_warmup"], root=root, log=said.append)
    backups = list((repo / "course" / "assignments").glob("ps0_warmup.backup-*"))
    assert len(backups) == 1 and str(backups[0]) in said[0]
    assert "my work" in (backups[0] / "ps0_warmup.ipynb").read_text()
    assert "my work" not in _release_nb(repo).read_text()  # the new release is in place


def test_collect_skips_archive_and_checkpoint_folders(repo, tmp_path):
    root = repo / "solutions"
    source = (root / "source" / "ps0_warmup" / "ps0_warmup.ipynb").read_text()
    inbox = tmp_path / "inbox"
    for junk in ("__MACOSX", ".ipynb_checkpoints", "bob/__MACOSX", "bob/.ipynb_checkpoints"):
        (inbox / junk).mkdir(parents=True)
    (inbox / "ada.ipynb").write_text(source)
    (inbox / "__MACOSX" / "._ada.ipynb").write_text("AppleDouble")
    (inbox / ".ipynb_checkpoints" / "ada-checkpoint.ipynb").write_text(source)
    mine = json.loads(source)
    mine["cells"].append({"cell_type": "markdown", "id": "bobs-notes", "metadata": {}, "source": "bob's own work"})
    (inbox / "bob" / "work.ipynb").write_text(json.dumps(mine))
    (inbox / "bob" / "__MACOSX" / "._work.ipynb").write_text("AppleDouble")
    (inbox / "bob" / ".ipynb_checkpoints" / "work-checkpoint.ipynb").write_text(source)
    assert instructor.collect("ps0_warmup", inbox, root=root) == ["ada", "bob"]
    got = (root / "submitted" / "bob" / "ps0_warmup" / "ps0_warmup.ipynb").read_text()
    assert "bob's own work" in got


@pytest.mark.nbgrader
def test_a_corrupt_gradebook_is_an_error_not_an_empty_csv(repo):
    root = repo / "solutions"
    (root / "submitted" / "ada" / "ps0_warmup").mkdir(parents=True)
    (root / "gradebook.db").write_bytes(b"this is not a database" * 100)
    for cmd in (["grades", "--output", str(repo / "g.csv")], ["gradebook"]):
        out = run("ovp-instructor", "--root", str(root), *cmd, cwd=repo)
        assert out.returncode == 2 and "ovp-instructor: gradebook:" in out.stderr, (out.stdout, out.stderr)
    assert not (repo / "g.csv").exists()


def test_an_empty_or_foreign_database_is_not_a_gradebook(repo):
    root = repo / "solutions"
    (root / "submitted" / "ada" / "ps0_warmup").mkdir(parents=True)
    (root / "gradebook.db").write_bytes(b"")  # left by an interrupted run: not "nothing graded"
    with pytest.raises(ValueError, match="gradebook: .* is not an nbgrader gradebook"):
        instructor.export_grades(repo / "g.csv", root=root)
    (root / "gradebook.db").unlink()
    with sqlite3.connect(root / "gradebook.db") as db:
        db.execute("CREATE TABLE marks (student TEXT, score REAL)")
    with pytest.raises(ValueError, match="gradebook: .* lacks the tables"):
        instructor.gradebook_table(root=root)
    with sqlite3.connect(root / "gradebook.db") as db:  # and nbgrader was not let loose on it
        assert [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["marks"]
    shutil.rmtree(root / "submitted")
    with pytest.raises(ValueError, match="assignment: no submissions of 'ps0_warmup'"):
        instructor.autograde("ps0_warmup", root=root)


def test_release_backups_never_collide(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "stamp", lambda: "20260101-000000")
    first = paths.backup_path(tmp_path, "ps0_warmup")
    first.mkdir()
    second = paths.backup_path(tmp_path, "ps0_warmup")
    assert first.name == "ps0_warmup.backup-20260101-000000" and second.name == f"{first.name}-2"


def test_time_limit_is_read_even_when_the_config_cannot_run(tmp_path):
    config = tmp_path / "nbgrader_config.py"
    config.write_text("import module_not_installed_here\nc = get_config()\nc.Execute.timeout = 7  # seconds\n")
    assert paths.grading_timeout(tmp_path) == 7
    config.write_text("c = get_config()\nc.Execute.timeout = None\n")
    assert paths.grading_timeout(tmp_path) is None  # no limit, as nbgrader reads it
    config.write_text("c = get_config()\nc.CourseDirectory.course_id = 'x'\n")
    assert paths.grading_timeout(tmp_path) == paths.DEFAULT_TIMEOUT
    config.write_text("import module_not_installed_here\nc.Execute.timeout = LIMIT\n")
    with pytest.raises(ValueError, match="root: cannot tell the time limit"):
        paths.grading_timeout(tmp_path)
    assert "time limit none" in check.Limits(None, None, "test").describe()


def _graded_cell(source: str, grade_id: str) -> dict:
    meta = {"nbgrader": {"grade": True, "grade_id": grade_id, "locked": True, "points": 1, "schema_version": 3,
                         "solution": False, "task": False}}
    return {"cell_type": "code", "execution_count": None, "id": grade_id, "metadata": meta, "outputs": [],
            "source": source}


@pytest.mark.nbgrader
def test_ovp_check_runs_under_the_graders_limits(repo, monkeypatch):
    config = repo / "solutions" / "nbgrader_config.py"
    config.write_text(re.sub(r"c\.Execute\.timeout = \d+", "c.Execute.timeout = 3", config.read_text()))
    assert paths.grading_timeout(repo / "solutions") == 3
    big = int(1.5 * paths.DEFAULT_MEMORY_LIMIT)
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {"name": "python3", "language": "python",
                                                                          "display_name": "Python 3"}},
          "cells": [_graded_cell("import time\ntime.sleep(8)", "slow"),
                    _graded_cell(f"x = bytearray({big})\ndel x", "hungry"),
                    _graded_cell("assert 1 + 1 == 2", "fine")]}
    path = repo / "course" / "assignments" / "limits.ipynb"
    path.write_text(json.dumps(nb))
    monkeypatch.delenv("OVP_NO_PROGRESS", raising=False)
    before = resource.getrlimit(resource.RLIMIT_AS)
    res = check.check_notebook(path)
    assert resource.getrlimit(resource.RLIMIT_AS) == before and "OVP_NO_PROGRESS" not in os.environ  # the child's
    assert res.tests == 3 and len(res.failed) == 2, res.failed
    assert "time limit of 3 s" in res.failed[0] and "MemoryError" in res.failed[1]
    assert "time limit 3 s per cell" in res.limits and str(config) in res.limits
    out = run("ovp-check", str(path), "--timeout", "20", cwd=repo)
    assert out.returncode == 1 and "2 of 3 test cells pass" in out.stdout and "time limit 20 s" in out.stdout


REPO = Path(__file__).resolve().parents[1]


def _ps0(tmp_path: Path, answers: dict[str, str], kernel: str | None = None) -> Path:
    """ps0's release, with some answer cells replaced, saved outside the repository."""
    nb = json.loads((REPO / "course" / "assignments" / "ps0_warmup" / "ps0_warmup.ipynb").read_text())
    for cell in nb["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell["source"] = answers[grade_id]
    if kernel:
        nb["metadata"]["kernelspec"]["name"] = kernel
    path = tmp_path / "copy" / "ps0_warmup.ipynb"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(nb))
    return path


def test_ovp_check_names_the_question_a_syntax_error_and_an_unanswered_one(tmp_path):
    solved = json.loads((REPO / "solutions" / "source" / "ps0_warmup" / "ps0_warmup.ipynb").read_text())
    gd_step = next(c for c in solved["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "ls_gd_step")
    path = _ps0(tmp_path, {
        "ls_gradient": "def ls_gradient(X, y, w):\n    r = X @ w - y\n    return X.T @ r)\n",
        "ls_gd_step": "".join(gd_step["source"]).replace("ls_gradient(X, y, w)", "(X.T @ (X @ w - y))"),
    })
    out = run("ovp-check", str(path), cwd=tmp_path)
    assert out.returncode == 1, out.stderr
    lines = out.stdout.splitlines()
    assert "1 of 3 test cells pass" in lines[0], out.stdout
    gradient = next(ln for ln in lines if "question 1" in ln)
    assert "question 1 (The gradient (numpy)), 3 points" in gradient
    assert "SyntaxError in your answer cell, line 3" in gradient and "return X.T @ r)" in gradient
    autograd = next(ln for ln in lines if "question 3" in ln)
    assert "3 points: not answered yet" in autograd
    assert "test cell starting" not in out.stdout


def test_ovp_check_uses_the_courses_limits_wherever_the_notebook_is(tmp_path, monkeypatch):
    assert check.COURSE_TIMEOUT == paths.grading_timeout(REPO / "solutions")  # the two are one number
    monkeypatch.chdir(tmp_path)
    limits = check.grading_limits(tmp_path / "copy" / "ps0_warmup.ipynb")  # no course root anywhere above
    assert limits.timeout == check.COURSE_TIMEOUT == 15
    closed = tmp_path / "closed"  # a course root whose configuration cannot be read (as on a class server)
    closed.mkdir()
    (closed / "nbgrader_config.py").write_text("import module_not_installed_here\nc.Execute.timeout = LIMIT\n")
    assert check.grading_limits(closed / "ps0.ipynb").timeout == 15
    assert check.grading_limits(tmp_path / "x.ipynb", timeout=40).timeout == 40


def test_ovp_check_counts_nothing_as_passing_when_the_notebook_cannot_run(tmp_path):
    path = _ps0(tmp_path, {}, kernel="no-such-kernel")
    out = run("ovp-check", str(path), cwd=tmp_path)
    assert out.returncode == 1
    assert "0 of 3 test cells pass" in out.stdout and "could not be run" in out.stdout, out.stdout


def test_ovp_check_help_is_whole():
    out = run("ovp-check", "--help", cwd=REPO)
    assert out.returncode == 0
    assert "Hidden tests are not run here: passing every visible test is not full marks." in out.stdout
    assert "grader's limits, and\n\n" not in out.stdout
