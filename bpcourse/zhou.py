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

MODES = ("standard", "accumulated")


# ---------------------------------------------------------------------------------------------
# The book's quantities, one function each. For one sample the arguments are vectors; for a batch
# g and e get a leading sample axis (m, ·) and the same lines work row by row.


def g_output(y_hat: np.ndarray, y: np.ndarray) -> np.ndarray:
    """g_j = ŷ_j (1 − ŷ_j)(y_j − ŷ_j) (5.10): minus the error's slope at output j's net input.
    Shapes: y_hat, y (l,) -> (l,), or (m, l) -> (m, l)."""
    return sigmoid_derivative_from_output(y_hat) * (y - y_hat)  # (5.10), with f' = f(1 − f) (5.9)


def e_hidden(b: np.ndarray, w: np.ndarray, g: np.ndarray) -> np.ndarray:
    """e_h = b_h (1 − b_h) Σ_j w_hj g_j (5.15): g sent back through w, times f' at hidden unit h.
    Shapes: b (q,), w (q, l), g (l,) -> (q,); or b (m, q), g (m, l) -> (m, q)."""
    return sigmoid_derivative_from_output(b) * (g @ w.T)  # (5.15), with f' = f(1 − f) (5.9)


def delta_w(eta: float, g: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Δw_hj = η g_j b_h (5.11). Shapes: g (l,), b (q,) -> (q, l)."""
    return eta * np.outer(b, g)  # (5.11)


def delta_theta(eta: float, g: np.ndarray) -> np.ndarray:
    """Δθ_j = −η g_j (5.12): minus, because θ is subtracted from β. Shape: g (l,) -> (l,)."""
    return -eta * g  # (5.12)


def delta_v(eta: float, e: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Δv_ih = η e_h x_i (5.13). Shapes: e (q,), x (d,) -> (d, q)."""
    return eta * np.outer(x, e)  # (5.13)


def delta_gamma(eta: float, e: np.ndarray) -> np.ndarray:
    """Δγ_h = −η e_h (5.14): minus, because γ is subtracted from α. Shape: e (q,) -> (q,)."""
    return -eta * e  # (5.14)


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
    """

    def __init__(self, d: int, q: int, l: int, seed: int = 0) -> None:
        for name, n in (("d", d), ("q", q), ("l", l)):
            if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
                raise ValueError(f"ZhouNet expected {name} to be a positive integer, got {n!r}")
        self.d, self.q, self.l = int(d), int(q), int(l)
        rng = np.random.default_rng(seed)
        self.v = rng.uniform(0.0, 1.0, size=(self.d, self.q))
        self.gamma = rng.uniform(0.0, 1.0, size=self.q)
        self.w = rng.uniform(0.0, 1.0, size=(self.q, self.l))
        self.theta = rng.uniform(0.0, 1.0, size=self.l)

    @classmethod
    def from_params(cls, v, gamma, w, theta) -> ZhouNet:
        """A net with the given parameters (copied): v (d, q), gamma (q,), w (q, l), theta (l,)."""
        v, gamma, w, theta = (np.array(a, dtype=np.float64) for a in (v, gamma, w, theta))
        if v.ndim != 2 or w.ndim != 2:
            raise ValueError(f"ZhouNet.from_params expected 2-D v and w, got shapes {v.shape} and {w.shape}")
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

    def _inputs(self, X, where: str) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        if not (X.shape == (self.d,) or (X.ndim == 2 and X.shape[1] == self.d)):
            raise ValueError(
                f"{where} expected x of shape (d,) = ({self.d},) or X of shape (m, d) = (m, {self.d}), "
                f"got {X.shape}"
            )
        if X.ndim == 2 and X.shape[0] == 0:
            raise ValueError(f"{where} got no samples: X has shape {X.shape}")
        if not np.all(np.isfinite(X)):
            raise ValueError(f"{where} got inputs that are nan or infinite")
        return X

    def _targets(self, Y, X: np.ndarray, where: str) -> np.ndarray:
        """Y in the same layout as the network's output: (l,) for one x, (m, l) for a batch."""
        Y = np.asarray(Y, dtype=np.float64)
        want = (self.l,) if X.ndim == 1 else (X.shape[0], self.l)
        if self.l == 1 and Y.shape == want[:-1]:  # l = 1: labels (m,) or a scalar y are fine
            Y = Y.reshape(want)
        if Y.shape != want:
            extra = " (or (m,) since l = 1)" if self.l == 1 and X.ndim == 2 else ""
            raise ValueError(
                f"{where} expected Y of shape {want}{extra}: one target per output, l = {self.l}; "
                f"got {Y.shape}"
            )
        if not np.all((Y >= 0.0) & (Y <= 1.0)):  # also catches nan
            raise ValueError(
                f"{where} expected targets in [0, 1] (a sigmoid output lies in (0, 1) and cannot reach "
                f"them), got values from {np.nanmin(Y)} to {np.nanmax(Y)}"
            )
        return Y

    # --- forward ---------------------------------------------------------------------------------

    def forward_all(self, X) -> ForwardPass:
        """Forward pass keeping α, b, β, ŷ. x (d,) or X (m, d); see ``ForwardPass`` for shapes."""
        X = self._inputs(X, "ZhouNet.forward")
        alpha = X @ self.v  # α_h = Σ_i v_ih x_i
        b = sigmoid(alpha - self.gamma)  # b_h = f(α_h − γ_h)
        beta = b @ self.w  # β_j = Σ_h w_hj b_h
        y_hat = sigmoid(beta - self.theta)  # ŷ_j = f(β_j − θ_j)   (5.3)
        return ForwardPass(X, alpha, b, beta, y_hat)

    def forward(self, X) -> np.ndarray:
        """ŷ: X (m, d) -> (m, l); a single x (d,) -> (l,)."""
        return self.forward_all(X).y_hat

    __call__ = forward

    def error(self, X, Y) -> float:
        """E_k = ½ Σ_j (ŷ_j − y_j)² (5.4) for one x (d,); E = (1/m) Σ_k E_k (5.16) for X (m, d)."""
        X = self._inputs(X, "ZhouNet.error")
        Y = self._targets(Y, X, "ZhouNet.error")
        E_k = 0.5 * np.sum((self.forward(X) - Y) ** 2, axis=-1)  # (5.4)
        return float(np.mean(E_k))  # (5.16)

    # --- backward --------------------------------------------------------------------------------

    def gradients(self, X, Y) -> dict[str, np.ndarray]:
        """∂E/∂v (d, q), ∂E/∂γ (q,), ∂E/∂w (q, l), ∂E/∂θ (l,), as {'v', 'gamma', 'w', 'theta'}.

        For one x (d,) and y (l,) this is the gradient of E_k (5.4); for X (m, d) and Y (m, l) the
        gradient of E = mean of E_k (5.16), i.e. the mean of the per-sample gradients.
        """
        X = self._inputs(X, "ZhouNet.gradients")
        Y = self._targets(Y, X, "ZhouNet.gradients")
        fp = self.forward_all(X)
        if X.ndim == 1:
            g = g_output(fp.y_hat, Y)  # (5.10)
            e = e_hidden(fp.b, self.w, g)  # (5.15)
            return {
                "v": -np.outer(X, e),  # ∂E_k/∂v_ih = −e_h x_i
                "gamma": e,  # ∂E_k/∂γ_h = +e_h
                "w": -np.outer(fp.b, g),  # ∂E_k/∂w_hj = −g_j b_h
                "theta": g,  # ∂E_k/∂θ_j = +g_j
            }
        m = X.shape[0]
        G = g_output(fp.y_hat, Y)  # (m, l): g_j for every sample
        Eh = e_hidden(fp.b, self.w, G)  # (m, q): e_h for every sample
        return {
            "v": X.T @ (Eh * (-1.0 / m)),  # mean over k of −e_h x_i
            "gamma": Eh.mean(axis=0),
            "w": fp.b.T @ (G * (-1.0 / m)),  # mean over k of −g_j b_h
            "theta": G.mean(axis=0),
        }

    # --- learning --------------------------------------------------------------------------------

    def standard_step(self, x, y, eta: float = 0.1, eta_hidden: float | None = None) -> dict[str, np.ndarray]:
        """One step of standard BP (Fig. 5.8) on one sample x (d,), y (l,): apply (5.11)–(5.14).

        ``eta`` is η₁ for the output layer (w, θ) and ``eta_hidden`` η₂ for the hidden layer
        (v, γ); by default η₂ = η₁. Returns the updates {'v', 'gamma', 'w', 'theta'} it applied.
        """
        x = self._inputs(x, "ZhouNet.standard_step")
        if x.ndim != 1:
            raise ValueError(
                f"ZhouNet.standard_step expected one sample x of shape ({self.d},), got {x.shape}"
            )
        y = self._targets(y, x, "ZhouNet.standard_step")
        eta, eta_hidden = _check_rates(eta, eta_hidden, "ZhouNet.standard_step")
        fp = self.forward_all(x)
        g = g_output(fp.y_hat, y)  # (5.10)
        e = e_hidden(fp.b, self.w, g)  # (5.15), with w before this step's update
        deltas = {
            "w": delta_w(eta, g, fp.b),  # (5.11)
            "theta": delta_theta(eta, g),  # (5.12)
            "v": delta_v(eta_hidden, e, x),  # (5.13)
            "gamma": delta_gamma(eta_hidden, e),  # (5.14)
        }
        for name, delta in deltas.items():
            self.params[name] += delta
        return deltas

    def accumulated_step(
        self, X, Y, eta: float = 0.1, eta_hidden: float | None = None
    ) -> dict[str, np.ndarray]:
        """One step of accumulated BP: move every parameter by −η ∂E/∂(·), E the mean error (5.16)
        over X (m, d), Y (m, l). Returns the updates applied."""
        eta, eta_hidden = _check_rates(eta, eta_hidden, "ZhouNet.accumulated_step")
        X = self._inputs(X, "ZhouNet.accumulated_step")
        if X.ndim != 2:
            raise ValueError(f"ZhouNet.accumulated_step expected X of shape (m, {self.d}), got {X.shape}")
        Y = self._targets(Y, X, "ZhouNet.accumulated_step")
        b, y_hat = self._forward_fast(X)
        deltas = self._accumulated_deltas(X, Y, b, y_hat, eta, eta_hidden)
        for name, delta in deltas.items():
            self.params[name] += delta
        return deltas

    def _accumulated_deltas(self, X, Y, b, y_hat, eta: float, eta_hidden: float) -> dict[str, np.ndarray]:
        """−η ∂E/∂(·) for every parameter, i.e. η times the mean over the samples of (5.11)–(5.14),
        from a checked batch and its forward pass (b (m, q), y_hat (m, l))."""
        m = X.shape[0]
        G = g_output(y_hat, Y)  # (m, l): (5.10) for every sample
        Eh = e_hidden(b, self.w, G)  # (m, q): (5.15) for every sample
        G *= eta / m  # scale the small (m, ·) factors, not the (d, q) products
        Eh *= eta_hidden / m
        return {
            "w": b.T @ G,  # Σ_k η/m · g_j b_h      (5.11)
            "theta": -G.sum(axis=0),  # Σ_k −η/m · g_j   (5.12)
            "v": X.T @ Eh,  # Σ_k η/m · e_h x_i    (5.13)
            "gamma": -Eh.sum(axis=0),  # Σ_k −η/m · e_h  (5.14)
        }

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
        early once E <= ``target_error``. Returns a ``History`` (a list of E per epoch, plus more).
        """
        if mode not in MODES:
            raise ValueError(f"ZhouNet.train expected mode to be one of {MODES}, got {mode!r}")
        X = self._inputs(X, "ZhouNet.train")
        if X.ndim != 2:
            raise ValueError(f"ZhouNet.train expected X of shape (m, {self.d}), got {X.shape}")
        Y = self._targets(Y, X, "ZhouNet.train")
        eta, eta_hidden = _check_rates(eta, eta_hidden, "ZhouNet.train")
        if isinstance(epochs, bool) or not isinstance(epochs, int | np.integer) or epochs < 0:
            raise ValueError(f"ZhouNet.train expected epochs to be an integer >= 0, got {epochs!r}")
        m = X.shape[0]
        history = History(mode=mode, eta=eta, eta_hidden=eta_hidden, E0=self.error(X, Y))
        rng = np.random.default_rng(seed)
        updates = 0
        b, y_hat = self._forward_fast(X)
        for _ in range(epochs):
            if mode == "standard":
                order = rng.permutation(m) if shuffle else range(m)
                for k in order:
                    self._standard_step_fast(X[k], Y[k], eta, eta_hidden)
                updates += m
            else:
                for name, delta in self._accumulated_deltas(X, Y, b, y_hat, eta, eta_hidden).items():
                    self.params[name] += delta
                updates += 1
            b, y_hat = self._forward_fast(X)  # also the next accumulated step's forward pass
            history.E.append(0.5 * float(np.sum((y_hat - Y) ** 2)) / m)  # E (5.16)
            history.updates.append(updates)
            if target_error is not None and history.E[-1] <= target_error:
                history.stopped_early = True
                break
        return history

    def _forward_fast(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """b and ŷ for an already checked batch X (m, d): the forward pass inside ``train``."""
        b = sigmoid(X @ self.v - self.gamma)
        return b, sigmoid(b @ self.w - self.theta)

    def _standard_step_fast(self, x: np.ndarray, y: np.ndarray, eta: float, eta_hidden: float) -> None:
        """``standard_step`` without the checks: the inner loop of ``train`` (already checked)."""
        b = sigmoid(x @ self.v - self.gamma)  # b_h = f(α_h − γ_h)
        y_hat = sigmoid(b @ self.w - self.theta)  # ŷ_j = f(β_j − θ_j)
        g = y_hat * (1.0 - y_hat) * (y - y_hat)  # (5.10)
        e = b * (1.0 - b) * (self.w @ g)  # (5.15), before w changes
        eta_g, eta_e = eta * g, eta_hidden * e
        self.w += b[:, None] * eta_g  # (5.11), the outer product b gᵀ without np.outer's overhead
        self.theta -= eta_g  # (5.12)
        self.v += x[:, None] * eta_e  # (5.13)
        self.gamma -= eta_e  # (5.14)

    # --- using the trained net -------------------------------------------------------------------

    def predict(self, X) -> np.ndarray:
        """Class labels: each output thresholded at 0.5 (1 if ŷ_j >= 0.5). X (m, d) -> (m, l) ints,
        and (m,) when l = 1 so it compares directly with labels such as watermelon3()'s y."""
        labels = (self.forward(X) >= 0.5).astype(int)
        return labels[..., 0] if self.l == 1 else labels

    def accuracy(self, X, Y) -> float:
        """Fraction of samples whose every output, thresholded at 0.5, equals its target (targets
        are thresholded at 0.5 too, so 0/1 labels and one-hot rows both work). X (m, d), Y (m, l)."""
        X = self._inputs(X, "ZhouNet.accuracy")
        Y = self._targets(Y, X, "ZhouNet.accuracy")
        right = (self.forward(X) >= 0.5) == (Y >= 0.5)
        return float(np.mean(np.all(right, axis=-1)))


def _check_rates(eta, eta_hidden, where: str) -> tuple[float, float]:
    eta_hidden = eta if eta_hidden is None else eta_hidden
    for name, rate in (("eta", eta), ("eta_hidden", eta_hidden)):
        is_number = isinstance(rate, int | float | np.floating) and not isinstance(rate, bool)
        if not (is_number and np.isfinite(rate) and rate > 0):
            raise ValueError(
                f"{where} expected a learning rate {name} > 0 (the book suggests 0.1), got {rate!r}"
            )
    return float(eta), float(eta_hidden)
