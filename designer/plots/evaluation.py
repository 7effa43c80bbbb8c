"""How good the predictions are: the confusion matrix with precision / recall / F1 per class (classification),
predicted against true values with ρ and R² (regression)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QHeaderView, QSplitter, QTableWidget, QTableWidgetItem, QWidget

from designer.plots.base import POSITIVE, PlotPanel, font, set_picture, style_plot, subsample, to_rgba, tr
from engine import metrics

MAX_TEXT_CLASSES = 20  # counts are written in the cells up to this many classes
MAX_NAME = 14
MAX_POINTS = 5000
CELL_MAP = pg.ColorMap([0.0, 1.0], [(255, 255, 255), POSITIVE])


def as_labels(y) -> np.ndarray:
    """Class labels from labels, one-hot rows / class scores (argmax) or positive-class probabilities (> 0.5).

    Shapes: (n,), (n, 1) or (n, k) -> (n,) int64. Non-finite entries become -1 (left out of the counts).
    """
    array = np.asarray(y, dtype=np.float64)
    if array.ndim == 2 and array.shape[1] > 1:
        bad = ~np.all(np.isfinite(array), axis=1)
        labels = np.argmax(np.where(np.isfinite(array), array, -np.inf), axis=1)
    else:
        array = array.reshape(-1)
        bad = ~np.isfinite(array)
        safe = np.where(bad, 0.0, array)
        labels = safe.round() if np.all(safe == np.round(safe)) else (safe > 0.5)
    return np.where(bad, -1, labels).astype(np.int64)


def class_report(matrix: np.ndarray) -> dict[str, np.ndarray | float]:
    """Precision, recall, F1 and support per class, their macro averages and the accuracy, from counts
    (rows = true class). Classes never predicted / never present score 0 (scikit-learn's zero_division=0)."""
    matrix = np.asarray(matrix, dtype=np.float64)
    tp = np.diag(matrix)
    predicted, support = matrix.sum(axis=0), matrix.sum(axis=1)

    def ratio(num, den):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)

    precision, recall = ratio(tp, predicted), ratio(tp, support)
    f1 = ratio(2 * tp, predicted + support)
    total = matrix.sum()
    return {"precision": precision, "recall": recall, "f1": f1, "support": support,
            "macro_precision": float(precision.mean()) if tp.size else 0.0,
            "macro_recall": float(recall.mean()) if tp.size else 0.0,
            "macro_f1": float(f1.mean()) if tp.size else 0.0,
            "accuracy": float(tp.sum() / total) if total > 0 else 0.0}


