"""Convolution layers and kernels: geometry, kernels against their naive numpy twins, float64 gradient checks,
argument and shape errors, Keras 3 references (forward, gradients, 10 Adam steps) and an MNIST learning check.

The per-layer harness (tests/engine/test_layers.py) also runs every sample of tests/engine/layer_samples.py.
"""
from __future__ import annotations

import time

import numpy as np
import pytest

from tests.conftest import shared_data_folder

from engine.graph import Graph, analyze
from engine.kernels.conv import (SMALL_TAPS, axis_geometry, col2im, col2im_numpy, conv_backward,
                                 conv_backward_numpy, conv_forward, conv_forward_numpy, geometry_args, im2col,
                                 im2col_numpy, is_identity, small_conv_max_pool_values, transpose_axis_geometry)
from engine.kernels.pool import max_pool_numpy
from engine.layers import Conv1D, Conv2D, Conv2DTranspose, ShapeError, create_layer
from tests.engine.gradcheck import assert_gradients_close, numerical_gradient

RTOL, ATOL = 1e-4, 1e-5

# (h, w, c, kh, kw, sh, sw, dh, dw, padding): odd sizes, stride 2, 'same' with even kernels, dilation, and
# stride with dilation together (Keras' layers refuse that, the kernels do not need to).
GEOMETRIES = [
    (5, 6, 2, 3, 3, 1, 1, 1, 1, "valid"),
    (5, 5, 1, 2, 2, 2, 2, 1, 1, "same"),
    (4, 7, 3, 2, 3, 1, 2, 1, 1, "same"),
    (7, 6, 2, 3, 2, 1, 1, 2, 3, "same"),
    (8, 9, 2, 3, 3, 2, 3, 2, 1, "valid"),
    (6, 5, 1, 4, 1, 3, 1, 1, 1, "same"),
    (3, 3, 4, 1, 1, 1, 1, 1, 1, "valid"),
    (1, 9, 2, 1, 4, 1, 2, 1, 1, "same"),
]


def _args(h, w, c, kh, kw, sh, sw, dh, dw, padding):
    return geometry_args(axis_geometry(h, kh, sh, dh, padding), axis_geometry(w, kw, sw, dw, padding))


def _case(geometry, dtype, batch=2, filters=3, seed=0):
    h, w, c, kh, kw = geometry[:5]
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, h, w, c)).astype(dtype)
    kernel4 = rng.normal(size=(kh, kw, c, filters)).astype(dtype)
    return x, kernel4, _args(*geometry)


