"""The decision boundary (or regression surface) over two input features with the training and test points,
in TensorFlow Playground's colours, plus the small per-neuron pictures of the neuron view.

Plane arrays follow engine.plane: ``values[i, j]`` is the output at (x_values[j], y_values[i]), so row 0 is
the bottom of the picture.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QCheckBox, QComboBox

from designer.plots.base import (DIVERGING, NEUTRAL, PlotPanel, class_color, fit_combo, rgba_to_qimage,
                                 set_axis_label, set_picture, style_plot, subsample, to_rgba, tr)

TASKS = ("binary", "multiclass", "regression")
MAX_TRAIN_POINTS = 5000
MAX_TEST_POINTS = 2000
BACKGROUND_FADE = 0.3  # the coloured plane is mixed with this much white so the points stand out on it
POINT_SIZE = 9


def _check_task(task: str) -> str:
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; choose one of: {', '.join(TASKS)}")
    return task


def _class_rgba(labels: np.ndarray, confidence: np.ndarray | None = None) -> np.ndarray:
    """Each label's class colour, faded toward the neutral grey where ``confidence`` (0..1) is low."""
    palette = np.array([class_color(i) for i in range(int(labels.max(initial=0)) + 1)], dtype=np.float64)
    rgb = palette[labels]
    if confidence is not None:
        weight = np.clip(confidence, 0.0, 1.0)[..., np.newaxis]
        rgb = np.array(NEUTRAL, dtype=np.float64) + (rgb - np.array(NEUTRAL)) * weight
    alpha = np.full(labels.shape + (1,), 255.0)
    return np.concatenate([rgb, alpha], axis=-1).round().astype(np.uint8)


def _default_levels(array: np.ndarray, task: str) -> tuple[float, float]:
    """binary: (0, 1) for probabilities; for outputs outside [0, 1] (logits, tanh) ±max|v|, centred on the
    decision threshold 0. regression: (min, max)."""
    finite = array[np.isfinite(array)]
    if finite.size == 0:
        return 0.0, 1.0
    if task == "binary":
        if finite.min() >= 0.0 and finite.max() <= 1.0:
            return 0.0, 1.0
        limit = float(np.abs(finite).max())
        return -limit, limit
    low, high = float(finite.min()), float(finite.max())
    return (low, high) if high > low else (low - 1.0, high + 1.0)


def plane_rgba(values, task: str = "binary", levels: tuple[float, float] | None = None,
               discretize: bool = False) -> np.ndarray:
    """Playground colours for a plane of outputs.

    binary: positive-class probabilities, levels (0, 1) by default (±max|v| for outputs beyond [0, 1]: logits
    or tanh, whose threshold is 0), orange below the middle, blue above.
    multiclass: (k, r, r) class probabilities (colour of the likeliest class, faded where unsure) or (r, r)
    class labels. regression: values, levels (min, max) by default. ``discretize`` thresholds at the middle of
    the levels (binary, regression) or drops the fading (multiclass). Non-finite values are transparent.

    Shapes: values (r, c) or (k, r, c) -> (r, c, 4) uint8, row 0 first.
    """
    _check_task(task)
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 3 and array.shape[0] == 1:
        array = array[0]
    if task == "multiclass":
        if array.ndim == 3:
            bad = ~np.all(np.isfinite(array), axis=0)
            safe = np.where(np.isfinite(array), array, -np.inf)
            labels = np.argmax(safe, axis=0)
            k = array.shape[0]
            top = np.take_along_axis(np.nan_to_num(array), labels[np.newaxis], axis=0)[0]
            confidence = None if discretize else (top - 1.0 / k) / (1.0 - 1.0 / k)
        else:
            bad = ~np.isfinite(array)
            labels, confidence = np.where(bad, 0, array).astype(np.int64).clip(0), None
        rgba = _class_rgba(labels, confidence)
        rgba[bad] = 0
        return rgba
    if array.ndim != 2:
        raise ValueError(f"a {task} plane must be a 2-D array (rows, columns); got shape {array.shape}")
    if levels is None:
        levels = _default_levels(array, task)
    low, high = levels
    if discretize:
        middle = (low + high) / 2
        array = np.where(np.isfinite(array), np.where(array > middle, high, low), np.nan)
    return to_rgba(array, DIVERGING, low, high)


