"""The whole instructor pipeline on the test batch of tests/test_bad_submissions.py (14 kinds of
submission per assignment, hostile ones included), for every assignment, with the course's own
nbgrader_config.py (15 s per cell): generate → collect → autograde → feedback → CSV.

Goal: under 3 minutes in all. Also prints the fixed start-up cost of one nbgrader command and of
one kernel, measured in the same run, to show where the time goes.
Run: .venv/bin/python benchmarks/bench_pipeline.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from nbgrader_helpers import scratch_course  # noqa: E402
from test_bad_submissions import MEMORY, build_batch  # noqa: E402

from ovptools.course import instructor  # noqa: E402


def timed(label: str, totals: dict, fn, *args, **kwargs) -> object:
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    totals[label] = totals.get(label, 0.0) + time.perf_counter() - start
    return out


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    root = scratch_course(tmp)
    totals: dict[str, float] = {}
    start = time.perf_counter()
    students = 0
    for name in instructor.assignments(root):
        timed("generate", totals, instructor.nbgrader, "generate_assignment", name, "--force", root=root)
        source = json.loads((root / "source" / name / f"{name}.ipynb").read_text())
        release = json.loads((root / "release" / name / f"{name}.ipynb").read_text())
        batch, _ = build_batch(name, source, release)
        inbox = tmp / f"inbox-{name}"
        for student, content in batch.items():
            (inbox / student).mkdir(parents=True)
            if content is not None:
                text = content if isinstance(content, str) else json.dumps(content)
                (inbox / student / "submission.ipynb").write_text(text)
        timed("collect", totals, instructor.collect, name, inbox, root=root)
        timed("autograde", totals, instructor.autograde, name, root=root, memory_limit=MEMORY)
        timed("feedback", totals, instructor.feedback, name, root=root)
        students += len(batch)
    timed("export", totals, instructor.export_grades, tmp / "grades.csv", root=root)
    total = time.perf_counter() - start
    t0 = time.perf_counter()
    instructor.nbgrader("--version", root=root)
    nbgrader_start = time.perf_counter() - t0
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ipykernel_launcher", "--help"], capture_output=True)
    py_start = time.perf_counter() - t0
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import numpy, ovptools.course.grading"], capture_output=True)
    grading_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch"], capture_output=True)
    torch_import = time.perf_counter() - t0
    n_assign = len(instructor.assignments(root))
    print(f"pipeline on {n_assign} assignments, {students} submissions:")
    for label, secs in totals.items():
        print(f"  {label:10s} {secs:7.1f} s")
    print(f"  total      {total:7.1f} s   (goal < 180 s: {'met' if total < 180 else 'NOT met'})")
    print(f"  per submission {totals['autograde'] / students:.2f} s of autograding")
    print(f"fixed costs: one nbgrader command {nbgrader_start:.2f} s; a Python start with ipykernel {py_start:.2f} s;")
    print(f"  import numpy + ovptools.course.grading {grading_import:.2f} s; import torch {torch_import:.2f} s")


if __name__ == "__main__":
    main()
