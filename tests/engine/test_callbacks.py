"""Callbacks: EarlyStopping, ReduceLROnPlateau, LearningRateScheduler, ModelCheckpoint, TerminateOnNaN,
LambdaCallback and History — on scripted sequences of logs (compared with Keras' own callbacks when Keras is
installed) and in real tiny fits."""
from __future__ import annotations

import math
import os

import numpy as np
import pytest

from engine import keras
from engine.keras import callbacks
from engine.keras.layers import Dense

# Keras 3.15 on torch (the oracle of the reference tests) warns about numpy 2's __array__ copy keyword.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

VAL_LOSSES = [1.0, 0.8, 0.85, 0.9, 0.7, 0.72, 0.74, 0.76, 0.78, 0.8]


class FakeModel:
    """What a callback touches: weights (here, the epoch number), the optimizer's learning rate, stop_training."""

    class Optimizer:
        learning_rate = 0.1

    def __init__(self):
        self.weights = [np.zeros(2)]
        self.stop_training = False
        self.optimizer = self.Optimizer()

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [np.array(w) for w in weights]


def _script_early_stopping(callback, values, monitor="val_loss"):
    """Drive a callback through epochs whose weights are [epoch, epoch]; returns what happened."""
    model = FakeModel()
    callback.set_model(model)
    callback.on_train_begin()
    last = None
    for epoch, value in enumerate(values):
        model.weights = [np.full(2, float(epoch))]
        callback.on_epoch_end(epoch, {monitor: value})
        last = epoch
        if model.stop_training:
            break
    callback.on_train_end()
    return {"last_epoch": last, "stopped_epoch": callback.stopped_epoch, "best_epoch": callback.best_epoch,
            "best": callback.best, "weights": model.weights[0].tolist()}


EARLY_STOPPING_CONFIGS = {
    "patience0": dict(patience=0),
    "patience2-restore": dict(patience=2, restore_best_weights=True),
    "min_delta": dict(patience=1, min_delta=0.06, restore_best_weights=True),
    "baseline": dict(patience=2, baseline=0.75, restore_best_weights=True),
    "start_from_epoch": dict(patience=1, start_from_epoch=2, restore_best_weights=True),
    "patience-longer-than-run": dict(patience=20, restore_best_weights=True),
}


def test_early_stopping_patience_and_restore_best_weights():
    outcome = _script_early_stopping(callbacks.EarlyStopping(patience=2, restore_best_weights=True), VAL_LOSSES)
    # 0.8 at epoch 1 is the best; epochs 2 and 3 do not improve: stop at the end of epoch 3, restore epoch 1.
    assert outcome == {"last_epoch": 3, "stopped_epoch": 3, "best_epoch": 1, "best": 0.8, "weights": [1.0, 1.0]}
    no_restore = _script_early_stopping(callbacks.EarlyStopping(patience=2), VAL_LOSSES)
    assert no_restore["weights"] == [3.0, 3.0]


@pytest.mark.reference
@pytest.mark.parametrize("config", list(EARLY_STOPPING_CONFIGS))
def test_early_stopping_matches_keras_on_scripted_losses(config):
    real_keras = pytest.importorskip("keras")
    kwargs = EARLY_STOPPING_CONFIGS[config]
    ours = _script_early_stopping(callbacks.EarlyStopping(**kwargs), VAL_LOSSES)
    theirs = _script_early_stopping(real_keras.callbacks.EarlyStopping(**kwargs), VAL_LOSSES)
    assert ours == theirs


@pytest.mark.reference
def test_early_stopping_in_max_mode_matches_keras():
    real_keras = pytest.importorskip("keras")
    accuracies = [0.5, 0.6, 0.6, 0.55, 0.7, 0.65, 0.6]
    kwargs = dict(monitor="val_accuracy", mode="max", patience=1, restore_best_weights=True)
    ours = _script_early_stopping(callbacks.EarlyStopping(**kwargs), accuracies, "val_accuracy")
    theirs = _script_early_stopping(real_keras.callbacks.EarlyStopping(**kwargs), accuracies, "val_accuracy")
    assert ours == theirs
    auto = _script_early_stopping(callbacks.EarlyStopping(monitor="val_accuracy", patience=1,
                                                          restore_best_weights=True), accuracies, "val_accuracy")
    assert auto == ours  # "auto" knows that a bigger accuracy is better


