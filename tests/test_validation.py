"""Every check on bad input: a ValueError that names the argument and says what was expected; and the
shared helpers behind them (``ovptools._validate``, ``ovptools._device``, ``ovptools.experiments.common``)."""

import weakref

import numpy as np
import pytest
import torch
from torch.overrides import TorchFunctionMode
from torch.utils._pytree import tree_flatten

import ovptools as ov
import ovptools._device as device_module

X = ov.sphere(5, 3, seed=0)
W, a = ov.init_two_layer(3, 4, seed=1)
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
        (lambda: ov.nngp_infinite(2 * X), r"X: the formula assumes unit-norm rows"),
        (lambda: ov.ntk_infinite(2 * X, 2), r"X: the formula assumes unit-norm rows"),
        (lambda: ov.ntk_infinite(X, 0), r"depth: expected an integer >= 1"),
        (lambda: ov.lambda_min(np.ones((2, 3))), r"H: expected a square matrix"),
        (lambda: ov.lambda_min(np.array([[1.0, 2.0], [0.0, 1.0]])), r"H: expected a symmetric matrix"),
        (lambda: ov.eigen_projections(np.eye(5), np.ones(4)), r"y: expected 5 rows to match H"),
        (lambda: ov.two_layer_forward(W, a[:3], X), r"a: expected length m = 4"),
        (lambda: ov.two_layer_forward(W, a, X[:, :2]), r"X: expected 3 columns to match W's d"),
        (lambda: ov.deep_relu_forward(Ws, v, X[:, :2]), r"X: expected 3 columns \(rows of Ws\[0\]\)"),
        (lambda: ov.deep_relu_forward([Ws[0], Ws[1][:3]], v, X), r"Ws\[1\]: expected 4 rows"),
        (lambda: ov.deep_relu_forward(Ws, v[:2], X), r"v: expected length 4"),
        (lambda: ov.deep_relu_forward([], v, X), r"Ws: expected a non-empty list"),
        (lambda: ov.ntk_empirical(Ws[0], v, X), r"Ws: expected a non-empty list"),
        (lambda: ov.train_two_layer(X, y[:4], W, a, eta=0.1, steps=1), r"y: expected 5 rows to match X"),
        (lambda: ov.train_two_layer(X, y, W, a, eta=-0.1, steps=1), r"eta: expected a finite number > 0"),
        (lambda: ov.train_two_layer(X, y, W, a, eta=float("nan"), steps=1), r"eta: expected a finite number > 0"),
        (lambda: ov.train_two_layer(X, y, W, a, eta=0.1, steps=2.5), r"steps: expected an integer >= 0"),
        (lambda: ov.train_two_layer(X, y, W, a, eta=0.1, steps=1, record_every=0), r"record_every: expected"),
        (lambda: ov.train_two_layer(X, y, W, a, eta=0.1, steps=1, device="tpu"), r"device: expected 'auto'"),
        (lambda: ov.train_deep(X, y, Ws, v, eta=0.1, steps=1, batch_size=6), r"batch_size: expected at most n = 5"),
        (lambda: ov.train_deep(X, y * np.nan, Ws, v, eta=0.1, steps=1), r"y: contains 5 NaN or Inf"),
        (lambda: ov.init_two_layer(3, 0, seed=0), r"m: expected an integer >= 1"),
        (lambda: ov.init_two_layer(3, 4, seed=0, scale=0), r"scale: expected a finite number > 0"),
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


@pytest.fixture
def fake_devices(monkeypatch):
    """Pretend which accelerators torch sees: fake_devices(cuda=False, mps=True)."""

    def fake(*, cuda: bool, mps: bool) -> None:
        monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
        monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)

    return fake


def test_auto_device_prefers_cuda_then_mps_then_cpu(fake_devices):
    fake_devices(cuda=True, mps=True)
    assert ov.resolve_device("auto").type == "cuda"
    fake_devices(cuda=False, mps=True)
    assert ov.resolve_device("auto").type == "mps" and ov.resolve_device(None).type == "mps"
    fake_devices(cuda=False, mps=False)
    assert ov.resolve_device("auto").type == "cpu"
    assert ov.resolve_device("cpu").type == "cpu"


