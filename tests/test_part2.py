"""The paper reproductions, at small scale, against their predicted numbers."""

import numpy as np
import pytest
import torch

import ovptools as ov
import ovptools.experiments.part2 as ex


@pytest.mark.slow  # a few seconds: in `make test`, not in the inner loop (pytest -m "not slow")
def test_du_figure1_slopes_are_minus_one_half():
    out = ex.du_figure1(200, 200, widths=(128, 256, 512, 1024, 2048, 4096), steps=100)
    assert abs(out.pattern_slope + 0.5) < 0.15, out.pattern_slope
    assert abs(out.distance_slope + 0.5) < 0.15, out.distance_slope
    assert np.all(out.loss[:, -1] < 1e-6 * out.loss[:, 0])  # every width fits the data
    assert np.all(out.pattern_change[:, 0] == 0) and np.all(out.max_distance[:, 0] == 0)
    # λ₀ and λ_max of H∞ bracket its Rayleigh quotients; the step is 1/λ_max
    H = ov.gram_infinite(out.X)
    q = np.random.default_rng(0).standard_normal((20, 200))
    rayleigh = np.einsum("ki,ij,kj->k", q, H, q) / np.einsum("ki,ki->k", q, q)
    assert out.lambda0 <= rayleigh.min() and rayleigh.max() <= out.lambda_max
    assert out.eta * out.lambda_max == pytest.approx(1)


def test_train_widths_matches_the_single_width_trainer():
    X, y = ov.sphere(30, 10, seed=0), ov.gaussian_labels(30, seed=1)
    out = ex.train_widths(X, y, [16, 64], eta=0.5, steps=20, seed=3, record_every=5, device="cpu")
    assert out.loss.shape == (2, 21) and list(out.steps) == [0, 5, 10, 15, 20]
    W0, a0 = ov.init_two_layer(10, 64, seed=4)  # width j is seeded with seed + j
    run = ov.train_two_layer(X=X, y=y, W0=W0, a0=a0, eta=0.5, steps=20, record_every=5, track_gram=False, device="cpu")
    np.testing.assert_allclose(out.loss[1], run.loss, rtol=1e-12)
    np.testing.assert_allclose(out.max_distance[1], run.max_distance, rtol=1e-12)


def test_train_widths_refuses_an_empty_list_of_widths():
    X, y = ov.sphere(10, 4, seed=0), ov.gaussian_labels(10, seed=1)
    with pytest.raises(ValueError, match="widths: expected at least one width"):
        ex.train_widths(X, y, [], eta=0.5, steps=5, seed=0)
    with pytest.raises(ValueError, match="widths"):
        ex.gram_deviation(X, [], n_seeds=2)


