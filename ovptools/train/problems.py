r"""Every training problem of the course, in the form :func:`.engine.descend` runs (loss, step, eta, hint, state):
:class:`TwoLayerProblem` (Du et al.'s net, its gradient written out), :class:`ModuleProblem` (any torch module
by autograd, GD or minibatch SGD), :class:`FlatSquareLossProblem` (GD with momentum on a net whose parameters
are one flat vector θ, Lecture 8), :class:`LogisticSGDRuns` (S one-sample SGD runs at once in numpy, Lecture 2);
Part I's problems on numpy vectors are built by :func:`.vectors.gd` and :func:`.vectors.sgd`. torch is imported
by the torch problems' methods only, so the numpy ones load without it.

Loss convention (Du et al.): a sum over samples, not a mean. ``"square"``:
:math:`\frac12\sum_i (f(x_i) - y_i)^2`; ``"logistic"``: :math:`\sum_i \log(1 + e^{-y_i f(x_i)})`, y_i = ±1.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .._validate import (
    as_tensor,
    check_choice,
    check_count,
    check_dtype,
    check_positive,
    check_same_rows,
    two_layer_args,
)

if TYPE_CHECKING:
    import torch

LOSSES = ("square", "logistic")


def sum_loss(kind: str, f: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    import torch

    if kind == "square":
        return 0.5 * ((f - y) ** 2).sum()
    return torch.nn.functional.softplus(-y * f).sum()


def targets(y, X: torch.Tensor, kind: str = "square") -> torch.Tensor:
    """The labels as a checked tensor of X's dtype and device: n of them, ±1 for the logistic loss."""
    yt = as_tensor(y, "y", ndim=1, dtype=X.dtype, device=X.device)
    check_same_rows("X", X, "y", yt)
    if kind == "logistic" and not bool((yt.abs() == 1).all()):
        bad = yt[yt.abs() != 1].unique()[:5].tolist()
        raise ValueError(f"y: the logistic loss expects labels ±1, got values such as {bad}; "
                         "labels 0/1 map to ±1 by y = 2*y - 1")
    return yt


