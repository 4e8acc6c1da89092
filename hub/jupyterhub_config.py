"""JupyterHub for the course on one machine: students and instructors are system users, each
student's JupyterLab runs as that user, and nbgrader's exchange moves assignments, submissions and
feedback between them. Start it with `make hub` (or hub/start.sh), which also starts the
gradebook's PostgreSQL; see hub/README.md.

Settings come from the environment (hub/start.sh sets them):

    OVP_HUB_DIR            the hub's state: its database, cookie secret, the exchange, the per-role
                           Jupyter configuration (default /srv/ovp-hub)
    OVP_HUB_IP, OVP_HUB_PORT          where students connect (default 127.0.0.1:8000)
    OVP_HUB_STUDENTS, OVP_HUB_INSTRUCTORS   comma-separated user names (system users)
    OVP_HUB_AUTHENTICATOR  "pam" (default: the system passwords), "dummy" (OVP_HUB_PASSWORD for
                           everyone: the end-to-end test only), or any authenticator class, for
                           example "oauthenticator.generic.GenericOAuthenticator" (README.md)
    OVP_HUB_SPAWNER        "localprocess" (default: each user's server runs as that system user)
    OVP_HUB_COURSE_ROOT    the instructors' nbgrader course root (default ~/ovp-course of each)
    OVP_HUB_DB_URL_FILE    a file holding the gradebook's db_url (default OVP_HUB_DIR/gradebook_url)
"""

from __future__ import annotations

import json
import os
import pwd
import sys
from pathlib import Path

c = get_config()  # noqa: F821 (provided by traitlets when JupyterHub loads this file)

COURSE_ID = "ovp-course"
REPO = Path(__file__).resolve().parents[1]
STATE = Path(os.environ.get("OVP_HUB_DIR", "/srv/ovp-hub"))
STATE.mkdir(parents=True, exist_ok=True)
STATE.chmod(0o755)
sys.path.insert(0, str(REPO / "hub"))
import lockdown  # noqa: E402
from users_env import users_env  # noqa: E402

# The course's environment (JupyterLab, nbgrader, ovptools), as the users can run it.
VENV_BIN, USERS_ENV = users_env(STATE, Path(sys.executable).parent.parent)
EXCHANGE = STATE / "exchange"
IP = os.environ.get("OVP_HUB_IP", "127.0.0.1")
PORT = int(os.environ.get("OVP_HUB_PORT", "8000"))


def _names(variable: str) -> set[str]:
    return {n.strip() for n in os.environ.get(variable, "").split(",") if n.strip()}


STUDENTS, INSTRUCTORS = _names("OVP_HUB_STUDENTS"), _names("OVP_HUB_INSTRUCTORS")
DB_URL_FILE = Path(os.environ.get("OVP_HUB_DB_URL_FILE", STATE / "gradebook_url"))

# Before anything starts (hub/lockdown.py; hub/start.sh ran the same): the hidden tests closed to users,
# no home open to others, the exchange root 1777 with the course folder an instructor's. Else: exit.
lockdown.check(STATE, STUDENTS, INSTRUCTORS, COURSE_ID)
STATE_FD = lockdown.open_dir(STATE)  # root writes below it one folder at a time, never through a link
lockdown.private_file(STATE_FD, "jupyterhub.sqlite")  # the hub's database: its tokens are root's alone

# --- the hub, its proxy and its own database (not the gradebook) ----------------------------------
c.JupyterHub.bind_url = f"http://{IP}:{PORT}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = PORT + 1
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PORT + 2}"
c.ConfigurableHTTPProxy.pid_file = str(STATE / "proxy.pid")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
# a restart of the hub (an upgrade, a crash) leaves every user's server and kernels running; hub/stop.sh
# --servers stops them too
c.JupyterHub.cleanup_servers = False

# --- who may log in ---------------------------------------------------------------------------------
authenticator = os.environ.get("OVP_HUB_AUTHENTICATOR", "pam")
c.JupyterHub.authenticator_class = authenticator
if authenticator == "dummy":  # one shared password: for the end-to-end test on 127.0.0.1 only
    c.DummyAuthenticator.password = os.environ["OVP_HUB_PASSWORD"]
c.Authenticator.allowed_users = STUDENTS | INSTRUCTORS
c.Authenticator.admin_users = INSTRUCTORS

