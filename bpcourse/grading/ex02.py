"""Exercise 2, backprop as dynamic programming on a graph given as data: probes and judges.

Graphs are drawn at grading time (random DAGs with forks and repeated parents, plus the
notebook's examples). Tasks 2.3 and 2.4 run with the grader's ``local_gradients`` in place of the
student's, so a mistake in task 2.2 costs only task 2.2.
"""

from __future__ import annotations

import numpy as np

from bpcourse.check.ex02 import (
    EXAMPLE,
    backprop,
    backprop_mistakes,
    backprop_mults_problem,
    diamond_chain,
    evaluate,
    formula_problem,
    local,
    local_mistakes,
    order_of,
    order_problem,
    path_mults_problem,
)
from bpcourse.grading.spec import Exercise, Probe, Raised, Task, diagnose, fail, items, number

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
    problem = order_problem(order, graph)
    if problem:
        fail(problem)


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
            mistakes = local_mistakes(n, op, parents, a)
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
        diagnose(got_g, [exp[n] for n in names], backprop_mistakes(graph, vals, output, names),
                 f"∂{output}/∂(inputs {names})", rtol=1e-9, atol=1e-12)
        problem = backprop_mults_problem(number(n_mults, "n_mults"), graph)
        if problem:
            fail(problem)


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
        problem = path_mults_problem(number(n_mults, "n_mults"), graph, node, output)
        if problem:
            fail(problem)


# ---- 2.5 the formula ---------------------------------------------------------------------------


def _probe_formula(rng):
    ns = [1, 2, 3, 5, 8, 20] + sorted(rng.choice(np.arange(4, 23), size=6, replace=False).tolist())
    return Probe("return [path_mults(n) for n in args]", [int(n) for n in ns])


def _judge_formula(got, ns):
    got = items(got, len(ns), "one value per n")
    for n, value in zip(ns, got, strict=True):
        problem = formula_problem(n, number(value, f"path_mults({n})"))
        if problem:
            fail(problem)


EXERCISE = Exercise("ex02_backprop_as_dp", tasks=(
    Task("ex02-topo-test", "2.1", "topological order", _probe_topo, _judge_topo),
    Task("ex02-local-test", "2.2", "local gradients", _probe_local, _judge_local),
    Task("ex02-backprop-test", "2.3", "backprop, the dynamic programme", _probe_backprop, _judge_backprop),
    Task("ex02-paths-test", "2.4", "sum over paths", _probe_paths, _judge_paths),
    Task("ex02-formula-test", "2.5", "the cost of enumerating paths", _probe_formula, _judge_formula),
))
