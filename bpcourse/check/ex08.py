"""Checks for exercise 8, backward passes the lectures did not derive (after lecture 05): ELU with
α, Maxout with k pieces, and softmax + cross-entropy.

Every expected gradient is a centred finite difference of a forward computation written here; the
named mistakes only put a name to a wrong answer.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bpcourse.functional import elu, elu_derivative

from ._task import Task, numgrad, using


def elu_forward_mistakes(x: np.ndarray, a: float) -> list[tuple[np.ndarray, str]]:
    """What the classic slips in ELU's forward give, each with what to tell the student."""
    return [
        (np.where(x > 0, x, np.expm1(x)), "forward: for x ≤ 0 ELU is α(e^x − 1); "
                                          f"you left out α (α = {a:g} here)"),
        (np.where(x > 0, x, a * np.exp(x)), "forward: for x ≤ 0 ELU is α(e^x − 1), 0 at x = 0; "
                                            "you left out the − 1"),
        (np.maximum(x, 0.0), "forward: that is ReLU; for x ≤ 0 ELU is α(e^x − 1), not 0"),
    ]


def elu_backward_mistakes(x: np.ndarray, d: np.ndarray, a: float) -> list[tuple[np.ndarray, str]]:
    """What the classic slips in ELU's backward give for upstream ``d``, each with what to say."""
    slope = elu_derivative(x, a)
    return [
        (d * np.where(x > 0, 1.0, np.exp(x)), "for x ≤ 0 the slope of α(e^x − 1) is αe^x; "
                                              f"you left out α (α = {a:g} here)"),
        (d * np.where(x > 0, 1.0, a * np.expm1(x)), "for x ≤ 0 you multiplied by α(e^x − 1), "
                                                    "which is ELU's value; its slope is αe^x"),
        (d, "you passed dout through everywhere; for x ≤ 0 the slope is αe^x, not 1"),
        (slope, "you returned the slope but forgot to multiply by dout: dx = dout · slope"),
        (d * np.where(d > 0, 1.0, a * np.exp(x)), "the mask must come from the forward input x "
                                                  "(cached in forward), not from dout"),
        (d * np.where(d > 0, 1.0, a * np.exp(np.minimum(x, 0.0))),
         "the mask must come from the forward input x (cached in forward), not from dout"),
        (d * np.where(x > 0, 1.0, a), "for x ≤ 0 the slope is αe^x; you used α alone"),
        (-d * slope, "dx has the wrong sign"),
    ]


def _finite(t: Task, name: str, value, why: str) -> None:
    """Fail with ``why`` when ``value`` holds nan or inf (before the generic shape checks)."""
    __tracebackhide__ = True
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return
    if arr.size and not np.all(np.isfinite(arr)):
        t.fail(f"{name} contains nan or inf. {why}")


_ELU_OVERFLOW = ("For the large positive x in this example, e^x overflowed to inf, and inf · 0 = nan "
                 "when a 0/1 mask multiplies it. Pick with np.where instead of multiplying by a mask, "
                 "or take np.exp(np.minimum(x, 0)), which never overflows.")


@np.errstate(over="ignore", invalid="ignore")
def check_elu(ELU: type) -> None:
    """Task 8.1: ``ELU(alpha)``: forward x or α(e^x − 1); backward dout · (1 or αe^x)."""
    t = Task("8.1", "ELU with α")
    rng = np.random.default_rng(81)
    for alpha, shape in [(0.3, (4, 3)), (2.5, (2, 5))]:
        x = rng.normal(0.0, 1.5, size=shape)
        dout = rng.normal(size=shape)
        layer = t.call(ELU, alpha, what=f"ELU(alpha={alpha})")
        out = t.call(layer.forward, x.copy(), what="ELU.forward")
        out = t.array("forward's output", out, shape)
        exp_out = elu(x, alpha)
        t.diagnose(out, exp_out, elu_forward_mistakes(x, alpha), "forward's output")
        dx = t.call(layer.backward, dout.copy(), what="ELU.backward")
        dx = t.array("dx", dx, shape, "dx has the shape of x")
        exp = numgrad(lambda a: float(np.sum(elu(a, alpha) * dout)), x.copy())  # noqa: B023
        t.diagnose(dx, exp, elu_backward_mistakes(x, dout, alpha), "dx")
    # e^1000 overflows: forward and backward must stay finite all the same.
    x = np.array([[1000.0, -2.0, 0.5]])
    layer = t.call(ELU, 0.7, what="ELU(alpha=0.7)")
    out = t.call(layer.forward, x.copy(), what="ELU.forward")
    _finite(t, "forward's output at x = 1000", out, _ELU_OVERFLOW)
    dx = t.call(layer.backward, np.ones_like(x), what="ELU.backward")
    _finite(t, "dx at x = 1000", dx, _ELU_OVERFLOW)
    t.diagnose(t.array("dx at x = [1000, −2, 0.5]", dx, (1, 3)), [[1.0, 0.7 * np.exp(-2.0), 1.0]], [],
               "dx at x = [1000, −2, 0.5]")
    t.ok()


