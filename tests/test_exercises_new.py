"""Exercises 8-10 (exB's): the solutions pass their checks, and every named mistake, planted on
purpose, gets its own message; correct answers written differently pass.

No kernels here: the solution notebooks' code cells are executed into a namespace and the checks
are called directly. (The trusted grader's verdicts on the same submissions are in
tests/test_grading_new.py.)
"""

from __future__ import annotations

import math
from pathlib import Path

import nbformat
import numpy as np
import pytest

from bpcourse import check

ROOT = Path(__file__).resolve().parents[1]


def solution_namespace(name: str) -> dict:
    """Run a solution notebook's code cells (not its test or grading cells) into a fresh namespace."""
    nb = nbformat.read(ROOT / "solutions" / f"{name}.ipynb", as_version=4)
    space: dict = {"__name__": f"solution_{name}"}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or meta.get("grade") or "grade_this_notebook" in cell.source:
            continue
        exec(compile(cell.source, f"{name}:{meta.get('grade_id')}", "exec"), space)  # noqa: S102
    return space


def expect(check_fn, impl, *words):
    """``check_fn(impl)`` must fail with a verdict naming the mistake (not 'not attempted')."""
    with pytest.raises(check.CheckFailed) as info:
        check_fn(impl)
    assert not isinstance(info.value, check.NotAttempted)
    message = str(info.value)
    assert "\n" not in message
    for w in words:
        assert w in message, f"{w!r} not in {message!r}"
    return message


def passes(check_fn, impl, capsys):
    check_fn(impl)
    assert "visible checks pass" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# ex08: ELU with α, Maxout, softmax + cross-entropy
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ex08():
    return solution_namespace("ex08_new_layers")


def test_ex08_solution_passes_every_check(ex08, capsys):
    passes(check.check_elu, ex08["ELU"], capsys)
    passes(check.check_maxout, ex08["Maxout"], capsys)
    passes(check.check_softmax, ex08["softmax"], capsys)
    passes(check.check_softmax_cross_entropy, ex08["softmax_cross_entropy"], capsys)


def _elu_cls(forward=None, slope=None):
    """An ELU whose forward or slope (a function of x, α, dout) is replaced by a planted mistake."""

    class E:
        def __init__(self, alpha=1.0):
            self.alpha, self.params, self.grads = alpha, {}, {}

        def forward(self, x):
            self.x = x
            if forward:
                return forward(x, self.alpha)
            return np.where(x > 0, x, self.alpha * np.expm1(np.minimum(x, 0.0)))

        def backward(self, dout):
            return slope(self.x, self.alpha, dout)

    return E


ELU_MISTAKES = [
    (lambda x, a, d: d * np.where(x > 0, 1.0, np.exp(np.minimum(x, 0))), ["left out α"]),
    (lambda x, a, d: d * np.where(x > 0, 1.0, a * np.expm1(np.minimum(x, 0))), ["ELU's value", "αe^x"]),
    (lambda x, a, d: d, ["passed dout through"]),
    (lambda x, a, d: np.where(x > 0, 1.0, a * np.exp(np.minimum(x, 0))), ["forgot to multiply by dout"]),
    (lambda x, a, d: d * np.where(d > 0, 1.0, a * np.exp(x)), ["not from dout"]),
    # a 0/1 mask times e^x: inf · 0 = nan at x = 1000
    (lambda x, a, d: d * ((x > 0) + (x <= 0) * a * np.exp(x)), ["nan or inf", "np.where"]),
]


@pytest.mark.parametrize("slope, words", ELU_MISTAKES)
def test_ex08_elu_mistakes_are_named(slope, words):
    with np.errstate(over="ignore", invalid="ignore"):
        expect(check.check_elu, _elu_cls(slope=slope), "task 8.1", *words)


def test_ex08_elu_forward_mistakes_are_named():
    right = ELU_MISTAKES[0][0]  # any slope: forward is checked first
    expect(check.check_elu, _elu_cls(forward=lambda x, a: np.where(x > 0, x, np.expm1(x)), slope=right),
           "forward", "left out α")
    expect(check.check_elu, _elu_cls(forward=lambda x, a: np.maximum(x, 0), slope=right), "ReLU")


