"""Metrics in plain numpy: one-shot functions (scikit-learn style) and Keras-style stateful metric objects.

The one-shot functions live here; the stateful metrics live in ``engine.metric_objects`` and are re-exported
(Keras 3 semantics: mean-type metrics average per-sample values weighted by the number of samples across
batches; Precision/Recall accumulate TP/FP/FN over every output independently with a 0.5 threshold; F1Score
and R2Score accumulate per-output statistics). ``get("accuracy")`` picks the binary, sparse categorical or
categorical accuracy from the shapes of the targets and predictions (Keras' ``compile_utils`` rule),
resolving on the first batch when shapes are not given.
"""
from __future__ import annotations

import numpy as np

from engine import losses as _losses
from engine.metric_objects import (
    LOSS_METRICS,
    Accuracy,
    AutoAccuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    F1Score,
    MeanAbsoluteError,
    MeanMetricWrapper,
    MeanSquaredError,
    Metric,
    Precision,
    R2Score,
    Recall,
    RootMeanSquaredError,
    SparseCategoricalAccuracy,
    absolute_errors,
    accuracy_for_shapes,
    binary_matches,
    categorical_matches,
    same_rank_float64,
    sparse_categorical_matches,
    squared_errors,
)

__all__ = [
    "METRIC_NAMES", "Accuracy", "AutoAccuracy", "BinaryAccuracy", "CategoricalAccuracy", "F1Score",
    "MeanAbsoluteError", "MeanMetricWrapper", "MeanSquaredError", "Metric", "Precision", "R2Score",
    "Recall", "RootMeanSquaredError", "SparseCategoricalAccuracy", "accuracy_for_shapes", "accuracy_score",
    "binary_accuracy", "categorical_accuracy", "confusion_matrix", "f1_score", "get", "mae", "mse",
    "pearson_r", "precision", "precision_score", "r2_score", "recall", "recall_score", "rmse",
    "sparse_categorical_accuracy",
]

# ---------------------------------------------------------------------------------------------------------
# One-shot functions (each returns a float, or an array where scikit-learn does)


def binary_accuracy(y_true, y_pred, threshold: float = 0.5) -> float:
    """Fraction of outputs where (y_pred > threshold) equals y_true. Shapes: (n,) or (n, k), alike."""
    return float(np.mean(binary_matches(y_true, y_pred, threshold=threshold)))


def categorical_accuracy(y_true, y_pred) -> float:
    """Fraction of rows where argmax(y_pred) equals argmax(y_true). Shapes: one-hot (n, k), scores (n, k)."""
    return float(np.mean(categorical_matches(y_true, y_pred)))


def sparse_categorical_accuracy(y_true, y_pred) -> float:
    """Fraction of rows where argmax(y_pred) equals the label. Shapes: labels (n,) or (n, 1), scores (n, k)."""
    return float(np.mean(sparse_categorical_matches(y_true, y_pred)))


def accuracy_score(y_true, y_pred) -> float:
    """Fraction of equal labels (scikit-learn's accuracy_score). Shapes: (n,) label arrays."""
    return float(np.mean(np.asarray(y_true).reshape(-1) == np.asarray(y_pred).reshape(-1)))


def confusion_matrix(y_true, y_pred, n_classes: int | None = None) -> np.ndarray:
    """Counts C[i, j] of samples of true class i predicted as j (scikit-learn's orientation: rows = truth).

    Shapes: y_true, y_pred (n,) integer labels in [0, n_classes); result (n_classes, n_classes) int64.
    ``n_classes`` defaults to 1 + the largest label seen.
    """
    t = np.asarray(y_true).reshape(-1)
    p = np.asarray(y_pred).reshape(-1)
    if t.shape != p.shape:
        raise ValueError(f"y_true and y_pred must have the same number of labels; got {t.size} and {p.size}")
    for labels in (t, p):
        if labels.size and (np.any(labels != np.round(labels)) or labels.min() < 0):
            raise ValueError("confusion_matrix expects non-negative integer class labels")
    t, p = t.astype(np.int64), p.astype(np.int64)
    if n_classes is None:
        n_classes = int(max(t.max(initial=-1), p.max(initial=-1))) + 1
    elif t.size and max(t.max(), p.max()) >= n_classes:
        raise ValueError(f"labels must be smaller than n_classes={n_classes}")
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (t, p), 1)
    return matrix


_AVERAGES = ("binary", "macro", "micro", "weighted", None)


def _prf(y_true, y_pred, average, zero_division, pos_label) -> tuple:
    """Per-class or averaged (precision, recall, f1) from label arrays, as scikit-learn computes them."""
    if average not in _AVERAGES:
        raise ValueError(f"average={average!r} is not supported; choose one of: {_AVERAGES}")
    t = np.asarray(y_true).reshape(-1)
    p = np.asarray(y_pred).reshape(-1)
    classes = np.union1d(t, p)  # scikit-learn's unique_labels (sorted)
    if average == "binary":
        if classes.size > 2:
            raise ValueError(f"average='binary' needs two classes but found {classes.size}; use 'macro', "
                             "'micro' or 'weighted'")
        classes = np.array([pos_label])
    tp = np.array([np.sum((t == c) & (p == c)) for c in classes], dtype=np.float64)
    fp = np.array([np.sum((t != c) & (p == c)) for c in classes], dtype=np.float64)
    fn = np.array([np.sum((t == c) & (p != c)) for c in classes], dtype=np.float64)
    support = tp + fn
    if average == "micro":
        tp, fp, fn = tp.sum(keepdims=True), fp.sum(keepdims=True), fn.sum(keepdims=True)

    def ratio(num, den):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), float(zero_division))

    scores = [ratio(tp, tp + fp), ratio(tp, tp + fn), ratio(2 * tp, 2 * tp + fp + fn)]
    if average is None:
        return tuple(scores)
    if average == "weighted":
        weights = support / support.sum() if support.sum() > 0 else np.zeros_like(support)
        return tuple(float(np.sum(s * weights)) for s in scores)
    return tuple(float(np.mean(s)) for s in scores)


