"""The backprop stepper, driven headless: every number it shows, at every stage, for several
melons and both data sets, against Zhou's net (forward_all, error, gradients, standard_step), a
forward pass and (5.10)/(5.15) written out here in numpy, and finite differences of E_k."""

import base64
import re
import warnings

import matplotlib.text
import numpy as np
import pytest

from bpcourse.explorers.stepper import STAGES, StepperModel, backprop_stepper
from bpcourse.gradcheck import numerical_gradient, rel_error
from bpcourse.zhou import ZhouNet


def sigmoid(s):
    return 1.0 / (1.0 + np.exp(-s))


def reference(net: ZhouNet, x: np.ndarray, y: float, eta: float) -> dict:
    """Everything one pass computes, from the parameters, by the book's formulas."""
    v, gamma, w, theta = (p.copy() for p in (net.v, net.gamma, net.w, net.theta))
    alpha = x @ v
    b = sigmoid(alpha - gamma)
    beta = b @ w
    y_hat = sigmoid(beta - theta)
    E_k = 0.5 * float(np.sum((y_hat - y) ** 2))  # (5.4)
    g = y_hat * (1 - y_hat) * (y - y_hat)  # (5.10)
    e = b * (1 - b) * (w @ g)  # (5.15)

    def E_of(**changed):
        p = {"v": v, "gamma": gamma, "w": w, "theta": theta, **changed}
        out = sigmoid(sigmoid(x @ p["v"] - p["gamma"]) @ p["w"] - p["theta"])
        return 0.5 * float(np.sum((out - y) ** 2))

    numeric = {name: numerical_gradient(lambda a, name=name: E_of(**{name: a}), arr.copy())
               for name, arr in (("v", v), ("gamma", gamma), ("w", w), ("theta", theta))}
    after = {"v": v + eta * np.outer(x, e), "gamma": gamma - eta * e,  # (5.13), (5.14)
             "w": w + eta * np.outer(b, g), "theta": theta - eta * g}  # (5.11), (5.12)
    return {"alpha": alpha, "b": b, "beta": beta, "y_hat": y_hat, "E_k": E_k, "g": g, "e": e,
            "numeric": numeric, "after": after, "E_after": E_of(**after)}


def shown_text(explorer) -> str:
    """Every string drawn on the explorer's figure now."""
    return "\n".join(t.get_text() for t in explorer.fig.findobj(matplotlib.text.Text) if t.get_visible())


@pytest.mark.parametrize(("dataset", "q", "samples"), [("3.0α", 3, (1, 6, 9, 17)), ("3.0", 4, (2, 10))])
def test_every_stage_shows_zhous_numbers(dataset, q, samples):
    explorer = backprop_stepper()
    m = explorer.model
    explorer.controls["dataset"].value = dataset
    explorer.controls["q"].value = q
    explorer.controls["eta"].value = 0.5
    for sample in samples:
        explorer.controls["sample"].value = sample
        assert m.stage == 0 and explorer.controls["stage"].value == 0
        net = m.net.copy()
        x, y = m.X[sample - 1], float(m.y[sample - 1])
        ref = reference(net, x, y, 0.5)
        fp = net.forward_all(x)
        zhou_grads = net.gradients(x, np.array([y]))
        stepped = net.copy()
        zhou_deltas = stepped.standard_step(x, np.array([y]), eta=0.5)
        seen = []
        for i, (key, _phase, _title) in enumerate(STAGES):
            s = m.current
            assert (m.stage, s.key) == (i, key) and explorer.controls["stage"].value == i
            val = s.values
            if key == "input":
                assert np.array_equal(val["x"], x) and val["y"][0] == y
            if key in ("alpha", "b", "beta", "y_hat"):
                assert np.array_equal(val[key], getattr(fp, key))  # ZhouNet.forward_all
                assert np.allclose(val[key], ref[key], rtol=1e-12, atol=0)  # the formulas
            if key == "E":
                assert float(val["E_k"]) == pytest.approx(ref["E_k"], rel=1e-12)
                assert float(val["E_k"]) == net.error(x, np.array([y]))
            if key == "g":
                assert np.allclose(val["g"], ref["g"], rtol=1e-12)
            if key == "wg":
                assert np.allclose(val["wg"], net.w[:, 0] * ref["g"][0], rtol=1e-12)
            if key == "e":
                assert np.allclose(val["e"], ref["e"], rtol=1e-12)
            if key == "grad_out":
                assert np.array_equal(val["dE_dw"], zhou_grads["w"][:, 0])
                assert np.array_equal(val["dE_dtheta"], zhou_grads["theta"])
                assert rel_error(val["dE_dw"], ref["numeric"]["w"][:, 0]) < 1e-6
                assert rel_error(val["dE_dtheta"], ref["numeric"]["theta"]) < 1e-6
                assert np.allclose(val["dE_dtheta"], ref["g"])  # ∂E_k/∂θ_j = +g_j
            if key == "grad_hidden":
                assert np.array_equal(val["dE_dv"], zhou_grads["v"])
                assert np.array_equal(val["dE_dgamma"], zhou_grads["gamma"])
                assert rel_error(val["dE_dv"], ref["numeric"]["v"]) < 1e-6
                assert rel_error(val["dE_dgamma"], ref["numeric"]["gamma"]) < 1e-6
                assert np.allclose(val["dE_dgamma"], ref["e"])  # ∂E_k/∂γ_h = +e_h
            if key == "update_out":
                assert np.array_equal(val["delta_w"], zhou_deltas["w"][:, 0])
                assert np.array_equal(val["delta_theta"], zhou_deltas["theta"])
                assert np.allclose(net.w[:, 0] + val["delta_w"], ref["after"]["w"][:, 0], rtol=1e-12)
            if key == "update_hidden":
                assert np.array_equal(val["delta_v"], zhou_deltas["v"])
                assert np.allclose(net.gamma + val["delta_gamma"], ref["after"]["gamma"], rtol=1e-12)
            if key == "E_after":
                assert float(val["E_after"]) == pytest.approx(ref["E_after"], rel=1e-10)
                assert float(val["E_after"]) == stepped.error(x, np.array([y]))
            # Every number of the stage is written somewhere on the figure (4 significant digits);
            # with 19 inputs, the equation shows the first input's terms and the drawing the rest.
            text = shown_text(explorer)
            for name, array in val.items():
                flat = np.ravel(array)
                if dataset == "3.0" and name in ("x", "dE_dv", "delta_v"):
                    flat = array[0] if name != "x" else array[17:]
                for number in flat:
                    assert f"{number:.4g}" in text, (key, name, number)
            seen.append(s.number)
            explorer.controls["step"].click()
        assert dict(zip((k for k, _p, _t in STAGES), seen, strict=True)) == {
            "input": "", "alpha": "", "b": "", "beta": "", "y_hat": "(5.3)", "E": "(5.4)", "g": "(5.10)",
            "wg": "", "e": "(5.15)", "grad_out": "(5.7), (5.8), (5.10)",
            "grad_hidden": "(5.15), (5.13), (5.14)",
            "update_out": "(5.11), (5.12)", "update_hidden": "(5.13), (5.14)", "E_after": "(5.4)"}
        # Past the last stage the update is kept and the next melon comes in, at stage 0.
        assert m.stage == 0 and m.sample == sample % 17 + 1
        for name in ("v", "gamma", "w", "theta"):
            assert np.allclose(m.net.params[name], ref["after"][name], rtol=1e-12)
        explorer.controls["reset"].click()


