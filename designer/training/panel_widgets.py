"""The parts of the training panel, made for a narrow dock seen on a projector: a titled section that folds
away, the row of big Play / Step / Reset buttons with the speed and the state, and the counters, whose big
numbers shrink their font rather than get cut off. The panel connects them; they hold no logic."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (QComboBox, QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QSlider, QStyle,
                               QToolButton, QVBoxLayout, QWidget)

from designer.i18n import tr
from designer.training.settings_form import shrinkable

COUNTER_POINT_SIZE = 20  # the counters' size when the number fits; it shrinks down to MIN_POINT_SIZE
MIN_POINT_SIZE = 9
BUTTON_HEIGHT = 34  # big enough to hit and to read on a projector
BANNER_STYLE = "background: #fff4ce; border: 1px solid #e0c060; padding: 4px;"


class Section(QWidget):
    """A bold title (a button that folds the section) over its content."""

    def __init__(self, title: str, content: QWidget, expanded: bool = True, parent=None):
        super().__init__(parent)
        self.content = content
        self.header = QToolButton()
        self.header.setText(title)
        self.header.setCheckable(True)
        self.header.setChecked(expanded)
        self.header.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.header.setAutoRaise(True)
        self.header.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        font = self.header.font()
        font.setBold(True)
        self.header.setFont(font)
        self.header.toggled.connect(self.set_expanded)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(self.header)
        layout.addWidget(line)
        layout.addWidget(content)
        self.set_expanded(expanded)

    def set_expanded(self, expanded: bool) -> None:
        self.header.setChecked(expanded)
        self.header.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self.content.setVisible(expanded)

    def expanded(self) -> bool:
        return self.header.isChecked()


class FittingNumber(QLabel):
    """A big bold number, centred; a longer number gets a smaller font instead of being cut off."""

    def __init__(self, text: str = "0", point_size: int = COUNTER_POINT_SIZE, parent=None):
        super().__init__(text, parent)
        self.point_size = point_size
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # never asks for more width than it gets: the dock decides, the font follows
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(20)
        font = QFont(self.font())
        font.setBold(True)
        font.setPointSize(point_size)
        self.setFont(font)
        self.setFixedHeight(QFontMetrics(font).height() + 4)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        super().setText(text)
        self._fit()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        font = QFont(self.font())
        size = self.point_size
        while size > MIN_POINT_SIZE:
            font.setPointSize(size)
            if QFontMetrics(font).horizontalAdvance(self.text()) <= self.width() - 4:
                break
            size -= 1
        font.setPointSize(size)
        if font != self.font():
            self.setFont(font)


class Counter(QWidget):
    """A counter: the big number over its name; both carry the same tooltip."""

    def __init__(self, title: str, tooltip: str, parent=None):
        super().__init__(parent)
        self.value = FittingNumber()
        self.title = QLabel(title)
        self.title.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.title.setWordWrap(True)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        for widget in (self, self.value, self.title):
            widget.setToolTip(tooltip)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(0)
        layout.addWidget(self.value)
        layout.addWidget(self.title, 1)


class CounterRow(QWidget):
    """Epoch, iteration and samples seen side by side; ``values[key]`` is each big number's label."""

    def __init__(self, parent=None):
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        counters = {
            "epoch": Counter(tr("Epoch"), tr("Epoch: one complete pass over all the training examples. This "
                                             "counts the finished passes.")),
            "iteration": Counter(tr("Iteration (weight updates)"), tr(
                "Iteration: one update of the weights, after each batch. Iterations per epoch = training "
                "examples ÷ batch size.")),
            "samples_seen": Counter(tr("Samples seen"), tr(
                "Training examples the network has learned from so far, counting each pass again."))}
        for index, counter in enumerate(counters.values()):
            counter.value.setObjectName(f"counter_{index}")
            row.addWidget(counter, 1)
        self.values = {key: counter.value for key, counter in counters.items()}


class ControlBar(QWidget):
    """Play (showing Pause while training runs), Step with its unit, Reset; the speed; the state and a banner."""

    def __init__(self, speeds, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        pixmap = QStyle.StandardPixmap
        self.play_button = self._button(tr("Play"), pixmap.SP_MediaPlay, tr("Train until you press Pause"))
        font = self.play_button.font()
        font.setBold(True)
        self.play_button.setFont(font)
        self.step_button = self._button(tr("Step"), pixmap.SP_MediaSkipForward,
                                        tr("Train a little and stop: one example, one batch or one epoch"))
        self.step_unit_combo = shrinkable(QComboBox(), 6)
        self.step_unit_combo.setToolTip(tr("How far one Step goes"))
        self.step_unit_combo.setMinimumHeight(BUTTON_HEIGHT)
        for label, unit in ((tr("one sample"), "sample"), (tr("one batch"), "batch"), (tr("one epoch"), "epoch")):
            self.step_unit_combo.addItem(label, unit)
        self.step_unit_combo.setCurrentIndex(1)
        self.reset_button = self._button(tr("Reset"), pixmap.SP_BrowserReload,
                                         tr("Reset weights: start again from fresh random weights (from the seed)"))
        buttons = QHBoxLayout()
        buttons.setSpacing(4)
        for widget, stretch in ((self.play_button, 3), (self.step_button, 2), (self.step_unit_combo, 2),
                                (self.reset_button, 2)):
            buttons.addWidget(widget, stretch)
        layout.addLayout(buttons)

        self.speed_slider = QSlider(Qt.Orientation.Horizontal)
        self.speed_slider.setRange(0, len(speeds) - 1)
        self.speed_slider.setValue(len(speeds) - 1)
        self.speed_slider.setToolTip(tr("Slow training down to watch it learn"))
        self.speed_label = QLabel()
        self.speed_label.setMinimumWidth(self.speed_label.fontMetrics().horizontalAdvance("300 lotes/s "))
        speed_row = QHBoxLayout()
        speed_row.addWidget(QLabel(tr("Speed")))
        speed_row.addWidget(self.speed_slider, 1)
        speed_row.addWidget(self.speed_label)
        layout.addLayout(speed_row)

        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(BANNER_STYLE)
        self.banner.hide()
        layout.addWidget(self.banner)

    def _button(self, text: str, icon: QStyle.StandardPixmap, tooltip: str) -> QPushButton:
        button = QPushButton(self.style().standardIcon(icon), text)
        button.setToolTip(tooltip)
        button.setMinimumHeight(BUTTON_HEIGHT)
        button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        return button

    def show_running(self, running: bool) -> None:
        """Play turns into Pause while training runs (and back)."""
        self.play_button.setText(tr("Pause") if running else tr("Play"))
        self.play_button.setIcon(self.style().standardIcon(
            QStyle.StandardPixmap.SP_MediaPause if running else QStyle.StandardPixmap.SP_MediaPlay))
