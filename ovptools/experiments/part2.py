r"""Part II's experiments (Lectures 4–5): Du et al. and Arora et al., as functions that return data.

Two-layer net and loss as in :mod:`ovptools.train` (Du et al.): u = (1/√m) σ(X Wᵀ) a,
L = ½‖u − y‖², a fixed, W trained by full-batch GD.
"""

from __future__ import annotations

import math
import time

import numpy as np
import torch

from .._device import few_threads
from .._validate import as_array, as_tensor, check_count, check_positive, check_unit_rows
from ..data import digits, gaussian_labels, sphere
from ..kernels import eigen_projections, gram_empirical, gram_infinite, lambda_min
from ..models import init_two_layer
from ..train.engine import descend
from ..train.nets import train_two_layer
from ..train.problems import TwoLayerProblem
from .common import loglog_slope


def train_widths(
    X,
    y,
    widths,
    *,
    eta: float,
    steps: int,
    seed: int,
    record_every: int = 10,
    device: str | torch.device = "auto",
    dtype: torch.dtype | None = None,
    progress: bool | None = None,
) -> dict[str, np.ndarray]:
    r"""GD on the two-layer net (:func:`~ovptools.train_two_layer`) for several widths, from
    w_r ~ N(0, I), a_r = ±1 (width j seeded with ``seed + j``).

    Returns per width (rows): ``loss`` at every step; at the recorded ``steps`` the fraction of
    the n·m activation patterns that differ from step 0 (``pattern_change``) and
    max_r ‖w_r(k) − w_r(0)‖ (``max_distance``); and the training time in ``seconds``.
    """
    Xt = as_tensor(X, "X", ndim=2)
    widths = [check_count(m, "widths") for m in widths]
    start = time.perf_counter()
    runs = []
    for j, m in enumerate(widths):
        W0, a0 = init_two_layer(Xt.shape[1], m, seed=seed + j)
        runs.append(train_two_layer(X, y, W0, a0, eta=eta, steps=steps, record_every=record_every, track_gram=False,
                                    device=device, dtype=dtype, progress=progress))
    return {
        "widths": np.array(widths),
        "loss": np.stack([r.loss for r in runs]),
        "steps": runs[0].steps,
        "pattern_change": np.stack([r.pattern_change for r in runs]),
        "max_distance": np.stack([r.max_distance for r in runs]),
        "seconds": time.perf_counter() - start,
        "device": runs[0].device,
    }


def du_figure1(
    n: int = 1000,
    d: int = 1000,
    widths=(500, 1000, 2000, 4000, 8000),
    *,
    steps: int = 100,
    eta: float | None = None,
    seed: int = 0,
    record_every: int = 10,
    device: str | torch.device = "auto",
    dtype: torch.dtype = torch.float32,
    progress: bool | None = None,
) -> dict[str, np.ndarray]:
    r"""Du et al.'s Figure 1: n points uniform on the unit sphere in R^d, labels y ~ N(0, 1), the
    first layer trained by GD with η = 1/λ_max(H∞) (default) for each width m. Trained in float32
    by default (twice as fast on a CPU; the plotted quantities need no more precision).

    Returns the :func:`train_widths` record plus ``lambda0`` = λ_min(H∞), ``eta``, and the fitted
    log–log slopes against m of the final pattern-change fraction and max distance (theory: −1/2).
    """
    X, y = sphere(n, d, seed=seed), gaussian_labels(n, seed=seed + 1)
    H = gram_infinite(X)
    ev = np.linalg.eigvalsh(H)
    eta = 1.0 / ev[-1] if eta is None else eta
    out = train_widths(
        X, y, widths, eta=eta, steps=steps, seed=seed + 2, record_every=record_every, device=device, dtype=dtype,
        progress=progress,
    )
    out.update(
        lambda0=float(ev[0]),
        lambda_max=float(ev[-1]),
        eta=eta,
        pattern_slope=loglog_slope(out["widths"], out["pattern_change"][:, -1]),
        distance_slope=loglog_slope(out["widths"], out["max_distance"][:, -1]),
        n=n,
        d=d,
        X=X,
        y=y,
    )
    return out


def gram_deviation(X, widths, *, seeds: int = 10, seed: int = 0) -> dict[str, np.ndarray]:
    r"""Lemma 3.1's quantity ‖H(W(0)) − H∞‖₂ (spectral norm) at initialization, averaged over
    ``seeds`` draws of W ~ N(0, I) for each width; with the fitted log–log slope (theory −1/2)."""
    X = as_array(X, "X", ndim=2)
    check_unit_rows(X, "X")
    seeds = check_count(seeds, "seeds")
    widths = [check_count(m, "widths") for m in widths]
    Hinf = gram_infinite(X)
    errs = np.array(
        [
            np.mean([np.linalg.norm(gram_empirical(init_two_layer(X.shape[1], m, seed=seed + s)[0], X) - Hinf, 2)
                     for s in range(seeds)])
            for m in widths
        ]
    )
    return {"widths": np.array(widths), "deviation": errs, "slope": loglog_slope(widths, errs)}


