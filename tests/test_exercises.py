"""solutions/ -> exercises/: up to date, no solution text leaks, nbgrader metadata; and every
named common mistake, planted on purpose, gets its own message from bpcourse.check.

No kernels here: the checks are called directly. (tests/test_grade.py runs the notebooks.)
"""

import math
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
import sympy as sp

from bpcourse import check
from bpcourse.check import ex02, ex04, ex05
from bpcourse.exercises import clear_solutions, generate, make_exercise, remove_hidden_tests

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
FIRST_FIVE = ["ex01_gates", "ex02_backprop_as_dp", "ex03_layers", "ex04_zhou_bp", "ex05_sympy_derivation"]
NAMES = sorted(p.stem for p in SOLUTIONS.glob("*.ipynb"))


def _read(folder, name):
    return nbformat.read(folder / f"{name}.ipynb", as_version=4)


def _nbg(cell):
    return cell.metadata.get("nbgrader", {})


# ---------------------------------------------------------------------------------------------
# The generated folder
# ---------------------------------------------------------------------------------------------


def test_every_exercise_exists_in_both_folders():
    assert set(FIRST_FIVE) <= set(NAMES)
    assert {"ex08_new_layers"} <= set(NAMES)
    assert sorted(p.stem for p in EXERCISES.glob("*.ipynb")) == NAMES
    for name in NAMES:
        assert re.fullmatch(r"ex\d\d_[a-z0-9_]+", name), name


def test_exercises_are_up_to_date_byte_for_byte(tmp_path):
    written = generate(SOLUTIONS, tmp_path)
    assert [p.name for p in written] == [f"{n}.ipynb" for n in NAMES]
    for p in written:
        assert p.read_bytes() == (EXERCISES / p.name).read_bytes(), (
            f"exercises/{p.name} is stale: run `python -m bpcourse exercises`")
    again = generate(SOLUTIONS, tmp_path / "again")
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in written]


