import subprocess
import sys

import numpy as np
import pytest
import torch

import ovptools
from ovptools import kernels
from ovptools.course.grading import check_array, check_scalar, without_ovptools


def test_accepts_a_match_numpy_or_torch():
    check_array(np.array([1.0, 2.0]), [1.0, 2.0], "f")
    check_array(torch.tensor([1.0, 2.0], dtype=torch.float64), [1.0, 2.0], "f")
    check_scalar(np.float64(3.0), 3.0, "g")
    check_scalar(torch.tensor(3.0, dtype=torch.float64), 3.0, "g")
    check_scalar(float("inf"), np.inf, "g")


@pytest.mark.parametrize(
    "actual,expected,match",
    [
        (None, [1.0], r"f returned None: did you forget a `return`"),
        (np.ones((2, 3)), np.ones((3, 2)), r"f: expected shape \(3, 2\), got \(2, 3\). It looks transposed"),
        (np.ones(6), np.ones((2, 3)), r"Same number of entries"),
        (np.array([np.nan, 1.0]), [1.0, 1.0], r"NaN or Inf"),
        (np.array([2.0, 4.0, 6.0]), [1.0, 2.0, 3.0], r"off by the same factor \(2\)"),
        (np.array([-1.0, -2.0]), [1.0, 2.0], r"wrong sign"),
        (np.array([1.5, 2.5, 3.5]), [1.0, 2.0, 3.0], r"off by the same amount"),
        (np.array([1.0, 5.0]), [1.0, 2.0], r"values are wrong in 1 of 2 entries \(first at index \(1,\)\)"),
        (np.array([1.0, 5.0]), [1.0, 2.0], r"tolerance: relative 1e-08"),
        ({"a": 1}, [1.0], r"returned a dict"),
        (np.float32([1.0, 2.0]), [1.0, 2.0], r"returned float32 values; the course computes in float64"),
        (torch.tensor([1.0, 2.0]), [1.0, 2.0], r"returned float32 values"),
        (np.array([1.0, 2.0]) * (1 + 3e-7 * np.array([1, -1])), [1.0, 2.0], r"single-precision rounding"),
    ],
)
def test_messages_say_what_is_wrong(actual, expected, match):
    with pytest.raises(AssertionError, match=match):
        check_array(actual, expected, "f")


def test_factor_and_shift_are_named_only_when_they_are_there():
    # a wrong scalar can be any kind of error: no claim about factors or shifts
    with pytest.raises(AssertionError) as info:
        check_scalar(2.0, 1.0, "g")
    assert "factor" not in str(info.value) and "same amount" not in str(info.value)
    # two entries, one scaled and one shifted: neither pattern
    with pytest.raises(AssertionError) as info:
        check_array(np.array([2.0, 3.0]), [1.0, 2.0 + 0.5], "f")
    assert "factor" not in str(info.value) and "same amount" not in str(info.value)


def test_output_type_is_enforced_only_when_asked():
    with pytest.raises(AssertionError, match="returned a torch tensor; this function must return a numpy array"):
        check_array(torch.ones(2, dtype=torch.float64), [1.0, 1.0], "f", returns="numpy")
    with pytest.raises(AssertionError, match="must return a torch tensor"):
        check_array(np.ones(2), [1.0, 1.0], "f", returns="torch")
    check_array(np.ones(2), [1.0, 1.0], "f", returns="numpy")


def test_messages_never_print_the_expected_values():
    for actual in (np.array([1.0, 5.0]), np.array([1.2345679, 9.8765433])):
        with pytest.raises(AssertionError) as info:
            check_array(actual, np.array([1.2345678, 9.8765432]), "f")
        assert "9.87" not in str(info.value) and "1.23" not in str(info.value)
    with pytest.raises(AssertionError) as info:
        check_scalar(4.0, 0.123456, "g")
    assert "0.123" not in str(info.value)


def test_scalar_rejects_arrays_and_wrong_infinity():
    with pytest.raises(AssertionError, match="expected a single number"):
        check_scalar(np.ones(3), 1.0, "g")
    with pytest.raises(AssertionError, match="the value is wrong"):
        check_scalar(1.0, np.inf, "g")
    with pytest.raises(AssertionError, match="the value is wrong"):
        check_scalar(np.inf, 1.0, "g")


def test_without_ovptools_blocks_the_package_and_names_bound_in_the_notebook():
    namespace = {"gram_infinite": kernels.gram_infinite, "np": np}
    X = np.eye(2)
    original = kernels.gram_infinite
    with without_ovptools(namespace, "my_gram"):
        for call in (lambda: kernels.gram_infinite(X), lambda: ovptools.gram_infinite(X),
                     lambda: namespace["gram_infinite"](X)):
            with pytest.raises(AssertionError, match=r"my_gram called ovptools \(ovptools.kernels.gram_infinite\)"):
                call()
        from ovptools.kernels import gram_infinite as imported_inside  # an import inside the student's function

        with pytest.raises(AssertionError, match="without ovptools"):
            imported_inside(X)
        assert namespace["np"] is np
    assert kernels.gram_infinite is original and namespace["gram_infinite"] is original
    assert ovptools.gram_infinite is original
    np.testing.assert_allclose(kernels.gram_infinite(X), 0.5 * np.eye(2))


def test_without_ovptools_blocks_modules_first_imported_inside_and_loads_nothing_ahead():
    # in a fresh interpreter: nothing of the package is loaded but the grading helpers
    script = r"""
import sys
import numpy as np
from ovptools.course.grading import without_ovptools

ns = {}
with without_ovptools(ns, "f"):
    assert "torch" not in sys.modules, "the block loaded torch ahead of the student's code"
    import ovptools
    from ovptools.kernels import gram_infinite            # first imported inside the block
    import ovptools.experiments.part2 as part2            # binds kernels' functions at import time
    for call in (lambda: gram_infinite(np.eye(2)), lambda: ovptools.gram_infinite(np.eye(2)),
                 lambda: part2.gram_infinite(np.eye(2))):
        try:
            call()
        except AssertionError as err:
            assert "f called ovptools (ovptools.kernels.gram_infinite)" in str(err), err
        else:
            raise SystemExit("an ovptools function ran inside the block")
import ovptools.kernels as kernels
assert part2.gram_infinite is kernels.gram_infinite and ovptools.gram_infinite is kernels.gram_infinite
np.testing.assert_allclose(part2.gram_infinite(np.eye(2)), 0.5 * np.eye(2))
assert not any(getattr(f, "__ovptools_original__", None) for m in list(sys.modules.values())
               if getattr(m, "__name__", "").startswith("ovptools") for f in vars(m).values())
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