def test_early_stopping_warns_about_a_missing_metric():
    callback = callbacks.EarlyStopping(monitor="val_los")
    callback.set_model(FakeModel())
    callback.on_train_begin()
    with pytest.warns(UserWarning, match="val_los.*not available.*val_loss"):
        callback.on_epoch_end(0, {"loss": 1.0, "val_loss": 1.0})


def _separable(n=64, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = (rng.normal(size=(n, 4)) + 2.0 * (2 * y[:, None] - 1)).astype(np.float32)
    return x, y


def _classifier(seed=0):
    keras.utils.set_random_seed(seed)
    # the slide's plan (relu, softmax, sparse cross-entropy, Adam), so that the fused trainer's kernel is reused
    model = keras.Sequential([keras.Input(shape=(4,)), Dense(6, activation="relu"), Dense(2, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def _weights_recorder(model, store):
    return callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: store.append(model.get_weights()))


def test_early_stopping_in_a_real_fit_restores_the_best_epoch():
    """Validation labels are the training labels flipped: val_loss gets worse every epoch from the first."""
    x, y = _separable()
    model = _classifier()
    recorded = []
    stopper = callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True, verbose=1)
    history = model.fit(x, y, epochs=20, batch_size=16, validation_data=(x, 1 - y), verbose=0,
                        callbacks=[_weights_recorder(model, recorded), stopper])
    losses = history.history["val_loss"]
    best = int(np.argmin(losses))
    assert len(losses) == best + 3 < 20  # stopped after `patience` epochs without improvement
    assert stopper.best_epoch == best and stopper.stopped_epoch == len(losses) - 1
    for restored, kept in zip(model.get_weights(), recorded[best]):
        np.testing.assert_array_equal(restored, kept)
    assert model.evaluate(x, 1 - y, verbose=0, return_dict=True)["loss"] == pytest.approx(losses[best], rel=1e-5)


# -- ReduceLROnPlateau ---------------------------------------------------------------------------------------
def _script_reduce_lr(callback, values):
    model = FakeModel()
    callback.set_model(model)
    callback.on_train_begin()
    seen = []
    for epoch, value in enumerate(values):
        logs = {"val_loss": value}
        callback.on_epoch_end(epoch, logs)
        seen.append((logs["learning_rate"], model.optimizer.learning_rate))
    return seen


REDUCE_CONFIGS = {
    "patience1": dict(patience=1, factor=0.5),
    "cooldown": dict(patience=1, factor=0.5, cooldown=2),
    "min_lr": dict(patience=0, factor=0.2, min_lr=0.005),
    "min_delta": dict(patience=1, factor=0.5, min_delta=0.15),
}


def test_reduce_lr_on_plateau_halves_after_patience():
    seen = _script_reduce_lr(callbacks.ReduceLROnPlateau(patience=1, factor=0.5), VAL_LOSSES)
    # patience=1: every epoch that does not beat the best so far halves the rate; the logs carry the rate
    # the epoch trained with, the reduction applies from the next epoch on
    expected = [0.1, 0.1, 0.05, 0.025, 0.025, 0.0125, 0.00625, 0.003125, 0.0015625, 0.00078125]
    np.testing.assert_allclose([after for _, after in seen], expected)
    np.testing.assert_allclose([logged for logged, _ in seen], [0.1] + expected[:-1])
    with pytest.raises(ValueError, match="factor"):
        callbacks.ReduceLROnPlateau(factor=1.5)


@pytest.mark.reference
@pytest.mark.parametrize("config", list(REDUCE_CONFIGS))
def test_reduce_lr_on_plateau_matches_keras(config):
    real_keras = pytest.importorskip("keras")
    kwargs = REDUCE_CONFIGS[config]
    ours = _script_reduce_lr(callbacks.ReduceLROnPlateau(**kwargs), VAL_LOSSES)
    theirs = _script_reduce_lr(real_keras.callbacks.ReduceLROnPlateau(**kwargs), VAL_LOSSES)
    np.testing.assert_allclose(ours, theirs, rtol=1e-7)


def test_reduce_lr_on_plateau_in_a_real_fit_records_the_learning_rate():
    x, y = _separable()
    model = _classifier()
    # min_delta=10: after the first epoch (the first value is always the best so far) nothing improves
    reducer = callbacks.ReduceLROnPlateau(monitor="loss", patience=0, factor=0.5, min_delta=10.0)
    history = model.fit(x, y, epochs=3, batch_size=16, verbose=0, callbacks=[reducer])
    np.testing.assert_allclose(history.history["learning_rate"], [0.02, 0.02, 0.01], rtol=1e-6)
    assert list(history.history) == ["accuracy", "loss", "learning_rate"]
    assert model.optimizer.learning_rate == pytest.approx(0.005)


# -- LearningRateScheduler -----------------------------------------------------------------------------------
def _regression(n=40, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]]) + 0.3).astype(np.float32)
    return x, y


