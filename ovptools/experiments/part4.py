r"""Part IV's experiments (landscapes, strict saddles, non-smooth training, mean field), as
functions that return data.

Lecture 8: strict saddles of f(x, y) = ½x² + ¼y⁴ − ½y² (Lee et al. 2016; Jin et al. 2017),
ReLU teacher–student landscapes, quadratic activations (Du & Lee 2018; Soltanolkotabi, Javanmard
& Lee 2018), kinks under automatic differentiation (Kakade & Lee 2018), the stochastic
subgradient method (Davis, Drusvyatskiy, Kakade & Lee 2018) and the mean-field scaling
(Mei, Montanari & Nguyen 2018; Chizat & Bach 2018).
"""

from __future__ import annotations

import contextlib
import math
import time

import numpy as np
import torch

from .._validate import as_array, check_count, check_positive
from ..autodiff import hessian_extremes
from ..data import teacher_data


@contextlib.contextmanager
def _one_thread():
    """Run lecture-size products on one thread (torch and numpy's BLAS, through threadpoolctl when installed).

    They gain nothing from threads, and on a shared 2-core machine threads that wait on each other are
    slower by orders of magnitude (a 3 s experiment took 60 s with two BLAS threads and the other core busy).
    Also usable as a decorator; the previous settings come back afterwards.
    """
    before = torch.get_num_threads()
    try:
        import scipy.optimize  # noqa: F401  (load scipy's own BLAS first, so that the limit reaches it)
        from threadpoolctl import threadpool_limits

        blas = threadpool_limits(limits=1)
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        blas = contextlib.nullcontext()
    torch.set_num_threads(1)
    try:
        with blas:
            yield
    finally:
        torch.set_num_threads(before)


# ---- Lecture 8: strict saddles of f(x, y) = ½x² + ¼y⁴ − ½y² ---------------------------------------
# ∇f = (x, y³ − y); minimizers (0, ±1) with f = −¼; one critical point more, the strict saddle (0, 0)
# with ∇²f = diag(1, −1). On the box |x|, |y| ≤ b the gradient is L-Lipschitz with L = max(1, 3b² − 1).


def saddle_value(x, y):
    """f(x, y) = ½x² + ¼y⁴ − ½y² (numpy arrays or numbers)."""
    return 0.5 * x**2 + 0.25 * y**4 - 0.5 * y**2


def _saddle_gd_step(x, y, eta: float):
    return (1.0 - eta) * x, y - eta * (y**3 - y)


def saddle_random_starts(
    n_starts: int = 100_000, *, eta: float = 0.05, steps: int = 1000, box: float = 2.0, tol: float = 1e-3,
    seed: int = 0,
) -> dict:
    r"""GD on f(x, y) = ½x² + ¼y⁴ − ½y² from ``n_starts`` starts uniform on [−box, box]², all at once
    (one array operation per step, no loop over the starts).

    Lee et al. (2016) need ∇f L-Lipschitz and η < 1/L; GD from such a start stays in the box, where
    L = max(1, 3·box² − 1) (``lipschitz``). Returns the final points, the counts of runs that end
    within ``tol`` of a minimizer (0, ±1) and of the saddle (0, 0), the smallest |y₀|, and, per run,
    the step (a multiple of 10) by which it is within ``tol`` of a minimizer (``hit_step``; −1 if never);
    the loop stops early once every run is there (``steps_run``).
    """
    n_starts, steps = check_count(n_starts, "n_starts"), check_count(steps, "steps")
    eta, box, tol = check_positive(eta, "eta"), check_positive(box, "box"), check_positive(tol, "tol")
    if eta >= 1:
        raise ValueError(f"eta: expected a step in (0, 1), got {eta!r}")
    g = np.random.default_rng(seed)
    x0 = g.uniform(-box, box, n_starts)
    y0 = g.uniform(-box, box, n_starts)
    x, y = x0.copy(), y0.copy()
    hit = np.full(n_starts, -1)
    factor = np.empty_like(y)
    for k in range(1, steps + 1):
        x *= 1.0 - eta  # the GD step (x, y) ← (x − ηx, y − η(y³ − y)), in place
        np.multiply(y, y, out=factor)
        factor *= -eta
        factor += 1.0 + eta
        y *= factor
        if k % 10 == 0 or k == steps:  # record the first hit to within 10 steps; stop once all are in
            near = (hit < 0) & (x * x + (np.abs(y) - 1.0) ** 2 < tol * tol)
            hit[near] = k
            if (hit > 0).all():
                break
    lipschitz = max(1.0, 3 * box**2 - 1)
    at_min = np.hypot(x, np.abs(y) - 1.0) < tol
    at_saddle = np.hypot(x, y) < tol
    return {
        "x0": x0, "y0": y0, "x": x, "y": y, "lipschitz": lipschitz, "eta_times_L": eta * lipschitz,
        "at_minimizer": int(at_min.sum()), "at_saddle": int(at_saddle.sum()),
        "elsewhere": int(n_starts - at_min.sum() - at_saddle.sum()),
        "min_abs_y0": float(np.abs(y0).min()), "hit_step": hit,
        "max_distance": float(np.hypot(x, np.abs(y) - 1.0).max()), "steps_run": k,
    }


def saddle_escape(eps, *, eta: float = 0.05, threshold: float = 0.5, max_steps: int = 1_000_000) -> dict:
    r"""Steps GD on f(x, y) = ½x² + ¼y⁴ − ½y² needs from (0, ε) until |y_k| ≥ ``threshold`` (0 if
    |ε| ≥ threshold already), for every ε of the array ``eps`` at once.

    Beside the count: the linearized prediction log(threshold/|ε|)/log(1 + η) (the y-update is
    y(1 + η) near the saddle), and a corrected one that adds the slow-down of the cubic term,
    ½·log(1/(1 − threshold²))/log(1 + η) (from the flow ẏ = y − y³, whose solution satisfies
    log(y/√(1 − y²)) = t + const).
    """
    e = np.abs(as_array(eps, "eps", ndim=(0, 1))).reshape(-1)
    eta = check_positive(eta, "eta")
    if eta >= 1:
        raise ValueError(f"eta: expected a step in (0, 1), got {eta!r}")
    threshold = check_positive(threshold, "threshold")
    if threshold >= 1:
        raise ValueError(f"threshold: expected a level in (0, 1) (|y| never reaches 1 from below), got {threshold!r}")
    if np.any(e == 0):
        raise ValueError("eps: expected nonzero starting offsets (from ε = 0 GD stays at the saddle)")
    max_steps = check_count(max_steps, "max_steps")
    y = e.copy()
    count = np.zeros(len(e), dtype=int)
    active = y < threshold
    k = 0
    while active.any():
        if k == max_steps:
            raise ValueError(f"max_steps: {max_steps} steps were not enough to escape; raise it")
        k += 1
        y[active] = y[active] - eta * (y[active] ** 3 - y[active])
        done = active & (y >= threshold)
        count[done] = k
        active &= ~done
    linear = np.where(e >= threshold, 0.0, np.log(threshold / e) / math.log1p(eta))
    correction = 0.5 * math.log(1.0 / (1.0 - threshold**2)) / math.log1p(eta)
    return {"eps": e, "steps": count, "linear": linear, "corrected": np.where(e >= threshold, 0.0, linear + correction),
            "correction": correction}


