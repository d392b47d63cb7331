"""Checks for exercise 1, gates (after lecture 01; CS231n lecture 4's circuits)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from bpcourse.i18n import _

from ._task import Task, close, fd_grads, numgrad, scalar_sigmoid, using

# The reference gates count their backward calls, so a circuit that returns a formula's numbers
# without running any gate backward is named (the task is to wire the gates). The grader's
# sandbox probes use these gates too.
CALLS = {"backward": 0}


class RefAddGate:
    def forward(self, x, y):
        return x + y

    def backward(self, dout):
        CALLS["backward"] += 1
        return dout, dout


class RefMultiplyGate:
    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y

    def backward(self, dout):
        CALLS["backward"] += 1
        return self.y * dout, self.x * dout


class RefSigmoidGate:
    def forward(self, x):
        self.s = scalar_sigmoid(x)
        return self.s

    def backward(self, dout):
        CALLS["backward"] += 1
        return (self.s * (1.0 - self.s) * dout,)


def _run_with_ref_gates(t, fn, *args):
    """``fn(*args)`` with the reference gates in place of the student's; also how many gate
    backward calls it made."""
    __tracebackhide__ = True
    CALLS["backward"] = 0
    with using(fn, **REF_GATES):
        res = t.call(fn, *args)
    return res, CALLS["backward"]


def _require_gates(t, n_backward: int) -> None:
    __tracebackhide__ = True
    if n_backward == 0:
        t.fail("the numbers are right, but no gate's backward was called: the task is to wire the gates "
               "(forward in order, then backward in reverse, starting from df/df = 1), not to use a "
               "formula worked out on paper")


# Tasks 1.5-1.7 run with these gates in place of yours, so a mistake in a gate costs that gate's task only.
REF_GATES = {"AddGate": RefAddGate, "MultiplyGate": RefMultiplyGate, "SigmoidGate": RefSigmoidGate}


def _gate_backward(t, gate_cls, inputs, dout, n_out):
    __tracebackhide__ = True
    gate = t.call(gate_cls, what=f"{getattr(gate_cls, '__name__', 'the gate')}()")
    out = t.call(gate.forward, *inputs, what=f"{type(gate).__name__}.forward")
    grads = t.call(gate.backward, dout, what=f"{type(gate).__name__}.backward")
    if not isinstance(grads, tuple | list):
        t.fail(_("backward must return a tuple with one gradient per input, {form}; got {got}").format(
            form="(dx,)" if n_out == 1 else "(dx, dy)", got=repr(grads)))
    if len(grads) != n_out:
        t.fail(_("backward must return {n} gradient(s), one per input; got {got}").format(
            n=n_out, got=len(grads)))
    return out, tuple(t.number(f"gradient {k}", g) for k, g in enumerate(grads))


def mul_backward_mistakes(x: float, y: float, d: float) -> list[tuple[tuple[float, float], str]]:
    """(dx, dy) of a multiply gate for the classic slips, upstream ``d``, each with what to say."""
    return [
        ((x * d, y * d), "dx and dy are swapped (swapped inputs): a multiply gate passes each input the "
                         "*other* input times the upstream gradient, dx = y·dout, dy = x·dout"),
        ((-y * d, -x * d), "dx and dy have the wrong sign: the local gradient of x·y with respect to x "
                           "is +y, so dx = y·dout"),
        ((y, x), "you forgot the upstream gradient dout: local gradient × upstream gradient, "
                 "dx = y·dout"),
        ((x, y), "swapped inputs and no dout: dx = y·dout (the *other* input times the upstream "
                 "gradient)"),
        ((d, d), "that is the add gate's rule; a multiply gate swaps: dx = y·dout, dy = x·dout"),
    ]


def check_mul_backward(MultiplyGate: type) -> None:
    """Task 1.1: ``MultiplyGate.backward(dout)`` returns ``(y·dout, x·dout)``."""
    t = Task("1.1", "multiply gate backward")
    for (x, y, dout) in [(3.0, -4.0, 2.0), (0.5, 7.0, -1.5)]:
        out, grads = _gate_backward(t, MultiplyGate, (x, y), dout, 2)
        if not close(out, x * y):
            t.fail(_("forward({x}, {y}) should return x·y = {want}, got {got}").format(
                x=x, y=y, want=x * y, got=out))
        # Expected: finite differences of x·y times dout (independent of any formula).
        exp = (numgrad(lambda a: a[0] * y, np.array([x]))[0] * dout,  # noqa: B023
               numgrad(lambda a: x * a[0], np.array([y]))[0] * dout)  # noqa: B023
        t.diagnose(grads, exp, mul_backward_mistakes(x, y, dout), "(dx, dy)")
    t.ok()


def check_add_backward(AddGate: type) -> None:
    """Task 1.2: ``AddGate.backward(dout)`` returns ``(dout, dout)``."""
    t = Task("1.2", "add gate backward")
    for (x, y, dout) in [(3.0, -4.0, 3.0), (-1.0, 0.25, -3.0)]:
        out, grads = _gate_backward(t, AddGate, (x, y), dout, 2)
        if not close(out, x + y):
            t.fail(_("forward({x}, {y}) should return x + y = {want}, got {got}").format(
                x=x, y=y, want=x + y, got=out))
        exp = (numgrad(lambda a: a[0] + y, np.array([x]))[0] * dout,  # noqa: B023
               numgrad(lambda a: x + a[0], np.array([y]))[0] * dout)  # noqa: B023
        t.diagnose(grads, exp, [
            ((1.0, 1.0), "you returned the local gradients (1, 1) but forgot to multiply by dout: "
                         "an add gate passes dout unchanged to both inputs"),
            ((-dout, -dout), "wrong sign: d(x + y)/dx = +1, so dx = +dout"),
            ((dout / 2, dout / 2), "you split dout in half; an add gate *distributes*: "
                                   "each input gets all of dout"),
            ((y * dout, x * dout), "that is the multiply gate's rule; an add gate gives dout to each input"),
        ], "(dx, dy)")
    t.ok()


def check_max_gate(MaxGate: type) -> None:
    """Task 1.3: ``MaxGate`` routes dout to the larger input, using the inputs cached by forward."""
    t = Task("1.3", "max gate (forward, cache, backward)")
    for (x, y, dout) in [(3.0, -4.0, 2.0), (-1.0, 5.0, -0.5)]:
        out, grads = _gate_backward(t, MaxGate, (x, y), dout, 2)
        if not close(out, max(x, y)):
            t.fail(_("forward({x}, {y}) should return max(x, y) = {want}, got {got}").format(
                x=x, y=y, want=max(x, y), got=out))
        exp = (numgrad(lambda a: max(a[0], y), np.array([x]))[0] * dout,  # noqa: B023
               numgrad(lambda a: max(x, a[0]), np.array([y]))[0] * dout)  # noqa: B023
        big_first = x > y
        t.diagnose(grads, exp, [
            (exp[::-1], "dout went to the *smaller* input: "
                        "max routes the gradient to the input that won (the larger one), "
                        "and gives 0 to the other"),
            ((dout, dout), "both inputs got dout: max is a router, only the larger input gets dout, "
                           "the other 0"),
            (((1.0, 0.0) if big_first else (0.0, 1.0)), "you forgot to multiply by dout: "
                                                        "the winner gets 1·dout"),
            (((-dout, 0.0) if big_first else (0.0, -dout)), "wrong sign: the winner's local gradient is +1"),
        ], "(dx, dy)")
    # On a tie the task gives the gradient to x.
    tie = t.call(MaxGate, what="MaxGate()")
    t.call(tie.forward, 1.5, 1.5, what="MaxGate.forward")
    grads = t.tuple(t.call(tie.backward, 2.0, what="MaxGate.backward"), 2, "dx, dy")
    if close(grads, (0.0, 2.0)):
        t.fail("on a tie, forward(1.5, 1.5), the task gives the gradient to x; "
               "yours went to y (x >= y, not x > y)")
    t.diagnose(grads, (2.0, 0.0), [((2.0, 2.0), "on a tie both inputs got dout; "
                                                "the task gives it to x alone")],
               "(dx, dy) on a tie")
    # The cache belongs to each gate: two gates in one circuit must not overwrite each other.
    g1 = t.call(MaxGate, what="MaxGate()")
    g2 = t.call(MaxGate, what="MaxGate()")
    t.call(g1.forward, 3.0, -4.0, what="MaxGate.forward")
    t.call(g2.forward, -1.0, 5.0, what="MaxGate.forward")
    grads = t.call(g1.backward, 2.0, what="MaxGate.backward")
    if close(tuple(grads), (0.0, 2.0)):
        t.fail("the first gate answered with the second gate's inputs: "
               "your cache is shared between gates (a class attribute or a global?). "
               "Keep it on self, in forward: self.x, self.y = x, y")
    t.diagnose(tuple(grads), (2.0, 0.0), [], "(dx, dy) of the first of two gates")
    t.ok()


def check_sigmoid_gate(SigmoidGate: type) -> None:
    """Task 1.4: ``SigmoidGate``: forward σ(x), backward ``(σ(x)(1 − σ(x))·dout,)`` (Zhou 5.9)."""
    t = Task("1.4", "sigmoid gate")
    for (x, dout) in [(0.5, 2.0), (-1.5, -0.75)]:
        out, grads = _gate_backward(t, SigmoidGate, (x,), dout, 1)
        s = 1.0 / (1.0 + math.exp(-x))
        if not close(out, s):
            t.fail(_("forward({x}) should return σ(x) = 1/(1 + e^(−x)) = {want}, got {got}").format(
                x=x, want=f"{s:.6f}", got=out))
        exp = (numgrad(lambda a: 1.0 / (1.0 + np.exp(-a[0])), np.array([x]))[0] * dout,)
        t.diagnose(grads, exp, [
            ((dout,), "you passed dout straight through: "
                      "you forgot the sigmoid's local derivative σ(x)(1 − σ(x)) (Zhou 5.9), "
                      "dx = σ(x)(1 − σ(x))·dout"),
            ((s * (1 - s),), "you forgot to multiply by dout: dx = σ(x)(1 − σ(x))·dout"),
            ((x * (1 - x) * dout,), "you used the input x in x(1 − x); "
                                    "the derivative is σ(x)(1 − σ(x)), "
                                    "with the *output* σ(x) that forward cached"),
            ((-s * (1 - s) * dout,), "wrong sign: σ'(x) = σ(x)(1 − σ(x)) is positive"),
            ((s * dout,), "you forgot the (1 − σ(x)) factor: σ'(x) = σ(x)(1 − σ(x)) (Zhou 5.9)"),
        ], "(dx,)")
    # Two sigmoid gates in one circuit keep their own caches.
    g1 = t.call(SigmoidGate, what="SigmoidGate()")
    g2 = t.call(SigmoidGate, what="SigmoidGate()")
    t.call(g1.forward, 2.0, what="SigmoidGate.forward")
    t.call(g2.forward, -1.0, what="SigmoidGate.forward")
    (dx,) = t.tuple(t.call(g1.backward, 1.0, what="SigmoidGate.backward"), 1, "dx")
    s1, s2 = scalar_sigmoid(2.0), scalar_sigmoid(-1.0)
    if close(dx, s2 * (1 - s2)):
        t.fail("the first gate answered with the second gate's σ: your cache is shared between gates "
               "(a class attribute or a global?). Keep it on self, in forward: self.s = ...")
    t.diagnose(dx, s1 * (1 - s1), [], "dx of the first of two gates")
    # Far out, σ(−800) = 0 and σ(800) = 1 without an overflow.
    for x, want in ((-800.0, 0.0), (800.0, 1.0)):
        gate = t.call(SigmoidGate, what="SigmoidGate()")
        out = t.number(f"forward({x:g})", t.call(gate.forward, x, what=f"SigmoidGate.forward({x:g})"))
        t.diagnose(out, want, [], f"forward({x:g})")
    t.ok()


def check_circuit(circuit_grads: Callable) -> None:
    """Task 1.5: f(x, y, z) = (x + y)·z: ``circuit_grads(x, y, z)`` returns ``(f, dx, dy, dz)``."""
    t = Task("1.5", "circuit f = (x + y)·z")
    f = lambda x, y, z: (x + y) * z  # noqa: E731
    for p in [(-2.0, 5.0, -4.0), (1.5, -0.5, 2.0)]:
        res, n_backward = _run_with_ref_gates(t, circuit_grads, *p)
        res = t.tuple(res, 4, "f, dx, dy, dz")
        got = [t.number(n, v) for n, v in zip(("f", "dx", "dy", "dz"), res, strict=True)]
        if not close(got[0], f(*p)):
            t.fail(_("f{p} should be (x + y)·z = {want}, got {got}").format(p=p, want=f(*p), got=got[0]))
        x, y, z = p
        exp = fd_grads(f, p)
        t.diagnose(got[1:], exp, [
            (-exp, "every gradient has the wrong sign: start backward with df/df = +1"),
            ((x + y, x + y, z), "at the multiply gate you swapped: q = x + y gets z·1, and z gets q·1"),
            ((z, 0.0, x + y), "dy is 0: the add gate *distributes*, so x and y both get dq"),
        ], "(dx, dy, dz)")
        _require_gates(t, n_backward)
    t.ok()


def check_neuron(neuron_grads: Callable) -> None:
    """Task 1.6: f(w, x) = σ(w0·x0 + w1·x1 + w2): ``neuron_grads(w, x)`` returns ``(f, dw, dx)``."""
    t = Task("1.6", "sigmoid neuron")

    def f(w0, w1, w2, x0, x1):
        return 1.0 / (1.0 + math.exp(-(w0 * x0 + w1 * x1 + w2)))

    # The first point is CS231n lecture 4's worked example (f ≈ 0.73, dw ≈ [-0.20, -0.39, 0.20]).
    for w, x in [([2.0, -3.0, -3.0], [-1.0, -2.0]), ([0.5, 1.0, -0.25], [2.0, -1.5])]:
        res, n_backward = _run_with_ref_gates(t, neuron_grads, list(w), list(x))
        res = t.tuple(res, 3, "f, dw, dx")
        fv = t.number("f", res[0])
        dw = t.array("dw", res[1], (3,))
        dx = t.array("dx", res[2], (2,))
        p = (*w, *x)
        if not close(fv, f(*p)):
            t.fail(_("f should be σ(w0·x0 + w1·x1 + w2) = {want}, got {got}").format(
                want=f"{f(*p):.6f}", got=fv))
        exp = fd_grads(f, p)
        no_sigma = np.array([x[0], x[1], 1.0, w[0], w[1]])
        t.diagnose(np.concatenate([dw, dx]), exp, [
            (no_sigma, "you forgot the sigmoid's local derivative: "
                       "every gradient must be multiplied by σ(1 − σ) = f(1 − f) "
                       "(Zhou 5.9) on its way back through the sigmoid gate"),
            (-exp, "every gradient has the wrong sign"),
            (np.array([w[0], w[1], 1.0, x[0], x[1]]) * exp[2], "swapped inputs at the multiply gates: "
                                                               "dw_i gets x_i·upstream, "
                                                               "dx_i gets w_i·upstream"),
            (exp * fv * (1.0 - fv), "the sigmoid's local derivative f(1 − f) was applied twice: the "
                                    "sigmoid gate's backward already multiplies by it, so pass its result "
                                    "on unchanged"),
        ], "(dw, dx)")
        _require_gates(t, n_backward)
    t.ok()


def check_fork(fork_grads: Callable) -> None:
    """Task 1.7: f(x, y) = (x + y)·x, where x forks: ``fork_grads(x, y)`` returns ``(f, dx, dy)``."""
    t = Task("1.7", "a fork: f = (x + y)·x")
    f = lambda x, y: (x + y) * x  # noqa: E731
    for p in [(3.0, -4.0), (-1.5, 0.5)]:
        res, n_backward = _run_with_ref_gates(t, fork_grads, *p)
        res = t.tuple(res, 3, "f, dx, dy")
        got = [t.number(n, v) for n, v in zip(("f", "dx", "dy"), res, strict=True)]
        x, y = p
        if not close(got[0], f(*p)):
            t.fail(_("f{p} should be (x + y)·x = {want}, got {got}").format(p=p, want=f(*p), got=got[0]))
        exp = fd_grads(f, p)
        one_branch = _("dx = {dx} is the gradient along only one of x's two paths: "
                       "x feeds both the add and the multiply gate (a fork), so its gradients add. "
                       "Use += (dx = dx_via_mul + dx_via_add), not = which keeps only the last one").format(
            dx=f"{got[1]:g}")
        t.diagnose(got[1:], exp, [
            ((x + y, x), one_branch),
            ((x, x), one_branch),
            (-exp, "both gradients have the wrong sign"),
        ], "(dx, dy)")
        _require_gates(t, n_backward)
    t.ok()
