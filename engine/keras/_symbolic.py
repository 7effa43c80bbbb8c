"""Symbolic tensors for the functional API: ``x = Input((16,)); y = Dense(8)(x); Model(x, y)``.

A KerasTensor only records which layer made it from which tensors; ``graph_from_tensors`` turns that
history into an engine Graph whose nodes keep the user's layer objects.
"""
from __future__ import annotations

import numpy as np

from engine.graph.model import Graph
from engine.layers.base import Layer, _auto_name
from engine.layers.input_layer import Input as InputLayer


class KerasTensor:
    def __init__(self, layer: Layer, sources: list["KerasTensor"], sample_shape: tuple):
        self.layer = layer
        self.sources = sources
        self.sample_shape = tuple(sample_shape)

    @property
    def shape(self) -> tuple:
        return (None,) + self.sample_shape

    @property
    def dtype(self) -> str:
        return "float32"

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}, name={self.layer.name}>"


def Input(shape=None, batch_size=None, name=None, dtype=None, batch_shape=None, **kwargs) -> KerasTensor:
    """Keras' ``keras.Input``: a symbolic input of the given sample shape."""
    if shape is None and batch_shape is None:
        raise ValueError("Input needs a shape, e.g. Input(shape=(16,))")
    if batch_shape is not None:
        shape = tuple(batch_shape)[1:]
    layer = input_layer(shape, name)
    return KerasTensor(layer, [], layer.shape)


def input_layer(shape, name: str | None = None) -> InputLayer:
    """The engine's Input layer under Keras' default name (input_layer, input_layer_1, ...)."""
    return InputLayer(shape=shape, name=name or _auto_name("input_layer"))


def call_layer(layer: Layer, inputs, training=None):
    """``layer(inputs)``: symbolic when given KerasTensors, eager when given arrays."""
    tensors = inputs if isinstance(inputs, (list, tuple)) else [inputs]
    if all(isinstance(tensor, KerasTensor) for tensor in tensors):
        layer.check_input_count(len(tensors))
        shape = layer.compute_output_shape([tensor.sample_shape for tensor in tensors])
        if layer._keras_history:
            raise ValueError(f"layer {layer.name!r} is already used in a network; sharing a layer between "
                             "two places is not supported — create a second layer")
        output = KerasTensor(layer, list(tensors), shape)
        layer._keras_history.append(output)
        return output
    if any(isinstance(tensor, KerasTensor) for tensor in tensors):
        raise TypeError("mix of symbolic tensors and arrays in one layer call")
    arrays = [np.ascontiguousarray(array, dtype=np.float32) for array in tensors]
    shapes = [array.shape[1:] for array in arrays]
    if not layer.built or layer.input_shapes != [tuple(s) for s in shapes]:
        from engine.keras.random import next_generator

        layer.build(shapes, next_generator())
    return layer.forward(arrays, training=bool(training))


def graph_from_tensors(inputs: list[KerasTensor], outputs: list[KerasTensor]) -> tuple[Graph, dict[str, Layer]]:
    """Walk back from the outputs; every layer becomes a node (ids in creation order)."""
    ordered: list[KerasTensor] = []
    seen: set[int] = set()

    def visit(tensor: KerasTensor) -> None:
        if id(tensor) in seen:
            return
        for source in tensor.sources:
            visit(source)
        seen.add(id(tensor))
        ordered.append(tensor)

    for output in outputs:
        visit(output)
    for tensor in inputs:
        if id(tensor) not in seen:
            raise ValueError(f"input {tensor.layer.name!r} is not connected to the outputs")
    for tensor in ordered:
        if not tensor.sources and not isinstance(tensor.layer, InputLayer):
            raise ValueError(f"{tensor.layer.name!r} has no input")
        if isinstance(tensor.layer, InputLayer) and all(tensor is not given for given in inputs):
            raise ValueError(f"the outputs depend on input {tensor.layer.name!r}, which is not in `inputs`")
    graph = Graph()
    layers: dict[str, Layer] = {}
    node_of: dict[int, str] = {}
    for index, tensor in enumerate(ordered):
        layer = tensor.layer
        node = graph.add_node(layer.type_name, layer.parameters(), name=layer.name,
                              position=(index * 180.0, 0.0))
        layers[node.id] = layer
        node_of[id(tensor)] = node.id
        for port, source in enumerate(tensor.sources):
            graph.connect(node_of[id(source)], node.id, port)
    return graph, layers
