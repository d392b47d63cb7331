"""Every number the prose of lectures 00-05 quotes, checked with the library code the lecture uses.

The lecture cells keep only the asserts that teach ("the two numbers agree"); the regression checks
live here, each citing the notebook and section whose prose makes the claim. Where a claim has an
independent source (calculus by hand, a formula, finite differences, a published figure) the test
compares against that source, not against the library's own output.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from bpcourse.gates import Value, count_ops
from bpcourse.gradcheck import numerical_gradient, rel_error
from bpcourse.paths import (
    Graph,
    TooManyPathsError,
    backprop_deltas,
    count_paths,
    delta_table,
    forward_tangents,
    layered_graph,
    sum_over_paths,
)
from bpcourse.zhou import ZhouNet, e_hidden, g_output

# ---------------------------------------------------------------------------------------------
# 02_backprop_is_dynamic_programming


def _f_uv():
    x = Value(1.0, label="x")
    u = x * 3.0
    v = x + 2.0
    f = u * v
    return x, f


def test_02_s1_sum_over_paths_of_f_uv_is_12_with_2_paths_and_2_mults():
    """02 §1: f = 3x·(x + 2) at x = 1: df/dx = 6x + 6 = 12 (calculus); 2 paths of 2 edges, counted as
    k − 1 = 1 multiplication each; the DP does one multiplication per edge, 4."""
    x, f = _f_uv()
    graph, index = Graph.from_value(f)
    naive = sum_over_paths(graph, index[id(x)], index[id(f)])
    assert (naive.value, naive.paths, naive.mults) == (12.0, 2, 2)
    dp = backprop_deltas(graph, index[id(f)])
    assert dp.delta[index[id(x)]] == 6 * 1.0 + 6
    assert dp.mults == len(graph.edges) == 4


@pytest.mark.parametrize("d", range(1, 10))
def test_02_s3_layered_counts_follow_the_formulas(d):
    """02 §3: width-3 layered graph, depth d: 3^d paths, d·3^d naive multiplications, 6 + 9(d − 1) DP
    multiplications, and both give the same derivative."""
    g = layered_graph([1] + [3] * d + [1], seed=d)
    naive = sum_over_paths(g, 0, g.n_nodes - 1)
    dp = backprop_deltas(g, g.n_nodes - 1)
    assert naive.paths == 3**d and naive.mults == d * 3**d
    assert dp.mults == 6 + 9 * (d - 1)
    assert math.isclose(naive.value, dp.delta[0], rel_tol=1e-12, abs_tol=1e-12)


def test_02_s3_depth_20_and_depth_12_numbers():
    """02 §3: at depth 20 about 7·10¹⁰ naive multiplications against 177; at depth 12, 531,441 paths,
    sum_over_paths refuses, the DP does 105 multiplications (3 + 9·11 + 3)."""
    assert round(20 * 3**20 / 1e10) == 7 and 6 + 9 * 19 == 177
    g12 = layered_graph([1] + [3] * 12 + [1], seed=0)
    assert count_paths(g12, 0, g12.n_nodes - 1) == 531_441
    with pytest.raises(TooManyPathsError, match="531,441"):
        sum_over_paths(g12, 0, g12.n_nodes - 1)
    assert backprop_deltas(g12, g12.n_nodes - 1).mults == 3 + 9 * 11 + 3 == 105


def test_02_s4_delta_table_is_shaped_like_the_network():
    """02 §4: one δ per node, layer by layer, 1 at the output; δ of the inputs = product of the
    layers' local-derivative matrices (the chain rule for vectors)."""
    widths = [3, 4, 4, 2, 1]
    g = layered_graph(widths, seed=2)
    table = delta_table(g, backprop_deltas(g, g.n_nodes - 1))
    assert [len(c) for c in table] == widths and table[-1][0] == 1.0
    for i in range(3):
        naive = sum_over_paths(g, g.layers[0][i], g.n_nodes - 1)
        assert math.isclose(naive.value, table[0][i], rel_tol=1e-12, abs_tol=1e-15)


def _zhou_as_values(net, x_k, y_k):
    d, q, l = net.d, net.q, net.l
    v = [[Value(net.v[i, h]) for h in range(q)] for i in range(d)]
    gamma = [Value(net.gamma[h]) for h in range(q)]
    w = [[Value(net.w[h, j]) for j in range(l)] for h in range(q)]
    theta = [Value(net.theta[j]) for j in range(l)]
    alpha = [Value.dot([v[i][h] for i in range(d)], list(x_k)) for h in range(q)]
    b = [(alpha[h] - gamma[h]).sigmoid() for h in range(q)]
    beta = [Value.dot([w[h][j] for h in range(q)], b) for j in range(l)]
    y_hat = [(beta[j] - theta[j]).sigmoid() for j in range(l)]
    E_k = 0.5 * sum((y_hat[j] - y_k[j]) ** 2 for j in range(l))
    E_k.backward()
    return dict(v=v, gamma=gamma, w=w, theta=theta, alpha=alpha, b=b, beta=beta, E=E_k)


