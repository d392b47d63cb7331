"""Exercise 5, the derivation in sympy (d = q = l = 2, f undefined with f' = f(1 − f)): probes and judges.

Expressions come back as JSON trees (never parsed from text) and are judged by their values at
points drawn at grading time, with f = the sigmoid. Tasks 5.3-5.5 run with the grader's
``build_network`` (and ``apply_5_9``) in place of the student's.
"""

from __future__ import annotations

import math

from bpcourse.grading.spec import Exercise, Probe, SymTree, Task, fail, items, sym_close

NAMES = (["x1", "x2", "y1", "y2"] + [f"v_{i}{h}" for i in (1, 2) for h in (1, 2)]
         + [f"w_{h}{j}" for h in (1, 2) for j in (1, 2)] + ["gamma1", "gamma2", "theta1", "theta2"])


def _sig(t: float) -> float:
    return 1.0 / (1.0 + math.exp(-t)) if t >= 0 else math.exp(t) / (1.0 + math.exp(t))


FUNCS = {"f": _sig}

# The reference network and (5.9) live in bpcourse/check/ex05.py (the sandbox can read it).
_REF = """
from bpcourse.check.ex05 import ref_apply_5_9, ref_build_network
"""


def net(p: dict) -> dict:
    """Zhou's net at a point {symbol name: value}, in floats: b, ŷ, E_k, g, e (5.3, 5.4, 5.10, 5.15)."""
    x, y = [p["x1"], p["x2"]], [p["y1"], p["y2"]]
    b = [_sig(sum(p[f"v_{i + 1}{h + 1}"] * x[i] for i in range(2)) - p[f"gamma{h + 1}"]) for h in range(2)]
    yhat = [_sig(sum(p[f"w_{h + 1}{j + 1}"] * b[h] for h in range(2)) - p[f"theta{j + 1}"]) for j in range(2)]
    E = 0.5 * sum((yhat[j] - y[j]) ** 2 for j in range(2))
    g = [yhat[j] * (1 - yhat[j]) * (y[j] - yhat[j]) for j in range(2)]
    e = [b[h] * (1 - b[h]) * sum(p[f"w_{h + 1}{j + 1}"] * g[j] for j in range(2)) for h in range(2)]
    return {"x": x, "y": y, "b": b, "yhat": yhat, "E": E, "g": g, "e": e}


def _points(rng, n: int = 3) -> list[dict]:
    return [dict(zip(NAMES, rng.uniform(-1, 1, size=len(NAMES)).tolist(), strict=True)) for _ in range(n)]


def _close(got, expected, name, points, mistakes=()):
    sym_close(got, expected, name, points, FUNCS, mistakes)


# ---- 5.1 the network and E_k -------------------------------------------------------------------


def _probe_network(rng):
    return Probe("return build_network()", {"_points": _points(rng)})


def _judge_network(got, args):
    pts = args["_points"]
    b, yhat, E = items(got, 3, "b, yhat, E_k")
    b, yhat = items(b, 2, "b (two expressions)"), items(yhat, 2, "yhat (two expressions)")
    for h in range(2):
        def plus_gamma(p, h=h):
            return _sig(sum(p[f"v_{i + 1}{h + 1}"] * p[f"x{i + 1}"] for i in range(2)) + p[f"gamma{h + 1}"])

        _close(b[h], lambda p, h=h: net(p)["b"][h], f"b[{h}]", pts, [
            (plus_gamma, f"b[{h}]: Zhou *subtracts* the threshold, b_h = f(α_h − γ_h)")])
    for j in range(2):
        def no_f(p, j=j):
            n = net(p)
            return sum(p[f"w_{h + 1}{j + 1}"] * n["b"][h] for h in range(2)) - p[f"theta{j + 1}"]

        _close(yhat[j], lambda p, j=j: net(p)["yhat"][j], f"yhat[{j}]", pts, [
            (no_f, f"yhat[{j}] is missing f: ŷ_j = f(β_j − θ_j) (5.3)")])
    _close(E, lambda p: net(p)["E"], "E_k", pts, [(lambda p: 2 * net(p)["E"], "E_k is missing the ½ of "
                                                                              "(5.4)"),
                                                    (lambda p: -net(p)["E"], "E_k has the wrong sign")])


# ---- 5.2 apply (5.9) ---------------------------------------------------------------------------


def _probe_apply(rng):
    cases = [[2, 1, 0, 0]] + [[int(rng.integers(2, 6)), int(rng.integers(2, 4)), int(rng.integers(1, 4)),
                               int(rng.integers(-3, 4))] for _ in range(2)]
    return Probe('''
import sympy as sp
f, t = sp.Function("f"), sp.Symbol("t")
out = []
for c, k, s, r in args["cases"]:
    expr = sp.diff(f(c * t) ** k + s * f(f(t)) + r * f(t), t)
    out.append(apply_5_9(expr))
return out
''', {"cases": cases, "_t": rng.uniform(-1.5, 1.5, size=3).tolist()})


