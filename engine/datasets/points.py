"""Data sets of 2-D points a person draws (clicks on the decision boundary plot), saved as plain rows.

A points data set is a list of ``[x, y, label]`` rows with integer class labels (two classes: binary, more:
multi-class). Its spec keeps the rows themselves, so a project reopens with the same points::

    {"points": [[0.5, 1.0, 0], [-2.0, 3.5, 1], ...],
     "options": {"class_names": ["-1", "+1"], "extra_features": ["x1^2"], "feature_names": ["x1", "x2"]}}

``engine.datasets.from_spec(spec)`` builds it again. Every option may be left out. ``extra_features`` adds
the Playground's extra inputs (x1², sin x1, ...), so points drawn over a Playground data set with extra
inputs still fit the same network.

    >>> spec = points_spec([[0, 0, 0], [1, 1, 0], [0, 1, 1], [1, 0, 1]])
    >>> points_dataset(**dict(spec["options"], points=spec["points"])).task
    'binary'
"""
from __future__ import annotations

import numpy as np

from engine.datasets.base import DataError, Dataset
from engine.datasets.playground import EXTRA_FEATURES, _features

MIN_POINTS = 4  # with fewer there is nothing to learn and nothing left to test on
DEFAULT_SPLIT = (0.8, 0.0, 0.2)  # drawn sets are small: most points are for learning
OPTION_NAMES = ("class_names", "extra_features", "feature_names")


def _rows(points) -> np.ndarray:
    """The rows as an (n, 3) float64 array; DataError naming the first bad row.

    Shapes: points (n, 3) -> (n, 3).
    """
    rows = list(points) if points is not None else []
    for index, row in enumerate(rows):
        if not isinstance(row, (list, tuple, np.ndarray)) or len(row) != 3:
            raise DataError(f"point {index} must be [x, y, label]; got {row!r}")
    array = np.asarray(rows, dtype=np.float64).reshape(len(rows), 3)
    bad = np.flatnonzero(~np.all(np.isfinite(array), axis=1))
    if bad.size:
        raise DataError(f"point {bad[0]} has a coordinate or label that is not a finite number: "
                        f"{rows[bad[0]]!r}")
    labels = array[:, 2]
    bad = np.flatnonzero((labels < 0) | (labels != np.round(labels)))
    if bad.size:
        raise DataError(f"point {bad[0]} has label {rows[bad[0]][2]!r}; labels are class numbers 0, 1, 2, ...")
    return array


def points_dataset(points, class_names=None, extra_features=(), feature_names=None,
                   name: str = "points") -> Dataset:
    """A classification data set from ``[x, y, label]`` rows.

    Parameters
    ----------
    points : rows ``[x, y, label]``; labels are 0, 1, 2, ... (two distinct ones at least).
    class_names : a name per class (default "0", "1", ...); there must be one for every label used.
    extra_features : Playground extra inputs added after x1, x2 ("x1^2", "x2^2", "x1*x2", "sin_x1", "sin_x2").
    feature_names : names of the two coordinates (default ["x1", "x2"]).

    Raises DataError (a ValueError) for bad rows, fewer than ``MIN_POINTS`` points or fewer than two classes.

    Shapes: x (n, 2 + len(extra_features)) float32; y (n,) int64.
    """
    array = _rows(points)
    if len(array) < MIN_POINTS:
        raise DataError(f"draw at least {MIN_POINTS} points to train on (there {'is' if len(array) == 1 else 'are'} "
                        f"{len(array)}), of at least 2 classes")
    labels = array[:, 2].astype(np.int64)
    used = np.unique(labels)
    if len(used) < 2:
        raise DataError(f"all {len(array)} points are of class {used[0]}; draw points of at least 2 classes")
    n_classes = int(labels.max()) + 1
    if class_names is None:
        class_names = [str(k) for k in range(n_classes)]
    class_names = [str(c) for c in class_names]
    if len(class_names) < n_classes:
        raise DataError(f"there are points of class {n_classes - 1} but only {len(class_names)} class names "
                        f"({', '.join(class_names)}); give a name for every class")
    x, names = _features(array[:, :2], list(extra_features or ()))
    if feature_names is not None:
        feature_names = [str(f) for f in feature_names]
        if len(feature_names) != 2:
            raise DataError(f"feature_names names the two coordinates; got {feature_names!r}")
        names[:2] = feature_names
    task = "binary" if len(class_names) == 2 else "multiclass"
    options = {"class_names": class_names, "extra_features": [e for e in EXTRA_FEATURES if e in names[2:]]}
    if feature_names is not None:
        options["feature_names"] = feature_names
    meta = {"title": "Drawn points", "default_split": DEFAULT_SPLIT, "source": "drawn by hand"}
    return Dataset(x, labels, task, names, class_names, ["label"], name=name, meta=meta,
                   spec=points_spec(array.tolist(), **options))


