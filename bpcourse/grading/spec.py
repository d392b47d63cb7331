"""How an exercise is graded: the Task/Probe/judge API, and the helpers judges share.

The trusted grader (``python -m bpcourse grade``) never runs or believes a notebook's test cells.
It runs the student's solution cells, with the solution's locked cells, in a sandboxed process;
then, for every graded task, it sends that process a **probe** (code written here, calling the
student's names on inputs drawn at grading time) and gets back **plain data**. The grader process
then **judges** that data against its own references, in this package, which is never visible
inside the sandbox. Nothing a submission patches (numpy, builtins, IPython, the import system)
can change a verdict: the worst it can do is return wrong values.

How to write ``bpcourse/grading/exNN.py`` (one module per exercise; found by its name)
--------------------------------------------------------------------------------------

The module defines ``EXERCISE = Exercise("exNN_name", tasks=(...))`` with one ``Task`` per graded
test cell of ``solutions/exNN_name.ipynb`` (``tests/test_grading_specs.py`` checks they match)::

    from bpcourse.grading.spec import Exercise, Probe, Task, array, diagnose, fail

    def _probe_mul(rng):
        cases = [(3.0, -4.0, 2.0)] + rng.normal(size=(5, 3)).tolist()  # the visible example + unseen ones
        return Probe('''
            out = []
            for x, y, d in args["cases"]:
                gate = MultiplyGate()
                out.append([gate.forward(x, y), gate.backward(d)])
            return out
        ''', {"cases": cases})

    def _judge_mul(got, args):
        for (x, y, d), (f, grads) in zip(args["cases"], got):
            diagnose(grads, (y * d, x * d), [((x * d, y * d), "dx and dy are swapped: ...")], "(dx, dy)")

    EXERCISE = Exercise("ex01_gates", tasks=(
        Task("ex01-mul-test", "1.1", "multiply gate backward", _probe_mul, _judge_mul),
    ))

* ``Task(grade_id, number, title, probe, judge)``: ``grade_id`` is the nbgrader id of the test
  cell (its points are read from the solution notebook); ``number`` and ``title`` make the verdict
  line ``✓ task 1.1 multiply gate backward: correct``.
* ``probe(rng) -> Probe(code, args)``: ``rng`` is a ``numpy.random.Generator`` seeded from the
  lecturer's secret, the submission's file name and the task, so a regrade is identical. Draw the
  inputs here (plus the notebook's visible example, if you like). ``code`` is the *body* of a
  function ``probe(args)`` (dedented for you) run in the student's namespace after their cells;
  it ``return``s the data to judge. ``args`` is JSON-able data (numpy arrays are fine: they
  arrive as arrays); if ``args`` is a dict, its keys starting with ``_`` stay in the grader (the
  judge sees them, the sandbox does not): put your expected values or context there. Keep each
  probe well under a second on the reference.
* ``judge(got, args)``: ``got`` is what the probe returned, decoded: numbers, str, None, lists
  (tuples arrive as lists), dicts, numpy float/int/bool arrays, ``SymTree`` for a sympy expression
  (see below), ``Raised`` for an exception caught with ``catch`` in the probe, ``Opaque`` for
  anything else. Return ``None`` when right (or a short string added to the verdict, e.g.
  ``" (final loss 0.012)"``); call ``fail(message)`` when wrong. The message names the mistake
  and the equation to look at ("Δθ has the wrong sign (Zhou 5.12): ..."). Never trust ``got``:
  it may be any shape, type or size; the helpers (``number``, ``array``, ``items``, ``diagnose``,
  ``mapping``) fail with a clear message on the wrong type or shape.
* If the probe raises, the grader writes the verdict: ``NotImplementedError`` gives "not attempted
  yet", ``NameError`` says which name is missing and, if the cell that should define it failed,
  that cell's error (a SyntaxError is named as one); any other exception "X.forward raised
  OverflowError: ...". Use ``catch(fn, *args)`` inside a probe to get an exception back as data
  instead (a ``Raised`` in ``got``) when you want to name it yourself.
* Inside the probe these helpers exist (they live in ``bpcourse/runner.py``, the sandbox side):
  ``catch(fn, *a, **k)``; ``using(fn, **names)``, a context manager that temporarily replaces
  global names *as fn sees them*, e.g. ``with using(circuit_grads, AddGate=RefAdd): ...``, so a
  task is graded with the reference for everything but the task under test (define ``RefAdd`` in
  the probe code itself); ``np`` (numpy) and ``math``. The student's code can see (and keep) a
  reference while it runs with it, and tasks are probed in order, one process per submission: so
  never hand in a reference for a task that is probed *later* (the references of 1.5-1.7 are the
  gates of 1.1-1.4, probed before them).
* Close the holes: every argument honoured (call with two different values of each), every
  parameter trained, two instances where a cache could be shared, inputs the notebook never
  shows (a lookup table of the visible cases must fail), ties and edge cases the task states.
* sympy: a returned expression arrives as ``SymTree`` (never evaluated from text). Use
  ``tree.evaluate({"x1": 0.3, ...}, functions={"f": sigmoid})`` for numbers at random points,
  ``tree.has("Derivative")``, ``tree.symbols()``, or ``tree.to_sympy()`` (rebuilt from a whitelist
  of node types; bounded size) for symbolic checks. ``sym_close(...)`` does the common case.
* The judge runs in the grader process: it may import the course library (``bpcourse.zhou``,
  ``bpcourse.functional``...) but must not import ``bpcourse.check`` (reference code there is
  visible to students). Put your references in your ``exNN.py`` or in this package.
* Test it: ``python -m bpcourse grade solutions/exNN_name.ipynb exercises/exNN_name.ipynb``
  must give full marks and zero; add wrong submissions to ``tests/`` with the message expected.
"""

