"""Helpers shared by Part III's experiments: batched SGD runs (the log–log slope and the thread limit live in
:mod:`ovptools.experiments.common` and are re-exported here for Part III's modules)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..._validate import rng
from ...data import sphere

__all__ = ["BatchedRun", "batched_logistic_sgd", "regression_task"]


@dataclass(frozen=True)
class BatchedRun:
    """S minibatch SGD runs of :func:`batched_logistic_sgd`.

    Attributes:
        loss: S × (steps + 1) full-batch summed logistic loss, NaN where not evaluated and after a divergence.
        diverged_at: S ints, the step at which run s was stopped, −1 for none.
        f: S × n outputs at the end (a diverged run's weights froze when it stopped).
        f0: S × n outputs at initialization.
        Ws: the final weights, one S × m_{l−1} × m_l tensor per layer.
    """

    loss: np.ndarray
    diverged_at: np.ndarray
    f: np.ndarray
    f0: np.ndarray
    Ws: list[torch.Tensor]


def batched_logistic_sgd(
    X: torch.Tensor,
    y: torch.Tensor,
    Ws: list[torch.Tensor],
    v: torch.Tensor,
    *,
    eta,
    steps: int,
    batch_size: int,
    batch_seeds,
    residual_c: float | None = None,
    loss_every: int = 1,
    blowup: float = 1e6,
) -> BatchedRun:
    r"""S independent runs of minibatch SGD on the summed logistic loss Σ_i log(1 + e^{−y_i f(x_i)}) of the
    deep ReLU net, batched: run s has weights ``Ws[l][s]`` (S × m_{l−1} × m_l), output layer ``v[s]`` (fixed),
    data ``X[s]`` (S × n × d), ``y[s]``, step ``eta[s]`` and minibatch order seeded by ``batch_seeds[s]``. Each
    run is the run of :func:`ovptools.train_model` on the same net and data (the same minibatches, the
    same unbiased gradient (n/B)·Σ_{i∈B}∇ℓ_i, σ'(0) = 1), computed for all runs at once with batched
    products. ``residual_c`` = c trains the residual net h_l = h_{l−1} + (c/L)σ(h_{l−1}W_l) (l ≥ 2) instead.

    The full-batch loss is evaluated every ``loss_every`` steps and at the last; a run whose loss becomes
    NaN/Inf or grows by more than ``blowup`` times its initial value stops there (its weights freeze).
    Returns a :class:`BatchedRun`.
    """
    from ..._device import generator
    from ...models import relu

    S, n = X.shape[0], X.shape[1]
    eta = torch.as_tensor(eta, dtype=X.dtype, device=X.device).reshape(S, 1, 1).clone()
    params = [W.detach().clone().requires_grad_(True) for W in Ws]
    L = len(params)

    def forward(Xb: torch.Tensor) -> torch.Tensor:
        h = relu(torch.bmm(Xb, params[0]))
        for W in params[1:]:
            z = relu(torch.bmm(h, W))
            h = z if residual_c is None else h + (residual_c / L) * z
        return torch.bmm(h, v[:, :, None])[:, :, 0]

    gens = [generator(s) for s in batch_seeds]
    perms, pos = [torch.randperm(n, generator=g) for g in gens], 0
    loss = np.full((S, steps + 1), np.nan)
    diverged = np.full(S, -1)
    alive = torch.ones(S, dtype=torch.bool, device=X.device)
    rows = torch.arange(S, device=X.device)[:, None]
    with torch.no_grad():
        f0 = forward(X)
    for k in range(steps + 1):
        if k % loss_every == 0 or k == steps:
            with torch.no_grad():
                value = torch.nn.functional.softplus(-y * forward(X)).sum(dim=1).cpu().numpy().astype(np.float64)
            first = loss[:, 0] if k else value
            bad = ~np.isfinite(value) | (value > first + blowup * np.maximum(np.abs(first), 1e-12))
            newly = bad & (diverged < 0)
            diverged[newly] = k
            if newly.any():
                alive = alive & torch.as_tensor(~newly, device=X.device)
            loss[:, k] = np.where(diverged >= 0, np.nan, value)
        if k == steps:
            break
        if pos + batch_size > n:
            perms, pos = [torch.randperm(n, generator=g) for g in gens], 0
        idx = torch.stack([p[pos : pos + batch_size] for p in perms]).to(X.device)
        pos += batch_size
        obj = torch.nn.functional.softplus(-y[rows, idx] * forward(X[rows, idx])).sum() * (n / batch_size)
        grads = torch.autograd.grad(obj, params)
        with torch.no_grad():
            step = eta * alive.reshape(S, 1, 1)
            for W, G in zip(params, grads):
                W -= step * torch.nan_to_num(G, nan=0.0, posinf=0.0, neginf=0.0)
    with torch.no_grad():
        f = forward(X)
    return BatchedRun(loss=loss, diverged_at=diverged, f=f.cpu().numpy(), f0=f0.cpu().numpy(),
                      Ws=[W.detach() for W in params])


def regression_task(n: int, d: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Lecture 8's regression task: n unit-sphere inputs in R^d and labels uniform in [−1, 1] (float64, CPU)."""
    return (torch.from_numpy(sphere(n, d, seed=seed)),
            torch.from_numpy(rng(seed + 7).uniform(-1.0, 1.0, size=n)))
