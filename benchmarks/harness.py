"""Timing and the table: interleaved repetitions, the median of each side, one row per workload."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Row:
    """One line of the table. Times are seconds (medians); ``ratio`` is ours / peer unless the row
    says otherwise in ``unit``. ``skipped`` holds the reason when the row could not run."""

    number: str
    workload: str
    ours: float | None = None
    peer: float | None = None
    peer_name: str = ""
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""
    skipped: str = ""
    unit: str = "s"  # how ours and peer are printed: "s" (seconds) or "" (plain numbers)


def skipped(number: str, workload: str, target: str, reason: str) -> Row:
    return Row(number, workload, target=target, skipped=reason)


def timed(fn: Callable[[], object], collector: bool = True) -> float:
    """Wall time of one call. The garbage of earlier calls is collected first (not timed), so
    that one side never pays for the other's leftover cycles; the collector stays on during the
    call, as it is for a student (``collector=False`` turns it off, to show what it costs)."""
    gc.collect()
    if not collector:
        gc.disable()
    try:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start
    finally:
        gc.enable()


def interleaved(fns: dict[str, Callable[[], object]], reps: int, warmup: int = 1,
                collector: bool = True) -> dict[str, float]:
    """Median wall time of each function, calling them in turn (a, b, a, b, ...; the order
    alternates each round) ``reps`` times after ``warmup`` untimed rounds."""
    names = list(fns)
    times: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(warmup):
        for name in names:
            fns[name]()
    for r in range(reps):
        for name in names if r % 2 == 0 else reversed(names):
            times[name].append(timed(fns[name], collector))
    return {name: statistics.median(ts) for name, ts in times.items()}


def _fmt_time(t: float | None, unit: str) -> str:
    if t is None:
        return "-"
    if unit != "s":
        return f"{t:.3g}{unit}"
    if t >= 1:
        return f"{t:.2f} s"
    if t >= 1e-3:
        return f"{t * 1e3:.1f} ms"
    return f"{t * 1e6:.0f} µs"


def table(rows: list[Row]) -> str:
    """The rows as a Markdown table (it reads in a terminal and pastes into the README)."""
    header = ["#", "workload", "ours", "peer", "ratio", "target", "met?"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in rows:
        if row.skipped:
            cells = [row.number, row.workload, f"skipped ({row.skipped})", "", "", row.target, "-"]
        else:
            peer = _fmt_time(row.peer, row.unit)
            if row.peer_name and row.peer is not None:
                peer = f"{peer} ({row.peer_name})"
            elif row.peer_name:
                peer = row.peer_name
            ratio = "-" if row.ratio is None else f"{row.ratio:.3g}"
            met = {True: "yes", False: "NO", None: "-"}[row.met]
            cells = [row.number, row.workload, _fmt_time(row.ours, row.unit), peer, ratio, row.target, met]
        lines.append("| " + " | ".join(cells) + " |")
    notes = [f"- {row.number}: {row.note}" for row in rows if row.note]
    return "\n".join(lines + ([""] + notes if notes else []))
