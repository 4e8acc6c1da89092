import numpy as np
import pytest
import torch

import ovptools as ov


def test_two_layer_forward_matches_its_formula(dtype, device):
    X = ov.sphere(9, 4, seed=0)
    W, a = ov.init_two_layer(4, 13, seed=1)
    brute = [sum(a[r] * max(W[r] @ x, 0) for r in range(13)) / np.sqrt(13) for x in X]
    u = ov.two_layer_forward(*(torch.as_tensor(t, dtype=dtype, device=device) for t in (W, a, X)))
    assert u.shape == (9,) and u.dtype == dtype
    np.testing.assert_allclose(u.cpu().numpy(), brute, rtol=1e-5)
    np.testing.assert_allclose(ov.two_layer_forward(W, a, X), brute, rtol=1e-12)
    net = ov.TwoLayerNet(W, a)
    np.testing.assert_allclose(net(torch.as_tensor(X)).detach().numpy(), brute, rtol=1e-12)


def test_antisymmetric_init_gives_zero_output():
    X = ov.sphere(20, 5, seed=0)
    W, a = ov.init_two_layer(5, 100, seed=1, antisymmetric=True)
    np.testing.assert_allclose(ov.two_layer_forward(W, a, X), 0, atol=1e-12)
    with pytest.raises(ValueError, match="m: .*even"):
        ov.init_two_layer(5, 7, seed=0, antisymmetric=True)


def test_deep_forward_matches_module_and_loop():
    X = ov.sphere(5, 3, seed=0)
    Ws, v = ov.init_deep(3, 8, 3, seed=1)
    ref = []
    for x in X:
        h = x
        for W in Ws:
            h = np.maximum(W.T @ h, 0)
        ref.append(v @ h)
    np.testing.assert_allclose(ov.deep_relu_forward(Ws, v, X), ref, rtol=1e-12)
    net = ov.DeepReLUNet(Ws, v)
    np.testing.assert_allclose(net(torch.as_tensor(X)).detach().numpy(), ref, rtol=1e-12)
    assert [tuple(p.shape) for p in net.parameters()] == [(3, 8), (8, 8), (8, 8)]


def test_deep_init_keeps_hidden_norms_near_one():
    X = ov.sphere(50, 20, seed=0)
    Ws, v = ov.init_deep(20, 2048, 5, seed=1)
    np.testing.assert_allclose([np.std(W) for W in Ws], np.sqrt(2 / 2048), rtol=0.02)
    h = X
    for W in Ws:
        h = np.maximum(h @ W, 0)
        assert abs(np.mean(np.linalg.norm(h, axis=1)) - 1) < 0.1
    assert set(np.unique(v)) == {-1.0, 1.0}


@pytest.mark.parametrize("slope", [None, 0.0, 0.2])
def test_one_layer_net_matches_its_formula_and_jacobian(slope):
    rng = np.random.default_rng(0)
    W, v, X = rng.standard_normal((4, 3)), rng.standard_normal(4), rng.standard_normal((6, 3))
    Z = X @ W.T
    act = Z if slope is None else np.where(Z >= 0, Z, slope * Z)
    net = ov.OneLayerNet(W, v, slope=slope)
    np.testing.assert_allclose(net(torch.as_tensor(X)).detach().numpy(), act @ v, rtol=1e-12)
    D = np.ones_like(Z) if slope is None else np.where(Z >= 0, 1.0, slope)
    J = np.einsum("ia,a,ib->iab", D, v, X).reshape(6, 12)
    np.testing.assert_allclose(ov.jacobian(net, X).numpy(), J, rtol=1e-12)
    with pytest.raises(ValueError, match="slope"):
        ov.OneLayerNet(W, v, slope=2.0)
    with pytest.raises(ValueError, match="v: expected length k = 4"):
        ov.OneLayerNet(W, v[:3])
