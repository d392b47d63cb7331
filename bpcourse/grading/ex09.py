"""Exercise 9, CS231n's staged circuit f = (x + σ(y)) / (σ(x) + (x + y)²): probes and judges.

The points are drawn at grading time (with one far out, where a naive sigmoid overflows). Task 9.2
gets the grader's stages, so a mistake in 9.1 costs 9.1 only; its references are finite
differences of the staged forward pass with one stage nudged. Task 9.3 is called on a function
and a step h the grader picks, so an h that is ignored or a one-sided difference shows.
"""

from __future__ import annotations

import itertools
import math

from bpcourse.grading.spec import Exercise, Probe, Task, close, diagnose, fail, items, number

STAGES = ("sy", "top", "sx", "s", "s2", "bottom", "r", "f")
GRADS = ("df", "dr", "dtop", "dbottom", "dsx", "ds2", "ds", "dsy", "dx", "dy")


def _sigmoid(t: float) -> float:
    if t >= 0:
        return 1.0 / (1.0 + math.exp(-t))
    e = math.exp(t)
    return e / (1.0 + e)


def stages(x: float, y: float, nudge: str = "", h: float = 0.0) -> dict[str, float]:
    """The eight stages in order; ``nudge`` adds ``h`` to one stage before the later ones use it."""
    st: dict[str, float] = {}

    def put(name, value):
        st[name] = value + (h if name == nudge else 0.0)
        return st[name]

    sy = put("sy", _sigmoid(y))
    top = put("top", x + sy)
    sx = put("sx", _sigmoid(x))
    s = put("s", x + y)
    s2 = put("s2", s * s)
    bottom = put("bottom", sx + s2)
    r = put("r", 1.0 / bottom)
    put("f", top * r)
    return st


def expected_grads(x: float, y: float, h: float = 1e-6) -> dict[str, float]:
    out = {"d" + k: (stages(x, y, k, h)["f"] - stages(x, y, k, -h)["f"]) / (2 * h) for k in STAGES}
    out["dx"] = (stages(x + h, y)["f"] - stages(x - h, y)["f"]) / (2 * h)
    out["dy"] = (stages(x, y + h)["f"] - stages(x, y - h)["f"]) / (2 * h)
    return out


def _points(rng, n):
    return [(3.0, -4.0)] + [tuple(p) for p in rng.normal(0.0, 2.0, size=(n, 2)).round(4).tolist()]


# ---- 9.1 forward -------------------------------------------------------------------------------


def _probe_forward(rng):
    pts = _points(rng, 4) + [(float(rng.uniform(1, 3)), float(-rng.uniform(750, 900)))]
    return Probe("return [forward_stages(x, y) for x, y in args]", pts)


def _judge_forward(got, pts):
    got = items(got, len(pts), "one result per point")
    for res, (x, y) in zip(got, pts, strict=True):
        if not isinstance(res, dict) or set(res) != set(STAGES):
            keys = sorted(map(str, res)) if isinstance(res, dict) else type(res).__name__
            fail(f"forward_stages should return a dict with the keys {list(STAGES)}, got {keys}")
        ref = stages(x, y)
        at = f"at (x, y) = ({x:g}, {y:g})"
        mistakes = {
            "sy": [(_sigmoid(x), "sy is σ(x); the numerator's sigmoid is σ(y)")],
            "sx": [(_sigmoid(y), "sx is σ(y); the denominator's sigmoid is σ(x)")],
            "s2": [(x * x + y * y, "s2 is x² + y²; it is (x + y)², the square of the stage s")],
            "bottom": [(ref["sx"] + ref["s"], "bottom is sx + s; it is sx + s2, with s squared")],
            "r": [(ref["bottom"], "r is bottom itself; it is its reciprocal, 1 / bottom")],
        }
        for k in STAGES:
            named = [(c, f"{at}: {m}") for c, m in mistakes.get(k, [])]
            diagnose(number(res[k], f"st['{k}'] {at}"), ref[k], named,
                     f"the stage {k!r} {at}", rtol=1e-9, atol=1e-12)


# ---- 9.2 backward ------------------------------------------------------------------------------


def _probe_backward(rng):
    pts = _points(rng, 4)
    return Probe("return [backward_stages(x, y, dict(st)) for x, y, st in args]",
                 [(x, y, stages(x, y)) for x, y in pts])