@pytest.mark.parametrize("name", NAMES)
def test_no_solution_text_in_exercises(name):
    sol, ex = _read(SOLUTIONS, name), _read(EXERCISES, name)
    assert len(sol.cells) == len(ex.cells)
    text = (EXERCISES / f"{name}.ipynb").read_text(encoding="utf-8")
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text
    n_blocks = 0
    for s, e in zip(sol.cells, ex.cells, strict=True):
        assert _nbg(s) == _nbg(e) and s.cell_type == e.cell_type
        if e.cell_type == "code":
            assert e.outputs == [] and e.execution_count is None
        blocks = re.findall(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", s.source, flags=re.S)
        for _kind, body in blocks:
            for line in body.splitlines():
                line = line.strip()
                if len(line) > 12 and not line.startswith("#"):  # a line with real content
                    assert line not in e.source, f"{name}: solution text leaked into exercises: {line!r}"
        sol_blocks = s.source.count("### BEGIN SOLUTION")
        n_blocks += sol_blocks
        if e.cell_type == "code":
            # Each solution block became exactly one stub that raises NotImplementedError...
            assert e.source.count("raise NotImplementedError()") == sol_blocks
            compile(e.source, f"{name} cell", "exec")  # ...and the stubbed cell is valid Python
    assert n_blocks >= 3


@pytest.mark.parametrize("name", NAMES)
def test_nbgrader_schema_3_metadata(name):
    nb = _read(SOLUTIONS, name)
    ids = [_nbg(c).get("grade_id") for c in nb.cells]
    assert all(ids) and len(set(ids)) == len(ids), "every cell has a unique grade_id"
    graded = [c for c in nb.cells if _nbg(c).get("grade")]
    assert len(graded) >= 3, "several graded tasks"
    for c in nb.cells:
        meta = _nbg(c)
        assert meta["schema_version"] == 3
        assert {"grade", "solution", "locked", "grade_id", "task"} <= set(meta)
        if meta["grade"]:
            assert meta["points"] > 0 and meta["locked"] and not meta["solution"]
            assert "from bpcourse.check import check_" in c.source, "visible tests call a named check"
        if meta["solution"]:
            assert not meta["locked"] and "### BEGIN SOLUTION" in c.source
    solution_ids = {_nbg(c)["grade_id"] for c in nb.cells if _nbg(c)["solution"]}
    assert len(solution_ids) >= len(graded)


def test_clear_solutions_keeps_the_indentation():
    src = "def f(x):\n    y = 1\n    ### BEGIN SOLUTION\n    return x + y\n    ### END SOLUTION\n"
    stub = "def f(x):\n    y = 1\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"
    assert clear_solutions(src) == stub
    assert clear_solutions("### BEGIN SOLUTION\nanswer\n### END SOLUTION", "markdown") == "YOUR ANSWER HERE"
    assert remove_hidden_tests("a\n### BEGIN HIDDEN TESTS\nsecret\n### END HIDDEN TESTS\n") == "a"


@pytest.mark.parametrize("src", ["### BEGIN SOLUTION\nx", "x\n### END SOLUTION",
                                 "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION"])
def test_unbalanced_markers_are_an_error(src):
    with pytest.raises(ValueError, match="SOLUTION"):
        clear_solutions(src)


def test_make_exercise_leaves_the_solution_alone():
    sol = _read(SOLUTIONS, "ex01_gates")
    before = nbformat.writes(sol)
    make_exercise(sol)
    assert nbformat.writes(sol) == before


# ---------------------------------------------------------------------------------------------
# Planted mistakes: each one gets its own message
# ---------------------------------------------------------------------------------------------


def expect(check_fn, impl, *words):
    """``check_fn(impl)`` must fail with an AssertionError naming the mistake (not 'not attempted')."""
    with pytest.raises(AssertionError) as info:
        check_fn(impl)
    assert not isinstance(info.value, check.NotAttempted)
    message = str(info.value)
    for w in words:
        assert w in message, f"{w!r} not in {message!r}"
    return message


class _Two:
    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y


class MulSwapped(_Two):
    def backward(self, d):
        return self.x * d, self.y * d


class MulSign(_Two):
    def backward(self, d):
        return -self.y * d, -self.x * d


class MulNoDout(_Two):
    def backward(self, d):
        return self.y, self.x


class AddNoDout:
    def forward(self, x, y):
        return x + y

    def backward(self, d):
        return 1.0, 1.0


class MaxShared:
    cache = {}  # on the class: every MaxGate shares it

    def forward(self, x, y):
        MaxShared.cache["x_won"] = x >= y
        return max(x, y)

    def backward(self, d):
        return (d, 0.0) if MaxShared.cache["x_won"] else (0.0, d)


class MaxToSmaller:
    def forward(self, x, y):
        self.x_won = x >= y
        return max(x, y)

    def backward(self, d):
        return (0.0, d) if self.x_won else (d, 0.0)


class SigNoFactor:
    def forward(self, x):
        self.s = 1 / (1 + math.exp(-x))
        return self.s

    def backward(self, d):
        return (d,)


class SigUsesInput:
    def forward(self, x):
        self.x = x
        return 1 / (1 + math.exp(-x))

    def backward(self, d):
        return (self.x * (1 - self.x) * d,)


class NotYet:
    def forward(self, x, y):
        raise NotImplementedError()


def test_gate_mistakes():
    expect(check.check_mul_backward, MulSwapped, "swapped", "*other* input")
    expect(check.check_mul_backward, MulSign, "wrong sign")
    expect(check.check_mul_backward, MulNoDout, "forgot the upstream gradient dout")
    expect(check.check_add_backward, AddNoDout, "forgot to multiply by dout")
    expect(check.check_max_gate, MaxToSmaller, "*smaller* input")
    expect(check.check_max_gate, MaxShared, "shared between gates")
    expect(check.check_sigmoid_gate, SigNoFactor, "forgot the sigmoid's local derivative", "5.9")
    expect(check.check_sigmoid_gate, SigUsesInput, "used the input x")


def test_circuit_mistakes():
    def fork_with_assign(x, y):  # dx = ... overwrites the first branch instead of adding to it
        f = (x + y) * x
        dx = x + y  # through the multiply gate
        dx = x  # through the add gate: = instead of +=
        return f, dx, x

    expect(check.check_fork, fork_with_assign, "+=", "fork")

    def neuron_without_sigma(w, x):
        z = w[0] * x[0] + w[1] * x[1] + w[2]
        return 1 / (1 + math.exp(-z)), [x[0], x[1], 1.0], [w[0], w[1]]

    expect(check.check_neuron, neuron_without_sigma, "forgot the sigmoid's local derivative")

    def circuit_swapped(x, y, z):
        return (x + y) * z, x + y, x + y, z

    expect(check.check_circuit, circuit_swapped, "swapped")


def test_not_attempted_and_crashing_code_are_told_apart():
    with pytest.raises(check.NotAttempted, match="not attempted yet"):
        check.check_mul_backward(NotYet)

    def broken(x, y, z):
        return None + 1

    expect(check.check_circuit, broken, "raised TypeError")


def _local(graph, values):
    out = {}
    for n, (op, parents) in graph.items():
        a = [values[p] for p in parents]
        out[n] = {"input": (), "add": tuple(1.0 for _ in a), "mul": tuple(a[1::-1]) if a else (),
                  "sin": (math.cos(a[0]),) if a else (), "cos": (-math.sin(a[0]),) if a else ()}[op]
    return out


def _backprop(accumulate=True, reverse=True):
    def backprop(graph, values, order, output):
        local = _local(graph, values)
        grads = {n: 0.0 for n in graph}
        grads[output] = 1.0
        for n in reversed(order) if reverse else order:
            for p, lg in zip(graph[n][1], local[n], strict=True):
                grads[p] = grads[p] + lg * grads[n] if accumulate else lg * grads[n]
        return grads, sum(len(p) for _, p in graph.values())

    return backprop


def test_dynamic_programming_mistakes():
    check.check_backprop(_backprop())  # the planted-mistake helpers are right when unplanted
    expect(check.check_backprop, _backprop(accumulate=False), "= instead of +=")
    expect(check.check_backprop, _backprop(reverse=False), "forward order")

    def reversed_topo(graph):
        return list(reversed(ex02._ref_order(graph)))

    expect(check.check_topological_order, reversed_topo, "reversed")

    def local_mul_swapped(graph, values):
        out = _local(graph, values)
        for n, (op, parents) in graph.items():
            if op == "mul":
                out[n] = (values[parents[0]], values[parents[1]])
        return out

    expect(check.check_local_gradients, local_mul_swapped, "swapped")
    expect(check.check_path_count_formula, lambda n: 2**n, "number of paths")


class Lin:
    """Linear with one planted mistake in backward, chosen by ``kind``."""

    kind = ""

    def __init__(self, n_in, n_out, rng):
        self.params = {"W": rng.normal(size=(n_in, n_out)), "b": np.zeros(n_out)}
        self.grads = {}

    def forward(self, x):
        self.x = x
        return x @ self.params["W"] + self.params["b"]

    def backward(self, dout):
        W, x = self.params["W"], self.x
        self.grads["W"] = (dout.T @ x) if self.kind == "dW.T" else x.T @ dout
        self.grads["b"] = {"mean": dout.mean(axis=0), "nosum": dout}.get(self.kind, dout.sum(axis=0))
        return dout @ W if self.kind == "dx W" else dout @ W.T


def _lin(kind):
    return type(f"Lin_{kind}", (Lin,), {"kind": kind})


class ReluDoutMask:
    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, x):
        return np.maximum(x, 0)

    def backward(self, dout):
        return dout * (dout > 0)


