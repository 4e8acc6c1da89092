r"""Lecture 1's pictures of the dynamics: GD and one-sample SGD on an elongated 2-D least-squares problem
(paths on the contours, the cloud of iterates at the noise floor) and the noise floor of a 1-D quadratic,
whose stationary variance has the closed form ησ²/(2 − ηh). numpy only."""

from __future__ import annotations

import numpy as np

from ..._validate import check_count, check_positive, rng


def elongated_least_squares(n: int = 400, *, curvatures=(1.0, 0.1), noise: float = 0.5,
                            seed: int = 0) -> dict[str, np.ndarray]:
    r"""A 2-D least-squares problem f(w) = (1/2n)‖Xw − y‖² whose curvature H = XᵀX/n is close to
    ``diag(curvatures)``: inputs x_i = √2·diag(√h₁, √h₂)·(cos t_i, sin t_i) with t_i uniform (so ‖x_i‖² ≤ 2·max h),
    labels y_i = x_iᵀw_true + noise·N(0, 1). Returns X, y, the minimizer ``w_star``, ``H`` and ``f_star``."""
    n = check_count(n, "n", minimum=3)
    check_positive(noise, "noise")
    h = np.asarray(curvatures, dtype=float)
    if h.shape != (2,) or np.any(h <= 0):
        raise ValueError(f"curvatures: expected two positive numbers, got {curvatures!r}")
    gen = rng(seed)
    t = gen.uniform(0, 2 * np.pi, n)
    X = np.sqrt(2 * h) * np.stack([np.cos(t), np.sin(t)], axis=1)
    y = X @ np.array([1.0, -1.0]) + noise * gen.standard_normal(n)
    w_star = np.linalg.lstsq(X, y, rcond=None)[0]
    f_star = 0.5 * np.mean((X @ w_star - y) ** 2)
    return {"X": X, "y": y, "w_star": w_star, "H": X.T @ X / n, "f_star": f_star}


def gd_path(X, y, w0, *, eta: float, steps: int) -> np.ndarray:
    """GD on f(w) = (1/2n)‖Xw − y‖² from ``w0``: the iterates w_0 … w_steps as a (steps+1)×d array."""
    check_positive(eta, "eta")
    steps = check_count(steps, "steps", minimum=0)
    X, y = np.asarray(X, float), np.asarray(y, float)
    W = np.empty((steps + 1, X.shape[1]))
    W[0] = w0
    for k in range(steps):
        W[k + 1] = W[k] - eta * X.T @ (X @ W[k] - y) / len(y)
    return W


def sgd_path(X, y, w0, *, eta: float, steps: int, seed: int = 0) -> np.ndarray:
    """One-sample SGD (sample i_k uniform, with replacement) on f(w) = (1/2n)‖Xw − y‖² from ``w0``, constant
    step: the iterates w_0 … w_steps as a (steps+1)×d array."""
    check_positive(eta, "eta")
    steps = check_count(steps, "steps", minimum=0)
    X, y = np.asarray(X, float), np.asarray(y, float)
    idx = rng(seed).integers(0, len(y), steps)
    W = np.empty((steps + 1, X.shape[1]))
    W[0] = w0
    for k, i in enumerate(idx):
        W[k + 1] = W[k] - eta * X[i] * (X[i] @ W[k] - y[i])
    return W


def noise_cloud(X, y, w_star, *, eta: float, steps: int, burn_in: int, seed: int = 0) -> dict[str, np.ndarray]:
    r"""One-sample SGD started at the minimizer, run ``burn_in + steps`` steps: the last ``steps`` iterates
    (the cloud), their covariance, and the mean excess loss f(w_k) − f* over them (the measured floor)."""
    steps = check_count(steps, "steps", minimum=2)
    burn_in = check_count(burn_in, "burn_in", minimum=0)
    W = sgd_path(X, y, w_star, eta=eta, steps=burn_in + steps, seed=seed)[burn_in + 1:]
    X, y = np.asarray(X, float), np.asarray(y, float)
    f_star = 0.5 * np.mean((X @ w_star - y) ** 2)
    excess = 0.5 * np.mean((W @ X.T - y) ** 2, axis=1) - f_star
    return {"cloud": W, "cov": np.cov((W - w_star).T), "floor": float(np.mean(excess))}


def floor_1d(h: float, sigma: float, etas, *, chains: int = 5000, steps: int = 500,
             seed: int = 0) -> dict[str, np.ndarray]:
    r"""The noisy 1-D quadratic w_{k+1} = w_k − η(h·w_k + ξ_k), ξ_k independent N(0, σ²h) (the gradient noise of
    1-D least squares with curvature h and residual variance σ²), from w_0 = 0, for ``chains`` independent
    chains. Returns, per η in ``etas``, the variance of w over the chains at the last step (``measured``) and the
    stationary variance ησ²/(2 − ηh) (``predicted``) and its small-step form ησ²/2 (``small_step``)."""
    check_positive(h, "h")
    check_positive(sigma, "sigma")
    chains = check_count(chains, "chains", minimum=2)
    steps = check_count(steps, "steps", minimum=1)
    etas = np.asarray(etas, dtype=float)
    if etas.ndim != 1 or np.any(etas <= 0) or np.any(etas * h >= 2):
        raise ValueError(f"etas: expected positive steps with η·h < 2 (h = {h}), got {etas.tolist()}")
    gen = rng(seed)
    w = np.zeros((len(etas), chains))
    for _ in range(steps):
        w -= etas[:, None] * (h * w + sigma * np.sqrt(h) * gen.standard_normal(w.shape))
    return {"etas": etas, "measured": w.var(axis=1), "predicted": etas * sigma**2 / (2 - etas * h),
            "small_step": etas * sigma**2 / 2}
