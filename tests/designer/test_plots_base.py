"""Shared plot pieces: bounded series, colour helpers, tiling, and export of every plot to PNG and SVG.

Also the helpers the other test_plots_* files use: ``shown`` (a widget on screen, offscreen) and ``items``
(the graphics items of a plot, to check updates reuse them)."""
from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QTimer
from PySide6.QtGui import QContextMenuEvent, QImage
from PySide6.QtWidgets import QApplication

from designer.plots import (ActivationPlot, BoundaryPlot, ConfusionPlot, FeatureMapsPlot, FiltersPlot,
                            HiddenStatesPlot, LossPlot, RegressionPlot, WeightsPlot)
from designer.plots.base import BoundedSeries, finite_or_nan, rgba_to_qimage, symmetric_limit, tile, to_rgba
from designer.plots.base import DIVERGING

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

def shown(qtbot, widget, width: int = 800, height: int = 560):
    """The widget registered with qtbot, sized and shown (offscreen), events processed."""
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def items(widget) -> list:
    """Every graphics item in the widget's scene (plots, curves, images, texts, axes...)."""
    return list(widget.graphics.scene().items())


def distinct_colours(image: QImage) -> int:
    converted = image.convertToFormat(QImage.Format.Format_RGB32)  # kept alive while its bytes are read
    pixels = np.frombuffer(bytes(converted.constBits()), np.uint32)
    return len(np.unique(pixels))


def assert_items_reused(widget, before: list) -> None:
    after = items(widget)
    assert len(after) == len(before)
    assert set(map(id, after)) == set(map(id, before))


# -- helpers ------------------------------------------------------------------------------------------------
def test_bounded_series_keeps_exact_points_until_full_then_averages_pairs():
    series = BoundedSeries(capacity=8)
    series.extend(np.arange(8), np.arange(8) * 10.0)
    x, y = series.arrays()
    np.testing.assert_array_equal(y, np.arange(8) * 10.0)
    series.append(8, 80.0)  # full: pairs merge; from now on groups of 2 raw points make one stored point
    assert series.group == 2
    series.append(9, 90.0)  # waits for its partner, shown meanwhile on its own
    np.testing.assert_allclose(series.arrays()[1][-2:], [80, 90])
    series.append(10, 100.0)
    x, y = series.arrays()
    np.testing.assert_allclose(x, [0.5, 2.5, 4.5, 6.5, 8.0, 9.5])
    np.testing.assert_allclose(y, [5, 25, 45, 65, 80, 95])


def test_bounded_series_memory_is_bounded_and_shape_survives_a_long_run():
    series = BoundedSeries(capacity=256)
    steps = np.arange(100_000)
    series.extend(steps, np.exp(-steps / 20_000))
    x, y = series.arrays()
    assert len(series) <= 256 and series._x.size == 256
    assert x[0] < 1000 and x[-1] > 98_000
    np.testing.assert_allclose(y, np.exp(-x / 20_000), rtol=2e-2)


def test_bounded_series_leaves_non_finite_values_out_of_averages():
    series = BoundedSeries(capacity=2)
    series.extend([0, 1, 2, 3], [1.0, np.nan, np.inf, np.nan])
    _, y = series.arrays()
    assert y[0] == 1.0 and np.isnan(y[1])


def test_colour_helpers_handle_non_finite_and_empty_data():
    assert symmetric_limit([]) == 1.0 and symmetric_limit([np.nan, -3.0, np.inf]) == 3.0
    np.testing.assert_array_equal(np.isnan(finite_or_nan([1.0, np.inf, -np.inf, np.nan])), [False, True, True, True])
    rgba = to_rgba(np.array([[-1.0, 0.0, 1.0, np.nan]]), DIVERGING, -1, 1)
    assert rgba.shape == (1, 4, 4) and rgba.dtype == np.uint8
    assert tuple(rgba[0, 0, :3]) == (245, 147, 34) and tuple(rgba[0, 2, :3]) == (8, 119, 189)
    assert rgba[0, 3, 3] == 0  # NaN: transparent
    image = rgba_to_qimage(rgba)
    assert isinstance(image, QImage) and (image.width(), image.height()) == (4, 1)


def test_tile_lays_pictures_in_a_grid_with_transparent_gaps():
    pictures = np.arange(5 * 2 * 3, dtype=float).reshape(5, 2, 3)
    grid = tile(pictures, columns=3)
    assert grid.shape == (2 * 2 + 1, 3 * 3 + 2)
    np.testing.assert_array_equal(grid[3:5, 4:7], pictures[4])
    assert np.isnan(grid[2]).all() and np.isnan(grid[:, 3]).all()
    assert tile(np.zeros((0, 2, 2))).shape == (1, 1)


# -- export -------------------------------------------------------------------------------------------------
def _filled(widget):
    """Give each kind of plot a little data so the exported picture has content."""
    rng = np.random.default_rng(0)
    if isinstance(widget, LossPlot):
        widget.set_history([{"loss": 1.0 / (e + 1), "val_loss": 1.2 / (e + 1)} for e in range(10)])
    elif isinstance(widget, WeightsPlot):
        widget.set_weights({"d/kernel": rng.normal(size=(4, 3))})
    elif isinstance(widget, ActivationPlot):
        widget.set_preactivations(rng.normal(size=100))
    elif isinstance(widget, BoundaryPlot):
        widget.set_grid((0, 1), (0, 1), rng.random((10, 10)))
        widget.set_points(rng.random((20, 2)), rng.integers(0, 2, 20))
    elif isinstance(widget, ConfusionPlot):
        widget.set_predictions(rng.integers(0, 3, 50), rng.integers(0, 3, 50), ["a", "b", "c"])
    elif isinstance(widget, RegressionPlot):
        widget.set_predictions(rng.normal(size=30), rng.normal(size=30))
    elif isinstance(widget, FiltersPlot):
        widget.set_kernel(rng.normal(size=(3, 3, 1, 4)))
    elif isinstance(widget, FeatureMapsPlot):
        widget.set_maps(rng.random((6, 6, 4)), rng.random((8, 8)))
    elif isinstance(widget, HiddenStatesPlot):
        widget.set_states(np.tanh(rng.normal(size=(10, 5))), rng.normal(size=10))
    return widget


