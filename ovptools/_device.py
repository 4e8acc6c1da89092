"""Device selection: ``device="auto"`` picks CUDA, then Apple's MPS, then the CPU.

MPS has no float64, so float64 work never lands there: ``auto`` falls back to the CPU for it, and
an explicit ``device="mps"`` with float64 is refused with a message naming ``dtype``. Computations
that need float64 or an eigen-solver whatever the device (λ_min, eigen-decompositions, Lanczos's
small tridiagonal problem) run through :func:`in_float64`, which moves MPS tensors to the CPU first.

CPU threads: :func:`few_threads` is the one thread limit of the package (experiments, widgets).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any

import torch

from ._validate import check_seed


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def resolve_device(device: str | torch.device | None = "auto", dtype: torch.dtype | None = None) -> torch.device:
    """Return the torch device to compute on (for work in ``dtype``, when given).

    ``"auto"`` (or ``None``) picks CUDA when a GPU is present, then MPS (unless ``dtype`` is
    float64, which MPS cannot hold), then the CPU. Any other value is passed to
    :class:`torch.device`; asking for a device this machine lacks raises ``ValueError`` instead
    of failing later inside torch.

    >>> resolve_device("cpu")
    device(type='cpu')
    """
    if device is None or device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available() and dtype != torch.float64:
            return torch.device("mps")
        return torch.device("cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"device: expected 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps', got {device!r}") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("device: 'cuda' was asked for but torch sees no CUDA GPU here; use 'auto'")
    if dev.type == "mps":
        if not _mps_available():
            raise ValueError("device: 'mps' was asked for but it is not available here; use 'auto'")
        if dtype == torch.float64:
            raise ValueError("dtype: float64 is not supported on 'mps'; use device='auto' (float64 runs on the CPU) "
                             "or dtype=torch.float32")
    return dev


def float64_safe(t: torch.Tensor) -> torch.Tensor:
    """``t`` in float64, moved to the CPU first if it lives on MPS (which has no float64)."""
    if t.device.type == "mps":
        t = t.cpu()
    return t.to(torch.float64)


_float64_depth = 0  # > 0 while in_float64 runs (the tests' no-float64 device policy allows float64 there only)


def in_float64(fn: Callable[..., Any], *tensors: torch.Tensor, dtype: torch.dtype | None = None,
               device: torch.device | str | None = None) -> Any:
    """``fn(*tensors)`` computed in float64, each tensor converted by :func:`float64_safe` (so work on
    MPS, which has neither float64 nor an eigen-solver, runs on the CPU).

    The tensors in the result (a tensor or a tuple of them) are converted to ``dtype`` and moved to
    ``device`` when given; other results (numbers) are returned as they are. For float64 input
    off MPS the conversions are no-ops, so the numbers are those of ``fn`` on the input itself.
    """
    global _float64_depth
    _float64_depth += 1
    try:
        out = fn(*(float64_safe(t) for t in tensors))

        def back(r: Any) -> Any:
            return r.to(device=device, dtype=dtype) if isinstance(r, torch.Tensor) else r

        return tuple(back(r) for r in out) if isinstance(out, tuple) else back(out)
    finally:
        _float64_depth -= 1


def generator(seed: int, device: torch.device | str = "cpu") -> torch.Generator:
    """A torch random generator seeded with ``seed`` (no global random state is touched)."""
    g = torch.Generator(device=torch.device(device))
    g.manual_seed(check_seed(seed))
    return g


@functools.cache
def _blas_controller() -> Any:
    """threadpoolctl's controller of the BLAS libraries numpy and scipy load (None without threadpoolctl).
    scipy.linalg is loaded first so that its own BLAS is among them; built once (a scan of the loaded
    libraries costs about 3 ms, a limit through the built controller 0.02 ms)."""
    try:
        import scipy.linalg  # noqa: F401
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return None
    return ThreadpoolController()


@contextlib.contextmanager
def few_threads(work: float = 0, *, threshold: float = 2**26, blas: bool = False,
                above: int | None = None) -> Iterator[None]:
    """Run lecture-size CPU work on one thread: torch's, and numpy's and scipy's BLAS too with ``blas``.

    ``work``: multiply-adds per matrix product. Below ``threshold`` the block runs on one thread;
    at or above it on at most ``above`` threads (``None``: as many as before). The previous settings
    come back afterwards; also usable as a decorator (``@few_threads()``). Products of a few million
    multiply-adds gain nothing from threads, and on a shared 2-core machine threads that wait on each
    other made a 50-step run of the depth-50 net 17× slower (14.6 s against 0.85 s) and a 3 s Part IV
    experiment take 60 s with two BLAS threads. Work on a GPU is unaffected (only CPU threads change).
    """
    before = torch.get_num_threads()
    count = 1 if work < threshold else before if above is None else max(1, min(before, int(above)))
    controller = _blas_controller() if blas else None
    limit = contextlib.nullcontext() if controller is None else controller.limit(limits=count, user_api="blas")
    torch.set_num_threads(count)
    try:
        with limit:
            yield
    finally:
        torch.set_num_threads(before)
