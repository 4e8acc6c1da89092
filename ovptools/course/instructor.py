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
import shutil
import sys
import tempfile
import time
from pathlib import Path

from .classroom import GradingStopped, autograde  # noqa: F401 (the instructor's API)
from .collect import collect  # noqa: F401
from .export import export_final_grades, export_grades, final_grades, final_grades_table, gradebook_table  # noqa: F401
from .feedback import describe as describe_feedback
from .feedback import feedback as feedback_report
from .gradebook import (  # noqa: F401
    Grade,
    gradebook_url,
    grades,
    safe_url,
    submitted_students,
)
from .migrate import migrate_gradebook  # noqa: F401
from .paths import (  # noqa: F401
    DEFAULT_MEMORY_LIMIT,
    assignments,
    backup_path,
    check_assignment,
    course_root,
    nbgrader,
    student_folder,
)


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
                    backup = backup_path(dest, name)
                    target.rename(backup)
                    log(f"{target} held edited work: moved it to {backup}")
            shutil.copytree(root / "release" / name, target)
    return dest


def feedback(assignment: str, *, root: str | Path | None = None, release: bool = False) -> Path:
    """HTML feedback for every autograded submission (hidden tests removed), in ``feedback/``; see
    :mod:`ovptools.course.feedback` (:func:`~ovptools.course.feedback.feedback` reports each student)."""
    folder = feedback_report(assignment, root=root, release=release).folder
    if folder is None:
        raise RuntimeError(f"feedback: the report of {assignment!r} names no feedback folder")
    return folder


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
        prog="ovp-instructor", description=(__doc__ or "").split("\n\n")[0],  # no docstring under python -OO
        formatter_class=argparse.RawTextHelpFormatter,
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
