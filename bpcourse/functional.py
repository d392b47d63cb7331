"""The activation functions (激活函数) and their derivatives: one home for each formula.

Gates, layers, Zhou's net, the explorers and the checks all call these, so a formula is written
once. Each function works on a plain number or on a numpy array, elementwise:

    sigmoid(0.0)                      # 0.5, a float
    sigmoid(np.array([-1.0, 2.0]))    # an array of the same shape (and float dtype)

A number (int, float, numpy scalar) gives a Python float; a numpy array (or a list) gives an
array. Integer and boolean arrays are computed in float64; float32 stays float32.

Several derivatives are simplest in terms of the function's *output*, which is what a layer keeps
from its forward pass: σ'(x) = σ(x)(1 − σ(x)) is Zhou's (5.9), tanh'(x) = 1 − tanh²(x). Those
come as ``*_derivative_from_output``; ``*_derivative(x)`` takes the input.

The functions are the mathematics only: nan in gives nan out, ±inf gives the limit (σ(−inf) = 0).
Checking inputs (finite, the right shape) is the job of the gates and layers that call them.
Every function is stable for any finite input: no exp ever sees a large positive argument.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar, overload

import numpy as np

__all__ = [
    "sigmoid", "sigmoid_derivative", "sigmoid_derivative_from_output",
    "tanh", "tanh_derivative", "tanh_derivative_from_output",
    "relu", "relu_derivative", "leaky_relu", "leaky_relu_derivative",
    "elu", "elu_derivative", "softmax", "log_softmax", "ACTIVATIONS",
]

ArrayOrFloat = TypeVar("ArrayOrFloat", float, np.ndarray)


def _array(x) -> np.ndarray | None:
    """``x`` as a float array if it is an array or a sequence, None if it is a single number."""
    if isinstance(x, float | int | np.floating | np.integer) and not isinstance(x, bool):
        return None
    if isinstance(x, np.ndarray | list | tuple):
        a = np.asarray(x)
        if a.dtype.kind in "biu":
            return a.astype(np.float64)
        if a.dtype.kind != "f":
            raise TypeError(f"expected real numbers, got an array of dtype {a.dtype}")
        return a
    raise TypeError(f"expected a real number or an array, got {x!r} of type {type(x).__name__}")


# --- sigmoid σ(x) = 1 / (1 + e^(−x)), Zhou's f ------------------------------------------------------


@overload
def sigmoid(x: float) -> float: ...
@overload
def sigmoid(x: np.ndarray) -> np.ndarray: ...
def sigmoid(x):
    """σ(x) = 1 / (1 + e^(−x)), in (0, 1).

    Written with e = e^(−|x|) ≤ 1 so that exp cannot overflow: σ(x) = 1/(1 + e) for x ≥ 0 and
    e/(1 + e) for x < 0 (multiply the top and bottom of 1/(1 + e^(−x)) by e^x).
    """
    a = _array(x)
    if a is None:
        x = float(x)
        e = math.exp(-abs(x))
        return (1.0 if x >= 0 else e) / (1.0 + e)
    e = np.exp(-np.abs(a))
    out = np.where(a >= 0, 1.0, e).astype(e.dtype, copy=False)
    out /= 1.0 + e
    return out


def sigmoid_derivative_from_output(s: ArrayOrFloat) -> ArrayOrFloat:
    """σ' = σ(1 − σ) (Zhou's 5.9), from the output s = σ(x). At most 1/4, at x = 0."""
    return s * (1.0 - s)  # (5.9)


def sigmoid_derivative(x: ArrayOrFloat) -> ArrayOrFloat:
    """σ'(x) = σ(x)(1 − σ(x)) (5.9)."""
    return sigmoid_derivative_from_output(sigmoid(x))


# --- tanh ---------------------------------------------------------------------------------------------


@overload
def tanh(x: float) -> float: ...
@overload
def tanh(x: np.ndarray) -> np.ndarray: ...
def tanh(x):
    """tanh(x) = (e^x − e^(−x)) / (e^x + e^(−x)) = 2σ(2x) − 1, in (−1, 1); saturates, never overflows."""
    a = _array(x)
    return math.tanh(float(x)) if a is None else np.tanh(a)


def tanh_derivative_from_output(t: ArrayOrFloat) -> ArrayOrFloat:
    """tanh' = 1 − tanh², from the output t = tanh(x)."""
    return 1.0 - t * t


