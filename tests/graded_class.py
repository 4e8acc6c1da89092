"""The class that test_bad_submissions.py and test_nbgrader_pipeline.py grade for each assignment:
one batch of realistic and hostile submissions (the solution and the unchanged release among them),
collected, autograded by the real pipeline in the grading sandbox, and given feedback, once per
assignment and process (:func:`graded_class`)."""

from __future__ import annotations

import copy
import importlib
import json
import re

from nbgrader_helpers import built_once, scratch_course

from ovptools.course import instructor

TIMEOUT = 20  # per-cell seconds for this batch: room for a loaded CI machine (nbgrader_config.py uses 15)
MEMORY = 3 * 2**30  # address-space limit for this batch


def _src(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _code(text: str) -> dict:
    return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": text}


def _defining_cell(nb: dict, func: str) -> dict:
    return next(c for c in nb["cells"] if re.search(rf"^def {func}\(", _src(c), flags=re.M))


def _test_cells(nb: dict, func: str) -> list[dict]:
    return [
        c for c in nb["cells"]
        if c["cell_type"] == "code" and c["metadata"].get("nbgrader", {}).get("grade") and f"{func}(" in _src(c)
    ]


def _points(cells: list[dict]) -> float:
    return float(sum(c["metadata"]["nbgrader"]["points"] for c in cells))


def _override(nb: dict, func: str, code: str) -> dict:
    nb = copy.deepcopy(nb)
    cell = _defining_cell(nb, func)
    cell["source"] = _src(cell) + "\n\n\n" + code
    return nb


def build_batch(name: str, source: dict, release: dict) -> tuple[dict[str, object], dict[str, float]]:
    """{student: notebook dict, or raw text for a broken file, or None for no notebook}, and the
    expected autograded score of each (None: reported as ungraded)."""
    mut = importlib.import_module(f"mutants.{name}")
    maximum = sum(
        c["metadata"]["nbgrader"].get("points", 0) for c in source["cells"]
        if c["metadata"].get("nbgrader", {}).get("grade") and c["cell_type"] == "code"
    )
    leaf_points = _points(_test_cells(source, mut.LEAF))
    leaf_wrong = next(iter(mut.MUTANTS[mut.LEAF].values()))
    batch, expected = {}, {}

    batch["correct"], expected["correct"] = source, maximum

    wrong = source
    for func, versions in mut.MUTANTS.items():
        wrong = _override(wrong, func, next(iter(versions.values())))
    batch["wrong"], expected["wrong"] = wrong, 0.0

    func, what = mut.HIDDEN_ONLY
    batch["hidden-only"] = _override(source, func, mut.MUTANTS[func][what])
    expected["hidden-only"] = maximum - _points(_test_cells(source, func))

    nb = copy.deepcopy(source)
    nb["cells"].insert(2, _code('raise RuntimeError("a stray error at top level")'))
    batch["raises-top-level"], expected["raises-top-level"] = nb, maximum

    batch["unchanged-release"], expected["unchanged-release"] = release, 0.0

    header = r"(def " + mut.LEAF + r"\(.*?\):\n)"
    loop = re.sub(header, r"\1    while True:\n        pass\n", _src(_defining_cell(source, mut.LEAF)))
    nb = copy.deepcopy(source)
    _defining_cell(nb, mut.LEAF)["source"] = loop
    batch["infinite-loop"], expected["infinite-loop"] = nb, maximum - leaf_points

    nb = _override(source, mut.LEAF, leaf_wrong)
    for cell in _test_cells(nb, mut.LEAF):
        cell["source"] = "assert True"
    batch["test-edited"], expected["test-edited"] = nb, maximum - leaf_points

    nb = _override(source, mut.LEAF, leaf_wrong)
    nb["cells"] = [c for c in nb["cells"] if c not in _test_cells(nb, mut.LEAF)]
    batch["test-deleted"], expected["test-deleted"] = nb, maximum - leaf_points

    nb = copy.deepcopy(source)
    for cell in nb["cells"]:
        cell["metadata"].pop("nbgrader", None)
    batch["metadata-stripped"], expected["metadata-stripped"] = nb, maximum

    nb = copy.deepcopy(source)
    nb["cells"].insert(3, {"cell_type": "markdown", "metadata": {}, "source": "My notes."})
    nb["cells"].insert(5, _code("scratch = 1 + 1\nprint(scratch)"))
    nb["cells"].append(_code("print('the end')"))
    batch["extra-cells"], expected["extra-cells"] = nb, maximum

    batch["invalid-json"], expected["invalid-json"] = '{"cells": [ this is not JSON', None

    nb = copy.deepcopy(source)
    nb["cells"].insert(2, _code("import os\nos._exit(1)"))
    batch["kernel-killed"], expected["kernel-killed"] = nb, None

    batch["no-notebook"], expected["no-notebook"] = None, None

    nb = copy.deepcopy(source)
    # asks for a million GiB, one GiB at a time (each touched): without a limit it would take the machine
    nb["cells"].insert(2, _code("hog = [bytearray(2**30) for _ in range(10**6)]"))
    batch["memory-hog"], expected["memory-hog"] = nb, maximum
    return batch, expected


def graded_class(name: str, tmp_path_factory):
    """(name, course root, {student: expected score}, {student: Grade}) of ``name``'s batch, graded
    once per process (both test files use it)."""
    return built_once("batch", name, lambda: _grade_batch(name, tmp_path_factory))


def _grade_batch(name, tmp_path_factory):
    root = scratch_course(tmp_path_factory.mktemp(f"batch-{name}"))
    instructor.nbgrader("generate_assignment", name, "--force", root=root)
    source = json.loads((root / "source" / name / f"{name}.ipynb").read_text())
    release = json.loads((root / "release" / name / f"{name}.ipynb").read_text())
    batch, expected = build_batch(name, source, release)
    inbox = tmp_path_factory.mktemp(f"inbox-{name}")
    for student, content in batch.items():
        folder = inbox / student
        folder.mkdir()
        if content is not None:
            text = content if isinstance(content, str) else json.dumps(content)
            (folder / "submission.ipynb").write_text(text)
    assert sorted(instructor.collect(name, inbox, root=root)) == sorted(batch)
    results = {g.student: g for g in instructor.autograde(name, root=root, memory_limit=MEMORY, timeout=TIMEOUT)}
    instructor.feedback(name, root=root)
    return name, root, expected, results
