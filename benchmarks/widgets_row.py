"""Row 7: how long one interaction with each explorer takes (model recompute + redraw + PNG), as a
student moving a slider or pressing a button feels it. There is no peer; the target is 100 ms.

Every control of every explorer is exercised (a slider moves between two values, a dropdown or
toggle between two options, a button is pressed) and the row reports, per explorer, the median
latency of its slowest control.
"""

from __future__ import annotations

import importlib.util
import statistics
import time

from benchmarks.harness import Row, skipped

EXPLORERS = ("circuit_explorer", "activation_explorer", "paths_explorer", "zhou_trainer", "playground")


def _other_value(control):
    """A valid value different from the control's current one (or None for a button)."""
    if hasattr(control, "options"):
        options = [o[1] if isinstance(o, tuple) else o for o in control.options]
        return next(o for o in options if o != control.value)
    if hasattr(control, "max") and hasattr(control, "min"):
        step = getattr(control, "step", 1) or 1
        up = control.value + step
        return up if up <= control.max else control.value - step
    return None


def interaction_times(explorer, reps: int) -> dict[str, float]:
    """Median wall time (s) of one interaction per control of ``explorer``."""
    result = {}
    for name, control in explorer.controls.items():
        times = []
        for _ in range(reps):
            start = time.perf_counter()
            if hasattr(control, "click") and not hasattr(control, "value"):
                control.click()
            else:
                control.value = _other_value(control)
            times.append(time.perf_counter() - start)
        result[name] = statistics.median(times)
    return result


def rows_widgets(reps: int) -> list[Row]:
    target = "≤ 100 ms"
    if importlib.util.find_spec("bpcourse.widgets") is None:
        return [skipped("7", "widgets: one interaction", target, "bpcourse.widgets not there yet")]
    from bpcourse import widgets

    rows = []
    for letter, name in zip("abcde", EXPLORERS, strict=True):
        factory = getattr(widgets, name, None)
        if factory is None:
            reason = "not in bpcourse.widgets"
            rows.append(skipped(f"7{letter}", f"{name}(): one interaction", target, reason))
            continue
        explorer = factory()
        times = interaction_times(explorer, reps)
        worst = max(times, key=times.get)
        t = times[worst]
        rows.append(Row(f"7{letter}", f"{name}(): one interaction (slowest control: {worst})", t, None,
                        "", None, target, t <= 0.1))
    return rows
