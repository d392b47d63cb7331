"""Zhou's BP network drawn with its symbols, after Fig. 5.7 of 机器学习 (Machine Learning, §5.3).

    from bpcourse.zhou_figure import draw_zhou_network
    draw_zhou_network()      # input layer at the bottom, hidden layer, output layer on top

The edge x_i → b_h carries the weight v_ih and the edge b_h → ŷ_j the weight w_hj; the thresholds
γ_h and θ_j sit beside their units. The layer names carry Zhou's terms (输入层, 隐层, 输出层), drawn
with the CJK font the package ships (``bpcourse.fonts``); formulas are mathtext, kept in labels of
their own because mathtext has no Chinese fallback.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from bpcourse.fonts import use_cjk_font
from bpcourse.i18n import N_, gettext

__all__ = ["draw_zhou_network", "V_COLOUR", "W_COLOUR"]

V_COLOUR = "tab:blue"  # the edge x_i → b_h and its weight v_ih
W_COLOUR = "tab:red"  # the edge b_h → ŷ_j and its weight w_hj

# Each layer: (height, [(x position, label or None for "⋯")]); the highlighted units are i, h, j.
_LAYERS = {
    "input": (0.0, [(0.0, "x_1"), (1.5, None), (3.0, "x_i"), (4.5, None), (6.0, "x_d")]),
    "hidden": (2.0, [(-0.6, "b_1"), (0.9, "b_2"), (2.2, None), (3.3, "b_h"), (4.5, None), (6.6, "b_q")]),
    "output": (4.0, [(0.0, r"\hat y_1"), (1.5, None), (3.0, r"\hat y_j"), (4.5, None), (6.0, r"\hat y_l")]),
}
_RADIUS = 0.32


def _units(layer: str) -> list[tuple[float, float, str]]:
    height, slots = _LAYERS[layer]
    return [(x, height, label) for x, label in slots if label is not None]


def draw_zhou_network(ax: Axes | None = None) -> Axes:
    """Draw the d-q-l network of Fig. 5.7 on ``ax`` (a new figure if None) and return the axes."""
    use_cjk_font()
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 5.2))
    highlight = {("x_i", "b_h"): (V_COLOUR, "v_{ih}"), ("b_h", r"\hat y_j"): (W_COLOUR, "w_{hj}")}
    for lower, upper in (("input", "hidden"), ("hidden", "output")):
        for x0, y0, a in _units(lower):
            for x1, y1, b in _units(upper):
                colour, weight = highlight.get((a, b), ("0.8", None))
                ax.plot(
                    [x0, x1], [y0 + _RADIUS, y1 - _RADIUS], color=colour, lw=2.2 if weight else 0.8, zorder=1
                )
                if weight:
                    t = 0.42
                    ax.text(
                        x0 + t * (x1 - x0) + 0.12,
                        y0 + t * (y1 - y0),
                        f"${weight}$",
                        color=colour,
                        fontsize=14,
                        ha="left",
                        va="center",
                    )
    for layer in _LAYERS:
        height, slots = _LAYERS[layer]
        for x, label in slots:
            if label is None:
                ax.text(x, height, r"$\cdots$", ha="center", va="center", fontsize=14)
                continue
            ax.add_patch(plt.Circle((x, height), _RADIUS, facecolor="white", edgecolor="k", lw=1.3, zorder=2))
            ax.text(x, height, f"${label}$", ha="center", va="center", fontsize=13, zorder=3)
    ax.text(3.3 + _RADIUS + 0.05, 2.0 - 0.3, r"$\gamma_h$", fontsize=12, color="0.3")
    ax.text(3.0 + _RADIUS + 0.05, 4.0 + 0.12, r"$\theta_j$", fontsize=12, color="0.3")
    notes = (
        (
            4.0,
            N_("output layer 输出层"),
            r"output $j$ receives $\beta_j=\sum_h w_{hj}\,b_h$,"
            "\n"
            r"and gives $\hat y_j=f(\beta_j-\theta_j)$",
        ),
        (
            2.0,
            N_("hidden layer 隐层"),
            r"hidden unit $h$ receives $\alpha_h=\sum_i v_{ih}\,x_i$,"
            "\n"
            r"and gives $b_h=f(\alpha_h-\gamma_h)$",
        ),
        (0.0, N_("input layer 输入层"), r"inputs $x_1,\dots,x_d$"),
    )
    for height, name, formula in notes:
        ax.text(7.4, height + 0.18, gettext(name), fontsize=12, va="bottom")
        ax.text(7.4, height + 0.1, formula, fontsize=11, va="top")
    ax.set_xlim(-1.1, 12.2)
    ax.set_ylim(-0.6, 4.6)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax
