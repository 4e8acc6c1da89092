"""The student's lab on their own machine (``make course``): a copy of the course that survives
``git pull``, JupyterLab opening on the index, nbgrader's instructor tools hidden, and an install
that prints only what concerns the student. The browser test checks the same lab in Chromium."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from ovptools.course import studentlab

REPO = Path(__file__).resolve().parents[1]


def _course(tmp: Path) -> Path:
    course = tmp / "course"
    (course / "lectures").mkdir(parents=True)
    (course / "README.md").write_text("# index v1\n")
    (course / "lectures" / "01.ipynb").write_text('{"v": 1}')
    (course / "lectures" / "02.ipynb").write_text('{"v": 1}')
    (course / "lectures" / ".ipynb_checkpoints").mkdir()
    (course / "lectures" / ".ipynb_checkpoints" / "01-checkpoint.ipynb").write_text("{}")
    return course


def test_the_students_copy_takes_the_courses_updates_and_keeps_their_work(tmp_path):
    course, work = _course(tmp_path), tmp_path / "my-course"
    first = studentlab.sync_workspace(course, work)
    assert sorted(first.added) == ["README.md", "lectures/01.ipynb", "lectures/02.ipynb"]
    assert not (work / "lectures" / ".ipynb_checkpoints").exists()

    (work / "lectures" / "01.ipynb").write_text('{"v": 1, "my outputs": true}')  # the student ran lecture 1
    again = studentlab.sync_workspace(course, work)  # nothing new upstream: nothing touched
    assert not again.added and not again.updated
    assert "my outputs" in (work / "lectures" / "01.ipynb").read_text()

    # `git pull` brings new versions of the index and both lectures, and a new lecture
    (course / "README.md").write_text("# index v2\n")
    (course / "lectures" / "01.ipynb").write_text('{"v": 2}')
    (course / "lectures" / "02.ipynb").write_text('{"v": 2}')
    (course / "lectures" / "03.ipynb").write_text('{"v": 1}')
    pulled = studentlab.sync_workspace(course, work)
    assert pulled.added == ["lectures/03.ipynb"]
    assert sorted(pulled.updated) == ["README.md", "lectures/01.ipynb", "lectures/02.ipynb"]
    assert (work / "README.md").read_text() == "# index v2\n"
    assert (work / "lectures" / "02.ipynb").read_text() == '{"v": 2}'  # untouched copy: replaced
    assert (work / "lectures" / "01.ipynb").read_text() == '{"v": 2}'
    kept = work / pulled.kept["lectures/01.ipynb"]
    assert re.fullmatch(r"01\.mine-\d{8}-\d{6}\.ipynb", kept.name) and "my outputs" in kept.read_text()
    assert "your version is kept as lectures/01.mine-" in studentlab.describe(pulled, work)


def test_the_copy_is_ignored_by_git_and_served_by_make_course():
    ignored = subprocess.run(["git", "check-ignore", "-q", f"{studentlab.WORKSPACE}/lectures/01-gd-sgd.ipynb"],
                             cwd=REPO)
    assert ignored.returncode == 0
    makefile = (REPO / "Makefile").read_text()
    course = makefile.split("\ncourse:", 1)[1].split("\n\n", 1)[0]
    assert "ovptools.course.studentlab" in course


def test_the_lab_opens_on_the_index_without_nbgraders_instructor_tools(tmp_path):
    cmd = studentlab.lab_command(tmp_path / "my-course", port=8888, token="t", browser=False)
    assert "--LabApp.default_url=/lab/tree/README.md" in cmd  # what the printed URL opens
    assert f"--ServerApp.root_dir={tmp_path / 'my-course'}" in cmd
    config = studentlab.student_config(tmp_path / "config")
    page = json.loads((config / "labconfig" / "page_config.json").read_text())["disabledExtensions"]
    for plugin in ("menu", "create-assignment", "formgrader", "validate-assignment", "assignment-list"):
        assert page[f"@jupyter/nbgrader:{plugin}"] is True
    server = json.loads((config / "jupyter_server_config.json").read_text())["ServerApp"]["jpserver_extensions"]
    assert server["nbgrader.server_extensions.validate_assignment"] is False
    env = studentlab.lab_environment(config)
    assert env["JUPYTER_CONFIG_PATH"].split(":")[0] == str(config)


def test_editable_installs_do_not_print_setuptools_own_notice():
    makefile = (REPO / "Makefile").read_text()
    installs = [ln for ln in makefile.splitlines() if "pip install" in ln and "-e " in ln]
    assert installs and all("$(EDITABLE)" in ln for ln in installs), installs
    assert 'EDITABLE := PYTHONWARNINGS="ignore:Editable installation"' in makefile


def test_the_course_index_tells_the_student_how_to_work_and_check():
    index = (REPO / "course" / "README.md").read_text()
    assert "ovp-check assignments/" in index and "my-course/" in index
    assert "Restart & Run All" not in index and "Restart Kernel and Run All Cells" in index
    assert "well under two minutes" not in index and "4–53 s" in index
    header = "| | notebook | what it shows | prerequisites | time |"
    assert index.count(header) == 6  # the opening, the four parts and the closing keep their columns


def test_the_readme_opens_the_formgrader_as_root_and_explains_the_exchange_banner():
    readme = (REPO / "README.md").read_text()
    start = readme.index("Written answers are graded by hand in the formgrader")
    part = readme[start:start + 900]
    assert "--allow-root" in part and "/usr/local/share/nbgrader/exchange" in part and "can be ignored" in part
