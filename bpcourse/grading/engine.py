"""The trusted grader's engine: build the program, run it sandboxed, probe, judge.

For one submission:

1. Read a private copy of the file (size-capped; damaged JSON, a too-deep structure or anything
   unreadable becomes that notebook's row, never a crash of the batch).
2. Find the exercise by the cells' nbgrader ``grade_id`` (then by file name).
3. Build the program in the order of ``solutions/``: the solution's locked code cells, the
   student's code for every solution cell (matched by ``grade_id``), and the code cells the student
   added, after the cell they followed. Test cells, the student's and the solution's, are never run.
4. Run it, one cell at a time, in ``python -m bpcourse.runner`` inside a bubblewrap sandbox
   (see ``sandbox_command``). A cell that hangs or kills the process is noted and skipped, and
   the program is started again without it.
5. For each graded task, send the task's probe; judge the data it returns here, in the grader
   process, with the task's judge (``bpcourse/grading/exNN.py``).
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from bpcourse.grading import exercises
from bpcourse.grading.spec import (
    NotAttempted,
    Opaque,
    Raised,
    SymTree,
    Task,
    Wrong,
    _short,
    task_rng,
)
from bpcourse.i18n import LANGUAGE_CELL, _

MAX_NOTEBOOK_BYTES = 20_000_000  # a submission larger than this is not read
MAX_REPLY_BYTES = 50_000_000  # one reply from the sandbox; longer ones are dropped
MEMORY_LIMIT = 2 * 1024**3  # bytes of address space for the process that runs a submission
STARTUP_TIMEOUT = 60.0
EXTRA_RESTARTS = 3
SUSPICIOUS = {
    "sys.modules": "edits sys.modules",
    "builtins": "touches builtins",
    "input_transformers": "changes IPython's input transformers",
    "ast_transformers": "changes IPython's AST transformers",
    "set_custom_exc": "installs a custom exception handler",
    "importlib": "uses importlib",
    "FileLoader": "touches the import system's loaders",
    "/proc": "reads /proc",
    "socket": "uses sockets (network)",
    "urllib": "uses urllib (network)",
    "requests": "uses requests (network)",
    "subprocess": "starts processes",
    "os.fork": "forks processes",
    "os._exit": "calls os._exit",
    "bpcourse.grading": "refers to the grader (bpcourse.grading)",
    "solutions": "mentions solutions/",
    "__file__": "looks for files through __file__",
    "ctypes": "uses ctypes",
    "numpy._core": "reaches into numpy internals",
    "open(": "opens files",
    "import bpcourse": "imports the course library in its own cells",
    "from bpcourse": "imports the course library in its own cells",
}


@dataclass
class TaskResult:
    grade_id: str
    number: str
    title: str
    points: float
    earned: float = 0.0
    message: str = "not run"


@dataclass
class Result:
    path: str
    exercise: str | None = None
    tasks: list[TaskResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    peak_kib: int = 0  # the sandboxed process's peak resident memory, as it reported it (for benchmarks)
    cpu_s: float = 0.0  # and its CPU time

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


def read_submission(path: Path, workdir: Path) -> list[dict]:
    """The submission's cells, read from a private copy. Raises ValueError with a plain message."""
    if not path.exists():
        raise ValueError("file not found")
    if path.is_dir():
        raise ValueError("this is a folder, not a notebook")
    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        raise ValueError(f"the file is {size / 1e6:.0f} MB, more than a notebook of this course can be "
                         f"({MAX_NOTEBOOK_BYTES / 1e6:.0f} MB): clear its outputs and submit again")
    copy = workdir / "submission.ipynb"
    shutil.copyfile(path, copy)  # read only the copy from here on
    try:
        data = json.loads(copy.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError("not a notebook: the file is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"not a notebook: invalid JSON ({exc.msg} at line {exc.lineno}); "
                         "the file is damaged — open it in Jupyter to see") from None
    except RecursionError:
        raise ValueError("not a notebook: the JSON is nested too deeply to read") from None
    finally:
        copy.unlink()
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list):
        raise ValueError("not a notebook: the JSON has no list of 'cells'")
    return [c for c in cells if isinstance(c, dict)]


