"""The instructor's commands, runnable from any directory: ``ovp-instructor COMMAND``.

nbgrader reads its configuration only from the current directory, so every command here
changes into the course root (``solutions/``) before calling nbgrader, and puts the running
interpreter's ``bin/`` first on PATH (nbgrader calls ``alembic`` from there).

    ovp-instructor release [ASSIGNMENT ...]       regenerate course/assignments/ from solutions/source/
    ovp-instructor collect ASSIGNMENT FOLDER      copy a folder of submissions into solutions/submitted/
    ovp-instructor autograde ASSIGNMENT           grade every submission (time and memory limits)
    ovp-instructor feedback ASSIGNMENT            HTML feedback without hidden tests, in solutions/feedback/
    ovp-instructor grades [--output FILE]         export the gradebook as CSV
    ovp-instructor gradebook                      print every student's scores
    ovp-instructor lectures                       re-execute the lecture notebooks in place
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import resource
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_MEMORY_LIMIT = min(8 * 2**30, os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2)
"""Address-space limit for autograding: 8 GiB, or half the machine's memory if that is less."""


def course_root(root: str | Path | None = None) -> Path:
    """The nbgrader course root: ``root`` if given, else ``solutions/`` of this checkout."""
    path = Path(root) if root is not None else REPO / "solutions"
    if not (path / "nbgrader_config.py").is_file():
        raise FileNotFoundError(f"root: {path} has no nbgrader_config.py; pass the course root folder")
    return path.resolve()


