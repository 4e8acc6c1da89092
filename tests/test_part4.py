"""Part IV's experiments (Lecture 9), at small scale, against independent references and their predictions."""


import numpy as np
import pytest
import torch

import ovptools as ov
import ovptools.experiments.part4 as ex
from ovptools._device import few_threads
from ovptools.experiments.part4 import saddles, students


def _escape_by_hand(eps: float, eta: float, threshold: float) -> int:
    """The escape count from its definition, one scalar step at a time (the reference)."""
    y, k = abs(eps), 0
    while y < threshold:
        y, k = y - eta * (y**3 - y), k + 1
    return k


def test_gd_from_random_starts_never_ends_at_the_strict_saddle():
    out = ex.saddle_random_starts(5000, eta=0.05, steps=1000, box=2.0, tol=1e-6, seed=3)
    assert out.at_minimizer == 5000 and out.at_saddle == 0 and out.elsewhere == 0
    # y never changes sign for η·L < 1 on the box, so each start reaches the minimizer on its own side
    assert np.all(np.sign(out.y) == np.sign(out.y0))
    assert np.allclose(np.abs(out.y), 1.0, atol=1e-6) and np.allclose(out.x, 0.0, atol=1e-6)
    assert out.eta_times_L == pytest.approx(0.55)


def test_starts_on_the_stable_manifold_do_converge_to_the_saddle():
    # the exceptional set {y = 0}: the same step as the vectorized run, from y = 0 exactly
    x, y = 1.5, 0.0
    for _ in range(500):
        x, y = saddles._saddle_gd_step(x, y, 0.05)
    assert y == 0.0 and abs(x) < 1e-10


@pytest.mark.parametrize("eta", [0.01, 0.05, 0.2])
@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.9])
def test_escape_steps_match_the_definition_and_the_corrected_prediction(eta, threshold):
    eps = np.array([1e-9, 1e-6, 1e-3, 0.1, -1e-4])
    out = ex.saddle_escape(eps, eta=eta, threshold=threshold)
    assert list(out.steps) == [_escape_by_hand(e, eta, threshold) for e in eps]
    # the linearized count underestimates by the cubic term's constant; the corrected one is off by < 1.5 steps
    assert np.all(out.steps > out.linear)
    assert np.all(np.abs(out.steps - out.corrected) < 1.5), out.steps - out.corrected


def test_escape_is_zero_when_already_past_the_threshold():
    out = ex.saddle_escape([0.5, 0.7, -0.6], eta=0.1, threshold=0.5)
    assert list(out.steps) == [0, 0, 0] and np.all(out.linear == 0)


@pytest.mark.parametrize("kwargs, match", [
    ({"eps": [0.0]}, "eps"), ({"eps": [1e-3], "threshold": 1.0}, "threshold"),
    ({"eps": [1e-3], "eta": 0.0}, "eta"), ({"eps": [1e-3], "eta": 1.5}, "eta"),
    ({"eps": [[np.nan]]}, "eps"), ({"eps": [1e-12], "max_steps": 5}, "max_steps"),
])
def test_escape_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ex.saddle_escape(**kwargs)


def test_perturbed_gd_escapes_from_the_exact_saddle_and_plain_gd_does_not():
    out = ex.perturbed_gd_saddle(200, steps=600, seed=1)
    assert out.plain_gd == (0.0, 0.0)
    assert np.all(out.escape_step > 0) and np.all(out.distance_to_minimizer < 1e-2)
    once = out.kicks == 1
    assert once.mean() > 0.7
    assert np.all(np.abs(out.escape_step[once] - out.predicted_escape[once]) < 1.5)


def _student_reference(W, a, X, y):
    Wt = torch.tensor(W, requires_grad=True)
    at = torch.tensor(a, requires_grad=True)
    loss = 0.5 * ((torch.relu(torch.tensor(X) @ Wt.T) @ at - torch.tensor(y)) ** 2).mean()
    loss.backward()
    return float(loss.detach()), Wt.grad.numpy(), at.grad.numpy()


