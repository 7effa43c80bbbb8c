"""``keras.utils``: to_categorical, set_random_seed."""
from __future__ import annotations

import numpy as np

from engine.keras.random import set_random_seed


def to_categorical(x, num_classes=None) -> np.ndarray:
    """One-hot encode integer class labels (Keras semantics: a trailing axis of size 1 is dropped; float64,
    as Keras returns for numpy input). Unlike Keras, fractional or negative labels raise instead of being
    truncated or wrapped, since they always mean a mistake in the data."""
    labels = np.asarray(x)
    if labels.size and (not np.all(np.isfinite(labels)) or np.any(labels != np.round(labels)) or labels.min() < 0):
        raise ValueError("to_categorical needs whole-number class labels ≥ 0")
    labels = labels.astype(np.int64)
    if labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels.reshape(labels.shape[:-1])
    if num_classes is None:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    if labels.size and labels.max() >= num_classes:
        raise ValueError(f"label {int(labels.max())} does not fit num_classes={num_classes}")
    out = np.zeros(labels.shape + (num_classes,), dtype=np.float64)
    np.put_along_axis(out, labels[..., None], 1.0, axis=-1)
    return out


__all__ = ["set_random_seed", "to_categorical"]
