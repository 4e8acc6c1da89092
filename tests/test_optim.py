import numpy as np
import pytest

import ovptools.optim as op
from ovptools import DivergenceError


def test_gd_on_a_quadratic_matches_the_closed_form():
    A = np.diag([1.0, 4.0])
    W = op.gd(lambda w: A @ w, [1.0, 1.0], step=0.2, iters=5)
    assert W.shape == (6, 2)
    k = np.arange(6)
    np.testing.assert_allclose(W, np.stack([(1 - 0.2) ** k, (1 - 0.8) ** k], axis=1))


def test_gd_divergence_names_step_and_iteration():
    with pytest.raises(DivergenceError, match=r"iteration \d+ with step = 3"):
        op.gd(lambda w: 2 * w, [1.0], step=3.0, iters=200)


def test_nonconvex_pl_constants():
    x = np.linspace(-20, 20, 400001)
    f = op.NONCONVEX_PL
    fx = x**2 + 3 * np.sin(x) ** 2
    np.testing.assert_allclose([f.f(np.array([v])) for v in x[::1000]], fx[::1000])
    # β = max |f''| = 8; f'' < 0 somewhere (not convex); PL with μ = 1/32 everywhere
    second = 2 + 6 * np.cos(2 * x)
    assert np.isclose(np.abs(second).max(), f.beta, rtol=1e-6) and second.min() < 0
    mu = op.pl_ratios(fx, f.grad(x) ** 2, 0.0)
    assert np.nanmin(mu) >= f.mu and np.nanmin(mu) == pytest.approx(0.1755, abs=1e-3)


def test_gd_with_step_one_over_beta_stays_under_the_pl_bound():
    f = op.NONCONVEX_PL
    for x0 in (-7.0, 2.5, 11.0):
        W = op.gd(f.grad, [x0], step=1 / f.beta, iters=50)
        gaps = np.array([f.f(w) for w in W]) - f.f_star
        assert np.all(gaps <= (1 - f.mu / f.beta) ** np.arange(51) * gaps[0] + 1e-12)


def test_pl_ratios_and_fitted_rate():
    k = np.arange(30)
    gaps = 3.0 * 0.7**k
    assert op.fitted_rate(gaps) == pytest.approx(0.7, rel=1e-10)
    assert op.fitted_rate(np.r_[gaps, 0.0]) == pytest.approx(0.7, rel=1e-10)  # zero gaps dropped
    r = op.pl_ratios([2.0, 1.0, 0.0], [4.0, 1.0, 0.0], 0.0)
    np.testing.assert_allclose(r[:2], [1.0, 0.5])
    assert np.isnan(r[2])
    with pytest.raises(ValueError, match="gaps"):
        op.fitted_rate([1.0, 0.0])


def test_sgd_is_unbiased_and_seeded():
    X, y = op.least_squares_data(200, 5, noise=0.1, seed=0)
    gb = lambda w, idx: X[idx].T @ (X[idx] @ w - y[idx]) / len(idx)  # noqa: E731
    W1 = op.sgd(gb, 200, np.zeros(5), step=0.5, iters=50, seed=3)
    W2 = op.sgd(gb, 200, np.zeros(5), step=0.5, iters=50, seed=3)
    np.testing.assert_array_equal(W1, W2)
    # averaged over many batches the stochastic gradient equals the full gradient
    w = np.ones(5)
    est = np.mean([gb(w, np.random.default_rng(s).integers(0, 200, 1)) for s in range(20000)], axis=0)
    np.testing.assert_allclose(est, X.T @ (X @ w - y) / 200, atol=0.02)


def test_logistic_gradient_and_optimum():
    X, y = op.logistic_data(50, 4, seed=0)
    w = np.array([0.3, -0.2, 0.1, 0.5])
    eps = 1e-6
    fd = [(op.logistic_loss(w + eps * e, X, y, 0.1) - op.logistic_loss(w - eps * e, X, y, 0.1)) / (2 * eps)
          for e in np.eye(4)]
    np.testing.assert_allclose(op.logistic_grad(w, X, y, 0.1), fd, rtol=1e-6)
    w_star, f_star = op.logistic_optimum(X, y, 0.1)
    assert np.linalg.norm(op.logistic_grad(w_star, X, y, 0.1)) < 1e-12


def test_gd_vs_sgd_crossover_moves_like_one_over_n():
    out = op.gd_vs_sgd_cost([30, 1000], np.logspace(-1, -4.5, 15), seeds=3)
    assert np.all(out["gd"][1] > out["gd"][0])  # GD pays n per step
    assert np.all(np.isfinite(out["crossover"]))
    slope = np.log(out["crossover"][1] / out["crossover"][0]) / np.log(1000 / 30)
    assert -1.4 < slope < -0.6, slope


def test_step_recipe_lowers_the_noise_floor_each_cut():
    X, y = op.least_squares_data(1000, 20, noise=0.5, seed=0)
    out = op.step_recipe(X, y, batch_size=10, seed=0)
    steps = np.unique(out["step"])[::-1]
    assert len(steps) == 3 and np.allclose(steps[:-1] / steps[1:], 10)
    floors = [np.mean(out["loss"][1:][out["step"][1:] == s][-100:]) - out["f_star"] for s in steps]
    assert floors[0] > 5 * floors[1] > 25 * floors[2]
