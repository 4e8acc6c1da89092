"""ovptools.experiments.fine_grained (Arora et al. on digits), at small scale: the eigen-prediction of
the training curve, label noise, the stop at the first fit, the cumulative energy, the label randomizer."""

import numpy as np
import pytest
import torch

import ovptools as ov
import ovptools.experiments.fine_grained as fg


def test_results_are_frozen_and_document_every_field():
    import dataclasses

    for cls in (fg.AroraRun, fg.AroraDigits):
        assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen
        for field in dataclasses.fields(cls):
            assert field.type, (cls.__name__, field.name)
            documented = cls.__doc__ + "".join(base.__doc__ or "" for base in cls.__mro__[1:])
            assert field.name in documented, f"{cls.__name__}.{field.name} is not documented"


def test_arora_eigen_prediction_and_label_noise():
    out = fg.arora_digits(n=100, m=1000, steps=100, corruption=(0.0, 1.0), seed=0)
    true, rand = out.runs
    for run in (true, rand):
        assert run.residual[0] == pytest.approx(run.predicted[0])  # u(0) = 0 exactly
        assert abs(run.residual[50] / run.predicted[50] - 1) < 0.1
    assert rand.yHy > 10 * true.yHy
    assert rand.residual[100] > 3 * true.residual[100]
    assert true.test_error < 0.05 < rand.test_error


def test_arora_until_fit_stops_at_the_first_iterate_with_zero_training_error():
    kw = dict(n=30, m=200, classes=(3, 5), corruption=(0.0, 1.0), seed=0, device="cpu")
    out = fg.arora_digits(steps=3000, until_fit=True, **kw)
    assert out.until_fit and out.lambda0 > 0
    for run in out.runs:
        k = run.fit_step
        assert k is not None and k > 0 and run.steps_run == k
        assert run.train_error == 0 and run.min_margin > 0
        assert run.fit_test_error == pytest.approx(run.test_error, abs=1e-12)  # stopped at the fit
        assert len(run.residual) == len(run.predicted) == k + 1
        before = fg.arora_digits(steps=k - 1, **kw).runs[out.runs.index(run)]
        assert before.train_error > 0 and before.fit_step is None  # not fitted one step earlier
        longer = fg.arora_digits(steps=k + 5, **kw).runs[out.runs.index(run)]
        assert longer.steps_run == k + 5 and longer.fit_step == k  # without the rule: runs on, same first fit
        assert longer.fit_test_error == pytest.approx(run.fit_test_error, abs=1e-12)  # both protocols, one run
    assert out.runs[1].fit_step > out.runs[0].fit_step  # random labels take longer


def test_arora_until_fit_with_a_margin_and_a_cap():
    kw = dict(n=30, m=200, classes=(3, 5), corruption=(1.0,), seed=0, device="cpu", until_fit=True)
    plain = fg.arora_digits(steps=3000, **kw).runs[0]
    strict = fg.arora_digits(steps=3000, margin=0.5, **kw).runs[0]
    assert strict.fit_step > plain.fit_step and strict.min_margin > 0.5
    capped = fg.arora_digits(steps=plain.fit_step // 2, **kw).runs[0]
    assert capped.fit_step is None and capped.steps_run == plain.fit_step // 2 and capped.train_error > 0
    assert capped.fit_test_error is None
    with pytest.raises(ValueError, match="margin"):
        fg.arora_digits(steps=10, margin=1.0, **kw)


def test_arora_float32_agrees_with_float64():
    kw = dict(n=30, m=200, steps=50, classes=(3, 5), corruption=(0.0,), seed=1, device="cpu")
    r64 = fg.arora_digits(**kw).runs[0]
    r32 = fg.arora_digits(dtype=torch.float32, **kw).runs[0]
    np.testing.assert_allclose(r32.residual, r64.residual, rtol=1e-4)


def test_arora_fixed_length_runs_match_the_two_layer_trainer_and_the_stopped_runs():
    # a fixed-length run is the package's GD run on its labels, and agrees with the run stopped at its first fit
    kw = dict(n=30, m=200, classes=(3, 5), corruption=(0.0, 0.5, 1.0), seed=2, device="cpu")
    out = fg.arora_digits(steps=40, **kw)
    Xtr, ytr, _, _ = ov.digits((3, 5), n_train=30, seed=2)
    W0, a = ov.init_two_layer(Xtr.shape[1], 200, seed=4, antisymmetric=True)
    for run, stopped in zip(out.runs, fg.arora_digits(steps=3000, until_fit=True, **kw).runs):
        k = min(stopped.fit_step, 40)
        np.testing.assert_allclose(run.residual[: k + 1], stopped.residual[: k + 1], rtol=1e-10)
        assert run.steps_run == 40 and run.residual.shape == (41,)
    y_clean = ytr  # corruption 0: the true labels
    ref = ov.train_two_layer(X=Xtr, y=y_clean, W0=W0, a0=a, eta=out.eta, steps=40, track_gram=False, device="cpu")
    np.testing.assert_allclose(out.runs[0].residual, np.sqrt(2 * ref.loss), rtol=1e-10)


def test_cumulative_energy_of_an_eigenvector_and_of_a_generic_vector():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((6, 6))
    H = A @ A.T + 6 * np.eye(6)
    lam, V = np.linalg.eigh(H)  # increasing; the third largest eigenvector is V[:, -3]
    np.testing.assert_allclose(fg.cumulative_energy(H, 2.5 * V[:, -3]), [0, 0, 1, 1, 1, 1], atol=1e-12)
    y = rng.standard_normal(6)
    energy = fg.cumulative_energy(H, y)
    by_hand = [sum((V[:, -i] @ y) ** 2 for i in range(1, k + 1)) / (y @ y) for k in range(1, 7)]
    np.testing.assert_allclose(energy, by_hand, rtol=1e-10)
    with pytest.raises(ValueError, match="y: expected a non-zero"):
        fg.cumulative_energy(H, np.zeros(6))


def test_randomize_labels_replaces_the_asked_fraction_and_nests():
    y = np.ones(4000)
    assert np.array_equal(fg.randomize_labels(y, 0.0, seed=3), y)
    for p in (0.2, 1.0):  # a replaced label is a fair coin: about p/2 of them change
        assert abs(np.mean(fg.randomize_labels(y, p, seed=3) != y) - p / 2) < 0.03
    changed_small = fg.randomize_labels(y, 0.2, seed=3) != y
    changed_large = fg.randomize_labels(y, 0.6, seed=3) != y
    assert np.all(changed_large[changed_small])  # the same draws: nested
    with pytest.raises(ValueError, match="fraction"):
        fg.randomize_labels(y, 1.5)
