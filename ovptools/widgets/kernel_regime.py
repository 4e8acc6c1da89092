"""Live demo of the kernel regime (the lecture on the network as a kernel machine): an ensemble of
networks on the unit circle against the NTK prediction, for a chosen width m and training time t."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np

from .._validate import check_count
from .canvas import Canvas, slider, title

if TYPE_CHECKING:
    from ..experiments.kernel_regime import EnsembleComparison


def kernel_regime_demo(result: EnsembleComparison | None = None, *, shown: int = 5):
    r"""Sliders for the width m and the GD step k (time t = η̂k). Left: the ensemble's mean and a
    ±2 std band over θ against the GP mean f̄_t and ±2s_t of the infinite-width limit (NTK training, NNGP
    initial functions). Right: ``shown`` single networks against their own closed-form kernel
    predictions (the analytic NTK started from each net's f₀).

    ``result``: the output of :func:`ovptools.experiments.kernel_regime.ensemble_vs_kernel`, which holds
    every width's recorded outputs, so a redraw only updates lines (no training). Without it, a small
    two-layer ensemble is trained first (widths 16 … 1024, 32 nets, about a second or two).
    """
    import ipywidgets as w

    from ..experiments.kernel_regime import EnsembleComparison, ensemble_vs_kernel  # torch only when used

    if result is None:
        result = ensemble_vs_kernel((16, 64, 256, 1024), count=32, steps=100, every=10, linear=False)
    if not isinstance(result, EnsembleComparison):
        raise ValueError(f"result: expected the EnsembleComparison of ensemble_vs_kernel, got {type(result).__name__}")
    shown = check_count(shown, "shown")
    if shown > result.count:
        raise ValueError(f"shown: expected at most the {result.count} nets of the ensemble, got {shown}")
    problem, widths, steps = result.problem, [int(m) for m in result.widths], [int(k) for k in result.steps]
    theta, th_train, y = problem.theta_eval, problem.theta, problem.y
    eta = float(result.limit.eta)
    mean, sd = result.mean, np.sqrt(result.var)
    m_slider = slider(w.SelectionSlider, options=widths, value=widths[len(widths) // 2], description="width m")
    k_slider = slider(w.SelectionSlider, options=steps, value=steps[len(steps) // 2], description="GD step k")
    canvas = Canvas()
    ax1, ax2 = canvas.axes
    (ens_mean,) = ax1.plot(theta, mean[0], color="C0", label="ensemble mean")
    band = ax1.fill_between(theta, mean[0], mean[0], color="C0", alpha=0.25, lw=0)
    (gp_mean,) = ax1.plot(theta, mean[0], "k--", lw=1.2, label="f̄_t (infinite width)")
    gp_hi, = ax1.plot(theta, mean[0], "k:", lw=1, label="f̄_t ± 2s_t (infinite width)")
    gp_lo, = ax1.plot(theta, mean[0], "k:", lw=1)
    ax1.plot(th_train, y, "o", color="C3", ms=5, label="training points")
    nets = [ax2.plot(theta, mean[0], color=f"C{j}", lw=1.2, label="network" if j == 0 else "_")[0]
            for j in range(shown)]
    own = [ax2.plot(theta, mean[0], "--", color=f"C{j}", lw=1.2, label="its kernel prediction" if j == 0 else "_")[0]
           for j in range(shown)]
    ax2.plot(th_train, y, "o", color="k", ms=4, label="training points")
    for ax in (ax1, ax2):
        ax.set(xlabel="angle θ of x = (cos θ, sin θ)", ylabel="output f_t(x)")
    ax1.set_ylim(-3.2, 3.2)
    ax2.set_ylim(-3.2, 3.2)

    def redraw(*_):
        start = time.perf_counter()
        m, k = int(m_slider.value), int(k_slider.value)
        r = steps.index(k)
        run = result.runs[m]
        f = run.f[r]  # (nets, angles)
        mu, s = f.mean(axis=0), f.std(axis=0)
        ens_mean.set_ydata(mu)
        # the band's polygon updated in place: along θ on the upper edge, back on the lower one
        band.set_verts([np.column_stack([np.r_[theta, theta[::-1]], np.r_[mu + 2 * s, (mu - 2 * s)[::-1]]])])
        gp_mean.set_ydata(mean[r])
        gp_hi.set_ydata(mean[r] + 2 * sd[r])
        gp_lo.set_ydata(mean[r] - 2 * sd[r])
        for j in range(shown):
            nets[j].set_ydata(f[j])
            own[j].set_ydata(run.own_limit[r, j])
        gap = float(np.sqrt(np.mean((f - run.own_limit[r]) ** 2)))
        title(ax1, f"m = {m}, k = {k} (t = η̂k = {eta * k:.1f}), {f.shape[0]} nets")
        title(ax2, f"each net vs its kernel prediction: RMS gap {gap:.3f}")
        canvas.show(f"m = {m}, k = {k} — RMS gap between nets and their kernel predictions {gap:.3f}", start)

    return canvas.live(redraw, [m_slider, k_slider])
