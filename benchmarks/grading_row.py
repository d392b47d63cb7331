"""Row 9: the trusted grader's throughput. A class's worth of submissions across the exercises
(half complete, half blank, every file under its own name so each draws its own inputs), graded
in one ``python -m bpcourse grade``-equivalent call with ``--jobs 2``, each in its bubblewrap
sandbox. Reports submissions per minute and the peak resident memory of one job's process.
Target: at least 60 submissions a minute on a 2-core machine."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.harness import Row

ROOT = Path(__file__).resolve().parent.parent

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from bpcourse.grade import grade
from bpcourse.grading.engine import sandbox_available
files = [Path(p) for p in sys.argv[2:]]
start = time.perf_counter()
results = grade(files, Path(sys.argv[1]), timeout=60.0, echo=False, jobs=2, seed="benchmark")
elapsed = time.perf_counter() - start
print(json.dumps({"elapsed": elapsed, "n": len(results), "errors": sum(r.error is not None for r in results),
                  "full": sum(r.earned == r.points > 0 for r in results), "sandbox": sandbox_available(),
                  "maxrss_kib": max(r.peak_kib for r in results),
                  "cpu_sandbox": sum(r.cpu_s for r in results),
                  "cpu_grader": resource.getrusage(resource.RUSAGE_SELF).ru_utime
                                + resource.getrusage(resource.RUSAGE_SELF).ru_stime}))
"""


def measure(n: int = 100) -> dict:
    """Grade ``n`` submissions (solutions and blank exercises, round robin) in a fresh process."""
    from bpcourse.grading import exercises

    names = [name for name in exercises() if (ROOT / "solutions" / f"{name}.ipynb").exists()]
    folder = Path(tempfile.mkdtemp(prefix="bpcourse-bench-"))
    try:
        files = []
        for k in range(n):
            name = names[k % len(names)]
            source = ROOT / ("solutions" if k % 2 == 0 else "exercises") / f"{name}.ipynb"
            files.append(folder / f"student{k:03d}_{name}.ipynb")
            shutil.copyfile(source, files[-1])
        out = subprocess.run([sys.executable, "-c", _CHILD, str(ROOT / "solutions"), *map(str, files)],
                             capture_output=True, text=True, cwd=ROOT, check=True)
        data = json.loads(out.stdout.strip().splitlines()[-1])
        data["expected_full"] = (n + 1) // 2
        return data
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def rows_grading(n: int = 100) -> list[Row]:
    data = measure(n)
    per_minute = 60.0 * data["n"] / data["elapsed"]
    where = "bubblewrap sandbox" if data["sandbox"] else "NO sandbox"
    cpu = (data["cpu_sandbox"] + data["cpu_grader"]) / data["n"]
    idle = 2 * 60.0 / cpu if cpu > 0 else float("nan")
    note = (f"{data['n']} submissions in {data['elapsed']:.1f} s, --jobs 2; peak RSS of one job "
            f"{data['maxrss_kib'] / 1024:.0f} MiB; {where}; "
            f"{data['full']}/{data['expected_full']} complete ones at full marks, {data['errors']} errors; "
            f"CPU {cpu:.2f} s per submission (sandboxed process + grader), so about {idle:.0f}/min on "
            "2 otherwise idle cores")
    return [Row("9", f"grading: {n} submissions across the exercises (sandboxed, --jobs 2)", ours=per_minute,
                unit="/min", target="≥ 60/min", met=per_minute >= 60, ratio=per_minute / 60.0, note=note)]
