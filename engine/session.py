"""A training session: what the designer's Play / Pause / Step buttons drive, with no Qt in sight.

``TrainingSession(graph, settings, dataset)`` checks the graph (GraphError listing the problems), splits and
scales the data set, checks that the network fits the data (plain-language messages such as "the network
takes 2 inputs but the data set has 13 features"), builds the network, the loss and the optimizer, and wraps
the engine's :class:`engine.training.TrainingLoop`. Then:

- ``step("sample" | "batch" | "epoch")`` and ``train(max_seconds, should_stop)`` advance training; an epoch's
  logs gain ``test_*`` values, early stopping and the epoch limit end a run (``finished`` says why);
- ``set_learning_rate`` / ``set_batch_size`` / ``set_regularization`` apply at once and leave a marker for
  the loss plot (``set_epochs`` moves the epoch limit); a diverged run keeps its last finite weights and
  ``diverged`` says why;
- ``evaluate()``, ``predictions()``, ``weights()``, ``probe(request)`` and ``neuron_maths`` (Step by sample)
  give copies of what plots and panels show.

A session belongs to one thread at a time (the designer's training thread): probes run layers' forward
passes, so they must not run while a step does. Settings live in :mod:`engine.session_settings`.
"""
from __future__ import annotations

import math
import time
from collections import deque
from typing import Callable

import numpy as np

from engine import datasets
from engine import metrics as metrics_module
from engine.graph.analysis import analyze
from engine.graph.model import Graph
from engine.network import GraphError, Network
from engine.objective import Objective
from engine.session_data import PreparedData, prepare_data
from engine.session_probe import run_probe
from engine.session_settings import EARLY_STOPPING_DEFAULTS, TrainingSettings, check_regularization
from engine.training import TrainingLoop, UNITS, check_batch_size, evaluate_arrays

__all__ = ["EARLY_STOPPING_DEFAULTS", "GraphError", "TrainingSession", "TrainingSettings", "UNITS",
           "history_to_csv"]

ITERATION_LOG_SIZE = 4000  # per-update losses kept for the live plot (a ring: memory stays flat)
MAX_HISTORY = 20_000  # per-epoch logs kept; older ones are thinned to every other epoch beyond that
MAX_MARKERS = 1000


class RegularizationOverride:
    """Replaces the L1/L2 penalty of every layer kernel (Dense, convolutions, recurrent) in a built network,
    and puts the layers' own penalties back when the override is None."""

    def __init__(self, network: Network):
        self.slots = [slot for layer in network.ordered_layers() if hasattr(layer, "kernel_regularizer")
                      for name, slot in layer.weights_by_name.items() if name == "kernel"]
        self.original = [slot.spec for slot in self.slots]

    def apply(self, regularization: dict | None) -> None:
        from dataclasses import replace

        from engine.regularizers import L1L2

        for slot, spec in zip(self.slots, self.original):
            if regularization is None:
                slot.spec = spec
            else:
                penalty = L1L2(**regularization) if any(regularization.values()) else None
                slot.spec = replace(spec, regularizer=penalty)


class _SessionLoop(TrainingLoop):
    """A TrainingLoop whose stop flag also asks ``interrupt()``: the fused dense path checks only that flag
    between its compiled calls, so this is how a deadline or a Pause reaches it mid-epoch."""

    interrupt: Callable[[], bool] | None = None

    @property
    def _stop_requested(self) -> bool:
        return self._stop_flag or (self.interrupt is not None and self.interrupt())

    @_stop_requested.setter
    def _stop_requested(self, value: bool) -> None:
        self._stop_flag = bool(value)


