"""Helpers shared by Part IV's experiments: a one-thread context for lecture-size products,
slopes, angles and the check of a labelled data set."""

from __future__ import annotations

import contextlib

import numpy as np
import torch

from ..._validate import as_array


@contextlib.contextmanager
def one_thread():
    """Run lecture-size products on one thread (torch and numpy's BLAS, through threadpoolctl when installed).

    They gain nothing from threads, and on a shared 2-core machine threads that wait on each other are
    slower by orders of magnitude (a 3 s experiment took 60 s with two BLAS threads and the other core busy).
    Also usable as a decorator; the previous settings come back afterwards.
    """
    before = torch.get_num_threads()
    try:
        import scipy.optimize  # noqa: F401  (load scipy's own BLAS first, so that the limit reaches it)
        from threadpoolctl import threadpool_limits

        blas = threadpool_limits(limits=1)
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        blas = contextlib.nullcontext()
    torch.set_num_threads(1)
    try:
        with blas:
            yield
    finally:
        torch.set_num_threads(before)



def loglog_slope(x, y) -> float:
    return float(np.polyfit(np.log(np.asarray(x, dtype=float)), np.log(np.asarray(y, dtype=float)), 1)[0])


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
