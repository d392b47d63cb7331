"""numerical_gradient and rel_error against derivatives worked out by hand."""

import math

import numpy as np
import pytest

from bpcourse.gradcheck import numerical_gradient, rel_error


def test_gradient_of_known_functions():
    x = np.array([[0.3, -1.2], [2.0, 0.5]])
    # f = sum sin(x) * x0  -> by hand: df/dx = cos(x) * x0 elsewhere, plus sum(sin x) on x0's own entry
    f = lambda a: float(np.sum(np.sin(a)) * a[0, 0])  # noqa: E731
    expected = np.cos(x) * x[0, 0]
    expected[0, 0] += np.sum(np.sin(x))
    assert rel_error(numerical_gradient(f, x), expected) < 1e-8


def test_gradient_of_a_quadratic_form():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(3, 3))
    x = rng.normal(size=3)
    # d(x^T A x)/dx = (A + A^T) x
    assert rel_error(numerical_gradient(lambda a: float(a @ A @ a), x), (A + A.T) @ x) < 1e-8


def test_x_is_restored_even_if_f_raises():
    x = np.array([1.0, 2.0, 3.0])
    before = x.copy()
    numerical_gradient(lambda a: float(np.prod(a)), x)
    assert np.array_equal(x, before)

    calls = []

    def explode(a):
        calls.append(a.copy())
        if len(calls) == 2:
            raise RuntimeError("boom")
        return float(a.sum())

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(explode, x)
    assert np.array_equal(x, before)


def test_f_may_read_x_through_a_closure():
    w = np.array([0.5, -1.5])
    loss = lambda _: float(np.sum(w**3))  # noqa: E731  (ignores its argument, reads w)
    assert rel_error(numerical_gradient(loss, w), 3 * w**2) < 1e-8


def test_centred_difference_error_is_order_h_squared():
    # For exp at 0 the centred quotient is (e^h - e^-h)/2h = sinh(h)/h = 1 + h^2/6 + ...
    x = np.array([0.0])
    for h in (1e-1, 1e-2):
        err = numerical_gradient(lambda a: math.exp(a[0]), x, h=h)[0] - 1.0
        assert err == pytest.approx(h**2 / 6, rel=1e-2)


def test_refuses_float32_and_non_arrays_and_bad_h():
    with pytest.raises(TypeError, match="float64"):
        numerical_gradient(lambda a: float(a.sum()), np.ones(2, dtype=np.float32))
    with pytest.raises(TypeError, match="numpy array, got list"):
        numerical_gradient(lambda a: float(sum(a)), [1.0, 2.0])
    with pytest.raises(ValueError, match="h expected a number > 0"):
        numerical_gradient(lambda a: float(a.sum()), np.ones(2), h=0.0)


def test_rel_error():
    assert rel_error(0.0, 0.0) == 0.0  # guarded 0/0
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error(1.0, 3.0) == pytest.approx(0.5)  # |1-3| / (1+3)
    assert rel_error([1.0, 2.0], [1.0, -2.0]) == pytest.approx(1.0)  # worst entry: 4/4
    with pytest.raises(ValueError, match="same shape"):
        rel_error(np.zeros(2), np.zeros(3))
