"""bpcourse.functional: every function against sympy's definition, every derivative against
sympy's diff and against centred differences; stability; floats and arrays agree."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from bpcourse import functional as F
from bpcourse.gradcheck import numerical_gradient, rel_error

t = sp.Symbol("t", real=True)
SLOPE, ALPHA = 0.1, 1.7
# name -> (f, f', sympy expression of f in t, parameters)
DEFINITIONS = {
    "sigmoid": (F.sigmoid, F.sigmoid_derivative, 1 / (1 + sp.exp(-t)), {}),
    "tanh": (F.tanh, F.tanh_derivative, (sp.exp(t) - sp.exp(-t)) / (sp.exp(t) + sp.exp(-t)), {}),
    "relu": (F.relu, F.relu_derivative, sp.Piecewise((t, t > 0), (0, True)), {}),
    "leaky_relu": (F.leaky_relu, F.leaky_relu_derivative,
                   sp.Piecewise((t, t > 0), (SLOPE * t, True)), {"slope": SLOPE}),
    "elu": (F.elu, F.elu_derivative, sp.Piecewise((t, t > 0), (ALPHA * (sp.exp(t) - 1), True)),
            {"alpha": ALPHA}),
}
# Points away from the kink at 0 (a centred difference there straddles it).
POINTS = np.array([-7.5, -2.0, -0.3, -0.01, 0.01, 0.4, 1.0, 3.0, 8.0])


@pytest.mark.parametrize("name", DEFINITIONS)
def test_function_and_derivative_match_sympy(name):
    f, df, expr, kw = DEFINITIONS[name]
    f_ref = sp.lambdify(t, expr, "mpmath")
    df_ref = sp.lambdify(t, sp.diff(expr, t), "mpmath")
    for x in POINTS:
        assert math.isclose(f(float(x), **kw), float(f_ref(float(x))), rel_tol=1e-13, abs_tol=1e-300)
        # tanh' = 1 − tanh² loses digits where tanh ≈ ±1 (about eps / tanh'(x) relative)
        tol = 1e-12 if name != "tanh" else 1e-15 / float(df_ref(float(x)))
        assert math.isclose(df(float(x), **kw), float(df_ref(float(x))), rel_tol=tol, abs_tol=1e-300)


@pytest.mark.parametrize("name", DEFINITIONS)
def test_derivative_matches_finite_differences(name):
    f, df, _, kw = DEFINITIONS[name]
    x = POINTS[np.abs(POINTS) < 5].copy()  # further out f is flat and the difference quotient is noise
    numeric = numerical_gradient(lambda a: float(np.sum(f(a, **kw))), x)
    assert rel_error(df(x, **kw), numeric) < 1e-7


@pytest.mark.parametrize("name", DEFINITIONS)
def test_float_and_array_give_the_same_numbers(name):
    f, df, _, kw = DEFINITIONS[name]
    arr = f(POINTS, **kw)
    assert isinstance(arr, np.ndarray) and arr.shape == POINTS.shape
    scalars = [f(float(x), **kw) for x in POINTS]
    assert all(type(s) is float for s in scalars)
    np.testing.assert_allclose(arr, scalars, rtol=1e-15, atol=0)
    np.testing.assert_allclose(df(POINTS, **kw), [df(float(x), **kw) for x in POINTS], rtol=1e-15)
    assert f(np.int64(2), **kw) == f(2.0, **kw) == f(2, **kw)


def test_zhou_5_9_the_sigmoid_derivative_from_its_output():
    # (5.9) f'(z) = f(z)(1 − f(z)), checked against sympy's derivative of the definition
    s = F.sigmoid(POINTS)
    reference = [float(sp.diff(1 / (1 + sp.exp(-t)), t).subs(t, x)) for x in POINTS]
    np.testing.assert_allclose(F.sigmoid_derivative_from_output(s), reference, rtol=1e-12)
    assert F.sigmoid_derivative(0.0) == 0.25
    near = POINTS[np.abs(POINTS) < 5]
    expected = 1 / np.cosh(near) ** 2
    np.testing.assert_allclose(F.tanh_derivative_from_output(np.tanh(near)), expected, rtol=1e-12)


@pytest.mark.parametrize("name", DEFINITIONS)
def test_stable_far_out(name):
    f, df, _, kw = DEFINITIONS[name]
    big = np.array([-1e4, -1000.0, -710.0, 710.0, 1000.0, 1e4])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        out, slope = f(big, **kw), df(big, **kw)
        for x in big:
            assert math.isfinite(f(float(x), **kw)) and math.isfinite(df(float(x), **kw))
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(slope))


def test_sigmoid_keeps_precision_in_the_tail():
    # σ(−40) = e^(−40)/(1 + e^(−40)): a form like ½(1 + tanh(x/2)) would round it to 0
    assert math.isclose(F.sigmoid(-40.0), math.exp(-40.0) / (1 + math.exp(-40.0)), rel_tol=1e-14)
    assert F.sigmoid(np.array([-40.0]))[0] == F.sigmoid(-40.0)


def test_limits_at_infinity_and_nan_propagates():
    assert F.sigmoid(-math.inf) == 0.0 and F.sigmoid(math.inf) == 1.0
    assert math.isnan(F.sigmoid(math.nan))
    assert np.isnan(F.tanh(np.array([np.nan])))[0]


def test_dtypes():
    x32 = np.linspace(-3, 3, 7, dtype=np.float32)
    for name, (f, df, _, kw) in DEFINITIONS.items():
        assert f(x32, **kw).dtype == np.float32, name
        assert df(x32, **kw).dtype == np.float32, name
    assert F.sigmoid(np.arange(3)).dtype == np.float64
    assert F.relu([1, -1]).tolist() == [1.0, 0.0]


@pytest.mark.parametrize("bad", ["1.0", None, 1 + 2j, np.array([1 + 1j]), np.array(["a"])])
def test_non_real_input_is_refused(bad):
    with pytest.raises(TypeError, match="expected a real number|expected real numbers"):
        F.sigmoid(bad)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-50, 50), min_size=1, max_size=6), st.integers(1, 4))
def test_softmax_is_a_distribution_and_log_softmax_its_log(row, n_rows):
    s = np.tile(np.array(row), (n_rows, 1))
    p = F.softmax(s)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.log(p), F.log_softmax(s), rtol=1e-9, atol=1e-12)
    reference = np.exp(s) / np.exp(s).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(p, reference, rtol=1e-12, atol=1e-300)


def test_softmax_does_not_overflow():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        np.testing.assert_allclose(F.softmax(np.array([1000.0, 0.0])), [1.0, 0.0], atol=1e-300)
        assert F.log_softmax(np.array([1000.0, 0.0]))[1] == -1000.0
