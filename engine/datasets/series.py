"""Sequence data: a noisy sine wave cut into windows for one-step-ahead prediction, and digit sequences to
copy or reverse for encoder-decoder networks."""
from __future__ import annotations

import numpy as np

from engine.datasets.base import Dataset

DIGITS = [str(d) for d in range(10)]


def sine(n_points: int = 1000, window: int = 20, period: float = 50.0, noise: float = 0.1, seed: int = 0,
         flatten: bool = False) -> Dataset:
    """Windows of a noisy sine wave; the target is the (noisy) value right after each window.

    The wave is s[t] = sin(2π t / period) + noise · N(0, 1) for t = 0 .. n_points - 1. Windows are split in
    time order (``meta["ordered"]``): the model is tested on the future, not on interleaved windows.

    Shapes: x (n_points - window, window, 1), or (n_points - window, window) with flatten=True; y (n, 1).
    """
    window, n_points = int(window), int(n_points)
    if window < 1 or n_points <= window:
        raise ValueError(f"need 1 <= window < n_points; got window={window}, n_points={n_points}")
    if period <= 0 or noise < 0:
        raise ValueError(f"period must be positive and noise non-negative; got period={period}, noise={noise}")
    rng = np.random.default_rng(seed)
    t = np.arange(n_points)
    s = np.sin(2 * np.pi * t / period) + noise * rng.standard_normal(n_points)
    idx = np.arange(window)[None, :] + np.arange(n_points - window)[:, None]  # (n, window)
    x = s[idx].astype(np.float32)
    y = s[window:].astype(np.float32).reshape(-1, 1)
    x = x if flatten else x[:, :, None]
    meta = {"title": "Noisy sine (next value)", "ordered": True, "default_split": (0.7, 0.15, 0.15),
            "source": "generated", "series": s.astype(np.float32)}
    options = dict(n_points=n_points, window=window, period=period, noise=noise, seed=seed, flatten=flatten)
    return Dataset(x, y, "regression", [f"t-{window - i}" for i in range(window)], None, ["next"],
                   name="sine", meta=meta, spec={"name": "sine", "options": options})


def _digit_sequences(name: str, title: str, n_samples: int, length: int, seed: int, one_hot_inputs: bool,
                     transform) -> Dataset:
    if int(n_samples) < 1 or int(length) < 1:
        raise ValueError(f"n_samples and length must be at least 1; got {n_samples}, {length}")
    rng = np.random.default_rng(seed)
    tokens = rng.integers(0, 10, size=(int(n_samples), int(length)))
    y = transform(tokens).astype(np.int64)
    x = np.eye(10, dtype=np.float32)[tokens] if one_hot_inputs else tokens.astype(np.float32)
    meta = {"title": title, "default_split": (0.8, 0.1, 0.1), "source": "generated", "vocabulary": DIGITS}
    options = dict(n_samples=n_samples, length=length, seed=seed, one_hot_inputs=one_hot_inputs)
    return Dataset(x, y, "sequence", [f"step{i + 1}" for i in range(int(length))], list(DIGITS), ["digits"],
                   name=name, meta=meta, spec={"name": name, "options": options})


def copy_digits(n_samples: int = 2000, length: int = 5, seed: int = 0, one_hot_inputs: bool = True) -> Dataset:
    """Random digit sequences; the target is the same sequence.

    Shapes: x (n, length, 10) one-hot float32 (or (n, length) digit values); y (n, length) int64 digits.
    """
    return _digit_sequences("copy", "Copy a digit sequence", n_samples, length, seed, one_hot_inputs,
                            lambda t: t.copy())


def reverse_digits(n_samples: int = 2000, length: int = 5, seed: int = 0, one_hot_inputs: bool = True) -> Dataset:
    """Random digit sequences; the target is the sequence reversed.

    Shapes: x (n, length, 10) one-hot float32 (or (n, length) digit values); y (n, length) int64 digits.
    """
    return _digit_sequences("reverse", "Reverse a digit sequence", n_samples, length, seed, one_hot_inputs,
                            lambda t: t[:, ::-1])


def teacher_forcing_inputs(y: np.ndarray, n_classes: int = 10) -> np.ndarray:
    """Decoder inputs for training an encoder-decoder with teacher forcing: a start token (index n_classes)
    followed by the target shifted right by one step, one-hot over n_classes + 1 symbols.

    Shapes: y (n, steps) int -> (n, steps, n_classes + 1) float32.
    """
    y = np.asarray(y, dtype=np.int64)
    shifted = np.concatenate([np.full((len(y), 1), n_classes, np.int64), y[:, :-1]], axis=1)
    return np.eye(n_classes + 1, dtype=np.float32)[shifted]
