"""Keras callbacks: History, EarlyStopping, TerminateOnNaN, ModelCheckpoint, LearningRateScheduler,
ReduceLROnPlateau, LambdaCallback — Keras 3 semantics and argument names."""
from __future__ import annotations

import math
import sys

import numpy as np


class Callback:
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
    def on_train_batch_begin(self, batch, logs=None): ...
    def on_train_batch_end(self, batch, logs=None): ...


class History(Callback):
    def __init__(self):
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)


class _Monitor:
    """Shared by EarlyStopping, ModelCheckpoint and ReduceLROnPlateau: which way is better."""

    def _setup_monitor(self, monitor: str, mode: str, min_delta: float = 0.0):
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
        self.monitor = monitor
        if mode == "auto":
            bigger_is_better = any(word in monitor for word in ("acc", "precision", "recall", "f1", "auc", "r2"))
            mode = "max" if bigger_is_better and "loss" not in monitor else "min"
        self.mode = mode
        self.min_delta = abs(min_delta) if mode == "max" else -abs(min_delta)

    def _is_improvement(self, current: float, reference: float) -> bool:
        if reference is None:
            return True
        if self.mode == "max":
            return current - self.min_delta > reference
        return current - self.min_delta < reference

    def _current(self, logs) -> float | None:
        value = (logs or {}).get(self.monitor)
        if value is None:
            available = ", ".join(sorted(logs or {}))
            print(f"Warning: '{self.monitor}' is not in the logs (available: {available})", file=sys.stderr)
        return value


class EarlyStopping(Callback, _Monitor):
    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto", baseline=None,
                 restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self._setup_monitor(monitor, mode, min_delta)
        self.patience = int(patience)
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = bool(restore_best_weights)
        self.start_from_epoch = int(start_from_epoch)

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        current = self._current(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.network.params.copy()  # Keras keeps the first epoch's weights
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.network.params.copy()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
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
            self.model.network.params[...] = self.best_weights


class TerminateOnNaN(Callback):
    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class ModelCheckpoint(Callback, _Monitor):
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
            current = self._current(logs)
            if current is None or not self._is_improvement(current, self.best):
                return
            self.best = current
        if self.verbose > 0:
            print(f"Epoch {epoch + 1}: saving model to {path}")
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)


class LearningRateScheduler(Callback):
    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        current = float(self.model.optimizer.learning_rate)
        try:
            rate = self.schedule(epoch, current)
        except TypeError:  # Keras also accepts schedule(epoch)
            rate = self.schedule(epoch)
        rate = float(rate)
        if not math.isfinite(rate):
            raise ValueError(f'the "schedule" function must return a finite number, got {rate}')
        self.model.optimizer.learning_rate = rate
        if self.verbose > 0:
            print(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {rate}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)


class ReduceLROnPlateau(Callback, _Monitor):
    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto", min_delta=1e-4,
                 cooldown=0, min_lr=0.0, **kwargs):
        super().__init__()
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor ≥ 1.0, got {factor}")
        self._setup_monitor(monitor, mode, min_delta)
        self.factor = float(factor)
        self.patience = int(patience)
        self.verbose = verbose
        self.cooldown = int(cooldown)
        self.min_lr = float(min_lr)

    def on_train_begin(self, logs=None):
        self.best = None
        self.wait = 0
        self.cooldown_counter = 0

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs["learning_rate"] = float(self.model.optimizer.learning_rate)
        current = self._current(logs)
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                old = float(self.model.optimizer.learning_rate)
                if old > np.float32(self.min_lr):
                    new = max(old * self.factor, self.min_lr)
                    self.model.optimizer.learning_rate = new
                    if self.verbose > 0:
                        print(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0


class LambdaCallback(Callback):
    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None,
                 on_train_batch_begin=None, on_train_batch_end=None, **kwargs):
        super().__init__()
        for name, function in dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                                   on_train_begin=on_train_begin, on_train_end=on_train_end,
                                   on_train_batch_begin=on_train_batch_begin,
                                   on_train_batch_end=on_train_batch_end).items():
            if function is not None:
                setattr(self, name, function)


class CallbackList:
    """Runs the user's callbacks plus History and the progress printout, as ``fit`` does in Keras."""

    def __init__(self, callbacks, model, verbose, epochs: int, steps: int):
        self.callbacks = list(callbacks or [])
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(f"callbacks must be keras.callbacks.Callback objects, got {type(callback).__name__}")
        self.history = History()
        self.callbacks.append(self.history)
        self.verbose = 1 if verbose == "auto" else int(verbose)
        self.epochs = epochs
        self.model = model
        params = {"epochs": epochs, "steps": steps, "verbose": self.verbose}
        for callback in self.callbacks:
            callback.set_model(model)
            callback.set_params(params)
        base = Callback
        self.wants_batches = any(type(c).on_train_batch_end is not base.on_train_batch_end or
                                 "on_train_batch_end" in vars(c) for c in self.callbacks)
        self._batch = 0

    def _each(self, method: str, *args):
        for callback in self.callbacks:
            getattr(callback, method)(*args)

    def on_train_begin(self):
        self._each("on_train_begin", {})

    def on_train_end(self):
        self._each("on_train_end", {})

    def on_epoch_begin(self, epoch):
        self._batch = 0
        if self.verbose:
            print(f"Epoch {epoch + 1}/{self.epochs}")
        self._each("on_epoch_begin", epoch, {})

    def on_train_batch_end(self, report):
        self._each("on_train_batch_end", self._batch, {"loss": report.loss})
        self._batch += 1
        if self.model.stop_training and self.model._loop is not None:
            self.model._loop.request_stop()

    def on_epoch_end(self, epoch, logs):
        for callback in self.callbacks:
            if callback is not self.history:
                callback.on_epoch_end(epoch, logs)
        self.history.on_epoch_end(epoch, logs)  # after the others: they may add learning_rate to the logs
        if self.verbose:
            print(" - ".join(f"{key}: {value:.4f}" for key, value in logs.items()))

    def on_divergence(self, reason: str):
        print(reason, file=sys.stderr)
