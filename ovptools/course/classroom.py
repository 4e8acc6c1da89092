"""Grading a whole class: ``autograde`` in several nbgrader processes at once, and moving the
gradebook from SQLite into PostgreSQL, which many processes (and a JupyterHub's instructors) can
write to. ``ovp-instructor autograde --jobs N`` and ``ovp-instructor migrate-gradebook`` call these;
hub/README.md has the measurements.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .gradebook import (
    Grade,
    check_gradebook_url,
    course_id,
    gradebook_url,
    grades,
    safe_url,
    submitted_students,
)
from .paths import DEFAULT_MEMORY_LIMIT, check_assignment, course_root, limit_memory, nbgrader
from .sandbox import SandboxUnavailable, nbgrader_options, sandbox_problem


def check_sandbox(root: Path, sandbox: bool) -> None:
    """Raise :class:`SandboxUnavailable` (saying why) unless grading kernels will run in the sandbox,
    when ``sandbox`` is asked for: bubblewrap must work here and the course's ``nbgrader_config.py``
    must use the sandboxed ``Execute`` step."""
    if not sandbox:
        return
    problem = sandbox_problem()
    if problem is None and not _config_sandboxed(root):
        problem = (f"{root / 'nbgrader_config.py'} does not run kernels in the sandbox; add "
                   "`c.Autograde.autograde_preprocessors = sandboxed(Autograde.autograde_preprocessors.default())` "
                   "(see the course's own nbgrader_config.py)")
    if problem:
        raise SandboxUnavailable(f"refusing to grade: students' code must run in the grading sandbox, and {problem}. "
                                 "To grade without it (the code then runs as you, with your files and network), "
                                 "pass --unsafe-no-sandbox")


def _config_sandboxed(root: Path) -> bool:
    from .gradebook import _course_config
    from .nbgrader_plugins import SandboxedExecute

    config = _course_config(root)
    found = config.Autograde.get("autograde_preprocessors", []) if "Autograde" in config else []
    return any(p is SandboxedExecute or p == "ovptools.course.nbgrader_plugins.SandboxedExecute" for p in found)


def autograde(assignment: str, *, root: str | Path | None = None, memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
              timeout: int | None = None, jobs: int = 1, log=None, sandbox: bool = True) -> list[Grade]:
    """Autograde every submission of ``assignment`` and return each student's result.

    Each notebook's kernel runs in the grading sandbox (:mod:`ovptools.course.sandbox`): its own
    unprivileged user and PID namespace, no network, no view of the course root; at most
    ``memory_limit`` bytes per process and, as root, for the whole submission; every process killed
    when the notebook is done. Where the sandbox cannot run this raises
    :class:`~ovptools.course.sandbox.SandboxUnavailable` saying why, unless ``sandbox=False``
    (then nbgrader and the kernels run as the caller under an address-space limit of ``memory_limit``
    per process). The per-cell time limit comes from ``nbgrader_config.py`` unless ``timeout``
    (seconds) overrides it. nbgrader keeps going when one submission fails (unreadable, kernel
    died, ...); those students are reported with score 0 and the reason, and the others are graded
    as usual.

    ``jobs`` > 1 grades in that many nbgrader processes at once, each on its own share of the
    students (``--CourseDirectory.student_id_exclude`` names everyone else's), all writing to the
    course's gradebook; see :func:`autograde_in_parallel`. One kernel runs at a time in each, so
    the limits hold per submission. ``log`` (a function of one string) hears about students graded
    again because SQLite refused a write.
    """
    root = course_root(root)
    check_assignment(assignment, root)
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs: expected a positive whole number of parallel graders, got {jobs!r}")
    students = submitted_students(root, assignment)
    if not students:
        raise ValueError(f"assignment: no submissions of {assignment!r} in {root / 'submitted'}; run collect first")
    check_sandbox(root, sandbox)
    extra = [f"--Execute.timeout={int(timeout)}"] if timeout else []
    extra += nbgrader_options(memory_limit, enabled=sandbox)
    if sandbox:  # the limits hold inside the sandbox; nbgrader itself runs student code nowhere
        memory_limit = None
    if jobs == 1 or len(students) == 1:
        proc = nbgrader("autograde", assignment, "--force", *extra, root=root, check=False, memory_limit=memory_limit)
        failed, output = proc.returncode != 0, f"{proc.stdout}\n{proc.stderr}"
    else:
        failed, output = autograde_in_parallel(assignment, students, root, jobs, extra, memory_limit, log)
    failure = RuntimeError(f"`nbgrader autograde {assignment}` failed in {root}:\n{output}")
    try:
        result = grades(assignment, root=root)
    except ValueError:  # nothing recorded (nbgrader's MissingEntry is one): nbgrader's own error says why
        if failed:
            raise failure from None
        raise
    if failed and all(g.status == "graded" for g in result):
        raise failure
    return result


LOCKED = "database is locked"
"""SQLite's answer to a writer that found another one's lock held for longer than its wait."""


def prepare_gradebook(assignment: str, root: Path) -> None:
    """Create the gradebook's tables and course row, and check the assignment is in it, before
    several nbgrader processes open it: otherwise each would try to create them at once."""
    from nbgrader.api import Gradebook, MissingEntry

    with alembic_on_path(), Gradebook(gradebook_url(root), course_id(root)) as gb:
        try:
            gb.find_assignment(assignment)
        except MissingEntry:
            raise ValueError(f"assignment: {assignment!r} is not in the gradebook; release it first "
                             "(`ovp-instructor release`, or `nbgrader generate_assignment`)") from None


def autograde_in_parallel(assignment: str, students: list[str], root: Path, jobs: int, extra: list[str],
                        memory_limit: int | None, log=None) -> tuple[bool, str]:
    """Grade ``students`` in ``jobs`` nbgrader processes on disjoint shares (round robin over the
    sorted ids). Returns (whether any process failed, their output).

    Concurrent writers: nbgrader opens the gradebook for short transactions only (one per student
    and notebook, after the notebook has run), so processes grading different students never write
    the same rows. PostgreSQL takes such writers as they come. SQLite allows one writer at a time and
    makes the others wait (5 s by default); a writer that holds a read lock while asking for the
    write lock can instead be refused at once with "database is locked". A student whose process
    printed that and who has no grade is graded again afterwards, alone, so such a refusal costs
    time, never a grade.
    """
    prepare_gradebook(assignment, root)
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.setdefault("OMP_NUM_THREADS", "1")  # N kernels on N cores: one BLAS thread each
    shares = [students[k::jobs] for k in range(min(jobs, len(students)))]
    with tempfile.TemporaryDirectory() as scratch:
        procs = []
        for k, share in enumerate(shares):
            others = ",".join(s for s in students if s not in share)
            cmd = [sys.executable, "-m", "nbgrader", "autograde", assignment, "--force", *extra,
                   f"--CourseDirectory.student_id_exclude={others}"]
            out = open(Path(scratch) / f"worker-{k}.log", "w+")
            procs.append((subprocess.Popen(cmd, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
                                           preexec_fn=limit_memory(memory_limit)), out, share))
        failed, logs, again = False, [], []
        for proc, out, share in procs:
            proc.wait()
            out.seek(0)
            text = out.read()
            out.close()
            logs.append(text)
            failed |= proc.returncode != 0
            if LOCKED in text:
                again += share
    if again:
        graded = {g.student for g in grades(assignment, root=root) if g.status == "graded"}
        again = [s for s in again if s not in graded]
        if log is not None and again:
            log(f"SQLite refused a write ({LOCKED!r}) while grading {', '.join(again)}: grading them again, alone")
        for student in again:
            proc = nbgrader("autograde", assignment, "--force", *extra, f"--student={student}", root=root,
                            check=False, memory_limit=memory_limit)
            logs.append(f"{proc.stdout}\n{proc.stderr}")
            failed |= proc.returncode != 0
    return failed, "\n".join(logs)


@contextmanager
def alembic_on_path() -> Iterator[None]:
    """Put this interpreter's ``bin/`` first on PATH while nbgrader creates a gradebook: it runs
    the ``alembic`` command to stamp the schema's version."""
    old = os.environ.get("PATH", "")
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + old
    try:
        yield
    finally:
        os.environ["PATH"] = old


def table_counts(url: str) -> dict[str, int]:
    """The number of rows of every nbgrader table in the database at ``url``."""
    from nbgrader.api import Base
    from sqlalchemy import create_engine, func, select

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                    for t in Base.metadata.sorted_tables}
    finally:
        engine.dispose()


