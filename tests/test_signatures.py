"""The conventions of ``ovptools/__init__.py``, checked mechanically over every public function.

The public functions are the names in ``ovptools.__all__``, the public functions and classes defined
in every module of ``ovptools.experiments`` and of ``ovptools.widgets``. Their signatures are read with
:mod:`inspect`; the rules on random generators and on ReLU's derivative are read from the source of every
science module (everything but ``ovptools/course``) with :mod:`ast`.

Argument order
    An argument is a *parameter* (weights: ``w``, ``W``, ``a``, ``Ws``, ``v``, ``theta`` and their starting
    or reference copies ``w0``, ``W0``, …) or *data* (``X``, ``y``, ``Y``, ``X_test``, …) by its name.
    A function that takes both is classified by hand in :data:`EVALUATED` or :data:`PROCEDURES`:

    - *evaluated at given parameters* (a model's output, a loss, a gradient, a Hessian or its extremes, a
      margin, a kernel or a Jacobian at given weights) takes every parameter before any data:
      ``logistic_loss(w, X, y)``, ``student_loss(W, a, X, y)``;
    - a *procedure* (training, an experiment, a search, restarts, a timing) takes the data first; the weights it
      receives are starting points and come after: ``train_two_layer(X, y, W0, a0)``, ``restart_nearby(X, y, W, a)``.

    A model or problem object (``model``, ``net``, ``ens``, ``problem``) is neither: it is the function being
    evaluated or trained and may come first, as ``f`` and ``grad`` do in ``gd(f, grad, w0)``.
    A public function that takes both kinds and is in neither table fails :func:`test_argument_order` until
    someone classifies it here: the classification is a decision, not a guess from the name.

Names
    A step size is ``eta`` (never ``lr``, ``alpha``, ``gamma``, ``step``); a number of iterations ``steps``
    (or ``…_steps``/``max_steps``; never ``iters``, ``epochs``); a number of repeats ``n_seeds`` (never
    ``seeds``); a seed ``seed``, required or an integer by default.

Seeds
    No function draws from a global random state or builds a generator itself: the only calls to
    ``np.random.default_rng`` and ``torch.Generator(...).manual_seed`` are inside
    ``ovptools._validate.rng`` and ``ovptools._device.generator``, which check the seed first.

σ′(0) = 1
    No ReLU mask compares a pre-activation with ``> 0`` and uses the result as a number; no ``torch.relu``,
    ``F.relu``, ``nn.ReLU`` or ``clamp(min=0)`` is differentiated (the call sits in a module, class or function
    that runs autograd) — ``ovptools.models.relu`` is the ReLU with σ′(0) = 1. :data:`ABOUT_THE_CONVENTION`
    lists the only exceptions: experiments whose subject is the value of the derivative at the kink.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import ovptools

ROOT = Path(ovptools.__file__).parent

PARAMETERS = {"w", "W", "a", "v", "Ws", "theta", "params", "w0", "W0", "a0", "v0", "Ws0", "W1", "a1", "w_star"}
DATA = {"X", "y", "Y", "X_test", "y_test", "X_eval", "Z"}
OBJECTS = {"model", "net", "ens", "problem", "f", "grad", "loss"}

# Functions that take both parameters and data, each classified (module.name as inspect finds it).
EVALUATED = {
    "ovptools.models.two_layer_forward",
    "ovptools.models.deep_relu_forward",
    "ovptools.kernels.gram_empirical",
    "ovptools.kernels.ntk_empirical",
    "ovptools.objectives.logistic_loss",
    "ovptools.objectives.logistic_grad",
    "ovptools.experiments.part1.sgd.cauchy_regression",
    "ovptools.experiments.part3.practical.flat_jacobian",
    "ovptools.experiments.part3.residual.ntk_timing",  # times the kernel at given weights
    "ovptools.experiments.part4.margins.normalized_margin",
    "ovptools.experiments.part4.students.student_loss",
    "ovptools.experiments.part4.students.student_hessian_extremes",
}
PROCEDURES = {
    "ovptools.train.nets.train_two_layer",
    "ovptools.train.nets.train_deep",
    "ovptools.experiments.part1.dynamics.gd_path",
    "ovptools.experiments.part1.dynamics.sgd_path",
    "ovptools.experiments.part1.dynamics.noise_cloud",
    "ovptools.experiments.part1.sgd.sgd_nonconvex_rate",
    "ovptools.experiments.part3.common.batched_logistic_sgd",
    "ovptools.experiments.part4.margins.logistic_gd_path",
    "ovptools.experiments.part4.students.restart_nearby",
    "ovptools.experiments.part4.students.loss_slice",
    "ovptools.widgets.dynamics.direction_demo",  # draws a recorded path w(t) of GD on (X, y)
}

STEP_NAMES = {"lr", "lrs", "learning_rate", "step_size", "stepsize", "step", "alpha", "alphas", "gamma", "gammas"}
# ``alpha`` that is not a step: the output scale α of f = α·(network) in the lazy-versus-mean-field experiments.
NOT_A_STEP = {
    ("ovptools.ensembles.train_ensemble", "alpha"),
    ("ovptools.experiments.kernel_regime.output_scale", "alphas"),
    ("ovptools.experiments.part4.dynamics.neuron_paths", "alpha"),
}
ITERATION_NAMES = {"iters", "n_iters", "iterations", "n_iter", "max_iter", "max_iters", "n_steps", "num_steps",
                   "epochs", "n_epochs"}
REPEAT_NAMES = {"seeds", "num_seeds", "nseeds", "n_seed"}

# Experiments about the convention itself (their docstrings say so): the kink of ReLU under autodiff.
ABOUT_THE_CONVENTION = {
    ("experiments/part4/nonsmooth.py", "_ReluSlope"): "a ReLU whose derivative at 0 is a chosen s",
    ("experiments/part4/nonsmooth.py", "autodiff_at_kink"): "torch's relu'(0) = 0 against ovptools' 1",
}
SEEDED_HELPERS = {("_validate.py", "rng"), ("_device.py", "generator")}


def _public_callables() -> list[tuple[str, object]]:
    found: dict[str, object] = {}
    for name in ovptools.__all__:
        obj = getattr(ovptools, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    modules = ["ovptools.widgets", "ovptools.experiments"]
    for pkg in list(modules):
        path = importlib.import_module(pkg).__path__
        modules += [m.name for m in pkgutil.walk_packages(path, pkg + ".")]
    for module_name in modules:
        module = importlib.import_module(module_name)
        for name, obj in vars(module).items():
            if name.startswith("_") or not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            if obj.__module__ == module_name:
                found[f"{module_name}.{obj.__qualname__}"] = obj
    return sorted(found.items())


def _is_record(obj: object) -> bool:
    """A result type (dataclass, NamedTuple, exception): its fields are results, not arguments."""
    return inspect.isclass(obj) and (hasattr(obj, "__dataclass_fields__") or hasattr(obj, "_fields")
                                     or issubclass(obj, BaseException))


PUBLIC = [(q, obj) for q, obj in _public_callables() if not _is_record(obj)]


def _arguments(obj: object) -> list[inspect.Parameter]:
    params = list(inspect.signature(obj).parameters.values())
    return params[1:] if inspect.isclass(obj) and params and params[0].name == "self" else params


def test_the_public_api_is_found():
    names = {q.rsplit(".", 1)[1] for q, _ in PUBLIC}
    assert {"train_two_layer", "logistic_loss", "student_loss", "du_figure1", "pl_demo"} <= names
    assert len(PUBLIC) > 80


@pytest.mark.parametrize(("qualname", "obj"), PUBLIC, ids=[q for q, _ in PUBLIC])
def test_argument_order(qualname, obj):
    names = [p.name for p in _arguments(obj)]
    params = [i for i, n in enumerate(names) if n in PARAMETERS]
    data = [i for i, n in enumerate(names) if n in DATA]
    if not params or not data:
        return
    if qualname in EVALUATED:
        assert max(params) < min(data), f"{qualname}{tuple(names)}: evaluated at given parameters, so " \
                                        "the parameters come first"
    elif qualname in PROCEDURES:
        assert max(data) < min(params), f"{qualname}{tuple(names)}: a procedure, so the data come first " \
                                        "and the starting weights after"
    else:
        pytest.fail(f"{qualname}{tuple(names)} takes parameters and data: classify it in EVALUATED or "
                    "PROCEDURES of tests/test_signatures.py")


@pytest.mark.parametrize(("qualname", "obj"), PUBLIC, ids=[q for q, _ in PUBLIC])
def test_names(qualname, obj):
    for p in _arguments(obj):
        if p.name in STEP_NAMES and (qualname, p.name) not in NOT_A_STEP:
            pytest.fail(f"{qualname}: argument {p.name!r}: a step size is called 'eta'")
        assert p.name not in ITERATION_NAMES and not p.name.endswith("_iters"), \
            f"{qualname}: argument {p.name!r}: a number of iterations is called 'steps'"
        assert p.name not in REPEAT_NAMES, f"{qualname}: argument {p.name!r}: a number of repeats is 'n_seeds'"
        if p.name == "seed":
            default = p.default
            assert default is inspect.Parameter.empty or (isinstance(default, int) and not isinstance(default, bool)), \
                f"{qualname}: seed's default must be an integer (or none: required), got {default!r}"
        assert p.name not in {"rng", "random_state", "generator"}, \
            f"{qualname}: argument {p.name!r}: random functions take an integer 'seed'"


# ---------------------------------------------------------------- the sources, read with ast

SOURCES = sorted(p for p in ROOT.rglob("*.py") if "course" not in p.relative_to(ROOT).parts)


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _dotted(node: ast.AST) -> str:
    """'np.random.default_rng' for the expression np.random.default_rng (best effort)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return _dotted(node.func) + "()"
    return "?"