def test_results_are_frozen_and_document_every_field():
    import dataclasses

    for cls in (ex.WidthRuns, ex.DuFigure1, ex.GramDeviation):
        assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen
        for field in dataclasses.fields(cls):
            assert field.type, (cls.__name__, field.name)
            documented = cls.__doc__ + "".join(base.__doc__ or "" for base in cls.__mro__[1:])
            assert field.name in documented, f"{cls.__name__}.{field.name} is not documented"
    out = ex.gram_deviation(ov.sphere(5, 3, seed=0), [10, 40], n_seeds=2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        out.slope = 0.0


def test_gram_deviation_slope():
    X = ov.sphere(20, 5, seed=0)
    out = ex.gram_deviation(X, [100, 400, 1600, 6400], n_seeds=10)
    assert -0.65 < out.slope < -0.35
    # independent of the code: the diagonal of H(W) − H∞ is (fraction of w_r with w_rᵀx_i ≥ 0) − ½, a centred
    # binomial average with standard deviation 1/(2√m); the spectral norm is at least the largest diagonal entry
    assert np.all(out.deviation >= 0.5 / np.sqrt(out.widths) * 0.5)


def test_lambda0_vanishes_as_two_inputs_align():
    lam = ex.lambda0_vs_angle(ov.sphere(10, 6, seed=0), [1.0, 0.1, 0.01, 0.001])
    assert np.all(np.diff(lam) < 0) and lam[-1] < 1e-3 * 10 and lam[-1] > 0


def test_lambda0_of_two_inputs_is_the_closed_form():
    # two unit inputs at angle θ: H∞ = [[½, c], [c, ½]] with c = cos θ (π − θ)/(2π), so λ₀ = ½ − |c|
    angles = np.array([2.0, 1.0, 0.3, 0.01])
    lam = ex.lambda0_vs_angle(np.eye(2), angles)
    np.testing.assert_allclose(lam, 0.5 - np.abs(np.cos(angles) * (np.pi - angles) / (2 * np.pi)), atol=1e-12)


def test_width_bound_scales_as_the_theorem_says():
    assert ex.du_width_bound(10, 0.5, 0.1) == pytest.approx(1.6e10)  # 10⁶ · 16 · 1000, worked by hand
    base = ex.du_width_bound(50, 0.2, 0.05)
    assert ex.du_width_bound(100, 0.2, 0.05) == pytest.approx(64 * base)  # n⁶
    assert ex.du_width_bound(50, 0.1, 0.05) == pytest.approx(16 * base)  # λ₀⁻⁴
    assert ex.du_width_bound(50, 0.2, 0.025) == pytest.approx(8 * base)  # δ⁻³
    with pytest.raises(ValueError, match="lam0"):
        ex.du_width_bound(10, 0.0, 0.1)


def test_train_widths_gram_change_and_flip_bound_from_the_weights():
    X, y = ov.sphere(20, 8, seed=0), ov.gaussian_labels(20, seed=1)
    out = ex.train_widths(X, y, [32, 512], eta=0.5, steps=30, seed=2, record_every=30, device="cpu",
                          dtype=torch.float64)
    from math import erf, sqrt

    for j, m in enumerate((32, 512)):
        W0, a0 = ov.init_two_layer(8, m, seed=2 + j)
        run = ov.train_two_layer(X=X, y=y, W0=W0, a0=a0, eta=0.5, steps=30, track_gram=False, device="cpu",
                                 dtype=torch.float64)
        # H by its definition: (x_iᵀx_j/m) Σ_r 1{w_rᵀx_i ≥ 0} 1{w_rᵀx_j ≥ 0}
        on, on0 = ((X @ W.T >= 0).astype(float) for W in (run.W, run.W0))
        H, H0 = (X @ X.T) * (on @ on.T) / m, (X @ X.T) * (on0 @ on0.T) / m
        assert out.gram_change[j] == pytest.approx(np.linalg.norm(H - H0, 2), rel=1e-9)
        moved = np.linalg.norm(run.W - run.W0, axis=1)
        assert out.flip_bound[j] == pytest.approx(np.mean([erf(r / sqrt(2)) for r in moved]), rel=1e-9)
        # step 2 of "why lazy": a pattern flips only if |w_r(0)ᵀx_i| ≤ ‖w_r − w_r(0)‖
        flipped = (X @ run.W.T >= 0) != (X @ run.W0.T >= 0)
        assert np.all(np.abs(X @ run.W0.T)[flipped] <= np.broadcast_to(moved, flipped.shape)[flipped])
    assert out.gram_change[1] < out.gram_change[0]  # the wider net's kernel moves less


def test_wedge_fractions_match_the_angle_formula():
    angles = np.array([0.0, 0.5, np.pi / 2, 2.5, np.pi])
    frac = ex.wedge_fractions(angles, n_draws=200_000, seed=0)
    np.testing.assert_allclose(frac, (np.pi - angles) / (2 * np.pi), atol=4 * 0.5 / np.sqrt(200_000))
    with pytest.raises(ValueError, match="angles"):
        ex.wedge_fractions([4.0])
