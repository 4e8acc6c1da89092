"""Lecture 7's picture of what a deep ReLU net does while it trains: which activation patterns flip, and how far
each layer's weights move, step by step, at a narrow and a wide width."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..._device import few_threads
from ..._validate import as_array, check_count, check_seed
from ...kernels import ntk_infinite
from ...models import DeepReLUNet, init_deep
from ...train.nets import train_deep


@dataclass(frozen=True)
class PatternFlips:
    """The result of :func:`pattern_flips`: W widths, R recorded steps, H = ``depth`` layers.

    Attributes:
        widths: the W widths m.   depth: H.   eta: W, the step 4/(m·λ_max(Θ_H)) of each run.
        steps: the R recorded SGD steps (every ``record_every`` steps and the last).
        pattern_change: W × R × H, the fraction of (sample, unit) pairs of layer l whose ReLU differs from
            initialization, after each recorded step.
        relative_change: W × R × H, ‖W_l(k) − W_l(0)‖_F/‖W_l(0)‖_F after each recorded step.
        flipped: per width, H boolean arrays n × m: True where unit r of layer l is on for sample i at the end
            and off at initialization, or the reverse.
    """

    widths: np.ndarray
    depth: int
    eta: np.ndarray
    steps: np.ndarray
    pattern_change: np.ndarray
    relative_change: np.ndarray
    flipped: list[list[np.ndarray]]


def pattern_flips(
    X,
    y,
    widths=(64, 512),
    *,
    depth: int = 3,
    steps: int = 200,
    batch_size: int = 16,
    record_every: int = 10,
    seed: int = 0,
    device: str | torch.device = "auto",
) -> PatternFlips:
    r"""Minibatch SGD on the summed logistic loss of the deep ReLU net (:func:`ovptools.train_deep`, the runs of
    :func:`deep_lazy_training`: η = 4/(m·λ_max(Θ_H)), initialization ``seed + 1 + j`` for the j-th width, minibatch
    order ``seed``) on the data ``X``, ``y`` (labels ±1), recording every ``record_every`` steps which ReLU patterns
    have flipped and how far every layer has moved. Returns a :class:`PatternFlips`, with the final flip maps of
    every layer (samples × units), the picture behind the fractions. Trained in float32.
    """
    X = as_array(X, "X", ndim=2)
    y = as_array(y, "y", ndim=1)
    widths = [check_count(m, "widths") for m in widths]
    depth, steps = check_count(depth, "depth"), check_count(steps, "steps")
    record_every, seed = check_count(record_every, "record_every"), check_seed(seed)
    lam_max = float(np.linalg.eigvalsh(ntk_infinite(X, depth))[-1])
    etas, patterns, changes, flipped = [], [], [], []
    with few_threads(X.shape[0] * max(widths) ** 2):
        for j, m in enumerate(widths):
            Ws, v = init_deep(X.shape[1], m, depth, seed=seed + 1 + j)
            eta = 4.0 / (m * lam_max)
            run = train_deep(X=X, y=y, Ws0=Ws, v=v, eta=eta, steps=steps, batch_size=batch_size, loss="logistic",
                             record_every=record_every, seed=seed, device=device, dtype=torch.float32)
            Xt = torch.as_tensor(X, dtype=torch.float32)
            with torch.no_grad():
                before = DeepReLUNet(run.Ws0, run.v).float().hidden(Xt)
                after = DeepReLUNet(run.Ws, run.v).float().hidden(Xt)
            flipped.append([((Z0 >= 0) != (Z >= 0)).numpy() for Z0, Z in zip(before, after)])
            etas.append(eta)
            patterns.append(run.pattern_change)
            changes.append(run.relative_change)
    return PatternFlips(widths=np.array(widths), depth=depth, eta=np.array(etas), steps=run.steps,
                        pattern_change=np.array(patterns), relative_change=np.array(changes), flipped=flipped)
