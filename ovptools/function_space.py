r"""The network in function space (Jacot, Gabriel & Hongler 2018; Lee et al. 2019).

For the square loss :math:`\frac12\sum_i (f(x_i) - y_i)^2` and gradient flow with step η and a
**constant** tangent kernel Θ, the outputs on the training inputs obey :math:`\dot u = -\eta\,\Theta(X, X)(u - y)`
and every other output follows them:

.. math:: f_t(z) = f_0(z) + \Theta(z, X)\,\Theta(X, X)^{-1}\big(I - e^{-\eta\Theta(X,X)t}\big)\big(y - f_0(X)\big).

Gradient *descent* with k steps replaces :math:`e^{-\eta\Theta t}` by :math:`(I - \eta\Theta)^k` (exact for a
linear model). At infinite width Θ is the analytic NTK and :math:`f_0` a centred Gaussian process whose
covariance is the NNGP kernel K, so :math:`f_t(z)` is Gaussian with the mean and variance of :func:`gp_moments`.

Kernels here are cross-kernels: ``theta_zx`` is Θ(Z, X), one row per test input z, one column per
training input x (so ``theta_xx`` is n×n, the course's orientation). Everything is computed in float64.
The networks are those of :mod:`ovptools.models`: Du et al.'s two-layer net (W trained, a fixed) and
the deep ReLU net of :func:`ovptools.init_deep` (all W_l trained, v fixed). Ensembles of them, trained
as one batched computation, and their Taylor models are in :mod:`ovptools.ensembles`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import overload

import numpy as np
import torch

from ._validate import ArrayLike, as_array, as_tensor, check_count, check_positive, check_unit_rows, like, rng
from .kernels import arccos_kernels

# ----------------------------------------------------------------------------------------------
# analytic kernels


@overload
def limit_kernels(X: np.ndarray, Z: np.ndarray | None = None, *,
                  depth: int | None = None) -> tuple[np.ndarray, np.ndarray]: ...
@overload
def limit_kernels(X: torch.Tensor, Z: torch.Tensor | None = None, *,
                  depth: int | None = None) -> tuple[torch.Tensor, torch.Tensor]: ...
@overload
def limit_kernels(X: ArrayLike, Z: ArrayLike | None = None, *,
                  depth: int | None = None) -> tuple[ArrayLike, ArrayLike]: ...
def limit_kernels(X: ArrayLike, Z: ArrayLike | None = None, *, depth: int | None = None) -> tuple[ArrayLike, ArrayLike]:
    r"""The infinite-width kernels of the course's ReLU nets between the rows of ``Z`` and of ``X``
    (unit-norm rows; ``Z`` defaults to ``X``). Returns ``(nngp, ntk)``, each of shape (len(Z), len(X)) and of
    the type (numpy or torch) of ``Z``, or of ``X`` when ``Z`` is omitted.

    ``depth=None``: Du et al.'s two-layer net :math:`\frac1{\sqrt m}\sum_r a_r\sigma(w_r^\top x)`, W trained,
    a fixed. With ρ = zᵀx, the NNGP kernel (the covariance of f₀) is
    :math:`K(z, x) = (\sqrt{1-\rho^2} + (\pi - \arccos\rho)\rho)/(2\pi)` (:func:`ovptools.nngp_infinite`) and the NTK is
    :math:`H^\infty(z, x) = \rho(\pi - \arccos\rho)/(2\pi)` (:func:`ovptools.gram_infinite`).

    ``depth=L``: the deep net of :func:`ovptools.init_deep` (N(0, 2/m) weights, v = ±1 fixed). The
    NNGP kernel is Σ⁽ᴸ⁾ and the NTK the Θ_L of :func:`ovptools.ntk_infinite`; its tangent kernel
    is about (m/2)·Θ_L, so GD with step η̂·2/m follows the kernel Θ_L with step η̂.
    """
    Xt = as_tensor(X, "X", ndim=2, dtype=torch.float64)
    Zt = Xt if Z is None else as_tensor(Z, "Z", ndim=2, dtype=torch.float64, device=Xt.device)
    check_unit_rows(Xt, "X")
    check_unit_rows(Zt, "Z")
    if Zt.shape[1] != Xt.shape[1]:
        raise ValueError(f"Z: expected {Xt.shape[1]} columns to match X, got shape {tuple(Zt.shape)}")
    rho = (Zt @ Xt.T).clamp(-1.0, 1.0)
    nngp, ntk = arccos_kernels(rho, None if depth is None else check_count(depth, "depth"))
    ref = X if Z is None else Z
    return like(nngp, ref), like(ntk, ref)


# ----------------------------------------------------------------------------------------------
# the closed-form trajectory


def _kernel_args(theta_zx, theta_xx, y):
    Kxx = as_tensor(theta_xx, "theta_xx", ndim=2, dtype=torch.float64)
    Kzx = as_tensor(theta_zx, "theta_zx", ndim=2, dtype=torch.float64, device=Kxx.device)
    yt = as_tensor(y, "y", ndim=1, dtype=torch.float64, device=Kxx.device)
    n = Kxx.shape[0]
    if Kxx.shape != (n, n):
        raise ValueError(f"theta_xx: expected a square n×n kernel matrix, got shape {tuple(Kxx.shape)}")
    if n and float((Kxx - Kxx.T).abs().max()) > 1e-8 * max(1.0, float(Kxx.abs().max())):
        raise ValueError("theta_xx: expected a symmetric kernel matrix (max |Θ − Θᵀ| > 1e-8 relative)")
    if Kzx.shape[1] != n:
        raise ValueError(f"theta_zx: expected {n} columns (one per training input), got shape {tuple(Kzx.shape)}")
    if yt.shape[0] != n:
        raise ValueError(f"y: expected length n = {n} (rows of theta_xx), got {yt.shape[0]}")
    return Kzx, Kxx, yt


def _times(times, name: str = "times") -> torch.Tensor:
    t = as_tensor(np.atleast_1d(np.asarray(times, dtype=float)), name, ndim=1, dtype=torch.float64)
    if bool((t < 0).any()):
        raise ValueError(f"{name}: expected times >= 0, got {np.asarray(times)}")
    return t


def _filters(lam: torch.Tensor, times: torch.Tensor, eta: float, discrete: bool) -> torch.Tensor:
    r"""g_t(λ) = (1 − e^{−ηλt})/λ, or (1 − (1 − ηλ)^k)/λ for GD; ηt (ηk) in the limit λ → 0. Shape (T, n)."""
    lam = lam.clamp_min(0.0)[None, :]
    t = times[:, None]
    small = lam * eta < 1e-12
    safe = torch.where(small, torch.ones_like(lam), lam)
    if discrete:
        g = (1 - (1 - eta * safe) ** t) / safe
    else:
        g = -torch.expm1(-eta * safe * t) / safe
    return torch.where(small, eta * t * torch.ones_like(lam), g)


def kernel_trajectory(
    theta_zx: ArrayLike,
    theta_xx: ArrayLike,
    y: ArrayLike,
    times,
    *,
    eta: float,
    f0_z: ArrayLike | None = None,
    f0_x: ArrayLike | None = None,
    discrete: bool = False,
) -> ArrayLike:
    r"""The outputs at the test inputs z along the function-space flow with a constant kernel Θ:

    .. math:: f_t(z) = f_0(z) + \Theta(z, X)\,\Theta^{-1}\big(I - e^{-\eta\Theta t}\big)\big(y - f_0(X)\big),

    with Θ = Θ(X, X),

    for every ``t`` in ``times`` (``discrete=True``: ``times`` are GD step counts k and
    :math:`e^{-\eta\Theta t}` becomes :math:`(I - \eta\Theta)^k`). ``f0_z``, ``f0_x``: the initial outputs
    (zero when omitted: the mean over initializations). Θ⁻¹(I − e^{−ηΘt}) is applied through the
    eigenvalues of Θ (as (1 − e^{−ηλt})/λ, which tends to ηt as λ → 0), so a singular Θ is fine.
    Returns shape (len(times), len(z)); as t → ∞ the kernel regression Θ(z, X)Θ⁻¹(y − f₀(X)) + f₀(z).
    """
    Kzx, Kxx, yt = _kernel_args(theta_zx, theta_xx, y)
    eta = check_positive(eta, "eta")
    t = _times(times)
    r = yt.clone()
    if f0_x is not None:
        r = r - as_tensor(f0_x, "f0_x", ndim=1, dtype=torch.float64)
    lam, V = torch.linalg.eigh(Kxx)
    coef = _filters(lam, t, eta, discrete) * (V.T @ r)[None, :]  # (T, n)
    out = (coef @ V.T) @ Kzx.T  # (T, nz)
    if f0_z is not None:
        f0 = as_tensor(f0_z, "f0_z", ndim=1, dtype=torch.float64)
        if f0.shape[0] != Kzx.shape[0]:
            raise ValueError(f"f0_z: expected length {Kzx.shape[0]} (rows of theta_zx), got {f0.shape[0]}")
        out = out + f0[None, :]
    return like(out, theta_zx)


def kernel_regression(theta_zx: ArrayLike, theta_xx: ArrayLike, y: ArrayLike) -> ArrayLike:
    r"""The end point of the flow from f₀ = 0: :math:`\Theta(z, X)\Theta(X, X)^{-1}y`
    (a linear solve; Θ(X, X) must be invertible)."""
    Kzx, Kxx, yt = _kernel_args(theta_zx, theta_xx, y)
    return like(Kzx @ torch.linalg.solve(Kxx, yt), theta_zx)


@overload
def gp_moments(k_zz: ArrayLike, k_zx: ArrayLike, k_xx: ArrayLike, theta_zx: np.ndarray, theta_xx: ArrayLike,
               y: ArrayLike, times, *, eta: float, discrete: bool = False) -> tuple[np.ndarray, np.ndarray]: ...
@overload
def gp_moments(k_zz: ArrayLike, k_zx: ArrayLike, k_xx: ArrayLike, theta_zx: torch.Tensor, theta_xx: ArrayLike,
               y: ArrayLike, times, *, eta: float, discrete: bool = False) -> tuple[torch.Tensor, torch.Tensor]: ...
def gp_moments(
    k_zz: ArrayLike,
    k_zx: ArrayLike,
    k_xx: ArrayLike,
    theta_zx: ArrayLike,
    theta_xx: ArrayLike,
    y: ArrayLike,
    times,
    *,
    eta: float,
    discrete: bool = False,
) -> tuple[ArrayLike, ArrayLike]:
    r"""Mean and variance of f_t(z) over random initializations at infinite width (Lee et al. 2019, eq. 16):
    f₀ is a centred Gaussian process with covariance K (the NNGP kernel), Θ is deterministic, so with
    :math:`A_t(z) = \Theta(z, X)\Theta^{-1}(I - e^{-\eta\Theta t})`

    .. math:: \mu_t(z) = A_t(z)\,y,\qquad
              \sigma^2_t(z) = K(z, z) - 2A_t(z)K(X, z) + A_t(z)K(X, X)A_t(z)^\top.

    ``k_zz``: the variances K(z, z) (a vector) or the matrix K(Z, Z) (its diagonal is used);
    ``k_zx``, ``k_xx``: NNGP cross- and training kernels; ``theta_*``: the NTK. Returns
    ``(mean, var)``, each of shape (len(times), len(z)) and of ``theta_zx``'s type (numpy or torch).
    ``discrete`` as in :func:`kernel_trajectory`.
    """
    Kzx, Kxx, yt = _kernel_args(theta_zx, theta_xx, y)
    eta = check_positive(eta, "eta")
    t = _times(times)
    Czx = as_tensor(k_zx, "k_zx", ndim=2, dtype=torch.float64)
    Cxx = as_tensor(k_xx, "k_xx", ndim=2, dtype=torch.float64)
    Czz = as_tensor(k_zz, "k_zz", ndim=(1, 2), dtype=torch.float64)
    if Czx.shape != Kzx.shape or Cxx.shape != Kxx.shape:
        raise ValueError(f"k_zx, k_xx: expected the shapes of theta_zx and theta_xx, {tuple(Kzx.shape)} and "
                         f"{tuple(Kxx.shape)}; got {tuple(Czx.shape)} and {tuple(Cxx.shape)}")
    var0 = torch.diagonal(Czz) if Czz.ndim == 2 else Czz
    if var0.shape[0] != Kzx.shape[0]:
        raise ValueError(f"k_zz: expected {Kzx.shape[0]} variances (one per test input), got {var0.shape[0]}")
    lam, V = torch.linalg.eigh(Kxx)
    g = _filters(lam, t, eta, discrete)  # (T, n)
    A = torch.einsum("zj,tj,kj->tzk", Kzx @ V, g, V)  # A_t = Θ_zX V diag(g_t) Vᵀ, (T, nz, n)
    mean = A @ yt
    var = var0[None, :] - 2 * torch.einsum("tzk,zk->tz", A, Czx) + torch.einsum("tzk,kl,tzl->tz", A, Cxx, A)
    return like(mean, theta_zx), like(var.clamp_min(0.0), theta_zx)


# ----------------------------------------------------------------------------------------------
# the lecture's data: a regression on the unit circle, and its limit kernels


def circle(theta: ArrayLike) -> np.ndarray:
    """The points x = (cos θ, sin θ) of the unit circle, one row per angle (so ‖x‖ = 1)."""
    th = as_array(theta, "theta", ndim=(0, 1)).reshape(-1)
    return np.stack([np.cos(th), np.sin(th)], axis=1)


@dataclass(frozen=True)
class CircleProblem:
    """A 1-D regression on the unit circle. ``theta`` (n,): the sorted training angles; ``X`` (n, 2): the
    inputs (cos θ_i, sin θ_i); ``y`` (n,): the targets sin θ_i + ½cos 2θ_i; ``theta_eval`` (n_eval,)
    and ``X_eval`` (n_eval, 2): the evaluation angles and inputs."""

    theta: np.ndarray
    X: np.ndarray
    y: np.ndarray
    theta_eval: np.ndarray
    X_eval: np.ndarray


@dataclass(frozen=True)
class Limit:
    """The infinite-width kernels of a net on a :class:`CircleProblem` (float64). ``K``, ``T`` (n, n): the
    NNGP kernel and the NTK on the training inputs; ``Kz``, ``Tz`` (n_eval, n): the same between the
    evaluation and the training inputs; ``Kzz_diag`` (n_eval,): the prior variances K(z, z); ``lam_min``,
    ``lam_max``: the extreme eigenvalues of ``T``; ``eta``: the function-space step (1/``lam_max``,
    times ``eta_scale`` in :func:`ovptools.experiments.kernel_regime.ensemble_vs_kernel`)."""

    K: np.ndarray
    T: np.ndarray
    Kz: np.ndarray
    Tz: np.ndarray
    Kzz_diag: np.ndarray
    eta: float
    lam_min: float
    lam_max: float


def circle_problem(n: int = 8, *, n_eval: int = 61, seed: int = 0) -> CircleProblem:
    r"""n training angles θ_i uniform on [−π, π) (sorted), inputs x_i = (cos θ_i, sin θ_i) (so ‖x_i‖ = 1),
    targets y_i = sin θ_i + ½ cos 2θ_i; ``n_eval`` evaluation angles evenly spaced on [−π, π]."""
    n, n_eval = check_count(n, "n"), check_count(n_eval, "n_eval", minimum=2)
    theta = np.sort(rng(seed).uniform(-np.pi, np.pi, n))
    theta_eval = np.linspace(-np.pi, np.pi, n_eval)
    return CircleProblem(theta, circle(theta), np.sin(theta) + 0.5 * np.cos(2 * theta), theta_eval,
                         circle(theta_eval))


def limit(problem: CircleProblem, *, depth: int | None = None) -> Limit:
    """The infinite-width kernels of the net on ``problem`` (NNGP K and NTK Θ; train, cross, test) and
    the function-space step η̂ = 1/λ_max(Θ(X, X))."""
    if not isinstance(problem, CircleProblem):
        raise ValueError(f"problem: expected a CircleProblem (from circle_problem), got {type(problem).__name__}")
    X, Z = problem.X, problem.X_eval
    K, T = limit_kernels(X, depth=depth)
    Kz, Tz = limit_kernels(X, Z, depth=depth)
    Kzz, _ = limit_kernels(Z, depth=depth)
    lam = np.linalg.eigvalsh(T)
    return Limit(K, T, Kz, Tz, np.diag(Kzz).copy(), float(1 / lam[-1]), float(lam[0]), float(lam[-1]))


__all__ = ["CircleProblem", "Limit", "circle", "circle_problem", "gp_moments", "kernel_regression",
           "kernel_trajectory", "limit", "limit_kernels"]
