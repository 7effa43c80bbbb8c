"""A layer on the canvas: a rounded box with a coloured header (its category), its name, type and main
parameters, the shape it outputs and its parameter count, typed input ports on the left and one output port
on the right. Problems found by the analysis turn the outline red and add a badge with the reason as tooltip.

Everything shown is computed when the data changes (elided text, port places), never in ``paint``, and the
item is cached in device coordinates, so panning a large network repaints bitmaps, not text.
"""
from __future__ import annotations

import re
from functools import lru_cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from designer.canvas import style
from designer.canvas.glyphs import draw_glyph
from designer.canvas.ports import PortItem
from designer.i18n import tr

_DETAIL_LOD = 0.42  # below this zoom small text is unreadable: show only the layer type, large
_OVERVIEW_LOD = 0.18  # below this (the minimap) coloured boxes only
_BADGE_RADIUS = 11.0
_PROBLEM_BODY = QColor("#FFF0F0")


class NodeItem(QGraphicsItem):
    def __init__(self, node_id: str, category: str, layer_type: str, takes_input: bool):
        super().__init__()
        self.node_id = node_id
        self.category = category
        self.layer_type = layer_type
        self.colour = style.category_colour(category)
        self.width = style.NODE_WIDTH
        self.height = style.NODE_HEIGHT
        self.name = ""
        self.summary = ""
        self.shape_text = "…"
        self.params_text = ""
        self.problems: list[str] = []
        self.description = ""
        self._lines: tuple[str, str, str, str] = ("", "", "", "")
        self._overview_text, self._overview_font = "", style.font("title")
        self.input_ports: list[PortItem] = []
        self.output_port = PortItem(self, is_input=False)
        self.takes_input = takes_input
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setZValue(1)
        self._place_ports()

    # -- data in ------------------------------------------------------------------------------------------
    def set_text(self, name: str, summary: str, description: str = "") -> None:
        if (name, summary, description) != (self.name, self.summary, self.description):
            self.name, self.summary, self.description = name, summary, description
            self._refresh()

    def set_analysis(self, shape_text: str, params_text: str, problems: list[str]) -> None:
        if (shape_text, params_text, problems) != (self.shape_text, self.params_text, self.problems):
            self.shape_text, self.params_text, self.problems = shape_text, params_text, list(problems)
            self._refresh()

    def set_input_ports(self, count: int, connected: set[int], free: int | None) -> None:
        """``count`` input ports (0 for an Input layer); ``free`` is a merge layer's spare port."""
        count = count if self.takes_input else 0
        if count != len(self.input_ports):
            for port in self.input_ports[count:]:
                port.setParentItem(None)
                if port.scene():
                    port.scene().removeItem(port)
            self.input_ports = self.input_ports[:count] + [PortItem(self, True, i)
                                                           for i in range(len(self.input_ports), count)]
            self._place_ports()
        for port in self.input_ports:
            port.set_look(connected=port.index in connected, free=port.index == free)

    def input_anchor(self, port: int) -> QPointF:
        if 0 <= port < len(self.input_ports):
            return self.input_ports[port].anchor()
        return self.mapToScene(QPointF(0, self._port_y(port, max(port + 1, len(self.input_ports)))))

    def output_anchor(self) -> QPointF:
        return self.output_port.anchor()

    # -- geometry -----------------------------------------------------------------------------------------
    def _port_y(self, index: int, count: int) -> float:
        body = self.height - style.HEADER_HEIGHT
        return style.HEADER_HEIGHT + (index + 0.5) * body / max(count, 1)

    def _place_ports(self) -> None:
        count = len(self.input_ports)
        height = max(style.NODE_HEIGHT, style.HEADER_HEIGHT + count * style.PORT_SPACING + 8)
        if height != self.height:
            self.prepareGeometryChange()
            self.height = height
        for port in self.input_ports:
            port.setPos(0, self._port_y(port.index, count))
        self.output_port.setPos(self.width, self._port_y(0, 1))

    def body_rect(self) -> QRectF:
        return QRectF(0, 0, self.width, self.height)

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt's name)
        return QRectF(-3, -_BADGE_RADIUS - 3, self.width + _BADGE_RADIUS + 6, self.height + _BADGE_RADIUS + 10)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(self.body_rect(), style.CORNER_RADIUS, style.CORNER_RADIUS)
        return path

    def _refresh(self) -> None:
        """Elide the texts once per change, set the tooltip, repaint."""
        text_width = self.width - 24
        title = QFontMetricsF(style.font("title")).elidedText(self.name, Qt.TextElideMode.ElideRight,
                                                               self.width - 46)
        body = QFontMetricsF(style.font("body"))
        kind = self.layer_type + (f" · {self.summary}" if self.summary else "")
        self._lines = (title, body.elidedText(kind, Qt.TextElideMode.ElideRight, text_width),
                       body.elidedText("→ " + self.shape_text, Qt.TextElideMode.ElideRight, text_width),
                       QFontMetricsF(style.font("small")).elidedText(self.params_text, Qt.TextElideMode.ElideRight,
                                                                      text_width))
        self._overview_text, self._overview_font = _overview_label(self.layer_type, self.width - 20,
                                                                   self.height - style.HEADER_HEIGHT - 8)
        tip = [f"<b>{self.name}</b> ({self.layer_type})"]
        if self.description:
            tip.append(self.description)
        tip.append(tr("Output shape: {shape}").format(shape=self.shape_text))
        if self.params_text:
            tip.append(self.params_text)
        tip.extend(f"<span style='color:#C62828'>⚠ {_escape(problem)}</span>" for problem in self.problems)
        self.setToolTip("<br>".join(tip))
        self.update()

    # -- drawing ------------------------------------------------------------------------------------------
    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        exporting = getattr(self.scene(), "exporting", False)
        selected = self.isSelected() and not exporting
        rect = self.body_rect()
        radius = style.CORNER_RADIUS
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if lod >= _DETAIL_LOD:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(style.SHADOW)
            painter.drawRoundedRect(rect.translated(0, 3), radius, radius)
        if selected:
            painter.setPen(QPen(style.SELECTED, 5))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect.adjusted(-2, -2, 2, 2), radius + 2, radius + 2)
        border = QPen(style.PROBLEM, 2.6) if self.problems else QPen(style.BODY_BORDER, 1.2)
        painter.setPen(border)
        painter.setBrush(QBrush(_PROBLEM_BODY if self.problems else style.BODY))
        painter.drawRoundedRect(rect, radius, radius)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.colour)
        painter.drawPath(_header_path(self.width))
        if self.problems:
            painter.setPen(QPen(style.PROBLEM, 2.6))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect, radius, radius)
        if lod >= _DETAIL_LOD:
            self._paint_text(painter)
        elif lod >= _OVERVIEW_LOD:
            self._paint_overview_text(painter)
        if self.problems:
            _paint_badge(painter, QPointF(self.width - 4, 0))

    def _paint_overview_text(self, painter: QPainter) -> None:
        painter.setPen(style.TEXT)
        painter.setFont(self._overview_font)
        painter.drawText(QRectF(0, style.HEADER_HEIGHT, self.width, self.height - style.HEADER_HEIGHT),
                         Qt.AlignmentFlag.AlignCenter, self._overview_text)

    def _paint_text(self, painter: QPainter) -> None:
        draw_glyph(painter, self.category, QRectF(10, 6, 18, 18), QColor("white"))
        title, kind, shape, params = self._lines
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.setPen(QColor("white"))
        painter.setFont(style.font("title"))
        painter.drawText(QRectF(36, 0, self.width - 46, style.HEADER_HEIGHT), left, title)
        top = style.HEADER_HEIGHT + 4
        painter.setFont(style.font("body"))
        painter.setPen(style.TEXT_SOFT)
        painter.drawText(QRectF(12, top, self.width - 24, 20), left, kind)
        painter.setPen(style.TEXT)
        painter.drawText(QRectF(12, top + 21, self.width - 24, 20), left, shape)
        painter.setFont(style.font("small"))
        painter.setPen(self.colour.darker(125))
        painter.drawText(QRectF(12, top + 42, self.width - 24, 18), left, params)


