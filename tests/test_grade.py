"""``python -m bpcourse grade``: full marks for solutions, zero for blank exercises, and a set of
broken submissions that must each be graded with a clear message, the others unharmed.

Kernels are slow to start, so every notebook is graded in ONE call to ``grade`` (a module
fixture), and the tests below read its results.
"""

import hashlib
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from bpcourse.grade import grade

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
NAMES = sorted(p.stem for p in SOLUTIONS.glob("*.ipynb"))
TIMEOUT = 15.0  # seconds per cell: far above what any solution cell needs (< 2 s), short enough for the loop


def _load(name: str, folder: Path = SOLUTIONS) -> nbformat.NotebookNode:
    return nbformat.read(folder / f"{name}.ipynb", as_version=4)


def _cell(nb, grade_id: str):
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return cell
    raise KeyError(grade_id)


def _write(nb, path: Path) -> Path:
    path.write_text(nbformat.writes(nb), encoding="utf-8")
    return path


def _broken(folder: Path) -> dict[str, Path]:
    """Every kind of broken submission the issue lists, built from the solutions."""
    out: dict[str, Path] = {}

    # A syntax error in one cell, an exception in another.
    nb = _load("ex04_zhou_bp")
    _cell(nb, "ex04-g").source = "def output_gradient(yhat, y)\n    return yhat"
    _cell(nb, "ex04-E").source = 'raise ValueError("boom")\n' + _cell(nb, "ex04-E").source
    out["syntax_and_exception"] = _write(nb, folder / "syntax_ex04_zhou_bp.ipynb")

    # An endless loop.
    nb = _load("ex04_zhou_bp")
    _cell(nb, "ex04-e").source = "while True:\n    pass"
    out["loop"] = _write(nb, folder / "loop_ex04_zhou_bp.ipynb")

    # The kernel dies: os._exit in one notebook, a segfault in another.
    nb = _load("ex04_zhou_bp")
    _cell(nb, "ex04-updates").source = "import os\nos._exit(1)"
    out["os_exit"] = _write(nb, folder / "exit_ex04_zhou_bp.ipynb")
    nb = _load("ex04_zhou_bp")
    _cell(nb, "ex04-E").source = "import ctypes\nctypes.string_at(0)"
    out["segfault"] = _write(nb, folder / "segv_ex04_zhou_bp.ipynb")
    nb = _load("ex04_zhou_bp")  # the crash happens inside a test, every time hidden_gradient is called
    _cell(nb, "ex04-e").source = _cell(nb, "ex04-e").source.replace(
        "return b * (1.0 - b) * (w @ g)", "import os\n    os._exit(3)")
    out["crash_in_test"] = _write(nb, folder / "crash_in_test_ex04_zhou_bp.ipynb")

    # Deleted, edited, reordered and re-typed cells, a lost grade_id, megabytes of output.
    nb = _load("ex01_gates")
    _cell(nb, "ex01-mul").source = _cell(nb, "ex01-mul").source.replace(
        "dx = self.y * dout\n        dy = self.x * dout", "dx = self.x * dout\n        dy = self.y * dout")
    nb.cells.remove(_cell(nb, "ex01-mul-test"))  # deleted test: the real one still runs
    _cell(nb, "ex01-add").source = _cell(nb, "ex01-add").source.replace("return 1.0 * dout, 1.0 * dout",
                                                                        "return 1.0, 1.0")
    _cell(nb, "ex01-add-test").source = "pass  # 'edited' test"
    sig = _cell(nb, "ex01-sigmoid")
    nb.cells.remove(sig)
    nb.cells.append(sig)  # moved to the end
    sig.source += '\nprint("x" * 3_000_000)'  # megabytes of output
    mx = _cell(nb, "ex01-max")
    mx.cell_type = "markdown"  # re-typed
    del mx["outputs"], mx["execution_count"]
    del _cell(nb, "ex01-circuit").metadata["nbgrader"]["grade_id"]  # a graded notebook's cell loses its id
    out["tampered"] = _write(nb, folder / "tampered_ex01_gates.ipynb")

    # A submission that fakes the checks.
    nb = _load("ex01_gates")
    _cell(nb, "ex01-mul").source = _cell(nb, "ex01-mul").source.replace(
        "dx = self.y * dout\n        dy = self.x * dout", "dx = self.x * dout\n        dy = self.y * dout")
    _cell(nb, "ex01-add").source = _cell(nb, "ex01-add").source.replace(
        "return 1.0 * dout, 1.0 * dout", "return 1.0, 1.0") + "\n" + "\n".join([
            "import sys, types",
            "import bpcourse.check",
            "bpcourse.check.check_add_backward = lambda *args, **kwargs: print('✓ task 1.2 (patched)')",
            "fake = types.ModuleType('bpcourse.check')",
            "fake.check_mul_backward = lambda *args, **kwargs: print('✓ task 1.1 (fake)')",
            "sys.modules['bpcourse.check'] = fake",
        ])
    fork = _cell(nb, "ex01-fork")
    fork.source = fork.source.replace("dx += dx_via_add", "dx = dx_via_add")
    fork.source += "\nget_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])"
    out["cheat"] = _write(nb, folder / "cheat_ex01_gates.ipynb")

    # A submission that makes numpy agree with anything: a sign-flipped g_j, then patched helpers.
    nb = _load("ex04_zhou_bp")
    g_cell = _cell(nb, "ex04-g")
    g_cell.source = g_cell.source.replace("(y - yhat)", "(yhat - y)") + "\n" + "\n".join([
        "import numpy",
        "numpy.allclose = lambda *args, **kwargs: True",
        "numpy.testing.assert_allclose = lambda *args, **kwargs: None",
    ])
    out["numpy_patch"] = _write(nb, folder / "numpy_ex04_zhou_bp.ipynb")

    # A notebook of another exercise under this exercise's name.
    nb = _load("ex02_backprop_as_dp")
    (folder / "other").mkdir()
    out["other_exercise"] = _write(nb, folder / "other" / "ex01_gates.ipynb")

    # Not a notebook at all; a notebook of nothing we know; a file that does not exist.
    out["invalid_json"] = folder / "invalid_ex01_gates.ipynb"
    out["invalid_json"].write_text('{"cells": [ this is not json', encoding="utf-8")
    out["unknown"] = _write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]),
                            folder / "holiday_photos.ipynb")
    out["missing"] = folder / "never_submitted_ex03_layers.ipynb"
    return out


