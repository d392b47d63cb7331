"""Activation explorer: f and f′, and the gradient through a stack of n copies of f (lecture 05)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator, MaxNLocator, NullLocator

from bpcourse import functional
from bpcourse.explorers.shell import (
    FORWARD_COLOUR,
    GRADIENT_COLOUR,
    POWER_OF_TEN,
    TEXT_PT,
    Explorer,
    Param,
    ParamModel,
    few_ticks,
    freeze_layout,
)
from bpcourse.i18n import _

__all__ = ["ACTIVATIONS", "activation_and_derivative", "ActivationModel", "activation_explorer"]

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky relu", "elu")


def activation_and_derivative(name: str, x, slope: float = 0.1, alpha: float = 1.0):
    """``(f(x), f'(x))`` for one of ``ACTIVATIONS``, from ``bpcourse.functional``, elementwise.

    ``slope`` is Leaky ReLU's slope for x < 0 (0.1 gives the lecture's max(0.1x, x)); ``alpha``
    is ELU's α. At the kink x = 0, ReLU and Leaky ReLU take the left derivative.
    """
    if name not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(map(repr, ACTIVATIONS))}; got {name!r}")
    f, df = functional.ACTIVATIONS[name.replace(" ", "_")]
    extra = {"leaky relu": {"slope": slope}, "elu": {"alpha": alpha}}.get(name, {})
    return f(x, **extra), df(x, **extra)


class ActivationModel(ParamModel):
    """One activation f at one input x, and a stack of n copies of it: z = f(f(...f(x))).

    Parameters: ``activation``, ``x`` (−6..6), ``n_layers`` (1..30), ``slope`` (Leaky ReLU's, 0..1),
    ``alpha`` (ELU's α, 0.1..3).
    State after every change:
    ``f``, ``df``: f(x) and f'(x).
    ``inputs``: (n,) the input x_i of layer i (x_1 = x, x_{i+1} = f(x_i)); ``local``: (n,) f'(x_i).
    ``grads``: (n,) ∂z/∂x_i, the gradient arriving at layer i's input from the top. Backprop
    fills it from the top down: ∂z/∂x_n = f'(x_n), and ∂z/∂x_i = ∂z/∂x_{i+1} · f'(x_i).
    ``grad_input``: ∂z/∂x = grads[0], the product of the n local derivatives.
    """

    PARAMS = (
        Param("activation", "sigmoid", "choice", choices=ACTIVATIONS, label="f", widget="dropdown"),
        Param("x", 1.0, "number", -6.0, 6.0, step=0.05),
        Param("n_layers", 10, "count", 1, 30, label="layers n"),
        Param("slope", 0.1, "number", 0.0, 1.0, step=0.01, label="leaky slope",
              enabled=lambda m: m.activation == "leaky relu"),
        Param("alpha", 1.0, "number", 0.1, 3.0, step=0.05, label="ELU α",
              enabled=lambda m: m.activation == "elu"),
    )
    FIGSIZE = (8.5, 3.2)
    # The parameters' types (ParamModel.__init__ sets each from PARAMS):
    activation: str
    x: float
    n_layers: int
    slope: float
    alpha: float

    def fn(self, x):
        return activation_and_derivative(self.activation, x, self.slope, self.alpha)

    def recompute(self) -> None:
        self.f, self.df = (float(v) for v in self.fn(self.x))
        # Forward through the stack, keeping every layer's input (backward needs them).
        inputs = np.empty(self.n_layers)
        local = np.empty(self.n_layers)
        h = self.x
        for i in range(self.n_layers):
            inputs[i] = h
            out, d = self.fn(h)
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

    def status(self) -> str:
        return _("z = f(f(…f(x))) with {n} layers: ∂z/∂x = {grad} (the product of the {n} local "
                 "derivatives f'(x_i))").format(n=self.n_layers, grad=f"{self.grad_input:.4g}")

    def draw(self, fig: Figure) -> None:
        """Draw f, f' and the per-layer gradients on ``fig``. The first call makes the axes and
        lines; later calls on the same figure only move them (much faster than redrawing)."""
        if getattr(self, "_fig", None) is not fig:
            self._setup(fig)
        a = self._artists
        f, df = self.fn(a["grid"])
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
            a["zero"].set_text(_("gradient is exactly 0 from layer {first} down:\n"
                                 "f' = 0 there, and it blocks everything below").format(first=first))
        ax_g.set_title(_("{n} layers: ∂z/∂x = {grad}").format(n=self.n_layers, grad=f"{self.grad_input:.3g}"),
                       fontsize=TEXT_PT)

    def _setup(self, fig: Figure) -> None:
        fig.clear()
        ax_f, ax_g = fig.subplots(1, 2)
        low, high = self.param("x").low, self.param("x").high
        grid = np.linspace(low, high, 241)
        (f,) = ax_f.plot(grid, grid, color=FORWARD_COLOUR, label="f(x)")
        (df,) = ax_f.plot(grid, grid, color=GRADIENT_COLOUR, label="f'(x)")
        x = ax_f.axvline(self.x, color="0.5", lw=0.8)
        (dots,) = ax_f.plot([0, 0], [0, 0], "o", color="k", ms=5)
        ax_f.set_xlim(low, high)
        ax_f.set_xlabel("x")
        ax_f.legend(loc="upper left", fontsize=TEXT_PT)
        ax_f.grid(alpha=0.3)
        few_ticks(ax_f)
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
        ax_g.yaxis.set_major_formatter(POWER_OF_TEN)
        ax_g.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
        ax_g.grid(alpha=0.3)
        freeze_layout(fig)
        self._fig = fig
        self._artists = {"grid": grid, "ax_f": ax_f, "ax_g": ax_g, "f": f, "df": df, "x": x,
                         "dots": dots, "g": g, "zero": zero}


def activation_explorer() -> Explorer:
    """Pick an activation, move x: f and f', and the gradient through n stacked layers."""
    return Explorer(ActivationModel())