def test_float64_work_never_lands_on_mps(fake_devices):
    # regression: on an Apple laptop "auto" picked MPS, which has no float64
    fake_devices(cuda=False, mps=True)
    assert ov.resolve_device("auto", torch.float64).type == "cpu"
    assert ov.resolve_device("auto", torch.float32).type == "mps"
    with pytest.raises(ValueError, match="dtype: float64 is not supported on 'mps'"):
        ov.resolve_device("mps", torch.float64)
    run = ov.train_two_layer(X, y, W, a, eta=0.1, steps=2, dtype=torch.float64)  # device="auto"
    assert run.device == "cpu" and run.W.dtype == np.float64
    run = ov.train_deep(X, y, Ws, v, eta=0.01, steps=2)  # numpy float64 weights: float64, so the CPU
    assert run.device == "cpu"


def test_seeds_accept_numpy_integers():
    np.testing.assert_array_equal(ov.sphere(4, 3, seed=np.int64(5)), ov.sphere(4, 3, seed=5))
    np.testing.assert_array_equal(ov.init_deep(3, 4, 2, seed=np.int32(1))[1], ov.init_deep(3, 4, 2, seed=1)[1])
    run = ov.train_deep(X, y, Ws, v, eta=0.01, steps=2, batch_size=2, seed=np.int64(3))
    assert len(run.loss) == 3
    with pytest.raises(ValueError, match="seed: expected an int"):
        ov.sphere(4, 3, seed=1.5)


def test_integer_input_becomes_float64():
    H = ov.gram_infinite(np.eye(3, dtype=int))
    assert H.dtype == np.float64
    assert ov.two_layer_forward(np.ones((2, 3), dtype=int), [1, -1], np.eye(3, dtype=int)).dtype == np.float64
    assert ov.gram_infinite(torch.eye(3, dtype=torch.int64)).dtype == torch.float64


def test_relu_derivative_at_zero_is_one_in_every_model():
    # ties w_rᵀx_i = 0 exactly: the two-layer Gram matrix and the deep NTK both equal J Jᵀ under autograd
    Xi = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]) / np.array([[1.0], [1.0], [np.sqrt(2)]])
    Wt = np.array([[0.0, 1.0], [0.0, -1.0], [1.0, -1.0]])
    at = np.array([1.0, -1.0, 1.0])
    K = ov.tangent_kernel(ov.TwoLayerNet(Wt, at), Xi).numpy()
    np.testing.assert_allclose(ov.gram_empirical(Wt, Xi), K, atol=1e-15)
    deep = [Wt.T.copy(), np.eye(3)]
    K = ov.tangent_kernel(ov.DeepReLUNet(deep, at), Xi).numpy()
    np.testing.assert_allclose(ov.ntk_empirical(deep, at, Xi), K, atol=1e-15)
    z = torch.zeros(1, requires_grad=True)
    ov.models.relu(z).sum().backward()
    assert z.grad.item() == 1.0


