"""Data sets used by the course. Every sampler takes an explicit ``seed`` and returns numpy arrays.

Inputs are rows of ``X`` (shape n×d), as in the notation table; most theorems assume ‖x_i‖ = 1.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_array, check_choice, check_count, check_positive, check_same_rows, rng


def normalize_rows(X: np.ndarray) -> np.ndarray:
    r"""Scale every row to unit Euclidean norm: :math:`x_i \mapsto x_i / \|x_i\|_2`.

    Each row is divided by *its own* norm (not by the Frobenius norm of the whole matrix,
    which would leave the points nearly parallel). Zero rows raise ``ValueError``.
    """
    return _unit_rows(as_array(X, "X", ndim=2))


def _unit_rows(X: np.ndarray) -> np.ndarray:
    """:func:`normalize_rows` for a float array already checked (the data sets below draw their own)."""
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    if np.any(norms == 0):
        raise ValueError(f"X: row(s) {np.flatnonzero(norms[:, 0] == 0)[:5].tolist()} are zero")
    return X / norms


def sphere(n: int, d: int, *, seed: int, dtype: np.dtype | type = np.float64) -> np.ndarray:
    r"""``n`` points drawn uniformly from the unit sphere :math:`S^{d-1}`, as rows (n×d).

    A standard Gaussian vector divided by its norm is uniform on the sphere (normalizing a
    uniform cube is not). Example: ``X = sphere(1000, 1000, seed=0)``.
    """
    n, d = check_count(n, "n"), check_count(d, "d", minimum=1)
    g = rng(seed).standard_normal((n, d))
    return _unit_rows(g).astype(dtype, copy=False)


def gaussian_labels(n: int, *, seed: int, dtype: np.dtype | type = np.float64) -> np.ndarray:
    """``n`` labels y_i ~ N(0, 1) i.i.d. (the labels of Du et al.'s experiment)."""
    n = check_count(n, "n")
    return rng(seed).standard_normal(n).astype(dtype, copy=False)


def separated_data(
    n: int, d: int, *, phi: float, mu: float = 0.5, seed: int, labels: str = "halfspace", max_tries: int = 1000
) -> tuple[np.ndarray, np.ndarray]:
    r"""Binary data satisfying Zou et al.'s assumptions: ‖x_i‖ = 1, last coordinate = μ,
    and :math:`\|x_i - x_j\|_2 \ge \phi` whenever :math:`y_i \ne y_j`.

    The first d−1 coordinates are uniform on the sphere of radius :math:`\sqrt{1-\mu^2}`, and points
    with :math:`|u^\top x| < \phi/2` for a random direction ``u`` are resampled. ``labels``:

    - ``"halfspace"`` (default): :math:`y_i = \mathrm{sign}(u^\top x_i)`, so the classes are linearly
      separable with margin φ/2, which guarantees the separation
      (:math:`\|x_i - x_j\| \ge |u^\top(x_i - x_j)| \ge \phi`) — an easy special case of the assumption;
    - ``"random"``: fair coin flips, independent of the inputs (Zou et al.'s setting: arbitrary labels
      on separated points). A candidate closer than φ to an earlier point is resampled as well, so every
      pair, whatever its labels, is φ apart; the inputs are those of ``"halfspace"`` with the same seed
      unless such a candidate occurs.

    Returns ``(X, y)``, y ∈ {±1}^n.
    """
    n, d = check_count(n, "n"), check_count(d, "d", minimum=2)
    phi = check_positive(phi, "phi")
    labels = check_choice(labels, "labels", ("halfspace", "random"))
    mu = check_positive(mu, "mu", allow_zero=True)
    if mu >= 1:
        raise ValueError(f"mu: expected a number in [0, 1), got {mu!r}")
    rho = np.sqrt(1.0 - mu**2)
    if phi / 2 >= rho:
        raise ValueError(f"phi: must be < 2·sqrt(1 - mu²) = {2 * rho:.3g}, got {phi}")
    g = rng(seed)
    u = g.standard_normal(d - 1)
    u /= np.linalg.norm(u)
    kept: list[np.ndarray] = []
    count = 0
    for _ in range(max_tries):
        z = rho * _unit_rows(g.standard_normal((max(2 * n, 64), d - 1)))
        z = z[np.abs(z @ u) >= phi / 2]
        if labels == "random":
            z = _far_apart(z, kept, phi, n - count)
        kept.append(z)
        count += len(z)
        if count >= n:
            break
    else:
        typical = rho / np.sqrt(d - 1)
        if labels == "random":
            raise ValueError(f"phi: {phi} is too large to place n = {n} points pairwise φ apart in d = {d} "
                             f"({count} placed in {max_tries} rounds); try a smaller phi or n, or a larger d")
        raise ValueError(
            f"phi: {phi} is too large for d = {d}: projections have typical size {typical:.3g}; "
            f"try phi <= {typical:.3g}"
        )
    z = np.concatenate(kept)[:n]
    X = np.concatenate([z, np.full((n, 1), mu)], axis=1)
    if labels == "random":
        return X, g.choice([-1.0, 1.0], size=n)
    return X, np.where(z @ u >= 0, 1.0, -1.0)


def _far_apart(z: np.ndarray, kept: list[np.ndarray], phi: float, need: int) -> np.ndarray:
    """The rows of ``z``, in order, that are at least ``phi`` from every row kept so far (greedy), at most ``need``."""
    chosen = list(np.concatenate(kept)) if kept else []
    start = len(chosen)
    for row in z:
        if len(chosen) - start >= need:
            break
        if not chosen or np.min(np.linalg.norm(np.asarray(chosen) - row, axis=1)) >= phi:
            chosen.append(row)
    return np.asarray(chosen[start:]).reshape(-1, z.shape[1])


def min_separation(X: np.ndarray, y: np.ndarray) -> float:
    r"""The data separation :math:`\phi = \min_{y_i \ne y_j} \|x_i - x_j\|_2` over every pair with
    different labels (any number of classes: ±1, or the 0…9 of :func:`digits`); inf with one class."""
    X = as_array(X, "X", ndim=2)
    y = as_array(y, "y", ndim=1)
    check_same_rows("X", X, "y", y)
    sq = (X**2).sum(1)
    best = np.inf
    for start in range(0, len(X), 1024):  # blocks of rows keep memory at 1024·n numbers
        rows = slice(start, start + 1024)
        d2 = sq[rows, None] + sq[None, :] - 2 * X[rows] @ X.T
        differ = y[rows, None] != y[None, :]
        if differ.any():
            best = min(best, float(d2[differ].min()))
    return float(np.sqrt(max(best, 0.0))) if np.isfinite(best) else float("inf")


def digits(
    classes: tuple[int, ...] = (0, 1),
    *,
    n_train: int | None = None,
    n_test: int | None = None,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8×8 digits (no download), rows scaled to unit norm.

    With two classes the labels are ±1 (first class → −1, second → +1); with more they
    are class indices 0..k−1 in the order of ``classes``. The samples are shuffled with
    ``seed`` and split into ``(X_train, y_train, X_test, y_test)``: ``n_train`` training
    points (default: 70%), and ``n_test`` test points (default: all the rest).
    """
    from sklearn.datasets import load_digits

    classes = tuple(int(c) for c in classes)
    if len(classes) < 2 or len(set(classes)) != len(classes) or not all(
        0 <= c <= 9 for c in classes
    ):
        raise ValueError(f"classes: expected two or more distinct digits 0-9, got {classes}")
    images, digit = load_digits(return_X_y=True)
    mask = np.isin(digit, classes)
    X, t = np.asarray(images)[mask].astype(float), np.asarray(digit)[mask]
    order = rng(seed).permutation(len(X))
    X, t = _unit_rows(X[order]), t[order]
    index = {c: i for i, c in enumerate(classes)}
    y = np.array([index[c] for c in t], dtype=float)
    if len(classes) == 2:
        y = 2 * y - 1
    total = len(X)
    n_train = int(0.7 * total) if n_train is None else check_count(n_train, "n_train")
    rest = total - n_train
    n_test = rest if n_test is None else check_count(n_test, "n_test", minimum=0)
    if n_train + n_test > total:
        raise ValueError(
            f"n_train + n_test: {n_train} + {n_test} exceeds the {total} digits of classes {classes}"
        )
    s = slice(n_train, n_train + n_test)
    return X[:n_train], y[:n_train], X[s], y[s]


def least_squares_data(n: int, d: int, *, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows x_i ~ N(0, I_d/d) and y = X w* + noise·ε with w* ~ N(0, I_d), ε ~ N(0, I_n)."""
    n, d = check_count(n, "n"), check_count(d, "d")
    noise = check_positive(noise, "noise", allow_zero=True)
    g = rng(seed)
    X = g.standard_normal((n, d)) / np.sqrt(d)
    return X, X @ g.standard_normal(d) + noise * g.standard_normal(n)


def logistic_data(n: int, d: int, *, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Unit-norm inputs and ±1 labels drawn from a logistic model around a random direction."""
    n, d = check_count(n, "n"), check_count(d, "d")
    g = rng(seed)
    u = g.standard_normal(d)
    u /= np.linalg.norm(u)
    X = _unit_rows(g.standard_normal((n, d)))
    p = 1 / (1 + np.exp(-1.5 * np.sqrt(d) * X @ u))
    return X, np.where(g.random(n) < p, 1.0, -1.0)


def teacher_data(
    n: int, d: int, k0: int, *, seed: int
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    r"""Inputs on the unit sphere labelled by a random two-layer ReLU *teacher* with k₀ neurons:
    :math:`y = \frac{1}{\sqrt{k_0}} \sum_j a_j \sigma(w_j^\top x)`, w_j ~ N(0, I_d), a_j = ±1.

    Returns ``(X, y, (W_teacher, a_teacher))`` with W_teacher of shape k₀×d.
    """
    n, d, k0 = check_count(n, "n"), check_count(d, "d"), check_count(k0, "k0")
    g = rng(seed)
    W = g.standard_normal((k0, d))
    a = g.choice([-1.0, 1.0], size=k0)
    X = _unit_rows(g.standard_normal((n, d)))
    y = np.maximum(X @ W.T, 0) @ a / np.sqrt(k0)
    return X, y, (W, a)
