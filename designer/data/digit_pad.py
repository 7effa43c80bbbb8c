"""A draw-a-digit pad: draw with the mouse, see the digit as MNIST would have it (28×28) and what a trained
model says it is.

    pad = DigitPad(predict=lambda img: model.predict(img.reshape(1, 28, 28, 1))[0])
    pad.digit_changed.connect(...)   # the 28×28 float32 image after each stroke (and on Clear)

The drawing is white on black on a 280×280 canvas with a thick round pen; the conversion is
:func:`engine.datasets.images.mnist_style` (crop to the ink, fit in 20×20 keeping the aspect ratio, centre
of mass at the centre of 28×28). ``predict`` gets that (28, 28) float32 image in [0, 1] and returns one
probability per class; it runs on the GUI thread after each stroke (a small model answers in milliseconds).
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from engine.datasets.images import mnist_style

from designer.i18n import tr

CANVAS_SIZE = 196  # 7 px per MNIST pixel: small enough to dock beside a plot on a 1366-px screen
PEN_WIDTH = 16        # ~2.2 MNIST pixels once the digit is scaled into its 20×20 box
PREVIEW_SCALE = 4     # the 28×28 result is shown 112×112
LIVE_INTERVAL_MS = 150
Predict = Callable[[np.ndarray], np.ndarray]


class DrawingCanvas(QWidget):
    """White strokes on black, kept in a Grayscale8 QImage the size of the widget."""

    stroke_changed = Signal()   # while drawing (throttled)
    stroke_finished = Signal()  # mouse released

    def __init__(self, size: int = CANVAS_SIZE, pen_width: int = PEN_WIDTH, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFixedSize(size, size)
        self.setCursor(Qt.CrossCursor)
        self.image = QImage(size, size, QImage.Format_Grayscale8)
        self.image.fill(Qt.black)
        self._pen = QPen(Qt.white, pen_width, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin)
        self._last: QPointF | None = None
        self._live = QTimer(self, singleShot=True, interval=LIVE_INTERVAL_MS)
        self._live.timeout.connect(self.stroke_changed)

    def clear(self) -> None:
        self.image.fill(Qt.black)
        self.update()

    def to_array(self) -> np.ndarray:
        """The drawing as floats in [0, 1]. Shapes: (size, size) float32."""
        h, w = self.image.height(), self.image.width()
        data = np.frombuffer(self.image.constBits(), np.uint8, count=self.image.sizeInBytes())
        return data.reshape(h, self.image.bytesPerLine())[:, :w].astype(np.float32) / np.float32(255)

    def _draw_to(self, point: QPointF) -> None:
        painter = QPainter(self.image)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setPen(self._pen)
        if self._last is None or self._last == point:
            painter.drawPoint(point)  # a click makes a dot
        else:
            painter.drawLine(self._last, point)
        painter.end()
        self._last = point
        self.update()

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.LeftButton:
            self._last = None
            self._draw_to(event.position())

    def mouseMoveEvent(self, event) -> None:
        if self._last is not None:
            self._draw_to(event.position())
            if not self._live.isActive():
                self._live.start()

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.LeftButton and self._last is not None:
            self._draw_to(event.position())
            self._last = None
            self._live.stop()
            self.stroke_finished.emit()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.drawImage(0, 0, self.image)
        painter.setPen(QPen(QColor(90, 90, 90), 1, Qt.DashLine))
        box = QRectF(self.width() * 0.14, self.height() * 0.14, self.width() * 0.72, self.height() * 0.72)
        painter.drawRect(box)  # where a digit fits well (MNIST digits fill 20 of 28 pixels)
        painter.end()


class ProbabilityBars(QWidget):
    """One horizontal bar per class with its probability; the most probable one highlighted."""

    def __init__(self, class_names: Sequence[str] = tuple(str(d) for d in range(10)), parent: QWidget | None = None):
        super().__init__(parent)
        self.class_names = list(class_names)
        self.probabilities = np.zeros(len(self.class_names))
        self.setMinimumSize(150, 22 * len(self.class_names))
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)

    def set_probabilities(self, probabilities: np.ndarray | None) -> None:
        p = np.zeros(len(self.class_names)) if probabilities is None else np.asarray(probabilities, float).ravel()
        if len(p) != len(self.class_names):
            self.class_names = [str(k) for k in range(len(p))]
            self.setMinimumSize(150, 22 * len(p))
        self.probabilities = np.clip(np.nan_to_num(p), 0.0, 1.0)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(260, 24 * len(self.class_names))

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        n = max(1, len(self.class_names))
        row = self.height() / n
        label_w, pct_w = 28, 48
        bar_w = max(10.0, self.width() - label_w - pct_w - 8)
        best = int(np.argmax(self.probabilities)) if self.probabilities.any() else -1
        for k, (name, p) in enumerate(zip(self.class_names, self.probabilities)):
            y = k * row
            painter.setPen(self.palette().text().color())
            painter.drawText(QRectF(0, y, label_w, row), Qt.AlignVCenter | Qt.AlignRight, name)
            track = QRectF(label_w + 6, y + row * 0.2, bar_w, row * 0.6)
            painter.fillRect(track, QColor(225, 225, 225))
            painter.fillRect(QRectF(track.x(), track.y(), bar_w * p, track.height()),
                             QColor("#d9822b") if k == best else QColor("#4a7ebb"))
            painter.drawText(QRectF(track.right() + 4, y, pct_w, row), Qt.AlignVCenter | Qt.AlignLeft,
                             f"{100 * p:.0f} %")
        painter.end()


class DigitPad(QWidget):
    """The pad, the 28×28 digit the model sees, and the model's probabilities (when ``predict`` is given)."""

    digit_changed = Signal(np.ndarray)

    def __init__(self, predict: Predict | None = None, class_names: Sequence[str] | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self._predict = predict
        self._digit = np.zeros((28, 28), np.float32)
        self.canvas = DrawingCanvas()
        self.clear_button = QPushButton(tr("Clear"))
        self.clear_button.clicked.connect(self.clear)
        self.preview = QLabel()
        self.preview.setFixedSize(28 * PREVIEW_SCALE, 28 * PREVIEW_SCALE)
        self.preview.setToolTip(tr("The digit as the network sees it: 28 × 28 pixels, centred like MNIST."))
        self.bars = ProbabilityBars(class_names or [str(d) for d in range(10)])
        self.answer_label = QLabel()
        self.answer_label.setWordWrap(True)
        hint = QLabel(tr("Draw a digit with the mouse, as large as the dashed box."))
        hint.setWordWrap(True)
        left = QVBoxLayout()
        left.addWidget(hint)
        left.addWidget(self.canvas)
        left.addWidget(self.clear_button, 0, Qt.AlignLeft)
        left.addStretch(1)
        right = QGridLayout()
        right.addWidget(QLabel(tr("What the network sees:")), 0, 0)
        right.addWidget(self.preview, 1, 0, Qt.AlignLeft)
        right.addWidget(QLabel(tr("What it says:")), 2, 0)
        right.addWidget(self.bars, 3, 0)
        right.addWidget(self.answer_label, 4, 0)
        right.setRowStretch(5, 1)
        layout = QHBoxLayout(self)
        layout.addLayout(left)
        layout.addLayout(right, 1)
        self.canvas.stroke_changed.connect(self._update)
        self.canvas.stroke_finished.connect(self._update)
        self._update()

    def set_predict(self, predict: Predict | None, class_names: Sequence[str] | None = None) -> None:
        """A new model (or None); the current drawing is asked again."""
        self._predict = predict
        if class_names is not None:
            self.bars.class_names = list(class_names)
        self._update()

    def digit(self) -> np.ndarray:
        """The current drawing, MNIST style. Shapes: (28, 28) float32 in [0, 1]."""
        return self._digit.copy()

    def clear(self) -> None:
        self.canvas.clear()
        self._update()

    def _update(self) -> None:
        self._digit = mnist_style(self.canvas.to_array())
        self._show_preview()
        blank = not self._digit.any()
        if self._predict is None:
            self.bars.set_probabilities(None)
            self.answer_label.setText(tr("Train a model on MNIST to see its answer."))
        elif blank:
            self.bars.set_probabilities(None)
            self.answer_label.setText("")
        else:
            try:
                probabilities = np.asarray(self._predict(self._digit.copy()), dtype=float).ravel()
            except Exception as exc:  # noqa: BLE001 — a model that does not fit the pad must not crash it
                self.bars.set_probabilities(None)
                self.answer_label.setText(tr("The model cannot read this image: {error}").format(error=exc))
            else:
                self.bars.set_probabilities(probabilities)
                best = int(np.argmax(probabilities))
                self.answer_label.setText(tr("It is a {name} ({percent:.0f} % sure).").format(
                    name=self.bars.class_names[best], percent=100 * probabilities[best]))
        self.digit_changed.emit(self._digit.copy())

    def _show_preview(self) -> None:
        pixels = np.ascontiguousarray(np.round(self._digit * 255).astype(np.uint8))
        image = QImage(pixels.data, 28, 28, 28, QImage.Format_Grayscale8).copy()
        self.preview.setPixmap(QPixmap.fromImage(image).scaled(self.preview.size(), Qt.IgnoreAspectRatio,
                                                               Qt.FastTransformation))
