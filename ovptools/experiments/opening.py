r"""The course's opening puzzle (Zhang, Bengio, Hardt, Recht, Vinyals, ICLR 2017, on a small scale): a network
with far more parameters than training points fits random labels as well as true ones, by SGD, from a random
initialization — and the same network generalizes only when the labels are true.

The data are scikit-learn's 8×8 digits (unit rows, d = 64), labelled +1 for an even digit and −1 for an odd one;
the random labels are ±1 coin flips, drawn once, independent of the images. The network is a standard
fully connected ReLU net with two hidden layers (PyTorch's default initialization, drawn from ``seed``), trained
by :func:`ovptools.train.descend` on the square loss with minibatch SGD.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .._device import few_threads, generator, resolve_device
from .._validate import check_count, check_positive, check_seed, rng
from ..train import descend
from ..train.problems import ModuleProblem


@dataclass(frozen=True)
class PuzzleResult:
    """The two runs of :func:`random_label_puzzle` (true and random labels), same inputs, same initialization.

    n_train (int): training images; n_test (int): held-out images (always scored against their true labels).
    width (int): units per hidden layer; params (int): trained parameters p = 64m + m + m² + m + m + 1.
    eta (float): the SGD step on the *mean* square loss (the summed loss's step is eta/n);
    batch_size (int): samples per SGD step (drawn without replacement, reshuffled after each pass).
    loss_steps (np.ndarray): the iterations k at which the full training loss was evaluated (every 10th, and the last).
    loss_true, loss_random (np.ndarray): the summed square loss ½Σ(f(x_i) − y_i)² at ``loss_steps``.
    steps (np.ndarray): the iterations at which the accuracies were recorded.
    train_acc_true, train_acc_random (np.ndarray): fraction of training images with sign f(x_i) = y_i at ``steps``.
    test_acc_true, test_acc_random (np.ndarray): the same on the held-out images with their true labels.
    fit_true, fit_random (int): the first recorded step with training accuracy 1 (−1 if never reached).
    label_agreement (float): fraction of training images whose random label equals the true one (≈ ½).
    seconds (float): wall time of both runs.
    device (str): where they ran.
    seed (int): the seed of the data split, the random labels (``seed`` + 1) and the initialization.
    final_true (tuple[np.ndarray, ...]): the true-label net's weights and biases at the end, layer by layer
    (W₁, b₁, W₂, b₂, W₃, b₃ as numpy arrays, PyTorch's (out, in) orientation), for :func:`permuted_midpoint`.
    """

    n_train: int
    n_test: int
    width: int
    params: int
    eta: float
    batch_size: int
    loss_steps: np.ndarray
    loss_true: np.ndarray
    loss_random: np.ndarray
    steps: np.ndarray
    train_acc_true: np.ndarray
    train_acc_random: np.ndarray
    test_acc_true: np.ndarray
    test_acc_random: np.ndarray
    fit_true: int
    fit_random: int
    label_agreement: float
    seconds: float
    device: str
    seed: int
    final_true: tuple[np.ndarray, ...]


@dataclass(frozen=True)
class MidpointCheck:
    """The loss at a trained θ, at θ with its hidden units permuted (the same function), and at their midpoint.

    loss_theta (float): summed square loss L(θ) on the training set.
    loss_permuted (float): L(πθ), equal to L(θ) up to rounding: permuting the units of a hidden layer (with the
    matching rows and columns of the layers around it) does not change the network's function.
    loss_midpoint (float): L(½θ + ½πθ). A convex L would have L(midpoint) ≤ ½L(θ) + ½L(πθ).
    loss_zero (float): L at all parameters 0 (the network outputs 0), for scale: ½Σy_i² = n/2.
    """

    loss_theta: float
    loss_permuted: float
    loss_midpoint: float
    loss_zero: float


def puzzle_net(width: int, *, seed: int, device: str | torch.device = "cpu") -> nn.Sequential:
    """64 → ``width`` → ``width`` → 1, ReLU, float32, with PyTorch's default initialization (weights and biases
    uniform on ±1/√fan_in) drawn from ``seed`` (no global random state is touched)."""
    width = check_count(width, "width")
    g = generator(seed)
    net = nn.Sequential(nn.Linear(64, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 1))
    with torch.no_grad():
        for layer in net:
            if isinstance(layer, nn.Linear):
                bound = 1.0 / np.sqrt(layer.in_features)
                for t in (layer.weight, layer.bias):
                    t.copy_(torch.rand(t.shape, generator=g) * 2 * bound - bound)
    return net.to(device)


def random_label_puzzle(
    *,
    n_train: int = 200,
    width: int = 256,
    steps: int = 6000,
    eta: float = 0.2,
    batch_size: int = 20,
    record_every: int = 100,
    seed: int = 0,
    device: str | torch.device = "auto",
) -> PuzzleResult:
    r"""Train the same network (:func:`puzzle_net`) from the same initialization on the digits' true parity
    labels and on random ±1 labels; record the training loss, and the training and test accuracy.

    Minibatch SGD, ``batch_size`` samples per step, the unbiased gradient (n/B)Σ_{i∈B}∇ℓ_i of the summed square
    loss with step ``eta``/n (so ``eta`` is the step on the mean loss). The training images are the first
    ``n_train`` of a shuffle (``seed``) of all 1797 digits, the rest are the test images.
    """
    from .part4 import digits_parity

    n_train, steps = check_count(n_train, "n_train", minimum=2), check_count(steps, "steps")
    eta, seed = check_positive(eta, "eta"), check_seed(seed)
    batch_size, record_every = check_count(batch_size, "batch_size"), check_count(record_every, "record_every")
    if batch_size > n_train:
        raise ValueError(f"batch_size: expected at most n_train = {n_train}, got {batch_size}")
    X, y, X_test, y_test = digits_parity(n_train=n_train, seed=seed)
    y_random = np.where(rng(seed + 1).random(n_train) < 0.5, 1.0, -1.0)
    dev = resolve_device(device, torch.float32)
    Xt, Xt_test = (torch.as_tensor(A, dtype=torch.float32, device=dev) for A in (X, X_test))
    runs, nets = {}, {}
    start = time.perf_counter()
    for name, labels in (("true", y), ("random", y_random)):
        net = nets[name] = puzzle_net(width, seed=seed, device=dev)

        def accuracy(Z: torch.Tensor, target: np.ndarray, net: nn.Module = net) -> float:
            with torch.no_grad():
                return float(np.mean(np.sign(net(Z)[:, 0].cpu().numpy()) == target))

        problem = ModuleProblem(net, Xt, labels, eta=eta / n_train, loss="square", batch_size=batch_size, seed=seed)
        recorders = {"train": lambda p, lab=labels: accuracy(Xt, lab), "test": lambda p: accuracy(Xt_test, y_test)}
        with few_threads():
            runs[name] = descend(problem, steps=steps, recorders=recorders, record_every=record_every, loss_every=10,
                                 desc=f"SGD (digits, {name} labels)")
    seconds = time.perf_counter() - start
    loss_steps = np.flatnonzero(np.isfinite(runs["true"].loss))

    def first_fit(acc: np.ndarray, at: np.ndarray) -> int:
        return int(at[np.argmax(acc == 1.0)]) if np.any(acc == 1.0) else -1

    rec = runs["true"].steps
    return PuzzleResult(
        n_train=n_train, n_test=len(y_test), width=width, params=64 * width + width * width + 3 * width + 1,
        eta=eta, batch_size=batch_size, loss_steps=loss_steps,
        loss_true=runs["true"].loss[loss_steps], loss_random=runs["random"].loss[loss_steps], steps=rec,
        train_acc_true=runs["true"].records["train"], train_acc_random=runs["random"].records["train"],
        test_acc_true=runs["true"].records["test"], test_acc_random=runs["random"].records["test"],
        fit_true=first_fit(runs["true"].records["train"], rec),
        fit_random=first_fit(runs["random"].records["train"], rec),
        label_agreement=float(np.mean(y_random == y)), seconds=seconds, device=str(dev), seed=seed,
        final_true=tuple(t.detach().cpu().numpy().copy() for t in nets["true"].parameters()),
    )


def permuted_midpoint(result: PuzzleResult, *, seed: int = 0) -> MidpointCheck:
    """Convexity fails for the trained net of ``result``: permute the units of both hidden layers at random
    (``seed``), which leaves the function unchanged, and evaluate the training loss on the segment's midpoint.
    The training set is the one ``result`` was trained on (rebuilt from its ``n_train`` and ``seed``)."""
    from .part4 import digits_parity

    if not isinstance(result, PuzzleResult):
        raise ValueError(f"result: expected a PuzzleResult (from random_label_puzzle), got {type(result).__name__}")
    X, y, _, _ = digits_parity(n_train=result.n_train, seed=result.seed)
    W1, b1, W2, b2, W3, b3 = result.final_true
    g = rng(seed)
    p1, p2 = g.permutation(len(b1)), g.permutation(len(b2))
    permuted = (W1[p1], b1[p1], W2[p2][:, p1], b2[p2], W3[:, p2], b3)

    def loss(params) -> float:
        A1, c1, A2, c2, A3, c3 = (np.asarray(t, dtype=float) for t in params)
        h = np.maximum(X @ A1.T + c1, 0)
        h = np.maximum(h @ A2.T + c2, 0)
        return float(0.5 * np.sum(((h @ A3.T + c3)[:, 0] - y) ** 2))

    mid = tuple((a + b) / 2 for a, b in zip(result.final_true, permuted))
    return MidpointCheck(loss_theta=loss(result.final_true), loss_permuted=loss(permuted), loss_midpoint=loss(mid),
                         loss_zero=loss(tuple(np.zeros_like(t) for t in result.final_true)))


__all__ = ["MidpointCheck", "PuzzleResult", "permuted_midpoint", "puzzle_net", "random_label_puzzle"]
