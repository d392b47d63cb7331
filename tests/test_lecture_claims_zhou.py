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
from bpcourse.datasets import watermelon3, watermelon3a
from bpcourse.gradcheck import numerical_gradient
from bpcourse.zhou import ZhouNet, e_hidden, g_output, regularised_gradients
from bpcourse.zhou_figure import draw_zhou_network

# --- 06_zhou_bp_derivation ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def melons():
    return watermelon3()


def test_06_figure_draws_the_book_symbols_without_missing_glyphs():
    """06 cell 2: Fig. 5.7 redrawn with v_ih, w_hj, γ_h, θ_j and Chinese layer names, no glyph missing."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font" would be a warning
        ax = draw_zhou_network()
        ax.figure.canvas.draw()
    texts = {t.get_text() for t in ax.texts}
    for symbol in ("$v_{ih}$", "$w_{hj}$", r"$\gamma_h$", r"$\theta_j$", "$x_i$", "$b_h$", r"$\hat y_j$"):
        assert symbol in texts
    for name in ("output layer 输出层", "hidden layer 隐层", "input layer 输入层"):
        assert name in texts
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


# --- 07_standard_vs_accumulated_bp ----------------------------------------------------------------

SEEDS, ETAS, EPOCHS = (0, 1, 2), (0.1, 0.9), 100  # 07 cell 1


def _right(net, X, y, margin=0.02):
    """How many samples the net gets right, refusing to count any whose ŷ lies within ``margin`` of
    the 0.5 threshold: such a count could flip with the last bits of another BLAS."""
    y_hat = net.forward(X)[:, 0]
    assert np.all(np.abs(y_hat - 0.5) > margin), "a melon sits on the decision boundary"
    return int(np.sum((y_hat >= 0.5) == (y >= 0.5)))


def _first_below(history, level, counts):
    below = np.flatnonzero(np.array(history.E) < level)
    return int(counts[below[0]]) if below.size else None


@pytest.fixture(scope="module")
def runs(melons):
    """07 cell 3: standard BP for 100 epochs and accumulated BP for 1700 epochs from the same start."""
    X, y = melons
    out = {}
    for eta in ETAS:
        for seed in SEEDS:
            net0 = ZhouNet(19, 5, 1, seed=seed)
            std_net, acc_net = net0.copy(), net0.copy()
            std = std_net.train(X, y, eta=eta, epochs=EPOCHS, mode="standard", seed=seed)
            acc = acc_net.train(X, y, eta=eta, epochs=EPOCHS * 17, mode="accumulated")
            out[eta, seed] = dict(std=std, acc=acc, std_net=std_net, acc_net=acc_net)
    return out


def test_07_runs_are_equal_in_updates(runs):
    """07 cells 2-3: both runs make 1700 updates; standard BP 17 per epoch, accumulated BP 1."""
    for r in runs.values():
        assert r["std"].updates[-1] == r["acc"].updates[-1] == 1700
        assert r["std"].updates[0] == 17 and r["acc"].updates[0] == 1


def test_07_epochs_favour_standard_bp_updates_are_level(runs):
    """07 cell 6: at 100 epochs standard BP is lower; below E = 0.1 accumulated BP needs > 10x the
    epochs but updates within 20%; after 1700 updates the errors are within 15%."""
    for (eta, _seed), r in runs.items():
        std, acc = r["std"], r["acc"]
        assert std[EPOCHS - 1] < acc[EPOCHS - 1]
        assert 0.85 < std[-1] / acc[-1] < 1.15
        if eta == 0.9:
            ep_std, ep_acc = (_first_below(h, 0.1, range(1, len(h) + 1)) for h in (std, acc))
            up_std, up_acc = (_first_below(h, 0.1, h.updates) for h in (std, acc))
            assert ep_acc > 10 * ep_std
            assert 1 / 1.2 < up_std / up_acc < 1.2


def test_07_standard_bp_jagged_accumulated_smooth(runs):
    """07 cell 8: standard BP's E rises in at least one epoch; accumulated BP's never does."""
    for r in runs.values():
        assert np.sum(np.diff([r["std"].E0, *r["std"].E]) > 0) >= 1
        assert np.sum(np.diff([r["acc"].E0, *r["acc"].E]) > 0) == 0


def test_07_accumulated_with_17_eta_lands_near_standard(runs, melons):
    """07 cell 10: accumulated BP with 17η for 100 epochs is within a factor 1.5 of standard BP."""
    X, y = melons
    for (eta, seed), r in runs.items():
        big = ZhouNet(19, 5, 1, seed=seed).train(X, y, eta=17 * eta, epochs=EPOCHS, mode="accumulated")
        assert 1 / 1.5 < r["std"][-1] / big[-1] < 1.5


def test_07_plateau_is_the_best_constant_and_eta_01_stays_on_it(runs, melons):
    """07 cell 12: ½p(1−p) = 0.1246 with p = 8/17 is the smallest E of a constant answer; with
    η = 0.1 both methods are within 0.01 of it after 1700 updates, ŷ near p, no melon called good;
    accumulated BP is within 0.02 of it after 100 epochs for every η."""
    X, y = melons
    p = y.mean()
    plateau = 0.5 * p * (1 - p)
    assert p == 8 / 17 and abs(plateau - 0.1246) < 1e-4
    c = np.linspace(0, 1, 10001)
    E_const = 0.5 * (p * (1 - c) ** 2 + (1 - p) * c**2)
    assert abs(c[np.argmin(E_const)] - p) < 1e-3 and abs(E_const.min() - plateau) < 1e-7
    # the same number from the data, not from the formula: a constant answer p on every melon
    assert np.isclose(0.5 * np.mean((p - y) ** 2), plateau)
    for (eta, _seed), r in runs.items():
        assert abs(r["acc"][EPOCHS - 1] - plateau) < 0.02
        if eta == 0.1:
            for method in ("std", "acc"):
                assert abs(r[method][-1] - plateau) < 0.01
                y_hat = r[f"{method}_net"].forward(X)[:, 0]
                assert np.all(np.abs(y_hat - p) < 0.07) and np.all(y_hat < 0.5)


SPLIT_TRAIN = np.array([1, 2, 3, 6, 7, 10, 14, 15, 16, 17]) - 1  # 07 cell 15: Zhou's 表4.2 split
SPLIT_VALID = np.array([4, 5, 8, 9, 11, 12, 13]) - 1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_07_early_stopping_on_the_validation_set(melons, seed):
    """07 cells 15-16: training E keeps falling to 100% training accuracy at epoch 400, validation E
    is smallest near epoch 100 and then rises; the early-stopped net is better on the validation set."""
    X, y = melons
    X_tr, y_tr, X_va, y_va = X[SPLIT_TRAIN], y[SPLIT_TRAIN], X[SPLIT_VALID], y[SPLIT_VALID]
    assert y_tr.sum() == 5 and y_va.sum() == 3
    net = ZhouNet(19, 5, 1, seed=seed)
    E_va, best = [], (np.inf, None, 0)
    for epoch in range(1, 401):
        net.train(X_tr, y_tr, eta=0.5, epochs=1, mode="standard", seed=epoch)
        E_va.append(net.error(X_va, y_va))
        if E_va[-1] < best[0]:
            best = (E_va[-1], net.copy(), epoch)
    _, best_net, best_epoch = best
    assert 50 <= best_epoch <= 200
    assert E_va[-1] > best_net.error(X_va, y_va) + 0.02
    assert _right(best_net, X_va, y_va, margin=0.001) == _right(net, X_va, y_va, margin=0.001) + 1
    if seed == 0:  # 07 cell 16: melon 13 (row 6) surer and wrong, melon 9 (row 3) on the fence
        before, after = best_net.forward(X_va)[:, 0], net.forward(X_va)[:, 0]
        assert 0.6 < before[6] < 0.7 and after[6] > 0.9
        assert before[3] < 0.5 < after[3] < 0.51
    assert _right(net, X_tr, y_tr) == 10 and net.error(X_tr, y_tr) < best_net.error(X_tr, y_tr)


def test_07_regularisation_sweep(melons):
    """07 cells 17-18: accumulated BP on (5.17), η = 0.9, 3000 epochs: λ = 0.999 shrinks Σw² several
    times and lowers the validation error against λ = 1; Σw² is in the tens or hundreds for both;
    λ = 0.99 pulls everything to 0 (ŷ = 0.5)."""
    X, y = melons
    X_tr, y_tr, X_va, y_va = X[SPLIT_TRAIN], y[SPLIT_TRAIN], X[SPLIT_VALID], y[SPLIT_VALID]
    result = {}
    for lam in (1.0, 0.999, 0.99):
        net = ZhouNet(19, 5, 1, seed=0)
        for _ in range(3000):
            grads = regularised_gradients(net, X_tr, y_tr, lam)
            for name, param in net.params.items():
                param -= 0.9 * grads[name]
        squares = sum(np.sum(param**2) for param in net.params.values())
        result[lam] = (net.error(X_tr, y_tr), net.error(X_va, y_va), squares, net)
    assert result[1.0][0] < 0.01 and result[1.0][0] < result[0.999][0]
    assert result[0.999][1] < result[1.0][1] - 0.01
    assert result[0.999][2] < result[1.0][2] / 3
    assert 10 < result[0.999][2] < result[1.0][2] < 1000  # "Σ w_i² is in the tens or hundreds"
    assert result[0.99][2] < 0.01
    np.testing.assert_allclose(result[0.99][3].forward(X)[:, 0], 0.5, atol=0.01)
    assert abs(result[0.99][1] - 0.125) < 0.002


def _wide_start(seed):
    """07 cell 19: weights and thresholds uniform in (−5, 5), q = 2, for 西瓜数据集 3.0α."""
    rng = np.random.default_rng(seed)
    return ZhouNet.from_params(
        rng.uniform(-5, 5, (2, 2)), rng.uniform(-5, 5, 2), rng.uniform(-5, 5, (2, 1)), rng.uniform(-5, 5, 1)
    )


def test_07_starts_end_in_different_valleys():
    """07 cells 19-21: after 800 epochs starts 2, 3 are below E = 0.005 with every melon right; start 0
    is near 0.074 with 14 of 17 right and fell by less than 0.01 in its last 400 epochs; start 1 is in
    between; five times more epochs (4000) leave start 0 near 0.064, still 14 of 17 right."""
    Xa, ya = watermelon3a()
    finals = {}
    for seed in range(4):
        net = _wide_start(seed)
        history = net.train(Xa, ya, eta=0.9, epochs=800, mode="standard", seed=seed)
        finals[seed] = (history, net)
    for seed in (2, 3):
        assert finals[seed][0][-1] < 0.005 and _right(finals[seed][1], Xa, ya) == 17
    h0, net0 = finals[0]
    assert 0.06 < h0[-1] < 0.09 and _right(net0, Xa, ya) == 14 and h0[399] - h0[-1] < 0.01
    assert finals[2][0][-1] < finals[1][0][-1] < h0[-1] + 0.01
    assert min(finals, key=lambda s: finals[s][0][-1]) in (2, 3)
    net0 = _wide_start(0)
    longer = net0.train(Xa, ya, eta=0.9, epochs=4000, mode="standard", seed=0)
    assert 0.062 < longer[-1] < 0.066 and _right(net0, Xa, ya) == 14


def test_07_zhou_starts_on_3_0_alpha_end_alike():
    """07 cell 18: from Zhou's (0, 1) start, in Part 4's setting (q = 2, standard BP, η = 0.9, 800
    epochs), four starts all end with E between 0.04 and 0.08 (the best wide starts get below 0.005)."""
    Xa, ya = watermelon3a()
    for seed in range(4):
        history = ZhouNet(2, 2, 1, seed=seed).train(Xa, ya, eta=0.9, epochs=800, mode="standard", seed=seed)
        assert 0.04 < history[-1] < 0.08, seed
