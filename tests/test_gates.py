"""Gates and Value: every gradient against something that does not share its derivation.

Independent sources used here:
- centred finite differences of a plain-float evaluation written with the ``math`` module
  (``bpcourse.gradcheck.numerical_gradient``), on expressions that hypothesis builds from every
  operation ``Value`` has;
- the worked examples of CS231n lecture 4 (Fei-Fei Li, Justin Johnson, Serena Yeung, "Lecture 4:
  Backpropagation and Neural Networks", Stanford CS231n, 2017, slides "Backpropagation: a simple
  example" and "Another example"), whose printed numbers are quoted below;
- counts made by hand on small graphs.
"""

from __future__ import annotations

import gc
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bpcourse.gates import (
    AddGate,
    ExpGate,
    LogGate,
    MaxGate,
    MultiplyGate,
    NegateGate,
    PowerGate,
    ReciprocalGate,
    ReLUGate,
    SigmoidGate,
    SubtractGate,
    TanhGate,
    Value,
    count_ops,
)
from bpcourse.gradcheck import numerical_gradient

# ---------------------------------------------------------------------------------------------
# Hypothesis: random expressions built from every Value operation, checked against finite
# differences of a plain-float twin of the same expression.
# ---------------------------------------------------------------------------------------------


class Reject(Exception):
    """The float twin left the region where finite differences are trustworthy."""


def _guard_input(x: float, lo: float | None = None, away_from_zero: float | None = None) -> None:
    if lo is not None and x <= lo:
        raise Reject
    if away_from_zero is not None and abs(x) < away_from_zero:
        raise Reject


def _f_sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x > -500 else 0.0


# Each operation: (name, arity, how Value does it, how plain floats do it, guard on inputs,
# branch it takes at a kink (None for smooth operations)).
C = 1.7  # a plain-number operand for the "number on one side" operations
UNARY = {
    "neg": (lambda a: -a, lambda a: -a, None),
    "exp": (lambda a: a.exp(), math.exp, lambda a: _guard_input(-a, lo=-6.0)),  # a < 6
    "log": (lambda a: a.log(), math.log, lambda a: _guard_input(a, lo=0.5)),
    "reciprocal": (lambda a: a.reciprocal(), lambda a: 1.0 / a,
                   lambda a: _guard_input(a, away_from_zero=0.5)),
    "sigmoid": (lambda a: a.sigmoid(), _f_sigmoid, None),
    "tanh": (lambda a: a.tanh(), math.tanh, None),
    "relu": (lambda a: a.relu(), lambda a: max(0.0, a), None),
    "add_number": (lambda a: a + C, lambda a: a + C, None),
    "radd_number": (lambda a: C + a, lambda a: C + a, None),
    "sub_number": (lambda a: a - C, lambda a: a - C, None),
    "rsub_number": (lambda a: C - a, lambda a: C - a, None),
    "mul_number": (lambda a: a * C, lambda a: a * C, None),
    "rmul_number": (lambda a: C * a, lambda a: C * a, None),
    "div_number": (lambda a: a / C, lambda a: a / C, None),
    "rdiv_number": (lambda a: C / a, lambda a: C / a, lambda a: _guard_input(a, away_from_zero=0.5)),
    "pow2": (lambda a: a**2, lambda a: a**2, None),
    "pow3": (lambda a: a**3, lambda a: a**3, None),
    "pow_half": (lambda a: a**0.5, lambda a: a**0.5, lambda a: _guard_input(a, lo=0.5)),
    "pow_minus1": (lambda a: a**-1, lambda a: a**-1, lambda a: _guard_input(a, away_from_zero=0.5)),
    "max_number": (lambda a: a.max(C), lambda a: max(a, C), None),
}
BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b, None),
    "sub": (lambda a, b: a - b, lambda a, b: a - b, None),
    "mul": (lambda a, b: a * b, lambda a, b: a * b, None),
    "div": (lambda a, b: a / b, lambda a, b: a / b, lambda a, b: _guard_input(b, away_from_zero=0.5)),
    "max": (lambda a, b: a.max(b), lambda a, b: max(a, b), None),
}
# Value.dot: one node for a weighted sum; here w = (a, b), x = (c, 1.5), bias d.
NARY = {
    "dot": (lambda a, b, c, d: Value.dot([a, b], [c, 1.5], bias=d), lambda a, b, c, d: a * c + b * 1.5 + d,
            None),
}
# The kinks: which side of each one the float twin is on. Finite differences are only valid if a
# step of ±h does not cross a kink, so we compare these signatures at x and at x ± h.
KINK = {
    "relu": lambda a: a > 0,
    "max_number": lambda a: a >= C,
    "max": lambda a, b: a >= b,
}

