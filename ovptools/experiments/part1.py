r"""Part I's experiments (Lectures 1–3): GD against SGD, and the practical step-size recipe.
Each function runs the optimizers of :mod:`ovptools.train` and returns data; the notebooks plot it.
numpy only.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .._validate import as_array, check_count, check_positive, check_same_rows, rng
from ..data import logistic_data
from ..objectives import logistic_grad, logistic_loss, logistic_optimum
from ..train import DivergenceError, Run, descend, gd, sgd


class _SeededSGD:
    """One-sample SGD on ℓ2-regularized logistic regression for S independent runs at once (rows of
    ``W``), with the strongly convex schedule η_k = 2/(λ(k + k₀)); ``idx[s, k]`` is run s's sample at k."""

    device = "cpu"

    def __init__(self, X, y, lam, k0, idx) -> None:
        self.X, self.y, self.lam, self.k0, self.idx = X, y, lam, k0, idx
        self.W = np.zeros((idx.shape[0], X.shape[1]))

    def loss(self) -> np.ndarray:
        margins = self.y[:, None] * (self.X @ self.W.T)
        softplus = np.maximum(-margins, 0) + np.log1p(np.exp(-np.abs(margins)))  # log(1 + e^{−margin}), stably
        return np.mean(softplus, axis=0) + 0.5 * self.lam * np.sum(self.W**2, axis=1)

    def eta(self, k: int) -> float:
        return 2 / (self.lam * (k + self.k0))

    def step(self, k: int) -> None:
        i = self.idx[:, k]
        xi, yi = self.X[i], self.y[i]
        s = -yi / (1 + np.exp(yi * np.sum(xi * self.W, axis=1)))
        self.W -= self.eta(k) * (s[:, None] * xi + self.lam * self.W)

    def hint(self) -> str:
        return "The schedule 2/(λ(k + k₀)) with k₀ = 2β/λ is stable; check λ and the data."

    def state(self) -> dict:
        return {"W": self.W.copy()}


def _first_reach(gaps: np.ndarray, eps: np.ndarray, cost_per_step: float) -> np.ndarray:
    """For each ε, cost_per_step × the first k with gaps[k] ≤ ε (NaN if never)."""
    hit = gaps[:, None] <= eps[None, :]
    first = np.where(hit.any(0), hit.argmax(0), -1)
    return np.where(first >= 0, first * cost_per_step, np.nan)


def _all_reached(runs: int, level: float) -> Callable[[np.ndarray], bool]:
    """A stop rule: True once every run of the batch has had its loss at or below ``level``."""
    reached = np.zeros(runs, dtype=bool)

    def stop(value: np.ndarray) -> bool:
        reached[:] |= value <= level
        return bool(reached.all())

    return stop