def assignments(root: str | Path | None = None) -> list[str]:
    """Names of the assignments in ``source/``, in order."""
    src = course_root(root) / "source"
    return sorted(p.name for p in src.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def _check_assignment(name: str, root: Path) -> None:
    if name not in assignments(root):
        raise ValueError(f"assignment: {name!r} is not in {root / 'source'}; choose one of {assignments(root)}")


def nbgrader(
    *args: str, root: str | Path | None = None, check: bool = True, memory_limit: int | None = None
) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` inside the course root and return the finished process.

    ``memory_limit`` (bytes) caps the address space of nbgrader and of every kernel it starts
    (``RLIMIT_AS``, inherited by child processes): a submission that allocates more gets a
    ``MemoryError`` in its own cell instead of taking the machine down.
    """
    cwd = course_root(root)
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")

    def limit() -> None:
        if memory_limit:
            resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))

    cmd = [sys.executable, "-m", "nbgrader", *args]
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, preexec_fn=limit)
    if check and proc.returncode != 0:
        raise RuntimeError(f"`nbgrader {' '.join(args)}` failed in {cwd}:\n{proc.stdout}\n{proc.stderr}")
    return proc


def release(names: list[str] | None = None, *, root: str | Path | None = None, dest: str | Path | None = None) -> Path:
    """Generate the student versions of the assignments and copy them to ``course/assignments/``.

    Hidden tests and solutions are removed by nbgrader; outputs are cleared. Returns the folder.
    """
    root = course_root(root)
    dest = Path(dest) if dest is not None else REPO / "course" / "assignments"
    for name in names or assignments(root):
        _check_assignment(name, root)
        nbgrader("generate_assignment", name, "--force", root=root)
        target = dest / name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(root / "release" / name, target)
    return dest


def collect(assignment: str, folder: str | Path, *, root: str | Path | None = None) -> list[str]:
    """Copy a folder of submissions into ``submitted/<student>/<assignment>/<assignment>.ipynb``.

    ``folder`` holds either one notebook per student (``alice.ipynb``) or one folder per student
    (``alice/`` with the notebook inside, under any name). A student folder with no notebook is
    still created, so that autograding reports it. Returns the student ids, sorted.
    """
    root = course_root(root)
    _check_assignment(assignment, root)
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"folder: {folder} is not a directory of submissions")
    students = []
    for entry in sorted(folder.iterdir()):
        student = entry.stem if entry.is_file() else entry.name
        if entry.is_file() and entry.suffix != ".ipynb":
            continue
        if not re.fullmatch(r"[A-Za-z0-9_.@-]+", student):
            raise ValueError(f"folder: {entry.name!r} is not a usable student id (letters, digits, _ . @ -)")
        dest = root / "submitted" / student / assignment
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        notebooks = [entry] if entry.is_file() else sorted(entry.rglob("*.ipynb"))
        notebooks = [p for p in notebooks if ".ipynb_checkpoints" not in p.parts]
        if notebooks:
            shutil.copy(notebooks[0], dest / f"{assignment}.ipynb")
        students.append(student)
    return students


@dataclass
class Grade:
    """One student's autograded result for one assignment."""

    student: str
    score: float
    max_score: float
    status: str
    """'graded', or why there is no grade (no notebook, unreadable notebook, grading failed)."""


def _submitted_students(root: Path, assignment: str) -> list[str]:
    sub = root / "submitted"
    if not sub.is_dir():
        return []
    return sorted(p.name for p in sub.iterdir() if (p / assignment).is_dir())


def _max_code_score(root: Path, assignment: str) -> float:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        return float(gb.find_assignment(assignment).max_code_score)


def grades(assignment: str, *, root: str | Path | None = None) -> list[Grade]:
    """Autograded scores of every student who handed in ``assignment`` (failed ones score 0)."""
    from nbgrader.api import Gradebook

    root = course_root(root)
    maximum = _max_code_score(root, assignment)
    found = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for sub in gb.assignment_submissions(assignment):
            found[sub.student.id] = float(sub.code_score)
    out = []
    for student in _submitted_students(root, assignment):
        folder = root / "submitted" / student / assignment
        graded = (root / "autograded" / student / assignment).is_dir() and student in found
        if graded:
            out.append(Grade(student, found[student], maximum, "graded"))
            continue
        notebooks = list(folder.glob("*.ipynb"))
        if not notebooks:
            status = "no notebook in the submission"
        else:
            import warnings

            import nbformat

            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # e.g. cells without ids: readable, not our concern here
                    nbformat.read(notebooks[0], as_version=4)
                status = "grading failed (see the nbgrader log)"
            except Exception as err:  # noqa: BLE001 - any parse error means the same to the instructor
                status = f"unreadable notebook ({type(err).__name__})"
        out.append(Grade(student, 0.0, maximum, status))
    return out


def autograde(
    assignment: str,
    *,
    root: str | Path | None = None,
    memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
    timeout: int | None = None,
) -> list[Grade]:
    """Autograde every submission of ``assignment`` and return each student's result.

    Runs ``nbgrader autograde`` once for the whole batch under a memory limit; the per-cell time
    limit comes from ``nbgrader_config.py`` unless ``timeout`` (seconds) overrides it. nbgrader
    keeps going when one submission fails (unreadable, kernel died, ...); those students are
    reported with score 0 and the reason, and the others are graded as usual.
    """
    root = course_root(root)
    _check_assignment(assignment, root)
    extra = [f"--Execute.timeout={int(timeout)}"] if timeout else []
    proc = nbgrader("autograde", assignment, "--force", *extra, root=root, check=False, memory_limit=memory_limit)
    result = grades(assignment, root=root)
    if proc.returncode != 0 and all(g.status == "graded" for g in result):
        raise RuntimeError(f"`nbgrader autograde {assignment}` failed:\n{proc.stdout}\n{proc.stderr}")
    return result


def feedback(assignment: str, *, root: str | Path | None = None) -> Path:
    """HTML feedback for every autograded submission (hidden tests removed), in ``feedback/``."""
    root = course_root(root)
    _check_assignment(assignment, root)
    nbgrader("generate_feedback", assignment, "--force", root=root)
    return root / "feedback"


def export_grades(output: str | Path, *, root: str | Path | None = None) -> Path:
    """Write every assignment's autograded scores to a CSV file (one row per student and assignment)."""
    root = course_root(root)
    output = Path(output).resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    with open(output, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["assignment", "student", "autograded_score", "autograded_max", "status"])
        for name in assignments(root):
            if not (root / "gradebook.db").is_file() or not _submitted_students(root, name):
                continue
            try:
                rows = grades(name, root=root)
            except Exception:  # noqa: BLE001 - an assignment never autograded has no gradebook entry
                continue
            for g in rows:
                writer.writerow([name, g.student, f"{g.score:g}", f"{g.max_score:g}", g.status])
    return output


def gradebook_table(*, root: str | Path | None = None) -> str:
    """Every student's autograded scores, one line per student and assignment."""
    root = course_root(root)
    lines = [f"{'assignment':16s} {'student':24s} {'score':>12s}  status"]
    for name in assignments(root):
        if not (root / "gradebook.db").is_file() or not _submitted_students(root, name):
            continue
        try:
            rows = grades(name, root=root)
        except Exception:  # noqa: BLE001
            continue
        for g in rows:
            lines.append(f"{name:16s} {g.student:24s} {g.score:5g} / {g.max_score:<4g}  {g.status}")
    return "\n".join(lines)


def lecture_notebooks() -> list[Path]:
    """The lecture notebooks, in course order."""
    return sorted((REPO / "course" / "lectures").glob("[0-9]*.ipynb"))


def execute_notebook(path: Path, *, timeout: int = 300, write: bool = True):
    """Run a notebook top to bottom in a fresh kernel (its folder as working directory);
    optionally save it with its outputs. Returns the executed notebook."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    resources = {"metadata": {"path": str(path.parent)}}
    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources=resources).execute()
    if write:
        nbformat.write(nb, path)
    return nb


def lab_settings() -> Path:
    """Write JupyterLab defaults for this environment: no news or update pop-ups in class, and
    Markdown files (the course index) open rendered."""
    import json

    path = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    settings = json.loads(path.read_text()) if path.is_file() else {}
    settings["@jupyterlab/apputils-extension:notification"] = {"fetchNews": "false", "checkForUpdates": False}
    # open the course index (course/README.md) rendered, not in the text editor
    settings["@jupyterlab/docmanager-extension:plugin"] = {"defaultViewers": {"markdown": "Markdown Preview"}}
    path.write_text(json.dumps(settings, indent=2))
    return path


def _print_grades(rows: list[Grade]) -> None:
    for g in rows:
        print(f"{g.student:24s} {g.score:5g} / {g.max_score:<4g}  {g.status}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="ovp-instructor", description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--root", help="nbgrader course root (default: solutions/ of this checkout)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("release", help="regenerate course/assignments/ from solutions/source/")
    p.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    p = sub.add_parser("collect", help="copy a folder of submissions into submitted/")
    p.add_argument("assignment")
    p.add_argument("folder", help="one notebook or one folder per student")
    p = sub.add_parser("autograde", help="autograde every submission of an assignment")
    p.add_argument("assignment")
    p.add_argument("--memory-limit", type=float, default=DEFAULT_MEMORY_LIMIT / 2**30,
                   help="GiB of address space for nbgrader and the kernels (0: no limit)")
    p.add_argument("--timeout", type=int, help="per-cell time limit in seconds (default: nbgrader_config.py)")
    p = sub.add_parser("feedback", help="generate HTML feedback (hidden tests removed)")
    p.add_argument("assignment")
    p = sub.add_parser("grades", help="export autograded scores as CSV")
    p.add_argument("--output", default="grades.csv", help="CSV file to write (default: ./grades.csv)")
    sub.add_parser("gradebook", help="print every student's scores")
    sub.add_parser("lectures", help="re-execute every lecture notebook in place (saved with outputs)")
    sub.add_parser("lab-settings", help="turn off JupyterLab's news and update pop-ups in this environment")
    args = parser.parse_args(argv)
    try:
        if args.command == "release":
            dest = release(args.assignments or None, root=args.root)
            print(f"released {', '.join(args.assignments or assignments(args.root))} into {dest}")
        elif args.command == "collect":
            students = collect(args.assignment, args.folder, root=args.root)
            print(f"collected {len(students)} submissions of {args.assignment}: {', '.join(students)}")
        elif args.command == "autograde":
            limit = int(args.memory_limit * 2**30) or None
            _print_grades(autograde(args.assignment, root=args.root, memory_limit=limit, timeout=args.timeout))
        elif args.command == "feedback":
            print(f"feedback written under {feedback(args.assignment, root=args.root)}")
        elif args.command == "grades":
            print(f"wrote {export_grades(args.output, root=args.root)}")
        elif args.command == "gradebook":
            print(gradebook_table(root=args.root))
        elif args.command == "lectures":
            import time

            for path in lecture_notebooks():
                start = time.perf_counter()
                execute_notebook(path)
                print(f"{path.relative_to(REPO)}: executed in {time.perf_counter() - start:.1f} s")
        elif args.command == "lab-settings":
            print(f"wrote {lab_settings()}")
    except (ValueError, FileNotFoundError) as err:
        print(f"ovp-instructor: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
