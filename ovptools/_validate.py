"""The one place where arguments are checked; every public function of ovptools goes through it.

Every check raises ``ValueError`` naming the argument and saying what was expected, so a student who
passes the wrong thing learns which argument is wrong and why. The conversions implement the
conventions of the package docstring: integer input becomes float64, complex input is refused, and
:func:`like` gives the output the type of the first array argument.

Checked once: a tensor that :func:`as_tensor` made (from numpy, or by a dtype or device conversion) and found
finite is remembered with its version counter, so an inner call that receives it again (a trainer's recorder
computing a kernel at its stored ``X`` at every record) skips the pass over its entries; an in-place change bumps
the counter and brings the check back. Tensors a caller made are checked at every door (they may share memory
with a numpy array, whose writes torch does not count).

torch is imported only by the functions that need it, so the numpy-only parts of the package (Part I's
optimizers, the training engine) load without it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, overload

import numpy as np

if TYPE_CHECKING:
    import torch

    ArrayLike = np.ndarray | torch.Tensor
else:
    ArrayLike = Any


def _numeric_array(x: Any, name: str) -> np.ndarray:
    """``x`` as a numpy array of real numbers (bools and integers become float64)."""
    try:
        arr = np.asarray(x)
    except ValueError:  # numpy >= 1.24 refuses ragged nested lists
        raise ValueError(f"{name}: expected a rectangular array, got a ragged nested list") from None
    if arr.dtype == object:
        raise ValueError(f"{name}: expected a rectangular numeric array, got a ragged or non-numeric one")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise ValueError(f"{name}: expected real numbers, got complex dtype {arr.dtype}")
    if not (np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)):
        raise ValueError(f"{name}: expected a numeric array, got dtype {arr.dtype}")
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    return arr


def check_ndim(shape: tuple[int, ...], name: str, ndim: int | tuple[int, ...] | None) -> None:
    if ndim is None:
        return
    allowed = (ndim,) if isinstance(ndim, int) else ndim
    if len(shape) not in allowed:
        want = " or ".join(f"{k}-D" for k in allowed)
        raise ValueError(f"{name}: expected a {want} array, got shape {tuple(shape)}")


def as_array(x: Any, name: str, *, ndim: int | tuple[int, ...] | None = None, finite: bool = True) -> np.ndarray:
    """``x`` (numpy, list, number or a torch tensor) as a float numpy array, checked like :func:`as_tensor`."""
    if type(x).__module__.startswith("torch"):
        x = x.detach().cpu().numpy()
    arr = _numeric_array(x, name)
    check_ndim(arr.shape, name, ndim)
    if finite and not _all_finite_array(arr):
        bad = int((~np.isfinite(arr)).sum())
        raise ValueError(f"{name}: contains {bad} NaN or Inf value(s); expected finite numbers")
    return arr


def as_tensor(
    x: Any,
    name: str,
    *,
    ndim: int | tuple[int, ...] | None = None,
    dtype: torch.dtype | None = None,
    device: torch.device | str | None = None,
    finite: bool = True,
) -> torch.Tensor:
    """``x`` as a floating torch tensor, checking its rank and that it is finite.

    numpy arrays share memory with the result where dtypes allow (no copy). Integer and boolean
    input becomes float64 (or ``dtype``); complex input raises.
    """
    import torch

    if _checked_before(x, dtype, device):
        check_ndim(tuple(x.shape), name, ndim)
        return x
    if isinstance(x, torch.Tensor):
        t = x
        if t.is_complex():
            raise ValueError(f"{name}: expected real numbers, got complex dtype {t.dtype}")
        if not torch.is_floating_point(t):
            t = t.to(torch.float64 if dtype is None else dtype)
    elif isinstance(x, np.ndarray | list | tuple | float | int | np.number):
        t = torch.from_numpy(np.ascontiguousarray(_numeric_array(x, name)))
    else:
        raise ValueError(f"{name}: expected a numpy array or torch tensor, got {type(x).__name__}")
    if dtype is not None and t.dtype != dtype:
        t = t.to(dtype)
    if device is not None:
        t = t.to(device)
    check_ndim(tuple(t.shape), name, ndim)
    if finite and not _all_finite(t):
        bad = int((~torch.isfinite(t)).sum())
        raise ValueError(f"{name}: contains {bad} NaN or Inf value(s); expected finite numbers")
    if finite and t is not x:
        _CHECKED[t] = t._version
    return t


_CHECKED: Any = None  # tensor → its version counter when as_tensor made it and found it finite (weak keys)


def _checked_before(x: Any, dtype: Any, device: Any) -> bool:
    """Whether ``x`` is a tensor :func:`as_tensor` made, found finite and nobody changed since, already in
    ``dtype`` and on ``device`` (when given)."""
    global _CHECKED
    if _CHECKED is None:
        from torch.utils.weak import WeakIdKeyDictionary

        _CHECKED = WeakIdKeyDictionary()
    if not type(x).__module__.startswith("torch") or _CHECKED.get(x) != getattr(x, "_version", None):
        return False
    return (dtype is None or x.dtype == dtype) and (device is None or x.device == _device_of(device))


def _device_of(device: Any) -> Any:
    import torch

    return torch.device(device) if isinstance(device, str) else device


def _all_finite_array(a: np.ndarray) -> bool:
    """True if every entry of the float array ``a`` is finite: a finite sum proves it (NaN and Inf
    propagate through a sum) in one fast reduction; only a non-finite sum needs the entrywise check."""
    return bool(np.isfinite(a.sum())) or bool(np.isfinite(a).all())


def _all_finite(t: torch.Tensor) -> bool:
    """True if every entry is finite. A finite sum proves it (NaN and Inf propagate through a
    sum), at the cost of one fast reduction; only a non-finite sum needs the entrywise check."""
    import torch

    if t.device.type == "cpu" and t.dtype in (torch.float32, torch.float64):
        return _all_finite_array(t.detach().numpy())
    return bool(torch.isfinite(t.sum())) or bool(torch.isfinite(t).all())


def check_same_rows(name_a: str, a: Any, name_b: str, b: Any) -> None:
    """Raise if ``a`` and ``b`` do not have the same number of rows (samples)."""
    if a.shape[0] != b.shape[0]:
        raise ValueError(
            f"{name_b}: expected {a.shape[0]} rows to match {name_a} "
            f"(shape {tuple(a.shape)}), got shape {tuple(b.shape)}"
        )


def check_unit_rows(X: Any, name: str = "X", *, tol: float | None = None) -> None:
    """Raise if some row of ``X`` (numpy or torch) does not have Euclidean norm 1 (up to ``tol``)."""
    if type(X).__module__.startswith("torch"):
        import torch

        low = X.dtype in (torch.float16, torch.bfloat16, torch.float32)
        norms = torch.linalg.vector_norm(X, dim=1).detach().cpu().numpy()
    else:
        low = X.dtype in (np.float16, np.float32)
        norms = np.linalg.norm(X, axis=1)
    if tol is None:
        tol = 1e-4 if low else 1e-8
    err = float(np.abs(norms - 1).max()) if len(norms) else 0.0
    if err > tol:
        raise ValueError(
            f"{name}: the formula assumes unit-norm rows (||x_i|| = 1), but the largest "
            f"deviation is |‖x_i‖ - 1| = {err:.3g}; normalize with ovptools.normalize_rows({name})"
        )


def check_positive(value: Any, name: str, *, allow_zero: bool = False) -> float:
    """Raise unless ``value`` is a finite number > 0 (or >= 0 with ``allow_zero``)."""
    if isinstance(value, bool):
        raise ValueError(f"{name}: expected a number, got {value!r}")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected a number, got {value!r}") from None
    ok = math.isfinite(v) and (v >= 0 if allow_zero else v > 0)
    if not ok:
        want = "a finite number >= 0" if allow_zero else "a finite number > 0"
        raise ValueError(f"{name}: expected {want}, got {value!r}")
    return v


def check_count(value: Any, name: str, *, minimum: int = 1) -> int:
    """Raise unless ``value`` is an integer (Python or numpy) >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value!r}")
    return int(value)


