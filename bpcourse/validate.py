"""Checks on what a student passes in, shared by every module, so a mistake reads the same everywhere.

Each check returns the cleaned value or raises with a message that names the parameter (``name``,
e.g. ``"ZhouNet.train eta"``), what was expected and what was given:

- ``TypeError``: not a number at all (a string, None, a bool, a complex number, an array);
- ``ValueError``: a number of the wrong kind or size (nan, inf, 0 where > 0 is needed, 2.5 where
  an integer is needed), or a job too big to do (``check_size``).
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np

__all__ = ["real_number", "positive_number", "count", "check_size"]


def real_number(value, name: str, *, finite: bool = True, hint: str = "") -> float:
    """``value`` as a float: an int, a float or a numpy scalar, but not a bool; finite by default.
    ``hint`` is added to the message after "expected a ... number"."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, Real):
        raise TypeError(f"{name} expected a real number{hint}, got {value!r} of type {type(value).__name__}")
    value = float(value)
    if finite and not np.isfinite(value):
        raise ValueError(f"{name} expected a finite number{hint}, got {value!r}")
    return value


def positive_number(value, name: str, hint: str = "") -> float:
    """A finite real number > 0 (a learning rate, a step, a tolerance)."""
    x = real_number(value, name, hint=hint)
    if not x > 0:
        raise ValueError(f"{name} expected a number > 0{hint}, got {value!r}")
    return x


def count(value, name: str, minimum: int = 1, maximum: int | None = None) -> int:
    """An integer (Python or numpy, not a bool and not 2.0) with ``minimum <= value <= maximum``."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, Integral):
        what = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{name} expected {what}, got {value!r} of type {type(value).__name__}")
    n = int(value)
    if n < minimum:
        what = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{name} expected {what}, got {n}")
    if maximum is not None and n > maximum:
        raise ValueError(f"{name} expected an integer <= {maximum:,}, got {n:,}")
    return n


def check_size(estimate: float, limit: float, what: str, limit_name: str, advice: str = "") -> None:
    """Refuse up front a job whose ``estimate`` (of nodes, paths, bytes …) exceeds ``limit``.

    The message gives both numbers, so a student sees how far over the limit the request is, and
    names the parameter that raises the limit.
    """
    if estimate > limit:
        raise ValueError(
            f"{what}: about {_human(estimate)}, more than {limit_name}={_human(limit)}. "
            f"{advice + ' ' if advice else ''}Pass a larger {limit_name} if you really mean it."
        )


def _human(n: float) -> str:
    if n >= 1e15:
        return f"{n:.3g}"
    return f"{int(n):,}"
