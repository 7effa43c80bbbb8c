"""The training thread: it trains a frozen copy of the document, stops within 200 ms, steps exactly, pauses on
divergence with finite weights, applies live changes, publishes throttled snapshots and always shuts down."""
import time

import numpy as np
import pytest

from designer.training.job import TrainingJob
from designer.training.controller import TrainingController
from engine.graph import Graph


def dense_graph(widths, activations):
    graph = Graph()
    previous = graph.add_node("Input", {"shape": [widths[0]]})
    for units, activation in zip(widths[1:], activations):
        node = graph.add_node("Dense", {"units": units, "activation": activation})
        graph.connect(previous.id, node.id)
        previous = node
    return graph


def xor_job(**settings):
    settings = {"learning_rate": 0.05, "batch_size": 10, "split": [0.5, 0.0, 0.5], **settings}
    return TrainingJob(dense_graph([2, 8, 1], ["tanh", "sigmoid"]), settings,
                       {"name": "xor", "options": {"n_samples": 200}})


@pytest.fixture
def controller(qtbot):
    made = TrainingController()
    yield made
    assert made.shutdown(timeout=10)
    assert not made.thread.isRunning()


def wait_state(qtbot, controller, *states, timeout=20000):
    qtbot.waitUntil(lambda: controller.snapshot()["state"] in states, timeout=timeout)
    return controller.snapshot()


def test_play_trains_and_the_loss_falls(qtbot, controller):
    controller.load(xor_job())
    wait_state(qtbot, controller, "paused")
    controller.play()
    qtbot.waitUntil(lambda: len(controller.snapshot()["history"]) >= 40, timeout=30000)
    snapshot = controller.snapshot()
    assert snapshot["state"] == "running" and snapshot["counters"]["epoch"] >= 40
    assert snapshot["history"][-1]["loss"] < 0.6 * snapshot["history"][0]["loss"]
    assert snapshot["iteration_losses"].shape[1] == 3
    assert controller.stop_and_wait()
    snapshot = controller.snapshot()
    assert snapshot["state"] == "paused"
    trained = snapshot["trained"]
    assert trained["reason"] == "pause" and set(trained["weights"]) == {"dense/kernel", "dense/bias",
                                                                        "dense_1/kernel", "dense_1/bias"}
    assert len(trained["history"]["loss"]) == len(snapshot["history"])


def test_stop_takes_effect_within_200_ms(qtbot, controller):
    controller.set_speed(None)
    controller.load(xor_job(batch_size=1))
    wait_state(qtbot, controller, "paused")
    controller.play()
    wait_state(qtbot, controller, "running")
    qtbot.wait(100)
    started = time.perf_counter()
    assert controller.stop_and_wait(timeout=2.0)
    assert time.perf_counter() - started < 0.2
    stopped_at = controller.snapshot()["counters"]["iteration"]
    qtbot.wait(100)
    assert controller.snapshot()["counters"]["iteration"] == stopped_at


def test_steps_advance_exactly_one_sample_batch_and_epoch(qtbot, controller):
    controller.load(xor_job())  # 100 training samples, batches of 10
    wait_state(qtbot, controller, "paused")
    expected = [("sample", 0, 1, 1), ("batch", 0, 2, 11), ("batch", 0, 3, 21), ("epoch", 1, 11, 100),
                ("sample", 1, 12, 101), ("epoch", 2, 22, 200)]
    for unit, epoch, iteration, samples in expected:
        assert controller.wait_for(controller.step(unit), timeout=20)
        counters = controller.snapshot()["counters"]
        assert (counters["epoch"], counters["iteration"], counters["samples_seen"]) == (epoch, iteration, samples)
    assert controller.snapshot()["trained"]["reason"] == "step"


def test_a_learning_rate_of_ten_pauses_on_divergence_with_finite_weights(qtbot, controller):
    job = TrainingJob(dense_graph([2, 8, 1], ["relu", "linear"]), {"optimizer": "sgd", "learning_rate": 10},
                      {"name": "plane", "options": {"n_samples": 200}})
    controller.load(job)
    wait_state(qtbot, controller, "paused")
    controller.play()
    snapshot = wait_state(qtbot, controller, "diverged")
    assert "learning rate (10) is probably too high" in snapshot["message"]
    assert snapshot["diverged"] and snapshot["trained"]["reason"] == "diverged"
    assert all(np.all(np.isfinite(w)) for w in snapshot["trained"]["weights"].values())
    controller.wait_for(controller.play())  # a diverged run does not go on by itself
    assert controller.snapshot()["state"] == "diverged"


def test_live_changes_apply_and_leave_markers(qtbot, controller):
    controller.load(xor_job())
    wait_state(qtbot, controller, "paused")
    controller.play()
    wait_state(qtbot, controller, "running")
    controller.set_learning_rate(0.2)
    controller.set_batch_size(5)
    controller.set_regularization({"l1": 0.0, "l2": 0.01})
    assert controller.sync()
    qtbot.waitUntil(lambda: len(controller.snapshot()["markers"]) == 3, timeout=5000)
    snapshot = controller.snapshot()
    assert [m["kind"] for m in snapshot["markers"]] == ["learning_rate", "batch_size", "regularization"]
    assert snapshot["settings"]["learning_rate"] == 0.2 and snapshot["settings"]["batch_size"] == 5
    assert snapshot["state"] == "running"


