"""Training settings as the designer edits them and a project saves them: plain data, checked on the way in.

:class:`TrainingSettings` is what the training panel shows (loss, optimizer, learning rate, batch size, epochs,
split, scaling, seed, metrics, rule, regularization, early stopping). ``to_dict()`` gives JSON-ready data
(``Document.training`` / ``Project.training`` hold it) and ``from_dict()`` reads it back; both go through
:meth:`TrainingSettings.validate`, which turns absurd values into a ValueError saying what is wrong and what
is allowed. :class:`engine.session.TrainingSession` runs them.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import numpy as np

SCALINGS = ("standard", "minmax", "none")
RULES = ("gradient", "perceptron")
SPLIT_TOLERANCE = 1e-3  # ratios typed as 0.33/0.33/0.33 still count as summing to one
EARLY_STOPPING_DEFAULTS = {"patience": 10, "monitor": "val_loss", "restore_best": True, "min_delta": 0.0}


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating))


def _whole(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # JSON round trips may turn 32 into 32.0
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be a whole number of at least {minimum}, got {value!r}")
    return int(value)


def _non_negative(name: str, value: Any) -> float:
    if not _is_number(value) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number ≥ 0, got {value!r}")
    return float(value)


@dataclass
class TrainingSettings:
    """What a training run uses. Every field is plain data.

    Attributes
    ----------
    loss : a loss name (see ``engine.losses.LOSS_NAMES``) or "auto": binary → binary_crossentropy (one output
        unit) or sparse_categorical_crossentropy (two units); multiclass / images / sequences →
        sparse_categorical_crossentropy; regression → mean_squared_error.
    optimizer, learning_rate, optimizer_options : an ``engine.optimizers`` name, its learning rate (> 0) and
        its other arguments (``{"momentum": 0.9}``...).
    batch_size : samples per weight update. epochs : passes over the training data, None = until stopped.
    split : (train, validation, test) ratios summing to 1, or None for the data set's own default split.
    scaling : "standard", "minmax" or "none" (fitted on the training part only).
    seed : starting weights, split and shuffling. metrics : "auto" (accuracy for classes) or a list of names.
    rule : "gradient" (backpropagation) or "perceptron" (Rosenblatt's rule, single step-activation layer).
    regularization : None (each layer's own) or ``{"l1": a, "l2": b}`` applied to every Dense / convolution /
        recurrent kernel, replacing the layers' own kernel penalties; it can change while training.
    early_stopping : None or ``{"patience": int, "monitor": "val_loss", "restore_best": bool, "min_delta": x}``.
    """

    loss: str = "auto"
    optimizer: str = "adam"
    learning_rate: float = 0.01
    optimizer_options: dict = field(default_factory=dict)
    batch_size: int = 16
    epochs: int | None = None
    split: tuple[float, float, float] | None = None
    scaling: str = "standard"
    seed: int = 0
    metrics: str | list[str] = "auto"
    rule: str = "gradient"
    regularization: dict | None = None
    early_stopping: dict | None = None

    def __post_init__(self):
        self.validate()

    # -- checking -------------------------------------------------------------------------------------
    def validate(self) -> "TrainingSettings":
        """Check every field (normalising types in place); raise ValueError naming the bad one."""
        from engine import losses, optimizers

        if self.loss != "auto":
            try:
                self.loss = losses.get(self.loss).name
            except (ValueError, TypeError) as error:
                raise ValueError(f"{error} (or 'auto' to pick from the data set)") from None
        name = str(self.optimizer).strip().lower()
        if name not in optimizers.OPTIMIZER_NAMES:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; choose one of: "
                             f"{', '.join(optimizers.OPTIMIZER_NAMES)}")
        self.optimizer = name
        if not _is_number(self.learning_rate) or not math.isfinite(self.learning_rate) or self.learning_rate <= 0:
            raise ValueError(f"the learning rate must be a positive number (like 0.01), got {self.learning_rate!r}")
        self.learning_rate = float(self.learning_rate)
        if not isinstance(self.optimizer_options, dict):
            raise ValueError(f"optimizer_options must be a dict like {{'momentum': 0.9}}, "
                             f"got {self.optimizer_options!r}")
        self.make_optimizer()  # unknown or out-of-range options fail here, with the optimizer's message
        self.batch_size = _whole("the batch size", self.batch_size, 1)
        self.epochs = None if self.epochs is None else _whole("epochs", self.epochs, 1)
        self.split = None if self.split is None else _check_split(self.split)
        if self.scaling not in SCALINGS:
            raise ValueError(f"unknown scaling {self.scaling!r}; choose one of: {', '.join(SCALINGS)}")
        self.seed = _whole("the seed", self.seed, 0)
        self.metrics = _check_metrics(self.metrics)
        if self.rule not in RULES:
            raise ValueError(f"unknown training rule {self.rule!r}; choose one of: {', '.join(RULES)}")
        self.regularization = check_regularization(self.regularization)
        self.early_stopping = _check_early_stopping(self.early_stopping)
        return self

    def make_optimizer(self):
        """A fresh ``engine.optimizers`` object for these settings."""
        from engine import optimizers

        cls = type(optimizers.get(self.optimizer))
        options = dict(self.optimizer_options)
        options.pop("learning_rate", None)
        try:
            return cls(learning_rate=self.learning_rate, **options)
        except (TypeError, ValueError, NotImplementedError) as error:
            raise ValueError(f"optimizer options: {error}") from None

    # -- plain data -----------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        data = asdict(self)
        data["split"] = None if self.split is None else list(self.split)
        data["metrics"] = self.metrics if isinstance(self.metrics, str) else list(self.metrics)
        return data

    @classmethod
    def from_dict(cls, data: dict | None) -> "TrainingSettings":
        """Settings from ``to_dict()``'s output; missing keys take their defaults, unknown keys are refused."""
        data = dict(data or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown training setting(s) {', '.join(map(repr, unknown))}; valid: "
                             f"{', '.join(sorted(known))}")
        return cls(**data)

    def changed(self, **changes) -> "TrainingSettings":
        """A checked copy with some fields changed."""
        return replace(self, **changes)


def _check_split(split) -> tuple[float, float, float]:
    if isinstance(split, dict):
        split = (split.get("train"), split.get("validation"), split.get("test"))
    try:
        ratios = tuple(split)
    except TypeError:
        raise ValueError(f"the split must be three ratios (train, validation, test), got {split!r}") from None
    if len(ratios) != 3 or not all(_is_number(r) and math.isfinite(r) for r in ratios):
        raise ValueError(f"the split must be three numbers (train, validation, test), got {split!r}")
    if any(r < 0 or r > 1 for r in ratios):
        raise ValueError(f"each split ratio must lie between 0 and 1, got {tuple(ratios)}")
    total = float(sum(ratios))
    if abs(total - 1.0) > SPLIT_TOLERANCE:
        raise ValueError(f"the train, validation and test ratios must add up to 1, they add up to {total:g}")
    if ratios[0] <= 0:
        raise ValueError("the training part cannot be empty: give it a ratio above 0")
    return tuple(float(r) / total for r in ratios)  # type: ignore[return-value]


def _check_metrics(metrics) -> str | list[str]:
    if metrics == "auto":
        return "auto"
    from engine import metrics as metrics_module

    if isinstance(metrics, str) or not isinstance(metrics, (list, tuple)):
        raise ValueError(f"metrics must be 'auto' or a list of names like ['accuracy'], got {metrics!r}")
    for name in metrics:
        metrics_module.get(name)  # ValueError listing the valid names
    return list(metrics)


def check_regularization(regularization) -> dict | None:
    """None, or ``{"l1": a, "l2": b}`` with finite a, b ≥ 0 (a missing factor is 0)."""
    if regularization is None:
        return None
    if not isinstance(regularization, dict) or set(regularization) - {"l1", "l2"}:
        raise ValueError(f"regularization must be None or {{'l1': number, 'l2': number}}, got {regularization!r}")
    return {key: _non_negative(f"the {key.upper()} factor", regularization.get(key, 0.0)) for key in ("l1", "l2")}


def _check_early_stopping(options) -> dict | None:
    if options is None or options is False:
        return None
    if not isinstance(options, dict):
        raise ValueError(f"early_stopping must be None or a dict like {EARLY_STOPPING_DEFAULTS}, got {options!r}")
    unknown = sorted(set(options) - set(EARLY_STOPPING_DEFAULTS))
    if unknown:
        raise ValueError(f"unknown early stopping option(s) {', '.join(map(repr, unknown))}; valid: "
                         f"{', '.join(EARLY_STOPPING_DEFAULTS)}")
    merged = {**EARLY_STOPPING_DEFAULTS, **options}
    merged["patience"] = _whole("the early stopping patience", merged["patience"], 0)
    if not isinstance(merged["monitor"], str) or not merged["monitor"]:
        raise ValueError(f"early stopping watches a logged value such as 'val_loss', got {merged['monitor']!r}")
    merged["restore_best"] = bool(merged["restore_best"])
    merged["min_delta"] = _non_negative("the early stopping min_delta", merged["min_delta"])
    return merged
