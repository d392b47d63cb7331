"""What every explorer shares: parameters declared once, the model protocol, and the shell.

An explorer is two objects, kept apart on purpose:

* a plain *model* (``ExplorerModel`` below): set a parameter and it recomputes its state;
  ``draw(fig)`` draws that state on a matplotlib Figure. Tests drive it without a kernel.
* the *shell* (``Explorer``): an ipywidgets box with one control per parameter and one button per
  action, a status line, and one figure, drawn as a PNG into an Output widget. Every change
  redraws the same figure and replaces the picture, so the notebook does not fill up.

A model lists its parameters once, in ``PARAMS`` (``Param``): from that list come the checks of
``__init__`` and ``set`` (``ParamModel``) and the shell's sliders, dropdowns and toggles.

Adding an explorer: a module in this package with a ``ParamModel`` subclass (``PARAMS``,
``ACTIONS``, ``recompute``/``reset``, ``draw``, ``status``) and a one-line factory returning
``Explorer(model)``; export both from ``bpcourse/explorers/__init__.py``; open it in notebook 08
and at the end of its lecture; add it to ``EXPLORERS`` in ``benchmarks/widgets_row.py`` (row 7),
to README's explorer list, and test the model in ``tests/test_widgets.py``.
"""

from __future__ import annotations

import base64
import struct
import textwrap
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, cast, runtime_checkable

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from bpcourse.fonts import use_cjk_font
from bpcourse.validate import count, positive_number, real_number

__all__ = ["Param", "ExplorerModel", "ParamModel", "Explorer", "SCREEN_DPI", "DENSITY", "TEXT_PT",
           "FORWARD_COLOUR", "GRADIENT_COLOUR"]

# Every figure inch is a CSS inch (96 px), so a font size in points is its size on the page at
# 100% zoom; no text is smaller than TEXT_PT. Figures are drawn at DENSITY pixels per CSS pixel,
# so they stay sharp on 2× (retina) screens, and shown at their CSS size.
SCREEN_DPI = 96
DENSITY = 2
TEXT_PT = 10

# Colours shared by the figures: forward values and gradients, as in the circuit drawings.
FORWARD_COLOUR = "tab:green"
GRADIENT_COLOUR = "tab:red"


@dataclass(frozen=True)
class Param:
    """One parameter of an explorer: how a value is checked, its default, and its control.

    ``kind``: 'number' (a real number in [low, high]), 'count' (a whole number in [low, high]),
    'rate' (a learning rate > 0) or 'choice' (one of ``choices``).
    ``widget``: 'slider', 'log' (a log slider; ``control`` then holds the exponents), 'dropdown',
    'toggle', 'text' (a box for a whole number) or 'play' (a Play button that steps a count).
    ``control``: the control's (low, high) when it offers less than the model accepts.
    ``resets``: a change starts the model again (``reset()``) instead of recomputing.
    ``continuous``: redraw while a slider is dragged. ``enabled``: when the control is live
    (e.g. only Leaky ReLU has a slope).
    """

    name: str
    default: Any
    kind: str = "number"
    low: float = 0.0
    high: float = 1.0
    choices: tuple = ()
    label: str = ""
    step: float = 1.0
    control: tuple[float, float] | None = None
    widget: str = "slider"
    resets: bool = False
    continuous: bool = True
    enabled: Callable[[Any], bool] | None = None

    def check(self, value):
        """``value`` cleaned, or an error naming the parameter and what it should be."""
        if self.kind == "choice":
            if value not in self.choices:
                raise ValueError(f"{self.name} must be one of {', '.join(map(repr, self.choices))}; "
                                 f"got {value!r}")
            return value
        if self.kind == "rate":
            return positive_number(value, self.name, hint=" (a learning rate; Zhou suggests 0.1)")
        if self.kind == "count":
            n = count(value, self.name, minimum=int(self.low), maximum=int(self.high))
            if n < self.low:  # count's message names only the maximum
                raise ValueError(f"{self.name} expected an integer from {self.low:g} to {self.high:g}, "
                                 f"got {n}")
            return n
        x = real_number(value, self.name)
        if not self.low <= x <= self.high:
            raise ValueError(f"{self.name} must be between {self.low:g} and {self.high:g}, got {value!r}")
        return x

    def make_control(self, value) -> widgets.Widget:
        """The ipywidgets control for this parameter, showing ``value``."""
        label = self.label or self.name
        style = {"description_width": "initial"}
        low, high = self.control or (self.low, self.high)
        if self.widget == "dropdown":
            return widgets.Dropdown(options=self.choices, value=value, description=label)
        if self.widget == "toggle":
            width = f"{max(70, 9 * max(len(str(c)) for c in self.choices))}px"
            return widgets.ToggleButtons(options=self.choices, value=value, description=label,
                                         style={"button_width": width})
        if self.widget == "play":  # steps the value on by itself, one step per interval
            return widgets.Play(value=value, min=low, max=high, step=1, interval=1200, description=label)
        if self.widget == "text":
            return widgets.BoundedIntText(value=value, min=low, max=high, description=label,
                                          layout={"width": "160px"})
        if self.widget == "log":
            return widgets.FloatLogSlider(value=value, base=10, min=low, max=high, step=self.step,
                                          description=label, continuous_update=self.continuous, style=style)
        kind = widgets.IntSlider if self.kind == "count" else widgets.FloatSlider
        return kind(value=value, min=low, max=high, step=self.step, description=label,
                    continuous_update=self.continuous, style=style)


