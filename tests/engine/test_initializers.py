"""Initializers: shapes, dtypes, distributions, seeds, configs, and Keras' fan rules and configs."""
from __future__ import annotations

import math

import numpy as np
import pytest

from engine import initializers as I

ALL_CLASSES = [I.Zeros, I.Ones, I.Constant, I.RandomNormal, I.TruncatedNormal, I.RandomUniform,
               I.VarianceScaling, I.GlorotUniform, I.GlorotNormal, I.HeUniform, I.HeNormal, I.LecunUniform,
               I.LecunNormal, I.Orthogonal, I.Identity]
RANDOM_CLASSES = [cls for cls in ALL_CLASSES if issubclass(cls, I.RandomInitializer)]


@pytest.mark.parametrize("cls", ALL_CLASSES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_shape_and_dtype(cls, dtype):
    values = cls()((5, 7), dtype=dtype, rng=np.random.default_rng(0))
    assert values.shape == (5, 7) and values.dtype == dtype
    assert np.all(np.isfinite(values))


def test_default_dtype_is_float32_and_int_shape_accepted():
    assert I.GlorotUniform(seed=0)((3, 4)).dtype == np.float32
    assert I.Zeros()(4).shape == (4,)


def test_constant_initializers():
    np.testing.assert_array_equal(I.Zeros()((2, 3)), np.zeros((2, 3)))
    np.testing.assert_array_equal(I.Ones()((2, 3)), np.ones((2, 3)))
    np.testing.assert_array_equal(I.Constant(2.5)((2, 3)), np.full((2, 3), 2.5))
    np.testing.assert_array_equal(I.Identity(gain=3.0)((2, 3)), 3.0 * np.eye(2, 3))
    with pytest.raises(ValueError, match="2-D"):
        I.Identity()((2, 2, 2))
    with pytest.raises(ValueError, match="scalar"):
        I.Constant([1.0, 2.0])


def _draw(initializer, shape):
    return initializer(shape, dtype=np.float64, rng=np.random.default_rng(123))


@pytest.mark.parametrize("cls, scale, fan", [
    (I.GlorotUniform, 1.0, "avg"), (I.HeUniform, 2.0, "in"), (I.LecunUniform, 1.0, "in")])
def test_uniform_variance_scaling_limits(cls, scale, fan):
    shape = (400, 600)
    n = {"avg": 500.0, "in": 400.0}[fan]
    limit = math.sqrt(3.0 * scale / n)
    values = _draw(cls(), shape)
    assert values.min() >= -limit and values.max() < limit
    assert values.min() < -0.99 * limit and values.max() > 0.99 * limit
    assert abs(values.mean()) < 0.01 * limit
    assert values.std() == pytest.approx(limit / math.sqrt(3.0), rel=0.01)


@pytest.mark.parametrize("cls, scale, fan", [
    (I.GlorotNormal, 1.0, "avg"), (I.HeNormal, 2.0, "in"), (I.LecunNormal, 1.0, "in")])
def test_truncated_normal_variance_scaling_keeps_the_target_std(cls, scale, fan):
    shape = (1000, 600)
    n = {"avg": 800.0, "in": 1000.0}[fan]
    target = math.sqrt(scale / n)
    values = _draw(cls(), shape)
    # Keras' 0.8796 correction: after 2-sigma truncation the spread is the intended one.
    assert values.std() == pytest.approx(target, rel=0.01)
    assert np.abs(values).max() < 2.0 * target / I.TRUNCATED_NORMAL_STD
    assert abs(values.mean()) < 0.01 * target


def test_untruncated_normal_and_fan_out():
    initializer = I.VarianceScaling(scale=3.0, mode="fan_out", distribution="untruncated_normal")
    values = _draw(initializer, (200, 5000))
    assert values.std() == pytest.approx(math.sqrt(3.0 / 5000), rel=0.01)
    assert np.abs(values).max() > 2.5 * math.sqrt(3.0 / 5000)  # not truncated


def test_variance_scaling_uses_receptive_field_for_conv_kernels():
    shape = (3, 3, 16, 32)  # kh, kw, in, out: fan_in = 144, fan_out = 288
    assert I.VarianceScaling(mode="fan_in").variance(shape) == pytest.approx(1 / 144)
    assert I.VarianceScaling(mode="fan_out").variance(shape) == pytest.approx(1 / 288)
    assert I.VarianceScaling(mode="fan_avg").variance(shape) == pytest.approx(1 / 216)
    assert I.VarianceScaling(mode="fan_in").variance((0, 3)) == 1.0  # fans below 1 count as 1


def test_random_normal_uniform_truncated_defaults():
    normal = _draw(I.RandomNormal(), (1000, 1000))
    assert normal.mean() == pytest.approx(0.0, abs=2e-4) and normal.std() == pytest.approx(0.05, rel=0.01)
    uniform = _draw(I.RandomUniform(), (1000, 1000))
    assert uniform.min() >= -0.05 and uniform.max() < 0.05 and uniform.std() == pytest.approx(
        0.1 / math.sqrt(12), rel=0.01)
    truncated = _draw(I.TruncatedNormal(mean=1.0, stddev=0.5), (1000, 1000))
    assert truncated.min() > 0.0 and truncated.max() < 2.0
    assert truncated.mean() == pytest.approx(1.0, abs=2e-3)
    assert truncated.std() == pytest.approx(0.5 * I.TRUNCATED_NORMAL_STD, rel=0.01)


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (5, 5), (3, 2, 8)])
def test_orthogonal(shape):
    values = I.Orthogonal(gain=2.0)(shape, dtype=np.float64, rng=np.random.default_rng(1))
    matrix = values.reshape(-1, shape[-1]) / 2.0
    rows, cols = matrix.shape
    gram = matrix.T @ matrix if rows >= cols else matrix @ matrix.T
    np.testing.assert_allclose(gram, np.eye(min(rows, cols)), atol=1e-12)
    with pytest.raises(ValueError, match="rank >= 2"):
        I.Orthogonal()((4,))


