"""Helpers shared by Part IV's experiments: a linear slope, angles and the check of a labelled data set
(the thread limit is :func:`ovptools._device.few_threads`, the log–log slope :func:`..common.loglog_slope`)."""

from __future__ import annotations

import numpy as np

from ..._validate import as_array


def labelled_data(X, y) -> tuple[np.ndarray, np.ndarray]:
    """Checked (X, y): X an n×d array, y of length n with entries ±1."""
    X = as_array(X, "X", ndim=2)
    y = as_array(y, "y", ndim=1)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y: expected {X.shape[0]} labels to match the rows of X (shape {X.shape}), got {y.shape[0]}")
    if X.shape[0] == 0:
        raise ValueError("X: expected at least one row")
    if not np.all(np.abs(y) == 1):
        raise ValueError(f"y: expected labels ±1, got values {np.unique(y)[:5].tolist()}")
    return X, y


def angles_to(W: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Angles (radians) between the rows of W and the vector u."""
    cos = W @ u / (np.linalg.norm(W, axis=1) * np.linalg.norm(u))
    return np.arccos(np.clip(cos, -1.0, 1.0))


def linear_slope(x, y) -> float:
    return float(np.polyfit(x, y, 1)[0])
