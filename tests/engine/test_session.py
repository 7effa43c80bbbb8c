"""The designer's training session: settings as checked plain data, the network-vs-data messages, training that
learns, divergence, live changes, early stopping, probes and the step-by-sample maths."""
import json
import math

import numpy as np
import pytest

from engine import datasets
from engine.graph import Graph
from engine.network import GraphError
from engine.session import TrainingSession, TrainingSettings, history_to_csv


def dense_graph(widths, activations, input_shape=None):
    graph = Graph()
    previous = graph.add_node("Input", {"shape": list(input_shape or [widths[0]])})
    for units, activation in zip(widths[1:], activations):
        node = graph.add_node("Dense", {"units": units, "activation": activation})
        graph.connect(previous.id, node.id)
        previous = node
    return graph


@pytest.fixture(scope="module")
def xor():
    return datasets.load("xor", n_samples=200)


@pytest.fixture(scope="module")
def circle():
    return datasets.load("circle", n_samples=200)


def classifier(widths=(2, 6, 1), out="sigmoid"):
    return dense_graph(list(widths), ["tanh"] * (len(widths) - 2) + [out])


def session(graph=None, data=None, **settings):
    settings.setdefault("learning_rate", 0.03)
    return TrainingSession(graph or classifier(), TrainingSettings(**settings),
                           data if data is not None else datasets.load("xor", n_samples=200))


# -- settings --------------------------------------------------------------------------------------------

def test_settings_round_trip_through_json():
    settings = TrainingSettings(loss="mse", optimizer="SGD", learning_rate=0.1, optimizer_options={"momentum": 0.9},
                                batch_size=8, epochs=20, split=(0.6, 0.2, 0.2), scaling="minmax", seed=3,
                                metrics=["mae"], regularization={"l2": 0.001},
                                early_stopping={"patience": 4})
    data = json.loads(json.dumps(settings.to_dict()))
    again = TrainingSettings.from_dict(data)
    assert again == settings
    assert again.optimizer == "sgd" and again.loss == "mean_squared_error"
    assert again.regularization == {"l1": 0.0, "l2": 0.001}
    assert again.early_stopping == {"patience": 4, "monitor": "val_loss", "restore_best": True, "min_delta": 0.0}
    assert TrainingSettings.from_dict({}) == TrainingSettings()
    assert TrainingSettings.from_dict({"batch_size": 32.0}).batch_size == 32  # JSON may give floats


