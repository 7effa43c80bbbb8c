"""Keras' Sequential: a plain stack of layers, its input declared by an Input, by the first layer's
``input_shape``/``input_dim`` (Keras 2 style), by ``build`` or by the first data it sees."""
from __future__ import annotations

import numpy as np

from engine.graph.model import Graph
from engine.keras._model import Model
from engine.keras._symbolic import KerasTensor, call_layer, input_layer
from engine.layers.base import Layer
from engine.layers.input_layer import Input as InputLayer


class Sequential(Model):
    """A plain stack of layers: ``Sequential([Input((16,)), Dense(8, activation="relu"), Dense(2)])``."""

    def __init__(self, layers=None, name: str | None = None, **kwargs):
        super().__init__(name=name, **kwargs)
        self._stack: list[Layer] = []
        self._input_layer: InputLayer | None = None
        for layer in layers or []:
            self.add(layer)

    @staticmethod
    def _default_name() -> str:
        return "sequential"

    def add(self, layer) -> None:
        if isinstance(layer, KerasTensor):
            if not isinstance(layer.layer, InputLayer):
                raise TypeError("Sequential.add takes layers (or an Input); got a computed tensor")
            layer = layer.layer
        if isinstance(layer, Model):
            raise NotImplementedError("nesting a model inside a Sequential is not supported yet")
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add expects a layer, got {type(layer).__name__}")
        if any(layer is other for other in self._stack) or layer is self._input_layer:
            raise ValueError(f"layer {layer.name!r} is already in this model; create a new layer")
        if isinstance(layer, InputLayer):
            if self._input_layer is not None or self._stack:
                raise ValueError("the Input must come first, once")
            self._input_layer = layer
        else:
            declared = getattr(layer, "declared_input_shape", None)
            if not self._stack and self._input_layer is None and declared is not None:
                self._input_layer = input_layer(declared)
            self._stack.append(layer)
        self._invalidate()

    def pop(self) -> Layer:
        if not self._stack:
            raise ValueError("the model has no layers to remove")
        layer = self._stack.pop()
        self._invalidate()
        return layer

    def build(self, input_shape=None) -> None:
        """``model.build((None, 16))`` declares the input when no Input was given."""
        if input_shape is not None and self._input_layer is None:
            self._input_layer = input_layer(tuple(input_shape)[1:])
            self._invalidate()
        self.network  # noqa: B018

    def built_for_summary(self) -> bool:
        return self._input_layer is not None

    def to_graph(self):
        if self._input_layer is None:
            raise ValueError("the model's input shape is unknown: start it with keras.Input(shape=(...)), "
                             "give the first layer input_shape=..., or fit/predict on data first")
        if not self._stack:
            raise ValueError("the Sequential model has no layers: add some with model.add(...)")
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
            self._input_layer = input_layer(first.shape[1:])
            self._invalidate()

    def __call__(self, x, training=False):
        if isinstance(x, KerasTensor):
            output = x
            for layer in self._stack:
                output = call_layer(layer, output)
            return output
        return super().__call__(x, training)