Program = list[tuple[str, tuple[int, ...]]]


@st.composite
def programs(draw) -> tuple[int, Program, list[float]]:
    """Draw (number of inputs, list of (operation, operand indices), input values)."""
    n_inputs = draw(st.integers(1, 3))
    n_ops = draw(st.integers(1, 7))
    program: Program = []
    for step in range(n_ops):
        available = n_inputs + step  # operands may be any earlier node: this makes forks
        kind = draw(st.sampled_from([UNARY, UNARY, BINARY, BINARY, NARY]))
        name = draw(st.sampled_from(sorted(kind)))
        arity = {id(UNARY): 1, id(BINARY): 2, id(NARY): 4}[id(kind)]
        program.append((name, tuple(draw(st.integers(0, available - 1)) for _ in range(arity))))
    values = draw(st.lists(st.floats(-3.0, 3.0, allow_nan=False), min_size=n_inputs, max_size=n_inputs))
    return n_inputs, program, values


def run_values(program: Program, leaves: list[Value]) -> Value:
    nodes = list(leaves)
    for name, args in program:
        fn = {**UNARY, **BINARY, **NARY}[name][0]
        nodes.append(fn(*(nodes[i] for i in args)))
    return nodes[-1]


def run_floats(program: Program, xs) -> tuple[float, tuple]:
    """The same expression on plain floats. Returns (value, kink signature)."""
    nodes = [float(x) for x in xs]
    signature = []
    for name, args in program:
        _, fn, guard = {**UNARY, **BINARY, **NARY}[name]
        operands = [nodes[i] for i in args]
        if guard is not None:
            guard(*operands)
        if name in KINK:
            signature.append(KINK[name](*operands))
        out = fn(*operands)
        if not abs(out) < 1e3:  # keeps rounding error in the difference quotient small
            raise Reject
        nodes.append(out)
    return nodes[-1], tuple(signature)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(programs())
def test_value_gradients_match_finite_differences(case):
    n_inputs, program, values = case
    h = 1e-5
    x = np.array(values, dtype=np.float64)
    try:
        f0, sig0 = run_floats(program, x)
        for i in range(n_inputs):  # no step of ±h may cross a kink or leave the guarded region
            for step in (h, -h):
                shifted = x.copy()
                shifted[i] += step
                assume(run_floats(program, shifted)[1] == sig0)
    except Reject:
        assume(False)

    leaves = [Value(v) for v in values]
    out = run_values(program, leaves)
    assert out.data == pytest.approx(f0, rel=1e-12, abs=1e-12)  # forward agrees with math.*
    out.backward()
    analytic = np.array([0.0 if leaf.grad is None else leaf.grad for leaf in leaves])
    numeric = numerical_gradient(lambda a: run_floats(program, a)[0], x, h=h)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-6, err_msg=str(program))


def test_leaf_not_in_the_graph_keeps_grad_none():
    a, b = Value(1.0), Value(2.0)
    f = a * 3.0
    f.backward()
    assert a.grad == 3.0
    assert b.grad is None  # b is not part of f's graph: nothing was computed for it


# ---------------------------------------------------------------------------------------------
# The CS231n worked examples.
# ---------------------------------------------------------------------------------------------


def test_cs231n_simple_example():
    # CS231n lecture 4, "Backpropagation: a simple example": f = (x + y) z at x=-2, y=5, z=-4
    # gives q = 3, f = -12 and df/dx = -4, df/dy = -4, df/dz = 3.
    x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
    q = x + y
    f = q * z
    assert (q.data, f.data) == (3.0, -12.0)
    f.backward()
    assert (x.grad, y.grad, z.grad, q.grad, f.grad) == (-4.0, -4.0, 3.0, -4.0, 1.0)


