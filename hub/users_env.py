"""The interpreter the class's users run: the course's environment, or a copy they can enter.

Each user's JupyterLab, kernels and nbgrader run as that user, so the course environment's Python
must be executable by everyone. A virtual environment made from an interpreter in root's home (pyenv,
for example) is not: its ``bin/python`` points into a folder only root can enter. Then
:func:`users_env` copies that interpreter once (its binary, ``libpython`` and standard library, hard
links where the file system allows; not its site-packages) to ``STATE/python-base``, makes a virtual
environment ``STATE/python`` from the copy that sees the course environment's packages (a ``.pth``
file adds its site-packages, its own ``.pth`` files included), and copies the course environment's
commands (``nbgrader``, ``jupyterhub-singleuser``, ``ovp-instructor``, ...) to run on it. The copy's
binary looks for ``libpython`` in root's home first, so the users' environment sets
``LD_LIBRARY_PATH`` to the copy's ``lib/``. The same interpreter version runs everywhere (another
build of 3.11, such as Debian's 3.11.2, has regular-expression bugs that nbconvert's HTML export
meets). Only the standard library is used.

    python3 hub/users_env.py STATE_DIR [VENV]     prints the users' bin folder and environment
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def usable_by_all(path: Path) -> bool:
    """True if every user can run ``path`` (after links): each folder above it can be entered by
    others, and the file can be read and run by them."""
    real = path.resolve()
    for folder in real.parents:
        if not folder.stat().st_mode & stat.S_IXOTH:
            return False
    mode = real.stat().st_mode
    return bool(mode & stat.S_IXOTH and mode & stat.S_IROTH)


def _site_packages(python: Path) -> Path:
    out = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                         check=True, capture_output=True, text=True)
    return Path(out.stdout.strip())


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:  # another file system
        shutil.copy2(src, dst)


SKIPPED = shutil.ignore_patterns("site-packages", "test", "tests", "idlelib", "tkinter", "turtledemo", "ensurepip")


def _base_copy(python: Path, state: Path) -> Path:
    """A copy of the interpreter behind ``python`` that every user can run; returns its prefix."""
    info = subprocess.run([str(python), "-c", "import sys, sysconfig; print(sys.base_prefix); "
                           "print(sysconfig.get_config_var('LDVERSION')); print('%d.%d' % sys.version_info[:2])"],
                          check=True, capture_output=True, text=True).stdout.split()
    prefix, ldversion, version = Path(info[0]), info[1], info[2]
    base = state / "python-base"
    if not (base / "bin" / f"python{version}").is_file():
        (base / "bin").mkdir(parents=True, exist_ok=True)
        (base / "lib").mkdir(exist_ok=True)
        _link_or_copy(str(prefix / "bin" / f"python{version}"), str(base / "bin" / f"python{version}"))
        for lib in (prefix / "lib").glob(f"libpython{ldversion}.so*"):
            _link_or_copy(str(lib), str(base / "lib" / lib.name))
        shutil.copytree(prefix / "lib" / f"python{version}", base / "lib" / f"python{version}",
                        ignore=SKIPPED, copy_function=_link_or_copy, symlinks=True)
        (base / "lib" / f"python{version}" / "site-packages").mkdir()
    for folder in [base, *base.rglob("*")]:
        if folder.is_dir() and not folder.is_symlink():
            folder.chmod(0o755)
    return base


def users_env(state: str | Path, venv: str | Path = REPO / ".venv") -> tuple[Path, dict[str, str]]:
    """(the bin folder whose commands the users run, the environment variables they need):
    ``venv/bin`` and nothing when its Python is usable by all, else ``STATE/python/bin`` (made here
    if missing) and ``LD_LIBRARY_PATH``."""
    venv, state = Path(venv).absolute(), Path(state).absolute()
    python = venv / "bin" / "python"
    if usable_by_all(python):
        return venv / "bin", {}
    base = _base_copy(python, state)
    env = {"LD_LIBRARY_PATH": str(base / "lib")}
    target = state / "python"
    bin_dir = target / "bin"
    if not (bin_dir / "python").is_file():
        version = next((base / "bin").glob("python3.*")).name
        run_env = dict(os.environ, **env)
        subprocess.run([str(base / "bin" / version), "-m", "venv", "--without-pip", str(target)], check=True,
                       env=run_env)
        site = subprocess.run([str(bin_dir / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()"
                               "['purelib'])"], check=True, capture_output=True, text=True, env=run_env).stdout.strip()
        # .pth lines starting with "import" run: addsitedir also reads the course environment's own .pth files
        (Path(site) / "ovp-course-environment.pth").write_text(
            f"import site; site.addsitedir({str(_site_packages(python))!r})\n")
    for script in (venv / "bin").iterdir():
        dest = bin_dir / script.name
        if dest.exists() or not script.is_file() or script.name.startswith(("pip", "python", "activate")):
            continue
        head = script.read_bytes()
        if head.startswith(f"#!{venv}/bin/python".encode()):
            _, _, rest = head.partition(b"\n")
            dest.write_bytes(f"#!{bin_dir / 'python'}".encode() + b"\n" + rest)
            dest.chmod(0o755)
    for folder in [target, *target.rglob("*")]:
        if folder.is_dir() and not folder.is_symlink():
            folder.chmod(0o755)
    share = venv / "share" / "jupyter"
    if share.is_dir() and not (target / "share" / "jupyter").exists():  # kernels, lab extensions, settings
        (target / "share").mkdir(exist_ok=True)
        os.symlink(share, target / "share" / "jupyter")
    etc = venv / "etc" / "jupyter"
    if etc.is_dir() and not (target / "etc" / "jupyter").exists():  # server extensions (nbgrader's)
        (target / "etc").mkdir(exist_ok=True)
        os.symlink(etc, target / "etc" / "jupyter")
    return bin_dir, env


def main() -> None:
    if len(sys.argv) not in (2, 3):
        raise SystemExit(__doc__.strip().splitlines()[-1].strip())
    bin_dir, env = users_env(sys.argv[1], *(sys.argv[2:]))
    print(bin_dir)
    for key, value in env.items():
        print(f"{key}={value}")


if __name__ == "__main__":
    main()
