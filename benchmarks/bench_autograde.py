"""Autograding throughput: submissions per minute of `ovp-instructor autograde ps1_pl --jobs N` for
N = 1, 2, 4, with each kernel in the grading sandbox and without it (`--unsafe-no-sandbox`), on one
batch of ps1_pl (the solution notebook, some wrong answers, some unchanged releases), each run
grading the same batch into its own copy of the course root (SQLite gradebook, the course's own
limits: 15 s per cell, the default memory limit).

Goal: at least 30 submissions per minute at N = 2 on 2 cores, with the sandbox. Prints each rate and
its ratio to the first run measured in the same process (the machine's other load changes the rates,
less the ratios), the sandbox's cost at each N, and checks that every run gives every student the
same score.
Run: .venv/bin/python benchmarks/bench_autograde.py [--students 40] [--jobs 1 2 4] [--sandbox on off]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from nbgrader_helpers import scratch_course, submit  # noqa: E402

from ovptools.course import instructor  # noqa: E402

ASSIGNMENT = "ps1_pl"


def wrong_answer(notebook: dict, function: str = "gradient_descent") -> dict:
    """The notebook with ``function`` redefined to take half the step asked for (a wrong answer
    that runs, so only that function's tests fail)."""
    nb = json.loads(json.dumps(notebook))
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        if cell["cell_type"] == "code" and f"def {function}(" in src:
            cell["source"] = src + (f"\n\n_right = {function}\n\ndef {function}(grad, w0, step, iters):\n"
                                    "    return _right(grad, w0, 0.5 * step, iters)\n")
            return nb
    raise ValueError(f"function: no cell defines {function!r}")


def build(tmp: Path, students: int) -> tuple[Path, dict[str, str]]:
    """A course root with ``students`` submissions of ps1_pl: 3 in 5 the solution, 1 in 5 a wrong
    answer, 1 in 5 the unchanged release. Returns the root and {student: kind}."""
    root = scratch_course(tmp, only=(ASSIGNMENT,))
    instructor.nbgrader("generate_assignment", ASSIGNMENT, "--force", root=root)
    source = root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    release = root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    wrong = tmp / "wrong.ipynb"
    wrong.write_text(json.dumps(wrong_answer(json.loads(source.read_text()))))
    kinds = {}
    for i in range(students):
        kind = ("solution", "wrong", "solution", "unchanged", "solution")[i % 5]
        student = f"student{i:03d}"
        submit(root, student, ASSIGNMENT, {"solution": source, "wrong": wrong, "unchanged": release}[kind])
        kinds[student] = kind
    return root, kinds


def _children_cpu() -> float:
    """CPU seconds (user + system) used so far by finished child processes (nbgrader and its kernels)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--sandbox", nargs="+", choices=["on", "off"], default=["on", "off"],
                        help="grade with the sandbox (on), without it (off), or both, alternating per --jobs")
    args = parser.parse_args()
    runs = [(jobs, mode == "on") for jobs in args.jobs for mode in args.sandbox]
    tmp = Path(tempfile.mkdtemp(prefix="bench-autograde-"))
    try:
        base, kinds = build(tmp, args.students)
        print(f"{args.students} submissions of {ASSIGNMENT} ({sum(k == 'solution' for k in kinds.values())} solutions, "
              f"{sum(k == 'wrong' for k in kinds.values())} wrong, {sum(k == 'unchanged' for k in kinds.values())} "
              f"unchanged); {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start")
        rates, scores = {}, {}
        first = runs[0]
        for jobs, boxed in runs:
            run = (jobs, boxed)
            root = tmp / f"jobs-{jobs}-{'sandbox' if boxed else 'unsafe'}"
            shutil.copytree(base, root)
            start, cpu0 = time.perf_counter(), _children_cpu()
            retried: list[str] = []
            result = instructor.autograde(ASSIGNMENT, root=root, jobs=jobs, log=retried.append, sandbox=boxed)
            seconds, cpu = time.perf_counter() - start, (_children_cpu() - cpu0) / len(result)
            rates[run] = 60 * len(result) / seconds
            scores[run] = {g.student: (g.score, g.status) for g in result}
            label = f"--jobs {jobs} {'sandbox' if boxed else 'no sandbox'}"
            print(f"{label:22s}: {len(result)} submissions in {seconds:6.1f} s = {rates[run]:5.1f} per minute"
                  + (f", {rates[run] / rates[first]:.2f}× the first run" if run != first else "")
                  + (f"; {cpu:.2f} CPU s per submission, so at most {60 * min(jobs, 2) / cpu:.0f} per minute on "
                     f"{min(jobs, 2)} idle core(s)" if not boxed else "")  # a sandboxed kernel's CPU time does not
                  + f" (load average {os.getloadavg()[0]:.1f}); "  # all reach this process (they end by signal)
                  f"{'; '.join(retried) or 'no SQLite write refused'}", flush=True)
        for jobs in args.jobs:
            if (jobs, True) in rates and (jobs, False) in rates:
                print(f"--jobs {jobs}: the sandbox costs {100 * (1 - rates[jobs, True] / rates[jobs, False]):+.0f}% "
                      "of the rate without it")
        by_kind = {kind: sorted({scores[first][s][0] for s in kinds if kinds[s] == kind})
                   for kind in ("solution", "wrong", "unchanged")}
        print(f"scores by kind: {by_kind}")
        same = all(scores[r] == scores[first] for r in runs)
        print("every run gives every student the same score:", same)
        expected = {"solution": 14.0, "wrong": 12.0, "unchanged": 0.0}
        for run in runs:  # a solution below full marks: a cell over the time limit on a loaded machine
            off = {s: scores[run][s] for s in kinds if scores[run][s][0] != expected[kinds[s]]}
            if off:
                print(f"--jobs {run[0]} sandbox {run[1]}: {len(off)} not scored as expected: "
                      + ", ".join(f"{s} ({kinds[s]}: {v[0]:g}, {v[1]})" for s, v in sorted(off.items())))
        if (2, True) in rates:
            rate = rates[2, True]
            print(f"goal: ≥ 30 per minute at --jobs 2 with the sandbox: {'met' if rate >= 30 else 'NOT met'} "
                  f"({rate:.1f})")
        if not same:
            raise SystemExit(1)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
