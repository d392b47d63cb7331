"""Exercise 1, gates (CS231n lecture 4's circuits): probes and judges for the trusted grader.

Every task draws its inputs at grading time (plus the notebook's visible examples). Tasks 1.5-1.7
wire gates into circuits: they run with the grader's reference gates in place of the student's,
so a wrong multiply gate costs task 1.1 only, not every circuit built from it.
"""

from __future__ import annotations

import math

import numpy as np

from bpcourse.check.ex01 import mul_backward_mistakes
from bpcourse.grading.spec import Exercise, Probe, Raised, Task, array, diagnose, fail, items, number
from bpcourse.i18n import _

# Reference gates (bpcourse/check/ex01.py), imported by the probes of tasks 1.5-1.7. They count
# backward calls, so a circuit that returns a formula's numbers without wiring the gates is told so.
_REF_GATES = """
from bpcourse.check.ex01 import CALLS as calls
from bpcourse.check.ex01 import REF_GATES as REF
"""


def _grads(value, n: int, name: str) -> tuple[float, ...]:
    """A gate's backward result: a tuple (or list) of n numbers."""
    if not isinstance(value, list):
        fail(_("{name} must return a tuple with one gradient per input, {form}; got {got}").format(
            name=name, form="(dx,)" if n == 1 else "(dx, dy)", got=repr(value)))
    if len(value) != n:
        fail(_("{name} must return {n} gradient(s), one per input; got {got}").format(
            name=name, n=n, got=len(value)))
    return tuple(number(g, f"gradient {k} of {name}") for k, g in enumerate(value))


def _cases(rng, visible, n, k):
    return [list(map(float, c)) for c in visible] + np.round(rng.normal(0.0, 2.0, size=(n, k)), 3).tolist()


# ---- 1.1 multiply gate -------------------------------------------------------------------------


def _probe_mul(rng):
    return Probe('''
        out = []
        for x, y, d in args:
            gate = MultiplyGate()
            out.append([gate.forward(x, y), gate.backward(d)])
        return out
    ''', _cases(rng, [(3.0, -4.0, 2.0), (0.5, 7.0, -1.5)], 6, 3))


def _judge_mul(got, cases):
    got = items(got, len(cases), "one result per case")
    for (x, y, d), res in zip(cases, got, strict=True):
        out, grads = items(res, 2, "forward's output, backward's gradients")
        if not math.isclose(number(out, "forward"), x * y, rel_tol=1e-9, abs_tol=1e-12):
            fail(_("forward({x}, {y}) should return x·y = {want}, got {got}").format(
                x=x, y=y, want=f"{x * y:g}", got=repr(out)))
        diagnose(_grads(grads, 2, "MultiplyGate.backward"), (y * d, x * d), mul_backward_mistakes(x, y, d),
                 f"(dx, dy) at x = {x:g}, y = {y:g}, dout = {d:g}")


# ---- 1.2 add gate ------------------------------------------------------------------------------


def _probe_add(rng):
    return Probe('''
        out = []
        for x, y, d in args:
            gate = AddGate()
            out.append([gate.forward(x, y), gate.backward(d)])
        return out
    ''', _cases(rng, [(3.0, -4.0, 2.0), (-1.0, 0.25, -3.0)], 6, 3))


def _judge_add(got, cases):
    got = items(got, len(cases), "one result per case")
    for (x, y, d), res in zip(cases, got, strict=True):
        out, grads = items(res, 2, "forward's output, backward's gradients")
        if not math.isclose(number(out, "forward"), x + y, rel_tol=1e-9, abs_tol=1e-12):
            fail(_("forward({x}, {y}) should return x + y = {want}, got {got}").format(
                x=x, y=y, want=f"{x + y:g}", got=repr(out)))
        diagnose(_grads(grads, 2, "AddGate.backward"), (d, d), [
            ((1.0, 1.0), "you returned the local gradients (1, 1) but forgot to multiply by dout: an add "
                         "gate passes dout unchanged to both inputs"),
            ((-d, -d), "wrong sign: d(x + y)/dx = +1, so dx = +dout"),
            ((d / 2, d / 2), "you split dout in half; an add gate *distributes*: each input gets all "
                             "of dout"),
            ((y * d, x * d), "that is the multiply gate's rule; an add gate gives dout to each input"),
        ], f"(dx, dy) for dout = {d:g}")


# ---- 1.3 max gate ------------------------------------------------------------------------------


