"""Checks for exercise 10, predict then check (after lecture 03): short questions answered as values.

A check says whether a prediction is right and, when it is not, names the likely slip as a hint
without giving the answer away. Every answer is computed here from the question's numbers (finite
differences, or the shape rule); nothing is hard-coded but the questions.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ._task import Task, close, numgrad


def _attempted(t: Task, value) -> None:
    """An answer cell starts as ``name = ...``: still the Ellipsis means no prediction yet."""
    __tracebackhide__ = True
    if value is ...:
        t.not_attempted("your prediction")


def check_max_gate_prediction(max_gate_grads) -> None:
    """Task 10.1: (∂f/∂x, ∂f/∂y) for f = max(x, y)·z at (2, 5, −3)."""
    t = Task("10.1", "where a max gate sends the gradient")
    _attempted(t, max_gate_grads)
    x, y, z = 2.0, 5.0, -3.0
    f = lambda v: max(v[0], v[1]) * v[2]  # noqa: E731
    exp = numgrad(f, np.array([x, y, z]))[:2]
    got = t.tuple(max_gate_grads, 2, "∂f/∂x, ∂f/∂y")
    got = (t.number("∂f/∂x", got[0]), t.number("∂f/∂y", got[1]))
    if close(got, exp, rtol=1e-6, atol=1e-9):
        return t.ok()
    if close(got, exp[::-1]):
        t.fail("not quite: the max gate routes the upstream gradient to the input that *won*; which of "
               "x = 2 and y = 5 won?")
    if close(got, (z, z)):
        t.fail("not quite: a max gate is a router, not a distributor; only one input gets the gradient")
    if close(got, (0.0, 1.0)) or close(got, (1.0, 0.0)):
        t.fail("not quite: the max gate routes the *upstream* gradient, and here that is ∂f/∂max = z")
    t.fail("not quite: f = m·z with m = max(x, y); first find ∂f/∂m, then route it through the max gate")


def check_linear_shapes(linear_shapes) -> None:
    """Task 10.2: the shapes of dx, dW, db for x (64, 784), W (784, 10), b (10,)."""
    t = Task("10.2", "the shapes of a linear layer's gradients")
    _attempted(t, linear_shapes)
    if not isinstance(linear_shapes, dict) or set(linear_shapes) != {"dx", "dW", "db"}:
        t.fail(f"answer with a dict with the keys 'dx', 'dW', 'db', got {linear_shapes!r}")
    shapes = {}
    for k, v in linear_shapes.items():
        try:
            shapes[k] = tuple(int(n) for n in (v if isinstance(v, tuple | list) else (v,)))
        except (TypeError, ValueError):
            t.fail(f"linear_shapes[{k!r}] should be a tuple of whole numbers such as (3, 4), got {v!r}")
    exp = {"dx": (64, 784), "dW": (784, 10), "db": (10,)}  # each gradient has the shape of its variable
    for k, name in (("dW", "W"), ("db", "b"), ("dx", "x")):
        if shapes[k] != exp[k]:
            hint = {"dW": " (transposed?)" if shapes[k] == exp[k][::-1] else "",
                    "db": " (a bias's gradient sums over the batch)" if shapes[k] == (64, 10) else "",
                    "dx": " (transposed?)" if shapes[k] == exp[k][::-1] else ""}[k]
            t.fail(f"not quite: {k} has the shape of {name}{hint}. A gradient has the shape of the thing "
                   "it is the gradient of")
    t.ok()


def check_sign_prediction(sign_dE_dw1) -> None:
    """Task 10.3: the sign of ∂E/∂w₁ for ŷ = 0.3, y = 1, x₁ = −2."""
    t = Task("10.3", "the sign of a weight's gradient")
    _attempted(t, sign_dE_dw1)
    if sign_dE_dw1 not in (1, -1, 0) or isinstance(sign_dE_dw1, bool):
        t.fail(f"answer with +1, -1 or 0, got {sign_dE_dw1!r}")
    x1, yhat, y = -2.0, 0.3, 1.0
    z = math.log(yhat / (1 - yhat))  # the neuron's input that gives ŷ = 0.3
    E = lambda w: 0.5 * (1 / (1 + math.exp(-(z + (w[0] - 1.0) * x1))) - y) ** 2  # noqa: E731
    exp = int(np.sign(numgrad(E, np.array([1.0]))[0]))
    if sign_dE_dw1 == exp:
        return t.ok()
    if sign_dE_dw1 == -exp:
        t.fail("not quite: write ∂E/∂w₁ as (ŷ − y) · σ'(·) · x₁ and take the sign of each factor; "
               "x₁ is negative")
    t.fail("not quite: none of the three factors (ŷ − y), σ'(·) and x₁ is 0 here")


def check_fork_prediction(fork_dfdx) -> None:
    """Task 10.4: ∂f/∂x for f = x·y + x² at (3, −1)."""
    t = Task("10.4", "a gradient at a fork")
    _attempted(t, fork_dfdx)
    got = t.number("fork_dfdx", fork_dfdx)
    x, y = 3.0, -1.0
    exp = float(numgrad(lambda v: v[0] * y + v[0] ** 2, np.array([x]))[0])
    if close(got, exp, rtol=1e-6, atol=1e-9):
        return t.ok()
    if close(got, y) or close(got, 2 * x):
        t.fail("not quite: that is the gradient along one of x's two paths; at a fork the two add")
    if close(got, x):
        t.fail("not quite: x is used in two places (x·y and x²); each sends a gradient back")
    t.fail("not quite: differentiate each use of x separately, then add")


def check_relu_prediction(relu_dx) -> None:
    """Task 10.5: dx of ReLU at x = [−2, 0, 3] with dout = [5, 5, 5]."""
    t = Task("10.5", "ReLU's backward at the kink")
    _attempted(t, relu_dx)
    got = t.array("relu_dx", relu_dx, (3,), "Answer with a list of three numbers.")
    x, dout = np.array([-2.0, 0.0, 3.0]), np.full(3, 5.0)
    exp = dout * (x > 0)  # the lectures' convention: slope 0 at the kink x = 0
    if close(got, exp):
        return t.ok()
    if close(got, dout * (x >= 0)):
        t.fail("not quite: at x = 0 the lectures take ReLU's slope as 0 (its forward gives 0 there too)")
    if close(got, (x > 0).astype(float)):
        t.fail("not quite: the mask lets the upstream gradient through; it does not replace it")
    if close(got, np.maximum(x, 0.0)):
        t.fail("not quite: that is ReLU's forward output; backward passes dout where the input was positive")
    t.fail("not quite: backward lets dout through where the forward input was positive, and 0 elsewhere")


def check_scale_prediction(larger_gradient) -> None:
    """Task 10.6: which of w = 0.01 and x = 500 gets the larger gradient in f = w·x."""
    t = Task("10.6", "which input of a multiply gate gets the larger gradient")
    _attempted(t, larger_gradient)
    if larger_gradient not in ("w", "x"):
        t.fail(f'answer with "w" or "x", got {larger_gradient!r}')
    w, x = 0.01, 500.0
    dw, dx = numgrad(lambda v: v[0] * v[1], np.array([w, x]))
    exp = "w" if abs(dw) > abs(dx) else "x"
    if larger_gradient == exp:
        return t.ok()
    t.fail("not quite: a multiply gate gives each input the *other* input times the upstream gradient")


def _relu_output(i: int) -> Callable[[np.ndarray], float]:
    """Output ``i`` of a ReLU layer, as a function of the whole input vector."""
    return lambda u: max(u[i], 0.0)


def check_jacobian_prediction(relu_jacobian_nonzeros) -> None:
    """Task 10.7: at most how many entries of a 4096-wide ReLU's Jacobian are not 0."""
    t = Task("10.7", "how much of a ReLU layer's Jacobian is not zero")
    _attempted(t, relu_jacobian_nonzeros)
    got = t.number("relu_jacobian_nonzeros", relu_jacobian_nonzeros)
    n = 4096
    # The count on a small vector, by building the Jacobian, scaled: output i depends on input i only.
    v = np.random.default_rng(107).normal(size=6)
    J = np.stack([numgrad(_relu_output(i), v.copy()) for i in range(6)])
    assert np.count_nonzero(J - np.diag(np.diag(J))) == 0  # diagonal
    if got == n:
        return t.ok()
    if got == n * n:
        t.fail("not quite: output i of an elementwise layer depends on input i only; what does that make "
               "∂out_i/∂x_j for i ≠ j?")
    if got == 0:
        t.fail("not quite: where the input is positive, ∂out_i/∂x_i = 1")
    t.fail("not quite: output i of an elementwise layer depends on input i only")
