"""Every kernel against an independent reference: brute-force loops, Monte Carlo, autograd."""

import math

import numpy as np
import pytest
import torch
from conftest import tol

import ovptools as ov


def _t(x, dtype, device):
    return torch.as_tensor(x, dtype=dtype, device=device)


def gram_empirical_loops(W, X):
    """H_ij = x_iᵀx_j/m · #{r : w_rᵀx_i ≥ 0 and w_rᵀx_j ≥ 0}, one entry at a time."""
    m, n = len(W), len(X)
    H = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            count = sum(1 for r in range(m) if W[r] @ X[i] >= 0 and W[r] @ X[j] >= 0)
            H[i, j] = X[i] @ X[j] * count / m
    return H


@pytest.mark.parametrize("n,d,m", [(1, 2, 1), (5, 3, 7), (12, 4, 40)])
def test_gram_empirical_matches_loops(n, d, m, dtype, device):
    X, (W, _) = ov.sphere(n, d, seed=1), ov.init_two_layer(d, m, seed=2)
    H = ov.gram_empirical(_t(W, dtype, device), _t(X, dtype, device))
    assert isinstance(H, torch.Tensor) and H.dtype == dtype and H.device.type == device
    np.testing.assert_allclose(H.cpu().numpy(), gram_empirical_loops(W, X), rtol=tol(dtype), atol=tol(dtype))


def test_gram_empirical_counts_ties_as_active():
    # w_1 is orthogonal to x_1: w_1ᵀx_1 = 0 exactly, which the paper's 1{· ≥ 0} counts.
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    W = np.array([[0.0, 1.0], [0.0, -1.0]])
    H = ov.gram_empirical(W, X)
    assert isinstance(H, np.ndarray)
    np.testing.assert_allclose(H, gram_empirical_loops(W, X))
    assert H[0, 0] == 1.0  # both neurons have w_rᵀx_1 = 0: both count


def test_gram_infinite_matches_monte_carlo():
    X = ov.sphere(6, 4, seed=0)
    w = np.random.default_rng(1).standard_normal((400_000, 4))
    S = (X @ w.T >= 0).astype(float)
    mc = (X @ X.T) * (S @ S.T) / len(w)
    np.testing.assert_allclose(ov.gram_infinite(X), mc, atol=5e-3)


def test_gram_infinite_angle_formula_loops(dtype, device):
    X = ov.sphere(7, 3, seed=4)
    ref = np.array(
        [[xi @ xj * (math.pi - math.acos(np.clip(xi @ xj, -1, 1))) / (2 * math.pi) for xj in X] for xi in X]
    )
    H = ov.gram_infinite(_t(X, dtype, device)).cpu().numpy()
    np.testing.assert_allclose(H, ref, rtol=tol(dtype), atol=tol(dtype))


def test_gram_infinite_properties_and_clipping():
    X = ov.sphere(30, 5, seed=0)
    X = np.vstack([X, X[:1]])  # an exact duplicate: x_iᵀx_j may round above 1
    H = ov.gram_infinite(X)
    assert not np.isnan(H).any()
    np.testing.assert_allclose(np.diag(H), 0.5)
    np.testing.assert_allclose(H, H.T)
    assert np.linalg.eigvalsh(H)[0] > -1e-10  # PSD
    assert ov.lambda_min(H) < 1e-8  # two parallel inputs: λ₀ = 0 (Thm 3.1 needs them apart)


def test_lambda0_shrinks_as_two_inputs_align():
    lams = []
    for angle in [1.0, 0.3, 0.1, 0.03]:
        X = np.array([[1.0, 0.0], [math.cos(angle), math.sin(angle)]])
        lams.append(ov.lambda_min(ov.gram_infinite(X)))
    assert all(a > b > 0 for a, b in zip(lams, lams[1:]))


def test_gram_empirical_converges_to_infinite_like_one_over_sqrt_m():
    X = ov.sphere(20, 5, seed=0)
    Hinf = ov.gram_infinite(X)
    widths = [100, 400, 1600, 6400]
    errs = []
    for m in widths:
        e = [np.linalg.norm(ov.gram_empirical(ov.init_two_layer(5, m, seed=s)[0], X) - Hinf, 2) for s in range(20)]
        errs.append(np.mean(e))
    slope = np.polyfit(np.log(widths), np.log(errs), 1)[0]
    assert -0.6 < slope < -0.4, slope


