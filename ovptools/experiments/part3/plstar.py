"""Lecture 8: minima of over-parameterized models form a manifold (no local convexity), while PL* holds in a
ball around the initialization with μ = λ_min(K) (Liu, Zhu & Belkin 2022); the kernel's condition number
against GD's speed."""

from __future__ import annotations

import math
import time

import numpy as np
import torch

from ..._device import few_threads, resolve_device
from ..._validate import (
    check_count,
    check_positive,
    check_seed,
    rng,
)
from ...data import sphere
from ...kernels import tangent_kernel
from ...objectives import fitted_rate
from ...train.engine import descend
from ...train.problems import FlatSquareLossProblem
from .practical import PracticalNet, fit_gauss_newton, flat_jacobian, mlp_parameter_count


def _regression_task(n: int, d: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """n unit-sphere inputs in R^d and labels uniform in [−1, 1] (float64, CPU)."""
    return (torch.from_numpy(sphere(n, d, seed=seed)),
            torch.from_numpy(rng(seed + 7).uniform(-1.0, 1.0, size=n)))


@few_threads()  # tiny products: on a shared 2-core machine two waiting threads ran 3x slower
def hessian_at_minimum(
    *,
    n: int = 20,
    d: int = 4,
    width: int = 16,
    timing_width: int = 64,
    radii=(0.3, 0.1, 0.03),
    rel_zero: float = 1e-7,
    seed: int = 0,
    device: str | torch.device = "auto",
) -> dict:
    r"""Liu–Zhu–Belkin's picture at an interpolating global minimum θ* of L(θ) = ½‖F(θ) − y‖² for a
    one-hidden-layer :class:`PracticalNet` (p = 6·width + 1 parameters for d = 4) on n labels.

    θ* is found by damped Gauss–Newton to a relative residual 1e-12. Then ∇²L(θ*) = JᵀJ (the
    residual terms vanish), of rank n, so p − n eigenvalues are 0: the spectrum (dense, by
    ``torch.func.jacrev`` twice) gives ``eigenvalues``, ``n_zero`` (|λ| ≤ ``rel_zero``·λ_max),
    ``n_negative`` and ``predicted_zero`` = p − n. The Lanczos route on Hessian-vector products
    stops by itself after about n + 1 products (``lanczos_steps``) with the nonzero eigenvalues
    (``lanczos_top``).

    Not locally convex: for each radius r, θ' is θ* moved by r along a null direction of J and
    projected back onto the solution set by Gauss–Newton; ``midpoint_loss`` is L((θ* + θ')/2)
    (convexity on a set holding both would force it to be ≤ 0) and ``distance`` = ‖θ' − θ*‖.

    Timing at ``timing_width``: ``seconds_dense`` (dense Hessian + eigvalsh) against
    ``seconds_lanczos`` (HVP–Lanczos to exhaustion), ``p_timing``, and the agreement
    ``lanczos_error`` of their largest eigenvalues.
    """
    from torch.func import jacrev

    from ...autodiff import hessian_operator, lanczos

    n, d = check_count(n, "n", minimum=2), check_count(d, "d")
    width, timing_width = check_count(width, "width"), check_count(timing_width, "timing_width")
    rel_zero, seed = check_positive(rel_zero, "rel_zero"), check_seed(seed)
    radii = [check_positive(r, "radii") for r in radii]
    dev = resolve_device(device, torch.float64)
    X, y = (t.to(dev) for t in _regression_task(n, d, seed))
    out: dict = {"n": n}
    for role, m in (("spectrum", width), ("timing", timing_width)):
        net = PracticalNet(d, (m,), 1, seed=seed + 1, device=dev)
        p = mlp_parameter_count(d, (m,), 1)
        if p <= n:
            raise ValueError(f"width: expected p = {p} parameters > n = {n} (over-parameterized), got width {m}")
        res = fit_gauss_newton(net, X, y, iters=200, tol=1e-12)
        prob = FlatSquareLossProblem(net, X, y, eta=1.0)
        theta = net.theta.detach().clone()
        start = time.perf_counter()
        H = jacrev(jacrev(prob.objective))(theta)  # reverse over reverse (forward mode warns under torch.jit)
        eig = torch.linalg.eigvalsh(H)
        float(eig[-1])  # waits for an asynchronous device
        t_dense = time.perf_counter() - start
        start = time.perf_counter()
        ritz, used = lanczos(hessian_operator(prob.objective, theta), p, steps=n + 20, seed=seed,
                             dtype=theta.dtype, device=theta.device, tol=1e-10)
        t_lanczos = time.perf_counter() - start
        if role == "timing":
            out.update(p_timing=p, seconds_dense=t_dense, seconds_lanczos=t_lanczos,
                       lanczos_error=abs(float(ritz[-1] - eig[-1])) / float(eig[-1]), lanczos_steps_timing=used)
            continue
        zero = rel_zero * float(eig[-1])
        J = flat_jacobian(net, theta, X)
        out.update(p=p, residual=res, eigenvalues=eig.cpu().numpy(), n_zero=int((eig.abs() <= zero).sum()),
                   n_negative=int((eig < -zero).sum()), n_positive=int((eig > zero).sum()),
                   predicted_zero=p - n, rank_J=int(torch.linalg.matrix_rank(J)), lanczos_steps=used,
                   lanczos_top=ritz.cpu().numpy()[ritz.cpu().numpy() > zero][::-1].copy())
        # a null direction of J: tangent to the solution set at θ*
        _, _, Vh = torch.linalg.svd(J, full_matrices=True)
        u = Vh[-1]
        mids, dists = [], []
        for r in radii:
            other = PracticalNet(d, (m,), 1, seed=seed + 1, device=dev)
            with torch.no_grad():
                other.theta.copy_(theta + r * u)
            fit_gauss_newton(other, X, y, iters=200, tol=1e-12)
            t2 = other.theta.detach()
            with torch.no_grad():
                mids.append(float(prob.objective((theta + t2) / 2)))
            dists.append(float(torch.linalg.vector_norm(t2 - theta)))
            out.setdefault("endpoint_loss", []).append(float(prob.objective(t2)))
        out.update(radii=np.array(radii), midpoint_loss=np.array(mids), distance=np.array(dists),
                   minimum_loss=float(prob.objective(theta)))
    out["endpoint_loss"] = np.array(out["endpoint_loss"])
    return out


def _kernel_records(net: PracticalNet, X: torch.Tensor) -> dict:
    def eig(p) -> list[float]:
        lam = torch.linalg.eigvalsh(tangent_kernel(net, X))
        return [float(lam[0]), float(lam[-1])]

    return {
        "kernel": eig,
        "grad_sq": lambda p: float(torch.linalg.vector_norm(p.gradient()) ** 2),
        "distance": lambda p: float(torch.linalg.vector_norm(p.net.theta.detach() - p.theta0)),
    }


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
) -> dict:
    r"""PL* along full-batch GD (η = 1/λ_max(K(θ₀))) on L = ½‖F(θ) − y‖² for one-hidden-layer
    :class:`PracticalNet` s of several widths, n unit-sphere inputs, labels uniform in [−1, 1].

    For the square loss ‖∇L‖² = rᵀKr ≥ 2λ_min(K)·L at every θ, so PL* with μ holds on any set where
    λ_min(K(θ)) ≥ μ; Liu–Zhu–Belkin show that for wide nets K barely moves in a ball of radius
    R = 2√(2βL(θ₀))/μ around θ₀, which GD never leaves. Recorded every ``record_every`` steps:
    ``lambda_min``, ``lambda_max`` (of K), ``pl_ratio`` = ½‖∇L‖²/L, ``distance`` = ‖θ − θ₀‖;
    per width ``mu0`` = λ_min(K(θ₀)), ``min_pl_over_mu0`` = min_k (½‖∇L‖²/L)/μ₀,
    ``min_lambda_over_mu0``, ``radius`` R (with β = λ_max(K(θ₀)) and μ = μ₀/2) and the final
    relative loss ``final_loss``. Arrays are widths × records.
    """
    widths = [check_count(m, "widths") for m in widths]
    n, d, steps = check_count(n, "n", minimum=2), check_count(d, "d"), check_count(steps, "steps")
    record_every, seed = check_count(record_every, "record_every"), check_seed(seed)
    X, y = _regression_task(n, d, seed)
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
    res.update(widths=np.array(widths), steps=run.steps, n=n,
               min_pl_over_mu0=res["pl_ratio"].min(axis=1) / res["mu0"],
               min_lambda_over_mu0=res["lambda_min"].min(axis=1) / res["mu0"])
    return res


