"""The explorers, driven headless: set a control's ``.value`` or ``.click()`` a button, as a
student would, and check the state against something computed independently (a fresh ``Value``
graph, finite differences, the layers' backward, the path enumerator, Zhou's formulas).
No kernel is needed; the figures are drawn with Agg (tests/conftest.py)."""

import base64
import math
import re
import warnings

import matplotlib.text
import numpy as np
import pytest

from bpcourse import layers
from bpcourse.gates import Value
from bpcourse.gradcheck import numerical_gradient, rel_error
from bpcourse.widgets import (
    ActivationModel,
    CircuitModel,
    PathsModel,
    PlaygroundModel,
    ZhouTrainerModel,
    activation_explorer,
    backprop_stepper,
    circuit_explorer,
    paths_explorer,
    playground,
    zhou_trainer,
)


def picture(explorer) -> bytes:
    """The PNG the explorer's Output widget shows now (there must be exactly one)."""
    (output,) = explorer.out.outputs
    return base64.b64decode(output["data"]["image/png"])


def assert_redrawn(explorer, before: bytes) -> bytes:
    """The Output holds one new PNG, drawn on the same figure (no new figure per move)."""
    after = picture(explorer)
    assert after.startswith(b"\x89PNG") and after != before
    assert "color:#b00" not in explorer.status.value, explorer.status.value
    return after


# --------------------------------------------------------------------------------------------
# 1. circuits
# --------------------------------------------------------------------------------------------


def test_add_mul_circuit_defaults_are_the_lecture_example():
    # CS231n lecture 4: x = -2, y = 5, z = -4 gives f = -12 and gradients -4, -4, 3.
    m = CircuitModel("add_mul")
    assert m.output == -12.0
    assert m.grads == {"x": -4.0, "y": -4.0, "z": 3.0}


def test_neuron_circuit_defaults_match_the_published_rounded_values():
    # CS231n lecture 4, w = (2, -3, -3), x = (-1, -2): f = 0.73, and the slides' gradients
    # rounded to two decimals: dw0 = -0.20, dx0 = 0.39, dw1 = -0.39, dx1 = -0.59, dw2 = 0.20.
    m = CircuitModel("neuron")
    assert round(m.output, 2) == 0.73
    published = {"w0": -0.20, "x0": 0.39, "w1": -0.39, "x1": -0.59, "w2": 0.20}
    assert {name: round(g, 2) for name, g in m.grads.items()} == published


@pytest.mark.parametrize("which", ["add_mul", "neuron"])
def test_circuit_sliders_give_the_gradients_of_value_and_of_finite_differences(which):
    explorer = circuit_explorer(which)
    m = explorer.model
    rng = np.random.default_rng(1)
    before = picture(explorer)
    names = list(m.values)
    for _ in range(2):
        for name in names:
            explorer.controls[name].value = round(float(rng.uniform(-4, 4)), 1)
        before = assert_redrawn(explorer, before)
        point = np.array([m.values[n] for n in names])
        assert [m.values[n] for n in names] == [explorer.controls[n].value for n in names]

        # A fresh Value graph, written here without the widgets' code.
        leaves = [Value(float(v)) for v in point]
        if which == "add_mul":
            x, y, z = leaves
            f = (x + y) * z
        else:
            w0, x0, w1, x1, w2 = leaves
            f = (w0 * x0 + w1 * x1 + w2).sigmoid()
        f.backward()
        assert [m.grads[n] for n in names] == pytest.approx([leaf.grad for leaf in leaves], rel=1e-12)

        def plain(p):
            if which == "add_mul":
                return (p[0] + p[1]) * p[2]
            return 1.0 / (1.0 + math.exp(-(p[0] * p[1] + p[2] * p[3] + p[4])))

        numeric = numerical_gradient(plain, point.copy())
        assert rel_error(np.array([m.grads[n] for n in names]), numeric) < 1e-7


def test_circuit_rejects_bad_inputs():
    with pytest.raises(ValueError, match="which"):
        CircuitModel("nand")
    m = CircuitModel("add_mul")
    with pytest.raises(ValueError, match=r"x must be between -10 and 10"):
        m.set("x", 11.0)
    with pytest.raises(ValueError, match="has no parameter 'w0'; it has x, y, z"):
        m.set("w0", 1.0)
    with pytest.raises(TypeError, match="x expected a real number"):
        m.set("x", "one")
    with pytest.raises(ValueError, match="x expected a finite number"):
        m.set("x", math.nan)


