"""Comparisons for the assignments' tests, with messages that point at the cause (type, dtype,
shape, NaN, a sign, a constant factor, a constant shift, single-precision rounding) without printing
the expected answer; and ``without_ovptools``, which switches the package off while a student's
function runs.

Tolerances. Visible and hidden tests use the same defaults: a relative error of 1e-8 (plus an
absolute 1e-10 for entries near 0). Any correct float64 implementation is within about 1e-13 of
another on the well-conditioned quantities of the course, whatever its summation order (loops,
einsum, torch, an SVD instead of an eigensolver); single precision (about 1e-7) is not. Where a
quantity is ill-conditioned, the test passes a tolerance derived from its conditioning, with a
comment (for example arccos near 1).
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

import numpy as np

RTOL = 1e-8
ATOL = 1e-10
_SINGLE = ("float16", "float32", "bfloat16", "complex64")


def _to_numpy(x: Any, name: str, returns: str | None) -> np.ndarray:
    torch = sys.modules.get("torch")  # a tensor can only exist if torch is imported: never import it here
    is_tensor = torch is not None and isinstance(x, torch.Tensor)
    if x is None:
        raise AssertionError(f"{name} returned None: did you forget a `return` statement?")
    if returns == "numpy" and is_tensor:
        raise AssertionError(f"{name} returned a torch tensor; this function must return a numpy array "
                             "(convert with `.detach().cpu().numpy()`)")
    if returns == "torch" and not is_tensor:
        raise AssertionError(f"{name} returned a {type(x).__name__}; this function must return a torch tensor")
    dtype = str(x.dtype).removeprefix("torch.") if hasattr(x, "dtype") else ""
    if "complex" in dtype or isinstance(x, complex) or (
            not is_tensor and not hasattr(x, "dtype") and _holds_complex(x)):
        raise AssertionError(f"{name} returned complex numbers; expected real ones (a complex result often comes "
                             "from an eigen-decomposition of a matrix that should be symmetric: see np.linalg.eigh)")
    if dtype in _SINGLE:
        raise AssertionError(f"{name} returned {dtype} values; the course computes in float64 "
                             "(single precision is only accurate to about 1e-7): use float64 arrays or tensors")
    if is_tensor:
        return x.detach().cpu().numpy()
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise AssertionError(
            f"{name} returned a {type(x).__name__}, expected a number or an array"
        ) from None
    return arr


def _holds_complex(x: Any) -> bool:
    """True if a list, tuple or other array-like holds a complex number (read as numpy reads it)."""
    try:
        return bool(np.iscomplexobj(np.asarray(x)))
    except (TypeError, ValueError):
        return False


def _hint(actual: np.ndarray, expected: np.ndarray, rtol: float) -> str:
    """What the error pattern suggests, only when the pattern really is there (two or more entries)."""
    a, e = actual.ravel(), expected.ravel()
    rel = np.max(np.abs(a - e) / np.maximum(np.abs(e), 1e-300)) if e.size else 0.0
    if a.size >= 2:
        mask = np.abs(e) > 1e-12
        if mask.sum() >= 2 and np.abs(a[mask]).max() > 0:
            ratios = a[mask] / e[mask]
            r = float(np.median(ratios))
            if np.allclose(ratios, r, rtol=1e-6, atol=0) and not np.isclose(r, 1.0, rtol=rtol):
                if np.isclose(r, -1.0):
                    return " Every entry has the wrong sign."
                return f" Every entry is off by the same factor ({r:.4g}): check a scaling constant."
        shift = a - e
        if np.ptp(shift) <= 1e-9 * max(1.0, np.abs(e).max()):
            return " Every entry is off by the same amount: check an added constant or a subtracted reference value."
    if 10 * rtol <= rel < 1e-5:
        return (" The error is at the level of single-precision rounding (about 1e-7): "
                "compute in float64 throughout.")
    return ""


def check_array(
    actual: Any,
    expected: Any,
    name: str,
    *,
    rtol: float = RTOL,
    atol: float = ATOL,
    hint: str = "",
    returns: str | None = None,
) -> None:
    """Assert that ``actual`` matches ``expected`` in shape and value.

    ``returns`` is "numpy" or "torch" when the assignment fixes the output type (None: either).
    The message names ``name`` and says what differs; it never prints ``expected``.
    """
    a = _to_numpy(actual, name, returns)
    e = np.asarray(_to_numpy(expected, "expected", None), dtype=float)
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
        bad = err > atol + rtol * np.abs(e)
        where = ""
        if a.ndim and a.size > 1:
            first = np.unravel_index(np.argmax(bad), bad.shape)
            where = f" in {int(bad.sum())} of {a.size} entries (first at index {tuple(int(i) for i in first)})"
        raise AssertionError(
            f"{name}: values are wrong{where} (tolerance: relative {rtol:g}, absolute {atol:g})."
            f"{_hint(a, e, rtol)} {hint}".rstrip()
        )


def check_scalar(
    actual: Any, expected: float, name: str, *, rtol: float = RTOL, atol: float = ATOL, hint: str = "",
) -> None:
    """Assert that ``actual`` is a single finite number (a float, or a numpy/torch scalar) close to
    ``expected``. Infinity is compared exactly when it is expected."""
    a = _to_numpy(actual, name, None)
    if a.size != 1:
        raise AssertionError(f"{name}: expected a single number, got an array of shape {a.shape}")
    value, target = float(a.reshape(())), float(expected)
    if np.isinf(target) or np.isinf(value):
        if value != target:
            raise AssertionError(f"{name}: the value is wrong. {hint}".rstrip())
        return
    check_array(np.asarray(value), np.asarray(target), name, rtol=rtol, atol=atol, hint=hint)


def _is_science(module_name: str) -> bool:
    """Whether a module is part of the course's numeric package (not its course tooling)."""
    return (module_name == "ovptools" or module_name.startswith("ovptools.")) and \
        not module_name.startswith("ovptools.course")


