"""Where the course lives and how nbgrader is run: the course root, the repository around it, the
grading limits, and one function that runs an nbgrader command inside the course root.

The course root is the folder that holds ``nbgrader_config.py`` (``solutions/`` in the repository).
It comes from ``--root``, else from the current directory: that folder, its ``solutions/``, or the
same in one of its parents. The student folders (``course/assignments``, ``course/lectures``) are
found next to it, in ``<root>/../course``, never relative to where the package is installed.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_MEMORY_LIMIT = min(8 * 2**30, os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2)
"""Memory limit of one submission in grading: 8 GiB, or half the machine's memory if that is less. In
the grading sandbox it caps the address space of each of the submission's processes and, when the
grader runs as root, their total (see :mod:`ovptools.course.sandbox`); without it, the address
space of nbgrader and of each kernel."""

DEFAULT_TIMEOUT = 30
"""nbgrader's own per-cell time limit, used when the configuration sets none."""


def course_root(root: str | Path | None = None) -> Path:
    """The nbgrader course root: ``root`` if given, else found from the current directory."""
    if root is not None:
        path = Path(root)
        if not (path / "nbgrader_config.py").is_file():
            raise FileNotFoundError(f"root: {path} has no nbgrader_config.py; pass the course root folder")
        return path.resolve()
    here = Path.cwd().resolve()
    found = find_root(here)
    if found is not None:
        return found
    raise FileNotFoundError(
        f"root: no nbgrader_config.py in {here}, its parents or their solutions/ folders; "
        "run from the course repository or pass --root"
    )


def find_root(start: Path) -> Path | None:
    """The first folder holding ``nbgrader_config.py`` among ``start``, its ``solutions/``, and the
    same for each parent of ``start``; None if there is none."""
    start = start.resolve()
    for folder in (start, *start.parents):
        for candidate in (folder, folder / "solutions"):
            if (candidate / "nbgrader_config.py").is_file():
                return candidate
    return None


def student_folder(root: str | Path | None = None) -> Path:
    """The students' folder next to the course root: ``<repository>/course``."""
    return course_root(root).parent / "course"


def assignments(root: str | Path | None = None) -> list[str]:
    """Names of the assignments in ``source/``, in order."""
    src = course_root(root) / "source"
    return sorted(p.name for p in src.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def check_assignment(name: str, root: Path) -> None:
    if name not in assignments(root):
        raise ValueError(f"assignment: {name!r} is not in {root / 'source'}; choose one of {assignments(root)}")


def grading_timeout(root: str | Path) -> int | None:
    """The per-cell time limit (seconds) that ``nbgrader_config.py`` in ``root`` sets for grading;
    None if it turns the limit off, nbgrader's default if it sets none.

    The file is run as nbgrader runs it; if that fails (an import missing from this environment),
    the ``c.Execute.timeout = …`` line is read instead."""
    from traitlets.config.loader import PyFileConfigLoader

    path = Path(root) / "nbgrader_config.py"
    try:
        config = PyFileConfigLoader(path.name, path=str(path.parent)).load_config()
        timeout = config.Execute.timeout if "timeout" in config.Execute else DEFAULT_TIMEOUT
    except Exception as err:  # noqa: BLE001 - any failure to run it: read the line instead
        try:
            text = path.read_text()
        except OSError as read_err:
            raise ValueError(f"root: cannot read {path} ({read_err})") from None
        found = re.findall(r"^c\.Execute\.timeout\s*=\s*(\d+|None)\s*(?:#.*)?$", text, flags=re.M)
        if not found and re.search(r"^c\.Execute\.timeout\b", text, flags=re.M):
            raise ValueError(f"root: cannot tell the time limit that {path} sets ({type(err).__name__}: {err}); "
                             "expected `c.Execute.timeout = <seconds>`") from None
        timeout = (None if found[-1] == "None" else int(found[-1])) if found else DEFAULT_TIMEOUT
    if timeout is None or int(timeout) <= 0:  # nbclient: None or -1 means no limit
        return None
    return int(timeout)


def limit_memory(memory_limit: int | None):
    """A ``preexec_fn`` that caps the address space of a child process (and of what it starts) at
    ``memory_limit`` bytes, or at the limit already in force if that is lower."""

    def limit() -> None:
        if memory_limit:
            hard = resource.getrlimit(resource.RLIMIT_AS)[1]
            cap = memory_limit if hard == resource.RLIM_INFINITY else min(memory_limit, hard)
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    return limit


def nbgrader(
    *args: str, root: str | Path | None = None, check: bool = True, memory_limit: int | None = None
) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` inside the course root and return the finished process.

    nbgrader reads its configuration only from the current directory, so this changes into the
    root, and puts the running interpreter's ``bin/`` first on PATH (nbgrader calls ``alembic``).
    ``memory_limit`` (bytes) caps the address space of nbgrader and of every kernel it starts
    (``RLIMIT_AS``): a submission that allocates more gets a ``MemoryError`` in its own cell.
    """
    cwd = course_root(root)
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    cmd = [sys.executable, "-m", "nbgrader", *args]
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, preexec_fn=limit_memory(memory_limit))
    if check and proc.returncode != 0:
        raise RuntimeError(f"`nbgrader {' '.join(args)}` failed in {cwd}:\n{proc.stdout}\n{proc.stderr}")
    return proc


def stamp() -> str:
    """The local time as YYYYmmdd-HHMMSS, for backup names."""
    return time.strftime("%Y%m%d-%H%M%S")


def backup_path(dest: Path, name: str) -> Path:
    """A free ``<name>.backup-YYYYmmdd-HHMMSS`` folder name in ``dest`` (``-2``, ``-3``… if taken)."""
    base = dest / f"{name}.backup-{stamp()}"
    backup, n = base, 1
    while backup.exists():
        n += 1
        backup = base.with_name(f"{base.name}-{n}")
    return backup


def user_tasks(uid: int) -> int:
    """The processes and threads whose real user is ``uid`` (what ``RLIMIT_NPROC`` counts)."""
    count = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:  # a process may end meanwhile
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        count += int(fields.get("Threads", "1")) if int(fields.get("Uid", "-1").split()[0]) == uid else 0
    return count
