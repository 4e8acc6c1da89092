"""Every lecture notebook runs top to bottom from a fresh kernel, and is committed executed.

How long each lecture takes is measured by ``ovp-instructor lectures`` (it prints the times), not
asserted here: tests check correctness, and they run in parallel with each other."""

from __future__ import annotations

import json

import pytest

from ovptools.course import instructor

LECTURES = instructor.lecture_notebooks()


@pytest.mark.parametrize("path", LECTURES, ids=[p.stem for p in LECTURES])
def test_lecture_runs_top_to_bottom(path):
    nb = instructor.execute_notebook(path, timeout=600, write=False)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors


@pytest.mark.parametrize("path", LECTURES, ids=[p.stem for p in LECTURES])
def test_lecture_is_committed_executed_without_errors(path):
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    assert code and all(c.get("execution_count") for c in code), f"run `make lectures` to execute {path.name}"
    assert not [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "error"]
