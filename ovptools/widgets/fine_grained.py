"""Live demo of Lecture 5 (Arora et al.): how label noise moves the labels' energy to the small eigenvalues of H∞
and slows training down."""

from __future__ import annotations

import time

import numpy as np

from .._device import few_threads
from .canvas import REDRAW_THREADS, Canvas, slider, title

TOP = 10
"""The number of top eigenvectors whose share of ‖y‖² the status line reports."""


def label_noise_demo(classes=(3, 5), *, n: int = 100, m: int = 600, steps: int = 100, seed: int = 0,
                     device: str = "auto"):
    r"""A slider for the fraction p of training labels replaced by random ±1 labels (nested draws:
    :func:`ovptools.experiments.fine_grained.randomize_labels`), on ``n`` digits of two ``classes``.
    Left: the cumulative energy E_j = Σ_{i≤j}(v_iᵀy)²/‖y‖² of the labels on the top j eigenvectors of H∞,
    with p = 0 and p = 1 in grey. Right: the relative residual ‖y − u(k)‖/‖y‖ of GD (η = 1/λ_max(H∞),
    width ``m``, antisymmetric initialization so u(0) = 0, float32), measured and predicted from the
    spectrum, √(Σ_i (1 − ηλ_i)^{2k}(v_iᵀy)²)/‖y‖, with the predictions for p = 0 and p = 1 in grey.
    Each p is trained once and cached.
    """
    import ipywidgets as w
    import torch
    from matplotlib.ticker import NullFormatter

    from ..data import digits
    from ..experiments.fine_grained import randomize_labels
    from ..kernels import eigen_projections, gram_infinite
    from ..models import init_two_layer
    from ..train.nets import train_two_layer

    X, y_true, _, _ = digits(classes, n_train=n, seed=seed)
    H = gram_infinite(X)
    lam, _ = eigen_projections(H, y_true)
    eta = float(1.0 / lam[0])
    W0, a0 = init_two_layer(X.shape[1], m, seed=seed + 2, antisymmetric=True)
    k = np.arange(steps + 1)
    idx = np.arange(1, n + 1)
    decay = (1 - eta * lam[None, :]) ** (2 * k[:, None])  # (steps + 1) × n

    def spectrum(p: float):
        y = randomize_labels(y_true, p, seed=seed + 1)
        _, proj = eigen_projections(H, y)
        norm = float(np.linalg.norm(y))
        return y, np.cumsum(proj**2) / norm**2, np.sqrt(decay @ proj**2) / norm

    cache: dict[float, tuple] = {}

    def trained(p: float):
        if p not in cache:
            y, energy, predicted = spectrum(p)
            with few_threads(n * m * X.shape[1], **REDRAW_THREADS):
                run = train_two_layer(X=X, y=y, W0=W0, a0=a0, eta=eta, steps=steps, record_every=steps,
                                      track_gram=False, device=device, dtype=torch.float32, progress=False)
            measured = np.sqrt(2 * run.loss) / np.linalg.norm(y)
            cache[p] = (energy, predicted, measured, float(np.mean(np.sign(run.u) != y)))
        return cache[p]

    p_slider = slider(w.FloatSlider, value=0.0, min=0.0, max=1.0, step=0.05, description="randomized fraction p")
    canvas = Canvas()
    ax1, ax2 = canvas.axes
    for p_ref, style in ((0.0, "-"), (1.0, ":")):
        _, energy_ref, predicted_ref = spectrum(p_ref)
        ax1.semilogx(idx, energy_ref, style, color="0.6", label=f"p = {p_ref:.0f}")
        ax2.semilogy(k, predicted_ref, style, color="0.6", label=f"predicted, p = {p_ref:.0f}")
    (energy_line,) = ax1.semilogx(idx, np.ones(n), "C0", lw=2, label="p shown")
    ax1.axvline(TOP, color="k", ls="--", lw=0.8)
    (measured_line,) = ax2.semilogy(k, np.ones(steps + 1), "C0", lw=2, label="measured")
    (predicted_line,) = ax2.semilogy(k, np.ones(steps + 1), "C1--", lw=1.5, label="predicted from the spectrum")
    ax1.set(xlabel="j (top eigenvectors of H∞)", ylabel="E_j = Σ_{i≤j} (v_iᵀy)² / ‖y‖²", ylim=(0, 1.02))
    ax2.set(xlabel="GD step k", ylabel="‖y − u(k)‖ / ‖y‖")
    ax2.yaxis.set_minor_formatter(NullFormatter())  # "6×10⁻¹"-style minor labels would overflow the fixed margin
    title(ax1, "Noisy labels put their energy on small eigenvalues")
    title(ax2, "… and train slower, as the spectrum predicts")

    def redraw(*_):
        start = time.perf_counter()
        p = round(float(p_slider.value), 2)
        energy, predicted, measured, train_error = trained(p)
        energy_line.set_ydata(energy)
        predicted_line.set_ydata(predicted)
        measured_line.set_ydata(measured)
        energy_line.set_label(f"p = {p:.2f}")
        canvas.rescale()
        ax1.set_ylim(0, 1.02)
        canvas.show(f"p = {p:.2f} — energy on the top {TOP} eigenvectors {energy[TOP - 1]:.1%}; after {steps} steps "
                    f"‖y − u‖/‖y‖ = {measured[-1]:.3f} (predicted {predicted[-1]:.3f}), "
                    f"training error {train_error:.2f}", start)

    return canvas.live(redraw, [p_slider])