def _ids(cells) -> set[str]:
    return {g for c in cells if isinstance(g := _nbgrader(c).get("grade_id"), str)}


def identify(path: Path, cells: list[dict], solutions: dict) -> tuple[str | None, list[str]]:
    """Which exercise a submission is, by its grade_ids first and its file name second."""
    ids = _ids(cells)
    overlap = {name: len(ids & _ids(nb["cells"])) for name, nb in solutions.items()}
    by_name = [name for name in solutions
               if re.search(rf"(?<![0-9]){re.escape(name.split('_')[0])}(?![0-9])", path.name)]
    best = max(overlap, key=lambda n: (overlap[n], n in by_name), default=None)
    if best is not None and overlap[best] > 0:
        notes = []
        if by_name and best not in by_name:
            notes.append(f"the file name suggests {by_name[0]}, but its cells belong to {best}: "
                         f"graded as {best}")
        return best, notes
    if by_name:
        return by_name[0], [f"none of its cells carries a grade_id of {by_name[0]} (were the cells "
                            "re-created or their metadata removed?); graded by its file name"]
    return None, []


def load_solutions(folder: Path) -> dict[str, dict]:
    """{name: notebook as plain JSON} for every solutions/*.ipynb (trusted: the lecturer's files)."""
    out = {}
    for p in sorted(Path(folder).glob("*.ipynb")):
        nb = json.loads(p.read_text(encoding="utf-8"))
        if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
            raise ValueError(f"{p.name} is not a notebook")
        out[p.stem] = nb
    return out


# ---------------------------------------------------------------------------------------------
# The program
# ---------------------------------------------------------------------------------------------


@dataclass
class Step:
    label: str  # "your cell 'ex01-add'", "the exercise's cell 'ex01-code-02'"
    source: str
    student: bool
    task: str | None = None  # the test grade_id this student cell is graded by


def _is_language_cell(source: str) -> bool:
    """The Chinese edition's first cell (``bpcourse.i18n.LANGUAGE_CELL``, written by bpcourse.translate)."""
    return source == LANGUAGE_CELL


def _is_grade_call(source: str) -> bool:
    return "grade_this_notebook(" in source


def assemble(cells: list[dict], solution: dict) -> tuple[list[Step], list[str]]:
    """The steps to run, and notes about the submission's cells."""
    sol_cells = solution["cells"]
    sol_ids = {_nbgrader(c).get("grade_id") for c in sol_cells if _nbgrader(c).get("solution")}
    mine: dict[str, dict] = {}
    extras: dict[str | None, list[str]] = {}
    anchor: str | None = None
    notes: list[str] = []
    no_id = 0
    edition: list[str] = []
    for cell in cells:
        nbg = _nbgrader(cell)
        gid = nbg.get("grade_id")
        if nbg and not isinstance(gid, str):
            no_id += 1
        if isinstance(gid, str) and gid in sol_ids and gid not in mine:
            mine[gid] = cell
            anchor = gid
        elif isinstance(gid, str) and any(_nbgrader(c).get("grade_id") == gid for c in sol_cells):
            if not _nbgrader(cell).get("solution"):
                anchor = gid  # a locked or test cell of the exercise: never run from the submission
        elif cell.get("cell_type") == "code" and _is_language_cell(_source(cell)):
            edition.append(_source(cell))  # the Chinese edition's own first cell, not the student's
        elif cell.get("cell_type") == "code" and _source(cell).strip() and not _is_grade_call(_source(cell)):
            extras.setdefault(anchor, []).append(_source(cell))
    if no_id:
        notes.append(f"{no_id} cell(s) carry nbgrader metadata without a grade_id; they were run as your own "
                     "cells")
    # Which test grades each solution cell: the next test cell after it.
    owner: dict[str, str] = {}
    pending: list[str] = []
    for cell in sol_cells:
        nbg = _nbgrader(cell)
        if nbg.get("solution") and nbg.get("grade_id"):
            pending.append(nbg["grade_id"])
        elif nbg.get("grade") and nbg.get("grade_id") and cell.get("cell_type") == "code":
            owner.update({g: nbg["grade_id"] for g in pending})
            pending = []

    steps = [Step("the Chinese edition's language cell", s, False) for s in edition[:1]]
    steps += [Step(f"your extra cell {k + 1} (before the first exercise cell)", s, True)
              for k, s in enumerate(extras.get(None, []))]
    # Locked cells after the last solution cell only show results (plots, printed tables); the
    # probes never need them, so they are not run.
    last = max((k for k, c in enumerate(sol_cells) if _nbgrader(c).get("solution")), default=len(sol_cells))
    for index, cell in enumerate(sol_cells):
        nbg = _nbgrader(cell)
        gid = nbg.get("grade_id")
        if cell.get("cell_type") == "code":
            if nbg.get("grade") and not nbg.get("solution"):
                pass  # a test cell: the grader's probes replace it
            elif nbg.get("solution"):
                if gid in mine:
                    if mine[gid].get("cell_type") != "code":
                        notes.append(f"your cell '{gid}' was turned into {mine[gid].get('cell_type')}; "
                                     "it was run as code")
                    steps.append(Step(f"your cell '{gid}'", _source(mine[gid]), True, owner.get(gid)))
                else:
                    notes.append(f"your cell '{gid}' is missing (deleted?); its task can only pass if you "
                                 "defined the same names in another cell")
            elif not _is_grade_call(_source(cell)) and index < last:
                steps.append(Step(f"the exercise's cell '{gid}'", _source(cell), False))
        for k, src in enumerate(extras.get(gid, []) if gid else []):
            steps.append(Step(f"your extra cell {k + 1} after '{gid}'", src, True))
    return steps, notes


