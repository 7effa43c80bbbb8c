"""The training loop the GUI drives: step units and counters, stopping, reproducibility, divergence,
the perceptron rule, copies in reports and clear errors for bad input."""
import math
import subprocess
import sys

import numpy as np
import pytest

from engine import optimizers
from engine.graph import Graph
from engine.network import GraphError, Network
from engine.objective import Objective
from engine.perceptron import check_perceptron
from engine.training import TrainingLoop


def dense_graph(widths, activations, extra=None):
    """Input(widths[0]) → Dense(widths[1], activations[0]) → ... (optionally one extra layer at the end)."""
    graph = Graph()
    previous = graph.add_node("Input", {"shape": [widths[0]]})
    for units, activation in zip(widths[1:], activations):
        node = graph.add_node("Dense", {"units": units, "activation": activation})
        graph.connect(previous.id, node.id)
        previous = node
    if extra is not None:
        node = graph.add_node(*extra)
        graph.connect(previous.id, node.id)
    return graph


def xor_data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(n, 2)).astype(np.float32)
    y = (x[:, 0] * x[:, 1] > 0).astype(np.float32)
    return x, y


def make_loop(graph=None, seed=7, batch_size=8, optimizer=None, loss="binary_crossentropy", data=None, **kw):
    graph = graph or dense_graph([2, 4, 1], ["tanh", "sigmoid"])
    network = Network(graph, seed=seed)
    x, y = data or xor_data()
    return TrainingLoop(network, Objective(network, loss), optimizer or optimizers.SGD(0.1), x, y,
                        batch_size=batch_size, seed=seed, **kw)


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "layered"])
def test_counters_follow_sample_batch_and_epoch_steps(fused):
    loop = make_loop()
    if not fused:
        loop._fused = None
    assert (loop._fused is not None) == fused
    report = loop.step("sample")
    assert (report.epoch, report.iteration, report.samples_seen, report.batch_size) == (0, 1, 1, 1)
    report = loop.step("batch")
    assert (report.iteration, report.samples_seen, report.batch_size) == (2, 9, 8)
    report = loop.step("epoch")  # the rest of the epoch: 31 samples in batches of 8 → 4 updates
    assert report.epoch_finished and report.epoch_logs["loss"] > 0
    assert (loop.state.epoch, loop.state.iteration, loop.state.samples_seen, loop.state.cursor) == (1, 6, 40, 0)
    report = loop.step("epoch")
    assert (loop.state.epoch, loop.state.iteration, loop.state.samples_seen) == (2, 11, 80)
    with pytest.raises(ValueError, match="sample, batch, epoch"):
        loop.step("minute")


def test_fused_and_layered_paths_give_the_same_weights():
    fused, layered = make_loop(), make_loop()
    layered._fused = None
    for _ in range(3):
        a, b = fused.run_epoch(), layered.run_epoch()
        assert a.epoch_logs["loss"] == pytest.approx(b.epoch_logs["loss"], rel=1e-5)
    np.testing.assert_allclose(fused.network.params, layered.network.params, rtol=1e-5, atol=1e-7)


def test_the_same_seed_gives_the_same_run_and_another_seed_does_not():
    runs = []
    for seed in (3, 3, 4):
        loop = make_loop(seed=seed)
        loop.run_epoch()
        loop.run_epoch()
        runs.append(loop.network.params.copy())
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.allclose(runs[0], runs[2])


def test_stop_is_honoured_between_batches():
    loop = make_loop()
    seen = []

    def on_batch(report):
        seen.append(report.iteration)
        if len(seen) == 2:
            loop.request_stop()

    report = loop.run_epoch(on_batch=on_batch)
    assert seen == [1, 2] and not report.epoch_finished
    assert loop.state.cursor == 16
    assert loop.run_epoch().epoch_finished  # carries on from where it stopped
    assert loop.state.iteration == 5


def test_reports_hand_out_copies():
    loop = make_loop()
    snapshot = loop.weights_snapshot()
    for array in snapshot.values():
        array[...] = 123.0
    assert not np.any(loop.network.params == 123.0)