class TrainingSession:
    """One training run of ``graph`` on ``dataset`` with ``settings``.

    ``settings``: a TrainingSettings or its ``to_dict()``; ``dataset``: an ``engine.datasets.Dataset`` or its
    spec dict (a spec with ``"targets": "inputs"`` trains an autoencoder: the targets are the scaled inputs,
    flattened); ``weights``: {"layer/weight": array} to start from, used where name and shape still fit;
    ``optimizer_state``: ``Optimizer.get_state()`` of a previous run (ignored, with a note, if it does not fit).
    ``notes`` lists what was adapted (reshaped samples, fresh weights, the early stopping monitor).
    """

    def __init__(self, graph: Graph, settings: TrainingSettings | dict | None = None, dataset=None,
                 weights: dict | None = None, optimizer_state: dict | None = None):
        self.settings = settings if isinstance(settings, TrainingSettings) else TrainingSettings.from_dict(settings)
        self.graph = graph.copy()  # ours alone: the canvas may change the original meanwhile
        analysis = analyze(self.graph)
        if not analysis.ok:
            raise GraphError(analysis.problems)
        if dataset is None:
            raise ValueError("choose a data set to train on")
        from_inputs = isinstance(dataset, dict) and dataset.get("targets") == "inputs"
        dataset = datasets.from_spec(dataset) if isinstance(dataset, dict) else dataset
        self.data: PreparedData = prepare_data(analysis, self.graph, self.settings, dataset, from_inputs)
        self.notes: list[str] = list(self.data.notes)
        self._build(self.settings.seed, weights, optimizer_state)

    # -- building -------------------------------------------------------------------------------------
    def _build(self, seed: int, weights=None, optimizer_state=None) -> None:
        settings, data = self.settings, self.data
        network = Network(self.graph, seed=seed)
        if weights:
            self._load_fitting_weights(network, weights)
        self.regularization = RegularizationOverride(network)
        self.regularization.apply(settings.regularization)
        objective = Objective(network, data.loss)
        metric_objects = [metrics_module.get(name, y_true_shape=data.y_train.shape,
                                             y_pred_shape=(1,) + tuple(network.output_shapes[0]))
                          for name in data.metric_names]
        validation = (data.x_val, data.y_val) if len(data.x_val) else None
        try:
            self.loop = _SessionLoop(network, objective, settings.make_optimizer(), data.x_train, data.y_train,
                                     batch_size=settings.batch_size, seed=seed, metrics=metric_objects,
                                     validation_data=validation, rule=settings.rule)
        except ValueError as error:
            raise ValueError(f"the data does not fit the network: {error}") from None
        if optimizer_state:
            try:
                self.loop.optimizer.set_state(optimizer_state)
            except (ValueError, KeyError):
                self._note("the saved optimizer state belongs to other settings; it starts afresh")
        self.network, self.objective, self.optimizer = network, objective, self.loop.optimizer
        self.history: list[dict] = []
        self.iteration_log: deque = deque(maxlen=ITERATION_LOG_SIZE)  # (iteration, epoch, loss)
        self.markers: deque = deque(maxlen=MAX_MARKERS)
        self.finished: str | None = None  # "epochs" or "early_stopping" once a run is over
        self._early = {"best": None, "best_epoch": None, "wait": 0, "params": None}
        self.early_stop: dict | None = None
        self._check_monitor()

    def _load_fitting_weights(self, network: Network, weights: dict) -> None:
        """Start from the given weights where name and shape still fit (an edited network keeps the rest of
        its training); the others keep their fresh initial values and a note says which."""
        fresh = []
        for layer, slot in network.variables:
            key = f"{layer.name}/{slot.spec.name}"
            value = weights.get(key)
            if value is None or np.shape(value) != slot.value.shape:
                fresh.append(key)
                continue
            if not np.all(np.isfinite(value)):
                raise ValueError(f"the weights {key} contain NaN or infinite values; reset the weights")
            slot.value[...] = value
        if fresh and len(fresh) < len(network.variables):
            self._note("new starting weights for: " + ", ".join(fresh))

    def _note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def _check_monitor(self) -> None:
        options = self.settings.early_stopping
        if options is None:
            return
        keys = self.log_keys()
        monitor = options["monitor"]
        if monitor not in keys and monitor.startswith("val_") and monitor[4:] in keys:
            # no validation part: watching the training value is the useful reading of the request
            self.settings = self.settings.changed(early_stopping={**options, "monitor": monitor[4:]})
            self._note(f"early stopping watches {monitor[4:]!r}: there is no validation part")
        elif monitor not in keys:
            raise ValueError(f"early stopping watches {monitor!r}, which this run does not log; "
                             f"choose one of: {', '.join(keys)}")

    def log_keys(self) -> list[str]:
        """The keys every epoch's logs will hold."""
        names = ["loss"] + [metric.name for metric in self.loop.metrics]
        keys = list(names)
        if len(self.data.x_val):
            keys += [f"val_{name}" for name in names]
        if len(self.data.x_test):
            keys += [f"test_{name}" for name in names]
        return keys

    def reset_weights(self, seed: int | None = None) -> None:
        """Fresh starting weights (from ``seed``, default the settings' seed), counters, history and markers."""
        self._build(self.settings.seed if seed is None else int(seed))

    # -- state ----------------------------------------------------------------------------------------
    @property
    def diverged(self) -> str | None:
        return self.loop.diverged

    def counters(self) -> dict:
        """Epochs completed, weight updates, samples seen, and how far into the current epoch (0..1)."""
        state = self.loop.state
        return {"epoch": state.epoch, "iteration": state.iteration, "samples_seen": state.samples_seen,
                "epoch_progress": self.loop.epoch_progress, "n_train": self.loop.n_samples}

    def weights(self) -> dict[str, np.ndarray]:
        return self.network.weight_dict()

    def optimizer_state(self) -> dict[str, np.ndarray]:
        return self.optimizer.get_state()

    # -- training -------------------------------------------------------------------------------------
    def step(self, unit: str = "batch", should_stop: Callable[[], bool] | None = None) -> dict:
        """One sample, one batch or the rest of the epoch. Returns :meth:`_record` of what happened."""
        if unit not in UNITS:
            raise ValueError(f"unknown step unit {unit!r}; choose one of {', '.join(UNITS)}")
        self.loop.interrupt = should_stop
        try:
            if unit == "epoch":
                report = self.loop.run_epoch(on_batch=self._log_iteration if self.loop._fused is None else None)
            else:
                report = self.loop.step(unit)
                if report is not None and not report.diverged:
                    self._log_iteration(report)
        finally:
            self.loop.interrupt = None
        return self._absorb([report])

    def train(self, max_seconds: float = 0.05, should_stop: Callable[[], bool] | None = None) -> dict:
        """Train for about ``max_seconds`` (several epochs when they are quick), stopping early between batches
        when ``should_stop()`` turns true, or when the run diverges or finishes."""
        deadline = time.perf_counter() + max_seconds
        reports = []
        while not (self.finished or self.diverged) and not (should_stop is not None and should_stop()):
            start = self.loop.state.iteration

            def interrupt(start=start) -> bool:  # at least one update per call, so slow batches still advance
                return (should_stop is not None and should_stop()) or (
                    time.perf_counter() > deadline and self.loop.state.iteration > start)

            self.loop.interrupt = interrupt
            try:
                report = self.loop.run_epoch(on_batch=self._log_iteration if self.loop._fused is None else None)
            finally:
                self.loop.interrupt = None
            if report is not None and self.loop._fused is not None and not report.diverged:
                self._log_iteration(report)
            reports.append(report)
            self._absorb([report])
            if report is None or not report.epoch_finished or time.perf_counter() > deadline:
                break
        return self._record(reports)

    def _log_iteration(self, report) -> None:
        if math.isfinite(report.loss):
            epoch = report.epoch + (self.loop.epoch_progress if not report.epoch_finished else 1.0)
            self.iteration_log.append((report.iteration, epoch, float(report.loss)))

    def _absorb(self, reports) -> dict:
        for report in reports:
            if report is not None and report.epoch_finished and report.epoch_logs is not None:
                self._finish_epoch(report.epoch_logs)
        return self._record(reports)

    def _record(self, reports) -> dict:
        done = [r for r in reports if r is not None]
        last = done[-1] if done else None
        return {**self.counters(), "loss": None if last is None or not math.isfinite(last.loss) else last.loss,
                "epochs_finished": sum(1 for r in done if r.epoch_finished), "diverged": self.diverged,
                "finished": self.finished}

    def _finish_epoch(self, logs: dict) -> None:
        logs = dict(logs)
        if len(self.data.x_test):
            for key, value in self._evaluate_part("test").items():
                logs[f"test_{key}"] = value
        logs["epoch"] = self.loop.state.epoch  # 1-based: the epoch just completed
        self.history.append(logs)
        self.loop.state.history.clear()  # ours is the bounded copy
        if len(self.history) > MAX_HISTORY:
            self.history = self.history[:-1][::2] + [self.history[-1]]
        self._early_stopping(logs)
        epochs = self.settings.epochs
        if self.finished is None and epochs is not None and self.loop.state.epoch >= epochs:
            self.finished = "epochs"

    def _early_stopping(self, logs: dict) -> None:
        options = self.settings.early_stopping
        if options is None or self.finished:
            return
        value = float(logs.get(options["monitor"], math.nan))
        if not math.isfinite(value):
            return
        early = self._early
        maximise = any(word in options["monitor"] for word in ("acc", "r2", "precision", "recall", "f1"))
        best = early["best"]
        improved = best is None or (value > best + options["min_delta"] if maximise
                                    else value < best - options["min_delta"])
        if improved:
            early.update(best=value, best_epoch=logs["epoch"], wait=0)
            if options["restore_best"]:
                early["params"] = self.network.params.copy()
            return
        early["wait"] += 1
        if early["wait"] >= options["patience"]:
            restored = options["restore_best"] and early["params"] is not None
            if restored:
                np.copyto(self.network.params, early["params"])
            self.finished = "early_stopping"
            self.early_stop = {"best_epoch": early["best_epoch"], "best_value": early["best"],
                               "monitor": options["monitor"], "restored": restored,
                               "stopped_epoch": logs["epoch"]}

    # -- live changes -----------------------------------------------------------------------------------
    def _mark(self, kind: str, value, text: str) -> dict:
        state = self.loop.state
        marker = {"kind": kind, "value": value, "text": text, "iteration": state.iteration,
                  "epoch": state.epoch + self.loop.epoch_progress}
        self.markers.append(marker)
        return dict(marker)

    def _resume_after_divergence(self) -> None:
        """A new learning rate or batch size deserves another try from the last finite weights."""
        if self.loop.diverged:
            self.loop.diverged = None
            if self.optimizer.slots is not None and not np.all(np.isfinite(self.optimizer.slots)):
                self.optimizer.build(self.network.segments, dtype=self.network.dtype)

    def set_learning_rate(self, learning_rate: float) -> dict:
        """Change the learning rate for the next updates; returns the marker for the loss plot."""
        self.settings = self.settings.changed(learning_rate=learning_rate)
        self.optimizer.learning_rate = self.settings.learning_rate
        self._resume_after_divergence()
        return self._mark("learning_rate", self.settings.learning_rate,
                          f"learning rate → {self.settings.learning_rate:g}")

    def set_batch_size(self, batch_size: int) -> dict:
        batch_size = check_batch_size(batch_size)
        self.settings = self.settings.changed(batch_size=batch_size)
        self.loop.batch_size = batch_size
        self._resume_after_divergence()
        return self._mark("batch_size", batch_size, f"batch size → {batch_size}")

    def set_epochs(self, epochs: int | None) -> None:
        """A new epoch limit (None: unlimited); a run that ended at the old limit may go on."""
        self.settings = self.settings.changed(epochs=epochs)
        if self.finished == "epochs" and (epochs is None or self.loop.state.epoch < epochs):
            self.finished = None
        elif self.finished is None and epochs is not None and self.loop.state.epoch >= epochs:
            self.finished = "epochs"

    def set_regularization(self, regularization: dict | None) -> dict:
        """Override (or, with None, restore) the kernels' L1/L2 penalties from the next update on."""
        regularization = check_regularization(regularization)
        self.settings = self.settings.changed(regularization=regularization)
        self.regularization.apply(regularization)
        self.objective.has_regularizers = self.network.has_regularizers()
        if self.settings.rule == "gradient":
            from engine.fused import FusedDenseTrainer

            self.loop._fused = FusedDenseTrainer.create(self.loop)  # the fused path runs only unpenalised nets
        text = ("regularization → the layers' own" if regularization is None else
                f"regularization → L1 {regularization['l1']:g}, L2 {regularization['l2']:g}")
        return self._mark("regularization", regularization, text)

    # -- looking --------------------------------------------------------------------------------------
    def _evaluate_part(self, part: str) -> dict:
        xs, ys = self.data.part(part)
        if not len(xs):
            return {}
        import copy

        metric_copies = [copy.deepcopy(metric) for metric in self.loop.metrics]
        targets = self.objective.prepare_targets([ys])
        return evaluate_arrays(self.network, self.objective, [xs], targets, metrics=metric_copies)

    def evaluate(self) -> dict:
        """Loss and metrics of the current weights on every non-empty part: loss, val_loss, test_loss, ..."""
        logs = {}
        for part, prefix in (("train", ""), ("val", "val_"), ("test", "test_")):
            logs.update({prefix + key: value for key, value in self._evaluate_part(part).items()})
        return logs

    def predictions(self, part: str = "test") -> dict:
        """Outputs on one part (the test part by default; the next non-empty one when it is empty)."""
        from engine.session_probe import predictions

        return predictions(self, part)

    def probe(self, request: dict) -> dict:
        """What plots ask for, computed now in this thread (see :func:`engine.session_probe.run_probe`)."""
        return run_probe(self, request)

    def neuron_maths(self, layer: str, unit: int) -> dict:
        """Step one sample and explain it for one Dense neuron (see :mod:`engine.session_maths`)."""
        from engine.session_maths import step_with_maths

        return step_with_maths(self, layer, unit)


def history_to_csv(history: list[dict]) -> str:
    """Per-epoch logs as CSV text: an ``epoch`` column first, then every logged value (blank when missing)."""
    keys = ["epoch"] + sorted({key for logs in history for key in logs} - {"epoch"})
    lines = [",".join(keys)]
    for index, logs in enumerate(history, start=1):
        row = []
        for key in keys:
            value = logs.get(key, index if key == "epoch" else None)
            row.append("" if value is None else (f"{value:.9g}" if isinstance(value, float) else str(value)))
        lines.append(",".join(row))
    return "\n".join(lines) + "\n"
