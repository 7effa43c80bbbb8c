"""``python -m engine``: check an installation by training the course's first network, XOR, and printing
what a student would see (until the desktop designer lands, this is how Neurotaller starts)."""
from __future__ import annotations

import time

import numpy as np


def main() -> None:
    started = time.perf_counter()
    from engine import keras

    keras.utils.set_random_seed(1)
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([0, 1, 1, 0], dtype=np.float32)
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(4, activation="tanh"),
                              keras.layers.Dense(1, activation="sigmoid")], name="xor")
    model.summary()
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.05), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=400, batch_size=4, verbose=0)
    print(f"XOR after {len(history.history['loss'])} epochs: loss {history.history['loss'][-1]:.4f}, "
          f"accuracy {history.history['accuracy'][-1]:.2f}")
    for sample, output in zip(x, model.predict(x, verbose=0)[:, 0]):
        print(f"  {int(sample[0])} XOR {int(sample[1])} → {output:.3f}")
    print(f"Neurotaller's engine works ({time.perf_counter() - started:.1f} s, compiled kernels cached).")


if __name__ == "__main__":
    main()
