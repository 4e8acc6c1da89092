"""Every check on bad input: a ValueError that names the argument and says what was expected."""

import numpy as np
import pytest
import torch

import ovptools as ov

X = ov.sphere(5, 3, seed=0)
W, a = ov.init_two_layer(4, 3, seed=1)
Ws, v = ov.init_deep(3, 4, 2, seed=2)
y = ov.gaussian_labels(5, seed=3)
NAN_X = X.copy()
NAN_X[1, 1] = np.nan


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: ov.gram_empirical(W, X[:, :2]), r"W: expected 2 columns"),
        (lambda: ov.gram_empirical(W, X[0]), r"X: expected a 2-D array, got shape \(3,\)"),
        (lambda: ov.gram_empirical(W, NAN_X), r"X: contains 1 NaN or Inf"),
        (lambda: ov.gram_empirical(W * np.array([[np.inf], [1], [1], [1]]), X), r"W: contains 3 NaN or Inf"),
        (lambda: ov.gram_empirical(np.where(W > 0, np.nan, W), X), r"W: contains \d+ NaN or Inf"),
        (lambda: ov.gram_empirical(torch.as_tensor(W).float() * torch.nan, X), r"W: contains 12 NaN or Inf"),
        (lambda: ov.gram_empirical("W", X), r"W: expected a numpy array or torch tensor, got str"),
        (lambda: ov.gram_empirical(np.array([["a"]]), X), r"W: expected a numeric array"),
        (lambda: ov.gram_infinite(2 * X), r"X: the formula assumes unit-norm rows"),
        (lambda: ov.relu_nngp(2 * X), r"X: the formula assumes unit-norm rows"),
        (lambda: ov.relu_ntk_infinite(2 * X, 2), r"X: the formula assumes unit-norm rows"),
        (lambda: ov.relu_ntk_infinite(X, 0), r"depth: expected an integer >= 1"),
        (lambda: ov.lambda_min(np.ones((2, 3))), r"H: expected a square matrix"),
        (lambda: ov.lambda_min(np.array([[1.0, 2.0], [0.0, 1.0]])), r"H: expected a symmetric matrix"),
        (lambda: ov.eigen_projections(np.eye(5), np.ones(4)), r"y: expected 5 rows to match H"),
        (lambda: ov.two_layer_forward(W, a[:3], X), r"a: expected length m = 4"),
        (lambda: ov.two_layer_forward(W, a, X[:, :2]), r"X: expected 3 columns to match W's d"),
        (lambda: ov.deep_relu_forward(Ws, v, X[:, :2]), r"X: expected 3 columns \(rows of Ws\[0\]\)"),
        (lambda: ov.deep_relu_forward([Ws[0], Ws[1][:3]], v, X), r"Ws\[1\]: expected 4 rows"),
        (lambda: ov.deep_relu_forward(Ws, v[:2], X), r"v: expected length 4"),
        (lambda: ov.deep_relu_forward([], v, X), r"Ws: expected a non-empty list"),
        (lambda: ov.empirical_ntk(Ws[0], v, X), r"Ws: expected a non-empty list"),
        (lambda: ov.train_two_layer(W, a, X, y[:4], eta=0.1, steps=1), r"y: expected 5 rows to match X"),
        (lambda: ov.train_two_layer(W, a, X, y, eta=-0.1, steps=1), r"eta: expected a finite number > 0"),
        (lambda: ov.train_two_layer(W, a, X, y, eta=float("nan"), steps=1), r"eta: expected a finite number > 0"),
        (lambda: ov.train_two_layer(W, a, X, y, eta=0.1, steps=2.5), r"steps: expected an integer >= 0"),
        (lambda: ov.train_two_layer(W, a, X, y, eta=0.1, steps=1, record_every=0), r"record_every: expected"),
        (lambda: ov.train_two_layer(W, a, X, y, eta=0.1, steps=1, device="tpu"), r"device: expected 'auto'"),
        (lambda: ov.train_deep(Ws, v, X, y, eta=0.1, steps=1, batch_size=6), r"batch_size: expected at most n = 5"),
        (lambda: ov.train_deep(Ws, v, X, y * np.nan, eta=0.1, steps=1), r"y: contains 5 NaN or Inf"),
        (lambda: ov.init_two_layer(0, 3, seed=0), r"m: expected an integer >= 1"),
        (lambda: ov.init_two_layer(4, 3, seed=0, scale=0), r"scale: expected a finite number > 0"),
        (lambda: ov.init_deep(3, 4, 0, seed=0), r"depth: expected an integer >= 1"),
        (lambda: ov.sphere(-1, 3, seed=0), r"n: expected an integer >= 1"),
        (lambda: ov.teacher_data(5, 3, 0, seed=0), r"k0: expected an integer >= 1"),
    ],
)
def test_bad_input_names_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_cuda_request_without_gpu_is_explained():
    if torch.cuda.is_available():
        assert ov.resolve_device("cuda").type == "cuda"
    else:
        with pytest.raises(ValueError, match="device: 'cuda' was asked for"):
            ov.resolve_device("cuda")


def test_auto_device_prefers_cuda_then_cpu():
    dev = ov.resolve_device("auto")
    mps = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    assert dev.type == ("cuda" if torch.cuda.is_available() else "mps" if mps else "cpu")
    assert ov.resolve_device("cpu").type == "cpu"


def test_numpy_in_numpy_out_torch_in_torch_out():
    assert isinstance(ov.gram_infinite(X), np.ndarray)
    assert isinstance(ov.gram_infinite(torch.as_tensor(X)), torch.Tensor)
    assert isinstance(ov.two_layer_forward(W, a, X), np.ndarray)
    assert isinstance(ov.empirical_ntk([torch.as_tensor(w) for w in Ws], v, X), torch.Tensor)
