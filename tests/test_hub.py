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

Student 4 attacks the class as a student could: a submission in student 1's name, hand-made submissions
(one named for the year 2099, one holding a link to the instructor's source notebook, one backdated made
after the due date), writes into another student's submission, a rename of the exchange's course folder;
the instructor submits too, without being on the class list. Before the hub starts, the instructor has
put a link to a root-owned file where root writes their configuration. Only the backdated submission
is collected for student 4, and found late; the rest is quarantined or refused, and no file is followed.

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
import stat
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from servers import CHROMIUM, headless_chromium, wait_for_http

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "hub"))
import pgcluster  # noqa: E402
from users_env import users_env  # noqa: E402

BIN = Path(sys.executable).parent
ARTIFACTS = REPO / "test-artifacts" / "hub"
ASSIGNMENT, COURSE_ID = "ps1_pl", "ovp-course"
SOURCE = REPO / "solutions" / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
MAX_SCORE, GD_POINTS = 17.0, 2.0  # ps1_pl: 17 autograded points, 2 of them for gradient_descent
MAX_TOTAL = 28.0  # and 11 graded by hand (0 until the instructor grades them): the feedback's maximum

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
        self.students = [f"ovps{i}{tag}" for i in (1, 2, 3, 4)]
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
        self.canary_dir = Path(tempfile.mkdtemp(prefix="ovp-canary-"))  # root's only
        self.canary = self.canary_dir / "canary"

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

    def plant_link(self) -> None:
        """What an instructor can do between two starts of the hub: their configuration folder is theirs,
        so they replace the file root writes there with a link to a root-owned file."""
        self.canary.write_text("canary\n")
        user = pwd.getpwnam(self.instructor)
        folder = self.state / f"jupyter-{self.instructor}"
        folder.mkdir(mode=0o700)
        os.chown(folder, user.pw_uid, user.pw_gid)
        (folder / "nbgrader_config.py").symlink_to(self.canary)
        os.lchown(folder / "nbgrader_config.py", user.pw_uid, user.pw_gid)

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
        for name in self.users:  # their servers outlive the hub (cleanup_servers = False): end them first
            for _ in range(40):
                pids = subprocess.run(["ps", "-o", "pid=", "-u", name], capture_output=True, text=True).stdout.split()
                if not pids:
                    break
                for pid in pids:
                    try:
                        os.kill(int(pid), 9)
                    except ProcessLookupError:
                        pass
                time.sleep(0.25)
            gone = subprocess.run(["userdel", "--remove", name], capture_output=True, text=True)
            if gone.returncode not in (0, 12):  # 12: the home was removed, its mail spool was not there
                print(f"userdel {name}: {gone.stderr}", file=sys.stderr)
        shutil.rmtree(self.state, ignore_errors=True)
        shutil.rmtree(self.canary_dir, ignore_errors=True)


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
        k.db_url = pgcluster.start(k.state / "postgres", k.pg_port, k.state / "postgres.password")
        pgcluster.write_secret(k.state / "gradebook_url", k.db_url + "\n")
        k.plant_link()
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