def sigmoid_neuron():
    """The circuit of CS231n's "Another example": f = 1 / (1 + exp(-(w0 x0 + w1 x1 + w2)))."""
    w0, x0 = Value(2.0, label="w0"), Value(-1.0, label="x0")
    w1, x1 = Value(-3.0, label="w1"), Value(-2.0, label="x1")
    w2 = Value(-3.0, label="w2")
    p0, p1 = w0 * x0, w1 * x1
    s = p0 + p1
    dot = s + w2
    neg = -dot
    e = neg.exp()
    den = e + 1.0
    f = den.reciprocal()
    return dict(w0=w0, x0=x0, w1=w1, x1=x1, w2=w2, p0=p0, p1=p1, s=s, dot=dot, neg=neg, e=e, den=den, f=f)


def test_cs231n_sigmoid_neuron_matches_the_slide_to_its_rounding():
    n = sigmoid_neuron()
    n["f"].backward()
    # Forward values printed on the slide (two decimals).
    slide_forward = dict(p0=-2.00, p1=6.00, s=4.00, dot=1.00, neg=-1.00, e=0.37, den=1.37, f=0.73)
    for name, printed in slide_forward.items():
        assert round(n[name].data, 2) == printed, name
    # Gradients printed on the slide.
    slide_grads = dict(f=1.00, den=-0.53, e=-0.53, neg=-0.20, dot=0.20, s=0.20, p0=0.20, p1=0.20,
                       w0=-0.20, x0=0.39, w1=-0.39, x1=-0.59, w2=0.20)
    for name, printed in slide_grads.items():
        assert round(n[name].grad, 2) == printed, name


def test_cs231n_sigmoid_neuron_exact_values_and_why_hand_rounding_gives_040():
    n = sigmoid_neuron()
    n["f"].backward()
    sigma = 1.0 / (1.0 + math.exp(-1.0))  # the neuron computes sigma(1), since w.x + w2 = 1
    ddot = sigma * (1.0 - sigma)  # = 0.19661..., the gradient reaching every input of the dot product
    assert n["f"].data == pytest.approx(sigma, rel=1e-15)
    expected = dict(w0=-1.0 * ddot, x0=2.0 * ddot, w1=-2.0 * ddot, x1=-3.0 * ddot, w2=ddot)
    for name, value in expected.items():
        assert n[name].grad == pytest.approx(value, rel=1e-12), name
    assert n["x0"].grad == pytest.approx(0.3932238664829637, rel=1e-12)
    assert n["x1"].grad == pytest.approx(-0.5898357997244456, rel=1e-12)
    # Rounding the upstream gradient to 0.20 *before* multiplying by w0 = 2 and w1 = -3 (as one
    # does by hand, reading 0.20 off the slide) gives 0.40 and -0.60, not the exact 0.39 / -0.59.
    by_hand = round(ddot, 2)
    assert by_hand == 0.20
    assert round(2.0 * by_hand, 2) == 0.40 and round(2.0 * ddot, 2) == 0.39
    assert round(-3.0 * by_hand, 2) == -0.60 and round(-3.0 * ddot, 2) == -0.59


def test_sigmoid_gate_collapses_the_four_gates():
    # The local gradient of the whole sigmoid is (1 - sigma) sigma: same numbers as the 4-gate chain.
    n = sigmoid_neuron()
    n["f"].backward()
    w0, x0, w1, x1, w2 = (Value(v) for v in (2.0, -1.0, -3.0, -2.0, -3.0))
    g = (w0 * x0 + w1 * x1 + w2).sigmoid()
    g.backward()
    assert g.data == pytest.approx(n["f"].data, rel=1e-15)
    for mine, theirs in zip((w0, x0, w1, x1, w2), ("w0", "x0", "w1", "x1", "w2"), strict=True):
        assert mine.grad == pytest.approx(n[theirs].grad, rel=1e-12)


# ---------------------------------------------------------------------------------------------
# Forks, deep graphs, calling backward twice, zero_grad.
# ---------------------------------------------------------------------------------------------


def test_gradients_add_at_forks():
    a = Value(3.0)
    b = a + a
    c = b + b
    c.backward()
    assert c.data == 12.0
    assert (b.grad, a.grad) == (2.0, 4.0)  # c = 4a


