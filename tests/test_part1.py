"""ovptools.experiments.part1: Part I's experiments (GD against SGD, the step-size recipe, the kernel along GD).
GD and SGD themselves are tested in test_train.py, the test objectives in test_objectives.py."""

import numpy as np
import pytest

import ovptools as ov
import ovptools.experiments.part1 as ex


@pytest.mark.slow  # a few seconds: in `make test`, not in the inner loop (pytest -m "not slow")
def test_gd_vs_sgd_crossover_moves_like_one_over_n():
    out = ex.gd_vs_sgd_cost([30, 1000], np.logspace(-1, -4.5, 15), n_seeds=3)
    assert np.all(out.gd[1] > out.gd[0])  # GD pays n per step
    assert np.all(np.isfinite(out.crossover))
    slope = np.log(out.crossover[1] / out.crossover[0]) / np.log(1000 / 30)
    assert -1.4 < slope < -0.6, slope


def test_gd_vs_sgd_cost_takes_any_step_budget():
    # regression: a budget that is not a multiple of 50 raised IndexError
    out = ex.gd_vs_sgd_cost([30], np.logspace(-1, -2, 3), n_seeds=2, max_sgd_steps=1234)
    assert out.sgd.shape == (1, 3, 2) and np.all(np.isfinite(out.gd))
    assert out.crossover_seeds.shape == (1, 2)


def test_gd_vs_sgd_cost_has_no_warning_when_a_target_is_met_at_the_start(recwarn):
    # regression: ε above the initial gap gives a cost of 0 for both methods, and log(0) warned
    out = ex.gd_vs_sgd_cost([30], [10.0, 1e-1, 1e-2], n_seeds=2, max_sgd_steps=2000)
    assert np.all(out.gd[0, 0] == 0) and not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_cauchy_regression_gradient_matches_finite_differences():
    g = np.random.default_rng(0)
    X, y, w = g.standard_normal((30, 4)), g.standard_normal(30), g.standard_normal(4)
    value, grad = ex.cauchy_regression(w, X, y)
    h = 1e-6
    numeric = [(ex.cauchy_regression(w + h * e, X, y)[0] - ex.cauchy_regression(w - h * e, X, y)[0]) / (2 * h)
               for e in np.eye(4)]
    assert np.allclose(grad, numeric, atol=1e-7)
    values, grads = ex.cauchy_regression(np.stack([w, 2 * w]), X, y)
    assert np.isclose(values[0], value) and np.allclose(grads[0], grad)


def _cauchy_grad(w, X, y):
    """∇f for f(w) = (1/n) Σ_i log(1 + (x_iᵀw − y_i)²), one sample at a time (the reference)."""
    return sum(2 * (x @ w - t) / (1 + (x @ w - t) ** 2) * x for x, t in zip(X, y)) / len(y)


def _cauchy_sgd_reference(X, y, w0, T, n_seeds, eta, seed):
    """(average, minimum) over k < T of the seed-mean of ‖∇f(w_k)‖², one run at a time in plain loops, with
    the samples the experiment draws (run s takes sample ``samples[k, s]`` at step k)."""
    samples = np.random.default_rng(seed + T).integers(0, len(y), size=(T, n_seeds))
    grad_sq = np.zeros(T)
    for s in range(n_seeds):
        w = np.array(w0, dtype=float)
        for k in range(T):
            grad_sq[k] += _cauchy_grad(w, X, y) @ _cauchy_grad(w, X, y) / n_seeds
            x, t = X[samples[k, s]], y[samples[k, s]]
            w = w - eta * 2 * (x @ w - t) / (1 + (x @ w - t) ** 2) * x
    return grad_sq.mean(), grad_sq.min()