def lambda0_vs_angle(X, angles) -> np.ndarray:
    r"""λ₀ = λ_min(H∞) when the last input is replaced by a unit vector at angle θ from the first
    (in the plane of x_1 and a fixed orthogonal direction). Thm 3.1: λ₀ > 0 iff no two inputs are
    parallel; as θ → 0 it tends to 0."""
    X = as_array(X, "X", ndim=2).copy()
    check_unit_rows(X, "X")
    if len(X) < 2:
        raise ValueError(f"X: expected at least two rows, got shape {X.shape}")
    x1 = X[0]
    u = X[-1] - (X[-1] @ x1) * x1
    u /= np.linalg.norm(u)
    out = []
    for t in angles:
        X[-1] = np.cos(t) * x1 + np.sin(t) * u
        out.append(lambda_min(gram_infinite(X)))
    return np.array(out)


def du_width_bound(n: int, lam0: float, delta: float) -> float:
    """Theorem 4.1's width requirement m = n⁶/(λ₀⁴δ³), with the unspecified constant set to 1."""
    n, lam0, delta = check_count(n, "n"), check_positive(lam0, "lam0"), check_positive(delta, "delta")
    return float(n) ** 6 / (lam0**4 * delta**3)


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
) -> dict:
    r"""Arora et al.'s fine-grained experiment on scikit-learn's digits (two classes, unit rows).

    For each fraction of labels replaced by random ±1 labels (``corruption``), GD with
    η = 1/λ_max(H∞) on an antisymmetrically initialized net (u(0) = 0) of width m, for ``steps``
    iterations; with ``until_fit`` ``steps`` is a cap and a run stops at the first iterate k at
    which it fits its (possibly corrupted) training labels: y_i·u_i(k) > ``margin`` for every i
    (``margin = 0``: zero training error of sign(u(k)); 0 ≤ ``margin`` < 1, as GD drives y_i·u_i to 1).

    Each run records the measured ‖y − u(k)‖ and the eigen-prediction
    √(Σ_i (1 − ηλ_i)^{2k}(v_iᵀy)²) for k = 0..``steps_run``, ``fit_step`` (the first k at which the
    labels were fitted in that sense; ``None`` if that did not happen within the run), ``min_margin``
    = min_i y_i·u_i at the last iterate, yᵀ(H∞)⁻¹y, the measure
    √(2yᵀ(H∞)⁻¹y/n), the training error of sign(u) against the labels it was trained on and the
    test error of sign(u) on the held-out digits (true labels) at the last iterate, and
    ``fit_test_error``, that test error at iterate ``fit_step`` (``None`` if the labels were not
    fitted): with ``until_fit=False`` one run gives both protocols, training stopped at the first
    fit and training for a fixed ``steps``. ``seed`` fixes the train/test
    split (``seed``), the label corruption (``seed + 1``) and the initialization (``seed + 2``).
    ``dtype=torch.float32`` trains several times faster on a CPU and is enough for the error rates
    and the steps to fit (Lecture 5 compares the curves with their prediction in float64).
    """
    n, m, steps = check_count(n, "n"), check_count(m, "m"), check_count(steps, "steps")
    margin = float(margin)
    if not 0 <= margin < 1:
        raise ValueError(f"margin: expected a number in [0, 1), got {margin}")
    Xtr, ytr, Xte, yte = digits(classes, n_train=n, seed=seed)
    H = gram_infinite(Xtr)
    lam, _ = eigen_projections(H, ytr)
    eta, lambda0 = 1.0 / lam[0], float(lam[-1])
    rng = np.random.default_rng(seed + 1)
    results = []

    def test_error(X_test, y_test, WT, a) -> float:
        u = torch.relu(X_test @ WT) @ a / math.sqrt(m)
        return float((torch.sign(u) != y_test).to(torch.float64).mean())

    for frac in corruption:
        y = ytr.copy()
        flip = rng.random(n) < frac
        y[flip] = rng.choice([-1.0, 1.0], size=int(flip.sum()))
        lam, proj = eigen_projections(H, y)
        W0, a = init_two_layer(Xtr.shape[1], m, seed=seed + 2, antisymmetric=True)
        problem = TwoLayerProblem(Xtr, y, W0, a, eta=eta, device=device, dtype=dtype)

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
        results.append(
            {
                "corruption": frac,
                "residual": np.sqrt(2 * run.loss),
                "predicted": predicted,
                "steps_run": steps_run,
                "fit_step": first_fit[0][0] if first_fit else None,
                "fit_test_error": first_fit[0][1] if first_fit else None,
                "yHy": quad,
                "measure": math.sqrt(2 * quad / n),
                "test_error": float(np.mean(np.sign(u_test) != yte)),
                "train_error": train_error,
                "min_margin": float(np.min(run.u * y)),
            }
        )
    return {"eta": eta, "lambda0": lambda0, "n": n, "m": m, "steps": steps, "classes": tuple(classes),
            "until_fit": until_fit, "margin": margin, "runs": results}


__all__ = [
    "arora_digits",
    "du_figure1",
    "du_width_bound",
    "gram_deviation",
    "lambda0_vs_angle",
    "train_widths",
]
