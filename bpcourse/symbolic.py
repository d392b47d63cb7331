"""Zhou's four partial derivatives (机器学习 §5.3), derived by sympy rather than by hand.

The trick that keeps this fast: we never write out a whole d-q-l network. Each partial is taken on
a *generic unit* — the few symbols the parameter actually touches — so the work is the same for a
2-2-1 net and a 19-5-1 net:

* for w_hj and θ_j, only output j depends on them. Write β_j = w_hj b_h + r_hj, where
  r_hj = Σ_{h'≠h} w_h'j b_h' is "the rest of β_j", a symbol that does not contain w_hj;
* for v_ih and γ_h, hidden unit h feeds every output, so E_k keeps its sum over j (a sympy ``Sum``
  with a symbolic upper limit l), and α_h = v_ih x_i + a_ih with a_ih = Σ_{i'≠i} v_i'h x_i'.

The sigmoid is the sympy function ``f`` below. Its derivative rule f' = f(1 − f) (5.9) is *proved*
first, from f(z) = 1/(1 + e^(−z)); after that sympy's chain rule uses it, which is exactly how the
book argues, and keeps every expression a polynomial in values of f (so checking is quick).

``derive()`` returns the steps (5.7)–(5.15), each with what sympy computed, the book's closed form
and their simplified difference, which must be 0. ``gradient_functions()`` turns sympy's
derivatives into numpy functions and ``symbolic_gradients(net, X, Y)`` evaluates them on a
``ZhouNet``, for comparison with ``net.gradients`` and with finite differences.
``naive_gradient_function(d, q, l)`` is the slow way (one ``diff`` + ``lambdify`` per parameter of
a fully written-out net), kept for the benchmark.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy as sp

from bpcourse.functional import sigmoid
from bpcourse.validate import check_size, count
from bpcourse.zhou import ZhouNet


class f(sp.Function):  # noqa: N801 - the book's name for the sigmoid
    """Zhou's activation f(z) = 1/(1 + e^(−z)). sympy differentiates it with f' = f(1 − f), the
    identity (5.9) that ``sigmoid_identity()`` proves from the definition."""

    def fdiff(self, argindex=1):
        z = self.args[0]
        return f(z) * (1 - f(z))  # (5.9)

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return 1 / (1 + sp.exp(-z))


# --- the symbols of a generic unit (LaTeX names, so the notebook shows the book's notation) --------
x_i, v_ih, a_ih, gamma_h = sp.symbols(r"x_{i} v_{ih} a_{ih} \gamma_{h}", real=True)
alpha_h, b_h = sp.symbols(r"\alpha_{h} b_{h}", real=True)
w_hj, r_hj, theta_j, y_j = sp.symbols(r"w_{hj} r_{hj} \theta_{j} y_{j}", real=True)
beta_j, y_hat_j, g_j, e_h = sp.symbols(r"\beta_{j} \hat{y}_{j} g_{j} e_{h}", real=True)
E_k, eta = sp.symbols(r"E_{k} \eta", real=True)
E_rest = sp.Symbol(r"E_{\neg j}", real=True)  # the other outputs' terms of E_k
z = sp.Symbol("z", real=True)
# index form for the sum over the outputs j = 1..l (h is fixed: the hidden unit we differentiate at)
j, l = sp.symbols("j l", integer=True, positive=True)
h = sp.Symbol("h", integer=True, positive=True)
w_ = sp.IndexedBase("w")
r_ = sp.IndexedBase("r")
theta_ = sp.IndexedBase(r"\theta")
y_ = sp.IndexedBase("y")
g_ = sp.IndexedBase("g")
y_hat_ = sp.IndexedBase(r"\hat{y}")


def _one_output_error(beta):
    """½ (ŷ_j − y_j)² with ŷ_j = f(β_j − θ_j): output j's share of E_k (5.4)."""
    return sp.Rational(1, 2) * (f(beta - theta_j) - y_j) ** 2


def _hidden_unit_error():
    """Output j's share of E_k written through hidden unit h, in the generic-unit symbols:
    ½ (f(w_hj b_h + r_hj − θ_j) − y_j)² with b_h = f(v_ih x_i + a_ih − γ_h)."""
    b = f(v_ih * x_i + a_ih - gamma_h)
    return sp.Rational(1, 2) * (f(w_hj * b + r_hj - theta_j) - y_j) ** 2