def test_sgd_nonconvex_rate_matches_a_reference_run_and_stays_under_its_bound():
    X, y = ov.least_squares_data(60, 3, noise=1.0, seed=1)
    w0 = 2 * np.ones(3)
    out = ex.sgd_nonconvex_rate(X, y, w0, [20, 200], n_seeds=3, seed=5)
    for j, T in enumerate(out.horizons):
        average, minimum = _cauchy_sgd_reference(X, y, w0, T, 3, out.eta[j], seed=5)
        assert out.average[j] == pytest.approx(average, rel=1e-10)
        assert out.minimum[j] == pytest.approx(minimum, rel=1e-10)
    assert np.all(out.average <= out.bound) and out.average[-1] < out.average[0]
    # the constants: D = f(w0); η_T balances the bound's two terms D/(ηT) and βηG²/2, whose sum is the bound
    assert out.D == pytest.approx(np.mean([np.log1p((x @ w0 - t) ** 2) for x, t in zip(X, y)]), rel=1e-12)
    first, second = out.D / (out.eta * out.horizons), out.beta * out.eta * out.G2 / 2
    np.testing.assert_allclose(first, second, rtol=1e-12)
    np.testing.assert_allclose(out.bound, first + second, rtol=1e-12)
    # β is the smoothness constant: the Hessian's largest eigenvalue where every residual is 0 (|φ''| is largest
    # there), by finite differences of the reference gradient; G² bounds E_i‖∇f_i(w)‖² at any w
    w_fit = np.array([0.5, -1.0, 2.0])
    beta = ex.sgd_nonconvex_rate(X, X @ w_fit, w0, [5], n_seeds=1).beta
    h = 1e-5
    hess = np.array([(_cauchy_grad(w_fit + h * e, X, X @ w_fit) - _cauchy_grad(w_fit - h * e, X, X @ w_fit)) / (2 * h)
                     for e in np.eye(3)])
    assert beta == pytest.approx(np.linalg.eigvalsh((hess + hess.T) / 2)[-1], rel=1e-6)
    for w in np.random.default_rng(0).standard_normal((5, 3)) * 3:
        per_sample = [np.sum((2 * (x @ w - t) / (1 + (x @ w - t) ** 2) * x) ** 2) for x, t in zip(X, y)]
        assert np.mean(per_sample) <= out.G2
    with pytest.raises(ValueError, match="w0"):
        ex.sgd_nonconvex_rate(X, y, np.ones(2), [10])


def test_step_recipe_lowers_the_noise_floor_each_cut():
    X, y = ov.least_squares_data(1000, 20, noise=0.5, seed=0)
    out = ex.step_recipe(X, y, batch_size=10, seed=0)
    etas = np.unique(out.eta)[::-1]
    assert len(etas) == 3 and np.allclose(etas[:-1] / etas[1:], 10)
    floors = [np.mean(out.loss[1:][out.eta[1:] == s][-100:]) - out.f_star for s in etas]
    assert floors[0] > 5 * floors[1] > 25 * floors[2]


def test_linear_net_jacobian_is_the_kronecker_product_of_v_and_X():
    # W flattened row by row: row i of J is vec(v x_iᵀ) = (v_1 x_iᵀ, …, v_k x_iᵀ), so J = vᵀ ⊗ X exactly (n × kd)
    g = np.random.default_rng(0)
    n, k, d = 5, 3, 4
    X, W, v = g.standard_normal((n, d)), g.standard_normal((k, d)), g.standard_normal(k)
    J = ov.jacobian(ov.OneLayerNet(W, v), X).numpy()
    np.testing.assert_allclose(J, np.kron(v[None, :], X), rtol=1e-12, atol=1e-12)
    assert not np.allclose(J, np.kron(X, v[None, :]))  # the other ordering is a different matrix


