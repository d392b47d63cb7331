"""Exercise 2, backprop as dynamic programming on a graph given as data: probes and judges.

Graphs are drawn at grading time (random DAGs with forks and repeated parents, plus the
notebook's examples). Tasks 2.3 and 2.4 run with the grader's ``local_gradients`` in place of the
student's, so a mistake in task 2.2 costs only task 2.2.
"""

from __future__ import annotations

import math

import numpy as np

from bpcourse.grading.spec import Exercise, Probe, Raised, Task, diagnose, fail, items, number

EXAMPLE = {
    "a": ("input", ()), "b": ("input", ()),
    "c": ("mul", ("a", "b")), "d": ("sin", ("a",)),
    "e": ("add", ("c", "d")), "f": ("mul", ("e", "c")),
    "g": ("mul", ("f", "f")),
}

_REF_LOCAL = '''
def ref_local_gradients(graph, values):
    local = {}
    for n, (op, parents) in graph.items():
        a = [values[p] for p in parents]
        if op == "input":
            local[n] = ()
        elif op == "add":
            local[n] = tuple(1.0 for _ in parents)
        elif op == "mul":
            local[n] = (a[1], a[0])
        elif op == "sin":
            local[n] = (math.cos(a[0]),)
        elif op == "cos":
            local[n] = (-math.sin(a[0]),)
    return local

def as_graph(g):
    return {n: (op, tuple(ps)) for n, (op, ps) in g.items()}
'''


def diamond_chain(n: int) -> dict:
    graph: dict[str, tuple[str, tuple[str, ...]]] = {"u0": ("input", ())}
    for k in range(n):
        graph[f"s{k}"] = ("sin", (f"u{k}",))
        graph[f"c{k}"] = ("cos", (f"u{k}",))
        graph[f"u{k + 1}"] = ("add", (f"s{k}", f"c{k}"))
    return graph


def random_graph(rng: np.random.Generator, n_ops: int = 7) -> dict:
    """A DAG of 2-3 inputs and ``n_ops`` add/mul/sin/cos nodes; every node reaches the last one."""
    names = [f"n{k}" for k in range(3 + n_ops)]
    n_in = int(rng.integers(2, 4))
    graph: dict[str, tuple[str, tuple[str, ...]]] = {names[k]: ("input", ()) for k in range(n_in)}
    for k in range(n_in, len(names)):
        prev = names[:k]
        op = str(rng.choice(["add", "mul", "sin", "cos", "add", "mul"]))
        parents: tuple[str, ...]
        if op in ("sin", "cos"):
            parents = (prev[-1] if rng.random() < 0.5 else str(rng.choice(prev)),)
        elif op == "mul":
            parents = (prev[-1], str(rng.choice(prev)))  # may repeat a parent: x·x
        else:
            parents = (prev[-1], *rng.choice(prev, size=int(rng.integers(1, 3))).tolist())
        graph[names[k]] = (op, tuple(str(p) for p in parents))
    # Keep only what reaches the output (the last node).
    keep, stack = set(), [names[-1]]
    while stack:
        n = stack.pop()
        if n not in keep:
            keep.add(n)
            stack.extend(graph[n][1])
    return {n: graph[n] for n in names if n in keep}


def order_of(graph: dict) -> list[str]:
    order, done = [], set()
    for start in graph:
        stack = [(start, False)]
        while stack:
            n, ready = stack.pop()
            if ready:
                if n not in done:
                    done.add(n)
                    order.append(n)
                continue
            if n in done:
                continue
            stack.append((n, True))
            stack.extend((p, False) for p in graph[n][1] if p not in done)
    return order


def evaluate(graph: dict, inputs: dict) -> dict[str, float]:
    vals: dict[str, float] = {}
    for n in order_of(graph):
        op, parents = graph[n]
        a = [vals[p] for p in parents]
        vals[n] = {"input": lambda: float(inputs[n]), "add": lambda: float(math.fsum(a)),  # noqa: B023
                   "mul": lambda: a[0] * a[1], "sin": lambda: math.sin(a[0]),  # noqa: B023
                   "cos": lambda: math.cos(a[0])}[op]()  # noqa: B023
    return vals


