"""ovptools.objectives: the test objectives' constants, the PL ratios and the fitted rate, and the
regularized logistic loss, its gradient and its optimum."""

import numpy as np
import pytest

import ovptools as ov

LOG_X = ov.sphere(6, 3, seed=4)
LOG_Y = np.array([1.0, -1.0, 1.0, 1.0, -1.0, -1.0])


def test_nonconvex_pl_constants():
    x = np.linspace(-20, 20, 400001)
    f = ov.NONCONVEX_PL
    fx = x**2 + 3 * np.sin(x) ** 2
    np.testing.assert_allclose([f.f(np.array([v])) for v in x[::1000]], fx[::1000])
    # β = max |f''| = 8; f'' < 0 somewhere (not convex); PL with μ = 1/32 everywhere
    second = 2 + 6 * np.cos(2 * x)
    assert np.isclose(np.abs(second).max(), f.beta, rtol=1e-6) and second.min() < 0
    mu = ov.pl_ratios(fx, f.grad(x) ** 2, 0.0)
    assert np.nanmin(mu) >= f.mu and np.nanmin(mu) == pytest.approx(0.1755, abs=1e-3)


def test_pl_ratios_and_fitted_rate():
    k = np.arange(30)
    gaps = 3.0 * 0.7**k
    assert ov.fitted_rate(gaps) == pytest.approx(0.7, rel=1e-10)
    assert ov.fitted_rate(np.r_[gaps, 0.0]) == pytest.approx(0.7, rel=1e-10)  # zero gaps dropped
    r = ov.pl_ratios([2.0, 1.0, 0.0], [4.0, 1.0, 0.0], 0.0)
    np.testing.assert_allclose(r[:2], [1.0, 0.5])
    assert np.isnan(r[2])
    with pytest.raises(ValueError, match="gaps"):
        ov.fitted_rate([1.0, 0.0])


def test_logistic_gradient_and_optimum():
    X, y = ov.logistic_data(50, 4, seed=0)
    w = np.array([0.3, -0.2, 0.1, 0.5])
    eps = 1e-6
    fd = [(ov.logistic_loss(w + eps * e, X, y, 0.1) - ov.logistic_loss(w - eps * e, X, y, 0.1)) / (2 * eps)
          for e in np.eye(4)]
    np.testing.assert_allclose(ov.logistic_grad(w, X, y, 0.1), fd, rtol=1e-6)
    w_star, f_star = ov.logistic_optimum(X, y, 0.1)
    assert np.linalg.norm(ov.logistic_grad(w_star, X, y, 0.1)) < 1e-12


def test_logistic_objective_survives_huge_margins():
    # regression: 1/(1 + exp(z)) overflowed (a RuntimeWarning, an error under pytest) for margins beyond 709
    w = np.array([1000.0, 0.0, 0.0])
    Xh = np.array([[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]])
    yh = np.array([-1.0, -1.0])  # margins y_i x_iᵀw = −1000 and +1000
    assert ov.logistic_loss(w, Xh, yh, 0.0) == pytest.approx(500.0, rel=1e-12)  # (1000 + log(1 + e^−1000)) / 2
    # ∇ = −(1/n) Σ y_i x_i / (1 + e^{y_i x_iᵀw}): sample 1 contributes x_1/2 (its factor is ≈ 1), sample 2 ≈ 0
    np.testing.assert_allclose(ov.logistic_grad(w, Xh, yh, 0.0), [0.5, 0.0, 0.0], rtol=1e-12, atol=0)
    assert np.all(np.isfinite(ov.objectives.sigmoid(np.array([-1e4, -745.5, 0.0, 745.5, 1e4]))))
    np.testing.assert_array_equal(ov.objectives.sigmoid(np.array([-1e4, 0.0, 1e4])), [0.0, 0.5, 1.0])


def test_logistic_optimum_is_a_critical_point():
    w, f = ov.logistic_optimum(LOG_X, LOG_Y, 0.1)
    assert np.linalg.norm(ov.logistic_grad(w, LOG_X, LOG_Y, 0.1)) < 1e-12
    assert f == pytest.approx(np.mean(np.log1p(np.exp(-LOG_Y * (LOG_X @ w)))) + 0.05 * w @ w, rel=1e-12)
