"""Live demos for lectures: each function returns one ipywidgets box; the notebook cell is one call.

Every redraw writes a status line that starts with "redrawn:" and names the slider values, so a
reader (or a browser test) can tell which values the figure shows.
"""

from __future__ import annotations

import time

import numpy as np

from .optim import NONCONVEX_PL, gd, pl_ratios
from .train import DivergenceError


def _figure(figsize=(9, 3.4)):
    import matplotlib.pyplot as plt

    with plt.ioff():
        fig, axes = plt.subplots(1, 2, figsize=figsize, layout="constrained")
    return fig, axes


def pl_demo(*, iters: int = 60):
    r"""GD on the non-convex PL function f(x) = x² + 3 sin²x (β = 8, μ = 1/32).

    Sliders: the step as a multiple of 1/β, and the start x₀. Left: f(x_k) − f* with the
    guarantee (1 − μ/β)^k (f(x₀) − f*), which holds for steps ≤ 1/β. Right: the PL ratio
    ½f'(x_k)²/(f(x_k) − f*) along the run, against μ = 1/32.
    """
    import ipywidgets as w
    from IPython.display import display

    f = NONCONVEX_PL
    step = w.FloatSlider(value=1.0, min=0.1, max=2.4, step=0.05, description="step × β", continuous_update=False)
    x0 = w.FloatSlider(value=7.0, min=-15.0, max=15.0, step=0.5, description="x₀", continuous_update=False)
    status = w.HTML()
    out = w.Output()
    fig, (ax1, ax2) = _figure()

    def redraw(*_):
        start = time.perf_counter()
        gamma = step.value / f.beta
        ax1.clear()
        ax2.clear()
        k = np.arange(iters + 1)
        try:
            W = gd(f.grad, [x0.value], step=gamma, iters=iters, blowup=1e6)
            note = ""
        except DivergenceError:
            W, note = None, " — diverged (steps above 2/β are unstable)"
        if W is not None:
            fv = np.array([f.f(x) for x in W])
            gap = np.maximum(fv - f.f_star, 1e-300)
            bound = (1 - f.mu / f.beta) ** k * gap[0]
            ax1.semilogy(k, gap, "o-", ms=3, label="measured f(x_k) − f*")
            ax1.semilogy(k, bound, "k--", label="bound (1 − μ/β)^k, μ = 1/32")
            ax1.set_ylim(max(gap.min(), 1e-16) / 10, gap[0] * 10)
            mu_k = pl_ratios(fv, f.grad(W[:, 0]) ** 2, f.f_star)
            ax2.plot(k, mu_k, "o-", ms=3, label="½f′(x_k)² / (f(x_k) − f*)")
            ax2.axhline(f.mu, color="k", ls="--", label="μ = 1/32")
            ax2.set_yscale("log")
            held = bool(np.all(gap <= bound * (1 + 1e-9)))
            caveat = "" if step.value <= 1 else " (guaranteed only for steps ≤ 1/β)"
            note = (
                f" — bound {'holds' if held else 'violated'}{caveat}; "
                f"smallest measured PL ratio {np.nanmin(mu_k):.3g}"
            )
        title = f"GD with step {step.value:.2f}/β from x₀ = {x0.value:g}"
        ax1.set(xlabel="iteration k", ylabel="f(x_k) − f*", title=title)
        ax2.set(xlabel="iteration k", ylabel="PL ratio", title="PL ratio along the run stays ≥ μ")
        for ax in (ax1, ax2):
            ax.legend(fontsize=8)
        with out:
            out.clear_output(wait=True)
            display(fig)
        status.value = (
            f"redrawn: step = {step.value:.2f}/β, x₀ = {x0.value:g}{note} "
            f"({1000 * (time.perf_counter() - start):.0f} ms)"
        )

    step.observe(redraw, "value")
    x0.observe(redraw, "value")
    redraw()
    return w.VBox([w.HBox([step, x0]), status, out])
