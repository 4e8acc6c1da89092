"""Redraw time of every lecture widget at its default sizes, on this machine's CPU (or GPU).

Goal: ≤ 1 s per redraw on 2 CPU cores. Each slider is moved to a few values; the time covers the
computation and rendering the figure to PNG, as the notebook's inline backend does (``display`` is
replaced by a PNG render here, since there is no front end). Baseline in the same run: rendering an
empty figure of the same size (the floor of any redraw).
Run: .venv/bin/python benchmarks/bench_widgets.py
"""

from __future__ import annotations

import time

import matplotlib

matplotlib.use("Agg")

from io import BytesIO  # noqa: E402

import IPython.display  # noqa: E402
import numpy as np  # noqa: E402

from ovptools import widgets  # noqa: E402


def render(obj, **_):
    """What the inline backend does with a displayed figure: draw it to PNG."""
    if hasattr(obj, "savefig"):
        obj.savefig(BytesIO(), format="png", bbox_inches="tight")


IPython.display.display = render


def sliders(box):
    stack, found = [box], []
    while stack:
        w = stack.pop()
        if type(w).__name__ in ("IntSlider", "FloatSlider"):
            found.append(w)
        stack.extend(getattr(w, "children", ()))
    return found


def time_moves(box, moves) -> list[float]:
    by_name = {s.description: s for s in sliders(box)}
    out = []
    for name, value in moves:
        start = time.perf_counter()
        by_name[name].value = value
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    fig, _ = widgets._figure()
    start = time.perf_counter()
    for _ in range(5):
        render(fig)
    floor = (time.perf_counter() - start) / 5
    cases = {
        "pl_demo (lecture 2)": (widgets.pl_demo, [("step × β", 0.5), ("step × β", 2.0), ("x₀", -12.0), ("x₀", 3.0)]),
        "two_layer_demo (lecture 4)": (
            widgets.two_layer_demo,
            [("width m", 200), ("width m", 4000), ("width m", 1000), ("η·λ_max(H∞)", 0.5), ("samples n", 200),
             ("samples n", 100)],
        ),
    }
    print(f"empty-figure draw (floor): {floor * 1e3:.0f} ms")
    for name, (make, moves) in cases.items():
        start = time.perf_counter()
        box = make()
        first = time.perf_counter() - start
        times = time_moves(box, moves)
        print(f"{name}: first draw {first * 1e3:.0f} ms; redraws median {np.median(times) * 1e3:.0f} ms, "
              f"max {max(times) * 1e3:.0f} ms ({max(times) / floor:.1f}x the floor); goal ≤ 1000 ms: "
              f"{'met' if max(times) <= 1.0 else 'NOT met'}")
        for (slider, value), t in zip(moves, times):
            print(f"    {slider} = {value}: {t * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
