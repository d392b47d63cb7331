"""The task object every check is written with, the checks' exceptions, and their shared tools.

A check makes one ``Task`` and asks it for everything it says to the student:

    t = Task("1.2", "add gate backward")
    grads = t.call(gate.backward, 2.0)        # your code, with its failures turned into verdicts
    t.diagnose(grads, expected, mistakes, "(dx, dy)")
    t.ok()

``t.ok()`` prints ``✓ task 1.2 add gate backward: visible checks pass; …``. ``t.fail(message)``
raises ``CheckFailed`` with the one line ``✗ task 1.2 add gate backward: message``, and
``t.not_attempted(what)`` raises ``NotAttempted``. Both are kinds of ``AssertionError`` (so a
failed check fails its cell, and nbgrader gives the cell no points), and both tell IPython,
through ``_render_traceback_``, to show that one line instead of a traceback into this package.

Every expected value is computed independently of the course's own implementation: by centred
finite differences (``numgrad``) of the forward computation, or from a worked example whose
source is named. The modules of this package import nothing else from ``bpcourse`` but the
language switch ``bpcourse.i18n`` (which words a verdict uses, never what it decides), so a
notebook that patches ``bpcourse.gradcheck`` cannot change what a check believes.
"""

from __future__ import annotations

import builtins
import contextlib
import math
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from bpcourse.i18n import N_, _

PASSED = "visible checks pass; the grade also runs hidden tests on other inputs"

_PACKAGE = Path(__file__).resolve().parent.parent  # bpcourse/: frames here are not the student's


class CheckFailed(AssertionError):
    """A check's verdict on a wrong answer: one line naming the task and the mistake."""

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of formatting a traceback: the student sees the verdict only.
        return [str(self)]


class NotAttempted(CheckFailed):
    """The task's code still raises NotImplementedError: nothing to check yet."""


# What usually causes each kind of crash in an exercise, said to the student.
_LIKELY_CAUSE = {
    OverflowError: N_("a number grew too large for a float, usually math.exp of a large argument: "
                      "for x < 0 write σ(x) as e^x / (1 + e^x), or use ½(1 + tanh(x/2))"),
    RecursionError: N_("the recursion went too deep (Python stops near 1,000 nested calls); walk the "
                       "graph with an explicit stack, a list you append to and pop from"),
    ZeroDivisionError: N_("something divided by zero; check what the denominator is on these inputs"),
    NameError: N_("a name your code uses is not defined; run the cells above this one, in order, "
                  "and check the spelling"),
    MemoryError: N_("your code asked for more memory than there is; is an array far larger than needed?"),
}


