"""Widgets build, redraw on a slider change, and report the values they drew."""

import pytest

pytest.importorskip("ipywidgets")

from ovptools import widgets  # noqa: E402


def _find(box, cls_name):
    stack, found = [box], []
    while stack:
        w = stack.pop()
        if type(w).__name__ == cls_name:
            found.append(w)
        stack.extend(getattr(w, "children", ()))
    return found


def test_pl_demo_redraws_for_the_new_value():
    box = widgets.pl_demo()
    status = _find(box, "HTML")[0]
    assert status.value.startswith("redrawn: step = 1.00/β, x₀ = 7")
    step = next(s for s in _find(box, "FloatSlider") if s.description == "step × β")
    step.value = 0.5
    assert status.value.startswith("redrawn: step = 0.50/β") and "bound holds" in status.value
    step.value = 2.4
    x0 = next(s for s in _find(box, "FloatSlider") if s.description == "x₀")
    x0.value = -15.0
    assert "redrawn: step = 2.40/β, x₀ = -15" in status.value


def test_two_layer_demo_redraws_for_each_slider():
    box = widgets.two_layer_demo(steps=30)
    status = _find(box, "HTML")[0]
    assert status.value.startswith("redrawn: m = 1000, η = 1.0/λ_max(H∞), n = 100")
    sliders = {s.description: s for s in _find(box, "IntSlider") + _find(box, "FloatSlider")}
    sliders["width m"].value = 200
    assert status.value.startswith("redrawn: m = 200,")
    sliders["samples n"].value = 40
    assert "n = 40" in status.value
    sliders["η·λ_max(H∞)"].value = 0.5
    assert "η = 0.5/λ_max(H∞)" in status.value and "final loss" in status.value


def test_two_layer_demo_holds_the_previous_curve():
    import numpy as np

    box = widgets.two_layer_demo(steps=20)
    hold = _find(box, "Checkbox")[0]
    first_loss = _line(box.figure, "measured").get_ydata().copy()
    previous = [line for ax in box.figure.axes for line in ax.get_lines() if line.get_label().startswith("previous")]
    assert len(previous) == 2 and not any(line.get_visible() for line in previous)  # nothing held yet
    hold.value = True
    assert "previous curve held" in _find(box, "HTML")[0].value
    _slider(box, "width m").value = 200
    shown = [line for ax in box.figure.axes for line in ax.get_lines() if line.get_label().startswith("previous")]
    assert all(line.get_visible() for line in shown) and shown[0].get_label().startswith("previous: m = 1000")
    np.testing.assert_array_equal(shown[0].get_ydata(), first_loss)  # the width-1000 run, kept in grey
    assert not np.array_equal(_line(box.figure, "measured").get_ydata(), first_loss)
    hold.value = False
    assert not any(line.get_visible() for line in shown)


def test_label_noise_demo_moves_the_energy_and_slows_training():
    box = widgets.label_noise_demo(n=40, m=100, steps=20)
    status = _find(box, "HTML")[0]
    assert status.value.startswith("redrawn: p = 0.00 —")
    energy_clean = _line(box.figure, "p = 0.00").get_ydata().copy()
    residual_clean = _line(box.figure, "measured").get_ydata().copy()
    predicted_clean = _line(box.figure, "predicted from").get_ydata()
    assert abs(residual_clean[0] - 1) < 1e-5 and abs(predicted_clean[0] - 1) < 1e-9  # u(0) = 0
    _slider(box, "randomized fraction p").value = 1.0
    assert status.value.startswith("redrawn: p = 1.00 —")
    energy_noisy = _line(box.figure, "p = 1.00").get_ydata()
    assert energy_noisy[9] < energy_clean[9] and abs(energy_noisy[-1] - 1) < 1e-9 and abs(energy_clean[-1] - 1) < 1e-9
    assert _line(box.figure, "measured").get_ydata()[-1] > residual_clean[-1]  # noisy labels train slower


def _slider(box, description):
    return next(s for s in _find(box, "FloatSlider") + _find(box, "IntSlider") if s.description == description)


def _line(fig, label_start):
    return next(line for ax in fig.axes for line in ax.get_lines() if line.get_label().startswith(label_start))


