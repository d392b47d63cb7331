"""Rows 3-5: the numpy networks (``zhou.ZhouNet``, ``layers.Sequential``) against PyTorch on the CPU,
and against numpy's own matrix multiply (the physical limit of a step made of matmuls).

Every pair starts from the same float64 parameters and data, and must end one step (or a short
training run) with the same parameters before it is timed. PyTorch gets as many threads as
numpy's BLAS has (``torch.set_num_threads``), so neither side has more cores.
"""

from __future__ import annotations

import importlib.util

import numpy as np

from benchmarks.harness import Row, interleaved, skipped

PIP_HINT = "pip install -r requirements-bench.txt"


def have_torch() -> bool:
    return importlib.util.find_spec("torch") is not None


def blas_threads() -> int:
    """How many threads numpy's BLAS uses (threadpoolctl when present; else 1 is assumed)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return 1
    counts = [info["num_threads"] for info in threadpool_info() if info.get("user_api") == "blas"]
    return max(counts) if counts else 1


def _torch():
    import torch

    torch.set_num_threads(blas_threads())
    return torch


# ---- row 3a: standard BP on watermelon 3.0 (19-5-1), one update per sample ----------------------------

def zhou_standard_ours(net0, X, Y, eta: float, epochs: int):
    net = net0.copy()
    history = net.train(X, Y, eta=eta, epochs=epochs, mode="standard", shuffle=False)
    return net, list(history.E)


def zhou_standard_torch(net0, X, Y, eta: float, epochs: int):
    """Zhou's standard BP (Fig. 5.8) written the PyTorch way: autograd of E_k, then p -= η ∂E_k/∂p,
    and E (5.16) on the whole set after each epoch, as ``ZhouNet.train`` records it."""
    torch = _torch()
    params = [torch.tensor(a, requires_grad=True) for a in (net0.v, net0.gamma, net0.w, net0.theta)]
    v, gamma, w, theta = params
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y.reshape(len(X), -1).astype(np.float64))
    history = []
    for _ in range(epochs):
        for k in range(len(Xt)):
            b = torch.sigmoid(Xt[k] @ v - gamma)
            y_hat = torch.sigmoid(b @ w - theta)
            E_k = 0.5 * ((y_hat - Yt[k]) ** 2).sum()
            E_k.backward()
            with torch.no_grad():
                for p in params:
                    p -= eta * p.grad
                    p.grad = None
        with torch.no_grad():
            y_hat = torch.sigmoid(torch.sigmoid(Xt @ v - gamma) @ w - theta)
            history.append(float((0.5 * ((y_hat - Yt) ** 2).sum(dim=1)).mean()))
    return [p.detach().numpy() for p in params], history


def check_zhou_standard(epochs: int = 2, with_peer: bool = True) -> float:
    """Train ours (and PyTorch's) from the same net; assert the same E history and parameters.
    Returns the final E."""
    from bpcourse.datasets import watermelon3
    from bpcourse.zhou import ZhouNet

    X, y = watermelon3()
    net0 = ZhouNet(X.shape[1], 5, 1, seed=0)
    net, E = zhou_standard_ours(net0, X, y, 0.1, epochs)
    assert len(E) == epochs and np.all(np.isfinite(E))
    if with_peer:
        params, E_torch = zhou_standard_torch(net0, X, y, 0.1, epochs)
        np.testing.assert_allclose(E, E_torch, rtol=1e-9)
        for ours, theirs in zip((net.v, net.gamma, net.w, net.theta), params, strict=True):
            np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
    return E[-1]


def row_zhou_standard(epochs: int, reps: int) -> Row:
    workload = f"ZhouNet standard BP, watermelon 3.0 19-5-1, {epochs} epochs × 17 updates"
    if not have_torch():
        return skipped("3a", workload, "≤ 0.2", f"torch not installed: {PIP_HINT}")
    from bpcourse.datasets import watermelon3
    from bpcourse.zhou import ZhouNet

    check_zhou_standard(epochs=2)
    X, y = watermelon3()
    net0 = ZhouNet(X.shape[1], 5, 1, seed=0)
    t = interleaved({"ours": lambda: zhou_standard_ours(net0, X, y, 0.1, epochs),
                     "peer": lambda: zhou_standard_torch(net0, X, y, 0.1, epochs)}, reps)
    ratio = t["ours"] / t["peer"]
    return Row("3a", workload, t["ours"], t["peer"], "torch", ratio, "≤ 0.2", ratio <= 0.2)


# ---- rows 3b and 4: accumulated BP, 784-256-10, batch 256 ---------------------------------------------

def big_batch(m: int = 256, d: int = 784, q: int = 256, l: int = 10, seed: int = 0):
    """A ZhouNet(d, q, l) and a batch: X (m, d) in (0, 0.01) so that α = Σ v x stays where the sigmoid
    is not flat, and one-hot targets Y (m, l)."""
    from bpcourse.zhou import ZhouNet

    rng = np.random.default_rng(seed + 1)
    X = rng.uniform(0.0, 0.01, size=(m, d))
    Y = np.eye(l)[rng.integers(0, l, size=m)]
    return ZhouNet(d, q, l, seed=seed), X, Y


class TorchZhou:
    """Zhou's net as PyTorch tensors: one accumulated-BP step = autograd of E (5.16), p -= η ∂E/∂p."""

    def __init__(self, net0, X, Y) -> None:
        torch = _torch()
        self.torch = torch
        self.params = [torch.tensor(a, requires_grad=True) for a in (net0.v, net0.gamma, net0.w, net0.theta)]
        self.X, self.Y = torch.from_numpy(X), torch.from_numpy(Y)

    def step(self, eta: float) -> None:
        v, gamma, w, theta = self.params
        y_hat = self.torch.sigmoid(self.torch.sigmoid(self.X @ v - gamma) @ w - theta)
        E = (0.5 * ((y_hat - self.Y) ** 2).sum(dim=1)).mean()
        E.backward()
        with self.torch.no_grad():
            for p in self.params:
                p -= eta * p.grad
                p.grad = None


def check_zhou_accumulated(m: int = 256, d: int = 784, q: int = 256, l: int = 10,
                           with_peer: bool = True) -> None:
    net, X, Y = big_batch(m, d, q, l)
    if with_peer:
        peer = TorchZhou(net, X, Y)
        peer.step(0.1)
    net.accumulated_step(X, Y, eta=0.1)
    assert all(np.all(np.isfinite(p)) for p in net.params.values())
    if with_peer:
        for ours, theirs in zip((net.v, net.gamma, net.w, net.theta), peer.params, strict=True):
            np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-9, atol=1e-13)


