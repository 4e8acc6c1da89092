"""``ovp-instructor collect``: a folder of submissions copied into ``submitted/`` without losing or
misattributing anyone's work (staged first, duplicates refused, the notebook to grade chosen and said,
a replaced submission backed up, links never followed)."""

from __future__ import annotations

import re
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from .paths import backup_path, check_assignment, course_root

SKIPPED = ("__MACOSX", ".ipynb_checkpoints")
"""Folders that archive tools and Jupyter add, which are never a student's work."""


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
                    backup = backup_path(backups, assignment)
                    target.rename(backup)
                    log(f"{student}: the previous submission was replaced; it is in {backup}")
            target.parent.mkdir(parents=True, exist_ok=True)
            (stage / student / assignment).rename(target)
    return sorted(entries)
