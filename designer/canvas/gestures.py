"""Mouse gestures on the canvas that end in undo commands: moving nodes and dragging wires.

Each gesture is a small object the view creates on mouse press, feeds with mouse moves and finishes on
release (or cancels on Escape). Nothing changes the graph except the commands pushed here.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF

from designer import commands
from designer.canvas import style
from designer.canvas.edge_item import WirePreview
from designer.canvas.ports import COMPATIBLE, INCOMPATIBLE, NORMAL, TARGET, PortItem
from designer.i18n import tr


def snap(value: float, enabled: bool = True) -> float:
    return round(value / style.GRID) * style.GRID if enabled else value


class MoveGesture:
    """Drag selected nodes: one merged MoveNodes while the mouse moves, closed with ``finished=True``.

    The grabbed node snaps to the grid and the others keep their offsets from it, so a hand-made
    arrangement is never distorted by snapping each node on its own.
    """

    def __init__(self, view, grabbed_id: str, node_ids: list[str], press: QPointF):
        self.view = view
        self.document = view.document
        self.grabbed = grabbed_id
        self.start = {node_id: self.document.graph.node(node_id).position for node_id in node_ids}
        self.press = QPointF(press)
        self.positions: dict | None = None

    @property
    def moved(self) -> bool:
        return self.positions is not None

    def move(self, scene_position: QPointF) -> None:
        delta = scene_position - self.press
        x0, y0 = self.start[self.grabbed]
        dx = snap(x0 + delta.x(), self.view.snap_to_grid) - x0
        dy = snap(y0 + delta.y(), self.view.snap_to_grid) - y0
        positions = {node_id: (x + dx, y + dy) for node_id, (x, y) in self.start.items()}
        if positions == (self.positions or self.start):
            return
        self.positions = positions
        self.document.push(commands.MoveNodes(self.document, positions, finished=False))

    def finish(self) -> None:
        if self.positions is not None:  # closes the merged step: one undo brings every node back
            self.document.push(commands.MoveNodes(self.document, self.positions, finished=True))


class WireGesture:
    """Drag a wire from an output port to an input port (or back from a free input to an output).

    Starting on an input port that already has a wire picks that wire up: it is checked as if it were gone
    and, on release, moved to the new port, removed (dropped on empty space) or put back (refused port).
    While dragging, every port is marked compatible or not with ``commands.connection_problem``.
    """

    def __init__(self, view, port: PortItem):
        self.view = view
        self.document = view.document
        self.scene = view.scene()
        graph = self.document.graph
        self.detached = self.scene.edge_into(port.node_id, port.index) if port.is_input else None
        self.check_graph = graph
        if self.detached is not None:
            self.check_graph = graph.copy()
            self.check_graph.disconnect(self.detached)
            self.scene.edges[self.detached].setVisible(False)
            self.source, self.target = self.detached.source, None
        elif port.is_input:
            self.source, self.target = None, (port.node_id, port.index)
        else:
            self.source, self.target = port.node_id, None
        self.from_output = self.source is not None
        fixed = self.scene.nodes[self.source].output_port if self.from_output else port
        self.anchor = fixed.anchor()
        self.problems = self._mark_ports()
        self.preview = WirePreview(fixed.node_item.colour)
        self.scene.addItem(self.preview)
        self.preview.set_ends(self.anchor, self.anchor, None)
        self.hovered: PortItem | None = None

    def _problem(self, port: PortItem) -> str | None:
        if self.from_output:
            return commands.connection_problem(self.check_graph, self.source, port.node_id, port.index)
        node_id, index = self.target
        return commands.connection_problem(self.check_graph, port.node_id, node_id, index)

    def _mark_ports(self) -> dict[PortItem, str | None]:
        problems = {}
        for item in self.scene.nodes.values():
            for port in (item.input_ports if self.from_output else [item.output_port]):
                problems[port] = self._problem(port)
                port.set_look(state=COMPATIBLE if problems[port] is None else INCOMPATIBLE)
        return problems

    def _port_under(self, position: QPointF) -> PortItem | None:
        """The port under the mouse; over a node's body, the first port of that node that accepts the wire."""
        port = self.scene.port_at(position, inputs=self.from_output)
        if port is not None:
            return port
        node = self.scene.node_at(position)
        if node is None:
            return None
        ports = node.input_ports if self.from_output else [node.output_port]
        return next((p for p in ports if self.problems.get(p) is None), ports[0] if ports else None)

    def move(self, position: QPointF) -> None:
        port = self._port_under(position)
        if port is not self.hovered:
            if self.hovered is not None:
                self.hovered.set_look(state=COMPATIBLE if self.problems.get(self.hovered) is None else INCOMPATIBLE)
            if port is not None and self.problems.get(port) is None:
                port.set_look(state=TARGET)
            self.hovered = port
        end = port.anchor() if port is not None and self.problems.get(port) is None else position
        accepting = None if port is None else self.problems.get(port) is None
        start, stop = (self.anchor, end) if self.from_output else (end, self.anchor)
        self.preview.set_ends(start, stop, accepting)

    def finish(self, position: QPointF) -> None:
        port = self._port_under(position)
        node = self.scene.node_at(position)
        self._clean_up()
        if port is None and node is not None:  # only an Input layer has no input port: say why it refuses
            self.view.refuse(commands.connection_problem(self.check_graph, self.source, node.node_id, 0))
        elif port is None and self.detached is not None:
            self.document.push(commands.Disconnect(self.document, self.detached))  # pulled off: removed
        elif port is None:
            self.view.refuse(tr("Drop the wire on an input port (the circles on the left of a layer) to connect "
                                "it.") if self.from_output else
                             tr("Drop the wire on an output port (the circle on the right of a layer) to "
                                "connect it."))
        elif self.problems.get(port) is not None:
            self.view.refuse(self.problems[port])
        else:
            self._connect(port)

    def _connect(self, port: PortItem) -> None:
        source, (target, index) = ((self.source, (port.node_id, port.index)) if self.from_output
                                   else (port.node_id, self.target))
        if self.detached is None:
            self.document.push(commands.Connect(self.document, source, target, index))
            return
        if (self.detached.target, self.detached.target_port) == (target, index):
            return  # dropped back where it was
        stack = self.document.undo_stack
        stack.beginMacro(tr("Move a wire"))  # one undo puts the wire back where it was
        self.document.push(commands.Disconnect(self.document, self.detached))
        try:
            self.document.push(commands.Connect(self.document, source, target, index))
        except ValueError as error:  # checked on a copy already; kept as a guard against a stale check
            stack.endMacro()
            stack.undo()
            self.view.refuse(str(error))
            return
        stack.endMacro()

    def cancel(self) -> None:
        self._clean_up()

    def _clean_up(self) -> None:
        for port in self.problems:
            if port.scene() is not None:
                port.set_look(state=NORMAL)
        if self.detached is not None and self.detached in self.scene.edges:
            self.scene.edges[self.detached].setVisible(True)
        self.scene.removeItem(self.preview)
