"""The Keras surface as students use it: ``from engine import keras`` in place of ``from tensorflow import keras``.

Numbers against Keras itself are in test_keras_reference.py; here: the API runs, shapes, names, files and the
error messages a student sees.
"""
from __future__ import annotations

import importlib
import json
import zipfile

import numpy as np
import pytest

from engine import keras
from engine.io import ProjectFileError, WeightsFileError
from engine.keras.layers import Dense, Input


def _blobs(n: int = 96, features: int = 16, seed: int = 0):
    """Two separable classes in ``features`` dimensions; labels 0/1."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.normal(size=(n, features)).astype(np.float32) + 1.5 * (2 * y[:, None] - 1)
    return x.astype(np.float32), y


def _slide_model():
    model = keras.Sequential([keras.Input(shape=(16,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


# -- the slide example ---------------------------------------------------------------------------------------
# Most tests train the slide's plan (relu hidden layer, softmax output, sparse cross-entropy, Adam): the fused
# trainer compiles one kernel per such plan, so reusing it keeps a cold run (empty kernel cache) short.
def test_slide_example_runs_and_learns():
    keras.utils.set_random_seed(0)
    x, y = _blobs()
    model = _slide_model()
    history = model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    assert list(history.history) == ["accuracy", "loss"]
    assert len(history.history["loss"]) == 15 and history.epoch == list(range(15))
    assert history.history["loss"][-1] < history.history["loss"][0]
    loss, accuracy = model.evaluate(x, y, verbose=0)
    assert accuracy > 0.9 and loss < history.history["loss"][0]
    assert model.evaluate(x, y, verbose=0, return_dict=True) == {"accuracy": accuracy, "loss": loss}
    probabilities = model.predict(x, verbose=0)
    assert probabilities.shape == (len(x), 2) and probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(model(x[:5]), probabilities[:5], rtol=1e-6)
    assert model.history is history


def test_history_keys_with_validation_split_and_data():
    keras.utils.set_random_seed(1)
    x, y = _blobs()
    model = _slide_model()
    history = model.fit(x, y, epochs=2, batch_size=16, validation_split=0.25, verbose=0)
    assert list(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    history = model.fit(x[:72], y[:72], epochs=1, validation_data=(x[72:], y[72:]), verbose=0)
    assert set(history.history) == {"accuracy", "loss", "val_accuracy", "val_loss"}


def test_validation_split_takes_the_last_fraction_before_shuffling():
    x, y = _blobs()
    results = []
    for use_split in (True, False):
        keras.utils.set_random_seed(5)
        model = _slide_model()
        if use_split:
            history = model.fit(x, y, epochs=2, batch_size=16, validation_split=0.25, verbose=0)
        else:
            history = model.fit(x[:72], y[:72], epochs=2, batch_size=16, validation_data=(x[72:], y[72:]),
                                verbose=0)
        results.append((history.history, model.get_weights()))
    assert results[0][0] == results[1][0]
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_array_equal(a, b)


def test_initial_epoch_and_zero_epochs():
    x, y = _blobs(32)
    model = _slide_model()
    history = model.fit(x, y, epochs=4, initial_epoch=2, verbose=0)
    assert history.epoch == [2, 3]
    before = model.get_weights()
    assert model.fit(x, y, epochs=0, verbose=0).history == {}
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_verbose_fit_prints_epochs_and_logs(capsys):
    x, y = _blobs(32)
    model = _slide_model()
    model.fit(x, y, epochs=2, batch_size=16, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out and "2/2" in out
    assert "accuracy:" in out and "loss:" in out
    model.fit(x, y, epochs=1, verbose=0)
    assert capsys.readouterr().out == ""


def test_same_seed_same_training():
    x, y = _blobs()
    weights = []
    for _ in range(2):
        keras.utils.set_random_seed(42)
        model = keras.Sequential([keras.Input(shape=(16,)), Dense(8, activation="relu"), keras.layers.Dropout(0.3),
                                  Dense(2, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x, y, epochs=2, batch_size=16, verbose=0)
        weights.append(model.get_weights())
    for a, b in zip(*weights):
        np.testing.assert_array_equal(a, b)


# -- ways to declare the input ------------------------------------------------------------------------------
@pytest.mark.parametrize("style", ["input_dim", "input_shape", "Input", "InputLayer", "first_data", "build"])
def test_input_declarations(style):
    x, y = _blobs(40)
    first = {"input_dim": Dense(8, input_dim=16, activation="relu"),
             "input_shape": Dense(8, input_shape=(16,), activation="relu")}.get(style,
                                                                               Dense(8, activation="relu"))
    model = keras.Sequential()
    if style == "Input":
        model.add(keras.Input(shape=(16,)))
    elif style == "InputLayer":
        model.add(keras.layers.InputLayer(shape=(16,)))
    model.add(first)
    model.add(Dense(2, activation="softmax"))
    if style == "build":
        model.build((None, 16))
    if style != "first_data":
        assert model.count_params() == 16 * 8 + 8 + 8 * 2 + 2
        assert model.input_shape == (None, 16) and model.output_shape == (None, 2)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=1, verbose=0)
    assert model.count_params() == 154
    assert [layer.name for layer in model.layers] == [first.name, model.layers[1].name]
    kernel, bias = model.layers[0].get_weights()
    assert kernel.shape == (16, 8) and bias.shape == (8,)


def test_unknown_input_shape_is_explained():
    model = keras.Sequential([Dense(3), Dense(1)])
    with pytest.raises(ValueError, match="input shape is unknown"):
        model.count_params()
    text = []
    model.summary(print_fn=text.append)  # Keras prints an unbuilt model too
    assert "?" in text[0] and "0 (unbuilt)" in text[0]


# -- functional API -----------------------------------------------------------------------------------------
def test_functional_chain_matches_sequential():
    x, y = _blobs(48)
    keras.utils.set_random_seed(3)
    inputs = Input(shape=(16,))
    hidden = Dense(8, activation="relu")(inputs)
    outputs = Dense(2, activation="softmax")(keras.layers.Dropout(0.0)(hidden))
    functional = keras.Model(inputs=inputs, outputs=outputs)
    assert [type(layer).__name__ for layer in functional.layers] == ["Input", "Dense", "Dropout", "Dense"]
    assert functional.layers[0].name.startswith("input_layer")
    sequential = keras.Sequential([keras.Input(shape=(16,)), Dense(8, activation="relu"),
                                   Dense(2, activation="softmax")])
    sequential.set_weights(functional.get_weights())
    for model in (functional, sequential):
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
        model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(functional.get_weights(), sequential.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_functional_two_outputs():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(64, 6)).astype(np.float32)
    labels = (x[:, 0] > 0).astype(int)
    target = x[:, :2].sum(axis=1, keepdims=True)
    inputs = keras.Input(shape=(6,), name="features")
    hidden = Dense(12, activation="tanh", name="shared")(inputs)
    kind = Dense(2, activation="softmax", name="kind")(hidden)
    size = Dense(1, name="size")(hidden)
    model = keras.Model(inputs, [kind, size], name="two_heads")
    probabilities, sizes = model.predict(x, verbose=0)
    assert probabilities.shape == (64, 2) and sizes.shape == (64, 1)
    with pytest.raises(NotImplementedError, match="several outputs"):
        model.compile(optimizer="adam", loss=["sparse_categorical_crossentropy", "mse"], metrics=["accuracy"])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=["sparse_categorical_crossentropy", "mse"])
    history = model.fit(x, [labels, target], epochs=30, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert model.output_shape == [(None, 2), (None, 1)]


def test_sub_model_shares_layers_with_the_trained_model():
    """An encoder taken out of a trained model sees its weights, and the big model still trains afterwards."""
    x, y = _blobs(64)
    inputs = keras.Input(shape=(16,))
    hidden = Dense(4, activation="relu", name="code")(inputs)
    outputs = Dense(2, activation="softmax")(hidden)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=2, verbose=0)
    encoder = keras.Model(inputs, hidden)
    kernel, bias = model.get_layer("code").get_weights()
    np.testing.assert_allclose(encoder.predict(x, verbose=0), np.maximum(x @ kernel + bias, 0), rtol=1e-5, atol=1e-6)
    model.fit(x, y, epochs=1, verbose=0)  # the big model takes its weights back and keeps learning
    new_kernel, _ = model.get_layer("code").get_weights()
    assert not np.array_equal(new_kernel, kernel)
    np.testing.assert_array_equal(encoder.get_layer("code").get_weights()[0], new_kernel)


def test_layer_called_on_arrays_computes():
    layer = Dense(3, kernel_initializer="ones", bias_initializer="zeros")
    out = layer(np.ones((2, 4), dtype=np.float32))
    np.testing.assert_array_equal(out, np.full((2, 3), 4.0, dtype=np.float32))


# -- weights ---------------------------------------------------------------------------------------------------
def test_get_and_set_weights_in_keras_order_and_layout():
    model = keras.Sequential([keras.Input(shape=(3,)), Dense(4), Dense(2, use_bias=False)])
    weights = model.get_weights()
    assert [w.shape for w in weights] == [(3, 4), (4,), (4, 2)]
    new = [np.arange(w.size, dtype=np.float32).reshape(w.shape) / 10 for w in weights]
    model.set_weights(new)
    x = np.array([[1.0, 2.0, 3.0]], dtype=np.float32)
    np.testing.assert_allclose(model.predict(x, verbose=0), (x @ new[0] + new[1]) @ new[2], rtol=1e-6)
    with pytest.raises(ValueError, match="3 weight arrays, got 2"):
        model.set_weights(new[:2])
    with pytest.raises(ValueError, match="shape"):
        model.set_weights([new[0].T, new[1], new[2]])


def test_save_weights_and_load_weights(tmp_path):
    model = _slide_model()
    path = tmp_path / "slide.weights.npz"
    model.save_weights(path)
    other = _slide_model()
    other.load_weights(path)
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)
    wrong = keras.Sequential([keras.Input(shape=(16,)), Dense(3)])
    with pytest.raises(WeightsFileError, match="do not fit"):
        wrong.load_weights(path)


# -- saving and loading ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["sequential", "functional"])
def test_save_load_round_trip_continues_training_identically(tmp_path, kind):
    x, y = _blobs(64)
    keras.utils.set_random_seed(7)
    if kind == "sequential":
        model = keras.Sequential([keras.Input(shape=(16,)), Dense(8, activation="relu"),
                                  Dense(2, activation="softmax")], name="slides")
    else:
        inputs = keras.Input(shape=(16,))
        model = keras.Model(inputs, Dense(2, activation="softmax")(Dense(8, activation="relu")(inputs)), name="slides")
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy", "sparse_categorical_accuracy"])
    model.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    path = tmp_path / "slides.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is type(model) and loaded.name == "slides"
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.history.history == model.history.history
    assert loaded.optimizer.iterations == model.optimizer.iterations == 8
    assert loaded.metrics_names == ["loss", "accuracy", "sparse_categorical_accuracy"]
    assert loaded.evaluate(x, y, verbose=0) == model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    loaded.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)  # Adam's moments and step count came back too


def test_load_model_without_compile_and_uncompiled_save(tmp_path):
    model = keras.Sequential([keras.Input(shape=(2,)), Dense(1)])
    path = tmp_path / "plain.ntl"
    model.save(path)
    loaded = keras.load_model(path)
    assert loaded.optimizer is None
    np.testing.assert_array_equal(loaded.get_weights()[0], model.get_weights()[0])
    model.compile(optimizer="sgd", loss="mse")
    model.save(path)
    assert keras.models.load_model(path, compile=False).optimizer is None
    with pytest.raises(FileExistsError):
        model.save(path, overwrite=False)


def test_loading_damaged_or_newer_project_files(tmp_path):
    model = _slide_model()
    good = tmp_path / "good.keras"
    model.save(good)
    data = good.read_bytes()

    garbage = tmp_path / "garbage.keras"
    garbage.write_bytes(b"this is not a model")
    with pytest.raises(ProjectFileError, match="not a Neurotaller project"):
        keras.models.load_model(garbage)

    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ProjectFileError, match="damaged|truncated"):
        keras.models.load_model(truncated)

    def rewrite(path, edit):
        with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
            for item in source.infolist():
                content = source.read(item.filename)
                if item.filename == "project.json":
                    document = json.loads(content)
                    edit(document)
                    content = json.dumps(document).encode()
                target.writestr(item, content)

    newer = tmp_path / "newer.keras"
    rewrite(newer, lambda document: document.update(format_version=document["format_version"] + 1))
    with pytest.raises(ProjectFileError, match="newer.*please update"):
        keras.models.load_model(newer)

    broken_graph = tmp_path / "broken_graph.keras"
    rewrite(broken_graph, lambda document: document["architecture"]["graph"]["nodes"][1].update(layer_type="Nope"))
    with pytest.raises(ProjectFileError, match="(?s)damaged.*Nope"):
        keras.models.load_model(broken_graph)

    broken_training = tmp_path / "broken_training.keras"
    rewrite(broken_training, lambda document: document["training"].update(loss=["no_such_loss"]))
    with pytest.raises(ProjectFileError, match="training settings"):
        keras.models.load_model(broken_training)


def test_load_weights_refuses_python_objects(tmp_path):
    model = keras.Sequential([keras.Input(shape=(2,)), Dense(1)])
    path = tmp_path / "evil.npz"
    np.savez(path, **{"dense/kernel": np.array([object(), object()], dtype=object)})
    with pytest.raises(WeightsFileError, match="Python objects"):
        model.load_weights(path)


# -- summary -----------------------------------------------------------------------------------------------------
def test_summary_text():
    model = keras.Sequential([keras.Input(shape=(16,)), Dense(8, activation="relu", name="hidden"),
                              Dense(2, activation="softmax", name="output")], name="slide")
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert text.startswith('Model: "slide"')
    assert "Layer (type)" in text and "Output Shape" in text and "Param #" in text
    assert "hidden (Dense)" in text and "(None, 8)" in text and "136" in text
    assert "output (Dense)" in text and "(None, 2)" in text and "18" in text
    assert "InputLayer" not in text  # a Sequential's summary hides its input, as Keras'
    assert " Total params: 154 (616.00 B)" in text and " Non-trainable params: 0 (0.00 B)" in text
    widths = {len(line) for line in text.splitlines()[1:-3]}
    assert len(widths) == 1  # a closed box


def test_summary_prints_by_default(capsys):
    keras.Sequential([keras.Input(shape=(2,)), Dense(1)]).summary()
    assert "Total params: 3" in capsys.readouterr().out


# -- imports ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("statement", [
    "from engine.keras.layers import Dense, Activation, Dropout, Flatten, Reshape, Input, InputLayer",
    "from engine.keras.optimizers import Adam, SGD, RMSprop, Nadam, Adagrad, Adadelta, Adamax",
    "from engine.keras.optimizers.schedules import ExponentialDecay, PiecewiseConstantDecay, CosineDecay",
    "from engine.keras.models import Sequential, Model, load_model",
    "from engine.keras.callbacks import EarlyStopping, TerminateOnNaN, ModelCheckpoint, LearningRateScheduler, "
    "ReduceLROnPlateau, History, LambdaCallback, Callback",
    "from engine.keras.utils import to_categorical, set_random_seed",
    "from engine.keras.losses import SparseCategoricalCrossentropy, BinaryCrossentropy, MeanSquaredError",
    "from engine.keras.metrics import Precision, Recall, BinaryAccuracy",
    "from engine.keras.regularizers import L1, L2, L1L2",
    "from engine.keras.constraints import MaxNorm, NonNeg, UnitNorm",
    "from engine.keras.initializers import GlorotUniform, HeNormal, Zeros, Constant",
    "from engine.keras.activations import relu, sigmoid, softmax",
    "from engine.keras.saving import load_model, save_model",
    "from engine.keras import Sequential, Model, Input, load_model",
])
def test_submodule_imports(statement):
    exec(statement, {})


def test_attribute_paths_like_keras():
    assert keras.optimizers.schedules.ExponentialDecay is importlib.import_module(
        "engine.keras.optimizers.schedules").ExponentialDecay
    assert keras.models.Sequential is keras.Sequential and keras.models.Model is keras.Model
    assert keras.models.load_model is keras.load_model
    optimizer = keras.optimizers.SGD(keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5))
    assert optimizer.learning_rate == pytest.approx(0.1)
    assert keras.layers.Input is keras.Input


# -- utils -----------------------------------------------------------------------------------------------------
def test_to_categorical():
    np.testing.assert_array_equal(keras.utils.to_categorical([0, 2, 1]), np.eye(3)[[0, 2, 1]])
    one_hot = keras.utils.to_categorical(np.array([[1], [0]]), num_classes=4)
    assert one_hot.shape == (2, 4) and one_hot.dtype == np.float64  # as Keras
    np.testing.assert_array_equal(one_hot, [[0, 1, 0, 0], [1, 0, 0, 0]])
    assert keras.utils.to_categorical(np.array([[0, 1], [2, 0]])).shape == (2, 2, 3)
    with pytest.raises(ValueError, match="num_classes"):
        keras.utils.to_categorical([0, 5], num_classes=3)
    with pytest.raises(ValueError, match="whole-number"):
        keras.utils.to_categorical([0.5, 1])
    with pytest.raises(ValueError, match="whole-number"):
        keras.utils.to_categorical([-1, 1])


# -- clear errors ----------------------------------------------------------------------------------------------
def test_wrong_input_width_names_the_input():
    model = _slide_model()
    x, y = _blobs(20, features=5)
    for call in (lambda: model.predict(x, verbose=0), lambda: model.fit(x, y, verbose=0),
                 lambda: model.evaluate(x, y, verbose=0)):
        with pytest.raises(ValueError, match=r"expects samples of shape \(16,\) but got \(5,\)"):
            call()


def test_labels_that_do_not_fit_the_loss():
    x, y = _blobs(20)
    model = _slide_model()
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\).*found 2"):
        model.fit(x, y + 1, verbose=0)
    with pytest.raises(ValueError, match="whole numbers"):
        model.fit(x, y + 0.5, verbose=0)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy or one-hot"):
        model.fit(x, y, verbose=0)


@pytest.mark.parametrize("make, message", [
    (lambda: Dense(3, activation="relux"), "unknown activation 'relux'; choose one of"),
    (lambda: _slide_model().compile(optimizer="adamm", loss="mse"), "Unknown optimizer 'adamm'; valid names"),
    (lambda: _slide_model().compile(optimizer="adam", loss="msq"), "unknown loss 'msq'; choose one of"),
    (lambda: _slide_model().compile(optimizer="adam", loss="mse", metrics=["acuracy"]), "unknown metric"),
    (lambda: _slide_model().compile(optimizer="adam"), "needs a loss"),
    (lambda: Dense(0), "positive whole number"),
    (lambda: Dense(3, unit=4), "unexpected argument"),
])
def test_unknown_names_and_bad_arguments(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True])
def test_bad_batch_size(batch_size):
    x, y = _blobs(20)
    with pytest.raises(ValueError, match="batch_size must be a whole number of at least 1"):
        _slide_model().fit(x, y, batch_size=batch_size, verbose=0)


def test_nan_in_data():
    x, y = _blobs(20)
    x[3, 4] = np.nan
    model = _slide_model()
    with pytest.raises(ValueError, match="1 NaN or infinite value"):
        model.fit(x, y, verbose=0)
    with pytest.raises(ValueError, match="NaN or infinite"):
        model.predict(x, verbose=0)
    x[3, 4] = 0.0
    with pytest.raises(ValueError, match="NaN or infinite"):
        model.fit(x, np.where(np.arange(20) == 2, np.nan, y), verbose=0)


def test_fit_or_evaluate_before_compile():
    x, y = _blobs(20)
    model = keras.Sequential([keras.Input(shape=(16,)), Dense(2, activation="softmax")])
    model.predict(x, verbose=0)  # predicting needs no compile, as in Keras
    for call in (lambda: model.fit(x, y), lambda: model.evaluate(x, y)):
        with pytest.raises(RuntimeError, match="must be compiled"):
            call()


def test_other_fit_argument_errors():
    x, y = _blobs(20)
    model = _slide_model()
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(x, y, validation_split=1.0, verbose=0)
    with pytest.raises(ValueError, match="epochs"):
        model.fit(x, y, epochs=-1, verbose=0)
    with pytest.raises(ValueError, match="different numbers of samples"):
        model.fit(x, y[:10], verbose=0)
    with pytest.raises(NotImplementedError, match="sample_weight"):
        model.fit(x, y, sample_weight=np.ones(20), verbose=0)
    with pytest.raises(TypeError, match="Callback"):
        model.fit(x, y, callbacks=[lambda: None], verbose=0)


def test_model_construction_errors():
    inputs = keras.Input(shape=(3,))
    with pytest.raises(ValueError, match="needs both"):
        keras.Model(inputs=inputs)
    other = keras.Input(shape=(3,))
    with pytest.raises(ValueError, match="not connected"):
        keras.Model([inputs, other], Dense(1)(inputs))
    shared = Dense(2)
    shared(inputs)
    with pytest.raises(ValueError, match="already used"):
        shared(other)
    with pytest.raises(ValueError, match="Input needs a shape"):
        keras.Input()
    model = keras.Sequential([keras.Input(shape=(3,))])
    with pytest.raises(ValueError, match="the Input must come first"):
        model.add(keras.Input(shape=(3,)))
    layer = Dense(1)
    model.add(layer)
    with pytest.raises(ValueError, match="already in this model"):
        model.add(layer)
