"""The dataset layer's data types: :class:`Dataset`, the train / validation / test :class:`Split`, and
one-hot encoding of class labels. Scalers live in :mod:`engine.datasets.scaling`.

A data set is plain arrays plus metadata, so the designer can show it, split it and save how it was made
(``Dataset.spec``, the split ratios and seed, the scaler's config) next to the model.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable

import numpy as np

TASKS = ("binary", "multiclass", "regression", "sequence", "image")
CLASS_TASKS = ("binary", "multiclass", "image", "sequence")


class DataError(ValueError):
    """A data file or data set that cannot be used; the message says what is wrong and where."""


def cancel_check(cancel) -> Callable[[], bool]:
    """A ``cancel`` argument (None, a threading.Event, or a callable returning True to stop) as a callable."""
    if cancel is None:
        return lambda: False
    if hasattr(cancel, "is_set"):
        return cancel.is_set
    if callable(cancel):
        return lambda: bool(cancel())
    raise ValueError("cancel must be a threading.Event, a callable returning True to stop, or None")


class Cancelled(RuntimeError):
    """Raised by a loader when its ``cancel`` event was set or its ``cancel`` callable returned True."""


@dataclass
class Dataset:
    """Features, targets and what they mean.

    Shapes: x (n, ...) float32 — (n, features) for tables, (n, H, W) uint8 pixels for image data sets (kept
    as bytes to save memory; :meth:`split` gives float32), (n, steps, channels) for sequences; y (n,) int64
    class indices for classification, (n, outputs) float32 for regression, (n, steps) int64 for sequence
    tasks.

    Attributes
    ----------
    task : one of ``TASKS``: "binary", "multiclass", "regression", "sequence", "image".
    feature_names, class_names : column names of x (flat features) and names of the classes (None for
        regression).
    target_names : names of the regression outputs (or the class column's name).
    report : what an importer detected and dropped (an ``ImportReport``), None for generated data.
    meta : what to show and how to split (not saved; ``spec`` is): "title", "description", "source",
        "licence", "default_split" (train, validation, test ratios), "ordered" (split in time order, no
        shuffling), "fixed_split" ({"train": indices, "test": indices} when the data comes with its own test
        set), "pixel_max", "series" (the whole sine wave), ...
    spec : how to make it again: ``{"name": ..., "options": {...}}`` for built-ins (see
        :func:`engine.datasets.from_spec`).
    """

    x: np.ndarray
    y: np.ndarray
    task: str
    feature_names: list[str]
    class_names: list[str] | None = None
    target_names: list[str] = field(default_factory=lambda: ["target"])
    name: str = ""
    report: Any = None
    meta: dict = field(default_factory=dict)
    spec: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.task not in TASKS:
            raise ValueError(f"unknown task {self.task!r}; choose one of: {', '.join(TASKS)}")
        if len(self.x) != len(self.y):
            raise ValueError(f"x has {len(self.x)} samples but y has {len(self.y)}")

    # -- facts ---------------------------------------------------------------------------------------------
    @property
    def n_samples(self) -> int:
        return len(self.x)

    @property
    def is_classification(self) -> bool:
        return self.task in CLASS_TASKS and self.class_names is not None

    @property
    def n_classes(self) -> int:
        return len(self.class_names) if self.class_names is not None else 0

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x.shape[1:])

    def class_counts(self) -> np.ndarray:
        """Samples per class. Shapes: (n_classes,)."""
        if not self.is_classification:
            raise ValueError(f"data set {self.name!r} is a {self.task} task; it has no classes")
        return np.bincount(self.y.ravel(), minlength=self.n_classes)

    def __repr__(self) -> str:
        classes = f", classes={self.class_names}" if self.class_names is not None else ""
        return (f"Dataset({self.name!r}, task={self.task!r}, x={self.x.shape} {self.x.dtype}, "
                f"y={self.y.shape} {self.y.dtype}{classes})")

    # -- splitting -----------------------------------------------------------------------------------------
    def split(self, train: float | None = None, validation: float | None = None, test: float | None = None,
              *, seed: int = 0, stratify: bool | None = None) -> Split:
        """Split into train / validation / test parts (see :func:`split`)."""
        return split(self, train, validation, test, seed=seed, stratify=stratify)


@dataclass
class Split:
    """A data set cut into train / validation / test parts (any may be empty), optionally scaled.

    Shapes: x_* (n_part, ...) float32; y_* as in the :class:`Dataset` (or one-hot (n_part, n_classes)
    float32 after :meth:`one_hot`); index_* (n_part,) int64 rows of the data set.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    index_train: np.ndarray
    index_val: np.ndarray
    index_test: np.ndarray
    dataset: Dataset
    config: dict
    scaler: Any = None

    def scaled(self, scaler: Any = "standard") -> Split:
        """The parts scaled by a scaler fitted on the training part only.

        ``scaler`` is "standard", "minmax", "none" or an unfitted scaler (fitted here on x_train), or a
        fitted scaler / a config from ``get_config()`` (applied as it is, e.g. the one saved with a model).
        """
        from engine.datasets.scaling import make_scaler
        scaler = make_scaler(scaler)
        if not scaler.fitted:
            scaler.fit(self.x_train)
        return replace(self, x_train=scaler.transform(self.x_train), x_val=scaler.transform(self.x_val),
                       x_test=scaler.transform(self.x_test), scaler=scaler)

    def one_hot(self) -> Split:
        """The class targets of every part as one-hot float32 rows (for categorical cross-entropy)."""
        n = self.dataset.n_classes
        if not self.dataset.is_classification:
            raise ValueError(f"data set {self.dataset.name!r} is a {self.dataset.task} task; only class "
                             "targets can be one-hot encoded")
        return replace(self, y_train=one_hot(self.y_train, n), y_val=one_hot(self.y_val, n),
                       y_test=one_hot(self.y_test, n))

    def for_loss(self, loss: Any) -> Split:
        """Targets in the form ``loss`` expects (see :func:`targets_for_loss`)."""
        def conv(y):
            return targets_for_loss(y, loss, self.dataset.task, self.dataset.n_classes)
        return replace(self, y_train=conv(self.y_train), y_val=conv(self.y_val), y_test=conv(self.y_test))

    @property
    def sizes(self) -> tuple[int, int, int]:
        return len(self.x_train), len(self.x_val), len(self.x_test)


# ---------------------------------------------------------------------------------------------------------
# Splitting

def _ratios(ds: Dataset, train, validation, test) -> tuple[float, float, float]:
    """Fill the unset ratios from the data set's default split, then make them sum to one."""
    default = ds.meta.get("default_split", (0.7, 0.15, 0.15))
    given = [train, validation, test]
    if all(r is None for r in given):
        given = list(default)
    for name, r in zip(("train", "validation", "test"), given):
        if r is not None and not (0.0 <= float(r) <= 1.0):
            raise ValueError(f"the {name} ratio must lie in [0, 1]; got {r}")
    known = sum(float(r) for r in given if r is not None)
    if known > 1.0 + 1e-9:
        raise ValueError(f"train + validation + test ratios add up to {known:g}; they must add up to 1")
    unknown = [i for i, r in enumerate(given) if r is None]
    if unknown:
        # the last unset part takes the rest; the other unset ones are empty
        for i in unknown:
            given[i] = 0.0
        given[unknown[-1]] = 1.0 - known
    total = sum(given)
    if total <= 0:
        raise ValueError("at least one of the train, validation and test ratios must be positive")
    return tuple(float(r) / total for r in given)  # type: ignore[return-value]


def _counts(n: int, ratios: tuple[float, float, float]) -> tuple[int, int, int]:
    """Whole part sizes adding up to n; test and validation are rounded, train takes the remainder."""
    n_test = int(round(n * ratios[2]))
    n_val = min(int(round(n * ratios[1])), n - n_test)
    return n - n_val - n_test, n_val, n_test


def _allocate(sizes: np.ndarray, ratio: float, total: int, cap: np.ndarray) -> np.ndarray:
    """Per-class counts near ``sizes * ratio`` adding up to ``total`` (largest remainders get the rest), each
    at most ``cap``. Rounding class by class would lose whole parts when classes are small."""
    ideal = sizes * ratio
    counts = np.minimum(np.floor(ideal).astype(np.int64), cap)
    order = np.argsort(-(ideal - counts), kind="stable")
    rest = total - int(counts.sum())
    while rest > 0 and (counts < cap).any():
        for i in order:
            if rest > 0 and counts[i] < cap[i]:
                counts[i] += 1
                rest -= 1
    return counts


def _split_indices(n: int, ratios, rng: np.random.Generator | None, labels: np.ndarray | None):
    """Index arrays of the three parts. Stratified: each class is cut in the same proportions, so every part
    keeps the class balance. ``rng`` None keeps the order (time series: train first, test last)."""
    n_train, n_val, n_test = _counts(n, ratios)
    if labels is None:
        order = np.arange(n) if rng is None else rng.permutation(n)
        return order[:n_train], order[n_train:n_train + n_val], order[n_train + n_val:]
    classes = np.unique(labels)
    members = [np.flatnonzero(labels == c) for c in classes]
    if rng is not None:
        members = [rng.permutation(m) for m in members]
    sizes = np.array([len(m) for m in members], dtype=np.int64)
    tests = _allocate(sizes, ratios[2], n_test, sizes)
    vals = _allocate(sizes, ratios[1], n_val, sizes - tests)
    parts: list[list[np.ndarray]] = [[], [], []]
    for m, v, t in zip(members, vals, tests):
        a = len(m) - v - t
        for k, chunk in enumerate((m[:a], m[a:a + v], m[a + v:])):
            parts[k].append(chunk)
    out = []
    for chunks in parts:
        idx = np.concatenate(chunks) if chunks else np.empty(0, np.int64)
        out.append(idx if rng is None else rng.permutation(idx))
    return tuple(out)


def split(ds: Dataset, train: float | None = None, validation: float | None = None, test: float | None = None,
          *, seed: int = 0, stratify: bool | None = None) -> Split:
    """Cut a data set into train / validation / test parts by ratio and seed.

    Parameters
    ----------
    train, validation, test : ratios in [0, 1]; unset ones take the rest (the last unset one), and with none
        set the data set's ``meta["default_split"]`` applies (else 0.7 / 0.15 / 0.15). They are normalised to
        sum to one.
    seed : the shuffle seed; the same seed gives the same parts.
    stratify : keep the class proportions in every part; default True for classification.

    A data set with ``meta["fixed_split"]`` (e.g. MNIST's own test set) keeps that test set: the validation
    part is cut from its training rows by ``validation / (train + validation)``. ``meta["ordered"]`` (time
    series) cuts in order without shuffling: train first, then validation, then test.

    Shapes: x_* (n_part, ...) float32; y_* like ds.y.
    """
    rng = None if ds.meta.get("ordered") else np.random.default_rng(seed)
    if stratify is None:
        stratify = ds.is_classification and ds.task != "sequence"
    if stratify and not (ds.is_classification and ds.y.ndim == 1):
        raise ValueError(f"stratify=True needs one class label per sample; {ds.name!r} is a {ds.task} task")
    labels = ds.y if stratify else None
    fixed = ds.meta.get("fixed_split")
    if fixed is not None:
        tr, va, _ = _ratios(ds, train, validation, test)
        pool = np.asarray(fixed["train"], dtype=np.int64)
        inner = (tr / (tr + va), va / (tr + va), 0.0) if tr + va > 0 else (1.0, 0.0, 0.0)
        a, b, _ = _split_indices(len(pool), inner, rng, None if labels is None else labels[pool])
        parts = (pool[a], pool[b], np.asarray(fixed["test"], dtype=np.int64))
        ratios = inner
    else:
        ratios = _ratios(ds, train, validation, test)
        parts = _split_indices(len(ds.x), ratios, rng, labels)
    idx = [np.asarray(p, dtype=np.int64) for p in parts]
    xs = [np.asarray(ds.x[i], dtype=np.float32) for i in idx]
    ys = [ds.y[i] for i in idx]
    config = {"train": ratios[0], "validation": ratios[1], "test": ratios[2], "seed": int(seed),
              "stratify": bool(stratify), "fixed_test": fixed is not None}
    return Split(xs[0], ys[0], xs[1], ys[1], xs[2], ys[2], idx[0], idx[1], idx[2], ds, config)


# ---------------------------------------------------------------------------------------------------------
# Targets

def one_hot(y: np.ndarray, n_classes: int) -> np.ndarray:
    """Class indices to one-hot float32 rows. Shapes: y (n,) or (n, steps) -> (..., n_classes)."""
    y = np.asarray(y)
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"class indices must lie in [0, {n_classes}); found {y.min()}..{y.max()}")
    return np.eye(n_classes, dtype=np.float32)[y.astype(np.int64)]


