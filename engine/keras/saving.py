"""``model.save`` / ``keras.models.load_model`` through the engine's project file, so a model built in code
opens in the designer and a project made in the designer loads in code."""
from __future__ import annotations

import os

from engine import losses as losses_module
from engine import metrics as metrics_module
from engine import optimizers as optimizers_module
from engine.graph.model import Graph
from engine.io.project_file import ProjectData, ProjectFileError, load_project, save_project
from engine.io.weights_file import check_weights_match


def _config_of(item):
    if isinstance(item, str):
        return item
    if hasattr(item, "get_config"):
        return {"class_name": type(item).__name__, "config": item.get_config()}
    raise ValueError(f"cannot save {item!r}: only named or built-in losses and metrics can be saved")


def training_settings(model) -> dict:
    if model.optimizer is None:
        return {}
    losses = model.loss if isinstance(model.loss, (list, tuple)) else [model.loss]
    return {"optimizer": {"class_name": type(model.optimizer).__name__, "config": model.optimizer.get_config()},
            "loss": [_config_of(loss) for loss in losses],
            "metrics": [_config_of(metric) for metric in model.compiled_metrics]}


def save_model(model, filepath, overwrite: bool = True) -> None:
    path = os.fspath(filepath)
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{path} exists and overwrite=False")
    graph, _ = model.to_graph()
    network = model.network
    optimizer_state = {}
    if model.optimizer is not None and getattr(model.optimizer, "built", False):
        optimizer_state = model.optimizer.get_state()
    history = dict(model.history.history) if model.history is not None else {}
    save_project(path, ProjectData(
        architecture={"graph": graph.to_dict(), "model_class": type(model).__name__, "name": model.name},
        training=training_settings(model),
        history=history,
        weights=network.weight_dict(),
        optimizer_state=optimizer_state,
    ))


def load_model(filepath, custom_objects=None, compile: bool = True, safe_mode: bool = True):
    from engine.keras.models import Model, Sequential
    from engine.layers.input_layer import Input as InputLayer

    project = load_project(filepath)
    architecture = project.architecture
    try:
        graph = Graph.from_dict(architecture["graph"])
    except (KeyError, ValueError) as error:
        raise ProjectFileError(f"{filepath}: the architecture is damaged: {error}") from None
    model = Model.from_graph(graph, name=architecture.get("name"))
    if architecture.get("model_class") == "Sequential":
        layers = model.layers
        sequential = Sequential(name=architecture.get("name"))
        for layer in layers:
            if isinstance(layer, InputLayer) and sequential._input_layer is None:
                sequential._input_layer = layer
            else:
                sequential._stack.append(layer)
        model = sequential
    check_weights_match(model.network.weight_shapes(), project.weights)
    model.network.set_weight_dict(project.weights)
    training = project.training
    if compile and training.get("optimizer"):
        model.compile(optimizer=optimizers_module.get(training["optimizer"]),
                      loss=[losses_module.get(item) for item in training["loss"]] if len(training["loss"]) > 1
                      else losses_module.get(training["loss"][0]),
                      metrics=[metrics_module.get(item) if not isinstance(item, str) else item
                               for item in training.get("metrics", [])])
        if project.optimizer_state:
            model.optimizer.build(model.network.segments)
            model.optimizer.set_state(project.optimizer_state)
    if project.history:
        from engine.keras.callbacks import History

        model.history = History()
        model.history.history = {key: list(values) for key, values in project.history.items()}
    return model