@pytest.mark.parametrize("cls", RANDOM_CLASSES)
def test_seed_reproducibility(cls):
    first = cls(seed=7)((20, 30))
    np.testing.assert_array_equal(first, cls(seed=7)((20, 30)))
    np.testing.assert_array_equal(first, cls(seed=7)((20, 30)))  # a seeded initializer repeats, as in Keras
    assert not np.array_equal(first, cls(seed=8)((20, 30)))
    # The float32 draw is the float64 draw rounded.
    np.testing.assert_array_equal(first, cls(seed=7)((20, 30), dtype=np.float64).astype(np.float32))


def test_rng_takes_precedence_over_seed():
    from_rng = I.HeNormal(seed=1)((10, 10), rng=np.random.default_rng(5))
    np.testing.assert_array_equal(from_rng, I.HeNormal(seed=2)((10, 10), rng=np.random.default_rng(5)))
    assert not np.array_equal(from_rng, I.HeNormal(seed=1)((10, 10)))
    rng = np.random.default_rng(5)
    assert not np.array_equal(I.HeNormal()((10, 10), rng=rng), I.HeNormal()((10, 10), rng=rng))


def test_bad_arguments():
    with pytest.raises(ValueError, match="mode"):
        I.VarianceScaling(mode="fan_sideways")
    with pytest.raises(ValueError, match="distribution"):
        I.VarianceScaling(distribution="cauchy")
    with pytest.raises(ValueError, match="positive"):
        I.VarianceScaling(scale=0.0)
    with pytest.raises(ValueError, match="seed"):
        I.GlorotUniform(seed="42")
    with pytest.raises(ValueError, match="floating"):
        I.GlorotUniform()((2, 2), dtype=np.int32)
    with pytest.raises(ValueError, match="non-negative"):
        I.Zeros()((2, -1))
    assert I.VarianceScaling(distribution="normal").distribution == "truncated_normal"


@pytest.mark.parametrize("cls", ALL_CLASSES)
def test_config_round_trip(cls):
    initializer = cls()
    clone = cls.from_config(initializer.get_config())
    assert type(clone) is cls and clone.get_config() == initializer.get_config()
    assert I.get(I.serialize(initializer)).get_config() == initializer.get_config()


