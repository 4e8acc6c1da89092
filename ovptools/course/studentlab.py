"""The student's JupyterLab on their own machine (``make course``): the course in a copy of their own,
JupyterLab opened on the course index, and only what a student needs from nbgrader.

- **Your own copy.** The committed notebooks in ``course/`` are never opened: the lab serves
  ``my-course/`` (ignored by git), a copy that this command keeps up to date. A file the course
  adds is copied in; a file the course changed replaces the student's copy if they never changed
  it, and otherwise the student's version is kept beside it as ``NAME.mine-YYYYmmdd-HHMMSS.ipynb``.
  Nothing of the student's is ever lost, and ``git pull`` never conflicts with running a lecture.
- **The index first.** The URL that JupyterLab prints (the one to open on a remote machine or in
  a container, where no browser can be launched) lands on ``README.md``, the course index.
- **No instructor tools.** nbgrader's instructor interface (its menu, the *Create Assignment*
  panel, the *Formgrader*, the assignment list and its *Validate* button, which runs without the
  course's configuration) is switched off for this lab only, as on the class server. The check a
  student runs is ``ovp-check``, the course's own (in a JupyterLab terminal).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .paths import stamp

REPO = Path(__file__).resolve().parents[2]
WORKSPACE = "my-course"
"""The student's copy of ``course/``, at the top of the repository (ignored by git)."""
MANIFEST = ".ovp-course-copy.json"
"""In the copy: the checksum of each file as it came from the course, to tell the student's edits."""

NBGRADER_LAB_PLUGINS = ("formgrader", "create-assignment", "menu", "validate-assignment", "assignment-list",
                        "course-list")
"""nbgrader's JupyterLab plugins (``@jupyter/nbgrader:<name>``); none of them serves a student here."""
NBGRADER_SERVER_EXTENSIONS = ("formgrader", "assignment_list", "course_list", "validate_assignment")
"""nbgrader's server extensions (``nbgrader.server_extensions.<name>``)."""


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class SyncReport:
    """What :func:`sync_workspace` did, by path relative to the copy."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept: dict[str, str] = field(default_factory=dict)
    """Files the course changed and the student had changed too: path → where the student's version went."""


def _course_files(course: Path) -> list[Path]:
    skip = {".ipynb_checkpoints", "__pycache__"}
    return sorted(p for p in course.rglob("*") if p.is_file()
                  and not any(part in skip or part.startswith(".") for part in p.relative_to(course).parts))


def sync_workspace(course: str | Path, work: str | Path) -> SyncReport:
    """Bring the student's copy ``work`` up to date with ``course`` without losing anything of theirs."""
    course, work = Path(course), Path(work)
    if not course.is_dir():
        raise ValueError(f"course: {course} is not a folder")
    manifest_path = work / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    except json.JSONDecodeError:
        manifest = {}
    report = SyncReport()
    for src in _course_files(course):
        rel = src.relative_to(course).as_posix()
        dst, new = work / rel, _sha(src)
        if not dst.exists():
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
            report.added.append(rel)
        elif manifest.get(rel) == new:
            continue  # the course did not change it: the student's version stays, edited or not
        elif _sha(dst) == new:
            pass  # already the course's version
        elif rel in manifest and _sha(dst) == manifest[rel]:
            shutil.copy2(src, dst)  # the student never touched it
            report.updated.append(rel)
        else:
            mine = dst.with_name(f"{dst.stem}.mine-{stamp()}{dst.suffix}")
            n = 1
            while mine.exists():
                n += 1
                mine = dst.with_name(f"{dst.stem}.mine-{stamp()}-{n}{dst.suffix}")
            dst.rename(mine)
            shutil.copy2(src, dst)
            report.updated.append(rel)
            report.kept[rel] = mine.relative_to(work).as_posix()
        manifest[rel] = new
    work.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return report


def student_config(folder: str | Path) -> Path:
    """Write the Jupyter configuration that hides nbgrader's instructor tools into ``folder`` (to
    be put first on ``JUPYTER_CONFIG_PATH`` for the student's lab only)."""
    folder = Path(folder)
    (folder / "labconfig").mkdir(parents=True, exist_ok=True)
    server = {"ServerApp": {"jpserver_extensions": {f"nbgrader.server_extensions.{name}": False
                                                    for name in NBGRADER_SERVER_EXTENSIONS}}}
    (folder / "jupyter_server_config.json").write_text(json.dumps(server, indent=1))
    page = {"disabledExtensions": {f"@jupyter/nbgrader:{name}": True for name in NBGRADER_LAB_PLUGINS}}
    (folder / "labconfig" / "page_config.json").write_text(json.dumps(page, indent=1))
    return folder


def lab_command(work: Path, *, port: int | None = None, token: str | None = None, browser: bool = True) -> list[str]:
    """The ``jupyter lab`` command line for the student's lab on ``work``, opening on the index."""
    cmd = [str(Path(sys.executable).parent / "jupyter-lab"), f"--ServerApp.root_dir={work}",
           "--LabApp.default_url=/lab/tree/README.md"]
    if port is not None:
        cmd += ["--ip=127.0.0.1", f"--port={port}"]
    if token is not None:
        cmd.append(f"--IdentityProvider.token={token}")
    if not browser:
        cmd.append("--no-browser")
    if os.geteuid() == 0:
        cmd.append("--allow-root")  # JupyterLab refuses root otherwise (a container's usual user)
    return cmd


def lab_environment(config: Path) -> dict[str, str]:
    """The environment of the student's lab: its configuration first, this environment's commands
    (``ovp-check``) first on PATH in its terminals."""
    env = dict(os.environ)
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(p for p in (str(config), env.get("JUPYTER_CONFIG_PATH")) if p)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def prepare(repo: str | Path = REPO) -> tuple[Path, Path, SyncReport]:
    """Set up the student's lab: JupyterLab's defaults, the copy, the configuration. Returns (the
    copy, the configuration folder, what changed in the copy)."""
    from .instructor import lab_settings

    repo = Path(repo)
    lab_settings()
    work = repo / WORKSPACE
    report = sync_workspace(repo / "course", work)
    config = student_config(Path(sys.prefix) / "etc" / "ovp-course-student")
    return work, config, report


def describe(report: SyncReport, work: Path) -> str:
    lines = []
    if report.added:
        lines.append(f"{len(report.added)} file(s) of the course copied into {work}")
    for rel in report.updated:
        if rel in report.kept:
            lines.append(f"{rel}: updated by the course; your version is kept as {report.kept[rel]}")
        else:
            lines.append(f"{rel}: updated by the course")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    work, config, report = prepare()
    said = describe(report, work)
    if said:
        print(said, flush=True)
    print(f"serving your copy of the course, {work} (ignored by git: `git pull` gets the course's updates, "
          "`make course` brings them into your copy)", flush=True)
    cmd = lab_command(work, browser=True) + list(argv or [])
    os.execvpe(cmd[0], cmd, lab_environment(config))
    return 0  # not reached


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
