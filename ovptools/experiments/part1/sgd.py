r"""Lectures 1–2: GD against SGD, the practical step-size recipe, SGD's non-convex rate. Each function runs the
optimizers of :mod:`ovptools.train` and returns data; the notebooks plot it. numpy only."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..._validate import as_array, check_count, check_positive, check_same_rows, rng
from ...data import logistic_data
from ...objectives import logistic_grad, logistic_loss, logistic_optimum
from ...train import DivergenceError, Run, descend, gd, sgd
from ...train.problems import LogisticSGDRuns


def _first_reach(gaps: np.ndarray, eps: np.ndarray, cost_per_step: float) -> np.ndarray:
    """For each ε, cost_per_step × the first k with gaps[k] ≤ ε (NaN if never)."""
    hit = gaps[:, None] <= eps[None, :]
    first = np.where(hit.any(0), hit.argmax(0), -1)
    return np.where(first >= 0, first * cost_per_step, np.nan)


def _crossover(gd_cost: np.ndarray, sgd_cost: np.ndarray, eps_grid: np.ndarray) -> float:
    """The first ε (scanning from loose to tight) where SGD stops being cheaper than GD, interpolated
    on log scales; NaN if the costs do not cross on the grid."""
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = np.log(gd_cost) - np.log(sgd_cost)  # > 0: SGD is cheaper
    for j in range(len(eps_grid) - 1):
        if np.isfinite(diff[j]) and np.isfinite(diff[j + 1]) and diff[j] > 0 >= diff[j + 1]:
            t = diff[j] / (diff[j] - diff[j + 1])
            return float(np.exp((1 - t) * np.log(eps_grid[j]) + t * np.log(eps_grid[j + 1])))
    return float("nan")


@dataclass(frozen=True)
class SgdCost:
    """Costs of GD and SGD to reach a target accuracy (:func:`gd_vs_sgd_cost`), in per-sample gradients.

    ``ns`` the sample sizes, ``eps`` the targets ε; ``gd`` and ``sgd`` (len(ns) × len(eps) × n_seeds) the cost
    to first reach f − f* ≤ ε (NaN if never); ``crossover_seeds`` (len(ns) × n_seeds) the ε where the two costs
    are equal on each seed's data (NaN if they do not cross); ``crossover`` (len(ns)) its median over seeds.
    """

    ns: np.ndarray
    eps: np.ndarray
    gd: np.ndarray
    sgd: np.ndarray
    crossover_seeds: np.ndarray
    crossover: np.ndarray


@dataclass(frozen=True)
class StepRecipe:
    """The practical step-size recipe's run (:func:`step_recipe`): ``loss`` after every step (from step 0),
    ``eta`` the step in force at each, and the minimum ``f_star``."""

    loss: np.ndarray
    eta: np.ndarray
    f_star: float


@dataclass(frozen=True)
class NonconvexRate:
    r"""SGD's rate on a non-convex f per horizon T (:func:`sgd_nonconvex_rate`), arrays of len(horizons):
    ``horizons``, the step ``eta`` = η_T, ``average`` = (1/T) Σ_{k<T} E‖∇f(w_k)‖², ``minimum`` = min_{k<T}
    E‖∇f(w_k)‖² (expectations estimated over the runs) and the ``bound`` √(2βDG²/T); the constants ``beta``,
    ``G2`` and ``D``."""

    horizons: np.ndarray
    eta: np.ndarray
    average: np.ndarray
    minimum: np.ndarray
    bound: np.ndarray
    beta: float
    G2: float
    D: float


def gd_vs_sgd_cost(ns, eps_grid, *, d: int = 10, lam: float = 0.01, n_seeds: int = 3,
                   max_sgd_steps: int = 400_000) -> SgdCost:
    r"""Cost, in per-sample gradient evaluations, for GD and SGD to first reach f(w) − f* ≤ ε on
    ℓ2-regularized logistic regression, for each n in ``ns``, ε in ``eps_grid`` and seed.

    Seed s draws its own data set of each size n (``logistic_data(n, d, seed=a + 100 s)`` for the
    a-th n) and its own SGD samples. GD: step 1/β with β = (1/4n)Σ‖x_i‖² + λ, n evaluations per
    step. SGD: one sample per step, step η_k = 2/(λ(k + k₀)) with k₀ = 2β/λ (the strongly convex
    schedule), at most ``max_sgd_steps`` steps; the gap is checked every max(10, n/50) SGD steps (not counted).

    Returns an :class:`SgdCost`: ``gd``, ``sgd`` (len(ns) × len(eps) × n_seeds), ``crossover_seeds``
    (len(ns) × n_seeds: the ε where the two costs are equal on that seed's data, interpolated on log scales,
    NaN if they do not cross), and ``crossover`` (its median over seeds, ignoring NaN).
    """
    ns = [check_count(n, "ns") for n in ns]
    eps_grid = as_array(eps_grid, "eps_grid", ndim=1)
    seeds, max_sgd_steps = check_count(n_seeds, "n_seeds"), check_count(max_sgd_steps, "max_sgd_steps")
    lam = check_positive(lam, "lam")
    gd_cost = np.full((len(ns), len(eps_grid), seeds), np.nan)
    sgd_cost = np.full_like(gd_cost, np.nan)
    eps_min = eps_grid.min()
    for a, n in enumerate(ns):
        data = [logistic_data(n, d, seed=a + 100 * s) for s in range(seeds)]
        Xs, ys = np.stack([X for X, _ in data]), np.stack([y for _, y in data])
        f_stars, betas = np.zeros(seeds), np.zeros(seeds)
        for s, (X, y) in enumerate(data):
            f_stars[s] = logistic_optimum(X, y, lam)[1]
            betas[s] = beta = np.mean(np.sum(X**2, axis=1)) / 4 + lam
            f = lambda w, X=X, y=y: logistic_loss(w, X, y, lam)  # noqa: E731
            # GD on a λ-strongly convex, β-smooth f: gap_k ≤ (1 − λ/β)^k gap_0, so this many steps suffice
            gap0 = f(np.zeros(d)) - f_stars[s]
            k_max = math.ceil(math.log(max(gap0, eps_min) / eps_min) / -math.log1p(-lam / beta)) + 1
            run = gd(f, lambda w, X=X, y=y: logistic_grad(w, X, y, lam), np.zeros(d), eta=1 / beta, steps=k_max)
            gd_cost[a, :, s] = _first_reach(run.loss - f_stars[s], eps_grid, n)
        idx = np.stack([rng(1000 * a + s).integers(0, n, size=max_sgd_steps) for s in range(seeds)])
        problem = LogisticSGDRuns(Xs, ys, lam, 2 * betas.max() / lam, idx)
        reached = np.zeros(seeds, dtype=bool)

        def stop(value, f_stars=f_stars, reached=reached):
            reached[:] |= value <= f_stars + eps_min
            return bool(reached.all())

        every = max(10, n // 50)  # the full loss costs n per run: check it less often for large n
        sgd_run = descend(problem, steps=max_sgd_steps - 1, stop=stop, loss_every=every, progress=False)
        for s in range(seeds):
            sgd_cost[a, :, s] = _first_reach(sgd_run.loss[:, s] - f_stars[s], eps_grid, 1)
    crossover_seeds = np.array([[_crossover(gd_cost[a, :, s], sgd_cost[a, :, s], eps_grid) for s in range(seeds)]
                                for a in range(len(ns))])
    with np.errstate(all="ignore"):
        crossover = np.array([np.nanmedian(c) if np.isfinite(c).any() else np.nan for c in crossover_seeds])
    return SgdCost(ns=np.array(ns), eps=eps_grid, gd=gd_cost, sgd=sgd_cost, crossover_seeds=crossover_seeds,
                   crossover=crossover)


def largest_stable_step(run: Callable[[float], Run], etas) -> float:
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
                max_steps: int = 4000) -> StepRecipe:
    r"""The practical recipe on least squares f(w) = (1/2n)‖Xw − y‖² with minibatch SGD:
    find the largest stable constant step (within a factor 10), run until the loss plateaus
    (less than 1% better over ``window`` steps), cut the step by 10, repeat ``rounds`` times.

    Returns a :class:`StepRecipe`: the loss after every step (``loss``), the step in force (``eta``) and
    ``f_star``.
    """
    X, y = as_array(X, "X", ndim=2), as_array(y, "y", ndim=1)
    check_same_rows("X", X, "y", y)
    rounds, window = check_count(rounds, "rounds"), check_count(window, "window")
    max_steps = check_count(max_steps, "max_steps")
    n, d = X.shape
    f = lambda w: float(0.5 * np.mean((X @ w - y) ** 2))  # noqa: E731
    gb = lambda w, idx: X[idx].T @ (X[idx] @ w - y[idx]) / len(idx)  # noqa: E731
    f_star = f(np.linalg.lstsq(X, y, rcond=None)[0])

    def short_run(s: float) -> Run:
        return sgd(f, gb, n, np.zeros(d), eta=s, steps=100, batch_size=batch_size, seed=seed, record_every=100)

    eta = largest_stable_step(short_run, 10.0 ** np.arange(3, -4, -1))
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
    return StepRecipe(loss=np.array(losses), eta=np.array(etas), f_star=f_star)


def cauchy_regression(w, X, y) -> tuple[np.ndarray, np.ndarray]:
    r"""f(w) = (1/n) Σ_i log(1 + (x_iᵀw − y_i)²) (robust regression with the Cauchy loss, non-convex)
    and its gradient, for one w (length d) or a batch of them (rows of an S×d array)."""
    X, y = as_array(X, "X", ndim=2), as_array(y, "y", ndim=1)
    check_same_rows("X", X, "y", y)
    w = as_array(w, "w", ndim=(1, 2))
    if w.shape[-1] != X.shape[1]:
        raise ValueError(f"w: expected length d = {X.shape[1]} (columns of X) in its last axis, got shape {w.shape}")
    return _cauchy(w, X, y)


def _cauchy(w: np.ndarray, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`cauchy_regression` on checked arrays."""
    W = np.atleast_2d(w)
    r = W @ X.T - y  # S × n residuals
    value = np.mean(np.log1p(r**2), axis=1)
    grad = (2 * r / (1 + r**2)) @ X / X.shape[0]
    return (value, grad) if np.ndim(w) == 2 else (value[0], grad[0])


