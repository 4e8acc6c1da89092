r"""Part III's experiments (deep ReLU nets, Zou et al.; Jacot et al.), as functions that return data.

The deep net, its N(0, 2/m) initialization and the logistic loss are those of
:func:`ovptools.init_deep` and :func:`ovptools.train_deep`; data from :func:`ovptools.separated_data`
(‖x_i‖ = 1, last coordinate μ, classes φ apart).
"""

from __future__ import annotations

import numpy as np
import torch

from .._validate import as_array, check_count, check_positive, check_unit_rows
from ..data import separated_data
from ..kernels import empirical_ntk, relu_ntk_infinite
from ..models import deep_relu_forward, init_deep
from ..train.nets import train_deep


def _slope(x, y) -> float:
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def deep_lazy_training(
    widths=(64, 128, 256, 512),
    *,
    depth: int = 3,
    n: int = 64,
    d: int = 16,
    phi: float = 0.1,
    steps: int = 300,
    batch_size: int = 16,
    seed: int = 0,
    device: str | torch.device = "auto",
) -> dict:
    r"""Minibatch SGD on the logistic loss of the deep ReLU net at several widths m, from Zou et
    al.'s initialization, on separated data; the step is η = 4/(m·λ_max(Θ)), the inverse of the
    largest eigenvalue of the tangent kernel K ≈ (m/2)Θ times 2 (the logistic loss has curvature ≤ 1/4).

    Returns per width: ``train_accuracy``, ``loss`` (at every step), ``relative_change`` (widths × L,
    ‖W_l(T) − W_l(0)‖_F/‖W_l(0)‖_F), ``pattern_change`` (widths × L), ``ntk_change``
    (‖K(T) − K(0)‖_F/‖K(0)‖_F); and the log–log slopes against m of the last three
    (``relative_slope`` and ``pattern_slope`` per layer, ``ntk_slope``). Trained in float32.
    """
    widths = [check_count(m, "widths") for m in widths]
    X, y = separated_data(check_count(n, "n"), check_count(d, "d"), phi=check_positive(phi, "phi"), seed=seed)
    lam_max = float(np.linalg.eigvalsh(relu_ntk_infinite(X, check_count(depth, "depth")))[-1])
    out: dict[str, list] = {k: [] for k in ("train_accuracy", "loss", "relative_change", "pattern_change",
                                            "ntk_change", "eta")}
    for j, m in enumerate(widths):
        Ws, v = init_deep(d, m, depth, seed=seed + 1 + j)
        eta = 4.0 / (m * lam_max)
        run = train_deep(Ws, v, X, y, eta=eta, steps=steps, batch_size=batch_size, loss="logistic",
                         record_every=steps, track_ntk=True, seed=seed, device=device, dtype=torch.float32)
        out["train_accuracy"].append(float(np.mean(np.sign(deep_relu_forward(run.Ws, run.v, X)) == y)))
        out["loss"].append(run.loss)
        out["relative_change"].append(run.relative_change[-1])
        out["pattern_change"].append(run.pattern_change[-1])
        out["ntk_change"].append(float(run.ntk_change[-1]))
        out["eta"].append(eta)
    res = {k: np.array(v) for k, v in out.items()}
    res.update(
        widths=np.array(widths), depth=depth, n=n, phi=phi, X=X, y=y,
        relative_slope=np.array([_slope(widths, res["relative_change"][:, layer]) for layer in range(depth)]),
        pattern_slope=np.array([_slope(widths, res["pattern_change"][:, layer]) for layer in range(depth)]),
        ntk_slope=_slope(widths, res["ntk_change"]),
    )
    return res


def ntk_convergence(X, depth: int, widths=(64, 256, 1024, 4096), *, seeds: int = 8, seed: int = 0) -> dict:
    r"""How fast the empirical NTK at initialization, times 2/m, approaches the infinite-width
    ReLU NTK Θ (arc-cosine recursion) as m grows: the mean over ``seeds`` draws of
    ‖(2/m)K − Θ‖_F/‖Θ‖_F per width, and its log–log slope against m (fluctuations predict −1/2)."""
    X = as_array(X, "X", ndim=2)
    check_unit_rows(X, "X")
    widths = [check_count(m, "widths") for m in widths]
    seeds = check_count(seeds, "seeds")
    theta = relu_ntk_infinite(X, depth)
    errs = np.array([
        np.mean([np.linalg.norm(empirical_ntk(*init_deep(X.shape[1], m, depth, seed=seed + s), X) * 2 / m - theta)
                 for s in range(seeds)]) / np.linalg.norm(theta)
        for m in widths
    ])
    return {"widths": np.array(widths), "relative_error": errs, "slope": _slope(widths, errs), "theta": theta}


__all__ = ["deep_lazy_training", "ntk_convergence"]
