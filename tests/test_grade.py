"""``python -m bpcourse grade``: full marks for solutions, zero for blank exercises, and a set of
broken submissions that must each be graded with a clear message, the others unharmed.

Every notebook is graded in ONE call to ``grade`` (a module fixture, two at a time), and the
tests below read its results. The hostile submissions are in tests/test_grade_hostile.py.
"""

import hashlib
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from bpcourse.grade import grade
from bpcourse.grading import exercises
from bpcourse.grading.engine import sandbox_available

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
NAMES = sorted(p.stem for p in SOLUTIONS.glob("*.ipynb") if p.stem in exercises())  # those with a grader spec
TIMEOUT = 10.0  # seconds per cell and per probe: far above what a solution needs (< 2 s)


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
    out["huge"] = folder / "huge_ex03_layers.ipynb"
    with open(out["huge"], "wb") as fh:
        fh.truncate(30_000_000)  # 30 MB (of zeros): refused before it is read
    out["nested"] = folder / "nested_ex02_backprop_as_dp.ipynb"
    out["nested"].write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
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
    results = grade(paths, SOLUTIONS, timeout=TIMEOUT, csv_path=csv_path, echo=True, jobs=2, seed="test")
    by_path = {r.path: r for r in results}
    return {
        "results": results, "paths": paths,
        "solutions": [by_path[str(p)] for p in solutions],
        "exercises": [by_path[str(p)] for p in exercises],
        "broken": {k: by_path[str(p)] for k, p in broken.items()},
        "before": before, "after": _digest(paths), "listing": listing,
        "listing_after": sorted(p.name for p in folder.rglob("*")), "csv": csv_path, "n": len(paths),
    }


def _task(result, grade_id):
    return next(t for t in result.tasks if t.grade_id == grade_id)


def _full(result, *grade_ids):
    for gid in grade_ids:
        t = _task(result, gid)
        assert t.earned == t.points > 0, (gid, t.message)


def test_every_solution_earns_full_points(graded):
    assert len(graded["solutions"]) == len(NAMES) >= 5
    for r in graded["solutions"]:
        assert r.error is None and r.tasks, r
        assert r.earned == r.points > 0, [(t.grade_id, t.message) for t in r.tasks if t.earned < t.points]
        assert all(t.message.startswith(f"✓ task {t.number} ") for t in r.tasks)


def test_every_blank_exercise_earns_zero_and_says_not_attempted(graded):
    for r in graded["exercises"]:
        assert r.error is None and len(r.tasks) >= 3
        assert r.earned == 0
        for t in r.tasks:
            assert t.message.startswith("not attempted yet"), (t.grade_id, t.message)


def test_submitted_files_are_untouched(graded):
    assert graded["before"] == graded["after"]
    assert graded["listing"] == graded["listing_after"]  # nothing written next to the submissions


def test_syntax_error_and_exception_cost_only_their_tasks(graded):
    r = graded["broken"]["syntax_and_exception"]
    g = _task(r, "ex04-g-test")
    assert g.earned == 0 and "output_gradient" in g.message and "SyntaxError" in g.message, g.message
    e = _task(r, "ex04-E-test")
    assert e.earned == 0 and "ValueError: boom" in e.message, e.message
    # The epochs are graded with the grader's g_j, e_h and updates: one mistake is not counted twice.
    _full(r, "ex04-e-test", "ex04-updates-test", "ex04-standard-test", "ex04-accumulated-test")


def test_endless_loop_hits_the_time_limit(graded):
    r = graded["broken"]["loop"]
    assert any("took longer than" in n and "ex04-e" in n for n in r.notes), r.notes
    e = _task(r, "ex04-e-test")
    assert e.earned == 0 and "hidden_gradient" in e.message and "time limit" in e.message, e.message
    _full(r, "ex04-g-test", "ex04-updates-test", "ex04-E-test", "ex04-standard-test", "ex04-accumulated-test")


@pytest.mark.parametrize("case, cell, lost", [("os_exit", "ex04-updates", "ex04-updates-test"),
                                              ("segfault", "ex04-E", "ex04-E-test")])