def _maxout_forward(x, W, b):
    return np.max(np.einsum("ni,pio->pno", x, W) + b[:, None, :], axis=0)


def check_maxout(Maxout: type) -> None:
    """Task 8.2: ``Maxout.backward(dout)`` returns dx and fills grads['W'] and grads['b']."""
    t = Task("8.2", "Maxout backward")
    rng = np.random.default_rng(82)
    for N, n_in, n_out, k in [(5, 3, 2, 3), (4, 2, 2, 2)]:
        layer = t.call(Maxout, n_in, n_out, k=k, what=f"Maxout({n_in}, {n_out}, k={k})")
        W, b = rng.normal(size=(k, n_in, n_out)), rng.normal(size=(k, n_out))
        layer.params["W"], layer.params["b"] = W.copy(), b.copy()
        x, dout = rng.normal(size=(N, n_in)), rng.normal(size=(N, n_out))
        t.call(layer.forward, x.copy(), what="Maxout.forward")
        dx = t.call(layer.backward, dout.copy(), what="Maxout.backward")
        grads = getattr(layer, "grads", None)
        if not isinstance(grads, dict) or not {"W", "b"} <= set(grads):
            t.fail(f"backward must fill self.grads['W'] and self.grads['b'], got {grads!r}")
        # References: finite differences of the scalar Σ out ⊙ dout, whose gradient in out is dout.
        ex_dx = numgrad(lambda a: float(np.sum(_maxout_forward(a, W, b) * dout)), x.copy())  # noqa: B023
        ex_dW = numgrad(lambda a: float(np.sum(_maxout_forward(x, a, b) * dout)), W.copy())  # noqa: B023
        ex_db = numgrad(lambda a: float(np.sum(_maxout_forward(x, W, a) * dout)), b.copy())  # noqa: B023
        z = np.einsum("ni,pio->pno", x, W) + b[:, None, :]
        won = np.arange(k)[:, None, None] == np.argmax(z, axis=0)[None]  # (k, N, n_out)
        every = np.broadcast_to(dout, (k, N, n_out))
        lost = (~won) * dout
        dW = t.array("grads['W']", grads["W"], (k, n_in, n_out),
                     "Each piece's gradient is x.T @ dz[p], of shape (n_in, n_out), "
                     "stacked over the k pieces.")
        t.diagnose(dW, ex_dW, [
            (np.einsum("ni,pno->pio", x, every),
             "dout went to every piece; the max gate routes it to the winning piece only: "
             "dz[p] = dout where piece p won, 0 elsewhere"),
            (np.einsum("ni,pno->pio", x, won * 1.0),
             "you forgot to multiply by dout: dz[p] = dout where piece p won, "
             "and grads['W'][p] = x.T @ dz[p]"),
            (np.einsum("ni,pno->pio", x, lost),
             "dout went to the pieces that *lost*; it belongs to the winner, self.winner == p"),
            (ex_dW / N, "grads['W'] is divided by N; a layer sums over the batch "
                        "(the loss does any averaging)"),
        ], "grads['W']")
        db = t.array("grads['b']", grads["b"], (k, n_out), "grads['b'][p] is dz[p] summed over the batch.")
        t.diagnose(db, ex_db, [
            (ex_db / N, "grads['b'] is the mean over the batch; it must be the sum, dz.sum(axis=1)"),
            (every.sum(axis=1), "dout went to every piece's bias; only the winning piece gets it"),
        ], "grads['b']")
        dx = t.array("dx", dx, (N, n_in), "dx has the shape of x.")
        t.diagnose(dx, ex_dx, [
            ((won[0] * dout) @ W[0].T,
             "dx holds only piece 0's contribution; x feeds every piece (a fork), "
             "so dx = Σ_p dz[p] @ W[p].T"),
            (sum(dout @ W[p].T for p in range(k)),
             "dout went to every piece; route it to the winner first, then dx = Σ_p dz[p] @ W[p].T"),
            (sum((won[p] * dout) @ W[p].T for p in range(k)) / k,
             "dx is divided by k; the pieces' contributions add, they are not averaged"),
        ], "dx")
    t.ok()


