"""Keras' Model and Sequential on the engine: compile, fit, evaluate, predict, summary, save.

Code from the slides runs unchanged but for the import line. A model is an engine Graph plus the user's
layer objects; training runs the engine's TrainingLoop, so what ``fit`` does is what the GUI's Play does.
"""
from __future__ import annotations

import sys

import numpy as np

from engine import losses as losses_module
from engine import metrics as metrics_module
from engine import optimizers as optimizers_module
from engine.graph.model import Graph
from engine.keras import callbacks as callbacks_module
from engine.keras._symbolic import KerasTensor, call_layer, graph_from_tensors
from engine.keras.random import next_seed
from engine.keras.saving import load_model  # noqa: F401  (keras.models.load_model)
from engine.keras.summary import format_summary
from engine.layers.base import Layer
from engine.layers.input_layer import Input as InputLayer
from engine.network import Network
from engine.objective import Objective
from engine.training import TrainingLoop, as_array_list, check_batch_size, evaluate_arrays, predict_arrays


class Model:
    """Functional model: ``Model(inputs=x, outputs=y)`` with tensors from ``Input`` and layer calls."""

    def __init__(self, inputs=None, outputs=None, name: str | None = None, **kwargs):
        if kwargs:
            raise TypeError(f"Model got unexpected argument(s): {', '.join(kwargs)}")
        self.name = name or "functional"
        self.optimizer = None
        self.loss = None
        self.compiled_metrics: list = []
        self.stop_training = False
        self.history = None
        self._network: Network | None = None
        self._loop: TrainingLoop | None = None
        self._objective: Objective | None = None
        if inputs is not None or outputs is not None:
            if inputs is None or outputs is None:
                raise ValueError("Model(inputs=..., outputs=...) needs both")
            self._input_tensors = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
            self._output_tensors = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
            self._graph, self._layer_of_node = graph_from_tensors(self._input_tensors, self._output_tensors)

    @classmethod
    def from_graph(cls, graph: Graph, name: str | None = None) -> "Model":
        """A model over an engine graph (a designer document, a loaded project)."""
        from engine.graph.analysis import analyze
        from engine.network import GraphError

        analysis = analyze(graph)
        if not analysis.ok:
            raise GraphError(analysis.problems)
        model = cls(name=name)
        model._graph = graph
        model._layer_of_node = {node_id: analysis.layers[node_id] for node_id in graph.nodes}
        model._input_tensors = []
        model._output_tensors = []
        return model

    # -- structure ------------------------------------------------------------------------------------
    def to_graph(self) -> tuple[Graph, dict[str, Layer]]:
        """The engine graph (what the designer opens) and the layer object of each node."""
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
        raise ValueError(f"no layer named {name!r}; layers: {', '.join(l.name for l in self.layers)}")

    @property
    def network(self) -> Network:
        if self._network is None:
            graph, layers = self.to_graph()
            self._network = Network(graph, layers, seed=next_seed())
        return self._network

    def build(self, input_shape=None) -> None:
        self.network  # noqa: B018  (builds)

    @property
    def built(self) -> bool:
        return self._network is not None

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

    # -- compile --------------------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None, weighted_metrics=None,
                run_eagerly=False, steps_per_execution=1, jit_compile="auto", auto_scale_loss=True):
        if loss is None:
            raise ValueError("compile() needs a loss, e.g. loss='mse' or loss='sparse_categorical_crossentropy'")
        if loss_weights is not None or weighted_metrics:
            raise NotImplementedError("loss_weights and weighted_metrics are not supported yet")
        self.optimizer = optimizers_module.get(optimizer)
        self.loss = loss
        loss_objects = [losses_module.get(item) for item in (loss if isinstance(loss, (list, tuple)) else [loss])]
        loss_name = loss_objects[0].name
        self.compiled_metrics = [metrics_module.get(item, loss_name=loss_name) for item in (metrics or [])]
        self._loss_objects = loss_objects if isinstance(loss, (list, tuple)) else loss_objects[0]
        self._objective = None
        self._loop = None

    def _require_compiled(self) -> None:
        if self.optimizer is None:
            raise RuntimeError("the model must be compiled before training or evaluating: call "
                               "model.compile(optimizer=..., loss=...)")

    @property
    def objective(self) -> Objective:
        self._require_compiled()
        if self._objective is None or self._objective.network is not self.network:
            self._objective = Objective(self.network, self._loss_objects)
        return self._objective

    # -- training -------------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None, sample_weight=None,
            initial_epoch=0, steps_per_epoch=None, validation_steps=None, validation_batch_size=None,
            validation_freq=1, seed=None):
        self._require_compiled()
        if class_weight is not None or sample_weight is not None:
            raise NotImplementedError("class_weight and sample_weight are not supported yet")
        if x is None or y is None:
            raise ValueError("fit() needs inputs x and targets y")
        batch_size = check_batch_size(32 if batch_size is None else batch_size)
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise ValueError(f"epochs must be a whole number ≥ 0, got {epochs!r}")
        if not 0.0 <= float(validation_split) < 1.0:
            raise ValueError(f"validation_split must be in [0, 1), got {validation_split}")
        self._ensure_built_for(x)
        xs, ys = as_array_list(x, np.float32), as_array_list(y, np.float32)
        if validation_data is None and validation_split:
            # Keras takes the LAST fraction of the data, before any shuffling.
            n = len(xs[0])
            split = int(n * (1.0 - float(validation_split)))
            if split <= 0 or split >= n:
                raise ValueError(f"validation_split={validation_split} leaves no training or no validation "
                                 f"data with {n} samples")
            validation_data = ([a[split:] for a in xs], [a[split:] for a in ys])
            xs, ys = [a[:split] for a in xs], [a[:split] for a in ys]
        loop = TrainingLoop(self.network, self.objective, self.optimizer, xs, ys, batch_size=batch_size,
                            shuffle=shuffle, seed=seed if seed is not None else next_seed(),
                            metrics=self.compiled_metrics, validation_data=validation_data)
        loop.state.epoch = int(initial_epoch)
        self._loop = loop
        callback_list = callbacks_module.CallbackList(callbacks, model=self, verbose=verbose, epochs=epochs,
                                                      steps=-(-loop.n_samples // batch_size))
        self.history = callback_list.history
        self.stop_training = False
        callback_list.on_train_begin()
        for epoch in range(int(initial_epoch), int(epochs)):
            if self.stop_training:
                break
            callback_list.on_epoch_begin(epoch)
            report = loop.run_epoch(on_batch=callback_list.on_train_batch_end if callback_list.wants_batches
                                    else None)
            if report is not None and report.diverged:
                callback_list.on_divergence(report.diverged)
                self.stop_training = True
                break
            callback_list.on_epoch_end(epoch, dict(report.epoch_logs or {}))
        callback_list.on_train_end()
        return self.history

    def _ensure_built_for(self, x) -> None:
        """Sequential models without a declared input take their input shape from the first data."""

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", return_dict=False, **kwargs):
        self._require_compiled()
        self._ensure_built_for(x)
        xs = as_array_list(x, np.float32)
        ys = self.objective.prepare_targets(as_array_list(y, np.float32))
        metrics = [_fresh(metric) for metric in self.compiled_metrics]
        logs = evaluate_arrays(self.network, self.objective, xs, ys, metrics, batch_size or 32)
        if _verbosity(verbose) > 0:
            print(" - ".join(f"{key}: {value:.4f}" for key, value in logs.items()))
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", **kwargs) -> np.ndarray:
        self._ensure_built_for(x)
        xs = as_array_list(x, np.float32)
        self.network._as_input_list(xs)
        outputs = predict_arrays(self.network, xs, batch_size or 32)
        return outputs[0] if len(outputs) == 1 else outputs

    def __call__(self, x, training=False):
        if isinstance(x, KerasTensor):
            raise NotImplementedError("calling a model on a symbolic tensor (nesting models) is not supported")
        outputs = self.network.forward(as_array_list(x, np.float32), training=training)
        return outputs[0].copy() if len(outputs) == 1 else [o.copy() for o in outputs]

    def train_on_batch(self, x, y):
        self._require_compiled()
        self._ensure_built_for(x)
        loop = TrainingLoop(self.network, self.objective, self.optimizer, x, y, batch_size=len(np.asarray(
            x if not isinstance(x, (list, tuple)) else x[0])), shuffle=False, metrics=self.compiled_metrics)
        report = loop.step("batch")
        return report.loss

    # -- weights --------------------------------------------------------------------------------------
    def get_weights(self) -> list[np.ndarray]:
        self.network  # noqa: B018
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
    def weights(self):
        return self.get_weights()

    def count_params(self) -> int:
        return self.network.count_params()

    def summary(self, print_fn=None, line_length=None, **kwargs) -> None:
        text = format_summary(self)
        (print_fn or print)(text)

    # -- files ----------------------------------------------------------------------------------------
    def save(self, filepath, overwrite=True, **kwargs) -> None:
        from engine.keras.saving import save_model

        save_model(self, filepath, overwrite=overwrite)

    def save_weights(self, filepath, overwrite=True) -> None:
        from engine.io.weights_file import save_weights_npz

        save_weights_npz(filepath, self.network.weight_dict())

    def load_weights(self, filepath) -> None:
        from engine.io.weights_file import check_weights_match, load_weights_npz

        loaded = load_weights_npz(filepath)
        check_weights_match(self.network.weight_shapes(), loaded)
        self.network.set_weight_dict(loaded)

    def get_config(self) -> dict:
        graph, _ = self.to_graph()
        return {"name": self.name, "graph": graph.to_dict()}


class Sequential(Model):
    """A plain stack of layers: ``Sequential([Input((16,)), Dense(8, activation="relu"), Dense(2)])``."""

    def __init__(self, layers=None, name: str | None = None, **kwargs):
        super().__init__(name=name or "sequential", **kwargs)
        self._stack: list[Layer] = []
        self._input_layer: InputLayer | None = None
        for layer in layers or []:
            self.add(layer)

    def add(self, layer) -> None:
        if isinstance(layer, KerasTensor):
            if not isinstance(layer.layer, InputLayer):
                raise TypeError("Sequential.add takes layers (or an Input); got a computed tensor")
            layer = layer.layer
        if isinstance(layer, Model):
            raise NotImplementedError("nesting a model inside a Sequential is not supported yet")
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add expects a layer, got {type(layer).__name__}")
        if isinstance(layer, InputLayer):
            if self._input_layer is not None or self._stack:
                raise ValueError("the Input must come first, once")
            self._input_layer = layer
        else:
            declared = getattr(layer, "declared_input_shape", None)
            if not self._stack and self._input_layer is None and declared is not None:
                self._input_layer = InputLayer(shape=declared)
            self._stack.append(layer)
        self._invalidate()

    def pop(self) -> Layer:
        if not self._stack:
            raise ValueError("the model has no layers to remove")
        layer = self._stack.pop()
        self._invalidate()
        return layer

    def to_graph(self):
        if self._input_layer is None:
            raise ValueError("the model's input shape is unknown: start it with keras.Input(shape=(...)), "
                             "give the first layer input_shape=..., or fit/predict on data first")
        graph = Graph()
        layers: dict[str, Layer] = {}
        previous = None
        for index, layer in enumerate([self._input_layer] + self._stack):
            node = graph.add_node(layer.type_name, layer.parameters(), name=layer.name,
                                  position=(index * 180.0, 0.0))
            layers[node.id] = layer
            if previous is not None:
                graph.connect(previous, node.id)
            previous = node.id
        return graph, layers

    @property
    def layers(self) -> list[Layer]:
        return list(self._stack)  # Keras 3: a Sequential's layers exclude the InputLayer

    @property
    def inputs(self):
        self.to_graph()  # explains a missing input shape
        return [KerasTensor(self._input_layer, [], self._input_layer.shape)]

    def _ensure_built_for(self, x) -> None:
        if self._input_layer is None and x is not None:
            first = np.asarray(x[0] if isinstance(x, (list, tuple)) else x)
            if first.ndim < 2:
                raise ValueError(f"data needs a batch dimension first; got shape {first.shape}")
            self._input_layer = InputLayer(shape=first.shape[1:])
            self._invalidate()

    def __call__(self, x, training=False):
        if isinstance(x, KerasTensor):
            output = x
            for layer in self._stack:
                output = call_layer(layer, output)
            return output
        self._ensure_built_for(x)
        return super().__call__(x, training)


def _fresh(metric):
    clone = metric.__class__.from_config(metric.get_config()) if hasattr(metric, "from_config") else metric
    clone.reset_state()
    return clone


def _verbosity(verbose) -> int:
    if verbose == "auto":
        return 1
    return int(verbose)


def _write(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
