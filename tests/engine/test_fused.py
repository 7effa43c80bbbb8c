"""The fused dense trainer and predictor compute what the layer-by-layer path computes.

Each case compiles one specialised kernel (a few seconds the first time, then loaded from the kernel cache),
so the cases are chosen to cover every kind of plan: shared and mixed hidden activations, losses fused with
sigmoid/softmax and losses on the activations, every optimizer family, clipping and weight decay.
"""
import math

import numpy as np
import pytest

from engine import fused, losses, optimizers
from engine.graph import Graph
from engine.kernels.elementary import tanh_scalar
from engine.network import Network
from engine.objective import Objective
from engine.training import TrainingLoop, predict_arrays


def dense_network(widths, activations, seed=3, extra_activation=None):
    """Input(widths[0]) → Dense(widths[i], activations[i-1]) …, optionally an Activation layer at the end."""
    graph = Graph()
    previous = graph.add_node("Input", {"shape": [widths[0]]})
    for units, activation in zip(widths[1:], activations):
        node = graph.add_node("Dense", {"units": units, "activation": activation})
        graph.connect(previous.id, node.id)
        previous = node
    if extra_activation is not None:
        node = graph.add_node("Activation", {"activation": extra_activation})
        graph.connect(previous.id, node.id)
    return Network(graph, seed=seed)


def data(n, n_in, kind, n_out=1, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, n_in)).astype(np.float32)
    score = x @ rng.normal(size=(n_in, max(n_out, 1)))
    if kind == "binary":
        return x, (score[:, :n_out] > 0).astype(np.float32)
    if kind == "labels":
        return x, np.argmax(score, axis=1)
    if kind == "onehot":
        return x, np.eye(n_out, dtype=np.float32)[np.argmax(score, axis=1)]
    return x, score[:, :n_out].astype(np.float32)


def loops(make_network, loss, make_optimizer, x, y, batch_size=8, **kw):
    """Two identical loops on identical networks; the second forced onto the layer path."""
    pair = []
    for _ in range(2):
        network = make_network()
        pair.append(TrainingLoop(network, Objective(network, loss), make_optimizer(), x, y, batch_size=batch_size,
                                 seed=5, **kw))
    pair[1]._fused = None
    assert pair[0]._fused is not None
    return pair


