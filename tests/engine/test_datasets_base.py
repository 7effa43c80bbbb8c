"""Dataset, split, scalers and one-hot targets of engine.datasets."""
import json

import numpy as np
import pytest

from engine import datasets
from engine.datasets import Dataset, MinMaxScaler, StandardScaler, make_scaler, scaler_from_config


def _classes(n_per_class=(60, 30, 10), seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(len(n_per_class)), n_per_class)
    x = (rng.normal(size=(len(y), 3)) + y[:, None]).astype(np.float32)
    return Dataset(x, y, "multiclass", ["a", "b", "c"], ["p", "q", "r"], name="toy")


def test_split_sizes_disjoint_and_complete():
    ds = _classes()
    parts = ds.split(0.6, 0.2, 0.2, seed=1)
    assert parts.sizes == (60, 20, 20)
    every = np.concatenate([parts.index_train, parts.index_val, parts.index_test])
    assert sorted(every.tolist()) == list(range(100))
    np.testing.assert_array_equal(parts.x_val, ds.x[parts.index_val])
    assert parts.x_train.dtype == np.float32 and parts.y_train.dtype == np.int64


def test_split_is_stratified_for_classes():
    parts = _classes().split(0.6, 0.2, 0.2, seed=3)
    assert np.bincount(parts.y_train).tolist() == [36, 18, 6]
    assert np.bincount(parts.y_val).tolist() == [12, 6, 2]
    assert np.bincount(parts.y_test).tolist() == [12, 6, 2]
    assert parts.config["stratify"] is True


def test_split_seed_reproducible_and_seed_dependent():
    ds = _classes()
    a, b, c = ds.split(seed=5), ds.split(seed=5), ds.split(seed=6)
    np.testing.assert_array_equal(a.index_train, b.index_train)
    assert not np.array_equal(a.index_train, c.index_train)


def test_split_ratio_rules():
    ds = _classes()
    assert ds.split(0.8, seed=0).sizes == (80, 0, 20)       # the last unset part takes the rest
    assert ds.split(train=0.5, test=0.5).sizes == (50, 0, 50)
    assert ds.split(1.0, 0, 0).sizes == (100, 0, 0)
    assert ds.split().sizes == (70, 15, 15)                 # default 0.7 / 0.15 / 0.15
    with pytest.raises(ValueError, match="add up to"):
        ds.split(0.8, 0.3, 0.1)
    with pytest.raises(ValueError, match="must lie in"):
        ds.split(-0.1)


def test_regression_split_is_not_stratified_and_ordered_split_keeps_time_order():
    ds = datasets.load("add2", n_samples=50)
    parts = ds.split(0.6, 0.2, 0.2)
    assert parts.config["stratify"] is False and parts.sizes == (30, 10, 10)
    with pytest.raises(ValueError, match="stratify"):
        ds.split(stratify=True)
    sine = datasets.load("sine", n_points=120, window=20)
    parts = sine.split(0.7, 0.15, 0.15)
    assert parts.index_train.max() < parts.index_val.min() <= parts.index_val.max() < parts.index_test.min()


def test_fixed_split_keeps_the_given_test_rows():
    ds = _classes()
    ds.meta["fixed_split"] = {"train": np.arange(80), "test": np.arange(80, 100)}
    parts = ds.split(0.75, 0.25, seed=0)
    assert sorted(parts.index_test.tolist()) == list(range(80, 100))
    assert parts.sizes == (60, 20, 20) and parts.index_val.max() < 80


