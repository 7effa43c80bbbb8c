"""Weight constraints with Keras 3 names, configs and formulas (applied after each optimizer step).

``constraint(w)`` returns a new constrained array; ``constraint.apply_(w)`` constrains ``w`` in place, which
is what training uses because a layer's weights are views into the network's flat parameter buffer.
Norms are taken over ``axis`` (an int or a list of ints) and divided as ``w * desired / (EPSILON + norm)``,
computed in ``w``'s dtype, exactly as Keras does.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine._objects import ConfigObject, ObjectTable

EPSILON = 1e-7  # keras.backend.epsilon()

Axis = int | Sequence[int]


def _axis(axis: Axis) -> int | tuple[int, ...]:
    return axis if isinstance(axis, (int, np.integer)) else tuple(int(a) for a in axis)


class Constraint(ConfigObject):
    """Base class: a projection of the weights (the identity here)."""

    def __call__(self, w: np.ndarray) -> np.ndarray:
        """Return the constrained weights as a new array (``w`` is untouched). Shapes: any, kept."""
        w = np.array(w, copy=True)
        return self.apply_(w)

    def apply_(self, w: np.ndarray) -> np.ndarray:
        """Constrain ``w`` in place (it may be a view) and return it. Shapes: any, kept."""
        return w


class _NormConstraint(Constraint):
    """Rescales each slice along ``axis`` by ``desired(norm) / (EPSILON + norm)``."""

    def __init__(self, axis: Axis = 0):
        self.axis = axis

    def desired(self, norms: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def apply_(self, w):
        if not np.issubdtype(w.dtype, np.floating):
            raise ValueError(f"{type(self).__name__} needs floating weights, got dtype {w.dtype}")
        norms = np.sqrt(np.sum(np.square(w), axis=_axis(self.axis), keepdims=True))
        # The epsilon keeps an all-zero slice at zero instead of dividing 0 by 0.
        scale = self.desired(norms) / (w.dtype.type(EPSILON) + norms)
        np.multiply(w, scale.astype(w.dtype, copy=False), out=w)
        return w


class MaxNorm(_NormConstraint):
    """Slices along ``axis`` whose L2 norm exceeds ``max_value`` are scaled down to it."""

    def __init__(self, max_value: float = 2, axis: Axis = 0):
        super().__init__(axis)
        self.max_value = max_value

    def desired(self, norms):
        return np.clip(norms, 0, self.max_value)

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class UnitNorm(_NormConstraint):
    """Every slice along ``axis`` scaled to unit L2 norm."""

    def desired(self, norms):
        return np.ones_like(norms)

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(_NormConstraint):
    """Norms moved towards [min_value, max_value]: ``rate * clip(norm) + (1 - rate) * norm``."""

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0, axis: Axis = 0):
        super().__init__(axis)
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate

    def desired(self, norms):
        return self.rate * np.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


class NonNeg(Constraint):
    """Negative weights set to zero."""

    def apply_(self, w):
        np.maximum(w, 0, out=w)
        return w


# Lower-case names are aliases of the classes, as in keras.constraints.
max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm

_TABLE = ObjectTable("constraint", Constraint, [MaxNorm, NonNeg, UnitNorm, MinMaxNorm])


# The module's lookup functions are the shared table's (one implementation for every object family).
get = _TABLE.get  # name, config dict, instance, class or None -> Constraint | None
serialize = _TABLE.serialize  # Constraint -> {"class_name": ..., "config": {...}}, the form get accepts
names = _TABLE.sorted_names  # every name get accepts, sorted
