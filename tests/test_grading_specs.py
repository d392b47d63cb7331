"""Every solution notebook has a grader spec (``bpcourse/grading/exNN.py``) whose tasks are exactly
the notebook's graded test cells, and the spec helpers judge plain data as documented."""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from bpcourse.grading import exercises
from bpcourse.grading.spec import SymTree, Wrong, array, diagnose, number, sym_close, task_rng

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("ex*.ipynb"))


def _test_ids(path: Path) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for cell in nb["cells"]:
        nbg = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] == "code" and nbg.get("grade") and not nbg.get("solution"):
            out.append(nbg["grade_id"])
    return out


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_every_graded_cell_has_a_task(path):
    spec = exercises().get(path.stem)
    assert spec is not None, f"no bpcourse/grading/exNN.py defines EXERCISE for {path.stem}"
    assert [t.grade_id for t in spec.tasks] == _test_ids(path)
    assert len({t.number for t in spec.tasks}) == len(spec.tasks)


def test_the_seed_decides_the_inputs():
    a = task_rng("secret", "alice.ipynb", "ex01-mul-test").normal(size=3)
    assert np.array_equal(a, task_rng("secret", "alice.ipynb", "ex01-mul-test").normal(size=3))
    assert not np.array_equal(a, task_rng("other", "alice.ipynb", "ex01-mul-test").normal(size=3))
    assert not np.array_equal(a, task_rng("secret", "bob.ipynb", "ex01-mul-test").normal(size=3))


def test_helpers_fail_with_a_named_message():
    with pytest.raises(Wrong, match="should be a number"):
        number("3", "dx")
    with pytest.raises(Wrong, match="transposed"):
        array(np.zeros((3, 2)), (2, 3), "dW")
    with pytest.raises(Wrong, match="swapped"):
        diagnose((2.0, 1.0), (1.0, 2.0), [((2.0, 1.0), "swapped")], "(dx, dy)")
    with pytest.raises(Wrong, match="expected"):
        diagnose((5.0, 1.0), (1.0, 2.0), [((2.0, 1.0), "swapped")], "(dx, dy)")
    diagnose((1.0, 2.0 + 1e-12), (1.0, 2.0), [], "(dx, dy)")


def test_sympy_tree_is_judged_by_value_and_rebuilt_from_a_whitelist():
    import sympy as sp

    # f(x1)·(1 − f(x1)) + x1²/2, as bpcourse/runner.py sends it
    fx = ["Function", "f", ["Symbol", "x1"]]
    tree = ["Add", ["Mul", fx, ["Add", ["Integer", "1"], ["Mul", ["Integer", "-1"], fx]]],
            ["Mul", ["Rational", "1", "2"], ["Pow", ["Symbol", "x1"], ["Integer", "2"]]]]
    t = SymTree(tree)
    sig = lambda u: 1 / (1 + math.exp(-u))  # noqa: E731
    point = {"x1": 0.3}
    assert math.isclose(t.evaluate(point, {"f": sig}), sig(0.3) * (1 - sig(0.3)) + 0.045)
    x1, f = sp.Symbol("x1"), sp.Function("f")
    assert sp.simplify(t.to_sympy() - (f(x1) * (1 - f(x1)) + x1**2 / 2)) == 0
    assert t.symbols() == {"x1"} and not t.has("Derivative")
    sym_close(t, lambda p: sig(p["x1"]) * (1 - sig(p["x1"])) + p["x1"] ** 2 / 2, "expr", [point], {"f": sig})
    with pytest.raises(Wrong, match="wrong"):
        sym_close(t, lambda p: 0.0, "expr", [point], {"f": sig})
    # Nothing outside the whitelist is ever rebuilt, and nothing is evaluated from text.
    with pytest.raises(ValueError):
        SymTree(["Unknown", "os.system"]).to_sympy()
    with pytest.raises(ValueError):
        SymTree(["Integer", "9" * 10_000]).to_sympy()
    assert math.isnan(SymTree(["Symbol", "__import__('os')"]).evaluate({}))


def test_hostile_trees_are_refused_not_computed():
    huge = ["Pow", ["Integer", "9" * 39], ["Integer", "9" * 39]]
    with pytest.raises(ValueError):
        SymTree(huge).to_sympy()
    assert math.isnan(SymTree(huge).evaluate({})) or math.isinf(SymTree(huge).evaluate({}))
    deep = ["Symbol", "x"]
    for _ in range(250_000):
        deep = ["Add", deep]
    with pytest.raises(ValueError):
        SymTree(deep)  # more nodes than a judge will look at
