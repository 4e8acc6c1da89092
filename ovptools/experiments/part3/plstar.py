"""Lecture 8: PL* holds in a ball around the initialization with μ = λ_min(K) (Liu, Zhu & Belkin 2022); the
tangent kernel's condition number against GD's speed."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from ..._device import few_threads, resolve_device
from ..._validate import (
    check_count,
    check_seed,
)
from ...kernels import tangent_kernel
from ...objectives import fitted_rate
from ...train.engine import descend
from ...train.problems import FlatSquareLossProblem
from .common import regression_task
from .practical import PracticalNet


def _kernel_records(net: PracticalNet, X: torch.Tensor) -> dict:
    def eig(_problem) -> list[float]:  # a recorder receives the problem; the kernel needs only net and X
        lam = torch.linalg.eigvalsh(tangent_kernel(net, X))
        return [float(lam[0]), float(lam[-1])]

    return {
        "kernel": eig,
        "grad_sq": lambda p: float(torch.linalg.vector_norm(p.gradient()) ** 2),
        "distance": lambda p: float(torch.linalg.vector_norm(p.net.theta.detach() - p.theta0)),
    }


@dataclass(frozen=True)
class PLStarRun:
    """The result of :func:`pl_star_along_run`: W widths, R records along each run (W × R arrays).

    Attributes:
        widths: the widths m.   n: the number of samples.   steps: the recorded steps (R).
        lambda_min, lambda_max: W × R, λ_min and λ_max of the tangent kernel K(θ_t).
        pl_ratio: W × R, ½‖∇L‖²/L.   distance: W × R, ‖θ_t − θ₀‖.   loss: W × (T + 1), L(θ_t) at every step.
        mu0: W, λ_min(K(θ₀)).   eta: W, the step 1/λ_max(K(θ₀)).
        radius: W, the theorem's R = 2√(2βL(θ₀))/μ with β = λ_max(K(θ₀)) and μ = μ₀/2.
        final_loss: W, L(θ_T)/L(θ₀).
        min_pl_over_mu0, min_lambda_over_mu0: W, the smallest PL ratio and λ_min(K) along the run, over μ₀.
    """

    widths: np.ndarray
    n: int
    steps: np.ndarray
    lambda_min: np.ndarray
    lambda_max: np.ndarray
    pl_ratio: np.ndarray
    distance: np.ndarray
    loss: np.ndarray
    mu0: np.ndarray
    eta: np.ndarray
    radius: np.ndarray
    final_loss: np.ndarray
    min_pl_over_mu0: np.ndarray
    min_lambda_over_mu0: np.ndarray


@dataclass(frozen=True)
class ConditionSpeed:
    """The result of :func:`condition_number_speed`, one entry per input dimension d.

    Attributes:
        dims: the input dimensions.   n, width: the arguments.
        kappa, kappa_final: λ_max/λ_min of K(θ₀) and of K(θ_T).
        predicted_rate: (1 − 1/κ)², the loss's predicted per-step contraction; predicted_rate_final: the same from
            K(θ_T), (1 − ηλ_min(K(θ_T)))².
        fitted_rate: the measured per-step contraction (see the function).
        final_loss: L(θ_T)/L(θ₀).   loss: the loss curves.
    """

    dims: np.ndarray
    n: int
    width: int
    kappa: np.ndarray
    kappa_final: np.ndarray
    predicted_rate: np.ndarray
    predicted_rate_final: np.ndarray
    fitted_rate: np.ndarray
    final_loss: np.ndarray
    loss: np.ndarray


@few_threads()
def pl_star_along_run(
    widths=(16, 64, 256),
    *,
    n: int = 20,
    d: int = 10,
    steps: int = 300,
    record_every: int = 10,
    seed: int = 0,
    device: str | torch.device = "auto",
) -> PLStarRun:
    r"""PL* along full-batch GD (η = 1/λ_max(K(θ₀))) on L = ½‖F(θ) − y‖² for one-hidden-layer
    :class:`PracticalNet` s of several widths, n unit-sphere inputs, labels uniform in [−1, 1].

    For the square loss ‖∇L‖² = rᵀKr ≥ 2λ_min(K)·L at every θ, so PL* with μ holds on any set where
    λ_min(K(θ)) ≥ μ; Liu–Zhu–Belkin show that for wide nets K barely moves in a ball of radius
    R = 2√(2βL(θ₀))/μ around θ₀, which GD never leaves. Records every ``record_every`` steps and returns a
    :class:`PLStarRun`.
    """
    widths = [check_count(m, "widths") for m in widths]
    n, d, steps = check_count(n, "n", minimum=2), check_count(d, "d"), check_count(steps, "steps")
    record_every, seed = check_count(record_every, "record_every"), check_seed(seed)
    X, y = regression_task(n, d, seed)
    dev = resolve_device(device, torch.float64)
    X, y = X.to(dev), y.to(dev)
    keys = ("lambda_min", "lambda_max", "pl_ratio", "distance", "loss")
    out: dict = {k: [] for k in (*keys, "mu0", "radius", "final_loss", "eta")}
    for m in widths:
        net = PracticalNet(d, (m,), 1, seed=seed + 1, device=dev)
        lam = torch.linalg.eigvalsh(tangent_kernel(net, X))
        mu0, beta = float(lam[0]), float(lam[-1])
        prob = FlatSquareLossProblem(net, X, y, eta=1.0 / beta)
        run = descend(prob, steps=steps, recorders=_kernel_records(net, X), record_every=record_every,
                       desc=f"GD (m = {m})")
        loss = run.loss[run.steps]
        out["lambda_min"].append(run.kernel[:, 0])
        out["lambda_max"].append(run.kernel[:, 1])
        out["pl_ratio"].append(0.5 * run.grad_sq / loss)
        out["distance"].append(run.distance)
        out["loss"].append(run.loss)
        out["mu0"].append(mu0)
        out["eta"].append(1.0 / beta)
        out["radius"].append(2 * math.sqrt(2 * beta * run.loss[0]) / (mu0 / 2))
        out["final_loss"].append(run.loss[-1] / run.loss[0])
    res = {k: np.array(v) for k, v in out.items()}
    return PLStarRun(widths=np.array(widths), steps=run.steps, n=n, **res,
                     min_pl_over_mu0=res["pl_ratio"].min(axis=1) / res["mu0"],
                     min_lambda_over_mu0=res["lambda_min"].min(axis=1) / res["mu0"])


@few_threads()
def condition_number_speed(
    dims=(4, 6, 10, 20),
    *,
    n: int = 16,
    width: int = 256,
    steps: int = 800,
    seed: int = 0,
    device: str | torch.device = "auto",
) -> ConditionSpeed:
    r"""The tangent kernel's condition number κ = λ_max(K(θ₀))/λ_min(K(θ₀)) against the speed of
    GD (η = 1/λ_max(K(θ₀))) on L = ½‖F(θ) − y‖² for a wide one-hidden-layer :class:`PracticalNet`,
    over datasets of n unit-sphere points in R^d for each d in ``dims`` (small d crowds the points
    and makes K ill-conditioned).

    In the near-linear regime the residual obeys r_{k+1} ≈ (I − ηK)r_k, so the loss eventually
    contracts by ``predicted_rate`` = (1 − 1/κ)² per step; Liu–Zhu–Belkin's bound guarantees
    (1 − 1/κ). ``fitted_rate`` is exp of the slope of log L over the last half of the run, or of
    its part before L falls below 1e-20·L(θ₀) (float64 round-off). ``predicted_rate_final`` uses the
    kernel at the end instead, (1 − ηλ_min(K(θ_T)))², and ``kappa_final`` = λ_max/λ_min of K(θ_T).
    Returns a :class:`ConditionSpeed`.
    """
    dims = [check_count(dd, "dims") for dd in dims]
    n, width = check_count(n, "n", minimum=2), check_count(width, "width")
    steps = check_count(steps, "steps", minimum=4)
    seed = check_seed(seed)
    dev = resolve_device(device, torch.float64)
    out: dict = {k: [] for k in ("kappa", "predicted_rate", "fitted_rate", "final_loss", "loss", "kappa_final",
                                 "predicted_rate_final")}
    for dd in dims:
        X, y = regression_task(n, dd, seed)
        X, y = X.to(dev), y.to(dev)
        net = PracticalNet(dd, (width,), 1, seed=seed + 1, device=dev)
        lam = torch.linalg.eigvalsh(tangent_kernel(net, X))
        kappa = float(lam[-1] / lam[0])
        prob = FlatSquareLossProblem(net, X, y, eta=1.0 / float(lam[-1]))
        run = descend(prob, steps=steps, desc=f"GD (d = {dd})")
        above = np.flatnonzero(run.loss > 1e-20 * run.loss[0])  # float64 round-off below that
        end = int(above.max())
        tail = np.arange(end // 2, end + 1)
        fitted = fitted_rate(run.loss[tail])
        lam_T = torch.linalg.eigvalsh(tangent_kernel(net, X))
        out["kappa_final"].append(float(lam_T[-1] / lam_T[0]))
        out["predicted_rate_final"].append(float((1 - lam_T[0] / lam[-1]) ** 2))
        out["kappa"].append(kappa)
        out["predicted_rate"].append((1 - 1 / kappa) ** 2)
        out["fitted_rate"].append(fitted)
        out["final_loss"].append(run.loss[-1] / run.loss[0])
        out["loss"].append(run.loss)
    return ConditionSpeed(dims=np.array(dims), n=n, width=width, **{k: np.array(v) for k, v in out.items()})
