"""The grading sandbox: a hostile submission graded in a batch by the real pipeline can read nothing
of the course root, write nothing there, reach no listener on 127.0.0.1, and leaves no process
behind; the rest of the batch keeps its scores. And autograding refuses to run without the sandbox
unless told to, saying why."""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import pytest
from nbgrader_helpers import scratch_course, submit

from ovptools.course import instructor, sandbox
from ovptools.course.classroom import check_sandbox

ASSIGNMENT = "ps0_warmup"
CANARY = "CANARY-7f3a9c-the-course-root-secret"
MARKER = "ovp-hostile-leftover-7f3a9c"

pytestmark = pytest.mark.skipif(sandbox.sandbox_problem() is not None,
                                reason=f"no grading sandbox here: {sandbox.sandbox_problem()}")


def _hostile_cell(root: Path, port: int) -> str:
    """Code that tries every escape the sandbox must stop and prints what it got (never raises)."""
    return f"""
import os, socket, subprocess, sys, time
root = {str(root)!r}
print("SCRATCH", os.path.dirname(os.getcwd()))
for target in [root + "/canary.txt", root + "/source/{ASSIGNMENT}/{ASSIGNMENT}.ipynb", root + "/gradebook.db",
               root + "/submitted/good/{ASSIGNMENT}/{ASSIGNMENT}.ipynb", "/root/.bashrc", "/etc/shadow"]:
    try:
        print("READ", target, open(target, "rb").read()[:2000])
    except OSError as err:
        print("BLOCKED read", target, type(err).__name__)
print("ENV", dict(os.environ))
for target in [root + "/pwned.txt", root + "/submitted/good/{ASSIGNMENT}/pwned.txt", "/tmp/pwned.txt"]:
    try:
        with open(target, "w") as fh:
            fh.write("pwned")
        print("WROTE", target)
    except OSError as err:
        print("BLOCKED write", target, type(err).__name__)
try:
    s = socket.create_connection(("127.0.0.1", {port}), timeout=2)
    s.sendall(b"stolen")
    print("CONNECTED")
except OSError as err:
    print("BLOCKED connect", type(err).__name__)
try:
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", {MARKER!r}], start_new_session=True,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print("DETACHED")
except OSError as err:
    print("BLOCKED detach", type(err).__name__)
children = 0
for i in range(50):
    try:
        pid = os.fork()
    except OSError as err:
        print("BLOCKED fork at", i, type(err).__name__)
        break
    if pid == 0:
        time.sleep(300)
        os._exit(0)
    children += 1
print("FORKED", children)
"""


