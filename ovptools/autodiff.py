r"""Derivatives of models and losses: Jacobians, tangent kernels, Hessian-vector products and the
extreme eigenvalues of a Hessian (which Part IV's saddle points need).

Orientation used throughout the course: ``J`` is n×p (one row per sample, one column per parameter),
so the tangent kernel is :math:`K = J J^\top` (n×n).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from ._device import generator, in_float64
from ._validate import ArrayLike, as_tensor, check_count, check_seed, like


def _trainable(model: nn.Module) -> dict[str, torch.Tensor]:
    if not isinstance(model, nn.Module):
        raise ValueError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    params = {k: p.detach() for k, p in model.named_parameters() if p.requires_grad}
    if not params:
        raise ValueError("model: has no trainable parameters (none with requires_grad=True)")
    return params


def jacobian(model: nn.Module, X: ArrayLike, *, at: torch.Tensor | None = None) -> torch.Tensor:
    r"""The Jacobian of a model's outputs with respect to all its trainable parameters (flattened and
    concatenated in ``named_parameters`` order), via ``torch.func``: the package's one Jacobian.

    A model with k outputs per sample (shape (n,), (n, 1) or (n, k)) gives J ∈ R^{(n·k)×p}, row i·k + j
    being output j of sample i. ``at``: a flat vector of the p parameters at which to evaluate J
    (default: the model's own values; the model is not changed).
    """
    from torch.func import functional_call, jacrev, vmap

    params = _trainable(model)
    ref = next(iter(params.values()))
    if at is not None:
        flat = as_tensor(at, "at", ndim=1, dtype=ref.dtype, device=ref.device)
        p = sum(t.numel() for t in params.values())
        if flat.numel() != p:
            raise ValueError(f"at: expected the model's {p} trainable parameters, got {flat.numel()}")
        sizes = [t.numel() for t in params.values()]
        params = {k: c.reshape(t.shape) for (k, t), c in zip(params.items(), torch.split(flat, sizes))}
    Xt = as_tensor(X, "X", ndim=2, dtype=ref.dtype, device=ref.device)
    buffers = dict(model.named_buffers())

    def f(p: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
        return functional_call(model, (p, buffers), (x[None],)).reshape(-1)

    jac = vmap(jacrev(f), (None, 0))(params, Xt)
    k = next(iter(jac.values())).shape[1]
    return torch.cat([j.reshape(Xt.shape[0] * k, -1) for j in jac.values()], dim=1)


def hvp(loss: Callable[[torch.Tensor], torch.Tensor], w: ArrayLike, vec: ArrayLike) -> ArrayLike:
    r"""Hessian-vector product :math:`\nabla^2 L(w)\,v` of a scalar function ``loss`` of a flat
    parameter vector, by differentiating ⟨∇L(w), v⟩ once more (never forms the p×p Hessian).
    The result has the type of ``w``."""
    wt = as_tensor(w, "w", ndim=1)
    vt = as_tensor(vec, "vec", ndim=1, dtype=wt.dtype, device=wt.device)
    if vt.shape != wt.shape:
        raise ValueError(f"vec: expected shape {tuple(wt.shape)} to match w, got {tuple(vt.shape)}")
    return like(hessian_operator(loss, wt)(vt), w)


def hessian_operator(loss: Callable, w: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    """The Hessian of ``loss`` at ``w`` as an operator v ↦ ∇²L(w) v (torch tensors), sharing one gradient graph
    between the products: what a Lanczos or LOBPCG iteration calls repeatedly. A loss that is constant
    or linear in w has the zero Hessian, and the operator returns zeros."""
    f = _scalar(loss)
    w = w.detach().requires_grad_(True)
    value = f(w)
    if not value.requires_grad:  # constant in w: no graph at all
        return torch.zeros_like
    (g,) = torch.autograd.grad(value, w, create_graph=True, allow_unused=True)
    if g is None or not g.requires_grad:  # unused, or linear: the gradient does not depend on w
        return torch.zeros_like

    def times(v: torch.Tensor) -> torch.Tensor:
        (hv,) = torch.autograd.grad(g, w, grad_outputs=v, retain_graph=True, allow_unused=True)
        return torch.zeros_like(v) if hv is None else hv.detach()

    return times


def _scalar(loss: Callable[[torch.Tensor], torch.Tensor]) -> Callable[[torch.Tensor], torch.Tensor]:
    if not callable(loss):
        raise ValueError(f"loss: expected a function of a parameter vector, got {type(loss).__name__}")

    def f(w: torch.Tensor) -> torch.Tensor:
        out = loss(w)
        if not isinstance(out, torch.Tensor) or out.numel() != 1:
            raise ValueError("loss: expected it to return a scalar torch tensor")
        return out.reshape(())

    return f


def hessian_extremes(
    loss: Callable[[torch.Tensor], torch.Tensor], w: ArrayLike, *, steps: int = 100, seed: int = 0
) -> tuple[float, float]:
    r"""The largest and the smallest eigenvalue of :math:`\nabla^2 L(w)`, by the Lanczos method on
    Hessian-vector products (full re-orthogonalization; exact once ``steps`` ≥ p).

    A negative smallest eigenvalue at a critical point marks a strict saddle. Returns
    ``(lambda_max, lambda_min)``.
    """
    wt = as_tensor(w, "w", ndim=1).detach()
    steps = min(check_count(steps, "steps"), wt.numel())
    ritz, _ = lanczos(hessian_operator(loss, wt), wt.numel(), steps=steps, seed=check_seed(seed), dtype=wt.dtype,
                      device=wt.device)
    return float(ritz[-1]), float(ritz[0])


def lanczos(times: Callable[[torch.Tensor], torch.Tensor], p: int, *, steps: int, seed: int = 0,
            dtype: torch.dtype = torch.float64, device: str | torch.device = "cpu",
            tol: float = 1e-12) -> tuple[torch.Tensor, int]:
    """Ritz values of a symmetric p×p operator ``times`` (v ↦ Av) by the Lanczos method with full
    re-orthogonalization, from a seeded random start; exact once ``steps`` ≥ p. Stops early when
    the Krylov space is exhausted (the next residual below ``tol`` times the largest |αⱼ|, at least 1).
    Returns (the Ritz values in ascending order, the number of products taken)."""
    g = generator(seed)
    q = in_float64(lambda: torch.randn(p, generator=g, dtype=torch.float64), dtype=dtype, device=device)
    Q, alphas, betas = [q / torch.linalg.vector_norm(q)], [], []
    for j in range(min(steps, p)):
        z = times(Q[j])
        alphas.append(float(Q[j] @ z))
        basis = torch.stack(Q)
        z = z - basis.T @ (basis @ z)  # full re-orthogonalization against every earlier vector, twice
        z = z - basis.T @ (basis @ z)
        b = float(torch.linalg.vector_norm(z))
        if j == min(steps, p) - 1 or b < tol * max(1.0, max(abs(a) for a in alphas)):
            break
        betas.append(b)
        Q.append(z / b)
    return in_float64(lambda: _tridiagonal_eigenvalues(alphas, betas)), len(alphas)


def _tridiagonal_eigenvalues(alphas: list[float], betas: list[float]) -> torch.Tensor:
    """The eigenvalues, ascending, of the symmetric tridiagonal matrix with diagonal ``alphas`` and
    off-diagonal ``betas``, in float64 on the CPU."""
    T = torch.diag(torch.tensor(alphas, dtype=torch.float64))
    if betas:
        off = torch.tensor(betas, dtype=torch.float64)
        T += torch.diag(off, 1) + torch.diag(off, -1)
    return torch.linalg.eigvalsh(T)


__all__ = ["jacobian", "hvp", "hessian_operator", "hessian_extremes", "lanczos"]
