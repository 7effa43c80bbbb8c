"""Keras callbacks: History, EarlyStopping, TerminateOnNaN, ModelCheckpoint, LearningRateScheduler,
ReduceLROnPlateau, LambdaCallback — Keras 3 semantics, argument names and messages.

``CallbackList`` (used by ``fit``) calls them as Keras does: epoch logs have sorted keys, History runs last so
that the learning rate a callback adds to the logs is recorded, and batch logs hold the running means.
"""
from __future__ import annotations

import math
import sys
import time
import warnings

import numpy as np


class Callback:
    """Base class: override the ``on_*`` methods you need."""

    def __init__(self):
        self.model = None
        self.params: dict = {}

    def set_model(self, model) -> None:
        self.model = model

    def set_params(self, params: dict) -> None:
        self.params = params

    def on_train_begin(self, logs=None): ...
    def on_train_end(self, logs=None): ...
    def on_epoch_begin(self, epoch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...
    def on_batch_begin(self, batch, logs=None): ...
    def on_batch_end(self, batch, logs=None): ...

    # As in Keras, the train-batch hooks fall back on the older on_batch_* names.
    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)


class History(Callback):
    """Records every epoch's logs: ``history.history["loss"]``, ``history.epoch``."""

    def __init__(self):
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)


class _Monitor:
    """Shared by EarlyStopping, ModelCheckpoint and ReduceLROnPlateau: which way is better."""

    _BIGGER_IS_BETTER = ("acc", "precision", "recall", "f1", "auc", "r2")

    def _setup_monitor(self, monitor: str, mode: str, min_delta: float = 0.0):
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
        self.monitor = monitor
        if mode == "auto":
            name = monitor.removeprefix("val_")
            bigger = any(word in name for word in self._BIGGER_IS_BETTER) and "loss" not in name
            mode = "max" if bigger else "min"
        self.mode = mode
        self.min_delta = abs(min_delta) if mode == "max" else -abs(min_delta)

    def _is_improvement(self, current: float, reference: float | None) -> bool:
        if reference is None:
            return True
        if self.mode == "max":
            return current - self.min_delta > reference
        return current - self.min_delta < reference

    def _current(self, logs, what: str) -> float | None:
        value = (logs or {}).get(self.monitor)
        if value is None:
            warnings.warn(f"{what} conditioned on metric `{self.monitor}` which is not available. Available "
                          f"metrics are: {','.join(logs or {})}", stacklevel=3)
        return value


class EarlyStopping(Callback, _Monitor):
    """Stop when ``monitor`` stops improving for ``patience`` epochs; optionally restore the best weights."""

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto", baseline=None,
                 restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self._setup_monitor(monitor, mode, min_delta)
        self.patience = int(patience)
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = bool(restore_best_weights)
        self.start_from_epoch = int(start_from_epoch)
        self.on_train_begin()

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        current = self._current(logs, "Early stopping")
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()  # the first watched epoch is the best so far
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0  # only a value beating both the baseline and the best resets the wait
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class TerminateOnNaN(Callback):
    """Stop training at the first batch whose loss is NaN or infinite."""

    def __init__(self, raise_error: bool = False):
        super().__init__()
        self.raise_error = bool(raise_error)

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            if self.raise_error:
                raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. "
                                   "Terminating training immediately.")
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class ModelCheckpoint(Callback, _Monitor):
    """Save the model (a project file) or its weights (.npz) after each epoch, or only when it improved."""

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__()
        if save_freq != "epoch":
            raise NotImplementedError("ModelCheckpoint saves once per epoch (save_freq='epoch')")
        self._setup_monitor(monitor, mode)
        self.filepath = str(filepath)
        self.verbose = verbose
        self.save_best_only = bool(save_best_only)
        self.save_weights_only = bool(save_weights_only)
        self.best = initial_value_threshold

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        path = self.filepath.format(epoch=epoch + 1, **logs)
        if self.save_best_only:
            current = self._current(logs, "Can save best model only with")
            if current is None:
                return
            if not self._is_improvement(current, self.best):
                if self.verbose > 0:
                    print(f"Epoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")
                return
            if self.verbose > 0:
                previous = "inf" if self.best is None else f"{self.best:.5f}"
                print(f"Epoch {epoch + 1}: {self.monitor} improved from {previous} to {current:.5f}, "
                      f"saving model to {path}")
            self.best = current
        elif self.verbose > 0:
            print(f"Epoch {epoch + 1}: saving model to {path}")
        if self.save_weights_only:
            self.model.save_weights(path, overwrite=True)
        else:
            self.model.save(path, overwrite=True)


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of each epoch to ``schedule(epoch, lr)`` (or ``schedule(epoch)``)."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        try:
            rate = self.schedule(epoch, float(self.model.optimizer.learning_rate))
        except TypeError:  # Keras also accepts the older schedule(epoch)
            rate = self.schedule(epoch)
        if isinstance(rate, (bool, np.bool_)) or not isinstance(rate, (int, float, np.floating, np.integer)):
            raise ValueError(f"The output of the `schedule` function should be a float. Got: {rate}")
        rate = float(rate)
        if not math.isfinite(rate) or rate < 0:
            raise ValueError(f"the `schedule` function must return a finite learning rate ≥ 0, got {rate}")
        self.model.optimizer.learning_rate = rate
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {rate}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)