# ---------------------------------------------------------------------------------------------
# The sandbox
# ---------------------------------------------------------------------------------------------


@cache
def _bwrap() -> str | None:
    """bubblewrap's path, also when PATH is bare (a notebook's kernel may have any PATH)."""
    return shutil.which("bwrap") or shutil.which("bwrap", path="/usr/bin:/bin:/usr/local/bin:/usr/sbin")


@cache
def sandbox_available() -> bool:
    """bubblewrap is installed and can create namespaces here."""
    bwrap = _bwrap()
    if not bwrap or not sys.platform.startswith("linux"):
        return False
    try:
        true = shutil.which("true", path="/usr/bin:/bin") or "/bin/true"
        ok = subprocess.run([bwrap, "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", true],
                            capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return ok.returncode == 0


@cache
def _font_cache() -> list[Path]:
    """matplotlib's font list, built once in the grader's own cache folder, as matplotlib does."""
    try:
        import matplotlib
        from matplotlib import font_manager  # noqa: F401 - builds the font list if it is missing

        return sorted(Path(matplotlib.get_cachedir()).glob("fontlist-*.json"))
    except Exception:  # no matplotlib, or no cache folder: each sandbox builds its own
        return []


def _package_dir() -> Path:
    import bpcourse

    return Path(bpcourse.__file__).resolve().parent


def sandbox_command(scratch: Path) -> list[str]:
    """bwrap: the system and Python read-only, the course package read-only without its grader,
    a private writable scratch folder, no network, own PID/IPC/UTS/user namespaces, killed with
    the grader. Nothing else of the file system is there (no solutions/, no submissions, no home)."""
    pkg = _package_dir()
    cmd = [_bwrap() or "bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    for d in ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32"):
        cmd += ["--ro-bind-try", d, d]
    for f in ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "fonts", "localtime",
              "passwd", "group", "nsswitch.conf", "matplotlibrc"):
        cmd += ["--ro-bind-try", f"/etc/{f}", f"/etc/{f}"]
    prefixes = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    prefixes.add(Path(sys.executable).resolve().parent.parent)
    for p in sorted(prefixes):
        if not str(p).startswith(("/usr", "/bin", "/lib")):
            cmd += ["--ro-bind", str(p), str(p)]
    cmd += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
            "--ro-bind", str(pkg), str(pkg), "--tmpfs", str(pkg / "grading"),
            "--bind", str(scratch), str(scratch), "--chdir", str(scratch), "--"]
    return cmd


