"""Lecture 9: the stochastic subgradient method on robust ℓ1 regression (Davis, Drusvyatskiy, Kakade & Lee 2018),
against the classical bound for convex Lipschitz functions."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..._device import few_threads
from ..._validate import check_count, check_positive, rng
from ..common import loglog_slope


@dataclass(frozen=True)
class SubgradientRate:
    """The stochastic subgradient method per budget K (:func:`subgradient_l1_regression`): ``budgets``, ``gap``
    (the mean f(w̄_K) − f^⋆ over the runs), ``bound`` (RG/√K), the fitted ``slope`` of log(gap) against log K,
    ``f_star``, ``R``, ``G``, and ``w_error`` = ‖w^⋆ − w_true‖."""

    budgets: np.ndarray
    gap: np.ndarray
    bound: np.ndarray
    slope: float
    f_star: float
    R: float
    G: float
    w_error: float


@few_threads(blas=True)
def subgradient_l1_regression(
    budgets=(100, 300, 1000, 3000, 10000), *, n: int = 200, d: int = 10, outliers: float = 0.2, runs: int = 20,
    seed: int = 0,
) -> SubgradientRate:
    r"""The stochastic subgradient method on robust regression f(w) = (1/n) Σ_i |x_iᵀw − y_i| (convex,
    non-smooth), against the classical bound for convex Lipschitz f.

    Data: x_i ~ N(0, I_d), y = X w* + a fraction ``outliers`` of labels replaced by N(0, 10²) values.
    One step: pick i uniformly, g = sign(x_iᵀw − y_i)·x_i (a subgradient of the i-th term), w ← w − η g,
    from w₀ = 0, with the constant step η = R/(G√K) for a budget of K steps, where R = ‖w₀ − w^⋆‖ and
    G² = (1/n)Σ‖x_i‖² ≥ E‖g‖². Theorem: E f(w̄_K) − f^⋆ ≤ RG/√K for the average w̄_K of the iterates.
    f^⋆ and w^⋆ come from the equivalent linear program (scipy's HiGHS). ``runs`` independent runs per budget.
    Returns a :class:`SubgradientRate`: per budget the mean gap f(w̄_K) − f^⋆ over the runs and the bound
    RG/√K, and the fitted slope of log(gap) against log K. The loop is written out: a subgradient step with
    sign(0) = 0 and a running average of the iterates, for all runs as one array, which the GD/SGD of
    :mod:`ovptools.train` do not express.
    """
    from scipy.optimize import linprog

    budgets = tuple(check_count(K, "budgets") for K in budgets)
    n, d, runs = check_count(n, "n"), check_count(d, "d"), check_count(runs, "runs")
    outliers = check_positive(outliers, "outliers", allow_zero=True)
    if outliers >= 1:
        raise ValueError(f"outliers: expected a fraction in [0, 1), got {outliers!r}")
    g = rng(seed)
    X = g.standard_normal((n, d))
    w_true = g.standard_normal(d)
    y = X @ w_true
    bad = g.random(n) < outliers
    y[bad] = 10.0 * g.standard_normal(bad.sum())
    # min Σ t_i s.t. −t ≤ Xw − y ≤ t, variables (w, t)
    c = np.concatenate([np.zeros(d), np.ones(n) / n])
    A = np.block([[X, -np.eye(n)], [-X, -np.eye(n)]])
    lp = linprog(c, A_ub=A, b_ub=np.concatenate([y, -y]), bounds=[(None, None)] * d + [(0, None)] * n,
                 method="highs")
    w_star, f_star = lp.x[:d], float(lp.fun)
    R = float(np.linalg.norm(w_star))
    G = float(np.sqrt(np.mean(np.sum(X**2, axis=1))))
    gaps = []
    for K in budgets:
        eta = R / (G * math.sqrt(K))
        W = np.zeros((runs, d))
        avg = np.zeros((runs, d))
        pick = rng(seed, K).integers(0, n, size=(K, runs))
        for k in range(K):
            xi = X[pick[k]]
            s = np.sign(np.einsum("rd,rd->r", xi, W) - y[pick[k]])
            W -= eta * s[:, None] * xi
            avg += W
        avg /= K
        gaps.append(float(np.mean(np.abs(avg @ X.T - y).mean(axis=1) - f_star)))
    gaps = np.array(gaps)
    bound = R * G / np.sqrt(np.array(budgets, dtype=float))
    return SubgradientRate(budgets=np.array(budgets), gap=gaps, bound=bound, slope=loglog_slope(budgets, gaps),
                           f_star=f_star, R=R, G=G, w_error=float(np.linalg.norm(w_star - w_true)))