@pytest.fixture(scope="module")
def hostile_batch(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sandbox")
    root = scratch_course(tmp, only=(ASSIGNMENT,))
    instructor.nbgrader("generate_assignment", ASSIGNMENT, "--force", root=root)
    (root / "canary.txt").write_text(CANARY)
    source = root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    release = root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.5)
    arrived: list[bytes] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            arrived.append(conn.recv(100) or b"(connected)")
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()

    nb = json.loads(source.read_text())
    first_code = next(i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code")
    nb["cells"].insert(first_code, {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                                    "source": _hostile_cell(root, listener.getsockname()[1])})
    hostile = tmp / "hostile.ipynb"
    hostile.write_text(json.dumps(nb))
    submit(root, "good", ASSIGNMENT, source)
    submit(root, "hostile", ASSIGNMENT, hostile)
    submit(root, "unchanged", ASSIGNMENT, release)
    before = {p.relative_to(root) for p in root.rglob("*")}
    try:
        result = {g.student: g for g in instructor.autograde(ASSIGNMENT, root=root, memory_limit=3 * 2**30,
                                                              timeout=30)}
        time.sleep(1)
    finally:
        stop.set()
        thread.join()
        listener.close()
    outputs = "\n".join(
        "".join(o.get("text", "")) + "".join(o.get("traceback", []))
        for c in json.loads((root / "autograded" / "hostile" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())["cells"]
        if c["cell_type"] == "code" for o in c.get("outputs", []))
    return root, result, outputs, arrived, before


def test_the_rest_of_the_batch_keeps_its_scores(hostile_batch):
    _, result, _, _, _ = hostile_batch
    assert result["good"].status == "graded" and result["good"].score == result["good"].max_score > 0
    assert result["unchanged"].status == "graded" and result["unchanged"].score == 0
    assert result["hostile"].status == "graded"


def test_nothing_of_the_course_root_is_read(hostile_batch):
    root, _, outputs, _, _ = hostile_batch
    assert "BLOCKED read" in outputs  # the cell ran
    assert CANARY not in outputs
    assert "READ " not in outputs, outputs
    assert "db_url" not in outputs and str(root) not in outputs.split("ENV", 1)[1].split("\n", 1)[0]


def test_nothing_is_written_outside_the_scratch_folder(hostile_batch):
    root, _, outputs, _, before = hostile_batch
    wrote = [line for line in outputs.splitlines() if line.startswith("WROTE")]
    assert wrote == ["WROTE /tmp/pwned.txt"]  # only into its own /tmp, which is thrown away
    assert not (root / "pwned.txt").exists()
    assert not (root / "submitted" / "good" / ASSIGNMENT / "pwned.txt").exists()
    assert not Path("/tmp/pwned.txt").exists()
    added = {p.relative_to(root) for p in root.rglob("*")} - before
    assert all(p.parts[0] in ("autograded", "logs", "gradebook.db") for p in added), added  # the grader's own


def test_no_connection_arrives(hostile_batch):
    _, _, outputs, arrived, _ = hostile_batch
    assert "BLOCKED connect" in outputs
    assert arrived == []


def test_no_process_is_left(hostile_batch):
    _, _, outputs, _, _ = hostile_batch
    assert "DETACHED" in outputs and "FORKED" in outputs  # both were tried inside the sandbox
    scratch = Path(outputs.split("SCRATCH ", 1)[1].split()[0])
    assert scratch.name.startswith("ovp-sandbox-")
    left = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if MARKER in cmdline or scratch.name in cmdline:
                left.append(cmdline)
    assert left == []
    assert not scratch.exists()
    for controller in ("memory", "pids"):
        assert not (sandbox.CGROUP / controller / sandbox.CGROUP_PARENT / scratch.name).exists()


def test_the_process_count_is_capped():
    """A fork bomb stops at the cap (the pids control group as root, RLIMIT_NPROC in the user
    namespace otherwise), and its processes are gone with the sandbox."""
    import subprocess
    import sys

    bomb = ("import os, time\nn = 0\nfor i in range(200):\n    try:\n        pid = os.fork()\n"
            "    except OSError:\n        break\n    if pid == 0:\n        time.sleep(300)\n        os._exit(0)\n"
            "    n += 1\nprint(n)")
    box = sandbox.Sandbox(2**30, max_processes=40)
    try:
        proc = subprocess.run(box.command([sys.executable, "-c", bomb]), preexec_fn=box.preexec,
                              capture_output=True, text=True, timeout=60)
    finally:
        box.close()
    assert proc.returncode == 0, proc.stderr
    assert 0 < int(proc.stdout) < 40


def test_autograde_refuses_without_the_sandbox(tmp_path, monkeypatch, capsys):
    root = scratch_course(tmp_path, only=(ASSIGNMENT,))
    submit(root, "ada", ASSIGNMENT, root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    monkeypatch.setattr("ovptools.course.classroom.sandbox_problem", lambda: "bubblewrap (`bwrap`) is not installed")
    with pytest.raises(sandbox.SandboxUnavailable, match="bwrap.*--unsafe-no-sandbox"):
        instructor.autograde(ASSIGNMENT, root=root)
    assert instructor.main(["--root", str(root), "autograde", ASSIGNMENT]) == 1
    err = capsys.readouterr().err
    assert "refusing to grade" in err and "--unsafe-no-sandbox" in err
    check_sandbox(root, False)  # asked for no sandbox: nothing to check


def test_autograde_refuses_a_course_config_without_the_sandboxed_step(tmp_path):
    root = scratch_course(tmp_path, only=(ASSIGNMENT,))
    config = root / "nbgrader_config.py"
    config.write_text("\n".join(line for line in config.read_text().splitlines() if "sandboxed(" not in line))
    with pytest.raises(sandbox.SandboxUnavailable, match="does not run kernels in the sandbox"):
        check_sandbox(root, True)


def test_the_sandbox_hides_the_grader_environment_and_filesystem(tmp_path, monkeypatch):
    """Directly: the kernel command sees no secret variable, no home, no repository but ovptools."""
    import subprocess
    import sys

    monkeypatch.setenv("OVP_TEST_SECRET_DB_URL", "postgresql://grader:hunter2@localhost/gradebook")
    box = sandbox.Sandbox(2**30, hidden=[tmp_path])
    try:
        probe = ("import os, json, sys; print(json.dumps([dict(os.environ), os.getuid(), os.getpid(), "
                 f"os.path.exists({str(tmp_path)!r}), sorted(os.listdir('/'))]))")
        proc = subprocess.run(box.command([sys.executable, "-c", probe]), preexec_fn=box.preexec,
                              capture_output=True, text=True, timeout=60)
    finally:
        box.close()
    assert proc.returncode == 0, proc.stderr
    env, uid, pid, sees_course, top = json.loads(proc.stdout)
    assert "hunter2" not in json.dumps(env)
    assert uid == sandbox.SANDBOX_UID
    assert pid < 10  # its own PID namespace
    assert not sees_course
    assert "home" not in top
    assert not box.scratch.exists()


def test_ovp_check_runs_the_notebook_in_the_sandbox(tmp_path):
    """A student's check sees the sandbox too: no file beside the notebook's folder, no network,
    not the student's uid."""
    from ovptools.course.check import check_notebook

    (tmp_path / "secret.txt").write_text(CANARY)
    folder = tmp_path / "ps"
    folder.mkdir()
    (folder / "data.txt").write_text("mine")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    tests = [f"import os\nassert not os.path.exists({str(tmp_path / 'secret.txt')!r})",
             "assert open('data.txt').read() == 'mine'",  # the notebook's own folder is copied in
             f"import socket\nassert socket.socket().connect_ex(('127.0.0.1', {port})) != 0",
             f"import os\nassert os.getuid() == {sandbox.SANDBOX_UID}"]
    cells = [{"cell_type": "code", "execution_count": None, "outputs": [], "source": src, "id": f"t{i}",
              "metadata": {"nbgrader": {"grade": True, "grade_id": f"t{i}", "points": 1, "solution": False,
                                        "locked": True, "schema_version": 3}}} for i, src in enumerate(tests)]
    nb = {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                      "language": "python"}}, "nbformat": 4, "nbformat_minor": 5}
    path = folder / "check.ipynb"
    path.write_text(json.dumps(nb))
    try:
        result = check_notebook(path, timeout=60)
    finally:
        listener.close()
    assert result.tests == 4 and result.failed == [], result.failed