def _probe_max(rng):
    pairs = _cases(rng, [(3.0, -4.0, 2.0), (-1.0, 5.0, -0.5)], 6, 3)
    ties = [[t, t, d] for t, d in np.round(rng.normal(0.0, 2.0, size=(2, 2)), 3).tolist()]
    two = np.round(rng.normal(0.0, 2.0, size=6), 3).tolist()
    two[0], two[1] = abs(two[0]) + 1.0, -abs(two[1])  # first gate: x wins
    two[2], two[3] = -abs(two[2]), abs(two[3]) + 1.0  # second gate: y wins
    return Probe('''
        out = []
        for x, y, d in args["cases"]:
            gate = MaxGate()
            out.append([gate.forward(x, y), gate.backward(d)])
        a, b = MaxGate(), MaxGate()
        x1, y1, x2, y2, d1, d2 = args["two"]
        a.forward(x1, y1)
        b.forward(x2, y2)
        return {"cases": out, "two": [a.backward(d1), b.backward(d2)]}
    ''', {"cases": pairs + ties, "two": two})


def _judge_max(got, args):
    got = got if isinstance(got, dict) else {}
    res = items(got.get("cases"), len(args["cases"]), "one result per case")
    for (x, y, d), r in zip(args["cases"], res, strict=True):
        out, grads = items(r, 2, "forward's output, backward's gradients")
        if not math.isclose(number(out, "forward"), max(x, y), rel_tol=1e-12, abs_tol=0.0):
            fail(_("forward({x}, {y}) should return max(x, y) = {want}, got {got}").format(
                x=x, y=y, want=f"{max(x, y):g}", got=repr(out)))
        grads = _grads(grads, 2, "MaxGate.backward")
        if x == y:
            diagnose(grads, (d, 0.0), [
                ((0.0, d), _("on a tie (x = y = {x}) the task says the gradient goes to x; yours went to y: "
                             "compare with x >= y").format(x=f"{x:g}")),
                ((d, d), "on a tie both inputs got dout: the max gate routes dout to one input only "
                         "(to x on a tie, says the task)"),
            ], f"(dx, dy) on the tie x = y = {x:g}")
            continue
        exp = (d, 0.0) if x > y else (0.0, d)
        diagnose(grads, exp, [
            (exp[::-1], "dout went to the *smaller* input: max routes the gradient to the input that won "
                        "(the larger one), and gives 0 to the other"),
            ((d, d), "both inputs got dout: max is a router, only the larger input gets dout, the other 0"),
            (((1.0, 0.0) if x > y else (0.0, 1.0)), "you forgot to multiply by dout: the winner gets 1·dout"),
            (((-d, 0.0) if x > y else (0.0, -d)), "wrong sign: the winner's local gradient is +1"),
        ], f"(dx, dy) at x = {x:g}, y = {y:g}, dout = {d:g}")
    two = items(got.get("two"), 2, "the two gates' gradients")
    x1, y1, x2, y2, d1, d2 = args["two"]
    first, second = _grads(two[0], 2, "MaxGate.backward"), _grads(two[1], 2, "MaxGate.backward")
    if close_pair(first, (0.0, d1)):
        fail("the first of two gates answered with the second gate's inputs: your cache is shared between "
             "gates (a class attribute or a global?). Keep it on self, in forward: self.x, self.y = x, y")
    diagnose(first, (d1, 0.0), [], "(dx, dy) of the first of two max gates")
    diagnose(second, (0.0, d2), [], "(dx, dy) of the second of two max gates")


def close_pair(a, b) -> bool:
    return all(math.isclose(p, q, rel_tol=1e-9, abs_tol=1e-12) for p, q in zip(a, b, strict=True))


# ---- 1.4 sigmoid gate --------------------------------------------------------------------------


def _sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def _probe_sigmoid(rng):
    cases = [[0.5, 2.0], [-1.5, -0.75]] + np.round(rng.normal(0.0, 3.0, size=(6, 2)), 3).tolist()
    far = [float(-rng.uniform(750, 1000)), float(rng.uniform(750, 1000))]
    two = np.round(rng.normal(0.0, 2.0, size=2), 3).tolist()
    two[0] = abs(two[0]) + 0.5
    two[1] = -abs(two[1]) - 0.5
    return Probe('''
        out = []
        for x, d in args["cases"]:
            gate = SigmoidGate()
            out.append([gate.forward(x), gate.backward(d)])
        far = []
        for x in args["far"]:
            gate = SigmoidGate()
            far.append(catch(gate.forward, x))
        a, b = SigmoidGate(), SigmoidGate()
        a.forward(args["two"][0])
        b.forward(args["two"][1])
        return {"cases": out, "far": far, "two": [a.backward(1.0), b.backward(1.0)]}
    ''', {"cases": cases, "far": far, "two": two})