def local(op: str, a: list[float]) -> tuple[float, ...]:
    return {"add": lambda: tuple(1.0 for _ in a), "mul": lambda: (a[1], a[0]),
            "sin": lambda: (math.cos(a[0]),), "cos": lambda: (-math.sin(a[0]),)}[op]()


def backprop(graph, vals, output, accumulate=True, reverse=True) -> dict[str, float]:
    """The reference (and, with a flag off, a classic mistake, used only to name it)."""
    order = order_of(graph)
    grads = {n: 0.0 for n in graph}
    grads[output] = 1.0
    for n in (reversed(order) if reverse else order):
        op, parents = graph[n]
        if op == "input":
            continue
        for p, lg in zip(parents, local(op, [vals[p] for p in parents]), strict=True):
            grads[p] = grads[p] + lg * grads[n] if accumulate else lg * grads[n]
    return grads


def path_counts(graph: dict, node: str, output: str) -> tuple[int, int]:
    """(paths node → output, edges summed over those paths)."""
    children: dict[str, list[str]] = {n: [] for n in graph}
    for n, (_, parents) in graph.items():
        for p in parents:
            children[p].append(n)
    count: dict[str, int] = {}
    length: dict[str, int] = {}
    for n in reversed(order_of(graph)):
        if n == output:
            count[n], length[n] = 1, 0
        else:
            count[n] = sum(count[c] for c in children[n])
            length[n] = sum(length[c] + count[c] for c in children[n])
    return count[node], length[node]


def _wire(graph: dict) -> dict:
    return {n: [op, list(ps)] for n, (op, ps) in graph.items()}


def _cases(rng, n_random=3, with_chain=True):
    cases = [(EXAMPLE, {"a": 0.7, "b": -1.3}, "g")]
    if with_chain:
        cases.append((diamond_chain(3), {"u0": 0.4}, "u3"))
    for _ in range(n_random):
        g = random_graph(rng, int(rng.integers(5, 9)))
        ins = {n: float(np.round(rng.uniform(-1.5, 1.5), 3)) for n, (op, _) in g.items() if op == "input"}
        cases.append((g, ins, list(g)[-1]))
    return cases


# ---- 2.1 topological order ---------------------------------------------------------------------


def _probe_topo(rng):
    graphs = [g for g, _, _ in _cases(rng, 4)]
    scrambled = []
    for g in graphs:
        keys = list(g)
        scrambled.append({keys[k]: g[keys[k]] for k in rng.permutation(len(keys))})
    n_long = int(rng.integers(2500, 3500))
    return Probe(_REF_LOCAL + '''
out = [topological_order(as_graph(g)) for g in args["graphs"]]
long = {"x0": ("input", ())}
for k in range(args["n_long"]):
    long[f"x{k + 1}"] = ("sin", (f"x{k}",))
long_order = catch(topological_order, dict(reversed(list(long.items()))))
return {"orders": out, "long": long_order}
''', {"graphs": [_wire(g) for g in scrambled], "n_long": n_long, "_graphs": scrambled})


def _check_order(order, graph) -> None:
    if not isinstance(order, list) or sorted(map(str, order)) != sorted(graph):
        fail(f"should return a list holding every node exactly once, got {str(order)[:120]}")
    pos = {n: k for k, n in enumerate(order)}
    bad = [(p, n) for n in graph for p in graph[n][1] if pos[p] > pos[n]]
    if bad and all(pos[p] > pos[n] for n in graph for p in graph[n][1]):
        fail("your order is reversed: parents must come *before* their children (reverse it for the "
             "backward pass, not here)")
    if bad:
        p, n = bad[0]
        fail(f"'{p}' comes after '{n}', but '{n}' is computed from '{p}'")


def _judge_topo(got, args):
    got = got if isinstance(got, dict) else {}
    orders = items(got.get("orders"), len(args["_graphs"]), "one order per graph")
    for order, graph in zip(orders, args["_graphs"], strict=True):
        _check_order(order, graph)
    long = got.get("long")
    if isinstance(long, Raised):
        if long.type == "RecursionError":
            fail(f"on a chain of {args['n_long'] + 1} nodes your function raised RecursionError: a recursive "
                 "depth-first search goes one Python call deeper per node. Use a loop with an explicit "
                 "stack (the lecture's iterative version)")
        fail(f"on a long chain: {long.describe()}")
    chain = {f"x{k}": ("input", ()) if k == 0 else ("sin", (f"x{k - 1}",)) for k in range(args["n_long"] + 1)}
    _check_order(long, chain)


