"""Exercise 9, CS231n's staged circuit f = (x + σ(y)) / (σ(x) + (x + y)²): probes and judges.

The points are drawn at grading time (with one far out, where a naive sigmoid overflows). Task 9.2
gets the grader's stages, so a mistake in 9.1 costs 9.1 only; its references are finite
differences of the staged forward pass with one stage nudged. Task 9.3 is called on a function
and a step h the grader picks, so an h that is ignored or a one-sided difference shows.
"""

from __future__ import annotations

import math

from bpcourse.check.ex09 import (
    GRADS,
    STAGES,
    backward_problem,
    centred_expected,
    centred_mistakes,
    forward_mistakes,
    stages,
)
from bpcourse.grading.spec import Exercise, Probe, Task, diagnose, fail, items, number


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
        mistakes = forward_mistakes(x, y, ref)
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
        problem = backward_problem(x, y, st, {k: number(res[k], f"{k} {at}") for k in GRADS})
        if problem:
            fail(problem)


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
        exp = centred_expected(fn, x, y, h)
        at = f"at (x, y) = ({x:g}, {y:g}) with h = {h:g}"
        diagnose(g, exp, centred_mistakes(fn, x, y, h, at), f"(dfdx, dfdy) {at}", rtol=1e-8, atol=1e-11)


EXERCISE = Exercise("ex09_staged_circuit", tasks=(
    Task("ex09-forward-test", "9.1", "the forward pass in stages", _probe_forward, _judge_forward),
    Task("ex09-backward-test", "9.2", "the backward pass, stage by stage", _probe_backward, _judge_backward),
    Task("ex09-centred-test", "9.3", "centred differences", _probe_centred, _judge_centred),
))
