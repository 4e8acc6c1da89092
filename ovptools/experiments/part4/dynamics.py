r"""Lecture 9, lazy against mean field (Mei, Montanari & Nguyen 2018; Chizat & Bach 2018): how far the neurons
move against the width under the 1/√m and 1/m scalings, and their paths in the plane under an output scale α that
runs from the lazy scaling (α = √m) to the mean-field scaling (α = 1)."""

from __future__ import annotations

import numpy as np

from ..._device import few_threads
from ..._validate import check_count, check_positive
from ...data import teacher_data
from ..common import loglog_slope


def neuron_paths(
    alpha: float,
    *,
    m: int = 200,
    n: int = 40,
    steps: int = 400,
    eta: float = 0.5,
    records: int = 41,
    seed: int = 0,
) -> dict:
    r"""GD on f(x) = (α/m) Σ_r a_r relu(w_rᵀx) in d = 2, with a_r = ±1 fixed and w_r(0) ~ N(0, I₂).

    Loss (1/2n) Σ_i (f(x_i) − y_i)² on :func:`ovptools.teacher_data` labels (k₀ = 4 teacher neurons, inputs on the unit
    circle). The step is η·m/α², the time scale on which the output moves at a speed independent of m and α:
    α = √m gives the lazy scaling 1/√m with step η, and α = 1 the mean-field scaling 1/m with step η·m, as in
    :func:`mean_field_movement`. Each neuron then moves by O(1/α) over a fixed number of steps.

    Returns ``"paths"`` (records × m × 2: every neuron's w_r at ``records`` evenly spaced steps, ``"t"``), ``"loss"``
    (at the same steps), ``"a"``, ``"movement"`` (mean ‖w_r(T) − w_r(0)‖) and ``"relative"`` (‖W(T) − W(0)‖_F/‖W(0)‖_F).
    """
    alpha = check_positive(alpha, "alpha")
    m, n = check_count(m, "m"), check_count(n, "n")
    steps = check_count(steps, "steps")
    records = check_count(records, "records", minimum=2)
    eta = check_positive(eta, "eta")
    X, y, _ = teacher_data(n, 2, 4, seed=seed)
    g = np.random.default_rng([seed, m, 1])
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
            W -= step * c * ((Z > 0) * (r[:, None] * a[None, :])).T @ X / n
        done = target
        paths.append(W.copy())
        losses.append(loss_of(W))
    return {
        "t": t_rec, "paths": np.array(paths), "loss": np.array(losses), "a": a, "alpha": alpha, "m": m,
        "initial_loss": 0.5 * float(y @ y) / n,
        "movement": float(np.linalg.norm(W - W0, axis=1).mean()),
        "relative": float(np.linalg.norm(W - W0) / np.linalg.norm(W0)),
    }


# ---- Lecture 9: the mean-field scaling ---------------------------------------------------------------


@few_threads(blas=True)
def mean_field_movement(
    widths=(100, 400, 1600, 6400), *, n: int = 40, d: int = 10, steps: int = 400, eta: float = 0.5,
    seed: int = 0,
) -> dict:
    r"""GD on the two-layer net f(x) = m^{−γ} Σ_r a_r relu(w_rᵀx) (a_r = ±1 fixed, w_r ~ N(0, I_d)) under
    the lazy scaling γ = ½ (Du et al., step η) and the mean-field scaling γ = 1 (Mei–Montanari–Nguyen,
    Chizat–Bach; step η·m, the time scale on which each neuron moves at an m-independent speed).

    Loss (1/2n) Σ (f(x_i) − y_i)² on ``ovptools.teacher_data`` labels (k₀ = 4, unit-norm inputs).
    Returns per scaling and width: the mean neuron movement (1/m) Σ_r ‖w_r(T) − w_r(0)‖, the relative
    movement ‖W(T) − W(0)‖_F/‖W(0)‖_F and the final loss; and the fitted slopes of movement against m
    (predicted: −½ for γ = ½, 0 for γ = 1).
    """
    widths = tuple(check_count(m, "widths") for m in widths)
    n, d, steps = check_count(n, "n"), check_count(d, "d"), check_count(steps, "steps")
    eta = check_positive(eta, "eta")
    X, y, _ = teacher_data(n, d, 4, seed=seed)
    out = {"widths": np.array(widths)}
    for name, gamma in (("lazy", 0.5), ("mean_field", 1.0)):
        move, rel, final = [], [], []
        for m in widths:
            g = np.random.default_rng([seed, m])
            W0 = g.standard_normal((m, d))
            a = g.choice([-1.0, 1.0], size=m)
            W = W0.copy()
            c = m**-gamma
            step = eta * (m if gamma == 1.0 else 1.0)
            for _ in range(steps):
                Z = X @ W.T
                r = c * np.maximum(Z, 0.0) @ a - y
                W -= step * c * ((Z > 0) * (r[:, None] * a[None, :])).T @ X / n
            r = c * np.maximum(X @ W.T, 0.0) @ a - y
            move.append(float(np.linalg.norm(W - W0, axis=1).mean()))
            rel.append(float(np.linalg.norm(W - W0) / np.linalg.norm(W0)))
            final.append(0.5 * float(r @ r) / n)
        out[name] = {"movement": np.array(move), "relative": np.array(rel), "loss": np.array(final),
                     "slope": loglog_slope(widths, move)}
    out["initial_loss"] = 0.5 * float(y @ y) / n
    return out
