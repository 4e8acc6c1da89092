"""The opening puzzle's experiment: the same net, from the same start, trained on true and on random labels;
the permuted-units midpoint that shows the loss is not convex."""

import dataclasses

import numpy as np
import pytest
import torch

from ovptools.experiments import opening


@pytest.fixture(scope="module")
def small():
    return opening.random_label_puzzle(n_train=40, width=64, steps=1200, eta=0.2, batch_size=10, record_every=100,
                                       device="cpu")


def test_result_is_frozen_and_consistent(small):
    assert dataclasses.is_dataclass(small)
    with pytest.raises(dataclasses.FrozenInstanceError):
        small.width = 3
    assert small.n_train == 40 and small.n_test == 1797 - 40
    assert small.params == sum(t.size for t in small.final_true) == 64 * 64 + 64 + 64 * 64 + 64 + 64 + 1
    assert small.steps[0] == 0 and small.steps[-1] == 1200 and len(small.steps) == 13
    assert small.loss_steps[0] == 0 and small.loss_steps[-1] == 1200 and np.all(np.diff(small.loss_steps) == 10)
    for name in ("loss_true", "loss_random"):
        assert getattr(small, name).shape == small.loss_steps.shape
    for name in ("train_acc_true", "train_acc_random", "test_acc_true", "test_acc_random"):
        acc = getattr(small, name)
        assert acc.shape == small.steps.shape and np.all((acc >= 0) & (acc <= 1))
    assert 0.2 < small.label_agreement < 0.8


def test_the_network_is_drawn_from_its_seed_alone():
    net = opening.puzzle_net(64, seed=0)
    again = opening.puzzle_net(64, seed=0)
    assert all(torch.equal(a, b) for a, b in zip(net.parameters(), again.parameters()))
    assert not torch.equal(net[0].weight, opening.puzzle_net(64, seed=1)[0].weight)


def test_true_labels_are_fitted_and_generalize(small):
    assert small.fit_true > 0 and small.train_acc_true[-1] == 1.0
    assert small.loss_true[-1] < 0.01 * small.loss_true[0]
    # random labels carry no information about the test images: chance level, far below the true labels
    assert abs(small.test_acc_random[-1] - 0.5) < 0.1
    assert small.test_acc_true[-1] > small.test_acc_random[-1] + 0.2


def test_the_midpoint_of_two_equivalent_minima_is_not_a_minimum(small):
    check = opening.permuted_midpoint(small, seed=3)
    assert check.loss_permuted == pytest.approx(check.loss_theta, rel=1e-6, abs=1e-9)
    assert check.loss_zero == pytest.approx(small.n_train / 2)
    # a convex loss would give L(midpoint) ≤ ½L(θ) + ½L(πθ) = L(θ)
    assert check.loss_midpoint > 10 * check.loss_theta + 0.1


@pytest.mark.parametrize("kwargs, name", [({"batch_size": 50, "n_train": 40}, "batch_size"), ({"eta": -1.0}, "eta"),
                                          ({"width": 0}, "width"), ({"steps": 0}, "steps")])
def test_bad_arguments_are_named(kwargs, name):
    with pytest.raises(ValueError, match=name):
        opening.random_label_puzzle(**kwargs)


def test_permuted_midpoint_needs_a_result():
    with pytest.raises(ValueError, match="result"):
        opening.permuted_midpoint({"final_true": ()})
