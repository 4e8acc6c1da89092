"""The instructor's commands, runnable from any directory: ``ovp-instructor COMMAND``.

nbgrader reads its configuration only from the current directory, so every command here
changes into the course root (``solutions/``) before calling nbgrader, and puts the running
interpreter's ``bin/`` first on PATH (nbgrader calls ``alembic`` from there).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


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


def nbgrader(*args: str, root: str | Path | None = None, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` inside the course root and return the finished process."""
    cwd = course_root(root)
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    cmd = [sys.executable, "-m", "nbgrader", *args]
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
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
        nbgrader("generate_assignment", name, "--force", root=root)
        target = dest / name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(root / "release" / name, target)
    return dest


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
    """Write JupyterLab defaults for this environment: no news or update pop-ups in class."""
    import json

    path = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    settings = json.loads(path.read_text()) if path.is_file() else {}
    settings["@jupyterlab/apputils-extension:notification"] = {"fetchNews": "false", "checkForUpdates": False}
    path.write_text(json.dumps(settings, indent=2))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ovp-instructor", description=__doc__.splitlines()[0])
    parser.add_argument("--root", help="nbgrader course root (default: solutions/ of this checkout)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("release", help="regenerate course/assignments/ from solutions/source/")
    p.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    sub.add_parser("lectures", help="re-execute every lecture notebook in place (saved with outputs)")
    sub.add_parser("lab-settings", help="turn off JupyterLab's news and update pop-ups in this environment")
    args = parser.parse_args(argv)
    if args.command == "lectures":
        import time

        for path in lecture_notebooks():
            start = time.perf_counter()
            execute_notebook(path)
            print(f"{path.relative_to(REPO)}: executed in {time.perf_counter() - start:.1f} s")
    elif args.command == "lab-settings":
        print(f"wrote {lab_settings()}")
    elif args.command == "release":
        dest = release(args.assignments or None, root=args.root)
        print(f"released {', '.join(args.assignments or assignments(args.root))} into {dest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
