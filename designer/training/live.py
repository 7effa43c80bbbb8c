"""The training docks: the training panel, and the live plots fed from the training worker's snapshots.

:class:`LivePlots` listens to ``TrainingPanel.snapshot_updated`` (≤ 30 Hz), feeds every visible plot only
what is new (epochs, per-iteration losses and markers are appended; pictures are replaced), and tells the
worker what to compute for the visible plots (weights, pre-activations of the selected layer, the decision
plane, predictions, feature maps or hidden states of a chosen sample). Hidden plots cost nothing.

Keeping the window responsive while training: plots are fed at most every ``feed_interval`` seconds (0.1
s, stretched up to 1 s while the GUI thread is busier than ``GUI_SHARE`` of a core, e.g. with every plot on
screen: drawing competes with training for the CPU and Python's lock), one plot per turn of the event loop
(timers, clicks and repaints get in between), and a plot whose update takes long is fed less often while
training runs (at most ``GUI_BUDGET`` of the time goes to it). The worker is asked for no more
pre-activations than a histogram needs.
"""
from __future__ import annotations

import importlib
import time

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QDockWidget, QScrollArea

from designer.i18n import tr
from designer.training.panel import TrainingPanel
from engine.layers.registry import UnknownLayerError, layer_class

PLANE_RESOLUTION = 50
FEED_INTERVAL = 0.1  # seconds between plot updates while running: repainting plots is what costs the GUI
MAX_FEED_INTERVAL = 1.0
GUI_SHARE = 0.1  # while training, the GUI thread's CPU use the plot rate is adapted to (share of one core)
MAX_EPOCHS_PER_FRAME = 12  # a quick net may finish thousands of epochs between frames
GUI_BUDGET = 0.1  # while running, a plot whose update takes t seconds is fed at most every t / GUI_BUDGET s
MAX_FEED_DELAY = 2.0  # ... but at least this often
HISTOGRAM_VALUES = 200_000  # pre-activation values worth sending to the histogram (a CNN layer has millions)
# Feeders in the order they are fed; "confusion" also feeds "predicted vs true".
FEEDS = ("loss", "weights", "activation", "boundary", "confusion", "filters", "feature_maps", "hidden_states")
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


