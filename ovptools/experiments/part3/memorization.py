"""Lecture 8: true and random labels on 10-class digits, both memorized (Kawaguchi & Huang 2019)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch

from ..._device import few_threads, resolve_device
from ..._validate import (
    check_count,
    check_seed,
    rng,
)
from ...data import digits
from ...train.engine import descend
from ...train.problems import FlatSquareLossProblem
from .practical import PracticalNet, mlp_parameter_count


@dataclass(frozen=True)
class DigitsRun:
    """One run of :func:`digits_memorization`.

    Attributes:
        loss: the square loss ½‖F − Y‖² at every step.
        train_accuracy: the fraction of training digits whose argmax output is their (true or random) label.
        test_accuracy: the same on the held-out digits, against their true labels.
        eta: the step 1/λ_max(∇²L(θ₀)).
        seconds: wall time of the training loop.
    """

    loss: np.ndarray
    train_accuracy: float
    test_accuracy: float
    eta: float
    seconds: float


@dataclass(frozen=True)
class DigitsMemorization:
    """The result of :func:`digits_memorization`.

    Attributes:
        runs: keyed ``"true"`` and ``"random"`` (the labels trained on), a :class:`DigitsRun` each.
        p: the number of parameters.   n_times_m_y: 10·n_train, the number of fitted numbers.
        n_train, n_test, width, depth: the arguments.   device: where the nets trained.
    """

    runs: dict[str, DigitsRun]
    p: int
    n_times_m_y: int
    n_train: int
    n_test: int
    width: int
    depth: int
    device: str


def _top_curvature(problem: FlatSquareLossProblem, steps: int = 20) -> float:
    """λ_max of ∇²L at the current θ, by Lanczos on Hessian-vector products."""
    from ...autodiff import hessian_extremes

    return hessian_extremes(problem.objective, problem.net.theta.detach(), steps=steps)[0]


def digits_memorization(
    *,
    n_train: int = 100,
    n_test: int = 500,
    width: int = 128,
    depth: int = 2,
    steps: int = 800,
    momentum: float = 0.9,
    activation: str = "tanh",
    seed: int = 0,
    device: str | torch.device = "auto",
) -> DigitsMemorization:
    r"""Kawaguchi–Huang at a practical size on 10-class digits: a :class:`PracticalNet` with
    ``depth`` hidden layers of ``width`` units and m_y = 10 outputs, trained by full-batch GD
    (heavy-ball ``momentum``) with η = 1/λ_max(∇²L(θ₀)) on the square loss ½‖F − Y‖² to one-hot
    targets, once with the true labels and once with uniformly random labels (same inputs, same initialization).

    Returns a :class:`DigitsMemorization`.
    """
    n_train, n_test = check_count(n_train, "n_train", minimum=10), check_count(n_test, "n_test")
    width, depth, steps = check_count(width, "width"), check_count(depth, "depth"), check_count(steps, "steps")
    seed = check_seed(seed)
    Xtr, ytr, Xte, yte = digits(tuple(range(10)), n_train=n_train, n_test=n_test, seed=seed)
    labels = {"true": ytr.astype(int), "random": rng(seed + 1).integers(0, 10, size=n_train)}
    dev = resolve_device(device, torch.float32)
    runs = {}
    for name, lab in labels.items():
        with few_threads():
            runs[name] = _digits_run(Xtr, Xte, yte, lab, width, depth, steps, momentum, activation, seed, dev, name)
    return DigitsMemorization(runs=runs, p=mlp_parameter_count(64, (width,) * depth, 10), n_times_m_y=10 * n_train,
                              n_train=n_train, n_test=n_test, width=width, depth=depth, device=str(dev))


def _digits_run(Xtr, Xte, yte, lab, width, depth, steps, momentum, activation, seed, dev, name) -> DigitsRun:
    net = PracticalNet(64, (width,) * depth, 10, activation=activation, seed=seed, dtype=torch.float32,
                       device=dev)
    prob = FlatSquareLossProblem(net, torch.from_numpy(Xtr).float(), np.eye(10)[lab], eta=1.0,
                              momentum=momentum)
    prob._eta = 1.0 / _top_curvature(prob)
    start = time.perf_counter()
    run = descend(prob, steps=steps, desc=f"GD (digits, {name} labels)")
    seconds = time.perf_counter() - start
    with torch.no_grad():
        pred_tr = net(prob.X).argmax(1).cpu().numpy()
        pred_te = net(torch.from_numpy(Xte).float().to(dev)).argmax(1).cpu().numpy()
    return DigitsRun(loss=run.loss, train_accuracy=float(np.mean(pred_tr == lab)),
                     test_accuracy=float(np.mean(pred_te == yte.astype(int))), eta=prob._eta, seconds=seconds)
