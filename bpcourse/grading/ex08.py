"""Exercise 8, backward passes the lectures did not derive (ELU with α, Maxout, softmax +
cross-entropy): probes and judges for the trusted grader.

Shapes, α, k and values are drawn at grading time. The references are the formulas, computed
here; the named mistakes only put a name to a wrong answer. Task 8.4 runs with the grader's
softmax in place of the student's, so a mistake in 8.3 costs 8.3 only.
"""

from __future__ import annotations

import numpy as np

from bpcourse.check.ex08 import elu_backward_mistakes, elu_forward_mistakes
from bpcourse.functional import elu, elu_derivative
from bpcourse.grading.spec import Exercise, Probe, Task, array, diagnose, fail, items, number


def _shape(rng, low=1, high=6):
    return tuple(int(k) for k in rng.integers(low, high, size=2))


def _finite_or_fail(value, name: str, why: str) -> None:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return
    if arr.size and not np.all(np.isfinite(arr)):
        fail(f"{name} contains nan or inf. {why}")


# ---- 8.1 ELU -----------------------------------------------------------------------------------

_ELU_OVERFLOW = ("For a large positive x, e^x overflowed to inf, "
                 "and inf · 0 = nan when a 0/1 mask multiplies it. "
                 "Pick with np.where instead of multiplying by a mask, or take np.exp(np.minimum(x, 0)).")


def _probe_elu(rng):
    cases = []
    for alpha in [0.3, *np.round(rng.uniform(0.05, 3.0, size=3), 3).tolist()]:
        shape = _shape(rng)
        cases.append({"alpha": alpha, "x": np.round(rng.normal(0.0, 1.5, size=shape), 4),
                      "dout": rng.normal(size=shape)})
    far = np.array([[1000.0, float(rng.uniform(750, 900)), -2.0, 0.5]])
    cases.append({"alpha": float(np.round(rng.uniform(0.2, 2.0), 3)), "x": far, "dout": np.ones_like(far)})
    two = [np.abs(rng.normal(size=(2, 3))) + 0.5, -np.abs(rng.normal(size=(2, 3))) - 0.5]
    return Probe('''
out = []
for c in args["cases"]:
    layer = ELU(c["alpha"])
    y = layer.forward(c["x"].copy())
    out.append({"out": y, "dx": layer.backward(c["dout"].copy())})
a, b = ELU(0.5), ELU(0.5)
a.forward(args["two"][0].copy())
b.forward(args["two"][1].copy())
return {"cases": out, "two": a.backward(np.ones((2, 3)))}
''', {"cases": cases, "two": two})


def _judge_elu(got, args):
    got = got if isinstance(got, dict) else {}
    res = items(got.get("cases"), len(args["cases"]), "one result per case")
    for r, c in zip(res, args["cases"], strict=True):
        r = r if isinstance(r, dict) else {}
        x, a, d = c["x"], c["alpha"], c["dout"]
        _finite_or_fail(r.get("out"), "forward's output", _ELU_OVERFLOW)
        _finite_or_fail(r.get("dx"), "dx", _ELU_OVERFLOW)
        out = array(r.get("out"), x.shape, "forward's output")
        with np.errstate(over="ignore", invalid="ignore"):
            diagnose(out, elu(x, a), elu_forward_mistakes(x, a),
                     f"forward's output (α = {a:g})", rtol=1e-9, atol=1e-12)
            dx = array(r.get("dx"), x.shape, "dx", "dx has the shape of x")
            diagnose(dx, d * elu_derivative(x, a), elu_backward_mistakes(x, d, a), f"dx (α = {a:g})",
                     rtol=1e-9, atol=1e-12)
    first = array(got.get("two"), (2, 3), "dx of the first of two ELU layers")
    xa, xb = args["two"]
    if np.allclose(first, elu_derivative(xb, 0.5)):
        fail("the first of two ELU layers answered with the second one's input: "
             "keep the cache on self, not on the class or in a global")
    diagnose(first, elu_derivative(xa, 0.5), [], "dx of the first of two ELU layers", rtol=1e-9, atol=1e-12)


# ---- 8.2 Maxout --------------------------------------------------------------------------------