def test_ex08_elu_correct_but_unusual(capsys):
    class ELUFromOutput:  # slope from the cached output: for x ≤ 0, αe^x = out + α
        def __init__(self, alpha=1.0):
            self.alpha = alpha

        def forward(self, x):
            self.pos = x > 0
            self.out = np.where(self.pos, x, self.alpha * (np.exp(np.minimum(x, 0)) - 1))
            return self.out

        def backward(self, dout):
            return np.where(self.pos, dout, dout * (self.out + self.alpha))

    class ELULoops:  # one element at a time, with math
        def __init__(self, alpha=1.0):
            self.alpha = alpha

        def forward(self, x):
            self.x = np.array(x, dtype=float)
            return np.vectorize(lambda v: v if v > 0 else self.alpha * math.expm1(v))(self.x)

        def backward(self, dout):
            dx = np.empty_like(self.x)
            for i, v in np.ndenumerate(self.x):
                dx[i] = dout[i] * (1.0 if v > 0 else self.alpha * math.exp(v))
            return dx

    passes(check.check_elu, ELUFromOutput, capsys)
    passes(check.check_elu, ELULoops, capsys)


def _maxout_cls(ex08, route):
    """The solution's Maxout with backward replaced: ``route(layer, dout)`` -> (dz (k, N, n_out), dx rule)."""
    base = ex08["Maxout"]

    class M(base):
        def backward(self, dout):
            W = self.params["W"]
            dz, dx = route(self, dout)
            self.grads["W"] = np.stack([self.x.T @ dz[p] for p in range(len(W))])
            self.grads["b"] = dz.sum(axis=1)
            return dx(dz, W) if dx else sum(dz[p] @ W[p].T for p in range(len(W)))

    return M


def _won(layer, k):
    return np.stack([layer.winner == p for p in range(k)])


MAXOUT_MISTAKES = [
    (lambda L, d: (np.stack([d] * len(L.params["W"])), None), ["dout went to every piece"]),
    (lambda L, d: (_won(L, len(L.params["W"])) * 1.0, None), ["forgot to multiply by dout"]),
    (lambda L, d: (~_won(L, len(L.params["W"])) * d, None), ["*lost*"]),
    (lambda L, d: (_won(L, len(L.params["W"])) * d, lambda dz, W: dz[0] @ W[0].T), ["only piece 0", "fork"]),
    (lambda L, d: (_won(L, len(L.params["W"])) * d,
                   lambda dz, W: sum(dz[p] @ W[p].T for p in range(len(W))) / len(W)), ["divided by k"]),
]


@pytest.mark.parametrize("route, words", MAXOUT_MISTAKES)
def test_ex08_maxout_mistakes_are_named(ex08, route, words):
    expect(check.check_maxout, _maxout_cls(ex08, route), "task 8.2", *words)


def test_ex08_maxout_mean_bias_and_transposed_dW_are_named(ex08):
    base = ex08["Maxout"]

    class MeanBias(base):
        def backward(self, dout):
            dx = super().backward(dout)
            self.grads["b"] = self.grads["b"] / dout.shape[0]
            return dx

    class TransposedW(base):
        def backward(self, dout):
            dx = super().backward(dout)
            self.grads["W"] = self.grads["W"].transpose(0, 2, 1).copy()
            return dx

    class NoGrads(base):
        def backward(self, dout):
            return dout @ self.params["W"][0].T

    expect(check.check_maxout, MeanBias, "mean over the batch")
    expect(check.check_maxout, TransposedW, "shape", "x.T @ dz[p]")
    expect(check.check_maxout, NoGrads, "must fill self.grads")


def test_ex08_maxout_correct_but_unusual(ex08, capsys):
    base = ex08["Maxout"]

    class MaxoutLoops(base):  # sample by sample, unit by unit, as the max gate would
        def backward(self, dout):
            W = self.params["W"]
            dW, db, dx = np.zeros_like(W), np.zeros(W.shape[::2]), np.zeros_like(self.x)
            for n in range(dout.shape[0]):
                for j in range(dout.shape[1]):
                    p = self.winner[n, j]
                    dW[p, :, j] += self.x[n] * dout[n, j]
                    db[p, j] += dout[n, j]
                    dx[n] += W[p, :, j] * dout[n, j]
            self.grads = {"W": dW, "b": db}
            return dx

    class MaxoutEinsum(base):  # one-hot mask and einsum
        def backward(self, dout):
            k = self.params["W"].shape[0]
            dz = (np.arange(k)[:, None, None] == self.winner[None]) * dout[None]
            self.grads = {"W": np.einsum("ni,pnj->pij", self.x, dz), "b": dz.sum(1)}
            return np.einsum("pnj,pij->ni", dz, self.params["W"])

    passes(check.check_maxout, MaxoutLoops, capsys)
    passes(check.check_maxout, MaxoutEinsum, capsys)


