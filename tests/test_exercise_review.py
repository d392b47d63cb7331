"""Answers a student plausibly writes, found wrongly judged by a review of ex01-ex07 as a student and as
a lecturer: the in-notebook check and the trusted grader must agree on each, and name the mistake.

Each case is one that was judged wrongly before: a wrong answer the visible check passed (the grade
then failed it, a surprise), a correct answer the visible check failed, or a failure whose message
named nothing ('expected an array of shape (13,), got an array of shape (13,)').
"""

import math
from pathlib import Path

import nbformat
import numpy as np
import pytest

from bpcourse import check
from bpcourse import grade as grade_module
from bpcourse.check import ex04 as check_ex04
from bpcourse.grade import grade

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"


def fails_with(check_fn, impl, *words):
    with pytest.raises(AssertionError) as info:
        check_fn(impl)
    assert not isinstance(info.value, check.NotAttempted)
    message = str(info.value)
    for w in words:
        assert w in message, f"{w!r} not in {message!r}"


# ---- ex01 --------------------------------------------------------------------------------------


class NaiveSigmoid:
    """1/(1 + e^(−x)) for every x: math.exp overflows at x = −1000, as task 1.4 warns."""

    def forward(self, x):
        self.s = 1 / (1 + math.exp(-x))
        return self.s

    def backward(self, dout):
        return (self.s * (1 - self.s) * dout,)


def test_a_sigmoid_gate_that_overflows_fails_the_visible_check_as_it_fails_the_grade():
    fails_with(check.check_sigmoid_gate, NaiveSigmoid, "OverflowError", "e^x / (1 + e^x)")


def test_circuits_computed_by_formula_are_named_by_the_check_as_by_the_grader():
    def circuit_by_formula(x, y, z):
        return (x + y) * z, z, z, x + y

    def fork_by_formula(x, y):
        return x * x + x * y, 2 * x + y, x

    fails_with(check.check_circuit, circuit_by_formula, "no gate's backward was called")
    fails_with(check.check_fork, fork_by_formula, "no gate's backward was called")


def test_a_neuron_that_multiplies_by_the_sigmoid_derivative_twice_is_named():
    def neuron_twice(w, x):
        mul0, mul1, add0, add1, sig = MultiplyGate(), MultiplyGate(), AddGate(), AddGate(), SigmoidGate()  # noqa: F821
        z = add1.forward(add0.forward(mul0.forward(w[0], x[0]), mul1.forward(w[1], x[1])), w[2])
        f = sig.forward(z)
        (dz,) = sig.backward(1.0)
        dz = dz * f * (1 - f)  # the sigmoid's derivative once more
        ds, dw2 = add1.backward(dz)
        dp0, dp1 = add0.backward(ds)
        dw0, dx0 = mul0.backward(dp0)
        dw1, dx1 = mul1.backward(dp1)
        return f, [dw0, dw1, dw2], [dx0, dx1]

    # The check swaps its reference gates in for these names, as it does in the notebook.
    neuron_twice.__globals__.update(MultiplyGate=None, AddGate=None, SigmoidGate=None)
    try:
        fails_with(check.check_neuron, neuron_twice, "applied twice")
    finally:
        for k in ("MultiplyGate", "AddGate", "SigmoidGate"):
            neuron_twice.__globals__.pop(k, None)


# ---- ex02 --------------------------------------------------------------------------------------


def test_a_recursive_topological_order_fails_the_visible_check_as_it_fails_the_grade():
    def recursive(graph):
        order, seen = [], set()

        def visit(n):
            if n in seen:
                return
            seen.add(n)
            for p in graph[n][1]:
                visit(p)
            order.append(n)

        for n in graph:
            visit(n)
        return order

    fails_with(check.check_topological_order, recursive, "RecursionError", "explicit stack")


def test_task_2_1_says_that_recursion_is_not_enough():
    nb = nbformat.read(SOLUTIONS / "ex02_backprop_as_dp.ipynb", as_version=4)
    text = next(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "ex02-md-04")
    assert "prefer" not in text and "explicit stack" in text and "thousands of nodes" in text


# ---- ex03 --------------------------------------------------------------------------------------


def test_a_train_that_keeps_references_to_the_grads_dicts_passes_the_visible_check(capsys):
    def train(X, Y, hidden=16, epochs=300, lr=2.0, seed=0):
        rng = np.random.default_rng(seed)
        layers = [Linear(X.shape[1], hidden, rng), ReLU(), Linear(hidden, Y.shape[1], rng), Sigmoid()]  # noqa: F821
        slots = [(layer.params, layer.grads, k) for layer in layers for k in layer.params]
        history = []
        for _ in range(epochs):
            history.append(forward_backward(layers, X, Y))  # noqa: F821
            for params, grads, k in slots:  # the dicts themselves, kept from before the first backward
                params[k] = params[k] - lr * grads[k]
        return history

    from bpcourse.check.ex03 import ref_forward_backward as _ref_forward_backward

    space = train.__globals__
    space.update(Linear=None, ReLU=None, Sigmoid=None, forward_backward=_ref_forward_backward)
    try:
        check.check_training(train)
    finally:
        for k in ("Linear", "ReLU", "Sigmoid", "forward_backward"):
            space.pop(k, None)
    assert "✓ task 3.6" in capsys.readouterr().out


