"""The drawing machinery shared by the lecture widgets: one figure with fixed margins, rendered
once per redraw into an ``ipywidgets.Image``, a status line, the static copy for committed
notebooks (the redraw's thread limit is :func:`ovptools._device.few_threads`)."""

from __future__ import annotations

import functools
import os
import time
from io import BytesIO

FIGSIZE = (9.0, 3.4)
"""Size of a widget's figure, in inches; its PNG has rcParams["figure.dpi"] pixels per inch, read when the
widget is created, as the inline backend would draw it (the lectures set 90)."""
# Fixed margins in inches (left, right, bottom, top, gap between the panels): room for log-scale
# tick labels such as 10⁻¹⁷, the axis labels and a title, so no layout engine runs per redraw.
_MARGINS = (0.8, 0.25, 0.52, 0.32, 0.85)

REDRAW_THREADS = {"threshold": 2**24, "blas": True, "above": max(1, (os.cpu_count() or 1) - 1)}
"""A redraw's thread limit (:func:`ovptools._device.few_threads`): one thread, for torch and numpy's BLAS,
below 2²⁴ multiply-adds per product; above, at most all cores but one, leaving one to the browser (small
products gain nothing from threads, and with a core busy elsewhere threads that wait on each other are
slower by orders of magnitude)."""


def static_figures() -> bool:
    """Whether widgets also display their first figure as a static image (``OVP_STATIC_WIDGETS``)."""
    return os.environ.get("OVP_STATIC_WIDGETS", "") not in ("", "0")


def slider(cls, **kwargs):
    """A slider that redraws once on release (not while dragging), with its full label shown."""
    return cls(continuous_update=False, style={"description_width": "initial"}, **kwargs)


def figure(figsize=FIGSIZE):
    """A two-panel figure with fixed margins, outside pyplot (nothing shows it but the widget)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 2)
    left, right, bottom, top, gap = _MARGINS
    width, height = figsize
    panel = (width - left - right - gap) / 2
    fig.subplots_adjust(left=left / width, right=1 - right / width, bottom=bottom / height, top=1 - top / height,
                        wspace=gap / panel)
    return fig, axes


def png(fig) -> bytes:
    """The figure as PNG bytes: one render, at the figure's own size (fast zlib level; the PNG is local)."""
    buf = BytesIO()
    fig.savefig(buf, format="png", dpi="figure", pil_kwargs={"compress_level": 1})
    return buf.getvalue()


def title(ax, text: str) -> None:
    # y=1.0 fixes the title's place (matplotlib otherwise measures the tick labels at every draw);
    # 11 pt keeps the longest title within its panel
    ax.set_title(text, y=1.0, fontsize=11)


def legend(ax) -> None:
    """A legend of the visible labelled lines (rebuilt: a hidden line leaves it)."""
    handles = [h for h in ax.get_lines() if h.get_visible() and not h.get_label().startswith("_")]
    if handles:
        ax.legend(handles=handles, fontsize=7)
    elif ax.get_legend() is not None:
        ax.get_legend().remove()


@functools.cache
def _figure_box():
    """The class of the widgets' boxes: an ``ipywidgets.VBox`` that carries the matplotlib figure it shows."""
    import ipywidgets as w
    from matplotlib.figure import Figure

    class FigureBox(w.VBox):
        figure: Figure

    return FigureBox


class Canvas:
    """The figure of a widget, its ``ipywidgets.Image`` and its status line."""

    def __init__(self):
        import ipywidgets as w

        self.fig, self.axes = figure()
        # at the PNG's own size (a VBox would stretch it to its width), shrunk in a narrower cell
        self.image = w.Image(format="png", layout=w.Layout(align_self="flex-start", max_width="100%"))
        self.status = w.HTML()

    def show(self, text: str, start: float) -> None:
        """Render the updated figure into the image, then write the status line ("redrawn: ..." and the time)."""
        for ax in self.axes:
            legend(ax)
        self.image.value = png(self.fig)
        self.status.value = f"redrawn: {text} ({1000 * (time.perf_counter() - start):.0f} ms)"

    def rescale(self) -> None:
        """Fit both panels' limits to their visible lines (after the lines' data changed)."""
        for ax in self.axes:
            ax.relim(visible_only=True)
            ax.autoscale_view()

    def live(self, redraw, controls):
        """Call ``redraw`` whenever a slider in ``controls`` moves, draw once now, and return the widget."""
        for control in controls:
            control.observe(redraw, "value")
        redraw()
        return self.box(controls)

    def box(self, controls):
        """The widget: the sliders, the status line and the figure; with ``OVP_STATIC_WIDGETS`` also
        display the first figure (drawn by now) as a static image."""
        import ipywidgets as w

        if static_figures():
            from IPython.display import Image, display

            display(Image(data=bytes(self.image.value), format="png"))
        box = _figure_box()([w.HBox(controls), self.status, self.image])
        box.figure = self.fig
        return box