@pytest.mark.parametrize("kind", ["standard", "minmax"])
def test_scaler_fits_on_train_only_and_round_trips_as_plain_data(kind):
    ds = _classes()
    parts = ds.split(0.6, 0.2, 0.2, seed=0).scaled(kind)
    if kind == "standard":
        np.testing.assert_allclose(parts.x_train.mean(axis=0), 0, atol=1e-6)
        np.testing.assert_allclose(parts.x_train.std(axis=0), 1, atol=1e-5)
    else:
        np.testing.assert_allclose(parts.x_train.min(axis=0), 0, atol=1e-7)
        np.testing.assert_allclose(parts.x_train.max(axis=0), 1, atol=1e-6)
    config = json.loads(json.dumps(parts.scaler.get_config()))  # plain data
    again = scaler_from_config(config)
    raw_test = ds.x[parts.index_test]
    np.testing.assert_array_equal(again.transform(raw_test), parts.x_test)
    np.testing.assert_allclose(again.inverse_transform(parts.x_test), raw_test, rtol=1e-5, atol=1e-5)
    # a saved (fitted) config is applied as it is, not refitted on new data
    reused = ds.split(0.6, 0.2, 0.2, seed=9).scaled(config)
    np.testing.assert_array_equal(reused.x_test, again.transform(ds.x[reused.index_test]))


def test_scaler_constant_columns_images_and_errors():
    x = np.array([[1.0, 5.0], [3.0, 5.0]], np.float32)
    np.testing.assert_array_equal(StandardScaler().fit_transform(x), [[-1, 0], [1, 0]])
    np.testing.assert_array_equal(MinMaxScaler().fit_transform(x), [[0, 0], [1, 0]])
    images = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    scaled = MinMaxScaler(per_feature=False).fit_transform(images)
    assert scaled.shape == (2, 3, 3) and scaled.dtype == np.float32
    np.testing.assert_allclose(scaled, images / 17.0, rtol=1e-6)
    assert make_scaler(None).transform(x).dtype == np.float32
    with pytest.raises(ValueError, match="not fitted"):
        StandardScaler().transform(x)
    with pytest.raises(ValueError, match="fitted on samples of shape"):
        StandardScaler().fit(x).transform(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="standard, minmax"):
        make_scaler("robust")
    with pytest.raises(ValueError, match="kind"):
        scaler_from_config({"kind": "zzz"})


def test_one_hot_and_targets_for_loss():
    np.testing.assert_array_equal(datasets.one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        datasets.one_hot(np.array([3]), 3)
    y = np.array([0, 2, 1])
    assert datasets.targets_for_loss(y, "sparse_categorical_crossentropy", "multiclass", 3) is y
    assert datasets.targets_for_loss(y, "categorical_crossentropy", "multiclass", 3).shape == (3, 3)
    assert datasets.targets_for_loss(y, "mse", "multiclass", 3).shape == (3, 3)
    assert datasets.needs_one_hot("CategoricalCrossentropy", "binary", 2)
    assert not datasets.needs_one_hot("mse", "binary", 2)
    col = datasets.targets_for_loss(np.array([0, 1, 1]), "binary_crossentropy", "binary", 2)
    assert col.shape == (3, 1) and col.dtype == np.float32
    with pytest.raises(ValueError, match="two classes"):
        datasets.targets_for_loss(y, "binary_crossentropy", "multiclass", 3)
    with pytest.raises(ValueError, match="unknown loss"):
        datasets.targets_for_loss(y, "nope", "multiclass", 3)
    reg = np.zeros((3, 1), np.float32)
    assert datasets.targets_for_loss(reg, "categorical_crossentropy", "regression", 0) is reg
    parts = _classes().split(seed=0).one_hot()
    assert parts.y_train.shape == (70, 3) and parts.y_test.sum() == 15
    assert _classes().split(seed=0).for_loss("categorical_crossentropy").y_val.shape == (15, 3)
    with pytest.raises(ValueError, match="only class"):
        datasets.load("add2", n_samples=20).split().one_hot()


def test_dataset_validation():
    with pytest.raises(ValueError, match="unknown task"):
        Dataset(np.zeros((2, 1)), np.zeros(2), "clustering", ["a"])
    with pytest.raises(ValueError, match="samples"):
        Dataset(np.zeros((2, 1)), np.zeros(3), "regression", ["a"])
    with pytest.raises(ValueError, match="no classes"):
        datasets.load("plane", n_samples=10).class_counts()
