r"""Gram matrices and neural tangent kernels (all n×n, for inputs given as rows of X).

Names: the kernel first, then the regime, so that the two versions of one kernel sit side by side:
``gram_empirical``/``gram_infinite`` (Du et al.'s H(W) and H∞ of the two-layer net),
``ntk_empirical``/``ntk_infinite`` (the deep ReLU net's tangent kernel and its limit Θ), ``nngp_infinite``.
:func:`tangent_kernel` is the one entry point for any torch model: it takes the exact layer-wise path
where one exists and J Jᵀ of :func:`ovptools.jacobian` otherwise.

Jacobian orientation used throughout the course: ``J`` is n×p (one row per sample, one
column per parameter), so the tangent kernel is :math:`K = J J^\top` (n×n).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

from ._device import in_float64
from ._validate import ArrayLike, as_tensor, check_count, check_same_rows, check_unit_rows, deep_args, like


def _rows(W: ArrayLike) -> int:
    """Number of rows of W (the width m), without converting it."""
    return int(np.shape(W)[0]) if np.ndim(W) else 0


def gram_empirical(W: ArrayLike, X: ArrayLike) -> ArrayLike:
    r"""Empirical Gram matrix of the two-layer net (Du et al., eq. 4):

    .. math:: H(W)_{ij} = \frac{x_i^\top x_j}{m}\sum_{r=1}^m 1\{w_r^\top x_i \ge 0,\ w_r^\top x_j \ge 0\}.

    ``W``: m×d (rows w_r), ``X``: n×d. Returns n×n, of W's type (the first argument's: numpy or
    torch), computed in W's dtype and on its device when W is a floating tensor, else in X's. Note
    the ``≥``: a neuron with w_rᵀx_i = 0 counts as active. It is the tangent kernel of u with respect to W.

    Computed as (X Xᵀ) ∘ (S Sᵀ)/m with S_ir = 1{w_rᵀx_i ≥ 0}. On the CPU both products are
    symmetric, so they go through BLAS's rank-k update (``syrk``, half the work of a general
    product); small problems and GPUs use torch's matmul.

    >>> gram_empirical(np.array([[1.0, 0.0], [0.0, -1.0]]), np.array([[1.0, 0.0], [0.0, 1.0]]))
    array([[0.5, 0. ],
           [0. , 0. ]])
    """
    # computed in W's dtype and on its device when W is a floating tensor, else in X's
    on = {"dtype": W.dtype, "device": W.device} if isinstance(W, torch.Tensor) and W.is_floating_point() else {}
    Xt = as_tensor(X, "X", ndim=2, **on)
    # Large CPU problems go through numpy's BLAS for its symmetric rank-k update (torch has none).
    # Small ones stay in torch: mixing the two libraries' thread pools in a loop (as training does)
    # makes each spin against the other, several times slower than either alone.
    # Tensors that carry autograd stay in torch, whatever the size, so the result keeps its graph.
    grad = Xt.requires_grad or bool(getattr(W, "requires_grad", False))
    cpu = Xt.device.type == "cpu" and not grad and Xt.shape[0] ** 2 * _rows(W) >= 2**28
    # On the CPU, W's NaN/Inf check rides on the product below (saves a pass over m·d numbers).
    Wt = as_tensor(W, "W", ndim=2, dtype=Xt.dtype, device=Xt.device, finite=not cpu)
    if Wt.shape[1] != Xt.shape[1]:
        raise ValueError(
            f"W: expected {Xt.shape[1]} columns to match X's d (X has shape {tuple(Xt.shape)}), "
            f"got shape {tuple(Wt.shape)}"
        )
    m = Wt.shape[0]
    if cpu:
        Xn, Wn = Xt.numpy(), Wt.numpy()
        with np.errstate(invalid="ignore", over="ignore"):
            S = Xn @ Wn.T
        if Xn.shape[0] and not np.isfinite(S[0]).all():
            # a NaN/Inf in w_r makes w_rᵀx_1 NaN or ±Inf (x_1 is finite): name the argument
            as_tensor(Wt, "W")
        np.greater_equal(S, 0, out=S, casting="unsafe")  # S_ir = 1{w_rᵀx_i ≥ 0}, in place
        H = Xn @ Xn.T  # numpy calls syrk for A @ A.T
        H *= S @ S.T
        H /= m
        return like(torch.from_numpy(H), W)
    S = (Xt @ Wt.T >= 0).to(Xt.dtype)
    return like((Xt @ Xt.T) * (S @ S.T) / m, W)


def _cosines(X: torch.Tensor) -> torch.Tensor:
    return (X @ X.T).clamp(-1.0, 1.0)


def arccos_kernels(rho: torch.Tensor, depth: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    r"""The ReLU nets' infinite-width kernels from a matrix of cosines ρ (entries in [−1, 1]; any shape, so
    cross-kernels between two sets of unit rows too). Returns ``(nngp, ntk)``:

    - ``depth=None``, the two-layer net: K₁ = (√(1−ρ²) + (π − arccos ρ)ρ)/(2π) (:func:`nngp_infinite`) and
      H∞ = ρ(π − arccos ρ)/(2π) (:func:`gram_infinite`);
    - ``depth=L``, the deep net: Σ⁽ᴸ⁾ and Θ_L of the recursion in :func:`ntk_infinite`.
    """
    if depth is None:
        angle = torch.arccos(rho)
        nngp = (torch.sqrt(1 - rho**2) + (math.pi - angle) * rho) / (2 * math.pi)
        return nngp, rho * (math.pi - angle) / (2 * math.pi)
    sigma = rho
    theta = torch.zeros_like(sigma)
    for _ in range(depth):
        r = sigma.clamp(-1.0, 1.0)
        angle = torch.arccos(r)
        theta = (theta + sigma) * ((math.pi - angle) / math.pi)
        sigma = (torch.sqrt(1 - r**2) + (math.pi - angle) * r) / math.pi
    return sigma, theta


def gram_infinite(X: ArrayLike) -> ArrayLike:
    r"""Infinite-width Gram matrix of the two-layer net (Du et al., eq. 3), unit-norm rows:

    .. math:: H^\infty_{ij} = \mathbb{E}_{w\sim N(0,I)}\big[x_i^\top x_j\,1\{w^\top x_i\ge 0, w^\top x_j \ge 0\}\big]
              = \frac{x_i^\top x_j\,(\pi - \arccos(x_i^\top x_j))}{2\pi}.

    Inner products are clipped to [−1, 1] before ``arccos`` (rounding can push them past 1).
    Raises ``ValueError`` if a row of X is not unit-norm. The diagonal is 1/2 up to rounding only:
    arccos is steep at 1, so a rounding error ε in x_iᵀx_i moves H_ii by about √(2ε)/(2π), up to
    about 1e-8 in float64 and 1e-4 in float32 (measured on unit rows).
    """
    Xt = as_tensor(X, "X", ndim=2)
    check_unit_rows(Xt, "X")
    return like(arccos_kernels(_cosines(Xt))[1], X)


def nngp_infinite(X: ArrayLike) -> ArrayLike:
    r"""ReLU NNGP kernel (arc-cosine kernel of degree 1, Cho & Saul), unit-norm rows:

    .. math:: K_1(x_i, x_j) = \mathbb{E}_{w\sim N(0,I)}[\sigma(w^\top x_i)\sigma(w^\top x_j)]
              = \frac{\sqrt{1-\rho^2} + (\pi - \arccos\rho)\,\rho}{2\pi},\quad \rho = x_i^\top x_j.

    With the output layer trained too, the two-layer NTK is H∞ + K₁.
    """
    Xt = as_tensor(X, "X", ndim=2)
    check_unit_rows(Xt, "X")
    return like(arccos_kernels(_cosines(Xt))[0], X)


def ntk_infinite(X: ArrayLike, depth: int) -> ArrayLike:
    r"""Infinite-width NTK of the deep ReLU net of :func:`ovptools.init_deep` (all W_l trained,
    v fixed), by the arc-cosine recursion (Jacot et al.; Arora et al. 2019), unit-norm rows.

    With Σ⁽⁰⁾ = X Xᵀ and, for h = 1..L, ρ = Σ⁽ʰ⁻¹⁾ (the diagonal stays 1):

    .. math:: \Sigma^{(h)} = \frac{\sqrt{1-\rho^2} + (\pi-\arccos\rho)\rho}{\pi},\quad
              \dot\Sigma^{(h)} = \frac{\pi - \arccos\rho}{\pi},\quad
              \Theta = \sum_{h=1}^{L}\Sigma^{(h-1)}\prod_{h'=h}^{L}\dot\Sigma^{(h')}.

    The empirical NTK of a width-m net at initialization, times 2/m, converges to Θ as m → ∞
    (the weights are N(0, 2/m) = √(2/m)·N(0, 1)). For depth 1, Θ = 2 H∞.
    """
    Xt = as_tensor(X, "X", ndim=2)
    check_unit_rows(Xt, "X")
    depth = check_count(depth, "depth")
    return like(arccos_kernels(_cosines(Xt), depth)[1], X)


def _symmetric(H: ArrayLike, name: str = "H") -> torch.Tensor:
    Ht = as_tensor(H, name, ndim=2)
    if Ht.shape[0] != Ht.shape[1]:
        raise ValueError(f"{name}: expected a square matrix, got shape {tuple(Ht.shape)}")
    if Ht.shape[0] == 0:
        raise ValueError(f"{name}: expected a non-empty matrix (a 0×0 matrix has no eigenvalues)")
    scale = float(Ht.abs().max())
    tol = (1e-5 if Ht.dtype == torch.float32 else 1e-10) * max(scale, 1.0)
    if float((Ht - Ht.T).abs().max()) > tol:
        raise ValueError(f"{name}: expected a symmetric matrix (max |H - Hᵀ| > {tol:.1e})")
    return Ht


def lambda_min(H: ArrayLike) -> float:
    r""":math:`\lambda_{\min}(H)`, the smallest eigenvalue of a symmetric matrix (``eigvalsh``, in float64).

    For H = H∞ this is Du et al.'s λ₀; for a tangent kernel K it gives the PL constant.
    """
    Ht = _symmetric(H).detach()
    return in_float64(lambda H64: float(torch.linalg.eigvalsh(H64)[0]), Ht)


def eigen_projections(H: ArrayLike, y: ArrayLike) -> tuple[ArrayLike, ArrayLike]:
    r"""Eigen-decomposition of a symmetric H in the basis that governs GD on the square loss.

    Returns ``(lam, proj)``: the eigenvalues λ_1 ≥ … ≥ λ_n and the projections v_iᵀy of y on
    the matching unit eigenvectors, so that for linearized GD
    :math:`\|y - u(k)\| = \sqrt{\sum_i (1-\eta\lambda_i)^{2k}(v_i^\top y)^2}` when u(0) = 0.
    Computed in float64 (on the CPU for MPS tensors), returned in H's dtype and on its device.
    """
    Ht = _symmetric(H)
    yt = as_tensor(y, "y", ndim=1, dtype=Ht.dtype, device=Ht.device)
    check_same_rows("H", Ht, "y", yt)

    def decompose(H64: torch.Tensor, y64: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        lam, V = torch.linalg.eigh(H64)
        return lam.flip(0), V.flip(1).T @ y64

    lam, proj = in_float64(decompose, Ht, yt, dtype=Ht.dtype, device=Ht.device)
    return like(lam, H), like(proj, H)


def ntk_empirical(
    Ws: Sequence[ArrayLike], v: ArrayLike, X: ArrayLike, *, train_v: bool = False
) -> ArrayLike:
    r"""Empirical NTK K = J Jᵀ (n×n) of the deep ReLU net, over all weight matrices, computed
    layer by layer without forming J:

    .. math:: K = \sum_{l=1}^{L} (G_l G_l^\top)\circ(A_{l-1}A_{l-1}^\top) \;[+ A_L A_L^\top \text{ if v is trained}],

    with A_0 = X, A_l = σ(A_{l−1}W_l) the activations, and G_l = ∂f/∂Z_l the back-propagated
    gradients at the pre-activations Z_l = A_{l−1}W_l (per sample, so ∂f_i/∂W_l = a_{l−1,i} g_{l,i}ᵀ).
    σ'(0) is taken as 1 (the package's convention), so K equals J Jᵀ of :class:`ovptools.DeepReLUNet`
    under autograd. Cost O(n²·Σ_l m_l + n·Σ_l m_{l−1}m_l).
    """
    Wt, vt, Xt = deep_args(Ws, v, X)
    return like(_deep_ntk(Wt, vt, Xt, train_v), Ws[0])


def _deep_ntk(Wt: list[torch.Tensor], vt: torch.Tensor, Xt: torch.Tensor, train_v: bool) -> torch.Tensor:
    """:func:`ntk_empirical` on checked tensors (a torch tensor)."""
    acts, masks = [Xt], []
    for W in Wt:
        Z = acts[-1] @ W
        masks.append(Z >= 0)
        acts.append(torch.where(masks[-1], Z, 0.0))
    K = acts[-1] @ acts[-1].T if train_v else torch.zeros(
        Xt.shape[0], Xt.shape[0], dtype=Xt.dtype, device=Xt.device
    )
    G = masks[-1] * vt
    for layer in range(len(Wt) - 1, -1, -1):
        A = acts[layer]
        K += (G @ G.T) * (A @ A.T)
        if layer:
            G = (G @ Wt[layer].T) * masks[layer - 1]
    return K


def tangent_kernel(model: torch.nn.Module, X: ArrayLike) -> torch.Tensor:
    r"""The tangent kernel K = J Jᵀ of a torch model over all its trainable parameters (n×n, or
    (n·k)×(n·k) for k outputs per sample, ordered as :func:`jacobian`'s rows): the one entry point.

    It takes the fastest exact path: the layer-wise formulas for :class:`ovptools.TwoLayerNet`
    (:math:`(XX^\top)\circ(S\,\mathrm{diag}(a^2)S^\top)/m`, i.e. :func:`ovptools.gram_empirical` when
    a_r = ±1, plus σσᵀ/m when ``a`` is trained) and :class:`ovptools.DeepReLUNet`
    (:func:`ovptools.ntk_empirical`); a model's own ``layerwise_ntk(X)`` method when it has one (the
    residual net of Lecture 7, Lecture 8's flat-parameter net); otherwise J Jᵀ with J from
    :func:`jacobian`. Every path gives J Jᵀ up to round-off, σ'(0) = 1 included.
    """
    from .autodiff import jacobian
    from .models import DeepReLUNet, TwoLayerNet, relu

    if not isinstance(model, torch.nn.Module) or not any(p.requires_grad for p in model.parameters()):
        jacobian(model, X)  # raises the message that names ``model``
    if isinstance(model, TwoLayerNet) and model.W.requires_grad:
        W, a = model.W.detach(), model.a.detach()
        Xt = as_tensor(X, "X", ndim=2, dtype=W.dtype, device=W.device)
        if bool((a.abs() == 1).all()):
            K = torch.as_tensor(gram_empirical(W, Xt))  # (a tensor already: W is one)
        else:
            S = (Xt @ W.T >= 0).to(W.dtype)
            K = (Xt @ Xt.T) * ((S * a**2) @ S.T) / W.shape[0]
        if model.a.requires_grad:
            H = relu(Xt @ W.T)
            K = K + H @ H.T / W.shape[0]
        return K
    if isinstance(model, DeepReLUNet) and all(W.requires_grad for W in model.Ws):
        ref = model.Ws[0]
        Xt = as_tensor(X, "X", ndim=2, dtype=ref.dtype, device=ref.device)
        if Xt.shape[1] != ref.shape[0]:
            raise ValueError(f"X: expected {ref.shape[0]} columns (rows of Ws[0]), got shape {tuple(Xt.shape)}")
        with torch.no_grad():  # the net's weights were checked when it was built
            return _deep_ntk(list(model.Ws), model.v, Xt, bool(model.v.requires_grad))
    layerwise = getattr(model, "layerwise_ntk", None)
    if callable(layerwise):
        return torch.as_tensor(layerwise(X))
    J = jacobian(model, X)
    return J @ J.T


__all__ = [
    "tangent_kernel",
    "gram_empirical",
    "gram_infinite",
    "nngp_infinite",
    "ntk_infinite",
    "lambda_min",
    "eigen_projections",
    "ntk_empirical",
]
