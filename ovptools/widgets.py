"""Live demos for lectures: each function returns one ipywidgets box; the notebook cell is one call.

Every redraw writes a status line that starts with "redrawn:" and names the slider values, so a
reader (or a browser test) can tell which values the figure shows.
"""

from __future__ import annotations

import time

import numpy as np

from .objectives import NONCONVEX_PL, pl_ratios
from .train import DivergenceError, gd


def _show(fig, out, status, text: str, start: float) -> None:
    """Put the redrawn figure in ``out`` and write the status line ("redrawn: ..." and the time)."""
    from IPython.display import display

    for ax in fig.axes:
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    with out:
        out.clear_output(wait=True)
        display(fig)
    status.value = f"redrawn: {text} ({1000 * (time.perf_counter() - start):.0f} ms)"


def _slider(cls, **kwargs):
    """A slider that redraws once on release (not while dragging), with its full label shown."""
    return cls(continuous_update=False, style={"description_width": "initial"}, **kwargs)


def _figure(figsize=(9, 3.4)):
    import matplotlib.pyplot as plt

    with plt.ioff():
        fig, axes = plt.subplots(1, 2, figsize=figsize, layout="constrained")
    return fig, axes


def pl_demo(*, steps: int = 60):
    r"""GD on the non-convex PL function f(x) = x² + 3 sin²x (β = 8, μ = 1/32).

    Sliders: the step as a multiple of 1/β, and the start x₀. Left: f(x_k) − f* with the
    guarantee (1 − μ/β)^k (f(x₀) − f*), which holds for steps ≤ 1/β. Right: the PL ratio
    ½f'(x_k)²/(f(x_k) − f*) along the run, against μ = 1/32.
    """
    import ipywidgets as w

    f = NONCONVEX_PL
    step = _slider(w.FloatSlider, value=1.0, min=0.1, max=2.4, step=0.05, description="step × β")
    x0 = _slider(w.FloatSlider, value=7.0, min=-15.0, max=15.0, step=0.5, description="x₀")
    status = w.HTML()
    out = w.Output()
    fig, (ax1, ax2) = _figure()

    def redraw(*_):
        start = time.perf_counter()
        gamma = step.value / f.beta
        ax1.clear()
        ax2.clear()
        k = np.arange(steps + 1)
        try:
            run = gd(f.f, f.grad, [x0.value], eta=gamma, steps=steps)
            note = ""
        except DivergenceError:
            run, note = None, " — diverged (steps above 2/β are unstable)"
        if run is not None:
            fv = run.loss
            gap = np.maximum(fv - f.f_star, 1e-300)
            bound = (1 - f.mu / f.beta) ** k * gap[0]
            ax1.semilogy(k, gap, "o-", ms=3, label="measured f(x_k) − f*")
            ax1.semilogy(k, bound, "k--", label="bound (1 − μ/β)^k, μ = 1/32")
            ax1.set_ylim(max(gap.min(), 1e-16) / 10, gap[0] * 10)
            mu_k = pl_ratios(fv, run.grad_sq, f.f_star)
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
        _show(fig, out, status, f"step = {step.value:.2f}/β, x₀ = {x0.value:g}{note}", start)

    step.observe(redraw, "value")
    x0.observe(redraw, "value")
    redraw()
    return w.VBox([w.HBox([step, x0]), status, out])


def two_layer_demo(*, d: int = 50, steps: int = 100, seed: int = 0, device: str = "auto"):
    r"""GD on Du et al.'s two-layer net: sliders for the width m, the step η (a multiple of
    1/λ_max(H∞)) and the number of samples n. Left: the loss with Thm 4.1's rate (1 − ηλ₀/2)^k.
    Right: λ_min(H(k)) of the empirical Gram matrix along the run, against λ₀ = λ_min(H∞).
    Data: n points uniform on the sphere in R^d with Gaussian labels (cached per n).
    """
    import ipywidgets as w
    import torch

    from .data import gaussian_labels, sphere
    from .kernels import gram_infinite
    from .models import init_two_layer
    from .train.nets import train_two_layer

    cache: dict[int, tuple] = {}

    def problem(n: int):
        if n not in cache:
            X, y = sphere(n, d, seed=seed), gaussian_labels(n, seed=seed + 1)
            ev = np.linalg.eigvalsh(gram_infinite(X))
            cache[n] = (X, y, ev[0], ev[-1])
        return cache[n]

    m = _slider(w.IntSlider, value=1000, min=50, max=8000, step=50, description="width m")
    eta = _slider(w.FloatSlider, value=1.0, min=0.1, max=2.5, step=0.1, description="η·λ_max(H∞)")
    n = _slider(w.IntSlider, value=100, min=10, max=200, step=10, description="samples n")
    status = w.HTML()
    out = w.Output()
    fig, (ax1, ax2) = _figure()

    def redraw(*_):
        start = time.perf_counter()
        X, y, lam0, lam_max = problem(n.value)
        W0, a = init_two_layer(d, m.value, seed=seed + 2)
        step = eta.value / lam_max
        ax1.clear()
        ax2.clear()
        try:
            run = train_two_layer(W0, a, X, y, eta=step, steps=steps, record_every=10, device=device,
                                  dtype=torch.float32)
            k = np.arange(steps + 1)
            ax1.semilogy(k, np.maximum(run.loss, 1e-30), label="measured ½‖u(k) − y‖²")
            ax1.semilogy(k, (1 - step * lam0 / 2) ** k * run.loss[0], "k--", label="Thm 4.1 rate (1 − ηλ₀/2)^k")
            ax2.plot(run.steps, run.lambda_min, "o-", ms=3, label="λ_min(H(k))")
            ax2.axhline(lam0, color="k", ls="--", label="λ₀ = λ_min(H∞)")
            ax2.axhline(lam0 / 2, color="r", ls=":", label="λ₀/2 (the proof needs λ_min(H) ≥ λ₀/2)")
            note = f"final loss {run.loss[-1]:.2e}, max ‖w_r − w_r(0)‖ = {run.max_distance[-1]:.3f}"
        except DivergenceError as err:  # show it, keep the widget alive
            note = f"diverged: {str(err).split(':')[0]}"
        ax1.set(xlabel="iteration k", ylabel="loss", title=f"m = {m.value}, n = {n.value}, η = {eta.value:.1f}/λ_max")
        ax2.set(xlabel="iteration k", ylabel="eigenvalue", title="The Gram matrix stays near H∞ when m is large")
        _show(fig, out, status, f"m = {m.value}, η = {eta.value:.1f}/λ_max(H∞), n = {n.value} — {note}", start)

    for s in (m, eta, n):
        s.observe(redraw, "value")
    redraw()
    return w.VBox([w.HBox([m, eta, n]), status, out])
