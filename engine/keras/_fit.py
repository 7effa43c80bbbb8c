"""``Model.fit``: Keras 3's epoch loop (callbacks, validation, early stop) around the engine's TrainingLoop.

Without batch-level callbacks a whole epoch runs in the loop's fast path; with them the loop advances one
batch at a time so that the callbacks see every batch and ``model.stop_training`` acts between batches.
"""
from __future__ import annotations

import copy

import numpy as np

from engine.keras import callbacks as callbacks_module
from engine.keras.random import next_seed
from engine.training import TrainingLoop, as_array_list, check_batch_size, evaluate_arrays


def _whole_number(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be a whole number ≥ {minimum}, got {value!r}")
    return int(value)


def _split_validation(xs, ys, validation_split, validation_data):
    """(training x, training y, validation data or None); Keras takes the LAST fraction, before shuffling."""
    if validation_data is not None:
        if not isinstance(validation_data, (list, tuple)) or len(validation_data) not in (2, 3):
            raise ValueError("validation_data must be a tuple (x_val, y_val)")
        if len(validation_data) == 3 and validation_data[2] is not None:
            raise NotImplementedError("validation sample weights are not supported yet")
        return xs, ys, (validation_data[0], validation_data[1])
    split = float(validation_split)
    if not 0.0 <= split < 1.0:
        raise ValueError(f"validation_split must be in [0, 1), got {validation_split}")
    if not split:
        return xs, ys, None
    n = len(xs[0])
    cut = int(n * (1.0 - split))
    if cut <= 0 or cut >= n:
        raise ValueError(f"validation_split={validation_split} leaves no training or no validation data with "
                         f"{n} samples")
    return [a[:cut] for a in xs], [a[:cut] for a in ys], ([a[cut:] for a in xs], [a[cut:] for a in ys])


def run_fit(model, x, y, *, batch_size, epochs, verbose, callbacks, validation_split, validation_data, shuffle,
            class_weight, sample_weight, initial_epoch, steps_per_epoch, validation_steps, validation_batch_size,
            validation_freq, seed):
    model._require_compiled()
    if class_weight is not None or sample_weight is not None:
        raise NotImplementedError("class_weight and sample_weight are not supported yet")
    if steps_per_epoch is not None or validation_steps is not None or validation_freq != 1:
        raise NotImplementedError("steps_per_epoch, validation_steps and validation_freq are not supported: "
                                  "every epoch goes through all the data once and validates once")
    if x is None or y is None:
        raise ValueError("fit() needs inputs x and targets y")
    batch_size = check_batch_size(32 if batch_size is None else batch_size)
    epochs = _whole_number("epochs", epochs, 0)
    initial_epoch = _whole_number("initial_epoch", initial_epoch, 0)
    model._ensure_built_for(x)
    xs, ys = as_array_list(x, np.float32), as_array_list(y, np.float32)
    xs, ys, validation = _split_validation(xs, ys, validation_split, validation_data)
    loop = TrainingLoop(model.network, model.objective, model.optimizer, xs, ys, batch_size=batch_size,
                        shuffle=shuffle, seed=seed if seed is not None else next_seed(),
                        metrics=model.compiled_metrics, validation_data=validation)
    loop.state.epoch = initial_epoch
    model._loop = loop
    callback_list = callbacks_module.CallbackList(callbacks, model=model, verbose=verbose, epochs=epochs,
                                                  steps=-(-loop.n_samples // batch_size))
    model.history = callback_list.history
    model.stop_training = False
    model.stop_reason = None
    callback_list.on_train_begin()
    logs: dict = {}
    for epoch in range(initial_epoch, epochs):
        callback_list.on_epoch_begin(epoch)
        if callback_list.wants_batches:
            report = loop.run_epoch(should_stop=callback_list.before_batch,
                                    on_batch=lambda report: callback_list.after_batch(report, loop.metrics))
        else:
            report = loop.run_epoch()
        if report is None:  # stopped before the first batch
            break
        if report.diverged:
            model.stop_reason = report.diverged
            callback_list.on_divergence(report.diverged)
            model.stop_training = True
            break
        if report.epoch_finished:
            epoch_logs = report.epoch_logs or {}
        else:  # a callback stopped training mid-epoch: Keras still closes the epoch with what it has
            epoch_logs = _partial_epoch_logs(model, loop, callback_list.last_batch_logs)
        logs = callback_list.on_epoch_end(epoch, epoch_logs)
        if model.stop_training:
            break
    callback_list.on_train_end(logs)
    return model.history


def _partial_epoch_logs(model, loop: TrainingLoop, batch_logs: dict) -> dict:
    logs = dict(batch_logs)
    if loop.validation is not None:
        metrics = [copy.deepcopy(metric) for metric in model.compiled_metrics]
        for key, value in evaluate_arrays(loop.network, loop.objective, *loop.validation, metrics=metrics).items():
            logs[f"val_{key}"] = value
    return logs
