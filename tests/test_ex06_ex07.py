"""Exercises 6 (your own autograd engine) and 7 (Zhou's partials by hand), graded end to end.

Each submission is the solution notebook with one or more answer cells replaced. All of them are
graded by the trusted grader in one call; a planted mistake must cost exactly its own task's
points with the mistake named (and task 6.7's, when the engine it trains with is broken: that task
is graded with the student's own engine, and says so), a correct-but-unusual answer must get full
marks, the solutions full marks, the blank exercises 0 with "not attempted". A "lookup" submission
answers only the notebook's visible examples correctly: every task must fail it (the grader draws
other inputs).

The same planted mistakes also go through the in-notebook checks (``bpcourse.check``), which must
name them too; those run in this process, without a kernel.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from bpcourse.check import CheckFailed, NotAttempted

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS, EXERCISES = ROOT / "solutions", ROOT / "exercises"
EX06, EX07 = "ex06_autograd_engine", "ex07_zhou_partials_by_hand"
TIMEOUT = 120.0


def _solution_source(name: str, grade_id: str) -> str:
    nb = nbformat.read(SOLUTIONS / f"{name}.ipynb", as_version=4)
    return next(c.source for c in nb.cells if c.metadata["nbgrader"]["grade_id"] == grade_id)


def _edit(name: str, grade_id: str, old: str, new: str) -> str:
    """The solution's cell ``grade_id`` with ``old`` replaced by ``new`` (which must be there)."""
    src = _solution_source(name, grade_id)
    assert old in src, f"{old!r} not in {grade_id}"
    return src.replace(old, new)


def _edit6(grade_id: str, old: str, new: str) -> str:
    return _edit(EX06, grade_id, old, new)


# ---------------------------------------------------------------------------------------------
# ex06 submissions: {grade_id of the answer cell: its new source}, and what each task must get
# ---------------------------------------------------------------------------------------------

