"""A small QPainter plot of an activation f and its derivative f′ beside the activation chooser (used when the
plots package offers no ``ActivationPreview``)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from engine import activations

F_COLOR = QColor(8, 119, 189)  # Playground blue
DERIVATIVE_COLOR = QColor(245, 147, 34)  # Playground orange
_X = np.linspace(-4.0, 4.0, 81)


def curves(name: str) -> tuple[np.ndarray, np.ndarray]:
    """f and f′ of activation ``name`` over x in [-4, 4].

    Softmax depends on a whole row: it is drawn for two units (x, 0), i.e. p = softmax(x, 0)[0], with the
    diagonal term of its Jacobian p (1 - p) as f′.
    """
    activation = activations.get(name)
    if not activation.is_elementwise:
        p = np.asarray(activation.numpy_forward(np.stack([_X, np.zeros_like(_X)], axis=1)), dtype=float)[:, 0]
        return p, p * (1.0 - p)
    f = np.asarray(activation.numpy_forward(_X), dtype=float).ravel()
    return f, np.asarray(activation.numpy_derivative(_X), dtype=float).ravel()


class ActivationSketch(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.name = "linear"
        self._f, self._derivative = curves(self.name)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(112, 64)

    def set_activation(self, name: str) -> None:
        self.name = activations.canonical_name(name)
        self._f, self._derivative = curves(self.name)
        self.setToolTip(f"{self.name}: f (blue), f′ (orange)")
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        area = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        painter.fillRect(area, QColor("white"))
        painter.setPen(QPen(QColor(200, 200, 200), 1))
        painter.drawRect(area)
        series = (self._f, self._derivative)
        low = min(-1.0, *(float(s.min()) for s in series))
        high = max(1.0, *(float(s.max()) for s in series))
        low, high = max(low, -4.0), min(high, 4.0)  # relu-like curves would otherwise flatten the others
        plot = area.adjusted(4, 4, -4, -4)

        def point(x: float, y: float) -> QPointF:
            y = min(max(y, low), high)
            return QPointF(plot.left() + (x + 4.0) / 8.0 * plot.width(),
                           plot.bottom() - (y - low) / (high - low) * plot.height())

        painter.setPen(QPen(QColor(150, 150, 150), 1))
        painter.drawLine(point(-4.0, 0.0), point(4.0, 0.0))
        painter.drawLine(point(0.0, low), point(0.0, high))
        for values, color, style in ((self._derivative, DERIVATIVE_COLOR, Qt.PenStyle.DashLine),
                                     (self._f, F_COLOR, Qt.PenStyle.SolidLine)):
            path = QPainterPath(point(_X[0], values[0]))
            for x, y in zip(_X[1:], values[1:]):
                path.lineTo(point(x, y))
            painter.setPen(QPen(color, 2.2, style))
            painter.drawPath(path)
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.8))
        painter.setFont(font)
        painter.setPen(F_COLOR)
        painter.drawText(plot.adjusted(2, 0, 0, 0), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, "f")
        painter.setPen(DERIVATIVE_COLOR)
        painter.drawText(plot.adjusted(14, 0, 0, 0), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, "f′")
        painter.end()