def test_validation_logs_and_history():
    x, y = xor_data(60)
    loop = make_loop(data=(x[:40], y[:40]), validation_data=(x[40:], y[40:]))
    logs = loop.run_epoch().epoch_logs
    assert set(logs) == {"loss", "val_loss"}
    assert loop.state.history == [logs]


@pytest.mark.parametrize("path", ["fused", "layered"])
def test_a_huge_learning_rate_stops_with_a_reason_and_finite_weights(path):
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 1000, size=(64, 3)).astype(np.float32)  # unscaled inputs, as students do
    y = x @ np.array([1.0, -2.0, 3.0], dtype=np.float32)
    extra = ("Dropout", {"rate": 0.0}) if path == "layered" else None
    loop = make_loop(dense_graph([3, 8, 1], ["relu", None], extra), loss="mse", data=(x, y),
                     optimizer=optimizers.SGD(10.0))
    assert (loop._fused is None) == (path == "layered")
    report = None
    for _ in range(5):
        report = loop.run_epoch()
        if report.diverged:
            break
    assert report.diverged and "learning rate (10) is probably too high" in report.diverged
    assert np.all(np.isfinite(loop.network.params))
    assert loop.step("batch").diverged  # further steps are refused, not silently run


def test_perceptron_rule_learns_and():
    graph = dense_graph([2, 1], ["step"])
    network = Network(graph, seed=0)
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([0, 0, 0, 1], dtype=np.float32)
    loop = TrainingLoop(network, Objective(network, "mse"), optimizers.SGD(0.1), x, y, batch_size=1,
                        shuffle=False, rule="perceptron")
    for _ in range(30):
        report = loop.run_epoch()
    assert report.epoch_logs["loss"] == 0.0
    predictions = (network.forward(x)[0][:, 0] >= 0.5).astype(np.float32)
    np.testing.assert_array_equal(predictions, y)


def test_perceptron_rule_refuses_other_networks():
    with pytest.raises(ValueError, match="single Dense layer with the 'step' activation"):
        check_perceptron(Network(dense_graph([2, 3, 1], ["relu", "step"]), seed=0))


@pytest.mark.parametrize("change, message", [
    (dict(batch_size=0), "batch_size must be a whole number of at least 1"),
    (dict(batch_size=2.5), "batch_size must be a whole number"),
    (dict(data=(np.array([[0.0, np.nan]] * 4), np.zeros(4))), "NaN or infinite"),
    (dict(data=(np.zeros((4, 3)), np.zeros(4))), "expects samples of shape \\(2,\\)"),
    (dict(data=(np.zeros((4, 2)), np.zeros(5))), "different numbers of samples"),
    (dict(data=(np.zeros((4, 2)), np.array([0, 1, 2, 7]))), "binary_crossentropy"),
    (dict(data=(np.zeros((0, 2)), np.zeros(0))), "no training data"),
    (dict(data=(np.array([["a", "b"]] * 4), np.zeros(4))), "must be numeric"),
])
def test_bad_input_gets_a_clear_message(change, message):
    with pytest.raises(ValueError, match=message):
        make_loop(**change)


def test_an_invalid_graph_lists_its_problems():
    graph = dense_graph([2, 3], ["tanh"])
    graph.add_node("Dense", {"units": 2})
    with pytest.raises(GraphError, match="has no data coming in") as error:
        Network(graph)
    assert error.value.problems[0].node_id == "n3"


def test_importing_the_engine_stays_light():
    code = ("import sys, time; t = time.perf_counter(); import engine; from engine import keras, sklearn; "
            "print(round(time.perf_counter() - t, 3)); "
            "print([m for m in ('PySide6', 'pyqtgraph', 'torch', 'keras', 'designer') if m in sys.modules])")
    lines = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           cwd=str(__import__("pathlib").Path(__file__).resolve().parents[2])).stdout.split("\n")
    print(f"import engine + engine.keras + engine.sklearn: {lines[0]} s")
    assert lines[1] == "[]"
    assert math.isfinite(float(lines[0]))
