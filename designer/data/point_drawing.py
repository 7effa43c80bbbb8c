"""Drawing your own data: clicks on the decision boundary plot (with "Add points" ticked) become points of the
document's data set, one undoable ``SetDataset`` per point.

The first point added to a data set that is not a drawn one starts a drawn data set from the points of the
2-D data set shown (the spiral, the circle...), or from an empty plane when there is none; the data set
chooser's "Clear points" empties it. The plot shows the drawn points at once (training shows its own
train / test points again on the next Play), and its class list offers the data set's classes plus a new one.

The plot draws the plane in the units the network was trained on: when the last training scaled its inputs,
a click is turned back into the data's own units with that scaler (and points are drawn scaled with it).
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from PySide6.QtCore import QObject

from designer import commands
from designer.i18n import tr
from engine.datasets import Dataset
from engine.datasets.points import add_point, can_draw_over, points_from_dataset

MAX_CLASSES = 8  # the plots' class colours
PLAYGROUND_VIEW = (-6.0, 6.0)  # an empty plane to draw on spans the Playground's square
MARGIN = 0.5


def is_points_spec(spec) -> bool:
    return isinstance(spec, dict) and "points" in spec


class PointDrawing(QObject):
    """Turns ``point_added(x, y, label)`` of a BoundaryPlot into commands on ``document``.

    ``shown_dataset()`` gives the loaded data set the document's spec stands for (None while loading);
    ``scaler()`` the fitted input scaler of the last training (None: the plot is in the data's units).
    """

    def __init__(self, document, shown_dataset: Callable[[], Dataset | None],
                 scaler: Callable[[], object] = lambda: None, parent: QObject | None = None):
        super().__init__(parent)
        self.document = document
        self.shown_dataset = shown_dataset
        self.scaler = scaler
        self.plot = None
        document.dataset_changed.connect(self.refresh)

    def attach(self, plot) -> None:
        """Listen to a BoundaryPlot (once)."""
        if plot is self.plot:
            return
        self.plot = plot
        plot.point_added.connect(self.add_point)
        plot.add_check.toggled.connect(lambda _on: self.refresh())
        self.refresh()

    # -- clicks → commands ------------------------------------------------------------------------------
    def add_point(self, x: float, y: float, label: int) -> None:
        """Append (x, y) of class ``label`` (plot units) to the drawn data set, starting one if needed."""
        spec = self.document.dataset
        if not is_points_spec(spec):
            shown = self.shown_dataset()
            spec = points_from_dataset(shown) if shown is not None and can_draw_over(shown) else \
                {"points": [], "options": {}}
        x, y = self._to_data_units(x, y, self._feature_count(spec))
        command = commands.SetDataset(self.document, add_point(spec, x, y, label))
        command.setText(tr("Add a point"))
        self.document.push(command)

    @staticmethod
    def _feature_count(spec: dict) -> int:
        """Inputs of a drawn data set: x1, x2 and its extra inputs."""
        return 2 + len((spec.get("options") or {}).get("extra_features") or [])

    def _fitted_scaler(self, n_features: int):
        """The last training's scaler when it scales ``n_features`` inputs (else None: no scaling to undo)."""
        scaler = self.scaler()
        if scaler is None or not getattr(scaler, "fitted", False) or getattr(scaler, "kind", "") == "none":
            return None
        shape = getattr(scaler, "shape_", None)
        return scaler if shape is None or tuple(shape) == (n_features,) else None

    def _to_data_units(self, x: float, y: float, n_features: int) -> tuple[float, float]:
        scaler = self._fitted_scaler(n_features)
        if scaler is None:
            return float(x), float(y)
        row = np.zeros((1, n_features), dtype=np.float32)
        row[0, :2] = (x, y)
        try:
            raw = scaler.inverse_transform(row)
        except (ValueError, AttributeError):  # a scaler of other inputs: the plot shows the data's own units
            return float(x), float(y)
        return float(raw[0, 0]), float(raw[0, 1])

    # -- document → plot ----------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Offer the classes of the drawn (or shown) data set plus a new one; show the drawn points; while
        "Add points" is ticked keep the view still (else it follows the data again)."""
        if self.plot is None:
            return
        spec = self.document.dataset
        self.plot.set_class_names(self._class_names(spec)[:MAX_CLASSES])
        adding = self.plot.add_check.isChecked()
        blank = self.plot.image.image is None and not len(self.plot.train_scatter.getData()[0])
        if not adding:
            self.plot.plot.vb.enableAutoRange()
        show = True
        if is_points_spec(spec):
            rows = np.asarray(spec.get("points") or [], dtype=np.float64).reshape(-1, 3)
            n_features = self._feature_count(spec)
        elif adding and (shown := self.shown_dataset()) is not None and can_draw_over(shown):
            rows = np.column_stack([shown.x[:, :2], shown.y]).astype(np.float64)  # where the new points go
            n_features = shown.x.shape[1]
            show = not len(self.plot.train_scatter.getData()[0])  # else training shows them already
        else:
            return
        xy = self._to_plot_units(rows[:, :2], n_features)
        if show:
            self.plot.set_points(xy, rows[:, 2].astype(np.int64), np.zeros((0, 2)), np.zeros(0, np.int64))
        if adding:
            self._hold_view(xy, blank)

    def _to_plot_units(self, xy: np.ndarray, n_features: int) -> np.ndarray:
        """Data points in the units of the plane shown (the last training's scaled inputs).

        Shapes: xy (n, 2) -> (n, 2).
        """
        scaler = self._fitted_scaler(n_features)
        if scaler is None or not len(xy):
            return xy
        full = np.zeros((len(xy), n_features), dtype=np.float32)
        full[:, :2] = xy
        try:
            return scaler.transform(full)[:, :2]
        except (ValueError, AttributeError):  # a scaler of other inputs: the plot shows the data's own units
            return xy

    def _hold_view(self, xy: np.ndarray, blank: bool) -> None:
        """While points are being added the view stays put (a click must land where it was aimed), growing
        only to show every point. A plot that showed nothing starts on the Playground's square."""
        view = self.plot.plot.vb
        view.disableAutoRange()
        (x0, x1), (y0, y1) = (PLAYGROUND_VIEW, PLAYGROUND_VIEW) if blank else view.viewRange()
        if len(xy):
            low, high = xy.min(axis=0) - MARGIN, xy.max(axis=0) + MARGIN
            x0, x1, y0, y1 = min(x0, low[0]), max(x1, high[0]), min(y0, low[1]), max(y1, high[1])
        if ((x0, x1), (y0, y1)) != tuple(map(tuple, view.viewRange())):
            view.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)

    def _class_names(self, spec) -> list[str]:
        if is_points_spec(spec):
            names = list((spec.get("options") or {}).get("class_names") or [])
            labels = [int(row[2]) for row in spec.get("points") or []]
            names += [str(k) for k in range(len(names), max(labels, default=-1) + 1)]
        else:
            shown = self.shown_dataset()
            names = list(shown.class_names) if shown is not None and can_draw_over(shown) else []
        names = names or [tr("class {n}").format(n=0), tr("class {n}").format(n=1)]
        return names + [tr("new class {n}").format(n=len(names))]