def _where(exc: BaseException) -> str:
    """' (line N of your cell: `code`)' for the innermost frame outside bpcourse, numpy and sympy."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        name = frame.filename
        if name.startswith(str(_PACKAGE)) or "site-packages" in name or name.startswith("<frozen"):
            continue
        code = (frame.line or "").strip()
        return (_(" (line {n} of your cell: `{code}`)").format(n=frame.lineno, code=code) if code
                else _(" (line {n})").format(n=frame.lineno))
    return ""


class Task:
    """One graded task of an exercise: its number, its title, and every verdict it can give."""

    def __init__(self, id: str, title: str):
        self.id, self.title = id, title

    def __repr__(self) -> str:
        return f"Task({self.id!r}, {self.title!r})"

    @property
    def name(self) -> str:
        return _("task {id} {title}").format(id=self.id, title=_(self.title))

    # -- verdicts ---------------------------------------------------------------------------

    def ok(self, detail: str = "") -> None:
        """Print the honest pass line; ``detail`` (e.g. 'final loss 0.01') goes in brackets."""
        extra = f" ({detail})" if detail else ""
        print(_("✓ {name}: visible checks pass{extra}; the grade also runs hidden tests on other inputs")
              .format(name=self.name, extra=extra))

    def fail(self, message: str) -> NoReturn:
        __tracebackhide__ = True
        raise CheckFailed(_("✗ {name}: {message}").format(name=self.name, message=_(message)))

    def not_attempted(self, what: str = "your code") -> NoReturn:
        __tracebackhide__ = True
        raise NotAttempted(_("{name}: not attempted yet ({what} still raises NotImplementedError; "
                             "replace the `raise NotImplementedError()` line with your code)")
                           .format(name=self.name, what=what))

    # -- calling the student's code -----------------------------------------------------------

    def call(self, fn: Callable, *args, what: str = "", **kwargs):
        """``fn(*args, **kwargs)``; NotImplementedError means not attempted, any other error a verdict."""
        __tracebackhide__ = True
        what = what or str(getattr(fn, "__qualname__", None) or getattr(fn, "__name__", "your code"))
        if not callable(fn):
            self.fail(f"{what} should be a function or a class, got {type(fn).__name__}")
        try:
            return fn(*args, **kwargs)
        except NotImplementedError:
            self.not_attempted(what)
        except CheckFailed:
            raise
        except Exception as exc:
            cause = next((c for k, c in _LIKELY_CAUSE.items() if isinstance(exc, k)), "")
            if isinstance(exc, ValueError) and "broadcast" in str(exc):
                cause = N_("two arrays' shapes do not fit; print the shapes. A row-wise max or sum "
                           "needs keepdims=True to broadcast back over its row")
            text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            likely = _(". Likely cause: {cause}").format(cause=_(cause)) if cause else ""
            raised = _("{what} raised {text}{where}").format(what=what, text=text, where=_where(exc))
            self.fail(raised + likely)

    # -- reading what it returned -------------------------------------------------------------

    def number(self, name: str, value: Any) -> float:
        __tracebackhide__ = True
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            self.fail(_("{name} should be a number, got {value} ({type})")
                      .format(name=name, value=repr(value), type=type(value).__name__))
        if arr.shape != ():
            self.fail(_("{name} should be a single number, got an array of shape {shape}")
                      .format(name=name, shape=arr.shape))
        return float(arr)

    def array(self, name: str, value: Any, shape: tuple[int, ...], hint: str = "") -> np.ndarray:
        """``value`` as a float64 array of exactly ``shape`` (no broadcasting), finite, or a verdict."""
        __tracebackhide__ = True
        if value is None:
            self.fail(_("{name} is None: did you forget to return (or store) it?").format(name=name))
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            self.fail(_("{name} should be an array of shape {shape}, got {type}")
                      .format(name=name, shape=shape, type=type(value).__name__))
        if arr.shape != shape:
            hint = f" {hint}" if hint else ""
            if len(shape) == 2 and arr.shape == shape[::-1] and shape[0] != shape[1]:
                self.fail(_("{name} is transposed: it has shape {got}, but it must have shape {shape}.")
                          .format(name=name, got=arr.shape, shape=shape) + hint)
            self.fail(_("{name} has shape {got}, but it must have shape {shape}.")
                      .format(name=name, got=arr.shape, shape=shape) + hint)
        if not np.all(np.isfinite(arr)):
            self.fail(_("{name} contains nan or inf: {value}").format(name=name, value=fmt(arr)))
        return arr

    def tuple(self, value: Any, n: int, names: str) -> builtins.tuple:
        __tracebackhide__ = True
        if not isinstance(value, tuple | list) or len(value) != n:
            self.fail(_("it should return a tuple of {n} ({names}), got {value}")
                      .format(n=n, names=names, value=repr(value)))
        return tuple(value)

    def diagnose(self, got, expected, mistakes: Sequence[builtins.tuple[Any, str]], name: str,
                 rtol: float = 1e-6, atol: float = 1e-9) -> None:
        """Pass if ``got`` matches ``expected``; else name the first mistake it matches, else show both.

        The mistakes only *name* a wrong answer; they never decide that an answer is right.
        """
        __tracebackhide__ = True
        if close(got, expected, rtol, atol):
            return
        for candidate, message in mistakes:
            if close(got, candidate, rtol, atol):
                self.fail(message)
        self.fail(_("{name} is wrong: {how}").format(name=name, how=differ(got, expected)))


# ---------------------------------------------------------------------------------------------
# Tools shared by the checks
# ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def using(fn: Callable, **names: Any) -> Iterator[None]:
    """Replace global names *as fn sees them* for the duration, so a check of one task runs with a
    reference for another task it calls (one mistake should cost one task, not two). Names that
    ``fn``'s module does not define are left alone; everything is put back afterwards."""
    space = getattr(fn, "__globals__", None)
    if space is None:  # a class: its methods share their module's globals
        space = next((v.__globals__ for v in vars(fn).values() if hasattr(v, "__globals__")), None)
    if space is None:
        yield
        return
    missing = object()
    saved = {k: space.get(k, missing) for k in names}
    space.update({k: v for k, v in names.items() if saved[k] is not missing})
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is not missing:
                space[k] = v


