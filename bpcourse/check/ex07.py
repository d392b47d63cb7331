"""Checks for exercise 7, Zhou's four partial derivatives by hand (after lecture 06).

Each answer is a sympy expression in the book's indexed symbols (``b[h]``, ``w[h, j]``, a sum
``sp.Sum(..., (j, 1, l))``). A check judges it three ways:

1. its shape: no sympy ``Derivative`` left, only the notebook's symbols, and no free index the
   quantity does not have (e_h must not depend on j: that is a missing Σ_j);
2. its value on random networks of two sizes, at several indices, with the true value of every
   symbol put in (g_j and e_h too, so a slip in one task does not fail the next), against the
   book's formula evaluated in numpy; a wrong value is matched against the classic mistakes;
3. symbolic equivalence on a 2-2-2 network: every intermediate symbol is replaced by its definition
   down to x, y, v, γ, w, θ and f, and sympy must expand (yours − the book's) to exactly 0 within a
   time limit (if it runs out of time, the values decide).

The references are the book's equations (5.4)-(5.15), written once in ``ANSWERS``; the tests
check them against finite differences of the network's error.
"""

from __future__ import annotations

import math
import signal
import threading
from collections.abc import Callable
from contextlib import contextmanager

import numpy as np

from ._task import Task

INDICES = ("i", "h", "j")
SIZES = {"i": "d", "h": "q", "j": "l"}  # each index runs from 1 to its size
BASES = {  # symbol -> its indices
    "x": "i", "y": "j", "v": "ih", "gamma": "h", "w": "hj", "theta": "j",
    "alpha": "h", "b": "h", "beta": "j", "yhat": "j", "g": "j", "e": "h",
}
SYMBOLIC_SECONDS = 5.0