# --------------------------------------------------------------------------------------------
# 2. paths vs DP
# --------------------------------------------------------------------------------------------


def test_paths_counts_agree_with_enumerating_the_paths():
    from bpcourse.paths import backprop_deltas, layered_graph, sum_over_paths

    explorer = paths_explorer()
    before = picture(explorer)
    for width, depth in [(1, 1), (2, 3), (3, 4), (4, 2)]:
        explorer.controls["width"].value = width
        explorer.controls["depth"].value = depth
        before = assert_redrawn(explorer, before) if (width, depth) != (1, 1) else picture(explorer)
        graph = layered_graph([1] + [width] * depth + [1], seed=0)
        naive = sum_over_paths(graph, 0, graph.n_nodes - 1)
        dp = backprop_deltas(graph, graph.n_nodes - 1)
        counts = explorer.model.counts
        assert counts == {"paths": naive.paths, "naive_mults": naive.mults, "dp_mults": dp.mults}


def test_paths_curve_marks_the_current_point_and_grows_exponentially():
    m = PathsModel(width=10, depth=30)
    assert m.counts["paths"] == 10**30  # exact: Python integers
    assert m.curve["naive_mults"][29] == float(m.counts["naive_mults"])
    # Naive cost multiplies by about the width per layer; the DP's grows by width² per layer.
    assert np.all(np.diff(m.curve["dp_mults"][1:]) == 100)
    with pytest.raises(ValueError, match="width expected a positive integer, got 0"):
        m.set("width", 0)
    with pytest.raises(ValueError, match="width expected an integer <= 10, got 11"):
        m.set("width", 11)
    with pytest.raises(ValueError, match="depth expected a positive integer, got 2.5"):
        m.set("depth", 2.5)


# --------------------------------------------------------------------------------------------
# 3. activations
# --------------------------------------------------------------------------------------------

LAYERS = {
    "sigmoid": lambda m: layers.Sigmoid(),
    "tanh": lambda m: layers.Tanh(),
    "relu": lambda m: layers.ReLU(),
    "leaky relu": lambda m: layers.LeakyReLU(m.slope),
    "elu": lambda m: layers.ELU(m.alpha),
}


def layer_backward(m: ActivationModel, n: int) -> tuple[float, float]:
    """(output, ∂z/∂x) of n stacked layers from bpcourse.layers at the model's x."""
    net = layers.Sequential([LAYERS[m.activation](m) for _ in range(n)])
    out = net.forward(np.array([[m.x]]))
    return float(out[0, 0]), float(net.backward(np.ones((1, 1)))[0, 0])


@pytest.mark.parametrize("activation", list(LAYERS))
def test_activation_derivative_matches_layer_backward_and_finite_differences(activation):
    explorer = activation_explorer()
    m = explorer.model
    before = picture(explorer)
    explorer.controls["activation"].value = activation
    explorer.controls["slope"].value = 0.2
    explorer.controls["alpha"].value = 1.5
    for x, n in [(-1.3, 1), (0.7, 3), (2.1, 12)]:  # away from the kinks at 0
        explorer.controls["x"].value = x
        explorer.controls["n_layers"].value = n
        before = assert_redrawn(explorer, before)
        assert (m.activation, m.x, m.n_layers, m.slope, m.alpha) == (activation, x, n, 0.2, 1.5)

        f1, df1 = layer_backward(m, 1)
        assert m.f == pytest.approx(f1, rel=1e-12, abs=1e-15)
        assert m.df == pytest.approx(df1, rel=1e-12, abs=1e-15)
        out, grad = layer_backward(m, n)
        assert m.output == pytest.approx(out, rel=1e-12, abs=1e-15)
        assert m.grad_input == pytest.approx(grad, rel=1e-10, abs=1e-300)

        def stack(a, n=n):
            h = a[0]
            for _ in range(n):
                h = float(m.fn(np.array(h))[0])
            return h

        numeric = numerical_gradient(stack, np.array([x]))[0]
        assert m.grad_input == pytest.approx(numeric, rel=1e-6, abs=1e-9)


