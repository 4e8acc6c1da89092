"""The package's layout keeps its promises: the science never loads the course tooling, the
numpy-only parts never load torch, no module reaches into another's private names, every
module stays short enough to read, and the tests mirror the modules.

Where the test of a function is (checked by ``test_every_science_module_has_its_test_file`` and
``test_every_test_file_mirrors_a_module_or_is_a_course_feature``):

- the tests of ``ovptools/<name>.py``, of ``ovptools/experiments/<name>.py`` and of the packages
  ``ovptools/<name>/`` and ``ovptools/experiments/<name>/`` are in ``tests/test_<name>.py``; a long one is
  split by topic as ``tests/test_<name>_<topic>.py`` (``test_part3_pl.py``, ``test_train_progress.py``).
  A package shares one file: ``ovptools/train/engine.py`` is tested in ``tests/test_train.py``,
  ``ovptools/experiments/part4/svm.py`` in ``tests/test_part4.py``;
- the shared helpers ``ovptools/_validate.py``, ``ovptools/_device.py`` and
  ``ovptools/experiments/common.py``, and every check on bad input, are tested in ``tests/test_validation.py``;
- the course tooling (``ovptools/course/``, the hub, the site, the notebooks) is tested by feature, in the
  files listed in ``COURSE_FEATURE_TESTS`` below, and the rules that hold across the whole package
  (this file, the signatures, the setup) in ``PACKAGE_WIDE_TESTS``.

A test file of a module names it: it imports the module (or its package), or reaches it or one of its public
names through ``ovptools`` (``ov.objectives.sigmoid``, ``ov.train_deep``).
"""

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


TESTS = Path(__file__).resolve().parent
HELPER_TESTS = {"_validate.py": "validation", "_device.py": "validation", "experiments/common.py": "validation"}
COURSE_FEATURE_TESTS = {
    "test_autograder_strength.py", "test_bad_submissions.py", "test_browser.py", "test_collect.py",
    "test_committed_notebooks.py", "test_course_tooling.py", "test_feedback_and_grades.py", "test_grading.py",
    "test_grading_inputs.py", "test_hub.py", "test_hub_kubernetes.py", "test_hub_security.py",
    "test_instructor.py", "test_nbgrader_pipeline.py", "test_notebooks.py", "test_quoted_numbers.py",
    "test_sandbox.py", "test_site.py", "test_student_lab.py",
}
PACKAGE_WIDE_TESTS = {"test_layout.py", "test_signatures.py", "test_setup.py"}
SCIENCE = sorted(p for p in MODULES if p.parts[len(PACKAGE.parts)] != "course"
                 and p.relative_to(PACKAGE).as_posix() not in {"__init__.py", "experiments/__init__.py"})
TEST_FILES = sorted(p.name for p in TESTS.glob("test_*.py"))


def _unit(rel: str) -> str:
    """The ``<name>`` of ``tests/test_<name>.py`` that tests the module at ``rel`` (a path under ovptools/)."""
    if rel in HELPER_TESTS:
        return HELPER_TESTS[rel]
    parts = rel.split("/")
    if parts[0] == "experiments":
        parts = parts[1:]
    return parts[0].removesuffix(".py")


def _owner(filename: str, units) -> str | None:
    """The unit whose file ``filename`` is: ``test_<unit>.py`` or a topic split ``test_<unit>_<topic>.py``,
    the longest such unit when several fit (``test_kernel_regime.py`` is kernel_regime's, not kernel's)."""
    fits = [u for u in units if filename == f"test_{u}.py" or (filename.startswith(f"test_{u}_")
                                                               and filename.endswith(".py"))]
    return max(fits, key=len, default=None)


