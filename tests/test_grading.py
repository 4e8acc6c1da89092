import numpy as np
import pytest
import torch

from ovptools.course.grading import check_array, check_scalar


def test_accepts_a_match_numpy_or_torch():
    check_array(np.array([1.0, 2.0]), [1.0, 2.0], "f")
    check_array(torch.tensor([1.0, 2.0]), [1.0, 2.0], "f")
    check_scalar(np.float64(3.0), 3.0, "g")


@pytest.mark.parametrize(
    "actual,expected,match",
    [
        (None, [1.0], r"f returned None: did you forget a `return`"),
        (np.ones((2, 3)), np.ones((3, 2)), r"f: expected shape \(3, 2\), got \(2, 3\). It looks transposed"),
        (np.ones(6), np.ones((2, 3)), r"Same number of entries"),
        (np.array([np.nan, 1.0]), [1.0, 1.0], r"NaN or Inf"),
        (np.array([2.0, 4.0, 6.0]), [1.0, 2.0, 3.0], r"off by the same factor \(2\)"),
        (np.array([-1.0, -2.0]), [1.0, 2.0], r"wrong sign"),
        (np.array([1.0, 5.0]), [1.0, 2.0], r"max abs error 3 \(largest at index \(1,\)\)"),
        ({"a": 1}, [1.0], r"returned a dict"),
    ],
)
def test_messages_say_what_is_wrong(actual, expected, match):
    with pytest.raises(AssertionError, match=match):
        check_array(actual, expected, "f")


def test_messages_never_print_the_expected_values():
    with pytest.raises(AssertionError) as info:
        check_array(np.array([1.0, 5.0]), np.array([1.2345678, 9.8765432]), "f")
    assert "9.87" not in str(info.value) and "1.23" not in str(info.value)


def test_scalar_rejects_arrays():
    with pytest.raises(AssertionError, match="expected a single number"):
        check_scalar(np.ones(3), 1.0, "g")