SOFTMAX_MISTAKES = [
    (lambda s: np.exp(s) / np.exp(s).sum(axis=1, keepdims=True), ["nan or inf", "largest score"]),
    (lambda s: np.exp(s - s.max(axis=0, keepdims=True)) / np.exp(s - s.max(axis=0, keepdims=True)).sum(
        axis=0, keepdims=True), ["each column", "axis=1"]),
    (lambda s: np.exp(s - s.max()) / np.exp(s - s.max()).sum(axis=1, keepdims=True), ["nan or inf"]),
    (lambda s: np.exp(s - s.max(axis=1, keepdims=True)), ["not yet divided"]),
    (lambda s: np.exp(s - s.max(axis=1, keepdims=True)) / np.exp(s - s.max(axis=1, keepdims=True)).sum(),
     ["whole array"]),
    (lambda s: np.exp(s - s.max(axis=1)) / np.exp(s - s.max(axis=1)).sum(axis=1), ["ValueError", "keepdims"]),
]


@pytest.mark.parametrize("fn, words", SOFTMAX_MISTAKES)
def test_ex08_softmax_mistakes_are_named(fn, words):
    with np.errstate(over="ignore", invalid="ignore"):
        expect(check.check_softmax, fn, "task 8.3", *words)


def test_ex08_softmax_correct_but_unusual(capsys):
    def via_logsumexp(s):
        m = s.max(axis=1, keepdims=True)
        return np.exp(s - m - np.log(np.exp(s - m).sum(axis=1, keepdims=True)))

    def row_by_row(s):
        out = []
        for row in s.tolist():
            m = max(row)
            e = [math.exp(v - m) for v in row]
            out.append([v / math.fsum(e) for v in e])
        return np.array(out)

    passes(check.check_softmax, via_logsumexp, capsys)
    passes(check.check_softmax, row_by_row, capsys)


def _sce(mistake=""):
    def softmax_cross_entropy(scores, y):
        N, C = scores.shape
        shifted = scores - scores.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        p = np.exp(log_p)
        if mistake == "naive log":
            with np.errstate(divide="ignore"):
                log_p = np.log(p)
        E = -log_p[np.arange(N), y].mean()
        onehot = np.eye(C)[y]
        only_y = np.where(onehot > 0, -1 / np.where(onehot > 0, p, 1), 0) / N
        d = {"no N": p - onehot, "no onehot": p / N, "sign": (onehot - p) / N, "only y": only_y}.get(
            mistake, (p - onehot) / N)
        if mistake == "sum":
            E = E * N
        return E, d

    return softmax_cross_entropy


@pytest.mark.parametrize("mistake, words", [
    ("no N", ["N times too big"]), ("no onehot", ["−1 at each sample's true class"]),
    ("sign", ["wrong sign"]), ("only y", ["p_y alone", "through softmax"]),
    ("sum", ["sum over the samples", "mean"]), ("naive log", ["log 0", "log-sum-exp"]),
])
def test_ex08_softmax_cross_entropy_mistakes_are_named(mistake, words):
    expect(check.check_softmax_cross_entropy, _sce(mistake), "task 8.4", *words)


def test_ex08_softmax_cross_entropy_correct_but_unusual(capsys):
    def elementwise(scores, y):  # one entry at a time: ∂E/∂s_kc = (p_kc − [c = y_k]) / N
        N, C = scores.shape
        lse = np.logaddexp.reduce(scores, axis=1)  # log Σ_c e^{s_kc}, computed stably by numpy
        E = float(np.mean([lse[k] - scores[k, y[k]] for k in range(N)]))
        d = np.zeros_like(scores)
        for k in range(N):
            for c in range(C):
                d[k, c] = (math.exp(scores[k, c] - lse[k]) - (c == y[k])) / N
        return E, d

    passes(check.check_softmax_cross_entropy, elementwise, capsys)
    passes(check.check_softmax_cross_entropy, _sce(""), capsys)