class DockOnScreen(QObject):
    """Whether a dock is on screen: in front of its tab group, or floating and visible (``on_screen``, and
    ``changed(bool)`` when that changes). QDockWidget.visibilityChanged alone misses a dock floated out of a
    tab group or shown again while floating (the old tab bar speaks last), so those cases are looked at again
    once the move has settled."""

    changed = Signal(bool)

    def __init__(self, dock: QDockWidget, on_screen: bool = False):
        super().__init__(dock)
        self.dock, self.on_screen = dock, on_screen
        dock.visibilityChanged.connect(self._set)
        dock.topLevelChanged.connect(lambda _floating: self._look_again())
        dock.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        if event.type() in (QEvent.Type.Show, QEvent.Type.Hide):
            self._look_again()
        return False

    def _look_again(self) -> None:
        QTimer.singleShot(0, self, self._check_floating)  # with a context: never after the dock is gone

    def _check_floating(self) -> None:
        if self.dock.isFloating():
            self._set(self.dock.isVisible())

    def _set(self, visible: bool) -> None:
        if visible != self.on_screen:
            self.on_screen = visible
            self.changed.emit(visible)


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
        self._fed = 0.0
        self.feed_interval = FEED_INTERVAL  # adapted to how busy the GUI thread is (see _adapt_rate)
        self._load_mark = (time.perf_counter(), time.thread_time())
        self._snapshot: dict | None = None  # the newest snapshot, being fed plot by plot
        self._todo: list[str] = []
        self._fed_probe: dict[str, object] = {}  # plot key -> the probe it last showed
        self._next_feed: dict[str, float] = {}  # plot key -> when a slow plot may be fed again while running
        panel.snapshot_updated.connect(self.update)
        if selection is not None:
            selection.changed.connect(self.refresh_request)
        for signal in (document.graph_replaced, document.node_added, document.node_removed, document.node_changed):
            signal.connect(self.refresh_request)

    def add(self, key: str, plot, dock: QDockWidget | None = None) -> None:
        self.plots[key] = plot
        self._shown[key] = True
        if dock is not None:
            DockOnScreen(dock, on_screen=True).changed.connect(lambda visible, key=key: self._set_shown(key, visible))
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
                rows = self._histogram_rows(node)
                if rows is not None:
                    request["rows"] = rows
        if self.shown("boundary") and self._vector_input():
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

    def _vector_input(self) -> bool:
        """One Input of two or more features: the only networks a decision plane can be drawn for."""
        shapes = [node.params.get("shape") for node in self.document.graph.nodes.values()
                  if node.layer_type == "Input"]
        return len(shapes) == 1 and isinstance(shapes[0], (list, tuple)) and len(shapes[0]) == 1 and (
            shapes[0][0] or 0) >= 2

    def _histogram_rows(self, node) -> int | None:
        """Training rows whose pre-activations fill a histogram (None: the engine's default of 512); a
        convolution gives thousands of values per sample, so a few samples are plenty."""
        shape = getattr(self.document.analysis, "output_shapes", {}).get(node.id)
        per_row = int(np.prod([size or 1 for size in shape])) if shape else 0
        if per_row * 512 <= HISTOGRAM_VALUES:
            return None
        return max(1, HISTOGRAM_VALUES // max(per_row, 1))

    def update(self, snapshot: dict) -> None:
        """Take a snapshot; the plots are fed from it one by one on the next turns of the event loop."""
        now = time.perf_counter()
        running = snapshot["state"] == "running"
        if running:
            self._adapt_rate(now)
        if running and snapshot["run"] == self._run and now - self._fed < self.feed_interval:
            return
        self._fed = now
        if snapshot["run"] != self._run:
            self._reset_progress(snapshot["run"])
            self._fed_probe.clear()
            self._next_feed.clear()
            if "loss" in self.plots:
                self.plots["loss"].clear()
        self._snapshot = snapshot
        if not self._todo:
            self._todo = list(FEEDS)
            QTimer.singleShot(0, self, self._feed_next)

    def _adapt_rate(self, now: float) -> None:
        """Once a second: stretch the plot interval while the GUI thread uses more than GUI_SHARE of a core
        (every plot on screen), shorten it back when it is well below."""
        then, cpu_then = self._load_mark
        if now - then < 1.0:
            return
        cpu = time.thread_time()  # this (GUI) thread's CPU: drawing, feeding, everything else it does
        share = (cpu - cpu_then) / (now - then)
        self._load_mark = (now, cpu)
        # Drawing costs about in proportion to the rate: scale the interval by how far off the share is (at
        # most ×3 slower or ÷1.25 faster a second, so a passing burst of work does not swing it).
        factor = min(max(share / GUI_SHARE, 0.8), 3.0)
        self.feed_interval = min(max(self.feed_interval * factor, FEED_INTERVAL), MAX_FEED_INTERVAL)

    def _feed_next(self) -> None:
        """Feed the next plot that has something new for it, then yield to the event loop."""
        snapshot = self._snapshot
        running = snapshot is not None and snapshot["state"] == "running"
        while self._todo and snapshot is not None:
            key = self._todo.pop(0)
            if not self._due(key, snapshot, running):
                continue
            started = time.perf_counter()
            self._feed(key, snapshot)
            cost = time.perf_counter() - started
            self._next_feed[key] = started + min(cost / GUI_BUDGET, MAX_FEED_DELAY)
            break
        if self._todo:
            QTimer.singleShot(0, self, self._feed_next)

    def _due(self, key: str, snapshot: dict, running: bool) -> bool:
        if key not in self.plots and not (key == "confusion" and "regression" in self.plots):
            return False
        if not (self.shown(key) or (key == "confusion" and self.shown("regression"))):
            return False
        if running and time.perf_counter() < self._next_feed.get(key, 0.0):
            return False  # a slow plot while training: it gets its turn a little later
        return key == "loss" or snapshot["probe"] is not self._fed_probe.get(key)

    def _feed(self, key: str, snapshot: dict) -> None:
        if key == "loss":
            self._feed_loss(self.plots["loss"], snapshot)
            return
        probe = snapshot["probe"]
        self._fed_probe[key] = probe
        feeders = {"weights": self._feed_weights, "activation": self._feed_activation,
                   "boundary": self._feed_boundary, "confusion": self._feed_predictions,
                   "filters": self._feed_filters, "feature_maps": self._feed_layer_outputs,
                   "hidden_states": self._feed_layer_outputs}
        feeders[key](snapshot, probe, key)

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
            flat = np.asarray(array).reshape(-1)
            if flat.size > HISTOGRAM_VALUES:  # an even sample: the histogram looks the same, costs far less
                flat = flat[::-(-flat.size // HISTOGRAM_VALUES)]
            self.plots[key].set_preactivations(flat)

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
