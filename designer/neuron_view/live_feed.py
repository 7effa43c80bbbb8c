"""Keeps the neuron view in step with training: the lines show the weights being trained and, for networks
with two inputs, every neuron holds a little picture of what it computes over the input plane (TensorFlow
Playground's heatmaps); the two input neurons show the features x1 and x2 themselves.

:class:`NeuronViewFeed` asks the training worker (through ``panel.live.ask``) for the weights and the plane
with per-neuron outputs only while the view is on screen, and redraws at most ``FEED_INTERVAL`` apart while
training. Once training stops the document holds the weights (the panel writes them with SetWeights), so
the view goes back to drawing the document. When the drawn weights change without the worker (undo, an edit
by hand, a new layer), the pictures of a small network are recomputed here from the last plane grid; those
of a large one are dropped rather than left showing another network.
"""
from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QEvent, QObject, QTimer

from designer.neuron_view.chain import INPUT, DenseChain

OWNER = "neuron_view"
FEED_INTERVAL = 0.1  # ≤ 10 redraws per second while training: the lines and pictures move smoothly enough
# ... fewer when a repaint is slow (32×32 antialiased curves take ~20 ms): at most this share of the time
PAINT_BUDGET = 0.05
PICTURE_RESOLUTION = 30  # grid points per side; a neuron is ~40 px wide (the boundary plot may ask for more)
LOCAL_PARAMETER_LIMIT = 50_000  # recompute pictures on the GUI thread only for networks this small
# Activations whose outputs lie in [0, 1]: their pictures are centred on 0.5 so both colours show.
UNIT_RANGE = ("sigmoid", "softmax", "hard_sigmoid")
RUNNING = ("running", "preparing")


def plane_inputs(chain: DenseChain | None) -> bool:
    """True when the chain starts at an Input of two features: a plane of those two is the whole input."""
    return chain is not None and chain.columns[0].layer_type == INPUT and chain.columns[0].width == 2


def chain_pictures(chain: DenseChain, graph, neurons: dict, x_values, y_values, shown: list[int]) -> dict:
    """The pictures each drawn column shows: {layer name: [(r, r) arrays]} for the first ``shown[k]`` units.

    ``neurons`` is the plane probe's {layer name: (units, r, r)}; a column takes the pictures of its last
    folded member that has some (after the activation). The input column gets x1 and x2 over the grid.
    Shapes: x_values, y_values (r,)."""
    pictures = {}
    grid_x, grid_y = np.meshgrid(np.asarray(x_values, float), np.asarray(y_values, float))
    source = chain.columns[0]
    if plane_inputs(chain):
        pictures[source.name] = [grid_x, grid_y][:shown[0]]
    for column, count in zip(chain.dense_columns, shown[1:]):
        for member in reversed(column.members):
            node = graph.nodes.get(member)
            values = neurons.get(node.name) if node is not None else None
            if values is not None:
                values = np.asarray(values)[:count]
                if column.activation in UNIT_RANGE:
                    values = 2.0 * values - 1.0
                pictures[column.name] = list(values)
                break
    return pictures


def local_planes(graph, weights: dict, x_values, y_values) -> dict | None:
    """Every neuron's output over the grid, computed here for ``weights``; None when the graph cannot be built
    or is too big to run on the GUI thread. Shapes: result {layer name: (units, r, r)}."""
    from engine.network import Network
    from engine.plane import plane_outputs

    try:
        network = Network(graph, seed=0)
    except Exception:  # noqa: BLE001 - a graph being edited may not build: no pictures then
        return None
    if network.count_params() > LOCAL_PARAMETER_LIMIT:
        return None
    for layer, slot in network.variables:
        value = weights.get(f"{layer.name}/{slot.spec.name}")
        if value is not None and np.shape(value) == slot.value.shape:
            slot.value[...] = value
    grid_x, grid_y = np.meshgrid(np.asarray(x_values, np.float32), np.asarray(y_values, np.float32))
    try:
        return plane_outputs(network, np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)).neurons
    except ValueError:
        return None


def _same(a: dict | None, b: dict | None) -> bool:
    if a is None or b is None or a.keys() != b.keys():
        return False
    return all(np.shape(a[key]) == np.shape(b[key]) and np.array_equal(a[key], b[key]) for key in a)