def test_fork_through_multiply():
    a = Value(3.0)
    f = a * a * a  # a**3, with a used three times
    f.backward()
    assert a.grad == 27.0  # 3 a**2


def test_million_node_chain():
    # A recursive topological sort would die here with RecursionError (Python's limit is ~1000).
    n = 1_000_000
    gc.disable()  # only for speed: the cyclic collector would rescan a million live nodes many times
    try:
        x = Value(0.5)
        node = x
        for _ in range(n):
            node = node * (1.0 + 1e-6)
        node.backward()
    finally:
        gc.enable()
    # d node/dx = (1 + 1e-6)**n, computed here in closed form, not by the graph.
    assert x.grad == pytest.approx(math.exp(n * math.log1p(1e-6)), rel=1e-9)
    assert count_ops(node).forward_ops == n


def test_backward_twice_gives_the_same_numbers():
    # Documented in Value.backward: every grad is reset first, so a second call does not double.
    x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
    f = (x + y) * z
    f.backward()
    first = (x.grad, y.grad, z.grad)
    f.backward()
    assert (x.grad, y.grad, z.grad) == first == (-4.0, -4.0, 3.0)


def test_zero_grad_clears_inner_nodes_too():
    x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
    q = x + y
    f = q * z
    f.backward()
    assert q.grad == -4.0
    f.zero_grad()
    assert [node.grad for node in (x, y, z, q, f)] == [0.0] * 5


# ---------------------------------------------------------------------------------------------
# Gates: forward against math.*, backward against finite differences of forward.
# ---------------------------------------------------------------------------------------------

GATE_CASES = [
    (AddGate, (1.5, -2.0), lambda x, y: x + y),
    (MultiplyGate, (3.0, -4.0), lambda x, y: x * y),
    (SubtractGate, (3.0, -4.5), lambda x, y: x - y),
    (NegateGate, (2.5,), lambda x: -x),
    (MaxGate, (1.0, 4.0), max),
    (MaxGate, (5.0, -4.0), max),
    (ExpGate, (0.7,), math.exp),
    (ReciprocalGate, (-1.37,), lambda x: 1.0 / x),
    (SigmoidGate, (0.3,), lambda x: 1.0 / (1.0 + math.exp(-x))),
    (TanhGate, (-0.8,), math.tanh),
    (ReLUGate, (2.5,), lambda x: max(0.0, x)),
    (ReLUGate, (-2.5,), lambda x: max(0.0, x)),
    (LogGate, (2.5,), math.log),
    (lambda: PowerGate(3.0), (1.2,), lambda x: x**3),
    (lambda: PowerGate(-0.5), (2.0,), lambda x: x**-0.5),
]


@pytest.mark.parametrize("make, inputs, reference", GATE_CASES)
def test_gate_forward_and_backward(make, inputs, reference):
    gate = make()
    out = gate.forward(*inputs)
    assert out == pytest.approx(reference(*inputs), rel=1e-14)
    dout = -1.3
    grads = gate.backward(dout)
    assert isinstance(grads, tuple) and len(grads) == len(inputs)
    x = np.array(inputs, dtype=np.float64)
    numeric = numerical_gradient(lambda a: dout * reference(*a), x)
    np.testing.assert_allclose(grads, numeric, rtol=1e-7, atol=1e-9)


def test_multiply_gate_is_the_switcher_of_the_lecture():
    g = MultiplyGate()
    assert g.forward(3.0, -4.0) == -12.0
    assert g.backward(2.0) == (-8.0, 6.0)  # x gets y·dout, y gets x·dout


def test_add_distributes_and_max_routes():
    assert AddGate().forward(1.0, 2.0) == 3.0
    add = AddGate()
    add.forward(1.0, 2.0)
    assert add.backward(2.0) == (2.0, 2.0)
    mx = MaxGate()
    assert mx.forward(4.0, 1.0) == 4.0
    assert mx.backward(2.0) == (2.0, 0.0)


@pytest.mark.parametrize("gate", [AddGate(), MultiplyGate(), MaxGate(), ExpGate(), ReciprocalGate(),
                                  SigmoidGate(), TanhGate(), ReLUGate(), LogGate(), PowerGate(2.0)])
