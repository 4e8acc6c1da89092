"""Lecture 7: deep ReLU nets in the lazy regime (Zou, Cao, Zhou & Gu 2019; Jacot et al. 2018): weight,
pattern and NTK changes against width, the NTK's infinite-width limit, training accuracy by width and depth."""

from __future__ import annotations

import numpy as np
import torch

from ..._device import few_threads, resolve_device
from ..._validate import (
    as_array,
    check_count,
    check_positive,
    check_unit_rows,
)
from ...data import min_separation, separated_data
from ...kernels import ntk_empirical, ntk_infinite
from ...models import deep_relu_forward, init_deep
from ...train.nets import train_deep
from ..common import loglog_slope
from .common import batched_logistic_sgd


def deep_lazy_training(
    widths=(64, 128, 256, 512),
    *,
    depth: int = 3,
    n: int = 64,
    d: int = 16,
    phi: float = 0.1,
    steps: int = 300,
    batch_size: int = 16,
    seeds: int = 1,
    seed: int = 0,
    device: str | torch.device = "auto",
) -> dict:
    r"""Minibatch SGD on the logistic loss of the deep ReLU net at several widths m, from Zou et
    al.'s initialization, on separated data (halfspace labels, :func:`ovptools.separated_data`); the step is
    η = 4/(m·λ_max(Θ)) ≈ 2/λ_max(K) for the tangent kernel K ≈ (m/2)Θ: a quarter of 8/λ_max(K), the
    largest stable step of GD on the summed logistic loss at initialization (whose curvature ℓ'' is at most 1/4).

    With ``seeds`` = S > 1 the whole experiment (data, initialization, minibatches) is repeated S
    times; each draw s uses ``seed + 100·s``. Returns, averaged over the draws: ``train_accuracy``
    (widths), ``loss`` (widths × steps + 1), ``relative_change`` (widths × L,
    ‖W_l(T) − W_l(0)‖_F/‖W_l(0)‖_F), ``absolute_change`` (widths × L, ‖W_l(T) − W_l(0)‖_F),
    ``spectral_change`` (widths × L, ‖W_l(T) − W_l(0)‖_2, the norm of Zou et al.'s region),
    ``pattern_change`` (widths × L, the fraction of (sample, unit) pairs of layer l whose ReLU switched),
    ``ntk_change`` (widths, ‖K(T) − K(0)‖_F/‖K(0)‖_F); the same per draw under
    ``*_seeds`` (leading axis S); and the log–log slopes against m of the draw means
    (``relative_slope``, ``absolute_slope``, ``spectral_slope`` and ``pattern_slope`` per layer, ``ntk_slope``)
    and per draw (``relative_slopes``, ``absolute_slopes``, ``spectral_slopes``, ``pattern_slopes``: S × L;
    ``ntk_slopes``: S). Trained in float32.
    """
    widths = [check_count(m, "widths") for m in widths]
    if len(widths) < 2:
        raise ValueError(f"widths: expected at least two widths to fit a slope, got {widths}")
    depth, n, d = check_count(depth, "depth"), check_count(n, "n"), check_count(d, "d")
    phi, seeds = check_positive(phi, "phi"), check_count(seeds, "seeds")
    keys = ("train_accuracy", "loss", "relative_change", "absolute_change", "spectral_change", "pattern_change",
            "ntk_change", "eta")
    per: dict[str, list] = {k: [] for k in keys}
    with few_threads(n * max(widths) ** 2):
        for s in range(seeds):
            base = seed + 100 * s
            X, y = separated_data(n, d, phi=phi, seed=base)
            if s == 0:
                X0, y0 = X, y
            lam_max = float(np.linalg.eigvalsh(ntk_infinite(X, depth))[-1])
            out: dict[str, list] = {k: [] for k in keys}
            for j, m in enumerate(widths):
                Ws, v = init_deep(d, m, depth, seed=base + 1 + j)
                eta = 4.0 / (m * lam_max)
                run = train_deep(X, y, Ws, v, eta=eta, steps=steps, batch_size=batch_size, loss="logistic",
                                 record_every=steps, track_ntk=True, seed=base, device=device, dtype=torch.float32)
                out["train_accuracy"].append(float(np.mean(np.sign(deep_relu_forward(run.Ws, run.v, X)) == y)))
                out["loss"].append(run.loss)
                out["relative_change"].append(run.relative_change[-1])
                out["absolute_change"].append([np.linalg.norm(W - W0) for W, W0 in zip(run.Ws, run.Ws0)])
                out["spectral_change"].append([np.linalg.norm(W - W0, 2) for W, W0 in zip(run.Ws, run.Ws0)])
                out["pattern_change"].append(run.pattern_change[-1])
                out["ntk_change"].append(float(run.ntk_change[-1]))
                out["eta"].append(eta)
            for k in keys:
                per[k].append(np.array(out[k], dtype=float))
    res: dict = {k + "_seeds": np.array(v) for k, v in per.items()}
    res.update({k: res[k + "_seeds"].mean(axis=0) for k in keys})
    for name in ("relative", "absolute", "spectral", "pattern"):
        change = res[f"{name}_change_seeds"]
        res[f"{name}_slope"] = np.array([loglog_slope(widths, change.mean(axis=0)[:, la]) for la in range(depth)])
        res[f"{name}_slopes"] = np.array([[loglog_slope(widths, c[:, la]) for la in range(depth)] for c in change])
    res["ntk_slope"] = loglog_slope(widths, res["ntk_change"])
    res["ntk_slopes"] = np.array([loglog_slope(widths, c) for c in res["ntk_change_seeds"]])
    res.update(widths=np.array(widths), depth=depth, n=n, d=d, phi=phi, seeds=seeds, X=X0, y=y0)
    return res


