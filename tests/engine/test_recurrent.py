"""SimpleRNN, LSTM, GRU, RepeatVector, TimeDistributed and Embedding.

- the fused whole-sequence kernels against their naive numpy twins (float64 and the float32 fast path), and
  the single-thread block products against numpy;
- float64 central-difference gradient checks through a network stacking every new layer (the per-layer
  checks, incl. batch 1, return_sequences both ways and go_backwards, are in the harness of test_layers.py);
- Keras layouts, defaults, errors;
- Keras 3 itself (torch backend): forward, gradients and 10 Adam steps of fit() in float32;
- learning checks through ``engine.keras`` (slow).
"""
from __future__ import annotations

import time

import numpy as np
import pytest

from engine.kernels import recurrent as rk
from engine.kernels import recurrent_gru as gk
from engine.kernels import serial_matmul as rmm
from engine.kernels.activations import SIGMOID, SOFTSIGN, TANH
from engine.layers import GRU, LSTM, Dense, Embedding, RepeatVector, ShapeError, SimpleRNN, TimeDistributed
from engine.network import Network
from engine.objective import Objective
from tests.engine.gradcheck import assert_gradients_close, numerical_gradient

# ---------------------------------------------------------------------------------------------------------
# Kernels against their numpy twins

CELLS = ["simple_rnn", "lstm", "gru", "gru_reset_before"]
GATES = {"simple_rnn": 1, "lstm": 4, "gru": 3, "gru_reset_before": 3}


def _cell_weights(cell, features, units, rng):
    width = GATES[cell] * units
    w = rng.normal(size=(features, width)) * 0.6
    rw = rng.normal(size=(units, width)) * 0.6
    b = rng.normal(size=(2, width) if cell == "gru" else (width,)) * 0.5
    return w, rw, b


def _run_kernels(cell, x, w, rw, b, grad, sequences, code, rec_code):
    """Forward + backward through the kernels from batch-major data; returns (outputs, grads) like the twins."""
    dtype = x.dtype
    batch, steps, features = x.shape
    units = rw.shape[0]
    xt = np.ascontiguousarray(x.transpose(1, 0, 2))
    gt = np.ascontiguousarray(grad.transpose(1, 0, 2)) if sequences else np.ascontiguousarray(grad)[None]
    pre = np.empty((steps, batch, rw.shape[1]), dtype)
    gates = np.empty_like(pre)
    h = np.empty((steps + 1, batch, units), dtype)
    grads = {"kernel": np.empty_like(w), "recurrent_kernel": np.empty_like(rw), "bias": np.empty_like(b),
             "x": np.empty_like(xt)}
    common = (grads["kernel"], grads["recurrent_kernel"])
    fast = dtype == np.float32
    if cell == "simple_rnn":
        rk.simple_rnn_forward(xt, w, rw, b, True, code, 0.0, fast, pre, h)
        rk.simple_rnn_backward(xt, w, rw, True, code, 0.0, pre, h, gt, sequences, *common, grads["bias"],
                               grads["x"])
    elif cell == "lstm":
        c = np.empty_like(h)
        tc = np.empty((steps, batch, units), dtype)
        rk.lstm_forward(xt, w, rw, b, True, code, 0.0, rec_code, 0.0, fast, pre, gates, c, tc, h)
        rk.lstm_backward(xt, w, rw, True, code, 0.0, rec_code, 0.0, pre, gates, c, tc, h, gt, sequences, *common,
                         grads["bias"], grads["x"])
    else:
        reset_after = cell == "gru"
        rows = b.reshape(-1, rw.shape[1])
        rh = np.empty((steps, batch, units), dtype)
        gk.gru_forward(xt, w, rw, rows, True, reset_after, code, 0.0, rec_code, 0.0, fast, pre, gates, rh, h)
        gk.gru_backward(xt, w, rw, True, reset_after, code, 0.0, rec_code, 0.0, pre, gates, rh, h, gt, sequences,
                        *common, grads["bias"].reshape(rows.shape), grads["x"])
    grads["x"] = grads["x"].transpose(1, 0, 2)
    return h[1:].transpose(1, 0, 2), grads


def _run_twin(cell, x, w, rw, b, grad, sequences, code, rec_code):
    if cell == "simple_rnn":
        return rk.simple_rnn_numpy(x, w, rw, b, code, 0.0, grad, sequences)
    if cell == "lstm":
        return rk.lstm_numpy(x, w, rw, b, code, 0.0, rec_code, 0.0, grad, sequences)
    return gk.gru_numpy(x, w, rw, b, cell == "gru", code, 0.0, rec_code, 0.0, grad, sequences)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("sequences", [True, False])
