"""Lecture 8's experiments (Kawaguchi–Huang; Liu–Zhu–Belkin), at small scale, against their predictions
and against independent references (torch.func, hand-written forwards, closed-form counts)."""

import numpy as np
import pytest
import torch
from torch.func import jacrev

import ovptools.experiments.part3 as ex
from ovptools.data import sphere
from ovptools.experiments.part3 import practical
from ovptools.train.problems import FlatSquareLossProblem


def _hand_forward(theta: np.ndarray, X: np.ndarray, d: int, widths: tuple, m_y: int, act) -> np.ndarray:
    """x_l = act(W_l x_{l-1} + b_l)/sqrt(m_l), f = W x_H + b, with θ = [W_1, b_1, W_2, b_2, ...] row-major."""
    h, pos, sizes = X, 0, (d, *widths, m_y)
    for j in range(len(sizes) - 1):
        fan_in, fan_out = sizes[j], sizes[j + 1]
        W = theta[pos : pos + fan_in * fan_out].reshape(fan_out, fan_in)
        pos += fan_in * fan_out
        b = theta[pos : pos + fan_out]
        pos += fan_out
        h = h @ W.T + b
        if j < len(sizes) - 2:
            h = act(h) / np.sqrt(fan_out)
    assert pos == len(theta)
    return h


@pytest.mark.parametrize("widths,m_y", [((3,), 2), ((5, 4), 1), ((2, 3, 4), 3)])
def test_parameter_count_and_forward_match_a_hand_written_net(widths, m_y):
    d = 4
    net = ex.PracticalNet(d, widths, m_y, seed=1, device="cpu")
    sizes = (d, *widths, m_y)
    count = sum((sizes[j] + 1) * sizes[j + 1] for j in range(len(sizes) - 1))
    assert ex.mlp_parameter_count(d, widths, m_y) == count == net.theta.numel()
    X = np.random.default_rng(0).standard_normal((6, d))
    want = _hand_forward(net.theta.detach().numpy(), X, d, widths, m_y, np.tanh)
    got = net(torch.from_numpy(X)).detach().numpy()
    np.testing.assert_allclose(got, want[:, 0] if m_y == 1 else want, rtol=1e-12, atol=1e-12)


def test_parameter_count_by_hand():
    assert ex.mlp_parameter_count(4, (3,), 2) == 5 * 3 + 4 * 2  # 23
    assert ex.mlp_parameter_count(64, (128, 128), 10) == 65 * 128 + 129 * 128 + 129 * 10


@pytest.mark.parametrize("activation", ["tanh", "softplus"])
@pytest.mark.parametrize("m_y", [1, 3])
def test_written_out_jacobian_matches_torch_func(activation, m_y):
    net = ex.PracticalNet(5, (7,), m_y, activation=activation, seed=2, device="cpu")
    X = torch.randn(9, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    theta = net.theta.detach()
    want = jacrev(lambda t: net.forward_at(t, X).reshape(-1))(theta)
    got = practical.flat_jacobian(net, theta, X)
    assert got.shape == (9 * m_y, ex.mlp_parameter_count(5, (7,), m_y))
    torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-12)


