r"""Lecture 1's live demo: minibatch SGD on the contours of an elongated 2-D least-squares problem, and its noise
floor — proportional to the step η and to 1/B, and absent when the model interpolates the data."""

from __future__ import annotations

import time

import numpy as np

from .._validate import check_count, rng
from .canvas import Canvas, slider, title

CURVATURES = (1.0, 0.1)
"""The curvature H = XᵀX/n is close to diag(1, 0.1): contours ten times longer in w₂ than in w₁ (Lecture 1)."""
NOISE = 0.5
"""The label noise of the non-interpolating problem (Lecture 1's)."""
BATCHES = (1, 2, 4, 8, 16, 32, 64)
WINDOW = 100
"""Steps in the running mean of f(w_k) − f* that the right panel draws (the floor is an expectation)."""


def floor_problem(interpolating: bool, *, n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    r"""Lecture 1's 2-D problem f(w) = (1/2n)‖Xw − y‖²: inputs x_i = √2·diag(√h₁, √h₂)(cos t_i, sin t_i), t_i uniform,
    so H = XᵀX/n ≈ diag(h₁, h₂) = diag(1, 0.1), and labels y_i = x_iᵀ(1, −1) + 0.5·ε_i (the same draws as
    ``experiments.part1.elongated_least_squares(n, seed=seed)``). With ``interpolating`` the noise is left out:
    y = X(1, −1) is fitted exactly, f* = 0 and every sample gradient vanishes at the minimizer."""
    n = check_count(n, "n", minimum=3)
    gen = rng(seed)
    t = gen.uniform(0, 2 * np.pi, n)
    X = np.sqrt(2 * np.asarray(CURVATURES)) * np.stack([np.cos(t), np.sin(t)], axis=1)
    noise = gen.standard_normal(n)
    y = X @ np.array([1.0, -1.0]) + (0.0 if interpolating else NOISE) * noise
    return X, y


def predicted_floor(eta: float, batch_size: int, sigma2: float, H: np.ndarray) -> float:
    r"""Lecture 1's small-step floor with B samples per step: E f(w_k) − f* → ησ²tr(H)/(4B) (the gradient noise's
    variance is divided by B); 0 when σ² = 0 (interpolation)."""
    return float(eta * sigma2 * np.trace(H) / (4 * batch_size))


def _sgd_iterates(X: np.ndarray, y: np.ndarray, w0: np.ndarray, *, eta: float, batch_size: int, steps: int,
                  seed: int) -> np.ndarray | None:
    r"""Minibatch SGD w_{k+1} = w_k − η(1/B)Σ_{i∈B_k} x_i(x_iᵀw_k − y_i), B_k drawn uniformly with replacement, on
    f(w) = (1/2n)‖Xw − y‖²: the iterates w_0 … w_steps as a (steps + 1)×d array, or None once an iterate leaves
    10²·(1 + ‖w_0‖) (divergence). The same iteration as :func:`ovptools.train.sgd`, written out so that a redraw
    fits in its time budget: the course's loop evaluates the full loss (all n samples) at every step, which costs
    more than the step; here the widget computes f(w_k) − f* afterwards for all iterates at once, from the
    quadratic form ½(w − w*)ᵀH(w − w*), exact for least squares."""
    idx = rng(seed).integers(0, len(y), (steps, batch_size))
    Xb, yb = X[idx], y[idx]                                   # (steps, B, d), (steps, B)
    A = np.einsum("kbi,kbj->kij", Xb, Xb) / batch_size        # the step is w ← w − η(A_k w − b_k)
    b = np.einsum("kbi,kb->ki", Xb, yb) / batch_size
    W = np.empty((steps + 1, X.shape[1]))
    W[0] = w = np.asarray(w0, dtype=float)
    limit = 1e2 * (1 + np.linalg.norm(w))
    for k in range(steps):
        w = w - eta * (A[k] @ w - b[k])
        if not np.all(np.abs(w) < limit):
            return None
        W[k + 1] = w
    return W


def sgd_floor_demo(*, steps: int = 3000, seed: int = 1):
    r"""Minibatch SGD (B samples drawn uniformly with replacement, constant step η) on Lecture 1's elongated 2-D least
    squares, from w* + (2, 3). Sliders: η and B; a menu: noisy labels (σ = 0.5, no w fits every sample) or
    interpolating labels (noise-free, f* = 0). Left: the iterates on the contours of f − f* (the first 100 steps as
    a path, the rest as a cloud). Right: f(w_k) − f* against k and its running mean over 100 steps, with the
    predicted floor ησ²tr(H)/(4B), σ² = 2f* (the residual variance at w*); the status line gives the measured floor,
    the mean of f(w_k) − f* over the second half of the run. Axes are fixed, so two settings can be compared; a step
    beyond SGD's stable range (η‖x_i‖² ≳ 2 for B = 1) diverges and says so.
    """
    import ipywidgets as w

    steps = check_count(steps, "steps", minimum=10)
    problems = {}
    for interp in (False, True):
        X, y = floor_problem(interp)
        w_star = np.linalg.lstsq(X, y, rcond=None)[0]
        f_star = 0.5 * float(np.mean((X @ w_star - y) ** 2))
        problems[interp] = (X, y, w_star, f_star, X.T @ X / len(y))
    eta = slider(w.FloatSlider, value=0.4, min=0.05, max=1.5, step=0.05, description="step η")
    batch = slider(w.SelectionSlider, options=list(BATCHES), value=1, description="batch B")
    labels = w.Dropdown(options=[("noisy labels (σ = 0.5)", False), ("interpolating labels (σ = 0)", True)],
                        value=False, description="labels", style={"description_width": "initial"})
    canvas = Canvas()
    ax1, ax2 = canvas.axes
    _, _, ws0, _, H0 = problems[False]
    g1, g2 = np.meshgrid(np.linspace(-2.6, 4.0, 120), np.linspace(-3.0, 3.6, 120))
    E = np.stack([g1 - ws0[0], g2 - ws0[1]], -1)
    ax1.contour(g1, g2, 0.5 * np.einsum("abi,ij,abj->ab", E, H0, E), levels=[0.01, 0.05, 0.2, 0.5, 1, 2, 4],
                colors="0.6", linewidths=0.8)
    (path,) = ax1.plot([], [], "-", lw=0.8, color="C0", label="first 100 steps")
    (cloud,) = ax1.plot([], [], ".", ms=1.5, alpha=0.3, color="C3", label="later iterates")
    ax1.plot(*ws0, "k*", ms=10, label="minimizer w*")
    ax1.set(xlim=(-2.6, 4.0), ylim=(-3.0, 3.6), xlabel="w₁", ylabel="w₂")
    k = np.arange(steps + 1)
    (gap_line,) = ax2.semilogy(k[::3], np.ones(len(k[::3])), lw=0.5, color="C3", alpha=0.35,
                               label="f(w_k) − f* (every 3rd step)")
    (mean_line,) = ax2.semilogy(k[WINDOW:], np.ones(steps + 1 - WINDOW), lw=1.5, color="C3",
                                label=f"mean over the last {WINDOW} steps")
    (pred_line,) = ax2.semilogy([0, steps], [1, 1], "k--", label="predicted floor ησ²tr(H)/(4B)")
    ax2.set(xlabel="SGD step k", ylabel="f(w_k) − f*", ylim=(1e-12, 1e2), xlim=(0, steps))

    def redraw(*_):
        start = time.perf_counter()
        e, B, interp = float(eta.value), int(batch.value), bool(labels.value)
        X, y, w_star, f_star, H = problems[interp]
        W = _sgd_iterates(X, y, w_star + np.array([2.0, 3.0]), eta=e, batch_size=B, steps=steps, seed=seed)
        name = "interpolating" if interp else "noisy"
        floor = predicted_floor(e, B, 0.0 if interp else 2 * f_star, H)   # noise-free labels: σ² = 0 exactly
        for line in (path, cloud, gap_line, mean_line):
            line.set_visible(W is not None)
        pred_line.set_visible(floor > 0)
        pred_line.set_ydata([max(floor, 1e-300)] * 2)
        if W is None:
            note = "diverged (for B = 1 the step must keep η‖x_i‖² below about 2; ‖x_i‖² ≤ 2 here)"
            title(ax1, f"η = {e:.2f}, B = {B}: SGD diverges")
        else:
            D = W - w_star
            gap = 0.5 * np.einsum("ki,ij,kj->k", D, H, D)          # f(w_k) − f*, exact for least squares
            path.set_data(W[:101, 0], W[:101, 1])
            cloud.set_data(W[100:, 0], W[100:, 1])
            gap_line.set_ydata(np.maximum(gap[::3], 1e-16))
            c = np.cumsum(np.concatenate([[0.0], gap]))
            mean_line.set_ydata(np.maximum((c[WINDOW + 1:] - c[1:-WINDOW]) / WINDOW, 1e-16))
            measured = float(np.mean(gap[steps // 2:]))
            if interp:
                note = f"no floor: f − f* = {max(gap[-1], 1e-300):.1e} at k = {steps} (predicted floor 0)"
                title(ax1, f"η = {e:.2f}, B = {B}, interpolating: SGD reaches w*")
            else:
                note = f"floor measured {measured:.2e}, predicted ησ²tr(H)/(4B) = {floor:.2e}"
                title(ax1, f"η = {e:.2f}, B = {B}: SGD stalls in a cloud at w*")
        title(ax2, "A floor ∝ η/B; none under interpolation")
        canvas.show(f"η = {e:.2f}, B = {B}, {name} labels — {note}", start)

    return canvas.live(redraw, [eta, batch, labels])


__all__ = ["floor_problem", "predicted_floor", "sgd_floor_demo"]
