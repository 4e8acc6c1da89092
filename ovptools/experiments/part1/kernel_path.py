r"""Lecture 3: the tangent kernel K_t = J(W_t)J(W_t)ᵀ of a one-layer net measured at every GD step, with the
conditions of the lecture's two bounds checked along the run (a torch model)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..._validate import check_count
from ...train import descend


@dataclass(frozen=True)
class KernelPath:
    r"""The tangent kernel measured at every GD iterate t = 0..T (:func:`kernel_along_gd`).

    Per iterate (arrays of length T + 1): ``loss`` L(W_t), ``lambda_min`` and ``lambda_max`` of K_t,
    ``grad_sq`` = ‖∇L(W_t)‖² = r_tᵀK_t r_t, ``pattern_change`` the fraction of activation patterns that differ
    from t = 0. ``eta`` the step. The PL bound: ``pl_bound`` = Π_{t<T}(1 − ηλ_min(K_t)) L(0), ``descent`` (its
    condition L(t+1) ≤ L(t) − (η/2)‖∇L(W_t)‖² held at every step), ``descent_failures`` (the steps where it
    failed), ``descent_slack`` (the smallest L(t) − (η/2)‖∇L(W_t)‖² − L(t+1)), ``pl_step_failures`` (the steps
    where L(t+1) ≤ (1 − ηλ_min(K_t)) L(t) failed). The linearized model: ``linearized`` =
    Π_{t<T}(1 − ηλ_min(K_t))² L(0), ``eta_lambda_max`` = max_t ηλ_max(K_t), ``above_one`` (iterates t < T with
    ηλ_max(K_t) > 1), ``contraction_failures`` (iterates t < T with ηλ_max(K_t) > 2 − ηλ_min(K_t)).
    """

    loss: np.ndarray
    lambda_min: np.ndarray
    lambda_max: np.ndarray
    grad_sq: np.ndarray
    pattern_change: np.ndarray
    eta: float
    pl_bound: float
    linearized: float
    descent: bool
    descent_failures: int
    descent_slack: float
    pl_step_failures: int
    eta_lambda_max: float
    above_one: int
    contraction_failures: int


def kernel_along_gd(net, X, y, *, eta: float, steps: int) -> KernelPath:
    r"""GD with step η on L(W) = ½‖h(X; W) − y‖² for a :class:`~ovptools.OneLayerNet` (trained in
    place), with the tangent kernel K_t = J(W_t)J(W_t)ᵀ measured at **every** iterate t = 0..``steps``.

    Returns a :class:`KernelPath`; per iterate: ``loss``, ``lambda_min`` and ``lambda_max`` of K_t, ``grad_sq`` =
    ‖∇L(W_t)‖² = r_tᵀK_t r_t (r_t = h − y), and ``pattern_change``, the fraction of the n·k
    activation patterns 1{w_aᵀx_i ≥ 0} that differ from t = 0. From these, Lecture 3's two bounds
    and their conditions, with T = ``steps``:

    - ``pl_bound`` = Π_{t<T}(1 − ηλ_min(K_t)) L(0), the PL bound with μ_t = λ_min(K_t); it needs
      L(t+1) ≤ L(t) − (η/2)‖∇L(W_t)‖² at every step (what (1/η)-smoothness along the path gives),
      and ``descent`` says whether that held at every step (``descent_failures`` counts the steps
      where it did not, ``descent_slack`` is the smallest L(t) − (η/2)‖∇L(W_t)‖² − L(t+1)), and
      ``pl_step_failures`` counts the steps where L(t+1) ≤ (1 − ηλ_min(K_t)) L(t) itself failed;
    - ``linearized`` = Π_{t<T}(1 − ηλ_min(K_t))² L(0), what the linear model r(t+1) = (I − ηK_t)r(t)
      would at least achieve; it needs ηλ_max(K_t) ≤ 1: ``eta_lambda_max`` = max_t ηλ_max(K_t), and
      ``above_one`` counts the iterates t < T with ηλ_max(K_t) > 1. What the bound uses is weaker:
      every eigenvalue's factor |1 − ηλ_i(K_t)| ≤ 1 − ηλ_min(K_t), i.e. ηλ_max(K_t) ≤ 2 − ηλ_min(K_t);
      ``contraction_failures`` counts the iterates t < T where that fails.
    """
    import torch

    from ..._device import few_threads
    from ...models import OneLayerNet
    from ...train.problems import ModuleProblem

    if not isinstance(net, OneLayerNet):
        raise ValueError(f"net: expected an ovptools.OneLayerNet, got {type(net).__name__}")
    steps = check_count(steps, "steps")
    problem = ModuleProblem(net, X, y, eta=eta)
    with torch.no_grad():
        S0 = problem.X @ net.W.T >= 0

    def measure(p) -> np.ndarray:
        with torch.no_grad():
            # K_ij = x_iᵀx_j Σ_a v_a² σ'(w_aᵀx_i) σ'(w_aᵀx_j) (Lecture 3 §2; equal to J Jᵀ from autograd,
            # σ'(0) = 1 as torch.where picks the z ≥ 0 branch), formed without the n × kd Jacobian
            Z = p.X @ p.model.W.T
            slope = 1.0 if p.model.slope is None else p.model.slope
            D = torch.where(Z >= 0, torch.ones_like(Z), torch.full_like(Z, slope))
            K = (p.X @ p.X.T) * ((D * p.model.v**2) @ D.T)
            r = p.model(p.X) - p.y
            ev = torch.linalg.eigvalsh(K)
            changed = ((p.X @ p.model.W.T >= 0) != S0).to(torch.float64).mean()
            return np.array([float(ev[0]), float(ev[-1]), float(r @ K @ r), float(changed)])

    with few_threads():  # lecture-size products: one thread is faster
        run = descend(problem, steps=steps, recorders={"kernel": measure}, record_every=1, desc="GD (kernel)")
    lam_min, lam_max, grad_sq, pattern_change = run.kernel.T
    loss = run.loss
    eta = float(eta)
    slack = loss[:-1] - eta / 2 * grad_sq[:-1] - loss[1:]
    shrink = np.clip(1 - eta * lam_min[:-1], 0, None)
    return KernelPath(
        loss=loss,
        lambda_min=lam_min,
        lambda_max=lam_max,
        grad_sq=grad_sq,
        pattern_change=pattern_change,
        eta=eta,
        pl_bound=float(loss[0] * np.prod(shrink)),
        linearized=float(loss[0] * np.prod(shrink**2)),
        descent=bool(np.all(slack >= -1e-12 * loss[:-1])),
        descent_failures=int(np.sum(slack < -1e-12 * loss[:-1])),
        descent_slack=float(slack.min()),
        pl_step_failures=int(np.sum(loss[1:] > shrink * loss[:-1] * (1 + 1e-12))),
        eta_lambda_max=float(eta * lam_max.max()),
        above_one=int(np.sum(eta * lam_max[:-1] > 1 + 1e-12)),
        contraction_failures=int(np.sum(eta * lam_max[:-1] > 2 - eta * lam_min[:-1] + 1e-12)),
    )


__all__ = ["KernelPath", "kernel_along_gd"]
