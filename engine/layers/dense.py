"""Dense: the fully connected layer (Keras semantics, kernel layout (in, out))."""
from __future__ import annotations

import numpy as np

from engine.kernels._jit import single_thread
from engine.kernels.dense import SERIAL_PRODUCT, SPLIT_MAX_ROWS, dense_backward, dense_forward
from engine.layers.base import KERNEL_AND_BIAS_SPECS, Layer, ParamSpec, ShapeError, WeightSpec
from engine.layers.options import set_kernel_and_bias_options
from engine.layers.registry import register_layer
from engine.parallel import run_ranges, sample_ranges

# With several threads, a product of few rows and a long reduction (a batch of 32 into the slide CNN's Dense
# layer of 5408 inputs) goes in ranges of rows side by side, each on BLAS's single-thread path
# (engine.kernels.dense.matmul_nn_split), when every range has at least this many multiply-adds (a thread
# hand-off costs tens of microseconds). 32 × 5408 × 128 on 2 threads: 0.34–0.44 ms against 0.45–0.58 ms for one
# call split by BLAS.
_MIN_RANGE_PRODUCT = 16 * SERIAL_PRODUCT


def _as_2d(x: np.ndarray) -> np.ndarray:
    # Keras applies Dense to the last axis; folding the others into the batch keeps one kernel.
    return np.ascontiguousarray(x.reshape(-1, x.shape[-1]))


@register_layer("Dense", icon="dense", description="Fully connected layer: every input feeds every unit")
class Dense(Layer):
    """Fully connected layer: output = activation(input · kernel + bias)."""

    param_specs = (
        ParamSpec("units", "int", 1, "number of neurons", minimum=1, maximum=1_000_000),
        ParamSpec("activation", "activation", None, "applied to each neuron's sum", optional=True),
        ParamSpec("use_bias", "bool", True, "add a bias to each neuron"),
        *KERNEL_AND_BIAS_SPECS,
    )

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        input_shape = kwargs.pop("input_shape", None)
        input_dim = kwargs.pop("input_dim", None)
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError(f"Dense units must be a positive whole number, got {units!r}")
        self.units = int(units)
        set_kernel_and_bias_options(self, activation, use_bias, kernel_initializer, bias_initializer,
                                    kernel_regularizer, bias_regularizer, kernel_constraint, bias_constraint)
        # Keras 2 style: Dense(8, input_shape=(16,)) or input_dim=16 declares the model input.
        if input_dim is not None:
            input_shape = (int(input_dim),)
        self.declared_input_shape = tuple(input_shape) if input_shape is not None else None

    @property
    def activation(self) -> str:
        return self._activation.name

    output_activation_name = property(lambda self: self._activation.name)  # type: ignore[assignment]

    def compute_output_shape(self, input_shapes):
        self.check_input_count(len(input_shapes))
        shape = tuple(input_shapes[0])
        if len(shape) == 0:
            raise ShapeError("Dense needs at least a vector input; got a scalar")
        if shape[-1] is None:
            raise ShapeError("Dense needs the last input dimension to be known")
        return shape[:-1] + (self.units,)

    def weight_specs(self, input_shapes):
        n_in = int(input_shapes[0][-1])
        specs = [WeightSpec("kernel", (n_in, self.units), self.kernel_initializer,
                            self.kernel_regularizer, self.kernel_constraint)]
        if self.use_bias:
            specs.append(WeightSpec("bias", (self.units,), self.bias_initializer,
                                    self.bias_regularizer, self.bias_constraint))
        return specs

    def _bias_arrays(self):
        if self.use_bias:
            slot = self.weights_by_name["bias"]
            return slot.value, slot.grad
        empty = np.zeros(0, dtype=self.weights_by_name["kernel"].value.dtype)
        return empty, empty

    def forward(self, inputs, training):
        x = inputs[0]
        self._input_shape_seen = x.shape
        x2 = _as_2d(x)
        kernel = self.weights_by_name["kernel"].value
        bias, _ = self._bias_arrays()
        n, k = x2.shape
        z = np.empty((n, self.units), dtype=kernel.dtype)
        ranges = sample_ranges(n, n * k * self.units // _MIN_RANGE_PRODUCT) if n <= SPLIT_MAX_ROWS else [(0, n)]
        if len(ranges) > 1:
            run_ranges(lambda part, start, stop: dense_forward(x2[start:stop], kernel, bias, self.use_bias,
                                                               z[start:stop], True, True), ranges)
        else:
            dense_forward(x2, kernel, bias, self.use_bias, z, True, single_thread())
        self._x, self._z = x2, z
        a = self._activation.forward(z) if self._activation.name != "linear" else z
        self._a = a
        return a.reshape(x.shape[:-1] + (self.units,))

    def pre_activation(self):
        return self._z

    def backward(self, grad_output):
        grad_a = _as_2d(grad_output)
        if self._activation.name == "linear":
            grad_z = grad_a
        else:
            grad_z = self._activation.backward(self._z, self._a, grad_a)
        return self.backward_from_pre_activation(grad_z)

    def backward_from_pre_activation(self, grad_pre_activation):
        kernel_slot = self.weights_by_name["kernel"]
        _, bias_grad = self._bias_arrays()
        grad_x = np.empty_like(self._x)
        dense_backward(self._x, kernel_slot.value, np.ascontiguousarray(grad_pre_activation), self.use_bias,
                       True, kernel_slot.grad, bias_grad, grad_x)
        return [grad_x.reshape(self._input_shape_seen)]