def _probe_maxout(rng):
    cases = []
    for k in (2, 1, 3, int(rng.integers(2, 5))):
        N, n_in, n_out = (int(v) for v in rng.integers(2, 6, size=3))
        cases.append({"k": k, "W": rng.normal(size=(k, n_in, n_out)), "b": rng.normal(size=(k, n_out)),
                      "x": rng.normal(size=(N, n_in)), "dout": rng.normal(size=(N, n_out))})
    return Probe('''
out = []
for c in args:
    k, n_in, n_out = c["W"].shape
    layer = Maxout(n_in, n_out, k=k)
    layer.params["W"], layer.params["b"] = c["W"].copy(), c["b"].copy()
    y = layer.forward(c["x"].copy())
    dx = layer.backward(c["dout"].copy())
    grads = getattr(layer, "grads", None)
    out.append({"out": y, "dx": dx, "grads": dict(grads) if isinstance(grads, dict) else None})
return out
''', cases)


def _judge_maxout(got, cases):
    got = items(got, len(cases), "one result per case")
    for r, c in zip(got, cases, strict=True):
        r = r if isinstance(r, dict) else {}
        W, b, x, d = c["W"], c["b"], c["x"], c["dout"]
        k, n_in, n_out = W.shape
        N = x.shape[0]
        z = np.einsum("ni,pio->pno", x, W) + b[:, None, :]
        won = np.arange(k)[:, None, None] == np.argmax(z, axis=0)[None]  # (k, N, n_out)
        dz = won * d
        every = np.broadcast_to(d, (k, N, n_out))
        where = f"(N, n_in, n_out, k) = ({N}, {n_in}, {n_out}, {k})"
        diagnose(array(r.get("out"), (N, n_out), "forward's output"), z.max(axis=0), [], "forward's output")
        grads = r.get("grads")
        if not isinstance(grads, dict) or not {"W", "b"} <= set(grads):
            fail("backward must fill self.grads['W'] and self.grads['b']")
        dW = array(grads["W"], (k, n_in, n_out), f"grads['W'] for {where}",
                   "Each piece's gradient is x.T @ dz[p], of shape (n_in, n_out), stacked over the k pieces.")
        ex_dW = np.einsum("ni,pno->pio", x, dz)
        mistakes = [
            (np.einsum("ni,pno->pio", x, won * 1.0),
             "you forgot to multiply by dout: dz[p] = dout where piece p won, "
             "and grads['W'][p] = x.T @ dz[p]"),
            (np.einsum("ni,pno->pio", x, ~won * d),
             "dout went to the pieces that *lost*; it belongs to the winner, self.winner == p"),
            (ex_dW / N, "grads['W'] is divided by N; a layer sums over the batch "
                        "(the loss does any averaging)"),
        ]
        if k > 1:
            mistakes.insert(0, (np.einsum("ni,pno->pio", x, every),
                                "dout went to every piece; the max gate routes it to the winning piece only: "
                                "dz[p] = dout where piece p won, 0 elsewhere"))
        diagnose(dW, ex_dW, mistakes, f"grads['W'] for {where}")
        db = array(grads["b"], (k, n_out), f"grads['b'] for {where}")
        diagnose(db, dz.sum(axis=1), [
            (dz.sum(axis=1) / N, "grads['b'] is the mean over the batch; it must be the sum, dz.sum(axis=1)"),
            (every.sum(axis=1), "dout went to every piece's bias; only the winning piece gets it"),
        ], f"grads['b'] for {where}")
        dx = array(r.get("dx"), (N, n_in), f"dx for {where}", "dx has the shape of x.")
        ex_dx = np.einsum("pno,pio->ni", dz, W)
        mistakes = [(sum(d @ W[p].T for p in range(k)), "dout went to every piece; "
                                                        "route it to the winner first, "
                                                        "then dx = Σ_p dz[p] @ W[p].T")]
        if k > 1:
            mistakes += [(dz[0] @ W[0].T, "dx holds only piece 0's contribution; "
                                          "x feeds every piece (a fork), so dx = Σ_p dz[p] @ W[p].T"),
                         (ex_dx / k, "dx is divided by k; the pieces' contributions add, "
                                     "they are not averaged")]
        diagnose(dx, ex_dx, mistakes, f"dx for {where}")


# ---- 8.3 softmax -------------------------------------------------------------------------------


def _softmax(s):
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _probe_softmax(rng):
    cases = [rng.normal(size=_shape(rng)), rng.normal(0.0, 300.0, size=_shape(rng, 2, 6)),
             np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1001.0, -999.0]]) + rng.normal(size=(2, 3)),
             rng.normal(size=(int(rng.integers(2, 5)), 1))]
    return Probe("return [softmax(s.copy()) for s in args]", cases)


