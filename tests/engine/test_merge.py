"""Merge layers (Add, Subtract, Multiply, Average, Concatenate) and branching networks: shape inference and its
messages on the canvas node, values, fan-out gradient accumulation (float64 central differences), and
branching models against Keras 3 (torch backend): forward, gradients and 10 Adam steps."""
from __future__ import annotations

import numpy as np
import pytest

from engine.graph.analysis import analyze
from engine.graph.model import Graph
from engine.layers import Add, Average, Concatenate, Multiply, Subtract, create_layer, layer_class
from engine.network import Network
from engine.objective import Objective
from tests.engine.gradcheck import assert_gradients_close, numerical_gradient

RTOL = 1e-4
ATOL = 1e-5  # for values near zero, where a relative tolerance means nothing
MERGES = ["Add", "Subtract", "Multiply", "Average", "Concatenate"]


# -- registry and shape inference -----------------------------------------------------------------------------
@pytest.mark.parametrize("type_name", MERGES)
def test_merges_are_registered_in_the_merge_category_with_input_counts(type_name):
    cls = layer_class(type_name)
    assert cls.category == "Merge"
    assert cls.min_inputs == 2
    assert cls.max_inputs == (2 if type_name == "Subtract" else None)


def _branching_graph(merge: str, left_units: int = 4, right_units: int = 4, params: dict | None = None) -> Graph:
    """Input(3) → Dense(5) → Dense(left) / Dense(right) → merge → Dense(2)."""
    graph = Graph()
    x = graph.add_node("Input", {"shape": [3]}, name="x")
    trunk = graph.add_node("Dense", {"units": 5, "activation": "tanh"}, name="trunk")
    left = graph.add_node("Dense", {"units": left_units, "activation": "relu"}, name="left")
    right = graph.add_node("Dense", {"units": right_units, "activation": "sigmoid"}, name="right")
    merged = graph.add_node(merge, params or {}, name="merged")
    out = graph.add_node("Dense", {"units": 2}, name="out")
    graph.connect(x.id, trunk.id)
    graph.connect(trunk.id, left.id)
    graph.connect(trunk.id, right.id)
    graph.connect(left.id, merged.id, 0)
    graph.connect(right.id, merged.id, 1)
    graph.connect(merged.id, out.id)
    return graph


@pytest.mark.parametrize("merge", ["Add", "Subtract", "Multiply", "Average"])
def test_mismatched_shapes_are_reported_on_the_merge_node_with_what_to_change(merge):
    graph = _branching_graph(merge, left_units=8, right_units=4)
    analysis = analyze(graph)
    problems = analysis.problems_for(graph.node_by_name("merged").id)
    assert [p.kind for p in problems] == ["shape_mismatch"]
    assert f"{merge} needs inputs of the same shape; got (8,) and (4,)" in problems[0].message
    assert "same output size" in problems[0].message


def test_shape_inference_of_merges():
    assert Add().compute_output_shape([(4,), (4,), (4,)]) == (4,)
    assert Add().compute_output_shape([(2, 3), (1, 3)]) == (2, 3)  # Keras broadcasts size-1 axes
    assert Multiply().compute_output_shape([(2, 3), (3,)]) == (2, 3)
    assert Average().compute_output_shape([(None, 3), (5, 3)]) == (None, 3)
    assert Concatenate().compute_output_shape([(3,), (2,), (4,)]) == (9,)
    assert Concatenate(axis=1).compute_output_shape([(2, 3), (5, 3)]) == (7, 3)
    assert Concatenate(axis=-2).compute_output_shape([(2, 3), (5, 3)]) == (7, 3)
    with pytest.raises(ValueError, match="other axes must match"):
        Concatenate().compute_output_shape([(2, 3), (4, 3)])
    with pytest.raises(ValueError, match="same number of axes"):
        Concatenate().compute_output_shape([(2, 3), (3,)])
    with pytest.raises(ValueError, match="does not exist"):
        Concatenate(axis=3).compute_output_shape([(2, 3), (2, 3)])
    with pytest.raises(ValueError, match="batch axis"):
        Concatenate(axis=0)
    with pytest.raises(ValueError, match="takes 2 input"):
        Subtract().compute_output_shape([(3,), (3,), (3,)])