def sgd_nonconvex_rate(X, y, w0, horizons, *, n_seeds: int = 20, seed: int = 0) -> NonconvexRate:
    r"""One-sample SGD on the non-convex Cauchy regression f of :func:`cauchy_regression`, for each
    horizon T with the constant step η_T = √(2D/(βG²T)) that balances the two terms of the bound
    min_{k<T} E‖∇f(w_k)‖² ≤ (1/T) Σ_{k<T} E‖∇f(w_k)‖² ≤ D/(ηT) + βηG²/2 = √(2βDG²/T).

    Constants, all provable for this f: β = 2 λ_max(XᵀX/n) (the loss log(1 + r²) has |φ''| ≤ 2),
    G² = (1/n) Σ‖x_i‖² ≥ E_i‖∇f_i(w)‖² (since |φ'| ≤ 1), and D = f(w₀) ≥ f(w₀) − f* (as f* ≥ 0).
    ``n_seeds`` independent runs per T estimate the expectations. Returns a :class:`NonconvexRate`:
    ``horizons``, ``eta``, ``average`` ((1/T) Σ_{k<T} of the seed-mean of ‖∇f(w_k)‖²), ``minimum``
    (min_{k<T} of the seed-mean), ``bound``, and the constants ``beta``, ``G2``, ``D``.

    The loop is written out rather than run by :func:`ovptools.train.sgd`: it advances the ``n_seeds`` runs
    as one array, each with its own sample, and measures the *full* gradient of every run at every step
    (the quantity the theorem bounds), which :func:`~ovptools.train.sgd` (one run, recording the loss)
    does not express.
    """
    X, y = as_array(X, "X", ndim=2), as_array(y, "y", ndim=1)
    check_same_rows("X", X, "y", y)
    w0 = as_array(w0, "w0", ndim=1)
    if len(w0) != X.shape[1]:
        raise ValueError(f"w0: expected length d = {X.shape[1]}, got {len(w0)}")
    horizons = [check_count(T, "horizons") for T in horizons]
    seeds = check_count(n_seeds, "n_seeds")
    n = X.shape[0]
    beta = 2 * float(np.linalg.eigvalsh(X.T @ X / n)[-1])
    G2 = float(np.mean(np.sum(X**2, axis=1)))
    D = float(_cauchy(w0, X, y)[0])
    out = {k: [] for k in ("eta", "average", "minimum", "bound")}
    for T in horizons:
        eta = math.sqrt(2 * D / (beta * G2 * T))
        W = np.tile(w0, (seeds, 1))
        samples = rng(seed + T).integers(0, n, size=(T, seeds))
        grad_sq = np.empty(T)
        for k in range(T):
            _, g = _cauchy(W, X, y)
            grad_sq[k] = np.mean(np.sum(g**2, axis=1))  # E‖∇f(w_k)‖², estimated over the seeds
            xi, yi = X[samples[k]], y[samples[k]]
            r = np.sum(xi * W, axis=1) - yi
            W = W - eta * (2 * r / (1 + r**2))[:, None] * xi
        out["eta"].append(eta)
        out["average"].append(grad_sq.mean())
        out["minimum"].append(grad_sq.min())
        out["bound"].append(math.sqrt(2 * beta * D * G2 / T))
    return NonconvexRate(horizons=np.array(horizons), **{k: np.array(v) for k, v in out.items()},
                         beta=beta, G2=G2, D=D)


__all__ = [
    "NonconvexRate",
    "SgdCost",
    "StepRecipe",
    "cauchy_regression",
    "gd_vs_sgd_cost",
    "largest_stable_step",
    "sgd_nonconvex_rate",
    "step_recipe",
]