def test_only_the_activation_that_has_a_parameter_offers_it():
    explorer = activation_explorer()
    slope, alpha = explorer.controls["slope"], explorer.controls["alpha"]
    assert slope.disabled and alpha.disabled  # sigmoid has neither
    explorer.controls["activation"].value = "leaky relu"
    assert not slope.disabled and alpha.disabled
    explorer.controls["activation"].value = "elu"
    assert slope.disabled and not alpha.disabled


def test_sigmoid_stack_shrinks_the_gradient_below_a_quarter_per_layer():
    m = ActivationModel("sigmoid", x=1.0, n_layers=10)
    assert np.all(np.abs(m.local) <= 0.25)
    assert 0 < m.grad_input < 0.25**10
    # Backprop from the top: each layer's gradient is the one above it times its f'.
    assert m.grads[-1] == m.local[-1]
    assert np.allclose(m.grads[:-1], m.grads[1:] * m.local[:-1], rtol=1e-15)


def test_dead_relu_blocks_the_gradient():
    m = ActivationModel("relu", x=-1.0, n_layers=5)
    assert m.grad_input == 0.0 and np.all(m.grads == 0.0)


def test_activation_rejects_bad_values():
    m = ActivationModel()
    with pytest.raises(ValueError, match="activation must be one of"):
        m.set("activation", "softplus")
    with pytest.raises(ValueError, match="x must be between -6 and 6"):
        m.set("x", 7)
    with pytest.raises(ValueError, match="n_layers expected a positive integer, got 0"):
        m.set("n_layers", 0)
    with pytest.raises(ValueError, match="no parameter 'w'"):
        m.set("w", 1.0)
    assert (m.activation, m.x, m.n_layers) == ("sigmoid", 1.0, 10)  # unchanged by the errors


# --------------------------------------------------------------------------------------------
# 4. Zhou trainer
# --------------------------------------------------------------------------------------------


def test_trainer_buttons_grow_the_history_and_reset_restores_the_seeded_start():
    from bpcourse.zhou import ZhouNet

    explorer = zhou_trainer()
    m = explorer.model
    start = ZhouNet(2, m.q, 1, seed=m.seed)
    assert m.E == [start.error(m.X, m.y)] and len(m.E) == 1

    before = picture(explorer)
    explorer.controls["step"].click()
    before = assert_redrawn(explorer, before)
    assert len(m.E) == 2 and m.updates[-1] == 17  # standard BP: one update per melon
    explorer.controls["epochs"].value = 30
    explorer.controls["train"].click()
    before = assert_redrawn(explorer, before)
    assert len(m.E) == 32 and m.E[-1] < m.E[0]
    trained = m.net.error(m.X, m.y)
    explorer.controls["mode"].value = "accumulated"  # a fresh curve, from the same net
    assert m.E == [trained] and m.updates == [0]
    explorer.controls["train"].click()
    assert len(m.E) == 31 and m.updates[-1] == 30  # accumulated: one update per epoch

    explorer.controls["reset"].click()
    assert_redrawn(explorer, before)
    assert m.E == [start.error(m.X, m.y)]
    for name, value in start.params.items():
        assert np.array_equal(m.net.params[name], value), name


def test_trainer_is_reproducible_and_q_or_seed_start_again():
    a, b = ZhouTrainerModel(seed=3), ZhouTrainerModel(seed=3)
    a.train(5)
    b.train(2)
    b.train(3)  # the same epochs in two calls: the sample order depends on (seed, epoch)
    assert a.E == b.E
    a.set("q", 7)
    assert len(a.E) == 1 and a.net.v.shape == (2, 7)
    a.train(1)
    a.set("seed", 4)
    assert len(a.E) == 1
    a.train(1)
    v = a.net.v.copy()
    a.set("eta", 0.3)  # η and mode change the training, not the net: a fresh curve from it
    assert a.E == [a.net.error(a.X, a.y)] and np.array_equal(a.net.v, v)
    a.train(2)
    a.set("mode", "accumulated")
    assert len(a.E) == 1 and a.E[0] == a.net.error(a.X, a.y)