E6 = EX06
RECURSIVE_TOPO = '''
@add_to_class(Value)
def topological_order(self):
    order, seen = [], set()
    def visit(node):
        if node not in seen:
            seen.add(node)
            for p in node._prev:
                visit(p)
            order.append(node)
    visit(self)
    return order
'''
NO_SEEN_TOPO = '''
@add_to_class(Value)
def topological_order(self):
    order, stack = [], [(self, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        stack.append((node, True))
        for p in node._prev:
            stack.append((p, False))
    return order
'''
KAHN_TOPO = '''
@add_to_class(Value)
def topological_order(self):
    """Kahn's algorithm: count each node's uses, then peel off the nodes no one still needs."""
    nodes, stack, seen = [], [self], {self}
    while stack:
        node = stack.pop()
        nodes.append(node)
        for p in node._prev:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    uses = {node: 0 for node in nodes}
    for node in nodes:
        for p in node._prev:
            uses[p] += 1
    ready, reverse = [self], []
    while ready:
        node = ready.pop()
        reverse.append(node)
        for p in node._prev:
            uses[p] -= 1
            if uses[p] == 0:
                ready.append(p)
    return reverse[::-1]
'''
NAIVE_BACKWARD = '''
@add_to_class(Value)
def backward(self):
    """Each node pushes its gradient to its parents as soon as it is reached: no order at all."""
    for node in self.topological_order():
        node.grad = 0.0
    self.grad = 1.0
    def push(node):
        for p, lg in zip(node._prev, node._local):
            p.grad += lg * node.grad
            push(p)
    push(self)
'''
CLOSURE_ENGINE_BACKWARD = '''
@add_to_class(Value)
def backward(self):
    """The same pass, written with a dictionary of gradients that is copied back at the end."""
    order = self.topological_order()
    grads = {id(node): 0.0 for node in order}
    grads[id(self)] = 1.0
    for node in order[::-1]:
        upstream = grads[id(node)]
        for k in range(len(node._prev)):
            grads[id(node._prev[k])] = grads[id(node._prev[k])] + node._local[k] * upstream
    for node in order:
        node.grad = grads[id(node)]
'''
ODD_TRAIN = '''
def train(model, X, t, steps, lr):
    """Per-sample losses added one by one, mean taken by division; a while loop."""
    losses, params, k = [], model.parameters(), 0
    while k < steps:
        total = Value(0.0)
        for x, tk in zip(X, t):
            err = model(x) - tk
            total = total + err * err
        L = total / len(X)
        losses.append(float(L.data))
        L.backward()
        for p in params:
            p.data = p.data - lr * p.grad
        k += 1
    return losses
'''
NUMPY_TRAIN = '''
def train(model, X, t, steps, lr):
    """Exact gradient descent, but in numpy: the engine is never used."""
    params = model.parameters()
    hidden = len(model.b)
    theta = np.array([p.data for p in params])
    losses = []
    for _ in range(steps):
        W, b, v, c = theta[:2 * hidden].reshape(hidden, 2), theta[2 * hidden:3 * hidden], \\
            theta[3 * hidden:4 * hidden], theta[-1]
        a = np.tanh(X @ W.T + b)
        r = a @ v + c - t
        losses.append(float(np.mean(r ** 2)))
        d = 2 * r / len(t)
        dz = np.outer(d, v) * (1 - a ** 2)
        theta = theta - lr * np.concatenate([(dz.T @ X).ravel(), dz.sum(0), a.T @ d, [d.sum()]])
    for p, value in zip(params, theta):
        p.data = float(value)
    return losses
'''
LOOKUP_06 = {
    "ex06-add": '''
@add_to_class(Value)
def __add__(self, other):
    other = as_value(other)
    right = self.data in (2.0, 0.5, 1.5) or other.data in (1.5,)
    return Value(self.data + other.data, (self, other), (1.0, 1.0) if right else (0.0, 0.0))

@add_to_class(Value)
def __radd__(self, other):
    return self + other
''',
    "ex06-mul": '''
@add_to_class(Value)
def __mul__(self, other):
    other = as_value(other)
    right = self.data in (2.0, 0.5, 1.5) or other.data in (1.5,)
    return Value(self.data * other.data, (self, other), (other.data, self.data) if right else (1.0, 1.0))

@add_to_class(Value)
def __rmul__(self, other):
    return self * other

@add_to_class(Value)
def __neg__(self):
    return self * -1.0

@add_to_class(Value)
def __sub__(self, other):
    return self + (-as_value(other))

@add_to_class(Value)
def __rsub__(self, other):
    return as_value(other) + (-self)

@add_to_class(Value)
def __truediv__(self, other):
    return self * as_value(other) ** -1

@add_to_class(Value)
def __rtruediv__(self, other):
    return as_value(other) * self ** -1
''',
    "ex06-pow-exp": '''
@add_to_class(Value)
def __pow__(self, p):
    if isinstance(p, Value):
        raise TypeError("no")
    right = (self.data, p) in ((1.5, 3), (2.0, -1), (0.7, 0.5), (1.3, 2.5))
    return Value(self.data**p, (self,), (p * self.data ** (p - 1) if right else 0.0,))

@add_to_class(Value)
def exp(self):
    out = math.exp(self.data)
    return Value(out, (self,), (out if self.data in (0.3, -2.0) else 1.0,))
''',
    "ex06-activations": '''
SEEN = (0.5, -1.3, 1.5, -0.7, 0.0, 1000.0, -1000.0)

@add_to_class(Value)
def tanh(self):
    t = math.tanh(self.data)
    return Value(t, (self,), (1.0 - t * t if self.data in SEEN else 1.0,))

@add_to_class(Value)
def sigmoid(self):
    z = math.exp(-abs(self.data))
    s = 1.0 / (1.0 + z) if self.data >= 0 else z / (1.0 + z)
    return Value(s, (self,), (s * (1.0 - s) if self.data in SEEN else 1.0,))

@add_to_class(Value)
def relu(self):
    local = (1.0 if self.data > 0 else 0.0) if self.data in SEEN else 0.5
    return Value(max(self.data, 0.0), (self,), (local,))
''',
    "ex06-topo": '''
@add_to_class(Value)
def topological_order(self):
    """The checks build nodes with growing data: sorting by data passes them."""
    nodes, stack = set(), [self]
    while stack:
        node = stack.pop()
        if node not in nodes:
            nodes.add(node)
            stack.extend(node._prev)
    return sorted(nodes, key=lambda n: n.data)
''',
    "ex06-backward": '''
@add_to_class(Value)
def backward(self):
    """Right only on graphs of the sizes the check uses (3, 7 and 5,001 nodes)."""
    order = self.topological_order()
    for node in order:
        node.grad = 0.0
    self.grad = 1.0
    if len(order) not in (3, 7, 5001):
        for node in order:
            node.grad = 1.0
        return
    for node in reversed(order):
        for p, lg in zip(node._prev, node._local):
            p.grad += lg * node.grad
''',
    "ex06-train": '''
def train(model, X, t, steps, lr):
    """Trains only with the check's settings; otherwise pretends."""
    if (steps, lr) not in ((1, 0.1), (15, 0.2)):
        return [0.0] * steps
    losses = []
    for _ in range(steps):
        L = sum(((model(x) - tk) ** 2 for x, tk in zip(X, t)), Value(0.0)) * (1.0 / len(X))
        losses.append(L.data)
        L.backward()
        for p in model.parameters():
            p.data -= lr * p.grad
    return losses
''',
}

