"""The kernel-regime experiments and their widget at small sizes: the numbers they report are checked
against independent computations (numpy GD on the two-layer nets and numpy recursions of the closed
forms with kernels written from their formulas), and bad input is refused with the argument's name."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from ovptools import ensembles as en
from ovptools import function_space as fs
from ovptools.experiments import kernel_regime as ex
from ovptools.train import DivergenceError


def _h_inf(Z, X):
    """H∞(z, x) = ρ(π − arccos ρ)/(2π), written from its formula."""
    rho = np.clip(Z @ X.T, -1, 1)
    return rho * (np.pi - np.arccos(rho)) / (2 * np.pi)


def _h_emp(W, Z, X):
    """The empirical kernel (zᵀx/m) Σ_r 1{w_rᵀz ≥ 0}1{w_rᵀx ≥ 0}."""
    return (Z @ X.T) * ((Z @ W.T >= 0).astype(float) @ (X @ W.T >= 0).T.astype(float)) / len(W)


def _kernel_gd(Kz, K, y, f0z, f0x, eta, steps):
    """Outputs at z of GD in function space with a constant kernel, every step (steps + 1, nz)."""
    u, fz, out = f0x.copy(), f0z.copy(), [f0z.copy()]
    for _ in range(steps):
        r = u - y
        u, fz = u - eta * K @ r, fz - eta * Kz @ r
        out.append(fz.copy())
    return np.array(out)


def _net_gd(W, a, X, y, Z, eta, steps):
    """Outputs at Z of one two-layer net trained by numpy GD on ½‖u − y‖² (W trained, σ'(0) = 1)."""
    m, out = len(W), []
    for k in range(steps + 1):
        out.append(np.maximum(Z @ W.T, 0) @ a / np.sqrt(m))
        P = X @ W.T
        r = np.maximum(P, 0) @ a / np.sqrt(m) - y
        W = W - eta * ((P >= 0) * a).T @ (r[:, None] * X) / np.sqrt(m) if k < steps else W
    return np.array(out)


def _rms(v):
    return np.sqrt(np.mean(v**2, axis=-1))


def test_circle_problem_has_unit_inputs_the_stated_targets_and_the_limit_kernels():
    p = fs.circle_problem(8, seed=0)
    np.testing.assert_allclose(np.linalg.norm(p.X, axis=1), 1.0)
    np.testing.assert_allclose(p.y, np.sin(p.theta) + 0.5 * np.cos(2 * p.theta))
    assert np.all(np.diff(p.theta) > 0) and p.theta.min() >= -np.pi and p.theta.max() < np.pi
    lim = fs.limit(p)
    np.testing.assert_allclose(lim.T, _h_inf(p.X, p.X), atol=1e-12)
    np.testing.assert_allclose(lim.Tz, _h_inf(p.X_eval, p.X), atol=1e-12)
    np.testing.assert_allclose(lim.Kzz_diag, 1 / 2, atol=1e-12)  # the NNGP variance on the circle: E σ(g)² = 1/2
    lam = np.linalg.eigvalsh(_h_inf(p.X, p.X))
    assert lim.lam_min == pytest.approx(lam[0]) and lim.eta == pytest.approx(1 / lam[-1]) and lam[0] > 0


def test_ensemble_distances_against_numpy_networks_and_numpy_closed_forms():
    steps, every, count, m = 20, 10, 5, 16
    res = ex.ensemble_vs_kernel((m, 256), count=count, steps=steps, every=every, dtype=torch.float64)
    p, eta = res.problem, res.limit.eta
    assert res.own[1] < res.own[0] and res.lin[1] < res.lin[0] and res.slope_own < 0 and res.slope_lin < 0
    # the nets of width 16 are those of seed 0 + 1000 (the first width); train them again, in numpy
    ens = en.two_layer_ensemble(2, m, count, seed=1000, dtype=torch.float64)
    K, Kz = _h_inf(p.X, p.X), _h_inf(p.X_eval, p.X)
    own, lin, diffs = [], [], []
    for e in range(count):
        W, a = ens.params[0][e].numpy(), ens.fixed[0][e].numpy()
        f = _net_gd(W, a, p.X, p.y, p.X_eval, eta, steps)[::every]
        f0x, f0z = np.maximum(p.X @ W.T, 0) @ a / np.sqrt(m), f[0]
        own_limit = _kernel_gd(Kz, K, p.y, f0z, f0x, eta, steps)[::every]
        taylor = _kernel_gd(_h_emp(W, p.X_eval, p.X), _h_emp(W, p.X, p.X), p.y, f0z, f0x, eta, steps)[::every]
        own.append(_rms(f - own_limit).max())
        lin.append(_rms(f - taylor).max())
        diffs.append(f - own_limit)
        np.testing.assert_allclose(res.runs[m].f[:, e], f, atol=1e-10)
    assert res.own[0] == pytest.approx(np.mean(own), rel=1e-8)
    assert res.lin[0] == pytest.approx(np.mean(lin), rel=1e-8)
    assert res.bias[0] == pytest.approx(_rms(np.mean(diffs, axis=0)).max(), rel=1e-8)
    # the GP mean is the closed form from f₀ = 0
    mu = _kernel_gd(Kz, K, p.y, np.zeros(len(Kz)), np.zeros(len(K)), eta, steps)[::every]
    np.testing.assert_allclose(res.mean, mu, atol=1e-12)
    np.testing.assert_allclose(res.var[0], 1 / 2, atol=1e-12)  # at k = 0 the prior variance K(z, z)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.own = None  # a result is read, not edited


def test_output_scale_is_lazier_for_larger_alpha():
    sc = ex.output_scale((0.3, 3.0, 30.0), m=64, count=4, steps=60, dtype=torch.float64)
    assert np.all(np.diff(sc.kernel_change) < 0) and np.all(np.diff(sc.weight_move) < 0)
    assert np.all(np.diff(sc.distance) < 0)
    # the weights move by O(1/α) for large α: tenfold α, about a tenth of the movement
    assert 0.05 < sc.weight_move[2] / sc.weight_move[1] < 0.2
    assert sc.slope_weight == pytest.approx(np.log(sc.weight_move[2] / sc.weight_move[1]) / np.log(10), abs=1e-9)


def test_batched_speedup_trains_the_same_networks():
    sp = ex.batched_speedup(m=32, count=4, steps=5)
    assert sp.max_difference < 1e-4  # the same networks; the timings are the benchmark's to report, not a test's


def test_bad_input_names_the_argument():
    for bad, name in [((), "widths"), ((16, 0), "widths"), (16, "widths")]:
        with pytest.raises(ValueError, match=name):
            ex.ensemble_vs_kernel(bad, count=2, steps=2)
    for kw, name in [({"count": 0}, "count"), ({"every": 0}, "every"), ({"eta_scale": -1.0}, "eta_scale"),
                     ({"steps": 1.5}, "steps"), ({"seed": 1.5}, "seed"), ({"n": 0}, "n")]:
        with pytest.raises(ValueError, match=name):
            ex.ensemble_vs_kernel((16,), **{"count": 2, "steps": 2, **kw})
    for bad in ((), (1.0, -2.0), 3.0):
        with pytest.raises(ValueError, match="alphas"):
            ex.output_scale(bad, m=8, count=2, steps=2)
    with pytest.raises(ValueError, match="problem"):
        fs.limit({"X": np.eye(2)})
    with pytest.raises(ValueError, match="m"):
        ex.batched_speedup(m=0, count=2)
    with pytest.raises(ValueError, match="n_eval"):
        fs.circle_problem(8, n_eval=1)
    with pytest.raises(ValueError, match="theta"):
        fs.circle([0.0, np.nan])
    with pytest.raises(ValueError, match="ens"):
        en.train_ensemble(np.eye(2), np.ones(2), [np.eye(2)], eta=0.1, steps=1)


def test_a_diverging_ensemble_raises_the_course_divergence_error():
    p = fs.circle_problem(8, seed=0)
    with pytest.raises(DivergenceError, match="eta") as info:
        en.train_ensemble(p.X, p.y, en.two_layer_ensemble(2, 16, 3, seed=0), eta=50.0, steps=200)
    assert info.value.eta == 50.0 and 0 < info.value.iteration <= 200 and info.value.run in (0, 1, 2)


def test_widget_redraws_from_precomputed_runs():
    pytest.importorskip("ipywidgets")
    from ovptools.widgets import kernel_regime_demo

    res = ex.ensemble_vs_kernel((16, 64), count=6, steps=20, every=10, linear=False)
    box = kernel_regime_demo(res)
    found, stack = [], [box]
    while stack:
        w = stack.pop()
        found.append(w)
        stack.extend(getattr(w, "children", ()))
    status = next(w for w in found if type(w).__name__ == "HTML")
    sliders = {w.description: w for w in found if type(w).__name__ == "SelectionSlider"}
    assert status.value.startswith("redrawn: m = 64, k = 10")
    sliders["width m"].value = 16
    sliders["GD step k"].value = 20
    assert status.value.startswith("redrawn: m = 16, k = 20")
    with pytest.raises(ValueError, match="result"):
        kernel_regime_demo({"widths": [16]})
    with pytest.raises(ValueError, match="shown"):
        kernel_regime_demo(res, shown=7)