def check_choice(value: Any, name: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ValueError(f"{name}: expected one of {', '.join(map(repr, choices))}, got {value!r}")
    return value


def check_dtype(dtype: Any, name: str = "dtype") -> torch.dtype | None:
    """``None`` or a floating torch dtype (``torch.float32``, ``torch.float64``, …); anything else raises."""
    import torch

    if dtype is None:
        return None
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise ValueError(f"{name}: expected a floating torch dtype such as torch.float32 or torch.float64 "
                         f"(or None to keep the input's), got {dtype!r}")
    return dtype


def check_seed(seed: Any) -> int:
    """A seed: a Python or numpy integer (bools are refused)."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise ValueError(f"seed: expected an int, got {seed!r}")
    return int(seed)


def rng(seed: Any, *streams: int) -> np.random.Generator:
    """numpy's generator for ``seed`` (no global random state is touched).

    ``streams``: further integers that pick an independent stream for the same seed (one per width,
    per repeat, …): ``rng(seed, m, 1)`` is ``np.random.default_rng([seed, m, 1])``.
    """
    if not streams:
        return np.random.default_rng(check_seed(seed))
    return np.random.default_rng([check_seed(seed), *(check_count(s, "streams", minimum=0) for s in streams)])


def like(out: Any, ref: Any) -> ArrayLike:
    """Give ``out`` (a tensor) the type of ``ref``: a tensor if ``ref`` is one, else a numpy array."""
    if type(ref).__module__.startswith("torch"):
        return out
    return out.detach().cpu().numpy()


@overload
def two_layer_args(W: Any, a: Any, X: None = None) -> tuple[torch.Tensor, torch.Tensor, None]: ...
@overload
def two_layer_args(W: Any, a: Any, X: Any) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]: ...
def two_layer_args(W: Any, a: Any, X: Any | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """Checked tensors (W: m×d, a: m, X: n×d or None), all of W's dtype and device."""
    Wt = as_tensor(W, "W", ndim=2)
    if Wt.shape[0] == 0:
        raise ValueError("W: expected at least one neuron (m >= 1 rows), got shape " + str(tuple(Wt.shape)))
    at = as_tensor(a, "a", ndim=1, dtype=Wt.dtype, device=Wt.device)
    if at.shape[0] != Wt.shape[0]:
        raise ValueError(f"a: expected length m = {Wt.shape[0]} (rows of W), got {at.shape[0]}")
    if X is None:
        return Wt, at, None
    Xt = as_tensor(X, "X", ndim=2, dtype=Wt.dtype, device=Wt.device)
    if Xt.shape[1] != Wt.shape[1]:
        raise ValueError(
            f"X: expected {Wt.shape[1]} columns to match W's d (W has shape {tuple(Wt.shape)}), "
            f"got shape {tuple(Xt.shape)}"
        )
    return Wt, at, Xt


@overload
def deep_args(Ws: Any, v: Any, X: None = None) -> tuple[list[torch.Tensor], torch.Tensor, None]: ...
@overload
def deep_args(Ws: Any, v: Any, X: Any) -> tuple[list[torch.Tensor], torch.Tensor, torch.Tensor]: ...
def deep_args(Ws: Any, v: Any, X: Any | None = None) -> tuple[list[torch.Tensor], torch.Tensor, torch.Tensor | None]:
    """Checked tensors for the deep net: Ws = [W_1 (d×m_1), W_2 (m_1×m_2), …], v (m_L), X (n×d)."""
    import torch

    if isinstance(Ws, np.ndarray | torch.Tensor) or not isinstance(Ws, list | tuple) or len(Ws) == 0:
        raise ValueError("Ws: expected a non-empty list of weight matrices [W_1, ..., W_L]")
    Wt = [as_tensor(W, f"Ws[{i}]", ndim=2) for i, W in enumerate(Ws)]
    ref = Wt[0]
    Wt = [W.to(dtype=ref.dtype, device=ref.device) for W in Wt]
    for i, W in enumerate(Wt):
        if W.shape[1] == 0:
            raise ValueError(f"Ws[{i}]: expected a width >= 1 (columns), got shape {tuple(W.shape)}")
    for i in range(1, len(Wt)):
        if Wt[i].shape[0] != Wt[i - 1].shape[1]:
            raise ValueError(
                f"Ws[{i}]: expected {Wt[i - 1].shape[1]} rows (columns of Ws[{i - 1}]), got shape {tuple(Wt[i].shape)}"
            )
    vt = as_tensor(v, "v", ndim=1, dtype=ref.dtype, device=ref.device)
    if vt.shape[0] != Wt[-1].shape[1]:
        raise ValueError(f"v: expected length {Wt[-1].shape[1]} (columns of Ws[-1]), got {vt.shape[0]}")
    Xt = None
    if X is not None:
        Xt = as_tensor(X, "X", ndim=2, dtype=ref.dtype, device=ref.device)
        if Xt.shape[1] != Wt[0].shape[0]:
            raise ValueError(f"X: expected {Wt[0].shape[0]} columns (rows of Ws[0]), got shape {tuple(Xt.shape)}")
    return Wt, vt, Xt