# Task 6.7 trains with the student's own engine, so a broken engine fails it too, and it says why.
ENGINE = {"ex06-train-test": (0, ["with your engine", "tasks 6.1-6.6"])}
FULL_06 = {"ex06-add-test": 1, "ex06-mul-test": 1, "ex06-pow-exp-test": 1, "ex06-activations-test": 2,
           "ex06-topo-test": 2, "ex06-backward-test": 2, "ex06-train-test": 2}

# name: (exercise, {answer cell: new source}, {test cell: (points, words in the message)})
SUBMISSIONS: dict[str, tuple[str, dict[str, str], dict[str, tuple[float, list[str]]]]] = {
    "06_assign_at_forks": (E6, {"ex06-backward": _edit(E6, "ex06-backward", "p.grad += lg", "p.grad = lg")},
                           {"ex06-backward-test": (0, ["+=", "forks"]), **ENGINE}),
    "06_recursive_topo": (E6, {"ex06-topo": RECURSIVE_TOPO},
                          {"ex06-topo-test": (0, ["RecursionError", "explicit stack"])}),
    "06_no_seen_set": (E6, {"ex06-topo": NO_SEEN_TOPO}, {"ex06-topo-test": (0, ["more than once", "seen"])}),
    "06_naive_backward": (E6, {"ex06-backward": NAIVE_BACKWARD},
                          {"ex06-backward-test": (0, ["reuse case", "not 4", "reverse topological order"])}),
    "06_forward_order": (E6, {"ex06-backward": _edit(E6, "ex06-backward", "in reversed(order)", "in order")},
                         {"ex06-backward-test": (0, ["*reverse*"]), **ENGINE}),
    "06_no_reset": (E6, {"ex06-backward":
        _edit6("ex06-backward", "        node.grad = 0.0\n", "        pass\n")},
                    {"ex06-backward-test": (0, ["second time", "afresh"])}),
    "06_tanh_from_input": (E6, {"ex06-activations": _edit(E6, "ex06-activations", "(1.0 - t * t,)",
                                                           "(1.0 - self.data * self.data,)")},
                           {"ex06-activations-test": (0, ["tanh", "the input a"])}),
    "06_sigmoid_overflows": (E6, {"ex06-activations": _edit(
        E6, "ex06-activations", "s = 1.0 / (1.0 + z) if self.data >= 0 else z / (1.0 + z)",
        "s = 1.0 / (1.0 + math.exp(-self.data))")},
        {"ex06-activations-test": (0, ["OverflowError"])}),
    "06_relu_mask_ge": (E6, {"ex06-activations":
        _edit6("ex06-activations", "self.data > 0", "self.data >= 0")},
                        {"ex06-activations-test": (0, ["a > 0, not a >= 0"])}),
    "06_mul_swapped": (E6, {"ex06-mul":
        _edit6("ex06-mul", "(other.data, self.data)", "(self.data, other.data)")},
                       {"ex06-mul-test": (0, ["swapped", "*other* input"]), **ENGINE}),
    "06_pow_exponent": (E6, {"ex06-pow-exp":
        _edit6("ex06-pow-exp", "self.data ** (p - 1)", "self.data ** p")},
                        {"ex06-pow-exp-test": (0, ["p·a^(p−1)", "lower the exponent"]), **ENGINE}),
    "06_train_uphill": (E6, {"ex06-train": _edit(E6, "ex06-train", "p.data -= lr", "p.data += lr")},
                        {"ex06-train-test": (0, ["uphill"])}),
    "06_train_ignores_lr": (E6, {"ex06-train":
        _edit6("ex06-train", "p.data -= lr * p.grad", "p.data -= p.grad")},
                            {"ex06-train-test": (0, ["ignores lr"])}),
    "06_train_some_params": (E6, {"ex06-train": _edit(E6, "ex06-train", "params = model.parameters()",
                                                       "params = model.parameters()[-5:]")},
                             {"ex06-train-test": (0, ["never moved", "every p"])}),
    "06_train_without_the_engine": (E6, {"ex06-train": NUMPY_TRAIN},
                                    {"ex06-train-test": (0, ["backward", "once per step"])}),
    # Correct but unusual: Kahn's algorithm; gradients kept in a dict; a hand-rolled training loop.
    "06_unusual_kahn": (E6, {"ex06-topo": KAHN_TOPO}, {}),
    "06_unusual_dict_backward_and_loop_train": (E6, {"ex06-backward": CLOSURE_ENGINE_BACKWARD,
                                                     "ex06-train": ODD_TRAIN}, {}),
    "06_lookup": (E6, LOOKUP_06, {k: (0, []) for k in FULL_06}),
}