def test_each_stage_names_its_equation_and_highlights_what_it_touches():
    m = StepperModel()
    touched = {}
    for key, _phase, _title in STAGES:
        touched[key] = m.current.touches
        assert m.current.lines and m.current.title
        m.step()
    assert {"v", "hidden"} <= touched["alpha"] and "w" not in touched["alpha"]
    assert {"output", "g"} <= touched["g"] and "flow" in touched["wg"]
    assert "e" in touched["e"] and {"v", "gamma"} <= touched["grad_hidden"]


def test_back_step_and_controls_stay_in_step():
    explorer = backprop_stepper()
    m, c = explorer.model, explorer.controls
    c["back"].click()
    assert m.stage == 0
    for _ in range(5):
        c["step"].click()
    c["back"].click()
    assert m.stage == 4 and c["stage"].value == 4
    c["stage"].value = 9  # the Play control moves the stage by itself
    assert m.stage == 9 and m.current.key == STAGES[9][0]
    before = m.current.values["dE_dw"].copy()
    c["eta"].value = 1.0  # η changes the update, not the gradient; the stage stays
    assert m.stage == 9 and np.array_equal(m.current.values["dE_dw"], before)
    c["q"].value = 2  # a new net: back to the seeded start
    assert m.stage == 0 and m.net.q == 2
    with pytest.raises(ValueError, match="q expected an integer <= 4"):
        m.set("q", 5)
    with pytest.raises(ValueError, match="stage expected an integer <= 13"):
        m.set("stage", 14)


def test_stepper_draws_chinese_and_legible_sharp_text():
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*[Gg]lyph .* missing from font")
        explorer = backprop_stepper()
        for _ in range(len(STAGES)):
            explorer.controls["step"].click()
    texts = [t for t in explorer.fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text()]
    assert all(t.get_fontsize() >= 10 for t in texts)
    assert re.search("好瓜|坏瓜", shown_text(explorer))
    (output,) = explorer.out.outputs
    assert len(base64.b64decode(output["data"]["image/png"])) > 10_000
    assert output["metadata"]["image/png"]["width"] == round(explorer.fig.get_figwidth() * 96)


def test_stepper_speaks_the_notebooks_language():
    from bpcourse.i18n import get_language, set_language

    before = get_language()
    set_language("zh")
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("error", message=".*[Gg]lyph .* missing from font")
            explorer = backprop_stepper()
            explorer.controls["step"].click()
        assert explorer.model.current.title == "前向:隐层输入 αₕ"
        assert "前向:隐层输入 αₕ" in shown_text(explorer)
    finally:
        set_language(before)