# -- geometry ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("dilation", [1, 2])
def test_same_padding_follows_keras_formula(stride, dilation):
    for size in range(1, 12):
        for k in range(1, 6):
            g = axis_geometry(size, k, stride, dilation, "same")
            total = max((-(-size // stride) - 1) * stride + (k - 1) * dilation + 1 - size, 0)
            assert (g.before, g.after, g.out) == (total // 2, total - total // 2, -(-size // stride))


def test_valid_and_causal_output_lengths():
    assert axis_geometry(7, 3, 2, 1, "valid").out == 3
    assert axis_geometry(7, 3, 1, 2, "valid").out == 3
    g = axis_geometry(6, 2, 1, 2, "causal")
    assert (g.before, g.after, g.out) == (2, 0, 6)
    with pytest.raises(ValueError, match="larger than the input"):
        axis_geometry(3, 5, 1, 1, "valid")
    with pytest.raises(ValueError, match="choose one of"):
        axis_geometry(3, 2, 1, 1, "full")


@pytest.mark.reference
def test_transpose_output_lengths_match_keras():
    pytest.importorskip("keras")
    from keras.src.backend.common.backend_utils import _get_output_shape_given_tf_padding as keras_length

    for size in range(1, 6):
        for k in range(1, 6):
            for stride in range(1, 4):
                for padding in ("valid", "same"):
                    for output_padding in [None] + list(range(stride)):
                        dilation = 2 if stride == 1 and k > 1 else 1
                        expected = keras_length(size, k, stride, padding, output_padding, dilation)
                        if expected < 1:
                            with pytest.raises(ValueError, match="output would have length"):
                                transpose_axis_geometry(size, k, stride, dilation, padding, output_padding)
                            continue
                        g = transpose_axis_geometry(size, k, stride, dilation, padding, output_padding)
                        assert (g.size, g.out) == (expected, size)


# -- kernels against their numpy twins -------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_im2col_and_col2im_match_numpy_twins(geometry, dtype):
    x, _, args = _case(geometry, dtype)
    cols = np.full((x.shape[0] * args[0] * args[1], args[2] * args[3] * x.shape[3]), np.nan, dtype=dtype)
    im2col(x, cols, *args)
    np.testing.assert_array_equal(cols, im2col_numpy(x, args))
    back = np.full_like(x, np.nan)
    col2im(cols, back, *args)
    np.testing.assert_allclose(back, col2im_numpy(cols, x.shape, args), rtol=1e-6)


@pytest.mark.parametrize("blocks", [False, True])
@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_conv_forward_and_backward_match_numpy_twins(geometry, blocks):
    x, kernel4, args = _case(geometry, np.float64)
    rows, filters = args[0] * args[1] * x.shape[0], kernel4.shape[-1]
    z = np.empty((rows, filters))
    cols = x.reshape(rows, -1) if is_identity(args) else np.empty((rows, kernel4.size // filters))
    conv_forward(x, kernel4.reshape(-1, filters), cols, z, *args, blocks)
    expected = conv_forward_numpy(x, kernel4, None, args)
    np.testing.assert_allclose(z.reshape(expected.shape), expected, rtol=1e-10, atol=1e-12)
    grad_out = np.random.default_rng(1).normal(size=expected.shape)
    grad_w, grad_x = np.empty((kernel4.size // filters, filters)), np.empty_like(x)
    conv_backward(cols, kernel4.reshape(-1, filters), grad_out.reshape(rows, filters), True, grad_w,
                  np.empty_like(cols), grad_x, *args, blocks)
    want_k, _, want_x = conv_backward_numpy(x, kernel4, grad_out, args)
    np.testing.assert_allclose(grad_w.reshape(kernel4.shape), want_k, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grad_x, want_x, rtol=1e-10, atol=1e-12)


@pytest.mark.gradcheck
@pytest.mark.parametrize("geometry", [GEOMETRIES[1], GEOMETRIES[3], GEOMETRIES[4]])
def test_conv_kernels_against_central_differences(geometry):
    x, kernel4, args = _case(geometry, np.float64, batch=1, filters=2)
    filters = kernel4.shape[-1]
    rows = args[0] * args[1]
    weight = np.random.default_rng(3).normal(size=(rows, filters))
    cols = np.empty((rows, kernel4.size // filters))

    def scalar():
        z = np.empty((rows, filters))
        conv_forward(x, kernel4.reshape(-1, filters), cols, z, *args)
        return float(np.sum(z * weight))

    scalar()
    grad_w, grad_x = np.empty((kernel4.size // filters, filters)), np.empty_like(x)
    conv_backward(cols.copy(), kernel4.reshape(-1, filters), weight, True, grad_w, np.empty_like(cols), grad_x,
                  *args)
    assert_gradients_close(grad_x, numerical_gradient(scalar, x))
    assert_gradients_close(grad_w.reshape(kernel4.shape), numerical_gradient(scalar, kernel4))


# -- layer arguments and shapes ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, message", [
    ({"filters": 0, "kernel_size": 3}, "filters must be a positive"),
    ({"filters": 2, "kernel_size": 0}, "kernel_size must be a positive"),
    ({"filters": 2, "kernel_size": (3, 3, 3)}, "tuple of 2"),
    ({"filters": 2, "kernel_size": 3, "padding": "full"}, "padding must be one of 'valid', 'same'"),
    ({"filters": 2, "kernel_size": 3, "padding": "causal"}, "padding must be one of"),
    ({"filters": 2, "kernel_size": 3, "strides": 2, "dilation_rate": 2}, "cannot be combined"),
    ({"filters": 2, "kernel_size": 3, "groups": 2}, "groups"),
    ({"filters": 2, "kernel_size": 3, "data_format": "channels_first"}, "channels_last"),
])
def test_conv2d_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Conv2D(**kwargs)


def test_conv2d_transpose_checks_output_padding():
    with pytest.raises(ValueError, match="below the strides"):
        Conv2DTranspose(2, 3, strides=2, output_padding=2)
    with pytest.raises(TypeError, match="output_padding"):
        Conv2D(2, 3, output_padding=1)
    assert Conv2DTranspose(2, 3, strides=2, output_padding=(1, 0)).output_padding == (1, 0)


@pytest.mark.parametrize("layer, shape, message", [
    (Conv2D(2, 5), (3, 3, 1), "kernel 5×5 is larger than the 3×3 input; use padding='same' or a smaller kernel"),
    (Conv2D(2, 3, dilation_rate=2), (4, 6, 1), "kernel 5×5 \\(with its dilation\\) is larger"),
    (Conv1D(2, 4), (3, 2), "kernel 4 is larger than the 3 input"),
    (Conv2D(2, 3), (784,), "Reshape to \\(28, 28, 1\\)"),
    (Conv2D(2, 3), (28, 28), "Reshape to \\(28, 28, 1\\)"),
    (Conv1D(2, 3), (5, 4, 3), "samples shaped \\(steps, channels\\)"),
    (Conv2D(2, 3), (5, 5, None), "channels"),
    (Conv2D(2, 3), (0, 5, 1), "size below 1"),
])
def test_shape_problems_say_what_to_change(layer, shape, message):
    with pytest.raises(ShapeError, match=message):
        layer.compute_output_shape([shape])


def test_shape_problem_is_reported_on_the_node():
    graph = Graph()
    source = graph.add_node("Input", {"shape": [3, 3, 1]})
    conv = graph.add_node("Conv2D", {"filters": 4, "kernel_size": [5, 5]})
    graph.connect(source.id, conv.id)
    problems = analyze(graph).problems
    assert [p.node_id for p in problems] == [conv.id]
    assert "larger than the 3×3 input" in problems[0].message


def test_output_shapes_and_parameter_counts():
    assert Conv2D(32, 3).compute_output_shape([(28, 28, 1)]) == (26, 26, 32)
    assert Conv2D(8, 3, strides=2, padding="same").compute_output_shape([(7, 8, 3)]) == (4, 4, 8)
    assert Conv2D(8, 3, padding="same").compute_output_shape([(None, 9, 3)]) == (None, 9, 8)
    assert Conv1D(4, 3, padding="causal", dilation_rate=2).compute_output_shape([(10, 2)]) == (10, 4)
    assert Conv2DTranspose(3, 3, strides=2, padding="same").compute_output_shape([(7, 7, 8)]) == (14, 14, 3)
    assert Conv2DTranspose(3, 3, strides=2).compute_output_shape([(7, 7, 8)]) == (15, 15, 3)
    assert Conv2D(32, 3).count_params([(28, 28, 1)]) == 320
    assert Conv2DTranspose(3, (2, 4), use_bias=False).count_params([(5, 5, 8)]) == 2 * 4 * 3 * 8
    assert [s.shape for s in Conv2DTranspose(3, (2, 4)).weight_specs([(5, 5, 8)])] == [(2, 4, 3, 8), (3,)]
    assert [s.shape for s in Conv1D(3, 5).weight_specs([(9, 2)])] == [(5, 2, 3), (3,)]


def test_keras_style_config_and_input_shape():
    layer = Conv2D(16, (3, 3), activation="relu", padding="same", input_shape=(28, 28, 1), name="c1")
    config = layer.get_config()
    assert config["kernel_size"] == [3, 3] and config["strides"] == [1, 1] and config["padding"] == "same"
    assert config["activation"] == "relu" and config["filters"] == 16
    assert layer.declared_input_shape == (28, 28, 1)
    assert create_layer("Conv2D", config).get_config() == config


@pytest.mark.parametrize("layer_type, config, shape", [
    ("Conv2D", {"filters": 3, "kernel_size": 3, "activation": "relu"}, (5, 6, 2)),
    ("Conv1D", {"filters": 2, "kernel_size": 1}, (5, 3)),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"}, (3, 3, 2)),
])
def test_skipping_the_input_gradient_keeps_weight_gradients(layer_type, config, shape):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2,) + shape)
    layer = create_layer(layer_type, config)
    layer.build([shape], rng, dtype=np.float64)
    out = layer.forward([x], training=True)
    grad = rng.normal(size=out.shape)
    full = layer.backward(grad)[0]
    expected = {name: slot.grad.copy() for name, slot in layer.weights_by_name.items()}
    layer.need_input_grad = False
    layer.forward([x], training=True)
    assert layer.backward(grad) == [None]
    assert full.shape == x.shape
    for name, slot in layer.weights_by_name.items():
        np.testing.assert_allclose(slot.grad, expected[name], rtol=1e-12)


# -- Keras 3 references ---------------------------------------------------------------------------------------
def keras_layer_matches(type_name: str, config: dict, shape: tuple, batch: int = 2, seed: int = 0):
    """Forward, input gradient and weight gradients of one layer against the Keras layer (torch autograd)."""
    keras = pytest.importorskip("keras")
    torch = pytest.importorskip("torch")
    theirs = getattr(keras.layers, type_name)(**config)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch,) + tuple(shape)).astype(np.float32)
    x_t = torch.tensor(x, requires_grad=True)
    y_t = theirs(x_t)
    ours = create_layer(type_name, config)
    ours.build([shape], np.random.default_rng(0))
    ours.set_weights(theirs.get_weights())
    y = ours.forward([x], training=True)
    np.testing.assert_allclose(y, y_t.detach().numpy(), rtol=RTOL, atol=ATOL)
    grad = rng.normal(size=y.shape).astype(np.float32)
    (y_t * torch.tensor(grad)).sum().backward()
    grad_x = ours.backward(grad.copy())[0]
    np.testing.assert_allclose(grad_x, x_t.grad.numpy(), rtol=RTOL, atol=ATOL)
    for variable, slot in zip(theirs.trainable_variables, ours.weights):
        np.testing.assert_allclose(slot.grad, variable.value.grad.numpy(), rtol=RTOL, atol=ATOL)


CONV_REFERENCES = [
    ("Conv2D", {"filters": 3, "kernel_size": 3, "activation": "relu"}, (6, 7, 2)),
    ("Conv2D", {"filters": 2, "kernel_size": 2, "strides": 2, "padding": "same"}, (5, 5, 1)),
    ("Conv2D", {"filters": 2, "kernel_size": (2, 3), "padding": "same", "activation": "tanh"}, (4, 5, 2)),
    ("Conv2D", {"filters": 2, "kernel_size": 3, "dilation_rate": 2, "padding": "same"}, (6, 5, 1)),
    ("Conv2D", {"filters": 2, "kernel_size": 4, "strides": 3, "padding": "same", "use_bias": False}, (7, 8, 2)),
    ("Conv2D", {"filters": 3, "kernel_size": 1, "activation": "softmax"}, (3, 4, 2)),
    ("Conv1D", {"filters": 3, "kernel_size": 3}, (7, 2)),
    ("Conv1D", {"filters": 2, "kernel_size": 4, "strides": 2, "padding": "same", "activation": "sigmoid"}, (7, 3)),
    ("Conv1D", {"filters": 2, "kernel_size": 2, "padding": "causal", "dilation_rate": 2}, (6, 2)),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 3}, (3, 4, 2)),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"}, (3, 3, 2)),
    ("Conv2DTranspose", {"filters": 3, "kernel_size": 2, "strides": 2, "padding": "same"}, (2, 3, 1)),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 4, "strides": 2, "padding": "same"}, (3, 3, 2)),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 5, "strides": 3, "padding": "same"}, (3, 4, 2)),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": (3, 2), "strides": (2, 3), "output_padding": (1, 2)},
     (3, 2, 2)),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same", "output_padding": 1},
     (3, 3, 2)),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 2, "strides": 3, "activation": "relu"}, (2, 2, 1)),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "dilation_rate": 2, "padding": "same"}, (3, 3, 1)),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 1, "strides": 2}, (3, 3, 2)),
]


