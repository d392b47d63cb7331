"""nbgrader still grades the notebooks: ``nbgrader generate_assignment`` on solutions/ gives the
students' stubs of exercises/, and ``nbgrader autograde`` gives the solution and an honest wrong
submission the same points as ``python -m bpcourse grade``."""

import json
import os
import sys
from pathlib import Path

import nbformat
import pytest

from bpcourse.grade import grade

pytest.importorskip("nbgrader")

ROOT = Path(__file__).resolve().parents[1]
EXERCISE = "ex01_gates"


def _api(course: Path):
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    config = Config()
    config.CourseDirectory.root = str(course)
    config.ExecutePreprocessor.timeout = 120
    return NbGraderAPI(config=config)


def _ok(result: dict) -> None:
    assert result["success"], result.get("error") or result.get("log")


def _sources(path: Path) -> list[tuple[str, str]]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [(c["cell_type"], "".join(c["source"]).rstrip()) for c in nb["cells"]]


@pytest.mark.filterwarnings("ignore:Object of type")  # nbgrader's own SQLAlchemy session warnings
def test_nbgrader_generates_the_same_stubs_and_gives_the_same_points(tmp_path, monkeypatch):
    course = tmp_path / "course"
    (course / "source" / "ps1").mkdir(parents=True)
    source = ROOT / "solutions" / f"{EXERCISE}.ipynb"
    (course / "source" / "ps1" / f"{EXERCISE}.ipynb").write_bytes(source.read_bytes())
    # nbgrader runs the notebooks in kernels that must find this Python and this bpcourse.
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    monkeypatch.chdir(course)
    api = _api(course)
    _ok(api.generate_assignment("ps1", force=True))
    released = course / "release" / "ps1" / f"{EXERCISE}.ipynb"
    assert _sources(released) == _sources(ROOT / "exercises" / f"{EXERCISE}.ipynb")

    # alice hands in the solution; bob forgets that gradients add at a fork (an honest mistake).
    solution = nbformat.read(ROOT / "solutions" / f"{EXERCISE}.ipynb", as_version=4)
    wrong = nbformat.read(ROOT / "solutions" / f"{EXERCISE}.ipynb", as_version=4)
    fork = next(c for c in wrong.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "ex01-fork")
    fork.source = fork.source.replace("dx += dx_via_add", "dx = dx_via_add")
    files = {}
    for student, nb in (("alice", solution), ("bob", wrong)):
        folder = course / "submitted" / student / "ps1"
        folder.mkdir(parents=True)
        files[student] = folder / f"{EXERCISE}.ipynb"
        nbformat.write(nb, files[student])
    theirs = {}
    from nbgrader.api import Gradebook

    for student in files:
        _ok(api.autograde("ps1", student, force=True, create=True))
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in files:
            theirs[student] = gb.find_submission("ps1", student).score
    ours = {s: r.earned for s, r in zip(files, grade(list(files.values()), ROOT / "solutions", timeout=30.0,
                                                     echo=False, jobs=2), strict=True)}
    assert ours == theirs, (ours, theirs)
    assert ours["alice"] == 11 and ours["bob"] == 9  # task 1.7 (2 points) lost by both graders