def test_student_gradient_matches_autograd():
    g = np.random.default_rng(0)
    X, y = g.standard_normal((30, 5)), g.standard_normal(30)
    W, a = g.standard_normal((3, 4, 5)), g.standard_normal((3, 4))
    loss, gW, ga = students._student_loss_grad(W, a, X, y)
    for s in range(3):
        ref = _student_reference(W[s], a[s], X, y)
        assert loss[s] == pytest.approx(ref[0], rel=1e-12)
        np.testing.assert_allclose(gW[s], ref[1], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(ga[s], ref[2], rtol=1e-10, atol=1e-12)
    assert ex.student_loss(W[1], a[1], X, y) == pytest.approx(loss[1])


def test_teacher_student_trains_and_reports_consistent_fractions():
    out = ex.teacher_student(2, factors=(1, 2), n_seeds=4, n=60, d=4, steps=1500, seed=0)
    scale = 0.5 * np.mean(out.y**2)
    for run in out.runs:
        rel = run.relative_loss
        assert rel.shape == (4,) and run.curves.shape == (4, 15)
        assert np.all(rel < run.curves[:, 0])  # every run went down
        # the final losses, success rate and median against the torch reference loss of each final student
        ref = np.array([_student_reference(run.W[s], run.a[s], out.X, out.y)[0] / scale for s in range(4)])
        np.testing.assert_allclose(rel, ref, rtol=1e-10)
        assert run.success == sum(r < 1e-3 for r in ref) / 4
        assert run.median == pytest.approx(sorted(ref)[1] / 2 + sorted(ref)[2] / 2, rel=1e-10)


def test_loss_slice_passes_through_start_and_end():
    g = np.random.default_rng(1)
    X, y = g.standard_normal((20, 3)), g.standard_normal(20)
    W0, a0, W1, a1 = g.standard_normal((2, 3)), g.standard_normal(2), g.standard_normal((2, 3)), g.standard_normal(2)
    sl = ex.loss_slice(X, y, W0, a0, W1, a1, points=49, margin=0.25)
    i0, i1, j0 = np.argmin(np.abs(sl.alpha)), np.argmin(np.abs(sl.alpha - 1)), np.argmin(np.abs(sl.beta))
    assert sl.alpha[i0] == pytest.approx(0, abs=1e-12) and sl.beta[j0] == pytest.approx(0, abs=1e-12)
    scale = 0.5 * np.mean(y**2)
    assert sl.relative_loss[i0, j0] == pytest.approx(ex.student_loss(W0, a0, X, y) / scale)
    assert sl.relative_loss[i1, j0] == pytest.approx(ex.student_loss(W1, a1, X, y) / scale)
    with pytest.raises(ValueError, match="W1"):
        ex.loss_slice(X, y, W0, a0, W0, a0)


def test_student_hessian_extremes_match_the_dense_hessian():
    g = np.random.default_rng(2)
    X, y = g.standard_normal((25, 4)), g.standard_normal(25)
    W, a = g.standard_normal((3, 4)), g.standard_normal(3)
    lam_max, lam_min = ex.student_hessian_extremes(W, a, X, y)
    Xt, yt = torch.tensor(X), torch.tensor(y)

    def loss(theta):
        return 0.5 * ((torch.relu(Xt @ theta[:12].reshape(3, 4).T) @ theta[12:] - yt) ** 2).mean()

    theta = torch.tensor(np.concatenate([W.ravel(), a]))
    eig = torch.linalg.eigvalsh(torch.autograd.functional.hessian(loss, theta, vectorize=True))
    assert lam_max == pytest.approx(float(eig[-1]), rel=1e-8) and lam_min == pytest.approx(float(eig[0]), abs=1e-8)


def test_hessian_timing_agrees_with_the_dense_answer():
    out = ex.hessian_timing(k=8, d=7, n=30, lanczos_steps=64)
    assert out.p == 64
    assert out.lanczos == pytest.approx(out.dense, rel=1e-7, abs=1e-9)


def test_quadratic_net_with_k_at_least_2d_reaches_the_least_squares_optimum():
    out = ex.quadratic_landscape((1, 6), d=3, n=15, signs="balanced", n_seeds=4, seed=0)
    small, wide = out.runs
    assert np.all(np.abs(wide.loss - out.reference) < 1e-8)  # Soltanolkotabi et al.: no spurious minima
    assert np.all(small.loss > out.reference + 1e-3)  # one neuron cannot express the optimal M


def test_quadratic_net_with_weight_decay_matches_the_convex_program():
    out = ex.quadratic_landscape((1, 6), d=8, n=20, signs="positive", lam=0.01, n_seeds=4, seed=1)
    assert out.certificate > -1e-4  # the gradient at the convex optimum is PSD (KKT)
    assert 1 <= out.rank <= 5  # Barvinok–Pataki: r(r+1)/2 ≤ n = 20
    for run in out.runs:
        assert np.all(run.loss > out.reference - 1e-7)  # nothing beats the global minimum
    assert np.all(np.abs(out.runs[1].loss - out.reference) < 1e-6)  # k = 6 ≥ √(2n) reaches it


def test_quadratic_landscape_rejects_bad_input():
    with pytest.raises(ValueError, match="signs"):
        ex.quadratic_landscape((2,), d=2, n=5, signs="mixed")
    with pytest.raises(ValueError, match="lam"):
        ex.quadratic_landscape((2,), d=2, n=5, signs="positive", lam=0.0)
    with pytest.raises(ValueError, match="widths"):
        ex.quadratic_landscape((0,), d=2, n=5)


def test_autodiff_at_the_kink():
    out = ex.autodiff_at_kink()
    assert out.torch == 0.0 and out.ovptools == 2.0
    assert out.directional == pytest.approx(1.0, abs=1e-6)


def test_no_single_value_of_relu_prime_at_zero_is_right_for_every_composition():
    out = ex.autodiff_at_kink(slopes=[0.0, 0.25, 0.5, 1.0])
    g, absx, two, h = out.compositions
    s = out.slopes
    assert "= x" in g.name and "|x|" in absx.name and "relu(2x)" in two.name and "≡ 0" in h.name
    # relu(x) − relu(−x) = x: autodiff returns 2s (right only for s = ½); relu(−relu(x)) ≡ 0: it returns −s²
    assert np.allclose(g.autodiff, 2 * s) and g.right_for.tolist() == [0.5]
    assert np.allclose(h.autodiff, -(s**2)) and h.right_for.tolist() == [0.0]
    assert np.allclose(two.autodiff, 3 * s) and two.clarke == (1.0, 2.0)
    assert two.right_for.tolist() == [0.5]  # 3s ∈ [1, 2] needs s ∈ [1/3, 2/3]
    assert absx.right_for.tolist() == s.tolist()  # |x|: 0 ∈ [−1, 1] for every s
    assert out.right_for_all.size == 0
    assert ex.autodiff_at_kink().right_for_all.size == 0  # on the default grid of 101 values too
    with pytest.raises(ValueError, match="slopes"):
        ex.autodiff_at_kink(slopes=[1.5])


def test_relu_with_slope_uses_the_chosen_derivative_at_zero_only():
    from ovptools.experiments.part4.nonsmooth import relu_with_slope

    z = torch.tensor([-1.0, 0.0, 2.0], dtype=torch.float64, requires_grad=True)
    relu_with_slope(z, 0.3).sum().backward()
    assert z.grad.tolist() == [0.0, 0.3, 1.0]
    assert torch.equal(relu_with_slope(z, 0.3), torch.relu(z))


def test_blank_patch_zeros_leave_weight_gradients_alone_and_zero_biases_do_not():
    out = ex.kink_gradients(channels=3, images=200, seed=0)
    none, zero, rand = out.none, out.zero, out.random
    # without biases the exact zeros (blank patches, ties) are not kinks in the parameters: bit-identical gradients
    assert none.conv1_zero > 0.05 and none.pool_ties > 0.1
    assert none.identical and none.weights == 0.0
    # a trainable bias at exactly 0 over a blank patch is a kink in b: the weights agree, the biases do not
    assert zero.conv1_zero == none.conv1_zero and not zero.identical
    assert zero.weights == 0.0 and zero.relative_difference["b1"] > 0.01
    assert zero.conv1_zero_after_step == 0.0  # one step moves the biases off 0
    # random biases: no exact zeros; the tie routing changes at most the order of a sum
    assert rand.conv1_zero == 0.0 and rand.weights < 1e-12 and rand.biases < 1e-12
    with pytest.raises(ValueError, match="images"):
        ex.kink_gradients(images=10**6)


def test_kinks_are_hit_on_integer_images_and_not_on_gaussian_ones():
    out = ex.kink_frequency(channels=2, seed=0)
    assert out.zero_pixels > 0.3 and out.pool_ties > 0.2 and out.conv_zero > 0.005
    assert out.zero_pixels_gaussian == out.conv_zero_gaussian == out.pool_ties_gaussian == 0.0
    # a conv output over an all-zero 3×3 patch is exactly 0 whatever the filter: count those patches directly
    from sklearn.datasets import load_digits

    imgs = torch.tensor(load_digits().images)[:, None]
    blank = (imgs.unfold(2, 3, 1).unfold(3, 3, 1).abs().sum(dim=(-1, -2)) == 0).double().mean()
    assert out.conv_zero >= float(blank) - 1e-12


def test_subgradient_method_stays_below_the_bound_and_decays_like_one_over_root_k():
    out = ex.subgradient_l1_regression((100, 400, 1600), n=100, d=5, outliers=0.2, runs=10, seed=0)
    assert np.all(out.gap > 0) and np.all(out.gap < out.bound)
    assert -0.8 < out.slope < -0.3, out.slope
    assert out.w_error < 1e-6  # with 20% outliers the ℓ1 fit recovers the clean w exactly
    with pytest.raises(ValueError, match="outliers"):
        ex.subgradient_l1_regression((10,), outliers=1.0)


def test_mean_field_weights_move_order_one_and_lazy_ones_shrink():
    out = ex.mean_field_movement((100, 400, 1600), n=20, d=5, steps=200, eta=0.5, seed=0)
    assert out.lazy.slope < -0.3, out.lazy.slope  # predicted −½ (−0.41 measured at these widths)
    assert abs(out.mean_field.slope) < 0.15, out.mean_field.slope
    assert np.all(out.mean_field.movement > 0.3)
    for name in ("lazy", "mean_field"):
        assert np.all(getattr(out, name).loss < 0.5 * out.initial_loss)


def test_saddle_value_at_its_critical_points():
    assert ex.saddle_value(0.0, 0.0) == 0.0
    assert ex.saddle_value(0.0, 1.0) == ex.saddle_value(0.0, -1.0) == -0.25  # the two minimizers
    assert ex.saddle_value(1.0, 1.0) == pytest.approx(0.25)


def _blas_threads() -> set[int]:
    from threadpoolctl import threadpool_info

    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


@pytest.fixture
def two_threads():
    """torch and BLAS on two threads during the test, so that a limit to one shows under OMP_NUM_THREADS=1 too."""
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with threadpool_limits(limits=2, user_api="blas"):
            yield
    finally:
        torch.set_num_threads(before)


def test_one_thread_restores_the_thread_count(two_threads):
    before = torch.get_num_threads()
    with few_threads(blas=True):
        assert torch.get_num_threads() == 1
        assert _blas_threads() == {1}
    assert torch.get_num_threads() == before == 2 and _blas_threads() == {2}


def test_restarts_near_a_global_minimum_come_back_to_zero_loss():
    X, y, (W_t, a_t) = ov.teacher_data(80, 4, 2, seed=0)
    out = ex.restart_nearby(X, y, W_t, a_t / np.sqrt(2), radius=0.05, restarts=4, steps=2000, seed=0)
    assert out.start < 1e-20  # the teacher itself, written as a student with k = k0
    assert np.all(out.perturbed > 1e-4) and np.all(out.final < 1e-3)
    with pytest.raises(ValueError, match="W, a"):
        ex.restart_nearby(X, y, W_t, a_t[:1])


def test_neuron_paths_lazy_neurons_stay_near_their_start_and_mean_field_ones_travel():
    m = 100
    lazy = ex.neuron_paths(np.sqrt(m), m=m, n=20, steps=200, records=11, seed=0)
    mf = ex.neuron_paths(1.0, m=m, n=20, steps=200, records=11, seed=0)
    assert lazy.paths.shape == mf.paths.shape == (11, m, 2)
    # same initialization for both scalings
    assert np.array_equal(lazy.paths[0], mf.paths[0])
    # both fit (the loss falls), in opposite ways: each neuron moves O(1/α)
    assert lazy.loss[-1] < 0.1 * lazy.loss[0] and mf.loss[-1] < mf.loss[0]
    assert mf.movement > 3 * lazy.movement
    # the movement is recomputed independently from the recorded paths
    moved = np.linalg.norm(mf.paths[-1] - mf.paths[0], axis=1).mean()
    assert moved == pytest.approx(mf.movement)
    with pytest.raises(ValueError, match="alpha"):
        ex.neuron_paths(0.0)


def _slider(box, description):
    stack = [box]
    while stack:
        w = stack.pop()
        if getattr(w, "description", None) == description:
            return w
        stack.extend(getattr(w, "children", ()))
    raise AssertionError(f"no slider {description!r}")


def test_scale_demo_redraws_and_reports_the_movement_of_its_scale():
    pytest.importorskip("ipywidgets")
    from ovptools import widgets

    box = widgets.scale_demo(m=50, n=20, steps=60)
    status = box.children[1]
    assert status.value.startswith("redrawn: α = 7.1")  # starts lazy, α = √m
    lazy = float(status.value.split("= ")[2].split(",")[0])
    _slider(box, "output scale α").value = 1.0
    assert "α = 1.0" in status.value
    mean_field = float(status.value.split("= ")[2].split(",")[0])
    assert mean_field > 2 * lazy  # neurons move O(1/α)
    expected = ex.neuron_paths(1.0, m=50, n=20, steps=60, seed=0).movement
    assert mean_field == pytest.approx(expected, abs=0.006)


def test_direction_demo_shows_the_angle_of_the_chosen_step_and_rejects_bad_shapes():
    pytest.importorskip("ipywidgets")
    from ovptools import widgets

    X, y = ex.soudry_data("asymmetric", n_extra=5, seed=0)
    run = ex.soudry_experiment(X, y, steps=2000, records=20)
    box = widgets.direction_demo(X, y, run.t, run.w, run.w_hat)
    status = box.children[1]
    _slider(box, "log₁₀ t").value = 3.3
    j = int(np.argmin(np.abs(np.log10(run.t) - 3.3)))
    assert f"{np.degrees(run.angle[j]):.2f}°" in status.value
    with pytest.raises(ValueError, match="n × 2"):
        widgets.direction_demo(X, y, run.t, run.w[:, :1], run.w_hat)


@pytest.mark.parametrize(("call", "name"), [
    (lambda X, y, W, a: ex.student_hessian_extremes(W, a[:2], X, y), "a"),
    (lambda X, y, W, a: ex.student_hessian_extremes(W, a, X[:, :3], y), "X"),
    (lambda X, y, W, a: ex.student_hessian_extremes(W, a, X, y[:-1]), "y"),
    (lambda X, y, W, a: ex.student_loss(W, a, X[:, :3], y), "X"),
    (lambda X, y, W, a: ex.restart_nearby(X, y[:-1], W, a, restarts=1, steps=1), "y"),
    (lambda X, y, W, a: ex.loss_slice(X, y[:-1], W, a, W + 1, a), "y"),
    (lambda X, y, W, a: ex.saddle_random_starts(10, seed=1.5), "seed"),
    (lambda X, y, W, a: ex.perturbed_gd_saddle(10, seed=1.5), "seed"),
    (lambda X, y, W, a: ex.mean_field_movement((10,), steps=1, seed=1.5), "seed"),
    (lambda X, y, W, a: ex.subgradient_l1_regression((10,), seed=1.5), "seed"),
    (lambda X, y, W, a: ex.quadratic_landscape((1,), d=2, n=5, seed=1.5), "seed"),
    (lambda X, y, W, a: ex.autodiff_at_kink(slopes=[0.5, np.nan]), "slopes"),
])
def test_part4_experiments_refuse_bad_input_naming_the_argument(call, name):
    g = np.random.default_rng(0)
    X, y, W, a = g.standard_normal((20, 4)), g.standard_normal(20), g.standard_normal((3, 4)), g.standard_normal(3)
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        call(X, y, W, a)
