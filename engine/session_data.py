"""The data side of a training session: split and scale a data set, pick the loss, and check that the network
fits the data, with messages a student can act on ("the network takes 2 inputs but the data set has 13
features: set the Input layer's shape to [13]").
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from engine.datasets import Dataset
from engine.datasets.base import loss_name, targets_for_loss
from engine.graph.analysis import Analysis
from engine.graph.model import Graph

CROSS_ENTROPIES = ("binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy")


@dataclass
class PreparedData:
    """Scaled parts with targets as the loss wants them, and the original targets for plots.

    Shapes: x_* (n_part, *network input shape) float32; y_* as the loss expects; labels[part] as in the
    data set (class indices or regression values).
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    labels: dict
    dataset: Dataset
    split: object  # engine.datasets.Split (scaled), for its scaler and indices
    loss: str
    metric_names: list[str]
    notes: list[str] = field(default_factory=list)

    def part(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) of "train", "val" or "test"."""
        if name not in ("train", "val", "test"):
            raise ValueError(f"unknown part {name!r}; choose train, val or test")
        return getattr(self, f"x_{name}"), getattr(self, f"y_{name}")


def auto_loss(dataset: Dataset, output_width: int) -> str:
    """The loss 'auto' stands for: cross-entropy matching the output layer for classes, else MSE."""
    if not dataset.is_classification:
        return "mean_squared_error"
    if dataset.n_classes == 2 and output_width == 1:
        return "binary_crossentropy"
    return "sparse_categorical_crossentropy"


def _shape_text(shape) -> str:
    return "[" + ", ".join("?" if size is None else str(size) for size in shape) + "]"


def fit_inputs(analysis: Analysis, graph: Graph, x_shape: tuple) -> tuple | None:
    """The shape samples must be reshaped to (None: as they are); ValueError when the data cannot feed the
    network's Input. ``x_shape`` excludes the sample axis."""
    inputs = [node_id for node_id in analysis.order if node_id in analysis.input_ids]
    if len(inputs) != 1:
        raise ValueError(f"the network has {len(inputs)} Input layers but a data set gives one table of "
                         "features; keep a single Input layer")
    want = tuple(analysis.output_shapes[inputs[0]])
    name = graph.nodes[inputs[0]].name
    have = tuple(x_shape)
    if len(want) == len(have) and all(w is None or w == h for w, h in zip(want, have)):
        return None
    if None not in want and int(np.prod(want)) == int(np.prod(have)):
        return want  # e.g. 8×8 images into an Input of [8, 8, 1] or [64]
    if len(want) == 1 and len(have) == 1:
        raise ValueError(f"the network takes {want[0]} input{'s' if want[0] != 1 else ''} but the data set has "
                         f"{have[0]} feature{'s' if have[0] != 1 else ''}: set the shape of {name!r} to "
                         f"[{have[0]}]")
    raise ValueError(f"the network's input {name!r} takes samples of shape {_shape_text(want)} but the data "
                     f"set's samples have shape {_shape_text(have)}: set its shape to {_shape_text(have)}")


def check_outputs(analysis: Analysis, graph: Graph, dataset: Dataset, loss: str) -> None:
    """ValueError when the output layer's width cannot match the targets for this loss."""
    outputs = analysis.output_ids
    if len(outputs) != 1:
        raise ValueError(f"the network has {len(outputs)} outputs but a data set gives one target; keep one "
                         "last layer")
    shape = tuple(analysis.output_shapes[outputs[0]])
    width, name = shape[-1], graph.nodes[outputs[0]].name
    if dataset.is_classification and loss in CROSS_ENTROPIES:
        k = dataset.n_classes
        if loss == "binary_crossentropy":
            if k != 2 or width != 1:
                raise ValueError(f"binary cross-entropy needs two classes and one output unit (sigmoid); the "
                                 f"data set has {k} classes and {name!r} has {width} unit(s)")
        elif width != k:
            hint = " (or 1 unit with sigmoid and binary cross-entropy)" if k == 2 else ""
            raise ValueError(f"the output layer {name!r} has {width} unit{'s' if width != 1 else ''} but the data "
                             f"set has {k} classes: give it {k} units with softmax{hint}")
    elif not dataset.is_classification:
        if loss in CROSS_ENTROPIES:
            raise ValueError(f"{loss} is for classes but {dataset.name!r} is a regression task: use "
                             "mean_squared_error or mean_absolute_error")
        targets = tuple(dataset.y.shape[1:]) or (1,)
        if shape != targets and not (len(shape) == 1 and int(np.prod(targets)) == width):
            gives = f"{width} output value(s)" if len(shape) == 1 else f"outputs of shape {_shape_text(shape)}"
            raise ValueError(f"the network gives {gives} per sample but the data set has {int(np.prod(targets))} "
                             f"target column(s): give {name!r} {int(np.prod(targets))} unit(s)"
                             + ("" if len(shape) == 1 else " and flatten its input"))


