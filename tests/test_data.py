import numpy as np
import pytest

import ovptools as ov


@pytest.mark.parametrize("n,d", [(1, 3), (50, 2), (200, 30)])
def test_sphere_rows_are_unit_and_seeded(n, d):
    X = ov.sphere(n, d, seed=3)
    assert X.shape == (n, d)
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(X, ov.sphere(n, d, seed=3))
    assert not np.array_equal(X, ov.sphere(n, d, seed=4))


def test_sphere_is_uniform_not_cube():
    # Uniform on the sphere: every coordinate has mean 0 and variance 1/d, and the
    # mass is not concentrated on the cube's diagonals.
    X = ov.sphere(20000, 3, seed=0)
    np.testing.assert_allclose(X.mean(0), 0, atol=0.02)
    np.testing.assert_allclose((X**2).mean(0), 1 / 3, atol=0.01)
    # For the uniform law on S^2, |x_1| is uniform on [0, 1] (Archimedes).
    hist, _ = np.histogram(np.abs(X[:, 0]), bins=5, range=(0, 1))
    np.testing.assert_allclose(hist / len(X), 0.2, atol=0.015)


def test_gaussian_labels():
    y = ov.gaussian_labels(5000, seed=1)
    assert y.shape == (5000,)
    assert abs(y.mean()) < 0.05 and abs(y.std() - 1) < 0.05


@pytest.mark.parametrize("phi,mu", [(0.05, 0.5), (0.2, 0.0), (0.3, 0.8)])
def test_separated_data_meets_zou_assumptions(phi, mu):
    X, y = ov.separated_data(300, 10, phi=phi, mu=mu, seed=0)
    assert X.shape == (300, 10) and set(np.unique(y)) == {-1.0, 1.0}
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(X[:, -1], mu)
    # Brute force over all differently labelled pairs.
    sep = min(np.linalg.norm(X[i] - X[j]) for i in range(300) for j in range(300) if y[i] != y[j])
    assert sep >= phi - 1e-12
    assert ov.min_separation(X, y) == pytest.approx(sep, rel=1e-9)


def test_separated_data_rejects_impossible_phi():
    with pytest.raises(ValueError, match="phi"):
        ov.separated_data(10, 5, phi=1.9, mu=0.5, seed=0)
    with pytest.raises(ValueError, match="phi"):
        ov.separated_data(10, 500, phi=0.9, mu=0.5, seed=0, max_tries=3)
    with pytest.raises(ValueError, match="mu"):
        ov.separated_data(10, 5, phi=0.1, mu=1.0, seed=0)


def test_digits_two_and_multi_class():
    Xtr, ytr, Xte, yte = ov.digits((0, 1), n_train=200, seed=0)
    assert Xtr.shape == (200, 64) and set(np.unique(ytr)) == {-1.0, 1.0}
    np.testing.assert_allclose(np.linalg.norm(Xtr, axis=1), 1.0)
    assert len(Xte) == 360 - 200  # scikit-learn ships 178 zeros and 182 ones
    Xtr, ytr, _, _ = ov.digits((3, 5, 8), seed=1)
    assert set(np.unique(ytr)) == {0.0, 1.0, 2.0}
    with pytest.raises(ValueError, match="classes"):
        ov.digits((1,), seed=0)
    with pytest.raises(ValueError, match="n_train"):
        ov.digits((0, 1), n_train=300, n_test=100, seed=0)


def test_teacher_data_matches_its_formula():
    X, y, (W, a) = ov.teacher_data(100, 10, 5, seed=0)
    assert W.shape == (5, 10) and a.shape == (5,)
    brute = [sum(a[j] * max(W[j] @ x, 0) for j in range(5)) / np.sqrt(5) for x in X]
    np.testing.assert_allclose(y, brute)


def test_normalize_rows_uses_each_rows_norm():
    X = np.array([[3.0, 4.0], [0.0, 2.0]])
    np.testing.assert_allclose(ov.normalize_rows(X), [[0.6, 0.8], [0.0, 1.0]])
    with pytest.raises(ValueError, match="zero"):
        ov.normalize_rows(np.array([[0.0, 0.0], [1.0, 0.0]]))


@pytest.mark.parametrize("bad", [1.5, "0", None, True])
def test_seed_must_be_an_int(bad):
    with pytest.raises(ValueError, match="seed"):
        ov.sphere(3, 2, seed=bad)
