"""ovptools: the computations behind the course on why gradient descent trains
over-parameterized networks. The names below are the public API used by the notebooks."""

from ._device import resolve_device
from .data import (
    digits,
    gaussian_labels,
    min_separation,
    normalize_rows,
    separated_data,
    sphere,
    teacher_data,
)
from .kernels import (
    as_numpy,
    eigen_projections,
    empirical_ntk,
    gram_empirical,
    gram_infinite,
    jacobian,
    lambda_min,
    relu_nngp,
    relu_ntk_infinite,
    tangent_kernel,
)
from .models import (
    DeepReLUNet,
    OneLayerNet,
    TwoLayerNet,
    deep_relu_forward,
    init_deep,
    init_two_layer,
    two_layer_forward,
)
from .train import DeepRun, DivergenceError, ModelRun, TwoLayerRun, train_deep, train_gd, train_two_layer

__version__ = "0.1.0"

__all__ = [
    "DeepReLUNet",
    "DeepRun",
    "DivergenceError",
    "ModelRun",
    "OneLayerNet",
    "TwoLayerNet",
    "TwoLayerRun",
    "as_numpy",
    "deep_relu_forward",
    "digits",
    "eigen_projections",
    "empirical_ntk",
    "gaussian_labels",
    "gram_empirical",
    "gram_infinite",
    "init_deep",
    "init_two_layer",
    "jacobian",
    "lambda_min",
    "min_separation",
    "normalize_rows",
    "relu_nngp",
    "relu_ntk_infinite",
    "resolve_device",
    "separated_data",
    "sphere",
    "tangent_kernel",
    "teacher_data",
    "train_deep",
    "train_gd",
    "train_two_layer",
    "two_layer_forward",
]