def _regressor(learning_rate=0.1, seed=2):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(shape=(3,)), Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate), loss="mse")
    return model


def test_learning_rate_scheduler_sets_each_epoch_and_logs_it():
    x, y = _regression()
    model = _regressor()
    recorded = []
    rates = [0.1, 0.0, 0.05]
    scheduler = callbacks.LearningRateScheduler(lambda epoch: rates[epoch])  # the old one-argument form
    history = model.fit(x, y, epochs=3, batch_size=10, shuffle=False, verbose=0,
                        callbacks=[scheduler, _weights_recorder(model, recorded)])
    np.testing.assert_allclose(history.history["learning_rate"], rates)
    for before, after in zip(recorded[0], recorded[1]):  # learning rate 0 all through epoch 2: no change
        np.testing.assert_array_equal(before, after)
    assert not np.array_equal(recorded[1][0], recorded[2][0])
    halving = callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch else lr)
    history = model.fit(x, y, epochs=3, verbose=0, callbacks=[halving])
    np.testing.assert_allclose(history.history["learning_rate"], [0.05, 0.025, 0.0125])


def test_learning_rate_change_takes_effect_on_the_next_step():
    x, y = _regression()
    model = _regressor()
    after_first_step = []

    def freeze_after_first_batch(batch, logs):
        if batch == 0:
            after_first_step.append(model.get_weights())
            model.optimizer.learning_rate = 0.0

    model.fit(x, y, epochs=1, batch_size=10, shuffle=False, verbose=0,
              callbacks=[callbacks.LambdaCallback(on_train_batch_end=freeze_after_first_batch)])
    assert model.optimizer.iterations == 4
    for now, then in zip(model.get_weights(), after_first_step[0]):
        np.testing.assert_array_equal(now, then)


def test_learning_rate_scheduler_rejects_bad_values():
    x, y = _regression()
    model = _regressor()
    for schedule in (lambda epoch: "fast", lambda epoch: math.nan):
        with pytest.raises(ValueError, match="schedule"):
            model.fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.LearningRateScheduler(schedule)])


@pytest.mark.reference
def test_learning_rate_scheduler_matches_keras():
    real_keras = pytest.importorskip("keras")
    x, y = _regression()

    def build(k):
        model = k.Sequential([k.Input(shape=(3,)), k.layers.Dense(1)])
        model.compile(optimizer=k.optimizers.SGD(0.05, momentum=0.5), loss="mse")
        return model

    theirs, ours = build(real_keras), build(keras)
    ours.set_weights(theirs.get_weights())
    histories = [model.fit(x, y, epochs=3, batch_size=10, shuffle=False, verbose=0,
                           callbacks=[k.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)])
                 for model, k in ((theirs, real_keras), (ours, keras))]
    np.testing.assert_allclose(histories[1].history["learning_rate"], histories[0].history["learning_rate"],
                               rtol=1e-6)
    np.testing.assert_allclose(histories[1].history["loss"], histories[0].history["loss"], rtol=1e-4)
    for a, b in zip(theirs.get_weights(), ours.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-6)


