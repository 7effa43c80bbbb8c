"""The training panel: Play / Pause / Step / Reset, a speed control, the epoch / iteration / sample counters,
the data set (a :class:`designer.data.dataset_chooser.DatasetChooser`, plus points drawn on the decision
boundary plot), the training settings, the step-by-sample maths, and export of the trained weights and the
history. It is laid out in folding sections that fit a narrow side dock without scrolling sideways.

It runs training through a :class:`designer.training.worker.TrainingController` (a thread) on a snapshot of
the document, pulls the worker's newest snapshot from a timer (≤ 30 Hz) and re-emits it as
``snapshot_updated`` for the plots. When training pauses, stops or steps, the trained weights are written to
the document with an undoable ``SetWeights`` (consecutive steps merge into one), so "undo training" works and
saving saves them. Learning rate, batch size and regularization edits apply live; any other change to the
network, the data or the settings makes the next Play start a new session from the document (weights that
still fit are kept), and pauses a run in progress with a note saying so.
"""
from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from designer import commands
from designer.data.dataset_chooser import DatasetChooser
from designer.data.point_drawing import PointDrawing
from designer.i18n import tr, tr_engine
from designer.training.controller import TrainingController
from designer.training.job import (DEFAULT_DATASET, LIVE_KEYS, checked_settings, history_rows, job_from_document,
                                   settings_of)
from designer.training.maths_view import NeuronMathsView
from designer.training.panel_widgets import ControlBar, CounterRow, Section
from designer.training.settings_form import SettingsForm

POLL_MS = 33  # ≤ 30 Hz
SPEEDS = (1, 3, 10, 30, 100, 300, None)  # batches per second; None: as fast as the engine goes


def state_text(state: str) -> str:
    return {"empty": tr("Ready: press Play to train"), "preparing": tr("Preparing the engine…"),
            "paused": tr("Paused"), "running": tr("Training…"), "diverged": tr("Stopped: the loss diverged"),
            "finished": tr("Finished"), "error": tr("Cannot train")}.get(state, state)


class StepWeights(commands.SetWeights):
    """The weights after a Step; consecutive steps merge into one undo entry."""

    def id(self):  # noqa: A003 (Qt's name)
        return 0x5EED

    def mergeWith(self, other) -> bool:  # noqa: N802
        if not isinstance(other, StepWeights):
            return False
        self.new = other.new
        return True


