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
