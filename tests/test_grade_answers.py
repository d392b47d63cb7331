"""The trusted grader on answers, not attacks: wrong answers that the old tests let through (each
hole of issue 12 gets its mistake named) and correct answers written differently (loops instead of
vectorised code, another algorithm), which must get full marks. All graded in ONE call.

Each submission is a solution notebook with cells replaced; the replacements are written here as
whole cells or as (old, new) edits of the solution's source.
"""

from pathlib import Path

import nbformat
import pytest

from bpcourse.grade import grade

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"

# name: (exercise, {cell grade_id: new source | [(old, new), ...]}, {test grade_id: words in the message})
WRONG = {
    "max_tie_to_y": ("ex01_gates", {"ex01-max": [("self.x_won = x >= y", "self.x_won = x > y")]},
                     {"ex01-max-test": "on a tie"}),
    "sigmoid_cache_on_class": ("ex01_gates", {"ex01-sigmoid": [("self.s = ", "SigmoidGate.s = ")]},
                               {"ex01-sigmoid-test": "shared"}),
    "sigmoid_overflows": ("ex01_gates", {"ex01-sigmoid": [("if x >= 0:", "if True:")]},
                          {"ex01-sigmoid-test": "OverflowError"}),
    "path_mults_lookup": ("ex02_backprop_as_dp",
                          {"ex02-formula": "def path_mults(n):\n"
                                           "    return {1: 2, 2: 12, 3: 40, 5: 288, 8: 3840, "
                                           "20: 40894464}[n]\n"},
                          {"ex02-formula-test": "KeyError"}),
    "recursive_dfs": ("ex02_backprop_as_dp",
                      {"ex02-topo": "def topological_order(graph):\n    order = []\n    def visit(n):\n"
                                    "        if n in order:\n            return\n"
                                    "        for p in graph[n][1]:\n            visit(p)\n"
                                    "        order.append(n)\n    for n in graph:\n        visit(n)\n"
                                    "    return order\n"},
                      {"ex02-topo-test": "RecursionError"}),
    "train_only_W": ("ex03_layers", {"ex03-train": [("for name in layer.params:",
                                                     "for name in [k for k in layer.params if k == 'W']:")]},
                     {"ex03-train-test": "only the weights W"}),
    "train_ignores_lr": ("ex03_layers", {"ex03-train": [("-= lr *", "-= 2.0 *")]},
                         {"ex03-train-test": "ignores its argument lr"}),
    "train_ignores_hidden": ("ex03_layers", {"ex03-train": [("Linear(X.shape[1], hidden, rng)",
                                                             "Linear(X.shape[1], 16, rng)"),
                                                            ("Linear(hidden, Y.shape[1], rng)",
                                                             "Linear(16, Y.shape[1], rng)")]},
                             {"ex03-train-test": "ignores its argument hidden"}),
    "train_ignores_seed": ("ex03_layers", {"ex03-train": [("np.random.default_rng(seed)",
                                                           "np.random.default_rng(0)")]},
                           {"ex03-train-test": "ignores its argument seed"}),
    "relu_mask_ge": ("ex03_layers", {"ex03-relu": [("self.mask = x > 0", "self.mask = x >= 0")]},
                     {"ex03-relu-test": "x >= 0"}),
    "double_sigmoid": ("ex03_layers", {"ex03-sigmoid": [("return dout * self.out * (1.0 - self.out)",
                                                         "s = 0.5 * (1.0 + np.tanh(0.5 * self.out))\n"
                                                         "        return dout * s * (1.0 - s)")]},
                       {"ex03-sigmoid-test": "twice"}),
    "w_before_e": ("ex04_zhou_bp", {"ex04-standard": [(
        "        e = hidden_gradient(b, params[\"w\"], g)\n        for k, delta in updates(x, b, g, e, "
        "eta).items():\n"
        "            params[k] += delta",
        "        params[\"w\"] = params[\"w\"] + eta * np.outer(b, g)\n"
        "        e = hidden_gradient(b, params[\"w\"], g)\n        for k, delta in updates(x, b, g, e, "
        "eta).items():\n"
        "            if k != \"w\":\n                params[k] += delta")]},
                   {"ex04-standard-test": "updated w before computing e_h"}),
    "e_wrong_axis": ("ex04_zhou_bp", {"ex04-e": [("(w @ g)", "(w.T @ g)")]},
                     {"ex04-e-test": "wrong index"}),
    "theta_plus": ("ex04_zhou_bp", {"ex04-updates": [("\"theta\": -eta * g", "\"theta\": eta * g")]},
                   {"ex04-updates-test": "Δtheta has the wrong sign (Zhou 5.12)"}),
    "E_without_half": ("ex05_sympy_derivation", {"ex05-network": [("sp.Rational(1, 2) * ", "")]},
                       {"ex05-network-test": "missing the ½"}),
    "gamma_sign": ("ex05_sympy_derivation", {"ex05-dgamma": [("return apply_5_9(sp.diff(E_k, gamma[h]))",
                                                              "return -apply_5_9(sp.diff(E_k, gamma[h]))")]},
                   {"ex05-dgamma-test": "wrong sign"}),
}

