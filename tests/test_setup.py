"""The project's own setup: pyproject and environment.yml agree, the README's two commands, CI."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
CONDA_NAMES = {"pytorch": "torch"}  # conda package name → pip name


def _split(req: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", req)
    assert m, req
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pip_reqs = dict(_split(r) for r in project["dependencies"] + project["optional-dependencies"]["test"])
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
