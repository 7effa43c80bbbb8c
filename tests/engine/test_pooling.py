"""Pooling and spatial layers: kernels against their naive numpy twins, tie-breaking, 'same' averaging without
the padding, argument and shape errors, Keras 3 references (forward, gradients, 10 Adam steps).

The per-layer harness (tests/engine/test_layers.py) runs the float64 gradient checks of every sample in
tests/engine/layer_samples.py.

Known deviation: Keras on its torch backend pads an *asymmetric* 'same' average pooling (e.g. pool 4, stride
1) by replicating the edge values and counts them in the mean; Keras on TensorFlow and JAX (and Keras' own
tests, which skip torch there) average only the covered input positions. We follow the latter, so the
Keras references below use 'same' average pooling only where the padding is symmetric.
"""
from __future__ import annotations

import numpy as np
import pytest

from engine.kernels.conv import axis_geometry
from engine.kernels.pool import (avg_pool_backward, avg_pool_backward_numpy, avg_pool_forward, avg_pool_numpy,
                                 max_pool_backward, max_pool_backward_numpy, max_pool_forward, max_pool_numpy)
from engine.layers import (AveragePooling1D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling1D,
                           MaxPooling2D, ShapeError, UpSampling2D, ZeroPadding2D, create_layer)
from tests.engine.test_conv import keras_layer_matches, keras_model_matches

RTOL, ATOL = 1e-4, 1e-5

# (h, w, c, ph, pw, sh, sw, padding)
GEOMETRIES = [
    (4, 4, 2, 2, 2, 2, 2, "valid"),
    (5, 6, 3, 3, 3, 2, 2, "valid"),
    (5, 5, 1, 2, 2, 2, 2, "same"),
    (3, 5, 2, 3, 4, 1, 1, "same"),
    (7, 4, 2, 2, 3, 3, 1, "same"),
    (6, 6, 1, 2, 2, 3, 3, "valid"),
    (1, 7, 4, 1, 3, 1, 2, "same"),
]


