"""BoundaryPlot: the output over the plane in Playground colours, data points, discretize, adding points by
clicking, and the neuron pictures (array_to_qimage)."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from designer.plots import BoundaryPlot, array_to_qimage, plane_rgba
from designer.plots.base import CLASS_COLORS, NEGATIVE, NEUTRAL, POSITIVE
from tests.designer.test_plots_base import assert_items_reused, items, shown


@pytest.fixture
def plot(qtbot):
    return shown(qtbot, BoundaryPlot(), 700, 600)


def _rgb(rgba_pixel) -> tuple:
    return tuple(int(v) for v in rgba_pixel[:3])


def test_binary_plane_is_orange_below_one_half_and_blue_above():
    rgba = plane_rgba(np.array([[0.0, 0.5, 1.0, np.nan]]), "binary")
    assert _rgb(rgba[0, 0]) == NEGATIVE and _rgb(rgba[0, 1]) == NEUTRAL and _rgb(rgba[0, 2]) == POSITIVE
    assert rgba[0, 3, 3] == 0
    discrete = plane_rgba(np.array([[0.4, 0.6]]), "binary", discretize=True)
    assert _rgb(discrete[0, 0]) == NEGATIVE and _rgb(discrete[0, 1]) == POSITIVE
    assert plane_rgba(np.array([[[0.2, 0.9]]]), "binary").shape == (1, 2, 4)  # the probe's (1, r, r) output
    logits = plane_rgba(np.array([[-3.0, 0.0, 1.5]]), "binary")  # a linear or tanh output: threshold 0
    assert _rgb(logits[0, 0]) == NEGATIVE and _rgb(logits[0, 1]) == NEUTRAL and _rgb(logits[0, 2]) != NEGATIVE


def test_multiclass_plane_uses_class_colours_faded_where_unsure():
    probabilities = np.zeros((3, 1, 3))
    probabilities[:, 0, 0] = [0.0, 0.0, 1.0]  # sure: class 2
    probabilities[:, 0, 1] = [1 / 3, 1 / 3, 1 / 3]  # unsure: neutral
    probabilities[:, 0, 2] = [np.nan, 0.5, 0.5]
    rgba = plane_rgba(probabilities, "multiclass")
    assert _rgb(rgba[0, 0]) == CLASS_COLORS[2] and _rgb(rgba[0, 1]) == NEUTRAL and rgba[0, 2, 3] == 0
    assert _rgb(plane_rgba(probabilities, "multiclass", discretize=True)[0, 1]) == CLASS_COLORS[0]
    labels = plane_rgba(np.array([[1, 3]]), "multiclass")
    assert _rgb(labels[0, 0]) == CLASS_COLORS[1] and _rgb(labels[0, 1]) == CLASS_COLORS[3]


def test_regression_plane_and_bad_arguments():
    rgba = plane_rgba(np.array([[-2.0, 0.0, 2.0]]), "regression")
    assert _rgb(rgba[0, 0]) == NEGATIVE and _rgb(rgba[0, 2]) == POSITIVE
    with pytest.raises(ValueError, match="unknown task 'ranking'; choose one of: binary, multiclass, regression"):
        plane_rgba(np.zeros((2, 2)), "ranking")
    with pytest.raises(ValueError, match="2-D array"):
        plane_rgba(np.zeros((2, 2, 2)), "binary")


def test_neuron_picture_has_its_first_row_at_the_bottom():
    values = np.array([[-1.0, -1.0], [1.0, 1.0]])  # row 0 = low y: orange at the bottom
    image = array_to_qimage(values)
    assert (image.width(), image.height()) == (2, 2)
    assert image.pixelColor(0, 1) == QColor(*NEGATIVE) and image.pixelColor(0, 0) == QColor(*POSITIVE)
    big = array_to_qimage(np.array([[0.0, 4.0]]))  # scaled by max(1, max|v|)
    assert big.pixelColor(1, 0) == QColor(*POSITIVE)
    with pytest.raises(ValueError, match="2-D"):
        array_to_qimage(np.zeros(3))


def test_grid_is_placed_on_the_data_coordinates(plot):
    values = np.random.default_rng(0).random((5, 11))
    plot.set_grid((0.0, 10.0), (-2.0, 2.0), values)
    rect = plot.image.mapRectToParent(plot.image.boundingRect())
    assert rect.left() == pytest.approx(-0.5) and rect.right() == pytest.approx(10.5)  # half a step beyond
    assert rect.top() == pytest.approx(-2.5) and rect.bottom() == pytest.approx(2.5)
    assert plot.image.image.shape == (5, 11, 4)


def test_points_test_toggle_and_discretize(plot):
    rng = np.random.default_rng(1)
    plot.set_grid((0, 1), (0, 1), rng.random((8, 8)))
    x = rng.random((40, 2))
    x[3] = np.nan
    plot.set_points(x, rng.integers(0, 2, 40), rng.random((10, 2)), np.eye(2)[rng.integers(0, 2, 10)])
    assert len(plot.train_scatter.data) == 39 and len(plot.test_scatter.data) == 10
    plot.set_show_test(False)
    assert not plot.test_scatter.isVisible()
    before = plot.image.image.copy()
    plot.set_discretize(True)
    assert not np.array_equal(before, plot.image.image)
    plot.set_points(np.zeros((0, 2)), np.zeros(0))
    assert len(plot.train_scatter.data) == 0 and len(plot.test_scatter.data) == 0


def test_regression_points_follow_the_grid_levels(plot):
    plot.set_grid((0, 1), (0, 1), np.linspace(-2, 2, 16).reshape(4, 4), "regression")
    plot.set_points(np.array([[0.1, 0.1], [0.5, 0.5], [0.9, 0.9]]), np.array([-2.0, 0.0, 2.0]))
    brushes = [point.brush().color().getRgb()[:3] for point in plot.train_scatter.points()]
    assert brushes == [NEGATIVE, NEUTRAL, POSITIVE]


def test_a_hundred_updates_reuse_the_same_items(plot):
    rng = np.random.default_rng(2)
    plot.set_grid((0, 1), (0, 1), rng.random((20, 20)))
    plot.set_points(rng.random((50, 2)), rng.integers(0, 2, 50), rng.random((10, 2)), rng.integers(0, 2, 10))
    before, image = items(plot), plot.image
    for _ in range(100):
        plot.set_grid((0, 1), (0, 1), rng.random((20, 20)))
        plot.set_points(rng.random((50, 2)), rng.integers(0, 2, 50), rng.random((10, 2)), rng.integers(0, 2, 10))
    assert_items_reused(plot, before)
    assert plot.image is image


def test_clicking_in_add_mode_emits_the_point_with_the_chosen_class(plot, qtbot):
    plot.set_grid((-5, 5), (-5, 5), np.full((10, 10), 0.5))
    plot.plot.setRange(xRange=(-5, 5), yRange=(-5, 5), padding=0)
    plot.set_class_names(["red", "green", "blue"])
    qtbot.wait(20)
    where = plot.view_to_widget(2.0, -3.0)
    received = []
    plot.point_added.connect(lambda *args: received.append(args))
    qtbot.mouseClick(plot.graphics.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert received == []  # not in add mode: clicks do nothing
    qtbot.mouseClick(plot.add_check, Qt.MouseButton.LeftButton)
    assert plot.add_check.isChecked() and plot.class_combo.isEnabled()
    plot.class_combo.setCurrentIndex(2)
    with qtbot.waitSignal(plot.point_added, timeout=2000) as signal:
        qtbot.mouseClick(plot.graphics.viewport(), Qt.MouseButton.LeftButton, pos=where)
    x, y, label = signal.args
    assert x == pytest.approx(2.0, abs=0.1) and y == pytest.approx(-3.0, abs=0.1) and label == 2


def test_feature_names_label_the_axes(plot):
    plot.set_feature_names("petal length", "petal width")
    assert "petal length" in plot.plot.getAxis("bottom").labelText
    assert "petal width" in plot.plot.getAxis("left").labelText
