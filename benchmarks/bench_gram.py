"""gram_empirical at n = d = 1000, m = 8000, float32, against baselines measured in the same run.

Goals: no slower than the plain vectorized numpy version, and at least 100× faster than loops.
Run: .venv/bin/python benchmarks/bench_gram.py
"""

from __future__ import annotations

import time

import numpy as np
import torch
from _timing import interleaved, matmul_peak_gflops, median_time

import ovptools as ov

n = d = 1000
m = 8000
X = ov.sphere(n, d, seed=0).astype(np.float32)
W = np.random.default_rng(1).standard_normal((m, d)).astype(np.float32)


def numpy_plain() -> np.ndarray:
    S = (X @ W.T >= 0).astype(np.float32)
    return (X @ X.T) * (S @ S.T) / m


def torch_plain() -> torch.Tensor:
    Xt, Wt = torch.from_numpy(X), torch.from_numpy(W)
    S = (Xt @ Wt.T >= 0).float()
    return (Xt @ Xt.T) * (S @ S.T) / m


def loops_on_pairs(pairs: list[tuple[int, int]]) -> float:
    """The formula entry by entry with Python loops over r (pre-activations computed once)."""
    P = (X @ W.T).tolist()
    G = (X @ X.T).tolist()
    start = time.perf_counter()
    for i, j in pairs:
        Pi, Pj = P[i], P[j]
        count = 0
        for r in range(m):
            if Pi[r] >= 0 and Pj[r] >= 0:
                count += 1
        _ = G[i][j] * count / m
    return (time.perf_counter() - start) / len(pairs)


def main() -> None:
    H = ov.gram_empirical(W, X)
    np.testing.assert_allclose(H, numpy_plain(), rtol=1e-6, atol=1e-7)
    # interleaved, so that a slow spell of the machine hits both alike
    t_ours, t_numpy = interleaved([lambda: ov.gram_empirical(W, X), numpy_plain], repeats=15)
    t_torch = median_time(torch_plain)
    rng = np.random.default_rng(2)
    pairs = [tuple(int(k) for k in rng.integers(0, n, 2)) for _ in range(20)]
    t_loops = loops_on_pairs(pairs) * n * n  # extrapolated to all n² entries
    peak = matmul_peak_gflops()
    flops = 2 * n * d * m + n * n * m + n * n * d  # X Wᵀ (gemm), S Sᵀ and X Xᵀ (syrk: half)
    print(f"gram_empirical, n = d = {n}, m = {m}, float32, {torch.get_num_threads()} threads")
    print(f"  ovptools.gram_empirical     {t_ours * 1e3:9.1f} ms")
    print(f"  numpy (X Xᵀ)∘(S Sᵀ)/m       {t_numpy * 1e3:9.1f} ms   "
          f"ratio numpy/ours = {t_numpy / t_ours:6.2f}  (goal ≥ 1)")
    print(f"  torch, same formula         {t_torch * 1e3:9.1f} ms   ratio torch/ours = {t_torch / t_ours:6.2f}")
    print(f"  Python loops (extrapolated) {t_loops:9.1f} s    ratio loops/ours = {t_loops / t_ours:8.0f}  (goal ≥ 100)")
    print(f"  matmul peak {peak:.0f} GFLOP/s; ours runs {flops / t_ours / 1e9:.0f} GFLOP/s "
          f"= {flops / t_ours / 1e9 / peak:.0%} of peak ({flops / 1e9:.1f} GFLOP needed)")


if __name__ == "__main__":
    main()
