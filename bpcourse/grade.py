"""Grade exercise notebooks: ``python -m bpcourse grade PATH... [--csv FILE] [--timeout S]``.

For each submitted notebook:

1. Read a *copy* of it (the submitted file is never written, moved or deleted).
2. Find which exercise it is, by its cells' nbgrader ``grade_id`` (and its file name).
3. Rebuild the notebook in the order of ``solutions/``: the student's code for every solution cell
   (matched by ``grade_id``; cells the student added stay after the cell they followed), and
   the solution's own version of every locked cell and every **test cell**, hidden tests
   included. Editing or deleting a test cell therefore changes nothing.
4. Run it top to bottom in a fresh kernel (nbclient), with a time limit per cell. A cell that
   hangs or kills the kernel (``os._exit``, a segfault) is noted and skipped, and the notebook is
   run again without it, so the other tasks are still graded.
5. Score with nbgrader's rule: a test cell that runs without an error earns its points.

The tests must not trust anything the student's code could have replaced: before each test
cell the grader loads ``bpcourse/check/`` afresh from its files and puts that module into
``sys.modules``, so a submission that swaps ``bpcourse.check`` or patches its functions is not
believed; and a test refuses to run once numpy, math or sympy functions have been replaced by
code from the notebook (``numpy.allclose = lambda *a, **k: True``). Each test cell also ends by
printing a random mark chosen for this run; a test whose mark never arrives (its source was
rewritten on the way to the kernel, say) earns nothing.
A kernel runs the student's code, so a determined cheat can still do more; the grader also
notes submissions that touch ``sys.modules``, ``builtins`` or IPython's input handling, for a
lecturer to look at.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from bpcourse.exercises import repo_root

OUTPUT_CAP = 100_000  # characters of output kept per cell; the rest is dropped (and noted)
EXTRA_RUNS = 3  # re-runs allowed after crashes or time-outs, beyond one per test cell
MARK = "<<bpcourse-grader"
SUSPICIOUS = {
    "sys.modules": "replaces or edits sys.modules",
    "bpcourse.check": "refers to bpcourse.check outside a test cell",
    "builtins": "touches builtins",
    "input_transformers": "changes IPython's input transformers",
    "set_custom_exc": "installs a custom exception handler",
    "importlib": "uses importlib",
}


@dataclass
class Task:
    grade_id: str
    points: float
    earned: float = 0.0
    message: str = "not run"


@dataclass
class Result:
    path: str
    exercise: str | None = None
    tasks: list[Task] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def points(self) -> float:
        return sum(t.points for t in self.tasks)

    @property
    def earned(self) -> float:
        return sum(t.earned for t in self.tasks)


# ---------------------------------------------------------------------------------------------
# Reading a submission without trusting it
# ---------------------------------------------------------------------------------------------


def _source(cell: Any) -> str:
    src = cell.get("source", "") if isinstance(cell, dict) else ""
    if isinstance(src, list):
        src = "".join(s for s in src if isinstance(s, str))
    return src if isinstance(src, str) else ""


def _nbgrader(cell: Any) -> dict:
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    nbg = meta.get("nbgrader") if isinstance(meta, dict) else None
    return nbg if isinstance(nbg, dict) else {}


def _read_submission(path: Path, workdir: Path) -> list[dict]:
    """The submission's cells, read from a private copy. Raises ValueError with a plain message."""
    if not path.exists():
        raise ValueError("file not found")
    if path.is_dir():
        raise ValueError("this is a folder, not a notebook")
    copy = workdir / "submission.ipynb"
    shutil.copyfile(path, copy)  # read only the copy from here on
    try:
        data = json.loads(copy.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ValueError("not a notebook: the file is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"not a notebook: invalid JSON ({exc.msg} at line {exc.lineno}); "
                         "the file is damaged — open it in Jupyter to see") from None
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list):
        raise ValueError("not a notebook: the JSON has no list of 'cells'")
    return [c for c in cells if isinstance(c, dict)]


def load_solutions(solutions: Path) -> dict[str, nbformat.NotebookNode]:
    return {p.stem: nbformat.read(p, as_version=4) for p in sorted(Path(solutions).glob("*.ipynb"))}


def _ids(cells) -> set[str]:
    return {g for c in cells if isinstance(g := _nbgrader(c).get("grade_id"), str)}