UNUSUAL = {
    "ex01_gates": {
        "ex01-mul": "class MultiplyGate:\n    def forward(self, x, y):\n        self.cache = (x, y)\n"
                    "        return x * y\n    def backward(self, dout):\n        x, y = self.cache\n"
                    "        return [y * dout, x * dout]\n",
        "ex01-max": "class MaxGate:\n    def forward(self, x, y):\n        if x >= y:\n            "
                    "self.route = (1.0, 0.0)\n"
                    "            return x\n        self.route = (0.0, 1.0)\n        return y\n"
                    "    def backward(self, dout):\n        return tuple(r * dout for r in self.route)\n",
        "ex01-sigmoid": "class SigmoidGate:\n    def forward(self, x):\n        self.s = 0.5 * (1.0 + "
                        "math.tanh(0.5 * x))\n"
                        "        return self.s\n    def backward(self, dout):\n"
                        "        return (dout * self.s - dout * self.s ** 2,)\n",
    },
    "ex02_backprop_as_dp": {
        "ex02-topo": "def topological_order(graph):\n    indeg = {n: len(set(graph[n][1])) for n in graph}\n"
                     "    kids = {n: [] for n in graph}\n    for n in graph:\n        for p in "
                     "set(graph[n][1]):\n"
                     "            kids[p].append(n)\n    ready = [n for n in graph if indeg[n] == 0]\n    "
                     "order = []\n"
                     "    while ready:\n        n = ready.pop()\n        order.append(n)\n        for c in "
                     "kids[n]:\n"
                     "            indeg[c] -= 1\n            if indeg[c] == 0:\n                "
                     "ready.append(c)\n"
                     "    return order\n",
        "ex02-backprop": "def backprop(graph, values, order, output):\n    local = local_gradients(graph, "
                         "values)\n"
                         "    grads, n = {output: 1.0}, 0\n    for node in order[::-1]:\n"
                         "        for k, p in enumerate(graph[node][1]):\n"
                         "            grads[p] = grads.get(p, 0.0) + local[node][k] * grads.get(node, 0.0)\n"
                         "            n += 1\n    return grads, n\n",
        "ex02-formula": "def path_mults(n):\n    total = 0\n    for _ in range(2 ** n):\n"
                        "        total += 2 * n - 1\n"
                        "    return total\n",
    },
    "ex03_layers": {
        "ex03-linear": [("self.grads[\"W\"] = self.x.T @ dout", "self.grads[\"W\"] = np.einsum('ni,no->io', "
                                                                "self.x, dout)"),
                        ("self.grads[\"b\"] = dout.sum(axis=0)",
                         "self.grads[\"b\"] = np.array([dout[:, j].sum() for j in range(dout.shape[1])])")],
        "ex03-relu": [("self.mask = x > 0\n        return np.where(self.mask, x, 0.0)",
                       "self.x = x.copy()\n        return np.maximum(x, 0.0)"),
                      ("return dout * self.mask", "return np.where(self.x > 0, dout, 0.0)")],
        "ex03-mse": "def mse_loss(yhat, y):\n    m = len(yhat)\n    E = sum(0.5 * float(((yhat[k] - y[k]) "
                    "** 2).sum()) "
                    "for k in range(m)) / m\n    return E, (yhat - y) / m\n",
        "ex03-train": [("    for _ in range(epochs):\n        history.append(forward_backward(layers, X, "
                        "Y))\n"
                        "        for layer in layers:\n            for name in layer.params:\n"
                        "                layer.params[name] -= lr * layer.grads[name]",
                        "    epoch = 0\n    while epoch < epochs:\n        "
                        "history.append(forward_backward(layers, X, Y))\n"
                        "        for layer in (layers[0], layers[2]):\n"
                        "            layer.params = {k: v - lr * layer.grads[k] for k, v in "
                        "layer.params.items()}\n"
                        "        epoch += 1")],
    },
    "ex04_zhou_bp": {
        "ex04-g": "def output_gradient(yhat, y):\n    return np.array([a * (1 - a) * (t - a) for a, t in "
                  "zip(yhat, y)])\n",
        "ex04-e": "def hidden_gradient(b, w, g):\n    q, l = w.shape\n    return np.array([b[h] * (1 - "
                  "b[h]) * "
                  "sum(w[h, j] * g[j] for j in range(l)) for h in range(q)])\n",
        "ex04-updates": "def updates(x, b, g, e, eta):\n    return {'w': eta * b[:, None] * g[None, :], "
                        "'theta': -eta * g,\n"
                        "            'v': eta * x[:, None] * e[None, :], 'gamma': -eta * e}\n",
        "ex04-accumulated": "def accumulated_bp_epoch(params, X, Y, eta):\n    steps = []\n"
                            "    for x, y in zip(X, Y):\n        b, yhat = forward(params, x)\n"
                            "        g = output_gradient(yhat, y)\n        e = hidden_gradient(b, "
                            "params['w'], g)\n"
                            "        steps.append(updates(x, b, g, e, eta))\n"
                            "    return {k: params[k] + np.mean([s[k] for s in steps], axis=0) for k in "
                            "params}\n",
    },
    "ex05_sympy_derivation": {
        "ex05-network": "def build_network():\n    b = [f(v[0, h] * x[0] + v[1, h] * x[1] - gamma[h]) for h "
                        "in range(2)]\n"
                        "    yhat = [f(w[0, j] * b[0] + w[1, j] * b[1] - theta[j]) for j in range(2)]\n"
                        "    E_k = ((yhat[0] - y[0]) ** 2 + (yhat[1] - y[1]) ** 2) / 2\n    return b, yhat, "
                        "E_k\n",
        "ex05-apply59": "def apply_5_9(expr):\n    for d in sorted(expr.atoms(sp.Derivative), "
                        "key=sp.count_ops, reverse=True):\n"
                        "        expr = expr.subs(d, d.expr * (1 - d.expr))\n    return expr.doit()\n",
    },
}


