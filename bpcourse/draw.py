"""Draw the computational graph (计算图) of a ``Value``, in the style of the CS231n slides.

    from bpcourse.gates import Value
from bpcourse.validate import count
    from bpcourse.draw import draw
    x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    f = (x + y) * z
    draw(f)          # forward values only, and a note: "run backward() to see gradients"
    f.backward()
    draw(f)          # each node: its value above (green), its gradient ∂f/∂node below (red)

Matplotlib only (no graphviz binary), left to right: a node's column is the length of the longest
path from a leaf to it, so every edge points right. Leaves are squares showing their label;
operations are circles showing their operation. A gradient that was never computed (``grad is
None``) is left out, not drawn as 0.00: zero would be a claim, "not computed" is not.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

import matplotlib.pyplot as plt
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection

from bpcourse.gates import Value
from bpcourse.i18n import N_, gettext
from bpcourse.validate import count

__all__ = ["draw", "VALUE_COLOUR", "GRAD_COLOUR", "NO_GRAD_NOTE"]

VALUE_COLOUR = "tab:green"  # forward values, as on the slides
GRAD_COLOUR = "tab:red"  # gradients
NO_GRAD_NOTE = N_("run backward() to see gradients")  # shown translated: gettext(NO_GRAD_NOTE)


_DRAWN: WeakKeyDictionary[Axes, list[Artist]] = WeakKeyDictionary()  # what draw() put on each Axes

_SYMBOL = {"*": "×", "-": "−", "neg": "−x", "dot": "Σwx"}  # how an operation is written inside its circle


def _op_text(node: Value) -> str:
    """What is written inside an operation's circle: its symbol, with the constant of a gate like
    ``+1`` or ``×2`` (an operation with a plain number keeps only one parent)."""
    if len(node.parents) == 1 and node.op == "*":
        return f"×{node.local_grads[0]:.3g}"
    if len(node.parents) == 1 and node.op == "+":
        return f"{node.data - node.parents[0].data:+.3g}"
    if len(node.parents) == 1 and node.op == "-":
        parent = node.parents[0].data
        if node.local_grads[0] == 1.0:  # x − c
            return f"−{parent - node.data:.3g}"
        return f"{node.data + parent:.3g}−x"  # c − x
    return _SYMBOL.get(node.op, node.op)


def _fmt(x: float) -> str:
    """Two decimals like the slides, or scientific notation where two decimals would lie."""
    if x != 0 and (abs(x) >= 1e4 or abs(x) < 5e-3):
        mantissa, exponent = f"{x:.1e}".split("e")
        return f"{mantissa}e{int(exponent)}"  # 2.3e-7: short, so that neighbours do not collide
    return f"{x:.2f}"


def _layout(f: Value) -> tuple[list[Value], dict[int, tuple[float, float]], int, int]:
    """Nodes in topological order and a position (column, row) for each, keyed by id.

    Column = longest path from a leaf. Rows are placed from the output leftwards: a node sits near
    the mean row of the nodes that use it (fewer crossings), ties broken by its operand slot.
    """
    order = f.topological_order()
    column: dict[int, int] = {}
    for node in order:  # parents come first, so their columns are known
        column[id(node)] = 1 + max((column[id(p)] for p in node.parents), default=-1)
    # Then each leaf moves right, to just before its first use (as the slides draw w2 next to its
    # +), so that no input's wire runs across the whole picture.
    first_use: dict[int, int] = {}
    for node in order:
        for p in node.parents:
            if not p.parents:
                first_use[id(p)] = min(first_use.get(id(p), column[id(node)]), column[id(node)])
    for leaf_id, col in first_use.items():
        column[leaf_id] = col - 1
    n_columns = column[id(f)] + 1
    by_column: list[list[Value]] = [[] for _ in range(n_columns)]
    for node in order:
        by_column[column[id(node)]].append(node)

    uses: dict[int, list[tuple[int, int, int]]] = {id(n): [] for n in order}  # (child id, slot, arity)
    for node in order:
        for slot, parent in enumerate(node.parents):
            uses[id(parent)].append((id(node), slot, len(node.parents)))

    row: dict[int, float] = {}
    for col in range(n_columns - 1, -1, -1):
        nodes = by_column[col]

        def key(node: Value, i: int) -> tuple[float, int]:
            u = [(row[c] + 0.3 * (slot - (arity - 1) / 2)) for c, slot, arity in uses[id(node)] if c in row]
            return (sum(u) / len(u) if u else 0.0, i)

        ranked = [node for _, node in sorted(((key(n, i), i), n) for i, n in enumerate(nodes))]
        for rank, node in enumerate(ranked):
            row[id(node)] = rank - (len(ranked) - 1) / 2
    positions = {id(n): (float(column[id(n)]), -row[id(n)]) for n in order}
    return order, positions, n_columns, max(len(c) for c in by_column)


def draw(f: Value, ax: Axes | None = None, max_nodes: int = 100) -> Axes:
    """Draw the graph that produced ``f``: values above the nodes, gradients below.

    ``ax``: an existing Axes to draw into (it is cleared first, so an explorer can redraw in
    place); by default a new figure sized to the graph. Returns the Axes (``ax.figure`` is the
    figure). Readable up to about 30 nodes; graphs of more than ``max_nodes`` are refused.
    """
    if not isinstance(f, Value):
        raise TypeError(f"draw expected a Value (the output of a computation), got {type(f).__name__}")
    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(f"draw expected ax to be a matplotlib Axes or None, got {type(ax).__name__}")
    max_nodes = count(max_nodes, "draw max_nodes")
    n_nodes = len(f.topological_order())
    if n_nodes > max_nodes:
        raise ValueError(
            f"draw: the graph of f has {n_nodes} nodes, more than max_nodes={max_nodes}; a drawing is "
            "readable up to about 30. Draw a smaller piece of the computation, or raise max_nodes."
        )
    order, pos, n_columns, tallest = _layout(f)
    if ax is None:
        # Sized to the graph, but at most 16 × 10 inches: a notebook shrinks wider figures to its
        # width anyway, and at 16 inches 30 nodes in a row still leave room for each node's text.
        _, ax = plt.subplots(figsize=(min(16.0, 1.2 + 1.7 * n_columns), min(10.0, 0.9 + 1.15 * tallest)))
    elif ax in _DRAWN:
        # Redrawing into our own drawing: remove what we drew (much faster than ax.clear(),
        # which rebuilds ticks and spines; an explorer redraws on every slider move).
        for artist in _DRAWN[ax]:
            artist.remove()
    else:
        ax.clear()
    ax.set_axis_off()
    texts_before, collections_before = len(ax.texts), len(ax.collections)

    # Edges: one line per use. A node used twice by the same operation (a + a) gets two lines,
    # bent apart a little, because each use is its own path for the gradient.
    segments = []
    for node in order:
        x1, y1 = pos[id(node)]
        seen: dict[int, int] = {}
        for parent in node.parents:
            k = seen.get(id(parent), 0)
            seen[id(parent)] = k + 1
            x0, y0 = pos[id(parent)]
            bend = 0.12 * k * (1 if k % 2 else -1)
            if x1 - x0 > 1:  # a wire skipping columns: lift it so it does not run through a node
                bend += 0.45
            segments.append([(x0, y0), ((x0 + x1) / 2, (y0 + y1) / 2 + bend), (x1, y1)])
    ax.add_collection(LineCollection(segments, colors="0.45", linewidths=1.2, zorder=1))

    leaves = [n for n in order if not n.parents]
    ops = [n for n in order if n.parents]
    for group, marker, size in ((leaves, "s", 620), (ops, "o", 700)):
        if group:
            ax.scatter([pos[id(n)][0] for n in group], [pos[id(n)][1] for n in group], s=size,
                       marker=marker, facecolors="white", edgecolors="0.2", linewidths=1.2, zorder=2)

    missing = False
    for node in order:
        x, y = pos[id(node)]
        inside = node.label if not node.parents else _op_text(node)
        ax.text(x, y, inside or "", ha="center", va="center", fontsize=9, zorder=3, gid="name")
        value = _fmt(node.data)
        if node.parents and node.label:  # a named intermediate, like q in (x + y) z
            value = f"{node.label} = {value}"
        ax.text(x, y + 0.3, value, ha="center", va="bottom", fontsize=9, color=VALUE_COLOUR, gid="value")
        if node.grad is None:
            missing = True
        else:
            ax.text(x, y - 0.3, _fmt(node.grad), ha="center", va="top", fontsize=9, color=GRAD_COLOUR,
                    gid="grad")
    if missing:
        ax.text(0.5, 0.0, gettext(NO_GRAD_NOTE), transform=ax.transAxes, ha="center", va="bottom", fontsize=9,
                style="italic", color="0.35", gid="note")
    _DRAWN[ax] = [*ax.texts[texts_before:], *ax.collections[collections_before:]]
    top = (tallest - 1) / 2
    ax.set_xlim(-0.6, n_columns - 0.4)
    ax.set_ylim(-top - 0.85, top + 0.75)
    return ax