def _softmax(s):
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore")
def check_softmax(softmax: Callable) -> None:
    """Task 8.3: ``softmax(scores)``: each row e^s / Σ e^s, without overflow."""
    t = Task("8.3", "a softmax that never overflows")
    rng = np.random.default_rng(83)
    cases = [rng.normal(size=(3, 4)), rng.normal(size=(1, 5)),
             np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1001.0, -999.0]])]
    for s in cases:
        p = t.call(softmax, s.copy())
        _finite(t, f"softmax of scores {s.shape}", p,
                "e^s overflowed (e^710 is already inf) or every e^s underflowed to 0 (0/0 = nan). "
                "Subtract each row's own largest score first: s − s.max(axis=1, keepdims=True)")
        p = t.array("p", p, s.shape, "p has the shape of the scores, (N, C).")
        exp = _softmax(s)
        col = np.exp(s - s.max(axis=0, keepdims=True))
        row = np.exp(s - s.max(axis=1, keepdims=True))
        t.diagnose(p, exp, [
            (col / col.sum(axis=0, keepdims=True), "you normalised each column (axis=0); a row is one "
                                                   "sample, so sum over axis=1"),
            (row / row.sum(), "you divided by the sum over the whole array; each row is normalised on its "
                              "own: sum(axis=1, keepdims=True)"),
            (row, "p is e^{s − max}, not yet divided by the row's sum"),
            (np.exp(s), "p is e^s, not yet divided by the row's sum Σ_c e^{s_c}"),
        ], f"softmax of scores {s.shape}", rtol=1e-6, atol=1e-12)
    t.ok()


def _sce(s, y):
    """The loss −(1/N) Σ_k log p_{k, y_k}, written through log-sum-exp."""
    m = s.max(axis=1, keepdims=True)
    log_p = s - m - np.log(np.exp(s - m).sum(axis=1, keepdims=True))
    return float(-log_p[np.arange(len(y)), y].mean())


@np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore")
def check_softmax_cross_entropy(softmax_cross_entropy: Callable) -> None:
    """Task 8.4: ``softmax_cross_entropy(scores, y)`` returns ``(E, dscores)``, E the mean cross-entropy."""
    t = Task("8.4", "softmax + cross-entropy")
    rng = np.random.default_rng(84)
    cases = [(rng.normal(size=(4, 3)), rng.integers(0, 3, size=4)),
             (rng.normal(0.0, 2.0, size=(3, 5)), rng.integers(0, 5, size=3)),
             (np.array([[0.0, 1000.0, -5.0], [800.0, 0.0, 1.0]]), np.array([0, 1]))]  # p_y rounds to 0
    for s, y in cases:
        N, C = s.shape
        scale = np.abs(s).max()
        with using(softmax_cross_entropy, softmax=_softmax):  # your 8.3 is graded in 8.3 only
            res = t.call(softmax_cross_entropy, s.copy(), y.copy())
        E, ds = t.tuple(res, 2, "E, dscores")
        _finite(t, f"E for scores of size {scale:g}", E,
                "Scores this large make some p round to 0, and log 0 = −inf. Compute log p as "
                "s − max − log Σ e^{s − max} (log-sum-exp) instead of np.log(p)")
        E = t.number("E", E)
        ex_E = _sce(s, y)
        p = _softmax(s)
        t.diagnose(E, ex_E, [
            (ex_E * N, "E is the sum over the samples; the loss is their mean, −(1/N) Σ_k log p_{k, y_k}"),
            (-ex_E, "E has the wrong sign: the loss is −log p_y, which is ≥ 0"),
            (ex_E / C, "E is divided by N·C; average over the N samples only"),
        ], "E", rtol=1e-6, atol=1e-9)
        ds = t.array("dscores", ds, (N, C), "dscores has the shape of the scores, (N, C).")
        exp = numgrad(lambda a: _sce(a, y), s.copy())  # noqa: B023
        onehot = np.eye(C)[y]
        only_y = np.where(onehot > 0, -1.0 / np.where(onehot > 0, p, 1.0), 0.0) / N
        t.diagnose(ds, exp, [
            (exp * N, "dscores is N times too big: E is a mean, so ∂E/∂s = (p − onehot(y)) / N"),
            (p / N, "the −1 at each sample's true class is missing: ∂E/∂s = (p − onehot(y)) / N"),
            (-exp, "dscores has the wrong sign: ∂E/∂s = (p − onehot(y)) / N, not (onehot(y) − p) / N"),
            (only_y, "you differentiated −log p_y with respect to p_y alone (−1/p_y); "
                     "the chain rule goes on through softmax, where every score of the row moves p_y, "
                     "and gives (p − onehot(y)) / N"),
            (p - onehot, "dscores is N times too big: E is a mean, so ∂E/∂s = (p − onehot(y)) / N"),
        ], "dscores", rtol=1e-5, atol=1e-8)
    t.ok()
