"""Helpers every part's experiments use: a log–log slope and a thread limit for lecture-size CPU runs. Kept apart
from the parts' packages so that importing one part loads no other."""

from __future__ import annotations

import contextlib

import numpy as np
import torch

from .._device import resolve_device


def loglog_slope(x, y) -> float:
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


@contextlib.contextmanager
def few_threads(work: int, device: str | torch.device):
    """Run CPU training of lecture-size nets (``work`` multiply-adds per product below 2²⁶) on one
    torch thread; the previous setting comes back afterwards. Products of a few million
    multiply-adds gain nothing from threads, and on a shared 2-core machine threads that wait on
    each other made a 50-step run of the depth-50 net 17× slower (14.6 s against 0.85 s)."""
    on_cpu = resolve_device(device, torch.float32).type == "cpu"
    before = torch.get_num_threads()
    if on_cpu and work < 2**26:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
