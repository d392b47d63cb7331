"""The sandbox side of the trusted grader: ``python -m bpcourse.runner MEMORY_BYTES``.

The grader (``bpcourse/grading/engine.py``) starts this in a sandbox and talks to it in JSON
lines: commands on stdin, one reply per command on the original stdout. Before reading any
command the runner limits its own memory, keeps private copies of stdin/stdout for the channel,
and points file descriptors 0, 1 and 2 at /dev/null, so nothing the student's code prints or
reads can be mistaken for a command or a reply (``sys.stdout`` is a capped buffer).

Commands:

* ``{"op": "cell", "id": n, "code": "..."}``: run one cell in an IPython shell (magics and
  notebook semantics work); reply ``{"id": n, "error": null | {"type", "message", "line"}}``.
* ``{"op": "probe", "id": n, "code": "...", "args": ...}``: run the grader's probe (the body of
  ``def probe(args)``) with the student's names in scope; reply ``{"id": n, "value": ...}`` or
  ``{"id": n, "raised": {"type", "message", "where"}}``.
* ``{"op": "notes", "id": n}``: reply ``{"id": n, "notes": [...]}``, what the code changed that a
  lecturer may want to know (numpy, builtins, IPython hooks): informational only.

The values are plain data (``encode``): numbers (nan and inf included), strings, lists, and
one-key objects for everything else: ``{"__dict__": [[key, value], ...]}``,
``{"__ndarray__": nested list, "dtype": ..., "shape": [...]}``, ``{"__sympy__": tree}`` (node types
listed in ``bpcourse/grading/spec.py``), ``{"__raised__": {...}}``, ``{"__object__": type name}``.
Everything this process says is untrusted by the grader: the student's code runs here too.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import sys
import textwrap

MAX_LEAVES = 2_000_000
MAX_DEPTH = 64
OUTPUT_CAP = 100_000


class _CappedText(io.TextIOBase):
    """A text stream that keeps the first OUTPUT_CAP characters and counts the rest."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.kept = 0
        self.total = 0

    def writable(self) -> bool:
        return True

    def write(self, s) -> int:
        s = str(s)
        self.total += len(s)
        if self.kept < OUTPUT_CAP:
            piece = s[: OUTPUT_CAP - self.kept]
            self.parts.append(piece)
            self.kept += len(piece)
        return len(s)

    def flush(self) -> None:
        pass


# ---------------------------------------------------------------------------------------------
# Values as plain data
# ---------------------------------------------------------------------------------------------


class _TooBig(Exception):
    pass


_SYMPY_FUNCS = {"exp", "log", "sin", "cos", "tan", "tanh", "sinh", "cosh", "Abs", "sign", "Heaviside",
                "Max", "Min"}


def _sympy_tree(expr, budget: list[int], depth: int = 0):
    import sympy as sp
    from sympy.core.function import AppliedUndef

    budget[0] -= 1
    if budget[0] < 0 or depth > 200:
        raise _TooBig
    rec = lambda e: _sympy_tree(e, budget, depth + 1)  # noqa: E731
    if isinstance(expr, sp.Symbol):
        return ["Symbol", str(expr.name)]
    if isinstance(expr, sp.Integer):
        return ["Integer", str(int(expr))]
    if isinstance(expr, sp.Rational):
        return ["Rational", str(int(expr.p)), str(int(expr.q))]
    if isinstance(expr, sp.Float):
        return ["Float", repr(float(expr))]
    for name, const in (("E", sp.E), ("pi", sp.pi), ("oo", sp.oo), ("-oo", -sp.oo), ("zoo", sp.zoo),
                        ("nan", sp.nan), ("I", sp.I)):
        if expr is const:
            return [name]
    if isinstance(expr, sp.Add | sp.Mul | sp.Pow):
        return [type(expr).__name__, *[rec(a) for a in expr.args]]
    if isinstance(expr, AppliedUndef):
        return ["Function", str(expr.func.__name__), *[rec(a) for a in expr.args]]
    if isinstance(expr, sp.Derivative):
        return ["Derivative", rec(expr.expr), *[[rec(v), int(c)] for v, c in expr.variable_count]]
    if isinstance(expr, sp.Subs):
        return ["Subs", rec(expr.expr), [rec(v) for v in expr.variables], [rec(p) for p in expr.point]]
    if type(expr).__name__ in _SYMPY_FUNCS and isinstance(expr, sp.Function):
        return [type(expr).__name__, *[rec(a) for a in expr.args]]
    return ["Unknown", type(expr).__name__]