def _digest(paths) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths if p.exists()}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    broken = _broken(folder)
    solutions = [SOLUTIONS / f"{n}.ipynb" for n in NAMES]
    exercises = [EXERCISES / f"{n}.ipynb" for n in NAMES]
    paths = solutions + exercises + list(broken.values())
    before = _digest(paths)
    listing = sorted(p.name for p in folder.rglob("*"))
    csv_path = folder.parent / "grades.csv"
    results = grade(paths, SOLUTIONS, timeout=TIMEOUT, csv_path=csv_path, echo=True)
    by_path = {r.path: r for r in results}
    return {
        "solutions": [by_path[str(p)] for p in solutions],
        "exercises": [by_path[str(p)] for p in exercises],
        "broken": {k: by_path[str(p)] for k, p in broken.items()},
        "before": before, "after": _digest(paths), "listing": listing,
        "listing_after": sorted(p.name for p in folder.rglob("*")), "csv": csv_path, "n": len(paths),
    }


def _task(result, grade_id):
    return next(t for t in result.tasks if t.grade_id == grade_id)


def test_every_solution_earns_full_points(graded):
    assert len(graded["solutions"]) == 5
    for r in graded["solutions"]:
        assert r.error is None and r.tasks, r
        assert r.earned == r.points > 0, [(t.grade_id, t.message) for t in r.tasks if t.earned < t.points]
        assert all(t.message.startswith("✓ task") for t in r.tasks)


def test_every_blank_exercise_earns_zero_and_says_not_attempted(graded):
    for r in graded["exercises"]:
        assert r.error is None and len(r.tasks) >= 5
        assert r.earned == 0
        for t in r.tasks:
            assert t.message.startswith("not attempted yet"), (t.grade_id, t.message)


def test_submitted_files_are_untouched(graded):
    assert graded["before"] == graded["after"]
    assert graded["listing"] == graded["listing_after"]  # nothing written next to the submissions


def test_syntax_error_and_exception_cost_only_their_tasks(graded):
    r = graded["broken"]["syntax_and_exception"]
    assert _task(r, "ex04-g-test").earned == 0
    assert "output_gradient" in _task(r, "ex04-g-test").message  # not defined, because of the syntax error
    assert _task(r, "ex04-E-test").earned == 0
    for gid in ("ex04-e-test", "ex04-updates-test"):
        assert _task(r, gid).earned == _task(r, gid).points


def test_endless_loop_hits_the_time_limit(graded):
    r = graded["broken"]["loop"]
    assert any("took longer than" in n and "ex04-e" in n for n in r.notes), r.notes
    assert _task(r, "ex04-e-test").earned == 0
    for gid in ("ex04-g-test", "ex04-updates-test", "ex04-E-test"):
        assert _task(r, gid).earned == _task(r, gid).points


@pytest.mark.parametrize("case, cell, lost", [("os_exit", "ex04-updates", "ex04-updates-test"),
                                              ("segfault", "ex04-E", "ex04-E-test")])
def test_kernel_crash_is_survived(graded, case, cell, lost):
    r = graded["broken"][case]
    assert r.error is None
    assert any("crashed the kernel" in n and cell in n for n in r.notes), r.notes
    assert _task(r, lost).earned == 0
    for t in r.tasks:
        if t.grade_id not in (lost, "ex04-standard-test", "ex04-accumulated-test"):
            assert t.earned == t.points, (t.grade_id, t.message)


