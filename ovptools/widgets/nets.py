"""Live demos of networks: Lecture 4's two-layer net (Du et al.) and Lecture 7's deep ReLU net (Zou et al.)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from ..train import DivergenceError
from .canvas import REDRAW_THREADS, Canvas, slider, title


def two_layer_demo(*, d: int = 50, steps: int = 100, seed: int = 0, device: str = "auto"):
    r"""GD on Du et al.'s two-layer net: sliders for the width m, the step η (a multiple of
    1/λ_max(H∞)) and the number of samples n. Left: the loss with Thm 4.1's rate (1 − ηλ₀/2)^k.
    Right: λ_min(H(k)) of the empirical Gram matrix along the run, against λ₀ = λ_min(H∞).
    With "hold previous curve" ticked, the run shown before the last slider move stays in grey in both
    panels, so two widths (or steps) can be compared. Data: n points uniform on the sphere in R^d with
    Gaussian labels (cached per n).
    """
    import ipywidgets as w
    import torch

    from .._device import few_threads
    from ..data import gaussian_labels, sphere
    from ..kernels import gram_infinite
    from ..models import init_two_layer
    from ..train.nets import train_two_layer

    cache: dict[int, tuple] = {}

    def problem(n: int):
        if n not in cache:
            X, y = sphere(n, d, seed=seed), gaussian_labels(n, seed=seed + 1)
            ev = np.linalg.eigvalsh(gram_infinite(X))
            cache[n] = (X, y, ev[0], ev[-1])
        return cache[n]

    m = slider(w.IntSlider, value=1000, min=50, max=8000, step=50, description="width m")
    eta = slider(w.FloatSlider, value=1.0, min=0.1, max=2.5, step=0.1, description="η·λ_max(H∞)")
    n = slider(w.IntSlider, value=100, min=10, max=200, step=10, description="samples n")
    hold = w.Checkbox(value=False, description="hold previous curve", indent=False)
    canvas = Canvas()
    ax1, ax2 = canvas.axes
    k = np.arange(steps + 1)
    (prev_loss,) = ax1.semilogy(k, np.ones(steps + 1), color="0.6", lw=2.5, label="previous")
    (prev_lam,) = ax2.plot([0], [1.0], "o-", color="0.6", lw=2.5, ms=3, label="previous")
    (loss,) = ax1.semilogy(k, np.ones(steps + 1), label="measured ½‖u(k) − y‖²")
    (rate,) = ax1.semilogy(k, np.ones(steps + 1), "k--", label="Thm 4.1 rate (1 − ηλ₀/2)^k")
    (lam_k,) = ax2.plot([0], [1.0], "o-", ms=3, label="λ_min(H(k))")
    lam0_line = ax2.axhline(1.0, color="k", ls="--", label="λ₀ = λ_min(H∞)")
    half_line = ax2.axhline(0.5, color="r", ls=":", label="λ₀/2 (the proof needs λ_min(H) ≥ λ₀/2)")
    ax1.set(xlabel="iteration k", ylabel="loss")
    ax2.set(xlabel="iteration k", ylabel="eigenvalue")
    title(ax2, "The Gram matrix stays near H∞ when m is large")
    shown: dict[str, Any] = {}  # the run on screen: its curves and its slider values

    def show_previous() -> None:
        for line in (prev_loss, prev_lam):
            line.set_visible(hold.value and "label" in shown)

    def redraw(*_):
        start = time.perf_counter()
        if "label" in shown:  # the run on screen becomes the previous one
            prev_loss.set_ydata(shown["loss"])
            prev_lam.set_data(*shown["lam"])
            for line in (prev_loss, prev_lam):
                line.set_label(f"previous: {shown['label']}")
        with few_threads(n.value * m.value * d, **REDRAW_THREADS):
            X, y, lam0, lam_max = problem(n.value)
            W0, a = init_two_layer(d, m.value, seed=seed + 2)
            step = eta.value / lam_max
            try:
                run = train_two_layer(X=X, y=y, W0=W0, a0=a, eta=step, steps=steps, record_every=10, device=device,
                                      dtype=torch.float32, progress=False)
            except DivergenceError as err:  # show it, keep the widget alive
                run, note = None, f"diverged at iteration {err.iteration} with step size eta = {err.eta:g}"
        lam0_line.set_ydata([lam0, lam0])
        half_line.set_ydata([lam0 / 2, lam0 / 2])
        for line in (loss, rate, lam_k):
            line.set_visible(run is not None)
        if run is not None:
            loss.set_ydata(np.maximum(run.loss, 1e-30))
            rate.set_ydata((1 - step * lam0 / 2) ** k * run.loss[0])
            lam_k.set_data(run.steps, run.lambda_min)
            note = f"final loss {run.loss[-1]:.2e}, max ‖w_r − w_r(0)‖ = {run.max_distance[-1]:.3f}"
            shown.update(loss=np.maximum(run.loss, 1e-30), lam=(run.steps, run.lambda_min),
                         label=f"m = {m.value}, η = {eta.value:.1f}/λ_max, n = {n.value}")
        show_previous()
        canvas.rescale()
        title(ax1, f"m = {m.value}, n = {n.value}, η = {eta.value:.1f}/λ_max")
        canvas.show(f"m = {m.value}, η = {eta.value:.1f}/λ_max(H∞), n = {n.value} — {note}", start)

    def toggle(*_):
        start = time.perf_counter()
        show_previous()
        canvas.rescale()
        canvas.show(f"m = {m.value}, η = {eta.value:.1f}/λ_max(H∞), n = {n.value} — previous curve "
                    f"{'held' if hold.value else 'hidden'}", start)

    for control in (m, eta, n):
        control.observe(redraw, "value")
    hold.observe(toggle, "value")
    redraw()
    return canvas.box([m, eta, n, hold])


_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _decade(v: float) -> str:
    """A tick label 10ⁿ for the power of ten ``v``, in plain text."""
    return "1" if round(np.log10(v)) == 0 else "10" + f"{round(np.log10(v)):d}".translate(_SUPERSCRIPTS)


def deep_demo(*, n: int = 32, d: int = 8, steps: int = 40, seed: int = 0, device: str = "auto"):
    r"""Full-batch GD on the logistic loss of Zou et al.'s deep ReLU net (:func:`ovptools.init_deep`, v
    fixed) on φ-separated data: sliders for the width m, the depth H and the step as a multiple of
    η₀ = 4/(m·λ_max(Θ_H)) (Θ_H the infinite-width NTK; η₀ ≈ 2/λ_max(K), a quarter of the largest stable step
    8/λ_max(K) at initialization). Left: the loss Σ_i log(1 + e^{−y_i f(x_i)}). Right: the relative change
    ‖W_l(k) − W_l(0)‖_F/‖W_l(0)‖_F of every layer along the run: wide nets move less, the m×m layers less than
    the d×m first one. Both panels have fixed log axes, and the previous setting's curves stay on them in grey,
    so two widths (or depths, or steps) can be compared by moving one slider.
    """
    import ipywidgets as w
    import torch
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

    from .._device import few_threads
    from ..data import separated_data
    from ..kernels import ntk_infinite
    from ..models import deep_relu_forward, init_deep
    from ..train.nets import train_deep

    X, y = separated_data(n, d, phi=0.1, seed=seed)
    lam_max = {H: float(np.linalg.eigvalsh(ntk_infinite(X, H))[-1]) for H in range(1, 9)}
    m = slider(w.IntSlider, value=128, min=16, max=1024, step=16, description="width m")
    depth = slider(w.IntSlider, value=3, min=1, max=8, description="depth H")
    step = slider(w.FloatSlider, value=1.0, min=0.1, max=3.0, step=0.1, description="step × η₀")
    canvas = Canvas()
    ax1, ax2 = canvas.axes
    k = np.arange(steps + 1)
    (old_loss,) = ax1.semilogy(k, np.ones(steps + 1), color="0.6", ls="--", lw=1, label="previous setting")
    (loss,) = ax1.semilogy(k, np.ones(steps + 1), color="C0", label="Σ_i log(1 + exp(−y_i f(x_i)))")
    ax1.axhline(n * np.log(2), color="k", ls=":", label="n·log 2 (output 0)")
    old_layers = [ax2.semilogy([1], [1.0], color="0.6", ls="--", lw=1, label="_previous")[0] for _ in range(8)]
    old_layers[0].set_label("previous setting")
    layers = [ax2.semilogy([1], [1.0], "-", lw=1.5, label=f"layer {j + 1}")[0] for j in range(8)]
    ax1.set(xlabel="GD step k", ylabel="training loss", xlim=(0, steps), ylim=(1e-2, 1e2))
    ax2.set(xlabel="GD step k", ylabel="‖W_l(k) − W_l(0)‖_F / ‖W_l(0)‖_F", xlim=(0, steps), ylim=(1e-5, 3))
    decade = FuncFormatter(lambda v, _: _decade(v) if v > 0 else "")
    for ax in (ax1, ax2):  # fixed axes: decades as plain text (no mathtext to lay out at every redraw)
        ax.yaxis.set_major_locator(LogLocator(base=10, numticks=8))
        ax.yaxis.set_major_formatter(decade)
        ax.yaxis.set_minor_locator(NullLocator())  # no minor ticks: ~80 fewer tick artists to draw per redraw
    title(ax2, "Wider nets move less (fixed log axis)")
    shown: dict = {}

    def redraw(*_):
        start = time.perf_counter()
        H = int(depth.value)
        eta = step.value * 4.0 / (m.value * lam_max[H])
        with few_threads(n * m.value * m.value, **REDRAW_THREADS):
            Ws, v = init_deep(d, m.value, H, seed=seed + 1)
            try:
                run = train_deep(X=X, y=y, Ws0=Ws, v=v, eta=eta, steps=steps, loss="logistic", record_every=5,
                                 device=device, dtype=torch.float32, progress=False)
            except DivergenceError as err:  # show it, keep the widget alive
                run, note = None, f"diverged at iteration {err.iteration} with step size eta = {err.eta:g}"
        previous = shown.get("curves")
        old_loss.set_visible(previous is not None)
        for j, line in enumerate(old_layers):
            line.set_visible(previous is not None and j < len(previous[1]))
            if previous is not None and j < len(previous[1]):
                line.set_data(previous[0], previous[1][j])
        if previous is not None:
            old_loss.set_ydata(previous[2])
            old_layers[0].set_label(f"previous: {previous[3]}")
        loss.set_visible(run is not None)
        for j, line in enumerate(layers):
            line.set_visible(run is not None and j < H)
        setting = f"m = {m.value}, H = {H}, step = {step.value:.1f}·η₀"
        if run is not None:
            loss.set_ydata(np.maximum(run.loss, 1e-30))
            later = run.steps > 0  # the change is 0 at k = 0, off a log axis
            curves = [np.maximum(run.relative_change[later, j], 1e-30) for j in range(H)]
            for j in range(H):
                layers[j].set_data(run.steps[later], curves[j])
            shown["curves"] = (run.steps[later], curves, np.maximum(run.loss, 1e-30), setting)
            acc = float(np.mean(np.sign(deep_relu_forward(run.Ws, run.v, X)) == y))
            change = ", ".join(f"{c:.3f}" for c in run.relative_change[-1])
            note = f"final loss {run.loss[-1]:.3g}, training accuracy {acc:.2f}, relative change per layer {change}"
        title(ax1, f"m = {m.value}, H = {H}, η = {step.value:.1f}·η₀")
        canvas.show(f"{setting} — {note}", start)

    return canvas.live(redraw, [m, depth, step])