def _runner_env(scratch: Path) -> dict[str, str]:
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(scratch), "LANG": "C.UTF-8",
        "PYTHONPATH": str(_package_dir().parent), "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0",
        "MPLBACKEND": "Agg", "MPLCONFIGDIR": str(scratch / ".matplotlib"),
        "IPYTHONDIR": str(scratch / ".ipython"),
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "BPCOURSE_SANDBOX": "1",
    }


_EOF, _TOO_BIG = object(), object()


class Session:
    """One ``python -m bpcourse.runner`` process (sandboxed when possible) and its reply queue."""

    def __init__(self, scratch: Path, sandbox: bool):
        cmd = [sys.executable, "-m", "bpcourse.runner", str(MEMORY_LIMIT)]
        if sandbox:
            cmd = sandbox_command(scratch) + cmd
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, cwd=scratch, env=_runner_env(scratch),
                                     start_new_session=True)
        self.replies: queue.Queue = queue.Queue()
        self.next_id = 1
        self.stray = 0
        self.tried: dict[str, None] = {}  # notes the sandbox sent as they happened (informational)
        self.reader = threading.Thread(target=self._read, args=(self.proc.stdout,), daemon=True)
        self.reader.start()

    def _read(self, stream) -> None:
        fd = stream.fileno()
        buf, skipping = bytearray(), False
        while True:
            try:
                chunk = os.read(fd, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                self.replies.put(_EOF)
                return
            while chunk:
                i = chunk.find(b"\n")
                part = chunk if i < 0 else chunk[:i]
                if not skipping:
                    buf += part
                    if len(buf) > MAX_REPLY_BYTES:
                        skipping = True
                        buf = bytearray()
                if i < 0:
                    break
                self.replies.put(_TOO_BIG if skipping else bytes(buf))
                buf, skipping = bytearray(), False
                chunk = chunk[i + 1:]

    def wait(self, ident: int, timeout: float) -> dict | str:
        """The reply with this id, or 'timeout', 'crash', 'too big'."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return "timeout"
            try:
                line = self.replies.get(timeout=left)
            except queue.Empty:
                return "timeout"
            if line is _EOF:
                return "crash"
            if line is _TOO_BIG:
                return "too big"
            try:
                reply = json.loads(line)
            except (ValueError, RecursionError):
                self.stray += 1
                continue
            if isinstance(reply, dict) and reply.get("id") == ident:
                return reply
            if isinstance(reply, dict) and reply.get("id") == -1 and isinstance(reply.get("note"), str):
                if len(self.tried) < 20:
                    self.tried[reply["note"][:140]] = None
                continue
            self.stray += 1

    def drain(self) -> None:
        """Read what has arrived and not been read: a reply nobody asked for (or a second one for the
        same command) means the code wrote on the channel itself."""
        while True:
            try:
                line = self.replies.get_nowait()
            except queue.Empty:
                return
            if line is _EOF or line is _TOO_BIG:
                self.stray += line is _TOO_BIG
                continue
            try:
                reply = json.loads(line)
            except (ValueError, RecursionError):
                reply = None
            if isinstance(reply, dict) and reply.get("id") == -1:
                continue
            self.stray += 1

    def send(self, cmd: dict, timeout: float) -> dict | str:
        ident = self.next_id
        self.next_id += 1
        try:
            line = json.dumps({**cmd, "id": ident}, allow_nan=True) + "\n"
            stdin = self.proc.stdin
            assert stdin is not None  # opened with stdin=PIPE
            stdin.write(line.encode("utf-8"))
            stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            return "crash"
        return self.wait(ident, timeout)

    def close(self) -> None:
        """Kill the process group, then let the reader take in what was still in the pipe (so lines
        the code wrote on the channel are counted by ``drain``, however late they arrive)."""
        for action in (lambda: os.killpg(self.proc.pid, signal.SIGKILL), self.proc.kill):
            try:
                action()
            except (ProcessLookupError, PermissionError, OSError):
                pass
        self.reader.join(timeout=5)
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                if stream is not None:  # both are pipes, so never None
                    stream.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass


# ---------------------------------------------------------------------------------------------
# Decoding what the sandbox sends (untrusted)
# ---------------------------------------------------------------------------------------------


def decode(value: Any, depth: int = 0) -> Any:
    """The sandbox's plain data as Python values for the judges; never evaluates anything."""
    if depth > 100:
        raise ValueError("nested too deeply")
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list):
        return [decode(v, depth + 1) for v in value]
    if isinstance(value, dict) and len(value) >= 1:
        if "__dict__" in value and isinstance(value["__dict__"], list):
            out = {}
            for pair in value["__dict__"]:
                if isinstance(pair, list) and len(pair) == 2:
                    key = decode(pair[0], depth + 1)
                    key = _hashable(key)
                    out[key] = decode(pair[1], depth + 1)
            return out
        if "__ndarray__" in value:
            shape = value.get("shape")
            if not (isinstance(shape, list) and all(isinstance(s, int) and s >= 0 for s in shape)):
                return Opaque("array")
            if value.get("dtype") == "O":
                flat = decode(value["__ndarray__"], depth + 1)
                arr = np.empty(len(flat) if isinstance(flat, list) else 0, dtype=object)
                arr[:] = flat if isinstance(flat, list) else []
            else:
                dtypes: dict[Any, type] = {"b": bool, "i": np.int64, "u": np.int64}
                try:
                    arr = np.array(value["__ndarray__"], dtype=dtypes.get(value.get("dtype"), np.float64))
                except (TypeError, ValueError, OverflowError):
                    return Opaque("array")
            try:
                return arr.reshape(shape)
            except ValueError:
                return Opaque("array")
        if "__sympy__" in value:
            try:
                return SymTree(value["__sympy__"])
            except ValueError:
                return Opaque("sympy expression too large")
        if "__raised__" in value and isinstance(value["__raised__"], dict):
            r = value["__raised__"]
            return Raised(str(r.get("type", "Exception"))[:100], str(r.get("message", ""))[:500],
                          str(r.get("where", ""))[:100])
        if "__object__" in value:
            return Opaque(str(value["__object__"])[:100])
    return Opaque("unreadable value")