def gd_vs_sgd_cost(ns, eps_grid, *, d: int = 10, lam: float = 0.01, seeds: int = 3,
                   max_sgd_steps: int = 400_000) -> dict[str, np.ndarray]:
    r"""Cost, in per-sample gradient evaluations, for GD and SGD to first reach f(w) − f* ≤ ε on
    ℓ2-regularized logistic regression, for each n in ``ns`` and ε in ``eps_grid``.

    GD: step 1/β with β = (1/4n)Σ‖x_i‖² + λ, n evaluations per step. SGD: one sample per step,
    step η_k = 2/(λ(k + k₀)) with k₀ = 2β/λ (the strongly convex schedule), median over ``seeds``
    runs of at most ``max_sgd_steps`` steps. The gap is checked every 10 SGD steps (not counted). Returns ``gd``,
    ``sgd`` (len(ns)×len(eps)), ``crossover`` (the ε per n where the costs are equal, interpolated
    on log scales; NaN if none).
    """
    ns = [check_count(n, "ns") for n in ns]
    eps_grid = as_array(eps_grid, "eps_grid", ndim=1)
    seeds, max_sgd_steps = check_count(seeds, "seeds"), check_count(max_sgd_steps, "max_sgd_steps")
    lam = check_positive(lam, "lam")
    gd_cost = np.full((len(ns), len(eps_grid)), np.nan)
    sgd_cost = np.full_like(gd_cost, np.nan)
    eps_min = eps_grid.min()
    for a, n in enumerate(ns):
        X, y = logistic_data(n, d, seed=a)
        _, f_star = logistic_optimum(X, y, lam)
        beta = np.mean(np.sum(X**2, axis=1)) / 4 + lam
        f = lambda w, X=X, y=y: logistic_loss(w, X, y, lam)  # noqa: E731
        # GD on a λ-strongly convex, β-smooth f: gap_k ≤ (1 − λ/β)^k gap_0, so this many steps suffice
        gap0 = f(np.zeros(d)) - f_star
        k_max = math.ceil(math.log(max(gap0, eps_min) / eps_min) / -math.log1p(-lam / beta)) + 1
        run = gd(f, lambda w, X=X, y=y: logistic_grad(w, X, y, lam), np.zeros(d), eta=1 / beta, steps=k_max)
        gd_cost[a] = _first_reach(run.loss - f_star, eps_grid, n)
        idx = np.stack([rng(1000 * a + s).integers(0, n, size=max_sgd_steps) for s in range(seeds)])
        problem = _SeededSGD(X, y, lam, 2 * beta / lam, idx)
        sgd_run = descend(problem, steps=max_sgd_steps - 1, stop=_all_reached(seeds, f_star + eps_min), loss_every=10,
                          progress=False)
        per_seed = [_first_reach(sgd_run.loss[:, s] - f_star, eps_grid, 1) for s in range(seeds)]
        sgd_cost[a] = np.median(per_seed, axis=0)
    crossover = np.full(len(ns), np.nan)
    for a in range(len(ns)):
        diff = np.log(gd_cost[a]) - np.log(sgd_cost[a])  # > 0: SGD is cheaper
        for j in range(len(eps_grid) - 1):
            if diff[j] > 0 >= diff[j + 1]:
                t = diff[j] / (diff[j] - diff[j + 1])
                crossover[a] = float(np.exp((1 - t) * np.log(eps_grid[j]) + t * np.log(eps_grid[j + 1])))
                break
    return {"ns": np.array(ns), "eps": eps_grid, "gd": gd_cost, "sgd": sgd_cost, "crossover": crossover}


def largest_stable_step(f: Callable, run: Callable[[float], Run], etas) -> float:
    """Step 3 of the recipe: the largest step in ``etas`` whose short run ends below where it
    started (``run(eta)`` returns a :class:`~ovptools.train.Run`; diverging runs count as unstable)."""
    for s in sorted(etas, reverse=True):
        try:
            loss = run(s).loss
        except DivergenceError:
            continue
        if np.isfinite(loss[-1]) and loss[-1] < loss[0]:
            return float(s)
    raise ValueError("etas: every step size tried diverged; try smaller ones")


def step_recipe(X, y, *, batch_size: int, seed: int, rounds: int = 3, window: int = 200,
                max_steps: int = 4000) -> dict[str, np.ndarray]:
    r"""The practical recipe on least squares f(w) = (1/2n)‖Xw − y‖² with minibatch SGD:
    find the largest stable constant step (within a factor 10), run until the loss plateaus
    (less than 1% better over ``window`` steps), cut the step by 10, repeat ``rounds`` times.

    Returns the loss after every step (``loss``), the step in force (``eta``) and ``f_star``.
    """
    X, y = as_array(X, "X", ndim=2), as_array(y, "y", ndim=1)
    check_same_rows("X", X, "y", y)
    n, d = X.shape
    f = lambda w: float(0.5 * np.mean((X @ w - y) ** 2))  # noqa: E731
    gb = lambda w, idx: X[idx].T @ (X[idx] @ w - y[idx]) / len(idx)  # noqa: E731
    f_star = f(np.linalg.lstsq(X, y, rcond=None)[0])

    def short_run(s: float) -> Run:
        return sgd(f, gb, n, np.zeros(d), eta=s, steps=100, batch_size=batch_size, seed=seed, record_every=100)

    eta = largest_stable_step(f, short_run, 10.0 ** np.arange(3, -4, -1))
    w, losses, etas, k = np.zeros(d), [f(np.zeros(d))], [eta], 0
    for r in range(rounds):
        previous = np.inf
        while k < max_steps:
            run = sgd(f, gb, n, w, eta=eta, steps=window, batch_size=batch_size, seed=seed + k, record_every=window)
            w, new = run.w[-1], list(run.loss[1:])
            losses += new
            etas += [eta] * window
            k += window
            if np.mean(new) - f_star > 0.99 * (previous - f_star):  # plateau: < 1% better
                break
            previous = float(np.mean(new))
        if r < rounds - 1:
            eta /= 10
    return {"loss": np.array(losses), "eta": np.array(etas), "f_star": f_star}


__all__ = ["gd_vs_sgd_cost", "largest_stable_step", "step_recipe"]
