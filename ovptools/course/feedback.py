"""HTML feedback for every autograded submission, one student at a time when needed, and its
release through nbgrader's exchange. ``ovp-instructor feedback ASSIGNMENT [--release]`` calls
:func:`feedback`.

- One submission that nbgrader cannot turn into feedback (an answer containing the text
  ``### BEGIN HIDDEN TESTS`` makes nbgrader refuse the notebook) costs that student's page, never
  the class's: when the whole-class run fails, each student is generated on their own, and the
  failures are reported by name with their cause. Release works the same way (a folder without
  ``submission_secret.txt`` is reported, the others are released).
- Students who get no page (no notebook, unreadable, not graded) are listed with the reason.
- Mathematics is typeset without the internet: the pages load MathJax from ``feedback/mathjax/``,
  a copy of the MathJax that the ``jupyter-server-mathjax`` package ships.
- A cell stopped at the time limit says so in words (nbgrader shows only ``KeyboardInterrupt`` and
  an empty ``CellTimeoutError``).
"""

from __future__ import annotations

import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from nbconvert.preprocessors import Preprocessor

from .gradebook import grades, submitted_students
from .paths import check_assignment, course_root, nbgrader

HIDDEN_MARKER = "### BEGIN HIDDEN TESTS"
MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"
"""The MathJax 2 configuration the pages load (TeX and MathML input, HTML output), and its safe mode."""


@dataclass
class FeedbackReport:
    """What :func:`feedback` did, student by student."""

    written: list[str] = field(default_factory=list)
    """Students whose feedback page was written."""
    missing: dict[str, str] = field(default_factory=dict)
    """Students with no feedback page, and why."""
    released: list[str] = field(default_factory=list)
    """Students whose feedback was released to the exchange (with ``release``)."""
    not_released: dict[str, str] = field(default_factory=dict)
    """Students whose feedback could not be released, and why."""
    folder: Path | None = None

    @property
    def ok(self) -> bool:
        """True if every graded student got (and, when asked, was released) a page."""
        return not any(why.startswith("feedback failed") for why in self.missing.values()) and not self.not_released


class ExplainTimeouts(Preprocessor):
    """Say in words that a cell ran out of time: its ``CellTimeoutError`` output names the limit,
    and the ``KeyboardInterrupt`` that stopped it (a traceback into the student's code, which
    reads like a crash) is dropped."""

    def preprocess_cell(self, cell, resources, index):
        if cell.get("cell_type") != "code":
            return cell, resources
        outputs = cell.get("outputs", [])
        if not any(o.get("output_type") == "error" and o.get("ename") == "CellTimeoutError" for o in outputs):
            return cell, resources
        timeout = self.config.Execute.timeout if "timeout" in self.config.Execute else None
        limit = f"the time limit of {timeout} s" if timeout else "the time limit"
        sentence = f"this cell exceeded {limit} per cell and was stopped"
        kept = []
        for out in outputs:
            if out.get("output_type") == "error" and out.get("ename") == "KeyboardInterrupt":
                continue
            if out.get("output_type") == "error" and out.get("ename") == "CellTimeoutError":
                out["evalue"] = sentence
                out["traceback"] = [f"\x1b[0;31mCellTimeoutError\x1b[0m: {sentence}"]
            kept.append(out)
        cell["outputs"] = kept
        return cell, resources


def mathjax_source() -> Path:
    """The MathJax folder of the ``jupyter-server-mathjax`` package (``MathJax.js`` inside)."""
    try:
        import jupyter_server_mathjax
    except ImportError:
        raise FileNotFoundError("mathjax: the jupyter-server-mathjax package is not installed; "
                                "install the course (`make setup`) to typeset feedback offline") from None
    folder = Path(jupyter_server_mathjax.__file__).parent / "static"
    if not (folder / "MathJax.js").is_file():
        raise FileNotFoundError(f"mathjax: {folder} holds no MathJax.js; reinstall jupyter-server-mathjax")
    return folder


def install_mathjax(feedback_folder: Path) -> Path:
    """Copy MathJax into ``feedback_folder/mathjax`` (once; again if the package changed)."""
    source, target = mathjax_source(), feedback_folder / "mathjax"
    stamp = target / ".source"
    if stamp.is_file() and stamp.read_text() == str((source / "MathJax.js").stat().st_mtime):
        return target
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("localization", "__pycache__"))
    stamp.write_text(str((source / "MathJax.js").stat().st_mtime))
    return target


LOCAL_MATHJAX = f"../../mathjax/MathJax.js?config={MATHJAX_CONFIG}"
"""Where a page (``feedback/<student>/<assignment>/<notebook>.html``) finds ``feedback/mathjax/``."""
_REMOTE_MATHJAX = re.compile(r'(<script[^>]*\bsrc=")(?:https?:)?//[^"]*mathjax[^"]*(")', re.IGNORECASE)


