"""Part III's experiments, at small scale, against their predicted trends."""

import math

import numpy as np
import pytest
import torch

import ovptools as ov
import ovptools.experiments.part3 as ex
from ovptools.autodiff import tangent_kernel


def test_deep_nets_train_lazily_as_width_grows():
    out = ex.deep_lazy_training(widths=(64, 128, 256, 512), depth=3, steps=200)
    assert np.all(out["train_accuracy"] == 1.0)  # every width fits the separated data
    assert np.all(out["loss"][:, -1] < 0.1 * out["loss"][:, 0])
    # the weights, the patterns and the kernel all move less as m grows
    assert np.all(out["relative_slope"] < -0.3), out["relative_slope"]
    assert np.all(out["pattern_slope"] < -0.2), out["pattern_slope"]
    assert out["ntk_slope"] < -0.5, out["ntk_slope"]
    # the d×m first layer moves like m^(-1/2); the m×m middle layers faster than that
    assert -0.75 < out["relative_slope"][0] < -0.3
    assert np.all(out["relative_slope"][1:] < out["relative_slope"][0])
    # ... because the absolute change falls like m^(-1/2) in every layer and only the norms differ:
    # ‖W_1(0)‖_F ≈ √(2d) is flat in m, ‖W_l(0)‖_F ≈ √(2m) for the m×m layers
    assert np.all((out["absolute_slope"] > -0.7) & (out["absolute_slope"] < -0.3)), out["absolute_slope"]
    norms = out["absolute_change"] / out["relative_change"]
    np.testing.assert_allclose(norms[:, 0], math.sqrt(2 * 16), rtol=0.15)
    np.testing.assert_allclose(norms[:, 1], np.sqrt(2 * out["widths"]), rtol=0.1)


def test_deep_lazy_training_repeats_over_seeds():
    out = ex.deep_lazy_training(widths=(16, 32), depth=2, n=16, d=6, steps=5, seeds=2, device="cpu")
    assert out["relative_change_seeds"].shape == (2, 2, 2)
    assert out["relative_slopes"].shape == (2, 2) and out["ntk_slopes"].shape == (2,)
    np.testing.assert_allclose(out["relative_change"], out["relative_change_seeds"].mean(axis=0))
    # the two draws use different data and weights
    assert not np.allclose(out["relative_change_seeds"][0], out["relative_change_seeds"][1])
    with pytest.raises(ValueError, match="widths"):
        ex.deep_lazy_training(widths=(16,), steps=5)


def test_empirical_ntk_approaches_the_infinite_width_kernel():
    out = ex.ntk_convergence(ov.sphere(8, 5, seed=0), depth=2, widths=(64, 256, 1024), seeds=6)
    assert np.all(np.diff(out["relative_error"]) < 0)
    assert -0.7 < out["slope"] < -0.3, out["slope"]


def test_accuracy_grid_finds_the_widths_that_fit():
    grid = ex.accuracy_grid(widths=(2, 16), depths=(2, 3), n=32, d=8, steps=100, seeds=2)
    assert grid["accuracy"].shape == (2, 2, 2)
    assert np.all(grid["fits"][:, 1]) and not np.any(grid["fits"][:, 0])  # m = 16 fits, m = 2 does not
    assert list(grid["smallest"]) == [16, 16]
    assert grid["phi"] >= 0.1  # separated_data guarantees the separation it was asked for


@pytest.mark.parametrize("depth, c", [(1, 1.0), (2, 0.7), (4, 2.0)])
def test_residual_ntk_matches_autodiff(depth, c):
    Ws, v = ov.init_deep(5, 12, depth, seed=depth)
    net = ex.ResidualReLUNet([torch.tensor(W) for W in Ws], torch.tensor(v), c=c)
    X = ov.sphere(7, 5, seed=1)
    K = ex.residual_ntk(net, X)
    ref = tangent_kernel(net, torch.tensor(X))
    assert float((K - ref).abs().max()) < 1e-6 * float(ref.abs().max())


def test_residual_net_is_the_plain_net_at_depth_one_and_adds_scaled_blocks():
    Ws, v = ov.init_deep(4, 8, 3, seed=0)
    X = torch.tensor(ov.sphere(5, 4, seed=2))
    one = ex.ResidualReLUNet([torch.tensor(Ws[0])], torch.tensor(v))
    torch.testing.assert_close(one(X), torch.tensor(ov.deep_relu_forward(Ws[:1], v, X.numpy())))
    net = ex.ResidualReLUNet([torch.tensor(W) for W in Ws], torch.tensor(v), c=1.5)
    h1 = torch.relu(X @ torch.tensor(Ws[0]))
    h2 = h1 + 0.5 * torch.relu(h1 @ torch.tensor(Ws[1]))
    h3 = h2 + 0.5 * torch.relu(h2 @ torch.tensor(Ws[2]))
    torch.testing.assert_close(net(X), h3 @ torch.tensor(v))


def test_residual_net_rejects_bad_input():
    Ws, v = ov.init_deep(4, 8, 2, seed=0)
    with pytest.raises(ValueError, match="c"):
        ex.ResidualReLUNet(Ws, v, c=0.0)
    with pytest.raises(ValueError, match=r"Ws\[1\]"):
        ex.ResidualReLUNet([Ws[0], np.zeros((8, 6))], np.ones(6))
    with pytest.raises(ValueError, match="net"):
        ex.residual_ntk(ov.DeepReLUNet(Ws, v), ov.sphere(3, 4, seed=0))


def test_plain_kernel_grows_with_depth_and_the_residual_kernel_does_not():
    out = ex.plain_vs_residual(depths=(4, 16), m=64, n=16, d=6, steps=20, seed=0, device="cpu")
    shallow, deep = out["results"]
    ratio = [r["lam_max"]["plain"] / r["lam_max"]["residual"] for r in (shallow, deep)]
    assert ratio[1] > 1.5 * ratio[0], ratio  # one m-sized kernel term per plain layer: the gap grows with L
    assert 0.5 < deep["lam_max"]["residual"] / shallow["lam_max"]["residual"] < 1.5  # blocks scaled by c/L
    assert deep["eta"]["plain"] < deep["eta"]["residual"]
    run = deep["runs"]["residual"]
    assert run["diverged_at"] is None and run["loss"] < run["loss0"]


def test_width_bounds():
    assert ex.zou_width_bound(2, 1, 1.0) == pytest.approx(2.0**26)
    assert ex.zou_width_bound(64, 3, 0.5) / ex.zou_width_bound(64, 3, 1.0) == pytest.approx(2.0**8)
    assert ex.zou_width_bound(64, 2, 0.1) / ex.zou_width_bound(64, 1, 0.1) == pytest.approx(2.0**38)
    assert ex.du_lee_resnet_width_bound(10, 1, 1.0) == pytest.approx(1e4)
    assert ex.du_lee_resnet_width_bound(10, 2, 0.5) == pytest.approx(1e4 * 16 / 64)
    with pytest.raises(ValueError, match="phi"):
        ex.zou_width_bound(10, 2, 0.0)
    with pytest.raises(ValueError, match="lam0"):
        ex.du_lee_resnet_width_bound(10, 2, -1.0)


def test_ntk_timing_compares_equal_kernels():
    Ws, v = ov.init_deep(6, 32, 3, seed=0)
    out = ex.ntk_timing(Ws, v, ov.sphere(10, 6, seed=1), repeats=1)
    assert out["max_relative_difference"] < 1e-10  # float64: the two methods compute the same J Jᵀ
    assert out["layerwise"] > 0 and out["torch_func"] > 0 and out["parameters"] == 6 * 32 + 2 * 32 * 32