def migrate_gradebook(to_url: str, *, root: str | Path | None = None, from_url: str | None = None) -> dict[str, int]:
    """Copy every row of the course's gradebook (``from_url``, default: the one ``nbgrader_config.py``
    names, normally ``gradebook.db``) into the empty database at ``to_url`` (``postgresql://…``).

    nbgrader creates its schema there first (tables and the alembic version stamp); then each table
    is copied in dependency order, in one transaction, and the row counts of every table are compared.
    The source is left as it was. Returns {table: rows}. Raises ``ValueError`` naming the argument
    when the source cannot be read, or when the target cannot be reached or already holds grades.
    """
    from nbgrader.api import Base, Gradebook
    from sqlalchemy import create_engine, delete, select
    from sqlalchemy.exc import SQLAlchemyError

    root = course_root(root)
    source = from_url or gradebook_url(root)
    if not isinstance(to_url, str) or "://" not in to_url:
        raise ValueError(f"to: expected a database URL such as postgresql://user:password@host:5432/gradebook, "
                         f"got {to_url!r}")
    if to_url == source:
        raise ValueError(f"to: {safe_url(to_url)} is the gradebook being moved; name another database")
    check_gradebook_url(source)
    try:
        with alembic_on_path(), Gradebook(to_url, course_id(root)):  # nbgrader's own schema and version stamp
            pass
        before = table_counts(to_url)
    except (SQLAlchemyError, ImportError) as err:
        first = str(err).splitlines()[0]
        raise ValueError(f"to: {safe_url(to_url)} cannot be used ({type(err).__name__}: {first})") from None
    if any(n for name, n in before.items() if name != "course"):
        raise ValueError(f"to: {safe_url(to_url)} already holds a gradebook ({before}); "
                         "migrate into an empty database")
    tables = Base.metadata.sorted_tables
    src, dst = create_engine(source), create_engine(to_url)
    try:
        with src.connect() as read, dst.begin() as write:
            for table in reversed(tables):  # the course row nbgrader just made is replaced by the source's
                write.execute(delete(table))
            for table in tables:
                rows = [dict(r._mapping) for r in read.execute(select(table))]
                if rows:
                    write.execute(table.insert(), rows)
    finally:
        src.dispose()
        dst.dispose()
    moved, expected = table_counts(to_url), table_counts(source)
    if moved != expected:
        raise RuntimeError(f"migration to {safe_url(to_url)} lost rows: source {expected}, target {moved}")
    return moved