def perturbed_gd_saddle(
    runs: int = 1000, *, eta: float = 0.05, radius: float = 1e-3, g_thres: float = 1e-3, t_thres: int = 50,
    steps: int = 600, seed: int = 0,
) -> dict:
    r"""Perturbed GD (Jin et al. 2017) on f(x, y) = ½x² + ¼y⁴ − ½y², started exactly at the saddle (0, 0),
    ``runs`` independent runs at once: whenever ‖∇f‖ ≤ ``g_thres`` and no perturbation was added in the
    last ``t_thres`` steps, add a point uniform in the disc of radius ``radius``; otherwise a GD step.

    Returns the final points, plain GD's final point from the same start (it never moves), the first step
    at which f ≤ f(0, 0) − 0.1 (``escape_step``), the |y| right after the first perturbation, and the
    escape step predicted from it as in :func:`saddle_escape` (corrected form, level |y| with f(0, y) = −0.1),
    and the number of perturbations each run received before it escaped (``kicks``).
    """
    runs, steps, t_thres = check_count(runs, "runs"), check_count(steps, "steps"), check_count(t_thres, "t_thres")
    eta, radius = check_positive(eta, "eta"), check_positive(radius, "radius")
    g_thres = check_positive(g_thres, "g_thres")
    if eta >= 1:
        raise ValueError(f"eta: expected a step in (0, 1), got {eta!r}")
    g = np.random.default_rng(seed)
    x, y = np.zeros(runs), np.zeros(runs)
    last_noise = np.full(runs, -t_thres - 1)
    first_y = np.full(runs, np.nan)
    escape = np.full(runs, -1)
    kicks = np.zeros(runs, dtype=int)
    for k in range(steps):
        grad = np.hypot(x, y**3 - y)
        kick = (grad <= g_thres) & (k - last_noise > t_thres)
        if kick.any():
            r = radius * np.sqrt(g.random(kick.sum()))
            th = g.uniform(0, 2 * np.pi, kick.sum())
            x[kick] += r * np.cos(th)
            y[kick] += r * np.sin(th)
            last_noise[kick] = k
            kicks[kick & (escape < 0)] += 1
            fresh = kick & np.isnan(first_y)
            first_y[fresh] = np.abs(y[fresh])
        x, y = _saddle_gd_step(x, y, eta)
        out = (escape < 0) & (saddle_value(x, y) <= -0.1)
        escape[out] = k + 1
    px, py = 0.0, 0.0
    for _ in range(steps):
        px, py = _saddle_gd_step(px, py, eta)
    y_level = math.sqrt(1.0 - math.sqrt(0.6))  # f(0, y) = −0.1
    predicted = (np.log(y_level / first_y) + 0.5 * math.log(1.0 / (1.0 - y_level**2))) / math.log1p(eta)
    return {"x": x, "y": y, "escape_step": escape, "first_abs_y": first_y, "plain_gd": (px, py),
            "predicted_escape": predicted, "kicks": kicks,
            "distance_to_minimizer": np.hypot(x, np.abs(y) - 1.0)}


# ---- Lecture 8: a ReLU teacher and its students ------------------------------------------------------
# Student f(x) = Σ_j a_j relu(w_jᵀx), k neurons, both layers trained on L = (1/2n) Σ_i (f(x_i) − y_i)²;
# the teacher is ovptools.teacher_data's (k₀ neurons, y = k₀^{-1/2} Σ_j a_j relu(w_jᵀx)).


def _student_loss_grad(W: np.ndarray, a: np.ndarray, X: np.ndarray, y: np.ndarray):
    """Loss (1/2n)‖f − y‖² and its gradients for S students at once: W of shape S×k×d, a of S×k."""
    Z = W @ X.T  # S×k×n pre-activations
    H = np.maximum(Z, 0.0)
    r = np.einsum("sk,skn->sn", a, H) - y
    n = X.shape[0]
    ga = np.einsum("skn,sn->sk", H, r) / n
    gW = ((Z > 0) * (a[:, :, None] * r[:, None, :])) @ X / n
    return 0.5 * (r**2).mean(axis=1), gW, ga


def student_loss(W, a, X, y) -> np.ndarray:
    """(1/2n) Σ_i (Σ_j a_j relu(w_jᵀx_i) − y_i)² for a batch of students (W: S×k×d, a: S×k) or one (k×d, k)."""
    W, a = as_array(W, "W", ndim=(2, 3)), as_array(a, "a", ndim=(1, 2))
    one = W.ndim == 2
    W, a = (W[None], a[None]) if one else (W, a)
    if a.shape != W.shape[:2]:
        raise ValueError(f"a: expected shape {W.shape[:2] if not one else W.shape[1:2]} to match W, got {a.shape}")
    loss = _student_loss_grad(W, a, as_array(X, "X", ndim=2), as_array(y, "y", ndim=1))[0]
    return loss[0] if one else loss


def _adam_fit(W: np.ndarray, a: np.ndarray, X: np.ndarray, y: np.ndarray, steps: int, lr: float) -> np.ndarray:
    """Full-batch Adam on S students at once, in place, with the step decaying from ``lr`` to 0 on a cosine
    schedule; returns the losses every 100 steps (S × ⌈steps/100⌉)."""
    mom = [np.zeros_like(W), np.zeros_like(a)]
    sq = [np.zeros_like(W), np.zeros_like(a)]
    curves = []
    for t in range(1, steps + 1):
        loss, gW, ga = _student_loss_grad(W, a, X, y)
        if t % 100 == 1:
            curves.append(loss)
        step = lr * 0.5 * (1 + math.cos(math.pi * (t - 1) / steps))
        for p, grad, m_, v_ in ((W, gW, mom[0], sq[0]), (a, ga, mom[1], sq[1])):
            m_ *= 0.9
            m_ += 0.1 * grad
            v_ *= 0.999
            v_ += 0.001 * grad**2
            p -= step * (m_ / (1 - 0.9**t)) / (np.sqrt(v_ / (1 - 0.999**t)) + 1e-12)
    return np.array(curves).T


@_one_thread()
def restart_nearby(X, y, W, a, *, radius: float = 0.1, restarts: int = 10, steps: int = 3000, lr: float = 0.01,
                   seed: int = 0) -> dict:
    r"""Is a student's end point θ = (W, a) at the bottom of a basin? Perturb it ``restarts`` times by a Gaussian
    vector of norm ``radius``·‖θ‖ and run the same optimizer as :func:`teacher_student` again from each.

    Returns the relative loss at θ, right after each perturbation and at the end of each restart.
    """
    X, y = as_array(X, "X", ndim=2), as_array(y, "y", ndim=1)
    W, a = as_array(W, "W", ndim=2), as_array(a, "a", ndim=1)
    if a.shape[0] != W.shape[0] or W.shape[1] != X.shape[1]:
        raise ValueError(f"W, a: expected shapes (k, {X.shape[1]}) and (k,), got {W.shape} and {a.shape}")
    radius = check_positive(radius, "radius")
    restarts, steps = check_count(restarts, "restarts"), check_count(steps, "steps")
    lr = check_positive(lr, "lr")
    scale = 0.5 * float(np.mean(y**2))
    theta = np.concatenate([W.ravel(), a])
    noise = np.random.default_rng(seed).standard_normal((restarts, theta.size))
    noise *= radius * np.linalg.norm(theta) / np.linalg.norm(noise, axis=1, keepdims=True)
    k, d = W.shape
    Ws = (theta + noise)[:, : k * d].reshape(restarts, k, d).copy()
    As = (theta + noise)[:, k * d:].copy()
    perturbed = _student_loss_grad(Ws, As, X, y)[0] / scale
    _adam_fit(Ws, As, X, y, steps, lr)
    return {"start": float(_student_loss_grad(W[None], a[None], X, y)[0][0] / scale), "perturbed": perturbed,
            "final": _student_loss_grad(Ws, As, X, y)[0] / scale}


