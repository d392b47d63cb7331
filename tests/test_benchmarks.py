"""The benchmark code (benchmarks/) on tiny sizes: it runs, and ours and the peer compute the same
numbers. Peer checks skip when micrograd or torch is not installed (requirements-bench.txt is not
part of the test install); our side always runs. No wall-clock time is ever asserted."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from benchmarks import course, engine, harness, nets, run, symbolic_row, widgets_row
from bpcourse.gates import Value
from bpcourse.gradcheck import numerical_gradient, rel_error

HAVE_MICROGRAD = importlib.util.find_spec("micrograd") is not None
HAVE_TORCH = importlib.util.find_spec("torch") is not None
needs_micrograd = pytest.mark.skipif(
    not HAVE_MICROGRAD, reason="micrograd not installed (requirements-bench.txt)")
needs_torch = pytest.mark.skipif(not HAVE_TORCH, reason="torch not installed (requirements-bench.txt)")


# ---- rows 1-2: the scalar engine -------------------------------------------------------------------

def _numpy_mlp_loss(flat: np.ndarray, weights, X, Y) -> float:
    """The benchmark MLP's loss written directly in numpy: an independent forward pass."""
    h, i = np.array(X), 0
    for layer, (W, b) in enumerate(weights):
        Wf = flat[i:i + W.size].reshape(W.shape)
        bf = flat[i + W.size:i + W.size + b.size]
        i += W.size + b.size
        h = h @ Wf.T + bf
        if layer < len(weights) - 1:
            h = np.maximum(h, 0.0)
    return float(np.mean((h[:, 0] - np.array(Y)) ** 2))


@pytest.mark.parametrize("lean", [False, True], ids=["same-graph", "Value.dot"])
def test_our_mlp_gradients_match_finite_differences(lean):
    weights = engine.init_weights(seed=3)
    X, Y = engine.make_data(4, seed=4)
    params = engine.ours_params(weights)
    loss = engine.ours_step(params, X, Y, lean)
    # ours_grads is in micrograd's order (neuron by neuron, w then b): rebuild it layer-wise here.
    ours = np.array([p.grad for W, b in params for p in [*(w for row in W for w in row), *b]])
    flat = np.concatenate([np.concatenate([W.ravel(), b]) for W, b in weights])
    assert loss.data == pytest.approx(_numpy_mlp_loss(flat, weights, X, Y), rel=1e-12)
    numeric = numerical_gradient(lambda f: _numpy_mlp_loss(f, weights, X, Y), flat)
    assert rel_error(ours, numeric) < 1e-6


def test_dot_node_and_same_graph_agree():
    lean = engine.check_mlp(3, lean=True, with_peer=False)
    plain = engine.check_mlp(3, lean=False, with_peer=False)
    assert lean["loss"] == pytest.approx(plain["loss"], rel=1e-12)


def test_value_dot_accepts_numbers_and_checks_lengths():
    w, x = [Value(2.0), 3.0], [Value(-1.0), Value(0.5)]
    out = Value.dot(w, x, 1.0)  # 2·(−1) + 3·0.5 + 1
    assert out.data == pytest.approx(0.5)
    out.backward()
    assert (w[0].grad, x[0].grad, x[1].grad) == (-1.0, 2.0, 3.0)
    with pytest.raises(ValueError, match="same length"):
        Value.dot(w, x[:1])


@needs_micrograd
@pytest.mark.parametrize("lean", [False, True], ids=["same-graph", "Value.dot"])
def test_mlp_matches_micrograd(lean):
    result = engine.check_mlp(5, lean=lean)
    assert result["max_grad_diff"] < 1e-9


def test_chain_gradient_is_exact():
    assert engine.chain(5000) == pytest.approx(1.000001**5000, rel=1e-9)


@needs_micrograd
def test_micrograd_chain_hits_the_recursion_limit():
    from micrograd.engine import Value as MValue

    with pytest.raises(RecursionError):
        engine.chain(5000, MValue)


