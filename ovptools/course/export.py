"""The final grade of every student and assignment: the autograded points, the points graded by hand
in the formgrader (written answers, and any code points an instructor changed), the total and the
maximum, and whether hand-grading is still pending. ``ovp-instructor grades`` writes them as CSV and
``ovp-instructor gradebook`` prints them; both read the same numbers from nbgrader's gradebook, the
ones nbgrader's feedback shows.

A submission that has no grade (no notebook, unreadable, grading failed) is listed with 0 points
and the reason, as :func:`ovptools.course.gradebook.grades` gives it.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .gradebook import Grade, gradebook_exists, grades, open_gradebook, submitted_students
from .paths import assignments, course_root

COLUMNS = ["assignment", "student", "autograded", "autograded_max", "hand_graded", "hand_graded_max",
           "total", "max", "hand_grading", "status"]
"""The CSV's header, in order."""


@dataclass
class FinalGrade:
    """One student's grade for one assignment, as nbgrader's gradebook holds it."""

    assignment: str
    student: str
    autograded: float
    """Points of the autograded (code) cells, with any the instructor changed in the formgrader."""
    autograded_max: float
    hand_graded: float
    """Points of the cells graded by hand (written answers and tasks)."""
    hand_graded_max: float
    pending: bool
    """True while some answer still waits for hand-grading (its points then count as 0)."""
    status: str
    """'graded', or why there is no grade."""

    @property
    def total(self) -> float:
        return self.autograded + self.hand_graded

    @property
    def max(self) -> float:
        return self.autograded_max + self.hand_graded_max

    @property
    def hand_grading(self) -> str:
        """'pending', 'done', or 'none' (the assignment has nothing graded by hand)."""
        if not self.hand_graded_max:
            return "none"
        return "pending" if self.pending else "done"

    def row(self) -> list[str]:
        return [self.assignment, self.student, f"{self.autograded:g}", f"{self.autograded_max:g}",
                f"{self.hand_graded:g}", f"{self.hand_graded_max:g}", f"{self.total:g}", f"{self.max:g}",
                self.hand_grading, self.status]


def final_grades(assignment: str, *, root: str | Path | None = None) -> list[FinalGrade]:
    """Every submitted student's final grade for ``assignment`` (nbgrader's ``MissingEntry`` if it
    was never autograded, ``ValueError`` if the gradebook cannot be read)."""
    root = course_root(root)
    autograded = grades(assignment, root=root)
    with open_gradebook(root) as gb:
        entry = gb.find_assignment(assignment)
        code_max, written_max, task_max = (float(entry.max_code_score), float(entry.max_written_score),
                                           float(entry.max_task_score))
        found = {}
        for sub in gb.assignment_submissions(assignment):
            found[sub.student.id] = (float(sub.code_score), float(sub.written_score) + float(sub.task_score),
                                     bool(sub.needs_manual_grade))
    out = []
    for g in autograded:
        if g.status == "graded" and g.student in found:
            code, hand, pending = found[g.student]
            out.append(FinalGrade(assignment, g.student, code, code_max, hand, written_max + task_max,
                                  pending, "graded"))
        else:
            out.append(FinalGrade(assignment, g.student, 0.0, code_max, 0.0, written_max + task_max,
                                  False, g.status))
    return out


def _each_assignment(root: Path, read) -> Iterator[tuple[str, list]]:
    """(assignment, ``read(assignment, root=root)``) for every autograded assignment with submissions."""
    from nbgrader.api import MissingEntry

    if not gradebook_exists(root):  # nothing autograded yet
        return
    for name in assignments(root):
        if not submitted_students(root, name):
            continue
        try:
            rows = read(name, root=root)
        except MissingEntry:  # submitted but never autograded: nothing to report yet
            continue
        yield name, rows


def all_final_grades(root: str | Path | None = None) -> Iterator[FinalGrade]:
    """The final grades of every autograded assignment with submissions, in course order."""
    for _, rows in _each_assignment(course_root(root), final_grades):
        yield from rows


def export_final_grades(output: str | Path, *, root: str | Path | None = None, force: bool = False) -> Path:
    """Write every final grade to the CSV file ``output`` (one row per student and assignment,
    columns :data:`COLUMNS`). An existing file is replaced only with ``force``; the gradebook is read
    completely first and the file written whole, so a failure never leaves half a file."""
    output = Path(output).resolve()
    if output.is_dir():
        raise ValueError(f"output: {output} is a folder; name a CSV file")
    if output.exists() and not force:
        raise ValueError(f"output: {output} already exists; name another file or pass --force to replace it")
    rows = list(all_final_grades(root))
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    try:
        with os.fdopen(fd, "w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(COLUMNS)
            for g in rows:
                writer.writerow(g.row())
        os.chmod(tmp, 0o644)
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return output


def final_grades_table(*, root: str | Path | None = None) -> str:
    """Every final grade, one line per student and assignment: autograded, hand-graded, total."""
    lines = [f"{'assignment':16s} {'student':24s} {'autograded':>11s} {'hand-graded':>13s} {'total':>11s}  status"]
    for g in all_final_grades(root):
        hand = f"{g.hand_graded:g} / {g.hand_graded_max:g}" if g.hand_graded_max else "-"
        status = g.status
        if g.status == "graded" and g.hand_grading == "pending":
            status = "graded; hand-grading pending"
        lines.append(f"{g.assignment:16s} {g.student:24s} {f'{g.autograded:g} / {g.autograded_max:g}':>11s} "
                     f"{hand:>13s} {f'{g.total:g} / {g.max:g}':>11s}  {status}")
    return "\n".join(lines)


# ---- the autograded points alone (what nbgrader scores without the hand-graded cells) ----


def _all_grades(root: Path) -> Iterator[tuple[str, Grade]]:
    """(assignment, grade) for every autograded assignment with submissions."""
    for name, rows in _each_assignment(root, grades):
        for g in rows:
            yield name, g


def export_grades(output: str | Path, *, root: str | Path | None = None) -> Path:
    """Write every assignment's autograded scores to a CSV file (one row per student and assignment)."""
    root = course_root(root)
    rows = list(_all_grades(root))  # read everything first: a broken gradebook leaves no half-written file
    output = Path(output).resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    with open(output, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["assignment", "student", "autograded_score", "autograded_max", "status"])
        for name, g in rows:
            writer.writerow([name, g.student, f"{g.score:g}", f"{g.max_score:g}", g.status])
    return output


def gradebook_table(*, root: str | Path | None = None) -> str:
    """Every student's autograded scores, one line per student and assignment."""
    lines = [f"{'assignment':16s} {'student':24s} {'score':>12s}  status"]
    for name, g in _all_grades(course_root(root)):
        lines.append(f"{name:16s} {g.student:24s} {g.score:5g} / {g.max_score:<4g}  {g.status}")
    return "\n".join(lines)