@_one_thread()
def teacher_student(
    k0: int = 4, *, factors=(1, 2), seeds: int = 20, n: int = 200, d: int = 8, steps: int = 8000,
    lr: float = 0.01, tol: float = 1e-3, seed: int = 0,
) -> dict:
    r"""Students with k = factor·k₀ neurons fitted to the teacher's labels from ``seeds`` random
    initializations each (w_j ~ N(0, I_d), a_j ~ N(0, 1/k)), all seeds of a width in one batch.

    The optimizer is full-batch Adam with the step ``lr`` decaying to 0 on a cosine schedule, so each
    run settles at the bottom of the basin it ends in. A run *succeeds* when its relative loss
    L/L(0-predictor) = Σ(f − y)²/Σy² is below ``tol``. Returns, per factor: the relative losses, the
    fraction that succeed, their median, the final gradient norms, the relative loss every 100 steps
    (``curves``), and the first and last weights (for slices and Hessians); plus the data ``X, y``.
    """
    k0, seeds, n, d, steps = (check_count(v, name) for v, name in ((k0, "k0"), (seeds, "seeds"), (n, "n"),
                                                                     (d, "d"), (steps, "steps")))
    lr, tol = check_positive(lr, "lr"), check_positive(tol, "tol")
    factors = tuple(check_count(f, "factors") for f in factors)
    X, y, _ = teacher_data(n, d, k0, seed=seed)
    scale = 0.5 * float(np.mean(y**2))
    out = {"X": X, "y": y, "k0": k0, "runs": []}
    for factor in factors:
        k = factor * k0
        g = np.random.default_rng([seed, k])
        W = g.standard_normal((seeds, k, d))
        a = g.standard_normal((seeds, k)) / math.sqrt(k)
        W0, a0 = W.copy(), a.copy()
        curves = _adam_fit(W, a, X, y, steps, lr) / scale
        loss, gW, ga = _student_loss_grad(W, a, X, y)
        rel = loss / scale
        out["runs"].append({
            "k": k, "relative_loss": rel, "success": float(np.mean(rel < tol)), "median": float(np.median(rel)),
            "grad_norm": np.sqrt((gW**2).sum(axis=(1, 2)) + (ga**2).sum(axis=1)), "curves": curves,
            "W0": W0, "a0": a0, "W": W, "a": a,
        })
    return out


@_one_thread()
def loss_slice(X, y, W0, a0, W1, a1, *, points: int = 49, margin: float = 0.25, seed: int = 0) -> dict:
    r"""The relative loss of one student on the plane through its start θ₀ = (W0, a0) and its end
    θ₁ = (W1, a1): θ(α, β) = θ₀ + α(θ₁ − θ₀) + β‖θ₁ − θ₀‖·u, with u a random unit direction orthogonal
    to θ₁ − θ₀; α ∈ [−margin, 1 + margin], β ∈ [−½ − margin, ½ + margin] (with the defaults the grid
    contains α = 0, α = 1 and β = 0 exactly)."""
    X, y = as_array(X, "X", ndim=2), as_array(y, "y", ndim=1)
    W0, W1 = as_array(W0, "W0", ndim=2), as_array(W1, "W1", ndim=2)
    a0, a1 = as_array(a0, "a0", ndim=1), as_array(a1, "a1", ndim=1)
    if W0.shape != W1.shape or a0.shape != a1.shape or a0.shape[0] != W0.shape[0]:
        raise ValueError(f"W0, a0, W1, a1: expected shapes (k, d), (k,), (k, d), (k,), got {W0.shape}, "
                         f"{a0.shape}, {W1.shape}, {a1.shape}")
    points = check_count(points, "points", minimum=3)
    margin = check_positive(margin, "margin", allow_zero=True)
    k, d = W0.shape
    t0, t1 = np.concatenate([W0.ravel(), a0]), np.concatenate([W1.ravel(), a1])
    delta = t1 - t0
    length = float(np.linalg.norm(delta))
    if length == 0:
        raise ValueError("W1, a1: the end point equals the start point; there is no plane to slice")
    u = np.random.default_rng(seed).standard_normal(t0.shape)
    u -= (u @ delta) / length**2 * delta
    u *= length / np.linalg.norm(u)
    alpha = np.linspace(-margin, 1 + margin, points)
    beta = np.linspace(-0.5 - margin, 0.5 + margin, points)
    A, B = np.meshgrid(alpha, beta, indexing="ij")
    theta = t0 + A.reshape(-1, 1) * delta + B.reshape(-1, 1) * u
    loss = _student_loss_grad(theta[:, : k * d].reshape(-1, k, d), theta[:, k * d:], X, y)[0]
    return {"alpha": alpha, "beta": beta, "relative_loss": loss.reshape(points, points) / (0.5 * np.mean(y**2))}


@_one_thread()
def student_hessian_extremes(X, y, W, a, *, steps: int = 100, seed: int = 0) -> tuple[float, float]:
    r"""(λ_max, λ_min) of the Hessian of one student's loss (1/2n)Σ(f − y)² in all its k(d + 1)
    parameters, by Lanczos on Hessian-vector products (:func:`ovptools.hessian_extremes`)."""
    Xt = torch.as_tensor(as_array(X, "X", ndim=2))
    yt = torch.as_tensor(as_array(y, "y", ndim=1))
    W, a = as_array(W, "W", ndim=2), as_array(a, "a", ndim=1)
    k, d = W.shape

    def loss(theta: torch.Tensor) -> torch.Tensor:
        Wt, at = theta[: k * d].reshape(k, d), theta[k * d:]
        return 0.5 * ((torch.relu(Xt @ Wt.T) @ at - yt) ** 2).mean()

    return hessian_extremes(loss, torch.as_tensor(np.concatenate([W.ravel(), a])), steps=steps, seed=seed)


@_one_thread()
def hessian_timing(*, k: int = 32, d: int = 31, n: int = 200, lanczos_steps: int = 60, seed: int = 0) -> dict:
    r"""Extreme Hessian eigenvalues of a student's loss at a random point with p = k(d + 1) parameters,
    two ways: Lanczos on Hessian-vector products (``lanczos_steps`` products) and the dense p×p Hessian
    (``torch.autograd.functional.hessian``, vectorized) followed by ``eigvalsh``. Returns both answers
    and both wall times (s)."""
    k, d, n = check_count(k, "k"), check_count(d, "d"), check_count(n, "n")
    X, y, _ = teacher_data(n, d, 4, seed=seed)
    g = np.random.default_rng(seed)
    W, a = g.standard_normal((k, d)), g.standard_normal(k) / math.sqrt(k)
    Xt, yt = torch.as_tensor(X), torch.as_tensor(y)

    def loss(theta: torch.Tensor) -> torch.Tensor:
        Wt, at = theta[: k * d].reshape(k, d), theta[k * d:]
        return 0.5 * ((torch.relu(Xt @ Wt.T) @ at - yt) ** 2).mean()

    theta = torch.as_tensor(np.concatenate([W.ravel(), a]))
    hessian_extremes(loss, theta, steps=2, seed=seed)  # warm-up: the first autograd call pays one-off costs
    start = time.perf_counter()
    lanczos = hessian_extremes(loss, theta, steps=check_count(lanczos_steps, "lanczos_steps"), seed=seed)
    t_lanczos = time.perf_counter() - start
    start = time.perf_counter()
    eig = torch.linalg.eigvalsh(torch.autograd.functional.hessian(loss, theta, vectorize=True))
    t_dense = time.perf_counter() - start
    return {"p": theta.numel(), "lanczos": lanczos, "dense": (float(eig[-1]), float(eig[0])),
            "time_lanczos": t_lanczos, "time_dense": t_dense}


# ---- Lecture 8: quadratic activations ------------------------------------------------------------------
# f(x) = Σ_j v_j (w_jᵀx)² = xᵀ Wᵀ diag(v) W x with the output weights v fixed; W is k×d (rows w_j).


def _quad_loss_grad(w: np.ndarray, v: np.ndarray, X: np.ndarray, y: np.ndarray, lam: float):
    W = w.reshape(len(v), X.shape[1])
    Z = X @ W.T  # n×k
    r = (Z**2) @ v - y
    n = len(y)
    loss = 0.5 * float(r @ r) / n + 0.5 * lam * float(np.sum(W**2))
    grad = 2.0 * ((Z * (r[:, None] * v[None, :])).T @ X) / n + lam * W
    return loss, grad.ravel()


