"""The paper reproductions, at small scale, against their predicted numbers."""

import numpy as np
import pytest
import torch

import ovptools as ov
import ovptools.experiments.part2 as ex


def test_du_figure1_slopes_are_minus_one_half():
    out = ex.du_figure1(200, 200, widths=(128, 256, 512, 1024, 2048, 4096), steps=100)
    assert abs(out["pattern_slope"] + 0.5) < 0.15, out["pattern_slope"]
    assert abs(out["distance_slope"] + 0.5) < 0.15, out["distance_slope"]
    assert np.all(out["loss"][:, -1] < 1e-6 * out["loss"][:, 0])  # every width fits the data
    assert np.all(out["pattern_change"][:, 0] == 0) and np.all(out["max_distance"][:, 0] == 0)


def test_train_widths_matches_the_single_width_trainer():
    X, y = ov.sphere(30, 10, seed=0), ov.gaussian_labels(30, seed=1)
    out = ex.train_widths(X, y, [16, 64], eta=0.5, steps=20, seed=3, record_every=5, device="cpu")
    assert out["loss"].shape == (2, 21) and list(out["steps"]) == [0, 5, 10, 15, 20]
    W0, a0 = ov.init_two_layer(10, 64, seed=4)  # width j is seeded with seed + j
    run = ov.train_two_layer(X, y, W0, a0, eta=0.5, steps=20, record_every=5, track_gram=False, device="cpu")
    np.testing.assert_allclose(out["loss"][1], run.loss, rtol=1e-12)
    np.testing.assert_allclose(out["max_distance"][1], run.max_distance, rtol=1e-12)


def test_gram_deviation_slope():
    out = ex.gram_deviation(ov.sphere(20, 5, seed=0), [100, 400, 1600, 6400], seeds=10)
    assert -0.65 < out["slope"] < -0.35


def test_lambda0_vanishes_as_two_inputs_align():
    lam = ex.lambda0_vs_angle(ov.sphere(10, 6, seed=0), [1.0, 0.1, 0.01, 0.001])
    assert np.all(np.diff(lam) < 0) and lam[-1] < 1e-3 * 10 and lam[-1] > 0


def test_width_bound_formula():
    assert ex.du_width_bound(10, 0.5, 0.1) == pytest.approx(10**6 / (0.5**4 * 0.1**3))


def test_arora_eigen_prediction_and_label_noise():
    out = ex.arora_digits(n=100, m=1000, steps=100, corruption=(0.0, 1.0), seed=0)
    true, rand = out["runs"]
    for run in (true, rand):
        assert run["residual"][0] == pytest.approx(run["predicted"][0])  # u(0) = 0 exactly
        assert abs(run["residual"][50] / run["predicted"][50] - 1) < 0.1
    assert rand["yHy"] > 10 * true["yHy"]
    assert rand["residual"][100] > 3 * true["residual"][100]
    assert true["test_error"] < 0.05 < rand["test_error"]


def test_arora_until_fit_stops_at_the_first_iterate_with_zero_training_error():
    kw = dict(n=30, m=200, classes=(3, 5), corruption=(0.0, 1.0), seed=0, device="cpu")
    out = ex.arora_digits(steps=3000, until_fit=True, **kw)
    assert out["until_fit"] and out["lambda0"] > 0
    for run in out["runs"]:
        k = run["fit_step"]
        assert k is not None and k > 0 and run["steps_run"] == k
        assert run["train_error"] == 0 and run["min_margin"] > 0
        assert run["fit_test_error"] == pytest.approx(run["test_error"], abs=1e-12)  # stopped at the fit
        assert len(run["residual"]) == len(run["predicted"]) == k + 1
        before = ex.arora_digits(steps=k - 1, **kw)["runs"][out["runs"].index(run)]
        assert before["train_error"] > 0 and before["fit_step"] is None  # not fitted one step earlier
        longer = ex.arora_digits(steps=k + 5, **kw)["runs"][out["runs"].index(run)]
        assert longer["steps_run"] == k + 5 and longer["fit_step"] == k  # without the rule: runs on, same first fit
        assert longer["fit_test_error"] == pytest.approx(run["fit_test_error"], abs=1e-12)  # both protocols, one run
    assert out["runs"][1]["fit_step"] > out["runs"][0]["fit_step"]  # random labels take longer


def test_arora_until_fit_with_a_margin_and_a_cap():
    kw = dict(n=30, m=200, classes=(3, 5), corruption=(1.0,), seed=0, device="cpu", until_fit=True)
    plain = ex.arora_digits(steps=3000, **kw)["runs"][0]
    strict = ex.arora_digits(steps=3000, margin=0.5, **kw)["runs"][0]
    assert strict["fit_step"] > plain["fit_step"] and strict["min_margin"] > 0.5
    capped = ex.arora_digits(steps=plain["fit_step"] // 2, **kw)["runs"][0]
    assert capped["fit_step"] is None and capped["steps_run"] == plain["fit_step"] // 2 and capped["train_error"] > 0
    assert capped["fit_test_error"] is None
    with pytest.raises(ValueError, match="margin"):
        ex.arora_digits(steps=10, margin=1.0, **kw)


def test_arora_float32_agrees_with_float64():
    kw = dict(n=30, m=200, steps=50, classes=(3, 5), corruption=(0.0,), seed=1, device="cpu")
    r64 = ex.arora_digits(**kw)["runs"][0]
    r32 = ex.arora_digits(dtype=torch.float32, **kw)["runs"][0]
    np.testing.assert_allclose(r32["residual"], r64["residual"], rtol=1e-4)


def test_arora_fixed_length_runs_match_the_two_layer_trainer_and_the_stopped_runs():
    # a fixed-length run is the package's GD run on its labels, and agrees with the run stopped at its first fit
    kw = dict(n=30, m=200, classes=(3, 5), corruption=(0.0, 0.5, 1.0), seed=2, device="cpu")
    out = ex.arora_digits(steps=40, **kw)
    Xtr, ytr, _, _ = ov.digits((3, 5), n_train=30, seed=2)
    W0, a = ov.init_two_layer(Xtr.shape[1], 200, seed=4, antisymmetric=True)
    for run, stopped in zip(out["runs"], ex.arora_digits(steps=3000, until_fit=True, **kw)["runs"]):
        k = min(stopped["fit_step"], 40)
        np.testing.assert_allclose(run["residual"][: k + 1], stopped["residual"][: k + 1], rtol=1e-10)
        assert run["steps_run"] == 40 and run["residual"].shape == (41,)
    y_clean = ytr  # corruption 0: the true labels
    ref = ov.train_two_layer(Xtr, y_clean, W0, a, eta=out["eta"], steps=40, track_gram=False, device="cpu")
    np.testing.assert_allclose(out["runs"][0]["residual"], np.sqrt(2 * ref.loss), rtol=1e-10)
