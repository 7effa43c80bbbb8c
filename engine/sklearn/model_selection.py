"""scikit-learn's train_test_split, number for number.

Same defaults (test_size 0.25 when neither size is given), same rounding (test = ceil(test_size * n),
train = floor(train_size * n)), same errors, and the same random streams as scikit-learn's ShuffleSplit and
StratifiedShuffleSplit: with the same ``random_state`` the same rows land in the same split.
"""
from __future__ import annotations

from math import ceil, floor

import numpy as np

from engine.sklearn import check_consistent_length, check_random_state, num_samples, to_numpy


def validate_split_sizes(n_samples: int, test_size, train_size, default_test_size=None) -> tuple[int, int]:
    """(n_train, n_test) from float fractions or int counts, with scikit-learn's checks and rounding."""
    if test_size is None and train_size is None:
        test_size = default_test_size
    test_kind = np.asarray(test_size).dtype.kind
    train_kind = np.asarray(train_size).dtype.kind
    for name, size, kind in (("test_size", test_size, test_kind), ("train_size", train_size, train_kind)):
        if (kind == "i" and (size >= n_samples or size <= 0)) or (kind == "f" and (size <= 0 or size >= 1)):
            raise ValueError(f"{name}={size} should be either positive and smaller than the number of "
                             f"samples {n_samples} or a float in the (0, 1) range")
    for name, size, kind in (("train_size", train_size, train_kind), ("test_size", test_size, test_kind)):
        if size is not None and kind not in ("i", "f"):
            raise ValueError(f"Invalid value for {name}: {size}")
    if train_kind == "f" and test_kind == "f" and train_size + test_size > 1:
        raise ValueError(f"The sum of test_size and train_size = {train_size + test_size}, should be in the "
                         "(0, 1) range. Reduce test_size and/or train_size.")
    n_test = ceil(test_size * n_samples) if test_kind == "f" else (
        float(test_size) if test_kind == "i" else None)
    n_train = floor(train_size * n_samples) if train_kind == "f" else (
        float(train_size) if train_kind == "i" else None)
    if train_size is None:
        n_train = n_samples - n_test
    elif test_size is None:
        n_test = n_samples - n_train
    if n_train + n_test > n_samples:
        raise ValueError(f"The sum of train_size and test_size = {int(n_train + n_test)}, should be smaller "
                         f"than the number of samples {n_samples}. Reduce test_size and/or train_size.")
    n_train, n_test = int(n_train), int(n_test)
    if n_train == 0:
        raise ValueError(f"With n_samples={n_samples}, test_size={test_size} and train_size={train_size}, "
                         "the resulting train set will be empty. Adjust any of the aforementioned "
                         "parameters.")
    return n_train, n_test


def _approximate_mode(class_counts: np.ndarray, n_draws: int, rng: np.random.RandomState) -> np.ndarray:
    """scikit-learn's per-class draw counts: floor of the proportional share, leftovers to the largest
    remainders, ties broken at random (same RNG calls as scikit-learn)."""
    continuous = class_counts / class_counts.sum() * n_draws
    floored = np.floor(continuous)
    need_to_add = int(n_draws - floored.sum())
    if need_to_add > 0:
        remainder = continuous - floored
        for value in np.sort(np.unique(remainder))[::-1]:
            (indices,) = np.where(remainder == value)
            add_now = min(len(indices), need_to_add)
            indices = rng.choice(indices, size=add_now, replace=False)
            floored[indices] += 1
            need_to_add -= add_now
            if need_to_add == 0:
                break
    return floored.astype(int)


def _stratified_indices(y, n_train: int, n_test: int, rng) -> tuple[np.ndarray, np.ndarray]:
    y = to_numpy(y)
    if y.ndim == 2:
        # one "class" per distinct row, spelled as scikit-learn does (so the class order matches too)
        y = np.array([" ".join(row.astype("str")) for row in y])
    classes, y_indices, class_counts = np.unique(y, return_inverse=True, return_counts=True)
    y_indices = y_indices.ravel()
    if np.min(class_counts) < 2:
        raise ValueError("The least populated classes in y have only 1 member, which is too few. The minimum "
                         "number of groups for any class cannot be less than 2. Classes with too few members "
                         f"are: {classes[class_counts < 2].tolist()}")
    for name, size in (("train_size", n_train), ("test_size", n_test)):
        if size < len(classes):
            raise ValueError(f"The {name} = {size} should be greater or equal to the number of classes = "
                             f"{len(classes)}")
    class_indices = np.split(np.argsort(y_indices, kind="stable"), np.cumsum(class_counts)[:-1])
    n_i = _approximate_mode(class_counts, n_train, rng)
    t_i = _approximate_mode(class_counts - n_i, n_test, rng)
    train: list[int] = []
    test: list[int] = []
    for i in range(len(classes)):
        permuted = class_indices[i].take(rng.permutation(class_counts[i]), mode="clip")
        train.extend(permuted[: n_i[i]])
        test.extend(permuted[n_i[i]: n_i[i] + t_i[i]])
    return rng.permutation(train), rng.permutation(test)


def _take(array, indices: np.ndarray):
    """Rows of an ndarray, a list (returned as a list) or a DataFrame/Series (through .iloc)."""
    if hasattr(array, "iloc"):
        return array.iloc[indices]
    if isinstance(array, np.ndarray):
        return array[indices]
    if isinstance(array, (list, tuple)):
        return [array[i] for i in indices]
    return np.asarray(array)[indices]


def train_test_split(*arrays, test_size=None, train_size=None, random_state=None, shuffle: bool = True,
                     stratify=None) -> list:
    """Split arrays into random train and test subsets: returns [a_train, a_test, b_train, b_test, ...].

    test_size/train_size: a float in (0, 1) is a fraction, an int a count; by default 25 % goes to test.
    random_state: None (numpy's global RNG), an int (repeatable) or a RandomState. stratify: labels whose
    class proportions both subsets keep. shuffle=False takes the first rows for training (no stratify).
    """
    if not arrays:
        raise ValueError("At least one array required as input")
    check_consistent_length(*arrays)
    n_samples = num_samples(arrays[0])
    n_train, n_test = validate_split_sizes(n_samples, test_size, train_size, default_test_size=0.25)
    if shuffle is False:
        if stratify is not None:
            raise ValueError("Stratified train/test split is not implemented for shuffle=False")
        train, test = np.arange(n_train), np.arange(n_train, n_train + n_test)
    else:
        rng = check_random_state(random_state)
        if stratify is not None:
            check_consistent_length(arrays[0], stratify)
            train, test = _stratified_indices(stratify, n_train, n_test, rng)
        else:
            permutation = rng.permutation(n_samples)
            test, train = permutation[:n_test], permutation[n_test: n_test + n_train]
    result = []
    for array in arrays:
        result.extend((_take(array, train), _take(array, test)))
    return result
