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

# --- the hub, its proxy and its own database (not the gradebook) ----------------------------------
c.JupyterHub.bind_url = f"http://{IP}:{PORT}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = PORT + 1
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PORT + 2}"
c.ConfigurableHTTPProxy.pid_file = str(STATE / "proxy.pid")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every user's server

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
NBGRADER_SHARED = f"""c = get_config()
c.CourseDirectory.course_id = {COURSE_ID!r}
c.Exchange.root = {str(EXCHANGE)!r}
"""


def _write(path: Path, text: str, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)


def student_config() -> Path:
    _write(STUDENT_CONFIG / "nbgrader_config.py", NBGRADER_SHARED, 0o644)
    _write(STUDENT_CONFIG / "jupyter_server_config.json", json.dumps({"ServerApp": {"jpserver_extensions": {
        "nbgrader.server_extensions.formgrader": False}}}, indent=1), 0o644)
    _write(STUDENT_CONFIG / "labconfig" / "page_config.json", json.dumps({"disabledExtensions": {
        "@jupyter/nbgrader:formgrader": True, "@jupyter/nbgrader:create-assignment": True}}, indent=1), 0o644)
    for folder in (STUDENT_CONFIG, STUDENT_CONFIG / "labconfig"):
        folder.chmod(0o755)
    return STUDENT_CONFIG


def instructor_config(name: str) -> Path:
    user = pwd.getpwnam(name)
    folder = STATE / f"jupyter-{name}"
    root = os.environ.get("OVP_HUB_COURSE_ROOT") or os.path.join(user.pw_dir, "ovp-course")
    text = NBGRADER_SHARED + f"c.CourseDirectory.root = {root!r}\n"
    if DB_URL_FILE.is_file():
        text += f"c.CourseDirectory.db_url = {DB_URL_FILE.read_text().strip()!r}\n"
    _write(folder / "nbgrader_config.py", text, 0o600)
    for path in (folder, folder / "nbgrader_config.py"):
        os.chown(path, user.pw_uid, user.pw_gid)
    folder.chmod(0o700)
    return folder


def exchange() -> None:
    """nbgrader's exchange: writable by everyone (nbgrader's documented `chmod ugo+rw`); nbgrader
    itself makes each course's inbound folder write-only for students and names submissions with a
    random suffix, and the feedback folder unlistable, with each file named by a secret hash."""
    EXCHANGE.mkdir(parents=True, exist_ok=True)
    EXCHANGE.chmod(0o777)


def pre_spawn_hook(spawner) -> None:
    name = spawner.user.name
    config = instructor_config(name) if name in INSTRUCTORS else student_config()
    spawner.environment = {**spawner.environment, "JUPYTER_CONFIG_PATH": str(config)}


exchange()
student_config()
for _name in INSTRUCTORS:  # now, so that an instructor's terminal commands see it before any server starts
    instructor_config(_name)
c.Spawner.pre_spawn_hook = pre_spawn_hook