def test_02_s4_weight_gradient_is_delta_times_input_and_zhou_g_e_are_minus_delta():
    """02 §4 (Yang's point and the bridging table): ∂E/∂w_hj = δ(β_j)·b_h, ∂E/∂v_ih = δ(α_h)·x_i,
    g_j = −∂E_k/∂β_j, e_h = −∂E_k/∂α_h; the weight gradients also agree with finite differences of
    ZhouNet.error, which shares no code with Value."""
    net = ZhouNet(2, 3, 2, seed=0)
    x_k, y_k = np.array([0.697, 0.460]), np.array([1.0, 0.0])
    n = _zhou_as_values(net, x_k, y_k)
    fp = net.forward_all(x_k)
    g = g_output(fp.y_hat, y_k)
    e = e_hidden(fp.b, net.w, g)
    assert np.allclose([node.grad for node in n["beta"]], -g, rtol=1e-12)
    assert np.allclose([node.grad for node in n["alpha"]], -e, rtol=1e-12)
    dw = np.array([[n["w"][h][j].grad for j in range(2)] for h in range(3)])
    dv = np.array([[n["v"][i][h].grad for h in range(3)] for i in range(2)])
    assert np.allclose(dw, np.outer(fp.b, -g), rtol=1e-12)
    assert np.allclose(dv, np.outer(x_k, -e), rtol=1e-12)
    for name, got in (("w", dw), ("v", dv)):
        numeric = numerical_gradient(lambda _p: net.error(x_k, y_k), getattr(net, name))
        assert rel_error(got, numeric) < 1e-8, name


def test_02_s5_forward_and_reverse_mode_costs_are_mirror_images():
    """02 §5: same 1,110 edges; 100 inputs → 1 output: forward mode 61,500 multiplications in 100
    passes, reverse 1,110 in one; 1 input → 100 outputs: the other way round. Counts by hand:
    Σ_s (10·(100 − s) + 110) = 61,500."""
    many_in = layered_graph([100, 10, 10, 1], seed=0)
    assert len(many_in.edges) == 1_110
    out = many_in.n_nodes - 1
    assert backprop_deltas(many_in, out).mults == 1_110
    assert sum(forward_tangents(many_in, s).mults for s in range(100)) == 61_500
    assert sum(10 * (100 - s) + 110 for s in range(100)) == 61_500
    many_out = layered_graph([1, 10, 10, 100], seed=0)
    outs = range(many_out.n_nodes - 100, many_out.n_nodes)
    assert forward_tangents(many_out, 0).mults == 1_110
    assert sum(backprop_deltas(many_out, o).mults for o in outs) == 61_500


def test_02_s5_a_pass_that_skips_zero_tangents_still_loses_to_reverse_mode():
    """02 §5: a forward pass that also skips the edges out of nodes whose tangent is 0 uses only the
    edges reachable from its input: 10 + 100 + 10 = 120 a pass, 12,000 for the 100 inputs, more than
    ten times reverse mode's 1,110. Counted on the graph's edges, not by forward_tangents."""
    g = layered_graph([100, 10, 10, 1], seed=0)
    per_pass = []
    for s in range(100):
        reached, used = {s}, 0
        for a, b, _local in sorted(g.edges):  # sources in topological order
            if a in reached:
                reached.add(b)
                used += 1
        per_pass.append(used)
    assert set(per_pass) == {10 + 100 + 10} and sum(per_pass) == 12_000 > 10 * 1_110


@pytest.mark.parametrize("seed", range(5))
def test_02_s5_forward_mode_agrees_with_the_sum_over_paths(seed):
    """02 §5: the tangent pass computes the same sum over paths, split by the last edge."""
    g = layered_graph([3, 4, 3, 2], seed=seed)
    for s in g.layers[0]:
        tangents = forward_tangents(g, s)
        for t in g.layers[-1]:
            naive = sum_over_paths(g, s, t).value
            assert math.isclose(tangents.tangent[t], naive, rel_tol=1e-12, abs_tol=1e-15)


def test_02_s5_forward_mode_on_a_value_graph_matches_calculus():
    """02 §5 on §1's f: forward mode from x gives df/dx = 12, like backward()."""
    x, f = _f_uv()
    graph, index = Graph.from_value(f)
    assert forward_tangents(graph, index[id(x)]).tangent[index[id(f)]] == 12.0


def _tanh_mlp_02():
    rng = np.random.default_rng(0)
    params = []

    def layer(inputs, n_out, activation):
        outs = []
        for _ in range(n_out):
            total = Value(float(rng.normal()))
            params.append(total)
            for xi in inputs:
                wi = Value(float(rng.normal()) / math.sqrt(len(inputs)))
                params.append(wi)
                total = total + wi * xi
            outs.append(total.tanh() if activation else total)
        return outs

    h = [Value(0.5), Value(-1.5)]
    sizes = [2, 8, 8, 1]
    for i in range(1, len(sizes)):
        h = layer(h, sizes[i], activation=i < len(sizes) - 1)
    return (h[0] - 1.0) ** 2, params