def test_kernel_along_gd_on_a_linear_net_meets_both_bounds():
    # a linear net is its own linearization: K_t = ‖v‖²XXᵀ at every step, so with η = 1/λ_max(K) both
    # conditions hold and the loss obeys the linearized bound (the tightest of the two)
    g = np.random.default_rng(1)
    n, k, d = 6, 3, 8
    X, y = g.standard_normal((n, d)) / np.sqrt(d), g.standard_normal(n)
    v = g.standard_normal(k)
    K = v @ v * X @ X.T
    eta = 1 / np.linalg.eigvalsh(K)[-1]
    out = ex.kernel_along_gd(ov.OneLayerNet(g.standard_normal((k, d)), v), X, y, eta=eta, steps=50)
    assert out.loss.shape == out.lambda_min.shape == out.grad_sq.shape == (51,)
    np.testing.assert_allclose(out.lambda_min, np.linalg.eigvalsh(K)[0], rtol=1e-9)
    np.testing.assert_allclose(out.lambda_max, 1 / eta, rtol=1e-9)
    assert out.descent and out.descent_failures == 0 and out.pl_step_failures == 0
    assert out.eta_lambda_max == pytest.approx(1.0) and out.above_one == 0 and out.contraction_failures == 0
    assert out.loss[-1] <= out.linearized * (1 + 1e-9) and out.linearized <= out.pl_bound
    assert out.pl_bound == pytest.approx(out.loss[0] * (1 - eta * np.linalg.eigvalsh(K)[0]) ** 50)


def test_kernel_along_gd_measures_the_gradient_and_patterns_of_a_leaky_net():
    import torch

    g = np.random.default_rng(2)
    X, y = ov.sphere(10, 4, seed=0), ov.gaussian_labels(10, seed=1)
    W0, v = g.standard_normal((6, 4)), g.choice([-1.0, 1.0], size=6)
    net = ov.OneLayerNet(W0, v, slope=0.2)
    eta = 2.0 / np.linalg.eigvalsh(ov.tangent_kernel(net, X).numpy())[-1]  # too large: the conditions must fail
    Wt = torch.tensor(W0, requires_grad=True)
    z = torch.tensor(X) @ Wt.T
    loss = 0.5 * (((torch.where(z >= 0, z, 0.2 * z)) @ torch.tensor(v) - torch.tensor(y)) ** 2).sum()
    (grad,) = torch.autograd.grad(loss, Wt)
    K0 = ov.tangent_kernel(ov.OneLayerNet(W0, v, slope=0.2), X).numpy()  # autograd's J Jᵀ at t = 0
    out = ex.kernel_along_gd(net, X, y, eta=eta, steps=20)
    assert out.lambda_min[0] == pytest.approx(np.linalg.eigvalsh(K0)[0], rel=1e-10)
    assert out.lambda_max[0] == pytest.approx(np.linalg.eigvalsh(K0)[-1], rel=1e-10)
    assert out.grad_sq[0] == pytest.approx(float((grad**2).sum()), rel=1e-10)  # ‖∇L‖² = rᵀKr
    assert out.pattern_change[0] == 0 and out.pattern_change.max() > 0
    changed = np.sum((X @ net.W.detach().numpy().T >= 0) != (X @ W0.T >= 0))  # of the n·k = 60 patterns
    assert out.pattern_change[-1] == pytest.approx(changed / 60)
    assert out.eta_lambda_max >= 2 - 1e-9 and out.above_one >= 1 and out.contraction_failures >= 1
    assert not out.descent and out.descent_failures >= 1
    with pytest.raises(ValueError, match="net"):
        ex.kernel_along_gd(torch.nn.Linear(4, 1), X, y, eta=0.1, steps=2)


def test_floor_1d_matches_the_stationary_variance_and_rejects_unstable_steps():
    out = ex.floor_1d(2.0, 0.5, [0.05, 0.5, 0.9], chains=4000, steps=400, seed=1)
    # w_{k+1} = (1 − ηh)w_k + ηξ_k is AR(1): its stationary variance is η²σ²h / (1 − (1 − ηh)²)
    eta, h, sigma2 = out.etas, 2.0, 0.25
    np.testing.assert_allclose(out.predicted, eta**2 * sigma2 * h / (1 - (1 - eta * h) ** 2), rtol=1e-12)
    np.testing.assert_allclose(out.small_step, eta * sigma2 / 2, rtol=1e-12)
    np.testing.assert_allclose(out.measured, out.predicted, rtol=0.1)
    assert out.measured[-1] > 3 * out.small_step[-1]        # at ηh = 1.8 the small-step form is far off
    with pytest.raises(ValueError, match="etas"):
        ex.floor_1d(1.0, 0.5, [2.0])


