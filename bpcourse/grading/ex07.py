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
import signal
import threading
from collections.abc import Callable
from contextlib import contextmanager

import numpy as np

from bpcourse.grading.spec import Exercise, NotAttempted, Probe, Raised, SymTree, Task, fail, sigmoid

INDICES = ("i", "h", "j")
SIZES = {"i": "d", "h": "q", "j": "l"}  # each index runs from 1 to its size
BASES = {"x": "i", "y": "j", "v": "ih", "gamma": "h", "w": "hj", "theta": "j",
         "alpha": "h", "b": "h", "beta": "j", "yhat": "j", "g": "j", "e": "h"}
SYMBOLIC_SECONDS = 5.0
# The proof expands polynomials in the leaves. The book's answers are a few hundred nodes with
# powers up to 2; an answer far beyond that (which can only reach the proof by having the right
# values) is left to the values, so no submission can keep the grader busy expanding it. The time
# limit is a second guard, where a signal can be used (the main thread).
SYMBOLIC_MAX_NODES = 3_000
SYMBOLIC_MAX_POWER = 6
PROOF_SIZES = {"d": 2, "q": 2, "l": 2}
PROOF_INDEX = {"i": 2, "h": 1, "j": 2}


def net_values(rng: np.random.Generator, d: int, q: int, l: int) -> dict[str, np.ndarray]:
    """Every quantity of Zhou's net for one random sample (0-based arrays): (5.3), (5.10), (5.15)."""
    n = {"x": rng.uniform(-1, 1, d), "y": rng.uniform(0, 1, l), "v": rng.uniform(-1, 1, (d, q)),
         "gamma": rng.uniform(-1, 1, q), "w": rng.uniform(-1, 1, (q, l)), "theta": rng.uniform(-1, 1, l)}
    n["alpha"] = n["x"] @ n["v"]
    n["b"] = sigmoid(n["alpha"] - n["gamma"])
    n["beta"] = n["b"] @ n["w"]
    n["yhat"] = sigmoid(n["beta"] - n["theta"])
    n["g"] = n["yhat"] * (1 - n["yhat"]) * (n["y"] - n["yhat"])
    n["e"] = n["b"] * (1 - n["b"]) * (n["w"] @ n["g"])
    return n


def _named(net: dict[str, np.ndarray]) -> dict[str, float]:
    """{"b_2": b_2, "w_2_1": w_21, ...} with the book's 1-based indices."""
    out = {}
    for base, arr in net.items():
        for k, value in np.ndenumerate(arr):
            out[base + "_" + "_".join(str(n + 1) for n in k)] = float(value)
    return out


# name -> (task, its indices, the book's value, [(a classic mistake's value, its message)]);
# every value is a function of the net and the 0-based indices i, h, j.
_SIGN_THETA = ("the sign θ brings: θ_j is subtracted, ŷ_j = f(β_j − θ_j), so ∂E_k/∂θ_j = +g_j, and "
               "the update is Δθ_j = −η g_j (5.12)")
_SIGN_GAMMA = ("the sign γ brings: γ_h is subtracted, b_h = f(α_h − γ_h), so ∂E_k/∂γ_h = +e_h, and "
               "the update is Δγ_h = −η e_h (5.14)")
