"""Data sets for the workshop: built-in generators and tables, MNIST-style image files, and a CSV importer.

A :class:`Dataset` is features ``x``, targets ``y`` and metadata (feature / class names, the task).
``ds.split(train, validation, test, seed=...)`` cuts it (stratified for classes) into a :class:`Split`,
whose ``scaled("standard" | "minmax")`` fits the scaler on the training part only and ``one_hot()`` /
``for_loss(loss)`` shape the targets. Scalers save as plain data (``get_config`` / ``scaler_from_config``).

    >>> from engine import datasets
    >>> datasets.names()[:4]
    ['circle', 'xor', 'gaussians', 'spiral']
    >>> ds = datasets.load("wine")
    >>> parts = ds.split(0.7, 0.15, 0.15, seed=0).scaled("standard")
    >>> ds = datasets.load_csv("my_table.csv", target="price", missing="median")  # doctest: +SKIP

Nothing here downloads anything: MNIST and Fashion-MNIST are read from files already on the machine.
"""
from __future__ import annotations

import inspect
from typing import Any, Callable

from engine.datasets import arithmetic, idx, playground, series, tabular
from engine.datasets.base import (
    TASKS,
    Cancelled,
    DataError,
    Dataset,
    Split,
    needs_one_hot,
    one_hot,
    split,
    targets_for_loss,
)
from engine.datasets.csv_import import load_csv
from engine.datasets.csv_table import ImportReport
from engine.datasets.idx import read_idx
from engine.datasets.scaling import MinMaxScaler, Scaler, StandardScaler, make_scaler, scaler_from_config
from engine.datasets.series import teacher_forcing_inputs

__all__ = ["TASKS", "Cancelled", "DataError", "Dataset", "ImportReport", "MinMaxScaler", "Scaler", "Split",
           "StandardScaler", "describe", "from_spec", "load", "load_csv", "make_scaler", "names", "needs_one_hot",
           "one_hot", "read_idx", "regenerate", "scaler_from_config", "split", "targets_for_loss",
           "teacher_forcing_inputs"]

# name -> (loader, group, task). Order is the order the designer lists them in.
_BUILTINS: dict[str, tuple[Callable[..., Dataset], str, str]] = {
    "circle": (playground.circle, "playground", "binary"),
    "xor": (playground.xor, "playground", "binary"),
    "gaussians": (playground.gaussians, "playground", "binary"),
    "spiral": (playground.spiral, "playground", "binary"),
    "plane": (playground.plane, "playground", "regression"),
    "multi_gaussian": (playground.multi_gaussian, "playground", "regression"),
    "add2": (arithmetic.add2, "arithmetic", "regression"),
    "add3": (arithmetic.add3, "arithmetic", "regression"),
    "multiply4": (arithmetic.multiply4, "arithmetic", "regression"),
    "truth_xor": (arithmetic.truth_xor, "logic", "binary"),
    "truth_and": (arithmetic.truth_and, "logic", "binary"),
    "truth_or": (arithmetic.truth_or, "logic", "binary"),
    "wine": (tabular.wine, "tables", "multiclass"),
    "iris": (tabular.iris, "tables", "multiclass"),
    "breast_cancer": (tabular.breast_cancer, "tables", "binary"),
    "digits": (tabular.digits, "images", "image"),
    "sine": (series.sine, "series", "regression"),
    "copy": (series.copy_digits, "series", "sequence"),
    "reverse": (series.reverse_digits, "series", "sequence"),
    "mnist": (idx.mnist, "images", "image"),
    "fashion_mnist": (idx.fashion_mnist, "images", "image"),
}


def names(group: str | None = None) -> list[str]:
    """Built-in data set names (all, or one group: playground, arithmetic, logic, tables, images, series)."""
    groups = sorted({g for _, g, _ in _BUILTINS.values()})
    if group is not None and group not in groups:
        raise ValueError(f"unknown group {group!r}; choose one of: {', '.join(groups)}")
    return [n for n, (_, g, _) in _BUILTINS.items() if group is None or g == group]


def _entry(name: str):
    key = str(name).strip().lower().replace("-", "_").replace(" ", "_")
    if key not in _BUILTINS:
        raise ValueError(f"unknown data set {name!r}; choose one of: {', '.join(_BUILTINS)}")
    return key, _BUILTINS[key]


def describe(name: str) -> dict[str, Any]:
    """What the designer shows before loading: name, group, task, summary and the options with defaults."""
    key, (loader, group, task) = _entry(name)
    options = {p.name: p.default for p in inspect.signature(loader).parameters.values()
               if p.default is not inspect.Parameter.empty}
    doc = (inspect.getdoc(loader) or "").split("\n")[0]
    return {"name": key, "group": group, "task": task, "summary": doc, "options": options}


def load(name: str, **options) -> Dataset:
    """A built-in data set by name (see :func:`names`) with loader options (see :func:`describe`), e.g.
    ``load("spiral", n_samples=400, noise=0.2, seed=3, extra_features=["sin_x1"])``. A new seed regenerates
    generated data sets."""
    key, (loader, _, _) = _entry(name)
    params = inspect.signature(loader).parameters
    unknown = [k for k in options if k not in params]
    if unknown:
        raise ValueError(f"{key} has no option(s) {', '.join(map(repr, unknown))}; its options are: "
                         f"{', '.join(params) or 'none'}")
    return loader(**options)


def from_spec(spec: dict) -> Dataset:
    """Make a data set again from its ``Dataset.spec`` (saved with a project): ``{"name": ..., "options":
    {...}}`` for built-ins, ``{"csv": path, "options": {...}}`` for imported files, ``{"images": folder,
    "options": {...}}`` for image folders (see :func:`engine.datasets.images.load_image_folder`)."""
    if isinstance(spec, dict) and "points" in spec:  # drawn by hand: {"points": [[x, y, label], ...], ...}
        from engine.datasets.points import from_points_spec
        return from_points_spec(spec)
    if not isinstance(spec, dict) or not ("name" in spec or "csv" in spec or "images" in spec):
        raise ValueError(f"a data set spec is {{'name': ..., 'options': {{...}}}} or {{'csv': path, 'options': "
                         f"{{...}}}}; got {spec!r}")
    options = dict(spec.get("options") or {})
    if "csv" in spec:
        return load_csv(spec["csv"], **options)
    if "images" in spec:
        from engine.datasets.images import load_image_folder
        return load_image_folder(spec["images"], **options)
    return load(spec["name"], **options)


def regenerate(ds: Dataset, seed: int | None = None) -> Dataset:
    """The same generated data set with a new seed (the Playground's "regenerate"): ``seed`` or, when None,
    the old seed + 1. Raises ValueError for data sets that are not generated from a seed."""
    options = dict(ds.spec.get("options") or {})
    if "name" not in ds.spec or "seed" not in options:
        raise ValueError(f"data set {ds.name!r} is not generated from a seed; only generated data sets "
                         f"({', '.join(n for n in _BUILTINS if 'seed' in describe(n)['options'])}) regenerate")
    options["seed"] = int(options["seed"]) + 1 if seed is None else int(seed)
    return load(ds.spec["name"], **options)
