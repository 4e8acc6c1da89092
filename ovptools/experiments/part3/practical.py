"""Lecture 8: how many parameters GD needs to fit n samples with m_y outputs (Kawaguchi & Huang 2019).
The net is Kawaguchi–Huang's: x⁽ˡ⁾ = σ(W⁽ˡ⁾x⁽ˡ⁻¹⁾ + b⁽ˡ⁾)/√m_l, f(x) = W⁽ᴴ⁺¹⁾x⁽ᴴ⁾ + b⁽ᴴ⁺¹⁾, every entry
N(0, 1) at initialization, with all its parameters in one flat vector θ."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..._device import few_threads, resolve_device
from ..._validate import (
    check_choice,
    check_count,
    check_positive,
    check_seed,
    rng,
)
from ...autodiff import jacobian
from ...data import sphere
from ..common import loglog_slope

_ACTIVATIONS = {"tanh": torch.tanh, "softplus": torch.nn.functional.softplus}


def _widths(widths, name: str = "widths") -> tuple[int, ...]:
    if isinstance(widths, int | np.integer):
        widths = (widths,)
    if not isinstance(widths, list | tuple) or not widths:
        raise ValueError(f"{name}: expected a width m or a non-empty tuple of hidden widths, got {widths!r}")
    return tuple(check_count(m, name) for m in widths)


def _shapes(d: int, widths: tuple[int, ...], m_y: int) -> list[tuple[int, int]]:
    sizes = (d, *widths, m_y)
    return [(sizes[i + 1], sizes[i]) for i in range(len(sizes) - 1)]


def mlp_parameter_count(d: int, widths, m_y: int = 1) -> int:
    r"""Number of parameters of :class:`PracticalNet` (weights and biases of every layer):
    Σ_l (m_{l−1} + 1) m_l with m_0 = d and m_{H+1} = m_y."""
    d, m_y, widths = check_count(d, "d"), check_count(m_y, "m_y"), _widths(widths)
    return sum((fan_in + 1) * fan_out for fan_out, fan_in in _shapes(d, widths, m_y))


def _mlp(theta: torch.Tensor, X: torch.Tensor, shapes, act) -> torch.Tensor:
    h, pos = X, 0
    for j, (fan_out, fan_in) in enumerate(shapes):
        W = theta[pos : pos + fan_out * fan_in].reshape(fan_out, fan_in)
        b = theta[pos + fan_out * fan_in : pos + fan_out * (fan_in + 1)]
        pos += fan_out * (fan_in + 1)
        h = h @ W.T + b
        if j < len(shapes) - 1:
            h = act(h) / math.sqrt(fan_out)
    return h


class PracticalNet(nn.Module):
    r"""Kawaguchi and Huang's fully connected net with H = len(widths) hidden layers:
    x⁽⁰⁾ = x, x⁽ˡ⁾ = σ(W⁽ˡ⁾x⁽ˡ⁻¹⁾ + b⁽ˡ⁾)/√m_l, f(x) = W⁽ᴴ⁺¹⁾x⁽ᴴ⁾ + b⁽ᴴ⁺¹⁾ ∈ R^{m_y}, every weight and
    bias N(0, 1) at initialization (their c_w = c_b = 1). σ is ``"tanh"`` or ``"softplus"``: real
    analytic, increasing, 1-Lipschitz, bounded below (their Assumption 2). All parameters live in
    one flat vector ``theta`` (p entries, :func:`mlp_parameter_count`); the output has shape
    (n,) when m_y = 1, else (n, m_y).
    """

    def __init__(self, d: int, widths, m_y: int = 1, *, activation: str = "tanh", seed: int = 0,
                 dtype: torch.dtype = torch.float64, device: str | torch.device = "auto") -> None:
        super().__init__()
        self.shapes = _shapes(check_count(d, "d"), _widths(widths), check_count(m_y, "m_y"))
        self.activation = check_choice(activation, "activation", tuple(_ACTIVATIONS))
        p = mlp_parameter_count(d, widths, m_y)
        theta = torch.from_numpy(rng(seed).standard_normal(p)).to(resolve_device(device, dtype), dtype)
        self.theta = nn.Parameter(theta)
        self.m_y = m_y

    def forward_at(self, theta: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
        """The net's outputs at parameters ``theta`` (a flat vector), for inputs ``X`` (n×d)."""
        out = _mlp(theta, X, self.shapes, _ACTIVATIONS[self.activation])
        return out[:, 0] if self.m_y == 1 else out

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.forward_at(self.theta, X)

    def layerwise_ntk(self, X: torch.Tensor) -> torch.Tensor:
        """The tangent kernel J Jᵀ at the current θ from :func:`flat_jacobian` (:func:`ovptools.tangent_kernel`
        calls it): (n·m_y)×(n·m_y), rows ordered as the Jacobian's."""
        J = flat_jacobian(self, self.theta.detach(), X)
        return J @ J.T


