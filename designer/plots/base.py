"""What every live plot shares: translation, classroom styling (white background, projector-sized fonts),
the Playground colours, bounded series, image tiling and export to PNG/SVG.

Every plot is a :class:`PlotPanel`: a row of controls above one ``pg.GraphicsLayoutWidget`` holding its plot
items, created once and afterwards only fed new arrays (setData / setImage).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QRectF, QSize, Qt
from PySide6.QtGui import QAction, QColor, QFont, QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QVBoxLayout, QWidget

from designer.i18n import tr

# TensorFlow Playground's colours: orange for negative / class 0, blue for positive / class 1, light grey zero.
NEGATIVE = (245, 147, 34)
NEUTRAL = (232, 234, 235)
POSITIVE = (8, 119, 189)
# Classes beyond the first two (which match the binary colours); cycled for more classes.
CLASS_COLORS = [NEGATIVE, POSITIVE, (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75),
                (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]
DIVERGING = pg.ColorMap([0.0, 0.5, 1.0], [NEGATIVE, NEUTRAL, POSITIVE])
SEQUENTIAL = pg.colormap.get("viridis")
AXIS_COLOR = (40, 40, 40)
FONT_POINTS = 12  # readable from the back of a classroom on a projector
LINE_WIDTH = 3


def class_color(index: int) -> tuple[int, int, int]:
    return CLASS_COLORS[int(index) % len(CLASS_COLORS)]


def font(points: int = FONT_POINTS, bold: bool = False) -> QFont:
    result = QFont()
    result.setPointSize(points)
    result.setBold(bold)
    return result


def style_plot(plot: pg.PlotItem, x_label: str | None = None, y_label: str | None = None,
               points: int = FONT_POINTS) -> pg.PlotItem:
    """Dark axes with large tick labels, a faint grid, no pyqtgraph menus (English-only, confusing in class)."""
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(AXIS_COLOR, width=1))
        axis.setTextPen(pg.mkPen(AXIS_COLOR))
        axis.setTickFont(font(points))
        axis.enableAutoSIPrefix(False)  # "(x0.001)" beside a label confuses students
    label_style = {"color": "#282828", "font-size": f"{points + 1}pt"}
    if x_label is not None:
        plot.setLabel("bottom", x_label, **label_style)
    if y_label is not None:
        plot.setLabel("left", y_label, **label_style)
    plot.showGrid(x=True, y=True, alpha=0.15)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    return plot


def align_left_axes(*plots: pg.PlotItem, width: int = 64) -> None:
    """One width for the left axes of stacked plots sharing x, so their x positions line up exactly."""
    for plot in plots:
        plot.getAxis("left").setWidth(width)


def add_legend(plot: pg.PlotItem, points: int = FONT_POINTS, offset: tuple[int, int] = (-10, 10)) -> pg.LegendItem:
    """A legend (top right by default), readable, on a light box, that scales with exported images."""
    legend = plot.addLegend(offset=offset, labelTextSize=f"{points}pt", labelTextColor=AXIS_COLOR)
    legend.setBrush(pg.mkBrush(255, 255, 255, 210))
    # pyqtgraph makes legends ignore transformations, which keeps them small in enlarged exports; they sit
    # in the view box's own (pixel) coordinates, so nothing else changes.
    legend.setFlag(legend.GraphicsItemFlag.ItemIgnoresTransformations, False)
    return legend


def make_color_bar(colormap: pg.ColorMap = DIVERGING) -> pg.ColorBarItem:
    """A read-only colour bar (levels set with ``setLevels``) with large dark tick labels."""
    bar = pg.ColorBarItem(values=(-1, 1), colorMap=colormap, interactive=False, width=18, colorMapMenu=False)
    axis = bar.getAxis("right")
    axis.setTickFont(font())
    axis.setTextPen(pg.mkPen(AXIS_COLOR))
    axis.enableAutoSIPrefix(False)
    return bar


def fit_combo(combo: QComboBox) -> QComboBox:
    """A combo box as wide as its longest entry, whenever the entries change."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    return combo


def set_axis_label(plot: pg.PlotItem, side: str, text: str, points: int = FONT_POINTS) -> None:
    plot.setLabel(side, text, color="#282828", **{"font-size": f"{points + 1}pt"})


def finite_or_nan(values) -> np.ndarray:
    """float64 copy with ±inf replaced by NaN, so curves skip them and axis ranges ignore them."""
    array = np.array(values, dtype=np.float64, copy=True, ndmin=1)
    array[~np.isfinite(array)] = np.nan
    return array


def symmetric_limit(values) -> float:
    """max |finite value| (1.0 for empty or all non-finite data, a tiny floor for all zeros): ± colour levels."""
    array = np.asarray(values, dtype=np.float64)
    finite = np.abs(array[np.isfinite(array)])
    if finite.size == 0:
        return 1.0
    return max(float(finite.max()), 1e-12)


