"""Live demos for lectures: each function returns one ipywidgets box; the notebook cell is one call.

Every redraw writes a status line that starts with "redrawn:" and names the slider values, so a
reader (or a browser test) can tell which values the figure shows.

Drawing: each widget builds its figure and its lines once; a redraw updates the lines' data in
place and renders the figure once to PNG (fixed margins, no layout engine, no tight bounding box)
into an ``ipywidgets.Image``. The returned box carries that figure as ``box.figure``.

Static copy: with the environment variable ``OVP_STATIC_WIDGETS`` set (non-empty and not "0"), as
``ovp-instructor`` does when it executes the lectures for committing, each widget also displays
its first figure as a plain PNG image, so that a notebook read without a kernel still shows it.
"""

from .canvas import FIGSIZE, static_figures
from .dynamics import direction_demo, scale_demo
from .fine_grained import label_noise_demo
from .kernel_regime import kernel_regime_demo
from .nets import deep_demo, two_layer_demo
from .pl import pl_demo
from .sgd_floor import sgd_floor_demo

__all__ = ["FIGSIZE", "deep_demo", "direction_demo", "kernel_regime_demo", "label_noise_demo", "pl_demo", "scale_demo",
           "sgd_floor_demo", "static_figures", "two_layer_demo"]