def test_input_count_problems_say_what_to_connect():
    graph = _branching_graph("Subtract")
    merged = graph.node_by_name("merged")
    graph.disconnect(graph.incoming(merged.id)[1])
    messages = [p.message for p in analyze(graph).problems_for(merged.id)]
    assert messages == ["merged needs 2 inputs but only 1 is connected: connect another layer to it"]
    extra = graph.add_node("Dense", {"units": 4}, name="extra")
    graph.connect(graph.node_by_name("trunk").id, extra.id)
    graph.connect(graph.node_by_name("left").id, merged.id, 1)
    graph.connect(extra.id, merged.id, 2)
    messages = [p.message for p in analyze(graph).problems_for(merged.id)]
    assert len(messages) == 1 and "Subtract takes 2 input(s), got 3" in messages[0]


# -- values ---------------------------------------------------------------------------------------------------
def test_forward_values_follow_keras_formulas():
    rng = np.random.default_rng(0)
    a, b, c = (rng.normal(size=(4, 3)).astype(np.float32) for _ in range(3))
    row = rng.normal(size=(4, 1, 3)).astype(np.float32)
    grid = rng.normal(size=(4, 2, 3)).astype(np.float32)
    cases = [(Add(), [a, b, c], a + b + c), (Subtract(), [a, b], a - b), (Multiply(), [a, b, c], a * b * c),
             (Average(), [a, b, c], (a + b + c) / 3), (Concatenate(), [a, b], np.concatenate([a, b], axis=1)),
             (Add(), [grid, row], grid + row), (Concatenate(axis=1), [grid, row], np.concatenate([grid, row], 1)),
             (Multiply(), [grid, a], grid * a[:, np.newaxis]),  # fewer axes: repeated along the missing one
             (Subtract(), [a[:, :1], grid], a[:, np.newaxis, :1] - grid)]
    for layer, inputs, expected in cases:
        out = layer(inputs)  # Keras' eager call on arrays
        assert out.dtype == np.float32
        np.testing.assert_allclose(out, expected, rtol=1e-6, err_msg=layer.type_name)


def test_backward_gives_distinct_arrays_and_sums_over_broadcast_axes():
    layer = Add()
    layer.build([(2, 3), (1, 3)], np.random.default_rng(0))
    layer.forward([np.ones((4, 2, 3), np.float32), np.ones((4, 1, 3), np.float32)], training=True)
    grad = np.arange(24, dtype=np.float32).reshape(4, 2, 3)
    grad_a, grad_b = layer.backward(grad)
    assert grad_a is not grad_b
    np.testing.assert_array_equal(grad_a, grad)
    np.testing.assert_array_equal(grad_b, grad.sum(axis=1, keepdims=True))


def test_multiply_gradient_is_right_when_an_input_is_zero():
    layer = Multiply()
    a = np.array([[0.0, 2.0]])
    b = np.array([[3.0, 0.0]])
    layer.forward([a, b], training=True)
    grad_a, grad_b = layer.backward(np.ones((1, 2)))
    np.testing.assert_array_equal(grad_a, b)
    np.testing.assert_array_equal(grad_b, a)


def test_config_round_trip_through_the_graph():
    layer = create_layer("Concatenate", {"axis": 1, "name": "joined"})
    assert layer.get_config() == {"name": "joined", "trainable": True, "axis": 1}
    assert layer.parameters() == {"axis": 1}
    assert Add().parameters() == {}