def _sig(t):
    t = np.asarray(t, dtype=np.float64)
    z = np.exp(-np.abs(t))
    return np.where(t >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def random_net(rng: np.random.Generator, d: int, q: int, l: int) -> dict[str, np.ndarray]:
    """Every quantity of Zhou's net for one sample, as numpy arrays (0-based)."""
    n = {"x": rng.uniform(-1, 1, d), "y": rng.uniform(0, 1, l), "v": rng.uniform(-1, 1, (d, q)),
         "gamma": rng.uniform(-1, 1, q), "w": rng.uniform(-1, 1, (q, l)), "theta": rng.uniform(-1, 1, l)}
    n["alpha"] = n["x"] @ n["v"]
    n["b"] = _sig(n["alpha"] - n["gamma"])  # (5.3)'s hidden layer
    n["beta"] = n["b"] @ n["w"]
    n["yhat"] = _sig(n["beta"] - n["theta"])  # (5.3)
    n["g"] = n["yhat"] * (1 - n["yhat"]) * (n["y"] - n["yhat"])  # (5.10)
    n["e"] = n["b"] * (1 - n["b"]) * (n["w"] @ n["g"])  # (5.15)
    return n


# name -> (task, its indices, the book's value, [(a classic mistake's value, its message)])
# Each value is a function of the net and the 0-based indices (i, h, j).
_SIGN_THETA = ("the sign θ brings: θ_j is subtracted, ŷ_j = f(β_j − θ_j), so ∂E_k/∂θ_j = +g_j, and "
               "the update is Δθ_j = −η g_j (5.12)")
_SIGN_GAMMA = ("the sign γ brings: γ_h is subtracted, b_h = f(α_h − γ_h), so ∂E_k/∂γ_h = +e_h, and "
               "the update is Δγ_h = −η e_h (5.14)")
_NO_F_PRIME_B = "the factor b_h(1 − b_h) is missing: that is f'(α_h − γ_h), by (5.9)"
ANSWERS: dict[str, tuple[str, str, Callable, list]] = {
    "E_k": ("7.1", "", lambda n, i, h, j: 0.5 * np.sum((n["yhat"] - n["y"]) ** 2), [
        (lambda n, i, h, j: np.sum((n["yhat"] - n["y"]) ** 2), "E_k is missing the ½ of (5.4)"),
        (lambda n, i, h, j: -0.5 * np.sum((n["yhat"] - n["y"]) ** 2), "E_k has the wrong sign: it is a sum "
                                                                         "of squares, ½ Σ_j (ŷ_j − y_j)²"),
        (lambda n, i, h, j: 0.5 * np.sum(n["yhat"] - n["y"]) ** 2, "the square goes inside the sum: "
                                                                      "½ Σ_j (ŷ_j − y_j)² (5.4)"),
    ]),
    "dE_dyhat": ("7.2", "j", lambda n, i, h, j: n["yhat"][j] - n["y"][j], [
        (lambda n, i, h, j: 2 * (n["yhat"][j] - n["y"][j]), "∂E_k/∂ŷ_j: the ½ of (5.4) cancels the 2 "
                                                            "from the square, so ∂E_k/∂ŷ_j = ŷ_j − y_j"),
        (lambda n, i, h, j: n["y"][j] - n["yhat"][j],
         "∂E_k/∂ŷ_j has the wrong sign: it is ŷ_j − y_j; "
         "the (y_j − ŷ_j) of (5.10) comes from g_j's minus sign"),
    ]),
    "dyhat_dbeta": ("7.2", "j", lambda n, i, h, j: n["yhat"][j] * (1 - n["yhat"][j]), [
        (lambda n, i, h, j: n["yhat"][j], "∂ŷ_j/∂β_j: the factor (1 − ŷ_j) of (5.9) is missing"),
        (lambda n, i, h, j: n["beta"][j] * (1 - n["beta"][j]),
         "∂ŷ_j/∂β_j: (5.9) is f(z)(1 − f(z)), in the *output* ŷ_j = f(β_j − θ_j), not in β_j"),
        (lambda n, i, h, j: (n["beta"][j] - n["theta"][j]) * (1 - n["beta"][j] + n["theta"][j]),
         "∂ŷ_j/∂β_j: (5.9) is f(z)(1 − f(z)), in the output ŷ_j = f(z), not in z = β_j − θ_j"),
        (lambda n, i, h, j: -n["yhat"][j] * (1 - n["yhat"][j]), "∂ŷ_j/∂β_j has the wrong sign: β_j "
                                                                 "enters f(β_j − θ_j) with a plus"),
    ]),
    "dbeta_dw": ("7.2", "hj", lambda n, i, h, j: n["b"][h], [
        (lambda n, i, h, j: n["w"][h, j], "∂β_j/∂w_hj is what w_hj multiplies in β_j = Σ_h w_hj b_h: "
                                          "b_h (5.8), not w_hj"),
        (lambda n, i, h, j: 1.0, "∂β_j/∂w_hj is b_h (5.8), what w_hj multiplies, not 1"),
    ]),
    "g_j": ("7.3", "j", lambda n, i, h, j: n["g"][j], [
        (lambda n, i, h, j: -n["g"][j], "(ŷ_j − y_j) where (5.10) has (y_j − ŷ_j): g_j is *minus* "
                                        "∂E_k/∂ŷ_j · ∂ŷ_j/∂β_j, so g_j = ŷ_j(1 − ŷ_j)(y_j − ŷ_j)"),
        (lambda n, i, h, j: n["y"][j] - n["yhat"][j], "g_j is missing ŷ_j(1 − ŷ_j), the sigmoid's "
                                                      "derivative by (5.9)"),
        (lambda n, i, h, j: 2 * n["g"][j], "g_j has a factor 2 too many: the ½ of (5.4) cancels it"),
    ]),
    "dE_dw": ("7.4", "hj", lambda n, i, h, j: -n["g"][j] * n["b"][h], [
        (lambda n, i, h, j: n["g"][j] * n["b"][h], "∂E_k/∂w_hj has the wrong sign: it is −g_j b_h; the "
                                                   "plus is in the update, Δw_hj = η g_j b_h (5.11)"),
        (lambda n, i, h, j: -n["g"][j], "∂E_k/∂w_hj is missing b_h = ∂β_j/∂w_hj (5.8)"),
        (lambda n, i, h, j: -n["g"][j] * n["w"][h, j], "∂β_j/∂w_hj is b_h (5.8), not w_hj"),
    ]),
    "dE_dtheta": ("7.4", "j", lambda n, i, h, j: n["g"][j], [
        (lambda n, i, h, j: -n["g"][j], _SIGN_THETA),
        (lambda n, i, h, j: -n["g"][j] * n["b"][0], _SIGN_THETA),
    ]),
    "dE_db": ("7.5", "h", lambda n, i, h, j: -(n["w"][h] @ n["g"]), [
        (lambda n, i, h, j: n["w"][h] @ n["g"], "∂E_k/∂b_h has the wrong sign: ∂E_k/∂β_j = −g_j, so "
                                                "∂E_k/∂b_h = −Σ_j w_hj g_j"),
        (lambda n, i, h, j: -n["e"][h], "that is −e_h; ∂E_k/∂b_h has no b_h(1 − b_h) yet: that factor "
                                        "is ∂b_h/∂α_h, the next step"),
        (lambda n, i, h, j: -np.sum(n["w"][h]), "∂E_k/∂b_h is missing g_j: −Σ_j w_hj g_j"),
    ]),
    "db_dalpha": ("7.5", "h", lambda n, i, h, j: n["b"][h] * (1 - n["b"][h]), [
        (lambda n, i, h, j: n["b"][h], "∂b_h/∂α_h: the factor (1 − b_h) of (5.9) is missing"),
        (lambda n, i, h, j: n["alpha"][h] * (1 - n["alpha"][h]), "∂b_h/∂α_h: (5.9) is f(z)(1 − f(z)), in "
                                                                  "the *output* b_h, not in α_h"),
        (lambda n, i, h, j: -n["b"][h] * (1 - n["b"][h]), "∂b_h/∂α_h has the wrong sign: α_h enters "
                                                           "f(α_h − γ_h) with a plus"),
    ]),
    "e_h": ("7.5", "h", lambda n, i, h, j: n["e"][h], [
        (lambda n, i, h, j: n["w"][h] @ n["g"], "e_h: " + _NO_F_PRIME_B + ", (5.15)"),
        (lambda n, i, h, j: -n["e"][h], "e_h has the wrong sign: e_h = −∂E_k/∂b_h · ∂b_h/∂α_h = "
                                        "b_h(1 − b_h) Σ_j w_hj g_j (5.15)"),
        (lambda n, i, h, j: n["b"][h] * (1 - n["b"][h]) * np.sum(n["w"][h]), "e_h is missing g_j: "
                                                                              "b_h(1 − b_h) Σ_j w_hj g_j"),
    ]),
    "dE_dv": ("7.6", "ih", lambda n, i, h, j: -n["e"][h] * n["x"][i], [
        (lambda n, i, h, j: n["e"][h] * n["x"][i], "∂E_k/∂v_ih has the wrong sign: it is −e_h x_i; the "
                                                   "plus is in the update, Δv_ih = η e_h x_i (5.13)"),
        (lambda n, i, h, j: -n["e"][h], "∂E_k/∂v_ih is missing x_i = ∂α_h/∂v_ih"),
        (lambda n, i, h, j: -(n["w"][h] @ n["g"]) * n["x"][i], "∂E_k/∂v_ih: " + _NO_F_PRIME_B),
    ]),
    "dE_dgamma": ("7.6", "h", lambda n, i, h, j: n["e"][h], [
        (lambda n, i, h, j: -n["e"][h], _SIGN_GAMMA),
        (lambda n, i, h, j: -n["e"][h] * n["x"][0], _SIGN_GAMMA + "; and γ_h is not multiplied by x_i"),
        (lambda n, i, h, j: n["w"][h] @ n["g"], "∂E_k/∂γ_h: " + _NO_F_PRIME_B),
    ]),
}
BOOK = {  # the book's form of each answer, for the symbolic comparison
    "E_k": "½ Σ_j (ŷ_j − y_j)²", "dE_dyhat": "ŷ_j − y_j", "dyhat_dbeta": "ŷ_j(1 − ŷ_j)", "dbeta_dw": "b_h",
    "g_j": "ŷ_j(1 − ŷ_j)(y_j − ŷ_j)", "dE_dw": "−g_j b_h", "dE_dtheta": "g_j", "dE_db": "−Σ_j w_hj g_j",
    "db_dalpha": "b_h(1 − b_h)", "e_h": "b_h(1 − b_h) Σ_j w_hj g_j", "dE_dv": "−e_h x_i", "dE_dgamma": "e_h",
}
LABEL = {
    "E_k": "E_k", "dE_dyhat": "∂E_k/∂ŷ_j", "dyhat_dbeta": "∂ŷ_j/∂β_j", "dbeta_dw": "∂β_j/∂w_hj", "g_j": "g_j",
    "dE_dw": "∂E_k/∂w_hj", "dE_dtheta": "∂E_k/∂θ_j", "dE_db": "∂E_k/∂b_h", "db_dalpha": "∂b_h/∂α_h",
    "e_h": "e_h", "dE_dv": "∂E_k/∂v_ih", "dE_dgamma": "∂E_k/∂γ_h",
}
_TITLES = {"7.1": "the error E_k (5.4)", "7.2": "the chain rule (5.7) factor by factor",
           "7.3": "g_j (5.10)", "7.4": "∂E_k/∂w_hj and ∂E_k/∂θ_j", "7.5": "e_h (5.15)",
           "7.6": "∂E_k/∂v_ih and ∂E_k/∂γ_h"}


# ---------------------------------------------------------------------------------------------
# From an indexed expression to a concrete one
# ---------------------------------------------------------------------------------------------


class _Bad(Exception):
    """The expression cannot stand for the quantity (a message for the student)."""


def _book_symbols():
    import sympy as sp

    idx = {n: sp.Symbol(n, integer=True, positive=True) for n in (*INDICES, *SIZES.values())}
    return sp, idx, {name: sp.IndexedBase(name) for name in BASES}


def reference(name: str):
    """The book's expression for ``name``, in the notebook's symbols."""
    sp, s, B = _book_symbols()
    i, h, j, l = s["i"], s["h"], s["j"], s["l"]
    yhat, y, b, w, g, e, x = B["yhat"], B["y"], B["b"], B["w"], B["g"], B["e"], B["x"]
    return {
        "E_k": sp.Rational(1, 2) * sp.Sum((yhat[j] - y[j]) ** 2, (j, 1, l)),
        "dE_dyhat": yhat[j] - y[j], "dyhat_dbeta": yhat[j] * (1 - yhat[j]), "dbeta_dw": b[h],
        "g_j": yhat[j] * (1 - yhat[j]) * (y[j] - yhat[j]), "dE_dw": -g[j] * b[h], "dE_dtheta": g[j],
        "dE_db": -sp.Sum(w[h, j] * g[j], (j, 1, l)), "db_dalpha": b[h] * (1 - b[h]),
        "e_h": b[h] * (1 - b[h]) * sp.Sum(w[h, j] * g[j], (j, 1, l)), "dE_dv": -e[h] * x[i],
        "dE_dgamma": e[h],
    }[name]


def shape_problem(name: str, expr) -> str | None:
    """What is wrong with the form of ``expr`` as the quantity ``name``, before any value."""
    import sympy as sp

    label = LABEL[name]
    if isinstance(expr, bool) or not isinstance(expr, int | float | sp.Basic):
        return f"{label} should be a sympy expression, got {type(expr).__name__}"
    expr = sp.sympify(expr)
    if expr.has(sp.Derivative) or expr.has(sp.Subs):
        return (f"{label} still contains f' as a sympy Derivative: write it out with (5.9), "
                "f'(z) = f(z)(1 − f(z)), in terms of the output")
    allowed = set(ANSWERS[name][1])
    for s in sorted(expr.free_symbols, key=str):
        if isinstance(s, sp.Indexed):
            continue
        if isinstance(s, sp.Symbol) and s.name in (*INDICES, *SIZES.values(), *BASES):
            if s.name in INDICES and s.name not in allowed:
                if s.name == "j" and "j" not in allowed:
                    return (f"{label} depends on j, but there is one {label} for all the outputs: "
                            f"{'b_h feeds every output, so ' if name != 'E_k' else ''}sum over the l "
                            "outputs, Σ_j, written sp.Sum(..., (j, 1, l))")
                return f"{label} should not depend on the index {s.name}"
            continue
        return (f"{label} uses the symbol {s}, which is not one of the notebook's symbols; use x[i], "
                "v[i, h], b[h], w[h, j], yhat[j], ... from the cell at the top")
    return None


def concrete(expr, sizes: dict[str, int], index: dict[str, int]):
    """``expr`` on a network of the given sizes at the given 1-based indices: sums written out,
    every ``b[2]`` a plain symbol ``b_2``, ``w[2, 1]`` ``w_2_1``."""
    import sympy as sp

    values = {**sizes, **index}
    expr = sp.sympify(expr)
    sub = {s: values[s.name] for s in expr.free_symbols if isinstance(s, sp.Symbol) and s.name in values}
    out = expr.subs(sub).doit()
    repl = {}
    for a in out.atoms(sp.Indexed):
        name = str(a.base.label)
        if name not in BASES or len(a.indices) != len(BASES[name]):
            raise _Bad(f"{a} is not one of the notebook's symbols (e.g. w[h, j] has two indices)")
        if not all(k.is_Integer for k in a.indices):
            raise _Bad(f"the index of {a} is not i, h or j")
        ks = [int(k) for k in a.indices]
        for k, letter in zip(ks, BASES[name], strict=True):
            if not 1 <= k <= values[SIZES[letter]]:
                raise _Bad(f"{a}: the index {letter} runs from 1 to {SIZES[letter]}, as in the book")
        repl[a] = sp.Symbol(name + "_" + "_".join(map(str, ks)))
    out = out.xreplace(repl)
    if out.has(sp.Sum):
        raise _Bad("a sum did not expand: sum over j from 1 to l (or i to d, h to q)")
    return out


def _value(expr_c, net: dict) -> float:
    """A concrete expression's value, with the net's numbers and f = sigmoid."""
    import sympy as sp

    syms = sorted(expr_c.free_symbols, key=str)
    vals = []
    for s in syms:
        base, *ks = s.name.split("_")
        if base not in net:
            raise _Bad(f"the symbol {s} is not one of the notebook's symbols")
        vals.append(float(net[base][tuple(int(k) - 1 for k in ks)]))
    fn = sp.lambdify(syms, expr_c, modules=[{"f": lambda t: float(_sig(t))}, "math"])
    return float(fn(*vals))


def _definitions(sizes: dict[str, int]) -> dict:
    """Each intermediate symbol of a concrete net -> its definition one level down."""
    import sympy as sp

    S = sp.Symbol
    f = sp.Function("f")
    d, q, l = sizes["d"], sizes["q"], sizes["l"]
    out = {}
    for hh in range(1, q + 1):
        out[S(f"alpha_{hh}")] = sum(S(f"v_{ii}_{hh}") * S(f"x_{ii}") for ii in range(1, d + 1))
        out[S(f"b_{hh}")] = f(S(f"alpha_{hh}") - S(f"gamma_{hh}"))
        out[S(f"e_{hh}")] = S(f"b_{hh}") * (1 - S(f"b_{hh}")) * sum(
            S(f"w_{hh}_{jj}") * S(f"g_{jj}") for jj in range(1, l + 1))
    for jj in range(1, l + 1):
        out[S(f"beta_{jj}")] = sum(S(f"w_{hh}_{jj}") * S(f"b_{hh}") for hh in range(1, q + 1))
        out[S(f"yhat_{jj}")] = f(S(f"beta_{jj}") - S(f"theta_{jj}"))
        out[S(f"g_{jj}")] = S(f"yhat_{jj}") * (1 - S(f"yhat_{jj}")) * (S(f"y_{jj}") - S(f"yhat_{jj}"))
    return out


def to_leaves(expr_c, sizes: dict[str, int]):
    """Replace every intermediate symbol by its definition until only x, y, v, γ, w, θ and f remain."""
    defs = _definitions(sizes)
    for _ in range(8):
        new = expr_c.xreplace(defs)
        if new == expr_c:
            break
        expr_c = new
    return expr_c


@contextmanager
def time_limit(seconds: float):
    """Raise TimeoutError after ``seconds`` (main thread only; elsewhere no limit is set, and the
    grader's size bound must do)."""
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


def symbolically_equal(expr_c, ref_c, sizes: dict[str, int],
                       seconds: float = SYMBOLIC_SECONDS) -> bool | None:
    """True if (expr − ref) expands to 0 down to the leaves; False if not; None if out of time."""
    import sympy as sp

    try:
        with time_limit(seconds):
            return sp.expand(to_leaves(expr_c, sizes) - to_leaves(ref_c, sizes)) == 0
    except TimeoutError:
        return None


# ---------------------------------------------------------------------------------------------
# Judging one answer
# ---------------------------------------------------------------------------------------------


def _cases(rng: np.random.Generator, name: str, shapes, per_shape: int):
    """(sizes, 1-based index assignment, net) triples: random nets, random indices."""
    letters = ANSWERS[name][1]
    out = []
    for d, q, l in shapes:
        sizes = {"d": d, "q": q, "l": l}
        net = random_net(rng, d, q, l)
        for _ in range(per_shape if letters else 1):
            index = {k: int(rng.integers(1, sizes[SIZES[k]] + 1)) for k in INDICES}
            out.append((sizes, index, net))
    return out


def judge(name: str, expr, rng: np.random.Generator, shapes=((3, 4, 2), (2, 3, 3)), per_shape: int = 3,
          symbolic: bool = True) -> str | None:
    """None if ``expr`` is the book's ``name``, else a message naming the mistake."""
    problem = shape_problem(name, expr)
    if problem:
        return problem
    label = LABEL[name]
    _, letters, ref, mistakes = ANSWERS[name]
    try:
        for sizes, index, net in _cases(rng, name, shapes, per_shape):
            got = _value(concrete(expr, sizes, index), net)
            i, h, j = (index[k] - 1 for k in INDICES)
            want = float(ref(net, i, h, j))
            if not math.isfinite(got) or not math.isclose(got, want, rel_tol=1e-8, abs_tol=1e-12):
                for cand, message in mistakes:
                    if math.isclose(got, float(cand(net, i, h, j)), rel_tol=1e-8, abs_tol=1e-12):
                        return message
                where = ", ".join(f"{k} = {index[k]}" for k in letters)
                size = f"d = {sizes['d']}, q = {sizes['q']}, l = {sizes['l']}"
                return (f"{label} is wrong: on a random network ({size}{', ' + where if where else ''}) "
                        f"it is {got:.6g}, the book's {BOOK[name]} is {want:.6g}")
        if symbolic:
            sizes = {"d": 2, "q": 2, "l": 2}
            index = {"i": 2, "h": 1, "j": 2}
            if symbolically_equal(concrete(expr, sizes, index), concrete(reference(name), sizes, index),
                                  sizes) is False:
                return (f"{label} has the right values at random points but sympy cannot reduce "
                        f"(yours − {BOOK[name]}) to 0; write it in the book's symbols")
    except _Bad as bad:
        return f"{label}: {bad}"
    except Exception as exc:  # noqa: BLE001 — anything sympy raises on an odd answer becomes a verdict
        return f"{label} could not be evaluated on a random network ({type(exc).__name__}: {exc})"
    return None


# ---------------------------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------------------------


def _check(task: str, answers: dict[str, Callable], rng: np.random.Generator, symbolic: bool = True) -> None:
    __tracebackhide__ = True
    t = Task(task, _TITLES[task])
    for name, fn in answers.items():
        expr = t.call(fn, what=f"{getattr(fn, '__name__', name)}()")
        message = judge(name, expr, rng, symbolic=symbolic)
        if message:
            t.fail(message)
    t.ok()


def check_hand_E_k(E_k: Callable) -> None:
    """Task 7.1: E_k = ½ Σ_j (ŷ_j − y_j)² (5.4)."""
    _check("7.1", {"E_k": E_k}, np.random.default_rng(71))


def check_hand_chain(dE_dyhat: Callable, dyhat_dbeta: Callable, dbeta_dw: Callable) -> None:
    """Task 7.2: the three factors of (5.7): ŷ_j − y_j, ŷ_j(1 − ŷ_j) (5.9), b_h (5.8)."""
    _check("7.2", {"dE_dyhat": dE_dyhat, "dyhat_dbeta": dyhat_dbeta, "dbeta_dw": dbeta_dw},
           np.random.default_rng(72))


def check_hand_g(g_j: Callable) -> None:
    """Task 7.3: g_j = ŷ_j(1 − ŷ_j)(y_j − ŷ_j) (5.10)."""
    _check("7.3", {"g_j": g_j}, np.random.default_rng(73))


def check_hand_output_partials(dE_dw: Callable, dE_dtheta: Callable) -> None:
    """Task 7.4: ∂E_k/∂w_hj = −g_j b_h and ∂E_k/∂θ_j = +g_j."""
    _check("7.4", {"dE_dw": dE_dw, "dE_dtheta": dE_dtheta}, np.random.default_rng(74))


def check_hand_e(dE_db: Callable, db_dalpha: Callable, e_h: Callable) -> None:
    """Task 7.5: ∂E_k/∂b_h = −Σ_j w_hj g_j, ∂b_h/∂α_h = b_h(1 − b_h), e_h (5.15)."""
    _check("7.5", {"dE_db": dE_db, "db_dalpha": db_dalpha, "e_h": e_h}, np.random.default_rng(75))


def check_hand_hidden_partials(dE_dv: Callable, dE_dgamma: Callable) -> None:
    """Task 7.6: ∂E_k/∂v_ih = −e_h x_i and ∂E_k/∂γ_h = +e_h."""
    _check("7.6", {"dE_dv": dE_dv, "dE_dgamma": dE_dgamma}, np.random.default_rng(76))


def hidden_test(name: str, fn: Callable) -> None:
    """nbgrader's hidden test for one answer: other random networks, one larger than the visible
    checks use (l up to 5), no symbolic step."""
    __tracebackhide__ = True
    rng = np.random.default_rng(7000 + sorted(ANSWERS).index(name))
    shapes = [tuple(int(n) for n in rng.integers(low, high, size=3)) for low, high in ((2, 4), (4, 6))]
    t = Task(ANSWERS[name][0], _TITLES[ANSWERS[name][0]])
    message = judge(name, t.call(fn, what=f"{name}()"), rng, shapes=shapes, per_shape=4, symbolic=False)
    if message:
        t.fail(message)
