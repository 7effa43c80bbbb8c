"""Spatial rearrangements of images, channels last, Keras 3 semantics: UpSampling2D (nearest neighbour:
every pixel repeated into a block) and ZeroPadding2D (a frame of zeros). Both are pure numpy: the work is
one copy, which numpy already does at memory speed.
"""
from __future__ import annotations

import numpy as np

from engine.layers.base import Layer, ParamSpec
from engine.layers.conv import check_data_format, declared_input_shape, image_shape, int_tuple
from engine.layers.registry import register_layer


@register_layer("Reshape", icon="up_sampling2d", description="Enlarges an image by repeating its pixels")
class UpSampling2D(Layer):
    """Repeats each pixel ``size[0]`` times down and ``size[1]`` times across (nearest neighbour)."""

    param_specs = (
        ParamSpec("size", "shape", (2, 2), "how many times each pixel is repeated (rows, columns)"),
        ParamSpec("interpolation", "choice", "nearest", "how new pixels are filled", choices=("nearest",)),
    )

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        self.declared_input_shape = declared_input_shape(kwargs)
        super().__init__(**kwargs)
        check_data_format(data_format)
        self.size = int_tuple(size, 2, "size")
        if interpolation != "nearest":
            raise ValueError(f"UpSampling2D interpolation {interpolation!r} is not supported; choose 'nearest'")
        self.interpolation = interpolation

    def compute_output_shape(self, input_shapes):
        self.check_input_count(len(input_shapes))
        h, w, c = image_shape(self, input_shapes[0], 2)
        return (None if h is None else h * self.size[0], None if w is None else w * self.size[1], c)

    def forward(self, inputs, training):
        x = inputs[0]
        self._x_shape = x.shape
        return np.repeat(np.repeat(x, self.size[0], axis=1), self.size[1], axis=2)

    def backward(self, grad_output):
        n, h, w, c = self._x_shape
        blocks = grad_output.reshape(n, h, self.size[0], w, self.size[1], c)
        return [blocks.sum(axis=(2, 4))]


def _padding_pairs(padding) -> tuple[tuple[int, int], tuple[int, int]]:
    """Keras' forms: p, (rows, columns) or ((top, bottom), (left, right)) → ((top, bottom), (left, right))."""
    if isinstance(padding, (int, np.integer)) and not isinstance(padding, bool):
        p = int_tuple(padding, 1, "padding", allow_zero=True)[0]
        return (p, p), (p, p)
    try:
        items = list(padding)
    except TypeError:
        items = []
    if len(items) == 2:
        if all(isinstance(item, (int, np.integer)) for item in items):
            rows, columns = int_tuple(items, 2, "padding", allow_zero=True)
            return (rows, rows), (columns, columns)
        try:
            return (int_tuple(items[0], 2, "padding", allow_zero=True),
                    int_tuple(items[1], 2, "padding", allow_zero=True))
        except ValueError:
            pass
    raise ValueError("ZeroPadding2D padding must be a whole number, a pair (rows, columns) or a pair of pairs "
                     f"((top, bottom), (left, right)) of non-negative whole numbers; got {padding!r}")


@register_layer("Reshape", icon="zero_padding2d", description="Adds a frame of zeros around an image")
class ZeroPadding2D(Layer):
    """Adds rows and columns of zeros: ``((top, bottom), (left, right))``."""

    param_specs = (ParamSpec("padding", "shape", ((1, 1), (1, 1)),
                             "zeros added: p, (rows, columns) or ((top, bottom), (left, right))"),)

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        self.declared_input_shape = declared_input_shape(kwargs)
        super().__init__(**kwargs)
        check_data_format(data_format)
        self.padding = _padding_pairs(padding)

    def compute_output_shape(self, input_shapes):
        self.check_input_count(len(input_shapes))
        h, w, c = image_shape(self, input_shapes[0], 2)
        (top, bottom), (left, right) = self.padding
        return (None if h is None else h + top + bottom, None if w is None else w + left + right, c)

    def forward(self, inputs, training):
        x = inputs[0]
        self._x_shape = x.shape
        (top, bottom), (left, right) = self.padding
        out = np.zeros((x.shape[0], x.shape[1] + top + bottom, x.shape[2] + left + right, x.shape[3]),
                       dtype=x.dtype)
        out[:, top:top + x.shape[1], left:left + x.shape[2]] = x
        return out

    def backward(self, grad_output):
        (top, _), (left, _) = self.padding
        h, w = self._x_shape[1:3]
        return [np.ascontiguousarray(grad_output[:, top:top + h, left:left + w])]