def test_a_sigmoid_layer_that_applies_the_sigmoid_twice_is_named_by_the_check():
    class DoubleSigmoid:
        def __init__(self):
            self.params, self.grads = {}, {}

        def forward(self, x):
            self.out = 0.5 * (1 + np.tanh(0.5 * x))
            return self.out

        def backward(self, dout):
            s = 0.5 * (1 + np.tanh(0.5 * self.out))
            return dout * s * (1 - s)

    fails_with(check.check_sigmoid_layer, DoubleSigmoid, "twice")


# ---- ex04 --------------------------------------------------------------------------------------


def _zhou_steps(P, x, y, eta, w_first=False):
    b, yhat = check_ex04._zhou_forward(P, x)
    g = yhat * (1 - yhat) * (y - yhat)
    w = P["w"] + eta * np.outer(b, g) if w_first else P["w"]
    e = b * (1 - b) * (w @ g)
    return {"w": eta * np.outer(b, g), "theta": -eta * g, "v": eta * np.outer(x, e), "gamma": -eta * e}


def standard_from_the_old_parameters(params, X, Y, eta):
    new = {k: v.copy() for k, v in params.items()}
    for x, y in zip(X, Y, strict=True):
        for k, d in _zhou_steps(params, x, y, eta).items():
            new[k] += d
    return new


def standard_w_first(params, X, Y, eta):
    P = {k: v.copy() for k, v in params.items()}
    for x, y in zip(X, Y, strict=True):
        for k, d in _zhou_steps(P, x, y, eta, w_first=True).items():
            P[k] = P[k] + d
    return P


def accumulated_applied_per_sample(params, X, Y, eta):
    P = {k: v.copy() for k, v in params.items()}
    for x, y in zip(X, Y, strict=True):
        for k, d in _zhou_steps(P, x, y, eta).items():
            P[k] = P[k] + d / len(X)
    return P


def test_epoch_mistakes_are_named_by_the_check():
    fails_with(check.check_standard_epoch, standard_from_the_old_parameters, "the epoch started with")
    fails_with(check.check_standard_epoch, standard_w_first, "updated w before computing e_h")
    fails_with(check.check_accumulated_epoch, accumulated_applied_per_sample, "later samples saw changed")


# ---- the grader, on the same answers -------------------------------------------------------------

EPOCH_CELLS = {
    "ex04-standard": "def standard_bp_epoch(params, X, Y, eta):\n"
                     "    new = {k: v.copy() for k, v in params.items()}\n"
                     "    for x, y in zip(X, Y):\n"
                     "        b, yhat = forward(params, x)\n"
                     "        g = output_gradient(yhat, y)\n"
                     "        e = hidden_gradient(b, params['w'], g)\n"
                     "        for k, delta in updates(x, b, g, e, eta).items():\n"
                     "            new[k] += delta\n"
                     "    return new\n",
    "ex04-accumulated": "def accumulated_bp_epoch(params, X, Y, eta):\n"
                        "    params = {k: v.copy() for k, v in params.items()}\n"
                        "    for x, y in zip(X, Y):\n"
                        "        b, yhat = forward(params, x)\n"
                        "        g = output_gradient(yhat, y)\n"
                        "        e = hidden_gradient(b, params['w'], g)\n"
                        "        for k, delta in updates(x, b, g, e, eta).items():\n"
                        "            params[k] += delta / len(X)\n"
                        "    return params\n",
}
NEURON_TWICE = [("(dz,) = sig.backward(1.0)", "(dz,) = sig.backward(1.0)\n    dz = dz * f * (1 - f)")]


def _submission(folder, name, exercise, changes):
    nb = nbformat.read(SOLUTIONS / f"{exercise}.ipynb", as_version=4)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in changes:
            change = changes[gid]
            if isinstance(change, str):
                cell.source = change
            else:
                for old, new in change:
                    assert old in cell.source, (gid, old)
                    cell.source = cell.source.replace(old, new)
    path = folder / f"{name}_{exercise}.ipynb"
    nbformat.write(nb, path)
    return path


