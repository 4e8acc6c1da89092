"""ovptools.function_space against independent references: the analytic kernels against the package's
square kernels and Monte-Carlo estimates at large width; the closed form against explicit integration of
the ODE and the explicit GD recursion; the GP moments against sampled initial functions. The batched
ensemble trainer and its Taylor model are tested in test_ensembles.py."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import ovptools as ov
from ovptools import function_space as fs

THETA = np.array([0.1, 1.0, 2.2, 3.0, 4.1, 5.3])
X = fs.circle(THETA)
Y = np.sin(THETA) + 0.5 * np.cos(2 * THETA)
Z = fs.circle(np.linspace(-np.pi, np.pi, 9))


def test_limit_kernels_agree_with_the_square_kernels_of_the_package():
    K, H = fs.limit_kernels(X)
    np.testing.assert_allclose(H, ov.gram_infinite(X), atol=1e-15)
    np.testing.assert_allclose(K, ov.nngp_infinite(X), atol=1e-15)
    for depth in (1, 2, 4):
        _, T = fs.limit_kernels(X, depth=depth)
        np.testing.assert_allclose(T, ov.ntk_infinite(X, depth), atol=1e-14)
    # cross-kernels are the off-diagonal block of the kernel of all points
    both = np.vstack([Z, X])
    for depth in (None, 3):
        Kz, Tz = fs.limit_kernels(X, Z, depth=depth)
        Kb, Tb = fs.limit_kernels(both, depth=depth)
        np.testing.assert_allclose(Kz, Kb[: len(Z), len(Z):], atol=1e-14)
        np.testing.assert_allclose(Tz, Tb[: len(Z), len(Z):], atol=1e-14)


def test_two_layer_kernels_against_monte_carlo():
    W, a = ov.init_two_layer(2, 400_000, seed=0)
    Kz, Hz = fs.limit_kernels(X, Z)
    # empirical NTK (W trained): (z·x/m) Σ_r 1{w_r·z ≥ 0}1{w_r·x ≥ 0}; NNGP: E[σ(w·z)σ(w·x)]
    Sz, Sx = (Z @ W.T >= 0).astype(float), (X @ W.T >= 0).astype(float)
    H_mc = (Z @ X.T) * (Sz @ Sx.T) / len(W)
    K_mc = np.maximum(Z @ W.T, 0) @ np.maximum(X @ W.T, 0).T / len(W)
    np.testing.assert_allclose(H_mc, Hz, atol=6e-3)  # Monte-Carlo error about 1/(2√m) = 8e-4 per entry
    np.testing.assert_allclose(K_mc, Kz, atol=6e-3)


def test_deep_kernels_against_wide_networks():
    depth, m, nets = 3, 2000, 4
    both = np.vstack([Z, X])
    Kb, Tb = fs.limit_kernels(both, depth=depth)
    ntk, nngp = np.zeros_like(Tb), np.zeros_like(Kb)
    for seed in range(nets):  # the mean over a few networks: fluctuations O(1/√(m·nets))
        Ws, v = ov.init_deep(2, m, depth, seed=seed)
        ntk += np.asarray(ov.ntk_empirical(Ws, v, both)) * 2 / m / nets
        h = both
        for W in Ws:
            h = np.maximum(h @ W, 0)
        nngp += h @ h.T / nets  # h_L(z)ᵀh_L(x) → Σ⁽ᴸ⁾(z, x), the covariance of f₀
    # d = 2: each first-layer unit sees a 2-D Gaussian, so entries fluctuate by several percent at m = 2000
    assert np.abs(ntk - Tb).max() < 0.05 * np.abs(Tb).max() and np.abs(ntk - Tb).mean() < 0.01 * np.abs(Tb).max()
    assert np.abs(nngp - Kb).max() < 0.1 and np.abs(nngp - Kb).mean() < 0.025


def _odes(Tz, T, y, f0z, f0x, eta, t_end):
    n = len(y)

    def rhs(_, state):
        u = state[:n]
        return -eta * np.concatenate([T @ (u - y), Tz @ (u - y)])

    sol = solve_ivp(rhs, (0, t_end), np.concatenate([f0x, f0z]), rtol=1e-11, atol=1e-12, dense_output=True)
    return sol


def test_closed_form_against_explicit_integration_of_the_ode():
    _, Tz = fs.limit_kernels(X, Z)
    _, T = fs.limit_kernels(X)
    rng = np.random.default_rng(0)
    f0x, f0z = rng.standard_normal(len(X)), rng.standard_normal(len(Z))
    times = np.array([0.0, 0.3, 2.0, 11.0])
    closed = fs.kernel_trajectory(Tz, T, Y, times, eta=0.7, f0_z=f0z, f0_x=f0x)
    sol = _odes(Tz, T, Y, f0z, f0x, 0.7, times[-1])
    for k, t in enumerate(times):
        np.testing.assert_allclose(closed[k], sol.sol(t)[len(X):], atol=1e-8)
    # on the training inputs themselves the closed form is u_t, and at t → ∞ kernel regression
    on_train = fs.kernel_trajectory(T, T, Y, times, eta=0.7, f0_z=f0x, f0_x=f0x)
    np.testing.assert_allclose(on_train[-1], sol.sol(times[-1])[: len(X)], atol=1e-8)
    end = fs.kernel_trajectory(Tz, T, Y, [1e9], eta=1.0)[0]
    np.testing.assert_allclose(end, fs.kernel_regression(Tz, T, Y), atol=1e-8)


def test_discrete_closed_form_against_the_gd_recursion_and_a_singular_kernel():
    _, Tz = fs.limit_kernels(X, Z, depth=2)
    _, T = fs.limit_kernels(X, depth=2)
    eta = 1 / np.linalg.eigvalsh(T)[-1]
    u, fz = np.zeros(len(X)), np.zeros(len(Z))
    for _ in range(37):
        r = u - Y
        u, fz = u - eta * T @ r, fz - eta * Tz @ r
    np.testing.assert_allclose(fs.kernel_trajectory(Tz, T, Y, [37], eta=eta, discrete=True)[0], fz, atol=1e-10)
    # a rank-one kernel: Θ⁻¹ does not exist, the flow does (the filter tends to ηt on the null space)
    x = np.array([1.0, 2.0])
    Ts = np.outer(x, x)
    f = fs.kernel_trajectory(Ts, Ts, np.array([1.0, 0.0]), [0.0, 1.0, 50.0], eta=0.1)
    s = x @ np.array([1.0, 0.0]) / (x @ x)  # the part of y along x is fitted, the rest is not reached
    np.testing.assert_allclose(f[-1], s * x * (1 - np.exp(-0.1 * 5 * 50)), atol=1e-10)


def test_gp_moments_against_sampled_initial_functions():
    Kz, Tz = fs.limit_kernels(X, Z)
    K, T = fs.limit_kernels(X)
    Kzz, _ = fs.limit_kernels(Z)
    times = [0.0, 1.0, 5.0]
    mean, var = fs.gp_moments(Kzz, Kz, K, Tz, T, Y, times, eta=1.0)
    both = np.block([[Kzz, Kz], [Kz.T, K]])
    rng = np.random.default_rng(3)
    L = np.linalg.cholesky(both + 1e-12 * np.eye(len(both)))
    samples = rng.standard_normal((20_000, len(both))) @ L.T
    # f_t is linear in f₀: push the samples through the closed form (columns: one initial function each)
    lam, V = np.linalg.eigh(T)
    outs = []
    for t in times:
        A = Tz @ V @ np.diag(-np.expm1(-lam * t) / lam) @ V.T
        outs.append(samples[:, : len(Z)] + (Y - samples[:, len(Z):]) @ A.T)
    outs = np.stack(outs)
    np.testing.assert_allclose(outs.mean(1), mean, atol=0.03)
    np.testing.assert_allclose(outs.var(1), var, atol=0.03)
    np.testing.assert_allclose(var[0], np.diag(Kzz), atol=1e-12)  # at t = 0 the prior variance K(z, z)


def test_bad_input_names_the_argument():
    _, T = fs.limit_kernels(X)
    with pytest.raises(ValueError, match="eta"):
        fs.kernel_trajectory(T, T, Y, [1.0], eta=-1.0)
    with pytest.raises(ValueError, match="theta_zx"):
        fs.kernel_trajectory(T[:, :3], T, Y, [1.0], eta=1.0)
    with pytest.raises(ValueError, match="y"):
        fs.kernel_trajectory(T, T, Y[:3], [1.0], eta=1.0)
    with pytest.raises(ValueError, match="times"):
        fs.kernel_trajectory(T, T, Y, [-1.0], eta=1.0)
    with pytest.raises(ValueError, match="Z"):
        fs.limit_kernels(X, 2 * Z)