def test_pl_demo_draws_the_general_step_guarantee():
    """For η < 2/β the envelope is (1 − 2μη(1 − βη/2))^k (f(x₀) − f*), the descent lemma plus PL."""
    import numpy as np

    box = widgets.pl_demo()
    status = _find(box, "HTML")[0]
    menu = _find(box, "Dropdown")[0]
    menu.value = menu.options[2][1]  # Karimi et al.'s μ = 1/32
    _slider(box, "step × β").value = 0.5
    assert "bound holds" in status.value and "1 − 2μη(1 − βη/2)" in status.value
    envelope = _line(box.figure, "bound (1 − 2μη(1 − βη/2))^k")
    assert envelope.get_visible()
    beta, mu, gamma = 8.0, 1 / 32, 0.5 / 8.0
    factor = 1 - 2 * mu * gamma * (1 - beta * gamma / 2)
    assert factor > 1 - mu / beta  # a step below 1/β has a weaker guarantee than (1 − μ/β)
    gap0 = 7.0**2 + 3 * np.sin(7.0) ** 2
    k = np.arange(61)
    np.testing.assert_allclose(envelope.get_ydata(), factor**k * gap0, rtol=1e-12)
    assert f"{factor:.5f}" in status.value
    measured = _line(box.figure, "measured")
    assert np.all(np.asarray(measured.get_ydata()) <= envelope.get_ydata() * (1 + 1e-9))
    legend = [t.get_text() for t in box.figure.axes[0].get_legend().get_texts()]
    assert any(t.startswith("bound (1 − 2μη(1 − βη/2))^k") for t in legend)


def test_pl_demo_offers_an_informative_mu():
    """The default bound uses the PL ratio at each iterate, Π_j(1 − 2μ_jη(1 − βη/2)) (f(x₀) − f*): valid for the
    run, and within a few orders of magnitude of it after 20 steps, where μ = 1/32 has barely moved."""
    import numpy as np

    box = widgets.pl_demo()
    status = _find(box, "HTML")[0]
    menu = _find(box, "Dropdown")[0]
    assert menu.value == "local" and "bound holds" in status.value
    envelope, measured = _line(box.figure, "bound Π_j"), _line(box.figure, "measured")
    gap, bound = np.asarray(measured.get_ydata()), np.asarray(envelope.get_ydata())
    assert np.all(gap <= bound * (1 + 1e-9) + 1e-300)
    assert bound[20] < 1e-6 * bound[0]                       # informative: it falls with the run
    grid_mu = menu.options[1][1]
    assert 0.17 < grid_mu < 0.18                             # inf_x of the PL ratio on [−15, 15]
    menu.value = grid_mu
    assert "bound holds" in status.value and f"{1 - grid_mu / 8:.5f}" in status.value
    menu.value = menu.options[2][1]
    assert np.asarray(_line(box.figure, "bound (1").get_ydata())[20] > 0.9 * bound[0]   # 1/32: uninformative


def test_pl_demo_gives_no_guarantee_from_two_over_beta():
    box = widgets.pl_demo()
    status = _find(box, "HTML")[0]
    lines = len(box.figure.axes[0].get_lines())
    _slider(box, "step × β").value = 2.2
    assert status.value.startswith("redrawn: step = 2.20/β")
    assert "no guarantee for steps ≥ 2/β" in status.value and "bound" not in status.value
    assert not _line(box.figure, "bound").get_visible()
    assert not any(t.get_text().startswith("bound") for t in box.figure.axes[0].get_legend().get_texts())
    _slider(box, "step × β").value = 1.0  # back below 2/β: the envelope returns, on the same lines
    assert "bound holds" in status.value and _line(box.figure, "bound").get_visible()
    assert len(box.figure.axes[0].get_lines()) == lines


def test_pl_demo_at_the_minimizer():
    box = widgets.pl_demo()
    status = _find(box, "HTML")[0]
    _slider(box, "x₀").value = 0.0
    assert "bound holds" in status.value and "x₀ is a minimizer" in status.value


def _inside(fig):
    """Every panel (ticks, labels, title, legend) lies inside the figure, and the panels do not overlap."""
    renderer = fig.canvas.get_renderer()
    fig.canvas.draw()
    boxes = [ax.get_tightbbox(renderer) for ax in fig.axes]
    for b in boxes:
        assert b.x0 >= -1 and b.y0 >= -1 and b.x1 <= fig.bbox.x1 + 1 and b.y1 <= fig.bbox.y1 + 1, b
    assert boxes[0].x1 < boxes[1].x0


