"""Lecture 9: kinks under automatic differentiation (Kakade & Lee 2018). These experiments are about the value of
relu'(0): they set it explicitly (:func:`relu_with_slope`) or compare torch's relu'(0) = 0 with ovptools' 1, so they
keep torch's convention where the comparison needs it. The stochastic subgradient method is in :mod:`.subgradient`."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from ..._device import few_threads
from ..._validate import as_array, check_count, rng

# ---- Lecture 9: kinks under automatic differentiation ---------------------------------------------------


@dataclass(frozen=True)
class KinkComposition:
    """Autodiff at 0 for one composition h of relu (:func:`autodiff_at_kink`): its ``name``, the Clarke
    subdifferential ``clarke`` = (lo, hi), the ``one_sided`` derivatives (left, right), ``autodiff`` (one value per
    slope s) and ``right_for`` (the s whose answer lies in ∂_C h(0))."""

    name: str
    clarke: tuple[float, float]
    one_sided: tuple[float, float]
    autodiff: np.ndarray
    right_for: np.ndarray


@dataclass(frozen=True)
class KinkAutodiff:
    """Derivatives at a kink (:func:`autodiff_at_kink`): of relu(x) − relu(−x) at 0 by ``torch``, by ``ovptools``,
    by the one-sided ``directional`` derivative, and the ``true`` value; the ``slopes`` s tried, the
    ``compositions`` (one :class:`KinkComposition` each) and ``right_for_all`` (the s right for all of them)."""

    torch: float
    ovptools: float
    directional: float
    true: float
    slopes: np.ndarray
    compositions: tuple[KinkComposition, ...]
    right_for_all: np.ndarray


@dataclass(frozen=True)
class BiasGradients:
    """One bias setting of :func:`kink_gradients`: the fractions ``conv1_zero``, ``conv2_zero`` of exactly-zero
    pre-activations, ``pool_ties``, whether the two rules' gradients are ``identical``, the
    ``relative_difference`` per parameter tensor, its largest value over the ``weights`` and over the ``biases``,
    and ``conv1_zero_after_step``."""

    conv1_zero: float
    conv2_zero: float
    pool_ties: float
    identical: bool
    relative_difference: dict[str, float]
    weights: float
    biases: float
    conv1_zero_after_step: float


@dataclass(frozen=True)
class KinkGradients:
    """The gradient under two kink rules (:func:`kink_gradients`) on ``images`` digits with ``channels`` filters,
    per bias setting: ``none``, ``zero`` and ``random`` (each a :class:`BiasGradients`)."""

    images: int
    channels: int
    none: BiasGradients
    zero: BiasGradients
    random: BiasGradients


@dataclass(frozen=True)
class KinkFrequency:
    """How often kinks are hit (:func:`kink_frequency`) on the ``images`` digits: ``zero_pixels``, ``conv_zero``,
    ``pool_ties``, and the same on Gaussian images (``*_gaussian``)."""

    images: int
    zero_pixels: float
    conv_zero: float
    pool_ties: float
    zero_pixels_gaussian: float
    conv_zero_gaussian: float
    pool_ties_gaussian: float


class _ReluSlope(torch.autograd.Function):
    """relu with a chosen value s of relu'(0) under reverse-mode autodiff (torch uses 0, ovptools 1)."""

    @staticmethod
    def forward(ctx, z, s):
        ctx.save_for_backward(z)
        ctx.s = s
        return torch.clamp(z, min=0.0)

    @staticmethod
    def backward(ctx, grad):
        (z,) = ctx.saved_tensors
        slope = (z > 0).to(grad.dtype) + ctx.s * (z == 0).to(grad.dtype)
        return grad * slope, None


def _leaf_grad(x: torch.Tensor) -> float:
    """The derivative ``backward`` stored in the scalar leaf ``x``."""
    if x.grad is None:
        raise RuntimeError("autodiff stored no gradient in x: backward did not reach it")
    return float(x.grad)


