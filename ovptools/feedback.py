"""An nbgrader preprocessor for the feedback students get back.

nbgrader's ``ClearHiddenTests`` removes hidden tests from a test cell's *source*, but the cell's
*error output* still holds IPython's traceback, which quotes the failing line and its neighbours:
the hidden test's call, its inputs and expected values. :class:`StripTestTracebacks` replaces
the traceback of every test cell by the exception's one-line message, which the tests write to
say what is wrong without giving the answer.
"""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade, is_solution


class StripTestTracebacks(NbGraderPreprocessor):
    """Keep only ``ExceptionName: message`` in the error outputs of autograded test cells."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and is_grade(cell) and not is_solution(cell):
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    out["traceback"] = [f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"]
        return cell, resources
