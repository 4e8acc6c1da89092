"""Lecture 10's experiments (implicit bias and generalization): the SVM solvers against scikit-learn and
closed forms, GD on separable data against Soudry et al.'s asymptotics, the regularized path against
an independent optimizer, and the two-layer net's GD step against torch autograd."""

import numpy as np
import pytest
import torch
from scipy.optimize import minimize

import ovptools.experiments.part4 as ex


def _separable(n, d, seed):
    """Random data separable through the origin with margin: labels from a random direction u,
    points with |⟨u, x⟩| < 0.3 dropped."""
    g = np.random.default_rng(seed)
    u = g.standard_normal(d)
    u /= np.linalg.norm(u)
    X = g.standard_normal((4 * n, d))
    X = X[np.abs(X @ u) >= 0.3][:n]
    return X, np.sign(X @ u)


# ---- the max-margin direction ----


@pytest.mark.parametrize("d", [2, 3, 5])
@pytest.mark.parametrize("seed", [0, 1])
def test_dual_coordinate_ascent_matches_scikit_learn(d, seed):
    X, y = _separable(40, d, seed)
    ours, ref = ex.hard_margin_svm(X, y), ex.svm_reference(X, y)
    cos = ours.w @ ref.w / np.linalg.norm(ours.w) / np.linalg.norm(ref.w)
    assert np.arccos(min(cos, 1.0)) < 1e-4
    assert np.linalg.norm(ours.w) == pytest.approx(np.linalg.norm(ref.w), rel=1e-4)
    assert abs(ref.intercept) < 1e-4  # the mirrored data make the intercept 0
    # KKT: feasible, ŵ = Σ α_i y_i x_i, α_i > 0 only on the margin
    margins = y * (X @ ours.w)
    assert margins.min() >= 1 - 1e-8
    np.testing.assert_allclose((ours.alpha * y) @ X, ours.w, atol=1e-12)
    np.testing.assert_allclose(margins[ours.support], 1.0, atol=1e-8)


def test_svm_of_the_lecture_data_sets_in_closed_form():
    X, y = ex.soudry_data("symmetric", n_extra=20, seed=3)
    np.testing.assert_allclose(ex.hard_margin_svm(X, y).w, [0.5, 0.5], atol=1e-9)
    X, y = ex.soudry_data("asymmetric", n_extra=20, seed=3)
    w = np.linalg.solve([[0.3, 1.2], [2.0, 0.4]], [1.0, 1.0])  # ⟨w, z⟩ = 1 on both support vectors
    svm = ex.hard_margin_svm(X, y)
    np.testing.assert_allclose(svm.w, w, atol=1e-9)
    assert svm.support.tolist() == [0, 1]
    assert 5 < svm.alpha[0] / svm.alpha[1] < 9  # the dual variables differ about sevenfold
    assert np.min(y[2:] * (X[2:] @ w)) >= 1.25  # the extra points are off the margin


def test_normalized_margin_by_hand():
    X = np.array([[1.0, 0.0], [0.0, 2.0]])
    y = np.array([1.0, -1.0])
    # w = (3, -4): margins 3 and 8, ‖w‖ = 5
    assert ex.normalized_margin([3.0, -4.0], X, y) == pytest.approx(0.6)
    assert ex.normalized_margin([30.0, -40.0], X, y) == pytest.approx(0.6)  # scale-invariant
    assert ex.normalized_margin([3.0, 4.0], X, y) == pytest.approx(-8 / 5)  # negative: misclassified


def test_svm_direction_beats_every_other_direction():
    X, y = _separable(30, 2, seed=4)
    best = ex.normalized_margin(ex.svm_direction(X, y), X, y)
    assert np.linalg.norm(ex.svm_direction(X, y)) == pytest.approx(1.0)
    assert best == pytest.approx(1 / np.linalg.norm(ex.hard_margin_svm(X, y).w))
    angles = np.linspace(0, 2 * np.pi, 3601)
    others = [ex.normalized_margin([np.cos(t), np.sin(t)], X, y) for t in angles]
    assert max(others) <= best + 1e-12
    assert max(others) > best - 1e-3  # and the grid gets close to it


# ---- GD on the logistic loss ----