def test_elongated_problem_paths_and_the_round_noise_cloud():
    P = ex.elongated_least_squares(300, curvatures=(1.0, 0.1), noise=0.5, seed=0)
    assert np.all(np.sum(P.X ** 2, axis=1) <= 2 + 1e-12)
    np.testing.assert_allclose(np.diag(P.H), [1.0, 0.1], rtol=0.2)
    np.testing.assert_allclose(P.X.T @ (P.X @ P.w_star - P.y), 0, atol=1e-9)
    gd = ex.gd_path(P.X, P.y, P.w_star + 1, eta=1.0, steps=200)
    assert gd.shape == (201, 2) and np.linalg.norm(gd[-1] - P.w_star) < 1e-6
    sgd = ex.sgd_path(P.X, P.y, P.w_star, eta=0.1, steps=50, seed=0)
    assert sgd.shape == (51, 2) and not np.allclose(sgd[-1], P.w_star)     # noise moves it off w*
    small = ex.noise_cloud(P.X, P.y, P.w_star, eta=0.05, steps=20000, burn_in=500, seed=0)
    big = ex.noise_cloud(P.X, P.y, P.w_star, eta=0.2, steps=20000, burn_in=500, seed=0)
    assert 2.5 < big.floor / small.floor < 6                          # floor ∝ η (4×), up to noise and η‖x‖²
    ev = np.linalg.eigvalsh(small.cov)
    assert ev[1] / ev[0] < 2                                                # round, though κ(H) = 10
    np.testing.assert_allclose(ev, 0.05 * 2 * P.f_star / 2, rtol=0.35)
    with pytest.raises(ValueError, match="curvatures"):
        ex.elongated_least_squares(10, curvatures=(1.0, -1.0))


@pytest.mark.parametrize(("call", "name"), [
    # a y of shape (n, 1) used to broadcast against the n residuals into an n × n array (a wrong value, no error)
    (lambda X, y: ex.cauchy_regression(np.zeros(3), X, y[:, None]), "y"),
    (lambda X, y: ex.cauchy_regression(np.zeros(4), X, y), "w"),
    (lambda X, y: ex.cauchy_regression(np.zeros(3), X, y[:-1]), "y"),
    (lambda X, y: ex.gd_path(X, y, np.zeros(4), eta=0.1, steps=2), "w0"),
    (lambda X, y: ex.sgd_path(X, y[:-1], np.zeros(3), eta=0.1, steps=2), "y"),
    (lambda X, y: ex.noise_cloud(X, y, np.zeros(2), eta=0.1, steps=5, burn_in=0), "w_star"),
    (lambda X, y: ex.floor_1d(1.0, 0.5, [0.1, np.nan]), "etas"),
    (lambda X, y: ex.elongated_least_squares(10, curvatures=(1.0, np.nan)), "curvatures"),
    (lambda X, y: ex.step_recipe(X, y, batch_size=2, seed=0, window=0), "window"),
    (lambda X, y: ex.sgd_nonconvex_rate(X, y, np.zeros(3), [10], seed=1.5), "seed"),
    (lambda X, y: ex.sgd_nonconvex_rate(X, y, np.zeros(3), [10], n_seeds=0), "n_seeds"),
])
def test_part1_experiments_refuse_bad_input_naming_the_argument(call, name):
    g = np.random.default_rng(0)
    X, y = g.standard_normal((20, 3)), g.standard_normal(20)
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        call(X, y)
