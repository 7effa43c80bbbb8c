"""BatchNormalization: normalizes each channel with batch statistics while training, moving ones otherwise."""
from __future__ import annotations

import numpy as np

from engine import constraints, initializers, regularizers
from engine.kernels.normalization import batch_moments, batch_norm_apply, batch_norm_backward
from engine.layers.base import Layer, ParamSpec, ShapeError, WeightSpec
from engine.layers.registry import register_layer

# Keras arguments this layer accepts only at their inactive default (batch renormalization, TF-only sync).
_UNSUPPORTED = {"renorm": False, "renorm_clipping": None, "renorm_momentum": 0.99, "synchronized": False}


@register_layer("Regularization", icon="batch_normalization",
                description="Normalizes each feature over the batch, then scales and shifts it")
class BatchNormalization(Layer):
    """Keras' BatchNormalization: y = gamma · (x - mean) / sqrt(var + epsilon) + beta, per channel.

    While training (and while the layer is trainable, as Keras) mean and var are the batch's own, and the
    non-trainable ``moving_mean``/``moving_variance`` follow them: moving = moving · momentum + batch ·
    (1 - momentum). Otherwise the moving statistics normalize.

    Shapes: input and output alike; statistics are per entry of ``axis`` (the channels, by default the last).
    """

    param_specs = (
        ParamSpec("axis", "int", -1, "the axis of the features (channels) to normalize; -1: the last"),
        ParamSpec("momentum", "float", 0.99, "how slowly the moving statistics follow the batches",
                  minimum=0.0, maximum=1.0),
        ParamSpec("epsilon", "float", 1e-3, "added to the variance so it is never divided by zero",
                  minimum=0.0),
        ParamSpec("center", "bool", True, "learn a shift beta"),
        ParamSpec("scale", "bool", True, "learn a scale gamma"),
        ParamSpec("beta_initializer", "initializer", "zeros", "how the shifts start"),
        ParamSpec("gamma_initializer", "initializer", "ones", "how the scales start"),
        ParamSpec("moving_mean_initializer", "initializer", "zeros", "how the moving mean starts"),
        ParamSpec("moving_variance_initializer", "initializer", "ones", "how the moving variance starts"),
        ParamSpec("beta_regularizer", "regularizer", None, "penalty on the shifts", optional=True),
        ParamSpec("gamma_regularizer", "regularizer", None, "penalty on the scales", optional=True),
        ParamSpec("beta_constraint", "constraint", None, "limit on the shifts", optional=True),
        ParamSpec("gamma_constraint", "constraint", None, "limit on the scales", optional=True),
    )

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs):
        for name, inactive in _UNSUPPORTED.items():
            value = kwargs.pop(name, inactive)
            if value != inactive:
                raise ValueError(f"BatchNormalization {name}={value!r} is not supported; leave it at {inactive!r}")
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or axis == 0:
            raise ValueError(f"BatchNormalization axis must be a whole number other than 0 (the batch axis), "
                             f"got {axis!r}; -1 is the last axis")
        self.axis = int(axis)
        self.momentum = float(momentum)
        if not 0.0 <= self.momentum <= 1.0:
            raise ValueError(f"BatchNormalization momentum must be between 0 and 1, got {momentum!r}")
        self.epsilon = float(epsilon)
        if not self.epsilon > 0.0:
            raise ValueError(f"BatchNormalization epsilon must be positive, got {epsilon!r}")
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    # -- shapes ---------------------------------------------------------------------------------------
    def _sample_axis(self, rank: int) -> int:
        """The normalized axis inside a sample (Keras counts the batch as axis 0)."""
        axis = self.axis - 1 if self.axis > 0 else rank + self.axis
        if not 0 <= axis < rank:
            raise ShapeError(f"BatchNormalization axis={self.axis} does not exist in a {rank}-D sample; "
                             f"use axis=-1 (the last) or 1 to {rank}")
        return axis

    def compute_output_shape(self, input_shapes):
        self.check_input_count(len(input_shapes))
        shape = tuple(input_shapes[0])
        if len(shape) == 0:
            raise ShapeError("BatchNormalization needs at least a vector input; got a scalar")
        if shape[self._sample_axis(len(shape))] is None:
            raise ShapeError(f"BatchNormalization needs the size of axis {self.axis} to be known")
        return shape

    def weight_specs(self, input_shapes):
        shape = tuple(input_shapes[0])
        channels = (int(shape[self._sample_axis(len(shape))]),)
        specs = []
        if self.scale:
            specs.append(WeightSpec("gamma", channels, self.gamma_initializer, self.gamma_regularizer,
                                    self.gamma_constraint))
        if self.center:
            specs.append(WeightSpec("beta", channels, self.beta_initializer, self.beta_regularizer,
                                    self.beta_constraint))
        specs.append(WeightSpec("moving_mean", channels, self.moving_mean_initializer, trainable=False))
        specs.append(WeightSpec("moving_variance", channels, self.moving_variance_initializer, trainable=False))
        return specs

    # -- computation ----------------------------------------------------------------------------------
    def _affine(self, name: str, fill: float, like: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(value, grad) of gamma or beta; constants (and a scratch gradient) when the layer has none."""
        slot = self.weights_by_name.get(name)
        if slot is not None:
            return slot.value, slot.grad
        return np.full_like(like, fill), np.empty_like(like)

    def forward(self, inputs, training):
        x = inputs[0]
        axis = self._sample_axis(x.ndim - 1) + 1
        self._axis_in_batch = axis
        moved = np.moveaxis(x, axis, -1)  # channels last: the kernels see (rows, channels)
        self._moved_shape = moved.shape
        x2 = np.ascontiguousarray(moved.reshape(-1, moved.shape[-1]))
        moving_mean = self.weights_by_name["moving_mean"].value
        moving_variance = self.weights_by_name["moving_variance"].value
        # Keras: a frozen BatchNormalization runs in inference mode even inside fit().
        self._batch_statistics = bool(training) and self.trainable
        if self._batch_statistics:
            mean, var = np.empty_like(moving_mean), np.empty_like(moving_variance)
            batch_moments(x2, mean, var)
            if np.all(np.isfinite(mean)) and np.all(np.isfinite(var)):
                # Never write non-finite statistics: the training loop refuses that step and keeps the
                # weights, and the moving statistics must stay usable with them.
                moving_mean[...] = moving_mean * self.momentum + mean * (1.0 - self.momentum)
                moving_variance[...] = moving_variance * self.momentum + var * (1.0 - self.momentum)
        else:
            mean, var = moving_mean, moving_variance
        gamma, _ = self._affine("gamma", 1.0, moving_mean)
        beta, _ = self._affine("beta", 0.0, moving_mean)
        self._inv_std = np.empty_like(moving_mean)
        self._xhat = np.empty_like(x2)
        y = np.empty_like(x2)
        batch_norm_apply(x2, mean, var, gamma, beta, self.epsilon, self._inv_std, self._xhat, y)
        return np.moveaxis(y.reshape(self._moved_shape), -1, axis)

    def backward(self, grad_output):
        moved = np.moveaxis(grad_output, self._axis_in_batch, -1)
        grad_y = np.ascontiguousarray(moved.reshape(-1, moved.shape[-1]), dtype=self._xhat.dtype)
        gamma, grad_gamma = self._affine("gamma", 1.0, self._inv_std)
        _, grad_beta = self._affine("beta", 0.0, self._inv_std)
        grad_x = np.empty_like(grad_y)
        batch_norm_backward(grad_y, self._xhat, gamma, self._inv_std, self._batch_statistics, grad_x,
                            grad_gamma, grad_beta)
        return [np.moveaxis(grad_x.reshape(self._moved_shape), -1, self._axis_in_batch)]