def _judge_softmax(got, cases):
    got = items(got, len(cases), "one result per case")
    for p, s in zip(got, cases, strict=True):
        _finite_or_fail(p, f"softmax of scores of shape {s.shape}",
                        "e^s overflowed (e^710 is already inf) or every e^s underflowed to 0 (0/0 = nan). "
                        "Subtract each row's own largest score first: s − s.max(axis=1, keepdims=True)")
        p = array(p, s.shape, "p", "p has the shape of the scores, (N, C).")
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            row = np.exp(s - s.max(axis=1, keepdims=True))
            col = np.exp(s - s.max(axis=0, keepdims=True))
            mistakes = [(row / row.sum(), "you divided by the sum over the whole array; "
                                          "each row is normalised on its own: sum(axis=1, keepdims=True)"),
                        (row, "p is e^{s − max}, not yet divided by the row's sum"),
                        (np.exp(s), "p is e^s, not yet divided by the row's sum Σ_c e^{s_c}")]
            if s.shape[1] > 1:
                mistakes.insert(0, (col / col.sum(axis=0, keepdims=True), "you normalised each column "
                                                                          "(axis=0); a row is one sample, "
                                                                          "so sum over axis=1"))
            diagnose(p, _softmax(s), mistakes, f"softmax of scores of shape {s.shape}", rtol=1e-6, atol=1e-12)


# ---- 8.4 softmax + cross-entropy ---------------------------------------------------------------


def _log_p(s):
    m = s.max(axis=1, keepdims=True)
    return s - m - np.log(np.exp(s - m).sum(axis=1, keepdims=True))


def _probe_sce(rng):
    cases = []
    for scale in (1.0, 3.0, 1.0):
        N, C = (int(v) for v in rng.integers(2, 7, size=2))
        cases.append([rng.normal(0.0, scale, size=(N, C)), rng.integers(0, C, size=N)])
    far = rng.normal(size=(2, 3))
    far[0, 1] += 1000.0
    far[1, 0] += 800.0
    cases.append([far, np.array([0, 1])])  # p_y rounds to 0 in float64
    return Probe('''
def ref_softmax(s):
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)

with using(softmax_cross_entropy, softmax=ref_softmax):
    return [softmax_cross_entropy(s.copy(), y.copy()) for s, y in args]
''', cases)


def _judge_sce(got, cases):
    got = items(got, len(cases), "one result per case")
    for res, (s, y) in zip(got, cases, strict=True):
        N, C = s.shape
        E, ds = items(res, 2, "E, dscores")
        _finite_or_fail(E, "E", "Some p round to 0 for scores this far apart, and log 0 = −inf. "
                                "Compute log p as s − max − log Σ e^{s − max} (log-sum-exp) "
                                "instead of np.log(p)")
        E = number(E, "E")
        log_p = _log_p(s)
        ex_E = float(-log_p[np.arange(N), y].mean())
        diagnose(E, ex_E, [
            (ex_E * N, "E is the sum over the samples; the loss is their mean, −(1/N) Σ_k log p_{k, y_k}"),
            (-ex_E, "E has the wrong sign: the loss is −log p_y, which is ≥ 0"),
            (ex_E / C, "E is divided by N·C; average over the N samples only"),
        ], f"E for N = {N}, C = {C}", rtol=1e-6, atol=1e-9)
        ds = array(ds, (N, C), "dscores", "dscores has the shape of the scores, (N, C).")
        p, onehot = np.exp(log_p), np.eye(C)[y]
        exp = (p - onehot) / N
        with np.errstate(divide="ignore", invalid="ignore"):
            only_y = np.where(onehot > 0, -1.0 / np.where(onehot > 0, p, 1.0), 0.0) / N
        diagnose(ds, exp, [
            (p - onehot, "dscores is N times too big: E is a mean, so ∂E/∂s = (p − onehot(y)) / N"),
            (p / N, "the −1 at each sample's true class is missing: ∂E/∂s = (p − onehot(y)) / N"),
            (-exp, "dscores has the wrong sign: ∂E/∂s = (p − onehot(y)) / N, not (onehot(y) − p) / N"),
            (only_y, "you differentiated −log p_y with respect to p_y alone (−1/p_y); "
                     "the chain rule goes on through softmax, where every score of the row moves p_y, "
                     "and gives (p − onehot(y)) / N"),
        ], f"dscores for N = {N}, C = {C}", rtol=1e-6, atol=1e-10)


EXERCISE = Exercise("ex08_new_layers", tasks=(
    Task("ex08-elu-test", "8.1", "ELU with α", _probe_elu, _judge_elu),
    Task("ex08-maxout-test", "8.2", "Maxout backward", _probe_maxout, _judge_maxout),
    Task("ex08-softmax-test", "8.3", "a softmax that never overflows", _probe_softmax, _judge_softmax),
    Task("ex08-softmax-ce-test", "8.4", "softmax + cross-entropy", _probe_sce, _judge_sce),
))