def _with_owners(tree: ast.Module):
    """(node, [enclosing def/class nodes, outermost first]) for every node of ``tree``."""
    stack: list[tuple[ast.AST, list[ast.AST]]] = [(tree, [])]
    while stack:
        node, owners = stack.pop()
        yield node, owners
        inner = owners + [node] if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) else owners
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))


def _parents(tree: ast.Module) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


_GLOBAL_TORCH_SAMPLERS = {"rand", "randn", "randint", "randperm", "normal", "bernoulli", "multinomial",
                          "rand_like", "randn_like", "randint_like", "poisson"}


def _seed_violation(call: ast.Call) -> str | None:
    name = _dotted(call.func)
    last = name.rsplit(".", 1)[-1]
    if last in {"default_rng", "RandomState", "manual_seed", "seed"} and (last != "seed" or "random" in name):
        return name
    if name.startswith(("np.random.", "numpy.random.", "random.")):
        return name
    if last == "Generator" and name.startswith(("torch", "np", "numpy")):
        return name
    if name.startswith("torch.") and last in _GLOBAL_TORCH_SAMPLERS and not any(
            k.arg == "generator" for k in call.keywords):
        return name + " without generator="
    return None


def test_seeds_go_through_the_checked_helpers():
    bad = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node, owners in _with_owners(tree):
            if not isinstance(node, ast.Call):
                continue
            where = (_rel(path), owners[0].name if owners else "<module>")
            what = _seed_violation(node)
            if what and where not in SEEDED_HELPERS:
                bad.append(f"{where[0]}:{node.lineno} {what}")
    bad = sorted({line.split(" ")[0]: line for line in sorted(bad, reverse=True)}.values())  # one per line
    assert not bad, ("random generators must come from ovptools._validate.rng(seed) or "
                     "ovptools._device.generator(seed):\n" + "\n".join(bad))