def test_square_loss_gradient_is_jacobian_transpose_residual():
    net = ex.PracticalNet(3, (6,), 2, seed=0, device="cpu")
    X = torch.from_numpy(sphere(7, 3, seed=1))
    Y = torch.randn(7, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    prob = FlatSquareLossProblem(net, X, Y, eta=0.1)
    J = practical.flat_jacobian(net, net.theta.detach(), X)
    torch.testing.assert_close(prob.gradient(), J.T @ prob.residual().detach(), rtol=1e-10, atol=1e-12)


def test_smallest_interpolating_width_respects_the_counting_bound_and_grows_with_n():
    out = ex.min_interpolating_width(ns=(12, 24, 48), d=3, n_seeds=2, steps=80, tol=1e-5)
    assert out.m_star.shape == (3, 2)
    # no net with fewer than n·m_y parameters fits arbitrary labels (Kawaguchi–Huang's corollary)
    assert np.all(out.ratio >= 1.0), out.ratio
    assert np.all(out.ratio < 3.0), out.ratio  # and a small multiple suffices
    assert np.all(np.diff(out.m_star, axis=0) > 0)
    assert 0.6 < out.slope_mean < 1.4, out.slope
    assert np.all(out.below > 1e-5)  # one unit narrower does not interpolate
    # m* comes from a scan of every width from the counting bound up; bisection's answer is never smaller
    assert np.all(out.m_bisect >= out.m_star)
    for i, m_count in enumerate(out.m_count):
        for s, row in enumerate(out.scan[i]):
            fitted = dict(row)
            assert [m for m, _ in row] == list(range(m_count, out.m_bisect[i, s] + 3))
            assert fitted[out.m_star[i, s]] and not any(fitted[m] for m in range(m_count, out.m_star[i, s]))
            assert fitted[out.m_bisect[i, s]]
            assert out.monotone[i, s] == all(ok for m, ok in row if m >= out.m_star[i, s])


def test_hessian_at_an_interpolating_minimum_has_p_minus_n_zero_eigenvalues():
    out = ex.hessian_at_minimum(n=8, d=3, width=6, timing_width=6, radii=(0.3, 0.1), seed=1)
    p = 31  # (3 + 1)·6 + (6 + 1)·1 weights and biases
    assert out.p == p and out.predicted_zero == p - 8
    assert out.residual < 1e-10
    assert out.n_zero == p - 8 and out.n_positive == 8 and out.n_negative == 0
    assert out.rank_J == 8
    assert out.lanczos_steps <= 8 + 2  # the Krylov space of a rank-n operator is exhausted after ~n + 1 steps
    np.testing.assert_allclose(out.lanczos_top, out.eigenvalues[::-1][:8], rtol=1e-6)
    # not locally convex: the midpoint of two nearby solutions is not a solution
    assert np.all(out.endpoint_loss < 1e-18)
    assert np.all(out.midpoint_loss > 1e6 * out.endpoint_loss.max())
    assert out.midpoint_loss[0] > out.midpoint_loss[1]


def test_pl_star_ratio_is_bounded_below_by_the_tangent_kernel_along_the_run():
    out = ex.pl_star_along_run(widths=(32, 512), n=8, d=6, steps=60, record_every=5, seed=0)
    assert out.pl_ratio.shape == out.lambda_min.shape == (2, len(out.steps))
    # ½‖∇L‖² = ½ rᵀKr ≥ λ_min(K)·L at every recorded point
    assert np.all(out.pl_ratio >= out.lambda_min * (1 - 1e-9))
    assert np.all(out.final_loss < 1.0)
    assert np.all(out.distance[:, -1] < out.radius)  # GD stays in the PL* ball
    # the wider net's kernel moves less
    drift = np.abs(out.lambda_min / out.mu0[:, None] - 1).max(axis=1)
    assert drift[1] < drift[0], drift


def test_condition_number_predicts_the_rate_of_gd():
    out = ex.condition_number_speed(dims=(4, 16), n=8, width=128, steps=400, seed=0)
    assert out.kappa[0] > out.kappa[1]  # crowded points, worse conditioning
    assert out.fitted_rate[0] > out.fitted_rate[1]  # ... and slower GD
    time_pred = -1 / np.log(out.predicted_rate)
    time_fit = -1 / np.log(out.fitted_rate)
    assert np.all((time_fit > 0.5 * time_pred) & (time_fit < 2.0 * time_pred)), (time_fit, time_pred)


def test_digits_true_labels_are_fitted_and_generalize_random_ones_do_not():
    out = ex.digits_memorization(n_train=40, n_test=200, width=64, steps=300, seed=0, device="cpu")
    assert out.p == 8_970  # (64 + 1)·64 + (64 + 1)·64 + (64 + 1)·10
    assert out.runs["true"].train_accuracy == 1.0
    assert out.runs["true"].test_accuracy > 0.6
    assert out.runs["random"].test_accuracy < 0.3
    assert out.runs["random"].loss[-1] < 0.5 * out.runs["random"].loss[0]


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: ex.PracticalNet(3, (4,), activation="relu"), "activation"),
        (lambda: ex.PracticalNet(3, ()), "widths"),
        (lambda: ex.PracticalNet(0, (4,)), "d"),
        (lambda: ex.mlp_parameter_count(3, (4,), 0), "m_y"),
        (lambda: ex.min_interpolating_width(ns=(10,)), "ns"),
        (lambda: ex.min_interpolating_width(ns=(10, 20), tol=0), "tol"),
        (lambda: ex.hessian_at_minimum(n=30, width=2, timing_width=2), "width"),
        (lambda: ex.digits_memorization(momentum=1.0, steps=1, n_train=20, width=4), "momentum"),
        (lambda: ex.condition_number_speed(dims=(0,)), "dims"),
        (lambda: ex.pl_star_along_run(widths=(8,), seed=1.5), "seed"),
    ],
)
def test_bad_arguments_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_width_search_stops_at_max_width_when_tol_cannot_be_met():
    # regression: a tol the optimizer cannot reach grew the width forever
    with pytest.raises(ValueError, match=r"tol: no width up to max_width = 12"):
        ex.min_interpolating_width(ns=(12, 24), d=3, n_seeds=1, steps=1, tol=1e-12, max_width=12)


