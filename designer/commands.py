"""Undo commands: the only writers of the document.

Each command changes the document through its ``_``-mutators, so the views hear one signal per change.
Continuous gestures merge into one undo step: a node drag (``MoveNodes`` until ``finished=True``) and typing
into one parameter (consecutive ``SetParam`` of the same node and parameter).
"""
from __future__ import annotations

import copy

import numpy as np
from PySide6.QtGui import QUndoCommand

from designer.i18n import tr
from engine.graph.model import Edge, Graph, Node
from engine.layers.registry import UnknownLayerError, layer_class

_MOVE_ID = 1
_PARAM_ID = 2
_TRAINING_ID = 3


# -- ports and wiring rules -----------------------------------------------------------------------------
def input_port_count(graph: Graph, node_id: str) -> int:
    """Input ports to draw: a layer's fixed count, or one more than the wires for merges (a free port)."""
    node = graph.node(node_id)
    try:
        cls = layer_class(node.layer_type)
    except UnknownLayerError:
        return max(1, len(graph.incoming(node_id)))
    if cls.max_inputs is not None:
        return cls.max_inputs
    used = max((edge.target_port for edge in graph.incoming(node_id)), default=-1) + 1
    return max(cls.min_inputs, used + 1)


def connection_problem(graph: Graph, source: str, target: str, port: int = 0) -> str | None:
    """Why a wire from ``source``'s output to input ``port`` of ``target`` is refused (None: allowed)."""
    if source not in graph.nodes or target not in graph.nodes:
        return tr("That layer no longer exists.")
    if source == target:
        return tr("A layer cannot feed itself.")
    target_node = graph.nodes[target]
    if _reaches(graph, target, source):
        return tr("This wire would make a loop: {target} already feeds {source}.").format(
            target=target_node.name, source=graph.nodes[source].name)
    try:
        cls = layer_class(target_node.layer_type)
    except UnknownLayerError:
        cls = None
    if cls is not None and cls.max_inputs == 0:
        return tr("{name} is an input: it receives data, not other layers.").format(name=target_node.name)
    if cls is not None and cls.max_inputs is not None and port >= cls.max_inputs:
        return tr("{name} has only {count} input(s).").format(name=target_node.name, count=cls.max_inputs)
    if any(edge.target == target and edge.target_port == port for edge in graph.edges):
        return tr("That input of {name} is already connected; remove its wire first.").format(
            name=target_node.name)
    if any(edge.source == source and edge.target == target for edge in graph.edges):
        return tr("These two layers are already connected.")
    return None


def _reaches(graph: Graph, start: str, goal: str) -> bool:
    successors: dict[str, list[str]] = {}
    for edge in graph.edges:  # one pass: Graph.successors scans every edge on each call (slow at 200 nodes)
        successors.setdefault(edge.source, []).append(edge.target)
    seen, stack = set(), [start]
    while stack:
        node_id = stack.pop()
        if node_id == goal:
            return True
        if node_id not in seen:
            seen.add(node_id)
            stack.extend(successors.get(node_id, ()))
    return False


def _free_port(graph: Graph, node_id: str) -> int:
    used = {edge.target_port for edge in graph.incoming(node_id)}
    return next(port for port in range(len(used) + 1) if port not in used)


# -- nodes ------------------------------------------------------------------------------------------------
class AddNode(QUndoCommand):
    """Add a layer; with ``connect_from`` it is also wired after that node (double-click in the palette)."""

    def __init__(self, document, layer_type: str, params: dict | None = None, position=(0.0, 0.0),
                 name: str | None = None, connect_from: str | None = None):
        super().__init__(tr("Add {layer}").format(layer=layer_type))
        self.document = document
        graph = document.graph
        layer_class(layer_type)  # an unknown type fails here, before anything changes
        if params is None:  # a dropped Dense needs its units, a Conv2D its filters and kernel size
            from designer.editors.values import default_params

            params = default_params(layer_type)
        self.node = Node(graph._new_id(), layer_type, dict(params),
                         name or graph.unique_name(_snake(layer_type)), (float(position[0]), float(position[1])))
        self.node_id = self.node.id
        self.edges = []
        # A new node has no wires yet, so only the ends matter: the source exists, the new layer takes input.
        if connect_from in graph.nodes and layer_class(layer_type).max_inputs != 0:
            self.edges.append(Edge(connect_from, self.node_id, 0))

    def redo(self):
        self.document._insert_node(copy.deepcopy(self.node), self.edges)

    def undo(self):
        self.document._remove_node(self.node_id)