def test_trainer_shows_g_and_e_of_the_chosen_sample():
    explorer = zhou_trainer()
    m = explorer.model
    explorer.controls["train"].click()
    explorer.controls["sample"].value = 9
    assert m.sample == 9 and "Sample 9" in explorer.status.value
    x, y = m.X[8], float(m.y[8])

    def E_k(theta=None, gamma=None):
        net = m.net
        th = net.theta if theta is None else theta
        ga = net.gamma if gamma is None else gamma
        b = 1 / (1 + np.exp(-(x @ net.v - ga)))
        y_hat = 1 / (1 + np.exp(-(b @ net.w - th)))
        return 0.5 * float(np.sum((y_hat - y) ** 2))

    # Thresholds are subtracted, so ∂E_k/∂θ_j = +g_j and ∂E_k/∂γ_h = +e_h (lecture 06, Zhou §5.3).
    g = numerical_gradient(lambda t: E_k(theta=t), m.net.theta.copy())
    e = numerical_gradient(lambda t: E_k(gamma=t), m.net.gamma.copy())
    assert rel_error(m.g, g) < 1e-7
    assert rel_error(m.e, e) < 1e-6


def test_trainer_rejects_bad_values_and_stops_on_nan():
    m = ZhouTrainerModel()
    for name, value, message in [("eta", 0.0, r"eta expected a number > 0 \(a learning rate"),
                                 ("eta", math.inf, "eta expected a finite number"),
                                 ("q", 21, "q expected an integer <= 20, got 21"),
                                 ("mode", "batch", "mode must be one of 'standard', 'accumulated'"),
                                 ("sample", 18, "sample expected an integer <= 17, got 18")]:
        with pytest.raises(ValueError, match=message):
            m.set(name, value)
    # Sigmoid outputs saturate, so even a huge η keeps E finite; a nan weight (as bad arithmetic
    # would leave) is what a diverged run looks like. Training must stop and say so.
    explorer = zhou_trainer()
    m = explorer.model
    explorer.controls["step"].click()
    m.net.w[0, 0] = math.nan
    explorer.controls["train"].click()
    assert m.diverged and "diverged at epoch 2" in m.diverged
    assert len(m.E) == 2 and all(math.isfinite(E) for E in m.E)
    assert "diverged" in explorer.status.value
    explorer.controls["step"].click()  # refused, with the reason in the status line
    assert len(m.E) == 2 and "Reset" in explorer.status.value
    explorer.controls["reset"].click()
    assert m.diverged is None and len(m.E) == 1


def test_trainer_blitted_picture_matches_a_full_draw():
    # The trainer redraws by blitting (render); matplotlib's own full draw of the same figure is
    # the independent reference, after presses that change every kind of part (limits, q, seed).
    import io

    import PIL.Image

    explorer = zhou_trainer()
    c = explorer.controls
    for act in [lambda: c["train"].click(), lambda: c["step"].click(),
                lambda: setattr(c["q"], "value", 12), lambda: c["train"].click(),
                lambda: setattr(c["mode"], "value", "accumulated"), lambda: setattr(c["sample"], "value", 7),
                lambda: setattr(c["seed"], "value", 5), lambda: c["reset"].click()]:
        act()
        png = base64.b64decode(explorer.out.outputs[0]["data"]["image/png"])
        shown = np.asarray(PIL.Image.open(io.BytesIO(png))).astype(int)
        for ax in explorer.fig.axes:
            for child in ax.get_children():
                child.set_animated(False)
        explorer.fig.canvas.draw()
        full = np.asarray(explorer.fig.canvas.buffer_rgba())[:, :, :3].astype(int)
        differ = np.abs(shown - full).max(axis=2)
        # Only where a spine meets a tick may the drawing order shift a pixel's shade slightly.
        assert shown.shape == full.shape and (differ > 0).sum() <= 20 and differ.max() <= 16
        explorer.redraw()


# --------------------------------------------------------------------------------------------
# 5. playground
# --------------------------------------------------------------------------------------------


