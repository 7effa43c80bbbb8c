"""Weight penalties with Keras 3 names, configs and formulas, plus their gradients.

Keras adds ``l1 * sum(|w|) + l2 * sum(w**2)`` to the loss (no 1/2 factor), so the gradients added here are
``l1 * sign(w)`` (with sign(0) = 0, the subgradient TensorFlow and PyTorch use) and ``2 * l2 * w``.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine._objects import ConfigObject, ObjectTable


def _penalty_factor(value: Any, name: str, default: float) -> float:
    """Keras' check: a finite, non-negative real number (None means the default)."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite non-negative number, got {value!r}")
    return float(value)


class Regularizer(ConfigObject):
    """Base class: ``penalty = reg(w)`` and ``reg.gradient(w, out)`` adds d penalty / d w into ``out``."""

    def __call__(self, w: np.ndarray) -> float:
        return 0.0

    def gradient(self, w: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Add the penalty's gradient to ``out`` in place and return ``out``.

        Shapes: ``w`` and ``out`` have the same shape (any rank).
        """
        return out


def _check_out(w: np.ndarray, out: np.ndarray) -> None:
    if w.shape != out.shape:
        raise ValueError(f"gradient: w has shape {w.shape} but out has shape {out.shape}")


def _l1_penalty(factor: float, w: np.ndarray) -> float:
    # Computed in w's dtype, like Keras (ops.cast(l1, x.dtype) * sum(|x|)).
    return float(np.asarray(factor, dtype=w.dtype) * np.sum(np.abs(w)))


def _l2_penalty(factor: float, w: np.ndarray) -> float:
    return float(np.asarray(factor, dtype=w.dtype) * np.sum(np.square(w)))


def _add_l1_gradient(factor: float, w: np.ndarray, out: np.ndarray) -> None:
    out += np.sign(w) * np.asarray(factor, dtype=out.dtype)


def _add_l2_gradient(factor: float, w: np.ndarray, out: np.ndarray) -> None:
    out += w * np.asarray(2.0 * factor, dtype=out.dtype)


class L1(Regularizer):
    """``l1 * sum(|w|)``."""

    def __init__(self, l1: float = 0.01):
        self.l1 = _penalty_factor(l1, "l1", 0.01)

    def __call__(self, w):
        return _l1_penalty(self.l1, np.asarray(w))

    def gradient(self, w, out):
        _check_out(w, out)
        _add_l1_gradient(self.l1, w, out)
        return out

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """``l2 * sum(w**2)`` (no 1/2, so the gradient is ``2 * l2 * w``)."""

    def __init__(self, l2: float = 0.01):
        self.l2 = _penalty_factor(l2, "l2", 0.01)

    def __call__(self, w):
        return _l2_penalty(self.l2, np.asarray(w))

    def gradient(self, w, out):
        _check_out(w, out)
        _add_l2_gradient(self.l2, w, out)
        return out

    def get_config(self):
        return {"l2": self.l2}


class L1L2(Regularizer):
    """``l1 * sum(|w|) + l2 * sum(w**2)``; a zero factor contributes nothing (its term is skipped)."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1 = _penalty_factor(l1, "l1", 0.0)
        self.l2 = _penalty_factor(l2, "l2", 0.0)

    def __call__(self, w):
        w = np.asarray(w)
        penalty = 0.0
        if self.l1 != 0.0:
            penalty += _l1_penalty(self.l1, w)
        if self.l2 != 0.0:
            penalty += _l2_penalty(self.l2, w)
        return penalty

    def gradient(self, w, out):
        _check_out(w, out)
        if self.l1 != 0.0:
            _add_l1_gradient(self.l1, w, out)
        if self.l2 != 0.0:
            _add_l2_gradient(self.l2, w, out)
        return out

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


# Lower-case names are aliases of the classes, as in keras.regularizers (so l1_l2() has l1 = l2 = 0).
l1, l2, l1_l2 = L1, L2, L1L2

_TABLE = ObjectTable(
    "regularizer", Regularizer, [L1, L2, L1L2],
    # The string "l1_l2" means 0.01 for both factors, as Keras' L1L2 docstring (and Keras 2) say; the class
    # names "L1L2"/"l1l2" keep the constructor's defaults (0, 0) like Keras 3's own lookup.
    aliases={"l1_l2": lambda: L1L2(l1=0.01, l2=0.01)},
)


# The module's lookup functions are the shared table's (one implementation for every object family).
get = _TABLE.get  # name, config dict, instance, class or None -> Regularizer | None
serialize = _TABLE.serialize  # Regularizer -> {"class_name": ..., "config": {...}}, the form get accepts
names = _TABLE.sorted_names  # every name get accepts, sorted
