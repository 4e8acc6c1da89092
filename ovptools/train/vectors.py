r"""Gradient descent and SGD on a parameter *vector* (numpy), the optimizers of Part I.

``f`` maps w (shape (p,)) to a float and ``grad`` maps it to an array of the same shape. The
returned :class:`~ovptools.train.engine.Run` holds the loss f(w_k) at every k, the iterates
``run.w`` (row k is w_k) and the squared gradient norms ``run.grad_sq`` = ‖∇f(w_k)‖² (GD only).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._validate import as_array, check_count, check_positive, rng
from .engine import Run, descend

Vector = np.ndarray


def _schedule(eta: float | Callable[[int], float]) -> Callable[[int], float]:
    if callable(eta):
        return eta
    constant = check_positive(eta, "eta")
    return lambda k: constant


class VectorProblem:
    """(S)GD on f over R^p: full gradients from ``grad(w)``, or minibatch gradients from
    ``grad_batch(w, idx)`` with B indices drawn uniformly with replacement from 0..n−1 each step."""

    device = "cpu"

    def __init__(self, f, grad, w0, eta, *, n: int | None = None, batch_size: int = 1, seed: int = 0) -> None:
        for name, fn in (("f", f), ("grad", grad)):
            if not callable(fn):
                raise ValueError(f"{name}: expected a function of w, got {type(fn).__name__}")
        self.f, self.gradient, self.eta = f, grad, _schedule(eta)
        self.w0 = as_array(w0, "w0", ndim=(0, 1)).astype(float).reshape(-1)
        self.w = self.w0.copy()
        self.n, self.batch_size = n, check_count(batch_size, "batch_size")
        self._rng = rng(seed)
        self._g: np.ndarray | None = None

    def loss(self) -> float:
        return float(self.f(self.w))

    def full_gradient(self) -> np.ndarray:
        if self._g is None:
            self._g = np.asarray(self.gradient(self.w), dtype=float)
        return self._g

    def step(self, k: int) -> None:
        if self.n is None:
            g = self.full_gradient()
        else:
            g = np.asarray(self.gradient(self.w, self._rng.integers(0, self.n, self.batch_size)), dtype=float)
        if g.shape != self.w.shape:
            raise ValueError(f"grad: expected it to return shape {self.w.shape}, got {g.shape}")
        self.w = self.w - self.eta(k) * g
        self._g = None

    def hint(self) -> str:
        return "For a β-smooth f, GD is stable for steps below 2/β: try a step 10× smaller."

    def state(self) -> dict:
        return {"w0": self.w0}


def gd(f: Callable[[Vector], float], grad: Callable[[Vector], Vector], w0, *, eta, steps: int,
       blowup: float = 1e6) -> Run:
    r"""Gradient descent :math:`w_{k+1} = w_k - \eta_k\nabla f(w_k)` (``eta`` a number or a function k ↦ η_k).

    Records every iterate (``run.w``, shape (steps+1)×p) and ‖∇f(w_k)‖² (``run.grad_sq``). Raises
    :class:`~ovptools.DivergenceError`, naming the step and iteration, if f becomes NaN/Inf or grows
    by more than ``blowup`` times |f(w_0)|.
    """
    problem = VectorProblem(f, grad, w0, eta)
    recorders = {"w": lambda p: p.w.copy(), "grad_sq": lambda p: float(np.sum(p.full_gradient() ** 2))}
    return descend(problem, steps=steps, recorders=recorders, blowup=blowup, progress=False)


def sgd(f: Callable[[Vector], float], grad_batch: Callable[[Vector, np.ndarray], Vector], n: int, w0, *,
        eta, steps: int, batch_size: int = 1, seed: int, record_every: int = 1, blowup: float = 1e6) -> Run:
    r"""Minibatch SGD :math:`w_{k+1} = w_k - \eta_k \frac1B\sum_{i\in B_k}\nabla f_i(w_k)` for
    :math:`f = \frac1n\sum_i f_i`, with B_k drawn uniformly with replacement (seeded by ``seed``).

    ``grad_batch(w, idx)`` returns the average gradient over the samples ``idx``; ``eta`` is a
    number or a function k ↦ η_k. ``run.loss`` is the full f(w_k) at every k; ``run.w`` holds the
    iterates at the recorded steps.
    """
    problem = VectorProblem(f, grad_batch, w0, eta, n=check_count(n, "n"), batch_size=batch_size, seed=seed)
    return descend(problem, steps=steps, recorders={"w": lambda p: p.w.copy()}, record_every=record_every,
                   blowup=blowup, progress=False)
