r"""The papers' experiments as functions that return data (the notebooks only plot).

Two-layer net and loss as in :mod:`ovptools.train` (Du et al.): u = (1/√m) σ(X Wᵀ) a,
L = ½‖u − y‖², a fixed, W trained by full-batch GD.
"""

from __future__ import annotations

import math
import time

import numpy as np
import torch

from ._checks import as_tensor, check_count, check_unit_rows
from ._device import resolve_device
from .data import digits, gaussian_labels, sphere
from .kernels import eigen_projections, gram_empirical, gram_infinite, lambda_min
from .models import init_two_layer
from .train import _check_diverged, _run_args, _steps_iter


def _slope(x, y) -> float:
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def train_widths(
    X,
    y,
    widths,
    *,
    eta: float,
    steps: int,
    seed: int,
    record_every: int = 10,
    batched: bool = True,
    device: str | torch.device = "auto",
    dtype: torch.dtype = torch.float32,
    progress: bool | None = None,
) -> dict[str, np.ndarray]:
    r"""GD on the two-layer net for several widths at once, from w_r ~ N(0, I), a_r = ±1 (seeded).

    With ``batched=True`` the neurons of all widths are stacked into one (Σm)×d matrix so each step
    is one large product X Wᵀ and one Wᵀ-sized gradient product, instead of one per width; the
    arithmetic is identical. On a 2-core CPU at the paper's scale batching is slower (71 s against
    45 s: the stacked n×Σm masks cost more memory traffic than the larger products save), so
    :func:`du_figure1` trains the widths one after another by default.

    Records per width: the loss every step; every ``record_every`` steps the fraction of the n·m
    activation patterns that differ from step 0, and max_r ‖w_r(k) − w_r(0)‖.
    """
    Xt = as_tensor(X, "X", ndim=2)
    yt, eta, steps, _ = _run_args(Xt, y, eta, steps, record_every)
    widths = [check_count(int(m), "widths") for m in widths]
    dev = resolve_device(device)
    n, d = Xt.shape
    Xd, yd = Xt.to(dev, dtype), yt.to(dev, dtype)
    inits = [init_two_layer(m, d, seed=seed + j) for j, m in enumerate(widths)]
    rec_k = [k for k in range(steps + 1) if k % record_every == 0 or k == steps]
    loss = np.zeros((len(widths), steps + 1))
    pattern = np.zeros((len(widths), len(rec_k)))
    dist = np.zeros_like(pattern)
    start = time.perf_counter()
    groups = [list(range(len(widths)))] if batched else [[j] for j in range(len(widths))]
    for group in groups:
        W0 = torch.cat([torch.as_tensor(inits[j][0]) for j in group]).to(dev, dtype)
        a = torch.cat([torch.as_tensor(inits[j][1]) for j in group]).to(dev, dtype)
        sizes = [widths[j] for j in group]
        block = torch.repeat_interleave(torch.arange(len(group), device=dev), torch.tensor(sizes, device=dev))
        scale = torch.cat([torch.full((m,), 1 / math.sqrt(m)) for m in sizes]).to(dev, dtype)
        a_scaled = a * scale  # a_r / √m for the width that neuron r belongs to
        B = torch.zeros(W0.shape[0], len(group), device=dev, dtype=dtype)
        B[torch.arange(W0.shape[0], device=dev), block] = 1.0
        W = W0.clone()
        S0 = Xd @ W0.T >= 0
        r_idx = 0
        for k in _steps_iter(steps + 1, progress, f"GD, widths {sizes}"):
            pre = Xd @ W.T
            S = pre >= 0
            U = (torch.relu(pre) * a_scaled) @ B  # n × widths: predictions of each net
            R = U - yd[:, None]
            lk = 0.5 * (R**2).sum(0)
            loss[group, k] = lk.cpu().numpy()
            for g, j in enumerate(group):
                _check_diverged(float(lk[g]), loss[j, 0], k, eta, 1e6, lambda: "Try eta <= 1/λ_max(H∞).")
            if k == rec_k[r_idx]:
                changed = (S != S0).to(dtype).sum(0) @ B / (n * torch.tensor(sizes, device=dev, dtype=dtype))
                moved = torch.linalg.vector_norm(W - W0, dim=1)
                pattern[group, r_idx] = changed.cpu().numpy()
                dist[group, r_idx] = [float(moved[block == g].max()) for g in range(len(group))]
                r_idx += 1
            if k == steps:
                break
            G = (S.to(dtype) * (R @ B.T)).T @ Xd  # Σm × d: Σ_i (u_i − y_i) 1{w_r x_i ≥ 0} x_i
            W = W - eta * G * a_scaled[:, None]
    return {
        "widths": np.array(widths),
        "loss": loss,
        "steps": np.array(rec_k),
        "pattern_change": pattern,
        "max_distance": dist,
        "seconds": time.perf_counter() - start,
        "device": str(dev),
    }