def test_02_s6_cheap_gradient_numbers():
    """02 §6: 105 parameters; backward/forward ratio between 1 and 2 ("less than two"); centred
    differences need 210 forward passes, more than 60 times backprop's operations."""
    loss, params = _tanh_mlp_02()
    ops = count_ops(loss)
    assert len(params) == (2 * 8 + 8) + (8 * 8 + 8) + (8 + 1) == 105
    assert 1.0 <= ops.ratio < 2.0
    assert 2 * len(params) * ops.forward_ops / (ops.forward_ops + ops.backward_mults) > 60


# ---------------------------------------------------------------------------------------------
# 01_circuits_and_gates


def test_01_s1_simple_circuit_forward_and_hand_gradients():
    """01 §1: at x = −2, y = 5, z = −4: q = 3, f = −12; by hand df/dx = df/dy = z = −4, df/dz = q = 3,
    df/dq = −4, df/df = 1; before backward() every grad is None."""
    x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
    q = x + y
    f = q * z
    assert (q.data, f.data) == (3.0, -12.0)
    assert x.grad is None and f.grad is None
    f.backward()
    assert (x.grad, y.grad, z.grad, q.grad, f.grad) == (-4.0, -4.0, 3.0, -4.0, 1.0)


def test_01_s2_multiply_gate_swaps_and_refuses_backward_without_forward():
    """01 §2: MultiplyGate forward(3, −4) = −12; backward(2) = (−4·2, 3·2); backward first refuses."""
    from bpcourse.gates import MultiplyGate

    gate = MultiplyGate()
    assert gate.forward(3.0, -4.0) == -12.0
    assert gate.backward(2.0) == (-8.0, 6.0)
    with pytest.raises(RuntimeError):
        MultiplyGate().backward(2.0)


def _neuron_01():
    w0, x0, w1, x1, w2 = (Value(v) for v in (2.0, -1.0, -3.0, -2.0, -3.0))
    dot = w0 * x0 + w1 * x1 + w2
    out = (((-dot).exp()) + 1.0).reciprocal()
    out.backward()
    return (w0, x0, w1, x1, w2), dot, out


def test_01_s3_neuron_gradients_exact_and_rounded_two_ways():
    """01 §3: dot.grad = σ(1)(1 − σ(1)) = 0.196612…; x0.grad = 0.393, x1.grad = −0.590 (0.39, −0.59 rounded
    at the end) but 2·0.20 = 0.40 and −3·0.20 = −0.60 when rounded on the way. Reference: σ by math.exp."""
    (w0, x0, w1, x1, w2), dot, out = _neuron_01()
    s1 = 1.0 / (1.0 + math.exp(-1.0))
    assert round(out.data, 2) == 0.73 and round(s1, 2) == 0.73
    assert math.isclose(dot.grad, s1 * (1 - s1), rel_tol=1e-14) and round(dot.grad, 6) == 0.196612
    assert (round(x0.grad, 3), round(x1.grad, 3)) == (0.393, -0.590)
    assert (round(x0.grad, 2), round(x1.grad, 2)) == (0.39, -0.59)
    assert round(2.0 * round(dot.grad, 2), 2) == 0.40 and round(-3.0 * round(dot.grad, 2), 2) == -0.60


def test_01_s4_sigmoid_gate_local_gradient_and_node_counts():
    """01 §4: SigmoidGate at 1: σ = 0.73, local gradient 0.20; 13 nodes with small gates, 10 with one
    sigmoid gate."""
    from bpcourse.gates import SigmoidGate

    sg = SigmoidGate()
    value = sg.forward(1.0)
    (local,) = sg.backward(1.0)
    assert round(value, 2) == 0.73 and round(local, 2) == 0.20
    _, _, out = _neuron_01()
    ws = [Value(v) for v in (2.0, -1.0, -3.0, -2.0, -3.0)]
    fb = (ws[0] * ws[1] + ws[2] * ws[3] + ws[4]).sigmoid()
    assert (len(out.topological_order()), len(fb.topological_order())) == (13, 10)


def test_01_s5_patterns_on_the_notes_example():
    """01 §5: f = 2(xy + max(z, w)) at 3, −4, 2, −1: f = −20; x gets −8, y 6, z 2, w 0; AddGate and
    MaxGate with dout = 2 return (2, 2) and (2, 0)."""
    from bpcourse.gates import AddGate, MaxGate

    x, y, z, w = Value(3.0), Value(-4.0), Value(2.0), Value(-1.0)
    f = (x * y + z.max(w)) * 2.0
    f.backward()
    assert f.data == 2 * (3 * -4 + 2) == -20.0
    assert (x.grad, y.grad, z.grad, w.grad) == (-8.0, 6.0, 2.0, 0.0)
    add, mx = AddGate(), MaxGate()
    add.forward(-12.0, 2.0)
    mx.forward(2.0, -1.0)
    assert add.backward(2.0) == (2.0, 2.0) and mx.backward(2.0) == (2.0, 0.0)


def test_01_s5_forks_add():
    """01 §5: b = a + a, c = b + b: dc/db = 2, dc/da = 4; g = xy + x: dg/dx = y + 1 = −3."""
    a = Value(3.0)
    b = a + a
    c = b + b
    c.backward()
    assert (b.grad, a.grad) == (2.0, 4.0)
    x, y = Value(3.0), Value(-4.0)
    g = x * y + x
    g.backward()
    assert x.grad == -3.0