@pytest.mark.reference
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("type_name, config, shape", CONV_REFERENCES,
                         ids=[f"{t}-{i}" for i, (t, _, _) in enumerate(CONV_REFERENCES)])
def test_layer_matches_keras(type_name, config, shape):
    keras_layer_matches(type_name, config, shape)


def keras_model_matches(build, x, y, loss, steps_batch: int = 10, epochs: int = 5):
    """The same model in Keras and here, Keras' starting weights copied: predictions, then 10 Adam steps of
    fit (shuffle=False) and the weights, losses and predictions after them."""
    keras = pytest.importorskip("keras")
    from engine import keras as ek

    theirs, ours = build(keras), build(ek)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=RTOL, atol=ATOL)
    theirs.compile(optimizer=keras.optimizers.Adam(0.01), loss=loss)
    ours.compile(optimizer=ek.optimizers.Adam(0.01), loss=loss)
    their_history = theirs.fit(x, y, batch_size=steps_batch, epochs=epochs, shuffle=False, verbose=0)
    our_history = ours.fit(x, y, batch_size=steps_batch, epochs=epochs, shuffle=False, verbose=0)
    assert ours.optimizer.iterations == epochs * (len(x) // steps_batch) == 10
    for index, (a, b) in enumerate(zip(theirs.get_weights(), ours.get_weights())):
        np.testing.assert_allclose(b, a, rtol=RTOL, atol=ATOL, err_msg=f"weight array {index}")
    np.testing.assert_allclose(our_history.history["loss"], their_history.history["loss"], rtol=RTOL)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=RTOL, atol=ATOL)


