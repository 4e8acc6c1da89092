"""nbgrader preprocessors the course adds to the pipeline (see ``solutions/nbgrader_config.py``).

- :class:`RestoreCellMetadata` (autograding): a submission whose cells lost their nbgrader
  metadata (copied into a fresh notebook, or edited outside Jupyter) gets it back from the
  release notebook, matched by cell id. Without it nbgrader 0.9.6 fails on such a notebook
  (``KeyError`` while re-adding the test cells) and the student gets no grade at all.
- :class:`StripTestTracebacks` (feedback): nbgrader's ``ClearHiddenTests`` removes hidden tests
  from a test cell's *source*, but the cell's *error output* still holds IPython's traceback,
  which quotes the failing line and its neighbours — the hidden test's call, inputs and expected
  values. This keeps only the exception's one-line message, which the tests write to say what is
  wrong without giving the answer.
- :class:`SandboxedExecute` (autograding, ``ovp-check``): runs each notebook's kernel in the
  grading sandbox (:mod:`ovptools.course.sandbox`).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from nbgrader.utils import is_grade, is_solution


class RestoreCellMetadata(NbGraderPreprocessor):
    """Give back nbgrader metadata to cells that lost it, from the release notebook (by cell id)."""

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        release = Path.cwd() / "release" / str(info.get("assignment")) / f"{info.get('notebook')}.ipynb"
        if not release.is_file():
            return nb, resources
        by_id = {
            c.get("id"): c["metadata"]["nbgrader"]
            for c in json.loads(release.read_text()).get("cells", [])
            if "nbgrader" in c.get("metadata", {})
        }
        restored = 0
        for cell in nb.cells:
            if "nbgrader" not in cell.metadata and cell.get("id") in by_id:
                cell.metadata["nbgrader"] = copy.deepcopy(by_id[cell.get("id")])
                restored += 1
        if restored:
            self.log.warning("Restored nbgrader metadata of %d cell(s) from the release notebook", restored)
        return nb, resources


class StripTestTracebacks(NbGraderPreprocessor):
    """Keep only ``ExceptionName: message`` in the error outputs of autograded test cells."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and is_grade(cell) and not is_solution(cell):
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    out["traceback"] = [f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"]
        return cell, resources


class SandboxedExecute(Execute):
    """nbgrader's ``Execute`` with each notebook's kernel in the grading sandbox
    (:class:`ovptools.course.sandbox_kernel.SandboxedKernelManager`; its ``enabled``, ``memory_limit``
    and ``max_processes`` are set from ``ovp-instructor autograde``'s options)."""

    def __init__(self, *args, **kwargs):
        from .sandbox_kernel import SandboxedKernelManager

        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(*args, **kwargs)


def sandboxed(preprocessors: list) -> list:
    """``preprocessors`` with nbgrader's ``Execute`` replaced by :class:`SandboxedExecute`."""
    return [SandboxedExecute if p is Execute else p for p in preprocessors]
