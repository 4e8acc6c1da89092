"""Part III's experiments, at small scale, against their predicted trends."""

import math

import numpy as np
import pytest
import torch

import ovptools as ov
import ovptools.experiments.part3 as ex
from ovptools.autodiff import jacobian
from ovptools.kernels import tangent_kernel


@pytest.mark.slow  # a few seconds: in `make test`, not in the inner loop (pytest -m "not slow")
def test_deep_nets_train_lazily_as_width_grows():
    out = ex.deep_lazy_training(widths=(64, 128, 256, 512), depth=3, steps=200)
    assert np.all(out.train_accuracy == 1.0)  # every width fits the separated data
    assert np.all(out.loss[:, -1] < 0.1 * out.loss[:, 0])
    # the weights, the patterns and the kernel all move less as m grows
    assert np.all(out.relative_slope < -0.3), out.relative_slope
    assert np.all(out.pattern_slope < -0.2), out.pattern_slope
    assert out.ntk_slope < -0.5, out.ntk_slope
    # the d×m first layer moves like m^(-1/2); the m×m middle layers faster than that
    assert -0.75 < out.relative_slope[0] < -0.3
    assert np.all(out.relative_slope[1:] < out.relative_slope[0])
    # ... because the absolute change falls like m^(-1/2) in every layer and only the norms differ:
    # ‖W_1(0)‖_F ≈ √(2d) is flat in m, ‖W_l(0)‖_F ≈ √(2m) for the m×m layers
    assert np.all((out.absolute_slope > -0.7) & (out.absolute_slope < -0.3)), out.absolute_slope
    norms = out.absolute_change / out.relative_change
    np.testing.assert_allclose(norms[:, 0], math.sqrt(2 * 16), rtol=0.15)
    np.testing.assert_allclose(norms[:, 1], np.sqrt(2 * out.widths), rtol=0.1)
    # the spectral norm of a change lies between its Frobenius norm / √rank and its Frobenius norm
    assert np.all(out.spectral_change <= out.absolute_change * (1 + 1e-9))
    assert np.all(out.spectral_change[:, 0] >= out.absolute_change[:, 0] / np.sqrt(16))
    assert np.all(out.spectral_change[:, 1:] >= out.absolute_change[:, 1:] / np.sqrt(out.widths)[:, None])


def test_deep_lazy_training_repeats_over_seeds():
    out = ex.deep_lazy_training(widths=(16, 32), depth=2, n=16, d=6, steps=5, n_seeds=2, device="cpu")
    assert out.per_seed["relative_change"].shape == (2, 2, 2)
    assert out.relative_slopes.shape == (2, 2) and out.ntk_slopes.shape == (2,)
    # draw s is the experiment run alone from seed + 100·s: the same data, weights and minibatches
    second = ex.deep_lazy_training(widths=(16, 32), depth=2, n=16, d=6, steps=5, seed=100, device="cpu")
    np.testing.assert_allclose(out.per_seed["relative_change"][1], second.relative_change, rtol=1e-6)
    np.testing.assert_allclose(out.per_seed["ntk_change"][1], second.ntk_change, rtol=1e-6)
    # the two draws use different data and weights
    assert not np.allclose(out.per_seed["relative_change"][0], out.per_seed["relative_change"][1])
    with pytest.raises(ValueError, match="widths"):
        ex.deep_lazy_training(widths=(16,), steps=5)


def test_ntk_empirical_approaches_the_infinite_width_kernel():
    out = ex.ntk_convergence(ov.sphere(8, 5, seed=0), depth=2, widths=(64, 256, 1024), n_seeds=6)
    assert np.all(np.diff(out.relative_error) < 0)
    assert -0.7 < out.slope < -0.3, out.slope


def test_accuracy_grid_finds_the_widths_that_fit():
    grid = ex.accuracy_grid(widths=(2, 16), depths=(2, 3), n=32, d=8, steps=100, n_seeds=2)
    assert grid.accuracy.shape == (2, 2, 2) and grid.output_max0.shape == (2, 2, 2)
    assert np.all(grid.fits[:, 1]) and not np.any(grid.fits[:, 0])  # m = 16 fits, m = 2 does not
    assert list(grid.smallest) == [16, 16]
    assert grid.phi >= 0.1  # separated_data guarantees the separation it was asked for
    # a net whose output is identically 0 at initialization has zero gradient: it stays dead, accuracy 0
    dead = grid.output_max0 == 0
    assert np.all(grid.output_max[dead] == 0) and np.all(grid.accuracy[dead] == 0)


