"""The "Draw a digit" dock: a drawing pad (:class:`designer.data.digit_pad.DigitPad`) asking the network being
designed what digit it sees, with the newest weights (live while training, else the document's).

The pad gives a 28×28 image in [0, 1]; the network was trained on the data set's raw pixels (0..255 for the
MNIST files) passed through the session's fitted scaler. :class:`DigitModel` makes the drawing go the same
way: × ``pixel_max``, the same scaler, reshaped to the Input's shape. The scaling comes from the training
worker's snapshot (``snapshot["inputs"]``) when a session exists, else it is rebuilt from the document's data
set and settings on a worker thread (loading MNIST takes a moment). The engine network is rebuilt only when
the graph changes and its weights are copied only when they change (at most every ``LIVE_INTERVAL`` while
training). The dock shows only for networks whose single Input takes 28×28, 28×28×1 or 784 values.
"""
from __future__ import annotations

import json
import time

import numpy as np
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QDockWidget, QLabel, QVBoxLayout, QWidget

from designer.collector import collect_on_gui_thread
from designer.i18n import tr
from designer.neuron_view.weights import graph_key
from designer.training.live import DockOnScreen

OWNER = "digit_dock"
DIGIT_SHAPES = ([28, 28], [28, 28, 1], [784])
MAX_CLASSES = 62  # EMNIST's letters and digits: more outputs than that are not classes of a drawing
LIVE_INTERVAL = 0.5  # seconds between two live weight updates of the pad's model while training
RUNNING = ("running", "preparing")


def digit_input_shape(graph) -> tuple | None:
    """The shape of the graph's one Input when it takes a 28×28 digit, else None."""
    inputs = [node for node in graph if node.layer_type == "Input"]
    if len(inputs) != 1:
        return None
    try:
        shape = [int(size) for size in inputs[0].params.get("shape") or []]
    except (TypeError, ValueError):
        return None
    return tuple(shape) if shape in DIGIT_SHAPES else None


def takes_digits(graph, analysis=None) -> bool:
    """True for a network reading one 28×28 digit and giving one score per class (2..MAX_CLASSES); an
    autoencoder's 784 outputs are not classes."""
    if digit_input_shape(graph) is None:
        return False
    if analysis is None or not analysis.output_ids:
        return True  # not analysed yet: the input is what matters most
    shapes = [analysis.output_shapes.get(node_id) for node_id in analysis.output_ids]
    return (len(shapes) == 1 and shapes[0] is not None and len(shapes[0]) == 1
            and 2 <= (shapes[0][0] or 0) <= MAX_CLASSES)


def inputs_from_document(dataset_spec: dict, training: dict) -> dict:
    """The input description a session of this data set and these settings would have (see
    designer.training.worker.input_description), computed the same way: split by the settings' ratios and
    seed, the scaler fitted on the training part. ValueError / DataError when the data cannot be loaded."""
    from engine import datasets
    from engine.session_settings import TrainingSettings

    from designer.training.job import SETTING_KEYS

    settings = TrainingSettings.from_dict({key: value for key, value in training.items() if key in SETTING_KEYS})
    dataset = datasets.from_spec(dataset_spec)
    ratios = settings.split if settings.split is not None else (None, None, None)
    parts = dataset.split(*ratios, seed=settings.seed)
    scaler = datasets.make_scaler(settings.scaling)
    if not scaler.fitted:
        scaler.fit(parts.x_train)
    pixel_max = (dataset.meta or {}).get("pixel_max") or float(np.nanmax(dataset.x))
    return {"scaler": scaler, "pixel_max": float(pixel_max), "shape": tuple(dataset.input_shape),
            "network_shape": None, "class_names": dataset.class_names}