def _fit_symmetric(X: np.ndarray, y: np.ndarray) -> float:
    """min over symmetric M of (1/2n) Σ (y_i − x_iᵀ M x_i)²: a linear least-squares problem in M."""
    d = X.shape[1]
    iu = np.triu_indices(d)
    features = (X[:, :, None] * X[:, None, :])[:, iu[0], iu[1]] * np.where(iu[0] == iu[1], 1.0, 2.0)
    coef = np.linalg.lstsq(features, y, rcond=None)[0]
    r = features @ coef - y
    return 0.5 * float(r @ r) / len(y)


def _fit_psd_trace(X: np.ndarray, y: np.ndarray, lam: float, iters: int) -> tuple[float, np.ndarray, float]:
    r"""min over M ⪰ 0 of (1/2n) Σ (y_i − ⟨x_i x_iᵀ, M⟩)² + (λ/2) tr M (convex), by accelerated projected
    gradient. Returns the value, M and the smallest eigenvalue of the gradient at M (≥ 0 at the optimum)."""
    n, d = X.shape
    lip = float(np.linalg.eigvalsh((X @ X.T) ** 2)[-1]) / n
    M = np.zeros((d, d))
    Y, t = M, 1.0

    def grad(M):
        r = np.einsum("ni,ij,nj->n", X, M, X) - y
        return (X.T * r) @ X / n + 0.5 * lam * np.eye(d), r

    for _ in range(iters):
        G, _ = grad(Y)
        ev, U = np.linalg.eigh(Y - G / lip)
        M_new = (U * np.maximum(ev, 0.0)) @ U.T
        t_new = 0.5 * (1 + math.sqrt(1 + 4 * t * t))
        Y = M_new + (t - 1) / t_new * (M_new - M)
        M, t = M_new, t_new
    G, r = grad(M)
    value = 0.5 * float(r @ r) / n + 0.5 * lam * float(np.trace(M))
    return value, M, float(np.linalg.eigvalsh(G)[0])


@_one_thread()
def quadratic_landscape(
    widths, *, d: int, n: int, signs: str = "balanced", lam: float = 0.0, seeds: int = 20, seed: int = 0,
    reference_iters: int = 3000,
) -> dict:
    r"""Local search on the quadratic-activation net from ``seeds`` random starts per width k, against the
    global minimum computed independently as a convex problem in M = Wᵀ diag(v) W.

    Data: x_i ~ N(0, I_d), y_i ~ N(0, 1) (arbitrary labels: the theorems hold for any data). Loss
    L(W) = (1/2n) Σ (f(x_i) − y_i)² + (λ/2)‖W‖_F². ``signs="balanced"``: v = (+1, −1, +1, …), λ = 0 allowed
    (Soltanolkotabi–Javanmard–Lee; for k ≥ 2d, M ranges over all symmetric matrices, so the global minimum
    is a least-squares fit). ``signs="positive"``: v = 1, M = WᵀW ⪰ 0, λ > 0 (Du–Lee; the global minimum
    over k ≥ d is the convex trace-regularized fit over M ⪰ 0, solved by projected gradient).
    Each run is L-BFGS on W from w_j ~ N(0, I_d/d) (scipy's, gtol = 1e-9 on the largest gradient entry).
    Returns per width the final losses and gradient norms; and the reference value (plus, for
    "positive", the rank of the optimal M and the smallest eigenvalue of the gradient there).
    """
    from scipy.optimize import minimize

    d, n, seeds = check_count(d, "d"), check_count(n, "n"), check_count(seeds, "seeds")
    widths = tuple(check_count(k, "widths") for k in widths)
    if signs not in ("balanced", "positive"):
        raise ValueError(f"signs: expected 'balanced' or 'positive', got {signs!r}")
    lam = check_positive(lam, "lam", allow_zero=signs == "balanced")
    g = np.random.default_rng(seed)
    X = g.standard_normal((n, d))
    y = g.standard_normal(n)
    out = {"X": X, "y": y, "widths": widths, "runs": []}
    if signs == "balanced":
        out["reference"] = _fit_symmetric(X, y)
    else:
        value, M, certificate = _fit_psd_trace(X, y, lam, check_count(reference_iters, "reference_iters"))
        ev = np.linalg.eigvalsh(M)
        out.update(reference=value, rank=int(np.sum(ev > 1e-6 * max(ev[-1], 1e-300))), certificate=certificate)
    for k in widths:
        v = np.where(np.arange(k) % 2 == 0, 1.0, -1.0) if signs == "balanced" else np.ones(k)
        losses, grads = [], []
        for s in range(seeds):
            w0 = np.random.default_rng([seed, k, s]).standard_normal(k * d) / math.sqrt(d)
            res = minimize(_quad_loss_grad, w0, args=(v, X, y, lam), jac=True, method="L-BFGS-B",
                           options={"maxiter": 20000, "gtol": 1e-9, "ftol": 1e-15})
            losses.append(res.fun)
            grads.append(float(np.linalg.norm(res.jac)))
        out["runs"].append({"k": k, "loss": np.array(losses), "grad_norm": np.array(grads)})
    return out


# ---- Lecture 8: kinks under automatic differentiation, and the stochastic subgradient method ------------


def autodiff_at_kink() -> dict:
    r"""The derivative at x = 0 of g(x) = relu(x) − relu(−x) (= x, so g'(0) = 1) by reverse-mode autodiff
    with torch's relu (relu'(0) = 0), with ovptools' relu (relu'(0) = 1), and by the one-sided directional
    derivative (g(t·v) − g(0))/t along a random direction v (Kakade–Lee's idea: differentiate the piece
    that a direction selects)."""
    from ..models import relu as relu_one

    out = {}
    for name, act in (("torch", torch.relu), ("ovptools", relu_one)):
        x = torch.zeros((), dtype=torch.float64, requires_grad=True)
        (act(x) - act(-x)).backward()
        out[name] = float(x.grad)
    v = float(np.random.default_rng(0).standard_normal())
    t = 1e-8
    out["directional"] = (float(torch.relu(torch.tensor(t * v)) - torch.relu(torch.tensor(-t * v)))) / (t * v)
    out["true"] = 1.0
    return out


@_one_thread()
def kink_frequency(*, channels: int = 8, seed: int = 0) -> dict:
    r"""How often a network meets an exact kink, on scikit-learn's 8×8 digits with their integer pixels
    (0–16), against Gaussian inputs of the same shape.

    ``zero_pixels``: fraction of pixels that are exactly 0. ``conv_zero``: fraction of the pre-activations
    of a 3×3 convolution with Gaussian filters and zero bias that are exactly 0 (ReLU's kink).
    ``pool_ties``: fraction of 2×2 max-pooling windows (stride 2) whose maximum is attained more than once
    (max's kink). The ``*_gaussian`` entries are the same counts on N(0, 1) images.
    """
    from sklearn.datasets import load_digits

    channels = check_count(channels, "channels")
    images = load_digits().images  # N×8×8, integers 0..16 stored as floats
    g = np.random.default_rng(seed)
    noise = g.standard_normal(images.shape)
    filters = torch.as_tensor(g.standard_normal((channels, 1, 3, 3)))

    def counts(imgs: np.ndarray) -> tuple[float, float, float]:
        t = torch.as_tensor(imgs)[:, None]
        pre = torch.nn.functional.conv2d(t, filters)  # zero bias
        windows = t.unfold(2, 2, 2).unfold(3, 2, 2).reshape(len(imgs), -1, 4)
        top = windows.max(dim=-1, keepdim=True).values
        ties = (windows == top).sum(dim=-1) > 1
        return float((t == 0).double().mean()), float((pre == 0).double().mean()), float(ties.double().mean())

    z, c, p = counts(images)
    zg, cg, pg = counts(noise)
    return {"images": len(images), "zero_pixels": z, "conv_zero": c, "pool_ties": p,
            "zero_pixels_gaussian": zg, "conv_zero_gaussian": cg, "pool_ties_gaussian": pg}


