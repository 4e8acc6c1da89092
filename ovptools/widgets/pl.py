"""Lecture 2's live demo: GD on the non-convex PL function x² + 3 sin²x, against the guarantee of the chosen step."""

from __future__ import annotations

import time

import numpy as np

from ..objectives import NONCONVEX_PL, pl_ratios
from ..train import DivergenceError, gd
from .canvas import Canvas, slider, title


def _pl_factor(step_times_beta: float, mu_over_beta: float) -> float:
    r"""The contraction factor of GD's guarantee on a β-smooth μ-PL function for the step η = s/β:

    .. math:: 1 - 2\mu\gamma(1 - \beta\gamma/2) = 1 - (\mu/\beta)\,s\,(2 - s),

    from the descent lemma f(x_{k+1}) ≤ f(x_k) − η(1 − βη/2)‖∇f(x_k)‖² and PL ½‖∇f‖² ≥ μ(f − f*).
    Below 1 only for 0 < s < 2; smallest (1 − μ/β) at s = 1.
    """
    s = float(step_times_beta)
    return 1.0 - mu_over_beta * s * (2.0 - s)


def _constant_mu(choice: object) -> float | None:
    """The μ picked in the menu: None for the PL ratio at each iterate ("local"), else the constant."""
    if choice == "local":
        return None
    if not isinstance(choice, int | float):
        raise ValueError(f"mu_choice: expected 'local' or a number, got {choice!r}")
    return float(choice)


