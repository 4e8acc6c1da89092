"""Grading a whole class: ``autograde`` in several nbgrader processes at once, each kernel in the
grading sandbox. ``ovp-instructor autograde --jobs N`` calls it; hub/README.md has the measurements.
Moving the gradebook into PostgreSQL is :mod:`ovptools.course.migrate`.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .gradebook import (
    Grade,
    course_id,
    gradebook_url,
    grades,
    submitted_students,
)
from .migrate import alembic_on_path
from .paths import DEFAULT_MEMORY_LIMIT, check_assignment, course_root, limit_memory
from .sandbox import SandboxUnavailable, sandbox_problem
from .sandbox_kernel import nbgrader_options, sweep


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
    from .gradebook import course_config
    from .nbgrader_plugins import SandboxedExecute

    config = course_config(root)
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
    the limits hold per submission.

    Nothing stale is reported as graded: the autograded copies of the submissions are removed
    first, and a student counts as graded only with a new autograded notebook and a gradebook entry
    for the submission's own timestamp (see :func:`~ovptools.course.gradebook.grades`). nbgrader's
    logs are kept in ``logs/autograde-<assignment>-<time>/`` in the course root; a failure is
    reported in one line per process, with that folder. ``log`` (a function of one string) hears
    where the logs are and about students graded again (SQLite refused a write, or their process
    died). On SIGTERM or SIGHUP every nbgrader process is stopped before the command exits.
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
    logs = root / "logs" / f"autograde-{assignment}-{time.strftime('%Y%m%d-%H%M%S')}"
    n = 1
    while logs.exists():
        n += 1
        logs = logs.with_name(f"autograde-{assignment}-{time.strftime('%Y%m%d-%H%M%S')}-{n}")
    logs.mkdir(parents=True)
    say = log or (lambda line: None)
    say(f"nbgrader's logs: {logs}")
    forget_results(root, assignment, students)
    with stop_on_signals():
        if jobs == 1 or len(students) == 1:
            runs = run_graders(assignment, [students], students, root, extra, memory_limit, logs)
            causes = [run.cause for run in runs if run.failed]
        else:
            causes = autograde_in_parallel(assignment, students, root, jobs, extra, memory_limit, logs, say)
    failure = RuntimeError(f"`nbgrader autograde {assignment}` failed in {root}: {'; '.join(causes)} "
                           f"(nbgrader's logs: {logs})")
    try:
        result = grades(assignment, root=root)
    except ValueError:  # nothing recorded (nbgrader's MissingEntry is one): nbgrader's own error says why
        if causes:
            raise failure from None
        raise
    if causes and all(g.status == "graded" for g in result):
        raise failure
    if causes:
        say(f"nbgrader reported: {'; '.join(causes)}")
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


def forget_results(root: Path, assignment: str, students: list[str]) -> None:
    """Remove the autograded copies of ``students``' submissions before grading them again, so that
    one this run does not reach (a grader killed, the database gone) is reported as not graded
    instead of keeping an older run's grade (a student counts as graded only with an autograded
    notebook, see :func:`ovptools.course.gradebook.grades`)."""
    for student in students:
        shutil.rmtree(root / "autograded" / student / assignment, ignore_errors=True)


class GradingStopped(Exception):
    """The grading command was asked to stop (SIGTERM, SIGHUP)."""


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into :class:`GradingStopped` while grading, so that the ``finally``
    blocks that stop the graders run (in the main thread only; elsewhere nothing changes)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise GradingStopped(f"stopped by {signal.Signals(signum).name}")

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@dataclass
class GraderRun:
    """One nbgrader process: the students it was given, how it ended, its log, and why it failed."""

    share: list[str]
    returncode: int
    log: Path
    text: str
    cause: str = ""

    @property
    def failed(self) -> bool:
        return self.returncode != 0


_NOISE = ("nbgrader db upgrade", "Traceback (most recent call last)", "raise ", "During handling")


def failure_cause(text: str, returncode: int) -> str:
    """Why an nbgrader process failed, in one line: killed by a signal, or the first error it
    logged (a database error rather than nbgrader's closing advice to run ``nbgrader db upgrade``)."""
    if returncode < 0:
        return f"killed by {signal.Signals(-returncode).name}"
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    errors = [ln for ln in lines
              if re.search(r"\b\w*(Error|Exception|Exit)\b", ln) and not any(n in ln for n in _NOISE)]
    database = [ln for ln in errors if re.search(r"OperationalError|could not connect|connection|database", ln, re.I)]
    line = (database or errors or lines or [f"exit status {returncode}"])[0]
    line = re.sub(r"^\[\w+\]\s*|^\[[^\]]*\]\s*", "", line)
    return line if len(line) <= 300 else line[:297] + "..."


def run_graders(assignment: str, shares: list[list[str]], students: list[str], root: Path, extra: list[str],
                memory_limit: int | None, logs: Path, tag: str = "worker") -> list[GraderRun]:
    """Run one ``nbgrader autograde`` per share of ``students`` at once, each in its own session with
    its log in ``logs``; wait for all. If this process is stopped (an exception, SIGTERM or SIGHUP
    through :func:`stop_on_signals`), every grader still running is killed with its process group
    before the exception goes on: none survives the command."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    if len(shares) > 1:
        env.setdefault("OMP_NUM_THREADS", "1")  # N kernels on N cores: one BLAS thread each
    procs = []
    try:
        for k, share in enumerate(shares):
            others = ",".join(s for s in students if s not in share)
            cmd = [sys.executable, "-m", "nbgrader", "autograde", assignment, "--force", *extra]
            if others:
                cmd.append(f"--CourseDirectory.student_id_exclude={others}")
            path = logs / (f"{tag}-{k}.log" if len(shares) > 1 else f"{tag}.log")
            with open(path, "w") as out:
                proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True,
                                        preexec_fn=limit_memory(memory_limit))
            procs.append((proc, share, path))
        runs = []
        for proc, share, path in procs:
            proc.wait()
            text = path.read_text(errors="replace")
            run = GraderRun(share, proc.returncode, path, text)
            if run.failed:
                run.cause = failure_cause(text, proc.returncode)
            runs.append(run)
        return runs
    finally:
        for proc, _, _ in procs:
            if proc.poll() is None:
                for sig in (signal.SIGTERM, signal.SIGKILL):
                    try:
                        os.killpg(proc.pid, sig)
                    except ProcessLookupError:
                        break
                    try:
                        proc.wait(timeout=5)
                        break
                    except subprocess.TimeoutExpired:
                        continue
        sweep()  # what the sandboxes of killed graders left


def autograde_in_parallel(assignment: str, students: list[str], root: Path, jobs: int, extra: list[str],
                          memory_limit: int | None, logs: Path, log=None) -> list[str]:
    """Grade ``students`` in ``jobs`` nbgrader processes on disjoint shares (round robin over the
    sorted ids). Returns why processes failed, one line each (empty if none did).

    Concurrent writers: nbgrader opens the gradebook for short transactions only (one per student
    and notebook, after the notebook has run), so processes grading different students never write
    the same rows. PostgreSQL takes such writers as they come. SQLite allows one writer at a time and
    makes the others wait (5 s by default); a writer that holds a read lock while asking for the
    write lock can instead be refused at once with "database is locked". A student whose process
    printed that, or whose process died (killed, or killed by a submission), and who has no grade is
    graded again afterwards, alone, once; one still without a grade is reported as not graded.
    """
    prepare_gradebook(assignment, root)
    shares = [students[k::jobs] for k in range(min(jobs, len(students)))]
    runs = run_graders(assignment, shares, students, root, extra, memory_limit, logs)
    causes = [f"grader {k} ({', '.join(run.share)}): {run.cause}" for k, run in enumerate(runs) if run.failed]
    again = [s for run in runs if run.failed or LOCKED in run.text for s in run.share]
    if again:
        graded = {g.student for g in grades(assignment, root=root) if g.status == "graded"}
        again = [s for s in again if s not in graded]
    if again and log is not None:
        why = (f"SQLite refused a write ({LOCKED!r})" if any(LOCKED in r.text for r in runs)
               else "their grader stopped early")
        log(f"{why} while grading {', '.join(again)}: grading them again, alone")
    for student in again:
        shutil.rmtree(root / "autograded" / student / assignment, ignore_errors=True)
        run, = run_graders(assignment, [[student]], students, root, extra, memory_limit, logs, tag=f"again-{student}")
        if run.failed:
            causes.append(f"{student}: {run.cause}")
    return causes
