"""Progress bars in a notebook end cleanly: run in a real kernel, a training loop that stops early
(``stop``) or runs to its last step leaves no red bar and no widget view in the saved outputs (a
saved notebook that shows a closed widget reads "Error displaying widget: model not found" when it
is reopened)."""

from __future__ import annotations

import os

import nbformat
import pytest
from nbclient import NotebookClient

from ovptools.train import engine

CODE = """
from ovptools.train.engine import descend

class Quadratic:
    device = "cpu"
    def __init__(self): self.x = 4.0
    def loss(self): return 0.5 * self.x ** 2
    def step(self, k): self.x -= 0.5 * self.x
    def eta(self, k): return 0.5
    def hint(self): return ""
    def state(self): return {"x": self.x}

full = descend(Quadratic(), steps=150, progress=True, desc="GD (model)")
early = descend(Quadratic(), steps=200, progress=True, desc="SGD (deep)", stop=lambda v: v < 1e-3)
print(len(full.loss), len(early.loss))
"""


def _run(code: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_CURRENT_TEST", "OVP_NO_PROGRESS")}
    old = os.environ.copy()
    os.environ.clear()
    os.environ.update(env)
    try:
        NotebookClient(nb, timeout=120, kernel_name="python3", store_widget_state=True).execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    return nb


def test_progress_bars_leave_no_widget_and_no_red_bar():
    nb = _run(CODE)
    outputs = nb.cells[0].outputs
    assert any(o.get("name") == "stdout" and o.get("text", "").startswith("151 ") for o in outputs), outputs
    views = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert not views, f"the saved outputs still show {len(views)} progress-bar widget(s)"
    assert not [o for o in outputs if o.get("output_type") == "error" or o.get("name") == "stderr"], outputs
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    red = [m for m in state.values() if m.get("state", {}).get("bar_style") == "danger"]
    assert not red, f"{len(red)} progress bar(s) were painted red (closed before their total)"


def test_text_progress_bar_completes_when_stopped_early():
    class Quadratic:
        device = "cpu"

        def __init__(self):
            self.x = 4.0

        def loss(self):
            return 0.5 * self.x**2

        def step(self, k):
            self.x *= 0.5

        def eta(self, k):
            return 0.5

        def hint(self):
            return ""

        def state(self):
            return {}

    bar = engine._Progress(200, "GD", show=True)
    assert bar.bar is not None and bar.handle is None  # outside a kernel: tqdm's text bar
    bar.advance()
    bar.close()
    run = engine.descend(Quadratic(), steps=200, progress=True, stop=lambda v: v < 1e-3)
    assert len(run.loss) < 201

    class Growing(Quadratic):
        def step(self, k):
            self.x *= 100.0

    with pytest.raises(engine.DivergenceError):  # a divergence still closes its bar
        engine.descend(Growing(), steps=50, progress=True)
