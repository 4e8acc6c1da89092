r"""Part I: gradient descent and SGD on small problems, with the quantities the lectures measure.

Conventions: ``f`` maps a parameter vector ``w`` (numpy, shape (p,)) to a float; ``grad`` maps it
to an array of the same shape. Iterates are returned stacked: row k is w_k (row 0 is w_0).
PL (Karimi, Nutini, Schmidt 2016): :math:`\frac12\|\nabla f(w)\|^2 \ge \mu\,(f(w) - f^*)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._checks import check_count, check_positive
from .data import _rng
from .train import DivergenceError

Vector = np.ndarray
Grad = Callable[[Vector], Vector]


def _as_vector(w0, name: str = "w0") -> np.ndarray:
    w = np.array(w0, dtype=float, ndmin=1)
    if w.ndim != 1 or not np.all(np.isfinite(w)):
        raise ValueError(f"{name}: expected a finite 1-D array, got shape {w.shape}")
    return w


def gd(grad: Grad, w0, *, step: float, iters: int, blowup: float = 1e12) -> np.ndarray:
    r"""Gradient descent :math:`w_{k+1} = w_k - \gamma\nabla f(w_k)`. Returns the (iters+1)×p iterates.

    Raises :class:`DivergenceError` (naming the step and iteration) if an iterate becomes
    NaN/Inf or its norm exceeds ``blowup``.
    """
    step, iters = check_positive(step, "step"), check_count(iters, "iters", minimum=0)
    W = np.empty((iters + 1, *_as_vector(w0).shape))
    W[0] = _as_vector(w0)
    for k in range(iters):
        W[k + 1] = W[k] - step * np.asarray(grad(W[k]), dtype=float)
        if not np.all(np.isfinite(W[k + 1])) or np.abs(W[k + 1]).max() > blowup:
            raise DivergenceError(
                f"gradient descent diverged at iteration {k + 1} with step = {step:g}; "
                "for a β-smooth f, steps below 2/β are stable: try a step 10× smaller"
            )
    return W


def sgd(
    grad_batch: Callable[[Vector, np.ndarray], Vector],
    n: int,
    w0,
    *,
    step: float | Callable[[int], float],
    iters: int,
    batch_size: int = 1,
    seed: int,
    blowup: float = 1e12,
) -> np.ndarray:
    r"""Minibatch SGD :math:`w_{k+1} = w_k - \gamma_k \frac1B\sum_{i\in B_k}\nabla f_i(w_k)` for
    :math:`f = \frac1n\sum_i f_i`, with B_k drawn uniformly with replacement.

    ``grad_batch(w, idx)`` returns the average gradient over the samples ``idx``; ``step`` is a
    constant or a function k ↦ γ_k. Returns the (iters+1)×p iterates.
    """
    n, iters = check_count(n, "n"), check_count(iters, "iters", minimum=0)
    batch_size = check_count(batch_size, "batch_size")
    if callable(step):
        schedule = step
    else:
        constant = check_positive(step, "step")

        def schedule(k: int) -> float:
            return constant

    rng = _rng(seed)
    idx = rng.integers(0, n, size=(iters, batch_size))
    W = np.empty((iters + 1, *_as_vector(w0).shape))
    W[0] = _as_vector(w0)
    for k in range(iters):
        W[k + 1] = W[k] - schedule(k) * np.asarray(grad_batch(W[k], idx[k]), dtype=float)
        if not np.all(np.isfinite(W[k + 1])) or np.abs(W[k + 1]).max() > blowup:
            raise DivergenceError(f"SGD diverged at iteration {k + 1} with step = {schedule(k):g}; try a smaller step")
    return W


def pl_ratios(f_vals, grad_sq_norms, f_star: float) -> np.ndarray:
    r""":math:`\mu_k = \frac12\|\nabla f(w_k)\|^2 / (f(w_k) - f^*)` at each iterate (NaN where f(w_k) = f*).

    The smallest value along a run is the largest PL constant consistent with that run.
    """
    f_vals, g = np.asarray(f_vals, dtype=float), np.asarray(grad_sq_norms, dtype=float)
    if f_vals.shape != g.shape:
        raise ValueError(f"grad_sq_norms: expected shape {f_vals.shape} to match f_vals, got {g.shape}")
    gap = f_vals - f_star
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(gap > 0, 0.5 * g / gap, np.nan)


def fitted_rate(gaps) -> float:
    r"""Per-step contraction factor ρ fitted to :math:`g_k \approx C\rho^k`: exp of the least-squares
    slope of log g_k against k (entries ≤ 0 are dropped: they have reached the optimum)."""
    g = np.asarray(gaps, dtype=float)
    k = np.arange(len(g))
    keep = g > 0
    if keep.sum() < 2:
        raise ValueError("gaps: need at least two positive values f(w_k) - f* to fit a rate")
    return float(np.exp(np.polyfit(k[keep], np.log(g[keep]), 1)[0]))


@dataclass(frozen=True)
class Objective:
    """A test function with its gradient and known constants (None where none holds)."""

    name: str
    f: Callable[[Vector], float]
    grad: Grad
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


def least_squares_data(n: int, d: int, *, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows x_i ~ N(0, I_d/d) and y = X w* + noise·ε with w* ~ N(0, I_d), ε ~ N(0, I_n)."""
    n, d = check_count(n, "n"), check_count(d, "d")
    rng = _rng(seed)
    X = rng.standard_normal((n, d)) / np.sqrt(d)
    return X, X @ rng.standard_normal(d) + noise * rng.standard_normal(n)


