"""Exercise 7, Zhou's four partial derivatives by hand: probes and judges for the trusted grader.

Each answer is a sympy expression in the book's indexed symbols (``b[h]``, ``w[h, j]``, sums
``sp.Sum(..., (j, 1, l))``). The probe, inside the sandbox, puts concrete network sizes and indices
in, writes the sums out and renames every ``b[2]`` to a plain symbol ``b_2``; what comes back is a
plain expression tree (``SymTree``), never text. Here the grader

1. checks its form: no sympy ``Derivative`` left, only the notebook's symbols, no free index the
   quantity does not have (e_h must not depend on j: a missing Σ_j);
2. evaluates it on random networks of two sizes drawn at grading time, at random indices, with the
   true value of every symbol (g_j and e_h included, so each task is judged on its own), against
   the book's equation computed here in numpy; a wrong value is matched against the classic
   mistakes to name it;
3. proves it on a 2-2-2 network: every intermediate symbol is replaced by its definition down to
   x, y, v, γ, w, θ and f, and (yours − the book's) must expand to exactly 0 within a time limit
   (if the limit is reached, the values decide).
"""

from __future__ import annotations

import math

import numpy as np

from bpcourse.check.ex07 import (
    ANSWERS,
    BASES,
    BOOK,
    INDICES,
    LABEL,
    SIZES,
    SYMBOLIC_SECONDS,
    random_net,
    time_limit,
    to_leaves,
)
from bpcourse.grading.spec import Exercise, NotAttempted, Probe, Raised, SymTree, Task, fail, sigmoid

# The proof expands polynomials in the leaves. The book's answers are a few hundred nodes with
# powers up to 2; an answer far beyond that (which can only reach the proof by having the right
# values) is left to the values, so no submission can keep the grader busy expanding it. The time
# limit is a second guard, where a signal can be used (the main thread).
SYMBOLIC_MAX_NODES = 3_000
SYMBOLIC_MAX_POWER = 6
PROOF_SIZES = {"d": 2, "q": 2, "l": 2}
PROOF_INDEX = {"i": 2, "h": 1, "j": 2}


def _named(net: dict[str, np.ndarray]) -> dict[str, float]:
    """{"b_2": b_2, "w_2_1": w_21, ...} with the book's 1-based indices."""
    out = {}
    for base, arr in net.items():
        for k, value in np.ndenumerate(arr):
            out[base + "_" + "_".join(str(n + 1) for n in k)] = float(value)
    return out


# ---------------------------------------------------------------------------------------------
# The symbolic proof on a 2-2-2 network, in plain symbols b_1, w_1_2, ...
# ---------------------------------------------------------------------------------------------


def reference_concrete(name: str, sizes: dict[str, int], index: dict[str, int]):
    """The book's ``name`` on a concrete network, in plain symbols (the grader's own, in sympy)."""
    import sympy as sp

    S = sp.Symbol
    i, h, j, l = index["i"], index["h"], index["j"], sizes["l"]
    yh, y, b = S(f"yhat_{j}"), S(f"y_{j}"), S(f"b_{h}")
    g, e, x = S(f"g_{j}"), S(f"e_{h}"), S(f"x_{i}")
    sum_wg = sum(S(f"w_{h}_{jj}") * S(f"g_{jj}") for jj in range(1, l + 1))
    return {
        "E_k": sp.Rational(1, 2) * sum((S(f"yhat_{jj}") - S(f"y_{jj}")) ** 2 for jj in range(1, l + 1)),
        "dE_dyhat": yh - y, "dyhat_dbeta": yh * (1 - yh), "dbeta_dw": b, "g_j": yh * (1 - yh) * (y - yh),
        "dE_dw": -g * b, "dE_dtheta": g, "dE_db": -sum_wg, "db_dalpha": b * (1 - b),
        "e_h": b * (1 - b) * sum_wg,
        "dE_dv": -e * x, "dE_dgamma": e,
    }[name]


def _largest_power(tree) -> float:
    """The largest |exponent| of any power in the tree (an explicit stack: trees can be deep)."""
    out, stack = 0.0, [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, list) and node:
            if node[0] == "Pow" and len(node) == 3:
                ex = node[2]
                if isinstance(ex, list) and ex and ex[0] in ("Integer", "Float", "Rational"):
                    try:
                        value = int(ex[1]) / int(ex[2]) if ex[0] == "Rational" else float(ex[1])
                        out = max(out, abs(value))
                    except (ValueError, IndexError, ZeroDivisionError, OverflowError):
                        return math.inf
                else:
                    return math.inf  # a symbolic exponent: not a polynomial
            stack.extend(node[1:])
    return out


