"""What a student sees from bpcourse.check: one verdict line, never a traceback into the checks.

The last test runs real cells in a kernel (nbclient), so it sees exactly what Jupyter shows.
"""

import math

import nbformat
import pytest
from nbclient import NotebookClient

from bpcourse import check
from bpcourse.check import CheckFailed, NotAttempted, Task


def test_task_verdicts_are_single_lines():
    t = Task("1.2", "add gate backward")
    with pytest.raises(CheckFailed) as info:
        t.fail("you split dout in half")
    assert str(info.value) == "✗ task 1.2 add gate backward: you split dout in half"
    assert info.value._render_traceback_() == [str(info.value)]
    with pytest.raises(NotAttempted) as info:
        t.not_attempted("AddGate.backward")
    assert info.value._render_traceback_() == [
        "task 1.2 add gate backward: not attempted yet (AddGate.backward still raises "
        "NotImplementedError; replace the `raise NotImplementedError()` line with your code)"]
    assert isinstance(info.value, AssertionError)  # a failed check fails its cell (nbgrader's rule)


def test_pass_line_is_honest(capsys):
    Task("1.2", "add gate backward").ok()
    assert capsys.readouterr().out == ("✓ task 1.2 add gate backward: visible checks pass; "
                                       "the grade also runs hidden tests on other inputs\n")
    Task("3.6", "training").ok("final loss 0.01")
    assert "visible checks pass (final loss 0.01); the grade also" in capsys.readouterr().out


class OverflowingSigmoid:
    def forward(self, x):
        self.s = 1 / (1 + math.exp(-x))
        return self.s

    def backward(self, dout):
        return (self.s * (1 - self.s) * dout,)


def _deep(n):
    return 0 if n == 0 else 1 + _deep(n - 1)


@pytest.mark.parametrize("fn, words", [
    (lambda: math.exp(1000.0), ["task 9.9 demo", "OverflowError", "math.exp", "Likely cause"]),
    (lambda: _deep(10**6), ["RecursionError", "explicit stack"]),
    (lambda: 1 / 0, ["ZeroDivisionError", "divided by zero"]),
    (lambda: undefined_name, ["NameError", "run the cells above"]),  # noqa: F821
    (lambda: [][1], ["IndexError: list index out of range"]),
])
def test_a_crash_in_the_students_code_becomes_a_verdict(fn, words):
    with pytest.raises(CheckFailed) as info:
        Task("9.9", "demo").call(fn, what="demo()")
    message = str(info.value)
    assert message.startswith("✗ task 9.9 demo: demo() raised ")
    assert "\n" not in message
    for w in words:
        assert w in message, (w, message)
    assert "line" in message  # where in the student's code it happened


def test_the_sigmoid_overflow_names_task_and_cause():
    # σ(−800) with math.exp(−x) overflows: a real student mistake in task 1.4, named by the check.
    with pytest.raises(CheckFailed, match=r"task 1\.4 sigmoid gate: SigmoidGate\.forward\(-800\) raised "
                                          r"OverflowError.*e\^x / \(1 \+ e\^x\)"):
        check.check_sigmoid_gate(OverflowingSigmoid)


def test_every_public_check_is_reexported():
    from bpcourse.check import check_mul_backward  # the import path every notebook uses

    assert check_mul_backward is check.ex01.check_mul_backward
    for name in check.__all__:
        assert hasattr(check, name), name
    assert len([n for n in check.__all__ if n.startswith("check_")]) >= 29


CELLS = [
    "from bpcourse.check import check_add_backward\n\nclass AddGate:\n"
    "    def forward(self, x, y):\n        return x + y\n\n"
    "    def backward(self, dout):\n        return dout / 2, dout / 2\n",
    "check_add_backward(AddGate)",
    "class AddGate:\n    def forward(self, x, y):\n        return x + y\n\n"
    "    def backward(self, dout):\n        raise NotImplementedError()\n",
    "check_add_backward(AddGate)",
    "class AddGate:\n    def forward(self, x, y):\n        return x + y\n\n"
    "    def backward(self, dout):\n        return dout.missing, dout\n",
    "check_add_backward(AddGate)",
]


def test_jupyter_shows_the_verdict_and_no_traceback(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = {k: c.outputs for k, c in enumerate(nb.cells)
              if any(o.output_type == "error" for o in c.outputs)}
    assert sorted(errors) == [1, 3, 5]
    for outputs in errors.values():
        (err,) = [o for o in outputs if o.output_type == "error"]
        assert len(err.traceback) == 1, err.traceback  # the verdict line only
        text = err.traceback[0]
        assert "task 1.2 add gate backward" in text
        for frame_marker in ("Traceback", "File ", "bpcourse/check", "_task.py", "def check_", "\x1b["):
            assert frame_marker not in text, (frame_marker, text)
    assert "you split dout in half" in errors[1][0].traceback[0]
    assert errors[1][0].ename == "CheckFailed"
    assert "not attempted yet" in errors[3][0].traceback[0] and errors[3][0].ename == "NotAttempted"
    crash = errors[5][0].traceback[0]
    assert "AttributeError" in crash and "line 6 of your cell: `return dout.missing, dout`" in crash
