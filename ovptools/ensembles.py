r"""Ensembles of the course's networks trained by GD as one batched computation (the weights of all the
networks stacked along a leading axis: one forward and one backward per step, no Python loop over
networks), and their first-order Taylor models :math:`f_{\rm lin}(w) = f(w_0) + J(w_0)(w - w_0)`.
The closed forms they are compared with are in :mod:`ovptools.function_space`.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from ._device import generator, resolve_device
from ._validate import ArrayLike, as_tensor, check_count, check_positive
from .models import relu
from .train import DivergenceError


@dataclass
class Ensemble:
    r"""``count`` independent networks of one architecture, stacked along a leading axis.

    ``params``: the trained tensors, each of shape (count, …); ``fixed``: the untrained ones;
    ``forward(params, fixed, X)`` returns the outputs of every network on the rows of X, shape
    (count, n). Build one with :func:`two_layer_ensemble` or :func:`deep_ensemble`.
    """

    kind: str
    params: list[torch.Tensor]
    fixed: list[torch.Tensor]
    forward: Callable = field(repr=False)

    @property
    def count(self) -> int:
        return int(self.params[0].shape[0])

    def __call__(self, X: torch.Tensor) -> torch.Tensor:
        return self.forward(self.params, self.fixed, X)

    def module(self, e: int) -> torch.nn.Module:
        """Network ``e`` as one of the course's torch modules (:class:`ovptools.TwoLayerNet` or
        :class:`ovptools.DeepReLUNet`), with copies of its current weights."""
        from .models import DeepReLUNet, TwoLayerNet

        if self.kind == "two_layer":
            return TwoLayerNet(self.params[0][e].detach().clone(), self.fixed[0][e].clone())
        return DeepReLUNet([W[e].detach().clone() for W in self.params], self.fixed[0][e].clone())


def _two_layer_forward(params, fixed, X):
    (W,), (a,) = params, fixed
    return (relu(X @ W.transpose(1, 2)) @ a[:, :, None]).squeeze(-1) / math.sqrt(W.shape[1])


def _deep_forward(params, fixed, X):
    (v,) = fixed
    h = X
    for W in params:
        h = relu(h @ W)
    return (h @ v[:, :, None]).squeeze(-1)


def _setup(dtype, device):
    dtype = torch.float32 if dtype is None else dtype
    return dtype, resolve_device(device, dtype)


def two_layer_ensemble(
    d: int, m: int, count: int, *, seed: int, antisymmetric: bool = False,
    dtype: torch.dtype | None = None, device: str | torch.device = "cpu",
) -> Ensemble:
    r"""``count`` independent two-layer nets of Du et al. (w_r ~ N(0, I_d), a_r = ±1, as
    :func:`ovptools.init_two_layer`), W trained. ``antisymmetric=True`` (m even) pairs the neurons
    (w, a) and (w, −a), so every f₀ is exactly 0. dtype float32 unless given."""
    d, m, count = check_count(d, "d"), check_count(m, "m"), check_count(count, "count")
    if antisymmetric and m % 2:
        raise ValueError(f"m: antisymmetric initialization needs an even width, got {m}")
    dtype, dev = _setup(dtype, device)
    g = generator(seed)
    half = m // 2 if antisymmetric else m
    W = torch.randn(count, half, d, generator=g, dtype=torch.float64)
    a = torch.randint(0, 2, (count, half), generator=g).to(torch.float64) * 2 - 1
    if antisymmetric:
        W, a = torch.cat([W, W], 1), torch.cat([a, -a], 1)
    return Ensemble("two_layer", [W.to(dtype=dtype, device=dev)], [a.to(dtype=dtype, device=dev)], _two_layer_forward)


def deep_ensemble(
    d: int, m: int, depth: int, count: int, *, seed: int,
    dtype: torch.dtype | None = None, device: str | torch.device = "cpu",
) -> Ensemble:
    r"""``count`` independent deep ReLU nets of :func:`ovptools.init_deep`: W_1 ∈ R^{d×m}, W_l ∈ R^{m×m},
    entries N(0, 2/m), all trained; v ∈ {±1}^m fixed with half of each sign (m even). dtype float32 unless given."""
    d, m = check_count(d, "d"), check_count(m, "m")
    depth, count = check_count(depth, "depth"), check_count(count, "count")
    dtype, dev = _setup(dtype, device)
    g = generator(seed)
    std = math.sqrt(2.0 / m)
    shapes = [(d, m)] + [(m, m)] * (depth - 1)
    Ws = [(std * torch.randn(count, *s, generator=g, dtype=torch.float64)).to(dtype=dtype, device=dev)
          for s in shapes]
    signs = torch.where(torch.arange(m) < m // 2, 1.0, -1.0).to(torch.float64)
    v = torch.stack([signs[torch.randperm(m, generator=g)] for _ in range(count)])
    return Ensemble("deep", Ws, [v.to(dtype=dtype, device=dev)], _deep_forward)


def stack_ensemble(nets: Sequence[tuple], kind: str = "two_layer", *, dtype: torch.dtype | None = None,
                   device: str | torch.device = "cpu") -> Ensemble:
    r"""An :class:`Ensemble` from given initializations: ``(W, a)`` pairs of :func:`ovptools.init_two_layer`
    (``kind="two_layer"``) or ``(Ws, v)`` pairs of :func:`ovptools.init_deep` (``kind="deep"``)."""
    dtype, dev = _setup(dtype, device)

    def t(x):
        return torch.as_tensor(np.asarray(x), dtype=dtype, device=dev)

    if kind == "two_layer":
        return Ensemble(kind, [torch.stack([t(W) for W, _ in nets])], [torch.stack([t(a) for _, a in nets])],
                        _two_layer_forward)
    if kind == "deep":
        depth = len(nets[0][0])
        return Ensemble(kind, [torch.stack([t(Ws[k]) for Ws, _ in nets]) for k in range(depth)],
                        [torch.stack([t(v) for _, v in nets])], _deep_forward)
    raise ValueError(f"kind: expected 'two_layer' or 'deep', got {kind!r}")


def linearized(ens: Ensemble, X: torch.Tensor) -> tuple[torch.Tensor, Callable, Callable]:
    r"""The first-order Taylor model of every network of ``ens`` at its current weights w₀, on the rows of X:

    .. math:: f_{\rm lin}(w; X) = f(w_0; X) + J(w_0)(w - w_0).

    Returns ``(f0, jvp, vjp)``: f(w₀; X) of shape (count, n); ``jvp(deltas)`` = J(w₀)·(w − w₀) for a
    list of weight changes shaped like ``ens.params``; ``vjp(r)`` = J(w₀)ᵀr, the gradient of ⟨f, r⟩
    at w₀ (a list shaped like ``ens.params``), both by ``torch.func`` (forward and reverse mode); the
    networks stay independent because network e's output depends on its own weights only.
    """
    def f(*params):
        return ens.forward(list(params), ens.fixed, X)

    p0 = tuple(p.detach() for p in ens.params)
    pullback = torch.func.vjp(f, *p0)  # (f(w₀), vjp function): no auxiliary output without has_aux
    f0, vjp_fn = pullback[0], pullback[1]

    def jvp(deltas):
        with warnings.catch_warnings():  # torch's forward mode loads its decompositions through torch.jit, which warns
            warnings.filterwarnings("ignore", message=".*torch.jit.script.*", category=DeprecationWarning)
            return torch.func.jvp(f, p0, tuple(deltas))[1]

    return f0.detach(), jvp, (lambda r: list(vjp_fn(r)))


@dataclass(frozen=True)
class EnsembleRun:
    """What :func:`train_ensemble` returns. ``steps``: the recorded step numbers; ``f_train``,
    ``f_eval``: outputs on the training and evaluation inputs at those steps, shape (R, count, n);
    ``loss``: ½‖αf − y‖²/α² of every network at every step, shape (steps + 1, count); ``params0``,
    ``params``: the initial and final weights; ``seconds``: the wall-clock time of the training loop."""

    steps: np.ndarray
    f_train: np.ndarray
    f_eval: np.ndarray
    loss: np.ndarray
    params0: list[torch.Tensor]
    params: list[torch.Tensor]
    seconds: float


def _two_layer_rules(ens, Xt, Zt, linear):
    r"""The two-layer net's outputs and gradient written out (3× faster than autograd at lecture sizes).
    Linear model: the patterns S₀ = 1{w_r(0)ᵀx ≥ 0} stay frozen, and since the net is positively
    homogeneous, f(W₀) = J(W₀)W₀, so f_lin(W) = f(W₀) + J(W₀)(W − W₀) = J(W₀)W."""
    (a,) = ens.fixed
    scale = 1 / math.sqrt(ens.params[0].shape[1])
    W0 = ens.params[0].detach()
    frozen = {id(Xt): (Xt @ W0.transpose(1, 2) >= 0), id(Zt): (Zt @ W0.transpose(1, 2) >= 0)} if linear else {}

    def parts(W, X):
        Z = X @ W.transpose(1, 2)  # (E, n, m)
        S = (frozen[id(X)] if linear else Z >= 0).to(W.dtype)
        return ((Z * S) @ a[:, :, None]).squeeze(-1) * scale, S

    def outputs_and_grads(params, residual):
        u, S = parts(params[0], Xt)
        r = residual(u)
        # ∂/∂w_r = (a_r/√m) Σ_i r_i 1{w_rᵀx_i ≥ 0} x_i: one batched product (E, m, n) @ (E, n, d)
        return u, [(S.transpose(1, 2) @ (r[:, :, None] * Xt)) * (a[:, :, None] * scale)]

    def outputs(params, X):
        return parts(params[0], X)[0]

    return outputs_and_grads, outputs


def _generic_rules(ens, Xt, Zt, linear, params0):
    """Any ensemble: autograd for the network; for its Taylor model, the Jacobian–vector and
    vector–Jacobian products at w₀ of :func:`linearized`."""
    if linear:
        maps = {id(Xt): linearized(ens, Xt), id(Zt): linearized(ens, Zt)}

        def outputs(params, X):
            f0, jvp, _ = maps[id(X)]
            return f0 + jvp([p - q for p, q in zip(params, params0)])

        def outputs_and_grads(params, residual):
            with torch.no_grad():
                u = outputs(params, Xt)
                return u, maps[id(Xt)][2](residual(u))
    else:
        def outputs(params, X):
            with torch.no_grad():
                return ens.forward(params, ens.fixed, X)

        def outputs_and_grads(params, residual):
            for p in params:
                p.requires_grad_(True)
            u = ens.forward(params, ens.fixed, Xt)
            grads = torch.autograd.grad(u, params, grad_outputs=residual(u.detach()))
            return u.detach(), grads

    return outputs_and_grads, outputs


def train_ensemble(
    X: ArrayLike,
    y: ArrayLike,
    ens: Ensemble,
    *,
    eta: float,
    steps: int,
    record: Sequence[int] | None = None,
    X_eval: ArrayLike | None = None,
    alpha: float = 1.0,
    linear: bool = False,
) -> EnsembleRun:
    r"""Full-batch GD on every network of ``ens`` at once: one batched forward and backward per step,
    no Python loop over networks. Each network e minimizes its own
    :math:`\frac1{2\alpha^2}\sum_i (\alpha f_e(x_i) - y_i)^2` (α = 1: the course's square loss; α ≠ 1:
    Chizat, Oyallon & Bach's output scale, whose function-space kernel at initialization does not
    depend on α) with step ``eta``; the weights of ``ens`` are updated in place.

    ``linear=True`` trains the first-order Taylor models :math:`f_{\rm lin}` of :func:`linearized`
    instead (the initial weights are ``ens``'s at the call). ``record``: the steps at which the
    outputs α·f on ``X`` and ``X_eval`` are stored (default 0 and ``steps``). A non-finite loss raises
    :class:`ovptools.train.DivergenceError`. The loop is its own, not :mod:`ovptools.train`'s, because
    it is vectorized over the networks (one batched product per step for the whole ensemble).
    """
    if not isinstance(ens, Ensemble):
        raise ValueError(f"ens: expected an Ensemble (two_layer_ensemble, deep_ensemble), got {type(ens).__name__}")
    p0 = ens.params[0]
    dtype, dev = p0.dtype, p0.device
    Xt = as_tensor(X, "X", ndim=2, dtype=dtype, device=dev)
    yt = as_tensor(y, "y", ndim=1, dtype=dtype, device=dev)
    if yt.shape[0] != Xt.shape[0]:
        raise ValueError(f"y: expected length n = {Xt.shape[0]} (rows of X), got {yt.shape[0]}")
    Zt = Xt[:0] if X_eval is None else as_tensor(X_eval, "X_eval", ndim=2, dtype=dtype, device=dev)
    eta = check_positive(eta, "eta")
    alpha = check_positive(alpha, "alpha")
    steps = check_count(steps, "steps", minimum=0)
    record = sorted({0, steps} if record is None else {int(k) for k in record})
    if record and (record[0] < 0 or record[-1] > steps):
        raise ValueError(f"record: expected steps between 0 and {steps}, got {record}")
    params0 = [p.detach().clone() for p in ens.params]
    outputs_and_grads, outputs = _two_layer_rules(ens, Xt, Zt, linear) if ens.kind == "two_layer" else \
        _generic_rules(ens, Xt, Zt, linear, params0)
    f_train, f_eval, losses = [], [], []
    params = [p.detach().clone() for p in ens.params]
    start = time.perf_counter()
    for k in range(steps + 1):
        u, grads = outputs_and_grads(params, lambda u: (alpha * u - yt) / alpha)
        losses.append((0.5 * ((alpha * u - yt) ** 2).sum(1) / alpha**2).cpu())
        bad = (~torch.isfinite(losses[-1])).nonzero()
        if len(bad):
            raise DivergenceError(f"eta: GD with eta = {eta:g} diverged at step {k} (network {int(bad[0, 0])}'s loss "
                                  "is not finite); use a smaller step", iteration=k, eta=eta, run=int(bad[0, 0]))
        if k in record:
            with torch.no_grad():
                f_train.append((alpha * u).cpu())
                f_eval.append((alpha * outputs(params, Zt)).cpu())
        if k == steps:
            break
        with torch.no_grad():
            params = [(p - eta * g).detach() for p, g in zip(params, grads)]
    seconds = time.perf_counter() - start
    ens.params = [p.detach() for p in params]
    return EnsembleRun(np.array(record), torch.stack(f_train).double().numpy(), torch.stack(f_eval).double().numpy(),
                       torch.stack(losses).double().numpy(), params0, ens.params, seconds)


__all__ = [
    "Ensemble", "EnsembleRun", "deep_ensemble", "linearized", "stack_ensemble", "train_ensemble",
    "two_layer_ensemble",
]
