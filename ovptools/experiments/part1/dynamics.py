r"""Lecture 1's pictures of the dynamics: GD and one-sample SGD on an elongated 2-D least-squares problem
(paths on the contours, the cloud of iterates at the noise floor) and the noise floor of a 1-D quadratic,
whose stationary variance has the closed form ησ²/(2 − ηh). numpy only."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..._validate import as_array, check_count, check_positive, rng


@dataclass(frozen=True)
class LeastSquares2D:
    """A 2-D least-squares problem f(w) = (1/2n)‖Xw − y‖² (:func:`elongated_least_squares`).

    ``X`` (n×2) inputs, ``y`` (n) labels, ``w_star`` (2) the minimizer, ``H`` (2×2) the curvature XᵀX/n,
    ``f_star`` the minimum f(w_star).
    """

    X: np.ndarray
    y: np.ndarray
    w_star: np.ndarray
    H: np.ndarray
    f_star: float


@dataclass(frozen=True)
class NoiseCloud:
    """One-sample SGD's iterates at the noise floor (:func:`noise_cloud`).

    ``cloud`` (steps×d) the iterates after the burn-in, ``cov`` (d×d) their covariance around the minimizer,
    ``floor`` the mean excess loss f(w_k) − f* over them.
    """

    cloud: np.ndarray
    cov: np.ndarray
    floor: float


@dataclass(frozen=True)
class Floor1D:
    """The stationary variance of SGD on a noisy 1-D quadratic, per step size (:func:`floor_1d`).

    ``etas`` the steps η; ``measured`` the variance of w over the chains at the last step; ``predicted`` the
    stationary variance ησ²/(2 − ηh); ``small_step`` its small-step form ησ²/2. All of length len(etas).
    """

    etas: np.ndarray
    measured: np.ndarray
    predicted: np.ndarray
    small_step: np.ndarray


def _path_args(X, y, w0, name: str = "w0") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Checked (X, y, w0): X n×d, y of length n, w0 (called ``name``) of length d."""
    X, y, w0 = as_array(X, "X", ndim=2), as_array(y, "y", ndim=1), as_array(w0, name, ndim=1)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y: expected {X.shape[0]} labels to match the rows of X (shape {X.shape}), got {y.shape[0]}")
    if w0.shape[0] != X.shape[1]:
        raise ValueError(f"{name}: expected length d = {X.shape[1]} (columns of X), got {w0.shape[0]}")
    return X, y, w0


def elongated_least_squares(n: int = 400, *, curvatures=(1.0, 0.1), noise: float = 0.5,
                            seed: int = 0) -> LeastSquares2D:
    r"""A 2-D least-squares problem f(w) = (1/2n)‖Xw − y‖² whose curvature H = XᵀX/n is close to
    ``diag(curvatures)``: inputs x_i = √2·diag(√h₁, √h₂)·(cos t_i, sin t_i) with t_i uniform (so ‖x_i‖² ≤ 2·max h),
    labels y_i = x_iᵀw_true + noise·N(0, 1). Returns a :class:`LeastSquares2D`."""
    n = check_count(n, "n", minimum=3)
    check_positive(noise, "noise")
    h = np.asarray(curvatures, dtype=float)
    if h.shape != (2,) or not np.all(h > 0) or not np.all(np.isfinite(h)):
        raise ValueError(f"curvatures: expected two positive numbers, got {curvatures!r}")
    gen = rng(seed)
    t = gen.uniform(0, 2 * np.pi, n)
    X = np.sqrt(2 * h) * np.stack([np.cos(t), np.sin(t)], axis=1)
    y = X @ np.array([1.0, -1.0]) + noise * gen.standard_normal(n)
    w_star = np.linalg.lstsq(X, y, rcond=None)[0]
    f_star = 0.5 * np.mean((X @ w_star - y) ** 2)
    return LeastSquares2D(X=X, y=y, w_star=w_star, H=X.T @ X / n, f_star=float(f_star))


def gd_path(X, y, w0, *, eta: float, steps: int) -> np.ndarray:
    """GD on f(w) = (1/2n)‖Xw − y‖² from ``w0``: the iterates w_0 … w_steps as a (steps+1)×d array."""
    check_positive(eta, "eta")
    steps = check_count(steps, "steps", minimum=0)
    X, y, w0 = _path_args(X, y, w0)
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
    X, y, w0 = _path_args(X, y, w0)
    idx = rng(seed).integers(0, len(y), steps)
    W = np.empty((steps + 1, X.shape[1]))
    W[0] = w0
    for k, i in enumerate(idx):
        W[k + 1] = W[k] - eta * X[i] * (X[i] @ W[k] - y[i])
    return W


def noise_cloud(X, y, w_star, *, eta: float, steps: int, burn_in: int, seed: int = 0) -> NoiseCloud:
    r"""One-sample SGD started at the minimizer, run ``burn_in + steps`` steps: the last ``steps`` iterates
    (the cloud), their covariance, and the mean excess loss f(w_k) − f* over them (the measured floor)."""
    steps = check_count(steps, "steps", minimum=2)
    burn_in = check_count(burn_in, "burn_in", minimum=0)
    X, y, w_star = _path_args(X, y, w_star, "w_star")
    W = sgd_path(X, y, w_star, eta=eta, steps=burn_in + steps, seed=seed)[burn_in + 1:]
    f_star = 0.5 * np.mean((X @ w_star - y) ** 2)
    excess = 0.5 * np.mean((W @ X.T - y) ** 2, axis=1) - f_star
    return NoiseCloud(cloud=W, cov=np.cov((W - w_star).T), floor=float(np.mean(excess)))


def floor_1d(h: float, sigma: float, etas, *, chains: int = 5000, steps: int = 500,
             seed: int = 0) -> Floor1D:
    r"""The noisy 1-D quadratic w_{k+1} = w_k − η(h·w_k + ξ_k), ξ_k independent N(0, σ²h) (the gradient noise of
    1-D least squares with curvature h and residual variance σ²), from w_0 = 0, for ``chains`` independent
    chains. Returns, per η in ``etas``, the variance of w over the chains at the last step (``measured``) and the
    stationary variance ησ²/(2 − ηh) (``predicted``) and its small-step form ησ²/2 (``small_step``)."""
    check_positive(h, "h")
    check_positive(sigma, "sigma")
    chains = check_count(chains, "chains", minimum=2)
    steps = check_count(steps, "steps", minimum=1)
    etas = as_array(etas, "etas", ndim=1)
    if np.any(etas <= 0) or np.any(etas * h >= 2):
        raise ValueError(f"etas: expected positive steps with η·h < 2 (h = {h}), got {etas.tolist()}")
    gen = rng(seed)
    w = np.zeros((len(etas), chains))
    for _ in range(steps):
        w -= etas[:, None] * (h * w + sigma * np.sqrt(h) * gen.standard_normal(w.shape))
    return Floor1D(etas=etas, measured=w.var(axis=1), predicted=etas * sigma**2 / (2 - etas * h),
                   small_step=etas * sigma**2 / 2)