def _image_classifier(k):
    return k.Sequential([
        k.Input(shape=(9, 9, 2)),
        k.layers.Conv2D(4, 3, padding="same", activation="relu"),
        k.layers.MaxPooling2D(2),
        k.layers.Conv2D(3, 2, strides=2, activation="tanh"),
        k.layers.Flatten(),
        k.layers.Dense(3, activation="softmax"),
    ])


def _decoder(k):
    return k.Sequential([
        k.Input(shape=(4, 4, 2)),
        k.layers.Conv2DTranspose(3, 3, strides=2, padding="same", activation="relu"),
        k.layers.Conv2DTranspose(1, 2, activation="sigmoid"),
    ])


def _sequence_model(k):
    return k.Sequential([
        k.Input(shape=(12, 2)),
        k.layers.Conv1D(4, 3, padding="causal", activation="relu"),
        k.layers.MaxPooling1D(2),
        k.layers.Conv1D(3, 2, strides=2, padding="same", activation="elu"),
        k.layers.AveragePooling1D(2, strides=1),
        k.layers.Flatten(),
        k.layers.Dense(1),
    ])


@pytest.mark.reference
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_image_classifier_trains_like_keras():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(20, 9, 9, 2)).astype(np.float32)
    keras_model_matches(_image_classifier, x, rng.integers(0, 3, 20), "sparse_categorical_crossentropy")


