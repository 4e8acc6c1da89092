"""Lecture 10: GD on the logistic loss of separable data turns towards the hard-margin SVM (Soudry,
Hoffer, Nacson, Gunasekar & Srebro 2018); the SVM itself is in :mod:`.svm`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..._validate import as_array, check_count, check_positive, rng
from .common import angles_to, labelled_data, linear_slope
from .svm import hard_margin_svm, support_groups

# ---- Lecture 10: implicit bias and generalization ----
# Soudry, Hoffer, Nacson, Gunasekar & Srebro (2018): GD on the logistic loss of separable data turns
# towards the hard-margin SVM; Rosset, Zhu & Hastie (2004) and Wei, Lee, Liu & Ma (2019): the
# regularized minimizer's normalized margin tends to the maximum as λ → 0; Lyu & Li (2020): the
# normalized margin of a homogeneous net grows during training; Golowich, Rakhlin & Shamir (2018):
# a norm-based capacity measure. Labels are ±1; a linear predictor is homogeneous (no intercept).


@dataclass(frozen=True)
class LogisticPath:
    """GD on the summed logistic loss (:func:`logistic_gd_path`): the recorded steps ``t``, the iterates ``w``
    (len(t) × d), the ``loss`` L(w(t)) and the step ``eta``."""

    t: np.ndarray
    w: np.ndarray
    loss: np.ndarray
    eta: float


@dataclass(frozen=True)
class SoudryExperiment:
    r"""GD on separable data against Soudry et al.'s asymptotics (:func:`soudry_experiment`).

    The path (as :class:`LogisticPath`): ``t``, ``w``, ``loss``, ``eta``; per recorded step, ``norm`` ‖w(t)‖ and
    ``angle`` ∠(w(t), ŵ) (radians). The SVM: ``w_hat``, ``alpha`` (n), ``support``. The predictions: ``w_tilde``
    (w̃), ``w_tilde_perp`` (‖P⊥w̃‖), ``pred_norm`` ‖ŵ ln t + w̃‖, ``pred_loss`` ‖ŵ‖²/(ηt), ``pred_angle``
    ∠(ŵ ln t + w̃, ŵ). The fits over the last decade of t: ``norm_slope`` (d‖w‖/d ln t), ``loss_slope`` (of log L
    against log t), ``angle_log_t`` (angle · ln t at the last step), ``angle_power`` (the log–log slope of
    angle · ln t); the linearized rate ``kappa`` = min(``lambda_min``, ``theta`` − 1).
    """

    t: np.ndarray
    w: np.ndarray
    loss: np.ndarray
    eta: float
    norm: np.ndarray
    angle: np.ndarray
    w_hat: np.ndarray
    alpha: np.ndarray
    support: np.ndarray
    w_tilde: np.ndarray
    w_tilde_perp: float
    pred_norm: np.ndarray
    pred_loss: np.ndarray
    pred_angle: np.ndarray
    norm_slope: float
    loss_slope: float
    angle_log_t: float
    kappa: float
    lambda_min: float
    theta: float
    angle_power: float


def normalized_margin(w, X, y) -> float:
    r"""The normalized margin :math:`\gamma(w) = \min_i y_i\langle w, x_i\rangle / \|w\|_2` of a
    homogeneous linear predictor (negative when w misclassifies a point). ``w`` ≠ 0 of length d."""
    X, y = labelled_data(X, y)
    w = as_array(w, "w", ndim=1)
    if w.shape[0] != X.shape[1]:
        raise ValueError(f"w: expected length d = {X.shape[1]} (columns of X), got {w.shape[0]}")
    norm = float(np.linalg.norm(w))
    if norm == 0:
        raise ValueError("w: expected a nonzero vector (the normalized margin divides by ‖w‖)")
    return float(np.min(y * (X @ w)) / norm)


def soudry_data(kind: str = "symmetric", *, n_extra: int = 20, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    r"""Separable 2-D data whose homogeneous SVM is known in closed form.

    ``kind="symmetric"`` (Soudry et al.'s Figure 1): support vectors (0.5, 1.5) and (1.5, 0.5) with
    label +1 and their negatives with label −1, so ŵ = (½, ½), ‖ŵ‖ = 1/√2, and all dual variables are
    equal. ``kind="asymmetric"``: support vectors (0.3, 1.2) (label +1) and (−2, −0.4) (label −1),
    whose dual variables differ about sevenfold. Plus ``n_extra`` points (half of each label) drawn
    uniformly from [0, 3]² (mirrored for label −1) with y⟨ŵ, x⟩ ≥ 1.25, off the margin.
    """
    if kind not in ("symmetric", "asymmetric"):
        raise ValueError(f"kind: expected 'symmetric' or 'asymmetric', got {kind!r}")
    n_extra = check_count(n_extra, "n_extra", minimum=0)
    if kind == "symmetric":
        sv = np.array([[0.5, 1.5], [1.5, 0.5], [-0.5, -1.5], [-1.5, -0.5]])
        ysv = np.array([1.0, 1.0, -1.0, -1.0])
    else:
        sv = np.array([[0.3, 1.2], [-2.0, -0.4]])
        ysv = np.array([1.0, -1.0])
    z = ysv[:, None] * sv
    w_hat = np.linalg.lstsq(z, np.ones(len(z)), rcond=None)[0]
    g = rng(seed)
    kept: list[np.ndarray] = []
    while sum(len(k) for k in kept) < n_extra:
        cand = g.uniform(0.0, 3.0, size=(4 * n_extra + 8, 2))
        kept.append(cand[cand @ w_hat >= 1.25])
    extra = np.concatenate(kept)[:n_extra] if n_extra else np.zeros((0, 2))
    y_extra = np.where(np.arange(n_extra) % 2 == 0, 1.0, -1.0)
    return np.concatenate([sv, y_extra[:, None] * extra]), np.concatenate([ysv, y_extra])


def logistic_gd_path(X, y, *, eta: float, steps: int, records: int = 60, w0=None) -> LogisticPath:
    r"""GD with step ``eta`` on the summed logistic loss :math:`L(w) = \sum_i \log(1 + e^{-y_i\langle w,
    x_i\rangle})` from ``w0`` (default 0), recorded at about ``records`` steps spaced evenly in log t.

    L is β-smooth with β = σ_max(X)²/4, so Soudry et al.'s condition η < 2/β reads
    η < 8/σ_max(X)²; a larger ``eta`` raises ``ValueError``. Returns a :class:`LogisticPath`: ``t`` (the
    recorded steps), ``w`` (len(t) × d) and ``loss``. The loop is written out in in-place numpy operations,
    about 10⁵ steps a second in 2-D, rather than run by :mod:`ovptools.train`, whose per-step bookkeeping (the
    loss at every step) would cost more than the step itself on runs of 10⁶ steps.
    """
    X, y = labelled_data(X, y)
    eta = check_positive(eta, "eta")
    steps = check_count(steps, "steps")
    records = check_count(records, "records", minimum=2)
    limit = 8.0 / float(np.linalg.norm(X, 2)) ** 2
    if eta >= limit:
        raise ValueError(f"eta: the theorem needs eta < 8/σ_max(X)² = {limit:.4g}, got {eta}")
    w = np.zeros(X.shape[1]) if w0 is None else as_array(w0, "w0", ndim=1).astype(float).copy()
    if w.shape[0] != X.shape[1]:
        raise ValueError(f"w0: expected length d = {X.shape[1]}, got {w.shape[0]}")
    Z = y[:, None] * X
    ZT = np.ascontiguousarray(Z.T)
    t_rec = np.unique(np.geomspace(1, steps, records).astype(int))
    ws, losses = [], []
    margin, e = np.empty(len(Z)), np.empty(len(Z))
    done = 0
    for target in t_rec:  # (exp may overflow to inf far from the margin: 1/(1 + inf) = 0 is then exact)
        for _ in range(target - done):  # w ← w + η Σ_i z_i / (1 + e^{⟨w, z_i⟩})
            np.dot(Z, w, out=margin)
            with np.errstate(over="ignore"):
                np.exp(margin, out=e)
            e += 1.0
            np.reciprocal(e, out=e)
            w += eta * (ZT @ e)
        done = target
        ws.append(w.copy())
        losses.append(float(np.sum(np.logaddexp(0.0, -(Z @ w)))))
    return LogisticPath(t=t_rec, w=np.array(ws), loss=np.array(losses), eta=eta)


def soudry_experiment(X, y, *, eta: float | None = None, steps: int = 200_000, records: int = 60) -> SoudryExperiment:
    r"""GD on the logistic loss of separable data against Soudry et al.'s asymptotics.

    With ŵ the homogeneous hard-margin SVM, α its dual variables and S its support vectors, the
    theorem gives w(t) = ŵ ln t + ρ(t) with ρ(t) → w̃, where :math:`\eta\,e^{-y_n\langle \tilde w,
    x_n\rangle} = \alpha_n` for n ∈ S. Hence the predictions: ``pred_norm`` = ‖ŵ ln t + w̃‖ (slope
    ‖ŵ‖ against ln t), ``pred_loss`` = Σα/(ηt) = ‖ŵ‖²/(ηt), and ``pred_angle`` = ∠(ŵ ln t + w̃, ŵ),
    which is ≈ ‖P⊥w̃‖/(‖ŵ‖ ln t) unless w̃ ∥ ŵ (all α_n equal), when it falls faster.

    ``eta`` defaults to 4/σ_max(X)², half of the largest step the theorem allows. Returns a
    :class:`SoudryExperiment`: the path of :func:`logistic_gd_path` and ``norm``, ``angle`` (radians), the
    three predictions,
    ``w_hat``, ``alpha``, ``w_tilde`` (``w_tilde_perp`` = ‖P⊥w̃‖), and the fits over the last decade
    of t: ``norm_slope`` (d‖w‖/d ln t), ``loss_slope`` (of log L against log t) and
    ``angle_log_t`` (angle · ln t at the last step). When w̃ ∥ ŵ the angle falls faster than 1/ln t:
    angle · ln t then decays like t^(−κ) (``kappa`` = min(``lambda_min``, ``theta`` − 1), from linearizing the
    dynamics around ŵ ln t + w̃;
    ``angle_power`` is the measured log–log slope of angle · ln t over the last decade).
    """
    X, y = labelled_data(X, y)
    if eta is None:
        eta = 4.0 / float(np.linalg.norm(X, 2)) ** 2
    svm = hard_margin_svm(X, y)
    w_hat, alpha, S = svm.w, svm.alpha, svm.support
    Zs, alpha_s, counts = support_groups(X, y, svm)
    w_tilde = np.linalg.lstsq(Zs, np.log(eta * counts / alpha_s), rcond=None)[0]
    run = logistic_gd_path(X, y, eta=eta, steps=steps, records=records)
    t = run.t.astype(float)
    pred_w = np.log(t)[:, None] * w_hat + w_tilde
    u = w_hat / np.linalg.norm(w_hat)
    norm = np.linalg.norm(run.w, axis=1)
    angle = angles_to(run.w, w_hat)
    late = t >= t[-1] / 10
    # linearizing around ŵ ln t + w̃: the rest decays like t^(−κ), κ = min(λ_min⁺(Σ_S α_n z_n z_nᵀ), θ − 1),
    # θ = the smallest ⟨ŵ, z_n⟩ off the margin (those terms of the gradient decay like t^(−θ))
    eig = np.linalg.eigvalsh((Zs.T * alpha_s) @ Zs)
    off = (y[:, None] * X) @ w_hat
    off = off[off > 1.0 + 1e-8]
    lam_min, theta = float(eig[eig > 1e-12 * eig.max()].min()), float(off.min()) if len(off) else np.inf
    kappa = min(lam_min, theta - 1.0)
    return SoudryExperiment(
        t=run.t, w=run.w, loss=run.loss, eta=run.eta, norm=norm, angle=angle, w_hat=w_hat, alpha=alpha, support=S,
        w_tilde=w_tilde, w_tilde_perp=float(np.linalg.norm(w_tilde - (w_tilde @ u) * u)),
        pred_norm=np.linalg.norm(pred_w, axis=1), pred_loss=float(np.sum(alpha)) / (eta * t),
        pred_angle=angles_to(pred_w, w_hat),
        norm_slope=linear_slope(np.log(t[late]), norm[late]),
        loss_slope=linear_slope(np.log(t[late]), np.log(run.loss[late])),
        angle_log_t=float(angle[-1] * np.log(t[-1])), kappa=kappa, lambda_min=lam_min, theta=float(theta),
        angle_power=linear_slope(np.log(t[late]), np.log(angle[late] * np.log(t[late]))),
    )
