"""A max pooling run together with the convolution it reads (engine.network / engine.layers.pooling): the
bias and activation applied after pooling must give the layer-by-layer numbers, forward and backward, and
the pairing must only happen where it is exact."""
from __future__ import annotations

import numpy as np
import pytest

from engine.graph.model import Graph
from engine.network import Network
from tests.engine.gradcheck import assert_gradients_close, numerical_gradient


def chain_graph(input_shape, layers):
    """Input → layers in a row; each layer is (type, params). Returns (graph, node ids after the input)."""
    graph = Graph()
    previous = graph.add_node("Input", {"shape": list(input_shape)})
    ids = []
    for layer_type, params in layers:
        node = graph.add_node(layer_type, params)
        graph.connect(previous.id, node.id)
        previous = node
        ids.append(node.id)
    return graph, ids


def conv(filters, activation="relu", **params):
    return ("Conv2D", {"filters": filters, "kernel_size": [3, 3], "activation": activation, **params})


def pool(size=2, **params):
    return ("MaxPooling2D", {"pool_size": [size, size], **params})


CASES = {
    "slide CNN block": ((9, 9, 1), [conv(4), pool(), ("Flatten", {}), ("Dense", {"units": 3})]),
    "same padding, overlapping windows": ((8, 7, 2), [conv(3, "linear", padding="same"),
                                                      pool(3, strides=[2, 2], padding="same"), ("Flatten", {})]),
    "no bias, stride 1 pooling": ((6, 6, 1), [conv(2, use_bias=False), pool(2, strides=[1, 1]), ("Flatten", {})]),
    "two blocks": ((10, 10, 1), [conv(3, padding="same"), pool(), conv(4, padding="same"), pool(),
                                 ("Flatten", {}), ("Dense", {"units": 2})]),
    "one-dimensional": ((12, 2), [("Conv1D", {"filters": 3, "kernel_size": [3], "activation": "relu"}),
                                  ("MaxPooling1D", {"pool_size": [2]}), ("Flatten", {})]),
}


def twin_networks(graph, dtype=np.float64):
    """The same network run fused and layer by layer, with the same weights."""
    fused = Network(graph, seed=5, dtype=dtype)
    plain = Network(graph.copy(), seed=5, dtype=dtype, pool_with_convolutions=False)
    assert plain.pooled_convolutions == {}
    plain.set_weight_dict(fused.weight_dict())
    return fused, plain


def run(network, x, grad_seed=7, training=True):
    (out,) = network.forward(x, training=training)
    grad_out = np.random.default_rng(grad_seed).normal(size=out.shape).astype(out.dtype)
    network.backward({network.output_ids[0]: grad_out})
    return out.copy(), network.grads.copy(), float(np.sum(out * grad_out))


@pytest.mark.parametrize("case", CASES)
def test_fused_pooling_gives_the_layer_by_layer_numbers(case):
    input_shape, layers = CASES[case]
    graph, _ = chain_graph(input_shape, layers)
    fused, plain = twin_networks(graph)
    assert fused.pooled_convolutions, "this case should run its pooling with the convolution"
    x = np.random.default_rng(0).normal(size=(3,) + input_shape)
    out_fused, grads_fused, _ = run(fused, x)
    out_plain, grads_plain, _ = run(plain, x)
    np.testing.assert_allclose(out_fused, out_plain, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grads_fused, grads_plain, rtol=1e-10, atol=1e-12)
    # Inference (no argmax kept), then a backward anyway: the argmax is recomputed.
    out_fused, grads_fused, _ = run(fused, x, training=False)
    np.testing.assert_allclose(out_fused, out_plain, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grads_fused, grads_plain, rtol=1e-10, atol=1e-12)


def test_fused_pooling_in_float32_matches_within_rounding():
    graph, _ = chain_graph(*CASES["two blocks"])
    fused, plain = twin_networks(graph, np.float32)
    x = np.random.default_rng(1).normal(size=(4, 10, 10, 1)).astype(np.float32)
    out_fused, grads_fused, _ = run(fused, x)
    out_plain, grads_plain, _ = run(plain, x)
    np.testing.assert_allclose(out_fused, out_plain, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grads_fused, grads_plain, rtol=1e-4, atol=1e-5)


@pytest.mark.gradcheck
@pytest.mark.parametrize("case", ["slide CNN block", "same padding, overlapping windows"])
def test_fused_pooling_gradients_match_central_differences(case):
    input_shape, layers = CASES[case]
    graph, _ = chain_graph(input_shape, layers)
    network = Network(graph, seed=2, dtype=np.float64)
    x = np.random.default_rng(3).normal(size=(2,) + input_shape)
    _, analytic, _ = run(network, x)

    def loss():
        return run(network, x)[2]

    numeric = numerical_gradient(loss, network.params)
    assert_gradients_close(analytic, numeric)


@pytest.mark.parametrize("layers, why", [
    ([conv(2, "sigmoid"), pool(), ("Flatten", {})], "a saturating activation can tie where z does not"),
    ([conv(2), ("AveragePooling2D", {"pool_size": [2, 2]}), ("Flatten", {})], "average pooling"),
    ([conv(2), ("Flatten", {})], "no pooling"),
])
def test_no_fusion_where_it_would_not_be_exact(layers, why):
    graph, _ = chain_graph((6, 6, 1), layers)
    assert Network(graph, seed=0).pooled_convolutions == {}, why


def test_a_convolution_with_a_second_reader_runs_on_its_own():
    graph, (conv_id, pool_id, flat_id) = chain_graph((6, 6, 1), [conv(2), pool(), ("Flatten", {})])
    other = graph.add_node("Flatten", {})
    graph.connect(conv_id, other.id)
    merged = graph.add_node("Concatenate", {})
    graph.connect(flat_id, merged.id)
    graph.connect(other.id, merged.id, 1)
    fused, plain = twin_networks(graph)
    assert fused.pooled_convolutions == {}
    x = np.random.default_rng(0).normal(size=(2, 6, 6, 1))
    np.testing.assert_allclose(run(fused, x)[1], run(plain, x)[1])


def test_probes_still_see_the_convolution_output():
    from engine.probes import layer_outputs

    graph, (conv_id, pool_id, *_) = chain_graph(*CASES["slide CNN block"])
    network = Network(graph, seed=0, dtype=np.float64)
    x = np.random.default_rng(0).normal(size=(2, 9, 9, 1))
    network.forward(x)
    name = network.layers[conv_id].name
    maps = layer_outputs(network, x, [name])[name]
    assert maps.shape == (2, 7, 7, 4) and maps.min() >= 0.0 and maps.max() > 0.0
