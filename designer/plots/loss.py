"""Loss and a chosen metric per epoch — training vs validation vs test — with hover read-out, log scale,
markers for setting changes and the best epoch, and the per-iteration loss as a faint curve."""
from __future__ import annotations

from collections import deque

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel

from designer.plots.base import (LINE_WIDTH, NEGATIVE, POSITIVE, BoundedSeries, PlotPanel, add_legend,
                                 align_left_axes, finite_or_nan, fit_combo, font, set_axis_label, style_plot, tr)

# Keras-style key prefixes: '' training, 'val_' validation, 'test_' test.
PREFIXES = ("", "val_", "test_")
_PENS = {"": pg.mkPen(POSITIVE, width=LINE_WIDTH),
         "val_": pg.mkPen(NEGATIVE, width=LINE_WIDTH, style=Qt.PenStyle.DashLine),
         "test_": pg.mkPen((44, 140, 44), width=LINE_WIDTH, style=Qt.PenStyle.DotLine)}
# Logged numbers that are settings, not measures of the fit.
NOT_METRICS = {"loss", "lr", "learning_rate", "epoch", "batch", "size"}
OUTLIER_FACTOR = 10.0  # divergent values beyond this × the starting level are drawn at that cap


def _prefix_labels() -> dict[str, str]:
    return {"": tr("training"), "val_": tr("validation"), "test_": tr("test")}


def metric_label(name: str) -> str:
    """How a logged name reads on screen ('mae' -> 'mean absolute error', translated)."""
    accuracy, mae, mse, rmse = tr("accuracy"), tr("mean absolute error"), tr("mean squared error"), tr(
        "root mean squared error")
    labels = {"loss": tr("loss"), "accuracy": accuracy, "acc": accuracy, "binary_accuracy": accuracy,
              "categorical_accuracy": accuracy, "sparse_categorical_accuracy": accuracy,
              "precision": tr("precision"), "recall": tr("recall"), "f1_score": tr("F1"), "mae": mae,
              "mean_absolute_error": mae, "mse": mse, "mean_squared_error": mse, "rmse": rmse,
              "root_mean_squared_error": rmse, "r2_score": "R²"}
    return labels.get(name, name.replace("_", " "))


def _base_name(key: str) -> str:
    for prefix in ("val_", "test_"):
        if key.startswith(prefix):
            return key[len(prefix):]
    return key


def _clip_outliers(arrays: list[np.ndarray]) -> list[np.ndarray]:
    """Cap values far above where the run started so one divergent epoch cannot flatten every other point.

    The cap is OUTLIER_FACTOR × the larger of the first few values (losses start high and fall) and the
    median; a run that really climbs that far is drawn flat at the cap, and the read-out tells its values."""
    firsts = [a[np.isfinite(a)][:5] for a in arrays]
    finite = np.concatenate([a[np.isfinite(a)] for a in arrays]) if arrays else np.empty(0)
    if finite.size < 3:
        return arrays
    start = max((float(np.max(np.abs(f))) for f in firsts if f.size), default=0.0)
    cap = OUTLIER_FACTOR * max(start, float(np.median(np.abs(finite))), 1e-12)
    return [np.minimum(a, cap) for a in arrays]


