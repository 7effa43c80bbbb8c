"""The canvas view: what the person drags, clicks, zooms and types on.

It turns mouse and keyboard input into undo commands (through the gestures and the editor) and keeps the
canvas selection and the shared ``Selection`` in step without echo. Zoom: wheel, +/−, Ctrl+0 fits. Pan:
middle drag, Space+drag, scroll bars, arrow keys.
"""
from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QCursor, QKeySequence, QPainter
from PySide6.QtWidgets import QApplication, QGraphicsView, QMenu, QToolTip

from designer.canvas import style
from designer.canvas.editing import CanvasEditor, make_actions
from designer.canvas.export import export_image
from designer.canvas.gestures import MoveGesture, WireGesture
from designer.canvas.node_item import NodeItem
from designer.canvas.overlays import CanvasOverlays
from designer.canvas.scene import CanvasScene
from designer.mime import LAYER_MIME

MIN_ZOOM, MAX_ZOOM, MAX_FIT_ZOOM = 0.1, 4.0, 1.25
_PAN_STEP = 80  # pixels per arrow key press
_ZOOM_STEP = 1.2


class CanvasView(QGraphicsView):
    message = Signal(str)  # a refusal or hint for the status bar
    node_activated = Signal(str)  # a node was double-clicked
    zoom_changed = Signal(float)

    def __init__(self, document, selection, parent=None):
        super().__init__(parent)
        self.document = document
        self.selection = selection
        self.setScene(CanvasScene(document, self))
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.snap_to_grid = True
        self._gesture: MoveGesture | WireGesture | None = None
        self._pending = None  # (press point, gesture factory) until the mouse moves far enough
        self._select_only_on_release: str | None = None
        self._pan_from: QPoint | None = None
        self._space_held = False
        self._over_port = False
        self._syncing = False
        self.editor = CanvasEditor(self)
        self.canvas_actions = make_actions(self)
        self.canvas_actions["snap"].toggled.connect(self._set_snap)
        self.overlays = CanvasOverlays(self)
        self.minimap = self.overlays.minimap  # floats in the corner when the "minimap" action is checked
        self.scene().selectionChanged.connect(self._scene_selection_changed)
        selection.changed.connect(self._selection_changed)
        document.graph_replaced.connect(self._fit_soon)

    # -- public -------------------------------------------------------------------------------------------
    def fit_to_view(self) -> None:
        """Show the whole network, no larger than MAX_FIT_ZOOM (a 3-node net should not fill the screen)."""
        self.scene().update_scene_rect()
        rect = self.scene().network_rect()
        if rect.isNull():
            self.set_zoom(1.0)
            self.centerOn(0, 0)
            return
        rect = rect.adjusted(-50, -50, 50, 50)
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        self.set_zoom(min(max(self.zoom, MIN_ZOOM), MAX_FIT_ZOOM))
        self.centerOn(rect.center())

    def auto_layout(self) -> None:
        self.editor.auto_layout()

    def add_after_selected(self, layer_type: str) -> str | None:
        return self.editor.add_after_selected(layer_type)

    def delete_selection(self) -> None:
        self.editor.delete_selected()

    def cut_selection(self) -> None:
        self.editor.cut()

    def copy_selection(self) -> None:
        self.editor.copy()

    def paste(self) -> list[str]:
        return self.editor.paste()

    def duplicate_selection(self) -> list[str]:
        return self.editor.duplicate()

    def select_all(self) -> None:
        self.editor.select_all()

    def set_snap_to_grid(self, enabled: bool) -> None:
        self.canvas_actions["snap"].setChecked(bool(enabled))  # toggled → _set_snap

    def export_image(self, path) -> None:
        export_image(self.scene(), path)

    @property
    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, zoom: float) -> None:
        zoom = min(max(zoom, MIN_ZOOM), MAX_ZOOM)
        if abs(zoom - self.zoom) > 1e-9:
            self.scale(zoom / self.zoom, zoom / self.zoom)
        self.zoom_changed.emit(self.zoom)
        self.overlays.place()

    def zoom_in(self) -> None:
        self._zoom_at_centre(_ZOOM_STEP)

    def zoom_out(self) -> None:
        self._zoom_at_centre(1 / _ZOOM_STEP)

    def _zoom_at_centre(self, factor: float) -> None:
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.set_zoom(self.zoom * factor)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)

    def refuse(self, reason: str) -> None:
        """Tell why an edit was refused: in the status bar (``message``) and as a tooltip at the mouse."""
        self.message.emit(reason)
        QToolTip.showText(QCursor.pos(), reason, self)

    # -- selection, both ways, without echo ----------------------------------------------------------------
    def _scene_selection_changed(self) -> None:
        if self._syncing:
            return
        chosen = [item.node_id for item in self.scene().selectedItems() if isinstance(item, NodeItem)]
        ordered = [i for i in self.selection.ids if i in chosen] + [i for i in chosen if i not in self.selection.ids]
        self._syncing = True
        try:
            self.selection.set(ordered)
        finally:
            self._syncing = False

    def _selection_changed(self, ids: list) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            wanted = set(ids)
            for item in self.scene().selectedItems():
                if not (isinstance(item, NodeItem) and item.node_id in wanted):
                    item.setSelected(False)
            for node_id in ids:
                if node_id in self.scene().nodes:
                    self.scene().nodes[node_id].setSelected(True)
        finally:
            self._syncing = False

    def _select_wire(self, item) -> None:
        self.selection.set([])
        self._syncing = True
        try:
            self.scene().clearSelection()
            item.setSelected(True)
        finally:
            self._syncing = False

    # -- mouse ------------------------------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt's names from here on)
        point = event.position().toPoint()
        if event.button() == Qt.MouseButton.MiddleButton or (
                event.button() == Qt.MouseButton.LeftButton and self._space_held):
            self._pan_from = point
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            return
        if event.button() != Qt.MouseButton.LeftButton or self._gesture is not None:
            super().mousePressEvent(event)
            return
        scene, position = self.scene(), self.mapToScene(point)
        port = scene.port_at(position)
        if port is not None:
            self._pending = (point, lambda: WireGesture(self, port))
            return
        node = scene.node_at(position)
        if node is not None:
            self._press_node(node, event.modifiers(), point, position)
            return
        wire = scene.edge_at(position)
        if wire is not None:
            self._select_wire(wire)
            return
        super().mousePressEvent(event)  # empty canvas: rubber-band selection

    def _press_node(self, node: NodeItem, modifiers, point: QPoint, position: QPointF) -> None:
        ids = list(self.selection.ids)
        if modifiers & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier):
            if node.node_id in ids:
                self.selection.set([i for i in ids if i != node.node_id])
                return
            self.selection.set(ids + [node.node_id])
        elif node.node_id not in ids:
            self.selection.set([node.node_id])
        else:
            self._select_only_on_release = node.node_id  # a click (no drag) in a group selects just this one
        moving = [i for i in self.selection.ids if i in self.document.graph.nodes]
        self._pending = (point, lambda: MoveGesture(self, node.node_id, moving, position))

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        point = event.position().toPoint()
        if self._pan_from is not None:
            delta = point - self._pan_from
            self._pan_from = point
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())
            return
        if self._pending is not None:
            start, factory = self._pending
            if (point - start).manhattanLength() < QApplication.startDragDistance():
                return
            self._pending = None
            self._select_only_on_release = None
            self._gesture = factory()
        if self._gesture is not None:
            self._gesture.move(self.mapToScene(point))
            return
        if not self._space_held and not event.buttons():
            self._show_port_cursor(self.scene().port_at(self.mapToScene(point)) is not None)
        super().mouseMoveEvent(event)

    def _show_port_cursor(self, over_port: bool) -> None:
        """A cross over ports says "a wire starts here"."""
        if over_port != self._over_port:
            self._over_port = over_port
            self.viewport().setCursor(Qt.CursorShape.CrossCursor if over_port else Qt.CursorShape.ArrowCursor)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        if self._pan_from is not None:
            self._pan_from = None
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor if self._space_held else Qt.CursorShape.ArrowCursor)
            return
        gesture, self._gesture, self._pending = self._gesture, None, None
        if isinstance(gesture, WireGesture):
            gesture.finish(self.mapToScene(event.position().toPoint()))
        elif gesture is not None:
            gesture.finish()
        elif self._select_only_on_release is not None:
            self.selection.set([self._select_only_on_release])
        self._select_only_on_release = None
        if gesture is None:
            super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802
        node = self.scene().node_at(self.mapToScene(event.position().toPoint()))
        if node is not None and event.button() == Qt.MouseButton.LeftButton:
            self.node_activated.emit(node.node_id)
            return
        super().mouseDoubleClickEvent(event)

    def wheelEvent(self, event) -> None:  # noqa: N802
        delta = event.angleDelta().y() or event.angleDelta().x()
        if delta:
            self.set_zoom(self.zoom * 1.0015 ** delta)  # one notch (120) ≈ 20 %, with or without Ctrl
        event.accept()

    def contextMenuEvent(self, event) -> None:  # noqa: N802
        position = self.mapToScene(event.pos())
        node = self.scene().node_at(position)
        wire = self.scene().edge_at(position) if node is None else None
        if node is not None and node.node_id not in self.selection.ids:
            self.selection.set([node.node_id])
        elif wire is not None:
            self._select_wire(wire)
        menu = QMenu(self)
        for names in (("cut", "copy", "paste", "duplicate", "delete"), ("select_all", "auto_layout", "fit")):
            for name in names:
                menu.addAction(self.canvas_actions[name])
            menu.addSeparator()
        menu.exec(event.globalPos())

    # -- keyboard ---------------------------------------------------------------------------------------------
    def keyPressEvent(self, event) -> None:  # noqa: N802
        key = event.key()
        plain = not event.modifiers() & ~(Qt.KeyboardModifier.KeypadModifier | Qt.KeyboardModifier.ShiftModifier)
        if plain and key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            return self.zoom_in()
        if plain and key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            return self.zoom_out()
        pressed = QKeySequence(event.keyCombination())
        for action in self.canvas_actions.values():  # when the shortcut system did not take the key first
            if action.isEnabled() and any(s.matches(pressed) == QKeySequence.SequenceMatch.ExactMatch
                                          for s in action.shortcuts()):
                return action.trigger()
        arrows = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, -1), Qt.Key.Key_Down: (0, 1)}
        if key in arrows:
            dx, dy = arrows[key]
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + dx * _PAN_STEP)
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() + dy * _PAN_STEP)
        elif key == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
        elif key == Qt.Key.Key_Escape:
            if isinstance(self._gesture, WireGesture):
                self._gesture.cancel()
                self._gesture = None
            else:
                self.selection.set([])
        else:
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = False
            self.viewport().setCursor(Qt.CursorShape.ArrowCursor)
            return
        super().keyReleaseEvent(event)

    # -- drops from the palette ------------------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802
        event.acceptProposedAction() if event.mimeData().hasFormat(LAYER_MIME) else event.ignore()

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        event.acceptProposedAction() if event.mimeData().hasFormat(LAYER_MIME) else event.ignore()

    def dropEvent(self, event) -> None:  # noqa: N802
        if not event.mimeData().hasFormat(LAYER_MIME):
            event.ignore()
            return
        layer_type = bytes(event.mimeData().data(LAYER_MIME)).decode("utf-8").strip()
        position = self.mapToScene(event.position().toPoint())
        # The pointer holds the new layer by its header, where a person would grab it.
        self.editor.add_layer(layer_type, position - QPointF(style.NODE_WIDTH / 2, style.HEADER_HEIGHT / 2))
        event.acceptProposedAction()
        self.setFocus()

    # -- settings and overlays -------------------------------------------------------------------------------
    def _set_snap(self, enabled: bool) -> None:
        self.snap_to_grid = enabled

    def _fit_soon(self) -> None:
        QTimer.singleShot(0, self.fit_to_view)  # after the scene has its items and the window its size

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.overlays.place()