def pl_demo(*, steps: int = 60):
    r"""GD on the non-convex PL function f(x) = x² + 3 sin²x (β = 8, μ = 1/32).

    Sliders: the step η as a multiple of 1/β, and the start x₀; a menu picks the μ in the bound. Left:
    f(x_k) − f* with, for η < 2/β, the guarantee (1 − 2μη(1 − βη/2))^k (f(x₀) − f*), which follows from the
    descent lemma f(x_{k+1}) ≤ f(x_k) − η(1 − βη/2)f′(x_k)² and PL. Its factor is smallest, 1 − μ/β, at
    η = 1/β, and larger for both smaller and larger steps; for η ≥ 2/β there is no guarantee (and none
    is drawn). The μ offered: the PL ratio μ_k at each iterate (the default: the proof uses PL only at
    the iterates, so Π_{j<k}(1 − 2μ_jη(1 − βη/2)) (f(x₀) − f*) is a valid bound for this run, and near the
    minimum, where f ≈ 4x² and μ_k → 8 = β, it is tight); the largest μ valid on the whole line,
    inf_x ½f′(x)²/(f(x) − f*) ≈ 0.1755, estimated on a grid of [−15, 15] (a grid gives an upper bound on
    it); and Karimi et al.'s proven μ = 1/32, with which the bound barely falls in 60 steps. The status
    says whether the measured run stays below the bound. Right: the PL ratio ½f′(x_k)²/(f(x_k) − f*)
    along the run, against the constant μ chosen (none drawn for the per-iterate choice).
    """
    import ipywidgets as w

    f = NONCONVEX_PL
    step = slider(w.FloatSlider, value=1.0, min=0.1, max=2.4, step=0.05, description="step × β")
    x0 = slider(w.FloatSlider, value=7.0, min=-15.0, max=15.0, step=0.5, description="x₀")
    grid = np.linspace(-15, 15, 300001)
    mu_grid = float(np.nanmin(pl_ratios(grid**2 + 3 * np.sin(grid) ** 2, f.grad(grid) ** 2, f.f_star)))
    mu_choice = w.Dropdown(options=[("PL ratio μ_k at each iterate", "local"),
                                    (f"{mu_grid:.4f}: the largest valid μ, estimated on a grid", mu_grid),
                                    ("1/32: Karimi et al.'s proven μ", f.mu)],
                           value="local", description="μ in the bound", style={"description_width": "initial"})
    canvas = Canvas()
    ax1, ax2 = canvas.axes
    k = np.arange(steps + 1)
    (measured,) = ax1.semilogy(k, np.ones_like(k, dtype=float), "o-", ms=3, label="measured f(x_k) − f*")
    (envelope,) = ax1.semilogy(k, np.ones_like(k, dtype=float), "k--",
                               label="bound (1 − 2μη(1 − βη/2))^k (f(x₀) − f*)")
    (ratio,) = ax2.plot(k, np.ones_like(k, dtype=float), "o-", ms=3, label="½f′(x_k)² / (f(x_k) − f*)")
    mu_line = ax2.axhline(f.mu, color="k", ls="--", label="constant μ in the bound")
    ax2.set_yscale("log")
    ax1.set(xlabel="iteration k", ylabel="f(x_k) − f*")
    ax2.set(xlabel="iteration k", ylabel="PL ratio")
    title(ax2, "PL ratio along the run: large near the minimum")

    def redraw(*_):
        start = time.perf_counter()
        s = float(step.value)
        try:
            run = gd(f.f, f.grad, [x0.value], eta=s / f.beta, steps=steps)
        except DivergenceError:
            run = None
        for line in (measured, envelope, ratio):
            line.set_visible(run is not None)
        if run is None:
            note = " — diverged (steps above 2/β are unstable)"
        else:
            fv = run.loss
            gap = fv - f.f_star
            shown = np.maximum(gap, 1e-300)
            measured.set_ydata(shown)
            low = max(float(shown.min()), 1e-16) / 10
            ax1.set_ylim(low, max(float(shown[0]), 1e3 * low) * 10)
            mu_k = pl_ratios(fv, run.grad_sq, f.f_star)
            mu = _constant_mu(mu_choice.value)
            mu_line.set_visible(mu is not None)
            if mu is not None:
                mu_line.set_ydata([mu, mu])
            if s < 2:
                if mu is None:   # Π_{j<k} (1 − 2μ_jη(1 − βη/2)); a factor at a minimizer (gap 0) is 0
                    per_step = np.where(gap[:-1] > 0, 1 - np.nan_to_num(mu_k[:-1], nan=0.0) / f.beta * s * (2 - s), 0.0)
                    bound = gap[0] * np.concatenate([[1.0], np.cumprod(per_step)])
                    envelope.set_label("bound Π_j(1 − 2μ_jη(…)) (f(x₀) − f*)")
                    factor_note = f"last factor 1 − 2μ_kη(1 − βη/2) = {per_step[-1]:.5f}"
                else:
                    factor = _pl_factor(s, mu / f.beta)
                    bound = factor**k * gap[0]
                    envelope.set_label("bound (1 − 2μη(1 − βη/2))^k (f(x₀) − f*)")
                    factor_note = f"factor 1 − 2μη(1 − βη/2) = {factor:.5f}"
                envelope.set_ydata(np.maximum(bound, 1e-300))
                held = bool(np.all(gap <= bound * (1 + 1e-9) + 1e-300))
                note = f" — bound {'holds' if held else 'violated'} ({factor_note})"
            else:
                envelope.set_visible(False)
                note = " — no guarantee for steps ≥ 2/β"
            ratio.set_ydata(mu_k)
            if np.isnan(mu_k).all():
                note += "; x₀ is a minimizer (f(x₀) = f*)"
            else:
                note += f"; smallest measured PL ratio {np.nanmin(mu_k):.3g}"
            ax2.relim(visible_only=True)
            ax2.autoscale_view()
            low, high = ax2.get_ylim()
            ax2.set_ylim(min(low, 1 / 64), max(high, 16))   # at least two decades: major tick labels only
        title(ax1, f"GD with step {s:.2f}/β from x₀ = {x0.value:g}")
        canvas.show(f"step = {s:.2f}/β, x₀ = {x0.value:g}{note}", start)

    return canvas.live(redraw, [step, x0, mu_choice])
