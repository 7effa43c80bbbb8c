"""Pooling layers, channels last, Keras 3 arguments and semantics: MaxPooling1D/2D, AveragePooling1D/2D
(strides default to the pool size; padding='same' averages only the covered input positions) and the global
poolings GlobalMaxPooling1D/2D, GlobalAveragePooling1D/2D (optionally keepdims).

The loops are in ``engine.kernels.pool``; a 1-D pooling runs as a 2-D one over images of height 1.
"""
from __future__ import annotations

from typing import ClassVar

import numpy as np

from engine.kernels.pool import (avg_pool_backward, avg_pool_forward, max_pool_backward, max_pool_forward,
                                 max_pool_values)
from engine.layers.base import Layer, ParamSpec
from engine.layers.conv import (ScratchMixin, check_data_format, check_padding, declared_input_shape,
                                image_shape, int_tuple, window_geometry)
from engine.layers.registry import register_layer
from engine.parallel import ranges_for, run_ranges


class _PoolingBase(ScratchMixin, Layer):
    """Runs the max or average kernels for a window geometry ``(oh, ow, ph, pw, sh, sw, top, left)``."""

    rank: ClassVar[int] = 2
    mode: ClassVar[str] = "max"  # or "average"

    def _pool_args(self, sizes) -> tuple[int, ...]:
        raise NotImplementedError

    def _output(self, pooled: np.ndarray, n: int) -> np.ndarray:
        raise NotImplementedError

    def forward(self, inputs, training):
        x = np.ascontiguousarray(inputs[0])
        if x.dtype.kind != "f":
            x = x.astype(np.float32)
        self._x_shape = x.shape
        self._image = image = x.reshape((x.shape[0], 1) + x.shape[1:]) if self.rank == 1 else x
        self._args = args = self._pool_args(x.shape[1:-1])
        out = np.empty((x.shape[0],) + args[:2] + (x.shape[-1],), dtype=x.dtype)
        # Inference keeps no argmax (a later backward recomputes it).
        argmax = self._scratch("argmax", out.shape, np.int32) if self.mode == "max" and training else None
        self._argmax, geometry = argmax, args[2:]

        def forward_range(_, start, stop):
            if self.mode == "average":
                avg_pool_forward(image[start:stop], out[start:stop], *geometry)
            elif argmax is None:
                max_pool_values(image[start:stop], out[start:stop], *geometry)
            else:
                max_pool_forward(image[start:stop], out[start:stop], argmax[start:stop], *geometry)

        run_ranges(forward_range, ranges_for(x.shape[0], x[0].size))
        return self._output(out, x.shape[0])

    def backward(self, grad_output):
        n, c = self._x_shape[0], self._x_shape[-1]
        grad_out = np.ascontiguousarray(grad_output, dtype=self._image.dtype).reshape((n,) + self._args[:2] + (c,))
        grad_x = np.empty(self._image.shape, dtype=grad_out.dtype)
        if self.mode == "max" and self._argmax is None:  # the forward pass ran without training=True
            self._argmax = self._scratch("argmax", grad_out.shape, np.int32)
            max_pool_forward(self._image, np.empty_like(grad_out), self._argmax, *self._args[2:])
        argmax, geometry = self._argmax, self._args[2:]

        def backward_range(_, start, stop):
            if self.mode == "max":
                max_pool_backward(grad_out[start:stop], argmax[start:stop], grad_x[start:stop])
            else:
                avg_pool_backward(grad_out[start:stop], grad_x[start:stop], *geometry)

        run_ranges(backward_range, ranges_for(n, grad_x[0].size))
        return [grad_x.reshape(self._x_shape)]


class _Pooling(_PoolingBase):
    """Windowed pooling: pool_size, strides (default: pool_size), padding."""

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        self.declared_input_shape = declared_input_shape(kwargs)
        super().__init__(**kwargs)
        check_data_format(data_format)
        self.pool_size = int_tuple(pool_size, self.rank, "pool_size")
        self.strides = self.pool_size if strides is None else int_tuple(strides, self.rank, "strides")
        self.padding = check_padding(padding)

    def compute_output_shape(self, input_shapes):
        self.check_input_count(len(input_shapes))
        shape = image_shape(self, input_shapes[0], self.rank)
        geometries = self._geometries(shape[:-1])
        return tuple(None if g is None else g.out for g in geometries) + (shape[-1],)

    # -- a max pooling run together with the convolution before it ------------------------------------------
    # relu(max(z) + b) = max(relu(z + b)): a non-decreasing activation commutes with the maximum, and the
    # maximum of z is where the maximum of relu(z + b) is (where they differ, every value of the window is
    # clipped to 0 and its gradient is 0 either way). So the convolution's raw sums are pooled first and the
    # bias and activation applied to a quarter of the values (pool 2×2), which also saves a full-size pass
    # over the convolution's output each way. Only relu and linear: a saturating activation could tie where z
    # does not and send the gradient elsewhere than the layer-by-layer run.
    def can_follow(self, layer: Layer) -> bool:
        """True when this pooling may run together with ``layer`` (see above) as that layer's only reader."""
        return (self.mode == "max" and hasattr(layer, "max_pooled_sums")  # Conv1D / Conv2D, not transposed
                and layer.rank == self.rank and layer.activation in ("relu", "linear"))

    def forward_after(self, conv: Layer, inputs, training):
        """This pooling of ``conv``'s output for ``conv``'s inputs; the same numbers as running them in turn."""
        pooled = None if training else conv.max_pooled_sums(inputs, self._pool_args)
        if pooled is None:
            pooled = self.forward([conv.forward_linear(inputs)], training)
        else:
            pooled = self._output(pooled, pooled.shape[0])
        rows = pooled.reshape(-1, conv.filters)  # a fresh array: the bias is added in place
        a = conv.activate(rows)
        self._after = (conv, rows, a, None if training else inputs)
        return a.reshape(pooled.shape)

    def backward_into(self, grad_output) -> list:
        """dL/d(the convolution's input) after ``forward_after``; writes the convolution's gradients."""
        conv, rows, a, inference_inputs = self._after
        if inference_inputs is not None:  # an inference pass kept nothing to go back through: run it again
            self.forward_after(conv, inference_inputs, training=True)
            conv, rows, a, _ = self._after
        (grad_z,) = self.backward(conv.activation_backward(rows, a, grad_output))
        return conv.backward_linear(grad_z)

    def _geometries(self, sizes):
        return window_geometry(self, sizes, self.pool_size, self.strides, (1,) * self.rank, self.padding,
                               "pool window")

    def _pool_args(self, sizes):
        geometries = self._geometries(sizes)
        if self.rank == 1:
            (g,) = geometries
            return (1, g.out, 1, g.kernel, 1, g.stride, 0, g.before)
        rows, cols = geometries
        return (rows.out, cols.out, rows.kernel, cols.kernel, rows.stride, cols.stride, rows.before, cols.before)

    def _output(self, pooled, n):
        return pooled.reshape((n,) + pooled.shape[2:]) if self.rank == 1 else pooled


