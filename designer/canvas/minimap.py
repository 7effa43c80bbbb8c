"""The minimap: the whole network in miniature with the canvas's visible area as a rectangle that can be
dragged (or clicked) to move around a big network."""
from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QFrame, QGraphicsView

from designer.canvas import style
from designer.i18n import tr


class Minimap(QGraphicsView):
    """A second, non-interactive view of the canvas's scene, fitted to the network.

    Parameters
    ----------
    canvas : the CanvasView whose visible area is shown and moved.
    """

    def __init__(self, canvas, parent=None):
        super().__init__(canvas.scene(), parent)
        self.canvas = canvas
        self.setInteractive(False)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setFrameShape(QFrame.Shape.Box)
        self.setStyleSheet("Minimap { border: 1px solid #9AA5B1; background: #F4F6F9; }")
        self.setToolTip(tr("Overview: drag the rectangle to move around the network."))
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self._dragging = False
        self._refit_timer = QTimer(self)
        self._refit_timer.setSingleShot(True)
        self._refit_timer.setInterval(40)
        self._refit_timer.timeout.connect(self.refit)
        canvas.scene().sceneRectChanged.connect(self._refit_timer.start)
        canvas.horizontalScrollBar().valueChanged.connect(self.viewport().update)
        canvas.verticalScrollBar().valueChanged.connect(self.viewport().update)
        canvas.zoom_changed.connect(self.viewport().update)

    def refit(self) -> None:
        rect = self.scene().network_rect()
        rect = rect.adjusted(-60, -60, 60, 60) if not rect.isNull() else QRectF(-200, -150, 400, 300)
        self.setSceneRect(rect.united(self.visible_area()))
        self.fitInView(self.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
        self.viewport().update()

    def visible_area(self) -> QRectF:
        """The part of the scene the canvas shows, in scene coordinates."""
        return self.canvas.mapToScene(self.canvas.viewport().rect()).boundingRect()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self.refit()

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802 (Qt's name)
        painter.fillRect(rect, style.BACKGROUND)  # no grid: at this scale it would be noise

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        pen = QPen(style.SELECTED, 2)
        pen.setCosmetic(True)
        painter.setPen(pen)
        fill = QColor(style.SELECTED)
        fill.setAlpha(40)
        painter.setBrush(fill)
        painter.drawRect(self.visible_area())

    def mousePressEvent(self, event) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self._dragging = True
            self._centre_canvas(event)
        event.accept()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        if self._dragging:
            self._centre_canvas(event)
        event.accept()

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        self._dragging = False
        event.accept()

    def wheelEvent(self, event) -> None:  # noqa: N802
        event.accept()  # the overview never zooms; the canvas does

    def _centre_canvas(self, event) -> None:
        self.canvas.centerOn(self.mapToScene(event.position().toPoint()))
        self.viewport().update()
