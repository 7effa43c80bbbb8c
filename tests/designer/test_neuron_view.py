"""The neuron view on a real document: what it draws, clicks that edit (undoable), +/- neurons and layers,
two-way updates with edits made elsewhere, selection, and the training view's hooks."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from designer import commands as cmd
from designer.neuron_view import NeuronView, style
from designer.neuron_view.chain import find_dense_chain
from designer.selection import Selection
from tests.designer.conftest import build_chain

PLAYGROUND = [("Input", {"shape": [2]}), ("Dense", {"units": 4, "activation": "tanh"}),
              ("Dense", {"units": 2}), ("Dense", {"units": 1})]


@pytest.fixture
def selection(qtbot):
    return Selection()


@pytest.fixture
def make_view(qtbot, document, selection):
    views = []

    def make():
        view = NeuronView(document, selection)
        qtbot.addWidget(view)
        view.resize(900, 600)
        view.show()
        views.append(view)
        return view

    yield make
    for view in views:
        view.shutdown()


@pytest.fixture
def playground(document):
    return build_chain(document, *PLAYGROUND)


def click(qtbot, view, scene_point):
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.mapFromScene(scene_point))


def type_value(qtbot, view, text):
    assert view.editor.isVisible()
    view.editor.selectAll()
    qtbot.keyClicks(view.editor, text)
    qtbot.keyClick(view.editor, Qt.Key.Key_Return)


def assert_matches_graph(view, document):
    """The view shows exactly the document's current chain, with the right number of everything."""
    view.refresh()
    chain = find_dense_chain(document.graph, document.analysis)
    assert view.chain == chain
    if chain is None:
        assert not view.parts.columns and not view.parts.bundles
        return
    assert [v.column for v in view.parts.columns] == list(chain.columns)
    for index, v in enumerate(view.parts.columns):
        assert v.shown == min(v.column.width, style.MAX_SHOWN_NEURONS)
        assert len(v.biases) == (v.shown if v.column.use_bias else 0)
        if index:
            previous = view.parts.columns[index - 1]
            assert view.parts.bundles[index].line_count == previous.shown * v.shown
    for key, array in view.shown_weights.items():
        assert array.shape == chain.weight_shapes()[key]
        if key in document.weights and np.shape(document.weights[key]) == array.shape:
            assert array is document.weights[key]


def same_graph(document):
    """The graph as comparable data, ignoring the order nodes and wires are stored in (undo re-appends)."""
    data = document.graph.to_dict()
    return (sorted(map(repr, data["nodes"])), sorted(map(repr, data["edges"])))


def trained_weights(document, seed=1):
    chain = find_dense_chain(document.graph)
    rng = np.random.default_rng(seed)
    return {key: rng.normal(0, 1.5, shape).astype(np.float32) for key, shape in chain.weight_shapes().items()}


# -- what is drawn ---------------------------------------------------------------------------------------
def test_counts_columns_neurons_lines_and_biases(make_view, document, playground):
    view = make_view()
    assert [v.shown for v in view.parts.columns] == [2, 4, 2, 1]
    assert {i: b.line_count for i, b in view.parts.bundles.items()} == {1: 8, 2: 8, 3: 2}
    assert [len(v.biases) for v in view.parts.columns] == [0, 4, 2, 1]
    assert "Untrained: initial weights" in view.note.text()
    assert_matches_graph(view, document)


def test_untrained_view_draws_the_seeded_starting_weights(make_view, document, playground):
    from engine.network import Network

    document.push(cmd.SetTraining(document, "seed", 7))
    view = make_view()
    view.refresh()
    expected = Network(document.graph, seed=7).weight_dict()
    np.testing.assert_array_equal(view.parts.bundles[1].values, expected["dense/kernel"])
    assert not document.weights  # drawing never writes


