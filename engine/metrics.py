"""Metrics in plain numpy: one-shot functions (scikit-learn style) and Keras-style stateful metric objects.

Stateful metrics follow Keras 3: mean-type metrics average per-sample values weighted by the number of
samples across batches; Precision/Recall accumulate TP/FP/FN over every output independently with a 0.5
threshold; F1Score and R2Score accumulate per-output statistics. ``get("accuracy")`` picks the binary,
sparse categorical or categorical accuracy from the shapes of the targets and predictions (Keras'
``compile_utils`` rule), resolving on the first batch when shapes are not given.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from engine import losses as _losses
from engine.losses import squeeze_or_expand_to_same_rank as _same_rank

__all__ = [
    "METRIC_NAMES", "Accuracy", "AutoAccuracy", "BinaryAccuracy", "CategoricalAccuracy", "F1Score",
    "MeanAbsoluteError", "MeanMetricWrapper", "MeanSquaredError", "Metric", "Precision", "R2Score",
    "Recall", "RootMeanSquaredError", "SparseCategoricalAccuracy", "accuracy_for_shapes", "accuracy_score",
    "binary_accuracy", "categorical_accuracy", "confusion_matrix", "f1_score", "get", "mae", "mse",
    "pearson_r", "precision", "precision_score", "r2_score", "recall", "recall_score", "rmse",
    "sparse_categorical_accuracy",
]

_EPSILON = 1e-7  # keras.backend.epsilon(), used by F1Score


def _pair(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    return _same_rank(np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64))


def _per_sample(values: np.ndarray) -> np.ndarray:
    """Keras' reduce_to_samplewise_values: mean over every axis but the first."""
    return values.reshape(values.shape[0], -1).mean(axis=1) if values.ndim > 1 else values.reshape(-1)


def _samplewise(op: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
    """Per-sample mean of an elementwise ``op(y_true, y_pred)`` after Keras' rank fix."""

    def values(y_true, y_pred, **kwargs) -> np.ndarray:
        return _per_sample(op(*_pair(y_true, y_pred), **kwargs).astype(np.float64))

    return values


_binary_matches = _samplewise(lambda t, p, threshold=0.5: t == (p > threshold))  # strict '>' as Keras
_exact_matches = _samplewise(lambda t, p: t == p)
_squared_errors = _samplewise(lambda t, p: (p - t) ** 2)
_absolute_errors = _samplewise(lambda t, p: np.abs(p - t))


def _categorical_matches(y_true, y_pred) -> np.ndarray:
    return (np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)).astype(np.float64).reshape(-1)


def _sparse_categorical_matches(y_true, y_pred) -> np.ndarray:
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    return (y_true == np.argmax(y_pred, axis=-1)).astype(np.float64).reshape(-1)


# ---------------------------------------------------------------------------------------------------------
# One-shot functions (each returns a float, or an array where scikit-learn does)


def binary_accuracy(y_true, y_pred, threshold: float = 0.5) -> float:
    """Fraction of outputs where (y_pred > threshold) equals y_true. Shapes: (n,) or (n, k), alike."""
    return float(np.mean(_binary_matches(y_true, y_pred, threshold=threshold)))


def categorical_accuracy(y_true, y_pred) -> float:
    """Fraction of rows where argmax(y_pred) equals argmax(y_true). Shapes: one-hot (n, k), scores (n, k)."""
    return float(np.mean(_categorical_matches(y_true, y_pred)))


def sparse_categorical_accuracy(y_true, y_pred) -> float:
    """Fraction of rows where argmax(y_pred) equals the label. Shapes: labels (n,) or (n, 1), scores (n, k)."""
    return float(np.mean(_sparse_categorical_matches(y_true, y_pred)))


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
    return float(np.mean(_squared_errors(y_true, y_pred)))


def rmse(y_true, y_pred) -> float:
    return float(np.sqrt(mse(y_true, y_pred)))


def mae(y_true, y_pred) -> float:
    return float(np.mean(_absolute_errors(y_true, y_pred)))


def r2_score(y_true, y_pred) -> float:
    """1 - SS_res / SS_tot, averaged uniformly over outputs (scikit-learn; a constant target gives 1 or 0)."""
    y_true, y_pred = _pair(y_true, y_pred)
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
# Stateful metrics (Keras style)


class Metric:
    """Base: ``update_state`` per batch, ``result`` for the epoch so far, ``reset_state`` between epochs."""

    def __init__(self, name: str):
        self.name = name
        self.reset_state()

    def update_state(self, y_true, y_pred) -> None:
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def reset_state(self) -> None:
        raise NotImplementedError

    def get_config(self) -> dict:
        return {"name": self.name}

    @classmethod
    def from_config(cls, config: dict) -> Metric:
        return cls(**config)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_config().items())})"