def _case(geometry, dtype, batch=2, seed=0):
    h, w, c, ph, pw, sh, sw, padding = geometry
    rows, cols = axis_geometry(h, ph, sh, 1, padding), axis_geometry(w, pw, sw, 1, padding)
    x = np.random.default_rng(seed).normal(size=(batch, h, w, c)).astype(dtype)
    return x, (rows.out, cols.out), (ph, pw, sh, sw, rows.before, cols.before)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_max_pool_kernels_match_numpy_twins(geometry, dtype):
    x, (oh, ow), args = _case(geometry, dtype)
    out = np.empty((x.shape[0], oh, ow, x.shape[3]), dtype=dtype)
    argmax = np.empty(out.shape, dtype=np.int32)
    max_pool_forward(x, out, argmax, *args)
    np.testing.assert_array_equal(out, max_pool_numpy(x, oh, ow, *args))
    grad_out = np.random.default_rng(1).normal(size=out.shape).astype(dtype)
    grad_x = np.full_like(x, np.nan)
    max_pool_backward(grad_out, argmax, grad_x)
    np.testing.assert_allclose(grad_x, max_pool_backward_numpy(x, grad_out, *args), rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_average_pool_kernels_match_numpy_twins(geometry, dtype):
    x, (oh, ow), args = _case(geometry, dtype)
    out = np.empty((x.shape[0], oh, ow, x.shape[3]), dtype=dtype)
    avg_pool_forward(x, out, *args)
    np.testing.assert_allclose(out, avg_pool_numpy(x, oh, ow, *args), rtol=1e-6, atol=1e-7)
    grad_out = np.random.default_rng(1).normal(size=out.shape).astype(dtype)
    grad_x = np.full_like(x, np.nan)
    avg_pool_backward(grad_out, grad_x, *args)
    np.testing.assert_allclose(grad_x, avg_pool_backward_numpy(x.shape, grad_out, *args), rtol=1e-6, atol=1e-7)


def test_max_pooling_gives_a_tie_to_the_first_maximum():
    layer = MaxPooling2D(2)
    layer.build([(2, 2, 1)], np.random.default_rng(0))
    x = np.array([[[[0.0], [3.0]], [[3.0], [3.0]]]], dtype=np.float32)
    assert layer.forward([x], training=True).item() == 3.0
    grad = layer.backward(np.ones((1, 1, 1, 1), dtype=np.float32))[0]
    np.testing.assert_array_equal(grad[0, :, :, 0], [[0, 1], [0, 0]])


def test_same_average_pooling_averages_only_covered_positions():
    # 5 steps, pool 4, stride 1: one padding step before, two after (the extra one goes at the end).
    layer = AveragePooling1D(4, strides=1, padding="same")
    layer.build([(5, 1)], np.random.default_rng(0))
    x = np.arange(1, 6, dtype=np.float32).reshape(1, 5, 1)
    np.testing.assert_allclose(layer.forward([x], training=True).ravel(), [2.0, 2.5, 3.5, 4.0, 4.5])
    grad = layer.backward(np.ones((1, 5, 1), dtype=np.float32))[0].ravel()
    # Windows cover 3, 4, 4, 3 and 2 positions: each position gets 1/count from every window covering it.
    np.testing.assert_allclose(grad, [1 / 3 + 1 / 4, 1 / 3 + 2 / 4, 2 / 3 + 2 / 4, 2 / 4 + 1 / 3 + 1 / 2,
                                      1 / 4 + 1 / 3 + 1 / 2], rtol=1e-6)


@pytest.mark.parametrize("layer, shape, expected", [
    (MaxPooling2D(), (28, 28, 32), (14, 14, 32)),
    (MaxPooling2D(3, strides=2), (7, 8, 1), (3, 3, 1)),
    (MaxPooling2D(2, padding="same"), (5, 7, 2), (3, 4, 2)),
    (AveragePooling2D((2, 3), strides=1, padding="same"), (4, 5, 2), (4, 5, 2)),
    (AveragePooling1D(2), (9, 3), (4, 3)),
    (GlobalAveragePooling2D(), (5, 5, 7), (7,)),
    (GlobalAveragePooling2D(keepdims=True), (5, 5, 7), (1, 1, 7)),
    (GlobalMaxPooling1D(keepdims=True), (9, 3), (1, 3)),
    (UpSampling2D((2, 3)), (4, 5, 2), (8, 15, 2)),
    (ZeroPadding2D(((1, 2), (0, 3))), (4, 5, 2), (7, 8, 2)),
    (ZeroPadding2D((1, 2)), (4, 5, 2), (6, 9, 2)),
])
def test_output_shapes(layer, shape, expected):
    assert layer.compute_output_shape([shape]) == expected


@pytest.mark.parametrize("layer, shape, message", [
    (MaxPooling2D(3), (2, 5, 1), "pool window 3×3 is larger than the 2×5 input; use padding='same'"),
    (AveragePooling1D(4), (3, 2), "pool window 4 is larger than the 3 input"),
    (MaxPooling2D(), (28, 28), "Reshape to \\(28, 28, 1\\)"),
    (GlobalMaxPooling1D(), (4, 4, 2), "samples shaped \\(steps, channels\\)"),
    (UpSampling2D(), (4,), "samples shaped \\(height, width, channels\\)"),
    (ZeroPadding2D(), (3, 0, 1), "size below 1"),
])
def test_shape_problems_say_what_to_change(layer, shape, message):
    with pytest.raises(ShapeError, match=message):
        layer.compute_output_shape([shape])


@pytest.mark.parametrize("make, message", [
    (lambda: MaxPooling2D(0), "pool_size must be a positive"),
    (lambda: MaxPooling2D(2, strides=(1, 0)), "strides must be a positive"),
    (lambda: AveragePooling2D(2, padding="full"), "padding must be one of 'valid', 'same'"),
    (lambda: MaxPooling2D(data_format="channels_first"), "channels_last"),
    (lambda: UpSampling2D(interpolation="bilinear"), "choose 'nearest'"),
    (lambda: ZeroPadding2D(((1, 2), (3,))), "pair of pairs"),
    (lambda: ZeroPadding2D(-1), "non-negative"),
])
def test_bad_arguments_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_strides_default_to_the_pool_size_and_configs_round_trip():
    layer = AveragePooling2D((3, 2))
    assert layer.strides == (3, 2)
    config = layer.get_config()
    assert config["pool_size"] == [3, 2] and config["strides"] == [3, 2] and config["padding"] == "valid"
    padding = ZeroPadding2D((1, 2))
    assert padding.padding == ((1, 1), (2, 2))
    assert create_layer("ZeroPadding2D", padding.get_config()).padding == ((1, 1), (2, 2))


def test_up_sampling_and_zero_padding_values():
    x = np.arange(4, dtype=np.float32).reshape(1, 2, 2, 1)
    up = UpSampling2D((1, 2))
    np.testing.assert_array_equal(up.forward([x], training=False)[0, :, :, 0], [[0, 0, 1, 1], [2, 2, 3, 3]])
    np.testing.assert_array_equal(up.backward(np.ones((1, 2, 4, 1), np.float32))[0][0, :, :, 0], 2.0)
    pad = ZeroPadding2D(((0, 1), (1, 0)))
    np.testing.assert_array_equal(pad.forward([x], training=False)[0, :, :, 0], [[0, 0, 1], [0, 2, 3], [0, 0, 0]])
    grad = np.arange(9, dtype=np.float32).reshape(1, 3, 3, 1)
    np.testing.assert_array_equal(pad.backward(grad)[0][0, :, :, 0], [[1, 2], [4, 5]])


# -- Keras 3 references ---------------------------------------------------------------------------------------
POOL_REFERENCES = [
    ("MaxPooling2D", {"pool_size": 2}, (4, 4, 2)),
    ("MaxPooling2D", {"pool_size": 3, "strides": 2}, (5, 6, 2)),
    ("MaxPooling2D", {"pool_size": 2, "padding": "same"}, (5, 5, 1)),
    ("MaxPooling2D", {"pool_size": (3, 4), "strides": 1, "padding": "same"}, (3, 5, 2)),
    ("AveragePooling2D", {"pool_size": 2}, (4, 4, 2)),
    ("AveragePooling2D", {"pool_size": 3, "strides": 2}, (5, 6, 2)),
    ("AveragePooling2D", {"pool_size": 2, "padding": "same"}, (5, 5, 1)),  # 1 pad after: an edge copy, same mean
    ("AveragePooling2D", {"pool_size": 3, "strides": 1, "padding": "same"}, (5, 4, 2)),
    ("MaxPooling1D", {"pool_size": 2}, (6, 2)),
    ("MaxPooling1D", {"pool_size": 3, "strides": 2, "padding": "same"}, (7, 2)),
    ("MaxPooling1D", {"pool_size": 4, "strides": 1, "padding": "same"}, (5, 2)),
    ("AveragePooling1D", {"pool_size": 2}, (6, 2)),
    ("AveragePooling1D", {"pool_size": 3, "strides": 2, "padding": "same"}, (7, 2)),
    ("GlobalMaxPooling2D", {}, (3, 4, 2)),
    ("GlobalAveragePooling2D", {"keepdims": True}, (3, 4, 2)),
    ("GlobalMaxPooling1D", {"keepdims": True}, (5, 3)),
    ("GlobalAveragePooling1D", {}, (5, 3)),
    ("UpSampling2D", {"size": (2, 3)}, (3, 2, 2)),
    ("ZeroPadding2D", {"padding": ((0, 2), (1, 0))}, (3, 2, 1)),
    ("ZeroPadding2D", {}, (2, 3, 2)),
]


@pytest.mark.reference
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("type_name, config, shape", POOL_REFERENCES,
                         ids=[f"{t}-{i}" for i, (t, _, _) in enumerate(POOL_REFERENCES)])
def test_layer_matches_keras(type_name, config, shape):
    keras_layer_matches(type_name, config, shape)


def _pooling_model(k):
    return k.Sequential([
        k.Input(shape=(6, 6, 2)),
        k.layers.ZeroPadding2D(1),
        k.layers.Conv2D(4, 3, activation="relu"),
        k.layers.AveragePooling2D(2),
        k.layers.UpSampling2D(2),
        k.layers.Conv2D(3, 2, padding="same", activation="tanh"),
        k.layers.MaxPooling2D(3, strides=2, padding="same"),
        k.layers.GlobalAveragePooling2D(),
        k.layers.Dense(2, activation="softmax"),
    ])


@pytest.mark.reference
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_pooling_model_trains_like_keras():
    rng = np.random.default_rng(8)
    x = rng.normal(size=(20, 6, 6, 2)).astype(np.float32)
    keras_model_matches(_pooling_model, x, rng.integers(0, 2, 20), "sparse_categorical_crossentropy")
