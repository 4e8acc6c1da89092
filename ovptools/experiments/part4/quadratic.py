"""Lecture 9: quadratic activations (Du & Lee 2018; Soltanolkotabi, Javanmard & Lee 2018): the landscape of
f(x) = xᵀWᵀdiag(v)Wx against the width, beside the convex problem over symmetric matrices."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..._device import few_threads
from ..._validate import check_count, check_positive, rng

# ---- Lecture 9: quadratic activations ------------------------------------------------------------------
# f(x) = Σ_j v_j (w_jᵀx)² = xᵀ Wᵀ diag(v) W x with the output weights v fixed; W is k×d (rows w_j).


@dataclass(frozen=True)
class WidthRuns:
    """The local-search runs of one width ``k`` (:func:`quadratic_landscape`): the final ``loss`` and
    ``grad_norm`` of each start (n_seeds each)."""

    k: int
    loss: np.ndarray
    grad_norm: np.ndarray


@dataclass(frozen=True)
class QuadraticLandscape:
    """Local search against the global minimum (:func:`quadratic_landscape`): the data ``X``, ``y``, the
    ``widths``, ``runs`` (one :class:`WidthRuns` per width), the global minimum ``reference``; for
    ``signs="positive"`` also the ``rank`` of the optimal M and the ``certificate`` (the smallest eigenvalue of
    the gradient there), both None for ``"balanced"``."""

    X: np.ndarray
    y: np.ndarray
    widths: tuple[int, ...]
    runs: tuple[WidthRuns, ...]
    reference: float
    rank: int | None = None
    certificate: float | None = None


def _quad_loss_grad(w: np.ndarray, v: np.ndarray, X: np.ndarray, y: np.ndarray, lam: float):
    W = w.reshape(len(v), X.shape[1])
    Z = X @ W.T  # n×k
    r = (Z**2) @ v - y
    n = len(y)
    loss = 0.5 * float(r @ r) / n + 0.5 * lam * float(np.sum(W**2))
    grad = 2.0 * ((Z * (r[:, None] * v[None, :])).T @ X) / n + lam * W
    return loss, grad.ravel()


def _fit_symmetric(X: np.ndarray, y: np.ndarray) -> float:
    """min over symmetric M of (1/2n) Σ (y_i − x_iᵀ M x_i)²: a linear least-squares problem in M."""
    d = X.shape[1]
    iu = np.triu_indices(d)
    features = (X[:, :, None] * X[:, None, :])[:, iu[0], iu[1]] * np.where(iu[0] == iu[1], 1.0, 2.0)
    coef = np.linalg.lstsq(features, y, rcond=None)[0]
    r = features @ coef - y
    return 0.5 * float(r @ r) / len(y)


def _fit_psd_trace(X: np.ndarray, y: np.ndarray, lam: float, iters: int) -> tuple[float, np.ndarray, float]:
    r"""min over M ⪰ 0 of (1/2n) Σ (y_i − ⟨x_i x_iᵀ, M⟩)² + (λ/2) tr M (convex), by accelerated projected
    gradient. Returns the value, M and the smallest eigenvalue of the gradient at M (≥ 0 at the optimum)."""
    n, d = X.shape
    lip = float(np.linalg.eigvalsh((X @ X.T) ** 2)[-1]) / n
    M = np.zeros((d, d))
    Y, t = M, 1.0

    def grad(M):
        r = np.einsum("ni,ij,nj->n", X, M, X) - y
        return (X.T * r) @ X / n + 0.5 * lam * np.eye(d), r

    for _ in range(iters):
        G, _ = grad(Y)
        ev, U = np.linalg.eigh(Y - G / lip)
        M_new = (U * np.maximum(ev, 0.0)) @ U.T
        t_new = 0.5 * (1 + math.sqrt(1 + 4 * t * t))
        Y = M_new + (t - 1) / t_new * (M_new - M)
        M, t = M_new, t_new
    G, r = grad(M)
    value = 0.5 * float(r @ r) / n + 0.5 * lam * float(np.trace(M))
    return value, M, float(np.linalg.eigvalsh(G)[0])


@few_threads(blas=True)
def quadratic_landscape(
    widths, *, d: int, n: int, signs: str = "balanced", lam: float = 0.0, n_seeds: int = 20, seed: int = 0,
    reference_steps: int = 3000,
) -> QuadraticLandscape:
    r"""Local search on the quadratic-activation net from ``n_seeds`` random starts per width k, against the
    global minimum computed independently as a convex problem in M = Wᵀ diag(v) W.

    Data: x_i ~ N(0, I_d), y_i ~ N(0, 1) (arbitrary labels: the theorems hold for any data). Loss
    L(W) = (1/2n) Σ (f(x_i) − y_i)² + (λ/2)‖W‖_F². ``signs="balanced"``: v = (+1, −1, +1, …), λ = 0 allowed
    (Soltanolkotabi–Javanmard–Lee; for k ≥ 2d, M ranges over all symmetric matrices, so the global minimum
    is a least-squares fit). ``signs="positive"``: v = 1, M = WᵀW ⪰ 0, λ > 0 (Du–Lee; the global minimum
    over k ≥ d is the convex trace-regularized fit over M ⪰ 0, solved by projected gradient).
    Each run is L-BFGS on W from w_j ~ N(0, I_d/d) (scipy's, gtol = 1e-9 on the largest gradient entry).
    Returns a :class:`QuadraticLandscape`: per width the final losses and gradient norms; and the
    reference value (plus, for "positive", the rank of the optimal M and the smallest eigenvalue of the gradient there).
    """
    from scipy.optimize import minimize

    d, n, seeds = check_count(d, "d"), check_count(n, "n"), check_count(n_seeds, "n_seeds")
    widths = tuple(check_count(k, "widths") for k in widths)
    if signs not in ("balanced", "positive"):
        raise ValueError(f"signs: expected 'balanced' or 'positive', got {signs!r}")
    lam = check_positive(lam, "lam", allow_zero=signs == "balanced")
    g = rng(seed)
    X = g.standard_normal((n, d))
    y = g.standard_normal(n)
    out: dict = {}
    if signs == "balanced":
        out["reference"] = _fit_symmetric(X, y)
    else:
        value, M, certificate = _fit_psd_trace(X, y, lam, check_count(reference_steps, "reference_steps"))
        ev = np.linalg.eigvalsh(M)
        out.update(reference=value, rank=int(np.sum(ev > 1e-6 * max(ev[-1], 1e-300))), certificate=certificate)
    runs = []
    for k in widths:
        v = np.where(np.arange(k) % 2 == 0, 1.0, -1.0) if signs == "balanced" else np.ones(k)
        losses, grads = [], []
        for s in range(seeds):
            w0 = rng(seed, k, s).standard_normal(k * d) / math.sqrt(d)
            res = minimize(_quad_loss_grad, w0, args=(v, X, y, lam), jac=True, method="L-BFGS-B",
                           options={"maxiter": 20000, "gtol": 1e-9, "ftol": 1e-15})
            losses.append(res.fun)
            grads.append(float(np.linalg.norm(res.jac)))
        runs.append(WidthRuns(k=k, loss=np.array(losses), grad_norm=np.array(grads)))
    return QuadraticLandscape(X=X, y=y, widths=widths, runs=tuple(runs), **out)
