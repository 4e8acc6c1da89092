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
