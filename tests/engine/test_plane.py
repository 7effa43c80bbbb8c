"""engine.plane: the grid over a feature pair and every neuron's output over it (the Playground pictures)."""
from __future__ import annotations

import numpy as np
import pytest

from engine.graph.model import Graph
from engine.network import Network
from engine.plane import PlaneGrid, plane_grid, plane_outputs


def _network(n_features: int = 2) -> Network:
    """x(n) → hidden: Dense(3, tanh) → drop: Dropout → logits: Dense(2) → probs: Activation(softmax)."""
    graph = Graph()
    nodes = [graph.add_node("Input", {"shape": [n_features]}, name="x"),
             graph.add_node("Dense", {"units": 3, "activation": "tanh", "bias_initializer": "random_normal"},
                            name="hidden"),
             graph.add_node("Dropout", {"rate": 0.5}, name="drop"),
             graph.add_node("Dense", {"units": 2}, name="logits"),
             graph.add_node("Activation", {"activation": "softmax"}, name="probs")]
    for source, target in zip(nodes, nodes[1:]):
        graph.connect(source.id, target.id)
    return Network(graph, seed=0)


def test_grid_covers_the_data_with_a_margin_in_row_major_order():
    x = np.array([[0.0, -1.0], [2.0, 3.0], [1.0, 1.0]])
    grid = plane_grid(x, resolution=5, margin=0.1)
    assert isinstance(grid, PlaneGrid) and grid.resolution == 5
    assert grid.x_range == pytest.approx((-0.2, 2.2)) and grid.y_range == pytest.approx((-1.4, 3.4))
    assert grid.inputs.shape == (25, 2) and grid.inputs.dtype == np.float32
    # values[i, j] = f(x_values[j], y_values[i]): columns follow x, rows follow y
    np.testing.assert_allclose(grid.to_plane(grid.inputs[:, 0])[3], grid.x_values, rtol=1e-6)
    np.testing.assert_allclose(grid.to_plane(grid.inputs[:, 1])[:, 4], grid.y_values, rtol=1e-6)


def test_other_features_are_held_at_their_mean_and_non_finite_rows_are_ignored():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 4)) + np.array([0.0, 10.0, -5.0, 2.0])
    with_nan = np.vstack([x, [[np.nan, 1e9, np.inf, 0.0]]])
    grid = plane_grid(with_nan, features=(2, 0), resolution=7)
    assert grid.features == (2, 0)
    np.testing.assert_allclose(grid.inputs[:, 1], x[:, 1].mean(), rtol=1e-6)
    np.testing.assert_allclose(grid.inputs[:, 3], x[:, 3].mean(), rtol=1e-5)
    assert grid.x_range[0] < x[:, 2].min() and grid.x_range[1] > x[:, 2].max()
    np.testing.assert_allclose(np.unique(grid.inputs[:, 2]), np.float32(grid.x_values), rtol=1e-6)


def test_a_constant_feature_still_gets_a_window():
    grid = plane_grid(np.array([[1.0, 5.0], [2.0, 5.0]]), resolution=3)
    assert grid.y_range == (4.0, 6.0)


@pytest.mark.parametrize("x, kwargs, message", [
    (np.zeros(5), {}, "at least 2 features"),
    (np.zeros((5, 1)), {}, "at least 2 features"),
    (np.zeros((5, 3)), {"features": (0, 0)}, "two different indices in 0..2"),
    (np.zeros((5, 3)), {"features": (0, 3)}, "two different indices"),
    (np.zeros((5, 2)), {"resolution": 1}, "resolution must be at least 2"),
    (np.zeros((5, 2)), {"margin": -1}, "margin"),
    (np.full((3, 2), np.nan), {}, "no row with finite values"),
])
def test_bad_arguments_say_what_is_wrong(x, kwargs, message):
    with pytest.raises(ValueError, match=message):
        plane_grid(x, **kwargs)


def test_outputs_are_every_neurons_picture_and_match_a_forward_pass():
    network = _network(3)
    x = np.random.default_rng(1).normal(size=(30, 3))
    grid = plane_grid(x, features=(0, 2), resolution=6)
    result = plane_outputs(network, grid)
    assert result.output.shape == (2, 6, 6)
    assert list(result.neurons) == ["hidden", "logits", "probs"]  # Dropout and Input are no neuron layers
    assert result.neurons["hidden"].shape == (3, 6, 6) and result.neurons["probs"].shape == (2, 6, 6)
    forward = network.forward(grid.inputs)[0]
    np.testing.assert_allclose(result.output, forward.T.reshape(2, 6, 6), rtol=1e-6)
    weights = network.weight_dict()
    hidden = np.tanh(grid.inputs @ weights["hidden/kernel"] + weights["hidden/bias"])
    # neuron u at grid point (i, j) sees x = x_values[j] on feature 0 and y_values[i] on feature 2
    i, j, u = 4, 1, 2
    point = grid.inputs[i * 6 + j]
    assert point[0] == pytest.approx(grid.x_values[j]) and point[2] == pytest.approx(grid.y_values[i])
    assert result.neurons["hidden"][u, i, j] == pytest.approx(hidden[i * 6 + j, u], rel=1e-5)
    np.testing.assert_allclose(result.neurons["probs"], result.output)


def test_outputs_without_neurons_and_from_a_raw_inputs_array():
    network = _network(2)
    grid = plane_grid(np.random.default_rng(2).normal(size=(10, 2)), resolution=4)
    result = plane_outputs(network, grid.inputs, neurons=False)
    assert result.neurons == {} and result.output.shape == (2, 4, 4)
    with pytest.raises(ValueError, match="square grid"):
        plane_outputs(network, grid.inputs[:15])


def test_networks_with_image_inputs_are_refused():
    graph = Graph()
    x = graph.add_node("Input", {"shape": [4, 4, 1]}, name="image")
    flat = graph.add_node("Flatten", {}, name="flat")
    out = graph.add_node("Dense", {"units": 1}, name="out")
    graph.connect(x.id, flat.id)
    graph.connect(flat.id, out.id)
    with pytest.raises(ValueError, match=r"one input of shape \(n_features,\)"):
        plane_outputs(Network(graph, seed=0), np.zeros((4, 2), np.float32))