def _named(source: str) -> set[str]:
    """The dotted names under ``ovptools`` that ``source`` imports or reaches by attribute
    (``import ovptools as ov; ov.objectives.sigmoid(…)`` names ``ovptools.objectives`` and
    ``ovptools.objectives.sigmoid``)."""
    alias, found = {}, set()
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                found.add(a.name)
                alias[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            for a in node.names:
                found.add(f"{node.module}.{a.name}")
                alias[a.asname or a.name] = f"{node.module}.{a.name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            chain = []
            while isinstance(node, ast.Attribute):
                chain.append(node.attr)
                node = node.value
            if isinstance(node, ast.Name) and node.id in alias:
                dotted = [alias[node.id], *reversed(chain)]
                found |= {".".join(dotted[:k]) for k in range(1, len(dotted) + 1)}
    return {name for name in found if name.split(".")[0] == "ovptools"}


def _public_names(path: Path) -> set[str]:
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return {n for n in names if not n.startswith("_")}


def _names_the_module(path: Path, named: set[str]) -> bool:
    rel = path.relative_to(PACKAGE).with_suffix("")
    dotted = ".".join(("ovptools", *rel.parts)).removesuffix(".__init__")
    parts = dotted.split(".")
    package = ".".join(parts[:3] if parts[1] == "experiments" else parts[:2])
    reexported = {f"ovptools.{n}" for n in _public_names(path)}
    return bool({dotted, package} & named or reexported & named
                or any(n.startswith(dotted + ".") for n in named))


def test_the_test_layout_rule_maps_modules_and_reads_every_way_of_naming_them():
    assert _unit("objectives.py") == "objectives" and _unit("experiments/fine_grained.py") == "fine_grained"
    assert _unit("experiments/part3/lazy.py") == "part3" and _unit("train/engine.py") == "train"
    assert _unit("_device.py") == _unit("experiments/common.py") == "validation"
    units = {"part3", "kernels", "kernel", "kernel_regime"}
    assert _owner("test_part3.py", units) == _owner("test_part3_pl.py", units) == "part3"
    assert _owner("test_kernels.py", units) == "kernels" and _owner("test_kernel_regime.py", units) == "kernel_regime"
    assert _owner("test_kernel_x.py", units) == "kernel" and _owner("test_part30.py", units) is None
    assert "ovptools.objectives" in _named("import ovptools as ov\nov.objectives.sigmoid(1)\n")
    assert "ovptools.experiments.part4" in _named("import ovptools.experiments.part4 as ex\n")
    assert "ovptools.ensembles" in _named("from ovptools import ensembles as en\nen.Ensemble\n")
    assert "ovptools.train_deep" in _named("import ovptools as ov\nov.train_deep()\n")
    assert _named("import numpy as np\nnp.linalg.norm(1)\n# ovptools.objectives\n") == set()
    objectives = PACKAGE / "objectives.py"
    assert _names_the_module(objectives, _named("import ovptools as ov\nov.logistic_loss(1)\n"))
    assert not _names_the_module(objectives, _named("import ovptools as ov\nov.train_deep(1)\n"))


@pytest.mark.parametrize("path", SCIENCE, ids=[str(p.relative_to(PACKAGE)) for p in SCIENCE])
def test_every_science_module_has_its_test_file(path):
    rel = path.relative_to(PACKAGE).as_posix()
    unit = _unit(rel)
    units = {_unit(p.relative_to(PACKAGE).as_posix()) for p in SCIENCE}
    files = [name for name in TEST_FILES if _owner(name, units) == unit]
    assert f"test_{unit}.py" in files, f"ovptools/{rel} is tested in tests/test_{unit}.py, which does not exist"
    named = set().union(*(_named((TESTS / f).read_text()) for f in files))
    assert _names_the_module(path, named), f"none of {files} imports or names ovptools/{rel}"


def test_every_test_file_mirrors_a_module_or_is_a_course_feature():
    units = {_unit(p.relative_to(PACKAGE).as_posix()) for p in SCIENCE}
    stray = [name for name in TEST_FILES
             if _owner(name, units) is None and name not in COURSE_FEATURE_TESTS | PACKAGE_WIDE_TESTS]
    assert not stray, (f"{stray} mirror no module of ovptools: name them test_<module>.py (see this file's "
                       "docstring), or list a course feature's file in COURSE_FEATURE_TESTS")
