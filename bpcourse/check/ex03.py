"""Checks for exercise 3, layers in the vectorised API, x of shape (N, n_in) (after lectures 03–05)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bpcourse.i18n import _

from ._task import Task, close, numgrad, sigmoid, using


def _layer_grads(t: Task, layer: object) -> dict:
    __tracebackhide__ = True
    grads = getattr(layer, "grads", None)
    if not isinstance(grads, dict) or not {"W", "b"} <= set(grads):
        t.fail("backward must fill self.grads with 'W' and 'b' (one array per entry of self.params), "
               f"got {grads!r}")
    return grads


def linear_mistakes(ex_dW: np.ndarray, ex_db: np.ndarray, ex_dx: np.ndarray, dout: np.ndarray,
                    W: np.ndarray) -> dict[str, list[tuple[np.ndarray, str]]]:
    """For dW, db and dx of a Linear layer ("W", "b", "x"): the classic slips, given the right
    values, each with what to tell the student."""
    N = dout.shape[0]
    n_in, n_out = W.shape
    dx = [(-ex_dx, "dx has the wrong sign: dx = dout @ W.T")]
    if n_in == n_out:
        dx.insert(0, (dout @ W, "dx uses W where it needs W.T: dx = dout @ W.T "
                                "(a transposed-shapes mistake that only a square W hides)"))
    return {
        "W": [(ex_dW.T, "grads['W'] is transposed: W has shape (n_in, n_out), "
                        "so dW = x.T @ dout (not dout.T @ x)"),
              (ex_dW / N, "grads['W'] is divided by N: the layer should not average; "
                          "the loss already did (dW = x.T @ dout)"),
              (-ex_dW, "grads['W'] has the wrong sign: dW = x.T @ dout")],
        "b": [(ex_db / N, "grads['b'] is the mean of dout over the batch; it must be the sum "
                          "(each sample adds its own contribution): db = dout.sum(axis=0)"),
              (-ex_db, "grads['b'] has the wrong sign: db = dout.sum(axis=0)")],
        "x": dx,
    }


def check_linear(Linear: type) -> None:
    """Task 3.1: ``Linear.backward(dout)`` returns dx and fills ``grads['W']``, ``grads['b']``."""
    t = Task("3.1", "Linear backward")
    rng = np.random.default_rng(51)
    for n_in, n_out, N in [(3, 3, 4), (3, 2, 5)]:
        layer = t.call(Linear, n_in, n_out, rng=np.random.default_rng(0), what="Linear(...)")
        W = rng.normal(size=(n_in, n_out))
        b = rng.normal(size=n_out)
        layer.params["W"], layer.params["b"] = W.copy(), b.copy()
        x = rng.normal(size=(N, n_in))
        dout = rng.normal(size=(N, n_out))
        t.call(layer.forward, x.copy(), what="Linear.forward")
        dx = t.call(layer.backward, dout.copy(), what="Linear.backward")
        grads = _layer_grads(t, layer)
        # The scalar L = sum(out * dout) has ∂L/∂out = dout: its finite differences are the reference.
        L = lambda x_, W_, b_, dout=dout: float(np.sum((x_ @ W_ + b_) * dout))  # noqa: E731
        ex_dx = numgrad(lambda a: L(a, W, b), x.copy())  # noqa: B023
        ex_dW = numgrad(lambda a: L(x, a, b), W.copy())  # noqa: B023
        ex_db = numgrad(lambda a: L(x, W, a), b.copy())  # noqa: B023
        db = np.asarray(grads["b"], dtype=np.float64)
        if db.shape == (N, n_out):
            t.fail(_("grads['b'] has shape {got}: sum dout over the batch axis, db = dout.sum(axis=0), "
                     "shape ({n},)").format(got=db.shape, n=n_out))
        dx = t.array("dx", dx, (N, n_in), "dx = dout @ W.T has the shape of x")
        dW = t.array("grads['W']", grads["W"], (n_in, n_out),
                    "dW = x.T @ dout has the shape of W, (n_in, n_out)")
        db = t.array("grads['b']", db, (n_out,))
        named = linear_mistakes(ex_dW, ex_db, ex_dx, dout, W)
        t.diagnose(dW, ex_dW, named["W"], "grads['W']")
        t.diagnose(db, ex_db, named["b"], "grads['b']")
        t.diagnose(dx, ex_dx, named["x"], "dx")
    t.ok()


def _elementwise_layer(t, cls, x, dout):
    layer = t.call(cls, what=f"{getattr(cls, '__name__', 'layer')}()")
    out = t.call(layer.forward, x.copy(), what=f"{type(layer).__name__}.forward")
    dx = t.call(layer.backward, dout.copy(), what=f"{type(layer).__name__}.backward")
    return (t.array("forward's output", out, x.shape),
            t.array("dx", dx, x.shape, "dx has the shape of x"))


def check_relu(ReLU: type) -> None:
    """Task 3.2: ``ReLU``: forward max(0, x), backward dout where x > 0, else 0."""
    t = Task("3.2", "ReLU")
    rng = np.random.default_rng(52)
    x = rng.normal(size=(5, 4))
    dout = rng.normal(size=(5, 4))
    out, dx = _elementwise_layer(t, ReLU, x, dout)
    if not close(out, np.maximum(x, 0.0)):
        t.fail("forward should return max(0, x) elementwise")
    ex_dx = numgrad(lambda a: float(np.sum(np.maximum(a, 0.0) * dout)), x.copy())
    t.diagnose(dx, ex_dx, [
        (dout * (dout > 0), "the mask must come from the forward input x (cached in forward), "
                            "not from dout: dx = dout * (x > 0)"),
        ((x > 0).astype(float), "you returned the mask (x > 0) but forgot to multiply by dout"),
        (dout, "you passed dout through everywhere: ReLU blocks the gradient where x ≤ 0"),
        (-ex_dx, "dx has the wrong sign"),
    ], "dx")
    # At the kink x = 0 the lecture takes the slope as 0 (forward gives 0 there too).
    x0 = np.array([[-1.0, 0.0, 2.0]])
    out, dx = _elementwise_layer(t, ReLU, x0, np.full((1, 3), 5.0))
    t.diagnose(dx, [[0.0, 0.0, 5.0]], [
        ([[0.0, 5.0, 5.0]], "at x = 0 your mask lets the gradient through (x >= 0); ReLU's forward gives 0 "
                            "there and its slope is taken as 0, so the mask is x > 0"),
    ], "dx at x = [−1, 0, 2]")
    t.ok()


def check_sigmoid_layer(Sigmoid: type) -> None:
    """Task 3.3: ``Sigmoid``: forward σ(x), backward dout·σ(x)(1 − σ(x)) (Zhou 5.9)."""
    t = Task("3.3", "Sigmoid layer")
    rng = np.random.default_rng(53)
    x = rng.normal(size=(4, 3)) * 2
    dout = rng.normal(size=(4, 3))
    out, dx = _elementwise_layer(t, Sigmoid, x, dout)
    s = sigmoid(x)
    if not close(out, s):
        t.fail("forward should return σ(x) = 1/(1 + e^(−x)) elementwise")
    ex_dx = numgrad(lambda a: float(np.sum(sigmoid(a) * dout)), x.copy())
    t.diagnose(dx, ex_dx, [
        (dout, "you forgot the sigmoid derivative factor: dx = dout * σ(x)(1 − σ(x)) (Zhou 5.9)"),
        (s * (1 - s), "you forgot to multiply by dout"),
        (dout * x * (1 - x), "you used the input x in x(1 − x); use the cached *output* σ(x): dout·σ(1 − σ)"),
        (dout * sigmoid(s) * (1 - sigmoid(s)), "you applied the sigmoid twice: backward gets σ(x) from the "
                                               "cache and must use it as it is, dout·σ(1 − σ) (Zhou 5.9)"),
        (-ex_dx, "dx has the wrong sign: σ'(x) = σ(x)(1 − σ(x)) is positive"),
    ], "dx")
    t.ok()


def mse_mistakes(sq: float, m: int, l: int) -> list[tuple[float, str]]:
    """E for the classic slips, given Σ (ŷ − y)² = ``sq`` over m samples of l outputs, with what to say."""
    return [
        (0.5 * sq, "E is missing the 1/m mean: E = (1/m) Σ_k E_k (Zhou 5.16), "
                   "divide by the number of samples"),
        (sq / m, "E is missing the ½ of Zhou (5.4): E_k = ½ Σ_j (ŷ_j − y_j)²"),
        (0.5 * sq / (m * l), "you averaged over every entry (m·l); "
                             "average over the m samples only, the ½ Σ_j sums over the outputs (Zhou 5.4, "
                             "5.16)"),
    ]


def dyhat_mistakes(ex_dy: np.ndarray, m: int) -> list[tuple[np.ndarray, str]]:
    """∂E/∂ŷ for the classic slips, given the right one, with what to say."""
    return [
        (-ex_dy, "dyhat has the wrong sign: ∂E/∂ŷ = (ŷ − y)/m, not (y − ŷ)/m"),
        (ex_dy * m, "dyhat is missing the 1/m mean: ∂E/∂ŷ = (ŷ − y)/m"),
        (2 * ex_dy, "dyhat has an extra factor 2: the ½ in E_k cancels the 2 from the square"),
    ]


def check_mse(mse_loss: Callable) -> None:
    """Task 3.4: ``mse_loss(yhat, y)`` returns ``(E, dyhat)``, E = (1/m) Σ_k ½ Σ_j (ŷ_kj − y_kj)²."""
    t = Task("3.4", "mean squared error")
    rng = np.random.default_rng(54)
    m, l = 4, 3
    yhat, y = rng.uniform(size=(m, l)), rng.uniform(size=(m, l))
    res = t.tuple(t.call(mse_loss, yhat.copy(), y.copy()), 2, "E, dyhat")
    E = t.number("E", res[0])
    dy = t.array("dyhat", res[1], (m, l), "dyhat has the shape of yhat")
    sq = float(np.sum((yhat - y) ** 2))
    ex_E = 0.5 * sq / m  # Zhou (5.4) per sample, averaged over the m samples as in (5.16)
    t.diagnose(E, ex_E, mse_mistakes(sq, m, l), "E")
    ex_dy = numgrad(lambda a: 0.5 * float(np.sum((a - y) ** 2)) / m, yhat.copy())
    t.diagnose(dy, ex_dy, dyhat_mistakes(ex_dy, m), "dyhat")
    t.ok()


# The reference layers and loss: tasks 3.5 and 3.6 run with these in place of yours (a mistake in
# 3.1-3.5 costs that task only). The trusted grader's probes use the same classes in its sandbox.


class RefLinear:
    """The notebook's Linear (same initialisation), remembering every instance made in ``made``."""

    made: list = []

    def __init__(self, n_in: int, n_out: int, rng: np.random.Generator) -> None:
        self.params = {"W": rng.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_in, n_out)), "b": np.zeros(n_out)}
        self.grads: dict = {}
        RefLinear.made.append(self)

    def forward(self, x):
        self.x = x
        return x @ self.params["W"] + self.params["b"]

    def backward(self, dout):
        # Filled in place, as the notebook's Linear does: a train that keeps a reference to
        # layer.grads must see the new arrays.
        self.grads["W"] = self.x.T @ dout
        self.grads["b"] = dout.sum(axis=0)
        return dout @ self.params["W"].T