def test_crash_is_survived(graded, case, cell, lost):
    r = graded["broken"][case]
    assert r.error is None
    assert any("crashed the process" in n and cell in n for n in r.notes), r.notes
    assert _task(r, lost).earned == 0
    _full(r, *[t.grade_id for t in r.tasks if t.grade_id != lost])


def test_crash_inside_a_probe_is_survived(graded):
    r = graded["broken"]["crash_in_test"]
    e = _task(r, "ex04-e-test")
    assert e.earned == 0 and "died during this test" in e.message, e.message
    _full(r, "ex04-g-test", "ex04-updates-test", "ex04-E-test", "ex04-standard-test", "ex04-accumulated-test")


def test_deleted_edited_moved_retyped_cells_and_missing_grade_id(graded):
    r = graded["broken"]["tampered"]
    # Deleted and edited test cells change nothing: the grader's probes ran and caught the wrong answers.
    assert _task(r, "ex01-mul-test").earned == 0 and "swapped" in _task(r, "ex01-mul-test").message
    assert _task(r, "ex01-add-test").earned == 0 and "dout" in _task(r, "ex01-add-test").message
    # Moved, re-typed and id-less cells still count; the circuit runs on the grader's gates, so the
    # planted wrong multiply gate costs task 1.1 only.
    _full(r, "ex01-max-test", "ex01-sigmoid-test", "ex01-circuit-test", "ex01-neuron-test", "ex01-fork-test")
    notes = " ".join(r.notes)
    assert "turned into markdown" in notes and "without a grade_id" in notes and "only the first" in notes


def test_faked_checks_are_not_believed(graded):
    r = graded["broken"]["cheat"]
    assert _task(r, "ex01-mul-test").earned == 0 and "swapped" in _task(r, "ex01-mul-test").message
    assert _task(r, "ex01-add-test").earned == 0
    fork = _task(r, "ex01-fork-test")
    assert fork.earned == 0 and "only one of x's two paths" in fork.message, fork.message
    notes = " ".join(r.notes)
    assert "sys.modules" in notes and "input transformer" in notes
    _full(r, "ex01-sigmoid-test", "ex01-max-test")


def test_patched_numpy_is_not_believed(graded):
    r = graded["broken"]["numpy_patch"]
    g = _task(r, "ex04-g-test")
    assert g.earned == 0 and "(ŷ_j − y_j)" in g.message, g.message
    assert "replaced numpy.allclose" in " ".join(r.notes)
    # The rest of this submission is right, and the patch does not matter to the grader.
    _full(r, "ex04-e-test", "ex04-updates-test", "ex04-E-test", "ex04-standard-test", "ex04-accumulated-test")


def test_notebook_of_another_exercise(graded):
    r = graded["broken"]["other_exercise"]
    assert r.exercise == "ex02_backprop_as_dp" and r.earned == r.points
    assert any("file name suggests ex01_gates" in n for n in r.notes)


@pytest.mark.parametrize("case, words", [("invalid_json", "invalid JSON"), ("unknown", "not an exercise"),
                                         ("missing", "not found"), ("nested", "nested too deeply"),
                                         ("huge", "30 MB")])
def test_unreadable_submissions_get_a_message(graded, case, words):
    r = graded["broken"][case]
    assert words in r.error and r.earned == 0


