"""Exercises 8-10 through the trusted grader (``bpcourse.grade.grade``): every planted mistake loses
exactly its task's points with the mistake named, correct answers written differently get full
marks, and a lookup table of the visible examples loses the points.

All the submissions are graded in ONE call (a module fixture, two at a time).
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import numpy as np
import pytest

from bpcourse.grade import grade

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
NEW = ["ex08_new_layers", "ex09_staged_circuit", "ex10_predict_then_check"]

# ---- ex08 ----------------------------------------------------------------------------------------

ELU = """
class ELU:
    def __init__(self, alpha=1.0):
        self.alpha = alpha
        self.params, self.grads = {{}}, {{}}

    def forward(self, x):
        self.x = x
        return np.where(x > 0, x, self.alpha * np.expm1(np.minimum(x, 0.0)))

    def backward(self, dout):
        x, a = self.x, self.alpha
        return {slope}
"""

MAXOUT = """
class Maxout:
    def __init__(self, n_in, n_out, k=2, rng=None):
        rng = np.random.default_rng(0) if rng is None else rng
        self.params = {{"W": rng.normal(size=(k, n_in, n_out)), "b": np.zeros((k, n_out))}}
        self.grads = {{}}

    def forward(self, x):
        W, b = self.params["W"], self.params["b"]
        z = np.stack([x @ W[p] + b[p] for p in range(len(W))])
        self.x, self.winner = x, np.argmax(z, axis=0)
        return np.take_along_axis(z, self.winner[None], axis=0)[0]

    def backward(self, dout):
        W = self.params["W"]
        k = len(W)
        won = np.stack([self.winner == p for p in range(k)])
        dz = {dz}
        self.grads["W"] = np.stack([self.x.T @ dz[p] for p in range(k)])
        self.grads["b"] = {db}
        return {dx}
"""
RIGHT_DZ, RIGHT_DB, RIGHT_DX = "won * dout", "dz.sum(axis=1)", "sum(dz[p] @ W[p].T for p in range(k))"

SCE = """
def softmax_cross_entropy(scores, y):
    N, C = scores.shape
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_p = {log_p}
    p = softmax(scores)
    onehot = np.eye(C)[y]
    return {E}, {d}
"""
RIGHT_LOGP = "shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))"
RIGHT_E, RIGHT_D = "-log_p[np.arange(N), y].mean()", "(p - onehot) / N"

ELU_SHARED = """
class ELU:
    cache = {}

    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def forward(self, x):
        ELU.cache["x"] = x
        return np.where(x > 0, x, self.alpha * np.expm1(np.minimum(x, 0.0)))

    def backward(self, dout):
        x = ELU.cache["x"]
        return dout * np.where(x > 0, 1.0, self.alpha * np.exp(np.minimum(x, 0.0)))
"""

ELU_UNUSUAL = """
import math


class ELU:  # element by element, and the slope from the output: αe^x = out + α for x ≤ 0
    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def forward(self, x):
        self.out = np.array([[v if v > 0 else self.alpha * math.expm1(v) for v in row] for row in x])
        self.pos = x > 0
        return self.out

    def backward(self, dout):
        return np.where(self.pos, dout, dout * (self.out + self.alpha))
"""

MAXOUT_LOOPS = MAXOUT.format(dz="won * dout", db=RIGHT_DB, dx="0").replace(
    "        return 0\n",
    """        dx = np.zeros_like(self.x)
        for n in range(dout.shape[0]):
            for j in range(dout.shape[1]):
                dx[n] += W[self.winner[n, j], :, j] * dout[n, j]
        return dx
""",
)

SCE_UNUSUAL = """
import math


def softmax_cross_entropy(scores, y):  # one entry at a time
    N, C = scores.shape
    lse = np.logaddexp.reduce(scores, axis=1)
    E = sum(lse[k] - scores[k, y[k]] for k in range(N)) / N
    d = np.array([[(math.exp(scores[k, c] - lse[k]) - (c == y[k])) / N for c in range(C)] for k in range(N)])
    return E, d
