"""Shared fixtures and markers.

Every numeric test runs on the CPU, and on CUDA when a GPU is present (those cases are marked
``gpu``). Whole files, or the tests that use one fixture, are marked by what they need: ``nbgrader``
(a real nbgrader pipeline), ``browser`` (JupyterLab in Chromium); those, the lecture runs and the few
science tests that take seconds each are also ``slow``. ``pytest -m "not slow"`` is the inner loop
(under a minute on 2 cores).

Under ``pytest -n N --dist loadgroup --no-loadscope-reorder`` (``make test``) the tests of one file go
to one worker, so that a module-scoped fixture is built once, except in the files whose expensive
fixture is built per parameter (an assignment's graded batch, a lecture's run): there each parameter
is a group of its own. The groups that take longest are sent first, so that none starts last.
"""

from __future__ import annotations

import pytest
import torch

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
DTYPES = [torch.float32, torch.float64]

_FILE_MARKS = {
    "test_nbgrader_pipeline.py": ("nbgrader", "slow"),
    "test_bad_submissions.py": ("nbgrader", "slow"),
    "test_autograder_strength.py": ("nbgrader", "slow"),
    "test_instructor.py": ("nbgrader", "slow"),
    "test_course_tooling.py": ("nbgrader", "slow"),
    "test_browser.py": ("browser", "slow"),
    "test_notebooks.py": ("slow",),
}


_FIXTURE_MARKS = {
    "hostile_batch": ("nbgrader", "slow"),  # test_sandbox.py: a batch graded by nbgrader in the sandbox
}

_BY_PARAMETER = {
    "test_autograder_strength.py": "test_autograder_strength.py",
    "test_bad_submissions.py": "graded-class",  # the two files share one graded class per assignment
    "test_nbgrader_pipeline.py": "graded-class",
    "test_notebooks.py": "test_notebooks.py",
}
"""Files whose tests share an expensive fixture per parameter: one group per parameter (and file, or
name of what the files share)."""

_FIRST = ("test_bad_submissions.py", "test_nbgrader_pipeline.py", "test_notebooks.py", "test_site.py",
          "test_autograder_strength.py", "test_instructor.py", "test_sandbox.py", "test_feedback_and_grades.py",
          "test_course_tooling.py")
"""Files in the order their groups start, longest groups first (an assignment's graded class takes
about 2 minutes of a loaded 2-core machine, a lecture up to 70 s, the site 2.5 minutes in one group);
the other files follow in collection order."""


def _group(item: pytest.Item) -> str:
    callspec = getattr(item, "callspec", None)
    if item.path.name in _BY_PARAMETER and callspec is not None:
        return f"{_BY_PARAMETER[item.path.name]}[{callspec.id}]"
    return item.path.name


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which reads the groups into the test ids
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        for mark in _FILE_MARKS.get(item.path.name, ()):
            item.add_marker(mark)
        for fixture, marks in _FIXTURE_MARKS.items():
            if fixture in getattr(item, "fixturenames", ()):
                for mark in marks:
                    item.add_marker(mark)
        callspec = getattr(item, "callspec", None)
        if callspec is not None and any(isinstance(p, str) and p == "cuda" for p in callspec.params.values()):
            item.add_marker("gpu")
    if config.pluginmanager.hasplugin("xdist"):
        for item in items:
            item.add_marker(pytest.mark.xdist_group(_group(item)))
    rank = {name: k for k, name in enumerate(_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


@pytest.fixture(params=DEVICES)
def device(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(params=DTYPES, ids=["float32", "float64"])
def dtype(request: pytest.FixtureRequest) -> torch.dtype:
    return request.param


def tol(dtype: torch.dtype) -> float:
    """Relative tolerance for comparing two computations of the same quantity."""
    return 1e-4 if dtype == torch.float32 else 1e-10