class TwoLayerProblem:
    r"""Full-batch GD on L(W) = ½‖u − y‖² for u = (1/√m) σ(X Wᵀ) a, with the paper's gradient

    .. math:: w_r \leftarrow w_r - \eta\,\frac{a_r}{\sqrt m}\sum_i (u_i - y_i)\,1\{w_r^\top x_i \ge 0\}\,x_i

    (and a_r ← a_r − η(1/√m)Σ_i (u_i − y_i)σ(w_rᵀx_i) with ``train_a``). Works on Wᵀ (d×m) so both
    products per step have contiguous operands; the forward pass of iterate k is shared by the loss,
    the recorders and the step.
    """

    def __init__(self, X, y, W0, a0, *, eta: float, train_a: bool = False, device: str | torch.device = "auto",
                 dtype: torch.dtype | None = None) -> None:
        from .._device import resolve_device

        Wt, at, Xt = two_layer_args(W0, a0, X)
        dtype = Wt.dtype if check_dtype(dtype) is None else dtype
        dev = resolve_device(device, dtype)
        self.device = str(dev)
        self._eta = check_positive(eta, "eta")
        self.train_a = bool(train_a)
        self.X = Xt.to(dev, dtype)
        self.y = targets(y, Xt).to(dev, dtype)
        self.XT = self.X.T.contiguous()
        self.WT0 = Wt.to(dev, dtype).T.contiguous()
        self.WT = self.WT0.clone()
        self.a0 = at.to(dev, dtype)
        self.a = self.a0.clone()
        self.root_m = math.sqrt(self.WT.shape[1])
        self.S0 = self.X @ self.WT0 >= 0
        self._cache: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None

    def forward(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(pre-activations X W(k)ᵀ, activations, residual u(k) − y) of the current iterate, computed once.
        (torch's ``relu`` gives the right values here; no autograd runs through this problem.)"""
        if self._cache is None:
            pre = self.X @ self.WT
            act = pre.relu()
            self._cache = pre, act, act @ self.a / self.root_m - self.y
        return self._cache

    def loss(self) -> float:
        r = self.forward()[2]
        return 0.5 * float(r @ r)

    def step(self, k: int) -> None:
        pre, act, r = self.forward()
        # ∂L/∂w_r = (a_r/√m) Σ_i r_i 1{w_rᵀx_i ≥ 0} x_i, for all r at once (as a d×m matrix);
        # a mask product, as torch.where with a scalar costs several times more here
        grad_WT = (self.XT @ ((pre >= 0).to(pre.dtype) * r[:, None])) * (self.a / self.root_m)
        if self.train_a:
            self.a = self.a - self._eta * (act.T @ r) / self.root_m
        self.WT = self.WT - self._eta * grad_WT
        self._cache = None

    def eta(self, k: int) -> float:
        return self._eta

    def hint(self) -> str:
        import torch

        from .._device import in_float64
        from ..kernels import gram_empirical

        H0 = torch.as_tensor(gram_empirical(self.WT0.T, self.X))
        lam_max = in_float64(lambda H: float(torch.linalg.eigvalsh(H)[-1]), H0)
        return (f"GD on this loss is stable only for eta < 2/λ_max(H(0)) = {2 / lam_max:.3g}; "
                f"try eta <= {1 / lam_max:.3g}.")

    def state(self) -> dict:
        r = self.forward()[2]
        return {"W0": self.WT0.T.cpu().numpy().copy(), "W": self.WT.T.cpu().numpy().copy(),
                "a0": self.a0.cpu().numpy(), "a": self.a.cpu().numpy(), "u": (r + self.y).cpu().numpy()}


class ModuleProblem:
    """(S)GD by autograd on every trainable parameter of a scalar-output torch module.

    With ``batch_size`` B < n each step uses B samples drawn without replacement (reshuffled after
    each pass, seeded by ``seed``) and the unbiased gradient (n/B)·Σ_{i∈B}∇ℓ_i of the summed loss;
    ``None`` is full-batch GD. ``loss()`` is always the full-batch objective.
    """

    def __init__(self, model, X, y, *, eta, loss="square", batch_size=None, seed=0) -> None:
        import torch

        from .._device import generator

        if not isinstance(model, torch.nn.Module):
            raise ValueError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
        self.model = model
        self.params = [p for p in model.parameters() if p.requires_grad]
        if not self.params:
            raise ValueError("model: has no trainable parameters (none with requires_grad=True)")
        ref = self.params[0]
        self.device = str(ref.device)
        self._eta = check_positive(eta, "eta")
        self.kind = check_choice(loss, "loss", LOSSES)
        self.X = as_tensor(X, "X", ndim=2, dtype=ref.dtype, device=ref.device)
        self.y = targets(y, self.X, self.kind)
        n = self.X.shape[0]
        self.B = n if batch_size is None else check_count(batch_size, "batch_size")
        if self.B > n:
            raise ValueError(f"batch_size: expected at most n = {n}, got {self.B}")
        self._gen = generator(seed)
        self._perm, self._pos = torch.randperm(n, generator=self._gen), 0
        self._graph: torch.Tensor | None = None

    def outputs(self, X: torch.Tensor) -> torch.Tensor:
        out = self.model(X)
        if out.ndim == 2 and out.shape[1] == 1:
            out = out[:, 0]  # an nn.Linear(k, 1) head: one prediction per row
        if out.shape != (X.shape[0],):
            raise ValueError(f"model: expected one output per sample, shape ({X.shape[0]},) or "
                             f"({X.shape[0]}, 1), got {tuple(out.shape)}")
        return out

    def loss(self) -> float:
        import torch

        if self.B == self.X.shape[0]:  # full batch: keep the graph for the step
            self._graph = sum_loss(self.kind, self.outputs(self.X), self.y)
            return float(self._graph.detach())
        with torch.no_grad():
            return float(sum_loss(self.kind, self.outputs(self.X), self.y))

    def step(self, k: int) -> None:
        import torch

        n = self.X.shape[0]
        if self.B < n:
            if self._pos + self.B > n:
                self._perm, self._pos = torch.randperm(n, generator=self._gen), 0
            idx = self._perm[self._pos : self._pos + self.B].to(self.X.device)
            self._pos += self.B
            obj = sum_loss(self.kind, self.outputs(self.X[idx]), self.y[idx]) * (n / self.B)
        else:
            obj = self._graph if self._graph is not None else sum_loss(self.kind, self.outputs(self.X), self.y)
        grads = torch.autograd.grad(obj, self.params)
        self._graph = None
        with torch.no_grad():
            for p, g in zip(self.params, grads):
                p -= self._eta * g

    def eta(self, k: int) -> float:
        return self._eta

    def hint(self) -> str:
        return ("Try a step size 10x smaller: for the square loss GD is stable only below "
                "2/λ_max of the tangent kernel, which grows with width and depth.")

    def state(self) -> dict:
        return {}


class FlatSquareLossProblem:
    """Full-batch GD θ ← θ − η∇L(θ) on L(θ) = ½‖F(θ) − Y‖² for a net whose parameters are one flat vector
    ``net.theta`` and whose outputs at any θ are ``net.forward_at(theta, X)`` (any number of outputs), with
    optional heavy-ball momentum (v ← βv + ∇L, θ ← θ − ηv)."""

    def __init__(self, net: Any, X, Y, *, eta: float, momentum: float = 0.0) -> None:
        import torch

        ref = net.theta
        self.net, self.device = net, str(ref.device)
        self.X = as_tensor(X, "X", ndim=2, dtype=ref.dtype, device=ref.device)
        self.Y = as_tensor(Y, "y", ndim=(1, 2), dtype=ref.dtype, device=ref.device)
        check_same_rows("X", self.X, "y", self.Y)
        if self.X.shape[1] != net.shapes[0][1]:
            raise ValueError(f"X: expected {net.shapes[0][1]} columns (the net's d), got {self.X.shape[1]}")
        self._eta = check_positive(eta, "eta")
        self.theta0 = ref.detach().clone()
        if isinstance(momentum, bool) or not 0 <= float(momentum) < 1:
            raise ValueError(f"momentum: expected a number in [0, 1), got {momentum!r}")
        self.momentum, self._velocity = float(momentum), torch.zeros_like(self.theta0)

    def residual(self, theta: torch.Tensor | None = None) -> torch.Tensor:
        theta = self.net.theta if theta is None else theta
        return (self.net.forward_at(theta, self.X) - self.Y).reshape(-1)

    def objective(self, theta: torch.Tensor) -> torch.Tensor:
        r = self.residual(theta)
        return 0.5 * (r @ r)

    def gradient(self) -> torch.Tensor:
        import torch

        theta = self.net.theta.detach().requires_grad_(True)
        (g,) = torch.autograd.grad(self.objective(theta), theta)
        return g

    def loss(self) -> float:
        import torch

        with torch.no_grad():
            return float(self.objective(self.net.theta))

    def step(self, k: int) -> None:
        import torch

        g = self.gradient()
        with torch.no_grad():
            self._velocity = self.momentum * self._velocity + g
            self.net.theta -= self._eta * self._velocity

    def eta(self, k: int) -> float:
        return self._eta

    def hint(self) -> str:
        return "Try a step size below 2/λ_max of the loss's Hessian (about 2/λ_max of the tangent kernel)."

    def state(self) -> dict:
        return {"theta0": self.theta0.cpu().numpy(), "theta": self.net.theta.detach().cpu().numpy()}


class LogisticSGDRuns:
    """One-sample SGD on ℓ2-regularized logistic regression for S independent runs at once (numpy), run s on
    its own data ``X[s]``, ``y[s]`` (S×n×d, S×n), with the strongly convex schedule η_k = 2/(λ(k + k₀));
    ``idx[s, k]`` is run s's sample at step k (drawn by the caller). Its loss is the vector of the S losses."""

    device = "cpu"

    def __init__(self, X: np.ndarray, y: np.ndarray, lam: float, k0: float, idx: np.ndarray) -> None:
        self.X, self.y, self.lam, self.k0, self.idx = X, y, lam, k0, idx
        self.rows = np.arange(idx.shape[0])
        self.W = np.zeros((idx.shape[0], X.shape[2]))

    def loss(self) -> np.ndarray:
        margins = self.y * np.einsum("snd,sd->sn", self.X, self.W)
        softplus = np.maximum(-margins, 0) + np.log1p(np.exp(-np.abs(margins)))  # log(1 + e^{−margin}), stably
        return np.mean(softplus, axis=1) + 0.5 * self.lam * np.sum(self.W**2, axis=1)

    def eta(self, k: int) -> float:
        return 2 / (self.lam * (k + self.k0))

    def step(self, k: int) -> None:
        i = self.idx[:, k]
        xi, yi = self.X[self.rows, i], self.y[self.rows, i]
        with np.errstate(over="ignore"):  # exp → inf gives the right limit s = 0
            s = -yi / (1 + np.exp(yi * np.sum(xi * self.W, axis=1)))
        self.W -= self.eta(k) * (s[:, None] * xi + self.lam * self.W)

    def hint(self) -> str:
        return "The schedule 2/(λ(k + k₀)) with k₀ = 2β/λ is stable; check λ and the data."

    def state(self) -> dict:
        return {"W": self.W.copy()}
