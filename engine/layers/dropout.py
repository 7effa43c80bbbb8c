"""Dropout: randomly silences units while training (inverted dropout, as Keras)."""
from __future__ import annotations

import numpy as np

from engine.layers.base import Layer, ParamSpec
from engine.layers.registry import register_layer


@register_layer("Regularization", icon="dropout", description="Randomly drops units while training")
class Dropout(Layer):
    """Sets a fraction ``rate`` of inputs to 0 while training and scales the rest by 1/(1-rate)."""

    param_specs = (
        ParamSpec("rate", "float", 0.5, "fraction of units dropped while training", minimum=0.0, maximum=0.999),
        ParamSpec("seed", "int", None, "random seed (empty: from the network's seed)", optional=True),
    )

    def __init__(self, rate=0.5, seed=None, noise_shape=None, **kwargs):
        super().__init__(**kwargs)
        if noise_shape is not None:
            raise ValueError("Dropout noise_shape is not supported; leave it empty")
        rate = float(rate)
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"Dropout rate must be in [0, 1), got {rate}")
        self.rate = rate
        self.seed = None if seed is None else int(seed)
        self._own_rng = np.random.default_rng(self.seed) if self.seed is not None else None

    def compute_output_shape(self, input_shapes):
        self.check_input_count(len(input_shapes))
        return tuple(input_shapes[0])

    def forward(self, inputs, training):
        x = inputs[0]
        if not training or self.rate == 0.0:
            self._mask = None
            return x
        rng = self._own_rng or self._rng or np.random.default_rng()
        keep = 1.0 - self.rate
        self._mask = (rng.random(x.shape) < keep).astype(x.dtype) / x.dtype.type(keep)
        return x * self._mask

    def backward(self, grad_output):
        if self._mask is None:
            return [grad_output]
        return [grad_output * self._mask]
