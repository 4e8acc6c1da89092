"""Lecture 8: the global minima of an over-parameterized model form a manifold, so its loss is not convex near
them (Liu, Zhu & Belkin 2022): the two-parameter toy L = ½(w₁w₂ − 1)² and the Hessian of a small net at an
interpolating minimum."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch

from ..._device import few_threads, resolve_device
from ..._validate import (
    check_count,
    check_positive,
    check_seed,
)
from ...train.problems import FlatSquareLossProblem
from .common import regression_task
from .practical import PracticalNet, fit_gauss_newton, flat_jacobian, mlp_parameter_count


@dataclass(frozen=True)
class HessianAtMinimum:
    """The result of :func:`hessian_at_minimum`.

    Attributes:
        n, p: samples and parameters of the spectrum's net.   residual: its relative residual at θ*.
        minimum_loss: L(θ*).   eigenvalues: the spectrum of ∇²L(θ*), ascending (dense).
        n_zero, n_positive, n_negative: eigenvalues with |λ| ≤ rel_zero·λ_max, above it, below −rel_zero·λ_max.
        predicted_zero: p − n.   rank_J: the rank of J at θ*.
        lanczos_steps: the Hessian-vector products Lanczos took before stopping by itself.
        lanczos_top: its nonzero Ritz values, descending.
        radii: the radii r.   distance: ‖θ' − θ*‖ per radius.   endpoint_loss: L(θ') per radius.
        midpoint_loss: L((θ* + θ')/2) per radius (convexity would force ≤ max(L(θ*), L(θ'))).
        p_timing: parameters of the timing net.   seconds_dense, seconds_lanczos: the two routes' times.
        lanczos_error: the relative difference of their largest eigenvalues.
        lanczos_steps_timing: Lanczos's products on the timing net.
    """

    n: int
    p: int
    residual: float
    minimum_loss: float
    eigenvalues: np.ndarray
    n_zero: int
    n_positive: int
    n_negative: int
    predicted_zero: int
    rank_J: int
    lanczos_steps: int
    lanczos_top: np.ndarray
    radii: np.ndarray
    distance: np.ndarray
    endpoint_loss: np.ndarray
    midpoint_loss: np.ndarray
    p_timing: int
    seconds_dense: float
    seconds_lanczos: float
    lanczos_error: float
    lanczos_steps_timing: int


@dataclass(frozen=True)
class HyperbolaToy:
    """The result of :func:`hyperbola_toy`.

    Attributes:
        w1, w2: the grid's coordinates.   loss, pl_ratio: L and ½‖∇L‖²/L on the grid (NaN where L = 0).
        paths: the GD paths, each (steps + 1) × 2.   end_product: w₁w₂ at each path's end.
        minima: two minima, (1, 1) and (2, ½).   midpoint: their midpoint.   midpoint_loss: L there.
    """

    w1: np.ndarray
    w2: np.ndarray
    loss: np.ndarray
    pl_ratio: np.ndarray
    paths: list[np.ndarray]
    end_product: np.ndarray
    minima: np.ndarray
    midpoint: np.ndarray
    midpoint_loss: float


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
) -> HessianAtMinimum:
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
    ``lanczos_error`` of their largest eigenvalues. Returns a :class:`HessianAtMinimum`.
    """
    from torch.func import jacrev

    from ...autodiff import hessian_operator, lanczos

    n, d = check_count(n, "n", minimum=2), check_count(d, "d")
    width, timing_width = check_count(width, "width"), check_count(timing_width, "timing_width")
    rel_zero, seed = check_positive(rel_zero, "rel_zero"), check_seed(seed)
    radii = [check_positive(r, "radii") for r in radii]
    dev = resolve_device(device, torch.float64)
    X, y = (t.to(dev) for t in regression_task(n, d, seed))
    out: dict = {"n": n, "endpoint_loss": []}
    for role, m in (("spectrum", width), ("timing", timing_width)):
        net = PracticalNet(d, (m,), 1, seed=seed + 1, device=dev)
        p = mlp_parameter_count(d, (m,), 1)
        if p <= n:
            raise ValueError(f"width: expected p = {p} parameters > n = {n} (over-parameterized), got width {m}")
        res = fit_gauss_newton(net, X, y, steps=200, tol=1e-12)
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
            fit_gauss_newton(other, X, y, steps=200, tol=1e-12)
            t2 = other.theta.detach()
            with torch.no_grad():
                mids.append(float(prob.objective((theta + t2) / 2)))
            dists.append(float(torch.linalg.vector_norm(t2 - theta)))
            out["endpoint_loss"].append(float(prob.objective(t2)))
        out.update(radii=np.array(radii), midpoint_loss=np.array(mids), distance=np.array(dists),
                   minimum_loss=float(prob.objective(theta)))
    out["endpoint_loss"] = np.array(out["endpoint_loss"])
    return HessianAtMinimum(**out)


def hyperbola_toy(
    *,
    starts: tuple[tuple[float, float], ...] = ((2.3, -0.5), (-0.3, 2.2), (-2.0, 0.3), (0.15, 0.1)),
    eta: float = 0.05,
    steps: int = 600,
    grid: int = 201,
    box: float = 2.5,
) -> HyperbolaToy:
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
    return HyperbolaToy(w1=g, w2=g, loss=L, pl_ratio=ratio, paths=paths,
                        end_product=np.array([p[-1, 0] * p[-1, 1] for p in paths]), minima=np.stack([a, b]),
                        midpoint=mid, midpoint_loss=float(loss(*mid)))
