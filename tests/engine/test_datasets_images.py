"""engine.datasets.images: image folders assembled into data sets (with a numpy stand-in for the designer's
QImage decoder) and MNIST-style preprocessing of drawn digits."""
import threading

import numpy as np
import pytest

from engine import datasets
from engine.datasets import Cancelled, DataError, images
from tests.conftest import shared_data_folder


def _write(path, array):
    """An 'image file': an .npy payload under an image suffix, read back by _npy_decode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        np.save(f, array)


def _npy_decode(path, size, channels):
    arr = np.load(path)
    if arr.shape[:2] != size:  # stand-in for resizing: nearest pixels
        rows = np.arange(size[0]) * arr.shape[0] // size[0]
        cols = np.arange(size[1]) * arr.shape[1] // size[1]
        arr = arr[rows][:, cols]
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.shape[2] != channels:
        arr = arr.mean(axis=2, keepdims=True).astype(arr.dtype) if channels == 1 else np.repeat(arr, 3, axis=2)
    return arr


def _folder(tmp_path, classes=("cat", "dog"), per_class=3, shape=(8, 6)):
    root = tmp_path / "pets"
    for k, name in enumerate(classes):
        for i in range(per_class):
            _write(root / name / f"img{i}.png", np.full(shape, 40 * (k + 1) + i, np.uint8))
    return root


def test_scan_lists_classes_sorted_and_notes_what_is_left_out(tmp_path):
    root = _folder(tmp_path, classes=("zebra", "Ant"))
    (root / "empty").mkdir()
    _write(root / "loose.png", np.zeros((4, 4), np.uint8))
    (root / "zebra" / "notes.txt").write_text("not an image")
    names, files, notes = images.scan_image_folder(root)
    assert names == ["Ant", "zebra"]
    assert [(p.name, c) for p, c in files][:2] == [("img0.png", 0), ("img1.png", 0)] and len(files) == 6
    assert any("empty" in n for n in notes) and any("not in a class sub-folder" in n for n in notes)


@pytest.mark.parametrize("make,message", [
    (lambda root: None, "does not exist"),
    (lambda root: root.mkdir(), "holds no images"),
    (lambda root: _write(root / "a.png", np.zeros((2, 2), np.uint8)), "own sub-folder"),
    (lambda root: _write(root / "only" / "a.png", np.zeros((2, 2), np.uint8)), "single class"),
])
def test_folder_errors(tmp_path, make, message):
    root = tmp_path / "data"
    make(root)
    with pytest.raises(DataError, match=message):
        images.load_image_folder(root, decode=_npy_decode)


def test_load_grey_and_rgb(tmp_path):
    root = _folder(tmp_path)
    ds = images.load_image_folder(root, size=(4, 3), color="grey", decode=_npy_decode)
    assert ds.x.shape == (6, 4, 3, 1) and ds.x.dtype == np.float32 and ds.task == "image"
    assert ds.class_names == ["cat", "dog"] and ds.y.tolist() == [0, 0, 0, 1, 1, 1]
    np.testing.assert_allclose(ds.x[4], 81 / 255, rtol=1e-6)
    assert ds.spec == {"images": str(root), "options": {"size": [4, 3], "color": "grey"}}
    rgb = images.load_image_folder(root, size=5, color="RGB", decode=_npy_decode)
    assert rgb.x.shape == (6, 5, 5, 3) and rgb.feature_names[:3] == ["px0_0_r", "px0_0_g", "px0_0_b"]
    parts = rgb.split(0.5, 0.0, 0.5, seed=1)
    assert parts.x_train.shape == (3, 5, 5, 3)


def test_unreadable_files_are_skipped_and_counted(tmp_path):
    root = _folder(tmp_path, per_class=4)
    (root / "cat" / "broken.png").write_bytes(b"not a png")
    _write(root / "dog" / "wrong.png", np.full((8, 6), 2.0))  # floats above 1
    ds = images.load_image_folder(root, size=(8, 6), decode=_npy_decode)
    assert len(ds.x) == 8 and ds.meta["n_skipped"] == 2
    assert {name for name, _ in ds.meta["skipped"]} == {"cat/broken.png", "dog/wrong.png"}
    assert any("2 of 10" in n for n in ds.meta["notes"])


def test_fewer_than_two_readable_classes(tmp_path):
    root = _folder(tmp_path)
    for p in (root / "dog").iterdir():
        p.write_bytes(b"garbage")
    with pytest.raises(DataError, match="fewer than two classes"):
        images.load_image_folder(root, decode=_npy_decode)


def test_decoder_registry_and_from_spec(tmp_path):
    root = _folder(tmp_path)
    previous = images.get_decoder()
    try:
        images.set_decoder(None)
        with pytest.raises(DataError, match="decoder"):
            images.load_image_folder(root)
        images.set_decoder(_npy_decode)
        ds = images.load_image_folder(root, size=(6, 6))
        again = datasets.from_spec(ds.spec)
        np.testing.assert_array_equal(again.x, ds.x)
        assert again.class_names == ds.class_names
    finally:
        images.set_decoder(previous)
    with pytest.raises(ValueError, match="function"):
        images.set_decoder(3)


def test_bad_arguments(tmp_path):
    root = _folder(tmp_path)
    with pytest.raises(ValueError, match="color"):
        images.load_image_folder(root, color="sepia", decode=_npy_decode)
    with pytest.raises(ValueError, match="size"):
        images.load_image_folder(root, size=0, decode=_npy_decode)


def test_progress_and_cancel(tmp_path):
    root = _folder(tmp_path, per_class=20)
    seen = []
    images.load_image_folder(root, size=4, decode=_npy_decode, progress=seen.append)
    assert seen[0] == 0 and seen[-1] == 1.0 and seen == sorted(seen)
    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        images.load_image_folder(root, size=4, decode=_npy_decode, cancel=stop)


def test_assemble_checks_shapes_and_labels():
    good = np.zeros((3, 3), np.uint8)
    x = images.assemble_images([good, good + 255], [0, 1], ["a", "b"], size=3)
    assert x.shape == (2, 3, 3, 1) and x.max() == 1.0
    with pytest.raises(DataError, match="image 1 .*shape"):
        images.assemble_images([good, np.zeros((4, 3))], [0, 1], ["a", "b"], size=3)
    with pytest.raises(DataError, match="labels"):
        images.assemble_images([good], [2], ["a", "b"], size=3)


# ---------------------------------------------------------------------------------------------------------
# MNIST-style preprocessing

def _centre_of_mass(img):
    r = np.arange(img.shape[0])
    return (img.sum(1) @ r) / img.sum(), (img.sum(0) @ r) / img.sum()


def test_area_resize_keeps_the_mean():
    rng = np.random.default_rng(0)
    img = rng.random((60, 45))
    small = images.area_resize(img, (20, 15))
    assert small.shape == (20, 15)
    np.testing.assert_allclose(small.mean(), img.mean(), rtol=1e-12)
    np.testing.assert_allclose(images.area_resize(img, img.shape), img)
    np.testing.assert_allclose(small[0, 0], img[:3, :3].mean())


def test_mnist_style_centres_and_scales_a_drawn_stroke():
    canvas = np.zeros((280, 280))
    canvas[20:220, 200:260] = 1.0  # a tall bar in the top-right corner
    out = images.mnist_style(canvas)
    assert out.shape == (28, 28) and out.dtype == np.float32 and out.max() == 1.0
    rows, cols = np.nonzero(out > 0)
    assert rows.max() - rows.min() + 1 == 20 and cols.max() - cols.min() + 1 == 6  # 200:60 kept as 20:6
    com = _centre_of_mass(out)
    assert abs(com[0] - 14) <= 0.5 and abs(com[1] - 14) <= 0.5


def test_mnist_style_blank_and_bad_input():
    assert not images.mnist_style(np.zeros((50, 50))).any()
    with pytest.raises(ValueError, match="grey image"):
        images.mnist_style(np.zeros((5, 5, 3)))


def test_mnist_style_leaves_real_mnist_digits_nearly_unchanged():
    path = shared_data_folder() / "mnist" / "t10k-images-idx3-ubyte.gz"
    if not path.exists():
        pytest.skip("MNIST test images not in the shared data folder")
    digits = datasets.read_idx(path)[:300].astype(np.float32) / 255
    diffs = np.array([np.abs(images.mnist_style(d) - d / d.max()).mean() for d in digits])
    assert diffs.mean() < 0.01 and np.median(diffs) == 0.0
