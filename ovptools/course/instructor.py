"""The instructor's commands, runnable from any directory: ``ovp-instructor COMMAND``.

    ovp-instructor release [ASSIGNMENT ...]       regenerate course/assignments/ from solutions/source/
    ovp-instructor collect ASSIGNMENT FOLDER      copy a folder of submissions into solutions/submitted/
    ovp-instructor autograde ASSIGNMENT [--jobs N] grade every submission in the grading sandbox (time,
                                                  memory and process limits), in N parallel processes
    ovp-instructor migrate-gradebook --to URL     copy the SQLite gradebook into PostgreSQL (every row)
    ovp-instructor feedback ASSIGNMENT [--release] HTML feedback without hidden tests, in solutions/feedback/
                                                  (MathJax offline; lists the students without feedback);
                                                  --release also copies it to the exchange
    ovp-instructor grades [--output FILE]         export the final grades as CSV: autograded, graded by
                                                  hand, total, maximum, hand-grading pending or done
    ovp-instructor gradebook                      print the same grades
    ovp-instructor lectures                       re-execute the lecture notebooks in place

The course root (the folder with ``nbgrader_config.py``) is ``--root``, else found from the current
directory (see :mod:`ovptools.course.paths`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from .classroom import GradingStopped, autograde, migrate_gradebook  # noqa: F401 (the instructor's API)
from .export import export_final_grades, final_grades, final_grades_table  # noqa: F401
from .feedback import describe as describe_feedback
from .feedback import feedback as feedback_report
from .gradebook import (  # noqa: F401
    Grade,
    export_grades,
    gradebook_table,
    gradebook_url,
    grades,
    safe_url,
    submitted_students,
)
from .paths import (  # noqa: F401
    DEFAULT_MEMORY_LIMIT,
    assignments,
    check_assignment,
    course_root,
    nbgrader,
    student_folder,
)

SKIPPED = ("__MACOSX", ".ipynb_checkpoints")
"""Folders that archive tools and Jupyter add, which are never a student's work."""


def _pristine(target: Path, fresh: Path, previous: Path) -> bool:
    """True if the notebooks in ``target`` hold no student work: each equals the new release, the
    previous one, or is an unedited release (every cell unchanged from the new release or matching
    its own nbgrader checksum, and no cell added)."""
    from nbformat import reads
    from nbgrader.utils import compute_checksum

    for nb_path in target.rglob("*"):
        if nb_path.is_dir():
            continue
        rel = nb_path.relative_to(target)
        text = nb_path.read_bytes()
        if any((where / rel).is_file() and (where / rel).read_bytes() == text for where in (fresh, previous)):
            continue
        if nb_path.suffix != ".ipynb" or not (fresh / rel).is_file():
            return False
        try:
            nb, new = reads(text.decode(), as_version=4), json.loads((fresh / rel).read_text())
        except Exception:  # noqa: BLE001 - unreadable: treat as the student's
            return False
        released = {c.get("id"): "".join(c["source"]) for c in new["cells"]}
        for cell in nb.cells:
            checksum = cell.metadata.get("nbgrader", {}).get("checksum")
            if released.get(cell.get("id")) == cell.source or (checksum and checksum == compute_checksum(cell)):
                continue
            return False
    return True


def _stamp() -> str:
    return time.strftime("%Y%m%d-%H%M%S")


def _backup_path(dest: Path, name: str) -> Path:
    """A free ``<name>.backup-YYYYmmdd-HHMMSS`` folder name in ``dest`` (``-2``, ``-3``… if taken)."""
    base = dest / f"{name}.backup-{_stamp()}"
    backup, n = base, 1
    while backup.exists():
        n += 1
        backup = base.with_name(f"{base.name}-{n}")
    return backup


