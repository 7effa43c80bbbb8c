"""Keras-style stateful metric objects (``update_state`` / ``result`` / ``reset_state``) in plain numpy.

Mean-type metrics average per-sample values weighted by the number of samples across batches, as Keras 3
does; Precision/Recall accumulate TP/FP/FN over every output independently with a 0.5 threshold; F1Score and
R2Score accumulate per-output statistics. :func:`accuracy_for_shapes` is Keras' ``compile_utils`` rule for
the string "accuracy". The per-sample functions here (``binary_matches``, ``squared_errors``, ...) are also
what the one-shot functions of ``engine.metrics`` average. ``engine.metrics`` re-exports every class and
resolves names with its ``get``.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from engine import losses as _losses
from engine._objects import ConfigObject
from engine.losses import squeeze_or_expand_to_same_rank as _same_rank

_EPSILON = 1e-7  # keras.backend.epsilon(), used by F1Score


def same_rank_float64(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    """Both arrays as float64, after Keras' rank fix (a trailing axis of 1 on one side)."""
    return _same_rank(np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64))


def samplewise_mean(values: np.ndarray) -> np.ndarray:
    """Keras' reduce_to_samplewise_values: mean over every axis but the first."""
    return values.reshape(values.shape[0], -1).mean(axis=1) if values.ndim > 1 else values.reshape(-1)


def samplewise(op: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
    """Per-sample mean of an elementwise ``op(y_true, y_pred)`` after Keras' rank fix."""

    def values(y_true, y_pred, **kwargs) -> np.ndarray:
        return samplewise_mean(op(*same_rank_float64(y_true, y_pred), **kwargs).astype(np.float64))

    return values


# Per-sample values (shape (n,)) of the mean metrics; the thresholded and argmax ones are 0.0 or 1.0.
binary_matches = samplewise(lambda t, p, threshold=0.5: t == (p > threshold))  # strict '>' as Keras
exact_matches = samplewise(lambda t, p: t == p)
squared_errors = samplewise(lambda t, p: (p - t) ** 2)
absolute_errors = samplewise(lambda t, p: np.abs(p - t))


def categorical_matches(y_true, y_pred) -> np.ndarray:
    return (np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)).astype(np.float64).reshape(-1)


def sparse_categorical_matches(y_true, y_pred) -> np.ndarray:
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    return (y_true == np.argmax(y_pred, axis=-1)).astype(np.float64).reshape(-1)


# Keras loss functions that also serve as mean metrics (by their engine.losses function name).
LOSS_METRICS = ("binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy", "huber")


class Metric(ConfigObject):
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


class MeanMetricWrapper(Metric):
    """Mean over all samples seen of ``fn(y_true, y_pred)``, a function returning one value per sample."""

    def __init__(self, fn: Callable[..., np.ndarray], name: str, **fn_kwargs):
        self.fn, self.fn_kwargs = fn, fn_kwargs
        super().__init__(name)

    def update_state(self, y_true, y_pred) -> None:
        values = samplewise_mean(np.asarray(self.fn(y_true, y_pred, **self.fn_kwargs), dtype=np.float64))
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
        if fn_name not in LOSS_METRICS:
            raise ValueError(f"cannot rebuild a mean metric of function {fn_name!r}; known: {LOSS_METRICS}")
        return cls(getattr(_losses, fn_name), **config)


class Accuracy(MeanMetricWrapper):
    """Exact equality of y_true and y_pred (Keras' Accuracy class; not what the string "accuracy" means)."""

    def __init__(self, name: str = "accuracy"):
        super().__init__(exact_matches, name)


class BinaryAccuracy(MeanMetricWrapper):
    def __init__(self, name: str = "binary_accuracy", threshold: float = 0.5):
        super().__init__(binary_matches, name, threshold=threshold)
        self.threshold = threshold

    def get_config(self) -> dict:
        return {**super().get_config(), "threshold": self.threshold}


class CategoricalAccuracy(MeanMetricWrapper):
    def __init__(self, name: str = "categorical_accuracy"):
        super().__init__(categorical_matches, name)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    def __init__(self, name: str = "sparse_categorical_accuracy"):
        super().__init__(sparse_categorical_matches, name)


class MeanSquaredError(MeanMetricWrapper):
    def __init__(self, name: str = "mean_squared_error"):
        super().__init__(squared_errors, name)


class MeanAbsoluteError(MeanMetricWrapper):
    def __init__(self, name: str = "mean_absolute_error"):
        super().__init__(absolute_errors, name)


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
        y_true, y_pred = same_rank_float64(y_true, y_pred)
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
        y_true, y_pred = same_rank_float64(y_true, y_pred)
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
