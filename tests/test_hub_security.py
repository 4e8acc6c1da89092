"""The class server's own safeguards, each without a running hub (the end-to-end test, tests/test_hub.py,
drives them through real students):

* the gradebook's password never on a command line, and its file mode 600 from its creation
  (hub/pgcluster.py);
* hub/stop.sh stops nothing while grading runs, unless told --force;
* root writes into a user's folder without following the links the user put there (hub/lockdown.py);
* the checks on a submission before it is collected (hub/ovp_exchange.py): only folders and regular
  files, all owned by the student; nothing copied through a link;
* (as root, marked ``hub``) hub/start.sh refuses a home that others can read, before starting anything.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "hub"))
import lockdown  # noqa: E402
import pgcluster  # noqa: E402

ME = pwd.getpwuid(os.getuid()).pw_name
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (files owned by another user)")


# --- the gradebook's password -------------------------------------------------------------------------------
def test_the_gradebook_password_is_never_on_a_command_line(tmp_path, monkeypatch):
    """Every command pgcluster.start runs is recorded (no PostgreSQL needed): the password must be in no
    argument list (any user reads those in /proc while psql runs), only on standard input; and its file
    must be mode 600 even if nothing chmods it afterwards (it is created so, whatever the umask)."""
    calls = []

    def fake(cmd, datadir, **kwargs):
        calls.append((cmd, kwargs.get("input")))
        sql = kwargs.get("input") or " ".join(cmd)
        out = "1" if sql.strip() == "SELECT 1" else ""
        code = 1 if "status" in cmd else 0
        return subprocess.CompletedProcess(cmd, code, out, "")

    datadir = tmp_path / "postgres"
    datadir.mkdir()
    (datadir / "PG_VERSION").write_text("16\n")
    monkeypatch.setattr(pgcluster, "_as_owner", fake)
    monkeypatch.setattr(pgcluster, "pg_bin", lambda name: name)
    monkeypatch.setattr(Path, "chmod", lambda self, mode: None)  # a mode set after creation does not count
    old = os.umask(0)
    try:
        url = pgcluster.start(datadir, 5999, tmp_path / "pw")
    finally:
        os.umask(old)
    password = (tmp_path / "pw").read_text().strip()
    assert password in url and len(password) >= 24
    assert stat.S_IMODE((tmp_path / "pw").stat().st_mode) == 0o600
    assert all(password not in " ".join(cmd) for cmd, _ in calls), [cmd for cmd, _ in calls]
    assert any(stdin and password in stdin for _, stdin in calls)  # it did reach psql, on stdin
    with pytest.raises(FileExistsError):  # an existing file (or a link) is never written through
        pgcluster.write_secret(tmp_path / "pw", "x")


# --- hub/stop.sh while grading runs ------------------------------------------------------------------------
def test_stop_warns_and_stops_nothing_while_grading_runs(tmp_path):
    sleeper = [sys.executable, "-c", "import time; time.sleep(120)"]
    grader = subprocess.Popen([*sleeper, "nbgrader", "autograde", "ps1_pl"])  # looks like one in `ps`
    hub = subprocess.Popen(sleeper)  # stands for JupyterHub
    reaper = threading.Thread(target=hub.wait, daemon=True)  # so that it is gone, not a zombie, once stopped
    reaper.start()
    (tmp_path / "jupyterhub.pid").write_text(f"{hub.pid}\n")
    env = dict(os.environ, OVP_HUB_DIR=str(tmp_path))
    try:
        out = subprocess.run(["sh", "hub/stop.sh"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 1, out.stderr
        assert "grading is running" in out.stderr and str(grader.pid) in out.stderr
        assert hub.poll() is None  # nothing stopped
        out = subprocess.run(["sh", "hub/stop.sh", "--force"], cwd=REPO, env=env, capture_output=True, text=True,
                             timeout=60)
        assert out.returncode == 0, out.stderr
        reaper.join(timeout=30)
        assert hub.returncode == -signal.SIGTERM
        assert grader.poll() is None  # --force stops the hub, not the grader
    finally:
        for proc in (grader, hub):
            if proc.poll() is None:
                proc.kill()
                proc.wait()


# --- root writing into a user's folder -----------------------------------------------------------------------
@as_root
def test_root_writes_a_users_file_without_following_their_link(tmp_path):
    nobody = pwd.getpwnam("nobody")
    target = tmp_path / "root-owned"
    target.write_text("untouched\n")
    state = tmp_path / "state"
    state.mkdir()
    folder = state / "jupyter-nobody"
    folder.mkdir(mode=0o700)
    os.chown(folder, nobody.pw_uid, nobody.pw_gid)
    (folder / "nbgrader_config.py").symlink_to(target)
    state_fd = lockdown.open_dir(state)
    try:
        fd = lockdown.subdir(state_fd, "jupyter-nobody", uid=nobody.pw_uid, gid=nobody.pw_gid, mode=0o700)
        lockdown.write_file(fd, "nbgrader_config.py", "secret\n", mode=0o600, uid=nobody.pw_uid, gid=nobody.pw_gid)
        os.close(fd)
        written = folder / "nbgrader_config.py"
        assert target.read_text() == "untouched\n"
        st = os.lstat(written)
        assert stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600 and st.st_uid == nobody.pw_uid
        assert written.read_text() == "secret\n"
        # a folder it does not expect to be someone else's is refused, and a link to a folder is not entered
        other = state / "jupyter-student"
        other.mkdir()
        os.chown(other, nobody.pw_uid, nobody.pw_gid)
        with pytest.raises(lockdown.Refused, match="owned by nobody"):
            lockdown.subdir(state_fd, "jupyter-student", owners=(0,))
        (state / "linked").symlink_to(tmp_path)
        with pytest.raises(lockdown.Refused, match="link"):
            lockdown.subdir(state_fd, "linked")
        # the hub's database: created 600, or made 600; a link in its place is refused
        lockdown.private_file(state_fd, "jupyterhub.sqlite")
        assert stat.S_IMODE((state / "jupyterhub.sqlite").stat().st_mode) == 0o600
        (state / "db.sqlite").symlink_to(target)
        with pytest.raises(lockdown.Refused):
            lockdown.private_file(state_fd, "db.sqlite")
    finally:
        os.close(state_fd)


@as_root
def test_the_hidden_tests_are_closed_to_other_users(tmp_path):
    for name in ("solutions", "tests", ".git"):
        (tmp_path / name).mkdir(mode=0o755)
        (tmp_path / name).chmod(0o755)
    assert lockdown.make_private(tmp_path) == []
    assert all(stat.S_IMODE((tmp_path / n).stat().st_mode) == 0o700 for n in ("solutions", "tests", ".git"))
    shutil.rmtree(tmp_path / "solutions")
    (tmp_path / "solutions").symlink_to(tmp_path / "tests")
    assert "not a folder" in lockdown.make_private(tmp_path)[0]


# --- the checks before a submission is collected ------------------------------------------------------------
@pytest.fixture
def exchange_module():
    pytest.importorskip("nbgrader")
    import ovp_exchange

    return ovp_exchange


def _submission(folder: Path) -> Path:
    (folder / "sub").mkdir(parents=True)
    (folder / "ps1_pl.ipynb").write_text("{}")
    (folder / "sub" / "data.txt").write_text("x")
    (folder / "timestamp.txt").write_text("2026-12-07 10:00:00.000000 UTC")
    return folder


def test_a_plain_submission_is_copied_whole(tmp_path, exchange_module):
    src = _submission(tmp_path / "entry")
    before = time.time()
    ctime = exchange_module.check_submission(str(src), ME, str(tmp_path / "copy"))
    assert ctime <= before + 1 and ctime >= max(p.stat().st_ctime for p in [src, *src.rglob("*")]) - 1e-6
    copied = sorted(str(p.relative_to(tmp_path / "copy")) for p in (tmp_path / "copy").rglob("*"))
    assert copied == ["ps1_pl.ipynb", "sub", "sub/data.txt", "timestamp.txt"]


def test_a_submission_too_large_is_refused(tmp_path, exchange_module):
    src = _submission(tmp_path / "entry")
    (src / "big.bin").write_bytes(b"0" * 5000)
    assert exchange_module.check_submission(str(src), ME, limit=10_000) > 0
    with pytest.raises(exchange_module.Refused, match="more than 4000 bytes"):
        exchange_module.check_submission(str(src), ME, limit=4000)


@pytest.mark.parametrize("plant", ["link", "link-in-folder", "fifo", "entry-is-link"])
def test_links_and_special_files_are_refused(tmp_path, exchange_module, plant):
    src = _submission(tmp_path / "entry")
    secret = tmp_path / "source.ipynb"
    secret.write_text("### BEGIN HIDDEN TESTS")
    path = str(src)
    if plant == "link":
        (src / "ps1_pl.ipynb").unlink()
        (src / "ps1_pl.ipynb").symlink_to(secret)
    elif plant == "link-in-folder":
        (src / "sub" / "x.ipynb").symlink_to(secret)
    elif plant == "fifo":
        os.mkfifo(src / "sub" / "pipe")
    else:
        path = str(tmp_path / "linked-entry")
        os.symlink(src, path)
    with pytest.raises(exchange_module.Refused):
        exchange_module.check_submission(path, ME, str(tmp_path / "copy"))
    copied = [p for p in (tmp_path / "copy").rglob("*") if p.is_file()] if (tmp_path / "copy").exists() else []
    assert all("HIDDEN" not in p.read_text() for p in copied)


@as_root
def test_a_file_someone_else_put_in_a_submission_is_refused(tmp_path, exchange_module):
    src = _submission(tmp_path / "entry")
    nobody = pwd.getpwnam("nobody")
    for path in [src, *src.rglob("*")]:
        os.chown(path, nobody.pw_uid, nobody.pw_gid)
    assert exchange_module.check_submission(str(src), "nobody") > 0
    os.chown(src / "sub" / "data.txt", 0, 0)
    with pytest.raises(exchange_module.Refused, match="owned by root"):
        exchange_module.check_submission(str(src), "nobody")
    with pytest.raises(exchange_module.Refused, match="not a user"):
        exchange_module.check_submission(str(src), f"nosuchuser{secrets.token_hex(3)}")


# --- hub/start.sh and an open home ----------------------------------------------------------------------------
@pytest.mark.hub
@as_root
@pytest.mark.skipif(shutil.which("useradd") is None, reason="needs useradd")
def test_start_refuses_a_home_that_others_can_read(tmp_path):
    name = f"ovph{secrets.token_hex(3)}"
    subprocess.run(["useradd", "--create-home", name], check=True)
    proc = None
    try:
        home = Path(pwd.getpwnam(name).pw_dir)
        home.chmod(0o755)
        env = dict(os.environ, OVP_HUB_DIR=str(tmp_path / "state"), OVP_HUB_STUDENTS=name, OVP_HUB_INSTRUCTORS="",
                   OVP_HUB_PG_PORT=str(20000 + secrets.randbelow(20000)),
                   OVP_HUB_PORT=str(40000 + secrets.randbelow(9000)),
                   OVP_HUB_AUTHENTICATOR="dummy", OVP_HUB_PASSWORD=secrets.token_hex(8))
        proc = subprocess.Popen(["sh", "hub/start.sh"], cwd=REPO, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            _, err = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGTERM)
            _, err = proc.communicate()
            raise AssertionError(f"hub/start.sh started the hub with {home} mode 755:\n{err[-2000:]}") from None
        assert proc.returncode == 1, err
        assert f"{name}'s home {home} is mode 755" in err and f"chmod 700 {home}" in err
        assert not (tmp_path / "state" / "postgres").exists()  # refused before anything started
    finally:
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        pgcluster.stop(tmp_path / "state" / "postgres")
        subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)
        subprocess.run(["userdel", "--remove", name], capture_output=True)
