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
the deep ReLU net of :func:`ovptools.init_deep` (all W_l trained, v fixed).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from ._device import generator, resolve_device
from ._validate import ArrayLike, as_tensor, check_count, check_positive, check_unit_rows, like
from .models import relu

# ----------------------------------------------------------------------------------------------
# analytic kernels


def _kappa1(rho: torch.Tensor) -> torch.Tensor:
    """E[σ(u)σ(v)]·π for unit Gaussians of correlation ρ, times 2 (the arc-cosine kernel of degree 1, /π form)."""
    return (torch.sqrt((1 - rho**2).clamp_min(0)) + (math.pi - torch.arccos(rho)) * rho) / math.pi


def limit_kernels(X: ArrayLike, Z: ArrayLike | None = None, *, depth: int | None = None) -> tuple[ArrayLike, ArrayLike]:
    r"""The infinite-width kernels of the course's ReLU nets between the rows of ``Z`` and of ``X``
    (unit-norm rows; ``Z`` defaults to ``X``). Returns ``(nngp, ntk)``, each of shape (len(Z), len(X)).

    ``depth=None``: Du et al.'s two-layer net :math:`\frac1{\sqrt m}\sum_r a_r\sigma(w_r^\top x)`, W trained,
    a fixed. With ρ = zᵀx, the NNGP kernel (the covariance of f₀) is
    :math:`K(z, x) = (\sqrt{1-\rho^2} + (\pi - \arccos\rho)\rho)/(2\pi)` (:func:`ovptools.relu_nngp`) and the NTK is
    :math:`H^\infty(z, x) = \rho(\pi - \arccos\rho)/(2\pi)` (:func:`ovptools.gram_infinite`).

    ``depth=L``: the deep net of :func:`ovptools.init_deep` (N(0, 2/m) weights, v = ±1 fixed). The
    NNGP kernel is Σ⁽ᴸ⁾ and the NTK the Θ_L of :func:`ovptools.relu_ntk_infinite`; its tangent kernel
    is about (m/2)·Θ_L, so GD with step η̂·2/m follows the kernel Θ_L with step η̂.
    """
    Xt = as_tensor(X, "X", ndim=2, dtype=torch.float64)
    Zt = Xt if Z is None else as_tensor(Z, "Z", ndim=2, dtype=torch.float64, device=Xt.device)
    check_unit_rows(Xt, "X")
    check_unit_rows(Zt, "Z")
    if Zt.shape[1] != Xt.shape[1]:
        raise ValueError(f"Z: expected {Xt.shape[1]} columns to match X, got shape {tuple(Zt.shape)}")
    rho = (Zt @ Xt.T).clamp(-1.0, 1.0)
    if depth is None:
        nngp = _kappa1(rho) / 2
        ntk = rho * (math.pi - torch.arccos(rho)) / (2 * math.pi)
    else:
        depth = check_count(depth, "depth")
        sigma, ntk = rho, torch.zeros_like(rho)
        for _ in range(depth):
            r = sigma.clamp(-1.0, 1.0)
            ntk = (ntk + sigma) * (math.pi - torch.arccos(r)) / math.pi
            sigma = _kappa1(r)
        nngp = sigma
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
    ``(mean, var)``, each of shape (len(times), len(z)). ``discrete`` as in :func:`kernel_trajectory`.
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
# ensembles of networks, trained as one batched computation


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

    @property
    def width(self) -> int:
        return int(self.params[0].shape[-1] if self.kind == "deep" else self.params[0].shape[1])

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
    f0, vjp_fn = torch.func.vjp(f, *p0)

    def jvp(deltas):
        with warnings.catch_warnings():  # torch's forward mode loads its decompositions through torch.jit, which warns
            warnings.filterwarnings("ignore", message=".*torch.jit.script.*", category=DeprecationWarning)
            return torch.func.jvp(f, p0, tuple(deltas))[1]

    return f0.detach(), jvp, (lambda r: list(vjp_fn(r)))


@dataclass
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
        return u, [((S * r[:, :, None]) * a[:, None, :]).transpose(1, 2) @ Xt * scale]

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
    ens: Ensemble,
    X: ArrayLike,
    y: ArrayLike,
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
    outputs α·f on ``X`` and ``X_eval`` are stored (default 0 and ``steps``).
    """
    import time

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
        if not bool(torch.isfinite(losses[-1]).all()):
            raise FloatingPointError(f"eta: GD diverged at step {k} (loss not finite); use a smaller step")
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


def loop_train(modules: Sequence[torch.nn.Module], X: torch.Tensor, y: torch.Tensor, *, eta: float,
               steps: int) -> list[torch.nn.Module]:
    """The same GD as :func:`train_ensemble`, one ``nn.Module`` at a time (the baseline of the batched
    trainer): for each module, ``steps`` steps on ½‖f(X) − y‖² with autograd."""
    for net in modules:
        params = [p for p in net.parameters() if p.requires_grad]
        for _ in range(steps):
            loss = 0.5 * ((net(X) - y) ** 2).sum()
            grads = torch.autograd.grad(loss, params)
            with torch.no_grad():
                for p, g in zip(params, grads):
                    p -= eta * g
    return list(modules)


def circle(theta: ArrayLike) -> np.ndarray:
    """The points x = (cos θ, sin θ) of the unit circle, one row per angle (so ‖x‖ = 1)."""
    th = np.asarray(theta, dtype=float).reshape(-1)
    return np.stack([np.cos(th), np.sin(th)], axis=1)


__all__ = [
    "Ensemble", "EnsembleRun", "circle", "deep_ensemble", "gp_moments", "kernel_regression", "kernel_trajectory",
    "limit_kernels", "linearized", "loop_train", "stack_ensemble", "train_ensemble", "two_layer_ensemble",
]