def _indexed(expr):
    """The same expression with the j-dependent symbols as indexed ones (w[h, j], r[j], ...), so it
    can sit inside Σ_j."""
    return expr.subs({w_hj: w_[h, j], r_hj: r_[j], theta_j: theta_[j], y_j: y_[j]})


@dataclass
class Step:
    """One step of the derivation.

    ``statement`` is the book's equation (an ``sp.Eq``); ``derived`` is what sympy computed;
    ``closed_form`` is the book's right-hand side written in the book's symbols; ``difference`` is
    ``derived − closed_form`` with the book's symbols written out (ŷ_j = f(β_j − θ_j), ...) and
    reduced by sympy (``expand``, ``cancel``, else ``simplify``); ``holds`` says it is exactly 0.
    ``update`` is the learning rule that follows, if any.
    """

    equation: str
    text: str
    statement: sp.Eq
    derived: sp.Expr
    closed_form: sp.Expr
    difference: sp.Expr
    update: sp.Eq | None = None

    @property
    def holds(self) -> bool:
        return self.difference == 0

    def _repr_latex_(self) -> str:
        mark = r"\quad\checkmark" if self.holds else r"\quad\text{FAILS}"
        rule = rf",\qquad {sp.latex(self.update, order='none')}" if self.update is not None else ""
        text = rf"\text{{{self.equation}}}\quad {sp.latex(self.statement, order='none')}{rule}{mark}"
        return "$\\displaystyle " + text.replace(r"\frac{d}{d ", r"\frac{\partial}{\partial ") + "$"


def _zero_or_simplified(expr):
    """0 if ``expr`` is identically 0, else its simplified form. Most of our differences are
    polynomials in values of f, which ``expand`` settles at once; (5.9) is a rational function of
    e^(−z), which ``cancel`` settles; ``simplify`` (slow) is the last resort."""
    for settle in (sp.expand, sp.cancel):
        if settle(expr) == 0:
            return sp.Integer(0)
    return sp.simplify(expr)


def _step(equation, text, lhs, derived, closed_form, written_out, update=None) -> Step:
    difference = _zero_or_simplified(derived - written_out)
    return Step(equation, text, sp.Eq(lhs, closed_form), derived, closed_form, difference, update)


def sigmoid_identity() -> Step:
    """(5.9): for f(z) = 1/(1 + e^(−z)), f'(z) = f(z)(1 − f(z)), differentiated from the definition."""
    definition = f(z).rewrite(sp.exp)
    derived = sp.diff(definition, z)
    closed: sp.Expr = f(z) * (1 - f(z))
    return _step(
        "(5.9)", "the sigmoid's derivative, from its definition", sp.Derivative(f(z), z),
        derived, closed, closed.rewrite(sp.exp),
    )