def test_the_grader_names_the_epoch_and_neuron_mistakes_and_takes_only_their_tasks(tmp_path):
    paths = [_submission(tmp_path, "epochs", "ex04_zhou_bp", EPOCH_CELLS),
             _submission(tmp_path, "twice", "ex01_gates", {"ex01-neuron": NEURON_TWICE})]
    epochs, twice = grade(paths, SOLUTIONS, timeout=20.0, echo=False, jobs=2, seed="review")
    by_id = {t.grade_id: t for t in epochs.tasks}
    assert "the epoch started with" in by_id["ex04-standard-test"].message
    assert "later samples saw changed" in by_id["ex04-accumulated-test"].message
    assert epochs.earned == epochs.points - 4
    assert "applied twice" in {t.grade_id: t for t in twice.tasks}["ex01-neuron-test"].message
    assert twice.earned == twice.points - 2
    for t in epochs.tasks + twice.tasks:
        assert "an array of shape" not in t.message


def test_a_large_wrong_array_says_where_it_is_wrong():
    from bpcourse.grading.spec import Wrong, diagnose

    expected = np.arange(13.0)
    got = expected.copy()
    got[3] += 1
    with pytest.raises(Wrong) as info:
        diagnose(got, expected, [], "the new parameters")
    assert "1 of its 13 entries are off" in str(info.value) and "[3]" in str(info.value)


# ---- grading from inside a notebook whose kernel does not know the notebook's name ---------------


def test_grade_this_notebook_finds_its_exercise_from_the_checks_the_kernel_imported(tmp_path, monkeypatch):
    for name in ("ex01_gates.ipynb", "ex04_zhou_bp.ipynb"):
        (tmp_path / name).write_text("{}")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)

    class Shell:
        user_ns = {"In": ["", "import numpy as np", "from bpcourse.check import check_output_gradient\n\n"
                                                     "check_output_gradient(output_gradient)"]}

    import IPython

    monkeypatch.setattr(IPython, "get_ipython", lambda: Shell())
    assert grade_module._this_notebook() == (tmp_path / "ex04_zhou_bp.ipynb").resolve()
    Shell.user_ns = {"In": ["import numpy as np"]}
    with pytest.raises(FileNotFoundError, match="grade_this_notebook"):
        grade_module._this_notebook()


# ---- ex05 and ex06 -------------------------------------------------------------------------------

APPLY_WITHOUT_DOIT = [(").doit()", ")")]
DV_SWAPPED = [("return apply_5_9(sp.diff(E_k, v[i, h]))", "return apply_5_9(sp.diff(E_k, v[h, i]))")]
# A swapped multiply and a power one degree too high make the MLP's numbers blow up; tanh written
# with exp then overflows inside the student's engine while train itself is right.
ENGINE_OVERFLOWS = {
    "ex06-mul": [("(other.data, self.data)", "(self.data, other.data)")],
    "ex06-pow-exp": [("(p * self.data ** (p - 1),)", "(p * self.data**p,)")],
    "ex06-activations": [("    t = math.tanh(self.data)\n",
                          "    e2 = math.exp(2 * self.data)\n    t = (e2 - 1) / (e2 + 1)\n")],
}


def test_sympy_and_engine_mistakes_are_named_by_the_check(capsys):
    import sympy as sp

    def apply_without_doit(expr):
        return expr.replace(lambda a: isinstance(a, sp.Derivative), lambda a: a.expr * (1 - a.expr))

    fails_with(check.check_apply_5_9, apply_without_doit, ".doit()")

    from bpcourse.check.ex05 import _ref_sym, _zhou_symbols
    from bpcourse.check.ex05 import ref_apply_5_9 as _ref_apply_5_9

    def dE_dv_swapped(i, h):
        v = _zhou_symbols()[3]
        return _ref_apply_5_9(sp.diff(_ref_sym()[2], v[h, i]))

    fails_with(check.check_dE_dv, dE_dv_swapped, "i and h are swapped")


def test_the_grader_names_the_sympy_mistakes_and_an_engine_crash_in_one_line(tmp_path):
    paths = [_submission(tmp_path, "sympy", "ex05_sympy_derivation",
                         {"ex05-apply59": APPLY_WITHOUT_DOIT, "ex05-dv": DV_SWAPPED}),
             _submission(tmp_path, "engine", "ex06_autograd_engine", ENGINE_OVERFLOWS)]
    sym, eng = grade(paths, SOLUTIONS, timeout=30.0, echo=False, jobs=2, seed="review")
    by_id = {t.grade_id: t for t in sym.tasks}
    assert ".doit()" in by_id["ex05-apply59-test"].message
    assert "i and h are swapped" in by_id["ex05-dv-test"].message
    assert sym.earned == sym.points - 4
    train = {t.grade_id: t for t in eng.tasks}["ex06-train-test"]
    assert train.earned == 0 and "OverflowError" in train.message and train.message.count("raised") == 1
