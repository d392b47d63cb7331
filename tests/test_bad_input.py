"""The library under bad input: a clear error of a documented type, or a finite right answer.

Part 1 (hypothesis): for every public function of the core library, one parameter at a time gets
a bad value (nan, ±inf, 0, negative, huge, wrong type or dtype, wrong shape, empty, a view or a
transpose) while the others stay valid. Each call runs under a time limit and must either raise
one of the documented exceptions (TypeError, ValueError, ZeroDivisionError, OverflowError) with a
message that names the parameter or the function, or return something finite. A hang, a
MemoryError, a warning (pytest turns bpcourse's RuntimeWarnings into errors) or a nan fails.

Part 2: one test for each case listed in issue 18, with the answer expected.

Part 3: views and transposes give the same numbers as contiguous copies.
"""

from __future__ import annotations

import dataclasses
import math
import signal
from collections.abc import Callable
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpcourse import datasets, functional, paths, symbolic
from bpcourse.draw import draw
from bpcourse.gates import (
    AddGate,
    ExpGate,
    LogGate,
    MaxGate,
    MultiplyGate,
    PowerGate,
    ReciprocalGate,
    SigmoidGate,
    TanhGate,
    Value,
    count_ops,
)
from bpcourse.gradcheck import numerical_gradient, rel_error
from bpcourse.layers import (
    ELU,
    LeakyReLU,
    Linear,
    Maxout,
    MSELoss,
    Neuron,
    ReLU,
    Sequential,
    Sigmoid,
    SoftmaxCrossEntropy,
    Tanh,
    fit,
    sgd_step,
)
from bpcourse.zhou import ZhouNet

DOCUMENTED = (TypeError, ValueError, ZeroDivisionError, OverflowError)
TIME_LIMIT = 5.0  # seconds per call: generous on a loaded machine, far below a hang
BAD = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class Hang(Exception):
    """Raised inside a call that ran longer than TIME_LIMIT (a hang, for a student)."""


