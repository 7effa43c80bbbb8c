"""Classic models of the course: AlexNet (2012 layer sequence) and a dense autoencoder on real digits."""
import numpy as np
import pytest

from engine import datasets, keras
from tests.conftest import shared_data_folder

layers = keras.layers


def alexnet(input_shape, classes):
    """The 2012 sequence: 5 convolutions (11/4, 5, 3, 3, 3), 3 max-pools (3/2), 2 × Dense(4096) with dropout."""
    return keras.Sequential([
        keras.Input(shape=input_shape),
        layers.Conv2D(96, 11, strides=4, activation="relu"),
        layers.MaxPooling2D(3, strides=2),
        layers.Conv2D(256, 5, padding="same", activation="relu"),
        layers.MaxPooling2D(3, strides=2),
        layers.Conv2D(384, 3, padding="same", activation="relu"),
        layers.Conv2D(384, 3, padding="same", activation="relu"),
        layers.Conv2D(256, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(3, strides=2),
        layers.Flatten(),
        layers.Dense(4096, activation="relu"),
        layers.Dropout(0.5),
        layers.Dense(4096, activation="relu"),
        layers.Dropout(0.5),
        layers.Dense(classes, activation="softmax"),
    ], name="alexnet")


def test_alexnet_summary_has_the_2012_parameter_counts(capsys):
    model = alexnet((227, 227, 3), 1000)
    expected = [34_944, 0, 614_656, 0, 885_120, 1_327_488, 884_992, 0, 0, 37_752_832, 0, 16_781_312, 0,
                4_097_000]
    assert model.count_params() == 62_378_344  # builds the network, as Keras' Input already does
    assert [layer.count_params() for layer in model.layers] == expected
    model.summary()
    text = capsys.readouterr().out
    assert "(None, 55, 55, 96)" in text and "(None, 6, 6, 256)" in text and "(None, 9216)" in text
    assert "62,378,344" in text


def test_alexnet_trains_one_step_on_small_inputs():
    keras.utils.set_random_seed(0)
    model = alexnet((67, 67, 3), 10)  # same layer sequence, an input small enough for a CI step
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    x = rng.random((4, 67, 67, 3), dtype=np.float32)
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(x, np.arange(4), epochs=1, batch_size=4, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


@pytest.mark.slow
def test_dense_autoencoder_784_32_784_reconstructs_digits():
    folder = shared_data_folder() / "mnist"
    if not (folder / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip("the MNIST test images are not available")
    keras.utils.set_random_seed(4)
    split = datasets.load("mnist", folder=str(folder), flatten=True).split(seed=0)
    x_train = split.x_train.reshape(len(split.x_train), -1) / np.float32(255)
    x_test = split.x_test.reshape(len(split.x_test), -1) / np.float32(255)
    assert x_train.shape == (8000, 784) and x_test.shape == (2000, 784)
    model = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(32, activation="relu"),
                              layers.Dense(784, activation="sigmoid")])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x_train, x_train, epochs=10, batch_size=64, verbose=0)
    mse = model.evaluate(x_test, x_test, verbose=0)
    print(f"autoencoder 784-32-784: test reconstruction MSE {mse:.4f}")
    assert mse < 0.03