def _judge_apply(got, args):
    got = items(got, len(args["cases"]), "one expression per case")

    def d(u: float) -> float:
        return _sig(u) * (1 - _sig(u))  # (5.9)

    for res, (c, k, s, r) in zip(got, args["cases"], strict=True):
        shown = f"d/dt [f({c}t)^{k} + {s}·f(f(t)) + {r}·f(t)]"
        if isinstance(res, SymTree) and res.has("Subs") and not res.has("Derivative"):
            fail(f"on {shown} the derivatives are replaced, but a Subs(…, _xi, u) is left: call .doit() on "
                 "the result, so that u is put in for _xi")
        if isinstance(res, SymTree) and (res.has("Derivative") or res.has("Subs")):
            fail(f"on {shown} the result still contains a derivative: replace every f'(u) by f(u)(1 − f(u))")

        def exp(p, c=c, k=k, s=s, r=r):
            t = p["t"]
            return k * _sig(c * t) ** (k - 1) * d(c * t) * c + s * d(_sig(t)) * d(t) + r * d(t)

        def neg(p, c=c, k=k, s=s, r=r):
            t = p["t"]
            return -(k * _sig(c * t) ** (k - 1) * d(c * t) * c) - s * d(_sig(t)) * d(t) - r * d(t)

        sym_close(res, exp, shown, [{"t": t} for t in args["_t"]], FUNCS,
                  [(neg, "wrong sign: f'(u) = f(u)(1 − f(u)) (5.9)")])


# ---- 5.3-5.5 ------------------------------------------------------------------------------------


def _probe_ge(rng):
    return Probe(_REF + '''
with using(g_and_e, build_network=ref_build_network):
    return g_and_e()
''', {"_points": _points(rng)})


def _judge_ge(got, args):
    pts = args["_points"]
    g, e = items(got, 2, "g, e")
    g, e = items(g, 2, "g (two expressions)"), items(e, 2, "e (two expressions)")
    for j in range(2):
        _close(g[j], lambda p, j=j: net(p)["g"][j], f"g[{j}]", pts, [
            (lambda p, j=j: -net(p)["g"][j], f"g[{j}]: Zhou (5.10) is ŷ_j(1 − ŷ_j)(y_j − ŷ_j); yours matches "
                                             "(ŷ_j − y_j)")])
    for h in range(2):
        def no_factor(p, h=h):
            n = net(p)
            return sum(p[f"w_{h + 1}{j + 1}"] * n["g"][j] for j in range(2))

        _close(e[h], lambda p, h=h: net(p)["e"][h], f"e[{h}]", pts, [
            (lambda p, h=h: -net(p)["e"][h], f"e[{h}] has the wrong sign (5.15)"),
            (no_factor, f"e[{h}] is missing the factor b_h(1 − b_h) (5.15)")])


def _probe_dv(rng):
    return Probe(_REF + '''
with using(dE_dv, build_network=ref_build_network, apply_5_9=ref_apply_5_9):
    return [[dE_dv(i, h) for h in range(2)] for i in range(2)]
''', {"_points": _points(rng)})


def _judge_dv(got, args):
    pts = args["_points"]
    rows = items(got, 2, "dE_dv(i, h) for i = 0, 1")
    for i in range(2):
        row = items(rows[i], 2, "dE_dv(i, h) for h = 0, 1")
        for h in range(2):
            _close(row[h], lambda p, i=i, h=h: -net(p)["e"][h] * net(p)["x"][i], f"dE_dv({i}, {h})", pts, [
                (lambda p, i=i, h=h: net(p)["e"][h] * net(p)["x"][i],
                 f"dE_dv({i}, {h}) has the wrong sign: ∂E_k/∂v_ih = −e_h x_i, and Zhou's update Δv_ih = +η "
                 f"e_h "
                 "x_i (5.13) is minus η times it"),
                *([(lambda p, i=i, h=h: -net(p)["e"][i] * net(p)["x"][h],
                    f"dE_dv({i}, {h}) is ∂E_k/∂v_{h + 1}{i + 1}: i and h are swapped. v[i, h] is the weight "
                    "from input i to hidden unit h (v has shape (d, q))")] if i != h else [])])


def _probe_dgamma(rng):
    return Probe(_REF + '''
with using(dE_dgamma, build_network=ref_build_network, apply_5_9=ref_apply_5_9):
    return [dE_dgamma(h) for h in range(2)]
''', {"_points": _points(rng)})


def _judge_dgamma(got, args):
    pts = args["_points"]
    got = items(got, 2, "dE_dgamma(h) for h = 0, 1")
    for h in range(2):
        _close(got[h], lambda p, h=h: net(p)["e"][h], f"dE_dgamma({h})", pts, [
            (lambda p, h=h: -net(p)["e"][h], f"dE_dgamma({h}) has the wrong sign: γ_h is subtracted, b_h = "
                                             "f(α_h − γ_h), so ∂E_k/∂γ_h = +e_h and Δγ_h = −η e_h (5.14)")])


EXERCISE = Exercise("ex05_sympy_derivation", tasks=(
    Task("ex05-network-test", "5.1", "the network and E_k in sympy", _probe_network, _judge_network),
    Task("ex05-apply59-test", "5.2", "apply (5.9): f' = f(1 − f)", _probe_apply, _judge_apply),
    Task("ex05-ge-test", "5.3", "g_j and e_h in sympy", _probe_ge, _judge_ge),
    Task("ex05-dv-test", "5.4", "∂E_k/∂v_ih = −e_h x_i", _probe_dv, _judge_dv),
    Task("ex05-dgamma-test", "5.5", "∂E_k/∂γ_h = e_h", _probe_dgamma, _judge_dgamma),
))