def _judge_sigmoid(got, args):
    got = got if isinstance(got, dict) else {}
    res = items(got.get("cases"), len(args["cases"]), "one result per case")
    for (x, d), r in zip(args["cases"], res, strict=True):
        out, grads = items(r, 2, "forward's output, backward's gradients")
        s = _sig(x)
        if not math.isclose(number(out, "forward"), s, rel_tol=1e-9, abs_tol=1e-12):
            fail(_("forward({x}) should return σ(x) = 1/(1 + e^(−x)) = {want}, got {got}").format(
                x=f"{x:g}", want=f"{s:.6f}", got=fmt_num(out)))
        diagnose(_grads(grads, 1, "SigmoidGate.backward"), (s * (1 - s) * d,), [
            ((d,), "you passed dout straight through: you forgot the sigmoid's local derivative "
                   "σ(x)(1 − σ(x)) (Zhou 5.9), dx = σ(x)(1 − σ(x))·dout"),
            ((s * (1 - s),), "you forgot to multiply by dout: dx = σ(x)(1 − σ(x))·dout"),
            ((x * (1 - x) * d,), "you used the input x in x(1 − x); the derivative is σ(x)(1 − σ(x)), "
                                 "with the *output* σ(x) that forward cached (Zhou 5.9)"),
            ((-s * (1 - s) * d,), "wrong sign: σ'(x) = σ(x)(1 − σ(x)) is positive (Zhou 5.9)"),
            ((s * d,), "you forgot the (1 − σ(x)) factor: σ'(x) = σ(x)(1 − σ(x)) (Zhou 5.9)"),
        ], f"(dx,) at x = {x:g}, dout = {d:g}")
    far = items(got.get("far"), 2, "forward at two far-away points")
    for x, value in zip(args["far"], far, strict=True):
        if isinstance(value, Raised):
            fail(_("SigmoidGate.forward({x}) raised {type}: {message}. math.exp overflows for large "
                   "arguments: for x < 0 use the equivalent e^x/(1 + e^x), as the task says").format(
                x=f"{x:.1f}", type=value.type, message=value.message))
        v = number(value, f"forward({x:.1f})")
        if not math.isclose(v, _sig(x), abs_tol=1e-12):
            fail(_("forward({x}) should be {want}, got {got}").format(x=f"{x:.1f}", want=f"{_sig(x):g}",
                                                                    got=repr(v)))
    two = items(got.get("two"), 2, "the two gates' gradients")
    a, b = args["two"]
    first = _grads(two[0], 1, "SigmoidGate.backward")
    if math.isclose(first[0], _sig(b) * (1 - _sig(b)), rel_tol=1e-9) and not math.isclose(a, b):
        fail("the first of two sigmoid gates answered with the second gate's σ: your cache is shared "
             "between gates (a class attribute or a global?). Keep it on self: self.s = σ(x)")
    diagnose(first, (_sig(a) * (1 - _sig(a)),), [], "the first of two sigmoid gates' (dx,)")
    diagnose(_grads(two[1], 1, "SigmoidGate.backward"), (_sig(b) * (1 - _sig(b)),), [],
             "the second of two sigmoid gates' (dx,)")


def fmt_num(v) -> str:
    return f"{v:.6g}" if isinstance(v, float | int) else repr(v)


# ---- 1.5-1.7 circuits, with the reference gates ------------------------------------------------


def _circuit_probe(call: str, points) -> Probe:
    return Probe(_REF_GATES + f'''
out = []
with using({call}, **REF):
    for p in args:
        calls["backward"] = 0
        out.append([{call}(*p), calls["backward"]])
return out
''', points)


def _used_gates(n_backward, name: str) -> None:
    if number(n_backward, "backward calls") == 0:
        fail(_("{name} gave the right numbers without calling any gate's backward: the task is to wire the "
               "gates (forward in order, then backward in reverse), not to use a formula").format(name=name))


def _probe_circuit(rng):
    return _circuit_probe("circuit_grads", _cases(rng, [(-2.0, 5.0, -4.0), (1.5, -0.5, 2.0)], 5, 3))


def _judge_circuit(got, points):
    got = items(got, len(points), "one result per point")
    for (x, y, z), res in zip(points, got, strict=True):
        value, n_back = items(res, 2, "result")
        f, dx, dy, dz = (number(v, n) for v, n in zip(items(value, 4, "f, dx, dy, dz"),
                                                       ("f", "dx", "dy", "dz"), strict=True))
        if not math.isclose(f, (x + y) * z, rel_tol=1e-9, abs_tol=1e-12):
            fail(_("f{p} should be (x + y)·z = {want}, got {got}").format(
                p=f"({x:g}, {y:g}, {z:g})", want=f"{(x + y) * z:g}", got=f"{f:g}"))
        exp = (z, z, x + y)
        diagnose((dx, dy, dz), exp, [
            (tuple(-e for e in exp), "every gradient has the wrong sign: start backward with df/df = +1"),
            ((x + y, x + y, z), "at the multiply gate you swapped: q = x + y gets z·1, and z gets q·1"),
            ((z, 0.0, x + y), "dy is 0: the add gate *distributes*, so x and y both get dq"),
        ], f"(dx, dy, dz) at ({x:g}, {y:g}, {z:g})")
        _used_gates(n_back, "circuit_grads")


