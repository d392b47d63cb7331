"""Exercise 4, Zhou's BP network (机器学习 §5.3, one sample x of shape (d,)): probes and judges.

Sizes, parameters, samples and η are drawn at grading time. Tasks 4.5 and 4.6 run with the
grader's g_j, e_h and updates in place of the student's, so a mistake in 4.1-4.3 is not counted
twice. The references are Zhou's formulas (5.10)-(5.16), written out here.
"""

from __future__ import annotations

import numpy as np

from bpcourse.check.ex04 import e_mistakes
from bpcourse.grading.spec import (
    Exercise,
    Probe,
    Task,
    array,
    close,
    diagnose,
    fail,
    items,
    mapping,
    number,
    sigmoid,
)
from bpcourse.i18n import _

KEYS = ("v", "gamma", "w", "theta")
_REF = '''
def ref_output_gradient(yhat, y):
    return yhat * (1.0 - yhat) * (y - yhat)

def ref_hidden_gradient(b, w, g):
    return b * (1.0 - b) * (w @ g)

def ref_updates(x, b, g, e, eta):
    return {"w": eta * np.outer(b, g), "theta": -eta * g, "v": eta * np.outer(x, e), "gamma": -eta * e}

REF = dict(output_gradient=ref_output_gradient, hidden_gradient=ref_hidden_gradient, updates=ref_updates)
'''


