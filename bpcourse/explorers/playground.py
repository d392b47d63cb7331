"""Playground: a small network on a 2-D toy set, trained by gradient descent (lectures 04-05)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator, MaxNLocator, NullLocator

from bpcourse import datasets, layers
from bpcourse.explorers.activation import ACTIVATIONS
from bpcourse.explorers.shell import (
    GRADIENT_COLOUR,
    PLAIN,
    TEXT_PT,
    Explorer,
    Param,
    ParamModel,
    few_ticks,
    freeze_layout,
    message_text,
    show_message,
)
from bpcourse.i18n import _

__all__ = ["PlaygroundModel", "playground", "CLASS_COLOURS"]

CLASS_COLOURS = ("tab:blue", "tab:orange", "tab:green")


class PlaygroundModel(ParamModel):
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
    PARAMS = (
        Param("dataset", "spirals", "choice", choices=DATASETS, label="data", widget="toggle", resets=True),
        Param("width", 24, "count", 1, 64, label="units per layer", resets=True, continuous=False),
        Param("depth", 2, "count", 1, 4, label="hidden layers", resets=True, continuous=False),
        Param("activation", "relu", "choice", choices=ACTIVATIONS, widget="dropdown", resets=True),
        Param("eta", 0.5, "rate", label="η", widget="log", control=(-3, 1.5), step=0.1, continuous=False),
        Param("steps", 50, "count", 1, 5000, label="steps per Train", control=(1, 1000), continuous=False),
        Param("seed", 0, "count", 0, 9999, widget="text", resets=True),
    )
    ACTIONS = (("train", "Train"), ("step", "Step"), ("reset", "Reset"))
    FIGSIZE = (8.5, 3.4)
    # The parameters' types (ParamModel.__init__ sets each from PARAMS):
    dataset: str
    width: int
    depth: int
    activation: str
    eta: float
    steps: int
    seed: int

    @property
    def hidden(self) -> tuple[int, ...]:
        return (self.width,) * self.depth

    def reset(self) -> None:
        """The data set (drawn from ``seed``) and a freshly initialised network."""
        if getattr(self, "_data_of", None) != (self.dataset, self.seed):  # else keep the same arrays
            make: dict[str, Callable[..., tuple[np.ndarray, np.ndarray]]] = {
                "spirals": datasets.make_spirals, "moons": datasets.make_moons, "xor": datasets.make_xor}
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
        steps = self.training_count("steps", steps)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            self.loss.forward(self.net.forward(self.X), self.y)  # fresh caches for the first backward
        for _step in range(steps):  # not `_`: that name is the translation function here
            step = len(self.losses)
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # checked below
                try:
                    self.net.backward(self.loss.backward())
                    layers.sgd_step(self.net, self.eta)  # w <- w − η ∂z/∂w
                    loss = self.loss.forward(self.net.forward(self.X), self.y)  # also the next caches
                except ValueError:  # a layer refused a non-finite input: the weights blew up
                    loss = math.nan
            finite = math.isfinite(loss) and all(np.isfinite(p).all() for p in self.net.params.values())
            if not finite:
                self.diverged = _("Training diverged at step {step}: the loss or a weight became nan or "
                                  "inf, so it stopped (η = {eta} is too large).").format(
                    step=step, eta=f"{self.eta:.3g}")
                break
            self.losses.append(loss)
            if loss > self.DIVERGED_FACTOR * self.losses[0]:
                self.diverged = _("Training diverged at step {step}: the loss grew to {loss}, more "
                                  "than {factor}× its start {start}, so it stopped (η = {eta} is too "
                                  "large).").format(
                    step=step, loss=f"{loss:.4g}", factor=f"{self.DIVERGED_FACTOR:g}",
                    start=f"{self.losses[0]:.4g}", eta=f"{self.eta:.3g}")
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
            return self.diverged + _(" Press Reset.")
        return _("{data}: 2 → {hidden} ({activation}) → {classes}; step {step}, loss {loss}, "
                 "training accuracy {accuracy}").format(
            data=self.dataset, hidden=" → ".join(map(str, self.hidden)), activation=self.activation,
            classes=self.classes, step=len(self.losses) - 1, loss=f"{self.losses[-1]:.4g}",
            accuracy=f"{self.accuracy:.0%}")

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
        a["ax_l"].set_title(_("loss after {steps} steps: {loss}").format(steps=len(self.losses) - 1,
                                                                        loss=f"{self.losses[-1]:.4g}"),
                            fontsize=TEXT_PT)
        show_message(a["message"], self.diverged)
        if not self.diverged:
            labels = self.net.forward(a["grid"]).argmax(axis=1).reshape(self.GRID, self.GRID)
            a["image"].set_data(labels)
        a["image"].set_visible(not self.diverged)
        right = _("{data}: {accuracy} right").format(data=self.dataset, accuracy=f"{self.accuracy:.0%}")
        a["ax_b"].set_title(right, fontsize=TEXT_PT)

    def _setup(self, fig: Figure) -> None:
        fig.clear()
        ax_l, ax_b = fig.subplots(1, 2)
        (loss,) = ax_l.semilogy([0], [1], color=GRADIENT_COLOUR)
        ax_l.yaxis.set_major_locator(LogLocator(numticks=6))
        ax_l.yaxis.set_minor_locator(NullLocator())
        ax_l.yaxis.set_major_formatter(PLAIN)
        ax_l.set_xlabel("step")
        ax_l.set_ylabel("softmax cross-entropy")
        ax_l.grid(alpha=0.3)
        ax_l.set_title("l", fontsize=TEXT_PT, y=1.0)
        message = message_text(ax_l)
        image = ax_b.imshow(np.zeros((self.GRID, self.GRID)), origin="lower", alpha=0.3, aspect="auto",
                            interpolation="nearest")
        points = ax_b.scatter([0.0], [0.0], s=10)
        ax_b.set_title("b", fontsize=TEXT_PT, y=1.0)
        few_ticks(ax_b)
        ax_l.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
        self._fig = fig
        self._artists = {"ax_l": ax_l, "ax_b": ax_b, "loss": loss, "message": message, "image": image,
                         "points": points}
        self._show_data()
        freeze_layout(fig)

    def _show_data(self) -> None:
        """Put the current data set on the right panel: points, colours, limits, the grid of ŷ."""
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


def playground() -> Explorer:
    """A small network on spirals, moons or XOR: layer sizes, activation, learning rate; Train
    and watch the loss fall and the decision boundary bend."""
    return Explorer(PlaygroundModel())