def points_spec(points, **options) -> dict:
    """The spec of a points data set: ``{"points": rows, "options": {...}}`` (plain lists, JSON-ready).
    Labels are stored as integers. Raises ValueError for an unknown option."""
    unknown = [key for key in options if key not in OPTION_NAMES]
    if unknown:
        raise ValueError(f"points data sets have no option(s) {', '.join(map(repr, unknown))}; their options "
                         f"are: {', '.join(OPTION_NAMES)}")
    rows = [[float(x), float(y), int(label)] for x, y, label in (points or [])]
    return {"points": rows, "options": {key: list(value) for key, value in options.items() if value is not None}}


def from_points_spec(spec: dict) -> Dataset:
    """Build the data set of a ``{"points": ..., "options": ...}`` spec (see :func:`points_spec`)."""
    options = dict(spec.get("options") or {})
    unknown = [key for key in options if key not in OPTION_NAMES]
    if unknown:
        raise ValueError(f"points data sets have no option(s) {', '.join(map(repr, unknown))}; their options "
                         f"are: {', '.join(OPTION_NAMES)}")
    return points_dataset(spec.get("points"), **options)


def can_draw_over(ds: Dataset) -> bool:
    """True when ``ds`` is a classification data set of 2-D points (plus Playground extra inputs), so its
    points can start a drawn data set."""
    if not ds.is_classification or ds.x.ndim != 2 or ds.x.shape[1] < 2 or ds.y.ndim != 1:
        return False
    extra = ds.feature_names[2:]
    return ds.x.shape[1] == 2 or (ds.feature_names[:2] == ["x1", "x2"] and all(e in EXTRA_FEATURES for e in extra))


def points_from_dataset(ds: Dataset) -> dict:
    """The spec of a drawn data set holding ``ds``'s points (its first two inputs), labels, class names,
    extra inputs and coordinate names: the starting point for adding points by hand.

    Raises ValueError when ``ds`` is not a classification data set of 2-D points (see :func:`can_draw_over`).
    """
    if not can_draw_over(ds):
        raise ValueError(f"only classification data sets of 2-D points can be drawn on; {ds.name!r} is a "
                         f"{ds.task} task with inputs of shape {tuple(ds.x.shape[1:])}")
    rows = np.column_stack([ds.x[:, :2].astype(np.float64), ds.y.astype(np.float64)])
    names = list(ds.feature_names[:2])
    return points_spec(rows.tolist(), class_names=list(ds.class_names), extra_features=list(ds.feature_names[2:]),
                       feature_names=None if names == ["x1", "x2"] else names)


def add_point(spec: dict, x: float, y: float, label: int) -> dict:
    """A copy of the points spec with ``[x, y, label]`` appended; a label beyond the class names adds names
    ("2", "3", ...) up to it."""
    options = dict(spec.get("options") or {})
    names = list(options.get("class_names") or [])
    label = int(label)
    if label < 0:
        raise ValueError(f"labels are class numbers 0, 1, 2, ...; got {label}")
    if names and label >= len(names):
        options["class_names"] = names + [str(k) for k in range(len(names), label + 1)]
    rows = [list(row) for row in spec.get("points") or []] + [[float(x), float(y), label]]
    return {"points": rows, "options": options}
