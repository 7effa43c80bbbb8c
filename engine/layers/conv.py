"""Convolution layers, channels last, with Keras 3 arguments, semantics and weight layouts:
Conv1D (kernel (k, in, filters)), Conv2D (kernel (kh, kw, in, filters)) and Conv2DTranspose (kernel
(kh, kw, filters, in)), each with an optional bias (filters,).

The arithmetic is in ``engine.kernels.conv`` (im2col + one BLAS product per batch). This module also holds
the argument checks and image-shape checks shared by the pooling and spatial layers.
"""
from __future__ import annotations

import math
from typing import ClassVar, Sequence

import numpy as np

from engine.kernels._jit import single_thread
from engine.kernels.conv import (SMALL_TAPS, AxisGeometry, add_bias_rows, axis_geometry, bias_relu, block_samples,
                                 conv_backward, conv_forward, conv_max_pool_values, conv_transpose_backward,
                                 conv_transpose_forward, geometry_args, is_identity, relu_backward_sum,
                                 small_conv_max_pool_values, sum_rows, transpose_axis_geometry)
from engine.layers.base import KERNEL_AND_BIAS_SPECS, Layer, ParamSpec, ShapeError, WeightSpec
from engine.layers.options import set_kernel_and_bias_options
from engine.layers.registry import register_layer
from engine.parallel import ranges_for, run_ranges

_AXES = {1: ("steps",), 2: ("height", "width")}
_FLAT_ROW = AxisGeometry(1, 1, 1, 1, 0, 0, 1)  # the height axis of a 1-D operation seen as 2-D


# -- argument checks shared by the convolution, pooling and spatial layers -------------------------------------
def int_tuple(value, rank: int, name: str, allow_zero: bool = False) -> tuple[int, ...]:
    """``3`` or ``(3, 3)`` as a tuple of ``rank`` whole numbers (> 0, or >= 0 with allow_zero)."""
    items = (value,) * rank if isinstance(value, (int, np.integer)) and not isinstance(value, bool) else value
    try:
        items = tuple(items)
        ok = len(items) == rank and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                        for v in items)
    except TypeError:
        ok = False
    smallest = 0 if allow_zero else 1
    if not ok or any(v < smallest for v in items):
        what = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{name} must be a {what} whole number or a tuple of {rank} of them, got {value!r}")
    return tuple(int(v) for v in items)


def check_padding(padding, allowed: Sequence[str] = ("valid", "same")) -> str:
    key = padding.lower() if isinstance(padding, str) else padding
    if key not in allowed:
        raise ValueError(f"padding must be one of {', '.join(map(repr, allowed))}; got {padding!r}")
    return key


def check_data_format(data_format) -> None:
    if data_format not in (None, "channels_last"):
        raise ValueError(f"only data_format='channels_last' (samples shaped (..., channels)) is supported; "
                         f"got {data_format!r}")


def declared_input_shape(kwargs: dict) -> tuple | None:
    """Keras 2 style ``input_shape=(28, 28, 1)`` on the first layer (popped from kwargs)."""
    shape = kwargs.pop("input_shape", None)
    return tuple(shape) if shape is not None else None


def times(sizes) -> str:
    return "×".join("?" if size is None else str(size) for size in sizes)


def image_shape(layer: Layer, shape, rank: int) -> tuple:
    """Check that ``shape`` is (spatial × rank, channels) with known channels and positive sizes."""
    shape = tuple(shape)
    names = _AXES[rank] + ("channels",)
    if len(shape) != rank + 1:
        hint = ""
        if len(shape) == rank and None not in shape:
            hint = f": add a Reshape to {shape + (1,)} before it"
        elif rank == 2 and len(shape) == 1 and shape[0] and math.isqrt(shape[0]) ** 2 == shape[0]:
            side = math.isqrt(shape[0])
            hint = f": add a Reshape to ({side}, {side}, 1) before it"
        raise ShapeError(f"{layer.type_name} needs samples shaped ({', '.join(names)}); got {shape}{hint}")
    if shape[-1] is None:
        raise ShapeError(f"{layer.type_name} needs the number of channels (last dimension) to be known")
    if any(size is not None and size < 1 for size in shape):
        raise ShapeError(f"{layer.type_name} got a sample shape {shape} with a size below 1")
    return shape