def test_01_s7_operation_counts():
    """01 §7: f = (x + y)z: 2 forward operations, 4 backward multiplications (one per edge); the neuron
    from small gates: 8 and 12."""
    x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
    simple = count_ops((x + y) * z)
    assert (simple.forward_ops, simple.backward_mults) == (2, 4)
    _, _, out = _neuron_01()
    neuron = count_ops(out)
    assert (neuron.forward_ops, neuron.backward_mults) == (8, 12)


# ---------------------------------------------------------------------------------------------
# 03_vector_gradients


def test_03_s1_jacobian_size_and_relu_jacobian():
    """03 §1: a Linear layer on 64 × 4096 → 4096 has a Jacobian of 2**36 entries, about 550 GB in
    float64; ReLU's Jacobian (by finite differences) is diagonal with the mask x > 0."""
    from bpcourse.layers import ReLU

    n = (64 * 4096) * (64 * 4096)
    assert n == 2**36 == 68_719_476_736 and round(n * 8 / 1e9) == 550
    x = np.array([[1.5, -0.5, 2.0, -3.0, 0.7]])
    J = np.column_stack([numerical_gradient(lambda a, i=i: float(ReLU().forward(a)[0, i]), x.copy())[0]
                         for i in range(5)]).T
    assert np.allclose(J, np.diag([1.0, 0.0, 1.0, 0.0, 1.0]))


def test_03_s2_lecture_example_values_by_hand():
    """03 §2: W = [[0.1, 0.5], [−0.3, 0.8]], x = [0.2, 0.4]: q = [0.22, 0.26], f = 0.116, ∂f/∂q = [0.44,
    0.52], ∂f/∂W = [[0.088, 0.176], [0.104, 0.208]], ∂f/∂x = [−0.112, 0.636] (CS231n's slide); by hand in
    exact fractions, and the shapes of the gradients are those of q, W, x."""
    from fractions import Fraction as Fr

    W = [[Fr(1, 10), Fr(1, 2)], [Fr(-3, 10), Fr(4, 5)]]
    x = [Fr(1, 5), Fr(2, 5)]
    q = [W[i][0] * x[0] + W[i][1] * x[1] for i in range(2)]
    assert q == [Fr(22, 100), Fr(26, 100)] and sum(qi * qi for qi in q) == Fr(116, 1000)
    assert [[2 * q[i] * x[j] for j in range(2)] for i in range(2)] == [[Fr(88, 1000), Fr(176, 1000)],
                                                                       [Fr(104, 1000), Fr(208, 1000)]]
    assert [sum(2 * q[i] * W[i][j] for i in range(2)) for j in range(2)] == [Fr(-112, 1000), Fr(636, 1000)]
    from bpcourse.layers import Linear

    lin = Linear(2, 2)
    lin.params["W"][:] = np.array(W, dtype=float).T
    lin.params["b"][:] = 0.0
    qr = lin.forward(np.array([[0.2, 0.4]]))
    dx = lin.backward(2 * qr)
    assert np.allclose(qr, [[0.22, 0.26]]) and np.allclose(dx, [[-0.112, 0.636]])
    assert np.allclose(lin.grads["W"].T, [[0.088, 0.176], [0.104, 0.208]])
    assert dx.shape == (1, 2) and lin.grads["W"].shape == (2, 2)


def _linear_03():
    from bpcourse.layers import Linear

    rng = np.random.default_rng(0)
    layer = Linear(3, 2, seed=0)
    layer.params["b"][:] = rng.normal(size=2)
    xb = rng.normal(size=(4, 3))
    dout = rng.normal(size=(4, 2))
    out = layer.forward(xb)
    dx = layer.backward(dout)

    def z(_):
        return float(np.sum(layer.forward(xb) * dout))

    return layer, xb, dout, out, dx, z


def test_03_s3_shape_rule_and_the_mean_bug():
    """03 §3: dW (D, M) = xᵀ·dout, dx (N, D) = dout·Wᵀ, db (M,) = Σ_rows dout, each within 1e-8 of finite
    differences; averaging db instead gives relative error (1 − 1/4)/(1 + 1/4) = 0.6 at N = 4."""
    layer, xb, dout, out, dx, z = _linear_03()
    assert layer.grads["W"].shape == (3, 2) and dx.shape == (4, 3) and layer.grads["b"].shape == (2,)
    W, b = layer.params["W"], layer.params["b"]
    for analytic, at in ((dx, xb), (layer.grads["W"], W), (layer.grads["b"], b)):
        assert rel_error(analytic, numerical_gradient(z, at)) < 1e-8
    assert math.isclose(rel_error(dout.mean(axis=0), numerical_gradient(z, b)), 0.6, rel_tol=1e-6)


