"""Flatten and Reshape: change how values are arranged, never their number."""
from __future__ import annotations

import math

from engine.layers.base import Layer, ParamSpec, ShapeError
from engine.layers.registry import register_layer


def _known_size(shape, layer: str) -> int:
    if any(size is None for size in shape):
        raise ShapeError(f"{layer} needs every input dimension to be known, got {shape}")
    return math.prod(shape)


@register_layer("Reshape", icon="flatten", description="Turns each sample into a flat vector")
class Flatten(Layer):
    """Flattens each sample into a vector (e.g. 28×28×1 → 784)."""

    param_specs = ()

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError("only channels_last data is supported")

    def compute_output_shape(self, input_shapes):
        self.check_input_count(len(input_shapes))
        return (_known_size(tuple(input_shapes[0]), "Flatten"),)

    def forward(self, inputs, training):
        x = inputs[0]
        self._shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, grad_output):
        return [grad_output.reshape(self._shape)]


@register_layer("Reshape", icon="reshape", description="Rearranges each sample into a new shape")
class Reshape(Layer):
    """Rearranges each sample into ``target_shape`` (one size may be -1: inferred)."""

    param_specs = (ParamSpec("target_shape", "shape", (1,), "new shape of one sample; one size may be -1"),)

    def __init__(self, target_shape=(1,), **kwargs):
        super().__init__(**kwargs)
        if isinstance(target_shape, int):
            target_shape = (target_shape,)
        target_shape = tuple(int(size) for size in target_shape)
        if sum(size == -1 for size in target_shape) > 1 or any(size == 0 or size < -1 for size in target_shape):
            raise ValueError(f"Reshape target_shape needs positive sizes and at most one -1, got {target_shape}")
        self.target_shape = target_shape

    def compute_output_shape(self, input_shapes):
        self.check_input_count(len(input_shapes))
        total = _known_size(tuple(input_shapes[0]), "Reshape")
        known = math.prod(size for size in self.target_shape if size != -1)
        if -1 in self.target_shape:
            if total % known:
                raise ShapeError(f"cannot reshape {total} values into {self.target_shape}: "
                                 f"{total} is not a multiple of {known}")
            return tuple(total // known if size == -1 else size for size in self.target_shape)
        if known != total:
            raise ShapeError(f"cannot reshape {tuple(input_shapes[0])} ({total} values) into "
                             f"{self.target_shape} ({known} values)")
        return self.target_shape

    def forward(self, inputs, training):
        x = inputs[0]
        self._shape = x.shape
        return x.reshape((x.shape[0],) + self.output_shape_)

    def backward(self, grad_output):
        return [grad_output.reshape(self._shape)]
