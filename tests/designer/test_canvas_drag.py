"""Real mouse gestures on the canvas view: wiring port to port, moving nodes, rubber band, palette drops."""
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from designer import commands as cmd
from tests.designer.conftest import build_chain
from tests.designer.test_canvas_support import (LEFT, canvas_fixture, centre_of, drag, drop_layer,  # noqa: F401
                                                header_of, input_of, move_with_buttons, output_of, to_view)


def wires(document):
    return sorted((e.source, e.target, e.target_port) for e in document.graph.edges)


def lay_out(document, *layers, gap=320.0):
    """Unwired layers in a row (through commands), for the tests to wire by hand."""
    ids = []
    for index, (layer_type, params) in enumerate(layers):
        command = cmd.AddNode(document, layer_type, params, (gap * index, 0.0))
        document.push(command)
        ids.append(command.node_id)
    return ids


def test_drag_from_output_port_to_input_port_wires_them(canvas, document):
    a, b = lay_out(document, ("Input", {"shape": [2]}), ("Dense", {"units": 1}))
    drag(canvas, output_of(canvas, a), input_of(canvas, b))
    assert wires(document) == [(a, b, 0)]
    assert document.analyze_now().total_params == 3
    document.undo_stack.undo()
    assert wires(document) == []
    document.undo_stack.redo()
    assert wires(document) == [(a, b, 0)]


def test_drop_on_a_node_body_uses_its_first_free_port(canvas, document):
    a, b = lay_out(document, ("Input", {"shape": [2]}), ("Dense", {"units": 1}))
    drag(canvas, output_of(canvas, a), centre_of(canvas, b))
    assert wires(document) == [(a, b, 0)]


def test_drag_backwards_from_a_free_input_port_to_an_output(canvas, document):
    a, b = lay_out(document, ("Input", {"shape": [2]}), ("Dense", {"units": 1}))
    drag(canvas, input_of(canvas, b), output_of(canvas, a))
    assert wires(document) == [(a, b, 0)]


def test_only_compatible_ports_highlight_while_dragging(canvas, document):
    from designer.canvas.ports import COMPATIBLE, INCOMPATIBLE, NORMAL, TARGET

    a, b, c = build_chain(document, ("Input", {"shape": [2]}), ("Dense", {"units": 2}), ("Dense", {"units": 1}))
    viewport = canvas.viewport()
    start = to_view(canvas, output_of(canvas, c))
    QTest.mousePress(viewport, LEFT, Qt.KeyboardModifier.NoModifier, start)
    move_with_buttons(viewport, start + (to_view(canvas, input_of(canvas, b)) - start) * 0.5, LEFT)
    scene = canvas.scene()
    # c → b would close a loop and b's port is taken; c → c feeds itself: nothing is compatible
    assert scene.nodes[b].input_ports[0].state == INCOMPATIBLE
    assert scene.nodes[c].input_ports[0].state == INCOMPATIBLE
    move_with_buttons(viewport, to_view(canvas, input_of(canvas, b)), LEFT)
    assert scene.nodes[b].input_ports[0].state == INCOMPATIBLE  # hovering does not make it a target
    QTest.mouseRelease(viewport, LEFT, Qt.KeyboardModifier.NoModifier, to_view(canvas, input_of(canvas, b)))
    assert scene.nodes[b].input_ports[0].state == NORMAL
    document.push(cmd.Disconnect(document, document.graph.incoming(c)[0]))
    QTest.mousePress(viewport, LEFT, Qt.KeyboardModifier.NoModifier, to_view(canvas, output_of(canvas, b)))
    move_with_buttons(viewport, to_view(canvas, output_of(canvas, b)) + QPoint(30, 60), LEFT)
    assert scene.nodes[c].input_ports[0].state == COMPATIBLE  # the only free port that makes no loop
    move_with_buttons(viewport, to_view(canvas, input_of(canvas, c)), LEFT)
    assert scene.nodes[c].input_ports[0].state == TARGET
    assert scene.nodes[b].input_ports[0].state == INCOMPATIBLE
    QTest.mouseRelease(viewport, LEFT, Qt.KeyboardModifier.NoModifier, to_view(canvas, input_of(canvas, c)))
    assert (b, c, 0) in wires(document)