@_one_thread()
def subgradient_l1_regression(
    budgets=(100, 300, 1000, 3000, 10000), *, n: int = 200, d: int = 10, outliers: float = 0.2, runs: int = 20,
    seed: int = 0,
) -> dict:
    r"""The stochastic subgradient method on robust regression f(w) = (1/n) Σ_i |x_iᵀw − y_i| (convex,
    non-smooth), against the classical bound for convex Lipschitz f.

    Data: x_i ~ N(0, I_d), y = X w* + a fraction ``outliers`` of labels replaced by N(0, 10²) values.
    One step: pick i uniformly, g = sign(x_iᵀw − y_i)·x_i (a subgradient of the i-th term), w ← w − α g,
    from w₀ = 0, with the constant step α = R/(G√K) for a budget of K steps, where R = ‖w₀ − w^⋆‖ and
    G² = (1/n)Σ‖x_i‖² ≥ E‖g‖². Theorem: E f(w̄_K) − f^⋆ ≤ RG/√K for the average w̄_K of the iterates.
    f^⋆ and w^⋆ come from the equivalent linear program (scipy's HiGHS). ``runs`` independent runs per budget.
    Returns per budget the mean gap f(w̄_K) − f^⋆ over the runs and the bound RG/√K, and the fitted slope of
    log(gap) against log K.
    """
    from scipy.optimize import linprog

    budgets = tuple(check_count(K, "budgets") for K in budgets)
    n, d, runs = check_count(n, "n"), check_count(d, "d"), check_count(runs, "runs")
    outliers = check_positive(outliers, "outliers", allow_zero=True)
    if outliers >= 1:
        raise ValueError(f"outliers: expected a fraction in [0, 1), got {outliers!r}")
    g = np.random.default_rng(seed)
    X = g.standard_normal((n, d))
    w_true = g.standard_normal(d)
    y = X @ w_true
    bad = g.random(n) < outliers
    y[bad] = 10.0 * g.standard_normal(bad.sum())
    # min Σ t_i s.t. −t ≤ Xw − y ≤ t, variables (w, t)
    c = np.concatenate([np.zeros(d), np.ones(n) / n])
    A = np.block([[X, -np.eye(n)], [-X, -np.eye(n)]])
    lp = linprog(c, A_ub=A, b_ub=np.concatenate([y, -y]), bounds=[(None, None)] * d + [(0, None)] * n,
                 method="highs")
    w_star, f_star = lp.x[:d], float(lp.fun)
    R = float(np.linalg.norm(w_star))
    G = float(np.sqrt(np.mean(np.sum(X**2, axis=1))))
    gaps = []
    for K in budgets:
        alpha = R / (G * math.sqrt(K))
        W = np.zeros((runs, d))
        avg = np.zeros((runs, d))
        pick = np.random.default_rng([seed, K]).integers(0, n, size=(K, runs))
        for k in range(K):
            xi = X[pick[k]]
            s = np.sign(np.einsum("rd,rd->r", xi, W) - y[pick[k]])
            W -= alpha * s[:, None] * xi
            avg += W
        avg /= K
        gaps.append(float(np.mean(np.abs(avg @ X.T - y).mean(axis=1) - f_star)))
    gaps = np.array(gaps)
    bound = R * G / np.sqrt(np.array(budgets, dtype=float))
    return {"budgets": np.array(budgets), "gap": gaps, "bound": bound, "slope": _slope(budgets, gaps),
            "f_star": f_star, "R": R, "G": G, "w_error": float(np.linalg.norm(w_star - w_true))}


def _slope(x, y) -> float:
    return float(np.polyfit(np.log(np.asarray(x, dtype=float)), np.log(np.asarray(y, dtype=float)), 1)[0])


# ---- Lecture 8: the mean-field scaling ---------------------------------------------------------------


@_one_thread()
def mean_field_movement(
    widths=(100, 400, 1600, 6400), *, n: int = 40, d: int = 10, steps: int = 400, eta: float = 0.5,
    seed: int = 0,
) -> dict:
    r"""GD on the two-layer net f(x) = m^{−γ} Σ_r a_r relu(w_rᵀx) (a_r = ±1 fixed, w_r ~ N(0, I_d)) under
    the lazy scaling γ = ½ (Du et al., step η) and the mean-field scaling γ = 1 (Mei–Montanari–Nguyen,
    Chizat–Bach; step η·m, the time scale on which each neuron moves at an m-independent speed).

    Loss (1/2n) Σ (f(x_i) − y_i)² on ``ovptools.teacher_data`` labels (k₀ = 4, unit-norm inputs).
    Returns per scaling and width: the mean neuron movement (1/m) Σ_r ‖w_r(T) − w_r(0)‖, the relative
    movement ‖W(T) − W(0)‖_F/‖W(0)‖_F and the final loss; and the fitted slopes of movement against m
    (predicted: −½ for γ = ½, 0 for γ = 1).
    """
    widths = tuple(check_count(m, "widths") for m in widths)
    n, d, steps = check_count(n, "n"), check_count(d, "d"), check_count(steps, "steps")
    eta = check_positive(eta, "eta")
    X, y, _ = teacher_data(n, d, 4, seed=seed)
    out = {"widths": np.array(widths)}
    for name, gamma in (("lazy", 0.5), ("mean_field", 1.0)):
        move, rel, final = [], [], []
        for m in widths:
            g = np.random.default_rng([seed, m])
            W0 = g.standard_normal((m, d))
            a = g.choice([-1.0, 1.0], size=m)
            W = W0.copy()
            c = m**-gamma
            step = eta * (m if gamma == 1.0 else 1.0)
            for _ in range(steps):
                Z = X @ W.T
                r = c * np.maximum(Z, 0.0) @ a - y
                W -= step * c * ((Z > 0) * (r[:, None] * a[None, :])).T @ X / n
            r = c * np.maximum(X @ W.T, 0.0) @ a - y
            move.append(float(np.linalg.norm(W - W0, axis=1).mean()))
            rel.append(float(np.linalg.norm(W - W0) / np.linalg.norm(W0)))
            final.append(0.5 * float(r @ r) / n)
        out[name] = {"movement": np.array(move), "relative": np.array(rel), "loss": np.array(final),
                     "slope": _slope(widths, move)}
    out["initial_loss"] = 0.5 * float(y @ y) / n
    return out


# ---- Lecture 9: implicit bias and generalization ----
# Soudry, Hoffer, Nacson, Gunasekar & Srebro (2018): GD on the logistic loss of separable data turns
# towards the hard-margin SVM; Rosset, Zhu & Hastie (2004) and Wei, Lee, Liu & Ma (2019): the
# regularized minimizer's normalized margin tends to the maximum as λ → 0; Lyu & Li (2020): the
# normalized margin of a homogeneous net grows during training; Golowich, Rakhlin & Shamir (2018):
# a norm-based capacity measure. Labels are ±1; a linear predictor is homogeneous (no intercept).

if "__all__" not in globals():  # the sections above list their names in __all__ too; start it if they have not yet
    __all__: list[str] = []


def _l9_data(X, y) -> tuple[np.ndarray, np.ndarray]:
    """Checked (X, y): X an n×d array, y of length n with entries ±1."""
    X = as_array(X, "X", ndim=2)
    y = as_array(y, "y", ndim=1)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y: expected {X.shape[0]} labels to match the rows of X (shape {X.shape}), got {y.shape[0]}")
    if X.shape[0] == 0:
        raise ValueError("X: expected at least one row")
    if not np.all(np.abs(y) == 1):
        raise ValueError(f"y: expected labels ±1, got values {np.unique(y)[:5].tolist()}")
    return X, y


def _l9_rng(seed) -> np.random.Generator:
    from .._validate import rng

    return rng(seed)


def normalized_margin(w, X, y) -> float:
    r"""The normalized margin :math:`\gamma(w) = \min_i y_i\langle w, x_i\rangle / \|w\|_2` of a
    homogeneous linear predictor (negative when w misclassifies a point). ``w`` ≠ 0 of length d."""
    X, y = _l9_data(X, y)
    w = as_array(w, "w", ndim=1)
    if w.shape[0] != X.shape[1]:
        raise ValueError(f"w: expected length d = {X.shape[1]} (columns of X), got {w.shape[0]}")
    norm = float(np.linalg.norm(w))
    if norm == 0:
        raise ValueError("w: expected a nonzero vector (the normalized margin divides by ‖w‖)")
    return float(np.min(y * (X @ w)) / norm)