@few_threads()
def condition_number_speed(
    dims=(4, 6, 10, 20),
    *,
    n: int = 16,
    width: int = 256,
    steps: int = 800,
    seed: int = 0,
    device: str | torch.device = "auto",
) -> dict:
    r"""The tangent kernel's condition number κ = λ_max(K(θ₀))/λ_min(K(θ₀)) against the speed of
    GD (η = 1/λ_max(K(θ₀))) on L = ½‖F(θ) − y‖² for a wide one-hidden-layer :class:`PracticalNet`,
    over datasets of n unit-sphere points in R^d for each d in ``dims`` (small d crowds the points
    and makes K ill-conditioned).

    In the near-linear regime the residual obeys r_{k+1} ≈ (I − ηK)r_k, so the loss eventually
    contracts by ``predicted_rate`` = (1 − 1/κ)² per step; Liu–Zhu–Belkin's bound guarantees
    (1 − 1/κ). ``fitted_rate`` is exp of the slope of log L over the last half of the run, or of
    its part before L falls below 1e-20·L(θ₀) (float64 round-off). ``predicted_rate_final`` uses the
    kernel at the end instead, (1 − ηλ_min(K(θ_T)))², and ``kappa_final`` = λ_max/λ_min of K(θ_T).
    Also returns ``kappa``, ``final_loss`` (relative) and the loss curves.
    """
    dims = [check_count(dd, "dims") for dd in dims]
    n, width = check_count(n, "n", minimum=2), check_count(width, "width")
    steps = check_count(steps, "steps", minimum=4)
    seed = check_seed(seed)
    dev = resolve_device(device, torch.float64)
    out: dict = {k: [] for k in ("kappa", "predicted_rate", "fitted_rate", "final_loss", "loss", "kappa_final",
                                 "predicted_rate_final")}
    for dd in dims:
        X, y = _regression_task(n, dd, seed)
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
    res = {k: np.array(v) for k, v in out.items()}
    res.update(dims=np.array(dims), n=n, width=width)
    return res