def test_refused_wires_say_why_and_create_nothing(canvas, document, qtbot):
    a, b, c = build_chain(document, ("Input", {"shape": [2]}), ("Dense", {"units": 2}), ("Dense", {"units": 1}))
    spare = cmd.AddNode(document, "Input", {"shape": [2]}, (0, 200))
    document.push(spare)
    before, count = wires(document), document.undo_stack.count()
    messages = []
    canvas.message.connect(messages.append)
    drag(canvas, output_of(canvas, c), input_of(canvas, b))  # a loop
    drag(canvas, output_of(canvas, a), input_of(canvas, c))  # c's input is taken
    drag(canvas, output_of(canvas, b), header_of(canvas, spare.node_id))  # into an Input layer
    drag(canvas, output_of(canvas, a), QPointF(output_of(canvas, a)) + QPointF(60, 100))  # onto empty canvas
    assert wires(document) == before and document.undo_stack.count() == count
    assert "loop" in messages[0]
    assert "already connected" in messages[1]
    assert "is an input" in messages[2]
    assert "Drop the wire on an input port" in messages[3]


def test_dragging_a_wire_off_an_input_detaches_it_and_can_rewire(canvas, document):
    a, b, c = lay_out(document, ("Input", {"shape": [2]}), ("Dense", {"units": 2}), ("Dense", {"units": 1}))
    document.push(cmd.Connect(document, a, b))
    document.push(cmd.Connect(document, a, c))
    drag(canvas, input_of(canvas, c), output_of(canvas, b) + QPointF(40, 160))  # pulled off into empty space
    assert wires(document) == [(a, b, 0)]
    document.push(cmd.Connect(document, a, c))
    # Rewire: pick the wire up at c's input, drop it on b's input... which is taken: refused, wire put back
    drag(canvas, input_of(canvas, c), input_of(canvas, b))
    assert wires(document) == sorted([(a, b, 0), (a, c, 0)])
    assert canvas.scene().edges[document.graph.incoming(c)[0]].isVisible()
    # Move b's wire from b to c's port... after freeing it: one undo step puts it back
    document.push(cmd.Disconnect(document, document.graph.incoming(c)[0]))
    drag(canvas, input_of(canvas, b), input_of(canvas, c))
    assert wires(document) == [(a, c, 0)]
    document.undo_stack.undo()
    assert wires(document) == [(a, b, 0)]
    document.undo_stack.redo()
    assert wires(document) == [(a, c, 0)]


def test_moving_a_node_is_one_undo_step_and_snaps_to_the_grid(canvas, document):
    a, b = build_chain(document, ("Input", {"shape": [2]}), ("Dense", {"units": 1}))
    count = document.undo_stack.count()
    start = header_of(canvas, b)
    drag(canvas, start, start + QPointF(133, 47), steps=12)
    assert document.graph.node(b).position == (360.0, 40.0)  # 220 + 133 → 353 → 360 on the 20 grid
    assert document.undo_stack.count() == count + 1  # the twelve moves merged into one step
    assert document.graph.node(a).position == (0.0, 0.0)
    wire = next(iter(canvas.scene().edges.values()))
    assert wire.end == canvas.scene().nodes[b].input_anchor(0)
    document.undo_stack.undo()
    assert document.graph.node(b).position == (220.0, 0.0)
    document.undo_stack.redo()
    assert document.graph.node(b).position == (360.0, 40.0)


def test_moving_several_selected_nodes_keeps_their_arrangement(canvas, document):
    a, b, c = build_chain(document, ("Input", {"shape": [2]}), ("Dense", {"units": 2}), ("Dense", {"units": 1}))
    canvas.canvas_actions["snap"].setChecked(False)
    canvas.selection.set([a, b])
    drag(canvas, header_of(canvas, a), header_of(canvas, a) + QPointF(13, 27))
    assert document.graph.node(a).position == (13.0, 27.0)
    assert document.graph.node(b).position == (233.0, 27.0)
    assert document.graph.node(c).position == (440.0, 0.0)
    document.undo_stack.undo()
    assert [document.graph.node(i).position for i in (a, b)] == [(0.0, 0.0), (220.0, 0.0)]


