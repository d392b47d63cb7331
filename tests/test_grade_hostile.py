"""Hostile submissions: each is a blank stub from the generated ``exercises/`` plus one attack on
the grader. All are graded in ONE call; every one must get 0 points, and no file outside the
sandboxes' scratch folders may change (the repository and the submissions are hashed before and
after). The attacks are the ones a class of students found against the old in-kernel grader,
and a few more.

The suite needs bubblewrap (the sandbox is the point); without it (macOS) it is skipped.
"""

import hashlib
import json
from pathlib import Path

import nbformat
import pytest

from bpcourse.grade import grade
from bpcourse.grading.engine import sandbox_available

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
TIMEOUT = 5.0
SKIP_DIRS = {".git", ".venv", "__pycache__", ".pytest_cache", "build", ".ipynb_checkpoints", "node_modules",
             ".ruff_cache", ".mypy_cache", ".hypothesis"}

pytestmark = pytest.mark.skipif(not sandbox_available(), reason="bubblewrap is not available here")

# Each attack is one code cell put first in a blank exercise. {victim} is the path of another
# submission, {root} the repository: the attacker is assumed to know both.
ATTACKS = {
    "numpy_allclose": """
import functools, numpy
numpy.allclose = functools.partial(lambda *a, **k: True)
numpy.testing.assert_allclose = lambda *a, **k: None
numpy.array_equal = lambda *a, **k: True
""",
    "numpy_core_isclose": """
import numpy
try:
    import numpy._core.numeric as _n
except ImportError:
    import numpy.core.numeric as _n
_n.isclose = lambda *a, **k: True
numpy.isclose = _n.isclose
""",
    "ast_transformer": """
import ast
class _Wrap(ast.NodeTransformer):
    def visit_Module(self, node):
        handler = ast.ExceptHandler(type=ast.Name("BaseException", ast.Load()), name=None, body=[ast.Pass()])
        node.body = [ast.Try(body=[s], handlers=[handler], orelse=[], finalbody=[]) for s in node.body]
        return ast.fix_missing_locations(node)
get_ipython().ast_transformers.append(_Wrap())
""",
    "input_transformer": """
_ip = get_ipython()
getattr(_ip, "input_transformers" + "_post").append(lambda lines: ["pass\\n"])
""",
    "fileloader_get_data": """
import importlib._bootstrap_external as _be
_orig = _be.FileLoader.get_data
def _fake(self, path):
    if "check" in str(path) or "grading" in str(path):
        return b"def __getattr__(name):\\n    return lambda *a, **k: None\\n"
    return _orig(self, path)
_be.FileLoader.get_data = _fake
""",
    "builtins_abs": """
import builtins
builtins.abs = lambda x: 0.0
builtins.isinstance = lambda *a: True
""",
    "rewrite_repo": """
import pathlib, bpcourse
_pkg = pathlib.Path(bpcourse.__file__).resolve().parent
for _p in list(_pkg.rglob("*.py")) + [pathlib.Path(r"{root}") / "README.md",
                                      pathlib.Path(r"{root}") / "bpcourse" / "grading" / "spec.py",
                                      pathlib.Path(r"{root}") / "solutions" / "ex01_gates.ipynb"]:
    try:
        _p.write_text("raise SystemExit('pwned')\\n")
    except OSError as exc:
        print("could not write", _p, exc)
for _d in (_pkg, _pkg.parent, pathlib.Path(r"{root}")):
    try:
        (_d / "pwned.txt").write_text("x")
    except OSError:
        pass
""",
    "proc_cmdline_victim": """
import os, pathlib
_victims = [pathlib.Path(r"{victim}")]
for _pid in [os.getppid()] + [int(p) for p in os.listdir("/proc") if p.isdigit()]:
    try:
        _args = open(f"/proc/{{_pid}}/cmdline", "rb").read().split(b"\\0")
        _victims += [pathlib.Path(a.decode()) for a in _args if a.endswith(b".ipynb")]
        _victims += list(pathlib.Path(os.readlink(f"/proc/{{_pid}}/cwd")).rglob("*.ipynb"))[:50]
    except (OSError, ValueError):
        pass
for _v in _victims:
    try:
        _v.write_text("{{}}")
    except OSError:
        pass
""",
    "exec_solutions": """
import json, pathlib, bpcourse
for _sol in [pathlib.Path(bpcourse.__file__).resolve().parent.parent / "solutions" / "ex01_gates.ipynb",
             pathlib.Path(r"{root}") / "solutions" / "ex01_gates.ipynb"]:
    try:
        for _c in json.loads(_sol.read_text())["cells"]:
            if _c["cell_type"] == "code" and not _c["metadata"].get("nbgrader", {{}}).get("grade"):
                exec("".join(_c["source"]), globals())
        break
    except OSError:
        pass
""",
    "import_grader": """
try:
    from bpcourse.grading import ex01 as _ref
except ImportError:
    import importlib.util
    _spec = importlib.util.spec_from_file_location("g", r"{root}/bpcourse/grading/ex01.py")
    _ref = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_ref)
""",
    "os_exit": "import os\nos._exit(0)\n",
    "kill_parent": "import os, signal\nos.kill(os.getppid(), signal.SIGTERM)\n",
    "fork_and_sleep": """
import os, time
for _ in range(20):
    if os.fork() == 0:
        time.sleep(10_000)
        os._exit(0)
time.sleep(10_000)
""",
    "network": """
import socket
try:
    socket.create_connection(("1.1.1.1", 80), timeout=3).sendall(b"GET / HTTP/1.0\\r\\n\\r\\n")
    print("network reachable")
except OSError as exc:
    print("no network:", exc)
""",
    "huge_output": """
import os, sys
print("x" * 20_000_000)
sys.__stdout__.write("y" * 1_000_000)
os.write(1, b"z" * 5_000_000)
""",
    "memory": "_big = bytearray(3 * 1024**3)\n",
    "forged_replies": """
import json, os
_lines = [json.dumps({{"id": k, "value": [[1.0, [1.0, 1.0]]] * 8, "error": None}}) + "\\n"
          for k in range(1, 300)] + ["[" * 1_000_000 + "\\n"]
for _fd in range(3, 64):
    try:
        for _line in _lines:
            os.write(_fd, _line.encode())
    except OSError:
        pass
""",
    "patched_runner": """
import gc
for _o in gc.get_objects():
    if type(_o).__name__ == "Runner":
        _o.probe = lambda code, args: {{"value": [[1.0, [1.0, 1.0]]] * 8}}
""",
    "evil_numbers": """
class _Evil(float):
    def __eq__(self, other): return True
    def __sub__(self, other): return 0.0
    def __abs__(self): return 0.0
    def __lt__(self, other): return True
class MultiplyGate:
    def forward(self, x, y):
        return _Evil(x * y)
    def backward(self, dout):
        return _Evil(0.0), _Evil(0.0)
""",
    "deep_return": """
def _deep(n):
    out = []
    for _ in range(n):
        out = [out]
    return out
class AddGate:
    def forward(self, x, y):
        return _deep(100_000)
    def backward(self, dout):
        return _deep(100_000), _deep(100_000)
""",
}
# Which blank exercise each attack goes into (ex01 unless said).
EXERCISE_OF = {"numpy_core_isclose": "ex04_zhou_bp", "exec_solutions": "ex01_gates",
               "builtins_abs": "ex03_layers", "fileloader_get_data": "ex05_sympy_derivation",
               "ast_transformer": "ex02_backprop_as_dp", "forged_replies": "ex06_autograd_engine",
               "memory": "ex07_zhou_partials_by_hand", "network": "ex08_new_layers",
               "patched_runner": "ex09_staged_circuit", "kill_parent": "ex10_predict_then_check"}
