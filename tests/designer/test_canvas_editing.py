"""Canvas edits through keys, clipboard and the view's methods; each checked, undone and redone."""
import json

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QGuiApplication, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from designer import commands as cmd
from designer.mime import NODES_MIME
from tests.designer.conftest import build_chain
from tests.designer.test_canvas_support import LEFT, move_with_buttons, canvas_fixture, drag, header_of, to_view  # noqa: F401

NO = Qt.KeyboardModifier.NoModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def snapshot(document):
    """The graph as plain data, in a canonical order (undoing a removal may put a node back last)."""
    data = document.graph.to_dict()
    return {"nodes": sorted(data["nodes"], key=lambda n: n["id"]),
            "edges": sorted(data["edges"], key=lambda e: (e["target"], e["target_port"]))}


def check_undo_redo(document, before, after):
    assert snapshot(document) == after
    document.undo_stack.undo()
    assert snapshot(document) == before
    document.undo_stack.redo()
    assert snapshot(document) == after


def test_delete_key_removes_selected_layers_with_their_wires(canvas, document):
    a, b, c = build_chain(document, ("Input", {"shape": [2]}), ("Dense", {"units": 2}), ("Dense", {"units": 1}))
    before = snapshot(document)
    canvas.selection.set([b])
    QTest.keyClick(canvas, Qt.Key.Key_Delete)
    assert list(document.graph.nodes) == [a, c] and document.graph.edges == []
    assert canvas.selection.ids == []
    check_undo_redo(document, before, snapshot(document))


def test_delete_removes_a_clicked_wire(canvas, document):
    a, b = build_chain(document, ("Input", {"shape": [2]}), ("Dense", {"units": 1}))
    document.push(cmd.MoveNodes(document, {b: (400, 0)}, finished=True))
    canvas.selection.set([a])
    wire = next(iter(canvas.scene().edges.values()))
    QTest.mouseClick(canvas.viewport(), LEFT, NO, to_view(canvas, QPointF(300, wire.start.y())))
    assert wire.isSelected() and canvas.selection.ids == []
    before = snapshot(document)
    QTest.keyClick(canvas, Qt.Key.Key_Backspace)
    assert document.graph.edges == [] and len(document.graph) == 2
    check_undo_redo(document, before, snapshot(document))


def test_copy_and_paste_through_the_clipboard(canvas, document):
    a, b = build_chain(document, ("Input", {"shape": [2]}), ("Dense", {"units": 3}))
    canvas.selection.set([a, b])
    QTest.keyClick(canvas, Qt.Key.Key_C, CTRL)
    data = json.loads(bytes(QGuiApplication.clipboard().mimeData().data(NODES_MIME)).decode())
    assert [n["id"] for n in data["nodes"]] == [a, b] and len(data["edges"]) == 1
    before = snapshot(document)
    QTest.keyClick(canvas, Qt.Key.Key_V, CTRL)
    new = canvas.selection.ids
    assert len(new) == 2 and set(new).isdisjoint({a, b})
    assert [document.graph.node(i).position for i in new] == [(40.0, 40.0), (260.0, 40.0)]
    assert document.graph.predecessors(new[1]) == [new[0]]
    assert [document.graph.node(i).name for i in new] == ["input_1", "dense_1"]
    check_undo_redo(document, before, snapshot(document))
    canvas.paste()  # a second paste lands one step further
    assert document.graph.node(canvas.selection.ids[0]).position == (80.0, 80.0)
    assert document.analyze_now().total_params == 3 * 9


def test_cut_removes_and_paste_brings_back_copies(canvas, document):
    a, b = build_chain(document, ("Input", {"shape": [2]}), ("Dense", {"units": 3}))
    canvas.selection.set([b])
    before = snapshot(document)
    canvas.cut_selection()
    assert list(document.graph.nodes) == [a]
    check_undo_redo(document, before, snapshot(document))
    (pasted,) = canvas.paste()
    assert document.graph.node(pasted).layer_type == "Dense" and document.graph.node(pasted).params == {"units": 3}


def test_duplicate_key(canvas, document):
    (a,) = build_chain(document, ("Dense", {"units": 5}))
    canvas.selection.set([a])
    before = snapshot(document)
    QTest.keyClick(canvas, Qt.Key.Key_D, CTRL)
    (copy,) = canvas.selection.ids
    assert copy != a and document.graph.node(copy).position == (40.0, 40.0)
    check_undo_redo(document, before, snapshot(document))