"""


def _lookup_elu() -> str:
    """An ELU that is right on the check's visible examples only (a table of them), else returns 0."""
    from bpcourse.check import check_elu

    table = {}

    class Recorder:
        def __init__(self, alpha=1.0):
            self.alpha = alpha

        def forward(self, x):
            self.x = np.array(x)
            return np.where(x > 0, x, self.alpha * np.expm1(np.minimum(x, 0.0)))

        def backward(self, dout):
            dx = dout * np.where(self.x > 0, 1.0, self.alpha * np.exp(np.minimum(self.x, 0.0)))
            table[repr((self.alpha, self.x.round(9).tolist(), np.asarray(dout).round(9).tolist()))] = (
                dx.tolist()
            )
            return dx

    check_elu(Recorder)
    return f"""
import json

TABLE = json.loads({json.dumps(json.dumps(table))})


class ELU:
    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def forward(self, x):
        self.x = np.array(x)
        return np.where(x > 0, x, self.alpha * np.expm1(np.minimum(x, 0.0)))

    def backward(self, dout):
        key = repr((self.alpha, self.x.round(9).tolist(), np.asarray(dout).round(9).tolist()))
        return np.array(TABLE[key]) if key in TABLE else np.zeros_like(self.x)
"""


# ---- ex09 ----------------------------------------------------------------------------------------

FORWARD = """
def sigmoid(t):
    if t >= 0:
        return 1.0 / (1.0 + math.exp(-t))
    return math.exp(t) / (1.0 + math.exp(t))


def forward_stages(x, y):
    sy = {sy}
    top = x + sy
    sx = sigmoid(x)
    s = x + y
    s2 = {s2}
    bottom = sx + s2
    r = 1.0 / bottom
    return {{"sy": sy, "top": top, "sx": sx, "s": s, "s2": s2, "bottom": bottom, "r": r, "f": top * r}}
"""

BACKWARD = """
def backward_stages(x, y, st):
    df = 1.0
    dtop, dr = st["r"] * df, st["top"] * df
    dbottom = {recip} / st["bottom"] ** 2 * dr
    dsx = ds2 = dbottom
    ds = {two} * st["s"] * ds2
    sig_x, sig_y = {sigs}
    dx = ds
    dx {op_x} sig_x * dsx
    dx {op_x} dtop
    dsy = dtop
    dy = ds
    dy {op_y} sig_y * dsy
    return {{"df": df, "dr": dr, "dtop": dtop, "dbottom": dbottom, "dsx": dsx, "ds2": ds2, "ds": ds,
            "dsy": dsy, "dx": dx, "dy": dy}}
"""
RIGHT_SIGS = 'st["sx"] * (1 - st["sx"]), st["sy"] * (1 - st["sy"])'


def _backward(**kw):
    args = {"recip": "-1.0", "two": "2.0", "sigs": RIGHT_SIGS, "op_x": "+=", "op_y": "+="} | kw
    return BACKWARD.format(**args)


CENTRED = """
def centred_difference(fn, x, y, h=1e-5):
    return {body}
"""

LOOKUP_FORWARD = """
def forward_stages(x, y):  # the check's visible points, and nothing else
    known = {(3.0, -4.0): 0.2158, (-1.5, 0.5): -1.5, (0.7, 2.2): 0.1}
    f = known.get((x, y), 0.0)
    return {"sy": 0.0, "top": 0.0, "sx": 0.0, "s": x + y, "s2": (x + y) ** 2, "bottom": 1.0, "r": 1.0, "f": f}
"""

# ---- the submissions -----------------------------------------------------------------------------

