"""ovptools.ensembles against independent references: the batched ensemble trainer against the
package's per-network trainers, the Taylor model against the closed form with the empirical kernel
and against finite differences, and the output scale that makes training lazy."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import ovptools as ov
from ovptools import ensembles as en
from ovptools import function_space as fs
from ovptools.experiments.kernel_regime import loop_train

THETA = np.array([0.1, 1.0, 2.2, 3.0, 4.1, 5.3])
X = fs.circle(THETA)
Y = np.sin(THETA) + 0.5 * np.cos(2 * THETA)
Z = fs.circle(np.linspace(-np.pi, np.pi, 9))


def test_batched_ensemble_matches_the_package_trainers_network_by_network():
    nets = [ov.init_two_layer(2, 40, seed=s) for s in range(4)]
    ens = en.stack_ensemble(nets, dtype=torch.float64)
    run = en.train_ensemble(X, Y, ens, eta=0.3, steps=30, X_eval=Z)
    for e, (W, a) in enumerate(nets):
        ref = ov.train_two_layer(X, Y, W, a, eta=0.3, steps=30, track_gram=False, device="cpu", progress=False)
        np.testing.assert_allclose(run.loss[:, e], ref.loss, rtol=1e-10)
        np.testing.assert_allclose(run.f_eval[-1, e], ov.two_layer_forward(ref.W, a, Z), atol=1e-10)
    deep = [ov.init_deep(2, 16, 3, seed=s) for s in range(3)]
    ens = en.stack_ensemble(deep, "deep", dtype=torch.float64)
    run = en.train_ensemble(X, Y, ens, eta=0.02, steps=20, X_eval=Z)
    modules = loop_train(torch.tensor(X), torch.tensor(Y), [ov.DeepReLUNet(Ws, v) for Ws, v in deep],
                            eta=0.02, steps=20)
    for e, net in enumerate(modules):
        with torch.no_grad():
            np.testing.assert_allclose(run.f_eval[-1, e], net(torch.tensor(Z)).numpy(), atol=1e-10)
    # the fresh ensembles draw the course's distributions: w ~ N(0, I), a = ±1; W_l ~ N(0, 2/m), balanced v
    W = en.two_layer_ensemble(3, 500, 40, seed=0).params[0]
    assert abs(float(W.std()) - 1) < 0.02
    d = en.deep_ensemble(2, 64, 2, 30, seed=0)
    assert abs(float(d.params[1].var()) * 64 / 2 - 1) < 0.05 and float(d.fixed[0].sum(1).abs().max()) == 0


def _two_layer_jacobian(W, a, P):
    m = len(W)
    S = (P @ W.T >= 0).astype(float)
    return (S * a)[:, :, None] * P[:, None, :] / np.sqrt(m)  # (n, m, d)


@pytest.mark.parametrize("kind", ["two_layer", "generic"])
def test_taylor_model_follows_the_closed_form_with_the_empirical_kernel(kind):
    W, a = ov.init_two_layer(2, 30, seed=5)
    base = en.stack_ensemble([(W, a)], dtype=torch.float64)
    ens = en.Ensemble(kind, base.params, base.fixed, base.forward)  # "generic": the torch.func path
    run = en.train_ensemble(X, Y, ens, eta=0.4, steps=25, record=[0, 10, 25], X_eval=Z, linear=True)
    Jx = _two_layer_jacobian(W, a, X).reshape(len(X), -1)
    Jz = _two_layer_jacobian(W, a, Z).reshape(len(Z), -1)
    f0x, f0z = ov.two_layer_forward(W, a, X), ov.two_layer_forward(W, a, Z)
    expected = fs.kernel_trajectory(Jz @ Jx.T, Jx @ Jx.T, Y, [0, 10, 25], eta=0.4, f0_z=f0z, f0_x=f0x,
                                    discrete=True)
    np.testing.assert_allclose(run.f_eval[:, 0], expected, atol=1e-10)


def test_deep_taylor_model_against_finite_differences():
    Ws, v = ov.init_deep(2, 12, 2, seed=2)
    ens = en.stack_ensemble([(Ws, v)], "deep", dtype=torch.float64)
    f0, jvp, vjp = en.linearized(ens, torch.tensor(Z))
    rng = np.random.default_rng(0)
    deltas = [torch.tensor(rng.standard_normal(W.shape)).unsqueeze(0) for W in Ws]
    eps = 1e-6
    moved = ov.deep_relu_forward([W + eps * dW[0].numpy() for W, dW in zip(Ws, deltas)], v, Z)
    np.testing.assert_allclose(jvp(deltas)[0].numpy(), (moved - f0[0].numpy()) / eps, rtol=1e-4, atol=1e-6)
    r = torch.tensor(rng.standard_normal((1, len(Z))))
    lhs = float((r * jvp(deltas)).sum())
    rhs = sum(float((g * dW).sum()) for g, dW in zip(vjp(r), deltas))
    assert abs(lhs - rhs) < 1e-10 * max(1.0, abs(lhs))  # ⟨r, J δ⟩ = ⟨Jᵀr, δ⟩


def test_output_scale_keeps_the_kernel_at_initialization_and_becomes_lazy():
    far = []
    for alpha in (1.0, 10.0, 100.0):
        ens = en.two_layer_ensemble(2, 64, 4, seed=0, antisymmetric=True, dtype=torch.float64)
        lin = en.two_layer_ensemble(2, 64, 4, seed=0, antisymmetric=True, dtype=torch.float64)
        a = en.train_ensemble(X, Y, ens, eta=0.5, steps=40, record=range(41), X_eval=Z, alpha=alpha)
        b = en.train_ensemble(X, Y, lin, eta=0.5, steps=40, record=range(41), X_eval=Z, alpha=alpha, linear=True)
        assert np.abs(a.f_eval[0]).max() < 1e-12  # antisymmetric pairs: f₀ = 0 (up to rounding)
        far.append(np.abs(a.f_eval - b.f_eval).max())
    assert far[0] > far[1] > far[2] and far[2] < 0.02 * far[0]


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="m"):
        en.two_layer_ensemble(2, 7, 3, seed=0, antisymmetric=True)
    with pytest.raises(ValueError, match="record"):
        en.train_ensemble(X, Y, en.two_layer_ensemble(2, 8, 2, seed=0), eta=0.1, steps=5, record=[9])
