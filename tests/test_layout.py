"""The package's layout keeps its promises: the science never loads the course tooling, the
numpy-only parts never load torch, no module reaches into another's private names, and every
module stays short enough to read."""

from __future__ import annotations

import ast
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


def _private_imports(source: str) -> list[str]:
    """The private names (``_x``, not dunders) that ``source`` imports from a module of the package,
    in any import form: relative or absolute, on one line or wrapped over several."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").split(".")[0] == "ovptools"):
            found += [a.name for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
    return found


def test_the_private_import_rule_reads_every_import_form():
    # regression: a regex over single lines missed imports wrapped in parentheses
    wrapped = "from .._validate import (\n    as_tensor,\n    _all_finite,\n)\n"
    assert _private_imports(wrapped) == ["_all_finite"]
    assert _private_imports("from ovptools.kernels import _symmetric as sym\n") == ["_symmetric"]
    assert _private_imports("def f():\n    from . import _device, kernels\n") == ["_device"]
    assert _private_imports("from .._validate import as_tensor\nfrom numpy import _pytesttester\n") == []
    assert _private_imports("from __future__ import annotations\nfrom .x import __all__\n") == []


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_modules_are_short_and_import_no_private_names(path):
    text = path.read_text()
    assert len(text.splitlines()) <= 300, f"{path.name} has {len(text.splitlines())} lines; split it"
    private = _private_imports(text)
    assert not private, f"{path.name} imports private names of another module: {private}"


def test_public_names_and_version_have_one_source():
    import importlib.metadata

    import ovptools

    from_block = set()  # the names the TYPE_CHECKING block imports, read independently of ovptools' reader
    for node in ast.walk(ast.parse((PACKAGE / "__init__.py").read_text())):
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            from_block |= {a.name for n in node.body if isinstance(n, ast.ImportFrom) for a in n.names}
    assert sorted(from_block) == ovptools.__all__ and len(from_block) >= 40
    assert all(getattr(ovptools, name) is not None for name in ovptools.__all__)
    assert ovptools.__version__ == importlib.metadata.version("ovptools")