def encode(value, _budget: list[int] | None = None, _depth: int = 0):
    """``value`` as JSON-able plain data (see the module's docstring)."""
    budget = _budget if _budget is not None else [MAX_LEAVES]
    budget[0] -= 1
    if budget[0] < 0 or _depth > MAX_DEPTH:
        raise _TooBig
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value if abs(value) < 10**30 else float(value)
    if isinstance(value, float):
        return float(value)
    rec = lambda v: encode(v, budget, _depth + 1)  # noqa: E731
    if isinstance(value, list | tuple):
        return [rec(v) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[rec(k), rec(v)] for k, v in value.items()]}
    if isinstance(value, BaseException):
        return {"__raised__": _describe(value)}
    np = sys.modules.get("numpy")
    if np is not None:
        if isinstance(value, np.ndarray):
            if value.size > budget[0]:
                raise _TooBig
            budget[0] -= value.size
            if value.dtype.kind in "biuf":
                return {"__ndarray__": value.tolist(), "dtype": value.dtype.kind, "shape": list(value.shape)}
            return {"__ndarray__": [rec(v) for v in value.ravel().tolist()], "dtype": "O",
                    "shape": list(value.shape)}
        if isinstance(value, np.generic):
            return rec(value.item())
    sp = sys.modules.get("sympy")
    if sp is not None:
        if isinstance(value, sp.MatrixBase):
            return [[rec(value[i, j]) for j in range(value.cols)] for i in range(value.rows)]
        if isinstance(value, sp.Basic):
            return {"__sympy__": _sympy_tree(value, budget)}
    return {"__object__": type(value).__name__[:100]}


def _describe(exc: BaseException) -> dict:
    try:
        message = str(exc)[:500]
    except Exception:  # a student's exception whose __str__ fails
        message = ""
    where = ""
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename not in (_PROBE_FILE, __file__):
            where = getattr(code, "co_qualname", code.co_name)
        tb = tb.tb_next
    line = getattr(exc, "lineno", None) if isinstance(exc, SyntaxError) else None
    return {"type": type(exc).__name__[:100], "message": message, "where": where[:100], "line": line}


# ---------------------------------------------------------------------------------------------
# Running cells and probes
# ---------------------------------------------------------------------------------------------

_PROBE_FILE = "<grader probe>"


class Runner:
    def __init__(self):
        from IPython.core.interactiveshell import InteractiveShell
        from traitlets.config import Config

        config = Config()
        config.HistoryManager.enabled = False
        self.shell = InteractiveShell.instance(config=config)
        self.shell.user_ns["__session__"] = None
        import numpy  # the probes use it; most exercises import it anyway

        self.numpy = numpy
        self.before = self._snapshot()

    def _snapshot(self) -> dict:
        import builtins

        np = self.numpy
        watched = {f"numpy.{k}": getattr(np, k, None)
                   for k in ("allclose", "isclose", "array_equal", "asarray")}
        watched.update({f"builtins.{k}": getattr(builtins, k, None)
                        for k in ("abs", "float", "print", "isinstance", "compile", "exec", "__import__")})
        watched["math.isclose"] = math.isclose
        return {"attrs": {k: id(v) for k, v in watched.items()},
                "ast": len(self.shell.ast_transformers),
                "input": len(self.shell.input_transformers_post) + len(self.shell.input_transformers_cleanup)}

    def cell(self, code: str) -> dict:
        result = self.shell.run_cell(code, store_history=False, silent=False)
        error = result.error_before_exec or result.error_in_exec
        return {"error": _describe(error) if error is not None else None}

    def probe(self, code: str, args) -> dict:
        source = "def __bpg_probe__(args):\n" + textwrap.indent(code, "    ") + "\n"
        scope = dict(self.shell.user_ns)
        scope.update(catch=_catch, using=self._using, np=self.numpy, math=math)
        try:
            exec(compile(source, _PROBE_FILE, "exec"), scope)  # noqa: S102 - the grader's own code
            value = scope["__bpg_probe__"](_decode_args(args))
        except BaseException as exc:  # noqa: BLE001 - everything the student's code raises is data
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                return {"raised": {"type": type(exc).__name__, "message": "", "where": ""}}
            return {"raised": _describe(exc)}
        try:
            return {"value": encode(value)}
        except _TooBig:
            return {"value": {"__object__": "too large to send"}}
        except RecursionError:
            return {"value": {"__object__": "too deeply nested to send"}}
        except Exception as exc:  # the student's object failed while being read (a broken __float__...)
            return {"raised": _describe(exc)}

    @contextlib.contextmanager
    def _using(self, fn, **names):
        """Replace global names as ``fn`` sees them, for the duration of the block."""
        scope = getattr(fn, "__globals__", None)
        if scope is None:
            scope = next((m.__globals__ for m in vars(fn).values() if hasattr(m, "__globals__")),
                         self.shell.user_ns) if isinstance(fn, type) else self.shell.user_ns
        missing = object()
        old = {k: scope.get(k, missing) for k in names}
        scope.update(names)
        try:
            yield
        finally:
            for k, v in old.items():
                if v is missing:
                    scope.pop(k, None)
                else:
                    scope[k] = v

    def notes(self) -> list[str]:
        after = self._snapshot()
        out = [f"replaced {k}" for k, v in after["attrs"].items() if v != self.before["attrs"].get(k)]
        out += list(_TRIED)  # also sent as they happened, in case the process is killed
        if after["ast"] != self.before["ast"]:
            out.append("added an IPython AST transformer")
        if after["input"] != self.before["input"]:
            out.append("added an IPython input transformer")
        return out


