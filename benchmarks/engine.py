"""Rows 1-2: the scalar engine ``bpcourse.gates.Value`` against micrograd 0.1.0.

The workload is micrograd's own demo net, MLP(2, [16, 16, 1]) (ReLU hidden layers, a linear
output), on n samples with the mean squared error, forward and backward. Both sides start from
the same weights (drawn here, uniform in (-1, 1) as micrograd draws them) and must give the same
loss and the same gradient for every parameter before anything is timed.

Ours is measured twice:
- "same graph": the net written exactly as micrograd's ``Neuron`` writes it,
  ``sum((w * x for ...), b)``, so both engines build the same graph node for node;
- "Value.dot": each neuron's weighted sum as one node (``Value.dot``), the lean design.
"""

from __future__ import annotations

import importlib.util

import numpy as np

from benchmarks.harness import Row, interleaved, skipped, timed
from bpcourse.gates import Value, count_ops

SIZES = (2, 16, 16, 1)


def have_micrograd() -> bool:
    return importlib.util.find_spec("micrograd") is not None


def init_weights(sizes=SIZES, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """One (W, b) per layer: W (n_out, n_in) (one row per neuron, as micrograd stores them), b (n_out,)."""
    rng = np.random.default_rng(seed)
    return [(rng.uniform(-1, 1, (n_out, n_in)), rng.uniform(-1, 1, n_out))
            for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)]


def make_data(n: int, seed: int = 1) -> tuple[list[list[float]], list[float]]:
    """n points in the plane (n, 2) and labels ±1 (n,), as plain Python lists (what both engines eat)."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 2)).tolist(), rng.choice([-1.0, 1.0], size=n).tolist()


# ---- ours -----------------------------------------------------------------------------------------

def ours_params(weights) -> list[tuple[list[list[Value]], list[Value]]]:
    return [([[Value(float(w)) for w in row] for row in W], [Value(float(c)) for c in b]) for W, b in weights]


def ours_loss(params, X, Y, lean: bool) -> Value:
    """Mean squared error of the MLP on X, Y, as a graph of Values (forward pass only)."""
    last = len(params) - 1
    loss = Value(0.0)
    for x, y in zip(X, Y, strict=True):
        h = x
        for i, (W, b) in enumerate(params):
            if lean:
                act = [Value.dot(w_row, h, b_j) for w_row, b_j in zip(W, b, strict=True)]
            else:  # micrograd's Neuron.__call__, term for term
                act = [sum((w * x_i for w, x_i in zip(w_row, h, strict=True)), b_j)
                       for w_row, b_j in zip(W, b, strict=True)]
            h = [a.relu() for a in act] if i < last else act
        diff = h[0] - y
        loss = loss + diff * diff
    return loss * (1.0 / len(X))


def ours_step(params, X, Y, lean: bool) -> Value:
    loss = ours_loss(params, X, Y, lean)
    loss.backward()
    return loss


def ours_grads(params) -> list[float]:
    """Gradients in micrograd's parameter order: layer by layer, neuron by neuron, w then b."""
    return [p.grad for W, b in params for w_row, b_j in zip(W, b, strict=True) for p in (*w_row, b_j)]


# ---- micrograd ------------------------------------------------------------------------------------

def micrograd_model(weights):
    from micrograd.nn import MLP

    sizes = [weights[0][0].shape[1]] + [W.shape[0] for W, _ in weights]
    model = MLP(sizes[0], sizes[1:])
    for layer, (W, b) in zip(model.layers, weights, strict=True):
        for neuron, w_row, b_j in zip(layer.neurons, W, b, strict=True):
            for p, w in zip(neuron.w, w_row, strict=True):
                p.data = float(w)
            neuron.b.data = float(b_j)
    return model


def micrograd_step(model, X, Y):
    from micrograd.engine import Value as MValue

    model.zero_grad()
    loss = MValue(0.0)
    for x, y in zip(X, Y, strict=True):
        diff = model(x) - y
        loss = loss + diff * diff
    loss = loss * (1.0 / len(X))
    loss.backward()
    return loss


def micrograd_grads(model) -> list[float]:
    return [p.grad for p in model.parameters()]


# ---- the checks and the rows ----------------------------------------------------------------------