class RefSigmoid:
    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, x):
        self.out = sigmoid(x)
        return self.out

    def backward(self, dout):
        return dout * self.out * (1 - self.out)


class RefReLU:
    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, x):
        self.mask = x > 0
        return np.where(self.mask, x, 0.0)

    def backward(self, dout):
        return dout * self.mask


def ref_mse_loss(yhat, y):
    """E = ½ Σ (ŷ − y)² / m and dE/dŷ = (ŷ − y) / m."""
    return 0.5 * float(np.sum((yhat - y) ** 2)) / len(y), (yhat - y) / len(y)


def ref_forward_backward(layers, X, Y):
    a = X
    for layer in layers:
        a = layer.forward(a)
    E, d = ref_mse_loss(a, Y)
    for layer in reversed(layers):
        d = layer.backward(d)
    return E


class _RandomLinear(RefLinear):
    """A Linear with every parameter drawn at random (biases too), for task 3.5's gradients."""

    def __init__(self, n_in: int, n_out: int, rng: np.random.Generator) -> None:
        self.params = {"W": rng.normal(size=(n_in, n_out)), "b": rng.normal(size=n_out)}
        self.grads = {}


def check_forward_backward(forward_backward: Callable) -> None:
    """Task 3.5: ``forward_backward(layers, X, Y)`` returns E and fills every layer's grads."""
    t = Task("3.5", "forward and backward through a network")
    rng = np.random.default_rng(55)
    X, Y = rng.normal(size=(6, 2)), rng.uniform(size=(6, 1))
    layers: list[RefLinear | RefSigmoid] = [_RandomLinear(2, 4, rng), RefSigmoid(), _RandomLinear(4, 1, rng),
                                            RefSigmoid()]

    def E_of_params():
        a = X
        for layer in layers:
            a = layer.forward(a)
        return 0.5 * float(np.sum((a - Y) ** 2)) / len(X)

    with using(forward_backward, mse_loss=ref_mse_loss):  # your 3.4 is checked in 3.4 only
        E = t.number("E", t.call(forward_backward, layers, X.copy(), Y.copy()))
    if not close(E, E_of_params()):
        t.fail("the returned E should be the mean squared error of the network's output, "
               f"{E_of_params():.6g}; got {E:.6g}")
    for k, layer in enumerate(layers):
        for name, p in layer.params.items():
            if name not in layer.grads:
                t.fail(_("layer {k} ({kind}) has no grads['{name}']: did backward reach every layer, "
                         "last layer first?").format(
                    k=k, kind="Linear" if isinstance(layer, RefLinear) else "Sigmoid", name=name))
            exp = numgrad(lambda _a: E_of_params(), p)
            got = t.array(f"layer {k} grads['{name}']", layer.grads[name], p.shape)
            t.diagnose(got, exp, [
                (-exp, _("layer {k} grads['{name}'] has the wrong sign: "
                         "start backward from dE/dŷ = (ŷ − y)/m").format(k=k, name=name)),
                (exp * len(X), _("layer {k} grads['{name}'] is m times too large: "
                                 "the loss's 1/m mean is missing").format(k=k, name=name)),
            ], f"layer {k} grads['{name}']", rtol=1e-5, atol=1e-7)
    t.ok()


