"""Gates and the scalar computational graph (计算图) of the first lecture.

A *gate* is one small function with a forward and a backward pass. Forward computes the output
and keeps (caches) what backward will need; backward gets the upstream gradient ``dout`` and
returns one gradient per input: local gradient × upstream gradient (链式法则, the chain rule).

    g = MultiplyGate()
    out = g.forward(3.0, -4.0)      # -12.0, and the gate remembers 3.0 and -4.0
    dx, dy = g.backward(2.0)        # (-8.0, 6.0): each input gets the *other* input × dout

Every gate's mathematics sits in one place, its ``local`` function, which returns the output and
the local gradients together. ``Value`` (a node of the graph) is built on the same ``local``
functions, so the gate and the graph can never disagree.

``Value.backward()`` walks the graph in reverse topological order, found with an explicit stack
(no recursion, so a chain of a million nodes is fine), and *adds* into ``grad`` wherever a node
feeds several others (gradients add at forks). It computes the gradients afresh each time: it
first sets every ``grad`` in the graph to 0, so calling it twice gives the same numbers, not
twice the numbers. To differentiate a sum of outputs, build the sum and call ``backward`` once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real
from operator import mul as _times

from bpcourse import functional as F

__all__ = [
    "Gate", "AddGate", "MultiplyGate", "MaxGate", "ExpGate", "ReciprocalGate", "SigmoidGate",
    "TanhGate", "ReLUGate", "LogGate", "PowerGate", "Value", "OpCount", "count_ops",
]


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        raise OverflowError(f"exp({x!r}) overflows a float (largest is exp(709.78))") from None


def _as_float(x, where: str) -> float:
    # float and int first: isinstance against the abstract class Real is slow (about 1 µs), and
    # ``Value * 0.5`` passes through here once per node.
    if type(x) is not float and type(x) is not int and (isinstance(x, bool) or not isinstance(x, Real)):
        raise TypeError(f"{where} expected a real number, got {x!r} of type {type(x).__name__}")
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"{where} expected a finite number, got {x!r}")
    return x


# --------------------------------------------------------------------------------------------
# Gates: forward caches, backward multiplies the cached local gradients by dout.
# --------------------------------------------------------------------------------------------


class Gate:
    """Base class: ``forward(*inputs)`` -> float, ``backward(dout)`` -> tuple of floats.

    A subclass only writes ``local(*inputs)``, returning ``(out, (d out/d input_1, ...))``.
    """

    n_inputs = 1

    def __init__(self) -> None:
        self.inputs: tuple[float, ...] | None = None  # the cache: backward needs these
        self.local_grads: tuple[float, ...] | None = None

    def local(self, *inputs: float) -> tuple[float, tuple[float, ...]]:
        raise NotImplementedError

    def forward(self, *inputs: float) -> float:
        name = type(self).__name__
        if len(inputs) != self.n_inputs:
            raise TypeError(f"{name}.forward expected {self.n_inputs} input(s), got {len(inputs)}")
        inputs = tuple(_as_float(x, f"{name}.forward") for x in inputs)
        out, local_grads = self.local(*inputs)
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
        return tuple(local * dout for local in self.local_grads)


class AddGate(Gate):
    """x + y. Gradient *distributor*: both inputs get dout unchanged (local gradient 1)."""

    n_inputs = 2

    @staticmethod
    def local(x, y):
        return x + y, (1.0, 1.0)


class MultiplyGate(Gate):
    """x · y. Gradient *switcher*: x gets y·dout and y gets x·dout, which is why forward must
    keep x and y around."""

    n_inputs = 2

    @staticmethod
    def local(x, y):
        return x * y, (y, x)


class MaxGate(Gate):
    """max(x, y). Gradient *router*: the larger input gets dout, the other 0 (ties go to x)."""

    n_inputs = 2

    @staticmethod
    def local(x, y):
        return (x, (1.0, 0.0)) if x >= y else (y, (0.0, 1.0))


class ExpGate(Gate):
    """e^x, whose derivative is itself."""

    @staticmethod
    def local(x):
        out = _exp(x)
        return out, (out,)


class ReciprocalGate(Gate):
    """1/x, with d(1/x)/dx = -1/x²."""

    @staticmethod
    def local(x):
        if x == 0:
            raise ZeroDivisionError("reciprocal 1/x at x = 0: the value and its gradient are infinite")
        out = 1.0 / x
        return out, (-out * out,)


class SigmoidGate(Gate):
    """σ(x) = 1/(1 + e^(−x)), with the local gradient σ(x)(1 − σ(x)) (Zhou's 5.9)."""

    @staticmethod
    def local(x):
        s = F.sigmoid(x)
        return s, (F.sigmoid_derivative_from_output(s),)


class TanhGate(Gate):
    """tanh(x), with d tanh/dx = 1 − tanh²(x)."""

    @staticmethod
    def local(x):
        t = F.tanh(x)
        return t, (F.tanh_derivative_from_output(t),)


class ReLUGate(Gate):
    """max(0, x): passes dout where x > 0 and blocks it elsewhere (we take 0 at the kink x = 0)."""

    @staticmethod
    def local(x):
        return F.relu(x), (F.relu_derivative(x),)


class LogGate(Gate):
    """Natural log ln x for x > 0, with d ln x/dx = 1/x."""

    @staticmethod
    def local(x):
        if x <= 0:
            raise ValueError(f"log is only defined for x > 0, got x = {x!r}")
        return math.log(x), (1.0 / x,)


class PowerGate(Gate):
    """x**p for a constant exponent p, with d(x**p)/dx = p·x**(p−1)."""

    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = _as_float(p, "PowerGate exponent")

    def local(self, x):
        p = self.p
        if x == 0 and p < 1:
            raise ZeroDivisionError(f"x**{p} at x = 0: the gradient p·x**(p−1) is infinite")
        if x < 0 and not p.is_integer():
            raise ValueError(f"x**{p} at x = {x!r}: a negative number to a fractional power")
        return x**p, (p * x ** (p - 1),)


# --------------------------------------------------------------------------------------------
# Value: one node of the graph. It stores its data, its parents and the local gradient towards
# each parent; backward multiplies those by the upstream gradient, edge by edge.
# --------------------------------------------------------------------------------------------

_max = MaxGate.local
_isfinite = math.isfinite  # a module global is found faster than math.isfinite in Value.__init__


class Value:
    """A scalar in a computational graph.

    ``Value(2.0, label="w0")`` is a leaf; arithmetic on Values (or Values and plain numbers)
    builds new nodes. After ``f.backward()``, ``x.grad`` is ∂f/∂x for every node x of f's graph.
    Before any backward pass ``grad`` is ``None``: not computed yet (not zero).
    """

    __slots__ = ("data", "grad", "label", "_prev", "_local", "_op")

    def __init__(self, data: float, label: str = "", _prev: tuple = (), _local: tuple = (),
                 _op: str = "") -> None:
        if type(data) is not float:
            data = _as_float(data, "Value")
        elif not _isfinite(data):
            if _prev:  # an operation overflowed (inf) or met inf - inf (nan): say which one
                inputs = ", ".join(f"{p.data!r}" for p in _prev)
                raise ValueError(f"Value expected a finite number, got {data!r} from '{_op}' on {inputs}")
            raise ValueError(f"Value expected a finite number, got {data!r}")
        self.data = data
        self.grad: float | None = None
        self.label = label
        self._prev = _prev  # the nodes this one was computed from
        self._local = _local  # ∂self/∂parent for each parent, computed in the forward pass
        self._op = _op

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        grad = "None" if self.grad is None else f"{self.grad:.6g}"
        return f"Value(data={self.data:.6g}, grad={grad}{label})"

    # -- binary operations: the other side may be a Value or a plain number --------------------

    # + and * are the hot path of every scalar net, so they write AddGate/MultiplyGate's local
    # gradients inline (1 and 1; y and x) instead of calling ``local``: one call and two tuples
    # fewer per node. The tests check both against finite differences.
    def __add__(self, other):
        if isinstance(other, Value):
            return Value(self.data + other.data, "", (self, other), (1.0, 1.0), "+")
        other = _as_float(other, "Value + number")
        return Value(self.data + other, "", (self,), (1.0,), "+")

    __radd__ = __add__

    def __mul__(self, other):
        if isinstance(other, Value):
            return Value(self.data * other.data, "", (self, other), (other.data, self.data), "*")
        other = _as_float(other, "Value * number")
        return Value(self.data * other, "", (self,), (other,), "*")

    __rmul__ = __mul__

    def __neg__(self):
        return Value(-self.data, "", (self,), (-1.0,), "neg")

    def __sub__(self, other):
        if isinstance(other, Value):
            return Value(self.data - other.data, "", (self, other), (1.0, -1.0), "-")
        other = _as_float(other, "Value - number")
        return Value(self.data - other, "", (self,), (1.0,), "-")

    def __rsub__(self, other):
        other = _as_float(other, "number - Value")
        return Value(other - self.data, "", (self,), (-1.0,), "-")

    def __truediv__(self, other):
        if isinstance(other, Value):
            return self * other.reciprocal()
        other = _as_float(other, "Value / number")
        if other == 0:
            raise ZeroDivisionError(f"Value({self.data!r}) / 0")
        return self * (1.0 / other)

    def __rtruediv__(self, other):
        other = _as_float(other, "number / Value")
        return self.reciprocal() * other

    def __pow__(self, p):
        if isinstance(p, Value):
            raise TypeError(
                "Value ** Value is not supported: the exponent must be a plain number "
                "(for a variable exponent write (b.log() * p).exp())"
            )
        return self._unary(PowerGate(_as_float(p, "Value ** p")).local, f"**{p:g}")

    def __rpow__(self, base):
        raise TypeError("number ** Value is not supported: write (Value * log(base)).exp()")

    @staticmethod
    def dot(ws, xs, bias=0.0) -> Value:
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
        wd = [w.data if isinstance(w, Value) else _as_float(w, "Value.dot ws") for w in ws]
        xd = [x.data if isinstance(x, Value) else _as_float(x, "Value.dot xs") for x in xs]
        prev: list[Value] = []
        local: list[float] = []
        for w, x_data in zip(ws, xd, strict=True):
            if isinstance(w, Value):
                prev.append(w)
                local.append(x_data)  # ∂(w·x)/∂w = x
        for x, w_data in zip(xs, wd, strict=True):
            if isinstance(x, Value):
                prev.append(x)
                local.append(w_data)  # ∂(w·x)/∂x = w
        if isinstance(bias, Value):
            start = bias.data
            prev.append(bias)
            local.append(1.0)
        else:
            start = _as_float(bias, "Value.dot bias")
        # The products are added left to right starting from the bias, like the chain of nodes.
        return Value(sum(map(_times, wd, xd), start), "", tuple(prev), tuple(local), "dot")

    def max(self, other):
        """max(self, other): the gradient goes to the larger one (the router)."""
        if not isinstance(other, Value):
            other = Value(other)
        out, local = _max(self.data, other.data)
        return Value(out, "", (self, other), local, "max")

    # -- unary operations, each from its gate's local function --------------------------------

    def _unary(self, local_fn, op: str):
        out, (local,) = local_fn(self.data)
        return Value(out, "", (self,), (local,), op)

    def exp(self):
        return self._unary(ExpGate.local, "exp")

    def log(self):
        return self._unary(LogGate.local, "log")

    def reciprocal(self):
        return self._unary(ReciprocalGate.local, "1/x")

    def sigmoid(self):
        return self._unary(SigmoidGate.local, "σ")

    def tanh(self):
        return self._unary(TanhGate.local, "tanh")

    def relu(self):
        return self._unary(ReLUGate.local, "relu")

    # -- the backward pass ------------------------------------------------------------------------

    def topological_order(self) -> list[Value]:
        """Every node of this Value's graph, each after all the nodes it was computed from.

        Depth-first search with an explicit stack: a recursive version hits Python's recursion
        limit (about 1000) on a long chain. A node is pushed twice: first to be expanded (its
        parents pushed above it), then again under a ``None`` marker meaning "all its parents are
        in ``order`` now, append it". The markers and a set of nodes (Values hash by identity)
        keep the loop free of per-node tuples and ``id()`` calls, which made it twice as fast.
        """
        order: list[Value] = []
        seen: set[Value] = set()
        stack: list[Value | None] = [self]
        push, pop = stack.append, stack.pop
        while stack:
            node = pop()
            if node is None:  # the marker: the node under it has all its parents done
                order.append(pop())
                continue
            if node in seen:
                continue
            seen.add(node)
            push(node)
            push(None)
            for parent in node._prev:
                if parent not in seen:
                    push(parent)
        return order

    def backward(self) -> None:
        """Fill ``grad`` of every node of the graph with ∂self/∂node.

        Starts from d self/d self = 1 and visits the nodes in reverse topological order, so a
        node's gradient is complete (all its uses added up) before it is passed on. Every grad
        is reset to 0 first, so calling ``backward`` twice gives the same result.
        """
        order = self.topological_order()
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            upstream = node.grad
            parents = node._prev
            if len(parents) == 2:
                # Most nodes (+, −, ×) have two parents. This branch is the loop below unrolled:
                # it skips building a zip per node, which makes backward about a third faster.
                a, b = parents
                local_a, local_b = node._local
                a.grad += local_a * upstream
                b.grad += local_b * upstream
            else:
                # _local was built beside _prev, one entry per parent, so their lengths agree.
                for parent, local in zip(parents, node._local, strict=False):
                    parent.grad += local * upstream  # += : gradients add at forks
        return None

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
    order = f.topological_order()
    return OpCount(
        forward_ops=sum(1 for node in order if node._prev),
        backward_mults=sum(len(node._prev) for node in order),
    )
