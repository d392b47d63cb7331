"""Circuit drawings: inspect the matplotlib artists (no pixel comparisons)."""

import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_rgba

from bpcourse.draw import GRAD_COLOUR, NO_GRAD_NOTE, VALUE_COLOUR, draw
from bpcourse.gates import Value


def texts(ax, gid=None):
    return [t.get_text() for t in ax.texts if gid is None or t.get_gid() == gid]


def simple_circuit():
    # CS231n lecture 4's first example: f = (x + y) z at x = -2, y = 5, z = -4.
    x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    q = x + y
    q.label = "q"
    return x, y, z, q * z


def test_before_backward_values_and_the_note_no_fake_zeros():
    *_, f = simple_circuit()
    ax = draw(f)
    assert {"x", "y", "z", "+", "×"} <= set(texts(ax, "name"))
    assert sorted(texts(ax, "value")) == sorted(["-2.00", "5.00", "-4.00", "q = 3.00", "-12.00"])
    assert texts(ax, "grad") == []  # grad is None everywhere: nothing drawn, in particular no 0.00
    assert "0.00" not in texts(ax)
    assert texts(ax, "note") == [NO_GRAD_NOTE] == ["run backward() to see gradients"]
    plt.close(ax.figure)


def test_after_backward_gradients_in_a_second_colour():
    x, y, z, f = simple_circuit()
    f.backward()
    ax = draw(f)
    # Gradients of the slide: x, y: -4; z: 3; q: -4; f: 1.
    assert sorted(texts(ax, "grad")) == sorted(["-4.00", "-4.00", "3.00", "-4.00", "1.00"])
    assert texts(ax, "note") == []
    for t in ax.texts:
        if t.get_gid() == "grad":
            assert to_rgba(t.get_color()) == to_rgba(GRAD_COLOUR)
        if t.get_gid() == "value":
            assert to_rgba(t.get_color()) == to_rgba(VALUE_COLOUR)
    assert to_rgba(GRAD_COLOUR) != to_rgba(VALUE_COLOUR)
    plt.close(ax.figure)


def test_left_to_right_every_wire_points_right():
    x, y, z, f = simple_circuit()
    f.backward()
    ax = draw(f)
    where = {t.get_text(): t.get_position() for t in ax.texts if t.get_gid() == "name"}
    assert where["x"][0] < where["+"][0] < where["×"][0]
    assert where["z"][0] < where["×"][0]
    (lines,) = ax.collections[:1]
    for segment in lines.get_segments():
        assert segment[0][0] < segment[-1][0]
    assert len(lines.get_segments()) == 4  # one wire per edge: + <- x, y; × <- q, z
    plt.close(ax.figure)


def test_forks_draw_one_wire_per_use_and_partial_gradients_show_the_note():
    a = Value(3.0, label="a")
    b = a + a
    c = b + b
    ax = draw(c)
    assert len(ax.collections[0].get_segments()) == 4
    c.backward()
    ax = draw(c, ax=ax)
    assert "4.00" in texts(ax, "grad")  # a.grad = 4
    # A new node whose graph never saw backward: its own grad is None, so the note returns.
    d = c * 2.0
    ax = draw(d, ax=ax)
    assert texts(ax, "note") == [NO_GRAD_NOTE]
    plt.close(ax.figure)


def test_reusing_an_axes_replaces_the_drawing():
    *_, f = simple_circuit()
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])  # something else was there: it is cleared
    assert draw(f, ax=ax) is ax
    n_texts, n_collections = len(ax.texts), len(ax.collections)
    assert not ax.lines
    f.backward()
    draw(f, ax=ax)
    draw(f, ax=ax)
    assert len(ax.texts) == n_texts - 1 + 5  # the note went, five gradients came
    assert len(ax.collections) == n_collections
    plt.close(fig)


def neuron_with_extras():
    """The CS231n sigmoid neuron plus a tanh branch: 5 leaves + 8 neuron operations + 3 = 16 nodes."""
    w0, x0 = Value(2.0, label="w0"), Value(-1.0, label="x0")
    w1, x1 = Value(-3.0, label="w1"), Value(-2.0, label="x1")
    w2 = Value(-3.0, label="w2")
    dot = w0 * x0 + w1 * x1 + w2
    f = ((-dot).exp() + 1.0).reciprocal() + dot.tanh() * dot
    return f


def test_sixteen_nodes_labels_values_and_redraw():
    f = neuron_with_extras()
    assert len(f.topological_order()) == 16
    f.backward()
    fig, ax = plt.subplots(figsize=(10, 5))
    draw(f, ax=ax)
    fig.canvas.draw()
    assert {"w0", "x0", "w1", "x1", "w2", "exp", "tanh", "1/x"} <= set(texts(ax, "name"))
    assert len(texts(ax, "value")) == len(texts(ax, "grad")) == 16
    # Redrawing in place (as the circuit explorer does) keeps one set of artists. Its speed is
    # measured, not asserted (times depend on the machine): about 20 ms to build the artists and
    # 50 ms to render them with Agg on the development machine.
    for _ in range(3):
        draw(f, ax=ax)
    assert len(ax.texts) == 16 * 3 and len(ax.collections) == 3
    plt.close(fig)


def test_thirty_nodes_fit_without_overlapping_names():
    xs = [Value(float(i) / 10, label=f"x{i}") for i in range(8)]
    node = xs[0]
    for x in xs[1:]:
        node = (node * x + 1.0).tanh()
    assert 25 <= len(node.topological_order()) <= 35
    node.backward()
    ax = draw(node)
    fig = ax.figure
    fig.canvas.draw()
    assert fig.get_size_inches()[0] <= 16
    for gid in ("name", "value", "grad"):  # no two texts of one kind overlap
        boxes = [t.get_window_extent() for t in ax.texts if t.get_gid() == gid]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert not a.overlaps(b), gid
    plt.close(fig)


def test_small_numbers_are_not_rounded_to_zero():
    a = Value(1e-4, label="a")
    f = a * 2.0
    f.backward()
    ax = draw(f)
    assert "1.0e-4" in texts(ax, "value") and "2.0e-4" in texts(ax, "value")
    plt.close(ax.figure)


def test_draw_wants_a_value():
    with pytest.raises(TypeError, match="draw expected a Value"):
        draw(3.0)


def test_gates_with_a_constant_show_it():
    a = Value(0.5, label="a")
    f = 4.0 - (((a * 2.0) + 1.0) - 3.0)
    ax = draw(f)
    assert {"×2", "+1", "−3", "4−x"} <= set(texts(ax, "name"))
    plt.close(ax.figure)


def test_huge_graphs_are_refused_with_the_count():
    node = Value(1.0)
    for _ in range(150):
        node = node + 1.0
    with pytest.raises(ValueError, match="151 nodes, more than max_nodes=100"):
        draw(node)
