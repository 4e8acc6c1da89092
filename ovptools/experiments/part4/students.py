"""Lecture 9: a ReLU teacher and its students; Hessians by Lanczos."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import torch

from ..._device import few_threads
from ..._validate import as_array, check_count, check_positive, rng
from ...autodiff import hessian_extremes
from ...data import teacher_data
from ...models import relu

# ---- Lecture 9: a ReLU teacher and its students ------------------------------------------------------
# Student f(x) = Σ_j a_j relu(w_jᵀx), k neurons, both layers trained on L = (1/2n) Σ_i (f(x_i) − y_i)²;
# the teacher is ovptools.teacher_data's (k₀ neurons, y = k₀^{-1/2} Σ_j a_j relu(w_jᵀx)). relu'(0) = 1.


@dataclass(frozen=True)
class Restarts:
    """Restarts of a student near its end point (:func:`restart_nearby`), relative losses L/L(0-predictor):
    ``start`` at the end point θ, ``perturbed`` (one per restart) right after each perturbation, ``final``
    (one per restart) at the end of each restart."""

    start: float
    perturbed: np.ndarray
    final: np.ndarray


@dataclass(frozen=True)
class StudentRuns:
    """All runs of one student width k (:func:`teacher_student`), S = n_seeds runs: ``relative_loss`` (S) the final
    relative losses, ``success`` the fraction below ``tol``, ``median`` their median, ``grad_norm`` (S) the final
    gradient norms, ``curves`` (S × ⌈steps/100⌉) the relative loss every 100 steps, ``W0``, ``a0`` (S×k×d, S×k) the
    initial and ``W``, ``a`` the final weights."""

    k: int
    relative_loss: np.ndarray
    success: float
    median: float
    grad_norm: np.ndarray
    curves: np.ndarray
    W0: np.ndarray
    a0: np.ndarray
    W: np.ndarray
    a: np.ndarray


@dataclass(frozen=True)
class TeacherStudent:
    """Students fitted to a ReLU teacher (:func:`teacher_student`): the data ``X`` (n×d), ``y`` (n), the teacher's
    width ``k0``, and ``runs``, one :class:`StudentRuns` per width factor."""

    X: np.ndarray
    y: np.ndarray
    k0: int
    runs: tuple[StudentRuns, ...]


@dataclass(frozen=True)
class LossSlice:
    """A student's relative loss on a plane (:func:`loss_slice`): the grid ``alpha`` (along θ₁ − θ₀) and ``beta``
    (across), and ``relative_loss`` (len(alpha) × len(beta))."""

    alpha: np.ndarray
    beta: np.ndarray
    relative_loss: np.ndarray


@dataclass(frozen=True)
class HessianTiming:
    """Extreme Hessian eigenvalues two ways (:func:`hessian_timing`): ``p`` parameters, ``lanczos`` and ``dense``
    (each (λ_max, λ_min)), and the wall times ``time_lanczos`` and ``time_dense`` (s)."""

    p: int
    lanczos: tuple[float, float]
    dense: tuple[float, float]
    time_lanczos: float
    time_dense: float


def _student_loss_grad(W: np.ndarray, a: np.ndarray, X: np.ndarray, y: np.ndarray):
    """Loss (1/2n)‖f − y‖² and its gradients for S students at once: W of shape S×k×d, a of S×k."""
    Z = W @ X.T  # S×k×n pre-activations
    H = np.maximum(Z, 0.0)
    r = np.einsum("sk,skn->sn", a, H) - y
    n = X.shape[0]
    ga = np.einsum("skn,sn->sk", H, r) / n
    gW = ((Z >= 0) * (a[:, :, None] * r[:, None, :])) @ X / n
    return 0.5 * (r**2).mean(axis=1), gW, ga


def student_loss(W, a, X, y) -> np.ndarray:
    """(1/2n) Σ_i (Σ_j a_j relu(w_jᵀx_i) − y_i)² for a batch of students (W: S×k×d, a: S×k) or one (k×d, k)."""
    W, a = as_array(W, "W", ndim=(2, 3)), as_array(a, "a", ndim=(1, 2))
    one = W.ndim == 2
    W, a = (W[None], a[None]) if one else (W, a)
    if a.shape != W.shape[:2]:
        raise ValueError(f"a: expected shape {W.shape[:2] if not one else W.shape[1:2]} to match W, got {a.shape}")
    X, y = _data_for(W.shape[-1], X, y)
    loss = _student_loss_grad(W, a, X, y)[0]
    return loss[0] if one else loss


def _data_for(d: int, X, y) -> tuple[np.ndarray, np.ndarray]:
    """Checked (X, y) for students with d inputs: X an n×d array, y of length n."""
    X, y = as_array(X, "X", ndim=2), as_array(y, "y", ndim=1)
    if X.shape[1] != d:
        raise ValueError(f"X: expected {d} columns to match the students' weights (d = {d}), got shape {X.shape}")
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y: expected {X.shape[0]} labels to match the rows of X (shape {X.shape}), got {y.shape[0]}")
    return X, y


def _adam_fit(W: np.ndarray, a: np.ndarray, X: np.ndarray, y: np.ndarray, steps: int, eta: float) -> np.ndarray:
    """Full-batch Adam on S students at once, in place, with the step decaying from ``eta`` to 0 on a cosine
    schedule; returns the losses every 100 steps (S × ⌈steps/100⌉). The loop is written out: it is Adam (not
    GD or SGD, the optimizers of :mod:`ovptools.train`), on all S students as one array."""
    mom = [np.zeros_like(W), np.zeros_like(a)]
    sq = [np.zeros_like(W), np.zeros_like(a)]
    curves = []
    for t in range(1, steps + 1):
        loss, gW, ga = _student_loss_grad(W, a, X, y)
        if t % 100 == 1:
            curves.append(loss)
        step = eta * 0.5 * (1 + math.cos(math.pi * (t - 1) / steps))
        for p, grad, m_, v_ in ((W, gW, mom[0], sq[0]), (a, ga, mom[1], sq[1])):
            m_ *= 0.9
            m_ += 0.1 * grad
            v_ *= 0.999
            v_ += 0.001 * grad**2
            p -= step * (m_ / (1 - 0.9**t)) / (np.sqrt(v_ / (1 - 0.999**t)) + 1e-12)
    return np.array(curves).T


@few_threads(blas=True)
def restart_nearby(X, y, W, a, *, radius: float = 0.1, restarts: int = 10, steps: int = 3000, eta: float = 0.01,
                   seed: int = 0) -> Restarts:
    r"""Is a student's end point θ = (W, a) at the bottom of a basin? Perturb it ``restarts`` times by a Gaussian
    vector of norm ``radius``·‖θ‖ and run the same optimizer as :func:`teacher_student` again from each.

    Returns a :class:`Restarts`: the relative loss at θ, right after each perturbation and at the end of
    each restart.
    """
    X, y = as_array(X, "X", ndim=2), as_array(y, "y", ndim=1)
    W, a = as_array(W, "W", ndim=2), as_array(a, "a", ndim=1)
    if a.shape[0] != W.shape[0] or W.shape[1] != X.shape[1]:
        raise ValueError(f"W, a: expected shapes (k, {X.shape[1]}) and (k,), got {W.shape} and {a.shape}")
    X, y = _data_for(W.shape[1], X, y)
    radius = check_positive(radius, "radius")
    restarts, steps = check_count(restarts, "restarts"), check_count(steps, "steps")
    eta = check_positive(eta, "eta")
    scale = 0.5 * float(np.mean(y**2))
    theta = np.concatenate([W.ravel(), a])
    noise = rng(seed).standard_normal((restarts, theta.size))
    noise *= radius * np.linalg.norm(theta) / np.linalg.norm(noise, axis=1, keepdims=True)
    k, d = W.shape
    Ws = (theta + noise)[:, : k * d].reshape(restarts, k, d).copy()
    As = (theta + noise)[:, k * d:].copy()
    perturbed = _student_loss_grad(Ws, As, X, y)[0] / scale
    _adam_fit(Ws, As, X, y, steps, eta)
    return Restarts(start=float(_student_loss_grad(W[None], a[None], X, y)[0][0] / scale), perturbed=perturbed,
                    final=_student_loss_grad(Ws, As, X, y)[0] / scale)


@few_threads(blas=True)
def teacher_student(
    k0: int = 4, *, factors=(1, 2), n_seeds: int = 20, n: int = 200, d: int = 8, steps: int = 8000,
    eta: float = 0.01, tol: float = 1e-3, seed: int = 0,
) -> TeacherStudent:
    r"""Students with k = factor·k₀ neurons fitted to the teacher's labels from ``n_seeds`` random
    initializations each (w_j ~ N(0, I_d), a_j ~ N(0, 1/k)), all seeds of a width in one batch.

    The optimizer is full-batch Adam with the step ``eta`` decaying to 0 on a cosine schedule, so each
    run settles at the bottom of the basin it ends in. A run *succeeds* when its relative loss
    L/L(0-predictor) = Σ(f − y)²/Σy² is below ``tol``. Returns a :class:`TeacherStudent`: per factor
    (a :class:`StudentRuns`) the relative losses, the fraction that succeed, their median, the final gradient
    norms, the relative loss every 100 steps (``curves``), and the first and last weights (for slices and
    Hessians); plus the data ``X, y``.
    """
    k0, seeds, n, d, steps = (check_count(v, name) for v, name in ((k0, "k0"), (n_seeds, "n_seeds"), (n, "n"),
                                                                     (d, "d"), (steps, "steps")))
    eta, tol = check_positive(eta, "eta"), check_positive(tol, "tol")
    factors = tuple(check_count(f, "factors") for f in factors)
    X, y, _ = teacher_data(n, d, k0, seed=seed)
    scale = 0.5 * float(np.mean(y**2))
    runs = []
    for factor in factors:
        k = factor * k0
        g = rng(seed, k)
        W = g.standard_normal((seeds, k, d))
        a = g.standard_normal((seeds, k)) / math.sqrt(k)
        W0, a0 = W.copy(), a.copy()
        curves = _adam_fit(W, a, X, y, steps, eta) / scale
        loss, gW, ga = _student_loss_grad(W, a, X, y)
        rel = loss / scale
        runs.append(StudentRuns(
            k=k, relative_loss=rel, success=float(np.mean(rel < tol)), median=float(np.median(rel)),
            grad_norm=np.sqrt((gW**2).sum(axis=(1, 2)) + (ga**2).sum(axis=1)), curves=curves,
            W0=W0, a0=a0, W=W, a=a,
        ))
    return TeacherStudent(X=X, y=y, k0=k0, runs=tuple(runs))


@few_threads(blas=True)
def loss_slice(X, y, W0, a0, W1, a1, *, points: int = 49, margin: float = 0.25, seed: int = 0) -> LossSlice:
    r"""The relative loss of one student on the plane through its start θ₀ = (W0, a0) and its end
    θ₁ = (W1, a1): θ(α, β) = θ₀ + α(θ₁ − θ₀) + β‖θ₁ − θ₀‖·u, with u a random unit direction orthogonal
    to θ₁ − θ₀; α ∈ [−margin, 1 + margin], β ∈ [−½ − margin, ½ + margin] (with the defaults the grid
    contains α = 0, α = 1 and β = 0 exactly)."""
    W0, W1 = as_array(W0, "W0", ndim=2), as_array(W1, "W1", ndim=2)
    a0, a1 = as_array(a0, "a0", ndim=1), as_array(a1, "a1", ndim=1)
    if W0.shape != W1.shape or a0.shape != a1.shape or a0.shape[0] != W0.shape[0]:
        raise ValueError(f"W0, a0, W1, a1: expected shapes (k, d), (k,), (k, d), (k,), got {W0.shape}, "
                         f"{a0.shape}, {W1.shape}, {a1.shape}")
    X, y = _data_for(W0.shape[1], X, y)
    points = check_count(points, "points", minimum=3)
    margin = check_positive(margin, "margin", allow_zero=True)
    k, d = W0.shape
    t0, t1 = np.concatenate([W0.ravel(), a0]), np.concatenate([W1.ravel(), a1])
    delta = t1 - t0
    length = float(np.linalg.norm(delta))
    if length == 0:
        raise ValueError("W1, a1: the end point equals the start point; there is no plane to slice")
    u = rng(seed).standard_normal(t0.shape)
    u -= (u @ delta) / length**2 * delta
    u *= length / np.linalg.norm(u)
    alpha = np.linspace(-margin, 1 + margin, points)
    beta = np.linspace(-0.5 - margin, 0.5 + margin, points)
    A, B = np.meshgrid(alpha, beta, indexing="ij")
    theta = t0 + A.reshape(-1, 1) * delta + B.reshape(-1, 1) * u
    loss = _student_loss_grad(theta[:, : k * d].reshape(-1, k, d), theta[:, k * d:], X, y)[0]
    return LossSlice(alpha=alpha, beta=beta, relative_loss=loss.reshape(points, points) / (0.5 * np.mean(y**2)))


@few_threads(blas=True)
def student_hessian_extremes(W, a, X, y, *, steps: int = 100, seed: int = 0) -> tuple[float, float]:
    r"""(λ_max, λ_min) of the Hessian of one student's loss (1/2n)Σ(f − y)² in all its k(d + 1)
    parameters at θ = (W, a), by Lanczos on Hessian-vector products (:func:`ovptools.hessian_extremes`)."""
    W, a = as_array(W, "W", ndim=2), as_array(a, "a", ndim=1)
    if a.shape[0] != W.shape[0]:
        raise ValueError(f"a: expected length k = {W.shape[0]} (rows of W), got {a.shape[0]}")
    X, y = _data_for(W.shape[1], X, y)
    Xt, yt = torch.as_tensor(X), torch.as_tensor(y)
    k, d = W.shape

    def loss(theta: torch.Tensor) -> torch.Tensor:
        Wt, at = theta[: k * d].reshape(k, d), theta[k * d:]
        return 0.5 * ((relu(Xt @ Wt.T) @ at - yt) ** 2).mean()

    return hessian_extremes(loss, torch.as_tensor(np.concatenate([W.ravel(), a])), steps=steps, seed=seed)


@few_threads(blas=True)
def hessian_timing(*, k: int = 32, d: int = 31, n: int = 200, lanczos_steps: int = 60,
                   seed: int = 0) -> HessianTiming:
    r"""Extreme Hessian eigenvalues of a student's loss at a random point with p = k(d + 1) parameters,
    two ways: Lanczos on Hessian-vector products (``lanczos_steps`` products) and the dense p×p Hessian
    (``torch.autograd.functional.hessian``, vectorized) followed by ``eigvalsh``. Returns both answers
    and both wall times (s) as a :class:`HessianTiming`."""
    k, d, n = check_count(k, "k"), check_count(d, "d"), check_count(n, "n")
    X, y, _ = teacher_data(n, d, 4, seed=seed)
    g = rng(seed)
    W, a = g.standard_normal((k, d)), g.standard_normal(k) / math.sqrt(k)
    Xt, yt = torch.as_tensor(X), torch.as_tensor(y)

    def loss(theta: torch.Tensor) -> torch.Tensor:
        Wt, at = theta[: k * d].reshape(k, d), theta[k * d:]
        return 0.5 * ((relu(Xt @ Wt.T) @ at - yt) ** 2).mean()

    theta = torch.as_tensor(np.concatenate([W.ravel(), a]))
    hessian_extremes(loss, theta, steps=2, seed=seed)  # warm-up: the first autograd call pays one-off costs
    start = time.perf_counter()
    lanczos = hessian_extremes(loss, theta, steps=check_count(lanczos_steps, "lanczos_steps"), seed=seed)
    t_lanczos = time.perf_counter() - start
    start = time.perf_counter()
    eig = torch.linalg.eigvalsh(torch.autograd.functional.hessian(loss, theta, vectorize=True))
    t_dense = time.perf_counter() - start
    return HessianTiming(p=theta.numel(), lanczos=lanczos, dense=(float(eig[-1]), float(eig[0])),
                         time_lanczos=t_lanczos, time_dense=t_dense)