def matmuls_of_a_step(net, X, Y):
    """The five matrix products a step of accumulated BP does, on arrays of the same shapes:
    α = X v, β = b w (forward); G wᵀ, Xᵀ E_h, bᵀ G (backward). Returns (run, flops)."""
    m, d = X.shape
    q, l = net.w.shape
    rng = np.random.default_rng(0)
    b, G, Eh = rng.random((m, q)), rng.random((m, l)), rng.random((m, q))
    v, w = net.v.copy(), net.w.copy()

    def run():
        X @ v
        b @ w
        G @ w.T
        X.T @ Eh
        b.T @ G

    return run, 2 * (2 * m * d * q + 3 * m * q * l)


def rows_zhou_accumulated(m: int, reps: int) -> list[Row]:
    workload = f"ZhouNet accumulated BP step, 784-256-10, batch {m}"
    net, X, Y = big_batch(m)
    run_mm, flops = matmuls_of_a_step(net, X, Y)
    check_zhou_accumulated(m, with_peer=have_torch())
    fns = {"ours": lambda: net.accumulated_step(X, Y, eta=0.1), "matmul": run_mm}
    if have_torch():
        peer = TorchZhou(net, X, Y)
        fns["peer"] = lambda: peer.step(0.1)
    t = interleaved(fns, reps)
    rows = []
    if "peer" in t:
        ratio = t["ours"] / t["peer"]
        rows.append(Row("3b", workload, t["ours"], t["peer"], "torch", ratio, "≤ 1.1", ratio <= 1.1))
    else:
        rows.append(skipped("3b", workload, "≤ 1.1", f"torch not installed: {PIP_HINT}"))
    ours_rate, mm_rate = flops / t["ours"] / 1e9, flops / t["matmul"] / 1e9
    fraction = ours_rate / mm_rate
    rows.append(Row("4", f"FLOP rate of that step / numpy matmul's (GFLOP/s, {flops / 1e6:.0f} MFLOP)",
                    ours_rate, mm_rate, "numpy @", fraction, "≥ 0.6", fraction >= 0.6, unit=""))
    return rows