def du_figure1(
    n: int = 1000,
    d: int = 1000,
    widths=(500, 1000, 2000, 4000, 8000),
    *,
    steps: int = 100,
    eta: float | None = None,
    seed: int = 0,
    record_every: int = 10,
    batched: bool = False,
    device: str | torch.device = "auto",
    progress: bool | None = None,
) -> dict[str, np.ndarray]:
    r"""Du et al.'s Figure 1: n points uniform on the unit sphere in R^d, labels y ~ N(0, 1), the
    first layer trained by GD with η = 1/λ_max(H∞) (default) for each width m.

    Returns the :func:`train_widths` record plus ``lambda0`` = λ_min(H∞), ``eta``, and the fitted
    log–log slopes against m of the final pattern-change fraction and max distance (theory: −1/2).
    """
    X, y = sphere(n, d, seed=seed), gaussian_labels(n, seed=seed + 1)
    H = gram_infinite(X)
    ev = np.linalg.eigvalsh(H)
    eta = 1.0 / ev[-1] if eta is None else eta
    out = train_widths(
        X, y, widths, eta=eta, steps=steps, seed=seed + 2, record_every=record_every, batched=batched,
        device=device, progress=progress,
    )
    out.update(
        lambda0=float(ev[0]),
        lambda_max=float(ev[-1]),
        eta=eta,
        pattern_slope=_slope(out["widths"], out["pattern_change"][:, -1]),
        distance_slope=_slope(out["widths"], out["max_distance"][:, -1]),
        n=n,
        d=d,
        X=X,
        y=y,
    )
    return out


def gram_deviation(X, widths, *, seeds: int = 10, seed: int = 0) -> dict[str, np.ndarray]:
    r"""Lemma 3.1's quantity ‖H(W(0)) − H∞‖₂ (spectral norm) at initialization, averaged over
    ``seeds`` draws of W ~ N(0, I) for each width; with the fitted log–log slope (theory −1/2)."""
    X = np.asarray(X, dtype=float)
    check_unit_rows(torch.as_tensor(X), "X")
    Hinf = gram_infinite(X)
    errs = np.array(
        [
            np.mean([np.linalg.norm(gram_empirical(init_two_layer(m, X.shape[1], seed=seed + s)[0], X) - Hinf, 2)
                     for s in range(seeds)])
            for m in widths
        ]
    )
    return {"widths": np.array(widths), "deviation": errs, "slope": _slope(widths, errs)}


def lambda0_vs_angle(X, angles) -> np.ndarray:
    r"""λ₀ = λ_min(H∞) when the last input is replaced by a unit vector at angle θ from the first
    (in the plane of x_1 and a fixed orthogonal direction). Thm 3.1: λ₀ > 0 iff no two inputs are
    parallel; as θ → 0 it tends to 0."""
    X = np.array(X, dtype=float)
    check_unit_rows(torch.as_tensor(X), "X")
    x1 = X[0]
    u = X[-1] - (X[-1] @ x1) * x1
    u /= np.linalg.norm(u)
    out = []
    for t in angles:
        X[-1] = np.cos(t) * x1 + np.sin(t) * u
        out.append(lambda_min(gram_infinite(X)))
    return np.array(out)


def du_width_bound(n: int, lam0: float, delta: float) -> float:
    """Theorem 4.1's width requirement m = n⁶/(λ₀⁴δ³), with the unspecified constant set to 1."""
    return float(n) ** 6 / (lam0**4 * delta**3)


def arora_digits(
    *,
    n: int = 200,
    m: int = 2000,
    steps: int = 300,
    classes=(0, 1),
    corruption=(0.0, 1.0),
    seed: int = 0,
    device: str | torch.device = "auto",
) -> dict:
    r"""Arora et al.'s fine-grained experiment on scikit-learn's digits (two classes, unit rows).

    For each fraction of labels replaced by random ±1 labels (``corruption``), GD with
    η = 1/λ_max(H∞) on an antisymmetrically initialized net (u(0) = 0) of width m. Records the
    measured ‖y − u(k)‖, the eigen-prediction √(Σ_i (1 − ηλ_i)^{2k}(v_iᵀy)²), yᵀ(H∞)⁻¹y, the
    measure √(2yᵀ(H∞)⁻¹y/n), and the test error of sign(u) on held-out digits (true labels).
    """
    from .train import train_two_layer

    Xtr, ytr, Xte, yte = digits(classes, n_train=n, seed=seed)
    H = gram_infinite(Xtr)
    lam, proj = eigen_projections(H, ytr)
    eta = 1.0 / lam[0]
    rng = np.random.default_rng(seed + 1)
    results = []
    for frac in corruption:
        y = ytr.copy()
        flip = rng.random(n) < frac
        y[flip] = rng.choice([-1.0, 1.0], size=int(flip.sum()))
        lam, proj = eigen_projections(H, y)
        k = np.arange(steps + 1)
        predicted = np.sqrt(((1 - eta * lam[None, :]) ** (2 * k[:, None]) * proj[None, :] ** 2).sum(1))
        W0, a = init_two_layer(m, Xtr.shape[1], seed=seed + 2, antisymmetric=True)
        run = train_two_layer(W0, a, Xtr, y, eta=eta, steps=steps, track_gram=False, record_every=steps,
                              device=device, dtype=torch.float64)
        u_test = torch.relu(torch.as_tensor(Xte) @ torch.as_tensor(run.W).T) @ torch.as_tensor(run.a) / math.sqrt(m)
        quad = float(y @ np.linalg.solve(H, y))
        results.append(
            {
                "corruption": frac,
                "residual": np.sqrt(2 * run.loss),
                "predicted": predicted,
                "yHy": quad,
                "measure": math.sqrt(2 * quad / n),
                "test_error": float(np.mean(np.sign(u_test.numpy()) != yte)),
                "train_error": float(np.mean(np.sign(run.u) != y)),
            }
        )
    return {"eta": eta, "n": n, "m": m, "steps": steps, "runs": results}


__all__ = [
    "arora_digits",
    "du_figure1",
    "du_width_bound",
    "gram_deviation",
    "lambda0_vs_angle",
    "train_widths",
]
