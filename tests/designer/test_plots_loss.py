"""LossPlot: epoch curves for train / validation / test, metric choice, hover read-out, log scale, markers,
bounded memory and sane axes with non-finite values."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF

from designer.plots import LossPlot
from tests.designer.test_plots_base import assert_items_reused, items, shown


def _count(curve) -> int:
    return 0 if curve.xData is None else len(curve.xData)


def _history(epochs: int = 30) -> list[dict]:
    return [{"loss": 1.0 / (e + 1), "val_loss": 1.2 / (e + 1), "test_loss": 1.3 / (e + 1),
             "accuracy": 0.5 + e / 100, "val_accuracy": 0.45 + e / 100, "lr": 0.01} for e in range(epochs)]


@pytest.fixture
def plot(qtbot):
    return shown(qtbot, LossPlot())


def test_history_becomes_one_curve_per_split_and_metrics_are_offered(plot):
    plot.set_history(_history())
    for prefix, curve in plot.loss_curves.items():
        x, y = curve.xData, curve.yData  # all the data (getData clips to the view)
        np.testing.assert_array_equal(x, np.arange(1, 31))
        np.testing.assert_allclose(y, [logs[prefix + "loss"] for logs in _history()])
    assert plot.metric_names() == ["accuracy"]  # 'lr' is a setting, not a metric
    assert plot.metric_combo.currentData() == "accuracy"
    np.testing.assert_allclose(plot.metric_curves["val_"].yData, [logs["val_accuracy"] for logs in _history()])
    assert _count(plot.metric_curves["test_"]) == 0


def test_choosing_a_metric_redraws_the_lower_plot(plot):
    plot.set_history([{"loss": 1.0, "accuracy": 0.5, "mae": 3.0}, {"loss": 0.5, "accuracy": 0.7, "mae": 2.0}])
    plot.set_metric("mae")
    np.testing.assert_allclose(plot.metric_curves[""].yData, [3.0, 2.0])
    assert plot.metric_combo.currentText() == "mean absolute error"  # logged names read as words
    assert "mean absolute error" in plot.metric_plot.getAxis("left").labelText
    with pytest.raises(ValueError, match="no metric 'f1' in the history; metrics: accuracy, mae"):
        plot.set_metric("f1")


def test_a_hundred_updates_reuse_the_same_items(plot):
    plot.append_epoch({"loss": 1.0, "val_loss": 1.1, "accuracy": 0.4})
    plot.add_iteration_losses([0.5], [1.0])
    plot.iterations_check.setChecked(True)
    curves = dict(plot.loss_curves)
    before = items(plot)
    for epoch in range(100):
        plot.append_epoch({"loss": 1.0 / (epoch + 2), "val_loss": 1.1 / (epoch + 2), "accuracy": 0.5})
        plot.add_iteration_losses(epoch + 1 + np.linspace(0.1, 1, 10), np.full(10, 0.5))
    assert_items_reused(plot, before)
    assert plot.loss_curves == curves
    assert len(plot.loss_curves[""].xData) == 101


def test_memory_stays_bounded_over_a_long_run(qtbot):
    plot = shown(qtbot, LossPlot(capacity=64))
    plot.set_history([{"loss": 1.0 / (e + 1)} for e in range(1000)])
    plot.add_iteration_losses(np.arange(20_000) / 20, np.ones(20_000))
    assert len(plot._series["loss"]) <= 64 and len(plot._iterations) <= 64
    x, _ = plot._series["loss"].arrays()
    assert x[-1] > 990  # the whole run is still drawn, only coarser, up to the newest epoch


def test_non_finite_and_divergent_values_do_not_blow_up_the_axis(plot, qtbot):
    history = _history(20)
    history[5]["loss"] = np.nan
    history[6]["loss"] = np.inf
    history[7]["val_loss"] = -np.inf
    history[8]["loss"] = 1e30  # a divergent step
    plot.set_history(history)
    qtbot.wait(20)
    _, (low, high) = plot.loss_plot.vb.viewRange()
    assert np.isfinite(low) and np.isfinite(high) and high < 100
    y = plot.loss_curves[""].yData
    assert np.isnan(y[5]) and np.isnan(y[6])
    assert "1e+30" in plot.values_text(9)  # the read-out still tells the true value


def test_empty_history_and_clear(plot):
    plot.set_history([])
    assert plot.metric_names() == [] and plot.metric_combo.count() == 0
    plot.set_history(_history(5))
    plot.add_marker(2, "lr 0.03")
    plot.set_best_epoch(3)
    plot.clear()
    assert _count(plot.loss_curves[""]) == 0
    assert plot.marker_count() == 0 and not plot.best_lines[0].isVisible()


def test_log_scale_toggle_leaves_out_non_positive_losses(plot):
    plot.set_history([{"loss": 1.0}, {"loss": 0.0}, {"loss": 0.01}])
    plot.log_check.setChecked(True)
    assert plot.loss_plot.getAxis("left").logMode
    y = plot.loss_curves[""].yData
    assert np.isnan(y[1])
    plot.set_log_scale(False)
    assert not plot.log_check.isChecked() and not plot.loss_plot.getAxis("left").logMode


def test_markers_for_setting_changes_and_the_best_epoch(plot):
    plot.set_history(_history(10))
    plot.add_marker(4, "lr 0.03")
    top, bottom = plot._markers[-1]
    assert top.value() == 4 and top.label.toPlainText() == "lr 0.03" and bottom.value() == 4
    for epoch in range(60):
        plot.add_marker(epoch, f"change {epoch}")
    assert plot.marker_count() == LossPlot.MAX_MARKERS  # the oldest go
    lines = [item for item in plot.loss_plot.items if item in {m[0] for m in plot._markers}]
    assert len(lines) == LossPlot.MAX_MARKERS
    plot.set_best_epoch(7)
    assert all(line.isVisible() and line.value() == 7 for line in plot.best_lines)
    plot.set_best_epoch(None)
    assert not any(line.isVisible() for line in plot.best_lines)


def test_hovering_reads_the_values_of_the_nearest_epoch(plot, qtbot):
    plot.set_history(_history(30))
    qtbot.wait(20)
    position = plot.graphics.mapFromScene(plot.loss_plot.vb.mapViewToScene(QPointF(12.2, 0.5)))
    with qtbot.waitSignal(plot.hovered, timeout=2000) as signal:
        qtbot.mouseMove(plot.graphics.viewport(), position)
    assert signal.args == [12.0]
    text = plot.readout.text()
    assert text.startswith("Epoch 12") and f"{1 / 12:.4g}" in text and f"{1.2 / 12:.4g}" in text
    assert "accuracy" in text and all(line.isVisible() and line.value() == 12 for line in plot.cross_lines)


def test_the_legend_lists_only_curves_with_data(plot):
    def names():
        return [label.text for _, label in plot.legend.items]

    assert names() == []
    plot.set_history([{"loss": 1.0, "val_loss": 1.2}])
    assert names() == ["training", "validation"]
    plot.add_iteration_losses([0.5], [1.1])
    plot.iterations_check.setChecked(True)
    assert names() == ["training", "validation", "per batch"]
    plot.iterations_check.setChecked(False)
    assert names() == ["training", "validation"]
