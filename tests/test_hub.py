"""The class on one server, end to end, as its users use it: JupyterHub (hub/jupyterhub_config.py)
on 127.0.0.1 with three students and an instructor who are real system users, nbgrader's exchange,
the gradebook in PostgreSQL, and `ovp-instructor autograde --jobs 2`.

1. The instructor releases ps1_pl through the exchange.
2. Student 1 logs in through JupyterLab in headless Chromium, fetches ps1_pl from the Assignments
   tab, answers one question (gradient_descent) correctly and submits. Students 2 and 3 use
   nbgrader's command line as themselves: student 2 submits the whole solution, then resubmits it
   with gradient_descent wrong (the later one must be graded); student 3 submits the unchanged release
   after the due date (it must be flagged late).
3. The instructor collects, autogrades in 2 processes into PostgreSQL, generates and releases feedback;
   each student fetches their own.
4. Each score, lateness, the feedback, what each user can read, and the formgrader (instructor only).

The test uses JupyterHub's DummyAuthenticator (one password, on 127.0.0.1 only) with the real spawner,
LocalProcessSpawner (each server runs as its system user). It creates the users and removes them,
with everything it started. It needs root (users, servers run as other users) and Debian's packages
(`make hub-deps` installs them); without root or apt-get it is skipped. Screenshots go to
test-artifacts/hub/.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from servers import wait_for_http

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "hub"))
import pgcluster  # noqa: E402
from users_env import users_env  # noqa: E402

BIN = Path(sys.executable).parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = REPO / "test-artifacts" / "hub"
ASSIGNMENT, COURSE_ID = "ps1_pl", "ovp-course"
SOURCE = REPO / "solutions" / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
MAX_SCORE, GD_POINTS = 17.0, 2.0  # ps1_pl: 17 autograded points, 2 of them for gradient_descent
MAX_TOTAL = 21.0  # and 7 graded by hand (0 until the instructor grades them): the feedback's maximum

pytestmark = [
    pytest.mark.hub,
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root: it creates system users and runs their servers"),
    pytest.mark.skipif(shutil.which("apt-get") is None, reason="needs Debian's apt-get for its packages"),
]


def _missing() -> list[str]:
    missing = [name for name in ("configurable-http-proxy", "useradd", "runuser") if shutil.which(name) is None]
    if not (BIN / "jupyterhub").is_file():
        missing.append("jupyterhub")
    try:
        pgcluster.pg_bin("initdb")
    except FileNotFoundError:
        missing.append("postgresql")
    if not Path(CHROMIUM).is_file():
        missing.append("chromium")
    return missing


def _free_ports(count: int) -> int:
    """A port p with p, p+1, …, p+count-1 free on 127.0.0.1."""
    for _ in range(200):
        base = secrets.randbelow(20000) + 20000
        try:
            for port in range(base, base + count):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
    raise RuntimeError("no free ports")


class Class:
    """The users, the state folder, the gradebook and the hub of one run."""

    def __init__(self) -> None:
        tag = secrets.token_hex(3)
        self.students = [f"ovps{i}{tag}" for i in (1, 2, 3)]
        self.instructor = f"ovpi{tag}"
        self.password = secrets.token_urlsafe(12)
        self.state = Path(tempfile.mkdtemp(prefix="ovp-hub-"))
        self.state.chmod(0o755)
        self.port = _free_ports(3)
        self.pg_port = _free_ports(1)
        self.users: list[str] = []
        self.bin, self.env = users_env(self.state, BIN.parent)  # what the users run (hub/users_env.py)
        self.hub: subprocess.Popen | None = None
        self.db_url = ""
        self.log = None

    # --- users and commands ------------------------------------------------------------------------
    def add_user(self, name: str) -> None:
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", name], check=True)
        self.users.append(name)
        Path(self.home(name)).chmod(0o700)  # a student's work is theirs alone

    @staticmethod
    def home(name: str) -> Path:
        return Path(pwd.getpwnam(name).pw_dir)

    def config_dir(self, name: str) -> Path:
        return self.state / (f"jupyter-{name}" if name == self.instructor else "jupyter-student")

    def as_user(self, name: str, *cmd: str, cwd: Path | None = None, check: bool = True,
                timeout: int = 600) -> subprocess.CompletedProcess:
        """Run ``cmd`` as ``name`` with the environment their JupyterLab terminal has."""
        env = ["HOME=" + str(self.home(name)), "USER=" + name, "LOGNAME=" + name, "LANG=C.UTF-8",
               f"PATH={self.bin}:/usr/local/bin:/usr/bin:/bin", f"JUPYTER_CONFIG_PATH={self.config_dir(name)}",
               "OMP_NUM_THREADS=1", *(f"{k}={v}" for k, v in self.env.items())]
        proc = subprocess.run(["runuser", "-u", name, "--", "env", "-i", *env, *cmd], cwd=cwd or self.home(name),
                              capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(f"{name}: `{' '.join(cmd)}` exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
        return proc

    def can_read(self, name: str, path: Path) -> bool:
        """Whether ``name`` can list (a folder) or read (a file) ``path``."""
        cmd = ("ls", str(path)) if path.is_dir() else ("cat", str(path))
        return self.as_user(name, *cmd, check=False).returncode == 0

    # --- the instructor's course root ----------------------------------------------------------------
    @property
    def course_root(self) -> Path:
        return self.home(self.instructor) / "ovp-course"

    def make_course_root(self) -> None:
        root = self.course_root
        (root / "source").mkdir(parents=True)
        shutil.copy(REPO / "solutions" / "nbgrader_config.py", root)
        shutil.copytree(REPO / "solutions" / "source" / ASSIGNMENT, root / "source" / ASSIGNMENT)
        user = pwd.getpwnam(self.instructor)
        for path in [root, *root.rglob("*")]:
            os.chown(path, user.pw_uid, user.pw_gid)

    # --- the hub ---------------------------------------------------------------------------------------
    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start_hub(self) -> None:
        env = dict(os.environ, OVP_HUB_DIR=str(self.state), OVP_HUB_PORT=str(self.port),
                   OVP_HUB_STUDENTS=",".join(self.students), OVP_HUB_INSTRUCTORS=self.instructor,
                   OVP_HUB_AUTHENTICATOR="dummy", OVP_HUB_PASSWORD=self.password)
        self.log = open(self.state / "jupyterhub.log", "w")
        self.hub = subprocess.Popen([str(BIN / "jupyterhub"), "-f", str(REPO / "hub" / "jupyterhub_config.py")],
                                    cwd=self.state, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        if wait_for_http(f"{self.base}/hub/api/", seconds=240, process=self.hub):
            return
        raise RuntimeError(f"JupyterHub did not start:\n{(self.state / 'jupyterhub.log').read_text()[-3000:]}")

    def stop(self) -> None:
        """Stop the hub (and with it every user's server and the proxy), the gradebook's PostgreSQL,
        any process still running as a test user, and remove the users and the state folder."""
        if self.hub is not None and self.hub.poll() is None:
            self.hub.terminate()
            try:
                self.hub.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.hub.kill()
                self.hub.wait()
        proxy = self.state / "proxy.pid"
        if proxy.is_file():
            try:
                os.kill(int(proxy.read_text()), 15)
            except (ProcessLookupError, ValueError):
                pass
        if self.log is not None:
            self.log.close()
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(self.state / "jupyterhub.log", ARTIFACTS / "jupyterhub.log")
        pgcluster.stop(self.state / "postgres")
        for name in self.users:
            pids = subprocess.run(["ps", "-o", "pid=", "-u", name], capture_output=True, text=True).stdout.split()
            for pid in pids:
                try:
                    os.kill(int(pid), 9)
                except ProcessLookupError:
                    pass
            subprocess.run(["userdel", "--remove", name], capture_output=True)
        shutil.rmtree(self.state, ignore_errors=True)


@pytest.fixture(scope="module")
def klass():
    missing = _missing()
    assert not missing, f"missing {missing}: `make hub-deps` (and `make browser`) install them"
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    k = Class()
    try:
        for name in [*k.students, k.instructor]:
            k.add_user(name)
        k.make_course_root()
        with open(k.state / "gradebook_url", "w") as fh:
            os.fchmod(fh.fileno(), 0o600)
            k.db_url = pgcluster.start(k.state / "postgres", k.pg_port, k.state / "postgres.password")
            fh.write(k.db_url + "\n")
        k.start_hub()
        yield k
    finally:
        k.stop()


# --- the submissions -----------------------------------------------------------------------------------
def _solution_sources() -> dict[str, str]:
    """{grade_id: source with the solution markers removed} for every autograded answer cell."""
    nb = json.loads(SOURCE.read_text())
    out = {}
    for cell in nb["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if cell["cell_type"] == "code" and meta.get("solution"):
            src = "".join(cell["source"])
            out[meta["grade_id"]] = "\n".join(ln for ln in src.splitlines()
                                              if ln.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))
    return out


def _answer(release: Path, wrong_gd: bool) -> str:
    """The fetched release with every code answer filled in from the solution (gradient_descent
    taking half the step asked for if ``wrong_gd``)."""
    nb = json.loads(release.read_text())
    answers = _solution_sources()
    for cell in nb["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if cell["cell_type"] == "code" and grade_id in answers:
            src = answers[grade_id]
            if wrong_gd and "def gradient_descent(" in src:
                src += ("\n\n_right = gradient_descent\n\ndef gradient_descent(grad, w0, step, iters):\n"
                        "    return _right(grad, w0, 0.5 * step, iters)\n")
            cell["source"] = src
    return json.dumps(nb)


def _gd_answer() -> str:
    return next(src for src in _solution_sources().values() if "def gradient_descent(" in src)


# --- the browser ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                  "--disable-background-networking", "--disable-component-update"],
        )
        yield b
        b.close()


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def _log_in(browser, klass: Class, name: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(180_000)
    page.goto(f"{klass.base}/hub/login")
    page.locator("#username_input").fill(name)
    page.locator("#password_input").fill(klass.password)
    page.locator("#login_submit").click()
    page.wait_for_url(re.compile(rf".*/user/{name}/lab.*"))
    page.locator("#jp-main-dock-panel").wait_for()
    return context, page


def _open_assignment_list(page) -> None:
    page.locator("#jp-menu-panel div.lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    page.locator('#jp-mainmenu-nbgrader li[data-command="nbgrader:open-assignment-list"]').click()
    page.locator("#released_assignments_list").wait_for()


def _list_rows(page, which: str, count: int):
    rows = page.locator(f"#{which}_assignments_list > .list_item")
    for _ in range(120):
        if rows.count() == count:
            return rows
        time.sleep(0.5)
    raise AssertionError(f"the {which} list shows {rows.count()} rows, expected {count}")


def _browser_student(browser, klass: Class, name: str) -> None:
    """Log in, fetch from the Assignments tab, answer gradient_descent in the notebook, save, submit."""
    context, page = _log_in(browser, klass, name)
    try:
        _shot(page, "1-student-lab")
        # the formgrader is the instructor's: neither its server extension nor its menu entry is here
        assert page.request.get(f"{klass.base}/user/{name}/formgrader").status == 404
        page.locator("#jp-menu-panel div.lm-MenuBar-itemLabel", has_text="Nbgrader").click()
        page.locator("#jp-mainmenu-nbgrader").wait_for()
        menu = page.locator("#jp-mainmenu-nbgrader")
        assert menu.locator('li[data-command="nbgrader:open-assignment-list"]').is_visible()
        assert not menu.locator('li[data-command="nbgrader:open-formgrader"]').is_visible()
        disabled = page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent)"
                                 ".disabledExtensions")
        assert "@jupyter/nbgrader:formgrader" in disabled and "@jupyter/nbgrader:create-assignment" in disabled
        page.keyboard.press("Escape")

        _open_assignment_list(page)
        _list_rows(page, "released", 1).first.locator(".item_status button").click()
        _list_rows(page, "fetched", 1)
        _shot(page, "2-student-fetched")

        page.goto(f"{klass.base}/user/{name}/lab/tree/{ASSIGNMENT}/{ASSIGNMENT}.ipynb")
        cell = page.locator(".jp-CodeCell", has_text="def gradient_descent(").first
        cell.locator(".cm-content").click()
        page.keyboard.press("Control+A")
        page.keyboard.insert_text(_gd_answer())
        page.keyboard.press("Control+S")
        saved = klass.home(name) / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        for _ in range(60):
            if "w = w - step" in saved.read_text():
                break
            time.sleep(0.5)
        else:
            raise AssertionError("the edited notebook was not saved")
        _shot(page, "3-student-answered")

        _open_assignment_list(page)
        page.locator("#refresh_assignments_list").click()
        _list_rows(page, "fetched", 1).first.locator('.item_status button:text("Submit")').click()
        _list_rows(page, "submitted", 1)
        _shot(page, "4-student-submitted")
    except Exception:
        _shot(page, "student-failed")
        raise
    finally:
        context.close()


def _instructor_formgrader(browser, klass: Class) -> None:
    context, page = _log_in(browser, klass, klass.instructor)
    try:
        page.goto(f"{klass.base}/user/{klass.instructor}/formgrader/manage_submissions/{ASSIGNMENT}")
        page.get_by_text(klass.students[0]).first.wait_for()
        _shot(page, "6-instructor-formgrader")
    except Exception:
        _shot(page, "instructor-failed")
        raise
    finally:
        context.close()


# --- the test ------------------------------------------------------------------------------------------
def _submissions(klass: Class) -> dict[str, object]:
    from nbgrader.api import Gradebook

    with Gradebook(klass.db_url, COURSE_ID) as gb:
        return {s.student.id: (float(s.code_score), float(s.max_code_score), float(s.total_seconds_late))
                for s in gb.assignment_submissions(ASSIGNMENT)}


def test_a_class_on_one_server(klass, browser):
    s1, s2, s3 = klass.students
    instr, root = klass.instructor, klass.course_root
    inst = klass.as_user

    # 1. release through the exchange (the gradebook is PostgreSQL: the instructor's nbgrader config says so)
    inst(instr, "nbgrader", "generate_assignment", ASSIGNMENT, "--force", cwd=root)
    inst(instr, "nbgrader", "release_assignment", ASSIGNMENT, "--force", cwd=root)
    assert not (root / "gradebook.db").exists()

    # 2. student 1 in the browser; students 2 and 3 on the command line, as themselves
    _browser_student(browser, klass, s1)
    rss = subprocess.run(["ps", "-ww", "-o", "rss=,args=", "-u", s1], capture_output=True, text=True).stdout
    server_mb = sum(int(line.split()[0]) for line in rss.splitlines() if "singleuser" in line) / 1024
    for name in (s2, s3):
        inst(name, "nbgrader", "fetch_assignment", ASSIGNMENT)
    fetched = {name: klass.home(name) / ASSIGNMENT / f"{ASSIGNMENT}.ipynb" for name in (s2, s3)}
    release_text = fetched[s3].read_text()
    fetched[s2].write_text(_answer(fetched[s2], wrong_gd=False))
    inst(s2, "nbgrader", "submit", ASSIGNMENT)
    time.sleep(1.1)  # submissions are told apart by their timestamps
    fetched[s2].write_text(_answer(fetched[s2], wrong_gd=True))
    inst(s2, "nbgrader", "submit", ASSIGNMENT)
    # the due date passes; then student 3 hands in the release unchanged
    due = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    inst(instr, "nbgrader", "db", "assignment", "add", ASSIGNMENT, f"--duedate={due}", cwd=root)
    time.sleep(1.1)
    assert fetched[s3].read_text() == release_text
    inst(s3, "nbgrader", "submit", ASSIGNMENT)

    # what each user can read: another student's work, submission and feedback, the instructor's files
    exchange = klass.state / "exchange" / COURSE_ID
    inbound = sorted(p.name for p in (exchange / "inbound").iterdir())
    assert sum(n.startswith(f"{s2}+{ASSIGNMENT}+") for n in inbound) == 2 and len(inbound) == 4
    assert all(re.fullmatch(rf"[^+]+\+{ASSIGNMENT}\+[^+]+\+[A-Za-z0-9_=-]{{12}}", n) for n in inbound)
    for reader, owner in ((s2, s1), (s3, s2), (s1, s3)):
        assert not klass.can_read(reader, klass.home(owner) / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
        assert not klass.can_read(reader, klass.home(owner))
    for student in (s1, s2, s3):
        assert not klass.can_read(student, exchange / "inbound")  # write-only: names cannot be listed
        assert not klass.can_read(student, root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
        assert not klass.can_read(student, klass.config_dir(instr) / "nbgrader_config.py")  # the db password
        assert not klass.can_read(student, klass.state / "gradebook_url")
        assert klass.can_read(student, exchange / "outbound" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")

    # 3. collect, autograde in 2 processes into PostgreSQL, feedback
    inst(instr, "nbgrader", "collect", ASSIGNMENT, cwd=root)
    start = time.perf_counter()
    out = inst(instr, "ovp-instructor", "autograde", ASSIGNMENT, "--jobs", "2", cwd=root)
    autograde_s = time.perf_counter() - start
    assert f"{s2}" in out.stdout and not (root / "gradebook.db").exists(), out.stdout
    inst(instr, "ovp-instructor", "feedback", ASSIGNMENT, cwd=root)
    inst(instr, "nbgrader", "release_feedback", ASSIGNMENT, cwd=root)
    _instructor_formgrader(browser, klass)

    # 4. scores, lateness, the latest submission graded
    subs = _submissions(klass)
    assert set(subs) == {s1, s2, s3}
    assert subs[s1][:2] == (GD_POINTS, MAX_SCORE)  # one answer, correct
    assert subs[s2][:2] == (MAX_SCORE - GD_POINTS, MAX_SCORE)  # the later of two: gradient_descent wrong
    assert subs[s3][:2] == (0.0, MAX_SCORE)  # the unchanged release
    assert subs[s1][2] == 0 and subs[s2][2] == 0 and subs[s3][2] > 0, subs

    # 5. each student fetches their own feedback, and only theirs
    for name, score in ((s1, GD_POINTS), (s2, MAX_SCORE - GD_POINTS), (s3, 0.0)):
        inst(name, "nbgrader", "fetch_feedback", ASSIGNMENT)
        pages = list((klass.home(name) / ASSIGNMENT / "feedback").rglob(f"{ASSIGNMENT}.html"))
        assert len(pages) == 1, pages
        text = pages[0].read_text()
        assert f"{ASSIGNMENT} (Score: {score:.1f} / {MAX_TOTAL:.1f})" in text, name
        assert "### BEGIN HIDDEN TESTS" not in text
        for other in {s1, s2, s3} - {name}:
            assert other not in text
    assert not any(klass.can_read(s, exchange / "feedback") for s in (s1, s2, s3))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "scores.json").write_text(json.dumps({
        "autograde_jobs_2_seconds": round(autograde_s, 1),
        "student_server_rss_mb": round(server_mb),
        "scores": {name: {"score": v[0], "max": v[1], "seconds_late": v[2]} for name, v in subs.items()},
    }, indent=1))