def _cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _edit(nb, changes: dict) -> None:
    for gid, change in changes.items():
        cell = _cell(nb, gid)
        if isinstance(change, str):
            cell.source = change
        else:
            for old, new in change:
                assert old in cell.source, (gid, old)
                cell.source = cell.source.replace(old, new)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("answers")
    paths = {}
    for name, (exercise, changes, _) in WRONG.items():
        nb = nbformat.read(SOLUTIONS / f"{exercise}.ipynb", as_version=4)
        _edit(nb, changes)
        paths[name] = folder / f"{name}_{exercise}.ipynb"
        nbformat.write(nb, paths[name])
    for exercise, changes in UNUSUAL.items():
        nb = nbformat.read(SOLUTIONS / f"{exercise}.ipynb", as_version=4)
        _edit(nb, changes)
        paths[f"unusual_{exercise}"] = folder / f"unusual_{exercise}.ipynb"
        nbformat.write(nb, paths[f"unusual_{exercise}"])
    results = grade(list(paths.values()), SOLUTIONS, timeout=10.0, echo=True, jobs=2, seed="answers")
    by_path = {r.path: r for r in results}
    return {k: by_path[str(p)] for k, p in paths.items()}


@pytest.mark.parametrize("name", sorted(WRONG))
def test_wrong_answer_loses_exactly_its_task_with_the_mistake_named(graded, name):
    r = graded[name]
    expected = WRONG[name][2]
    for t in r.tasks:
        if t.grade_id in expected:
            assert t.earned == 0 and expected[t.grade_id] in t.message, (t.grade_id, t.message)
        else:  # the other tasks use the grader's references, so one mistake is not counted twice
            assert t.earned == t.points, (t.grade_id, t.message)


@pytest.mark.parametrize("exercise", sorted(UNUSUAL))
def test_correct_answer_written_differently_gets_full_marks(graded, exercise):
    r = graded[f"unusual_{exercise}"]
    assert r.earned == r.points > 0, [(t.number, t.message) for t in r.tasks if t.earned < t.points]