def derive() -> list[Step]:
    """Derive (5.7)–(5.15) with sympy and check each against the book's closed form.

    Returns the steps in the book's order; every ``step.holds`` is True. The cost does not depend
    on d, q or l (see the module docstring); it takes a fraction of a second.
    """
    steps = [sigmoid_identity()]

    # Output layer: E_k = ½(ŷ_j − y_j)² + (the other outputs' terms, which do not contain w_hj or θ_j)
    dE_dyhat = sp.diff(sp.Rational(1, 2) * (y_hat_j - y_j) ** 2 + E_rest, y_hat_j)
    steps.append(_step("(5.7)", "∂E_k/∂ŷ_j, the first factor of the chain rule",
                       sp.Derivative(E_k, y_hat_j), dE_dyhat, y_hat_j - y_j, y_hat_j - y_j))
    dyhat_dbeta = sp.diff(f(beta_j - theta_j), beta_j)
    steps.append(_step("(5.7)", "∂ŷ_j/∂β_j = f'(β_j − θ_j), the second factor, by (5.9)",
                       sp.Derivative(y_hat_j, beta_j), dyhat_dbeta, y_hat_j * (1 - y_hat_j),
                       (y_hat_j * (1 - y_hat_j)).subs(y_hat_j, f(beta_j - theta_j))))
    dbeta_dw = sp.diff(w_hj * b_h + r_hj, w_hj)
    steps.append(_step("(5.8)", "∂β_j/∂w_hj, the third factor (β_j = w_hj b_h + the rest)",
                       sp.Derivative(beta_j, w_hj), dbeta_dw, b_h, b_h))

    output_values = {y_hat_j: f(w_hj * b_h + r_hj - theta_j)}
    g_closed = y_hat_j * (1 - y_hat_j) * (y_j - y_hat_j)
    g_derived = (-dE_dyhat * dyhat_dbeta).subs({y_hat_j: f(beta_j - theta_j)})
    steps.append(_step("(5.10)", "g_j = −∂E_k/∂ŷ_j · ∂ŷ_j/∂β_j", g_j, g_derived, g_closed,
                       g_closed.subs(y_hat_j, f(beta_j - theta_j))))

    E_output = _one_output_error(w_hj * b_h + r_hj) + E_rest
    dE_dw = sp.diff(E_output, w_hj)
    chain = (dE_dyhat * dyhat_dbeta * dbeta_dw).subs({y_hat_j: f(beta_j - theta_j)})
    factors = sp.Mul(
        sp.Derivative(E_k, y_hat_j), sp.Derivative(y_hat_j, beta_j), sp.Derivative(beta_j, w_hj),
        evaluate=False,
    )
    steps.append(_step("(5.7)", "the chain rule: the three factors multiply to ∂E_k/∂w_hj",
                       sp.Derivative(E_k, w_hj), dE_dw, factors, chain.subs(beta_j, w_hj * b_h + r_hj)))
    steps.append(_step("(5.11)", "∂E_k/∂w_hj = −g_j b_h, so Δw_hj = −η ∂E_k/∂w_hj = η g_j b_h",
                       sp.Derivative(E_k, w_hj), dE_dw, -g_j * b_h,
                       (-g_closed * b_h).subs(output_values),
                       sp.Eq(sp.Symbol(r"\Delta w_{hj}"), eta * g_j * b_h)))
    dE_dtheta = sp.diff(E_output, theta_j)
    steps.append(_step("(5.12)", "∂E_k/∂θ_j = +g_j (θ_j is subtracted), so Δθ_j = −η g_j",
                       sp.Derivative(E_k, theta_j), dE_dtheta, g_j, g_closed.subs(output_values),
                       sp.Eq(sp.Symbol(r"\Delta \theta_{j}"), -eta * g_j)))

    # Hidden layer: b_h feeds every output, so E_k = Σ_j ½(f(w_hj b_h + r_hj − θ_j) − y_j)² + terms
    # without b_h. Sums over the same range j = 1..l are equal when their terms are: compare terms.
    def sum_j(term):
        return sp.Sum(_indexed(term), (j, 1, l))

    def sums_difference(derived_sum, closed_term):
        assert isinstance(derived_sum, sp.Sum) and derived_sum.limits == ((j, 1, l),)
        return sp.Sum(_zero_or_simplified(derived_sum.function - _indexed(closed_term)), (j, 1, l)).doit()

    g_hidden = g_closed.subs(y_hat_j, f(w_hj * b_h + r_hj - theta_j))  # g_j with b_h a symbol
    E_of_b = sum_j(_one_output_error(w_hj * b_h + r_hj))
    dE_db = sp.diff(E_of_b, b_h)
    db_dalpha = sp.diff(f(alpha_h - gamma_h), alpha_h)
    e_closed = b_h * (1 - b_h) * sp.Sum(w_[h, j] * g_[j], (j, 1, l))
    e_derived = sp.Sum(-dE_db.function * db_dalpha.subs(f(alpha_h - gamma_h), b_h), (j, 1, l))
    steps.append(Step("(5.15)", "e_h = −∂E_k/∂b_h · ∂b_h/∂α_h = b_h(1 − b_h) Σ_j w_hj g_j",
                      sp.Eq(e_h, e_closed), e_derived, e_closed,
                      sums_difference(e_derived, b_h * (1 - b_h) * w_hj * g_hidden)))

    b_value = f(v_ih * x_i + a_ih - gamma_h)
    g_full = g_hidden.subs(b_h, b_value)
    E_hidden = sum_j(_hidden_unit_error())
    dE_dv = sp.diff(E_hidden, v_ih)
    steps.append(Step("(5.13)", "∂E_k/∂v_ih = −e_h x_i, so Δv_ih = η e_h x_i",
                      sp.Eq(sp.Derivative(E_k, v_ih), -e_h * x_i), dE_dv, -e_h * x_i,
                      sums_difference(dE_dv, -b_value * (1 - b_value) * w_hj * g_full * x_i),
                      sp.Eq(sp.Symbol(r"\Delta v_{ih}"), eta * e_h * x_i)))
    dE_dgamma = sp.diff(E_hidden, gamma_h)
    steps.append(Step("(5.14)", "∂E_k/∂γ_h = +e_h (γ_h is subtracted), so Δγ_h = −η e_h",
                      sp.Eq(sp.Derivative(E_k, gamma_h), e_h), dE_dgamma, e_h,
                      sums_difference(dE_dgamma, b_value * (1 - b_value) * w_hj * g_full),
                      sp.Eq(sp.Symbol(r"\Delta \gamma_{h}"), -eta * e_h)))
    return steps


