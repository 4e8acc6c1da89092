r"""Part I's experiments (Lectures 1–3), as functions that return data: GD against SGD and the step-size recipe
(:mod:`.sgd`), the tangent kernel along a GD run (:mod:`.kernel_path`), pictures of the
dynamics: paths on contours, the cloud of iterates at the noise floor (:mod:`.dynamics`). Each function that
returns several results returns a frozen dataclass whose docstring lists its fields."""

from __future__ import annotations

from .dynamics import (
    Floor1D,
    LeastSquares2D,
    NoiseCloud,
    elongated_least_squares,
    floor_1d,
    gd_path,
    noise_cloud,
    sgd_path,
)
from .kernel_path import KernelPath, kernel_along_gd
from .sgd import (
    NonconvexRate,
    SgdCost,
    StepRecipe,
    cauchy_regression,
    gd_vs_sgd_cost,
    largest_stable_step,
    sgd_nonconvex_rate,
    step_recipe,
)

__all__ = [
    "Floor1D",
    "KernelPath",
    "LeastSquares2D",
    "NoiseCloud",
    "NonconvexRate",
    "SgdCost",
    "StepRecipe",
    "cauchy_regression",
    "elongated_least_squares",
    "floor_1d",
    "gd_path",
    "gd_vs_sgd_cost",
    "kernel_along_gd",
    "largest_stable_step",
    "noise_cloud",
    "sgd_path",
    "sgd_nonconvex_rate",
    "step_recipe",
]
