"""Generate the students' ``exercises/`` from the complete ``solutions/`` (nbgrader's format).

In a solution notebook the code a student must write sits between two marker lines:

    def backward(self, dout):
        ### BEGIN SOLUTION
        return self.y * dout, self.x * dout
        ### END SOLUTION

and becomes, at the indentation of the ``### BEGIN SOLUTION`` line,

    def backward(self, dout):
        # YOUR CODE HERE
        raise NotImplementedError()

Test cells may hold extra tests between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``;
those lines are removed (the grader runs them from ``solutions/``). Outputs and execution counts
are cleared. Cell metadata, including nbgrader's (``grade``, ``solution``, ``locked``,
``grade_id``, ``points``, ``schema_version``), is kept, so nbgrader can take the folder over.

The output is a pure function of the input: the same solutions give the same bytes, so a test
can regenerate into a temporary folder and compare with the committed ``exercises/``.
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
CODE_STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
MARKDOWN_STUB = "YOUR ANSWER HERE"


def repo_root() -> Path:
    """The folder that holds ``bpcourse/``, ``solutions/`` and ``exercises/`` (an editable install)."""
    return Path(__file__).resolve().parent.parent


def _markers(line: str, begin: str, end: str) -> str | None:
    stripped = line.strip()
    return "begin" if stripped == begin else "end" if stripped == end else None


def _replace_blocks(source: str, begin: str, end: str, stub, where: str) -> str:
    """Replace every block from a ``begin`` line to an ``end`` line (both included) by ``stub(indent)``,
    the lines to put in its place given the ``begin`` line's indentation. Unbalanced markers raise."""
    out: list[str] = []
    inside = False
    for line in source.split("\n"):
        mark = _markers(line, begin, end)
        if mark == "begin":
            if inside:
                raise ValueError(f"{where}: '{begin}' inside another '{begin}' block")
            inside = True
            out.extend(stub(line[: len(line) - len(line.lstrip())]))
        elif mark == "end":
            if not inside:
                raise ValueError(f"{where}: '{end}' without a '{begin}'")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{where}: '{begin}' is never closed by '{end}'")
    return "\n".join(out)


def clear_solutions(source: str, cell_type: str = "code", where: str = "a cell") -> str:
    """Replace every solution block of ``source`` by the stub, at the BEGIN line's indentation."""
    lines = CODE_STUB if cell_type == "code" else (MARKDOWN_STUB,)
    return _replace_blocks(source, BEGIN_SOLUTION, END_SOLUTION,
                           lambda indent: [indent + s for s in lines], where)


def remove_hidden_tests(source: str, where: str = "a cell") -> str:
    """Drop the lines from ``### BEGIN HIDDEN TESTS`` to ``### END HIDDEN TESTS``, both included."""
    return _replace_blocks(source, BEGIN_HIDDEN, END_HIDDEN, lambda indent: [], where).rstrip()


def make_exercise(solution: nbformat.NotebookNode, name: str = "notebook") -> nbformat.NotebookNode:
    """The student's version of one solution notebook (a new object; the input is not changed)."""
    nb = copy.deepcopy(solution)
    for k, cell in enumerate(nb.cells):
        where = f"{name}, cell {k}"
        cell.source = remove_hidden_tests(clear_solutions(cell.source, cell.cell_type, where), where)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        for key in ("execution", "collapsed", "scrolled"):
            cell.metadata.pop(key, None)
    nb.metadata.pop("widgets", None)
    return nb


def dumps(nb: nbformat.NotebookNode) -> str:
    """Deterministic JSON: sorted keys, indent 1, a final newline (what nbformat.write produces)."""
    nbformat.validate(nb)
    return nbformat.writes(nb, version=4) + "\n"


def generate(source: Path, dest: Path) -> list[Path]:
    """Write ``dest/NAME.ipynb`` for every ``source/NAME.ipynb``; returns the files written."""
    source, dest = Path(source), Path(dest)
    notebooks = sorted(source.glob("*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"no notebooks (*.ipynb) in {source}")
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks:
        solution = nbformat.read(path, as_version=4)
        text = dumps(make_exercise(solution, path.name))
        out = dest / path.name
        out.write_bytes(text.encode("utf-8"))
        written.append(out)
    return written