def test_logistic_gd_path_is_plain_gd_on_the_summed_loss():
    X, y = _separable(15, 3, seed=5)
    eta = 1.0 / np.linalg.norm(X, 2) ** 2
    run = ex.logistic_gd_path(X, y, eta=eta, steps=300, records=5)
    w = np.zeros(3)
    ref = {}
    for t in range(1, 301):
        w = w - eta * (-(X.T @ (y / (1 + np.exp(y * (X @ w))))))
        ref[t] = w.copy()
    assert run.t[0] == 1 and run.t[-1] == 300
    for t, wt, loss in zip(run.t, run.w, run.loss):
        np.testing.assert_allclose(wt, ref[t], rtol=1e-12, atol=1e-12)
        assert loss == pytest.approx(np.sum(np.log1p(np.exp(-y * (X @ ref[t])))), rel=1e-12)


def test_soudry_asymptotics_on_the_asymmetric_data():
    X, y = ex.soudry_data("asymmetric", n_extra=20, seed=0)
    r = ex.soudry_experiment(X, y, steps=50_000, records=30)
    nw = np.linalg.norm(r.w_hat)
    assert r.eta == pytest.approx(4 / np.linalg.norm(X, 2) ** 2)
    assert r.norm_slope == pytest.approx(nw, rel=0.15)  # ‖w‖ grows like ‖ŵ‖ ln t
    assert r.norm[-1] == pytest.approx(r.pred_norm[-1], rel=0.05)
    assert -1.1 < r.loss_slope < -0.9  # L ~ 1/t
    assert r.loss[-1] * r.t[-1] == pytest.approx(nw**2 / r.eta, rel=0.15)
    assert np.all(np.diff(r.angle[r.t > 10]) < 0)  # the direction keeps turning towards ŵ
    assert r.angle[-1] == pytest.approx(r.pred_angle[-1], rel=0.3)
    assert r.w_tilde_perp / nw == pytest.approx(1.242, abs=0.01)  # from α alone: the 1/ln t constant
    # the predictions use η e^{−⟨w̃, z_n⟩} = α_n on the support vectors
    Z = y[r.support, None] * X[r.support]
    np.testing.assert_allclose(r.eta * np.exp(-(Z @ r.w_tilde)), r.alpha[r.support], rtol=1e-10)


def test_symmetric_data_have_no_one_over_log_term():
    X, y = ex.soudry_data("symmetric", n_extra=20, seed=0)
    r = ex.soudry_experiment(X, y, steps=20_000, records=20)
    assert r.w_tilde_perp < 1e-9  # equal dual variables: w̃ ∥ ŵ
    # Σ α z zᵀ = ¼[[2.5, 1.5], [1.5, 2.5]] has eigenvalues 1 and ¼; the extra points have ⟨ŵ, z⟩ ≥ 1.25
    assert r.lambda_min == pytest.approx(0.25, abs=1e-9)
    assert r.theta >= 1.25 and r.kappa == pytest.approx(0.25, abs=1e-9)
    assert r.angle_power < -0.1  # angle·ln t falls instead of settling


# ---- explicit regularization ----


def test_regularized_minimizers_against_scipy_and_towards_the_max_margin():
    X, y = ex.soudry_data("asymmetric", n_extra=20, seed=0)
    lams = [1.0, 1e-2, 1e-4, 1e-8, 1e-12]
    reg = ex.regularized_margins(X, y, lams)
    assert np.all(np.diff(reg.lams) < 0)
    assert np.all(np.diff(reg.margin) > 0)  # smaller λ, larger margin
    assert np.all(reg.margin < reg.max_margin)
    assert reg.max_margin - reg.margin[-1] < 0.02
    assert reg.grad_norm.max() < 1e-8
    Z = y[:, None] * X
    for lam, w in zip(reg.lams[:3], reg.w[:3]):  # an independent optimizer finds the same minimizer
        res = minimize(lambda v, lam=lam: np.sum(np.logaddexp(0, -(Z @ v))) + 0.5 * lam * v @ v, np.zeros(2),
                       method="BFGS", options={"gtol": 1e-10})
        np.testing.assert_allclose(res.x, w, rtol=1e-5, atol=1e-6)
    # the asymptotic prediction s_λ ŵ + v: norms within 1% for small λ
    np.testing.assert_allclose(reg.pred_norm[2:], reg.norm[2:], rtol=0.01)