def forward(P: dict, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    b = sigmoid(x @ P["v"] - P["gamma"])  # b_h = f(α_h − γ_h)
    return b, sigmoid(b @ P["w"] - P["theta"])  # ŷ_j = f(β_j − θ_j) (5.3)


def E_of(P: dict, X: np.ndarray, Y: np.ndarray) -> float:
    """E = (1/m) Σ_k E_k, E_k = ½ Σ_j (ŷ_j − y_j)² (5.4, 5.16)."""
    return float(np.mean([0.5 * np.sum((forward(P, x)[1] - y) ** 2) for x, y in zip(X, Y, strict=True)]))


def deltas(P: dict, x, y, eta, stale_w=None) -> dict:
    """Zhou's updates (5.11)-(5.14) for one sample; ``stale_w`` (a mistake) computes e_h with it."""
    b, yhat = forward(P, x)
    g = yhat * (1 - yhat) * (y - yhat)  # (5.10)
    e = b * (1 - b) * ((P["w"] if stale_w is None else stale_w) @ g)  # (5.15)
    return {"w": eta * np.outer(b, g), "theta": -eta * g, "v": eta * np.outer(x, e), "gamma": -eta * e}


def epoch(P: dict, X, Y, eta, mode: str) -> dict:
    """One epoch of standard (per sample, Fig. 5.8) or accumulated (one step on E, 5.16) BP;
    the other ``mode`` values are classic mistakes, used only to name them."""
    P = {k: v.copy() for k, v in P.items()}
    if mode in ("standard", "w first"):
        for x, y in zip(X, Y, strict=True):
            if mode == "w first":  # w updated before e_h is computed
                b, yhat = forward(P, x)
                g = yhat * (1 - yhat) * (y - yhat)
                new_w = P["w"] + eta * np.outer(b, g)
                D = deltas(P, x, y, eta, stale_w=new_w)
            else:
                D = deltas(P, x, y, eta)
            P = {k: P[k] + D[k] for k in P}
        return P
    total = {k: np.zeros_like(v) for k, v in P.items()}
    for x, y in zip(X, Y, strict=True):
        for k, d in deltas(P, x, y, eta).items():
            total[k] += d
    scale = 1.0 if mode == "summed" else 1.0 / len(X)
    return {k: P[k] + total[k] * scale for k in P}


def _params(rng, d, q, l) -> dict:
    return {"v": rng.uniform(size=(d, q)), "gamma": rng.uniform(size=q), "w": rng.uniform(size=(q, l)),
            "theta": rng.uniform(size=l)}


def _sizes(rng):
    return tuple(int(k) for k in rng.integers(2, 6, size=3))


# ---- 4.1 g_j -----------------------------------------------------------------------------------


def _probe_g(rng):
    cases = []
    for l in (3, int(rng.integers(1, 6)), int(rng.integers(2, 6))):
        beta, theta, y = rng.normal(size=l), rng.uniform(size=l), rng.uniform(size=l)
        cases.append([sigmoid(beta - theta), y])
    return Probe("return [output_gradient(yhat.copy(), y.copy()) for yhat, y in args]", cases)


def _judge_g(got, cases):
    got = items(got, len(cases), "one result per case")
    for res, (yhat, y) in zip(got, cases, strict=True):
        g = array(res, yhat.shape, "g", "g has the shape of ŷ, (l,)")
        exp = yhat * (1 - yhat) * (y - yhat)  # (5.10)
        diagnose(g, exp, [
            (-exp, "g_j: Zhou (5.10) is ŷ_j(1 − ŷ_j)(y_j − ŷ_j); yours matches (ŷ_j − y_j), the opposite "
                   "sign. "
                   "g_j is *minus* ∂E_k/∂β_j, which is why the updates (5.11)–(5.14) have a plus sign"),
            (y - yhat, "g_j is missing the sigmoid derivative factor ŷ_j(1 − ŷ_j) (5.9, 5.10)"),
            (yhat - y, "g_j has the wrong sign and is missing ŷ_j(1 − ŷ_j): Zhou (5.10) is ŷ_j(1 − ŷ_j)(y_j "
                       "− ŷ_j)"),
        ], "g", rtol=1e-9, atol=1e-12)


# ---- 4.2 e_h -----------------------------------------------------------------------------------


def _probe_e(rng):
    cases = []
    for q, l in [(3, 3), (4, 2), (int(rng.integers(2, 6)), int(rng.integers(1, 6)))]:
        b = sigmoid(rng.normal(size=q))
        cases.append([b, rng.uniform(size=(q, l)), rng.normal(scale=0.2, size=l)])
    return Probe("return [catch(hidden_gradient, b.copy(), w.copy(), g.copy()) for b, w, g in args]", cases)


def _judge_e(got, cases):
    got = items(got, len(cases), "one result per case")
    for res, (b, w, g) in zip(got, cases, strict=True):
        q, l = w.shape
        e = array(res, (q,), "e", "Σ_j w_hj g_j is w @ g, shape (q,)")
        exp = b * (1 - b) * (w @ g)  # (5.15)
        mistakes = e_mistakes(exp, b, w, g)
        diagnose(e, exp, mistakes, "e", rtol=1e-9, atol=1e-12)


# ---- 4.3 the four updates ----------------------------------------------------------------------


def _probe_updates(rng):
    cases = []
    for d, q, l in [(3, 4, 2), _sizes(rng)]:
        P = _params(rng, d, q, l)
        x, y = rng.uniform(size=d), rng.uniform(size=l)
        b, yhat = forward(P, x)
        g = yhat * (1 - yhat) * (y - yhat)
        e = b * (1 - b) * (P["w"] @ g)
        cases.append([x, b, g, e, float(np.round(rng.uniform(0.05, 0.9), 3))])
    return Probe('''
return [updates(x.copy(), b.copy(), g.copy(), e.copy(), eta) for x, b, g, e, eta in args]
''', cases)


def _judge_updates(got, cases):
    got = items(got, len(cases), "one result per case")
    eq = {"w": "5.11", "theta": "5.12", "v": "5.13", "gamma": "5.14"}
    for res, (x, b, g, e, eta) in zip(got, cases, strict=True):
        res = mapping(res, ("w", "theta", "v", "gamma"), "updates(...)")
        exp = {"w": eta * np.outer(b, g), "theta": -eta * g, "v": eta * np.outer(x, e), "gamma": -eta * e}
        for k in ("w", "theta", "v", "gamma"):
            got_k = array(res[k], exp[k].shape, f"Δ{k}", _("Δ{k} has the shape of {k}, {shape} (Zhou {eq})")
                          .format(k=k, shape=exp[k].shape, eq=eq[k]))
            diagnose(got_k, exp[k], [
                (-exp[k], _("Δ{k} has the wrong sign (Zhou {eq}). ").format(k=k, eq=eq[k]) + (
                    _("Thresholds are *subtracted* in f(β_j − θ_j) and f(α_h − γ_h), so their updates "
                      "carry a minus: Δθ_j = −η g_j, Δγ_h = −η e_h") if k in ("theta", "gamma") else
                    _("Δw_hj = η g_j b_h and Δv_ih = η e_h x_i carry a plus, because g_j and e_h already "
                      "hold the minus"))),
                (exp[k] / eta, _("Δ{k} is missing the learning rate η (Zhou {eq})").format(k=k, eq=eq[k])),
                (exp[k] / eta * 0.1, _("Δ{k} ignores the argument eta (it uses η = 0.1): use the η passed in")
                 .format(k=k)),
            ] + ([(np.outer(x, e).T * eta, _("Δv is transposed: Δv_ih = η e_h x_i is np.outer(x, e), shape "
                                             "(d, q) (Zhou {eq})").format(eq=eq[k]))] if k == "v" else []),
                f"Δ{k}", rtol=1e-9, atol=1e-12)


# ---- 4.4 accumulated error ---------------------------------------------------------------------


def _probe_E(rng):
    cases = []
    for d, q, l in [(2, 3, 2), _sizes(rng)]:
        m = int(rng.integers(3, 9))
        cases.append([_params(rng, d, q, l), rng.uniform(size=(m, d)), rng.uniform(size=(m, l))])
    return Probe('''
return [accumulated_error({k: v.copy() for k, v in P.items()}, X.copy(), Y.copy()) for P, X, Y in args]
''', cases)


def _judge_E(got, cases):
    got = items(got, len(cases), "one result per case")
    for res, (P, X, Y) in zip(got, cases, strict=True):
        E = number(res, "E")
        exp = E_of(P, X, Y)
        diagnose(E, exp, [
            (exp * len(X), "E is the sum of the E_k; Zhou (5.16) takes their mean, E = (1/m) Σ_k E_k: "
                           "missing "
                           "the 1/m mean"),
            (2 * exp, "E is missing the ½ of (5.4): E_k = ½ Σ_j (ŷ_j − y_j)²"),
        ], "E", rtol=1e-9, atol=1e-12)


# ---- 4.5 and 4.6 epochs ------------------------------------------------------------------------


def _epoch_probe(rng, fn: str) -> Probe:
    cases = []
    for d, q, l in [(2, 3, 1), _sizes(rng)]:
        m = int(rng.integers(3, 8))
        cases.append({"P": _params(rng, d, q, l), "X": rng.uniform(size=(m, d)),
                      "Y": rng.uniform(size=(m, l)),
                      "eta": float(np.round(rng.uniform(0.1, 0.9), 3))})
    return Probe(_REF + f'''
out = []
with using({fn}, **REF):
    for c in args:
        P = {{k: v.copy() for k, v in c["P"].items()}}
        new = {fn}(P, c["X"].copy(), c["Y"].copy(), c["eta"])
        out.append({{"new": new, "unchanged": all(np.array_equal(P[k], c["P"][k]) for k in P)}})
return out
''', cases)


def _epoch_judge(got, cases, mode: str):
    got = items(got, len(cases), "one result per case")
    flat = lambda Q: np.concatenate([np.asarray(Q[k], dtype=float).ravel() for k in KEYS])  # noqa: E731
    for res, c in zip(got, cases, strict=True):
        res = res if isinstance(res, dict) else {}
        P, X, Y, eta = c["P"], c["X"], c["Y"], c["eta"]
        new = mapping(res.get("new"), KEYS, "the new parameters")
        new = {k: array(new[k], P[k].shape, f"new {k}") for k in KEYS}
        exp = epoch(P, X, Y, eta, mode)
        mistakes = [
            (flat(P), "the parameters did not change: apply the updates (v ← v + Δv, …) and return the new "
                      "values"),
            (flat(epoch(P, X, Y, -eta, mode)), "you went *uphill*: E grows. Zhou's updates are v ← v + Δv "
                                               "with "
                                               "Δv = η e_h x_i (5.13), θ ← θ + Δθ with Δθ = −η g_j (5.12)"),
        ]
        if mode == "standard":
            mistakes += [
                (flat(epoch(P, X, Y, eta, "accumulated")), "you made one update with the average over all "
                 "samples: that is accumulated BP. Standard BP (Fig. 5.8) updates after *every* sample, "
                 "using "
                 "the new parameters for the next one"),
                (flat(epoch(P, X, Y, eta, "w first")), "you updated w before computing e_h: (5.15) uses the "
                                                       "w "
                 "of this step, so compute g_j and e_h first, then apply all four updates"),
                (flat(epoch(P, X, Y, eta, "summed")), "every sample's update was computed from the "
                 "parameters the epoch started with: standard BP (Fig. 5.8) applies each sample's updates "
                 "before the next sample, whose forward pass sees the new parameters"),
            ]
        else:
            mistakes += [
                (flat(epoch(P, X, Y, eta, "standard")), "you updated after every sample: that is standard "
                                                        "BP. "
                 "Accumulated BP makes one step per epoch, on the gradient of E = (1/m) Σ_k E_k (5.16)"),
                (flat(epoch(P, X, Y, eta, "summed")), "your step is m times too big: the accumulated "
                                                      "gradient is "
                 "the *mean* of the per-sample gradients, E = (1/m) Σ_k E_k (5.16): missing the 1/m mean"),
                (flat(epoch(P, X, Y, eta / len(X), "standard")), "you applied each sample's share of the "
                 "update at once, so later samples saw changed parameters: accumulated BP computes every "
                 "sample's g_j and e_h with the same parameters, then makes one step with their mean"),
            ]
        if not close(flat(new), flat(exp), 1e-8, 1e-11) and not any(close(flat(new), c, 1e-8, 1e-11)
                                                                     for c, _m in mistakes):
            for k in KEYS:  # no classic mistake: say which parameter is off first
                diagnose(new[k], exp[k], [], f"new {k}", rtol=1e-8, atol=1e-11)
        diagnose(flat(new), flat(exp), mistakes, "the new parameters", rtol=1e-8, atol=1e-11)
        if res.get("unchanged") is False:
            fail("your function changed the params dict it was given (in place): work on a copy and return "
                 "the "
                 "new values")


def _probe_standard(rng):
    return _epoch_probe(rng, "standard_bp_epoch")


def _judge_standard(got, cases):
    _epoch_judge(got, cases, "standard")


def _probe_accumulated(rng):
    return _epoch_probe(rng, "accumulated_bp_epoch")


def _judge_accumulated(got, cases):
    _epoch_judge(got, cases, "accumulated")


EXERCISE = Exercise("ex04_zhou_bp", tasks=(
    Task("ex04-g-test", "4.1", "g_j (5.10)", _probe_g, _judge_g),
    Task("ex04-e-test", "4.2", "e_h (5.15)", _probe_e, _judge_e),
    Task("ex04-updates-test", "4.3", "the four updates (5.11)–(5.14)", _probe_updates, _judge_updates),
    Task("ex04-E-test", "4.4", "accumulated error E (5.16)", _probe_E, _judge_E),
    Task("ex04-standard-test", "4.5", "one epoch of standard BP", _probe_standard, _judge_standard),
    Task("ex04-accumulated-test", "4.6", "one epoch of accumulated BP", _probe_accumulated,
         _judge_accumulated),
))