def test_get():
    assert isinstance(I.get("glorot_uniform"), I.GlorotUniform)
    assert isinstance(I.get("GlorotUniform"), I.GlorotUniform)
    assert isinstance(I.get("he_normal"), I.HeNormal)
    assert isinstance(I.get("zero"), I.Zeros) and isinstance(I.get("uniform"), I.RandomUniform)
    assert isinstance(I.get(I.Orthogonal), I.Orthogonal)
    assert I.get(None) is None
    instance = I.RandomNormal(stddev=2.0)
    assert I.get(instance) is instance
    from_dict = I.get({"class_name": "RandomNormal", "config": {"mean": 1.0, "stddev": 2.0, "seed": 3}})
    assert (from_dict.mean, from_dict.stddev, from_dict.seed) == (1.0, 2.0, 3)
    assert I.glorot_uniform is I.GlorotUniform and I.he_normal is I.HeNormal
    with pytest.raises(ValueError, match="glorot_uniform"):  # the message lists the valid names
        I.get("glorot_uniformm")
    with pytest.raises(ValueError, match="class_name"):
        I.get({"class_name": "Nope", "config": {}})
    with pytest.raises(ValueError, match="bad config"):
        I.get({"class_name": "RandomNormal", "config": {"sigma": 1.0}})
    with pytest.raises(ValueError, match="cannot interpret"):
        I.get(3.5)


# -- against Keras ---------------------------------------------------------------------------------------
FAN_SHAPES = [(), (5,), (3, 4), (7, 1), (3, 3, 2, 8), (5, 4, 6), (2, 3, 3, 4, 5), (1, 1, 16, 32)]


@pytest.mark.reference
@pytest.mark.parametrize("shape", FAN_SHAPES)
def test_compute_fans_matches_keras(shape):
    pytest.importorskip("keras")
    from keras.src.initializers.random_initializers import compute_fans as keras_compute_fans

    assert I.compute_fans(shape) == keras_compute_fans(shape)
    if len(shape) >= 3:
        axes = {"input_axes": [0, 1], "output_axes": [-1]}
        assert I.compute_fans(shape, **axes) == keras_compute_fans(shape, **axes)


KERAS_NAMES = ["Zeros", "Ones", "Constant", "RandomNormal", "TruncatedNormal", "RandomUniform",
               "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal", "LecunUniform",
               "LecunNormal", "Orthogonal"]


@pytest.mark.reference
@pytest.mark.parametrize("name", KERAS_NAMES)
def test_configs_match_keras(name):
    keras = pytest.importorskip("keras")
    arguments = {} if name in ("Zeros", "Ones", "Constant") else {"seed": 3}
    keras_config = keras.initializers.serialize(getattr(keras.initializers, name)(**arguments))
    ours = I.get(keras_config)  # Keras' serialized form (with its extra keys) is understood
    assert type(ours).__name__ == name
    assert ours.get_config() == keras_config["config"]
    assert ours.get_config() == getattr(I, name)(**arguments).get_config()


@pytest.mark.reference
@pytest.mark.parametrize("name", ["GlorotUniform", "HeUniform", "GlorotNormal", "HeNormal", "Orthogonal"])
def test_statistics_match_keras(name):
    keras = pytest.importorskip("keras")
    shape = (3, 3, 32, 64)
    # The torch backend returns torch tensors; .numpy() avoids Keras' own numpy-2 deprecation warning.
    theirs = getattr(keras.initializers, name)(seed=1)(shape).detach().cpu().numpy()
    ours = getattr(I, name)(seed=1)(shape)
    assert ours.dtype == theirs.dtype == np.float32
    assert ours.std() == pytest.approx(theirs.std(), rel=0.03)
    if name != "Orthogonal":  # bounded distributions: the same bound (uniform limit or 2-sigma cut)
        assert np.abs(ours).max() == pytest.approx(np.abs(theirs).max(), rel=0.05)
