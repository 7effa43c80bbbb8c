"""WeightsPlot: heatmap centred on 0 with a symmetric colour bar, conv kernels as tiles, histograms, hover."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF

from designer.plots import WeightsPlot
from designer.plots.weights import histogram, weight_matrix
from tests.designer.test_plots_base import assert_items_reused, items, shown


@pytest.fixture
def plot(qtbot):
    return shown(qtbot, WeightsPlot())


def _weights(rng, scale=1.0):
    return {"hidden/kernel": rng.normal(size=(3, 4)) * scale, "hidden/bias": rng.normal(size=4) * scale,
            "conv/kernel": rng.normal(size=(3, 2, 2, 5)) * scale}


def test_weight_matrix_shapes():
    assert weight_matrix(np.ones(5))[0].shape == (1, 5)
    matrix, rows, columns = weight_matrix(np.arange(24.0).reshape(2, 3, 4))
    assert matrix.shape == (6, 4) and rows == "input" and columns == "unit"
    kernel = np.arange(3 * 2 * 2 * 5, dtype=float).reshape(3, 2, 2, 5)
    matrix, rows, columns = weight_matrix(kernel)
    assert (rows, columns) == ("input channel", "filter")
    assert matrix.shape == (2 * 4 - 1, 5 * 3 - 1)  # 2 channel rows x 5 filter columns of 3x2 tiles, 1-pixel gaps
    np.testing.assert_array_equal(matrix[4:7, 3:5], kernel[:, :, 1, 1])  # channel 1, filter 1


def test_the_first_kernel_is_shown_centred_on_zero_with_a_symmetric_colour_bar(plot):
    rng = np.random.default_rng(0)
    weights = _weights(rng)
    plot.set_weights(weights)
    assert plot.current_key() == "hidden/kernel"
    limit = np.abs(weights["hidden/kernel"]).max()
    np.testing.assert_allclose(plot.color_bar.levels(), (-limit, limit))
    assert plot.image.image.shape == (3, 4, 4)
    counts = plot.weights_hist.yData
    assert counts.sum() == 12


def test_layer_choice_keeps_across_updates_and_conv_kernels_are_tiled(plot, qtbot):
    rng = np.random.default_rng(1)
    plot.set_weights(_weights(rng))
    with qtbot.waitSignal(plot.layer_changed) as signal:
        plot.set_current_key("conv/kernel")
    assert signal.args == ["conv/kernel"]
    plot.set_weights(_weights(rng))
    assert plot.current_key() == "conv/kernel"
    assert plot.image.image.shape[:2] == (2 * 4 - 1, 5 * 3 - 1)
    with pytest.raises(ValueError, match="no weights 'nope'; weights: hidden/kernel, hidden/bias, conv/kernel"):
        plot.set_current_key("nope")


def test_gradients_histogram_and_its_absence(plot):
    rng = np.random.default_rng(2)
    weights = _weights(rng)
    plot.set_weights(weights, {key: value * 1e-3 for key, value in weights.items()})
    assert plot.grads_hist.yData.sum() == 12 and not plot.grads_hist_plot.titleLabel.isVisible()
    plot.set_weights(weights, None)
    assert plot.grads_hist.yData.sum() == 0 and plot.grads_hist_plot.titleLabel.text == "no gradients yet"


def test_a_hundred_updates_reuse_the_same_items(plot):
    rng = np.random.default_rng(3)
    plot.set_weights(_weights(rng), _weights(rng, 0.01))
    before, image = items(plot), plot.image
    for _ in range(100):
        plot.set_weights(_weights(rng), _weights(rng, 0.01))
    assert_items_reused(plot, before)
    assert plot.image is image


def test_non_finite_and_empty_weights(plot):
    plot.set_weights({"d/kernel": np.array([[1.0, np.nan], [-np.inf, -2.0]]), "d/bias": np.zeros(0)})
    np.testing.assert_allclose(plot.color_bar.levels(), (-2.0, 2.0))
    assert plot.image.image[0, 1, 3] == 0 and plot.image.image[1, 0, 3] == 0  # non-finite: transparent
    assert plot.weights_hist.yData.sum() == 2
    plot.set_current_key("d/bias")
    assert plot.heatmap_plot.titleLabel.text == "d/bias"
    plot.set_weights({})
    assert plot.current_key() is None and plot.heatmap_plot.titleLabel.text == "no weights yet"
    edges, counts = histogram([], 1.0)
    assert counts.sum() == 0 and edges.size == counts.size + 1


def test_hovering_a_cell_reads_its_weight(plot, qtbot):
    weights = {"d/kernel": np.arange(12.0).reshape(3, 4) - 6}
    plot.set_weights(weights)
    qtbot.wait(20)
    position = plot.graphics.mapFromScene(plot.heatmap_plot.vb.mapViewToScene(QPointF(2.1, 1.0)))
    qtbot.mouseMove(plot.graphics.viewport(), position)
    qtbot.waitUntil(lambda: "unit 2" in plot.readout.text())
    assert plot.readout.text() == "d/kernel  input 1 → unit 2:  0"
    assert plot.value_text(5, 0) is None