def test_line_colour_is_the_sign_and_width_grows_with_magnitude(make_view, document, playground):
    weights = trained_weights(document)
    document.push(cmd.SetWeights(document, weights, "trained"))
    view = make_view()
    view.refresh()
    assert "initial" not in view.note.text().lower()
    bundle = view.parts.bundles[1]
    kernel = weights["dense/kernel"]
    np.testing.assert_array_equal(bundle.values, kernel)
    cells = [(i, j) for i in range(2) for j in range(4)]
    for i, j in cells:
        color = bundle.color_of(i, j)
        assert (color.blue() > color.red()) if kernel[i, j] > 0 else (color.red() > color.blue())
    by_magnitude = sorted(cells, key=lambda c: abs(kernel[c]))
    widths = [bundle.width_of(*c) for c in by_magnitude]
    assert widths == sorted(widths) and widths[-1] > widths[0]
    bias = view.parts.columns[1].biases[0]
    assert bias.value == pytest.approx(weights["dense/bias"][0])


def test_hover_a_line_shows_its_value(make_view, document, playground, qtbot):
    document.push(cmd.SetWeights(document, trained_weights(document), "trained"))
    view = make_view()
    view.refresh()
    bundle = view.parts.bundles[2]
    QTest.mouseMove(view.viewport(), view.mapFromScene(bundle.line_point(1, 0, 0.3)))
    qtbot.waitUntil(lambda: bundle.hovered == 1 * bundle.n_out + 0)
    assert style.format_value(document.weights["dense_1/kernel"][1, 0]) in bundle.toolTip()
    assert "neuron 2 of dense" in bundle.toolTip() and "neuron 1 of dense_1" in bundle.toolTip()


# -- editing values --------------------------------------------------------------------------------------
def test_click_edit_a_weight_of_an_untrained_net_then_undo(make_view, document, playground, qtbot):
    view = make_view()
    view.refresh()
    before = view.parts.bundles[1].values.copy()
    click(qtbot, view, view.parts.bundles[1].line_point(1, 2, 0.3))
    type_value(qtbot, view, "0,75")  # a Spanish keyboard's decimal comma works too
    assert document.weights["dense/kernel"][1, 2] == pytest.approx(0.75)
    # The rest of the network now holds exactly the starting weights the student saw.
    changed = document.weights["dense/kernel"].copy()
    changed[1, 2] = before[1, 2]
    np.testing.assert_array_equal(changed, before)
    assert set(document.weights) == set(find_dense_chain(document.graph).weight_shapes())
    view.refresh()
    assert view.parts.bundles[1].value(1, 2) == pytest.approx(0.75)
    document.undo_stack.undo()  # one step removes the edit and the filled-in starting weights
    assert document.weights == {}
    view.refresh()
    np.testing.assert_array_equal(view.parts.bundles[1].values, before)
    document.undo_stack.redo()
    assert document.weights["dense/kernel"][1, 2] == pytest.approx(0.75)


def test_click_edit_a_trained_weight_and_a_bias(make_view, document, playground, qtbot):
    weights = trained_weights(document)
    document.push(cmd.SetWeights(document, weights, "trained"))
    view = make_view()
    view.refresh()
    depth = document.undo_stack.count()
    click(qtbot, view, view.parts.bundles[3].line_point(0, 0, 0.5))
    type_value(qtbot, view, "-2.5")
    assert document.weights["dense_2/kernel"][0, 0] == pytest.approx(-2.5)
    assert document.undo_stack.count() == depth + 1
    bias = view.parts.columns[2].biases[1]
    click(qtbot, view, bias.scenePos())
    type_value(qtbot, view, "0.125")
    assert document.weights["dense_1/bias"][1] == pytest.approx(0.125)
    view.refresh()
    assert bias.value == pytest.approx(0.125)
    document.undo_stack.undo()
    document.undo_stack.undo()
    np.testing.assert_array_equal(document.weights["dense_2/kernel"], weights["dense_2/kernel"])
    np.testing.assert_array_equal(document.weights["dense_1/bias"], weights["dense_1/bias"])


def test_bad_text_keeps_the_editor_open_and_escape_cancels(make_view, document, playground, qtbot):
    view = make_view()
    view.refresh()
    click(qtbot, view, view.parts.bundles[1].line_point(0, 0, 0.3))
    type_value(qtbot, view, "abc")
    assert view.editor.isVisible() and document.weights == {}
    qtbot.keyClick(view.editor, Qt.Key.Key_Escape)
    assert not view.editor.isVisible() and document.undo_stack.count() == len(PLAYGROUND)


