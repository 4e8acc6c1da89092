"""The package's layout keeps its promises: the science never loads the course tooling, the
numpy-only parts never load torch, no module reaches into another's private names, and every
module stays short enough to read."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "ovptools"
MODULES = sorted(PACKAGE.rglob("*.py"))


def _loaded_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", f"import sys; {code}; print(' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True)
    return {name.split(".")[0] for name in out.stdout.split()}


def test_import_ovptools_loads_neither_nbgrader_nor_jupyterlab():
    loaded = _loaded_after("import ovptools; [getattr(ovptools, n) for n in ovptools.__all__]; "
                           "import ovptools.experiments.part1, ovptools.experiments.part2, ovptools.experiments.part3")
    assert not loaded & {"nbgrader", "jupyterlab", "jupyter_server", "notebook"}


def test_numpy_only_parts_do_not_load_torch():
    loaded = _loaded_after("import ovptools.train, ovptools.objectives, ovptools.data, ovptools.experiments.part1, "
                           "ovptools.course.grading")
    assert "torch" not in loaded


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_modules_are_short_and_import_no_private_names(path):
    text = path.read_text()
    assert len(text.splitlines()) <= 300, f"{path.name} has {len(text.splitlines())} lines; split it"
    private = re.findall(r"from \.+[\w.]* import .*\b(_[a-z]\w*)", text)
    assert not private, f"{path.name} imports private names of another module: {private}"