def identify(path: Path, cells: list[dict], solutions: dict) -> tuple[str | None, list[str]]:
    """Which exercise a submission is, by its grade_ids first and its file name second."""
    ids = _ids(cells)
    overlap = {name: len(ids & _ids(nb.cells)) for name, nb in solutions.items()}
    by_name = [name for name in solutions if re.search(rf"(?<![0-9]){re.escape(name.split('_')[0])}(?![0-9])",
                                                       path.name)]
    best = max(overlap, key=lambda n: (overlap[n], n in by_name), default=None)
    if best is not None and overlap[best] > 0:
        notes = []
        if by_name and best not in by_name:
            notes.append(f"the file name suggests {by_name[0]}, but its cells belong to {best}: graded "
                         f"as {best}")
        return best, notes
    if by_name:
        return by_name[0], [f"none of its cells carries a grade_id of {by_name[0]} (were the cells "
                            f"re-created "
                            "or their metadata removed?); graded by its file name"]
    return None, []


# ---------------------------------------------------------------------------------------------
# Building the notebook that is run
# ---------------------------------------------------------------------------------------------


def _prelude(check_file: Path) -> str:
    return (
        "# added by the grader: load the checks afresh from the installed file, whatever the code above did\n"
        "import importlib.util as _bpg_util\nimport sys as _bpg_sys\n"
        "for _bpg_k in [k for k in _bpg_sys.modules if k.split('.')[:2] == ['bpcourse', 'check']]:\n"
        "    del _bpg_sys.modules[_bpg_k]\n"
        f"_bpg_spec = _bpg_util.spec_from_file_location('bpcourse.check', {str(check_file)!r}, "
        f"submodule_search_locations=[{str(check_file.parent)!r}])\n"
        "_bpg_mod = _bpg_util.module_from_spec(_bpg_spec)\n"
        "_bpg_sys.modules['bpcourse.check'] = _bpg_mod\n"
        "_bpg_spec.loader.exec_module(_bpg_mod)\n"
        f"assert _bpg_mod.__file__ == {str(check_file)!r}, 'bpcourse.check could not be loaded from its "
        f"file'\n"
        "del _bpg_util, _bpg_spec, _bpg_mod\n"
        + _HELPERS_GUARD
    )


# The checks and hidden tests call numpy, math and sympy. A function the student's code put in
# their place (``numpy.allclose = lambda *a, **k: True``) was defined in the kernel, so its
# __module__ is '__main__' or its code comes from an ipykernel cell: refuse to run the test then.
_HELPERS_GUARD = """\
def _bpg_replaced_helpers():
    import warnings
    found = []
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        for name in ('numpy', 'numpy.testing', 'numpy.linalg', 'math', 'sympy'):
            module = _bpg_sys.modules.get(name)
            for attr in dir(module) if module is not None else ():
                f = getattr(module, attr, None)
                where = getattr(getattr(f, '__code__', None), 'co_filename', '') or ''
                if callable(f) and (getattr(f, '__module__', None) == '__main__' or where.startswith('<')
                                    or 'ipykernel' in where):
                    found.append(name + '.' + attr)
    return found
_bpg_found = _bpg_replaced_helpers()
assert not _bpg_found, ('your code replaced ' + ', '.join(_bpg_found[:3]) + ', which the tests rely on: '
                        'the test cannot trust it (restart the kernel and remove that line)')
del _bpg_replaced_helpers, _bpg_found
"""


