"""Device selection: ``device="auto"`` picks CUDA, then Apple's MPS, then the CPU."""

from __future__ import annotations

import torch


def resolve_device(device: str | torch.device | None = "auto") -> torch.device:
    """Return the torch device to compute on.

    ``"auto"`` (or ``None``) picks CUDA when a GPU is present, then MPS, then the CPU.
    Any other value is passed to :class:`torch.device`; asking for CUDA on a machine
    without a GPU raises ``ValueError`` instead of failing later inside torch.

    >>> resolve_device("cpu")
    device(type='cpu')
    """
    if device is None or device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"device: expected 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps', got {device!r}"
        ) from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("device: 'cuda' was asked for but torch sees no CUDA GPU here; use 'auto'")
    if dev.type == "mps" and not (
        getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()
    ):
        raise ValueError("device: 'mps' was asked for but it is not available here; use 'auto'")
    return dev


def generator(seed: int, device: torch.device | str = "cpu") -> torch.Generator:
    """A torch random generator seeded with ``seed`` (no global random state is touched)."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed: expected an int, got {seed!r}")
    g = torch.Generator(device=torch.device(device))
    g.manual_seed(seed)
    return g
