"""Lecture 10: the homogeneous hard-margin SVM (no intercept), by coordinate ascent on its dual and, as an
independent check, by scikit-learn."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..._validate import check_count, check_positive
from .common import labelled_data


@dataclass(frozen=True)
class SVM:
    """The homogeneous hard-margin SVM (:func:`hard_margin_svm`): ``w`` (ŵ, margin 1), the dual variables
    ``alpha`` (n), the indices ``support`` with α_i > 0, and the number of ``sweeps`` of coordinate ascent."""

    w: np.ndarray
    alpha: np.ndarray
    support: np.ndarray
    sweeps: int


@dataclass(frozen=True)
class SVMReference:
    """scikit-learn's homogeneous hard-margin SVM (:func:`svm_reference`): ``w`` (margin 1), the fitted
    ``intercept`` (≈ 0) and ``support`` (indices into X of the support vectors)."""

    w: np.ndarray
    intercept: float
    support: np.ndarray


def hard_margin_svm(X, y, *, tol: float = 1e-10, max_sweeps: int = 100_000) -> SVM:
    r"""The homogeneous hard-margin SVM :math:`\hat w = \arg\min \|w\|_2` s.t. :math:`y_i\langle w,
    x_i\rangle \ge 1` (no intercept), by coordinate ascent on its dual
    :math:`\max_{\alpha \ge 0} \sum_i \alpha_i - \frac12\|\sum_i \alpha_i y_i x_i\|^2`, with
    :math:`\hat w = \sum_i \alpha_i y_i x_i`.

    Stops when every KKT condition holds to ``tol`` (y_i⟨ŵ, x_i⟩ ≥ 1 − tol, and |y_i⟨ŵ, x_i⟩ − 1| ≤ tol
    where α_i > 0). Returns an :class:`SVM`: ``w`` (ŵ, margin 1), ``alpha``, ``support`` (indices with α_i > 0),
    ``sweeps``. Without convergence in ``max_sweeps`` sweeps (as on data not separable through the
    origin, where the dual is unbounded) it raises ``ValueError``.
    """
    X, y = labelled_data(X, y)
    tol = check_positive(tol, "tol")
    max_sweeps = check_count(max_sweeps, "max_sweeps")
    Z = y[:, None] * X  # rows y_i x_i: the constraints read ⟨w, z_i⟩ ≥ 1
    sq = np.einsum("ij,ij->i", Z, Z)
    if np.any(sq == 0):
        raise ValueError("X: a zero row can never satisfy y_i⟨w, x_i⟩ ≥ 1 (not separable through the origin)")
    alpha, w = np.zeros(len(Z)), np.zeros(X.shape[1])
    sweeps = 0
    while sweeps < max_sweeps:
        sweeps += 1
        for i in range(len(Z)):
            new = max(0.0, alpha[i] + (1.0 - Z[i] @ w) / sq[i])
            w += (new - alpha[i]) * Z[i]
            alpha[i] = new
        m = Z @ w
        if np.all(m >= 1 - tol) and np.all(np.abs(m[alpha > 0] - 1) <= tol):
            break
    else:
        raise ValueError(f"max_sweeps: the dual did not converge to tol = {tol} in {max_sweeps} sweeps "
                         "(are the data separable through the origin?)")
    return SVM(w=w, alpha=alpha, support=np.flatnonzero(alpha > 1e-12 * alpha.max()), sweeps=sweeps)


def svm_direction(X, y) -> np.ndarray:
    r"""The unit vector :math:`\hat w/\|\hat w\|` of the homogeneous hard-margin SVM (:func:`hard_margin_svm`)."""
    w = hard_margin_svm(X, y).w
    return w / np.linalg.norm(w)


def svm_reference(X, y, *, C: float = 1e8) -> SVMReference:
    r"""The homogeneous hard-margin SVM by scikit-learn, as an independent check of :func:`hard_margin_svm`.

    ``SVC(kernel="linear")`` always fits an intercept b. Fitted on the data together with its mirror
    image {(−x_i, −y_i)}, the problem is symmetric under b → −b, so (ŵ, 0) is optimal and the ``w``
    found is the homogeneous SVM's. A large ``C`` makes the soft margin hard. Returns an :class:`SVMReference`: ``w``
    (margin 1), ``intercept`` (≈ 0) and ``support`` (indices into X of the support vectors).
    """
    from sklearn.svm import SVC

    X, y = labelled_data(X, y)
    C = check_positive(C, "C")
    n = len(X)
    svc = SVC(kernel="linear", C=C, tol=1e-8).fit(np.concatenate([X, -X]), np.concatenate([y, -y]))
    return SVMReference(w=svc.coef_[0].copy(), intercept=float(svc.intercept_[0]),
                        support=np.unique(svc.support_ % n))


def support_groups(X, y, svm: SVM) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct support vectors z = y_n x_n, each with its summed dual variable and its number of
    copies: k identical points act as one with k times the gradient, so only the sum of their α_n is
    determined (the symmetric data have each z twice)."""
    Z = y[:, None] * X
    on_margin = np.flatnonzero(np.abs(Z @ svm.w - 1.0) <= 1e-8)
    Zs, inverse, counts = np.unique(np.round(Z[on_margin], 12), axis=0, return_inverse=True, return_counts=True)
    alpha = np.bincount(inverse.ravel(), weights=svm.alpha[on_margin], minlength=len(Zs))
    keep = alpha > 1e-12 * alpha.max()
    return Zs[keep], alpha[keep], counts[keep].astype(float)
