"""An activation function f and its derivative f′, with a histogram of a layer's current pre-activations above
it: the picture that shows saturated sigmoids and dead ReLUs. Also a small static preview for the inspector."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel

from designer.plots.base import (LINE_WIDTH, NEGATIVE, POSITIVE, PlotPanel, add_legend, align_left_axes, font,
                                 style_plot, subsample, tr)
from engine import activations

CURVE_POINTS = 401
DEFAULT_SPAN = 5.0  # z from -5 to 5 unless the pre-activations reach further
MAX_SPAN = 1e3
FLAT_FRACTION = 0.05  # "flat" where |f′| is below 5 % of its largest value: gradients barely pass
HISTOGRAM_BINS = 60
HISTOGRAM_SAMPLE = 200_000


def activation_curves(name: str, z: np.ndarray, alpha: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """f(z) and f′(z) with the engine's plain-numpy formulas (no JIT compile on the GUI thread).

    Softmax has no one-variable form: it is drawn for one logit z with a second logit fixed at 0 (which is
    the sigmoid). Shapes: z (n,) -> two (n,) arrays. Raises ValueError for an unknown name.
    """
    activation = activations.get(name, alpha)
    z = np.asarray(z, dtype=np.float64)
    if activation.name == "softmax":
        f = activation.numpy_forward(np.stack([z, np.zeros_like(z)], axis=1))[:, 0]
        return f, f * (1.0 - f)
    return activation.numpy_forward(z), activation.numpy_derivative(z)


def flat_share(name: str, values, alpha: float | None = None) -> float:
    """Fraction of the finite ``values`` where |f′| < 5 % of its largest value (NaN with no values)."""
    values = np.asarray(values, dtype=np.float64).ravel()
    values = values[np.isfinite(values)]
    if values.size == 0:
        return float("nan")
    reference = np.max(np.abs(activation_curves(name, np.linspace(-10, 10, CURVE_POINTS), alpha)[1]))
    slope = np.abs(activation_curves(name, values, alpha)[1])
    return float(np.mean(slope < FLAT_FRACTION * reference)) if reference > 0 else 1.0


def _z_range(values: np.ndarray | None) -> tuple[float, float]:
    low, high = -DEFAULT_SPAN, DEFAULT_SPAN
    if values is not None and values.size:
        q_low, q_high = np.percentile(values, [0.5, 99.5])
        low, high = max(min(low, q_low), -MAX_SPAN), min(max(high, q_high), MAX_SPAN)
    return float(low), float(high)


def _curve_pens() -> tuple:
    return (pg.mkPen(POSITIVE, width=LINE_WIDTH),
            pg.mkPen(NEGATIVE, width=LINE_WIDTH, style=Qt.PenStyle.DashLine))


class ActivationPlot(PlotPanel):
    """f and f′ of the chosen activation (bottom) under a histogram of the layer's pre-activations (top)."""

    def __init__(self, parent=None, name: str = "relu"):
        super().__init__(parent)
        self._name, self._alpha = "relu", None
        self._values: np.ndarray | None = None
        self.title = QLabel()
        self.title.setFont(font(13, bold=True))
        self.controls.addWidget(self.title)
        self.controls.addStretch(1)
        self.histogram_plot = style_plot(self.graphics.addPlot(row=0, col=0), None, tr("count"))
        self.function_plot = style_plot(self.graphics.addPlot(row=1, col=0), tr("pre-activation z"), None)
        self.histogram_plot.setXLink(self.function_plot)
        self.graphics.ci.layout.setRowStretchFactor(0, 2)
        self.graphics.ci.layout.setRowStretchFactor(1, 3)
        self.histogram = self.histogram_plot.plot(stepMode="center", fillLevel=0, pen=pg.mkPen((90, 90, 90)),
                                                  brush=pg.mkBrush(120, 120, 120, 140))
        add_legend(self.function_plot, offset=(10, 10))  # top left: empty for the usual activations
        align_left_axes(self.histogram_plot, self.function_plot)
        f_pen, df_pen = _curve_pens()
        self.f_curve = self.function_plot.plot(pen=f_pen, name="f(z)")
        self.df_curve = self.function_plot.plot(pen=df_pen, name="f′(z)")
        for plot in (self.histogram_plot, self.function_plot):
            plot.addItem(pg.InfiniteLine(pos=0, angle=90, pen=pg.mkPen((150, 150, 150), width=1)))
        self.function_plot.addItem(pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen((150, 150, 150), width=1)))
        self.set_activation(name)

    def set_activation(self, name: str, alpha: float | None = None) -> None:
        """Draw ``name`` (any engine activation name; leaky_relu's slope / elu's alpha from ``alpha``)."""
        self._name, self._alpha = activations.canonical_name(name), alpha
        self.title.setText(tr("Activation: {name}").format(name=self._name))
        self._refresh()

    def set_preactivations(self, values) -> None:
        """The layer's current pre-activations (any shape; non-finite values are left out); None clears."""
        if values is None:
            self._values = None
        else:
            flat = np.asarray(values, dtype=np.float64).ravel()
            flat = flat[subsample(flat.size, HISTOGRAM_SAMPLE)]
            self._values = flat[np.isfinite(flat)]
        self._refresh()

    def flat_share(self) -> float:
        """Fraction of the current pre-activations where f is flat (NaN without pre-activations)."""
        return flat_share(self._name, self._values if self._values is not None else [], self._alpha)

    def _refresh(self) -> None:
        low, high = _z_range(self._values)
        z = np.linspace(low, high, CURVE_POINTS)
        f, df = activation_curves(self._name, z, self._alpha)
        self.f_curve.setData(z, f)
        self.df_curve.setData(z, df)
        if self._values is not None and self._values.size:
            counts, edges = np.histogram(np.clip(self._values, low, high), bins=HISTOGRAM_BINS, range=(low, high))
            self.histogram.setData(edges, counts.astype(np.float64))
            share = self.flat_share()
            self.histogram_plot.setTitle(
                tr("{share:.0f} % of the values fall where f is flat (f′ ≈ 0: little learning)").format(
                    share=100 * share), size="12pt", color="#a04000" if share > 0.5 else "#282828")
        else:
            self.histogram.setData(np.array([low, high]), np.zeros(1))
            self.histogram_plot.setTitle(tr("no pre-activations yet"), size="11pt", color="#606060")
        self.function_plot.setXRange(low, high, padding=0.02)