def _hashable(key: Any) -> Any:
    if isinstance(key, list):
        return tuple(_hashable(k) for k in key)
    if isinstance(key, np.ndarray):
        return tuple(key.ravel().tolist())
    try:
        hash(key)
    except TypeError:
        return repr(key)
    return key


def encode_args(value: Any) -> Any:
    """The grader's probe arguments as JSON (numpy arrays included)."""
    from bpcourse.runner import encode

    return encode(value)


# ---------------------------------------------------------------------------------------------
# Grading one submission
# ---------------------------------------------------------------------------------------------


def _failed_cells(errors: dict[str, dict], steps: list[Step], task: str) -> str:
    """The first error of a student cell graded by ``task`` (else of any student cell), as text."""
    mine = [s for s in steps if s.student and s.label in errors]
    for s in sorted(mine, key=lambda s: s.task != task):
        e = errors[s.label]
        if e.get("type") == "stopped":
            if e.get("message") == "timeout":
                return f"{s.label} took longer than the time limit and was stopped"
            return f"{s.label} crashed the process running it and was skipped"
        line = f", line {e['line']}" if e.get("line") else ""
        return f"{s.label} raised {e.get('type')}{line}: {_short(e.get('message', ''), 120)}"
    return ""


def _raised_verdict(raised: dict, steps: list[Step], errors: dict[str, dict], task: Task) -> tuple[bool, str]:
    """(not attempted?, message) for an exception the probe raised."""
    kind = str(raised.get("type", "Exception"))[:100]
    message = _short(str(raised.get("message", "")), 200)
    where = str(raised.get("where", ""))[:100]
    if kind == "NotImplementedError":
        return True, _("not attempted yet ({what} still raises NotImplementedError)").format(
            what=where or _("your code"))
    if kind == "NameError":
        for s in steps:  # the task's own cell still raises NotImplementedError: a blank answer cell
            blank = errors.get(s.label, {}).get("type") == "NotImplementedError"
            if s.student and s.task == task.grade_id and blank:
                return True, _("not attempted yet ({what} still raises NotImplementedError)").format(
                    what=s.label)
        cause = _failed_cells(errors, steps, task.grade_id)
        if cause:
            return False, f"{message}: {cause}"
        return False, _("{message}: the cell that defines it was deleted or is not written yet").format(
            message=message)
    who = f"{where} raised " if where and where != "__bpg_probe__" else ""
    text = f"{who}{kind}: {message}" if message else f"{who}{kind}"
    if kind == "MemoryError":
        text += f" (the memory limit is {MEMORY_LIMIT // 1024**3} GiB)"
    if kind == "RecursionError":
        text += " (a recursive function on a deep input? use a loop with an explicit stack)"
    return False, text