# -- neurons and layers ----------------------------------------------------------------------------------
def test_plus_minus_neuron_buttons_change_units_and_undo(make_view, document, playground, qtbot):
    view = make_view()
    click(qtbot, view, view.parts.columns[1].add_button.scenePos())
    assert document.graph.node(playground[1]).params["units"] == 5
    view.refresh()
    assert view.parts.columns[1].shown == 5 and view.parts.bundles[2].line_count == 10
    click(qtbot, view, view.parts.columns[2].remove_button.scenePos())
    assert document.graph.node(playground[2]).params["units"] == 1
    view.refresh()
    assert not view.parts.columns[2].remove_button.enabled  # one neuron is the least
    click(qtbot, view, view.parts.columns[2].remove_button.scenePos())
    assert document.graph.node(playground[2]).params["units"] == 1
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert_matches_graph(view, document)
    assert [v.shown for v in view.parts.columns] == [2, 4, 2, 1]


def test_plus_minus_layer_buttons_are_one_undo_step_each(make_view, document, playground, qtbot):
    view = make_view()
    original = same_graph(document)
    depth = document.undo_stack.count()
    click(qtbot, view, view.parts.add_layer_button.scenePos())
    assert document.undo_stack.count() == depth + 1
    view.refresh()
    assert [c.width for c in view.chain.columns] == [2, 4, 2, 2, 1]
    assert view.chain.columns[3].activation == "linear"  # like the hidden layer before it
    assert document.analyze_now().ok
    for _ in range(2):
        click(qtbot, view, view.parts.remove_layer_button.scenePos())
        view.refresh()  # the event loop would have redrawn between two clicks
    assert [c.width for c in view.chain.columns] == [2, 4, 1]
    assert document.analyze_now().ok
    for _ in range(3):
        document.undo_stack.undo()
    assert same_graph(document) == original
    assert_matches_graph(view, document)


def test_removing_every_hidden_layer_disables_minus(make_view, document, playground, qtbot):
    view = make_view()
    for _ in range(2):
        view.remove_layer()
        view.refresh()
    assert [c.width for c in view.chain.columns] == [2, 1]
    assert not view.parts.remove_layer_button.enabled
    view.add_layer()
    view.refresh()
    assert [c.width for c in view.chain.columns] == [2, 4, 1]
    assert view.chain.columns[1].activation == "tanh"  # Playground's default for a first hidden layer


def test_removing_a_hidden_layer_takes_its_activation_and_dropout_along(make_view, document):
    ids = build_chain(document, ("Input", {"shape": [3]}), ("Dense", {"units": 5}),
                      ("Activation", {"activation": "relu"}), ("Dropout", {"rate": 0.3}),
                      ("Dense", {"units": 1}), ("Activation", {"activation": "sigmoid"}))
    view = make_view()
    assert [len(c.members) for c in view.chain.columns] == [1, 3, 2]
    before = same_graph(document)
    view.remove_layer()
    assert set(document.graph.nodes) == {ids[0], ids[4], ids[5]}
    assert document.graph.predecessors(ids[4]) == [ids[0]] and document.analyze_now().ok
    document.undo_stack.undo()
    assert same_graph(document) == before


# -- the same graph as the canvas ------------------------------------------------------------------------
def test_edits_made_elsewhere_show_up(make_view, document, playground, qtbot):
    view = make_view()
    document.push(cmd.SetParam(document, playground[1], "units", 6))
    qtbot.waitUntil(lambda: view.chain.columns[1].width == 6)
    assert view.parts.columns[1].shown == 6
    document.push(cmd.SetParam(document, playground[1], "activation", "relu"))
    qtbot.waitUntil(lambda: view.chain.columns[1].activation == "relu")
    document.push(cmd.RenameNode(document, playground[2], "middle"))
    qtbot.waitUntil(lambda: view.chain.columns[2].name == "middle")
    document.push(cmd.RemoveNodes(document, [playground[3]]))
    qtbot.waitUntil(lambda: len(view.chain.columns) == 3)
    document.push(cmd.RemoveNodes(document, [playground[1]]))
    qtbot.waitUntil(lambda: view.chain is None)
    assert not view.parts.columns and "No dense layers" in " ".join(
        item.text() for item in view.scene().items() if hasattr(item, "text"))
    while document.undo_stack.canUndo():
        document.undo_stack.undo()
    qtbot.waitUntil(lambda: view.chain is None)  # back to the empty graph
    while document.undo_stack.index() < document.undo_stack.count() - 2:
        document.undo_stack.redo()  # up to the rename: input, dense (6, relu), middle
    qtbot.waitUntil(lambda: view.chain is not None and [c.name for c in view.chain.columns] == [
        "input", "dense", "middle", "dense_2"])
    assert view.chain.columns[1].width == 6 and view.chain.columns[1].activation == "relu"
    assert_matches_graph(view, document)