# -- fan-out and merges in a whole network: float64 gradient check --------------------------------------------
def _network_gradient_check(graph: Graph, x: np.ndarray, y: np.ndarray, loss: str = "mse") -> None:
    network = Network(graph, seed=3, dtype=np.float64)
    objective = Objective(network, loss)
    targets = objective.prepare_targets([y])

    def scalar():
        return objective.loss_and_gradients([x], targets)[0]

    scalar()
    analytic = network.grads[: network.n_trainable].copy()
    numeric = numerical_gradient(scalar, network.params)[: network.n_trainable]
    assert_gradients_close(analytic, numeric, rtol=1e-5)


@pytest.mark.gradcheck
@pytest.mark.parametrize("merge", MERGES)
def test_branching_network_gradients_against_central_differences(merge):
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    _network_gradient_check(_branching_graph(merge), x, y)


@pytest.mark.gradcheck
def test_one_tensor_feeding_a_merge_twice_and_an_input_feeding_two_layers():
    """x → Dense a; x → Dense b; Add(a, a) and Multiply(a, b) → Concatenate → Dense: fan-out everywhere."""
    graph = Graph()
    x = graph.add_node("Input", {"shape": [3]}, name="x")
    a = graph.add_node("Dense", {"units": 4, "activation": "tanh"}, name="a")
    b = graph.add_node("Dense", {"units": 4, "activation": "elu"}, name="b")
    twice = graph.add_node("Add", name="twice")
    product = graph.add_node("Multiply", name="product")
    joined = graph.add_node("Concatenate", name="joined")
    out = graph.add_node("Dense", {"units": 2, "activation": "softmax"}, name="out")
    for source, target, port in [(x, a, 0), (x, b, 0), (a, twice, 0), (a, twice, 1), (a, product, 0),
                                 (b, product, 1), (twice, joined, 0), (product, joined, 1), (joined, out, 0)]:
        graph.connect(source.id, target.id, port)
    rng = np.random.default_rng(2)
    inputs = rng.normal(size=(5, 3))
    labels = np.eye(2)[rng.integers(0, 2, 5)]
    _network_gradient_check(graph, inputs, labels, loss="categorical_crossentropy")


# -- Keras reference --------------------------------------------------------------------------------------------
def keras_modules():
    keras = pytest.importorskip("keras")
    pytest.importorskip("torch")
    from engine import keras as ek

    return keras, ek


def twins(build):
    """The same model built by Keras and by us, Keras' starting weights copied into ours layer by layer."""
    keras, ek = keras_modules()
    theirs, ours = build(keras), build(ek)
    ours.build()  # our layers get their weights when the network is compiled
    for layer in theirs.layers:
        if layer.weights:
            ours.get_layer(layer.name).set_weights(layer.get_weights())
    return theirs, ours


def assert_same_weights(theirs, ours, rtol=RTOL, atol=ATOL):
    for layer in theirs.layers:
        for variable, value in zip(layer.weights, ours.get_layer(layer.name).get_weights()):
            np.testing.assert_allclose(value, np.asarray(variable.numpy()), rtol=rtol, atol=atol,
                                       err_msg=variable.path)


def assert_same_gradients(theirs, ours, x, y, rtol=RTOL, atol=ATOL):
    """Our network.grads after one loss_and_gradients == torch autograd through Keras (training=True)."""
    import torch

    predictions = theirs(torch.as_tensor(x), training=True)
    their_loss = theirs.compute_loss(x=torch.as_tensor(x), y=torch.as_tensor(y), y_pred=predictions,
                                     training=True)
    variables = theirs.trainable_variables
    their_grads = torch.autograd.grad(their_loss, [variable.value for variable in variables])
    objective = ours.objective
    our_loss, _ = objective.loss_and_gradients([x], objective.prepare_targets([y]), training=True)
    assert our_loss == pytest.approx(float(their_loss.detach()), rel=rtol)
    network = ours.network
    our_grads = {f"{layer.name}/{slot.spec.name}": slot.grad for layer, slot in network.trainable_variables}
    assert len(our_grads) == len(variables)
    for variable, their_grad in zip(variables, their_grads):
        name = "/".join(variable.path.split("/")[-2:])
        np.testing.assert_allclose(our_grads[name], their_grad.detach().numpy(), rtol=rtol, atol=atol,
                                   err_msg=name)


