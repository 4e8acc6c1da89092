"""Lecture 7: residual against plain deep nets (Du, Lee, Li, Wang & Zhai 2019) and the layer-wise NTK's speed
against torch.func."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..._device import few_threads, in_float64, resolve_device
from ..._validate import (
    ArrayLike,
    as_tensor,
    check_count,
    check_positive,
    deep_args,
)
from ...data import separated_data
from ...kernels import ntk_empirical, tangent_kernel
from ...models import DeepReLUNet, init_deep, relu
from .common import BatchedRun, batched_logistic_sgd


@dataclass(frozen=True)
class RunSummary:
    """S batched SGD runs of one net at one step (S draws), as :func:`plain_vs_residual` reports them.

    Attributes:
        loss0, loss: S, the summed logistic loss at the start and at the end (NaN after a divergence).
        accuracy: S, the training accuracy at the end (NaN after a divergence).
        output_max: S, the largest |f(x_i)| at the end (NaN after a divergence).
        diverged_at: S, the step at which the run diverged, −1 for none.
        curve: S × (steps + 1), the loss curves (NaN where not evaluated).
    """

    loss0: np.ndarray
    loss: np.ndarray
    accuracy: np.ndarray
    output_max: np.ndarray
    diverged_at: np.ndarray
    curve: np.ndarray


@dataclass(frozen=True)
class DepthComparison:
    """The plain and the residual net at one depth, over S draws.

    Attributes:
        depth: the depth H.
        lam_max, cond, eta: keyed ``"plain"`` and ``"residual"``: S values of λ_max(K(0)), of λ_max/λ_min of
            K(0), and of the net's own step 1/λ_max(K(0)).
        runs: keyed ``"residual"``, ``"plain_same_step"`` (at the residual net's step), ``"plain_own_step"``.
    """

    depth: int
    lam_max: dict[str, np.ndarray]
    cond: dict[str, np.ndarray]
    eta: dict[str, np.ndarray]
    runs: dict[str, RunSummary]


@dataclass(frozen=True)
class PlainVsResidual:
    """The result of :func:`plain_vs_residual`.

    Attributes:
        m, n, c, steps, n_seeds: the arguments.
        results: one :class:`DepthComparison` per depth, in the order asked for.
    """

    m: int
    n: int
    c: float
    steps: int
    n_seeds: int
    results: tuple[DepthComparison, ...]


@dataclass(frozen=True)
class NTKTiming:
    """The result of :func:`ntk_timing`.

    Attributes:
        layerwise, torch_func: seconds, best of the repeats, of each method.
        ratio: ``torch_func / layerwise``.
        max_relative_difference: the largest entry of |K_layerwise − K_torch_func| over the largest |K|.
        parameters: p, the number of trained weights.
    """

    layerwise: float
    torch_func: float
    ratio: float
    max_relative_difference: float
    parameters: int


class ResidualReLUNet(nn.Module):
    r"""The residual ReLU net of Du, Lee et al.'s analysis in this course's parameterization:
    h_1 = σ(W_1ᵀx), h_l = h_{l−1} + (c/L)·σ(W_lᵀh_{l−1}) for l = 2..L, f(x) = vᵀh_L,
    with the weights of :func:`ovptools.init_deep` (W_1: d×m, W_l: m×m, N(0, 2/m)) and v fixed."""

    def __init__(self, Ws: Sequence[ArrayLike], v: ArrayLike, *, c: float = 1.0) -> None:
        super().__init__()
        Wt, vt, _ = deep_args(Ws, v)
        for i, W in enumerate(Wt[1:], start=1):
            if W.shape[0] != W.shape[1]:
                raise ValueError(f"Ws[{i}]: a residual block needs a square m×m matrix, got shape {tuple(W.shape)}")
        self.c = check_positive(c, "c")
        self.Ws = nn.ParameterList([nn.Parameter(W.clone()) for W in Wt])
        self.v: torch.Tensor
        self.register_buffer("v", vt.clone())

    def hidden(self, X: torch.Tensor) -> list[torch.Tensor]:
        """The hidden states h_1, …, h_L (rows: samples)."""
        first, *blocks = self.Ws  # (iterating, not slicing: a slice of a ParameterList escapes torch.func)
        hs = [relu(X @ first)]
        for W in blocks:
            hs.append(hs[-1] + self.c / len(self.Ws) * relu(hs[-1] @ W))
        return hs

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.hidden(X)[-1] @ self.v

    def layerwise_ntk(self, X: ArrayLike) -> torch.Tensor:
        r"""Tangent kernel K = J Jᵀ (n×n) over all W_l, layer by layer as :func:`ovptools.ntk_empirical` does
        (:func:`ovptools.tangent_kernel` calls it): K = Σ_l (G_l G_lᵀ)∘(h_{l−1}h_{l−1}ᵀ) with
        G_l = ∂f/∂(h_{l−1}W_l), where ∂f/∂h_{l−1} = ∂f/∂h_l + G_l W_lᵀ for the blocks and
        G_l = (c/L)·σ'(h_{l−1}W_l)∘∂f/∂h_l."""
        Ws = [W.detach() for W in self.Ws]
        Xt = as_tensor(X, "X", ndim=2, dtype=Ws[0].dtype, device=Ws[0].device)
        with torch.no_grad():
            hs = [Xt, *self.hidden(Xt)]
            back = self.v.expand(Xt.shape[0], -1)  # ∂f/∂h_L
            K = torch.zeros(Xt.shape[0], Xt.shape[0], dtype=Xt.dtype, device=Xt.device)
            for layer in range(len(Ws) - 1, -1, -1):
                Z = hs[layer] @ Ws[layer]
                scale = 1.0 if layer == 0 else self.c / len(Ws)
                G = scale * (Z >= 0) * back
                K += (G @ G.T) * (hs[layer] @ hs[layer].T)
                if layer:
                    back = back + G @ Ws[layer].T
        return K


def plain_vs_residual(
    depths=(20, 50),
    *,
    m: int = 128,
    n: int = 64,
    d: int = 16,
    phi: float = 0.1,
    steps: int = 300,
    batch_size: int = 16,
    c: float = 1.0,
    seed: int = 0,
    n_seeds: int = 1,
    loss_every: int = 1,
    device: str | torch.device = "auto",
) -> PlainVsResidual:
    r"""The plain deep net against the residual net (:class:`ResidualReLUNet`) at the same depth L,
    width m and initial weights, minibatch SGD on the logistic loss of separated data.

    At each depth and for each of ``n_seeds`` draws s (data, initial weights and minibatch order from
    ``seed + s``): the tangent kernels at initialization (layer-wise) give λ_max and the condition
    number λ_max/λ_min of each net; then both nets train with the residual net's step
    η_res = 1/λ_max(K_res(0)) ("same step"), and the plain net also with its own η = 1/λ_max(K_plain(0)).
    The draws train together as batched runs (:func:`.common.batched_logistic_sgd`); the full-batch loss
    is evaluated every ``loss_every`` steps, so a divergence is detected within that many steps.
    The eigenvalues are computed in float64 (on the CPU when the nets live on Apple's MPS, which has none).
    Returns a :class:`PlainVsResidual`.
    """
    depths = [check_count(L, "depths", minimum=2) for L in depths]
    m, n, d = check_count(m, "m"), check_count(n, "n"), check_count(d, "d")
    n_seeds, phi = check_count(n_seeds, "n_seeds"), check_positive(phi, "phi")
    dev = resolve_device(device, torch.float32)
    on = {"dtype": torch.float32, "device": dev}
    data = [separated_data(n, d, phi=phi, seed=seed + s) for s in range(n_seeds)]
    Xs = torch.as_tensor(np.stack([X for X, _ in data]), **on)
    ys = torch.as_tensor(np.stack([y for _, y in data]), **on)
    y_np = ys.cpu().numpy()
    results = []
    with few_threads(n_seeds * n * m * m):
        for L in depths:
            inits = [init_deep(d, m, L, seed=seed + s + L) for s in range(n_seeds)]
            Ws = [torch.as_tensor(np.stack([W[layer] for W, _ in inits]), **on) for layer in range(L)]
            v = torch.as_tensor(np.stack([v for _, v in inits]), **on)
            spectra: dict[str, list] = {"plain": [], "residual": []}
            for s in range(n_seeds):
                Wt = [W[s] for W in Ws]
                res_net = ResidualReLUNet(Wt, v[s], c=c)
                kernels = (("plain", torch.as_tensor(ntk_empirical(Wt, v[s], Xs[s]))),
                           ("residual", tangent_kernel(res_net, Xs[s])))
                for name, K in kernels:
                    spectra[name].append(in_float64(torch.linalg.eigvalsh, K).cpu().numpy())
            lam_max = {k: np.array([e[-1] for e in es]) for k, es in spectra.items()}
            cond = {k: np.array([e[-1] / e[0] for e in es]) for k, es in spectra.items()}
            eta = {k: 1.0 / lam for k, lam in lam_max.items()}
            order = [seed + s for s in range(n_seeds)]
            common = {"steps": steps, "batch_size": batch_size, "loss_every": loss_every}
            res = batched_logistic_sgd(Xs, ys, Ws, v, eta=eta["residual"], batch_seeds=order, residual_c=c, **common)
            two = lambda t: torch.cat([t, t])  # noqa: E731  (the plain net at two steps, batched together)
            plain = batched_logistic_sgd(two(Xs), two(ys), [two(W) for W in Ws], two(v),
                                         eta=np.concatenate([eta["residual"], eta["plain"]]), batch_seeds=order * 2,
                                         **common)
            runs = {"residual": _summary(res, y_np, slice(0, n_seeds)),
                    "plain_same_step": _summary(plain, y_np, slice(0, n_seeds)),
                    "plain_own_step": _summary(plain, y_np, slice(n_seeds, 2 * n_seeds))}
            results.append(DepthComparison(depth=L, lam_max=lam_max, cond=cond, eta=eta, runs=runs))
    return PlainVsResidual(m=m, n=n, c=c, steps=steps, n_seeds=n_seeds, results=tuple(results))


def _summary(run: BatchedRun, y: np.ndarray, rows: slice) -> RunSummary:
    """Per-draw results of the batched runs ``rows``; NaN for the final values of a diverged run."""
    diverged = run.diverged_at[rows]
    f = run.f[rows]
    ok = diverged < 0
    return RunSummary(loss0=run.loss[rows, 0], loss=run.loss[rows, -1],
                      accuracy=np.where(ok, np.mean(np.sign(f) == y, axis=1), np.nan),
                      output_max=np.where(ok, np.abs(f).max(axis=1), np.nan), diverged_at=diverged,
                      curve=run.loss[rows])


def ntk_timing(
    Ws: Sequence[ArrayLike], v: ArrayLike, X: ArrayLike, *, repeats: int = 3, device: str | torch.device = "auto"
) -> NTKTiming:
    r"""Seconds to compute the deep net's empirical NTK layer by layer (:func:`ovptools.ntk_empirical`)
    and by ``torch.func`` (J Jᵀ from :func:`ovptools.jacobian`, which forms the n×p Jacobian),
    best of ``repeats``, on ``device`` in the weights' dtype (on one CPU thread for lecture sizes, as the
    training runs); returns an :class:`NTKTiming`."""
    from ...autodiff import jacobian

    def generic() -> torch.Tensor:
        J = jacobian(net, Xt)
        return J @ J.T

    repeats = check_count(repeats, "repeats")
    Wt, vt, Xt = deep_args(Ws, v, X)
    dev = resolve_device(device, Wt[0].dtype)
    Wt, vt, Xt = [W.to(dev) for W in Wt], vt.to(dev), Xt.to(dev)
    net = DeepReLUNet(Wt, vt)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    times, kernels = {}, {}
    methods = (("layerwise", lambda: ntk_empirical(Wt, vt, Xt)), ("torch_func", generic))
    with few_threads(Xt.shape[0] * max(W.shape[1] for W in Wt) ** 2):
        for name, fn in methods:
            best = math.inf
            for _ in range(repeats):
                start = time.perf_counter()
                kernels[name] = fn()
                sync()
                best = min(best, time.perf_counter() - start)
            times[name] = best
    diff = float((kernels["layerwise"] - kernels["torch_func"]).abs().max() / kernels["torch_func"].abs().max())
    return NTKTiming(layerwise=times["layerwise"], torch_func=times["torch_func"],
                     ratio=times["torch_func"] / times["layerwise"], max_relative_difference=diff,
                     parameters=sum(W.numel() for W in Wt))