CASES = {
    "playground tanh, sigmoid+bce, sgd": (
        lambda: dense_network([2, 8, 8, 1], ["tanh", "tanh", "sigmoid"]), "binary_crossentropy",
        lambda: optimizers.SGD(0.1), (2, "binary", 1), {}),
    "relu, softmax+sparse ce, adam": (
        lambda: dense_network([5, 16, 3], ["relu", "softmax"]), "sparse_categorical_crossentropy",
        lambda: optimizers.Adam(0.01), (5, "labels", 3), {}),
    "mixed hidden, softmax+one-hot ce with label smoothing, rmsprop momentum": (
        lambda: dense_network([4, 6, 5, 3], ["leaky_relu", "elu", "softmax"]),
        losses.CategoricalCrossentropy(label_smoothing=0.1), lambda: optimizers.RMSprop(0.01, momentum=0.5),
        (4, "onehot", 3), {}),
    "sigmoid hidden, linear output mse, adam clipnorm + weight decay": (
        lambda: dense_network([3, 7, 2], ["sigmoid", None]), "mse",
        lambda: optimizers.Adam(0.02, clipnorm=0.5, weight_decay=0.01), (3, "regression", 2), {}),
    "swish, Dense + Activation(sigmoid) layer, bce, nadam": (
        lambda: dense_network([3, 5, 1], ["swish", None], extra_activation="sigmoid"), "binary_crossentropy",
        lambda: optimizers.Nadam(0.01), (3, "binary", 1), {}),
    "tanh, softmax output with mse on the probabilities, sgd nesterov": (
        lambda: dense_network([3, 4, 3], ["tanh", "softmax"]), "mse",
        lambda: optimizers.SGD(0.2, momentum=0.9, nesterov=True), (3, "onehot", 3), {}),
    "relu, linear logits, bce from_logits, adagrad": (
        lambda: dense_network([2, 6, 1], ["relu", None]), losses.BinaryCrossentropy(from_logits=True),
        lambda: optimizers.Adagrad(0.1), (2, "binary", 1), {}),
    "gelu, linear output huber(delta=0.5), adamax clipvalue": (
        lambda: dense_network([3, 6, 2], ["gelu", None]), losses.Huber(delta=0.5),
        lambda: optimizers.Adamax(0.01, clipvalue=0.1), (3, "regression", 2), {}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_fused_training_equals_the_layer_path(case):
    make_network, loss, make_optimizer, (n_in, kind, n_out), kw = CASES[case]
    x, y = data(45, n_in, kind, n_out)  # 45 = five batches of 8 and a last one of 5
    fused_loop, layered_loop = loops(make_network, loss, make_optimizer, x, y, **kw)
    for _ in range(2):
        a, b = fused_loop.run_epoch(), layered_loop.run_epoch()
        assert a.epoch_finished and b.epoch_finished
        assert a.epoch_logs["loss"] == pytest.approx(b.epoch_logs["loss"], rel=1e-5)
    assert fused_loop.state.iteration == layered_loop.state.iteration == 12
    assert fused_loop.optimizer.iterations == layered_loop.optimizer.iterations == 12
    np.testing.assert_allclose(fused_loop.network.params, layered_loop.network.params, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fused_loop.optimizer.slots, layered_loop.optimizer.slots, rtol=1e-5, atol=1e-6)
    # a single-batch step goes through the fused kernel as well
    a, b = fused_loop.step("batch"), layered_loop.step("batch")
    assert a.loss == pytest.approx(b.loss, rel=1e-5)
    np.testing.assert_allclose(fused_loop.network.params, layered_loop.network.params, rtol=1e-5, atol=1e-6)


def test_metrics_see_the_same_predictions():
    x, y = data(40, 2, "binary")
    from engine import metrics

    make = lambda: dense_network([2, 8, 1], ["tanh", "sigmoid"])  # noqa: E731
    fused_loop, layered_loop = loops(make, "binary_crossentropy", lambda: optimizers.SGD(0.1), x, y,
                                     metrics=[metrics.get("accuracy", loss_name="binary_crossentropy")])
    a, b = fused_loop.run_epoch(), layered_loop.run_epoch()
    assert a.epoch_logs == pytest.approx(b.epoch_logs, rel=1e-5)


@pytest.mark.parametrize("learning_rate", [1e6, 1e30])
def test_a_diverging_run_keeps_finite_weights(learning_rate):
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 1000, size=(64, 3)).astype(np.float32)  # unscaled inputs
    y = (x @ np.array([1.0, -2.0, 3.0], dtype=np.float32)).reshape(-1, 1)
    network = dense_network([3, 8, 1], ["relu", None])
    loop = TrainingLoop(network, Objective(network, "mse"), optimizers.SGD(learning_rate), x, y, batch_size=8,
                        seed=0)
    assert loop._fused is not None
    report = None
    for _ in range(5):
        report = loop.run_epoch()
        if report.diverged:
            break
    assert report.diverged and "too high" in report.diverged
    assert np.all(np.isfinite(network.params))
    before = network.params.copy()
    assert loop.step("batch").diverged  # refused, weights untouched
    np.testing.assert_array_equal(network.params, before)


def test_stop_requests_are_honoured_between_calls(monkeypatch):
    monkeypatch.setattr(fused, "MAX_MULTIPLY_ADDS_PER_CALL", 1)  # one batch per compiled call
    x, y = data(40, 2, "binary")
    network = dense_network([2, 4, 1], ["tanh", "sigmoid"])
    loop = TrainingLoop(network, Objective(network, "binary_crossentropy"), optimizers.SGD(0.1), x, y,
                        batch_size=8, seed=0)
    trainer = loop._fused
    assert trainer.per_call == 1
    calls = []
    run = trainer._run

    def run_then_stop(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            loop.request_stop()  # as the GUI's Stop button does from its thread
        return run(*args, **kwargs)

    monkeypatch.setattr(trainer, "_run", run_then_stop)
    report = loop.run_epoch()
    assert len(calls) == 2 and not report.epoch_finished
    assert (loop.state.cursor, loop.state.iteration) == (16, 2)
    assert loop.run_epoch().epoch_finished  # carries on where it stopped
    assert (loop.state.iteration, len(calls)) == (5, 5)


def test_predict_equals_the_layer_path():
    network = dense_network([4, 9, 7, 3], ["tanh", "relu", "softmax"], seed=11)
    x = np.random.default_rng(2).normal(size=(70, 4)).astype(np.float32)
    predictor = fused.fused_predictor(network)
    assert predictor is not None and fused.fused_predictor(network) is predictor  # cached per network
    expected = np.concatenate([network.forward([x[i:i + 16]])[0] for i in range(0, 70, 16)])
    for batch_size in (1, 16, 256):
        np.testing.assert_allclose(predictor.predict(x, batch_size), expected, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(predict_arrays(network, [x], 32)[0], expected, rtol=1e-5, atol=1e-7)
    network.params[:] *= 0.5  # weights changed in place (training, set_weights): the predictor follows
    np.testing.assert_allclose(predictor.predict(x), network.forward([x])[0], rtol=1e-5, atol=1e-7)


def test_only_float32_dense_chains_are_fused():
    graph = Graph()
    source = graph.add_node("Input", {"shape": [3]})
    dense = graph.add_node("Dense", {"units": 2})
    dropout = graph.add_node("Dropout", {"rate": 0.5})
    graph.connect(source.id, dense.id)
    graph.connect(dense.id, dropout.id)
    assert fused.fused_predictor(Network(graph, seed=0)) is None
    chain = dense_network([3, 2], [None])
    assert fused.fused_predictor(Network(chain.graph, seed=0, dtype=np.float64)) is None
    assert fused.fused_predictor(chain) is not None


def test_tanh_is_accurate():
    from engine.kernels.specialised import tanh_rows

    rng = np.random.default_rng(0)
    z = np.concatenate([rng.uniform(-12, 12, 20000), rng.normal(size=2000) * 1e-3, np.logspace(-30, 1.4, 2000),
                        -np.logspace(-30, 1.4, 2000), [0.0, 30.0, -30.0]]).astype(np.float32).reshape(1, -1)
    out = np.empty_like(z)
    tanh_rows(z, out)
    exact = np.tanh(z.astype(np.float64))
    np.testing.assert_array_equal(out, exact.astype(np.float32))  # correctly rounded on every sample
    assert np.max(np.abs(out - exact) / np.maximum(np.abs(exact), 1e-300)) < 6e-8  # half a float32 ulp
    assert math.isnan(tanh_scalar(math.nan)) and tanh_scalar(math.inf) == 1.0 and tanh_scalar(-math.inf) == -1.0