class MeanMetricWrapper(Metric):
    """Mean over all samples seen of ``fn(y_true, y_pred)``, a function returning one value per sample."""

    def __init__(self, fn: Callable[..., np.ndarray], name: str, **fn_kwargs):
        self.fn, self.fn_kwargs = fn, fn_kwargs
        super().__init__(name)

    def update_state(self, y_true, y_pred) -> None:
        values = _per_sample(np.asarray(self.fn(y_true, y_pred, **self.fn_kwargs), dtype=np.float64))
        self.total += float(values.sum())
        self.count += values.size

    def result(self) -> float:
        return self.total / self.count if self.count else 0.0  # Keras' divide_no_nan

    def reset_state(self) -> None:
        self.total, self.count = 0.0, 0

    def get_config(self) -> dict:
        if type(self) is not MeanMetricWrapper:
            return super().get_config()  # subclasses know their function
        return {**super().get_config(), "fn": self.fn.__name__, **self.fn_kwargs}

    @classmethod
    def from_config(cls, config: dict) -> Metric:
        if cls is not MeanMetricWrapper:
            return cls(**config)
        config = dict(config)
        fn_name = config.pop("fn", None)
        if fn_name not in _LOSS_METRICS:
            raise ValueError(f"cannot rebuild a mean metric of function {fn_name!r}; known: {_LOSS_METRICS}")
        return cls(getattr(_losses, fn_name), **config)


class Accuracy(MeanMetricWrapper):
    """Exact equality of y_true and y_pred (Keras' Accuracy class; not what the string "accuracy" means)."""

    def __init__(self, name: str = "accuracy"):
        super().__init__(_exact_matches, name)


class BinaryAccuracy(MeanMetricWrapper):
    def __init__(self, name: str = "binary_accuracy", threshold: float = 0.5):
        super().__init__(_binary_matches, name, threshold=threshold)
        self.threshold = threshold

    def get_config(self) -> dict:
        return {**super().get_config(), "threshold": self.threshold}


class CategoricalAccuracy(MeanMetricWrapper):
    def __init__(self, name: str = "categorical_accuracy"):
        super().__init__(_categorical_matches, name)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    def __init__(self, name: str = "sparse_categorical_accuracy"):
        super().__init__(_sparse_categorical_matches, name)


class MeanSquaredError(MeanMetricWrapper):
    def __init__(self, name: str = "mean_squared_error"):
        super().__init__(_squared_errors, name)


class MeanAbsoluteError(MeanMetricWrapper):
    def __init__(self, name: str = "mean_absolute_error"):
        super().__init__(_absolute_errors, name)


class RootMeanSquaredError(MeanSquaredError):
    def __init__(self, name: str = "root_mean_squared_error"):
        super().__init__(name)

    def result(self) -> float:
        return float(np.sqrt(super().result()))


class _ConfusionCounts(Metric):
    """Keras Precision/Recall: every output element is a separate binary decision (y_pred > threshold)."""

    def __init__(self, thresholds: float | None = None, name: str | None = None):
        self.threshold = 0.5 if thresholds is None else float(thresholds)
        super().__init__(name or type(self).__name__.lower())

    def update_state(self, y_true, y_pred) -> None:
        y_true, y_pred = _pair(y_true, y_pred)
        positive, predicted = y_true != 0, y_pred > self.threshold
        self.tp += int(np.sum(positive & predicted))
        self.fp += int(np.sum(~positive & predicted))
        self.fn += int(np.sum(positive & ~predicted))

    def reset_state(self) -> None:
        self.tp = self.fp = self.fn = 0

    def get_config(self) -> dict:
        return {**super().get_config(), "thresholds": self.threshold}


