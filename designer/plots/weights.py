"""A layer's weights as a heatmap (orange negative, blue positive, centred on 0, with a colour bar) and the
histograms of its weights and of their gradients."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSignalBlocker, Signal
from PySide6.QtWidgets import QComboBox, QLabel

from designer.plots.base import (DIVERGING, NEGATIVE, POSITIVE, PlotPanel, fit_combo, font, make_color_bar,
                                 set_axis_label, set_picture, style_plot, subsample, symmetric_limit, tile, to_rgba,
                                 tr)

HISTOGRAM_BINS = 41
HISTOGRAM_SAMPLE = 200_000  # histograms of huge layers use an even sample of this many values


def weight_matrix(weights) -> tuple[np.ndarray, str, str]:
    """A 2-D picture of a weight array, with the names of its vertical and horizontal axes.

    Shapes: (n,) -> (1, n); (inputs, units) as is; conv kernels (kh, kw, cin, cout) -> a grid of kh x kw
    tiles, one row of tiles per input channel and one column per filter; other ranks (..., units) ->
    (prod(...), units).
    """
    array = np.asarray(weights, dtype=np.float64)
    if array.ndim == 0:
        return array.reshape(1, 1), "", ""
    if array.ndim == 1:
        return array[np.newaxis], "", tr("unit")
    if array.ndim == 4:
        kh, kw, cin, cout = array.shape
        tiles = np.transpose(array, (2, 3, 0, 1)).reshape(cin * cout, kh, kw)  # channel-major, filter-minor
        return tile(tiles, columns=cout), tr("input channel"), tr("filter")
    return array.reshape(-1, array.shape[-1]), tr("input"), tr("unit")


def histogram(values, limit: float) -> tuple[np.ndarray, np.ndarray]:
    """(edges, counts) of the finite values over [-limit, limit]. Shapes: edges (bins+1,), counts (bins,)."""
    flat = np.asarray(values, dtype=np.float64).ravel()
    flat = flat[subsample(flat.size, HISTOGRAM_SAMPLE)]
    flat = flat[np.isfinite(flat)]
    counts, edges = np.histogram(flat, bins=HISTOGRAM_BINS, range=(-limit, limit))
    return edges, counts.astype(np.float64)


class WeightsPlot(PlotPanel):
    """Heatmap of the chosen weight array ('layer/kernel') and histograms of weights and gradients."""

    layer_changed = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._weights: dict[str, np.ndarray] = {}
        self._grads: dict[str, np.ndarray] | None = None
        self._matrix = np.zeros((1, 1))
        self._tiled = False
        self.layer_combo = fit_combo(QComboBox())
        self.layer_combo.setMinimumContentsLength(16)
        self.layer_combo.setToolTip(tr("Weights of which layer"))
        self.layer_combo.currentIndexChanged.connect(self._on_layer_chosen)
        self.controls.addWidget(QLabel(tr("Weights:")))
        self.controls.addWidget(self.layer_combo, 1)
        self.readout = QLabel(" ")
        self.readout.setFont(font())
        self.body.addWidget(self.readout)

        self.heatmap_plot = style_plot(self.graphics.addPlot(row=0, col=0, colspan=2))
        self.heatmap_plot.showGrid(x=False, y=False)  # grid lines would cut through the cells
        self.heatmap_plot.invertY(True)  # first input row on top, as the array is printed
        self.heatmap_plot.setAspectLocked(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setAutoDownsample(True)
        self.heatmap_plot.addItem(self.image)
        self.color_bar = make_color_bar()
        self.graphics.addItem(self.color_bar, row=0, col=2)
        self.weights_hist_plot = style_plot(self.graphics.addPlot(row=1, col=0), tr("weight value"), tr("count"))
        self.grads_hist_plot = style_plot(self.graphics.addPlot(row=1, col=1), tr("gradient value"), tr("count"))
        self.weights_hist = self.weights_hist_plot.plot(stepMode="center", fillLevel=0, pen=pg.mkPen(POSITIVE),
                                                        brush=pg.mkBrush(POSITIVE + (150,)))
        self.grads_hist = self.grads_hist_plot.plot(stepMode="center", fillLevel=0, pen=pg.mkPen(NEGATIVE),
                                                    brush=pg.mkBrush(NEGATIVE + (150,)))
        self.graphics.ci.layout.setRowStretchFactor(0, 3)
        self.graphics.ci.layout.setRowStretchFactor(1, 2)
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self._show(None)

    # -- data -------------------------------------------------------------------------------------------
    def set_weights(self, weights: dict[str, np.ndarray], grads: dict[str, np.ndarray] | None = None) -> None:
        """New weights (and their gradients, when known), keyed 'layer/weight' as engine.probes gives them."""
        self._weights = {key: np.asarray(value) for key, value in weights.items()}
        self._grads = None if grads is None else {key: np.asarray(value) for key, value in grads.items()}
        keys = list(self._weights)
        if [self.layer_combo.itemText(i) for i in range(self.layer_combo.count())] != keys:
            current = self.current_key()
            with QSignalBlocker(self.layer_combo):
                self.layer_combo.clear()
                self.layer_combo.addItems(keys)
                self.layer_combo.setCurrentIndex(keys.index(current) if current in keys else _first_kernel(keys))
        self._show(self.current_key())

    def current_key(self) -> str | None:
        return self.layer_combo.currentText() or None

    def set_current_key(self, key: str) -> None:
        """Show the weights ``key``; ValueError if there is no such weight."""
        keys = list(self._weights)
        if key not in keys:
            raise ValueError(f"no weights {key!r}; weights: {', '.join(keys) or 'none'}")
        self.layer_combo.setCurrentIndex(keys.index(key))

    def _on_layer_chosen(self, index: int) -> None:
        key = self.current_key()
        self._show(key)
        if key:
            self.layer_changed.emit(key)

    def _show(self, key: str | None) -> None:
        values = self._weights.get(key) if key else None
        if values is None or values.size == 0:
            values = np.zeros((0,))
        self._matrix, y_name, x_name = weight_matrix(values) if values.size else (np.full((1, 1), np.nan), "", "")
        self._tiled = values.ndim == 4
        limit = symmetric_limit(values)
        height, width = self._matrix.shape
        # pixel (i, j) centred on (j, i)
        set_picture(self.image, to_rgba(self._matrix, DIVERGING, -limit, limit), QRectF(-0.5, -0.5, width, height))
        self.color_bar.setLevels((-limit, limit))
        set_axis_label(self.heatmap_plot, "left", y_name)
        set_axis_label(self.heatmap_plot, "bottom", x_name)
        self._set_tile_ticks(values)
        self.heatmap_plot.setTitle(key or tr("no weights yet"), size="13pt", color="#282828")
        self.weights_hist.setData(*histogram(values, limit))
        grads = self._grads.get(key) if self._grads is not None and key else None
        if grads is None:
            self.grads_hist.setData(*histogram(np.zeros(0), 1.0))
            self.grads_hist_plot.setTitle(tr("no gradients yet"), size="11pt", color="#606060")
        else:
            self.grads_hist.setData(*histogram(grads, symmetric_limit(grads)))
            self.grads_hist_plot.setTitle(None)
        self.heatmap_plot.enableAutoRange()

    def _set_tile_ticks(self, values: np.ndarray) -> None:
        """Conv grids: one tick per filter / input channel at the tile centres (numbered from 0)."""
        ticks: dict[str, list | None] = {"bottom": None, "left": None}
        if self._tiled:
            kh, kw, cin, cout = values.shape
            ticks["bottom"] = [[(j * (kw + 1) + (kw - 1) / 2, str(j)) for j in range(cout)]] if cout <= 64 else None
            ticks["left"] = [[(i * (kh + 1) + (kh - 1) / 2, str(i)) for i in range(cin)]] if cin <= 64 else None
        for side, value in ticks.items():
            self.heatmap_plot.getAxis(side).setTicks(value)

    # -- hover ------------------------------------------------------------------------------------------
    def value_text(self, row: int, column: int) -> str | None:
        """The read-out for image pixel (row, column), or None outside the picture or in a gap."""
        height, width = self._matrix.shape
        if not (0 <= row < height and 0 <= column < width) or not np.isfinite(self._matrix[row, column]):
            return None
        value = self._matrix[row, column]
        key = self.current_key() or ""
        if self._tiled:
            kh, kw, _, _ = self._weights[key].shape
            (channel, y), (filt, x) = divmod(row, kh + 1), divmod(column, kw + 1)
            where = tr("filter {f}, channel {c}, position ({y}, {x})").format(f=filt, c=channel, y=y, x=x)
        elif height == 1:
            where = tr("unit {u}").format(u=column)
        else:
            where = tr("input {i} → unit {u}").format(i=row, u=column)
        return f"{key}  {where}:  {value:.4g}"

    def _on_mouse_moved(self, scene_pos) -> None:
        if not self.heatmap_plot.vb.sceneBoundingRect().contains(scene_pos):
            return
        point = self.heatmap_plot.vb.mapSceneToView(scene_pos)
        text = self.value_text(int(np.floor(point.y() + 0.5)), int(np.floor(point.x() + 0.5)))
        if text is not None:
            self.readout.setText(text)


def _first_kernel(keys: list[str]) -> int:
    """Index of the first 'kernel' weight (what students want to see first), else 0."""
    return next((i for i, key in enumerate(keys) if key.endswith("kernel")), 0)
