"""NeuronView: the dense part of the network drawn Playground-style, on the SAME document as the canvas.

It reads ``document.graph`` and listens to the document's signals (edits made anywhere show here) and writes
only through undo commands (edits made here show in the canvas). Bursts of signals (a macro, an undo of
several steps) cost one refresh: refreshes are coalesced on a zero-delay timer; the scene is rebuilt only when
the drawn chain changed, otherwise only line colours and widths are updated.
"""
from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView, QLabel

from designer.i18n import tr
from designer.neuron_view import editing, layout, style
from designer.neuron_view.bundle import HIT_PIXELS, WeightBundle
from designer.neuron_view.chain import DenseChain, find_dense_chain
from designer.neuron_view.items import BiasItem, ButtonItem, ColumnBackdrop, NeuronItem, text_item
from designer.neuron_view.weights import StartingWeights, fitting, too_big

MAX_ZOOM = 1.6
FIT_MARGIN = 24.0


class NeuronView(QGraphicsView):
    """Playground-style view of the longest Dense chain of ``document``'s graph.

    Signals: ``neuron_picked(node_id, unit)`` after a click on a neuron (also stored in
    ``selection.neuron``); ``chain_changed()`` after the scene was rebuilt for a different chain;
    ``values_changed()`` after the document's (or starting) weights to draw were chosen again.
    """

    neuron_picked = Signal(str, int)
    chain_changed = Signal()
    values_changed = Signal()  # the document / starting weights drawn were chosen again (not live updates)

    def __init__(self, document, selection, parent=None):
        super().__init__(parent)
        self.document = document
        self.selection = selection
        self.chain: DenseChain | None = None
        self.parts = layout.SceneParts()
        self.shown_weights: dict[str, np.ndarray] = {}  # what is drawn (document or starting), full arrays
        self.starting_weights: dict[str, np.ndarray] = {}  # the whole network's starting weights, if needed
        self.live_weights: dict[str, np.ndarray] | None = None
        self._notes: list[str] = []
        self._images: dict[str, list] = {}
        self._editing: tuple[str, tuple] | None = None
        self._auto_fit = True
        self._built = False
        self._handled_press = False
        self.paint_seconds = 0.0  # what a full repaint costs (see paintEvent)

        self.setScene(QGraphicsScene(self))
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setBackgroundBrush(style.BACKGROUND)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setMouseTracking(True)
        self.note = QLabel(self.viewport())
        self.note.setStyleSheet("QLabel { color: #555; background: rgba(255,255,255,210); padding: 4px; }")
        self.note.setFont(style.font(style.FONT_POINTS - 1))
        self.note.move(8, 8)
        self.editor = editing.ValueEditor(self.viewport())
        self.editor.committed.connect(self._commit_edit)

        self._starting = StartingWeights(self)
        self._starting.ready.connect(self._update_values)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(0)
        self._refresh_timer.timeout.connect(self.refresh)
        for signal in (document.graph_replaced, document.node_added, document.node_removed,
                       document.node_changed, document.edge_added, document.edge_removed,
                       document.weights_changed, document.training_changed, document.analysis_changed):
            signal.connect(self.schedule_refresh)
        selection.changed.connect(self._update_highlight)
        self.refresh()

    # -- keeping up with the document --------------------------------------------------------------------
    def schedule_refresh(self, *_args) -> None:
        self._refresh_timer.start()

    def refresh(self) -> None:
        """Bring the view in line with the document now (normally run by the coalescing timer)."""
        self._refresh_timer.stop()
        chain = find_dense_chain(self.document.graph, self.document.analysis)
        if chain != self.chain or not self._built:
            self._rebuild(chain)
        self._update_values()
        self._update_highlight()

    def _rebuild(self, chain: DenseChain | None) -> None:
        self.editor.hide()
        self._editing = None
        self.scene().clear()
        self.chain = chain
        self._built = True
        if chain is None:
            self.parts = layout.SceneParts()
            self.scene().addItem(text_item(tr("No dense layers to show yet.\nAdd an Input with one dimension (for "
                                              "example 2 features) and Dense layers after it:\nthey appear here "
                                              "as neurons and weights."), center=QPointF(0, 0)))
        else:
            self.parts = layout.build(self.scene(), chain, self, self._describe_weight)
            self._apply_images()
        self.scene().setSceneRect(self.scene().itemsBoundingRect().adjusted(-FIT_MARGIN, -FIT_MARGIN,
                                                                            FIT_MARGIN, FIT_MARGIN))
        if self._auto_fit:
            self.fit_to_view()
        self.chain_changed.emit()

    def _update_values(self) -> None:
        """Choose the arrays to draw (document where they fit, else starting weights) and draw them."""
        chain = self.chain
        self.shown_weights, self.starting_weights, self._notes = {}, {}, []
        if chain is None:
            self._show_notes()
            return
        from_document = fitting(chain, self.document.weights)
        missing = [key for key in chain.weight_shapes() if key not in from_document]
        # Live training weights for every missing layer: nothing drawn is "initial" any more (the starting
        # weights are still fetched, for when the live ones go away).
        untrained = [key for key in missing if key not in fitting(chain, self.live_weights)]
        if missing and too_big(chain, self.document.analysis.total_params):
            if untrained:
                self._notes.append(tr("The network is too big to compute its initial weights here"))
        elif missing:
            answer = self._starting.request(self.document.graph, chain, int(self.document.training.get("seed", 0)))
            if answer is None:
                if untrained:
                    self._notes.append(tr("Computing the initial weights…"))
            else:
                self.starting_weights = answer[0]
                layers = sorted({key.split("/")[0] for key in untrained})
                if untrained and not self.document.weights:
                    self._notes.append(tr("Untrained: initial weights"))
                elif untrained:
                    self._notes.append(tr("Initial weights for {layers}: their shape changed since training")
                                       .format(layers=", ".join(layers)))
                if untrained and not answer[1]:
                    self._notes.append(tr("Preview: the network is not complete yet, so training may start "
                                          "from other weights"))
        self.shown_weights = {**fitting(chain, self.starting_weights), **from_document}
        if self.live_weights is not None:
            self._notes.insert(0, tr("Live weights from training"))
        for view in self.parts.columns:
            if view.hidden:
                text = (tr("{layer}: showing {shown} of {count} neurons") if view.column.is_dense else
                        tr("{layer}: showing {shown} of {count} inputs"))
                self._notes.append(text.format(layer=view.column.name, shown=view.shown, count=view.column.width))
        self._draw_values()
        self._show_notes()
        self.values_changed.emit()

    def drawn_values(self) -> dict[str, np.ndarray]:
        """The chain's weights as drawn now: live training weights over the document's over the starting ones."""
        if self.chain is None:
            return {}
        return {**self.shown_weights, **fitting(self.chain, self.live_weights)}

    def _draw_values(self) -> None:
        """Update pens and bias colours only: no item is created."""
        values = self.drawn_values()
        slices = {}
        for bundle in self.parts.bundles.values():
            kernel = values.get(bundle.key)
            slices[bundle] = None if kernel is None else kernel[:bundle.n_in, :bundle.n_out]
        biases = {view.column.bias_key: values[view.column.bias_key][:view.shown]
                  for view in self.parts.columns if view.biases and view.column.bias_key in values}
        scale = style.magnitude_scale(*slices.values(), *biases.values())
        for bundle, kernel in slices.items():
            bundle.set_values(kernel, scale)
        for view in self.parts.columns:
            bias = biases.get(view.column.bias_key)
            for unit, item in enumerate(view.biases):
                value = float("nan") if bias is None else float(bias[unit])
                item.set_value(value, scale, tr("Bias of {neuron}: {value}\nClick to edit").format(
                    neuron=layout.neuron_text(view.column, unit), value=style.format_value(value)))

    def _show_notes(self) -> None:
        self.note.setText("\n".join(self._notes))
        self.note.setVisible(bool(self._notes))
        self.note.adjustSize()

    def _describe_weight(self, column: int, i: int, j: int, value: float) -> str:
        source = layout.neuron_text(self.chain.columns[column - 1], i)
        target = layout.neuron_text(self.chain.columns[column], j)
        return tr("Weight {value}\nfrom {source}\nto {target}\nClick to edit").format(
            value=style.format_value(value), source=source, target=target)

    # -- selection ---------------------------------------------------------------------------------------
    def _update_highlight(self, *_args) -> None:
        ids = set(self.selection.ids)
        picked = self.selection.neuron
        for view in self.parts.columns:
            view.backdrop.set_highlighted(bool(ids & set(view.column.members)))
            for neuron in view.neurons:
                neuron.set_selected(picked == (view.column.node_id, neuron.unit))

    def _select_column(self, index: int) -> None:
        self.selection.set([self.chain.columns[index].node_id])

    def _pick_neuron(self, index: int, unit: int) -> None:
        node_id = self.chain.columns[index].node_id
        self.selection.neuron = (node_id, unit)
        if self.selection.ids == [node_id]:
            # Selection.set() stays quiet when the ids do not change, yet the picked neuron did.
            self.selection.changed.emit([node_id])
        else:
            self.selection.set([node_id])
        self.neuron_picked.emit(node_id, unit)

    # -- edits (layout.Actions) --------------------------------------------------------------------------
    def _current_chain(self) -> DenseChain | None:
        if self._refresh_timer.isActive():
            self.refresh()  # an edit is waiting to be shown: act on the graph as it is now
        return self.chain

    def change_units(self, column: int, delta: int) -> None:
        """Add (delta +1) or remove (-1) neurons of Dense column ``column`` (SetParam on 'units')."""
        chain = self._current_chain()
        if chain is not None and 0 < column < len(chain.columns):
            editing.change_units(self.document, chain.columns[column], delta)

    def add_layer(self) -> None:
        """Insert a hidden Dense layer before the last one (one undo step)."""
        if self._current_chain() is not None:
            editing.add_hidden_layer(self.document, self.chain)

    def remove_layer(self) -> None:
        """Remove the last hidden Dense layer and close the gap (one undo step)."""
        if self._current_chain() is not None:
            editing.remove_hidden_layer(self.document, self.chain)

    def begin_edit(self, key: str, index: tuple, viewport_point) -> bool:
        """Open the inline editor for weight ``key[index]`` at a viewport point; False if not drawn yet."""
        if key not in self.shown_weights:
            return False
        self._editing = (key, tuple(index))
        self.editor.open_at(int(viewport_point.x()), int(viewport_point.y()),
                            float(self.shown_weights[key][tuple(index)]))
        return True

    def _commit_edit(self, value: float) -> None:
        if self._editing is None:
            return
        key, index = self._editing
        self._editing = None
        if key in self.shown_weights:
            editing.edit_value(self.document, key, index, value, self.shown_weights, self.starting_weights)

    # -- the training view's hooks -----------------------------------------------------------------------
    def set_live_weights(self, weights: dict | None) -> None:
        """Draw a training snapshot (keyed like document.weights) without touching the document; None goes
        back to the document's weights. Only pens change, so it is cheap enough for every plot tick."""
        toggled = (weights is None) != (self.live_weights is None)
        self.live_weights = weights
        if toggled:
            self._update_values()  # the notes change too; values are redrawn there
        else:
            self._draw_values()

    def set_neuron_images(self, images: dict) -> None:
        """Pictures inside the neurons: node id (or layer name) -> one QImage or 2-D array per unit (what the
        unit computes over the input plane). A folded Activation's pictures win over its Dense's."""
        self._images = {key: [image if isinstance(image, QImage) else style.heatmap_image(image)
                              for image in pictures] for key, pictures in (images or {}).items()}
        self._apply_images()

    def _apply_images(self) -> None:
        for view in self.parts.columns:
            pictures = self._pictures_for(view.column.members) or []
            for neuron in view.neurons:
                neuron.set_image(pictures[neuron.unit] if neuron.unit < len(pictures) else None)

    def _pictures_for(self, members: tuple[str, ...]) -> list | None:
        """A column's pictures: those of its last folded node first (after the activation), by id or name."""
        for member in reversed(members):
            node = self.document.graph.nodes.get(member)
            for key in (member, node.name if node is not None else None):
                if key in self._images:
                    return self._images[key]
        return None

    # -- mouse, zoom -------------------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if self._refresh_timer.isActive():
            self.refresh()  # never act on items drawn for a graph that has changed since
        self._handled_press = event.button() == Qt.MouseButton.LeftButton and self._click(event.position().toPoint())
        if self._handled_press:
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        if self._handled_press:
            self._handled_press = False
            event.accept()  # the press was ours (a click on an item), not the start of a pan
            return
        super().mouseReleaseEvent(event)

    def _click(self, point) -> bool:
        """Act on the topmost item under a viewport point; False when nothing there reacts to a click."""
        scene_point = self.mapToScene(point)
        for item in self.items(point):
            if isinstance(item, ButtonItem):
                item.trigger()
                return True
            if isinstance(item, BiasItem):
                return self.begin_edit(item.key, (item.unit,), point)
            if isinstance(item, NeuronItem):
                self._pick_neuron(item.column, item.unit)
                return True
            if isinstance(item, WeightBundle):
                line = item.line_at(item.mapFromScene(scene_point), HIT_PIXELS / max(self.zoom, 1e-6))
                if line is not None:
                    return self.begin_edit(item.key, line, point)
            if isinstance(item, ColumnBackdrop):
                self._select_column(item.column)
                return True
        return False

    @property
    def zoom(self) -> float:
        return self.transform().m11()

    def fit_to_view(self) -> None:
        """Show the whole network, never magnified past MAX_ZOOM (a 2-2-1 net would be huge)."""
        rect: QRectF = self.scene().sceneRect()
        if rect.isEmpty():
            return
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        if self.zoom > MAX_ZOOM:
            self.resetTransform()
            self.scale(MAX_ZOOM, MAX_ZOOM)
        self.centerOn(rect.center())

    def wheelEvent(self, event) -> None:  # noqa: N802
        steps = event.angleDelta().y() / 120
        if steps:
            self._auto_fit = False
            self.scale(1.15 ** steps, 1.15 ** steps)

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_F, Qt.Key.Key_0):
            self._auto_fit = True
            self.fit_to_view()
            return
        super().keyPressEvent(event)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        started = time.perf_counter()
        super().paintEvent(event)
        # A slowly decaying maximum: a small partial repaint must not hide what a full one costs. Live feeds
        # redraw wide layers less often.
        self.paint_seconds = max(time.perf_counter() - started, 0.9 * self.paint_seconds)

    def scrollContentsBy(self, dx: int, dy: int) -> None:  # noqa: N802
        super().scrollContentsBy(dx, dy)
        self.note.move(8, 8)  # the viewport scrolls its child widgets along; the note stays in the corner

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self._auto_fit:
            self.fit_to_view()

    def shutdown(self) -> None:
        """Stop the timer and wait for a starting-weights build; call before closing the window."""
        self._refresh_timer.stop()
        self._starting.shutdown()
