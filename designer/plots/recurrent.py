"""Inside a recurrent layer: its hidden state at every time step for one sequence, under the sequence itself."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtWidgets import QLabel

from designer.plots.base import (DIVERGING, LINE_WIDTH, PlotPanel, align_left_axes, class_color, make_color_bar,
                                 set_picture, style_plot, symmetric_limit, to_rgba, tr)
from designer.plots.conv import SampleChooser

MAX_INPUT_LINES = 6  # input features drawn as lines above the states (the first ones)
MAX_UNITS = 512


class HiddenStatesPlot(PlotPanel):
    """Hidden states as a heatmap (time across, one row per unit; orange negative, blue positive) with the
    input sequence drawn above on the same time axis."""

    sample_changed = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.sample_spin = SampleChooser()
        self.sample_spin.valueChanged.connect(self.sample_changed)
        self.controls.addWidget(QLabel(tr("Sequence:")))
        self.controls.addWidget(self.sample_spin)
        self.controls.addStretch(1)
        self.input_plot = style_plot(self.graphics.addPlot(row=0, col=0), None, tr("input"))
        self.states_plot = style_plot(self.graphics.addPlot(row=1, col=0), tr("time step"), tr("unit"))
        self.states_plot.setXLink(self.input_plot)
        align_left_axes(self.input_plot, self.states_plot)
        self.states_plot.showGrid(x=False, y=False)
        self.states_plot.invertY(True)  # unit 0 on top
        self.image = pg.ImageItem(axisOrder="row-major")
        self.states_plot.addItem(self.image)
        self.color_bar = make_color_bar()
        self.graphics.addItem(self.color_bar, row=1, col=1)
        self.graphics.ci.layout.setRowStretchFactor(0, 1)
        self.graphics.ci.layout.setRowStretchFactor(1, 2)
        self.input_curves: list[pg.PlotDataItem] = [
            self.input_plot.plot(pen=pg.mkPen(class_color(i + 1), width=LINE_WIDTH), symbol="o", symbolSize=5,
                                 symbolBrush=class_color(i + 1), symbolPen=None)
            for i in range(MAX_INPUT_LINES)]
        self.set_states(np.zeros((0, 0)))

    def set_sample_count(self, count: int) -> None:
        self.sample_spin.set_count(count)

    def set_states(self, states, inputs=None) -> None:
        """Shapes: states (t, units) — or (units,) for a layer that returns only its last state, drawn as one
        step; inputs (t,) or (t, features) (the first 6 features are drawn), or None."""
        states = np.asarray(states, dtype=np.float64)
        if states.ndim == 1:
            states = states[np.newaxis]
        if states.ndim != 2:
            raise ValueError(f"hidden states are (time steps, units); got shape {states.shape}")
        steps, units = states.shape
        picture = states[:, :MAX_UNITS].T  # (units, t): a row per unit, time across
        limit = symmetric_limit(picture)
        self.color_bar.setLevels((-limit, limit))
        set_picture(self.image, to_rgba(picture, DIVERGING, -limit, limit),
                    QRectF(-0.5, -0.5, max(steps, 1), max(min(units, MAX_UNITS), 1)))
        self.states_plot.enableAutoRange()
        self.states_plot.setTitle(
            tr("{units} units over {steps} time steps").format(units=units, steps=steps) if states.size
            else tr("no hidden states yet"), size="13pt", color="#282828")
        self._set_inputs(inputs)

    def _set_inputs(self, inputs) -> None:
        columns = np.empty((0, 0))
        if inputs is not None:
            columns = np.asarray(inputs, dtype=np.float64)
            columns = columns.reshape(len(columns), -1) if columns.size else np.empty((0, 0))
        for index, curve in enumerate(self.input_curves):
            values = columns[:, index].copy() if index < columns.shape[1] else np.empty(0)
            finite = np.isfinite(values)
            if finite.any():
                values[~finite] = np.nan
                curve.setData(np.arange(len(values), dtype=np.float64), values, connect="finite")
            else:  # nothing to draw (no such feature, or no finite value in it)
                curve.setData([], [])
