"""Lecture 7: deep ReLU nets in the lazy regime (Zou, Cao, Zhou & Gu 2019; Jacot et al. 2018): weight,
pattern and NTK changes against width, the NTK's infinite-width limit, training accuracy by width and depth."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class LazyTraining:
    """The result of :func:`deep_lazy_training`: S = ``n_seeds`` draws, W widths, H = ``depth`` layers.

    Attributes:
        widths: the W widths m.
        depth, n, d, phi, n_seeds: the arguments.
        X, y: the data of the first draw.
        train_accuracy: W, the training accuracy after the run (mean over draws).
        loss: W × (steps + 1), the summed logistic loss along the run (mean over draws).
        relative_change: W × H, ‖W_l(T) − W_l(0)‖_F/‖W_l(0)‖_F (mean over draws).
        absolute_change: W × H, ‖W_l(T) − W_l(0)‖_F.
        spectral_change: W × H, ‖W_l(T) − W_l(0)‖_2 (the norm of Zou et al.'s region).
        pattern_change: W × H, the fraction of (sample, unit) pairs of layer l whose ReLU switched.
        ntk_change: W, ‖K(T) − K(0)‖_F/‖K(0)‖_F.
        eta: W, the step 4/(m·λ_max(Θ)) (mean over draws).
        per_seed: the same eight quantities per draw, keyed by their names, each with a leading axis S.
        relative_slope, absolute_slope, spectral_slope, pattern_slope: H, the log–log slope against m of the
            draw means, per layer.
        ntk_slope: the log–log slope of the mean ``ntk_change``.
        relative_slopes, absolute_slopes, spectral_slopes, pattern_slopes: S × H, the same slopes per draw.
        ntk_slopes: S, the NTK drift's slope per draw.
    """

    widths: np.ndarray
    depth: int
    n: int
    d: int
    phi: float
    n_seeds: int
    X: np.ndarray
    y: np.ndarray
    train_accuracy: np.ndarray
    loss: np.ndarray
    relative_change: np.ndarray
    absolute_change: np.ndarray
    spectral_change: np.ndarray
    pattern_change: np.ndarray
    ntk_change: np.ndarray
    eta: np.ndarray
    per_seed: dict[str, np.ndarray]
    relative_slope: np.ndarray
    absolute_slope: np.ndarray
    spectral_slope: np.ndarray
    pattern_slope: np.ndarray
    ntk_slope: float
    relative_slopes: np.ndarray
    absolute_slopes: np.ndarray
    spectral_slopes: np.ndarray
    pattern_slopes: np.ndarray
    ntk_slopes: np.ndarray


@dataclass(frozen=True)
class NTKConvergence:
    """The result of :func:`ntk_convergence`.

    Attributes:
        widths: the widths m.
        relative_error: per width, the mean over draws of ‖(2/m)K − Θ‖_F/‖Θ‖_F.
        slope: its log–log slope against m (fluctuations predict −1/2).
        theta: Θ, the infinite-width NTK (n × n).
    """

    widths: np.ndarray
    relative_error: np.ndarray
    slope: float
    theta: np.ndarray


@dataclass(frozen=True)
class AccuracyGrid:
    """The result of :func:`accuracy_grid`: D depths, W widths, S = ``n_seeds`` initializations.

    Attributes:
        widths, depths: the W widths and D depths.
        accuracy: D × W × S training accuracy after the run.
        loss: D × W × S final full-batch summed logistic loss.
        output_max0, output_max: D × W × S, the largest |f(x_i)| at initialization and at the end (0 means a
            dead net: its output, and with it the gradient, is identically 0).
        fits: D × W, every initialization reached 100%.
        smallest: D, the smallest width at which every initialization fits (0 if none).
        n: the number of samples.
        phi: the data's measured separation (:func:`ovptools.min_separation`).
        labels: ``"halfspace"`` or ``"random"``.
        X, y: the data.
    """

    widths: np.ndarray
    depths: np.ndarray
    accuracy: np.ndarray
    loss: np.ndarray
    output_max0: np.ndarray
    output_max: np.ndarray
    fits: np.ndarray
    smallest: np.ndarray
    n: int
    phi: float
    labels: str
    X: np.ndarray
    y: np.ndarray


def deep_lazy_training(
    widths=(64, 128, 256, 512),
    *,
    depth: int = 3,
    n: int = 64,
    d: int = 16,
    phi: float = 0.1,
    steps: int = 300,
    batch_size: int = 16,
    n_seeds: int = 1,
    seed: int = 0,
    device: str | torch.device = "auto",
) -> LazyTraining:
    r"""Minibatch SGD on the logistic loss of the deep ReLU net at several widths m, from Zou et
    al.'s initialization, on separated data (halfspace labels, :func:`ovptools.separated_data`); the step is
    η = 4/(m·λ_max(Θ)) ≈ 2/λ_max(K) for the tangent kernel K ≈ (m/2)Θ: a quarter of 8/λ_max(K), the
    largest stable step of GD on the summed logistic loss at initialization (whose curvature ℓ'' is at most 1/4).

    With ``n_seeds`` = S > 1 the whole experiment (data, initialization, minibatches) is repeated S
    times; each draw s uses ``seed + 100·s``. Returns a :class:`LazyTraining` (means over the draws, the
    draws themselves, and log–log slopes against m). Trained in float32.
    """
    widths = [check_count(m, "widths") for m in widths]
    if len(widths) < 2:
        raise ValueError(f"widths: expected at least two widths to fit a slope, got {widths}")
    depth, n, d = check_count(depth, "depth"), check_count(n, "n"), check_count(d, "d")
    phi, n_seeds = check_positive(phi, "phi"), check_count(n_seeds, "n_seeds")
    keys = ("train_accuracy", "loss", "relative_change", "absolute_change", "spectral_change", "pattern_change",
            "ntk_change", "eta")
    per: dict[str, list] = {k: [] for k in keys}
    with few_threads(n * max(widths) ** 2):
        for s in range(n_seeds):
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
    per_seed = {k: np.array(v) for k, v in per.items()}
    res: dict = {k: per_seed[k].mean(axis=0) for k in keys}
    for name in ("relative", "absolute", "spectral", "pattern"):
        change = per_seed[f"{name}_change"]
        res[f"{name}_slope"] = np.array([loglog_slope(widths, change.mean(axis=0)[:, la]) for la in range(depth)])
        res[f"{name}_slopes"] = np.array([[loglog_slope(widths, c[:, la]) for la in range(depth)] for c in change])
    res["ntk_slope"] = loglog_slope(widths, res["ntk_change"])
    res["ntk_slopes"] = np.array([loglog_slope(widths, c) for c in per_seed["ntk_change"]])
    return LazyTraining(widths=np.array(widths), depth=depth, n=n, d=d, phi=phi, n_seeds=n_seeds, X=X0, y=y0,
                        per_seed=per_seed, **res)


def ntk_convergence(
    X, depth: int, widths=(64, 256, 1024, 4096), *, n_seeds: int = 8, seed: int = 0,
    device: str | torch.device = "auto",
) -> NTKConvergence:
    r"""How fast the empirical NTK at initialization, times 2/m, approaches the infinite-width
    ReLU NTK Θ (arc-cosine recursion) as m grows: the mean over ``n_seeds`` draws of
    ‖(2/m)K − Θ‖_F/‖Θ‖_F per width, and its log–log slope against m (fluctuations predict −1/2).
    The kernels are computed in float64 on ``device`` (the CPU on Apple's MPS, which has no float64)."""
    X = as_array(X, "X", ndim=2)
    check_unit_rows(X, "X")
    widths = [check_count(m, "widths") for m in widths]
    n_seeds = check_count(n_seeds, "n_seeds")
    theta = np.asarray(ntk_infinite(X, depth))
    dev = resolve_device(device, torch.float64)

    def error(m: int, s: int) -> float:
        Ws, v = init_deep(X.shape[1], m, depth, seed=seed + s)
        on = {"dtype": torch.float64, "device": dev}
        K = ntk_empirical([torch.as_tensor(W, **on) for W in Ws], torch.as_tensor(v, **on), torch.as_tensor(X, **on))
        return float(np.linalg.norm(torch.as_tensor(K).cpu().numpy() * 2 / m - theta))

    errs = np.array([np.mean([error(m, s) for s in range(n_seeds)]) / np.linalg.norm(theta) for m in widths])
    return NTKConvergence(widths=np.array(widths), relative_error=errs, slope=loglog_slope(widths, errs), theta=theta)


def accuracy_grid(
    widths=(2, 4, 8, 16, 64),
    depths=(2, 3, 4, 5),
    *,
    n: int = 64,
    d: int = 16,
    phi: float = 0.1,
    steps: int = 200,
    batch_size: int = 16,
    n_seeds: int = 3,
    seed: int = 0,
    labels: str = "halfspace",
    device: str | torch.device = "auto",
) -> AccuracyGrid:
    r"""Training accuracy of the deep ReLU net after ``steps`` of minibatch SGD on the logistic loss,
    for every depth H and width m, from ``n_seeds`` initializations (seeds ``seed + 1 + s``, minibatch order
    ``seed + s``), on one separated data set (``seed``; ``labels`` as in :func:`ovptools.separated_data`:
    ``"halfspace"`` or ``"random"``); the step is that of :func:`deep_lazy_training`, 4/(m·λ_max(Θ_H)).
    The initializations of one (H, m) train together as one batched run (:func:`.common.batched_logistic_sgd`).
    Returns an :class:`AccuracyGrid`.
    """
    widths = [check_count(m, "widths") for m in widths]
    depths = [check_count(L, "depths") for L in depths]
    n, d, n_seeds = check_count(n, "n"), check_count(d, "d"), check_count(n_seeds, "n_seeds")
    X, y = separated_data(n, d, phi=check_positive(phi, "phi"), seed=seed, labels=labels)
    dev = resolve_device(device, torch.float32)
    on = {"dtype": torch.float32, "device": dev}
    Xs = torch.as_tensor(X, **on).expand(n_seeds, n, d)
    ys = torch.as_tensor(y, **on).expand(n_seeds, n)
    acc = np.zeros((len(depths), len(widths), n_seeds))
    loss, out0, out1 = np.zeros_like(acc), np.zeros_like(acc), np.zeros_like(acc)
    with few_threads(n_seeds * n * max(widths) ** 2):
        for a, L in enumerate(depths):
            lam_max = float(np.linalg.eigvalsh(ntk_infinite(X, L))[-1])
            for b, m in enumerate(widths):
                inits = [init_deep(d, m, L, seed=seed + 1 + s) for s in range(n_seeds)]
                Ws = [torch.as_tensor(np.stack([W[layer] for W, _ in inits]), **on) for layer in range(L)]
                v = torch.as_tensor(np.stack([v for _, v in inits]), **on)
                run = batched_logistic_sgd(Xs, ys, Ws, v, eta=[4.0 / (m * lam_max)] * n_seeds, steps=steps,
                                           batch_size=batch_size, batch_seeds=[seed + s for s in range(n_seeds)],
                                           loss_every=steps)
                acc[a, b] = np.mean(np.sign(run.f) == y, axis=1)
                loss[a, b] = run.loss[:, -1]
                out0[a, b] = np.abs(run.f0).max(axis=1)
                out1[a, b] = np.abs(run.f).max(axis=1)
    fits = np.all(acc == 1.0, axis=2)
    smallest = np.array([widths[int(np.argmax(row))] if row.any() else 0 for row in fits])
    return AccuracyGrid(widths=np.array(widths), depths=np.array(depths), accuracy=acc, loss=loss, output_max0=out0,
                        output_max=out1, fits=fits, smallest=smallest, n=n, phi=min_separation(X, y), labels=labels,
                        X=X, y=y)
