"""Canvas edits that are not mouse gestures: adding layers, delete, clipboard, duplicate, auto-layout; and
the QActions (with their shortcuts) the main window can put in its menus and toolbars."""
from __future__ import annotations

import json

from PySide6.QtCore import QMimeData, QObject, QPointF, QRectF, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence

from designer import commands
from designer.canvas import style
from designer.canvas.gestures import snap
from designer.i18n import tr
from designer.mime import NODES_MIME


class CanvasEditor(QObject):
    def __init__(self, view):
        super().__init__(view)
        self.view = view
        self.document = view.document
        self.selection = view.selection
        self._paste_count = 0

    @property
    def graph(self):
        return self.document.graph

    def _selected_ids(self) -> list[str]:
        return [node_id for node_id in self.selection.ids if node_id in self.graph.nodes]

    # -- adding layers ------------------------------------------------------------------------------------------
    def add_layer(self, layer_type: str, top_left: QPointF, connect_from: str | None = None) -> str | None:
        """Add a layer with its top-left corner at ``top_left`` (snapped), select it; None if refused."""
        position = (snap(top_left.x(), self.view.snap_to_grid), snap(top_left.y(), self.view.snap_to_grid))
        try:
            command = commands.AddNode(self.document, layer_type, position=position, connect_from=connect_from)
        except ValueError as error:
            self.view.refuse(str(error))
            return None
        self.document.push(command)
        self.selection.set([command.node_id])
        item = self.view.scene().nodes.get(command.node_id)
        if item is not None:
            self.view.ensureVisible(item, 60, 60)
        return command.node_id

    def add_after_selected(self, layer_type: str) -> str | None:
        """The palette's double-click: add the layer to the right of the selected node, wired after it."""
        source = self.selection.current if self.selection.current in self.graph.nodes else None
        if source is not None:
            x, y = self.graph.node(source).position
            start = QPointF(x + style.NODE_WIDTH + style.COLUMN_GAP, y)
        else:
            centre = self.view.mapToScene(self.view.viewport().rect().center())
            start = QPointF(centre.x() - style.NODE_WIDTH / 2, centre.y() - style.NODE_HEIGHT / 2)
        return self.add_layer(layer_type, self._free_spot(start), connect_from=source)

    def _free_spot(self, start: QPointF) -> QPointF:
        """``start``, or the first place below it that no node covers."""
        spot = QPointF(start)
        occupied = [item.sceneBoundingRect() for item in self.view.scene().nodes.values()]
        while any(QRectF(spot.x(), spot.y(), style.NODE_WIDTH, style.NODE_HEIGHT).intersects(rect)
                  for rect in occupied):
            spot += QPointF(0, style.NODE_HEIGHT + style.ROW_GAP)
        return spot

    # -- delete, clipboard -------------------------------------------------------------------------------------
    def delete_selected(self) -> None:
        ids = self._selected_ids()
        wires = [item.edge for item in self.view.scene().selectedItems()
                 if hasattr(item, "edge") and item.edge.source not in ids and item.edge.target not in ids]
        steps = ([commands.RemoveNodes(self.document, ids)] if ids else []) + \
                [commands.Disconnect(self.document, edge) for edge in wires]
        if not steps:
            self.view.message.emit(tr("Select layers or a wire to delete."))
            return
        stack = self.document.undo_stack
        if len(steps) > 1:
            stack.beginMacro(tr("Delete"))
        for step in steps:
            self.document.push(step)
        if len(steps) > 1:
            stack.endMacro()

    def copy(self) -> bool:
        ids = self._selected_ids()
        if not ids:
            self.view.message.emit(tr("Select the layers to copy first."))
            return False
        mime = QMimeData()
        mime.setData(NODES_MIME, json.dumps(commands.copy_nodes(self.graph, ids)).encode("utf-8"))
        QGuiApplication.clipboard().setMimeData(mime)
        self._paste_count = 0
        return True

    def cut(self) -> None:
        if self.copy():
            self.document.push(commands.RemoveNodes(self.document, self._selected_ids()))

    def paste(self) -> list[str]:
        mime = QGuiApplication.clipboard().mimeData()
        if mime is None or not mime.hasFormat(NODES_MIME):
            self.view.message.emit(tr("The clipboard holds no layers to paste."))
            return []
        try:
            data = json.loads(bytes(mime.data(NODES_MIME)).decode("utf-8"))
        except ValueError:
            self.view.message.emit(tr("The clipboard holds no layers to paste."))
            return []
        self._paste_count += 1  # each paste of the same copy lands a step further, never on top
        return self._paste(data, 2 * style.GRID * self._paste_count)

    def duplicate(self) -> list[str]:
        ids = self._selected_ids()
        if not ids:
            self.view.message.emit(tr("Select the layers to duplicate first."))
            return []
        return self._paste(commands.copy_nodes(self.graph, ids), 2 * style.GRID)

    def _paste(self, data: dict, step: float) -> list[str]:
        try:
            command = commands.PasteNodes(self.document, data, (step, step))
        except (KeyError, TypeError, ValueError) as error:
            self.view.refuse(tr("These layers cannot be pasted: {reason}").format(reason=error))
            return []
        self.document.push(command)
        self.selection.set(command.node_ids)
        return command.node_ids

    def select_all(self) -> None:
        self.selection.set(list(self.graph.nodes))

    # -- layout -----------------------------------------------------------------------------------------------
    def auto_layout(self) -> None:
        """Place every node left to right by data flow, as one undoable step."""
        spacing = (style.NODE_WIDTH + style.COLUMN_GAP, style.NODE_HEIGHT + style.ROW_GAP)
        try:
            from engine.graph.layout import auto_layout
        except ImportError:  # the engine's layout is optional; the canvas carries a simpler one
            from designer.canvas.layering import auto_layout
        positions = {node_id: (snap(x), snap(y)) for node_id, (x, y) in auto_layout(self.graph, spacing).items()}
        changed = {node_id: p for node_id, p in positions.items() if self.graph.node(node_id).position != p}
        if changed:
            self.document.push(commands.MoveNodes(self.document, changed, finished=True))
        self.view.fit_to_view()


