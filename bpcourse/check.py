"""Checks for the graded exercises: each one prints a short verdict or says what is wrong.

A test cell of an exercise notebook calls one check with your function or class:

    from bpcourse.check import check_mul_backward
    check_mul_backward(MultiplyGate)

On a right answer the check prints ``✓ task 1.1 multiply gate backward: correct``. On a wrong one
it raises ``AssertionError`` whose message names the mistake and where to look ("dx and dy are
swapped: ..."), so the cell fails, and a cell that fails earns no points (nbgrader's rule). A
task you have not started (your code still raises ``NotImplementedError``) raises
``NotAttempted``, a kind of ``AssertionError`` that says so instead of showing a traceback.

Every expected value here is computed independently of the course's own implementation:
by centred finite differences of the forward computation (``_numgrad``), or from a worked example
whose source is named. The deliberately wrong variants (``mistakes``) are used only to *name*
a wrong answer; they never decide that an answer is right.

This module imports nothing from ``bpcourse`` on purpose: the grader loads it fresh from its
file, and a submission that patches ``bpcourse.gradcheck`` or ``bpcourse.gates`` cannot change
what a check believes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = [
    "NotAttempted",
    # ex01 gates
    "check_mul_backward", "check_add_backward", "check_max_gate", "check_sigmoid_gate",
    "check_circuit", "check_neuron", "check_fork",
    # ex02 backprop as dynamic programming
    "check_topological_order", "check_local_gradients", "check_backprop", "check_path_sum",
    "check_path_count_formula",
    # ex03 layers
    "check_linear", "check_relu", "check_sigmoid_layer", "check_mse", "check_forward_backward",
    "check_training",
    # ex04 Zhou's BP
    "check_output_gradient", "check_hidden_gradient", "check_updates", "check_accumulated_error",
    "check_standard_epoch", "check_accumulated_epoch",
    # ex05 sympy
    "check_E_k", "check_apply_5_9", "check_g_and_e", "check_dE_dv", "check_dE_dgamma",
]


class NotAttempted(AssertionError):
    """The task's code still raises NotImplementedError: nothing to check yet."""


# ---------------------------------------------------------------------------------------------
# Verdicts
# ---------------------------------------------------------------------------------------------


def _ok(task: str, title: str, detail: str = "") -> None:
    print(f"✓ task {task} {title}: correct{detail}")


def _fail(task: str, title: str, message: str):
    __tracebackhide__ = True
    raise AssertionError(f"✗ task {task} {title}: {message}")


def _attempt(task: str, title: str, fn: Callable, *args, what: str = "", **kwargs):
    """Call the student's ``fn``; NotImplementedError means the task is not attempted yet."""
    __tracebackhide__ = True
    what = what or getattr(fn, "__qualname__", None) or getattr(fn, "__name__", "your code")
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise NotAttempted(
            f"task {task} {title}: not attempted yet ({what} still raises NotImplementedError; "
            "replace the `raise NotImplementedError()` line with your code)"
        ) from None
    except Exception as exc:  # any other error in the student's code: say where it came from
        raise AssertionError(
            f"✗ task {task} {title}: {what} raised {type(exc).__name__}: {exc}"
        ) from exc


def _number(task: str, title: str, name: str, value: Any) -> float:
    __tracebackhide__ = True
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        _fail(task, title, f"{name} should be a number, got {value!r} ({type(value).__name__})")
    if arr.shape != ():
        _fail(task, title, f"{name} should be a single number, got an array of shape {arr.shape}")
    return float(arr)


def _array(task: str, title: str, name: str, value: Any, shape: tuple[int, ...],
           hint: str = "") -> np.ndarray:
    """``value`` as a float64 array of exactly ``shape`` (no broadcasting), or a named failure."""
    __tracebackhide__ = True
    if value is None:
        _fail(task, title, f"{name} is None: did you forget to return (or store) it?")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        _fail(task, title, f"{name} should be an array of shape {shape}, got {type(value).__name__}")
    if arr.shape != shape:
        if len(shape) == 2 and arr.shape == shape[::-1] and shape[0] != shape[1]:
            _fail(task, title, f"{name} is transposed: shape {arr.shape}, but it must have shape "
                               f"{shape}. {hint}")
        _fail(task, title, f"{name} has shape {arr.shape}, but it must have shape {shape}. {hint}")
    if not np.all(np.isfinite(arr)):
        _fail(task, title, f"{name} contains nan or inf: {arr}")
    return arr


def _close(a, b, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol))


def _diagnose(task: str, title: str, got, expected, mistakes: Sequence[tuple[Any, str]], name: str,
              rtol: float = 1e-6, atol: float = 1e-9) -> None:
    """Pass if ``got`` matches ``expected``; else name the first mistake it matches, else show both."""
    __tracebackhide__ = True
    if _close(got, expected, rtol, atol):
        return
    for candidate, message in mistakes:
        if _close(got, candidate, rtol, atol):
            _fail(task, title, message)
    _fail(task, title, f"{name} is wrong: expected {_fmt(expected)}, got {_fmt(got)}")


def _fmt(x) -> str:
    arr = np.asarray(x, dtype=np.float64)
    if arr.shape == ():
        return f"{float(arr):.6g}"
    return np.array2string(arr, precision=4, suppress_small=True, separator=", ")


def _tuple(task: str, title: str, value, n: int, names: str) -> tuple:
    __tracebackhide__ = True
    if not isinstance(value, tuple | list) or len(value) != n:
        _fail(task, title, f"should return a tuple of {n} ({names}), got {value!r}")
    return tuple(value)