def test_ex08_softmax_cross_entropy_runs_with_the_reference_softmax(ex08, capsys):
    # A wrong 8.3 must not cost 8.4: the check swaps in its own softmax while it calls yours.
    space = dict(ex08)
    exec("def softmax(s):\n    return s\n", space)  # noqa: S102
    exec("def sce(scores, y):\n    N = len(y)\n    p = softmax(scores)\n    d = p.copy()\n"  # noqa: S102
         "    d[np.arange(N), y] -= 1\n    lse = np.logaddexp.reduce(scores, axis=1)\n"
         "    return (lse - scores[np.arange(N), y]).mean(), d / N\n", space)
    passes(check.check_softmax_cross_entropy, space["sce"], capsys)
    assert space["softmax"](3.0) == 3.0  # put back afterwards


# ---------------------------------------------------------------------------------------------
# ex09: the staged circuit f = (x + σ(y)) / (σ(x) + (x + y)²)
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ex09():
    return solution_namespace("ex09_staged_circuit")


def test_ex09_solution_passes_every_check(ex09, capsys):
    passes(check.check_forward_stages, ex09["forward_stages"], capsys)
    passes(check.check_backward_stages, ex09["backward_stages"], capsys)
    passes(check.check_centred_difference, ex09["centred_difference"], capsys)


def _naive_sigmoid(t):
    return 1.0 / (1.0 + math.exp(-t))


def _forward(ex09, **change):
    """The solution's forward pass with one stage computed by ``change[name](stages so far, x, y)``."""

    def forward_stages(x, y):
        sig = ex09["sigmoid"]
        st = {}
        rules = {"sy": lambda st: sig(y), "top": lambda st: x + st["sy"], "sx": lambda st: sig(x),
                 "s": lambda st: x + y, "s2": lambda st: st["s"] ** 2,
                 "bottom": lambda st: st["sx"] + st["s2"],
                 "r": lambda st: 1.0 / st["bottom"], "f": lambda st: st["top"] * st["r"]}
        for k, rule in rules.items():
            st[k] = change[k](st, x, y) if k in change else rule(st)
        return st

    return forward_stages


@pytest.mark.parametrize("change, words", [
    ({"sy": lambda st, x, y: _naive_sigmoid(x)}, ["sy is σ(x)"]),
    ({"sx": lambda st, x, y: _naive_sigmoid(y)}, ["sx is σ(y)"]),
    ({"s2": lambda st, x, y: x * x + y * y}, ["x² + y²"]),
    ({"bottom": lambda st, x, y: st["sx"] + st["s"]}, ["bottom is sx + s"]),
    ({"r": lambda st, x, y: st["bottom"]}, ["reciprocal"]),
    ({"sy": lambda st, x, y: _naive_sigmoid(y)}, ["OverflowError", "e^x / (1 + e^x)", "Likely cause"]),
])
def test_ex09_forward_mistakes_are_named(ex09, change, words):
    expect(check.check_forward_stages, _forward(ex09, **change), "task 9.1", *words)


def _backward(variant=""):
    """The staged backward pass with one planted mistake."""

    def backward_stages(x, y, st):
        df = 1.0
        dtop, dr = st["r"] * df, st["top"] * df
        dbottom = (1.0 if variant == "reciprocal sign" else -1.0) / st["bottom"] ** 2 * dr
        dsx = ds2 = dbottom
        ds = (1.0 if variant == "no 2" else 2.0) * st["s"] * ds2
        sig_x = st["sx"] * (1 - st["sx"])
        sig_y = st["sy"] * (1 - st["sy"])
        if variant == "wrong sigmoid":
            sig_x, sig_y = sig_y, sig_x
        if variant == "no sigmoid":
            sig_x = 1.0
        dx = ds
        if variant == "= for x":  # the later contributions overwrite instead of adding
            dx = sig_x * dsx
            dx = dtop
        else:
            dx += sig_x * dsx
            dx += dtop
        dsy = dtop
        dy = ds
        if variant == "= for y":
            dy = sig_y * dsy
        else:
            dy += sig_y * dsy
        if variant == "forgot top":
            dx -= dtop
        return {"df": df, "dr": dr, "dtop": dtop, "dbottom": dbottom, "dsx": dsx, "ds2": ds2, "ds": ds,
                "dsy": dsy, "dx": dx, "dy": dy}

    return backward_stages


@pytest.mark.parametrize("variant, words", [
    ("reciprocal sign", ["dbottom has the wrong sign", "−1/bottom²"]),
    ("no 2", ["missing the 2", "2s"]),
    ("wrong sigmoid", ["*that* sigmoid"]),
    ("no sigmoid", ["straight through the sigmoid sx"]),
    ("= for x", ["dx is missing the contribution through sx and s", "+="]),
    ("= for y", ["dy is missing the contribution through s", "fork"]),
    ("forgot top", ["dx is missing the contribution through top"]),
])
def test_ex09_backward_mistakes_are_named(variant, words):
    expect(check.check_backward_stages, _backward(variant), "task 9.2", *words)


