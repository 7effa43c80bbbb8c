"""Activation: applies a function to each value (or softmax to each sample)."""
from __future__ import annotations

import numpy as np

from engine import activations
from engine.layers.base import Layer, ParamSpec
from engine.layers.registry import register_layer


@register_layer("Activation", icon="activation", description="Applies an activation function")
class Activation(Layer):
    """Applies an activation function to its input."""

    param_specs = (ParamSpec("activation", "activation", "relu", "the function applied"),)

    def __init__(self, activation="relu", **kwargs):
        super().__init__(**kwargs)
        self._activation = activations.get(activation)

    @property
    def activation(self) -> str:
        return self._activation.name

    output_activation_name = property(lambda self: self._activation.name)  # type: ignore[assignment]

    def compute_output_shape(self, input_shapes):
        self.check_input_count(len(input_shapes))
        return tuple(input_shapes[0])

    def forward(self, inputs, training):
        x = inputs[0]
        self._shape = x.shape
        self._z = np.ascontiguousarray(x.reshape(-1, x.shape[-1] if x.ndim else 1))
        self._a = self._activation.forward(self._z)
        return self._a.reshape(x.shape)

    def pre_activation(self):
        return self._z

    def backward(self, grad_output):
        grad_a = np.ascontiguousarray(grad_output.reshape(self._z.shape))
        return self.backward_from_pre_activation(self._activation.backward(self._z, self._a, grad_a))

    def backward_from_pre_activation(self, grad_pre_activation):
        return [grad_pre_activation.reshape(self._shape)]