def window_geometry(layer: Layer, sizes, window, strides, dilation, padding, what: str) -> list:
    """One AxisGeometry per spatial axis (None for unknown sizes); ShapeError when a window does not fit."""
    geometries = []
    for size, k, s, d in zip(sizes, window, strides, dilation):
        if size is None:
            geometries.append(None)
        elif padding == "valid" and (k - 1) * d + 1 > size:
            spans = [(kk - 1) * dd + 1 for kk, dd in zip(window, dilation)]
            dilated = " (with its dilation)" if any(dd > 1 for dd in dilation) else ""
            raise ShapeError(f"the {what} {times(spans)}{dilated} is larger than the {times(sizes)} input; "
                             f"use padding='same' or a smaller {what}")
        else:
            geometries.append(axis_geometry(size, k, s, d, padding))
    return geometries


class ScratchMixin:
    """Preallocated work arrays kept between batches (reallocated only when a shape or dtype changes)."""

    def _scratch(self, name: str, shape: tuple, dtype) -> np.ndarray:
        store = self.__dict__.setdefault("_scratch_arrays", {})
        array = store.get(name)
        if array is None or array.shape != shape or array.dtype != dtype:
            array = store[name] = np.empty(shape, dtype=dtype)
        return array


# -- the layers ------------------------------------------------------------------------------------------------
def _conv_specs(rank: int, transpose: bool) -> tuple[ParamSpec, ...]:
    ones = (1,) * rank
    specs = [
        ParamSpec("filters", "int", 32, "number of filters (output channels)", minimum=1, maximum=100_000),
        ParamSpec("kernel_size", "shape", (3,) * rank, "size of each filter"),
        ParamSpec("strides", "shape", ones, "step between two filter positions"),
        ParamSpec("padding", "choice", "valid", "'valid': no padding (the output shrinks); 'same': zeros around "
                  "the input so the output keeps its size (divided by the stride)",
                  choices=("valid", "same", "causal") if rank == 1 and not transpose else ("valid", "same")),
    ]
    if transpose:
        specs.append(ParamSpec("output_padding", "shape", None, "extra output size after the last position "
                               "(each value below its stride); empty: Keras' default", optional=True))
    specs += [
        ParamSpec("dilation_rate", "shape", ones, "gap between the filter's taps (1: none)"),
        ParamSpec("activation", "activation", None, "applied to each output value", optional=True),
        ParamSpec("use_bias", "bool", True, "add a bias to each filter"),
        *KERNEL_AND_BIAS_SPECS,
    ]
    return tuple(specs)