class _Blocker:
    """Replaces the functions of ovptools' modules by ones that fail the test, recording what to put back.

    Modules already loaded are patched at once; a module first imported inside the block (a student's
    ``from ovptools.kernels import ...``, or a lazy ``ovptools.name``) is patched as soon as it has run,
    through a finder placed first on ``sys.meta_path``. Nothing is imported ahead: a student's function that
    never touches torch does not pay for loading it."""

    def __init__(self, student_function: str) -> None:
        self.student_function = student_function
        self.restore: list[tuple[object, str, object]] = []

    def refusal(self, fn):
        def refuse(*args, **kwargs):
            raise AssertionError(f"{self.student_function} called ovptools ({fn.__module__}.{fn.__qualname__}): this "
                                 "assignment asks you to write it yourself with numpy or torch, without ovptools")
        refuse.__ovptools_original__ = fn
        return refuse

    def patch(self, module) -> None:
        for attr, obj in list(vars(module).items()):
            if attr.startswith("__") or not inspect.isfunction(obj):
                continue
            original = getattr(obj, "__ovptools_original__", None)
            if original is not None:  # bound at import time to a function already refused: put the real one back later
                self.restore.append((module, attr, original))
            elif _is_science(getattr(obj, "__module__", "") or ""):
                self.restore.append((module, attr, obj))
                setattr(module, attr, self.refusal(obj))

    # the finder: the first on sys.meta_path while the block lasts
    def find_spec(self, name, path, target=None):
        if not _is_science(name):
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if loader is not None and hasattr(loader, "exec_module"):
            run = loader.exec_module

            def exec_then_patch(module, run=run):
                run(module)
                self.patch(module)

            loader.exec_module = exec_then_patch
        return spec


@contextmanager
def without_ovptools(namespace: MutableMapping[str, Any], student_function: str) -> Iterator[None]:
    """Run the body with every ovptools function replaced by one that fails the test, in the
    package's modules (those loaded now and those first imported inside the body) and in
    ``namespace`` (the notebook's globals, where a student may have imported one by name).
    Everything is restored afterwards."""
    blocker = _Blocker(student_function)
    top = sys.modules.get("ovptools")
    cached = set(vars(top)) if top is not None else set()
    for name, module in list(sys.modules.items()):
        if module is not None and _is_science(name):
            blocker.patch(module)
    sys.meta_path.insert(0, blocker)
    originals = {}
    for key, value in list(namespace.items()):
        if inspect.isfunction(value) and _is_science(getattr(value, "__module__", "") or ""):
            originals[key] = value
            namespace[key] = blocker.refusal(value)
    try:
        yield
    finally:
        sys.meta_path.remove(blocker)
        for owner, attr, old in reversed(blocker.restore):
            setattr(owner, attr, old)
        top = sys.modules.get("ovptools")
        if top is not None:  # lazy exports first looked up inside the body were cached as refusals
            for name in (set(vars(top)) - cached) & set(getattr(top, "__all__", ())):
                delattr(top, name)
        namespace.update(originals)