def test_backward_before_forward_is_a_clear_error(gate):
    with pytest.raises(RuntimeError, match=f"{type(gate).__name__}.backward was called before forward"):
        gate.backward(1.0)


def test_gate_checks_its_number_of_inputs():
    with pytest.raises(TypeError, match="MultiplyGate.forward expected 2 input"):
        MultiplyGate().forward(1.0)


def test_saturating_gates_do_not_overflow():
    assert SigmoidGate().forward(-1000.0) == 0.0
    assert SigmoidGate().forward(1000.0) == 1.0
    assert TanhGate().forward(1000.0) == 1.0
    assert Value(1000.0).tanh().data == 1.0


# ---------------------------------------------------------------------------------------------
# Bad input: clear errors, never a silent nan.
# ---------------------------------------------------------------------------------------------


def test_non_numeric_value_says_what_it_got():
    with pytest.raises(TypeError, match=r"'abc' of type str"):
        Value("abc")
    with pytest.raises(TypeError, match="bool"):
        Value(True)
    with pytest.raises(TypeError, match="list"):
        Value(2.0) + [1.0]


def test_nan_and_inf_are_refused():
    with pytest.raises(ValueError, match="finite"):
        Value(float("nan"))
    with pytest.raises(ValueError, match="finite"):
        Value(2.0) * float("inf")
    with pytest.raises(ValueError, match=r"got inf from '\*' on 1e\+200, 1e\+200"):
        Value(1e200) * Value(1e200)  # overflow names the operation and its inputs


def test_log_of_non_positive():
    with pytest.raises(ValueError, match=r"log .*x = 0\.0"):
        Value(0.0).log()
    with pytest.raises(ValueError, match=r"log .*x = -2\.0"):
        Value(-2.0).log()
    with pytest.raises(ValueError, match="log"):
        LogGate().forward(-1.0)


def test_division_by_zero():
    with pytest.raises(ZeroDivisionError, match="1/x at x = 0"):
        1.0 / Value(0.0)
    with pytest.raises(ZeroDivisionError, match="1/x at x = 0"):
        Value(1.0) / Value(0.0)
    with pytest.raises(ZeroDivisionError, match=r"/ 0"):
        Value(1.0) / 0


def test_value_to_the_power_of_value_is_refused():
    with pytest.raises(TypeError, match=r"Value \*\* Value"):
        Value(2.0) ** Value(3.0)
    with pytest.raises(TypeError, match=r"number \*\* Value"):
        2.0 ** Value(3.0)


def test_exp_overflow_is_named():
    with pytest.raises(OverflowError, match="exp"):
        Value(1000.0).exp()


# ---------------------------------------------------------------------------------------------
# Labels and the operation counter.
# ---------------------------------------------------------------------------------------------


def test_labels():
    w = Value(2.0, label="w0")
    assert w.label == "w0"
    assert "w0" in repr(w)
    assert "grad=None" in repr(w)


def test_numbers_on_either_side():
    x = Value(4.0)
    assert [v.data for v in (x + 2, 2 + x, x - 2, 2 - x, x * 2, 2 * x, x / 2, 2 / x, -x, x**2)] == [
        6.0, 6.0, 2.0, -2.0, 8.0, 8.0, 2.0, 0.5, -4.0, 16.0]


def test_count_ops_on_hand_counted_graphs():
    # (x + y) z: two operations; four edges (+ -> x, + -> y, * -> q, * -> z), one multiplication each.
    x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
    counts = count_ops((x + y) * z)
    assert (counts.forward_ops, counts.backward_mults) == (2, 4)
    assert counts.ratio == 2.0
    # The sigmoid neuron: 2 mul, 2 add, +w2... counted by hand: *, *, +, +, neg, exp, +1, 1/x = 8
    # operations; edges 2 + 2 + 2 + 2 + 1 + 1 + 1 + 1 = 12.
    counts = count_ops(sigmoid_neuron()["f"])
    assert (counts.forward_ops, counts.backward_mults) == (8, 12)
    # A fork counts each use: b = a + a; c = b + b has 2 operations and 4 edge multiplications.
    a = Value(1.0)
    b = a + a
    assert count_ops(b + b) == type(counts)(forward_ops=2, backward_mults=4)
    # A lone leaf costs nothing.
    assert count_ops(Value(1.0)).ratio == 0.0
