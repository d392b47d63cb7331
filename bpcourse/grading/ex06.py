"""Exercise 6, your own autograd engine: probes and judges for the trusted grader.

Tasks 6.1-6.4 read what one operation recorded (``out._prev``, ``out._local``) on inputs drawn at
grading time; the expected local gradients are centred differences of the operation on floats.
Tasks 6.5 and 6.6 build random graphs with the notebook's given constructor ``Value(data, _prev,
_local)``, so they need none of the student's operations, and 6.6 runs with a reference
topological order in place of the student's. Task 6.7 first runs the student's ``train`` on the
reference engine (one exact gradient step, then a short trajectory, each compared with numpy),
then on the student's own engine, where the loss must fall and every parameter move.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np

from bpcourse.grading.spec import Exercise, NotAttempted, Probe, Raised, Task, diagnose, fail, items, number


def _code(*parts: str) -> str:
    """Probe code from pieces written at different indentations."""
    return "\n".join(textwrap.dedent(p).strip("\n") for p in parts)


# Reads what an operation recorded: its data, and the local gradient towards each leaf (summed
# over the leaf's entries in _prev, so a + a counts twice).
_LOCAL = '''
def local_of(out, leaves):
    if isinstance(out, Exception):
        return out
    if not all(hasattr(out, a) for a in ("data", "_prev", "_local")):
        return {"type": type(out).__name__}
    prev, local = list(out._prev), list(out._local)
    if len(prev) != len(local):
        return {"lengths": [len(prev), len(local)]}
    grads = []
    for leaf in leaves:
        hits = [float(lg) for p, lg in zip(prev, local) if p is leaf]
        grads.append(sum(hits) if hits else None)
    return {"data": float(out.data), "grads": grads}
'''


def _recorded(got, n: int, what: str) -> tuple[float, list[float]]:
    """(data, local gradients) from one ``local_of`` result, or a named failure."""
    if isinstance(got, Raised):
        if got.type == "NotImplementedError":
            raise NotAttempted(f"{what} still raises NotImplementedError")
        fail(f"{what} raised {got.type}: {got.message}")
    if not isinstance(got, dict):
        fail(f"{what}: could not read the result ({got!r:.80})")
    if "type" in got:
        fail(f"{what} should return a new Value (with data, _prev and _local), got {got['type']}")
    if "lengths" in got:
        p, loc = got["lengths"]
        fail(f"{what}: _prev has {p} entries but _local has {loc}; one local gradient per parent")
    grads = items(got.get("grads"), n, "one local gradient per input")
    for k, g in enumerate(grads):
        if g is None:
            fail(f"{what}: the new node does not list input {k + 1} in _prev, so no gradient can reach it")
    return number(got.get("data"), f"({what}).data"), [number(g, "a local gradient") for g in grads]


def _fd(fn, xs: list[float], h: float = 1e-6) -> list[float]:
    out = []
    for k in range(len(xs)):
        up, down = list(xs), list(xs)
        up[k] += h
        down[k] -= h
        out.append((fn(*up) - fn(*down)) / (2 * h))
    return out


def _forward_ok(data: float, expected: float, what: str) -> None:
    if not math.isclose(data, expected, rel_tol=1e-9, abs_tol=1e-12):
        fail(f"({what}).data should be {expected:.6g}, got {data:.6g}")


# ---- 6.1 and 6.2: + and × ----------------------------------------------------------------------


def _probe_binary(symbol: str):
    def probe(rng):
        pairs = [[2.0, -3.0], [0.5, 4.25]] + np.round(rng.normal(0, 2, size=(5, 2)), 3).tolist()
        k = float(np.round(rng.uniform(-3, 3), 3))
        return Probe(_code(_LOCAL, f'''
            out = {{"pairs": [], "number": []}}
            for x, y in args["pairs"]:
                a, b = Value(x), Value(y)
                out["pairs"].append(local_of(catch(lambda: a {symbol} b), [a, b]))
            a = Value(args["x"])
            out["number"] = [local_of(catch(lambda: a {symbol} args["k"]), [a]),
                             local_of(catch(lambda: args["k"] {symbol} a), [a]),
                             local_of(catch(lambda: a {symbol} a), [a])]
            return out
        '''), {"pairs": pairs, "k": k, "x": float(np.round(rng.uniform(0.5, 2.0), 3))})
    return probe


def _judge_binary(symbol: str, fn, mistakes):
    def judge(got, args):
        if not isinstance(got, dict):
            fail(f"could not read the results ({got!r:.80})")
        res = items(got.get("pairs"), len(args["pairs"]), "one result per pair")
        for (x, y), r in zip(args["pairs"], res, strict=True):
            what = f"Value({x:g}) {symbol} Value({y:g})"
            data, grads = _recorded(r, 2, what)
            _forward_ok(data, fn(x, y), what)
            diagnose(grads, _fd(fn, [x, y]), mistakes(x, y),
                     f"the local gradients (∂c/∂a, ∂c/∂b) of c = a {symbol} b at a = {x:g}, b = {y:g}",
                     rtol=1e-5, atol=1e-7)
        x, k = args["x"], args["k"]
        cases = [(f"Value({x:g}) {symbol} {k:g}", lambda u: fn(u, k)),
                 (f"{k:g} {symbol} Value({x:g})", lambda u: fn(k, u)),
                 (f"a {symbol} a at a = {x:g}", lambda u: fn(u, u))]
        res = items(got.get("number"), 3, "three results")
        for (what, f1), r in zip(cases, res, strict=True):
            data, (g,) = _recorded(r, 1, what)
            _forward_ok(data, f1(x), what)
            diagnose(g, _fd(f1, [x])[0], [], f"the local gradient of {what}", rtol=1e-5, atol=1e-7)
    return judge


def _add_mistakes(x, y):
    return [((y, x), "those are the multiply gate's local gradients; for c = a + b, ∂c/∂a = ∂c/∂b = 1"),
            ((0.0, 0.0), "the local gradients are 0; for c = a + b both are 1 (the add gate distributes)"),
            ((x, y), "the local gradients of a sum are 1 and 1, not the inputs' values")]


def _mul_mistakes(x, y):
    return [((x, y), "the local gradients are swapped: ∂(a·b)/∂a = b, the *other* input, so _local = "
                     "(other.data, self.data)"),
            ((1.0, 1.0), "those are the add gate's local gradients; for c = a·b, ∂c/∂a = b and ∂c/∂b = a")]


# ---- 6.3 and 6.4: one-parent operations ----------------------------------------------------------


def _probe_unary(ops: dict[str, list[float]], pow_cases=None, value_exponent=False):
    code = _code(_LOCAL, '''
        makers = {"exp": lambda a: a.exp(), "tanh": lambda a: a.tanh(), "sigmoid": lambda a: a.sigmoid(),
                  "relu": lambda a: a.relu()}
        out = {"ops": {}, "pow": []}
        for name, xs in args["ops"].items():
            res = []
            for x in xs:
                a = Value(x)
                res.append(local_of(catch(makers[name], a), [a]))
            out["ops"][name] = res
        for x, p in args["pow"]:
            a = Value(x)
            res = local_of(catch(lambda: a ** p), [a])
            out["pow"].append(res)
        if args["value_exponent"]:
            r = catch(lambda: Value(2.0) ** Value(2.0))
            out["value_exponent"] = type(r).__name__
        return out
    ''')
    return Probe(_code(code), {"ops": ops, "pow": pow_cases or [], "value_exponent": value_exponent})


_REF_UNARY = {
    "exp": math.exp,
    "tanh": math.tanh,
    "sigmoid": lambda u: 1.0 / (1.0 + math.exp(-u)) if u >= 0 else math.exp(u) / (1.0 + math.exp(u)),
    "relu": lambda u: max(u, 0.0),
}


def _unary_mistakes(name: str, x: float, s: float) -> list:
    return {
        "exp": [(1.0, "exp: the local gradient of e^a is e^a itself, the output, not 1"),
                (x, "exp: the local gradient of e^a is e^a (the output), not a")],
        "tanh": [(1 - x * x, "tanh: the local gradient is 1 − t² with t = tanh(a), the output; you used the "
                             "input a"),
                 (1 - s, "tanh: the local gradient is 1 − t², with the square"),
                 (s * (1 - s), "tanh: t(1 − t) is the sigmoid's rule; for tanh it is 1 − t²"),
                 (-(1 - s * s), "tanh: wrong sign; the local gradient is +(1 − t²)")],
        "sigmoid": [(s, "sigmoid: the local gradient is s(1 − s) (Zhou's 5.9); "
                        "the factor (1 − s) is missing"),
                    (x * (1 - x), "sigmoid: the local gradient is s(1 − s) with s = σ(a), the output; you "
                                  "used the input a"),
                    (1 - s * s, "sigmoid: 1 − s² is tanh's rule; for σ it is s(1 − s)")],
        "relu": [(1.0, "relu at a = 0: the task fixes the local gradient at 0 there; test a > 0, not a >= 0"
                  if x == 0 else "relu: the local gradient is 1 where a > 0 and 0 elsewhere"),
                 (x, "relu: the local gradient is 1 or 0 (is a > 0?), not the value a")],
    }[name]


def _judge_unary_ops(got_ops, ops) -> None:
    if not isinstance(got_ops, dict):
        fail(f"could not read the results ({got_ops!r:.80})")
    for name, xs in ops.items():
        res = items(got_ops.get(name), len(xs), f"one result per {name} input")
        fn = _REF_UNARY[name]
        for x, r in zip(xs, res, strict=True):
            what = f"Value({x:g}).{name}()"
            data, (g,) = _recorded(r, 1, what)
            _forward_ok(data, fn(x), what)
            if abs(x) >= 50:  # flat tails: the local gradient is 0 to double precision
                expected = 0.0 if name in ("tanh", "sigmoid") else (1.0 if x > 0 else 0.0)
            elif name == "relu":
                expected = 1.0 if x > 0 else 0.0  # relu'(0) = 0 by the task's choice
            else:
                expected = _fd(fn, [x])[0]
            diagnose(g, expected, _unary_mistakes(name, x, fn(x)), f"the local gradient of {what}",
                     rtol=1e-5, atol=1e-7)


def _probe_pow_exp(rng):
    xs = np.round(rng.uniform(0.4, 2.5, 5), 3).tolist()
    ps = [3, -1, float(np.round(rng.uniform(-2.5, -0.2), 2)), float(np.round(rng.uniform(0.2, 3.5), 2)),
          int(rng.integers(2, 6))]
    return _probe_unary({"exp": [0.3, -2.0] + np.round(rng.normal(0, 2, 3), 3).tolist()},
                        [[x, p] for x, p in zip(xs, ps, strict=True)], value_exponent=True)


def _judge_pow_exp(got, args):
    if not isinstance(got, dict):
        fail(f"could not read the results ({got!r:.80})")
    res = items(got.get("pow"), len(args["pow"]), "one result per power")
    for (x, p), r in zip(args["pow"], res, strict=True):
        what = f"Value({x:g}) ** {p:g}"
        data, (g,) = _recorded(r, 1, what)
        _forward_ok(data, x**p, what)
        diagnose(g, p * x ** (p - 1), [
            (p * x**p, f"a ** {p:g}: the local gradient is p·a^(p−1); you wrote p·a^p "
                       "(lower the exponent by one)"),
            (x ** (p - 1), f"a ** {p:g}: the local gradient is p·a^(p−1); the factor p is missing"),
            ((p - 1) * x ** (p - 1), f"a ** {p:g}: the local gradient is p·a^(p−1), not (p − 1)·a^(p−1)"),
        ], f"the local gradient of {what}", rtol=1e-6, atol=1e-9)
    if got.get("value_exponent") != "TypeError":
        fail("a ** Value(2.0) should raise TypeError (the exponent must be a plain number); "
             f"got {'no error' if got.get('value_exponent') == 'Value' else got.get('value_exponent')}")
    _judge_unary_ops(got.get("ops"), args["ops"])


def _probe_activations(rng):
    xs = [0.5, -1.3] + np.round(rng.normal(0, 2.5, 4), 3).tolist()
    far = np.round(rng.uniform(60, 900, size=2), 1)
    edge = [1000.0, -1000.0, float(far[0]), -float(far[1])]
    return _probe_unary({"tanh": xs + edge, "sigmoid": xs + edge, "relu": xs + [0.0, 1.5, -0.7]})


def _judge_activations(got, args):
    if not isinstance(got, dict):
        fail(f"could not read the results ({got!r:.80})")
    _judge_unary_ops(got.get("ops"), args["ops"])


# ---- 6.5 and 6.6: graphs built with the given constructor ----------------------------------------

_BUILD = '''
def build(spec):
    nodes = []
    for k, (parents, local, *data) in enumerate(spec):
        nodes.append(Value(data[0] if data else -0.1 * k, tuple(nodes[p] for p in parents), tuple(local)))
    return nodes
'''


def _random_graph(rng, n: int) -> list:
    """A random DAG: a few leaves, then nodes with one or two parents among the earlier nodes
    (sometimes the same one twice), and a few nodes the last one does not depend on. The nodes'
    data are random, so that sorting by data is no topological order."""
    spec: list[list[list]] = [[[], []] for _ in range(3)]
    for k in range(3, n):
        m = int(rng.integers(1, 3))
        parents = [int(p) for p in rng.integers(0, k, size=m)]
        if m == 2 and rng.random() < 0.2:
            parents[1] = parents[0]
        spec.append([parents, np.round(rng.uniform(-2, 2, size=m), 3).tolist()])
    spec.append([[n - 1, n - 4], [1.0, -0.5]])  # the output uses the last nodes; some others hang loose
    data = np.round(rng.normal(size=len(spec)), 3)
    return [[p, loc, float(x)] for (p, loc), x in zip(spec, data, strict=True)]


def _graphs(rng) -> list:
    reuse = [[[], []], [[0, 0], [1.0, 1.0]], [[1, 1], [1.0, 1.0]]]
    doublings: list[list[list]] = [[[], []]] + [[[k, k], [1.0, 1.0]] for k in range(12)]
    return [["the reuse case a; b = a + a; c = b + b", reuse],
            ["a random graph with forks", _random_graph(rng, 25)],
            ["another random graph", _random_graph(rng, 40)],
            ["12 doublings, b = a + a, c = b + b, ...", doublings],
            ["a chain of 5,000 nodes", "chain"]]


_EXPR_OPS = ("add", "mul", "tanh", "sigmoid", "square")


def _expr_forward(ops, leaves: dict[int, float]) -> tuple[list[float], list[tuple]]:
    """Values and local gradients of a random expression (the grader's own math, in floats)."""
    vals: list[float] = []
    locs: list[tuple] = []
    loc: tuple[float, ...]
    for k, (op, parents, leaf) in enumerate(ops):
        a = [vals[p] for p in parents]
        if op == "leaf":
            out, loc = leaves.get(k, leaf), ()
        elif op == "add":
            out, loc = a[0] + a[1], (1.0, 1.0)
        elif op == "mul":
            out, loc = a[0] * a[1], (a[1], a[0])
        elif op == "tanh":
            out = math.tanh(a[0])
            loc = (1.0 - out * out,)
        elif op == "sigmoid":
            out = 1.0 / (1.0 + math.exp(-a[0]))
            loc = (out * (1.0 - out),)
        else:  # square
            out, loc = a[0] * a[0], (2.0 * a[0],)
        vals.append(out)
        locs.append(loc)
    return vals, locs


def _random_expression(rng, n: int) -> list:
    """[op, parents, leaf value] per node: four leaves, then random operations on earlier nodes
    (each node used by later ones as it comes, so forks and reuse are common)."""
    ops = [["leaf", [], float(np.round(rng.uniform(-1.5, 1.5), 3))] for _ in range(4)]
    for k in range(4, n):
        op = _EXPR_OPS[int(rng.integers(len(_EXPR_OPS)))]
        arity = 2 if op in ("add", "mul") else 1
        recent = max(0, k - 6)  # mostly recent nodes, so the output depends on most of them
        ops.append([op, [int(p) for p in rng.integers(recent, k, size=arity)], 0.0])
    ops.append(["add", [n - 1, n - 2], 0.0])
    return ops


def _expression_graph(rng, n: int) -> list:
    """[name, spec, ops]: the spec (parents, local gradients, data) the probe builds, and the
    expression itself, from which the judge also takes finite differences."""
    ops = _random_expression(rng, n)
    vals, locs = _expr_forward(ops, {})
    spec = [[parents, list(loc), v] for (_, parents, _), loc, v in zip(ops, locs, vals, strict=True)]
    return [f"a random expression of {n + 1} nodes (+, ×, tanh, σ, x²)", spec, ops]


def _backward_graphs(rng) -> list:
    return [[name, spec, None] for name, spec in _graphs(rng)] + [_expression_graph(rng, 30),
                                                                  _expression_graph(rng, 60)]


def _fd_leaves(ops) -> dict[int, float]:
    """∂(output)/∂(leaf) by centred differences of the expression, for every leaf."""
    out = {}
    for k, (op, _, leaf) in enumerate(ops):
        if op == "leaf":
            h = 1e-6
            up = _expr_forward(ops, {k: leaf + h})[0][-1]
            down = _expr_forward(ops, {k: leaf - h})[0][-1]
            out[k] = (up - down) / (2 * h)
    return out


def _expand(spec):
    if spec == "chain":
        return [[[], []]] + [[[k], [1.0 if k % 2 else -1.0]] for k in range(5000)]
    return spec


def _reachable(spec) -> set[int]:
    seen, stack = set(), [len(spec) - 1]
    while stack:
        n = stack.pop()
        if n not in seen:
            seen.add(n)
            stack.extend(spec[n][0])
    return seen


def _probe_topo(rng):
    return Probe(_code(_BUILD, '''
        out = []
        for name, spec in args:
            if spec == "chain":
                spec = [[[], []]] + [[[k], [1.0]] for k in range(5000)]
            nodes = build(spec)
            order = catch(nodes[-1].topological_order)
            if isinstance(order, Exception):
                out.append(order)
                continue
            if not isinstance(order, (list, tuple)):
                out.append({"type": type(order).__name__})
                continue
            index = {id(node): k for k, node in enumerate(nodes)}
            out.append([index.get(id(node), -1) for node in order[: 10 * len(nodes)]])
        return out
    '''), _graphs(rng))


def _judge_topo(got, graphs):
    got = items(got, len(graphs), "one order per graph")
    for (name, spec), order in zip(graphs, got, strict=True):
        spec = _expand(spec)
        if isinstance(order, Raised):
            if order.type == "RecursionError":
                fail(f"on {name} topological_order raised RecursionError, Python's limit of about 1,000 "
                     "nested calls: walk the graph with an explicit stack, a list you append to and pop from")
            number(order, f"topological_order on {name}")  # names the error (or 'not attempted')
        if isinstance(order, dict):
            fail(f"topological_order should return a list of nodes, got {order.get('type')}")
        if not isinstance(order, list) or not all(isinstance(k, int) for k in order):
            fail(f"topological_order on {name} should return a list of the graph's nodes")
        wanted = _reachable(spec)
        if len(order) > len(set(order)):
            fail(f"on {name} a node appears more than once; a node used twice (b = a + a) must appear "
                 "once: keep a set of the nodes you have already seen")
        if -1 in order:
            fail(f"on {name} the order holds objects that are not nodes of the graph")
        missing = wanted - set(order)
        if missing:
            fail(f"on {name} the order misses {len(missing)} of the graph's {len(wanted)} nodes; list every "
                 "node the output depends on, the output and the leaves included")
        if set(order) - wanted:
            fail(f"on {name} the order holds nodes the output does not depend on; start from self and "
                 "follow _prev only")
        place = {node: k for k, node in enumerate(order)}
        if place[len(spec) - 1] == 0 and len(order) > 1:
            fail(f"on {name} the order is reversed: a node must come *after* its _prev, so the output "
                 "comes last")
        for n in order:
            if any(place[p] > place[n] for p in spec[n][0]):
                fail(f"on {name} a node comes before one of its _prev; each node must come after every "
                     "node it was computed from")


# The reference engine lives in bpcourse/check/ex06.py (the sandbox can read it).
_REF_TOPO = """
from bpcourse.check.ex06 import methods_replaced, ref_topological_order
"""


def _probe_backward(rng):
    return Probe(_code(_BUILD, _REF_TOPO, '''
        out = []
        with methods_replaced(Value, {"topological_order": ref_topological_order}):
            for name, spec, _ in args:
                if spec == "chain":
                    spec = [[[], []]] + [[[k], [1.0 if k % 2 else -1.0]] for k in range(5000)]
                nodes = build(spec)
                first = catch(nodes[-1].backward)
                if isinstance(first, Exception):
                    out.append(first)
                    continue
                once = [node.grad for node in nodes]
                second = catch(nodes[-1].backward)
                if isinstance(second, Exception):
                    out.append(second)
                    continue
                out.append([once, [node.grad for node in nodes]])
        return out
    '''), _backward_graphs(rng))


def _ref_grads(spec, keep: set[int], assign=False, forward=False) -> np.ndarray:
    """∂out/∂node by the DP over creation order (a topological order); the variants name mistakes."""
    grads = np.zeros(len(spec))
    grads[-1] = 1.0
    visit = range(len(spec)) if forward else range(len(spec) - 1, -1, -1)
    for n in visit:
        if n not in keep:
            continue
        for p, lg in zip(spec[n][0], spec[n][1], strict=True):
            grads[p] = lg * grads[n] if assign else grads[p] + lg * grads[n]
    return grads


def _judge_backward(got, graphs):
    got = items(got, len(graphs), "one result per graph")
    for (name, spec, ops), res in zip(graphs, got, strict=True):
        spec = _expand(spec)
        if isinstance(res, Raised):
            if res.type == "RecursionError":
                fail(f"on {name} backward raised RecursionError: walk the reverse topological order with a "
                     "loop, not recursion")
            number(res, f"backward on {name}")
        once, twice = items(res, 2, "the grads after one and after two calls")
        keep = sorted(_reachable(spec))
        once = np.asarray([number(once[k], "a grad") for k in keep]) if isinstance(once, list) else None
        twice = np.asarray([number(twice[k], "a grad") for k in keep]) if isinstance(twice, list) else None
        if once is None or twice is None:
            fail(f"could not read the grads on {name}")
        ref = _ref_grads(spec, set(keep))[keep]
        if name.startswith("the reuse") and once[0] > 4.0 + 1e-9:
            fail(f"on the reuse case a; b = a + a; c = b + b, ∂c/∂a came out {once[0]:g}, not 4: a node "
                 "passed its gradient on before all of its uses had added theirs (or more than once); "
                 "visit each node once, in reverse topological order")
        diagnose(once, ref, [
            (_ref_grads(spec, set(keep), assign=True)[keep],
             f"on {name} a node used several times got only its last contribution: write "
             "p.grad += lg * node.grad (gradients add at forks), not ="),
            (_ref_grads(spec, set(keep), forward=True)[keep],
             f"on {name}: you visited the nodes in topological order; visit them in *reverse*, from the "
             "output back, so that each grad is complete before it is passed on"),
            (np.zeros(len(keep)), f"on {name} every grad is 0: set self.grad = 1.0 (∂self/∂self) after the "
                                  "reset"),
        ], f"the grads on {name}")
        if ops is not None:  # the expression's own finite differences, for every leaf it uses
            for leaf, fd in _fd_leaves(ops).items():
                if leaf in keep and not math.isclose(once[keep.index(leaf)], fd, rel_tol=1e-5, abs_tol=1e-7):
                    fail(f"on {name}, ∂f/∂(leaf {leaf}) is {once[keep.index(leaf)]:.6g}, but finite "
                         f"differences of f give {fd:.6g}")
        if not np.allclose(twice, once, rtol=1e-9, atol=1e-12):
            fail(f"calling backward a second time changed the grads on {name}: backward must first set "
                 "grad = 0.0 on every node of the order (step 2), so it computes them afresh")


# ---- 6.7 training -------------------------------------------------------------------------------

# The reference engine, put in place of the student's operations for the first two runs, so that
# train is judged on its own; the last run uses the student's engine.
_REF_ENGINE = '''
from bpcourse.check.ex06 import methods_replaced, reference_engine

calls = {"backward": 0}
REF_ENGINE = reference_engine(Value, calls)

def run(case):
    calls["backward"] = 0
    model = MLP(2, case["hidden"], seed=case["seed"])
    before = [float(p.data) for p in model.parameters()]
    losses = catch(train, model, case["X"], case["t"], case["steps"], case["lr"])
    if isinstance(losses, Exception):
        return losses
    if isinstance(losses, np.ndarray):
        losses = losses.tolist()
    if not isinstance(losses, (list, tuple)):
        return {"type": type(losses).__name__}
    return {"before": before, "after": [float(p.data) for p in model.parameters()],
            "losses": [float(getattr(v, "data", v)) for v in list(losses)[:1000]],
            "backward_calls": calls["backward"]}
'''


def _training_cases(rng) -> list[dict]:
    from bpcourse.datasets import make_moons

    cases = []
    for engine, n, hidden, steps, lr in (("reference", 10, 3, 1, None), ("reference", 8, 2, 3, None),
                                         ("yours", 24, 4, 20, 0.3)):
        X, labels = make_moons(n=n, noise=0.1, seed=int(rng.integers(1_000_000)))
        lr = lr if lr is not None else float(np.round(rng.uniform(0.05, 0.4), 3))
        cases.append({"engine": engine, "X": X, "t": 2.0 * labels - 1.0, "hidden": hidden, "steps": steps,
                      "lr": lr, "seed": int(rng.integers(1_000_000))})
    return cases


def _probe_train(rng):
    return Probe(_code(_REF_ENGINE, '''
        out = []
        for case in args:
            if case["engine"] == "reference":
                with methods_replaced(Value, REF_ENGINE):
                    out.append(run(case))
            else:
                out.append(run(case))
        return out
    '''), _training_cases(rng), timeout=60.0)


def _unpack(theta: np.ndarray, hidden: int):
    W = theta[: 2 * hidden].reshape(hidden, 2)
    return W, theta[2 * hidden: 3 * hidden], theta[3 * hidden: 4 * hidden], theta[4 * hidden]


def mlp_loss_and_grad(theta: np.ndarray, X: np.ndarray, t: np.ndarray,
                      hidden: int) -> tuple[float, np.ndarray]:
    """L = mean_k (MLP(x_k) − t_k)² and ∂L/∂θ, for the notebook's 2 -> hidden tanh -> 1 MLP, with the
    parameters flat in ``parameters()`` order (W row by row, b, v, c)."""
    W, b, v, c = _unpack(theta, hidden)
    z = X @ W.T + b
    a = np.tanh(z)
    out = a @ v + c
    r = out - t
    L = float(np.mean(r**2))
    dout = 2.0 * r / len(t)
    dz = np.outer(dout, v) * (1.0 - a**2)
    grad = np.concatenate([(dz.T @ X).ravel(), dz.sum(axis=0), a.T @ dout, [dout.sum()]])
    return L, grad


def _judge_train(got, cases):
    got = items(got, len(cases), "one result per run")
    for case, res in zip(cases, got, strict=True):
        if isinstance(res, Raised) and case["engine"] == "yours" and res.type != "NotImplementedError":
            what = f"failed: {res.describe()}" if res.where else f"raised {res.describe()}"
            fail(f"with your engine, training {what}; train is right on the reference engine, so look at "
                 "tasks 6.1-6.6")
        if isinstance(res, Raised):
            number(res, "train")
        if not isinstance(res, dict) or "losses" not in res:
            what = res.get("type") if isinstance(res, dict) else f"{res!r:.60}"
            fail(f"train should return the list of losses, got {what}")
        hidden, steps, lr = case["hidden"], case["steps"], case["lr"]
        X, t = np.asarray(case["X"]), np.asarray(case["t"])
        n_params = 4 * hidden + 1
        before = np.asarray(items(res["before"], n_params, "the parameters"), dtype=float)
        after = np.asarray(items(res["after"], n_params, "the parameters"), dtype=float)
        losses = res["losses"]
        if len(losses) != steps:
            fail(f"train(..., steps={steps}, ...) should return {steps} losses, one per step; "
                 f"got {len(losses)}")
        losses = np.asarray([number(v, "a loss") for v in losses])
        L0, grad0 = mlp_loss_and_grad(before, X, t, hidden)
        if case["engine"] == "reference":
            if res.get("backward_calls") != steps:
                fail(f"train(..., steps={steps}, ...) called backward {res.get('backward_calls')} times: "
                     "call L.backward() once per step, so that the engine computes the gradients")
            still = int(np.sum(after == before))
            if 0 < still < n_params:
                fail(f"{still} of the {n_params} parameters never moved: update every p in "
                     "model.parameters()")
            if not math.isclose(losses[0], L0, rel_tol=1e-6):
                if math.isclose(losses[0], L0 * len(t), rel_tol=1e-6):
                    fail("the losses are sums of squared errors; L is their mean, (1/n) Σ_k")
                L_after = mlp_loss_and_grad(after, X, t, hidden)[0]
                if steps == 1 and math.isclose(losses[0], L_after, rel_tol=1e-6):
                    fail("losses[0] is the loss after the update; record L.data before moving the parameters")
                fail(f"losses[0] should be the loss of the untrained network, {L0:.6g}; got {losses[0]:.6g}")
            theta, ref_losses = before.copy(), []
            for _ in range(steps):
                L, grad = mlp_loss_and_grad(theta, X, t, hidden)
                ref_losses.append(L)
                theta = theta - lr * grad
            one = f"after {steps} step{'s' if steps > 1 else ''} of size lr = {lr:g}"
            diagnose(after, theta, [
                (before + lr * grad0, "the parameters moved uphill: gradient descent subtracts, "
                                      "p.data -= lr * p.grad"),
                (before - grad0, "the step ignores lr: p.data -= lr * p.grad"),
                (before - lr * len(t) * grad0, "the step is n times too large: L is the mean over the "
                                               "samples, (1/n) Σ_k"),
                (before, "no parameter moved"),
            ], f"the parameters {one}", rtol=1e-5, atol=1e-8)
            diagnose(losses, ref_losses, [], f"the losses {one}", rtol=1e-5, atol=1e-9)
        else:
            moved = after != before
            if not moved.all():
                fail(f"with your engine, {int((~moved).sum())} of the {n_params} parameters never moved in "
                     f"{steps} steps: update every p in model.parameters() (and check tasks 6.1-6.6)")
            L1 = mlp_loss_and_grad(after, X, t, hidden)[0]
            if not L1 < 0.9 * L0:
                fail(f"with your engine the loss went from {L0:.4g} to {L1:.4g} in {steps} steps of "
                     f"lr = {lr:g}; "
                     "it should fall. train is right on the reference engine, so look at tasks 6.1-6.6")
            return f" (loss {L0:.3f} -> {L1:.3f} with your engine)"
    return None


EXERCISE = Exercise("ex06_autograd_engine", tasks=(
    Task("ex06-add-test", "6.1", "addition", _probe_binary("+"),
         _judge_binary("+", lambda x, y: x + y, _add_mistakes)),
    Task("ex06-mul-test", "6.2", "multiplication", _probe_binary("*"),
         _judge_binary("*", lambda x, y: x * y, _mul_mistakes)),
    Task("ex06-pow-exp-test", "6.3", "power by a constant, and exp", _probe_pow_exp, _judge_pow_exp),
    Task("ex06-activations-test", "6.4", "tanh, sigmoid and relu", _probe_activations, _judge_activations),
    Task("ex06-topo-test", "6.5", "topological order", _probe_topo, _judge_topo),
    Task("ex06-backward-test", "6.6", "backward", _probe_backward, _judge_backward),
    Task("ex06-train-test", "6.7", "training an MLP with your engine", _probe_train, _judge_train),
))