def test_accuracy_grid_seeds_are_the_single_runs():
    # the batched seeds reproduce train_deep's runs from the same initialization and minibatch order
    grid = ex.accuracy_grid(widths=(8,), depths=(3,), n=16, d=6, steps=30, n_seeds=2, seed=4, labels="random")
    X, y = ov.separated_data(16, 6, phi=0.1, seed=4, labels="random")
    eta = 4.0 / (8 * np.linalg.eigvalsh(ov.ntk_infinite(X, 3))[-1])
    for s in range(2):
        Ws, v = ov.init_deep(6, 8, 3, seed=5 + s)
        run = ov.train_deep(X, y, Ws, v, eta=eta, steps=30, batch_size=16, loss="logistic",
                            record_every=30, seed=4 + s, device="cpu", dtype=torch.float32)
        assert grid.loss[0, 0, s] == pytest.approx(run.loss[-1], rel=1e-4)


def test_random_labels_keep_the_inputs_and_separate_every_pair():
    X, y = ov.separated_data(64, 16, phi=0.1, seed=0)
    Xr, yr = ov.separated_data(64, 16, phi=0.1, seed=0, labels="random")
    np.testing.assert_array_equal(X, Xr)  # the same inputs: only the labels differ
    assert set(np.unique(yr)) == {-1.0, 1.0} and not np.array_equal(y, yr)
    # the halfspace labels are a linear function's signs; the random ones are not
    assert np.mean(np.sign(Xr[:, :-1] @ np.linalg.lstsq(Xr[:, :-1], yr, rcond=None)[0]) == yr) < 1
    # with a separation close to the typical distance, candidates get resampled: every pair is φ apart
    Xc, yc = ov.separated_data(40, 4, phi=0.3, seed=1, labels="random")
    Xh, _ = ov.separated_data(40, 4, phi=0.3, seed=1)
    dist = np.linalg.norm(Xc[:, None] - Xc[None], axis=2) + 9 * np.eye(40)
    assert dist.min() >= 0.3 and ov.min_separation(Xc, yc) >= 0.3
    assert (np.linalg.norm(Xh[:, None] - Xh[None], axis=2) + 9 * np.eye(40)).min() < 0.3  # these were resampled
    np.testing.assert_allclose(np.linalg.norm(Xc, axis=1), 1.0)
    np.testing.assert_allclose(Xc[:, -1], 0.5)
    with pytest.raises(ValueError, match="labels"):
        ov.separated_data(10, 5, phi=0.1, seed=0, labels="arbitrary")
    with pytest.raises(ValueError, match="pairwise"):
        ov.separated_data(500, 3, phi=0.5, seed=0, labels="random", max_tries=5)


@pytest.mark.parametrize("c", [None, 0.8])
def test_batched_sgd_equals_single_runs(c):
    from ovptools.experiments.part3.common import batched_logistic_sgd
    from ovptools.train.nets import train_model

    data = [ov.separated_data(12, 5, phi=0.1, seed=s, labels="random") for s in range(3)]
    inits = [ov.init_deep(5, 10, 3, seed=20 + s) for s in range(3)]
    T = lambda a: torch.tensor(np.array(a))  # noqa: E731
    etas = [0.05, 0.02, 0.01]
    out = batched_logistic_sgd(T([X for X, _ in data]), T([y for _, y in data]),
                               [T([W[layer] for W, _ in inits]) for layer in range(3)], T([v for _, v in inits]),
                               eta=etas, steps=25, batch_size=4,
                               batch_seeds=[7, 8, 9], residual_c=c)
    for s, ((X, y), (Ws, v)) in enumerate(zip(data, inits)):
        Wt = [torch.tensor(W) for W in Ws]
        net = ov.DeepReLUNet(Wt, torch.tensor(v)) if c is None else ex.ResidualReLUNet(Wt, torch.tensor(v), c=c)
        run = train_model(net, torch.tensor(X), y, eta=etas[s], steps=25, loss="logistic", batch_size=4, seed=7 + s,
                          record_every=25, track_kernel=False)
        np.testing.assert_allclose(out.loss[s], run.loss, rtol=1e-10)
        np.testing.assert_allclose(out.f[s], net(torch.tensor(X)).detach().numpy(), rtol=1e-8, atol=1e-10)
    assert np.all(out.diverged_at == -1)


