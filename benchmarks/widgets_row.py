"""Row 7: how long one interaction with each explorer takes (model recompute + redraw + PNG), as a
student moving a slider or pressing a button feels it. There is no peer; the target is 100 ms.

Every control of every explorer is exercised (a slider moves between two values, a dropdown or
toggle between two options, a button is pressed) and the row reports, per explorer, the median
latency of its slowest control. ``python -m benchmarks`` runs this row in a fresh interpreter
(``rows_widgets_fresh``): a student's notebook kernel has not imported torch and sympy, whose
hundreds of thousands of objects would make every garbage collection during a redraw slower.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.harness import Row, skipped

EXPLORERS = ("circuit_explorer", "activation_explorer", "paths_explorer", "zhou_trainer", "playground",
             "backprop_stepper")


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
        is_button = hasattr(control, "click") and not hasattr(control, "value")
        # A value control moves back and forth between its start and one other value, so the
        # explorer's state (say, the net's size) stays what a student starts from.
        values = None if is_button else (_other_value(control), control.value)
        times = []
        for rep in range(reps + 1):  # the first round warms up (first-use caches) and is not counted
            start = time.perf_counter()
            if is_button:
                control.click()
            else:
                control.value = values[rep % 2]
            if rep:
                times.append(time.perf_counter() - start)
        result[name] = statistics.median(times)
    return result


def rows_widgets(reps: int) -> list[Row]:
    target = "≤ 100 ms"
    if importlib.util.find_spec("bpcourse.widgets") is None:
        return [skipped("7", "widgets: one interaction", target, "bpcourse.widgets not there yet")]
    from bpcourse import widgets

    rows = []
    for letter, name in zip("abcdef", EXPLORERS, strict=True):
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


def rows_widgets_fresh(reps: int) -> list[Row]:
    """``rows_widgets`` in a new Python process that imports only what the explorers need."""
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, "-m", "benchmarks.widgets_row", str(reps)], cwd=root,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return [skipped("7", "widgets: one interaction", "≤ 100 ms", f"the row failed: {tail}")]
    return [Row(**fields) for fields in json.loads(proc.stdout)]


if __name__ == "__main__":
    import matplotlib

    matplotlib.use("Agg")  # no screen: the explorers draw on their own Agg canvas anyway
    print(json.dumps([dataclasses.asdict(row) for row in rows_widgets(int(sys.argv[1]))]))
