"""The training docks: the training panel, and the live plots fed from the training worker's snapshots.

:class:`LivePlots` listens to ``TrainingPanel.snapshot_updated`` (≤ 30 Hz), feeds every visible plot only
what is new (epochs, per-iteration losses and markers are appended; pictures are replaced), and tells the
worker what to compute for the visible plots (weights, pre-activations of the selected layer, the decision
plane, predictions, feature maps or hidden states of a chosen sample). Hidden plots cost nothing.
"""
from __future__ import annotations

import importlib
import time

import numpy as np
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QDockWidget, QScrollArea

from designer.i18n import tr
from designer.training.panel import TrainingPanel
from engine.layers.registry import UnknownLayerError, layer_class

PLANE_RESOLUTION = 50
FEED_INTERVAL = 0.1  # seconds between plot updates while running: repainting plots is what costs the GUI
MAX_EPOCHS_PER_FRAME = 12  # a quick net may finish thousands of epochs between frames
CONV_TYPES = ("Conv1D", "Conv2D", "Conv2DTranspose")
RECURRENT_TYPES = ("SimpleRNN", "LSTM", "GRU")


def plot_specs() -> list[tuple[str, str, str, str]]:
    """(key, dock title, module, class) of every live plot, in dock order."""
    return [("loss", tr("Loss"), "designer.plots.loss", "LossPlot"),
            ("boundary", tr("Decision boundary"), "designer.plots.boundary", "BoundaryPlot"),
            ("weights", tr("Weights"), "designer.plots.weights", "WeightsPlot"),
            ("activation", tr("Activation"), "designer.plots.activation", "ActivationPlot"),
            ("confusion", tr("Confusion matrix"), "designer.plots.evaluation", "ConfusionPlot"),
            ("regression", tr("Predicted vs true"), "designer.plots.evaluation", "RegressionPlot"),
            ("filters", tr("Filters"), "designer.plots.conv", "FiltersPlot"),
            ("feature_maps", tr("Feature maps"), "designer.plots.conv", "FeatureMapsPlot"),
            ("hidden_states", tr("Hidden states"), "designer.plots.recurrent", "HiddenStatesPlot")]


def _has_param(layer_type: str, name: str) -> bool:
    try:
        return any(spec.name == name for spec in layer_class(layer_type).param_specs)
    except UnknownLayerError:
        return False