ALL_PLOTS = [LossPlot, WeightsPlot, ActivationPlot, BoundaryPlot, ConfusionPlot, RegressionPlot, FiltersPlot,
             FeatureMapsPlot, HiddenStatesPlot]


@pytest.mark.parametrize("plot_class", ALL_PLOTS, ids=lambda c: c.__name__)
def test_every_plot_exports_a_valid_png_and_svg(qtbot, tmp_path, plot_class):
    widget = _filled(shown(qtbot, plot_class(), 640, 420))
    png = widget.export(tmp_path / "plot.png")
    assert png.read_bytes()[:8] == PNG_MAGIC
    image = QImage(str(png))
    assert not image.isNull() and image.width() >= 400
    assert distinct_colours(image) > 3  # something was drawn, not a blank page
    svg = widget.export(tmp_path / "plot.SVG")
    root = ElementTree.parse(svg).getroot()
    assert root.tag.endswith("svg") and len(list(root.iter())) > 10
    with pytest.raises(ValueError, match="export writes .png or .svg files; got 'plot.jpg'"):
        widget.export(tmp_path / "plot.jpg")


def test_the_context_menu_offers_saving_and_the_dialog_choice_is_used(qtbot, tmp_path, monkeypatch):
    widget = _filled(shown(qtbot, LossPlot()))
    assert widget.save_action in widget.actions() and widget.reset_view_action in widget.actions()
    assert widget.save_action in widget.graphics.actions()
    target = tmp_path / "chosen"
    monkeypatch.setattr("designer.plots.base.QFileDialog.getSaveFileName",
                        lambda *args, **kwargs: (str(target), "SVG drawing (*.svg)"))
    widget.save_action.trigger()
    assert ElementTree.parse(tmp_path / "chosen.svg").getroot().tag.endswith("svg")
    monkeypatch.setattr("designer.plots.base.QFileDialog.getSaveFileName", lambda *args, **kwargs: ("", ""))
    assert widget.ask_export() is None


def test_right_click_on_the_plot_opens_the_menu_with_save_and_reset(qtbot):
    widget = _filled(shown(qtbot, RegressionPlot(), 600, 400))
    seen = []

    def read_and_close_menu():
        popup = QApplication.activePopupWidget()
        if popup is not None:
            seen.append([action.text() for action in popup.actions()])
            popup.close()

    QTimer.singleShot(100, read_and_close_menu)
    viewport, where = widget.graphics.viewport(), QPoint(300, 200)
    QApplication.sendEvent(viewport, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, where,
                                                       viewport.mapToGlobal(where)))
    qtbot.waitUntil(lambda: len(seen) > 0, timeout=2000)
    assert seen == [["Reset view", "Save image…"]]


def test_png_export_is_enlarged_for_slides(qtbot, tmp_path):
    widget = _filled(shown(qtbot, RegressionPlot(), 500, 400))
    image = QImage(str(widget.export(tmp_path / "big.png")))
    assert image.width() == widget.graphics.viewport().width() * widget.EXPORT_PNG_SCALE


def test_reset_view_restores_automatic_ranges(qtbot):
    widget = _filled(shown(qtbot, RegressionPlot()))
    widget.plot.setXRange(100, 200)
    assert not widget.plot.vb.autoRangeEnabled()[0]
    widget.reset_view_action.trigger()
    assert widget.plot.vb.autoRangeEnabled()[0]


def test_degenerate_data_never_raises(qtbot):
    """Empty, all-NaN, constant and zero-sized inputs, as a fresh or diverged run produces them."""
    boundary = shown(qtbot, BoundaryPlot())
    for values, task in [(np.zeros((0, 0)), "binary"), (np.full((3, 3), np.nan), "binary"),
                         (np.full((3, 3), np.nan), "regression"), (np.ones((1, 4, 4)), "multiclass"),
                         (np.full((2, 3, 3), np.nan), "multiclass"), (np.full((4, 4), 2.0), "regression"),
                         (np.array([[np.inf, -np.inf], [0, 1]]), "binary")]:
        boundary.set_grid((0, 1), (0, 1), values, task)
        boundary.set_discretize(not boundary.discretize_check.isChecked())
    boundary.set_points(np.full((3, 2), np.nan), np.zeros(3))
    boundary.set_points(None, None)
    boundary.set_points(np.ones((2, 2)), np.array([np.nan, np.inf]))
    boundary.set_class_names([])
    weights = shown(qtbot, WeightsPlot())
    weights.set_weights({"a/kernel": np.zeros((0, 4)), "a/scalar": np.float32(3.0)})
    weights.set_current_key("a/scalar")
    filters = shown(qtbot, FiltersPlot())
    filters.set_kernel(np.zeros((3, 3, 0, 4)))
    filters.set_kernel(np.zeros((3, 3, 2, 0)))
    assert filters.plot.titleLabel.text == "no filters yet"
    activation = shown(qtbot, ActivationPlot())
    activation.set_preactivations([np.nan])
    activation.set_preactivations(np.full(10, 1e300))
    confusion = shown(qtbot, ConfusionPlot())
    confusion.set_predictions([0, 0], [0, 0], ["only"])
    confusion.set_predictions(np.zeros((0, 3)), np.zeros((0, 3)))
    qtbot.wait(20)  # and they paint