class _Conv(ScratchMixin, Layer):
    """Shared code of the convolutions: arguments, shapes, weights, activation and bias handling."""

    rank: ClassVar[int] = 2
    transpose: ClassVar[bool] = False

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, output_padding=None,
                 **kwargs):
        self.declared_input_shape = declared_input_shape(kwargs)
        super().__init__(**kwargs)
        kind = type(self).__name__
        if isinstance(filters, bool) or not isinstance(filters, (int, np.integer)) or filters < 1:
            raise ValueError(f"{kind} filters must be a positive whole number, got {filters!r}")
        if groups != 1:
            raise ValueError(f"{kind} groups={groups!r} is not supported; only groups=1")
        if activity_regularizer is not None:
            raise ValueError(f"{kind} activity_regularizer is not supported; leave it empty")
        check_data_format(data_format)
        self.filters = int(filters)
        self.kernel_size = int_tuple(kernel_size, self.rank, "kernel_size")
        self.strides = int_tuple(strides, self.rank, "strides")
        allowed = ("valid", "same", "causal") if self.rank == 1 and not self.transpose else ("valid", "same")
        self.padding = check_padding(padding, allowed)
        self.dilation_rate = int_tuple(dilation_rate, self.rank, "dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            # Keras refuses the combination too.
            raise ValueError(f"{kind}: strides > 1 cannot be combined with dilation_rate > 1 (got strides="
                             f"{self.strides}, dilation_rate={self.dilation_rate}); set one of them to 1")
        self.output_padding = None
        if output_padding is not None:
            if not self.transpose:
                raise TypeError(f"{kind} got unexpected argument(s): output_padding")
            self.output_padding = int_tuple(output_padding, self.rank, "output_padding", allow_zero=True)
            if any(op >= s for op, s in zip(self.output_padding, self.strides)):
                raise ValueError(f"{kind} output_padding {self.output_padding} must be below the strides "
                                 f"{self.strides} in every dimension")
        set_kernel_and_bias_options(self, activation, use_bias, kernel_initializer, bias_initializer,
                                    kernel_regularizer, bias_regularizer, kernel_constraint, bias_constraint)
        #: False skips dL/d(input) in backward (a first layer fed by the data needs none); backward then
        #: returns [None].
        self.need_input_grad = True

    @property
    def activation(self) -> str:
        return self._activation.name

    output_activation_name = property(lambda self: self._activation.name)  # type: ignore[assignment]

    # -- shapes ------------------------------------------------------------------------------------------------
    def _geometries(self, sizes) -> list:
        if self.transpose:
            out = []
            for size, k, s, d, op in zip(sizes, self.kernel_size, self.strides, self.dilation_rate,
                                         self.output_padding or (None,) * self.rank):
                try:
                    out.append(None if size is None else transpose_axis_geometry(size, k, s, d, self.padding, op))
                except ValueError as error:
                    raise ShapeError(f"{error}; use a larger input, kernel or output_padding") from None
            return out
        return window_geometry(self, sizes, self.kernel_size, self.strides, self.dilation_rate, self.padding,
                               "kernel")

    def compute_output_shape(self, input_shapes):
        self.check_input_count(len(input_shapes))
        shape = image_shape(self, input_shapes[0], self.rank)
        geometries = self._geometries(shape[:-1])
        # A transposed convolution's output is the *input* side of its geometry.
        sizes = [None if g is None else (g.size if self.transpose else g.out) for g in geometries]
        return tuple(sizes) + (self.filters,)

    def weight_specs(self, input_shapes):
        channels = int(input_shapes[0][-1])
        inner = (self.filters, channels) if self.transpose else (channels, self.filters)
        specs = [WeightSpec("kernel", self.kernel_size + inner, self.kernel_initializer,
                            self.kernel_regularizer, self.kernel_constraint)]
        if self.use_bias:
            specs.append(WeightSpec("bias", (self.filters,), self.bias_initializer,
                                    self.bias_regularizer, self.bias_constraint))
        return specs

    def _im2col_args(self, sizes) -> tuple[int, ...]:
        """im2col/col2im arguments for these spatial sizes (1-D: an image of height 1)."""
        geometries = self._geometries(sizes)
        if self.rank == 1:
            geometries = [_FLAT_ROW] + geometries
        return geometry_args(*geometries)

    def _bias(self):
        """(bias, bias gradient); zeros and a scratch array for a layer without bias (kernels add it anyway)."""
        if self.use_bias:
            slot = self.weights_by_name["bias"]
            return slot.value, slot.grad
        dtype = self.weights_by_name["kernel"].value.dtype
        zeros = self._scratch("zero_bias", (self.filters,), dtype)
        zeros[...] = 0.0
        return zeros, self._scratch("unused_bias_grad", (self.filters,), dtype)

    # -- computation -------------------------------------------------------------------------------------------
    def forward(self, inputs, training):
        z = self.forward_linear(inputs).reshape(-1, self.filters)
        a = self.activate(z)
        self._z, self._a = z, a
        return a.reshape(self._out_shape)

    def activate(self, z) -> np.ndarray:
        """Add the bias to the rows ``z`` (m, filters) in place and return the activation of them."""
        bias, _ = self._bias()
        act = self._activation
        if act.name == "relu":
            a = np.empty_like(z)
            bias_relu(z, bias, a)
            return a
        if self.use_bias:
            add_bias_rows(z, bias)
        return z if act.name == "linear" else act.forward(z)

    def activation_backward(self, z, a, grad_a) -> np.ndarray:
        """dL/dz from dL/da for rows z, a = ``activate(z)`` (m, filters); writes the bias gradient."""
        grad_a = np.ascontiguousarray(grad_a, dtype=z.dtype).reshape(z.shape)
        act = self._activation
        if act.name == "relu":
            grad_z = np.empty_like(grad_a)
            relu_backward_sum(z, grad_a, grad_z, self._bias()[1])
            return grad_z
        grad_z = grad_a if act.name == "linear" else act.backward(z, a, grad_a)
        if self.use_bias:
            sum_rows(grad_z, self._bias()[1])
        return grad_z

    def forward_linear(self, inputs) -> np.ndarray:
        """The convolution alone, without bias or activation, shaped like the output: (n, *positions, filters).

        A max pooling that is this layer's only reader calls it and adds the bias and applies the activation
        after pooling (``engine.layers.pooling``), on a quarter of the values; ``backward_linear`` is its way
        back.
        """
        kernel = self.weights_by_name["kernel"].value
        x = np.ascontiguousarray(inputs[0], dtype=kernel.dtype)
        self._x_shape = x.shape
        self._args = self._im2col_args(x.shape[1:-1])
        image = x.reshape((x.shape[0], 1) + x.shape[1:]) if self.rank == 1 else x
        z, out_image_shape = self._linear_forward(image, kernel)
        self._out_shape = (x.shape[0],) + out_image_shape[2 if self.rank == 1 else 1:]
        self._z = self._a = None  # set by forward(); a pooled run keeps its sums in the pooling layer
        return z.reshape(self._out_shape)

    def backward_linear(self, grad_z) -> list:
        """dL/d(input) from dL/d(``forward_linear``'s output); writes the kernel gradient (not the bias's)."""
        rows = np.ascontiguousarray(grad_z, dtype=self.weights_by_name["kernel"].value.dtype)
        return self._input_gradient(rows.reshape(-1, self.filters))

    def pre_activation(self):
        return self._z

    def backward(self, grad_output):
        return self._input_gradient(self.activation_backward(self._z, self._a, grad_output))

    def backward_from_pre_activation(self, grad_pre_activation):
        grad_z = np.ascontiguousarray(grad_pre_activation, dtype=self._z.dtype).reshape(self._z.shape)
        if self.use_bias:
            sum_rows(grad_z, self._bias()[1])
        return self._input_gradient(grad_z)

    def _input_gradient(self, grad_z) -> list:
        grad_x = self._linear_backward(grad_z)
        return [None if grad_x is None else grad_x.reshape(self._x_shape)]

    def _linear_forward(self, image, kernel) -> tuple[np.ndarray, tuple]:
        """z = the convolution without bias, as rows (n * output positions, filters); and the output shape."""
        raise NotImplementedError

    def _linear_backward(self, grad_z) -> np.ndarray | None:
        """Write the kernel gradient; return dL/d(image) (None when need_input_grad is False)."""
        raise NotImplementedError


class _ForwardConv(_Conv):
    """Conv1D / Conv2D: z = im2col(x) @ kernel + bias."""

    def max_pooled_sums(self, inputs, pool_args_for) -> np.ndarray | None:
        """Inference: the raw sums (no bias, no activation) max-pooled, computed a few samples at a time so
        the full-batch sums are never written; None for a 1×1 kernel (then nothing is gained).

        ``pool_args_for(sizes)`` gives the pooling kernel's arguments for the output's spatial sizes. Returns
        the pooled image (n, pooled rows, pooled columns, filters); a 1-D layer's has one row.
        """
        kernel = self.weights_by_name["kernel"].value
        x = np.ascontiguousarray(inputs[0], dtype=kernel.dtype)
        args = self._im2col_args(x.shape[1:-1])
        if is_identity(args):
            return None
        image = x.reshape((x.shape[0], 1) + x.shape[1:]) if self.rank == 1 else x
        oh, ow = args[:2]
        pool_args = pool_args_for((oh, ow)[2 - self.rank:])
        n, w2 = x.shape[0], kernel.reshape(-1, self.filters)
        out = np.empty((n,) + pool_args[:2] + (self.filters,), dtype=kernel.dtype)
        if w2.shape[0] <= SMALL_TAPS:  # too few taps for a product (an MNIST net's 3×3 first layer)
            w9 = np.zeros((SMALL_TAPS, self.filters), dtype=kernel.dtype)  # zero rows for the unused taps
            w9[:w2.shape[0]] = w2

            def pool_range(_, start, stop):  # straight from the image
                small_conv_max_pool_values(image[start:stop], w9, out[start:stop], *args, *pool_args[2:])
        else:
            block = block_samples(n, oh * ow, self.filters)  # its sums stay in cache

            def pool_range(part, start, stop):
                cols = self._scratch(f"pooled_cols{part}", (block * oh * ow, w2.shape[0]), kernel.dtype)
                z = self._scratch(f"pooled_sums{part}", (block * oh * ow, self.filters), kernel.dtype)
                conv_max_pool_values(image[start:stop], w2, cols, z, out[start:stop], *args, *pool_args[2:])

        run_ranges(pool_range, ranges_for(n, oh * ow * w2.shape[0]))
        return out

    def _linear_forward(self, image, kernel):
        n = image.shape[0]
        oh, ow = self._args[:2]
        w2 = kernel.reshape(-1, self.filters)
        z = np.empty((n * oh * ow, self.filters), dtype=kernel.dtype)
        if is_identity(self._args):
            cols = image.reshape(-1, image.shape[-1])  # a 1×1 kernel reads the image as it is
        else:
            cols = self._scratch("cols", (n * oh * ow, w2.shape[0]), kernel.dtype)
        self._image, self._cols = image, cols
        ranges = ranges_for(n, oh * ow * w2.shape[0])
        # Split over the engine's threads, each range's products in single-thread blocks; one range on two
        # threads is one product BLAS splits (see conv_forward).
        blocks = single_thread() or len(ranges) > 1
        per_sample = oh * ow

        def forward_range(_, start, stop):
            rows = slice(start * per_sample, stop * per_sample)
            conv_forward(image[start:stop], w2, cols[rows], z[rows], *self._args, blocks)

        run_ranges(forward_range, ranges)
        return z, (n, oh, ow, self.filters)

    def _linear_backward(self, grad_z):
        slot = self.weights_by_name["kernel"]
        w2, grad_w2 = slot.value.reshape(-1, self.filters), slot.grad.reshape(-1, self.filters)
        n, width = self._image.shape[0], self._cols.shape[1]
        per_sample = self._cols.shape[0] // n
        ranges = ranges_for(n, per_sample * width)
        if self.need_input_grad:
            grad_x = np.empty(self._image.shape, dtype=grad_z.dtype)
            # The input gradient's product goes a cache block of samples at a time, or in one call BLAS splits.
            split = single_thread() or len(ranges) > 1
            samples = block_samples(n, per_sample, width) if split else n
        else:
            grad_x = _unused(4, grad_z.dtype)

        def backward_range(part, start, stop):
            # Each range sums its own samples' kernel gradient; the parts are added below.
            part_grad = grad_w2 if part == 0 else self._scratch(f"grad_kernel{part}", grad_w2.shape, grad_w2.dtype)
            rows = slice(start * per_sample, stop * per_sample)
            if self.need_input_grad:
                grad_cols = self._scratch(f"grad_cols{part}", (samples * per_sample, width), grad_z.dtype)
                part_x = grad_x[start:stop]
            else:
                grad_cols, part_x = _unused(2, grad_z.dtype), grad_x
            conv_backward(self._cols[rows], w2, grad_z[rows], self.need_input_grad, part_grad, grad_cols, part_x,
                          *self._args, len(ranges) > 1)

        run_ranges(backward_range, ranges)
        for part in range(1, len(ranges)):
            grad_w2 += self._scratch(f"grad_kernel{part}", grad_w2.shape, grad_w2.dtype)
        return grad_x if self.need_input_grad else None


def _unused(ndim: int, dtype) -> np.ndarray:
    """An empty stand-in for an output array a kernel is told not to write."""
    return np.empty((0,) * ndim, dtype=dtype)


@register_layer("Convolution", icon="conv1d", description="Slides filters along a sequence (1-D convolution)")
class Conv1D(_ForwardConv):
    """1-D convolution over (steps, channels) samples; kernel shape (kernel_size, channels, filters)."""

    rank = 1
    param_specs = _conv_specs(1, transpose=False)


@register_layer("Convolution", icon="conv2d", description="Slides filters over an image (2-D convolution)")
class Conv2D(_ForwardConv):
    """2-D convolution over (height, width, channels) images; kernel shape (kh, kw, channels, filters)."""

    rank = 2
    param_specs = _conv_specs(2, transpose=False)


@register_layer("Convolution", icon="conv2d_transpose",
                description="Transposed convolution: grows an image (decoders, up-sampling)")
class Conv2DTranspose(_Conv):
    """The transpose (adjoint) of a 2-D convolution, as in Keras; kernel shape (kh, kw, filters, channels).

    With padding='same' and no output_padding the output is the input size times the strides.
    """

    rank = 2
    transpose = True
    param_specs = _conv_specs(2, transpose=True)

    def _linear_forward(self, image, kernel):
        n, h, w, channels = image.shape
        rows, columns = self._geometries((h, w))
        self._big_shape = (n, rows.size, columns.size, self.filters)  # the output image
        w2 = kernel.reshape(-1, channels)  # (kh * kw * filters, channels)
        self._x2 = x2 = image.reshape(-1, channels)
        z = np.empty((n * rows.size * columns.size, self.filters), dtype=kernel.dtype)
        cols = self._cols_scratch(w2.shape[0], kernel.dtype)
        conv_transpose_forward(x2, w2, cols, z.reshape(self._big_shape), *self._args)
        return z, self._big_shape

    def _cols_scratch(self, width: int, dtype) -> np.ndarray:
        if is_identity(self._args):
            return _unused(2, dtype)
        return self._scratch("cols", (self._x2.shape[0], width), dtype)

    def _linear_backward(self, grad_z):
        slot = self.weights_by_name["kernel"]
        channels = self._x2.shape[1]
        w2, grad_w2 = slot.value.reshape(-1, channels), slot.grad.reshape(-1, channels)
        grad_x = np.empty(self._x2.shape, dtype=grad_z.dtype) if self.need_input_grad else _unused(2, grad_z.dtype)
        conv_transpose_backward(grad_z.reshape(self._big_shape), self._x2, w2, self._cols_scratch(w2.shape[0],
                                grad_z.dtype), self.need_input_grad, grad_w2, grad_x, *self._args)
        return grad_x if self.need_input_grad else None