class DigitModel:
    """The document's network with given weights and input scaling, answering for one drawn digit."""

    def __init__(self):
        self.network = None
        self._graph_key: str | None = None
        self.weights: dict | None = None
        self.inputs: dict | None = None

    def set_graph(self, graph) -> None:
        """Build the network again only when the graph differs from the last one (by layers and wires)."""
        key = graph_key(graph, 0)
        if key == self._graph_key:
            return
        from engine.network import Network

        self._graph_key, self.weights = key, None
        try:
            self.network = Network(graph.copy(), seed=0)
        except Exception:  # noqa: BLE001 - a graph being edited may not build: no answers until it does
            self.network = None

    def set_weights(self, weights: dict | None) -> bool:
        """Copy ``weights`` in (skipped when it is the same dict as last time); False when some weight is
        missing or of another shape (an untrained or edited network)."""
        if self.network is None or not weights:
            self.weights = None
            return False
        if weights is self.weights:
            return True
        for layer, slot in self.network.variables:
            value = weights.get(f"{layer.name}/{slot.spec.name}")
            if value is None or np.shape(value) != slot.value.shape:
                self.weights = None
                return False
        for layer, slot in self.network.variables:
            slot.value[...] = weights[f"{layer.name}/{slot.spec.name}"]
        self.weights = weights
        return True

    @property
    def ready(self) -> bool:
        return self.network is not None and self.weights is not None and self.inputs is not None

    def prepare(self, image: np.ndarray) -> np.ndarray:
        """A drawn digit as the network's training samples were. Shapes: (28, 28) in [0, 1] -> (1, *input)."""
        inputs = self.inputs
        raw = np.asarray(image, np.float64) * inputs["pixel_max"]
        sample = raw.reshape((1,) + tuple(inputs["shape"]))
        scaled = inputs["scaler"].transform(sample) if inputs["scaler"] is not None else sample
        return np.asarray(scaled, np.float32).reshape((1,) + tuple(self.network.input_shapes[0]))

    def predict(self, image: np.ndarray) -> np.ndarray:
        """One probability per class for a drawn digit (a softmax is applied when the output is not one)."""
        output = np.asarray(self.network.forward([self.prepare(image)], training=False)[0][0], np.float64).ravel()
        if output.size > 1 and (np.any(output < 0) or abs(output.sum() - 1.0) > 1e-3):
            shifted = np.exp(output - output.max())
            output = shifted / shifted.sum()
        return output


class _Relay(QObject):
    done = Signal(str, object)


class _ScalingJob(QRunnable):
    def __init__(self, key: str, spec: dict, training: dict, relay: _Relay):
        super().__init__()
        self.key, self.spec, self.training, self.relay = key, spec, training, relay

    def run(self) -> None:
        try:
            result = inputs_from_document(self.spec, self.training)
        except Exception as error:  # noqa: BLE001 - missing files, bad settings: said in the dock
            result = error
        self.relay.done.emit(self.key, result)


