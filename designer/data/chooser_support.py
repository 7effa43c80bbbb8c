"""Helpers of the data set chooser that need no widget: the summary it shows, the default scaling, loading a
spec in the worker thread, comparing specs, and starting a drawn data set."""
from __future__ import annotations

import copy
import json

from engine import datasets
from engine.datasets import Dataset
from engine.datasets.images import load_image_folder
from engine.datasets.points import MIN_POINTS, can_draw_over, points_from_dataset

from designer.i18n import tr
from designer.data.builtin_texts import task_names


def spec_label(spec: dict) -> str:
    """What a spec is called where it has no title: the built-in's name, the file or folder, or "points"."""
    return str(spec.get("name") or spec.get("csv") or spec.get("images") or ("points" if "points" in spec else ""))


def _normalised(spec: dict) -> str:
    """The spec as the data set it loads: built-ins with every default option filled in, without the split
    and scaling, as sorted JSON (tuples and lists alike)."""
    spec = {key: value for key, value in spec.items() if key not in ("split", "scaling")}
    if "name" in spec:
        try:
            defaults = datasets.describe(spec["name"])["options"]
        except ValueError:
            defaults = {}
        spec["options"] = dict(defaults, **(spec.get("options") or {}))
    spec.setdefault("options", {})
    return json.dumps(spec, sort_keys=True, default=str)


def same_choice(a: dict, b: dict) -> bool:
    """True when two specs load the same data set (e.g. a project's short spec and the chooser's full one)."""
    return _normalised(a) == _normalised(b)


def start_points(shown: Dataset | None, spec: dict) -> dict:
    """The drawn data set to start: the points of the 2-D data set ``shown`` when there is one, else ``spec``."""
    if shown is not None and can_draw_over(shown):
        return points_from_dataset(shown)
    return copy.deepcopy(spec)


def points_hint(spec: dict, message: str) -> str:
    """What to do when a drawn data set cannot be used yet (too few points, one class)."""
    count = len(spec.get("points") or [])
    hint = tr("{n} points drawn. Add at least {min} points of two classes or more: tick 'Add points' on the "
              "decision boundary plot and click on it.").format(n=count, min=MIN_POINTS)
    return f"{hint}\n{message}" if message and count >= MIN_POINTS else hint


def default_scaling(spec: dict, task: str) -> str:
    """Tables are standardized, images min-max scaled, generated sets left as they are."""
    if "csv" in spec or (spec.get("name") and datasets.describe(spec["name"])["group"] == "tables"):
        return "standard"
    return "minmax" if task == "image" else "none"


def describe_dataset(ds: Dataset, split: dict) -> tuple[str, str]:
    """(summary: samples, inputs, target and part sizes; a note on how this data set splits)."""
    n = ds.n_samples
    ratios = [split[k] for k in ("train", "validation", "test")]
    note = ""
    if "fixed_split" in ds.meta:
        pool, n_test = len(ds.meta["fixed_split"]["train"]), len(ds.meta["fixed_split"]["test"])
        share = ratios[0] + ratios[1]
        n_val = int(round(pool * ratios[1] / share)) if share else 0
        sizes = [pool - n_val, n_val, n_test]
        note = tr("The files' own test set ({n} images) is the test set; training and validation share the "
                  "rest.").format(n=n_test)
    else:
        sizes = [int(round(n * r)) for r in ratios]
        sizes[0] = n - sizes[1] - sizes[2]
        if ds.meta.get("parts") == ["test"]:
            note = tr("Only the test files were found: their images are split for training and testing.")
        elif ds.meta.get("ordered"):
            note = tr("Split in time order: the model is tested on the future.")
    shape = ds.input_shape
    inputs = (tr("{n} inputs").format(n=shape[0]) if len(shape) == 1 else
              tr("inputs of {shape}").format(shape=" × ".join(map(str, shape))))
    if ds.class_names and ds.task != "sequence":
        names = ", ".join(ds.class_names[:10]) + (", …" if ds.n_classes > 10 else "")
        target = tr("{k} classes ({names})").format(k=ds.n_classes, names=names)
    else:
        target = task_names().get(ds.task, ds.task)
    summary = tr("{n} samples · {inputs} · {target}").format(n=n, inputs=inputs, target=target)
    parts = tr("Training {a}, validation {b}, test {c}").format(a=sizes[0], b=sizes[1], c=sizes[2])
    return summary + "\n" + parts, note


def load_spec(spec: dict, progress, cancel) -> Dataset:
    """Load a spec in the worker thread; CSV files report progress and can be cancelled."""
    if "csv" in spec:
        return datasets.load_csv(spec["csv"], progress=progress, cancel=cancel, **(spec.get("options") or {}))
    if "images" in spec:
        from designer.data.image_folder import qimage_decode
        return load_image_folder(spec["images"], decode=qimage_decode, progress=progress, cancel=cancel,
                                 **(spec.get("options") or {}))
    return datasets.from_spec(spec)


class Blocked:
    """Block the signals of several widgets for a ``with`` block."""

    def __init__(self, *widgets):
        self.widgets = widgets

    def __enter__(self):
        for w in self.widgets:
            w.blockSignals(True)

    def __exit__(self, *exc):
        for w in self.widgets:
            w.blockSignals(False)
