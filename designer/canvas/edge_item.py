"""Wires: a curve from a node's output port to another node's input port, labelled with the tensor shape it
carries; and the rubber wire that follows the mouse while a connection is being dragged."""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QPainter, QPainterPath, QPainterPathStroker, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem

from designer.canvas import style

_ARROW = 9.0  # arrowhead length: the direction data flows must be obvious on a projected slide
_LABEL_LOD = 0.42


def wire_path(start: QPointF, end: QPointF) -> QPainterPath:
    """A horizontal S-curve: leaves the output to the right, enters the input from the left."""
    bend = max(40.0, abs(end.x() - start.x()) * 0.5, min(abs(end.y() - start.y()), 160.0) * 0.6)
    path = QPainterPath(start)
    path.cubicTo(QPointF(start.x() + bend, start.y()), QPointF(end.x() - bend, end.y()), end)
    return path


class EdgeItem(QGraphicsItem):
    def __init__(self, edge):
        super().__init__()
        self.edge = edge
        self.start = QPointF()
        self.end = QPointF()
        self.label = ""
        self.problem = ""
        self._label_rect = QRectF()
        self._path = QPainterPath()
        self._hit = QPainterPath()
        self._bounds = QRectF()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setZValue(0)

    def set_ends(self, start: QPointF, end: QPointF) -> None:
        if (start, end) != (self.start, self.end):
            self.start, self.end = QPointF(start), QPointF(end)
            self._rebuild()

    def set_label(self, label: str, problem: str = "") -> None:
        if (label, problem) != (self.label, self.problem):
            self.label, self.problem = label, problem
            self.setToolTip(problem or label)
            self._rebuild()

    def _rebuild(self) -> None:
        self.prepareGeometryChange()
        # The visible curve stops at the arrow's base so the arrowhead's tip touches the port's rim.
        tip = self.end - QPointF(style.PORT_RADIUS + 1.5, 0)
        self._path = wire_path(self.start, tip - QPointF(_ARROW - 1, 0))
        self._path.lineTo(tip - QPointF(_ARROW - 1, 0))
        middle = self._path.pointAtPercent(0.5)
        if self.label:
            metrics = QFontMetricsF(style.font("label"))
            width, height = metrics.horizontalAdvance(self.label) + 14, metrics.height() + 6
            # Above the wire, not on it: the wire and its arrow stay visible even between close columns.
            self._label_rect = QRectF(middle.x() - width / 2, middle.y() - height - 4, width, height)
        else:
            self._label_rect = QRectF()
        stroker = QPainterPathStroker()
        stroker.setWidth(12)
        self._hit = stroker.createStroke(self._path)
        if self.label:
            self._hit.addRect(self._label_rect)
        self._bounds = self._path.boundingRect().united(self._label_rect).adjusted(-10, -10, 10, 10)
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt's name)
        return self._bounds

    def shape(self) -> QPainterPath:
        return self._hit

    def paint(self, painter: QPainter, option, widget=None) -> None:
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        selected = self.isSelected() and not getattr(self.scene(), "exporting", False)
        colour = style.PROBLEM if self.problem else style.WIRE
        if selected:
            painter.setPen(QPen(style.SELECTED, 8, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
            painter.drawPath(self._path)
        pen = QPen(colour, 2.4, Qt.PenStyle.DashLine if self.problem else Qt.PenStyle.SolidLine,
                   Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._path)
        _paint_arrow(painter, self.end - QPointF(style.PORT_RADIUS + 1.5, 0), colour)
        if self.label and lod >= _LABEL_LOD:
            painter.setPen(QPen(style.PROBLEM if self.problem else style.WIRE_LABEL_BORDER, 1.2))
            painter.setBrush(QBrush(QColor("#FFF0F0") if self.problem else style.BODY))
            radius = self._label_rect.height() / 2
            painter.drawRoundedRect(self._label_rect, radius, radius)
            painter.setPen(style.PROBLEM if self.problem else style.TEXT)
            painter.setFont(style.font("label"))
            painter.drawText(self._label_rect, Qt.AlignmentFlag.AlignCenter, self.label)


def _paint_arrow(painter: QPainter, tip: QPointF, colour: QColor) -> None:
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawPolygon(QPolygonF([tip, tip + QPointF(-_ARROW, -_ARROW * 0.55), tip + QPointF(-_ARROW, _ARROW * 0.55)]))


class WirePreview(QGraphicsItem):
    """The rubber wire drawn while dragging from a port: dashed, green over a port that accepts it."""

    def __init__(self, colour: QColor):
        super().__init__()
        self.colour = QColor(colour)
        self.accepting: bool | None = None  # None: over nothing; True/False: over a compatible/refusing port
        self._path = QPainterPath()
        self.setZValue(3)

    def set_ends(self, start: QPointF, end: QPointF, accepting: bool | None) -> None:
        self.prepareGeometryChange()
        self._path = wire_path(start, end)
        self.accepting = accepting
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self._path.boundingRect().adjusted(-6, -6, 6, 6)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        colour = {True: style.COMPATIBLE, False: style.PROBLEM}.get(self.accepting, self.colour)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(colour, 2.6, Qt.PenStyle.DashLine, Qt.PenCapStyle.RoundCap))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._path)
