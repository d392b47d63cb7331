"""Checks for exercise 5, the derivation in sympy for d = q = l = 2, with f an undefined function
(f' = f(1 − f)) (after lecture 06)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ._task import Task, using


def _zhou_symbols():
    import sympy as sp

    x = sp.symbols("x1:3")
    y = sp.symbols("y1:3")
    v = sp.Matrix(2, 2, lambda i, h: sp.Symbol(f"v_{i + 1}{h + 1}"))
    w = sp.Matrix(2, 2, lambda h, j: sp.Symbol(f"w_{h + 1}{j + 1}"))
    gamma = sp.symbols("gamma1:3")
    theta = sp.symbols("theta1:3")
    return sp, x, y, v, w, gamma, theta, sp.Function("f")


def _numeric(expr, seed: int) -> float:
    """Value of a sympy expression in the net's symbols, with f = sigmoid, at seeded random values."""
    sp, x, y, v, w, gamma, theta, f = _zhou_symbols()
    syms = [*x, *y, *v, *w, *gamma, *theta]
    vals = np.random.default_rng(seed).uniform(-1, 1, size=len(syms))
    fn = sp.lambdify(syms, sp.sympify(expr), modules=[{"f": lambda t: 1.0 / (1.0 + math.exp(-t))}, "math"])
    return float(fn(*vals))


def ref_apply_5_9(expr):
    """expr with every f'(u) replaced by f(u)(1 − f(u)), Zhou (5.9)."""
    import sympy as sp

    return expr.replace(lambda a: isinstance(a, sp.Derivative), lambda a: a.expr * (1 - a.expr)).doit()


def _ref_sym():
    sp, x, y, v, w, gamma, theta, f = _zhou_symbols()
    b = [f(sum(v[i, h] * x[i] for i in range(2)) - gamma[h]) for h in range(2)]
    yhat = [f(sum(w[h, j] * b[h] for h in range(2)) - theta[j]) for j in range(2)]
    E = sp.Rational(1, 2) * sum((yhat[j] - y[j]) ** 2 for j in range(2))
    g = [yhat[j] * (1 - yhat[j]) * (y[j] - yhat[j]) for j in range(2)]
    e = [b[h] * (1 - b[h]) * sum(w[h, j] * g[j] for j in range(2)) for h in range(2)]
    return b, yhat, E, g, e


def ref_build_network():
    """(b, ŷ, E_k) of Zhou's 2-2-2 net in sympy, (5.3) and (5.4), as build_network returns them.
    Tasks 5.2-5.4 run with this in place of yours (here and in the grader's sandbox)."""
    b, yhat, E, _, _ = _ref_sym()
    return b, yhat, E


def _sym_close(t, name, got, exp, mistakes=()):
    __tracebackhide__ = True
    import sympy as sp

    if not isinstance(got, sp.Basic):
        t.fail(f"{name} should be a sympy expression, got {type(got).__name__}")
    if got.has(sp.Derivative) or got.has(sp.Subs):
        t.fail(f"{name} still contains a derivative of f: apply (5.9), f' = f(1 − f), with apply_5_9")
    for seed in (1, 2):
        a, b = _numeric(got, seed), _numeric(exp, seed)
        if not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12):
            for cand, msg in mistakes:
                if math.isclose(a, _numeric(cand, seed), rel_tol=1e-9, abs_tol=1e-12):
                    t.fail(msg)
            t.fail(f"{name} is wrong: at a random point it is {a:.6g}, it should be {b:.6g}")


def check_E_k(build_network: Callable) -> None:
    """Task 5.1: ``build_network()`` returns ``(b, yhat, E_k)`` for Zhou's net (5.3), (5.4)."""
    t = Task("5.1", "the network and E_k in sympy")
    res = t.tuple(t.call(build_network), 3, "b, yhat, E_k")
    b, yhat, E, _, _ = _ref_sym()
    sp, x, y, v, w, gamma, theta, f = _zhou_symbols()
    plus_b = [f(sum(v[i, h] * x[i] for i in range(2)) + gamma[h]) for h in range(2)]
    for h in range(2):
        _sym_close(t, f"b[{h}]", res[0][h], b[h], [
            (plus_b[h], f"b[{h}]: Zhou *subtracts* the threshold, b_h = f(α_h − γ_h)")])
    for j in range(2):
        _sym_close(t, f"yhat[{j}]", res[1][j], yhat[j], [
            (sum(w[h, j] * b[h] for h in range(2)) - theta[j], f"yhat[{j}] is missing f: "
                                                               "ŷ_j = f(β_j − θ_j) (5.3)")])
    _sym_close(t, "E_k", res[2], E, [(2 * E, "E_k is missing the ½ of (5.4)"),
                                             (-E, "E_k has the wrong sign")])
    t.ok()


