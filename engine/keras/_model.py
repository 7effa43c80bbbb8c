"""Keras' functional Model on the engine: compile, fit, evaluate, predict, summary, save.

Code from the slides runs unchanged but for the import line. A model is an engine Graph plus the user's
layer objects; training runs the engine's TrainingLoop, so what ``fit`` does is what the GUI's Play does.
"""
from __future__ import annotations

import numpy as np

from engine import losses as losses_module
from engine import metrics as metrics_module
from engine import optimizers as optimizers_module
from engine.graph.model import Graph
from engine.keras._symbolic import KerasTensor, graph_from_tensors
from engine.keras.random import next_seed
from engine.keras.summary import format_summary
from engine.layers.base import Layer, _auto_name
from engine.network import Network
from engine.objective import Objective
from engine.training import as_array_list, check_batch_size, evaluate_arrays, predict_arrays


class Model:
    """Functional model: ``Model(inputs=x, outputs=y)`` with tensors from ``Input`` and layer calls."""

    def __init__(self, inputs=None, outputs=None, name: str | None = None, **kwargs):
        kwargs.pop("trainable", None)
        if kwargs:
            raise TypeError(f"Model got unexpected argument(s): {', '.join(kwargs)}; valid: inputs, outputs, name")
        self.name = name or _auto_name(self._default_name())
        self.optimizer = None
        self.loss = None
        self.compiled_metrics: list = []
        self._metric_identifiers: list = []
        self.stop_training = False
        self.stop_reason: str | None = None  # why the last fit stopped early (diverged), for people to read
        self.history = None
        self._network: Network | None = None
        self._loop = None
        self._objective: Objective | None = None
        self._input_tensors: list[KerasTensor] = []
        self._output_tensors: list[KerasTensor] = []
        self._graph: Graph | None = None
        self._layer_of_node: dict[str, Layer] = {}
        if inputs is not None or outputs is not None:
            if inputs is None or outputs is None:
                raise ValueError("Model(inputs=..., outputs=...) needs both")
            self._input_tensors = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
            self._output_tensors = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
            for tensor in self._input_tensors + self._output_tensors:
                if not isinstance(tensor, KerasTensor):
                    raise TypeError(f"Model inputs and outputs must be tensors from keras.Input and layer calls, "
                                    f"got {type(tensor).__name__}")
            self._graph, self._layer_of_node = graph_from_tensors(self._input_tensors, self._output_tensors)

    @staticmethod
    def _default_name() -> str:
        return "functional"

    @classmethod
    def from_graph(cls, graph: Graph, name: str | None = None) -> "Model":
        """A model over an engine graph (a designer document, a loaded project)."""
        from engine.graph.analysis import analyze
        from engine.network import GraphError

        analysis = analyze(graph)
        if not analysis.ok:
            raise GraphError(analysis.problems)
        model = Model(name=name)
        model._graph, model._layer_of_node = graph, {node_id: analysis.layers[node_id] for node_id in graph.nodes}
        return model

    # -- structure ------------------------------------------------------------------------------------
    def to_graph(self) -> tuple[Graph, dict[str, Layer]]:
        """The engine graph (what the designer opens) and the layer object of each node."""
        if self._graph is None:
            raise ValueError("this Model has no layers: build it as Model(inputs=..., outputs=...) from "
                             "keras.Input and layer calls (subclassing Model is not supported)")
        return self._graph, self._layer_of_node

    @property
    def layers(self) -> list[Layer]:
        graph, layers = self.to_graph()
        return [layers[node_id] for node_id in graph.nodes]

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        if index is not None:
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"no layer named {name!r}; layers: {', '.join(layer.name for layer in self.layers)}")

    @property
    def network(self) -> Network:
        """The compiled network; rebuilt when another model sharing these layers took their weights over."""
        if self._network is not None and not self._owns_weights(self._network):
            self._invalidate()
        if self._network is None:
            graph, layers = self.to_graph()
            self._network = Network(graph, layers, seed=next_seed())
        return self._network

    @staticmethod
    def _owns_weights(network: Network) -> bool:
        # Two models over the same layers (Keras allows it: an encoder taken out of a trained model) each
        # pack the weights into their own flat buffer; the one built last holds the live views.
        return all(np.may_share_memory(slot.value, network.params) for _, slot in network.variables)

    def build(self, input_shape=None) -> None:
        self.network  # noqa: B018  (builds)

    @property
    def built(self) -> bool:
        return self._network is not None

    def built_for_summary(self) -> bool:
        return True

    def _invalidate(self) -> None:
        self._network = None
        self._loop = None
        self._objective = None

    @property
    def inputs(self) -> list[KerasTensor]:
        return self._input_tensors

    @property
    def outputs(self) -> list[KerasTensor]:
        return self._output_tensors

    @property
    def input_shape(self):
        shapes = [(None,) + tuple(shape) for shape in self.network.input_shapes]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [(None,) + tuple(shape) for shape in self.network.output_shapes]
        return shapes[0] if len(shapes) == 1 else shapes

    # -- compile --------------------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None, weighted_metrics=None,
                run_eagerly=False, steps_per_execution=1, jit_compile="auto", auto_scale_loss=True):
        if loss is None:
            raise ValueError("compile() needs a loss, e.g. loss='mse' or loss='sparse_categorical_crossentropy'")
        if loss_weights is not None or weighted_metrics:
            raise NotImplementedError("loss_weights and weighted_metrics are not supported yet")
        if isinstance(metrics, dict) or any(isinstance(item, (list, tuple, dict)) for item in metrics or []):
            raise NotImplementedError("metrics per output (nested lists or a dict) are not supported yet; give "
                                      "one flat list, e.g. metrics=['accuracy']")
        if metrics and self._graph is not None and len(self.network.output_ids) > 1:
            raise NotImplementedError("metrics on a model with several outputs are not supported yet; compile "
                                      "without metrics (the loss of every output is still trained)")
        optimizer = optimizers_module.get(optimizer)
        loss_objects = [losses_module.get(item) for item in (loss if isinstance(loss, (list, tuple)) else [loss])]
        compiled_metrics = [metrics_module.get(item, loss_name=loss_objects[0].name) for item in (metrics or [])]
        self.optimizer = optimizer
        self.loss = loss
        self.compiled_metrics = compiled_metrics
        self._metric_identifiers = list(metrics or [])
        self._loss_objects = loss_objects if isinstance(loss, (list, tuple)) else loss_objects[0]
        self._objective = None
        self._loop = None

    @property
    def compiled(self) -> bool:
        return self.optimizer is not None

    def _require_compiled(self) -> None:
        if self.optimizer is None:
            raise RuntimeError("the model must be compiled before training or evaluating: call "
                               "model.compile(optimizer=..., loss=...)")

    @property
    def objective(self) -> Objective:
        self._require_compiled()
        network = self.network
        if self._objective is None or self._objective.network is not network:
            self._objective = Objective(network, self._loss_objects)
        return self._objective

    @property
    def metrics_names(self) -> list[str]:
        return ["loss"] + [metric.name for metric in self.compiled_metrics]

    # -- training -------------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None, sample_weight=None,
            initial_epoch=0, steps_per_epoch=None, validation_steps=None, validation_batch_size=None,
            validation_freq=1, seed=None):
        """Train for ``epochs`` (Keras semantics); returns the History callback."""
        from engine.keras._fit import run_fit

        return run_fit(self, x, y, batch_size=batch_size, epochs=epochs, verbose=verbose, callbacks=callbacks,
                       validation_split=validation_split, validation_data=validation_data, shuffle=shuffle,
                       class_weight=class_weight, sample_weight=sample_weight, initial_epoch=initial_epoch,
                       steps_per_epoch=steps_per_epoch, validation_steps=validation_steps,
                       validation_batch_size=validation_batch_size, validation_freq=validation_freq, seed=seed)

    def _ensure_built_for(self, x) -> None:
        """Sequential models without a declared input take their input shape from the first data."""

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False, **kwargs):
        """Loss (and metrics) on the data: a number, ``[loss, metric, ...]`` or, with return_dict, a dict."""
        self._require_compiled()
        if sample_weight is not None:
            raise NotImplementedError("sample_weight is not supported yet")
        if x is None or y is None:
            raise ValueError("evaluate() needs inputs x and targets y")
        batch_size = check_batch_size(32 if batch_size is None else batch_size)
        self._ensure_built_for(x)
        xs = as_array_list(x, np.float32)
        ys = self.objective.prepare_targets(as_array_list(y, np.float32))
        metrics = [_fresh(metric) for metric in self.compiled_metrics]
        logs = evaluate_arrays(self.network, self.objective, xs, ys, metrics, batch_size)
        if _verbosity(verbose) > 0:
            print(" - ".join(f"{key}: {value:.4f}" for key, value in sorted(logs.items())))
        if return_dict:
            return {key: logs[key] for key in sorted(logs)}  # Keras sorts the names
        values = [logs[name] for name in self.metrics_names if name in logs]
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None, **kwargs) -> np.ndarray:
        batch_size = check_batch_size(32 if batch_size is None else batch_size)
        self._ensure_built_for(x)
        xs = as_array_list(x, np.float32)
        self.network._as_input_list(xs)  # wrong widths fail here, with the layer's name
        outputs = predict_arrays(self.network, xs, batch_size)
        return outputs[0] if len(outputs) == 1 else outputs

    def __call__(self, x, training=False):
        if isinstance(x, KerasTensor) or (isinstance(x, (list, tuple)) and x and isinstance(x[0], KerasTensor)):
            raise NotImplementedError("calling a model on a symbolic tensor (nesting models) is not supported")
        self._ensure_built_for(x)
        outputs = self.network.forward(as_array_list(x, np.float32), training=bool(training))
        return outputs[0].copy() if len(outputs) == 1 else [o.copy() for o in outputs]

    def train_on_batch(self, x, y):
        """One optimizer step on this batch; returns the loss (as Keras without metrics)."""
        from engine.training import TrainingLoop

        self._require_compiled()
        self._ensure_built_for(x)
        xs = as_array_list(x, np.float32)
        loop = TrainingLoop(self.network, self.objective, self.optimizer, xs, y, batch_size=len(xs[0]),
                            shuffle=False, metrics=[])
        report = loop.step("batch")
        if report.diverged:
            raise FloatingPointError(report.diverged)
        return report.loss

    def test_on_batch(self, x, y):
        return self.evaluate(x, y, batch_size=len(as_array_list(x, np.float32)[0]), verbose=0)

    def predict_on_batch(self, x):
        return self.predict(x, batch_size=len(as_array_list(x, np.float32)[0]), verbose=0)

    # -- weights --------------------------------------------------------------------------------------
    def get_weights(self) -> list[np.ndarray]:
        """Copies of every weight array, layer by layer (kernel (in, out), then bias), as Keras orders them."""
        self.network  # noqa: B018  (builds, and takes the weights back from a model sharing the layers)
        return [array for layer in self.layers for array in layer.get_weights()]

    def set_weights(self, weights) -> None:
        self.network  # noqa: B018
        weights = list(weights)
        expected = sum(len(layer.weights) for layer in self.layers)
        if len(weights) != expected:
            raise ValueError(f"the model has {expected} weight arrays, got {len(weights)}")
        for layer in self.layers:
            count = len(layer.weights)
            layer.set_weights(weights[:count])
            weights = weights[count:]

    @property
    def weights(self) -> list[np.ndarray]:
        return self.get_weights()

    def count_params(self) -> int:
        return self.network.count_params()

    def summary(self, line_length=None, positions=None, print_fn=None, **kwargs) -> None:
        text = format_summary(self, line_length=line_length, positions=positions)
        (print_fn or print)(text)

    # -- files ----------------------------------------------------------------------------------------
    def save(self, filepath, overwrite=True, **kwargs) -> None:
        """Save architecture, weights, training settings, optimizer state and history in a project file."""
        from engine.keras.saving import save_model

        save_model(self, filepath, overwrite=overwrite)

    def save_weights(self, filepath, overwrite=True) -> None:
        """Weights as an .npz of 'layer/weight' arrays (whatever the file name says)."""
        import os

        from engine.io.weights_file import save_weights_npz

        if not overwrite and os.path.exists(filepath):
            raise FileExistsError(f"{filepath} exists and overwrite=False")
        save_weights_npz(filepath, self.network.weight_dict())

    def load_weights(self, filepath, skip_mismatch=False) -> None:
        """Weights saved by ``save_weights``: matched by layer name, or, when the names differ (the same
        architecture built again gets new automatic names), by position, as Keras matches them."""
        from engine.io.weights_file import check_weights_match, load_weights_npz

        loaded = load_weights_npz(filepath)
        expected = self.network.weight_shapes()
        if set(loaded) != set(expected) and [np.shape(v) for v in loaded.values()] == list(expected.values()):
            loaded = dict(zip(expected, loaded.values()))
        check_weights_match(expected, loaded)
        for key, value in loaded.items():
            if not np.all(np.isfinite(value)):
                raise ValueError(f"{filepath}: {key} contains NaN or infinite values")
        self.network.set_weight_dict(loaded)

    def get_config(self) -> dict:
        graph, _ = self.to_graph()
        return {"name": self.name, "graph": graph.to_dict()}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"


def _fresh(metric):
    """An unused copy of a compiled metric (evaluate must not disturb fit's running state)."""
    import copy

    clone = copy.deepcopy(metric)
    clone.reset_state()
    return clone


def _verbosity(verbose) -> int:
    if verbose == "auto":
        return 1
    return int(verbose)
