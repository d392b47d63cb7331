"""Checks for exercise 6, your own autograd engine (after lecture 02).

Tasks 6.1-6.4 read what an operation recorded, ``out._prev`` and ``out._local``, so they need no
backward pass; the expected local gradients are finite differences of the operation on plain
floats. Tasks 6.5 and 6.6 build graphs with the notebook's (given) ``Value`` constructor, so they
do not depend on your operations, and 6.6 runs with a reference topological order in place of
yours, so a mistake in 6.5 is not counted twice. Task 6.7 trains with your whole engine.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np

from ._task import Task, close, fd_grads, fmt

# ---------------------------------------------------------------------------------------------
# What an operation recorded
# ---------------------------------------------------------------------------------------------


def _local(t: Task, out, leaves: list, what: str, names: str = "ab") -> tuple[float, list[float]]:
    """(out.data, [∂out/∂leaf summed over every entry of out._prev that is that leaf])."""
    __tracebackhide__ = True
    if not all(hasattr(out, attr) for attr in ("data", "_prev", "_local")):
        t.fail(f"{what} should return a new Value (with data, _prev and _local), got {type(out).__name__}")
    prev, local = tuple(out._prev), tuple(out._local)
    if len(prev) != len(local):
        t.fail(f"{what}: _prev has {len(prev)} entries but _local has {len(local)}; give one local "
               "gradient per parent, in the same order")
    grads = [0.0] * len(leaves)
    for k, leaf in enumerate(leaves):
        if not any(p is leaf for p in prev):
            t.fail(f"{what}: the new node does not list {names[k]} in _prev, so no gradient could ever "
                   f"reach {names[k]}; _prev holds the Values the node was computed from")
        for p, lg in zip(prev, local, strict=True):
            if p is leaf:
                grads[k] += t.number(f"a local gradient of {what}", lg)
    return t.number(f"({what}).data", out.data), grads


def _forward(t: Task, data: float, expected: float, what: str) -> None:
    __tracebackhide__ = True
    if not math.isclose(data, expected, rel_tol=1e-9, abs_tol=1e-12):
        t.fail(f"({what}).data should be {expected:.6g}, got {data:.6g}")


def _binary(t: Task, Value, op: Callable, fn: Callable, cases, mistakes, symbol: str) -> None:
    __tracebackhide__ = True
    for x, y in cases:
        a, b = t.call(Value, x, what=f"Value({x})"), Value(y)
        what = f"Value({x}) {symbol} Value({y})"
        data, grads = _local(t, t.call(op, a, b, what=what), [a, b], what)
        _forward(t, data, fn(x, y), what)
        t.diagnose(grads, fd_grads(fn, [x, y]), mistakes(x, y),
                   f"the local gradients (∂c/∂a, ∂c/∂b) of c = a {symbol} b at a = {x}, b = {y}")
    # A plain number on either side, and the same Value on both sides (a fork inside one node).
    x, k = 1.5, 2.5
    for what, make in ((f"Value({x}) {symbol} {k}", lambda a: op(a, k)),
                       (f"{k} {symbol} Value({x})", lambda a: op(k, a))):
        a = Value(x)
        data, (g,) = _local(t, t.call(make, a, what=what), [a], what, "a")
        _forward(t, data, fn(x, k), what)
        t.diagnose(g, fd_grads(lambda u: fn(u, k), [x])[0], [], f"the local gradient of {what}")
    a = Value(x)
    what = f"a {symbol} a"
    data, (g,) = _local(t, t.call(op, a, a, what=what), [a], what, "a")
    t.diagnose(g, fd_grads(lambda u: fn(u, u), [x])[0], [],
               f"the total local gradient of {what} at a = {x} (a is in _prev twice, once per use)")


def check_value_add(Value: type) -> None:
    """Task 6.1: ``a + b`` records _prev = (a, b) and _local = (1, 1)."""
    t = Task("6.1", "addition")
    _binary(t, Value, lambda a, b: a + b, lambda x, y: x + y, [(2.0, -3.0), (0.5, 4.25)], lambda x, y: [
        ((y, x), "those are the multiply gate's local gradients; for c = a + b, ∂c/∂a = ∂c/∂b = 1"),
        ((0.0, 0.0), "the local gradients are 0; for c = a + b both are 1 (the add gate distributes)"),
        ((x, y), "the local gradients of a sum are 1 and 1, not the inputs' values"),
    ], "+")
    t.ok()


def check_value_mul(Value: type) -> None:
    """Task 6.2: ``a * b`` records _prev = (a, b) and _local = (b, a)."""
    t = Task("6.2", "multiplication")
    _binary(t, Value, lambda a, b: a * b, lambda x, y: x * y, [(2.0, -3.0), (0.5, 4.25)], lambda x, y: [
        ((x, y), "the local gradients are swapped: ∂(a·b)/∂a = b, the *other* input, so _local = "
                 "(other.data, self.data)"),
        ((1.0, 1.0), "those are the add gate's local gradients; for c = a·b, ∂c/∂a = b and ∂c/∂b = a"),
        ((x * y, x * y), "the local gradients are the inputs' values swapped, not the product"),
    ], "*")
    t.ok()


def _unary(t: Task, Value, name: str, make: Callable, fn: Callable, x: float, mistakes=(),
           expected: float | None = None) -> None:
    __tracebackhide__ = True
    a = t.call(Value, x, what=f"Value({x})")
    what = name.replace("a", f"Value({x})", 1)
    data, (g,) = _local(t, t.call(make, a, what=what), [a], what, "a")
    _forward(t, data, fn(x), what)
    exp = fd_grads(fn, [x])[0] if expected is None else expected
    t.diagnose(g, exp, mistakes, f"the local gradient of {name} at a = {x}")


def check_value_pow_exp(Value: type) -> None:
    """Task 6.3: ``a ** p`` (p a number) has local gradient p·a^(p−1); ``a.exp()`` has e^a."""
    t = Task("6.3", "power by a constant, and exp")
    for x, p in ((1.5, 3), (2.0, -1), (0.7, 0.5), (1.3, 2.5)):
        _unary(t, Value, f"a ** {p}", lambda a, p=p: a**p, lambda u, p=p: u**p, x, [
            (p * x**p, f"a ** {p}: the local gradient is p·a^(p−1); you wrote p·a^p "
                       "(lower the exponent by one)"),
            (x ** (p - 1), f"a ** {p}: the local gradient is p·a^(p−1); the factor p is missing"),
            ((p - 1) * x ** (p - 1), f"a ** {p}: the local gradient is p·a^(p−1), not (p − 1)·a^(p−1)"),
        ])
    a = Value(2.0)
    try:
        a ** Value(2.0)
    except TypeError:
        pass
    except Exception as exc:  # noqa: BLE001 — any other error is a wrong answer, said in one line
        t.fail(f"a ** Value(2.0) should raise TypeError (the exponent must be a plain number), "
               f"got {type(exc).__name__}")
    else:
        t.fail("a ** Value(2.0) should raise TypeError: the exponent must be a plain number")
    for x in (0.3, -2.0):
        _unary(t, Value, "a.exp()", lambda a: a.exp(), math.exp, x, [
            (1.0, "exp: the local gradient of e^a is e^a itself, the output, not 1"),
            (x, "exp: the local gradient of e^a is e^a (the output), not a"),
        ])
    t.ok()


def _tanh(u: float) -> float:
    return math.tanh(u)


def _sigmoid(u: float) -> float:
    return 1.0 / (1.0 + math.exp(-u)) if u >= 0 else math.exp(u) / (1.0 + math.exp(u))


def check_value_activations(Value: type) -> None:
    """Task 6.4: tanh (1 − t²), sigmoid (s(1 − s)), relu (1 where a > 0, else 0), no overflow."""
    t = Task("6.4", "tanh, sigmoid and relu")
    for x in (0.5, -1.3):
        th, s = math.tanh(x), _sigmoid(x)
        _unary(t, Value, "a.tanh()", lambda a: a.tanh(), _tanh, x, [
            (1 - x * x, "tanh: the local gradient is 1 − t² with t = tanh(a), the output; "
                        "you used the input a"),
            (1 - th, "tanh: the local gradient is 1 − t², with the square"),
            (th * (1 - th), "tanh: t(1 − t) is the sigmoid's rule; for tanh it is 1 − t²"),
            (-(1 - th * th), "tanh: wrong sign; the local gradient is +(1 − t²)"),
        ])
        _unary(t, Value, "a.sigmoid()", lambda a: a.sigmoid(), _sigmoid, x, [
            (s, "sigmoid: the local gradient is s(1 − s) (Zhou's 5.9); the factor (1 − s) is missing"),
            (x * (1 - x), "sigmoid: the local gradient is s(1 − s) with s = σ(a), the output; "
                          "you used the input a"),
            (1 - s * s, "sigmoid: 1 − s² is tanh's rule; for σ it is s(1 − s)"),
        ])
    for x, want in ((1.5, 1.0), (-0.7, 0.0), (0.0, 0.0)):
        _unary(t, Value, "a.relu()", lambda a: a.relu(), lambda u: max(u, 0.0), x, [
            (1.0, "relu at a = 0: the task fixes the local gradient at 0 there; test a > 0, not a >= 0"
             if x == 0 else "relu: the local gradient is 1 where a > 0 and 0 elsewhere"),
            (x, "relu: the local gradient is 1 or 0 (is a > 0?), not the value a"),
        ], expected=want)
    for x in (1000.0, -1000.0):
        for name, make, fn in (("a.tanh()", lambda a: a.tanh(), _tanh),
                               ("a.sigmoid()", lambda a: a.sigmoid(), _sigmoid)):
            a = Value(x)
            what = name.replace("a", f"Value({x:g})", 1)
            data, (g,) = _local(t, t.call(make, a, what=what), [a], what, "a")
            _forward(t, data, fn(x), what)
            if not close(g, 0.0, atol=1e-12):
                t.fail(f"the local gradient of {what} should be 0 (the curve is flat there), got {g:.6g}")
    t.ok()


# ---------------------------------------------------------------------------------------------
# Graphs built with the given constructor: (data, parents, locals) per node, in creation order
# ---------------------------------------------------------------------------------------------


def _build(Value, spec):
    """Nodes from ``spec``: a list of (parents as indices of earlier nodes, local gradients). The
    data go up and down, so that sorting the nodes by data is no topological order."""
    nodes = []
    for k, (parents, local) in enumerate(spec):
        nodes.append(Value((-1) ** k * 0.1 * k, tuple(nodes[p] for p in parents), tuple(local)))
    return nodes


def _example_graphs():
    """(name, spec) pairs: a graph with forks and a repeated parent; the reuse case; a long chain."""
    forks = [((), ()), ((), ()), ((0, 1), (0.5, -2.0)), ((2, 0), (1.0, 3.0)), ((3, 3), (0.7, 0.7)),
             ((4, 2), (-1.5, 0.25)), ((5, 1), (2.0, 1.0))]
    reuse = [((), ()), ((0, 0), (1.0, 1.0)), ((1, 1), (1.0, 1.0))]
    chain = [((), ())] + [((k,), (1.0 if k % 2 else -1.0,)) for k in range(5000)]
    return [("the reuse case a; b = a + a; c = b + b", reuse), ("a graph with forks", forks),
            ("a chain of 5,000 nodes", chain)]


def _ref_grads(spec) -> list[float]:
    """∂(last node)/∂(node k) for every k: creation order is a topological order."""
    grads = [0.0] * len(spec)
    grads[-1] = 1.0
    for n in range(len(spec) - 1, -1, -1):
        for p, lg in zip(*spec[n], strict=True):
            grads[p] += lg * grads[n]
    return grads


def order_problem(order: list[int], spec) -> str | None:
    """What is wrong with ``order`` (indices of nodes, -1 for a stranger) as a topological order."""
    n = len(spec)
    if len(order) > len(set(order)):
        return ("a node appears more than once; a node used twice (b = a + a) must appear once: "
                "keep a set of the nodes you have already seen")
    if -1 in order:
        return "the order holds objects that are not nodes of the graph"
    if len(order) < n:
        return (f"the order has {len(order)} nodes but the graph has {n}; list every node, the "
                "output and the leaves included")
    if order == list(range(n - 1, -1, -1)) and n > 1:
        return "the order is reversed: a node must come *after* its _prev, so the output comes last"
    place = {node: k for k, node in enumerate(order)}
    for k, (parents, _) in enumerate(spec):
        if any(place[p] > place[k] for p in parents):
            return ("a node comes before one of its _prev; each node must come after every node it "
                    "was computed from (append a node only when all its parents are in the order)")
    return None


def check_value_topo(Value: type) -> None:
    """Task 6.5: ``topological_order()`` lists every node once, after its parents, without recursion."""
    t = Task("6.5", "topological order")
    for name, spec in _example_graphs():
        nodes = _build(Value, spec)
        method = getattr(nodes[-1], "topological_order", None)
        if not callable(method):
            t.fail("Value has no method topological_order: run the cell of task 6.5")
        order = t.call(method, what=f"topological_order on {name}")
        if not isinstance(order, list | tuple):
            t.fail(f"topological_order should return a list of nodes, got {type(order).__name__}")
        index = {id(node): k for k, node in enumerate(nodes)}
        problem = order_problem([index.get(id(node), -1) for node in order], spec)
        if problem:
            t.fail(f"on {name}: {problem}")
    t.ok()


# ---------------------------------------------------------------------------------------------
# backward, with a reference topological order in place of the student's
# ---------------------------------------------------------------------------------------------


@contextmanager
def methods_replaced(cls: type, methods: dict) -> Iterator[None]:
    """``cls`` with ``methods`` in place of its own for the duration; its own are put back after."""
    saved = {k: cls.__dict__.get(k) for k in methods}
    for k, fn in methods.items():
        setattr(cls, k, fn)
    try:
        yield
    finally:
        for k, fn in saved.items():
            if fn is None:
                delattr(cls, k)
            else:
                setattr(cls, k, fn)


def ref_topological_order(self):
    """Every node ``self`` depends on, each after its ``_prev``, by an explicit stack (no recursion)."""
    order, seen, stack = [], set(), [(self, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))
            stack.extend((p, False) for p in node._prev if p not in seen)
    return order


def _variant_grads(spec, assign=False, forward=False) -> list[float]:
    """The classic wrong backward passes, to name them: ``=`` at forks, or the forward order."""
    grads = [0.0] * len(spec)
    grads[-1] = 1.0
    visit = range(len(spec)) if forward else range(len(spec) - 1, -1, -1)
    for n in visit:
        for p, lg in zip(*spec[n], strict=True):
            grads[p] = lg * grads[n] if assign else grads[p] + lg * grads[n]
    return grads


def backward_mistakes(spec) -> list[tuple[list[float], str]]:
    return [
        (_variant_grads(spec, assign=True), "a node used several times got only its last contribution: "
                                            "write p.grad += lg * node.grad (gradients add at forks), not ="),
        (_variant_grads(spec, forward=True), "you visited the nodes in topological order; visit them in "
                                             "*reverse*, from the output back, so each grad is complete "
                                             "before it is passed on"),
        ([0.0] * len(spec), "every grad is 0: start with self.grad = 1.0 (∂self/∂self) after resetting"),
    ]


def check_value_backward(Value: type) -> None:
    """Task 6.6: ``backward()`` resets every grad, seeds 1, and adds local × upstream in reverse order."""
    t = Task("6.6", "backward")
    if not callable(getattr(Value, "backward", None)):
        t.fail("Value has no method backward")
    # Deliberate: the student's class is patched so that a mistake in task 6.5 is not counted twice.
    with methods_replaced(Value, {"topological_order": ref_topological_order}):
        for name, spec in _example_graphs():
            nodes = _build(Value, spec)
            t.call(nodes[-1].backward, what="backward")
            once = [t.number("a grad", node.grad) for node in nodes]
            expected = _ref_grads(spec)
            if name.startswith("the reuse") and once[0] > 4.0 + 1e-9:
                t.fail(f"on the reuse case ∂c/∂a came out {once[0]:g}, not 4: a node passed its gradient "
                       "on before all of its uses had added theirs (or more than once); visit each node "
                       "once, in reverse topological order")
            t.diagnose(once, expected, backward_mistakes(spec), f"the grads on {name}")
            t.call(nodes[-1].backward, what="backward (a second time)")
            twice = [t.number("a grad", node.grad) for node in nodes]
            if not close(twice, once):
                t.fail(f"calling backward a second time changed the grads on {name} (e.g. "
                       f"{fmt(once[0])} -> {fmt(twice[0])}): backward must first set grad = 0.0 on every "
                       "node of the order (step 2), so that it computes them afresh")
    t.ok()


# ---------------------------------------------------------------------------------------------
# Training: the notebook's MLP (2 -> hidden tanh -> 1), in numpy, as the reference
# ---------------------------------------------------------------------------------------------


def mlp_loss(theta: np.ndarray, X: np.ndarray, t: np.ndarray, hidden: int) -> float:
    """L = mean_k (model(x_k) − t_k)² for the flat parameter vector in ``parameters()`` order."""
    n_in = X.shape[1]
    W = theta[: hidden * n_in].reshape(hidden, n_in)
    b = theta[hidden * n_in: hidden * (n_in + 1)]
    v = theta[hidden * (n_in + 1): hidden * (n_in + 2)]
    c = theta[-1]
    out = np.tanh(X @ W.T + b) @ v + c
    return float(np.mean((out - t) ** 2))


def _data(seed: int, n: int):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    return X, np.where(X[:, 0] * X[:, 1] > 0, 1.0, -1.0)


def _params(t: Task, model, what: str) -> np.ndarray:
    __tracebackhide__ = True
    return np.array([t.number(f"a parameter's data {what}", p.data) for p in model.parameters()])


def reference_engine(Value, calls: dict) -> dict:
    """Reference operations for ``Value`` (built with its given constructor): train is first checked
    with these, so that a mistake in tasks 6.1-6.6 shows up there, not as a wrong training step.
    ``calls["backward"]`` counts the calls of backward. The grader's sandbox probe uses these too."""

    def v(x):
        return x if isinstance(x, Value) else Value(x)

    def add(self, other):
        other = v(other)
        return Value(self.data + other.data, (self, other), (1.0, 1.0))

    def mul(self, other):
        other = v(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data))

    def power(self, p):
        return Value(self.data**p, (self,), (p * self.data ** (p - 1),))

    def tanh(self):
        th = math.tanh(self.data)
        return Value(th, (self,), (1.0 - th * th,))

    def exp(self):
        e = math.exp(self.data)
        return Value(e, (self,), (e,))

    def backward(self):
        calls["backward"] = calls.get("backward", 0) + 1
        order = ref_topological_order(self)
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            for p, lg in zip(node._prev, node._local, strict=True):
                p.grad += lg * node.grad

    return {"__add__": add, "__radd__": add, "__mul__": mul, "__rmul__": mul, "__pow__": power,
            "tanh": tanh, "exp": exp, "backward": backward, "topological_order": ref_topological_order,
            "__neg__": lambda self: mul(self, -1.0), "__sub__": lambda self, o: add(self, mul(v(o), -1.0)),
            "__rsub__": lambda self, o: add(v(o), mul(self, -1.0)),
            "__truediv__": lambda self, o: mul(self, power(v(o), -1)),
            "__rtruediv__": lambda self, o: mul(v(o), power(self, -1))}