def test_03_s4_rule1_centred_differences_bottom_out_near_1e_5():
    """03 §4 rule 1: for σ'(0.5) at h = 1e-5 the centred error is below 1e-9 and the one-sided above 1e-7;
    the centred curve is lowest between 1e-7 and 1e-3."""
    def sigma(t):
        return 1.0 / (1.0 + np.exp(-t))

    exact = sigma(0.5) * (1 - sigma(0.5))
    hs = np.logspace(-12, -1, 45)
    one = np.array([abs((sigma(0.5 + h) - sigma(0.5)) / h - exact) / exact for h in hs])
    cen = np.array([abs((sigma(0.5 + h) - sigma(0.5 - h)) / (2 * h) - exact) / exact for h in hs])
    i5 = np.argmin(abs(hs - 1e-5))
    assert cen[i5] < 1e-9 and one[i5] > 1e-7
    assert 1e-7 < hs[np.argmin(cen)] < 1e-3


def test_03_s4_rule3_float32_check_of_a_right_gradient_looks_wrong():
    """03 §4 rule 3: numerical_gradient refuses float32; a hand-made float32 check of the right dx gives
    a relative error of about 5e-2, above 1e-2 ("probably wrong"), float64 below 1e-8."""
    layer, xb, dout, out, dx, z = _linear_03()
    with pytest.raises(TypeError):
        numerical_gradient(z, xb.astype(np.float32))
    W32, d32, b32 = (a.astype(np.float32) for a in (layer.params["W"], dout, layer.params["b"]))
    a = xb.astype(np.float32)
    grad = np.zeros_like(a)
    h = np.float32(1e-5)
    for i in range(a.size):
        old = a.flat[i]
        a.flat[i] = old + h
        fp = np.sum((a @ W32 + b32) * d32, dtype=np.float32)
        a.flat[i] = old - h
        fm = np.sum((a @ W32 + b32) * d32, dtype=np.float32)
        a.flat[i] = old
        grad.flat[i] = (fp - fm) / np.float32(2e-5)
    assert 2e-2 < rel_error(dx, grad) < 1e-1  # "about 5e-2": above 1e-2, "probably wrong"
    assert rel_error(dx, numerical_gradient(z, xb)) < 1e-8


def test_03_s4_rule4_kinks_and_saturation():
    """03 §4 rule 4: ReLU at x = 1e-6 with h = 1e-5: backward 1, difference 0.55, relative error about 0.3
    (0.45/1.55 by hand, > 1e-2); at 0.1 below 1e-9. σ'(20) ≈ 2e-9 and its check lands in the
    uncomfortable band."""
    from bpcourse.layers import ReLU, Sigmoid

    def relu_sum(a):
        return float(np.sum(np.maximum(a, 0.0)))

    for x0, low, high in ((1e-6, 0.28, 0.30), (0.1, 0.0, 1e-9)):  # 0.45 / 1.55 = 0.2903
        a = np.array([[x0]])
        r = ReLU()
        r.forward(a)
        err = rel_error(r.backward(np.ones_like(a)), numerical_gradient(relu_sum, a))
        assert low < err < high
    s = Sigmoid()
    far = np.array([[20.0]])
    s.forward(far)
    analytic = s.backward(np.ones_like(far))
    # σ(1 − σ) at 20 loses digits to 1 − σ (σ = 1 − 2e-9), hence 1e-6
    assert math.isclose(analytic[0, 0], math.exp(-20) / (1 + math.exp(-20)) ** 2, rel_tol=1e-6)
    assert abs(analytic[0, 0] - 2e-9) < 1e-10
    numeric = numerical_gradient(lambda a: float(np.sum(s.forward(a))), far)
    assert 1e-4 < rel_error(analytic, numeric) < 1e-2


# ---------------------------------------------------------------------------------------------
# 04_layers_as_composite_functions


def test_04_s3_stale_cache_gives_the_wrong_gradient():
    """04 §3: running forward on another batch before backward gives a gradient more than 1e-2 off."""
    from bpcourse.layers import Linear, Sequential, Sigmoid, SoftmaxCrossEntropy, Tanh

    rng = np.random.default_rng(0)
    model = Sequential([Linear(3, 4, seed=1), Tanh(), Linear(4, 4, seed=2), Sigmoid(), Linear(4, 3, seed=3)])
    loss = SoftmaxCrossEntropy()
    x1, labels = rng.normal(size=(5, 3)), np.array([0, 1, 2, 1, 0])
    loss.forward(model.forward(x1), labels)
    dz = loss.backward()
    right = model.backward(dz)
    numeric = numerical_gradient(lambda a: loss.forward(model.forward(a), labels), x1.copy())
    assert rel_error(right, numeric) < 1e-7
    model.forward(rng.normal(size=(5, 3)))
    assert rel_error(model.backward(dz), right) > 1e-2


def test_04_s4_kronecker_jacobian_size():
    """04 §4: at N = 256, D = M = 1024 the Jacobian ∂vec(Y)/∂vec(W)ᵀ has 2**38 entries, 2.2 TB."""
    entries = (256 * 1024) * (1024 * 1024)
    assert entries == 2**38 and round(entries * 8 / 1e12, 1) == 2.2