def to_rgba(values, colormap: pg.ColorMap, low: float, high: float) -> np.ndarray:
    """uint8 RGBA image of a 2-D array through ``colormap`` over [low, high]; NaN/inf become transparent.

    Shapes: values (h, w) -> (h, w, 4).
    """
    array = np.asarray(values, dtype=np.float64)
    bad = ~np.isfinite(array)
    span = high - low if high > low else 1.0
    scaled = np.clip((np.where(bad, low, array) - low) / span, 0.0, 1.0)
    rgba = colormap.map(scaled.ravel(), mode="byte").reshape(*array.shape, 4)
    rgba[bad] = 0
    return rgba


def rgba_to_qimage(rgba: np.ndarray) -> QImage:
    """A QImage that owns a copy of an (h, w, 4) uint8 RGBA array (first row on top)."""
    rgba = np.ascontiguousarray(rgba, dtype=np.uint8)
    height, width = rgba.shape[:2]
    return QImage(rgba.data, width, height, 4 * width, QImage.Format.Format_RGBA8888).copy()


def set_picture(image: pg.ImageItem, rgba: np.ndarray, rect: QRectF | None = None) -> None:
    """Show an (h, w, 4) uint8 picture on ``image`` placed on ``rect`` (data coordinates; pixel (0, 0) at its
    top-left corner in item terms). A picture without pixels becomes one transparent pixel: pyqtgraph cannot
    place an empty image."""
    if rgba.shape[0] == 0 or rgba.shape[1] == 0:
        rgba = np.zeros((1, 1, 4), np.uint8)
    image.setImage(rgba, autoLevels=False)
    image.setRect(rect if rect is not None else QRectF(0, 0, rgba.shape[1], rgba.shape[0]))


def tile(images, columns: int | None = None, gap: int = 1) -> np.ndarray:
    """Small images side by side in a grid separated by NaN gaps (drawn transparent).

    Shapes: images (n, h, w) or (n, h, w, c) -> (rows*(h+gap)-gap, columns*(w+gap)-gap[, c]).
    """
    images = np.asarray(images, dtype=np.float64)
    count, height, width = images.shape[:3]
    if count == 0:
        return np.full((1, 1) + images.shape[3:], np.nan)
    columns = columns or int(np.ceil(np.sqrt(count)))
    rows = int(np.ceil(count / columns))
    out = np.full((rows * (height + gap) - gap, columns * (width + gap) - gap) + images.shape[3:], np.nan)
    for index in range(count):
        row, column = divmod(index, columns)
        top, left = row * (height + gap), column * (width + gap)
        out[top:top + height, left:left + width] = images[index]
    return out


def subsample(count: int, limit: int) -> np.ndarray | slice:
    """Evenly spread indices keeping at most ``limit`` of ``count`` items (a plain slice when all fit)."""
    if count <= limit:
        return slice(None)
    return np.linspace(0, count - 1, limit).astype(np.int64)


class BoundedSeries:
    """(x, y) points in at most ``capacity`` slots: when full, neighbouring pairs are averaged and later
    points are averaged in groups twice as large, so a long run keeps its whole shape in bounded memory.
    Non-finite y values are left out of the averages (a group of only non-finite values stores NaN)."""

    def __init__(self, capacity: int = 4096):
        self.capacity = max(2, int(capacity)) // 2 * 2
        self._x = np.empty(self.capacity)
        self._y = np.empty(self.capacity)
        self._count = 0
        self.group = 1  # raw points per stored point
        self._pending: list[tuple[float, float]] = []

    def __len__(self) -> int:
        return self._count

    def clear(self) -> None:
        self._count, self.group, self._pending = 0, 1, []

    def append(self, x: float, y: float) -> None:
        self._pending.append((float(x), float(y)))
        if len(self._pending) >= self.group:
            xs, ys = np.array(self._pending).T
            self._pending = []
            self._store(float(xs.mean()), _finite_mean(ys))

    def extend(self, xs, ys) -> None:
        for x, y in zip(np.asarray(xs, dtype=np.float64).ravel(), np.asarray(ys, dtype=np.float64).ravel()):
            self.append(x, y)

    def _store(self, x: float, y: float) -> None:
        if self._count == self.capacity:
            half = self.capacity // 2
            self._x[:half] = self._x.reshape(half, 2).mean(axis=1)
            self._y[:half] = _finite_mean(self._y.reshape(half, 2), axis=1)
            self._count, self.group = half, self.group * 2
        self._x[self._count], self._y[self._count] = x, y
        self._count += 1

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """The stored x and y, plus the mean of a group still filling (so the newest values show at once).
        Views (or fresh arrays) valid until the next append."""
        x, y = self._x[:self._count], self._y[:self._count]
        if not self._pending:
            return x, y
        xs, ys = np.array(self._pending).T
        return np.append(x, xs.mean()), np.append(y, _finite_mean(ys))