@pytest.mark.slow  # a few seconds: in `make test`, not in the inner loop (pytest -m "not slow")
@pytest.mark.parametrize("rc", [{}, {"figure.dpi": 90, "axes.grid": True, "grid.alpha": 0.3}])  # the lectures' rc
def test_fixed_layout_fits_at_extreme_values(rc):
    import matplotlib

    with matplotlib.rc_context(rc):
        box = widgets.pl_demo()
        _inside(box.figure)
        for name, value in (("step × β", 0.1), ("x₀", -15.0), ("x₀", 0.5), ("step × β", 2.4), ("x₀", 0.0)):
            _slider(box, name).value = value
            _inside(box.figure)
        assert box.figure.dpi == matplotlib.rcParams["figure.dpi"]
    if rc:
        return
    box = widgets.two_layer_demo(steps=30)
    _inside(box.figure)
    _slider(box, "η·λ_max(H∞)").value = 2.5
    _inside(box.figure)


def test_two_layer_demo_keeps_torch_threads():
    import torch

    before = torch.get_num_threads()
    box = widgets.two_layer_demo(steps=20)
    _slider(box, "width m").value = 100
    assert torch.get_num_threads() == before
    assert bytes(_find(box, "Image")[0].value).startswith(b"\x89PNG")


@pytest.mark.parametrize("env", [None, "0", "1"])
def test_static_first_figure_only_when_asked(monkeypatch, env):
    import IPython.display

    if env is None:
        monkeypatch.delenv("OVP_STATIC_WIDGETS", raising=False)
    else:
        monkeypatch.setenv("OVP_STATIC_WIDGETS", env)
    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    for make in (widgets.pl_demo, lambda: widgets.two_layer_demo(steps=10)):
        shown.clear()
        box = make()
        images = [obj for obj in shown if isinstance(obj, IPython.display.Image)]
        if env == "1":
            assert len(images) == 1 and len(shown) == 1
            assert images[0].data == _find(box, "Image")[0].value  # the first figure, as PNG
            assert images[0].data.startswith(b"\x89PNG")
        else:
            assert shown == []


def test_deep_demo_redraws_for_each_slider_and_shows_one_line_per_layer(monkeypatch):
    import IPython.display
    import torch

    monkeypatch.setenv("OVP_STATIC_WIDGETS", "1")
    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    before = torch.get_num_threads()
    box = widgets.deep_demo(steps=20)
    assert len(shown) == 1 and shown[0].data == _find(box, "Image")[0].value  # the static first figure
    status = _find(box, "HTML")[0]
    assert status.value.startswith("redrawn: m = 128, H = 3, step = 1.0·η₀") and "training accuracy" in status.value

    def layer_lines():
        return [ln for ln in box.figure.axes[1].get_lines() if ln.get_visible() and ln.get_label().startswith("layer")]

    assert len(layer_lines()) == 3
    _slider(box, "depth H").value = 5
    assert status.value.startswith("redrawn: m = 128, H = 5,") and len(layer_lines()) == 5
    assert len(status.value.split("relative change per layer")[1].split(",")) == 5
    _slider(box, "width m").value = 32
    assert status.value.startswith("redrawn: m = 32, H = 5,")
    _slider(box, "step × η₀").value = 0.5
    assert "step = 0.5·η₀" in status.value
    assert torch.get_num_threads() == before
    _inside(box.figure)


def test_deep_demo_layers_move_less_when_wider():
    import re

    box = widgets.deep_demo(steps=20)
    status = _find(box, "HTML")[0]

    def changes():
        return [float(c) for c in re.findall(r"\d+\.\d+", status.value.split("relative change per layer")[1])[:3]]

    _slider(box, "width m").value = 32
    narrow = changes()
    _slider(box, "width m").value = 512
    wide = changes()
    assert all(w < n for w, n in zip(wide, narrow)), (narrow, wide)


# ---- Lecture 1: SGD's noise floor ----


def _gap(fig, label_start):
    return next(ln for ln in fig.axes[1].get_lines() if ln.get_label().startswith(label_start))


