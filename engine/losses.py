"""Loss functions with Keras 3 names, defaults and values, on top of ``engine.kernels.losses``.

A :class:`Loss` gives the mean loss over a batch (Keras' "sum_over_batch_size": mean over the last axis, then
over samples) and its gradient in one kernel call. Cross-entropies also have a fused *logits* form
(``value_and_grad_logits``) that a network uses when its last activation is the one named by ``fuses_with``
(sigmoid for binary, softmax for categorical) or when ``from_logits=True``. The fused form is exact at any
saturation; Keras instead clips probabilities to [1e-7, 1 - 1e-7], so the two agree except where an output
probability is closer than 1e-7 to 0 or 1 (there Keras' loss is capped near 16.1 and its gradient is 0).

"root_mean_squared_error" ("rmse") is taught in the course but is not a Keras loss: it is the square root of
the mean squared error over ALL elements of the batch (not a mean of per-sample roots).
"""
from __future__ import annotations

import numpy as np

from engine._objects import ConfigObject
from engine.kernels import losses as _k

__all__ = [
    "LOSS_NAMES", "BinaryCrossentropy", "CategoricalCrossentropy", "Huber", "Loss", "MeanAbsoluteError",
    "MeanSquaredError", "RootMeanSquaredError", "SparseCategoricalCrossentropy", "binary_crossentropy",
    "categorical_crossentropy", "get", "huber", "mae", "mean_absolute_error", "mean_squared_error", "mse",
    "root_mean_squared_error", "sparse_categorical_crossentropy", "squeeze_or_expand_to_same_rank",
]

LOSS_NAMES: tuple[str, ...] = (
    "mean_squared_error", "mean_absolute_error", "huber", "binary_crossentropy",
    "categorical_crossentropy", "sparse_categorical_crossentropy", "root_mean_squared_error",
)
_ALIASES = {"mse": "mean_squared_error", "mae": "mean_absolute_error", "huber_loss": "huber",
            "bce": "binary_crossentropy", "rmse": "root_mean_squared_error"}
_REDUCTIONS = ("sum_over_batch_size", "mean")


def _as_float(x) -> np.ndarray:
    x = np.asarray(x)
    return x if x.dtype.kind == "f" and x.dtype.itemsize >= 4 else x.astype(np.float32)


