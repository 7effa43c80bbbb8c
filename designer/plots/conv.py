"""Inside a convolutional layer: its filters as small pictures, and the feature maps one input produces."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import QComboBox, QLabel, QSpinBox

from designer.plots.base import (DIVERGING, SEQUENTIAL, PlotPanel, fit_combo, make_color_bar, set_picture,
                                 style_plot, symmetric_limit, tile, to_rgba, tr)

MAX_TILES = 256  # more filters / maps than this are not drawn (the title says how many are shown)


def _image_plot(panel: PlotPanel, row: int, col: int) -> tuple[pg.PlotItem, pg.ImageItem]:
    """A plot showing one picture: no axes, first row on top, square pixels."""
    plot = style_plot(panel.graphics.addPlot(row=row, col=col))
    plot.hideAxis("left")
    plot.hideAxis("bottom")
    plot.showGrid(x=False, y=False)
    plot.invertY(True)
    plot.setAspectLocked(True)
    image = pg.ImageItem(axisOrder="row-major")
    plot.addItem(image)
    return plot, image


def _show(plot: pg.PlotItem, image: pg.ImageItem, rgba: np.ndarray) -> None:
    set_picture(image, rgba)
    plot.enableAutoRange()


def _unit_range(array: np.ndarray, axis: tuple) -> np.ndarray:
    """Each picture stretched to [0, 1] over ``axis`` (constant pictures become mid-grey)."""
    finite = np.where(np.isfinite(array), array, np.nan)
    low = np.nanmin(finite, axis=axis, keepdims=True) if finite.size else 0.0
    high = np.nanmax(finite, axis=axis, keepdims=True) if finite.size else 1.0
    span = np.where(high > low, high - low, 1.0)
    return np.where(high > low, (finite - low) / span, 0.5)


def _rgb_to_rgba(rgb: np.ndarray) -> np.ndarray:
    """(h, w, 3) floats in [0, 1] with NaN gaps -> (h, w, 4) uint8, gaps transparent."""
    bad = ~np.all(np.isfinite(rgb), axis=-1)
    rgba = np.zeros(rgb.shape[:2] + (4,), np.uint8)
    rgba[..., :3] = np.round(np.clip(np.nan_to_num(rgb), 0, 1) * 255)
    rgba[..., 3] = np.where(bad, 0, 255)
    return rgba


class SampleChooser(QSpinBox):
    """Which input sample (numbered from 0) to look at; the panel asks the worker for its pictures."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setRange(0, 0)
        self.setToolTip(tr("Which input sample to show"))

    def set_count(self, count: int) -> None:
        self.setRange(0, max(int(count) - 1, 0))


