"""Shared fixtures and markers.

Every numeric test runs on the CPU, and on CUDA when a GPU is present (those cases are marked
``gpu``). Whole files are marked by what they need: ``nbgrader`` (a real nbgrader pipeline),
``browser`` (JupyterLab in Chromium); those and the lecture runs are also ``slow``.
``pytest -m "not slow"`` is the inner loop.
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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        for mark in _FILE_MARKS.get(item.path.name, ()):
            item.add_marker(mark)
        callspec = getattr(item, "callspec", None)
        if callspec is not None and any(isinstance(p, str) and p == "cuda" for p in callspec.params.values()):
            item.add_marker("gpu")


@pytest.fixture(params=DEVICES)
def device(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(params=DTYPES, ids=["float32", "float64"])
def dtype(request: pytest.FixtureRequest) -> torch.dtype:
    return request.param


def tol(dtype: torch.dtype) -> float:
    """Relative tolerance for comparing two computations of the same quantity."""
    return 1e-4 if dtype == torch.float32 else 1e-10
