"""Gates and the scalar computational graph (计算图) of the first lecture.

A *gate* is one small function with a forward and a backward pass. Forward computes the output
and keeps (caches) what backward will need; backward gets the upstream gradient ``dout`` and
returns one gradient per input: local gradient × upstream gradient (链式法则, the chain rule).

    g = MultiplyGate()
    out = g.forward(3.0, -4.0)      # -12.0, and the gate remembers 3.0 and -4.0
    dx, dy = g.backward(2.0)        # (-8.0, 6.0): each input gets the *other* input × dout

Every gate's mathematics sits in one place, its ``local`` function, which returns the output and
the local gradients together. ``Value`` (a node of the graph) is built on the same ``local``
functions, so the gate and the graph can never disagree. The activation functions themselves
(σ, tanh, ReLU) live in ``bpcourse.functional``.

``Value.backward()`` walks the graph in reverse topological order, found with an explicit stack
(no recursion, so a chain of a million nodes is fine), and *adds* into ``grad`` wherever a node
feeds several others (gradients add at forks). It computes the gradients afresh each time: it
first sets every ``grad`` in the graph to 0, so calling it twice gives the same numbers, not
twice the numbers. To differentiate a sum of outputs, build the sum and call ``backward`` once.

Refused, with an error naming the operation: non-real inputs (str, None, bool, complex),
nan and ±inf, results that overflow a float (in the forward pass and in the gradients), log of
x ≤ 0, 1/0, and a fractional power of a negative number.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Real
from operator import mul

from bpcourse import functional as F

__all__ = [
    "Gate", "AddGate", "SubtractGate", "MultiplyGate", "MaxGate", "NegateGate", "ExpGate",
    "ReciprocalGate", "SigmoidGate", "TanhGate", "ReLUGate", "LogGate", "PowerGate", "Value",
    "OpCount", "count_ops",
]

Local = tuple[float, tuple[float, ...]]  # what a ``local`` function returns: (out, local gradients)


_REAL_TYPES = (float, int, Real)  # isinstance tries them in order: the common types come first


def _as_float(x, where: str) -> float:
    """``x`` as a finite float; a TypeError or ValueError naming ``where`` otherwise."""
    if isinstance(x, bool) or not isinstance(x, _REAL_TYPES):
        raise TypeError(f"{where} expected a real number, got {x!r} of type {type(x).__name__}")
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"{where} expected a finite number, got {x!r}")
    return x


def _not_finite(out: float, op: str, inputs: Sequence[float]) -> ValueError:
    """The error for an operation whose result is not finite: which operation, on which inputs."""
    shown = ", ".join(f"{x!r}" for x in inputs)
    return ValueError(f"Value expected a finite number, got {out!r} from '{op}' on {shown} "
                      "(the result does not fit in a float)")


# --------------------------------------------------------------------------------------------
# Gates: forward caches, backward multiplies the cached local gradients by dout.
# --------------------------------------------------------------------------------------------


class Gate:
    """Base class: ``forward(*inputs)`` -> float, ``backward(dout)`` -> tuple of floats.

    A subclass only writes ``local(*inputs)``, returning ``(out, (d out/d input_1, ...))``.
    """

    n_inputs = 1
    local: Callable[..., Local]  # each gate writes it: local(*inputs) -> (out, local gradients)

    def __init__(self) -> None:
        self.inputs: tuple[float, ...] | None = None  # the cache: backward needs these
        self.local_grads: tuple[float, ...] | None = None

    def forward(self, *inputs: float) -> float:
        name = type(self).__name__
        if len(inputs) != self.n_inputs:
            raise TypeError(f"{name}.forward expected {self.n_inputs} input(s), got {len(inputs)}")
        inputs = tuple(_as_float(x, f"{name}.forward") for x in inputs)
        out, local_grads = self.local(*inputs)
        if not math.isfinite(out):
            raise _not_finite(out, name, inputs)
        self.inputs, self.local_grads = inputs, local_grads
        return out

    def backward(self, dout: float) -> tuple[float, ...]:
        name = type(self).__name__
        if self.local_grads is None:
            raise RuntimeError(
                f"{name}.backward was called before forward: the gate has no cached inputs, "
                "and its local gradient depends on them. Call forward first."
            )
        dout = _as_float(dout, f"{name}.backward")
        grads = tuple(local * dout for local in self.local_grads)
        if not all(math.isfinite(g) for g in grads):
            raise ValueError(f"{name}.backward: local gradients {self.local_grads} × dout {dout!r} "
                             "overflow a float")
        return grads


class AddGate(Gate):
    """x + y. Gradient *distributor*: both inputs get dout unchanged (local gradient 1)."""

    n_inputs = 2

    @staticmethod
    def local(x: float, y: float) -> Local:
        return x + y, (1.0, 1.0)


class SubtractGate(Gate):
    """x − y: x gets dout, y gets −dout."""

    n_inputs = 2

    @staticmethod
    def local(x: float, y: float) -> Local:
        return x - y, (1.0, -1.0)


class MultiplyGate(Gate):
    """x · y. Gradient *switcher*: x gets y·dout and y gets x·dout, which is why forward must
    keep x and y around."""

    n_inputs = 2

    @staticmethod
    def local(x: float, y: float) -> Local:
        return x * y, (y, x)


class MaxGate(Gate):
    """max(x, y). Gradient *router*: the larger input gets dout, the other 0 (ties go to x)."""

    n_inputs = 2

    @staticmethod
    def local(x: float, y: float) -> Local:
        return (x, (1.0, 0.0)) if x >= y else (y, (0.0, 1.0))


class NegateGate(Gate):
    """−x, with local gradient −1."""

    @staticmethod
    def local(x: float) -> Local:
        return -x, (-1.0,)


class ExpGate(Gate):
    """e^x, whose derivative is itself."""

    @staticmethod
    def local(x: float) -> Local:
        if x > 709.78:
            raise OverflowError(f"exp({x!r}) overflows a float (largest is exp(709.78))")
        out = math.exp(x)
        return out, (out,)


class ReciprocalGate(Gate):
    """1/x, with d(1/x)/dx = −1/x²."""

    @staticmethod
    def local(x: float) -> Local:
        if x == 0:
            raise ZeroDivisionError("reciprocal 1/x at x = 0: the value and its gradient are infinite")
        out = 1.0 / x
        return out, (-out * out,)


class SigmoidGate(Gate):
    """σ(x) = 1/(1 + e^(−x)), with the local gradient σ(x)(1 − σ(x)) (Zhou's 5.9)."""

    @staticmethod
    def local(x: float) -> Local:
        s = F.sigmoid(x)
        return s, (F.sigmoid_derivative_from_output(s),)


class TanhGate(Gate):
    """tanh(x), with d tanh/dx = 1 − tanh²(x)."""

    @staticmethod
    def local(x: float) -> Local:
        t = F.tanh(x)
        return t, (F.tanh_derivative_from_output(t),)


class ReLUGate(Gate):
    """max(0, x): passes dout where x > 0 and blocks it elsewhere (we take 0 at the kink x = 0)."""

    @staticmethod
    def local(x: float) -> Local:
        return F.relu(x), (F.relu_derivative(x),)


class LogGate(Gate):
    """Natural log ln x for x > 0, with d ln x/dx = 1/x."""

    @staticmethod
    def local(x: float) -> Local:
        if x <= 0:
            raise ValueError(f"log is only defined for x > 0, got x = {x!r}")
        return math.log(x), (1.0 / x,)


class PowerGate(Gate):
    """x**p for a constant exponent p, with d(x**p)/dx = p·x**(p−1)."""

    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = _as_float(p, "PowerGate exponent p")

    def local(self, x: float) -> Local:
        p = self.p
        if x == 0 and p < 1:
            raise ZeroDivisionError(f"x**{p} at x = 0: the gradient p·x**(p−1) is infinite")
        if x < 0 and not p.is_integer():
            raise ValueError(f"x**{p} at x = {x!r}: a negative number to a fractional power")
        try:
            return x**p, (p * x ** (p - 1),)
        except OverflowError:
            raise OverflowError(f"x**{p} at x = {x!r} overflows a float") from None


# --------------------------------------------------------------------------------------------
# Value: one node of the graph. It stores its data, its parents and the local gradient towards
# each parent; backward multiplies those by the upstream gradient, edge by edge.
# --------------------------------------------------------------------------------------------


class Value:
    """A scalar in a computational graph.

    ``Value(2.0, label="w0")`` is a leaf; arithmetic on Values (or Values and plain numbers)
    builds new nodes. After ``f.backward()``, ``x.grad`` is ∂f/∂x for every node x of f's graph.
    Before any backward pass ``grad`` is ``None``: not computed yet (not zero).

    Every node also knows how it was made: ``parents`` (the Values it was computed from; a plain
    number taking part is a constant, not a parent), ``local_grads`` (∂self/∂parent for each
    parent, computed in the forward pass by the operation's gate) and ``op`` ("+", "*", "exp" …;
    "" for a leaf).
    """

    __slots__ = ("data", "grad", "label", "parents", "local_grads", "op")
    data: float
    grad: float | None
    label: str
    parents: tuple[Value, ...]
    local_grads: tuple[float, ...]
    op: str

    def __init__(self, data: float, label: str = "", parents: tuple[Value, ...] = (),
                 local_grads: tuple[float, ...] = (), op: str = "") -> None:
        if not parents:
            data = _as_float(data, "Value")
        elif not math.isfinite(data):  # an operation overflowed (inf) or met inf − inf (nan)
            raise _not_finite(data, op, [p.data for p in parents])
        self.data = data
        self.grad = None
        self.label = label
        self.parents = parents
        self.local_grads = local_grads
        self.op = op

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        grad = "None" if self.grad is None else f"{self.grad:.6g}"
        return f"Value(data={self.data:.6g}, grad={grad}{label})"

    # -- every operation is its gate's local function, applied to the data -----------------------

    def _unary(self, local: Callable[[float], Local], op: str) -> Value:
        out, grads = local(self.data)
        return Value(out, "", (self,), grads, op)

    def _binary(self, other: Value | float, local: Callable[[float, float], Local], op: str,
                reflected: bool = False) -> Value:
        """``self op other`` (or ``other op self`` when ``reflected``). A plain number is a
        constant folded into the node: the node keeps one parent and one local gradient."""
        if isinstance(other, Value):
            out, grads = local(self.data, other.data)
            return Value(out, "", (self, other), grads, op)
        c = _as_float(other, f"number {op} Value" if reflected else f"Value {op} number")
        if reflected:
            out, (_, grad) = local(c, self.data)
        else:
            out, (grad, _) = local(self.data, c)
        return Value(out, "", (self,), (grad,), op)

    def __add__(self, other: Value | float) -> Value:
        return self._binary(other, AddGate.local, "+")

    def __radd__(self, other: Value | float) -> Value:
        return self._binary(other, AddGate.local, "+", reflected=True)

    def __sub__(self, other: Value | float) -> Value:
        return self._binary(other, SubtractGate.local, "-")

    def __rsub__(self, other: Value | float) -> Value:
        return self._binary(other, SubtractGate.local, "-", reflected=True)

    def __mul__(self, other: Value | float) -> Value:
        return self._binary(other, MultiplyGate.local, "*")

    def __rmul__(self, other: Value | float) -> Value:
        return self._binary(other, MultiplyGate.local, "*", reflected=True)

    def __neg__(self) -> Value:
        return self._unary(NegateGate.local, "neg")

    def __truediv__(self, other: Value | float) -> Value:
        if isinstance(other, Value):
            return self * other.reciprocal()
        other = _as_float(other, "Value / number")
        if other == 0:
            raise ZeroDivisionError(f"Value / number: division by 0 (Value({self.data!r}) / 0)")
        return self * (1.0 / other)

    def __rtruediv__(self, other: Value | float) -> Value:
        return self.reciprocal() * _as_float(other, "number / Value")

    def __pow__(self, p: float) -> Value:
        if isinstance(p, Value):
            raise TypeError(
                "Value ** Value is not supported: the exponent must be a plain number "
                "(for a variable exponent write (b.log() * p).exp())"
            )
        gate = PowerGate(_as_float(p, "Value ** p"))
        return self._unary(gate.local, f"**{gate.p:g}")

    def __rpow__(self, base: float) -> Value:
        raise TypeError("number ** Value is not supported: write (Value * log(base)).exp()")

    def max(self, other: Value | float) -> Value:
        """max(self, other): the gradient goes to the larger one (the router)."""
        return self._binary(other, MaxGate.local, "max")

    def exp(self) -> Value:
        return self._unary(ExpGate.local, "exp")

    def log(self) -> Value:
        return self._unary(LogGate.local, "log")

    def reciprocal(self) -> Value:
        return self._unary(ReciprocalGate.local, "1/x")

    def sigmoid(self) -> Value:
        return self._unary(SigmoidGate.local, "σ")

    def tanh(self) -> Value:
        return self._unary(TanhGate.local, "tanh")

    def relu(self) -> Value:
        return self._unary(ReLUGate.local, "relu")

    @staticmethod
    def dot(ws: Sequence[Value | float], xs: Sequence[Value | float], bias: Value | float = 0.0) -> Value:
        """Σ_i ws[i]·xs[i] + bias as ONE node: a neuron's weighted sum (Zhou's α_h = Σ_i v_ih x_i).

        ``ws`` and ``xs``: sequences of the same length n holding Values or plain numbers;
        ``bias``: a Value or a number. It gives the same number and the same gradients as
        ``sum((w * x for w, x in zip(ws, xs)), bias)``, but where that builds a chain of 2n nodes,
        ``dot`` builds one node with an edge to each Value it uses, whose local gradients are
        ∂/∂w_i = x_i, ∂/∂x_i = w_i and ∂/∂bias = 1. Fewer nodes means fewer Python objects to
        create and to walk: this is what makes a scalar MLP several times faster (benchmarks/).
        """
        if len(ws) != len(xs):
            raise ValueError(f"Value.dot expected ws and xs of the same length, got {len(ws)} and {len(xs)}")
        w_data = [w.data if isinstance(w, Value) else _as_float(w, "Value.dot ws") for w in ws]
        x_data = [x.data if isinstance(x, Value) else _as_float(x, "Value.dot xs") for x in xs]
        parents: list[Value] = []
        grads: list[float] = []
        for w, x_value in zip(ws, x_data, strict=True):
            if isinstance(w, Value):
                parents.append(w)
                grads.append(x_value)  # ∂(w·x)/∂w = x
        for x, w_value in zip(xs, w_data, strict=True):
            if isinstance(x, Value):
                parents.append(x)
                grads.append(w_value)  # ∂(w·x)/∂x = w
        if isinstance(bias, Value):
            start = bias.data
            parents.append(bias)
            grads.append(1.0)  # ∂/∂bias = 1
        else:
            start = _as_float(bias, "Value.dot bias")
        # The products are added left to right starting from the bias, like the chain of nodes.
        return Value(sum(map(mul, w_data, x_data), start), "", tuple(parents), tuple(grads), "dot")

    # -- the backward pass ------------------------------------------------------------------------

    def topological_order(self) -> list[Value]:
        """Every node of this Value's graph, each after all the nodes it was computed from.

        Depth-first search with an explicit stack: a recursive version hits Python's recursion
        limit (about 1000) on a long chain. A node is pushed twice: first to be expanded (its
        parents pushed above it), then again under a ``None`` marker meaning "all its parents are
        in ``order`` now, append it".
        """
        order: list[Value] = []
        seen: set[Value] = set()  # Values hash by identity
        stack: list[Value | None] = [self]
        while stack:
            node = stack.pop()
            if node is None:  # the marker: the node under it has all its parents done
                order.append(stack.pop())  # type: ignore[arg-type]
                continue
            if node in seen:
                continue
            seen.add(node)
            stack.append(node)
            stack.append(None)
            for parent in node.parents:
                if parent not in seen:
                    stack.append(parent)
        return order

    def backward(self) -> None:
        """Fill ``grad`` of every node of the graph with ∂self/∂node.

        Starts from d self/d self = 1 and visits the nodes in reverse topological order, so a
        node's gradient is complete (all its uses added up) before it is passed on. Every grad
        is reset to 0 first, so calling ``backward`` twice gives the same result. Raises
        ValueError if a gradient overflows a float.
        """
        order = self.topological_order()
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            upstream = node.grad
            # local_grads was built beside parents, one entry per parent: their lengths agree
            for parent, local in zip(node.parents, node.local_grads, strict=False):
                parent.grad += local * upstream  # type: ignore[operator]  # set to 0.0 above; += : forks add
        for node in reversed(order):
            if not math.isfinite(node.grad):  # type: ignore[arg-type]
                name = node.label or node.op or "a leaf"
                raise ValueError(f"Value.backward: the gradient at node '{name}' (data {node.data!r}) "
                                 f"is {node.grad!r}: it overflows a float")

    def zero_grad(self) -> None:
        """Set ``grad`` to 0 on every node of this Value's graph (leaves and inner nodes)."""
        for node in self.topological_order():
            node.grad = 0.0


@dataclass(frozen=True)
class OpCount:
    """Cost of one forward and one backward pass through a graph.

    ``forward_ops``: operations the forward pass did (one per non-leaf node).
    ``backward_mults``: local-gradient × upstream multiplications the backward pass does (one per
    edge of the graph: that is exactly the inner loop of ``Value.backward``).
    """

    forward_ops: int
    backward_mults: int

    @property
    def ratio(self) -> float:
        return self.backward_mults / self.forward_ops if self.forward_ops else 0.0


def count_ops(f: Value) -> OpCount:
    """Count the forward operations and backward multiplications for the graph of ``f``."""
    if not isinstance(f, Value):
        raise TypeError(f"count_ops expected a Value (the output of a computation), got {f!r} "
                        f"of type {type(f).__name__}")
    order = f.topological_order()
    return OpCount(
        forward_ops=sum(1 for node in order if node.parents),
        backward_mults=sum(len(node.parents) for node in order),
    )
