"""The log–log slope every part's experiments fit (the thread limit they share is
:func:`ovptools._device.few_threads`). Kept apart from the parts' packages so that importing one part loads no other."""

from __future__ import annotations

import numpy as np

from .._validate import as_array


def loglog_slope(x, y) -> float:
    r"""The least-squares slope of log y against log x: the exponent p of y ≈ C·xᵖ.

    ``x`` and ``y``: positive numbers of the same length; NaN when there are fewer than two points
    (no slope to fit), as when an experiment runs a single width.
    """
    x, y = as_array(x, "x", ndim=1), as_array(y, "y", ndim=1)
    if x.shape != y.shape:
        raise ValueError(f"y: expected {x.shape[0]} values to match x, got {y.shape[0]}")
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("x, y: a log–log slope needs positive values")
    if len(x) < 2:
        return float("nan")
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])
