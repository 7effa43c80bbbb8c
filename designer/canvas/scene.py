"""The scene: a read-only picture of ``document.graph``.

It never edits the graph. It builds its items when the graph is replaced and follows the document's signals
one change at a time (a node added, moved, renamed; a wire added or removed), and paints the newest analysis
on them: output shapes and parameter counts on nodes, tensor shapes on wires, problems in red.
"""
from __future__ import annotations

from PySide6.QtCore import QLineF, QPointF, QRectF, QTimer
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsScene

from designer import commands
from designer.canvas import style
from designer.canvas.edge_item import EdgeItem
from designer.canvas.node_item import NodeItem
from designer.canvas.ports import PortItem
from designer.i18n import tr, tr_engine
from engine.graph.analysis import Analysis
from engine.graph.model import Edge
from engine.layers.registry import UnknownLayerError, layer_class

_MARGIN = 700.0  # room around the network to pan into and to drop new layers


class CanvasScene(QGraphicsScene):
    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.exporting = False  # set while rendering to a file: no grid, no selection marks
        self.nodes: dict[str, NodeItem] = {}
        self.edges: dict[Edge, EdgeItem] = {}
        self.global_problems: list[str] = []  # problems of the whole network (no input, no output...)
        self._touching: dict[str, set[Edge]] = {}  # node id → its wires, to re-route them when it moves
        self._problems: dict[str, list[str]] = {}  # node id → what the newest analysis says is wrong there
        self._edge_problems: dict[Edge, str] = {}
        self._rect_timer = QTimer(self)
        self._rect_timer.setSingleShot(True)
        self._rect_timer.setInterval(0)
        self._rect_timer.timeout.connect(self.update_scene_rect)
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
        document.graph_replaced.connect(self.rebuild)
        document.node_added.connect(self._on_node_added)
        document.node_removed.connect(self._on_node_removed)
        document.node_changed.connect(self._on_node_changed)
        document.node_moved.connect(self._on_node_moved)
        document.edge_added.connect(self._on_edge_added)
        document.edge_removed.connect(self._on_edge_removed)
        document.analysis_changed.connect(self.apply_analysis)
        self.rebuild()

    @property
    def graph(self):
        return self.document.graph

    # -- building -----------------------------------------------------------------------------------------
    def rebuild(self) -> None:
        self.clear()
        self.nodes, self.edges, self._touching = {}, {}, {}
        for node_id in self.graph.nodes:
            self._add_node_item(node_id)
        for edge in self.graph.edges:
            self._add_edge_item(edge)
        for node_id in self.nodes:
            self._refresh_ports(node_id)
        self.apply_analysis(self.document.analysis)
        self.update_scene_rect()

    def _add_node_item(self, node_id: str) -> NodeItem:
        node = self.graph.node(node_id)
        try:
            cls = layer_class(node.layer_type)
        except UnknownLayerError:
            cls = None
        item = NodeItem(node_id, cls.category if cls else "", node.layer_type,
                        takes_input=cls is None or cls.max_inputs != 0)
        item.set_text(node.name, style.param_summary(cls, node.params), cls.description if cls else "")
        item.setPos(*node.position)
        self.addItem(item)
        self.nodes[node_id] = item
        self._touching.setdefault(node_id, set())
        self._grow_scene_rect(item)
        return item

    def _add_edge_item(self, edge: Edge) -> None:
        if edge.source not in self.nodes or edge.target not in self.nodes:
            return  # the graph_replaced that follows will draw it
        item = EdgeItem(edge)
        self.addItem(item)
        self.edges[edge] = item
        self._touching[edge.source].add(edge)
        self._touching[edge.target].add(edge)

    def _refresh_ports(self, node_id: str) -> None:
        item = self.nodes.get(node_id)
        if item is None or node_id not in self.graph.nodes:
            return
        count = commands.input_port_count(self.graph, node_id)
        connected = {edge.target_port for edge in self.graph.incoming(node_id)}
        try:
            spare = layer_class(self.graph.node(node_id).layer_type).max_inputs is None
        except UnknownLayerError:
            spare = False
        free = next((port for port in range(count) if port not in connected), None) if spare else None
        item.set_input_ports(count, connected, free)
        for edge in self._touching.get(node_id, ()):
            self._route(edge)

    def _route(self, edge: Edge) -> None:
        item = self.edges.get(edge)
        if item is not None:
            item.set_ends(self.nodes[edge.source].output_anchor(),
                          self.nodes[edge.target].input_anchor(edge.target_port))

    # -- following the document ---------------------------------------------------------------------------
    def _on_node_added(self, node_id: str) -> None:
        self._add_node_item(node_id)
        self._refresh_ports(node_id)
        self._paint_node_analysis(node_id, self.document.analysis)
        self._rect_timer.start()

    def _on_node_removed(self, node_id: str) -> None:
        for edge in list(self._touching.pop(node_id, ())):
            self._drop_edge_item(edge)
        item = self.nodes.pop(node_id, None)
        if item is not None:
            self.removeItem(item)
        self._rect_timer.start()

    def _on_node_changed(self, node_id: str) -> None:
        item = self.nodes.get(node_id)
        if item is None:
            return
        node = self.graph.node(node_id)
        try:
            cls = layer_class(node.layer_type)
        except UnknownLayerError:
            cls = None
        item.set_text(node.name, style.param_summary(cls, node.params), item.description)

    def _on_node_moved(self, node_id: str) -> None:
        item = self.nodes.get(node_id)
        if item is None:
            return
        item.setPos(*self.graph.node(node_id).position)
        for edge in self._touching.get(node_id, ()):
            self._route(edge)
        self._grow_scene_rect(item)
        self._rect_timer.start()

    def _on_edge_added(self, edge: Edge) -> None:
        if edge in self.edges:
            return
        self._add_edge_item(edge)
        self._refresh_ports(edge.target)
        self._route(edge)
        self._paint_edge_analysis(edge, self.document.analysis)

    def _on_edge_removed(self, edge: Edge) -> None:
        self._drop_edge_item(edge)
        self._refresh_ports(edge.target)

    def _drop_edge_item(self, edge: Edge) -> None:
        item = self.edges.pop(edge, None)
        if item is not None:
            self.removeItem(item)
        for end in (edge.source, edge.target):
            self._touching.get(end, set()).discard(edge)

    # -- analysis -------------------------------------------------------------------------------------------
    def apply_analysis(self, analysis: Analysis) -> None:
        self._problems = {}
        self._edge_problems = {}
        for problem in analysis.problems:
            if problem.node_id is not None:
                self._problems.setdefault(problem.node_id, []).append(tr_engine(problem.message))
            if problem.edge is not None:
                self._edge_problems.setdefault(problem.edge, tr_engine(problem.message))
        self.global_problems = [tr_engine(p.message) for p in analysis.problems
                                if p.node_id is None and p.edge is None]
        for node_id in self.nodes:
            self._paint_node_analysis(node_id, analysis)
        for edge in self.edges:
            self._paint_edge_analysis(edge, analysis)
        for view in self.views():
            view.viewport().update()  # the banner of whole-network problems lives in the view's foreground

    def _paint_node_analysis(self, node_id: str, analysis: Analysis) -> None:
        item = self.nodes[node_id]
        known = node_id in analysis.output_shapes or node_id in analysis.layers or node_id in self._problems
        if not known:
            item.set_analysis("…", "", [])  # added after this analysis started; the next one will tell
            return
        shape = analysis.output_shapes.get(node_id)
        count = analysis.param_counts.get(node_id)
        item.set_analysis(style.format_shape(shape), style.params_text(count), self._problems.get(node_id, []))
        received = analysis.input_shapes.get(node_id, [])
        for port in item.input_ports:
            shape_in = received[port.index] if port.index < len(received) else None
            port.setToolTip(tr("Input {number}: receives {shape}").format(number=port.index + 1,
                                                                          shape=style.format_shape(shape_in))
                            if shape_in is not None else tr("Input {number}: drop a wire here").format(
                                number=port.index + 1))
        item.output_port.setToolTip(tr("Output: {shape}. Drag from here to connect.").format(
            shape=style.format_shape(shape)))

    def _paint_edge_analysis(self, edge: Edge, analysis: Analysis) -> None:
        shape = analysis.output_shapes.get(edge.source)
        self.edges[edge].set_label(style.format_shape(shape) if shape is not None else "",
                                   self._edge_problems.get(edge, ""))

    # -- lookups for the view -------------------------------------------------------------------------------
    def port_at(self, position: QPointF, inputs: bool | None = None) -> PortItem | None:
        """The port nearest ``position`` within its hit radius (``inputs``: only input/output ports)."""
        r = style.PORT_HIT_RADIUS
        best, best_distance = None, r * r
        for item in self.items(QRectF(position.x() - r, position.y() - r, 2 * r, 2 * r)):
            if isinstance(item, PortItem) and item.isVisible() and (inputs is None or item.is_input == inputs):
                delta = item.scenePos() - position
                distance = delta.x() ** 2 + delta.y() ** 2
                if distance <= best_distance:
                    best, best_distance = item, distance
        return best

    def node_at(self, position: QPointF) -> NodeItem | None:
        for item in self.items(position):
            if isinstance(item, NodeItem):
                return item
        return None

    def edge_at(self, position: QPointF) -> EdgeItem | None:
        for item in self.items(position):
            if isinstance(item, EdgeItem):
                return item
            if isinstance(item, NodeItem):
                return None
        return None

    def edge_into(self, node_id: str, port: int) -> Edge | None:
        return next((e for e in self._touching.get(node_id, ()) if e.target == node_id and e.target_port == port),
                    None)

    def network_rect(self) -> QRectF:
        """The bounding box of every node (empty when there are none)."""
        rect = QRectF()
        for item in self.nodes.values():
            rect = rect.united(item.sceneBoundingRect())
        return rect

    def _grow_scene_rect(self, item) -> None:
        """Grow at once (the view must scroll to a node the moment it exists); shrink later, in one pass."""
        needed = item.sceneBoundingRect().adjusted(-_MARGIN, -_MARGIN, _MARGIN, _MARGIN)
        if not self.sceneRect().contains(needed):
            self.setSceneRect(self.sceneRect().united(needed))

    def update_scene_rect(self) -> None:
        """The network's box plus a margin to pan into (done lazily after edits; call it to force it)."""
        rect = self.network_rect()
        if rect.isNull():
            rect = QRectF(-400, -300, 800, 600)
        self.setSceneRect(rect.adjusted(-_MARGIN, -_MARGIN, _MARGIN, _MARGIN))

    # -- background -----------------------------------------------------------------------------------------
    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802 (Qt's name)
        if self.exporting:
            painter.fillRect(rect, QColor("white"))
            return
        painter.fillRect(rect, style.BACKGROUND)
        scale = painter.worldTransform().m11()
        for step, colour in ((style.GRID, style.GRID_MINOR), (style.GRID * 5, style.GRID_MAJOR)):
            if step * scale < 12 or (step > style.GRID and step * scale < 40):
                continue  # dense lines are noise (and costly); far out the grid fades away entirely
            pen = QPen(colour, 1)
            pen.setCosmetic(True)
            painter.setPen(pen)
            left, top = int(rect.left() // step) * step, int(rect.top() // step) * step
            lines = [QLineF(x, rect.top(), x, rect.bottom()) for x in _steps(left, rect.right(), step)]
            lines += [QLineF(rect.left(), y, rect.right(), y) for y in _steps(top, rect.bottom(), step)]
            painter.drawLines(lines)


def _steps(start: float, stop: float, step: float):
    value = start
    while value <= stop:
        yield value
        value += step