# --- each user's JupyterLab, as that system user ----------------------------------------------------
c.JupyterHub.spawner_class = os.environ.get("OVP_HUB_SPAWNER", "localprocess")
c.Spawner.cmd = [str(VENV_BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.http_timeout = 120
c.Spawner.start_timeout = 120
c.Spawner.environment = {
    "PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin",  # nbgrader calls alembic from here
    "OVP_NO_PROGRESS": "1",
    # one BLAS/torch thread per kernel: the lectures' products gain nothing from threads, and on shared
    # cores threads that wait on each other cost up to 10× the CPU (hub/README.md, per student)
    "OMP_NUM_THREADS": "1",
    **USERS_ENV,
}

# --- nbgrader: one Jupyter configuration folder per role --------------------------------------------
# Students get the exchange and the course, with the assignment and course lists; the formgrader and
# the create-assignment toolbar are switched off for them (server extension and JupyterLab plugin).
# Each instructor gets a private folder (mode 700) that also names the course root and the gradebook
# (whose URL holds the database password).
STUDENT_CONFIG = STATE / "jupyter-student"
# Submissions are made and collected by the checked classes of hub/ovp_exchange.py (no 777 submission
# folders; nothing collected that is not its student's own, made of links, or from someone off the list).
# The per-cell time limit is not set here: ovp-check and the grader take it from the course.
NBGRADER_SHARED = f"""c = get_config()
import sys
sys.path.insert(0, {str(REPO / "hub")!r})
c.CourseDirectory.course_id = {COURSE_ID!r}
c.Exchange.root = {str(EXCHANGE)!r}
c.ExchangeFactory.submit = "ovp_exchange.PrivateSubmit"
"""


def student_config() -> Path:
    folder = lockdown.subdir(STATE_FD, STUDENT_CONFIG.name, mode=0o755, owners=(0,))
    try:
        lockdown.write_file(folder, "nbgrader_config.py", NBGRADER_SHARED, mode=0o644)
        lockdown.write_file(folder, "jupyter_server_config.json", json.dumps({"ServerApp": {"jpserver_extensions": {
            "nbgrader.server_extensions.formgrader": False}}}, indent=1), mode=0o644)
        lab = lockdown.subdir(folder, "labconfig", mode=0o755, owners=(0,))
        try:
            lockdown.write_file(lab, "page_config.json", json.dumps({"disabledExtensions": {
                "@jupyter/nbgrader:formgrader": True, "@jupyter/nbgrader:create-assignment": True}}, indent=1),
                mode=0o644)
        finally:
            os.close(lab)
    finally:
        os.close(folder)
    return STUDENT_CONFIG


def instructor_config(name: str) -> Path:
    """The instructor's folder, theirs (mode 700), written by root without following any link they made."""
    user = pwd.getpwnam(name)
    root = os.environ.get("OVP_HUB_COURSE_ROOT") or os.path.join(user.pw_dir, "ovp-course")
    text = NBGRADER_SHARED + f"c.CourseDirectory.root = {root!r}\n"
    text += 'c.ExchangeFactory.collect = "ovp_exchange.CheckedCollect"\n'
    text += f"c.CheckedCollect.students = {sorted(STUDENTS)!r}\n"
    if DB_URL_FILE.is_file():
        text += f"c.CourseDirectory.db_url = {DB_URL_FILE.read_text().strip()!r}\n"
    folder = lockdown.subdir(STATE_FD, f"jupyter-{name}", uid=user.pw_uid, gid=user.pw_gid, mode=0o700)
    try:
        lockdown.write_file(folder, "nbgrader_config.py", text, mode=0o600, uid=user.pw_uid, gid=user.pw_gid)
    finally:
        os.close(folder)
    return STATE / f"jupyter-{name}"


def pre_spawn_hook(spawner) -> None:
    name = spawner.user.name
    config = instructor_config(name) if name in INSTRUCTORS else student_config()
    spawner.environment = {**spawner.environment, "JUPYTER_CONFIG_PATH": str(config)}


student_config()
for _name in INSTRUCTORS:  # now, so that an instructor's terminal commands see it before any server starts
    instructor_config(_name)
c.Spawner.pre_spawn_hook = pre_spawn_hook
