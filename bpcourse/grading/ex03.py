"""Exercise 3, layers in the vectorised API (x of shape (N, n_in)): probes and judges.

Shapes and values are drawn at grading time. Tasks 3.5 and 3.6 run with the grader's layers and
loss in place of the student's, so only the task under test can lose its points; task 3.6 is
judged by replaying the whole training run here (every parameter, every argument).
"""

from __future__ import annotations

import numpy as np

from bpcourse.check.ex03 import dyhat_mistakes, linear_mistakes, mse_mistakes
from bpcourse.grading.spec import (
    Exercise,
    Probe,
    Task,
    array,
    diagnose,
    fail,
    items,
    number,
    sigmoid,
)

# The reference layers and loss live in bpcourse/check/ex03.py (the sandbox can read it).
_REF_LAYERS = """
from bpcourse.check.ex03 import RefLinear, RefReLU, RefSigmoid, ref_forward_backward, ref_mse_loss
"""


# ---- 3.1 Linear --------------------------------------------------------------------------------


def _probe_linear(rng):
    cases = []
    for n_in, n_out, N in [(3, 3, 4), (3, 2, 5), tuple(int(k) for k in rng.integers(2, 7, size=3))]:
        cases.append({"n_in": n_in, "n_out": n_out, "W": rng.normal(size=(n_in, n_out)),
                      "b": rng.normal(size=n_out),
                      "x": rng.normal(size=(N, n_in)), "dout": rng.normal(size=(N, n_out))})
    return Probe('''
out = []
for c in args:
    layer = Linear(c["n_in"], c["n_out"], np.random.default_rng(0))
    layer.params["W"], layer.params["b"] = c["W"].copy(), c["b"].copy()
    y = layer.forward(c["x"].copy())
    dx = layer.backward(c["dout"].copy())
    grads = getattr(layer, "grads", None)
    out.append({"out": y, "dx": dx, "grads": dict(grads) if isinstance(grads, dict) else grads})
return out
''', cases)


def _judge_linear(got, cases):
    got = items(got, len(cases), "one result per case")
    for res, c in zip(got, cases, strict=True):
        res = res if isinstance(res, dict) else {}
        x, W, b, dout = c["x"], c["W"], c["b"], c["dout"]
        N, n_in, n_out = x.shape[0], c["n_in"], c["n_out"]
        diagnose(array(res.get("out"), (N, n_out), "forward's output"), x @ W + b, [], "forward's output")
        grads = res.get("grads")
        if not isinstance(grads, dict) or not {"W", "b"} <= set(grads):
            fail("backward must fill self.grads with 'W' and 'b' (one array per entry of self.params), got "
                 f"{str(grads)[:80]}")
        ex_dx, ex_dW, ex_db = dout @ W.T, x.T @ dout, dout.sum(axis=0)
        db = grads["b"]
        if isinstance(db, np.ndarray) and db.shape == (N, n_out):
            fail(f"grads['b'] has shape {db.shape}: sum dout over the batch axis, db = dout.sum(axis=0), "
                 f"shape "
                 f"({n_out},)")
        dx = array(res.get("dx"), (N, n_in), "dx", "dx = dout @ W.T has the shape of x")
        dW = array(grads["W"], (n_in, n_out), "grads['W']", "dW = x.T @ dout has the shape of W, (n_in, "
                                                            "n_out)")
        db = array(db, (n_out,), "grads['b']")
        named = linear_mistakes(ex_dW, ex_db, ex_dx, dout, W)
        diagnose(dW, ex_dW, named["W"], "grads['W']")
        diagnose(db, ex_db, named["b"], "grads['b']")
        diagnose(dx, ex_dx, named["x"], "dx")


# ---- 3.2 ReLU, 3.3 Sigmoid ---------------------------------------------------------------------

