"""Lecture 9: strict saddles of f(x, y) = ½x² + ¼y⁴ − ½y² (Lee et al. 2016; Jin et al. 2017)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..._validate import as_array, check_count, check_positive, rng

# ---- Lecture 9: strict saddles of f(x, y) = ½x² + ¼y⁴ − ½y² ---------------------------------------
# ∇f = (x, y³ − y); minimizers (0, ±1) with f = −¼; one critical point more, the strict saddle (0, 0)
# with ∇²f = diag(1, −1). On the box |x|, |y| ≤ b the gradient is L-Lipschitz with L = max(1, 3b² − 1).


@dataclass(frozen=True)
class RandomStarts:
    """GD from many random starts (:func:`saddle_random_starts`), N = n_starts: the starts ``x0``, ``y0`` and the
    final points ``x``, ``y`` (each N); ``lipschitz`` L on the box and ``eta_times_L``; the counts of runs that end
    within tol of a minimizer (``at_minimizer``), of the saddle (``at_saddle``) and neither (``elsewhere``);
    ``min_abs_y0`` the smallest |y₀|; ``hit_step`` (N) the step (a multiple of 10) by which each run is within tol
    of a minimizer (−1 if never); ``max_distance`` the largest final distance to a minimizer; ``steps_run``."""

    x0: np.ndarray
    y0: np.ndarray
    x: np.ndarray
    y: np.ndarray
    lipschitz: float
    eta_times_L: float
    at_minimizer: int
    at_saddle: int
    elsewhere: int
    min_abs_y0: float
    hit_step: np.ndarray
    max_distance: float
    steps_run: int


@dataclass(frozen=True)
class SaddleEscape:
    """Escape times from near the saddle (:func:`saddle_escape`), per offset: ``eps`` (|ε|), ``steps`` (measured),
    ``linear`` (the linearized prediction), ``corrected`` (plus the cubic term's slow-down ``correction``)."""

    eps: np.ndarray
    steps: np.ndarray
    linear: np.ndarray
    corrected: np.ndarray
    correction: float


@dataclass(frozen=True)
class PerturbedGD:
    """Perturbed GD from the saddle (:func:`perturbed_gd_saddle`), R = runs: the final points ``x``, ``y`` (R),
    ``escape_step`` (R; −1 if never), ``first_abs_y`` (R) the |y| after the first perturbation, ``plain_gd`` plain
    GD's final point, ``predicted_escape`` (R), ``kicks`` (R) perturbations before the escape, and
    ``distance_to_minimizer`` (R)."""

    x: np.ndarray
    y: np.ndarray
    escape_step: np.ndarray
    first_abs_y: np.ndarray
    plain_gd: tuple[float, float]
    predicted_escape: np.ndarray
    kicks: np.ndarray
    distance_to_minimizer: np.ndarray


def saddle_value(x, y):
    """f(x, y) = ½x² + ¼y⁴ − ½y² (numpy arrays or numbers)."""
    return 0.5 * x**2 + 0.25 * y**4 - 0.5 * y**2


def _saddle_gd_step(x, y, eta: float):
    return (1.0 - eta) * x, y - eta * (y**3 - y)


def saddle_random_starts(
    n_starts: int = 100_000, *, eta: float = 0.05, steps: int = 1000, box: float = 2.0, tol: float = 1e-3,
    seed: int = 0,
) -> RandomStarts:
    r"""GD on f(x, y) = ½x² + ¼y⁴ − ½y² from ``n_starts`` starts uniform on [−box, box]², all at once
    (one array operation per step, no loop over the starts: the loop is written out, in place, rather than run
    by :mod:`ovptools.train`, because it advances 10⁵ starts as one array and records when each arrives).

    Lee et al. (2016) need ∇f L-Lipschitz and η < 1/L; GD from such a start stays in the box, where
    L = max(1, 3·box² − 1) (``lipschitz``). Returns the final points, the counts of runs that end
    within ``tol`` of a minimizer (0, ±1) and of the saddle (0, 0), the smallest |y₀|, and, per run,
    the step (a multiple of 10) by which it is within ``tol`` of a minimizer (``hit_step``; −1 if never);
    the loop stops early once every run is there (``steps_run``). Returns a :class:`RandomStarts`.
    """
    g = rng(seed)
    n_starts, steps = check_count(n_starts, "n_starts"), check_count(steps, "steps")
    eta, box, tol = check_positive(eta, "eta"), check_positive(box, "box"), check_positive(tol, "tol")
    if eta >= 1:
        raise ValueError(f"eta: expected a step in (0, 1), got {eta!r}")
    x0 = g.uniform(-box, box, n_starts)
    y0 = g.uniform(-box, box, n_starts)
    x, y = x0.copy(), y0.copy()
    hit = np.full(n_starts, -1)
    factor = np.empty_like(y)
    for k in range(1, steps + 1):
        x *= 1.0 - eta  # the GD step (x, y) ← (x − ηx, y − η(y³ − y)), in place
        np.multiply(y, y, out=factor)
        factor *= -eta
        factor += 1.0 + eta
        y *= factor
        if k % 10 == 0 or k == steps:  # record the first hit to within 10 steps; stop once all are in
            near = (hit < 0) & (x * x + (np.abs(y) - 1.0) ** 2 < tol * tol)
            hit[near] = k
            if (hit > 0).all():
                break
    lipschitz = max(1.0, 3 * box**2 - 1)
    at_min = np.hypot(x, np.abs(y) - 1.0) < tol
    at_saddle = np.hypot(x, y) < tol
    return RandomStarts(
        x0=x0, y0=y0, x=x, y=y, lipschitz=lipschitz, eta_times_L=eta * lipschitz,
        at_minimizer=int(at_min.sum()), at_saddle=int(at_saddle.sum()),
        elsewhere=int(n_starts - at_min.sum() - at_saddle.sum()),
        min_abs_y0=float(np.abs(y0).min()), hit_step=hit,
        max_distance=float(np.hypot(x, np.abs(y) - 1.0).max()), steps_run=k,
    )


def saddle_escape(eps, *, eta: float = 0.05, threshold: float = 0.5, max_steps: int = 1_000_000) -> SaddleEscape:
    r"""Steps GD on f(x, y) = ½x² + ¼y⁴ − ½y² needs from (0, ε) until |y_k| ≥ ``threshold`` (0 if
    |ε| ≥ threshold already), for every ε of the array ``eps`` at once (the loop is written out: it runs only the
    y-coordinate, the one that matters on the line x = 0, for the offsets not yet out, and counts steps).

    Beside the count: the linearized prediction log(threshold/|ε|)/log(1 + η) (the y-update is
    y(1 + η) near the saddle), and a corrected one that adds the slow-down of the cubic term,
    ½·log(1/(1 − threshold²))/log(1 + η) (from the flow ẏ = y − y³, whose solution satisfies
    log(y/√(1 − y²)) = t + const).
    """
    e = np.abs(as_array(eps, "eps", ndim=(0, 1))).reshape(-1)
    eta = check_positive(eta, "eta")
    if eta >= 1:
        raise ValueError(f"eta: expected a step in (0, 1), got {eta!r}")
    threshold = check_positive(threshold, "threshold")
    if threshold >= 1:
        raise ValueError(f"threshold: expected a level in (0, 1) (|y| never reaches 1 from below), got {threshold!r}")
    if np.any(e == 0):
        raise ValueError("eps: expected nonzero starting offsets (from ε = 0 GD stays at the saddle)")
    max_steps = check_count(max_steps, "max_steps")
    y = e.copy()
    count = np.zeros(len(e), dtype=int)
    active = y < threshold
    k = 0
    while active.any():
        if k == max_steps:
            raise ValueError(f"max_steps: {max_steps} steps were not enough to escape; raise it")
        k += 1
        y[active] = y[active] - eta * (y[active] ** 3 - y[active])
        done = active & (y >= threshold)
        count[done] = k
        active &= ~done
    linear = np.where(e >= threshold, 0.0, np.log(threshold / e) / math.log1p(eta))
    correction = 0.5 * math.log(1.0 / (1.0 - threshold**2)) / math.log1p(eta)
    return SaddleEscape(eps=e, steps=count, linear=linear, corrected=np.where(e >= threshold, 0.0, linear + correction),
                        correction=correction)


def perturbed_gd_saddle(
    runs: int = 1000, *, eta: float = 0.05, radius: float = 1e-3, g_thres: float = 1e-3, t_thres: int = 50,
    steps: int = 600, seed: int = 0,
) -> PerturbedGD:
    r"""Perturbed GD (Jin et al. 2017) on f(x, y) = ½x² + ¼y⁴ − ½y², started exactly at the saddle (0, 0),
    ``runs`` independent runs at once: whenever ‖∇f‖ ≤ ``g_thres`` and no perturbation was added in the
    last ``t_thres`` steps, add a point uniform in the disc of radius ``radius``; otherwise a GD step.

    Returns the final points, plain GD's final point from the same start (it never moves), the first step
    at which f ≤ f(0, 0) − 0.1 (``escape_step``), the |y| right after the first perturbation, and the
    escape step predicted from it as in :func:`saddle_escape` (corrected form, level |y| with f(0, y) = −0.1),
    and the number of perturbations each run received before it escaped (``kicks``), as a :class:`PerturbedGD`.
    The loop is written out: perturbed GD adds noise on a condition checked per run at every step, which
    :mod:`ovptools.train`'s GD does not express.
    """
    g = rng(seed)
    runs, steps, t_thres = check_count(runs, "runs"), check_count(steps, "steps"), check_count(t_thres, "t_thres")
    eta, radius = check_positive(eta, "eta"), check_positive(radius, "radius")
    g_thres = check_positive(g_thres, "g_thres")
    if eta >= 1:
        raise ValueError(f"eta: expected a step in (0, 1), got {eta!r}")
    x, y = np.zeros(runs), np.zeros(runs)
    last_noise = np.full(runs, -t_thres - 1)
    first_y = np.full(runs, np.nan)
    escape = np.full(runs, -1)
    kicks = np.zeros(runs, dtype=int)
    for k in range(steps):
        grad = np.hypot(x, y**3 - y)
        kick = (grad <= g_thres) & (k - last_noise > t_thres)
        if kick.any():
            r = radius * np.sqrt(g.random(kick.sum()))
            th = g.uniform(0, 2 * np.pi, kick.sum())
            x[kick] += r * np.cos(th)
            y[kick] += r * np.sin(th)
            last_noise[kick] = k
            kicks[kick & (escape < 0)] += 1
            fresh = kick & np.isnan(first_y)
            first_y[fresh] = np.abs(y[fresh])
        x, y = _saddle_gd_step(x, y, eta)
        out = (escape < 0) & (saddle_value(x, y) <= -0.1)
        escape[out] = k + 1
    px, py = 0.0, 0.0
    for _ in range(steps):
        px, py = _saddle_gd_step(px, py, eta)
    y_level = math.sqrt(1.0 - math.sqrt(0.6))  # f(0, y) = −0.1
    predicted = (np.log(y_level / first_y) + 0.5 * math.log(1.0 / (1.0 - y_level**2))) / math.log1p(eta)
    return PerturbedGD(x=x, y=y, escape_step=escape, first_abs_y=first_y, plain_gd=(px, py),
                       predicted_escape=predicted, kicks=kicks, distance_to_minimizer=np.hypot(x, np.abs(y) - 1.0))
