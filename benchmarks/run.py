"""``python -m benchmarks [--quick] [--threads N] [--rows 1,3] [--no-course]``: print the table.

Installs nothing: the peers come from ``pip install -r requirements-bench.txt``.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import sys
import time

from benchmarks import course, engine, grading_row, nets, symbolic_row, widgets_row
from benchmarks.harness import Row, table

# (size, repetitions) per mode
SIZES = {
    "quick": {"mlp": (20, 3), "chain": 100_000, "cheap": (20, 3), "zhou_std": (5, 3), "zhou_acc": (256, 5),
              "seq": (256, 5), "symbolic": (1, (2, 2, 1)), "widgets": 1,
              "grading": 10},
    "full": {"mlp": (100, 7), "chain": 1_000_000, "cheap": (100, 7), "zhou_std": (30, 7),
             "zhou_acc": (256, 21), "seq": (256, 21), "symbolic": (3, (8, 10, 1)), "widgets": 5,
             "grading": 100},
}


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine() -> str:
    """Where the numbers were measured: cores, CPU, versions, and which BLAS kernel numpy runs."""
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    lines = [
        f"machine: {os.cpu_count()} cores, {cpu}; {platform.system()} {platform.machine()}",
        f"python {platform.python_version()}, numpy {_version('numpy')}, torch {_version('torch')}, "
        f"micrograd {_version('micrograd')}, sympy {_version('sympy')}",
    ]
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            lines.append(f"{pool.get('user_api')}: {pool.get('internal_api')} {pool.get('version')}, "
                         f"kernel {pool.get('architecture')}, {pool.get('num_threads')} threads "
                         f"({os.path.basename(pool.get('filepath', ''))})")
    except ImportError:
        lines.append("BLAS: threadpoolctl not installed, kernel unknown")
    env = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS")
           if k in os.environ}
    lines.append(f"environment: {env or 'no OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE / OMP_NUM_THREADS set'}")
    if nets.have_torch():
        lines.append(f"torch threads = numpy BLAS threads = {nets.blas_threads()}")
    try:
        lines.append(f"load average before the run: {os.getloadavg()[0]:.2f} (1 min)")
    except OSError:
        pass
    return "\n".join(lines)


def collect(quick: bool, wanted: set[str] | None, with_course: bool) -> tuple[list[Row], str]:
    s = SIZES["quick" if quick else "full"]
    groups = [
        ("1", lambda: engine.rows_mlp(*s["mlp"]) + [engine.row_chain(s["chain"])]),
        ("2", lambda: engine.row_cheap_gradient(*s["cheap"])),
        ("3", lambda: [nets.row_zhou_standard(*s["zhou_std"])]),
        ("4", lambda: nets.rows_zhou_accumulated(*s["zhou_acc"])),  # rows 3b and 4
        ("5", lambda: [nets.row_sequential(*s["seq"])]),
        ("6", lambda: symbolic_row.rows_symbolic(*s["symbolic"])),
        ("7", lambda: widgets_row.rows_widgets_fresh(s["widgets"])),
        ("9", lambda: grading_row.rows_grading(s["grading"])),
    ]
    rows: list[Row] = []
    for key, make in groups:
        if wanted is None or key in wanted or (key == "4" and "3" in wanted):
            print(f"  running row {key} ...", file=sys.stderr, flush=True)
            rows += make()
    report = ""
    if with_course and not quick and (wanted is None or "8" in wanted):
        print("  running row 8 (every notebook under nbval) ...", file=sys.stderr, flush=True)
        course_rows, report = course.rows_course()
        rows += course_rows
    elif wanted is None or "8" in wanted:
        rows.append(Row("8", "course: notebooks under nbval", target="≤ 120 s",
                        skipped="full mode only (--quick or --no-course)"))
    rows.sort(key=lambda row: (int(row.number[0]), row.number))
    return rows, report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    parser.add_argument("--threads", type=int, default=None,
                        help="limit numpy's BLAS (and so torch) to N threads (default: numpy's own)")
    parser.add_argument("--rows", default=None, help="comma-separated row numbers to run, e.g. 1,3")
    parser.add_argument("--no-course", action="store_true", help="skip row 8 (the notebooks)")
    args = parser.parse_args(argv)
    wanted = set(args.rows.split(",")) if args.rows else None
    if args.threads is not None:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads)
    print(machine())
    start = time.perf_counter()
    rows, report = collect(args.quick, wanted, not args.no_course)
    mode = "quick" if args.quick else "full"
    elapsed = time.perf_counter() - start
    print(f"\n{mode} run, {elapsed:.0f} s; times are medians of interleaved repetitions\n")
    print(table(rows))
    if report:
        print("\n" + report)
    return 0