def _replay(X, Y, hidden, epochs, lr, seed, which=None):
    """The training run the task describes, or one that updates only the parameters ``which`` picks."""
    rng = np.random.default_rng(seed)
    layers = [RefLinear(X.shape[1], hidden, rng), RefReLU(), RefLinear(hidden, Y.shape[1], rng),
              RefSigmoid()]
    history = []
    for _epoch in range(epochs):  # not `_`: that name is the translation function here
        history.append(ref_forward_backward(layers, X, Y))
        for k, layer in enumerate(layers):
            for name in layer.params:
                if which is None or which(k, name):
                    layer.params[name] -= lr * layer.grads[name]
    return np.array(history)


def check_training(train: Callable) -> None:
    """Task 3.6: ``train(X, Y, hidden, epochs, lr, seed)`` returns the per-epoch loss history.

    ``train`` runs with reference layers in place of yours (a mistake in 3.1-3.5 costs that task
    only); its history must be the run the task describes, with every argument honoured and every
    parameter trained: the check replays that run and compares.
    """
    t = Task("3.6", "training a small network")
    rng = np.random.default_rng(56)
    # XOR of the signs: no straight line separates the classes, so the hidden layer has to work.
    signs = rng.choice([-1.0, 1.0], size=(60, 2))
    X = signs + rng.normal(0.0, 0.2, size=(60, 2))
    Y = (signs[:, :1] != signs[:, 1:]).astype(float)
    for hidden, epochs, lr, seed in [(5, 25, 0.7, 3), (8, 30, 1.5, 11)]:
        RefLinear.made = []
        with using(train, Linear=RefLinear, ReLU=RefReLU, Sigmoid=RefSigmoid,
                   forward_backward=ref_forward_backward, mse_loss=ref_mse_loss):
            hist = t.call(train, X.copy(), Y.copy(), hidden=hidden, epochs=epochs, lr=lr, seed=seed)
        hist = t.array("the history", hist, (epochs,), "One loss value per epoch.")
        widths = [layer.params["W"].shape for layer in RefLinear.made]
        if widths and widths[0][1] != hidden:
            t.fail(_("train(hidden={hidden}) built a hidden layer of width {width}: "
                     "use the argument hidden").format(hidden=hidden, width=widths[0][1]))
        args = (X, Y, hidden, epochs, lr, seed)
        exp = _replay(*args)
        if close(hist, exp, rtol=1e-6, atol=1e-9):
            continue
        variants = [
            (_replay(X, Y, hidden, epochs, -lr, seed), "the loss goes the wrong way: gradient *descent* is "
                                                       "p ← p − lr · grad"),
            (_replay(X, Y, hidden, epochs, 2.0, seed), _("train ignores its lr argument (lr={lr} here)")
             .format(lr=lr)),
            (_replay(X, Y, hidden, epochs, lr, 0), _("train ignores its seed argument (seed={seed} here): "
                                                     "rng = np.random.default_rng(seed)").format(seed=seed)),
            (_replay(*args, which=lambda k, name: name == "W"), "only the weights W are updated; "
                                                                "the biases b "
                                                                "are parameters too"),
            (_replay(*args, which=lambda k, name: k == 2), "only the last Linear layer is updated; every "
                                                           "layer's parameters must take a step"),
            (_replay(*args, which=lambda k, name: k == 0), "only the first Linear layer is updated; every "
                                                           "layer's parameters must take a step"),
        ]
        t.diagnose(hist, exp, variants, f"the history (hidden={hidden}, lr={lr}, seed={seed})",
                   rtol=1e-6, atol=1e-9)
    t.ok()