def tanh_derivative(x: ArrayOrFloat) -> ArrayOrFloat:
    """tanh'(x) = 1 − tanh²(x)."""
    return tanh_derivative_from_output(tanh(x))


# --- ReLU and Leaky ReLU: piecewise linear; at the kink x = 0 we take the left derivative -------------


@overload
def relu(x: float) -> float: ...
@overload
def relu(x: np.ndarray) -> np.ndarray: ...
def relu(x):
    """max(0, x)."""
    a = _array(x)
    if a is None:
        x = float(x)
        return x if x > 0 else 0.0
    return np.maximum(a, 0.0)


@overload
def relu_derivative(x: float) -> float: ...
@overload
def relu_derivative(x: np.ndarray) -> np.ndarray: ...
def relu_derivative(x):
    """1 where x > 0, else 0 (0 at the kink x = 0: the gradient is blocked, as by a max gate)."""
    a = _array(x)
    if a is None:
        return 1.0 if float(x) > 0 else 0.0
    return (a > 0).astype(a.dtype)


@overload
def leaky_relu(x: float, slope: float = 0.01) -> float: ...
@overload
def leaky_relu(x: np.ndarray, slope: float = 0.01) -> np.ndarray: ...
def leaky_relu(x, slope=0.01):
    """x where x > 0, slope·x elsewhere. For 0 ≤ slope ≤ 1 this is max(slope·x, x)."""
    a = _array(x)
    if a is None:
        x = float(x)
        return x if x > 0 else slope * x
    return np.where(a > 0, a, slope * a)


@overload
def leaky_relu_derivative(x: float, slope: float = 0.01) -> float: ...
@overload
def leaky_relu_derivative(x: np.ndarray, slope: float = 0.01) -> np.ndarray: ...
def leaky_relu_derivative(x, slope=0.01):
    """1 where x > 0, ``slope`` elsewhere (slope at the kink x = 0)."""
    a = _array(x)
    if a is None:
        return 1.0 if float(x) > 0 else float(slope)
    return np.where(a > 0, 1.0, slope).astype(a.dtype, copy=False)


# --- ELU ----------------------------------------------------------------------------------------------


@overload
def elu(x: float, alpha: float = 1.0) -> float: ...
@overload
def elu(x: np.ndarray, alpha: float = 1.0) -> np.ndarray: ...
def elu(x, alpha=1.0):
    """x where x > 0, α(e^x − 1) elsewhere (Clevert et al. 2015).

    e^x − 1 is computed by expm1 of min(x, 0): exact near 0, and never sees a large positive x.
    """
    a = _array(x)
    if a is None:
        x = float(x)
        return x if x > 0 else alpha * math.expm1(x)
    return np.where(a > 0, a, alpha * np.expm1(np.minimum(a, 0.0)))


@overload
def elu_derivative(x: float, alpha: float = 1.0) -> float: ...
@overload
def elu_derivative(x: np.ndarray, alpha: float = 1.0) -> np.ndarray: ...
def elu_derivative(x, alpha=1.0):
    """1 where x > 0, α e^x elsewhere (α at the kink x = 0)."""
    a = _array(x)
    if a is None:
        x = float(x)
        return 1.0 if x > 0 else alpha * math.exp(x)
    return np.where(a > 0, 1.0, alpha * np.exp(np.minimum(a, 0.0))).astype(a.dtype, copy=False)


# --- softmax: not elementwise, but the same kind of formula with the same stability trick --------------


def log_softmax(s: np.ndarray, axis: int = -1) -> np.ndarray:
    """log p with p_c = e^{s_c} / Σ_c' e^{s_c'} along ``axis``.

    The maximum along the axis is subtracted first (p does not change), so exp never overflows,
    and log p is s − log Σ e^s: never the log of a p that rounded to 0.
    """
    a = _array(np.asarray(s))
    assert a is not None
    shifted = a - a.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax(s: np.ndarray, axis: int = -1) -> np.ndarray:
    """p_c = e^{s_c} / Σ_c' e^{s_c'} along ``axis`` (the maximum subtracted first: no overflow)."""
    a = _array(np.asarray(s))
    assert a is not None
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# name -> (f, f'); leaky_relu and elu take their parameter (slope, alpha) as a second argument.
ACTIVATIONS: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    "sigmoid": (sigmoid, sigmoid_derivative),
    "tanh": (tanh, tanh_derivative),
    "relu": (relu, relu_derivative),
    "leaky_relu": (leaky_relu, leaky_relu_derivative),
    "elu": (elu, elu_derivative),
}