def test_04_s5_gradient_descent_on_spirals():
    """04 §5: 300 spiral points, 100 per class; full-batch gradient descent, η = 1, 500 steps: loss from
    above 1 to below 0.1, training accuracy ≥ 98%, ≥ 95% on fresh spirals (thresholds, not exact values);
    layers.fit runs the same loop."""
    from bpcourse.datasets import make_spirals
    from bpcourse.layers import Linear, ReLU, Sequential, SoftmaxCrossEntropy, fit, sgd_step

    X, y = make_spirals(300, classes=3, seed=0)
    assert X.shape == (300, 2) and np.bincount(y).tolist() == [100, 100, 100]
    net = Sequential([Linear(2, 100, seed=0), ReLU(), Linear(100, 3, seed=1)])
    loss = SoftmaxCrossEntropy()
    history = []
    for _ in range(500):
        history.append(loss.forward(net.forward(X), y))
        net.backward(loss.backward(), need_dx=False)
        sgd_step(net, 1.0)
    assert history[0] > 1.0 and history[-1] < 0.1
    assert np.mean(net.forward(X).argmax(axis=1) == y) >= 0.98
    X_new, y_new = make_spirals(300, classes=3, seed=1)
    assert np.mean(net.forward(X_new).argmax(axis=1) == y_new) >= 0.95
    same = fit(Sequential([Linear(2, 100, seed=0), ReLU(), Linear(100, 3, seed=1)]), SoftmaxCrossEntropy(),
               X, y, eta=1.0, epochs=500)
    assert np.allclose(same, history, rtol=1e-9)


def test_04_s6_zhou_g_and_e_are_minus_equation_B_at_beta_and_alpha():
    """04 §6: in the five-layer chain of Zhou's net, (B) at x⁴ = β is −g_j and at x² = α is −e_h; checked
    by finite differences of E_k as a function of β and of α (independent of zhou's formulas)."""
    net = ZhouNet(3, 4, 2, seed=1)
    x, y = np.array([0.2, -0.5, 0.9]), np.array([0.0, 1.0])
    fp = net.forward_all(x)
    g = g_output(fp.y_hat, y)
    e = e_hidden(fp.b, net.w, g)

    def E_of_beta(beta):
        y_hat = 1 / (1 + np.exp(-(beta - net.theta)))
        return 0.5 * float(np.sum((y_hat - y) ** 2))

    def E_of_alpha(alpha):
        b = 1 / (1 + np.exp(-(alpha - net.gamma)))
        return E_of_beta(b @ net.w)

    assert rel_error(numerical_gradient(E_of_beta, fp.beta.copy()), -g) < 1e-8
    assert rel_error(numerical_gradient(E_of_alpha, fp.alpha.copy()), -e) < 1e-8


# ---------------------------------------------------------------------------------------------
# 05_neurons_and_activations


def test_05_s1_neuron_by_hand():
    """05 §1: w = (0.5, −1, 0.25), b = 0.1, x = (1, 0.5, 2): cell body sum 0.6, rate σ(0.6) = 0.6457;
    ∂rate/∂w = σ'·x and ∂rate/∂x = σ'·w."""
    from bpcourse.layers import Neuron

    neuron = Neuron(3)
    neuron.params["w"][:] = [0.5, -1.0, 0.25]
    neuron.params["b"][...] = 0.1
    x = np.array([1.0, 0.5, 2.0])
    rate = neuron.forward(x)
    assert math.isclose(0.5 * 1.0 - 1.0 * 0.5 + 0.25 * 2.0 + 0.1, 0.6)
    assert round(rate, 4) == 0.6457 and round(1 / (1 + math.exp(-0.6)), 4) == 0.6457
    dx = neuron.backward(1.0)
    s_prime = rate * (1 - rate)
    assert np.allclose(neuron.grads["w"], s_prime * x) and np.allclose(dx, s_prime * neuron.weights)


def test_05_s2_stacked_linear_layers_collapse_and_relu_breaks_the_collapse():
    """05 §2: three Linear layers equal one with W = W1 W2 W3, b = (b1 W2 + b2) W3 + b3 (algebra in the
    prose); with ReLUs in between they no longer do."""
    from bpcourse.layers import Linear, ReLU, Sequential

    rng = np.random.default_rng(3)
    stack = Sequential([Linear(4, 8, seed=0), Linear(8, 8, seed=1), Linear(8, 3, seed=2)])
    for layer in stack.layers:
        layer.params["b"][:] = rng.normal(size=layer.params["b"].shape)
    (W1, b1), (W2, b2), (W3, b3) = ((layer.params["W"], layer.params["b"]) for layer in stack.layers)
    batch = rng.normal(size=(6, 4))
    collapsed = batch @ (W1 @ W2 @ W3) + ((b1 @ W2 + b2) @ W3 + b3)
    assert np.allclose(stack.forward(batch), collapsed, rtol=1e-12, atol=1e-12)
    bent = Sequential([stack.layers[0], ReLU(), stack.layers[1], ReLU(), stack.layers[2]])
    assert np.max(np.abs(bent.forward(batch) - collapsed)) > 0.1