def test_playground_controls_train_and_reset():
    explorer = playground()
    m = explorer.model
    before = picture(explorer)
    start = m.losses[0]
    explorer.controls["step"].click()
    before = assert_redrawn(explorer, before)
    assert len(m.losses) == 2
    explorer.controls["steps"].value = 40
    explorer.controls["train"].click()
    before = assert_redrawn(explorer, before)
    assert len(m.losses) == 42 and m.losses[-1] < start
    explorer.controls["reset"].click()
    assert m.losses == [start]

    explorer.controls["dataset"].value = "moons"
    assert m.X.shape == (200, 2) and m.classes == 2 and len(m.losses) == 1
    explorer.controls["depth"].value = 1
    explorer.controls["width"].value = 5
    explorer.controls["activation"].value = "tanh"
    shapes = [p.shape for p in m.net.params.values()]
    assert shapes == [(2, 5), (5,), (5, 2), (2,)]
    assert isinstance(m.net.layers[1], layers.Tanh)
    explorer.controls["eta"].value = 1.0
    explorer.controls["train"].click()
    assert_redrawn(explorer, before)
    assert m.accuracy > 0.8


def test_playground_step_is_gradient_descent_on_the_loss():
    m = PlaygroundModel(dataset="xor", width=3, depth=1, activation="tanh", eta=0.1)
    W = m.net.params["0.W"]

    def loss(_):
        return layers.SoftmaxCrossEntropy().forward(m.net.forward(m.X), m.y)

    grad = numerical_gradient(loss, W)
    old = W.copy()
    m.step()
    assert rel_error((old - W) / 0.1, grad) < 1e-6  # w <- w − η ∂z/∂w


def test_playground_divergence_stops_and_says_so():
    explorer = playground()
    m = explorer.model
    m.set("eta", 1e150)  # beyond the slider's range; the plain object accepts any η > 0
    explorer.controls["train"].click()
    assert m.diverged and m.diverged.startswith("Training diverged at step 1")
    assert all(math.isfinite(loss) for loss in m.losses) and len(m.losses) <= 2
    assert "diverged" in explorer.status.value
    with pytest.raises(ValueError, match="Press Reset"):
        m.train()
    explorer.controls["reset"].click()
    assert m.diverged is None


def test_playground_rejects_bad_values():
    m = PlaygroundModel()
    with pytest.raises(ValueError, match="dataset must be one of 'spirals', 'moons', 'xor'"):
        m.set("dataset", "circles")
    with pytest.raises(ValueError, match="width expected an integer <= 64, got 65"):
        m.set("width", 65)
    with pytest.raises(ValueError, match="eta expected a number > 0"):
        m.set("eta", -1.0)


# --------------------------------------------------------------------------------------------
# the shell
# --------------------------------------------------------------------------------------------


def test_each_explorer_keeps_one_figure_and_times_its_interactions():
    explorer = activation_explorer()
    fig, n_axes = explorer.fig, len(explorer.fig.axes)
    for x in (0.5, 1.5, -2.0):
        explorer.controls["x"].value = x
    assert explorer.fig is fig and len(fig.axes) == n_axes
    assert len(explorer.out.outputs) == 1
    assert explorer.last_ms > 0


@pytest.mark.parametrize("activation", ["relu", "leaky relu", "sigmoid", "tanh"])
def test_playground_stops_when_the_loss_grows_far_past_its_start(activation):
    # At the slider's largest η the loss jumps far above its start without ever becoming inf;
    # that is divergence too, and training must stop and say so in the loss panel.
    explorer = playground()
    m = explorer.model
    explorer.controls["activation"].value = activation
    explorer.controls["eta"].value = 10 ** explorer.controls["eta"].max  # a log slider: max is the exponent
    explorer.controls["steps"].value = 200
    explorer.controls["train"].click()
    assert m.diverged, (activation, max(m.losses) / m.losses[0])
    step = len(m.losses) - 1
    assert m.losses[-1] > m.DIVERGED_FACTOR * m.losses[0]  # the jump stays on the curve
    assert max(m.losses[:-1]) <= m.DIVERGED_FACTOR * m.losses[0]  # it stopped at the first one
    assert f"diverged at step {step}" in m.diverged and f"{m.losses[-1]:.4g}" in m.diverged
    assert "diverged" in explorer.status.value
    # The message sits inside the loss panel, and the loss axis is logarithmic.
    a = m._artists
    renderer = explorer.fig.canvas.get_renderer()
    box, panel = a["message"].get_window_extent(renderer), a["ax_l"].get_window_extent(renderer)
    assert a["message"].get_visible() and panel.x0 <= box.x0 and box.x1 <= panel.x1
    assert a["ax_l"].get_yscale() == "log"
    for text in (a["ax_l"].title, a["ax_b"].title):
        assert not re.search(r"\d\.\d{5,}", text.get_text())  # :.4g, never 224 digits
    with pytest.raises(ValueError, match="Press Reset"):
        m.train()