# ---- row 5: layers.Sequential vs torch.nn.Sequential ---------------------------------------------------

def sequential_pair(m: int = 256, d: int = 784, h: int = 256, l: int = 10, seed: int = 0,
                    with_peer: bool = True):
    """Ours: Sequential([Linear(d, h), ReLU(), Linear(h, l)]) with MSELoss; PyTorch: the same net with
    the same weights. Returns (ours_step, peer_step or None, ours_model, peer_model or None)."""
    from bpcourse.layers import Linear, MSELoss, ReLU, Sequential, sgd_step

    rng = np.random.default_rng(seed + 1)
    X = rng.normal(size=(m, d))
    Y = np.eye(l)[rng.integers(0, l, size=m)]
    model = Sequential([Linear(d, h, seed=seed), ReLU(), Linear(h, l, seed=seed + 1)])
    loss = MSELoss()
    eta = 0.01

    def ours_step():
        loss.forward(model.forward(X), Y)
        model.backward(loss.backward(), need_dx=False)  # like torch: no gradient for the data X
        sgd_step(model, eta)

    if not with_peer:
        return ours_step, None, model, None
    torch = _torch()
    peer = torch.nn.Sequential(torch.nn.Linear(d, h), torch.nn.ReLU(), torch.nn.Linear(h, l)).double()
    with torch.no_grad():
        for i in (0, 2):  # torch's Linear keeps W as (n_out, n_in): ours transposed
            peer[i].weight.copy_(torch.from_numpy(model.layers[i].params["W"].T))
            peer[i].bias.copy_(torch.from_numpy(model.layers[i].params["b"]))
    opt = torch.optim.SGD(peer.parameters(), lr=eta)
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)

    def peer_step():
        opt.zero_grad(set_to_none=True)
        E = 0.5 * ((peer(Xt) - Yt) ** 2).sum() / m  # the course's MSELoss: ½ Σ_j, mean over samples
        E.backward()
        opt.step()

    return ours_step, peer_step, model, peer


def check_sequential(m: int = 256, d: int = 784, h: int = 256, l: int = 10, with_peer: bool = True) -> None:
    ours_step, peer_step, model, peer = sequential_pair(m, d, h, l, with_peer=with_peer)
    W0 = model.layers[0].params["W"].copy()
    ours_step()
    assert not np.array_equal(W0, model.layers[0].params["W"])
    if with_peer:
        peer_step()
        for i in (0, 2):
            np.testing.assert_allclose(model.layers[i].params["W"], peer[i].weight.detach().numpy().T,
                                       rtol=1e-9, atol=1e-13)
            np.testing.assert_allclose(model.layers[i].params["b"], peer[i].bias.detach().numpy(),
                                       rtol=1e-9, atol=1e-13)


def row_sequential(m: int, reps: int) -> Row:
    workload = f"layers.Sequential 784-256(ReLU)-10 MSE, SGD step, batch {m}"
    if not have_torch():
        return skipped("5", workload, "≤ 1.1", f"torch not installed: {PIP_HINT}")
    check_sequential(m)
    ours_step, peer_step, _, _ = sequential_pair(m)
    t = interleaved({"ours": ours_step, "peer": peer_step}, reps)
    ratio = t["ours"] / t["peer"]
    return Row("5", workload, t["ours"], t["peer"], "torch", ratio, "≤ 1.1", ratio <= 1.1)