class NeuronViewFeed(QObject):
    """Feeds ``view`` (a NeuronView) from ``panel`` (a TrainingPanel with its ``live`` plots helper)."""

    def __init__(self, view, panel, parent=None):
        super().__init__(parent)
        self.view, self.panel = view, panel
        self._asked: dict | None = None
        self._fed = 0.0
        self._last_probe = None
        self._grid: tuple[np.ndarray, np.ndarray] | None = None  # the last plane's (x_values, y_values)
        self._pictured: dict | None = None  # the chain weights the pictures shown were computed with
        self._live = False
        view.installEventFilter(self)
        panel.snapshot_updated.connect(self.update)
        view.chain_changed.connect(self._on_chain_changed)
        view.values_changed.connect(self._on_values_changed)
        view.document.dataset_changed.connect(self._forget_grid)
        view.document.graph_replaced.connect(self._forget_grid)
        self.refresh_request()

    # -- what to ask the worker for ---------------------------------------------------------------------
    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.view and event.type() in (QEvent.Type.Show, QEvent.Type.Hide):
            QTimer.singleShot(0, self, self.refresh_request)  # after the tab switch settled
        return False

    def request(self) -> dict | None:
        """What the view needs from the worker now (None: nothing, it is not on screen)."""
        if not self.view.isVisible() or self.view.chain is None:
            return None
        request: dict = {"weights": True}
        if plane_inputs(self.view.chain):
            request["plane"] = {"resolution": PICTURE_RESOLUTION, "neurons": True}
        return request

    def refresh_request(self) -> None:
        request = self.request()
        if request != self._asked and getattr(self.panel, "live", None) is not None:
            self._asked = request
            self.panel.live.ask(OWNER, request)
        if request is not None:
            self._last_probe = None  # show the newest snapshot's answers when it comes

    # -- snapshots --------------------------------------------------------------------------------------
    def update(self, snapshot: dict) -> None:
        running = snapshot["state"] in RUNNING
        if not running and self._live:
            self._live = False
            self.view.set_live_weights(None)  # the panel has just written the trained weights to the document
        if not self.view.isVisible():
            return
        now = time.perf_counter()
        # The plots' rate (slower while the GUI is busy), and slower still when this view's repaint is slow.
        interval = max(getattr(getattr(self.panel, "live", None), "feed_interval", FEED_INTERVAL),
                       self.view.paint_seconds / PAINT_BUDGET)
        if running and now - self._fed < interval:
            return
        self._fed = now
        probe = snapshot["probe"]
        if probe is self._last_probe:
            return
        self._last_probe = probe
        weights = probe.get("weights")
        if running and weights:
            self._live = True
            self.view.set_live_weights(weights)
        plane = probe.get("plane")
        if plane is not None and plane_inputs(self.view.chain) and plane.get("neurons") is not None:
            self._grid = (np.asarray(plane["x_values"]), np.asarray(plane["y_values"]))
            self._show(plane["neurons"], self._chain_weights(weights) if weights else None)

    def _chain_weights(self, weights: dict) -> dict:
        return {key: weights[key] for key in self.view.chain.weight_shapes() if key in weights}

    def _show(self, neurons: dict, pictured: dict | None) -> None:
        chain = self.view.chain
        shown = [column.shown for column in self.view.parts.columns]
        self.view.set_neuron_images(chain_pictures(chain, self.view.document.graph, neurons, *self._grid, shown))
        self._pictured = pictured

    # -- the document changed -----------------------------------------------------------------------------
    def _forget_grid(self) -> None:
        self._grid = None
        self._clear()

    def _clear(self) -> None:
        self._pictured = None
        self.view.set_neuron_images({})

    def _on_chain_changed(self) -> None:
        self._clear()
        self.refresh_request()  # a chain may have appeared or lost its two inputs

    def _on_values_changed(self) -> None:
        """The view draws other document weights (trained, undone, edited, a new layer): redo the pictures."""
        if self._live or self._grid is None or not plane_inputs(self.view.chain):
            return
        drawn = self._chain_weights(self.view.drawn_values())
        if _same(drawn, self._pictured):
            return
        weights = {**self.view.document.weights, **drawn}
        neurons = local_planes(self.view.document.graph, weights, *self._grid)
        if neurons is None:
            self._clear()
        else:
            self._show(neurons, drawn)