# ---- ℓ2-regularized logistic regression: f(w) = (1/n) Σ log(1 + exp(−y_i x_iᵀw)) + (λ/2)‖w‖² ----


def logistic_data(n: int, d: int, *, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Unit-norm inputs and ±1 labels drawn from a logistic model around a random direction."""
    n, d = check_count(n, "n"), check_count(d, "d")
    rng = _rng(seed)
    u = rng.standard_normal(d)
    u /= np.linalg.norm(u)
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    p = 1 / (1 + np.exp(-1.5 * np.sqrt(d) * X @ u))
    return X, np.where(rng.random(n) < p, 1.0, -1.0)


def logistic_loss(w: Vector, X: np.ndarray, y: np.ndarray, lam: float) -> float:
    """(1/n) Σ log(1 + exp(−y_i x_iᵀw)) + (λ/2)‖w‖²."""
    return float(np.mean(np.logaddexp(0.0, -y * (X @ w))) + 0.5 * lam * w @ w)


def logistic_grad(w: Vector, X: np.ndarray, y: np.ndarray, lam: float, idx=None) -> Vector:
    """Gradient of :func:`logistic_loss`, or with ``idx`` the average over those samples only."""
    if idx is not None:
        X, y = X[idx], y[idx]
    s = -y / (1 + np.exp(y * (X @ w)))
    return X.T @ s / len(y) + lam * w


def logistic_optimum(X: np.ndarray, y: np.ndarray, lam: float, *, iters: int = 40) -> tuple[np.ndarray, float]:
    """(w*, f*) by Newton's method (the objective is λ-strongly convex)."""
    w = np.zeros(X.shape[1])
    for _ in range(iters):
        p = 1 / (1 + np.exp(-y * (X @ w)))
        H = (X.T * (p * (1 - p))) @ X / len(y) + lam * np.eye(X.shape[1])
        w = w - np.linalg.solve(H, logistic_grad(w, X, y, lam))
    return w, logistic_loss(w, X, y, lam)


def gd_vs_sgd_cost(
    ns, eps_grid, *, d: int = 10, lam: float = 0.01, seeds: int = 3, max_sgd_steps: int = 400_000
) -> dict[str, np.ndarray]:
    r"""Cost, in per-sample gradient evaluations, for GD and SGD to first reach
    f(w) − f* ≤ ε on ℓ2-regularized logistic regression, for each n in ``ns`` and ε in ``eps_grid``.

    GD: step 1/β with β = (1/4n)Σ‖x_i‖² + λ, n evaluations per step. SGD: one sample per step,
    step γ_k = 2/(λ(k + k₀)) with k₀ = 2β/λ (the strongly convex schedule), median over ``seeds``.
    The loss is checked every 50 SGD steps (not counted). Returns ``gd``, ``sgd`` (len(ns)×len(eps)),
    ``crossover`` (the ε per n where the costs are equal, interpolated on log scales; NaN if none).
    """
    ns, eps_grid = [check_count(n, "ns") for n in ns], np.asarray(eps_grid, dtype=float)
    gd_cost = np.full((len(ns), len(eps_grid)), np.nan)
    sgd_cost = np.full_like(gd_cost, np.nan)
    for a, n in enumerate(ns):
        X, y = logistic_data(n, d, seed=a)
        _, f_star = logistic_optimum(X, y, lam)
        beta = np.mean(np.sum(X**2, axis=1)) / 4 + lam
        w, k = np.zeros(d), 0
        while np.isnan(gd_cost[a]).any() and k < 100_000:
            gap = logistic_loss(w, X, y, lam) - f_star
            gd_cost[a, np.isnan(gd_cost[a]) & (gap <= eps_grid)] = k * n
            w -= logistic_grad(w, X, y, lam) / beta
            k += 1
        runs = []
        for s in range(seeds):
            idx = _rng(1000 * a + s).integers(0, n, size=max_sgd_steps)
            w, k, k0 = np.zeros(d), 0, 2 * beta / lam
            cost = np.full(len(eps_grid), np.nan)
            while np.isnan(cost).any() and k < max_sgd_steps:
                gap = logistic_loss(w, X, y, lam) - f_star
                cost[np.isnan(cost) & (gap <= eps_grid)] = k
                for _ in range(50):
                    i = idx[k]
                    xi, yi = X[i], y[i]
                    w -= (2 / (lam * (k + k0))) * (-yi / (1 + np.exp(yi * (xi @ w))) * xi + lam * w)
                    k += 1
            runs.append(cost)
        sgd_cost[a] = np.median(runs, axis=0)
    crossover = np.full(len(ns), np.nan)
    for a in range(len(ns)):
        diff = np.log(gd_cost[a]) - np.log(sgd_cost[a])  # > 0: SGD is cheaper
        for j in range(len(eps_grid) - 1):
            if diff[j] > 0 >= diff[j + 1]:
                t = diff[j] / (diff[j] - diff[j + 1])
                crossover[a] = float(np.exp((1 - t) * np.log(eps_grid[j]) + t * np.log(eps_grid[j + 1])))
                break
    return {"ns": np.array(ns), "eps": eps_grid, "gd": gd_cost, "sgd": sgd_cost, "crossover": crossover}


def largest_stable_step(f: Callable[[Vector], float], run: Callable[[float], np.ndarray], steps) -> float:
    """Step 3 of the recipe: the largest step in ``steps`` whose short run ends below where it
    started (``run(step)`` returns iterates; diverging runs count as unstable)."""
    for s in sorted(steps, reverse=True):
        try:
            W = run(s)
        except DivergenceError:
            continue
        if np.isfinite(f(W[-1])) and f(W[-1]) < f(W[0]):
            return float(s)
    raise ValueError("steps: every step size tried diverged; try smaller ones")


def step_recipe(
    X: np.ndarray, y: np.ndarray, *, batch_size: int, seed: int, rounds: int = 3, window: int = 200,
    max_iters: int = 4000,
) -> dict[str, np.ndarray]:
    r"""The practical recipe on least squares f(w) = (1/2n)‖Xw − y‖² with minibatch SGD:
    find the largest stable constant step (within a factor 10), run until the loss plateaus
    (less than 1% better over ``window`` steps), cut the step by 10, repeat ``rounds`` times.

    Returns the loss after every step (``loss``), the step in force (``step``) and ``f_star``.
    """
    n, d = X.shape
    f = lambda w: float(0.5 * np.mean((X @ w - y) ** 2))  # noqa: E731
    gb = lambda w, idx: X[idx].T @ (X[idx] @ w - y[idx]) / len(idx)  # noqa: E731
    f_star = f(np.linalg.lstsq(X, y, rcond=None)[0])

    def short_run(s: float) -> np.ndarray:
        return sgd(gb, n, np.zeros(d), step=s, iters=100, batch_size=batch_size, seed=seed)

    step = largest_stable_step(f, short_run, 10.0 ** np.arange(3, -4, -1))
    w, losses, steps, k = np.zeros(d), [f(np.zeros(d))], [step], 0
    for r in range(rounds):
        previous = np.inf
        while k < max_iters:
            W = sgd(gb, n, w, step=step, iters=window, batch_size=batch_size, seed=seed + k)
            w, new = W[-1], [f(v) for v in W[1:]]
            losses += new
            steps += [step] * window
            k += window
            if np.mean(new) - f_star > 0.99 * (previous - f_star):  # plateau: < 1% better
                break
            previous = float(np.mean(new))
        if r < rounds - 1:
            step /= 10
    return {"loss": np.array(losses), "step": np.array(steps), "f_star": f_star}