class ReduceLROnPlateau(Callback, _Monitor):
    """Multiply the learning rate by ``factor`` after ``patience`` epochs without improvement."""

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto", min_delta=1e-4,
                 cooldown=0, min_lr=0.0, **kwargs):
        super().__init__()
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}")
        self._setup_monitor(monitor, mode, min_delta)
        self.factor = float(factor)
        self.patience = int(patience)
        self.verbose = verbose
        self.cooldown = int(cooldown)
        self.min_lr = float(min_lr)
        self.on_train_begin()

    def on_train_begin(self, logs=None):
        self.best = None
        self.wait = 0
        self.cooldown_counter = 0

    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs["learning_rate"] = float(self.model.optimizer.learning_rate)
        current = self._current(logs, "Learning rate reduction is")
        if current is None:
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old = float(self.model.optimizer.learning_rate)
                if old > np.float32(self.min_lr):
                    new = max(old * self.factor, self.min_lr)
                    self.model.optimizer.learning_rate = new
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0


class LambdaCallback(Callback):
    """A callback made of plain functions: ``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``."""

    _HOOKS = ("on_epoch_begin", "on_epoch_end", "on_train_begin", "on_train_end", "on_train_batch_begin",
              "on_train_batch_end", "on_batch_begin", "on_batch_end")

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None,
                 on_train_batch_begin=None, on_train_batch_end=None, **kwargs):
        super().__init__()
        hooks = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end, on_train_begin=on_train_begin,
                     on_train_end=on_train_end, on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end)
        for name in list(kwargs):
            if name in self._HOOKS:
                hooks[name] = kwargs.pop(name)
        if kwargs:
            raise TypeError(f"LambdaCallback got unexpected argument(s): {', '.join(kwargs)}; valid: "
                            f"{', '.join(self._HOOKS)}")
        for name, function in hooks.items():
            if function is not None:
                setattr(self, name, function)


def _overrides(callback: Callback, *names: str) -> bool:
    return any(name in vars(callback) or getattr(type(callback), name) is not getattr(Callback, name)
               for name in names)


def _format_value(value: float) -> str:
    return f"{value:.4f}" if abs(value) > 1e-3 else f"{value:.4e}"


class CallbackList:
    """Runs the user's callbacks plus History and the progress printout, as ``fit`` does in Keras."""

    def __init__(self, callbacks, model, verbose, epochs: int, steps: int):
        if isinstance(callbacks, Callback):
            callbacks = [callbacks]
        self.callbacks = list(callbacks or [])
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(f"callbacks must be keras.callbacks.Callback objects, got {type(callback).__name__}")
        self.history = History()
        self.callbacks.append(self.history)  # last: it records what the others added to the logs
        self.verbose = 1 if verbose == "auto" else int(verbose)
        self.epochs = epochs
        self.steps = steps
        self.model = model
        params = {"epochs": epochs, "steps": steps, "verbose": self.verbose}
        for callback in self.callbacks:
            callback.set_model(model)
            callback.set_params(params)
        self.wants_batches = any(_overrides(callback, "on_train_batch_begin", "on_train_batch_end",
                                            "on_batch_begin", "on_batch_end") for callback in self.callbacks)
        self._batch = 0
        self._loss_sum = 0.0
        self._seen = 0
        self._started = 0.0
        self.last_batch_logs: dict = {}

    def _each(self, method: str, *args):
        for callback in self.callbacks:
            getattr(callback, method)(*args)

    def on_train_begin(self):
        self._each("on_train_begin", {})

    def on_train_end(self, logs):
        self._each("on_train_end", dict(logs))

    def on_epoch_begin(self, epoch):
        self._batch = 0
        self._loss_sum, self._seen = 0.0, 0
        self._started = time.perf_counter()
        self.last_batch_logs = {}
        if self.verbose:
            print(f"Epoch {epoch + 1}/{self.epochs}")
        self._each("on_epoch_begin", epoch, {})

    def before_batch(self) -> bool:
        """Called by the training loop before each batch; True asks it to stop (``model.stop_training``)."""
        if self.model.stop_training:
            return True
        self._each("on_train_batch_begin", self._batch, {})
        return False

    def after_batch(self, report, metrics) -> None:
        """Batch logs as Keras gives them: running means over the epoch so far."""
        if report.epoch_finished and report.epoch_logs:
            logs = {key: value for key, value in report.epoch_logs.items() if not key.startswith("val_")}
        else:
            self._loss_sum += report.loss * report.batch_size
            self._seen += report.batch_size
            logs = {"loss": self._loss_sum / self._seen if self._seen else report.loss}
            if not report.diverged:
                logs.update({metric.name: float(metric.result()) for metric in metrics})
        logs = {key: logs[key] for key in sorted(logs)}
        self.last_batch_logs = logs
        self._each("on_train_batch_end", self._batch, dict(logs))
        self._batch += 1

    def on_epoch_end(self, epoch, logs: dict) -> dict:
        logs = {key: float(logs[key]) for key in sorted(logs)}  # Keras' pythonify_logs sorts the names
        self._each("on_epoch_end", epoch, logs)
        if self.verbose:
            self._print_epoch(logs)
        return logs

    def _print_epoch(self, logs: dict) -> None:
        seconds = time.perf_counter() - self._started
        per_step = seconds / max(self.steps, 1)
        if per_step >= 1 or per_step == 0:
            step_text = f"{per_step:.0f}s/step"
        elif per_step >= 1e-3:
            step_text = f"{per_step * 1e3:.0f}ms/step"
        else:
            step_text = f"{per_step * 1e6:.0f}us/step"
        values = "".join(f" - {key}: {_format_value(value)}" for key, value in logs.items())
        if self.verbose == 1:
            print(f"{self.steps}/{self.steps} {'━' * 20} {seconds:.0f}s {step_text}{values}")
        else:
            print(f"{self.steps}/{self.steps} - {seconds:.0f}s - {step_text}{values}")

    @staticmethod
    def on_divergence(reason: str) -> None:
        print(reason, file=sys.stderr)
