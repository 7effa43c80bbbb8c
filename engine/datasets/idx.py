"""MNIST and Fashion-MNIST from files already on the machine: the standard IDX files (gzip-compressed or
not) or Keras' ``mnist.npz``. Nothing is ever downloaded.

Folders searched: the one the user picks, else Keras' dataset cache (``$KERAS_HOME/datasets``,
``~/.keras/datasets``, ``/tmp/.keras/datasets``) and their ``mnist`` / ``fashion-mnist`` sub-folders (and
torchvision's ``MNIST/raw`` / ``FashionMNIST/raw``). When only the 10 000 test images are there, the data
set is those images with a suggested 80 / 20 split (8 000 to train on, 2 000 to test).
"""
from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

from engine.datasets.base import DataError, Dataset

_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot"]
_KINDS = {
    "mnist": {"title": "MNIST handwritten digits", "classes": [str(d) for d in range(10)],
              "folders": ("mnist", "MNIST/raw", "MNIST"), "npz": "mnist.npz",
              "licence": "CC BY-SA 3.0 (Yann LeCun and Corinna Cortes)"},
    "fashion_mnist": {"title": "Fashion-MNIST", "classes": FASHION_CLASSES,
                      "folders": ("fashion-mnist", "fashion_mnist", "FashionMNIST/raw", "FashionMNIST"),
                      "npz": "fashion_mnist.npz", "licence": "MIT, Copyright 2017 Zalando SE"},
}


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """One IDX file (``.gz`` or plain; detected from the content) as a numpy array.

    The header is two zero bytes, a type code (0x08 = uint8, ...), the number of dimensions, then each size
    as a big-endian int32. Shapes: (d1, d2, ...) as the header says, native byte order.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
    except (OSError, EOFError) as exc:
        raise DataError(f"{path.name}: cannot read it ({exc})") from exc
    if len(raw) < 4 or raw[:2] != b"\0\0" or raw[2] not in _DTYPES or raw[3] == 0:
        raise DataError(f"{path.name}: not an IDX file (it should start with 00 00, a type code and the number "
                        "of dimensions)")
    ndim, dtype = raw[3], np.dtype(_DTYPES[raw[2]])
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path.name}: the IDX header is cut short")
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        raise DataError(f"{path.name}: the header announces shape {shape} ({expected} bytes) but the file has "
                        f"{len(raw)} bytes; it is truncated or not an IDX file")
    return np.frombuffer(raw, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def search_folders(kind: str = "mnist", folder: str | os.PathLike | None = None) -> list[Path]:
    """The folders searched for ``kind``'s files, in order (existing or not)."""
    spec = _KINDS[_kind(kind)]
    if folder is not None:
        bases = [Path(folder)]
    else:
        homes = [os.environ.get("KERAS_HOME"), os.path.join(os.path.expanduser("~"), ".keras"),
                 os.path.join("/tmp", ".keras")]
        bases = [Path(h) / "datasets" for h in homes if h]
    out = []
    for base in bases:
        out.append(base)
        out.extend(base / sub for sub in spec["folders"])
    return out


def _find(folder: Path, part: str, what: str) -> Path | None:
    """``train-images-idx3-ubyte[.gz]`` and the ``train-images.idx3-ubyte`` spelling of some unzippers."""
    dims = "idx3" if what == "images" else "idx1"
    for stem in (f"{part}-{what}-{dims}-ubyte", f"{part}-{what}.{dims}-ubyte"):
        for name in (stem + ".gz", stem):
            if (folder / name).is_file():
                return folder / name
    return None


def _load_pair(folder: Path, part: str) -> tuple[np.ndarray, np.ndarray] | None:
    images, labels = _find(folder, part, "images"), _find(folder, part, "labels")
    if images is None or labels is None:
        return None
    x, y = read_idx(images), read_idx(labels)
    if x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
        raise DataError(f"{images.name} / {labels.name}: expected N images of H×W and N labels; got shapes "
                        f"{x.shape} and {y.shape}")
    return x.astype(np.uint8), y.astype(np.int64)


