"""Redraw time of every lecture widget at its default sizes, on this machine's CPU (or GPU).

Goal: median redraw ≤ 250 ms on 2 CPU cores. Each slider is moved to a few values; a widget
computes, updates its figure in place and renders it to PNG for its Image widget inside the slider
move, so the time of ``slider.value = v`` covers the whole redraw (only sending the PNG to the
browser is left out). Baseline in the same run (the floor of any redraw): one PNG render, the
widgets' own, of an empty two-panel figure of the same size.
Run: .venv/bin/python benchmarks/bench_widgets.py
"""

from __future__ import annotations

import time

import numpy as np

from ovptools import widgets
from ovptools.widgets import canvas


def sliders(box):
    stack, found = [box], []
    while stack:
        w = stack.pop()
        if type(w).__name__ in ("IntSlider", "FloatSlider", "SelectionSlider", "Dropdown"):
            found.append(w)
        stack.extend(getattr(w, "children", ()))
    return found


def time_moves(box, moves) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of each slider move (on a busy machine the CPU time is about what an
    idle core would take)."""
    by_name = {s.description: s for s in sliders(box)}
    wall, cpu = [], []
    for name, value in moves:
        start, start_cpu = time.perf_counter(), time.process_time()
        by_name[name].value = value
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return wall, cpu


def floor_seconds(repeats: int = 5) -> float:
    """Median time of one PNG render of an empty figure of the widgets' size (the first, warm-up, not counted)."""
    fig, _ = canvas.figure()
    canvas.png(fig)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        canvas.png(fig)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def _direction_demo():
    """Lecture 10's widget on its data (the GD run, computed here, is not part of a redraw)."""
    from ovptools.experiments import part4

    X, y = part4.soudry_data("asymmetric", n_extra=20, seed=0)
    run = part4.soudry_experiment(X, y, steps=500_000)
    return widgets.direction_demo(X, y, run.t, run.w, run.w_hat)


def main() -> None:
    goal = 0.250
    floor = floor_seconds()
    cases = {
        "sgd_floor_demo (lecture 1)": (widgets.sgd_floor_demo, [("step η", 0.1), ("batch B", 8), ("labels", True),
                                                                 ("step η", 1.0), ("batch B", 1), ("labels", False)]),
        "pl_demo (lecture 2)": (widgets.pl_demo, [("step × β", 0.5), ("step × β", 2.0), ("x₀", -12.0), ("x₀", 3.0)]),
        "two_layer_demo (lecture 4)": (
            widgets.two_layer_demo,
            [("width m", 200), ("width m", 4000), ("width m", 1000), ("η·λ_max(H∞)", 0.5), ("samples n", 200),
             ("samples n", 100)],
        ),
        "label_noise_demo (lecture 5)": (
            widgets.label_noise_demo,
            [("randomized fraction p", 0.25), ("randomized fraction p", 1.0), ("randomized fraction p", 0.5),
             ("randomized fraction p", 0.1), ("randomized fraction p", 0.75)],
        ),
        "deep_demo (lecture 7)": (
            widgets.deep_demo,
            [("width m", 32), ("width m", 1024), ("width m", 128), ("depth H", 6), ("depth H", 1), ("step × η₀", 2.0),
             ("width m", 512), ("depth H", 3)],
        ),
        "kernel_regime_demo (lecture 6, the kernel regime)": (
            widgets.kernel_regime_demo,
            [("width m", 16), ("width m", 1024), ("GD step k", 0), ("GD step k", 100), ("width m", 64),
             ("GD step k", 30)],
        ),
        "scale_demo (lecture 9)": (widgets.scale_demo, [("output scale α", 1.0), ("output scale α", 4.0),
                                                         ("output scale α", 14.1), ("output scale α", 2.0)]),
        "direction_demo (lecture 10)": (_direction_demo, [("log₁₀ t", 2.0), ("log₁₀ t", 3.5), ("log₁₀ t", 5.0),
                                                         ("log₁₀ t", 5.7)]),
    }
    print(f"empty-figure PNG render (floor): {floor * 1e3:.0f} ms")
    for name, (make, moves) in cases.items():
        start = time.perf_counter()
        box = make()
        first = time.perf_counter() - start
        times, cpu = time_moves(box, moves)
        median = float(np.median(times))
        print(f"{name}: first draw {first * 1e3:.0f} ms; redraws median {median * 1e3:.0f} ms "
              f"(CPU {float(np.median(cpu)) * 1e3:.0f} ms), "
              f"max {max(times) * 1e3:.0f} ms; median/floor {median / floor:.1f}x; "
              f"goal median ≤ {goal * 1e3:.0f} ms: {'met' if median <= goal else 'NOT met'}")
        for (slider, value), t in zip(moves, times):
            print(f"    {slider} = {value}: {t * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