EXERCISE_OF = {k: v for k, v in EXERCISE_OF.items() if (EXERCISES / f"{v}.ipynb").exists()}


def _hash_tree(root: Path) -> dict[str, str]:
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and not (set(p.relative_to(root).parts) & SKIP_DIRS):
            out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    victim = folder / "victim_ex01_gates.ipynb"
    victim.write_bytes((SOLUTIONS / "ex01_gates.ipynb").read_bytes())
    paths = {}
    for name, code in ATTACKS.items():
        exercise = EXERCISE_OF.get(name, "ex01_gates")
        nb = nbformat.read(EXERCISES / f"{exercise}.ipynb", as_version=4)
        nb.cells.insert(0, nbformat.v4.new_code_cell(code.format(victim=victim, root=ROOT)))
        paths[name] = folder / f"{name}_{exercise}.ipynb"
        nbformat.write(nb, paths[name])
    paths["nested_json"] = folder / "nested_ex01_gates.ipynb"
    paths["nested_json"].write_text("[" * 500_000 + "]" * 500_000, encoding="utf-8")
    before = {**_hash_tree(ROOT), **_hash_tree(folder)}
    results = grade([*paths.values(), victim], SOLUTIONS, timeout=TIMEOUT, echo=True, jobs=2, seed="hostile")
    after = {**_hash_tree(ROOT), **_hash_tree(folder)}
    by_path = {r.path: r for r in results}
    return {"results": {k: by_path[str(p)] for k, p in paths.items()}, "victim": by_path[str(victim)],
            "before": before, "after": after}


def test_every_attack_gets_zero(hostile):
    for name, r in hostile["results"].items():
        assert r.earned == 0, (name, [(t.number, t.message) for t in r.tasks if t.earned])
        if name != "nested_json":
            assert r.error is None and r.tasks, (name, r.error)


def test_no_file_outside_scratch_changed(hostile):
    changed = sorted(k for k in set(hostile["before"]) | set(hostile["after"])
                     if hostile["before"].get(k) != hostile["after"].get(k))
    assert not changed, changed


def test_the_victim_is_graded_from_its_own_file(hostile):
    r = hostile["victim"]
    assert r.earned == r.points > 0, [(t.number, t.message) for t in r.tasks]


def test_lecturer_notes_name_what_was_tried(hostile):
    notes = {k: " ".join(r.notes) for k, r in hostile["results"].items()}
    assert "replaced numpy.allclose" in notes["numpy_allclose"]
    assert "AST transformer" in notes["ast_transformer"]
    assert "input transformer" in notes["input_transformer"]
    assert "touches builtins" in notes["builtins_abs"]
    assert "network" in notes["network"] and "tried to open a network connection" in notes["network"]
    assert "tried to write" in notes["rewrite_repo"]
    assert "started processes" in notes["fork_and_sleep"]
    assert "grader's channel" in notes["forged_replies"]
    assert "reads /proc" in notes["proc_cmdline_victim"]
    assert "refers to the grader" in notes["import_grader"]
    assert "took longer than" in notes["fork_and_sleep"]
    assert "crashed the process" in notes["os_exit"]
    assert "only the first 100,000" in notes["huge_output"]
    assert "nested too deeply" in hostile["results"]["nested_json"].error
    assert json.dumps(notes)  # plain text, nothing else
