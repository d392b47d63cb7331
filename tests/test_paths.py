"""Sum over paths vs the DP, against hand computation, Jacobian products and Value.backward.

Closed forms are derived here, independently of bpcourse.paths:
- layered graph of widths n0..nL, one fixed input node and one fixed output node: a path picks one
  node in each inner layer, so there are n1·n2·…·n_{L−1} paths; each has L edges, i.e. L − 1
  multiplications; the DP multiplies once per edge: Σ n_i n_{i+1}.
- over all input/output pairs the paths number n0·n1·…·nL.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpcourse.gates import Value
from bpcourse.paths import (
    Graph,
    TooManyPathsError,
    backprop_deltas,
    count_paths,
    delta_table,
    layered_graph,
    sum_over_paths,
)


def test_diamond_by_hand():
    # a -> b (2), a -> c (3), b -> d (5), c -> d (7): ∂d/∂a = 2·5 + 3·7 = 31 over 2 paths.
    g = Graph(4, [(0, 1, 2.0), (0, 2, 3.0), (1, 3, 5.0), (2, 3, 7.0)], names=["a", "b", "c", "d"])
    naive = sum_over_paths(g, 0, 3)
    assert (naive.value, naive.paths, naive.mults) == (31.0, 2, 2)
    dp = backprop_deltas(g, 3)
    assert dp.delta == [31.0, 5.0, 7.0, 1.0]
    assert dp.mults == 4


def test_parallel_edges_are_two_paths():
    # b = a + a: two edges a -> b with local derivative 1; c = b + b likewise; ∂c/∂a = 4.
    g = Graph(3, [(0, 1, 1.0), (0, 1, 1.0), (1, 2, 1.0), (1, 2, 1.0)])
    assert count_paths(g, 0, 2) == 4
    assert sum_over_paths(g, 0, 2).value == 4.0
    assert backprop_deltas(g, 2).delta[0] == 4.0


def jacobian_product(g: Graph, widths: list[int]) -> np.ndarray:
    """∂last layer/∂first layer as the product of the layer-to-layer Jacobians (matrix chain rule)."""
    layers = g.layers
    total = np.eye(widths[0])
    for i in range(len(widths) - 1):
        J = np.zeros((widths[i + 1], widths[i]))
        pos_here = {u: k for k, u in enumerate(layers[i])}
        pos_there = {v: k for k, v in enumerate(layers[i + 1])}
        for u, v, local in g.edges:
            if u in pos_here and v in pos_there:
                J[pos_there[v], pos_here[u]] += local
        total = J @ total
    return total


widths_strategy = st.lists(st.integers(1, 4), min_size=2, max_size=6)


@settings(max_examples=60, deadline=None)
@given(widths=widths_strategy, seed=st.integers(0, 2**16))
def test_layered_naive_dp_and_jacobians_agree(widths, seed):
    g = layered_graph(widths, seed=seed)
    J = jacobian_product(g, widths)
    L = len(widths) - 1
    inner = math.prod(widths[1:-1])
    n_edges = sum(a * b for a, b in zip(widths[:-1], widths[1:], strict=False))
    total_paths = 0
    for j, target in enumerate(g.layers[-1]):
        dp = backprop_deltas(g, target)
        for i, source in enumerate(g.layers[0]):
            naive = sum_over_paths(g, source, target)
            assert naive.paths == inner
            assert naive.mults == inner * (L - 1)
            assert naive.value == pytest.approx(J[j, i], rel=1e-9, abs=1e-12)
            assert dp.delta[source] == pytest.approx(J[j, i], rel=1e-9, abs=1e-12)
            total_paths += naive.paths
        if target == g.n_nodes - 1:  # the last node: every edge leads to it
            assert dp.mults == n_edges
    assert total_paths == math.prod(widths)


@st.composite
def random_dags(draw):
    n = draw(st.integers(2, 9))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=25))
    edges = [(min(u, v), max(u, v), draw(st.floats(-2, 2, allow_nan=False))) for u, v in pairs if u != v]
    return Graph(n, edges)


@settings(max_examples=100, deadline=None)
@given(random_dags())
def test_naive_equals_dp_on_random_graphs(g):
    target = g.n_nodes - 1
    dp = backprop_deltas(g, target)
    for source in range(g.n_nodes):
        naive = sum_over_paths(g, source, target)
        assert naive.value == pytest.approx(dp.delta[source], rel=1e-9, abs=1e-9)


def test_dp_agrees_with_value_backward():
    w0, x0, w1, x1, w2 = (Value(v, label=n) for v, n in
                          zip((2.0, -1.0, -3.0, -2.0, -3.0), ("w0", "x0", "w1", "x1", "w2"), strict=True))
    h = w0 * x0 + w1 * x1 + w2
    f = (h.sigmoid() * h + h.tanh()).exp()  # h is used three times: forks
    g, index = Graph.from_value(f)
    dp = backprop_deltas(g, index[id(f)])
    f.backward()
    for node in f.topological_order():
        assert dp.delta[index[id(node)]] == pytest.approx(node.grad, rel=1e-12)
    naive = sum_over_paths(g, index[id(w0)], index[id(f)])
    assert naive.value == pytest.approx(w0.grad, rel=1e-12)
    assert "w0" in g.names


def test_refuses_to_enumerate_too_many_paths():
    g = layered_graph([1] + [10] * 6 + [1], seed=0)  # 10**6 paths from the input to the output
    with pytest.raises(TooManyPathsError, match="1,000,000 paths"):
        sum_over_paths(g, 0, g.n_nodes - 1)
    # The DP does it anyway, with 10 + 5·100 + 10 multiplications.
    assert backprop_deltas(g, g.n_nodes - 1).mults == 520


def test_count_paths_is_exact_for_huge_counts():
    g = layered_graph([1] + [10] * 30 + [1], seed=0)
    assert count_paths(g, 0, g.n_nodes - 1) == 10**30


def test_delta_table_has_the_shape_of_the_network():
    widths = [2, 3, 4, 1]
    g = layered_graph(widths, seed=1)
    table = delta_table(g, backprop_deltas(g, g.n_nodes - 1))
    assert [t.shape for t in table] == [(2,), (3,), (4,), (1,)]
    assert table[-1][0] == 1.0
    np.testing.assert_allclose(table[0], jacobian_product(g, widths)[0], rtol=1e-12)
    with pytest.raises(ValueError, match="layered"):
        delta_table(Graph(2, [(0, 1, 1.0)]), backprop_deltas(Graph(2, [(0, 1, 1.0)]), 1))


def test_bad_graphs_are_refused():
    with pytest.raises(ValueError, match="smaller to a larger"):
        Graph(2, [(1, 0, 1.0)])
    with pytest.raises(ValueError, match="non-finite"):
        Graph(2, [(0, 1, float("nan"))])
    with pytest.raises(ValueError, match="widths"):
        layered_graph([3])
    with pytest.raises(ValueError, match="target must be a node number in 0..1"):
        backprop_deltas(Graph(2, [(0, 1, 1.0)]), 5)