def _numgrad(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Centred differences of scalar ``f`` at float64 array ``x`` (restored afterwards).

    A private copy of ``bpcourse.gradcheck.numerical_gradient``, so that a submission that
    patches that module cannot change the checks' reference values.
    """
    x = np.asarray(x)
    grad = np.zeros(x.shape)
    flat = x.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        fp = float(f(x))
        flat[i] = old - h
        fm = float(f(x))
        flat[i] = old
        grad.reshape(-1)[i] = (fp - fm) / (2 * h)
    return grad


def _sigmoid(t):
    t = np.asarray(t, dtype=np.float64)
    return np.where(t >= 0, 1.0 / (1.0 + np.exp(-np.abs(t))), np.exp(-np.abs(t)) / (1.0 + np.exp(-np.abs(t))))


# ---------------------------------------------------------------------------------------------
# ex01: gates (CS231n lecture 4's circuits)
# ---------------------------------------------------------------------------------------------


def _gate_backward(task, title, gate_cls, inputs, dout, n_out):
    __tracebackhide__ = True
    gate = _attempt(task, title, gate_cls, what=f"{getattr(gate_cls, '__name__', 'the gate')}()")
    out = _attempt(task, title, gate.forward, *inputs, what=f"{type(gate).__name__}.forward")
    grads = _attempt(task, title, gate.backward, dout, what=f"{type(gate).__name__}.backward")
    if not isinstance(grads, tuple | list):
        _fail(task, title, f"backward must return a tuple with one gradient per input, "
                           f"{'(dx,)' if n_out == 1 else '(dx, dy)'}; got {grads!r}")
    if len(grads) != n_out:
        _fail(task, title, f"backward must return {n_out} gradient(s), one per input; got {len(grads)}")
    return out, tuple(_number(task, title, f"gradient {k}", g) for k, g in enumerate(grads))


def check_mul_backward(MultiplyGate: type) -> None:
    """Task 1.1: ``MultiplyGate.backward(dout)`` returns ``(y·dout, x·dout)``."""
    T, title = "1.1", "multiply gate backward"
    for (x, y, dout) in [(3.0, -4.0, 2.0), (0.5, 7.0, -1.5)]:
        out, grads = _gate_backward(T, title, MultiplyGate, (x, y), dout, 2)
        if not _close(out, x * y):
            _fail(T, title, f"forward({x}, {y}) should return x·y = {x * y}, got {out}")
        # Expected: finite differences of x·y times dout (independent of any formula).
        exp = (_numgrad(lambda a: a[0] * y, np.array([x]))[0] * dout,  # noqa: B023
               _numgrad(lambda a: x * a[0], np.array([y]))[0] * dout)  # noqa: B023
        _diagnose(T, title, grads, exp, [
            ((x * dout, y * dout), "dx and dy are swapped (swapped inputs): a multiply gate passes each "
                                   "input "
                                   "the *other* input times the upstream gradient, dx = y·dout, dy = x·dout"),
            ((-y * dout, -x * dout), "dx and dy have the wrong sign: the local gradient of x·y with respect "
                                     "to x is +y, so dx = y·dout"),
            ((y, x), "you forgot the upstream gradient dout: local gradient × upstream gradient, dx = "
                     "y·dout"),
            ((x, y), "swapped inputs and no dout: dx = y·dout (the *other* input times the upstream "
                     "gradient)"),
            ((dout, dout), "that is the add gate's rule; a multiply gate swaps: dx = y·dout, dy = x·dout"),
        ], "(dx, dy)")
    _ok(T, title)


def check_add_backward(AddGate: type) -> None:
    """Task 1.2: ``AddGate.backward(dout)`` returns ``(dout, dout)``."""
    T, title = "1.2", "add gate backward"
    for (x, y, dout) in [(3.0, -4.0, 2.0), (-1.0, 0.25, -3.0)]:
        out, grads = _gate_backward(T, title, AddGate, (x, y), dout, 2)
        if not _close(out, x + y):
            _fail(T, title, f"forward({x}, {y}) should return x + y = {x + y}, got {out}")
        exp = (_numgrad(lambda a: a[0] + y, np.array([x]))[0] * dout,  # noqa: B023
               _numgrad(lambda a: x + a[0], np.array([y]))[0] * dout)  # noqa: B023
        _diagnose(T, title, grads, exp, [
            ((1.0, 1.0), "you returned the local gradients (1, 1) but forgot to multiply by dout: "
                         "an add gate passes dout unchanged to both inputs"),
            ((-dout, -dout), "wrong sign: d(x + y)/dx = +1, so dx = +dout"),
            ((dout / 2, dout / 2), "you split dout in half; an add gate *distributes*: each input gets "
                                   "all of dout"),
            ((y * dout, x * dout), "that is the multiply gate's rule; an add gate gives dout to each input"),
        ], "(dx, dy)")
    _ok(T, title)


def check_max_gate(MaxGate: type) -> None:
    """Task 1.3: ``MaxGate`` routes dout to the larger input, using the inputs cached by forward."""
    T, title = "1.3", "max gate (forward, cache, backward)"
    for (x, y, dout) in [(3.0, -4.0, 2.0), (-1.0, 5.0, -0.5)]:
        out, grads = _gate_backward(T, title, MaxGate, (x, y), dout, 2)
        if not _close(out, max(x, y)):
            _fail(T, title, f"forward({x}, {y}) should return max(x, y) = {max(x, y)}, got {out}")
        exp = (_numgrad(lambda a: max(a[0], y), np.array([x]))[0] * dout,  # noqa: B023
               _numgrad(lambda a: max(x, a[0]), np.array([y]))[0] * dout)  # noqa: B023
        big_first = x > y
        _diagnose(T, title, grads, exp, [
            (exp[::-1], "dout went to the *smaller* input: max routes the gradient to the input that won "
                        "(the larger one), and gives 0 to the other"),
            ((dout, dout), "both inputs got dout: max is a router, only the larger input gets dout, the "
                           "other 0"),
            (((1.0, 0.0) if big_first else (0.0, 1.0)), "you forgot to multiply by dout: the winner "
                                                        "gets 1·dout"),
            (((-dout, 0.0) if big_first else (0.0, -dout)), "wrong sign: the winner's local gradient is +1"),
        ], "(dx, dy)")
    # The cache belongs to each gate: two gates in one circuit must not overwrite each other.
    g1 = _attempt(T, title, MaxGate, what="MaxGate()")
    g2 = _attempt(T, title, MaxGate, what="MaxGate()")
    _attempt(T, title, g1.forward, 3.0, -4.0, what="MaxGate.forward")
    _attempt(T, title, g2.forward, -1.0, 5.0, what="MaxGate.forward")
    grads = _attempt(T, title, g1.backward, 2.0, what="MaxGate.backward")
    if _close(tuple(grads), (0.0, 2.0)):
        _fail(T, title, "the first gate answered with the second gate's inputs: your cache is shared between "
                        "gates (a class attribute or a global?). Keep it on self, in forward: self.x, "
                        "self.y = x, y")
    _diagnose(T, title, tuple(grads), (2.0, 0.0), [], "(dx, dy) of the first of two gates")
    _ok(T, title)


def check_sigmoid_gate(SigmoidGate: type) -> None:
    """Task 1.4: ``SigmoidGate``: forward σ(x), backward ``(σ(x)(1 − σ(x))·dout,)`` (Zhou 5.9)."""
    T, title = "1.4", "sigmoid gate"
    for (x, dout) in [(0.5, 2.0), (-1.5, -0.75)]:
        out, grads = _gate_backward(T, title, SigmoidGate, (x,), dout, 1)
        s = 1.0 / (1.0 + math.exp(-x))
        if not _close(out, s):
            _fail(T, title, f"forward({x}) should return σ(x) = 1/(1 + e^(−x)) = {s:.6f}, got {out}")
        exp = (_numgrad(lambda a: 1.0 / (1.0 + np.exp(-a[0])), np.array([x]))[0] * dout,)
        _diagnose(T, title, grads, exp, [
            ((dout,), "you passed dout straight through: you forgot the sigmoid's local derivative "
                      "σ(x)(1 − σ(x)) (Zhou 5.9), dx = σ(x)(1 − σ(x))·dout"),
            ((s * (1 - s),), "you forgot to multiply by dout: dx = σ(x)(1 − σ(x))·dout"),
            ((x * (1 - x) * dout,), "you used the input x in x(1 − x); the derivative is σ(x)(1 − σ(x)), "
                                    "with the *output* σ(x) that forward cached"),
            ((-s * (1 - s) * dout,), "wrong sign: σ'(x) = σ(x)(1 − σ(x)) is positive"),
            ((s * dout,), "you forgot the (1 − σ(x)) factor: σ'(x) = σ(x)(1 − σ(x)) (Zhou 5.9)"),
        ], "(dx,)")
    _ok(T, title)


def _fd_grads(f: Callable[..., float], point: Sequence[float]) -> np.ndarray:
    return _numgrad(lambda a: f(*a), np.array(point, dtype=np.float64))


def check_circuit(circuit_grads: Callable) -> None:
    """Task 1.5: f(x, y, z) = (x + y)·z: ``circuit_grads(x, y, z)`` returns ``(f, dx, dy, dz)``."""
    T, title = "1.5", "circuit f = (x + y)·z"
    f = lambda x, y, z: (x + y) * z  # noqa: E731
    for p in [(-2.0, 5.0, -4.0), (1.5, -0.5, 2.0)]:
        res = _tuple(T, title, _attempt(T, title, circuit_grads, *p), 4, "f, dx, dy, dz")
        got = [_number(T, title, n, v) for n, v in zip(("f", "dx", "dy", "dz"), res, strict=True)]
        if not _close(got[0], f(*p)):
            _fail(T, title, f"f{p} should be (x + y)·z = {f(*p)}, got {got[0]}")
        x, y, z = p
        exp = _fd_grads(f, p)
        _diagnose(T, title, got[1:], exp, [
            (-exp, "every gradient has the wrong sign: start backward with df/df = +1"),
            ((x + y, x + y, z), "at the multiply gate you swapped: q = x + y gets z·1, and z gets q·1"),
            ((z, 0.0, x + y), "dy is 0: the add gate *distributes*, so x and y both get dq"),
        ], "(dx, dy, dz)")
    _ok(T, title)


def check_neuron(neuron_grads: Callable) -> None:
    """Task 1.6: f(w, x) = σ(w0·x0 + w1·x1 + w2): ``neuron_grads(w, x)`` returns ``(f, dw, dx)``."""
    T, title = "1.6", "sigmoid neuron"

    def f(w0, w1, w2, x0, x1):
        return 1.0 / (1.0 + math.exp(-(w0 * x0 + w1 * x1 + w2)))

    # The first point is CS231n lecture 4's worked example (f ≈ 0.73, dw ≈ [-0.20, -0.39, 0.20]).
    for w, x in [([2.0, -3.0, -3.0], [-1.0, -2.0]), ([0.5, 1.0, -0.25], [2.0, -1.5])]:
        res = _tuple(T, title, _attempt(T, title, neuron_grads, list(w), list(x)), 3, "f, dw, dx")
        fv = _number(T, title, "f", res[0])
        dw = _array(T, title, "dw", res[1], (3,))
        dx = _array(T, title, "dx", res[2], (2,))
        p = (*w, *x)
        if not _close(fv, f(*p)):
            _fail(T, title, f"f should be σ(w0·x0 + w1·x1 + w2) = {f(*p):.6f}, got {fv}")
        exp = _fd_grads(f, p)
        no_sigma = np.array([x[0], x[1], 1.0, w[0], w[1]])
        _diagnose(T, title, np.concatenate([dw, dx]), exp, [
            (no_sigma, "you forgot the sigmoid's local derivative: every gradient must be multiplied by "
                       "σ(1 − σ) = f(1 − f) (Zhou 5.9) on its way back through the sigmoid gate"),
            (-exp, "every gradient has the wrong sign"),
            (np.array([w[0], w[1], 1.0, x[0], x[1]]) * exp[2], "swapped inputs at the multiply gates: "
                                                               "dw_i gets x_i·upstream, dx_i gets "
                                                               "w_i·upstream"),
        ], "(dw, dx)")
    _ok(T, title)


def check_fork(fork_grads: Callable) -> None:
    """Task 1.7: f(x, y) = (x + y)·x, where x forks: ``fork_grads(x, y)`` returns ``(f, dx, dy)``."""
    T, title = "1.7", "a fork: f = (x + y)·x"
    f = lambda x, y: (x + y) * x  # noqa: E731
    for p in [(3.0, -4.0), (-1.5, 0.5)]:
        res = _tuple(T, title, _attempt(T, title, fork_grads, *p), 3, "f, dx, dy")
        got = [_number(T, title, n, v) for n, v in zip(("f", "dx", "dy"), res, strict=True)]
        x, y = p
        if not _close(got[0], f(*p)):
            _fail(T, title, f"f{p} should be (x + y)·x = {f(*p)}, got {got[0]}")
        exp = _fd_grads(f, p)
        one_branch = (f"dx = {got[1]:g} is the gradient along only one of x's two paths: x feeds both "
                      f"the add "
                      "and the multiply gate (a fork), so its gradients add. Use += (dx = dx_via_mul + "
                      "dx_via_add), "
                      "not = which keeps only the last one")
        _diagnose(T, title, got[1:], exp, [
            ((x + y, x), one_branch),
            ((x, x), one_branch),
            (-exp, "both gradients have the wrong sign"),
        ], "(dx, dy)")
    _ok(T, title)


# ---------------------------------------------------------------------------------------------
# ex02: backprop as dynamic programming on a graph given as data
# ---------------------------------------------------------------------------------------------

_OPS = {"input", "add", "mul", "sin", "cos"}


def _ref_order(graph: dict) -> list[str]:
    order, seen = [], set()

    def visit(n):  # graphs in the checks are small, recursion is fine here
        if n in seen:
            return
        seen.add(n)
        for p in graph[n][1]:
            visit(p)
        order.append(n)

    for n in graph:
        visit(n)
    return order


def _ref_eval(graph: dict, inputs: dict[str, float]) -> dict[str, float]:
    vals: dict[str, float] = {}
    for n in _ref_order(graph):
        op, parents = graph[n]
        a = [vals[p] for p in parents]
        vals[n] = {"input": lambda: float(inputs[n]), "add": lambda: float(sum(a)),  # noqa: B023
                   "mul": lambda: a[0] * a[1], "sin": lambda: math.sin(a[0]),  # noqa: B023
                   "cos": lambda: math.cos(a[0])}[op]()  # noqa: B023
    return vals


def _example_graphs() -> list[tuple[dict, dict, str]]:
    """(graph, inputs, output): a graph with forks and a repeated parent, and a diamond chain."""
    g1 = {
        "a": ("input", ()), "b": ("input", ()),
        "c": ("mul", ("a", "b")), "d": ("sin", ("a",)),
        "e": ("add", ("c", "d")), "f": ("mul", ("e", "c")),
        "g": ("mul", ("f", "f")),
    }
    return [(g1, {"a": 0.7, "b": -1.3}, "g"), (diamond_chain(3), {"u0": 0.4}, "u3")]


def diamond_chain(n: int) -> dict:
    """u0 → (sin, cos) → add → u1 → … → u_n: n diamonds, 2**n paths from u0 to u_n, 4n edges."""
    graph = {"u0": ("input", ())}
    for k in range(n):
        graph[f"s{k}"] = ("sin", (f"u{k}",))
        graph[f"c{k}"] = ("cos", (f"u{k}",))
        graph[f"u{k + 1}"] = ("add", (f"s{k}", f"c{k}"))
    return graph


def check_topological_order(topological_order: Callable) -> None:
    """Task 2.1: every node comes after all of its parents."""
    T, title = "2.1", "topological order"
    for graph, _, _ in _example_graphs():
        # Shuffle the dict's order so that 'return list(graph)' is not enough.
        keys = list(graph)
        perm = np.random.default_rng(21).permutation(len(keys))
        scrambled = {keys[k]: graph[keys[k]] for k in perm}
        order = _attempt(T, title, topological_order, scrambled)
        order = list(order) if isinstance(order, list | tuple) else order
        if not isinstance(order, list) or sorted(map(str, order)) != sorted(graph):
            _fail(T, title, f"should return a list holding every node exactly once, got {order!r}")
        pos = {n: k for k, n in enumerate(order)}
        bad = [(p, n) for n in graph for p in graph[n][1] if pos[p] > pos[n]]
        if bad and all(pos[p] > pos[n] for n in graph for p in graph[n][1]):
            _fail(T, title, "your order is reversed: parents must come *before* their children "
                            "(reverse it for the backward pass, not here)")
        if bad:
            p, n = bad[0]
            _fail(T, title, f"'{p}' comes after '{n}', but '{n}' is computed from '{p}'")
    _ok(T, title)


def _local_fd(op: str, args: list[float]) -> tuple[float, ...]:
    f = {"add": lambda a: float(np.sum(a)), "mul": lambda a: a[0] * a[1],
         "sin": lambda a: math.sin(a[0]), "cos": lambda a: math.cos(a[0])}[op]
    return tuple(_numgrad(f, np.array(args, dtype=np.float64)))


def check_local_gradients(local_gradients: Callable) -> None:
    """Task 2.2: ``local_gradients(graph, values)[n]`` = (∂n/∂parent for each parent of n)."""
    T, title = "2.2", "local gradients"
    for graph, inputs, _ in _example_graphs():
        vals = _ref_eval(graph, inputs)
        local = _attempt(T, title, local_gradients, graph, dict(vals))
        if not isinstance(local, dict):
            _fail(T, title, f"should return a dict node -> tuple of local gradients, got "
                            f"{type(local).__name__}")
        for n, (op, parents) in graph.items():
            if op == "input":
                continue
            if n not in local:
                _fail(T, title, f"no entry for node '{n}'")
            got = local[n]
            if not isinstance(got, tuple | list) or len(got) != len(parents):
                _fail(T, title, f"local['{n}'] should hold {len(parents)} number(s), one per parent "
                                f"{parents}, "
                                f"got {got!r}")
            a = [vals[p] for p in parents]
            exp = _local_fd(op, a)
            mistakes = []
            if op == "mul":
                mistakes.append(((a[0], a[1]), f"node '{n}' = {parents[0]}·{parents[1]}: each parent's local "
                                               "gradient is the *other* parent (∂(a·b)/∂a = b); yours "
                                               "are swapped"))
            if op == "sin":
                mistakes.append(((math.sin(a[0]),), f"node '{n}' = sin: its derivative is cos, not sin"))
            if op == "cos":
                mistakes.append(((math.sin(a[0]),), f"node '{n}' = cos: d cos(a)/da = −sin(a); you lost "
                                                    f"the minus"))
            if op == "add":
                mistakes.append((tuple(a), f"node '{n}' = add: every parent's local gradient is 1, not "
                                           f"its value"))
            _diagnose(T, title, [_number(T, title, f"local['{n}']", v) for v in got], exp, mistakes,
                      f"local['{n}'] ({op})")
    _ok(T, title)


def _variant_backprop(graph, vals, output, accumulate=True, reverse=True):
    """Backprop done right, or with one of the classic mistakes (for naming them only)."""
    order = _ref_order(graph)
    grads = {n: 0.0 for n in graph}
    grads[output] = 1.0
    for n in (reversed(order) if reverse else order):
        op, parents = graph[n]
        if op == "input":
            continue
        loc = _local_fd(op, [vals[p] for p in parents])
        for p, lg in zip(parents, loc, strict=True):
            if accumulate:
                grads[p] += lg * grads[n]
            else:
                grads[p] = lg * grads[n]
    return grads


def check_backprop(backprop: Callable) -> None:
    """Task 2.3: ``backprop(graph, values, order, output)`` returns ``(grads, n_mults)``."""
    T, title = "2.3", "backprop, the dynamic programme"
    for graph, inputs, output in _example_graphs():
        vals = _ref_eval(graph, inputs)
        order = _ref_order(graph)  # ours, so that a mistake in task 2.1 does not count twice
        res = _tuple(T, title, _attempt(T, title, backprop, graph, dict(vals), list(order), output),
                     2, "grads, n_mults")
        grads, n_mults = res
        if not isinstance(grads, dict):
            _fail(T, title, f"grads should be a dict node -> ∂output/∂node, got {type(grads).__name__}")
        names = [n for n in graph if graph[n][0] == "input"]
        for n in names:
            if n not in grads:
                _fail(T, title, f"grads has no entry for the input '{n}'")
        got = [_number(T, title, f"grads['{n}']", grads[n]) for n in names]
        exp = _numgrad(lambda a: _ref_eval(graph, dict(zip(names, a, strict=True)))[output],  # noqa: B023
                       np.array([inputs[n] for n in names], dtype=np.float64))
        wrong_eq = _variant_backprop(graph, vals, output, accumulate=False)
        wrong_dir = _variant_backprop(graph, vals, output, reverse=False)
        _diagnose(T, title, got, exp, [
            ([wrong_eq[n] for n in names], "you used = instead of += : a node that feeds several others "
                                           "(a fork) must *add* the gradients coming back along each use"),
            ([wrong_dir[n] for n in names], "you walked the graph in forward order: backprop must visit "
                                            "nodes in "
                                            "*reverse* topological order, so a node's gradient is complete "
                                            "before it is passed on"),
            ([0.0] * len(names), "every gradient is 0: start with grads[output] = 1 (∂out/∂out = 1)"),
        ], f"∂{output}/∂(inputs {names})", rtol=1e-5, atol=1e-7)
        edges = sum(len(p) for _, p in graph.values())
        n_m = _number(T, title, "n_mults", n_mults)
        if n_m != edges:
            _fail(T, title, f"n_mults = {n_m:g}, but backprop does one multiplication (local × upstream) per "
                            f"edge of the graph, and this graph has {edges} edges")
    _ok(T, title)


def _paths(graph: dict, node: str, output: str) -> tuple[int, int]:
    """(number of paths node → output, total number of edges over all those paths), by counting."""
    children: dict[str, list[str]] = {n: [] for n in graph}
    for n, (_, parents) in graph.items():
        for p in parents:
            children[p].append(n)
    count: dict[str, int] = {}
    length: dict[str, int] = {}
    for n in reversed(_ref_order(graph)):
        if n == output:
            count[n], length[n] = 1, 0
        else:
            count[n] = sum(count[c] for c in children[n])
            length[n] = sum(length[c] + count[c] for c in children[n])
    return count[node], length[node]


def check_path_sum(path_sum: Callable) -> None:
    """Task 2.4: ``path_sum(graph, values, output, node)`` returns ``(gradient, n_mults)``."""
    T, title = "2.4", "sum over paths"
    for graph, inputs, output in _example_graphs():
        vals = _ref_eval(graph, inputs)
        names = [n for n in graph if graph[n][0] == "input"]
        exp = _numgrad(lambda a: _ref_eval(graph, dict(zip(names, a, strict=True)))[output],  # noqa: B023
                       np.array([inputs[n] for n in names], dtype=np.float64))
        for n, e in zip(names, exp, strict=True):
            res = _attempt(T, title, path_sum, graph, dict(vals), output, n)
            res = _tuple(T, title, res, 2, "grad, n_mults")
            got = _number(T, title, "grad", res[0])
            _diagnose(T, title, got, e, [], f"∂{output}/∂{n}", rtol=1e-5, atol=1e-7)
            n_paths, total_edges = _paths(graph, n, output)
            n_m = _number(T, title, "n_mults", res[1])
            if n_m != total_edges:
                _fail(T, title, f"n_mults = {n_m:g} for node '{n}': there are {n_paths} paths to "
                                f"'{output}' with "
                                f"{total_edges} edges in all, one multiplication per edge of each path")
    _ok(T, title)


def check_path_count_formula(path_mults: Callable) -> None:
    """Task 2.5: ``path_mults(n)``: multiplications of path enumeration on a chain of n diamonds."""
    T, title = "2.5", "the cost of enumerating paths"
    for n in [1, 2, 3, 5, 8, 20]:
        _, exp = _paths(diamond_chain(n), "u0", f"u{n}")
        got = _number(T, title, f"path_mults({n})", _attempt(T, title, path_mults, n))
        if got != exp:
            hint = ""
            if got == 2**n:
                hint = " (that is the number of paths; each path has 2n edges, one multiplication each)"
            elif got == 4 * n:
                hint = " (that is backprop's cost, one multiplication per edge of the graph)"
            _fail(T, title, f"path_mults({n}) should be {exp}, got {got:g}{hint}")
    _ok(T, title)


# ---------------------------------------------------------------------------------------------
# ex03: layers in the vectorised API (x of shape (N, n_in))
# ---------------------------------------------------------------------------------------------


def _layer_grads(task, title, layer) -> dict:
    __tracebackhide__ = True
    grads = getattr(layer, "grads", None)
    if not isinstance(grads, dict) or not {"W", "b"} <= set(grads):
        _fail(task, title, "backward must fill self.grads with 'W' and 'b' (one array per entry of "
                           "self.params), "
                           f"got {grads!r}")
    return grads


def check_linear(Linear: type) -> None:
    """Task 3.1: ``Linear.backward(dout)`` returns dx and fills ``grads['W']``, ``grads['b']``."""
    T, title = "3.1", "Linear backward"
    rng = np.random.default_rng(51)
    for n_in, n_out, N in [(3, 3, 4), (3, 2, 5)]:
        layer = _attempt(T, title, Linear, n_in, n_out, rng=np.random.default_rng(0), what="Linear(...)")
        W = rng.normal(size=(n_in, n_out))
        b = rng.normal(size=n_out)
        layer.params["W"], layer.params["b"] = W.copy(), b.copy()
        x = rng.normal(size=(N, n_in))
        dout = rng.normal(size=(N, n_out))
        _attempt(T, title, layer.forward, x.copy(), what="Linear.forward")
        dx = _attempt(T, title, layer.backward, dout.copy(), what="Linear.backward")
        grads = _layer_grads(T, title, layer)
        # The scalar L = sum(out * dout) has ∂L/∂out = dout: its finite differences are the reference.
        L = lambda x_, W_, b_, dout=dout: float(np.sum((x_ @ W_ + b_) * dout))  # noqa: E731
        ex_dx = _numgrad(lambda a: L(a, W, b), x.copy())  # noqa: B023
        ex_dW = _numgrad(lambda a: L(x, a, b), W.copy())  # noqa: B023
        ex_db = _numgrad(lambda a: L(x, W, a), b.copy())  # noqa: B023
        db = np.asarray(grads["b"], dtype=np.float64)
        if db.shape == (N, n_out):
            _fail(T, title, f"grads['b'] has shape {db.shape}: sum dout over the batch axis, db = "
                            f"dout.sum(axis=0), "
                            f"shape ({n_out},)")
        dx = _array(T, title, "dx", dx, (N, n_in), "dx = dout @ W.T has the shape of x")
        dW = _array(T, title, "grads['W']", grads["W"], (n_in, n_out),
                    "dW = x.T @ dout has the shape of W, (n_in, n_out)")
        db = _array(T, title, "grads['b']", db, (n_out,))
        _diagnose(T, title, dW, ex_dW, [
            (ex_dW.T, "grads['W'] is transposed: W has shape (n_in, n_out), so "
                                                   "dW = x.T @ dout (not dout.T @ x)"),
            (ex_dW / N, "grads['W'] is divided by N: the layer should not average; the loss already did "
                        "(dW = x.T @ dout)"),
            (-ex_dW, "grads['W'] has the wrong sign: dW = x.T @ dout"),
        ], "grads['W']")
        _diagnose(T, title, db, ex_db, [
            (ex_db / N, "grads['b'] is the mean of dout over the batch; it must be the sum (each sample "
                        "adds its own contribution): db = dout.sum(axis=0)"),
            (-ex_db, "grads['b'] has the wrong sign: db = dout.sum(axis=0)"),
        ], "grads['b']")
        mistakes = [(-ex_dx, "dx has the wrong sign: dx = dout @ W.T")]
        if n_in == n_out:
            mistakes.insert(0, (dout @ W, "dx uses W where it needs W.T: dx = dout @ W.T "
                                          "(a transposed-shapes mistake that only square W hides)"))
        _diagnose(T, title, dx, ex_dx, mistakes, "dx")
    _ok(T, title)


def _elementwise_layer(task, title, cls, x, dout):
    layer = _attempt(task, title, cls, what=f"{getattr(cls, '__name__', 'layer')}()")
    out = _attempt(task, title, layer.forward, x.copy(), what=f"{type(layer).__name__}.forward")
    dx = _attempt(task, title, layer.backward, dout.copy(), what=f"{type(layer).__name__}.backward")
    return (_array(task, title, "forward's output", out, x.shape),
            _array(task, title, "dx", dx, x.shape, "dx has the shape of x"))


def check_relu(ReLU: type) -> None:
    """Task 3.2: ``ReLU``: forward max(0, x), backward dout where x > 0, else 0."""
    T, title = "3.2", "ReLU"
    rng = np.random.default_rng(52)
    x = rng.normal(size=(5, 4))
    dout = rng.normal(size=(5, 4))
    out, dx = _elementwise_layer(T, title, ReLU, x, dout)
    if not _close(out, np.maximum(x, 0.0)):
        _fail(T, title, "forward should return max(0, x) elementwise")
    ex_dx = _numgrad(lambda a: float(np.sum(np.maximum(a, 0.0) * dout)), x.copy())
    _diagnose(T, title, dx, ex_dx, [
        (dout * (dout > 0), "the mask must come from the forward input x (cached in forward), not from dout: "
                            "dx = dout * (x > 0)"),
        ((x > 0).astype(float), "you returned the mask (x > 0) but forgot to multiply by dout"),
        (dout, "you passed dout through everywhere: ReLU blocks the gradient where x ≤ 0"),
        (-ex_dx, "dx has the wrong sign"),
    ], "dx")
    _ok(T, title)


def check_sigmoid_layer(Sigmoid: type) -> None:
    """Task 3.3: ``Sigmoid``: forward σ(x), backward dout·σ(x)(1 − σ(x)) (Zhou 5.9)."""
    T, title = "3.3", "Sigmoid layer"
    rng = np.random.default_rng(53)
    x = rng.normal(size=(4, 3)) * 2
    dout = rng.normal(size=(4, 3))
    out, dx = _elementwise_layer(T, title, Sigmoid, x, dout)
    s = _sigmoid(x)
    if not _close(out, s):
        _fail(T, title, "forward should return σ(x) = 1/(1 + e^(−x)) elementwise")
    ex_dx = _numgrad(lambda a: float(np.sum(_sigmoid(a) * dout)), x.copy())
    _diagnose(T, title, dx, ex_dx, [
        (dout, "you forgot the sigmoid derivative factor: dx = dout * σ(x)(1 − σ(x)) (Zhou 5.9)"),
        (s * (1 - s), "you forgot to multiply by dout"),
        (dout * x * (1 - x), "you used the input x in x(1 − x); use the cached *output* σ(x): dout·σ(1 − σ)"),
        (-ex_dx, "dx has the wrong sign: σ'(x) = σ(x)(1 − σ(x)) is positive"),
    ], "dx")
    _ok(T, title)


def check_mse(mse_loss: Callable) -> None:
    """Task 3.4: ``mse_loss(yhat, y)`` returns ``(E, dyhat)``, E = (1/m) Σ_k ½ Σ_j (ŷ_kj − y_kj)²."""
    T, title = "3.4", "mean squared error"
    rng = np.random.default_rng(54)
    m, l = 4, 3
    yhat, y = rng.uniform(size=(m, l)), rng.uniform(size=(m, l))
    res = _tuple(T, title, _attempt(T, title, mse_loss, yhat.copy(), y.copy()), 2, "E, dyhat")
    E = _number(T, title, "E", res[0])
    dy = _array(T, title, "dyhat", res[1], (m, l), "dyhat has the shape of yhat")
    sq = float(np.sum((yhat - y) ** 2))
    ex_E = 0.5 * sq / m  # Zhou (5.4) per sample, averaged over the m samples as in (5.16)
    _diagnose(T, title, E, ex_E, [
        (0.5 * sq, "E is missing the 1/m mean: E = (1/m) Σ_k E_k (Zhou 5.16), divide by the number of "
                   "samples"),
        (sq / m, "E is missing the ½ of Zhou (5.4): E_k = ½ Σ_j (ŷ_j − y_j)²"),
        (0.5 * sq / (m * l), "you averaged over every entry (m·l); average over the m samples only, the "
                             "½ Σ_j "
                             "sums over the outputs (Zhou 5.4, 5.16)"),
    ], "E")
    ex_dy = _numgrad(lambda a: 0.5 * float(np.sum((a - y) ** 2)) / m, yhat.copy())
    _diagnose(T, title, dy, ex_dy, [
        (-ex_dy, "dyhat has the wrong sign: ∂E/∂ŷ = (ŷ − y)/m, not (y − ŷ)/m"),
        (ex_dy * m, "dyhat is missing the 1/m mean: ∂E/∂ŷ = (ŷ − y)/m"),
        (2 * ex_dy, "dyhat has an extra factor 2: the ½ in E_k cancels the 2 from the square"),
    ], "dyhat")
    _ok(T, title)


class _RefLinear:
    """A reference Linear layer for task 3.5, so that a mistake in task 3.1 is not counted twice."""

    def __init__(self, n_in, n_out, rng):
        self.params = {"W": rng.normal(size=(n_in, n_out)), "b": rng.normal(size=n_out)}
        self.grads: dict = {}

    def forward(self, x):
        self.x = x
        return x @ self.params["W"] + self.params["b"]

    def backward(self, dout):
        self.grads = {"W": self.x.T @ dout, "b": dout.sum(axis=0)}
        return dout @ self.params["W"].T


class _RefSigmoid:
    params: dict = {}

    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, x):
        self.out = _sigmoid(x)
        return self.out

    def backward(self, dout):
        return dout * self.out * (1 - self.out)


def check_forward_backward(forward_backward: Callable) -> None:
    """Task 3.5: ``forward_backward(layers, X, Y)`` returns E and fills every layer's grads."""
    T, title = "3.5", "forward and backward through a network"
    rng = np.random.default_rng(55)
    X, Y = rng.normal(size=(6, 2)), rng.uniform(size=(6, 1))
    layers = [_RefLinear(2, 4, rng), _RefSigmoid(), _RefLinear(4, 1, rng), _RefSigmoid()]

    def E_of_params():
        a = X
        for layer in layers:
            a = layer.forward(a)
        return 0.5 * float(np.sum((a - Y) ** 2)) / len(X)

    E = _number(T, title, "E", _attempt(T, title, forward_backward, layers, X.copy(), Y.copy()))
    if not _close(E, E_of_params()):
        _fail(T, title, f"the returned E should be the mean squared error of the network's output, "
                        f"{E_of_params():.6g}; got {E:.6g}")
    for k, layer in enumerate(layers):
        for name, p in layer.params.items():
            if name not in layer.grads:
                _fail(T, title, f"layer {k} ({type(layer).__name__[4:]}) has no grads['{name}']: did "
                                f"backward reach "
                                "every layer, last layer first?")
            exp = _numgrad(lambda _a: E_of_params(), p)
            got = _array(T, title, f"layer {k} grads['{name}']", layer.grads[name], p.shape)
            _diagnose(T, title, got, exp, [
                (-exp, f"layer {k} grads['{name}'] has the wrong sign: start backward from dE/dŷ = (ŷ − "
                       f"y)/m"),
                (exp * len(X), f"layer {k} grads['{name}'] is m times too large: the loss's 1/m mean is "
                               f"missing"),
            ], f"layer {k} grads['{name}']", rtol=1e-5, atol=1e-7)
    _ok(T, title)


def check_training(train: Callable) -> None:
    """Task 3.6: ``train(X, Y, hidden, epochs, lr, seed)`` returns the per-epoch loss history."""
    T, title = "3.6", "training a small network"
    rng = np.random.default_rng(56)
    # XOR of the signs: no straight line separates the classes, so the hidden layer has to work.
    signs = rng.choice([-1.0, 1.0], size=(120, 2))
    X = signs + rng.normal(0.0, 0.2, size=(120, 2))
    Y = (signs[:, :1] != signs[:, 1:]).astype(float)
    epochs, finals = 300, []
    for seed in (0, 1):  # two initialisations, so that one unlucky start is not held against you
        hist = _attempt(T, title, train, X.copy(), Y.copy(), hidden=16, epochs=epochs, lr=2.0, seed=seed)
        hist = _array(T, title, "the history", hist, (epochs,), "one loss value per epoch")
        if hist[-1] > hist[0]:
            _fail(T, title, f"the loss grew from {hist[0]:.4f} to {hist[-1]:.4f}: check the update, "
                            "W ← W − lr · grads['W'] (minus: gradient *descent*)")
        finals.append(hist[-1])
    if min(finals) > 0.05:
        _fail(T, title, f"the final loss is {min(finals):.4f} at best, after {epochs} epochs on XOR; a "
                        f"correct "
                        "network with hidden=16, lr=2.0 gets well below 0.05. Are all the parameters "
                        "updated?")
    _ok(T, title, f" (final loss {min(finals):.4f})")


# ---------------------------------------------------------------------------------------------
# ex04: Zhou's BP network (机器学习 §5.3), one sample x of shape (d,), y of shape (l,)
# ---------------------------------------------------------------------------------------------


def _zhou_forward(P: dict, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    b = _sigmoid(x @ P["v"] - P["gamma"])  # b_h = f(α_h − γ_h)
    yhat = _sigmoid(b @ P["w"] - P["theta"])  # ŷ_j = f(β_j − θ_j) (5.3)
    return b, yhat


def _zhou_E(P: dict, X: np.ndarray, Y: np.ndarray) -> float:
    errors = [0.5 * np.sum((_zhou_forward(P, x)[1] - y) ** 2) for x, y in zip(X, Y, strict=True)]
    return float(np.mean(errors))


def _zhou_params(d: int, q: int, l: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)  # Zhou initialises everything in (0, 1)
    return {"v": rng.uniform(size=(d, q)), "gamma": rng.uniform(size=q),
            "w": rng.uniform(size=(q, l)), "theta": rng.uniform(size=l)}


def _fd_params(f: Callable[[dict], float], P: dict) -> dict:
    P = {k: v.copy() for k, v in P.items()}
    return {k: _numgrad(lambda _a: f(P), P[k]) for k in P}


def check_output_gradient(output_gradient: Callable) -> None:
    """Task 4.1: g_j = ŷ_j(1 − ŷ_j)(y_j − ŷ_j), Zhou (5.10)."""
    T, title = "4.1", "g_j (5.10)"
    rng = np.random.default_rng(41)
    beta, theta, y = rng.normal(size=3), rng.uniform(size=3), rng.uniform(size=3)
    yhat = _sigmoid(beta - theta)
    g = _array(T, title, "g", _attempt(T, title, output_gradient, yhat.copy(), y.copy()), (3,))
    # g_j = −∂E_k/∂β_j, by finite differences of E_k = ½ Σ (f(β − θ) − y)².
    exp = -_numgrad(lambda bb: 0.5 * float(np.sum((_sigmoid(bb - theta) - y) ** 2)), beta.copy())
    _diagnose(T, title, g, exp, [
        (-exp, "g_j: Zhou (5.10) is ŷ_j(1 − ŷ_j)(y_j − ŷ_j); yours matches (ŷ_j − y_j), the opposite sign. "
               "g_j is *minus* ∂E_k/∂β_j, which is why the updates (5.11)–(5.14) have a plus sign"),
        (y - yhat, "g_j is missing the sigmoid derivative factor ŷ_j(1 − ŷ_j) (5.9, 5.10)"),
        (yhat - y, "g_j has the wrong sign and is missing ŷ_j(1 − ŷ_j): Zhou (5.10) is ŷ_j(1 − ŷ_j)(y_j "
                   "− ŷ_j)"),
    ], "g", rtol=1e-5, atol=1e-8)
    _ok(T, title)


def check_hidden_gradient(hidden_gradient: Callable) -> None:
    """Task 4.2: e_h = b_h(1 − b_h) Σ_j w_hj g_j, Zhou (5.15)."""
    T, title = "4.2", "e_h (5.15)"
    rng = np.random.default_rng(42)
    for q, l in [(3, 3), (4, 2)]:
        alpha, gamma = rng.normal(size=q), rng.uniform(size=q)
        w, theta, y = rng.uniform(size=(q, l)), rng.uniform(size=l), rng.uniform(size=l)
        b = _sigmoid(alpha - gamma)
        yhat = _sigmoid(b @ w - theta)
        g = yhat * (1 - yhat) * (y - yhat)
        e = _array(T, title, "e", _attempt(T, title, hidden_gradient, b.copy(), w.copy(), g.copy()), (q,),
                   "Σ_j w_hj g_j is w @ g, shape (q,)")
        # e_h = −∂E_k/∂α_h, by finite differences through the whole net.
        def E_of_alpha(aa, gamma=gamma, w=w, theta=theta, y=y):
            return 0.5 * float(np.sum((_sigmoid(_sigmoid(aa - gamma) @ w - theta) - y) ** 2))

        exp = -_numgrad(E_of_alpha, alpha.copy())
        mistakes = [(-exp, "e_h has the wrong sign: Zhou (5.15) is e_h = b_h(1 − b_h) Σ_j w_hj g_j, "
                           "with g_j from (5.10)"),
                    (w @ g, "e_h is missing the sigmoid derivative factor b_h(1 − b_h) (5.15)")]
        if q == l:
            mistakes.append((b * (1 - b) * (w.T @ g), "you summed over the wrong index (w.T @ g): e_h = "
                                                      "b_h(1 − b_h) Σ_j w_hj g_j is b * (1 − b) * (w @ g)"))
        _diagnose(T, title, e, exp, mistakes, "e", rtol=1e-5, atol=1e-8)
    _ok(T, title)


def check_updates(updates: Callable) -> None:
    """Task 4.3: Δw_hj = η g_j b_h, Δθ_j = −η g_j, Δv_ih = η e_h x_i, Δγ_h = −η e_h (5.11–5.14)."""
    T, title = "4.3", "the four updates (5.11)–(5.14)"
    d, q, l, eta = 3, 4, 2, 0.1
    P = _zhou_params(d, q, l, seed=43)
    rng = np.random.default_rng(43)
    x, y = rng.uniform(size=d), rng.uniform(size=l)
    b, yhat = _zhou_forward(P, x)
    g = yhat * (1 - yhat) * (y - yhat)
    e = b * (1 - b) * (P["w"] @ g)
    res = _attempt(T, title, updates, x.copy(), b.copy(), g.copy(), e.copy(), eta)
    if not isinstance(res, dict) or set(res) != {"w", "theta", "v", "gamma"}:
        _fail(T, title, f"should return a dict with keys 'w', 'theta', 'v', 'gamma', got {res!r}")
    # Each Δ is −η ∂E_k/∂parameter, with the partials taken by finite differences.
    grad = _fd_params(lambda PP: 0.5 * float(np.sum((_zhou_forward(PP, x)[1] - y) ** 2)), P)
    shapes = {"w": (q, l), "theta": (l,), "v": (d, q), "gamma": (q,)}
    eq = {"w": "5.11", "theta": "5.12", "v": "5.13", "gamma": "5.14"}
    for k in ("w", "theta", "v", "gamma"):
        got = _array(T, title, f"Δ{k}", res[k], shapes[k], f"Δ{k} has the shape of {k}, {shapes[k]} "
                                                           f"(Zhou {eq[k]})")
        exp = -eta * grad[k]
        mistakes = [(-exp, f"Δ{k} has the wrong sign (Zhou {eq[k]}). " + (
            "Thresholds are *subtracted* in f(β_j − θ_j) and f(α_h − γ_h), so their updates carry a minus: "
            "Δθ_j = −η g_j, Δγ_h = −η e_h" if k in ("theta", "gamma") else
            "Δw_hj = η g_j b_h and Δv_ih = η e_h x_i carry a plus, because g_j and e_h already hold the "
            "minus")),
                    (exp / eta, f"Δ{k} is missing the learning rate η (Zhou {eq[k]})")]
        _diagnose(T, title, got, exp, mistakes, f"Δ{k}", rtol=1e-5, atol=1e-8)
    _ok(T, title)


def check_accumulated_error(accumulated_error: Callable) -> None:
    """Task 4.4: E = (1/m) Σ_k E_k with E_k = ½ Σ_j (ŷ_j − y_j)², Zhou (5.4) and (5.16)."""
    T, title = "4.4", "accumulated error E (5.16)"
    P = _zhou_params(2, 3, 2, seed=44)
    rng = np.random.default_rng(44)
    X, Y = rng.uniform(size=(5, 2)), rng.uniform(size=(5, 2))
    E = _number(T, title, "E", _attempt(T, title, accumulated_error, {k: v.copy() for k, v in P.items()},
                                         X.copy(), Y.copy()))
    exp = _zhou_E(P, X, Y)
    _diagnose(T, title, E, exp, [
        (exp * len(X), "E is the sum of the E_k; Zhou (5.16) takes their mean, E = (1/m) Σ_k E_k: "
                       "missing the 1/m mean"),
        (2 * exp, "E is missing the ½ of (5.4): E_k = ½ Σ_j (ŷ_j − y_j)²"),
    ], "E")
    _ok(T, title)


def _as_params(task, title, res, P0) -> dict:
    __tracebackhide__ = True
    if not isinstance(res, dict) or set(res) != set(P0):
        _fail(task, title, f"should return the new parameters as a dict with keys {sorted(P0)}, got {res!r}")
    return {k: _array(task, title, f"new {k}", res[k], P0[k].shape) for k in P0}


def _ref_epoch(P, X, Y, eta, mode):
    """One epoch of standard (per-sample) or accumulated (one step on E) BP, by finite differences."""
    P = {k: v.copy() for k, v in P.items()}
    if mode == "standard":
        for x, y in zip(X, Y, strict=True):
            grad = _fd_params(lambda PP, x=x, y=y: 0.5 * float(np.sum((_zhou_forward(PP, x)[1] - y) ** 2)), P)
            P = {k: P[k] - eta * grad[k] for k in P}
        return P
    grad = _fd_params(lambda PP: _zhou_E(PP, X, Y), P)
    return {k: P[k] - eta * grad[k] for k in P}


def _check_epoch(T, title, epoch_fn, mode):
    d, q, l, eta = 2, 3, 1, 0.5
    P = _zhou_params(d, q, l, seed=45)
    rng = np.random.default_rng(45)
    X, Y = rng.uniform(size=(6, d)), rng.uniform(size=(6, l))
    res = _attempt(T, title, epoch_fn, {k: v.copy() for k, v in P.items()}, X.copy(), Y.copy(), eta)
    new = _as_params(T, title, res, P)
    exp = _ref_epoch(P, X, Y, eta, mode)
    other = _ref_epoch(P, X, Y, eta, "accumulated" if mode == "standard" else "standard")
    up = _ref_epoch(P, X, Y, -eta, mode)
    summed = {k: P[k] + (exp[k] - P[k]) * len(X) for k in P}
    flat = lambda Q: np.concatenate([Q[k].ravel() for k in sorted(Q)])  # noqa: E731
    mistakes = [
        (flat(P), "the parameters did not change: apply the updates (v ← v + Δv, …) and return the new "
                  "values"),
        (flat(up), "you went *uphill*: E grows. Zhou's updates are v ← v + Δv with Δv = η e_h x_i (5.13), "
                   "θ ← θ + Δθ with Δθ = −η g_j (5.12)"),
    ]
    if mode == "standard":
        mistakes.append((flat(other), "you made one update with the average over all samples: that is "
                                      "accumulated "
                                      "BP. Standard BP (Fig. 5.8) updates after *every* sample, using "
                                      "the new "
                                      "parameters for the next one"))
    else:
        mistakes.append((flat(other), "you updated after every sample: that is standard BP. Accumulated "
                                      "BP makes "
                                      "one step per epoch, on the gradient of E = (1/m) Σ_k E_k (5.16)"))
        mistakes.append((flat(summed), "your step is m times too big: the accumulated gradient is the "
                                       "*mean* of "
                                       "the per-sample gradients, E = (1/m) Σ_k E_k (5.16): missing the "
                                       "1/m mean"))
    _diagnose(T, title, flat(new), flat(exp), mistakes, "the new parameters", rtol=1e-5, atol=1e-7)
    _ok(T, title)


def check_standard_epoch(standard_bp_epoch: Callable) -> None:
    """Task 4.5: one epoch of standard BP (update after every sample)."""
    _check_epoch("4.5", "one epoch of standard BP", standard_bp_epoch, "standard")


def check_accumulated_epoch(accumulated_bp_epoch: Callable) -> None:
    """Task 4.6: one epoch of accumulated BP (one update on the gradient of E)."""
    _check_epoch("4.6", "one epoch of accumulated BP", accumulated_bp_epoch, "accumulated")


# ---------------------------------------------------------------------------------------------
# ex05: the derivation in sympy, for d = q = l = 2, with f an undefined function (f' = f(1 − f))
# ---------------------------------------------------------------------------------------------


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


def _ref_sym():
    sp, x, y, v, w, gamma, theta, f = _zhou_symbols()
    b = [f(sum(v[i, h] * x[i] for i in range(2)) - gamma[h]) for h in range(2)]
    yhat = [f(sum(w[h, j] * b[h] for h in range(2)) - theta[j]) for j in range(2)]
    E = sp.Rational(1, 2) * sum((yhat[j] - y[j]) ** 2 for j in range(2))
    g = [yhat[j] * (1 - yhat[j]) * (y[j] - yhat[j]) for j in range(2)]
    e = [b[h] * (1 - b[h]) * sum(w[h, j] * g[j] for j in range(2)) for h in range(2)]
    return b, yhat, E, g, e


def _sym_close(task, title, name, got, exp, mistakes=()):
    __tracebackhide__ = True
    import sympy as sp

    if not isinstance(got, sp.Basic):
        _fail(task, title, f"{name} should be a sympy expression, got {type(got).__name__}")
    if got.has(sp.Derivative) or got.has(sp.Subs):
        _fail(task, title, f"{name} still contains a derivative of f: apply (5.9), f' = f(1 − f), "
                           "with apply_5_9")
    for seed in (1, 2):
        a, b = _numeric(got, seed), _numeric(exp, seed)
        if not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12):
            for cand, msg in mistakes:
                if math.isclose(a, _numeric(cand, seed), rel_tol=1e-9, abs_tol=1e-12):
                    _fail(task, title, msg)
            _fail(task, title, f"{name} is wrong: at a random point it is {a:.6g}, it should be {b:.6g}")


def check_E_k(build_network: Callable) -> None:
    """Task 5.1: ``build_network()`` returns ``(b, yhat, E_k)`` for Zhou's net (5.3), (5.4)."""
    T, title = "5.1", "the network and E_k in sympy"
    res = _tuple(T, title, _attempt(T, title, build_network), 3, "b, yhat, E_k")
    b, yhat, E, _, _ = _ref_sym()
    sp, x, y, v, w, gamma, theta, f = _zhou_symbols()
    plus_b = [f(sum(v[i, h] * x[i] for i in range(2)) + gamma[h]) for h in range(2)]
    for h in range(2):
        _sym_close(T, title, f"b[{h}]", res[0][h], b[h], [
            (plus_b[h], f"b[{h}]: Zhou *subtracts* the threshold, b_h = f(α_h − γ_h)")])
    for j in range(2):
        _sym_close(T, title, f"yhat[{j}]", res[1][j], yhat[j], [
            (sum(w[h, j] * b[h] for h in range(2)) - theta[j], f"yhat[{j}] is missing f: ŷ_j = f(β_j − "
                                                               f"θ_j) (5.3)")])
    _sym_close(T, title, "E_k", res[2], E, [(2 * E, "E_k is missing the ½ of (5.4)"),
                                             (-E, "E_k has the wrong sign")])
    _ok(T, title)


def check_apply_5_9(apply_5_9: Callable) -> None:
    """Task 5.2: ``apply_5_9(expr)`` replaces every f'(t) by f(t)(1 − f(t))."""
    T, title = "5.2", "apply (5.9): f' = f(1 − f)"
    import sympy as sp

    f, a, t = sp.Function("f"), sp.Symbol("a"), sp.Symbol("t")
    expr = sp.diff(f(a * t) ** 2 + f(f(t)), t)
    got = _attempt(T, title, apply_5_9, expr)
    if not isinstance(got, sp.Basic) or got.has(sp.Derivative) or got.has(sp.Subs):
        _fail(T, title, f"the result still contains a derivative: {got}")
    ft, fat = f(t), f(a * t)
    exp = 2 * fat * fat * (1 - fat) * a + f(ft) * (1 - f(ft)) * ft * (1 - ft)
    diff = sp.expand(got - exp)
    if diff != 0:
        if sp.expand(got + exp) == 0:
            _fail(T, title, "wrong sign: f'(t) = f(t)(1 − f(t)) (5.9)")
        _fail(T, title, f"on d/dt [f(a·t)² + f(f(t))] you returned {got}, expected {sp.factor(exp)}")
    _ok(T, title)


def check_g_and_e(g_and_e: Callable) -> None:
    """Task 5.3: ``g_and_e()`` returns ``(g, e)``: Zhou's (5.10) and (5.15) in sympy."""
    T, title = "5.3", "g_j and e_h in sympy"
    res = _tuple(T, title, _attempt(T, title, g_and_e), 2, "g, e")
    b, yhat, E, g, e = _ref_sym()
    for j in range(2):
        _sym_close(T, title, f"g[{j}]", res[0][j], g[j], [
            (-g[j], f"g[{j}]: Zhou (5.10) is ŷ_j(1 − ŷ_j)(y_j − ŷ_j); yours matches (ŷ_j − y_j)")])
    for h in range(2):
        _sym_close(T, title, f"e[{h}]", res[1][h], e[h], [(-e[h], f"e[{h}] has the wrong sign (5.15)")])
    _ok(T, title)


def check_dE_dv(dE_dv: Callable) -> None:
    """Task 5.4: ``dE_dv(i, h)`` is ∂E_k/∂v_ih with (5.9) applied; it equals −e_h x_i."""
    T, title = "5.4", "∂E_k/∂v_ih = −e_h x_i"
    sp, x, *_ = _zhou_symbols()
    b, yhat, E, g, e = _ref_sym()
    for i in range(2):
        for h in range(2):
            got = _attempt(T, title, dE_dv, i, h, what=f"dE_dv({i}, {h})")
            _sym_close(T, title, f"dE_dv({i}, {h})", got, -e[h] * x[i], [
                (e[h] * x[i], f"dE_dv({i}, {h}) has the wrong sign: ∂E_k/∂v_ih = −e_h x_i, and Zhou's update "
                              "Δv_ih = +η e_h x_i (5.13) is minus η times it")])
    _ok(T, title)


def check_dE_dgamma(dE_dgamma: Callable) -> None:
    """Task 5.5: ``dE_dgamma(h)`` is ∂E_k/∂γ_h with (5.9) applied; it equals +e_h."""
    T, title = "5.5", "∂E_k/∂γ_h = e_h"
    b, yhat, E, g, e = _ref_sym()
    for h in range(2):
        got = _attempt(T, title, dE_dgamma, h, what=f"dE_dgamma({h})")
        _sym_close(T, title, f"dE_dgamma({h})", got, e[h], [
            (-e[h], f"dE_dgamma({h}) has the wrong sign: γ_h is subtracted, b_h = f(α_h − γ_h), so "
                    "∂E_k/∂γ_h = +e_h and Δγ_h = −η e_h (5.14)")])
    _ok(T, title)
