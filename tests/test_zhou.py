"""ZhouNet against finite differences, against the book's formulas written out here by hand, and
against the updates (5.11)-(5.14) of one standard-BP step."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpcourse.datasets import watermelon3, watermelon3a
from bpcourse.gradcheck import numerical_gradient
from bpcourse.zhou import MODES, History, ZhouNet, sigmoid

NAMES = ("v", "gamma", "w", "theta")


def random_problem(d, q, l, m, seed):
    rng = np.random.default_rng(seed + 1000)
    X = rng.normal(size=(m, d))
    Y = rng.uniform(size=(m, l))
    return ZhouNet(d, q, l, seed=seed), X, Y


def book_gradients_one_sample(net, x, y):
    """§5.3 written out with loops and math.exp, independently of zhou.py's numpy code."""
    d, q, l = net.d, net.q, net.l

    def f(s):
        return 1.0 / (1.0 + math.exp(-s))

    alpha = [sum(net.v[i, h] * x[i] for i in range(d)) for h in range(q)]
    b = [f(alpha[h] - net.gamma[h]) for h in range(q)]
    beta = [sum(net.w[h, j] * b[h] for h in range(q)) for j in range(l)]
    y_hat = [f(beta[j] - net.theta[j]) for j in range(l)]
    g = [y_hat[j] * (1 - y_hat[j]) * (y[j] - y_hat[j]) for j in range(l)]  # (5.10)
    e = [b[h] * (1 - b[h]) * sum(net.w[h, j] * g[j] for j in range(l)) for h in range(q)]  # (5.15)
    return {
        "v": np.array([[-e[h] * x[i] for h in range(q)] for i in range(d)]),
        "gamma": np.array(e),
        "w": np.array([[-g[j] * b[h] for j in range(l)] for h in range(q)]),
        "theta": np.array(g),
    }


# --- construction and forward ---------------------------------------------------------------------


def test_parameters_have_the_books_shapes_and_lie_in_0_1():
    net = ZhouNet(4, 3, 2, seed=7)
    assert net.v.shape == (4, 3) and net.gamma.shape == (3,)
    assert net.w.shape == (3, 2) and net.theta.shape == (2,)
    for p in net.params.values():
        assert np.all((p > 0) & (p < 1))
    again = ZhouNet(4, 3, 2, seed=7)
    assert all(np.array_equal(net.params[k], again.params[k]) for k in NAMES)
    other = ZhouNet(4, 3, 2, seed=8)
    assert not np.array_equal(net.v, other.v)


def test_forward_by_hand():
    # 2-1-1 net, numbers chosen so the result can be checked on paper
    net = ZhouNet.from_params(v=[[1.0], [2.0]], gamma=[0.5], w=[[3.0]], theta=[1.0])
    x = np.array([0.5, 0.25])
    fp = net.forward_all(x)
    b = 1 / (1 + math.exp(-(0.5 + 0.5 - 0.5)))  # α = 1·0.5 + 2·0.25 = 1, b = f(1 − 0.5)
    assert fp.alpha == pytest.approx([1.0])
    assert fp.b == pytest.approx([b])
    assert fp.beta == pytest.approx([3 * b])
    assert fp.y_hat == pytest.approx([1 / (1 + math.exp(-(3 * b - 1.0)))])


def test_forward_batch_equals_rows():
    net, X, _ = random_problem(5, 4, 3, 6, seed=2)
    Y_hat = net.forward(X)
    assert Y_hat.shape == (6, 3)
    for k in range(6):
        assert np.allclose(net.forward(X[k]), Y_hat[k], rtol=0, atol=1e-15)
    assert net.forward(X[0]).shape == (3,)


def test_sigmoid_does_not_overflow():
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # e^(-1000) underflows to 0: fine
        out = sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    assert np.array_equal(out, [0.0, 0.5, 1.0])


# --- gradients ------------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(
    d=st.integers(1, 5),
    q=st.integers(1, 5),
    l=st.integers(1, 3),
    m=st.integers(1, 6),
    seed=st.integers(0, 10**6),
)
def test_gradients_match_finite_differences(d, q, l, m, seed):
    net, X, Y = random_problem(d, q, l, m, seed)
    grads = net.gradients(X, Y)
    for name in NAMES:
        numeric = numerical_gradient(lambda _: net.error(X, Y), net.params[name])
        np.testing.assert_allclose(grads[name], numeric, rtol=1e-5, atol=1e-9, err_msg=name)


