"""The tables shipped in resources/datasets/ (UCI wine, iris, breast cancer, 8×8 digits), read with the CSV
importer. Their sources and licences are in resources/datasets/LICENSES.md."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.datasets.base import Dataset
from engine.datasets.csv_import import load_csv

RESOURCES = Path(__file__).resolve().parents[2] / "resources" / "datasets"
_UCI = "CC BY 4.0 (UCI Machine Learning Repository)"
TABLES = {
    "wine": {"file": "wine.csv", "title": "Wine (UCI)", "licence": _UCI,
             "description": "178 wines from three cultivars, 13 chemical measurements."},
    "iris": {"file": "iris.csv", "title": "Iris (Fisher)", "licence": _UCI,
             "description": "150 iris flowers of three species, 4 measurements in cm."},
    "breast_cancer": {"file": "breast_cancer.csv", "title": "Breast cancer Wisconsin (diagnostic)", "licence": _UCI,
                      "description": "569 tumours, 30 features of cell nuclei; benign or malignant."},
    "digits": {"file": "digits.csv.gz", "title": "Handwritten digits 8×8 (UCI optdigits)", "licence": _UCI,
               "description": "1 797 images of 8×8 pixels (values 0..16), digits 0 to 9."},
}


def resource_path(name: str) -> Path:
    """Where a shipped table lives."""
    if name not in TABLES:
        raise ValueError(f"unknown table {name!r}; choose one of: {', '.join(TABLES)}")
    return RESOURCES / TABLES[name]["file"]


def load_table(name: str) -> Dataset:
    """A shipped table with its title, description and licence in ``meta``."""
    ds = load_csv(resource_path(name))
    info = TABLES[name]
    ds.name = name
    ds.meta.update({k: v for k, v in info.items() if k != "file"}, source=f"resources/datasets/{info['file']}")
    ds.spec = {"name": name, "options": {}}
    return ds


def wine() -> Dataset:
    """UCI Wine: 178 × 13, classes 0, 1, 2 (cultivars)."""
    return load_table("wine")


def iris() -> Dataset:
    """Iris: 150 × 4, classes setosa, versicolor, virginica."""
    return load_table("iris")


def breast_cancer() -> Dataset:
    """Breast cancer Wisconsin (diagnostic): 569 × 30, classes benign (0) and malignant (1)."""
    return load_table("breast_cancer")


def digits(flatten: bool = False) -> Dataset:
    """The 8×8 digits: 1 797 images, pixel values 0..16, classes 0..9.

    Shapes: x (1797, 8, 8) float32 (or (1797, 64) with flatten=True); y (1797,) int64.
    """
    ds = load_table("digits")
    ds.meta["pixel_max"] = 16
    ds.spec["options"] = {"flatten": flatten}
    if not flatten:
        ds.x = np.ascontiguousarray(ds.x.reshape(-1, 8, 8))
        ds.task = "image"
    return ds