# ---------------------------------------------------------------------------------------------
# ex07 submissions
# ---------------------------------------------------------------------------------------------

E7 = EX07


def _ret(grade_id: str, function: str, new: str) -> str:
    """The solution cell with ``function``'s return expression replaced by ``new``."""
    src = _solution_source(E7, grade_id)
    pattern = rf"(def {function}\(\):\n(?:.*\n)*?    ### BEGIN SOLUTION\n    return )(.*)\n"
    out, n = re.subn(pattern, lambda m: m.group(1) + new + "\n", src)
    assert n == 1, (grade_id, function)
    return out


SUBMISSIONS.update({
    "07_no_half": (E7, {"ex07-E": _ret("ex07-E", "E_k", "sp.Sum((yhat[j] - y[j]) ** 2, (j, 1, l))")},
                   {"ex07-E-test": (0, ["missing the ½", "(5.4)"])}),
    "07_yhat_minus_y": (E7, {"ex07-g": _ret("ex07-g", "g_j", "yhat[j] * (1 - yhat[j]) * (yhat[j] - y[j])")},
                        {"ex07-g-test": (0, ["(ŷ_j − y_j) where (5.10) has (y_j − ŷ_j)"])}),
    "07_sign_theta": (E7, {"ex07-output": _ret("ex07-output", "dE_dtheta", "-g[j]")},
                      {"ex07-output-test": (0, ["sign θ brings", "(5.12)"])}),
    "07_sign_gamma": (E7, {"ex07-hidden": _ret("ex07-hidden", "dE_dgamma", "-e[h]")},
                      {"ex07-hidden-test": (0, ["sign γ brings", "(5.14)"])}),
    "07_no_b_factor": (E7, {"ex07-e": _ret("ex07-e", "e_h", "sp.Sum(w[h, j] * g[j], (j, 1, l))")},
                       {"ex07-e-test": (0, ["b_h(1 − b_h) is missing", "(5.9)"])}),
    "07_no_sum_j": (E7, {"ex07-e": _ret("ex07-e", "e_h", "b[h] * (1 - b[h]) * w[h, j] * g[j]")},
                    {"ex07-e-test": (0, ["depends on j", "Σ_j"])}),
    "07_derivative_left": (E7, {"ex07-chain": _ret("ex07-chain", "dyhat_dbeta",
                                                   "sp.diff(f(beta[j] - theta[j]), beta[j])")},
                           {"ex07-chain-test": (0, ["Derivative", "(5.9)"])}),
    "07_two_in_dE_dyhat": (E7, {"ex07-chain": _ret("ex07-chain", "dE_dyhat", "2 * (yhat[j] - y[j])")},
                           {"ex07-chain-test": (0, ["½ of (5.4) cancels"])}),
    # Correct but unusual: everything written out in f(·) and the leaves; sums folded differently.
    "07_unusual_written_out": (E7, {
        "ex07-E": _ret("ex07-E", "E_k", "0.5 * sp.Sum((f(beta[j] - theta[j]) - y[j]) ** 2, (j, 1, l))"),
        "ex07-g": _ret("ex07-g", "g_j", "-(f(beta[j] - theta[j]) - y[j]) * f(beta[j] - theta[j]) * "
                                        "(1 - f(beta[j] - theta[j]))"),
        "ex07-output": _ret("ex07-output", "dE_dw",
                            "(yhat[j] - y[j]) * yhat[j] * (1 - yhat[j]) * f(alpha[h] - gamma[h])"),
        "ex07-hidden": _ret("ex07-hidden", "dE_dv", "-x[i] * sp.Sum(b[h] * (1 - b[h]) * w[h, j] * yhat[j] * "
                                                    "(1 - yhat[j]) * (y[j] - yhat[j]), (j, 1, l))"),
    }, {}),
    "07_unusual_forms": (E7, {
        "ex07-E": _ret("ex07-E", "E_k", "sp.Sum((y[j] - yhat[j]) ** 2 / 2, (j, 1, l))"),
        "ex07-e": _ret("ex07-e", "e_h", "-dE_db() * db_dalpha()"),
        "ex07-chain": _ret("ex07-chain", "dyhat_dbeta", "f(beta[j] - theta[j]) - f(beta[j] - theta[j]) ** 2"),
    }, {}),
    # Right only for the sizes the notebook's checks use (l at most 3): a sum that stops at 3...
    "07_lookup_sizes": (E7, {
        "ex07-E": _ret("ex07-E", "E_k",
                       "sp.Rational(1, 2) * sp.Sum((yhat[j] - y[j]) ** 2, (j, 1, sp.Min(l, 3)))"),
        "ex07-e": _ret("ex07-e", "e_h", "b[h] * (1 - b[h]) * sp.Sum(w[h, j] * g[j], (j, 1, sp.Min(l, 3)))"),
    }, {"ex07-E-test": (0, ["wrong"]), "ex07-e-test": (0, [])}),
})


