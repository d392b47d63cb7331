"""Paths explorer: a derivative as a sum over paths, enumerated vs dynamic programming (lecture 02)."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator, NullLocator

from bpcourse.explorers.shell import (
    FORWARD_COLOUR,
    GRADIENT_COLOUR,
    POWER_OF_TEN,
    TEXT_PT,
    Explorer,
    Param,
    ParamModel,
    count_text,
    freeze_layout,
)
from bpcourse.i18n import _
from bpcourse.paths import layered_counts

__all__ = ["PathsModel", "paths_explorer"]


class PathsModel(ParamModel):
    """Width and depth of a layered graph, and what the derivative costs naively and by DP.

    Parameters: ``width`` (1..10 nodes per hidden layer), ``depth`` (1..30 hidden layers).
    State: ``counts`` (for the current width and depth; see ``bpcourse.paths.layered_counts``) and
    ``curve`` ({'depths', 'naive_mults', 'dp_mults'} for depths 1..30 at the current width).
    """

    PARAMS = (
        Param("width", 3, "count", 1, 10),
        Param("depth", 8, "count", 1, 30),
    )
    FIGSIZE = (7.5, 3.4)
    # The parameters' types (ParamModel.__init__ sets each from PARAMS):
    width: int
    depth: int

    def recompute(self) -> None:
        self.counts = layered_counts(self.width, self.depth)
        depths = np.arange(1, int(self.param("depth").high) + 1)
        rows = [layered_counts(self.width, int(d)) for d in depths]
        self.curve = {
            "depths": depths,
            "naive_mults": np.array([float(r["naive_mults"]) for r in rows]),
            "dp_mults": np.array([float(r["dp_mults"]) for r in rows]),
        }

    def status(self) -> str:
        n = self.counts
        return _("{paths} paths; the DP needs {dp} multiplications, enumerating paths {naive}").format(
            paths=f"{n['paths']:,}", dp=f"{n['dp_mults']:,}", naive=f"{n['naive_mults']:,}")

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
            _("width {width}, depth {depth}: {paths} paths; naive {naive} vs DP {dp} multiplications").format(
                width=self.width, depth=self.depth, paths=count_text(n["paths"]),
                naive=count_text(n["naive_mults"]), dp=count_text(n["dp_mults"])),
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
        ax.yaxis.set_major_formatter(POWER_OF_TEN)
        ax.legend(loc="upper left", fontsize=TEXT_PT)
        ax.grid(alpha=0.3)
        ax.set_title("p", fontsize=TEXT_PT, y=1.0)
        freeze_layout(fig)
        self._fig = fig
        self._artists: dict[str, Any] = {"ax": ax, "naive": naive, "dp": dp, "here": here}


def paths_explorer() -> Explorer:
    """Width and depth of a layered graph: paths (naive) vs multiplications (DP), log scale."""
    return Explorer(PathsModel())