def squeeze_or_expand_to_same_rank(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keras' squeeze_or_expand_to_same_rank: fix a rank difference of one caused by a trailing axis of 1."""
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        y_true = y_true[..., 0] if y_pred.ndim != 1 else y_true
        y_pred = y_pred[:, None] if y_pred.ndim == 1 else y_pred
    elif y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
        y_pred = y_pred[..., 0] if y_true.ndim != 1 else y_pred
        y_true = y_true[:, None] if y_true.ndim == 1 else y_true
    return y_true, y_pred


def _rows(x: np.ndarray) -> np.ndarray:
    """(n, m) C-contiguous view, m = last axis; a 1-D array is one sample (Keras' mean over the last axis)."""
    return np.ascontiguousarray(x).reshape(-1, x.shape[-1] if x.ndim else 1)


class Loss(ConfigObject):
    """Base class. Subclasses set ``code`` (kernel code) and ``fuses_with`` ("sigmoid", "softmax" or None)."""

    code: int = -1
    fuses_with: str | None = None
    sparse: bool = False

    def __init__(self, name: str, reduction: str = "sum_over_batch_size", from_logits: bool = False):
        if reduction not in _REDUCTIONS:
            raise ValueError(f"reduction {reduction!r} is not supported; choose one of: {', '.join(_REDUCTIONS)}")
        self.name = name
        self.reduction = reduction
        self.from_logits = bool(from_logits)
        self.delta = 1.0  # only Huber uses it; the kernels always take one

    # -- targets -------------------------------------------------------------------------------------------
    def _smooth(self, y_true: np.ndarray) -> np.ndarray:
        return y_true

    def prepare(self, y_pred, y_true) -> tuple[np.ndarray, np.ndarray]:
        """(y_pred, y_true) as the kernels want them: 2-D, C-contiguous, y_true in y_pred's float dtype.

        Shapes: y_pred (n, m) (any rank; the last axis is the output axis); y_true like y_pred, or for the
        sparse loss integer labels (n,) / (n, 1) returned as (n, 1). Label smoothing is applied here, so a
        trainer can prepare its targets once and then call the kernels directly.
        """
        y_pred = _as_float(y_pred)
        y_true = np.asarray(y_true)
        if self.sparse:
            if y_true.ndim == y_pred.ndim and y_true.shape[-1:] == (1,):
                y_true = y_true[..., 0]
            if y_pred.ndim == 0 or y_true.shape != y_pred.shape[:-1]:
                raise ValueError(
                    f"{self.name}: labels of shape {y_true.shape} do not fit predictions of shape "
                    f"{y_pred.shape}; expected labels of shape {y_pred.shape[:-1]} (or with a trailing 1)"
                )
            return _rows(y_pred), np.ascontiguousarray(y_true, dtype=y_pred.dtype).reshape(-1, 1)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true.astype(y_pred.dtype), y_pred)
        if y_true.shape != y_pred.shape:
            raise ValueError(f"{self.name}: targets of shape {y_true.shape} do not fit predictions "
                             f"of shape {y_pred.shape}")
        return _rows(y_pred), _rows(self._smooth(y_true))

    def check_targets(self, y_true, n_outputs: int, n_samples: int | None = None) -> None:
        """Raise ValueError with a readable message when ``y_true`` cannot be targets for this loss.

        Shapes: y_true (n,) or (n, n_outputs); (n,) or (n, 1) integer labels for the sparse loss.
        """
        y = np.asarray(y_true)
        if y.dtype.kind not in "biuf":
            raise ValueError(f"{self.name}: targets must be numbers; got dtype {y.dtype}")
        if y.ndim == 0 or y.ndim > 2:
            raise ValueError(f"{self.name}: targets must be a 1-D or 2-D array; got shape {y.shape}")
        if n_samples is not None and y.shape[0] != n_samples:
            raise ValueError(f"{self.name}: targets have {y.shape[0]} rows but the inputs have {n_samples}")
        if not np.all(np.isfinite(y)):
            row = int(np.argwhere(~np.isfinite(y))[0][0])
            raise ValueError(f"{self.name}: targets contain NaN or infinite values (first in row {row})")
        self._check_values(y, n_outputs)

    def _check_values(self, y: np.ndarray, n_outputs: int) -> None:
        width = 1 if y.ndim == 1 else y.shape[1]
        if width != n_outputs:
            hint = ""
            if y.ndim == 1 and n_outputs > 1:
                hint = "; these look like class labels: use sparse_categorical_crossentropy or one-hot encode them"
            raise ValueError(f"{self.name}: targets have {width} column(s) but the output layer has "
                             f"{n_outputs} unit(s){hint}")

    # -- values and gradients --------------------------------------------------------------------------------
    def __call__(self, y_true, y_pred) -> float:
        """Mean loss over the batch (Keras argument order: targets first)."""
        return self.value_and_grad(y_pred, y_true)[0]

    def value_and_grad(self, y_pred, y_true, grad_out: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        """(mean loss, dL/dy_pred). With ``from_logits=True`` y_pred are logits and this is the fused form.

        Shapes: y_pred any rank (last axis = outputs); grad_out, if given, C-contiguous like y_pred.
        """
        if self.from_logits:
            return self.value_and_grad_logits(y_pred, y_true, grad_out)
        pred, true = self.prepare(y_pred, y_true)
        grad = self._grad_buffer(grad_out, np.shape(y_pred), pred.dtype)
        value = _k.loss_value_and_grad(self.code, pred, true, grad.reshape(pred.shape), self.delta)
        return float(value), grad

    def value_and_grad_logits(self, z, y_true, grad_out: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        """(mean loss, dL/dz) where z are the logits before ``fuses_with`` (stable log-sum-exp/softplus form)."""
        if self.fuses_with is None:
            raise ValueError(f"{self.name} has no logits form; only binary_crossentropy (sigmoid) and the "
                             "categorical cross-entropies (softmax) fuse with an output activation")
        logits, true = self.prepare(z, y_true)
        grad = self._grad_buffer(grad_out, np.shape(z), logits.dtype)
        grad2 = grad.reshape(logits.shape)
        if self.fuses_with == "sigmoid":
            value = _k.sigmoid_bce_from_logits(logits, true, grad2)
        else:
            value = _k.softmax_ce_from_logits(logits, true, grad2, self.sparse)
        return float(value), grad

    def uses_logits_with(self, activation_name: str) -> bool:
        """True when a network whose output activation is ``activation_name`` should use the fused form."""
        return self.fuses_with is not None and not self.from_logits and activation_name == self.fuses_with

    @staticmethod
    def _grad_buffer(grad_out: np.ndarray | None, shape: tuple, dtype: np.dtype) -> np.ndarray:
        if grad_out is None:
            return np.empty(shape, dtype)
        if grad_out.shape != tuple(shape) or grad_out.dtype != dtype or not grad_out.flags.c_contiguous:
            raise ValueError(f"grad_out must be a C-contiguous {dtype} array of shape {tuple(shape)}; "
                             f"got {grad_out.dtype} {grad_out.shape}")
        return grad_out

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}


class MeanSquaredError(Loss):
    code = _k.MSE

    def __init__(self, reduction: str = "sum_over_batch_size", name: str = "mean_squared_error"):
        super().__init__(name, reduction)


class MeanAbsoluteError(Loss):
    code = _k.MAE

    def __init__(self, reduction: str = "sum_over_batch_size", name: str = "mean_absolute_error"):
        super().__init__(name, reduction)


class RootMeanSquaredError(Loss):
    """sqrt(mean((y_pred - y_true)**2)) over all elements. A course loss: Keras has it only as a metric."""

    code = _k.RMSE

    def __init__(self, reduction: str = "sum_over_batch_size", name: str = "root_mean_squared_error"):
        super().__init__(name, reduction)


class Huber(Loss):
    code = _k.HUBER

    def __init__(self, delta: float = 1.0, reduction: str = "sum_over_batch_size", name: str = "huber_loss"):
        super().__init__(name, reduction)
        if not delta > 0:
            raise ValueError(f"Huber delta must be positive; got {delta}")
        self.delta = float(delta)

    def get_config(self) -> dict:
        return {**super().get_config(), "delta": self.delta}  # Keras 3 forgets delta here; we keep it


class _Crossentropy(Loss):
    """Shared constructor checks and config of the three cross-entropies."""

    def __init__(self, name, reduction, from_logits, label_smoothing=0.0, axis=-1):
        super().__init__(name, reduction, from_logits)
        if axis != -1:
            raise ValueError(f"{name}: only axis=-1 (the output axis) is supported; got axis={axis}")
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"{name}: label_smoothing must lie in [0, 1]; got {label_smoothing}")
        self.label_smoothing = float(label_smoothing)
        self.axis = axis

    def get_config(self) -> dict:
        config = {**super().get_config(), "from_logits": self.from_logits}
        if not self.sparse:
            config.update(label_smoothing=self.label_smoothing, axis=self.axis)
        return config

    def _smooth(self, y_true):
        ls = self.label_smoothing
        return y_true * (1.0 - ls) + self._smoothing_offset(y_true) if ls else y_true

    def _smoothing_offset(self, y_true):
        """What label smoothing adds to every target after scaling it by ``1 - label_smoothing``."""
        raise NotImplementedError


