r"""The networks of the course, as plain functions of weight arrays and as torch modules.

Two-layer net (Du et al.): :math:`f(W, a, x) = \frac{1}{\sqrt m}\sum_{r=1}^m a_r\,\sigma(w_r^\top x)`
with ``W`` of shape m×d (rows w_r), ``a`` ∈ {±1}^m, σ = ReLU.

Deep net (Zou et al.): :math:`f(x) = v^\top\sigma(W_L^\top\sigma(\cdots\sigma(W_1^\top x)))` with
``Ws[0]`` of shape d×m and ``Ws[l]`` of shape m×m (so a layer computes σ(W_lᵀ h), or
``relu(H @ W_l)`` on a batch ``H`` of rows), entries N(0, 2/m), ``v`` ∈ {±1}^m fixed.

Every ReLU here is :func:`relu`, whose derivative at 0 is 1 (the package's convention, see
:mod:`ovptools`); torch's own ``torch.relu`` has derivative 0 there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from ._validate import ArrayLike, as_tensor, check_count, check_positive, deep_args, like, rng, two_layer_args


def relu(z: torch.Tensor) -> torch.Tensor:
    """max(z, 0), with derivative 1{z ≥ 0} under autograd (σ'(0) = 1, as in Du et al.'s 1{wᵀx ≥ 0})."""
    return torch.where(z >= 0, z, torch.zeros((), dtype=z.dtype, device=z.device))


def init_two_layer(
    d: int, m: int, *, seed: int, scale: float = 1.0, antisymmetric: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    r"""Random initialization of the two-layer net: :math:`w_r \sim N(0, \kappa^2 I_d)`, a_r = ±1.

    ``scale`` is κ (Du et al. use κ = 1). With ``antisymmetric=True`` (m even) the neurons
    come in pairs with equal w_r and opposite a_r, so the initial output u(0) is exactly 0
    (Arora et al.'s trick, which makes the eigen-prediction of the loss exact at k = 0).
    Returns ``(W, a)``: shapes m×d and m.
    """
    d, m = check_count(d, "d"), check_count(m, "m")
    scale = check_positive(scale, "scale")
    g = rng(seed)
    if antisymmetric:
        if m % 2:
            raise ValueError(f"m: antisymmetric initialization needs an even width, got {m}")
        W = scale * g.standard_normal((m // 2, d))
        a = g.choice([-1.0, 1.0], size=m // 2)
        return np.concatenate([W, W]), np.concatenate([a, -a])
    return scale * g.standard_normal((m, d)), g.choice([-1.0, 1.0], size=m)


def two_layer_forward(W: ArrayLike, a: ArrayLike, X: ArrayLike) -> ArrayLike:
    r"""Predictions :math:`u_i = \frac{1}{\sqrt m}\sum_r a_r\,\mathrm{relu}(w_r^\top x_i)` for every row x_i.

    ``W``: m×d, ``a``: m, ``X``: n×d (numpy or torch; the result has W's type). Returns u ∈ R^n.
    """
    Wt, at, Xt = two_layer_args(W, a, X)
    u = relu(Xt @ Wt.T) @ at / math.sqrt(Wt.shape[0])
    return like(u, W)


def init_deep(d: int, m: int, depth: int, *, seed: int) -> tuple[list[np.ndarray], np.ndarray]:
    r"""He initialization of the deep ReLU net: W_1 ∈ R^{d×m}, W_2..W_L ∈ R^{m×m}, entries
    N(0, 2/m), and a fixed output layer v ∈ {±1}^m, half of each sign when m is even (Zou et al.).
    ``depth`` is L, the number of hidden layers.

    With ‖x‖ = 1 every hidden layer has ‖h_l‖ ≈ 1 and the output is O(1) at any width.
    """
    d, m, depth = check_count(d, "d"), check_count(m, "m"), check_count(depth, "depth")
    g = rng(seed)
    std = math.sqrt(2.0 / m)
    shapes = [(d, m)] + [(m, m)] * (depth - 1)
    Ws = [std * g.standard_normal(s) for s in shapes]
    v = g.permutation(np.where(np.arange(m) < m // 2, 1.0, -1.0)) if m > 1 else g.choice([-1.0, 1.0], size=m)
    return Ws, v


def deep_relu_forward(Ws: Sequence[ArrayLike], v: ArrayLike, X: ArrayLike) -> ArrayLike:
    r"""Outputs :math:`f(x_i) = v^\top\sigma(W_L^\top\cdots\sigma(W_1^\top x_i))` for every row of X (n×d).

    Returns an array of length n, of the type of ``Ws[0]``.
    """
    Wt, vt, Xt = deep_args(Ws, v, X)
    h = Xt
    for W in Wt:
        h = relu(h @ W)
    return like(h @ vt, Ws[0])


class TwoLayerNet(nn.Module):
    """The two-layer net as a torch module; ``W`` is trained, ``a`` too when ``train_a=True``."""

    def __init__(self, W: ArrayLike, a: ArrayLike, *, train_a: bool = False) -> None:
        super().__init__()
        Wt, at, _ = two_layer_args(W, a)
        self.W = nn.Parameter(Wt.clone())
        if train_a:
            self.a = nn.Parameter(at.clone())
        else:
            self.register_buffer("a", at.clone())

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return relu(X @ self.W.T) @ self.a / math.sqrt(self.W.shape[0])


class DeepReLUNet(nn.Module):
    """The deep ReLU net as a torch module: ``Ws`` trained, ``v`` fixed unless ``train_v=True``."""

    def __init__(self, Ws: Sequence[ArrayLike], v: ArrayLike, *, train_v: bool = False) -> None:
        super().__init__()
        Wt, vt, _ = deep_args(Ws, v)
        self.Ws = nn.ParameterList([nn.Parameter(W.clone()) for W in Wt])
        if train_v:
            self.v = nn.Parameter(vt.clone())
        else:
            self.register_buffer("v", vt.clone())

    def hidden(self, X: torch.Tensor) -> list[torch.Tensor]:
        """The pre-activations Z_l = h_{l−1} W_l of every layer (their signs are the activation patterns)."""
        h, Z = X, []
        for W in self.Ws:
            Z.append(h @ W)
            h = relu(Z[-1])
        return Z

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        h = X
        for W in self.Ws:
            h = relu(h @ W)
        return h @ self.v


class OneLayerNet(nn.Module):
    r"""h(W; x) = ⟨v, σ(Wx)⟩ with W ∈ R^{k×d} trained and v ∈ R^k fixed (Part I's one-layer nets).

    ``slope=None`` gives the linear net σ(z) = z; a number s gives the leaky ReLU σ(z) = z for
    z ≥ 0 and s·z for z < 0 (s = 0 is the ReLU).
    """

    v: torch.Tensor  # a buffer

    def __init__(self, W: ArrayLike, v: ArrayLike, *, slope: float | None = None) -> None:
        super().__init__()
        Wt = as_tensor(W, "W", ndim=2)
        vt = as_tensor(v, "v", ndim=1, dtype=Wt.dtype)
        if Wt.shape[0] == 0:
            raise ValueError(f"W: expected at least one row (k >= 1), got shape {tuple(Wt.shape)}")
        if vt.shape[0] != Wt.shape[0]:
            raise ValueError(f"v: expected length k = {Wt.shape[0]} (rows of W), got {vt.shape[0]}")
        if slope is not None and (isinstance(slope, bool) or not 0 <= float(slope) <= 1):
            raise ValueError(f"slope: expected a number in [0, 1] or None, got {slope!r}")
        self.W = nn.Parameter(Wt.clone())
        self.register_buffer("v", vt.clone())
        self.slope = slope

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        z = X @ self.W.T
        if self.slope is not None:
            z = torch.where(z >= 0, z, self.slope * z)
        return z @ self.v