_NO_F_PRIME_B = "the factor b_h(1 − b_h) is missing: that is f'(α_h − γ_h), by (5.9)"
ANSWERS: dict[str, tuple[str, str, Callable, list]] = {
    "E_k": ("7.1", "", lambda n, i, h, j: 0.5 * np.sum((n["yhat"] - n["y"]) ** 2), [
        (lambda n, i, h, j: np.sum((n["yhat"] - n["y"]) ** 2), "E_k is missing the ½ of (5.4)"),
        (lambda n, i, h, j: -0.5 * np.sum((n["yhat"] - n["y"]) ** 2),
         "E_k has the wrong sign: it is a sum of squares, ½ Σ_j (ŷ_j − y_j)²"),
        (lambda n, i, h, j: 0.5 * np.sum(n["yhat"] - n["y"]) ** 2,
         "the square goes inside the sum: ½ Σ_j (ŷ_j − y_j)² (5.4)"),
    ]),
    "dE_dyhat": ("7.2", "j", lambda n, i, h, j: n["yhat"][j] - n["y"][j], [
        (lambda n, i, h, j: 2 * (n["yhat"][j] - n["y"][j]),
         "∂E_k/∂ŷ_j: the ½ of (5.4) cancels the 2 from the square, so ∂E_k/∂ŷ_j = ŷ_j − y_j"),
        (lambda n, i, h, j: n["y"][j] - n["yhat"][j],
         "∂E_k/∂ŷ_j has the wrong sign: it is ŷ_j − y_j; the (y_j − ŷ_j) of (5.10) comes from "
         "g_j's minus sign"),
    ]),
    "dyhat_dbeta": ("7.2", "j", lambda n, i, h, j: n["yhat"][j] * (1 - n["yhat"][j]), [
        (lambda n, i, h, j: n["yhat"][j], "∂ŷ_j/∂β_j: the factor (1 − ŷ_j) of (5.9) is missing"),
        (lambda n, i, h, j: n["beta"][j] * (1 - n["beta"][j]),
         "∂ŷ_j/∂β_j: (5.9) is f(z)(1 − f(z)), in the *output* ŷ_j = f(β_j − θ_j), not in β_j"),
        (lambda n, i, h, j: (n["beta"][j] - n["theta"][j]) * (1 - n["beta"][j] + n["theta"][j]),
         "∂ŷ_j/∂β_j: (5.9) is f(z)(1 − f(z)), in the output ŷ_j = f(z), not in z = β_j − θ_j"),
        (lambda n, i, h, j: -n["yhat"][j] * (1 - n["yhat"][j]),
         "∂ŷ_j/∂β_j has the wrong sign: β_j enters f(β_j − θ_j) with a plus"),
    ]),
    "dbeta_dw": ("7.2", "hj", lambda n, i, h, j: n["b"][h], [
        (lambda n, i, h, j: n["w"][h, j],
         "∂β_j/∂w_hj is what w_hj multiplies in β_j = Σ_h w_hj b_h: b_h (5.8), not w_hj"),
        (lambda n, i, h, j: 1.0, "∂β_j/∂w_hj is b_h (5.8), what w_hj multiplies, not 1"),
    ]),
    "g_j": ("7.3", "j", lambda n, i, h, j: n["g"][j], [
        (lambda n, i, h, j: -n["g"][j],
         "(ŷ_j − y_j) where (5.10) has (y_j − ŷ_j): g_j is *minus* ∂E_k/∂ŷ_j · ∂ŷ_j/∂β_j, so "
         "g_j = ŷ_j(1 − ŷ_j)(y_j − ŷ_j)"),
        (lambda n, i, h, j: n["y"][j] - n["yhat"][j],
         "g_j is missing ŷ_j(1 − ŷ_j), the sigmoid's derivative by (5.9)"),
        (lambda n, i, h, j: 2 * n["g"][j], "g_j has a factor 2 too many: the ½ of (5.4) cancels it"),
    ]),
    "dE_dw": ("7.4", "hj", lambda n, i, h, j: -n["g"][j] * n["b"][h], [
        (lambda n, i, h, j: n["g"][j] * n["b"][h],
         "∂E_k/∂w_hj has the wrong sign: it is −g_j b_h; the plus is in the update, "
         "Δw_hj = η g_j b_h (5.11)"),
        (lambda n, i, h, j: -n["g"][j], "∂E_k/∂w_hj is missing b_h = ∂β_j/∂w_hj (5.8)"),
        (lambda n, i, h, j: -n["g"][j] * n["w"][h, j], "∂β_j/∂w_hj is b_h (5.8), not w_hj"),
    ]),
    "dE_dtheta": ("7.4", "j", lambda n, i, h, j: n["g"][j], [
        (lambda n, i, h, j: -n["g"][j], _SIGN_THETA),
    ]),
    "dE_db": ("7.5", "h", lambda n, i, h, j: -(n["w"][h] @ n["g"]), [
        (lambda n, i, h, j: n["w"][h] @ n["g"],
         "∂E_k/∂b_h has the wrong sign: ∂E_k/∂β_j = −g_j, so ∂E_k/∂b_h = −Σ_j w_hj g_j"),
        (lambda n, i, h, j: -n["e"][h],
         "that is −e_h; ∂E_k/∂b_h has no b_h(1 − b_h) yet: that factor is ∂b_h/∂α_h, the next step"),
        (lambda n, i, h, j: -np.sum(n["w"][h]), "∂E_k/∂b_h is missing g_j: −Σ_j w_hj g_j"),
    ]),
    "db_dalpha": ("7.5", "h", lambda n, i, h, j: n["b"][h] * (1 - n["b"][h]), [
        (lambda n, i, h, j: n["b"][h], "∂b_h/∂α_h: the factor (1 − b_h) of (5.9) is missing"),
        (lambda n, i, h, j: n["alpha"][h] * (1 - n["alpha"][h]),
         "∂b_h/∂α_h: (5.9) is f(z)(1 − f(z)), in the *output* b_h, not in α_h"),
        (lambda n, i, h, j: -n["b"][h] * (1 - n["b"][h]),
         "∂b_h/∂α_h has the wrong sign: α_h enters f(α_h − γ_h) with a plus"),
    ]),
    "e_h": ("7.5", "h", lambda n, i, h, j: n["e"][h], [
        (lambda n, i, h, j: n["w"][h] @ n["g"], "e_h: " + _NO_F_PRIME_B + ", (5.15)"),
        (lambda n, i, h, j: -n["e"][h],
         "e_h has the wrong sign: e_h = −∂E_k/∂b_h · ∂b_h/∂α_h = b_h(1 − b_h) Σ_j w_hj g_j (5.15)"),
        (lambda n, i, h, j: n["b"][h] * (1 - n["b"][h]) * np.sum(n["w"][h]),
         "e_h is missing g_j: b_h(1 − b_h) Σ_j w_hj g_j"),
    ]),
    "dE_dv": ("7.6", "ih", lambda n, i, h, j: -n["e"][h] * n["x"][i], [
        (lambda n, i, h, j: n["e"][h] * n["x"][i],
         "∂E_k/∂v_ih has the wrong sign: it is −e_h x_i; the plus is in the update, "
         "Δv_ih = η e_h x_i (5.13)"),
        (lambda n, i, h, j: -n["e"][h], "∂E_k/∂v_ih is missing x_i = ∂α_h/∂v_ih"),
        (lambda n, i, h, j: -(n["w"][h] @ n["g"]) * n["x"][i], "∂E_k/∂v_ih: " + _NO_F_PRIME_B),
    ]),
    "dE_dgamma": ("7.6", "h", lambda n, i, h, j: n["e"][h], [
        (lambda n, i, h, j: -n["e"][h], _SIGN_GAMMA),
        (lambda n, i, h, j: n["w"][h] @ n["g"], "∂E_k/∂γ_h: " + _NO_F_PRIME_B),
    ]),
}
BOOK = {
    "E_k": "½ Σ_j (ŷ_j − y_j)²", "dE_dyhat": "ŷ_j − y_j", "dyhat_dbeta": "ŷ_j(1 − ŷ_j)", "dbeta_dw": "b_h",
    "g_j": "ŷ_j(1 − ŷ_j)(y_j − ŷ_j)", "dE_dw": "−g_j b_h", "dE_dtheta": "g_j", "dE_db": "−Σ_j w_hj g_j",
    "db_dalpha": "b_h(1 − b_h)", "e_h": "b_h(1 − b_h) Σ_j w_hj g_j", "dE_dv": "−e_h x_i", "dE_dgamma": "e_h",
}
LABEL = {
    "E_k": "E_k", "dE_dyhat": "∂E_k/∂ŷ_j", "dyhat_dbeta": "∂ŷ_j/∂β_j", "dbeta_dw": "∂β_j/∂w_hj", "g_j": "g_j",
    "dE_dw": "∂E_k/∂w_hj", "dE_dtheta": "∂E_k/∂θ_j", "dE_db": "∂E_k/∂b_h", "db_dalpha": "∂b_h/∂α_h",
    "e_h": "e_h", "dE_dv": "∂E_k/∂v_ih", "dE_dgamma": "∂E_k/∂γ_h",
}


