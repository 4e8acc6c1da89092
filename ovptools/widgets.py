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

from __future__ import annotations

import contextlib
import functools
import os
import time
from io import BytesIO

import numpy as np

from .objectives import NONCONVEX_PL, pl_ratios
from .train import DivergenceError, gd

FIGSIZE = (9.0, 3.4)
"""Size of a widget's figure, in inches; its PNG has rcParams["figure.dpi"] pixels per inch, read when the
widget is created, as the inline backend would draw it (the lectures set 90)."""
# Fixed margins in inches (left, right, bottom, top, gap between the panels): room for log-scale
# tick labels such as 10⁻¹⁷, the axis labels and a title, so no layout engine runs per redraw.
_MARGINS = (0.8, 0.25, 0.52, 0.32, 0.85)


def static_figures() -> bool:
    """Whether widgets also display their first figure as a static image (``OVP_STATIC_WIDGETS``)."""
    return os.environ.get("OVP_STATIC_WIDGETS", "") not in ("", "0")


def _slider(cls, **kwargs):
    """A slider that redraws once on release (not while dragging), with its full label shown."""
    return cls(continuous_update=False, style={"description_width": "initial"}, **kwargs)


def _figure(figsize=FIGSIZE):
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


def _png(fig) -> bytes:
    """The figure as PNG bytes: one render, at the figure's own size (fast zlib level; the PNG is local)."""
    buf = BytesIO()
    fig.savefig(buf, format="png", dpi="figure", pil_kwargs={"compress_level": 1})
    return buf.getvalue()


def _title(ax, text: str) -> None:
    # y=1.0 fixes the title's place (matplotlib otherwise measures the tick labels at every draw);
    # 11 pt keeps the longest title within its panel
    ax.set_title(text, y=1.0, fontsize=11)


def _legend(ax) -> None:
    """A legend of the visible labelled lines (rebuilt: a hidden line leaves it)."""
    handles = [h for h in ax.get_lines() if h.get_visible() and not h.get_label().startswith("_")]
    if handles:
        ax.legend(handles=handles, fontsize=7)
    elif ax.get_legend() is not None:
        ax.get_legend().remove()


class _Canvas:
    """The figure of a widget, its ``ipywidgets.Image`` and its status line."""

    def __init__(self):
        import ipywidgets as w

        self.fig, self.axes = _figure()
        # at the PNG's own size (a VBox would stretch it to its width), shrunk in a narrower cell
        self.image = w.Image(format="png", layout=w.Layout(align_self="flex-start", max_width="100%"))
        self.status = w.HTML()

    def show(self, text: str, start: float) -> None:
        """Render the updated figure into the image, then write the status line ("redrawn: ..." and the time)."""
        for ax in self.axes:
            _legend(ax)
        self.image.value = _png(self.fig)
        self.status.value = f"redrawn: {text} ({1000 * (time.perf_counter() - start):.0f} ms)"

    def box(self, controls):
        """The widget: the sliders, the status line and the figure; with ``OVP_STATIC_WIDGETS`` also
        display the first figure (drawn by now) as a static image."""
        import ipywidgets as w

        if static_figures():
            from IPython.display import Image, display

            display(Image(data=bytes(self.image.value), format="png"))
        box = w.VBox([w.HBox(controls), self.status, self.image])
        box.figure = self.fig
        return box