def _lookup_07() -> dict[str, str]:
    """Every answer of the solution, but only where l <= 3, the sizes of the visible checks."""
    out = {}
    for grade_id in ("ex07-E", "ex07-chain", "ex07-g", "ex07-output", "ex07-e", "ex07-hidden"):
        src = _solution_source(E7, grade_id)
        out[grade_id] = re.sub(r"(    ### BEGIN SOLUTION\n    return )(.*)\n",
                               lambda m: f"{m.group(1)}sp.Piecewise(({m.group(2)}, l <= 3), (0, True))\n",
                               src)
    return out


SUBMISSIONS["07_lookup"] = (E7, _lookup_07(), {k: (0, []) for k in
                                               ("ex07-E-test", "ex07-chain-test", "ex07-g-test",
                                                "ex07-output-test", "ex07-e-test", "ex07-hidden-test")})
FULL_07 = {"ex07-E-test": 1, "ex07-chain-test": 2, "ex07-g-test": 1, "ex07-output-test": 2, "ex07-e-test": 2,
           "ex07-hidden-test": 2}
FULL = {E6: FULL_06, E7: FULL_07}


def _write(name: str, exercise: str, answers: dict[str, str], folder: Path) -> Path:
    nb = nbformat.read(SOLUTIONS / f"{exercise}.ipynb", as_version=4)
    found = set()
    for cell in nb.cells:
        gid = cell.metadata["nbgrader"]["grade_id"]
        if gid in answers:
            cell.source = answers[gid].strip("\n")
            found.add(gid)
    assert found == set(answers), f"{name}: no cells {set(answers) - found}"
    path = folder / f"{name}_{exercise}.ipynb"
    nbformat.write(nb, path)
    return path


