"""TensorFlow Playground's data sets, with the same maths as its ``src/dataset.ts`` (Apache 2.0, © 2016
Google; reimplemented with numpy, see resources/datasets/LICENSES.md).

Classification: circle, XOR, two Gaussians, spiral (labels -1 / +1 there; class 0 / 1 here). Regression:
plane and multi-Gaussian (targets in [-1, 1]). ``noise`` is the Playground slider divided by 100 (0 to 0.5).
Like the Playground, the circle and XOR labels are decided on the noisy point while the clean point is
shown, so noise mislabels points near the boundary. Random numbers come from a numpy Generator seeded by
``seed``: the same seed regenerates the same points (not the Playground's own points: it uses seedrandom).

Extra input features, toggled one by one as in the Playground: "x1^2", "x2^2", "x1*x2", "sin_x1", "sin_x2".
"""
from __future__ import annotations

import numpy as np

from engine.datasets.base import Dataset

EXTRA_FEATURES = {
    "x1^2": lambda a, b: a * a,
    "x2^2": lambda a, b: b * b,
    "x1*x2": lambda a, b: a * b,
    "sin_x1": lambda a, b: np.sin(a),
    "sin_x2": lambda a, b: np.sin(b),
}
PLAYGROUND_SPLIT = (0.5, 0.0, 0.5)  # the Playground's default "ratio of training to test data" is 50 %
_CLASS_NAMES = ["-1", "+1"]


def _features(points: np.ndarray, extra: tuple[str, ...] | list[str]) -> tuple[np.ndarray, list[str]]:
    """x1, x2 and the chosen extra features as float32 columns. Shapes: points (n, 2) -> (n, 2 + len(extra))."""
    unknown = [e for e in extra if e not in EXTRA_FEATURES]
    if unknown:
        raise ValueError(f"unknown extra feature(s) {unknown}; choose from: {', '.join(EXTRA_FEATURES)}")
    a, b = points[:, 0], points[:, 1]
    chosen = [e for e in EXTRA_FEATURES if e in extra]  # fixed column order whatever the toggling order
    columns = [a, b] + [EXTRA_FEATURES[e](a, b) for e in chosen]
    return np.stack(columns, axis=1).astype(np.float32), ["x1", "x2", *chosen]


def _check(n_samples: int, noise: float) -> None:
    if int(n_samples) < 2:
        raise ValueError(f"n_samples must be at least 2; got {n_samples}")
    if not 0.0 <= float(noise) <= 1.0:
        raise ValueError(f"noise must lie in [0, 1] (the Playground slider / 100); got {noise}")


def _make(name: str, title: str, points, target, *, classes: bool, extra, options: dict) -> Dataset:
    x, names = _features(points, extra)
    if classes:
        y, task, class_names = (np.asarray(target) > 0).astype(np.int64), "binary", list(_CLASS_NAMES)
    else:
        y, task, class_names = np.asarray(target, np.float32).reshape(-1, 1), "regression", None
    meta = {"title": title, "default_split": PLAYGROUND_SPLIT, "source": "TensorFlow Playground (dataset.ts)",
            "licence": "Apache-2.0 (generator maths)"}
    return Dataset(x, y, task, names, class_names, ["label"], name=name, meta=meta,
                   spec={"name": name, "options": dict(options, extra_features=list(extra))})


def _uniform(rng: np.random.Generator, a: float, b: float, n: int) -> np.ndarray:
    return rng.random(n) * (b - a) + a


def _halves(n_samples: int) -> tuple[int, int]:
    """Samples of the positive and the negative class (the Playground's numSamples / 2 each)."""
    return n_samples - n_samples // 2, n_samples // 2


def circle(n_samples: int = 500, noise: float = 0.0, seed: int = 0, extra_features=()) -> Dataset:
    """Positive points in a disc of radius 2.5, negative ones in the ring 3.5..5 around it."""
    _check(n_samples, noise)
    rng, radius = np.random.default_rng(seed), 5.0
    parts = []
    for count, (r_lo, r_hi) in zip(_halves(n_samples), ((0.0, radius * 0.5), (radius * 0.7, radius))):
        r = _uniform(rng, r_lo, r_hi, count)
        angle = _uniform(rng, 0.0, 2 * np.pi, count)
        parts.append(np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1))
    points = np.concatenate(parts)
    noisy = points + _uniform(rng, -radius, radius, 2 * len(points)).reshape(-1, 2) * noise
    label = np.where(np.hypot(noisy[:, 0], noisy[:, 1]) < radius * 0.5, 1, -1)
    return _make("circle", "Circle", points, label, classes=True, extra=extra_features,
                 options=dict(n_samples=n_samples, noise=noise, seed=seed))