def hard_margin_svm(X, y, *, tol: float = 1e-10, max_sweeps: int = 100_000) -> dict:
    r"""The homogeneous hard-margin SVM :math:`\hat w = \arg\min \|w\|_2` s.t. :math:`y_i\langle w,
    x_i\rangle \ge 1` (no intercept), by coordinate ascent on its dual
    :math:`\max_{\alpha \ge 0} \sum_i \alpha_i - \frac12\|\sum_i \alpha_i y_i x_i\|^2`, with
    :math:`\hat w = \sum_i \alpha_i y_i x_i`.

    Stops when every KKT condition holds to ``tol`` (y_i⟨ŵ, x_i⟩ ≥ 1 − tol, and |y_i⟨ŵ, x_i⟩ − 1| ≤ tol
    where α_i > 0). Returns ``w`` (ŵ, margin 1), ``alpha``, ``support`` (indices with α_i > 0),
    ``sweeps``. Without convergence in ``max_sweeps`` sweeps (as on data not separable through the
    origin, where the dual is unbounded) it raises ``ValueError``.
    """
    X, y = _l9_data(X, y)
    tol = check_positive(tol, "tol")
    max_sweeps = check_count(max_sweeps, "max_sweeps")
    Z = y[:, None] * X  # rows y_i x_i: the constraints read ⟨w, z_i⟩ ≥ 1
    sq = np.einsum("ij,ij->i", Z, Z)
    if np.any(sq == 0):
        raise ValueError("X: a zero row can never satisfy y_i⟨w, x_i⟩ ≥ 1 (not separable through the origin)")
    alpha, w = np.zeros(len(Z)), np.zeros(X.shape[1])
    sweeps = 0
    while sweeps < max_sweeps:
        sweeps += 1
        for i in range(len(Z)):
            new = max(0.0, alpha[i] + (1.0 - Z[i] @ w) / sq[i])
            w += (new - alpha[i]) * Z[i]
            alpha[i] = new
        m = Z @ w
        if np.all(m >= 1 - tol) and np.all(np.abs(m[alpha > 0] - 1) <= tol):
            break
    else:
        raise ValueError(f"max_sweeps: the dual did not converge to tol = {tol} in {max_sweeps} sweeps "
                         "(are the data separable through the origin?)")
    return {"w": w, "alpha": alpha, "support": np.flatnonzero(alpha > 1e-12 * alpha.max()), "sweeps": sweeps}


def svm_direction(X, y) -> np.ndarray:
    r"""The unit vector :math:`\hat w/\|\hat w\|` of the homogeneous hard-margin SVM (:func:`hard_margin_svm`)."""
    w = hard_margin_svm(X, y)["w"]
    return w / np.linalg.norm(w)


def svm_reference(X, y, *, C: float = 1e8) -> dict:
    r"""The homogeneous hard-margin SVM by scikit-learn, as an independent check of :func:`hard_margin_svm`.

    ``SVC(kernel="linear")`` always fits an intercept b. Fitted on the data together with its mirror
    image {(−x_i, −y_i)}, the problem is symmetric under b → −b, so (ŵ, 0) is optimal and the ``w``
    found is the homogeneous SVM's. A large ``C`` makes the soft margin hard. Returns ``w``
    (margin 1), ``intercept`` (≈ 0) and ``support`` (indices into X of the support vectors).
    """
    from sklearn.svm import SVC

    X, y = _l9_data(X, y)
    C = check_positive(C, "C")
    n = len(X)
    svc = SVC(kernel="linear", C=C, tol=1e-8).fit(np.concatenate([X, -X]), np.concatenate([y, -y]))
    return {"w": svc.coef_[0].copy(), "intercept": float(svc.intercept_[0]),
            "support": np.unique(svc.support_ % n)}


