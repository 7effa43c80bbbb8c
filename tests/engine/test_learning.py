"""Learning works, on the course's first labs, through the Keras-style code students write."""
from pathlib import Path

import numpy as np
import pytest

from engine import keras
from engine.sklearn.model_selection import train_test_split
from engine.sklearn.preprocessing import StandardScaler

WINE = Path(__file__).resolve().parents[2] / "resources" / "datasets" / "wine.csv"

pytestmark = pytest.mark.slow


def test_xor_with_a_2_4_1_tanh_network_reaches_100_percent():
    keras.utils.set_random_seed(1)
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([0, 1, 1, 0], dtype=np.float32)
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(4, activation="tanh"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.05), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=400, batch_size=4, verbose=0)
    loss, accuracy = model.evaluate(x, y, verbose=0)
    assert accuracy == 1.0, history.history["loss"][-5:]
    np.testing.assert_array_equal((model.predict(x, verbose=0)[:, 0] > 0.5).astype(int), [0, 1, 1, 0])


def test_a_network_learns_to_add_two_numbers():
    keras.utils.set_random_seed(2)
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, size=(2000, 2)).astype(np.float32)
    y = x.sum(axis=1, keepdims=True)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=0)
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x_train, y_train, epochs=60, batch_size=16, verbose=0)
    test_mse = model.evaluate(x_test, y_test, verbose=0)
    print(f"add two numbers: test MSE {test_mse:.2e}")
    assert test_mse < 1e-3


def test_wine_standardized_13_16_3_reaches_95_percent():
    keras.utils.set_random_seed(3)
    table = np.loadtxt(WINE, delimiter=",", skiprows=1)
    x, y = table[:, :-1].astype(np.float32), table[:, -1].astype(int)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.3, random_state=0, stratify=y)
    scaler = StandardScaler().fit(x_train)  # fitted on the training part only
    x_train, x_test = scaler.transform(x_train), scaler.transform(x_test)
    model = keras.Sequential([keras.Input(shape=(13,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=60, batch_size=16, verbose=0)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"wine: test accuracy {accuracy:.3f}")
    assert accuracy >= 0.95