def ntk_convergence(
    X, depth: int, widths=(64, 256, 1024, 4096), *, seeds: int = 8, seed: int = 0, device: str | torch.device = "auto"
) -> dict:
    r"""How fast the empirical NTK at initialization, times 2/m, approaches the infinite-width
    ReLU NTK Θ (arc-cosine recursion) as m grows: the mean over ``seeds`` draws of
    ‖(2/m)K − Θ‖_F/‖Θ‖_F per width, and its log–log slope against m (fluctuations predict −1/2).
    The kernels are computed in float64 on ``device`` (the CPU on Apple's MPS, which has no float64)."""
    X = as_array(X, "X", ndim=2)
    check_unit_rows(X, "X")
    widths = [check_count(m, "widths") for m in widths]
    seeds = check_count(seeds, "seeds")
    theta = ntk_infinite(X, depth)
    dev = resolve_device(device, torch.float64)

    def error(m: int, s: int) -> float:
        Ws, v = init_deep(X.shape[1], m, depth, seed=seed + s)
        on = {"dtype": torch.float64, "device": dev}
        K = ntk_empirical([torch.as_tensor(W, **on) for W in Ws], torch.as_tensor(v, **on), torch.as_tensor(X, **on))
        return float(np.linalg.norm(K.cpu().numpy() * 2 / m - theta))

    errs = np.array([np.mean([error(m, s) for s in range(seeds)]) / np.linalg.norm(theta) for m in widths])
    return {"widths": np.array(widths), "relative_error": errs, "slope": loglog_slope(widths, errs), "theta": theta}


def accuracy_grid(
    widths=(2, 4, 8, 16, 64),
    depths=(2, 3, 4, 5),
    *,
    n: int = 64,
    d: int = 16,
    phi: float = 0.1,
    steps: int = 200,
    batch_size: int = 16,
    seeds: int = 3,
    seed: int = 0,
    labels: str = "halfspace",
    device: str | torch.device = "auto",
) -> dict:
    r"""Training accuracy of the deep ReLU net after ``steps`` of minibatch SGD on the logistic loss,
    for every depth L and width m, from ``seeds`` initializations (seeds ``seed + 1 + s``, minibatch order
    ``seed + s``), on one separated data set (``seed``; ``labels`` as in :func:`ovptools.separated_data`:
    ``"halfspace"`` or ``"random"``); the step is that of :func:`deep_lazy_training`, 4/(m·λ_max(Θ_L)).
    The seeds of one (L, m) train together as one batched run (:func:`.common.batched_logistic_sgd`).

    Returns ``accuracy`` and ``loss`` (the final full-batch loss), both depths × widths × seeds,
    ``output_max0`` and ``output_max`` (the largest |f(x_i)| at initialization and at the end: 0 means
    the net's output, and with it the gradient, is identically 0 — a dead net), ``fits`` (depths × widths:
    every seed reached 100%), ``smallest`` (per depth, the smallest width at which every seed fits, 0 if
    none), ``phi`` (the data's measured separation), ``labels`` and the data.
    """
    widths = [check_count(m, "widths") for m in widths]
    depths = [check_count(L, "depths") for L in depths]
    n, d, seeds = check_count(n, "n"), check_count(d, "d"), check_count(seeds, "seeds")
    X, y = separated_data(n, d, phi=check_positive(phi, "phi"), seed=seed, labels=labels)
    dev = resolve_device(device, torch.float32)
    on = {"dtype": torch.float32, "device": dev}
    Xs = torch.as_tensor(X, **on).expand(seeds, n, d)
    ys = torch.as_tensor(y, **on).expand(seeds, n)
    acc = np.zeros((len(depths), len(widths), seeds))
    loss, out0, out1 = np.zeros_like(acc), np.zeros_like(acc), np.zeros_like(acc)
    with few_threads(seeds * n * max(widths) ** 2):
        for a, L in enumerate(depths):
            lam_max = float(np.linalg.eigvalsh(ntk_infinite(X, L))[-1])
            for b, m in enumerate(widths):
                inits = [init_deep(d, m, L, seed=seed + 1 + s) for s in range(seeds)]
                Ws = [torch.as_tensor(np.stack([W[layer] for W, _ in inits]), **on) for layer in range(L)]
                v = torch.as_tensor(np.stack([v for _, v in inits]), **on)
                run = batched_logistic_sgd(Ws, v, Xs, ys, eta=[4.0 / (m * lam_max)] * seeds, steps=steps,
                                           batch_size=batch_size, seeds=[seed + s for s in range(seeds)],
                                           loss_every=steps)
                acc[a, b] = np.mean(np.sign(run["f"]) == y, axis=1)
                loss[a, b] = run["loss"][:, -1]
                out0[a, b] = np.abs(run["f0"]).max(axis=1)
                out1[a, b] = np.abs(run["f"]).max(axis=1)
    fits = np.all(acc == 1.0, axis=2)
    smallest = np.array([widths[int(np.argmax(row))] if row.any() else 0 for row in fits])
    return {"widths": np.array(widths), "depths": np.array(depths), "accuracy": acc, "loss": loss,
            "output_max0": out0, "output_max": out1, "fits": fits, "smallest": smallest, "n": n,
            "phi": min_separation(X, y), "labels": labels, "X": X, "y": y}
