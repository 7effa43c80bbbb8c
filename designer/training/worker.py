"""The training thread: a :class:`TrainingWorker` living in a QThread owns the engine's TrainingSession, and the
GUI drives it through a :class:`designer.training.controller.TrainingController`.

Commands travel as queued signals (processed in order, in the worker's thread); Pause also raises a
thread-safe flag that the session checks between batches, so training stops within one batch (or one
bounded fused call), far below 200 ms. Training runs in short chunks (``CHUNK_SECONDS``) re-scheduled through
the worker's event loop, so queued commands (a new learning rate, Pause, Step) are taken between chunks.

The worker never signals per batch: it keeps the newest snapshot (plain data and array copies, see
:meth:`TrainingWorker.snapshot`) behind a lock, and the GUI pulls it from a timer at ≤ 30 Hz. Only state
changes ("preparing", "running", "paused", ...) are signalled.
"""
from __future__ import annotations

import itertools
import os
import sys
import threading
import time

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer, Signal

from designer.i18n import tr
from designer.training.job import TrainingJob, history_columns

CHUNK_SECONDS = 0.03  # training between two looks at the command queue
PUBLISH_INTERVAL = 1 / 30  # snapshots at most this often while running
PROBE_INTERVAL = 0.1  # plot probes (weights, plane, feature maps) at most this often while running
# ... and never more than this share of the training thread's time: a probe that takes 15 ms (feature maps
# and pre-activations of a CNN) is repeated only every 0.5 s. Predictions over the test part (the confusion
# matrix) have their own, smaller share: together watching costs training ≤ 5 %.
PROBE_BUDGET = 0.03
PREDICTIONS_BUDGET = 0.02
MAX_PROBE_INTERVAL = 2.0  # a probe slowed by a first compilation must not freeze the plots for long
MAX_PREDICTIONS_INTERVAL = 10.0  # the confusion matrix of a big test part still follows every 10 s
# The training thread yields the CPU to the window when both want it (a shared classroom PC, a busy laptop):
# on Linux it runs this much "nicer" than the GUI thread, so repaints and clicks are not kept waiting.
NICENESS = 5
# States the worker reports; "preparing" covers loading the data and the engine's first compilation.
STATES = ("empty", "preparing", "paused", "running", "diverged", "finished", "error")


