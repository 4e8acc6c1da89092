r"""The one training loop of the course. A *problem* knows how to evaluate its loss and take one
step; *recorders* measure what the lectures plot; :func:`descend` runs the loop, stops a diverging
run with a message that names the step size and the iteration, and returns a :class:`Run`.

This module needs numpy only: Part I's optimizers on numpy vectors use it without torch.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from .._validate import check_count, check_positive


class DivergenceError(ArithmeticError):
    """Training blew up: the loss became NaN/Inf or grew far beyond its starting value.

    The message says where; the attributes say it to code: ``iteration`` (the iterate k whose loss
    blew up), ``eta`` (the step size that led there) and ``run`` (the index of the run in a batch of
    runs, or None). Each is None when the raiser did not give it.
    """

    def __init__(self, message: str, *, iteration: int | None = None, eta: float | None = None,
                 run: int | None = None) -> None:
        super().__init__(message)
        self.iteration, self.eta, self.run = iteration, eta, run

    def __reduce__(self):  # keep the attributes through pickling (worker processes)
        return type(self), self.args, self.__dict__


class Problem(Protocol):
    """What :func:`descend` needs from a training problem (see :mod:`ovptools.train.problems`)."""

    device: str

    def loss(self) -> float | np.ndarray:
        """The objective at the current parameters (one number, or one per run for a batch of runs)."""
        ...

    def step(self, k: int, /) -> None:
        """Update the parameters in place: iterate k → k + 1."""
        ...

    def eta(self, k: int, /) -> float:
        """The step size used at iteration k (a method, or a function of k stored on the problem)."""
        ...

    def hint(self) -> str:
        """What to try after a divergence (e.g. the stable range of step sizes)."""
        ...

    def state(self) -> dict[str, Any]:
        """Initial and current parameters (and anything else worth returning), as numpy arrays."""
        ...


Recorder = Callable[[Any], Any]
"""A function of the problem, called at the recorded steps; returns a number or an array."""


@dataclass
class Run:
    """The record of one training run (every array is numpy).

    ``loss[k]`` is the objective at iterate k for every k = 0..T (length T + 1, or shorter when a
    ``stop`` rule ended the run early); a run asked to evaluate it only every ``loss_every`` steps
    (long SGD runs, where the full loss costs n times a step) keeps the indexing and holds NaN in
    between. ``steps`` are the iterations at which the recorders ran
    (every ``record_every`` steps, and the last one); ``records[name][j]`` was measured at
    ``steps[j]``. ``state`` holds the initial and final parameters under the problem's names
    (e.g. ``W0`` and ``W``). Records and state entries are also attributes: ``run.lambda_min``,
    ``run.W0``.
    """

    loss: np.ndarray
    steps: np.ndarray
    records: dict[str, np.ndarray] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
    eta: float = math.nan
    device: str = "cpu"

    def __getattr__(self, name: str) -> Any:
        for where in ("records", "state"):
            table = self.__dict__.get(where, {})
            if name in table:
                return table[name]
        raise AttributeError(
            f"Run has no record or state {name!r}; recorded: {sorted(self.__dict__.get('records', {}))}, "
            f"state: {sorted(self.__dict__.get('state', {}))}"
        )


def show_progress(progress: bool | None) -> bool:
    """Progress bars show in an interactive notebook, not under tests, grading or ``ovp-instructor lectures``."""
    if progress is not None:
        return bool(progress)
    if any(os.environ.get(v) for v in ("PYTEST_CURRENT_TEST", "NBGRADER_EXECUTION", "OVP_NO_PROGRESS")):
        return False
    return "ipykernel" in sys.modules


class _Progress:
    """A progress bar over ``count`` iterations that ends cleanly and leaves nothing behind.

    A run may stop before its last iteration (``stop``, a divergence): the bar is then completed at
    the count reached, so tqdm never paints it red as a failure. In a notebook the bar is a widget,
    shown under a display id and replaced by an empty output when the run ends, so a saved notebook
    holds no reference to a widget that no longer exists (reopened, it would show "Error displaying
    widget: model not found"). Elsewhere it is tqdm's text bar, erased at the end."""

    def __init__(self, count: int, desc: str, show: bool) -> None:
        self.bar = self.handle = None
        if not show:
            return
        if _in_kernel():
            from IPython.display import display
            from tqdm.notebook import tqdm

            self.bar = tqdm(total=count, desc=desc, leave=False, display=False)
            self.handle = display(self.bar.container, display_id=True)
        else:
            from tqdm import tqdm

            self.bar = tqdm(total=count, desc=desc, leave=False)

    def advance(self) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is None:
            return
        self.bar.total = self.bar.n  # ended here on purpose: complete, not failed
        self.bar.close()
        if self.handle is not None:
            self.handle.update({"text/plain": ""}, raw=True)
        self.bar = self.handle = None


def _in_kernel() -> bool:
    """True inside a Jupyter kernel (where widgets can be shown)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def descend(
    problem: Problem,
    *,
    steps: int,
    recorders: Mapping[str, Recorder] | None = None,
    record_every: int = 1,
    blowup: float = 1e6,
    stop: Callable[[Any], bool] | None = None,
    loss_every: int = 1,
    progress: bool | None = None,
    desc: str = "GD",
) -> Run:
    """Run ``steps`` iterations of ``problem`` and return the :class:`Run`.

    The loss is evaluated at every iterate k (every ``loss_every``-th with that option, and at the
    last); the recorders run at k = 0, ``record_every``, …, and at the last iterate.
    Raises :class:`DivergenceError` if the loss becomes NaN/Inf or grows by more
    than ``blowup`` times its initial size. ``stop(loss_k)`` returning True ends the run at iterate k.
    """
    steps = check_count(steps, "steps", minimum=0)
    record_every = check_count(record_every, "record_every")
    loss_every = check_count(loss_every, "loss_every")
    blowup = check_positive(blowup, "blowup")
    recorders = dict(recorders or {})
    losses: list[Any] = []
    rec_k: list[int] = []
    recs: dict[str, list[Any]] = {name: [] for name in recorders}
    skipped: Any = math.nan
    bar = _Progress(steps, desc, show_progress(progress))  # counts the steps taken
    try:
        for k in range(steps + 1):
            last = k == steps
            if k % loss_every == 0 or last:
                value = problem.loss()
                _check(value, losses[0] if losses else value, k, problem, blowup)
                skipped = np.full_like(np.asarray(value, dtype=float), np.nan)
                last = last or (stop is not None and bool(stop(value)))
            else:
                value = skipped
            losses.append(value)
            if k % record_every == 0 or last:
                rec_k.append(k)
                for name, rec in recorders.items():
                    recs[name].append(rec(problem))
            if last:
                break
            problem.step(k)
            bar.advance()
    finally:
        bar.close()
    return Run(
        loss=np.array(losses, dtype=float),
        steps=np.array(rec_k),
        records={name: np.array(v) for name, v in recs.items()},
        state=problem.state(),
        eta=problem.eta(0),
        device=problem.device,
    )


def _check(value: Any, first: Any, k: int, problem: Problem, blowup: float) -> None:
    v, v0 = np.asarray(value, dtype=float), np.asarray(first, dtype=float)
    bad = ~np.isfinite(v) | (v > v0 + blowup * np.maximum(np.abs(v0), 1e-12))
    if not bad.any():
        return
    j = int(np.flatnonzero(bad.ravel())[0])
    now, start = float(v.ravel()[j]), float(v0.ravel()[j])
    what = "became NaN/Inf" if not math.isfinite(now) else f"grew from {start:.3g} to {now:.3g}"
    which = f" (run {j} of the batch)" if v.ndim else ""
    eta = problem.eta(max(k - 1, 0))
    raise DivergenceError(
        f"training diverged at iteration {k} with step size eta = {eta:g}{which}: the loss {what}. {problem.hint()}",
        iteration=k, eta=eta, run=j if v.ndim else None,
    )
