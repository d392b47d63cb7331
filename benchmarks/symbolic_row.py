"""Row 6: the symbolic derivation (``bpcourse.symbolic``) against the naive way.

Ours: derive and verify all four partials (every step of ``derive()`` must hold), turn them into
numpy functions, evaluate them for the 19-5-1 net on all 17 watermelon samples and check them
against ``ZhouNet.gradients``. sympy's cache is cleared first, so each run derives from scratch.
The naive row writes out E_k for a whole net and does one ``diff`` + ``lambdify`` per parameter.
"""

from __future__ import annotations

import importlib.util
import statistics
import time

import numpy as np

from benchmarks.harness import Row, skipped


def _fresh_sympy() -> None:
    from sympy.core.cache import clear_cache

    clear_cache()


def derive_and_lambdify() -> dict:
    """Derive and verify the four partials, then lambdify them; independent of d, q, l."""
    from bpcourse import symbolic

    _fresh_sympy()
    steps = symbolic.derive()
    assert all(step.holds for step in steps), [s.equation for s in steps if not s.holds]
    return symbolic.gradient_functions()


def ours_full(d: int = 19, q: int = 5, l: int = 1) -> dict[str, float]:
    """Derive + verify + lambdify + evaluate on watermelon 3.0 (or random data of width d), and check
    against ``ZhouNet.gradients``. Returns the times of the two parts."""
    from bpcourse import symbolic
    from bpcourse.datasets import watermelon3
    from bpcourse.zhou import ZhouNet

    start = time.perf_counter()
    functions = derive_and_lambdify()
    middle = time.perf_counter()
    if d == 19:
        X, y = watermelon3()
    else:
        rng = np.random.default_rng(0)
        X, y = rng.random((17, d)), rng.integers(0, 2, 17).astype(float)
    Y = np.tile(y[:, None], (1, l))
    net = ZhouNet(d, q, l, seed=0)
    grads = symbolic.symbolic_gradients(net, X, Y, functions)
    end = time.perf_counter()
    for name, g in net.gradients(X, Y).items():
        np.testing.assert_allclose(grads[name], g, rtol=1e-9, atol=1e-12)
    return {"derive": middle - start, "evaluate": end - middle, "total": end - start}


def naive(d: int, q: int, l: int) -> float:
    """Build the naive per-parameter gradients of a d-q-l net and evaluate them on 17 samples,
    checking them against ``ZhouNet.gradients``; return the time."""
    from bpcourse import symbolic
    from bpcourse.zhou import ZhouNet

    rng = np.random.default_rng(0)
    X, Y = rng.random((17, d)), rng.integers(0, 2, (17, l)).astype(float)
    net = ZhouNet(d, q, l, seed=0)
    _fresh_sympy()
    start = time.perf_counter()
    gradients = symbolic.naive_gradient_function(d, q, l)
    grads = gradients(net, X, Y)
    elapsed = time.perf_counter() - start
    for name, g in net.gradients(X, Y).items():
        np.testing.assert_allclose(grads[name], g, rtol=1e-8, atol=1e-12)
    return elapsed


def rows_symbolic(reps: int, naive_size: tuple[int, int, int]) -> list[Row]:
    workload = "symbolic: derive + verify 4 partials, evaluate 19-5-1 on 17 samples"
    if importlib.util.find_spec("bpcourse.symbolic") is None:
        return [skipped("6", workload, "≤ 2 s", "bpcourse.symbolic not there yet")]
    ours_full()  # warm-up: imports (sympy, numpy printing) are not part of the derivation
    runs = [ours_full() for _ in range(reps)]
    total = statistics.median(r["total"] for r in runs)
    naive_t = naive(*naive_size)
    size = "-".join(map(str, naive_size))
    rows = [Row("6a", workload, total, naive_t, f"naive diff+lambdify per parameter, {size}",
                total / naive_t, "≤ 2 s", total <= 2.0)]
    small = statistics.median(ours_full(2, 2, 1)["derive"] for _ in range(reps))
    big = statistics.median(r["derive"] for r in runs)
    rows.append(Row("6b", "symbolic: derive+lambdify time, 19-5-1 vs 2-2-1 (growth)", big, small,
                    "2-2-1", big / small, "≈ 1 (no growth)", big / small <= 1.5))
    return rows
