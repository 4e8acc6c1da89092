r"""Lecture 4's experiments (Du et al.), as functions that return data; Lecture 5's are in :mod:`.fine_grained`.

Two-layer net and loss as in :mod:`ovptools.train` (Du et al.): u = (1/√m) σ(X Wᵀ) a,
L = ½‖u − y‖², a fixed, W trained by full-batch GD.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import torch
from scipy.special import erf

from .._device import few_threads
from .._validate import as_array, as_tensor, check_count, check_positive, check_unit_rows
from ..data import gaussian_labels, sphere
from ..kernels import gram_empirical, gram_infinite, lambda_min
from ..models import init_two_layer
from ..train.nets import train_two_layer
from .common import loglog_slope


@dataclass(frozen=True)
class WidthRuns:
    """GD on the two-layer net at several widths (:func:`train_widths`); row j of each table is width ``widths[j]``.

    widths: the widths m, shape (w,).
    loss: ½‖u(k) − y‖² at every step k = 0..T, shape (w, T + 1).
    steps: the recorded iterations k (every ``record_every`` steps and the last), shape (r,).
    pattern_change: at the recorded steps, the fraction of the n·m activation patterns 1{w_rᵀx_i ≥ 0}
        that differ from step 0, shape (w, r).
    max_distance: at the recorded steps, max_r ‖w_r(k) − w_r(0)‖, shape (w, r).
    gram_change: ‖H(W(T)) − H(W(0))‖₂ (spectral norm) after the last step, shape (w,).
    flip_bound: the mean over neurons of erf(‖w_r(T) − w_r(0)‖/√2), shape (w,): the chance that a pattern
        1{w_rᵀx ≥ 0} can have flipped, |w_r(0)ᵀx| ≤ ‖w_r(T) − w_r(0)‖, for w_r(0)ᵀx ~ N(0, 1).
    seconds: wall-clock time of the training, all widths together.
    device: the device the nets were trained on.
    """

    widths: np.ndarray
    loss: np.ndarray
    steps: np.ndarray
    pattern_change: np.ndarray
    max_distance: np.ndarray
    gram_change: np.ndarray
    flip_bound: np.ndarray
    seconds: float
    device: str


@dataclass(frozen=True)
class DuFigure1(WidthRuns):
    """Du et al.'s Figure 1 (:func:`du_figure1`): the :class:`WidthRuns` fields, and

    lambda0, lambda_max: λ_min(H∞) and λ_max(H∞) of the data.
    eta: the step used.
    pattern_slope, distance_slope: log–log slopes against m of ``pattern_change`` and ``max_distance``
        at the last step (theory: −1/2).
    n, d: samples and input dimension.
    X, y: the data, shapes (n, d) and (n,).
    """

    lambda0: float
    lambda_max: float
    eta: float
    pattern_slope: float
    distance_slope: float
    n: int
    d: int
    X: np.ndarray
    y: np.ndarray


@dataclass(frozen=True)
class GramDeviation:
    """Lemma 3.1's concentration (:func:`gram_deviation`).

    widths: the widths m, shape (w,).
    deviation: ‖H(W(0)) − H∞‖₂ averaged over the draws, one per width, shape (w,).
    slope: the log–log slope of ``deviation`` against m (theory: −1/2).
    """

    widths: np.ndarray
    deviation: np.ndarray
    slope: float


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
) -> WidthRuns:
    r"""GD on the two-layer net (:func:`~ovptools.train_two_layer`) for several widths (at least one), from
    w_r ~ N(0, I), a_r = ±1 (width j seeded with ``seed + j``); see :class:`WidthRuns` for what it returns.
    """
    Xt = as_tensor(X, "X", ndim=2)
    widths = [check_count(m, "widths") for m in widths]
    if not widths:
        raise ValueError("widths: expected at least one width m, got an empty sequence")
    start = time.perf_counter()
    runs = []
    for j, m in enumerate(widths):
        W0, a0 = init_two_layer(Xt.shape[1], m, seed=seed + j)
        with few_threads(Xt.shape[0] * m * Xt.shape[1]):  # lecture-size products: one thread is faster
            runs.append(train_two_layer(X=X, y=y, W0=W0, a0=a0, eta=eta, steps=steps, record_every=record_every,
                                        track_gram=False, device=device, dtype=dtype, progress=progress))
    seconds = time.perf_counter() - start
    X64 = Xt.detach().cpu().double().numpy()

    def gram(W) -> np.ndarray:
        return np.asarray(gram_empirical(np.asarray(W, dtype=float), X64))

    def moved(run) -> np.ndarray:  # ‖w_r(T) − w_r(0)‖ per neuron
        return np.linalg.norm(np.asarray(run.W, dtype=float) - np.asarray(run.W0, dtype=float), axis=1)

    return WidthRuns(
        widths=np.array(widths),
        loss=np.stack([r.loss for r in runs]),
        steps=runs[0].steps,
        pattern_change=np.stack([r.pattern_change for r in runs]),
        max_distance=np.stack([r.max_distance for r in runs]),
        gram_change=np.array([np.linalg.norm(gram(r.W) - gram(r.W0), 2) for r in runs]),
        flip_bound=np.array([np.mean(erf(moved(r) / math.sqrt(2))) for r in runs]),
        seconds=seconds,
        device=runs[0].device,
    )


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
) -> DuFigure1:
    r"""Du et al.'s Figure 1: n points uniform on the unit sphere in R^d, labels y ~ N(0, 1), the
    first layer trained by GD with η = 1/λ_max(H∞) (default) for each width m. Trained in float32
    by default (twice as fast on a CPU; the plotted quantities need no more precision).

    Returns a :class:`DuFigure1`: the :func:`train_widths` record, λ₀, the step, and the fitted
    log–log slopes against m of the final pattern-change fraction and max distance (theory: −1/2).
    """
    X, y = sphere(n, d, seed=seed), gaussian_labels(n, seed=seed + 1)
    H = gram_infinite(X)
    ev = np.linalg.eigvalsh(H)
    eta = float(1.0 / ev[-1]) if eta is None else float(eta)
    out = train_widths(
        X, y, widths, eta=eta, steps=steps, seed=seed + 2, record_every=record_every, device=device, dtype=dtype,
        progress=progress,
    )
    return DuFigure1(
        **vars(out),
        lambda0=float(ev[0]),
        lambda_max=float(ev[-1]),
        eta=float(eta),
        pattern_slope=loglog_slope(out.widths, out.pattern_change[:, -1]),
        distance_slope=loglog_slope(out.widths, out.max_distance[:, -1]),
        n=n,
        d=d,
        X=X,
        y=y,
    )


def gram_deviation(X, widths, *, n_seeds: int = 10, seed: int = 0) -> GramDeviation:
    r"""Lemma 3.1's quantity ‖H(W(0)) − H∞‖₂ (spectral norm) at initialization, averaged over
    ``n_seeds`` draws of W ~ N(0, I) (seeds ``seed``, ``seed + 1``, …) for each width; with the fitted
    log–log slope (theory −1/2)."""
    X = as_array(X, "X", ndim=2)
    check_unit_rows(X, "X")
    n_seeds = check_count(n_seeds, "n_seeds")
    widths = [check_count(m, "widths") for m in widths]
    if len(widths) < 2:
        raise ValueError(f"widths: expected at least two widths for a slope, got {widths}")
    Hinf = gram_infinite(X)
    errs = np.array(
        [
            np.mean([np.linalg.norm(gram_empirical(init_two_layer(X.shape[1], m, seed=seed + s)[0], X) - Hinf, 2)
                     for s in range(n_seeds)])
            for m in widths
        ]
    )
    return GramDeviation(widths=np.array(widths), deviation=errs, slope=loglog_slope(widths, errs))


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


def wedge_fractions(angles, *, n_draws: int = 100_000, seed: int = 0) -> np.ndarray:
    r"""Monte Carlo estimate of P(wᵀx_i ≥ 0, wᵀx_j ≥ 0) for w ~ N(0, I₂) and two unit vectors at angle θ
    (x_i = e₁, x_j = (cos θ, sin θ)), one value per angle in [0, π], from the same ``n_draws`` draws.
    The exact value is (π − θ)/(2π): the two half-planes overlap in a wedge of angle π − θ."""
    theta = as_array(angles, "angles", ndim=1)
    if np.any((theta < 0) | (theta > np.pi)):
        raise ValueError(f"angles: expected angles in [0, π], got {theta}")
    n_draws = check_count(n_draws, "n_draws")
    w = init_two_layer(2, n_draws, seed=seed)[0]  # the rows are the w_r ~ N(0, I₂) of a width-n_draws net
    xj = np.stack([np.cos(theta), np.sin(theta)], axis=1)
    return np.mean((w[:, :1] >= 0) & (w @ xj.T >= 0), axis=0)


def du_width_bound(n: int, lam0: float, delta: float) -> float:
    """Theorem 4.1's width requirement m = n⁶/(λ₀⁴δ³), with the unspecified constant set to 1."""
    n, lam0, delta = check_count(n, "n"), check_positive(lam0, "lam0"), check_positive(delta, "delta")
    return float(n) ** 6 / (lam0**4 * delta**3)


__all__ = [
    "du_figure1",
    "du_width_bound",
    "gram_deviation",
    "lambda0_vs_angle",
    "train_widths",
    "wedge_fractions",
    "DuFigure1",
    "GramDeviation",
    "WidthRuns",
]