class RemoveNodes(QUndoCommand):
    """Remove nodes with every wire touching them; undo puts back both (weights are kept meanwhile)."""

    def __init__(self, document, node_ids):
        ids = [i for i in dict.fromkeys(node_ids) if i in document.graph.nodes]
        super().__init__(tr("Delete {count} layer(s)").format(count=len(ids)))
        self.document = document
        self.node_ids = ids
        self.removed: list[tuple[Node, list[Edge]]] = []

    def redo(self):
        self.removed = [self.document._remove_node(node_id) for node_id in self.node_ids]

    def undo(self):
        edges = {edge for _, wires in self.removed for edge in wires}
        for node, _ in reversed(self.removed):
            self.document._insert_node(node)
        for edge in self.document.graph.edges:
            edges.discard(edge)
        for edge in sorted(edges, key=lambda e: (e.target, e.target_port)):
            self.document._connect(edge)


class MoveNodes(QUndoCommand):
    def __init__(self, document, positions: dict, finished: bool = False):
        super().__init__(tr("Move {count} layer(s)").format(count=len(positions)))
        self.document = document
        self.new = {i: (float(p[0]), float(p[1])) for i, p in positions.items()}
        self.old = {i: document.graph.node(i).position for i in positions}
        self.finished = finished

    def id(self):
        return _MOVE_ID

    def mergeWith(self, other) -> bool:  # noqa: N802 (Qt's name)
        if self.finished or set(other.new) != set(self.new):
            return False
        self.new = other.new
        self.finished = other.finished
        return True

    def redo(self):
        for node_id, position in self.new.items():
            self.document._move(node_id, position)

    def undo(self):
        for node_id, position in self.old.items():
            self.document._move(node_id, position)


class SetParam(QUndoCommand):
    """Change one layer parameter; ``value`` None restores the layer's default. Consecutive edits of the same
    parameter merge into one undo step unless the newer one says ``merge=False``."""

    def __init__(self, document, node_id: str, name: str, value, merge: bool = True):
        node = document.graph.node(node_id)
        super().__init__(tr("Change {param} of {layer}").format(param=name, layer=node.name))
        self.document = document
        self.node_id = node_id
        self.name = name
        self.old = copy.deepcopy(node.params.get(name))
        self.new = copy.deepcopy(value)
        self.merge = merge  # False: a separate step (a combo pick, the first keystroke after focusing a field)

    def id(self):
        return _PARAM_ID

    def mergeWith(self, other) -> bool:  # noqa: N802
        if not other.merge or (other.node_id, other.name) != (self.node_id, self.name):
            return False
        self.new = other.new
        return True

    def redo(self):
        self.document._set_param(self.node_id, self.name, self.new)

    def undo(self):
        self.document._set_param(self.node_id, self.name, self.old)


class RenameNode(QUndoCommand):
    def __init__(self, document, node_id: str, name: str):
        node = document.graph.node(node_id)
        name = str(name).strip()
        if not name:
            raise ValueError(tr("A layer needs a name."))
        if any(other.name == name and other.id != node_id for other in document.graph):
            raise ValueError(tr("Another layer is already called {name}.").format(name=name))
        super().__init__(tr("Rename {old} to {new}").format(old=node.name, new=name))
        self.document = document
        self.node_id = node_id
        self.old, self.new = node.name, name

    def redo(self):
        self.document._rename(self.node_id, self.new)

    def undo(self):
        self.document._rename(self.node_id, self.old)


class PasteNodes(QUndoCommand):
    """Paste copied nodes (plain data from :func:`copy_nodes`) with new ids and names, shifted by ``offset``."""

    def __init__(self, document, data: dict, offset=(40.0, 40.0)):
        super().__init__(tr("Paste {count} layer(s)").format(count=len(data.get("nodes", []))))
        self.document = document
        graph = document.graph
        taken_names = {node.name for node in graph}
        taken_ids = set(graph.nodes)
        id_map: dict[str, str] = {}
        self.nodes: list[Node] = []
        for item in data.get("nodes", []):
            layer_class(item["layer_type"])
            new_id = _fresh(graph, taken_ids)
            name = _fresh_name(_base_name(item["name"]), taken_names)
            id_map[item["id"]] = new_id
            x, y = item.get("position", (0.0, 0.0))
            self.nodes.append(Node(new_id, item["layer_type"], copy.deepcopy(item.get("params", {})), name,
                                   (float(x) + offset[0], float(y) + offset[1])))
        self.edges = [Edge(id_map[e["source"]], id_map[e["target"]], int(e.get("target_port", 0)))
                      for e in data.get("edges", []) if e["source"] in id_map and e["target"] in id_map]
        self.node_ids = [node.id for node in self.nodes]

    def redo(self):
        for node in self.nodes:
            self.document._insert_node(copy.deepcopy(node))
        for edge in self.edges:
            self.document._connect(edge)

    def undo(self):
        for node_id in reversed(self.node_ids):
            self.document._remove_node(node_id)


