"""Image data sets from a folder with one sub-folder per class, and MNIST-style digit preprocessing.

The engine cannot decode PNG or JPEG files (it is numpy only), so decoding is a function given by the caller:
``decode(path, (height, width), channels)`` returning the image resized to that size as a (h, w, channels)
array of uint8 (0..255) or floats in [0, 1]. The designer registers a QImage decoder with
:func:`set_decoder`, which :func:`load_image_folder` (and ``from_spec({"images": folder, ...})``) uses when
none is given. Everything else — finding the classes, skipping unreadable files, assembling and checking the
arrays — happens here, so scripts and tests get the same data set and the same error messages.

:func:`mnist_style` turns a drawn digit into what MNIST's images look like: cropped to the ink, scaled into a
20×20 box keeping its aspect ratio, and placed in 28×28 with its centre of mass at the centre.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

import numpy as np

from engine.datasets.base import Cancelled, DataError, Dataset, cancel_check

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".pgm", ".ppm", ".pbm", ".tif", ".tiff", ".webp")
COLORS = {"grey": 1, "rgb": 3}
_COLOR_ALIASES = {"gray": "grey", "greyscale": "grey", "grayscale": "grey", "l": "grey", "color": "rgb",
                  "colour": "rgb"}
_CHECK_EVERY = 16  # images between progress reports / cancel checks

Decoder = Callable[[Path, tuple[int, int], int], np.ndarray]
_decoder: Decoder | None = None


def set_decoder(decode: Decoder | None) -> None:
    """Register the function that reads and resizes image files (the designer's QImage decoder); None
    removes it. Shapes: ``decode(path, (h, w), channels)`` -> (h, w, channels) uint8 or float in [0, 1]."""
    global _decoder
    if decode is not None and not callable(decode):
        raise ValueError("decode must be a function (path, (height, width), channels) -> array, or None")
    _decoder = decode


def get_decoder() -> Decoder | None:
    """The registered image decoder, or None."""
    return _decoder


# ---------------------------------------------------------------------------------------------------------
# Image folders

def _size(size) -> tuple[int, int]:
    pair = (size, size) if np.isscalar(size) else tuple(size)
    if len(pair) != 2 or not all(float(s) == int(s) and 1 <= int(s) <= 1024 for s in pair):
        raise ValueError(f"size must be a whole number of pixels from 1 to 1024, or (height, width); got {size!r}")
    return int(pair[0]), int(pair[1])


def _color(color: str) -> str:
    key = str(color).strip().lower()
    key = _COLOR_ALIASES.get(key, key)
    if key not in COLORS:
        raise ValueError(f"unknown color {color!r}; choose one of: {', '.join(COLORS)}")
    return key


def _is_image(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith(".")


def scan_image_folder(folder: str | os.PathLike) -> tuple[list[str], list[tuple[Path, int]], list[str]]:
    """The classes of an image folder and its image files.

    Returns ``(class_names, files, notes)``: the sub-folders holding images (sorted by name), every image file
    as ``(path, class index)`` sorted by class then file name, and remarks (files left out, empty folders).
    Raises DataError when the folder is missing or empty, has no class sub-folders or only one class.
    """
    root = Path(folder)
    if not root.is_dir():
        raise DataError(f"{root} is not a folder" if root.exists() else f"the folder {root} does not exist")
    try:
        entries = sorted(root.iterdir(), key=lambda p: p.name.lower())
    except OSError as exc:
        raise DataError(f"cannot read the folder {root}: {exc.strerror or exc}") from exc
    subfolders = [p for p in entries if p.is_dir() and not p.name.startswith(".")]
    loose = [p for p in entries if _is_image(p)]
    class_names, files, notes = [], [], []
    for sub in subfolders:
        images = sorted((p for p in sub.iterdir() if _is_image(p)), key=lambda p: p.name.lower())
        if not images:
            notes.append(f"sub-folder '{sub.name}' holds no images; it is not a class")
            continue
        files.extend((p, len(class_names)) for p in images)
        class_names.append(sub.name)
    if loose:
        notes.append(f"{len(loose)} image(s) in {root.name} itself are not in a class sub-folder; left out")
    if not class_names:
        if loose:
            raise DataError(f"the images in {root} are not sorted into classes: put each class in its own "
                            "sub-folder (e.g. cats/ and dogs/), named after the class")
        raise DataError(f"the folder {root} holds no images (looked for {', '.join(IMAGE_SUFFIXES)} files in "
                        "its sub-folders, one sub-folder per class)")
    if len(class_names) == 1:
        raise DataError(f"the folder {root} has a single class ('{class_names[0]}'); a classifier needs at least "
                        "two sub-folders of images, one per class")
    return class_names, files, notes


def _as_unit_float(image: Any, shape: tuple[int, int, int]) -> np.ndarray:
    """A decoded image as float32 in [0, 1] with the expected shape; raises ValueError otherwise."""
    if image is None:
        raise ValueError("not an image, or a format that cannot be read")
    arr = np.asarray(image)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.shape != shape:
        raise ValueError(f"decoded to shape {arr.shape} instead of {shape}")
    if arr.dtype == np.uint8:
        return arr.astype(np.float32) / np.float32(255)
    arr = arr.astype(np.float32)
    if not np.isfinite(arr).all() or arr.min(initial=0) < 0 or arr.max(initial=0) > 1:
        raise ValueError("pixel values outside [0, 1]")
    return arr


def assemble_images(images: list, labels, class_names: list[str], size=28, color: str = "grey") -> np.ndarray:
    """Stack decoded images into one float32 array, checking each (shape, values).

    Shapes: images[i] (h, w[, c]) uint8 or float in [0, 1]; returns (n, h, w, c) float32 in [0, 1].
    Raises DataError naming the first image that does not fit.
    """
    h, w = _size(size)
    shape = (h, w, COLORS[_color(color)])
    labels = np.asarray(labels, dtype=np.int64)
    if len(images) != len(labels):
        raise DataError(f"{len(images)} images but {len(labels)} labels")
    if labels.size and (labels.min() < 0 or labels.max() >= len(class_names)):
        raise DataError(f"labels must lie in 0..{len(class_names) - 1}; found {labels.min()}..{labels.max()}")
    x = np.empty((len(images),) + shape, np.float32)
    for i, image in enumerate(images):
        try:
            x[i] = _as_unit_float(image, shape)
        except ValueError as exc:
            raise DataError(f"image {i} (class '{class_names[labels[i]]}'): {exc}") from exc
    return x


def load_image_folder(folder: str | os.PathLike, size=28, color: str = "grey", *, decode: Decoder | None = None,
                      progress: Callable[[float], Any] | None = None, cancel=None) -> Dataset:
    """An image classification data set from a folder with one sub-folder of images per class.

    Parameters
    ----------
    folder : the folder; each sub-folder's name is a class name (sorted by name: class 0, 1, ...).
    size : the size every image is resized to: pixels (square) or (height, width).
    color : "grey" (one channel) or "rgb" (three channels).
    decode : ``decode(path, (h, w), channels)`` -> the resized image, (h, w, channels) uint8 or float in
        [0, 1]; raising or returning None marks the file unreadable. Default: the decoder registered with
        :func:`set_decoder`.
    progress : called with the fraction of the files read, now and then.
    cancel : a ``threading.Event`` or a callable; when set / True, loading stops with :class:`Cancelled`.

    Unreadable files are skipped: ``meta["skipped"]`` lists ``(file, reason)`` (the first 50) and
    ``meta["n_skipped"]`` counts them. Raises DataError for an empty folder, a single class, or when fewer
    than two classes have readable images.

    Shapes: x (n, h, w, channels) float32 in [0, 1]; y (n,) int64.
    """
    h, w = _size(size)
    color = _color(color)
    channels = COLORS[color]
    decode = decode or _decoder
    if decode is None:
        raise DataError("reading image files needs an image decoder; the designer registers one (scripts: "
                        "engine.datasets.images.set_decoder(...) or pass decode=)")
    stopped = cancel_check(cancel)
    class_names, files, notes = scan_image_folder(folder)
    images, labels, skipped = [], [], []
    for i, (path, label) in enumerate(files):
        if i % _CHECK_EVERY == 0:
            if stopped():
                raise Cancelled("loading was cancelled")
            if progress is not None:
                progress(i / len(files))
        try:
            image = _as_unit_float(decode(path, (h, w), channels), (h, w, channels))
        except Exception as exc:  # noqa: BLE001 — any decoder failure means "this file cannot be read"
            skipped.append((f"{class_names[label]}/{path.name}", str(exc) or type(exc).__name__))
            continue
        images.append(image)
        labels.append(label)
    if progress is not None:
        progress(1.0)
    counts = np.bincount(np.asarray(labels, np.int64), minlength=len(class_names))
    if (counts > 0).sum() < 2:
        listed = "; ".join(f"{name}: {why}" for name, why in skipped[:5])
        raise DataError(f"fewer than two classes have images that can be read ({len(skipped)} of {len(files)} "
                        f"files could not be read, e.g. {listed})")
    for name, count in zip(class_names, counts):
        if count == 0:
            notes.append(f"class '{name}' has no readable image")
    if skipped:
        notes.append(f"{len(skipped)} of {len(files)} file(s) could not be read and were skipped")
    x = assemble_images(images, labels, class_names, (h, w), color)
    y = np.asarray(labels, dtype=np.int64)
    suffix = [""] if channels == 1 else ["_r", "_g", "_b"]
    feature_names = [f"px{r}_{c}{s}" for r in range(h) for c in range(w) for s in suffix]
    root = Path(folder)
    meta = {"title": root.name, "source": os.fspath(folder), "pixel_max": 1.0, "skipped": skipped[:50],
            "n_skipped": len(skipped), "notes": notes, "default_split": (0.7, 0.15, 0.15)}
    return Dataset(x, y, "image", feature_names, class_names, ["label"], name=root.name, meta=meta,
                   spec={"images": os.fspath(folder), "options": {"size": [h, w], "color": color}})


# ---------------------------------------------------------------------------------------------------------
# MNIST-style preprocessing of a drawn digit

def area_resize(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Resize by area averaging (each output pixel is the mean of the input area it covers), which
    anti-aliases when shrinking like MNIST's own preprocessing. Shapes: (h, w[, c]) -> (new_h, new_w[, c])."""
    image = np.asarray(image, dtype=np.float64)
    rows = _area_weights(image.shape[0], int(shape[0]))
    cols = _area_weights(image.shape[1], int(shape[1]))
    return np.einsum("ih,hw...,jw->ij...", rows, image, cols)


def _area_weights(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) matrix: the share of each input pixel in each output pixel (rows sum to one)."""
    edges_out = np.arange(n_out + 1) * (n_in / n_out)
    lo = np.maximum(edges_out[:-1, None], np.arange(n_in)[None, :])
    hi = np.minimum(edges_out[1:, None], np.arange(1, n_in + 1)[None, :])
    overlap = np.clip(hi - lo, 0.0, None)
    return overlap / overlap.sum(axis=1, keepdims=True)


def mnist_style(image: np.ndarray, *, size: int = 28, box: int = 20, threshold: float = 0.0) -> np.ndarray:
    """A drawn digit (bright ink on a dark background) processed like MNIST's images.

    Steps, as in LeCun et al.'s description of MNIST: crop to the bounding box of the ink (pixels above
    ``threshold`` times the brightest one), scale it so its longer side is ``box`` pixels keeping the aspect
    ratio (area averaging, so strokes get grey edges), scale the brightness so the brightest pixel is 1, and
    place it in a ``size`` × ``size`` image so that its centre of mass lands on pixel (size/2, size/2) —
    where MNIST's centres of mass are (14, 14 for 28 × 28). A blank image gives all zeros.

    Shapes: image (h, w) or (h, w, 1), any non-negative values -> (size, size) float32 in [0, 1].
    """
    img = np.asarray(image, dtype=np.float64)
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[:, :, 0]
    if img.ndim != 2:
        raise ValueError(f"mnist_style needs a grey image (h, w); got shape {img.shape}")
    if not 0 < box <= size:
        raise ValueError(f"box must lie in 1..size ({size}); got {box}")
    img = np.where(np.isfinite(img), np.clip(img, 0.0, None), 0.0)
    out = np.zeros((size, size), np.float32)
    peak = img.max(initial=0.0)
    if peak <= 0:
        return out
    rows, cols = np.nonzero(img > threshold * peak)
    crop = img[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    h, w = crop.shape
    scale = box / max(h, w)
    new_h, new_w = max(1, int(round(h * scale))), max(1, int(round(w * scale)))
    patch = crop if (new_h, new_w) == (h, w) else area_resize(crop, (new_h, new_w))
    patch = patch / patch.max()
    total = patch.sum()
    com_r = (patch.sum(axis=1) @ np.arange(new_h)) / total
    com_c = (patch.sum(axis=0) @ np.arange(new_w)) / total
    centre = size / 2
    top = int(np.clip(round(centre - com_r), 0, size - new_h))
    left = int(np.clip(round(centre - com_c), 0, size - new_w))
    out[top:top + new_h, left:left + new_w] = patch
    return out
