"""Zhou Zhihua's BP network (机器学习 §5.3): one hidden layer, sigmoid everywhere, thresholds subtracted.

The symbols are the book's, so the code can be read beside it:

    x   (d,)    an input                     输入
    v   (d, q)  input -> hidden weights      输入层到隐层的连接权   v_ih
    γ   (q,)    hidden thresholds            隐层阈值               gamma_h
    α   (q,)    hidden input                 隐层输入               α_h = Σ_i v_ih x_i
    b   (q,)    hidden output                隐层输出               b_h = f(α_h − γ_h)
    w   (q, l)  hidden -> output weights     隐层到输出层的连接权   w_hj
    θ   (l,)    output thresholds            输出层阈值             theta_j
    β   (l,)    output input                 输出层输入             β_j = Σ_h w_hj b_h
    ŷ   (l,)    output                       输出                   ŷ_j = f(β_j − θ_j)        (5.3)

    E_k = ½ Σ_j (ŷ_j − y_j)²   error on one sample (5.4);   E = (1/m) Σ_k E_k   accumulated (5.16)

Because the thresholds are *subtracted*, ∂E_k/∂θ_j = +g_j and ∂E_k/∂γ_h = +e_h, while
∂E_k/∂w_hj = −g_j b_h and ∂E_k/∂v_ih = −e_h x_i. The updates Δ = −η ∂E_k/∂(·) are (5.11)–(5.14).

A batch is a 2-D array: ``X`` of shape (m, d) and ``Y`` of shape (m, l). For a single output
(l = 1), ``Y`` may also be given as a vector (m,), like the labels ``watermelon3()`` returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bpcourse.functional import sigmoid, sigmoid_derivative_from_output
from bpcourse.validate import check_size, count, positive_number, real_number

MODES = ("standard", "accumulated")
MAX_PARAMS = 50_000_000  # a net with more parameters than this (400 MB in float64) is refused
MAX_UPDATES = 10_000_000  # ZhouNet.train refuses more parameter updates than this (minutes of work)


# ---------------------------------------------------------------------------------------------
# The book's quantities, one function each, and the only place each formula is written. For one
# sample the arguments are vectors. For a batch every argument gets a leading sample axis m, g and
# e are computed row by row, and a Δ is the mean over the samples of the per-sample Δ: the step
# −η ∂E/∂(·) for the accumulated error E (5.16).


def g_output(y_hat: np.ndarray, y: np.ndarray) -> np.ndarray:
    """g_j = ŷ_j (1 − ŷ_j)(y_j − ŷ_j) (5.10): minus the error's slope at output j's net input.
    Shapes: y_hat, y (l,) -> (l,), or (m, l) -> (m, l)."""
    return sigmoid_derivative_from_output(y_hat) * (y - y_hat)  # (5.10), with f' = f(1 − f) (5.9)


def e_hidden(b: np.ndarray, w: np.ndarray, g: np.ndarray) -> np.ndarray:
    """e_h = b_h (1 − b_h) Σ_j w_hj g_j (5.15): g sent back through w, times f' at hidden unit h.
    Shapes: b (q,), w (q, l), g (l,) -> (q,); or b (m, q), g (m, l) -> (m, q)."""
    return sigmoid_derivative_from_output(b) * (g @ w.T)  # (5.15), with f' = f(1 − f) (5.9)


def _mean_outer(u: np.ndarray, s: np.ndarray, scale: float) -> np.ndarray:
    """scale · (the mean over samples of the outer products u sᵀ); one sample: scale · u sᵀ."""
    u2, s2 = np.atleast_2d(u), np.atleast_2d(s)
    return u2.T @ (s2 * (scale / s2.shape[0]))  # scale the small factor, not the product


def delta_w(eta: float, g: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Δw_hj = η g_j b_h (5.11). Shapes: g (l,), b (q,) -> (q, l); a batch g (m, l), b (m, q)
    gives the mean over the samples."""
    return _mean_outer(b, g, eta)  # (5.11)


def delta_theta(eta: float, g: np.ndarray) -> np.ndarray:
    """Δθ_j = −η g_j (5.12): minus, because θ is subtracted from β. Shape: g (l,) or (m, l) -> (l,)."""
    return -eta * np.atleast_2d(g).mean(axis=0)  # (5.12)


