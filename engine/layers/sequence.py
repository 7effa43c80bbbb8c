"""RepeatVector and TimeDistributed: the glue of encoder-decoder networks (Keras 3 semantics)."""
from __future__ import annotations

import numpy as np

from engine.layers.base import Layer, ParamSpec, ShapeError
from engine.layers.registry import create_layer, register_layer


@register_layer("Reshape", icon="repeat_vector", description="Repeats a vector n times into a sequence")
class RepeatVector(Layer):
    """Repeats each input vector ``n`` times: (features,) → (n, features)."""

    param_specs = (ParamSpec("n", "int", 1, "how many time steps to make", minimum=1, maximum=100_000),)

    def __init__(self, n=1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"RepeatVector n must be a positive whole number, got {n!r}")
        self.n = int(n)

    def compute_output_shape(self, input_shapes):
        self.check_input_count(len(input_shapes))
        shape = tuple(input_shapes[0])
        if len(shape) != 1:
            raise ShapeError(f"RepeatVector repeats vectors, got samples of shape {shape}; put a Flatten before "
                             "it, or an LSTM/GRU without return_sequences")
        return (self.n, shape[0])

    def forward(self, inputs, training):
        x = inputs[0]
        return np.ascontiguousarray(np.broadcast_to(x[:, None, :], (x.shape[0], self.n, x.shape[1])))

    def backward(self, grad_output):
        return [grad_output.sum(axis=1)]


def _as_layer(layer) -> Layer:
    if isinstance(layer, dict):  # a config: {"class_name": "Dense", "config": {...}} (Keras' own layout too)
        if "class_name" not in layer:
            raise ValueError(f"TimeDistributed layer config needs a 'class_name' key, got keys {sorted(layer)}")
        return create_layer(layer["class_name"], layer.get("config") or {})
    if not isinstance(layer, Layer):
        raise ValueError(f"TimeDistributed wraps a layer, e.g. TimeDistributed(Dense(10)); got {layer!r}")
    return layer


@register_layer("Recurrent", icon="time_distributed", description="Applies one layer to every time step")
class TimeDistributed(Layer):
    """Applies the wrapped layer to every time step of a sequence, with the same weights.

    The time steps are folded into the batch (B, T, ...) → (B·T, ...), so one call of the wrapped layer does
    them all; its weights (Keras names: kernel, bias, ...) are this layer's weights.
    """

    param_specs = (ParamSpec("layer", "layer", None, "the layer applied at every time step"),)

    def __init__(self, layer, **kwargs):
        super().__init__(**kwargs)
        self.layer = _as_layer(layer)
        inner = self.layer
        if inner.min_inputs != 1 or inner.max_inputs != 1:
            raise ValueError(f"TimeDistributed wraps a layer with one input; {inner.type_name} takes "
                             f"{inner.min_inputs}" + ("" if inner.max_inputs == inner.min_inputs else " or more"))

    # Output-activation fusion passes through: TimeDistributed(Dense(10, activation="softmax")) + cross-entropy
    # uses the stable fused gradient, like a plain Dense.
    output_activation_name = property(lambda self: self.layer.output_activation_name)  # type: ignore[assignment]

    @staticmethod
    def _step_shape(input_shapes) -> tuple:
        shape = tuple(input_shapes[0])
        if len(shape) < 2:
            raise ShapeError(f"TimeDistributed needs sequences: samples of shape (time steps, ...), got {shape}; "
                             "use the wrapped layer on its own, or return_sequences=True in the layer before")
        return shape[1:]

    def compute_output_shape(self, input_shapes):
        self.check_input_count(len(input_shapes))
        step_shape = self._step_shape(input_shapes)
        return (tuple(input_shapes[0])[0],) + tuple(self.layer.compute_output_shape([step_shape]))

    def weight_specs(self, input_shapes):
        return self.layer.weight_specs([self._step_shape(input_shapes)])

    def build(self, input_shapes, rng, dtype=np.float32):
        input_shapes = [tuple(shape) for shape in input_shapes]
        self.check_input_count(len(input_shapes))
        self.output_shape_ = self.compute_output_shape(input_shapes)
        self.layer.build([self._step_shape(input_shapes)], rng, dtype)
        self.input_shapes = input_shapes
        self._rng = rng
        # One set of slots: the network rebinds them to its flat buffer and both layers see the views.
        self.weights_by_name = self.layer.weights_by_name
        self.built = True

    def forward(self, inputs, training):
        x = inputs[0]
        self._shape = x.shape
        folded = self.layer.forward([x.reshape((-1,) + x.shape[2:])], training)
        return folded.reshape(x.shape[:2] + folded.shape[1:])

    def _unfold(self, grads):
        return [grads[0].reshape(self._shape)]

    def backward(self, grad_output):
        return self._unfold(self.layer.backward(grad_output.reshape((-1,) + grad_output.shape[2:])))

    def pre_activation(self):
        return self.layer.pre_activation()

    def backward_from_pre_activation(self, grad_pre_activation):
        return self._unfold(self.layer.backward_from_pre_activation(grad_pre_activation))