def release(names: list[str] | None = None, *, root: str | Path | None = None, dest: str | Path | None = None,
            log=print) -> Path:
    """Generate the student versions of the assignments and copy them to ``course/assignments/``.

    Hidden tests and solutions are removed by nbgrader; outputs are cleared. A student's work is
    never destroyed: a folder in ``dest`` that holds anything but an unedited release is moved to
    ``<name>.backup-YYYYmmdd-HHMMSS`` first, and ``log`` says where. Returns ``dest``.
    """
    root = course_root(root)
    dest = Path(dest) if dest is not None else student_folder(root) / "assignments"
    for name in names or assignments(root):
        check_assignment(name, root)
        with tempfile.TemporaryDirectory() as scratch:
            previous = Path(scratch) / name  # the last generated release, to recognise unedited copies
            if (root / "release" / name).is_dir():
                shutil.copytree(root / "release" / name, previous)
            nbgrader("generate_assignment", name, "--force", root=root)
            target = dest / name
            if target.exists():
                if _pristine(target, root / "release" / name, previous):
                    shutil.rmtree(target)
                else:
                    backup = _backup_path(dest, name)
                    target.rename(backup)
                    log(f"{target} held edited work: moved it to {backup}")
            shutil.copytree(root / "release" / name, target)
    return dest


def _notebooks(entry: Path) -> list[Path]:
    if entry.is_file():
        return [entry]
    return sorted(p for p in entry.rglob("*.ipynb")
                  if not any(part in SKIPPED or part.startswith(".") for part in p.relative_to(entry).parts)
                  and not p.name.startswith("._"))


def _choose(notebooks: list[Path], entry: Path, assignment: str) -> tuple[Path | None, str]:
    """The notebook to grade among a student's ``notebooks``, and a note when the choice was not
    obvious: ``<assignment>.ipynb`` (the shallowest), else the only one, else the most recently
    modified one whose name is not a copy."""
    if not notebooks:
        return None, ""
    if len(notebooks) == 1:
        return notebooks[0], ""
    others = ", ".join(str(p.relative_to(entry)) for p in notebooks)
    exact = sorted((p for p in notebooks if p.name == f"{assignment}.ipynb"), key=lambda p: len(p.parts))
    if exact:
        return exact[0], f"{len(notebooks)} notebooks ({others}): took {exact[0].relative_to(entry)}"
    originals = [p for p in notebooks if not p.name.lower().startswith("copy of")] or notebooks
    chosen = max(originals, key=lambda p: (p.stat().st_mtime, str(p)))
    return chosen, (f"{len(notebooks)} notebooks and none named {assignment}.ipynb ({others}): took the most "
                    f"recently modified, {chosen.relative_to(entry)}; check it is the one to grade")


def _same_files(a: Path, b: Path) -> bool:
    files = {p.relative_to(a) for p in a.rglob("*") if p.is_file()}
    return files == {p.relative_to(b) for p in b.rglob("*") if p.is_file()} and \
        all((a / f).read_bytes() == (b / f).read_bytes() for f in files)


