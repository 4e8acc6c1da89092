"""A private PostgreSQL cluster for the class's gradebook, from Debian's `postgresql` package.

    python3 hub/pgcluster.py start DATADIR [--port 5432] [--password-file FILE]   prints the db_url
    python3 hub/pgcluster.py stop DATADIR

``start`` creates the cluster in DATADIR if it is not there yet (``initdb``; as the ``postgres``
user when run as root, since PostgreSQL refuses to run as root), starts it listening on 127.0.0.1
only, and makes the role ``ovp_grader`` (password from FILE, created with a random one if missing,
mode 600 from its creation) owning the database ``ovp_gradebook``; the SQL that sets the password reaches
psql on its standard input, never on a command line (which any user can read in /proc). Connections
over TCP need that password (scram-sha-256); over the cluster's Unix socket (in DATADIR) only its
owner gets in. The URL it prints is what ``c.CourseDirectory.db_url`` is set to. Only the standard
library is used, so the script runs with any Python 3.
"""

from __future__ import annotations

import argparse
import os
import pwd
import secrets
import shutil
import subprocess
import time
from pathlib import Path

ROLE, DATABASE = "ovp_grader", "ovp_gradebook"


def pg_bin(name: str) -> str:
    """The newest installed PostgreSQL's ``name`` binary (Debian keeps them out of PATH)."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name)
                      if p.parent.name.isdigit() else 0)
    for folder in reversed(versions):
        if (folder / name).is_file():
            return str(folder / name)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name}: PostgreSQL is not installed (Debian: apt-get install postgresql)")
    return found


def _as_owner(cmd: list[str], datadir: Path, **kwargs) -> subprocess.CompletedProcess:
    """Run ``cmd`` as the cluster's owner: ``postgres`` when we are root, else ourselves."""
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    kwargs.setdefault("check", True)
    return subprocess.run(cmd, capture_output=True, text=True, **kwargs)


def _psql(datadir: Path, port: int, sql: str) -> str:
    """Run ``sql`` as the cluster's superuser. The SQL goes on psql's standard input, never on its command
    line, which every user of the machine can read in /proc (it may hold the gradebook's password)."""
    out = _as_owner([pg_bin("psql"), "-h", str(datadir), "-p", str(port), "-U", "postgres", "-d", "postgres",
                     "-v", "ON_ERROR_STOP=1", "-tA", "-f", "-"], datadir, input=sql)
    return out.stdout.strip()


def write_secret(path: Path, text: str) -> None:
    """Create ``path`` holding ``text``, mode 600 from its creation (never a moment readable by others);
    an existing file is refused rather than followed if it is a link."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w") as fh:
        os.fchmod(fh.fileno(), 0o600)  # whatever the umask
        fh.write(text)


def start(datadir: str | Path, port: int = 5432, password_file: str | Path | None = None) -> str:
    """Create (if needed) and start the cluster in ``datadir``; return the gradebook's db_url."""
    datadir = Path(datadir).resolve()
    if not isinstance(port, int) or not 0 < port < 65536:
        raise ValueError(f"port: expected a TCP port number (1-65535), got {port!r}")
    password_file = Path(password_file) if password_file else datadir.parent / f"{datadir.name}.password"
    if not password_file.is_file():
        write_secret(password_file, secrets.token_urlsafe(24) + "\n")
    password_file.chmod(0o600)
    password = password_file.read_text().strip()
    if not (datadir / "PG_VERSION").is_file():
        datadir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            pg = pwd.getpwnam("postgres")
            os.chown(datadir, pg.pw_uid, pg.pw_gid)
        datadir.chmod(0o700)
        _as_owner([pg_bin("initdb"), "-D", str(datadir), "-U", "postgres", "--auth-local=trust",
                   "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C"], datadir)
    if _as_owner([pg_bin("pg_ctl"), "-D", str(datadir), "status"], datadir, check=False).returncode != 0:
        _as_owner([pg_bin("pg_ctl"), "-D", str(datadir), "-l", str(datadir / "server.log"), "-w", "-t", "60",
                   "-o", f"-c listen_addresses=127.0.0.1 -p {port} -k {datadir}", "start"], datadir)
    for _ in range(60):  # pg_ctl -w returns once it accepts connections; this guards a slow first start
        try:
            _psql(datadir, port, "SELECT 1")
            break
        except subprocess.CalledProcessError:
            time.sleep(0.5)
    quoted = password.replace("'", "''")
    if _psql(datadir, port, f"SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}'") != "1":
        _psql(datadir, port, f"CREATE ROLE {ROLE} LOGIN PASSWORD '{quoted}'")
    else:
        _psql(datadir, port, f"ALTER ROLE {ROLE} PASSWORD '{quoted}'")
    if _psql(datadir, port, f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'") != "1":
        _psql(datadir, port, f"CREATE DATABASE {DATABASE} OWNER {ROLE}")
    return f"postgresql://{ROLE}:{password}@127.0.0.1:{port}/{DATABASE}"


def create_database(datadir: str | Path, port: int, name: str) -> str:
    """A further empty database owned by the gradebook role (tests use one each); returns its name."""
    datadir = Path(datadir).resolve()
    if _psql(datadir, port, f"SELECT 1 FROM pg_database WHERE datname = '{name}'") != "1":
        _psql(datadir, port, f"CREATE DATABASE {name} OWNER {ROLE}")
    return name


def stop(datadir: str | Path) -> None:
    """Stop the cluster in ``datadir`` (a fast shutdown: open connections are closed)."""
    datadir = Path(datadir).resolve()
    if (datadir / "postmaster.pid").is_file():
        _as_owner([pg_bin("pg_ctl"), "-D", str(datadir), "-m", "fast", "-w", "stop"], datadir)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("start")
    p.add_argument("datadir")
    p.add_argument("--port", type=int, default=5432)
    p.add_argument("--password-file")
    p = sub.add_parser("stop")
    p.add_argument("datadir")
    args = parser.parse_args()
    if args.command == "start":
        print(start(args.datadir, args.port, args.password_file))
    else:
        stop(args.datadir)


if __name__ == "__main__":
    main()
