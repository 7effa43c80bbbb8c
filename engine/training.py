"""The training loop the GUI drives and ``fit`` runs: advance by one sample, one batch or one epoch, stop
between batches, and report copies (never live arrays) of what a plot shows.

Counters, named as the course names them:
- ``epoch``: complete passes over the training data so far;
- ``iteration``: weight updates (optimizer steps) so far;
- ``samples_seen``: training samples consumed so far.

Randomness (shuffling, dropout) comes from the seed. A non-finite loss or update is never written into the
weights: the step is refused, the weights stay at their last finite values, and ``diverged`` says why.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from engine.batch_parallel import predict_batches
from engine.kernels.dispatch import all_finite
from engine.network import Network
from engine.objective import Objective

UNITS = ("sample", "batch", "epoch")


@dataclass
class StepReport:
    epoch: int  # index of the epoch this step belongs to (0-based)
    iteration: int  # weight updates done so far, this one included
    samples_seen: int
    batch_size: int
    loss: float
    epoch_finished: bool = False
    epoch_logs: dict | None = None  # when an epoch finished: loss, metrics, val_loss, val_metrics
    diverged: str | None = None  # a plain-language reason when the step was refused


@dataclass
class TrainingState:
    epoch: int = 0
    cursor: int = 0  # position inside the current epoch's sample order
    iteration: int = 0
    samples_seen: int = 0
    history: list[dict] = field(default_factory=list)


def as_array_list(data, dtype) -> list[np.ndarray]:
    items = list(data) if isinstance(data, (list, tuple)) else [data]
    arrays = []
    for item in items:
        array = np.asarray(item)
        if array.dtype == object:
            raise ValueError("the data contains Python objects or rows of different lengths; "
                             "every sample needs the same number of numeric columns")
        if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
            raise ValueError(f"the data must be numeric, got values of type {array.dtype}")
        array = np.ascontiguousarray(array, dtype=dtype)
        if not np.all(np.isfinite(array)):
            bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
            raise ValueError(f"the data contains {bad} NaN or infinite value(s); fill or drop them first")
        arrays.append(array)
    return arrays


def check_batch_size(batch_size) -> int:
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a whole number of at least 1, got {batch_size!r}")
    return int(batch_size)


class TrainingLoop:
    def __init__(self, network: Network, objective: Objective, optimizer, x, y, *, batch_size: int = 32,
                 shuffle: bool = True, seed: int | None = None, metrics: Sequence = (),
                 validation_data=None, rule: str = "gradient"):
        self.network = network
        self.objective = objective
        self.optimizer = optimizer
        self.xs = as_array_list(x, network.dtype)
        raw_targets = as_array_list(y, network.dtype)
        self.n_samples = self._check_lengths(self.xs, raw_targets)
        self.ys = objective.prepare_targets(raw_targets)
        network._as_input_list(self.xs if len(self.xs) > 1 else self.xs[0])  # wrong widths fail here, clearly
        self.batch_size = check_batch_size(batch_size)
        self.shuffle = bool(shuffle)
        self.rng = np.random.default_rng(seed)
        self.metrics = list(metrics)
        self._validation_metrics = [copy.deepcopy(metric) for metric in self.metrics]
        self.validation = None
        if validation_data is not None:
            x_val, y_val = validation_data[0], validation_data[1]
            xs_val = as_array_list(x_val, network.dtype)
            ys_val = as_array_list(y_val, network.dtype)
            self._check_lengths(xs_val, ys_val)
            ys_val = objective.prepare_targets(ys_val)
            self.validation = (xs_val, ys_val)
        if rule not in ("gradient", "perceptron"):
            raise ValueError(f"unknown training rule {rule!r}; choose 'gradient' or 'perceptron'")
        self.rule = rule
        if rule == "perceptron":
            from engine.perceptron import check_perceptron

            check_perceptron(network)
        self.state = TrainingState()
        self.diverged: str | None = None
        self._stop_requested = False
        self._order = self._new_order()
        self._epoch_loss_sum = 0.0
        self._epoch_loss_count = 0
        self._backup = np.empty_like(network.params)
        if not optimizer.built or optimizer.segments is None or not np.array_equal(optimizer.segments,
                                                                                    network.segments):
            optimizer.build(network.segments, dtype=network.dtype)  # fit() again keeps Adam's moments, as Keras
        for metric in self.metrics:
            metric.reset_state()
        from engine.fused import FusedDenseTrainer

        self._fused = FusedDenseTrainer.create(self) if rule == "gradient" else None

    @staticmethod
    def _check_lengths(xs, ys) -> int:
        lengths = {len(a) for a in xs} | {len(a) for a in ys}
        if len(lengths) != 1:
            raise ValueError(f"inputs and targets have different numbers of samples: {sorted(lengths)}")
        n = lengths.pop()
        if n == 0:
            raise ValueError("there is no training data (0 samples)")
        return n

    def _new_order(self) -> np.ndarray:
        return self.rng.permutation(self.n_samples) if self.shuffle else np.arange(self.n_samples)

    # -- control --------------------------------------------------------------------------------------
    def request_stop(self) -> None:
        """Ask a running ``run_epoch``/``step`` to stop before its next batch (thread-safe: one flag)."""
        self._stop_requested = True

    @property
    def epoch_progress(self) -> float:
        return self.state.cursor / self.n_samples

    def step(self, unit: str = "batch") -> StepReport | None:
        """Advance by one sample, one batch or one epoch (the rest of the current one)."""
        if unit not in UNITS:
            raise ValueError(f"unknown step unit {unit!r}; choose one of {', '.join(UNITS)}")
        if unit == "epoch":
            return self.run_epoch()
        return self._train_next(1 if unit == "sample" else self.batch_size)

    def run_epoch(self, should_stop: Callable[[], bool] | None = None,
                  on_batch: Callable[[StepReport], None] | None = None) -> StepReport | None:
        """Train until the current epoch ends (or a stop is requested between batches)."""
        self._stop_requested = False
        report = None
        while True:
            if self._stop_requested or (should_stop is not None and should_stop()):
                return report
            report = self._train_next(self.batch_size, max_batches=None if on_batch is None else 1)
            if report is None:
                return None
            if on_batch is not None:
                on_batch(report)
            if report.epoch_finished or report.diverged:
                return report

    # -- one update -----------------------------------------------------------------------------------
    def _train_next(self, count: int, max_batches: int | None = 1) -> StepReport | None:
        if self.diverged:
            return StepReport(self.state.epoch, self.state.iteration, self.state.samples_seen, 0, math.nan,
                              diverged=self.diverged)
        state = self.state
        if self._fused is not None and count == self.batch_size and max_batches is None:
            return self._fused.run_to_epoch_end(self)
        stop = min(state.cursor + count, self.n_samples)
        indices = self._order[state.cursor:stop]
        xb = [x[indices] for x in self.xs]
        yb = [y[indices] for y in self.ys]
        if self._fused is not None:
            loss, outputs, reason = self._fused.train_batch(self, xb, yb)
        elif self.rule == "perceptron":
            from engine.perceptron import rosenblatt_update

            loss, outputs, reason = rosenblatt_update(self, xb, yb)
        else:
            loss, outputs, reason = self._gradient_update(xb, yb)
        if reason:
            self.diverged = reason
            return StepReport(state.epoch, state.iteration, state.samples_seen, len(indices), loss,
                              diverged=reason)
        return self._after_update(len(indices), loss, yb, outputs)

    def _gradient_update(self, xb, yb):
        network = self.network
        loss, outputs = self.objective.loss_and_gradients(xb, yb, training=True)
        trainable_grads = network.grads[: network.n_trainable]
        # all_finite: one vectorised pass, no temporary bool arrays (np.isfinite made two per step).
        if not math.isfinite(loss) or not all_finite(trainable_grads):
            return loss, outputs, self._divergence_reason(loss)
        np.copyto(self._backup, network.params)
        self.optimizer.apply(network.params[: network.n_trainable], trainable_grads)
        network.apply_constraints()
        if not all_finite(network.params):
            np.copyto(network.params, self._backup)
            return loss, outputs, self._divergence_reason(math.inf)
        return loss, outputs, None

    def _divergence_reason(self, loss: float) -> str:
        lr = float(getattr(self.optimizer, "learning_rate", math.nan))
        what = "NaN (not a number)" if math.isnan(loss) else "infinite"
        return (f"Training stopped at epoch {self.state.epoch + 1}, iteration {self.state.iteration + 1}: the loss "
                f"became {what}. The learning rate ({lr:g}) is probably too high, or the inputs are not scaled "
                "(standardize them). The weights were kept at their last finite values.")

    def _after_update(self, batch_size: int, loss: float, yb, outputs, updates: int = 1,
                      loss_sum: float | None = None) -> StepReport:
        """Count ``updates`` weight updates over ``batch_size`` samples (a fused run reports several at once).

        ``loss`` is the last update's loss; ``loss_sum`` the sample-weighted sum over all of them.
        """
        state = self.state
        state.iteration += updates
        state.samples_seen += batch_size
        state.cursor += batch_size
        self._epoch_loss_sum += loss * batch_size if loss_sum is None else loss_sum
        self._epoch_loss_count += batch_size
        if outputs is not None:
            for metric in self.metrics:
                metric.update_state(yb[0], outputs[0])
        report = StepReport(state.epoch, state.iteration, state.samples_seen, batch_size, loss)
        if state.cursor >= self.n_samples:
            report.epoch_finished = True
            report.epoch_logs = self._finish_epoch()
        return report

    def _finish_epoch(self) -> dict:
        state = self.state
        logs = {"loss": self._epoch_loss_sum / max(self._epoch_loss_count, 1)}
        for metric in self.metrics:
            logs[metric.name] = float(metric.result())
            metric.reset_state()
        if self.validation is not None:
            for key, value in evaluate_arrays(self.network, self.objective, *self.validation,
                                              metrics=self._validation_metrics).items():
                logs[f"val_{key}"] = value
        state.history.append(logs)
        state.epoch += 1
        state.cursor = 0
        self._epoch_loss_sum = 0.0
        self._epoch_loss_count = 0
        self._order = self._new_order()
        return dict(logs)

    # -- copies for whoever watches -------------------------------------------------------------------
    def weights_snapshot(self) -> dict[str, np.ndarray]:
        return self.network.weight_dict()


def predict_arrays(network: Network, xs: list[np.ndarray], batch_size: int = 256) -> list[np.ndarray]:
    from engine.fused import fused_predictor

    predictor = fused_predictor(network) if len(xs) == 1 and xs[0].ndim == 2 else None
    if predictor is not None and xs[0].shape[1] == predictor.layout.sizes[0]:
        return [predictor.predict(xs[0], batch_size)]  # a dense chain: one compiled call, no per-layer Python
    chunks = predict_batches(network, xs, batch_size)  # on the engine's threads, whole batches each
    return [np.concatenate(chunk) if chunk else np.zeros((0,)) for chunk in chunks]


def evaluate_arrays(network: Network, objective: Objective, xs, ys, metrics: Sequence = (),
                    batch_size: int = 256) -> dict:
    outputs = predict_arrays(network, xs, batch_size)
    logs = {"loss": objective.loss_value(outputs, ys)}
    for metric in metrics:
        metric.reset_state()
        metric.update_state(ys[0], outputs[0])
        logs[metric.name] = float(metric.result())
        metric.reset_state()
    return logs