def soudry_data(kind: str = "symmetric", *, n_extra: int = 20, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    r"""Separable 2-D data whose homogeneous SVM is known in closed form.

    ``kind="symmetric"`` (Soudry et al.'s Figure 1): support vectors (0.5, 1.5) and (1.5, 0.5) with
    label +1 and their negatives with label −1, so ŵ = (½, ½), ‖ŵ‖ = 1/√2, and all dual variables are
    equal. ``kind="asymmetric"``: support vectors (0.3, 1.2) (label +1) and (−2, −0.4) (label −1),
    whose dual variables differ about sevenfold. Plus ``n_extra`` points (half of each label) drawn
    uniformly from [0, 3]² (mirrored for label −1) with y⟨ŵ, x⟩ ≥ 1.25, off the margin.
    """
    if kind not in ("symmetric", "asymmetric"):
        raise ValueError(f"kind: expected 'symmetric' or 'asymmetric', got {kind!r}")
    n_extra = check_count(n_extra, "n_extra", minimum=0)
    if kind == "symmetric":
        sv = np.array([[0.5, 1.5], [1.5, 0.5], [-0.5, -1.5], [-1.5, -0.5]])
        ysv = np.array([1.0, 1.0, -1.0, -1.0])
    else:
        sv = np.array([[0.3, 1.2], [-2.0, -0.4]])
        ysv = np.array([1.0, -1.0])
    z = ysv[:, None] * sv
    w_hat = np.linalg.lstsq(z, np.ones(len(z)), rcond=None)[0]
    g = _l9_rng(seed)
    kept: list[np.ndarray] = []
    while sum(len(k) for k in kept) < n_extra:
        cand = g.uniform(0.0, 3.0, size=(4 * n_extra + 8, 2))
        kept.append(cand[cand @ w_hat >= 1.25])
    extra = np.concatenate(kept)[:n_extra] if n_extra else np.zeros((0, 2))
    y_extra = np.where(np.arange(n_extra) % 2 == 0, 1.0, -1.0)
    return np.concatenate([sv, y_extra[:, None] * extra]), np.concatenate([ysv, y_extra])


def logistic_gd_path(X, y, *, eta: float, steps: int, records: int = 60, w0=None) -> dict:
    r"""GD with step ``eta`` on the summed logistic loss :math:`L(w) = \sum_i \log(1 + e^{-y_i\langle w,
    x_i\rangle})` from ``w0`` (default 0), recorded at about ``records`` steps spaced evenly in log t.

    L is β-smooth with β = σ_max(X)²/4, so Soudry et al.'s condition η < 2/β reads
    η < 8/σ_max(X)²; a larger ``eta`` raises ``ValueError``. Returns ``t`` (the recorded steps),
    ``w`` (len(t) × d) and ``loss``. Plain numpy array operations, about 10⁵ steps a second in 2-D.
    """
    X, y = _l9_data(X, y)
    eta = check_positive(eta, "eta")
    steps = check_count(steps, "steps")
    records = check_count(records, "records", minimum=2)
    limit = 8.0 / float(np.linalg.norm(X, 2)) ** 2
    if eta >= limit:
        raise ValueError(f"eta: the theorem needs eta < 8/σ_max(X)² = {limit:.4g}, got {eta}")
    w = np.zeros(X.shape[1]) if w0 is None else as_array(w0, "w0", ndim=1).astype(float).copy()
    if w.shape[0] != X.shape[1]:
        raise ValueError(f"w0: expected length d = {X.shape[1]}, got {w.shape[0]}")
    Z = y[:, None] * X
    ZT = np.ascontiguousarray(Z.T)
    t_rec = np.unique(np.geomspace(1, steps, records).astype(int))
    ws, losses = [], []
    margin, e = np.empty(len(Z)), np.empty(len(Z))
    done = 0
    for target in t_rec:  # (exp may overflow to inf far from the margin: 1/(1 + inf) = 0 is then exact)
        for _ in range(target - done):  # w ← w + η Σ_i z_i / (1 + e^{⟨w, z_i⟩})
            np.dot(Z, w, out=margin)
            with np.errstate(over="ignore"):
                np.exp(margin, out=e)
            e += 1.0
            np.reciprocal(e, out=e)
            w += eta * (ZT @ e)
        done = target
        ws.append(w.copy())
        losses.append(float(np.sum(np.logaddexp(0.0, -(Z @ w)))))
    return {"t": t_rec, "w": np.array(ws), "loss": np.array(losses), "eta": eta}


def _l9_support_groups(X, y, svm: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct support vectors z = y_n x_n, each with its summed dual variable and its number of
    copies: k identical points act as one with k times the gradient, so only the sum of their α_n is
    determined (the symmetric data have each z twice)."""
    Z = y[:, None] * X
    on_margin = np.flatnonzero(np.abs(Z @ svm["w"] - 1.0) <= 1e-8)
    Zs, inverse, counts = np.unique(np.round(Z[on_margin], 12), axis=0, return_inverse=True, return_counts=True)
    alpha = np.bincount(inverse.ravel(), weights=svm["alpha"][on_margin], minlength=len(Zs))
    keep = alpha > 1e-12 * alpha.max()
    return Zs[keep], alpha[keep], counts[keep].astype(float)


def _l9_angle(W: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Angles (radians) between the rows of W and the vector u."""
    cos = W @ u / (np.linalg.norm(W, axis=1) * np.linalg.norm(u))
    return np.arccos(np.clip(cos, -1.0, 1.0))


def _l9_slope(x, y) -> float:
    return float(np.polyfit(x, y, 1)[0])


def soudry_experiment(X, y, *, eta: float | None = None, steps: int = 200_000, records: int = 60) -> dict:
    r"""GD on the logistic loss of separable data against Soudry et al.'s asymptotics.

    With ŵ the homogeneous hard-margin SVM, α its dual variables and S its support vectors, the
    theorem gives w(t) = ŵ ln t + ρ(t) with ρ(t) → w̃, where :math:`\eta\,e^{-y_n\langle \tilde w,
    x_n\rangle} = \alpha_n` for n ∈ S. Hence the predictions: ``pred_norm`` = ‖ŵ ln t + w̃‖ (slope
    ‖ŵ‖ against ln t), ``pred_loss`` = Σα/(ηt) = ‖ŵ‖²/(ηt), and ``pred_angle`` = ∠(ŵ ln t + w̃, ŵ),
    which is ≈ ‖P⊥w̃‖/(‖ŵ‖ ln t) unless w̃ ∥ ŵ (all α_n equal), when it falls faster.

    ``eta`` defaults to 4/σ_max(X)², half of the largest step the theorem allows. Returns the
    path of :func:`logistic_gd_path` and ``norm``, ``angle`` (radians), the three predictions,
    ``w_hat``, ``alpha``, ``w_tilde`` (``w_tilde_perp`` = ‖P⊥w̃‖), and the fits over the last decade
    of t: ``norm_slope`` (d‖w‖/d ln t), ``loss_slope`` (of log L against log t) and
    ``angle_log_t`` (angle · ln t at the last step). When w̃ ∥ ŵ the angle falls faster than 1/ln t:
    angle · ln t then decays like t^(−κ) (``kappa`` = min(``lambda_min``, ``theta`` − 1), from linearizing the
    dynamics around ŵ ln t + w̃;
    ``angle_power`` is the measured log–log slope of angle · ln t over the last decade).
    """
    X, y = _l9_data(X, y)
    if eta is None:
        eta = 4.0 / float(np.linalg.norm(X, 2)) ** 2
    svm = hard_margin_svm(X, y)
    w_hat, alpha, S = svm["w"], svm["alpha"], svm["support"]
    Zs, alpha_s, counts = _l9_support_groups(X, y, svm)
    w_tilde = np.linalg.lstsq(Zs, np.log(eta * counts / alpha_s), rcond=None)[0]
    run = logistic_gd_path(X, y, eta=eta, steps=steps, records=records)
    t = run["t"].astype(float)
    pred_w = np.log(t)[:, None] * w_hat + w_tilde
    u = w_hat / np.linalg.norm(w_hat)
    norm = np.linalg.norm(run["w"], axis=1)
    angle = _l9_angle(run["w"], w_hat)
    late = t >= t[-1] / 10
    # linearizing around ŵ ln t + w̃: the rest decays like t^(−κ), κ = min(λ_min⁺(Σ_S α_n z_n z_nᵀ), θ − 1),
    # θ = the smallest ⟨ŵ, z_n⟩ off the margin (those terms of the gradient decay like t^(−θ))
    eig = np.linalg.eigvalsh((Zs.T * alpha_s) @ Zs)
    off = (y[:, None] * X) @ w_hat
    off = off[off > 1.0 + 1e-8]
    lam_min, theta = float(eig[eig > 1e-12 * eig.max()].min()), float(off.min()) if len(off) else np.inf
    kappa = min(lam_min, theta - 1.0)
    return {
        **run, "norm": norm, "angle": angle, "w_hat": w_hat, "alpha": alpha, "support": S, "w_tilde": w_tilde,
        "w_tilde_perp": float(np.linalg.norm(w_tilde - (w_tilde @ u) * u)),
        "pred_norm": np.linalg.norm(pred_w, axis=1), "pred_loss": float(np.sum(alpha)) / (eta * t),
        "pred_angle": _l9_angle(pred_w, w_hat),
        "norm_slope": _l9_slope(np.log(t[late]), norm[late]),
        "loss_slope": _l9_slope(np.log(t[late]), np.log(run["loss"][late])),
        "angle_log_t": float(angle[-1] * np.log(t[-1])), "kappa": kappa, "lambda_min": lam_min, "theta": theta,
        "angle_power": _l9_slope(np.log(t[late]), np.log(angle[late] * np.log(t[late]))),
    }


def regularized_margins(X, y, lams) -> dict:
    r"""Normalized margins of the minimizers of the ℓ2-regularized logistic loss
    :math:`L_\lambda(w) = \sum_i \log(1 + e^{-y_i\langle w, x_i\rangle}) + \frac\lambda2\|w\|^2`, one per λ.

    Each minimizer is found by damped Newton steps (L_λ is λ-strongly convex), warm-started from the
    previous λ (sorted from large to small). Returns ``lams`` (decreasing), ``w`` (one row per λ),
    ``margin`` (γ(w_λ)), ``norm`` (‖w_λ‖), ``grad_norm`` (‖∇L_λ(w_λ)‖, the optimality check), and
    ``max_margin`` = 1/‖ŵ‖, the limit Rosset, Zhu & Hastie prove as λ → 0 for separable data.

    The asymptotic prediction: with e^{-u} for the loss's tail, stationarity λw = Σ_i e^{−⟨w, z_i⟩} z_i
    (z_i = y_i x_i) is solved on the support vectors by w = s_λ ŵ + v with λ s_λ e^{s_λ} = 1
    (s_λ = W₀(1/λ) ≈ ln(1/λ) − ln ln(1/λ), Lambert's W) and ⟨v, z_n⟩ = −ln α_n. ``pred_margin`` and
    ``pred_norm`` are γ and ‖·‖ of that w, so the gap to the max margin shrinks like 1/ln(1/λ).
    """
    from scipy.special import expit, lambertw

    X, y = _l9_data(X, y)
    lams = np.sort(np.array([check_positive(v, "lams") for v in np.atleast_1d(lams)]))[::-1]
    Z = y[:, None] * X
    d = X.shape[1]

    def value(w, lam):
        return float(np.sum(np.logaddexp(0.0, -(Z @ w))) + 0.5 * lam * w @ w)

    w = np.zeros(d)
    ws, gnorms = [], []
    for lam in lams:
        for _ in range(200):
            p = expit(-(Z @ w))  # −ℓ'(⟨w, z_i⟩)
            grad = lam * w - Z.T @ p
            if np.linalg.norm(grad) <= 1e-12 * max(1.0, lam * np.linalg.norm(w)):
                break
            hess = (Z.T * (p * (1 - p))) @ Z + lam * np.eye(d)
            step = np.linalg.solve(hess, grad)
            s, f0 = 1.0, value(w, lam)
            while value(w - s * step, lam) > f0 - 0.25 * s * grad @ step and s > 1e-10:
                s /= 2
            w = w - s * step
        ws.append(w.copy())
        gnorms.append(float(np.linalg.norm(lam * w - Z.T @ expit(-(Z @ w)))))
    W = np.array(ws)
    margins = np.min(W @ Z.T, axis=1) / np.linalg.norm(W, axis=1)
    svm = hard_margin_svm(X, y)
    Zs, alpha_s, counts = _l9_support_groups(X, y, svm)
    v = np.linalg.lstsq(Zs, np.log(counts / alpha_s), rcond=None)[0]
    s_lam = np.real(lambertw(1.0 / lams))
    W_pred = s_lam[:, None] * svm["w"] + v
    return {"lams": lams, "w": W, "margin": margins, "norm": np.linalg.norm(W, axis=1),
            "grad_norm": np.array(gnorms), "max_margin": 1.0 / float(np.linalg.norm(svm["w"])),
            "pred_margin": np.min(W_pred @ Z.T, axis=1) / np.linalg.norm(W_pred, axis=1),
            "pred_norm": np.linalg.norm(W_pred, axis=1)}


def two_layer_margin_run(
    X, y, m: int, *, steps: int, eta: float, scale: float = 1.0, seed: int = 0,
    X_test=None, y_test=None, records: int = 40,
) -> dict:
    r"""GD on the mean logistic loss of the homogeneous two-layer net
    :math:`f(\theta; x) = \sum_{r=1}^m a_r\,\mathrm{relu}(\langle w_r, x\rangle)`, both layers trained,
    θ = (W, a), from w_r ~ N(0, scale² I), a_r ~ N(0, scale²/m). numpy, float64.

    f is 2-homogeneous in θ, so its normalized margin is :math:`\gamma(\theta) = \min_i y_i f(\theta;
    x_i)/\|\theta\|^2`. Recorded at about ``records`` steps spaced evenly in log k: ``loss``,
    ``train_error``, ``test_error`` (with test data), ``margin`` (γ(θ)), ``raw_margin``
    (min_i y_i f(θ; x_i)), ``frob_product`` (‖W‖_F‖a‖₂) and ``capacity`` (‖W‖_F‖a‖₂/(raw margin·√n),
    Golowich–Rakhlin–Shamir's measure; NaN while some point is misclassified). Also ``frob_init``
    = ‖W(0)‖_F‖a(0)‖₂, ``params`` = m(d + 1) and the final ``W``, ``a``.
    """
    X, y = _l9_data(X, y)
    m, steps = check_count(m, "m"), check_count(steps, "steps")
    eta, scale = check_positive(eta, "eta"), check_positive(scale, "scale")
    records = check_count(records, "records", minimum=2)
    if X_test is not None or y_test is not None:
        X_test, y_test = _l9_data(X_test, y_test)
        if X_test.shape[1] != X.shape[1]:
            raise ValueError(f"X_test: expected {X.shape[1]} columns like X, got shape {X_test.shape}")
    from threadpoolctl import threadpool_limits  # installed with scikit-learn

    n = len(X)
    g = _l9_rng(seed)
    W = scale * g.standard_normal((m, X.shape[1]))
    a = scale * g.standard_normal(m) / np.sqrt(m)
    rec = set(np.unique(np.geomspace(1, steps, records).astype(int)).tolist())
    frob_init = float(np.linalg.norm(W) * np.linalg.norm(a))
    keys = ("step", "loss", "train_error", "test_error", "margin", "raw_margin", "frob_product", "capacity")
    out: dict[str, list] = {k: [] for k in keys}
    # small products: BLAS threads only contend for the cores; a diverging step is caught on the next step
    with threadpool_limits(limits=1, user_api="blas"), np.errstate(over="ignore", invalid="ignore"):
        _l9_two_layer_gd(X, y, W, a, eta, steps, rec, out, X_test, y_test)
    res = {k: np.array(v) for k, v in out.items()}
    res.update(m=m, n=n, params=m * (X.shape[1] + 1), W=W, a=a, frob_init=frob_init)
    return res


def _l9_two_layer_gd(X, y, W, a, eta, steps, rec, out, X_test, y_test) -> None:
    """The GD loop of :func:`two_layer_margin_run`: updates W and a in place, appends to ``out``."""
    from scipy.special import expit

    n = len(X)
    for k in range(1, steps + 1):
        pre = X @ W.T
        h = np.maximum(pre, 0.0)
        z = y * (h @ a)
        if not np.all(np.isfinite(z)):
            raise ValueError(f"eta: GD diverged at step {k} with eta = {eta}; try a smaller step")
        gf = -y * expit(-z) / n  # ∂(mean loss)/∂f_i = −y_i/(1 + e^{z_i})/n
        grad_a = h.T @ gf
        grad_W = ((gf[:, None] * a) * (pre > 0)).T @ X
        a -= eta * grad_a
        W -= eta * grad_W
        if k in rec:
            z = y * (np.maximum(X @ W.T, 0.0) @ a)
            frob = float(np.linalg.norm(W) * np.linalg.norm(a))
            out["step"].append(k)
            out["loss"].append(float(np.mean(np.logaddexp(0.0, -z))))
            out["train_error"].append(float(np.mean(z <= 0)))
            if X_test is not None:
                out["test_error"].append(float(np.mean(y_test * (np.maximum(X_test @ W.T, 0.0) @ a) <= 0)))
            out["margin"].append(float(z.min() / (np.sum(W**2) + a @ a)))
            out["raw_margin"].append(float(z.min()))
            out["frob_product"].append(frob)
            out["capacity"].append(frob / (z.min() * np.sqrt(n)) if z.min() > 0 else float("nan"))


def digits_parity(*, n_train: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """All ten digits (unit rows), labelled +1 for even and −1 for odd: ``(X, y, X_test, y_test)``,
    ``n_train`` training points and every other digit for testing."""
    from ..data import digits

    X, t, Xte, tte = digits(tuple(range(10)), n_train=check_count(n_train, "n_train"), seed=seed)
    return X, np.where(t % 2 == 0, 1.0, -1.0), Xte, np.where(tte % 2 == 0, 1.0, -1.0)


def width_sweep(widths=(16, 64, 256, 1024), *, n_train: int = 300, steps: int = 2000, eta: float = 2.0,
                scale: float = 1.0, seed: int = 0, records: int = 30) -> dict:
    r"""Two-layer nets of several widths trained by :func:`two_layer_margin_run` on
    :func:`digits_parity`. Returns ``widths``, ``params`` (m(d + 1)), ``runs`` (one dict per width)
    and, at the last step, ``train_error``, ``test_error``, ``margin``, ``capacity``, ``frob_product``;
    ``frob_init`` per width."""
    widths = [check_count(m, "widths") for m in widths]
    X, y, Xte, yte = digits_parity(n_train=n_train, seed=seed)
    runs = [two_layer_margin_run(X, y, m, steps=steps, eta=eta, scale=scale, seed=seed + 1 + j,
                                 X_test=Xte, y_test=yte, records=records) for j, m in enumerate(widths)]
    last = {k: np.array([r[k][-1] for r in runs])
            for k in ("train_error", "test_error", "margin", "capacity", "frob_product")}
    return {"widths": np.array(widths), "params": np.array([r["params"] for r in runs]), "runs": runs,
            "frob_init": np.array([r["frob_init"] for r in runs]), **last}


__all__ += [
    "digits_parity", "hard_margin_svm", "logistic_gd_path", "normalized_margin", "regularized_margins",
    "soudry_data", "soudry_experiment", "svm_direction", "svm_reference", "two_layer_margin_run", "width_sweep",
]