def _pooling_specs(rank: int) -> tuple[ParamSpec, ...]:
    return (
        ParamSpec("pool_size", "shape", (2,) * rank, "size of the window summarised into one value"),
        ParamSpec("strides", "shape", None, "step between two windows (empty: the pool size)", optional=True),
        ParamSpec("padding", "choice", "valid", "'valid': only whole windows; 'same': windows may overhang the "
                  "edge so the output is the input size divided by the strides", choices=("valid", "same")),
    )


@register_layer("Pooling", icon="max_pooling1d", description="Keeps the largest value of each window of steps")
class MaxPooling1D(_Pooling):
    """Maximum over windows of ``pool_size`` steps of (steps, channels) samples."""

    rank, mode = 1, "max"
    param_specs = _pooling_specs(1)


@register_layer("Pooling", icon="max_pooling2d", description="Keeps the largest value of each image window")
class MaxPooling2D(_Pooling):
    """Maximum over windows of ``pool_size`` pixels of (height, width, channels) images."""

    rank, mode = 2, "max"
    param_specs = _pooling_specs(2)


@register_layer("Pooling", icon="average_pooling1d", description="Averages each window of steps")
class AveragePooling1D(_Pooling):
    """Mean over windows of ``pool_size`` steps of (steps, channels) samples."""

    rank, mode = 1, "average"
    param_specs = _pooling_specs(1)


@register_layer("Pooling", icon="average_pooling2d", description="Averages each image window")
class AveragePooling2D(_Pooling):
    """Mean over windows of ``pool_size`` pixels of (height, width, channels) images."""

    rank, mode = 2, "average"
    param_specs = _pooling_specs(2)


class _GlobalPooling(_PoolingBase):
    """One window covering the whole sample: one value per channel."""

    param_specs = (ParamSpec("keepdims", "bool", False, "keep the spatial dimensions (as size 1)"),)

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        self.declared_input_shape = declared_input_shape(kwargs)
        super().__init__(**kwargs)
        check_data_format(data_format)
        self.keepdims = bool(keepdims)

    def compute_output_shape(self, input_shapes):
        self.check_input_count(len(input_shapes))
        shape = image_shape(self, input_shapes[0], self.rank)
        return ((1,) * self.rank if self.keepdims else ()) + (shape[-1],)

    def _pool_args(self, sizes):
        h, w = (1, sizes[0]) if self.rank == 1 else sizes
        return (1, 1, h, w, 1, 1, 0, 0)

    def _output(self, pooled, n):
        return pooled.reshape((n,) + self.compute_output_shape([self._x_shape[1:]]))


@register_layer("Pooling", icon="global_max_pooling1d", description="Largest value of each channel")
class GlobalMaxPooling1D(_GlobalPooling):
    """Maximum of each channel over all steps: (steps, channels) → (channels,)."""

    rank, mode = 1, "max"


@register_layer("Pooling", icon="global_max_pooling2d", description="Largest value of each channel")
class GlobalMaxPooling2D(_GlobalPooling):
    """Maximum of each channel over the whole image: (height, width, channels) → (channels,)."""

    rank, mode = 2, "max"


@register_layer("Pooling", icon="global_average_pooling1d", description="Mean of each channel")
class GlobalAveragePooling1D(_GlobalPooling):
    """Mean of each channel over all steps: (steps, channels) → (channels,)."""

    rank, mode = 1, "average"


@register_layer("Pooling", icon="global_average_pooling2d", description="Mean of each channel")
class GlobalAveragePooling2D(_GlobalPooling):
    """Mean of each channel over the whole image: (height, width, channels) → (channels,)."""

    rank, mode = 2, "average"