def assemble(cells: list[dict], solution: nbformat.NotebookNode, nonce: str, check_file: Path):
    """(notebook to run, {cell index: grade_id of a test}, {cell index: label}, notes)."""
    sol_ids = {_nbgrader(c).get("grade_id"): c for c in solution.cells if _nbgrader(c).get("grade_id")}
    mine: dict[str, dict] = {}
    extras: dict[str | None, list[str]] = {}
    anchor: str | None = None
    notes: list[str] = []
    no_id = 0
    for cell in cells:
        nbg = _nbgrader(cell)
        gid = nbg.get("grade_id")
        if nbg and not isinstance(gid, str):
            no_id += 1
        if isinstance(gid, str) and gid in sol_ids and gid not in mine:
            mine[gid] = cell
            anchor = gid
        elif cell.get("cell_type") == "code" and _source(cell).strip():
            extras.setdefault(anchor, []).append(_source(cell))
    if no_id:
        notes.append(f"{no_id} cell(s) carry nbgrader metadata without a grade_id; they were run as "
                     f"your own cells")

    out: list[nbformat.NotebookNode] = []
    tests: dict[int, str] = {}
    labels: dict[int, str] = {}

    def add(source: str, label: str) -> int:
        out.append(nbformat.v4.new_code_cell(source))
        labels[len(out) - 1] = label
        return len(out) - 1

    for k, src in enumerate(extras.get(None, [])):
        add(src, f"your extra cell {k + 1} (before the first exercise cell)")
    for cell in solution.cells:
        nbg = _nbgrader(cell)
        gid = nbg.get("grade_id")
        if cell.cell_type == "code":
            if nbg.get("grade") and not nbg.get("solution"):
                mark = f"\nprint({MARK + ' ' + nonce + ' ' + gid!r})"
                index = add(_prelude(check_file) + cell.source + mark, f"test '{gid}'")
                tests[index] = gid
            elif nbg.get("solution"):
                if gid in mine:
                    if mine[gid].get("cell_type") != "code":
                        notes.append(f"your cell '{gid}' was turned into {mine[gid].get('cell_type')}; "
                                     "it was run as code")
                    add(_source(mine[gid]), f"your cell '{gid}'")
                else:
                    notes.append(f"your cell '{gid}' is missing (deleted?); its task can only pass if you "
                                 "defined the same names in another cell")
            else:
                add(cell.source, f"the exercise's cell '{gid}'")
        for k, src in enumerate(extras.get(gid, []) if gid else []):
            add(src, f"your extra cell {k + 1} after '{gid}'")
    nb = nbformat.v4.new_notebook(cells=out, metadata={"kernelspec": {"name": "python3", "language": "python",
                                                                      "display_name": "Python 3"}})
    return nb, tests, labels, notes


# ---------------------------------------------------------------------------------------------
# Running it
# ---------------------------------------------------------------------------------------------


def _make_client(nb, workdir: Path, timeout: float, nonce: str):
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient

    class Client(NotebookClient):
        """nbclient, plus: output capped per cell, the grader's marks collected, replies recorded."""

        def output(self, outs, msg, display_id, cell_index):
            content = msg.get("content", {})
            text = content.get("text", "") if msg.get("msg_type") == "stream" else ""
            if isinstance(text, str) and MARK in text:
                self.marks.update(re.findall(re.escape(f"{MARK} {nonce} ") + r"(\S+)", text))
            size = len(text) if text else len(json.dumps(content.get("data", {}), default=str))
            self.sizes[cell_index] = self.sizes.get(cell_index, 0) + size
            if self.sizes[cell_index] > OUTPUT_CAP:
                self.capped.add(cell_index)
                return None
            return super().output(outs, msg, display_id, cell_index)

    km = AsyncKernelManager(kernel_name="python3")  # async: a sync client would block nbclient's time limit
    # The kernel must be this Python (with bpcourse installed), not whatever 'python' is on PATH.
    km.kernel_spec.argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    client = Client(nb, km=km, timeout=timeout, allow_errors=True, shutdown_kernel="immediate",
                    startup_timeout=60, iopub_timeout=30, resources={"metadata": {"path": str(workdir)}})
    client.marks, client.sizes, client.capped, client.replies = set(), {}, set(), {}

    def on_executed(cell, cell_index, execute_reply):
        client.replies[cell_index] = (execute_reply or {}).get("content", {})

    client.on_cell_executed = on_executed
    return client


