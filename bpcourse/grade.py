"""Grade exercise notebooks: ``python -m bpcourse grade PATH... [--csv FILE] [--jobs N] [--seed S]``.

The verdicts are reached outside the student's code (``bpcourse/grading/``): each submission's
cells run in a sandboxed process, the grader's probes call the student's functions on inputs
drawn now, and the grader process compares what comes back with its own references. See
``bpcourse/grading/engine.py`` for the steps and README "For lecturers" for the trust model.

From inside an exercise notebook, the last cell grades the saved file:

    from bpcourse.grade import grade_this_notebook
    grade_this_notebook()
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import re
import subprocess
import sys
from pathlib import Path

from bpcourse.i18n import _


def repo_root() -> Path:
    """The folder that holds ``bpcourse/`` and ``solutions/`` (not imported from bpcourse.exercises,
    whose nbformat import costs seconds)."""
    return Path(__file__).resolve().parent.parent

# The engine is imported where it is used, so that ``from bpcourse.grade import grade_this_notebook``
# works anywhere (also inside the sandbox, where bpcourse/grading/ is hidden).


def _num(x: float) -> str:
    return f"{x:g}"


def format_result(r) -> str:
    lines = [f"== {r.path}" + (f"  (exercise {r.exercise})" if r.exercise else "")]
    if r.error:
        lines.append("   " + _("cannot grade: {error}").format(error=r.error))
    if r.tasks:
        lines.append("   " + _("task   points  earned  message"))
        for t in r.tasks:
            lines.append(f"   {t.number:<5}  {_num(t.points):>6}  {_num(t.earned):>6}  {t.message}")
        pct = 100.0 * r.earned / r.points if r.points else 0.0
        lines.append(f"   {'total':<5}  {_num(r.points):>6}  {_num(r.earned):>6}  ({pct:.0f}%)")
    for note in r.notes:
        lines.append(f"   note: {note}")
    return "\n".join(lines)


def student_of(path: str, exercise: str | None) -> str:
    """Who submitted: the file name without the exercise's name (``alice_ex01_gates.ipynb`` ->
    ``alice``), else the folder's name (nbgrader's ``submitted/alice/ps1/ex01_gates.ipynb``)."""
    p = Path(path)
    stem = p.stem
    if exercise:
        stem = stem.replace(exercise, "")
        stem = re.sub(rf"(?<![0-9]){re.escape(exercise.split('_')[0])}(?![0-9])", "", stem)
    stem = stem.strip(" _-.")
    if stem:
        return stem
    for parent in p.resolve().parents:
        if parent.name and not re.fullmatch(r"ex\d\d.*|ps\d+|submitted|submissions|autograded", parent.name):
            return parent.name
    return p.stem


def totals_path(csv_path: Path) -> Path:
    return csv_path.with_name(csv_path.stem + "_totals" + (csv_path.suffix or ".csv"))


def write_csv(results: list, path: Path) -> None:
    """One row per notebook and task to ``path``; one row per student to ``<path>_totals.csv``."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["notebook", "student", "exercise", "task", "grade_id", "points", "earned",
                         "message"])
        for r in results:
            student = student_of(r.path, r.exercise)
            if not r.tasks:
                writer.writerow([r.path, student, r.exercise or "", "", "", 0, 0, r.error or "no tasks"])
            for t in r.tasks:
                writer.writerow([r.path, student, r.exercise, t.number, t.grade_id, _num(t.points),
                                 _num(t.earned), t.message])
    names = sorted({r.exercise for r in results if r.exercise})
    table: dict[str, dict[str, float]] = {}
    for r in results:
        row = table.setdefault(student_of(r.path, r.exercise), {})
        if r.exercise:  # a student who submitted an exercise twice keeps the better one
            row[r.exercise] = max(row.get(r.exercise, 0.0), r.earned)
    out_of = {name: max((r.points for r in results if r.exercise == name), default=0.0) for name in names}
    with open(totals_path(path), "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student", *names, "total", "out_of"])
        for student in sorted(table):
            row = table[student]
            writer.writerow([student, *[_num(row.get(n, 0.0)) for n in names],
                             _num(sum(row.values())), _num(sum(out_of.values()))])


