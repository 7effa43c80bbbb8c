"""Merge layers: combine several branches of a network into one (Keras' Add, Subtract, Multiply, Average,
Concatenate).

Elementwise merges follow Keras: the samples' shapes must agree, except that a size-1 axis (or a missing
leading axis) is repeated to match the other input (numpy broadcasting). Their gradient to each input is
summed back over the repeated axes.

Shapes: every input (batch, *sample_shape); the batch sizes are equal.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from engine.layers.base import Layer, ParamSpec, Shape, ShapeError
from engine.layers.registry import register_layer


def _broadcast_pair(layer_type: str, first: Shape, second: Shape) -> Shape:
    """The elementwise result shape of two sample shapes (None: unknown size), or a ShapeError."""
    given = (tuple(first), tuple(second))  # for the message, in the order of the wires
    if len(first) < len(second):
        first, second = second, first
    lead = len(first) - len(second)
    out = list(first[:lead])
    for a, b in zip(first[lead:], second):
        if a is None or b is None:
            out.append(None)  # an unknown size is checked when data arrives
        elif a == b or b == 1:
            out.append(a)
        elif a == 1:
            out.append(b)
        else:
            raise ShapeError(f"{layer_type} needs inputs of the same shape; got {given[0]} and {given[1]}: "
                             "give the layers feeding it the same output size")
    return tuple(out)


def _unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``grad`` over the axes broadcasting added to an input of ``shape`` (batch included)."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    reduced = grad.sum(axis=tuple(range(extra))) if extra else grad
    repeated = tuple(axis for axis, size in enumerate(shape) if size == 1 and reduced.shape[axis] != 1)
    if repeated:
        reduced = reduced.sum(axis=repeated, keepdims=True)
    return np.ascontiguousarray(reduced, dtype=grad.dtype)


class _ElementwiseMerge(Layer):
    """Shared part of the elementwise merges: shape inference and unbroadcasting of gradients."""

    min_inputs = 2
    max_inputs: int | None = None

    def compute_output_shape(self, input_shapes: Sequence[Shape]) -> Shape:
        self.check_input_count(len(input_shapes))
        shape = tuple(input_shapes[0])
        for other in input_shapes[1:]:
            shape = _broadcast_pair(self.type_name, shape, tuple(other))
        return shape

    def forward(self, inputs, training):
        # A sample of fewer axes gets size-1 axes right after the batch axis, as Keras does (numpy alone
        # would align it with the batch axis).
        rank = max(x.ndim for x in inputs)
        self._input_shapes_seen = [x.shape for x in inputs]
        expanded = [x.reshape(x.shape[:1] + (1,) * (rank - x.ndim) + x.shape[1:]) for x in inputs]
        self._expanded_shapes = [x.shape for x in expanded]
        return self._merge(expanded)

    def backward(self, grad_output):
        grads: list[np.ndarray] = []
        for grad, shape, original in zip(self._input_gradients(grad_output), self._expanded_shapes,
                                         self._input_shapes_seen):
            grad = _unbroadcast(grad, shape).reshape(original)
            # Distinct arrays per input: each branch's backward owns its gradient.
            grads.append(grad.copy() if any(grad is other for other in grads) else grad)
        return grads

    def _merge(self, inputs: list[np.ndarray]) -> np.ndarray:
        raise NotImplementedError

    def _input_gradients(self, grad_output: np.ndarray) -> list[np.ndarray]:
        """dL/d input for each input, before unbroadcasting."""
        raise NotImplementedError


@register_layer("Merge", icon="add", description="Adds its inputs element by element")
class Add(_ElementwiseMerge):
    """Sum of its inputs, element by element (all of the same shape)."""

    def _merge(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x  # left to right, as Keras: the same float32 roundings
        return output

    def _input_gradients(self, grad_output):
        return [grad_output] * len(self._input_shapes_seen)


@register_layer("Merge", icon="subtract", description="First input minus the second, element by element")
class Subtract(_ElementwiseMerge):
    """inputs[0] - inputs[1], element by element (exactly two inputs of the same shape)."""

    max_inputs = 2

    def _merge(self, inputs):
        return inputs[0] - inputs[1]

    def _input_gradients(self, grad_output):
        return [grad_output, -grad_output]


@register_layer("Merge", icon="multiply", description="Multiplies its inputs element by element")
class Multiply(_ElementwiseMerge):
    """Product of its inputs, element by element (all of the same shape)."""

    def _merge(self, inputs):
        self._inputs = list(inputs)
        output = inputs[0]
        for x in inputs[1:]:
            output = output * x
        return output

    def _input_gradients(self, grad_output):
        grads = []
        for index in range(len(self._inputs)):
            # The product of the others, not output / x: an input may be exactly 0.
            grad = grad_output
            for other, x in enumerate(self._inputs):
                if other != index:
                    grad = grad * x
            grads.append(grad)
        return grads


@register_layer("Merge", icon="average", description="Averages its inputs element by element")
class Average(_ElementwiseMerge):
    """Mean of its inputs, element by element (all of the same shape)."""

    def _merge(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output / len(inputs)  # sum then divide, as Keras

    def _input_gradients(self, grad_output):
        share = grad_output / len(self._input_shapes_seen)
        return [share] * len(self._input_shapes_seen)


@register_layer("Merge", icon="concatenate", description="Joins its inputs side by side along an axis")
class Concatenate(Layer):
    """Joins its inputs along ``axis`` (-1: the features); the other axes must match."""

    param_specs = (ParamSpec("axis", "int", -1, "the axis to join along; -1: the last (the features)"),)
    min_inputs = 2
    max_inputs = None

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or axis == 0:
            raise ValueError(f"Concatenate axis must be a whole number other than 0 (the batch axis), got "
                             f"{axis!r}; -1 joins the features")
        self.axis = int(axis)

    def _sample_axis(self, rank: int) -> int:
        axis = self.axis - 1 if self.axis > 0 else rank + self.axis
        if not 0 <= axis < rank:
            raise ShapeError(f"Concatenate axis={self.axis} does not exist in a {rank}-D sample; use axis=-1 "
                             f"(the last) or 1 to {rank}")
        return axis

    def compute_output_shape(self, input_shapes):
        self.check_input_count(len(input_shapes))
        shapes = [tuple(shape) for shape in input_shapes]
        ranks = {len(shape) for shape in shapes}
        if len(ranks) != 1:
            raise ShapeError(f"Concatenate needs inputs with the same number of axes; got "
                             f"{' and '.join(map(str, shapes))}: add a Flatten or Reshape to one branch")
        axis = self._sample_axis(ranks.pop())
        out = list(shapes[0])
        for shape in shapes[1:]:
            for index, (a, b) in enumerate(zip(out, shape)):
                if index == axis:
                    out[index] = None if a is None or b is None else a + b
                elif a is not None and b is not None and a != b:
                    raise ShapeError(f"Concatenate joins along axis {self.axis}, so the other axes must match; "
                                     f"got {shapes[0]} and {shape}: make the branches agree on axis "
                                     f"{index + 1}")
                elif a is None:
                    out[index] = b
        return tuple(out)

    def forward(self, inputs, training):
        axis = self._sample_axis(inputs[0].ndim - 1) + 1
        self._axis_in_batch = axis
        self._splits = np.cumsum([x.shape[axis] for x in inputs])[:-1]
        return np.concatenate(inputs, axis=axis)

    def backward(self, grad_output):
        return [np.ascontiguousarray(part) for part in np.split(grad_output, self._splits, axis=self._axis_in_batch)]


# -- Keras' functional shortcuts: keras.layers.add([a, b]) == keras.layers.Add()([a, b]) ---------------------
def add(inputs, **kwargs):
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    return Average(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    return Concatenate(axis=axis, **kwargs)(inputs)