@runtime_checkable
class ExplorerModel(Protocol):
    """What the shell needs from a model.

    ``PARAMS``: the parameters (``Param``), each declared once; the shell makes one control each.
    ``ACTIONS``: (method name, button label) pairs; the shell makes one button each, which calls
    ``model.<method>()``. ``FIGSIZE``: the figure's (width, height) in CSS inches.
    ``set(name, value)``: check and store one parameter, then recompute (or reset) the state;
    raise ``ValueError``/``TypeError`` naming the parameter when the value is wrong.
    ``status()``: the state in words, shown under the controls.
    ``draw(fig)``: draw the state on ``fig``; later calls on the same figure may update artists only.
    ``render(fig)``: put ``fig``'s drawing on its Agg canvas (``fig.canvas.draw()`` or faster).
    """

    # Read-only to the shell (properties here), so a model may declare them as class attributes.
    @property
    def PARAMS(self) -> tuple[Param, ...]: ...
    @property
    def ACTIONS(self) -> tuple[tuple[str, str], ...]: ...
    @property
    def FIGSIZE(self) -> tuple[float, float]: ...

    def set(self, name: str, value) -> None: ...
    def status(self) -> str: ...
    def draw(self, fig: Figure) -> None: ...
    def render(self, fig: Figure) -> None: ...


class ParamModel:
    """A model whose parameters come from ``PARAMS``: ``__init__`` takes them (positionally in
    ``PARAMS`` order, or by name), checks each, stores it as an attribute and calls ``reset()``;
    ``set`` checks one and calls ``reset()`` if the parameter says so, else ``recompute()``."""

    PARAMS: tuple[Param, ...] = ()  # a class attribute; CircuitModel sets its own per instance
    ACTIONS: tuple[tuple[str, str], ...] = ()
    FIGSIZE: tuple[float, float] = (8.5, 3.2)

    def __init__(self, *args, **values) -> None:
        names = [p.name for p in self.PARAMS]
        if len(args) > len(names):
            raise TypeError(f"{type(self).__name__} takes at most {len(names)} parameters: "
                            f"{', '.join(names)}")
        for name, value in zip(names, args, strict=False):
            if name in values:
                raise TypeError(f"{type(self).__name__} got {name!r} twice")
            values[name] = value
        unknown = sorted(set(values) - set(names))
        if unknown:
            raise ValueError(f"{type(self).__name__} has parameters {', '.join(names)}; "
                             f"got {', '.join(unknown)}")
        for p in self.PARAMS:
            setattr(self, p.name, p.check(values.get(p.name, p.default)))
        self.reset()

    def param(self, name: str) -> Param:
        for p in self.PARAMS:
            if p.name == name:
                return p
        raise ValueError(f"{type(self).__name__} has no parameter {name!r}; it has "
                         f"{', '.join(p.name for p in self.PARAMS)}")

    def training_count(self, name: str, value: int | None) -> int:
        """How many steps (or epochs) a ``train`` call takes: ``value`` checked as the parameter
        ``name``, or that parameter's value. A run that has diverged (``self.diverged`` set) refuses."""
        count = getattr(self, name) if value is None else self.param(name).check(value)
        diverged = getattr(self, "diverged", None)
        if diverged:
            raise ValueError(f"{diverged} Press Reset (reset()) to start again.")
        return count

    def set(self, name: str, value) -> None:
        """Change one parameter (checked), then recompute the state, or start again."""
        p = self.param(name)
        setattr(self, name, p.check(value))
        self.changed(p)

    def changed(self, param: Param) -> None:
        """What a change of ``param`` does: ``reset()`` or ``recompute()``."""
        if param.resets:
            self.reset()
        else:
            self.recompute()

    def reset(self) -> None:
        self.recompute()

    def recompute(self) -> None:
        pass

    def status(self) -> str:
        return ""

    def draw(self, fig: Figure) -> None:
        raise NotImplementedError

    def render(self, fig: Figure) -> None:
        fig.canvas.draw()