@pytest.mark.parametrize("cell", CELLS)
def test_kernels_match_their_numpy_twins(cell, sequences, dtype):
    rng = np.random.default_rng(3)
    batch, steps, features, units = 3, 7, 2, 4
    x = rng.normal(size=(batch, steps, features))
    w, rw, b = _cell_weights(cell, features, units, rng)
    grad = rng.normal(size=(batch, steps, units) if sequences else (batch, units))
    codes = (TANH, SIGMOID)
    want_out, want_grads = _run_twin(cell, x, w, rw, b, grad, sequences, *codes)
    cast = [np.asarray(a, dtype) for a in (x, w, rw, b, grad)]
    out, grads = _run_kernels(cell, *cast, sequences, *codes)
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == np.float64 else dict(rtol=2e-4, atol=2e-5)
    np.testing.assert_allclose(out, want_out, **tol)
    for name, want in want_grads.items():
        np.testing.assert_allclose(grads[name], want, err_msg=name, **tol)


@pytest.mark.parametrize("cell", ["simple_rnn", "lstm", "gru_reset_before"])
def test_kernels_with_other_activations_match_twins(cell):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 4, 3))
    w, rw, b = _cell_weights(cell, 3, 3, rng)
    grad = rng.normal(size=(2, 4, 3))
    want_out, want_grads = _run_twin(cell, x, w, rw, b, grad, True, SOFTSIGN, SOFTSIGN)
    out, grads = _run_kernels(cell, x, w, rw, b, grad, True, SOFTSIGN, SOFTSIGN)
    np.testing.assert_allclose(out, want_out, rtol=1e-10, atol=1e-12)
    for name, want in want_grads.items():
        np.testing.assert_allclose(grads[name], want, rtol=1e-10, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("n, k, m", [(1000, 70, 300), (7, 600, 500), (40, 3, 5), (1, 1, 1)])
def test_single_thread_block_products_match_numpy(n, k, m):
    rng = np.random.default_rng(n)
    a, b = rng.normal(size=(n, k)), rng.normal(size=(k, m))
    out = np.empty((n, m))
    rmm.serial_matmul_nn(a, b, out)
    np.testing.assert_allclose(out, a @ b, rtol=1e-10, atol=1e-10)
    rmm.serial_matmul_nt(a, np.ascontiguousarray(b.T), out)
    np.testing.assert_allclose(out, a @ b, rtol=1e-10, atol=1e-10)
    c = rng.normal(size=(n, m))
    out_tn = np.empty((k, m))
    rmm.serial_matmul_tn(a, c, out_tn)
    np.testing.assert_allclose(out_tn, a.T @ c, rtol=1e-10, atol=1e-10)


def test_fast_float32_tanh_and_sigmoid_are_within_a_few_ulps():
    z = np.linspace(-12.0, 12.0, 100_001).astype(np.float32).reshape(1, -1)
    out = np.empty_like(z)
    rk.activate_block(TANH, 0.0, True, z, out, 0, z.shape[1])
    assert np.abs(out - np.tanh(z.astype(np.float64))).max() < 4e-7
    rk.activate_block(SIGMOID, 0.0, True, z, out, 0, z.shape[1])
    assert np.abs(out - 1.0 / (1.0 + np.exp(-z.astype(np.float64)))).max() < 4e-7


# ---------------------------------------------------------------------------------------------------------
# Gradient check through a network of every new layer, with the fused softmax + cross-entropy output


def _stack_network(dtype):
    from engine import keras as ek

    model = ek.Sequential([
        ek.Input((4,)), ek.layers.Embedding(7, 3), ek.layers.LSTM(3, return_sequences=True),
        ek.layers.GRU(2, go_backwards=True), ek.layers.RepeatVector(3),
        ek.layers.GRU(3, reset_after=False, return_sequences=True),
        ek.layers.SimpleRNN(2, return_sequences=True, go_backwards=True),
        ek.layers.TimeDistributed(ek.layers.Dense(3, activation="softmax"))])
    graph, layers = model.to_graph()
    network = Network(graph, layers, seed=5, dtype=dtype)
    rng = np.random.default_rng(6)
    network.params[:] = rng.normal(size=network.params.shape) * 0.7
    return network


@pytest.mark.gradcheck
@pytest.mark.parametrize("batch", [1, 3])
def test_gradients_through_a_stack_of_every_new_layer(batch):
    network = _stack_network(np.float64)
    objective = Objective(network, "sparse_categorical_crossentropy")
    assert objective.fused == [True]  # TimeDistributed passes the softmax output through to the stable path
    rng = np.random.default_rng(7)
    x = rng.integers(0, 7, size=(batch, 4)).astype(np.float64)
    y = objective.prepare_targets([rng.integers(0, 3, size=(batch, 3))])

    def loss():
        return objective.loss_and_gradients([x], y)[0]

    loss()
    analytic = network.grads.copy()
    numeric = numerical_gradient(loss, network.params)
    assert_gradients_close(analytic, numeric, rtol=1e-5, atol=1e-8)


# ---------------------------------------------------------------------------------------------------------
# Layouts, defaults, behaviour and errors


def _built(layer, shape, dtype=np.float32, seed=0):
    layer.build([shape], np.random.default_rng(seed), dtype)
    return layer


@pytest.mark.parametrize("layer, shapes", [
    (SimpleRNN(4), [(3, 4), (4, 4), (4,)]),
    (LSTM(4), [(3, 16), (4, 16), (16,)]),
    (GRU(4), [(3, 12), (4, 12), (2, 12)]),
    (GRU(4, reset_after=False), [(3, 12), (4, 12), (12,)]),
    (LSTM(4, use_bias=False), [(3, 16), (4, 16)]),
])
def test_weights_have_keras_names_shapes_and_order(layer, shapes):
    _built(layer, (5, 3))
    names = ["kernel", "recurrent_kernel", "bias"][:len(shapes)]
    assert [(slot.spec.name, slot.value.shape) for slot in layer.weights] == list(zip(names, shapes))


def test_keras_default_initializers():
    layer = _built(LSTM(5), (3, 2))
    bias = layer.weights_by_name["bias"].value
    np.testing.assert_array_equal(bias, np.r_[np.zeros(5), np.ones(5), np.zeros(10)])  # unit_forget_bias
    rw = layer.weights_by_name["recurrent_kernel"].value
    np.testing.assert_allclose(rw @ rw.T, np.eye(5), atol=1e-5)  # orthogonal
    assert layer.get_config()["recurrent_initializer"]["class_name"] == "Orthogonal"
    no_forget = _built(LSTM(5, unit_forget_bias=False), (3, 2))
    assert not no_forget.weights_by_name["bias"].value.any()
    assert GRU(2).reset_after is True and GRU(2).recurrent_activation == "sigmoid"
    assert SimpleRNN(2).activation == "tanh"


def test_go_backwards_reads_the_sequence_reversed():
    x = np.random.default_rng(0).normal(size=(2, 5, 3)).astype(np.float32)
    forward = _built(LSTM(4, return_sequences=True), (5, 3))
    backward = _built(LSTM(4, return_sequences=True, go_backwards=True), (5, 3))
    backward.set_weights(forward.get_weights())
    np.testing.assert_allclose(backward.forward([x], False), forward.forward([x[:, ::-1]], False), rtol=1e-6)


def test_last_output_is_the_last_step_of_the_sequence_and_batch_sizes_can_change():
    rng = np.random.default_rng(1)
    sequence_layer = _built(GRU(3, return_sequences=True), (4, 2))
    last_layer = _built(GRU(3), (4, 2))
    last_layer.set_weights(sequence_layer.get_weights())
    for batch in (5, 1, 5):
        x = rng.normal(size=(batch, 4, 2)).astype(np.float32)
        np.testing.assert_allclose(last_layer.forward([x], False), sequence_layer.forward([x], False)[:, -1])


def test_unsupported_arguments_say_so():
    from engine import keras as ek

    with pytest.raises(NotImplementedError, match="return_state"):
        LSTM(3, return_state=True)
    with pytest.raises(NotImplementedError, match="Dropout layer"):
        GRU(3, dropout=0.2)
    with pytest.raises(NotImplementedError, match="stateful"):
        SimpleRNN(3, stateful=True)
    with pytest.raises(NotImplementedError, match="initial_state"):
        LSTM(3)(ek.Input((4, 2)), initial_state=[np.zeros((1, 3))])
    with pytest.raises(NotImplementedError, match="mask_zero"):
        Embedding(10, 3, mask_zero=True)
    with pytest.raises(ValueError, match="softmax"):
        LSTM(3, recurrent_activation="softmax")
    with pytest.raises(ValueError, match="positive whole number"):
        GRU(0)
    with pytest.raises(TypeError, match="recurrent_activation"):
        SimpleRNN(3, recurrent_activation="sigmoid")


def test_shape_errors_say_what_to_change():
    with pytest.raises(ShapeError, match="time steps, features"):
        LSTM(3).compute_output_shape([(4,)])
    with pytest.raises(ShapeError, match="Flatten"):
        RepeatVector(2).compute_output_shape([(2, 3)])
    with pytest.raises(ShapeError, match="return_sequences=True"):
        TimeDistributed(Dense(2)).compute_output_shape([(4,)])
    assert LSTM(3, return_sequences=True).compute_output_shape([(None, 2)]) == (None, 3)


def test_embedding_casts_codes_wraps_negatives_and_sums_repeated_rows():
    layer = _built(Embedding(5, 2), (4,), np.float64)
    table = layer.weights_by_name["embeddings"].value
    x = np.array([[2.7, -1.0, 0.0, 2.0]])  # 2.7 -> 2 (toward zero), -1 -> 4 (Keras' take)
    np.testing.assert_array_equal(layer.forward([x], True), table[[[2, 4, 0, 2]]])
    grad = np.arange(8.0).reshape(1, 4, 2)
    assert not layer.backward(grad)[0].any()
    want = np.zeros((5, 2))
    want[2] = grad[0, 0] + grad[0, 3]
    want[4], want[0] = grad[0, 1], grad[0, 2]
    np.testing.assert_array_equal(layer.weights_by_name["embeddings"].grad, want)
    with pytest.raises(ValueError, match="outside 0 .. 4"):
        layer.forward([np.array([[5.0, 0, 0, 0]])], False)


def test_time_distributed_shares_the_wrapped_layers_weights_and_round_trips_its_config():
    from engine import keras as ek

    inner = ek.layers.Dense(3, activation="relu")
    wrapper = ek.layers.TimeDistributed(inner)
    model = ek.Sequential([ek.Input((4, 2)), wrapper])
    assert [w.shape for w in model.get_weights()] == [(2, 3), (3,)]
    assert wrapper.weights[0] is inner.weights[0]
    assert model.count_params() == 9
    again = TimeDistributed.from_config(wrapper.get_config())
    assert again.get_config() == wrapper.get_config()
    assert again.layer.units == 3 and again.layer.activation == "relu"
    x = np.random.default_rng(0).normal(size=(2, 4, 2)).astype(np.float32)
    np.testing.assert_allclose(model.predict(x, verbose=0), inner(x.reshape(8, 2)).reshape(2, 4, 3), rtol=1e-6)


def test_keras_2_style_input_shape_on_a_recurrent_layer():
    from engine import keras as ek

    model = ek.Sequential([ek.layers.LSTM(4, input_shape=(6, 2)), ek.layers.Dense(1)])
    assert model.predict(np.zeros((3, 6, 2), np.float32), verbose=0).shape == (3, 1)


def test_a_model_with_every_new_layer_saves_and_loads(tmp_path):
    from engine import keras as ek

    model = ek.Sequential([ek.Input((3,)), ek.layers.Embedding(6, 2), ek.layers.GRU(3), ek.layers.RepeatVector(2),
                           ek.layers.SimpleRNN(2, return_sequences=True),
                           ek.layers.TimeDistributed(ek.layers.Dense(2))])
    x = np.array([[1, 2, 5], [0, 3, 4]], np.float32)
    path = tmp_path / "seq.ntp"
    model.save(path)
    loaded = ek.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


# ---------------------------------------------------------------------------------------------------------
# Keras 3 (torch backend): same weights, same data => same outputs, gradients and 10 Adam steps


def _reference_case(name):
    rng = np.random.default_rng(11)
    if name == "encoder-decoder":
        x = rng.integers(0, 10, size=(40, 4)).astype(np.float32)
        y = rng.integers(0, 6, size=(40, 3))

        def build(k):
            return k.Sequential([
                k.Input((4,)), k.layers.Embedding(10, 4), k.layers.LSTM(5, go_backwards=True),
                k.layers.RepeatVector(3), k.layers.GRU(4, return_sequences=True, reset_after=False),
                k.layers.SimpleRNN(3, return_sequences=True, go_backwards=True),
                k.layers.TimeDistributed(k.layers.Dense(6, activation="softmax"))])

        return build, x, y, "sparse_categorical_crossentropy"
    x = rng.normal(size=(40, 6, 3)).astype(np.float32)
    y = rng.normal(size=(40, 1)).astype(np.float32)

    def build(k):  # Keras defaults throughout
        return k.Sequential([k.Input((6, 3)), getattr(k.layers, name)(5), k.layers.Dense(1)])

    return build, x, y, "mse"


REFERENCE_CASES = ["SimpleRNN", "LSTM", "GRU", "encoder-decoder"]


def _keras_twins(name):
    keras = pytest.importorskip("keras")
    pytest.importorskip("torch")
    from engine import keras as ek

    build, x, y, loss = _reference_case(name)
    theirs, ours = build(keras), build(ek)
    ours.set_weights(theirs.get_weights())
    return keras, ek, theirs, ours, x, y, loss


@pytest.mark.reference
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("name", REFERENCE_CASES)
def test_forward_and_gradients_match_keras(name):
    keras, ek, theirs, ours, x, y, loss = _keras_twins(name)  # skips when Keras or torch is absent
    import torch

    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-4, atol=1e-6)
    theirs.compile(optimizer="sgd", loss=loss)
    ours.compile(optimizer="sgd", loss=loss)
    xb, yb = x[:16], y[:16]
    predictions = theirs(torch.as_tensor(xb), training=True)
    their_loss = theirs.compute_loss(x=torch.as_tensor(xb), y=torch.as_tensor(np.asarray(yb)), y_pred=predictions,
                                     training=True)
    their_grads = torch.autograd.grad(their_loss, [v.value for v in theirs.trainable_variables])
    objective = ours.objective
    our_loss, _ = objective.loss_and_gradients([xb], objective.prepare_targets([yb]), training=True)
    assert our_loss == pytest.approx(float(their_loss.detach()), rel=1e-4)
    our_grads = [slot.grad for layer in ours.layers for slot in layer.weights]
    assert len(our_grads) == len(their_grads)
    for index, (ours_grad, their_grad) in enumerate(zip(our_grads, their_grads)):
        np.testing.assert_allclose(ours_grad, their_grad.detach().numpy(), rtol=1e-4, atol=1e-6,
                                   err_msg=f"gradient {index}")


