r"""Test functions of Part I with their known constants, and the quantities measured along a run.

PL (Karimi, Nutini, Schmidt 2016): :math:`\frac12\|\nabla f(w)\|^2 \ge \mu\,(f(w) - f^*)`.
numpy only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._validate import as_array, check_count, check_positive, check_same_rows

Vector = np.ndarray


@dataclass(frozen=True)
class Objective:
    """A test function with its gradient and known constants (None where none holds)."""

    name: str
    f: Callable[[Vector], float]
    grad: Callable[[Vector], Vector]
    beta: float
    mu: float | None
    f_star: float


def _pl_f(w: Vector) -> float:
    return float(np.sum(w**2 + 3 * np.sin(w) ** 2))


def _pl_grad(w: Vector) -> Vector:
    return 2 * w + 3 * np.sin(2 * w)


NONCONVEX_PL = Objective("x² + 3 sin²x", _pl_f, _pl_grad, beta=8.0, mu=1 / 32, f_star=0.0)
"""f(x) = x² + 3 sin²(x) (Karimi et al.): f'' = 2 + 6 cos 2x ∈ [−4, 8], so β = 8 and f is not
convex; it is PL with μ = 1/32 (their proof; the best constant is ≈ 0.1755)."""

CAUCHY = Objective(
    "Σ log(1 + w_j²)",
    lambda w: float(np.sum(np.log1p(w**2))),
    lambda w: 2 * w / (1 + w**2),
    beta=2.0,
    mu=None,
    f_star=0.0,
)
"""f(w) = Σ_j log(1 + w_j²): smooth (β = 2), non-convex for |w_j| > 1, and not PL with any μ > 0
(the gradient vanishes at infinity while f grows)."""


def pl_ratios(f_vals, grad_sq_norms, f_star: float) -> np.ndarray:
    r""":math:`\mu_k = \frac12\|\nabla f(w_k)\|^2 / (f(w_k) - f^*)` at each iterate (NaN where f(w_k) = f*).

    The smallest value along a run is the largest PL constant consistent with that run.
    """
    f_vals = as_array(f_vals, "f_vals", ndim=(0, 1))
    g = as_array(grad_sq_norms, "grad_sq_norms", ndim=(0, 1))
    if f_vals.shape != g.shape:
        raise ValueError(f"grad_sq_norms: expected shape {f_vals.shape} to match f_vals, got {g.shape}")
    gap = f_vals - float(f_star)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(gap > 0, 0.5 * g / gap, np.nan)


def fitted_rate(gaps) -> float:
    r"""Per-step contraction factor ρ fitted to :math:`g_k \approx C\rho^k`: exp of the least-squares
    slope of log g_k against k (entries ≤ 0 are dropped: they have reached the optimum)."""
    g = as_array(gaps, "gaps", ndim=1)
    k = np.arange(len(g))
    keep = g > 0
    if keep.sum() < 2:
        raise ValueError("gaps: need at least two positive values f(w_k) - f* to fit a rate")
    return float(np.exp(np.polyfit(k[keep], np.log(g[keep]), 1)[0]))


# ---- ℓ2-regularized logistic regression: f(w) = (1/n) Σ log(1 + exp(−y_i x_iᵀw)) + (λ/2)‖w‖² ----


def sigmoid(t) -> np.ndarray:
    r"""The logistic function :math:`1/(1 + e^{-t})`, for any real t without an overflow warning.

    For t < −709, e^{−t} overflows to +inf and the quotient is exactly 0, the correctly rounded
    value (the true one is below 1e-308); elsewhere the result is that of the plain formula, bit for bit.
    """
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-np.asarray(t, dtype=float)))


def _logistic_args(w, X, y, lam: float, *, strict: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Checked (w, X, y, λ): X n×d, y of length n with entries ±1, w of length d (None: zeros), λ ≥ 0
    (> 0 if ``strict``)."""
    X, y = as_array(X, "X", ndim=2), as_array(y, "y", ndim=1)
    check_same_rows("X", X, "y", y)
    if not np.all(np.abs(y) == 1):
        bad = np.unique(y[np.abs(y) != 1])[:5].tolist()
        raise ValueError(f"y: expected labels ±1, got values such as {bad}; labels 0/1 map to ±1 by y = 2*y - 1")
    w = np.zeros(X.shape[1]) if w is None else as_array(w, "w", ndim=1)
    if w.shape[0] != X.shape[1]:
        raise ValueError(f"w: expected length d = {X.shape[1]} (columns of X), got {w.shape[0]}")
    return w, X, y, check_positive(lam, "lam", allow_zero=not strict)


def logistic_loss(w: Vector, X: np.ndarray, y: np.ndarray, lam: float) -> float:
    """(1/n) Σ log(1 + exp(−y_i x_iᵀw)) + (λ/2)‖w‖², for X n×d, labels y_i = ±1 (length n) and λ ≥ 0."""
    return _loss(*_logistic_args(w, X, y, lam))


def _loss(w: np.ndarray, X: np.ndarray, y: np.ndarray, lam: float) -> float:
    return float(np.mean(np.logaddexp(0.0, -y * (X @ w))) + 0.5 * lam * w @ w)


def logistic_grad(w: Vector, X: np.ndarray, y: np.ndarray, lam: float, idx=None) -> Vector:
    r"""Gradient of :func:`logistic_loss`, :math:`-\frac1n\sum_i \frac{y_i\,x_i}{1 + e^{y_i x_i^\top w}} + \lambda w`,
    or with ``idx`` the average over those samples only."""
    w, X, y, lam = _logistic_args(w, X, y, lam)
    if idx is not None:
        X, y = X[idx], y[idx]
    return _grad(w, X, y, lam)


def _grad(w: np.ndarray, X: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    s = -y * sigmoid(-y * (X @ w))
    return X.T @ s / len(y) + lam * w


def logistic_optimum(X: np.ndarray, y: np.ndarray, lam: float, *, steps: int = 40) -> tuple[np.ndarray, float]:
    """(w*, f*) by Newton's method (the objective is λ-strongly convex: λ > 0)."""
    w, X, y, lam = _logistic_args(None, X, y, lam, strict=True)  # from w = 0
    steps = check_count(steps, "steps")
    for _ in range(steps):
        p = sigmoid(y * (X @ w))
        H = (X.T * (p * (1 - p))) @ X / len(y) + lam * np.eye(X.shape[1])
        w = w - np.linalg.solve(H, _grad(w, X, y, lam))
    return w, _loss(w, X, y, lam)
