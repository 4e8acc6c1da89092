"""Input validation shared by every public function.

Every check raises ``ValueError`` naming the argument and what was expected, so a student
who passes the wrong thing learns which argument is wrong and why.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

ArrayLike = np.ndarray | torch.Tensor


def as_tensor(
    x: Any,
    name: str,
    *,
    ndim: int | tuple[int, ...] | None = None,
    dtype: torch.dtype | None = None,
    device: torch.device | str | None = None,
    finite: bool = True,
) -> torch.Tensor:
    """Return ``x`` as a floating torch tensor, checking its rank and that it is finite.

    numpy arrays share memory with the result where dtypes allow (no copy).
    """
    if isinstance(x, torch.Tensor):
        t = x
    elif isinstance(x, np.ndarray | list | tuple | float | int | np.number):
        arr = np.asarray(x)
        if arr.dtype == object or not (
            np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
        ):
            raise ValueError(f"{name}: expected a numeric array, got dtype {arr.dtype}")
        t = torch.from_numpy(np.ascontiguousarray(arr))
    else:
        raise ValueError(
            f"{name}: expected a numpy array or torch tensor, got {type(x).__name__}"
        )
    if not torch.is_floating_point(t):
        t = t.to(torch.get_default_dtype() if dtype is None else dtype)
    if dtype is not None and t.dtype != dtype:
        t = t.to(dtype)
    if device is not None:
        t = t.to(device)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if t.ndim not in allowed:
            want = " or ".join(f"{k}-D" for k in allowed)
            raise ValueError(f"{name}: expected a {want} array, got shape {tuple(t.shape)}")
    if finite and not _all_finite(t):
        bad = int((~torch.isfinite(t)).sum())
        raise ValueError(f"{name}: contains {bad} NaN or Inf value(s); expected finite numbers")
    return t


def _all_finite(t: torch.Tensor) -> bool:
    """True if every entry is finite. A finite sum proves it (NaN and Inf propagate through a
    sum), at the cost of one fast reduction; only a non-finite sum needs the entrywise check."""
    if t.device.type == "cpu" and t.dtype in (torch.float32, torch.float64):
        a = t.detach().numpy()
        return bool(np.isfinite(a.sum())) or bool(np.isfinite(a).all())
    return bool(torch.isfinite(t.sum())) or bool(torch.isfinite(t).all())


def check_same_rows(name_a: str, a: torch.Tensor, name_b: str, b: torch.Tensor) -> None:
    """Raise if ``a`` and ``b`` do not have the same number of rows (samples)."""
    if a.shape[0] != b.shape[0]:
        raise ValueError(
            f"{name_b}: expected {a.shape[0]} rows to match {name_a} "
            f"(shape {tuple(a.shape)}), got shape {tuple(b.shape)}"
        )


def check_unit_rows(X: torch.Tensor, name: str = "X", *, tol: float | None = None) -> None:
    """Raise if some row of ``X`` does not have Euclidean norm 1 (up to ``tol``)."""
    if tol is None:
        tol = 1e-4 if X.dtype in (torch.float16, torch.bfloat16, torch.float32) else 1e-8
    norms = torch.linalg.vector_norm(X, dim=1)
    err = float((norms - 1).abs().max()) if X.shape[0] else 0.0
    if err > tol:
        raise ValueError(
            f"{name}: the formula assumes unit-norm rows (||x_i|| = 1), but the largest "
            f"deviation is |‖x_i‖ - 1| = {err:.3g}; normalize with ovptools.normalize_rows({name})"
        )


def check_positive(value: float, name: str, *, allow_zero: bool = False) -> float:
    """Raise unless ``value`` is a finite number > 0 (or >= 0 with ``allow_zero``)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected a number, got {value!r}") from None
    ok = np.isfinite(v) and (v >= 0 if allow_zero else v > 0)
    if not ok:
        want = "a finite number >= 0" if allow_zero else "a finite number > 0"
        raise ValueError(f"{name}: expected {want}, got {value!r}")
    return v


def check_count(value: int, name: str, *, minimum: int = 1) -> int:
    """Raise unless ``value`` is an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value!r}")
    return int(value)


def like(out: torch.Tensor, ref: Any) -> ArrayLike:
    """Return ``out`` as a numpy array if ``ref`` was not a torch tensor, else as a tensor."""
    if isinstance(ref, torch.Tensor):
        return out
    return out.detach().cpu().numpy()
