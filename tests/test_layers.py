"""bpcourse.layers: every backward against centred differences and sympy; stability; misuse.

The independent references: ``numerical_gradient`` (finite differences, which share nothing with
the backward code), sympy's derivatives of the textbook formulas, and Zhou's definition of E
written out as loops. Inputs are kept at least 0.01 away from the kinks of ReLU, Leaky ReLU,
ELU and Maxout, where a centred difference straddles the kink and means nothing.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bpcourse.datasets import make_spirals
from bpcourse.gradcheck import numerical_gradient, rel_error
from bpcourse.layers import (
    ELU,
    Layer,
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

TOL = 1e-7  # float64, h = 1e-5: a right gradient is far below this, a wrong one far above
KINK_GAP = 0.01  # how far inputs stay from a kink; much larger than the step h = 1e-5

GRAD_SETTINGS = settings(max_examples=40, deadline=None)
sizes = st.integers(1, 4)
seeds = st.integers(0, 2**32 - 1)


def away_from_zero(x: np.ndarray, gap: float = KINK_GAP) -> np.ndarray:
    """Move every entry at least ``gap`` away from 0, keeping its sign."""
    return np.where(x >= 0, x + gap, x - gap)


def grad_error(analytic: np.ndarray, numeric: np.ndarray, floor: float = 1e-3) -> float:
    """``rel_error``, except that entries smaller than ``floor`` are measured against ``floor``.

    With ``floor = 1e-3·S`` an entry above the floor must agree to a relative 1e-7 and a smaller
    one to an absolute 1e-10·S. Why: a centred difference carries an absolute rounding error of
    about eps·S/h ≈ 2e-11·S, where S = Σ|terms of z| is the size of the scalar being
    differentiated, the same for every entry. An entry of 1e-5 (a sigmoid far out, a product of
    small weights) cannot be measured to a relative 1e-7 however right the backward pass is.
    A wrong backward pass is still caught: its error is as large as the entry itself.
    """
    a, b = np.asarray(analytic, dtype=float), np.asarray(numeric, dtype=float)
    assert a.shape == b.shape
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), floor)))


def assert_grads_match(layer: Layer, x: np.ndarray, seed: int) -> None:
    """Check dx and every parameter gradient of ``layer`` at ``x`` against finite differences.

    The scalar is z = Σ out ⊙ R with a fixed random R, so ∂z/∂out = R is the dout fed to backward.
    """
    out = layer.forward(x)
    R = np.random.default_rng(seed).normal(size=out.shape)
    floor = 1e-3 * max(1.0, float(np.sum(np.abs(out * R))))  # see grad_error
    dx = layer.backward(R)
    grads = {k: v.copy() for k, v in layer.grads.items()}

    def z(_):
        return float(np.sum(layer.forward(x) * R))

    assert dx.shape == x.shape
    assert grad_error(dx, numerical_gradient(z, x), floor) < TOL
    assert set(grads) == set(layer.params)
    for name, p in layer.params.items():
        assert grads[name].shape == p.shape, name
        assert grad_error(grads[name], numerical_gradient(z, p), floor) < TOL, name


def batch(seed: int, n: int, d: int, scale: float = 1.0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, scale, size=(n, d))


# ----------------------------------------------------------------------------------------------
# Gradient checks, one layer at a time
# ----------------------------------------------------------------------------------------------


@GRAD_SETTINGS
@given(n=sizes, n_in=sizes, n_out=sizes, seed=seeds)
def test_linear_gradients(n, n_in, n_out, seed):
    layer = Linear(n_in, n_out, seed=seed)
    layer.params["b"][:] = np.random.default_rng(seed + 1).normal(size=n_out)
    assert_grads_match(layer, batch(seed, n, n_in), seed)


@GRAD_SETTINGS
@given(n=sizes, d=sizes, seed=seeds, scale=st.floats(0.1, 4.0))
@pytest.mark.parametrize("make", [Sigmoid, Tanh], ids=["Sigmoid", "Tanh"])
def test_smooth_activation_gradients(make, n, d, seed, scale):
    # |x| ≤ 4 keeps σ' and tanh' above 1e-3: further out they are too flat for finite differences
    # to measure to 1e-7 (saturation is tested separately, below).
    assert_grads_match(make(), np.clip(batch(seed, n, d, scale), -4.0, 4.0), seed)


@GRAD_SETTINGS
@given(n=sizes, d=sizes, seed=seeds, slope=st.floats(0.0, 0.5), alpha=st.floats(0.1, 2.0))
@pytest.mark.parametrize("kind", ["ReLU", "LeakyReLU", "ELU"])
def test_kinked_activation_gradients(kind, n, d, seed, slope, alpha):
    layer = {"ReLU": ReLU(), "LeakyReLU": LeakyReLU(slope), "ELU": ELU(alpha)}[kind]
    assert_grads_match(layer, away_from_zero(batch(seed, n, d, 2.0)), seed)


@GRAD_SETTINGS
@given(n=sizes, n_in=sizes, n_out=sizes, k=st.integers(1, 4), seed=seeds)
def test_maxout_gradients(n, n_in, n_out, k, seed):
    layer = Maxout(n_in, n_out, k, seed=seed)
    layer.params["b"][:] = np.random.default_rng(seed + 1).normal(size=(k, n_out))
    x = batch(seed, n, n_in)
    z = np.sort(np.matmul(x, layer.params["W"]) + layer.params["b"][:, None, :], axis=0)
    if k > 1:
        assume(np.min(z[-1] - z[-2]) > KINK_GAP)  # a clear winner in every unit: away from the kink
    assert_grads_match(layer, x, seed)


@GRAD_SETTINGS
@given(n=sizes, n_in=sizes, seed=seeds)
def test_neuron_gradients_batch(n, n_in, seed):
    neuron = Neuron(n_in, seed=seed)
    neuron.params["b"][...] = 0.3
    assert_grads_match(neuron, batch(seed, n, n_in), seed)


def test_neuron_single_sample_matches_lecture_formula():
    # The lecture's neuron_tick: sigmoid of Σ inputs·weights + bias, one sample as a 1-D array.
    neuron = Neuron(3, seed=4)
    neuron.params["b"][...] = -0.2
    x = np.array([0.5, -1.0, 2.0])
    rate = neuron.forward(x)
    assert isinstance(rate, float)
    assert rate == pytest.approx(1.0 / (1.0 + np.exp(-(np.sum(x * neuron.weights) + neuron.bias))), rel=1e-14)
    dx = neuron.backward(1.0)
    assert dx.shape == (3,)
    assert rel_error(dx, numerical_gradient(lambda v: neuron.forward(v), x.copy())) < TOL
    gw = neuron.grads["w"].copy()
    assert rel_error(gw, numerical_gradient(lambda _: neuron.forward(x), neuron.params["w"])) < TOL


# ----------------------------------------------------------------------------------------------
# Stacks of mixed layers
# ----------------------------------------------------------------------------------------------

LAYER_KINDS = ["Linear", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "ELU", "Maxout"]


def kink_distance(layers: list[Layer], x: np.ndarray) -> float:
    """How close the forward pass comes to any kink (inputs of ReLU-like layers, Maxout ties)."""
    gap = np.inf
    for layer in layers:
        if isinstance(layer, ReLU | LeakyReLU | ELU):
            gap = min(gap, np.min(np.abs(x)))
        if isinstance(layer, Maxout) and layer.k > 1:
            z = np.sort(np.matmul(x, layer.params["W"]) + layer.params["b"][:, None, :], axis=0)
            gap = min(gap, np.min(z[-1] - z[-2]))
        x = layer.forward(x)
    return gap


@settings(max_examples=60, deadline=None)
@given(kinds=st.lists(st.sampled_from(LAYER_KINDS), min_size=1, max_size=6), n=sizes, d=sizes,
       widths=st.lists(sizes, min_size=6, max_size=6), seed=seeds)
def test_sequential_gradients(kinds, n, d, widths, seed):
    rng = np.random.default_rng(seed)
    layers: list[Layer] = []
    width = d
    for kind, w in zip(kinds, widths[: len(kinds)], strict=True):
        if kind == "Linear":
            layers.append(Linear(width, w, rng=rng))
            layers[-1].params["b"][:] = rng.normal(size=w)
            width = w
        elif kind == "Maxout":
            layers.append(Maxout(width, w, k=2, rng=rng))
            width = w
        elif kind == "LeakyReLU":
            layers.append(LeakyReLU(0.1))
        elif kind == "ELU":
            layers.append(ELU(0.7))
        else:
            layers.append({"Sigmoid": Sigmoid, "Tanh": Tanh, "ReLU": ReLU}[kind]())
    x = batch(seed, n, d)
    assume(kink_distance(layers, x) > KINK_GAP)
    assert_grads_match(Sequential(layers), x, seed)


@GRAD_SETTINGS
@given(n=sizes, seed=seeds)
def test_sequential_with_loss_gradients(n, seed):
    # The full composite x¹ -> ... -> x^L -> z, z a loss, gradients for every parameter.
    rng = np.random.default_rng(seed)
    model = Sequential([Linear(3, 4, rng=rng), Tanh(), Linear(4, 3, rng=rng)])
    x, y = rng.normal(size=(n, 3)), rng.integers(0, 3, size=n)
    loss = SoftmaxCrossEntropy()
    loss.forward(model.forward(x), y)
    dx = model.backward(loss.backward())
    grads = {k: v.copy() for k, v in model.grads.items()}

    def z(_):
        return loss.forward(model.forward(x), y)

    assert grad_error(dx, numerical_gradient(z, x)) < TOL
    for name, p in model.params.items():
        assert grad_error(grads[name], numerical_gradient(z, p)) < TOL, name


def test_sequential_params_are_the_layers_own_arrays():
    first = Linear(2, 3, seed=0)
    model = Sequential([first, ReLU(), Linear(3, 1, seed=1)])
    assert list(model.params) == ["0.W", "0.b", "2.W", "2.b"]
    assert model.params["0.W"] is first.params["W"]
    assert list(model.grads) == list(model.params)
    assert repr(model) == "Sequential([Linear(2, 3), ReLU(), Linear(3, 1)])"


def test_sequential_need_dx_false_gives_the_same_grads():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 3))
    for first in (Linear(3, 4, seed=0), Maxout(3, 4, 2, seed=0), Tanh()):
        width = 3 if isinstance(first, Tanh) else 4
        model = Sequential([first, Sigmoid(), Linear(width, 2, seed=1)])
        dout = rng.normal(size=(5, 2))
        model.forward(x)
        model.backward(dout)
        full = {k: v.copy() for k, v in model.grads.items()}
        model.forward(x)
        assert model.backward(dout, need_dx=False) is None
        for k, v in model.grads.items():
            assert np.array_equal(v, full[k]), k
    assert len(model) == 3 and model[0] is first and list(model) == model.layers


# ----------------------------------------------------------------------------------------------
# Losses
# ----------------------------------------------------------------------------------------------


@GRAD_SETTINGS
@given(n=sizes, l=sizes, seed=seeds)
def test_mse_is_zhous_E_and_its_gradient(n, l, seed):
    rng = np.random.default_rng(seed)
    yhat, y = rng.normal(size=(n, l)), rng.normal(size=(n, l))
    loss = MSELoss()
    E = loss.forward(yhat, y)
    # Zhou (5.4) and (5.16), as loops: E_k = ½ Σ_j (ŷ_kj − y_kj)², E = (1/m) Σ_k E_k.
    E_k = [0.5 * sum((yhat[k, j] - y[k, j]) ** 2 for j in range(l)) for k in range(n)]
    assert E == pytest.approx(sum(E_k) / n, rel=1e-12)
    assert rel_error(loss.backward(), numerical_gradient(lambda v: loss.forward(v, y), yhat)) < TOL
    loss.forward(yhat, y)
    assert rel_error(loss.backward(2.5), 2.5 * (yhat - y) / n) < 1e-15


@GRAD_SETTINGS
@given(n=sizes, c=st.integers(2, 5), seed=seeds, scale=st.floats(0.1, 5.0))
def test_softmax_cross_entropy_value_and_gradient(n, c, seed, scale):
    rng = np.random.default_rng(seed)
    # scores within ±3: with a larger gap p is within 1e-6 of 1 and z within 1e-6 of 0, too flat
    # for finite differences to resolve to 1e-7 (large scores are tested for stability below)
    s = np.clip(rng.normal(0.0, scale, size=(n, c)), -3.0, 3.0)
    y = rng.integers(0, c, size=n)
    loss = SoftmaxCrossEntropy()
    value = loss.forward(s, y)
    # the definition, written directly: −mean log(e^{s_y} / Σ e^s)
    direct = -np.mean([np.log(np.exp(s[k, y[k]]) / np.exp(s[k]).sum()) for k in range(n)])
    assert value == pytest.approx(direct, rel=1e-10)
    assert grad_error(loss.backward(), numerical_gradient(lambda v: loss.forward(v, y), s)) < TOL


def test_softmax_cross_entropy_known_value():
    # Uniform scores over C classes give log C, whatever the label.
    assert SoftmaxCrossEntropy().forward(np.zeros((2, 4)), np.array([0, 3])) == pytest.approx(np.log(4))


# ----------------------------------------------------------------------------------------------
# sympy: the activations' derivatives from their textbook formulas
# ----------------------------------------------------------------------------------------------

t = sp.Symbol("t", real=True)
SYMPY_CASES = {
    "Sigmoid": (Sigmoid(), 1 / (1 + sp.exp(-t))),
    "Tanh": (Tanh(), sp.tanh(t)),
    "ReLU": (ReLU(), sp.Piecewise((t, t > 0), (0, True))),
    "LeakyReLU(0.1)": (LeakyReLU(0.1), sp.Max(sp.Rational(1, 10) * t, t)),  # the lecture's max(0.1x, x)
    "ELU(0.5)": (ELU(0.5), sp.Piecewise((t, t > 0), (sp.Rational(1, 2) * (sp.exp(t) - 1), True))),
}


@pytest.mark.parametrize("name", list(SYMPY_CASES))
def test_activation_matches_sympy(name):
    layer, expr = SYMPY_CASES[name]
    f = sp.lambdify(t, expr, "numpy")
    df = sp.lambdify(t, sp.diff(expr, t), "numpy")
    x = away_from_zero(np.linspace(-6.0, 6.0, 61)).reshape(-1, 1)
    out = layer.forward(x)
    dx = layer.backward(np.ones_like(x))
    assert rel_error(out, np.vectorize(f)(x).astype(float)) < 1e-12
    assert rel_error(dx, np.vectorize(df)(x).astype(float)) < 1e-12


def test_maxout_matches_sympy():
    # One unit, one input, two pieces: max(w1 t + b1, w2 t + b2) and its derivative.
    layer = Maxout(1, 1, k=2, seed=0)
    layer.params["W"][:] = np.array([0.5, -1.5]).reshape(2, 1, 1)
    layer.params["b"][:] = np.array([0.25, 0.0]).reshape(2, 1)
    expr = sp.Max(sp.Rational(1, 2) * t + sp.Rational(1, 4), -sp.Rational(3, 2) * t)
    df = sp.lambdify(t, sp.diff(expr, t), "numpy")
    x = np.linspace(-3, 3, 40).reshape(-1, 1)  # the kink at t = −1/8 is not on this grid
    layer.forward(x)
    assert rel_error(layer.backward(np.ones_like(x)), np.vectorize(df)(x).astype(float)) < 1e-12


def test_sigmoid_derivative_is_at_most_a_quarter():
    s = 1 / (1 + sp.exp(-t))
    ds = sp.simplify(sp.diff(s, t))
    assert sp.solve(sp.diff(ds, t), t) == [0]
    assert ds.subs(t, 0) == sp.Rational(1, 4)
    layer = Sigmoid()
    x = np.linspace(-20, 20, 4001).reshape(-1, 1)
    layer.forward(x)
    assert layer.backward(np.ones_like(x)).max() == 0.25


# ----------------------------------------------------------------------------------------------
# Stability at ±1e4: no overflow warning (pytest turns bpcourse RuntimeWarnings into errors, and
# here every warning) and finite values.
# ----------------------------------------------------------------------------------------------

BIG = np.array([[1e4, -1e4, 0.0, 700.0, -750.0, 1e4 - 1.0]])


@pytest.mark.parametrize("layer", [Sigmoid(), Tanh(), ReLU(), LeakyReLU(0.1), ELU(), Linear(6, 2),
                                   Maxout(6, 2, 3)], ids=repr)
def test_stable_at_large_inputs(layer):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = layer.forward(BIG)
        dx = layer.backward(np.ones_like(out))
    assert np.isfinite(out).all() and np.isfinite(dx).all()


def test_saturated_values_are_exact():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Sigmoid().forward(BIG)[0, :3].tolist() == [1.0, 0.0, 0.5]
        assert Tanh().forward(BIG)[0, :2].tolist() == [1.0, -1.0]
        assert ELU(2.0).forward(BIG)[0, :2].tolist() == [1e4, -2.0]
        assert Neuron(1).forward(np.array([[1e4], [-1e4]])).tolist() in ([1.0, 0.0], [0.0, 1.0])


def test_losses_stable_at_large_inputs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ce = SoftmaxCrossEntropy()
        z = ce.forward(np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]]), np.array([1, 0]))
        d = ce.backward()
        assert z == pytest.approx((2e4 + 2e4 + np.log(2)) / 2)
        assert np.isfinite(d).all()
        mse = MSELoss()
        assert mse.forward(np.array([[1e4]]), np.array([[-1e4]])) == pytest.approx(0.5 * 4e8)
        assert np.isfinite(mse.backward()).all()


# ----------------------------------------------------------------------------------------------
# Misuse: every error names the layer and the shapes
# ----------------------------------------------------------------------------------------------


def test_linear_error_message_is_exact():
    with pytest.raises(ValueError, match=r"^Linear\.forward expected x of shape \(N, 3\), got \(3,\)"):
        Linear(3, 2).forward(np.ones(3))


ALL_LAYERS = [Linear(3, 2), Maxout(3, 2, 2), Sigmoid(), Tanh(), ReLU(), LeakyReLU(), ELU()]


@pytest.mark.parametrize("layer", ALL_LAYERS, ids=repr)
@pytest.mark.parametrize("x", [np.ones(3), np.ones((2, 3, 1)), np.float64(1.0)], ids=["1-D", "3-D", "0-D"])
def test_wrong_rank_is_refused(layer, x):
    with pytest.raises(ValueError, match=rf"{type(layer).__name__}\.forward expected x of shape .*got"):
        layer.forward(x)


@pytest.mark.parametrize("layer", [Linear(3, 2), Maxout(3, 2, 2)], ids=repr)
def test_wrong_width_is_refused(layer):
    with pytest.raises(ValueError, match=r"expected x of shape \(N, 3\), got \(5, 4\)"):
        layer.forward(np.ones((5, 4)))


@pytest.mark.parametrize("layer", ALL_LAYERS + [Neuron(3)], ids=repr)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_input_is_refused(layer, bad):
    x = np.ones((2, 3))
    x[1, 2] = bad
    with pytest.raises(ValueError, match="non-finite"):
        layer.forward(x)


@pytest.mark.parametrize("layer", ALL_LAYERS, ids=repr)
def test_non_numeric_input_is_refused(layer):
    with pytest.raises(TypeError, match="float array"):
        layer.forward(np.array([["a", "b", "c"]]))


@pytest.mark.parametrize("make", [lambda: Linear(3, 2), lambda: Maxout(3, 2), Sigmoid, Tanh, ReLU, LeakyReLU,
                                  ELU, lambda: Neuron(3), MSELoss, SoftmaxCrossEntropy,
                                  lambda: Sequential([Linear(3, 2)])])
def test_backward_before_forward_is_refused(make):
    layer = make()
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.ones((2, 2)))


@pytest.mark.parametrize("layer", ALL_LAYERS, ids=repr)
def test_dout_of_wrong_shape_is_refused(layer):
    out = layer.forward(np.ones((4, 3)))
    for bad in (np.ones(out.shape[::-1] if out.shape[0] != out.shape[1] else (1, 1)), np.ones(out.shape[1]),
                np.ones((1, out.shape[1]))):
        message = rf"{type(layer).__name__}\.backward expected dout of shape \(4, "
        with pytest.raises(ValueError, match=message):
            layer.backward(bad)
    bad = np.ones(out.shape)
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        layer.backward(bad)


def test_loss_inputs_are_checked():
    message = r"MSELoss.forward expected y of the same shape as yhat \(4, 1\), got \(4,\)"
    with pytest.raises(ValueError, match=message):
        MSELoss().forward(np.ones((4, 1)), np.ones(4))
    ce = SoftmaxCrossEntropy()
    with pytest.raises(ValueError, match=r"integer labels y of shape \(2,\)"):
        ce.forward(np.ones((2, 3)), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"integer labels y of shape \(2,\)"):
        ce.forward(np.ones((2, 3)), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"labels in 0\.\.2"):
        ce.forward(np.ones((2, 3)), np.array([0, 3]))
    ce.forward(np.ones((2, 3)), np.array([0, 2]))
    with pytest.raises(ValueError, match=r"expected dout of shape \(\)"):
        ce.backward(np.ones(2))


def test_neuron_inputs_are_checked():
    neuron = Neuron(3)
    message = r"Neuron.forward expected x of shape \(3,\) or \(N, 3\), got \(4,\)"
    with pytest.raises(ValueError, match=message):
        neuron.forward(np.ones(4))
    neuron.forward(np.ones(3))
    with pytest.raises(ValueError, match=r"Neuron.backward expected dout of shape \(\)"):
        neuron.backward(np.ones(3))


def test_constructor_arguments_are_checked():
    with pytest.raises(ValueError, match="Linear n_in expected a positive integer"):
        Linear(0, 2)
    with pytest.raises(ValueError, match="Maxout k expected a positive integer"):
        Maxout(2, 2, k=1.5)
    with pytest.raises(ValueError, match="either rng or seed"):
        Linear(2, 2, rng=np.random.default_rng(0), seed=1)
    with pytest.raises(TypeError, match="Sequential holds the layers before the loss"):
        Sequential([Linear(2, 2), MSELoss()])
    with pytest.raises(TypeError, match="item 1"):
        Sequential([Linear(2, 2), np.tanh])
    for bad, error, message in ((-0.1, ValueError, "eta expected a number > 0"),
                                (float("inf"), ValueError, "eta expected a finite number"),
                                ("0.1", TypeError, "eta expected a real number"),
                                (True, TypeError, "eta expected a real number")):
        with pytest.raises(error, match=message):
            sgd_step(Linear(2, 2), bad)


# ----------------------------------------------------------------------------------------------
# Learning
# ----------------------------------------------------------------------------------------------


def test_sgd_step_moves_against_the_gradient():
    layers = [Linear(2, 3, seed=0), Linear(3, 1, seed=1)]
    for layer in layers:
        for g in layer.grads.values():
            g[...] = 1.0
    before = [layer.params["W"].copy() for layer in layers]
    sgd_step(layers, 0.5)
    for layer, W in zip(layers, before, strict=True):
        assert np.array_equal(layer.params["W"], W - 0.5)
        assert np.array_equal(layer.params["b"], np.full(layer.n_out, -0.5))


def test_linear_keeps_float32():
    layer = Linear(3, 2, dtype=np.float32)
    out = layer.forward(np.ones((4, 3), dtype=np.float32))
    assert out.dtype == np.float32
    assert layer.backward(np.ones((4, 2), dtype=np.float32)).dtype == np.float32
    assert layer.grads["W"].dtype == np.float32


def test_seeded_initialisation():
    assert np.array_equal(Linear(4, 3, seed=7).params["W"], Linear(4, 3, seed=7).params["W"])
    assert not np.array_equal(Linear(4, 3, seed=7).params["W"], Linear(4, 3, seed=8).params["W"])


def spiral_net() -> Sequential:
    # notebook 04's network: f = W₂ max(0, W₁x + b₁) + b₂, 100 hidden units
    return Sequential([Linear(2, 100, seed=0), ReLU(), Linear(100, 3, seed=1)])


def test_notebook_04_training_reaches_claimed_accuracy():
    # Notebook 04 claims: 500 full-batch steps with η = 1 give ≥ 98% on the training spirals and
    # ≥ 95% on fresh spirals drawn with another seed.
    X, y = make_spirals(300, classes=3, seed=0)
    X_new, y_new = make_spirals(300, classes=3, seed=1)
    model = spiral_net()
    history = fit(model, SoftmaxCrossEntropy(), X, y, eta=1.0, epochs=500)
    assert history[0] > 1.0 and history[-1] < 0.1
    assert np.mean(model.forward(X).argmax(axis=1) == y) >= 0.98
    assert np.mean(model.forward(X_new).argmax(axis=1) == y_new) >= 0.95


def test_minibatch_fit_is_seeded_and_learns():
    X, y = make_spirals(300, classes=3, seed=0)
    h1 = fit(spiral_net(), SoftmaxCrossEntropy(), X, y, eta=0.5, epochs=20, batch_size=32, seed=3)
    h2 = fit(spiral_net(), SoftmaxCrossEntropy(), X, y, eta=0.5, epochs=20, batch_size=32, seed=3)
    assert np.array_equal(h1, h2)
    assert h1[-1] < 0.5 * h1[0]


# ----------------------------------------------------------------------------------------------
# The checks above can fail: they catch the usual mistakes
# ----------------------------------------------------------------------------------------------


class BiasMeanLinear(Linear):
    """A classic bug: the bias gradient averaged over the batch instead of summed."""

    def backward(self, dout):
        dx = super().backward(dout)
        self.grads["b"] = self.grads["b"] / dout.shape[0]
        return dx


class SigmoidWithoutOneMinus(Sigmoid):
    """A classic bug: σ' taken as σ."""

    def backward(self, dout):
        return dout * self.out


class MaxoutToAllPieces(Maxout):
    """A classic bug: the max gate's gradient sent to every piece, not only the winner."""

    def backward(self, dout):
        dx = super().backward(dout)
        self.grads["W"] = np.matmul(self.x.T, np.broadcast_to(dout, (self.k, *dout.shape)))
        return dx


@pytest.mark.parametrize("layer", [BiasMeanLinear(3, 2, seed=0), SigmoidWithoutOneMinus(),
                                   MaxoutToAllPieces(3, 2, 3, seed=0)], ids=repr)
def test_gradient_check_catches_wrong_backward(layer):
    with pytest.raises(AssertionError):
        assert_grads_match(layer, batch(0, 4, 3), seed=0)
