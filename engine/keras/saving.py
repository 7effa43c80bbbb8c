"""``model.save`` / ``keras.models.load_model`` through the engine's project file, so a model built in code
opens in the designer and a project made in the designer loads in code. Weights, training settings
(optimizer, loss, metrics), the optimizer's state and the history all survive the round trip."""
from __future__ import annotations

import os

from engine import losses as losses_module
from engine import metrics as metrics_module
from engine import optimizers as optimizers_module
from engine.graph.model import Graph
from engine.io.project_file import ProjectData, ProjectFileError, load_project, save_project
from engine.io.weights_file import check_weights_match


def _config_of(item, what: str):
    if isinstance(item, str):
        return item
    if hasattr(item, "get_config"):
        return {"class_name": type(item).__name__, "config": item.get_config()}
    raise ValueError(f"cannot save the {what} {item!r}: only named or built-in {what}es can be saved")


def training_settings(model) -> dict:
    """The compile() arguments as plain data (empty when the model was never compiled)."""
    if model.optimizer is None:
        return {}
    try:
        optimizer = {"class_name": type(model.optimizer).__name__, "config": model.optimizer.get_config()}
    except TypeError as error:  # a plain Python function as learning rate
        raise ValueError(f"cannot save the optimizer: {error}") from None
    losses = model.loss if isinstance(model.loss, (list, tuple)) else [model.loss]
    metrics = [identifier if isinstance(identifier, str) else metric
               for identifier, metric in zip(model._metric_identifiers, model.compiled_metrics)]
    return {"optimizer": optimizer, "loss": [_config_of(loss, "loss") for loss in losses],
            "loss_is_list": isinstance(model.loss, (list, tuple)),
            "metrics": [_config_of(metric, "metric") for metric in metrics]}


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


def _model_from_architecture(architecture: dict, source: str):
    from engine.keras.models import Model, Sequential
    from engine.layers.input_layer import Input as InputLayer

    try:
        graph = Graph.from_dict(architecture["graph"])
        model = Model.from_graph(graph, name=architecture.get("name"))
    except (KeyError, TypeError, ValueError) as error:
        raise ProjectFileError(f"{source}: the network in this file is damaged: {error}") from None
    if architecture.get("model_class") != "Sequential":
        return model
    sequential = Sequential(name=architecture.get("name"))
    for layer in model.layers:  # graph order: the Input first, then the stack
        if isinstance(layer, InputLayer) and sequential._input_layer is None:
            sequential._input_layer = layer
        else:
            sequential._stack.append(layer)
    return sequential


def _compile_from(model, training: dict, source: str) -> None:
    try:
        losses = [losses_module.get(item) for item in training["loss"]]
        metrics = [item if isinstance(item, str) else metrics_module.get(item)
                   for item in training.get("metrics", [])]
        model.compile(optimizer=optimizers_module.get(training["optimizer"]),
                      loss=losses if training.get("loss_is_list", len(losses) > 1) else losses[0], metrics=metrics)
    except (KeyError, IndexError, TypeError, ValueError) as error:
        raise ProjectFileError(f"{source}: the training settings are damaged: {error}") from None


def load_model(filepath, custom_objects=None, compile: bool = True, safe_mode: bool = True):
    """A model saved by ``model.save`` (or a project saved by the designer), ready to predict or train on."""
    source = repr(os.fspath(filepath))
    project = load_project(filepath)
    model = _model_from_architecture(project.architecture, source)
    check_weights_match(model.network.weight_shapes(), project.weights)
    model.network.set_weight_dict(project.weights)
    training = project.training
    if compile and training.get("optimizer"):
        _compile_from(model, training, source)
        if project.optimizer_state:
            try:
                model.optimizer.build(model.network.segments, dtype=model.network.dtype)
                model.optimizer.set_state(project.optimizer_state)
            except ValueError as error:
                raise ProjectFileError(f"{source}: the optimizer state does not fit the model: {error}") from None
    if project.history:
        from engine.keras.callbacks import History

        model.history = History()
        model.history.history = {key: list(values) for key, values in project.history.items()}
    return model