def precision(y_true, y_pred, average: str | None = "binary", zero_division: float = 0.0, pos_label=1):
    """TP / (TP + FP) from labels; ``average`` as scikit-learn ('binary', 'macro', 'micro', 'weighted', None)."""
    return _prf(y_true, y_pred, average, zero_division, pos_label)[0]


def recall(y_true, y_pred, average: str | None = "binary", zero_division: float = 0.0, pos_label=1):
    """TP / (TP + FN) from labels; ``average`` as in :func:`precision`."""
    return _prf(y_true, y_pred, average, zero_division, pos_label)[1]


def f1_score(y_true, y_pred, average: str | None = "binary", zero_division: float = 0.0, pos_label=1):
    """2 TP / (2 TP + FP + FN) from labels; ``average`` as in :func:`precision`."""
    return _prf(y_true, y_pred, average, zero_division, pos_label)[2]


precision_score, recall_score = precision, recall


def mse(y_true, y_pred) -> float:
    return float(np.mean(squared_errors(y_true, y_pred)))


def rmse(y_true, y_pred) -> float:
    return float(np.sqrt(mse(y_true, y_pred)))


def mae(y_true, y_pred) -> float:
    return float(np.mean(absolute_errors(y_true, y_pred)))


def r2_score(y_true, y_pred) -> float:
    """1 - SS_res / SS_tot, averaged uniformly over outputs (scikit-learn; a constant target gives 1 or 0)."""
    y_true, y_pred = same_rank_float64(y_true, y_pred)
    y_true, y_pred = y_true.reshape(len(y_true), -1), y_pred.reshape(len(y_pred), -1)
    ss_res = np.sum((y_true - y_pred) ** 2, axis=0)
    ss_tot = np.sum((y_true - y_true.mean(axis=0)) ** 2, axis=0)
    perfect = np.where(ss_res == 0, 1.0, 0.0)
    scores = np.where(ss_tot > 0, 1.0 - ss_res / np.where(ss_tot > 0, ss_tot, 1.0), perfect)
    return float(np.mean(scores))


def pearson_r(x, y) -> float:
    """Pearson correlation of two equally long samples (NaN when either is constant)."""
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    dx, dy = x - x.mean(), y - y.mean()
    denominator = np.sqrt(np.sum(dx * dx) * np.sum(dy * dy))
    return float(np.sum(dx * dy) / denominator) if denominator > 0 else float("nan")


# ---------------------------------------------------------------------------------------------------------
# Names for compile(metrics=[...])

_CLASSES: dict[str, type[Metric]] = {
    "binary_accuracy": BinaryAccuracy, "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy, "mean_squared_error": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "root_mean_squared_error": RootMeanSquaredError,
    "precision": Precision, "recall": Recall, "f1_score": F1Score, "r2_score": R2Score,
}
_ALIASES = {"mse": "mean_squared_error", "mae": "mean_absolute_error", "rmse": "root_mean_squared_error",
            "f1": "f1_score", "r2": "r2_score", "bce": "binary_crossentropy"}
_LOOKUP = {**{n: n for n in (*_CLASSES, *LOSS_METRICS)}, **_ALIASES,
           **{c.__name__.lower(): n for n, c in _CLASSES.items()}}
METRIC_NAMES: tuple[str, ...] = ("accuracy", "acc", *_CLASSES, *LOSS_METRICS, *_ALIASES)
_BY_CLASS_NAME = {c.__name__: c for c in (*_CLASSES.values(), Accuracy, AutoAccuracy, MeanMetricWrapper)}


def get(identifier, loss_name: str | None = None, *, y_true_shape: tuple | None = None,
        y_pred_shape: tuple | None = None) -> Metric:
    """A fresh metric object for ``compile(metrics=[...])``.

    ``identifier``: a name, a Metric instance or class, or a saved ``{"class_name": ..., "config": ...}``.
    A string keeps the name the user wrote, as Keras does ("acc" reports as "acc"). "accuracy"/"acc"
    (any case) follow Keras' shape rule (:func:`accuracy_for_shapes`): with both shapes given the choice is
    made now, otherwise on the first ``update_state``. ``loss_name`` does not enter that choice (Keras 3
    decides by shapes, not by the loss); it is accepted so callers may pass it.
    """
    del loss_name
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Metric) and identifier is not Metric:
        return identifier()
    if isinstance(identifier, dict) and identifier.get("class_name") in _BY_CLASS_NAME:
        return _BY_CLASS_NAME[identifier["class_name"]].from_config(identifier.get("config", {}))
    if isinstance(identifier, str):
        key = identifier.strip().lower()
        if key in ("accuracy", "acc"):
            if y_true_shape is not None and y_pred_shape is not None:
                return accuracy_for_shapes(tuple(y_true_shape), tuple(y_pred_shape), identifier)
            return AutoAccuracy(identifier)
        if key in _LOOKUP:
            canonical = _LOOKUP[key]
            if canonical in _CLASSES:
                return _CLASSES[canonical](name=identifier)
            return MeanMetricWrapper(getattr(_losses, canonical), identifier)
    raise ValueError(f"unknown metric {identifier!r}; choose one of: {', '.join(METRIC_NAMES)}")