def _digit_images() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8×8 digits: the images N×8×8 (integers 0..16 stored as floats) and their labels."""
    from sklearn.datasets import load_digits

    flat, target = load_digits(return_X_y=True)  # the images' pixels, row by row
    return np.asarray(flat).reshape(-1, 8, 8), np.asarray(target)


def relu_with_slope(z: torch.Tensor, s: float) -> torch.Tensor:
    """max(z, 0) whose autodiff derivative at z = 0 is ``s`` (a fixed choice in the Clarke set [0, 1])."""
    return _ReluSlope.apply(z, float(s))


# Compositions of relu that are functions of one variable with a known Clarke subdifferential at 0:
# (name, function of (x, relu), interval [lo, hi] = ∂_C h(0)).
_KINK_COMPOSITIONS = (
    ("relu(x) − relu(−x) = x", lambda x, r: r(x) - r(-x), (1.0, 1.0)),
    ("relu(x) + relu(−x) = |x|", lambda x, r: r(x) + r(-x), (-1.0, 1.0)),
    ("relu(2x) − relu(−x)", lambda x, r: r(2 * x) - r(-x), (1.0, 2.0)),
    ("relu(−relu(x)) ≡ 0", lambda x, r: r(-r(x)), (0.0, 0.0)),
)


def autodiff_at_kink(slopes=None) -> KinkAutodiff:
    r"""The derivative at x = 0 of g(x) = relu(x) − relu(−x) (= x, so g'(0) = 1) by reverse-mode autodiff
    with torch's relu (relu'(0) = 0), with ovptools' relu (relu'(0) = 1), and by the one-sided directional
    derivative (g(t·v) − g(0))/t along a random direction v (Kakade–Lee's idea: differentiate the piece
    that a direction selects).

    ``compositions``: for four compositions h of relu (x, |x|, relu(2x) − relu(−x) and relu(−relu(x)) ≡ 0),
    the value autodiff returns at 0 when relu'(0) is set to each s in ``slopes`` (default 0, 0.01, …, 1),
    the Clarke subdifferential ∂_C h(0) = [lo, hi] (from the two one-sided derivatives, which are computed
    too), and the values of s for which autodiff's answer lies in it. ``right_for_all``: the s that are
    right for every composition at once (none: relu(−relu(x)) needs s = 0, relu(x) − relu(−x) needs s = ½).
    """
    from ...models import relu as relu_one

    slopes = np.round(np.linspace(0.0, 1.0, 101), 10) if slopes is None else as_array(slopes, "slopes", ndim=1)
    if slopes.size == 0 or np.any((slopes < 0) | (slopes > 1)):
        raise ValueError(f"slopes: expected a non-empty 1-D list of values in [0, 1], got {slopes!r}")
    out: dict = {}
    for name, act in (("torch", torch.relu), ("ovptools", relu_one)):
        x = torch.zeros((), dtype=torch.float64, requires_grad=True)
        (act(x) - act(-x)).backward()
        out[name] = _leaf_grad(x)
    v = float(rng(0).standard_normal())
    t = 1e-8
    out["directional"] = (float(torch.relu(torch.tensor(t * v)) - torch.relu(torch.tensor(-t * v)))) / (t * v)
    out["true"] = 1.0
    comps = []
    for name, h, (lo, hi) in _KINK_COMPOSITIONS:
        values = []
        for s in slopes:
            x = torch.zeros((), dtype=torch.float64, requires_grad=True)
            h(x, lambda z, s=s: relu_with_slope(z, s)).backward()
            values.append(_leaf_grad(x))
        values = np.array(values)
        # one-sided derivatives (exact here: every piece is linear near 0)
        right = float(h(torch.tensor(1e-6, dtype=torch.float64), torch.relu)) / 1e-6
        left = -float(h(torch.tensor(-1e-6, dtype=torch.float64), torch.relu)) / 1e-6
        if not (math.isclose(min(left, right), lo, abs_tol=1e-9) and math.isclose(max(left, right), hi, abs_tol=1e-9)):
            raise AssertionError(f"{name}: one-sided derivatives {left}, {right} disagree with [{lo}, {hi}]")
        right_s = (values >= lo - 1e-12) & (values <= hi + 1e-12)
        comps.append(KinkComposition(name=name, clarke=(lo, hi), one_sided=(left, right), autodiff=values,
                                     right_for=slopes[right_s]))
    everywhere = np.all([np.isin(slopes, c.right_for) for c in comps], axis=0)
    return KinkAutodiff(**out, slopes=slopes, compositions=tuple(comps), right_for_all=slopes[everywhere])


def _digit_net(channels: int, bias: str, g: np.random.Generator):
    """Parameters of a small digits CNN: conv 3×3 (padding 1) → relu → 2×2 max-pool → conv 3×3 (padding 1)
    → relu → linear to 10 classes. Weights N(0, 1/fan_in); biases absent ("none"), exactly 0 ("zero") or
    N(0, 0.1²) ("random")."""
    shapes = {"W1": (channels, 1, 3, 3), "W2": (channels, channels, 3, 3), "V": (10, channels * 16)}
    params = {k: torch.tensor(g.standard_normal(sh) / math.sqrt(np.prod(sh[1:])), requires_grad=True)
              for k, sh in shapes.items()}
    for key, size in (("b1", channels), ("b2", channels), ("c", 10)):
        if bias == "zero":
            params[key] = torch.zeros(size, dtype=torch.float64, requires_grad=True)
        elif bias == "random":
            params[key] = torch.tensor(0.1 * g.standard_normal(size), requires_grad=True)
    return params


def _digit_net_grads(params: dict, images: torch.Tensor, labels: torch.Tensor, s: float, last_tie: bool):
    """Cross-entropy gradients of the digits CNN with relu'(0) = s, and max-pool ties sent to the first
    (torch's rule) or the last entry of the window. Returns (grads, pre-activations of both layers, ties)."""
    F = torch.nn.functional
    z1 = F.conv2d(images, params["W1"], params.get("b1"), padding=1)
    h1 = relu_with_slope(z1, s)
    pooled = F.max_pool2d(h1.flip(-1, -2), 2).flip(-1, -2) if last_tie else F.max_pool2d(h1, 2)
    z2 = F.conv2d(pooled, params["W2"], params.get("b2"), padding=1)
    h2 = relu_with_slope(z2, s)
    logits = h2.flatten(1) @ params["V"].T + (params["c"] if "c" in params else 0.0)
    loss = F.cross_entropy(logits, labels)
    grads = torch.autograd.grad(loss, list(params.values()))
    windows = h1.detach().unfold(2, 2, 2).unfold(3, 2, 2).reshape(h1.shape[0], h1.shape[1], -1, 4)
    ties = (windows == windows.max(dim=-1, keepdim=True).values).sum(dim=-1) > 1
    return dict(zip(params, grads)), z1.detach(), z2.detach(), ties


@few_threads(blas=True)
def kink_gradients(*, channels: int = 8, images: int = 512, seed: int = 0) -> KinkGradients:
    r"""Do the kinks met on integer-pixel digits change the gradient with respect to the parameters?

    A two-layer CNN (see :func:`_digit_net`) on ``images`` of scikit-learn's 8×8 digits (pixels 0–16, divided
    by 16, so blank pixels stay exactly 0), cross-entropy loss. For each bias setting — ``none`` (no bias
    parameters), ``zero`` (trainable biases initialized to exactly 0, a common default) and ``random``
    (biases N(0, 0.1²)) — the parameter gradient is computed twice: with relu'(0) = 0 and max-pool ties sent
    to the first entry of the window (torch's rules), and with relu'(0) = 1 and ties sent to the last entry.

    Returns a :class:`KinkGradients`, per setting: the fraction of pre-activations that are exactly 0 in each conv
    layer, the fraction of pooling windows with a tie, ``identical`` (whether every parameter gradient agrees bit
    for bit), and per parameter tensor the relative difference ‖g_A − g_B‖/‖g_A‖ (``relative_difference``; its
    largest value over the weight tensors W1, W2, V in ``weights`` and over the biases in ``biases``), and the
    fraction of conv-1 pre-activations still exactly 0 after one gradient step of size 0.1
    (``conv1_zero_after_step``).

    Why: a pre-activation z = ⟨w, patch⟩ over a blank patch is 0 for every w, so ∂z/∂w = patch = 0 and
    relu'(0) multiplies zero; a tie between identical (e.g. blank) patches is a tie for every w, so either
    routing gives the same ∂/∂w. With a trainable bias b = 0, z = b is a kink *in b* (∂z/∂b = 1).
    """
    channels, images = check_count(channels, "channels"), check_count(images, "images")
    pixels, target = _digit_images()
    if images > len(pixels):
        raise ValueError(f"images: expected at most {len(pixels)} (the digits data set), got {images}")
    g = rng(seed)
    pick = g.permutation(len(pixels))[:images]
    x = torch.tensor(pixels[pick] / 16.0)[:, None]
    y = torch.tensor(target[pick])
    out = {}
    for bias in ("none", "zero", "random"):
        params = _digit_net(channels, bias, rng(seed, 1))
        ga, z1, z2, ties = _digit_net_grads(params, x, y, 0.0, last_tie=False)
        gb, *_ = _digit_net_grads(params, x, y, 1.0, last_tie=True)
        rel = {k: float(torch.linalg.vector_norm(ga[k] - gb[k]) / torch.linalg.vector_norm(ga[k])) for k in ga}
        with torch.no_grad():  # one gradient step (rule A, step 0.1): are the exact zeros still there?
            stepped = {k: (p - 0.1 * ga[k]).requires_grad_() for k, p in params.items()}
        _, z1_next, _, _ = _digit_net_grads(stepped, x, y, 0.0, last_tie=False)
        out[bias] = BiasGradients(
            conv1_zero=float((z1 == 0).double().mean()), conv2_zero=float((z2 == 0).double().mean()),
            pool_ties=float(ties.double().mean()),
            identical=all(torch.equal(ga[k], gb[k]) for k in ga), relative_difference=rel,
            weights=max(rel[k] for k in ("W1", "W2", "V")),
            biases=max((rel[k] for k in ("b1", "b2", "c") if k in rel), default=0.0),
            conv1_zero_after_step=float((z1_next == 0).double().mean()))
    return KinkGradients(images=images, channels=channels, **out)


@few_threads(blas=True)
def kink_frequency(*, channels: int = 8, seed: int = 0) -> KinkFrequency:
    r"""How often a network meets an exact kink, on scikit-learn's 8×8 digits with their integer pixels
    (0–16), against Gaussian inputs of the same shape.

    ``zero_pixels``: fraction of pixels that are exactly 0. ``conv_zero``: fraction of the pre-activations
    of a 3×3 convolution with Gaussian filters and zero bias that are exactly 0 (ReLU's kink).
    ``pool_ties``: fraction of 2×2 max-pooling windows (stride 2) whose maximum is attained more than once
    (max's kink). The ``*_gaussian`` entries are the same counts on N(0, 1) images. Returns a
    :class:`KinkFrequency`.
    """
    channels = check_count(channels, "channels")
    images, _ = _digit_images()
    g = rng(seed)
    noise = g.standard_normal(images.shape)
    filters = torch.as_tensor(g.standard_normal((channels, 1, 3, 3)))

    def counts(imgs: np.ndarray) -> tuple[float, float, float]:
        t = torch.as_tensor(imgs)[:, None]
        pre = torch.nn.functional.conv2d(t, filters)  # zero bias
        windows = t.unfold(2, 2, 2).unfold(3, 2, 2).reshape(len(imgs), -1, 4)
        top = windows.max(dim=-1, keepdim=True).values
        ties = (windows == top).sum(dim=-1) > 1
        return float((t == 0).double().mean()), float((pre == 0).double().mean()), float(ties.double().mean())

    z, c, p = counts(images)
    zg, cg, pg = counts(noise)
    return KinkFrequency(images=len(images), zero_pixels=z, conv_zero=c, pool_ties=p,
                         zero_pixels_gaussian=zg, conv_zero_gaussian=cg, pool_ties_gaussian=pg)