# --- from symbols to numbers ------------------------------------------------------------------------

OUTPUT_ARGS = (w_hj, b_h, r_hj, theta_j, y_j)
HIDDEN_ARGS = (v_ih, x_i, a_ih, gamma_h, w_hj, r_hj, theta_j, y_j)


def gradient_functions() -> dict[str, Callable[..., np.ndarray]]:
    """sympy's derivatives of one output's share of E_k, as numpy functions (via ``lambdify``).

    'w' and 'theta' take (w_hj, b_h, r_hj, theta_j, y_j); 'v' and 'gamma' take
    (v_ih, x_i, a_ih, gamma_h, w_hj, r_hj, theta_j, y_j) and give output j's term of the sum over
    j. All arguments broadcast like numpy arrays. ``symbolic_gradients`` shows how to call them.
    """
    modules = [{"f": sigmoid}, "numpy"]
    E_output = _one_output_error(w_hj * b_h + r_hj)
    E_hidden = _hidden_unit_error()
    return {
        "w": sp.lambdify(OUTPUT_ARGS, sp.diff(E_output, w_hj), modules),
        "theta": sp.lambdify(OUTPUT_ARGS, sp.diff(E_output, theta_j), modules),
        "v": sp.lambdify(HIDDEN_ARGS, sp.diff(E_hidden, v_ih), modules),
        "gamma": sp.lambdify(HIDDEN_ARGS, sp.diff(E_hidden, gamma_h), modules),
    }


_FUNCTIONS: dict[str, Callable[..., np.ndarray]] | None = None
MAX_BYTES = 2**29  # 512 MiB: symbolic_gradients refuses to allocate more than this by default
ARRAYS_PER_ENTRY = 4  # the (m, d, q, l) arrays alive at once in symbolic_gradients


def symbolic_gradients(
    net: ZhouNet, X, Y, functions=None, max_bytes: int = MAX_BYTES
) -> dict[str, np.ndarray]:
    """∂E/∂v (d, q), ∂E/∂γ (q,), ∂E/∂w (q, l), ∂E/∂θ (l,) from sympy's formulas, on ``net``.

    X (m, d) and Y (m, l) (or (m,) for l = 1) give the gradient of E = mean of E_k; one x (d,), y (l,)
    gives that of E_k. Only α, b and β come from numpy; the derivatives are sympy's. ``functions``
    defaults to ``gradient_functions()``, built once and reused.

    Every (sample, input, hidden unit, output) combination gets its own number, so the memory is
    about 32·m·d·q·l bytes; beyond ``max_bytes`` (512 MiB) it refuses up front with the estimate.
    """
    global _FUNCTIONS
    X, Y = net.dataset(X, Y, "symbolic_gradients")
    X2, Y2 = np.atleast_2d(X), Y.reshape(-1, net.l)
    m = X2.shape[0]
    check_size(ARRAYS_PER_ENTRY * 8 * m * net.d * net.q * net.l,
               count(max_bytes, "symbolic_gradients max_bytes"),
               f"symbolic_gradients on a {net.d}-{net.q}-{net.l} net with m = {m} samples would need bytes",
               "max_bytes", "Use fewer samples at a time, or net.gradients (the same numbers in closed "
               "form).")
    if functions is None:
        if _FUNCTIONS is None:
            _FUNCTIONS = gradient_functions()
        functions = _FUNCTIONS
    v, gamma, w, theta = net.v, net.gamma, net.w, net.theta
    alpha = X2 @ v  # (m, q)
    b = sigmoid(alpha - gamma)  # (m, q)
    beta = b @ w  # (m, l)
    # Axes (sample k, input i, hidden h, output j); r = the rest of β_j, a = the rest of α_h.
    r = beta[:, None, :] - w[None] * b[:, :, None]  # (m, q, l)
    a = alpha[:, None, :] - v[None] * X2[:, :, None]  # (m, d, q)
    out = functions["w"](w[None], b[:, :, None], r, theta, Y2[:, None, :])  # (m, q, l)
    out_theta = functions["theta"](w[None], b[:, :, None], r, theta, Y2[:, None, :])  # same for every h
    hidden_args = (
        v[None, :, :, None], X2[:, :, None, None], a[..., None], gamma[:, None],
        w[None, None], r[:, None], theta, Y2[:, None, None, :],
    )
    dv = functions["v"](*hidden_args).sum(axis=-1)  # Σ_j: (m, d, q)
    dgamma = functions["gamma"](*hidden_args).sum(axis=-1)  # (m, d, q), the same for every i
    return {
        "v": dv.mean(axis=0),
        "gamma": dgamma[:, 0, :].mean(axis=0),
        "w": out.mean(axis=0),
        "theta": out_theta[:, 0, :].mean(axis=0),
    }