@pytest.mark.reference
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_transposed_convolution_decoder_trains_like_keras():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(20, 4, 4, 2)).astype(np.float32)
    y = rng.random(size=(20, 9, 9, 1)).astype(np.float32)
    keras_model_matches(_decoder, x, y, "mse")


@pytest.mark.reference
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_sequence_model_trains_like_keras():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(20, 12, 2)).astype(np.float32)
    keras_model_matches(_sequence_model, x, x[:, ::3, 0].sum(axis=1, keepdims=True), "mse")


# -- learning ---------------------------------------------------------------------------------------------------
MNIST_FOLDER = str(shared_data_folder() / "mnist")


@pytest.mark.slow
def test_slide_cnn_learns_mnist_digits():
    """Conv2D(32, 3×3, relu) → MaxPooling2D(2) → Flatten → Dense(128, relu) → Dense(10, softmax) on 8 000 real
    digits reaches >= 96 % on the 2 000 held out within 5 epochs."""
    from engine import datasets, keras
    from engine.datasets.base import DataError

    try:
        data = datasets.load("mnist", folder=MNIST_FOLDER).split(seed=0)
    except DataError:
        pytest.skip(f"no MNIST files in {MNIST_FOLDER}")
    assert (len(data.x_train), len(data.x_test)) == (8000, 2000)
    x_train = data.x_train.reshape(-1, 28, 28, 1) / 255.0
    x_test = data.x_test.reshape(-1, 28, 28, 1) / 255.0
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Conv2D(32, (3, 3), activation="relu"),
        keras.layers.MaxPooling2D((2, 2)),
        keras.layers.Flatten(),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x_train, data.y_train, batch_size=32, epochs=5, verbose=0)
    seconds = time.perf_counter() - start
    _, accuracy = model.evaluate(x_test, data.y_test, verbose=0)
    print(f"slide CNN on MNIST: test accuracy {accuracy:.4f} after 5 epochs, fit took {seconds:.1f} s")
    assert accuracy >= 0.96