class LivePlots(QObject):
    def __init__(self, panel: TrainingPanel, document, selection=None, parent=None):
        super().__init__(parent)
        self.panel, self.document, self.selection = panel, document, selection
        self.plots: dict = {}
        self._shown: dict[str, bool] = {}
        self._request: dict | None = None
        self._extra: dict[str, dict] = {}
        self._sample = 0
        self._reset_progress(None)
        self._last_probe = None
        self._fed = 0.0
        panel.snapshot_updated.connect(self.update)
        if selection is not None:
            selection.changed.connect(self.refresh_request)
        for signal in (document.graph_replaced, document.node_added, document.node_removed, document.node_changed):
            signal.connect(self.refresh_request)

    def add(self, key: str, plot, dock: QDockWidget | None = None) -> None:
        self.plots[key] = plot
        self._shown[key] = True
        if dock is not None:
            dock.visibilityChanged.connect(lambda visible, key=key: self._set_shown(key, visible))
        if hasattr(plot, "sample_changed"):
            plot.sample_changed.connect(self._set_sample)
        self.refresh_request()

    def _set_shown(self, key: str, visible: bool) -> None:
        self._shown[key] = visible
        self.refresh_request()

    def _set_sample(self, index: int) -> None:
        self._sample = int(index)
        self.refresh_request()

    def shown(self, key: str) -> bool:
        return key in self.plots and self._shown.get(key, False)

    # -- which layer each plot shows -------------------------------------------------------------------------
    def _nodes(self) -> list:
        order = getattr(self.document.analysis, "order", None) or list(self.document.graph.nodes)
        return [self.document.graph.nodes[i] for i in order if i in self.document.graph.nodes]

    def layer_for(self, wanted) -> object | None:
        """The selected node if ``wanted(node)``, else the first such node in data-flow order."""
        current = getattr(self.selection, "current", None)
        if current in self.document.graph.nodes and wanted(self.document.graph.nodes[current]):
            return self.document.graph.nodes[current]
        return next((node for node in self._nodes() if wanted(node)), None)

    def probe_request(self) -> dict:
        request: dict = {}
        if self.shown("weights") or self.shown("filters"):
            request["weights"] = True
        if self.shown("activation"):
            node = self.layer_for(lambda n: _has_param(n.layer_type, "activation"))
            if node is not None:
                request["pre_activations"] = node.name
        if self.shown("boundary"):
            request["plane"] = {"resolution": PLANE_RESOLUTION, "points": True}
        if self.shown("confusion") or self.shown("regression"):
            request["predictions"] = {"part": "test"}
        layers = [node.name for key, types in (("feature_maps", CONV_TYPES), ("hidden_states", RECURRENT_TYPES))
                  if self.shown(key) for node in [self.layer_for(lambda n, t=types: n.layer_type in t)] if node]
        if layers:
            request["layer_outputs"] = {"sample": self._sample, "part": "test", "layers": layers}
        return request

    def ask(self, owner: str, request: dict | None) -> None:
        """Another view's needs (e.g. the neuron view's per-neuron planes: ``{"plane": {...}}``), merged into the
        request; None withdraws them. Answers arrive in ``snapshot["probe"]`` via ``panel.snapshot_updated``."""
        if request:
            self._extra[owner] = dict(request)
        else:
            self._extra.pop(owner, None)
        self.refresh_request()

    def refresh_request(self, *_) -> None:
        request = self.probe_request()
        for extra in self._extra.values():
            for key, value in extra.items():
                if isinstance(value, dict) and isinstance(request.get(key), dict):
                    request[key] = {**value, **request[key]}
                else:
                    request.setdefault(key, value)
        if request != self._request:
            self._request = request
            self.panel.controller.set_probe_request(request)

    # -- feeding the plots -------------------------------------------------------------------------------------
    def _reset_progress(self, run) -> None:
        self._run, self._last_epoch, self._last_iteration, self._markers_seen = run, 0, -1, 0
        self._points_run = None

    def update(self, snapshot: dict) -> None:
        now = time.perf_counter()
        if snapshot["state"] == "running" and snapshot["run"] == self._run and now - self._fed < FEED_INTERVAL:
            return
        self._fed = now
        if snapshot["run"] != self._run:
            self._reset_progress(snapshot["run"])
            if "loss" in self.plots:
                self.plots["loss"].clear()
        if "loss" in self.plots:
            self._feed_loss(self.plots["loss"], snapshot)
        probe = snapshot["probe"]
        if probe is self._last_probe:
            return
        self._last_probe = probe
        for key, feed in (("weights", self._feed_weights), ("activation", self._feed_activation),
                          ("boundary", self._feed_boundary), ("confusion", self._feed_predictions),
                          ("filters", self._feed_filters), ("feature_maps", self._feed_layer_outputs),
                          ("hidden_states", self._feed_layer_outputs)):
            if self.shown(key) or (key == "confusion" and self.shown("regression")):
                feed(snapshot, probe, key)

    def _feed_loss(self, plot, snapshot: dict) -> None:
        history = snapshot["history"]
        start = len(history)
        while start > 0 and history[start - 1].get("epoch", 0) > self._last_epoch:
            start -= 1
        new = history[start:]
        if len(new) > MAX_EPOCHS_PER_FRAME:  # every k-th epoch (and the newest): the curve looks the same
            step = -(-len(new) // MAX_EPOCHS_PER_FRAME)
            new = new[::-1][::step][::-1]
        if new:
            # Quick nets finish hundreds of epochs between two frames: add them all, redraw once.
            if hasattr(plot, "append_epochs"):
                plot.append_epochs(new)
            else:
                for logs in new[:-1]:
                    plot._append(logs, logs["epoch"])
                plot.append_epoch(new[-1], epoch=new[-1]["epoch"])
            self._last_epoch = new[-1]["epoch"]
        losses = snapshot["iteration_losses"]
        new = losses[losses[:, 0] > self._last_iteration] if len(losses) else losses
        if len(new):
            plot.add_iteration_losses(new[:, 1], new[:, 2])
            self._last_iteration = int(new[-1, 0])
        markers = snapshot["markers"]
        for marker in markers[self._markers_seen:] if len(markers) >= self._markers_seen else markers:
            plot.add_marker(marker["epoch"], marker["text"])
        self._markers_seen = len(markers)
        stop = snapshot["early_stop"]
        plot.set_best_epoch(stop["best_epoch"] if stop else None)

    def _feed_weights(self, snapshot, probe, key) -> None:
        if "weights" in probe:
            self.plots[key].set_weights(probe["weights"], probe.get("gradients"))

    def _feed_activation(self, snapshot, probe, key) -> None:
        values = probe.get("pre_activations") or {}
        for name, array in values.items():
            node = next((n for n in self.document.graph.nodes.values() if n.name == name), None)
            if node is not None:
                self.plots[key].set_activation(node.params.get("activation") or "linear")
            self.plots[key].set_preactivations(array)

    def _feed_boundary(self, snapshot, probe, key) -> None:
        plane = probe.get("plane")
        if plane is None:
            return
        plot = self.plots[key]
        output = plane["output"]
        task = ("regression" if not snapshot["class_names"] else "binary" if output.shape[0] == 1 else "multiclass")
        plot.set_grid(plane["x_range"], plane["y_range"], output, task)
        if self._points_run != snapshot["run"] and "points" in plane:
            self._points_run = snapshot["run"]
            names = snapshot["feature_names"]
            features = plane["features"]
            if len(names) > max(features):
                plot.set_feature_names(names[features[0]], names[features[1]])
            train = plane["points"].get("train", (None, None))
            test = plane["points"].get("test", (None, None))
            plot.set_points(train[0], train[1], test[0], test[1])

    def _feed_predictions(self, snapshot, probe, key) -> None:
        predictions = probe.get("predictions")
        if predictions is None:
            return
        if "y_pred" in predictions and "confusion" in self.plots:
            self.plots["confusion"].set_predictions(predictions["y_true"], predictions["y_pred"],
                                                    predictions.get("class_names"))
        elif "y_pred" not in predictions and "regression" in self.plots:
            self.plots["regression"].set_predictions(predictions["y_true"], predictions["outputs"])

    def _feed_filters(self, snapshot, probe, key) -> None:
        node = self.layer_for(lambda n: n.layer_type in CONV_TYPES)
        kernel = (probe.get("weights") or {}).get(f"{node.name}/kernel") if node is not None else None
        if kernel is not None:
            self.plots[key].set_kernel(kernel)

    def _feed_layer_outputs(self, snapshot, probe, key) -> None:
        outputs, sample = probe.get("layer_outputs"), probe.get("sample")
        if not outputs or sample is None:
            return
        plot = self.plots[key]
        sizes = snapshot["part_sizes"] or {}
        if hasattr(plot, "set_sample_count"):
            plot.set_sample_count(sizes.get(sample["part"], 0))
        types = CONV_TYPES if key == "feature_maps" else RECURRENT_TYPES
        node = self.layer_for(lambda n: n.layer_type in types)
        if node is None or node.name not in outputs:
            return
        x = np.asarray(sample["x"])
        if key == "feature_maps":
            plot.set_maps(outputs[node.name], x if x.ndim in (2, 3) else None)
        else:
            plot.set_states(outputs[node.name], x)


def build_training_docks(window) -> tuple[TrainingPanel, dict[str, QDockWidget]]:
    """The training panel (right) and the live plot docks (bottom, tabbed) of the main window."""
    panel = TrainingPanel(window.document, window.selection, parent=window)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(panel)
    panel_dock = QDockWidget(tr("Training"), window)
    panel_dock.setObjectName("training_dock")
    panel_dock.setWidget(scroll)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, panel_dock)
    panel.live = LivePlots(panel, window.document, window.selection, panel)
    docks: dict[str, QDockWidget] = {}
    for key, title, module, class_name in plot_specs():
        plot = getattr(importlib.import_module(module), class_name)()
        dock = QDockWidget(title, window)
        dock.setObjectName(f"{key}_dock")
        dock.setWidget(plot)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        docks[key] = dock
        panel.live.add(key, plot, dock)
    # Two tab groups side by side, so two views are in sight at once: how training goes (loss, confusion
    # matrix, predicted vs true) and what the network does (boundary, filters, states, weights...).
    left = [docks[key] for key in ("loss", "confusion", "regression")]
    right = [dock for key, dock in docks.items() if dock not in left]
    window.splitDockWidget(left[0], right[0], Qt.Orientation.Horizontal)
    for group in (left, right):
        for dock in group[1:]:
            window.tabifyDockWidget(group[0], dock)
        group[0].raise_()
    panel.dock = panel_dock
    return panel, docks