def test_playground_at_a_sensible_rate_does_not_stop():
    m = PlaygroundModel(eta=0.5, steps=300)
    m.train()
    assert m.diverged is None and m.losses[-1] < m.losses[0]


# --------------------------------------------------------------------------------------------
# legible and sharp
# --------------------------------------------------------------------------------------------

FACTORIES = {"circuit": circuit_explorer, "neuron": lambda: circuit_explorer("neuron"),
             "paths": paths_explorer, "activation": activation_explorer, "trainer": zhou_trainer,
             "playground": playground, "stepper": backprop_stepper}


@pytest.mark.parametrize("name", list(FACTORIES))
def test_explorer_text_is_at_least_10_pt_and_the_picture_has_2x_pixels(name):
    import io

    import PIL.Image

    from bpcourse.widgets import DENSITY, SCREEN_DPI

    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*[Gg]lyph .* missing from font")  # a box, not 好瓜
        explorer = FACTORIES[name]()
    fig = explorer.fig
    # A figure inch is a CSS inch (96 px), so points on the figure are points on the page.
    assert SCREEN_DPI == 96 and DENSITY >= 2
    texts = [t for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text().strip()]
    assert texts
    small = {t.get_text(): t.get_fontsize() for t in texts if t.get_fontsize() < 10}
    assert not small, small
    (output,) = explorer.out.outputs
    png = PIL.Image.open(io.BytesIO(base64.b64decode(output["data"]["image/png"])))
    shown = output["metadata"]["image/png"]
    assert png.width >= 2 * shown["width"] and png.height >= 2 * shown["height"]
    assert shown["width"] == round(fig.get_figwidth() * 96)


# --------------------------------------------------------------------------------------------
# the package: one declaration per parameter, one protocol
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(FACTORIES))
def test_every_control_comes_from_the_model_parameter_list(name):
    from bpcourse.explorers import ExplorerModel

    explorer = FACTORIES[name]()
    m = explorer.model
    assert isinstance(m, ExplorerModel)
    names = [p.name for p in m.PARAMS] + [method for method, _label in m.ACTIONS]
    assert list(explorer.controls) == names
    for p in m.PARAMS:
        control = explorer.controls[p.name]
        assert control.value == getattr(m, p.name)  # the control shows the model's value
        if hasattr(control, "options"):
            assert tuple(control.options) == p.choices
        elif p.widget != "log":  # a log slider's min/max are exponents
            low, high = p.control or (p.low, p.high)
            assert (control.min, control.max) == (low, high)
            assert p.low <= low and high <= p.high  # the control never offers a value the model refuses


def test_widgets_module_is_the_same_objects_as_the_package():
    import bpcourse.explorers
    import bpcourse.widgets

    assert bpcourse.widgets.__all__ == bpcourse.explorers.__all__
    for name in bpcourse.explorers.__all__:
        assert getattr(bpcourse.widgets, name) is getattr(bpcourse.explorers, name)


def test_models_take_their_parameters_by_position_or_name_once():
    assert ActivationModel("tanh", 0.5).activation == "tanh"
    with pytest.raises(TypeError, match="got 'x' twice"):
        ActivationModel("tanh", 0.5, x=0.3)
    with pytest.raises(ValueError, match="has parameters activation, x, n_layers, slope, alpha; got w"):
        ActivationModel(w=1.0)


def test_png_bytes_decodes_to_the_canvas_pixels():
    # Pillow, an independent PNG decoder, reads back exactly the pixels the figure drew.
    import io

    import PIL.Image

    from bpcourse.explorers.shell import png_bytes

    explorer = zhou_trainer()
    explorer.controls["train"].click()
    canvas = explorer.fig.canvas
    decoded = np.asarray(PIL.Image.open(io.BytesIO(png_bytes(canvas.buffer_rgba()))))
    assert decoded.shape == (*canvas.get_width_height()[::-1], 3)
    assert np.array_equal(decoded, np.asarray(canvas.buffer_rgba())[:, :, :3])
    assert picture(explorer) == png_bytes(canvas.buffer_rgba())  # what the Output shows