def copy_nodes(graph: Graph, node_ids) -> dict:
    """Plain data for the clipboard: the nodes and the wires among them."""
    ids = set(node_ids)
    return {"nodes": [graph.nodes[i].to_dict() for i in graph.nodes if i in ids],
            "edges": [e.to_dict() for e in graph.edges if e.source in ids and e.target in ids]}


# -- wires ------------------------------------------------------------------------------------------------
class Connect(QUndoCommand):
    def __init__(self, document, source: str, target: str, port: int | None = None):
        graph = document.graph
        port = _free_port(graph, target) if port is None else int(port)
        problem = connection_problem(graph, source, target, port)
        if problem:
            raise ValueError(problem)
        super().__init__(tr("Connect {source} → {target}").format(source=graph.nodes[source].name,
                                                                  target=graph.nodes[target].name))
        self.document = document
        self.edge = Edge(source, target, port)

    def redo(self):
        self.document._connect(self.edge)

    def undo(self):
        self.document._disconnect(self.edge)


class Disconnect(QUndoCommand):
    def __init__(self, document, edge: Edge):
        super().__init__(tr("Remove a wire"))
        self.document = document
        self.edge = edge

    def redo(self):
        self.document._disconnect(self.edge)

    def undo(self):
        self.document._connect(self.edge)


# -- weights, training settings, data, whole graphs ---------------------------------------------------------
class SetWeights(QUndoCommand):
    """Replace the weights (after training, a reset, an import); undo brings back the previous ones."""

    def __init__(self, document, weights: dict, text: str, optimizer_state: dict | None = None,
                 history: dict | None = None):
        super().__init__(text)
        self.document = document
        self.new = ({k: np.array(v, copy=True) for k, v in weights.items()}, optimizer_state, history)
        self.old = (document.weights, document.optimizer_state, document.history)

    def redo(self):
        self.document._set_weights(*self.new)

    def undo(self):
        self.document._set_weights(*self.old)


class EditWeight(QUndoCommand):
    def __init__(self, document, key: str, index, value: float):
        super().__init__(tr("Edit weight {key}").format(key=key))
        self.document = document
        self.key = key
        self.index = tuple(int(i) for i in np.atleast_1d(index))
        self.old = float(document.weights[key][self.index])
        self.new = float(value)

    def redo(self):
        self.document._edit_weight(self.key, self.index, self.new)

    def undo(self):
        self.document._edit_weight(self.key, self.index, self.old)


class SetTraining(QUndoCommand):
    """Change one training setting (merged while typing in the same field)."""

    def __init__(self, document, key: str, value):
        super().__init__(tr("Change {setting}").format(setting=key))
        self.document = document
        self.key = key
        self.old = copy.deepcopy(document.training.get(key))
        self.new = copy.deepcopy(value)

    def id(self):
        return _TRAINING_ID

    def mergeWith(self, other) -> bool:  # noqa: N802
        if other.key != self.key:
            return False
        self.new = other.new
        return True

    def redo(self):
        self.document._set_training(self.key, self.new)

    def undo(self):
        self.document._set_training(self.key, self.old)


class SetDataset(QUndoCommand):
    def __init__(self, document, spec: dict | None):
        super().__init__(tr("Choose a data set"))
        self.document = document
        self.old = copy.deepcopy(document.dataset)
        self.new = copy.deepcopy(spec)

    def redo(self):
        self.document._set_dataset(self.new)

    def undo(self):
        self.document._set_dataset(self.old)


class ReplaceGraph(QUndoCommand):
    def __init__(self, document, graph: Graph, text: str):
        super().__init__(text)
        self.document = document
        self.old = document.graph
        self.new = graph

    def redo(self):
        self.document._replace_graph(self.new.copy())

    def undo(self):
        self.document._replace_graph(self.old.copy())


# -- names and ids ------------------------------------------------------------------------------------------
def _snake(layer_type: str) -> str:
    from engine.layers.base import snake_case

    return snake_case(layer_type)


def _base_name(name: str) -> str:
    head, _, tail = name.rpartition("_")
    return head if head and tail.isdigit() else name


def _fresh_name(base: str, taken: set) -> str:
    name, index = base, 1
    while name in taken:
        name = f"{base}_{index}"
        index += 1
    taken.add(name)
    return name


def _fresh(graph: Graph, taken: set) -> str:
    while True:
        node_id = graph._new_id()
        if node_id not in taken:
            taken.add(node_id)
            return node_id
