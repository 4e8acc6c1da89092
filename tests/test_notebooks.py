"""Every lecture notebook runs top to bottom from a fresh kernel, and is committed executed."""

from __future__ import annotations

import json
import time

import pytest

from ovptools.course import instructor

LECTURES = instructor.lecture_notebooks()


@pytest.mark.parametrize("path", LECTURES, ids=[p.stem for p in LECTURES])
def test_lecture_runs_top_to_bottom(path):
    start = time.perf_counter()
    nb = instructor.execute_notebook(path, timeout=180, write=False)
    elapsed = time.perf_counter() - start
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    assert elapsed < 90, f"{path.name} took {elapsed:.0f} s on this machine; lectures must run in under 90 s"


@pytest.mark.parametrize("path", LECTURES, ids=[p.stem for p in LECTURES])
def test_lecture_is_committed_executed_without_errors(path):
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    assert code and all(c.get("execution_count") for c in code), f"run `make lectures` to execute {path.name}"
    assert not [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "error"]