def test_sgd_floor_demo_redraws_for_each_control_and_reports_the_floor():
    box = widgets.sgd_floor_demo()
    status = _find(box, "HTML")[0]
    assert status.value.startswith("redrawn: η = 0.40, B = 1, noisy labels — floor measured")
    _slider(box, "step η").value = 0.1
    assert status.value.startswith("redrawn: η = 0.10, B = 1, noisy labels")
    batch = next(s for s in _find(box, "SelectionSlider") if s.description == "batch B")
    batch.value = 8
    assert status.value.startswith("redrawn: η = 0.10, B = 8, noisy labels")
    _find(box, "Dropdown")[0].value = True
    assert status.value.startswith("redrawn: η = 0.10, B = 8, interpolating labels — no floor")
    assert bytes(_find(box, "Image")[0].value).startswith(b"\x89PNG")
    _inside(box.figure)


def _floor(status: str) -> tuple[float, float]:
    import re

    m = re.search(r"floor measured ([0-9.e+-]+), predicted ησ²tr\(H\)/\(4B\) = ([0-9.e+-]+)", status)
    assert m, status
    return float(m[1]), float(m[2])


def test_sgd_floor_scales_with_eta_over_b_and_vanishes_under_interpolation():
    """The measured floor (mean of f − f* over the run's second half) follows ησ²tr(H)/(4B) at small η/B, and with
    noise-free labels SGD with a constant step reaches f − f* ≈ 0."""
    box = widgets.sgd_floor_demo()
    status = _find(box, "HTML")[0]
    _slider(box, "step η").value = 0.1
    one = _floor(status.value)
    batch = next(s for s in _find(box, "SelectionSlider") if s.description == "batch B")
    batch.value = 4
    four = _floor(status.value)
    for measured, predicted in (one, four):
        assert 0.6 * predicted < measured < 1.6 * predicted
    assert four[1] == pytest.approx(one[1] / 4)
    assert 2 < one[0] / four[0] < 8
    _find(box, "Dropdown")[0].value = True
    gap = _gap(box.figure, "f(w_k) − f*").get_ydata()
    assert gap[-1] < 1e-12 and gap[0] > 0.1
    assert not _gap(box.figure, "predicted floor").get_visible()


def test_sgd_iterates_match_a_one_sample_loop_and_stop_on_divergence():
    import numpy as np

    from ovptools._validate import rng
    from ovptools.widgets.sgd_floor import _sgd_iterates, floor_problem

    X, y = floor_problem(False)
    W = _sgd_iterates(X, y, np.zeros(2), eta=0.3, batch_size=3, steps=50, seed=4)
    idx = rng(4).integers(0, len(y), (50, 3))
    w = np.zeros(2)
    for k in range(50):
        w = w - 0.3 * sum(X[i] * (X[i] @ w - y[i]) for i in idx[k]) / 3
        assert np.allclose(W[k + 1], w)
    assert _sgd_iterates(X, y, np.zeros(2), eta=5.0, batch_size=1, steps=200, seed=0) is None
    Xi, yi = floor_problem(True)
    assert np.allclose(Xi, X) and np.allclose(Xi @ np.array([1.0, -1.0]), yi)


def test_sgd_floor_problem_is_lecture_one_problem():
    import numpy as np

    from ovptools.experiments import part1
    from ovptools.widgets.sgd_floor import floor_problem

    P = part1.elongated_least_squares(400, curvatures=(1.0, 0.1), noise=0.5, seed=0)
    X_ref, y_ref = (P["X"], P["y"]) if isinstance(P, dict) else (P.X, P.y)
    X, y = floor_problem(False)
    assert np.array_equal(X, X_ref) and np.array_equal(y, y_ref)


def test_deep_demo_keeps_its_axes_and_the_previous_curves():
    # regression: the right panel rescaled at every redraw, so two widths could not be compared on it
    box = widgets.deep_demo(steps=20)
    right = box.figure.axes[1]
    limits = right.get_ylim()
    previous = [ln for ln in right.get_lines() if ln.get_linestyle() == "--"]
    assert not any(ln.get_visible() for ln in previous)  # nothing to compare with at the first draw
    first = [ln.get_ydata().copy() for ln in right.get_lines() if ln.get_visible()]
    _slider(box, "width m").value = 512
    assert right.get_ylim() == limits and right.get_yscale() == "log"
    shown = [ln for ln in previous if ln.get_visible()]
    assert len(shown) == 3 and shown[0].get_label() == "previous: m = 128, H = 3, step = 1.0·η₀"
    for old, line in zip(shown, first):
        assert list(old.get_ydata()) == list(line)