# ---- 2.2 local gradients -----------------------------------------------------------------------


def _probe_local(rng):
    cases = [(g, evaluate(g, ins)) for g, ins, _ in _cases(rng, 4)]
    return Probe(_REF_LOCAL + '''
return [local_gradients(as_graph(g), dict(v)) for g, v in args["cases"]]
''', {"cases": [[_wire(g), v] for g, v in cases], "_cases": cases})


def _judge_local(got, args):
    got = items(got, len(args["_cases"]), "one result per graph")
    for res, (graph, vals) in zip(got, args["_cases"], strict=True):
        if not isinstance(res, dict):
            fail(f"should return a dict node -> tuple of local gradients, got {type(res).__name__}")
        for n, (op, parents) in graph.items():
            if op == "input":
                continue
            if n not in res:
                fail(f"no entry for node '{n}'")
            g = res[n]
            if not isinstance(g, list) or len(g) != len(parents):
                fail(f"local['{n}'] should hold {len(parents)} number(s), one per parent {parents}, got "
                     f"{str(g)[:80]}")
            a = [vals[p] for p in parents]
            mistakes = []
            if op == "mul":
                mistakes.append(((a[0], a[1]), f"node '{n}' = {parents[0]}·{parents[1]}: each parent's local "
                                               "gradient is the *other* parent (∂(a·b)/∂a = b); yours are "
                                               "swapped"))
            if op == "sin":
                mistakes.append(((math.sin(a[0]),), f"node '{n}' = sin: its derivative is cos, not sin"))
            if op == "cos":
                mistakes.append(((math.sin(a[0]),), f"node '{n}' = cos: d cos(a)/da = −sin(a); you lost the "
                                                    "minus"))
            if op == "add":
                mistakes.append((tuple(a), f"node '{n}' = add: every parent's local gradient is 1, not its "
                                           "value"))
            diagnose([number(v, f"local['{n}']") for v in g], local(op, a), mistakes, f"local['{n}'] ({op})",
                     rtol=1e-9, atol=1e-12)


# ---- 2.3 backprop ------------------------------------------------------------------------------


def _probe_backprop(rng):
    cases = []
    for g, ins, out in _cases(rng, 4) + [({"x": ("input", ()), "y": ("add", ("x", "x")),
                                            "z": ("add", ("y", "y"))}, {"x": 1.0}, "z")]:
        cases.append((g, evaluate(g, ins), order_of(g), out))
    return Probe(_REF_LOCAL + '''
out = []
with using(backprop, local_gradients=ref_local_gradients):
    for g, v, order, output in args["cases"]:
        out.append(backprop(as_graph(g), dict(v), list(order), output))
return out
''', {"cases": [[_wire(g), v, o, out] for g, v, o, out in cases], "_cases": cases})


def _judge_backprop(got, args):
    got = items(got, len(args["_cases"]), "one result per graph")
    for res, (graph, vals, _, output) in zip(got, args["_cases"], strict=True):
        grads, n_mults = items(res, 2, "grads, n_mults")
        if not isinstance(grads, dict):
            fail(f"grads should be a dict node -> ∂output/∂node, got {type(grads).__name__}")
        names = [n for n in graph if graph[n][0] == "input"]
        for n in names:
            if n not in grads:
                fail(f"grads has no entry for the input '{n}'")
        got_g = [number(grads[n], f"grads['{n}']") for n in names]
        exp = backprop(graph, vals, output)
        wrong_eq = backprop(graph, vals, output, accumulate=False)
        wrong_dir = backprop(graph, vals, output, reverse=False)
        diagnose(got_g, [exp[n] for n in names], [
            ([wrong_eq[n] for n in names], "you used = instead of += : a node that feeds several others (a "
                                           "fork) must *add* the gradients coming back along each use"),
            ([wrong_dir[n] for n in names], "you walked the graph in forward order: backprop must visit "
                                            "nodes "
                                            "in *reverse* topological order, so a node's gradient is "
                                            "complete "
                                            "before it is passed on"),
            ([0.0] * len(names), "every gradient is 0: start with grads[output] = 1 (∂out/∂out = 1)"),
        ], f"∂{output}/∂(inputs {names})", rtol=1e-9, atol=1e-12)
        edges = sum(len(p) for _, p in graph.values())
        n_m = number(n_mults, "n_mults")
        if n_m != edges:
            fail(f"n_mults = {n_m:g}, but backprop does one multiplication (local × upstream) per edge of "
                 f"the "
                 f"graph, and this graph has {edges} edges")