def check_mlp(n: int, lean: bool, with_peer: bool = True, seed: int = 0) -> dict[str, float]:
    """Run one step of ours (and of micrograd if ``with_peer``) from the same weights; raise
    AssertionError unless the losses and all gradients agree. Returns the loss and the largest
    gradient difference (0.0 when the peer is not run)."""
    weights = init_weights(seed=seed)
    X, Y = make_data(n, seed=seed + 1)
    params = ours_params(weights)
    loss = ours_step(params, X, Y, lean)
    grads = np.array(ours_grads(params))
    assert np.all(np.isfinite(grads)) and grads.size == sum(W.size + b.size for W, b in weights)
    result = {"loss": loss.data, "max_grad_diff": 0.0}
    if with_peer:
        model = micrograd_model(weights)
        peer_loss = micrograd_step(model, X, Y)
        peer_grads = np.array(micrograd_grads(model), dtype=float)
        assert np.isclose(loss.data, peer_loss.data, rtol=1e-12, atol=0), (loss.data, peer_loss.data)
        np.testing.assert_allclose(grads, peer_grads, rtol=1e-9, atol=1e-12)
        result["max_grad_diff"] = float(np.max(np.abs(grads - peer_grads)))
    return result


def chain(n: int, value_cls=Value) -> float:
    """A chain of n multiplications y = x·c·c·…·c; backward; return ∂y/∂x (= c**n)."""
    x = value_cls(1.0)
    y = x
    for _ in range(n):
        y = y * 1.000001
    y.backward()
    return x.grad


def rows_mlp(n: int, reps: int) -> list[Row]:
    targets = {"1a": 0.2, "1b": 0.05}  # Value.dot's one node per neuron should pay off fourfold
    workload = f"MLP(2,[16,16,1]) fwd+bwd, {n} samples"
    if not have_micrograd():
        reason = "micrograd not installed: pip install -r requirements-bench.txt"
        return [skipped("1a", workload + ", same graph", f"≤ {targets['1a']}", reason),
                skipped("1b", workload + ", Value.dot", f"≤ {targets['1b']}", reason)]
    rows = []
    weights = init_weights()
    X, Y = make_data(n)
    for number, lean, label in (("1a", False, "same graph"), ("1b", True, "Value.dot")):
        check_mlp(n, lean)
        params, model = ours_params(weights), micrograd_model(weights)
        t = interleaved({"ours": lambda p=params, le=lean: ours_step(p, X, Y, le),
                         "peer": lambda m=model: micrograd_step(m, X, Y)}, reps)
        ratio = t["ours"] / t["peer"]
        row = Row(number, f"{workload}, {label}", t["ours"], t["peer"], "micrograd", ratio,
                  f"≤ {targets[number]}", ratio <= targets[number])
        if not lean:  # what the cyclic garbage collector costs each side, for the note
            off = interleaved({"ours": lambda p=params: ours_step(p, X, Y, False),
                               "peer": lambda m=model: micrograd_step(m, X, Y)}, max(1, reps // 2),
                              collector=False)
            row.note = (f"with the garbage collector off during the calls: ours {off['ours'] * 1e3:.0f} ms, "
                        f"micrograd {off['peer'] * 1e3:.0f} ms, ratio {off['ours'] / off['peer']:.2f}")
        rows.append(row)
    return rows


def row_chain(n: int) -> Row:
    workload = f"chain of {n:,} nodes, fwd+bwd"
    assert np.isclose(chain(1000), 1.000001**1000, rtol=1e-9)
    ours = timed(lambda: chain(n))
    if not have_micrograd():
        return Row("1c", workload, ours, None, "micrograd not installed", None, "completes", True)
    from micrograd.engine import Value as MValue

    peer = "completes"
    for m in (1_000, 2_000, n):
        try:
            chain(m, MValue)
        except RecursionError:
            peer = f"RecursionError at {m:,}"
            break
    return Row("1c", workload, ours, None, f"micrograd: {peer}", None, "completes", True)


def row_cheap_gradient(n: int, reps: int) -> list[Row]:
    """Row 2: backward / forward, as counted operations and as time, on the same-graph MLP."""
    params = ours_params(init_weights())
    X, Y = make_data(n)
    loss = ours_loss(params, X, Y, lean=False)
    counts = count_ops(loss)
    kept = {"loss": loss}

    def forward():
        return ours_loss(params, X, Y, lean=False)

    def backward():
        kept["loss"].backward()

    t = interleaved({"forward": forward, "backward": backward}, reps)
    ratio = t["backward"] / t["forward"]
    return [
        Row("2a", f"cheap gradient: backward mults / forward ops ({n} samples)", counts.backward_mults,
            counts.forward_ops, "forward ops", counts.ratio, "≤ 3", counts.ratio <= 3, unit=""),
        Row("2b", f"cheap gradient: backward time / forward time ({n} samples)", t["backward"],
            t["forward"], "forward", ratio, "≤ 3", ratio <= 3),
    ]
