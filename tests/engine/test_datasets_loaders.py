"""Loaders of engine.datasets: the shipped tables, IDX / npz image files (the real MNIST and Fashion-MNIST files
in /work/shared/data when present) and the wine lab end to end."""
import gzip
from pathlib import Path

import numpy as np
import pytest

from engine import datasets
from tests.conftest import shared_data_folder
from engine.datasets import DataError, idx

SHARED = shared_data_folder()
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def _idx_bytes(array: np.ndarray) -> bytes:
    code = {np.uint8: 0x08, np.int32: 0x0C, np.float32: 0x0D}[array.dtype.type]
    dims = np.array(array.shape, ">u4").tobytes()
    big = array.astype(array.dtype.newbyteorder(">"))
    return bytes([0, 0, code, array.ndim]) + dims + big.tobytes()


def _write_mnist_like(folder: Path, n_train=30, n_test=20, compress=True, seed=0):
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    parts = {}
    for part, n in (("train", n_train), ("t10k", n_test)):
        if not n:
            continue
        x = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        y = (np.arange(n) % 10).astype(np.uint8)
        for what, arr, dims in (("images", x, "idx3"), ("labels", y, "idx1")):
            data = _idx_bytes(arr)
            name = f"{part}-{what}-{dims}-ubyte"
            if compress:
                (folder / (name + ".gz")).write_bytes(gzip.compress(data))
            else:
                (folder / name).write_bytes(data)
        parts[part] = (x, y)
    return parts


@pytest.mark.parametrize("name,shape,classes", [("wine", (178, 13), [59, 71, 48]), ("iris", (150, 4), [50, 50, 50]),
                                                 ("breast_cancer", (569, 30), [357, 212])])
def test_shipped_tables(name, shape, classes):
    ds = datasets.load(name)
    assert ds.x.shape == shape and ds.x.dtype == np.float32
    assert ds.class_counts().tolist() == classes
    assert ds.report.rows_dropped == {} and "CC BY 4.0" in ds.meta["licence"]


def test_shipped_tables_match_the_original_values():
    iris = datasets.load("iris")
    assert iris.class_names == ["setosa", "versicolor", "virginica"]
    np.testing.assert_allclose(iris.x[0], [5.1, 3.5, 1.4, 0.2], rtol=1e-6)
    np.testing.assert_allclose(iris.x.mean(axis=0), [5.843, 3.057, 3.758, 1.199], atol=1e-3)
    cancer = datasets.load("breast_cancer")
    assert cancer.class_names == ["benign", "malignant"] and cancer.y[0] == 1
    assert cancer.feature_names[0] == "mean_radius" and cancer.x[0, 0] == np.float32(17.99)
    digits = datasets.load("digits")
    assert digits.x.shape == (1797, 8, 8) and digits.task == "image" and digits.x.max() == 16
    assert digits.class_counts().tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    flat = datasets.load("digits", flatten=True)
    assert flat.x.shape == (1797, 64) and flat.task == "multiclass"
    np.testing.assert_array_equal(flat.x.reshape(-1, 8, 8), digits.x)


def test_read_idx_plain_gzip_and_broken_files(tmp_path):
    arr = np.arange(24, dtype=np.int32).reshape(2, 3, 4) - 5
    (tmp_path / "a.idx").write_bytes(_idx_bytes(arr))
    (tmp_path / "a.idx.gz").write_bytes(gzip.compress(_idx_bytes(arr)))
    for name in ("a.idx", "a.idx.gz"):
        out = idx.read_idx(tmp_path / name)
        np.testing.assert_array_equal(out, arr)
        assert out.dtype.isnative
    floats = np.linspace(0, 1, 6, dtype=np.float32).reshape(2, 3)
    (tmp_path / "f.idx").write_bytes(_idx_bytes(floats))
    np.testing.assert_array_equal(idx.read_idx(tmp_path / "f.idx"), floats)
    (tmp_path / "short.idx").write_bytes(_idx_bytes(arr)[:-3])
    with pytest.raises(DataError, match="truncated"):
        idx.read_idx(tmp_path / "short.idx")
    (tmp_path / "text.idx").write_bytes(b"hello, world")
    with pytest.raises(DataError, match="not an IDX file"):
        idx.read_idx(tmp_path / "text.idx")
    (tmp_path / "bad.gz").write_bytes(b"\x1f\x8b garbage")
    with pytest.raises(DataError, match="cannot read"):
        idx.read_idx(tmp_path / "bad.gz")


