"""Input: where data enters the network."""
from __future__ import annotations

from engine.layers.base import Layer, ParamSpec, ShapeError
from engine.layers.registry import register_layer


def normalize_shape(shape) -> tuple:
    if isinstance(shape, int):
        shape = (shape,)
    try:
        shape = tuple(shape)
    except TypeError:
        raise ValueError(f"an input shape must be a tuple of sizes, got {shape!r}") from None
    for size in shape:
        if size is not None and (isinstance(size, bool) or int(size) != size or int(size) < 1):
            raise ValueError(f"input sizes must be positive whole numbers (or None), got {shape!r}")
    return tuple(None if size is None else int(size) for size in shape)


@register_layer("Input/Output", icon="input", description="The data entering the network")
class Input(Layer):
    """Network input: a batch of samples of the given shape (batch dimension excluded)."""

    param_specs = (ParamSpec("shape", "shape", (2,), "size of one sample, e.g. (2,) or (28, 28, 1)"),)
    min_inputs = 0
    max_inputs = 0

    def __init__(self, shape=(2,), **kwargs):
        # Keras' InputLayer spells it batch_shape / input_shape too.
        if "input_shape" in kwargs:
            shape = kwargs.pop("input_shape")
        if "batch_shape" in kwargs:
            shape = tuple(kwargs.pop("batch_shape"))[1:]
        kwargs.pop("batch_size", None)
        kwargs.pop("sparse", None)
        super().__init__(**kwargs)
        self.shape = normalize_shape(shape)

    def compute_output_shape(self, input_shapes):
        if input_shapes:
            raise ShapeError("an Input layer takes no incoming connections")
        return self.shape

    def forward(self, inputs, training):
        return inputs[0]

    def backward(self, grad_output):
        return []