class ActivationPreview(pg.PlotWidget):
    """A small, static drawing of f and f′ for the inspector (no mouse interaction, no histogram)."""

    def __init__(self, parent=None, name: str = "relu"):
        super().__init__(parent, background="w")
        plot = style_plot(self.getPlotItem(), points=9)
        plot.setMouseEnabled(False, False)
        plot.showGrid(x=False, y=False)
        for line in (pg.InfiniteLine(pos=0, angle=90), pg.InfiniteLine(pos=0, angle=0)):
            line.setPen(pg.mkPen((170, 170, 170), width=1))
            plot.addItem(line)
        f_pen, df_pen = _curve_pens()
        f_pen.setWidth(2)
        df_pen.setWidth(2)
        self.f_curve = plot.plot(pen=f_pen)
        self.df_curve = plot.plot(pen=df_pen)
        self.setToolTip(tr("Blue: f(z). Orange, dashed: its slope f′(z)."))
        self.name = ""
        self.set_activation(name)

    def sizeHint(self) -> QSize:
        return QSize(180, 120)

    def set_activation(self, name: str, alpha: float | None = None) -> None:
        self.name = activations.canonical_name(name)
        z = np.linspace(-DEFAULT_SPAN, DEFAULT_SPAN, CURVE_POINTS)
        f, df = activation_curves(self.name, z, alpha)
        self.f_curve.setData(z, f)
        self.df_curve.setData(z, df)
        self.getPlotItem().setTitle(self.name, size="10pt", color="#282828")
