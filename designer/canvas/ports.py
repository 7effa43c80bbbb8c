"""Input and output ports: the round handles on a node's sides that wires start from and end on."""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem

from designer.canvas import style

NORMAL, COMPATIBLE, INCOMPATIBLE, TARGET = range(4)  # looks while a wire is being dragged


class PortItem(QGraphicsItem):
    """One port of a node, a child of its NodeItem. ``is_input`` ports sit on the left, numbered by ``index``."""

    def __init__(self, node_item, is_input: bool, index: int = 0):
        super().__init__(node_item)
        self.node_item = node_item
        self.is_input = is_input
        self.index = index
        self.connected = False
        self.free = False  # the spare port of a merge layer, where the next wire goes
        self.state = NORMAL
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setAcceptHoverEvents(False)
        self.setZValue(1)

    @property
    def node_id(self) -> str:
        return self.node_item.node_id

    def anchor(self) -> QPointF:
        """Where wires attach, in scene coordinates."""
        return self.scenePos()

    def set_look(self, connected: bool | None = None, free: bool | None = None, state: int | None = None) -> None:
        new = (self.connected if connected is None else connected, self.free if free is None else free,
               self.state if state is None else state)
        if new != (self.connected, self.free, self.state):
            self.connected, self.free, self.state = new
            self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt's name)
        r = style.PORT_HIT_RADIUS
        return QRectF(-r, -r, 2 * r, 2 * r)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addEllipse(QPointF(0, 0), style.PORT_HIT_RADIUS, style.PORT_HIT_RADIUS)
        return path

    def paint(self, painter: QPainter, option, widget=None) -> None:
        colour = QColor(self.node_item.colour)
        radius = style.PORT_RADIUS
        if self.state in (COMPATIBLE, TARGET):
            halo = QColor(style.COMPATIBLE)
            halo.setAlpha(90 if self.state == COMPATIBLE else 150)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(halo)
            grow = 5.5 if self.state == COMPATIBLE else 8.0
            painter.drawEllipse(QPointF(0, 0), radius + grow, radius + grow)
            colour = QColor(style.COMPATIBLE)
        elif self.state == INCOMPATIBLE:
            colour.setAlpha(style.DIMMED_ALPHA)
        hollow = self.is_input and not self.connected and self.state == NORMAL
        pen = QPen(colour, 2.2)
        if self.free and hollow:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(QBrush(style.BODY if hollow else colour))
        painter.drawEllipse(QPointF(0, 0), radius, radius)