@lru_cache(maxsize=None)
def _overview_label(layer_type: str, width: float, height: float) -> tuple[str, QFont]:
    """Far out, the type alone is written as large as the box allows (on two lines if that is larger:
    MaxPooling / 2D), so the architecture stays readable when a long network is fitted to the window."""
    # Break only where a capitalised word starts (Conv2D|Transpose, Max|Pooling2D).
    breaks = [m.start() for m in re.finditer(r"(?<=.)[A-Z](?=[a-z])", layer_type)]
    candidates = [layer_type] + [layer_type[:i] + "\n" + layer_type[i:] for i in breaks]
    probe = QFont(style.font("title"))
    probe.setPixelSize(10)
    metrics = QFontMetricsF(probe)
    best, best_size = layer_type, 0.0
    for text in candidates:
        lines = text.split("\n")
        widest = max(metrics.horizontalAdvance(line) for line in lines)
        size = min(10 * width / max(widest, 1.0), height / (1.25 * len(lines)), 40.0)
        if size > best_size:
            best, best_size = "\n".join(lines), size
    font = QFont(probe)
    font.setPixelSize(max(8, int(best_size)))
    return best, font


@lru_cache(maxsize=8)
def _header_path(width: float) -> QPainterPath:
    """The header band: rounded top corners, square bottom edge."""
    radius = style.CORNER_RADIUS
    path = QPainterPath()
    path.addRoundedRect(QRectF(0, 0, width, style.HEADER_HEIGHT + radius), radius, radius)
    square = QPainterPath()
    square.addRect(QRectF(0, style.HEADER_HEIGHT, width, radius + 1))
    return path.subtracted(square)


def _paint_badge(painter: QPainter, centre: QPointF) -> None:
    painter.setPen(QPen(QColor("white"), 2.2))
    painter.setBrush(style.PROBLEM)
    painter.drawEllipse(centre, _BADGE_RADIUS, _BADGE_RADIUS)
    painter.setPen(QColor("white"))
    painter.setFont(style.font("title"))
    painter.drawText(QRectF(centre.x() - _BADGE_RADIUS, centre.y() - _BADGE_RADIUS, 2 * _BADGE_RADIUS,
                            2 * _BADGE_RADIUS), Qt.AlignmentFlag.AlignCenter, "!")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