def xor(n_samples: int = 500, noise: float = 0.0, seed: int = 0, extra_features=()) -> Dataset:
    """Points in [-5, 5]² pushed 0.3 away from the axes; positive where x1·x2 >= 0 (the noisy point's)."""
    _check(n_samples, noise)
    rng, padding = np.random.default_rng(seed), 0.3
    points = _uniform(rng, -5.0, 5.0, 2 * n_samples).reshape(-1, 2)
    points += np.where(points > 0, padding, -padding)
    noisy = points + _uniform(rng, -5.0, 5.0, 2 * n_samples).reshape(-1, 2) * noise
    label = np.where(noisy[:, 0] * noisy[:, 1] >= 0, 1, -1)
    return _make("xor", "Exclusive or", points, label, classes=True, extra=extra_features,
                 options=dict(n_samples=n_samples, noise=noise, seed=seed))


def gaussians(n_samples: int = 500, noise: float = 0.0, seed: int = 0, extra_features=()) -> Dataset:
    """Two Gaussian blobs at (2, 2) (positive) and (-2, -2); the variance grows from 0.5 to 4 with noise."""
    _check(n_samples, noise)
    rng = np.random.default_rng(seed)
    variance = 0.5 + (4.0 - 0.5) * noise / 0.5  # d3.scale.linear().domain([0, .5]).range([0.5, 4])
    counts = _halves(n_samples)
    points = np.concatenate([rng.normal(c, np.sqrt(variance), size=(k, 2)) for c, k in zip((2.0, -2.0), counts)])
    label = np.repeat([1, -1], counts)
    return _make("gaussians", "Two Gaussians", points, label, classes=True, extra=extra_features,
                 options=dict(n_samples=n_samples, noise=noise, seed=seed))


def spiral(n_samples: int = 500, noise: float = 0.0, seed: int = 0, extra_features=()) -> Dataset:
    """Two interleaved spirals (1.75 turns out to radius 5); noise jitters each point by up to ±noise."""
    _check(n_samples, noise)
    rng = np.random.default_rng(seed)
    parts = []
    n = n_samples / 2
    for count, delta in zip(_halves(n_samples), (0.0, np.pi)):
        i = np.arange(count)
        r = i / n * 5
        t = 1.75 * i / n * 2 * np.pi + delta
        jitter = _uniform(rng, -1.0, 1.0, 2 * count).reshape(-1, 2) * noise
        parts.append(np.stack([r * np.sin(t), r * np.cos(t)], axis=1) + jitter)
    label = np.repeat([1, -1], _halves(n_samples))
    return _make("spiral", "Spiral", np.concatenate(parts), label, classes=True, extra=extra_features,
                 options=dict(n_samples=n_samples, noise=noise, seed=seed))


def _regression_points(rng: np.random.Generator, n_samples: int, noise: float):
    """Clean points in [-6, 6]² and the noisy points their targets are computed from."""
    radius = 6.0
    points = _uniform(rng, -radius, radius, 2 * n_samples).reshape(-1, 2)
    noisy = points + _uniform(rng, -radius, radius, 2 * n_samples).reshape(-1, 2) * noise
    return points, noisy


def plane(n_samples: int = 500, noise: float = 0.0, seed: int = 0, extra_features=()) -> Dataset:
    """Regression on a tilted plane: target (x1 + x2) / 10."""
    _check(n_samples, noise)
    points, noisy = _regression_points(np.random.default_rng(seed), n_samples, noise)
    target = (noisy[:, 0] + noisy[:, 1]) / 10.0  # d3 linear scale [-10, 10] -> [-1, 1]
    return _make("plane", "Plane (regression)", points, target, classes=False, extra=extra_features,
                 options=dict(n_samples=n_samples, noise=noise, seed=seed))


_GAUSSIANS = np.array([[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]])


def multi_gaussian(n_samples: int = 500, noise: float = 0.0, seed: int = 0, extra_features=()) -> Dataset:
    """Regression on six bumps of alternating sign: each bump is 1 - distance / 2 clamped to [0, 1]; the
    target is the bump value largest in absolute value."""
    _check(n_samples, noise)
    points, noisy = _regression_points(np.random.default_rng(seed), n_samples, noise)
    d = np.hypot(noisy[:, None, 0] - _GAUSSIANS[:, 0], noisy[:, None, 1] - _GAUSSIANS[:, 1])
    values = _GAUSSIANS[:, 2] * np.clip(1.0 - d / 2.0, 0.0, 1.0)  # (n, 6)
    # first maximum in |value| wins, like the Playground's strict ">" scan
    target = values[np.arange(len(values)), np.argmax(np.abs(values), axis=1)]
    return _make("multi_gaussian", "Multi-Gaussian (regression)", points, target, classes=False,
                 extra=extra_features, options=dict(n_samples=n_samples, noise=noise, seed=seed))