# ---- 2.4 sum over paths ------------------------------------------------------------------------


def _probe_paths(rng):
    cases = []
    for g, ins, out in _cases(rng, 3) + [(diamond_chain(int(rng.integers(3, 6))), {"u0": 0.3}, None)]:
        out = out or list(g)[-1]
        vals = evaluate(g, ins)
        for n in (n for n in g if g[n][0] == "input"):
            cases.append((g, vals, out, n))
    return Probe(_REF_LOCAL + '''
out = []
with using(path_sum, local_gradients=ref_local_gradients):
    for g, v, output, node in args["cases"]:
        out.append(path_sum(as_graph(g), dict(v), output, node))
return out
''', {"cases": [[_wire(g), v, o, n] for g, v, o, n in cases], "_cases": cases})


def _judge_paths(got, args):
    got = items(got, len(args["_cases"]), "one result per node")
    for res, (graph, vals, output, node) in zip(got, args["_cases"], strict=True):
        grad, n_mults = items(res, 2, "grad, n_mults")
        exp = backprop(graph, vals, output)[node]
        diagnose(number(grad, "grad"), exp, [], f"∂{output}/∂{node}", rtol=1e-9, atol=1e-12)
        n_paths, total = path_counts(graph, node, output)
        n_m = number(n_mults, "n_mults")
        if n_m == total:
            fail(f"n_mults = {n_m:g} for node '{node}' counts one multiplication per edge. Lecture 02 counts "
                 "k − 1 for a path of k edges (a product of k numbers takes k − 1 multiplications), so here "
                 f"{total} edges on {n_paths} paths make {total - n_paths}")
        if n_m != total - n_paths:
            fail(f"n_mults = {n_m:g} for node '{node}': there are {n_paths} paths to '{output}' with {total} "
                 "edges in all, and a path of k edges takes k − 1 multiplications")


# ---- 2.5 the formula ---------------------------------------------------------------------------


def _probe_formula(rng):
    ns = [1, 2, 3, 5, 8, 20] + sorted(rng.choice(np.arange(4, 23), size=6, replace=False).tolist())
    return Probe("return [path_mults(n) for n in args]", [int(n) for n in ns])


def _judge_formula(got, ns):
    got = items(got, len(ns), "one value per n")
    for n, value in zip(ns, got, strict=True):
        n_paths, edges = path_counts(diamond_chain(n), "u0", f"u{n}")
        exp = edges - n_paths  # k − 1 multiplications for a path of k edges (lecture 02)
        v = number(value, f"path_mults({n})")
        if v != exp:
            hint = ""
            if v == 2**n:
                hint = " (that is the number of paths; each has 2n edges, so 2n − 1 multiplications)"
            elif v == edges:
                hint = (" (that counts one multiplication per edge; a path of k edges takes k − 1, "
                        "lecture 02's convention)")
            elif v == 4 * n:
                hint = " (that is backprop's cost, one multiplication per edge of the graph)"
            fail(f"path_mults({n}) should be {exp}, got {v:g}{hint}")


EXERCISE = Exercise("ex02_backprop_as_dp", tasks=(
    Task("ex02-topo-test", "2.1", "topological order", _probe_topo, _judge_topo),
    Task("ex02-local-test", "2.2", "local gradients", _probe_local, _judge_local),
    Task("ex02-backprop-test", "2.3", "backprop, the dynamic programme", _probe_backprop, _judge_backprop),
    Task("ex02-paths-test", "2.4", "sum over paths", _probe_paths, _judge_paths),
    Task("ex02-formula-test", "2.5", "the cost of enumerating paths", _probe_formula, _judge_formula),
))