def test_a_move_does_not_rebuild_the_scene(make_view, document, playground, qtbot):
    view = make_view()
    bundle = view.parts.bundles[1]
    with qtbot.assertNotEmitted(view.chain_changed):
        document.push(cmd.MoveNodes(document, {playground[1]: (10.0, 300.0)}, finished=True))
        view.refresh()
    assert view.parts.bundles[1] is bundle


# -- selection -------------------------------------------------------------------------------------------
def test_clicks_select_layers_and_neurons(make_view, document, playground, selection, qtbot):
    view = make_view()
    column = view.parts.columns[2]
    click(qtbot, view, QPointF(column.x, column.neurons[0].y() - column.radius - 10))  # above its neurons
    assert selection.ids == [playground[2]]
    with qtbot.waitSignal(selection.changed):
        click(qtbot, view, view.parts.columns[1].neurons[3].scenePos())
    assert selection.ids == [playground[1]] and selection.neuron == (playground[1], 3)
    assert view.parts.columns[1].neurons[3].selected
    with qtbot.waitSignal(view.neuron_picked) as picked:  # same layer, another neuron: still announced
        click(qtbot, view, view.parts.columns[1].neurons[0].scenePos())
    assert picked.args == [playground[1], 0] and selection.neuron == (playground[1], 0)
    selection.set([playground[3]])  # chosen on the canvas
    assert view.parts.columns[3].backdrop.highlighted and not view.parts.columns[1].backdrop.highlighted


# -- hooks for the training view -------------------------------------------------------------------------
def test_live_weights_redraw_pens_only(make_view, document, playground):
    view = make_view()
    view.refresh()
    bundles = dict(view.parts.bundles)
    live = trained_weights(document, seed=5)
    view.set_live_weights(live)
    assert view.parts.bundles == bundles and all(a is b for a, b in zip(view.parts.bundles.values(),
                                                                        bundles.values()))
    np.testing.assert_array_equal(view.parts.bundles[2].values, live["dense_1/kernel"])
    assert "Live weights" in view.note.text() and document.weights == {}
    view.set_live_weights(None)
    assert "Untrained" in view.note.text()
    assert not np.array_equal(view.parts.bundles[2].values, live["dense_1/kernel"])


def test_neuron_images_from_arrays_by_node_id_or_layer_name(make_view, document, playground):
    view = make_view()
    grid = np.linspace(-1, 1, 20)
    plane = np.outer(grid, np.ones(20))
    view.set_neuron_images({playground[1]: [plane * k for k in range(4)], "dense_2": [plane]})
    assert all(n.image is not None and n.image.width() == 20 for n in view.parts.columns[1].neurons)
    assert view.parts.columns[3].neurons[0].image is not None
    assert view.parts.columns[2].neurons[0].image is None
    document.push(cmd.SetParam(document, playground[1], "units", 5))
    view.refresh()  # rebuilt: the pictures follow; the new neuron has none until the next snapshot
    assert view.parts.columns[1].neurons[0].image is not None and view.parts.columns[1].neurons[4].image is None


# -- big layers and slow starting weights -----------------------------------------------------------------
def test_wide_layers_are_capped_and_say_so(make_view, document):
    build_chain(document, ("Input", {"shape": [784]}), ("Dense", {"units": 100, "activation": "relu"}),
                ("Dense", {"units": 10}))
    view = make_view()
    view.refresh()
    cap = style.MAX_SHOWN_NEURONS
    assert [v.shown for v in view.parts.columns] == [cap, cap, 10]
    assert view.parts.bundles[1].line_count == cap * cap
    assert f"input: showing {cap} of 784 inputs" in view.note.text()
    assert f"dense: showing {cap} of 100 neurons" in view.note.text()
    assert view.shown_weights["dense/kernel"].shape == (784, 100)