def test_rubber_band_selects_the_nodes_it_touches(canvas, document):
    a, b, c = build_chain(document, ("Input", {"shape": [2]}), ("Dense", {"units": 2}), ("Dense", {"units": 1}))
    document.push(cmd.MoveNodes(document, {c: (440, 300)}, finished=True))
    drag(canvas, QPointF(-40, -40), QPointF(300, 120))
    assert sorted(canvas.selection.ids) == sorted([a, b])
    assert {item.node_id for item in canvas.scene().selectedItems() if hasattr(item, "node_id")} == {a, b}
    QTest.mouseClick(canvas.viewport(), LEFT, Qt.KeyboardModifier.NoModifier, to_view(canvas, header_of(canvas, c)))
    assert canvas.selection.ids == [c]
    QTest.mouseClick(canvas.viewport(), LEFT, Qt.KeyboardModifier.ControlModifier,
                     to_view(canvas, header_of(canvas, a)))
    assert canvas.selection.ids == [c, a]
    QTest.mouseClick(canvas.viewport(), LEFT, Qt.KeyboardModifier.NoModifier, to_view(canvas, QPointF(200, 500)))
    assert canvas.selection.ids == []


def test_palette_drop_adds_the_layer_where_it_is_dropped(canvas, document):
    drop_layer(canvas, "Dense", QPointF(300, 200))
    (node,) = document.graph
    assert node.layer_type == "Dense"
    assert node.position == (200.0, 180.0)  # held by its header's middle, snapped to the grid
    assert canvas.selection.ids == [node.id]
    document.undo_stack.undo()
    assert len(document.graph) == 0
    document.undo_stack.redo()
    assert len(document.graph) == 1


def test_double_click_on_a_node_activates_it(canvas, document, qtbot):
    (a,) = build_chain(document, ("Input", {"shape": [2]}))
    with qtbot.waitSignal(canvas.node_activated, timeout=1000) as blocker:
        QTest.mouseDClick(canvas.viewport(), LEFT, Qt.KeyboardModifier.NoModifier,
                          to_view(canvas, header_of(canvas, a)))
    assert blocker.args == [a]


def test_build_the_slide_mnist_cnn_only_through_canvas_actions(canvas, document):
    layers = [("Input", {"shape": [28, 28, 1]}),
              ("Conv2D", {"filters": 32, "kernel_size": [3, 3], "activation": "relu"}),
              ("MaxPooling2D", {"pool_size": [2, 2]}),
              ("Flatten", {}),
              ("Dense", {"units": 128, "activation": "relu"}),
              ("Dense", {"units": 10, "activation": "softmax"})]
    canvas.set_zoom(0.6)
    canvas.centerOn(800, 60)
    for index, (layer_type, _) in enumerate(layers):
        drop_layer(canvas, layer_type, QPointF(94 + 300 * index, 15))
    ids = [document.graph.node_by_name(name).id for name in
           ("input", "conv2d", "max_pooling2d", "flatten", "dense", "dense_1")]
    for node_id, (_, params) in zip(ids, layers):
        for name, value in params.items():
            document.push(cmd.SetParam(document, node_id, name, value))  # what the inspector pushes
    for source, target in zip(ids, ids[1:]):
        drag(canvas, output_of(canvas, source), input_of(canvas, target))
    analysis = document.analyze_now()
    assert analysis.ok, analysis.problems
    counts = [analysis.param_counts[i] for i in ids]
    assert counts == [0, 320, 0, 0, 692_352, 1_290]
    assert analysis.total_params == 693_962
    assert canvas.scene().nodes[ids[4]].params_text == "692 352 params"
    assert canvas.scene().edges[document.graph.incoming(ids[1])[0]].label == "(28, 28, 1)"
    steps = document.undo_stack.count()
    for _ in range(steps):
        document.undo_stack.undo()
    assert len(document.graph) == 0 and not canvas.scene().nodes
    for _ in range(steps):
        document.undo_stack.redo()
    assert document.analyze_now().total_params == 693_962