@settings(max_examples=25, deadline=None)
@given(d=st.integers(1, 5), q=st.integers(1, 5), l=st.integers(1, 3), seed=st.integers(0, 10**6))
def test_gradients_match_the_books_closed_forms(d, q, l, seed):
    net, X, Y = random_problem(d, q, l, 1, seed)
    grads = net.gradients(X[0], Y[0])
    book = book_gradients_one_sample(net, X[0], Y[0])
    for name in NAMES:
        assert grads[name].shape == net.params[name].shape
        np.testing.assert_allclose(grads[name], book[name], rtol=1e-12, atol=1e-15, err_msg=name)


def test_batch_gradient_is_the_mean_of_sample_gradients():
    net, X, Y = random_problem(3, 4, 2, 5, seed=11)
    batch = net.gradients(X, Y)
    for name in NAMES:
        mean = np.mean([book_gradients_one_sample(net, X[k], Y[k])[name] for k in range(5)], axis=0)
        np.testing.assert_allclose(batch[name], mean, rtol=1e-12, atol=1e-15)


def test_threshold_signs():
    # Raising θ_j lowers ŷ_j; when ŷ_j < y_j that raises E_k, so ∂E_k/∂θ_j > 0 and equals +g_j > 0.
    net = ZhouNet(2, 2, 1, seed=0)
    x = np.array([0.3, -0.2])
    y = np.array([1.0])
    grads = net.gradients(x, y)
    y_hat = net.forward(x)
    assert y_hat[0] < 1 and grads["theta"][0] > 0
    assert grads["theta"][0] == pytest.approx(y_hat[0] * (1 - y_hat[0]) * (1 - y_hat[0]))


# --- learning -------------------------------------------------------------------------------------


def test_standard_step_is_the_hand_update():
    net, X, Y = random_problem(3, 4, 2, 1, seed=5)
    x, y = X[0], Y[0]
    eta1, eta2 = 0.3, 0.05
    book = book_gradients_one_sample(net, x, y)
    g, e = book["theta"], book["gamma"]  # ∂E_k/∂θ = g, ∂E_k/∂γ = e
    b = -book["w"][:, 0] / g[0]  # ∂E_k/∂w_h0 = −g_0 b_h
    expected = {
        "w": net.w + eta1 * np.outer(b, g),  # (5.11) Δw_hj = η g_j b_h
        "theta": net.theta - eta1 * g,  # (5.12) Δθ_j = −η g_j
        "v": net.v + eta2 * np.outer(x, e),  # (5.13) Δv_ih = η e_h x_i
        "gamma": net.gamma - eta2 * e,  # (5.14) Δγ_h = −η e_h
    }
    net.standard_step(x, y, eta=eta1, eta_hidden=eta2)
    for name in NAMES:
        np.testing.assert_allclose(net.params[name], expected[name], rtol=1e-13, atol=1e-15)


def test_train_standard_is_standard_steps_in_order():
    net, X, Y = random_problem(3, 2, 1, 4, seed=3)
    by_hand = net.copy()
    history = net.train(X, Y, eta=0.2, epochs=2, shuffle=False)
    for _ in range(2):
        for k in range(4):
            by_hand.standard_step(X[k], Y[k], eta=0.2)
    for name in NAMES:
        np.testing.assert_allclose(net.params[name], by_hand.params[name], rtol=1e-12, atol=1e-14)
    assert history.updates == [4, 8]
    assert history.E[-1] == pytest.approx(by_hand.error(X, Y))


def test_standard_order_is_seeded():
    X, y = watermelon3a()
    a, b, c = ZhouNet(2, 3, 1), ZhouNet(2, 3, 1), ZhouNet(2, 3, 1)
    a.train(X, y, epochs=3, seed=1)
    b.train(X, y, epochs=3, seed=1)
    c.train(X, y, epochs=3, seed=2)
    assert np.array_equal(a.v, b.v)
    assert not np.array_equal(a.v, c.v)


