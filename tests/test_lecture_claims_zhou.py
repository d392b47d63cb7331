"""The numbers that lectures 06 and 07 state in their prose, checked against the same library code.

Each test names the notebook cell whose text makes the claim (cell numbers count from 0, Markdown
cells included), so that a change that breaks a sentence fails here, not silently in a lecture.
Tolerances are loose where another BLAS could move the last digits.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest

from bpcourse import symbolic
from bpcourse.datasets import watermelon3
from bpcourse.gradcheck import numerical_gradient
from bpcourse.zhou import ZhouNet, e_hidden, g_output
from bpcourse.zhou_figure import draw_zhou_network

# --- 06_zhou_bp_derivation ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def melons():
    return watermelon3()


def test_06_figure_draws_the_book_symbols_without_missing_glyphs():
    """06 cell 2: Fig. 5.7 redrawn, with v_ih, w_hj, γ_h and θ_j on it, in any font."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font" would be a warning
        ax = draw_zhou_network()
        ax.figure.canvas.draw()
    texts = {t.get_text() for t in ax.texts}
    for symbol in ("$v_{ih}$", "$w_{hj}$", r"$\gamma_h$", r"$\theta_j$", "$x_i$", "$b_h$", r"$\hat y_j$"):
        assert symbol in texts
    plt.close(ax.figure)


def test_06_19_5_1_net_has_106_parameters_and_melon_1_is_good(melons):
    """06 cells 21 and 23: d = 19, q = 5, l = 1; 106 = 19·5 + 5 + 5·1 + 1 parameters; melon 1 is 好瓜."""
    X, y = melons
    assert X.shape == (17, 19) and y.sum() == 8
    net = ZhouNet(19, 5, 1, seed=0)
    assert sum(p.size for p in net.params.values()) == 106 == 19 * 5 + 5 + 5 * 1 + 1
    assert y[0] == 1


@pytest.mark.parametrize("batch", ["melon 1", "all 17"])
def test_06_three_ways_agree_to_the_quoted_sizes(melons, batch):
    """06 cell 23: sympy and backprop agree to rounding (about 1e-18), finite differences to about 1e-12."""
    X, y = melons
    Xs, ys = (X[0], y[0]) if batch == "melon 1" else (X, y)
    net = ZhouNet(19, 5, 1, seed=0)
    sym = symbolic.symbolic_gradients(net, Xs, ys)
    bp = net.gradients(Xs, ys)
    for k in bp:
        fd = numerical_gradient(lambda _: net.error(Xs, ys), net.params[k])
        assert np.abs(sym[k] - bp[k]).max() < 1e-16
        assert np.abs(fd - bp[k]).max() < 1e-10


def test_06_melon_1_g_positive_and_every_e_h_positive(melons):
    """06 cell 25: melon 1 is good and ŷ < 1, so g_1 > 0; all weights start positive, so every e_h > 0."""
    X, y = melons
    net = ZhouNet(19, 5, 1, seed=0)
    fp = net.forward_all(X[0])
    assert np.all(net.w > 0) and 0 < fp.y_hat[0] < 1
    g = g_output(fp.y_hat, np.array([1.0]))
    assert g[0] > 0 and np.all(e_hidden(fp.b, net.w, g) > 0)


def test_06_added_bias_has_the_opposite_slope(melons):
    """06 cell 27: with c = −θ, ∂E/∂c = −∂E/∂θ (finite differences against backprop's +g)."""
    X, y = melons
    net = ZhouNet(19, 5, 1, seed=0)

    def E_with_bias(c):
        other = net.copy()
        other.theta = -c
        return other.error(X[0], y[0])

    dE_dc = numerical_gradient(E_with_bias, -net.theta.copy())
    np.testing.assert_allclose(dE_dc, -net.gradients(X[0], y[0])["theta"], atol=1e-10)


def test_06_symbolic_derive_holds_for_a_symbolic_number_of_outputs():
    """06 cell 21: ``bpcourse.symbolic.derive()`` repeats the derivation with a symbolic l."""
    steps = symbolic.derive()
    assert steps and all(step.holds for step in steps)
    equations = {step.equation for step in steps}
    assert {"(5.9)", "(5.10)", "(5.11)", "(5.12)", "(5.13)", "(5.14)", "(5.15)"} <= equations
