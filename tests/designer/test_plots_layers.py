"""Inside layers: FiltersPlot (conv filters as tiles, channel choice, RGB), FeatureMapsPlot (maps of a chosen
input) and HiddenStatesPlot (states over time under the input sequence)."""
from __future__ import annotations

import numpy as np
import pytest

from designer.plots import FeatureMapsPlot, FiltersPlot, HiddenStatesPlot
from designer.plots.base import NEGATIVE, POSITIVE
from designer.plots.conv import MAX_TILES
from tests.designer.test_plots_base import assert_items_reused, items, shown


@pytest.fixture
def filters(qtbot):
    return shown(qtbot, FiltersPlot())


def test_filters_are_tiled_one_per_filter_on_a_symmetric_scale(filters):
    kernel = np.zeros((3, 3, 2, 4))
    kernel[0, 0, 1, 2] = -2.0
    kernel[2, 2, 1, 2] = 1.0
    filters.set_kernel(kernel)
    assert [filters.channel_combo.itemText(i) for i in range(2)] == ["channel 0", "channel 1"]
    assert filters.image.image.shape[:2] == (2 * 4 - 1, 2 * 4 - 1)  # 4 filters in a 2 x 2 grid
    filters.channel_combo.setCurrentIndex(1)
    np.testing.assert_allclose(filters.color_bar.levels(), (-2, 2))
    picture = filters.image.image
    assert tuple(picture[4, 0, :3]) == NEGATIVE  # filter 2 sits at tile row 1, column 0
    assert picture[3, 0, 3] == 0  # the gap between tiles is transparent
    assert filters.plot.titleLabel.text == "4 filters of 3×3"


def test_three_input_channels_can_be_drawn_in_colour(filters):
    rng = np.random.default_rng(0)
    filters.set_kernel(rng.normal(size=(5, 5, 3, 6)))
    assert filters.channel_combo.itemText(0) == "colour (RGB)" and filters.channel() is None
    assert not filters.color_bar.isVisible()
    filters.channel_combo.setCurrentIndex(2)
    assert filters.channel() == 1 and filters.color_bar.isVisible()


def test_conv1d_kernels_many_filters_and_bad_shapes(filters):
    filters.set_kernel(np.ones((4, 2, 3)))  # (k, cin, cout)
    assert filters.kernel.shape == (1, 4, 2, 3)
    filters.set_kernel(np.random.default_rng(1).normal(size=(2, 2, 1, MAX_TILES + 10)))
    assert f"(first {MAX_TILES} shown)" in filters.plot.titleLabel.text
    filters.set_kernel(np.full((3, 3, 1, 2), np.nan))
    assert filters.image.image[..., 3].max() == 0
    with pytest.raises(ValueError, match=r"\(kh, kw, cin, cout\)"):
        filters.set_kernel(np.ones((3, 3)))


def test_filters_updates_reuse_items(filters):
    rng = np.random.default_rng(2)
    filters.set_kernel(rng.normal(size=(3, 3, 1, 8)))
    before = items(filters)
    for _ in range(100):
        filters.set_kernel(rng.normal(size=(3, 3, 1, 8)))
    assert_items_reused(filters, before)


@pytest.fixture
def maps(qtbot):
    return shown(qtbot, FeatureMapsPlot(), 900, 500)


def test_feature_maps_and_their_input(maps, qtbot):
    rng = np.random.default_rng(3)
    maps.set_maps(np.maximum(rng.normal(size=(6, 6, 5)), 0), rng.random((8, 8)))
    assert maps.maps_image.image.shape[:2] == (2 * 7 - 1, 3 * 7 - 1)
    assert maps.input_image.image.shape == (8, 8, 4)
    assert maps.maps_plot.titleLabel.text == "5 feature maps of 6×6"
    maps.set_maps(rng.normal(size=(4, 4, 2)), rng.random((8, 8, 3)))  # signed maps, colour input
    assert maps.input_image.image.shape == (8, 8, 4)
    maps.set_sample_count(50)
    with qtbot.waitSignal(maps.sample_changed) as signal:
        maps.sample_spin.setValue(7)
    assert signal.args == [7] and maps.sample_spin.maximum() == 49


def test_feature_maps_with_non_finite_empty_and_updates(maps):
    values = np.ones((3, 3, 2))
    values[0, 0, 0] = np.nan
    maps.set_maps(values, None)
    assert maps.maps_image.image[0, 0, 3] == 0
    maps.set_maps(np.zeros((0, 0, 0)))
    assert maps.maps_plot.titleLabel.text == "no feature maps yet"
    rng = np.random.default_rng(4)
    maps.set_maps(rng.random((5, 5, 4)), rng.random((7, 7)))
    before = items(maps)
    for _ in range(100):
        maps.set_maps(rng.random((5, 5, 4)), rng.random((7, 7)))
    assert_items_reused(maps, before)


@pytest.fixture
def states(qtbot):
    return shown(qtbot, HiddenStatesPlot())


def test_hidden_states_are_time_by_unit_under_the_sequence(states):
    values = np.zeros((10, 3))
    values[4, 2] = 0.5
    values[6, 0] = -1.0
    sequence = np.sin(np.arange(10.0))
    states.set_states(values, sequence)
    picture = states.image.image
    assert picture.shape == (3, 10, 4)  # a row per unit, time across
    assert tuple(picture[2, 4, :3]) != tuple(picture[1, 4, :3]) and tuple(picture[0, 6, :3]) == NEGATIVE
    np.testing.assert_allclose(states.color_bar.levels(), (-1, 1))
    np.testing.assert_allclose(states.input_curves[0].yData, sequence)
    assert states.input_curves[1].xData is None or len(states.input_curves[1].xData) == 0
    assert states.states_plot.titleLabel.text == "3 units over 10 time steps"


def test_hidden_states_several_features_last_state_and_bad_shapes(states):
    states.set_states(np.ones((5, 2)) * 0.3, np.random.default_rng(5).normal(size=(5, 9)))
    assert sum(curve.xData is not None and len(curve.xData) == 5 for curve in states.input_curves) == 6
    states.set_states(np.array([0.2, -0.4]))  # return_sequences=False: one state
    assert states.image.image.shape == (2, 1, 4) and tuple(states.image.image[0, 0, :3]) != POSITIVE
    with pytest.raises(ValueError, match=r"\(time steps, units\)"):
        states.set_states(np.zeros((2, 2, 2)))
    states.set_states(np.array([[np.nan, np.inf]]), [np.nan])
    assert states.image.image[..., 3].max() == 0


def test_hidden_states_updates_reuse_items(states):
    rng = np.random.default_rng(6)
    states.set_states(np.tanh(rng.normal(size=(20, 8))), rng.normal(size=(20, 2)))
    before = items(states)
    for _ in range(100):
        states.set_states(np.tanh(rng.normal(size=(20, 8))), rng.normal(size=(20, 2)))
    assert_items_reused(states, before)
