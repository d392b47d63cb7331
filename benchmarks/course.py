"""Row 8: the course itself. Runs every lecture and solution notebook under nbval, one pytest
process per edition (English, then the Chinese one in notebooks/zh and solutions/zh), serially
(``--durations=0``), and reports each notebook's time, the total and the slowest cells. Targets:
each notebook ≤ 15 s, each edition's notebooks together ≤ 120 s."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from benchmarks.harness import Row, skipped

ROOT = Path(__file__).resolve().parent.parent
# "0.52s call     notebooks/01_x.ipynb::Cell 3" (setup and teardown lines look the same)
DURATION = re.compile(r"^\s*([\d.]+)s\s+(setup|call|teardown)\s+(\S+?\.ipynb)::(.+?)\s*$")


def run_notebooks(paths: list[str]) -> tuple[float, int, str]:
    """Run pytest on ``paths`` (folders or notebooks); return (wall time, exit code, output)."""
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "--durations=0",
           "--durations-min=0", *paths]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    return time.perf_counter() - start, proc.returncode, proc.stdout + proc.stderr


def parse_durations(output: str) -> tuple[dict[str, float], list[tuple[float, str]]]:
    """Per-notebook time (setup + calls + teardown of its cells) and all (time, cell) pairs."""
    per_notebook: dict[str, float] = defaultdict(float)
    cells: list[tuple[float, str]] = []
    for line in output.splitlines():
        match = DURATION.match(line)
        if match:
            seconds, phase, notebook, cell = float(match[1]), match[2], match[3], match[4]
            per_notebook[notebook] += seconds
            if phase == "call":
                cells.append((seconds, f"{notebook}::{cell}"))
    cells.sort(reverse=True)
    return dict(per_notebook), cells


EDITIONS = {  # (row numbers, what pytest runs): each edition is timed on its own, target ≤ 120 s
    "English": (("8a", "8b"), ["notebooks", "solutions", "--ignore=notebooks/zh", "--ignore=solutions/zh"]),
    "Chinese": (("8c", "8d"), ["notebooks/zh", "solutions/zh"]),
}


def rows_course() -> tuple[list[Row], str]:
    """The rows of both editions (English: notebooks/ and solutions/; Chinese: their zh/), and a
    plain-text report of every notebook and the five slowest cells."""
    rows: list[Row] = []
    report: list[str] = []
    for edition, ((slow_no, all_no), args) in EDITIONS.items():
        title = f"course ({edition}): notebooks under nbval"
        if not all((ROOT / a).is_dir() for a in args if not a.startswith("--")):
            rows.append(skipped(all_no, title, "≤ 120 s", "no notebooks yet"))
            continue
        wall, code, output = run_notebooks(args)
        per_notebook, cells = parse_durations(output)
        if not per_notebook:
            tail = "\n".join(output.splitlines()[-5:])
            rows.append(skipped(all_no, title, "≤ 120 s", f"no durations parsed:\n{tail}"))
            continue
        summary = output.strip().splitlines()[-1]
        slowest_nb = max(per_notebook, key=per_notebook.get)
        rows += [
            Row(slow_no, f"course ({edition}): slowest notebook ({Path(slowest_nb).name}) under nbval",
                per_notebook[slowest_nb], None, "", None, "≤ 15 s", per_notebook[slowest_nb] <= 15),
            Row(all_no, f"course ({edition}): all {len(per_notebook)} notebooks under nbval, serial wall",
                wall, None, "", None, "≤ 120 s", wall <= 120 and code == 0,
                note=f"pytest: {summary}" + ("" if code == 0 else " (FAILURES: see the report)")),
        ]
        report.append(f"{edition} edition, notebook times (s, setup + cells):")
        report += [f"  {t:6.2f}  {nb}" for nb, t in sorted(per_notebook.items(), key=lambda kv: -kv[1])]
        report.append("slowest cells (s):")
        report += [f"  {t:6.2f}  {cell}" for t, cell in cells[:5]]
    return rows, "\n".join(report)