def test_regularized_objective_is_half_lambda_norm_squared():
    """The printed λ is the λ of Σℓ + (λ/2)‖w‖²: stationarity reads λw = Σ σ(−⟨w, z_i⟩) z_i, and scikit-learn's
    C Σℓ + ½‖w‖² with C = 1/λ has the same minimizer (with C = 1/(2λ), the λ‖w‖² convention, it does not)."""
    from scipy.special import expit
    from sklearn.linear_model import LogisticRegression

    X, y = ex.soudry_data("asymmetric", n_extra=20, seed=0)
    Z = y[:, None] * X
    lams = [1.0, 1e-1, 1e-2]
    reg = ex.regularized_margins(X, y, lams)
    for lam, w in zip(reg.lams, reg.w):
        np.testing.assert_allclose(lam * w, Z.T @ expit(-(Z @ w)), atol=1e-10)
        fit = LogisticRegression(C=1 / lam, fit_intercept=False, tol=1e-12, max_iter=10_000).fit(X, y)
        np.testing.assert_allclose(fit.coef_[0], w, rtol=1e-5, atol=1e-6)
        other = LogisticRegression(C=1 / (2 * lam), fit_intercept=False, tol=1e-12, max_iter=10_000).fit(X, y)
        assert np.linalg.norm(other.coef_[0] - w) > 1e-2 * np.linalg.norm(w)


def test_gd_on_the_square_loss_converges_to_least_squares_not_interpolation():
    """Check-yourself Q1: with n > d (the lecture's 22 points in 2-D) GD on Σ(1 − ⟨w, z_i⟩)² from 0 converges to the
    least-squares solution, which does not interpolate; with n < d (full row rank) to the minimum-norm interpolant."""

    def gd(Z, steps=20_000):
        w, eta = np.zeros(Z.shape[1]), 0.5 / np.linalg.norm(Z, 2) ** 2
        for _ in range(steps):
            w -= eta * 2 * Z.T @ (Z @ w - 1.0)
        return w

    X, y = ex.soudry_data("asymmetric", n_extra=20, seed=0)
    Z = y[:, None] * X
    assert Z.shape == (22, 2)
    w = gd(Z)
    np.testing.assert_allclose(w, np.linalg.solve(Z.T @ Z, Z.T @ np.ones(22)), rtol=1e-8)
    assert np.linalg.norm(Z @ w - 1.0) > 1.0  # far from interpolating
    Z = np.random.default_rng(0).standard_normal((5, 12))
    w = gd(Z)
    np.testing.assert_allclose(w, Z.T @ np.linalg.solve(Z @ Z.T, np.ones(5)), rtol=1e-8)
    np.testing.assert_allclose(Z @ w, 1.0, atol=1e-8)


# ---- two-layer homogeneous nets ----