def array_to_qimage(values, levels: tuple[float, float] | None = None) -> QImage:
    """A neuron's output over the plane as a small Playground-coloured picture, first row at the BOTTOM
    (the engine.plane convention drawn the way the plane looks). Levels default to ±max(1, max|v|), so tanh
    neurons keep Playground's fixed [-1, 1] range and larger outputs still show their shape.

    Shapes: values (rows, columns). Raises ValueError for another rank.
    """
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(f"a neuron picture must be a 2-D array (rows, columns); got shape {array.shape}")
    if levels is None:
        finite = np.abs(array[np.isfinite(array)])
        limit = max(1.0, float(finite.max()) if finite.size else 1.0)
        levels = (-limit, limit)
    return rgba_to_qimage(to_rgba(array[::-1], DIVERGING, *levels))


class BoundaryPlot(PlotPanel):
    """The network's output over two input features, with the data points on top.

    Clicking the plot while "Add points" is on emits ``point_added(x, y, label)`` with the chosen class.
    """

    point_added = Signal(float, float, int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._grid: tuple | None = None  # (x_range, y_range, values, task, levels)
        self._task = "binary"
        self._levels: tuple[float, float] | None = None
        self.test_check = QCheckBox(tr("Show test data"))
        self.test_check.setChecked(True)
        self.test_check.toggled.connect(lambda on: self.test_scatter.setVisible(on))
        self.discretize_check = QCheckBox(tr("Discretize output"))
        self.discretize_check.setToolTip(tr("Show only the decided class instead of the network's certainty"))
        self.discretize_check.toggled.connect(lambda _on: self._draw_grid())
        self.add_check = QCheckBox(tr("Add points"))
        self.add_check.setToolTip(tr("Click on the plot to add a data point of the chosen class"))
        self.class_combo = fit_combo(QComboBox())
        self.class_combo.setEnabled(False)
        self.add_check.toggled.connect(self.class_combo.setEnabled)
        for widget in (self.test_check, self.discretize_check):
            self.controls.addWidget(widget)
        self.controls.addStretch(1)
        self.controls.addWidget(self.add_check)
        self.controls.addWidget(self.class_combo)
        self.set_class_names([tr("class {n}").format(n=0), tr("class {n}").format(n=1)])

        self.plot = style_plot(self.graphics.addPlot(), "x₁", "x₂")
        self.plot.showGrid(x=False, y=False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.train_scatter = pg.ScatterPlotItem(size=POINT_SIZE, pen=pg.mkPen("w", width=1.2))
        self.test_scatter = pg.ScatterPlotItem(size=POINT_SIZE, pen=pg.mkPen("k", width=1.8))
        self.plot.addItem(self.train_scatter)
        self.plot.addItem(self.test_scatter)
        self.graphics.scene().sigMouseClicked.connect(self._on_clicked)

    # -- settings ---------------------------------------------------------------------------------------
    def set_feature_names(self, x_name: str, y_name: str) -> None:
        """Axis labels: the names of the two features shown (the others are held at their mean)."""
        set_axis_label(self.plot, "bottom", x_name)
        set_axis_label(self.plot, "left", y_name)

    def set_class_names(self, names: list[str]) -> None:
        """Classes offered when adding points (index = label)."""
        current = self.class_combo.currentIndex()
        self.class_combo.clear()
        for index, name in enumerate(names):
            self.class_combo.addItem(name, index)
        self.class_combo.setCurrentIndex(min(max(current, 0), len(names) - 1))

    def set_add_mode(self, on: bool) -> None:
        self.add_check.setChecked(on)

    def set_discretize(self, on: bool) -> None:
        self.discretize_check.setChecked(on)

    def set_show_test(self, on: bool) -> None:
        self.test_check.setChecked(on)

    # -- data -------------------------------------------------------------------------------------------
    def set_grid(self, x_range, y_range, values, task: str = "binary",
                 levels: tuple[float, float] | None = None) -> None:
        """The output over the plane: values as in :func:`plane_rgba`, rows along y (engine.plane order)."""
        self._task = _check_task(task)
        self._grid = (tuple(map(float, x_range)), tuple(map(float, y_range)), np.asarray(values), levels)
        self._draw_grid()

    def _draw_grid(self) -> None:
        if self._grid is None:
            return
        (x0, x1), (y0, y1), values, levels = self._grid
        if self._task != "multiclass":
            squeezed = values[0] if values.ndim == 3 and values.shape[0] == 1 else values
            levels = levels or _default_levels(np.asarray(squeezed, dtype=np.float64), self._task)
        self._levels = levels  # regression points are coloured on the same scale
        rgba = plane_rgba(values, self._task, levels, self.discretize_check.isChecked())
        faded = rgba.astype(np.float64)
        faded[..., :3] += (255.0 - faded[..., :3]) * BACKGROUND_FADE
        rows, columns = rgba.shape[:2]
        # grid values sit at pixel centres: the picture reaches half a step beyond the first and last
        dx = (x1 - x0) / max(columns - 1, 1)
        dy = (y1 - y0) / max(rows - 1, 1)
        set_picture(self.image, faded.round().astype(np.uint8), QRectF(x0 - dx / 2, y0 - dy / 2, x1 - x0 + dx,
                                                                       y1 - y0 + dy))

    def set_points(self, x_train, y_train, x_test=None, y_test=None) -> None:
        """Data points on the two shown features. Shapes: x (n, 2); y (n,) class labels (or one-hot (n, k))
        for classification, values for regression. Rows with non-finite coordinates are skipped."""
        self._set_scatter(self.train_scatter, x_train, y_train, MAX_TRAIN_POINTS)
        self._set_scatter(self.test_scatter, x_test, y_test, MAX_TEST_POINTS)

    def _set_scatter(self, scatter: pg.ScatterPlotItem, x, y, limit: int) -> None:
        if x is None or len(x) == 0:
            scatter.setData([], [])
            return
        x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)[:, :2]
        y = np.asarray(y)
        keep = np.all(np.isfinite(x), axis=1)
        x, y = x[keep], y[keep]
        index = subsample(len(x), limit)
        x, y = x[index], y[index]
        scatter.setData(x[:, 0], x[:, 1], brush=self._point_brushes(y))

    def _point_brushes(self, y: np.ndarray) -> list:
        if self._task == "regression":
            values = np.asarray(y, dtype=np.float64).reshape(len(y), -1)[:, 0]
            rgba = plane_rgba(values[np.newaxis], "regression", self._levels)[0]
            return [pg.mkBrush(*color) for color in rgba]
        labels = np.argmax(y, axis=1) if y.ndim == 2 and y.shape[1] > 1 else np.asarray(y).reshape(-1)
        labels = labels.astype(np.float64)
        labels = np.where(np.isfinite(labels), labels, 0.0).round().astype(np.int64).clip(0)  # unknown: class 0
        brushes = {label: pg.mkBrush(*class_color(label)) for label in np.unique(labels)}  # one per class
        return [brushes[label] for label in labels]

    # -- clicks -----------------------------------------------------------------------------------------
    def view_to_widget(self, x: float, y: float):
        """Where the data point (x, y) is inside ``self.graphics``' viewport (for tests and tools)."""
        return self.graphics.mapFromScene(self.plot.vb.mapViewToScene(QPointF(x, y)))

    def _on_clicked(self, event) -> None:
        if not self.add_check.isChecked() or event.button() != Qt.MouseButton.LeftButton:
            return
        if not self.plot.vb.sceneBoundingRect().contains(event.scenePos()):
            return
        point = self.plot.vb.mapSceneToView(event.scenePos())
        event.accept()
        self.point_added.emit(float(point.x()), float(point.y()), int(self.class_combo.currentData() or 0))