class DigitDock(QDockWidget):
    """The dock (object name ``digit_dock``); ``pad`` is the DigitPad, ``model`` the DigitModel it asks."""

    def __init__(self, document, panel, parent=None):
        super().__init__(tr("Draw a digit"), parent)
        from designer.data.digit_pad import DigitPad

        self.setObjectName("digit_dock")
        self.document, self.panel = document, panel
        self.model = DigitModel()
        self.pad = DigitPad()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color: #555;")
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(self.status)
        layout.addWidget(self.pad, 1)
        self.setWidget(body)
        self._snapshot: dict | None = None
        self._live_at = 0.0
        self._asked: dict | None = None
        self._scaling_key: str | None = None
        self._scaling: dict = {}  # key -> input description or the error met while computing it
        self._relay = _Relay(self)
        self._relay.done.connect(self._on_scaling)
        collect_on_gui_thread()  # before any job runs Python in the pool
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        panel.snapshot_updated.connect(self._on_snapshot)
        for signal in (document.graph_replaced, document.node_added, document.node_removed, document.node_changed,
                       document.edge_added, document.edge_removed):
            signal.connect(self.update_fit)
        for signal in (document.weights_changed, document.dataset_changed, document.training_changed):
            signal.connect(self.refresh)
        document.analysis_changed.connect(self.update_fit)
        self._on_screen = DockOnScreen(self)  # isVisible() alone is true for a back tab too
        self._on_screen.changed.connect(lambda _visible: self.refresh())
        self.fits = takes_digits(document.graph, document.analysis)
        self.toggleViewAction().setEnabled(self.fits)

    # -- showing the dock ---------------------------------------------------------------------------------
    def update_fit(self, *_) -> None:
        """Show the dock when the network starts taking digits, hide it when it stops."""
        fits = takes_digits(self.document.graph, self.document.analysis)
        self.toggleViewAction().setEnabled(fits)
        if fits != self.fits:
            self.fits = fits
            self.setVisible(fits)
        self.refresh()

    def watching(self) -> bool:
        return self.fits and self._on_screen.on_screen and self.isVisible()

    # -- the model ----------------------------------------------------------------------------------------
    def _on_snapshot(self, snapshot: dict) -> None:
        self._snapshot = snapshot
        if not self.watching():
            return
        if snapshot["state"] in RUNNING:
            if time.perf_counter() - self._live_at >= LIVE_INTERVAL and snapshot["probe"].get("weights"):
                self._live_at = time.perf_counter()
                self.refresh()
        elif self.model.weights is not self.document.weights:
            self.refresh()

    def _newest_weights(self) -> tuple[dict | None, bool]:
        """The newest weights and whether they are live ones from training."""
        snapshot = self._snapshot
        if snapshot is not None and snapshot["state"] in RUNNING and snapshot["probe"].get("weights"):
            return snapshot["probe"]["weights"], True
        return self.document.weights, False

    def _inputs(self) -> dict | None:
        """How to scale a drawing: the session's scaling, else the document's (computed off the GUI thread)."""
        snapshot = self._snapshot
        if snapshot is not None and snapshot.get("inputs"):
            return {**snapshot["inputs"], "class_names": snapshot.get("class_names")}
        spec = self.document.dataset
        if not spec:
            return None
        key = json.dumps([spec, self.document.training], sort_keys=True, default=repr)
        if key in self._scaling:
            found = self._scaling[key]
            return None if isinstance(found, Exception) else found
        if key != self._scaling_key:
            self._scaling_key = key
            self._pool.start(_ScalingJob(key, dict(spec), dict(self.document.training), self._relay))
        return None

    def _on_scaling(self, key: str, result) -> None:
        self._scaling = {key: result}  # only the newest is worth keeping (a fitted MNIST scaler is small)
        self.refresh()

    def refresh(self, *_) -> None:
        """Point the pad at the current network, weights and scaling (or at nothing, saying why)."""
        wanted = {"weights": True} if self.watching() else None
        if wanted != self._asked and getattr(self.panel, "live", None) is not None:
            self._asked = wanted
            self.panel.live.ask(OWNER, wanted)
        if not self.watching():
            return
        self.model.set_graph(self.document.graph)
        weights, live = self._newest_weights()
        trained = self.model.set_weights(weights)
        self.model.inputs = self._inputs() if trained else None
        error = self._scaling.get(self._scaling_key) if not self.model.inputs else None
        if self.model.network is None:
            text = tr("The network cannot be built yet: fix the problems shown on the canvas.")
        elif not trained:
            text = tr("Train the network on digits first: it has no trained weights yet.")
        elif isinstance(error, Exception):
            text = tr("The data set cannot be loaded to scale the drawing like the training data: {error}").format(
                error=error)
        elif self.model.inputs is None:
            text = tr("Preparing the input scaling…")
        else:
            text = tr("Asking the network as it trains (live weights).") if live else tr(
                "Asking the trained network.")
        self.status.setText(text)
        if self.model.ready:
            self.pad.set_predict(self.model.predict, self.model.inputs.get("class_names"))
        else:
            self.pad.set_predict(None)

    def shutdown(self) -> None:
        """Wait for a scaling job (closing must not leave a thread behind)."""
        self._pool.waitForDone()


def build_digit_dock(window) -> DigitDock:
    """The dock, tabbed with the plots on the right of the bottom area (hidden unless the network fits)."""
    dock = DigitDock(window.document, window.training_panel, window)
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    neighbour = window.plot_docks.get("boundary")
    if neighbour is not None:
        window.tabifyDockWidget(neighbour, dock)
        neighbour.raise_()
    dock.setVisible(dock.fits)
    return dock
