r"""ovptools: the computations behind the course on why gradient descent trains
over-parameterized networks. The names below are the public API used by the notebooks.

Layout
    ``data``, ``models``, ``kernels``, ``autodiff``, ``objectives`` — the objects of the course;
    ``train`` — one training loop (a problem's loss and step, plus recorders) returning a ``Run``,
    every problem class in ``train.problems``; the loops kept outside it advance many runs in one
    batched product (``ensembles.train_ensemble``, Part III's ``batched_logistic_sgd``, Part IV's
    random saddle starts) or are the algorithm an experiment studies (perturbed GD, subgradient
    steps, Adam), and say so in their docstrings;
    ``experiments.part1`` … — the lectures' experiments, returning data; ``widgets`` — live demos;
    ``course`` — the course tooling (instructor CLI, ``ovp-check``, grading helpers, nbgrader
    preprocessors), apart: nothing in the science imports it, so ``import ovptools`` loads
    neither nbgrader nor JupyterLab.

Conventions (followed by every public function)
    Output type
        The output follows the first array argument: numpy in, numpy out; torch in, torch out on
        the same device. Integer and boolean input becomes float64; complex input is refused.
    dtype
        Training keeps the input dtype unless ``dtype=`` says otherwise. float64 never runs on
        Apple's MPS, which lacks it: ``device="auto"`` picks CUDA, then MPS, then the CPU, and
        falls back to the CPU for float64 work.
    Argument order
        A function *evaluated at given parameters* (a model's output, a loss, its gradient or
        Hessian, a margin, a kernel or a Jacobian at given weights) takes the parameters first:
        ``logistic_loss(w, X, y)``, ``two_layer_forward(W, a, X)``, ``gram_empirical(W, X)``.
        A *procedure* (training, an experiment, a search, restarts) takes the data first; the
        weights it receives are starting points and come after: ``train_two_layer(X, y, W0, a0)``,
        ``train_deep(X, y, Ws0, v)``. A model object comes first (``train_model(model, X, y)``), as
        the function does in ``gd(f, grad, w0)``. Initializers take ``(d, m, …)``:
        ``init_two_layer(d, m)``, ``init_deep(d, m, depth)``.
    Seeds
        Every random function takes ``seed=``, a Python or numpy integer (required, or an integer
        default); no global state is used. Generators come only from ``_validate.rng(seed)`` and
        ``_device.generator(seed)``, which check the seed.
    Names
        ``eta`` is a step size (never ``lr``, ``alpha``, ``gamma``), ``steps`` a number of
        iterations, ``n_seeds`` a number of repeats (never ``seeds``), everywhere.
    ReLU's derivative at 0
        σ'(0) = 1, i.e. the indicator 1{z ≥ 0}, in every model, gradient, Gram matrix and NTK. It
        is Du et al.'s convention (their H(W) counts w_rᵀx_i = 0 as active), so the Gram matrix is
        exactly the tangent kernel of the two-layer code; ties have probability zero under Gaussian
        initialization, so no theorem depends on the choice. torch's ``relu`` uses σ'(0) = 0;
        ``ovptools.models.relu`` is the one with σ'(0) = 1.
    Bad input
        A ``ValueError`` that names the argument and what was expected. Each public function
        checks its arguments once, at its door (``_validate``); what it hands on inside (a net it
        built, a problem's data) is not checked again.

``tests/test_signatures.py`` checks the argument order and the names over every public function
(with ``inspect``), and the seeds and the ReLU masks over the source (with ``ast``).

Names are loaded on first use, so importing one part does not pay for the others (torch included).
The public names are listed once, as the imports of the ``TYPE_CHECKING`` block at the end of this
file: editors and type checkers read them there, and :func:`__getattr__` loads each from the module
they name (the stub-based lazy loading of scientific Python's SPEC 1, with this file as the stub).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any


def _public_names() -> dict[str, str]:
    """{name: module} for every public name, read from this file's ``TYPE_CHECKING`` imports."""
    import ast

    with open(__file__, encoding="utf-8") as source:
        tree = ast.parse(source.read())
    block = next(node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING")
    return {alias.asname or alias.name: "." * node.level + (node.module or "")
            for node in block.body if isinstance(node, ast.ImportFrom) for alias in node.names}


_WHERE = _public_names()
__all__ = sorted(_WHERE)  # pyright: ignore[reportUnsupportedDunderAll]  (the names of the block below)


def _version() -> str:
    """The installed distribution's version (pyproject.toml is its one source); a source tree that
    was never installed says ``0+unknown``."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ovptools")
    except PackageNotFoundError:
        return "0+unknown"


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name], __name__), name)
    elif name == "__version__":
        value = _version()
    else:
        raise AttributeError(f"module 'ovptools' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | {"__version__"})


if TYPE_CHECKING:  # the one list of the public names: imported eagerly by type checkers, lazily at run time
    from ._device import resolve_device  # noqa: F401
    from .autodiff import hessian_extremes, hvp, jacobian  # noqa: F401
    from .data import (  # noqa: F401
        digits,
        gaussian_labels,
        least_squares_data,
        logistic_data,
        min_separation,
        normalize_rows,
        separated_data,
        sphere,
        teacher_data,
    )
    from .ensembles import deep_ensemble, train_ensemble, two_layer_ensemble  # noqa: F401
    from .function_space import gp_moments, kernel_regression, kernel_trajectory, limit_kernels  # noqa: F401
    from .kernels import (  # noqa: F401
        eigen_projections,
        gram_empirical,
        gram_infinite,
        lambda_min,
        nngp_infinite,
        ntk_empirical,
        ntk_infinite,
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
    from .objectives import (  # noqa: F401
        CAUCHY,
        NONCONVEX_PL,
        Objective,
        fitted_rate,
        logistic_grad,
        logistic_loss,
        logistic_optimum,
        pl_ratios,
    )
    from .train import DivergenceError, Run, descend, gd, sgd  # noqa: F401
    from .train.nets import train_deep, train_model, train_two_layer  # noqa: F401

    __version__: str