class SigmoidNoFactor:
    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, x):
        return 1 / (1 + np.exp(-x))

    def backward(self, dout):
        return dout


def test_layer_mistakes():
    check.check_linear(_lin(""))
    expect(check.check_linear, _lin("dW.T"), "transposed", "x.T @ dout")
    expect(check.check_linear, _lin("dx W"), "W.T")
    expect(check.check_linear, _lin("mean"), "mean", "sum")
    expect(check.check_linear, _lin("nosum"), "sum dout over the batch axis")
    expect(check.check_relu, ReluDoutMask, "not from dout")
    expect(check.check_sigmoid_layer, SigmoidNoFactor, "forgot the sigmoid derivative factor")
    expect(check.check_mse, lambda yh, y: (0.5 * np.sum((yh - y) ** 2), yh - y), "missing the 1/m mean")
    m = 4
    expect(check.check_mse, lambda yh, y: (0.5 * np.sum((yh - y) ** 2) / m, (y - yh) / m), "(y − ŷ)/m")


TRAIN = """
def train(X, Y, hidden=16, epochs=300, lr=2.0, seed=0):
    rng = np.random.default_rng({seed})
    layers = [Linear(X.shape[1], {hidden}, rng), ReLU(), Linear({hidden}, Y.shape[1], rng), Sigmoid()]
    history = []
    for _ in range(epochs):
        history.append(forward_backward(layers, X, Y))
        for k, layer in enumerate(layers):
            for name in layer.params:
                if {which}:
                    layer.params[name] {op} {lr} * layer.grads[name]
    return history
"""