_TRIED: dict[str, None] = {}  # what the audit hook saw, in order, at most 20 entries
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC


def _audit(event: str, args: tuple) -> None:
    """Note (for the lecturer, informational) writes outside scratch and /tmp, network and processes,
    and send each note at once (``{"id": -1, "note": ...}``), so that a process killed at the time
    limit still tells. Python's audit hooks cannot be removed once added."""
    try:
        if len(_TRIED) >= 20:
            return
        before = len(_TRIED)
        if event == "open" and len(args) >= 3:
            path, mode, flags = args[0], args[1], args[2]
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                mode is None and isinstance(flags, int) and flags & _WRITE_FLAGS)
            if writing and isinstance(path, str | bytes):
                where = os.path.abspath(os.fsdecode(path))
                if not where.startswith((_SCRATCH, "/tmp/", "/dev/")):
                    _TRIED[f"tried to write {where[:120]}"] = None
        elif event == "socket.connect":
            _TRIED["tried to open a network connection"] = None
        elif event in ("os.fork", "os.forkpty", "subprocess.Popen", "os.system", "os.posix_spawn", "os.exec"):
            _TRIED["started processes"] = None
        elif event == "os.kill":
            _TRIED["sent a signal to a process"] = None
        if len(_TRIED) > before and _REPORT:
            _REPORT[0]({"id": -1, "note": list(_TRIED)[-1]})
    except Exception:  # an audit hook must never break the event it watches
        pass


_REPORT: list = []  # the channel's reply function, once it exists


_SCRATCH = os.getcwd() + os.sep


def _catch(fn, *args, **kwargs):
    """Call ``fn``; an exception comes back as a value (it reaches the judge as ``Raised``)."""
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001
        return exc


def _decode_args(value):
    """The grader's own arguments back into Python (arrays as numpy arrays)."""
    if isinstance(value, list):
        return [_decode_args(v) for v in value]
    if isinstance(value, dict):
        if "__ndarray__" in value:
            import numpy as np

            dtype = {"b": bool, "i": np.int64, "u": np.uint64}.get(value.get("dtype"), np.float64)
            return np.array(value["__ndarray__"], dtype=dtype).reshape(value["shape"])
        if "__dict__" in value:
            return {_key(_decode_args(k)): _decode_args(v) for k, v in value["__dict__"]}
    return value


def _key(k):
    return tuple(_key(x) for x in k) if isinstance(k, list) else k


def _cpu_seconds() -> float:
    try:
        import resource

        usage = resource.getrusage(resource.RUSAGE_SELF)
        return float(usage.ru_utime + usage.ru_stime)
    except (ImportError, OSError):
        return 0.0


def _peak_kib() -> int:
    try:
        import resource

        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    except (ImportError, OSError):
        return 0


def _limit_memory(limit: int) -> None:
    try:
        import resource

        if limit > 0:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):
        pass  # not on this platform


def main(argv: list[str]) -> int:
    _limit_memory(int(argv[0]) if argv else 0)
    commands = os.fdopen(os.dup(0), "rb")
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8", newline="\n")
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    sys.stdin = io.StringIO("")
    sys.stdout = sys.stderr = _CappedText()
    # Deliberate: code that writes to the original streams must reach the cap too.
    sys.__stdout__ = sys.__stderr__ = sys.stdout  # type: ignore[misc, assignment]
    os.environ["BPCOURSE_SANDBOX"] = "1"
    sys.addaudithook(_audit)

    def reply(obj: dict) -> None:
        channel.write(json.dumps(obj, allow_nan=True) + "\n")
        channel.flush()

    _REPORT.append(reply)
    runner = Runner()
    reply({"id": 0, "ready": True})
    for line in commands:
        cmd = json.loads(line)
        op, ident = cmd.get("op"), cmd.get("id")
        if op == "cell":
            out = runner.cell(cmd["code"])
        elif op == "probe":
            out = runner.probe(cmd["code"], cmd.get("args"))
        elif op == "notes":
            out = {"notes": runner.notes()}
        elif op == "output":
            out = {"chars": sys.stdout.total if isinstance(sys.stdout, _CappedText) else 0,
                   "peak_kib": _peak_kib(), "cpu_s": _cpu_seconds()}
        else:
            break
        out["id"] = ident
        reply(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
