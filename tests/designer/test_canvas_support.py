"""Shared helpers for the canvas tests: a shown canvas, real mouse drags and palette drops on its viewport."""

import pytest
from PySide6.QtCore import QEvent, QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from designer.canvas import CanvasView
from designer.mime import LAYER_MIME
from designer.selection import Selection

LEFT = Qt.MouseButton.LeftButton

@pytest.fixture(name="canvas")
def canvas_fixture(qtbot, document):
    """A shown CanvasView over ``document`` at 100 % zoom (test modules import this fixture)."""
    view = CanvasView(document, Selection())
    qtbot.addWidget(view)
    view.resize(1300, 720)
    view.show()
    qtbot.waitExposed(view)
    view.set_zoom(1.0)
    view.centerOn(500, 100)
    return view


def to_view(view, scene_point) -> QPoint:
    return view.mapFromScene(QPointF(scene_point))


def move_with_buttons(viewport, point: QPoint, buttons, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    # QTest.mouseMove does not say which buttons are held; the rubber band needs to know.
    event = QMouseEvent(QEvent.Type.MouseMove, QPointF(point), QPointF(viewport.mapToGlobal(point)),
                        Qt.MouseButton.NoButton, buttons, modifiers)
    QApplication.sendEvent(viewport, event)


def drag(view, start, end, steps: int = 8, button=LEFT, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    """Press at scene point ``start``, move in steps, release at scene point ``end`` (real mouse events)."""
    viewport = view.viewport()
    a, b = to_view(view, start), to_view(view, end)
    QTest.mousePress(viewport, button, modifiers, a)
    for i in range(1, steps + 1):
        move_with_buttons(viewport, a + (b - a) * (i / steps), button, modifiers)
    QTest.mouseRelease(viewport, button, modifiers, b)


def drop_layer(view, layer_type: str, scene_point) -> None:
    """What the palette's drag ends with: enter, move and drop events carrying LAYER_MIME."""
    viewport = view.viewport()
    mime = QMimeData()
    mime.setData(LAYER_MIME, layer_type.encode("utf-8"))
    point = to_view(view, scene_point)
    action, buttons, modifiers = Qt.DropAction.CopyAction, LEFT, Qt.KeyboardModifier.NoModifier
    # Enter/move take a QPoint and the drop a QPointF (PySide6 6.11's signatures).
    for event in (QDragEnterEvent(QPoint(point), action, mime, buttons, modifiers),
                  QDragMoveEvent(QPoint(point), action, mime, buttons, modifiers),
                  QDropEvent(QPointF(point), action, mime, buttons, modifiers)):
        QApplication.sendEvent(viewport, event)
        assert event.isAccepted()


def output_of(view, node_id) -> QPointF:
    return view.scene().nodes[node_id].output_anchor()


def input_of(view, node_id, port: int = 0) -> QPointF:
    return view.scene().nodes[node_id].input_anchor(port)


def centre_of(view, node_id) -> QPointF:
    return view.scene().nodes[node_id].sceneBoundingRect().center()


def header_of(view, node_id) -> QPointF:
    """A point on the node's header (the body of a node, away from its ports)."""
    item = view.scene().nodes[node_id]
    return item.mapToScene(QPointF(item.width / 2, 14))