def test_kernel_crash_inside_tests_is_survived(graded):
    r = graded["broken"]["crash_in_test"]
    for gid in ("ex04-e-test", "ex04-standard-test", "ex04-accumulated-test"):  # all call hidden_gradient
        assert _task(r, gid).earned == 0 and "kernel died while this test ran" in _task(r, gid).message
    for gid in ("ex04-g-test", "ex04-updates-test", "ex04-E-test"):
        assert _task(r, gid).earned == _task(r, gid).points, _task(r, gid)


def test_deleted_edited_moved_retyped_cells_and_missing_grade_id(graded):
    r = graded["broken"]["tampered"]
    # The deleted and the edited test cells still ran, from solutions/, and caught the wrong answers.
    assert _task(r, "ex01-mul-test").earned == 0 and "swapped" in _task(r, "ex01-mul-test").message
    assert _task(r, "ex01-add-test").earned == 0 and "dout" in _task(r, "ex01-add-test").message
    # Moved, re-typed, and id-less cells still count; the megabytes of output were cut.
    for gid in ("ex01-max-test", "ex01-sigmoid-test"):
        assert _task(r, gid).earned == _task(r, gid).points, _task(r, gid)
    # The id-less circuit cell ran (circuit_grads exists); it is only wrong because the planted
    # wrong multiply gate feeds it.
    assert "(dx, dy, dz) is wrong" in _task(r, "ex01-circuit-test").message
    notes = " ".join(r.notes)
    assert "turned into markdown" in notes and "without a grade_id" in notes and "was cut at" in notes


def test_faked_checks_are_not_believed(graded):
    r = graded["broken"]["cheat"]
    assert _task(r, "ex01-mul-test").earned == 0 and "swapped" in _task(r, "ex01-mul-test").message
    assert _task(r, "ex01-add-test").earned == 0
    assert _task(r, "ex01-fork-test").earned == 0  # its test was rewritten to 'pass' on the way in
    assert "completion mark" in _task(r, "ex01-fork-test").message
    assert any("sys.modules" in n for n in r.notes)
    assert _task(r, "ex01-sigmoid-test").earned == _task(r, "ex01-sigmoid-test").points


def test_patched_numpy_is_not_believed(graded):
    r = graded["broken"]["numpy_patch"]
    assert r.earned == 0
    assert "numpy.allclose" in _task(r, "ex04-g-test").message
    assert "cannot trust" in _task(r, "ex04-accumulated-test").message


def test_notebook_of_another_exercise(graded):
    r = graded["broken"]["other_exercise"]
    assert r.exercise == "ex02_backprop_as_dp" and r.earned == r.points
    assert any("file name suggests ex01_gates" in n for n in r.notes)


@pytest.mark.parametrize("case, words", [("invalid_json", "invalid JSON"), ("unknown", "not an exercise"),
                                         ("missing", "not found")])
def test_unreadable_submissions_get_a_message(graded, case, words):
    r = graded["broken"][case]
    assert words in r.error and r.earned == 0


def test_csv_has_one_row_per_notebook_and_task(graded):
    lines = graded["csv"].read_text(encoding="utf-8").splitlines()
    assert lines[0] == "notebook,exercise,task,points,earned,message"
    rows = [line for line in lines[1:] if line]
    n_tasks = sum(len(r.tasks) for r in graded["solutions"] + graded["exercises"])
    assert len(rows) >= n_tasks + 3  # plus the broken ones


def _exit_code(*args: str) -> int:
    from bpcourse.__main__ import main

    try:
        return main(list(args))
    except SystemExit as exc:  # argparse's way out on a usage error
        return exc.code


def test_command_line_exit_codes(tmp_path, capsys):
    bad = tmp_path / "bad.ipynb"
    bad.write_text("not json", encoding="utf-8")
    # The real command line once: grading ran (nothing could be graded), so the exit code is 0.
    ok = subprocess.run([sys.executable, "-m", "bpcourse", "grade", str(bad), str(tmp_path / "missing.ipynb"),
                         "--csv", str(tmp_path / "g.csv")], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert "invalid JSON" in ok.stdout and "file not found" in ok.stdout
    assert (tmp_path / "g.csv").read_text(encoding="utf-8").count("\n") == 3  # header + one row per notebook
    # Usage errors: exit code 2.
    assert _exit_code("grade") == 2
    assert _exit_code("grade", str(bad), "--timeout", "-1") == 2
    assert _exit_code("grade", str(bad), "--solutions", str(tmp_path)) == 2  # holds a damaged notebook
    (tmp_path / "empty").mkdir()
    assert _exit_code("grade", str(bad), "--solutions", str(tmp_path / "empty")) == 2
    assert _exit_code("nonsense") == 2
    assert _exit_code() == 2
    assert "--timeout must be a positive number" in capsys.readouterr().err
