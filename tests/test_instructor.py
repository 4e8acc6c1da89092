"""The instructor's and the student's command-line tools, run as their users run them."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from nbgrader_helpers import REPO, scratch_course

from ovptools.course import check, export, instructor

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
    assert lines[0].split(",") == export.COLUMNS
    assert "ps0_warmup,ada,8,8,0,2,8,10,pending,graded" in lines  # the written answer waits for the formgrader
    assert "ps0_warmup,bob,0,8,0,2,0,10,done,graded" in lines  # left blank: nbgrader gives it 0 itself
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


# --- parallel autograding and the PostgreSQL gradebook -------------------------------------------------
def _small_batch(tmp: Path) -> Path:
    """ps0_warmup handed in by five students: the solution (two), the unchanged release, a wrong
    answer, and a file that is not a notebook."""
    root = scratch_course(tmp, only=("ps0_warmup",))
    assert run("ovp-instructor", "--root", str(root), "release", "ps0_warmup", cwd=tmp).returncode == 0
    source = root / "source" / "ps0_warmup" / "ps0_warmup.ipynb"
    nb = json.loads(source.read_text())
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("solution") and "def " in "".join(cell["source"]):
            name = "".join(cell["source"]).split("def ", 1)[1].split("(", 1)[0]
            cell["source"] = "".join(cell["source"]) + f"\n\n_right_{name} = {name}\n" \
                f"def {name}(*args, **kwargs):\n    return 2 * _right_{name}(*args, **kwargs)\n"
            break
    inbox = tmp / "inbox"
    inbox.mkdir()
    (inbox / "ada.ipynb").write_text(source.read_text())
    (inbox / "cyd.ipynb").write_text(source.read_text())
    (inbox / "bob.ipynb").write_text((root / "release" / "ps0_warmup" / "ps0_warmup.ipynb").read_text())
    (inbox / "dan.ipynb").write_text(json.dumps(nb))
    (inbox / "eve.ipynb").write_text("{ this is not a notebook")
    assert run("ovp-instructor", "--root", str(root), "collect", "ps0_warmup", str(inbox), cwd=tmp).returncode == 0
    return root


@pytest.fixture(scope="module")
def graded_both_ways(tmp_path_factory):
    """The same batch autograded with --jobs 1 and with --jobs 2, each in its own course root."""
    one = _small_batch(tmp_path_factory.mktemp("jobs1"))
    two = _small_batch(tmp_path_factory.mktemp("jobs2"))
    out1 = run("ovp-instructor", "--root", str(one), "autograde", "ps0_warmup", cwd=one)
    out2 = run("ovp-instructor", "--root", str(two), "autograde", "ps0_warmup", "--jobs", "2", cwd=two)
    return one, two, out1, out2


def test_parallel_autograde_gives_the_same_scores(graded_both_ways):
    one, two, out1, out2 = graded_both_ways
    assert out1.returncode == 0, out1.stderr
    assert out2.returncode == 0, out2.stderr
    by_one = {g.student: g for g in instructor.grades("ps0_warmup", root=one)}
    by_two = {g.student: g for g in instructor.grades("ps0_warmup", root=two)}
    assert by_one == by_two
    assert by_two["ada"].score == by_two["ada"].max_score == by_two["cyd"].score > 0
    assert by_two["bob"].score == 0 and by_two["bob"].status == "graded"
    assert 0 < by_two["dan"].score < by_two["dan"].max_score  # one answer wrong, the others right
    # the broken submission is reported, and did not stop the others (graded in the same process)
    assert by_two["eve"].score == 0 and by_two["eve"].status.startswith("unreadable notebook")
    assert sum(g.status == "graded" for g in by_two.values()) == 4
    for student in ("ada", "bob", "cyd", "dan"):
        assert (two / "autograded" / student / "ps0_warmup" / "ps0_warmup.ipynb").is_file()


def test_autograde_jobs_must_be_positive(tmp_path):
    root = scratch_course(tmp_path, only=("ps0_warmup",))
    with pytest.raises(ValueError, match="jobs: expected a positive whole number"):
        instructor.autograde("ps0_warmup", root=root, jobs=0)
    out = run("ovp-instructor", "--root", str(root), "autograde", "ps0_warmup", "--jobs", "-1", cwd=tmp_path)
    assert out.returncode == 2 and "jobs:" in out.stderr


@pytest.fixture(scope="module")
def postgres(tmp_path_factory):
    """A private PostgreSQL cluster (hub/pgcluster.py), stopped and removed afterwards."""
    sys.path.insert(0, str(REPO / "hub"))
    import pgcluster

    try:
        pgcluster.pg_bin("initdb")
    except FileNotFoundError:
        pytest.skip("PostgreSQL is not installed (`make hub-deps` installs Debian's)")
    folder = Path(tempfile.mkdtemp(prefix="ovp-pg-"))  # not under pytest's root-only tmp: postgres must enter it
    folder.chmod(0o755)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    try:
        url = pgcluster.start(folder / "data", port, folder / "password")
        yield pgcluster, folder / "data", port, url
    finally:
        pgcluster.stop(folder / "data")
        shutil.rmtree(folder, ignore_errors=True)


def _rows(url: str) -> dict[str, list[tuple]]:
    from nbgrader.api import Base
    from sqlalchemy import create_engine, select

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {t.name: sorted(tuple(map(repr, row)) for row in conn.execute(select(t)))
                    for t in Base.metadata.sorted_tables}
    finally:
        engine.dispose()


def test_migrate_gradebook_to_postgresql_keeps_every_row(graded_both_ways, postgres, tmp_path):
    from ovptools.course.migrate import table_counts

    pgcluster, datadir, port, url = postgres
    one = graded_both_ways[0]
    root = tmp_path / "course-root"
    shutil.copytree(one, root)
    sqlite_url = f"sqlite:///{root / 'gradebook.db'}"
    before = table_counts(sqlite_url)
    assert before["submitted_assignment"] == 5 and before["grade"] > 0 and before["comment"] > 0
    out = run("ovp-instructor", "--root", str(root), "migrate-gradebook", "--to", url, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert f"copied {sum(before.values())} rows" in out.stdout
    assert url.split(":")[2].split("@")[0] not in out.stdout  # the password is not printed
    assert table_counts(url) == before
    assert _rows(url) == _rows(sqlite_url)
    # the course now grades from PostgreSQL: same grades, and the SQLite file is no longer read
    sqlite_grades = instructor.grades("ps0_warmup", root=root)
    with open(root / "nbgrader_config.py", "a") as fh:
        fh.write(f"\nc.CourseDirectory.db_url = {url!r}\n")
    (root / "gradebook.db").rename(root / "gradebook.sqlite.bak")
    assert instructor.gradebook_url(root) == url
    assert instructor.grades("ps0_warmup", root=root) == sqlite_grades
    # a database that already holds grades is refused, naming the argument
    with pytest.raises(ValueError, match="^to: .* already holds a gradebook"):
        instructor.migrate_gradebook(url, root=root, from_url=f"sqlite:///{root / 'gradebook.sqlite.bak'}")
    with pytest.raises(ValueError, match="^to: expected a database URL"):
        instructor.migrate_gradebook("gradebook.db", root=root)


def test_parallel_autograde_into_postgresql(postgres, tmp_path):
    pgcluster, datadir, port, url = postgres
    db = pgcluster.create_database(datadir, port, "jobs_test")
    pg_url = url.rsplit("/", 1)[0] + "/" + db
    root = scratch_course(tmp_path, only=("ps0_warmup",))
    with open(root / "nbgrader_config.py", "a") as fh:
        fh.write(f"\nc.CourseDirectory.db_url = {pg_url!r}\n")
    source = root / "source" / "ps0_warmup" / "ps0_warmup.ipynb"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for student in ("ada", "bob", "cyd"):
        (inbox / f"{student}.ipynb").write_text(source.read_text())
    assert run("ovp-instructor", "--root", str(root), "release", "ps0_warmup", cwd=tmp_path).returncode == 0
    assert run("ovp-instructor", "--root", str(root), "collect", "ps0_warmup", str(inbox), cwd=tmp_path).returncode == 0
    out = run("ovp-instructor", "--root", str(root), "autograde", "ps0_warmup", "--jobs", "3", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert not (root / "gradebook.db").exists()
    result = instructor.grades("ps0_warmup", root=root)
    assert [(g.student, g.score, g.status) for g in result] == [(s, 8.0, "graded") for s in ("ada", "bob", "cyd")]


def test_migrate_gradebook_names_an_unreachable_target(graded_both_ways):
    one = graded_both_ways[0]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once the socket is closed
    url = f"postgresql://nobody:secret@127.0.0.1:{port}/gradebook"
    with pytest.raises(ValueError, match=r"^to: postgresql://nobody:\*\*\*@127\.0\.0\.1:\d+/gradebook cannot be used"):
        instructor.migrate_gradebook(url, root=one)


# --- grading that never reports stale or lost work -----------------------------------------------------
def _parent_killer(source: Path) -> str:
    """ps0_warmup's solution with a first cell that kills the process that started its kernel."""
    nb = json.loads(source.read_text())
    first = next(i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code")
    nb["cells"].insert(first, {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                               "source": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"})
    return json.dumps(nb)


def test_a_killed_grader_leaves_no_stale_grade_and_its_students_are_regraded(tmp_path):
    """Without the sandbox a submission can kill its grader (nbgrader): the students that grader
    had not reached are graded again, alone; the killer is reported as not graded (not with its
    earlier grade), the cause is one line, and the logs stay in the course root."""
    root = _small_batch(tmp_path)
    source = root / "source" / "ps0_warmup" / "ps0_warmup.ipynb"
    first = {g.student: g for g in instructor.autograde("ps0_warmup", root=root)}
    assert first["ada"].status == "graded" and first["ada"].score == first["ada"].max_score
    inbox = tmp_path / "inbox"
    (inbox / "ada.ipynb").write_text(_parent_killer(source))  # ada's resubmission (graded first in its share)
    assert run("ovp-instructor", "--root", str(root), "collect", "ps0_warmup", str(inbox), cwd=tmp_path).returncode == 0
    # collected, not graded yet: the gradebook's grade is for the earlier submission
    ada = {g.student: g for g in instructor.grades("ps0_warmup", root=root)}["ada"]
    assert ada.status.startswith("the grade is for an earlier submission") and ada.score == 0
    said = []
    second = {g.student: g for g in instructor.autograde("ps0_warmup", root=root, jobs=2, log=said.append,
                                                         sandbox=False)}
    assert second["ada"].status.startswith("grading failed") and second["ada"].score == 0
    for student in ("bob", "cyd", "dan", "eve"):  # cyd and eve shared ada's grader
        assert second[student] == first[student]
    assert any("grading them again" in line and "cyd" in line for line in said), said
    logs = [line for line in said if line.startswith("nbgrader's logs: ")]
    assert logs and Path(logs[0].split(": ", 1)[1]).parent == root / "logs"
    folder = Path(logs[0].split(": ", 1)[1])
    assert (folder / "worker-0.log").is_file() and (folder / "again-ada.log").is_file()
    assert any("killed by SIGKILL" in line and "\n" not in line for line in said), said


def test_the_cause_of_a_failed_grader_is_one_line():
    from ovptools.course.classroom import failure_cause

    crash = "\n".join(["[AutogradeApp | INFO] Grading ada"] * 300 + [
        "Traceback (most recent call last):",
        '  File "nbgrader/api.py", line 1, in update_or_create_submission',
        "sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) connection to server at \"127.0.0.1\", "
        "port 5432 failed: Connection refused",
        "[AutogradeApp | ERROR] There was an error accessing the nbgrader database. This may occur if you "
        "recently upgraded nbgrader. To resolve this issue, first BACK UP your database and then run the "
        "command 'nbgrader db upgrade'."])
    cause = failure_cause(crash, 1)
    assert cause.startswith("sqlalchemy.exc.OperationalError") and "db upgrade" not in cause
    assert failure_cause("", -15) == "killed by SIGTERM"


def _cwd(proc: Path) -> Path | None:
    try:
        return Path(os.readlink(proc / "cwd"))
    except OSError:
        return None


def _command_lines(where: Path | None = None) -> list[str]:
    """Command lines of the running processes (only those whose working directory is ``where``, if given)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or (where is not None and _cwd(proc) != where):
            continue
        try:
            found.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except OSError:
            continue
    return found


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_no_grader_survives_a_stopped_command(tmp_path, sig):
    root = scratch_course(tmp_path, only=("ps0_warmup",))
    instructor.nbgrader("generate_assignment", "ps0_warmup", "--force", root=root)
    nb = json.loads((root / "source" / "ps0_warmup" / "ps0_warmup.ipynb").read_text())
    first = next(i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code")
    nb["cells"].insert(first, {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                               "source": "import time\ntime.sleep(600)"})
    for student in ("ada", "bob", "cyd"):
        (root / "submitted" / student / "ps0_warmup").mkdir(parents=True)
        (root / "submitted" / student / "ps0_warmup" / "ps0_warmup.ipynb").write_text(json.dumps(nb))
    before = set(Path(tempfile.gettempdir()).glob("ovp-sandbox-*"))
    proc = subprocess.Popen([str(BIN / "ovp-instructor"), "--root", str(root), "autograde", "ps0_warmup",
                             "--jobs", "2", "--timeout", "600"], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240

    mine: set[str] = set()  # the scratch folders of this command's sandboxes (their owner: one of its graders)

    def kernels() -> list[str]:
        graders = {proc.name for proc in Path("/proc").iterdir() if proc.name.isdigit() and _cwd(proc) == root}
        for scratch in set(Path(tempfile.gettempdir()).glob("ovp-sandbox-*")) - before:
            try:
                if (scratch / "owner").read_text() in graders:
                    mine.add(scratch.name)
            except OSError:
                pass
        return [c for c in _command_lines() if any(name in c for name in mine)]

    while time.monotonic() < deadline and len(kernels()) < 2:
        time.sleep(0.5)
    assert len(kernels()) >= 2, "the kernels never started"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1 and f"stopped by {sig.name}" in err
    time.sleep(1)
    assert _command_lines(root) == []  # no grader
    assert [c for c in _command_lines() if any(name in c for name in mine)] == []  # no kernel
    assert not any((Path(tempfile.gettempdir()) / name).exists() for name in mine)  # scratch folders removed
