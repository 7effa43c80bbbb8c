"""Which part of a graph the neuron view draws (Qt-free chain finder) and the weight styling rules."""
import numpy as np
import pytest

from designer.neuron_view import style
from designer.neuron_view.chain import find_dense_chain
from designer.neuron_view.weights import fitting, graph_key, starting_weights
from engine.graph.analysis import analyze
from engine.graph.model import Graph
from engine.network import Network


def linear_graph(*layers):
    graph, previous = Graph(), None
    for layer_type, params in layers:
        node = graph.add_node(layer_type, params)
        if previous:
            graph.connect(previous, node.id)
        previous = node.id
    return graph


PLAYGROUND = [("Input", {"shape": [2]}), ("Dense", {"units": 4, "activation": "tanh"}),
              ("Dense", {"units": 2}), ("Dense", {"units": 1})]


def test_playground_chain_columns():
    chain = find_dense_chain(linear_graph(*PLAYGROUND))
    assert [c.width for c in chain.columns] == [2, 4, 2, 1]
    assert [c.layer_type for c in chain.columns] == ["Input", "Dense", "Dense", "Dense"]
    assert chain.columns[1].activation == "tanh" and chain.columns[2].activation == "linear"
    assert [c.name for c in chain.hidden_columns] == ["dense", "dense_1"]
    assert chain.weight_shapes() == {"dense/kernel": (2, 4), "dense/bias": (4,), "dense_1/kernel": (4, 2),
                                     "dense_1/bias": (2,), "dense_2/kernel": (2, 1), "dense_2/bias": (1,)}


def test_activation_and_dropout_fold_into_their_column():
    graph = linear_graph(("Input", {"shape": [3]}), ("Dropout", {"rate": 0.1}), ("Dense", {"units": 5}),
                         ("Activation", {"activation": "relu"}), ("Dropout", {"rate": 0.2}),
                         ("Dense", {"units": 2, "use_bias": False}), ("Activation", {"activation": "softmax"}))
    chain = find_dense_chain(graph)
    assert [len(c.members) for c in chain.columns] == [2, 3, 2]
    assert chain.columns[0].notes == ("dropout 0.1",)
    assert chain.columns[1].activation == "relu" and chain.columns[1].notes == ("dropout 0.2",)
    assert chain.columns[2].activation == "softmax" and not chain.columns[2].use_bias
    assert "dense_1/bias" not in chain.weight_shapes()
    assert chain.column_of(graph.node_by_name("activation").id) == 1


def test_no_chain_without_a_vector_fed_dense():
    assert find_dense_chain(Graph()) is None
    assert find_dense_chain(linear_graph(("Input", {"shape": [2]}))) is None
    assert find_dense_chain(linear_graph(("Input", {"shape": [4, 3]}), ("Dense", {"units": 2}))) is None
    assert find_dense_chain(linear_graph(("Dense", {"units": 2}), ("Dense", {"units": 2}))) is None


def test_flatten_source_needs_the_analysis_for_its_width():
    graph = linear_graph(("Input", {"shape": [28, 28, 1]}), ("Conv2D", {"filters": 2, "kernel_size": 3}),
                         ("Flatten", {}), ("Dense", {"units": 16}), ("Dense", {"units": 10}))
    assert find_dense_chain(graph) is None
    chain = find_dense_chain(graph, analyze(graph))
    assert [c.width for c in chain.columns] == [26 * 26 * 2, 16, 10]
    assert chain.columns[0].layer_type == "Flatten"


def test_branches_pick_the_longest_run():
    graph = linear_graph(*PLAYGROUND)
    short = graph.add_node("Dense", {"units": 3})
    graph.connect(graph.node_by_name("input").id, short.id)
    longer = graph.add_node("Dense", {"units": 3})
    graph.connect(graph.node_by_name("dense_2").id, longer.id)
    chain = find_dense_chain(graph)
    assert [c.name for c in chain.columns] == ["input", "dense", "dense_1", "dense_2", longer.name]


def test_a_loop_in_a_damaged_graph_does_not_hang():
    graph = linear_graph(*PLAYGROUND)
    graph.connect(graph.node_by_name("dense_2").id, graph.node_by_name("dense_1").id, 1)
    find_dense_chain(graph)  # any answer, but an answer


def test_starting_weights_are_the_networks_and_fitting_checks_shapes():
    graph = linear_graph(*PLAYGROUND)
    chain = find_dense_chain(graph)
    weights, complete = starting_weights(graph, chain, seed=3)
    expected = Network(graph, seed=3).weight_dict()
    assert complete and set(weights) == set(expected)
    assert all(np.array_equal(weights[k], expected[k]) for k in expected)
    stale = {**weights, "dense/kernel": np.zeros((3, 4))}
    assert set(fitting(chain, stale)) == set(weights) - {"dense/kernel"}
    assert graph_key(graph, 3) != graph_key(graph, 4)


def test_an_incomplete_graph_gets_preview_weights_of_the_chain():
    graph = linear_graph(*PLAYGROUND)
    graph.add_node("Dense", {"units": 2})  # dangling: the whole network does not build
    chain = find_dense_chain(graph)
    weights, complete = starting_weights(graph, chain, seed=0)
    assert not complete and set(fitting(chain, weights)) == set(chain.weight_shapes())


def test_colour_is_the_sign_and_width_grows_with_magnitude():
    values = np.array([-3.0, -1.0, -0.5, -0.01, 0.0, 0.01, 0.5, 1.0, 3.0])
    rgb = style.weight_rgb(values, scale=2.0).astype(int)
    negative, positive = values < 0, values > 0
    assert np.all(rgb[negative, 0] > rgb[negative, 2])  # orange: more red than blue
    assert np.all(rgb[positive, 2] > rgb[positive, 0])  # blue
    assert tuple(rgb[values == 0][0]) == style.NEUTRAL
    widths = style.weight_widths(values, scale=2.0)
    order = np.argsort(np.abs(values), kind="stable")
    assert np.all(np.diff(widths[order]) >= 0)
    assert widths[np.abs(values) == 0.5][0] < widths[np.abs(values) == 1.0][0]
    assert style.magnitude_scale(np.array([0.2, -0.4])) == 1.0
    assert style.magnitude_scale(np.array([0.2, -4.0]), None) == 4.0


def test_heatmap_image_is_flipped_so_high_y_is_on_top():
    values = np.zeros((4, 6))
    values[0] = -1.0  # first row = lowest vertical feature value: drawn at the bottom
    values[-1] = 1.0
    image = style.heatmap_image(values)
    assert (image.width(), image.height()) == (6, 4)
    top, bottom = image.pixelColor(0, 0), image.pixelColor(0, 3)
    assert top.blue() > top.red() and bottom.red() > bottom.blue()
    with pytest.raises(ValueError, match="2-D"):
        style.heatmap_image(np.zeros(5))
