"""Tolerant comparisons for the assignments' tests, with messages that say what is wrong
(shape, type, NaN, a constant factor, a sign) without printing the expected answer."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np


def _to_numpy(x: Any, name: str) -> np.ndarray:
    torch = sys.modules.get("torch")  # a tensor can only exist if torch is imported: never import it here
    if torch is not None and isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    if x is None:
        raise AssertionError(f"{name} returned None: did you forget a `return` statement?")
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise AssertionError(
            f"{name} returned a {type(x).__name__}, expected a number or an array"
        ) from None
    return arr


def _factor_hint(actual: np.ndarray, expected: np.ndarray) -> str:
    mask = np.abs(expected) > 1e-12
    if not mask.any() or np.abs(actual[mask]).max() == 0:
        return ""
    ratios = actual[mask] / expected[mask]
    r = float(np.median(ratios))
    if np.allclose(ratios, r, rtol=1e-3, atol=0) and not np.isclose(r, 1.0):
        if np.isclose(r, -1.0):
            return " Every entry has the wrong sign."
        return f" Every entry is off by the same factor ({r:.4g}): check a scaling constant."
    return ""


def check_array(
    actual: Any,
    expected: Any,
    name: str,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    hint: str = "",
) -> None:
    """Assert that ``actual`` (numpy or torch) matches ``expected`` in shape and value.

    The message names ``name`` and says what differs; it never prints ``expected``.
    """
    a = _to_numpy(actual, name)
    e = np.asarray(_to_numpy(expected, "expected"), dtype=float)
    if a.shape != e.shape:
        extra = ""
        if a.ndim == 2 and a.shape == e.shape[::-1]:
            extra = " It looks transposed."
        elif a.size == e.size:
            extra = " Same number of entries: check reshapes, or a row vs a column."
        raise AssertionError(f"{name}: expected shape {e.shape}, got {a.shape}.{extra} {hint}".rstrip())
    if not np.all(np.isfinite(a)):
        raise AssertionError(f"{name}: the result contains NaN or Inf. {hint}".rstrip())
    if not np.allclose(a, e, rtol=rtol, atol=atol):
        err = np.abs(a - e)
        where = np.unravel_index(np.argmax(err), err.shape) if err.ndim else ()
        at = f" (largest at index {tuple(int(i) for i in where)})" if where else ""
        raise AssertionError(
            f"{name}: values are wrong; max abs error {err.max():.3g}{at}."
            f"{_factor_hint(a, e)} {hint}".rstrip()
        )


def check_scalar(
    actual: Any, expected: float, name: str, *, rtol: float = 1e-6, atol: float = 1e-10, hint: str = ""
) -> None:
    """Assert that ``actual`` is a single finite number close to ``expected``."""
    a = _to_numpy(actual, name)
    if a.size != 1:
        raise AssertionError(f"{name}: expected a single number, got an array of shape {a.shape}")
    check_array(a.reshape(()), np.asarray(expected, dtype=float).reshape(()), name, rtol=rtol, atol=atol, hint=hint)