def _judge_backward(got, args):
    got = items(got, len(args), "one result per point")
    for res, (x, y, st) in zip(got, args, strict=True):
        if not isinstance(res, dict) or not set(GRADS) <= set(res):
            keys = sorted(map(str, res)) if isinstance(res, dict) else type(res).__name__
            fail(f"backward_stages should return a dict with the keys {list(GRADS)}, got {keys}")
        at = f"at (x, y) = ({x:g}, {y:g})"
        exp = expected_grads(x, y)
        g = {k: number(res[k], f"{k} {at}") for k in GRADS}
        named = {
            "df": [(0.0, "df should be 1: the gradient of f with respect to itself")],
            "dtop": [(1.0, "dtop is the multiply gate's other input times df: dtop = r · df, not 1")],
            "dr": [(1.0, "dr is the multiply gate's other input times df: dr = top · df, not 1")],
            "dbottom": [(-exp["dbottom"],
                         "dbottom has the wrong sign: the local gradient of 1/bottom is −1/bottom²"),
                        (-g["dr"] / st["bottom"],
                         "the local gradient of 1/bottom is −1/bottom², with the square"),
                        (-1.0 / st["bottom"] ** 2, "dbottom forgot the upstream gradient: −1/bottom² · dr")],
            "ds": [(st["s"] * g["ds2"], "ds is missing the 2: the local gradient of s² is 2s"),
                   (2 * g["ds2"], "the local gradient of s² is 2s; you left out s")],
        }
        for k in ("df", "dtop", "dr", "dbottom", "dsx", "ds2", "ds", "dsy"):
            if not close(g[k], exp[k], rtol=1e-5, atol=1e-8):
                for cand, msg in named.get(k, []):
                    if close(g[k], cand, rtol=1e-6, atol=1e-9):
                        fail(f"{at}: {msg}")
                fail(f"{at}: {k} should be {exp[k]:.6g}, got {g[k]:.6g}")
        sig_x, sig_y = st["sx"] * (1 - st["sx"]), st["sy"] * (1 - st["sy"])
        for name, parts, sig, own, other, via in [
            ("dx", {"top": exp["dtop"], "sx": sig_x * exp["dsx"], "s": exp["ds"]}, "sx", sig_x, sig_y, "sx"),
            ("dy", {"sy": sig_y * exp["dsy"], "s": exp["ds"]}, "sy", sig_y, sig_x, "sy"),
        ]:
            if close(g[name], exp[name], rtol=1e-5, atol=1e-8):
                continue
            var = name[1]
            for n in range(1, len(parts)):
                for keep in itertools.combinations(parts, n):
                    missing = [k for k in parts if k not in keep]
                    if close(g[name], sum(parts[k] for k in keep), rtol=1e-6, atol=1e-9):
                        fail(f"{at}: {name} is missing the contribution through {' and '.join(missing)}. "
                             f"{var} feeds {', '.join(parts)}: at a fork the gradients add, "
                             "so use += for every use after the first")
            if close(g[name], exp[name] - parts[via] + other * parts[via] / own, rtol=1e-6, atol=1e-9):
                fail(f"{at}: through {via} = σ({var}) the local gradient is {sig}(1 − {sig}), "
                     "the derivative of *that* sigmoid; you used the other one")
            if close(g[name], exp[name] - parts[via] + parts[via] / own, rtol=1e-6, atol=1e-9):
                fail(f"{at}: {name} passes straight through the sigmoid {via}; "
                     f"its local gradient is {sig}(1 − {sig})")
            fail(f"{at}: {name} should be {exp[name]:.6g}, got {g[name]:.6g}")


# ---- 9.3 centred differences -------------------------------------------------------------------

# The functions the probe differentiates: one chosen per call, with coefficients drawn now.
_FNS = '''
def make(kind, a, b):
    if kind == 0:
        return lambda x, y: a * x**3 * y + math.sin(b * y) * x
    if kind == 1:
        return lambda x, y: math.exp(a * x) * y**2 + b * x * y
    return lambda x, y: math.tanh(a * x + b * y) * x**2
'''


def _fn(kind, a, b):
    return [lambda x, y: a * x**3 * y + math.sin(b * y) * x,
            lambda x, y: math.exp(a * x) * y**2 + b * x * y,
            lambda x, y: math.tanh(a * x + b * y) * x**2][kind]


def _probe_centred(rng):
    cases = []
    for kind in (0, 1, 2, int(rng.integers(0, 3))):
        a, b = rng.uniform(0.5, 1.5, size=2).round(3).tolist()
        x, y = rng.normal(size=2).round(4).tolist()
        h = float(rng.choice([1e-2, 3e-3, 1e-3]))
        cases.append([kind, a, b, x, y, h])
    return Probe(_FNS + '''
return [centred_difference(make(kind, a, b), x, y, h) for kind, a, b, x, y, h in args]
''', cases)


def _judge_centred(got, cases):
    got = items(got, len(cases), "one result per call")
    for res, (kind, a, b, x, y, h) in zip(got, cases, strict=True):
        fn = _fn(kind, a, b)
        pair = items(res, 2, "dfdx, dfdy")
        g = (number(pair[0], "dfdx"), number(pair[1], "dfdy"))
        exp = ((fn(x + h, y) - fn(x - h, y)) / (2 * h), (fn(x, y + h) - fn(x, y - h)) / (2 * h))
        at = f"at (x, y) = ({x:g}, {y:g}) with h = {h:g}"
        forward = ((fn(x + h, y) - fn(x, y)) / h, (fn(x, y + h) - fn(x, y)) / h)
        both = (fn(x + h, y + h) - fn(x - h, y - h)) / (2 * h)
        fixed = [((fn(x + k, y) - fn(x - k, y)) / (2 * k), (fn(x, y + k) - fn(x, y - k)) / (2 * k))
                 for k in (1e-5, 1e-6, 1e-4, 1e-7, 1e-8)]
        diagnose(g, exp, [
            (forward, f"{at}: that is the one-sided difference (fn(x + h) − fn(x)) / h, "
                      "accurate only to O(h); the centred one is (fn(x + h) − fn(x − h)) / 2h"),
            ((2 * exp[0], 2 * exp[1]), f"{at}: you divided by h; the two points are 2h apart, "
                                       "so divide by 2h"),
            ((both, both), f"{at}: you moved x and y together; move one input at a time"),
            *[(c, f"{at}: your result does not depend on the h you were given; use the argument h")
              for c in fixed],
        ], f"(dfdx, dfdy) {at}", rtol=1e-8, atol=1e-11)


EXERCISE = Exercise("ex09_staged_circuit", tasks=(
    Task("ex09-forward-test", "9.1", "the forward pass in stages", _probe_forward, _judge_forward),
    Task("ex09-backward-test", "9.2", "the backward pass, stage by stage", _probe_backward, _judge_backward),
    Task("ex09-centred-test", "9.3", "centred differences", _probe_centred, _judge_centred),
))