def test_models_with_an_n_by_1_output_train_like_flat_ones():
    # regression: (model(X) - y) broadcast an (n, 1) output against y into an n×n loss
    torch.manual_seed(0)
    head = torch.nn.Linear(3, 1).double()
    flat = torch.nn.Linear(3, 1).double()
    flat.load_state_dict(head.state_dict())

    class Flat(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lin = flat

        def forward(self, Z):
            return self.lin(Z)[:, 0]

    w0, b0 = head.weight.detach().numpy()[0].copy(), head.bias.item()
    r1 = ov.train_model(head, X, y, eta=0.05, steps=5, track_kernel=False)
    r2 = ov.train_model(Flat(), X, y, eta=0.05, steps=5, track_kernel=False)
    np.testing.assert_allclose(r1.loss, r2.loss, rtol=1e-12)
    assert r1.loss[0] == pytest.approx(0.5 * np.sum((X @ w0 + b0 - y) ** 2), rel=1e-12)
    with pytest.raises(ValueError, match=r"model: expected one output per sample"):
        ov.train_model(torch.nn.Linear(3, 2).double(), X, y, eta=0.1, steps=1)


def test_min_separation_with_many_classes():
    # regression: labels 0…9 were split as y > 0 against y <= 0
    Xd, yd, _, _ = ov.digits((3, 5, 8), n_train=120, seed=0)
    brute = min(np.linalg.norm(Xd[i] - Xd[j]) for i in range(120) for j in range(120) if yd[i] != yd[j])
    assert ov.min_separation(Xd, yd) == pytest.approx(brute, rel=1e-9)
    Xs, ys = ov.separated_data(30, 5, phi=0.2, seed=0)
    assert ov.min_separation(Xs, ys) >= 0.2


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: ov.DeepReLUNet([], v), r"Ws: expected a non-empty list"),
        (lambda: ov.TwoLayerNet(W, a[:3]), r"a: expected length m = 4"),
        (lambda: ov.TwoLayerNet(np.zeros((0, 3)), np.zeros(0)), r"W: expected at least one neuron"),
        (lambda: ov.two_layer_forward(np.zeros((0, 3)), np.zeros(0), X), r"W: expected at least one neuron"),
        (lambda: ov.deep_relu_forward([np.zeros((3, 0))], np.zeros(0), X), r"Ws\[0\]: expected a width >= 1"),
        (lambda: ov.init_deep(3, 0, 2, seed=0), r"m: expected an integer >= 1"),
        (lambda: ov.gram_infinite([[1.0, 0.0], [1.0]]), r"X: expected a rectangular array"),
        (lambda: ov.gram_infinite(X.astype(complex)), r"X: expected real numbers"),
        (lambda: ov.gram_empirical(torch.ones(2, 3, dtype=torch.complex64), X), r"W: expected real numbers"),
        (lambda: ov.normalize_rows([[1, 2], [3]]), r"X: expected a rectangular array"),
        (lambda: ov.min_separation(X, y[:3]), r"y: expected 5 rows to match X"),
        (lambda: ov.train_model(torch.nn.Linear(3, 1).requires_grad_(False), X, y, eta=0.1, steps=1),
         r"model: has no trainable parameters"),
        (lambda: ov.train_model("net", X, y, eta=0.1, steps=1), r"model: expected a torch.nn.Module"),
        (lambda: ov.train_model(torch.nn.Linear(3, 1).double(), X, y, eta=0.1, steps=1, loss="hinge"),
         r"loss: expected"),
        (lambda: ov.jacobian(torch.nn.Linear(3, 1).requires_grad_(False), X), r"model: has no trainable parameters"),
        (lambda: ov.gd(lambda w: 0.0, "grad", [1.0], eta=0.1, steps=1), r"grad: expected a function"),
        (lambda: ov.gd(lambda w: 0.0, lambda w: w, [[1.0], [2.0, 3.0]], eta=0.1, steps=1), r"w0: expected a rectang"),
        (lambda: ov.pl_ratios([1.0, 2.0], [1.0], 0.0), r"grad_sq_norms: expected shape \(2,\)"),
        (lambda: ov.hvp(lambda w: (w**2).sum(), np.ones(3), np.ones(2)), r"vec: expected shape \(3,\)"),
    ],
)
def test_more_bad_input_names_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_gram_empirical_keeps_autograd_at_every_size():
    # regression: the large-CPU numpy path raised on tensors that require grad (and dropped the graph)
    for n, d, m in [(4, 3, 5), (128, 8, 2**15)]:  # the second is above the numpy-path threshold
        Xg = torch.as_tensor(ov.sphere(n, d, seed=0)).requires_grad_(True)
        Wg = torch.as_tensor(ov.init_two_layer(d, m, seed=1)[0])
        H = ov.gram_empirical(Wg, Xg)
        assert H.requires_grad
        H.sum().backward()
        assert Xg.grad is not None and torch.isfinite(Xg.grad).all()
        np.testing.assert_allclose(H.detach().numpy(), ov.gram_empirical(Wg.numpy(), Xg.detach().numpy()), rtol=1e-12)


def test_numpy_in_numpy_out_torch_in_torch_out():
    assert isinstance(ov.gram_infinite(X), np.ndarray)
    assert isinstance(ov.gram_infinite(torch.as_tensor(X)), torch.Tensor)
    assert isinstance(ov.two_layer_forward(W, a, X), np.ndarray)
    assert isinstance(ov.ntk_empirical([torch.as_tensor(w) for w in Ws], v, X), torch.Tensor)


