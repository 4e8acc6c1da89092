"""ovptools.function_space against independent references: the analytic kernels against the package's
square kernels and Monte-Carlo estimates at large width; the closed form against explicit integration of
the ODE and the explicit GD recursion; the GP moments against sampled initial functions; the batched
ensemble trainer against the package's per-network trainers; the Taylor model against the closed form
with the empirical kernel."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.integrate import solve_ivp

import ovptools as ov
from ovptools import ensembles as en
from ovptools import function_space as fs
from ovptools.experiments.kernel_regime import loop_train

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


def test_batched_ensemble_matches_the_package_trainers_network_by_network():
    nets = [ov.init_two_layer(2, 40, seed=s) for s in range(4)]
    ens = en.stack_ensemble(nets, dtype=torch.float64)
    run = en.train_ensemble(X, Y, ens, eta=0.3, steps=30, X_eval=Z)
    for e, (W, a) in enumerate(nets):
        ref = ov.train_two_layer(X, Y, W, a, eta=0.3, steps=30, track_gram=False, device="cpu", progress=False)
        np.testing.assert_allclose(run.loss[:, e], ref.loss, rtol=1e-10)
        np.testing.assert_allclose(run.f_eval[-1, e], ov.two_layer_forward(ref.W, a, Z), atol=1e-10)
    deep = [ov.init_deep(2, 16, 3, seed=s) for s in range(3)]
    ens = en.stack_ensemble(deep, "deep", dtype=torch.float64)
    run = en.train_ensemble(X, Y, ens, eta=0.02, steps=20, X_eval=Z)
    modules = loop_train(torch.tensor(X), torch.tensor(Y), [ov.DeepReLUNet(Ws, v) for Ws, v in deep],
                            eta=0.02, steps=20)
    for e, net in enumerate(modules):
        with torch.no_grad():
            np.testing.assert_allclose(run.f_eval[-1, e], net(torch.tensor(Z)).numpy(), atol=1e-10)
    # the fresh ensembles draw the course's distributions: w ~ N(0, I), a = ±1; W_l ~ N(0, 2/m), balanced v
    W = en.two_layer_ensemble(3, 500, 40, seed=0).params[0]
    assert abs(float(W.std()) - 1) < 0.02
    d = en.deep_ensemble(2, 64, 2, 30, seed=0)
    assert abs(float(d.params[1].var()) * 64 / 2 - 1) < 0.05 and float(d.fixed[0].sum(1).abs().max()) == 0


def _two_layer_jacobian(W, a, P):
    m = len(W)
    S = (P @ W.T >= 0).astype(float)
    return (S * a)[:, :, None] * P[:, None, :] / np.sqrt(m)  # (n, m, d)


@pytest.mark.parametrize("kind", ["two_layer", "generic"])
def test_taylor_model_follows_the_closed_form_with_the_empirical_kernel(kind):
    W, a = ov.init_two_layer(2, 30, seed=5)
    base = en.stack_ensemble([(W, a)], dtype=torch.float64)
    ens = en.Ensemble(kind, base.params, base.fixed, base.forward)  # "generic": the torch.func path
    run = en.train_ensemble(X, Y, ens, eta=0.4, steps=25, record=[0, 10, 25], X_eval=Z, linear=True)
    Jx = _two_layer_jacobian(W, a, X).reshape(len(X), -1)
    Jz = _two_layer_jacobian(W, a, Z).reshape(len(Z), -1)
    f0x, f0z = ov.two_layer_forward(W, a, X), ov.two_layer_forward(W, a, Z)
    expected = fs.kernel_trajectory(Jz @ Jx.T, Jx @ Jx.T, Y, [0, 10, 25], eta=0.4, f0_z=f0z, f0_x=f0x,
                                    discrete=True)
    np.testing.assert_allclose(run.f_eval[:, 0], expected, atol=1e-10)


def test_deep_taylor_model_against_finite_differences():
    Ws, v = ov.init_deep(2, 12, 2, seed=2)
    ens = en.stack_ensemble([(Ws, v)], "deep", dtype=torch.float64)
    f0, jvp, vjp = en.linearized(ens, torch.tensor(Z))
    rng = np.random.default_rng(0)
    deltas = [torch.tensor(rng.standard_normal(W.shape)).unsqueeze(0) for W in Ws]
    eps = 1e-6
    moved = ov.deep_relu_forward([W + eps * dW[0].numpy() for W, dW in zip(Ws, deltas)], v, Z)
    np.testing.assert_allclose(jvp(deltas)[0].numpy(), (moved - f0[0].numpy()) / eps, rtol=1e-4, atol=1e-6)
    r = torch.tensor(rng.standard_normal((1, len(Z))))
    lhs = float((r * jvp(deltas)).sum())
    rhs = sum(float((g * dW).sum()) for g, dW in zip(vjp(r), deltas))
    assert abs(lhs - rhs) < 1e-10 * max(1.0, abs(lhs))  # ⟨r, J δ⟩ = ⟨Jᵀr, δ⟩


def test_output_scale_keeps_the_kernel_at_initialization_and_becomes_lazy():
    far = []
    for alpha in (1.0, 10.0, 100.0):
        ens = en.two_layer_ensemble(2, 64, 4, seed=0, antisymmetric=True, dtype=torch.float64)
        lin = en.two_layer_ensemble(2, 64, 4, seed=0, antisymmetric=True, dtype=torch.float64)
        a = en.train_ensemble(X, Y, ens, eta=0.5, steps=40, record=range(41), X_eval=Z, alpha=alpha)
        b = en.train_ensemble(X, Y, lin, eta=0.5, steps=40, record=range(41), X_eval=Z, alpha=alpha, linear=True)
        assert np.abs(a.f_eval[0]).max() < 1e-12  # antisymmetric pairs: f₀ = 0 (up to rounding)
        far.append(np.abs(a.f_eval - b.f_eval).max())
    assert far[0] > far[1] > far[2] and far[2] < 0.02 * far[0]


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
    with pytest.raises(ValueError, match="m"):
        en.two_layer_ensemble(2, 7, 3, seed=0, antisymmetric=True)
    with pytest.raises(ValueError, match="record"):
        en.train_ensemble(X, Y, en.two_layer_ensemble(2, 8, 2, seed=0), eta=0.1, steps=5, record=[9])