def check_value_training(train: Callable, MLP: type) -> None:
    """Task 6.7: ``train(model, X, t, steps, lr)`` does gradient descent on the mean squared error:
    one exact step on a reference engine, then a falling loss on the student's own engine."""
    t = Task("6.7", "training an MLP with your engine")
    hidden, lr = 3, 0.1
    X, y = _data(5, 8)
    model = MLP(2, hidden, seed=4)
    Value = type(model.parameters()[0])
    calls: dict = {}
    engine = reference_engine(Value, calls)
    with methods_replaced(Value, engine):
        _one_exact_step(t, train, model, X, y, hidden, lr)
        if calls.get("backward") != 1:
            t.fail(f"train(..., steps=1, ...) called backward {calls.get('backward', 0)} times: call "
                   "L.backward() once per step, so that your engine computes the gradients")
    model = MLP(2, 4, seed=7)
    X, y = _data(9, 12)
    p0 = _params(t, model, "before training")
    try:
        losses = train(model, X, y, 15, 0.2)
    except NotImplementedError:
        t.not_attempted("train")
    except Exception as exc:  # noqa: BLE001 — the engine broke: say which task to look at
        t.fail(f"with your engine, training raised {type(exc).__name__}: {exc}; train is right on the "
               "reference engine, so look at tasks 6.1-6.6")
    if not isinstance(losses, list | tuple | np.ndarray) or len(losses) != 15:
        t.fail(f"train(..., steps=15, ...) should return a list of 15 losses, got {losses!r:.80}")
    p1 = _params(t, model, "after training")
    if np.any(p1 == p0):
        t.fail(f"with your engine, {int(np.sum(p1 == p0))} parameter(s) never moved: update every p in "
               "model.parameters() (and check tasks 6.1-6.6)")
    first, last = mlp_loss(p0, X, y, 4), mlp_loss(p1, X, y, 4)
    if not last < 0.9 * first:
        t.fail(f"with your engine the loss went from {first:.4g} to {last:.4g} in 15 steps; it should fall. "
               "train is right on the reference engine, so look at tasks 6.1-6.6")
    t.ok(f"loss {first:.3f} -> {last:.3f} in 15 steps")