def test_batched_sgd_stops_a_diverging_run_and_keeps_the_others():
    from ovptools.experiments.part3.common import batched_logistic_sgd

    X, y = ov.separated_data(16, 6, phi=0.1, seed=0)
    Ws, v = ov.init_deep(6, 32, 6, seed=0)
    T = lambda a: torch.tensor(np.array(a))  # noqa: E731
    out = batched_logistic_sgd(T([X, X]), T([y, y]), [T([W, W]) for W in Ws], T([v, v]), eta=[1e-3, 10.0],
                               steps=40, batch_size=8, batch_seeds=[0, 0], loss_every=4)
    assert out.diverged_at[0] == -1 and out.loss[0, -1] < out.loss[0, 0]
    assert out.diverged_at[1] > 0 and out.diverged_at[1] % 4 == 0  # found at a checked step
    assert np.isnan(out.loss[1, -1])


@pytest.mark.parametrize("depth, c", [(1, 1.0), (2, 0.7), (4, 2.0)])
def test_residual_tangent_kernel_matches_autodiff(depth, c):
    Ws, v = ov.init_deep(5, 12, depth, seed=depth)
    net = ex.ResidualReLUNet([torch.tensor(W) for W in Ws], torch.tensor(v), c=c)
    X = ov.sphere(7, 5, seed=1)
    K = tangent_kernel(net, X)  # the residual net's layer-wise kernel
    J = jacobian(net, torch.tensor(X))
    ref = J @ J.T
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


def test_plain_kernel_grows_with_depth_and_the_residual_kernel_does_not():
    out = ex.plain_vs_residual(depths=(4, 16), m=64, n=16, d=6, steps=20, seed=0, n_seeds=2, device="cpu")
    shallow, deep = out.results
    ratio = [np.median(r.lam_max["plain"] / r.lam_max["residual"]) for r in (shallow, deep)]
    assert ratio[1] > 1.5 * ratio[0], ratio  # one m-sized kernel term per plain layer: the gap grows with L
    res = deep.lam_max["residual"] / shallow.lam_max["residual"]
    assert np.all((0.5 < res) & (res < 1.5)), res  # blocks scaled by c/L
    assert np.all(deep.eta["plain"] < deep.eta["residual"])
    run = deep.runs["residual"]
    assert run.loss.shape == (2,) and run.curve.shape == (2, 21)
    assert np.all(run.diverged_at == -1) and np.all(run.loss < run.loss0)
    # draw s is the single run with seed s
    one = ex.plain_vs_residual(depths=(16,), m=64, n=16, d=6, steps=20, seed=1, device="cpu").results[0]
    np.testing.assert_allclose(one.lam_max["plain"], deep.lam_max["plain"][1:], rtol=1e-6)
    np.testing.assert_allclose(one.runs["plain_own_step"].curve, deep.runs["plain_own_step"].curve[1:],
                               rtol=1e-4)


def test_width_bounds_against_hand_computed_values():
    # each value below is computed by hand from the paper's formula with its constant set to 1
    assert ex.zou_width_bound(2, 1, 1.0) == pytest.approx(67_108_864)  # 2²⁶
    assert ex.zou_width_bound(2, 2, 0.5) == pytest.approx(2.0**26 * 2.0**38 * 256)
    assert ex.du_lee_resnet_width_bound(10, 1, 1.0) == pytest.approx(10_000)
    assert ex.du_lee_resnet_width_bound(10, 2, 0.5) == pytest.approx(2_500)  # 10⁴ / (0.5⁴ · 2⁶) = 10⁴ / 4
    # λ₀ of the last block carries (c/H)²: with it the condition grows like n⁴H², here 64⁴·H²/0.07⁴
    assert ex.du_lee_lambda0(0.2, 4, c=2.0) == pytest.approx(0.05)
    assert ex.du_lee_resnet_width_bound(64, 8, ex.du_lee_lambda0(0.07, 8)) == pytest.approx(4.472e13, rel=1e-3)
    assert ex.arora_width_bound(100, 0.0264, 0.1) == pytest.approx(1.4348e9, rel=1e-4)  # (100/0.00264)²
    # Kawaguchi–Huang, H = 2: ℓ = ln(2·100²/0.1) = 12.2061; (100 + 64·4 + 32ℓ)ℓ + 100·10
    assert ex.kawaguchi_huang_parameter_bound(100, 64, 2, 10, 0.1) == pytest.approx(10_113.0, rel=1e-4)
    assert ex.kawaguchi_huang_parameter_bound(192, 4, 1, 1, 0.1) == 960  # H = 1: n(d + m_y)
    assert ex.liu_zhu_belkin_width_bound(2, 10.0, 0.5, 0.25, depth=1) == pytest.approx(3.2e9)  # 2·10⁸/0.25²
    with pytest.raises(ValueError, match="lam_min"):
        ex.du_lee_lambda0(0.0, 3)
    with pytest.raises(ValueError, match="phi"):
        ex.zou_width_bound(10, 2, 0.0)
    with pytest.raises(ValueError, match="lam0"):
        ex.du_lee_resnet_width_bound(10, 2, -1.0)
    with pytest.raises(ValueError, match="mu"):
        ex.liu_zhu_belkin_width_bound(10, 3.0, 0.1, 0.2)