def _targets(y: np.ndarray, loss: str, dataset: Dataset) -> np.ndarray:
    """Targets as ``loss`` wants them (an empty part keeps the right trailing shape)."""
    try:
        if len(y) == 0:
            return targets_for_loss(dataset.y[:1], loss, dataset.task, dataset.n_classes)[:0]
        return targets_for_loss(y, loss, dataset.task, dataset.n_classes)
    except ValueError as error:
        raise ValueError(f"the targets do not suit {loss}: {error}") from None


def reconstruction(dataset: Dataset) -> Dataset:
    """The data set as an autoencoder sees it: each sample's target is the sample itself (flattened)."""
    flat = dataset.x.reshape(len(dataset.x), -1)
    return replace(dataset, y=flat, task="regression", class_names=None,
                   target_names=list(dataset.feature_names) if len(dataset.feature_names) == flat.shape[1]
                   else [f"x{i}" for i in range(flat.shape[1])])


def prepare_data(analysis: Analysis, graph: Graph, settings, dataset: Dataset,
                 targets_from_inputs: bool = False) -> PreparedData:
    """Split by the settings' ratios and seed, scale on the training part, shape targets for the loss.

    ``targets_from_inputs`` (a spec's ``"targets": "inputs"``): an autoencoder, whose targets are its scaled
    inputs, flattened."""
    if not isinstance(dataset, Dataset):
        raise ValueError(f"expected a data set (engine.datasets.Dataset or its spec dict), got {type(dataset)}")
    if targets_from_inputs:
        dataset = reconstruction(dataset)
    ratios = settings.split if settings.split is not None else (None, None, None)
    parts = dataset.split(*ratios, seed=settings.seed)
    if not len(parts.x_train):
        raise ValueError(f"the training part of {dataset.name!r} is empty: give it a larger share of the data")
    parts = parts.scaled(settings.scaling)
    reshape = fit_inputs(analysis, graph, dataset.input_shape)
    output_shape = tuple(analysis.output_shapes[analysis.output_ids[0]]) if analysis.output_ids else (1,)
    loss = auto_loss(dataset, int(output_shape[-1])) if settings.loss == "auto" else loss_name(settings.loss)
    check_outputs(analysis, graph, dataset, loss)
    notes = []
    xs, ys = {}, {}
    for part in ("train", "val", "test"):
        x = getattr(parts, f"x_{part}")
        xs[part] = x.reshape((len(x),) + reshape) if reshape is not None else x
        ys[part] = _targets(getattr(parts, f"y_{part}"), loss, dataset)
        if targets_from_inputs:
            ys[part] = np.ascontiguousarray(getattr(parts, f"x_{part}").reshape(len(x), -1))
    if reshape is not None:
        notes.append(f"samples of shape {_shape_text(dataset.input_shape)} are reshaped to {_shape_text(reshape)}")
    if settings.metrics == "auto":
        metric_names = ["accuracy"] if dataset.is_classification and loss in CROSS_ENTROPIES else []
    else:
        metric_names = list(settings.metrics)
    labels = {part: ys[part] if targets_from_inputs else getattr(parts, f"y_{part}")
              for part in ("train", "val", "test")}
    return PreparedData(xs["train"], ys["train"], xs["val"], ys["val"], xs["test"], ys["test"],
                        labels, dataset, parts, loss, metric_names, notes)