class TrainingWorker(QObject):
    """Lives in the training thread. Use it through :class:`designer.training.controller.TrainingController`."""

    state_changed = Signal(str, str)  # state, message (emitted from the training thread: connect queued)
    _command = Signal(int, str, object)

    def __init__(self):
        super().__init__()
        self._lock = threading.Lock()
        self.interrupt = threading.Event()  # Pause/Stop: the session checks it between batches
        self.closing = threading.Event()
        self.done_id = 0  # the last command processed (read by the controller to wait for it)
        self.session = None
        self._running = False
        self._warm = False  # the session has trained once (its kernels are compiled)
        self._speed: float | None = None
        self._explain: tuple[str, int] | None = None
        self._probe_request: dict = {}
        self._probe: dict = {}
        self._probe_errors: dict = {}
        self._maths: dict | None = None
        self._state, self._message = "empty", ""
        self._run = 0
        self._version = 0
        self._trained: dict | None = None
        self._trained_serial = 0
        self._last_publish = self._last_probe = 0.0
        self._probe_cost = 0.0  # seconds the last probe took
        self._probe_seconds = 0.0  # all probes' time since the thread started (what watching costs training)
        self._inputs: dict | None = None  # how the session's samples were scaled (see input_description)
        self._predictions_epoch = None
        self._predictions_time = 0.0  # when predictions were last computed, and how long they took
        self._predictions_cost = 0.0
        self._rate = (time.perf_counter(), 0, 0.0)  # (time, samples seen, samples per second)
        self._snapshot = self._build_snapshot()
        self._tick = QTimer(self)
        self._tick.setSingleShot(True)
        self._tick.timeout.connect(self._run_chunk)
        self._command.connect(self._handle)

    # -- any thread ---------------------------------------------------------------------------------------
    def snapshot(self) -> dict:
        """The newest published snapshot (treat as read-only; it is replaced, never changed)."""
        with self._lock:
            return self._snapshot

    # -- the training thread --------------------------------------------------------------------------------
    def _handle(self, command_id: int, name: str, argument) -> None:
        try:
            if not self.closing.is_set() or name == "shutdown":
                getattr(self, f"_do_{name}")(argument)
        except Exception as error:  # noqa: BLE001 - anything from the engine becomes a message, never a crash
            self._fail(error)
        finally:
            self.done_id = command_id

    def _fail(self, error: Exception) -> None:
        self._running = False
        self._tick.stop()
        self._set_state("error", str(error) or type(error).__name__)
        self._publish(force=True)

    def _set_state(self, state: str, message: str = "") -> None:
        if (state, message) != (self._state, self._message):
            self._state, self._message = state, message
            self.state_changed.emit(state, message)

    def _do_noop(self, _=None) -> None:
        pass

    def _do_nice(self, _=None) -> None:
        """Lower this thread's CPU priority (Linux: a thread's nice value is its own; elsewhere nothing)."""
        if sys.platform.startswith("linux"):
            thread = threading.get_native_id()
            try:
                os.setpriority(os.PRIO_PROCESS, thread, os.getpriority(os.PRIO_PROCESS, thread) + NICENESS)
            except OSError:  # not allowed in some sandboxes: training just keeps the normal priority
                pass

    def _do_load(self, job: TrainingJob) -> None:
        from engine.session import TrainingSession

        self._halt()
        self.session = None
        self._set_state("preparing", "")
        self._publish(force=True)
        self.session = TrainingSession(job.graph, job.settings, job.dataset, weights=job.weights or None,
                                       optimizer_state=job.optimizer_state or None)
        self._warm, self._maths, self._probe, self._probe_errors = False, None, {}, {}
        self._inputs = input_description(self.session)
        self._run += 1
        self._set_state("paused", "; ".join(self.session.notes))
        self._publish(force=True)

    def _do_unload(self, _=None) -> None:
        self._halt()
        self.session = None
        self._inputs = None
        self._run += 1
        self._set_state("empty", "")
        self._publish(force=True)

    def _do_play(self, _=None) -> None:
        session = self.session
        if session is None or self._running:
            return
        if session.diverged or session.finished:
            self.state_changed.emit(self._state, self._message)  # say again why it does not go on
            return
        self._running = True
        self.interrupt.clear()
        self._set_state("running" if self._warm else "preparing", "")
        self._tick.start(0)

    def _do_pause(self, _=None) -> None:
        was_running = self._running
        self._halt()
        if self.session is not None and was_running:
            self._settle("pause")

    def _do_step(self, unit: str) -> None:
        if self.session is None:
            return
        self._halt()
        self.interrupt.clear()
        if not self._warm:
            self._set_state("preparing", "")
        self._maths = None
        if unit == "sample" and self._explain is not None:
            try:
                self._maths = self.session.neuron_maths(*self._explain)
            except ValueError as error:
                self._maths = {"error": str(error)}
                self.session.step("sample")
        else:
            self.session.step(unit, should_stop=self.interrupt.is_set)
        self._warm = True
        self._settle("step")

    def _do_reset(self, seed) -> None:
        if self.session is None:
            return
        self._halt()
        self.session.reset_weights(seed)
        self._run += 1
        self._maths = None
        self._settle("reset")

    def _do_set(self, change: tuple[str, object]) -> None:
        key, value = change
        if self.session is None:
            return
        setter = {"learning_rate": self.session.set_learning_rate, "batch_size": self.session.set_batch_size,
                  "regularization": self.session.set_regularization, "epochs": self.session.set_epochs}[key]
        setter(value)
        if not self._running and self._state in ("diverged", "finished") and not (
                self.session.diverged or self.session.finished):
            self._set_state("paused", "")
        elif not self._running and self.session.finished and self._state == "paused":
            self._set_state("finished", _finished_text(self.session))
        self._publish(force=True)

    def _do_speed(self, speed) -> None:
        self._speed = None if speed is None else max(float(speed), 0.1)

    def _do_explain(self, target) -> None:
        self._explain = None if target is None else (str(target[0]), int(target[1]))

    def _do_probe(self, request: dict) -> None:
        self._probe_request = dict(request or {})
        if not self._running:
            self._publish(force=True)

    def _do_shutdown(self, _=None) -> None:
        self._halt()
        self.session = None
        self.moveToThread(QCoreApplication.instance().thread())  # so the GUI thread can delete us afterwards
        QThread.currentThread().quit()

    def _halt(self) -> None:
        self._running = False
        self._tick.stop()

    def _run_chunk(self) -> None:
        session = self.session
        if not self._running or session is None or self.closing.is_set():
            return
        if self._speed is None:
            session.train(CHUNK_SECONDS, should_stop=self.interrupt.is_set)
        else:
            session.step("batch", should_stop=self.interrupt.is_set)
        if not self._warm:
            self._warm = True
            self._set_state("running", "")
        if session.diverged or session.finished:
            self._halt()
            self._settle("")
            return
        self._publish()
        if self._running and not self.interrupt.is_set():
            self._tick.start(0 if self._speed is None else max(1, int(1000 / self._speed)))

    def _settle(self, reason: str) -> None:
        """After training stopped: say why, and publish the weights for the document."""
        session = self.session
        if session.diverged:
            self._set_state("diverged", session.diverged)
        elif session.finished:
            self._set_state("finished", _finished_text(session))
        else:
            self._set_state("paused", "")
        self._trained_serial += 1
        self._trained = {"serial": self._trained_serial, "reason": reason or self._state,
                         "weights": session.weights(), "optimizer_state": session.optimizer_state(),
                         "history": history_columns(session.history)}
        self._publish(force=True)

    # -- snapshots -------------------------------------------------------------------------------------------
    def _publish(self, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self._last_publish < PUBLISH_INTERVAL:
            return
        self._last_publish = now
        interval = min(max(PROBE_INTERVAL, self._probe_cost / PROBE_BUDGET), MAX_PROBE_INTERVAL)
        if self.session is not None and self._probe_request and (force or now - self._last_probe >= interval):
            self._run_probe(force)
            self._last_probe = time.perf_counter()
            self._probe_seconds += self._last_probe - now
        snapshot = self._build_snapshot()
        with self._lock:
            self._snapshot = snapshot

    def _run_probe(self, force: bool) -> None:
        """Compute what the plots asked for, timing it to keep within PROBE_BUDGET. Predictions over a whole
        part are costly: while running they are refreshed at most once per epoch, and less often when they
        take long; everything else at most every PROBE_INTERVAL (or less often, see _publish)."""
        request = dict(self._probe_request)
        predictions = {"predictions": request.pop("predictions")} if "predictions" in request else {}
        kept = {}
        if predictions and not force and "predictions" in self._probe and not self._predictions_due():
            kept, predictions = {"predictions": self._probe["predictions"]}, {}
        try:
            started = time.perf_counter()
            probe = self.session.probe(request) if request else {}
            self._probe_cost = time.perf_counter() - started
            errors = probe.pop("errors", {})
            if predictions:
                started = time.perf_counter()
                answer = self.session.probe(predictions)
                self._predictions_cost = time.perf_counter() - started
                self._predictions_epoch = (self._run, self.session.loop.state.epoch)
                self._predictions_time = started
                errors.update(answer.pop("errors", {}))
                probe.update(answer)
            self._probe, self._probe_errors = {**kept, **probe}, errors
        except (ValueError, KeyError, IndexError) as error:  # a malformed request
            self._probe, self._probe_errors = kept, {"request": str(error)}

    def _predictions_due(self) -> bool:
        epoch = (self._run, self.session.loop.state.epoch)
        wait = min(self._predictions_cost / PREDICTIONS_BUDGET, MAX_PREDICTIONS_INTERVAL)
        return epoch != self._predictions_epoch and time.perf_counter() - self._predictions_time >= wait

    def _throughput(self, samples: int) -> float:
        then, before, rate = self._rate
        now = time.perf_counter()
        if now - then >= 0.5 or samples < before:
            rate = max(samples - before, 0) / (now - then) if samples >= before else 0.0
            self._rate = (now, samples, rate)
        return rate

    def _build_snapshot(self) -> dict:
        self._version += 1
        session = self.session
        base = {"version": self._version, "run": self._run, "state": self._state, "message": self._message,
                "trained": self._trained, "probe": self._probe, "probe_errors": self._probe_errors,
                "maths": self._maths, "inputs": self._inputs, "probe_seconds": self._probe_seconds}
        if session is None:
            return {**base, "counters": None, "loss": None, "history": [], "iteration_losses": np.zeros((0, 3)),
                    "markers": [], "early_stop": None, "diverged": None, "finished": None, "settings": None,
                    "log_keys": [], "task": None, "class_names": None, "feature_names": [], "part_sizes": None,
                    "throughput": 0.0}
        counters = session.counters()
        log = session.iteration_log
        losses = np.fromiter(itertools.chain.from_iterable(log), np.float64, count=3 * len(log)).reshape(-1, 3)
        return {**base, "counters": counters, "loss": float(losses[-1, 2]) if len(losses) else None,
                "history": list(session.history), "iteration_losses": losses, "markers": list(session.markers),
                "early_stop": session.early_stop, "diverged": session.diverged, "finished": session.finished,
                "settings": session.settings.to_dict(), "log_keys": session.log_keys(),
                "task": session.data.dataset.task, "class_names": session.data.dataset.class_names,
                "feature_names": list(session.data.dataset.feature_names),
                "part_sizes": {part: len(session.data.part(part)[0]) for part in ("train", "val", "test")},
                "throughput": self._throughput(counters["samples_seen"])}


def input_description(session) -> dict:
    """How raw samples become what the network was trained on: ``scaler`` (the fitted engine scaler, applied
    to samples shaped ``shape``, the data set's own), ``pixel_max`` (the data's brightest value: 255 for MNIST
    files, 1.0 for image folders; what a drawn pixel of 1.0 stands for) and ``network_shape`` (the Input's)."""
    data = session.data
    dataset = data.dataset
    pixel_max = (dataset.meta or {}).get("pixel_max")
    if pixel_max is None:
        pixel_max = float(np.nanmax(dataset.x)) if np.size(dataset.x) and dataset.x.dtype.kind in "uif" else 1.0
    return {"scaler": data.split.scaler, "pixel_max": float(pixel_max), "shape": tuple(dataset.input_shape),
            "network_shape": tuple(session.network.input_shapes[0])}


def _finished_text(session) -> str:
    if session.finished == "early_stopping" and session.early_stop:
        stop = session.early_stop
        text = (tr("early stopping: {monitor} stopped improving; the best epoch was {epoch} (its weights were "
                   "restored)") if stop["restored"] else
                tr("early stopping: {monitor} stopped improving; the best epoch was {epoch}"))
        return text.format(monitor=stop["monitor"], epoch=stop["best_epoch"])
    return tr("all {epochs} epochs are done").format(epochs=session.settings.epochs)
