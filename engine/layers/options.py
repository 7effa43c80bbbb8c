"""Constructor options shared by layers with a kernel and a bias (Dense, the convolutions)."""
from __future__ import annotations

from engine import activations, constraints, initializers, regularizers


def set_kernel_and_bias_options(layer, activation, use_bias, kernel_initializer, bias_initializer,
                                kernel_regularizer, bias_regularizer, kernel_constraint, bias_constraint) -> None:
    """Resolve names/configs into objects on ``layer``; bad names raise ValueError listing the choices.

    The matching editor descriptions are ``engine.layers.base.KERNEL_AND_BIAS_SPECS``.
    """
    layer._activation = activations.get(activation)
    layer.use_bias = bool(use_bias)
    layer.kernel_initializer = initializers.get(kernel_initializer)
    layer.bias_initializer = initializers.get(bias_initializer)
    layer.kernel_regularizer = regularizers.get(kernel_regularizer)
    layer.bias_regularizer = regularizers.get(bias_regularizer)
    layer.kernel_constraint = constraints.get(kernel_constraint)
    layer.bias_constraint = constraints.get(bias_constraint)