def _train(seed="seed", hidden="hidden", which="True", op="-=", lr="lr"):
    from tests.test_exercises_new import solution_namespace

    space = solution_namespace("ex03_layers")
    exec(TRAIN.format(seed=seed, hidden=hidden, which=which, op=op, lr=lr), space)  # noqa: S102
    return space["train"]


def test_training_mistakes_are_named(capsys):
    check.check_training(_train())
    assert "visible checks pass" in capsys.readouterr().out
    expect(check.check_training, _train(op="+="), "wrong way", "descent")
    expect(check.check_training, _train(lr="2.0"), "ignores its lr")
    expect(check.check_training, _train(seed="0"), "ignores its seed")
    expect(check.check_training, _train(hidden="16"), "use the argument hidden")
    expect(check.check_training, _train(which='name == "W"'), "only the weights W")
    expect(check.check_training, _train(which="k == 2"), "only the last Linear layer")


def test_relu_kink_and_references_for_other_tasks():
    class ReluGe:
        def __init__(self):
            self.params, self.grads = {}, {}

        def forward(self, x):
            self.x = x
            return np.maximum(x, 0)

        def backward(self, dout):
            return dout * (self.x >= 0)

    expect(check.check_relu, ReluGe, "x >= 0", "x > 0")
    from tests.test_exercises_new import solution_namespace

    space = solution_namespace("ex03_layers")
    exec("def mse_loss(yhat, y):\n    return 0.0, yhat - y\n", space)  # noqa: S102  a wrong 3.4
    check.check_forward_backward(space["forward_backward"])  # 3.5 does not pay for it


def test_zhou_mistakes():
    expect(check.check_output_gradient, lambda yh, y: yh * (1 - yh) * (yh - y), "5.10", "(ŷ_j − y_j)")
    expect(check.check_output_gradient, lambda yh, y: y - yh, "ŷ_j(1 − ŷ_j)")
    expect(check.check_hidden_gradient, lambda b, w, g: w @ g, "b_h(1 − b_h)")
    expect(check.check_hidden_gradient, lambda b, w, g: b * (1 - b) * (w.T @ g), "wrong index")

    def updates(x, b, g, e, eta, theta_sign=-1, use_eta=True):
        k = eta if use_eta else 1.0
        return {"w": k * np.outer(b, g), "theta": theta_sign * k * g,
                "v": k * np.outer(x, e), "gamma": -k * e}

    check.check_updates(updates)
    expect(check.check_updates, lambda *a: updates(*a, theta_sign=+1), "Thresholds are *subtracted*")
    expect(check.check_updates, lambda *a: updates(*a, use_eta=False), "learning rate η")

    def E_sum(P, X, Y):
        return sum(0.5 * np.sum((ex04._zhou_forward(P, x)[1] - y) ** 2) for x, y in zip(X, Y, strict=True))

    expect(check.check_accumulated_error, E_sum, "missing the 1/m mean", "5.16")

    def epoch(P, X, Y, eta, per_sample=True, mean=True):
        P = {k: v.copy() for k, v in P.items()}
        total = {k: np.zeros_like(v) for k, v in P.items()}
        for x, y in zip(X, Y, strict=True):
            b, yh = ex04._zhou_forward(P, x)
            g = yh * (1 - yh) * (y - yh)
            e = b * (1 - b) * (P["w"] @ g)
            for k, d in updates(x, b, g, e, eta).items():
                if per_sample:
                    P[k] += d
                else:
                    total[k] += d
        if not per_sample:
            P = {k: P[k] + total[k] / (len(X) if mean else 1) for k in P}
        return P

    check.check_standard_epoch(epoch)
    check.check_accumulated_epoch(lambda *a: epoch(*a, per_sample=False))
    expect(check.check_standard_epoch, lambda *a: epoch(*a, per_sample=False), "that is accumulated BP")
    expect(check.check_accumulated_epoch, lambda *a: epoch(*a, per_sample=False, mean=False), "1/m mean")
    expect(check.check_accumulated_epoch, epoch, "that is standard BP")


