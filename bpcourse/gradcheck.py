"""Gradient checking: compare an analytic gradient with centred finite differences.

The analytic gradients in this course (from gates, layers, Zhou's formulas or sympy) are always
checked against something that does not share their derivation. Centred differences are that
something: (f(x + h) - f(x - h)) / 2h has error O(h^2), against O(h) for the one-sided version.

Do it in float64. With h = 1e-5 the truncation error is about h^2 = 1e-10 and the rounding error
about eps / h = 1e-11, so a correct gradient gives a relative error near 1e-7 to 1e-10.
In float32 (eps = 1e-7) the rounding error alone is 1e-2: every gradient would look wrong.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from numbers import Real

import numpy as np

from bpcourse.validate import positive_number


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Centred-difference gradient of a scalar function ``f`` at the array ``x``.

    ``x`` is changed in place one entry at a time (so ``f`` may read it through a closure, as when
    ``x`` is a layer's weight, or a transposed or sliced view of one) and every entry is put back
    afterwards, also when ``f`` raises. Returns a float64 array of ``x.shape``.

    Refused: an ``x`` that is not a writable float64 numpy array (a read-only one could not be
    nudged), an empty one, a step ``h`` that is not a finite number > 0 or so small that x ± h
    rounds to x, and an ``f`` that returns something other than one finite number.

    >>> numerical_gradient(lambda a: float((a ** 2).sum()), np.array([1.0, -2.0]))
    array([ 2., -4.])
    """
    if not isinstance(x, np.ndarray):
        raise TypeError(f"numerical_gradient expected x to be a numpy array, got {type(x).__name__}")
    if x.dtype != np.float64:
        why = (
            "an integer array cannot hold x ± h" if x.dtype.kind in "biu"
            else "in lower precision the rounding error swamps the difference quotient"
        )
        raise TypeError(f"numerical_gradient needs x in float64 (got {x.dtype}): {why}")
    if not x.flags.writeable:
        raise ValueError("numerical_gradient needs a writable x (it nudges each entry in place); "
                         "got a read-only array: pass x.copy() and have f read that copy")
    if x.size == 0:
        raise ValueError(f"numerical_gradient got an empty x of shape {x.shape}: there is nothing to nudge")
    h = positive_number(h, "numerical_gradient h", " (the step, e.g. 1e-5)")
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):  # indexing x itself, so a view or a transpose works too
        old = x[index]
        if old + h == old or old - h == old:
            raise ValueError(f"numerical_gradient: h = {h!r} is too small for x{list(index)} = {old!r}: "
                             "x ± h rounds to x in float64. Use h around 1e-5 × max(1, |x|).")
        try:
            x[index] = old + h
            f_plus = _value_of(f(x), index)
            x[index] = old - h
            f_minus = _value_of(f(x), index)
        finally:
            x[index] = old
        grad[index] = (f_plus - f_minus) / (2.0 * h)
    return grad


def _value_of(fx, index: tuple[int, ...]) -> float:
    """``f(x)`` as a finite float, or an error saying what f returned and where."""
    if isinstance(fx, np.ndarray) and fx.size == 1:
        fx = fx.reshape(())[()]
    if isinstance(fx, bool | np.bool_) or not isinstance(fx, Real):
        raise TypeError(f"numerical_gradient expected f to return one real number, got {fx!r} "
                        f"of type {type(fx).__name__}")
    if not math.isfinite(fx):
        raise ValueError(f"numerical_gradient: f returned {fx!r} with x{list(index)} nudged by ±h; "
                         "a difference quotient needs finite values (is h too large?)")
    return float(fx)


def rel_error(a, b) -> float:
    """Largest elementwise relative error ``|a - b| / max(|a| + |b|, tiny)``.

    What the size means, in float64 with h = 1e-5: below 1e-7 the gradient is right; 1e-7 to
    1e-4 look again (a kink, such as ReLU at 0, can explain it); above 1e-2 it is wrong.
    Two exact zeros give 0, not nan. Refused: a and b of different shapes, empty, not real
    numbers (None, text, complex), or holding nan or inf (an error that could hide a wrong gradient).
    """
    a = _real(a, "a")
    b = _real(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"rel_error expected a and b of the same shape, got {a.shape} and {b.shape}")
    if a.size == 0:
        raise ValueError("rel_error got empty arrays: there is nothing to compare")
    denom = np.maximum(np.abs(a) + np.abs(b), 1e-300)
    return float(np.max(np.abs(a - b) / denom))


def _real(a, name: str) -> np.ndarray:
    arr = np.asarray(a)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"rel_error expected {name} to be real numbers (a number or an array), got {a!r}")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"rel_error got nan or inf in {name}: compare finite gradients")
    return arr
