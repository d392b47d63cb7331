"""Checks for exercise 4, Zhou's BP network (机器学习 §5.3), one sample x of shape (d,) and y of
shape (l,) (after lectures 06 and 07)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bpcourse.i18n import _

from ._task import Task, close, numgrad, sigmoid, using


def _zhou_forward(P: dict, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    b = sigmoid(x @ P["v"] - P["gamma"])  # b_h = f(α_h − γ_h)
    yhat = sigmoid(b @ P["w"] - P["theta"])  # ŷ_j = f(β_j − θ_j) (5.3)
    return b, yhat


def _zhou_E(P: dict, X: np.ndarray, Y: np.ndarray) -> float:
    errors = [0.5 * np.sum((_zhou_forward(P, x)[1] - y) ** 2) for x, y in zip(X, Y, strict=True)]
    return float(np.mean(errors))


def _zhou_params(d: int, q: int, l: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)  # Zhou initialises everything in (0, 1)
    return {"v": rng.uniform(size=(d, q)), "gamma": rng.uniform(size=q),
            "w": rng.uniform(size=(q, l)), "theta": rng.uniform(size=l)}


def _fd_params(f: Callable[[dict], float], P: dict) -> dict:
    P = {k: v.copy() for k, v in P.items()}
    return {k: numgrad(lambda _a: f(P), P[k]) for k in P}


def check_output_gradient(output_gradient: Callable) -> None:
    """Task 4.1: g_j = ŷ_j(1 − ŷ_j)(y_j − ŷ_j), Zhou (5.10)."""
    t = Task("4.1", "g_j (5.10)")
    rng = np.random.default_rng(41)
    beta, theta, y = rng.normal(size=3), rng.uniform(size=3), rng.uniform(size=3)
    yhat = sigmoid(beta - theta)
    g = t.array("g", t.call(output_gradient, yhat.copy(), y.copy()), (3,))
    # g_j = −∂E_k/∂β_j, by finite differences of E_k = ½ Σ (f(β − θ) − y)².
    exp = -numgrad(lambda bb: 0.5 * float(np.sum((sigmoid(bb - theta) - y) ** 2)), beta.copy())
    t.diagnose(g, exp, [
        (-exp, "g_j: Zhou (5.10) is ŷ_j(1 − ŷ_j)(y_j − ŷ_j); yours matches (ŷ_j − y_j), the opposite sign. "
               "g_j is *minus* ∂E_k/∂β_j, which is why the updates (5.11)–(5.14) have a plus sign"),
        (y - yhat, "g_j is missing the sigmoid derivative factor ŷ_j(1 − ŷ_j) (5.9, 5.10)"),
        (yhat - y, "g_j has the wrong sign and is missing ŷ_j(1 − ŷ_j): "
                   "Zhou (5.10) is ŷ_j(1 − ŷ_j)(y_j − ŷ_j)"),
    ], "g", rtol=1e-5, atol=1e-8)
    t.ok()


def e_mistakes(exp: np.ndarray, b: np.ndarray, w: np.ndarray, g: np.ndarray) -> list[tuple[np.ndarray, str]]:
    """e_h (5.15) for the classic slips, given the right ``exp``, with what to tell the student."""
    q, l = w.shape
    mistakes = [(-exp, "e_h has the wrong sign: Zhou (5.15) is e_h = b_h(1 − b_h) Σ_j w_hj g_j, "
                       "with g_j from (5.10)"),
                (w @ g, "e_h is missing the sigmoid derivative factor b_h(1 − b_h) (5.15)")]
    if q == l:
        mistakes.append((b * (1 - b) * (w.T @ g), "you summed over the wrong index (w.T @ g): "
                                                  "e_h = b_h(1 − b_h) Σ_j w_hj g_j "
                                                  "is b * (1 − b) * (w @ g) (5.15)"))
    return mistakes


def check_hidden_gradient(hidden_gradient: Callable) -> None:
    """Task 4.2: e_h = b_h(1 − b_h) Σ_j w_hj g_j, Zhou (5.15)."""
    t = Task("4.2", "e_h (5.15)")
    rng = np.random.default_rng(42)
    for q, l in [(3, 3), (4, 2)]:
        alpha, gamma = rng.normal(size=q), rng.uniform(size=q)
        w, theta, y = rng.uniform(size=(q, l)), rng.uniform(size=l), rng.uniform(size=l)
        b = sigmoid(alpha - gamma)
        yhat = sigmoid(b @ w - theta)
        g = yhat * (1 - yhat) * (y - yhat)
        e = t.array("e", t.call(hidden_gradient, b.copy(), w.copy(), g.copy()), (q,),
                   "Σ_j w_hj g_j is w @ g, shape (q,)")
        # e_h = −∂E_k/∂α_h, by finite differences through the whole net.
        def E_of_alpha(aa, gamma=gamma, w=w, theta=theta, y=y):
            return 0.5 * float(np.sum((sigmoid(sigmoid(aa - gamma) @ w - theta) - y) ** 2))

        exp = -numgrad(E_of_alpha, alpha.copy())
        mistakes = e_mistakes(exp, b, w, g)
        t.diagnose(e, exp, mistakes, "e", rtol=1e-5, atol=1e-8)
    t.ok()


def check_updates(updates: Callable) -> None:
    """Task 4.3: Δw_hj = η g_j b_h, Δθ_j = −η g_j, Δv_ih = η e_h x_i, Δγ_h = −η e_h (5.11–5.14)."""
    t = Task("4.3", "the four updates (5.11)–(5.14)")
    d, q, l, eta = 3, 4, 2, 0.1
    P = _zhou_params(d, q, l, seed=43)
    rng = np.random.default_rng(43)
    x, y = rng.uniform(size=d), rng.uniform(size=l)
    b, yhat = _zhou_forward(P, x)
    g = yhat * (1 - yhat) * (y - yhat)
    e = b * (1 - b) * (P["w"] @ g)
    res = t.call(updates, x.copy(), b.copy(), g.copy(), e.copy(), eta)
    if not isinstance(res, dict) or set(res) != {"w", "theta", "v", "gamma"}:
        t.fail(_("should return a dict with keys 'w', 'theta', 'v', 'gamma', got {got}")
               .format(got=repr(res)))
    # Each Δ is −η ∂E_k/∂parameter, with the partials taken by finite differences.
    grad = _fd_params(lambda PP: 0.5 * float(np.sum((_zhou_forward(PP, x)[1] - y) ** 2)), P)
    shapes = {"w": (q, l), "theta": (l,), "v": (d, q), "gamma": (q,)}
    eq = {"w": "5.11", "theta": "5.12", "v": "5.13", "gamma": "5.14"}
    for k in ("w", "theta", "v", "gamma"):
        got = t.array(f"Δ{k}", res[k], shapes[k],
                      _("Δ{k} has the shape of {k}, {shape} (Zhou {eq})")
                      .format(k=k, shape=shapes[k], eq=eq[k]))
        exp = -eta * grad[k]
        mistakes = [(-exp, _("Δ{k} has the wrong sign (Zhou {eq}). ").format(k=k, eq=eq[k]) + (
            _("Thresholds are *subtracted* in f(β_j − θ_j) and f(α_h − γ_h), so their updates carry a minus: "
              "Δθ_j = −η g_j, Δγ_h = −η e_h") if k in ("theta", "gamma") else
            _("Δw_hj = η g_j b_h and Δv_ih = η e_h x_i carry a plus, "
              "because g_j and e_h already hold the minus"))),
                    (exp / eta, _("Δ{k} is missing the learning rate η (Zhou {eq})").format(k=k, eq=eq[k]))]
        t.diagnose(got, exp, mistakes, f"Δ{k}", rtol=1e-5, atol=1e-8)
    t.ok()


def check_accumulated_error(accumulated_error: Callable) -> None:
    """Task 4.4: E = (1/m) Σ_k E_k with E_k = ½ Σ_j (ŷ_j − y_j)², Zhou (5.4) and (5.16)."""
    t = Task("4.4", "accumulated error E (5.16)")
    P = _zhou_params(2, 3, 2, seed=44)
    rng = np.random.default_rng(44)
    X, Y = rng.uniform(size=(5, 2)), rng.uniform(size=(5, 2))
    E = t.number("E", t.call(accumulated_error, {k: v.copy() for k, v in P.items()},
                                         X.copy(), Y.copy()))
    exp = _zhou_E(P, X, Y)
    t.diagnose(E, exp, [
        (exp * len(X), "E is the sum of the E_k; Zhou (5.16) takes their mean, E = (1/m) Σ_k E_k: "
                       "missing the 1/m mean"),
        (2 * exp, "E is missing the ½ of (5.4): E_k = ½ Σ_j (ŷ_j − y_j)²"),
    ], "E")
    t.ok()


def _as_params(t, res, P0) -> dict:
    __tracebackhide__ = True
    if not isinstance(res, dict) or set(res) != set(P0):
        t.fail(_("should return the new parameters as a dict with keys {keys}, got {got}").format(
            keys=sorted(P0), got=repr(res)))
    return {k: t.array(f"new {k}", res[k], P0[k].shape) for k in P0}


def _ref_epoch(P, X, Y, eta, mode):
    """One epoch of standard (per-sample) or accumulated (one step on E) BP, by finite differences."""
    P = {k: v.copy() for k, v in P.items()}
    if mode == "standard":
        for x, y in zip(X, Y, strict=True):
            grad = _fd_params(lambda PP, x=x, y=y: 0.5 * float(np.sum((_zhou_forward(PP, x)[1] - y) ** 2)), P)
            P = {k: P[k] - eta * grad[k] for k in P}
        return P
    grad = _fd_params(lambda PP: _zhou_E(PP, X, Y), P)
    return {k: P[k] - eta * grad[k] for k in P}


def _w_before_e(P, X, Y, eta):
    """Standard BP with the classic slip: w updated before e_h is computed from it."""
    P = {k: v.copy() for k, v in P.items()}
    for x, y in zip(X, Y, strict=True):
        b, yhat = _zhou_forward(P, x)
        g = yhat * (1 - yhat) * (y - yhat)
        P["w"] = P["w"] + eta * np.outer(b, g)
        P["theta"] = P["theta"] - eta * g
        e = b * (1 - b) * (P["w"] @ g)
        P["v"] = P["v"] + eta * np.outer(x, e)
        P["gamma"] = P["gamma"] - eta * e
    return P


def _check_epoch(t, epoch_fn, mode):
    d, q, l, eta = 2, 3, 1, 0.5
    P = _zhou_params(d, q, l, seed=45)
    rng = np.random.default_rng(45)
    X, Y = rng.uniform(size=(6, d)), rng.uniform(size=(6, l))
    refs = {  # tasks 4.1-4.3 are checked on their own: the epoch runs with these in place of yours
        "output_gradient": lambda yhat, y: yhat * (1 - yhat) * (y - yhat),  # (5.10)
        "hidden_gradient": lambda b, w, g: b * (1 - b) * (w @ g),  # (5.15)
        "updates": lambda x, b, g, e, eta: {"w": eta * np.outer(b, g), "theta": -eta * g,  # (5.11), (5.12)
                                            "v": eta * np.outer(x, e), "gamma": -eta * e},  # (5.13), (5.14)
        "forward": lambda P, x: _zhou_forward(P, x),
    }
    with using(epoch_fn, **refs):
        res = t.call(epoch_fn, {k: v.copy() for k, v in P.items()}, X.copy(), Y.copy(), eta)
    new = _as_params(t, res, P)
    exp = _ref_epoch(P, X, Y, eta, mode)
    other = _ref_epoch(P, X, Y, eta, "accumulated" if mode == "standard" else "standard")
    up = _ref_epoch(P, X, Y, -eta, mode)
    summed = {k: P[k] + (exp[k] - P[k]) * len(X) for k in P}
    flat = lambda Q: np.concatenate([Q[k].ravel() for k in sorted(Q)])  # noqa: E731
    mistakes = [
        (flat(P), "the parameters did not change: apply the updates (v ← v + Δv, "
                  "…) and return the new values"),
        (flat(up), "you went *uphill*: E grows. Zhou's updates are v ← v + Δv with Δv = η e_h x_i (5.13), "
                   "θ ← θ + Δθ with Δθ = −η g_j (5.12)"),
    ]
    if mode == "standard":
        mistakes.append((flat(other), "you made one update with the average over all samples: "
                                      "that is accumulated BP. Standard BP (Fig. 5.8) updates after *every* "
                                      "sample, using the new parameters for the next one"))
        mistakes.append((flat(_w_before_e(P, X, Y, eta)),
                         "you updated w before computing e_h: (5.15) uses the w of the forward pass, "
                         "so compute g_j and e_h first, then apply all four updates"))
        stale = {k: P[k] + (other[k] - P[k]) * len(X) for k in P}
        mistakes.append((flat(stale), "every sample's update was computed from the parameters the epoch "
                                      "started with: standard BP (Fig. 5.8) applies each sample's updates "
                                      "before the next sample, whose forward pass sees the new parameters"))
    else:
        mistakes.append((flat(other), "you updated after every sample: that is standard BP. "
                                      "Accumulated BP makes one step per epoch, "
                                      "on the gradient of E = (1/m) Σ_k E_k (5.16)"))
        mistakes.append((flat(summed), "your step is m times too big: "
                                       "the accumulated gradient is the *mean* of the per-sample gradients, "
                                       "E = (1/m) Σ_k E_k (5.16): missing the 1/m mean"))
        mistakes.append((flat(_ref_epoch(P, X, Y, eta / len(X), "standard")),
                         "you applied each sample's share of the update at once, so later samples saw "
                         "changed parameters: accumulated BP computes every sample's g_j and e_h with the "
                         "same parameters, then makes one step with their mean"))
    if not close(flat(new), flat(exp), 1e-5, 1e-7) and not any(close(flat(new), c, 1e-5, 1e-7)
                                                                for c, _m in mistakes):
        for k in ("w", "theta", "v", "gamma"):  # no classic mistake: say which parameter is off first
            t.diagnose(new[k], exp[k], [], f"new {k}", rtol=1e-5, atol=1e-7)
    t.diagnose(flat(new), flat(exp), mistakes, "the new parameters", rtol=1e-5, atol=1e-7)
    t.ok()


def check_standard_epoch(standard_bp_epoch: Callable) -> None:
    """Task 4.5: one epoch of standard BP (update after every sample)."""
    _check_epoch(Task("4.5", "one epoch of standard BP"), standard_bp_epoch, "standard")


def check_accumulated_epoch(accumulated_bp_epoch: Callable) -> None:
    """Task 4.6: one epoch of accumulated BP (one update on the gradient of E)."""
    _check_epoch(Task("4.6", "one epoch of accumulated BP"), accumulated_bp_epoch, "accumulated")
