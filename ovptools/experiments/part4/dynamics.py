r"""Lecture 9, lazy against mean field (Mei, Montanari & Nguyen 2018; Chizat & Bach 2018): how far the neurons
move against the width under the 1/√m and 1/m scalings, and their paths in the plane under an output scale α that
runs from the lazy scaling (α = √m) to the mean-field scaling (α = 1)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..._device import few_threads
from ..._validate import check_count, check_positive, rng
from ...data import teacher_data
from ..common import loglog_slope


@dataclass(frozen=True)
class NeuronPaths:
    """Every neuron's path under one output scale α (:func:`neuron_paths`): the recorded steps ``t``, ``paths``
    (len(t) × m × 2) and ``loss`` (len(t)); the fixed output weights ``a`` (m), ``alpha``, ``m``, the
    ``initial_loss`` of the zero predictor, ``movement`` (mean ‖w_r(T) − w_r(0)‖) and ``relative``
    (‖W(T) − W(0)‖_F/‖W(0)‖_F)."""

    t: np.ndarray
    paths: np.ndarray
    loss: np.ndarray
    a: np.ndarray
    alpha: float
    m: int
    initial_loss: float
    movement: float
    relative: float


@dataclass(frozen=True)
class ScalingMovement:
    """One output scaling in :func:`mean_field_movement`, per width: ``movement`` (mean ‖w_r(T) − w_r(0)‖),
    ``relative`` (‖W(T) − W(0)‖_F/‖W(0)‖_F), the final ``loss``; and ``slope``, the log–log slope of the movement
    against m."""

    movement: np.ndarray
    relative: np.ndarray
    loss: np.ndarray
    slope: float


@dataclass(frozen=True)
class MeanFieldMovement:
    """How far neurons move against the width (:func:`mean_field_movement`): the ``widths``, the ``lazy`` (1/√m)
    and ``mean_field`` (1/m) scalings (each a :class:`ScalingMovement`), and the ``initial_loss``."""

    widths: np.ndarray
    lazy: ScalingMovement
    mean_field: ScalingMovement
    initial_loss: float


def neuron_paths(
    alpha: float,
    *,
    m: int = 200,
    n: int = 40,
    steps: int = 400,
    eta: float = 0.5,
    records: int = 41,
    seed: int = 0,
) -> NeuronPaths:
    r"""GD on f(x) = (α/m) Σ_r a_r relu(w_rᵀx) in d = 2, with a_r = ±1 fixed and w_r(0) ~ N(0, I₂).

    Loss (1/2n) Σ_i (f(x_i) − y_i)² on :func:`ovptools.teacher_data` labels (k₀ = 4 teacher neurons, inputs on the unit
    circle). The step is η·m/α², the time scale on which the output moves at a speed independent of m and α:
    α = √m gives the lazy scaling 1/√m with step η, and α = 1 the mean-field scaling 1/m with step η·m, as in
    :func:`mean_field_movement`. Each neuron then moves by O(1/α) over a fixed number of steps. relu'(0) = 1.
    The GD loop is written out rather than run by :mod:`ovptools.train`, whose two-layer problem fixes the output
    scale at 1/√m (and sums the loss): the scale is what this experiment varies.

    Returns a :class:`NeuronPaths`: ``paths`` (records × m × 2: every neuron's w_r at ``records`` evenly spaced
    steps ``t``), ``loss`` (at the same steps), ``a``, ``movement`` (mean ‖w_r(T) − w_r(0)‖) and ``relative``
    (‖W(T) − W(0)‖_F/‖W(0)‖_F).
    """
    alpha = check_positive(alpha, "alpha")
    m, n = check_count(m, "m"), check_count(n, "n")
    steps = check_count(steps, "steps")
    records = check_count(records, "records", minimum=2)
    eta = check_positive(eta, "eta")
    X, y, _ = teacher_data(n, 2, 4, seed=seed)
    g = rng(seed, m, 1)
    W0 = g.standard_normal((m, 2))
    a = g.choice([-1.0, 1.0], size=m)
    W = W0.copy()
    c = alpha / m
    step = eta * m / alpha**2
    t_rec = np.unique(np.linspace(0, steps, records).astype(int))
    paths, losses = [], []

    def loss_of(W):
        r = c * np.maximum(X @ W.T, 0.0) @ a - y
        return 0.5 * float(r @ r) / n

    done = 0
    for target in t_rec:
        for _ in range(target - done):
            Z = X @ W.T
            r = c * np.maximum(Z, 0.0) @ a - y
            W -= step * c * ((Z >= 0) * (r[:, None] * a[None, :])).T @ X / n
        done = target
        paths.append(W.copy())
        losses.append(loss_of(W))
    return NeuronPaths(
        t=t_rec, paths=np.array(paths), loss=np.array(losses), a=a, alpha=alpha, m=m,
        initial_loss=0.5 * float(y @ y) / n,
        movement=float(np.linalg.norm(W - W0, axis=1).mean()),
        relative=float(np.linalg.norm(W - W0) / np.linalg.norm(W0)),
    )


# ---- Lecture 9: the mean-field scaling ---------------------------------------------------------------


@few_threads(blas=True)
def mean_field_movement(
    widths=(100, 400, 1600, 6400), *, n: int = 40, d: int = 10, steps: int = 400, eta: float = 0.5,
    seed: int = 0,
) -> MeanFieldMovement:
    r"""GD on the two-layer net f(x) = m^{−γ} Σ_r a_r relu(w_rᵀx) (a_r = ±1 fixed, w_r ~ N(0, I_d)) under
    the lazy scaling γ = ½ (Du et al., step η) and the mean-field scaling γ = 1 (Mei–Montanari–Nguyen,
    Chizat–Bach; step η·m, the time scale on which each neuron moves at an m-independent speed).

    Loss (1/2n) Σ (f(x_i) − y_i)² on ``ovptools.teacher_data`` labels (k₀ = 4, unit-norm inputs), relu'(0) = 1.
    The GD loop is written out rather than run by :mod:`ovptools.train`, whose two-layer problem fixes the output
    scale at 1/√m (and sums the loss): the scale m^{−γ} is what this experiment varies.
    Returns a :class:`MeanFieldMovement`; per scaling and width: the mean neuron movement
    (1/m) Σ_r ‖w_r(T) − w_r(0)‖, the relative movement ‖W(T) − W(0)‖_F/‖W(0)‖_F and the final loss; and the
    fitted slopes of movement against m (predicted: −½ for γ = ½, 0 for γ = 1).
    """
    widths = tuple(check_count(m, "widths") for m in widths)
    n, d, steps = check_count(n, "n"), check_count(d, "d"), check_count(steps, "steps")
    eta = check_positive(eta, "eta")
    X, y, _ = teacher_data(n, d, 4, seed=seed)
    out = {}
    for name, gamma in (("lazy", 0.5), ("mean_field", 1.0)):
        move, rel, final = [], [], []
        for m in widths:
            g = rng(seed, m)
            W0 = g.standard_normal((m, d))
            a = g.choice([-1.0, 1.0], size=m)
            W = W0.copy()
            c = m**-gamma
            step = eta * (m if gamma == 1.0 else 1.0)
            for _ in range(steps):
                Z = X @ W.T
                r = c * np.maximum(Z, 0.0) @ a - y
                W -= step * c * ((Z >= 0) * (r[:, None] * a[None, :])).T @ X / n
            r = c * np.maximum(X @ W.T, 0.0) @ a - y
            move.append(float(np.linalg.norm(W - W0, axis=1).mean()))
            rel.append(float(np.linalg.norm(W - W0) / np.linalg.norm(W0)))
            final.append(0.5 * float(r @ r) / n)
        out[name] = ScalingMovement(movement=np.array(move), relative=np.array(rel), loss=np.array(final),
                                    slope=loglog_slope(widths, move))
    return MeanFieldMovement(widths=np.array(widths), **out, initial_loss=0.5 * float(y @ y) / n)