@contextmanager
def time_limit(seconds: float = TIME_LIMIT):
    def stop(signum, frame):
        raise Hang(f"the call took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def assert_finite(result, where: str = "result") -> None:
    """Every number in ``result`` (a number, an array, a container, a Value, a dataclass,
    a layer or a net) is finite."""
    if result is None or isinstance(result, str | bool | Callable):
        return
    if isinstance(result, Value):
        assert math.isfinite(result.data), where
    elif isinstance(result, int | float | np.number):
        assert math.isfinite(result), f"{where} is {result!r}"
    elif isinstance(result, np.ndarray):
        if result.dtype.kind in "iuf":
            assert np.all(np.isfinite(result)), f"{where} holds nan or inf"
    elif isinstance(result, dict):
        for k, v in result.items():
            assert_finite(v, f"{where}[{k!r}]")
    elif isinstance(result, list | tuple):
        for i, v in enumerate(result):
            assert_finite(v, f"{where}[{i}]")
    elif dataclasses.is_dataclass(result):
        for f in dataclasses.fields(result):
            assert_finite(getattr(result, f.name), f"{where}.{f.name}")
    elif hasattr(result, "params"):
        assert_finite(result.params, f"{where}.params")


def outcome(fn: Callable, *args, needles: tuple[str, ...] = (), **kwargs):
    """Call ``fn`` under the time limit. A documented error must carry a message naming one of
    ``needles``; a result must be finite. Returns the result or the error."""
    with time_limit():
        try:
            result = fn(*args, **kwargs)
        except DOCUMENTED as err:
            message = str(err)
            assert len(message) > 15, f"too short to help: {message!r}"
            if needles:
                assert any(n in message for n in needles), f"{message!r} names none of {needles}"
            return err
    assert_finite(result)
    return result


# --- the bad values -----------------------------------------------------------------------------

nan, inf = float("nan"), float("inf")
BAD_NUMBERS = [
    nan, inf, -inf, 0, 0.0, -1, -0.5, 2.5, 1e-300, 1e300, 10**12, -(10**12), True, None, "0.1",
    1 + 2j, np.float64(nan), np.int64(-3), np.float32(3.0), [], [1.0], np.array([1.0, 2.0]),
]
bad_numbers = st.sampled_from(BAD_NUMBERS)


def bad_arrays(base: np.ndarray) -> st.SearchStrategy:
    """Bad or awkward versions of the valid array ``base``."""
    def with_value(v):
        a = base.astype(float).copy()
        a.flat[0] = v
        return a

    wide = np.concatenate([base, base], axis=-1) if base.ndim else base
    variants = [
        with_value(nan), with_value(inf), with_value(-inf), with_value(1e300),
        base[:0], base.reshape(-1), base[None], base.T, base.tolist(),
        base.astype(np.float32), base.astype(np.float16) if base.size else base,
        base.astype(complex), base.astype(str), base.astype(bool), base.astype(object),
        wide[..., ::2] if base.ndim else base,  # a non-contiguous view with valid values
        np.zeros((0, 0)), np.ones((3, 7)), 1.5, None, "x",
    ]
    return st.sampled_from(variants)


def corrupt(valid: dict, name: str, bad) -> dict:
    return {**valid, name: bad}


X2 = np.random.default_rng(0).normal(size=(4, 3))
Y2 = np.random.default_rng(1).uniform(size=(4, 2))
LABELS = np.array([0, 1, 2, 1])


# --- Part 1: every public function, one parameter at a time ---------------------------------------

SCALAR_FUNCTIONS = [
    functional.sigmoid, functional.sigmoid_derivative, functional.tanh, functional.tanh_derivative,
    functional.relu, functional.relu_derivative, functional.leaky_relu, functional.leaky_relu_derivative,
    functional.elu, functional.elu_derivative,
]


@BAD
@given(fn=st.sampled_from(SCALAR_FUNCTIONS), x=st.sampled_from([v for v in BAD_NUMBERS if not (
    isinstance(v, float | np.floating) and math.isnan(v))]))
def test_functional_gives_a_number_or_refuses_a_non_number(fn, x):
    # functional is the mathematics: ±inf gives the limit and nan propagates (documented); the
    # gates and layers that call it refuse nan first. Everything else: finite, or a TypeError.
    with time_limit():
        try:
            out = fn(x)
        except TypeError as err:
            assert "expected a real number" in str(err) or "expected real numbers" in str(err)
            return
    assert not np.any(np.isnan(out))
    if np.all(np.isfinite(np.asarray(x, dtype=float))):
        assert np.all(np.isfinite(out))


GATES = [AddGate, MultiplyGate, MaxGate, ExpGate, ReciprocalGate, SigmoidGate, TanhGate, LogGate]


@BAD
@given(gate=st.sampled_from(GATES), slot=st.integers(0, 1), bad=bad_numbers)
def test_gate_forward_and_backward(gate, slot, bad):
    g = gate()
    inputs = [0.5] * g.n_inputs
    inputs[min(slot, g.n_inputs - 1)] = bad
    outcome(g.forward, *inputs, needles=(gate.__name__, "log", "exp", "1/x"))
    g.forward(*[0.5] * g.n_inputs)
    outcome(g.backward, bad, needles=(gate.__name__,))


@BAD
@given(p=bad_numbers, x=bad_numbers)
def test_power_gate(p, x):
    gate = outcome(PowerGate, p, needles=("PowerGate",))
    if isinstance(gate, PowerGate):
        outcome(gate.forward, x, needles=("PowerGate", "x**"))


OPS = [
    lambda a, b: a + b, lambda a, b: b + a, lambda a, b: a - b, lambda a, b: b - a,
    lambda a, b: a * b, lambda a, b: b * a, lambda a, b: a / b, lambda a, b: b / a, lambda a, b: a**b,
    lambda a, b: a.max(b), lambda a, b: Value.dot([a, a], [b, b]), lambda a, b: Value.dot([a], [a], b),
]


@BAD
@given(op=st.sampled_from(OPS), bad=bad_numbers, start=st.sampled_from([0.5, -2.0, 1e200]))
def test_value_operations(op, bad, start):
    needles = ("Value", "number", "1/x", "/ 0", "x**", "**", "dot", "exp", "log")
    a = Value(start)
    out = outcome(op, a, bad, needles=needles)
    if isinstance(out, Value):
        outcome(out.backward, needles=("Value.backward",))
        assert_finite([a.grad])
    outcome(Value, bad, needles=("Value",))


@BAD
@given(bad=bad_numbers)
def test_count_ops(bad):
    outcome(count_ops, bad, needles=("count_ops",))


@BAD
@given(which=st.sampled_from(["x", "h", "f"]), bad=bad_numbers,
       x=bad_arrays(np.array([[1.0, 2.0], [3.0, 4.0]])))
def test_numerical_gradient(which, bad, x):
    def f(a):
        with np.errstate(over="ignore"):  # x = 1e300 overflows: numerical_gradient must refuse inf
            return float(np.sum(np.abs(a) ** 1.5))

    valid = {"f": f, "x": np.array([[1.0, 2.0], [3.0, 4.0]]), "h": 1e-5}
    if which == "x":
        kwargs = corrupt(valid, "x", x)
    elif which == "h":
        kwargs = corrupt(valid, "h", bad)
    else:
        kwargs = corrupt(valid, "f", lambda a, bad=bad: bad)
    out = outcome(numerical_gradient, needles=("numerical_gradient",), **kwargs)
    if isinstance(out, np.ndarray) and which == "x":  # whatever view x is: ∂/∂x of Σ|x|^1.5
        x = np.asarray(kwargs["x"])
        np.testing.assert_allclose(out, 1.5 * np.sign(x) * np.abs(x) ** 0.5, rtol=1e-6)


@BAD
@given(a=bad_arrays(np.array([1.0, 2.0])), b=bad_numbers)
def test_rel_error(a, b):
    outcome(rel_error, a, np.array([1.0, 2.0]), needles=("rel_error",))
    outcome(rel_error, 1.0, b, needles=("rel_error",))


LAYER_FACTORIES = {
    "Linear": lambda: Linear(3, 2), "Sigmoid": Sigmoid, "Tanh": Tanh, "ReLU": ReLU,
    "LeakyReLU": lambda: LeakyReLU(0.1), "ELU": lambda: ELU(1.0), "Maxout": lambda: Maxout(3, 2),
    "Neuron": lambda: Neuron(3), "Sequential": lambda: Sequential([Linear(3, 4), ReLU(), Linear(4, 2)]),
}


@BAD
@given(name=st.sampled_from(sorted(LAYER_FACTORIES)), x=bad_arrays(X2))
def test_layer_forward_and_backward(name, x):
    layer = LAYER_FACTORIES[name]()
    outcome(layer.forward, x, needles=("forward",))
    out = layer.forward(X2)
    outcome(layer.backward, x if np.shape(x) == np.shape(out) else np.ones_like(out) * np.nan,
            needles=("backward", "dout"))


@BAD
@given(which=st.sampled_from(["n_in", "n_out", "k", "slope", "alpha", "dtype"]), bad=bad_numbers,
       dtype=st.sampled_from([int, bool, str, complex, object, "float33", np.float16, np.float32]))
def test_layer_constructors(which, bad, dtype):
    if which == "n_in":
        outcome(Linear, bad, 2, needles=("n_in",))
        outcome(Neuron, bad, needles=("n_in",))
    elif which == "n_out":
        outcome(Maxout, 3, bad, needles=("n_out",))
    elif which == "k":
        outcome(Maxout, 3, 2, k=bad, needles=("k",))
    elif which == "slope":
        outcome(LeakyReLU, bad, needles=("slope",))
    elif which == "alpha":
        outcome(ELU, bad, needles=("alpha",))
    else:
        outcome(Linear, 3, 2, dtype=dtype, needles=("dtype",))


@BAD
@given(scores=bad_arrays(np.ones((4, 3))), y=bad_arrays(LABELS), y2=bad_arrays(Y2))
def test_losses(scores, y, y2):
    outcome(SoftmaxCrossEntropy().forward, scores, LABELS, needles=("SoftmaxCrossEntropy",))
    outcome(SoftmaxCrossEntropy().forward, np.ones((4, 3)), y, needles=("SoftmaxCrossEntropy",))
    outcome(MSELoss().forward, scores, np.ones((4, 3)), needles=("MSELoss",))
    outcome(MSELoss().forward, np.ones((4, 2)), y2, needles=("MSELoss",))


@BAD
@given(which=st.sampled_from(["X", "y", "eta", "epochs", "batch_size", "model", "loss"]),
       bad=bad_numbers, X=bad_arrays(X2), y=bad_arrays(LABELS))
def test_fit_and_sgd_step(which, bad, X, y):
    valid = {"model": Sequential([Linear(3, 3)]), "loss": SoftmaxCrossEntropy(), "X": X2, "y": LABELS,
             "eta": 0.1, "epochs": 2}
    value = {"X": X, "y": y}.get(which, bad)
    outcome(fit, needles=("fit", "forward", which), **corrupt(valid, which, value))
    outcome(sgd_step, Linear(3, 2), bad, needles=("sgd_step",))


@BAD
@given(which=st.sampled_from(["d", "q", "l"]), bad=bad_numbers)
def test_zhounet_sizes(which, bad):
    outcome(ZhouNet, **corrupt({"d": 3, "q": 2, "l": 2}, which, bad), needles=("ZhouNet",))


@BAD
@given(method=st.sampled_from(["forward", "error", "gradients", "predict", "accuracy", "train",
                               "accumulated_step", "standard_step"]),
       which=st.sampled_from(["X", "Y"]), X=bad_arrays(X2), Y=bad_arrays(Y2))
def test_zhounet_data(method, which, X, Y):
    net = ZhouNet(3, 2, 2, seed=0)
    x_ok, y_ok = (X2[0], Y2[0]) if method == "standard_step" else (X2, Y2)
    args = {"X": X if which == "X" else x_ok, "Y": Y if which == "Y" else y_ok}
    fn = getattr(net, method)
    call = (lambda: fn(args["X"])) if method in ("forward", "predict") else (lambda: fn(args["X"], args["Y"]))
    outcome(call, needles=("ZhouNet",))
    assert_finite(net.params)


@BAD
@given(which=st.sampled_from(["eta", "eta_hidden", "epochs", "target_error", "mode"]), bad=bad_numbers)
def test_zhounet_train_settings(which, bad):
    outcome(ZhouNet(3, 2, 2).train, X2, Y2, needles=("ZhouNet.train",), **{which: bad})


@BAD
@given(which=st.sampled_from(["v", "gamma", "w", "theta"]), bad=bad_arrays(np.ones((3, 2))))
def test_zhounet_from_params(which, bad):
    valid = {"v": np.ones((3, 2)), "gamma": np.ones(2), "w": np.ones((2, 2)), "theta": np.ones(2)}
    outcome(ZhouNet.from_params, needles=("from_params",), **corrupt(valid, which, bad))


@BAD
@given(which=st.sampled_from(["n_nodes", "edge", "local", "names"]), bad=bad_numbers)
def test_graph(which, bad):
    if which == "n_nodes":
        outcome(paths.Graph, bad, [], needles=("n_nodes",))
    elif which == "edge":
        outcome(paths.Graph, 3, [(0, bad, 1.0)], needles=("Graph",))
        outcome(paths.Graph, 3, [bad], needles=("Graph",))
    elif which == "local":
        outcome(paths.Graph, 3, [(0, 1, bad)], needles=("Graph",))
    else:
        outcome(paths.Graph, 2, [(0, 1, 1.0)], [bad], needles=("Graph", "names"))


@BAD
@given(fn=st.sampled_from(["count_paths", "sum_over_paths", "backprop_deltas", "forward_tangents"]),
       bad=bad_numbers, slot=st.integers(0, 2))
def test_path_functions(fn, bad, slot):
    g = paths.layered_graph([1, 3, 3, 1])
    args: list = [g, 0, g.n_nodes - 1] if fn in ("count_paths", "sum_over_paths") else [g, 0]
    args[min(slot, len(args) - 1)] = bad
    outcome(getattr(paths, fn), *args, needles=("source", "target", "graph", "count_paths"))
    if fn == "sum_over_paths":
        outcome(paths.sum_over_paths, g, 0, g.n_nodes - 1, max_paths=bad, needles=("max_paths",))


@BAD
@given(widths=st.one_of(bad_numbers, st.lists(bad_numbers, max_size=4),
                        st.lists(st.integers(-2, 10**4), min_size=2, max_size=5)))
def test_layered_graph(widths):
    outcome(paths.layered_graph, widths, needles=("layered_graph",))


@BAD
@given(fn=st.sampled_from([datasets.make_moons, datasets.make_xor, datasets.make_spirals]),
       which=st.sampled_from(["n", "noise", "classes"]), bad=bad_numbers)
def test_datasets(fn, which, bad):
    if which == "classes" and fn is not datasets.make_spirals:
        which = "n"
    outcome(fn, needles=(fn.__name__,), **{which: bad})


@BAD
@given(which=st.sampled_from(["d", "q", "l", "max_params"]), bad=bad_numbers)
def test_naive_gradient_function_refuses_up_front(which, bad):
    outcome(symbolic.naive_gradient_function,
            **corrupt({"d": 2, "q": 2, "l": 1, "max_params": 150}, which, bad),
            needles=("naive_gradient_function",))


@BAD
@given(bad=bad_numbers)
def test_draw(bad):
    f = Value(1.0) * Value(2.0)
    outcome(draw, bad, needles=("draw",))
    outcome(draw, f, ax=bad if bad is not None else 1, needles=("draw",))
    outcome(draw, f, max_nodes=bad, needles=("draw",))


# --- Part 2: each case listed in issue 18 --------------------------------------------------------


def test_numerical_gradient_on_a_transpose_and_a_column_view():
    W = np.arange(1.0, 7.0).reshape(2, 3)
    for x in (W.T, W[:, 1:2].T, W[:, ::2]):
        g = numerical_gradient(lambda _, x=x: float(np.sum(x**3)), x)
        np.testing.assert_allclose(g, 3 * x**2, rtol=1e-8)  # not zeros
    np.testing.assert_array_equal(W, np.arange(1.0, 7.0).reshape(2, 3))  # put back


def test_numerical_gradient_refuses_read_only_and_bad_steps():
    x = np.ones(3)
    x.flags.writeable = False
    with pytest.raises(ValueError, match="writable"):
        numerical_gradient(lambda a: float(a.sum()), x)
    with pytest.raises(ValueError, match="h expected a finite number"):
        numerical_gradient(lambda a: float(a.sum()), np.ones(2), h=inf)
    with pytest.raises(ValueError, match="too small"):
        numerical_gradient(lambda a: float(a.sum()), np.ones(2), h=1e-300)


def test_rel_error_refuses_none_nan_and_empty():
    with pytest.raises(TypeError, match="rel_error expected a to be real numbers"):
        rel_error(None, 1)
    with pytest.raises(ValueError, match="nan or inf in a"):
        rel_error(nan, 1)
    with pytest.raises(ValueError, match="empty"):
        rel_error([], [])


@pytest.mark.parametrize("dtype", [int, str, complex])
def test_linear_refuses_non_float_dtypes(dtype):
    with pytest.raises(TypeError, match="Linear dtype expected a float dtype"):
        Linear(3, 2, dtype=dtype)


def test_linear_converts_a_float32_batch_and_a_list_to_its_dtype():
    layer = Linear(3, 2)
    expected = X2 @ layer.params["W"] + layer.params["b"]
    out32 = layer.forward(X2.astype(np.float32))
    assert out32.dtype == np.float64
    np.testing.assert_allclose(out32, X2.astype(np.float32).astype(float) @ layer.params["W"])
    np.testing.assert_allclose(layer.forward(X2.tolist()), expected, rtol=1e-15)


def test_float16_linear_names_the_dtype_not_x():
    with pytest.raises(ValueError, match="beyond the range of the layer's dtype float16"):
        Linear(3, 2, dtype=np.float16).forward(np.full((1, 3), 1e5))


def test_fit_checks_that_X_and_y_have_the_same_rows():
    model, loss = Sequential([Linear(3, 3)]), SoftmaxCrossEntropy()
    with pytest.raises(ValueError, match=r"one row per sample of X \(N = 4\), got y of shape \(5,\)"):
        fit(model, loss, X2, np.array([0, 1, 2, 1, 0]))
    with pytest.raises(ValueError, match=r"one row per sample of X \(N = 4\), got y of shape \(3,\)"):
        fit(model, loss, X2, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="no samples"):
        fit(model, loss, np.zeros((0, 3)), np.zeros(0, dtype=int))
    history = fit(model, loss, X2, [0, 1, 2, 1], epochs=3)  # y as a list
    assert history.shape == (3,) and np.all(np.isfinite(history))


def test_losses_refuse_an_empty_batch():
    with pytest.raises(ValueError, match="empty batch"):
        MSELoss().forward(np.zeros((0, 2)), np.zeros((0, 2)))
    with pytest.raises(ValueError, match="empty batch"):
        SoftmaxCrossEntropy().forward(np.zeros((0, 3)), np.zeros(0, dtype=int))


def test_zhounet_refuses_nan_parameters_and_odd_inputs():
    with pytest.raises(ValueError, match="from_params v got values that are nan"):
        ZhouNet.from_params(np.full((2, 2), nan), np.ones(2), np.ones((2, 1)), np.ones(1))
    net = ZhouNet(2, 2, 1)
    for X in (np.ones((3, 2)) * (1 + 1j), np.ones((3, 2), dtype=bool), np.array([["1", "2"]] * 3)):
        with pytest.raises(ValueError, match=r"ZhouNet.train X expected real numbers"):
            net.train(X, np.ones(3))
    with pytest.raises(ValueError, match="target_error expected a finite number"):
        net.train(np.ones((3, 2)), np.ones(3), target_error=nan)
    assert len(net.train(np.ones((3, 2)), np.ones(3), eta=np.int64(1), epochs=1)) == 1
    layer = Linear(3, 2)
    layer.forward(X2)
    layer.backward(np.ones((4, 2)))
    W = layer.params["W"].copy()
    sgd_step(layer, np.int64(1))  # a numpy integer is a learning rate too
    np.testing.assert_allclose(layer.params["W"], W - layer.grads["W"])


def test_gates_refuse_overflow_like_value():
    with pytest.raises(ValueError, match=r"got inf from 'MultiplyGate' on 1e\+200, 1e\+200"):
        MultiplyGate().forward(1e200, 1e200)
    with pytest.raises(OverflowError, match=r"x\*\*2.0 at x = 1e\+200 overflows"):
        PowerGate(2).forward(1e200)
    g = MultiplyGate()
    g.forward(1e200, 1.0)
    with pytest.raises(ValueError, match="overflow"):
        g.backward(1e200)


def test_value_backward_refuses_gradient_overflow():
    x = Value(1.0, label="x")
    f = x * 1e-300 * 1e300 * 1e300  # forward: 1e-300, 1, 1e300, all finite
    # backward: ∂f/∂(x·1e-300·1e300) = 1e300, then ∂f/∂(x·1e-300) = 1e300 · 1e300 overflows
    with pytest.raises(ValueError, match="Value.backward: the gradient at node .* overflows"):
        f.backward()


def test_graph_refuses_float_nodes_and_bad_edges():
    with pytest.raises(ValueError, match="node numbers must be integers"):
        paths.Graph(3, [(0.5, 1, 1.0)])
    with pytest.raises(ValueError, match=r"each edge as \(u, v, local\)"):
        paths.Graph(3, [(0, 1)])


def test_count_paths_says_the_target_precedes_the_source():
    g = paths.layered_graph([1, 2, 1])
    with pytest.raises(ValueError, match="target 0 comes before source 3"):
        paths.count_paths(g, 3, 0)


def test_sum_over_paths_max_paths_must_be_an_integer():
    g = paths.layered_graph([1, 2, 1])
    for bad in (nan, inf, 2.5):
        with pytest.raises(ValueError, match="max_paths expected an integer"):
            paths.sum_over_paths(g, 0, 3, max_paths=bad)


def test_datasets_refuse_nan_noise_and_fractional_classes():
    for make in (datasets.make_moons, datasets.make_xor, datasets.make_spirals):
        with pytest.raises(ValueError, match=f"{make.__name__} noise expected a finite number"):
            make(noise=nan)
    with pytest.raises(ValueError, match="make_spirals classes expected an integer >= 2"):
        datasets.make_spirals(classes=2.5)
    with pytest.raises(ValueError, match="make_moons n .* positive integer, got True"):
        datasets.make_moons(True)


def test_big_requests_are_refused_up_front_with_the_estimate():
    with pytest.raises(ValueError, match=r"n_nodes expected an integer <= 1,000,000, got 1,000,000,000"):
        paths.Graph(10**9, [])
    with pytest.raises(ValueError, match=r"about 100,020,000, more than max_edges=100,000"):
        paths.layered_graph([1, 10**4, 10**4, 1])
    with pytest.raises(ValueError, match=r"30-30-5 net has parameters: about 1,085, more than max_params"):
        symbolic.naive_gradient_function(30, 30, 5)
    net = ZhouNet(784, 256, 10)
    X, Y = np.zeros((256, 784)), np.zeros((256, 10))
    with pytest.raises(ValueError, match=r"would need bytes: about 16,441,671,680, more than max_bytes="):
        symbolic.symbolic_gradients(net, X, Y)
    with pytest.raises(ValueError, match="more than layers.MAX_PARAMS"):
        Linear(10**5, 10**5)


def test_obscure_tracebacks_are_now_sentences():
    with pytest.raises(TypeError, match="count_ops expected a Value"):
        count_ops(3)
    g = paths.layered_graph([1, 2, 1])
    other = paths.backprop_deltas(paths.layered_graph([1, 3, 1]), 4)
    with pytest.raises(ValueError, match="computed on another graph"):
        paths.delta_table(g, other)
    with pytest.raises(ValueError, match=r"fit expected y with one row per sample of X \(N = 4\)"):
        fit(Sequential([Linear(3, 3)]), SoftmaxCrossEntropy(), X2, LABELS[:2])


# --- Part 3: views and transposes give the numbers of contiguous copies -------------------------


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**16))
def test_layers_and_zhou_on_views(seed):
    rng = np.random.default_rng(seed)
    big = rng.normal(size=(6, 8))
    view = big[::2, 1::2].T  # (4, 3), neither C- nor F-contiguous
    copy = np.ascontiguousarray(view)
    for make in (lambda: Linear(3, 2, seed=1), lambda: Maxout(3, 2, seed=1), Sigmoid, ELU):
        a, b = make(), make()
        np.testing.assert_array_equal(a.forward(view), b.forward(copy))
        dout = rng.normal(size=a.forward(view).shape)
        np.testing.assert_allclose(a.backward(dout[::1]), b.backward(np.ascontiguousarray(dout)))
    net = ZhouNet(3, 2, 1, seed=seed)
    targets = rng.uniform(size=4)
    ga, gb = net.gradients(view, targets[::-1]), net.gradients(copy, targets[::-1].copy())
    for k in ga:
        np.testing.assert_array_equal(ga[k], gb[k])
