r"""Part III's experiments (deep ReLU nets, Zou et al.; Jacot et al.), as functions that return data.

The deep net, its N(0, 2/m) initialization and the logistic loss are those of
:func:`ovptools.init_deep` and :func:`ovptools.train_deep`; data from :func:`ovptools.separated_data`
(‖x_i‖ = 1, last coordinate μ, classes φ apart).
"""

from __future__ import annotations

from .bounds import (
    arora_width_bound,
    du_lee_lambda0,
    du_lee_resnet_width_bound,
    kawaguchi_huang_parameter_bound,
    liu_zhu_belkin_width_bound,
    width_for_parameters,
    zou_width_bound,
)
from .lazy import (
    AccuracyGrid,
    LazyTraining,
    NTKConvergence,
    accuracy_grid,
    deep_lazy_training,
    ntk_convergence,
)
from .manifold import (
    HessianAtMinimum,
    HyperbolaToy,
    hessian_at_minimum,
    hyperbola_toy,
)
from .memorization import (
    DigitsMemorization,
    DigitsRun,
    digits_memorization,
)
from .patterns import (
    PatternFlips,
    pattern_flips,
)
from .plstar import (
    ConditionSpeed,
    PLStarRun,
    condition_number_speed,
    pl_star_along_run,
)
from .practical import (
    InterpolatingWidths,
    PracticalNet,
    min_interpolating_width,
    mlp_parameter_count,
)
from .residual import (
    DepthComparison,
    NTKTiming,
    PlainVsResidual,
    ResidualReLUNet,
    RunSummary,
    ntk_timing,
    plain_vs_residual,
)

__all__ = [
    "AccuracyGrid",
    "ConditionSpeed",
    "DepthComparison",
    "DigitsMemorization",
    "DigitsRun",
    "HessianAtMinimum",
    "HyperbolaToy",
    "InterpolatingWidths",
    "LazyTraining",
    "NTKConvergence",
    "NTKTiming",
    "PLStarRun",
    "PatternFlips",
    "PlainVsResidual",
    "PracticalNet",
    "ResidualReLUNet",
    "RunSummary",
    "accuracy_grid",
    "arora_width_bound",
    "condition_number_speed",
    "deep_lazy_training",
    "digits_memorization",
    "du_lee_lambda0",
    "du_lee_resnet_width_bound",
    "hessian_at_minimum",
    "hyperbola_toy",
    "kawaguchi_huang_parameter_bound",
    "liu_zhu_belkin_width_bound",
    "min_interpolating_width",
    "mlp_parameter_count",
    "ntk_convergence",
    "ntk_timing",
    "pattern_flips",
    "pl_star_along_run",
    "plain_vs_residual",
    "width_for_parameters",
    "zou_width_bound",
]