def test_05_s3_elu_alpha_1_is_c1_not_c2_and_other_alphas_have_a_kink():
    """05 §3: ELU's pieces at 0: α = 1: values 0/0, slopes 1/1, second derivatives 1/0; α = 1/2: slopes
    1/2 and 1. Checked by finite differences of the library's ELU forward, one-sided on each side."""
    from bpcourse.layers import ELU

    def f(alpha, t):
        return float(ELU(alpha=alpha).forward(np.array([[t]]))[0, 0])

    h = 1e-4
    for alpha, left_slope in ((1.0, 1.0), (0.5, 0.5)):
        assert math.isclose((f(alpha, 0.0) - f(alpha, -h)) / h, left_slope, rel_tol=1e-3)
        assert math.isclose((f(alpha, h) - f(alpha, 0.0)) / h, 1.0, rel_tol=1e-9)
    second_left = (f(1.0, -2 * h) - 2 * f(1.0, -h) + f(1.0, 0.0)) / h**2
    second_right = (f(1.0, 2 * h) - 2 * f(1.0, h) + f(1.0, 0.0)) / h**2
    assert math.isclose(second_left, 1.0, rel_tol=1e-2) and abs(second_right) < 1e-6


def test_05_s4_sigma_prime_peaks_at_one_quarter():
    """05 §4: σ' = σ(1 − σ), largest at 0 where it is 1/4, → 0 at ±∞ (checked on a dense grid)."""
    from bpcourse.layers import Sigmoid

    t = np.linspace(-30, 30, 60_001).reshape(-1, 1)
    s = Sigmoid()
    s.forward(t)
    slope = s.backward(np.ones_like(t))[:, 0]
    assert slope.max() <= 0.25 and math.isclose(slope[30_000], 0.25) and slope[0] < 1e-12


def test_05_s4_vanishing_gradient_in_a_sigmoid_stack():
    """05 §4: 10 × Linear(50, 50) + activation, batch 64, MSE: the sigmoid stack's |∂z/∂W| grows at every
    layer towards the output, last/first about 10⁵ (between 3·10⁴ and 3·10⁵), about 3.5 per layer
    (between 3 and 4), layer 2/layer 1 above 7; tanh and ReLU stay within a factor of 10."""
    from bpcourse.layers import Linear, MSELoss, ReLU, Sequential, Sigmoid, Tanh

    rng = np.random.default_rng(0)
    X, targets = rng.normal(size=(64, 50)), rng.normal(size=(64, 50))

    def norms(activation):
        layers = []
        for i in range(10):
            layers += [Linear(50, 50, seed=i), activation()]
        net, loss = Sequential(layers), MSELoss()
        loss.forward(net.forward(X), targets)
        net.backward(loss.backward())
        return np.array([np.linalg.norm(la.grads["W"]) for la in net.layers if isinstance(la, Linear)])

    s = norms(Sigmoid)
    assert np.all(np.diff(s) > 0)
    assert 3e4 < s[-1] / s[0] < 3e5 and 3 < (s[-1] / s[0]) ** (1 / 9) < 4 and s[1] / s[0] > 7
    for act in (Tanh, ReLU):
        n = norms(act)
        assert 0.1 < n[-1] / n[0] < 10


