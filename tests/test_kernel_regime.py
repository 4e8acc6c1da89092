"""The kernel-regime experiments and their widget at small sizes: the numbers they report are the
quantities they name, and the widget redraws from precomputed data."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ovptools import function_space as fs
from ovptools.experiments import kernel_regime as ex


def test_circle_problem_has_unit_inputs_and_the_stated_targets():
    p = ex.circle_problem(8, seed=0)
    np.testing.assert_allclose(np.linalg.norm(p["X"], axis=1), 1.0)
    np.testing.assert_allclose(p["y"], np.sin(p["theta"]) + 0.5 * np.cos(2 * p["theta"]))
    lim = ex.limit(p)
    assert lim["lam_min"] > 0 and np.isclose(lim["eta"], 1 / lim["lam_max"])


def test_ensemble_distances_shrink_with_width_and_match_their_definitions():
    res = ex.ensemble_vs_kernel((16, 256), count=12, steps=20, every=10, dtype=torch.float64)
    assert res["own"][1] < res["own"][0] and res["lin"][1] < res["lin"][0]
    assert res["slope_own"] < 0 and res["slope_lin"] < 0
    # "own" recomputed from the stored outputs and the closed form started at each net's f₀
    run, lim, y = res["runs"][16], res["limit"], res["problem"]["y"]
    f = run["f"]
    assert np.allclose(f[:, :, :].shape, (3, 12, 61))
    own = np.sqrt(np.mean((f - run["own_limit"]) ** 2, axis=-1)).max(axis=0).mean()
    assert np.isclose(own, res["own"][0])
    # the GP mean of the report is the closed form from f₀ = 0
    mu = fs.kernel_trajectory(lim["Tz"], lim["T"], y, res["steps"], eta=lim["eta"], discrete=True)
    np.testing.assert_allclose(res["mean"], mu, atol=1e-12)
    # at step 0 every net is at its own f₀, so its own limit equals it
    np.testing.assert_allclose(run["own_limit"][0], f[0], atol=1e-12)


def test_output_scale_is_lazier_for_larger_alpha():
    sc = ex.output_scale((0.3, 3.0, 30.0), m=64, count=4, steps=60, dtype=torch.float64)
    assert np.all(np.diff(sc["kernel_change"]) < 0) and np.all(np.diff(sc["weight_move"]) < 0)
    assert np.all(np.diff(sc["distance"]) < 0)


def test_batched_speedup_trains_the_same_networks():
    sp = ex.batched_speedup(m=32, count=4, steps=5)
    assert sp["max_difference"] < 1e-4  # the same networks; the timings are the benchmark's to report, not a test's


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