@pytest.mark.parametrize("compress", [True, False])
def test_mnist_from_a_chosen_folder_keeps_its_test_set(tmp_path, compress):
    parts = _write_mnist_like(tmp_path / "pick", compress=compress)
    ds = datasets.load("mnist", folder=tmp_path / "pick")
    assert ds.x.shape == (50, 28, 28) and ds.x.dtype == np.uint8 and ds.task == "image"
    np.testing.assert_array_equal(ds.x[:30], parts["train"][0])
    split = ds.split(seed=0)
    assert sorted(split.index_test.tolist()) == list(range(30, 50))
    assert split.sizes == (25, 5, 20) and split.x_train.dtype == np.float32
    scaled = split.scaled(datasets.MinMaxScaler(per_feature=False))
    assert 0.0 <= scaled.x_train.min() and scaled.x_train.max() <= 1.0
    assert datasets.load("mnist", folder=tmp_path / "pick", flatten=True).x.shape == (50, 784)


def test_fashion_and_keras_cache_folders_and_npz(tmp_path, monkeypatch):
    home = tmp_path / "keras_home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    monkeypatch.setenv("HOME", str(tmp_path / "nohome"))
    _write_mnist_like(home / "datasets" / "fashion-mnist", n_train=10, n_test=10)
    fashion = datasets.load("fashion_mnist")
    assert fashion.class_names[9] == "Ankle boot" and len(fashion.x) == 20
    rng = np.random.default_rng(1)
    np.savez(home / "datasets" / "mnist.npz", x_train=rng.integers(0, 255, (6, 28, 28), dtype=np.uint8),
             y_train=np.arange(6, dtype=np.uint8), x_test=np.zeros((4, 28, 28), np.uint8),
             y_test=np.arange(4, dtype=np.uint8))
    mnist = datasets.load("mnist")
    assert mnist.x.shape == (10, 28, 28) and mnist.meta["fixed_split"]["test"].tolist() == [6, 7, 8, 9]
    (tmp_path / "pickle").mkdir()
    np.savez(tmp_path / "pickle" / "mnist.npz", x_train=np.array([object()], dtype=object), y_train=np.zeros(1))
    with pytest.raises(DataError, match="npz"):
        datasets.load("mnist", folder=tmp_path / "pickle")  # allow_pickle=False: refused, not unpickled


def test_missing_image_files_say_where_they_were_looked_for(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "k"))
    monkeypatch.setenv("HOME", str(tmp_path / "h"))
    with pytest.raises(DataError, match="never downloads") as info:
        datasets.load("mnist", folder=tmp_path)
    assert str(tmp_path) in str(info.value)
    with pytest.raises(ValueError, match="fashion_mnist"):
        idx.load_images("cifar10")


@pytest.mark.skipif(not (SHARED / "mnist" / "t10k-images-idx3-ubyte.gz").exists(), reason="no MNIST files")
def test_real_mnist_test_set_alone_splits_8000_2000():
    ds = datasets.load("mnist", folder=SHARED / "mnist")
    assert ds.x.shape == (10000, 28, 28) and ds.meta["parts"] == ["test"]
    assert ds.class_counts().tolist() == MNIST_TEST_COUNTS
    split = ds.split(seed=0)
    assert split.sizes == (8000, 0, 2000)
    assert np.abs(np.bincount(split.y_test) - np.array(MNIST_TEST_COUNTS) / 5).max() <= 1  # stratified


@pytest.mark.skipif(not (SHARED / "fashion-mnist" / "t10k-images-idx3-ubyte.gz").exists(), reason="no files")
def test_real_fashion_mnist_idx_files():
    x = idx.read_idx(SHARED / "fashion-mnist" / "t10k-images-idx3-ubyte.gz")
    y = idx.read_idx(SHARED / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz")
    assert x.shape == (10000, 28, 28) and x.dtype == np.uint8
    assert np.bincount(y).tolist() == [1000] * 10
    labels = idx.read_idx(SHARED / "fashion-mnist" / "train-labels-idx1-ubyte.gz")
    assert np.bincount(labels).tolist() == [6000] * 10


@pytest.mark.slow
def test_wine_lab_reaches_95_percent():
    """load_csv with defaults -> standardize on train -> 13-16-3 relu/softmax, Adam."""
    from engine import keras

    wine_csv = Path(datasets.tabular.RESOURCES) / "wine.csv"
    ds = datasets.load_csv(wine_csv)
    assert ds.report.separator == "," and ds.report.header and ds.class_names == ["0", "1", "2"]
    parts = ds.split(0.7, 0.0, 0.3, seed=0).scaled("standard")
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input(shape=(13,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(parts.x_train, parts.y_train, epochs=60, batch_size=16, verbose=0)
    _, accuracy = model.evaluate(parts.x_test, parts.y_test, verbose=0)
    print(f"wine lab: test accuracy {accuracy:.3f}")
    assert accuracy >= 0.95