def collect(assignment: str, folder: str | Path, *, root: str | Path | None = None, log=print) -> list[str]:
    """Copy a folder of submissions into ``submitted/<student>/<assignment>/<assignment>.ipynb``.

    ``folder`` holds either one notebook per student (``alice.ipynb``) or one folder per student
    (``alice/`` with the notebook inside); the notebook's modification time becomes the submission's
    ``timestamp.txt``, which the gradebook records with its grade. In a folder, ``<assignment>.ipynb``
    is taken; otherwise the only notebook, or else the most recently modified one that is not a
    "Copy of …", and ``log`` says which when there was a choice. ``__MACOSX``,
    ``.ipynb_checkpoints``, hidden entries and AppleDouble ``._*`` files are skipped; symbolic links
    are never followed. A student folder with
    no notebook is still created, so that autograding reports it.

    Nothing is lost: every submission is read into a temporary folder first, and only then moved
    into ``submitted/``; a student's previous submission that differs is moved to
    ``backups/submitted/<student>/<assignment>.backup-YYYYmmdd-HHMMSS`` (``log`` says where). A
    ``folder`` inside the course root, and two entries for one student (``bob.ipynb`` and ``bob/``),
    are refused before anything is copied. Returns the student ids, sorted.
    """
    root = course_root(root)
    check_assignment(assignment, root)
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"folder: {folder} is not a directory of submissions")
    source = folder.resolve()
    if source == root or root in source.parents or source in root.parents:
        raise ValueError(f"folder: {folder} is inside the course root {root} (or holds it); collect from a copy "
                         "of the submissions elsewhere")
    entries: dict[str, Path] = {}
    for entry in sorted(folder.iterdir()):
        if entry.name in SKIPPED or entry.name.startswith(".") or (entry.is_file() and entry.suffix != ".ipynb"):
            continue
        if entry.is_symlink():
            log(f"{entry}: a symbolic link, skipped (collect copies regular files only)")
            continue
        student = entry.stem if entry.is_file() else entry.name
        if not re.fullmatch(r"[A-Za-z0-9_.@-]+", student):
            raise ValueError(f"folder: {entry.name!r} is not a usable student id (letters, digits, _ . @ -)")
        if student in entries:
            raise ValueError(f"folder: {entries[student].name!r} and {entry.name!r} are both {student!r}'s "
                             "submission; keep one and collect again")
        entries[student] = entry
    (root / "submitted").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root / "submitted", prefix=".collect-") as scratch:
        stage = Path(scratch)
        for student, entry in entries.items():
            dest = stage / student / assignment
            dest.mkdir(parents=True)
            notebooks = [p for p in _notebooks(entry) if not p.is_symlink() and p.is_file()]
            chosen, note = _choose(notebooks, entry, assignment)
            if note:
                log(f"{student}: {note}")
            if chosen is not None:
                shutil.copyfile(chosen, dest / f"{assignment}.ipynb", follow_symlinks=False)
                modified = datetime.fromtimestamp(chosen.stat().st_mtime, UTC)
                (dest / "timestamp.txt").write_text(modified.strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
        for student in entries:
            target = root / "submitted" / student / assignment
            if target.exists():
                if _same_files(target, stage / student / assignment):
                    shutil.rmtree(target)
                else:
                    backups = root / "backups" / "submitted" / student
                    backups.mkdir(parents=True, exist_ok=True)
                    backup = _backup_path(backups, assignment)
                    target.rename(backup)
                    log(f"{student}: the previous submission was replaced; it is in {backup}")
            target.parent.mkdir(parents=True, exist_ok=True)
            (stage / student / assignment).rename(target)
    return sorted(entries)


def feedback(assignment: str, *, root: str | Path | None = None, release: bool = False) -> Path:
    """HTML feedback for every autograded submission (hidden tests removed), in ``feedback/``; see
    :mod:`ovptools.course.feedback` (:func:`~ovptools.course.feedback.feedback` reports each student)."""
    return feedback_report(assignment, root=root, release=release).folder


def lecture_notebooks(root: str | Path | None = None) -> list[Path]:
    """The lecture notebooks, in course order."""
    return sorted((student_folder(root) / "lectures").glob("[0-9]*.ipynb"))


def execute_notebook(path: Path, *, timeout: int = 300, write: bool = True):
    """Run a notebook top to bottom in a fresh kernel (its folder as working directory), with
    progress bars off (a saved notebook would show them frozen) and widgets asked to show their
    first figure as a static image too (a saved notebook has no kernel to draw them); optionally
    save it with its outputs. Returns the executed notebook."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    resources = {"metadata": {"path": str(path.parent)}}
    os.environ["OVP_NO_PROGRESS"] = "1"  # inherited by the kernel
    os.environ["OVP_STATIC_WIDGETS"] = "1"
    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources=resources).execute()
    if write:
        nbformat.write(nb, path)
    return nb


def lab_settings() -> Path:
    """Write JupyterLab defaults for this environment: no news or update pop-ups in class, and
    Markdown files (the course index) open rendered."""
    path = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    settings = json.loads(path.read_text()) if path.is_file() else {}
    settings["@jupyterlab/apputils-extension:notification"] = {"fetchNews": "false", "checkForUpdates": False}
    settings["@jupyterlab/docmanager-extension:plugin"] = {"defaultViewers": {"markdown": "Markdown Preview"}}
    path.write_text(json.dumps(settings, indent=2))
    return path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ovp-instructor", description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--root", help="nbgrader course root (default: found from the current directory)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("release", help="regenerate course/assignments/ from solutions/source/")
    p.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    p = sub.add_parser("collect", help="copy a folder of submissions into submitted/")
    p.add_argument("assignment")
    p.add_argument("folder", help="one notebook or one folder per student")
    p = sub.add_parser("autograde", help="autograde every submission of an assignment")
    p.add_argument("assignment")
    p.add_argument("--memory-limit", type=float, default=DEFAULT_MEMORY_LIMIT / 2**30,
                   help="GiB of memory per submission: address space of each of its processes and, as root, "
                        "their total (0: no limit)")
    p.add_argument("--timeout", type=int, help="per-cell time limit in seconds (default: nbgrader_config.py)")
    p.add_argument("--jobs", type=int, default=1,
                   help="grade in this many parallel nbgrader processes (default: 1; at most one per core)")
    p.add_argument("--unsafe-no-sandbox", action="store_true",
                   help="run students' code without the grading sandbox, as you, with your files and network "
                        "(only where bubblewrap cannot run)")
    p = sub.add_parser("feedback", help="generate HTML feedback (hidden tests removed), one student at a time "
                                        "if one fails; lists the students without feedback")
    p.add_argument("assignment")
    p.add_argument("--release", action="store_true",
                   help="also release the feedback to nbgrader's exchange (students fetch it), student by student")
    p = sub.add_parser("grades", help="export the final grades (autograded + graded by hand) as CSV")
    p.add_argument("--output", default="grades.csv", help="CSV file to write (default: ./grades.csv)")
    p.add_argument("--force", action="store_true", help="replace the output file if it exists")
    sub.add_parser("gradebook", help="print every student's grades: autograded, graded by hand, total")
    p = sub.add_parser("migrate-gradebook", help="copy the gradebook (every row) into an empty PostgreSQL database")
    p.add_argument("--to", required=True, metavar="URL", help="postgresql://user:password@host:port/database")
    sub.add_parser("lectures", help="re-execute every lecture notebook in place (saved with outputs)")
    sub.add_parser("lab-settings", help="turn off JupyterLab's news and update pop-ups in this environment")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "release":
            dest = release(args.assignments or None, root=args.root)
            print(f"released {', '.join(args.assignments or assignments(args.root))} into {dest}")
        elif args.command == "collect":
            students = collect(args.assignment, args.folder, root=args.root,
                               log=lambda line: print(line, file=sys.stderr))
            print(f"collected {len(students)} submissions of {args.assignment}: {', '.join(students)}")
        elif args.command == "autograde":
            limit = int(args.memory_limit * 2**30) or None
            for g in autograde(args.assignment, root=args.root, memory_limit=limit, timeout=args.timeout,
                               jobs=args.jobs, log=lambda line: print(line, file=sys.stderr),
                               sandbox=not args.unsafe_no_sandbox):
                print(f"{g.student:24s} {g.score:5g} / {g.max_score:<4g}  {g.status}")
        elif args.command == "feedback":
            report = feedback_report(args.assignment, root=args.root, release=args.release)
            print(describe_feedback(report, args.assignment))
            if not report.ok:
                return 1
        elif args.command == "grades":
            print(f"wrote {export_final_grades(args.output, root=args.root, force=args.force)}")
        elif args.command == "gradebook":
            print(final_grades_table(root=args.root))
        elif args.command == "migrate-gradebook":
            counts = migrate_gradebook(args.to, root=args.root)
            print(f"copied {sum(counts.values())} rows into {safe_url(args.to)}: "
                  + ", ".join(f"{name} {n}" for name, n in counts.items()))
            print(f"to grade into it, add to {course_root(args.root) / 'nbgrader_config.py'}:\n"
                  f'    c.CourseDirectory.db_url = "{safe_url(args.to)}"  (with the real password)')
        elif args.command == "lectures":
            for path in lecture_notebooks(args.root):
                start = time.perf_counter()
                execute_notebook(path)
                print(f"{path.name}: executed in {time.perf_counter() - start:.1f} s")
        elif args.command == "lab-settings":
            print(f"wrote {lab_settings()}")
    except (ValueError, FileNotFoundError) as err:  # a bad argument, course root or gradebook
        print(f"ovp-instructor: {err}", file=sys.stderr)
        return 2
    except (RuntimeError, GradingStopped) as err:  # an nbgrader command failed, or grading was stopped
        print(f"ovp-instructor: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
