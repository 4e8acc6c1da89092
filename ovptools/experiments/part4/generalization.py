"""Lecture 10: the regularized path to the max margin (Rosset, Zhu & Hastie 2004; Wei, Lee, Liu & Ma
2019), a homogeneous net's normalized and smoothed margins (Lyu & Li 2020), and generalization against width with a
norm-based capacity measure (Golowich, Rakhlin & Shamir 2018)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..._device import few_threads
from ..._validate import check_count, check_positive, rng
from ...train import DivergenceError
from .common import labelled_data
from .svm import hard_margin_svm, support_groups


@dataclass(frozen=True)
class RegularizedMargins:
    """Minimizers of the ℓ2-regularized logistic loss, one per λ (:func:`regularized_margins`): ``lams``
    (decreasing), ``w`` (one row per λ), ``margin`` γ(w_λ), ``norm`` ‖w_λ‖, ``grad_norm`` ‖∇L_λ(w_λ)‖, the limit
    ``max_margin`` 1/‖ŵ‖, and the asymptotic predictions ``pred_margin`` and ``pred_norm``."""

    lams: np.ndarray
    w: np.ndarray
    margin: np.ndarray
    norm: np.ndarray
    grad_norm: np.ndarray
    max_margin: float
    pred_margin: np.ndarray
    pred_norm: np.ndarray


@dataclass(frozen=True)
class MarginRun:
    r"""GD on a homogeneous two-layer net (:func:`two_layer_margin_run`).

    At the recorded steps ``step``: ``loss`` (mean logistic), ``train_error``, ``test_error`` (empty without test
    data), ``margin`` γ(θ), ``raw_margin`` min_i y_i f(θ; x_i), ``frob_product`` ‖W‖_F‖a‖₂, ``capacity``
    ‖W‖_F‖a‖₂/(raw margin·√n) (NaN while a point is misclassified). At every step k = 0..steps: ``margin_all``
    γ(θ_k) and ``smoothed_all`` (Lyu & Li's smoothed margin, NaN while the summed loss is ≥ ln 2). And ``m``,
    ``n``, ``params`` = m(d + 1), the final ``W`` (m×d) and ``a`` (m), ``frob_init`` = ‖W(0)‖_F‖a(0)‖₂.
    """

    step: np.ndarray
    loss: np.ndarray
    train_error: np.ndarray
    test_error: np.ndarray
    margin: np.ndarray
    raw_margin: np.ndarray
    frob_product: np.ndarray
    capacity: np.ndarray
    margin_all: np.ndarray
    smoothed_all: np.ndarray
    m: int
    n: int
    params: int
    W: np.ndarray
    a: np.ndarray
    frob_init: float


@dataclass(frozen=True)
class WidthSweep:
    """Two-layer nets of several widths (:func:`width_sweep`): ``widths``, ``params`` (m(d + 1)), ``runs`` (one
    :class:`MarginRun` per width), ``frob_init``, and at the last step, per width, ``train_error``,
    ``test_error``, ``margin``, ``capacity`` and ``frob_product``."""

    widths: np.ndarray
    params: np.ndarray
    runs: tuple[MarginRun, ...]
    frob_init: np.ndarray
    train_error: np.ndarray
    test_error: np.ndarray
    margin: np.ndarray
    capacity: np.ndarray
    frob_product: np.ndarray


def regularized_margins(X, y, lams) -> RegularizedMargins:
    r"""Normalized margins of the minimizers of the ℓ2-regularized logistic loss
    :math:`L_\lambda(w) = \sum_i \log(1 + e^{-y_i\langle w, x_i\rangle}) + \frac\lambda2\|w\|^2`, one per λ.

    Each minimizer is found by damped Newton steps (L_λ is λ-strongly convex), warm-started from the previous λ
    (sorted from large to small). Returns a :class:`RegularizedMargins`: ``lams`` (decreasing), ``w`` (one row per
    λ), ``margin`` (γ(w_λ)), ``norm`` (‖w_λ‖), ``grad_norm`` (‖∇L_λ(w_λ)‖, the optimality check), and ``max_margin``
    = 1/‖ŵ‖, the limit Rosset, Zhu & Hastie prove as λ → 0 for separable data.

    The asymptotic prediction: with e^{-u} for the loss's tail, stationarity λw = Σ_i e^{−⟨w, z_i⟩} z_i
    (z_i = y_i x_i) is solved on the support vectors by w = s_λ ŵ + v with λ s_λ e^{s_λ} = 1
    (s_λ = W₀(1/λ) ≈ ln(1/λ) − ln ln(1/λ), Lambert's W) and ⟨v, z_n⟩ = −ln α_n. ``pred_margin`` and
    ``pred_norm`` are γ and ‖·‖ of that w, so the gap to the max margin shrinks like 1/ln(1/λ).
    """
    from scipy.special import expit, lambertw

    X, y = labelled_data(X, y)
    lams = np.sort(np.array([check_positive(v, "lams") for v in np.atleast_1d(lams)]))[::-1]
    Z = y[:, None] * X
    d = X.shape[1]

    def value(w, lam):
        return float(np.sum(np.logaddexp(0.0, -(Z @ w))) + 0.5 * lam * w @ w)

    w = np.zeros(d)
    ws, gnorms = [], []
    for lam in lams:
        for _ in range(200):
            p = expit(-(Z @ w))  # −ℓ'(⟨w, z_i⟩)
            grad = lam * w - Z.T @ p
            if np.linalg.norm(grad) <= 1e-12 * max(1.0, lam * np.linalg.norm(w)):
                break
            hess = (Z.T * (p * (1 - p))) @ Z + lam * np.eye(d)
            step = np.linalg.solve(hess, grad)
            s, f0 = 1.0, value(w, lam)
            while value(w - s * step, lam) > f0 - 0.25 * s * grad @ step and s > 1e-10:
                s /= 2
            w = w - s * step
        ws.append(w.copy())
        gnorms.append(float(np.linalg.norm(lam * w - Z.T @ expit(-(Z @ w)))))
    W = np.array(ws)
    margins = np.min(W @ Z.T, axis=1) / np.linalg.norm(W, axis=1)
    svm = hard_margin_svm(X, y)
    Zs, alpha_s, counts = support_groups(X, y, svm)
    v = np.linalg.lstsq(Zs, np.log(counts / alpha_s), rcond=None)[0]
    s_lam = np.real(lambertw(1.0 / lams))
    W_pred = s_lam[:, None] * svm.w + v
    return RegularizedMargins(lams=lams, w=W, margin=margins, norm=np.linalg.norm(W, axis=1),
                              grad_norm=np.array(gnorms), max_margin=1.0 / float(np.linalg.norm(svm.w)),
                              pred_margin=np.min(W_pred @ Z.T, axis=1) / np.linalg.norm(W_pred, axis=1),
                              pred_norm=np.linalg.norm(W_pred, axis=1))


def two_layer_margin_run(
    X, y, m: int, *, steps: int, eta: float, scale: float = 1.0, seed: int = 0,
    X_test=None, y_test=None, records: int = 40,
) -> MarginRun:
    r"""GD on the mean logistic loss of the homogeneous two-layer net
    :math:`f(\theta; x) = \sum_{r=1}^m a_r\,\mathrm{relu}(\langle w_r, x\rangle)`, both layers trained,
    θ = (W, a), from w_r ~ N(0, scale² I), a_r ~ N(0, scale²/m), relu'(0) = 1. numpy, float64. Returns a
    :class:`MarginRun`; a step that overflows raises :class:`~ovptools.train.DivergenceError`.

    f is 2-homogeneous in θ, so its normalized margin is :math:`\gamma(\theta) = \min_i y_i f(\theta;
    x_i)/\|\theta\|^2`. Recorded at about ``records`` steps spaced evenly in log k: ``loss``,
    ``train_error``, ``test_error`` (with test data), ``margin`` (γ(θ)), ``raw_margin``
    (min_i y_i f(θ; x_i)), ``frob_product`` (‖W‖_F‖a‖₂) and ``capacity`` (‖W‖_F‖a‖₂/(raw margin·√n),
    Golowich–Rakhlin–Shamir's measure; NaN while some point is misclassified). Also ``frob_init``
    = ‖W(0)‖_F‖a(0)‖₂, ``params`` = m(d + 1) and the final ``W``, ``a``.

    At **every** step k = 0..``steps`` (θ after k updates): ``margin_all`` (γ(θ_k)) and
    ``smoothed_all``, Lyu & Li's smoothed normalized margin :math:`\tilde\gamma(\theta) =
    \ell^{-1}(L_{\rm sum}(\theta))/\|\theta\|^2 = -\ln(e^{L_{\rm sum}} - 1)/\|\theta\|^2`, with
    :math:`L_{\rm sum} = \sum_i \ell(y_i f(\theta; x_i))` the summed loss (n times the mean that GD
    descends); NaN while :math:`L_{\rm sum} \ge \ln 2`, where ℓ⁻¹ is not positive. Since
    :math:`L_{\rm sum} \ge \ell(\min_i y_i f)`, :math:`\tilde\gamma \le \gamma`.
    """
    X, y = labelled_data(X, y)
    m, steps = check_count(m, "m"), check_count(steps, "steps")
    eta, scale = check_positive(eta, "eta"), check_positive(scale, "scale")
    records = check_count(records, "records", minimum=2)
    if X_test is not None or y_test is not None:
        X_test, y_test = labelled_data(X_test, y_test)
        if X_test.shape[1] != X.shape[1]:
            raise ValueError(f"X_test: expected {X.shape[1]} columns like X, got shape {X_test.shape}")

    n = len(X)
    g = rng(seed)
    W = scale * g.standard_normal((m, X.shape[1]))
    a = scale * g.standard_normal(m) / np.sqrt(m)
    rec = set(np.unique(np.geomspace(1, steps, records).astype(int)).tolist())
    frob_init = float(np.linalg.norm(W) * np.linalg.norm(a))
    keys = ("step", "loss", "train_error", "test_error", "margin", "raw_margin", "frob_product", "capacity")
    out: dict[str, list] = {k: [] for k in (*keys, "margin_all", "smoothed_all")}
    # small products: BLAS threads only contend for the cores; a diverging step is caught on the next step
    with few_threads(blas=True), np.errstate(over="ignore", invalid="ignore"):
        _two_layer_gd(X, y, W, a, eta, steps, rec, out, X_test, y_test)
    return MarginRun(**{k: np.array(v) for k, v in out.items()}, m=m, n=n, params=m * (X.shape[1] + 1),
                     W=W, a=a, frob_init=frob_init)


def _margins_now(z, W, a, out) -> None:
    """Append γ(θ) and Lyu–Li's smoothed margin −ln(e^{L_sum} − 1)/‖θ‖² (NaN if L_sum ≥ ln 2) to ``out``."""
    theta2 = float(np.sum(W**2) + a @ a)
    loss_sum = float(np.sum(np.logaddexp(0.0, -z)))
    out["margin_all"].append(float(z.min()) / theta2)
    out["smoothed_all"].append(-np.log(np.expm1(loss_sum)) / theta2 if loss_sum < np.log(2) else float("nan"))


def _two_layer_gd(X, y, W, a, eta, steps, rec, out, X_test, y_test) -> None:
    """The GD loop of :func:`two_layer_margin_run`: updates W and a in place, appends to ``out``. Written out
    rather than run by :mod:`ovptools.train`: it measures the margins of every iterate from the forward pass
    that the step reuses, and its net (homogeneous, no 1/√m, mean logistic loss) is not the two-layer problem
    there."""
    from scipy.special import expit

    n = len(X)
    for k in range(1, steps + 1):
        pre = X @ W.T
        h = np.maximum(pre, 0.0)
        z = y * (h @ a)
        if not np.all(np.isfinite(z)):
            raise DivergenceError(f"eta: GD diverged at step {k} with eta = {eta}; try a smaller step",
                                  iteration=k - 1, eta=eta)
        _margins_now(z, W, a, out)  # θ after k − 1 updates
        gf = -y * expit(-z) / n  # ∂(mean loss)/∂f_i = −y_i/(1 + e^{z_i})/n
        grad_a = h.T @ gf
        grad_W = ((gf[:, None] * a) * (pre >= 0)).T @ X
        a -= eta * grad_a
        W -= eta * grad_W
        if k in rec:
            z = y * (np.maximum(X @ W.T, 0.0) @ a)
            frob = float(np.linalg.norm(W) * np.linalg.norm(a))
            out["step"].append(k)
            out["loss"].append(float(np.mean(np.logaddexp(0.0, -z))))
            out["train_error"].append(float(np.mean(z <= 0)))
            if X_test is not None:
                out["test_error"].append(float(np.mean(y_test * (np.maximum(X_test @ W.T, 0.0) @ a) <= 0)))
            out["margin"].append(float(z.min() / (np.sum(W**2) + a @ a)))
            out["raw_margin"].append(float(z.min()))
            out["frob_product"].append(frob)
            out["capacity"].append(frob / (z.min() * np.sqrt(n)) if z.min() > 0 else float("nan"))
    _margins_now(y * (np.maximum(X @ W.T, 0.0) @ a), W, a, out)  # θ after all the updates


def digits_parity(*, n_train: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """All ten digits (unit rows), labelled +1 for even and −1 for odd: ``(X, y, X_test, y_test)``,
    ``n_train`` training points and every other digit for testing."""
    from ...data import digits

    X, t, Xte, tte = digits(tuple(range(10)), n_train=check_count(n_train, "n_train"), seed=seed)
    return X, np.where(t % 2 == 0, 1.0, -1.0), Xte, np.where(tte % 2 == 0, 1.0, -1.0)


def width_sweep(widths=(16, 64, 256, 1024), *, n_train: int = 300, steps: int = 2000, eta: float = 2.0,
                scale: float = 1.0, seed: int = 0, records: int = 30) -> WidthSweep:
    r"""Two-layer nets of several widths trained by :func:`two_layer_margin_run` on
    :func:`digits_parity`. Returns a :class:`WidthSweep`: ``widths``, ``params`` (m(d + 1)), ``runs`` (one
    :class:`MarginRun` per width)
    and, at the last step, ``train_error``, ``test_error``, ``margin``, ``capacity``, ``frob_product``;
    ``frob_init`` per width."""
    widths = [check_count(m, "widths") for m in widths]
    X, y, Xte, yte = digits_parity(n_train=n_train, seed=seed)
    runs = [two_layer_margin_run(X, y, m, steps=steps, eta=eta, scale=scale, seed=seed + 1 + j,
                                 X_test=Xte, y_test=yte, records=records) for j, m in enumerate(widths)]
    last = {k: np.array([getattr(r, k)[-1] for r in runs])
            for k in ("train_error", "test_error", "margin", "capacity", "frob_product")}
    return WidthSweep(widths=np.array(widths), params=np.array([r.params for r in runs]), runs=tuple(runs),
                      frob_init=np.array([r.frob_init for r in runs]), **last)