def test_practical_net_keeps_module_apply():
    # regression: PracticalNet.apply(theta, X) shadowed nn.Module.apply(fn)
    net = ex.PracticalNet(3, (4,), seed=0, device="cpu")
    visited = []
    assert net.apply(visited.append) is net and net in visited
    X = torch.from_numpy(sphere(5, 3, seed=0))
    torch.testing.assert_close(net.forward_at(net.theta.detach(), X), net(X).detach())


def test_hyperbola_toy_pl_ratio_is_the_squared_norm_and_gd_lands_on_the_curve():
    out = ex.hyperbola_toy(grid=41, steps=2000)
    w1, w2 = np.meshgrid(out.w1, out.w2)
    ok = np.isfinite(out.pl_ratio)
    # ½‖∇L‖²/L = ‖w‖² wherever L > 0 (the 1×1 tangent kernel)
    assert np.allclose(out.pl_ratio[ok], (w1**2 + w2**2)[ok])
    # every GD path ends on the hyperbola w1·w2 = 1, at different points
    assert np.allclose(out.end_product, 1.0, atol=1e-6)
    ends = np.array([p[-1] for p in out.paths])
    assert np.ptp(ends[:, 0]) > 0.5
    # the midpoint of two minima is not a minimum: L(midpoint) = ½(1.5·0.75 − 1)²
    assert out.midpoint_loss == pytest.approx(0.5 * 0.125**2)
    with pytest.raises(ValueError, match="starts"):
        ex.hyperbola_toy(starts=((1.0,),))
    with pytest.raises(ValueError, match="eta"):
        ex.hyperbola_toy(eta=0.0)


def test_lecture_8_chart_quotes_the_numbers_earlier_lectures_print():
    """Lecture 8's chart takes the inputs and working widths of Lectures 4, 5 and 7 from their printed outputs: each
    value it types in must still appear in the output (or, for a choice like δ, the code) of the lecture it names
    (re-executing a lecture that changes one fails here until the chart is updated)."""
    import ast
    import json
    import re
    from pathlib import Path

    lectures = Path(__file__).resolve().parents[1] / "course" / "lectures"

    def outputs(number: int) -> str:
        """What the lecture prints, and its code (where a choice such as δ = 0.1 is made)."""
        (path,) = lectures.glob(f"{number:02d}-*.ipynb")
        cells = json.loads(path.read_text())["cells"]
        printed = ["".join(o.get("text", "")) for c in cells for o in c.get("outputs", [])]
        return "\n".join(printed + ["".join(c["source"]) for c in cells if c["cell_type"] == "code"])

    (path,) = lectures.glob("08-*.ipynb")
    sources = ["".join(c["source"]) for c in json.loads(path.read_text())["cells"]]
    source = next(s for s in sources if "earlier = [" in s)
    tree = ast.parse(source)
    (node,) = [n for n in tree.body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "earlier"]
    earlier = [{k.arg: ast.literal_eval(k.value) for k in call.keywords} for call in node.value.elts]
    assert [r["lecture"] for r in earlier] == [4, 5, 7, 7, 7]
    for row in earlier:
        printed = outputs(row["lecture"])
        for key in ("n", "lam0", "delta", "phi", "lam_min", "m", "depth"):
            if key in row:
                value = str(row[key])
                assert re.search(rf"(?<![\d.]){re.escape(value)}(?![\d])", printed), (row["name"], key, value)
