"""Training: one loop (:func:`descend`) that runs any problem (a loss and a step) with recorders,
and returns one :class:`Run` type: the loss at every step, the diagnostics at the recorded steps,
and the initial and final parameters.

- :mod:`.engine` — the loop, :class:`Run`, :class:`DivergenceError` (numpy only);
- :mod:`.vectors` — :func:`gd` and :func:`sgd` on numpy parameter vectors (Part I);
- :mod:`.problems` — every problem class: the two-layer net with its written-out gradient, any torch module by
  autograd, a flat-parameter net with momentum, batched one-sample SGD runs on logistic regression;
- :mod:`.nets` — :func:`train_two_layer`, :func:`train_deep`, :func:`train_model` with their recorders.
"""

from .engine import DivergenceError, Run, descend
from .vectors import gd, sgd

__all__ = ["DivergenceError", "Run", "descend", "gd", "sgd",
           "train_two_layer", "train_deep", "train_model"]  # pyright: ignore[reportUnsupportedDunderAll] (on use)


def __getattr__(name: str):
    if name in ("train_two_layer", "train_deep", "train_model"):  # these need torch: load on use
        from . import nets

        return getattr(nets, name)
    raise AttributeError(f"module 'ovptools.train' has no attribute {name!r}")
