"""Probes for the GUI: per-layer outputs, pre-activations and weight snapshots — inference mode, copies, no side
effects on weights or gradients."""
from __future__ import annotations

import numpy as np
import pytest

from engine.graph.model import Graph
from engine.network import Network
from engine.probes import layer_outputs, pre_activations, weight_snapshot


def _dense_net() -> Network:
    """x(3) → hidden: Dense(4, tanh) → drop: Dropout(0.5) → logits: Dense(3) → probs: Activation(softmax)."""
    graph = Graph()
    nodes = [graph.add_node("Input", {"shape": [3]}, name="x"),
             graph.add_node("Dense", {"units": 4, "activation": "tanh", "bias_initializer": "random_normal"},
                            name="hidden"),
             graph.add_node("Dropout", {"rate": 0.5}, name="drop"),
             graph.add_node("Dense", {"units": 3}, name="logits"),
             graph.add_node("Activation", {"activation": "softmax"}, name="probs")]
    for source, target in zip(nodes, nodes[1:]):
        graph.connect(source.id, target.id)
    return Network(graph, seed=0)


def _manual(network: Network, x: np.ndarray) -> dict[str, np.ndarray]:
    weights = network.weight_dict()
    z = x @ weights["hidden/kernel"] + weights["hidden/bias"]
    hidden = np.tanh(z)
    logits = hidden @ weights["logits/kernel"] + weights["logits/bias"]
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    return {"x": x, "z": z, "hidden": hidden, "drop": hidden, "logits": logits,
            "probs": exp / exp.sum(axis=1, keepdims=True)}


def test_layer_outputs_are_each_layers_inference_output():
    network = _dense_net()
    x = np.random.default_rng(0).normal(size=(6, 3)).astype(np.float32)
    outputs = layer_outputs(network, x)
    assert list(outputs) == ["x", "hidden", "drop", "logits", "probs"]
    expected = _manual(network, x)
    for name, value in outputs.items():
        assert value.shape == expected[name].shape and value.dtype == np.float32
        np.testing.assert_allclose(value, expected[name], rtol=1e-5, atol=1e-6, err_msg=name)
    np.testing.assert_allclose(outputs["probs"], network.forward(x)[0], rtol=1e-6)


def test_probes_return_copies_and_change_nothing_in_the_network():
    network = _dense_net()
    x = np.random.default_rng(1).normal(size=(4, 3)).astype(np.float32)
    params, grads = network.params.copy(), network.grads.copy()
    outputs = layer_outputs(network, x)
    snapshot = weight_snapshot(network)
    np.testing.assert_array_equal(network.params, params)
    np.testing.assert_array_equal(network.grads, grads)
    for value in list(outputs.values()) + list(snapshot.values()):
        assert not np.shares_memory(value, network.params) and not np.shares_memory(value, x)
    for name, value in outputs.items():
        assert not any(np.shares_memory(value, other) for other_name, other in outputs.items() if other_name != name)
    snapshot["hidden/kernel"][...] = 99.0
    assert not np.any(network.weight_dict()["hidden/kernel"] == 99.0)


def test_names_select_layers_and_a_single_sample_has_no_batch_axis():
    network = _dense_net()
    x = np.random.default_rng(2).normal(size=(5, 3)).astype(np.float32)
    batch = layer_outputs(network, x, names=["hidden", "logits"])
    assert list(batch) == ["hidden", "logits"]
    single = layer_outputs(network, x[2], names="hidden")
    assert single["hidden"].shape == (4,)
    np.testing.assert_allclose(single["hidden"], batch["hidden"][2], rtol=1e-6)
    with pytest.raises(ValueError, match="no layer named 'nope'; layers: x, hidden, drop, logits, probs"):
        layer_outputs(network, x, names=["nope"])
    with pytest.raises(ValueError, match="expects samples of shape"):
        layer_outputs(network, np.zeros((5, 4), np.float32))


def test_layers_after_the_wanted_ones_are_not_run(monkeypatch):
    network = _dense_net()
    later = network.layer_by_name("logits")

    def refuse(*args, **kwargs):
        raise AssertionError("a layer after the probed one ran")

    monkeypatch.setattr(later, "forward", refuse)
    assert layer_outputs(network, np.ones((2, 3), np.float32), names=["drop"])["drop"].shape == (2, 4)


def test_pre_activations_of_dense_and_activation_layers():
    network = _dense_net()
    x = np.random.default_rng(3).normal(size=(5, 3)).astype(np.float32)
    expected = _manual(network, x)
    np.testing.assert_allclose(pre_activations(network, x, "hidden"), expected["z"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(pre_activations(network, x, "probs"), expected["logits"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(pre_activations(network, x, "logits"), expected["logits"], rtol=1e-5, atol=1e-6)
    assert pre_activations(network, x[0], "hidden").shape == (4,)
    with pytest.raises(ValueError, match="'drop' \\(Dropout\\) has no activation function; layers that have one: "
                                         "hidden, logits, probs"):
        pre_activations(network, x, "drop")


def test_weight_snapshot_is_layer_by_layer_in_keras_order_with_non_trainable_weights():
    graph = Graph()
    x = graph.add_node("Input", {"shape": [2]}, name="x")
    hidden = graph.add_node("Dense", {"units": 3}, name="hidden")
    bn = graph.add_node("BatchNormalization", {}, name="bn")
    out = graph.add_node("Dense", {"units": 1}, name="out")
    for source, target in [(x, hidden), (hidden, bn), (bn, out)]:
        graph.connect(source.id, target.id)
    network = Network(graph, seed=0)
    snapshot = weight_snapshot(network)
    assert list(snapshot) == ["hidden/kernel", "hidden/bias", "bn/gamma", "bn/beta", "bn/moving_mean",
                              "bn/moving_variance", "out/kernel", "out/bias"]
    for key, value in network.weight_dict().items():
        np.testing.assert_array_equal(snapshot[key], value)


def test_probes_of_a_branching_network_with_two_inputs():
    graph = Graph()
    a = graph.add_node("Input", {"shape": [2]}, name="a")
    b = graph.add_node("Input", {"shape": [3]}, name="b")
    da = graph.add_node("Dense", {"units": 4, "activation": "relu"}, name="da")
    db = graph.add_node("Dense", {"units": 4, "activation": "relu"}, name="db")
    total = graph.add_node("Add", name="total")
    for source, target, port in [(a, da, 0), (b, db, 0), (da, total, 0), (db, total, 1)]:
        graph.connect(source.id, target.id, port)
    network = Network(graph, seed=0)
    rng = np.random.default_rng(4)
    xa, xb = rng.normal(size=(3, 2)).astype(np.float32), rng.normal(size=(3, 3)).astype(np.float32)
    outputs = layer_outputs(network, {"a": xa, "b": xb})
    np.testing.assert_allclose(outputs["total"], outputs["da"] + outputs["db"], rtol=1e-6)
    np.testing.assert_allclose(outputs["total"], network.forward([xa, xb])[0], rtol=1e-6)
    single = layer_outputs(network, [xa[0], xb[0]], names=["total"])
    np.testing.assert_allclose(single["total"], outputs["total"][0], rtol=1e-6)
