"""Checks for exercise 2, backpropagation as dynamic programming on a graph given as data
(after lecture 02)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ._task import Task, numgrad, using

_OPS = {"input", "add", "mul", "sin", "cos"}


EXAMPLE = {
    "a": ("input", ()), "b": ("input", ()),
    "c": ("mul", ("a", "b")), "d": ("sin", ("a",)),
    "e": ("add", ("c", "d")), "f": ("mul", ("e", "c")),
    "g": ("mul", ("f", "f")),
}


def diamond_chain(n: int) -> dict:
    """u0 → (sin, cos) → add → u1 → … → u_n: n diamonds, 2**n paths from u0 to u_n, 4n edges."""
    graph: dict[str, tuple[str, tuple[str, ...]]] = {"u0": ("input", ())}
    for k in range(n):
        graph[f"s{k}"] = ("sin", (f"u{k}",))
        graph[f"c{k}"] = ("cos", (f"u{k}",))
        graph[f"u{k + 1}"] = ("add", (f"s{k}", f"c{k}"))
    return graph


def order_of(graph: dict) -> list[str]:
    """A topological order, by depth-first search with an explicit stack (no recursion limit)."""
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
    """Every node's value, given the inputs' values."""
    vals: dict[str, float] = {}
    for n in order_of(graph):
        op, parents = graph[n]
        a = [vals[p] for p in parents]
        vals[n] = {"input": lambda: float(inputs[n]), "add": lambda: float(math.fsum(a)),  # noqa: B023
                   "mul": lambda: a[0] * a[1], "sin": lambda: math.sin(a[0]),  # noqa: B023
                   "cos": lambda: math.cos(a[0])}[op]()  # noqa: B023
    return vals


def local(op: str, a: list[float]) -> tuple[float, ...]:
    """∂node/∂parent for each parent of a node doing ``op`` on the parents' values ``a``."""
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


def order_problem(order, graph: dict) -> str | None:
    """What is wrong with ``order`` as a topological order of ``graph``, or None."""
    if not isinstance(order, list) or sorted(map(str, order)) != sorted(graph):
        return f"should return a list holding every node exactly once, got {str(order)[:120]}"
    pos = {n: k for k, n in enumerate(order)}
    bad = [(p, n) for n in graph for p in graph[n][1] if pos[p] > pos[n]]
    if bad and all(pos[p] > pos[n] for n in graph for p in graph[n][1]):
        return ("your order is reversed: parents must come *before* their children "
                "(reverse it for the backward pass, not here)")
    if bad:
        p, n = bad[0]
        return f"'{p}' comes after '{n}', but '{n}' is computed from '{p}'"
    return None


def local_mistakes(n: str, op: str, parents: tuple, a: list[float]) -> list[tuple[tuple[float, ...], str]]:
    """The local gradients a classic slip gives for node ``n``, each with what to tell the student."""
    mistakes: list[tuple[tuple[float, ...], str]] = []
    if op == "mul":
        mistakes.append(((a[0], a[1]), f"node '{n}' = {parents[0]}·{parents[1]}: "
                                       "each parent's local gradient is the *other* parent "
                                       "(∂(a·b)/∂a = b); yours are swapped"))
    if op == "sin":
        mistakes.append(((math.sin(a[0]),), f"node '{n}' = sin: its derivative is cos, not sin"))
    if op == "cos":
        mistakes.append(((math.sin(a[0]),), f"node '{n}' = cos: d cos(a)/da = −sin(a); "
                                            "you lost the minus"))
    if op == "add":
        mistakes.append((tuple(a), f"node '{n}' = add: every parent's local gradient is 1, "
                                   "not its value"))
    return mistakes


def backprop_mistakes(graph: dict, vals: dict, output: str,
                      names: list[str]) -> list[tuple[list[float], str]]:
    """The input gradients of the classic backprop slips, each with what to tell the student."""
    wrong_eq = backprop(graph, vals, output, accumulate=False)
    wrong_dir = backprop(graph, vals, output, reverse=False)
    return [
        ([wrong_eq[n] for n in names], "you used = instead of += : "
                                       "a node that feeds several others (a fork) must *add* "
                                       "the gradients coming back along each use"),
        ([wrong_dir[n] for n in names], "you walked the graph in forward order: "
                                        "backprop must visit nodes in *reverse* topological order, "
                                        "so a node's gradient is complete before it is passed on"),
        ([0.0] * len(names), "every gradient is 0: start with grads[output] = 1 (∂out/∂out = 1)"),
    ]


