r"""Lecture 5's experiments (Arora, Du, Hu, Li, Wang 2019): the training curve from the spectrum of H∞,
and true against randomized labels on scikit-learn's digits, as functions that return data.

Two-layer net and loss as in :mod:`ovptools.train` (Du et al.): u = (1/√m) σ(X Wᵀ) a,
L = ½‖u − y‖², a fixed, W trained by full-batch GD.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from .._device import few_threads
from .._validate import as_array, check_count, rng
from ..data import digits
from ..kernels import eigen_projections, gram_infinite
from ..models import init_two_layer
from ..train.engine import descend
from ..train.problems import TwoLayerProblem


def cumulative_energy(H, y) -> np.ndarray:
    r"""E_j = Σ_{i≤j} (v_iᵀy)²/‖y‖² for j = 1..n, with v_1, v_2, … the eigenvectors of the symmetric
    matrix H by decreasing eigenvalue: the share of the labels' energy on the top j eigenvectors
    (E_n = 1). Labels a kernel fits fast have E_j near 1 already for small j."""
    y = as_array(y, "y", ndim=1)
    if not np.any(y):
        raise ValueError("y: expected a non-zero label vector (its energy is the denominator)")
    _, proj = eigen_projections(H, y)
    return np.cumsum(np.asarray(proj, dtype=float) ** 2) / float(y @ y)


def randomize_labels(y, fraction: float, *, seed: int = 0) -> np.ndarray:
    r"""A copy of the ±1 labels ``y`` in which each label is, with probability ``fraction``, replaced by a
    uniformly random ±1 label (so about half of the replaced labels change). The draws are nested: with the
    same ``seed``, the labels replaced at a fraction are also replaced at every larger fraction."""
    y = as_array(y, "y", ndim=1)
    fraction = float(fraction)
    if not 0 <= fraction <= 1:
        raise ValueError(f"fraction: expected a number in [0, 1], got {fraction}")
    g = rng(seed)
    u, coin = g.random(len(y)), g.choice([-1.0, 1.0], size=len(y))
    return np.where(u < fraction, coin, y)


@dataclass(frozen=True)
class AroraRun:
    """One label set of :func:`arora_digits`.

    corruption: the fraction of training labels that were replaced by random ±1 labels.
    residual: the measured ‖y − u(k)‖ for k = 0..steps_run, shape (steps_run + 1,).
    predicted: the eigen-prediction √(Σ_i (1 − ηλ_i)^{2k}(v_iᵀy)²) at the same k.
    steps_run: the number of GD steps run (fewer than asked when ``until_fit`` stopped the run).
    fit_step: the first k at which the labels were fitted (y_i·u_i(k) > margin for every i), or None.
    fit_test_error: the test error of sign(u) at iterate ``fit_step`` (None if the labels were not fitted).
    yHy: yᵀ(H∞)⁻¹y of the labels trained on.
    measure: the complexity measure √(2yᵀ(H∞)⁻¹y/n).
    test_error: the error of sign(u) on the held-out digits (true labels) at the last iterate.
    train_error: the error of sign(u) against the labels trained on, at the last iterate.
    min_margin: min_i y_i·u_i at the last iterate.
    """

    corruption: float
    residual: np.ndarray
    predicted: np.ndarray
    steps_run: int
    fit_step: int | None
    fit_test_error: float | None
    yHy: float
    measure: float
    test_error: float
    train_error: float
    min_margin: float


@dataclass(frozen=True)
class AroraDigits:
    """The result of :func:`arora_digits`.

    eta: the step 1/λ_max(H∞).
    lambda0: λ_min(H∞) of the training inputs.
    n, m, steps: training samples, width and the number of steps asked for (a cap with ``until_fit``).
    classes: the two digits (the first gets label −1).
    until_fit, margin: the stopping rule's arguments.
    runs: one :class:`AroraRun` per corruption level, in the order asked for.
    """

    eta: float
    lambda0: float
    n: int
    m: int
    steps: int
    classes: tuple[int, ...]
    until_fit: bool
    margin: float
    runs: tuple[AroraRun, ...]


def arora_digits(
    *,
    n: int = 200,
    m: int = 2000,
    steps: int = 300,
    classes=(0, 1),
    corruption=(0.0, 1.0),
    seed: int = 0,
    until_fit: bool = False,
    margin: float = 0.0,
    device: str | torch.device = "auto",
    dtype: torch.dtype = torch.float64,
    progress: bool | None = None,
) -> AroraDigits:
    r"""Arora et al.'s fine-grained experiment on scikit-learn's digits (two classes, unit rows).

    For each fraction of labels replaced by random ±1 labels (``corruption``), GD with
    η = 1/λ_max(H∞) on an antisymmetrically initialized net (u(0) = 0) of width m, for ``steps``
    iterations; with ``until_fit`` ``steps`` is a cap and a run stops at the first iterate k at
    which it fits its (possibly corrupted) training labels: y_i·u_i(k) > ``margin`` for every i
    (``margin = 0``: zero training error of sign(u(k)); 0 ≤ ``margin`` < 1, as GD drives y_i·u_i to 1).

    Returns an :class:`AroraDigits` with one :class:`AroraRun` per level: the measured ‖y − u(k)‖ and its
    eigen-prediction, the first fit, yᵀ(H∞)⁻¹y, and the training and test errors. With ``until_fit=False`` one
    run gives both protocols, training stopped at the first fit (``fit_test_error``) and training for a fixed
    ``steps`` (``test_error``). ``seed`` fixes the train/test split (``seed``), the label corruption
    (``seed + 1``) and the initialization (``seed + 2``).
    ``dtype=torch.float32`` trains several times faster on a CPU and is enough for the error rates
    and the steps to fit, and agrees with float64 to about 1e-4 in the residuals.
    """
    n, m, steps = check_count(n, "n"), check_count(m, "m"), check_count(steps, "steps")
    margin = float(margin)
    if not 0 <= margin < 1:
        raise ValueError(f"margin: expected a number in [0, 1), got {margin}")
    Xtr, ytr, Xte, yte = digits(classes, n_train=n, seed=seed)
    H = gram_infinite(Xtr)
    lam, _ = eigen_projections(H, ytr)
    eta, lambda0 = float(1.0 / lam[0]), float(lam[-1])
    g = rng(seed + 1)
    results = []

    def test_error(X_test, y_test, WT, a) -> float:
        u = torch.relu(X_test @ WT) @ a / math.sqrt(m)
        return float((torch.sign(u) != y_test).to(torch.float64).mean())

    for frac in corruption:
        y = ytr.copy()
        flip = g.random(n) < frac
        y[flip] = g.choice([-1.0, 1.0], size=int(flip.sum()))
        lam, proj = eigen_projections(H, y)
        W0, a = init_two_layer(Xtr.shape[1], m, seed=seed + 2, antisymmetric=True)
        problem = TwoLayerProblem(X=Xtr, y=y, W0=W0, a0=a, eta=eta, device=device, dtype=dtype)

        Xte_t = torch.as_tensor(Xte, device=problem.X.device, dtype=problem.X.dtype)
        yte_t = torch.as_tensor(yte, device=problem.X.device, dtype=problem.X.dtype)
        first_fit: list[tuple[int, float]] = []
        k_now = iter(range(steps + 1))  # descend calls the stop rule once per iterate, k = 0, 1, ...

        def fitted(_loss, p=problem, k_now=k_now, first_fit=first_fit, Xte_t=Xte_t, yte_t=yte_t) -> bool:
            k = next(k_now)
            ok = bool(((p.forward()[2] + p.y) * p.y).min() > margin)  # this iterate's cached forward pass
            if ok and not first_fit:
                first_fit.append((k, test_error(Xte_t, yte_t, p.WT, p.a)))
            return ok and until_fit

        with few_threads(n * m * Xtr.shape[1]):  # lecture-size products: one thread is faster
            run = descend(problem, steps=steps, record_every=steps, stop=fitted, progress=progress,
                          desc=f"GD ({frac:.0%} randomized)")
        steps_run = len(run.loss) - 1
        k = np.arange(steps_run + 1)
        predicted = np.sqrt(((1 - eta * lam[None, :]) ** (2 * k[:, None]) * proj[None, :] ** 2).sum(1))
        u_test = np.maximum(Xte @ run.W.T.astype(float), 0) @ run.a.astype(float) / math.sqrt(m)
        train_error = float(np.mean(np.sign(run.u) != y))
        quad = float(y @ np.linalg.solve(H, y))
        results.append(AroraRun(
            corruption=float(frac), residual=np.sqrt(2 * run.loss), predicted=predicted, steps_run=steps_run,
            fit_step=first_fit[0][0] if first_fit else None, fit_test_error=first_fit[0][1] if first_fit else None,
            yHy=quad, measure=math.sqrt(2 * quad / n), test_error=float(np.mean(np.sign(u_test) != yte)),
            train_error=train_error, min_margin=float(np.min(run.u * y)),
        ))
    return AroraDigits(eta=float(eta), lambda0=lambda0, n=n, m=m, steps=steps, classes=tuple(int(c) for c in classes),
                       until_fit=bool(until_fit), margin=margin, runs=tuple(results))


__all__ = ["AroraDigits", "AroraRun", "arora_digits", "cumulative_energy", "randomize_labels"]