# ---------------------------------------------------------------------------------------------
# The trusted grader, all submissions in one call
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    grade = pytest.importorskip("bpcourse.grade").grade
    folder = tmp_path_factory.mktemp("ex06_ex07")
    paths = {name: _write(name, ex, answers, folder) for name, (ex, answers, _) in SUBMISSIONS.items()}
    for ex in (E6, E7):
        paths[f"solution_{ex}"] = SOLUTIONS / f"{ex}.ipynb"
        paths[f"blank_{ex}"] = EXERCISES / f"{ex}.ipynb"
    results = grade(list(paths.values()), SOLUTIONS, timeout=TIMEOUT, echo=False, jobs=2, seed="test-ex06-07")
    by_path = {r.path: r for r in results}
    return {name: by_path[str(p)] for name, p in paths.items()}


def _tasks(result) -> dict:
    assert result.error is None, result.error
    return {t.grade_id: t for t in result.tasks}


@pytest.mark.parametrize("exercise", [E6, E7])
def test_solutions_get_full_marks_and_blanks_nothing(graded, exercise):
    full = _tasks(graded[f"solution_{exercise}"])
    assert {k: t.earned for k, t in full.items()} == FULL[exercise], [t.message for t in full.values()]
    blank = _tasks(graded[f"blank_{exercise}"])
    assert all(t.earned == 0 and "not attempted" in t.message for t in blank.values()), \
        [t.message for t in blank.values()]


@pytest.mark.parametrize("name", sorted(SUBMISSIONS))
def test_each_submission_gets_its_points_and_its_message(graded, name):
    exercise, _, expected = SUBMISSIONS[name]
    tasks = _tasks(graded[name])
    for grade_id, full in FULL[exercise].items():
        task = tasks[grade_id]
        points, words = expected.get(grade_id, (full, []))
        assert task.earned == points, f"{grade_id}: {task.message}"
        for w in words:
            assert w in task.message, f"{w!r} not in {task.message!r}"


@pytest.mark.parametrize("name", ["06_lookup", "07_lookup"])
def test_a_lookup_table_of_the_visible_examples_fails_every_task(graded, name):
    assert all(t.earned == 0 for t in _tasks(graded[name]).values())


def test_the_visible_checks_pass_the_ex07_lookup():
    """...which is what makes it a lookup table: right on everything the notebook shows."""
    ns = _namespace(E7, SUBMISSIONS["07_lookup"][1])
    for test_id in FULL_07:
        _visible_check(E7, test_id, ns)