def test_cheap_gradient_rows_count_one_mult_per_edge():
    counts, times = engine.row_cheap_gradient(2, reps=1)
    # Per sample: 16 hidden-1 neurons with 2 (×, +) pairs, 16 hidden-2 neurons with 16 pairs, one
    # output neuron with 16 pairs, 32 relus, then −, square, + into the loss; plus the final × 1/n.
    per_sample = 16 * 2 * 2 + 16 * 16 * 2 + 16 * 2 + 32 + 3
    assert counts.peer == 2 * per_sample + 1
    assert 1 <= counts.ratio <= 3 and times.ours > 0 and times.peer > 0


# ---- rows 3-5: numpy nets vs torch -----------------------------------------------------------------

def test_zhou_standard_runs_ours():
    assert 0 < nets.check_zhou_standard(epochs=1, with_peer=False) < 1


@needs_torch
def test_zhou_standard_matches_torch():
    nets.check_zhou_standard(epochs=2)


@pytest.mark.parametrize("with_peer", [False, pytest.param(True, marks=needs_torch)], ids=["ours", "torch"])
def test_zhou_accumulated_and_sequential_steps(with_peer):
    nets.check_zhou_accumulated(m=8, d=6, q=4, l=3, with_peer=with_peer)
    nets.check_sequential(m=8, d=5, h=4, l=3, with_peer=with_peer)


def test_matmul_flops_are_counted_by_hand():
    net, X, Y = nets.big_batch(m=4, d=3, q=2, l=5)
    run_mm, flops = nets.matmuls_of_a_step(net, X, Y)
    run_mm()
    # X v: 4·3·2 multiply-adds; b w: 4·2·5; G wᵀ: 4·5·2; Xᵀ E_h: 3·4·2; bᵀ G: 2·4·5; ×2 flops each
    assert flops == 2 * (24 + 40 + 40 + 24 + 40)


# ---- rows 6-8 ------------------------------------------------------------------------------------

def test_symbolic_row_checks_against_zhou_gradients():
    parts = symbolic_row.ours_full(2, 2, 1)
    assert set(parts) == {"derive", "evaluate", "total"}
    assert symbolic_row.naive(2, 1, 1) > 0


def test_widget_interactions_touch_every_control():
    from bpcourse import widgets

    explorer = widgets.circuit_explorer()
    before = dict(explorer.model.values)
    times = widgets_row.interaction_times(explorer, reps=2)  # warm-up, back, there again
    assert set(times) == set(explorer.controls)
    assert explorer.model.values != before


def test_course_durations_are_parsed_per_notebook():
    output = "\n".join([
        "0.50s setup    notebooks/01_a.ipynb::Cell 0",
        "1.25s call     notebooks/01_a.ipynb::Cell 3",
        "0.25s call     notebooks/01_a.ipynb::Cell 1",
        "2.00s call     solutions/ex1.ipynb::Cell 2",
        "(3 durations < 0.005s hidden.)",
    ])
    per_notebook, cells = course.parse_durations(output)
    assert per_notebook == {"notebooks/01_a.ipynb": 2.0, "solutions/ex1.ipynb": 2.0}
    assert cells[0] == (2.0, "solutions/ex1.ipynb::Cell 2") and len(cells) == 3


# ---- the harness and the command ---------------------------------------------------------------------

def test_interleaved_calls_each_side_reps_plus_warmup_times():
    calls = {"a": 0, "b": 0}

    def bump(name):
        calls[name] += 1

    medians = harness.interleaved({"a": lambda: bump("a"), "b": lambda: bump("b")}, reps=2)
    assert calls == {"a": 3, "b": 3} and set(medians) == {"a", "b"}


def test_command_prints_one_table(monkeypatch, capsys):
    tiny = {"mlp": (2, 1), "chain": 1000, "cheap": (2, 1), "zhou_std": (1, 1), "zhou_acc": (8, 1),
            "seq": (8, 1), "symbolic": (1, (2, 1, 1)), "widgets": 1}
    monkeypatch.setitem(run.SIZES, "quick", tiny)
    assert run.main(["--quick", "--rows", "1,2,3,5,8"]) == 0
    out = capsys.readouterr().out
    for number in ("1a", "1b", "1c", "2a", "2b", "3a", "3b", "4", "5", "8"):
        assert f"| {number} |" in out
    if not HAVE_MICROGRAD:
        assert "skipped (micrograd not installed" in out
    assert "numpy" in out.splitlines()[1]