def grade_submission(path: Path, solutions: dict, timeout: float, secret: str, sandbox: bool) -> Result:
    result = Result(str(path))
    specs = exercises()
    with tempfile.TemporaryDirectory(prefix="bpcourse-grade-") as tmp_name:
        tmp = Path(tmp_name)
        try:
            cells = read_submission(Path(path), tmp)
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
        spec = specs.get(name)
        if spec is None:
            result.error = f"the grader has no specification for {name} (bpcourse/grading/)"
            return result
        for cell in solutions[name]["cells"]:
            nbg = _nbgrader(cell)
            if nbg.get("grade") and not nbg.get("solution") and cell.get("cell_type") == "code":
                task = spec.task(nbg["grade_id"])
                number, title = (task.number, task.title) if task else ("?", nbg["grade_id"])
                result.tasks.append(TaskResult(nbg["grade_id"], number, title, float(nbg.get("points", 0))))
        steps, notes = assemble(cells, solutions[name])
        result.notes += notes
        mine = "\n".join(s.source for s in steps if s.student)
        touched = sorted({why for token, why in SUSPICIOUS.items() if token in mine})
        scratch = tmp / "scratch"
        (scratch / ".matplotlib").mkdir(parents=True)
        for font_list in _font_cache():  # saves matplotlib seconds of scanning fonts per submission
            shutil.copyfile(font_list, scratch / ".matplotlib" / font_list.name)
        _run(result, spec, steps, scratch, timeout, secret, Path(path).name, sandbox)
        if touched:
            result.notes.append("for the lecturer (informational): the student's code " + "; ".join(touched))
    return result


