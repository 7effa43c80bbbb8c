"""Embedding: turns whole-number codes (words, digits, categories) into learned vectors (Keras 3 semantics)."""
from __future__ import annotations

import numpy as np

from engine import constraints, initializers, regularizers
from engine.layers.base import Layer, ParamSpec, WeightSpec
from engine.layers.registry import register_layer


def _whole_positive(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"Embedding {what} must be a positive whole number, got {value!r}")
    return int(value)


@register_layer("Dense", icon="embedding", description="Turns whole-number codes into learned vectors")
class Embedding(Layer):
    """Looks up row ``code`` of an (input_dim, output_dim) table for every input value.

    Inputs are codes 0 .. input_dim - 1 stored as numbers; they are cast to integers as Keras does (toward
    zero), and a negative code -k means input_dim - k (Keras' ``take``). The codes get no gradient.
    """

    param_specs = (
        ParamSpec("input_dim", "int", 10, "number of different codes (vocabulary size)", minimum=1,
                  maximum=10_000_000),
        ParamSpec("output_dim", "int", 4, "length of each code's vector", minimum=1, maximum=100_000),
        ParamSpec("embeddings_initializer", "initializer", "uniform", "how the vectors start"),
        ParamSpec("embeddings_regularizer", "regularizer", None, "penalty on the vectors", optional=True),
        ParamSpec("embeddings_constraint", "constraint", None, "limit on the vectors", optional=True),
        ParamSpec("mask_zero", "bool", False, "treat code 0 as padding (not supported yet)"),
    )

    def __init__(self, input_dim=10, output_dim=4, embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, **kwargs):
        kwargs.pop("input_length", None)  # deprecated in Keras 3, which ignores it too
        input_shape = kwargs.pop("input_shape", None)
        super().__init__(**kwargs)
        self.input_dim = _whole_positive(input_dim, "input_dim")
        self.output_dim = _whole_positive(output_dim, "output_dim")
        if mask_zero:
            raise NotImplementedError("Embedding(mask_zero=True) is not supported yet: masks do not flow "
                                      "between layers; leave mask_zero=False")
        self.mask_zero = False
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.declared_input_shape = tuple(input_shape) if input_shape is not None else None

    def compute_output_shape(self, input_shapes):
        self.check_input_count(len(input_shapes))
        return tuple(input_shapes[0]) + (self.output_dim,)

    def weight_specs(self, input_shapes):
        return [WeightSpec("embeddings", (self.input_dim, self.output_dim), self.embeddings_initializer,
                           self.embeddings_regularizer, self.embeddings_constraint)]

    def _codes(self, x: np.ndarray) -> np.ndarray:
        codes = np.asarray(x).astype(np.int64)  # truncation toward zero, as Keras' cast to int32
        codes = np.where(codes < 0, codes + self.input_dim, codes)
        if codes.size and (codes.min() < 0 or codes.max() >= self.input_dim):
            bad = codes.max() if codes.max() >= self.input_dim else codes.min() - self.input_dim
            raise ValueError(f"{self.name}: input code {int(bad)} is outside 0 .. {self.input_dim - 1}; raise "
                             f"input_dim (the number of different codes) or check the data")
        return codes

    def forward(self, inputs, training):
        x = inputs[0]
        self._input_shape_seen = x.shape
        self._code_array = self._codes(x)
        return self.weights_by_name["embeddings"].value[self._code_array]

    def backward(self, grad_output):
        slot = self.weights_by_name["embeddings"]
        slot.grad[...] = 0.0
        # add.at sums the rows of codes that occur several times (a plain fancy-index += would keep one)
        np.add.at(slot.grad, self._code_array.reshape(-1), grad_output.reshape(-1, self.output_dim))
        return [np.zeros(self._input_shape_seen, dtype=grad_output.dtype)]