def test_two_layer_gd_step_matches_torch_autograd():
    X, y, _, _ = ex.digits_parity(n_train=40, seed=1)
    m, eta, seed = 8, 0.5, 3
    run = ex.two_layer_margin_run(X, y, m, steps=1, eta=eta, seed=seed, records=2)
    g = np.random.default_rng(seed)  # the documented initialization
    W = torch.tensor(g.standard_normal((m, X.shape[1])), requires_grad=True)
    a = torch.tensor(g.standard_normal(m) / np.sqrt(m), requires_grad=True)
    Xt, yt = torch.tensor(X), torch.tensor(y)
    loss = torch.nn.functional.softplus(-yt * (torch.relu(Xt @ W.T) @ a)).mean()
    loss.backward()
    np.testing.assert_allclose(run.W, (W - eta * W.grad).detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(run.a, (a - eta * a.grad).detach().numpy(), rtol=1e-10, atol=1e-12)
    assert run.frob_init == pytest.approx(float(torch.linalg.norm(W.detach()) * torch.linalg.norm(a.detach())))


def test_two_layer_margin_and_capacity_after_fitting():
    X, y, Xte, yte = ex.digits_parity(n_train=100, seed=0)
    run = ex.two_layer_margin_run(X, y, 32, steps=600, eta=2.0, seed=1, X_test=Xte, y_test=yte, records=20)
    assert run.train_error[-1] == 0 and run.test_error[-1] < 0.2
    W, a = run.W, run.a
    f = np.maximum(X @ W.T, 0) @ a
    theta2 = np.sum(W**2) + a @ a
    assert run.raw_margin[-1] == pytest.approx(np.min(y * f))
    assert run.margin[-1] == pytest.approx(np.min(y * f) / theta2)
    assert run.capacity[-1] == pytest.approx(np.linalg.norm(W) * np.linalg.norm(a) / (np.min(y * f) * 10))
    assert run.capacity[-1] <= 1 / (2 * run.margin[-1] * 10)  # ‖W‖‖a‖ ≤ ‖θ‖²/2
    fitted = run.loss < np.log(2) / 100
    assert fitted.any() and np.all(np.diff(run.margin[fitted]) > 0)  # the margin grows once the data are fitted
    assert np.all(np.isnan(run.capacity[run.raw_margin <= 0]))


def test_margins_at_every_step_and_lyu_li_smoothed_margin():
    X, y, _, _ = ex.digits_parity(n_train=100, seed=0)
    steps = 600
    run = ex.two_layer_margin_run(X, y, 32, steps=steps, eta=2.0, seed=1, records=20)
    g, s = run.margin_all, run.smoothed_all
    assert g.shape == s.shape == (steps + 1,)
    np.testing.assert_allclose(g[run.step], run.margin, rtol=1e-12)  # index k: after k updates
    W, a = run.W, run.a
    q = y * (np.maximum(X @ W.T, 0) @ a)
    theta2 = np.sum(W**2) + a @ a
    loss_sum = np.sum(np.log1p(np.exp(-q)))
    assert loss_sum < np.log(2)
    assert s[-1] == pytest.approx(-np.log(np.exp(loss_sum) - 1) / theta2, rel=1e-9)  # ℓ⁻¹(L)/‖θ‖²
    assert np.isnan(s[0]) and np.all(np.isfinite(s[np.argmax(np.isfinite(s)):]))  # NaN exactly until L < ln 2
    fitted = np.isfinite(s)
    assert np.all(s[fitted] <= g[fitted])  # γ̃ ≤ γ
    assert np.all(np.diff(s[fitted]) >= 0)  # observed on this run: γ̃ never falls after the fit


def test_width_sweep_shapes_and_parameter_count():
    sw = ex.width_sweep((4, 16), n_train=60, steps=50, records=5)
    assert sw.widths.tolist() == [4, 16]
    assert sw.params.tolist() == [4 * 65, 16 * 65]
    assert len(sw.runs) == 2 and sw.test_error.shape == (2,)


def test_digits_parity_labels():
    from sklearn.datasets import load_digits

    X, y, Xte, yte = ex.digits_parity(n_train=300, seed=0)
    target = load_digits().target
    assert len(y) + len(yte) == len(target)
    assert np.sum(y > 0) + np.sum(yte > 0) == np.sum(target % 2 == 0)
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0)


# ---- bad input ----


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: ex.normalized_margin([0.0, 0.0], np.eye(2), [1.0, -1.0]), "w"),
        (lambda: ex.normalized_margin([1.0, 0.0, 0.0], np.eye(2), [1.0, -1.0]), "w"),
        (lambda: ex.normalized_margin([1.0, 0.0], np.eye(2), [1.0, 0.0]), "y"),
        (lambda: ex.hard_margin_svm(np.eye(2), [1.0, -1.0, 1.0]), "y"),
        (lambda: ex.hard_margin_svm(np.array([[1.0, 0.0], [-1.0, 0.0]]), [1.0, 1.0], max_sweeps=50), "max_sweeps"),
        (lambda: ex.logistic_gd_path(np.eye(2), [1.0, -1.0], eta=8.0, steps=10), "eta"),
        (lambda: ex.logistic_gd_path(np.eye(2), [1.0, -1.0], eta=0.1, steps=0), "steps"),
        (lambda: ex.soudry_data("round"), "kind"),
        (lambda: ex.regularized_margins(np.eye(2), [1.0, -1.0], [1e-3, -1.0]), "lams"),
        (lambda: ex.two_layer_margin_run(np.eye(2), [1.0, -1.0], 0, steps=5, eta=0.1), "m"),
        (lambda: ex.two_layer_margin_run(np.eye(2), [1.0, -1.0], 4, steps=5, eta=0.1, X_test=np.eye(3),
                                         y_test=[1.0, -1.0, 1.0]), "X_test"),
    ],
)
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        call()


def test_a_diverging_two_layer_run_raises_divergence_error_with_its_step():
    from ovptools.train import DivergenceError

    with pytest.raises(DivergenceError, match=r"^eta\b") as info:
        ex.two_layer_margin_run(np.eye(2), [1.0, -1.0], 4, steps=50, eta=1e300)
    assert info.value.eta == 1e300 and info.value.iteration >= 1
