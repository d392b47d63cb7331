"""(5.17): E = λ (1/m) Σ_k E_k + (1 − λ) Σ_i w_i², over every connection weight and threshold."""

import numpy as np
import pytest

from bpcourse.datasets import watermelon3
from bpcourse.gradcheck import numerical_gradient, rel_error
from bpcourse.zhou import ZhouNet, regularised_error, regularised_gradients


def test_lambda_one_is_the_plain_error_and_gradient():
    X, y = watermelon3()
    net = ZhouNet(19, 5, 1, seed=3)
    assert regularised_error(net, X, y, 1.0) == pytest.approx(net.error(X, y), abs=1e-15)
    plain = net.gradients(X, y)
    for name, grad in regularised_gradients(net, X, y, 1.0).items():
        np.testing.assert_array_equal(grad, plain[name])


def test_penalty_counts_weights_and_thresholds():
    """A 1-2-1 net with hand-picked parameters: Σ w_i² = 1 + 4 + 9 + 16 + 0.25 = 30.25 (v, γ, w, θ)."""
    net = ZhouNet.from_params([[1.0, 2.0]], [3.0, 0.0], [[4.0], [0.0]], [0.5])
    X, y = np.array([[0.2]]), np.array([1.0])
    lam = 0.75
    assert regularised_error(net, X, y, lam) == pytest.approx(lam * net.error(X, y) + 0.25 * 30.25)


@pytest.mark.parametrize("lam", [0.9, 0.999])
def test_gradient_matches_finite_differences(lam):
    X, y = watermelon3()
    net = ZhouNet(19, 5, 1, seed=1)
    grads = regularised_gradients(net, X, y, lam)
    for name, param in net.params.items():
        numeric = numerical_gradient(lambda _: regularised_error(net, X, y, lam), param)
        assert rel_error(numeric, grads[name]) < 1e-7, name


@pytest.mark.parametrize("lam", [0, 0.0, -0.1, 1.5, True, "0.5", float("nan"), None])
def test_bad_lambda_is_named(lam):
    net = ZhouNet(2, 2, 1)
    for fn in (regularised_error, regularised_gradients):
        with pytest.raises((TypeError, ValueError), match=r"lam .*\(0, 1\]"):
            fn(net, np.zeros((1, 2)), np.zeros(1), lam)