class ConfusionPlot(PlotPanel):
    """Confusion matrix (rows: true class, columns: predicted), coloured by the share of each true class,
    counts written in the cells, and a table of per-class precision / recall / F1."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.matrix = np.zeros((0, 0), dtype=np.int64)
        self.report: dict = class_report(self.matrix)
        self.plot = style_plot(self.graphics.addPlot(), tr("predicted class"), tr("true class"))
        self.plot.showGrid(x=False, y=False)
        self.plot.invertY(True)  # first class on top, as tables read
        self.plot.setAspectLocked(True)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self._texts: list[pg.TextItem] = []
        self.plot.setTitle(tr("no predictions yet"), size="14pt", color="#282828")
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels([tr("precision"), tr("recall"), tr("F1"), tr("samples")])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setFont(font())
        # A splitter, not a row: in a narrow dock the table must not squeeze the matrix to nothing; the
        # person decides how to share the width (the matrix gets the larger part first).
        self.content = QSplitter(Qt.Orientation.Horizontal)
        self.content.setChildrenCollapsible(False)
        self.body.removeWidget(self.graphics)
        self.content.addWidget(self.graphics)
        self.content.addWidget(self.table)
        self.content.setStretchFactor(0, 3)
        self.content.setStretchFactor(1, 2)
        self.content.setSizes([600, 400])  # proportions kept when the dock gets its real width
        self.graphics.setMinimumWidth(160)
        self.table.setMinimumWidth(120)
        self.body.insertWidget(0, self.content, 1)

    def export_widget(self) -> QWidget:
        return self.content

    def set_predictions(self, y_true, y_pred, class_names: list[str] | None = None) -> None:
        """Count the predictions. y_true / y_pred: labels (n,), one-hot or scores (n, k), or positive-class
        probabilities; pairs where either is non-finite are left out."""
        true, pred = as_labels(y_true), as_labels(y_pred)
        if true.shape != pred.shape:
            raise ValueError(f"y_true and y_pred must describe the same samples; got {true.size} and {pred.size}")
        keep = (true >= 0) & (pred >= 0)
        true, pred = true[keep], pred[keep]
        seen = int(max(true.max(initial=-1), pred.max(initial=-1))) + 1
        n_classes = max(len(class_names or []), seen)
        names = list(class_names or [])[:n_classes] + [str(i) for i in range(len(class_names or []), n_classes)]
        self.matrix = metrics.confusion_matrix(true, pred, n_classes) if n_classes else np.zeros((0, 0), np.int64)
        self.report = class_report(self.matrix)
        self.plot.setTitle(tr("accuracy {value:.1f} %").format(value=100 * self.report["accuracy"])
                           if self.matrix.sum() else tr("no predictions yet"), size="14pt", color="#282828")
        self._draw_matrix(names)
        self._fill_table(names)

    def _draw_matrix(self, names: list[str]) -> None:
        k = len(names)
        counts = self.matrix.astype(np.float64)
        rows = counts.sum(axis=1, keepdims=True)
        share = np.where(rows > 0, counts / np.where(rows > 0, rows, 1.0), 0.0)
        set_picture(self.image, to_rgba(share, CELL_MAP, 0.0, 1.0), QRectF(-0.5, -0.5, max(k, 1), max(k, 1)))
        ticks = [[(i, name if len(name) <= MAX_NAME else name[:MAX_NAME - 1] + "…") for i, name in enumerate(names)]]
        self.plot.getAxis("bottom").setTicks(ticks)
        self.plot.getAxis("left").setTicks(ticks)
        shown = k if k <= MAX_TEXT_CLASSES else 0
        while len(self._texts) < shown * shown:  # grows only to the largest matrix seen, then reused
            text = pg.TextItem(anchor=(0.5, 0.5))
            self.plot.addItem(text)
            self._texts.append(text)
        cell_font = font(14 if k <= 5 else 11 if k <= 10 else 8, bold=True)
        for index, text in enumerate(self._texts):
            visible = index < shown * shown
            text.setVisible(visible)
            if visible:
                i, j = divmod(index, shown)
                text.setFont(cell_font)
                count = int(self.matrix[i, j])
                # zeros in light grey: the eye goes to the mistakes that did happen
                color = "w" if share[i, j] > 0.55 else (30, 30, 30) if count else (175, 175, 175)
                text.setText(str(count), color=color)
                text.setPos(j, i)
        self.plot.enableAutoRange()

    def _fill_table(self, names: list[str]) -> None:
        report = self.report
        rows = [(name, report["precision"][i], report["recall"][i], report["f1"][i], report["support"][i])
                for i, name in enumerate(names)]
        rows.append((tr("macro average"), report["macro_precision"], report["macro_recall"], report["macro_f1"],
                     float(self.matrix.sum())))
        rows.append((tr("accuracy"), None, None, report["accuracy"], float(self.matrix.sum())))
        self.table.setRowCount(len(rows))
        self.table.setVerticalHeaderLabels([row[0] for row in rows])
        for r, (_, *values) in enumerate(rows):
            for c, value in enumerate(values):
                text = "" if value is None else (f"{int(value)}" if c == 3 else f"{value:.3f}")
                item = self.table.item(r, c)
                if item is None:
                    item = QTableWidgetItem()
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                    self.table.setItem(r, c, item)
                item.setText(text)
        self._fit_table_width()

    def _fit_table_width(self) -> None:
        """As wide as its columns need (the matrix takes the rest of the room)."""
        self.table.resizeColumnsToContents()
        width = self.table.verticalHeader().sizeHint().width() + 2 * self.table.frameWidth() + 4
        width += sum(self.table.columnWidth(c) for c in range(self.table.columnCount()))
        if self.table.verticalScrollBar().isVisible() or self.table.rowCount() > 14:
            width += self.table.verticalScrollBar().sizeHint().width()
        self.table.setFixedWidth(width)


class RegressionPlot(PlotPanel):
    """Predicted against true values with the y = x line of perfect predictions, Pearson ρ and R²."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.pearson = float("nan")
        self.r2 = float("nan")
        self.plot = style_plot(self.graphics.addPlot(), tr("true value"), tr("predicted value"))
        self.identity = self.plot.plot(pen=pg.mkPen((50, 50, 50), width=2, style=Qt.PenStyle.DashLine))
        self.identity.setZValue(10)  # the line of perfect predictions stays visible over the points
        self.scatter = pg.ScatterPlotItem(size=7, pen=pg.mkPen("w", width=0.8), brush=pg.mkBrush(POSITIVE + (200,)))
        self.plot.addItem(self.scatter)
        self._title()

    def set_predictions(self, y_true, y_pred) -> None:
        """Shapes: y_true, y_pred (n,) or (n, outputs) alike (every output is drawn); non-finite pairs skipped."""
        true = np.asarray(y_true, dtype=np.float64).reshape(-1)
        pred = np.asarray(y_pred, dtype=np.float64).reshape(-1)
        if true.shape != pred.shape:
            raise ValueError(f"y_true and y_pred must have the same size; got {true.size} and {pred.size}")
        keep = np.isfinite(true) & np.isfinite(pred)
        true, pred = true[keep], pred[keep]
        self.pearson = metrics.pearson_r(true, pred) if true.size > 1 else float("nan")
        self.r2 = metrics.r2_score(true, pred) if true.size > 1 else float("nan")
        index = subsample(true.size, MAX_POINTS)
        self.scatter.setData(true[index], pred[index])
        if true.size:
            low, high = float(min(true.min(), pred.min())), float(max(true.max(), pred.max()))
            self.identity.setData([low, high], [low, high])
        else:
            self.identity.setData([], [])
        self._title()

    def _title(self) -> None:
        def show(value: float) -> str:
            return "—" if not np.isfinite(value) else f"{value:.3f}"

        self.plot.setTitle(tr("correlation ρ = {rho}  ·  R² = {r2}").format(rho=show(self.pearson), r2=show(self.r2)),
                           size="14pt", color="#282828")