from __future__ import annotations

import hashlib
import math
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

import numpy as np

from bpcourse.check._task import close, sigmoid, worst_entry
from bpcourse.check._task import numgrad as _numgrad_in_place
from bpcourse.i18n import _

__all__ = [
    "Exercise", "Task", "Probe", "Wrong", "NotAttempted", "Raised", "Opaque", "SymTree",
    "fail", "number", "array", "items", "mapping", "close", "diagnose", "fmt", "numgrad", "sigmoid",
    "sym_close", "task_rng",
]


# ---------------------------------------------------------------------------------------------
# The API
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """Grader-written code run in the student's namespace: the body of ``def probe(args)``."""

    code: str
    args: Any = None
    timeout: float | None = None  # seconds; None: the grader's --timeout

    def source(self) -> str:
        return textwrap.dedent(self.code).strip("\n")


@dataclass(frozen=True)
class Task:
    grade_id: str  # the nbgrader id of the test cell this task replaces
    number: str  # "1.1"
    title: str  # "multiply gate backward"
    probe: Callable[[np.random.Generator], Probe]
    judge: Callable[[Any, Any], str | None]

    def label(self) -> str:
        return f"task {self.number} {self.title}"


@dataclass(frozen=True)
class Exercise:
    name: str  # the notebook's file stem, "ex01_gates"
    tasks: tuple[Task, ...] = field(default_factory=tuple)

    def task(self, grade_id: str) -> Task | None:
        return next((t for t in self.tasks if t.grade_id == grade_id), None)


class Wrong(Exception):
    """Raised by a judge: the answer is wrong; the message names the mistake."""


class NotAttempted(Exception):
    """Raised by a judge (or the engine) when the student's code still raises NotImplementedError."""


@dataclass(frozen=True)
class Raised:
    """An exception the student's code raised inside ``catch(...)``, as data."""

    type: str
    message: str
    where: str = ""

    def describe(self) -> str:
        where = f"{self.where} raised " if self.where else ""
        text = f"{where}{self.type}: {self.message}" if self.message else f"{where}{self.type}"
        return _short(text)


@dataclass(frozen=True)
class Opaque:
    """Something the sandbox could not send as data (an object of the student's own class...)."""

    type: str

    def __repr__(self) -> str:
        return f"<{self.type}>"