def test_nngp_infinite_matches_monte_carlo_and_two_layer_ntk():
    X = ov.sphere(5, 3, seed=2)
    w = np.random.default_rng(0).standard_normal((400_000, 3))
    A = np.maximum(X @ w.T, 0)
    np.testing.assert_allclose(ov.nngp_infinite(X), A @ A.T / len(w), atol=5e-3)
    # Both layers trained: the two-layer tangent kernel is H(W) + K1(W) → H∞ + K₁.
    W, a = ov.init_two_layer(3, 200_000, seed=1)
    K = ov.tangent_kernel(ov.TwoLayerNet(W, a, train_a=True), X).numpy()
    np.testing.assert_allclose(K, ov.gram_infinite(X) + ov.nngp_infinite(X), atol=1e-2)


def test_first_layer_tangent_kernel_is_the_gram_matrix():
    # H(W) is exactly JJᵀ for the Jacobian of u w.r.t. W (no ties at random weights).
    X = ov.sphere(8, 4, seed=0)
    W, a = ov.init_two_layer(4, 50, seed=1)
    J = ov.jacobian(ov.TwoLayerNet(W, a), X).numpy()
    np.testing.assert_allclose(J @ J.T, ov.gram_empirical(W, X), rtol=1e-10)


def ntk_per_example_loop(Ws, v, X):
    """K_ij = <∇f(x_i), ∇f(x_j)> with one autograd call per sample."""
    net = ov.DeepReLUNet(Ws, v)
    grads = []
    for x in torch.as_tensor(X):
        net.zero_grad()
        net(x[None]).sum().backward()
        grads.append(torch.cat([p.grad.flatten() for p in net.parameters()]))
    G = torch.stack(grads)
    return (G @ G.T).numpy()


@pytest.mark.parametrize("n,d,width,depth", [(1, 3, 4, 1), (6, 5, 16, 2), (10, 4, 32, 4)])
def test_ntk_empirical_matches_torch_func_and_autograd_loop(n, d, width, depth, dtype, device):
    X = ov.sphere(n, d, seed=0)
    Ws, v = ov.init_deep(d, width, depth, seed=1)
    K = ov.ntk_empirical([_t(W, dtype, device) for W in Ws], _t(v, dtype, device), _t(X, dtype, device))
    assert K.shape == (n, n) and K.dtype == dtype
    ref = ntk_per_example_loop(Ws, v, X)
    np.testing.assert_allclose(K.cpu().numpy(), ref, rtol=tol(dtype), atol=tol(dtype) * np.abs(ref).max())
    J = ov.jacobian(ov.DeepReLUNet(Ws, v), X).numpy()
    np.testing.assert_allclose(ref, J @ J.T, rtol=1e-10)


def test_ntk_empirical_with_trained_output_layer():
    X = ov.sphere(7, 3, seed=0)
    Ws, v = ov.init_deep(3, 16, 2, seed=1)
    K = ov.ntk_empirical(Ws, v, X, train_v=True)
    J = ov.jacobian(ov.DeepReLUNet(Ws, v, train_v=True), X).numpy()
    np.testing.assert_allclose(K, J @ J.T, rtol=1e-10)


def _generic(model, X):
    J = ov.jacobian(model, X)
    return (J @ J.T).numpy()


def test_tangent_kernel_dispatches_to_exact_fast_paths():
    """The one entry point gives J Jᵀ of the one Jacobian on every path it takes."""
    X = ov.sphere(9, 4, seed=0)
    W, a = ov.init_two_layer(4, 30, seed=1)
    a_scaled = a * np.linspace(0.5, 2.0, len(a))
    Ws, v = ov.init_deep(4, 12, 3, seed=2)
    frozen = ov.DeepReLUNet(Ws, v)
    frozen.Ws[1].requires_grad_(False)
    models = [ov.TwoLayerNet(W, a), ov.TwoLayerNet(W, a_scaled), ov.TwoLayerNet(W, a_scaled, train_a=True),
              ov.DeepReLUNet(Ws, v), ov.DeepReLUNet(Ws, v, train_v=True), frozen]
    for model in models:
        K = ov.tangent_kernel(model, X)
        assert isinstance(K, torch.Tensor) and K.shape == (9, 9)
        np.testing.assert_allclose(K.numpy(), _generic(model, X), rtol=1e-10, atol=1e-12)
    assert not np.allclose(_generic(frozen, X), _generic(ov.DeepReLUNet(Ws, v), X))  # the frozen layer counts


def test_jacobian_of_a_vector_output_model_and_at_other_parameters():
    torch.manual_seed(0)  # nn.Linear's initialization (test-only)
    model = torch.nn.Linear(3, 2).double()
    X = torch.tensor(ov.sphere(4, 3, seed=0))
    J = ov.jacobian(model, X)
    assert J.shape == (8, 8)  # rows i·2 + k, columns: weight (2×3) then bias (2)
    np.testing.assert_allclose(J[1].numpy(), [0, 0, 0, *X[0].numpy(), 0, 1])  # output 1 of sample 0
    np.testing.assert_allclose(ov.tangent_kernel(model, X).numpy(), (J @ J.T).numpy())
    net = ov.TwoLayerNet(*ov.init_two_layer(3, 5, seed=0))
    W1 = ov.init_two_layer(3, 5, seed=1)[0]
    np.testing.assert_allclose(ov.jacobian(net, X, at=torch.tensor(W1).reshape(-1)).numpy(),
                               ov.jacobian(ov.TwoLayerNet(W1, net.a), X).numpy())
    with pytest.raises(ValueError, match="at: expected the model's 15 trainable parameters, got 3"):
        ov.jacobian(net, X, at=torch.zeros(3))