def delta_v(eta: float, e: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Δv_ih = η e_h x_i (5.13). Shapes: e (q,), x (d,) -> (d, q); a batch e (m, q), x (m, d)
    gives the mean over the samples."""
    return _mean_outer(x, e, eta)  # (5.13)


def delta_gamma(eta: float, e: np.ndarray) -> np.ndarray:
    """Δγ_h = −η e_h (5.14): minus, because γ is subtracted from α. Shape: e (q,) or (m, q) -> (q,)."""
    return -eta * np.atleast_2d(e).mean(axis=0)  # (5.14)


@dataclass
class ForwardPass:
    """Everything the forward pass computed, kept for the backward pass (and for students to print).

    For one sample: x (d,), alpha (q,), b (q,), beta (l,), y_hat (l,).
    For a batch every array has a leading axis m: x (m, d), alpha (m, q), ...
    """

    x: np.ndarray
    alpha: np.ndarray
    b: np.ndarray
    beta: np.ndarray
    y_hat: np.ndarray


@dataclass
class History:
    """What ``ZhouNet.train`` did, epoch by epoch (一轮 = one pass over the data).

    ``E[t]`` is the accumulated error E (5.16) on the whole training set after epoch t + 1, and
    ``updates[t]`` the number of parameter updates made so far (standard BP: m per epoch;
    accumulated BP: 1 per epoch). ``E0`` is E before training. It behaves like the list ``E``:
    ``len(history)``, ``history[-1]``, ``for E in history`` and ``plt.plot(history)`` all work.
    """

    mode: str
    eta: float
    eta_hidden: float
    E0: float
    E: list[float] = field(default_factory=list)
    updates: list[int] = field(default_factory=list)
    stopped_early: bool = False

    def __len__(self) -> int:
        return len(self.E)

    def __getitem__(self, i):
        return self.E[i]

    def __iter__(self):
        return iter(self.E)


class ZhouNet:
    """Zhou's d-q-l network. ``ZhouNet(d, q, l, seed=0)``.

    Parameters (all float64, drawn uniformly from (0, 1) as the book does, in this order from
    ``np.random.default_rng(seed)``): ``v`` (d, q), ``gamma`` (q,), ``w`` (q, l), ``theta`` (l,).

    Refuses (ValueError, naming the argument and the shape it expected): sizes that are not
    positive integers; inputs of the wrong width, empty, complex, boolean, text or not finite;
    targets of the wrong shape or outside [0, 1]; learning rates that are not finite numbers > 0;
    parameters that are not finite (``from_params``).
    """

    def __init__(self, d: int, q: int, l: int, seed: int = 0) -> None:
        self.d = count(d, "ZhouNet d")
        self.q = count(q, "ZhouNet q")
        self.l = count(l, "ZhouNet l")
        check_size(self.d * self.q + self.q + self.q * self.l + self.l, MAX_PARAMS,
                   f"ZhouNet({self.d}, {self.q}, {self.l}) would have parameters", "zhou.MAX_PARAMS",
                   "Zhou's networks are small; check d, q and l.")
        rng = np.random.default_rng(seed)
        self.v = rng.uniform(0.0, 1.0, size=(self.d, self.q))
        self.gamma = rng.uniform(0.0, 1.0, size=self.q)
        self.w = rng.uniform(0.0, 1.0, size=(self.q, self.l))
        self.theta = rng.uniform(0.0, 1.0, size=self.l)

    @classmethod
    def from_params(cls, v, gamma, w, theta) -> ZhouNet:
        """A net with the given parameters (copied): v (d, q), gamma (q,), w (q, l), theta (l,)."""
        arrays = {}
        for name, a in (("v", v), ("gamma", gamma), ("w", w), ("theta", theta)):
            arrays[name] = _real_array(a, f"ZhouNet.from_params {name}")
        v, gamma, w, theta = arrays.values()
        if v.ndim != 2 or w.ndim != 2 or 0 in v.shape or 0 in w.shape:
            raise ValueError(f"ZhouNet.from_params expected non-empty 2-D v and w, got shapes {v.shape} "
                             f"and {w.shape}")
        d, q = v.shape
        l = w.shape[1]
        for name, a, shape in (("gamma", gamma, (q,)), ("w", w, (q, l)), ("theta", theta, (l,))):
            if a.shape != shape:
                raise ValueError(f"ZhouNet.from_params expected {name} of shape {shape}, got {a.shape}")
        net = cls(d, q, l)
        net.v, net.gamma, net.w, net.theta = v, gamma, w, theta
        return net

    def copy(self) -> ZhouNet:
        """An independent copy (same parameters), e.g. to train one initial net two ways."""
        return ZhouNet.from_params(self.v, self.gamma, self.w, self.theta)

    @property
    def params(self) -> dict[str, np.ndarray]:
        """The parameter arrays themselves (not copies): {'v', 'gamma', 'w', 'theta'}."""
        return {"v": self.v, "gamma": self.gamma, "w": self.w, "theta": self.theta}

    def __repr__(self) -> str:
        return f"ZhouNet(d={self.d}, q={self.q}, l={self.l})"

    # --- checking what the student passed in -----------------------------------------------------

    def inputs(self, X, where: str = "ZhouNet") -> np.ndarray:
        """``X`` checked against this net: a float64 array x (d,) or X (m, d) with m ≥ 1, finite.
        ``where`` names the caller in the error message."""
        X = _real_array(X, f"{where} X")
        if not (X.shape == (self.d,) or (X.ndim == 2 and X.shape[1] == self.d)):
            raise ValueError(
                f"{where} expected x of shape (d,) = ({self.d},) or X of shape (m, d) = (m, {self.d}), "
                f"got {X.shape}"
            )
        if X.ndim == 2 and X.shape[0] == 0:
            raise ValueError(f"{where} got no samples: X has shape {X.shape}")
        return X

    def dataset(self, X, Y, where: str = "ZhouNet") -> tuple[np.ndarray, np.ndarray]:
        """``(X, Y)`` checked against this net and each other, as float64 arrays in the layout of
        the net's output: x (d,) with y (l,), or X (m, d) with Y (m, l). For l = 1, Y may be given
        as labels (m,) (or a number for one x). Targets must lie in [0, 1]."""
        X = self.inputs(X, where)
        Y = _real_array(Y, f"{where} Y")
        want = (self.l,) if X.ndim == 1 else (X.shape[0], self.l)
        if self.l == 1 and Y.shape == want[:-1]:  # l = 1: labels (m,) or a scalar y are fine
            Y = Y.reshape(want)
        if Y.shape != want:
            extra = " (or (m,) since l = 1)" if self.l == 1 and X.ndim == 2 else ""
            raise ValueError(
                f"{where} expected Y of shape {want}{extra}: one target per output, l = {self.l}; "
                f"got {Y.shape}"
            )
        if not np.all((Y >= 0.0) & (Y <= 1.0)):
            raise ValueError(
                f"{where} expected targets in [0, 1] (a sigmoid output lies in (0, 1) and cannot reach "
                f"them), got values from {Y.min()} to {Y.max()}"
            )
        return X, Y

    # --- forward ---------------------------------------------------------------------------------

    def _forward(self, X: np.ndarray) -> ForwardPass:
        alpha = X @ self.v  # α_h = Σ_i v_ih x_i
        b = sigmoid(alpha - self.gamma)  # b_h = f(α_h − γ_h)
        beta = b @ self.w  # β_j = Σ_h w_hj b_h
        y_hat = sigmoid(beta - self.theta)  # ŷ_j = f(β_j − θ_j)   (5.3)
        return ForwardPass(X, alpha, b, beta, y_hat)

    def forward_all(self, X) -> ForwardPass:
        """Forward pass keeping α, b, β, ŷ. x (d,) or X (m, d); see ``ForwardPass`` for shapes."""
        return self._forward(self.inputs(X, "ZhouNet.forward"))

    def forward(self, X) -> np.ndarray:
        """ŷ: X (m, d) -> (m, l); a single x (d,) -> (l,)."""
        return self.forward_all(X).y_hat

    __call__ = forward

    def error(self, X, Y) -> float:
        """E_k = ½ Σ_j (ŷ_j − y_j)² (5.4) for one x (d,); E = (1/m) Σ_k E_k (5.16) for X (m, d)."""
        X, Y = self.dataset(X, Y, "ZhouNet.error")
        return _error(self._forward(X).y_hat, Y)

    # --- backward: (5.10)-(5.15), applied ----------------------------------------------------------

    def _deltas(self, fp: ForwardPass, Y: np.ndarray, eta: float, eta_hidden: float) -> dict[str, np.ndarray]:
        """The updates (5.11)-(5.14) from a forward pass: one sample's, or the mean over a batch."""
        g = g_output(fp.y_hat, Y)  # (5.10)
        e = e_hidden(fp.b, self.w, g)  # (5.15), with w before this step's update
        return {
            "v": delta_v(eta_hidden, e, fp.x),  # (5.13)
            "gamma": delta_gamma(eta_hidden, e),  # (5.14)
            "w": delta_w(eta, g, fp.b),  # (5.11)
            "theta": delta_theta(eta, g),  # (5.12)
        }

    def _apply(self, deltas: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        for name, delta in deltas.items():
            self.params[name] += delta  # in place: the arrays a caller holds see the change
        return deltas

    def gradients(self, X, Y) -> dict[str, np.ndarray]:
        """∂E/∂v (d, q), ∂E/∂γ (q,), ∂E/∂w (q, l), ∂E/∂θ (l,), as {'v', 'gamma', 'w', 'theta'}.

        For one x (d,) and y (l,) this is the gradient of E_k (5.4); for X (m, d) and Y (m, l) the
        gradient of E = mean of E_k (5.16), i.e. the mean of the per-sample gradients. Since
        Δ = −η ∂E/∂(·), the gradient is the update (5.11)-(5.14) for η = 1 with its sign flipped:
        ∂E_k/∂w_hj = −g_j b_h, ∂E_k/∂θ_j = +g_j, ∂E_k/∂v_ih = −e_h x_i, ∂E_k/∂γ_h = +e_h.
        """
        X, Y = self.dataset(X, Y, "ZhouNet.gradients")
        deltas = self._deltas(self._forward(X), Y, 1.0, 1.0)
        return {name: -delta for name, delta in deltas.items()}

    # --- learning --------------------------------------------------------------------------------

    def standard_step(self, x, y, eta: float = 0.1, eta_hidden: float | None = None) -> dict[str, np.ndarray]:
        """One step of standard BP (Fig. 5.8) on one sample x (d,), y (l,): apply (5.11)–(5.14).

        ``eta`` is η₁ for the output layer (w, θ) and ``eta_hidden`` η₂ for the hidden layer
        (v, γ); by default η₂ = η₁. Returns the updates {'v', 'gamma', 'w', 'theta'} it applied.
        """
        x, y = self.dataset(x, y, "ZhouNet.standard_step")
        if x.ndim != 1:
            raise ValueError(
                f"ZhouNet.standard_step expected one sample x of shape ({self.d},), got {x.shape}"
            )
        eta, eta_hidden = _check_rates(eta, eta_hidden, "ZhouNet.standard_step")
        return self._apply(self._deltas(self._forward(x), y, eta, eta_hidden))

    def accumulated_step(
        self, X, Y, eta: float = 0.1, eta_hidden: float | None = None
    ) -> dict[str, np.ndarray]:
        """One step of accumulated BP: move every parameter by −η ∂E/∂(·), E the mean error (5.16)
        over X (m, d), Y (m, l): the mean over the samples of (5.11)–(5.14). Returns the updates."""
        X, Y = self.dataset(X, Y, "ZhouNet.accumulated_step")
        if X.ndim != 2:
            raise ValueError(f"ZhouNet.accumulated_step expected X of shape (m, {self.d}), got {X.shape}")
        eta, eta_hidden = _check_rates(eta, eta_hidden, "ZhouNet.accumulated_step")
        return self._apply(self._deltas(self._forward(X), Y, eta, eta_hidden))

    def train(
        self,
        X,
        Y,
        eta: float = 0.1,
        epochs: int = 100,
        mode: str = "standard",
        *,
        eta_hidden: float | None = None,
        seed: int | None = 0,
        shuffle: bool = True,
        target_error: float | None = None,
    ) -> History:
        """Train on X (m, d), Y (m, l) (or (m,) when l = 1) for at most ``epochs`` passes.

        mode="standard": standard BP (Fig. 5.8), one update per sample; each epoch visits the samples
        in an order drawn from ``np.random.default_rng(seed)`` (``shuffle=False``: the table's order).
        mode="accumulated": accumulated BP, one update per epoch with the gradient of E (5.16).
        ``eta`` is η₁ (output layer), ``eta_hidden`` η₂ (hidden layer, default η₁). Training stops
        early once E <= ``target_error`` (a number >= 0). Returns a ``History`` (a list of E per
        epoch, plus more).
        """
        if not isinstance(mode, str) or mode not in MODES:
            raise ValueError(f"ZhouNet.train expected mode to be one of {MODES}, got {mode!r}")
        X, Y = self.dataset(X, Y, "ZhouNet.train")
        if X.ndim != 2:
            raise ValueError(f"ZhouNet.train expected X of shape (m, {self.d}), got {X.shape}")
        eta, eta_hidden = _check_rates(eta, eta_hidden, "ZhouNet.train")
        epochs = count(epochs, "ZhouNet.train epochs", minimum=0)
        if target_error is not None:
            target_error = real_number(target_error, "ZhouNet.train target_error")
            if target_error < 0:
                raise ValueError(f"ZhouNet.train expected target_error >= 0 (E is never negative), "
                                 f"got {target_error!r}")
        m = X.shape[0]
        check_size(epochs * (m if mode == "standard" else 1), MAX_UPDATES,
                   f"ZhouNet.train with epochs={epochs:,} would make updates", "zhou.MAX_UPDATES",
                   "Try fewer epochs, or target_error to stop once E is small enough.")
        fp = self._forward(X)
        history = History(mode=mode, eta=eta, eta_hidden=eta_hidden, E0=_error(fp.y_hat, Y))
        rng = np.random.default_rng(seed)
        updates = 0
        for _ in range(epochs):
            if mode == "standard":
                for k in rng.permutation(m) if shuffle else range(m):
                    self._apply(self._deltas(self._forward(X[k]), Y[k], eta, eta_hidden))
                updates += m
            else:
                self._apply(self._deltas(fp, Y, eta, eta_hidden))
                updates += 1
            fp = self._forward(X)  # for E, and the next accumulated step
            history.E.append(_error(fp.y_hat, Y))
            history.updates.append(updates)
            if target_error is not None and history.E[-1] <= target_error:
                history.stopped_early = True
                break
        return history

    # --- using the trained net -------------------------------------------------------------------

    def predict(self, X) -> np.ndarray:
        """Class labels: each output thresholded at 0.5 (1 if ŷ_j >= 0.5). X (m, d) -> (m, l) ints,
        and (m,) when l = 1 so it compares directly with labels such as watermelon3()'s y."""
        labels = (self.forward(X) >= 0.5).astype(int)
        return labels[..., 0] if self.l == 1 else labels

    def accuracy(self, X, Y) -> float:
        """Fraction of samples whose every output, thresholded at 0.5, equals its target (targets
        are thresholded at 0.5 too, so 0/1 labels and one-hot rows both work). X (m, d), Y (m, l)."""
        X, Y = self.dataset(X, Y, "ZhouNet.accuracy")
        right = (self._forward(X).y_hat >= 0.5) == (Y >= 0.5)
        return float(np.mean(np.all(right, axis=-1)))


def _error(y_hat: np.ndarray, Y: np.ndarray) -> float:
    """E_k = ½ Σ_j (ŷ_j − y_j)² (5.4), averaged over the samples of a batch: E (5.16)."""
    E_k = 0.5 * np.sum((y_hat - Y) ** 2, axis=-1)  # (5.4)
    return float(np.mean(E_k))  # (5.16)


def _real_array(a, name: str) -> np.ndarray:
    """``a`` as a finite float64 array; refuses text, booleans, complex numbers and nan/inf."""
    arr = np.asarray(a)
    if arr.dtype.kind not in "iuf":
        raise ValueError(f"{name} expected real numbers (an int or float array), got dtype {arr.dtype}")
    arr = np.array(arr, dtype=np.float64)  # a copy: the caller's array is never aliased
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} got values that are nan or infinite")
    return arr


def _check_rates(eta, eta_hidden, where: str) -> tuple[float, float]:
    eta_hidden = eta if eta_hidden is None else eta_hidden
    hint = " (a learning rate; the book suggests 0.1)"
    return (positive_number(eta, f"{where} eta", hint),
            positive_number(eta_hidden, f"{where} eta_hidden", hint))


# --- regularisation (正则化), (5.17) ---------------------------------------------------------------


def regularised_error(net: ZhouNet, X, Y, lam: float) -> float:
    """E = λ (1/m) Σ_k E_k + (1 − λ) Σ_i w_i²  (5.17), where w_i runs over every connection weight
    *and* threshold, as the book says. ``lam`` = λ in (0, 1]; λ = 1 is the plain error E (5.16).
    X (m, d), Y (m, l) (or (m,) when l = 1)."""
    lam = _check_lambda(lam, "regularised_error")
    squares = sum(float(np.sum(p * p)) for p in net.params.values())
    return lam * net.error(X, Y) + (1.0 - lam) * squares  # (5.17)


def regularised_gradients(net: ZhouNet, X, Y, lam: float) -> dict[str, np.ndarray]:
    """∂/∂(·) of (5.17): λ ∂E/∂(·) + 2(1 − λ)(·) for (·) in {'v', 'gamma', 'w', 'theta'}, shapes as
    ``net.gradients``. A step of accumulated BP on (5.17) moves every parameter by −η times this."""
    lam = _check_lambda(lam, "regularised_gradients")
    grads = net.gradients(X, Y)
    return {k: lam * grads[k] + 2.0 * (1.0 - lam) * p for k, p in net.params.items()}  # (5.17)


def _check_lambda(lam, where: str) -> float:
    hint = " (λ of (5.17), in (0, 1])"
    x = real_number(lam, f"{where} lam", hint=hint)
    if not 0.0 < x <= 1.0:
        raise ValueError(f"{where} lam expected a number in (0, 1] (λ of (5.17)), got {lam!r}")
    return x