def check_apply_5_9(apply_5_9: Callable) -> None:
    """Task 5.2: ``apply_5_9(expr)`` replaces every f'(t) by f(t)(1 − f(t))."""
    t = Task("5.2", "apply (5.9): f' = f(1 − f)")
    import sympy as sp

    f, a, s = sp.Function("f"), sp.Symbol("a"), sp.Symbol("t")
    expr = sp.diff(f(a * s) ** 2 + f(f(s)), s)
    got = t.call(apply_5_9, expr)
    if isinstance(got, sp.Basic) and got.has(sp.Subs) and not got.has(sp.Derivative):
        t.fail("the derivatives are replaced, but a Subs(…, _xi, u) is left: call .doit() on the result, "
               "so that u is put in for _xi")
    if not isinstance(got, sp.Basic) or got.has(sp.Derivative) or got.has(sp.Subs):
        t.fail(f"the result still contains a derivative: {got}")
    ft, fat = f(s), f(a * s)
    exp = 2 * fat * fat * (1 - fat) * a + f(ft) * (1 - f(ft)) * ft * (1 - ft)
    diff = sp.expand(got - exp)
    if diff != 0:
        if sp.expand(got + exp) == 0:
            t.fail("wrong sign: f'(t) = f(t)(1 − f(t)) (5.9)")
        t.fail(f"on d/dt [f(a·t)² + f(f(t))] you returned {got}, expected {sp.factor(exp)}")
    t.ok()


def check_g_and_e(g_and_e: Callable) -> None:
    """Task 5.3: ``g_and_e()`` returns ``(g, e)``: Zhou's (5.10) and (5.15) in sympy."""
    t = Task("5.3", "g_j and e_h in sympy")
    with using(g_and_e, build_network=ref_build_network):  # your 5.1 is checked in 5.1 only
        res = t.tuple(t.call(g_and_e), 2, "g, e")
    b, yhat, E, g, e = _ref_sym()
    for j in range(2):
        _sym_close(t, f"g[{j}]", res[0][j], g[j], [
            (-g[j], f"g[{j}]: Zhou (5.10) is ŷ_j(1 − ŷ_j)(y_j − ŷ_j); yours matches (ŷ_j − y_j)")])
    for h in range(2):
        _sym_close(t, f"e[{h}]", res[1][h], e[h], [(-e[h], f"e[{h}] has the wrong sign (5.15)")])
    t.ok()


def check_dE_dv(dE_dv: Callable) -> None:
    """Task 5.4: ``dE_dv(i, h)`` is ∂E_k/∂v_ih with (5.9) applied; it equals −e_h x_i."""
    t = Task("5.4", "∂E_k/∂v_ih = −e_h x_i")
    sp, x, *_ = _zhou_symbols()
    b, yhat, E, g, e = _ref_sym()
    for i in range(2):
        for h in range(2):
            with using(dE_dv, build_network=ref_build_network, apply_5_9=ref_apply_5_9):
                got = t.call(dE_dv, i, h, what=f"dE_dv({i}, {h})")
            _sym_close(t, f"dE_dv({i}, {h})", got, -e[h] * x[i], [
                (e[h] * x[i], f"dE_dv({i}, {h}) has the wrong sign: "
                              "∂E_k/∂v_ih = −e_h x_i, "
                              "and Zhou's update Δv_ih = +η e_h x_i (5.13) is minus η times it"),
                *([(-e[i] * x[h], f"dE_dv({i}, {h}) is ∂E_k/∂v_{h + 1}{i + 1}: i and h are swapped. v[i, h] "
                                  "is the weight from input i to hidden unit h (v has shape (d, q))")]
                  if i != h else [])])
    t.ok()


def check_dE_dgamma(dE_dgamma: Callable) -> None:
    """Task 5.5: ``dE_dgamma(h)`` is ∂E_k/∂γ_h with (5.9) applied; it equals +e_h."""
    t = Task("5.5", "∂E_k/∂γ_h = e_h")
    b, yhat, E, g, e = _ref_sym()
    for h in range(2):
        with using(dE_dgamma, build_network=ref_build_network, apply_5_9=ref_apply_5_9):
            got = t.call(dE_dgamma, h, what=f"dE_dgamma({h})")
        _sym_close(t, f"dE_dgamma({h})", got, e[h], [
            (-e[h], f"dE_dgamma({h}) has the wrong sign: γ_h is subtracted, b_h = f(α_h − γ_h), "
                    "so ∂E_k/∂γ_h = +e_h and Δγ_h = −η e_h (5.14)")])
    t.ok()