def _one_exact_step(t: Task, train: Callable, model, X, y, hidden: int, lr: float) -> None:
    __tracebackhide__ = True
    p0 = _params(t, model, "before training")
    losses = t.call(train, model, X, y, 1, lr, what="train")
    if not isinstance(losses, list | tuple | np.ndarray) or len(losses) != 1:
        t.fail(f"train(..., steps=1, ...) should return a list of 1 loss, got {losses!r}")
    p1 = _params(t, model, "after one step")
    still = int(np.sum(p1 == p0))
    if 0 < still < len(p0):
        t.fail(f"{still} of the {len(p0)} parameters never moved: update every p in model.parameters()")
    L0 = mlp_loss(p0, X, y, hidden)
    loss0 = t.number("losses[0]", losses[0])
    if not math.isclose(loss0, L0, rel_tol=1e-6):
        if math.isclose(loss0, L0 * len(X), rel_tol=1e-6):
            t.fail("losses[0] is the sum of the squared errors; L is their mean, (1/n) Σ_k")
        after = mlp_loss(p1, X, y, hidden)
        if math.isclose(loss0, after, rel_tol=1e-6):
            t.fail("losses[0] is the loss after the update; record L.data before moving the parameters")
        t.fail(f"losses[0] should be the loss of the untrained network, {L0:.6g}; got {loss0:.6g}")
    grad = fd_grads(lambda *th: mlp_loss(np.array(th), X, y, hidden), p0)
    t.diagnose(p1, p0 - lr * grad, [
        (p0 + lr * grad, "the parameters moved uphill: gradient descent subtracts, p.data -= lr * p.grad"),
        (p0 - grad, "the step ignores lr: p.data -= lr * p.grad"),
        (p0 - lr * len(X) * grad, "the step is n times too large: L is the mean over the samples, (1/n) Σ_k"),
        (p0, "no parameter moved after one step"),
    ], "the parameters after one step", rtol=1e-5, atol=1e-7)