@pytest.mark.reference
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("name", REFERENCE_CASES)
def test_ten_adam_steps_of_fit_match_keras(name):
    keras, ek, theirs, ours, x, y, loss = _keras_twins(name)
    theirs.compile(optimizer=keras.optimizers.Adam(0.01), loss=loss)
    ours.compile(optimizer=ek.optimizers.Adam(0.01), loss=loss)
    # 40 samples in batches of 8, 2 epochs: 10 optimizer steps
    their_history = theirs.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    our_history = ours.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    assert ours.optimizer.iterations == 10
    np.testing.assert_allclose(our_history.history["loss"], their_history.history["loss"], rtol=1e-4)
    for index, (a, b) in enumerate(zip(theirs.get_weights(), ours.get_weights())):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5, err_msg=f"weight array {index}")
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------------------------------------------------
# Learning, through the Keras-style code students write


@pytest.mark.slow
def test_an_lstm_predicts_a_noisy_sine_one_step_ahead():
    from engine import datasets, keras

    keras.utils.set_random_seed(0)
    # noise 0.05: the next value carries noise of variance 0.0025, the floor of any predictor's MSE
    parts = datasets.load("sine", n_points=1000, window=20, noise=0.05, seed=0).split(0.8, 0.0, 0.2)
    model = keras.Sequential([keras.Input((20, 1)), keras.layers.LSTM(16), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    start = time.perf_counter()
    model.fit(parts.x_train, parts.y_train, epochs=15, batch_size=32, verbose=0)
    test_mse = model.evaluate(parts.x_test, parts.y_test, verbose=0)
    print(f"sine LSTM(16): test MSE {test_mse:.4f}, fit {time.perf_counter() - start:.1f} s")
    assert test_mse < 0.01


@pytest.mark.slow
def test_an_encoder_decoder_learns_to_reverse_digit_sequences():
    from engine import datasets, keras

    keras.utils.set_random_seed(0)
    parts = datasets.load("reverse", n_samples=4000, length=5, seed=0).split(0.8, 0.0, 0.2, seed=0)
    model = keras.Sequential([
        keras.Input((5, 10)), keras.layers.LSTM(64), keras.layers.RepeatVector(5),
        keras.layers.LSTM(64, return_sequences=True),
        keras.layers.TimeDistributed(keras.layers.Dense(10, activation="softmax"))])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(parts.x_train, parts.y_train, epochs=20, batch_size=32, verbose=0)
    predicted = model.predict(parts.x_test, verbose=0).argmax(axis=-1)
    accuracy = float((predicted == parts.y_test).mean())
    print(f"reverse 5 digits: per-digit test accuracy {accuracy:.3f}, fit {time.perf_counter() - start:.1f} s")
    assert accuracy >= 0.9