def _build_branching(merge: str):
    def build(k):
        inputs = k.Input(shape=(5,), name="x")
        trunk = k.layers.Dense(6, activation="tanh", name="trunk")(inputs)
        left = k.layers.Dense(4, activation="relu", name="left")(trunk)
        right = k.layers.Dense(4, activation="sigmoid", name="right")(trunk)
        merged = getattr(k.layers, merge)(name="merged")([left, right])
        outputs = k.layers.Dense(3, activation="softmax", name="out")(merged)
        return k.Model(inputs=inputs, outputs=outputs)

    return build


def _classification_data(seed: int, n: int = 50, features: int = 5, classes: int = 3):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype(np.float32)
    y = np.eye(classes, dtype=np.float32)[rng.integers(0, classes, n)]
    return x, y


@pytest.mark.reference
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("merge", MERGES)
def test_branching_model_matches_keras_forward_gradients_and_ten_adam_steps(merge):
    keras, ek = keras_modules()
    x, y = _classification_data(11)
    theirs, ours = twins(_build_branching(merge))
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=RTOL, atol=ATOL)
    theirs.compile(optimizer=keras.optimizers.Adam(0.01), loss="categorical_crossentropy")
    ours.compile(optimizer=ek.optimizers.Adam(0.01), loss="categorical_crossentropy")
    assert_same_gradients(theirs, ours, x[:16], y[:16])
    # 50 samples in batches of 10, 2 epochs: 10 Adam steps.
    their_history = theirs.fit(x, y, batch_size=10, epochs=2, shuffle=False, verbose=0)
    our_history = ours.fit(x, y, batch_size=10, epochs=2, shuffle=False, verbose=0)
    assert ours.optimizer.iterations == 10
    assert_same_weights(theirs, ours)
    np.testing.assert_allclose(our_history.history["loss"], their_history.history["loss"], rtol=RTOL)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=RTOL, atol=ATOL)


@pytest.mark.reference
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_two_input_model_with_functional_shortcuts_matches_keras():
    """keras.layers.concatenate / subtract on two Inputs of different widths (a Keras docs example)."""
    keras, ek = keras_modules()

    def build(k):
        first, second = k.Input(shape=(4,), name="first"), k.Input(shape=(6,), name="second")
        a = k.layers.Dense(3, activation="relu", name="a")(first)
        b = k.layers.Dense(3, activation="relu", name="b")(second)
        difference = k.layers.subtract([a, b], name="difference")
        joined = k.layers.concatenate([difference, a, second], name="joined")
        return k.Model(inputs=[first, second], outputs=k.layers.Dense(1, name="out")(joined))

    rng = np.random.default_rng(5)
    xs = [rng.normal(size=(30, 4)).astype(np.float32), rng.normal(size=(30, 6)).astype(np.float32)]
    y = rng.normal(size=(30, 1)).astype(np.float32)
    theirs, ours = twins(build)
    assert ours.network.output_shapes == [(1,)]
    np.testing.assert_allclose(ours.predict(xs, verbose=0), theirs.predict(xs, verbose=0), rtol=RTOL, atol=ATOL)
    theirs.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse")
    ours.compile(optimizer=ek.optimizers.Adam(0.02), loss="mse")
    theirs.fit(xs, y, batch_size=6, epochs=2, shuffle=False, verbose=0)
    ours.fit(xs, y, batch_size=6, epochs=2, shuffle=False, verbose=0)
    assert_same_weights(theirs, ours)


def test_summary_of_a_branching_model_lists_what_each_layer_is_connected_to(capsys):
    from engine import keras as ek

    _build_branching("Add")(ek).summary()
    text = capsys.readouterr().out
    assert "Connected to" in text and "merged (Add)" in text
    assert "left[0][0]," in text and "right[0][0]" in text
