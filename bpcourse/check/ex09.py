"""Checks for exercise 9, CS231n's staged circuit f = (x + σ(y)) / (σ(x) + (x + y)²) (after
lectures 01 and 03).

The gradient of f with respect to a stage is taken by finite differences of the forward pass with
that stage's value nudged and everything after it recomputed; the named mistakes only put a name to
a wrong answer.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

from ._task import Task, close, scalar_sigmoid

STAGES = ("sy", "top", "sx", "s", "s2", "bottom", "r", "f")
GRADS = ("df", "dr", "dtop", "dbottom", "dsx", "ds2", "ds", "dsy", "dx", "dy")
POINTS = [(3.0, -4.0), (-1.5, 0.5), (0.7, 2.2)]


def stages(x: float, y: float, nudge: str = "", h: float = 0.0) -> dict[str, float]:
    """The eight stages in order; ``nudge`` adds ``h`` to one stage before the later ones use it."""
    st: dict[str, float] = {}

    def put(name, value):
        st[name] = value + (h if name == nudge else 0.0)
        return st[name]

    sy = put("sy", scalar_sigmoid(y))
    top = put("top", x + sy)
    sx = put("sx", scalar_sigmoid(x))
    s = put("s", x + y)
    s2 = put("s2", s * s)
    bottom = put("bottom", sx + s2)
    r = put("r", 1.0 / bottom)
    put("f", top * r)
    return st


def expected_grads(x: float, y: float, h: float = 1e-6) -> dict[str, float]:
    """∂f/∂(each stage) and ∂f/∂x, ∂f/∂y by centred differences of the staged forward pass."""
    out = {"d" + k: (stages(x, y, k, h)["f"] - stages(x, y, k, -h)["f"]) / (2 * h) for k in STAGES}
    out["dx"] = (stages(x + h, y)["f"] - stages(x - h, y)["f"]) / (2 * h)
    out["dy"] = (stages(x, y + h)["f"] - stages(x, y - h)["f"]) / (2 * h)
    return {k: out[k] for k in GRADS}


def check_forward_stages(forward_stages: Callable) -> None:
    """Task 9.1: ``forward_stages(x, y)`` returns the dict of the eight stages."""
    t = Task("9.1", "the forward pass in stages")
    for x, y in [*POINTS, (2.0, -800.0)]:
        got = t.call(forward_stages, x, y, what=f"forward_stages({x:g}, {y:g})")
        if not isinstance(got, dict) or set(got) != set(STAGES):
            keys = sorted(got) if isinstance(got, dict) else type(got).__name__
            t.fail(f"forward_stages should return a dict with the keys {list(STAGES)}, got {keys}")
        ref = stages(x, y)
        mistakes = forward_mistakes(x, y, ref)
        for k in STAGES:
            val = t.number(f"st['{k}']", got[k])
            if not close(val, ref[k], rtol=1e-9, atol=1e-12):
                for cand, msg in mistakes.get(k, []):
                    if close(val, cand, rtol=1e-9, atol=1e-12):
                        t.fail(f"at (x, y) = ({x:g}, {y:g}): {msg}")
                t.fail(f"at (x, y) = ({x:g}, {y:g}) the stage {k!r} should be {ref[k]:.6g}, got {val:.6g}")
    t.ok()


def _subsets_missing(parts: dict[str, float]) -> list[tuple[float, list[str]]]:
    """Every sum of a proper, non-empty subset of the contributions, named by what it misses."""
    out = []
    for n in range(1, len(parts)):
        for keep in itertools.combinations(parts, n):
            missing = [k for k in parts if k not in keep]
            out.append((sum(parts[k] for k in keep), missing))
    return out


def forward_mistakes(x: float, y: float, ref: dict[str, float]) -> dict[str, list[tuple[float, str]]]:
    """Per stage, the value a classic slip gives and what to tell the student about it."""
    return {
        "sy": [(scalar_sigmoid(x), "sy is σ(x); the numerator's sigmoid is σ(y)")],
        "sx": [(scalar_sigmoid(y), "sx is σ(y); the denominator's sigmoid is σ(x)")],
        "s2": [(x * x + y * y, "s2 is x² + y²; it is (x + y)², the square of the stage s")],
        "bottom": [(ref["sx"] + ref["s"], "bottom is sx + s; it is sx + s2, with s squared")],
        "r": [(ref["bottom"], "r is bottom itself; it is its reciprocal, 1 / bottom")],
    }


def backward_problem(x: float, y: float, st: dict[str, float], g: dict[str, float]) -> str | None:
    """What is wrong with the gradients ``g`` at (x, y) (stages ``st``), or None when all are right.

    Stages are judged in order, so that the first wrong line is the one named."""
    exp = expected_grads(x, y)
    at = f"at (x, y) = ({x:g}, {y:g})"
    sig_x, sig_y = st["sx"] * (1 - st["sx"]), st["sy"] * (1 - st["sy"])
    named = {
        "df": [(0.0, "df should be 1: the gradient of f with respect to itself")],
        "dtop": [(1.0, "dtop is the multiply gate's other input times df: dtop = r · df, not 1")],
        "dr": [(1.0, "dr is the multiply gate's other input times df: dr = top · df, not 1")],
        "dbottom": [(-exp["dbottom"], "dbottom has the wrong sign: the local gradient of 1/bottom is "
                                      "−1/bottom²"),
                    (-g["dr"] / st["bottom"], "the local gradient of 1/bottom is −1/bottom², with the "
                                              "square"),
                    (-1.0 / st["bottom"] ** 2, "dbottom forgot the upstream gradient: −1/bottom² · dr")],
        "ds": [(st["s"] * g["ds2"], "ds is missing the 2: the local gradient of s² is 2s"),
               (2 * g["ds2"], "the local gradient of s² is 2s; you left out s")],
    }
    for k in ("df", "dtop", "dr", "dbottom", "dsx", "ds2", "ds", "dsy"):
        if not close(g[k], exp[k], rtol=1e-5, atol=1e-8):
            for cand, msg in named.get(k, []):
                if close(g[k], cand, rtol=1e-6, atol=1e-9):
                    return f"{at}: {msg}"
            return f"{at}: {k} should be {exp[k]:.6g}, got {g[k]:.6g}"
    # The forks: x reaches f through top, sx and s; y through sy and s.
    for name, parts, sig, own, other, via_sig in [
        ("dx", {"top": exp["dtop"], "sx": sig_x * exp["dsx"], "s": exp["ds"]}, "sx", sig_x, sig_y, "sx"),
        ("dy", {"sy": sig_y * exp["dsy"], "s": exp["ds"]}, "sy", sig_y, sig_x, "sy"),
    ]:
        if close(g[name], exp[name], rtol=1e-5, atol=1e-8):
            continue
        var = name[1]
        for value, missing in _subsets_missing(parts):
            if close(g[name], value, rtol=1e-6, atol=1e-9):
                return (f"{at}: {name} is missing the contribution through {' and '.join(missing)}. "
                        f"{var} feeds {', '.join(parts)}: at a fork the gradients add, so use += for "
                        "every use after the first")
        swapped = exp[name] - parts[via_sig] + other * parts[via_sig] / own
        if close(g[name], swapped, rtol=1e-6, atol=1e-9):
            return (f"{at}: through {via_sig} = σ({var}) the local gradient is {sig}(1 − {sig}), the "
                    "derivative of *that* sigmoid; you used the other one")
        if close(g[name], exp[name] - parts[via_sig] + parts[via_sig] / own, rtol=1e-6, atol=1e-9):
            return (f"{at}: {name} passes straight through the sigmoid {via_sig}; its local gradient is "
                    f"{sig}(1 − {sig})")
        return f"{at}: {name} should be {exp[name]:.6g}, got {g[name]:.6g}"
    return None


def check_backward_stages(backward_stages: Callable) -> None:
    """Task 9.2: ``backward_stages(x, y, st)`` returns ∂f/∂(every stage) and ∂f/∂x, ∂f/∂y."""
    t = Task("9.2", "the backward pass, stage by stage")
    for x, y in POINTS:
        st = stages(x, y)
        got = t.call(backward_stages, x, y, dict(st), what=f"backward_stages({x:g}, {y:g}, st)")
        if not isinstance(got, dict) or not set(GRADS) <= set(got):
            keys = sorted(got) if isinstance(got, dict) else type(got).__name__
            t.fail(f"backward_stages should return a dict with the keys {list(GRADS)}, got {keys}")
        problem = backward_problem(x, y, st, {k: t.number(k, got[k]) for k in GRADS})
        if problem:
            t.fail(problem)
    t.ok()


def centred_expected(fn: Callable, x: float, y: float, h: float) -> tuple[float, float]:
    """(∂fn/∂x, ∂fn/∂y) by centred differences with step h."""
    return (fn(x + h, y) - fn(x - h, y)) / (2 * h), (fn(x, y + h) - fn(x, y - h)) / (2 * h)


def centred_mistakes(fn: Callable, x: float, y: float, h: float,
                     at: str) -> list[tuple[tuple[float, ...], str]]:
    """The results of the classic slips in a centred difference, each with what to tell the student."""
    exp = centred_expected(fn, x, y, h)
    forward = ((fn(x + h, y) - fn(x, y)) / h, (fn(x, y + h) - fn(x, y)) / h)
    both = (fn(x + h, y + h) - fn(x - h, y - h)) / (2 * h)
    fixed = [centred_expected(fn, x, y, hh) for hh in (1e-5, 1e-6, 1e-4, 1e-7, 1e-8)]
    return [
        (forward, f"{at}: that is the one-sided difference (fn(x + h) − fn(x)) / h, accurate only to "
                  "O(h); the centred one is (fn(x + h) − fn(x − h)) / 2h"),
        ((2 * exp[0], 2 * exp[1]), f"{at}: you divided by h; the two points are 2h apart, so divide by 2h"),
        ((both, both), f"{at}: you moved x and y together; move one input at a time"),
        *[(c, f"{at}: your result does not depend on the h you were given; use the argument h")
          for c in fixed],
    ]


def check_centred_difference(centred_difference: Callable) -> None:
    """Task 9.3: ``centred_difference(fn, x, y, h)`` returns (∂fn/∂x, ∂fn/∂y) by centred differences."""
    t = Task("9.3", "centred differences")

    def fn(a, b):
        return a**3 * b + math.sin(b) * a

    for x, y, h in [(0.5, -1.2, 1e-3), (-1.1, 0.4, 1e-2)]:
        res = t.tuple(t.call(centred_difference, fn, x, y, h), 2, "dfdx, dfdy")
        got = (t.number("dfdx", res[0]), t.number("dfdy", res[1]))
        exp = centred_expected(fn, x, y, h)
        if close(got, exp, rtol=1e-9, atol=1e-12):
            continue
        at = f"at (x, y) = ({x:g}, {y:g}) with h = {h:g}"
        t.diagnose(got, exp, centred_mistakes(fn, x, y, h, at),
                   f"(dfdx, dfdy) {at}", rtol=1e-9, atol=1e-12)
    t.ok()
