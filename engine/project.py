"""A project as the designer holds it: the graph (with canvas positions), training settings, trained
weights, optimizer state and history — saved to and loaded from the engine's project file.

The Keras surface (``model.save`` / ``load_model``) writes the same layout, so a model built in code opens in
the designer and a project built on the canvas loads in code.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from engine.graph.model import Graph, GraphEditError
from engine.io import ProjectFileError
from engine.io.project_file import ProjectData, load_project, save_project
from engine.io.weights_file import check_weights_match


@dataclass
class Project:
    graph: Graph
    training: dict = field(default_factory=dict)  # loss, optimizer config, batch size, epochs, seed...
    weights: dict[str, np.ndarray] = field(default_factory=dict)  # "layer/weight" → array; empty: untrained
    optimizer_state: dict[str, np.ndarray] = field(default_factory=dict)
    history: dict[str, list] = field(default_factory=dict)
    dataset: dict | None = None
    name: str = "network"
    model_class: str = "Model"


def save(path: str | os.PathLike, project: Project) -> None:
    """Write atomically: a crash mid-save leaves the previous file intact."""
    save_project(path, ProjectData(
        architecture={"graph": project.graph.to_dict(), "model_class": project.model_class, "name": project.name},
        training=project.training, history=project.history, dataset=project.dataset,
        weights=project.weights, optimizer_state=project.optimizer_state))


def load(path: str | os.PathLike) -> Project:
    """Read a project; the graph is checked structurally and the weights against the graph's shapes."""
    data = load_project(path)
    architecture = data.architecture
    try:
        graph = Graph.from_dict(architecture["graph"])
    except (KeyError, TypeError, GraphEditError) as error:
        raise ProjectFileError(f"{path}: the network description is damaged ({error})") from None
    if data.weights:
        from engine.graph.analysis import analyze
        from engine.network import Network

        analysis = analyze(graph)
        if analysis.ok:  # an unfinished graph may be saved; its weights are checked when it can run
            check_weights_match(Network(graph, seed=0).weight_shapes(), data.weights)
    return Project(graph=graph, training=data.training, weights=data.weights,
                   optimizer_state=data.optimizer_state, history=data.history, dataset=data.dataset,
                   name=str(architecture.get("name", "network")),
                   model_class=str(architecture.get("model_class", "Model")))
