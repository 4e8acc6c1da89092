r"""The network as a kernel machine (Jacot, Gabriel & Hongler 2018; Lee et al. 2019; Chizat, Oyallon &
Bach 2019): ensembles of networks trained by GD on a 1-D regression on the unit circle, against the
closed-form trajectory with the infinite-width NTK and the NNGP/NTK Gaussian-process moments; the
network against its first-order Taylor model; the output scale α. Every function returns data.

The networks are the course's (:mod:`ovptools.function_space`): Du et al.'s two-layer net (W trained,
a fixed; kernel H∞, step 1/λ_max(H∞)) and the deep ReLU net of :func:`ovptools.init_deep` (all W_l
trained, v fixed; its tangent kernel is about (m/2)Θ_L, so the step 2/(m·λ_max(Θ_L)) makes its
function-space step η̂ = 1/λ_max(Θ_L) the same at every width).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import torch

from .. import ensembles as en
from .. import function_space as fs
from .._device import few_threads, resolve_device
from .common import loglog_slope


def circle_problem(n: int = 8, *, n_eval: int = 61, seed: int = 0) -> dict:
    r"""n training angles θ_i uniform on [−π, π) (sorted), inputs x_i = (cos θ_i, sin θ_i) (so ‖x_i‖ = 1),
    targets y_i = sin θ_i + ½ cos 2θ_i; ``n_eval`` evaluation angles evenly spaced on [−π, π]."""
    rng = np.random.default_rng(seed)
    theta = np.sort(rng.uniform(-np.pi, np.pi, n))
    theta_eval = np.linspace(-np.pi, np.pi, n_eval)
    return {"theta": theta, "X": fs.circle(theta), "y": np.sin(theta) + 0.5 * np.cos(2 * theta),
            "theta_eval": theta_eval, "X_eval": fs.circle(theta_eval)}


def limit(problem: dict, *, depth: int | None = None) -> dict:
    """The infinite-width kernels of the net on ``problem`` (NNGP K and NTK Θ; train, cross, test) and
    the function-space step η̂ = 1/λ_max(Θ(X, X))."""
    X, Z = problem["X"], problem["X_eval"]
    K, T = fs.limit_kernels(X, depth=depth)
    Kz, Tz = fs.limit_kernels(X, Z, depth=depth)
    Kzz, _ = fs.limit_kernels(Z, depth=depth)
    lam = np.linalg.eigvalsh(T)
    return {"K": K, "T": T, "Kz": Kz, "Tz": Tz, "Kzz_diag": np.diag(Kzz).copy(), "eta": 1 / lam[-1],
            "lam_min": lam[0], "lam_max": lam[-1]}


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
    step: float = 1.0,
    linear: bool = True,
    device: str = "cpu",
    dtype: torch.dtype = torch.float32,
) -> dict:
    r"""For each width m: ``count`` independent nets (two-layer for ``depth=None``, else deep of that
    depth) trained by full-batch GD for ``steps`` steps on :func:`circle_problem` as one batched
    computation, the outputs on the evaluation angles recorded every ``every`` steps; with ``linear``
    also their first-order Taylor models from the same initializations. The function-space step is
    η̂ = ``step``/λ_max(Θ(X, X)) (the closed forms use it; the deep nets' weight step is η̂·2/m).

    Returned per width (arrays indexed like ``widths``):

    - ``own``: mean over nets of sup_k RMS_z |f_k(z) − f_k^∞(z)|, where f_k^∞ is the closed form with the
      analytic NTK started from the net's own f₀ — how far each net is from the kernel machine;
    - ``bias``: sup_k RMS_z of the ensemble mean of f_k − f_k^∞ (the error of the ensemble mean, with
      the initial functions' noise removed); ``mean_gap``: sup_k RMS_z |mean_e f_k − μ_k| against the GP
      mean, with ``mc_floor`` = sup_k RMS_z σ_k/√count, its sampling error;
    - ``std_ratio``: RMS_z of the ensemble's std over the GP's σ at the last step;
    - ``lin``: mean over nets of sup_k RMS_z |f_k − f_lin,k| (network against its Taylor model);
    - ``seconds``: the training time (networks, and Taylor models).

    ``runs[m]`` keeps the recorded outputs (steps × nets × angles) for plots and the widget, with the
    closed-form ``own_limit`` of every net and the GP ``mean``/``var`` at the recorded steps.
    """
    problem = circle_problem(n, seed=seed)
    lim = limit(problem, depth=depth)
    X, y, Z = problem["X"], problem["y"], problem["X_eval"]
    record = list(range(0, steps + 1, every))
    dev = resolve_device(device, dtype)
    lim["eta"] = step * lim["eta"]
    mean, var = fs.gp_moments(lim["Kzz_diag"], lim["Kz"], lim["K"], lim["Tz"], lim["T"], y, record,
                              eta=lim["eta"], discrete=True)
    out = {k: [] for k in ("own", "bias", "mean_gap", "mc_floor", "std_ratio", "lin", "seconds", "seconds_lin")}
    runs = {}
    for j, m in enumerate(widths):
        def build(m=m, s=seed + 1000 * (j + 1)):
            if depth is None:
                return en.two_layer_ensemble(2, m, count, seed=s, dtype=dtype, device=dev)
            return en.deep_ensemble(2, m, depth, count, seed=s, dtype=dtype, device=dev)

        eta = lim["eta"] if depth is None else lim["eta"] * 2 / m
        work = count * n * m * (m if depth else 2)
        with few_threads(work):
            run = en.train_ensemble(build(), X, y, eta=eta, steps=steps, record=record, X_eval=Z)
            run_lin = en.train_ensemble(build(), X, y, eta=eta, steps=steps, record=record, X_eval=Z,
                                        linear=True) if linear else None
        f = run.f_eval  # (R, E, nz)
        f0z, f0x = f[0], run.f_train[0]
        own_limit = np.stack([fs.kernel_trajectory(lim["Tz"], lim["T"], y, record, eta=lim["eta"], f0_z=f0z[e],
                                                   f0_x=f0x[e], discrete=True) for e in range(count)], axis=1)
        dev_own = f - own_limit
        out["own"].append(float(_rms(dev_own).max(axis=0).mean()))
        out["bias"].append(float(_rms(dev_own.mean(axis=1)).max()))
        out["mean_gap"].append(float(_rms(f.mean(axis=1) - mean).max()))
        out["mc_floor"].append(float(_rms(np.sqrt(var / count)).max()))
        out["std_ratio"].append(float(_rms(f[-1].std(axis=0)) / _rms(np.sqrt(var[-1]))))
        out["seconds"].append(run.seconds)
        if linear:
            out["lin"].append(float(_rms(f - run_lin.f_eval).max(axis=0).mean()))
            out["seconds_lin"].append(run_lin.seconds)
        runs[m] = {"f": f, "own_limit": own_limit, "loss": run.loss}
    result = {k: np.array(v) for k, v in out.items()}
    result.update(widths=np.array(widths), depth=depth, count=count, steps=np.array(record), runs=runs,
                  mean=mean, var=var, problem=problem, limit=lim,
                  times=np.array(record) * lim["eta"])
    def slope(v):  # NaN for a single width
        return loglog_slope(widths, v)

    result["slope_own"], result["slope_bias"] = slope(result["own"]), slope(result["bias"])
    if linear:
        result["slope_lin"] = slope(result["lin"])
    return result


def _kernel_change(W0: torch.Tensor, W1: torch.Tensor, X: torch.Tensor) -> np.ndarray:
    """‖H(W1) − H(W0)‖_F / ‖H(W0)‖_F of every two-layer net of a stack (E, m, d), on the rows of X."""
    def gram(W):
        S = (X @ W.transpose(1, 2) >= 0).to(W.dtype)
        return (X @ X.T) * (S @ S.transpose(1, 2)) / W.shape[1]

    H0, H1 = gram(W0), gram(W1)
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
) -> dict:
    r"""Chizat, Oyallon & Bach's output scale on the two-layer net: the model αf with antisymmetric
    pairs (f₀ = 0), trained by GD on ½‖αf − y‖²/α² with the step 1/λ_max(H∞) for every α (its
    function-space kernel at initialization does not depend on α). Per α: ``kernel_change`` =
    ‖H(W_T) − H(W_0)‖_F/‖H(W_0)‖_F (mean over nets), ``distance`` = mean over nets of sup_k RMS_z
    |αf_k − αf_lin,k| (the net against its Taylor model, i.e. the kernel prediction with its own
    initial kernel), ``weight_move`` = mean over nets of max_r ‖w_r(T) − w_r(0)‖, ``loss`` = the
    final loss (mean over nets). Slopes against α are fitted over α ≥ 1."""
    problem = circle_problem(n, seed=seed)
    lim = limit(problem)
    X, y, Z = problem["X"], problem["y"], problem["X_eval"]
    dev = resolve_device(device, dtype)
    record = list(range(0, steps + 1, every))
    out = {k: [] for k in ("kernel_change", "distance", "weight_move", "loss")}
    Xt = torch.as_tensor(X, dtype=dtype, device=dev)
    for alpha in alphas:
        def build():
            return en.two_layer_ensemble(2, m, count, seed=seed + 7, antisymmetric=True, dtype=dtype, device=dev)

        with few_threads(count * n * m * 2):
            run = en.train_ensemble(build(), X, y, eta=lim["eta"], steps=steps, record=record, X_eval=Z, alpha=alpha)
            run_lin = en.train_ensemble(build(), X, y, eta=lim["eta"], steps=steps, record=record, X_eval=Z,
                                        alpha=alpha, linear=True)
        W0, W1 = run.params0[0], run.params[0]
        out["kernel_change"].append(float(_kernel_change(W0, W1, Xt).mean()))
        out["distance"].append(float(_rms(run.f_eval - run_lin.f_eval).max(axis=0).mean()))
        out["weight_move"].append(float(torch.linalg.vector_norm(W1 - W0, dim=2).max(dim=1).values.mean()))
        out["loss"].append(float(run.loss[-1].mean()))
    result = {k: np.array(v) for k, v in out.items()}
    a = np.array(alphas, dtype=float)
    big = a >= 1
    def slope(v):  # over α ≥ 1 where the value is positive (a tiny net may flip no pattern at all)
        ok = big & (v > 0)
        return loglog_slope(a[ok], v[ok])  # NaN below two points

    result.update(alphas=a, m=m, count=count, steps=steps, slope_kernel=slope(result["kernel_change"]),
                  slope_distance=slope(result["distance"]))
    return result


def loop_train(modules: Sequence[torch.nn.Module], X: torch.Tensor, y: torch.Tensor, *, eta: float,
               steps: int) -> list[torch.nn.Module]:
    """The same GD as :func:`ovptools.ensembles.train_ensemble`, one ``nn.Module`` at a time (the baseline
    of the batched trainer): for each module, ``steps`` steps on ½‖f(X) − y‖² with autograd."""
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
                    seed: int = 0) -> dict:
    """Seconds of ``steps`` GD steps on ``count`` nets of width m: one batched :func:`ovptools.ensembles.
    train_ensemble` call against :func:`loop_train` over the same nets as
    ``nn.Module`` s (CPU, float32, the same initial weights, after a warm-up of both), and the largest
    difference of their outputs."""
    problem = circle_problem(n, seed=seed)
    lim = limit(problem, depth=depth)
    X, y = problem["X"], problem["y"]
    eta = lim["eta"] if depth is None else lim["eta"] * 2 / m
    def build():
        return (en.two_layer_ensemble(2, m, count, seed=seed) if depth is None
                else en.deep_ensemble(2, m, depth, count, seed=seed))

    ens, warm = build(), build()
    modules = [ens.module(e) for e in range(count)]
    Xt, yt = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.float32)
    with few_threads(count * n * m * (m if depth else 2)):
        # warm-up: the first calls pay once for torch's lazy set-up (seconds for the deep net), not timed
        en.train_ensemble(warm, X, y, eta=eta, steps=2, record=[2])
        loop_train([warm.module(0)], Xt, yt, eta=eta, steps=2)
        start = time.perf_counter()
        en.train_ensemble(ens, X, y, eta=eta, steps=steps, record=[steps])
        batched = time.perf_counter() - start
        start = time.perf_counter()
        loop_train(modules, Xt, yt, eta=eta, steps=steps)
        looped = time.perf_counter() - start
        with torch.no_grad():
            diff = max(float((ens(Xt)[e] - net(Xt)).abs().max()) for e, net in enumerate(modules))
    return {"batched": batched, "loop": looped, "ratio": looped / batched, "max_difference": diff,
            "m": m, "count": count, "steps": steps, "depth": depth}