class LossPlot(PlotPanel):
    """Per-epoch loss (top) and one chosen metric (bottom), sharing the epoch axis.

    Epochs are counted from 1 (x = 1 is the end of the first epoch); per-iteration losses are placed at
    fractional epochs (x = 2.25: a quarter into the third epoch). Memory stays bounded: each curve keeps at
    most ``capacity`` points (older ones are averaged pairwise when full).
    """

    hovered = Signal(float)  # the epoch under the mouse
    MAX_MARKERS = 40

    def __init__(self, parent=None, capacity: int = 4096):
        super().__init__(parent)
        self._capacity = capacity
        self._series: dict[str, BoundedSeries] = {}
        self._iterations = BoundedSeries(capacity)
        self._epochs = 0
        self._markers: deque[tuple[pg.InfiniteLine, pg.InfiniteLine]] = deque()
        self.best_epoch: float | None = None
        self._metric = ""

        self.metric_combo = fit_combo(QComboBox())
        self.metric_combo.setToolTip(tr("Metric shown in the lower plot"))
        self.metric_combo.currentIndexChanged.connect(self._on_metric_chosen)
        self.log_check = QCheckBox(tr("Log scale"))
        self.log_check.setToolTip(tr("Logarithmic loss axis: shows small improvements late in training"))
        self.log_check.toggled.connect(self.set_log_scale)
        self.iterations_check = QCheckBox(tr("Per-iteration loss"))
        self.iterations_check.setToolTip(tr("Also draw the loss of every batch (noisy) as a faint line"))
        self.iterations_check.toggled.connect(self._refresh)
        self.controls.addWidget(QLabel(tr("Metric:")))
        self.controls.addWidget(self.metric_combo)
        self.controls.addStretch(1)
        self.controls.addWidget(self.iterations_check)
        self.controls.addWidget(self.log_check)
        self.readout = QLabel(tr("Point at the plot to read the values"))
        self.readout.setFont(font())
        self.readout.setWordWrap(True)
        self.body.addWidget(self.readout)

        self.loss_plot = style_plot(self.graphics.addPlot(row=0, col=0), None, tr("Loss"))
        self.metric_plot = style_plot(self.graphics.addPlot(row=1, col=0), tr("Epoch"), tr("Metric"))
        self.metric_plot.setXLink(self.loss_plot)
        align_left_axes(self.loss_plot, self.metric_plot)
        labels = _prefix_labels()
        self.legend = add_legend(self.loss_plot)
        self.iteration_curve = self.loss_plot.plot(pen=pg.mkPen(POSITIVE + (70,), width=1))
        self.loss_curves = {p: self.loss_plot.plot(pen=_PENS[p]) for p in PREFIXES}
        self._legend_names = {id(self.iteration_curve): tr("per batch"),
                              **{id(self.loss_curves[p]): labels[p] for p in PREFIXES}}
        self._legend_shown: tuple = ()
        self.metric_curves = {p: self.metric_plot.plot(pen=_PENS[p]) for p in PREFIXES}
        for curve in [self.iteration_curve, *self.loss_curves.values(), *self.metric_curves.values()]:
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
        best_pen = pg.mkPen((30, 150, 30), width=2, style=Qt.PenStyle.DashDotLine)
        self.best_lines = (
            pg.InfiniteLine(angle=90, pen=best_pen, label=tr("best"),
                            labelOpts={"position": 0.08, "color": (20, 110, 20), "fill": (255, 255, 255, 220)}),
            pg.InfiniteLine(angle=90, pen=best_pen))
        cross_pen = pg.mkPen((90, 90, 90), width=1)
        self.cross_lines = (pg.InfiniteLine(angle=90, pen=cross_pen), pg.InfiniteLine(angle=90, pen=cross_pen))
        for plot, best, cross in zip((self.loss_plot, self.metric_plot), self.best_lines, self.cross_lines):
            for line in (best, cross):
                line.setVisible(False)
                plot.addItem(line, ignoreBounds=True)
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self._refresh()

    # -- data -------------------------------------------------------------------------------------------
    def clear(self) -> None:
        """Forget every value and marker (a new training run)."""
        self._series.clear()
        self._iterations.clear()
        self._epochs = 0
        while self._markers:
            self._remove_marker()
        self.set_best_epoch(None)
        self._update_metric_combo()
        self._refresh()

    def set_history(self, history: list[dict]) -> None:
        """Replace the epoch curves by a Keras-style history: one dict of epoch logs per epoch ('loss',
        'val_loss', 'test_loss', 'accuracy', 'val_accuracy', ...; an 'epoch' entry, as the training session
        writes, places it). Markers and per-batch losses stay (:meth:`clear` starts afresh). For live training
        prefer :meth:`append_epoch`."""
        self._series.clear()
        self._epochs = 0
        for logs in history:
            epoch = logs.get("epoch")
            self._append(logs, epoch if isinstance(epoch, (int, float)) else None)
        self._update_metric_combo()
        self._refresh()

    def append_epoch(self, logs: dict, epoch: float | None = None) -> None:
        """Add one epoch's logs (``epoch`` defaults to the previous one + 1)."""
        self._append(logs, epoch)
        self._update_metric_combo()
        self._refresh()

    def _append(self, logs: dict, epoch: float | None = None) -> None:
        self._epochs = self._epochs + 1 if epoch is None else float(epoch)
        for key, value in logs.items():
            if _base_name(key) in NOT_METRICS - {"loss"} or not np.isscalar(value):
                continue
            series = self._series.setdefault(key, BoundedSeries(self._capacity))
            series.append(self._epochs, float(finite_or_nan(value)[0]))

    def add_iteration_losses(self, positions, losses) -> None:
        """Per-batch losses at fractional epochs. Shapes: positions (n,), losses (n,)."""
        self._iterations.extend(positions, finite_or_nan(losses))
        if self.iterations_check.isChecked():
            self._refresh()

    def add_marker(self, epoch: float, text: str) -> None:
        """A labelled vertical line where a setting changed (e.g. 'lr 0.03'); the oldest go beyond 40."""
        pen = pg.mkPen((110, 110, 110), width=1.5, style=Qt.PenStyle.DashLine)
        top = pg.InfiniteLine(pos=epoch, angle=90, pen=pen, label=text,
                              labelOpts={"position": 0.92, "color": (60, 60, 60), "fill": (255, 255, 255, 200)})
        top.label.setFont(font(11))
        bottom = pg.InfiniteLine(pos=epoch, angle=90, pen=pen)
        self.loss_plot.addItem(top, ignoreBounds=True)
        self.metric_plot.addItem(bottom, ignoreBounds=True)
        self._markers.append((top, bottom))
        if len(self._markers) > self.MAX_MARKERS:
            self._remove_marker()

    def _remove_marker(self) -> None:
        top, bottom = self._markers.popleft()
        self.loss_plot.removeItem(top)
        self.metric_plot.removeItem(bottom)

    def marker_count(self) -> int:
        return len(self._markers)

    def set_best_epoch(self, epoch: float | None) -> None:
        """Mark the best epoch (early stopping's restore point); None hides the marker."""
        self.best_epoch = epoch
        for line in self.best_lines:
            line.setVisible(epoch is not None)
            if epoch is not None:
                line.setValue(epoch)

    # -- display ----------------------------------------------------------------------------------------
    def metric_names(self) -> list[str]:
        """Metrics present in the logs (without prefixes), in first-seen order."""
        names = dict.fromkeys(_base_name(key) for key in self._series)
        return [name for name in names if name not in NOT_METRICS]

    def set_metric(self, name: str) -> None:
        """Show ``name`` (e.g. 'accuracy') in the lower plot. Raises ValueError for a metric not logged."""
        names = self.metric_names()
        if name not in names:
            raise ValueError(f"no metric {name!r} in the history; metrics: {', '.join(names) or 'none'}")
        self.metric_combo.setCurrentIndex(names.index(name))

    def _on_metric_chosen(self, index: int) -> None:
        if index >= 0:
            self._show_metric(self.metric_combo.itemData(index))
            self._refresh()

    def _show_metric(self, name: str) -> None:
        self._metric = name
        set_axis_label(self.metric_plot, "left", metric_label(name) if name else tr("Metric"))

    def _update_metric_combo(self) -> None:
        names = self.metric_names()
        if [self.metric_combo.itemData(i) for i in range(self.metric_combo.count())] == names:
            return
        kept = self._metric if self._metric in names else (names[0] if names else "")
        with QSignalBlocker(self.metric_combo):  # rebuilding the list is no choice of the user's
            self.metric_combo.clear()
            for name in names:
                self.metric_combo.addItem(metric_label(name), name)
            self.metric_combo.setCurrentIndex(names.index(kept) if kept else -1)
        self._show_metric(kept)

    def set_log_scale(self, on: bool) -> None:
        if self.log_check.isChecked() != on:
            self.log_check.setChecked(on)  # comes back here through toggled
            return
        self.loss_plot.setLogMode(y=on)
        self._refresh()

    def _arrays(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        series = self._series.get(key)
        return series.arrays() if series is not None else (np.empty(0), np.empty(0))

    def _refresh(self) -> None:
        log = self.log_check.isChecked()
        loss = [self._arrays(p + "loss") for p in PREFIXES]
        show_iterations = self.iterations_check.isChecked() and len(self._iterations) > 0
        iterations = self._iterations.arrays() if show_iterations else (np.empty(0), np.empty(0))
        ys = _clip_outliers([y for _, y in loss] + [iterations[1]])
        if log:  # log10 of 0 or a negative loss has no place on the axis: leave a gap
            ys = [np.where(y > 0, y, np.nan) for y in ys]
        for prefix, (x, _), y in zip(PREFIXES, loss, ys):
            self.loss_curves[prefix].setData(x, y, connect="finite")
        self.iteration_curve.setData(iterations[0], ys[-1], connect="finite")
        self._update_legend()
        metric = [self._arrays(p + self._metric) if self._metric else (np.empty(0), np.empty(0)) for p in PREFIXES]
        for prefix, (x, y) in zip(PREFIXES, _pairs_clipped(metric)):
            self.metric_curves[prefix].setData(x, y, connect="finite")

    def _update_legend(self) -> None:
        """List only the curves that have something drawn (rebuilt only when that set changes)."""
        curves = [c for c in (*self.loss_curves.values(), self.iteration_curve) if c.xData is not None and len(c.xData)]
        if tuple(map(id, curves)) == self._legend_shown:
            return
        self._legend_shown = tuple(map(id, curves))
        self.legend.clear()
        for curve in curves:
            self.legend.addItem(curve, self._legend_names[id(curve)])

    # -- hover ------------------------------------------------------------------------------------------
    def _on_mouse_moved(self, scene_pos) -> None:
        plot = next((p for p in (self.loss_plot, self.metric_plot) if p.vb.sceneBoundingRect().contains(scene_pos)),
                    None)
        epoch = self._nearest_epoch(plot.vb.mapSceneToView(scene_pos).x()) if plot is not None else None
        for line in self.cross_lines:
            line.setVisible(epoch is not None)
            if epoch is not None:
                line.setValue(epoch)
        if epoch is not None:
            self.readout.setText(self.values_text(epoch))
            self.hovered.emit(epoch)

    def _nearest_epoch(self, x: float) -> float | None:
        xs = [self._arrays(key)[0] for key in self._series]
        xs = np.concatenate(xs) if xs else np.empty(0)
        if xs.size == 0:
            return None
        return float(xs[np.argmin(np.abs(xs - x))])

    def values_text(self, epoch: float) -> str:
        """The read-out line for ``epoch``: every logged loss and the shown metric at that epoch."""
        labels = _prefix_labels()
        parts = [tr("Epoch {epoch}").format(epoch=f"{epoch:g}")]
        for name in dict.fromkeys(["loss", self._metric]):
            values = []
            for prefix in PREFIXES:
                x, y = self._arrays(prefix + name)
                hit = np.flatnonzero(np.isclose(x, epoch))
                if hit.size:
                    values.append(f"{labels[prefix]} {y[hit[0]]:.4g}")
            if name and values:
                parts.append(f"{metric_label(name)}: " + " · ".join(values))
        return " — ".join(parts)


def _pairs_clipped(pairs: list[tuple[np.ndarray, np.ndarray]]) -> list[tuple[np.ndarray, np.ndarray]]:
    ys = _clip_outliers([y for _, y in pairs])
    return [(x, y) for (x, _), y in zip(pairs, ys)]