def test_messages_when_there_is_nothing_to_act_on(canvas, document):
    messages = []
    canvas.message.connect(messages.append)
    canvas.copy_selection()
    canvas.delete_selection()
    QGuiApplication.clipboard().clear()
    canvas.paste()
    assert len(messages) == 3 and document.undo_stack.count() == 0


def test_add_after_selected_wires_and_places_to_the_right(canvas, document):
    (a,) = build_chain(document, ("Input", {"shape": [4]}))
    canvas.selection.set([a])
    before = snapshot(document)
    b = canvas.add_after_selected("Dense")
    assert document.graph.predecessors(b) == [a] and canvas.selection.ids == [b]
    assert document.graph.node(b).position == (320.0, 0.0)
    check_undo_redo(document, before, snapshot(document))
    canvas.selection.set([a])
    c = canvas.add_after_selected("Dense")  # the place right of a is taken: goes below it
    assert document.graph.node(c).position == (320.0, 140.0) and document.graph.predecessors(c) == [a]
    canvas.selection.set([])
    d = canvas.add_after_selected("Dropout")
    assert document.graph.predecessors(d) == []


def test_auto_layout_is_one_undoable_step(canvas, document):
    ids = build_chain(document, ("Input", {"shape": [4]}), ("Dense", {"units": 3}), ("Dense", {"units": 2}))
    document.push(cmd.MoveNodes(document, {ids[0]: (900, 500), ids[2]: (-300, 40)}, finished=True))
    before = snapshot(document)
    count = document.undo_stack.count()
    canvas.auto_layout()
    xs = [document.graph.node(i).position[0] for i in ids]
    ys = {document.graph.node(i).position[1] for i in ids}
    assert xs == sorted(xs) and xs[1] - xs[0] >= 300 and len(ys) == 1
    assert document.undo_stack.count() == count + 1
    check_undo_redo(document, before, snapshot(document))


def test_selection_is_bound_both_ways_without_echo(canvas, document):
    a, b = build_chain(document, ("Input", {"shape": [2]}), ("Dense", {"units": 1}))
    emitted = []
    canvas.selection.changed.connect(emitted.append)
    canvas.selection.set([b])  # from another view (inspector, neuron view)
    assert [i.node_id for i in canvas.scene().selectedItems()] == [b]
    assert emitted == [[b]]
    QTest.mouseClick(canvas.viewport(), LEFT, NO, to_view(canvas, header_of(canvas, a)))
    assert emitted == [[b], [a]]  # one change per click, no echo
    assert [i.node_id for i in canvas.scene().selectedItems()] == [a]
    document.push(cmd.RemoveNodes(document, [a]))
    assert canvas.selection.ids == []


def _wheel(view, delta: int, modifiers=NO) -> None:
    point = view.viewport().rect().center()
    event = QWheelEvent(QPointF(point), QPointF(view.viewport().mapToGlobal(point)), QPoint(), QPoint(0, delta),
                        Qt.MouseButton.NoButton, modifiers, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), event)


def test_zoom_with_wheel_keys_and_fit(canvas, document):
    build_chain(document, *[("Dense", {"units": 2})] * 12)
    zooms = []
    canvas.zoom_changed.connect(zooms.append)
    _wheel(canvas, 120)
    assert canvas.zoom == pytest.approx(1.0015 ** 120)
    _wheel(canvas, -240, CTRL)
    assert canvas.zoom < 1
    canvas.set_zoom(1.0)
    QTest.keyClick(canvas, Qt.Key.Key_Plus)
    assert canvas.zoom == pytest.approx(1.2)
    QTest.keyClick(canvas, Qt.Key.Key_Minus)
    QTest.keyClick(canvas, Qt.Key.Key_Minus)
    assert canvas.zoom == pytest.approx(1 / 1.2)
    QTest.keyClick(canvas, Qt.Key.Key_0, CTRL)
    visible = canvas.mapToScene(canvas.viewport().rect()).boundingRect()
    assert visible.contains(canvas.scene().network_rect())
    assert zooms and zooms[-1] == canvas.zoom
    for _ in range(40):
        _wheel(canvas, -120)
    assert canvas.zoom == pytest.approx(0.1)