def run(nb, workdir: Path, timeout: float, nonce: str, labels: dict[int, str]):
    """Execute; returns (replies by cell index, marks seen, {index: 'timeout'|'crash'}, notes)."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    skipped: dict[int, str] = {}
    notes: list[str] = []
    # Every re-run skips one more cell, so this ends; a helper that crashes in every test that
    # calls it costs one run per such test.
    max_runs = sum(label.startswith("test ") for label in labels.values()) + EXTRA_RUNS
    for _attempt in range(max_runs):
        client = _make_client(nb, workdir, timeout, nonce)
        stopped_at = None
        try:
            with client.setup_kernel(cleanup_kc=True, stderr=subprocess.DEVNULL):
                for index, cell in enumerate(nb.cells):
                    if index in skipped:
                        continue
                    try:
                        client.execute_cell(cell, index)
                    except CellTimeoutError:
                        stopped_at = (index, "timeout")
                        break
                    except DeadKernelError:
                        stopped_at = (index, "crash")
                        break
        except DeadKernelError:  # the kernel died between cells, or while shutting down
            if stopped_at is None:
                stopped_at = (max(client.replies, default=-1) + 1, "crash")
        for index in sorted(client.capped):
            notes.append(f"the output of {labels.get(index, f'cell {index}')} was cut at {OUTPUT_CAP:,} "
                         f"characters")
        if stopped_at is None:
            return client.replies, client.marks, skipped, notes
        index, kind = stopped_at
        skipped[index] = kind
        what = f"took longer than {timeout:g} s (an endless loop?)" if kind == "timeout" else \
            "crashed the kernel (os._exit, a segfault, or out of memory?)"
        notes.append(f"{labels.get(index, f'cell {index}')} {what}; it was skipped and the notebook run "
                     f"again")
        if index not in labels:  # cannot happen, but never loop forever on it
            break
    notes.append(f"gave up after {max_runs} runs: cells after the last crash were not graded")
    return client.replies, client.marks, skipped, notes


# ---------------------------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------------------------


def _short(text: str, n: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _verdict(reply: dict | None, marked: bool, skipped: str | None, timeout: float) -> tuple[bool, str]:
    if skipped == "timeout":
        return False, f"the test took longer than {timeout:g} s (an endless loop in your code?)"
    if skipped == "crash":
        return False, "the kernel died while this test ran (os._exit or a segfault in your code?)"
    if reply is None:
        return False, "not run (an earlier crash stopped the notebook)"
    if reply.get("status") == "ok":
        if marked:
            return True, "passed"
        return False, ("the test ran but its completion mark never arrived: does your code replace print, "
                       "sys.stdout or IPython's input handling?")
    ename, evalue = reply.get("ename", "Error"), reply.get("evalue", "")
    if ename == "NotAttempted":
        detail = evalue.split("not attempted yet (", 1)[-1].split(";", 1)[0].strip(" ()")
        return False, f"not attempted yet ({_short(detail, 100)})"
    if ename == "NotImplementedError":
        return False, "not attempted yet (NotImplementedError)"
    if ename in ("AssertionError", "CheckFailed"):
        return False, _short(evalue) if evalue.strip() else "failed a test (an assert in the test cell)"
    if ename == "NameError":
        return False, _short(f"{evalue}: the cell that defines it failed, was deleted or is not written yet")
    return False, _short(f"{ename}: {evalue}")


def _passed_line(cell) -> str:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            for line in out.get("text", "").splitlines():
                if line.startswith("✓"):
                    return line
    return "passed"


def grade_notebook(path: Path, solutions: dict, check_file: Path, timeout: float) -> Result:
    result = Result(str(path))
    with tempfile.TemporaryDirectory(prefix="bpcourse-grade-") as tmp:
        workdir = Path(tmp)
        try:
            cells = _read_submission(Path(path), workdir)
        except (ValueError, OSError) as exc:
            result.error = str(exc)
            return result
        name, notes = identify(Path(path), cells, solutions)
        result.notes += notes
        if name is None:
            result.error = ("not an exercise of this course: no cell matches an exercise in solutions/ "
                            f"({', '.join(solutions)}), and the file name names none")
            return result
        result.exercise = name
        solution = solutions[name]
        for c in solution.cells:
            nbg = _nbgrader(c)
            if nbg.get("grade") and not nbg.get("solution"):
                result.tasks.append(Task(nbg["grade_id"], float(nbg.get("points", 0))))
        mine = "\n".join(_source(c) for c in cells
                         if not (_nbgrader(c).get("grade") or _nbgrader(c).get("locked")))
        touched = [why for token, why in SUSPICIOUS.items() if token in mine]
        if touched:
            result.notes.append("for the lecturer: the student's code " + "; ".join(touched))
        nonce = secrets.token_hex(16)
        nb, tests, labels, notes = assemble(cells, solution, nonce, check_file)
        result.notes += notes
        workdir.joinpath("submission.ipynb").unlink()  # the kernel's folder holds nothing of the student's
        try:
            replies, marks, skipped, notes = run(nb, workdir, timeout, nonce, labels)
        except Exception as exc:  # the kernel did not start, or nbclient failed in a way we did not foresee
            result.error = f"could not run the notebook: {type(exc).__name__}: {_short(exc)}"
            return result
        result.notes += notes
        by_id = {gid: index for index, gid in tests.items()}
        for task in result.tasks:
            index = by_id[task.grade_id]
            ok, message = _verdict(replies.get(index), task.grade_id in marks, skipped.get(index), timeout)
            task.earned = task.points if ok else 0.0
            task.message = _passed_line(nb.cells[index]) if ok else message
    return result


# ---------------------------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------------------------


def _num(x: float) -> str:
    return f"{x:g}"


def format_result(r: Result) -> str:
    lines = [f"== {r.path}" + (f"  (exercise {r.exercise})" if r.exercise else "")]
    if r.error:
        lines.append(f"   cannot grade: {r.error}")
    if r.tasks:
        width = max(len(t.grade_id) for t in r.tasks)
        lines.append(f"   {'task':<{width}}  points  earned  message")
        for t in r.tasks:
            lines.append(f"   {t.grade_id:<{width}}  {_num(t.points):>6}  {_num(t.earned):>6}  {t.message}")
        pct = 100.0 * r.earned / r.points if r.points else 0.0
        lines.append(f"   {'total':<{width}}  {_num(r.points):>6}  {_num(r.earned):>6}  ({pct:.0f}%)")
    for note in r.notes:
        lines.append(f"   note: {note}")
    return "\n".join(lines)


def write_csv(results: list[Result], path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["notebook", "exercise", "task", "points", "earned", "message"])
        for r in results:
            if not r.tasks:
                writer.writerow([r.path, r.exercise or "", "", 0, 0, r.error or "no tasks"])
            for t in r.tasks:
                writer.writerow([r.path, r.exercise, t.grade_id, _num(t.points), _num(t.earned), t.message])


def grade(paths: list[Path], solutions_dir: Path | None = None, timeout: float = 60.0,
          csv_path: Path | None = None, echo: bool = True) -> list[Result]:
    """Grade every notebook in ``paths`` (folders are searched for *.ipynb); print and return results."""
    from bpcourse import check

    solutions_dir = Path(solutions_dir) if solutions_dir else repo_root() / "solutions"
    solutions = load_solutions(solutions_dir)
    if not solutions:
        raise FileNotFoundError(f"no solution notebooks in {solutions_dir}")
    check_file = Path(check.__file__).resolve()
    files: list[Path] = []
    for p in map(Path, paths):
        files.extend(sorted(p.glob("*.ipynb")) if p.is_dir() else [p])
    results = []
    for f in files:
        r = grade_notebook(f, solutions, check_file, timeout)
        results.append(r)
        if echo:
            print(format_result(r), flush=True)
    if echo and len(results) > 1:
        print(f"\ngraded {len(results)} notebook(s): "
              + ", ".join(f"{Path(r.path).name} {_num(r.earned)}/{_num(r.points)}" for r in results))
    if csv_path:
        write_csv(results, Path(csv_path))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bpcourse grade",
                                     description="Grade exercise notebooks against the tests in solutions/.")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="notebooks, or folders of notebooks")
    parser.add_argument("--csv", metavar="FILE", help="also write one row per notebook and task to FILE")
    parser.add_argument("--timeout", type=float, default=60.0, metavar="S", help="time limit per cell (60 s)")
    parser.add_argument("--solutions", metavar="DIR", help="the solutions folder (default: the repository's)")
    args = parser.parse_args(argv)
    if not args.timeout > 0:
        parser.error(f"--timeout must be a positive number of seconds, got {args.timeout}")
    sol = Path(args.solutions) if args.solutions else repo_root() / "solutions"
    if not sol.is_dir() or not any(sol.glob("*.ipynb")):
        parser.error(f"no solution notebooks in {sol} (give --solutions DIR)")
    try:
        load_solutions(sol)
    except Exception as exc:  # a damaged solutions folder is the caller's mistake, not a submission's
        parser.error(f"cannot read the solutions in {sol}: {type(exc).__name__}: {_short(exc)}")
    grade([Path(p) for p in args.paths], sol, args.timeout, Path(args.csv) if args.csv else None)
    return 0