class BinaryCrossentropy(_Crossentropy):
    code = _k.BCE
    fuses_with = "sigmoid"

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str = "sum_over_batch_size", name: str = "binary_crossentropy"):
        super().__init__(name, reduction, from_logits, label_smoothing, axis)

    def _smoothing_offset(self, y_true):
        return 0.5 * self.label_smoothing  # Keras: squeeze the labels towards 0.5

    def _check_values(self, y, n_outputs):
        super()._check_values(y, n_outputs)
        if y.min() < 0 or y.max() > 1:
            bad = y[(y < 0) | (y > 1)].flat[0]
            raise ValueError(f"{self.name}: targets must lie in [0, 1] (0/1 labels or probabilities); "
                             f"found {bad}")


class CategoricalCrossentropy(_Crossentropy):
    code = _k.CCE
    fuses_with = "softmax"

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str = "sum_over_batch_size", name: str = "categorical_crossentropy"):
        super().__init__(name, reduction, from_logits, label_smoothing, axis)

    def _smoothing_offset(self, y_true):
        # Keras: 1 - ls + ls / n_classes for the target, ls / n_classes for the others
        return self.label_smoothing / y_true.shape[-1]


class SparseCategoricalCrossentropy(_Crossentropy):
    code = _k.SCCE
    fuses_with = "softmax"
    sparse = True

    def __init__(self, from_logits: bool = False, ignore_class: int | None = None,
                 reduction: str = "sum_over_batch_size", axis: int = -1,
                 name: str = "sparse_categorical_crossentropy"):
        super().__init__(name, reduction, from_logits, 0.0, axis)
        if ignore_class is not None:
            raise NotImplementedError("ignore_class (masking a class out of the loss) is not supported")
        self.ignore_class = None

    def get_config(self) -> dict:
        return {**super().get_config(), "ignore_class": self.ignore_class}

    def _check_values(self, y, n_outputs):
        if y.ndim == 2 and y.shape[1] != 1:
            raise ValueError(f"{self.name} expects integer class labels of shape (n,) or (n, 1); got shape "
                             f"{y.shape}. For one-hot targets use categorical_crossentropy")
        if np.any(y != np.round(y)):
            raise ValueError(f"{self.name}: labels must be whole numbers (class indices); found "
                             f"{y[y != np.round(y)].flat[0]}")
        if y.size and (y.min() < 0 or y.max() >= n_outputs):
            bad = y[(y < 0) | (y >= n_outputs)].flat[0]
            hint = "; with one sigmoid unit use binary_crossentropy" if n_outputs == 1 else ""
            raise ValueError(f"{self.name}: labels must lie in [0, {n_outputs}) because the output layer has "
                             f"{n_outputs} unit(s); found {bad:g}{hint}")