def task_rng(secret: str, submission: str, grade_id: str) -> np.random.Generator:
    """The generator a task's probe draws from: the same secret and file name give the same inputs."""
    digest = hashlib.sha256(f"{secret}\0{submission}\0{grade_id}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "little"))


# ---------------------------------------------------------------------------------------------
# Helpers for judges
# ---------------------------------------------------------------------------------------------


def fail(message: str) -> NoReturn:
    raise Wrong(message)


def _short(text: object, n: int = 240) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _check_raised(value: Any, name: str) -> None:
    if isinstance(value, Raised):
        if value.type == "NotImplementedError":
            raise NotAttempted(f"{value.where or name} still raises NotImplementedError")
        fail(f"{name}: {value.describe()}")


def fmt(x: Any) -> str:
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        return _short(repr(x), 80)
    if arr.shape == ():
        return f"{float(arr):.6g}"
    if arr.size > 12:
        return f"an array of shape {arr.shape}"
    return np.array2string(arr, precision=4, suppress_small=True, separator=", ")


def _what(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, Opaque):
        return f"a {value.type}"
    if isinstance(value, SymTree):
        return "a sympy expression"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return f"{_short(repr(value), 60)} ({type(value).__name__})"


def number(value: Any, name: str) -> float:
    """``value`` as a float (a 0-d array or a one-number numpy scalar is fine), else a named failure."""
    _check_raised(value, name)
    if isinstance(value, bool) or value is None or isinstance(value, str | SymTree | Opaque | dict):
        fail(_("{name} should be a number, got {got}").format(name=name, got=_what(value)))
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        fail(_("{name} should be a number, got {got}").format(name=name, got=_what(value)))
    if arr.shape != ():
        if arr.size == 1:
            return float(arr.reshape(()))
        fail(_("{name} should be a single number, got an array of shape {shape}").format(
            name=name, shape=arr.shape))
    return float(arr)


def array(value: Any, shape: tuple[int, ...], name: str, hint: str = "", finite: bool = True) -> np.ndarray:
    """``value`` as a float64 array of exactly ``shape`` (no broadcasting), or a named failure."""
    _check_raised(value, name)
    if value is None:
        fail(_("{name} is None: did you forget to return (or store) it?").format(name=name))
    if isinstance(value, str | SymTree | Opaque | dict):
        fail(_("{name} should be an array of shape {shape}, got {got}").format(
            name=name, shape=shape, got=_what(value)))
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        fail(_("{name} should be an array of shape {shape}, got {got}").format(
            name=name, shape=shape, got=_what(value)))
    if arr.shape != tuple(shape):
        if len(shape) == 2 and arr.shape == tuple(shape)[::-1] and shape[0] != shape[1]:
            fail((_("{name} is transposed: shape {got}, but it must have shape {shape}.").format(
                name=name, got=arr.shape, shape=tuple(shape)) + f" {hint}").strip())
        fail((_("{name} has shape {got}, but it must have shape {shape}.").format(
            name=name, got=arr.shape, shape=tuple(shape)) + f" {hint}").strip())
    if finite and not np.all(np.isfinite(arr)):
        fail(_("{name} contains nan or inf: {value}").format(name=name, value=fmt(arr)))
    return arr


def items(value: Any, n: int, names: str) -> list:
    """A tuple/list of exactly ``n`` things (a function that should return ``(f, dx, dy)``...)."""
    _check_raised(value, names)
    if isinstance(value, np.ndarray) and value.ndim >= 1:
        value = list(value)
    if not isinstance(value, list) or len(value) != n:
        fail(_("should return a tuple of {n} ({names}), got {got}").format(n=n, names=names,
                                                                           got=_what(value)))
    return value


def mapping(value: Any, keys: Sequence, name: str) -> dict:
    """A dict with exactly these keys, or a named failure."""
    _check_raised(value, name)
    if not isinstance(value, dict) or set(value) != set(keys):
        got = sorted(map(str, value)) if isinstance(value, dict) else _what(value)
        fail(_("{name} should be a dict with keys {keys}, got {got}").format(
            name=name, keys=sorted(map(str, keys)), got=got))
    return value


def diagnose(got: Any, expected: Any, mistakes: Sequence[tuple[Any, str]], name: str,
             rtol: float = 1e-6, atol: float = 1e-9) -> None:
    """Pass if ``got`` matches ``expected``; else fail naming the first mistake it matches, else
    showing both. The mistakes only *name* a wrong answer; they never decide one is right."""
    if close(got, expected, rtol, atol):
        return
    for candidate, message in mistakes:
        if close(got, candidate, rtol, atol):
            fail(message)
    fail(_("{name} is wrong: {how}").format(name=name, how=_differ(got, expected)))


def _differ(got: Any, expected: Any) -> str:
    """Both in full when small; for a large array of the right shape, how many entries are off and
    the worst one (two 'arrays of shape (13,)' would tell the student nothing)."""
    try:
        g = np.asarray(got, dtype=np.float64)
        e = np.asarray(expected, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        return _("expected {expected}, got {got}").format(expected=fmt(expected), got=fmt(got))
    if g.shape != e.shape or e.size <= 12:
        return _("expected {expected}, got {got}").format(expected=fmt(e), got=fmt(g))
    return worst_entry(g, e)


def numgrad(f: Callable[[np.ndarray], float], x: Any, h: float = 1e-5) -> np.ndarray:
    """Centred differences of scalar ``f`` at ``x`` (a float64 copy is perturbed, not ``x``)."""
    return _numgrad_in_place(f, np.array(x, dtype=np.float64), h)


# ---------------------------------------------------------------------------------------------
# sympy expressions as data
# ---------------------------------------------------------------------------------------------

# Node kinds the sandbox may send (bpcourse/runner.py writes them): [kind, *children].
#   ["Symbol", name]  ["Integer", "12"]  ["Rational", "1", "2"]  ["Float", "0.5"]
#   ["Add", ...]  ["Mul", ...]  ["Pow", base, exp]  ["Function", name, *args] (an undefined f)
#   ["exp"|"log"|"sin"|"cos"|"tan"|"tanh"|"sinh"|"cosh"|"sqrt"|"Abs"|"sign"|"Heaviside"|"Max"|"Min", *args]
#   ["Derivative", expr, [var, count]...]  ["Subs", expr, [vars], [points]]
#   ["E"] ["pi"] ["oo"] ["-oo"] ["zoo"] ["nan"] ["I"]
#   ["Unknown", type name]   (anything else: never rebuilt)
_FUNCS: dict[str, Callable[..., float]] = {
    "exp": math.exp, "log": math.log, "sin": math.sin, "cos": math.cos, "tan": math.tan,
    "tanh": math.tanh, "sinh": math.sinh, "cosh": math.cosh, "sqrt": math.sqrt, "Abs": abs,
    "sign": lambda t: float(np.sign(t)), "Heaviside": lambda t: 1.0 if t > 0 else 0.0 if t < 0 else 0.5,
    "Max": max, "Min": min,
}
_CONSTS = {"E": math.e, "pi": math.pi, "oo": math.inf, "-oo": -math.inf, "zoo": math.nan, "nan": math.nan}
MAX_TREE_NODES = 200_000
MAX_INT_DIGITS = 40
MAX_EXPONENT = 1000


class SymTree:
    """A sympy expression received from the sandbox, kept as the JSON tree it came as."""

    def __init__(self, tree: Any):
        self.tree = tree
        self.size = _count_nodes(tree)

    def __repr__(self) -> str:
        return f"SymTree({_short(repr(self.tree), 120)})"

    def kinds(self) -> set[str]:
        out: set[str] = set()
        stack = [self.tree]
        while stack:
            node = stack.pop()
            if isinstance(node, list) and node and isinstance(node[0], str):
                out.add(node[0])
                stack.extend(c for c in node[1:] if isinstance(c, list))
        return out

    def has(self, kind: str) -> bool:
        return kind in self.kinds()

    def symbols(self) -> set[str]:
        out: set[str] = set()
        stack = [self.tree]
        while stack:
            node = stack.pop()
            if isinstance(node, list) and node:
                if node[0] == "Symbol" and len(node) == 2 and isinstance(node[1], str):
                    out.add(node[1])
                else:
                    stack.extend(c for c in node[1:] if isinstance(c, list))
        return out

    def evaluate(self, values: dict[str, float], functions: dict[str, Callable] | None = None) -> float:
        """The expression's value with ``values`` for its symbols and ``functions`` for undefined
        functions (``{"f": sigmoid}``); nan where it cannot be computed (a derivative, an unknown
        node, an overflow, a complex result)."""
        functions = functions or {}
        try:
            return float(_eval(self.tree, values, functions))
        except (ArithmeticError, ValueError, TypeError, KeyError, IndexError, RecursionError):
            return math.nan

    def to_sympy(self):
        """The sympy expression, rebuilt from whitelisted node types only (never from text), with
        numbers of at most 40 digits and numeric exponents of at most 1000. A judge runs in a
        grader thread without a time limit: keep what it does with the result bounded (numbers at
        random points via ``evaluate`` are always safe)."""
        return _to_sympy(self.tree)


def _count_nodes(tree: Any) -> int:
    n, stack = 0, [tree]
    while stack:
        node = stack.pop()
        n += 1
        if n > MAX_TREE_NODES:
            raise ValueError("the expression is too large to judge")
        if isinstance(node, list):
            stack.extend(node[1:])
    return n


def _int(text: Any) -> int:
    if not isinstance(text, str) or len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise ValueError("integer too large")
    return int(text)


def _eval(node: Any, values: dict, functions: dict) -> float:
    if not isinstance(node, list) or not node or not isinstance(node[0], str):
        raise ValueError("malformed expression")
    kind, args = node[0], node[1:]
    if kind == "Symbol":
        return float(values[args[0]])
    if kind == "Integer":
        return float(_int(args[0]))
    if kind == "Rational":
        return _int(args[0]) / _int(args[1])
    if kind == "Float":
        return float(args[0])
    if kind in _CONSTS:
        return _CONSTS[kind]
    if kind == "Add":
        return math.fsum(_eval(a, values, functions) for a in args)
    if kind == "Mul":
        out = 1.0
        for a in args:
            out *= _eval(a, values, functions)
        return out
    if kind == "Pow":
        base, ex = _eval(args[0], values, functions), _eval(args[1], values, functions)
        out = base ** ex
        if isinstance(out, complex):
            raise ValueError("complex")
        return out
    if kind == "Function":
        fn = functions[args[0]]
        return float(fn(*[_eval(a, values, functions) for a in args[1:]]))
    if kind in _FUNCS:
        return float(_FUNCS[kind](*[_eval(a, values, functions) for a in args]))
    raise ValueError(f"cannot evaluate {kind}")


def _to_sympy(node: Any):
    import sympy as sp

    if not isinstance(node, list) or not node or not isinstance(node[0], str):
        raise ValueError("malformed expression")
    kind, args = node[0], node[1:]
    rec = _to_sympy
    if kind == "Symbol":
        if not isinstance(args[0], str) or len(args[0]) > 100:
            raise ValueError("bad symbol name")
        return sp.Symbol(args[0])
    if kind == "Integer":
        return sp.Integer(_int(args[0]))
    if kind == "Rational":
        return sp.Rational(_int(args[0]), _int(args[1]))
    if kind == "Float":
        return sp.Float(float(args[0]))
    consts = {"E": sp.E, "pi": sp.pi, "oo": sp.oo, "-oo": -sp.oo, "zoo": sp.zoo, "nan": sp.nan, "I": sp.I}
    if kind in consts:
        return consts[kind]
    if kind == "Add":
        return sp.Add(*[rec(a) for a in args])
    if kind == "Mul":
        return sp.Mul(*[rec(a) for a in args])
    if kind == "Pow":
        base, ex = rec(args[0]), rec(args[1])
        if ex.is_Number and abs(float(ex)) > MAX_EXPONENT:
            raise ValueError("exponent too large to rebuild")  # 10**39 ** 10**39 would never finish
        return sp.Pow(base, ex)
    if kind == "Function":
        if not isinstance(args[0], str) or not args[0].isidentifier():
            raise ValueError("bad function name")
        return sp.Function(args[0])(*[rec(a) for a in args[1:]])
    funcs = {"exp": sp.exp, "log": sp.log, "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "tanh": sp.tanh,
             "sinh": sp.sinh, "cosh": sp.cosh, "sqrt": sp.sqrt, "Abs": sp.Abs, "sign": sp.sign,
             "Heaviside": sp.Heaviside, "Max": sp.Max, "Min": sp.Min}
    if kind in funcs:
        return funcs[kind](*[rec(a) for a in args])
    if kind == "Derivative":
        return sp.Derivative(rec(args[0]), *[(rec(v), _int(str(c))) for v, c in args[1:]])
    if kind == "Subs":
        return sp.Subs(rec(args[0]), [rec(v) for v in args[1]], [rec(p) for p in args[2]])
    raise ValueError(f"cannot rebuild a sympy {kind}")


def sym_close(got: Any, expected: Callable[[dict], float], name: str, points: Sequence[dict],
              functions: dict[str, Callable] | None = None,
              mistakes: Sequence[tuple[Callable[[dict], float], str]] = (),
              rtol: float = 1e-9, atol: float = 1e-12) -> None:
    """Judge a sympy answer by its value at random ``points`` ({symbol name: value}).

    ``expected`` and each mistake are functions of a point (the grader's own formula, in floats);
    ``functions`` gives the undefined functions' values (``{"f": sigmoid}``)."""
    _check_raised(got, name)
    if not isinstance(got, SymTree):
        fail(_("{name} should be a sympy expression, got {got}").format(name=name, got=_what(got)))
    if got.has("Derivative") or got.has("Subs"):
        fail(_("{name} still contains a derivative of f: apply (5.9), f' = f(1 − f)").format(name=name))
    for point in points:
        a, b = got.evaluate(point, functions), float(expected(point))
        if not math.isclose(a, b, rel_tol=rtol, abs_tol=atol):
            for cand, message in mistakes:
                if math.isclose(a, float(cand(point)), rel_tol=rtol, abs_tol=atol):
                    fail(message)
            fail(_("{name} is wrong: at a random point it is {got}, it should be {expected}").format(
                name=name, got=f"{a:.6g}", expected=f"{b:.6g}"))
