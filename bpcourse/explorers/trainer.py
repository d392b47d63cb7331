"""Zhou's trainer: standard and accumulated BP on watermelon 3.0α, E, the boundary, g_j and e_h
(lectures 06 and 07)."""

from __future__ import annotations

import math
from typing import cast

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bpcourse.datasets import watermelon3a
from bpcourse.explorers.shell import (
    GRADIENT_COLOUR,
    TEXT_PT,
    Explorer,
    Param,
    ParamModel,
    few_ticks,
    freeze_layout,
    message_text,
    show_message,
)
from bpcourse.i18n import N_, _
from bpcourse.zhou import MODES, ZhouNet, e_hidden, g_output

__all__ = ["ZhouTrainerModel", "zhou_trainer"]


class ZhouTrainerModel(ParamModel):
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

    MODE_NAMES = {"standard": N_("standard BP 标准BP"), "accumulated": N_("accumulated BP 累积BP")}
    MODE_WORDS = {"standard": N_("standard"), "accumulated": N_("accumulated")}  # the status line's
    PARAMS = (
        Param("eta", 0.5, "rate", label="η", widget="log", control=(-2, 1), step=0.1, continuous=False),
        Param("q", 5, "count", 1, 20, label="hidden q", resets=True, continuous=False),
        Param("mode", "standard", "choice", choices=MODES, widget="toggle"),
        Param("epochs", 50, "count", 1, 1000, label="epochs per Train", control=(1, 500), continuous=False),
        Param("seed", 0, "count", 0, 9999, widget="text", resets=True),
        Param("sample", 1, "count", 1, 17, label="sample 编号"),
    )
    ACTIONS = (("train", "Train"), ("step", "Step (1 epoch)"), ("reset", "Reset"))
    FIGSIZE = (9.5, 3.4)
    # The parameters' types (ParamModel.__init__ sets each from PARAMS):
    eta: float
    q: int
    mode: str
    epochs: int
    seed: int
    sample: int

    def __init__(self, *args, **values) -> None:
        self.X, self.y = watermelon3a()
        super().__init__(*args, **values)

    def changed(self, param: Param) -> None:
        if param.name in ("mode", "eta") and not self.diverged:  # a fresh curve, from the same net
            self.E = [self.net.error(self.X, self.y)]
            self.updates = [0]
        super().changed(param)

    def reset(self) -> None:
        """Back to the seeded, untrained net: weights and thresholds drawn in (0, 1)."""
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
        epochs = self.training_count("epochs", epochs)
        for _step in range(epochs):  # not `_`: that name is the translation function here
            epoch = len(self.E)  # the epoch about to run, counting from 1
            # Each epoch's sample order comes from (seed, epoch): reruns are identical.
            with np.errstate(over="ignore", invalid="ignore"):  # we check E ourselves below
                history = self.net.train(self.X, self.y, eta=self.eta, epochs=1, mode=self.mode,
                                         seed=self.seed * 100_003 + epoch)
            E = history.E[-1]
            if not math.isfinite(E):
                self.diverged = _("Training diverged at epoch {epoch}: E became {E}, so it stopped "
                                  "(η = {eta} is too large).").format(epoch=epoch, E=E, eta=f"{self.eta:.3g}")
                break
            self.E.append(E)
            self.updates.append(self.updates[-1] + history.updates[-1])
        self.recompute()

    def recompute(self) -> None:
        k = self.sample - 1
        with np.errstate(over="ignore", invalid="ignore"):
            fp = self.net.forward_all(self.X[k])
            self.y_hat = float(fp.y_hat[0])
            self.g = g_output(fp.y_hat, np.array([float(self.y[k])]))  # (5.10)
            self.e = e_hidden(fp.b, self.net.w, self.g)  # (5.15)
        self.accuracy = float(np.mean(self.net.predict(self.X) == self.y)) if not self.diverged else 0.0

    def status(self) -> str:
        if self.diverged:
            return self.diverged + _(" Press Reset.")
        k = self.sample - 1
        good = _("good melon 好瓜") if self.y[k] == 1 else _("not good")
        e = ", ".join(f"{value:+.4f}" for value in self.e)
        hint = _(" Press Train.") if len(self.E) == 1 else ""
        return _("{mode} BP, η = {eta}: epoch {epoch}, E = {E}, training accuracy {right}/{m}. "
                 "Sample {sample} (density {density}, sugar {sugar}, {good}): ŷ = {y_hat}, "
                 "g_1 = {g} (5.10), e_h = [{e}] (5.15).{hint}").format(
            mode=_(self.MODE_WORDS[self.mode]), eta=f"{self.eta:.3g}", epoch=len(self.E) - 1,
            E=f"{self.E[-1]:.4g}",
            right=round(self.accuracy * len(self.y)), m=len(self.y), sample=self.sample,
            density=f"{self.X[k, 0]:.3f}", sugar=f"{self.X[k, 1]:.3f}", good=good,
            y_hat=f"{self.y_hat:.4f}", g=f"{self.g[0]:+.4f}", e=e, hint=hint)

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
        ax_E.set_title(f"{_(self.MODE_NAMES[self.mode])}, η = {self.eta:.3g}: E = {self.E[-1]:.4g}",
                       fontsize=TEXT_PT)
        show_message(a["message"], self.diverged)
        with np.errstate(over="ignore", invalid="ignore"):
            y_hat = self.net.forward(a["grid"]).reshape(self.GRID, self.GRID)
        a["image"].set_data(y_hat)
        a["image"].set_visible(not self.diverged)
        k = self.sample - 1
        a["chosen"].set_offsets([self.X[k]])
        a["ax_b"].set_title(_("ŷ over the plane; {right}/17 right").format(right=round(self.accuracy * 17)),
                            fontsize=TEXT_PT)
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

        Most of a full draw is matplotlib drawing tick labels and text, and some parts rarely
        change between presses: the white panels, both axes of the ŷ panel
        (fixed limits), the E axis (its limit is E before training, unless E grows) and the bar
        labels g_1, e_h (until q changes). They are drawn once into a stored background (blitting)
        and drawn again only when that E limit or q changes; each call restores the background and
        draws every other artist on top, in z-order, as a full draw would. Those are marked
        'animated', which keeps them out of the background; ``savefig`` still draws animated
        artists, so a saved figure is whole (a bare ``fig.canvas.draw()`` is not: use this).
        """
        a = self._artists
        canvas = cast(FigureCanvasAgg, fig.canvas)  # blitting needs Agg; the shell's canvas is Agg
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
        ax_E.set_xlabel(_("epoch (at this mode and η)"))
        ax_E.set_ylabel("E (5.16)")
        ax_E.grid(alpha=0.3)
        ax_E.set_title("E", fontsize=TEXT_PT, y=1.0)
        message = message_text(ax_E)
        xs = np.linspace(0.2, 0.8, self.GRID)
        ys = np.linspace(0.0, 0.5, self.GRID)
        gx, gy = np.meshgrid(xs, ys)
        grid = np.column_stack([gx.ravel(), gy.ravel()])
        image = ax_b.imshow(np.zeros((self.GRID, self.GRID)), origin="lower", extent=(0.2, 0.8, 0.0, 0.5),
                            vmin=0, vmax=1, cmap="RdYlGn", alpha=0.6, aspect="auto")
        good = self.y == 1
        ax_b.scatter(*self.X[good].T, marker="o", color="darkgreen", s=25, label=_("good melon"))
        ax_b.scatter(*self.X[~good].T, marker="x", color="darkred", s=25, label=_("not good"))
        chosen = ax_b.scatter([0], [0], s=160, facecolors="none", edgecolors="k", linewidths=1.5)
        ax_b.set_xlim(0.2, 0.8)
        ax_b.set_ylim(0.0, 0.5)
        ax_b.set_xlabel(_("density 密度"))
        ax_b.set_ylabel(_("sugar 含糖率"))
        ax_b.set_title("b", fontsize=TEXT_PT, y=1.0)
        ax_h.axhline(0, color="0.5", lw=0.8)
        ax_h.set_title("h", fontsize=TEXT_PT, y=1.0)
        few_ticks(ax_E, ax_b)
        ax_h.yaxis.set_major_locator(MaxNLocator(nbins=4))
        self._fig = fig
        self._artists = {"ax_E": ax_E, "ax_b": ax_b, "ax_h": ax_h, "E": E, "message": message,
                         "image": image, "grid": grid, "xs": xs, "ys": ys, "chosen": chosen,
                         "boundary": None, "bars": None, "background": None}
        self._setup_bars()
        freeze_layout(fig)

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


def zhou_trainer() -> Explorer:
    """Zhou's BP network on watermelon 3.0α: Train / Step / Reset, E against epochs, the
    decision boundary, and g_j, e_h of one sample."""
    return Explorer(ZhouTrainerModel())