def test_05_s5_three_layer_forward_pass_shapes():
    """05 §5: the lecture's 3-layer sigmoid net maps a 3 × 1 column to 4 × 1, 4 × 1, 1 × 1, with hidden
    rates in (0, 1), and the row-convention Sequential gives the same output; the ReLU formula
    W3 max(0, W2 max(0, W1 x)) equals Linear/ReLU layers without biases."""
    from bpcourse.layers import Linear, ReLU, Sequential, Sigmoid

    rng = np.random.default_rng(1)
    W1, b1 = rng.normal(size=(4, 3)), rng.normal(size=(4, 1))
    W2, b2 = rng.normal(size=(4, 4)), rng.normal(size=(4, 1))
    W3, b3 = rng.normal(size=(1, 4)), rng.normal(size=(1, 1))
    x = rng.normal(size=(3, 1))
    sig = 1 / (1 + np.exp(-(W1 @ x + b1)))
    h2 = 1 / (1 + np.exp(-(W2 @ sig + b2)))
    out = W3 @ h2 + b3
    assert (sig.shape, h2.shape, out.shape) == ((4, 1), (4, 1), (1, 1))
    assert np.all((sig > 0) & (sig < 1)) and np.all((h2 > 0) & (h2 < 1))
    net = Sequential([Linear(3, 4), Sigmoid(), Linear(4, 4), Sigmoid(), Linear(4, 1)])
    relu_net = Sequential([Linear(3, 4), ReLU(), Linear(4, 4), ReLU(), Linear(4, 1)])
    for i, (W, b) in zip((0, 2, 4), ((W1, b1), (W2, b2), (W3, b3)), strict=True):
        net.layers[i].params["W"][:] = W.T
        net.layers[i].params["b"][:] = b.ravel()
        relu_net.layers[i].params["W"][:] = W.T
        relu_net.layers[i].params["b"][:] = 0.0
    assert np.allclose(net.forward(x.T), out.T, rtol=1e-12)
    assert np.allclose(relu_net.forward(x.T), (W3 @ np.maximum(0, W2 @ np.maximum(0, W1 @ x))).T, rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# 00_start_here and the shape every lecture 00-05 shares

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
LECTURES = sorted(NOTEBOOKS.glob("0[0-5]_*.ipynb"))
EXERCISES = ["ex01_gates", "ex02_backprop_as_dp", "ex03_layers", "ex04_zhou_bp", "ex05_sympy_derivation",
             "ex06_autograd_engine", "ex07_zhou_partials_by_hand", "ex08_new_layers", "ex09_staged_circuit",
             "ex10_predict_then_check"]


def _cells(path, kind=None):
    nb = nbformat.read(path, as_version=4)
    return [c.source for c in nb.cells if kind is None or c.cell_type == kind]


def _section(markdown: str, heading: str) -> str:
    return markdown.split(heading, 1)[1].split("\n## ", 1)[0]


def test_lectures_00_to_05_exist():
    assert [p.name[:2] for p in LECTURES] == ["00", "01", "02", "03", "04", "05"]


ALL_LECTURES = sorted(NOTEBOOKS.glob("0[0-7]_*.ipynb"))


@pytest.mark.parametrize("path", ALL_LECTURES, ids=lambda p: p.name[:2])
def test_every_lecture_opens_with_learning_goals_and_ends_with_a_summary(path):
    """Issue 13: learning goals in the first cell, a 小结 heading in the last cells (00-07)."""
    md = _cells(path, "markdown")
    assert "Learning goals" in md[0]
    assert any(text.startswith("## Summary (小结)") for text in md[-3:])


@pytest.mark.parametrize("path", LECTURES, ids=lambda p: p.name[:2])
def test_lecture_code_does_not_assert_drawing_internals(path):
    assert not any("get_gid" in src for src in _cells(path, "code"))


def test_00_lists_every_exercise_with_the_lecture_it_follows():
    """00: the exercise table names all ten exercises of the plan, each with a lecture, and every
    exercise that exists in solutions/ is listed."""
    md = "\n".join(_cells(NOTEBOOKS / "00_start_here.ipynb", "markdown"))
    table = _section(md, "## The exercises, and when to do them")
    rows = {line.split("|")[1].strip(" `"): line.split("|")[2].strip()
            for line in table.splitlines() if line.startswith("| `ex")}
    assert sorted(rows) == EXERCISES
    assert all(after in {"01", "02", "03", "04", "05", "06"} for after in rows.values())
    assert (rows["ex06_autograd_engine"], rows["ex07_zhou_partials_by_hand"], rows["ex08_new_layers"],
            rows["ex09_staged_circuit"], rows["ex10_predict_then_check"]) == ("02", "06", "05", "01", "03")
    solutions = Path(__file__).resolve().parents[1] / "solutions"
    assert {p.stem for p in solutions.glob("ex*.ipynb")} <= set(rows)


def test_00_grading_instructions_use_the_grading_cell():
    md = "\n".join(_cells(NOTEBOOKS / "00_start_here.ipynb", "markdown"))
    assert "from bpcourse.grade import grade_this_notebook\n  grade_this_notebook()" in md


def test_00_course_map_names_existing_notebooks():
    md = "\n".join(_cells(NOTEBOOKS / "00_start_here.ipynb", "markdown"))
    names = {line.split("|")[1].strip(" `") for line in _section(md, "## The course map").splitlines()
             if line.startswith("| `0")}
    assert names == {p.stem for p in NOTEBOOKS.glob("0*.ipynb")}


def test_00_glossary_terms_appear_in_the_lecture_named_for_them():
    """00's glossary says in which lecture each Chinese term first appears: the term is there, and in
    no lecture from 01 up to the one before (00 itself holds the glossary, so it is not searched)."""
    md = "\n".join(_cells(NOTEBOOKS / "00_start_here.ipynb", "markdown"))
    glossary = md.split("A short glossary", 1)[1]
    texts = {int(p.name[:2]): "\n".join(_cells(p)) for p in ALL_LECTURES}
    checked = 0
    for line in glossary.splitlines():
        cols = [c.strip() for c in line.split("|")[1:-1]]
        if len(cols) != 3 or not cols[2].isdigit() or int(cols[2]) > 7:
            continue
        first = int(cols[2])
        for term in cols[1].split(", "):
            assert term in texts[first], (term, first)
            assert not [n for n in range(1, first) if term in texts[n]], (term, first)
            checked += 1
    assert checked >= 30


def test_00_source_table_points_at_sections_that_exist():
    """00's table of source topics sends the student to "NN §k" (or "NN §k–§j"): lecture NN must have a
    section "## k." (and every one up to j)."""
    md = "\n".join(_cells(NOTEBOOKS / "00_start_here.ipynb", "markdown"))
    table = _section(md, "## Where each source text is covered")
    checked = 0
    for line in table.splitlines():
        if not line.startswith("|"):
            continue
        where = line.split("|")[3]
        lecture = None
        for token in re.findall(r"\b(\d\d)\b|§(\d)(?:–§(\d))?", where):
            if token[0]:
                lecture = next(NOTEBOOKS.glob(f"{token[0]}_*.ipynb"))
                continue
            first, last = int(token[1]), int(token[2] or token[1])
            headings = "\n".join(_cells(lecture, "markdown"))
            for k in range(first, last + 1):
                assert f"\n## {k}. " in "\n" + headings, (line, lecture.name, k)
                checked += 1
    assert checked >= 30