def proved_equal(tree: SymTree, name: str) -> bool | None:
    """True if (tree − the book's) expands to 0 down to the leaves, False if not, None if it could
    not be decided (too large, or out of time)."""
    import sympy as sp

    if tree.size > SYMBOLIC_MAX_NODES or _largest_power(tree.tree) > SYMBOLIC_MAX_POWER:
        return None
    try:
        with time_limit(SYMBOLIC_SECONDS):
            mine = to_leaves(tree.to_sympy(), PROOF_SIZES)
            book = to_leaves(reference_concrete(name, PROOF_SIZES, PROOF_INDEX), PROOF_SIZES)
            return sp.expand(mine - book) == 0
    except (TimeoutError, ValueError, TypeError, RecursionError):
        return None


# ---------------------------------------------------------------------------------------------
# Probe and judge
# ---------------------------------------------------------------------------------------------

_PROBE = '''
import sympy as sp

def concrete(expr, values):
    sub = {s: values[s.name] for s in expr.free_symbols if isinstance(s, sp.Symbol) and s.name in values}
    out = expr.subs(sub).doit()
    repl = {}
    for a in out.atoms(sp.Indexed):
        if not all(k.is_Integer for k in a.indices):
            return {"problem": "index", "what": str(a)[:80]}
        repl[a] = sp.Symbol(str(a.base.label) + "_" + "_".join(str(int(k)) for k in a.indices))
    out = out.xreplace(repl)
    if out.has(sp.Sum):
        return {"problem": "sum"}
    return out

out = {}
for name, cases in args["answers"].items():
    fn = globals().get(name)
    if fn is None or not callable(fn):
        out[name] = {"missing": True}
        continue
    expr = catch(fn)
    if isinstance(expr, Exception):
        out[name] = expr
        continue
    if isinstance(expr, bool) or not isinstance(expr, (int, float, sp.Basic)):
        out[name] = {"kind": type(expr).__name__}
        continue
    expr = sp.sympify(expr)
    free = sorted({str(s) for s in expr.free_symbols if isinstance(s, sp.Symbol)})
    values = []
    for case in cases:
        values.append(catch(concrete, expr, case))
    out[name] = {"kind": "sympy", "free": free, "values": values,
                 "derivative": bool(expr.has(sp.Derivative) or expr.has(sp.Subs))}
return out
'''


def _cases(rng: np.random.Generator, letters: str) -> list[dict]:
    """Sizes and 1-based indices: the proof's 2-2-2 case first, then random ones on a small network
    and on one larger than any the notebook's checks use (so an answer tuned to their sizes fails)."""
    out = [{**PROOF_SIZES, **PROOF_INDEX}]
    for low, high in ((2, 4), (4, 6)):
        sizes = {k: int(n) for k, n in zip("dql", rng.integers(low, high, size=3), strict=True)}
        for _ in range(3 if letters else 1):
            out.append({**sizes, **{k: int(rng.integers(1, sizes[SIZES[k]] + 1)) for k in INDICES}})
    return out


def _probe(names: tuple[str, ...]):
    def probe(rng):
        answers = {name: _cases(rng, ANSWERS[name][1]) for name in names}
        return Probe(_PROBE, {"answers": answers, "seed": int(rng.integers(2**31))}, timeout=60.0)
    return probe


def _form_problem(name: str, res: dict) -> str | None:
    label = ANSWERS[name][1]
    allowed = set(label)
    if res.get("derivative"):
        return (f"{LABEL[name]} still contains f' as a sympy Derivative: write it out with (5.9), "
                "f'(z) = f(z)(1 − f(z)), in terms of the output")
    free = res.get("free")
    if not isinstance(free, list):
        return f"{LABEL[name]}: could not read the expression"
    for s in free:
        if not isinstance(s, str):
            continue
        if s in INDICES and s not in allowed:
            if s == "j":
                return (f"{LABEL[name]} depends on j, but there is one {LABEL[name]} for all the outputs: "
                        f"{'b_h feeds every output, so ' if name != 'E_k' else ''}sum over the l outputs, "
                        "Σ_j, written sp.Sum(..., (j, 1, l))")
            return f"{LABEL[name]} should not depend on the index {s}"
        if s not in INDICES and s not in SIZES.values() and s not in BASES:
            return (f"{LABEL[name]} uses the symbol {s}, which is not one of the notebook's symbols; use "
                    "x[i], v[i, h], b[h], w[h, j], yhat[j], ... from the cell at the top")
    return None


