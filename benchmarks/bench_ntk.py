"""ntk_empirical (layer-wise) against torch.func (vmap + jacrev, as in PyTorch's NTK tutorial),
at n = 256, d = 100, width 512, depth 3, scalar output, float32.

Goals: ≥ 50× faster, ≤ 50 MB extra memory, equal to 1e-5 relative. Each method's peak memory is
measured in a fresh subprocess (the growth of its maximum resident set during the call).
Run: .venv/bin/python benchmarks/bench_ntk.py
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys

import numpy as np
import torch
from _timing import median_time

import ovptools as ov

N, D, WIDTH, DEPTH = 256, 100, 512, 3


def setup():
    X = torch.from_numpy(ov.sphere(N, D, seed=0)).float()
    Ws, v = ov.init_deep(D, WIDTH, DEPTH, seed=1)
    Ws = [torch.from_numpy(W).float() for W in Ws]
    return X, Ws, torch.from_numpy(v).float()


def ntk_torch_func(net: torch.nn.Module, X: torch.Tensor) -> torch.Tensor:
    from torch.func import functional_call, jacrev, vmap

    params = {k: p.detach() for k, p in net.named_parameters()}

    def f(p, x):
        return functional_call(net, p, (x[None],)).squeeze(0)

    jac = vmap(jacrev(f), (None, 0))(params, X)
    return sum(j.flatten(1) @ j.flatten(1).T for j in jac.values())


def measure(method: str) -> dict:
    X, Ws, v = setup()
    net = ov.DeepReLUNet(Ws, v)
    small = X[:4]
    if method == "ours":
        fn = lambda: ov.ntk_empirical(Ws, v, X)  # noqa: E731
        ov.ntk_empirical(Ws, v, small)
    else:
        fn = lambda: ntk_torch_func(net, X)  # noqa: E731
        ntk_torch_func(net, small)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    K = fn()
    extra_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    seconds = median_time(fn, repeats=5 if method == "ours" else 3, warmup=0)
    np.save(f"/tmp/ntk_{method}.npy", K.detach().numpy())
    return {"seconds": seconds, "extra_mb": extra_mb}


def main() -> None:
    results = {}
    for method in ("ours", "torch_func"):
        out = subprocess.run([sys.executable, __file__, method], capture_output=True, text=True, check=True)
        results[method] = json.loads(out.stdout.strip().splitlines()[-1])
    K_ours, K_ref = np.load("/tmp/ntk_ours.npy"), np.load("/tmp/ntk_torch_func.npy")
    rel = np.linalg.norm(K_ours - K_ref) / np.linalg.norm(K_ref)
    o, f = results["ours"], results["torch_func"]
    flops = 2 * N * N * (D + (2 * DEPTH - 1) * WIDTH)  # the Gram products G Gᵀ and A Aᵀ dominate
    print(f"empirical NTK, n = {N}, d = {D}, width {WIDTH}, depth {DEPTH}, float32, {torch.get_num_threads()} threads")
    print(f"  ovptools.ntk_empirical  {o['seconds'] * 1e3:8.1f} ms   extra memory {o['extra_mb']:7.1f} MB (goal ≤ 50)")
    print(f"  torch.func vmap+jacrev  {f['seconds'] * 1e3:8.1f} ms   extra memory {f['extra_mb']:7.1f} MB")
    print(f"  speed-up torch.func/ours = {f['seconds'] / o['seconds']:.0f}× (goal ≥ 50)")
    print(f"  relative difference ‖K_ours − K_func‖_F/‖K_func‖_F = {rel:.1e} (goal ≤ 1e-5)")
    print(f"  ours runs at {flops / o['seconds'] / 1e9:.0f} GFLOP/s on the kernel products ({flops / 1e9:.2f} GFLOP)")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        print(json.dumps(measure(sys.argv[1])))
    else:
        main()