class FiltersPlot(PlotPanel):
    """The filters of a convolution: one small picture per filter, for one input channel (orange negative,
    blue positive, one scale for all) or, with 3 input channels, in colour."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.kernel = np.zeros((1, 1, 1, 0))
        self.channel_combo = fit_combo(QComboBox())
        self.channel_combo.setToolTip(tr("Which input channel of the filters to draw"))
        self.channel_combo.currentIndexChanged.connect(lambda _index: self._draw())
        self.controls.addWidget(QLabel(tr("Input channel:")))
        self.controls.addWidget(self.channel_combo)
        self.controls.addStretch(1)
        self.plot, self.image = _image_plot(self, 0, 0)
        self.color_bar = make_color_bar()
        self.graphics.addItem(self.color_bar, row=0, col=1)
        self._draw()

    def set_kernel(self, kernel) -> None:
        """Shapes: (kh, kw, cin, cout) (Conv2D) or (k, cin, cout) (Conv1D, drawn as 1 x k pictures)."""
        kernel = np.asarray(kernel, dtype=np.float64)
        if kernel.ndim == 3:
            kernel = kernel[np.newaxis]
        if kernel.ndim != 4:
            raise ValueError(f"a convolution kernel is (kh, kw, cin, cout) or (k, cin, cout); got shape {kernel.shape}")
        channels = kernel.shape[2]
        choices = ([tr("colour (RGB)")] if channels == 3 else []) + [
            tr("channel {n}").format(n=c) for c in range(channels)]
        if [self.channel_combo.itemText(i) for i in range(self.channel_combo.count())] != choices:
            with QSignalBlocker(self.channel_combo):
                self.channel_combo.clear()
                self.channel_combo.addItems(choices)
        self.kernel = kernel
        self._draw()

    def channel(self) -> int | None:
        """The input channel drawn, or None for the colour (RGB) pictures."""
        index = max(self.channel_combo.currentIndex(), 0)
        if self.kernel.shape[2] == 3:
            return None if index == 0 else index - 1
        return index

    def _draw(self) -> None:
        kh, kw, channels, count = self.kernel.shape
        shown = min(count, MAX_TILES)
        filters = np.moveaxis(self.kernel[..., :shown], -1, 0)  # (shown, kh, kw, cin)
        channel = self.channel() if channels else 0
        if count == 0 or channels == 0:
            rgba = np.zeros((1, 1, 4), np.uint8)
        elif channel is None:
            rgba = _rgb_to_rgba(tile(_unit_range(filters, axis=(1, 2, 3))))
        else:
            limit = symmetric_limit(filters[..., channel])
            self.color_bar.setLevels((-limit, limit))
            rgba = to_rgba(tile(filters[..., channel]), DIVERGING, -limit, limit)
        self.color_bar.setVisible(channel is not None)
        _show(self.plot, self.image, rgba)
        title = tr("{count} filters of {h}×{w}").format(count=count, h=kh, w=kw)
        if shown < count:
            title += " " + tr("(first {n} shown)").format(n=shown)
        self.plot.setTitle(title if count and channels else tr("no filters yet"), size="13pt", color="#282828")


class FeatureMapsPlot(PlotPanel):
    """The chosen input (left) and the feature maps a layer makes of it (right), all on one colour scale."""

    sample_changed = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.sample_spin = SampleChooser()
        self.sample_spin.valueChanged.connect(self.sample_changed)
        self.controls.addWidget(QLabel(tr("Sample:")))
        self.controls.addWidget(self.sample_spin)
        self.controls.addStretch(1)
        self.input_plot, self.input_image = _image_plot(self, 0, 0)
        self.maps_plot, self.maps_image = _image_plot(self, 0, 1)
        self.input_plot.setTitle(tr("input"), size="13pt", color="#282828")
        self.graphics.ci.layout.setColumnStretchFactor(0, 1)
        self.graphics.ci.layout.setColumnStretchFactor(1, 3)
        self.set_maps(np.zeros((1, 1, 0)))

    def set_sample_count(self, count: int) -> None:
        self.sample_spin.set_count(count)

    def set_maps(self, maps, input_image=None) -> None:
        """Shapes: maps (h, w, c) (or (t, c) for 1-D convolutions); input_image (H, W), (H, W, 1) or
        (H, W, 3) (RGB), or None to leave the input picture empty."""
        maps = np.asarray(maps, dtype=np.float64)
        if maps.ndim == 2:
            maps = maps[np.newaxis]
        if maps.ndim != 3:
            raise ValueError(f"feature maps are (height, width, channels); got shape {maps.shape}")
        count = maps.shape[2]
        shown = min(count, MAX_TILES)
        tiles = np.moveaxis(maps[..., :shown], -1, 0)
        finite = tiles[np.isfinite(tiles)]
        if finite.size and finite.min() < 0:  # signed maps: orange/blue around 0
            limit = symmetric_limit(finite)
            rgba = to_rgba(tile(tiles), DIVERGING, -limit, limit)
        else:  # after a ReLU: dark (0) to bright (strong response)
            rgba = to_rgba(tile(tiles), SEQUENTIAL, 0.0, float(finite.max()) if finite.size else 1.0)
        _show(self.maps_plot, self.maps_image, rgba)
        title = tr("{count} feature maps of {h}×{w}").format(count=count, h=maps.shape[0], w=maps.shape[1])
        if shown < count:
            title += " " + tr("(first {n} shown)").format(n=shown)
        self.maps_plot.setTitle(title if count else tr("no feature maps yet"), size="13pt", color="#282828")
        _show(self.input_plot, self.input_image, _input_rgba(input_image))


def _input_rgba(image) -> np.ndarray:
    """An input sample as a picture: grey levels, or colour for 3 channels (each stretched to [0, 1])."""
    if image is None:
        return np.zeros((1, 1, 4), np.uint8)
    array = np.asarray(image, dtype=np.float64)
    if array.ndim == 1:
        array = array[np.newaxis]
    if array.ndim == 3 and array.shape[2] == 3:
        return _rgb_to_rgba(_unit_range(array, axis=(0, 1, 2)))
    if array.ndim == 3:
        array = array.mean(axis=2)
    grey = _unit_range(array, axis=(0, 1))
    return _rgb_to_rgba(np.repeat(grey[..., np.newaxis], 3, axis=2))
