"""The small scene items of the neuron view: neurons, bias squares, +/- buttons, column backdrops, labels.

Items only draw and describe themselves (tooltips); clicks are handled by the view, which knows the
document. Each item carries what the view needs to act on it (column index, unit, weight key).
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsSimpleTextItem

from designer.neuron_view import style

Z_BACKDROP, Z_LINES, Z_NEURON, Z_BIAS, Z_BUTTON = -10.0, 0.0, 10.0, 11.0, 20.0


class _RedrawsOnHover:
    """For items whose paint() reads ``self.hovered``: set it and redraw as the pointer enters and leaves."""

    hovered = False

    def hoverEnterEvent(self, event) -> None:  # noqa: N802
        self.hovered = True
        self.update()

    def hoverLeaveEvent(self, event) -> None:  # noqa: N802
        self.hovered = False
        self.update()


class NeuronItem(QGraphicsItem):
    """One neuron: a circle, optionally filled with a heatmap of what it computes over the input plane."""

    def __init__(self, column: int, unit: int, radius: float):
        super().__init__()
        self.column = column
        self.unit = unit
        self.radius = radius
        self.image: QImage | None = None
        self.selected = False
        self.setZValue(Z_NEURON)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt's name)
        r = self.radius + 3
        return QRectF(-r, -r, 2 * r, 2 * r)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addEllipse(QPointF(0, 0), self.radius, self.radius)
        return path

    def set_image(self, image: QImage | None) -> None:
        self.image = image
        self.update()

    def set_selected(self, selected: bool) -> None:
        if selected != self.selected:
            self.selected = selected
            self.update()

    def paint(self, painter: QPainter, option, widget=None) -> None:
        r = self.radius
        circle = QRectF(-r, -r, 2 * r, 2 * r)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(style.NEURON_FILL)
        painter.drawEllipse(circle)
        if self.image is not None and not self.image.isNull():
            painter.save()
            painter.setClipPath(self.shape())
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(circle, self.image)
            painter.restore()
        if self.selected:
            painter.setPen(QPen(style.SELECTED, max(2.5, r * 0.16)))
        else:
            painter.setPen(QPen(style.NEURON_BORDER, max(1.0, r * 0.08)))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(circle)


class BiasItem(QGraphicsItem):
    """A neuron's bias: a small square at its lower left (as in Playground), coloured by sign and size."""

    def __init__(self, column: int, unit: int, key: str, size: float):
        super().__init__()
        self.column = column
        self.unit = unit
        self.key = key
        self.size = size
        self.value = float("nan")
        self.scale = 1.0
        self.setZValue(Z_BIAS)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def boundingRect(self) -> QRectF:  # noqa: N802
        half = self.size / 2 + 1
        return QRectF(-half, -half, 2 * half, 2 * half)

    def set_value(self, value: float, scale: float, description: str) -> None:
        self.value, self.scale = float(value), scale
        self.setToolTip(description)
        self.update()

    def paint(self, painter: QPainter, option, widget=None) -> None:
        half = self.size / 2
        painter.setPen(QPen(QColor(90, 90, 90), 1.0))
        painter.setBrush(style.weight_color(self.value, self.scale))
        painter.drawRect(QRectF(-half, -half, self.size, self.size))


class ButtonItem(_RedrawsOnHover, QGraphicsItem):
    """A round +/- button; ``action`` runs on click (the view dispatches clicks to ``trigger``)."""

    def __init__(self, text: str, action: Callable[[], None], tooltip: str, enabled: bool = True):
        super().__init__()
        self.text = text
        self.action = action
        self.enabled = enabled
        self.hovered = False
        self.setToolTip(tooltip)
        self.setZValue(Z_BUTTON)
        self.setAcceptHoverEvents(True)
        if enabled:
            self.setCursor(Qt.CursorShape.PointingHandCursor)

    def boundingRect(self) -> QRectF:  # noqa: N802
        r = style.BUTTON_RADIUS + 1
        return QRectF(-r, -r, 2 * r, 2 * r)

    def trigger(self) -> None:
        if self.enabled:
            self.action()

    def paint(self, painter: QPainter, option, widget=None) -> None:
        r = style.BUTTON_RADIUS
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fill = style.BUTTON_HOVER if self.hovered and self.enabled else style.BUTTON_FILL
        border = style.BUTTON_BORDER if self.enabled else QColor(215, 215, 215)
        painter.setPen(QPen(border, 1.2))
        painter.setBrush(fill)
        painter.drawEllipse(QRectF(-r, -r, 2 * r, 2 * r))
        # Drawn strokes, not glyphs: the same crisp sign in every font.
        painter.setPen(QPen(style.TEXT if self.enabled else QColor(200, 200, 200), 2.0,
                            Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        arm = r * 0.45
        painter.drawLine(QPointF(-arm, 0), QPointF(arm, 0))
        if self.text == "+":
            painter.drawLine(QPointF(0, -arm), QPointF(0, arm))


class ColumnBackdrop(_RedrawsOnHover, QGraphicsItem):
    """The area of a column: clicking it selects the layer; it lights up when the layer is selected."""

    def __init__(self, column: int, rect: QRectF):
        super().__init__()
        self.column = column
        self.rect = rect
        self.highlighted = False
        self.hovered = False
        self.setZValue(Z_BACKDROP)
        self.setAcceptHoverEvents(True)

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self.rect.adjusted(-2, -2, 2, 2)

    def set_highlighted(self, highlighted: bool) -> None:
        if highlighted != self.highlighted:
            self.highlighted = highlighted
            self.update()

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if not (self.highlighted or self.hovered):
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.highlighted:
            painter.setPen(QPen(style.COLUMN_HIGHLIGHT_BORDER, 1.5))
            painter.setBrush(QBrush(style.COLUMN_HIGHLIGHT))
        else:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QBrush(style.COLUMN_HOVER))
        painter.drawRoundedRect(self.rect, 12, 12)


def text_item(text: str, points: int = style.FONT_POINTS, bold: bool = False, color: QColor = style.TEXT,
              center: QPointF | None = None, left: QPointF | None = None) -> QGraphicsSimpleTextItem:
    """A label centred on ``center`` (or starting at ``left``), vertically centred on that point."""
    item = QGraphicsSimpleTextItem(text)
    item.setFont(style.font(points, bold))
    item.setBrush(color)
    item.setZValue(Z_NEURON)
    box = item.boundingRect()
    if center is not None:
        item.setPos(center.x() - box.width() / 2, center.y() - box.height() / 2)
    elif left is not None:
        item.setPos(left.x(), left.y() - box.height() / 2)
    return item
