"""ActivationPlot and ActivationPreview: f and f′ from the engine, the pre-activation histogram and the share
of values where f is flat (saturated sigmoids, dead ReLUs)."""
from __future__ import annotations

import numpy as np
import pytest

from designer.plots import ActivationPlot, ActivationPreview
from designer.plots.activation import activation_curves, flat_share
from engine import activations
from tests.designer.test_plots_base import assert_items_reused, items, shown


@pytest.mark.parametrize("name", activations.ACTIVATION_NAMES)
def test_curves_match_the_engine_for_every_activation(name):
    z = np.linspace(-4, 4, 81)
    f, df = activation_curves(name, z)
    assert f.shape == df.shape == z.shape and np.all(np.isfinite(f)) and np.all(np.isfinite(df))
    if name != "softmax":
        np.testing.assert_allclose(f, activations.get(name).numpy_forward(z))
        np.testing.assert_allclose(df, activations.get(name).numpy_derivative(z))
    else:  # one logit against a second one at 0: the sigmoid
        np.testing.assert_allclose(f, 1 / (1 + np.exp(-z)), rtol=1e-12)
    slope = np.gradient(f, z)
    smooth = np.abs(z) > 0.2  # away from the kinks of relu / step / hard_sigmoid
    if name not in ("step", "hard_sigmoid"):
        np.testing.assert_allclose(df[smooth], slope[smooth], atol=2e-2)


def test_flat_share_finds_dead_relus_and_saturated_sigmoids():
    assert flat_share("relu", [-3.0, -1.0, 0.5, 2.0]) == 0.5
    assert flat_share("sigmoid", [-8.0, 0.0, 8.0, 0.5]) == 0.5
    assert flat_share("linear", [-100.0, 100.0]) == 0.0
    assert flat_share("step", [1.0]) == 1.0  # no slope anywhere: nothing to learn from
    assert np.isnan(flat_share("tanh", [np.nan, np.inf]))


def test_plot_draws_f_and_its_slope_with_the_histogram(qtbot):
    plot = shown(qtbot, ActivationPlot(name="tanh"))
    x, y = plot.f_curve.xData, plot.f_curve.yData
    np.testing.assert_allclose(y, np.tanh(x), atol=1e-7)
    np.testing.assert_allclose(plot.df_curve.yData, 1 - np.tanh(x) ** 2, atol=1e-7)
    assert plot.title.text() == "Activation: tanh"
    assert plot.histogram_plot.titleLabel.text == "no pre-activations yet"
    values = np.concatenate([np.full(30, 6.0), np.full(70, 0.1)])
    plot.set_preactivations(values.reshape(10, 10))
    assert plot.histogram.yData.sum() == 100
    assert plot.flat_share() == pytest.approx(0.3)
    assert plot.histogram_plot.titleLabel.text.startswith("30 % of the values")


def test_range_widens_to_cover_the_preactivations_and_ignores_non_finite(qtbot):
    plot = shown(qtbot, ActivationPlot(name="relu"))
    values = np.concatenate([np.linspace(-20, 30, 1000), [np.nan, np.inf, -np.inf]])
    plot.set_preactivations(values)
    x = plot.f_curve.xData
    assert x[0] < -19 and x[-1] > 29
    assert plot.histogram.yData.sum() == 1000
    plot.set_preactivations(np.zeros(0))
    assert plot.histogram_plot.titleLabel.text == "no pre-activations yet"
    plot.set_preactivations(None)
    assert plot.f_curve.xData[0] == pytest.approx(-5)


def test_a_hundred_updates_reuse_the_same_items(qtbot):
    plot = shown(qtbot, ActivationPlot())
    rng = np.random.default_rng(0)
    plot.set_preactivations(rng.normal(size=50))
    before = items(plot)
    for index in range(100):
        plot.set_activation(activations.ACTIVATION_NAMES[index % len(activations.ACTIVATION_NAMES)])
        plot.set_preactivations(rng.normal(size=(20, 8)) * 3)
    assert_items_reused(plot, before)


def test_unknown_names_and_parameters(qtbot):
    plot = shown(qtbot, ActivationPlot())
    with pytest.raises(ValueError, match="unknown activation 'swoosh'"):
        plot.set_activation("swoosh")
    plot.set_activation("leaky_relu", alpha=0.5)
    x, y = plot.f_curve.xData, plot.f_curve.yData
    np.testing.assert_allclose(y[x < 0], 0.5 * x[x < 0], rtol=1e-6)


def test_preview_is_small_static_and_follows_the_name(qtbot):
    preview = ActivationPreview(name="sigmoid")
    qtbot.addWidget(preview)
    preview.show()
    assert preview.sizeHint().width() <= 200
    assert not any(preview.getPlotItem().vb.state["mouseEnabled"])
    curve = preview.f_curve
    preview.set_activation("relu")
    assert preview.f_curve is curve and preview.name == "relu"
    np.testing.assert_allclose(curve.yData, np.maximum(curve.xData, 0))