def loss_name(loss: Any) -> str:
    """The canonical snake_case name of a loss given as a name, alias, class, instance or config."""
    from engine import losses
    return losses.get(loss).name


def needs_one_hot(loss: Any, task: str, n_classes: int) -> bool:
    """Whether class targets must be one-hot rows for ``loss``: categorical cross-entropy always; the
    regression losses (MSE, MAE, ...) when there are more than two classes."""
    name = loss_name(loss)
    if task not in CLASS_TASKS or name == "sparse_categorical_crossentropy":
        return False
    if name == "categorical_crossentropy":
        return True
    return name != "binary_crossentropy" and n_classes > 2


def targets_for_loss(y: np.ndarray, loss: Any, task: str, n_classes: int) -> np.ndarray:
    """Class targets as ``loss`` wants them: int indices for sparse categorical cross-entropy, one-hot rows
    for categorical cross-entropy (and MSE-like losses with > 2 classes), a float32 column of 0/1 for binary
    cross-entropy (and MSE-like losses) on two classes. Regression targets are returned unchanged.

    Shapes: y (n,) -> (n,), (n, n_classes) or (n, 1).
    """
    if task not in CLASS_TASKS:
        return y
    name = loss_name(loss)
    if name == "sparse_categorical_crossentropy":
        return y
    if needs_one_hot(loss, task, n_classes):
        return one_hot(y, n_classes)
    if n_classes > 2:
        raise ValueError(f"{name} needs two classes (one sigmoid output) but the data set has {n_classes}; use "
                         "categorical_crossentropy or sparse_categorical_crossentropy")
    # reshape(n, 1), not (n, -1): an empty part (no validation set) has no size to infer -1 from.
    return np.asarray(y, dtype=np.float32).reshape(len(y), 1) if y.ndim == 1 else y.astype(np.float32)