def backprop_mults_problem(n_m: float, graph: dict) -> str | None:
    """Backprop does one multiplication per edge; anything else is named."""
    edges = sum(len(p) for _, p in graph.values())
    if n_m != edges:
        return (f"n_mults = {n_m:g}, but backprop does one multiplication (local × upstream) "
                f"per edge of the graph, and this graph has {edges} edges")
    return None


def path_mults_problem(n_m: float, graph: dict, node: str, output: str) -> str | None:
    """Summing over paths takes k − 1 multiplications per path of k edges (lecture 02)."""
    n_paths, total_edges = path_counts(graph, node, output)
    if n_m == total_edges:
        return (f"n_mults = {n_m:g} for node '{node}' counts one multiplication per edge. "
                "Lecture 02 counts k − 1 for a path of k edges (a product of k numbers takes k − 1 "
                f"multiplications), so here {total_edges} edges on {n_paths} paths make "
                f"{total_edges - n_paths}")
    if n_m != total_edges - n_paths:
        return (f"n_mults = {n_m:g} for node '{node}': "
                f"there are {n_paths} paths to '{output}' with {total_edges} edges in all, "
                "and a path of k edges takes k − 1 multiplications")
    return None


def formula_problem(n: int, got: float) -> str | None:
    """``path_mults(n)`` on a chain of n diamonds, judged with the likely wrong counts named."""
    n_paths, edges = path_counts(diamond_chain(n), "u0", f"u{n}")
    exp = edges - n_paths  # k − 1 multiplications for a path of k edges (lecture 02)
    if got == exp:
        return None
    hint = ""
    if got == 2**n:
        hint = " (that is the number of paths; each has 2n edges, so 2n − 1 multiplications)"
    elif got == edges:
        hint = (" (that counts one multiplication per edge; a path of k edges takes k − 1, "
                "lecture 02's convention)")
    elif got == 4 * n:
        hint = " (that is backprop's cost, one multiplication per edge of the graph)"
    return f"path_mults({n}) should be {exp}, got {got:g}{hint}"


def _example_graphs() -> list[tuple[dict, dict, str]]:
    """(graph, inputs, output): a graph with forks and a repeated parent, and a diamond chain."""
    return [(EXAMPLE, {"a": 0.7, "b": -1.3}, "g"), (diamond_chain(3), {"u0": 0.4}, "u3")]


def _ref_local_gradients(graph: dict, values: dict) -> dict:
    """∂node/∂parent for every edge, by finite differences of each node's operation."""
    return {n: _local_fd(op, [values[p] for p in parents]) if op != "input" else ()
            for n, (op, parents) in graph.items()}


def check_topological_order(topological_order: Callable) -> None:
    """Task 2.1: every node comes after all of its parents."""
    t = Task("2.1", "topological order")
    for graph, _, _ in _example_graphs():
        # Shuffle the dict's order so that 'return list(graph)' is not enough.
        keys = list(graph)
        perm = np.random.default_rng(21).permutation(len(keys))
        scrambled = {keys[k]: graph[keys[k]] for k in perm}
        order = t.call(topological_order, scrambled)
        order = list(order) if isinstance(order, list | tuple) else order
        problem = order_problem(order, graph)
        if problem:
            t.fail(problem)
    # A chain deeper than Python's recursion limit: a recursive search fails here, with the cause named.
    chain = {"x0": ("input", ())} | {f"x{k + 1}": ("sin", (f"x{k}",)) for k in range(3000)}
    order = t.call(topological_order, dict(reversed(list(chain.items()))))
    if list(order) != list(chain):
        t.fail("on a chain x0 → x1 → … → x3000 your order is not x0, x1, …, x3000")
    t.ok()


def _local_fd(op: str, args: list[float]) -> tuple[float, ...]:
    f = {"add": lambda a: float(np.sum(a)), "mul": lambda a: a[0] * a[1],
         "sin": lambda a: math.sin(a[0]), "cos": lambda a: math.cos(a[0])}[op]
    return tuple(numgrad(f, np.array(args, dtype=np.float64)))


