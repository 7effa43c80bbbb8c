"""scikit-learn's label helpers (``sklearn.utils.multiclass``): ``type_of_target`` and ``unique_labels``,
shared by the metrics, the encoders and the classifier, plus the array conversions they rest on.
"""
from __future__ import annotations

import numpy as np

from engine.sklearn import to_numpy


def as_label_array(y) -> np.ndarray:
    """y as an array; a list mixing strings and numbers stays Python objects instead of becoming strings."""
    array = to_numpy(y)
    if array.dtype.kind == "U":  # mixed lists become strings in numpy; keep Python objects like scikit-learn
        array = np.asarray(to_numpy(y), dtype=object) if not isinstance(y, np.ndarray) else array
    return array


def type_of_target(y, input_name: str = "y") -> str:
    """'binary', 'multiclass', 'continuous', 'multilabel-indicator', 'multiclass-multioutput',
    'continuous-multioutput' or 'unknown' (scikit-learn's rules for dense arrays)."""
    y = as_label_array(y)
    if y.ndim > 2 or (y.ndim == 2 and y.shape[1] == 0) or y.size == 0 and y.ndim != 1:
        return "unknown"
    if y.ndim == 2 and y.shape[1] > 1:
        if y.dtype.kind in "biuf" and np.isin(np.unique(y), [0, 1]).all():
            return "multilabel-indicator"
        suffix = "-multioutput"
    else:
        suffix = ""
    if y.dtype.kind == "f" and np.any(y != np.round(y)):
        if not np.all(np.isfinite(y)):
            raise ValueError(f"Input {input_name} contains NaN or infinity.")
        return "continuous" + suffix
    if y.dtype == object and not all(isinstance(v, (str, int, np.integer, bool)) for v in y.ravel()):
        return "unknown"
    n_unique = len(unique_values(y.ravel()))
    if n_unique > 2 or (y.ndim == 2 and y.shape[1] > 1):
        return "multiclass" + suffix
    return "binary"


def unique_values(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values; object arrays must not mix strings and numbers (as scikit-learn)."""
    if values.dtype == object:
        kinds = {isinstance(v, str) for v in values}
        if len(kinds) > 1:
            raise ValueError("Mix of label input types (string and number)")
        return np.array(sorted(set(values.tolist())), dtype=object)
    return np.unique(values)


def unique_labels(*ys) -> np.ndarray:
    """Sorted labels found in any of the arrays (for indicator matrices: 0..n_columns-1)."""
    if not ys:
        raise ValueError("No argument has been passed.")
    arrays = [as_label_array(y) for y in ys]
    types = {type_of_target(a) for a in arrays}
    if types == {"binary", "multiclass"}:
        types = {"multiclass"}
    if len(types) > 1:
        raise ValueError(f"Mix type of y not allowed, got types {types}")
    if types == {"multilabel-indicator"}:
        widths = {a.shape[1] for a in arrays}
        if len(widths) > 1:
            raise ValueError("Multi-label binary indicator input with different numbers of labels")
        return np.arange(widths.pop())
    flat = [a.ravel() for a in arrays if a.size]
    if not flat:
        return np.array([])
    if all(a.dtype.kind in "biuf" for a in flat) or all(a.dtype.kind in "US" for a in flat):
        return np.unique(np.concatenate(flat))
    return unique_values(np.concatenate([a.astype(object) for a in flat]))  # raises on strings mixed with numbers