_CLASSES = {
    "mean_squared_error": MeanSquaredError, "mean_absolute_error": MeanAbsoluteError, "huber": Huber,
    "binary_crossentropy": BinaryCrossentropy, "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "root_mean_squared_error": RootMeanSquaredError,
}
_LOOKUP = {**{n: n for n in LOSS_NAMES}, **_ALIASES, **{c.__name__.lower(): n for n, c in _CLASSES.items()}}


def get(identifier: str | Loss | type | dict) -> Loss:
    """A :class:`Loss` from a name (case-insensitive; Keras aliases and class names too), an instance, a class
    or a saved ``{"class_name": ..., "config": ...}`` (what ``get_config`` gives, under its class name)."""
    if isinstance(identifier, Loss):
        return identifier
    by_class_name = {c.__name__: c for c in _CLASSES.values()}
    if isinstance(identifier, dict) and identifier.get("class_name") in by_class_name:
        return by_class_name[identifier["class_name"]].from_config(identifier.get("config", {}))
    if isinstance(identifier, type) and issubclass(identifier, Loss) and identifier in _CLASSES.values():
        return identifier()
    if isinstance(identifier, str) and identifier.strip().lower() in _LOOKUP:
        return _CLASSES[_LOOKUP[identifier.strip().lower()]]()
    choices = ", ".join(LOSS_NAMES + tuple(_ALIASES))
    raise ValueError(f"unknown loss {identifier!r}; choose one of: {choices}")


# ---------------------------------------------------------------------------------------------------------
# Functions named like keras.losses.*: per-sample losses (shape y_pred.shape[:-1]) in numpy.


def _per_sample(loss: Loss, y_true, y_pred) -> np.ndarray:
    pred, true = loss.prepare(y_pred, y_true)
    rows = _k.loss_rows_numpy(loss.code, pred, true, loss.delta, loss.from_logits)
    shaped = _as_float(y_pred)
    if not loss.sparse:
        shaped = squeeze_or_expand_to_same_rank(np.asarray(y_true), shaped)[1]
    return rows.astype(pred.dtype).reshape(shaped.shape[:-1])


def mean_squared_error(y_true, y_pred) -> np.ndarray:
    return _per_sample(MeanSquaredError(), y_true, y_pred)


def mean_absolute_error(y_true, y_pred) -> np.ndarray:
    return _per_sample(MeanAbsoluteError(), y_true, y_pred)


def huber(y_true, y_pred, delta: float = 1.0) -> np.ndarray:
    return _per_sample(Huber(delta), y_true, y_pred)


def binary_crossentropy(y_true, y_pred, from_logits: bool = False, label_smoothing: float = 0.0) -> np.ndarray:
    return _per_sample(BinaryCrossentropy(from_logits, label_smoothing), y_true, y_pred)


def categorical_crossentropy(y_true, y_pred, from_logits: bool = False,
                             label_smoothing: float = 0.0) -> np.ndarray:
    return _per_sample(CategoricalCrossentropy(from_logits, label_smoothing), y_true, y_pred)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits: bool = False) -> np.ndarray:
    return _per_sample(SparseCategoricalCrossentropy(from_logits), y_true, y_pred)


def root_mean_squared_error(y_true, y_pred) -> float:
    """Not per sample: one number, sqrt of the mean squared error over all elements."""
    return RootMeanSquaredError()(y_true, y_pred)


mse, mae = mean_squared_error, mean_absolute_error