MAX_NAIVE_PARAMS = 150  # 8-10-1 (101 parameters) already takes several seconds


def naive_gradient_function(
    d: int, q: int, l: int, max_params: int = MAX_NAIVE_PARAMS
) -> Callable[[ZhouNet, np.ndarray, np.ndarray], dict]:
    """The slow way, for comparison: write out E_k for a whole d-q-l net with one symbol per
    parameter, then ``diff`` and ``lambdify`` once per parameter (d·q + q + q·l + l of them).

    Building takes seconds already for 8-10-1, and grows with the size of the net; nets with more
    than ``max_params`` parameters are refused up front. Returns a function
    ``(net, X, Y) -> {'v', 'gamma', 'w', 'theta'}`` with the same meaning as ``symbolic_gradients``.
    """
    d, q, l = (count(n, f"naive_gradient_function {name}") for n, name in ((d, "d"), (q, "q"), (l, "l")))
    check_size(d * q + q + q * l + l, count(max_params, "naive_gradient_function max_params"),
               f"naive_gradient_function: a {d}-{q}-{l} net has parameters", "max_params",
               "Each one costs a diff and a lambdify of the whole net's error; derive() does not grow.")
    xs = sp.symbols(f"x1:{d + 1}", real=True)
    ys = sp.symbols(f"y1:{l + 1}", real=True)
    V = sp.Matrix(d, q, lambda i, hh: sp.Symbol(f"v{i + 1}_{hh + 1}", real=True))
    G = sp.symbols(f"gamma1:{q + 1}", real=True)
    W = sp.Matrix(q, l, lambda hh, jj: sp.Symbol(f"w{hh + 1}_{jj + 1}", real=True))
    T = sp.symbols(f"theta1:{l + 1}", real=True)

    def sig(u):
        return 1 / (1 + sp.exp(-u))

    b = [sig(sum(V[i, hh] * xs[i] for i in range(d)) - G[hh]) for hh in range(q)]
    y_hat = [sig(sum(W[hh, jj] * b[hh] for hh in range(q)) - T[jj]) for jj in range(l)]
    E = sp.Rational(1, 2) * sum((y_hat[jj] - ys[jj]) ** 2 for jj in range(l))
    params = {"v": list(V), "gamma": list(G), "w": list(W), "theta": list(T)}
    args = (*xs, *ys, *V, *G, *W, *T)
    funcs = {name: [sp.lambdify(args, sp.diff(E, p), "numpy") for p in ps] for name, ps in params.items()}
    shapes = {"v": (d, q), "gamma": (q,), "w": (q, l), "theta": (l,)}

    def gradients(net: ZhouNet, X, Y) -> dict[str, np.ndarray]:
        X, Y = net.dataset(X, Y, "naive gradients")
        X2, Y2 = np.atleast_2d(X), Y.reshape(-1, net.l)
        theta_args = (*net.v.ravel(), *net.gamma, *net.w.ravel(), *net.theta)
        total = {name: np.zeros(shape) for name, shape in shapes.items()}
        for x, y in zip(X2, Y2, strict=True):
            for name, fs in funcs.items():
                total[name] += np.array([fn(*x, *y, *theta_args) for fn in fs]).reshape(shapes[name])
        return {name: t / len(X2) for name, t in total.items()}

    return gradients