class TrainingPanel(QWidget):
    snapshot_updated = Signal(object)  # the worker's newest snapshot (see designer.training.worker)

    def __init__(self, document, selection=None, controller: TrainingController | None = None, parent=None):
        super().__init__(parent)
        self.document = document
        self.selection = selection
        self.controller = controller or TrainingController(self)
        self.state = "empty"
        self._stale = True  # the worker's session no longer matches the document (or there is none)
        self._discard_trained = False  # the document was replaced: weights still coming belong to the old one
        self._writing = False
        self._written_serial = 0
        self._last_version = -1
        self._shown_state = ("empty", "")
        self._settings_seen = settings_of(document)
        self._live = None
        self._build()
        for signal in (document.node_added, document.node_removed, document.node_changed, document.edge_added,
                       document.edge_removed):
            signal.connect(self._on_structure_changed)
        document.graph_replaced.connect(self._on_graph_replaced)
        document.dataset_changed.connect(lambda: self._mark_stale(tr(
            "The data set changed, so training paused. Press Play to train on the new data.")))
        document.weights_changed.connect(self._on_weights_changed)
        document.training_changed.connect(self._on_training_changed)
        self.controller.state_changed.connect(self._on_state)
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.poll)
        self._timer.start()

    # -- layout -----------------------------------------------------------------------------------------
    def _build(self) -> None:
        """Sections for a narrow dock: the controls and counters first (in sight while training), then the
        data, the settings, the maths of one step, and the exports."""
        layout = QVBoxLayout(self)
        layout.setSpacing(6)
        self.controls = ControlBar(SPEEDS)
        self.controls.play_button.clicked.connect(self.toggle_play)
        self.controls.step_button.clicked.connect(lambda: self.step())
        self.controls.reset_button.clicked.connect(self.reset_weights)
        self.controls.speed_slider.valueChanged.connect(self._speed_changed)
        for name in ("play_button", "step_button", "step_unit_combo", "reset_button", "speed_slider", "speed_label",
                     "status_label", "banner"):
            setattr(self, name, getattr(self.controls, name))
        self.status_label.setText(state_text("empty"))
        self._speed_changed()
        self.counters = CounterRow()
        self.epoch_label, self.iteration_label, self.samples_label = (
            self.counters.values[key] for key in ("epoch", "iteration", "samples_seen"))
        layout.addWidget(Section(tr("Controls"), self.controls))
        layout.addWidget(Section(tr("Counters"), self.counters))
        self.chooser = DatasetChooser(with_split=False, compact=True)
        self.form = SettingsForm(self.document)
        self.form.problem.connect(self.show_problem)
        self.form.set_dataset_widget(self.chooser)
        self.drawing = PointDrawing(self.document, self._shown_dataset, self._input_scaler, self)
        self.chooser.loaded.connect(lambda _ds: self.drawing.refresh())
        self.data_section = Section(tr("Data"), self.chooser)
        self.settings_section = Section(tr("Training settings"), self.form)
        layout.addWidget(self.data_section)
        layout.addWidget(self.settings_section)
        self.maths_view = NeuronMathsView()
        self.maths_section = Section(tr("Visible maths: one neuron, one step"), self.maths_view)
        self.maths_section.setToolTip(tr("Step by sample: the maths of one neuron"))
        layout.addWidget(self.maths_section)
        self.export_weights_button = QPushButton(tr("Export weights…"))
        self.export_weights_button.clicked.connect(lambda: self.export_weights())
        self.export_history_button = QPushButton(tr("Export history…"))
        self.export_history_button.clicked.connect(lambda: self.export_history())
        exports = QHBoxLayout()
        exports.addWidget(self.export_weights_button)
        exports.addWidget(self.export_history_button)
        layout.addLayout(exports)
        layout.addStretch(1)

    # -- plots the panel works with ---------------------------------------------------------------------------
    @property
    def live(self):
        """The LivePlots feeding the plot docks (set by whoever builds them)."""
        return self._live

    @live.setter
    def live(self, live) -> None:
        self._live = live
        # the plots are added right after this: look for the boundary plot once they are all there
        QTimer.singleShot(0, self, self.attach_plots)

    def attach_plots(self) -> None:
        """Let clicks on the decision boundary plot (with "Add points" ticked) add drawn points."""
        plot = getattr(self._live, "plots", {}).get("boundary") if self._live is not None else None
        if plot is not None:
            self.drawing.attach(plot)

    def _shown_dataset(self):
        return self.chooser.dataset() if self.chooser.showing(self.document.dataset or DEFAULT_DATASET) else None

    def _input_scaler(self):
        """The input scaler of the last session: the units of the plane the boundary plot shows."""
        return (self.controller.snapshot().get("inputs") or {}).get("scaler")

    # -- commands -----------------------------------------------------------------------------------------
    def speed(self) -> float | None:
        return SPEEDS[self.speed_slider.value()]

    def _speed_changed(self) -> None:
        speed = self.speed()
        self.speed_label.setText(tr("maximum") if speed is None else tr("{n} batches/s").format(n=speed))
        self.controller.set_speed(speed)

    def toggle_play(self) -> None:
        if self.state in ("running", "preparing") and not self._stale:
            self.pause()
        else:
            self.play()

    def play(self) -> None:
        if self._ensure_session():
            self.controller.set_speed(self.speed())
            self.controller.play()

    def pause(self) -> None:
        self.controller.pause()

    stop = pause

    def step(self, unit: str | None = None) -> None:
        unit = unit or self.step_unit_combo.currentData()
        if not self._ensure_session():
            return
        if unit == "sample":
            self.controller.set_explain(self._explain_target())
        self.controller.step(unit)

    def reset_weights(self) -> None:
        self.controller.pause()
        self.flush(sync=True)
        if not self._stale and self.state not in ("empty", "error"):
            self.controller.reset()  # the fresh weights come back as a "reset" snapshot
            return
        self._push_weights(commands.SetWeights(self.document, {}, tr("Reset weights"), optimizer_state={},
                                               history={}))
        self._stale = True
        self._ensure_session()

    def _explain_target(self) -> tuple[str, int] | None:
        neuron = getattr(self.selection, "neuron", None) if self.selection is not None else None
        if not neuron or neuron[0] not in self.document.graph.nodes:
            return None
        return self.document.graph.nodes[neuron[0]].name, int(neuron[1])

    def _ensure_session(self) -> bool:
        """Give the worker a session built from the document when the one it has is out of date."""
        if not self._stale:
            return True
        self.flush(sync=True)  # weights trained by the old session go to the document first
        try:
            checked_settings(self.document)
        except ValueError as error:
            self.show_problem(str(error))
            return False
        self.controller.load(job_from_document(self.document))
        self._discard_trained = False
        self._stale = False
        self.banner.hide()
        return True

    # -- the document changed -------------------------------------------------------------------------------
    def _mark_stale(self, message: str) -> None:
        self._stale = True
        if self.state in ("running", "preparing"):
            self.controller.pause()
            self.banner.setText(message)
            self.banner.show()

    def _on_structure_changed(self, *_) -> None:
        self._mark_stale(tr("The network changed, so training paused. Press Play to train the new network (the "
                            "weights that still fit are kept) or Reset weights to start afresh."))

    def _on_graph_replaced(self) -> None:
        """Another project (or a replaced network): what the old session trained does not belong to it."""
        self._on_structure_changed()
        self._discard_trained = True
        self.controller.unload()

    def _on_weights_changed(self) -> None:
        if not self._writing:
            self._mark_stale(tr("The weights were changed, so training paused. Press Play to go on from them."))

    def _on_training_changed(self) -> None:
        now = settings_of(self.document)
        changed = {key for key in set(now) | set(self._settings_seen) if now.get(key) != self._settings_seen.get(key)}
        self._settings_seen = now
        if not changed:
            return
        if changed <= set(LIVE_KEYS) and not self._stale and self.state not in ("empty", "error"):
            try:
                settings = checked_settings(self.document)
            except ValueError as error:
                self.show_problem(str(error))
                return
            for key in sorted(changed):
                getattr(self.controller, f"set_{key}")(getattr(settings, key))
            return
        self._mark_stale(tr("The training settings changed, so training paused. Press Play to go on with them."))

    # -- the worker reports -------------------------------------------------------------------------------
    def _on_state(self, state: str, message: str) -> None:
        self.state = state
        self._shown_state = (state, message)
        text, message = state_text(state), tr_engine(message)
        self.status_label.setText(f"{text}\n{message}" if message else text)
        self.status_label.setStyleSheet("color: #b3261e;" if state in ("diverged", "error") else "")
        running = state in ("running", "preparing")
        self.controls.show_running(running)
        self.form.set_running(running)
        if state == "error":
            self._stale = True  # fix the problem and press Play again: a new session is built

    def poll(self) -> None:
        """Take the worker's newest snapshot (timer-driven; tests may call it)."""
        snapshot = self.controller.snapshot()
        if snapshot["version"] == self._last_version:
            return
        self._last_version = snapshot["version"]
        if (snapshot["state"], snapshot["message"]) != self._shown_state:
            self._on_state(snapshot["state"], snapshot["message"])  # the signal may still be queued
        counters = snapshot["counters"] or {"epoch": 0, "iteration": 0, "samples_seen": 0}
        self.epoch_label.setText(f"{counters['epoch']:,}".replace(",", " "))
        self.iteration_label.setText(f"{counters['iteration']:,}".replace(",", " "))
        self.samples_label.setText(f"{counters['samples_seen']:,}".replace(",", " "))
        self._write_trained(snapshot)
        self.maths_view.show_maths(snapshot["maths"])
        self.snapshot_updated.emit(snapshot)

    def flush(self, sync: bool = False) -> None:
        """Write weights the worker has published but the document does not have yet."""
        if sync:
            self.controller.sync()
        self.poll()

    def _write_trained(self, snapshot: dict) -> None:
        trained = snapshot["trained"]
        if not trained or trained["serial"] <= self._written_serial:
            return
        self._written_serial = trained["serial"]
        if self._discard_trained:
            return
        reason = trained["reason"]
        if reason == "step":
            command = StepWeights(self.document, trained["weights"], tr("Train by steps"),
                                  trained["optimizer_state"], trained["history"])
        else:
            text = tr("Reset weights") if reason == "reset" else tr("Train")
            command = commands.SetWeights(self.document, trained["weights"], text, trained["optimizer_state"],
                                          trained["history"])
        self._push_weights(command)

    def _push_weights(self, command) -> None:
        self._writing = True
        try:
            self.document.push(command)
        finally:
            self._writing = False

    def show_problem(self, text: str) -> None:
        self.status_label.setText(tr_engine(text))
        self.status_label.setStyleSheet("color: #b3261e;")

    # -- export ---------------------------------------------------------------------------------------------
    def export_weights(self, path: str | None = None) -> str | None:
        """Write the trained weights to an .npz file (asks where when ``path`` is None)."""
        from engine.io import save_weights_npz

        self.flush(sync=True)
        if not self.document.weights:
            self.show_problem(tr("There are no trained weights yet: press Play or Step first."))
            return None
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, tr("Export weights"), f"{self.document.title}.npz",
                                                  tr("NumPy weights (*.npz)"))
            if not path:
                return None
        save_weights_npz(path, self.document.weights)
        return path

    def export_history(self, path: str | None = None) -> str | None:
        """Write the per-epoch history (loss, metrics, validation and test values) as CSV."""
        from engine.io import atomic_write_bytes
        from engine.session import history_to_csv

        self.flush(sync=True)
        rows = self.controller.snapshot()["history"] or history_rows(self.document.history)
        if not rows:
            self.show_problem(tr("There is no history yet: train for at least one epoch."))
            return None
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, tr("Export history"), f"{self.document.title}.csv",
                                                  tr("CSV table (*.csv)"))
            if not path:
                return None
        atomic_write_bytes(path, history_to_csv(rows).encode("utf-8"))
        return path

    # -- closing ------------------------------------------------------------------------------------------
    def stop_and_wait(self, timeout: float = 5.0) -> bool:
        """Stop training, wait for the worker, and put its weights in the document (before 'save changes?')."""
        stopped = self.controller.stop_and_wait(timeout)
        self.flush()
        return stopped

    def shutdown(self) -> bool:
        self._timer.stop()
        self.chooser.task.stop()  # a data set still loading for the chooser
        return self.controller.shutdown()