def test_a_huge_layer_is_drawn_without_building_its_weights(make_view, document):
    build_chain(document, ("Input", {"shape": [784]}), ("Dense", {"units": 200_000}), ("Dense", {"units": 10}))
    view = make_view()
    view.refresh()
    assert view.parts.columns[1].shown == style.MAX_SHOWN_NEURONS and view.parts.bundles[1].values is None
    assert "too big" in view.note.text() and not view.shown_weights


def test_starting_weights_of_a_convolutional_net_come_from_a_worker(make_view, document, qtbot):
    build_chain(document, ("Input", {"shape": [12, 12, 1]}), ("Conv2D", {"filters": 2, "kernel_size": 3}),
                ("Flatten", {}), ("Dense", {"units": 8}), ("Dense", {"units": 3}))
    view = make_view()
    qtbot.waitUntil(lambda: view.chain is not None and len(view.chain.columns) == 3)
    qtbot.waitUntil(lambda: view.parts.bundles[2].values is not None)
    assert view.chain.columns[0].width == 200 and "Untrained" in view.note.text()
    click(qtbot, view, view.parts.bundles[2].line_point(0, 0, 0.5))
    type_value(qtbot, view, "1.5")
    # The whole network's starting weights went in, conv layer included: training can start from them.
    assert {"conv2d/kernel", "conv2d/bias", "dense_1/kernel"} <= set(document.weights)
    assert document.weights["dense_1/kernel"][0, 0] == 1.5


# -- robustness ------------------------------------------------------------------------------------------
def test_random_edits_undo_and_redo_never_break_the_view(make_view, document, playground):
    view = make_view()
    rng = np.random.default_rng(4)
    stack = document.undo_stack
    for _ in range(200):
        view.refresh()
        chain = view.chain
        action = rng.integers(8)
        if chain is not None and action == 0:
            view.change_units(int(rng.integers(1, len(chain.columns))), +1)
        elif chain is not None and action == 1:
            view.change_units(int(rng.integers(1, len(chain.columns))), -1)
        elif chain is not None and action == 2 and len(chain.columns) < 7:
            view.add_layer()
        elif chain is not None and action == 3:
            view.remove_layer()
        elif action == 4 and stack.canUndo():
            stack.undo()
        elif action == 5 and stack.canRedo():
            stack.redo()
        elif chain is not None and action == 6 and view.shown_weights:
            key = sorted(view.shown_weights)[int(rng.integers(len(view.shown_weights)))]
            index = tuple(int(rng.integers(n)) for n in view.shown_weights[key].shape)
            view.begin_edit(key, index, view.viewport().rect().center())
            view.editor.setText(f"{rng.normal():.3f}")
            view.editor.returnPressed.emit()
        elif chain is not None and action == 7:
            column = chain.columns[int(rng.integers(1, len(chain.columns)))]
            document.push(cmd.SetParam(document, column.node_id, "units", int(rng.integers(1, 7))))
        assert_matches_graph(view, document)
    while stack.canUndo():
        stack.undo()
    assert_matches_graph(view, document)
    assert len(document.graph) == 0


def test_an_empty_document_shows_a_hint_then_the_net(make_view, document, qtbot):
    view = make_view()
    assert view.chain is None and any("No dense layers" in getattr(item, "text", lambda: "")()
                                      for item in view.scene().items())
    build_chain(document, *PLAYGROUND[:2])
    qtbot.waitUntil(lambda: view.chain is not None)
    assert [v.shown for v in view.parts.columns] == [2, 4]


def test_renders_to_png(make_view, document, playground, tmp_path):
    view = make_view()
    document.push(cmd.SetWeights(document, trained_weights(document), "trained"))
    view.refresh()
    path = tmp_path / "neurons.png"
    assert view.grab().save(str(path)) and path.stat().st_size > 5000


def test_every_string_has_a_spanish_translation():
    import json
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    catalogue = json.loads((root / "resources/translations/es/neuron_view.json").read_text(encoding="utf-8"))
    used = set()
    for path in (root / "designer/neuron_view").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r'tr\(((?:"(?:[^"\\]|\\.)*"\s*)+)\)', text):
            used.add("".join(eval(part) for part in re.findall(r'"(?:[^"\\]|\\.)*"', match.group(1))))
    assert used and not sorted(used - set(catalogue))