def _gd_only(release: Path) -> str:
    """The fetched release with only gradient_descent answered (2 of 14 points)."""
    nb = json.loads(release.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and "def gradient_descent(" in "".join(cell["source"]):
            cell["source"] = _gd_answer()
    return json.dumps(nb)


# --- the browser ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser():
    with headless_chromium() as b:
        yield b


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
    """Nbgrader → Assignments. On a loaded machine a click on the menu bar can land while the menu is
    still closing, and leave it closed: then click again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    entry = page.locator('#jp-mainmenu-nbgrader li[data-command="nbgrader:open-assignment-list"]')
    for _ in range(30):
        page.locator("#jp-menu-panel div.lm-MenuBar-itemLabel", has_text="Nbgrader").click()
        try:
            entry.wait_for(state="visible", timeout=6000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    entry.click()
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


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def _hand_made(klass: Class, name: str, entry: str, notebook: str, claimed: str) -> None:
    """``name`` makes an inbound entry by hand, as nbgrader's submit would, with ``notebook`` (a shell
    command writing ps1_pl.ipynb into "$d") and ``claimed`` as its timestamp."""
    inbound = klass.state / "exchange" / COURSE_ID / "inbound"
    script = (f'd="{inbound}/{entry}" && mkdir "$d" && {notebook} && echo "{claimed}" > "$d/timestamp.txt" && '
              f'echo {secrets.token_hex(32)} > "$d/submission_secret.txt"')
    klass.as_user(name, "sh", "-c", script)


def test_a_class_on_one_server(klass, browser):
    s1, s2, s3, s4 = klass.students
    instr, root = klass.instructor, klass.course_root
    inst = klass.as_user
    exchange = klass.state / "exchange" / COURSE_ID
    source_nb = root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"

    # 0. what the hub made sure of at start (hub/lockdown.py, jupyterhub_config.py)
    config = klass.config_dir(instr) / "nbgrader_config.py"
    assert klass.canary.read_text() == "canary\n"  # root did not follow the instructor's link
    assert not config.is_symlink() and _mode(config) == 0o600 and config.stat().st_uid == pwd.getpwnam(instr).pw_uid
    assert _mode(klass.state / "jupyterhub.sqlite") == 0o600
    assert _mode(klass.state / "postgres.password") == 0o600 and _mode(klass.state / "gradebook_url") == 0o600
    assert _mode(klass.state / "exchange") == 0o1777 and os.lstat(klass.state / "exchange").st_uid == 0
    assert exchange.stat().st_uid == pwd.getpwnam(instr).pw_uid and _mode(exchange) == 0o755
    hidden = [REPO / "solutions" / "nbgrader_config.py", SOURCE, REPO / "tests" / "alternatives" / "ps1_pl.py"]
    if (REPO / ".git").is_dir():
        hidden.append(REPO / ".git" / "HEAD")
    for student in (s1, s4):
        for path in hidden:
            assert not klass.can_read(student, path), path
        assert not klass.can_read(student, REPO / "solutions")
        inst(student, "python", "-c", "import ovptools.course.check, ovptools.widgets")  # still their package
    student_config = (klass.config_dir(s1) / "nbgrader_config.py").read_text()
    assert "timeout" not in student_config.lower()  # ovp-check's limit is the course's, not the hub's
    # a student cannot take the course folder away from the instructor (sticky exchange root)
    assert inst(s4, "mv", str(exchange), str(exchange.parent / "taken"), check=False).returncode != 0
    assert exchange.is_dir() and not (exchange.parent / "taken").exists()

    # 1. release through the exchange (the gradebook is PostgreSQL: the instructor's nbgrader config says so)
    inst(instr, "nbgrader", "generate_assignment", ASSIGNMENT, "--force", cwd=root)
    inst(instr, "nbgrader", "release_assignment", ASSIGNMENT, "--force", cwd=root)
    assert not (root / "gradebook.db").exists()
    assert _mode(exchange / "inbound") == 0o3733  # write-only for students, sticky

    # 2. student 1 in the browser; students 2 and 3 on the command line, as themselves
    _browser_student(browser, klass, s1)
    rss = subprocess.run(["ps", "-ww", "-o", "rss=,args=", "-u", s1], capture_output=True, text=True).stdout
    server_mb = sum(int(line.split()[0]) for line in rss.splitlines() if "singleuser" in line) / 1024
    for name in (s2, s3, s4, instr):
        inst(name, "nbgrader", "fetch_assignment", ASSIGNMENT)
    fetched = {name: klass.home(name) / ASSIGNMENT / f"{ASSIGNMENT}.ipynb" for name in (s2, s3, s4)}
    release_text = fetched[s3].read_text()
    fetched[s2].write_text(_answer(fetched[s2], wrong_gd=False))
    inst(s2, "nbgrader", "submit", ASSIGNMENT)
    time.sleep(1.1)  # submissions are told apart by their timestamps
    fetched[s2].write_text(_answer(fetched[s2], wrong_gd=True))
    inst(s2, "nbgrader", "submit", ASSIGNMENT)
    check = inst(s2, "ovp-check", f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb", check=False)  # the students' own check
    assert check.returncode in (0, 1) and "test cells pass (time limit" in check.stdout, check.stdout + check.stderr
    # the due date passes; then student 3 hands in the release unchanged
    due = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    inst(instr, "nbgrader", "db", "assignment", "add", ASSIGNMENT, f"--duedate={due}", cwd=root)
    time.sleep(1.1)
    assert fetched[s3].read_text() == release_text
    inst(s3, "nbgrader", "submit", ASSIGNMENT)

    # student 4, after the due date: the whole solution submitted in student 1's name, a hand-made
    # submission named for 2099 and stamped before the due date, one whose notebook is a link to the
    # instructor's source; the instructor submits too; then a backdated one with one answer, made last
    fetched[s4].write_text(_answer(fetched[s4], wrong_gd=False))
    inst(s4, "nbgrader", "submit", ASSIGNMENT, f"--student={s1}")
    early = "2020-01-01 00:00:00.000000 UTC"
    _hand_made(klass, s4, f"{s4}+{ASSIGNMENT}+2099-01-01 00:00:00.000000 UTC+AAAAAAAAAAAA",
               f'cp "{fetched[s4]}" "$d/"', early)
    _hand_made(klass, s4, f"{s4}+{ASSIGNMENT}+2099-06-01 00:00:00.000000 UTC+BBBBBBBBBBBB",
               f'ln -s "{source_nb}" "$d/{ASSIGNMENT}.ipynb"', early)
    inst(instr, "nbgrader", "submit", ASSIGNMENT)
    time.sleep(1.1)
    fetched[s4].write_text(release_text)
    fetched[s4].write_text(_gd_only(fetched[s4]))
    _hand_made(klass, s4, f"{s4}+{ASSIGNMENT}+{early}+CCCCCCCCCCCC", f'cp "{fetched[s4]}" "$d/"', early)

    # what each user can read or change: another student's work, submission and feedback, the instructor's files
    inbound = sorted(p.name for p in (exchange / "inbound").iterdir())
    assert sum(n.startswith(f"{s2}+{ASSIGNMENT}+") for n in inbound) == 2 and len(inbound) == 9
    real = [n for n in inbound if not n.startswith((f"{s4}+", f"{instr}+"))]
    assert all(re.fullmatch(rf"[^+]+\+{ASSIGNMENT}\+[^+]+\+[A-Za-z0-9_=-]{{12}}", n) for n in real)
    for name in real:  # no one else may replace a notebook in a submission, even knowing its name
        entry = exchange / "inbound" / name
        assert _mode(entry) & 0o022 == 0, (name, oct(_mode(entry)))
        if name.startswith(f"{s2}+"):
            assert inst(s4, "rm", "-f", str(entry / f"{ASSIGNMENT}.ipynb"), check=False).returncode != 0
            assert inst(s4, "touch", str(entry / "planted.ipynb"), check=False).returncode != 0
            assert (entry / f"{ASSIGNMENT}.ipynb").is_file() and not (entry / "planted.ipynb").exists()
    for reader, owner in ((s2, s1), (s3, s2), (s1, s3)):
        assert not klass.can_read(reader, klass.home(owner) / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
        assert not klass.can_read(reader, klass.home(owner))
    for student in (s1, s2, s3, s4):
        assert not klass.can_read(student, exchange / "inbound")  # write-only: names cannot be listed
        assert not klass.can_read(student, source_nb)
        assert not klass.can_read(student, klass.config_dir(instr) / "nbgrader_config.py")  # the db password
        assert not klass.can_read(student, klass.state / "gradebook_url")
        assert klass.can_read(student, exchange / "outbound" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")

    # 3. collect (quarantining what is not its student's own), autograde in 2 processes into PostgreSQL, feedback
    collected = inst(instr, "nbgrader", "collect", ASSIGNMENT, cwd=root)
    log = collected.stdout + collected.stderr
    quarantined = sorted(p.name for p in (exchange / "inbound").iterdir() if p.name.startswith(".quarantined+"))
    assert len(quarantined) == 3 and log.count("Quarantined") == 3, log
    assert any(n.startswith(f".quarantined+{s1}+") for n in quarantined)  # made by student 4
    assert any("+2099-06-01" in n for n in quarantined) and "symbolic link" in log
    assert any(n.startswith(f".quarantined+{instr}+") for n in quarantined) and "not on the class list" in log
    assert sorted(p.name for p in (root / "submitted").iterdir()) == sorted(klass.students)
    for path in (root / "submitted").rglob("*"):
        assert not path.is_symlink()
        if path.suffix == ".ipynb":
            assert "BEGIN HIDDEN TESTS" not in path.read_text(), path
    start = time.perf_counter()
    out = inst(instr, "ovp-instructor", "autograde", ASSIGNMENT, "--jobs", "2", cwd=root)
    autograde_s = time.perf_counter() - start
    assert f"{s2}" in out.stdout and not (root / "gradebook.db").exists(), out.stdout
    inst(instr, "ovp-instructor", "feedback", ASSIGNMENT, cwd=root)
    inst(instr, "nbgrader", "release_feedback", ASSIGNMENT, cwd=root)
    _instructor_formgrader(browser, klass)

    # 4. scores, lateness, the latest submission graded
    subs = _submissions(klass)
    assert set(subs) == {s1, s2, s3, s4}
    assert subs[s1][:2] == (GD_POINTS, MAX_SCORE)  # one answer, correct (not student 4's work in their name)
    assert subs[s2][:2] == (MAX_SCORE - GD_POINTS, MAX_SCORE)  # the later of two: gradient_descent wrong
    assert subs[s3][:2] == (0.0, MAX_SCORE)  # the unchanged release
    assert subs[s4][:2] == (GD_POINTS, MAX_SCORE)  # the one made last, whatever the names claim
    assert subs[s1][2] == 0 and subs[s2][2] == 0 and subs[s3][2] > 0 and subs[s4][2] > 0, subs

    # 5. each student fetches their own feedback, and only theirs
    for name, score in ((s1, GD_POINTS), (s2, MAX_SCORE - GD_POINTS), (s3, 0.0)):
        inst(name, "nbgrader", "fetch_feedback", ASSIGNMENT)
        pages = list((klass.home(name) / ASSIGNMENT / "feedback").rglob(f"{ASSIGNMENT}.html"))
        assert len(pages) == 1, pages
        text = pages[0].read_text()
        assert f"{ASSIGNMENT} (Score: {score:.1f} / {MAX_TOTAL:.1f})" in text, name
        assert "### BEGIN HIDDEN TESTS" not in text
        for other in set(klass.students) - {name}:
            assert other not in text
    assert not any(klass.can_read(s, exchange / "feedback") for s in klass.students)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "scores.json").write_text(json.dumps({
        "autograde_jobs_2_seconds": round(autograde_s, 1),
        "student_server_rss_mb": round(server_mb),
        "scores": {name: {"score": v[0], "max": v[1], "seconds_late": v[2]} for name, v in subs.items()},
    }, indent=1))


def test_stopping_the_hub_leaves_the_students_servers_running(klass):
    """A restart of the hub (cleanup_servers = False) must not end a student's server and kernels."""
    s1 = klass.students[0]
    ps = subprocess.run(["ps", "-ww", "-o", "pid=,args=", "-u", s1], capture_output=True, text=True).stdout
    running = [int(line.split()[0]) for line in ps.splitlines() if "jupyterhub-singleuser" in line
               or "ipykernel_launcher" in line]
    assert any("jupyterhub-singleuser" in line for line in ps.splitlines()), ps
    klass.hub.terminate()
    klass.hub.wait(timeout=60)
    time.sleep(3)
    for pid in running:  # the server and its kernels
        os.kill(pid, 0)  # ProcessLookupError if the hub took it down
