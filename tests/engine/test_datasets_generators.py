"""Built-in generators (Playground, arithmetic, logic, series) and the name registry of engine.datasets."""
import json

import numpy as np
import pytest

from engine import datasets
from engine.datasets import playground

CLASSIFIERS = ["circle", "xor", "gaussians", "spiral"]
REGRESSIONS = ["plane", "multi_gaussian"]
GENERATED = CLASSIFIERS + REGRESSIONS + ["add2", "add3", "multiply4", "sine", "copy", "reverse"]


@pytest.mark.parametrize("name", GENERATED)
def test_generators_are_seed_reproducible(name):
    options = {"noise": 0.1} if name in CLASSIFIERS + REGRESSIONS else {}  # a noiseless spiral has no randomness
    a, b, c = (datasets.load(name, seed=s, **options) for s in (4, 4, 5))
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.x, c.x)
    assert a.x.dtype == np.float32 and np.isfinite(a.x).all()
    # the spec remakes it: what a project file stores
    again = datasets.from_spec(json.loads(json.dumps(a.spec)))
    np.testing.assert_array_equal(again.x, a.x)


@pytest.mark.parametrize("name", CLASSIFIERS + REGRESSIONS)
def test_playground_shapes_and_ranges(name):
    ds = datasets.load(name, n_samples=301, noise=0.3, seed=1)
    assert ds.x.shape == (301, 2) and ds.feature_names == ["x1", "x2"]
    assert ds.meta["default_split"] == (0.5, 0.0, 0.5)
    if name in CLASSIFIERS:
        assert ds.task == "binary" and ds.y.shape == (301,) and set(np.unique(ds.y)) <= {0, 1}
        assert ds.class_names == ["-1", "+1"]
    else:
        assert ds.task == "regression" and ds.y.shape == (301, 1)
        assert np.abs(ds.x).max() <= 6.0
        clean = datasets.load(name, n_samples=301, seed=1)  # noise moves the point the target is taken at
        assert np.abs(clean.y).max() <= (1.2 if name == "plane" else 1.0) + 1e-6  # plane: (x1 + x2) / 10


@pytest.mark.parametrize("name", ["circle", "gaussians", "spiral"])
def test_playground_class_balance_without_noise(name):
    ds = datasets.load(name, n_samples=400, noise=0.0)
    assert ds.class_counts().tolist() == [200, 200]


def test_xor_balance_and_labels_follow_the_quadrants():
    ds = datasets.load("xor", n_samples=2000, noise=0.0, seed=0)
    counts = ds.class_counts()
    assert abs(counts[0] - counts[1]) < 150  # binomial(2000, 0.5): sd 22
    np.testing.assert_array_equal(ds.y, (ds.x[:, 0] * ds.x[:, 1] >= 0).astype(int))
    assert np.abs(ds.x).min() >= 0.3  # the Playground's padding away from the axes


def test_playground_geometry():
    circle = datasets.load("circle", n_samples=500)
    radius = np.hypot(circle.x[:, 0], circle.x[:, 1])
    assert radius[circle.y == 1].max() <= 2.5 and radius[circle.y == 0].min() >= 3.5
    plane = datasets.load("plane", n_samples=200)
    np.testing.assert_allclose(plane.y[:, 0], plane.x.sum(axis=1) / 10, atol=1e-6)
    bumps = datasets.load("multi_gaussian", n_samples=200)
    at_centre = playground.multi_gaussian(n_samples=2)  # just the function runs for tiny sizes
    assert at_centre.x.shape == (2, 2)
    near = np.hypot(bumps.x[:, 0] + 4, bumps.x[:, 1] - 2.5) < 0.2
    assert (bumps.y[near, 0] > 0.85).all()  # bump (-4, 2.5) is positive
    spiral = datasets.load("spiral", n_samples=200, noise=0.0)
    assert np.hypot(spiral.x[:, 0], spiral.x[:, 1]).max() < 5.0


def test_gaussian_noise_widens_the_blobs_and_noise_mislabels_circle_points():
    tight = datasets.load("gaussians", n_samples=2000, noise=0.0)
    wide = datasets.load("gaussians", n_samples=2000, noise=0.5)
    assert 0.6 < tight.x[tight.y == 1].std() < 0.8       # variance 0.5
    assert 1.85 < wide.x[wide.y == 1].std() < 2.15       # variance 4
    noisy = datasets.load("circle", n_samples=1000, noise=0.5)
    radius = np.hypot(noisy.x[:, 0], noisy.x[:, 1])
    assert (noisy.y[radius < 2.5] == 0).any()  # labels come from the noisy point


