"""The project's own setup: pyproject and environment.yml agree, the README's two commands, CI."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
CONDA_NAMES = {"pytorch": "torch"}  # conda package name → pip name


def _split(req: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", req)
    assert m, req
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def _pip_name(name: str) -> str:
    """``pyright[nodejs]`` → ``pyright``: conda has no extras (its pyright brings Node.js)."""
    return name.split("[")[0]


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    reqs = project["dependencies"] + extras["course"] + extras["test"]
    pip_reqs = {_pip_name(name): spec.split("]")[-1] for name, spec in (_split(r) for r in reqs)}
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    conda = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str):
            name, spec = _split(dep)
            if name not in ("python", "pip"):
                conda[CONDA_NAMES.get(name, name)] = spec
    assert conda == pip_reqs
    py = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert _split(py)[1] == project["requires-python"]


def test_the_science_does_not_depend_on_the_course_tooling_and_every_setup_installs_it():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    science = {_split(r)[0] for r in project["dependencies"]}
    course = {_split(r)[0] for r in project["optional-dependencies"]["course"]}
    assert {"jupyterlab", "nbgrader", "jsonschema"} <= course and not science & course
    makefile = (REPO / "Makefile").read_text()
    for target in (".course", ".test"):  # `make course` and `make setup-test` (and so `make test`)
        recipe = re.search(rf"^\$\(VENV\)/{re.escape(target)}:.*\n((?:\t.*\n)+)", makefile, flags=re.M)
        assert recipe and re.search(r'pip install .*-e "\.\[[^]]*\bcourse\b', recipe.group(1)), target
    assert re.search(r"^lint:.*\n(?:\t.*\n)*\t\$\(BIN\)/pyright", makefile, flags=re.M)


def test_readme_opens_with_exactly_two_commands():
    text = (REPO / "README.md").read_text()
    first_block = re.search(r"```(?:bash|sh)?\n(.*?)```", text, flags=re.S)
    assert first_block, "README.md should open with a code block holding the two commands"
    commands = [ln for ln in first_block.group(1).splitlines() if ln.strip() and not ln.strip().startswith("#")]
    assert [c.split("#")[0].strip() for c in commands] == ["make course", "make test"]


def test_ci_runs_the_readme_test_command():
    run = (REPO / ".ci" / "run").read_text()
    assert "make test" in run


def test_makefile_targets_exist():
    makefile = (REPO / "Makefile").read_text()
    for target in ("course:", "test:", "lectures:", "release:"):
        assert re.search(rf"^{target}", makefile, flags=re.M), target


_SCIENCE_ONLY = """
import importlib, importlib.abc, pkgutil, sys
target = sys.argv[1]
blocked = {"nbgrader", "jupyterlab", "jupyter_server_mathjax", "jsonschema"}  # the extra `course`

class Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in blocked:
            raise ModuleNotFoundError(f"No module named {name!r} (not installed by `pip install .`)")

sys.meta_path.insert(0, Absent())
sys.path.insert(0, target)
import ovptools
assert ovptools.__file__.startswith(target), ovptools.__file__
names = [m.name for m in pkgutil.walk_packages(ovptools.__path__, "ovptools.")
         if not m.name.startswith("ovptools.course")]
for name in names:
    importlib.import_module(name)
for name in ovptools.__all__:
    getattr(ovptools, name)
print(len(names))
"""


@pytest.mark.slow
def test_pip_install_without_extras_imports_every_science_module(tmp_path):
    """`pip install .` (no extras) installs what every science module imports; the course's tooling
    (nbgrader, JupyterLab, jsonschema) is absent from the interpreter while they are imported."""
    source = tmp_path / "source"  # a copy, so that the build leaves nothing in the checkout
    shutil.copytree(REPO / "ovptools", source / "ovptools", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--target", str(target), str(source)], check=True, capture_output=True)
    metadata = next(target.glob("ovptools-*.dist-info")) / "METADATA"
    required = [ln.split(":", 1)[1].strip() for ln in metadata.read_text().splitlines()
                if ln.startswith("Requires-Dist:")]
    unconditional = {_split(r.split(";")[0])[0] for r in required if "extra ==" not in r}
    assert not unconditional & {"jupyterlab", "nbgrader", "jsonschema", "jupyter-server-mathjax"}, unconditional
    out = subprocess.run([sys.executable, "-c", _SCIENCE_ONLY, str(target)], capture_output=True, text=True,
                         cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    assert int(out.stdout.split()[-1]) > 20  # the science's modules, experiments and widgets included