@pytest.mark.parametrize("blocks", [True, False])
@pytest.mark.parametrize("samples_per_block", [1, 2, 5])
def test_conv_kernels_give_the_same_numbers_block_by_block(blocks, samples_per_block):
    """Cache blocks of samples (forward: one sample's 38×38×72 fields already fill a block; backward: as many
    samples as the grad_cols scratch holds, the last block short) against the twins."""
    x, kernel4, args = _case((40, 40, 8, 3, 3, 1, 1, 1, 1, "valid"), np.float64, batch=5)
    rows, filters = args[0] * args[1] * x.shape[0], kernel4.shape[-1]
    z, cols = np.empty((rows, filters)), np.empty((rows, kernel4.size // filters))
    conv_forward(x, kernel4.reshape(-1, filters), cols, z, *args, blocks)
    expected = conv_forward_numpy(x, kernel4, None, args)
    np.testing.assert_allclose(z.reshape(expected.shape), expected, rtol=1e-10, atol=1e-12)
    grad_out = np.random.default_rng(1).normal(size=expected.shape)
    grad_w, grad_x = np.empty((kernel4.size // filters, filters)), np.full_like(x, np.nan)
    grad_cols = np.empty((samples_per_block * args[0] * args[1], cols.shape[1]))
    conv_backward(cols, kernel4.reshape(-1, filters), grad_out.reshape(rows, filters), True, grad_w, grad_cols,
                  grad_x, *args, blocks)
    want_k, _, want_x = conv_backward_numpy(x, kernel4, grad_out, args)
    np.testing.assert_allclose(grad_w.reshape(kernel4.shape), want_k, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grad_x, want_x, rtol=1e-10, atol=1e-12)


# (h, w, c, kh, kw, sh, sw, dh, dw, padding) with at most SMALL_TAPS taps, then a pooling (size, stride, padding):
# the slide CNN's first block, stride, dilation, 'same' with even kernels, several channels, one row (Conv1D),
# overlapping and overhanging pooling windows.
SMALL_CASES = [
    ((28, 28, 1, 3, 3, 1, 1, 1, 1, "valid"), (2, 2, "valid")),
    ((9, 8, 1, 3, 3, 2, 1, 1, 1, "same"), (3, 2, "same")),
    ((10, 9, 1, 3, 3, 1, 1, 2, 2, "valid"), (2, 1, "valid")),
    ((5, 5, 1, 2, 2, 2, 2, 1, 1, "same"), (2, 2, "same")),
    ((6, 7, 2, 2, 2, 1, 1, 1, 1, "same"), (3, 3, "valid")),
    ((1, 12, 3, 1, 3, 1, 1, 1, 1, "valid"), (1, 2, "valid")),
    ((7, 7, 4, 1, 2, 1, 2, 1, 1, "valid"), (2, 2, "valid")),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("geometry, pooling", SMALL_CASES)
def test_small_convolution_with_max_pooling_matches_numpy_twins(geometry, pooling, dtype):
    """The inference kernel that applies a few taps straight from the image, then pools the sums."""
    x, kernel4, args = _case(geometry, dtype, batch=3, filters=5)
    x[1, 0, 0, 0] = np.nan  # NaN wins a window, as in max_pool_values
    size, stride, padding = pooling
    pool_rows, pool_columns = (axis_geometry(n, min(size, n), stride, 1, padding) for n in args[:2])
    pool_args = (pool_rows.kernel, pool_columns.kernel, stride, stride, pool_rows.before, pool_columns.before)
    taps = kernel4.size // kernel4.shape[-1]
    assert taps <= SMALL_TAPS
    w9 = np.zeros((SMALL_TAPS, kernel4.shape[-1]), dtype=dtype)
    w9[:taps] = kernel4.reshape(taps, -1)
    out = np.full((x.shape[0], pool_rows.out, pool_columns.out, kernel4.shape[-1]), 7.0, dtype=dtype)
    small_conv_max_pool_values(x, w9, out, *args, *pool_args)
    sums = conv_forward_numpy(x.astype(np.float64), kernel4.astype(np.float64), None, args)
    expected = max_pool_numpy(sums, pool_rows.out, pool_columns.out, *pool_args)
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out, expected, rtol=tolerance, atol=tolerance)
    assert np.isnan(out[1]).any() and not np.isnan(out[0]).any()
    # The same code run by Python: numpy raises on any index outside the image buffers.
    again = np.empty_like(out[:1])
    small_conv_max_pool_values.py_func(x[:1], w9, again, *args, *pool_args)
    np.testing.assert_allclose(again, out[:1], rtol=tolerance, atol=tolerance)
