"""The sympy derivation: every step holds, a wrong closed form is caught, and sympy's gradients agree
with ZhouNet.gradients and with finite differences."""


import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from bpcourse import symbolic
from bpcourse.datasets import watermelon3
from bpcourse.gradcheck import numerical_gradient
from bpcourse.zhou import ZhouNet

NAMES = ("v", "gamma", "w", "theta")


@pytest.fixture(scope="module")
def steps():
    return symbolic.derive()


def test_every_step_holds(steps):
    book_order = "(5.9) (5.7) (5.7) (5.8) (5.10) (5.7) (5.11) (5.12) (5.15) (5.13) (5.14)"
    assert [s.equation for s in steps] == book_order.split()
    failing = [(s.equation, s.text, s.difference) for s in steps if not s.holds]
    assert failing == []


def test_closed_forms_are_the_books(steps):
    by_eq = {s.equation: s for s in steps}
    S = symbolic
    assert by_eq["(5.11)"].closed_form == -S.g_j * S.b_h
    assert by_eq["(5.12)"].closed_form == S.g_j
    assert by_eq["(5.13)"].closed_form == -S.e_h * S.x_i
    assert by_eq["(5.14)"].closed_form == S.e_h
    assert by_eq["(5.10)"].closed_form == S.y_hat_j * (1 - S.y_hat_j) * (S.y_j - S.y_hat_j)
    assert by_eq["(5.11)"].update.rhs == S.eta * S.g_j * S.b_h
    assert by_eq["(5.12)"].update.rhs == -S.eta * S.g_j


def test_a_wrong_sign_is_caught():
    # the same check as derive() uses, fed a closed form with the wrong sign (an added bias)
    S = symbolic
    E = S._one_output_error(S.w_hj * S.b_h + S.r_hj)
    y_hat = S.f(S.w_hj * S.b_h + S.r_hj - S.theta_j)
    g = y_hat * (1 - y_hat) * (S.y_j - y_hat)
    wrong = S._step("(5.12)", "wrong", S.theta_j, sp.diff(E, S.theta_j), -S.g_j, -g)
    right = S._step("(5.12)", "right", S.theta_j, sp.diff(E, S.theta_j), S.g_j, g)
    assert right.holds and not wrong.holds


def test_sigmoid_identity_is_proved_from_the_definition():
    step = symbolic.sigmoid_identity()
    assert step.holds
    z = symbolic.z
    assert step.derived.has(sp.exp(-z)) and not step.derived.has(symbolic.f)
    wrong = sp.simplify(step.derived - (symbolic.f(z) * (1 + symbolic.f(z))).rewrite(sp.exp))
    assert wrong != 0


def test_latex_shows_the_check(steps):
    text = steps[6]._repr_latex_()
    assert text.startswith("$") and r"\partial" in text and r"\checkmark" in text


@settings(max_examples=15, deadline=None)
@given(
    d=st.integers(1, 4),
    q=st.integers(1, 4),
    l=st.integers(1, 3),
    m=st.integers(1, 5),
    seed=st.integers(0, 10**6),
)
def test_symbolic_gradients_agree_with_backprop_and_finite_differences(d, q, l, m, seed):
    rng = np.random.default_rng(seed)
    X, Y = rng.normal(size=(m, d)), rng.uniform(size=(m, l))
    net = ZhouNet(d, q, l, seed=seed)
    sym = symbolic.symbolic_gradients(net, X, Y)
    backprop = net.gradients(X, Y)
    for name in NAMES:
        numeric = numerical_gradient(lambda _: net.error(X, Y), net.params[name])
        assert sym[name].shape == net.params[name].shape
        np.testing.assert_allclose(sym[name], backprop[name], rtol=1e-10, atol=1e-15, err_msg=name)
        np.testing.assert_allclose(sym[name], numeric, rtol=1e-5, atol=1e-9, err_msg=name)


def test_one_watermelon_sample_19_5_1():
    X, y = watermelon3()
    net = ZhouNet(19, 5, 1, seed=0)
    sym = symbolic.symbolic_gradients(net, X[0], y[0])
    backprop = net.gradients(X[0], y[0])
    for name in NAMES:
        numeric = numerical_gradient(lambda _: net.error(X[0], y[0]), net.params[name])
        np.testing.assert_allclose(sym[name], backprop[name], rtol=1e-10, atol=1e-15)
        np.testing.assert_allclose(sym[name], numeric, rtol=1e-5, atol=1e-9)


def test_naive_version_agrees():
    rng = np.random.default_rng(4)
    net = ZhouNet(2, 3, 2, seed=4)
    X, Y = rng.normal(size=(3, 2)), rng.uniform(size=(3, 2))
    naive = symbolic.naive_gradient_function(2, 3, 2)(net, X, Y)
    backprop = net.gradients(X, Y)
    for name in NAMES:
        np.testing.assert_allclose(naive[name], backprop[name], rtol=1e-10, atol=1e-15)
