"""Inputs the grading code must not misread: complex answers to a real question, and database URLs
whose password would leak into a message."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ovptools.course.gradebook import safe_url
from ovptools.course.grading import check_array, check_scalar


@pytest.mark.parametrize("answer", [[1 + 5j, 2], np.array([1, 2], dtype=complex), np.array([1, 2], dtype=np.complex64),
                                    torch.tensor([1, 2], dtype=torch.complex128)])
def test_a_complex_answer_fails_with_a_message(answer):
    with pytest.raises(AssertionError, match="f returned complex numbers; expected real ones"):
        check_array(answer, [1, 2], "f")


def test_a_complex_scalar_fails_with_a_message():
    with pytest.raises(AssertionError, match="complex"):
        check_scalar(1 + 0j, 1.0, "f")
    check_array([1.0, 2.0], [1, 2], "f")  # real answers still pass


@pytest.mark.parametrize("url, shown", [
    ("postgresql://grader:p@ss@w0rd@localhost:5432/gradebook", "postgresql://grader:***@localhost:5432/gradebook"),
    ("postgresql://grader:secret@db/gradebook", "postgresql://grader:***@db/gradebook"),
    ("postgresql://grader@db/gradebook?password=hunter2&sslmode=require",
     "postgresql://grader@db/gradebook?password=***&sslmode=require"),
    ("postgresql+psycopg2://u:s%40x@h:5/db?sslpassword=zz", "postgresql+psycopg2://u:***@h:5/db?sslpassword=***"),
    ("sqlite:////srv/course/gradebook.db", "sqlite:////srv/course/gradebook.db"),
])
def test_safe_url_hides_every_password(url, shown):
    assert safe_url(url) == shown
    for secret in ("ss@w0rd", "w0rd", "secret", "hunter2", "s%40x", "zz"):
        assert secret not in safe_url(url) or secret in shown