# name: (exercise, {solution cell grade_id: new source}, {test grade_id: words its message must hold})
CASES = {
    "elu_no_alpha": (
        "ex08_new_layers",
        {"ex08-elu": ELU.format(slope="dout * np.where(x > 0, 1.0, np.exp(np.minimum(x, 0.0)))")},
        {"ex08-elu-test": ["left out α"]},
    ),
    "elu_mask_nan": (
        "ex08_new_layers",
        {"ex08-elu": ELU.format(slope="dout * ((x > 0) + (x <= 0) * a * np.exp(x))")},
        {"ex08-elu-test": ["nan or inf", "np.where"]},
    ),
    "elu_dout_mask": (
        "ex08_new_layers",
        {"ex08-elu": ELU.format(slope="dout * np.where(dout > 0, 1.0, a * np.exp(np.minimum(x, 0)))")},
        {"ex08-elu-test": ["not from dout"]},
    ),
    "elu_shared_cache": (
        "ex08_new_layers",
        {"ex08-elu": ELU_SHARED},
        {"ex08-elu-test": ["second one's input"]},
    ),
    "elu_lookup": ("ex08_new_layers", {"ex08-elu": None}, {"ex08-elu-test": []}),  # source filled in below
    "maxout_every_piece": (
        "ex08_new_layers",
        {"ex08-maxout": MAXOUT.format(dz="np.stack([dout] * k)", db=RIGHT_DB, dx=RIGHT_DX)},
        {"ex08-maxout-test": ["every piece"]},
    ),
    "maxout_piece0": (
        "ex08_new_layers",
        {"ex08-maxout": MAXOUT.format(dz=RIGHT_DZ, db=RIGHT_DB, dx="dz[0] @ W[0].T")},
        {"ex08-maxout-test": ["only piece 0", "fork"]},
    ),
    "maxout_mean_bias": (
        "ex08_new_layers",
        {"ex08-maxout": MAXOUT.format(dz=RIGHT_DZ, db="dz.mean(axis=1)", dx=RIGHT_DX)},
        {"ex08-maxout-test": ["mean over the batch"]},
    ),
    "softmax_overflow": (
        "ex08_new_layers",
        {"ex08-softmax": "def softmax(s):\n    return np.exp(s) / np.exp(s).sum(axis=1, keepdims=True)"},
        {"ex08-softmax-test": ["nan or inf", "largest score"]},
    ),
    "softmax_columns": (
        "ex08_new_layers",
        {"ex08-softmax": "def softmax(s):\n    e = np.exp(s - s.max(axis=0))\n    return e / e.sum(axis=0)"},
        {"ex08-softmax-test": ["each column"]},
    ),
    "sce_no_N": (
        "ex08_new_layers",
        {"ex08-softmax-ce": SCE.format(log_p=RIGHT_LOGP, E=RIGHT_E, d="p - onehot")},
        {"ex08-softmax-ce-test": ["N times too big"]},
    ),
    "sce_only_y": (
        "ex08_new_layers",
        {
            "ex08-softmax-ce": SCE.format(
                log_p=RIGHT_LOGP, E=RIGHT_E, d="np.where(onehot > 0, -1 / np.where(onehot > 0, p, 1), 0) / N"
            )
        },
        {"ex08-softmax-ce-test": ["p_y alone"]},
    ),
    "sce_naive_log": (
        "ex08_new_layers",
        {"ex08-softmax-ce": SCE.format(log_p="np.log(softmax(scores))", E=RIGHT_E, d=RIGHT_D)},
        {"ex08-softmax-ce-test": ["log 0", "log-sum-exp"]},
    ),
    "sce_sign": (
        "ex08_new_layers",
        {"ex08-softmax-ce": SCE.format(log_p=RIGHT_LOGP, E=RIGHT_E, d="(onehot - p) / N")},
        {"ex08-softmax-ce-test": ["wrong sign"]},
    ),
    # a wrong softmax costs 8.3 only, even though this softmax_cross_entropy calls it
    "softmax_wrong_sce_uses_it": (
        "ex08_new_layers",
        {
            "ex08-softmax": "def softmax(s):\n    return np.exp(s)",
            "ex08-softmax-ce": SCE.format(log_p=RIGHT_LOGP, E=RIGHT_E, d=RIGHT_D),
        },
        {"ex08-softmax-test": ["not yet divided"]},
    ),
    "ex08_unusual": (
        "ex08_new_layers",
        {"ex08-elu": ELU_UNUSUAL, "ex08-maxout": MAXOUT_LOOPS, "ex08-softmax-ce": SCE_UNUSUAL},
        {},
    ),
    # ex09
    "forward_swapped_sigmoid": (
        "ex09_staged_circuit",
        {"ex09-forward": FORWARD.format(sy="sigmoid(x)", s2="s**2")},
        {"ex09-forward-test": ["sy is σ(x)"]},
    ),
    "forward_squares": (
        "ex09_staged_circuit",
        {"ex09-forward": FORWARD.format(sy="sigmoid(y)", s2="x**2 + y**2")},
        {"ex09-forward-test": ["x² + y²"]},
    ),
    "forward_overflow": (
        "ex09_staged_circuit",
        {
            "ex09-forward": FORWARD.format(sy="sigmoid(y)", s2="s**2").replace(
                "    if t >= 0:\n        return 1.0 / (1.0 + math.exp(-t))\n"
                "    return math.exp(t) / (1.0 + math.exp(t))",
                "    return 1.0 / (1.0 + math.exp(-t))",
            )
        },
        {"ex09-forward-test": ["OverflowError"]},
    ),
    "forward_lookup": ("ex09_staged_circuit", {"ex09-forward": LOOKUP_FORWARD}, {"ex09-forward-test": []}),
    "backward_assign_at_fork": (
        "ex09_staged_circuit",
        {"ex09-backward": _backward(op_x="=")},
        {"ex09-backward-test": ["dx is missing the contribution through sx and s", "+="]},
    ),
    "backward_y_fork": (
        "ex09_staged_circuit",
        {"ex09-backward": _backward(op_y="=")},
        {"ex09-backward-test": ["dy is missing the contribution through s"]},
    ),
    "backward_reciprocal_sign": (
        "ex09_staged_circuit",
        {"ex09-backward": _backward(recip="1.0")},
        {"ex09-backward-test": ["dbottom has the wrong sign"]},
    ),
    "backward_no_2": (
        "ex09_staged_circuit",
        {"ex09-backward": _backward(two="1.0")},
        {"ex09-backward-test": ["missing the 2"]},
    ),
    "backward_wrong_sigmoid": (
        "ex09_staged_circuit",
        {"ex09-backward": _backward(sigs='st["sy"] * (1 - st["sy"]), st["sx"] * (1 - st["sx"])')},
        {"ex09-backward-test": ["*that* sigmoid"]},
    ),
    "centred_one_sided": (
        "ex09_staged_circuit",
        {"ex09-centred": CENTRED.format(body="(fn(x + h, y) - fn(x, y)) / h, (fn(x, y + h) - fn(x, y)) / h")},
        {"ex09-centred-test": ["one-sided"]},
    ),
    "centred_fixed_h": (
        "ex09_staged_circuit",
        {
            "ex09-centred": CENTRED.format(
                body="(fn(x + 1e-5, y) - fn(x - 1e-5, y)) / 2e-5, (fn(x, y + 1e-5) - fn(x, y - 1e-5)) / 2e-5"
            )
        },
        {"ex09-centred-test": ["the argument h"]},
    ),
    "ex09_unusual": (
        "ex09_staged_circuit",
        {
            "ex09-forward": """
def forward_stages(x, y):  # σ(t) = ½(1 + tanh(t/2)) never overflows
    sig = lambda t: 0.5 * (1 + math.tanh(t / 2))
    sy, sx, s = sig(y), sig(x), x + y
    return {"sy": sy, "top": x + sy, "sx": sx, "s": s, "s2": s * s, "bottom": sx + s * s,
            "r": 1 / (sx + s * s), "f": (x + sy) / (sx + s * s)}
""",
            "ex09-backward": """
def backward_stages(x, y, st):  # every gradient written out from the chain rule
    b, s = st["bottom"], st["s"]
    dbottom = -st["top"] / b**2
    return {"df": 1.0, "dr": st["top"], "dtop": 1 / b, "dbottom": dbottom, "dsx": dbottom, "ds2": dbottom,
            "ds": 2 * s * dbottom, "dsy": 1 / b,
            "dx": 1 / b + st["sx"] * (1 - st["sx"]) * dbottom + 2 * s * dbottom,
            "dy": st["sy"] * (1 - st["sy"]) / b + 2 * s * dbottom}
""",
            "ex09-centred": CENTRED.format(
                body="tuple((fn(x + a, y + b) - fn(x - a, y - b)) / (2 * h) for a, b in ((h, 0.0), (0.0, h)))"
            ),
        },
        {},
    ),
    "ex08_unusual_2": (
        "ex08_new_layers",
        {
            "ex08-softmax": "def softmax(s):\n"
            "    return np.exp(s - np.logaddexp.reduce(s, axis=1, keepdims=True))",
            "ex08-maxout": MAXOUT.format(
                dz="(np.arange(k)[:, None, None] == self.winner[None]) * dout[None]",
                db="np.einsum('pnj->pj', dz)",
                dx="np.einsum('pnj,pij->ni', dz, W)",
            ),
            "ex08-elu": ELU.format(slope="np.where(x > 0, dout, dout * a * np.exp(np.clip(x, None, 0.0)))"),
        },
        {},
    ),
    "ex09_unusual_2": (
        "ex09_staged_circuit",
        {
            "ex09-backward": _backward(recip="-(1.0)", two="(1 + 1)"),
            "ex09-centred": CENTRED.format(
                body="(fn(x + h, y) - fn(x - h, y)) / h / 2, (fn(x, y + h) - fn(x, y - h)) * (0.5 / h)"
            ),
        },
        {},
    ),
    # ex10
    "predict_routed_to_loser": (
        "ex10_predict_then_check",
        {"ex10-max": "max_gate_grads = (-3.0, 0.0)"},
        {"ex10-max-test": ["*won*"]},
    ),
    "predict_dW_transposed": (
        "ex10_predict_then_check",
        {"ex10-shapes": 'linear_shapes = {"dx": (64, 784), "dW": (10, 784), "db": (10,)}'},
        {"ex10-shapes-test": ["transposed"]},
    ),
    "predict_sign_flipped": (
        "ex10_predict_then_check",
        {"ex10-sign": "sign_dE_dw1 = -1"},
        {"ex10-sign-test": ["x₁ is negative"]},
    ),
    "predict_one_path": (
        "ex10_predict_then_check",
        {"ex10-fork": "fork_dfdx = 6.0"},
        {"ex10-fork-test": ["two paths"]},
    ),
    "predict_kink": (
        "ex10_predict_then_check",
        {"ex10-relu": "relu_dx = [0, 5, 5]"},
        {"ex10-relu-test": ["slope as 0"]},
    ),
    "predict_scale": (
        "ex10_predict_then_check",
        {"ex10-scale": 'larger_gradient = "x"'},
        {"ex10-scale-test": ["*other* input"]},
    ),
    "predict_full_jacobian": (
        "ex10_predict_then_check",
        {"ex10-jacobian": "relu_jacobian_nonzeros = 4096**2"},
        {"ex10-jacobian-test": ["i ≠ j"]},
    ),
    "ex10_unusual": (
        "ex10_predict_then_check",
        {
            "ex10-max": "max_gate_grads = [0, -3]",
            "ex10-shapes": 'linear_shapes = {"db": [10], "dx": [64, 784], "dW": (784, 10)}',
            "ex10-relu": "relu_dx = np.array([0.0, 0.0, 5.0])",
            "ex10-jacobian": "relu_jacobian_nonzeros = 4096.0",
        },
        {},
    ),
    "ex10_unusual_2": (
        "ex10_predict_then_check",
        {
            "ex10-sign": "sign_dE_dw1 = 1",
            "ex10-fork": "fork_dfdx = 5",
            "ex10-shapes": "linear_shapes = dict(dx=[64, 784], dW=[784, 10], db=[10])",
            "ex10-scale": "larger_gradient = 'w'",
        },
        {},
    ),
}


