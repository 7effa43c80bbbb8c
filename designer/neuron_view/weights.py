"""The numbers the neuron view draws: the document's weights where they fit, else the starting weights the
network would get from its seed (computed off the GUI thread when the network is big).

An untrained network has no weights in the document, yet the view should show the lines a student will see
at epoch 0; ``engine.network.Network(graph, seed)`` gives exactly those (training starts from the same seed).
"""
from __future__ import annotations

import json
from collections import OrderedDict

import numpy as np
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from designer.collector import collect_on_gui_thread
from designer.neuron_view.chain import DENSE, INPUT, PASS_THROUGH, DenseChain
from engine.graph.model import Graph

# Graphs this small build their starting weights in a blink: do it at once, so an edit never flashes grey.
SYNC_NODE_LIMIT = 24
SYNC_PARAMETER_LIMIT = 300_000
# Beyond this many parameters building the starting weights would take seconds and gigabytes: lines stay grey.
MAX_PARAMETERS = 100_000_000
# Undo/redo walks back and forth over a few graphs: keep their starting weights, within a memory budget
# (AlexNet's alone are 240 MB: then only the newest is kept).
CACHE_SIZE = 8
CACHE_BYTES = 64 * 2**20


def graph_key(graph: Graph, seed: int) -> str:
    """What the starting weights depend on: layers, their order, names, parameters and wires (not positions)."""
    nodes = [(node.id, node.layer_type, node.name, node.params) for node in graph]
    edges = sorted((edge.source, edge.target, edge.target_port) for edge in graph.edges)
    return json.dumps([seed, nodes, edges], sort_keys=True, default=repr)


def fitting(chain: DenseChain, weights: dict | None) -> dict[str, np.ndarray]:
    """The entries of ``weights`` whose shape is what the chain's layers have now."""
    if not weights:
        return {}
    return {key: weights[key] for key, shape in chain.weight_shapes().items()
            if key in weights and tuple(np.shape(weights[key])) == shape}


def starting_weights(graph: Graph, chain: DenseChain, seed: int) -> tuple[dict[str, np.ndarray], bool]:
    """The weights training would start from, and whether they are the whole network's.

    When the whole graph cannot be built yet (a problem elsewhere), the chain alone is built as a preview:
    the same layers and initializers, but the random numbers may differ from those of the finished network.
    """
    from engine.network import Network

    try:
        return Network(graph, seed=seed).weight_dict(), True
    except Exception:  # noqa: BLE001 - any reason the graph does not build: fall back to the preview
        pass
    preview = Graph()
    source = chain.columns[0]
    previous = preview.add_node(INPUT, {"shape": [source.width]}, name=source.name, node_id=source.node_id).id
    for column in chain.dense_columns:
        params = dict(graph.nodes[column.node_id].params) if column.node_id in graph.nodes else {}
        params["units"] = column.width
        node = preview.add_node(DENSE, params, name=column.name, node_id=column.node_id)
        preview.connect(previous, node.id)
        previous = node.id
    try:
        return Network(preview, seed=seed).weight_dict(), False
    except Exception:  # noqa: BLE001 - bad parameters: nothing to show but grey lines
        return {}, False


def too_big(chain: DenseChain, total_parameters: int) -> bool:
    """True when the network (``total_parameters``, from a possibly stale analysis) or the chain alone is too
    big to build just for a picture."""
    chain_parameters = sum(int(np.prod(shape)) for shape in chain.weight_shapes().values())
    return max(chain_parameters, int(total_parameters)) > MAX_PARAMETERS


def is_small(graph: Graph, chain: DenseChain) -> bool:
    """True when building the starting weights takes milliseconds (only dense layers of modest size)."""
    if len(graph) > SYNC_NODE_LIMIT:
        return False
    if any(node.layer_type not in (INPUT, DENSE, *PASS_THROUGH) for node in graph):
        return False
    return sum(int(np.prod(shape)) for shape in chain.weight_shapes().values()) <= SYNC_PARAMETER_LIMIT


class _Relay(QObject):
    done = Signal(str, object, bool)


class _Job(QRunnable):
    def __init__(self, key: str, graph: Graph, chain: DenseChain, seed: int, relay: _Relay):
        super().__init__()
        self.key, self.graph, self.chain, self.seed, self.relay = key, graph, chain, seed, relay

    def run(self) -> None:
        weights, complete = starting_weights(self.graph, self.chain, self.seed)
        self.relay.done.emit(self.key, weights, complete)


class StartingWeights(QObject):
    """Starting weights of the current graph, cached by graph and seed; big graphs build on a worker thread.

    ``request`` returns the answer at once when it is cached or cheap; otherwise it returns None and
    ``ready`` fires when the worker is done (only for the newest request: older answers are cached, not sent).
    """

    ready = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._cache: OrderedDict[str, tuple[dict, bool]] = OrderedDict()
        self._wanted: str | None = None
        self._running: set[str] = set()
        self._relay = _Relay(self)
        self._relay.done.connect(self._on_done)
        collect_on_gui_thread()  # before any job runs Python in the pool
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)

    def request(self, graph: Graph, chain: DenseChain, seed: int) -> tuple[dict, bool] | None:
        key = graph_key(graph, seed)
        self._wanted = key
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        if is_small(graph, chain):
            self._store(key, starting_weights(graph, chain, seed))
            return self._cache[key]
        if key not in self._running:
            self._running.add(key)
            # A copy: the canvas may edit the graph while the worker reads it.
            self._pool.start(_Job(key, graph.copy(), chain, seed, self._relay))
        return None

    @property
    def pending(self) -> bool:
        return bool(self._running)

    def _store(self, key: str, result: tuple[dict, bool]) -> None:
        self._cache[key] = result
        self._cache.move_to_end(key)

        def total_bytes() -> int:
            return sum(array.nbytes for weights, _ in self._cache.values() for array in weights.values())

        while len(self._cache) > 1 and (len(self._cache) > CACHE_SIZE or total_bytes() > CACHE_BYTES):
            self._cache.popitem(last=False)

    def _on_done(self, key: str, weights: dict, complete: bool) -> None:
        self._running.discard(key)
        self._store(key, (weights, complete))
        if key == self._wanted:
            self.ready.emit()

    def shutdown(self) -> None:
        """Wait for a running build (closing must not leave a thread behind)."""
        self._wanted = None
        self._pool.waitForDone()
