"""nbgrader configuration for the course root (this folder).

nbgrader reads this file only from the current directory: use `ovp-instructor`, which changes
into this folder itself, or run nbgrader from here.
"""

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.converters import Autograde
from nbgrader.preprocessors import (
    CheckCellMetadata,
    ClearHiddenTests,
    ClearOutput,
    DeduplicateIds,
    GetGrades,
    OverwriteCells,
    OverwriteKernelspec,
)

from ovptools.course.nbgrader_plugins import RestoreCellMetadata, StripTestTracebacks, sandboxed

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "ovp-course"
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"

# The stub students see in place of each solution region.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Autograding: a per-cell time limit, so a student's infinite loop cannot stall the batch
# (every cell of the assignments runs in under two seconds here). Each notebook's kernel runs in the
# grading sandbox (ovptools/course/sandbox.py: no network, no view of this folder, memory and process
# limits); `ovp-instructor autograde` sets its limits, or refuses to grade where it cannot run.
c.Execute.timeout = 15
c.Execute.interrupt_on_timeout = True
# A test cell the student deleted is put back, so its points still count; cells that lost their
# nbgrader metadata get it back from the release first.
c.OverwriteCells.add_missing_cells = True
c.Autograde.sanitize_preprocessors = [
    ClearOutput,
    DeduplicateIds,
    OverwriteKernelspec,
    RestoreCellMetadata,
    OverwriteCells,
    CheckCellMetadata,
]
c.Autograde.autograde_preprocessors = sandboxed(Autograde.autograde_preprocessors.default())

# Feedback shows the student's code and the visible tests, never the hidden ones: their source is
# cleared, and test-cell tracebacks (which quote the failing hidden line) shrink to their message.
c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, StripTestTracebacks, CSSHTMLHeaderPreprocessor]
