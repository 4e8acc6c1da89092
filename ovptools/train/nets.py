r"""Training the course's networks: each function builds a problem (:mod:`.problems`), picks the
recorders for the diagnostics the lectures plot, and runs the one loop (:func:`.engine.descend`).
Every diagnostic that compares with the start uses the *stored* initial weights.

dtype: training keeps the input's dtype (numpy float64 stays float64) unless ``dtype=`` says
otherwise; float64 never runs on Apple's MPS (``device="auto"`` falls back to the CPU for it).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from .._device import resolve_device
from .._validate import ArrayLike, check_dtype
from ..models import DeepReLUNet
from .engine import Run, descend
from .problems import ModuleProblem, TwoLayerProblem


def train_two_layer(
    X: ArrayLike,
    y: ArrayLike,
    W0: ArrayLike,
    a0: ArrayLike,
    *,
    eta: float,
    steps: int,
    record_every: int = 1,
    train_a: bool = False,
    track_gram: bool = True,
    device: str | torch.device = "auto",
    dtype: torch.dtype | None = None,
    blowup: float = 1e6,
    progress: bool | None = None,
) -> Run:
    r"""Full-batch GD on L(W) = ½Σ_i (u_i − y_i)² for the two-layer net (Du et al.), W trained
    (and ``a`` with ``train_a``), gradient written out with the paper's 1{wᵀx ≥ 0}.

    Returns a :class:`Run`: ``loss`` (k = 0..T) and, every ``record_every`` steps,
    ``lambda_min`` = λ_min(H(W(k))) (with ``track_gram``), ``pattern_change`` = the fraction of the
    n·m pairs (i, r) with 1{w_r(k)ᵀx_i ≥ 0} ≠ 1{w_r(0)ᵀx_i ≥ 0}, and ``max_distance`` =
    max_r ‖w_r(k) − w_r(0)‖. State: ``W0, W, a0, a`` and the final predictions ``u``.
    Raises :class:`DivergenceError` naming the step, the iteration and the stable range.
    """
    from ..kernels import gram_empirical, lambda_min

    p = TwoLayerProblem(X, y, W0, a0, eta=eta, train_a=train_a, device=device, dtype=dtype)
    recorders = {
        "pattern_change": lambda p: float(((p.forward()[0] >= 0) != p.S0).float().mean()),
        "max_distance": lambda p: float(torch.linalg.vector_norm(p.WT - p.WT0, dim=0).max()),
    }
    if track_gram:
        recorders["lambda_min"] = lambda p: lambda_min(gram_empirical(p.WT.T, p.X))
    return descend(p, steps=steps, recorders=recorders, record_every=record_every, blowup=blowup,
                   progress=progress, desc="GD (two-layer)")


def train_deep(
    X: ArrayLike,
    y: ArrayLike,
    Ws0: Sequence[ArrayLike],
    v: ArrayLike,
    *,
    eta: float,
    steps: int,
    batch_size: int | None = None,
    loss: str = "square",
    record_every: int = 1,
    track_ntk: bool = False,
    seed: int = 0,
    device: str | torch.device = "auto",
    dtype: torch.dtype | None = None,
    blowup: float = 1e6,
    progress: bool | None = None,
) -> Run:
    r"""(S)GD on the deep ReLU net f(x) = vᵀσ(W_Lᵀ…σ(W_1ᵀx)), all W_l trained, v fixed.

    ``loss``: ``"square"`` ½Σ(f(x_i) − y_i)² or ``"logistic"`` Σ log(1 + exp(−y_i f(x_i))), y_i = ±1.
    ``batch_size`` B < n: minibatch SGD with the unbiased gradient (n/B)·Σ_{i∈B}∇ℓ_i, seeded by
    ``seed``; ``None``: full-batch GD. Records, against the stored W_l(0), ``relative_change``
    (shape records × L: ‖W_l(k) − W_l(0)‖_F / ‖W_l(0)‖_F), ``pattern_change`` (records × L: the
    fraction of (sample, unit) pairs of layer l whose ReLU switched), and with ``track_ntk`` the
    drift ``ntk_change`` = ‖K(k) − K(0)‖_F / ‖K(0)‖_F of the empirical NTK. State: ``Ws0, Ws, v``.
    """
    from ..kernels import tangent_kernel

    # each input is checked once, at its door: the weights by the net, the data by the problem
    dtype = check_dtype(dtype)
    net = DeepReLUNet(Ws0, v)
    dtype = net.v.dtype if dtype is None else dtype
    net = net.to(resolve_device(device, dtype), dtype)
    p = ModuleProblem(net, X, y, eta=eta, loss=loss, batch_size=batch_size, seed=seed)
    if p.X.shape[1] != net.Ws[0].shape[0]:
        raise ValueError(f"X: expected {net.Ws[0].shape[0]} columns (rows of Ws[0]), got shape {tuple(p.X.shape)}")
    W_init = [W.detach().clone() for W in net.Ws]
    norms = [float(torch.linalg.norm(W)) for W in W_init]
    with torch.no_grad():
        signs0 = [Z >= 0 for Z in net.hidden(p.X)]

    def patterns(p: ModuleProblem) -> list[float]:
        with torch.no_grad():
            return [float(((Z >= 0) != S0).float().mean()) for Z, S0 in zip(net.hidden(p.X), signs0)]

    recorders = {
        "relative_change": lambda p: [float(torch.linalg.norm(W.detach() - W0)) / c
                                      for W, W0, c in zip(net.Ws, W_init, norms)],
        "pattern_change": patterns,
    }
    if track_ntk:
        K0 = tangent_kernel(net, p.X)
        norm0 = torch.linalg.norm(K0)
        recorders["ntk_change"] = lambda p: float(torch.linalg.norm(tangent_kernel(net, p.X) - K0) / norm0)
    run = descend(p, steps=steps, recorders=recorders, record_every=record_every, blowup=blowup,
                  progress=progress, desc="SGD (deep)" if p.B < p.X.shape[0] else "GD (deep)")
    run.state.update(Ws0=[W.cpu().numpy() for W in W_init], Ws=[W.detach().cpu().numpy() for W in net.Ws],
                     v=net.v.cpu().numpy(), batch_size=p.B)
    return run


def train_model(
    model: nn.Module,
    X: ArrayLike,
    y: ArrayLike,
    *,
    eta: float,
    steps: int,
    loss: str = "square",
    batch_size: int | None = None,
    seed: int = 0,
    record_every: int = 1,
    track_kernel: bool = True,
    blowup: float = 1e6,
    progress: bool | None = None,
) -> Run:
    r"""(S)GD on any scalar-output torch model (trained in place, in the model's dtype and device);
    its output may have shape (n,) or (n, 1). Loss as in :func:`train_deep` (a sum over samples).

    With ``track_kernel`` records ``lambda_min`` = λ_min(J Jᵀ) of the tangent kernel every
    ``record_every`` steps: for the square loss with L* = 0 the PL constant at that point
    (½‖∇L‖² ≥ λ_min(K)·L).
    """
    from ..kernels import lambda_min, tangent_kernel

    p = ModuleProblem(model, X, y, eta=eta, loss=loss, batch_size=batch_size, seed=seed)
    recorders = {"lambda_min": lambda p: lambda_min(tangent_kernel(p.model, p.X))} if track_kernel else {}
    return descend(p, steps=steps, recorders=recorders, record_every=record_every, blowup=blowup,
                   progress=progress, desc="GD (model)")


__all__ = ["train_two_layer", "train_deep", "train_model"]

