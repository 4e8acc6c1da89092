r"""Part III's experiments (deep ReLU nets, Zou et al.; Jacot et al.), as functions that return data.

The deep net, its N(0, 2/m) initialization and the logistic loss are those of
:func:`ovptools.init_deep` and :func:`ovptools.train_deep`; data from :func:`ovptools.separated_data`
(‖x_i‖ = 1, last coordinate μ, classes φ apart).
"""

from __future__ import annotations

from .lazy import (
    accuracy_grid,
    deep_lazy_training,
    ntk_convergence,
)
from .memorization import (
    digits_memorization,
)
from .plstar import (
    condition_number_speed,
    hessian_at_minimum,
    hyperbola_toy,
    pl_star_along_run,
)
from .practical import (
    PracticalNet,
    min_interpolating_width,
    mlp_parameter_count,
)
from .residual import (
    ResidualReLUNet,
    du_lee_lambda0,
    du_lee_resnet_width_bound,
    ntk_timing,
    plain_vs_residual,
    zou_width_bound,
)

__all__ = [
    "PracticalNet",
    "ResidualReLUNet",
    "accuracy_grid",
    "condition_number_speed",
    "deep_lazy_training",
    "digits_memorization",
    "du_lee_lambda0",
    "du_lee_resnet_width_bound",
    "hessian_at_minimum",
    "hyperbola_toy",
    "min_interpolating_width",
    "mlp_parameter_count",
    "ntk_convergence",
    "ntk_timing",
    "pl_star_along_run",
    "plain_vs_residual",
    "zou_width_bound",
]