def test_ex09_correct_but_unusual(capsys):
    def backward_in_one_go(x, y, st):  # every gradient written out from the chain rule, no reuse
        b, s = st["bottom"], st["s"]
        dbottom = -st["top"] / b**2
        return {"df": 1.0, "dr": st["top"], "dtop": 1 / b, "dbottom": dbottom, "dsx": dbottom,
                "ds2": dbottom, "ds": 2 * s * dbottom, "dsy": 1 / b,
                "dx": 1 / b + st["sx"] * (1 - st["sx"]) * dbottom + 2 * s * dbottom,
                "dy": st["sy"] * (1 - st["sy"]) / b + 2 * s * dbottom}

    def forward_with_tanh(x, y):  # σ(t) = ½(1 + tanh(t/2)): never overflows either
        sig = lambda t: 0.5 * (1 + math.tanh(t / 2))  # noqa: E731
        sy, sx, s = sig(y), sig(x), x + y
        return {"sy": sy, "top": x + sy, "sx": sx, "s": s, "s2": s * s, "bottom": sx + s * s,
                "r": 1 / (sx + s * s), "f": (x + sy) / (sx + s * s)}

    passes(check.check_backward_stages, backward_in_one_go, capsys)
    passes(check.check_forward_stages, forward_with_tanh, capsys)

    def centred_with_a_loop(fn, x, y, h=1e-5):
        out = []
        for dxh, dyh in ((h, 0.0), (0.0, h)):
            out.append((fn(x + dxh, y + dyh) - fn(x - dxh, y - dyh)) / (2 * h))
        return tuple(out)

    passes(check.check_centred_difference, centred_with_a_loop, capsys)


@pytest.mark.parametrize("fn, words", [
    (lambda fn, x, y, h=1e-5: ((fn(x + h, y) - fn(x, y)) / h, (fn(x, y + h) - fn(x, y)) / h), ["one-sided"]),
    (lambda fn, x, y, h=1e-5: ((fn(x + h, y) - fn(x - h, y)) / h, (fn(x, y + h) - fn(x, y - h)) / h),
     ["divide by 2h"]),
    (lambda fn, x, y, h=1e-5: ((fn(x + h, y + h) - fn(x - h, y - h)) / (2 * h),) * 2,
     ["one input at a time"]),
    (lambda fn, x, y, h=1e-5: ((fn(x + 1e-5, y) - fn(x - 1e-5, y)) / 2e-5,
                               (fn(x, y + 1e-5) - fn(x, y - 1e-5)) / 2e-5), ["the argument h"]),
])
def test_ex09_centred_difference_mistakes_are_named(fn, words):
    expect(check.check_centred_difference, fn, "task 9.3", *words)


# ---------------------------------------------------------------------------------------------
# ex10: predict, then check
# ---------------------------------------------------------------------------------------------

EX10 = {  # check, the solution's variable, wrong predictions with the hint each must get
    "max": (check.check_max_gate_prediction, "max_gate_grads",
            [((-3.0, 0.0), "*won*"), ((-3.0, -3.0), "router"), ((0.0, 1.0), "*upstream*")]),
    "shapes": (check.check_linear_shapes, "linear_shapes",
               [({"dx": (64, 784), "dW": (10, 784), "db": (10,)}, "transposed"),
                ({"dx": (64, 784), "dW": (784, 10), "db": (64, 10)}, "sums over the batch"),
                ({"dx": (784, 64), "dW": (784, 10), "db": (10,)}, "dx has the shape of x")]),
    "sign": (check.check_sign_prediction, "sign_dE_dw1", [(-1, "x₁ is negative"), (0, "none of the")]),
    "fork": (check.check_fork_prediction, "fork_dfdx", [(-1.0, "two paths"), (6.0, "two paths")]),
    "relu": (check.check_relu_prediction, "relu_dx",
             [([0, 5, 5], "slope as 0"), ([0, 0, 1], "does not replace it"), ([0, 0, 3], "forward output")]),
    "scale": (check.check_scale_prediction, "larger_gradient", [("x", "*other* input")]),
    "jacobian": (check.check_jacobian_prediction, "relu_jacobian_nonzeros",
                 [(4096 * 4096, "i ≠ j"), (0, "= 1")]),
}


