"""Backprop stepper: one melon through Zhou's network, one equation at a time (lecture 06).

The forward pass (α_h, b_h, β_j, ŷ_j (5.3), E_k (5.4)), the backward pass (g_j (5.10), the
contributions w_hj·g_j travelling back along the edges, e_h (5.15), the four partials), and the
update of standard BP ((5.11)-(5.14), then E_k again), each stage drawn on the network with the
units and edges it touches highlighted and its equation written out with the numbers plugged in.

Every number comes from ``bpcourse.zhou`` (``ZhouNet.forward_all``, ``error``, ``gradients``,
``standard_step``, ``g_output``, ``e_hidden``): the stepper computes nothing of its own, it shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from matplotlib.figure import Figure

from bpcourse.datasets import watermelon3, watermelon3a
from bpcourse.explorers.shell import (
    FORWARD_COLOUR,
    GRADIENT_COLOUR,
    TEXT_PT,
    Explorer,
    Param,
    ParamModel,
)
from bpcourse.i18n import N_, _
from bpcourse.zhou import ZhouNet, e_hidden, g_output

__all__ = ["STAGES", "Stage", "StepperModel", "backprop_stepper"]

# The stages of one pass, in order: (key, phase, title; translated when shown).
STAGES = (
    ("input", "forward", N_("The melon enters: inputs xᵢ, target y")),
    ("alpha", "forward", N_("Forward: hidden inputs αₕ")),
    ("b", "forward", N_("Forward: hidden outputs bₕ")),
    ("beta", "forward", N_("Forward: output input βⱼ")),
    ("y_hat", "forward", N_("Forward: output ŷⱼ")),
    ("E", "forward", N_("Forward: the error Eₖ")),
    ("g", "backward", N_("Backward: gⱼ at the output")),
    ("wg", "backward", N_("Backward: wₕⱼ·gⱼ travels back along each edge")),
    ("e", "backward", N_("Backward: eₕ arrives at each hidden unit")),
    ("grad_out", "backward", N_("Backward: ∂Eₖ/∂wₕⱼ and ∂Eₖ/∂θⱼ")),
    ("grad_hidden", "backward", N_("Backward: ∂Eₖ/∂vᵢₕ and ∂Eₖ/∂γₕ")),
    ("update_out", "update", N_("Update: Δwₕⱼ and Δθⱼ applied")),
    ("update_hidden", "update", N_("Update: Δvᵢₕ and Δγₕ applied")),
    ("E_after", "update", N_("Update done: Eₖ after one step")),
)
KEYS = tuple(key for key, _phase, _title in STAGES)
PHASE_COLOURS = {"forward": FORWARD_COLOUR, "backward": GRADIENT_COLOUR, "update": "tab:purple"}
DATASETS = ("3.0α", "3.0")
GOOD, BAD = "好瓜", "坏瓜"
LABEL_BOX = {"facecolor": "white", "edgecolor": "none", "pad": 0.5}  # a label hides the edge under it


@dataclass
class Stage:
    """One stage of the pass: what it computes, written out.

    ``lines``: the equation(s) with the numbers plugged in (matplotlib mathtext), ``number``: the
    book's equation number(s), ``values``: every number the stage shows (name -> array), taken
    from ``ZhouNet``; ``touches``: the parts of the drawing it highlights.
    """

    key: str
    phase: str
    title: str
    lines: list[str]
    number: str
    values: dict[str, np.ndarray] = field(default_factory=dict)
    touches: frozenset[str] = frozenset()


_SUB = str.maketrans("0123456789hijk", "₀₁₂₃₄₅₆₇₈₉ₕᵢⱼₖ")


def sub(text: object) -> str:
    """Subscript digits and h, i, j, k in plain text: sub("v_1h") -> 'v₁ₕ' (fast to draw: no mathtext)."""
    head, _, tail = str(text).partition("_")
    return head + tail.translate(_SUB) if tail else head.translate(_SUB)


def _n(value: float) -> str:
    """A number as the stepper writes it: 4 significant digits."""
    return f"{value:.4g}"


def _f(value: float) -> str:
    """A number as a factor: negatives in parentheses."""
    return f"({value:.4g})" if value < 0 else f"{value:.4g}"


def _sum_terms(weights: np.ndarray, inputs: np.ndarray, shown: int = 3) -> str:
    """'0.42×0.697 + 0.3×0.46' with at most ``shown`` terms, then how many there are."""
    terms = [f"{_f(w)}×{_f(x)}" for w, x in zip(weights[:shown], inputs[:shown], strict=True)]
    if len(weights) > shown:
        terms.append(f"… ({len(weights)} terms)")
    return " + ".join(terms)


class StepperModel(ParamModel):
    """One sample's forward pass, backward pass and standard-BP update on Zhou's net, by stages.

    Parameters: ``dataset`` ('3.0α': density and sugar, a 2-q-1 net; '3.0': the 19 inputs of
    watermelon 3.0, a 19-q-1 net), ``q`` (1..4 hidden units), ``sample`` (Zhou's 编号 1..17),
    ``eta`` (η > 0), ``seed`` (the initial weights), ``stage`` (0..13, see ``STAGES``).
    State: ``net`` (the net before this pass's update), ``after`` (the net after it), ``stages``
    (the 14 ``Stage`` objects of this pass) and ``current`` (``stages[stage]``).

    ``step()`` goes one stage on; after the last stage it keeps the update and starts the next
    melon's pass with it (standard BP, one melon at a time). ``back()`` goes one stage back.
    ``reset()`` returns to the seeded net. In the shell, the Play control of ``stage`` runs the
    stages one by one.
    """

    PARAMS = (
        Param("dataset", "3.0α", "choice", choices=DATASETS, label="data 西瓜数据集", widget="toggle",
              resets=True),
        Param("q", 3, "count", 1, 4, label="hidden q", resets=True),
        Param("sample", 1, "count", 1, 17, label="melon 编号", continuous=False),
        Param("eta", 0.1, "rate", label="η", widget="log", control=(-2, 1), step=0.1, continuous=False),
        Param("seed", 0, "count", 0, 9999, widget="text", resets=True),
        Param("stage", 0, "count", 0, len(STAGES) - 1, widget="play"),
    )
    ACTIONS = (("step", "Step ▸"), ("back", "◂ Back"), ("reset", "Reset"))
    FIGSIZE = (9.5, 4.75)
    # The parameters' types (ParamModel.__init__ sets each from PARAMS):
    dataset: str
    q: int
    sample: int
    eta: float
    seed: int
    stage: int

    def changed(self, param: Param) -> None:
        if param.name == "sample":
            self.stage = 0  # a new melon starts at the beginning of its pass
        if param.name == "stage":
            self.current = self.stages[self.stage]
            return
        super().changed(param)

    def reset(self) -> None:
        """The seeded net (weights and thresholds in (0, 1)), at the start of the pass."""
        self.X, self.y = watermelon3a() if self.dataset == "3.0α" else watermelon3()
        self.net = ZhouNet(self.X.shape[1], self.q, 1, seed=self.seed)
        self.stage = 0
        self.recompute()

    def step(self) -> None:
        """One stage on; after the last, keep the update and start the next melon."""
        if self.stage < len(STAGES) - 1:
            self.stage += 1
        else:
            self.net = self.after
            self.sample = self.sample % len(self.y) + 1
            self.stage = 0
            self.recompute()
        self.current = self.stages[self.stage]

    def back(self) -> None:
        """One stage back (nothing before the first)."""
        self.stage = max(0, self.stage - 1)
        self.current = self.stages[self.stage]

    # --- the numbers, all from ZhouNet ---------------------------------------------------------

    def recompute(self) -> None:
        k = self.sample - 1
        x, y = self.X[k], np.array([float(self.y[k])])
        net = self.net
        fp = net.forward_all(x)  # α, b, β, ŷ (5.3)
        g = g_output(fp.y_hat, y)  # (5.10)
        e = e_hidden(fp.b, net.w, g)  # (5.15)
        grads = net.gradients(x, y)  # ∂E_k/∂v, ∂E_k/∂γ, ∂E_k/∂w, ∂E_k/∂θ
        after = net.copy()
        deltas = after.standard_step(x, y, eta=self.eta)  # (5.11)-(5.14), applied to the copy
        self.x, self.target, self.fp, self.g, self.e = x, y, fp, g, e
        self.grads, self.deltas, self.after = grads, deltas, after
        self.E_k, self.E_after = net.error(x, y), after.error(x, y)  # (5.4)
        self.stages = [self._stage(key, phase, title) for key, phase, title in STAGES]
        self.current = self.stages[self.stage]

    def _stage(self, key: str, phase: str, title: str) -> Stage:
        net, fp, x, y, g, e = self.net, self.fp, self.x, self.target, self.g, self.e
        q, d, eta = net.q, net.d, self.eta
        hs = range(q)
        lines: list[str] = []
        values: dict[str, np.ndarray] = {}
        number, touches = "", set()
        if key == "input":
            values = {"x": x, "y": y}
            if d == 2:
                lines = [f"x = ({_n(x[0])}, {_n(x[1])})   (density 密度, sugar 含糖率)"]
            else:
                lines = ["x: 19 inputs, the one-hot attributes (色泽 …)", f"then density {_n(x[17])}, "
                         f"sugar {_n(x[18])}"]
            lines.append(f"y₁ = {_n(y[0])}   ({GOOD if y[0] == 1 else BAD})")
            touches = {"x", "y"}
        elif key == "alpha":
            values = {"alpha": fp.alpha}
            lines = ["αₕ = Σᵢ vᵢₕ xᵢ"]
            lines += [f"{sub(f'α_{h + 1}')} = {_sum_terms(net.v[:, h], x)} = {_n(fp.alpha[h])}" for h in hs]
            touches = {"x", "v", "hidden"}
        elif key == "b":
            values = {"b": fp.b}
            lines = ["bₕ = f(αₕ − γₕ),  f(s) = 1/(1 + e⁻ˢ)"]
            lines += [f"{sub(f'b_{h + 1}')} = f({_n(fp.alpha[h])} − {_f(net.gamma[h])}) = {_n(fp.b[h])}"
                      for h in hs]
            touches = {"hidden", "gamma"}
        elif key == "beta":
            values = {"beta": fp.beta}
            lines = ["βⱼ = Σₕ wₕⱼ bₕ", f"β₁ = {_sum_terms(net.w[:, 0], fp.b, shown=4)} = {_n(fp.beta[0])}"]
            touches = {"w", "output", "hidden"}
        elif key == "y_hat":
            values = {"y_hat": fp.y_hat}
            lines = ["ŷⱼ = f(βⱼ − θⱼ)", f"ŷ₁ = f({_n(fp.beta[0])} − {_f(net.theta[0])}) = {_n(fp.y_hat[0])}"]
            number, touches = "(5.3)", {"output", "theta"}
        elif key == "E":
            values = {"E_k": np.array(self.E_k)}
            lines = ["Eₖ = ½ Σⱼ (ŷⱼ − yⱼ)²", f"Eₖ = ½ ({_n(fp.y_hat[0])} − {_n(y[0])})² = {_n(self.E_k)}"]
            number, touches = "(5.4)", {"output", "E"}
        elif key == "g":
            values = {"g": g}
            yh = fp.y_hat[0]
            lines = ["gⱼ = ŷⱼ (1 − ŷⱼ)(yⱼ − ŷⱼ)", f"g₁ = {_n(yh)} × {_n(1 - yh)} × ({_n(y[0])} − {_n(yh)})",
                     f"    = {_n(g[0])}"]
            number, touches = "(5.10)", {"output", "g"}
        elif key == "wg":
            wg = net.w[:, 0] * g[0]
            values = {"wg": wg}
            lines = ["wₕⱼ gⱼ: what reaches hidden unit h from output j"]
            lines += [f"{sub(f'w_{h + 1}1')} g₁ = {_f(net.w[h, 0])} × {_f(g[0])} = {_n(wg[h])}" for h in hs]
            touches = {"w", "g", "flow"}
        elif key == "e":
            values = {"e": e}
            lines = ["eₕ = bₕ (1 − bₕ) Σⱼ wₕⱼ gⱼ"]
            lines += [f"{sub(f'e_{h + 1}')} = {_n(fp.b[h])} × {_n(1 - fp.b[h])} × {_f(net.w[h, 0] * g[0])}"
                      f" = {_n(e[h])}" for h in hs]
            number, touches = "(5.15)", {"hidden", "e"}
        elif key == "grad_out":
            gw, gt = self.grads["w"][:, 0], self.grads["theta"]
            values = {"dE_dw": gw, "dE_dtheta": gt}
            lines = ["∂Eₖ/∂wₕⱼ = −gⱼ bₕ,   ∂Eₖ/∂θⱼ = +gⱼ"]
            lines += [f"∂Eₖ/∂{sub(f'w_{h + 1}1')} = −{_f(g[0])} × {_n(fp.b[h])} = {_n(gw[h])}" for h in hs]
            lines.append(f"∂Eₖ/∂θ₁ = +g₁ = {_n(gt[0])}")
            number, touches = "(5.7), (5.8), (5.10)", {"w", "theta", "grad"}
        elif key == "grad_hidden":
            gv, gg = self.grads["v"], self.grads["gamma"]
            values = {"dE_dv": gv, "dE_dgamma": gg}
            lines = ["∂Eₖ/∂vᵢₕ = −eₕ xᵢ,   ∂Eₖ/∂γₕ = +eₕ"]
            for i in range(d if d == 2 else 1):
                lines += [f"∂Eₖ/∂{sub(f'v_{i + 1}{h + 1}')} = −{_f(e[h])} × {_f(x[i])} = {_n(gv[i, h])}"
                          for h in hs]
            lines.append("∂Eₖ/∂γₕ = +eₕ: " + ", ".join(_n(v) for v in gg))
            if d > 2:
                lines.append(f"(the other {d - 1} inputs' vᵢₕ: the same, with their xᵢ)")
            number, touches = "(5.15), (5.13), (5.14)", {"v", "gamma", "grad"}
        elif key == "update_out":
            dw, dt = self.deltas["w"][:, 0], self.deltas["theta"]
            values = {"delta_w": dw, "delta_theta": dt}
            lines = ["Δwₕⱼ = η gⱼ bₕ,   Δθⱼ = −η gⱼ"]
            lines += [f"Δ{sub(f'w_{h + 1}1')} = {_n(eta)} × {_f(g[0])} × {_n(fp.b[h])} = {_n(dw[h])}"
                      for h in hs]
            lines.append(f"Δθ₁ = −{_n(eta)} × {_f(g[0])} = {_n(dt[0])}")
            number, touches = "(5.11), (5.12)", {"w", "theta", "update"}
        elif key == "update_hidden":
            dv, dg = self.deltas["v"], self.deltas["gamma"]
            values = {"delta_v": dv, "delta_gamma": dg}
            lines = ["Δvᵢₕ = η eₕ xᵢ,   Δγₕ = −η eₕ"]
            for i in range(d if d == 2 else 1):
                lines += [f"Δ{sub(f'v_{i + 1}{h + 1}')} = {_n(eta)} × {_f(e[h])} × {_f(x[i])} "
                          f"= {_n(dv[i, h])}"
                          for h in hs]
            lines.append("Δγₕ = −η eₕ: " + ", ".join(_n(v) for v in dg))
            number, touches = "(5.13), (5.14)", {"v", "gamma", "update"}
        elif key == "E_after":
            y_after = self.after.forward(x)
            values = {"E_k": np.array(self.E_k), "E_after": np.array(self.E_after), "y_hat_after": y_after}
            lines = [f"Eₖ: {_n(self.E_k)} before the update, {_n(self.E_after)} after",
                     f"ŷ₁: {_n(fp.y_hat[0])} before, {_n(y_after[0])} after (y₁ = {_n(y[0])})",
                     "Step ▸ keeps the update and takes the next melon."]
            number, touches = "(5.4)", {"output", "E", "update"}
        return Stage(key, phase, _(title), lines, number, values, frozenset(touches))

    def status(self) -> str:
        k = self.sample - 1
        kind = GOOD if self.y[k] == 1 else BAD
        s = self.current
        return (f"melon {self.sample} ({kind}), stage {self.stage + 1} of {len(STAGES)}: {s.title}"
                f"{'  ' + s.number if s.number else ''}. η = {self.eta:.3g}, Eₖ = {self.E_k:.4g}")

    # --- the drawing ---------------------------------------------------------------------------

    def draw(self, fig: Figure) -> None:
        """The network on the left, the current equation on the right; what the stage touches in
        its phase's colour, the rest grey."""
        if getattr(self, "_fig", None) is not fig or self._drawn_for != (self.net.d, self.q):
            self._setup(fig)
        a = self._artists
        s, fp = self.current, self.fp
        done = set(KEYS[: self.stage + 1])  # the stages run so far (this one included)
        colour = PHASE_COLOURS[s.phase]
        grey = "0.75"
        k = self.sample - 1
        a["title"].set_text(
            f"melon {self.sample} ({GOOD if self.y[k] == 1 else BAD}), η = {self.eta:.3g}   "
            f"stage {self.stage + 1}/{len(STAGES)}: {s.phase}")
        a["title"].set_color(colour)

        # input units
        a["x_node"].set_color(colour if "x" in s.touches else grey)
        a["x_text"].set_text(self._input_text())
        # hidden units: forward value above, gradient below
        for h in range(self.q):
            node = a["hidden"][h]
            node.set_markeredgecolor(colour if "hidden" in s.touches else grey)
            above = (f"b = {_n(fp.b[h])}" if "b" in done else f"α = {_n(fp.alpha[h])}" if "alpha" in done
                     else "")
            a["hidden_above"][h].set_text(above)
            a["hidden_below"][h].set_text(f"e = {_n(self.e[h])}" if "e" in done else "")
            a["gamma"][h].set_text(self._threshold_text("gamma", h, done))
            a["gamma"][h].set_color(colour if "gamma" in s.touches else "0.35")
        # output unit
        a["out"].set_markeredgecolor(colour if "output" in s.touches else grey)
        above = (f"ŷ = {_n(fp.y_hat[0])}" if "y_hat" in done else f"β = {_n(fp.beta[0])}" if "beta" in done
                 else "")
        a["out_above"].set_text(above)
        a["out_below"].set_text(f"g = {_n(self.g[0])}" if "g" in done else "")
        a["theta"].set_text(self._threshold_text("theta", 0, done))
        a["theta"].set_color(colour if "theta" in s.touches else "0.35")
        E_text = f"Eₖ = {_n(self.E_k)}" if "E" in done else ""
        if "E_after" in done:
            E_text += f"\nafter: {_n(self.E_after)}"
        a["E"].set_text(E_text)
        a["E"].set_color(colour if "E" in s.touches else "0.35")
        a["y"].set_text(f"y = {self.target[0]:g}  ({GOOD if self.y[k] == 1 else BAD})")
        # edges: width and colour by the size and sign of what travels on them at this stage
        self._style_edges(a["w_edges"], a["w_labels"], "w", s, done, colour)
        self._style_edges(a["v_edges"], a["v_labels"], "v", s, done, colour)
        # the equation panel
        a["eq_title"].set_text(s.title)
        a["eq_title"].set_color(colour)
        a["eq_number"].set_text(s.number)
        spacing = min(0.11, 0.76 / max(1, len(s.lines)))
        for i, text in enumerate(a["lines"]):
            text.set_text(s.lines[i] if i < len(s.lines) else "")
            text.set_y(0.78 - spacing * i)

    def _input_text(self) -> str:
        if self.net.d == 2:
            return f"density x₁ = {self.x[0]:.3f}\nsugar x₂ = {self.x[1]:.3f}"
        return f"19 inputs xᵢ:\n6 attributes one-hot,\ndensity {self.x[17]:.3f},\nsugar {self.x[18]:.3f}"

    def _threshold_text(self, name: str, h: int, done: set[str]) -> str:
        """γₕ or θ₁ under its unit: its value, then ∂E/∂ of it, then its Δ, as the pass goes on."""
        if name == "theta":
            value, grad, delta = self.net.theta[0], self.grads["theta"][0], self.deltas["theta"][0]
            symbol, grad_key, update_key = "θ₁", "grad_out", "update_out"
        else:
            value, grad, delta = self.net.gamma[h], self.grads["gamma"][h], self.deltas["gamma"][h]
            symbol, grad_key, update_key = sub(f"γ_{h + 1}"), "grad_hidden", "update_hidden"
        if update_key in done:
            return f"Δ{symbol} = {_n(delta)}"
        if grad_key in done:
            return f"∂E/∂{symbol} = {_n(grad)}"
        return f"{symbol} = {_n(value)}"

    def _edge_values(self, which: str, done: set[str]):
        """The latest quantity on the edges of ``which`` ('w' or 'v'), one value per drawn edge,
        and how to name it: (values, label prefix for a subscript, signed?)."""
        net = self.net
        if which == "w":
            steps = [("update_out", lambda s: f"Δw{s}", self.deltas["w"][:, 0]),
                     ("grad_out", lambda s: f"∂E/∂w{s}", self.grads["w"][:, 0]),
                     ("wg", lambda s: f"w{s} g₁", net.w[:, 0] * self.g[0])]
            plain: tuple = (lambda s: f"w{s}", net.w[:, 0])
        else:
            steps = [("update_hidden", lambda s: f"Δv{s}", self.deltas["v"]),
                     ("grad_hidden", lambda s: f"∂E/∂v{s}", self.grads["v"])]
            plain = (lambda s: f"v{s}", net.v)
        name, values, signed = plain[0], plain[1], False
        for key, step_name, quantity in steps:
            if key in done:
                name, values, signed = step_name, quantity, True
                break
        if which == "v":
            values = values.ravel() if net.d == 2 else np.abs(values).max(axis=0)  # (row, h) or per h
        return values, name, signed

    def _style_edges(self, edges, labels, which: str, s: Stage, done: set[str], colour: str) -> None:
        """Label each edge of ``which`` with its latest quantity; in a stage that touches them,
        width by size and colour by sign (red > 0, blue < 0) for the backward and update ones."""
        values, name, signed = self._edge_values(which, done)
        touched = which in s.touches
        size = float(np.abs(values).max()) or 1.0
        q = self.q
        for i, (line, label) in enumerate(zip(edges, labels, strict=True)):
            value = float(values[i])
            if touched:
                line.set_color((GRADIENT_COLOUR if value > 0 else "tab:blue") if signed else colour)
                line.set_linewidth(0.8 + 4.0 * abs(value) / size)
            else:
                line.set_color("0.8")
                line.set_linewidth(1.0)
            if which == "w":
                index = sub(f"_{i + 1}1")
            elif self.net.d == 2:
                index = sub(f"_{i // q + 1}{i % q + 1}")
            else:  # the collapsed column: name only, the numbers are in the equation panel
                label.set_text(name("·" + sub(f"_{i + 1}")))
                label.set_color(colour if touched else "0.4")
                continue
            label.set_text(f"{name(index)} = {_n(value)}")
            label.set_color(colour if touched else "0.4")

    def _setup(self, fig: Figure) -> None:
        fig.clear()
        net_ax = fig.add_axes((0.0, 0.0, 0.56, 0.9))
        eq_ax = fig.add_axes((0.57, 0.0, 0.43, 0.9))
        for ax in (net_ax, eq_ax):
            ax.set_axis_off()
            ax.set_xlim(0, 1)
            ax.set_ylim(0, 1)
        q, d = self.q, self.net.d
        xs = {"in": 0.08, "hidden": 0.5, "out": 0.86}
        hidden_y = np.linspace(0.86, 0.14, q) if q > 1 else np.array([0.5])
        in_y = np.array([0.75, 0.25]) if d == 2 else np.array([0.5])
        a: dict = {}
        # edges first (under the units)
        a["v_edges"], a["v_labels"] = [], []
        for yi in in_y:
            for yh in hidden_y:
                (line,) = net_ax.plot([xs["in"], xs["hidden"]], [yi, yh], "-", color="0.8", zorder=1)
                a["v_edges"].append(line)
                t = 0.3 if d == 2 else 0.42  # near the inputs, where each x_i's edges fan out apart
                a["v_labels"].append(net_ax.text(xs["in"] + t * (xs["hidden"] - xs["in"]),
                                                 yi + t * (yh - yi), "", fontsize=TEXT_PT,
                                                 ha="left" if d == 2 else "center",
                                                 va="center", zorder=4,
                                                 bbox=LABEL_BOX))
        a["w_edges"], a["w_labels"] = [], []
        for yh in hidden_y:
            (line,) = net_ax.plot([xs["hidden"], xs["out"]], [yh, 0.5], "-", color="0.8", zorder=1)
            a["w_edges"].append(line)
            t = 0.5
            a["w_labels"].append(net_ax.text(xs["hidden"] + t * (xs["out"] - xs["hidden"]),
                                             yh + t * (0.5 - yh), "", fontsize=TEXT_PT, ha="center",
                                             va="center", zorder=4, bbox=LABEL_BOX))
        # units
        if d == 2:
            (a["x_node"],) = net_ax.plot([xs["in"]] * 2, in_y, "o", ms=22, mfc="white", mew=2, zorder=2)
            for i, yi in enumerate(in_y):
                net_ax.text(xs["in"], yi, f"$x_{i + 1}$", ha="center", va="center", fontsize=TEXT_PT + 1,
                            zorder=3)
            a["x_text"] = net_ax.text(0.0, 0.02, "", fontsize=TEXT_PT, va="bottom", ha="left")
        else:
            (a["x_node"],) = net_ax.plot([xs["in"]], [0.5], "s", ms=30, mfc="white", mew=2, zorder=2)
            net_ax.text(xs["in"], 0.5, "$x$", ha="center", va="center", fontsize=TEXT_PT + 1, zorder=3)
            a["x_text"] = net_ax.text(0.0, 0.02, "", fontsize=TEXT_PT, va="bottom", ha="left")
        a["hidden"], a["hidden_above"], a["hidden_below"], a["gamma"] = [], [], [], []
        for h, yh in enumerate(hidden_y):
            (node,) = net_ax.plot([xs["hidden"]], [yh], "o", ms=22, mfc="white", mew=2, zorder=2)
            a["hidden"].append(node)
            net_ax.text(xs["hidden"], yh, f"$b_{h + 1}$", ha="center", va="center", fontsize=TEXT_PT + 1,
                        zorder=3)
            a["hidden_above"].append(net_ax.text(xs["hidden"] + 0.045, yh + 0.03, "", fontsize=TEXT_PT,
                                                 color=FORWARD_COLOUR, va="bottom", zorder=4, bbox=LABEL_BOX))
            a["hidden_below"].append(net_ax.text(xs["hidden"] + 0.045, yh - 0.03, "", fontsize=TEXT_PT,
                                                 color=GRADIENT_COLOUR, va="top", zorder=4, bbox=LABEL_BOX))
            a["gamma"].append(net_ax.text(xs["hidden"] + 0.045, yh - 0.085, "", fontsize=TEXT_PT, ha="left",
                                          va="top", zorder=4, bbox=LABEL_BOX))
        (a["out"],) = net_ax.plot([xs["out"]], [0.5], "o", ms=22, mfc="white", mew=2, zorder=2)
        net_ax.text(xs["out"], 0.5, r"$\hat y_1$", ha="center", va="center", fontsize=TEXT_PT + 1, zorder=3)
        a["out_above"] = net_ax.text(xs["out"], 0.6, "", fontsize=TEXT_PT, color=FORWARD_COLOUR, ha="center",
                                     va="bottom")
        a["out_below"] = net_ax.text(xs["out"], 0.4, "", fontsize=TEXT_PT, color=GRADIENT_COLOUR, ha="center",
                                     va="top")
        a["theta"] = net_ax.text(xs["out"], 0.3, "", fontsize=TEXT_PT, ha="center", va="top")
        a["E"] = net_ax.text(xs["out"], 0.85, "", fontsize=TEXT_PT, ha="center", va="bottom")
        a["y"] = net_ax.text(xs["out"], 0.12, "", fontsize=TEXT_PT, ha="center", va="top")
        a["title"] = fig.text(0.01, 0.975, "", fontsize=TEXT_PT + 1, va="top", ha="left")
        a["eq_title"] = eq_ax.text(0.0, 0.97, "", fontsize=TEXT_PT + 1, va="top", ha="left", wrap=False)
        a["eq_number"] = eq_ax.text(0.99, 0.88, "", fontsize=TEXT_PT + 1, va="top", ha="right", color="0.3")
        a["lines"] = [eq_ax.text(0.0, 0.0, "", fontsize=TEXT_PT, va="top", ha="left") for i in range(9)]
        self._artists = a
        self._fig = fig
        self._drawn_for = (d, q)


def backprop_stepper() -> Explorer:
    """Zhou's network on one melon: Step ▸ through the forward pass, the backward pass and the
    update, one equation at a time, each with its numbers and its equation number."""
    return Explorer(StepperModel())