def test_extra_features():
    ds = datasets.load("circle", n_samples=10, extra_features=["sin_x2", "x1^2", "x1*x2"])
    assert ds.feature_names == ["x1", "x2", "x1^2", "x1*x2", "sin_x2"]
    a, b = ds.x[:, 0].astype(np.float64), ds.x[:, 1].astype(np.float64)
    np.testing.assert_allclose(ds.x[:, 2], a * a, rtol=1e-6)
    np.testing.assert_allclose(ds.x[:, 3], a * b, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(ds.x[:, 4], np.sin(b), rtol=1e-5, atol=1e-6)
    assert datasets.load("xor", extra_features=list(playground.EXTRA_FEATURES)).x.shape == (500, 7)
    with pytest.raises(ValueError, match="x1\\^2, x2\\^2"):
        datasets.load("circle", extra_features=["cos_x1"])
    with pytest.raises(ValueError, match="noise"):
        datasets.load("spiral", noise=2)
    with pytest.raises(ValueError, match="n_samples"):
        datasets.load("xor", n_samples=1)


def test_arithmetic_tasks():
    add2 = datasets.load("add2", n_samples=100)
    assert add2.x.shape == (100, 2) and add2.y.shape == (100, 1) and add2.task == "regression"
    np.testing.assert_allclose(add2.y[:, 0], add2.x.sum(axis=1), rtol=1e-6)
    add3 = datasets.load("add3", n_samples=50, low=-5, high=5)
    np.testing.assert_allclose(add3.y[:, 0], add3.x.sum(axis=1), rtol=1e-5, atol=1e-5)
    assert add3.x.min() >= -5 and add3.x.max() < 5
    mul = datasets.load("multiply4", n_samples=80)
    np.testing.assert_allclose(mul.y[:, 0], mul.x.prod(axis=1), rtol=1e-5)
    with pytest.raises(ValueError, match="low must be smaller"):
        datasets.load("add2", low=1, high=1)


@pytest.mark.parametrize("gate,expected", [("truth_xor", [0, 1, 1, 0]), ("truth_and", [0, 0, 0, 1]),
                                           ("truth_or", [0, 1, 1, 1])])
def test_truth_tables(gate, expected):
    ds = datasets.load(gate)
    np.testing.assert_array_equal(ds.x, [[0, 0], [0, 1], [1, 0], [1, 1]])
    assert ds.y.tolist() == expected and ds.task == "binary"
    parts = ds.split()
    assert parts.sizes == (4, 0, 0)  # default: train and evaluate on the whole table
    three = datasets.load(gate, n_inputs=3)
    assert three.x.shape == (8, 3)


def test_sine_windows():
    ds = datasets.load("sine", n_points=100, window=10, noise=0.0, period=20)
    assert ds.x.shape == (90, 10, 1) and ds.y.shape == (90, 1) and ds.meta["ordered"]
    t = np.arange(100)
    wave = np.sin(2 * np.pi * t / 20)
    np.testing.assert_allclose(ds.x[5, :, 0], wave[5:15], atol=1e-6)
    np.testing.assert_allclose(ds.y[:, 0], wave[10:], atol=1e-6)
    flat = datasets.load("sine", n_points=100, window=10, flatten=True)
    assert flat.x.shape == (90, 10)
    noisy = datasets.load("sine", n_points=2000, noise=0.1, window=5)
    residual = noisy.meta["series"] - np.sin(2 * np.pi * np.arange(2000) / 50)
    assert 0.08 < residual.std() < 0.12
    with pytest.raises(ValueError, match="window"):
        datasets.load("sine", n_points=10, window=10)


def test_copy_and_reverse_sequences():
    copy = datasets.load("copy", n_samples=50, length=6)
    assert copy.task == "sequence" and copy.x.shape == (50, 6, 10) and copy.y.shape == (50, 6)
    np.testing.assert_array_equal(copy.x.argmax(axis=2), copy.y)
    rev = datasets.load("reverse", n_samples=50, length=6, one_hot_inputs=False)
    assert rev.x.shape == (50, 6)
    np.testing.assert_array_equal(rev.x[:, ::-1], rev.y)
    assert rev.n_classes == 10 and rev.split().config["stratify"] is False
    decoder_in = datasets.teacher_forcing_inputs(rev.y[:2])
    assert decoder_in.shape == (2, 6, 11)
    assert (decoder_in[:, 0, 10] == 1).all()
    np.testing.assert_array_equal(decoder_in[:, 1:].argmax(axis=2), rev.y[:2, :-1])


def test_registry_names_describe_and_errors():
    names = datasets.names()
    for expected in ["circle", "xor", "gaussians", "spiral", "plane", "multi_gaussian", "add2", "add3",
                     "multiply4", "truth_xor", "truth_and", "truth_or", "wine", "iris", "breast_cancer", "digits",
                     "sine", "copy", "reverse", "mnist", "fashion_mnist"]:
        assert expected in names
    assert datasets.names("playground") == CLASSIFIERS + REGRESSIONS
    info = datasets.describe("spiral")
    assert info["task"] == "binary" and info["options"]["n_samples"] == 500 and info["options"]["noise"] == 0.0
    assert datasets.load("Multi-Gaussian", n_samples=10).name == "multi_gaussian"
    with pytest.raises(ValueError, match="choose one of: circle"):
        datasets.load("moons")
    with pytest.raises(ValueError, match="no option"):
        datasets.load("circle", n_points=3)
    with pytest.raises(ValueError, match="group"):
        datasets.names("nope")
    with pytest.raises(ValueError, match="spec"):
        datasets.from_spec({"x": 1})


def test_regenerate_uses_a_new_seed_and_the_same_options():
    ds = datasets.load("spiral", n_samples=120, noise=0.3, seed=7, extra_features=["sin_x1"])
    again = datasets.regenerate(ds)
    assert again.spec["options"]["seed"] == 8 and again.x.shape == (120, 3)
    assert not np.array_equal(again.x, ds.x)
    np.testing.assert_array_equal(datasets.regenerate(ds, seed=7).x, ds.x)
    with pytest.raises(ValueError, match="not generated from a seed"):
        datasets.regenerate(datasets.load("iris"))
