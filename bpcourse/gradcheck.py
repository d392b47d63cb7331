"""Gradient checking: compare an analytic gradient with centred finite differences.

The analytic gradients in this course (from gates, layers, Zhou's formulas or sympy) are always
checked against something that does not share their derivation. Centred differences are that
something: (f(x + h) - f(x - h)) / 2h has error O(h^2), against O(h) for the one-sided version.

Do it in float64. With h = 1e-5 the truncation error is about h^2 = 1e-10 and the rounding error
about eps / h = 1e-11, so a correct gradient gives a relative error near 1e-7 to 1e-10.
In float32 (eps = 1e-7) the rounding error alone is 1e-2: every gradient would look wrong.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Centred-difference gradient of a scalar function ``f`` at the array ``x``.

    ``x`` is changed in place one entry at a time (so ``f`` may read it through a closure, as when
    ``x`` is a layer's weight) and every entry is put back afterwards. Returns an array of
    ``x.shape``.

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
    if not h > 0:
        raise ValueError(f"numerical_gradient expected a step h > 0, got {h}")
    grad = np.zeros_like(x)
    flat_x = x.reshape(-1)  # a view: writing to it writes to x
    flat_grad = grad.reshape(-1)
    for i in range(flat_x.size):
        old = flat_x[i]
        try:
            flat_x[i] = old + h
            f_plus = float(f(x))
            flat_x[i] = old - h
            f_minus = float(f(x))
        finally:
            flat_x[i] = old
        flat_grad[i] = (f_plus - f_minus) / (2.0 * h)
    return grad


def rel_error(a, b) -> float:
    """Largest elementwise relative error ``|a - b| / max(|a| + |b|, tiny)``.

    What the size means, in float64 with h = 1e-5: below 1e-7 the gradient is right; 1e-7 to
    1e-4 look again (a kink, such as ReLU at 0, can explain it); above 1e-2 it is wrong.
    Two exact zeros give 0, not nan.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error expected a and b of the same shape, got {a.shape} and {b.shape}")
    denom = np.maximum(np.abs(a) + np.abs(b), 1e-300)
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / denom))