def _submission(folder: Path, case: str, exercise: str, cells: dict) -> Path:
    nb = nbformat.read(SOLUTIONS / f"{exercise}.ipynb", as_version=4)
    ids = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    for gid, source in cells.items():
        ids[gid].source = source.strip("\n")
    path = folder / f"{case}_{exercise}.ipynb"
    path.write_text(nbformat.writes(nb), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("new_submissions")
    CASES["elu_lookup"][1]["ex08-elu"] = _lookup_elu()
    paths = {case: _submission(folder, case, ex, cells) for case, (ex, cells, _) in CASES.items()}
    paths |= {f"solution_{n}": SOLUTIONS / f"{n}.ipynb" for n in NEW}
    paths |= {f"blank_{n}": EXERCISES / f"{n}.ipynb" for n in NEW}
    results = grade(list(paths.values()), SOLUTIONS, timeout=20.0, echo=False, jobs=2, seed="exB")
    by_path = {r.path: r for r in results}
    return {case: by_path[str(p)] for case, p in paths.items()}


@pytest.mark.parametrize("name", NEW)
def test_solutions_full_marks_blanks_zero(graded, name):
    r = graded[f"solution_{name}"]
    assert r.error is None and r.tasks and r.earned == r.points, [(t.number, t.message) for t in r.tasks]
    blank = graded[f"blank_{name}"]
    assert blank.error is None and blank.earned == 0 and len(blank.tasks) == len(r.tasks)
    for t in blank.tasks:
        assert t.message.startswith("not attempted yet"), (t.number, t.message)


@pytest.mark.parametrize("case", list(CASES))
def test_each_mistake_costs_its_task_and_is_named(graded, case):
    exercise, _, lost = CASES[case]
    r = graded[case]
    assert r.error is None and r.exercise == exercise, (r.error, r.notes)
    for t in r.tasks:
        if t.grade_id in lost:
            assert t.earned == 0, (case, t.number, t.message)
            for w in lost[t.grade_id]:
                assert w in t.message, (case, w, t.message)
        else:
            assert t.earned == t.points, (case, t.number, t.message)