def close(a, b, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """Same shape and numerically close; anything that is not numbers is not close."""
    try:
        a = np.asarray(a, dtype=np.float64)
        b = np.asarray(b, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        return False
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol))


def fmt(x) -> str:
    """A number or a small array on one line."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.shape == ():
        return f"{float(arr):.6g}"
    text = np.array2string(arr, precision=4, suppress_small=True, separator=", ", max_line_width=10**6)
    return " ".join(text.split())


def differ(got, expected) -> str:
    """Where ``got`` and ``expected`` part, in one line: both in full when small, else the worst entry."""
    try:
        g = np.asarray(got, dtype=np.float64)
        e = np.asarray(expected, dtype=np.float64)
    except (TypeError, ValueError):
        return _("expected {expected}, got {got}").format(expected=fmt(expected), got=repr(got))
    if g.shape != e.shape or e.size <= 6:
        return _("expected {expected}, got {got}").format(expected=fmt(e), got=fmt(g))
    return worst_entry(g, e)


def worst_entry(g: np.ndarray, e: np.ndarray) -> str:
    """For two float arrays of one shape: how many entries are off, and the worst one."""
    with np.errstate(invalid="ignore"):
        gap = np.where(np.isfinite(g), np.abs(g - e), np.inf)
    i = np.unravel_index(int(np.argmax(gap)), e.shape)
    where = "[" + ", ".join(map(str, i)) + "]"
    wrong = int(np.sum(~np.isclose(g, e, rtol=1e-6, atol=1e-9)))
    return (_("{wrong} of its {n} entries are off; the worst is at {where}: expected {expected}, got {got}")
            .format(wrong=wrong, n=e.size, where=where, expected=f"{e[i]:.6g}", got=f"{g[i]:.6g}"))


def numgrad(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Centred differences of scalar ``f`` at float64 array ``x`` (restored afterwards).

    A private copy of ``bpcourse.gradcheck.numerical_gradient``, so that a notebook that
    patches that module cannot change the checks' reference values.
    """
    x = np.asarray(x)
    grad = np.zeros(x.shape)
    flat = x.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        fp = float(f(x))
        flat[i] = old - h
        fm = float(f(x))
        flat[i] = old
        grad.reshape(-1)[i] = (fp - fm) / (2 * h)
    return grad


def fd_grads(f: Callable[..., float], point: Sequence[float] | np.ndarray) -> np.ndarray:
    """Finite-difference gradient of a function of several scalars, at ``point``."""
    return numgrad(lambda a: f(*a), np.array(point, dtype=np.float64))


def sigmoid(t):
    """σ(t) = 1/(1 + e^(−t)), written so that it never overflows (numpy in, numpy out)."""
    t = np.asarray(t, dtype=np.float64)
    e = np.exp(-np.abs(t))
    return np.where(t >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def scalar_sigmoid(t: float) -> float:
    """σ(t) for one float, without overflow."""
    if t >= 0:
        return 1.0 / (1.0 + math.exp(-t))
    e = math.exp(t)
    return e / (1.0 + e)
