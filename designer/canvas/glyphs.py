"""Small white pictograms for the node headers, one per palette category, drawn with QPainter.

Drawn rather than loaded so the canvas needs no image files and stays sharp at every zoom; a layer whose
registry icon exists under resources/icons is drawn with that icon instead.
"""
from __future__ import annotations

import math
from functools import lru_cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QPainter, QPainterPath, QPen


def draw_glyph(painter: QPainter, category: str, box: QRectF, colour) -> None:
    """Draw ``category``'s pictogram inside ``box`` (about 18×18) with lines of ``colour``."""
    painter.save()
    painter.translate(box.topLeft())
    painter.scale(box.width() / 18.0, box.height() / 18.0)
    pen = QPen(colour, 1.8, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    if category in _FILLED:
        painter.setBrush(QBrush(colour))
        painter.setPen(Qt.PenStyle.NoPen)
    painter.drawPath(_path(category))
    painter.restore()


_FILLED = {"Dense", "Pooling"}  # solid shapes; the others are line drawings


@lru_cache(maxsize=None)
def _path(category: str) -> QPainterPath:
    path = QPainterPath()
    if category == "Dense":  # two columns of neurons
        for x, ys in ((4.5, (4, 9, 14)), (13.5, (6.5, 11.5))):
            for y in ys:
                path.addEllipse(QPointF(x, y), 2.2, 2.2)
    elif category == "Convolution":  # a 3×3 kernel
        for i in range(4):
            path.moveTo(2 + 4.67 * i, 2)
            path.lineTo(2 + 4.67 * i, 16)
            path.moveTo(2, 2 + 4.67 * i)
            path.lineTo(16, 2 + 4.67 * i)
    elif category == "Pooling":  # a funnel: many in, one out
        path.moveTo(2, 3)
        path.lineTo(16, 3)
        path.lineTo(10.5, 10)
        path.lineTo(10.5, 16)
        path.lineTo(7.5, 16)
        path.lineTo(7.5, 10)
        path.closeSubpath()
    elif category == "Recurrent":  # a loop with an arrow
        path.arcMoveTo(QRectF(2.5, 2.5, 13, 13), 60)
        path.arcTo(QRectF(2.5, 2.5, 13, 13), 60, 300)
        tip = QPointF(9 + 6.5 * math.cos(math.radians(60)), 9 - 6.5 * math.sin(math.radians(60)))
        path.moveTo(tip + QPointF(-4, -1.5))
        path.lineTo(tip)
        path.lineTo(tip + QPointF(-1.2, 4))
    elif category == "Merge":  # two wires joining
        path.moveTo(2, 3)
        path.cubicTo(8, 3, 8, 9, 16, 9)
        path.moveTo(2, 15)
        path.cubicTo(8, 15, 8, 9, 16, 9)
    elif category == "Regularization":  # a dashed circle: some units dropped
        for start in range(0, 360, 60):
            path.arcMoveTo(QRectF(2.5, 2.5, 13, 13), start)
            path.arcTo(QRectF(2.5, 2.5, 13, 13), start, 35)
    elif category == "Activation":  # a sigmoid
        path.moveTo(2, 15)
        path.cubicTo(10, 15, 8, 3, 16, 3)
    elif category == "Reshape":  # a block turned into a column
        path.addRect(QRectF(2, 5, 7, 8))
        path.moveTo(11, 9)
        path.lineTo(16, 9)
        path.moveTo(14, 6.5)
        path.lineTo(16, 9)
        path.lineTo(14, 11.5)
    else:  # Input/Output and anything else: data going in
        path.moveTo(2, 9)
        path.lineTo(12, 9)
        path.moveTo(8.5, 5)
        path.lineTo(12.5, 9)
        path.lineTo(8.5, 13)
        path.moveTo(15.5, 3)
        path.lineTo(15.5, 15)
    return path
