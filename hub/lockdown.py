"""What the class server makes sure of before it starts, as root, and how root writes files that users own.

    python3 hub/lockdown.py        (hub/start.sh runs it first; jupyterhub_config.py runs the same checks)

``check`` does, and refuses to start (exit 1, one line per problem) when it cannot:

* the repository's hidden tests and solutions are closed to every user but root: ``solutions/`` (the
  instructors' source notebooks), ``tests/`` (hidden-test alternatives, mutants) and ``.git`` (their
  history) are made mode 700; the users still import ``ovptools`` and run ``ovp-check`` from the rest;
* no listed user's home can be read by others (mode 700 or 750 with a private group: ``chmod 700``);
* nbgrader's exchange root is mode 1777 (anyone may add, only an entry's owner may rename or delete it),
  ``exchange/<course>`` exists, owned by an instructor, mode 755, and its ``inbound/`` is the
  instructor's, write-only for others and sticky (mode 3733), so no student can rename another's
  submission. A course folder or inbound folder that someone else owns is refused, not repaired.

Root never follows a link that a user could have made: folders are opened with ``O_NOFOLLOW`` one level
at a time below a folder only root can write, and a file is written under a fresh name
(``O_CREAT | O_EXCL | O_NOFOLLOW``), given its owner and mode on the open file, then renamed over the old
one (``write_file``). Only the standard library is used.
"""

from __future__ import annotations

import grp
import os
import pwd
import secrets
import stat
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PRIVATE = ("solutions", "tests", ".git")
DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW


class Refused(Exception):
    """A reason not to start (or not to write), in one line."""


def open_dir(path: str | Path, *, dir_fd: int | None = None) -> int:
    """An fd of the folder ``path`` (its last component not a link; ``dir_fd`` as for os.open)."""
    try:
        return os.open(path, DIR_FLAGS, dir_fd=dir_fd)
    except OSError as err:
        raise Refused(f"{path}: not a folder root may enter without following a link ({err.strerror})") from err


def subdir(parent_fd: int, name: str, *, uid: int = 0, gid: int = 0, mode: int = 0o755,
           owners: tuple[int, ...] | None = None) -> int:
    """An fd of the folder ``name`` in ``parent_fd``: made with ``uid``/``gid``/``mode`` if missing; if present
    it must be a real folder owned by one of ``owners`` (default: root or ``uid``), and it gets ``mode``."""
    created = False
    try:
        os.mkdir(name, 0o700, dir_fd=parent_fd)
        created = True
    except FileExistsError:
        pass
    fd = open_dir(name, dir_fd=parent_fd)
    st = os.fstat(fd)
    allowed = owners if owners is not None else (0, uid)
    if not created and st.st_uid not in allowed:
        os.close(fd)
        raise Refused(f"{name}: owned by {_user(st.st_uid)}, expected {' or '.join(_user(u) for u in allowed)}")
    if created:
        os.fchown(fd, uid, gid)
    os.fchmod(fd, mode)
    return fd


def write_file(folder_fd: int, name: str, text: str, *, mode: int, uid: int = 0, gid: int = 0) -> None:
    """Write ``name`` in the folder ``folder_fd`` without following any link: a new file under a random
    name, its owner and mode set on the open file, then renamed over whatever ``name`` was."""
    tmp = f".{name}.{secrets.token_hex(6)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=folder_fd)
    try:
        os.fchown(fd, uid, gid)
        os.fchmod(fd, mode)
        os.write(fd, text.encode())
    finally:
        os.close(fd)
    os.replace(tmp, name, src_dir_fd=folder_fd, dst_dir_fd=folder_fd)


def private_file(folder_fd: int, name: str, mode: int = 0o600) -> None:
    """Create ``name`` empty with ``mode`` if missing (never following a link), else set its mode:
    for files another program fills, such as the hub's SQLite database."""
    try:
        fd = os.open(name, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, mode, dir_fd=folder_fd)
    except OSError as err:
        raise Refused(f"{name}: cannot be opened without following a link ({err.strerror})") from err
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise Refused(f"{name}: not a regular file")
        os.fchmod(fd, mode)
    finally:
        os.close(fd)