LOG_X = ov.sphere(6, 3, seed=4)
LOG_Y = np.array([1.0, -1.0, 1.0, 1.0, -1.0, -1.0])
COLUMN = r"y: expected a 1-D array, got shape \(6, 1\)"


@pytest.mark.parametrize(
    "call,match",
    [
        # regression: a y of shape (n, 1) broadcast y * (X @ w) to an n×n matrix of margins (a wrong loss, silently)
        (lambda: ov.logistic_loss(np.ones(3), LOG_X, LOG_Y[:, None], 0.1), COLUMN),
        (lambda: ov.logistic_grad(np.ones(3), LOG_X, LOG_Y[:, None], 0.1), COLUMN),
        (lambda: ov.logistic_optimum(LOG_X, LOG_Y[:, None], 0.1), r"y: expected a 1-D array"),
        (lambda: ov.logistic_loss(np.ones(2), LOG_X, LOG_Y, 0.1), r"w: expected length d = 3"),
        (lambda: ov.logistic_loss(np.ones(3), LOG_X, LOG_Y[:5], 0.1), r"y: expected 6 rows to match X"),
        (lambda: ov.logistic_loss(np.ones(3), LOG_X, (LOG_Y + 1) / 2, 0.1),
         r"y: expected labels ±1, got values such as \[0\.0\]"),
        (lambda: ov.logistic_loss(np.ones(3), LOG_X, LOG_Y, -1.0), r"lam: expected a finite number >= 0"),
        (lambda: ov.logistic_optimum(LOG_X, LOG_Y, 0.0), r"lam: expected a finite number > 0"),
        # regression: training on y ∈ {0, 1} ran, fitting a loss that is not the logistic loss of those labels
        (lambda: ov.train_deep(X, (y > 0).astype(float), Ws, v, eta=0.1, steps=1, loss="logistic"),
         r"y: the logistic loss expects labels ±1, got values such as \[0\.0"),
        (lambda: ov.train_model(torch.nn.Linear(3, 1).double(), X, (y > 0).astype(float), eta=0.1, steps=1,
                                loss="logistic"), r"y: the logistic loss expects labels ±1"),
        # regression: a string gave a TypeError inside torch, an integer dtype trained in integers
        (lambda: ov.train_two_layer(X, y, W, a, eta=0.1, steps=1, dtype="float32"),
         r"dtype: expected a floating torch dtype such as torch.float32 or torch.float64 .*got 'float32'"),
        (lambda: ov.train_two_layer(X, y, W, a, eta=0.1, steps=1, dtype=torch.int64), r"dtype: .*got torch.int64"),
        (lambda: ov.train_deep(X, y, Ws, v, eta=0.1, steps=1, dtype=np.float32), r"dtype: expected a floating torch"),
        # regression: an IndexError from eigvalsh's empty result
        (lambda: ov.lambda_min(np.zeros((0, 0))), r"H: expected a non-empty matrix"),
        # regression: float("a") raised "could not convert string to float", without naming mu
        (lambda: ov.separated_data(10, 3, phi=0.1, mu="a", seed=0), r"mu: expected a number, got 'a'"),
        (lambda: ov.separated_data(10, 3, phi=0.1, mu=-0.5, seed=0), r"mu: expected a finite number >= 0"),
        (lambda: ov.separated_data(10, 3, phi=0.1, mu=1.0, seed=0), r"mu: expected a number in \[0, 1\)"),
        (lambda: ov.autodiff.lanczos(lambda q: q, 3, steps=2, seed=1.5), r"seed: expected an int"),
    ],
)
def test_loose_inputs_are_refused_by_name(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_good_dtypes_still_train():
    run = ov.train_two_layer(X, y, W, a, eta=0.1, steps=1, dtype=torch.float32)
    assert run.W.dtype == np.float32
    assert ov.train_deep(X, np.sign(y), Ws, v, eta=0.01, steps=1, loss="logistic").loss.shape == (2,)


class _NoFloat64Device(TorchFunctionMode):
    """A device policy like Apple's MPS, faked on the CPU: no float64 tensor and no eigen-solver on the device.
    Only ``in_float64`` computes in float64 (on MPS it moves to the CPU first); the float64 tensors it
    makes, and those computed from them alone, are host tensors, which the policy allows anywhere."""

    SOLVERS = {torch.linalg.eigh, torch.linalg.eigvalsh, torch.linalg.eig, torch.linalg.eigvals}

    def __init__(self) -> None:
        super().__init__()
        self.host: weakref.WeakValueDictionary[int, torch.Tensor] = weakref.WeakValueDictionary()  # by id

    def __torch_function__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        name = getattr(func, "__name__", repr(func))
        f64_in, f64_out = (
            [t for t in tree_flatten(tree)[0] if isinstance(t, torch.Tensor) and t.dtype == torch.float64]
            for tree in ((args, kwargs), out)
        )
        if device_module._float64_depth == 0:
            assert func not in self.SOLVERS, f"{name} ran on the device (MPS has no eigen-solver)"
            assert all(self.host.get(id(t)) is t for t in f64_in), f"{name} got a float64 tensor on the device"
            assert not f64_out or f64_in, f"{name} made a float64 tensor on the device (MPS has none)"
        self.host.update((id(t), t) for t in f64_out)
        return out


def test_public_functions_run_without_float64_on_the_device():
    # regression: eigen_projections ran torch.linalg.eigh on the input's device, which MPS lacks
    f32 = lambda x: torch.as_tensor(x, dtype=torch.float32)  # noqa: E731
    X32, y32, W32, a32 = f32(X), f32(y), f32(W), f32(a)
    Ws32, v32 = [f32(w) for w in Ws], f32(v)
    H = None
    with _NoFloat64Device():
        with pytest.raises(AssertionError, match="float64"):  # the policy does catch float64 work
            torch.ones(2, dtype=torch.float64)
        H = ov.gram_empirical(W32, X32)
        for out in (H, ov.gram_infinite(X32), ov.nngp_infinite(X32), ov.ntk_infinite(X32, 2),
                    ov.ntk_empirical(Ws32, v32, X32), ov.two_layer_forward(W32, a32, X32),
                    ov.deep_relu_forward(Ws32, v32, X32), ov.tangent_kernel(ov.TwoLayerNet(W32, a32), X32),
                    ov.jacobian(ov.DeepReLUNet(Ws32, v32), X32), *ov.eigen_projections(H, y32),
                    ov.hvp(lambda w: (w**4).sum(), f32([1.0, 2.0]), f32([1.0, 0.0]))):
            assert out.dtype == torch.float32
        lam0 = ov.lambda_min(ov.gram_infinite(X32))
        top, _ = ov.hessian_extremes(lambda w: (w**4).sum(), f32([1.0, 2.0]))
        run2 = ov.train_two_layer(X32, y32, W32, a32, eta=0.1, steps=3)
        rund = ov.train_deep(X32, y32, Ws32, v32, eta=0.01, steps=3, track_ntk=True)
        runm = ov.train_model(ov.TwoLayerNet(W32, a32), X32, y32, eta=0.1, steps=3)
        with pytest.raises(ov.DivergenceError, match="stable only for eta <"):  # the hint's λ_max, in float64
            ov.train_two_layer(X32, y32, W32, a32, eta=1e4, steps=5)
    assert lam0 == pytest.approx(ov.lambda_min(ov.gram_infinite(X)), rel=1e-5)
    assert top == pytest.approx(48.0, rel=1e-6)  # ∇²Σw⁴ = diag(12 w²) at (1, 2)
    assert run2.W.dtype == rund.Ws[0].dtype == np.float32 and np.isfinite(runm.lambda_min).all()


def test_few_threads_limits_below_the_threshold_and_restores():
    from threadpoolctl import threadpool_info

    from ovptools._device import few_threads

    torch.set_num_threads(2)
    try:
        with few_threads(10):
            assert torch.get_num_threads() == 1
        with few_threads(2**27):  # above the threshold: as before
            assert torch.get_num_threads() == 2
        with few_threads(2**27, above=1):
            assert torch.get_num_threads() == 1
        with few_threads(2**20, threshold=2**16):
            assert torch.get_num_threads() == 2
        assert torch.get_num_threads() == 2

        @few_threads(blas=True)
        def inside() -> list[int]:
            return [torch.get_num_threads()] + [lib["num_threads"] for lib in threadpool_info()
                                                if lib["user_api"] == "blas"]

        assert set(inside()) == {1}
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(1)


def test_loglog_slope_fits_a_power_law():
    from ovptools.experiments.common import loglog_slope

    x = np.array([1.0, 4.0, 16.0, 64.0])
    assert loglog_slope(x, 3 * x**-0.5) == pytest.approx(-0.5, abs=1e-12)
    assert np.isnan(loglog_slope([2.0], [1.0]))
    with pytest.raises(ValueError, match="positive"):
        loglog_slope(x, -x)
    with pytest.raises(ValueError, match="y: expected 4 values"):
        loglog_slope(x, x[:3])


def _count_checks_of(shape, monkeypatch) -> list:
    """Patch the finite check of ovptools._validate (where every check on the CPU ends, numpy or torch) to
    record each pass over an array of ``shape``."""
    import ovptools._validate as validate

    seen = []
    original = validate._all_finite_array

    def counting(a):
        if tuple(a.shape) == shape:
            seen.append(a.dtype)
        return original(a)

    monkeypatch.setattr(validate, "_all_finite_array", counting)
    return seen


def test_training_checks_its_inputs_once(monkeypatch):
    # regression: X went through deep_args, ModuleProblem and the kernel recorder at every record
    X, y = ov.sphere(12, 5, seed=0), ov.gaussian_labels(12, seed=1)
    Ws, v = ov.init_deep(5, 7, 2, seed=2)
    seen = _count_checks_of(X.shape, monkeypatch)
    run = ov.train_deep(X, y, Ws, v, eta=1e-3, steps=6, record_every=1, track_ntk=True, dtype=torch.float32)
    assert len(run.ntk_change) == 7
    assert seen == [np.float32]  # once, by the problem, in the training dtype
    seen_W = _count_checks_of(Ws[1].shape, monkeypatch)
    ov.train_deep(X, y, Ws, v, eta=1e-3, steps=6, record_every=1, track_ntk=True)
    assert len(seen_W) == 1  # the hidden layer's weights: once, when the net is built


def test_deep_lazy_training_checks_x_once_per_public_call(monkeypatch):
    import ovptools.experiments.part3 as ex3

    seen = _count_checks_of((10, 4), monkeypatch)
    ex3.deep_lazy_training(widths=(6, 8), depth=2, n=10, d=4, steps=2, batch_size=5, device="cpu")
    # the experiment hands X to three doors: ntk_infinite once, then train_deep and deep_relu_forward per width
    assert len(seen) == 1 + 2 * 2


def test_a_checked_tensor_is_checked_again_after_an_in_place_change():
    from ovptools._validate import as_tensor

    t = as_tensor(np.ones((3, 2)), "X")  # made (and checked) here
    assert as_tensor(t, "X") is t
    t[0, 0] = float("nan")
    with pytest.raises(ValueError, match="X: contains 1 NaN"):
        as_tensor(t, "X")
    mine = torch.ones(3, 2)  # a caller's tensor: checked at every door
    as_tensor(mine, "X")
    mine.numpy()[1, 1] = float("inf")  # a write torch does not count
    with pytest.raises(ValueError, match="X: contains 1 NaN or Inf"):
        as_tensor(mine, "X")


def test_logistic_optimum_checks_the_data_once(monkeypatch):
    # regression: each Newton step went through the public gradient and its checks again
    seen = _count_checks_of(LOG_X.shape, monkeypatch)
    w, f = ov.logistic_optimum(LOG_X, LOG_Y, 0.1, steps=30)
    assert len(seen) == 1
    assert f == pytest.approx(ov.logistic_loss(w, LOG_X, LOG_Y, 0.1), rel=1e-15)


def test_rng_streams_are_numpy_seed_sequences_and_checked():
    from ovptools._validate import rng

    assert rng(3, 5, 1).standard_normal() == np.random.default_rng([3, 5, 1]).standard_normal()
    assert rng(3).standard_normal() == np.random.default_rng(3).standard_normal()
    assert rng(3, 5).standard_normal() != rng(3, 6).standard_normal()
    with pytest.raises(ValueError, match="seed: expected an int, got 1.5"):
        rng(1.5, 2)
    with pytest.raises(ValueError, match="streams: expected an integer >= 0, got -1"):
        rng(1, -1)