@pytest.mark.reference
def test_stop_mid_epoch_and_batch_logs_match_keras():
    """A callback stopping after the second batch: Keras closes the epoch with the running means so far."""
    real_keras = pytest.importorskip("keras")
    x, y = _separable(40)

    def build(k):
        model = k.Sequential([k.Input(shape=(4,)), k.layers.Dense(3, activation="relu"),
                              k.layers.Dense(2, activation="softmax")])
        model.compile(optimizer=k.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        return model

    theirs, ours = build(real_keras), build(keras)
    ours.set_weights(theirs.get_weights())
    runs = []
    for model, k in ((theirs, real_keras), (ours, keras)):
        batch_logs = []

        def on_batch_end(batch, logs, model=model, batch_logs=batch_logs):
            batch_logs.append(dict(logs))
            model.stop_training = batch == 1

        history = model.fit(x, y, epochs=3, batch_size=8, shuffle=False, validation_split=0.2, verbose=0,
                            callbacks=[k.callbacks.LambdaCallback(on_train_batch_end=on_batch_end)])
        runs.append((history.history, batch_logs))
    (their_history, their_batches), (our_history, our_batches) = runs
    assert ours.optimizer.iterations == 2
    assert list(our_history) == list(their_history)
    for key in their_history:
        np.testing.assert_allclose(our_history[key], their_history[key], rtol=1e-4, err_msg=key)
    assert len(our_batches) == len(their_batches) == 2
    for ours_logs, their_logs in zip(our_batches, their_batches):
        assert sorted(ours_logs) == sorted(their_logs)
        for key in their_logs:
            assert ours_logs[key] == pytest.approx(their_logs[key], rel=1e-4), key


# -- ModelCheckpoint -----------------------------------------------------------------------------------------
def test_model_checkpoint_save_best_only_writes_an_openable_file(tmp_path):
    x, y = _separable()
    model = _classifier()
    recorded = []
    pattern = str(tmp_path / "ckpt-{epoch:02d}.keras")
    best_path = tmp_path / "best.keras"
    history = model.fit(x, y, epochs=4, batch_size=16, validation_data=(x, 1 - y), verbose=0,
                        callbacks=[_weights_recorder(model, recorded),
                                   callbacks.ModelCheckpoint(pattern, save_best_only=True),
                                   callbacks.ModelCheckpoint(best_path, monitor="val_loss", save_best_only=True),
                                   callbacks.ModelCheckpoint(tmp_path / "last.weights.npz", save_weights_only=True)])
    losses = history.history["val_loss"]
    improved = [epoch for epoch in range(4) if losses[epoch] < min(losses[:epoch], default=math.inf)]
    assert sorted(os.listdir(tmp_path)) == sorted([f"ckpt-{epoch + 1:02d}.keras" for epoch in improved]
                                                  + ["best.keras", "last.weights.npz"])
    best = int(np.argmin(losses))
    loaded = keras.models.load_model(best_path)
    for saved, kept in zip(loaded.get_weights(), recorded[best]):
        np.testing.assert_array_equal(saved, kept)
    assert loaded.optimizer is not None and loaded.optimizer.iterations == 4 * (best + 1)
    model.load_weights(tmp_path / "last.weights.npz")
    for saved, kept in zip(model.get_weights(), recorded[-1]):
        np.testing.assert_array_equal(saved, kept)


def test_model_checkpoint_every_epoch_with_formatted_names(tmp_path):
    x, y = _separable(32)
    model = _classifier()
    model.fit(x, y, epochs=2, verbose=0,
              callbacks=[callbacks.ModelCheckpoint(str(tmp_path / "m-{epoch}-{loss:.2f}.keras"), monitor="loss")])
    names = sorted(os.listdir(tmp_path))
    assert len(names) == 2 and names[0].startswith("m-1-") and names[1].startswith("m-2-")
    keras.models.load_model(tmp_path / names[1])


# -- divergence and TerminateOnNaN ---------------------------------------------------------------------------
def test_terminate_on_nan_on_a_scripted_batch(capsys):
    callback = callbacks.TerminateOnNaN()
    model = FakeModel()
    callback.set_model(model)
    callback.on_train_batch_end(0, {"loss": 0.5})
    assert not model.stop_training
    callback.on_train_batch_end(3, {"loss": math.nan})
    assert model.stop_training
    assert "Batch 3: Invalid loss, terminating training" in capsys.readouterr().out
    with pytest.raises(RuntimeError, match="NaN or Inf loss"):
        callbacks.TerminateOnNaN(raise_error=True).on_train_batch_end(1, {"loss": math.inf})


@pytest.mark.parametrize("with_terminate_on_nan", [False, True])
def test_learning_rate_10_stops_with_a_reason_and_finite_weights(capsys, with_terminate_on_nan):
    x, y = _regression()
    model = _regressor(learning_rate=10.0)
    extra = [callbacks.TerminateOnNaN()] if with_terminate_on_nan else []
    history = model.fit(x, y * 10, epochs=50, batch_size=8, verbose=0, callbacks=extra)
    assert len(history.history.get("loss", [])) < 50
    assert model.stop_reason is not None and "learning rate (10)" in model.stop_reason
    captured = capsys.readouterr()
    assert "learning rate (10) is probably too high" in captured.err
    if with_terminate_on_nan:
        assert "Invalid loss, terminating training" in captured.out
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())
    assert all(math.isfinite(value) for value in history.history.get("loss", []))
    assert np.all(np.isfinite(model.predict(x, verbose=0)))