def find_notebooks(paths: list[Path]) -> list[Path]:
    """Files as given; folders searched (recursively) for *.ipynb. An empty folder raises ValueError."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.rglob("*.ipynb") if ".ipynb_checkpoints" not in f.parts)
            if not found:
                raise ValueError(f"no notebooks found in {p}")
            files.extend(found)
        else:
            files.append(p)
    return files


def check_csv_path(path: Path) -> None:
    """Raise ValueError before any grading if the CSV (or its totals file) cannot be written."""
    for p in (path, totals_path(path)):
        if p.is_dir():
            raise ValueError(f"--csv {p} is a folder, not a file")
        if not p.parent.is_dir():
            raise ValueError(f"--csv {p}: the folder {p.parent} does not exist")
        if not os.access(p.parent, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
            raise ValueError(f"--csv {p}: cannot write there")


def grade(paths: list[Path], solutions_dir: Path | None = None, timeout: float = 60.0,
          csv_path: Path | None = None, echo: bool = True, jobs: int | None = None, seed: str = "",
          sandbox: bool | None = None) -> list:
    """Grade every notebook in ``paths`` (folders are searched); print and return the results.

    Results are the same whatever ``jobs`` is: each submission's inputs depend only on ``seed``
    and its file name."""
    from concurrent.futures import ThreadPoolExecutor

    from bpcourse.grading.engine import grade_submission, load_solutions, sandbox_available

    solutions_dir = Path(solutions_dir) if solutions_dir else repo_root() / "solutions"
    solutions = load_solutions(solutions_dir)
    if not solutions:
        raise FileNotFoundError(f"no solution notebooks in {solutions_dir}")
    if csv_path is not None:
        check_csv_path(Path(csv_path))
    files = find_notebooks(paths)
    sandbox = sandbox_available() if sandbox is None else sandbox
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(files) or 1))
    if echo and not sandbox:
        print("note: bubblewrap is not available here, so submissions ran without file-system isolation "
              "(the verdicts are still reached outside them)", flush=True)

    def one(f: Path):
        try:
            return grade_submission(f, solutions, timeout, seed, sandbox)
        except Exception as exc:  # a bug of the grader's own: this notebook's row says so, the batch goes on
            from bpcourse.grading.engine import Result

            return Result(str(f), error=f"the grader failed on this notebook: {type(exc).__name__}: {exc}")

    results = []
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        iterator = pool.map(one, files)
        if len(files) >= 10 and echo:
            try:
                from tqdm import tqdm

                iterator = tqdm(iterator, total=len(files), unit="notebook", file=sys.stderr, disable=None)
            except ImportError:
                pass
        for r in iterator:
            results.append(r)
            if echo:
                print(format_result(r), flush=True)
    if echo and len(results) > 1:
        print(f"\ngraded {len(results)} notebook(s): "
              + ", ".join(f"{Path(r.path).name} {_num(r.earned)}/{_num(r.points)}" for r in results))
    if csv_path:
        write_csv(results, Path(csv_path))
        if echo:
            print(f"wrote {csv_path} and {totals_path(Path(csv_path))}")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bpcourse grade",
                                     description="Grade exercise notebooks, each in a sandbox; the verdicts "
                                                 "are reached outside the student's code.")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="notebooks, or folders of notebooks")
    parser.add_argument("--csv", metavar="FILE", help="write one row per notebook and task to FILE, and one "
                                                      "row "
                                                      "per student to FILE_totals.csv")
    parser.add_argument("--timeout", type=float, default=60.0, metavar="S",
                        help="time limit per cell and per test (60 s)")
    parser.add_argument("--jobs", type=int, default=None, metavar="N",
                        help="grade N notebooks at once (default: the number of cores)")
    parser.add_argument("--seed", default=os.environ.get("BPCOURSE_GRADE_SEED", ""), metavar="SECRET",
                        help="the lecturer's secret that, with each file's name, draws the hidden inputs "
                             "(default: $BPCOURSE_GRADE_SEED); keep it to regrade identically")
    parser.add_argument("--solutions", metavar="DIR", help="the solutions folder (default: the repository's)")
    args = parser.parse_args(argv)
    if not (args.timeout > 0 and math.isfinite(args.timeout)):
        parser.error(f"--timeout must be a positive number of seconds, got {args.timeout}")
    if args.jobs is not None and args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    sol = Path(args.solutions) if args.solutions else repo_root() / "solutions"
    if not sol.is_dir() or not any(sol.glob("*.ipynb")):
        parser.error(f"no solution notebooks in {sol} (give --solutions DIR)")
    from bpcourse.grading.engine import load_solutions

    try:
        load_solutions(sol)
    except Exception as exc:  # a damaged solutions folder is the caller's mistake, not a submission's
        detail = " ".join(str(exc).split())
        parser.error(f"cannot read the solutions in {sol}: {type(exc).__name__}: {detail}")
    try:
        find_notebooks([Path(p) for p in args.paths])
        if args.csv:
            check_csv_path(Path(args.csv))
    except ValueError as exc:
        parser.error(str(exc))
    grade([Path(p) for p in args.paths], sol, args.timeout, Path(args.csv) if args.csv else None,
          jobs=args.jobs, seed=args.seed)
    return 0


# ---------------------------------------------------------------------------------------------
# From inside a notebook
# ---------------------------------------------------------------------------------------------


def _this_notebook() -> Path:
    """The notebook this kernel runs: Jupyter's JPY_SESSION_NAME (or ``__session__``), else the one
    exercise notebook in the working folder."""
    candidates = [os.environ.get("JPY_SESSION_NAME", "")]
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            candidates.append(str(shell.user_ns.get("__session__") or ""))
            candidates.append(str(shell.user_ns.get("__vsc_ipynb_file__") or ""))
    except ImportError:
        pass
    for c in candidates:
        if c and c.endswith(".ipynb"):
            for p in (Path(c), Path.cwd() / c, Path.cwd() / Path(c).name):
                if p.is_file():
                    return p.resolve()
    found = sorted(Path.cwd().glob("ex[0-9][0-9]_*.ipynb"))
    if len(found) == 1:
        return found[0].resolve()
    # Several exercises in the folder (a kernel started without Jupyter's session name, e.g. by
    # nbconvert or nbclient): the checks this kernel imported tell which exercise it is.
    prefix = _exercise_from_history()
    mine = [p for p in found if prefix and p.name.startswith(prefix + "_")]
    if len(mine) == 1:
        return mine[0].resolve()
    example = mine[0].name if mine else "ex01_gates.ipynb"
    raise FileNotFoundError(f"cannot tell which notebook this is; name it: grade_this_notebook('{example}')")


def _exercise_from_history() -> str | None:
    """'ex04' if the cells this kernel ran imported checks of exercise 4 only, else None."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
        cells = shell.user_ns.get("In", []) if shell is not None else []
    except ImportError:
        return None
    import importlib

    names = set(re.findall(r"from\s+bpcourse\.check\s+import\s+(check_\w+)", "\n".join(map(str, cells))))
    prefixes = set()
    for k in range(1, 100):
        try:
            module = importlib.import_module(f"bpcourse.check.ex{k:02d}")
        except ImportError:
            break
        if names & set(vars(module)):
            prefixes.add(f"ex{k:02d}")
    return prefixes.pop() if len(prefixes) == 1 else None


def grade_this_notebook(path: str | os.PathLike | None = None, timeout: float = 60.0) -> None:
    """Grade this exercise notebook as saved on disk and print the table (the file is only read)."""
    if os.environ.get("BPCOURSE_SANDBOX") or os.environ.get("NBGRADER_EXECUTION"):
        return  # inside the grader itself, or nbgrader is grading: it has its own table
    try:
        nb = Path(path).resolve() if path else _this_notebook()
    except FileNotFoundError as exc:
        print(f"✗ {exc}")
        return
    print(_("Grading {name} as saved on disk: save the notebook first (Ctrl+S) if you changed it since.")
          .format(name=nb.name), flush=True)
    import bpcourse

    env = dict(os.environ)
    here = str(Path(bpcourse.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = here + os.pathsep + env.get("PYTHONPATH", "") if env.get("PYTHONPATH") else here
    proc = subprocess.run([sys.executable, "-m", "bpcourse", "grade", str(nb), "--timeout", str(timeout),
                           "--jobs", "1"], capture_output=True, text=True, env=env, cwd=nb.parent)
    print(proc.stdout.rstrip())
    if proc.returncode != 0:
        last = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit code {proc.returncode}"
        print(_("✗ the grader stopped: {why}").format(why=last))