def test_accumulated_step_uses_the_mean_gradient():
    net, X, Y = random_problem(3, 4, 2, 5, seed=9)
    eta1, eta2 = 0.5, 0.2
    mean = {
        name: np.mean([book_gradients_one_sample(net, X[k], Y[k])[name] for k in range(5)], axis=0)
        for name in NAMES
    }
    start = {name: p.copy() for name, p in net.params.items()}
    trained = net.copy()
    net.accumulated_step(X, Y, eta=eta1, eta_hidden=eta2)
    history = trained.train(X, Y, eta=eta1, eta_hidden=eta2, epochs=1, mode="accumulated")
    for name in NAMES:
        rate = eta1 if name in ("w", "theta") else eta2
        np.testing.assert_allclose(net.params[name], start[name] - rate * mean[name], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(trained.params[name], net.params[name], rtol=1e-12, atol=1e-15)
    assert history.updates == [1]


@pytest.mark.parametrize("mode", MODES)
def test_training_lowers_E_on_watermelon(mode):
    X, y = watermelon3()
    net = ZhouNet(19, 5, 1, seed=0)
    history = net.train(X, y, eta=0.5, epochs=50, mode=mode)
    assert isinstance(history, History)
    assert len(history) == 50 and history[-1] == history.E[-1]
    assert history[-1] < history.E0
    assert history[-1] == pytest.approx(net.error(X, y))
    per_epoch = 17 if mode == "standard" else 1
    assert history.updates == [per_epoch * (t + 1) for t in range(50)]
    assert list(history) == history.E


def test_target_error_stops_early():
    X, y = watermelon3()
    net = ZhouNet(19, 5, 1, seed=0)
    history = net.train(X, y, eta=1.0, epochs=2000, target_error=0.1)
    assert history.stopped_early and history[-1] <= 0.1 < history[-2]
    assert len(history) < 2000


def test_predict_and_accuracy():
    net = ZhouNet.from_params(v=[[1.0]], gamma=[0.0], w=[[10.0]], theta=[5.0])
    X = np.array([[-10.0], [10.0], [0.0]])  # b ≈ 0, 1, 0.5 → β − θ ≈ −5, 5, 0
    assert np.array_equal(net.predict(X), [0, 1, 1])  # f(0) = 0.5 counts as 1
    assert net.accuracy(X, [0, 1, 0]) == pytest.approx(2 / 3)
    two = ZhouNet(2, 2, 2, seed=0)
    assert two.predict(np.zeros((4, 2))).shape == (4, 2)


def test_y_as_a_vector_for_one_output():
    X, y = watermelon3a()
    net = ZhouNet(2, 3, 1)
    a = net.gradients(X, y)
    b = net.gradients(X, y.reshape(-1, 1))
    assert all(np.array_equal(a[k], b[k]) for k in NAMES)
    assert net.error(X[0], 1.0) == net.error(X[0], [1.0])


# --- bad input ------------------------------------------------------------------------------------


def test_wrong_input_width_names_d():
    net = ZhouNet(19, 5, 1)
    X, y = watermelon3a()
    with pytest.raises(ValueError, match=r"\(m, d\) = \(m, 19\), got \(17, 2\)"):
        net.forward(X)
    with pytest.raises(ValueError, match=r"\(d,\) = \(19,\).*got \(2,\)"):
        net.forward(X[0])


def test_wrong_target_shape_names_l():
    net = ZhouNet(2, 3, 2)
    X, y = watermelon3a()
    with pytest.raises(ValueError, match=r"Y of shape \(17, 2\).*l = 2; got \(17,\)"):
        net.gradients(X, y)


@pytest.mark.parametrize("bad", [1.5, -0.1, np.nan])
def test_targets_outside_0_1(bad):
    net = ZhouNet(2, 3, 1)
    X, y = watermelon3a()
    Y = y.astype(float)
    Y[3] = bad
    with pytest.raises(ValueError, match=r"targets in \[0, 1\]|Y got values that are nan"):
        net.train(X, Y)


@pytest.mark.parametrize(
    "kwargs", [{"eta": 0}, {"eta": -0.1}, {"eta_hidden": 0.0}, {"eta": float("nan")}, {"eta": True}]
)
def test_learning_rate_must_be_positive(kwargs):
    X, y = watermelon3a()
    error = TypeError if kwargs.get("eta") is True else ValueError  # a bool is not a number here
    with pytest.raises(error, match="learning rate"):
        ZhouNet(2, 3, 1).train(X, y, **kwargs)


def test_numpy_integer_learning_rate_is_a_number():
    X, y = watermelon3a()
    assert len(ZhouNet(2, 3, 1).train(X, y, eta=np.int64(1), epochs=2)) == 2


def test_unknown_mode_lists_the_valid_ones():
    X, y = watermelon3a()
    with pytest.raises(ValueError, match="'standard', 'accumulated'.*'batch'"):
        ZhouNet(2, 3, 1).train(X, y, mode="batch")


def test_empty_data():
    net = ZhouNet(2, 3, 1)
    with pytest.raises(ValueError, match="no samples"):
        net.train(np.zeros((0, 2)), np.zeros(0))


@pytest.mark.parametrize("d, q, l", [(0, 3, 1), (2, -1, 1), (2, 3, 1.5), (True, 3, 1)])
def test_sizes_must_be_positive_integers(d, q, l):
    with pytest.raises(ValueError, match="positive integer"):
        ZhouNet(d, q, l)