@pytest.fixture(scope="module")
def ex10():
    return solution_namespace("ex10_predict_then_check")


@pytest.mark.parametrize("key", EX10)
def test_ex10_solution_passes_and_each_slip_gets_its_hint(ex10, key, capsys):
    check_fn, name, wrong = EX10[key]
    passes(check_fn, ex10[name], capsys)
    for value, words in wrong:
        message = expect(check_fn, value, "not quite", words)
        if not isinstance(ex10[name], str | int):  # (a sign or a name is too short to search for)
            assert str(ex10[name]) not in message  # the hint does not give the answer away


def test_ex10_correct_but_unusual(capsys):
    passes(check.check_max_gate_prediction, [0, -3], capsys)  # a list of ints
    passes(check.check_linear_shapes, {"db": [10], "dx": [64, 784], "dW": (784, 10)}, capsys)
    passes(check.check_fork_prediction, np.float32(5.0), capsys)
    passes(check.check_relu_prediction, np.array([0, 0, 5]), capsys)
    passes(check.check_jacobian_prediction, 4096.0, capsys)


# ---------------------------------------------------------------------------------------------
# nbgrader's hidden tests: pass on the reference, fail on a lookup table of the visible examples
# ---------------------------------------------------------------------------------------------


def _hidden(name: str, grade_id: str) -> str:
    nb = nbformat.read(ROOT / "solutions" / f"{name}.ipynb", as_version=4)
    (cell,) = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    return cell.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]


CIRCUIT_LOOKUP = """
def circuit_grads(x, y, z):  # the notebook's example, and nothing else
    return {(-2.0, 5.0, -4.0): (-12.0, -4.0, -4.0, 3.0)}.get((x, y, z), (0.0, 0.0, 0.0, 0.0))
"""
NEURON_LOOKUP = """
def neuron_grads(w, x):  # the notebook's example, and nothing else
    if list(w) == [2.0, -3.0, -3.0] and list(x) == [-1.0, -2.0]:
        s = 1 / (1 + math.exp(-1.0))
        return s, [-s * (1 - s), -2 * s * (1 - s), s * (1 - s)], [2 * s * (1 - s), -3 * s * (1 - s)]
    return 0.5, [0.0, 0.0, 0.0], [0.0, 0.0]
"""
G_LOOKUP = """
def output_gradient(yhat, y):  # the check's kind of input only: three outputs
    return yhat * (1 - yhat) * (y - yhat) if len(yhat) == 3 else np.zeros_like(yhat)
"""

LOOKUPS = {  # (exercise, test cell, solution name replaced, a lookup table of the visible examples)
    "circuit": ("ex01_gates", "ex01-circuit-test", "circuit_grads",
                "tests.test_exercises_new:CIRCUIT_LOOKUP"),
    "neuron": ("ex01_gates", "ex01-neuron-test", "neuron_grads", "tests.test_exercises_new:NEURON_LOOKUP"),
    "g": ("ex04_zhou_bp", "ex04-g-test", "output_gradient", "tests.test_exercises_new:G_LOOKUP"),
    "elu": ("ex08_new_layers", "ex08-elu-test", "ELU", "tests.test_grading_new:_lookup_elu"),
    "forward": ("ex09_staged_circuit", "ex09-forward-test", "forward_stages",
                "tests.test_grading_new:LOOKUP_FORWARD"),
}


@pytest.mark.parametrize("key", LOOKUPS)
def test_hidden_tests_pass_on_the_reference_and_fail_on_a_lookup_table(key):
    import importlib

    name, gid, _, source = LOOKUPS[key]
    hidden = _hidden(name, gid)
    exec(hidden, solution_namespace(name))  # noqa: S102  the reference passes
    module, attr = source.split(":")
    lookup = getattr(importlib.import_module(module), attr)
    lookup = lookup() if callable(lookup) else lookup
    space = solution_namespace(name)
    exec(lookup, space)  # noqa: S102
    with pytest.raises((AssertionError, KeyError, TypeError, ValueError)):
        exec(hidden, space)  # noqa: S102


@pytest.mark.parametrize("key", EX10)
def test_ex10_a_blank_prediction_is_not_attempted(key):
    check_fn = EX10[key][0]
    with pytest.raises(check.NotAttempted, match="not attempted yet"):
        check_fn(...)  # an answer cell starts as `name = ...`
