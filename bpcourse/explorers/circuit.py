"""Circuit explorer: the lecture's circuits, every forward value and gradient, live (lecture 01)."""

from __future__ import annotations

from matplotlib.figure import Figure

from bpcourse.draw import draw
from bpcourse.explorers.shell import TEXT_PT, Explorer, Param, ParamModel
from bpcourse.gates import Value

__all__ = ["CIRCUITS", "CircuitModel", "circuit_explorer"]


def _add_mul(p: dict):
    """f = (x + y)·z, the first circuit of CS231n lecture 4."""
    x, y, z = Value(p["x"], label="x"), Value(p["y"], label="y"), Value(p["z"], label="z")
    q = x + y
    q.label = "q"
    f = q * z
    f.label = "f"
    return f, {"x": x, "y": y, "z": z}


def _neuron(p: dict):
    """f = σ(w0·x0 + w1·x1 + w2) built from small gates: *, +, negate, exp, +1, 1/x."""
    leaves = {name: Value(p[name], label=name) for name in ("w0", "x0", "w1", "x1", "w2")}
    dot = leaves["w0"] * leaves["x0"] + leaves["w1"] * leaves["x1"] + leaves["w2"]
    dot.label = "w·x+b"
    f = (1.0 + (-dot).exp()).reciprocal()
    f.label = "f"
    return f, leaves


# name -> (build, the lecture's inputs, figure size)
CIRCUITS = {
    "add_mul": (_add_mul, {"x": -2.0, "y": 5.0, "z": -4.0}, (8.0, 2.8)),
    "neuron": (_neuron, {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}, (9.5, 3.6)),
}


class CircuitModel(ParamModel):
    """One of ``CIRCUITS`` at the given inputs, after ``backward()``.

    ``which``: 'add_mul' for f = (x + y)·z, or 'neuron' for the sigmoid neuron σ(w0·x0 + w1·x1 + w2).
    Parameters are the circuit's inputs (x, y, z or w0, x0, w1, x1, w2), each in ``VALUE_RANGE``;
    the defaults are the lecture's numbers.
    State: ``f`` (the output ``Value``, its graph after ``backward``), ``output``, ``values`` and
    ``grads`` (input name -> its data and ∂f/∂input).
    """

    VALUE_RANGE = (-10.0, 10.0)

    def __init__(self, which: str = "add_mul", **values: float) -> None:
        self.which = Param("which", "add_mul", "choice", choices=tuple(CIRCUITS)).check(which)
        self.build, defaults, self.FIGSIZE = CIRCUITS[which]
        self.PARAMS = tuple(Param(name, value, "number", *self.VALUE_RANGE, step=0.1, control=(-5.0, 5.0))
                            for name, value in defaults.items())
        super().__init__(**values)

    @property
    def values(self) -> dict[str, float]:
        return {p.name: getattr(self, p.name) for p in self.PARAMS}

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
        if getattr(self, "_fig", None) is not fig:
            fig.clear()
            self._ax = fig.add_axes((0, 0, 1, 1))
            self._fig = fig
        draw(self.f, ax=self._ax)  # draw clears what it drew before on this Axes
        for text in self._ax.texts:  # draw's own size suits a lecture figure; here, TEXT_PT
            text.set_fontsize(max(text.get_fontsize(), TEXT_PT))


def circuit_explorer(which: str = "add_mul") -> Explorer:
    """Sliders for the inputs of a circuit ('add_mul': (x + y)·z, or 'neuron'); every move redoes
    forward and backward and redraws the circuit with values and gradients."""
    return Explorer(CircuitModel(which))