def _judge_one(name: str, res, cases: list[dict], rng_seed: int) -> None:
    label = LABEL[name]
    if isinstance(res, Raised):
        if res.type == "NotImplementedError":
            raise NotAttempted(f"{name}() still raises NotImplementedError")
        fail(f"{name}() raised {res.type}: {res.message}")
    if not isinstance(res, dict):
        fail(f"{label}: could not read the answer")
    if res.get("missing"):
        fail(f"{name} is not defined: run its cell (and check its name)")
    if res.get("kind") != "sympy":
        fail(f"{label} should be a sympy expression, got {res.get('kind')}")
    problem = _form_problem(name, res)
    if problem:
        fail(problem)
    values = res.get("values")
    if not isinstance(values, list) or len(values) != len(cases):
        fail(f"{label}: could not read the values")
    _, letters, ref, mistakes = ANSWERS[name]
    rng = np.random.default_rng(rng_seed)
    nets: dict[tuple, dict] = {}
    for case, tree in zip(cases, values, strict=True):
        if isinstance(tree, Raised):
            fail(f"{label} could not be evaluated on a {case['d']}-{case['q']}-{case['l']} network "
                 f"({tree.type}: {tree.message})")
        if isinstance(tree, dict):
            if tree.get("problem") == "sum":
                fail(f"{label}: a sum did not write itself out; sum over j from 1 to l (or i to d, h to q)")
            fail(f"{label}: the index of {tree.get('what')} is not i, h or j")
        if not isinstance(tree, SymTree):
            fail(f"{label}: could not read the expression")
        key = (case["d"], case["q"], case["l"])
        if key not in nets:
            nets[key] = random_net(rng, *key)
        net = nets[key]
        named = _named(net)
        for sym in tree.symbols():
            base, _, ks = sym.partition("_")
            if sym not in named:
                if base in BASES:
                    fail(f"{label} uses {base}[{ks.replace('_', ', ')}]: the indices run from 1 to d, q "
                         "or l, as in the book")
                fail(f"{label} uses the symbol {sym}, which is not one of the notebook's symbols")
        got = tree.evaluate(named, {"f": lambda t: float(sigmoid(t))})
        i, h, j = (case[k] - 1 for k in INDICES)
        want = float(ref(net, i, h, j))
        if not (math.isfinite(got) and math.isclose(got, want, rel_tol=1e-8, abs_tol=1e-12)):
            for cand, message in mistakes:
                if math.isfinite(got) and math.isclose(got, float(cand(net, i, h, j)), rel_tol=1e-8,
                                                       abs_tol=1e-12):
                    fail(message)
            where = ", ".join(f"{k} = {case[k]}" for k in letters)
            fail(f"{label} is wrong: on a random network (d = {case['d']}, q = {case['q']}, l = {case['l']}"
                 f"{', ' + where if where else ''}) it is {got:.6g}, the book's {BOOK[name]} is {want:.6g}")
    if proved_equal(values[0], name) is False:
        fail(f"{label} has the right values at random points, but sympy cannot reduce (yours − "
             f"{BOOK[name]}) to 0 on a 2-2-2 network; write it in the book's symbols")


def _judge(names: tuple[str, ...]):
    def judge(got, args):
        if not isinstance(got, dict):
            fail("could not read the answers")
        for k, name in enumerate(names):
            _judge_one(name, got.get(name), args["answers"][name], args["seed"] + k)
        return None
    return judge


def _task(grade_id: str, number: str, title: str, names: tuple[str, ...]) -> Task:
    return Task(grade_id, number, title, _probe(names), _judge(names))


EXERCISE = Exercise("ex07_zhou_partials_by_hand", tasks=(
    _task("ex07-E-test", "7.1", "the error E_k (5.4)", ("E_k",)),
    _task("ex07-chain-test", "7.2", "the chain rule (5.7) factor by factor",
          ("dE_dyhat", "dyhat_dbeta", "dbeta_dw")),
    _task("ex07-g-test", "7.3", "g_j (5.10)", ("g_j",)),
    _task("ex07-output-test", "7.4", "∂E_k/∂w_hj and ∂E_k/∂θ_j", ("dE_dw", "dE_dtheta")),
    _task("ex07-e-test", "7.5", "e_h (5.15)", ("dE_db", "db_dalpha", "e_h")),
    _task("ex07-hidden-test", "7.6", "∂E_k/∂v_ih and ∂E_k/∂γ_h", ("dE_dv", "dE_dgamma")),
))