def test_the_epoch_limit_finishes_and_can_be_raised(qtbot, controller):
    controller.load(xor_job(epochs=3))
    wait_state(qtbot, controller, "paused")
    controller.play()
    snapshot = wait_state(qtbot, controller, "finished")
    assert snapshot["counters"]["epoch"] == 3 and "all 3 epochs are done" in snapshot["message"]
    controller.set_epochs(5)
    controller.play()
    qtbot.waitUntil(lambda: controller.snapshot()["counters"]["epoch"] == 5, timeout=10000)
    wait_state(qtbot, controller, "finished")


def test_snapshots_are_throttled_copies_with_probes(qtbot, controller):
    controller.set_probe_request({"weights": True, "predictions": {}})
    controller.load(xor_job())
    snapshot = wait_state(qtbot, controller, "paused")
    assert set(snapshot["probe"]) == {"weights", "gradients", "predictions"}
    controller.play()
    wait_state(qtbot, controller, "running")
    versions = []
    for _ in range(20):
        versions.append(controller.snapshot()["version"])
        qtbot.wait(10)
    first, started = controller.snapshot(), time.perf_counter()
    qtbot.wait(200)  # may take longer on a busy machine: the bound counts the time that really went by
    elapsed = time.perf_counter() - started
    assert controller.snapshot()["version"] - first["version"] <= elapsed * 30 + 2  # ≤ 30 per second
    first["history"].append("scribble")  # a copy: the worker's history is not touched
    assert "scribble" not in controller.snapshot()["history"]


def test_bad_jobs_report_errors_and_the_thread_survives(qtbot, controller):
    graph = Graph()
    graph.add_node("Input", {"shape": [2]})
    controller.load(TrainingJob(graph, {}, {"name": "xor", "options": {}}))
    snapshot = wait_state(qtbot, controller, "error")
    assert "no output" in snapshot["message"]
    assert controller.wait_for(controller.load(TrainingJob(dense_graph([3, 1], ["sigmoid"]), {},
                                                           {"name": "xor", "options": {}})))
    snapshot = controller.snapshot()
    assert snapshot["state"] == "error"
    assert "the network takes 3 inputs but the data set has 2 features" in snapshot["message"]
    controller.load(xor_job())
    wait_state(qtbot, controller, "paused")


def test_shutdown_while_training_stops_the_thread(qtbot):
    controller = TrainingController()
    controller.load(xor_job(batch_size=1))
    controller.play()
    qtbot.waitUntil(lambda: controller.snapshot()["state"] == "running", timeout=20000)
    started = time.perf_counter()
    assert controller.shutdown()
    assert time.perf_counter() - started < 1.0
    assert not controller.thread.isRunning()


def test_snapshots_say_how_the_inputs_were_scaled(qtbot, controller):
    controller.load(xor_job(scaling="standard"))
    snapshot = wait_state(qtbot, controller, "paused")
    inputs = snapshot["inputs"]
    assert inputs["shape"] == (2,) and inputs["network_shape"] == (2,) and inputs["scaler"].kind == "standard"
    x = controller.worker.session.data.split.x_train  # the scaled training part
    raw = controller.worker.session.data.dataset.x
    assert inputs["pixel_max"] == pytest.approx(float(np.nanmax(raw)))  # not an image set: its largest value
    # the scaler fitted on the (raw) training part: undoing it gives back samples whose mean is its offset
    assert np.allclose(inputs["scaler"].inverse_transform(x).mean(axis=0), inputs["scaler"].offset_, atol=1e-4)
    controller.unload()
    assert wait_state(qtbot, controller, "empty")["inputs"] is None


def test_probes_keep_within_their_share_of_the_training_thread(qtbot, controller):
    controller.set_probe_request({"weights": True})
    controller.load(xor_job(batch_size=1, epochs=None))
    wait_state(qtbot, controller, "paused")
    session = controller.worker.session
    calls = []

    def slow_probe(request, probe=session.probe):
        calls.append(time.perf_counter())
        time.sleep(0.02)  # a probe of 20 ms (a CNN's feature maps) may run every 0.67 s: 3 % of the time
        return probe(request)

    session.probe = slow_probe
    controller.play()
    wait_state(qtbot, controller, "running")
    start, seconds = controller.snapshot()["probe_seconds"], 1.5
    qtbot.wait(int(seconds * 1000))
    spent = controller.snapshot()["probe_seconds"] - start
    controller.pause()
    wait_state(qtbot, controller, "paused")
    assert 2 <= len(calls) <= 5
    assert spent < 0.06 * seconds + 0.03


def test_the_training_thread_yields_the_cpu_to_the_window(qtbot, controller):
    import os
    import sys

    if not sys.platform.startswith("linux"):
        pytest.skip("thread priorities are set on Linux only")
    controller.sync()
    niceness = {}
    for tid in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{tid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        with open(f"/proc/self/task/{tid}/comm") as comm:
            niceness[comm.read().strip()] = int(fields[16])  # field 19 of stat: nice
    own = os.getpriority(os.PRIO_PROCESS, 0)
    assert niceness["neurotaller-tra"] >= min(own + 5, 19)
