"""Explorers: small interactive figures a lecture opens in one line.

    from bpcourse.widgets import activation_explorer
    activation_explorer()

Each explorer has two parts, kept apart on purpose:

* a plain *model* class (``ActivationModel``, ``PathsModel``, ...): set a parameter, and it
  recomputes its state; ``draw(fig)`` draws that state on a matplotlib Figure. It checks every
  parameter and raises a ``ValueError`` that names the parameter and its range. Training stops
  and says so when the error becomes nan or inf. Tests drive these objects without a kernel.
* a thin ipywidgets *shell* (``Explorer``): sliders and buttons that call the model's setters,
  a status line, and one Figure drawn into an Output widget. Every change redraws the same
  figure and replaces the Output's picture, so the notebook does not fill up with figures.

The one-liners return the shell; its ``.model`` is the model, ``.controls`` maps names to
sliders and buttons, and ``.last_ms`` is how long the last interaction took (recompute + redraw).
"""

from __future__ import annotations

import base64
import io
import math
import textwrap
import time
from collections.abc import Callable

import ipywidgets as widgets
import numpy as np
import PIL.Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullLocator

from bpcourse.fonts import use_cjk_font

__all__ = [
    "CircuitModel", "ActivationModel", "PathsModel", "ZhouTrainerModel", "PlaygroundModel", "Explorer",
    "circuit_explorer", "activation_explorer", "paths_explorer", "zhou_trainer", "playground",
]

# Every figure inch is a CSS inch (96 px), so a font size in points is its size on the page at
# 100% zoom; no text is smaller than TEXT_PT. Figures are drawn at DENSITY pixels per CSS pixel,
# so they stay sharp on 2× (retina) screens, and shown at their CSS size.
SCREEN_DPI = 96
DENSITY = 2
TEXT_PT = 10

# Colours shared by the figures: forward values and gradients, as in the circuit drawings.
FORWARD_COLOUR = "tab:green"
GRADIENT_COLOUR = "tab:red"


# "1e-06" instead of mathtext's 10^{-6}: typesetting mathtext on every redraw is slow.
_POWER_OF_TEN = FuncFormatter(lambda value, _pos: f"{value:.0e}")


_PLAIN = FuncFormatter(lambda value, _pos: f"{value:g}")


def _message_text(ax):
    """An empty message in the middle of ``ax``, on a white box (filled by ``_show_message``)."""
    box = {"facecolor": "white", "edgecolor": "darkred", "alpha": 0.9}
    text = ax.text(0.5, 0.5, "", transform=ax.transAxes, ha="center", va="center", fontsize=TEXT_PT,
                   color="darkred", zorder=5, bbox=box)
    text.set_visible(False)
    return text


def _show_message(text, message: str | None) -> None:
    """Show ``message`` wrapped to the width of its own axes (or hide the box when None)."""
    text.set_visible(bool(message))
    if message:
        ax = text.axes
        width_pt = ax.get_position().width * ax.figure.get_figwidth() * 72
        columns = max(16, int(width_pt / (0.6 * TEXT_PT)) - 2)  # 0.6 em: a wide average letter
        text.set_text(textwrap.fill(message, columns))


def _few_ticks(*axes) -> None:
    """At most about five ticks per axis: tick labels are most of the cost of a redraw."""
    for ax in axes:
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4))


def _freeze_layout(fig: Figure) -> None:
    """Lay the figure out once (tight_layout), then pin every axis label where it landed.

    Left alone, matplotlib places the axis labels again on every draw, measuring every tick
    label to do so: a good part of the cost of a redraw. (Titles are pinned by giving them y=1.0.)
    """
    fig.tight_layout()
    fig.canvas.draw()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            label = axis.label
            if label.get_text():
                where = label.get_transform().transform(label.get_position())  # in pixels
                axis.set_label_coords(*ax.transAxes.inverted().transform(where))


def _count(n: int) -> str:
    """A count a figure title can hold: 52,488 but 1.00e+30."""
    return f"{n:,}" if n < 10**7 else f"{n:.2e}"


