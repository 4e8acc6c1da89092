"""ovptools.train: the one engine (GD and SGD on vectors, two-layer and deep nets), seeds, divergence."""

import numpy as np
import pytest
import torch

import ovptools as ov
from ovptools import DivergenceError


@pytest.fixture(scope="module")
def problem():
    X, y = ov.sphere(40, 20, seed=0), ov.gaussian_labels(40, seed=1)
    lam_max = np.linalg.eigvalsh(ov.gram_infinite(X))[-1]
    return X, y, lam_max


def test_gd_gradient_matches_autograd(problem):
    X, y, lam_max = problem
    W, a = ov.init_two_layer(20, 64, seed=2)
    eta = 0.5 / lam_max
    run = ov.train_two_layer(X, y, W, a, eta=eta, steps=1, device="cpu", dtype=torch.float64)
    net = ov.TwoLayerNet(W, a)
    loss = 0.5 * ((net(torch.as_tensor(X)) - torch.as_tensor(y)) ** 2).sum()
    loss.backward()
    np.testing.assert_allclose(run.W, W - eta * net.W.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(run.loss[0], loss.item(), rtol=1e-12)


def test_training_both_layers_matches_autograd(problem):
    X, y, lam_max = problem
    W, a = ov.init_two_layer(20, 64, seed=2)
    run = ov.train_two_layer(X, y, W, a, eta=0.1, steps=1, train_a=True, device="cpu", dtype=torch.float64)
    net = ov.TwoLayerNet(W, a, train_a=True)
    (0.5 * ((net(torch.as_tensor(X)) - torch.as_tensor(y)) ** 2).sum()).backward()
    np.testing.assert_allclose(run.a, a - 0.1 * net.a.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(run.a0, a)


def test_wide_net_loss_falls_linearly_under_du_bound(problem, device):
    # Thm 4.1: ‖u(k) − y‖² ≤ (1 − ηλ₀/2)^k ‖u(0) − y‖² for a wide enough net.
    X, y, lam_max = problem
    lam0 = ov.lambda_min(ov.gram_infinite(X))
    W, a = ov.init_two_layer(20, 8192, seed=3)
    eta = 1 / lam_max
    run = ov.train_two_layer(X, y, W, a, eta=eta, steps=60, record_every=20, device=device, dtype=torch.float64)
    k = np.arange(61)
    bound = (1 - eta * lam0 / 2) ** k * run.loss[0]
    assert np.all(run.loss <= bound * (1 + 1e-9))
    # linear: the log-loss is close to a straight line with a negative slope
    slope, _ = np.polyfit(k, np.log(run.loss), 1)
    assert slope < np.log(1 - eta * lam0 / 2)
    assert np.all(np.diff(run.loss) < 0)


def test_distances_are_measured_from_the_stored_init(problem, dtype, device):
    X, y, lam_max = problem
    W, a = ov.init_two_layer(20, 256, seed=4)
    W_before = W.copy()
    run = ov.train_two_layer(X, y, W, a, eta=1 / lam_max, steps=30, record_every=10, device=device, dtype=dtype)
    np.testing.assert_array_equal(W, W_before)  # the caller's array is not modified
    assert list(run.steps) == [0, 10, 20, 30]
    assert run.max_distance[0] == 0 and run.pattern_change[0] == 0
    assert np.all(run.max_distance[1:] > 0) and run.pattern_change[-1] > 0
    dist = np.linalg.norm(run.W - run.W0, axis=1).max()
    np.testing.assert_allclose(run.max_distance[-1], dist, rtol=1e-5)
    flips = ((X @ run.W.T >= 0) != (X @ run.W0.T >= 0)).mean()
    np.testing.assert_allclose(run.pattern_change[-1], flips, atol=1 / (40 * 256))
    np.testing.assert_allclose(run.lambda_min[0], ov.lambda_min(ov.gram_empirical(W, X)), rtol=1e-4)


def test_weights_move_less_as_width_grows(problem):
    X, y, lam_max = problem
    dist = []
    for m in [256, 4096]:
        W, a = ov.init_two_layer(20, m, seed=5)
        dist.append(ov.train_two_layer(X, y, W, a, eta=1 / lam_max, steps=50, track_gram=False).max_distance[-1])
    assert dist[1] < dist[0] / 2.5  # theory: a factor √16 = 4


def test_divergence_names_step_and_iteration(problem):
    X, y, lam_max = problem
    W, a = ov.init_two_layer(20, 256, seed=6)
    with pytest.raises(ov.DivergenceError, match=r"iteration \d+ with step size eta = .*stable only for eta <") as err:
        ov.train_two_layer(X, y, W, a, eta=20 / lam_max, steps=200, track_gram=False)
    # code reads the attributes, never the message
    assert err.value.eta == pytest.approx(20 / lam_max) and err.value.run is None
    assert 1 <= err.value.iteration <= 200 and f"iteration {err.value.iteration} " in str(err.value)


def test_deep_gd_and_sgd_reduce_the_loss_and_record_per_layer(device):
    X, y = ov.sphere(32, 10, seed=0), ov.gaussian_labels(32, seed=1)
    Ws, v = ov.init_deep(10, 128, 3, seed=2)
    for batch in [None, 8]:
        run = ov.train_deep(X, y, Ws, v, eta=2e-3, steps=200, batch_size=batch, record_every=50, device=device)
        assert run.loss[-1] < 0.2 * run.loss[0]
        assert run.relative_change.shape == (5, 3) and run.pattern_change.shape == (5, 3)
        assert np.all(run.relative_change[0] == 0) and np.all(run.relative_change[-1] > 0)
        np.testing.assert_allclose(
            run.relative_change[-1],
            [np.linalg.norm(W1 - W0) / np.linalg.norm(W0) for W0, W1 in zip(run.Ws0, run.Ws)],
            rtol=1e-4,
        )


def test_deep_sgd_is_seeded():
    X, y = ov.sphere(16, 5, seed=0), ov.gaussian_labels(16, seed=1)
    Ws, v = ov.init_deep(5, 32, 2, seed=2)
    runs = [ov.train_deep(X, y, Ws, v, eta=1e-2, steps=20, batch_size=4, seed=s) for s in (0, 0, 1)]
    np.testing.assert_array_equal(runs[0].loss, runs[1].loss)
    assert not np.array_equal(runs[0].loss, runs[2].loss)


def test_deep_logistic_loss():
    X, y = ov.separated_data(40, 8, phi=0.1, mu=0.5, seed=0)
    Ws, v = ov.init_deep(8, 128, 2, seed=1)
    run = ov.train_deep(X, y, Ws, v, eta=1e-2, steps=100, loss="logistic", record_every=100)
    assert run.loss[-1] < 0.5 * run.loss[0]
    with pytest.raises(ValueError, match="loss"):
        ov.train_deep(X, y, Ws, v, eta=1e-2, steps=1, loss="hinge")


def test_deep_divergence():
    X, y = ov.sphere(16, 5, seed=0), ov.gaussian_labels(16, seed=1)
    Ws, v = ov.init_deep(5, 256, 3, seed=2)
    with pytest.raises(ov.DivergenceError, match="step size eta = 10") as err:
        ov.train_deep(X, y, Ws, v, eta=10.0, steps=50)
    assert (err.value.eta, err.value.run) == (10.0, None) and 1 <= err.value.iteration <= 50


def test_train_model_tracks_the_tangent_kernel():
    X, y = ov.sphere(12, 10, seed=0), ov.gaussian_labels(12, seed=1)
    g = np.random.default_rng(2)
    net = ov.OneLayerNet(g.standard_normal((100, 10)), g.choice([-1.0, 1.0], 100) / np.sqrt(100), slope=0.2)
    K0 = ov.tangent_kernel(net, X).numpy()
    eta = 1 / np.linalg.eigvalsh(K0)[-1]
    run = ov.train_model(net, X, y, eta=eta, steps=200, record_every=50)
    assert list(run.steps) == [0, 50, 100, 150, 200]
    assert np.all(run.lambda_min > 0.5 * run.lambda_min[0])  # wide: the kernel barely moves
    # PL: each step shrinks the loss at least by (1 − η λ_min) (checked against the smallest λ_min seen)
    assert run.loss[-1] <= (1 - eta * run.lambda_min.min()) ** 200 * run.loss[0]
    assert run.lambda_min[0] == pytest.approx(ov.lambda_min(K0), rel=1e-6)
    with pytest.raises(ov.DivergenceError, match="step size eta = 1000"):
        ov.train_model(net, X, y, eta=1000.0, steps=50, track_kernel=False)


def test_divergence_error_carries_the_iteration_and_step_size():
    import pickle

    with pytest.raises(ov.DivergenceError) as caught:
        ov.gd(lambda w: float(w @ w), lambda w: 2 * w, np.ones(2), eta=3.0, steps=50)
    err = caught.value
    # f(w_k) = 25^k f(w_0): past the blowup factor 1e6 at k = 5 (25^5 ≈ 9.8e6)
    assert (err.iteration, err.eta, err.run) == (5, 3.0, None)
    assert str(err).startswith("training diverged at iteration 5 with step size eta = 3:")  # message unchanged
    again = pickle.loads(pickle.dumps(err))
    assert (again.iteration, again.eta, str(again)) == (5, 3.0, str(err))
    assert ov.DivergenceError("by hand").iteration is None


def test_gd_on_a_quadratic_matches_the_closed_form():
    A = np.diag([1.0, 4.0])
    run = ov.gd(lambda w: 0.5 * w @ A @ w, lambda w: A @ w, [1.0, 1.0], eta=0.2, steps=5)
    assert run.w.shape == (6, 2) and run.loss.shape == (6,)
    k = np.arange(6)
    expected = np.stack([(1 - 0.2) ** k, (1 - 0.8) ** k], axis=1)
    np.testing.assert_allclose(run.w, expected)
    np.testing.assert_allclose(run.loss, 0.5 * (expected**2 * [1, 4]).sum(1))
    np.testing.assert_allclose(run.grad_sq, (expected**2 * [1, 16]).sum(1))


def test_gd_divergence_names_step_and_iteration():
    with pytest.raises(DivergenceError, match=r"iteration \d+ with step size eta = 3.*10× smaller"):
        ov.gd(lambda w: float(w @ w), lambda w: 2 * w, [1.0], eta=3.0, steps=200)


def test_gd_accepts_a_schedule_and_numpy_integers():
    run = ov.gd(lambda w: float(w @ w), lambda w: 2 * w, np.array([4]), eta=lambda k: 0.25, steps=np.int64(3))
    np.testing.assert_allclose(run.w[:, 0], [4.0, 2.0, 1.0, 0.5])


def test_gd_with_step_one_over_beta_stays_under_the_pl_bound():
    f = ov.NONCONVEX_PL
    for x0 in (-7.0, 2.5, 11.0):
        gaps = ov.gd(f.f, f.grad, [x0], eta=1 / f.beta, steps=50).loss - f.f_star
        assert np.all(gaps <= (1 - f.mu / f.beta) ** np.arange(51) * gaps[0] + 1e-12)


def test_sgd_is_unbiased_and_seeded():
    X, y = ov.least_squares_data(200, 5, noise=0.1, seed=0)
    f = lambda w: 0.5 * np.mean((X @ w - y) ** 2)  # noqa: E731
    gb = lambda w, idx: X[idx].T @ (X[idx] @ w - y[idx]) / len(idx)  # noqa: E731
    w0 = np.ones(5)
    one = ov.sgd(f, gb, 200, w0, eta=0.5, steps=50, seed=3)
    np.testing.assert_array_equal(one.w, ov.sgd(f, gb, 200, w0, eta=0.5, steps=50, seed=np.int64(3)).w)
    assert not np.array_equal(one.w, ov.sgd(f, gb, 200, w0, eta=0.5, steps=50, seed=4).w)
    np.testing.assert_allclose(one.loss, [f(w) for w in one.w])  # the full loss at every iterate
    # one SGD step, averaged over seeds, is one GD step: the stochastic gradient is unbiased
    first = np.mean([ov.sgd(f, gb, 200, w0, eta=1.0, steps=1, seed=s).w[1] for s in range(4000)], axis=0)
    gd_step = w0 - X.T @ (X @ w0 - y) / 200
    spread = np.std([X[i] * (X[i] @ w0 - y[i]) for i in range(200)], axis=0) / np.sqrt(4000)
    assert np.all(np.abs(first - gd_step) < 5 * spread + 1e-12)
    # a biased estimator (always the first sample) is caught by the same check
    biased = ov.sgd(f, lambda w, idx: gb(w, np.zeros_like(idx)), 200, w0, eta=1.0, steps=1, seed=0).w[1]
    assert np.any(np.abs(biased - gd_step) > 5 * spread)
