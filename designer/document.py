"""The open project: the engine graph plus training settings, data set, weights and history, with the undo
stack that is the only way to change any of them.

Views (canvas, neuron view, inspector, panels) read ``document.graph`` and the other attributes and listen to
the signals; they never write. Writes go through ``designer.commands`` pushed with :meth:`Document.push`;
the commands call the ``_``-prefixed mutators below, which keep the signals consistent.

Weights are keyed ``"layer_name/weight_name"`` like the engine's weights file. An edit that changes a layer's
shape does not delete its weights here: whoever builds a network keeps the weights that still fit.
"""
from __future__ import annotations

import copy
import os
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from designer.analyzer import Analyzer
from engine.graph.analysis import Analysis
from engine.graph.model import Edge, Graph, Node
from engine.project import Project


class Document(QObject):
    graph_replaced = Signal()
    node_added = Signal(str)
    node_removed = Signal(str)
    node_changed = Signal(str)
    node_moved = Signal(str)
    edge_added = Signal(object)
    edge_removed = Signal(object)
    weights_changed = Signal()
    training_changed = Signal()
    dataset_changed = Signal()
    analysis_changed = Signal(object)
    modified_changed = Signal(bool)
    path_changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.graph = Graph()
        self.training: dict = {}
        self.dataset: dict | None = None
        self.weights: dict[str, np.ndarray] = {}
        self.optimizer_state: dict[str, np.ndarray] = {}
        self.history: dict[str, list] = {}
        self.name = "network"
        self.path: Path | None = None
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self._analyzer = Analyzer(lambda: self.graph, self)
        self._analyzer.finished.connect(self.analysis_changed)

    def _on_clean_changed(self, clean: bool) -> None:
        self.modified_changed.emit(not clean)

    # -- what views use ----------------------------------------------------------------------------------
    def push(self, command: QUndoCommand) -> None:
        self.undo_stack.push(command)

    @property
    def analysis(self) -> Analysis:
        """The newest finished analysis (it may lag an edit by a few milliseconds; see analysis_changed)."""
        return self._analyzer.latest

    def analyze_now(self) -> Analysis:
        return self._analyzer.run_now()

    @property
    def analysis_pending(self) -> bool:
        return self._analyzer.pending

    def is_modified(self) -> bool:
        return not self.undo_stack.isClean()

    @property
    def title(self) -> str:
        return self.path.stem if self.path else self.name

    def shutdown(self) -> None:
        self._analyzer.shutdown()

    # -- whole projects ---------------------------------------------------------------------------------
    def to_project(self) -> Project:
        return Project(graph=self.graph.copy(), training=copy.deepcopy(self.training),
                       weights={k: v.copy() for k, v in self.weights.items()},
                       optimizer_state={k: v.copy() for k, v in self.optimizer_state.items()},
                       history=copy.deepcopy(self.history), dataset=copy.deepcopy(self.dataset), name=self.name)

    def load_project(self, project: Project, path: str | os.PathLike | None = None) -> None:
        """Replace everything (New, Open, a template): not undoable, the stack starts clean."""
        self.undo_stack.clear()
        self.graph = project.graph
        self.training = dict(project.training)
        self.dataset = copy.deepcopy(project.dataset)
        self.weights = dict(project.weights)
        self.optimizer_state = dict(project.optimizer_state)
        self.history = dict(project.history)
        self.name = project.name
        self.set_path(path)
        self.graph_replaced.emit()
        self.weights_changed.emit()
        self.training_changed.emit()
        self.dataset_changed.emit()
        self._analyzer.request()
        self.undo_stack.setClean()
        self.modified_changed.emit(False)

    def save(self, path: str | os.PathLike) -> None:
        """Write atomically (the engine's project file); the document becomes clean on success only."""
        from engine.project import save

        save(path, self.to_project())
        self.set_path(path)
        self.undo_stack.setClean()

    def set_path(self, path) -> None:
        self.path = Path(path) if path else None
        self.path_changed.emit()

    # -- mutators: called by commands only ----------------------------------------------------------------
    def _structure_changed(self) -> None:
        self._analyzer.request()

    def _insert_node(self, node: Node, edges=()) -> None:
        self.graph.insert_node(node)
        self.node_added.emit(node.id)
        for edge in edges:
            self.graph.edges.append(edge)
            self.edge_added.emit(edge)
        self._structure_changed()

    def _remove_node(self, node_id: str) -> tuple[Node, list[Edge]]:
        wires = [e for e in self.graph.edges if node_id in (e.source, e.target)]
        for edge in wires:
            self._disconnect(edge, analyse=False)
        node, _ = self.graph.remove_node(node_id)
        self.node_removed.emit(node_id)
        self._structure_changed()
        return node, wires

    def _connect(self, edge: Edge) -> None:
        self.graph.connect(edge.source, edge.target, edge.target_port)
        self.edge_added.emit(edge)
        self._structure_changed()

    def _disconnect(self, edge: Edge, analyse: bool = True) -> None:
        self.graph.disconnect(edge)
        self.edge_removed.emit(edge)
        if analyse:
            self._structure_changed()

    def _move(self, node_id: str, position) -> None:
        self.graph.node(node_id).position = (float(position[0]), float(position[1]))
        self.node_moved.emit(node_id)

    def _set_param(self, node_id: str, name: str, value) -> None:
        """``value`` None removes the parameter (the layer's default applies)."""
        params = self.graph.node(node_id).params
        if value is None:
            params.pop(name, None)
        else:
            params[name] = copy.deepcopy(value)
        self.node_changed.emit(node_id)
        self._structure_changed()

    def _rename(self, node_id: str, name: str) -> None:
        node = self.graph.node(node_id)
        old = node.name
        node.name = name
        prefix = old + "/"
        self.weights = {(name + "/" + key[len(prefix):] if key.startswith(prefix) else key): value
                        for key, value in self.weights.items()}
        self.node_changed.emit(node_id)
        self.weights_changed.emit()
        self._structure_changed()

    def _set_weights(self, weights: dict, optimizer_state: dict | None = None, history: dict | None = None) -> None:
        self.weights = dict(weights)
        if optimizer_state is not None:
            self.optimizer_state = dict(optimizer_state)
        if history is not None:
            self.history = dict(history)
        self.weights_changed.emit()

    def _edit_weight(self, key: str, index: tuple, value: float) -> None:
        array = self.weights[key].copy()  # never write into an array a snapshot may share
        array[index] = value
        self.weights = {**self.weights, key: array}
        self.weights_changed.emit()

    def _set_training(self, key: str, value) -> None:
        if value is None:
            self.training.pop(key, None)
        else:
            self.training[key] = copy.deepcopy(value)
        self.training_changed.emit()

    def _set_dataset(self, spec: dict | None) -> None:
        self.dataset = copy.deepcopy(spec)
        self.dataset_changed.emit()

    def _replace_graph(self, graph: Graph) -> None:
        self.graph = graph
        self.graph_replaced.emit()
        self._structure_changed()
