"""Small timing helpers shared by the benchmark scripts."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np


def median_time(fn: Callable[[], object], repeats: int = 7, warmup: int = 1) -> float:
    """Median wall-clock seconds of ``fn()`` over ``repeats`` runs, after ``warmup`` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def matmul_peak_gflops(dtype=np.float32, size: int = 2000) -> float:
    """This machine's float matmul rate (GFLOP/s) through numpy's BLAS, measured now."""
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((size, size)).astype(dtype), rng.standard_normal((size, size)).astype(dtype)
    return 2 * size**3 / median_time(lambda: A @ B) / 1e9


def interleaved(fns: list[Callable[[], object]], repeats: int = 9) -> list[float]:
    """Median seconds of each function, timed in alternation (one warm-up run each)."""
    for fn in fns:
        fn()
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for k, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - start)
    return [float(np.median(t)) for t in times]
