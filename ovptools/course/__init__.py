"""The course's tooling, apart from the science: the instructor's commands (``ovp-instructor``),
the students' check (``ovp-check``), the tolerant comparisons the assignments' tests use, and the
nbgrader preprocessors of ``solutions/nbgrader_config.py``.

Nothing here imports torch at import time, and nothing in the science imports this package, so
``import ovptools`` never loads nbgrader or JupyterLab.
"""
