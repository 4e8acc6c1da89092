r"""The network as a kernel machine (Jacot, Gabriel & Hongler 2018; Lee et al. 2019; Chizat, Oyallon &
Bach 2019): ensembles of networks trained by GD on :func:`ovptools.function_space.circle_problem`,
against the closed form with the infinite-width NTK and the NNGP/NTK Gaussian-process moments; the
network against its first-order Taylor model; the output scale α. Every function returns a typed result.
The networks: Du et al.'s two-layer net (W trained, step 1/λ_max(H∞)) and the deep ReLU net of
:func:`ovptools.init_deep` (all W_l trained; its tangent kernel is about (m/2)Θ_L, so the step
2/(m·λ_max(Θ_L)) makes its function-space step η̂ = 1/λ_max(Θ_L) the same at every width)."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from .. import ensembles as en
from .. import function_space as fs
from .._device import few_threads, resolve_device
from .._validate import check_count, check_positive
from ..kernels import gram_empirical
from .common import loglog_slope


@dataclass(frozen=True)
class WidthRuns:
    """The recorded runs of one width. ``f`` (R, count, n_eval): every net's outputs on the evaluation
    angles at the recorded steps; ``own_limit`` (same shape): the closed form with the analytic NTK
    started from each net's own f₀; ``loss`` (steps + 1, count): every net's training loss."""

    f: np.ndarray
    own_limit: np.ndarray
    loss: np.ndarray


@dataclass(frozen=True)
class EnsembleComparison:
    """What :func:`ensemble_vs_kernel` returns; arrays of one value per width are indexed like ``widths``.

    ``widths``, ``depth`` (None: two-layer), ``count`` (nets per width), ``steps`` (the recorded GD
    steps k) and ``times`` (η̂k); ``problem``, ``limit``: the data and the limit kernels; ``mean``, ``var``
    (R, n_eval): the infinite-width GP moments μ_k, σ²_k at the recorded steps; ``runs[m]``: the
    :class:`WidthRuns` of width m. Distances, each a sup over the recorded steps of an RMS over the
    evaluation angles: ``own`` (mean over nets of each net against its own closed form), ``bias`` (the
    ensemble mean of those differences), ``mean_gap`` (ensemble mean against μ_k) with ``mc_floor``
    (σ_k/√count, its sampling error), ``lin`` (mean over nets of each net against its Taylor model;
    None without ``linear``). ``std_ratio``: RMS of the ensemble's std over RMS of σ at the last step.
    ``seconds``, ``seconds_lin``: training times. ``slope_own``, ``slope_bias``, ``slope_lin``: log–log
    slopes against m (NaN for one width or without ``linear``)."""

    widths: np.ndarray
    depth: int | None
    count: int
    steps: np.ndarray
    times: np.ndarray
    problem: fs.CircleProblem
    limit: fs.Limit
    mean: np.ndarray
    var: np.ndarray
    runs: dict[int, WidthRuns]
    own: np.ndarray
    bias: np.ndarray
    mean_gap: np.ndarray
    mc_floor: np.ndarray
    std_ratio: np.ndarray
    lin: np.ndarray | None
    seconds: np.ndarray
    seconds_lin: np.ndarray
    slope_own: float
    slope_bias: float
    slope_lin: float


@dataclass(frozen=True)
class OutputScale:
    """What :func:`output_scale` returns, one value per α in ``alphas``: ``kernel_change``
    (‖H(W_T) − H(W_0)‖_F/‖H(W_0)‖_F), ``distance`` (sup_k RMS_z |αf_k − αf_lin,k|), ``weight_move``
    (max_r ‖w_r(T) − w_r(0)‖), ``loss`` (the final loss), each a mean over the nets; ``m``, ``count``,
    ``steps``: the width, nets per α and GD steps; ``slope_*``: their log–log slopes against α over α ≥ 1."""

    alphas: np.ndarray
    m: int
    count: int
    steps: int
    kernel_change: np.ndarray
    distance: np.ndarray
    weight_move: np.ndarray
    loss: np.ndarray
    slope_kernel: float
    slope_distance: float
    slope_weight: float


@dataclass(frozen=True)
class Speedup:
    """What :func:`batched_speedup` returns: seconds of the ``batched`` trainer and of the ``loop`` over
    ``nn.Module`` s, their ``ratio`` (loop/batched), the ``max_difference`` of the two sets of outputs,
    and the sizes ``m``, ``count``, ``steps``, ``depth`` (None: two-layer)."""

    batched: float
    loop: float
    ratio: float
    max_difference: float
    m: int
    count: int
    steps: int
    depth: int | None


def _values(values, name: str, check) -> list:
    """The entries of a non-empty sequence ``values``, each passed through ``check(v, name)``."""
    if isinstance(values, int | float | np.number) or len(values) == 0:
        raise ValueError(f"{name}: expected a non-empty sequence, got {values!r}")
    return [check(v, name) for v in values]


def _rms(a: np.ndarray, axis=-1) -> np.ndarray:
    return np.sqrt(np.mean(a**2, axis=axis))


def ensemble_vs_kernel(
    widths: Sequence[int],
    *,
    depth: int | None = None,
    count: int = 64,
    steps: int = 200,
    every: int = 10,
    n: int = 8,
    seed: int = 0,
    eta_scale: float = 1.0,
    linear: bool = True,
    device: str = "cpu",
    dtype: torch.dtype = torch.float32,
) -> EnsembleComparison:
    r"""For each width m: ``count`` independent nets (two-layer for ``depth=None``, else deep of that
    depth) trained by full-batch GD for ``steps`` steps on :func:`circle_problem` as one batched
    computation, the outputs on the evaluation angles recorded every ``every`` steps; with ``linear``
    also their first-order Taylor models from the same initializations. The function-space step is
    η̂ = ``eta_scale``/λ_max(Θ(X, X)) (the closed forms use it; the deep nets' weight step is η̂·2/m).
    The distances are described in :class:`EnsembleComparison`; "own" is how far each net is from the
    kernel machine (the closed form with the analytic NTK started from the net's own f₀).
    """
    widths = _values(widths, "widths", check_count)
    count, steps = check_count(count, "count"), check_count(steps, "steps")
    every = check_count(every, "every")
    problem = fs.circle_problem(n, seed=seed)
    lim = fs.limit(problem, depth=depth)
    X, y, Z = problem.X, problem.y, problem.X_eval
    record = list(range(0, steps + 1, every))
    dev = resolve_device(device, dtype)
    lim = dataclasses.replace(lim, eta=check_positive(eta_scale, "eta_scale") * lim.eta)
    mean, var = fs.gp_moments(lim.Kzz_diag, lim.Kz, lim.K, lim.Tz, lim.T, y, record, eta=lim.eta, discrete=True)
    out = {k: [] for k in ("own", "bias", "mean_gap", "mc_floor", "std_ratio", "lin", "seconds", "seconds_lin")}
    runs = {}
    for j, m in enumerate(widths):
        def build(m=m, s=seed + 1000 * (j + 1)):
            if depth is None:
                return en.two_layer_ensemble(2, m, count, seed=s, dtype=dtype, device=dev)
            return en.deep_ensemble(2, m, depth, count, seed=s, dtype=dtype, device=dev)

        eta = lim.eta if depth is None else lim.eta * 2 / m
        work = count * n * m * (m if depth else 2)
        with few_threads(work):
            run = en.train_ensemble(X, y, build(), eta=eta, steps=steps, record=record, X_eval=Z)
            run_lin = en.train_ensemble(X, y, build(), eta=eta, steps=steps, record=record, X_eval=Z,
                                        linear=True) if linear else None
        f = run.f_eval  # (R, E, nz)
        f0z, f0x = f[0], run.f_train[0]
        own_limit = np.stack([fs.kernel_trajectory(lim.Tz, lim.T, y, record, eta=lim.eta, f0_z=f0z[e],
                                                   f0_x=f0x[e], discrete=True) for e in range(count)], axis=1)
        dev_own = f - own_limit
        out["own"].append(float(_rms(dev_own).max(axis=0).mean()))
        out["bias"].append(float(_rms(dev_own.mean(axis=1)).max()))
        out["mean_gap"].append(float(_rms(f.mean(axis=1) - mean).max()))
        out["mc_floor"].append(float(_rms(np.sqrt(var / count)).max()))
        out["std_ratio"].append(float(_rms(f[-1].std(axis=0)) / _rms(np.sqrt(var[-1]))))
        out["seconds"].append(run.seconds)
        if run_lin is not None:  # with ``linear``
            out["lin"].append(float(_rms(f - run_lin.f_eval).max(axis=0).mean()))
            out["seconds_lin"].append(run_lin.seconds)
        runs[m] = WidthRuns(f, own_limit, run.loss)
    r = {k: np.array(v) for k, v in out.items()}
    several = len(widths) >= 2  # a slope needs two widths

    def slope(v):
        return loglog_slope(widths, v) if several else float("nan")

    return EnsembleComparison(widths=np.array(widths), depth=depth, count=count, steps=np.array(record),
                              times=np.array(record) * lim.eta, problem=problem, limit=lim, mean=mean, var=var,
                              runs=runs, own=r["own"], bias=r["bias"], mean_gap=r["mean_gap"], mc_floor=r["mc_floor"],
                              std_ratio=r["std_ratio"], lin=r["lin"] if linear else None, seconds=r["seconds"],
                              seconds_lin=r["seconds_lin"], slope_own=slope(r["own"]), slope_bias=slope(r["bias"]),
                              slope_lin=slope(r["lin"]) if linear else float("nan"))


def _kernel_change(W0: torch.Tensor, W1: torch.Tensor, X: torch.Tensor) -> np.ndarray:
    """‖H(W1) − H(W0)‖_F / ‖H(W0)‖_F of every two-layer net of a stack (E, m, d), on the rows of X."""
    H0, H1 = (torch.stack([torch.as_tensor(gram_empirical(w, X)) for w in W]) for W in (W0, W1))
    return (torch.linalg.matrix_norm(H1 - H0) / torch.linalg.matrix_norm(H0)).double().cpu().numpy()


def output_scale(
    alphas: Sequence[float],
    *,
    m: int = 256,
    count: int = 16,
    steps: int = 400,
    every: int = 10,
    n: int = 8,
    seed: int = 0,
    device: str = "cpu",
    dtype: torch.dtype = torch.float32,
) -> OutputScale:
    r"""Chizat, Oyallon & Bach's output scale on the two-layer net: the model αf with antisymmetric
    pairs (f₀ = 0), trained by GD on ½‖αf − y‖²/α² with the step 1/λ_max(H∞) for every α (its
    function-space kernel at initialization does not depend on α). Per α: ``kernel_change`` =
    ‖H(W_T) − H(W_0)‖_F/‖H(W_0)‖_F (mean over nets), ``distance`` = mean over nets of sup_k RMS_z
    |αf_k − αf_lin,k| (the net against its Taylor model, i.e. the kernel prediction with its own
    initial kernel), ``weight_move`` = mean over nets of max_r ‖w_r(T) − w_r(0)‖, ``loss`` = the
    final loss (mean over nets). Slopes against α are fitted over α ≥ 1."""
    a = np.array(_values(alphas, "alphas", check_positive))
    m, count, steps = check_count(m, "m"), check_count(count, "count"), check_count(steps, "steps")
    problem = fs.circle_problem(n, seed=seed)
    lim = fs.limit(problem)
    X, y, Z = problem.X, problem.y, problem.X_eval
    dev = resolve_device(device, dtype)
    record = list(range(0, steps + 1, every))
    out = {k: [] for k in ("kernel_change", "distance", "weight_move", "loss")}
    Xt = torch.as_tensor(X, dtype=dtype, device=dev)
    for alpha in alphas:
        def build():
            return en.two_layer_ensemble(2, m, count, seed=seed + 7, antisymmetric=True, dtype=dtype, device=dev)

        with few_threads(count * n * m * 2):
            run = en.train_ensemble(X, y, build(), eta=lim.eta, steps=steps, record=record, X_eval=Z, alpha=alpha)
            run_lin = en.train_ensemble(X, y, build(), eta=lim.eta, steps=steps, record=record, X_eval=Z,
                                        alpha=alpha, linear=True)
        W0, W1 = run.params0[0], run.params[0]
        out["kernel_change"].append(float(_kernel_change(W0, W1, Xt).mean()))
        out["distance"].append(float(_rms(run.f_eval - run_lin.f_eval).max(axis=0).mean()))
        out["weight_move"].append(float(torch.linalg.vector_norm(W1 - W0, dim=2).max(dim=1).values.mean()))
        out["loss"].append(float(run.loss[-1].mean()))
    result = {k: np.array(v) for k, v in out.items()}
    big = a >= 1
    def slope(v):  # over α ≥ 1 where the value is positive (a tiny net may flip no pattern at all)
        ok = big & (v > 0)
        return loglog_slope(a[ok], v[ok])  # NaN below two points

    return OutputScale(alphas=a, m=m, count=count, steps=steps, **result, slope_kernel=slope(result["kernel_change"]),
                       slope_distance=slope(result["distance"]), slope_weight=slope(result["weight_move"]))


def loop_train(X: torch.Tensor, y: torch.Tensor, modules: Sequence[torch.nn.Module], *, eta: float,
               steps: int) -> list[torch.nn.Module]:
    """The same GD as :func:`ovptools.ensembles.train_ensemble`, one ``nn.Module`` at a time (the baseline
    of the batched trainer): for each module, ``steps`` steps on ½‖f(X) − y‖² with autograd. The loop is
    written out, not :mod:`ovptools.train`, because it is what is timed: the plain per-network loop."""
    for net in modules:
        params = [p for p in net.parameters() if p.requires_grad]
        for _ in range(steps):
            loss = 0.5 * ((net(X) - y) ** 2).sum()
            grads = torch.autograd.grad(loss, params)
            with torch.no_grad():
                for p, g in zip(params, grads):
                    p -= eta * g
    return list(modules)


def batched_speedup(*, m: int, count: int, steps: int = 50, depth: int | None = None, n: int = 8,
                    seed: int = 0) -> Speedup:
    """Seconds of ``steps`` GD steps on ``count`` nets of width m: one batched :func:`ovptools.ensembles.train_ensemble`
    call against :func:`loop_train` over the same nets as ``nn.Module`` s (CPU, float32, the same initial
    weights, after a warm-up of both), and the largest difference of their outputs."""
    m, count, steps = check_count(m, "m"), check_count(count, "count"), check_count(steps, "steps")
    problem = fs.circle_problem(n, seed=seed)
    lim = fs.limit(problem, depth=depth)
    X, y = problem.X, problem.y
    eta = lim.eta if depth is None else lim.eta * 2 / m
    def build():
        return (en.two_layer_ensemble(2, m, count, seed=seed) if depth is None
                else en.deep_ensemble(2, m, depth, count, seed=seed))

    ens, warm = build(), build()
    modules = [ens.module(e) for e in range(count)]
    Xt, yt = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.float32)
    with few_threads(count * n * m * (m if depth else 2)):
        # warm-up: the first calls pay once for torch's lazy set-up (seconds for the deep net), not timed
        en.train_ensemble(X, y, warm, eta=eta, steps=2, record=[2])
        loop_train(Xt, yt, [warm.module(0)], eta=eta, steps=2)
        start = time.perf_counter()
        en.train_ensemble(X, y, ens, eta=eta, steps=steps, record=[steps])
        batched = time.perf_counter() - start
        start = time.perf_counter()
        loop_train(Xt, yt, modules, eta=eta, steps=steps)
        looped = time.perf_counter() - start
        with torch.no_grad():
            diff = max(float((ens(Xt)[e] - net(Xt)).abs().max()) for e, net in enumerate(modules))
    return Speedup(batched, looped, looped / batched, diff, m, count, steps, depth)
