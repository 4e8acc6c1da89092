"""Live demos of what the iterates and the neurons do: the output scale α of a two-layer net from lazy to
mean field (Lecture 9), and the direction of GD on separable 2-D data turning toward the SVM (Lecture 10)."""

from __future__ import annotations

import time

import numpy as np

from .._validate import as_array
from .canvas import Canvas, slider, title


def scale_demo(*, m: int = 200, n: int = 40, steps: int = 400, eta: float = 0.5, seed: int = 0):
    r"""The two-layer net f(x) = (α/m) Σ_r a_r relu(w_rᵀx) on inputs in the plane, trained by GD with step η·m/α².

    Slider: the output scale α, from 1 (the mean-field scaling 1/m) to √m (the lazy scaling 1/√m). Left: every
    neuron's path w_r(0) → w_r(T) in the plane (red: a_r = +1, blue: a_r = −1), on fixed axes so that two values of
    α can be compared. Right: the training loss, with the curve of the previous α kept (grey) for comparison. The
    status line gives the mean distance a neuron moved, which is O(1/α). See
    :func:`ovptools.experiments.part4.neuron_paths`.
    """
    import ipywidgets as w
    from matplotlib.collections import LineCollection

    from ..experiments.part4 import neuron_paths

    top = float(np.sqrt(m))
    scale = slider(w.FloatSlider, value=round(top, 1), min=1.0, max=round(top, 1), step=0.1,
                   description="output scale α")
    canvas = Canvas()
    ax1, ax2 = canvas.axes
    first = neuron_paths(1.0, m=m, n=n, steps=steps, eta=eta, records=2, seed=seed)
    colors = np.where(first.a > 0, "C3", "C0")
    paths = LineCollection([], colors=colors, linewidths=0.7, alpha=0.6)
    ax1.add_collection(paths)
    ax1.plot(first.paths[0, :, 0], first.paths[0, :, 1], ".", color="0.6", ms=3, label="w_r(0)")
    (ends,) = ax1.plot([], [], ".", color="k", ms=3, label="w_r(T)")
    ax1.set(xlim=(-6, 6), ylim=(-6, 6), xlabel="first coordinate of w_r", ylabel="second coordinate of w_r")
    ax1.set_aspect("equal", adjustable="box")
    t = np.linspace(0, steps, 41)
    (previous,) = ax2.semilogy(t, np.ones_like(t), color="0.7", label="previous α")
    (current,) = ax2.semilogy(t, np.ones_like(t), color="C1", label="this α")
    ax2.set(xlabel="GD step", ylabel="training loss", ylim=(1e-5, 3.0))
    title(ax2, "Training loss (previous α in grey)")
    state: dict[str, np.ndarray | None] = {"loss": None}

    def redraw(*_):
        start = time.perf_counter()
        alpha = float(scale.value)
        run = neuron_paths(alpha, m=m, n=n, steps=steps, eta=eta, records=41, seed=seed)
        P = run.paths
        paths.set_segments([P[:, r, :] for r in range(P.shape[1])])
        ends.set_data(P[-1, :, 0], P[-1, :, 1])
        previous.set_visible(state["loss"] is not None)
        if state["loss"] is not None:
            previous.set_data(run.t, state["loss"])
        current.set_data(run.t, np.maximum(run.loss, 1e-12))
        state["loss"] = np.maximum(run.loss, 1e-12)
        regime = "lazy" if alpha >= 0.9 * top else "mean field" if alpha <= 1.1 else "in between"
        title(ax1, f"α = {alpha:.1f} ({regime}): neurons move {run.movement:.2f} on average")
        canvas.show(f"α = {alpha:.1f} — mean ‖w_r(T) − w_r(0)‖ = {run.movement:.2f}, "
                    f"final loss {run.loss[-1]:.1e}", start)

    return canvas.live(redraw, [scale])


def direction_demo(X, y, t, w, w_hat):
    r"""GD's direction on separable 2-D data against the hard-margin SVM, at a chosen step t.

    Arguments: the data ``X`` (n × 2) and labels ``y`` (±1), the recorded steps ``t`` and iterates ``w`` (len(t) × 2)
    of a GD run (e.g. :func:`ovptools.experiments.part4.soudry_experiment`'s ``t`` and ``w``) and the SVM direction
    ``w_hat``. Slider: log₁₀ t. Left: the data, the SVM separator and the separator of w(t). Right: the angle between
    w(t) and ŵ against t (log–log), with the chosen t marked.
    """
    import ipywidgets as w_

    X = as_array(X, "X", ndim=2)
    y = as_array(y, "y", ndim=1)
    t = as_array(t, "t", ndim=1).astype(float)
    w = as_array(w, "w", ndim=2)
    w_hat = as_array(w_hat, "w_hat", ndim=1)
    if X.shape[1] != 2 or w.shape != (len(t), 2) or w_hat.shape != (2,) or len(y) != len(X):
        raise ValueError(f"X must be n × 2, y of length n, w len(t) × 2 and w_hat of length 2; got X {X.shape}, "
                         f"y {y.shape}, t {t.shape}, w {w.shape}, w_hat {w_hat.shape}")
    u_hat = w_hat / np.linalg.norm(w_hat)
    units = w / np.linalg.norm(w, axis=1, keepdims=True)
    angle = np.degrees(np.arccos(np.clip(units @ u_hat, -1.0, 1.0)))
    lo, hi = float(np.log10(max(t[0], 1.0))), float(np.log10(t[-1]))
    logt = slider(w_.FloatSlider, value=round(max(lo, 1.0), 1), min=round(lo, 1), max=round(hi, 1), step=0.1,
                  description="log₁₀ t")
    canvas = Canvas()
    ax1, ax2 = canvas.axes
    span = 1.1 * float(np.abs(X).max())
    ax1.scatter(*X[y > 0].T, marker="o", s=14, color="C0", label="y = +1")
    ax1.scatter(*X[y < 0].T, marker="s", s=14, color="C3", label="y = −1")
    ax1.plot(*np.outer([-span, span], [-u_hat[1], u_hat[0]]).T, "k-", lw=2.5, label="SVM separator")
    (sep,) = ax1.plot([], [], "--", color="C2", lw=1.5, label="separator of w(t)")
    (arrow,) = ax1.plot([], [], "-", color="C2", lw=2.5)
    ax1.set(xlim=(-span, span), ylim=(-span, span), xlabel="x₁", ylabel="x₂")
    ax1.set_aspect("equal", adjustable="box")
    ax2.loglog(t, np.maximum(angle, 1e-6), color="C2", label="angle(w(t), ŵ) in degrees")
    (mark,) = ax2.loglog([], [], "o", color="k", ms=7)
    ax2.set(xlabel="step t", ylabel="angle to ŵ (degrees)")
    title(ax2, "The angle falls only like 1/ln t")

    def redraw(*_):
        start = time.perf_counter()
        j = int(np.argmin(np.abs(np.log10(t) - float(logt.value))))
        u = units[j]
        sep.set_data(*np.outer([-span, span], [-u[1], u[0]]).T)
        arrow.set_data([0, 0.6 * span * u[0]], [0, 0.6 * span * u[1]])
        mark.set_data([t[j]], [max(angle[j], 1e-6)])
        title(ax1, f"t = {t[j]:,.0f}: w(t) is {angle[j]:.2f}° from the SVM direction")
        canvas.show(f"t = {t[j]:,.0f} — angle to ŵ {angle[j]:.2f}°", start)

    return canvas.live(redraw, [logt])