def make_actions(view) -> dict[str, QAction]:
    """The canvas actions, keyed by name, for the context menu and for the view's own keys.

    Their shortcuts are listed but not registered with Qt's shortcut system (the actions are not added to a
    widget): the main window's menus own the same shortcuts, and two live actions with one shortcut would be
    ambiguous and do nothing. The view runs an action itself when a key reaches it unclaimed.
    """
    editor = view.editor
    table = [
        ("delete", tr("Delete"), [QKeySequence.StandardKey.Delete, Qt.Key.Key_Backspace], editor.delete_selected),
        ("cut", tr("Cut"), [QKeySequence.StandardKey.Cut], editor.cut),
        ("copy", tr("Copy"), [QKeySequence.StandardKey.Copy], editor.copy),
        ("paste", tr("Paste"), [QKeySequence.StandardKey.Paste], editor.paste),
        ("duplicate", tr("Duplicate"), ["Ctrl+D"], editor.duplicate),
        ("select_all", tr("Select all"), [QKeySequence.StandardKey.SelectAll], editor.select_all),
        ("zoom_in", tr("Zoom in"), ["+", "=", "Ctrl++", "Ctrl+="], view.zoom_in),
        ("zoom_out", tr("Zoom out"), ["-", "Ctrl+-"], view.zoom_out),
        ("fit", tr("Fit to view"), ["Ctrl+0"], view.fit_to_view),
        ("auto_layout", tr("Arrange left to right"), ["Ctrl+L"], editor.auto_layout),
        ("snap", tr("Snap to grid"), [], None),
        ("minimap", tr("Show minimap"), [], None),
    ]
    actions = {}
    for name, text, keys, slot in table:
        action = QAction(text, view)
        shortcuts = []
        for key in keys:
            shortcuts.extend(QKeySequence.keyBindings(key) if isinstance(key, QKeySequence.StandardKey)
                             else [QKeySequence(key)])
        action.setShortcuts(shortcuts)
        if slot is not None:
            action.triggered.connect(lambda checked=False, slot=slot: slot())
        actions[name] = action
    for name in ("snap", "minimap"):
        actions[name].setCheckable(True)
    actions["snap"].setChecked(True)
    actions["minimap"].setChecked(False)  # the main window docks its own Minimap; this one floats on the canvas
    return actions