def test_pan_with_arrows_middle_drag_and_space_drag(canvas, document):
    build_chain(document, *[("Dense", {"units": 2})] * 12)
    bar = canvas.horizontalScrollBar()
    start = bar.value()
    QTest.keyClick(canvas, Qt.Key.Key_Right)
    assert bar.value() == start + 80
    count = document.undo_stack.count()
    drag(canvas, QPointF(600, 300), QPointF(500, 300), button=Qt.MouseButton.MiddleButton)
    assert bar.value() == start + 180
    QTest.keyPress(canvas, Qt.Key.Key_Space)
    centre = header_of(canvas, document.graph.node_by_name("dense_3").id)
    drag(canvas, centre, centre + QPointF(-50, 0))  # starts on a node: pans, does not move it
    QTest.keyRelease(canvas, Qt.Key.Key_Space)
    assert bar.value() == start + 230 and document.undo_stack.count() == count


def test_escape_cancels_a_wire_being_dragged(canvas, document):
    a, b = build_chain(document, ("Input", {"shape": [2]}), ("Dense", {"units": 1}))
    document.push(cmd.Disconnect(document, document.graph.edges[0]))
    viewport = canvas.viewport()
    start = to_view(canvas, canvas.scene().nodes[a].output_anchor())
    QTest.mousePress(viewport, LEFT, NO, start)
    move_with_buttons(viewport, start + QPoint(40, 30), LEFT)
    QTest.keyClick(canvas, Qt.Key.Key_Escape)
    QTest.mouseRelease(viewport, LEFT, NO, to_view(canvas, canvas.scene().nodes[b].input_anchor(0)))
    assert document.graph.edges == []
    assert not [i for i in canvas.scene().items() if type(i).__name__ == "WirePreview"]


def test_minimap_shows_and_moves_the_visible_area(canvas, document, qtbot):
    from designer.canvas import Minimap

    build_chain(document, *[("Dense", {"units": 2})] * 30)
    minimap = Minimap(canvas)
    qtbot.addWidget(minimap)
    minimap.resize(300, 120)
    minimap.show()
    minimap.refit()
    assert minimap.sceneRect().contains(canvas.scene().network_rect())
    target = QPointF(220 * 25, 50)
    point = minimap.mapFromScene(target)
    QTest.mousePress(minimap.viewport(), LEFT, NO, point)
    QTest.mouseRelease(minimap.viewport(), LEFT, NO, point)
    assert minimap.visible_area().contains(target)
    assert canvas.mapToScene(canvas.viewport().rect()).boundingRect().contains(target)


def test_overlays_hint_problem_banner_and_floating_minimap(canvas, document):
    overlays = canvas.overlays
    assert overlays.hint.isVisible() and not overlays.banner.isVisible()
    (a,) = build_chain(document, ("Dense", {"units": 2}))
    document.analyze_now()
    assert not overlays.hint.isVisible()
    assert overlays.banner.isVisible() and "Input" in overlays.banner.text()
    document.push(cmd.RemoveNodes(document, [a]))
    assert overlays.hint.isVisible()
    build_chain(document, ("Input", {"shape": [2]}), *[("Dense", {"units": 2})] * 11)
    document.analyze_now()
    assert not overlays.banner.isVisible()
    canvas.set_zoom(1.0)
    assert not overlays.minimap.isVisible()  # off by default: the main window docks its own
    canvas.canvas_actions["minimap"].setChecked(True)
    assert overlays.minimap.isVisible()  # the network does not fit: the overview appears in the corner
    canvas.fit_to_view()
    assert not overlays.minimap.isVisible()  # everything is visible: nothing to navigate


def test_snap_can_be_switched_off(canvas, document):
    (a,) = build_chain(document, ("Dense", {"units": 2}))
    canvas.set_snap_to_grid(False)
    assert not canvas.canvas_actions["snap"].isChecked()
    drag(canvas, header_of(canvas, a), header_of(canvas, a) + QPointF(7, 3))
    assert document.graph.node(a).position == (7.0, 3.0)
    canvas.set_snap_to_grid(True)
    drag(canvas, header_of(canvas, a), header_of(canvas, a) + QPointF(7, 3))
    assert document.graph.node(a).position == (20.0, 0.0)