def _finite_mean(values: np.ndarray, axis=None):
    finite = np.isfinite(values)
    counts = finite.sum(axis=axis)
    sums = np.where(finite, values, 0.0).sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return float(means) if axis is None else means


class PlotPanel(QWidget):
    """A row of controls (``self.controls``) above the plot items in ``self.graphics``, with context actions
    "Save image…" (PNG or SVG by suffix) and "Reset view".

    Subclasses whose picture includes ordinary widgets besides ``self.graphics`` (a table...) override
    :meth:`export_widget` to return the widget to capture; otherwise only the plots are drawn.
    """

    EXPORT_PNG_SCALE = 2  # exported PNGs at twice the screen size: crisp on slides and projectors

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.controls = QHBoxLayout()
        self.controls.setContentsMargins(4, 2, 4, 0)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.graphics.ci.setContentsMargins(6, 6, 6, 6)
        self.body = QVBoxLayout()
        self.body.setContentsMargins(0, 0, 0, 0)
        self.body.addWidget(self.graphics, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(self.controls)
        layout.addLayout(self.body, 1)
        self.save_action = QAction(tr("Save image…"), self)
        self.save_action.triggered.connect(self.ask_export)
        self.reset_view_action = QAction(tr("Reset view"), self)
        self.reset_view_action.triggered.connect(self.reset_view)
        self.addActions([self.reset_view_action, self.save_action])
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.graphics.addActions([self.reset_view_action, self.save_action])
        self.graphics.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

    def sizeHint(self) -> QSize:
        return QSize(640, 420)

    def plot_items(self) -> list[pg.PlotItem]:
        return [item for item in self.graphics.ci.items
                if isinstance(item, pg.PlotItem) and not isinstance(item, pg.ColorBarItem)]

    def reset_view(self) -> None:
        """Back to automatic ranges after the user zoomed or panned."""
        for plot in self.plot_items():
            plot.enableAutoRange()

    def export_widget(self) -> QWidget | None:
        """The widget to capture when the picture is more than the plots (None: export the plots)."""
        return None

    def ask_export(self) -> Path | None:
        """Ask for a file name (PNG or SVG) and export; None when cancelled."""
        path, chosen = QFileDialog.getSaveFileName(
            self, tr("Save plot as image"), "", tr("PNG image (*.png);;SVG drawing (*.svg)"))
        if not path:
            return None
        if Path(path).suffix.lower() not in (".png", ".svg"):
            path += ".svg" if "svg" in chosen.lower() else ".png"
        return self.export(path)

    def export(self, path) -> Path:
        """Write the plot to ``path``: PNG or SVG chosen by the suffix.

        Raises
        ------
        ValueError
            For another suffix.
        """
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".png", ".svg"):
            raise ValueError(f"export writes .png or .svg files; got {path.name!r}")
        widget = self.export_widget()
        if widget is None:
            _export_view(self.graphics, path, suffix, self.EXPORT_PNG_SCALE)
        else:
            _export_widget(widget, path, suffix)
        return path


def _paint(device, paint) -> None:
    painter = QPainter(device)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    try:
        paint(painter)
    finally:
        painter.end()


def _svg_generator(path: Path, width: int, height: int, dpi: int = 96) -> QSvgGenerator:
    generator = QSvgGenerator()
    generator.setResolution(dpi)  # the screen's: text keeps its size relative to the lines
    generator.setFileName(str(path))
    generator.setSize(QSize(width, height))
    generator.setViewBox(QRectF(0, 0, width, height))
    generator.setTitle("Neurotaller")
    return generator


def _save_png(image: QImage, path: Path) -> None:
    if not image.save(str(path), "PNG"):
        raise OSError(f"could not write {path}")


# pyqtgraph 0.14's own exporters are not used: its SVGExporter fails on the closed paths ("Z") Qt 6.12 writes,
# and its ImageExporter does not scale legend text with the rest when enlarging.
def _export_view(view: pg.GraphicsView, path: Path, suffix: str, scale: float) -> None:
    """The plots of a graphics view: PNG ``scale`` times the screen size (text and lines alike), or vector SVG."""
    width, height = view.viewport().width(), view.viewport().height()
    if suffix == ".svg":
        target = _svg_generator(path, width, height, view.logicalDpiX())
        _paint(target, lambda p: view.render(p, QRectF(0, 0, width, height), view.viewport().rect()))
        return
    image = QImage(int(width * scale), int(height * scale), QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    _paint(image, lambda p: view.render(p, QRectF(image.rect()), view.viewport().rect()))
    _save_png(image, path)


def _export_widget(widget: QWidget, path: Path, suffix: str) -> None:
    """A composite widget (plots and ordinary widgets): PNG grabbed at screen size, or SVG painted by Qt."""
    if suffix == ".png":
        _save_png(widget.grab().toImage(), path)
        return
    target = _svg_generator(path, widget.width(), widget.height(), widget.logicalDpiX())
    _paint(target, lambda painter: widget.render(painter, QPoint()))