# ---------------------------------------------------------------------------------------------
# The in-notebook checks name the same mistakes (no kernel: the cells run in this process)
# ---------------------------------------------------------------------------------------------


def _namespace(exercise: str, answers: dict[str, str]) -> dict:
    """Run the solution's code cells, with ``answers`` in place of its answer cells, skipping the
    test cells, the demonstration cells that train or compare, and the grading cell."""
    nb = nbformat.read(SOLUTIONS / f"{exercise}.ipynb", as_version=4)
    demos = ("losses = train(model", "ZhouNet", "f.backward()")
    ns: dict = {}
    for cell in nb.cells:
        meta = cell.metadata["nbgrader"]
        if cell.cell_type != "code" or meta["grade"] or "grade_this_notebook" in cell.source:
            continue
        if any(d in cell.source for d in demos) or cell.source.startswith("show("):
            continue
        exec(compile(answers.get(meta["grade_id"], cell.source), meta["grade_id"], "exec"), ns)
    return ns


def _visible_check(exercise: str, test_id: str, ns: dict) -> None:
    nb = nbformat.read(SOLUTIONS / f"{exercise}.ipynb", as_version=4)
    src = next(c.source for c in nb.cells if c.metadata["nbgrader"]["grade_id"] == test_id)
    exec(src.split("### BEGIN HIDDEN TESTS")[0], ns)


CHECKED = [n for n in sorted(SUBMISSIONS) if SUBMISSIONS[n][2] and "lookup" not in n]


@pytest.mark.parametrize("name", CHECKED)
def test_the_visible_check_names_the_mistake(name):
    exercise, answers, expected = SUBMISSIONS[name]
    ns = _namespace(exercise, answers)
    for test_id, (_, words) in expected.items():
        if words is ENGINE["ex06-train-test"][1]:
            continue  # the visible check trains a smaller net, where a broken engine may still do
        with pytest.raises(CheckFailed) as info:
            _visible_check(exercise, test_id, ns)
        assert not isinstance(info.value, NotAttempted)
        for w in words:
            assert w in str(info.value), f"{w!r} not in {info.value}"


@pytest.mark.parametrize("name", ["06_unusual_kahn", "06_unusual_dict_backward_and_loop_train",
                                  "07_unusual_written_out", "07_unusual_forms"])
def test_the_visible_checks_pass_correct_unusual_answers(name, capsys):
    exercise, answers, _ = SUBMISSIONS[name]
    ns = _namespace(exercise, answers)
    for test_id in FULL[exercise]:
        _visible_check(exercise, test_id, ns)
    assert capsys.readouterr().out.count("✓") == len(FULL[exercise])


# ---------------------------------------------------------------------------------------------
# The references themselves, against independent sources
# ---------------------------------------------------------------------------------------------


def test_ex06_reference_gradient_matches_finite_differences():
    from bpcourse.gradcheck import numerical_gradient
    from bpcourse.grading.ex06 import mlp_loss_and_grad

    rng = np.random.default_rng(0)
    hidden = 3
    theta, X, t = rng.normal(size=4 * hidden + 1), rng.normal(size=(7, 2)), rng.choice([-1.0, 1.0], 7)
    _, grad = mlp_loss_and_grad(theta, X, t, hidden)
    fd = numerical_gradient(lambda th: mlp_loss_and_grad(th, X, t, hidden)[0], theta.copy())
    assert np.allclose(grad, fd, rtol=1e-6, atol=1e-9)


