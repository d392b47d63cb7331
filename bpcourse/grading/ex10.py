"""Exercise 10, predict then check: probes and judges.

Each task is a question about fixed numbers, answered by a value, so there is nothing to draw at
grading time: the probe reads the answer and the judge compares it with the answer computed here
from the question's numbers. A wrong prediction gets the hint for the likely slip, not the answer.
"""

from __future__ import annotations

import math

import numpy as np

from bpcourse.grading.spec import Exercise, Probe, Raised, Task, close, fail, items, number


def _read(name: str):
    """A probe returning the answer; the answer cell's starting ``name = ...`` means not attempted."""

    def probe(rng):
        return Probe(f"""
if {name} is ...:
    raise NotImplementedError("{name} is still ... (no prediction yet)")
return {name}
""")

    return probe


def _not_a(kind: str, got) -> None:
    if isinstance(got, Raised):
        fail(got.describe())
    fail(f"answer with {kind}, got {got!r}"[:200])


def _judge_max(got, _args):
    x, y, z = 2.0, 5.0, -3.0
    exp = (z if x > y else 0.0, z if y > x else 0.0)  # max routes ∂f/∂m = z to the winner
    g = items(got, 2, "∂f/∂x, ∂f/∂y")
    g = (number(g[0], "∂f/∂x"), number(g[1], "∂f/∂y"))
    if close(g, exp):
        return None
    if close(g, exp[::-1]):
        fail("the max gate routes the upstream gradient to the input that *won*")
    if close(g, (z, z)):
        fail("a max gate is a router, not a distributor: only one input gets the gradient")
    if close(g, (0.0, 1.0)) or close(g, (1.0, 0.0)):
        fail("the max gate routes the *upstream* gradient, here ∂f/∂max = z")
    fail("f = m·z with m = max(x, y): find ∂f/∂m, then route it through the max gate")


def _judge_shapes(got, _args):
    if not isinstance(got, dict) or set(got) != {"dx", "dW", "db"}:
        _not_a("a dict with the keys 'dx', 'dW', 'db'", got)
    exp = {"dx": (64, 784), "dW": (784, 10), "db": (10,)}  # each gradient has the shape of its variable
    for k, name in (("dW", "W"), ("db", "b"), ("dx", "x")):
        v = got[k]
        v = v if isinstance(v, list) else [v]
        try:
            shape = tuple(int(n) for n in v)
        except (TypeError, ValueError):
            fail(f"linear_shapes[{k!r}] should be a tuple of whole numbers")
        if shape != exp[k]:
            hint = " (transposed)" if shape == exp[k][::-1] else (
                " (a bias's gradient sums over the batch)" if k == "db" and shape == (64, 10) else "")
            fail(f"{k} has the shape of {name}{hint}: a gradient has the shape of the thing it is the "
                 "gradient of")
    return None


def _judge_sign(got, _args):
    if isinstance(got, bool) or got not in (1, -1, 0):
        _not_a("+1, -1 or 0", got)
    yhat, y, x1 = 0.3, 1.0, -2.0
    exp = int(np.sign((yhat - y) * yhat * (1 - yhat) * x1))  # ∂E/∂w₁ = (ŷ − y) σ' x₁
    if got == exp:
        return None
    if got == -exp:
        fail("write ∂E/∂w₁ as (ŷ − y) · σ'(·) · x₁ and take the sign of each factor; x₁ is negative")
    fail("none of the factors (ŷ − y), σ'(·) and x₁ is 0 here")


def _judge_fork(got, _args):
    x, y = 3.0, -1.0
    g = number(got, "fork_dfdx")
    exp = y + 2 * x  # ∂(x·y)/∂x + ∂(x²)/∂x
    if math.isclose(g, exp, rel_tol=1e-9, abs_tol=1e-12):
        return None
    if math.isclose(g, y) or math.isclose(g, 2 * x):
        fail("that is the gradient along one of x's two paths; at a fork the two add")
    fail("x is used twice (x·y and x²): differentiate each use, then add")


def _judge_relu(got, _args):
    try:
        g = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        _not_a("a list of three numbers", got)
    if g.shape != (3,):
        _not_a("a list of three numbers", got)
    x, d = np.array([-2.0, 0.0, 3.0]), np.full(3, 5.0)
    if close(g, d * (x > 0)):
        return None
    if close(g, d * (x >= 0)):
        fail("at x = 0 the lectures take ReLU's slope as 0")
    if close(g, (x > 0).astype(float)):
        fail("the mask lets the upstream gradient through; it does not replace it")
    if close(g, np.maximum(x, 0.0)):
        fail("that is ReLU's forward output; backward passes dout where the input was positive")
    fail("backward lets dout through where the forward input was positive, and 0 elsewhere")


def _judge_scale(got, _args):
    if got not in ("w", "x"):
        _not_a('"w" or "x"', got)
    w, x = 0.01, 500.0
    if got == ("w" if abs(x) > abs(w) else "x"):  # ∂(w·x)/∂w = x, ∂(w·x)/∂x = w
        return None
    fail("a multiply gate gives each input the *other* input times the upstream gradient")


def _judge_jacobian(got, _args):
    g = number(got, "relu_jacobian_nonzeros")
    n = 4096  # elementwise: ∂out_i/∂x_j = 0 for i ≠ j, so at most the n diagonal entries
    if g == n:
        return None
    if g == n * n:
        fail("output i of an elementwise layer depends on input i only: what is ∂out_i/∂x_j for i ≠ j?")
    fail("output i of an elementwise layer depends on input i only")


EXERCISE = Exercise("ex10_predict_then_check", tasks=(
    Task("ex10-max-test", "10.1", "where a max gate sends the gradient", _read("max_gate_grads"), _judge_max),
    Task("ex10-shapes-test", "10.2", "the shapes of a linear layer's gradients", _read("linear_shapes"),
         _judge_shapes),
    Task("ex10-sign-test", "10.3", "the sign of a weight's gradient", _read("sign_dE_dw1"), _judge_sign),
    Task("ex10-fork-test", "10.4", "a gradient at a fork", _read("fork_dfdx"), _judge_fork),
    Task("ex10-relu-test", "10.5", "ReLU's backward at the kink", _read("relu_dx"), _judge_relu),
    Task("ex10-scale-test", "10.6", "which input of a multiply gate gets the larger gradient",
         _read("larger_gradient"), _judge_scale),
    Task("ex10-jacobian-test", "10.7", "how much of a ReLU layer's Jacobian is not zero",
         _read("relu_jacobian_nonzeros"), _judge_jacobian),
))