class Explorer(widgets.VBox):
    """A model, its controls, a status line and one figure.

    Attributes: ``model``; ``controls`` (name -> widget: one per parameter, one button per action);
    ``status`` (an HTML line: the state in words, or the error); ``fig`` (the one Figure) drawn as
    a PNG into ``out`` (an Output widget); ``last_ms`` (duration of the last interaction: recompute
    + draw + PNG, in milliseconds).
    """

    def __init__(self, model: ExplorerModel) -> None:
        use_cjk_font()  # the figures carry Zhou's Chinese terms
        self.model = model
        self.controls: dict[str, widgets.Widget] = {}
        for p in model.PARAMS:
            control = p.make_control(getattr(model, p.name))
            control.observe(lambda change, name=p.name: self._changed(name, change["new"]), names="value")
            self.controls[p.name] = control
        for i, (method, label) in enumerate(model.ACTIONS):
            button = widgets.Button(description=label, button_style="primary" if i == 0 else "")
            button.on_click(lambda _button, method=method: self._run(lambda m: getattr(m, method)()))
            self.controls[method] = button
        self.status = widgets.HTML()
        self.out = widgets.Output()
        self.fig = Figure(figsize=model.FIGSIZE, dpi=SCREEN_DPI * DENSITY)
        FigureCanvasAgg(self.fig)  # draws without pyplot: no stray figure at the end of the cell
        self.last_ms = float("nan")
        self._syncing = False
        controls = list(self.controls.values())
        rows = [widgets.HBox(controls[i:i + 3]) for i in range(0, len(controls), 3)]
        super().__init__([*rows, self.status, self.out])
        self._run(lambda m: None)

    def _changed(self, name: str, value) -> None:
        if not self._syncing:  # a student moved the control (not the shell showing the model's value)
            self._run(lambda m: m.set(name, value))

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
        self.model.render(self.fig)  # one draw, then PNG: cheaper than savefig, which draws twice
        canvas = cast(FigureCanvasAgg, self.fig.canvas)  # the Agg canvas made in __init__
        width, height = canvas.get_width_height()
        png = base64.b64encode(png_bytes(canvas.buffer_rgba())).decode("ascii")
        # Replace the Output's one picture (no new output per move), shown at its CSS size.
        self.out.outputs = ({
            "output_type": "display_data",
            "data": {"image/png": png, "text/plain": "<explorer figure>"},
            "metadata": {"image/png": {"width": width // DENSITY, "height": height // DENSITY}},
        },)
        self.status.value = self.model.status()
        self._syncing = True  # an action may change a parameter (Step moves the stage): show it
        try:
            for p in self.model.PARAMS:
                control = self.controls[p.name]
                if control.value != getattr(self.model, p.name):
                    control.value = getattr(self.model, p.name)
                if p.enabled is not None:
                    control.disabled = not p.enabled(self.model)
        finally:
            self._syncing = False


def png_bytes(rgba) -> bytes:
    """An opaque RGBA image (height, width, 4), e.g. an Agg canvas's buffer, as PNG bytes.

    The PNG format (RFC 2083): a signature, then chunks (length, type, data, CRC-32): IHDR (size,
    8-bit RGB), IDAT (the rows, each led by its filter byte, deflated), IEND. Every row uses filter
    0 (none) and zlib's fastest level: a figure is mostly flat colour, which deflate packs well
    unfiltered, and this takes about half the time of Pillow's PNG writer, which tries a filter per
    row. At twice the screen's pixel density that is 10-20 ms of every interaction.
    """
    image = np.asarray(rgba)
    height, width = image.shape[:2]
    rows = np.zeros((height, 1 + 3 * width), np.uint8)  # column 0: filter type 0 for every row
    rows[:, 1:] = image[:, :, :3].reshape(height, 3 * width)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8 bits, RGB, deflate, no interlace
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows.tobytes(), 1))
            + chunk(b"IEND", b""))


# --- small drawing helpers the models share -------------------------------------------------------

# "1e-06" instead of mathtext's 10^{-6}: typesetting mathtext on every redraw is slow.
POWER_OF_TEN = FuncFormatter(lambda value, _pos: f"{value:.0e}")
PLAIN = FuncFormatter(lambda value, _pos: f"{value:g}")


def few_ticks(*axes) -> None:
    """At most about five ticks per axis: tick labels are most of the cost of a redraw."""
    for ax in axes:
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4))


def freeze_layout(fig: Figure) -> None:
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


def message_text(ax):
    """An empty message in the middle of ``ax``, on a white box (filled by ``show_message``)."""
    box = {"facecolor": "white", "edgecolor": "darkred", "alpha": 0.9}
    text = ax.text(0.5, 0.5, "", transform=ax.transAxes, ha="center", va="center", fontsize=TEXT_PT,
                   color="darkred", zorder=5, bbox=box)
    text.set_visible(False)
    return text


def show_message(text, message: str | None) -> None:
    """Show ``message`` wrapped to the width of its own axes (or hide the box when None)."""
    text.set_visible(bool(message))
    if message:
        ax = text.axes
        width_pt = ax.get_position().width * ax.figure.get_figwidth() * 72
        columns = max(16, int(width_pt / (0.6 * TEXT_PT)) - 2)  # 0.6 em: a wide average letter
        text.set_text(textwrap.fill(message, columns))


def count_text(n: int) -> str:
    """A count a figure title can hold: 52,488 but 1.00e+30."""
    return f"{n:,}" if n < 10**7 else f"{n:.2e}"
