"""A compiled graph: layers built in topological order, all weights in one flat buffer.

Every trainable weight is a view into ``params`` (and its gradient into ``grads``), so an optimizer updates
the whole network with one kernel call and a snapshot of the weights is one copy.

Shapes: inputs and outputs carry the batch dimension first.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from engine.graph.analysis import analyze
from engine.graph.model import Graph
from engine.layers.base import Layer, WeightSlot


class GraphError(ValueError):
    """The graph cannot be compiled; ``problems`` lists every reason."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("the network cannot run yet:\n" + "\n".join(f"  - {p.message}" for p in self.problems))


class Network:
    def __init__(self, graph: Graph, layers: dict[str, Layer] | None = None, seed: int | None = None,
                 dtype=np.float32, pool_with_convolutions: bool = True):
        analysis = analyze(graph, layers)
        if not analysis.ok:
            raise GraphError(analysis.problems)
        self.graph = graph
        self.dtype = np.dtype(dtype)
        self.order = list(analysis.order)
        self.layers = analysis.layers
        self.input_ids = [node_id for node_id in self.order if node_id in analysis.input_ids]
        self.output_ids = list(analysis.output_ids)
        self.input_shapes = [analysis.output_shapes[node_id] for node_id in self.input_ids]
        self.output_shapes = [analysis.output_shapes[node_id] for node_id in self.output_ids]
        self.rng = np.random.default_rng(seed)
        self._sources = {node_id: graph.predecessors(node_id) for node_id in self.order}
        self._consumers = {node_id: graph.successors(node_id) for node_id in self.order}
        for node_id in self.order:
            layer = self.layers[node_id]
            shapes = analysis.input_shapes.get(node_id, [])
            if not layer.built or layer.input_shapes != shapes or self._dtype_of(layer) != self.dtype:
                layer.build(shapes, self.rng, self.dtype)
            else:
                layer._rng = self.rng
        for node_id in self.order:
            layer = self.layers[node_id]
            if hasattr(layer, "need_input_grad"):
                # Nothing upstream learns from a layer fed straight by the data: skip dL/dx (a third of a
                # first convolution's backward pass).
                layer.need_input_grad = not all(source in self.input_ids for source in self._sources[node_id])
        self._pack()
        self._outputs: dict[str, np.ndarray] = {}
        #: max pooling id → id of the convolution it runs together with (``_pooled_convolutions``); empty
        #: when ``pool_with_convolutions`` is False (every layer on its own: tests compare both ways)
        self.pooled_convolutions = self._pooled_convolutions() if pool_with_convolutions else {}
        self._skipped = set(self.pooled_convolutions.values())

    def _pooled_convolutions(self) -> dict[str, str]:
        """Max poolings that are the only reader of a relu/linear convolution: they run as one step
        (``engine.layers.pooling``: the bias and activation applied after pooling, on a quarter of the values).
        """
        pairs = {}
        for node_id in self.order:
            layer, sources = self.layers[node_id], self._sources[node_id]
            if not hasattr(layer, "can_follow") or len(sources) != 1 or sources[0] in self.input_ids:
                continue
            conv_id = sources[0]
            if (self._consumers[conv_id] == [node_id] and conv_id not in self.output_ids
                    and layer.can_follow(self.layers[conv_id])):
                pairs[node_id] = conv_id
        return pairs

    def _dtype_of(self, layer: Layer):
        slots = layer.weights
        return slots[0].value.dtype if slots else self.dtype

    # -- weights --------------------------------------------------------------------------------------
    def _pack(self) -> None:
        """Move every weight into the flat buffers; trainable ones first so the optimizer sees a prefix."""
        ordered = [(layer, slot) for layer in self.ordered_layers() for slot in layer.weights]
        trainable = [(layer, slot) for layer, slot in ordered if layer.trainable and slot.spec.trainable]
        frozen = [(layer, slot) for layer, slot in ordered if not (layer.trainable and slot.spec.trainable)]
        self.variables: list[tuple[Layer, WeightSlot]] = trainable + frozen
        sizes = [slot.value.size for _, slot in self.variables]
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.params = np.empty(int(offsets[-1]), dtype=self.dtype)
        self.grads = np.zeros(int(offsets[-1]), dtype=self.dtype)
        for (_, slot), start, stop in zip(self.variables, offsets[:-1], offsets[1:]):
            self.params[start:stop] = slot.value.ravel()
            slot.value = self.params[start:stop].reshape(slot.value.shape)
            slot.grad = self.grads[start:stop].reshape(slot.value.shape)
        self.n_trainable = int(offsets[len(trainable)])
        self.segments = offsets[: len(trainable) + 1].copy()  # trainable variables only
        self.trainable_variables = trainable

    def ordered_layers(self) -> list[Layer]:
        return [self.layers[node_id] for node_id in self.order]

    def weight_dict(self) -> dict[str, np.ndarray]:
        """Copies keyed 'layer_name/weight_name' (the .npz and project-file layout)."""
        return {f"{layer.name}/{slot.spec.name}": slot.value.copy() for layer, slot in self.variables}

    def weight_shapes(self) -> dict[str, tuple]:
        return {f"{layer.name}/{slot.spec.name}": slot.value.shape for layer, slot in self.variables}

    def set_weight_dict(self, weights: dict[str, np.ndarray]) -> None:
        for layer, slot in self.variables:
            slot.value[...] = weights[f"{layer.name}/{slot.spec.name}"]

    def count_params(self) -> int:
        return int(self.params.size)

    # -- computation ----------------------------------------------------------------------------------
    def _as_input_list(self, inputs) -> list[np.ndarray]:
        if isinstance(inputs, dict):
            names = {self.layers[node_id].name: node_id for node_id in self.input_ids}
            inputs = [inputs[self.layers[node_id].name] for node_id in self.input_ids] if set(inputs) <= set(
                names) else list(inputs.values())
        if not isinstance(inputs, (list, tuple)):
            inputs = [inputs]
        if len(inputs) != len(self.input_ids):
            raise ValueError(f"the network has {len(self.input_ids)} input(s) but got {len(inputs)} array(s)")
        arrays = []
        for array, node_id, shape in zip(inputs, self.input_ids, self.input_shapes):
            array = np.ascontiguousarray(array, dtype=self.dtype)
            if array.ndim == len(shape) or tuple(array.shape[1:]) != tuple(
                    size if size is not None else array.shape[i + 1] for i, size in enumerate(shape)):
                name = self.layers[node_id].name
                got = array.shape[1:] if array.ndim > len(shape) else array.shape
                raise ValueError(f"input {name!r} expects samples of shape {shape} but got {tuple(got)} "
                                 f"(data shape {array.shape}); check the number of input columns")
            arrays.append(array)
        return arrays

    def forward(self, inputs, training: bool = False) -> list[np.ndarray]:
        arrays = self._as_input_list(inputs)
        outputs: dict[str, np.ndarray] = {}
        feeds = dict(zip(self.input_ids, arrays))
        for node_id in self.order:
            layer = self.layers[node_id]
            if node_id in feeds:
                outputs[node_id] = feeds[node_id]
            elif node_id in self.pooled_convolutions:
                conv_id = self.pooled_convolutions[node_id]
                outputs[node_id] = layer.forward_after(self.layers[conv_id], [outputs[source] for source in
                                                                             self._sources[conv_id]], training)
            elif node_id not in self._skipped:  # a pooled convolution runs with its pooling
                outputs[node_id] = layer.forward([outputs[source] for source in self._sources[node_id]],
                                                 training)
        self._outputs = outputs
        return [outputs[node_id] for node_id in self.output_ids]

    def backward(self, output_grads: dict[str, np.ndarray], from_pre_activation: Sequence[str] = ()) -> None:
        """Backpropagate from output gradients; fills ``grads`` (weight gradients are overwritten).

        ``from_pre_activation`` lists output nodes whose gradient is dL/d(pre-activation) — the fused
        softmax/sigmoid + cross-entropy path.
        """
        self.grads[:] = 0.0
        pending: dict[str, np.ndarray] = dict(output_grads)
        for node_id in reversed(self.order):
            if node_id in self.input_ids:
                continue
            grad = pending.pop(node_id, None)
            if grad is None:
                continue
            layer = self.layers[node_id]
            sources = self._sources[node_id]
            if node_id in from_pre_activation:
                input_grads = layer.backward_from_pre_activation(grad)
            elif node_id in self.pooled_convolutions:
                input_grads = layer.backward_into(grad)
                sources = self._sources[self.pooled_convolutions[node_id]]
            else:
                input_grads = layer.backward(grad)
            for source, input_grad in zip(sources, input_grads):
                if source in self.input_ids:
                    continue
                if source in pending:
                    pending[source] = pending[source] + input_grad  # fan-out: gradients add up
                else:
                    pending[source] = input_grad

    def regularization_penalty(self) -> float:
        return float(sum(layer.regularization_penalty() for layer in self.ordered_layers()))

    def add_regularization_gradients(self) -> None:
        for layer in self.ordered_layers():
            layer.add_regularization_gradients()

    def apply_constraints(self) -> None:
        for layer in self.ordered_layers():
            layer.apply_constraints()

    def has_regularizers(self) -> bool:
        return any(slot.spec.regularizer is not None for _, slot in self.variables)

    def has_constraints(self) -> bool:
        return any(slot.spec.constraint is not None for _, slot in self.variables)

    def layer_by_name(self, name: str) -> Layer:
        for layer in self.ordered_layers():
            if layer.name == name:
                return layer
        raise KeyError(f"no layer named {name!r}")
