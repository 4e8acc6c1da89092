r"""Training loops: full-batch GD and minibatch SGD on any torch device, recording what the
lectures plot. Every diagnostic that compares with the start uses the *stored* initial weights.

Loss convention (Du et al.): :math:`L(W) = \frac12\sum_{i=1}^n (u_i - y_i)^2` — a sum, not a mean.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ._checks import ArrayLike, as_tensor, check_count, check_positive, check_same_rows
from ._device import generator, resolve_device
from .models import _deep_args, _two_layer_args


class DivergenceError(ArithmeticError):
    """Training blew up: the loss became NaN/Inf or grew far beyond its starting value."""


def _show_progress(progress: bool | None) -> bool:
    if progress is not None:
        return bool(progress)
    if os.environ.get("PYTEST_CURRENT_TEST") or os.environ.get("NBGRADER_EXECUTION"):
        return False
    return "ipykernel" in sys.modules


def _steps_iter(steps: int, progress: bool | None, desc: str):
    if _show_progress(progress):
        from tqdm.auto import trange

        return trange(steps, desc=desc, leave=False)
    return range(steps)


def _check_diverged(
    loss: float, loss0: float, k: int, eta: float, blowup: float, hint: Callable[[], str]
) -> None:
    """Raise :class:`DivergenceError` if ``loss`` is NaN/Inf or above ``blowup`` × ``loss0``."""
    if math.isfinite(loss) and loss <= blowup * max(loss0, 1e-12):
        return
    what = "became NaN/Inf" if not math.isfinite(loss) else f"grew from {loss0:.3g} to {loss:.3g}"
    raise DivergenceError(
        f"training diverged at iteration {k} with step size eta = {eta:g}: the loss {what}. {hint()}"
    )


def _run_args(Xt: torch.Tensor, y: ArrayLike, eta: float, steps: int, record_every: int):
    """Check the arguments every training loop shares; returns (y as a tensor, eta, steps, record_every)."""
    yt = as_tensor(y, "y", ndim=1, dtype=Xt.dtype, device=Xt.device)
    check_same_rows("X", Xt, "y", yt)
    return yt, check_positive(eta, "eta"), check_count(steps, "steps", minimum=0), check_count(
        record_every, "record_every"
    )


@dataclass
class TwoLayerRun:
    """What :func:`train_two_layer` recorded. Arrays are numpy; ``steps`` index iterations k."""

    loss: np.ndarray
    """L(W(k)) = ½‖u(k) − y‖² for k = 0..T (length T + 1)."""
    steps: np.ndarray
    """The iterations k at which the diagnostics below were measured (every ``record_every``, and T)."""
    lambda_min: np.ndarray
    """λ_min(H(W(k))) of the empirical Gram matrix (NaN where ``track_gram=False``)."""
    pattern_change: np.ndarray
    """Fraction of the n·m pairs (i, r) with 1{w_r(k)ᵀx_i ≥ 0} ≠ 1{w_r(0)ᵀx_i ≥ 0}."""
    max_distance: np.ndarray
    """max_r ‖w_r(k) − w_r(0)‖₂, measured from the stored initial weights."""
    W0: np.ndarray
    W: np.ndarray
    a0: np.ndarray
    a: np.ndarray
    u: np.ndarray
    """Final predictions u(T)."""
    eta: float
    device: str


def train_two_layer(
    W0: ArrayLike,
    a0: ArrayLike,
    X: ArrayLike,
    y: ArrayLike,
    *,
    eta: float,
    steps: int,
    record_every: int = 1,
    train_a: bool = False,
    track_gram: bool = True,
    device: str | torch.device = "auto",
    dtype: torch.dtype = torch.float32,
    blowup: float = 1e6,
    progress: bool | None = None,
) -> TwoLayerRun:
    r"""Full-batch GD on L(W) = ½Σ_i (u_i − y_i)² for the two-layer net (Du et al.):

    .. math:: w_r(k+1) = w_r(k) - \eta\,\frac{a_r}{\sqrt m}\sum_i (u_i - y_i)\,1\{w_r^\top x_i \ge 0\}\,x_i

    (and :math:`a_r \leftarrow a_r - \eta\frac{1}{\sqrt m}\sum_i (u_i-y_i)\sigma(w_r^\top x_i)` with
    ``train_a``). The gradient is written out (no autograd), with the paper's 1{· ≥ 0}.
    Every ``record_every`` steps it records λ_min(H(k)), the pattern-change fraction and the
    largest neuron movement, all against the stored W(0). Raises :class:`DivergenceError`
    naming the step and iteration if the loss becomes NaN/Inf or exceeds ``blowup`` × L(0).
    """
    Wt, at, Xt = _two_layer_args(W0, a0, X)
    yt, eta, steps, record_every = _run_args(Xt, y, eta, steps, record_every)
    dev = resolve_device(device)
    # Work with Wᵀ (d×m) so that both products per step are on contiguous operands.
    WT_init = Wt.to(dev, dtype).T.contiguous()
    WT, a = WT_init.clone(), at.to(dev, dtype).clone()
    a_init = a.clone()
    Xd, yd = Xt.to(dev, dtype), yt.to(dev, dtype)
    XdT = Xd.T.contiguous()
    m = WT.shape[1]
    root_m = math.sqrt(m)
    S0 = Xd @ WT_init >= 0
    from .kernels import gram_empirical, lambda_min

    losses: list[float] = []
    rec_k, rec_lam, rec_pat, rec_dist = [], [], [], []

    def record(k: int, pre: torch.Tensor) -> None:
        rec_k.append(k)
        rec_pat.append(float(((pre >= 0) != S0).float().mean()))
        rec_dist.append(float(torch.linalg.vector_norm(WT - WT_init, dim=0).max()))
        rec_lam.append(lambda_min(gram_empirical(WT.T, Xd)) if track_gram else float("nan"))

    def hint() -> str:
        lam_max = float(torch.linalg.eigvalsh(gram_empirical(WT_init.T, Xd).double())[-1])
        return (
            f"GD on this loss is stable only for eta < 2/λ_max(H(0)) = {2 / lam_max:.3g}; "
            f"try eta <= {1 / lam_max:.3g}."
        )

    for k in _steps_iter(steps + 1, progress, "GD (two-layer)"):
        pre = Xd @ WT  # n×m pre-activations w_rᵀx_i
        act = torch.relu(pre)
        r = act @ a / root_m - yd
        loss = 0.5 * float(r @ r)
        losses.append(loss)
        _check_diverged(loss, losses[0], k, eta, blowup, hint)
        if k % record_every == 0 or k == steps:
            record(k, pre)
        if k == steps:
            break
        # ∂L/∂w_r = (a_r/√m) Σ_i r_i 1{w_rᵀx_i ≥ 0} x_i, for all r at once (as a d×m matrix)
        grad_WT = (XdT @ torch.where(pre >= 0, r[:, None], 0.0)) * (a / root_m)
        if train_a:
            a = a - eta * (act.T @ r) / root_m
        WT = WT - eta * grad_WT
    W, W_init = WT.T, WT_init.T
    u = (torch.relu(Xd @ WT) @ a / root_m).cpu().numpy()
    return TwoLayerRun(
        loss=np.array(losses),
        steps=np.array(rec_k),
        lambda_min=np.array(rec_lam),
        pattern_change=np.array(rec_pat),
        max_distance=np.array(rec_dist),
        W0=W_init.cpu().numpy().copy(),
        W=W.cpu().numpy().copy(),
        a0=a_init.cpu().numpy(),
        a=a.cpu().numpy(),
        u=u,
        eta=eta,
        device=str(dev),
    )


def _deep_hint() -> str:
    return (
        "Try a step size 10x smaller: for the square loss GD is stable only below "
        "2/λ_max of the tangent kernel, which grows with width and depth."
    )


@dataclass
class DeepRun:
    """What :func:`train_deep` recorded (numpy arrays; ``steps`` index iterations k)."""

    steps: np.ndarray
    loss: np.ndarray
    """Full-batch training loss at each recorded step (sum over samples)."""
    relative_change: np.ndarray
    """Shape (records, L): ‖W_l(k) − W_l(0)‖_F / ‖W_l(0)‖_F for each layer l."""
    pattern_change: np.ndarray
    """Shape (records, L): fraction of (sample, unit) pairs of layer l whose ReLU switched."""
    Ws0: list[np.ndarray]
    Ws: list[np.ndarray]
    v: np.ndarray
    eta: float
    batch_size: int
    device: str


def _loss_fn(name: str):
    if name == "square":
        return lambda f, y: 0.5 * ((f - y) ** 2).sum()
    if name == "logistic":
        return lambda f, y: torch.nn.functional.softplus(-y * f).sum()
    raise ValueError(f"loss: expected 'square' or 'logistic', got {name!r}")


def train_deep(
    Ws0: Sequence[ArrayLike],
    v: ArrayLike,
    X: ArrayLike,
    y: ArrayLike,
    *,
    eta: float,
    steps: int,
    batch_size: int | None = None,
    loss: str = "square",
    record_every: int = 1,
    seed: int = 0,
    device: str | torch.device = "auto",
    dtype: torch.dtype = torch.float32,
    blowup: float = 1e6,
    progress: bool | None = None,
) -> DeepRun:
    r"""(S)GD on the deep ReLU net f(x) = vᵀσ(W_Lᵀ…σ(W_1ᵀx)), all W_l trained, v fixed.

    Loss: ``"square"`` ½Σ(f(x_i) − y_i)² or ``"logistic"`` Σ log(1 + exp(−y_i f(x_i))), y_i = ±1.
    With ``batch_size`` B < n each step uses a minibatch drawn without replacement (seeded by
    ``seed``) and the unbiased gradient (n/B)·Σ_{i∈B}∇ℓ_i; ``None`` means full-batch GD.
    Records, against the stored W_l(0), the per-layer relative weight change and the per-layer
    fraction of changed activation patterns. Raises :class:`DivergenceError` on blow-up.
    """
    Wt, vt, Xt = _deep_args(Ws0, v, X)
    yt, eta, steps, record_every = _run_args(Xt, y, eta, steps, record_every)
    n = Xt.shape[0]
    B = n if batch_size is None else check_count(batch_size, "batch_size")
    if B > n:
        raise ValueError(f"batch_size: expected at most n = {n}, got {B}")
    lossf = _loss_fn(loss)
    dev = resolve_device(device)
    Xd, yd, vd = Xt.to(dev, dtype), yt.to(dev, dtype), vt.to(dev, dtype)
    W_init = [W.to(dev, dtype).clone() for W in Wt]
    params = [W.clone().requires_grad_(True) for W in W_init]
    init_norms = [float(torch.linalg.norm(W)) for W in W_init]
    gen = generator(seed)

    def forward(Xb: torch.Tensor, weights) -> tuple[torch.Tensor, list[torch.Tensor]]:
        h, pats = Xb, []
        for W in weights:
            z = h @ W
            pats.append(z > 0)
            h = torch.relu(z)
        return h @ vd, pats

    with torch.no_grad():
        _, pats0 = forward(Xd, W_init)
    rec_k, rec_loss, rec_rel, rec_pat = [], [], [], []

    def record(k: int) -> float:
        with torch.no_grad():
            f, pats = forward(Xd, params)
            full = float(lossf(f, yd))
        rec_k.append(k)
        rec_loss.append(full)
        rec_rel.append(
            [float(torch.linalg.norm(p.detach() - p0)) / c for p, p0, c in zip(params, W_init, init_norms)]
        )
        rec_pat.append([float((p != p0).float().mean()) for p, p0 in zip(pats, pats0)])
        return full

    perm = torch.randperm(n, generator=gen)
    pos = 0
    for k in _steps_iter(steps + 1, progress, "SGD (deep)" if B < n else "GD (deep)"):
        if k % record_every == 0 or k == steps:
            full = record(k)
            _check_diverged(full, rec_loss[0], k, eta, blowup, _deep_hint)
        if k == steps:
            break
        if B < n:
            if pos + B > n:
                perm, pos = torch.randperm(n, generator=gen), 0
            idx = perm[pos : pos + B].to(dev)
            pos += B
            Xb, yb = Xd[idx], yd[idx]
        else:
            Xb, yb = Xd, yd
        f, _ = forward(Xb, params)
        obj = lossf(f, yb) * (n / B)
        grads = torch.autograd.grad(obj, params)
        if not all(bool(torch.isfinite(g).all()) for g in grads):
            _check_diverged(float("nan"), rec_loss[0], k, eta, blowup, _deep_hint)
        with torch.no_grad():
            for p, g in zip(params, grads):
                p -= eta * g
    return DeepRun(
        steps=np.array(rec_k),
        loss=np.array(rec_loss),
        relative_change=np.array(rec_rel),
        pattern_change=np.array(rec_pat),
        Ws0=[W.cpu().numpy() for W in W_init],
        Ws=[p.detach().cpu().numpy() for p in params],
        v=vd.cpu().numpy(),
        eta=eta,
        batch_size=B,
        device=str(dev),
    )


@dataclass
class ModelRun:
    """What :func:`train_gd` recorded: the loss at every step, and λ_min of the tangent kernel."""

    loss: np.ndarray
    steps: np.ndarray
    lambda_min: np.ndarray
    """λ_min(J Jᵀ) of the tangent kernel at each recorded step (NaN if not tracked)."""


def train_gd(
    model: torch.nn.Module,
    X: ArrayLike,
    y: ArrayLike,
    *,
    eta: float,
    steps: int,
    record_every: int = 1,
    track_kernel: bool = True,
    blowup: float = 1e6,
) -> ModelRun:
    r"""Full-batch GD on L = ½Σ_i (h(x_i) − y_i)² for any scalar-output torch model (in place).

    Every ``record_every`` steps records λ_min(K) of the tangent kernel K = J Jᵀ (n×n), the PL
    constant of the square loss at that point (½‖∇L‖² ≥ λ_min(K)·L when L* = 0).
    """
    from .kernels import lambda_min, tangent_kernel

    params = [p for p in model.parameters() if p.requires_grad]
    ref = params[0]
    Xt = as_tensor(X, "X", ndim=2, dtype=ref.dtype, device=ref.device)
    yt, eta, steps, record_every = _run_args(Xt, y, eta, steps, record_every)
    losses, rec_k, rec_lam = [], [], []
    for k in range(steps + 1):
        loss = 0.5 * ((model(Xt) - yt) ** 2).sum()
        losses.append(float(loss.detach()))
        _check_diverged(losses[-1], losses[0], k, eta, blowup, lambda: "Try a step size 10x smaller.")
        if k % record_every == 0 or k == steps:
            rec_k.append(k)
            rec_lam.append(lambda_min(tangent_kernel(model, Xt)) if track_kernel else float("nan"))
        if k == steps:
            break
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, g in zip(params, grads):
                p -= eta * g
    return ModelRun(loss=np.array(losses), steps=np.array(rec_k), lambda_min=np.array(rec_lam))