@pytest.mark.parametrize("changes, message", [
    ({"batch_size": 0}, "batch size must be a whole number of at least 1"),
    ({"learning_rate": -0.1}, "learning rate must be a positive number"),
    ({"learning_rate": math.nan}, "learning rate must be a positive number"),
    ({"split": (0.5, 0.5, 0.5)}, "must add up to 1, they add up to 1.5"),
    ({"split": (0.0, 0.5, 0.5)}, "training part cannot be empty"),
    ({"split": (1.2, -0.1, -0.1)}, "between 0 and 1"),
    ({"epochs": 0}, "epochs must be a whole number of at least 1"),
    ({"optimizer": "adamw"}, "unknown optimizer 'adamw'; choose one of: sgd"),
    ({"optimizer": "sgd", "optimizer_options": {"momentum": 2}}, "optimizer options: `momentum` must be a finite"),
    ({"optimizer_options": {"speed": 2}}, "unexpected keyword"),
    ({"loss": "squared"}, "unknown loss 'squared'"),
    ({"scaling": "log"}, "unknown scaling 'log'; choose one of: standard, minmax, none"),
    ({"seed": -1}, "seed must be a whole number"),
    ({"metrics": ["speed"]}, "unknown metric 'speed'"),
    ({"rule": "hebb"}, "unknown training rule 'hebb'"),
    ({"regularization": {"l2": -1}}, "L2 factor must be a finite number"),
    ({"early_stopping": {"patience": -1}}, "patience must be a whole number"),
    ({"early_stopping": {"wait": 3}}, "unknown early stopping option"),
])
def test_absurd_settings_are_refused_clearly(changes, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        TrainingSettings(**changes)


def test_unknown_setting_names_are_listed():
    with pytest.raises(ValueError, match="unknown training setting.*'speed'.*valid: batch_size"):
        TrainingSettings.from_dict({"speed": 3})


# -- the network against the data ---------------------------------------------------------------------------

def test_auto_loss_and_metrics_follow_the_task_and_output(xor):
    assert session(data=xor).data.loss == "binary_crossentropy"
    assert session(classifier((2, 4, 2), "softmax"), xor).data.loss == "sparse_categorical_crossentropy"
    wine = session(classifier((13, 4, 3), "softmax"), datasets.load("wine"))
    assert wine.data.loss == "sparse_categorical_crossentropy" and wine.data.metric_names == ["accuracy"]
    plane = session(dense_graph([2, 4, 1], ["tanh", "linear"]), datasets.load("plane", n_samples=100))
    assert plane.data.loss == "mean_squared_error" and plane.data.metric_names == []


def test_mismatches_are_explained_in_plain_words(xor):
    with pytest.raises(ValueError, match="the network takes 2 inputs but the data set has 13 features"):
        session(classifier((2, 4, 3), "softmax"), datasets.load("wine"))
    with pytest.raises(ValueError, match="has 2 units but the data set has 3 classes: give it 3 units"):
        session(classifier((13, 4, 2), "softmax"), datasets.load("wine"))
    with pytest.raises(ValueError, match="binary cross-entropy needs two classes and one output unit"):
        session(classifier((2, 4, 2), "softmax"), xor, loss="binary_crossentropy")
    with pytest.raises(ValueError, match="is for classes but 'plane' is a regression task"):
        session(dense_graph([2, 1], ["linear"]), datasets.load("plane", n_samples=50), loss="binary_crossentropy")
    graph = Graph()
    graph.add_node("Input", {"shape": [2]})
    with pytest.raises(GraphError, match="no output"):
        session(graph, xor)
    with pytest.raises(ValueError, match="early stopping watches 'val_f1'.*choose one of: loss, accuracy"):
        session(data=xor, split=(0.5, 0.0, 0.5), early_stopping={"monitor": "val_f1"})
    fallback = session(data=xor, split=(0.5, 0.0, 0.5), early_stopping={"monitor": "val_loss"})
    assert fallback.settings.early_stopping["monitor"] == "loss" and "no validation part" in fallback.notes[0]


def test_images_are_reshaped_to_the_input_layer():
    digits = session(classifier((64, 10), "softmax"), datasets.load("digits"), batch_size=64)
    assert digits.data.x_train.shape[1:] == (64,) and "reshaped to [64]" in digits.notes[0]
    assert digits.step("batch")["iteration"] == 1


# -- training -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["xor", "circle"])
def test_the_loss_falls(name, request):
    run = session(classifier((2, 8, 1)), request.getfixturevalue(name), learning_rate=0.05)
    while run.loop.state.epoch < 60:
        run.train(max_seconds=0.2)
    first, last = run.history[0], run.history[-1]
    assert last["loss"] < 0.5 * first["loss"]
    assert last["test_accuracy"] > 0.9 and set(last) >= {"loss", "accuracy", "test_loss", "test_accuracy", "epoch"}
    assert [logs["epoch"] for logs in run.history[:3]] == [1, 2, 3]
    assert run.iteration_log and run.iteration_log[-1][0] <= run.loop.state.iteration


def test_steps_advance_exactly_one_sample_batch_or_epoch(xor):
    run = session(data=xor, batch_size=10, split=(0.5, 0.0, 0.5))  # 100 training samples
    assert run.step("sample")["samples_seen"] == 1
    record = run.step("batch")
    assert (record["iteration"], record["samples_seen"], record["epoch"]) == (2, 11, 0)
    record = run.step("epoch")  # the rest of the epoch
    assert (record["epoch"], record["samples_seen"], record["epochs_finished"]) == (1, 100, 1)
    assert run.step("epoch")["samples_seen"] == 200
    with pytest.raises(ValueError, match="sample, batch, epoch"):
        run.step("minute")


def test_a_learning_rate_of_ten_diverges_with_finite_weights_and_a_reason():
    run = session(dense_graph([2, 8, 1], ["relu", "linear"]), datasets.load("plane", n_samples=200),
                  optimizer="sgd", learning_rate=10)
    for _ in range(50):
        if run.train(0.05)["diverged"]:
            break
    assert run.diverged and "learning rate (10) is probably too high" in run.diverged
    assert all(np.all(np.isfinite(w)) for w in run.weights().values())
    assert run.train(0.05)["iteration"] == run.loop.state.iteration  # refuses to go on
    run.set_learning_rate(0.001)  # a new rate gets another try from the last finite weights (may fail again)
    assert run.diverged is None
    run.step("batch")
    assert all(np.all(np.isfinite(w)) for w in run.weights().values())


def test_live_learning_rate_and_batch_size_apply_and_mark_the_plot(xor):
    changed, fresh = session(data=xor, optimizer="sgd"), session(data=xor, optimizer="sgd", learning_rate=0.2)
    marker = changed.set_learning_rate(0.2)
    assert marker["kind"] == "learning_rate" and marker["value"] == 0.2 and list(changed.markers) == [marker]
    changed.step("batch"), fresh.step("batch")
    np.testing.assert_array_equal(changed.network.params, fresh.network.params)
    changed.set_batch_size(5)
    before = changed.counters()["samples_seen"]
    assert changed.step("batch")["samples_seen"] == before + 5
    assert changed.settings.batch_size == 5 and changed.settings.learning_rate == 0.2


def test_live_regularization_adds_its_penalty_and_can_be_removed(xor):
    run = session(data=xor)
    plain = run.evaluate()["loss"]
    assert run.loop._fused is not None
    marker = run.set_regularization({"l2": 0.1})
    kernels = [w for key, w in run.weights().items() if key.endswith("kernel")]
    assert run.evaluate()["loss"] == pytest.approx(plain + 0.1 * sum(float(np.sum(k ** 2)) for k in kernels),
                                                   rel=1e-5)
    assert marker["kind"] == "regularization" and run.loop._fused is None
    run.step("batch")
    run.set_regularization(None)
    assert run.loop._fused is not None and not run.network.has_regularizers()


def test_early_stopping_restores_the_best_epoch(circle):
    run = session(classifier((2, 8, 1)), circle, split=(0.6, 0.2, 0.2), learning_rate=0.05,
                  early_stopping={"patience": 2})
    for _ in range(100):
        run.train(0.1)
        if run.finished or run.loop.state.epoch >= 10:
            break
    run.set_learning_rate(5.0)  # big jumps make the validation loss worse sooner or later
    for _ in range(200):
        if run.train(0.1)["finished"]:
            break
    assert run.finished == "early_stopping" and run.early_stop["restored"]
    best = run.early_stop["best_epoch"]
    assert run.early_stop["stopped_epoch"] == best + 2
    assert run.evaluate()["val_loss"] == pytest.approx(run.history[best - 1]["val_loss"], rel=1e-5)
    assert run.history[best - 1]["val_loss"] == min(logs["val_loss"] for logs in run.history)


def test_the_epoch_limit_ends_a_run(xor):
    run = session(data=xor, epochs=3)
    while not run.train(1.0)["finished"]:
        pass
    assert run.finished == "epochs" and run.loop.state.epoch == 3 and len(run.history) == 3


def test_reset_and_saved_weights(xor):
    run = session(data=xor, seed=5)
    start = run.weights()
    run.train(0.05)
    trained, state = run.weights(), run.optimizer_state()
    again = TrainingSession(classifier(), run.settings, xor, weights=trained, optimizer_state=state)
    assert all(np.array_equal(again.weights()[k], trained[k]) for k in trained)
    assert again.optimizer.iterations == run.optimizer.iterations
    run.reset_weights()
    assert run.counters()["iteration"] == 0 and run.history == [] and not run.markers
    assert all(np.array_equal(run.weights()[k], start[k]) for k in start)
    run.reset_weights(seed=6)
    assert not all(np.array_equal(run.weights()[k], start[k]) for k in start)


# -- looking inside -------------------------------------------------------------------------------------------

def test_probe_answers_what_the_plots_ask(xor):
    run = session(data=xor)
    run.step("batch")
    answer = run.probe({"weights": True, "pre_activations": "dense", "rows": 7, "layer_outputs": {"sample": 2},
                        "predictions": {}, "plane": {"resolution": 9, "points": True}})
    assert set(answer["weights"]) == set(answer["gradients"]) == {"dense/kernel", "dense/bias", "dense_1/kernel",
                                                                  "dense_1/bias"}
    assert answer["pre_activations"]["dense"].shape == (7, 6)
    assert answer["layer_outputs"]["dense_1"].shape == (1,) and answer["sample"]["part"] == "test"
    predictions = answer["predictions"]
    assert predictions["outputs"].shape == (100, 1) and set(np.unique(predictions["y_pred"])) <= {0, 1}
    assert answer["plane"]["output"].shape == (1, 9, 9) and answer["plane"]["neurons"]["dense"].shape == (6, 9, 9)
    assert answer["plane"]["points"]["train"][0].shape == (100, 2)
    assert "errors" not in answer
    partial = run.probe({"weights": True, "pre_activations": "input", "layer_outputs": {"sample": 999}})
    assert "weights" in partial and set(partial["errors"]) == {"pre_activations", "layer_outputs"}
    assert "has no activation function" in partial["errors"]["pre_activations"]
    with pytest.raises(ValueError, match="unknown probe request"):
        run.probe({"gradients": True})
    assert run.counters()["iteration"] == 1  # probing never trains


def test_step_by_sample_maths_uses_the_steps_own_numbers(xor):
    run = session(data=xor, optimizer="sgd", learning_rate=0.5)
    run.step("batch")
    maths = run.neuron_maths("dense", 2)
    x, w, b = maths["inputs"], maths["weights"], maths["bias"]
    assert maths["z"] == pytest.approx(float(x @ w) + b, rel=1e-5)
    assert maths["a"] == pytest.approx(math.tanh(maths["z"]), rel=1e-5)
    np.testing.assert_allclose(maths["gradient_weights"], x * maths["delta"], rtol=1e-6)
    np.testing.assert_allclose(maths["weight_updates"], -0.5 * maths["gradient_weights"], rtol=1e-3, atol=1e-7)
    assert maths["bias_update"] == pytest.approx(-0.5 * maths["delta"], rel=1e-3, abs=1e-7)
    assert maths["step"]["iteration"] == 2 and maths["step"]["samples_seen"] == 17
    with pytest.raises(ValueError, match="neurons 0..5"):
        run.neuron_maths("dense", 6)
    with pytest.raises(ValueError, match="no layer named 'nope'; Dense layers: dense, dense_1"):
        run.neuron_maths("nope", 0)


def test_history_exports_as_csv():
    text = history_to_csv([{"loss": 0.5, "epoch": 1}, {"loss": 0.25, "val_loss": 0.3, "epoch": 2}])
    assert text.splitlines() == ["epoch,loss,val_loss", "1,0.5,", "2,0.25,0.3"]


def test_edited_networks_keep_the_weights_that_still_fit(xor):
    run = session(data=xor)
    run.train(0.05)
    trained = run.weights()
    wider = TrainingSession(classifier((2, 9, 1)), run.settings, xor, weights=trained)
    assert np.array_equal(wider.weights()["dense_1/bias"], trained["dense_1/bias"])  # still (1,)
    assert wider.weights()["dense/kernel"].shape == (2, 9)
    assert wider.notes == ["new starting weights for: dense/kernel, dense/bias, dense_1/kernel"]
    bad = {key: np.full_like(value, np.nan) for key, value in trained.items()}
    with pytest.raises(ValueError, match="contain NaN or infinite values"):
        TrainingSession(classifier(), run.settings, xor, weights=bad)


def test_an_autoencoder_learns_its_own_inputs():
    spec = {"name": "digits", "options": {}, "targets": "inputs"}
    with pytest.raises(ValueError, match=r"gives outputs of shape \[8, 64\] per sample but the data set has 64"):
        TrainingSession(dense_graph([64, 8, 64], ["relu", "linear"], input_shape=[8, 8]), {}, spec)
    run = TrainingSession(dense_graph([64, 8, 64], ["relu", "linear"]),
                          TrainingSettings(learning_rate=0.01, batch_size=64), spec)
    assert run.data.loss == "mean_squared_error" and run.data.y_train.shape == (len(run.data.x_train), 64)
    np.testing.assert_array_equal(run.data.y_train, run.data.x_train.reshape(-1, 64))
    for _ in range(5):
        run.step("epoch")
    assert run.history[-1]["loss"] < 0.6 * run.history[0]["loss"]
    assert run.predictions()["task"] == "regression"