def test_sympy_mistakes():
    _, x, y, v, w, gamma, theta, f = ex05._zhou_symbols()
    b, yhat, E, g, e = ex05._ref_sym()
    plus = [f(sum(v[i, h] * x[i] for i in range(2)) + gamma[h]) for h in range(2)]
    expect(check.check_E_k, lambda: (plus, yhat, E), "*subtracts* the threshold")
    expect(check.check_g_and_e, lambda: ([-gj for gj in g], e), "(ŷ_j − y_j)")
    expect(check.check_dE_dv, lambda i, h: e[h] * x[i], "wrong sign", "5.13")
    expect(check.check_dE_dgamma, lambda h: -e[h], "γ_h is subtracted")
    expect(check.check_dE_dgamma, lambda h: sp.diff(E, gamma[h]), "still contains a derivative")
    expect(check.check_apply_5_9, lambda expr: expr, "still contains a derivative")


def test_closed_holes_are_named():
    class MaxTieToY:
        def forward(self, x, y):
            self.x_won = x > y  # a tie goes to y
            return max(x, y)

        def backward(self, d):
            return (d, 0.0) if self.x_won else (0.0, d)

    class SigmoidOnClass:
        def forward(self, x):
            SigmoidOnClass.s = 1 / (1 + math.exp(-x))
            return SigmoidOnClass.s

        def backward(self, d):
            return (SigmoidOnClass.s * (1 - SigmoidOnClass.s) * d,)

    expect(check.check_max_gate, MaxTieToY, "on a tie", "x >= y")
    expect(check.check_sigmoid_gate, SigmoidOnClass, "shared between gates")
    expect(check.check_path_count_formula, lambda n: 2 * n * 2**n, "one multiplication per edge", "k − 1")
    # A lookup table of the check's visible n passes the check, and fails the hidden test (and the grader).
    lookup = {1: 2, 2: 12, 3: 40, 5: 288, 8: 3840, 20: 40894464}.get
    check.check_path_count_formula(lookup)
    from tests.test_exercises_new import solution_namespace

    nb = _read(SOLUTIONS, "ex02_backprop_as_dp")
    (cell,) = [c for c in nb.cells if _nbg(c).get("grade_id") == "ex02-formula-test"]
    hidden = cell.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
    space = solution_namespace("ex02_backprop_as_dp")
    exec(hidden, space)  # noqa: S102  the reference passes
    space["path_mults"] = lookup
    with pytest.raises((AssertionError, TypeError)):
        exec(hidden, space)  # noqa: S102


def test_more_named_mistakes():
    from bpcourse.check import ex04

    def w_first(P, X, Y, eta):
        return ex04._w_before_e(P, X, Y, eta)

    expect(check.check_standard_epoch, w_first, "updated w before computing e_h")

    class DoubleSigmoid:
        def forward(self, x):
            self.out = 1 / (1 + np.exp(-x))
            return self.out

        def backward(self, dout):
            s = 1 / (1 + np.exp(-self.out))
            return dout * s * (1 - s)

    expect(check.check_sigmoid_layer, DoubleSigmoid, "sigmoid twice")

    def recursive(graph):
        order = []

        def visit(n):
            if n not in order:
                for p in graph[n][1]:
                    visit(p)
                order.append(n)

        for n in graph:
            visit(n)
        return order

    expect(check.check_topological_order, recursive, "RecursionError", "explicit stack")