def check_local_gradients(local_gradients: Callable) -> None:
    """Task 2.2: ``local_gradients(graph, values)[n]`` = (∂n/∂parent for each parent of n)."""
    t = Task("2.2", "local gradients")
    for graph, inputs, _ in _example_graphs():
        vals = evaluate(graph, inputs)
        loc = t.call(local_gradients, graph, dict(vals))
        if not isinstance(loc, dict):
            t.fail(f"should return a dict node -> tuple of local gradients, got {type(loc).__name__}")
        for n, (op, parents) in graph.items():
            if op == "input":
                continue
            if n not in loc:
                t.fail(f"no entry for node '{n}'")
            got = loc[n]
            if not isinstance(got, tuple | list) or len(got) != len(parents):
                t.fail(f"local['{n}'] should hold {len(parents)} number(s), one per parent {parents}, "
                       f"got {got!r}")
            a = [vals[p] for p in parents]
            exp = _local_fd(op, a)
            mistakes = local_mistakes(n, op, parents, a)
            t.diagnose([t.number(f"local['{n}']", v) for v in got], exp, mistakes,
                      f"local['{n}'] ({op})")
    t.ok()


def check_backprop(backprop: Callable) -> None:
    """Task 2.3: ``backprop(graph, values, order, output)`` returns ``(grads, n_mults)``."""
    t = Task("2.3", "backprop, the dynamic programme")
    for graph, inputs, output in _example_graphs():
        vals = evaluate(graph, inputs)
        order = order_of(graph)  # ours, so that a mistake in task 2.1 does not count twice
        with using(backprop, local_gradients=_ref_local_gradients):  # your 2.2 is checked in 2.2 only
            res = t.tuple(t.call(backprop, graph, dict(vals), list(order), output), 2, "grads, n_mults")
        grads, n_mults = res
        if not isinstance(grads, dict):
            t.fail(f"grads should be a dict node -> ∂output/∂node, got {type(grads).__name__}")
        names = [n for n in graph if graph[n][0] == "input"]
        for n in names:
            if n not in grads:
                t.fail(f"grads has no entry for the input '{n}'")
        got = [t.number(f"grads['{n}']", grads[n]) for n in names]
        exp = numgrad(lambda a: evaluate(graph, dict(zip(names, a, strict=True)))[output],  # noqa: B023
                       np.array([inputs[n] for n in names], dtype=np.float64))
        t.diagnose(got, exp, backprop_mistakes(graph, vals, output, names),
                   f"∂{output}/∂(inputs {names})", rtol=1e-5, atol=1e-7)
        problem = backprop_mults_problem(t.number("n_mults", n_mults), graph)
        if problem:
            t.fail(problem)
    t.ok()


def check_path_sum(path_sum: Callable) -> None:
    """Task 2.4: ``path_sum(graph, values, output, node)`` returns ``(gradient, n_mults)``."""
    t = Task("2.4", "sum over paths")
    for graph, inputs, output in _example_graphs():
        vals = evaluate(graph, inputs)
        names = [n for n in graph if graph[n][0] == "input"]
        exp = numgrad(lambda a: evaluate(graph, dict(zip(names, a, strict=True)))[output],  # noqa: B023
                       np.array([inputs[n] for n in names], dtype=np.float64))
        for n, e in zip(names, exp, strict=True):
            with using(path_sum, local_gradients=_ref_local_gradients):
                res = t.tuple(t.call(path_sum, graph, dict(vals), output, n), 2, "grad, n_mults")
            got = t.number("grad", res[0])
            t.diagnose(got, e, [], f"∂{output}/∂{n}", rtol=1e-5, atol=1e-7)
            problem = path_mults_problem(t.number("n_mults", res[1]), graph, n, output)
            if problem:
                t.fail(problem)
    t.ok()


def check_path_count_formula(path_mults: Callable) -> None:
    """Task 2.5: ``path_mults(n)``: multiplications of path enumeration on a chain of n diamonds."""
    t = Task("2.5", "the cost of enumerating paths")
    for n in [1, 2, 3, 5, 8, 20]:
        problem = formula_problem(n, t.number(f"path_mults({n})", t.call(path_mults, n)))
        if problem:
            t.fail(problem)
    t.ok()