def test_width_bound_beyond_the_largest_float_is_refused_by_name():
    # regression: 26·ln 10⁹ + 38·ln 100 + 8·ln 10 overflowed math.exp (OverflowError without the arguments' names)
    with pytest.raises(ValueError, match=r"n, depth, phi: the bound is about 10\^318"):
        ex.zou_width_bound(10**9, 100, 0.1)
    assert ex.zou_width_bound(10**9, 3, 0.5) == pytest.approx(10**254.5388, rel=1e-3)  # below the largest float


def test_width_for_parameters_is_the_first_width_with_enough_parameters():
    for p, d, depth, m_y in [(1, 4, 1, 1), (960, 4, 1, 1), (10_113.0, 64, 2, 10), (26_122, 64, 2, 10)]:
        m = ex.width_for_parameters(p, d, depth, m_y)
        first = next(k for k in range(1, 10_000) if ex.mlp_parameter_count(d, (k,) * depth, m_y) >= p)
        assert m == first, (p, m, first)
    assert ex.width_for_parameters(26_122, 64, 2, 10) == 128  # Lecture 8's digits net: exactly 26,122 parameters


def test_ntk_timing_compares_equal_kernels():
    Ws, v = ov.init_deep(6, 32, 3, seed=0)
    out = ex.ntk_timing(Ws, v, ov.sphere(10, 6, seed=1), repeats=1)
    assert out.max_relative_difference < 1e-10  # float64: the two methods compute the same J Jᵀ
    assert out.parameters == 2_240  # 6·32 + 2·32·32


def test_plain_vs_residual_runs_without_float64_on_the_device():
    # regression: the kernels' spectra were taken with .double() on the nets' device (Apple's MPS has no float64)
    from test_validation import _NoFloat64Device

    with _NoFloat64Device():
        out = ex.plain_vs_residual(depths=(3,), m=16, n=8, d=4, steps=4, batch_size=4, device="cpu")
    ref = ex.plain_vs_residual(depths=(3,), m=16, n=8, d=4, steps=4, batch_size=4, device="cpu")
    np.testing.assert_array_equal(out.results[0].lam_max["plain"], ref.results[0].lam_max["plain"])


def test_pattern_flips_maps_agree_with_the_recorded_fractions_and_shrink_with_width():
    X, y = ov.separated_data(24, 6, phi=0.1, seed=0)
    out = ex.pattern_flips(X, y, (16, 256), depth=2, steps=40, batch_size=8, record_every=10, device="cpu")
    assert list(out.steps) == [0, 10, 20, 30, 40]
    assert out.pattern_change.shape == out.relative_change.shape == (2, 5, 2)
    assert np.all(out.pattern_change[:, 0] == 0) and np.all(out.relative_change[:, 0] == 0)
    for j, m in enumerate(out.widths):
        assert [f.shape for f in out.flipped[j]] == [(24, m)] * 2
        # the maps, from the stored initial and final weights, are the recorder's last fractions (a float32 mean)
        np.testing.assert_allclose([f.mean() for f in out.flipped[j]], out.pattern_change[j, -1], rtol=1e-6)
    assert np.all(out.pattern_change[1, -1] < out.pattern_change[0, -1])  # the wide net flips fewer
    assert np.all(out.relative_change[1, -1] < out.relative_change[0, -1])