def flat_jacobian(net: PracticalNet, theta: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
    """J ∈ R^{(n·m_y)×p}: the Jacobian of the stacked outputs at ``theta`` (row i·m_y + k is
    output k of sample i); written out for one hidden layer, ``torch.func.jacrev`` otherwise."""
    if len(net.shapes) != 2:
        return jacobian(net, X, at=theta)
    (m, d), (m_y, _) = net.shapes
    W1, b1 = theta[: m * d].reshape(m, d), theta[m * d : m * (d + 1)]
    W2 = theta[m * (d + 1) : m * (d + 1 + m_y)].reshape(m_y, m)
    z = X @ W1.T + b1
    if net.activation == "tanh":
        act = torch.tanh(z)
        slope = 1 - act**2
    else:
        act, slope = torch.nn.functional.softplus(z), torch.sigmoid(z)
    h, s = act / math.sqrt(m), slope / math.sqrt(m)
    n, eye = X.shape[0], torch.eye(m_y, dtype=theta.dtype, device=theta.device)
    g = W2[None, :, :] * s[:, None, :]  # (n, m_y, m): ∂out_ik/∂z_ir
    parts = [
        (g[..., None] * X[:, None, None, :]).reshape(n, m_y, m * d),
        g,
        (eye[None, :, :, None] * h[:, None, None, :]).reshape(n, m_y, m_y * m),
        eye.expand(n, m_y, m_y),
    ]
    return torch.cat(parts, dim=2).reshape(n * m_y, -1)


def fit_gauss_newton(net: PracticalNet, X: torch.Tensor, Y: torch.Tensor, *, steps: int, tol: float) -> float:
    """Damped Gauss–Newton (Levenberg–Marquardt, in the n×n kernel form δ = Jᵀ(JJᵀ + λI)⁻¹r) from
    the net's current θ; returns the final relative residual ‖F(θ) − Y‖/‖Y‖ (θ is updated)."""
    theta, y = net.theta.detach().clone(), Y.reshape(-1)
    scale = float(torch.linalg.vector_norm(y))
    r = net.forward_at(theta, X).reshape(-1) - y
    cost, lam = float(r @ r), 1e-3
    history: list[float] = []
    eye = torch.eye(y.numel(), dtype=theta.dtype, device=theta.device)
    for _ in range(steps):
        if math.sqrt(cost) <= tol * scale:
            break
        J = flat_jacobian(net, theta, X)
        K = J @ J.T
        shift = lam * float(torch.diagonal(K).mean())
        step = J.T @ torch.linalg.solve(K + shift * eye, r)
        new = theta - step
        r_new = net.forward_at(new, X).reshape(-1) - y
        c_new = float(r_new @ r_new)
        if math.isfinite(c_new) and c_new < cost:
            theta, r, cost, lam = new, r_new, c_new, max(lam / 3, 1e-12)
        else:
            lam *= 4
            if lam > 1e8:
                break
        history.append(cost)
        if len(history) > 15 and history[-1] > 0.95 * history[-16]:
            break  # stalled: under 5% progress in 15 iterations
    with torch.no_grad():
        net.theta.copy_(theta)
    return math.sqrt(cost) / scale


def _fits(d, m, m_y, X, Y, seed, steps, tol, activation) -> tuple[bool, float]:
    net = PracticalNet(d, (m,), m_y, activation=activation, seed=seed, device=X.device)
    res = fit_gauss_newton(net, X, Y, steps=steps, tol=tol)
    return res <= tol, res


def _search_widths(ns, d, m_y, n_seeds, seed, steps, tol, activation, m_count, max_width, out) -> None:
    """For each n and seed: bisection's answer (grow m from the counting bound by factors of 1.25 until a fit
    succeeds, then bisect), then every width from the counting bound to that answer + 2 (``scan``); m_star is
    the smallest width in the scan that fits, ``below`` the residual one unit narrower. Raises ValueError when no
    width up to ``max_width`` fits."""
    dev = out["device"]
    for i, n in enumerate(ns):
        for s in range(n_seeds):
            key = seed + 1000 * s + i
            X = torch.from_numpy(sphere(n, d, seed=key)).to(dev)
            Y = torch.from_numpy(rng(key + 7).uniform(-1.0, 1.0, size=(n, m_y)) if m_y > 1
                                 else rng(key + 7).uniform(-1.0, 1.0, size=n)).to(dev)
            seen: dict[int, tuple[bool, float]] = {}

            def fits(m, X=X, Y=Y, key=key, seen=seen):
                if m not in seen:
                    seen[m] = _fits(d, m, m_y, X, Y, key, steps, tol, activation)
                return seen[m]

            lo, hi = 0, m_count[i]
            while not fits(hi)[0]:
                if hi >= max_width[i]:
                    raise ValueError(f"tol: no width up to max_width = {max_width[i]} reached a relative residual of "
                                     f"{tol:g} within steps = {steps} (n = {n}, seed {key}; the best, at m = {hi}, was "
                                     f"{fits(hi)[1]:.1e}); raise tol, steps or max_width")
                lo, hi = hi, min(max_width[i], max(hi + 1, math.ceil(1.25 * hi)))
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if fits(mid)[0]:
                    hi = mid
                else:
                    lo = mid
            row = [(m, fits(m)[0]) for m in range(m_count[i], hi + 3)]
            first = next(m for m, ok in row if ok)
            out["m_bisect"][i, s], out["m_star"][i, s] = hi, first
            out["below"][i, s] = fits(first - 1)[1] if first > 1 else float("nan")
            out["monotone"][i, s] = all(ok for m, ok in row if m >= first)
            out["scan"][i].append(row)


@dataclass(frozen=True)
class InterpolatingWidths:
    """The result of :func:`min_interpolating_width`, for N sample sizes and S = ``n_seeds`` draws.

    Attributes:
        ns: the N sample sizes n.   d, m_y, tol: the arguments.
        m_star: N × S, the smallest width that fitted in the scan; p_star: its parameter count.
        m_count: N, the counting bound (smallest m with p(m) ≥ n·m_y).
        ratio: N × S, p_star/(n·m_y) (Kawaguchi–Huang's corollary predicts ≥ 1).
        slope: S, the log–log slope of m_star against n per draw (predicted 1); slope_mean, slope_std: over draws.
        below: N × S, the relative residual reached one width below m_star.
        m_bisect: N × S, bisection's answer.   monotone: N × S, every scanned width from m_star on fitted.
        scan: per n and draw, the (m, fitted?) pairs from the counting bound to m_bisect + 2.
    """

    ns: np.ndarray
    d: int
    m_y: int
    tol: float
    m_star: np.ndarray
    p_star: np.ndarray
    m_count: np.ndarray
    ratio: np.ndarray
    slope: np.ndarray
    slope_mean: float
    slope_std: float
    below: np.ndarray
    m_bisect: np.ndarray
    monotone: np.ndarray
    scan: list


def min_interpolating_width(
    ns=(24, 48, 96, 192),
    *,
    d: int = 4,
    m_y: int = 1,
    n_seeds: int = 3,
    activation: str = "tanh",
    steps: int = 100,
    tol: float = 1e-5,
    max_width: int | None = None,
    seed: int = 0,
    device: str | torch.device = "auto",
) -> InterpolatingWidths:
    r"""The smallest width m of a one-hidden-layer :class:`PracticalNet` that interpolates n
    arbitrary labels y_i ∈ [−1, 1]^{m_y} (uniform) on n unit-sphere inputs in R^d, for each n and
    each of ``n_seeds`` draws of data and initialization.

    "Interpolates" means that damped Gauss–Newton from the random initialization reaches
    ‖F(θ) − Y‖/‖Y‖ ≤ ``tol`` within ``steps`` iterations (a strong optimizer, so the search
    measures what the parameter count allows, as far as one local optimizer can tell). Widths below the
    counting bound (p(m) = m(d + 1 + m_y) + m_y < n·m_y) cannot interpolate arbitrary labels and are not tried;
    widths above ``max_width`` (default: 8 times the counting bound, plus 8) are not tried either, and a search that
    reaches it without a fit raises ``ValueError`` (a ``tol`` this optimizer cannot meet).

    Bisection would find the smallest fitting width only if success were monotone in m (every wider net
    fits too), which nothing guarantees for a local optimizer. So the search is done both ways: bisection
    (grow m from the counting bound by factors of 1.25 until a fit succeeds, then bisect; ``m_bisect``), and a
    scan of every width from the counting bound to ``m_bisect`` + 2. Returns an :class:`InterpolatingWidths`.
    """
    ns = [check_count(n, "ns", minimum=2) for n in ns]
    d, m_y, n_seeds = check_count(d, "d"), check_count(m_y, "m_y"), check_count(n_seeds, "n_seeds")
    steps, tol = check_count(steps, "steps"), check_positive(tol, "tol")
    check_choice(activation, "activation", tuple(_ACTIVATIONS))
    seed = check_seed(seed)
    if len(ns) < 2:
        raise ValueError(f"ns: expected at least two sample sizes to fit a slope, got {ns}")
    per_unit = d + 1 + m_y
    m_count = [max(1, math.ceil((n * m_y - m_y) / per_unit)) for n in ns]
    caps = [8 * m + 8 if max_width is None else check_count(max_width, "max_width") for m in m_count]
    shape = (len(ns), n_seeds)
    found = {"m_star": np.zeros(shape, dtype=int), "m_bisect": np.zeros(shape, dtype=int), "below": np.zeros(shape),
             "monotone": np.zeros(shape, dtype=bool), "scan": [[] for _ in ns],
             "device": resolve_device(device, torch.float64)}
    with few_threads():
        _search_widths(ns, d, m_y, n_seeds, seed, steps, tol, activation, m_count, caps, found)
    m_star = found["m_star"]
    p_star = np.array([[mlp_parameter_count(d, (int(m),), m_y) for m in row] for row in m_star])
    slopes = np.array([loglog_slope(ns, m_star[:, s]) for s in range(n_seeds)])
    return InterpolatingWidths(
        ns=np.array(ns), d=d, m_y=m_y, tol=tol, m_star=m_star, p_star=p_star, m_count=np.array(m_count),
        ratio=p_star / (np.array(ns)[:, None] * m_y), slope=slopes, slope_mean=float(slopes.mean()),
        slope_std=float(slopes.std(ddof=1)) if n_seeds > 1 else 0.0, below=found["below"],
        m_bisect=found["m_bisect"], monotone=found["monotone"], scan=found["scan"])
