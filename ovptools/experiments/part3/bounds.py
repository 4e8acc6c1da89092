r"""The width (and parameter) conditions of the convergence theorems of Parts II–III, evaluated with every unspecified
constant set to 1 and every logarithmic factor hidden by Ω̃ left out, so that they can be set beside the widths
that work in the lectures (Lecture 8's chart). Each function says which constants it sets to 1.

Du et al.'s two-layer condition lives with Part II (:func:`ovptools.experiments.part2.du_width_bound`).
"""

from __future__ import annotations

import math

from ..._validate import check_count, check_positive


def _power_product(name: str, log_value: float) -> float:
    """exp(``log_value``) as a float, or a ValueError naming the arguments when it exceeds the largest float64."""
    if log_value > math.log(1.7e308):
        raise ValueError(f"{name}: the bound is about 10^{log_value / math.log(10):.0f}, beyond the largest float64 "
                         "(about 1.8e308); use smaller arguments or compare logarithms")
    return math.exp(log_value)


def zou_width_bound(n: int, depth: int, phi: float) -> float:
    r"""Zou et al.'s width condition for GD, m = Ω̃(n²⁶H³⁸/φ⁸) (their depth L is H here), with the constant set to 1
    and no log factors. Raises ``ValueError`` naming the arguments when the value exceeds the largest float64."""
    n, depth, phi = check_count(n, "n"), check_count(depth, "depth"), check_positive(phi, "phi")
    return _power_product("n, depth, phi", 26 * math.log(n) + 38 * math.log(depth) - 8 * math.log(phi))


def du_lee_resnet_width_bound(n: int, depth: int, lam0: float) -> float:
    r"""The leading term of Du, Lee et al.'s width condition for the residual net, m = Ω(n⁴/(λ₀⁴H⁶)) with
    H = ``depth``, evaluated with constant 1. Their λ₀ is the least eigenvalue of the limiting Gram matrix
    K^(H) of the last block, which carries the block factor (c_res/H)²: pass λ₀ of that order (see
    :func:`du_lee_lambda0`), and the condition grows like n⁴H², not falls like H⁻⁶."""
    n, depth, lam0 = check_count(n, "n"), check_count(depth, "depth"), check_positive(lam0, "lam0")
    return _power_product("n, depth, lam0", 4 * math.log(n) - 4 * math.log(lam0) - 6 * math.log(depth))


def du_lee_lambda0(lam_min: float, depth: int, c: float = 1.0) -> float:
    r"""A stand-in for λ₀ = λ_min(K^(H)) of Du, Lee et al.'s residual net: (c/H)²·``lam_min``, where
    ``lam_min`` is the least eigenvalue of a depth-free Gram matrix (e.g. λ_min(H∞) of the data) and the
    factor (c/H)² is the scale of the last block's term (their blocks are scaled by c_res/H)."""
    lam_min, depth, c = check_positive(lam_min, "lam_min"), check_count(depth, "depth"), check_positive(c, "c")
    return float((c / depth) ** 2 * lam_min)


def arora_width_bound(n: int, lam0: float, delta: float) -> float:
    r"""Arora, Du, Hu, Li & Wang's width condition for their generalization theorem, m ≥ κ⁻²·poly(n, 1/λ₀, 1/δ)
    with the initialization scale at its largest allowed value κ = λ₀δ/n and the unspecified polynomial set to 1:
    (n/(λ₀δ))². The polynomial is at least 1 wherever the theorem is stated, so this is a lower estimate of the
    condition."""
    n, lam0, delta = check_count(n, "n"), check_positive(lam0, "lam0"), check_positive(delta, "delta")
    return _power_product("n, lam0, delta", 2 * (math.log(n) - math.log(lam0) - math.log(delta)))


def kawaguchi_huang_parameter_bound(n: int, d: int, depth: int, m_y: int, delta: float) -> float:
    r"""Kawaguchi & Huang's Theorem 1, the number of parameters that suffices: with ℓ = log(Hn²/δ),
    p ≥ 𝔠((n + dH² + H⁵ℓ)ℓ + n·m_y) for H = ``depth`` ≥ 2, and p ≥ 𝔠·n(d + m_y) for H = 1, with the universal
    constant 𝔠 set to 1. A number of *parameters*; :func:`width_for_parameters` turns it into a width."""
    n, d, depth, m_y = check_count(n, "n"), check_count(d, "d"), check_count(depth, "depth"), check_count(m_y, "m_y")
    delta = check_positive(delta, "delta")
    if depth == 1:
        return float(n * (d + m_y))
    ell = math.log(depth * n**2 / delta)
    return float((n + d * depth**2 + depth**5 * ell) * ell + n * m_y)


def liu_zhu_belkin_width_bound(n: int, radius: float, lam0: float, mu: float, depth: int = 1) -> float:
    r"""Liu, Zhu & Belkin's width for μ-PL* on the ball B(θ₀, R): m = Ω̃(nR^{6H+2}/(λ₀ − μ)²), with λ₀ = λ_min(K(θ₀)),
    R = ``radius``, H = ``depth``, the constant set to 1 and no log factors; needs 0 < μ < λ₀."""
    n, depth = check_count(n, "n"), check_count(depth, "depth")
    radius, lam0, mu = check_positive(radius, "radius"), check_positive(lam0, "lam0"), check_positive(mu, "mu")
    if mu >= lam0:
        raise ValueError(f"mu: expected a PL* constant below lam0 = {lam0}, got {mu}")
    return _power_product("n, radius, lam0, mu",
                          math.log(n) + (6 * depth + 2) * math.log(radius) - 2 * math.log(lam0 - mu))


def width_for_parameters(p: float, d: int, depth: int = 1, m_y: int = 1) -> int:
    r"""The smallest width m at which the fully connected net with ``depth`` hidden layers of m units, input
    dimension d and m_y outputs (weights and biases, as :func:`ovptools.experiments.part3.mlp_parameter_count`
    counts them) has at least ``p`` parameters."""
    from .practical import mlp_parameter_count

    p, d, depth, m_y = check_positive(p, "p"), check_count(d, "d"), check_count(depth, "depth"), check_count(m_y, "m_y")
    lo, hi = 1, 1
    while mlp_parameter_count(d, (hi,) * depth, m_y) < p:
        lo, hi = hi, 2 * hi
    while lo < hi:
        mid = (lo + hi) // 2
        if mlp_parameter_count(d, (mid,) * depth, m_y) >= p:
            hi = mid
        else:
            lo = mid + 1
    return hi