@functools.cache
def _blas_threads():
    """threadpoolctl's controller of numpy's BLAS threads (None without threadpoolctl)."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    return ThreadpoolController()


@contextlib.contextmanager
def _threads(work: int):
    """Run a redraw's computation (``work`` multiply-adds per matrix product) on few threads.

    Lecture-size products (below 2²⁴ multiply-adds) run on one thread, larger ones on all cores but
    one, for torch and for numpy's BLAS (through threadpoolctl, when installed); the previous
    settings come back afterwards. Small products gain nothing from threads, and with a core busy
    elsewhere (the browser, another notebook) threads that wait on each other are slower by orders
    of magnitude: the default two-layer run took 47 ms on one thread but 13 s on two, on 2 cores
    with one of them busy.
    """
    import torch

    before = torch.get_num_threads()
    count = 1 if work < 2**24 else max(1, min(before, (os.cpu_count() or 1) - 1))
    controller = _blas_threads()
    blas = contextlib.nullcontext() if controller is None else controller.limit(limits=count, user_api="blas")
    torch.set_num_threads(count)
    try:
        with blas:
            yield
    finally:
        torch.set_num_threads(before)


def _pl_factor(step_times_beta: float, mu_over_beta: float) -> float:
    r"""The contraction factor of GD's guarantee on a β-smooth μ-PL function for the step γ = s/β:

    .. math:: 1 - 2\mu\gamma(1 - \beta\gamma/2) = 1 - (\mu/\beta)\,s\,(2 - s),

    from the descent lemma f(x_{k+1}) ≤ f(x_k) − γ(1 − βγ/2)‖∇f(x_k)‖² and PL ½‖∇f‖² ≥ μ(f − f*).
    Below 1 only for 0 < s < 2; smallest (1 − μ/β) at s = 1.
    """
    s = float(step_times_beta)
    return 1.0 - mu_over_beta * s * (2.0 - s)


def pl_demo(*, steps: int = 60):
    r"""GD on the non-convex PL function f(x) = x² + 3 sin²x (β = 8, μ = 1/32).

    Sliders: the step γ as a multiple of 1/β, and the start x₀. Left: f(x_k) − f* with, for
    γ < 2/β, the guarantee (1 − 2μγ(1 − βγ/2))^k (f(x₀) − f*), which follows from the descent lemma
    f(x_{k+1}) ≤ f(x_k) − γ(1 − βγ/2)f′(x_k)² and PL. Its factor is smallest, 1 − μ/β, at γ = 1/β,
    and larger for both smaller and larger steps; for γ ≥ 2/β there is no guarantee (and none is
    drawn). The status says whether the measured run stays below the bound. Right: the PL ratio
    ½f′(x_k)²/(f(x_k) − f*) along the run, against μ = 1/32.
    """
    import ipywidgets as w

    f = NONCONVEX_PL
    step = _slider(w.FloatSlider, value=1.0, min=0.1, max=2.4, step=0.05, description="step × β")
    x0 = _slider(w.FloatSlider, value=7.0, min=-15.0, max=15.0, step=0.5, description="x₀")
    canvas = _Canvas()
    ax1, ax2 = canvas.axes
    k = np.arange(steps + 1)
    (measured,) = ax1.semilogy(k, np.ones_like(k, dtype=float), "o-", ms=3, label="measured f(x_k) − f*")
    (envelope,) = ax1.semilogy(k, np.ones_like(k, dtype=float), "k--",
                               label="bound (1 − 2μγ(1 − βγ/2))^k (f(x₀) − f*)")
    (ratio,) = ax2.plot(k, np.ones_like(k, dtype=float), "o-", ms=3, label="½f′(x_k)² / (f(x_k) − f*)")
    ax2.axhline(f.mu, color="k", ls="--", label="μ = 1/32")
    ax2.set_yscale("log")
    ax1.set(xlabel="iteration k", ylabel="f(x_k) − f*")
    ax2.set(xlabel="iteration k", ylabel="PL ratio")
    _title(ax2, "PL ratio along the run stays ≥ μ")

    def redraw(*_):
        start = time.perf_counter()
        s = float(step.value)
        try:
            run = gd(f.f, f.grad, [x0.value], eta=s / f.beta, steps=steps)
        except DivergenceError:
            run = None
        for line in (measured, envelope, ratio):
            line.set_visible(run is not None)
        if run is None:
            note = " — diverged (steps above 2/β are unstable)"
        else:
            fv = run.loss
            gap = fv - f.f_star
            shown = np.maximum(gap, 1e-300)
            measured.set_ydata(shown)
            low = max(float(shown.min()), 1e-16) / 10
            ax1.set_ylim(low, max(float(shown[0]), 1e3 * low) * 10)
            if s < 2:
                factor = _pl_factor(s, f.mu / f.beta)
                bound = factor**k * gap[0]
                envelope.set_ydata(np.maximum(bound, 1e-300))
                held = bool(np.all(gap <= bound * (1 + 1e-9)))
                note = f" — bound {'holds' if held else 'violated'} (factor 1 − 2μγ(1 − βγ/2) = {factor:.5f})"
            else:
                envelope.set_visible(False)
                note = " — no guarantee for steps ≥ 2/β"
            mu_k = pl_ratios(fv, run.grad_sq, f.f_star)
            ratio.set_ydata(mu_k)
            if np.isnan(mu_k).all():
                note += "; x₀ is a minimizer (f(x₀) = f*)"
            else:
                note += f"; smallest measured PL ratio {np.nanmin(mu_k):.3g}"
            ax2.relim(visible_only=True)
            ax2.autoscale_view()
        _title(ax1, f"GD with step {s:.2f}/β from x₀ = {x0.value:g}")
        canvas.show(f"step = {s:.2f}/β, x₀ = {x0.value:g}{note}", start)

    step.observe(redraw, "value")
    x0.observe(redraw, "value")
    redraw()
    return canvas.box([step, x0])


def two_layer_demo(*, d: int = 50, steps: int = 100, seed: int = 0, device: str = "auto"):
    r"""GD on Du et al.'s two-layer net: sliders for the width m, the step η (a multiple of
    1/λ_max(H∞)) and the number of samples n. Left: the loss with Thm 4.1's rate (1 − ηλ₀/2)^k.
    Right: λ_min(H(k)) of the empirical Gram matrix along the run, against λ₀ = λ_min(H∞).
    Data: n points uniform on the sphere in R^d with Gaussian labels (cached per n).
    """
    import ipywidgets as w
    import torch

    from .data import gaussian_labels, sphere
    from .kernels import gram_infinite
    from .models import init_two_layer
    from .train.nets import train_two_layer

    cache: dict[int, tuple] = {}

    def problem(n: int):
        if n not in cache:
            X, y = sphere(n, d, seed=seed), gaussian_labels(n, seed=seed + 1)
            ev = np.linalg.eigvalsh(gram_infinite(X))
            cache[n] = (X, y, ev[0], ev[-1])
        return cache[n]

    m = _slider(w.IntSlider, value=1000, min=50, max=8000, step=50, description="width m")
    eta = _slider(w.FloatSlider, value=1.0, min=0.1, max=2.5, step=0.1, description="η·λ_max(H∞)")
    n = _slider(w.IntSlider, value=100, min=10, max=200, step=10, description="samples n")
    canvas = _Canvas()
    ax1, ax2 = canvas.axes
    k = np.arange(steps + 1)
    (loss,) = ax1.semilogy(k, np.ones(steps + 1), label="measured ½‖u(k) − y‖²")
    (rate,) = ax1.semilogy(k, np.ones(steps + 1), "k--", label="Thm 4.1 rate (1 − ηλ₀/2)^k")
    (lam_k,) = ax2.plot([0], [1.0], "o-", ms=3, label="λ_min(H(k))")
    lam0_line = ax2.axhline(1.0, color="k", ls="--", label="λ₀ = λ_min(H∞)")
    half_line = ax2.axhline(0.5, color="r", ls=":", label="λ₀/2 (the proof needs λ_min(H) ≥ λ₀/2)")
    ax1.set(xlabel="iteration k", ylabel="loss")
    ax2.set(xlabel="iteration k", ylabel="eigenvalue")
    _title(ax2, "The Gram matrix stays near H∞ when m is large")

    def redraw(*_):
        start = time.perf_counter()
        with _threads(n.value * m.value * d):
            X, y, lam0, lam_max = problem(n.value)
            W0, a = init_two_layer(d, m.value, seed=seed + 2)
            step = eta.value / lam_max
            try:
                run = train_two_layer(W0, a, X, y, eta=step, steps=steps, record_every=10, device=device,
                                      dtype=torch.float32, progress=False)
            except DivergenceError as err:  # show it, keep the widget alive
                run, note = None, f"diverged: {str(err).split(':')[0]}"
        lam0_line.set_ydata([lam0, lam0])
        half_line.set_ydata([lam0 / 2, lam0 / 2])
        for line in (loss, rate, lam_k):
            line.set_visible(run is not None)
        if run is not None:
            loss.set_ydata(np.maximum(run.loss, 1e-30))
            rate.set_ydata((1 - step * lam0 / 2) ** k * run.loss[0])
            lam_k.set_data(run.steps, run.lambda_min)
            note = f"final loss {run.loss[-1]:.2e}, max ‖w_r − w_r(0)‖ = {run.max_distance[-1]:.3f}"
        for ax in (ax1, ax2):
            ax.relim(visible_only=True)
            ax.autoscale_view()
        _title(ax1, f"m = {m.value}, n = {n.value}, η = {eta.value:.1f}/λ_max")
        canvas.show(f"m = {m.value}, η = {eta.value:.1f}/λ_max(H∞), n = {n.value} — {note}", start)

    for s in (m, eta, n):
        s.observe(redraw, "value")
    redraw()
    return canvas.box([m, eta, n])


def deep_demo(*, n: int = 32, d: int = 8, steps: int = 40, seed: int = 0, device: str = "auto"):
    r"""Full-batch GD on the logistic loss of Zou et al.'s deep ReLU net (:func:`ovptools.init_deep`, v
    fixed) on φ-separated data: sliders for the width m, the depth L and the step as a multiple of
    η₀ = 4/(m·λ_max(Θ_L)) (Θ_L the infinite-width NTK; about the largest stable step). Left: the
    loss Σ_i log(1 + e^{−y_i f(x_i)}). Right: the relative change ‖W_l(k) − W_l(0)‖_F/‖W_l(0)‖_F of
    every layer along the run: wide nets move less, the m×m layers less than the d×m first one.
    """
    import ipywidgets as w
    import torch
    from matplotlib.ticker import NullFormatter

    from .data import separated_data
    from .kernels import relu_ntk_infinite
    from .models import deep_relu_forward, init_deep
    from .train.nets import train_deep

    X, y = separated_data(n, d, phi=0.1, seed=seed)
    lam_max = {L: float(np.linalg.eigvalsh(relu_ntk_infinite(X, L))[-1]) for L in range(1, 9)}
    m = _slider(w.IntSlider, value=128, min=16, max=1024, step=16, description="width m")
    depth = _slider(w.IntSlider, value=3, min=1, max=8, description="depth L")
    step = _slider(w.FloatSlider, value=1.0, min=0.1, max=3.0, step=0.1, description="step × η₀")
    canvas = _Canvas()
    ax1, ax2 = canvas.axes
    k = np.arange(steps + 1)
    (loss,) = ax1.semilogy(k, np.ones(steps + 1), label="Σ_i log(1 + exp(−y_i f(x_i)))")
    ax1.axhline(n * np.log(2), color="k", ls=":", label="n·log 2 (output 0)")
    layers = [ax2.plot([0], [1.0], "o-", ms=3, label=f"layer {j + 1}")[0] for j in range(8)]
    ax1.set(xlabel="GD step k", ylabel="training loss")
    ax1.yaxis.set_minor_formatter(NullFormatter())  # "3×10⁰"-style minor labels would overflow the fixed margin
    ax2.set(xlabel="GD step k", ylabel="‖W_l(k) − W_l(0)‖_F / ‖W_l(0)‖_F")
    _title(ax2, "Relative change per layer: less as m grows")

    def redraw(*_):
        start = time.perf_counter()
        L = int(depth.value)
        eta = step.value * 4.0 / (m.value * lam_max[L])
        with _threads(n * m.value * m.value):
            Ws, v = init_deep(d, m.value, L, seed=seed + 1)
            try:
                run = train_deep(Ws, v, X, y, eta=eta, steps=steps, loss="logistic", record_every=5, device=device,
                                 dtype=torch.float32, progress=False)
            except DivergenceError as err:  # show it, keep the widget alive
                run, note = None, f"diverged: {str(err).split(':')[0]}"
        loss.set_visible(run is not None)
        for j, line in enumerate(layers):
            line.set_visible(run is not None and j < L)
        if run is not None:
            loss.set_ydata(np.maximum(run.loss, 1e-30))
            for j in range(L):
                layers[j].set_data(run.steps, run.relative_change[:, j])
            acc = float(np.mean(np.sign(deep_relu_forward(run.Ws, run.v, X)) == y))
            change = ", ".join(f"{c:.3f}" for c in run.relative_change[-1])
            note = f"final loss {run.loss[-1]:.3g}, training accuracy {acc:.2f}, relative change per layer {change}"
        for ax in (ax1, ax2):
            ax.relim(visible_only=True)
            ax.autoscale_view()
        _title(ax1, f"m = {m.value}, L = {L}, η = {step.value:.1f}·η₀")
        canvas.show(f"m = {m.value}, L = {L}, step = {step.value:.1f}·η₀ — {note}", start)

    for s in (m, depth, step):
        s.observe(redraw, "value")
    redraw()
    return canvas.box([m, depth, step])
