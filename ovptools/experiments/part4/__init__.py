r"""Part IV's experiments (landscapes, strict saddles, non-smooth training, mean field, implicit
bias), as functions that return data; one module per topic.

Lecture 9: strict saddles of f(x, y) = ½x² + ¼y⁴ − ½y² (Lee et al. 2016; Jin et al. 2017),
ReLU teacher–student landscapes, quadratic activations (Du & Lee 2018; Soltanolkotabi, Javanmard
& Lee 2018), kinks under automatic differentiation (Kakade & Lee 2018), the stochastic
subgradient method (Davis, Drusvyatskiy, Kakade & Lee 2018) and the mean-field scaling
(Mei, Montanari & Nguyen 2018; Chizat & Bach 2018).

Lecture 10: implicit bias of GD on separable data (Soudry et al. 2018), the regularized path to the
max margin (Wei, Lee, Liu & Ma 2019), a homogeneous net's normalized margin, and generalization
against width with a norm-based capacity measure (Golowich, Rakhlin & Shamir 2018).

Each function that returns several results returns a frozen dataclass whose docstring lists its fields.
"""

from __future__ import annotations

from .dynamics import (
    MeanFieldMovement,
    NeuronPaths,
    ScalingMovement,
    mean_field_movement,
    neuron_paths,
)
from .generalization import (
    MarginRun,
    RegularizedMargins,
    WidthSweep,
    digits_parity,
    regularized_margins,
    two_layer_margin_run,
    width_sweep,
)
from .margins import (
    LogisticPath,
    SoudryExperiment,
    logistic_gd_path,
    normalized_margin,
    soudry_data,
    soudry_experiment,
)
from .nonsmooth import (
    BiasGradients,
    KinkAutodiff,
    KinkComposition,
    KinkFrequency,
    KinkGradients,
    autodiff_at_kink,
    kink_frequency,
    kink_gradients,
)
from .quadratic import (
    QuadraticLandscape,
    WidthRuns,
    quadratic_landscape,
)
from .saddles import (
    PerturbedGD,
    RandomStarts,
    SaddleEscape,
    perturbed_gd_saddle,
    saddle_escape,
    saddle_random_starts,
    saddle_value,
)
from .students import (
    HessianTiming,
    LossSlice,
    Restarts,
    StudentRuns,
    TeacherStudent,
    hessian_timing,
    loss_slice,
    restart_nearby,
    student_hessian_extremes,
    student_loss,
    teacher_student,
)
from .subgradient import (
    SubgradientRate,
    subgradient_l1_regression,
)
from .svm import (
    SVM,
    SVMReference,
    hard_margin_svm,
    svm_direction,
    svm_reference,
)

__all__ = [
    "BiasGradients",
    "HessianTiming",
    "KinkAutodiff",
    "KinkComposition",
    "KinkFrequency",
    "KinkGradients",
    "LogisticPath",
    "LossSlice",
    "MarginRun",
    "MeanFieldMovement",
    "NeuronPaths",
    "PerturbedGD",
    "QuadraticLandscape",
    "RandomStarts",
    "RegularizedMargins",
    "Restarts",
    "SVM",
    "SVMReference",
    "SaddleEscape",
    "ScalingMovement",
    "SoudryExperiment",
    "StudentRuns",
    "SubgradientRate",
    "TeacherStudent",
    "WidthRuns",
    "WidthSweep",
    "autodiff_at_kink",
    "digits_parity",
    "hard_margin_svm",
    "hessian_timing",
    "kink_frequency",
    "kink_gradients",
    "logistic_gd_path",
    "loss_slice",
    "mean_field_movement",
    "neuron_paths",
    "normalized_margin",
    "perturbed_gd_saddle",
    "quadratic_landscape",
    "regularized_margins",
    "restart_nearby",
    "saddle_escape",
    "saddle_random_starts",
    "saddle_value",
    "soudry_data",
    "soudry_experiment",
    "student_hessian_extremes",
    "student_loss",
    "subgradient_l1_regression",
    "svm_direction",
    "svm_reference",
    "teacher_student",
    "two_layer_margin_run",
    "width_sweep",
]
