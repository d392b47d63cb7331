"""Layers: the vectorised gates of the second block (a network as composite functions, 复合函数).

Every layer works on a *batch*: ``x`` has shape (N, D), one sample per row. A layer has

- ``params``: a dict of arrays (``{}`` for activations), the w^i of Wu Jianxin's notes;
- ``grads``: a dict with the same keys and shapes, filled by ``backward``;
- ``forward(x) -> out``: computes x^{i+1} from x^i and caches what ``backward`` needs;
- ``backward(dout) -> dx``: gets ∂z/∂x^{i+1} (shape of ``out``), *sets* ``grads`` to ∂z/∂w^i and
  returns ∂z/∂x^i (shape of ``x``). It overwrites ``grads``; it never adds to them.

    layer = Linear(3, 2, seed=0)
    out = layer.forward(x)          # x (N, 3) -> out (N, 2); layer keeps x
    dx = layer.backward(dout)       # dout (N, 2) -> dx (N, 3); layer.grads['W'] (3, 2), ['b'] (2,)

The row convention: ``Linear`` computes ``x @ W + b`` with ``W`` of shape (n_in, n_out). The
lecture writes one sample as a column and ``W x``; our ``W`` is that matrix transposed. The shape
rule of matrix multiplication then reads dW = xᵀ · dout, dx = dout · Wᵀ, db = dout summed over
the batch (the bias was broadcast to every row, and gradients add at forks).

``backward(dout, need_dx=False)`` fills the grads but skips dx and returns None: the first layer
of a network gets data as its input, and nobody needs a gradient for the data.

Losses (``MSELoss``, ``SoftmaxCrossEntropy``, subclasses of ``Loss``) come after the last layer,
x^L -> z: ``forward(x, y)`` returns the number z and ``backward()`` returns ∂z/∂x^L.

Nothing broadcasts silently. Refused with an error that names the layer, the argument and the
shapes: a wrong rank or width, an empty batch, a non-finite value, a dtype that is not real
numbers (text, complex, objects), ``backward`` before ``forward``, a ``dout`` of the wrong shape,
a parameter dtype that is not a float type, labels out of range, and y with another number of
rows than X. Integer or boolean inputs and lists are converted to the layer's float dtype.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from bpcourse import functional as F
from bpcourse.validate import check_size, count, positive_number, real_number

__all__ = [
    "Layer", "Loss", "Linear", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "ELU", "Maxout", "Neuron",
    "MSELoss", "SoftmaxCrossEntropy", "Sequential", "sgd_step", "fit",
]


# --------------------------------------------------------------------------------------------
# Checks shared by every layer: they turn misuse into a message a student can act on.
# --------------------------------------------------------------------------------------------


def _as_batch(x, where: str, width: int | None = None, dtype=None) -> np.ndarray:
    """``x`` as a finite float array of shape (N, width) with N ≥ 1, in ``dtype`` if given (else
    float64 for integers, the array's own float type for floats); raise naming ``where`` otherwise."""
    x = np.asarray(x)
    if x.dtype.kind not in "biuf":
        raise TypeError(f"{where} expected a float array, got dtype {x.dtype}")
    if x.ndim != 2 or (width is not None and x.shape[1] != width):
        expected = f"(N, {width})" if width is not None else "(N, D)"
        hint = ""
        if x.ndim == 1:
            hint = " (one sample? write x[None, :] or x.reshape(1, -1) to make a batch of one)"
        raise ValueError(f"{where} expected x of shape {expected}, got {x.shape}{hint}")
    if x.shape[0] == 0:
        raise ValueError(f"{where} got an empty batch: x has shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError(f"{where} got a non-finite value (nan or inf) in x of shape {x.shape}")
    target = dtype if dtype is not None else (x.dtype if x.dtype.kind == "f" else np.float64)
    if x.dtype != target:
        with np.errstate(over="ignore"):
            x = x.astype(target)
        if not np.isfinite(x).all():
            raise ValueError(f"{where}: x has values beyond the range of the layer's dtype "
                             f"{np.dtype(target)} (largest {np.finfo(target).max:g}); use a wider dtype "
                             "such as np.float64")
    return x


def _check_dout(dout, where: str, shape: tuple[int, ...]) -> np.ndarray:
    """``dout`` as a finite float array of exactly ``shape`` (the shape of the forward output)."""
    dout = np.asarray(dout)
    if dout.dtype.kind in "biu":
        dout = dout.astype(np.float64)
    elif dout.dtype.kind != "f":
        raise TypeError(f"{where} expected a float array dout, got dtype {dout.dtype}")
    if dout.shape != shape:
        raise ValueError(
            f"{where} expected dout of shape {shape} (the shape forward returned), got {dout.shape}"
        )
    if not np.isfinite(dout).all():
        raise ValueError(f"{where} got a non-finite value (nan or inf) in dout")
    return dout


def _finite(a: np.ndarray, where: str, what: str) -> np.ndarray:
    """``a`` if every entry is finite; otherwise say which result overflowed. The computation that
    made ``a`` runs under ``np.errstate(over="ignore", invalid="ignore")``, so this is the one message."""
    if not np.isfinite(a).all():
        raise ValueError(f"{where}: {what} overflows the float range (inputs, dout or parameters are too "
                         "large); scale the data down or lower the learning rate")
    return a



def _no_forward(where: str) -> RuntimeError:
    return RuntimeError(
        f"{where} was called before forward: the layer has nothing cached, and its gradient "
        "depends on the forward values. Call forward first."
    )


MAX_PARAMS = 50_000_000  # a layer with more parameters than this (400 MB in float64) is refused
MAX_FIT_STEPS = 1_000_000  # fit refuses more SGD steps than this (minutes even for a small net)


def _check_param_count(n: int, where: str) -> None:
    check_size(n, MAX_PARAMS, f"{where} would have parameters", "layers.MAX_PARAMS",
               "A course network needs far fewer; check n_in and n_out.")


def _make_rng(rng: np.random.Generator | None, seed: int | None) -> np.random.Generator:
    if rng is not None and seed is not None:
        raise ValueError("give either rng or seed, not both")
    if rng is not None:
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy Generator (np.random.default_rng(seed)), got {rng!r}")
        return rng
    return np.random.default_rng(0 if seed is None else seed)


def _float_dtype(dtype, where: str) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{where} expected a float dtype (np.float64, np.float32), got {dtype!r}") from None
    if dt.kind != "f":
        raise TypeError(f"{where} expected a float dtype (np.float64, np.float32), got {dt}: weights "
                        "drawn from N(0, 2/n_in) do not fit in it")
    return dt


# --------------------------------------------------------------------------------------------
# The layer interface
# --------------------------------------------------------------------------------------------


class Layer:
    """Base class. Subclasses set ``params`` (and matching zero ``grads``) and write ``forward``
    and ``backward``. ``layer(x)`` is ``layer.forward(x)``.

    ``backward(dout, need_dx=True)``: with ``need_dx=False`` a layer fills its grads and returns
    None instead of dx (a layer without parameters then has nothing to do).
    """

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}

    def forward(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, dout: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        raise NotImplementedError

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Linear(Layer):
    """Affine layer ``out = x @ W + b`` (CS231n's ``W x + b`` with one sample per row).

    Parameters: ``W`` of shape (n_in, n_out), ``b`` of shape (n_out,).
    ``W`` starts as N(0, 2/n_in) (He initialisation, which keeps the size of ReLU activations
    roughly the same from layer to layer) and ``b`` as zeros. Pass ``seed`` or ``rng`` for other
    draws; without either, seed 0 is used so that every run gives the same network.

    ``dtype``: a float dtype (float64 by default) for W, b and the computation; x (a list or an
    array of ints or floats) is converted to it, so a float32 batch into a float64 layer gives
    float64, and a value too large for a float16 layer is refused.

    forward: x (N, n_in) -> out (N, n_out); caches x.
    backward: dout (N, n_out) -> dx (N, n_in); grads['W'] = xᵀ dout (n_in, n_out),
    grads['b'] = dout summed over the batch (n_out,). ``backward(dout, need_dx=False)`` fills
    the grads but skips dx and returns None (a first layer, whose input is data, needs no dx).
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        rng: np.random.Generator | None = None,
        seed: int | None = None,
        dtype=np.float64,
    ) -> None:
        super().__init__()
        self.n_in = count(n_in, "Linear n_in")
        self.n_out = count(n_out, "Linear n_out")
        dtype = _float_dtype(dtype, "Linear dtype")
        _check_param_count(self.n_in * self.n_out + self.n_out, f"Linear({self.n_in}, {self.n_out})")
        rng = _make_rng(rng, seed)
        W = rng.normal(0.0, np.sqrt(2.0 / self.n_in), size=(self.n_in, self.n_out)).astype(dtype)
        self.params = {"W": W, "b": np.zeros(self.n_out, dtype=dtype)}
        self.grads = {"W": np.zeros_like(W), "b": np.zeros(self.n_out, dtype=dtype)}
        self.x: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        W, b = self.params["W"], self.params["b"]
        x = _as_batch(x, "Linear.forward", self.n_in, W.dtype)
        self.x = x  # backward needs x: ∂out/∂W is made of x (the multiply gate swaps)
        with np.errstate(over="ignore", invalid="ignore"):
            out = np.dot(x, W)
            out += b  # b is broadcast to every row: one fork per sample
        return _finite(out, "Linear.forward", "x @ W + b")

    def backward(self, dout: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        if self.x is None:
            raise _no_forward("Linear.backward")
        x, W = self.x, self.params["W"]
        dout = _check_dout(dout, "Linear.backward", (x.shape[0], self.n_out)).astype(W.dtype, copy=False)
        with np.errstate(over="ignore", invalid="ignore"):
            self.grads["W"] = np.dot(x.T, dout)  # (n_in, N) · (N, n_out): the shape rule dW = xᵀ dout
            self.grads["b"] = dout.sum(axis=0)  # the forks of the broadcast bias add up
            dx = np.dot(dout, W.T) if need_dx else None  # (N, n_out) · (n_out, n_in): dx = dout Wᵀ
        _finite(self.grads["W"], "Linear.backward", "grads['W'] = xᵀ dout")
        _finite(self.grads["b"], "Linear.backward", "grads['b']")
        return None if dx is None else _finite(dx, "Linear.backward", "dx = dout Wᵀ")

    def __repr__(self) -> str:
        return f"Linear({self.n_in}, {self.n_out})"


# --------------------------------------------------------------------------------------------
# Activation functions (激活函数): elementwise, so their Jacobian is diagonal and backward is
# dout times the local derivative, elementwise.
# --------------------------------------------------------------------------------------------


class Sigmoid(Layer):
    """σ(x) = 1 / (1 + e^(−x)); σ'(x) = σ(x)(1 − σ(x)) (Zhou's 5.9), at most 1/4.

    forward: x (N, D) -> out (N, D); caches out (the derivative needs only the output).
    backward: dout (N, D) -> dx (N, D).
    Stable for any finite x (``functional.sigmoid``).
    """

    def __init__(self) -> None:
        super().__init__()
        self.out: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.out = F.sigmoid(_as_batch(x, "Sigmoid.forward"))
        return self.out

    def backward(self, dout: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        if self.out is None:
            raise _no_forward("Sigmoid.backward")
        if not need_dx:  # no parameters: without dx there is nothing to compute
            return None
        out = self.out
        dout = _check_dout(dout, "Sigmoid.backward", out.shape)
        return dout * F.sigmoid_derivative_from_output(out)  # (5.9)


class Tanh(Layer):
    """tanh(x); tanh'(x) = 1 − tanh²(x).

    forward: x (N, D) -> out (N, D); caches out. backward: dout (N, D) -> dx (N, D).
    np.tanh saturates to ±1 for large |x| instead of overflowing.
    """

    def __init__(self) -> None:
        super().__init__()
        self.out: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.out = F.tanh(_as_batch(x, "Tanh.forward"))
        return self.out

    def backward(self, dout: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        if self.out is None:
            raise _no_forward("Tanh.backward")
        if not need_dx:  # no parameters: without dx there is nothing to compute
            return None
        out = self.out
        dout = _check_dout(dout, "Tanh.backward", out.shape)
        return dout * F.tanh_derivative_from_output(out)


class ReLU(Layer):
    """max(0, x); derivative 1 where x > 0 and 0 elsewhere (we take 0 at the kink x = 0).

    forward: x (N, D) -> out (N, D); caches x. backward: dout (N, D) -> dx (N, D).
    Like the max gate, it routes: dout passes where the input won, and is blocked elsewhere.
    """

    def __init__(self) -> None:
        super().__init__()
        self.x: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = _as_batch(x, "ReLU.forward")
        return F.relu(self.x)

    def backward(self, dout: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        if self.x is None:
            raise _no_forward("ReLU.backward")
        if not need_dx:  # no parameters: without dx there is nothing to compute
            return None
        dout = _check_dout(dout, "ReLU.backward", self.x.shape)
        return dout * F.relu_derivative(self.x)


class LeakyReLU(Layer):
    """x where x > 0, slope·x elsewhere; derivative 1 or slope (slope at the kink x = 0).

    For 0 ≤ slope ≤ 1 this is max(slope·x, x); the lecture's max(0.1x, x) is ``LeakyReLU(0.1)``.
    forward: x (N, D) -> out (N, D); caches x. backward: dout (N, D) -> dx (N, D).
    """

    def __init__(self, slope: float = 0.01) -> None:
        super().__init__()
        self.slope = real_number(slope, "LeakyReLU slope")
        self.x: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = _as_batch(x, "LeakyReLU.forward")
        with np.errstate(over="ignore", invalid="ignore"):
            return _finite(F.leaky_relu(self.x, self.slope), "LeakyReLU.forward", "slope·x")

    def backward(self, dout: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        if self.x is None:
            raise _no_forward("LeakyReLU.backward")
        if not need_dx:  # no parameters: without dx there is nothing to compute
            return None
        dout = _check_dout(dout, "LeakyReLU.backward", self.x.shape)
        with np.errstate(over="ignore", invalid="ignore"):
            dx = dout * F.leaky_relu_derivative(self.x, self.slope)
        return _finite(dx, "LeakyReLU.backward", "slope·dout")

    def __repr__(self) -> str:
        return f"LeakyReLU(slope={self.slope})"


class ELU(Layer):
    """x where x > 0, α(e^x − 1) elsewhere; derivative 1 or α e^x.

    forward: x (N, D) -> out (N, D); caches x. backward: dout (N, D) -> dx (N, D).
    Stable for any finite x (``functional.elu``).
    """

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = real_number(alpha, "ELU alpha")
        self.x: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = _as_batch(x, "ELU.forward")
        with np.errstate(over="ignore", invalid="ignore"):
            return _finite(F.elu(self.x, self.alpha), "ELU.forward", "α(e^x − 1)")

    def backward(self, dout: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        if self.x is None:
            raise _no_forward("ELU.backward")
        if not need_dx:  # no parameters: without dx there is nothing to compute
            return None
        dout = _check_dout(dout, "ELU.backward", self.x.shape)
        with np.errstate(over="ignore", invalid="ignore"):
            return _finite(dout * F.elu_derivative(self.x, self.alpha), "ELU.backward", "α e^x · dout")

    def __repr__(self) -> str:
        return f"ELU(alpha={self.alpha})"


class Maxout(Layer):
    """Maxout (Goodfellow et al. 2013): k affine pieces, and the largest one wins, per unit.

    out[n, j] = max over p of (x @ W[p] + b[p])[n, j]; the lecture's max(w₁ᵀx + b₁, w₂ᵀx + b₂)
    is k = 2. Parameters: ``W`` of shape (k, n_in, n_out), ``b`` of shape (k, n_out), initialised
    like ``Linear``'s.

    forward: x (N, n_in) -> out (N, n_out); caches x and which piece won (N, n_out).
    backward: dout (N, n_out) -> dx (N, n_in); like the max gate, dout goes only to the winning
    piece: grads['W'] (k, n_in, n_out), grads['b'] (k, n_out). Ties go to the lowest p.
    ``backward(dout, need_dx=False)`` fills the grads, skips dx and returns None.
    """

    def __init__(
        self, n_in: int, n_out: int, k: int = 2, rng: np.random.Generator | None = None,
        seed: int | None = None,
    ) -> None:
        super().__init__()
        self.n_in = count(n_in, "Maxout n_in")
        self.n_out = count(n_out, "Maxout n_out")
        self.k = count(k, "Maxout k")
        _check_param_count(self.k * (self.n_in + 1) * self.n_out,
                           f"Maxout({self.n_in}, {self.n_out}, k={self.k})")
        rng = _make_rng(rng, seed)
        W = rng.normal(0.0, np.sqrt(2.0 / self.n_in), size=(self.k, self.n_in, self.n_out))
        self.params = {"W": W, "b": np.zeros((self.k, self.n_out))}
        self.grads = {"W": np.zeros_like(W), "b": np.zeros((self.k, self.n_out))}
        self.x: np.ndarray | None = None
        self.winner: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        W, b = self.params["W"], self.params["b"]
        x = _as_batch(x, "Maxout.forward", self.n_in, W.dtype)
        with np.errstate(over="ignore", invalid="ignore"):
            z = np.matmul(x, W)  # (N, n_in) @ (k, n_in, n_out) -> (k, N, n_out): every piece at once
            z += b[:, None, :]
        _finite(z, "Maxout.forward", "x @ W[p] + b[p]")
        self.x = x
        self.winner = np.argmax(z, axis=0)  # (N, n_out)
        return np.take_along_axis(z, self.winner[None], axis=0)[0]

    def backward(self, dout: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        if self.x is None or self.winner is None:
            raise _no_forward("Maxout.backward")
        x, W = self.x, self.params["W"]
        dout = _check_dout(dout, "Maxout.backward", (x.shape[0], self.n_out))
        # dz[p] = dout where piece p won, 0 elsewhere: the max gate routes.
        dz = (np.arange(self.k)[:, None, None] == self.winner[None]) * dout  # (k, N, n_out)
        with np.errstate(over="ignore", invalid="ignore"):
            self.grads["W"] = np.matmul(x.T, dz)  # each piece's shape rule: xᵀ dz[p]
            self.grads["b"] = dz.sum(axis=1)
            dx = np.matmul(dz, W.transpose(0, 2, 1)).sum(axis=0) if need_dx else None  # Σ_p dz[p] W[p]ᵀ
        _finite(self.grads["W"], "Maxout.backward", "grads['W']")
        _finite(self.grads["b"], "Maxout.backward", "grads['b']")
        return None if dx is None else _finite(dx, "Maxout.backward", "dx")

    def __repr__(self) -> str:
        return f"Maxout({self.n_in}, {self.n_out}, k={self.k})"


# --------------------------------------------------------------------------------------------
# The lecture's single neuron
# --------------------------------------------------------------------------------------------


class Neuron(Layer):
    """One sigmoid neuron: firing rate σ(Σ_i x_i w_i + b).

    Parameters: ``w`` of shape (n_in,), ``b`` of shape () (a 0-d array, so it can be changed in
    place); ``neuron.weights`` and ``neuron.bias`` read them. ``w`` starts as N(0, 1/n_in), b as 0.

    forward: x (n_in,) -> a float, or a batch x (N, n_in) -> out (N,); caches x and out.
    backward: dout (a float, or (N,)) -> dx of the shape of x; grads['w'] (n_in,), grads['b'] ().
    ``backward(dout, need_dx=False)`` fills the grads, skips dx and returns None.
    """

    def __init__(self, n_in: int, rng: np.random.Generator | None = None, seed: int | None = None) -> None:
        super().__init__()
        self.n_in = count(n_in, "Neuron n_in")
        _check_param_count(self.n_in + 1, f"Neuron({self.n_in})")
        rng = _make_rng(rng, seed)
        w = rng.normal(0.0, np.sqrt(1.0 / self.n_in), size=self.n_in)
        self.params = {"w": w, "b": np.zeros(())}
        self.grads = {"w": np.zeros_like(w), "b": np.zeros(())}
        self.x: np.ndarray | None = None
        self.out: np.ndarray | None = None
        self.single = False

    @property
    def weights(self) -> np.ndarray:
        return self.params["w"]

    @property
    def bias(self) -> float:
        return float(self.params["b"])

    def forward(self, x: np.ndarray) -> float | np.ndarray:  # type: ignore[override]  # one x: a float
        x_arr = np.asarray(x)
        self.single = x_arr.ndim == 1
        if self.single and x_arr.shape != (self.n_in,):
            raise ValueError(f"Neuron.forward expected x of shape ({self.n_in},) or (N, {self.n_in}), "
                             f"got {x_arr.shape}")
        x = _as_batch(x_arr[None, :] if self.single else x_arr, "Neuron.forward", self.n_in)
        with np.errstate(over="ignore", invalid="ignore"):
            cell_body_sum = np.dot(x, self.params["w"]) + self.params["b"]  # (N,)
        _finite(cell_body_sum, "Neuron.forward", "Σ_i x_i w_i + b")
        out = F.sigmoid(cell_body_sum)
        self.x, self.out = x, out
        return float(out[0]) if self.single else out

    def backward(self, dout: float | np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        if self.x is None or self.out is None:
            raise _no_forward("Neuron.backward")
        shape = () if self.single else self.out.shape
        dout = _check_dout(dout, "Neuron.backward", shape).reshape(-1)
        dsum = dout * F.sigmoid_derivative_from_output(self.out)  # through the sigmoid (5.9)
        with np.errstate(over="ignore", invalid="ignore"):
            self.grads["w"] = _finite(np.dot(self.x.T, dsum), "Neuron.backward", "grads['w']")
            self.grads["b"] = _finite(np.asarray(dsum.sum()), "Neuron.backward", "grads['b']")
            if not need_dx:
                return None
            dx = _finite(np.outer(dsum, self.params["w"]), "Neuron.backward", "dx")
        return dx[0] if self.single else dx

    def __repr__(self) -> str:
        return f"Neuron({self.n_in})"


# --------------------------------------------------------------------------------------------
# Losses: after the last layer, x^L -> z. forward(x, y) -> a float; backward() -> ∂z/∂x^L.
# --------------------------------------------------------------------------------------------


class Loss:
    """Base class of the losses: ``forward(scores, y)`` -> z (a float) and caches what backward
    needs; ``backward(dout=1.0)`` -> ∂(dout·z)/∂scores, of the shape of ``scores``.
    ``loss(scores, y)`` is ``loss.forward(scores, y)``. A loss has no parameters."""

    def forward(self, scores: np.ndarray, y: np.ndarray) -> float:
        raise NotImplementedError

    def backward(self, dout: float = 1.0) -> np.ndarray:
        raise NotImplementedError

    def __call__(self, scores: np.ndarray, y: np.ndarray) -> float:
        return self.forward(scores, y)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class MSELoss(Loss):
    """The course's squared error E = (1/N) Σ_k E_k with E_k = ½ Σ_j (ŷ_kj − y_kj)².

    This is Zhou's accumulated error (5.16) built from his per-sample error (5.4): a half sum of
    squares over the outputs j, then a mean over the N samples k (not a mean over all N·l
    entries). With N = 1 it is E_k itself.

    forward: yhat (N, l), y (N, l) -> E (a float); caches yhat − y.
    backward(dout=1.0) -> ∂(dout·E)/∂yhat = dout (yhat − y) / N, shape (N, l).
    """

    def __init__(self) -> None:
        self.diff: np.ndarray | None = None

    def forward(self, yhat: np.ndarray, y: np.ndarray) -> float:
        yhat = _as_batch(yhat, "MSELoss.forward")
        y = np.asarray(y)
        if y.shape != yhat.shape:
            raise ValueError(
                f"MSELoss.forward expected y of the same shape as yhat {yhat.shape}, got {y.shape}"
                + (" (write y.reshape(-1, 1) for one output per sample)" if y.ndim == 1 else "")
            )
        y = _as_batch(y, "MSELoss.forward (y)")
        with np.errstate(over="ignore", invalid="ignore"):
            self.diff = _finite(yhat - y, "MSELoss.forward", "yhat − y")
            E = 0.5 * np.sum(self.diff * self.diff) / yhat.shape[0]
        return float(_finite(E, "MSELoss.forward", "½ Σ (yhat − y)²"))

    def backward(self, dout: float = 1.0) -> np.ndarray:
        if self.diff is None:
            raise _no_forward("MSELoss.backward")
        dout = float(_check_dout(dout, "MSELoss.backward", ()))
        return (dout / self.diff.shape[0]) * self.diff



class SoftmaxCrossEntropy(Loss):
    """Softmax followed by the cross-entropy loss, averaged over the batch.

    p_kc = e^{s_kc} / Σ_c' e^{s_kc'};  z = −(1/N) Σ_k log p_{k, y_k}.

    forward: scores (N, C), labels y (N,) of integers in 0..C−1 -> z (a float); caches p.
    backward(dout=1.0) -> dout (p − onehot(y)) / N, shape (N, C).
    Stable for any finite scores (``functional.log_softmax``).
    """

    def __init__(self) -> None:
        self.p: np.ndarray | None = None
        self.y: np.ndarray | None = None

    def forward(self, scores: np.ndarray, y: np.ndarray) -> float:
        scores = _as_batch(scores, "SoftmaxCrossEntropy.forward")
        N, C = scores.shape
        y = np.asarray(y)
        if y.shape != (N,) or y.dtype.kind not in "iu":
            raise ValueError(
                f"SoftmaxCrossEntropy.forward expected integer labels y of shape ({N},), "
                f"got dtype {y.dtype} and shape {y.shape}"
            )
        if y.min() < 0 or y.max() >= C:
            raise ValueError(f"SoftmaxCrossEntropy.forward expected labels in 0..{C - 1}, "
                             f"got values from {y.min()} to {y.max()}")
        log_p = F.log_softmax(scores, axis=1)
        self.p = np.exp(log_p)
        self.y = y
        return float(-log_p[np.arange(N), y].mean())

    def backward(self, dout: float = 1.0) -> np.ndarray:
        if self.p is None or self.y is None:
            raise _no_forward("SoftmaxCrossEntropy.backward")
        dout = float(_check_dout(dout, "SoftmaxCrossEntropy.backward", ()))
        N = self.p.shape[0]
        dscores = self.p.copy()
        dscores[np.arange(N), self.y] -= 1.0
        dscores *= dout / N
        return dscores


# --------------------------------------------------------------------------------------------
# Composition and learning
# --------------------------------------------------------------------------------------------


class Sequential(Layer):
    """Layers applied one after another: x¹ -> layer 1 -> x² -> … -> x^L (Wu's composite view).

    forward(x): x (N, D) -> the last layer's output; each layer keeps what its backward needs.
    backward(dout): dout = ∂z/∂x^L -> ∂z/∂x¹; on the way every layer fills its own grads.
    backward(dout, need_dx=False): the same grads, but ∂z/∂x¹ is not computed and None is
    returned. Training never uses ∂z/∂x¹ (x¹ is data), and for a first ``Linear`` layer it costs
    a whole extra matrix product; PyTorch skips it too for inputs that need no gradient.

    ``params`` and ``grads`` are dicts over all layers, keyed ``"<index>.<name>"`` (e.g.
    ``"0.W"``), holding the layers' own arrays (not copies): changing ``model.params["0.W"]``
    in place changes the first layer. So a Sequential is a layer too and can be nested.
    """

    def __init__(self, layers: Iterable[Layer]) -> None:
        # no Layer.__init__: params and grads are not stored here but gathered from the layers
        self.layers = list(layers)
        for i, layer in enumerate(self.layers):
            if isinstance(layer, Loss):
                raise TypeError("Sequential holds the layers before the loss; call the loss separately: "
                                "z = loss.forward(model.forward(x), y); model.backward(loss.backward())")
            if not isinstance(layer, Layer):
                raise TypeError(f"Sequential expected Layers (subclasses of bpcourse.layers.Layer); "
                                f"item {i} is {layer!r}")

    # A Sequential owns no arrays: its params and grads are its layers', gathered on each access
    # (a layer replaces its grads arrays in every backward).
    @property
    def params(self) -> dict[str, np.ndarray]:  # type: ignore[override]
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.params.items()}

    @property
    def grads(self) -> dict[str, np.ndarray]:  # type: ignore[override]
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.grads.items()}

    def forward(self, x: np.ndarray) -> np.ndarray:
        for layer in self.layers:
            x = layer.forward(x)  # x^{i+1} = layer_i(x^i; w^i)
        return x

    def backward(self, dout: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        for k in reversed(range(len(self.layers))):  # from the loss down; Python's k = 0 is layer 1
            layer = self.layers[k]
            if k == 0 and not need_dx:  # ∂z/∂x¹ is not wanted: only the first layer's grads
                return layer.backward(dout, need_dx=False)  # fills its grads, returns None
            # dout holds ∂z/∂x^{i+1}. The layer sets its grads to ∂z/∂w^i = ∂z/∂x^{i+1} · ∂x^{i+1}/∂w^i
            # and returns ∂z/∂x^i = ∂z/∂x^{i+1} · ∂x^{i+1}/∂x^i, the dout of the layer below it.
            dout = layer.backward(dout)  # type: ignore[assignment]  # need_dx is True: an array
        return dout

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, i: int) -> Layer:
        return self.layers[i]

    def __iter__(self):
        return iter(self.layers)

    def __repr__(self) -> str:
        return "Sequential([" + ", ".join(repr(layer) for layer in self.layers) + "])"


def sgd_step(layers: Layer | Iterable[Layer], eta: float) -> None:
    """One step of gradient descent, w <- w − η ∂z/∂w, for every parameter, in place.

    ``layers`` is a layer (a ``Sequential`` counts as one) or a list of layers whose ``grads``
    were filled by the last ``backward``. ``eta`` is the learning rate η (学习率), > 0.
    """
    eta = positive_number(eta, "sgd_step eta", " (a learning rate)")
    for layer in [layers] if isinstance(layers, Layer) else layers:
        params, grads = layer.params, layer.grads
        for name, p in params.items():
            g = grads[name]
            if g.shape != p.shape:
                raise ValueError(f"sgd_step: {layer!r} has params[{name!r}] of shape {p.shape} "
                                 f"but grads[{name!r}] of shape {g.shape}")
            with np.errstate(over="ignore", invalid="ignore"):
                step = _finite(eta * g, "sgd_step", f"eta × grads[{name!r}]")
            p -= step  # in place, so the layer (and a Sequential's view of it) sees the change


def fit(
    model: Layer, loss: Loss, X: np.ndarray, y: np.ndarray,
    eta: float = 0.1, epochs: int = 100, batch_size: int | None = None, seed: int = 0,
) -> np.ndarray:
    """Train ``model`` with (stochastic) gradient descent; return the loss per epoch (epochs,).

    Each step: z = loss(model(X_batch), y_batch); model.backward(loss.backward(), need_dx=False)
    (training has no use for ∂z/∂X); sgd_step. ``X`` has one sample per row and ``y`` one target
    (row) per sample of X. ``batch_size=None`` uses the whole data set each step (one step per
    epoch); otherwise the rows are shuffled each epoch with ``np.random.default_rng(seed)`` and cut
    into mini-batches. The recorded loss of an epoch is the mean of its steps' losses (before each
    step's update).
    """
    if not isinstance(model, Layer):
        raise TypeError(f"fit expected model to be a Layer (e.g. a Sequential), got {model!r}")
    if not isinstance(loss, Loss):
        raise TypeError(f"fit expected loss to be a Loss (MSELoss(), SoftmaxCrossEntropy()), got {loss!r}")
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 2:
        raise ValueError(f"fit expected X of shape (N, D), one sample per row, got {X.shape}")
    N = X.shape[0]
    if N == 0:
        raise ValueError(f"fit got no samples: X has shape {X.shape}")
    if y.ndim == 0 or y.shape[0] != N:
        raise ValueError(f"fit expected y with one row per sample of X (N = {N}), got y of shape {y.shape}")
    eta = positive_number(eta, "fit eta", " (a learning rate)")
    epochs = count(epochs, "fit epochs")
    batch_size = N if batch_size is None else count(batch_size, "fit batch_size")
    check_size(epochs * -(-N // batch_size), MAX_FIT_STEPS, f"fit with epochs={epochs:,} would take steps",
               "layers.MAX_FIT_STEPS", "Each step is a forward and a backward pass; try fewer epochs.")
    rng = np.random.default_rng(seed)
    history = np.empty(epochs)
    for epoch in range(epochs):
        order = np.arange(N) if batch_size >= N else rng.permutation(N)
        losses = []
        for start in range(0, N, batch_size):
            rows = order[start:start + batch_size]
            losses.append(loss.forward(model.forward(X[rows]), y[rows]))
            model.backward(loss.backward(), need_dx=False)
            sgd_step(model, eta)
        history[epoch] = np.mean(losses)
    return history