def _user(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def make_private(repo: Path = REPO) -> list[str]:
    """Close ``solutions/``, ``tests/`` and ``.git`` of ``repo`` to everyone but their owner (mode 700);
    the problems left (one line each)."""
    problems = []
    for name in PRIVATE:
        path = repo / name
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
            if name == ".git":  # a worktree's .git file: its history lives elsewhere
                continue
            problems.append(f"{path} is not a folder: the hidden tests must be in a folder the hub can close")
            continue
        fd = open_dir(path)
        try:
            os.fchmod(fd, stat.S_IMODE(st.st_mode) & 0o700)
            left = stat.S_IMODE(os.fstat(fd).st_mode) & 0o077
        finally:
            os.close(fd)
        if left:
            problems.append(f"{path} stays readable by others (mode {left:o} for group/others): "
                            "students would read every hidden test")
    return problems


def open_homes(names: list[str] | set[str]) -> list[str]:
    """The listed users whose home others can read or enter: one line each."""
    problems = []
    by_gid: dict[int, set[str]] = {}
    for user in pwd.getpwall():
        by_gid.setdefault(user.pw_gid, set()).add(user.pw_name)
    for name in sorted(names):
        user = pwd.getpwnam(name)
        try:
            st = os.stat(user.pw_dir)
        except FileNotFoundError:
            problems.append(f"{name}'s home {user.pw_dir} does not exist (useradd --create-home)")
            continue
        mode = stat.S_IMODE(st.st_mode)
        try:
            members = set(grp.getgrgid(st.st_gid).gr_mem) | by_gid.get(st.st_gid, set())
        except KeyError:
            members = set()
        shared_group = bool(members - {name})
        if mode & 0o007 or (mode & 0o070 and shared_group):
            problems.append(f"{name}'s home {user.pw_dir} is mode {mode:o}: other users can read it "
                            f"(chmod 700 {user.pw_dir})")
    return problems


def prepare_exchange(state_fd: int, course_id: str, instructors: list[str] | set[str]) -> list[str]:
    """nbgrader's exchange under the state folder: the root 1777, the course folder an instructor's."""
    problems = []
    try:
        root = subdir(state_fd, "exchange", mode=0o1777, owners=(0,))
    except Refused as err:
        return [f"the exchange root: {err}"]
    try:
        if not instructors:
            return problems
        users = [pwd.getpwnam(n) for n in sorted(instructors)]
        uids = tuple(u.pw_uid for u in users)
        first = users[0]
        try:
            course = subdir(root, course_id, uid=first.pw_uid, gid=first.pw_gid, mode=0o755, owners=uids)
        except Refused as err:
            return [f"the exchange's course folder: {err}; move it away (root), then start again"]
        try:
            owner = os.fstat(course).st_uid
            gid = pwd.getpwuid(owner).pw_gid
            inbound = subdir(course, "inbound", uid=owner, gid=gid, mode=0o3733, owners=(owner,))
            os.close(inbound)
        except Refused as err:
            problems.append(f"the exchange's inbound folder: {err}; move it away (root), then start again")
        finally:
            os.close(course)
    finally:
        os.close(root)
    return problems


def check(state: str | Path, students: set[str], instructors: set[str], course_id: str = "ovp-course",
          repo: Path = REPO) -> None:
    """Everything above; SystemExit with every problem when any is left."""
    if os.geteuid() != 0:
        raise SystemExit("hub: run as root (each user's JupyterLab runs as that system user)")
    problems = make_private(repo) + open_homes(students | instructors)
    fd = open_dir(state)
    try:
        problems += prepare_exchange(fd, course_id, instructors)
    finally:
        os.close(fd)
    if problems:
        raise SystemExit("hub: not starting:\n  " + "\n  ".join(problems))


def _names(variable: str) -> set[str]:
    return {n.strip() for n in os.environ.get(variable, "").split(",") if n.strip()}


def main() -> None:
    state = Path(os.environ.get("OVP_HUB_DIR", "/srv/ovp-hub"))
    state.mkdir(parents=True, exist_ok=True)
    check(state, _names("OVP_HUB_STUDENTS"), _names("OVP_HUB_INSTRUCTORS"))
    print(f"hub: {', '.join(PRIVATE)} closed to users; homes private; exchange ready", file=sys.stderr)


if __name__ == "__main__":
    main()
