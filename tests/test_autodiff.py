"""Hessian-vector products and extreme Hessian eigenvalues against explicit Hessians."""

import numpy as np
import pytest
import torch

import ovptools as ov


def saddle(w):
    """f(x, y) = ½x² + ¼y⁴ − ½y²: a strict saddle at 0 (Hessian eigenvalues 1 and −1)."""
    return 0.5 * w[0] ** 2 + 0.25 * w[1] ** 4 - 0.5 * w[1] ** 2


def test_hvp_matches_the_explicit_hessian():
    g = np.random.default_rng(0)
    A = g.standard_normal((6, 6))
    f = lambda w: torch.sum(torch.sin(w) * (torch.as_tensor(A) @ w)) + (w**4).sum()  # noqa: E731
    w, v = g.standard_normal(6), g.standard_normal(6)
    H = torch.autograd.functional.hessian(f, torch.as_tensor(w)).numpy()
    out = ov.hvp(f, w, v)
    assert isinstance(out, np.ndarray)
    np.testing.assert_allclose(out, H @ v, rtol=1e-10, atol=1e-12)
    assert isinstance(ov.hvp(f, torch.as_tensor(w), v), torch.Tensor)


def test_hessian_extremes_find_the_strict_saddle():
    top, bottom = ov.hessian_extremes(saddle, np.zeros(2))
    assert top == pytest.approx(1.0, abs=1e-12) and bottom == pytest.approx(-1.0, abs=1e-12)
    top, bottom = ov.hessian_extremes(saddle, np.array([0.0, 1.0]))  # a minimizer: both positive
    assert bottom == pytest.approx(1.0) and top == pytest.approx(2.0)


def test_hessian_extremes_of_a_network_loss():
    X, y = ov.sphere(10, 3, seed=0), ov.gaussian_labels(10, seed=1)
    W0, a = ov.init_two_layer(3, 8, seed=2)
    Xt, yt, at = (torch.as_tensor(v) for v in (X, y, a))

    def loss(w):
        u = torch.relu(Xt @ w.reshape(8, 3).T) @ at / np.sqrt(8)
        return 0.5 * ((u - yt) ** 2).sum()

    H = torch.autograd.functional.hessian(loss, torch.as_tensor(W0.ravel())).numpy()
    ev = np.linalg.eigvalsh(H)
    top, bottom = ov.hessian_extremes(loss, W0.ravel(), steps=24)  # p = 24: Lanczos is exact
    assert top == pytest.approx(ev[-1], rel=1e-9) and bottom == pytest.approx(ev[0], abs=1e-9 * ev[-1])
    top20, _ = ov.hessian_extremes(loss, W0.ravel(), steps=12)  # fewer steps: the top converges first
    assert top20 == pytest.approx(ev[-1], rel=1e-3)


def test_hessian_extremes_check_their_input():
    with pytest.raises(ValueError, match="loss: expected it to return a scalar"):
        ov.hessian_extremes(lambda w: w, np.zeros(2))
    with pytest.raises(ValueError, match="steps: expected an integer >= 1"):
        ov.hessian_extremes(saddle, np.zeros(2), steps=0)


@pytest.mark.parametrize("loss", [
    lambda w: torch.tensor(3.0, dtype=w.dtype),  # constant, without a graph
    lambda w: 0.0 * w.sum() + 3.0,  # constant, with a graph
    lambda w: (torch.arange(3.0, dtype=w.dtype) * w).sum(),  # linear
], ids=["constant", "constant-graph", "linear"])
def test_flat_losses_have_the_zero_hessian(loss):
    # regression: autograd raised "does not require grad" on the second derivative
    np.testing.assert_array_equal(ov.hvp(loss, np.ones(3), np.array([1.0, -2.0, 0.5])), np.zeros(3))
    assert ov.hessian_extremes(loss, np.ones(3)) == (0.0, 0.0)


def test_hvp_of_a_loss_partly_linear():
    # f(w) = w_0² + 5 w_1: the Hessian is diag(2, 0); w_1's unused second derivative is 0
    np.testing.assert_array_equal(ov.hvp(lambda w: w[0] ** 2 + 5 * w[1], np.ones(2), np.array([1.0, 1.0])), [2.0, 0.0])