def hyperbola_toy(
    *,
    starts: tuple[tuple[float, float], ...] = ((2.3, -0.5), (-0.3, 2.2), (-2.0, 0.3), (0.15, 0.1)),
    eta: float = 0.05,
    steps: int = 600,
    grid: int = 201,
    box: float = 2.5,
) -> dict:
    r"""The two-parameter model F(w) = w₁w₂ fitted to y = 1: L(w) = ½(w₁w₂ − 1)².

    Its global minima form the hyperbola w₁w₂ = 1 (a curve, not a point), the midpoint of two minima is not a
    minimum (so L is not convex near any minimum), and the PL ratio ½‖∇L‖²/L equals ‖w‖² = λ(K(w)), the one-by-one
    tangent kernel K = JJᵀ with J = (w₂, w₁): it is ≥ 2 on the hyperbola and 0 only at the saddle w = 0.

    Returns the loss and the PL ratio on a ``grid`` × ``grid`` square of half-width ``box`` (``"w1"``, ``"w2"``,
    ``"loss"``, ``"pl_ratio"``), GD paths from ``starts`` with step ``eta`` (``"paths"``, each (steps + 1) × 2), their
    end points' products w₁w₂ (``"end_product"``), and two minima (1, 1), (2, ½) with their midpoint's loss
    (``"midpoint"``, ``"midpoint_loss"``)."""
    check_positive(eta, "eta")
    check_positive(box, "box")
    steps = check_count(steps, "steps", minimum=1)
    grid = check_count(grid, "grid", minimum=2)
    if not starts or any(len(s) != 2 for s in starts):
        raise ValueError(f"starts must be a non-empty sequence of (w1, w2) pairs, got {starts!r}")

    def loss(w1, w2):
        return 0.5 * (w1 * w2 - 1.0) ** 2

    g = np.linspace(-box, box, grid)
    w1, w2 = np.meshgrid(g, g)
    L = loss(w1, w2)
    grad_sq = ((w1 * w2 - 1.0) ** 2) * (w1**2 + w2**2)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(L > 0, 0.5 * grad_sq / np.where(L > 0, L, 1.0), np.nan)
    paths = []
    for s in starts:
        w = np.array(s, dtype=float)
        path = [w.copy()]
        for _ in range(steps):
            r = w[0] * w[1] - 1.0
            w = w - eta * r * np.array([w[1], w[0]])
            path.append(w.copy())
        paths.append(np.array(path))
    a, b = np.array([1.0, 1.0]), np.array([2.0, 0.5])
    mid = (a + b) / 2
    return {
        "w1": g, "w2": g, "loss": L, "pl_ratio": ratio, "paths": paths,
        "end_product": np.array([p[-1, 0] * p[-1, 1] for p in paths]),
        "minima": np.stack([a, b]), "midpoint": mid, "midpoint_loss": float(loss(*mid)),
    }
