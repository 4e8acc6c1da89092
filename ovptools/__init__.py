"""ovptools: the computations behind the course on why gradient descent trains
over-parameterized networks. The names below are the public API used by the notebooks.

Names are loaded on first use, so ``import ovptools.grading`` (used by every assignment's tests)
does not pay for importing torch when the notebook does not need it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "._device": ["resolve_device"],
    ".data": [
        "digits", "gaussian_labels", "min_separation", "normalize_rows", "separated_data", "sphere", "teacher_data",
    ],
    ".kernels": [
        "eigen_projections", "empirical_ntk", "gram_empirical", "gram_infinite", "jacobian",
        "lambda_min", "relu_nngp", "relu_ntk_infinite", "tangent_kernel",
    ],
    ".models": ["DeepReLUNet", "OneLayerNet", "TwoLayerNet", "deep_relu_forward", "init_deep", "init_two_layer",
                "two_layer_forward"],
    ".train": ["DeepRun", "DivergenceError", "ModelRun", "TwoLayerRun", "train_deep", "train_gd", "train_two_layer"],
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ovptools' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # for editors and type checkers: the same names, imported eagerly
    from ._device import resolve_device  # noqa: F401
    from .data import (  # noqa: F401
        digits,
        gaussian_labels,
        min_separation,
        normalize_rows,
        separated_data,
        sphere,
        teacher_data,
    )
    from .kernels import (  # noqa: F401
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
    from .models import (  # noqa: F401
        DeepReLUNet,
        OneLayerNet,
        TwoLayerNet,
        deep_relu_forward,
        init_deep,
        init_two_layer,
        two_layer_forward,
    )
    from .train import (  # noqa: F401
        DeepRun,
        DivergenceError,
        ModelRun,
        TwoLayerRun,
        train_deep,
        train_gd,
        train_two_layer,
    )