def _run(result: Result, spec, steps: list[Step], scratch: Path, timeout: float, secret: str, filename: str,
         sandbox: bool) -> None:
    skipped: dict[int, str] = {}
    errors: dict[str, dict] = {}
    session: Session | None = None
    runtime_notes: set[str] = set()
    sessions: list[Session] = []
    restarts = len(result.tasks) + EXTRA_RESTARTS
    output_chars = 0

    def start() -> Session | None:
        """A fresh process that has run every step not skipped; None if it cannot be had."""
        nonlocal restarts
        while restarts > 0:
            restarts -= 1
            s = Session(scratch, sandbox)
            sessions.append(s)
            ready = s.wait(0, STARTUP_TIMEOUT)
            if not isinstance(ready, dict):
                s.close()
                result.notes.append("the sandbox could not start a Python process")
                return None
            failed = None
            for k, step in enumerate(steps):
                if k in skipped:
                    continue
                reply = s.send({"op": "cell", "code": step.source}, timeout)
                if isinstance(reply, dict):
                    if reply.get("error") and isinstance(reply["error"], dict):
                        errors.setdefault(step.label, reply["error"])
                    continue
                failed = (k, reply)
                break
            if failed is None:
                return s
            k, why = failed
            s.close()
            skipped[k] = why
            errors[steps[k].label] = {"type": "stopped", "message": why}
            what = {"timeout": f"took longer than {timeout:g} s (an endless loop?)",
                    "crash": "crashed the process running it (os._exit, a segfault, or too much memory?)",
                    }.get(why, "sent more data than the grader reads")
            result.notes.append(f"{steps[k].label} {what}; it was stopped and the notebook run again "
                                "without it")
        return None

    try:
        for task_result in result.tasks:
            task = spec.task(task_result.grade_id)
            label = _("task {id} {title}").format(id=task_result.number, title=_(task_result.title))
            if task is None:
                task_result.message = "the grader has no probe for this test cell"
                continue
            if session is None:
                session = start()
                if session is None:
                    task_result.message = "not run (the notebook could not be run to this point)"
                    continue
            rng = task_rng(secret, filename, task.grade_id)
            try:
                probe = task.probe(rng)
                sent = probe.args
                if isinstance(sent, dict):  # keys starting with '_' are the judge's, never sent
                    sent = {k: v for k, v in sent.items() if not (isinstance(k, str) and k.startswith("_"))}
                args = encode_args(sent)
            except Exception as exc:  # a bug in a spec: say so, never crash the batch
                task_result.message = f"grader error in the probe: {type(exc).__name__}: {_short(exc)}"
                continue
            limit = probe.timeout or timeout
            reply = session.send({"op": "probe", "code": probe.source(), "args": args}, limit)
            if not isinstance(reply, dict):
                task_result.message = {
                    "timeout": _("✗ {label}: the test took longer than {limit} s (an endless loop in your "
                                 "code?)").format(label=label, limit=f"{limit:g}"),
                    "crash": _("✗ {label}: the process running your code died during this test (os._exit, "
                               "a crash, or more memory than allowed?)").format(label=label),
                }.get(reply, _("✗ {label}: your code returned more data than the grader reads").format(
                    label=label))
                session.close()
                session = None
                continue
            task_result.earned, task_result.message = _judge(task, label, reply, probe.args, steps, errors,
                                                             task_result.points)
        if session is None and any(s.student for s in steps):
            session = start()
        if session is not None:
            notes = session.send({"op": "notes"}, 10.0)
            if isinstance(notes, dict) and isinstance(notes.get("notes"), list):
                runtime_notes.update(str(n)[:100] for n in notes["notes"][:20])
            out = session.send({"op": "output"}, 10.0)
            if isinstance(out, dict) and isinstance(out.get("chars"), int):
                output_chars = out["chars"]
            if isinstance(out, dict) and isinstance(out.get("peak_kib"), int):
                result.peak_kib = out["peak_kib"]
            if isinstance(out, dict) and isinstance(out.get("cpu_s"), float):
                result.cpu_s = out["cpu_s"]
            session.drain()
    finally:
        if session is not None:
            session.close()
            session.drain()
    for s in sessions:
        runtime_notes.update(s.tried)
        if s.stray:
            runtime_notes.add("wrote lines of its own on the grader's channel")
    if output_chars > 100_000:
        result.notes.append(f"your code printed {output_chars:,} characters; only the first 100,000 "
                            "were kept")
    if runtime_notes:
        result.notes.append("for the lecturer (informational): while running, the code "
                            + "; ".join(sorted(runtime_notes)))


def _judge(task: Task, label: str, reply: dict, args: Any, steps, errors, points: float) -> tuple[float, str]:
    if "raised" in reply:
        raised = reply["raised"] if isinstance(reply["raised"], dict) else {}
        not_attempted, text = _raised_verdict(raised, steps, errors, task)
        return 0.0, text if not_attempted else _("✗ {label}: {message}").format(label=label, message=text)
    try:
        got = decode(reply.get("value"))
    except (ValueError, RecursionError):
        return 0.0, _("✗ {label}: your code returned data the grader cannot read").format(label=label)
    try:
        detail = task.judge(got, args)
    except Wrong as exc:
        return 0.0, _("✗ {label}: {message}").format(label=label, message=_short(_(str(exc)), 400))
    except NotAttempted as exc:
        return 0.0, _("not attempted yet ({what})").format(what=_short(exc, 200))
    except Exception as exc:  # the judge met data it did not expect (a hostile shape...): no points
        return 0.0, _("✗ {label}: the grader could not judge what your code returned ({type})").format(
            label=label, type=type(exc).__name__)
    return points, _("✓ {label}: correct{detail}").format(label=label, detail=detail or "")