def test_ntk_is_symmetric_psd():
    X = ov.sphere(15, 6, seed=0)
    Ws, v = ov.init_deep(6, 32, 3, seed=1)
    K = ov.ntk_empirical(Ws, v, X)
    np.testing.assert_allclose(K, K.T, rtol=1e-12)
    assert ov.lambda_min(K) > -1e-8 * np.abs(K).max()


@pytest.mark.slow  # a few seconds: in `make test`, not in the inner loop (pytest -m "not slow")
@pytest.mark.parametrize("depth", [1, 2, 3])
def test_ntk_infinite_is_the_wide_limit(depth):
    X = ov.sphere(6, 5, seed=0)
    theta = ov.ntk_infinite(X, depth)
    np.testing.assert_allclose(np.diag(theta), depth)  # Θ(x, x) = L on the unit sphere
    errs = []
    for m in [64, 4096]:  # 64x wider: the error should shrink about 8x (fluctuations ∝ m^(-1/2))
        e = [np.abs(ov.ntk_empirical(*ov.init_deep(5, m, depth, seed=s), X) * 2 / m - theta).max() for s in range(8)]
        errs.append(np.mean(e))
    assert errs[1] < errs[0] / 4 and errs[1] < 0.1 * depth
    if depth == 1:
        np.testing.assert_allclose(theta, 2 * ov.gram_infinite(X))


def test_eigen_projections_reconstruct():
    X = ov.sphere(10, 4, seed=0)
    H, y = ov.gram_infinite(X), ov.gaussian_labels(10, seed=1)
    lam, proj = ov.eigen_projections(H, y)
    assert np.all(np.diff(lam) <= 1e-12)  # descending
    np.testing.assert_allclose(np.sum(proj**2), y @ y)
    np.testing.assert_allclose(lam[-1], ov.lambda_min(H))
    # yᵀH⁻¹y = Σ (v_iᵀy)²/λ_i
    np.testing.assert_allclose(np.sum(proj**2 / lam), y @ np.linalg.solve(H, y), rtol=1e-8)


def test_lambda_min_matches_eigvalsh_and_torch_input():
    A = np.random.default_rng(0).standard_normal((6, 6))
    H = A @ A.T
    assert ov.lambda_min(H) == pytest.approx(np.linalg.eigvalsh(H)[0], rel=1e-10)
    assert ov.lambda_min(torch.as_tensor(H)) == pytest.approx(np.linalg.eigvalsh(H)[0], rel=1e-10)


def test_gram_empirical_large_cpu_path_agrees_with_the_formula():
    # n²m ≥ 2^28 takes the numpy/syrk path; compare with the plain formula in float64
    X = ov.sphere(64, 8, seed=0).astype(np.float32)
    W = np.random.default_rng(1).standard_normal((2**16, 8)).astype(np.float32)
    S = (X.astype(float) @ W.T.astype(float) >= 0).astype(float)
    ref = (X.astype(float) @ X.T.astype(float)) * (S @ S.T) / len(W)
    np.testing.assert_allclose(ov.gram_empirical(W, X), ref, rtol=1e-5, atol=1e-6)
    bad = W.copy()
    bad[5, 3] = np.nan
    with pytest.raises(ValueError, match="W: contains 1 NaN"):
        ov.gram_empirical(bad, X)


def test_gram_infinite_diagonal_is_one_half_up_to_the_documented_rounding():
    X = ov.sphere(300, 64, seed=0)
    np.testing.assert_allclose(np.diag(ov.gram_infinite(X)), 0.5, rtol=0, atol=2e-8)
    np.testing.assert_allclose(ov.gram_infinite(torch.as_tensor(X, dtype=torch.float32)).diagonal(), 0.5,
                               rtol=0, atol=3e-4)


def test_gram_empirical_returns_the_type_of_w():
    X, (W, _) = ov.sphere(4, 3, seed=0), ov.init_two_layer(3, 5, seed=1)
    assert isinstance(ov.gram_empirical(W, torch.as_tensor(X)), np.ndarray)
    H = ov.gram_empirical(torch.as_tensor(W, dtype=torch.float32), X)
    assert isinstance(H, torch.Tensor) and H.dtype == torch.float32
