"""Backpropagation is dynamic programming (动态规划) on the chain rule.

Write every edge u → v of a computational graph with its local derivative ∂v/∂u. The chain rule
(链式法则) then says that the derivative of the output with respect to a node is a **sum over
paths**: for every path from the node to the output, multiply the local derivatives along it, and
add up the products.

Two ways to compute that sum:

1. ``sum_over_paths``: enumerate every path and multiply along each one separately. On a layered,
   fully connected graph the number of paths is the product of the layer widths, so the work grows
   exponentially with depth. The function refuses (``TooManyPathsError``) rather than hang.
2. ``backprop_deltas``: the DP. Keep one number per node, δ(u) = ∂output/∂u, and fill the table from
   the output back: δ(output) = 1 and δ(u) = Σ over edges u → v of (∂v/∂u) · δ(v). Each edge is used
   once, so the work is one multiplication per edge. The δ that presentations of backprop carry
   around is exactly this table: what the DP stores, not the weight derivative one asked for.

Both count the multiplications they do, so a lecture can put the two costs side by side.
``forward_tangents`` is the mirror image of the DP (forward mode): it fills ∂v/∂source for every
node v from one input forward, where ``backprop_deltas`` fills ∂target/∂u from one output back.

    g = layered_graph([1, 3, 3, 1], seed=0)   # 1 input, two hidden layers of 3, 1 output
    naive = sum_over_paths(g, 0, g.n_nodes - 1)    # 9 paths, 2 multiplications each
    dp = backprop_deltas(g, g.n_nodes - 1)         # 3 + 9 + 3 = 15 edges, one multiplication each
    naive.value == dp.delta[0]                     # up to rounding
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from numbers import Integral

import numpy as np

from bpcourse.gates import Value
from bpcourse.validate import check_size, count, real_number

__all__ = [
    "Graph", "layered_graph", "count_paths", "PathSum", "sum_over_paths", "TooManyPathsError",
    "Deltas", "backprop_deltas", "delta_table", "Tangents", "forward_tangents", "MAX_PATHS",
    "layered_counts", "MAX_NODES", "MAX_EDGES",
]

MAX_PATHS = 200_000  # beyond this, enumerating paths one by one takes more than a few seconds
MAX_NODES = 1_000_000  # a Graph keeps a name and an edge list per node: beyond this, memory and time
MAX_EDGES = 100_000  # layered_graph refuses more edges than this (seconds to build, 10 MB of tuples)


@dataclass
class Graph:
    """A computational graph as plain data.

    ``n_nodes``: nodes are numbered 0 … n_nodes − 1 in a topological order (every edge goes from a
    smaller number to a larger one).
    ``edges``: list of ``(u, v, local)`` with ``local`` = ∂v/∂u. The same pair may appear twice (a
    node used twice by one operation, as in ``b = a + a``); each copy is its own path.
    ``names``: one string per node (for tables and plots).
    ``layers``: for layered graphs, the node numbers of each layer (input layer first), else None.
    """

    n_nodes: int
    edges: list[tuple[int, int, float]]
    names: list[str] = field(default_factory=list)
    layers: list[list[int]] | None = None

    def __post_init__(self) -> None:
        self.n_nodes = count(self.n_nodes, "Graph n_nodes", maximum=MAX_NODES)
        if not self.names:
            self.names = [str(i) for i in range(self.n_nodes)]
        if len(self.names) != self.n_nodes:
            raise ValueError(f"Graph expected {self.n_nodes} names, got {len(self.names)}")
        for k, edge in enumerate(self.edges):
            if not (isinstance(edge, tuple | list) and len(edge) == 3):
                raise ValueError(f"Graph expected each edge as (u, v, local) with local = ∂v/∂u; "
                                 f"edge {k} is {edge!r}")
            u, v, local = edge
            if any(isinstance(n, bool) or not isinstance(n, Integral) for n in (u, v)):
                raise ValueError(f"Graph edge {k}: node numbers must be integers, got ({u!r}, {v!r})")
            if not (0 <= u < v < self.n_nodes):
                raise ValueError(
                    f"Graph edge ({u}, {v}) must go from a smaller to a larger node number, both in "
                    f"0..{self.n_nodes - 1} (nodes are numbered in topological order)"
                )
            if not math.isfinite(real_number(local, f"Graph edge ({u}, {v}) local", finite=False)):
                raise ValueError(f"Graph edge ({u}, {v}) has a non-finite local derivative {local!r}")

    def out_edges(self) -> list[list[tuple[int, float]]]:
        """For each node u, the list of (v, ∂v/∂u) over its outgoing edges."""
        out: list[list[tuple[int, float]]] = [[] for _ in range(self.n_nodes)]
        for u, v, local in self.edges:
            out[u].append((v, local))
        return out

    @classmethod
    def from_value(cls, f: Value) -> tuple[Graph, dict[int, int]]:
        """The graph that produced the Value ``f``, with the local derivatives its forward pass kept.

        Returns ``(graph, index)`` where ``index[id(node)]`` is the node's number; ``f`` is the last
        node. Names are the Values' labels, or their operation (``+``, ``*``, ``exp`` …).
        """
        order = f.topological_order()
        index = {id(node): i for i, node in enumerate(order)}
        edges = [
            (index[id(parent)], index[id(node)], local)
            for node in order
            for parent, local in zip(node.parents, node.local_grads, strict=True)
        ]
        names = [node.label or node.op or f"{node.data:g}" for node in order]
        return cls(len(order), edges, names), index


def layered_graph(widths: list[int], seed: int = 0, max_edges: int = MAX_EDGES) -> Graph:
    """A layered, fully connected graph with seeded random local derivatives.

    ``widths`` = [n₀, n₁, …, n_L]: layer i has n_i nodes and every node of layer i has an edge to
    every node of layer i + 1, with a local derivative drawn uniformly from (−1, 1) by
    ``np.random.default_rng(seed)``. Nodes are numbered layer by layer. There are n₀·n₁·…·n_L paths
    from the first layer to the last, and n₀n₁ + n₁n₂ + … + n_{L−1}n_L edges; more than
    ``max_edges`` are refused up front.
    """
    if not isinstance(widths, list | tuple) or len(widths) < 2 or any(
        isinstance(n, bool) or not isinstance(n, Integral) or n < 1 for n in widths
    ):
        raise ValueError(
            f"layered_graph expected a list of at least 2 positive integer widths, got {widths!r}"
        )
    n_edges = sum(a * b for a, b in zip(widths[:-1], widths[1:], strict=True))
    check_size(n_edges, count(max_edges, "layered_graph max_edges"),
               f"layered_graph({list(widths)}) would have edges", "max_edges")
    rng = np.random.default_rng(seed)
    layers, start = [], 0
    for n in widths:
        layers.append(list(range(start, start + n)))
        start += n
    locals_ = iter(rng.uniform(-1.0, 1.0, size=n_edges).tolist())  # one draw per edge, in order
    edges = [
        (u, v, next(locals_))
        for here, there in zip(layers[:-1], layers[1:], strict=False)
        for u in here
        for v in there
    ]
    names = [f"L{i}.{k}" for i, layer in enumerate(layers) for k in range(len(layer))]
    return Graph(start, edges, names, layers)


def layered_counts(width: int, depth: int) -> dict[str, int]:
    """What ∂output/∂input costs on ``layered_graph([1] + [width] * depth + [1])``, without building it.

    ``paths``: a path picks one node in each hidden layer, so there are width**depth of them.
    ``naive_mults``: a product of the depth + 1 local derivatives along each path, taken path by
    path, costs depth multiplications per path.
    ``dp_mults``: backprop (the DP) multiplies once per edge: 2·width + (depth − 1)·width².
    Exact Python integers, however large.
    """
    width = count(width, "layered_counts width")
    depth = count(depth, "layered_counts depth", maximum=10_000)  # keeps width**depth a few KB
    paths = width**depth
    return {"paths": paths, "naive_mults": paths * depth, "dp_mults": 2 * width + (depth - 1) * width * width}


def _check_node(graph: Graph, node: int, name: str) -> None:
    if not isinstance(graph, Graph):
        raise TypeError(f"expected graph to be a paths.Graph, got {graph!r}")
    if isinstance(node, bool) or not isinstance(node, Integral) or not 0 <= node < graph.n_nodes:
        raise ValueError(f"{name} must be a node number in 0..{graph.n_nodes - 1}, got {node!r}")


def count_paths(graph: Graph, source: int, target: int) -> int:
    """How many paths lead from ``source`` to ``target`` (exact, as a Python int).

    Counted with the same DP as the derivative (paths to target from v, summed over u's edges),
    so it costs one addition per edge however many paths there are.
    """
    _check_node(graph, source, "source")
    _check_node(graph, target, "target")
    if target < source:
        raise ValueError(
            f"count_paths: target {target} comes before source {source} in the topological order, so no "
            "path leads from source to target (derivatives flow from the output back: did you swap them?)"
        )
    paths = [0] * graph.n_nodes
    paths[target] = 1
    out = graph.out_edges()
    for u in range(target - 1, source - 1, -1):
        paths[u] = sum(paths[v] for v, _ in out[u])
    return paths[source]


class TooManyPathsError(ValueError):
    """Raised by ``sum_over_paths`` instead of enumerating an astronomical number of paths."""


@dataclass(frozen=True)
class PathSum:
    """Result of ``sum_over_paths``: ∂target/∂source, the number of paths, the multiplications done."""

    value: float
    paths: int
    mults: int


def sum_over_paths(graph: Graph, source: int, target: int, max_paths: int = MAX_PATHS) -> PathSum:
    """∂target/∂source by enumerating every path and multiplying along each one separately.

    A path of k edges costs k − 1 multiplications (the product of k local derivatives), and the
    paths are added up. Nothing is shared between paths: that is what makes it naive.
    Refuses with ``TooManyPathsError`` when there are more than ``max_paths`` paths.
    """
    max_paths = count(max_paths, "sum_over_paths max_paths", minimum=0)
    n_paths = count_paths(graph, source, target)
    if n_paths > max_paths:
        raise TooManyPathsError(
            f"sum_over_paths: there are {n_paths:,} paths from node {source} to node {target}, more "
            f"than max_paths={max_paths:,}; enumerating them one by one would take too long. Use "
            "backprop_deltas (the DP), or pass a larger max_paths if you really mean it."
        )
    out = graph.out_edges()
    total, mults = 0.0, 0
    # Depth-first search with an explicit stack of (node, local derivatives along the path so far).
    stack: list[tuple[int, tuple[float, ...]]] = [(source, ())]
    while stack:
        node, locals_ = stack.pop()
        if node == target:
            if not locals_:  # source == target: the empty path, ∂x/∂x = 1
                total += 1.0
                continue
            product = locals_[0]
            for local in locals_[1:]:
                product *= local
                mults += 1
            total += product
            continue
        for v, local in out[node]:
            if v <= target:  # numbers are topological: beyond target no path comes back
                stack.append((v, locals_ + (local,)))
    return PathSum(value=total, paths=n_paths, mults=mults)


@dataclass(frozen=True)
class Deltas:
    """Result of ``backprop_deltas``: ``delta[u]`` = ∂target/∂u for every node u, and the number
    of multiplications (one per edge that was used)."""

    delta: list[float]
    mults: int


def backprop_deltas(graph: Graph, target: int) -> Deltas:
    """Fill the table δ(u) = ∂target/∂u from the target back to the first node (the DP).

    δ(target) = 1; for u = target − 1 down to 0: δ(u) = Σ over edges u → v of (∂v/∂u) · δ(v).
    Because nodes are numbered topologically, every δ(v) on the right is final when it is used.
    Nodes after ``target`` do not influence it: their δ is 0 and their edges are skipped.
    """
    _check_node(graph, target, "target")
    delta = [0.0] * graph.n_nodes
    delta[target] = 1.0
    out = graph.out_edges()
    mults = 0
    for u in range(target - 1, -1, -1):
        total = 0.0
        for v, local in out[u]:
            if v <= target:
                total += local * delta[v]
                mults += 1
        delta[u] = total
    return Deltas(delta=delta, mults=mults)


@dataclass(frozen=True)
class Tangents:
    """Result of ``forward_tangents``: ``tangent[v]`` = ∂v/∂source for every node v, and the number
    of multiplications (one per edge that was used)."""

    tangent: list[float]
    mults: int


def forward_tangents(graph: Graph, source: int) -> Tangents:
    """Forward mode: fill the tangents ∂v/∂source from the source forward (backprop_deltas mirrored).

    tangent(source) = 1; for v = source + 1 up to the last node: tangent(v) = Σ over edges u → v of
    (∂v/∂u) · tangent(u). Nodes before ``source`` cannot depend on it: their tangent is 0 and their
    edges are skipped. One pass gives the derivative of every node with respect to ONE input;
    ``backprop_deltas`` gives the derivative of ONE output with respect to every node.
    """
    _check_node(graph, source, "source")
    tangent = [0.0] * graph.n_nodes
    tangent[source] = 1.0
    into: list[list[tuple[int, float]]] = [[] for _ in range(graph.n_nodes)]
    for u, v, local in graph.edges:
        into[v].append((u, local))
    mults = 0
    for v in range(source + 1, graph.n_nodes):
        total = 0.0
        for u, local in into[v]:
            if u >= source:
                total += local * tangent[u]
                mults += 1
        tangent[v] = total
    return Tangents(tangent=tangent, mults=mults)


def delta_table(graph: Graph, deltas: Deltas) -> list[np.ndarray]:
    """The δ table shaped like the network: one array per layer (``graph.layers`` must be set)."""
    if graph.layers is None:
        raise ValueError("delta_table needs a layered graph (graph.layers is None); see layered_graph")
    if not isinstance(deltas, Deltas) or len(deltas.delta) != graph.n_nodes:
        got = f"deltas for {len(deltas.delta)} nodes" if isinstance(deltas, Deltas) else repr(deltas)
        raise ValueError(f"delta_table expected the Deltas of this graph ({graph.n_nodes} nodes), got {got}: "
                         "were they computed on another graph?")
    return [np.array([deltas.delta[u] for u in layer]) for layer in graph.layers]