# -- LambdaCallback, History, the order of calls -------------------------------------------------------------
def test_callback_hooks_are_called_in_keras_order():
    x, y = _separable(24)
    model = _classifier()
    events = []
    recorder = callbacks.LambdaCallback(
        on_train_begin=lambda logs: events.append("train_begin"),
        on_epoch_begin=lambda epoch, logs: events.append(f"epoch_begin {epoch}"),
        on_train_batch_begin=lambda batch, logs: events.append(f"batch_begin {batch}"),
        on_train_batch_end=lambda batch, logs: events.append(f"batch_end {batch} {sorted(logs)}"),
        on_epoch_end=lambda epoch, logs: events.append(f"epoch_end {epoch} {list(logs)}"),
        on_train_end=lambda logs: events.append("train_end"))
    model.fit(x, y, epochs=2, batch_size=12, verbose=0, callbacks=[recorder])
    batch = ["batch_begin 0", "batch_end 0 ['accuracy', 'loss']", "batch_begin 1", "batch_end 1 ['accuracy', 'loss']"]
    assert events == (["train_begin", "epoch_begin 0"] + batch + ["epoch_end 0 ['accuracy', 'loss']", "epoch_begin 1"]
                      + batch + ["epoch_end 1 ['accuracy', 'loss']", "train_end"])


def test_custom_callback_subclass_and_history():
    x, y = _separable(24)
    model = _classifier()

    class Counter(callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.batches = 0

        def on_batch_end(self, batch, logs=None):  # the older name still works, as in Keras
            self.batches += 1

        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.model.stop_training = True

    counter = Counter()
    history = model.fit(x, y, epochs=5, batch_size=8, verbose=0, callbacks=counter)
    assert counter.batches == 6 and history.epoch == [0, 1]
    assert counter.params == {"epochs": 5, "steps": 3, "verbose": 0}
    assert isinstance(history, callbacks.History) and history.model is model
    with pytest.raises(TypeError, match="unexpected"):
        callbacks.LambdaCallback(on_epoch_ends=print)