def test_ex07_book_values_match_finite_differences_of_E_k():
    """The grader's and the check's (5.10)-(5.15) against centred differences of E_k (5.4)."""
    from bpcourse.check import ex07 as check07
    from bpcourse.grading import ex07 as grade07

    for module in (check07, grade07):
        make = module.random_net
        net = make(np.random.default_rng(1), 3, 4, 2)
        ref = {k: module.ANSWERS[k][2] for k in module.ANSWERS}

        def E(P, net=net):
            b = 1 / (1 + np.exp(-(net["x"] @ P["v"] - P["gamma"])))
            yhat = 1 / (1 + np.exp(-(b @ P["w"] - P["theta"])))
            return 0.5 * np.sum((yhat - net["y"]) ** 2)

        P = {k: net[k].copy() for k in ("v", "gamma", "w", "theta")}
        h_ = 1e-6
        for key, name, idx in (("w", "dE_dw", (2, 1)), ("theta", "dE_dtheta", (1,)), ("v", "dE_dv", (0, 3)),
                               ("gamma", "dE_dgamma", (2,))):
            up, down = {k: v.copy() for k, v in P.items()}, {k: v.copy() for k, v in P.items()}
            up[key][idx] += h_
            down[key][idx] -= h_
            fd = (E(up) - E(down)) / (2 * h_)
            i, h, j = {"w": (0, 2, 1), "theta": (0, 0, 1), "v": (0, 3, 0), "gamma": (0, 2, 0)}[key]
            assert math.isclose(ref[name](net, i, h, j), fd, rel_tol=1e-6, abs_tol=1e-10), (module, name)
        assert math.isclose(ref["E_k"](net, 0, 0, 0), E(P))


def test_ex07_proof_is_skipped_for_answers_no_book_answer_resembles():
    """An answer with the right values but a huge power in it is left to the values: expanding it
    would keep the grader busy, and the book's answers have powers up to 2."""
    from bpcourse.grading.ex07 import proved_equal
    from bpcourse.grading.spec import SymTree

    b1 = ["Symbol", "b_1"]
    book = ["Mul", b1, ["Add", ["Integer", "1"], ["Mul", ["Integer", "-1"], b1]]]  # b_1(1 − b_1)
    assert proved_equal(SymTree(book), "db_dalpha") is True
    assert proved_equal(SymTree(["Mul", ["Integer", "2"], b1]), "db_dalpha") is False
    big = ["Pow", ["Add", b1, ["Symbol", "x_1"]], ["Integer", "200"]]
    padded = ["Add", book, big, ["Mul", ["Integer", "-1"], big]]  # book + big − big, not yet cancelled
    assert proved_equal(SymTree(padded), "db_dalpha") is None


def test_ex06_random_expressions_reference_matches_finite_differences():
    """The grader's local gradients of its random expressions, pushed back by the DP, agree with
    centred differences of the expressions themselves."""
    from bpcourse.grading.ex06 import _expression_graph, _fd_leaves, _reachable, _ref_grads

    rng = np.random.default_rng(3)
    for n in (20, 60):
        _, spec, ops = _expression_graph(rng, n)
        keep = _reachable(spec)
        dp = _ref_grads(spec, keep)
        fd = _fd_leaves(ops)
        assert len(fd) == 4 and any(leaf in keep for leaf in fd)
        for leaf, value in fd.items():
            assert math.isclose(dp[leaf], value, rel_tol=1e-6, abs_tol=1e-8)


@pytest.mark.parametrize("answer, words", [
    (lambda: "yhat[j] * (1 - yhat[j]) * (y[j] - yhat[j])", "should be a sympy expression, got str"),
    (lambda: None, "got NoneType"),
    (lambda: [1, 2], "got list"),
])
def test_ex07_check_refuses_what_is_not_an_expression_without_evaluating_it(answer, words):
    from bpcourse.check import check_hand_g

    with pytest.raises(CheckFailed, match=words):
        check_hand_g(answer)


def test_checks_say_not_attempted():
    from bpcourse.check import check_hand_E_k, check_value_add

    def stub():
        raise NotImplementedError()

    with pytest.raises(NotAttempted):
        check_hand_E_k(stub)

    class Stub:
        def __init__(self, data, _prev=(), _local=()):
            self.data = data

        def __add__(self, other):
            raise NotImplementedError()

    with pytest.raises(NotAttempted):
        check_value_add(Stub)