_ELEMENTWISE = '''
cls = {name}
out = []
for x, dout in args["cases"]:
    layer = cls()
    x_in = x.copy()
    y = layer.forward(x_in)
    dx = layer.backward(dout.copy())
    out.append({{"out": y, "dx": dx, "x_after": x_in}})
a, b = cls(), cls()
xa, xb = args["two"]
a.forward(xa.copy())
b.forward(xb.copy())
two = [a.backward(np.ones_like(xa)), b.backward(np.ones_like(xb))]
return {{"cases": out, "two": two}}
'''


def _elementwise_cases(rng, scale, zeros):
    cases = []
    for _ in range(3):
        shape = tuple(int(k) for k in rng.integers(2, 6, size=2))
        x = np.round(rng.normal(size=shape) * scale, 3)
        if zeros:
            x.flat[rng.choice(x.size, size=max(1, x.size // 4), replace=False)] = 0.0
        cases.append([x, rng.normal(size=shape)])
    shape = (2, 3)
    two = [np.abs(rng.normal(size=shape)) + 0.5, -np.abs(rng.normal(size=shape)) - 0.5]
    return {"cases": cases, "two": two}


def _probe_relu(rng):
    return Probe(_ELEMENTWISE.format(name="ReLU"), _elementwise_cases(rng, 1.0, zeros=True))


def _elementwise_judge(got, args, fwd, dfdx, mistakes_for, name):
    got = got if isinstance(got, dict) else {}
    res = items(got.get("cases"), len(args["cases"]), "one result per case")
    for r, (x, dout) in zip(res, args["cases"], strict=True):
        r = r if isinstance(r, dict) else {}
        out = array(r.get("out"), x.shape, "forward's output")
        dx = array(r.get("dx"), x.shape, "dx", "dx has the shape of x")
        if not np.array_equal(array(r.get("x_after"), x.shape, "x"), x):
            fail("forward changed its input x in place: compute a new array (np.where, np.maximum), do not "
                 "assign into x")
        diagnose(out, fwd(x), [], "forward's output", rtol=1e-9, atol=1e-12)
        diagnose(dx, dout * dfdx(x), mistakes_for(x, dout), "dx", rtol=1e-9, atol=1e-12)
    two = items(got.get("two"), 2, "two layers' dx")
    xa, xb = args["two"]
    first = array(two[0], xa.shape, "dx of the first of two layers")
    if not np.allclose(dfdx(xa), dfdx(xb)) and np.allclose(first, dfdx(xb)):
        fail(f"the first of two {name} layers answered with the second one's cache: keep the cache on self, "
             "not on the class or in a global")
    diagnose(first, dfdx(xa), [], "dx of the first of two layers")
    diagnose(array(two[1], xb.shape, "dx of the second of two layers"), dfdx(xb), [], "dx of the second "
                                                                                      "layer")


def _judge_relu(got, args):
    relu, mask = (lambda x: np.maximum(x, 0.0)), (lambda x: (x > 0).astype(float))
    _elementwise_judge(got, args, relu, mask, lambda x, d: [
        (d * (x >= 0), "at x = 0 your mask lets the gradient through (x >= 0): ReLU's forward gives 0 there "
                       "and its gradient is taken as 0, so the mask is x > 0"),
        (d * (d > 0), "the mask must come from the forward input x (cached in forward), not from dout: "
                      "dx = dout * (x > 0)"),
        ((x > 0).astype(float), "you returned the mask (x > 0) but forgot to multiply by dout"),
        (d, "you passed dout through everywhere: ReLU blocks the gradient where x ≤ 0"),
        (-d * (x > 0), "dx has the wrong sign"),
    ], "ReLU")


def _probe_sigmoid(rng):
    args = _elementwise_cases(rng, 2.0, zeros=False)
    far = np.array([[0.0, -800.0, 800.0, float(-rng.uniform(700, 900))]])
    args["cases"].append([far, rng.normal(size=(1, 4))])
    return Probe(_ELEMENTWISE.format(name="Sigmoid"), args)


def _judge_sigmoid(got, args):
    def mistakes(x, d):
        s = sigmoid(x)
        return [
            (d, "you forgot the sigmoid derivative factor: dx = dout * σ(x)(1 − σ(x)) (Zhou 5.9)"),
            (s * (1 - s), "you forgot to multiply by dout"),
            (d * x * (1 - x), "you used the input x in x(1 − x); use the cached *output* σ(x): dout·σ(1 − "
                              "σ)"),
            (d * sigmoid(s) * (1 - sigmoid(s)), "you applied the sigmoid twice: backward gets σ(x) from the "
                                                "cache and must use it as it is, dout·σ(1 − σ) (Zhou 5.9), "
                                                "not σ(σ(x))"),
            (-d * s * (1 - s), "dx has the wrong sign: σ'(x) = σ(x)(1 − σ(x)) is positive"),
        ]

    _elementwise_judge(got, args, sigmoid, lambda x: sigmoid(x) * (1 - sigmoid(x)), mistakes, "Sigmoid")


# ---- 3.4 mse -----------------------------------------------------------------------------------


def _probe_mse(rng):
    cases = [[rng.uniform(size=(m, l)), rng.uniform(size=(m, l))]
             for m, l in [(4, 3), tuple(int(k) for k in rng.integers(2, 8, size=2)),
                          (int(rng.integers(2, 9)), 1)]]
    return Probe("return [mse_loss(yhat.copy(), y.copy()) for yhat, y in args]", cases)


def _judge_mse(got, cases):
    got = items(got, len(cases), "one result per case")
    for res, (yhat, y) in zip(got, cases, strict=True):
        m, l = yhat.shape
        E, dy = items(res, 2, "E, dyhat")
        E = number(E, "E")
        dy = array(dy, (m, l), "dyhat", "dyhat has the shape of yhat")
        sq = float(np.sum((yhat - y) ** 2))
        ex_E = 0.5 * sq / m  # Zhou (5.4) per sample, averaged over the m samples as in (5.16)
        diagnose(E, ex_E, mse_mistakes(sq, m, l), "E")
        ex_dy = (yhat - y) / m
        diagnose(dy, ex_dy, dyhat_mistakes(ex_dy, m), "dyhat")


# ---- reference network, for 3.5 and 3.6 --------------------------------------------------------


def _net_grads(P, X, Y, hidden_act):
    """E and the gradients of [W1, b1, W2, b2] for Linear → act → Linear → Sigmoid, E = mse."""
    z1 = X @ P[0] + P[1]
    a1 = np.maximum(z1, 0.0) if hidden_act == "relu" else sigmoid(z1)
    z2 = a1 @ P[2] + P[3]
    out = sigmoid(z2)
    m = X.shape[0]
    E = 0.5 * float(np.sum((out - Y) ** 2)) / m
    d2 = (out - Y) / m * out * (1 - out)
    gW2, gb2 = a1.T @ d2, d2.sum(axis=0)
    da1 = d2 @ P[2].T
    d1 = da1 * (z1 > 0) if hidden_act == "relu" else da1 * a1 * (1 - a1)
    return E, [X.T @ d1, d1.sum(axis=0), gW2, gb2]


def _probe_fb(rng):
    n_in, hidden, m = int(rng.integers(2, 5)), int(rng.integers(3, 7)), int(rng.integers(4, 9))
    X, Y = rng.normal(size=(m, n_in)), rng.uniform(size=(m, 1))
    P = [rng.normal(size=(n_in, hidden)), rng.normal(size=hidden), rng.normal(size=(hidden, 1)),
         rng.normal(size=1)]
    return Probe(_REF_LAYERS + '''
P = args["P"]
rng = np.random.default_rng(0)
layers = [RefLinear(P[0].shape[0], P[0].shape[1], rng), RefSigmoid(), RefLinear(P[2].shape[0], 1, rng),
          RefSigmoid()]
layers[0].params["W"], layers[0].params["b"] = P[0].copy(), P[1].copy()
layers[2].params["W"], layers[2].params["b"] = P[2].copy(), P[3].copy()
with using(forward_backward, mse_loss=ref_mse_loss):
    E = forward_backward(layers, args["X"].copy(), args["Y"].copy())
return {"E": E, "grads": [dict(layers[k].grads) for k in (0, 2)]}
''', {"P": P, "X": X, "Y": Y})


def _judge_fb(got, args):
    got = got if isinstance(got, dict) else {}
    P, X, Y = args["P"], args["X"], args["Y"]
    E_ref, G = _net_grads(P, X, Y, "sigmoid")
    E = number(got.get("E"), "the returned E")
    if not np.isclose(E, E_ref, rtol=1e-9, atol=1e-12):
        fail(f"the returned E should be the mean squared error of the network's output, {E_ref:.6g}; got "
             f"{E:.6g}")
    grads = items(got.get("grads"), 2, "the Linear layers' grads")
    m = X.shape[0]
    for k, (layer, g) in enumerate(zip((0, 2), grads, strict=True)):
        if not isinstance(g, dict) or not {"W", "b"} <= set(g):
            fail(f"layer {layer} (Linear) has no grads['W'] and grads['b']: did backward reach every layer, "
                 f"last "
                 "layer first?")
        for name, ref in (("W", G[2 * k]), ("b", G[2 * k + 1])):
            diagnose(array(g[name], ref.shape, f"layer {layer} grads['{name}']"), ref, [
                (-ref, f"layer {layer} grads['{name}'] has the wrong sign: start backward from dE/dŷ = (ŷ − "
                       f"y)/m"),
                (ref * m, f"layer {layer} grads['{name}'] is m times too large: the loss's 1/m mean is "
                          f"missing"),
            ], f"layer {layer} grads['{name}']", rtol=1e-7, atol=1e-10)


# ---- 3.6 training ------------------------------------------------------------------------------


def _replay(X, Y, hidden, epochs, lr, seed, which="all") -> tuple[list[float], list[np.ndarray]]:
    """The training run the task asks for (full-batch gradient descent from the cell's own
    initialisation); ``which`` names a classic mistake, used only to recognise it."""
    rng = np.random.default_rng(seed)
    n_in, n_out = X.shape[1], Y.shape[1]
    P = [rng.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_in, hidden)), np.zeros(hidden),
         rng.normal(0.0, 1.0 / np.sqrt(hidden), size=(hidden, n_out)), np.zeros(n_out)]
    history = []
    for _ in range(epochs):
        E, G = _net_grads(P, X, Y, "relu")
        history.append(E)
        for k in range(4):
            if which == "all" or (which == "W" and k in (0, 2)) or (which == "last" and k in (2, 3)):
                P[k] = P[k] - lr * G[k]
            elif which == "ascent":
                P[k] = P[k] + lr * G[k]
    return history, P


def _probe_train(rng):
    runs = []
    for _ in range(2):
        m = int(rng.integers(20, 40))
        signs = rng.choice([-1.0, 1.0], size=(m, 2))
        X = signs + rng.normal(0.0, 0.2, size=(m, 2))
        Y = (signs[:, :1] != signs[:, 1:]).astype(float)
        runs.append({"X": X, "Y": Y, "hidden": int(rng.integers(3, 12)), "epochs": int(rng.integers(15, 30)),
                     "lr": float(np.round(rng.uniform(0.3, 2.5), 3)), "seed": int(rng.integers(1, 1000))})
    return Probe(_REF_LAYERS + '''
out = []
with using(train, Linear=RefLinear, ReLU=RefReLU, Sigmoid=RefSigmoid, forward_backward=ref_forward_backward,
           mse_loss=ref_mse_loss):
    for r in args:
        RefLinear.made = []
        hist = train(r["X"].copy(), r["Y"].copy(), hidden=r["hidden"], epochs=r["epochs"], lr=r["lr"],
                     seed=r["seed"])
        out.append({"history": hist, "params": [dict(layer.params) for layer in RefLinear.made]})
return out
''', runs)


def _judge_train(got, runs):
    got = items(got, len(runs), "one result per training run")
    for res, r in zip(got, runs, strict=True):
        res = res if isinstance(res, dict) else {}
        X, Y, hidden, epochs, lr, seed = r["X"], r["Y"], r["hidden"], r["epochs"], r["lr"], r["seed"]
        where = f"train(hidden={hidden}, epochs={epochs}, lr={lr}, seed={seed})"
        hist = array(res.get("history"), (epochs,), f"the history of {where}", "one loss value per epoch")
        ref, P = _replay(X, Y, hidden, epochs, lr, seed)
        if np.allclose(hist, ref, rtol=1e-6, atol=1e-12):
            params = res.get("params")
            if isinstance(params, list) and len(params) == 2 and all(isinstance(p, dict) for p in params):
                finals = [params[0].get("W"), params[0].get("b"), params[1].get("W"), params[1].get("b")]
                for k, (got_p, ref_p) in enumerate(zip(finals, P, strict=True)):
                    name = ("W", "b")[k % 2]
                    got_p = array(got_p, ref_p.shape, f"layer {2 * (k // 2)} params['{name}']")
                    if not np.allclose(got_p, ref_p, rtol=1e-6, atol=1e-10):
                        fail(f"{where}: the losses are right but layer {2 * (k // 2)} params['{name}'] is "
                             f"not "
                             "where the last update leaves it: apply every epoch's update to every parameter")
            continue
        variants = [
            ("W", "only the weights W were updated, not the biases b: update every entry of layer.params"),
            ("last", "only the last Linear layer was updated: loop over every layer and every parameter"),
            ("ascent", "the loss grows: the update is W ← W − lr · grads['W'] (minus: gradient *descent*)"),
        ]
        for which, message in variants:
            if np.allclose(hist, _replay(X, Y, hidden, epochs, lr, seed, which)[0], rtol=1e-6, atol=1e-12):
                fail(f"{where}: {message}")
        for name, alt in (("lr", {"lr": 2.0}), ("hidden", {"hidden": 16}), ("seed", {"seed": 0}),
                          ("epochs", {"epochs": 300})):
            kw = {"hidden": hidden, "epochs": epochs, "lr": lr, "seed": seed, **alt}
            if kw["epochs"] != epochs:
                continue
            if np.allclose(hist, _replay(X, Y, kw["hidden"], epochs, kw["lr"], kw["seed"])[0], rtol=1e-6):
                fail(f"{where}: your train ignores its argument {name} (it behaves as if {name} = "
                     f"{alt[name]})")
        if np.allclose(hist[1:], ref[:-1], rtol=1e-6, atol=1e-12):
            fail(f"{where}: the history is shifted by one: record the loss *before* each update")
        k = int(np.argmax(~np.isclose(hist, ref, rtol=1e-6, atol=1e-12)))
        fail(f"{where}: the loss at epoch {k} is {hist[k]:.6g}, but full-batch gradient descent from the "
             f"cell's "
             f"initialisation gives {ref[k]:.6g}")


EXERCISE = Exercise("ex03_layers", tasks=(
    Task("ex03-linear-test", "3.1", "Linear backward", _probe_linear, _judge_linear),
    Task("ex03-relu-test", "3.2", "ReLU", _probe_relu, _judge_relu),
    Task("ex03-sigmoid-test", "3.3", "Sigmoid layer", _probe_sigmoid, _judge_sigmoid),
    Task("ex03-mse-test", "3.4", "mean squared error", _probe_mse, _judge_mse),
    Task("ex03-forward-backward-test", "3.5", "forward and backward through a network", _probe_fb, _judge_fb),
    Task("ex03-train-test", "3.6", "training a small network", _probe_train, _judge_train),
))