def _check_number(name: str, value, low: float, high: float) -> float:
    """Return ``value`` as a float, or say which parameter is wrong and what it should be."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} expected a number, got {value!r} of type {type(value).__name__}")
    value = float(value)
    if not (math.isfinite(value) and low <= value <= high):
        raise ValueError(f"{name} must be between {low:g} and {high:g}, got {value!r}")
    return value


def _check_int(name: str, value, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} expected a whole number, got {value!r} of type {type(value).__name__}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}, got {value!r}")
    return int(value)


def _check_choice(name: str, value, choices) -> str:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


# --------------------------------------------------------------------------------------------
# 1. Circuit explorer: the lecture's circuits, forward values and gradients
# --------------------------------------------------------------------------------------------


def _add_mul(p: dict):
    """f = (x + y)·z, the first circuit of CS231n lecture 4."""
    from bpcourse.gates import Value

    x, y, z = Value(p["x"], label="x"), Value(p["y"], label="y"), Value(p["z"], label="z")
    q = x + y
    q.label = "q"
    f = q * z
    f.label = "f"
    return f, {"x": x, "y": y, "z": z}


def _neuron(p: dict):
    """f = σ(w0·x0 + w1·x1 + w2) built from small gates: *, +, negate, exp, +1, 1/x."""
    from bpcourse.gates import Value

    leaves = {name: Value(p[name], label=name) for name in ("w0", "x0", "w1", "x1", "w2")}
    dot = leaves["w0"] * leaves["x0"] + leaves["w1"] * leaves["x1"] + leaves["w2"]
    dot.label = "w·x+b"
    f = (1.0 + (-dot).exp()).reciprocal()
    f.label = "f"
    return f, leaves


CIRCUITS = {
    "add_mul": (_add_mul, {"x": -2.0, "y": 5.0, "z": -4.0}),
    "neuron": (_neuron, {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}),
}


class CircuitModel:
    """One of ``CIRCUITS`` at the given inputs, after ``backward()``.

    ``which``: 'add_mul' for f = (x + y)·z, or 'neuron' for the sigmoid neuron σ(w0·x0 + w1·x1 + w2).
    Parameters are the circuit's inputs (x, y, z or w0, x0, w1, x1, w2), each in ``VALUE_RANGE``;
    the defaults are the lecture's numbers.
    State: ``f`` (the output ``Value``, its graph after ``backward``), ``values`` and ``grads``
    (input name -> its data and ∂f/∂input).
    """

    VALUE_RANGE = (-10.0, 10.0)

    def __init__(self, which: str = "add_mul", **values: float) -> None:
        self.which = _check_choice("which", which, tuple(CIRCUITS))
        self.build, defaults = CIRCUITS[which]
        unknown = set(values) - set(defaults)
        if unknown:
            raise ValueError(f"circuit {which!r} has inputs {', '.join(defaults)}; "
                             f"got {', '.join(sorted(unknown))}")
        self.values = {name: _check_number(name, values.get(name, default), *self.VALUE_RANGE)
                       for name, default in defaults.items()}
        self.recompute()

    def set(self, name: str, value) -> None:
        """Change one input of the circuit and redo forward and backward."""
        if name not in self.values:
            raise ValueError(f"circuit {self.which!r} has inputs {', '.join(self.values)}; got {name!r}")
        self.values[name] = _check_number(name, value, *self.VALUE_RANGE)
        self.recompute()

    def recompute(self) -> None:
        self.f, leaves = self.build(self.values)
        self.f.backward()
        self.output = self.f.data
        self.grads = {name: leaf.grad for name, leaf in leaves.items()}

    def status(self) -> str:
        grads = ", ".join(f"∂f/∂{name} = {grad:.4g}" for name, grad in self.grads.items())
        return f"f = {self.output:.4g};  {grads}"

    def draw(self, fig: Figure) -> None:
        """The circuit with forward values and gradients (``bpcourse.draw.draw``)."""
        from bpcourse.draw import draw

        if getattr(self, "_fig", None) is not fig:
            fig.clear()
            self._ax = fig.add_axes((0, 0, 1, 1))
            self._fig = fig
        draw(self.f, ax=self._ax)  # draw clears what it drew before on this Axes
        for text in self._ax.texts:  # draw's own size suits a lecture figure; here, TEXT_PT
            text.set_fontsize(max(text.get_fontsize(), TEXT_PT))


# --------------------------------------------------------------------------------------------
# 2. Path / dynamic-programming explorer
# --------------------------------------------------------------------------------------------


def layered_counts(width: int, depth: int) -> dict[str, int]:
    """Costs of ∂output/∂input on a layered, fully connected graph: one input node, ``depth``
    hidden layers of ``width`` nodes, one output node (layer widths 1, width, ..., width, 1).

    ``paths``: every path from input to output picks one node per hidden layer: width**depth.
    ``naive_mults``: multiplying the depth + 1 local derivatives along each path separately
    takes depth multiplications per path.
    ``dp_mults``: the DP (backprop) multiplies once per edge: 2·width + (depth − 1)·width².
    """
    paths = width**depth
    return {
        "paths": paths,
        "naive_mults": paths * depth,
        "dp_mults": 2 * width + (depth - 1) * width * width,
    }


class PathsModel:
    """Width and depth of a layered graph, and what the derivative costs naively and by DP.

    State: ``counts`` (for the current width and depth; see ``layered_counts``) and
    ``curve`` ({'depths', 'naive_mults', 'dp_mults'} for depths 1..max for the current width).
    """

    WIDTH_RANGE = (1, 10)
    DEPTH_RANGE = (1, 30)

    def __init__(self, width: int = 3, depth: int = 8) -> None:
        self.width = _check_int("width", width, *self.WIDTH_RANGE)
        self.depth = _check_int("depth", depth, *self.DEPTH_RANGE)
        self.recompute()

    def set(self, name: str, value) -> None:
        """Change ``width`` or ``depth``."""
        ranges = {"width": self.WIDTH_RANGE, "depth": self.DEPTH_RANGE}
        if name not in ranges:
            raise ValueError(f"PathsModel has no parameter {name!r}; it has width, depth")
        setattr(self, name, _check_int(name, value, *ranges[name]))
        self.recompute()

    def recompute(self) -> None:
        self.counts = layered_counts(self.width, self.depth)
        depths = np.arange(1, self.DEPTH_RANGE[1] + 1)
        rows = [layered_counts(self.width, int(d)) for d in depths]
        self.curve = {
            "depths": depths,
            "naive_mults": np.array([float(r["naive_mults"]) for r in rows]),
            "dp_mults": np.array([float(r["dp_mults"]) for r in rows]),
        }

    def draw(self, fig: Figure) -> None:
        """Naive and DP multiplications against depth, log scale, the current depth marked."""
        if getattr(self, "_fig", None) is not fig:
            self._setup(fig)
        a = self._artists
        c, n = self.curve, self.counts
        a["naive"].set_ydata(c["naive_mults"])
        a["dp"].set_ydata(c["dp_mults"])
        a["here"].set_data([self.depth, self.depth], [max(n["naive_mults"], 1), max(n["dp_mults"], 1)])
        a["ax"].set_ylim(0.5, c["naive_mults"].max() * 5)
        a["ax"].set_title(
            f"width {self.width}, depth {self.depth}: {_count(n['paths'])} paths; "
            f"naive {_count(n['naive_mults'])} vs DP {_count(n['dp_mults'])} multiplications",
            fontsize=TEXT_PT,
        )

    def _setup(self, fig: Figure) -> None:
        fig.clear()
        ax = fig.subplots()
        depths = self.curve["depths"]
        (naive,) = ax.semilogy(depths, depths, "-", color=GRADIENT_COLOUR, label="naive: a product per path")
        (dp,) = ax.semilogy(depths, depths, "-", color=FORWARD_COLOUR, label="DP (backprop): one per edge")
        (here,) = ax.semilogy([1, 1], [1, 1], "o", color="k", ms=7, label="this graph")
        ax.set_xlim(0, depths[-1] + 1)
        ax.set_xlabel("depth (hidden layers)")
        ax.set_ylabel("multiplications")
        ax.yaxis.set_major_locator(LogLocator(numticks=8))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.yaxis.set_major_formatter(_POWER_OF_TEN)
        ax.legend(loc="upper left", fontsize=TEXT_PT)
        ax.grid(alpha=0.3)
        ax.set_title("p", fontsize=TEXT_PT, y=1.0)
        _freeze_layout(fig)
        self._fig = fig
        self._artists = {"ax": ax, "naive": naive, "dp": dp, "here": here}


# --------------------------------------------------------------------------------------------
# 3. Activation explorer: f, f' and the gradient through a stack of n layers
# --------------------------------------------------------------------------------------------


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # exp only ever sees -|x| <= 0, so it cannot overflow.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def activation_and_derivative(name: str, x: np.ndarray, slope: float = 0.1, alpha: float = 1.0):
    """``(f(x), f'(x))`` for one of ``ACTIVATIONS``, elementwise on an array ``x`` of any shape.

    ``slope`` is Leaky ReLU's slope for x < 0 (0.1 gives the lecture's max(0.1x, x));
    ``alpha`` is ELU's α. At the kink x = 0 ReLU and Leaky ReLU take the left derivative.
    """
    x = np.asarray(x, dtype=np.float64)
    if name == "sigmoid":
        f = _sigmoid(x)
        return f, f * (1.0 - f)  # Zhou's (5.9): f' = f(1 - f)
    if name == "tanh":
        f = np.tanh(x)
        return f, 1.0 - f * f
    if name == "relu":
        return np.maximum(x, 0.0), (x > 0).astype(np.float64)
    if name == "leaky relu":
        return np.where(x > 0, x, slope * x), np.where(x > 0, 1.0, slope)
    if name == "elu":
        # expm1 of min(x, 0): no overflow for large x, and exact near 0.
        neg = alpha * np.expm1(np.minimum(x, 0.0))
        return np.where(x > 0, x, neg), np.where(x > 0, 1.0, neg + alpha)
    raise ValueError(f"activation must be one of {', '.join(map(repr, ACTIVATIONS))}; got {name!r}")


ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky relu", "elu")


class ActivationModel:
    """One activation f at one input x, and a stack of n copies of it: z = f(f(...f(x))).

    State after every change:
    ``f``, ``df``: f(x) and f'(x).
    ``inputs``: (n,) the input x_i of layer i (x_1 = x, x_{i+1} = f(x_i)).
    ``grads``: (n,) ∂z/∂x_i, the gradient arriving at layer i's input from the top. Backprop
    fills it from the top down: ∂z/∂x_n = f'(x_n), and ∂z/∂x_i = ∂z/∂x_{i+1} · f'(x_i).
    ``grad_input``: ∂z/∂x = grads[0], the product of the n local derivatives.
    """

    X_RANGE = (-6.0, 6.0)
    N_RANGE = (1, 30)
    SLOPE_RANGE = (0.0, 1.0)
    ALPHA_RANGE = (0.1, 3.0)

    def __init__(self, activation: str = "sigmoid", x: float = 1.0, n_layers: int = 10,
                 slope: float = 0.1, alpha: float = 1.0) -> None:
        self.activation = _check_choice("activation", activation, ACTIVATIONS)
        self.x = _check_number("x", x, *self.X_RANGE)
        self.n_layers = _check_int("n_layers", n_layers, *self.N_RANGE)
        self.slope = _check_number("slope", slope, *self.SLOPE_RANGE)
        self.alpha = _check_number("alpha", alpha, *self.ALPHA_RANGE)
        self.recompute()

    def set(self, name: str, value) -> None:
        """Change one parameter (``activation``, ``x``, ``n_layers``, ``slope``, ``alpha``)."""
        checks = {
            "activation": lambda v: _check_choice("activation", v, ACTIVATIONS),
            "x": lambda v: _check_number("x", v, *self.X_RANGE),
            "n_layers": lambda v: _check_int("n_layers", v, *self.N_RANGE),
            "slope": lambda v: _check_number("slope", v, *self.SLOPE_RANGE),
            "alpha": lambda v: _check_number("alpha", v, *self.ALPHA_RANGE),
        }
        if name not in checks:
            raise ValueError(f"ActivationModel has no parameter {name!r}; it has {', '.join(checks)}")
        setattr(self, name, checks[name](value))
        self.recompute()

    def fn(self, x: np.ndarray):
        return activation_and_derivative(self.activation, x, self.slope, self.alpha)

    def recompute(self) -> None:
        f, df = self.fn(np.array(self.x))
        self.f, self.df = float(f), float(df)
        # Forward through the stack, keeping every layer's input (backward needs them).
        inputs = np.empty(self.n_layers)
        local = np.empty(self.n_layers)
        h = self.x
        for i in range(self.n_layers):
            inputs[i] = h
            out, d = self.fn(np.array(h))
            local[i] = d
            h = float(out)
        self.inputs, self.local, self.output = inputs, local, h
        # Backward: the gradient arriving at each layer's input, from the top down.
        grads = np.empty(self.n_layers)
        upstream = 1.0
        for i in reversed(range(self.n_layers)):
            upstream = upstream * local[i]
            grads[i] = upstream
        self.grads = grads
        self.grad_input = float(grads[0])

    def label(self) -> str:
        name = self.activation
        if name == "leaky relu":
            name += f" (slope {self.slope:g})"
        if name == "elu":
            name += f" (α = {self.alpha:g})"
        return name

    def draw(self, fig: Figure) -> None:
        """Draw f, f' and the per-layer gradients on ``fig``. The first call makes the axes and
        lines; later calls on the same figure only move them (much faster than redrawing)."""
        if getattr(self, "_fig", None) is not fig:
            self._setup(fig)
        a = self._artists
        grid = a["grid"]
        f, df = self.fn(grid)
        a["f"].set_ydata(f)
        a["df"].set_ydata(df)
        a["x"].set_xdata([self.x, self.x])
        a["dots"].set_data([self.x, self.x], [self.f, self.df])
        low, high = min(f.min(), df.min()), max(f.max(), df.max())
        a["ax_f"].set_ylim(low - 0.1 * (high - low) - 0.05, high + 0.1 * (high - low) + 0.05)
        a["ax_f"].set_title(f"{self.label()}: f({self.x:.2f}) = {self.f:.3f}, "
                            f"f'({self.x:.2f}) = {self.df:.3f}", fontsize=TEXT_PT)

        layers = np.arange(1, self.n_layers + 1)
        size = np.abs(self.grads)
        nonzero = size > 0
        a["g"].set_data(layers[nonzero], size[nonzero])
        ax_g = a["ax_g"]
        ax_g.set_xlim(0.5, self.n_layers + 0.5)
        if nonzero.any():
            top, bottom = size[nonzero].max(), size[nonzero].min()
            ax_g.set_ylim(min(bottom, 0.1 * top) / 3, top * 3)
        a["zero"].set_visible(not nonzero.all())
        if not nonzero.all():
            first = int(layers[~nonzero].max())
            a["zero"].set_text(f"gradient is exactly 0 from layer {first} down:\n"
                               "f' = 0 there, and it blocks everything below")
        ax_g.set_title(f"{self.n_layers} layers: ∂z/∂x = {self.grad_input:.3g}", fontsize=TEXT_PT)

    def _setup(self, fig: Figure) -> None:
        fig.clear()
        ax_f, ax_g = fig.subplots(1, 2)
        grid = np.linspace(*self.X_RANGE, 241)
        (f,) = ax_f.plot(grid, grid, color=FORWARD_COLOUR, label="f(x)")
        (df,) = ax_f.plot(grid, grid, color=GRADIENT_COLOUR, label="f'(x)")
        x = ax_f.axvline(self.x, color="0.5", lw=0.8)
        (dots,) = ax_f.plot([0, 0], [0, 0], "o", color="k", ms=5)
        ax_f.set_xlim(*self.X_RANGE)
        ax_f.set_xlabel("x")
        ax_f.legend(loc="upper left", fontsize=TEXT_PT)
        ax_f.grid(alpha=0.3)
        _few_ticks(ax_f)
        # Placeholder titles, so that tight_layout leaves room for them. y=1.0 fixes their place,
        # which also spares matplotlib from placing them anew on every redraw.
        ax_f.set_title("f", fontsize=TEXT_PT, y=1.0)
        ax_g.set_title("g", fontsize=TEXT_PT, y=1.0)
        (g,) = ax_g.semilogy([1], [1], "o-", color=GRADIENT_COLOUR)
        zero = ax_g.text(0.5, 0.5, "", transform=ax_g.transAxes, ha="center", va="center", fontsize=TEXT_PT)
        ax_g.set_xlabel("layer i (1 = input side)")
        ax_g.set_ylabel(r"$|\partial z / \partial x_i|$")
        ax_g.yaxis.set_major_locator(LogLocator(numticks=6))
        ax_g.yaxis.set_minor_locator(NullLocator())  # minor log ticks cost time and say little
        ax_g.yaxis.set_major_formatter(_POWER_OF_TEN)
        ax_g.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
        ax_g.grid(alpha=0.3)
        _freeze_layout(fig)
        self._fig = fig
        self._artists = {"grid": grid, "ax_f": ax_f, "ax_g": ax_g, "f": f, "df": df, "x": x,
                         "dots": dots, "g": g, "zero": zero}


# --------------------------------------------------------------------------------------------
# 4. Zhou trainer: standard / accumulated BP on watermelon 3.0α
# --------------------------------------------------------------------------------------------


def _check_rate(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} expected a number, got {value!r} of type {type(value).__name__}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a learning rate > 0 (Zhou suggests 0.1), got {value!r}")
    return float(value)


class ZhouTrainerModel:
    """Zhou's 2-q-1 network (``bpcourse.zhou.ZhouNet``) learning 西瓜数据集 3.0α.

    Parameters: ``eta`` (η > 0), ``q`` hidden units, ``mode`` ('standard' or 'accumulated'),
    ``epochs`` (how many a ``train()`` call runs), ``seed`` (initial weights and the order of the
    samples), ``sample`` (Zhou's 编号 1..17: whose g_j and e_h are shown).
    Changing ``q`` or ``seed`` starts again from the seeded net (``reset``). Changing ``mode`` or
    ``eta`` keeps the net but starts a fresh curve from it (``E`` = [E now]), so that one curve is
    always one way of training.

    State: ``net``; ``E`` the list [E before training, E after epoch 1, ...] (5.16);
    ``g`` (1,) and ``e`` (q,): g_j (5.10) and e_h (5.15) of the chosen sample for the current net;
    ``diverged``: None, or the message saying at which epoch E became nan or inf (training then
    refuses to go on until ``reset``).
    """

    Q_RANGE = (1, 20)
    EPOCHS_RANGE = (1, 1000)
    SEED_RANGE = (0, 9999)
    MODES = ("standard", "accumulated")
    MODE_NAMES = {"standard": "standard BP 标准BP", "accumulated": "accumulated BP 累积BP"}

    def __init__(self, eta: float = 0.5, q: int = 5, mode: str = "standard", epochs: int = 50,
                 seed: int = 0, sample: int = 1) -> None:
        from bpcourse.datasets import watermelon3a

        self.X, self.y = watermelon3a()
        self.eta = _check_rate("eta", eta)
        self.q = _check_int("q", q, *self.Q_RANGE)
        self.mode = _check_choice("mode", mode, self.MODES)
        self.epochs = _check_int("epochs", epochs, *self.EPOCHS_RANGE)
        self.seed = _check_int("seed", seed, *self.SEED_RANGE)
        self.sample = _check_int("sample", sample, 1, len(self.y))
        self.reset()

    def set(self, name: str, value) -> None:
        """Change one parameter: eta, q, mode, epochs, seed or sample."""
        checks = {
            "eta": lambda v: _check_rate("eta", v),
            "q": lambda v: _check_int("q", v, *self.Q_RANGE),
            "mode": lambda v: _check_choice("mode", v, self.MODES),
            "epochs": lambda v: _check_int("epochs", v, *self.EPOCHS_RANGE),
            "seed": lambda v: _check_int("seed", v, *self.SEED_RANGE),
            "sample": lambda v: _check_int("sample", v, 1, len(self.y)),
        }
        if name not in checks:
            raise ValueError(f"ZhouTrainerModel has no parameter {name!r}; it has {', '.join(checks)}")
        setattr(self, name, checks[name](value))
        if name in ("q", "seed"):
            self.reset()
        elif name in ("mode", "eta") and not self.diverged:
            self.E = [self.net.error(self.X, self.y)]
            self.updates = [0]
            self.recompute()
        else:
            self.recompute()

    def reset(self) -> None:
        """Back to the seeded, untrained net: weights and thresholds drawn in (0, 1)."""
        from bpcourse.zhou import ZhouNet

        self.net = ZhouNet(2, self.q, 1, seed=self.seed)
        self.E = [self.net.error(self.X, self.y)]
        self.updates = [0]
        self.diverged: str | None = None
        self.recompute()

    def step(self) -> None:
        """Train one epoch (一轮)."""
        self.train(1)

    def train(self, epochs: int | None = None) -> None:
        """Train ``epochs`` more epochs (default: the ``epochs`` parameter), one at a time, and
        stop at the first epoch where E is nan or inf."""
        epochs = self.epochs if epochs is None else _check_int("epochs", epochs, *self.EPOCHS_RANGE)
        if self.diverged:
            raise ValueError(f"{self.diverged} Press Reset (reset()) to start again.")
        for _ in range(epochs):
            epoch = len(self.E)  # the epoch about to run, counting from 1
            # Each epoch's sample order comes from (seed, epoch): reruns are identical.
            with np.errstate(over="ignore", invalid="ignore"):  # we check E ourselves below
                history = self.net.train(self.X, self.y, eta=self.eta, epochs=1, mode=self.mode,
                                         seed=self.seed * 100_003 + epoch)
            E = history.E[-1]
            if not math.isfinite(E):
                self.diverged = (f"Training diverged at epoch {epoch}: E became {E}, so it stopped "
                                 f"(η = {self.eta:.3g} is too large).")
                break
            self.E.append(E)
            self.updates.append(self.updates[-1] + history.updates[-1])
        self.recompute()

    def recompute(self) -> None:
        from bpcourse.zhou import e_hidden, g_output

        k = self.sample - 1
        with np.errstate(over="ignore", invalid="ignore"):
            fp = self.net.forward_all(self.X[k])
            self.y_hat = float(fp.y_hat[0])
            self.g = g_output(fp.y_hat, np.array([float(self.y[k])]))  # (5.10)
            self.e = e_hidden(fp.b, self.net.w, self.g)  # (5.15)
        self.accuracy = float(np.mean(self.net.predict(self.X) == self.y)) if not self.diverged else 0.0

    def status(self) -> str:
        if self.diverged:
            return self.diverged + " Press Reset."
        k = self.sample - 1
        good = "good melon 好瓜" if self.y[k] == 1 else "not good"
        e = ", ".join(f"{value:+.4f}" for value in self.e)
        hint = " Press Train." if len(self.E) == 1 else ""
        return (f"{self.mode} BP, η = {self.eta:.3g}: epoch {len(self.E) - 1}, E = {self.E[-1]:.4g}, "
                f"training accuracy "
                f"{round(self.accuracy * len(self.y))}/{len(self.y)}. Sample {self.sample} "
                f"(density {self.X[k, 0]:.3f}, sugar {self.X[k, 1]:.3f}, {good}): ŷ = {self.y_hat:.4f}, "
                f"g_1 = {self.g[0]:+.4f} (5.10), e_h = [{e}] (5.15).{hint}")

    GRID = 60

    def draw(self, fig: Figure) -> None:
        """E against epochs, ŷ over the density–sugar plane with the 0.5 boundary, and the bars
        g_1, e_1..e_q of the chosen sample. Later calls update the same axes."""
        if getattr(self, "_fig", None) is not fig:
            self._setup(fig)
        elif len(self._artists["bars"]) != self.q + 1:  # q changed: new bars, same axes
            self._setup_bars()
        a = self._artists
        epochs = np.arange(len(self.E))
        a["E"].set_data(epochs, self.E)
        a["E"].set_marker("o" if len(self.E) == 1 else "")  # one point is no line
        ax_E = a["ax_E"]
        ax_E.set_xlim(0, max(10, len(self.E) - 1))
        ax_E.set_ylim(0, max(self.E) * 1.1)
        ax_E.set_title(f"{self.MODE_NAMES[self.mode]}, η = {self.eta:.3g}: E = {self.E[-1]:.4g}",
                       fontsize=TEXT_PT)
        _show_message(a["message"], self.diverged)
        with np.errstate(over="ignore", invalid="ignore"):
            y_hat = self.net.forward(a["grid"]).reshape(self.GRID, self.GRID)
        a["image"].set_data(y_hat)
        a["image"].set_visible(not self.diverged)
        k = self.sample - 1
        a["chosen"].set_offsets([self.X[k]])
        a["ax_b"].set_title(f"ŷ over the plane; {round(self.accuracy * 17)}/17 right", fontsize=TEXT_PT)
        if a["boundary"] is not None:
            a["boundary"].remove()
            a["boundary"] = None
        if not self.diverged and y_hat.min() < 0.5 < y_hat.max():
            a["boundary"] = a["ax_b"].contour(a["xs"], a["ys"], y_hat, levels=[0.5], colors="k",
                                              linewidths=1.2)
        ax_h = a["ax_h"]
        heights = np.concatenate([self.g, self.e])
        heights = np.where(np.isfinite(heights), heights, 0.0)
        for bar, height in zip(a["bars"], heights, strict=True):
            bar.set_height(height)
        top = max(np.abs(heights).max() * 1.2, 1e-4)
        ax_h.set_ylim(-top, top)
        ax_h.set_title(f"sample {self.sample}: $g_j$ (5.10), $e_h$ (5.15)", fontsize=TEXT_PT)

    def render(self, fig: Figure) -> None:
        """Draw ``fig`` (after ``draw(fig)``) on its Agg canvas, faster than ``fig.canvas.draw()``.

        Why: a Train press took over 100 ms, most of it matplotlib drawing tick labels and text.
        Some parts rarely change between presses: the white panels, both axes of the ŷ panel
        (fixed limits), the E axis (its limit is E before training, unless E grows) and the bar
        labels g_1, e_h (until q changes). They are drawn once into a stored background (blitting)
        and drawn again only when that E limit or q changes; each call restores the background and
        draws every other artist on top, in z-order, as a full draw would. Those are marked
        'animated', which keeps them out of the background; ``savefig`` still draws animated
        artists, so a saved figure is whole (a bare ``fig.canvas.draw()`` is not: use this).
        """
        a = self._artists
        canvas = fig.canvas
        static = {a["ax_E"].yaxis, a["ax_b"].xaxis, a["ax_b"].yaxis, a["ax_h"].xaxis}
        key = (a["ax_E"].get_ylim(), self.q)  # what the static parts show
        changing = []
        for ax in (a["ax_E"], a["ax_b"], a["ax_h"]):  # the panels' own order in fig.axes
            children = [c for c in ax.get_children() if c is not ax.patch and c not in static]
            for child in children:
                child.set_animated(True)
            changing += sorted(children, key=lambda c: c.get_zorder())
        if a["background"] is None or a["background"][0] != key:
            canvas.draw()  # draws only what is not animated: the static parts
            a["background"] = (key, canvas.copy_from_bbox(fig.bbox))
        else:
            canvas.restore_region(a["background"][1])
        renderer = canvas.get_renderer()
        for child in changing:
            child.draw(renderer)

    def _setup(self, fig: Figure) -> None:
        fig.clear()
        ax_E, ax_b, ax_h = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.1, 1, 0.9]})
        (E,) = ax_E.plot([0], [0], color=GRADIENT_COLOUR)
        ax_E.set_xlabel("epoch (at this mode and η)")
        ax_E.set_ylabel("E (5.16)")
        ax_E.grid(alpha=0.3)
        ax_E.set_title("E", fontsize=TEXT_PT, y=1.0)
        message = _message_text(ax_E)
        xs = np.linspace(0.2, 0.8, self.GRID)
        ys = np.linspace(0.0, 0.5, self.GRID)
        gx, gy = np.meshgrid(xs, ys)
        grid = np.column_stack([gx.ravel(), gy.ravel()])
        image = ax_b.imshow(np.zeros((self.GRID, self.GRID)), origin="lower", extent=(0.2, 0.8, 0.0, 0.5),
                            vmin=0, vmax=1, cmap="RdYlGn", alpha=0.6, aspect="auto")
        good = self.y == 1
        ax_b.scatter(*self.X[good].T, marker="o", color="darkgreen", s=25, label="good melon")
        ax_b.scatter(*self.X[~good].T, marker="x", color="darkred", s=25, label="not good")
        chosen = ax_b.scatter([0], [0], s=160, facecolors="none", edgecolors="k", linewidths=1.5)
        ax_b.set_xlim(0.2, 0.8)
        ax_b.set_ylim(0.0, 0.5)
        ax_b.set_xlabel("density 密度")
        ax_b.set_ylabel("sugar 含糖率")
        ax_b.set_title("b", fontsize=TEXT_PT, y=1.0)
        ax_h.axhline(0, color="0.5", lw=0.8)
        ax_h.set_title("h", fontsize=TEXT_PT, y=1.0)
        _few_ticks(ax_E, ax_b)
        ax_h.yaxis.set_major_locator(MaxNLocator(nbins=4))
        self._fig = fig
        self._artists = {"ax_E": ax_E, "ax_b": ax_b, "ax_h": ax_h, "E": E, "message": message,
                         "image": image, "grid": grid, "xs": xs, "ys": ys, "chosen": chosen,
                         "boundary": None, "bars": None, "background": None}
        self._setup_bars()
        _freeze_layout(fig)

    def _setup_bars(self) -> None:
        """One bar for g_1 and one per hidden unit e_h: made again only when q changes."""
        a = self._artists
        if a["bars"] is not None:
            a["bars"].remove()
        labels = ["$g_1$"] + [f"$e_{{{h + 1}}}$" for h in range(self.q)]
        a["bars"] = a["ax_h"].bar(range(len(labels)), np.zeros(len(labels)),
                                  color=[GRADIENT_COLOUR] + ["tab:blue"] * self.q)
        a["ax_h"].set_xticks(range(len(labels)), labels, fontsize=TEXT_PT, rotation=90 if self.q > 8 else 0)
        a["ax_h"].set_xlim(-0.6, len(labels) - 0.4)


# --------------------------------------------------------------------------------------------
# 5. Playground: a small network on a 2-D toy set, trained by gradient descent
# --------------------------------------------------------------------------------------------

CLASS_COLOURS = ("tab:blue", "tab:orange", "tab:green")


class PlaygroundModel:
    """A network 2 -> (width units, activation) × depth -> classes, with softmax cross-entropy,
    trained by full-batch gradient descent on ``dataset`` ('spirals', 'moons' or 'xor').

    Parameters: ``dataset``, ``width``, ``depth`` (hidden layers), ``activation``, ``eta`` (> 0),
    ``steps`` (how many a ``train()`` call takes), ``seed`` (data and initial weights).
    Changing the data set or the architecture starts again (``reset``); ``eta`` and ``steps`` do not.

    State: ``net`` (a ``bpcourse.layers.Sequential``), ``losses`` (the loss before each step,
    then the current one: len = steps taken + 1), ``accuracy``, and ``diverged`` (None, or the
    message saying at which step training diverged: the loss or a weight became nan or inf, or
    the loss grew past ``DIVERGED_FACTOR`` times its value before training; the last finite loss
    stays in ``losses``, so the jump shows).
    """

    DIVERGED_FACTOR = 5.0

    DATASETS = ("spirals", "moons", "xor")
    WIDTH_RANGE = (1, 64)
    DEPTH_RANGE = (1, 4)
    STEPS_RANGE = (1, 5000)
    SEED_RANGE = (0, 9999)

    def __init__(self, dataset: str = "spirals", width: int = 24, depth: int = 2,
                 activation: str = "relu", eta: float = 0.5, steps: int = 50, seed: int = 0) -> None:
        self.dataset = _check_choice("dataset", dataset, self.DATASETS)
        self.width = _check_int("width", width, *self.WIDTH_RANGE)
        self.depth = _check_int("depth", depth, *self.DEPTH_RANGE)
        self.activation = _check_choice("activation", activation, ACTIVATIONS)
        self.eta = _check_rate("eta", eta)
        self.steps = _check_int("steps", steps, *self.STEPS_RANGE)
        self.seed = _check_int("seed", seed, *self.SEED_RANGE)
        self.reset()

    def set(self, name: str, value) -> None:
        """Change one parameter: dataset, width, depth, activation, eta, steps or seed."""
        checks = {
            "dataset": lambda v: _check_choice("dataset", v, self.DATASETS),
            "width": lambda v: _check_int("width", v, *self.WIDTH_RANGE),
            "depth": lambda v: _check_int("depth", v, *self.DEPTH_RANGE),
            "activation": lambda v: _check_choice("activation", v, ACTIVATIONS),
            "eta": lambda v: _check_rate("eta", v),
            "steps": lambda v: _check_int("steps", v, *self.STEPS_RANGE),
            "seed": lambda v: _check_int("seed", v, *self.SEED_RANGE),
        }
        if name not in checks:
            raise ValueError(f"PlaygroundModel has no parameter {name!r}; it has {', '.join(checks)}")
        setattr(self, name, checks[name](value))
        if name not in ("eta", "steps"):
            self.reset()

    @property
    def hidden(self) -> tuple[int, ...]:
        return (self.width,) * self.depth

    def reset(self) -> None:
        """The data set (drawn from ``seed``) and a freshly initialised network."""
        from bpcourse import datasets, layers

        if getattr(self, "_data_of", None) != (self.dataset, self.seed):  # else keep the same arrays
            make = {"spirals": datasets.make_spirals, "moons": datasets.make_moons, "xor": datasets.make_xor}
            self.X, self.y = make[self.dataset](seed=self.seed)
            self.classes = int(self.y.max()) + 1
            self._data_of = (self.dataset, self.seed)
        kind = {"sigmoid": layers.Sigmoid, "tanh": layers.Tanh, "relu": layers.ReLU,
                "leaky relu": lambda: layers.LeakyReLU(0.1), "elu": layers.ELU}[self.activation]
        rng = np.random.default_rng(self.seed)
        stack, n_in = [], 2
        for n_out in self.hidden:
            stack += [layers.Linear(n_in, n_out, rng=rng), kind()]
            n_in = n_out
        stack.append(layers.Linear(n_in, self.classes, rng=rng))
        self.net = layers.Sequential(stack)
        self.loss = layers.SoftmaxCrossEntropy()
        self.diverged: str | None = None
        self.losses = [self.loss.forward(self.net.forward(self.X), self.y)]
        self._evaluate()

    def step(self) -> None:
        """One step of gradient descent on the whole data set."""
        self.train(1)

    def train(self, steps: int | None = None) -> None:
        """Take ``steps`` gradient steps (default: the ``steps`` parameter); stop at the first one
        after which the loss or a weight is nan or inf."""
        from bpcourse.layers import sgd_step

        steps = self.steps if steps is None else _check_int("steps", steps, *self.STEPS_RANGE)
        if self.diverged:
            raise ValueError(f"{self.diverged} Press Reset (reset()) to start again.")
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            self.loss.forward(self.net.forward(self.X), self.y)  # fresh caches for the first backward
        for _ in range(steps):
            step = len(self.losses)
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # checked below
                try:
                    self.net.backward(self.loss.backward())
                    sgd_step(self.net, self.eta)  # w <- w − η ∂z/∂w
                    loss = self.loss.forward(self.net.forward(self.X), self.y)  # also the next caches
                except ValueError:  # a layer refused a non-finite input: the weights blew up
                    loss = math.nan
            finite = math.isfinite(loss) and all(np.isfinite(p).all() for p in self.net.params.values())
            if not finite:
                self.diverged = (f"Training diverged at step {step}: the loss or a weight became nan or "
                                 f"inf, so it stopped (η = {self.eta:.3g} is too large).")
                break
            self.losses.append(loss)
            if loss > self.DIVERGED_FACTOR * self.losses[0]:
                self.diverged = (f"Training diverged at step {step}: the loss grew to {loss:.4g}, more than "
                                 f"{self.DIVERGED_FACTOR:g}× its start {self.losses[0]:.4g}, so it stopped "
                                 f"(η = {self.eta:.3g} is too large).")
                break
        self._evaluate()

    def _evaluate(self) -> None:
        if self.diverged:
            self.accuracy = 0.0
            return
        scores = self.net.forward(self.X)
        self.accuracy = float(np.mean(scores.argmax(axis=1) == self.y))

    def status(self) -> str:
        if self.diverged:
            return self.diverged + " Press Reset."
        return (f"{self.dataset}: 2 → {' → '.join(map(str, self.hidden))} ({self.activation}) → "
                f"{self.classes}; step {len(self.losses) - 1}, loss {self.losses[-1]:.4g}, "
                f"training accuracy {self.accuracy:.0%}")

    GRID = 70

    def draw(self, fig: Figure) -> None:
        """Loss against steps, and the predicted class over the plane with the data on top."""
        if getattr(self, "_fig", None) is not fig:
            self._setup(fig)
        elif self._artists["data"] is not self.X:  # another data set: same axes, new points
            self._show_data()
        a = self._artists
        steps = np.arange(len(self.losses))
        a["loss"].set_data(steps, self.losses)
        a["loss"].set_marker("o" if len(self.losses) == 1 else "")  # one point is no line
        a["ax_l"].set_xlim(0, max(10, len(self.losses) - 1))
        a["ax_l"].set_ylim(min(self.losses) / 1.5, max(self.losses) * 1.5)  # log scale: all of it fits
        a["ax_l"].set_title(f"loss after {len(self.losses) - 1} steps: {self.losses[-1]:.4g}",
                            fontsize=TEXT_PT)
        _show_message(a["message"], self.diverged)
        if not self.diverged:
            labels = self.net.forward(a["grid"]).argmax(axis=1).reshape(self.GRID, self.GRID)
            a["image"].set_data(labels)
        a["image"].set_visible(not self.diverged)
        a["ax_b"].set_title(f"{self.dataset}: {self.accuracy:.0%} right", fontsize=TEXT_PT)

    def _setup(self, fig: Figure) -> None:
        fig.clear()
        ax_l, ax_b = fig.subplots(1, 2)
        (loss,) = ax_l.semilogy([0], [1], color=GRADIENT_COLOUR)
        ax_l.yaxis.set_major_locator(LogLocator(numticks=6))
        ax_l.yaxis.set_minor_locator(NullLocator())
        ax_l.yaxis.set_major_formatter(_PLAIN)
        ax_l.set_xlabel("step")
        ax_l.set_ylabel("softmax cross-entropy")
        ax_l.grid(alpha=0.3)
        ax_l.set_title("l", fontsize=TEXT_PT, y=1.0)
        message = _message_text(ax_l)
        image = ax_b.imshow(np.zeros((self.GRID, self.GRID)), origin="lower", alpha=0.3, aspect="auto",
                            interpolation="nearest")
        points = ax_b.scatter([0.0], [0.0], s=10)
        ax_b.set_title("b", fontsize=TEXT_PT, y=1.0)
        _few_ticks(ax_b)
        ax_l.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
        self._fig = fig
        self._artists = {"ax_l": ax_l, "ax_b": ax_b, "loss": loss, "message": message, "image": image,
                         "points": points}
        self._show_data()
        _freeze_layout(fig)

    def _show_data(self) -> None:
        """Put the current data set on the right panel: points, colours, limits, the grid of ŷ."""
        from matplotlib.colors import ListedColormap

        a = self._artists
        low, high = self.X.min(axis=0) - 0.3, self.X.max(axis=0) + 0.3
        xs, ys = np.linspace(low[0], high[0], self.GRID), np.linspace(low[1], high[1], self.GRID)
        gx, gy = np.meshgrid(xs, ys)
        colours = ListedColormap(CLASS_COLOURS[: self.classes])
        for artist in (a["image"], a["points"]):
            artist.set_cmap(colours)
            artist.set_clim(0, self.classes - 1)
        a["image"].set_extent((low[0], high[0], low[1], high[1]))
        a["points"].set_offsets(self.X)
        a["points"].set_array(self.y)
        a["ax_b"].set_xlim(low[0], high[0])
        a["ax_b"].set_ylim(low[1], high[1])
        a["grid"] = np.column_stack([gx.ravel(), gy.ravel()])
        a["data"] = self.X


# --------------------------------------------------------------------------------------------
# The shell: controls -> model -> one figure in an Output widget
# --------------------------------------------------------------------------------------------


class Explorer(widgets.VBox):
    """A model, its controls, a status line and one figure.

    Attributes: ``model``; ``controls`` (name -> widget); ``status`` (an HTML line: the state in
    words, or the error); ``fig`` (the one Figure) drawn as a PNG into ``out`` (an Output widget);
    ``last_ms`` (duration of the last interaction: recompute + draw + PNG, in milliseconds).
    ``controls``: name -> widget. A value widget whose name is a model parameter calls
    ``model.set(name, value)`` when it changes; ``actions`` maps a button's name to a function
    of the model. After either, the figure is redrawn and ``last_ms`` records how long it took.
    """

    def __init__(self, model, controls: dict[str, widgets.Widget],
                 actions: dict[str, Callable] | None = None, figsize=(8.5, 3.2),
                 status: Callable[[object], str] | None = None) -> None:
        use_cjk_font()  # the figures carry Zhou's Chinese terms
        self.model = model
        self.controls = controls
        self.status_text = status or (lambda m: "")
        self.status = widgets.HTML()
        self.out = widgets.Output()
        self.fig = Figure(figsize=figsize, dpi=SCREEN_DPI * DENSITY)
        FigureCanvasAgg(self.fig)  # draws without pyplot: no stray figure at the end of the cell
        self.last_ms = float("nan")
        actions = actions or {}
        for name, control in controls.items():
            if name in actions:
                control.on_click(lambda _button, act=actions[name]: self._run(act))
            else:
                control.observe(lambda change, name=name: self._run(
                    lambda m: m.set(name, change["new"])), names="value")
        rows = [widgets.HBox(list(controls.values())[i:i + 3]) for i in range(0, len(controls), 3)]
        super().__init__(rows + [self.status, self.out])
        self._run(lambda m: None)

    def _run(self, action: Callable) -> None:
        start = time.perf_counter()
        try:
            action(self.model)
        except (ValueError, TypeError) as error:
            self.status.value = f"<span style='color:#b00'>{error}</span>"
            return
        self.redraw()
        self.last_ms = (time.perf_counter() - start) * 1000

    def redraw(self) -> None:
        self.model.draw(self.fig)
        # One draw, then PNG: cheaper than savefig, which draws the figure twice. A model with a
        # render() method draws the canvas itself (the trainer blits what rarely changes).
        canvas = self.fig.canvas
        if hasattr(self.model, "render"):
            self.model.render(self.fig)
        else:
            canvas.draw()
        buffer = io.BytesIO()
        width, height = canvas.get_width_height()
        # RGB: the figure is opaque, and PNG encodes 3 channels faster than 4.
        PIL.Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba()).convert("RGB").save(
            buffer, format="png", compress_level=1)
        png = base64.b64encode(buffer.getvalue()).decode("ascii")
        # Replace the Output's one picture (no new output per move), shown at its CSS size.
        self.out.outputs = ({
            "output_type": "display_data",
            "data": {"image/png": png, "text/plain": "<explorer figure>"},
            "metadata": {"image/png": {"width": width // DENSITY, "height": height // DENSITY}},
        },)
        self.status.value = self.status_text(self.model)


def _slider(kind, description: str, value, low, high, step, **kw):
    kw.setdefault("continuous_update", True)
    return kind(value=value, min=low, max=high, step=step, description=description,
                style={"description_width": "initial"}, **kw)


def circuit_explorer(which: str = "add_mul") -> Explorer:
    """Sliders for the inputs of a circuit ('add_mul': (x + y)·z, or 'neuron'); every move redoes
    forward and backward and redraws the circuit with values and gradients."""
    m = CircuitModel(which)
    controls = {name: _slider(widgets.FloatSlider, name, value, -5.0, 5.0, 0.1)
                for name, value in m.values.items()}
    size = (8.0, 2.8) if which == "add_mul" else (9.5, 3.6)
    return Explorer(m, controls, figsize=size, status=lambda m: m.status())


def paths_explorer() -> Explorer:
    """Width and depth of a layered graph: paths (naive) vs multiplications (DP), log scale."""
    m = PathsModel()
    controls = {
        "width": _slider(widgets.IntSlider, "width", m.width, *m.WIDTH_RANGE, 1),
        "depth": _slider(widgets.IntSlider, "depth", m.depth, *m.DEPTH_RANGE, 1),
    }
    return Explorer(m, controls, figsize=(7.5, 3.4), status=lambda m: (
        f"{m.counts['paths']:,} paths; the DP needs {m.counts['dp_mults']:,} multiplications, "
        f"enumerating paths {m.counts['naive_mults']:,}"))


def activation_explorer() -> Explorer:
    """Pick an activation, move x: f and f', and the gradient through n stacked layers."""
    m = ActivationModel()
    controls = {
        "activation": widgets.Dropdown(options=ACTIVATIONS, value=m.activation, description="f"),
        "x": _slider(widgets.FloatSlider, "x", m.x, *m.X_RANGE, 0.05),
        "n_layers": _slider(widgets.IntSlider, "layers n", m.n_layers, *m.N_RANGE, 1),
        "slope": _slider(widgets.FloatSlider, "leaky slope", m.slope, *m.SLOPE_RANGE, 0.01),
        "alpha": _slider(widgets.FloatSlider, "ELU α", m.alpha, *m.ALPHA_RANGE, 0.05),
    }
    explorer = Explorer(m, controls, status=lambda m: (
        f"z = f(f(…f(x))) with {m.n_layers} layers: ∂z/∂x = {m.grad_input:.4g} "
        f"(the product of the {m.n_layers} local derivatives f'(x_i))"))

    def enable_parameters(_change=None) -> None:  # only Leaky ReLU has a slope, only ELU an α
        controls["slope"].disabled = m.activation != "leaky relu"
        controls["alpha"].disabled = m.activation != "elu"

    controls["activation"].observe(enable_parameters, names="value")  # after the model has changed
    enable_parameters()
    return explorer


def zhou_trainer() -> Explorer:
    """Zhou's BP network on watermelon 3.0α: Train / Step / Reset, E against epochs, the
    decision boundary, and g_j, e_h of one sample."""
    m = ZhouTrainerModel()
    controls = {
        "eta": widgets.FloatLogSlider(value=m.eta, base=10, min=-2, max=1, step=0.1, description="η",
                                      continuous_update=False),
        "q": _slider(widgets.IntSlider, "hidden q", m.q, *m.Q_RANGE, 1, continuous_update=False),
        "mode": widgets.ToggleButtons(options=m.MODES, value=m.mode, description="mode",
                                      style={"button_width": "110px"}),
        "epochs": _slider(widgets.IntSlider, "epochs per Train", m.epochs, 1, 500, 1,
                          continuous_update=False),
        "seed": widgets.BoundedIntText(value=m.seed, min=m.SEED_RANGE[0], max=m.SEED_RANGE[1],
                                       description="seed", layout={"width": "160px"}),
        "sample": _slider(widgets.IntSlider, "sample 编号", m.sample, 1, len(m.y), 1),
        "train": widgets.Button(description="Train", button_style="primary"),
        "step": widgets.Button(description="Step (1 epoch)"),
        "reset": widgets.Button(description="Reset"),
    }
    actions = {"train": lambda m: m.train(), "step": lambda m: m.step(), "reset": lambda m: m.reset()}
    return Explorer(m, controls, actions, figsize=(9.5, 3.4), status=lambda m: m.status())


def playground() -> Explorer:
    """A small network on spirals, moons or XOR: layer sizes, activation, learning rate; Train
    and watch the loss fall and the decision boundary bend."""
    m = PlaygroundModel()
    controls = {
        "dataset": widgets.ToggleButtons(options=m.DATASETS, value=m.dataset, description="data",
                                         style={"button_width": "70px"}),
        "width": _slider(widgets.IntSlider, "units per layer", m.width, *m.WIDTH_RANGE, 1,
                         continuous_update=False),
        "depth": _slider(widgets.IntSlider, "hidden layers", m.depth, *m.DEPTH_RANGE, 1,
                         continuous_update=False),
        "activation": widgets.Dropdown(options=ACTIVATIONS, value=m.activation, description="activation"),
        "eta": widgets.FloatLogSlider(value=m.eta, base=10, min=-3, max=1.5, step=0.1,
                                      description="η", continuous_update=False),
        "steps": _slider(widgets.IntSlider, "steps per Train", m.steps, 1, 1000, 1, continuous_update=False),
        "train": widgets.Button(description="Train", button_style="primary"),
        "step": widgets.Button(description="Step"),
        "reset": widgets.Button(description="Reset"),
    }
    actions = {"train": lambda m: m.train(), "step": lambda m: m.step(), "reset": lambda m: m.reset()}
    return Explorer(m, controls, actions, figsize=(8.5, 3.4), status=lambda m: m.status())