_AUTOGRAD_MARKERS = {"backward", "autograd", "jacrev", "jacfwd", "vjp", "jvp", "hvp", "hessian_extremes",
                     "jacobian", "requires_grad", "requires_grad_", "train_model", "functional_call"}


def _runs_autograd(owner: ast.AST) -> bool:
    if isinstance(owner, ast.ClassDef) and any(_dotted(b).endswith(("Module", "Function")) for b in owner.bases):
        return True
    for node in ast.walk(owner):
        if isinstance(node, ast.Name) and node.id in _AUTOGRAD_MARKERS:
            return True
        if isinstance(node, ast.Attribute) and node.attr in _AUTOGRAD_MARKERS:
            return True
    return False


def _is_zero(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and not isinstance(node.value, bool) and node.value == 0


def _strict_positive_compare(node: ast.Compare) -> bool:
    """``e > 0`` or ``0 < e`` (a single comparison)."""
    if len(node.ops) != 1:
        return False
    op, right = node.ops[0], node.comparators[0]
    return (isinstance(op, ast.Gt) and _is_zero(right)) or (isinstance(op, ast.Lt) and _is_zero(node.left))


def _used_as_number(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """The value of ``node`` enters arithmetic or is converted to a number type: a mask, not a test."""
    parent = parents.get(node)
    if isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.Mult | ast.MatMult | ast.Add | ast.Sub | ast.Div):
        return True
    if isinstance(parent, ast.Attribute) and parent.attr in {"to", "float", "double", "half", "astype", "type"}:
        return True
    return False


_RELU_CALLS = {"torch.relu", "F.relu", "torch.nn.functional.relu", "nn.ReLU", "torch.nn.ReLU", "torch.relu_"}


def _is_torch_relu(call: ast.Call) -> bool:
    name = _dotted(call.func)
    if name in _RELU_CALLS or (name.endswith((".relu", ".relu_")) and not name.startswith(("ovptools.", "models."))):
        return True
    if name.endswith(("clamp", "clamp_min", "clamp_")):
        mins = [k.value for k in call.keywords if k.arg == "min"]
        return any(_is_zero(m) for m in mins) or (name.endswith("clamp_min") and any(map(_is_zero, call.args)))
    return False


def test_relu_derivative_at_zero_is_one():
    bad = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parents = _parents(tree)
        for node, owners in _with_owners(tree):
            top = owners[0] if owners else None
            if top is not None and (_rel(path), top.name) in ABOUT_THE_CONVENTION:
                continue
            if isinstance(node, ast.Compare) and _strict_positive_compare(node) and _used_as_number(node, parents):
                bad.append(f"{_rel(path)}:{node.lineno} a mask `{ast.unparse(node)}` (σ′(0) = 0; use >= 0)")
            if isinstance(node, ast.Call) and _is_torch_relu(node) and (top is None or _runs_autograd(top)):
                bad.append(f"{_rel(path)}:{node.lineno} `{_dotted(node.func)}` differentiated (σ′(0) = 0; "
                           "use ovptools.models.relu)")
    assert not bad, "ReLU's derivative at 0 is 1 in ovptools:\n" + "\n".join(bad)


def test_the_detectors_can_fail():
    """Each ast rule flags the pattern it is written for (and not the look-alikes it must let through)."""
    code = ("import numpy as np, torch\n"
            "def f(Z, r, n, seed):\n"
            "    g = np.random.default_rng(seed)\n"
            "    h = torch.Generator().manual_seed(seed)\n"
            "    p = torch.randperm(n)\n"
            "    ok = torch.randperm(n, generator=h)\n"
            "    if n > 0:\n"
            "        pass\n"
            "    keep = r > 0\n"
            "    m = (Z > 0) * r\n"
            "    m2 = (Z > 0).to(Z.dtype)\n"
            "    m3 = (Z >= 0) * r\n"
            "    return torch.relu(Z).sum().backward()\n")
    tree = ast.parse(code)
    parents = _parents(tree)
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    seeds = sorted({_seed_violation(c) for c in calls} - {None})
    assert seeds == ["np.random.default_rng", "torch.Generator", "torch.Generator().manual_seed",
                     "torch.randperm without generator="]
    masks = [ast.unparse(n) for n in ast.walk(tree) if isinstance(n, ast.Compare)
             and _strict_positive_compare(n) and _used_as_number(n, parents)]
    assert sorted(masks) == ["Z > 0", "Z > 0"]
    relus = [c for c in calls if _is_torch_relu(c)]
    assert len(relus) == 1 and _runs_autograd(tree.body[1])