class Precision(_ConfusionCounts):
    def result(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0  # Keras' divide_no_nan


class Recall(_ConfusionCounts):
    def result(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0


class F1Score(Metric):
    """Keras F1Score: per-output counts; threshold None marks each row's largest score as the prediction.

    ``average`` None (Keras' default) returns one F1 per output; 'micro', 'macro', 'weighted' one number.
    Shapes: y_true one-hot / 0-1 (n, k), y_pred scores (n, k).
    """

    def __init__(self, average: str | None = None, threshold: float | None = None, name: str = "f1_score"):
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError(f"average={average!r}; choose one of: None, 'micro', 'macro', 'weighted'")
        self.average, self.threshold = average, threshold
        super().__init__(name)

    def update_state(self, y_true, y_pred) -> None:
        y_true = np.asarray(y_true, dtype=np.float64)
        y_pred = np.asarray(y_pred, dtype=np.float64)
        if y_true.ndim != 2 or y_pred.shape != y_true.shape:
            raise ValueError(f"F1Score expects 2-D y_true and y_pred of one shape (batch, outputs); got "
                             f"{y_true.shape} and {y_pred.shape}")
        if self.threshold is None:
            chosen = (y_pred >= y_pred.max(axis=-1, keepdims=True)) & (np.abs(y_pred) > 1e-9)
        else:
            chosen = y_pred > self.threshold
        chosen = chosen.astype(np.float64)
        counts = np.stack([chosen * y_true, chosen * (1 - y_true), (1 - chosen) * y_true, y_true]).sum(axis=1)
        self.counts = counts if self.counts is None else self.counts + counts

    def result(self):
        if self.counts is None:
            return 0.0
        tp, fp, fn, support = self.counts if self.average != "micro" else self.counts.sum(axis=1)
        precision_ = tp / (tp + fp + _EPSILON)
        recall_ = tp / (tp + fn + _EPSILON)
        f1 = 2 * precision_ * recall_ / (precision_ + recall_ + _EPSILON)
        if self.average == "weighted":
            return float(np.sum(f1 * support / (support.sum() + _EPSILON)))
        return f1 if self.average is None else float(np.mean(f1))

    def reset_state(self) -> None:
        self.counts = None

    def get_config(self) -> dict:
        return {**super().get_config(), "average": self.average, "threshold": self.threshold}


class R2Score(Metric):
    """Keras R2Score (uniform average over outputs), accumulated from per-output sums across batches."""

    def __init__(self, name: str = "r2_score"):
        super().__init__(name)

    def update_state(self, y_true, y_pred) -> None:
        y_true, y_pred = _pair(y_true, y_pred)
        y_true, y_pred = y_true.reshape(len(y_true), -1), y_pred.reshape(len(y_pred), -1)
        sums = np.stack([y_true.sum(0), (y_true**2).sum(0), ((y_true - y_pred) ** 2).sum(0),
                         np.full(y_true.shape[1], float(len(y_true)))])
        self.sums = sums if self.sums is None else self.sums + sums

    def result(self) -> float:
        if self.sums is None:
            return 0.0
        total, squared, residual, count = self.sums
        with np.errstate(divide="ignore", invalid="ignore"):
            scores = 1.0 - residual / (squared - total * total / count)
        return float(np.mean(np.where(np.isinf(scores), 0.0, scores)))  # as Keras: inf -> 0

    def reset_state(self) -> None:
        self.sums = None


def accuracy_for_shapes(y_true_shape: tuple, y_pred_shape: tuple, name: str = "accuracy") -> Metric:
    """Keras' choice for "accuracy": binary if one output, sparse if labels have one column (or one rank
    less) while there are several outputs, categorical otherwise."""
    if len(y_pred_shape) and y_pred_shape[-1] == 1:
        return BinaryAccuracy(name=name)
    true_last = y_true_shape[-1] if len(y_true_shape) else 1
    if len(y_true_shape) < len(y_pred_shape) or (true_last == 1 and y_pred_shape[-1] > 1):
        return SparseCategoricalAccuracy(name=name)
    return CategoricalAccuracy(name=name)


class AutoAccuracy(Metric):
    """The string "accuracy" before shapes are known: picks the right accuracy on the first batch (Keras)."""

    def __init__(self, name: str = "accuracy"):
        self.metric: Metric | None = None
        super().__init__(name)

    def update_state(self, y_true, y_pred) -> None:
        if self.metric is None:
            self.metric = accuracy_for_shapes(np.shape(y_true), np.shape(y_pred), self.name)
        self.metric.update_state(y_true, y_pred)

    def result(self) -> float:
        return self.metric.result() if self.metric is not None else 0.0

    def reset_state(self) -> None:
        if self.metric is not None:
            self.metric.reset_state()


_CLASSES: dict[str, type[Metric]] = {
    "binary_accuracy": BinaryAccuracy, "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy, "mean_squared_error": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "root_mean_squared_error": RootMeanSquaredError,
    "precision": Precision, "recall": Recall, "f1_score": F1Score, "r2_score": R2Score,
}
_LOSS_METRICS = ("binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy", "huber")
_ALIASES = {"mse": "mean_squared_error", "mae": "mean_absolute_error", "rmse": "root_mean_squared_error",
            "f1": "f1_score", "r2": "r2_score", "bce": "binary_crossentropy"}
_LOOKUP = {**{n: n for n in (*_CLASSES, *_LOSS_METRICS)}, **_ALIASES,
           **{c.__name__.lower(): n for n, c in _CLASSES.items()}}
METRIC_NAMES: tuple[str, ...] = ("accuracy", "acc", *_CLASSES, *_LOSS_METRICS, *_ALIASES)
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