def _probe_neuron(rng):
    points = [[[2.0, -3.0, -3.0], [-1.0, -2.0]], [[0.5, 1.0, -0.25], [2.0, -1.5]]]
    for w, x in zip(np.round(rng.normal(0.0, 1.5, size=(5, 3)), 3).tolist(),
                    np.round(rng.normal(0.0, 1.5, size=(5, 2)), 3).tolist(), strict=True):
        points.append([w, x])
    return _circuit_probe("neuron_grads", points)


def _judge_neuron(got, points):
    got = items(got, len(points), "one result per point")
    for (w, x), res in zip(points, got, strict=True):
        value, n_back = items(res, 2, "result")
        f, dw, dx = items(value, 3, "f, dw, dx")
        f = number(f, "f")
        dw, dx = array(dw, (3,), "dw"), array(dx, (2,), "dx")
        z = w[0] * x[0] + w[1] * x[1] + w[2]
        s = _sig(z)
        if not math.isclose(f, s, rel_tol=1e-9, abs_tol=1e-12):
            fail(_("f should be σ(w0·x0 + w1·x1 + w2) = {want}, got {got}").format(want=f"{s:.6f}",
                                                                                   got=f"{f:.6g}"))
        ds = s * (1 - s)
        exp = np.array([x[0], x[1], 1.0, w[0], w[1]]) * ds
        diagnose(np.concatenate([dw, dx]), exp, [
            (exp / ds, "you forgot the sigmoid's local derivative: every gradient must be multiplied by "
                       "σ(1 − σ) = f(1 − f) (Zhou 5.9) on its way back through the sigmoid gate"),
            (-exp, "every gradient has the wrong sign"),
            (np.array([w[0], w[1], 1.0, x[0], x[1]]) * ds, "swapped inputs at the multiply gates: dw_i gets "
                                                           "x_i·upstream, dx_i gets w_i·upstream"),
            (exp * ds, "the sigmoid's local derivative f(1 − f) was applied twice: the sigmoid gate's "
                       "backward already multiplies by it, so pass its result on unchanged"),
        ], f"(dw, dx) at w = {w}, x = {x}")
        _used_gates(n_back, "neuron_grads")


def _probe_fork(rng):
    return _circuit_probe("fork_grads", _cases(rng, [(3.0, -4.0), (-1.5, 0.5)], 5, 2))


def _judge_fork(got, points):
    got = items(got, len(points), "one result per point")
    for (x, y), res in zip(points, got, strict=True):
        value, n_back = items(res, 2, "result")
        f, dx, dy = (number(v, n) for v, n in zip(items(value, 3, "f, dx, dy"), ("f", "dx", "dy"),
                                                   strict=True))
        if not math.isclose(f, (x + y) * x, rel_tol=1e-9, abs_tol=1e-12):
            fail(_("f{p} should be (x + y)·x = {want}, got {got}").format(
                p=f"({x:g}, {y:g})", want=f"{(x + y) * x:g}", got=f"{f:g}"))
        exp = (2 * x + y, x)
        one_branch = _("dx = {dx} is the gradient along only one of x's two paths: "
                       "x feeds both the add and the multiply gate (a fork), so its gradients add. "
                       "Use += (dx = dx_via_mul + dx_via_add), not = which keeps only the last one").format(
            dx=f"{dx:g}")
        diagnose((dx, dy), exp, [
            ((x + y, x), one_branch),
            ((x, x), one_branch),
            ((-exp[0], -exp[1]), "both gradients have the wrong sign"),
        ], f"(dx, dy) at ({x:g}, {y:g})")
        _used_gates(n_back, "fork_grads")


EXERCISE = Exercise("ex01_gates", tasks=(
    Task("ex01-mul-test", "1.1", "multiply gate backward", _probe_mul, _judge_mul),
    Task("ex01-add-test", "1.2", "add gate backward", _probe_add, _judge_add),
    Task("ex01-max-test", "1.3", "max gate (forward, cache, backward)", _probe_max, _judge_max),
    Task("ex01-sigmoid-test", "1.4", "sigmoid gate", _probe_sigmoid, _judge_sigmoid),
    Task("ex01-circuit-test", "1.5", "circuit f = (x + y)·z", _probe_circuit, _judge_circuit),
    Task("ex01-neuron-test", "1.6", "sigmoid neuron", _probe_neuron, _judge_neuron),
    Task("ex01-fork-test", "1.7", "a fork: f = (x + y)·x", _probe_fork, _judge_fork),
))