def _load_npz(path: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    try:
        with np.load(path, allow_pickle=False) as f:
            parts = {p: (f[f"x_{p}"], f[f"y_{p}"]) for p in ("train", "test") if f"x_{p}" in f and f"y_{p}" in f}
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(f"{path.name}: cannot read it as a Keras .npz file ({exc})") from exc
    if not parts:
        raise DataError(f"{path.name}: no x_train/y_train or x_test/y_test arrays in it")
    return {p: (x.astype(np.uint8), y.astype(np.int64).ravel()) for p, (x, y) in parts.items()}


def _kind(kind: str) -> str:
    key = str(kind).lower().replace("-", "_")
    if key not in _KINDS:
        raise ValueError(f"unknown image data set {kind!r}; choose one of: {', '.join(_KINDS)}")
    return key


def find_parts(kind: str = "mnist", folder: str | os.PathLike | None = None):
    """The first folder holding ``kind``'s files and what it holds: ``(folder, {"train": (x, y), "test":
    (x, y)})`` with either part possibly missing. Raises DataError naming the folders searched."""
    spec = _KINDS[_kind(kind)]
    searched = search_folders(kind, folder)
    for candidate in searched:
        if not candidate.is_dir():
            continue
        parts = {}
        for part, file_part in (("train", "train"), ("test", "t10k")):
            pair = _load_pair(candidate, file_part)
            if pair is not None:
                parts[part] = pair
        if not parts and (candidate / spec["npz"]).is_file():
            parts = _load_npz(candidate / spec["npz"])
        if parts:
            return candidate, parts
    where = ", ".join(str(p) for p in searched)
    raise DataError(f"no {spec['title']} files found (looked in: {where}). Pick the folder holding "
                    "train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and "
                    f"t10k-labels-idx1-ubyte.gz (or {spec['npz']}); Neurotaller never downloads them.")


def load_images(kind: str = "mnist", folder: str | os.PathLike | None = None, flatten: bool = False) -> Dataset:
    """MNIST or Fashion-MNIST as an image classification data set.

    With both parts, the files' own test set is kept as the test set (``meta["fixed_split"]``); with only
    one part, the default split is 80 / 0 / 20 (for MNIST's test set alone: 8 000 / 2 000).

    Shapes: x (n, 28, 28) uint8 pixels 0..255 (or (n, 784) with flatten=True); y (n,) int64.
    """
    key = _kind(kind)
    spec = _KINDS[key]
    where, parts = find_parts(key, folder)
    names = [p for p in ("train", "test") if p in parts]
    x = np.concatenate([parts[p][0] for p in names])
    y = np.concatenate([parts[p][1] for p in names])
    meta = {"title": spec["title"], "licence": spec["licence"], "folder": str(where), "parts": names,
            "pixel_max": 255}
    if len(names) == 2:
        n_train = len(parts["train"][0])
        meta["fixed_split"] = {"train": np.arange(n_train), "test": np.arange(n_train, len(x))}
        meta["default_split"] = (5 / 6, 1 / 6, 0.0)  # validation cut from the training files
    else:
        meta["default_split"] = (0.8, 0.0, 0.2)
    if y.size and (y.min() < 0 or y.max() >= len(spec["classes"])):
        raise DataError(f"{where}: labels must be 0..9; found {y.min()}..{y.max()}")
    h, w = x.shape[1:3]
    x = x.reshape(len(x), -1) if flatten else x
    feature_names = [f"px{r}_{c}" for r in range(h) for c in range(w)]
    options = {"folder": None if folder is None else str(folder), "flatten": flatten}
    return Dataset(x, y, "image", feature_names, list(spec["classes"]), ["label"], name=key, meta=meta,
                   spec={"name": key, "options": options})


def mnist(folder: str | os.PathLike | None = None, flatten: bool = False) -> Dataset:
    """MNIST handwritten digits (see :func:`load_images`)."""
    return load_images("mnist", folder, flatten)


def fashion_mnist(folder: str | os.PathLike | None = None, flatten: bool = False) -> Dataset:
    """Fashion-MNIST clothing images (see :func:`load_images`)."""
    return load_images("fashion_mnist", folder, flatten)