# ---------------------------------------------------------------------------------------------
# The symbolic proof on a 2-2-2 network, in plain symbols b_1, w_1_2, ...
# ---------------------------------------------------------------------------------------------


def _definitions(sizes: dict[str, int]) -> dict:
    import sympy as sp

    S, f = sp.Symbol, sp.Function("f")
    d, q, l = sizes["d"], sizes["q"], sizes["l"]
    out = {}
    for h in range(1, q + 1):
        out[S(f"alpha_{h}")] = sum(S(f"v_{i}_{h}") * S(f"x_{i}") for i in range(1, d + 1))
        out[S(f"b_{h}")] = f(S(f"alpha_{h}") - S(f"gamma_{h}"))
        out[S(f"e_{h}")] = S(f"b_{h}") * (1 - S(f"b_{h}")) * sum(S(f"w_{h}_{j}") * S(f"g_{j}")
                                                               for j in range(1, l + 1))
    for j in range(1, l + 1):
        out[S(f"beta_{j}")] = sum(S(f"w_{h}_{j}") * S(f"b_{h}") for h in range(1, q + 1))
        out[S(f"yhat_{j}")] = f(S(f"beta_{j}") - S(f"theta_{j}"))
        out[S(f"g_{j}")] = S(f"yhat_{j}") * (1 - S(f"yhat_{j}")) * (S(f"y_{j}") - S(f"yhat_{j}"))
    return out


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


def _to_leaves(expr, sizes: dict[str, int]):
    defs = _definitions(sizes)
    for _ in range(8):
        new = expr.xreplace(defs)
        if new == expr:
            break
        expr = new
    return expr


@contextmanager
def _time_limit(seconds: float):
    """Raise TimeoutError after ``seconds`` (main thread only; elsewhere the size bound must do)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def _alarm(signum, frame):
        raise TimeoutError

    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


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
        with _time_limit(SYMBOLIC_SECONDS):
            mine = _to_leaves(tree.to_sympy(), PROOF_SIZES)
            book = _to_leaves(reference_concrete(name, PROOF_SIZES, PROOF_INDEX), PROOF_SIZES)
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
            nets[key] = net_values(rng, *key)
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