def _options() -> list[str]:
    return [f"--HTMLExporter.preprocessors=['{ExplainTimeouts.__module__}.{ExplainTimeouts.__name__}']"]


REMOTE_MATHJAX = f"https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.9/MathJax.js?config={MATHJAX_CONFIG}"
"""Where a page whose ``mathjax/`` folder did not travel with it (feedback fetched from nbgrader's
exchange holds the page alone) loads MathJax instead, when it is online."""


def use_local_mathjax(page: Path) -> None:
    """Point ``page`` at ``feedback/mathjax/`` instead of a CDN, with the CDN as the fallback when
    that folder is not beside it. (nbgrader's feedback template calls nbconvert's MathJax macro
    without the exporter's ``mathjax_url``, so the page is edited.)"""
    text = page.read_text(encoding="utf-8")
    fallback = (f' onerror="var s = document.createElement(\'script\'); s.src = \'{REMOTE_MATHJAX}\'; '
                f'document.head.appendChild(s);"')
    local, n = _REMOTE_MATHJAX.subn(lambda m: m.group(1) + LOCAL_MATHJAX + m.group(2) + fallback, text)
    if n:
        page.write_text(local, encoding="utf-8")


def _last_error(proc) -> str:
    lines = [ln.strip() for ln in f"{proc.stdout}\n{proc.stderr}".splitlines() if ln.strip()]
    errors = [ln for ln in lines if "[Error]" in ln or "Error" in ln.split(":")[0]]
    line = (errors or lines or [f"exit status {proc.returncode}"])[-1]
    return line.split("] ", 1)[-1] if line.startswith("[") else line


def _pages(root: Path, student: str, assignment: str, since: float) -> list[Path]:
    folder = root / "feedback" / student / assignment
    return [p for p in folder.glob("*.html") if p.stat().st_mtime >= since] if folder.is_dir() else []


def feedback(assignment: str, *, root: str | Path | None = None, release: bool = False) -> FeedbackReport:
    """Write HTML feedback (hidden tests removed) for every graded submission of ``assignment``
    into ``feedback/``, and with ``release`` copy it to nbgrader's exchange for the students to
    fetch. Returns what happened to each student; never stops at one student's failure."""
    root = course_root(root)
    check_assignment(assignment, root)
    if not submitted_students(root, assignment):
        raise ValueError(f"assignment: no submissions of {assignment!r} in {root / 'submitted'}; run collect first")
    report = FeedbackReport(folder=root / "feedback")
    graded = []
    for g in grades(assignment, root=root):
        if g.status == "graded":
            graded.append(g.student)
        else:
            report.missing[g.student] = g.status
    if not graded:
        return report
    install_mathjax(root / "feedback")
    start = time.time() - 1
    nbgrader("generate_feedback", assignment, "--force", *_options(), root=root, check=False)  # the whole class
    for student in graded:
        pages = _pages(root, student, assignment, start)  # written by the whole-class run
        if not pages:
            proc = nbgrader("generate_feedback", assignment, "--force", f"--student={student}", *_options(),
                            root=root, check=False)
            pages = _pages(root, student, assignment, start) if proc.returncode == 0 else []
            if not pages:
                why = _last_error(proc)
                if "hidden test" in why.lower():
                    why += f" (the submission holds nbgrader's marker text {HIDDEN_MARKER!r} outside a test cell)"
                report.missing[student] = f"feedback failed: {why}"
                continue
        for page in pages:
            use_local_mathjax(page)
        report.written.append(student)
    if release and report.written:
        _release(assignment, root, report)
    return report


def _release(assignment: str, root: Path, report: FeedbackReport) -> None:
    others = sorted(set(submitted_students(root, assignment)) - set(report.written))
    exclude = [f"--CourseDirectory.student_id_exclude={','.join(others)}"] if others else []
    whole = nbgrader("release_feedback", assignment, *exclude, root=root, check=False)
    if whole.returncode == 0:
        report.released = list(report.written)
        return
    for student in report.written:
        proc = nbgrader("release_feedback", assignment, f"--student={student}", root=root, check=False)
        if proc.returncode == 0:
            report.released.append(student)
        else:
            report.not_released[student] = _last_error(proc)


def describe(report: FeedbackReport, assignment: str) -> str:
    """The report as the instructor reads it in the terminal."""
    lines = [f"feedback for {len(report.written)} student(s) written under {report.folder}"]
    if report.missing:
        lines.append(f"no feedback for {len(report.missing)} student(s):")
        lines += [f"  {student:24s} {why}" for student, why in sorted(report.missing.items())]
    if report.released:
        lines.append(f"released {assignment}'s feedback to {len(report.released)} student(s)")
    if report.not_released:
        lines.append(f"could not release the feedback of {len(report.not_released)} student(s):")
        lines += [f"  {student:24s} {why}" for student, why in sorted(report.not_released.items())]
    return "\n".join(lines)
