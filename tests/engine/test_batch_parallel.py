"""Inference batches run side by side on the engine's threads, one network per thread
(engine.batch_parallel): the same numbers as one thread, weights shared with the network, nothing of the
network's state (random stream, layer buffers) disturbed."""
from __future__ import annotations

import threading

import numpy as np
import pytest

import engine.parallel as parallel
from engine import keras as ek
from engine.batch_parallel import inference_twins, predict_batches
from engine.kernels._jit import runs_one_part, set_runs_one_part
from engine.network import Network
from engine.training import predict_arrays


def _cnn():
    model = ek.Sequential([
        ek.Input((9, 9, 1)), ek.layers.Conv2D(4, 3, activation="relu"), ek.layers.MaxPooling2D(2),
        ek.layers.BatchNormalization(), ek.layers.Flatten(), ek.layers.Dense(6, activation="relu"),
        ek.layers.Dropout(0.5), ek.layers.Dense(3, activation="softmax")])
    return model, np.random.default_rng(0).random((70, 9, 9, 1))


def _encoder_decoder():
    model = ek.Sequential([
        ek.Input((5, 2)), ek.layers.LSTM(4), ek.layers.RepeatVector(5), ek.layers.GRU(3, return_sequences=True),
        ek.layers.TimeDistributed(ek.layers.Dense(2, activation="softmax"))])
    return model, np.random.default_rng(1).random((70, 5, 2))


def _randomize(network, seed):
    """Not the initial weights (zero biases, unit BatchNormalization): every weight must really be used."""
    network.params[:] = np.random.default_rng(seed).normal(size=network.params.shape) * 0.5
    for _, slot in network.variables:
        if slot.spec.name == "moving_variance":
            slot.value[...] = np.abs(slot.value) + 0.1


def _network(make):
    model, x = make()
    graph, layers = model.to_graph()
    network = Network(graph, layers, seed=3, dtype=np.float32)
    _randomize(network, 2)
    return network, x.astype(np.float32)


def _one_batch_at_a_time(network, x, batch_size):
    """What one thread computes: the batches in turn, with the kernels a part's thread uses."""
    previous = set_runs_one_part(True)
    try:
        return np.concatenate([network.forward([x[start:start + batch_size]], training=False)[0].copy()
                               for start in range(0, len(x), batch_size)])
    finally:
        set_runs_one_part(previous)


@pytest.fixture
def three_threads(monkeypatch):
    """Three engine threads; returns the range lists predictions were cut into."""
    seen = []
    run_ranges = parallel.run_ranges
    monkeypatch.setattr(parallel, "thread_count", lambda: 3)
    monkeypatch.setattr("engine.batch_parallel.run_ranges",
                        lambda work, ranges: seen.append(list(ranges)) or run_ranges(work, ranges))
    return seen


@pytest.mark.parametrize("make", [_cnn, _encoder_decoder], ids=["cnn", "encoder-decoder"])
def test_batches_on_three_threads_give_the_one_thread_numbers(make, three_threads):
    network, x = _network(make)
    state = network.rng.bit_generator.state
    expected = _one_batch_at_a_time(network, x, 16)
    (predicted,) = predict_arrays(network, [x], batch_size=16)
    assert three_threads == [[(0, 1), (1, 3), (3, 5)]], "5 batches of 16 in 3 runs of whole batches"
    assert np.isfinite(predicted).all() and len(np.unique(predicted.round(4), axis=0)) > 60
    np.testing.assert_array_equal(predicted, expected)
    assert network.rng.bit_generator.state == state, "making the twins must not draw from the network's stream"
    assert not runs_one_part()


def test_twins_are_kept_and_always_use_the_networks_current_weights(three_threads):
    network, x = _network(_cnn)
    predict_arrays(network, [x], batch_size=16)
    twins = inference_twins(network, 2)
    assert inference_twins(network, 2) == twins
    for twin in twins:
        assert all(twin.layers[i] is not network.layers[i] for i in network.order)
    # New weights (a training step, a loaded file): the next prediction uses them on every thread.
    _randomize(network, 9)
    (predicted,) = predict_arrays(network, [x], batch_size=16)
    np.testing.assert_array_equal(predicted, _one_batch_at_a_time(network, x, 16))
    # A network built later over the same layer objects rebinds their weights to its own buffer.
    rebuilt = Network(network.graph, network.layers, dtype=np.float32)
    _randomize(rebuilt, 10)
    (predicted,) = predict_arrays(network, [x], batch_size=16)
    np.testing.assert_array_equal(predicted, _one_batch_at_a_time(rebuilt, x, 16))


def test_one_thread_or_one_batch_runs_on_the_calling_thread(monkeypatch):
    network, x = _network(_cnn)
    threads = set()
    forward = Network.forward

    def recording(self, inputs, training=False):
        threads.add(threading.current_thread().name)
        return forward(self, inputs, training)

    monkeypatch.setattr(Network, "forward", recording)
    monkeypatch.setattr(parallel, "thread_count", lambda: 3)
    (outputs,) = predict_batches(network, [x[:10]], batch_size=16)
    assert len(outputs) == 1 and threads == {threading.current_thread().name}
    monkeypatch.setattr(parallel, "thread_count", lambda: 1)
    (outputs,) = predict_batches(network, [x], batch_size=16)
    assert len(outputs) == 5 and threads == {threading.current_thread().name}
    assert not network.__dict__.get("_inference_twins"), "no twin is made for one thread"
    (outputs,) = predict_batches(network, [x[:0]], batch_size=16)
    assert outputs == []