def test_csv_has_one_row_per_notebook_and_task_and_totals_per_student(graded):
    import csv

    with open(graded["csv"], encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["notebook", "student", "exercise", "task", "grade_id", "points", "earned",
                             "message"]
    expected = sum(max(1, len(r.tasks)) for r in graded["results"])
    assert len(rows) == expected
    with open(graded["csv"].with_name("grades_totals.csv"), encoding="utf-8") as fh:
        totals = {row["student"]: row for row in csv.DictReader(fh)}
    assert totals["solutions"]["total"] == str(int(sum(r.points for r in graded["solutions"])))
    assert totals["exercises"]["total"] == "0"
    assert totals["cheat"]["ex01_gates"] == f"{_num(_by_name(graded, 'cheat_ex01_gates.ipynb').earned)}"


def _num(x):
    return f"{x:g}"


def _by_name(graded, name):
    return next(r for r in graded["results"] if Path(r.path).name == name)


def test_results_do_not_depend_on_jobs(graded):
    """Grading again one at a time gives the same points and messages (same seed, same files)."""
    subset = [p for p in graded["paths"] if Path(p).name.startswith(("ex01", "cheat", "numpy"))]
    again = grade(subset, SOLUTIONS, timeout=TIMEOUT, echo=False, jobs=1, seed="test")
    first = {r.path: r for r in graded["results"]}
    for r in again:
        same = [(t.earned, t.message) for t in first[r.path].tasks]
        assert [(t.earned, t.message) for t in r.tasks] == same


def test_student_names():
    from bpcourse.grade import student_of

    assert student_of("subs/alice_ex01_gates.ipynb", "ex01_gates") == "alice"
    assert student_of("subs/ex01-bob.ipynb", "ex01_gates") == "bob"
    assert student_of("submitted/carol/ps1/ex01_gates.ipynb", "ex01_gates") == "carol"


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
    assert (tmp_path / "g_totals.csv").exists()
    # Usage errors: exit code 2, before anything is graded.
    assert _exit_code("grade") == 2
    assert _exit_code("grade", str(bad), "--timeout", "-1") == 2
    assert _exit_code("grade", str(bad), "--timeout", "inf") == 2
    assert _exit_code("grade", str(bad), "--timeout", "nan") == 2
    assert _exit_code("grade", str(bad), "--jobs", "0") == 2
    assert _exit_code("grade", str(bad), "--csv", str(tmp_path / "no" / "such" / "g.csv")) == 2
    assert _exit_code("grade", str(bad), "--solutions", str(tmp_path)) == 2  # holds a damaged notebook
    (tmp_path / "empty").mkdir()
    assert _exit_code("grade", str(bad), "--solutions", str(tmp_path / "empty")) == 2
    assert _exit_code("grade", str(tmp_path / "empty")) == 2
    assert _exit_code("nonsense") == 2
    assert _exit_code() == 2
    err = capsys.readouterr().err
    assert "--timeout must be a positive number" in err
    assert f"no notebooks found in {tmp_path / 'empty'}" in err
    assert "does not exist" in err


def test_grade_this_notebook_from_inside_a_kernel(tmp_path):
    """The notebooks' last cell works whatever PATH and the working folder are: it finds the
    notebook from Jupyter's JPY_SESSION_NAME (else the single exercise file in the folder), runs
    the grader with this Python, prints the table, and never writes the notebook."""
    nb = tmp_path / "ex01_gates.ipynb"
    nb.write_bytes((SOLUTIONS / "ex01_gates.ipynb").read_bytes())
    digest = hashlib.sha256(nb.read_bytes()).hexdigest()
    code = "from bpcourse.grade import grade_this_notebook\ngrade_this_notebook(timeout=20)\n"
    env = {"PATH": "/nonexistent", "PYTHONPATH": str(ROOT),
           "JPY_SESSION_NAME": "some/folder/ex01_gates.ipynb"}
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=300)
    assert "save the notebook first" in run.stdout and "(100%)" in run.stdout, (run.stdout, run.stderr)
    assert "bubblewrap is not available" not in run.stdout or not sandbox_available()  # PATH does not matter
    # No session name: the one exercise notebook in the folder.
    del env["JPY_SESSION_NAME"]
    (tmp_path / "notes.ipynb").write_text("{}", encoding="utf-8")  # not an exercise: ignored
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=300)
    assert "ex01_gates.ipynb" in run.stdout and "(100%)" in run.stdout, (run.stdout, run.stderr)
    assert hashlib.sha256(nb.read_bytes()).hexdigest() == digest
    # Two exercise notebooks and no session name: it asks which one.
    other = "ex02_backprop_as_dp.ipynb"
    (tmp_path / other).write_bytes((EXERCISES / other).read_bytes())
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=300)
    assert "cannot tell which notebook this is" in run.stdout, (run.stdout, run.stderr)


def test_benchmark_row_9_runs_on_two_submissions():
    """The throughput benchmark's code, tiny: one complete and one blank submission (no time asserted)."""
    from benchmarks import grading_row

    row = grading_row.rows_grading(2)[0]
    assert row.number == "9" and row.ours > 0
    assert "1/1 complete ones at full marks, 0 errors" in row.note, row.note
