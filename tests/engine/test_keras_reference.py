"""The Keras surface against Keras 3 itself (torch backend): same architecture, same starting weights (Keras'
initial weights copied into ours with set_weights), same data, shuffle=False => same forward outputs, losses,
gradients, parameters after 20 optimizer steps, evaluate() values, metrics and History, in float32."""
from __future__ import annotations

import numpy as np
import pytest

pytestmark = [pytest.mark.reference,
              # Keras 3.15 on torch warns about numpy 2's __array__ copy keyword; noise for these tests.
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]
keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")

from engine import keras as ek  # noqa: E402

RTOL = 1e-4
ATOL = 1e-6  # for values that pass near zero, where a relative tolerance means nothing


def _data(seed: int, n: int, features: int):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, features)).astype(np.float32), rng


def _case_sgd_nesterov():
    x, rng = _data(1, 50, 4)
    y = keras.utils.to_categorical(rng.integers(0, 3, len(x)), 3)

    def build(k):
        return k.Sequential([k.Input(shape=(4,)), k.layers.Dense(5, activation="tanh"),
                             k.layers.Dense(3, activation="softmax")])

    return build, x, y, "categorical_crossentropy", lambda k: k.optimizers.SGD(0.1, momentum=0.9, nesterov=True)


def _case_adam_binary():
    x, rng = _data(2, 50, 3)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(np.float32).reshape(-1, 1)

    def build(k):
        return k.Sequential([k.Input(shape=(3,)), k.layers.Dense(6, activation="relu"),
                             k.layers.Dense(1, activation="sigmoid")])

    return build, x, y, "binary_crossentropy", lambda k: k.optimizers.Adam(0.01)


def _case_rmsprop_mse():
    x, rng = _data(3, 50, 3)
    y = np.stack([x[:, 0] * 2 - x[:, 1], np.sin(x[:, 2])], axis=1).astype(np.float32)

    def build(k):
        return k.Sequential([k.Input(shape=(3,)), k.layers.Dense(8, activation="relu"), k.layers.Dense(2)])

    return build, x, y, "mse", lambda k: k.optimizers.RMSprop(0.01)


def _case_nadam_sparse():
    x, rng = _data(4, 50, 4)
    y = rng.integers(0, 3, len(x))

    def build(k):
        return k.Sequential([k.Input(shape=(4,)), k.layers.Dense(6, activation="sigmoid"),
                             k.layers.Dense(3, activation="softmax")])

    return build, x, y, "sparse_categorical_crossentropy", lambda k: k.optimizers.Nadam(0.01)


def _case_adagrad_l2_maxnorm():
    x, rng = _data(5, 50, 4)
    y = rng.integers(0, 2, len(x))

    def build(k):
        return k.Sequential([
            k.Input(shape=(4,)),
            k.layers.Dense(6, activation="relu", kernel_regularizer=k.regularizers.L2(0.05),
                           kernel_constraint=k.constraints.MaxNorm(0.8)),
            k.layers.Dense(2, activation="softmax", kernel_regularizer=k.regularizers.L2(0.01))])

    return build, x, y, "sparse_categorical_crossentropy", lambda k: k.optimizers.Adagrad(0.5)


CASES = {
    "tanh-softmax-categorical-sgd-nesterov": _case_sgd_nesterov,
    "sigmoid-binary-adam": _case_adam_binary,
    "mse-rmsprop": _case_rmsprop_mse,
    "sparse-nadam": _case_nadam_sparse,
    "l2-maxnorm-adagrad": _case_adagrad_l2_maxnorm,
}


def _twins(build):
    theirs, ours = build(keras), build(ek)
    ours.set_weights(theirs.get_weights())
    return theirs, ours


def _assert_weights_close(theirs, ours):
    their_weights, our_weights = theirs.get_weights(), ours.get_weights()
    assert [w.shape for w in our_weights] == [w.shape for w in their_weights]
    for index, (a, b) in enumerate(zip(their_weights, our_weights)):
        np.testing.assert_allclose(b, a, rtol=RTOL, atol=ATOL, err_msg=f"weight array {index}")


@pytest.mark.parametrize("case", list(CASES))
def test_forward_loss_and_twenty_steps_match_keras(case):
    build, x, y, loss, optimizer = CASES[case]()
    theirs, ours = _twins(build)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=RTOL, atol=ATOL)
    theirs.compile(optimizer=optimizer(keras), loss=loss)
    ours.compile(optimizer=optimizer(ek), loss=loss)
    assert ours.evaluate(x, y, verbose=0) == pytest.approx(theirs.evaluate(x, y, verbose=0), rel=RTOL)
    # 50 samples in batches of 10, 4 epochs: 20 optimizer steps (the last batch is full, no remainder).
    their_history = theirs.fit(x, y, batch_size=10, epochs=4, shuffle=False, verbose=0)
    our_history = ours.fit(x, y, batch_size=10, epochs=4, shuffle=False, verbose=0)
    assert ours.optimizer.iterations == 20
    _assert_weights_close(theirs, ours)
    np.testing.assert_allclose(our_history.history["loss"], their_history.history["loss"], rtol=RTOL)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=RTOL, atol=ATOL)


def test_uneven_last_batch_matches_keras():
    """23 samples in batches of 10: Keras' last batch has 3 samples and the epoch loss weighs batches by size."""
    build, x, y, loss, optimizer = _case_nadam_sparse()
    x, y = x[:23], y[:23]
    theirs, ours = _twins(build)
    theirs.compile(optimizer=optimizer(keras), loss=loss)
    ours.compile(optimizer=optimizer(ek), loss=loss)
    their_history = theirs.fit(x, y, batch_size=10, epochs=3, shuffle=False, verbose=0)
    our_history = ours.fit(x, y, batch_size=10, epochs=3, shuffle=False, verbose=0)
    _assert_weights_close(theirs, ours)
    np.testing.assert_allclose(our_history.history["loss"], their_history.history["loss"], rtol=RTOL)


def test_learning_rate_schedule_matches_keras():
    build, x, y, loss, _ = _case_rmsprop_mse()
    theirs, ours = _twins(build)

    def schedule(k):  # RMSprop as in the MSE case: the fused trainer's compiled kernel is reused
        return k.optimizers.RMSprop(k.optimizers.schedules.ExponentialDecay(0.05, decay_steps=3, decay_rate=0.5))

    theirs.compile(optimizer=schedule(keras), loss=loss)
    ours.compile(optimizer=schedule(ek), loss=loss)
    theirs.fit(x, y, batch_size=10, epochs=2, shuffle=False, verbose=0)
    ours.fit(x, y, batch_size=10, epochs=2, shuffle=False, verbose=0)
    _assert_weights_close(theirs, ours)


def test_evaluate_metrics_and_history_with_validation_split_match_keras():
    build, x, y, loss, optimizer = _case_adam_binary()
    theirs, ours = _twins(build)
    metrics = ["accuracy", "precision", "recall"]
    theirs.compile(optimizer=optimizer(keras), loss=loss,
                   metrics=["accuracy", keras.metrics.Precision(), keras.metrics.Recall()])
    ours.compile(optimizer=optimizer(ek), loss=loss, metrics=metrics)
    their_history = theirs.fit(x, y, batch_size=8, epochs=3, shuffle=False, validation_split=0.2, verbose=0)
    our_history = ours.fit(x, y, batch_size=8, epochs=3, shuffle=False, validation_split=0.2, verbose=0)
    assert list(our_history.history) == list(their_history.history)
    assert our_history.epoch == their_history.epoch == [0, 1, 2]
    for key, values in their_history.history.items():
        np.testing.assert_allclose(our_history.history[key], values, rtol=RTOL, atol=ATOL, err_msg=key)
    _assert_weights_close(theirs, ours)

    their_dict = theirs.evaluate(x, y, verbose=0, return_dict=True)
    our_dict = ours.evaluate(x, y, verbose=0, return_dict=True)
    assert list(our_dict) == list(their_dict)
    for key, value in their_dict.items():
        assert our_dict[key] == pytest.approx(value, rel=RTOL, abs=ATOL), key
    their_list = theirs.evaluate(x, y, verbose=0)
    our_list = ours.evaluate(x, y, verbose=0)
    np.testing.assert_allclose(our_list, their_list, rtol=RTOL, atol=ATOL)


def test_evaluate_single_value_and_uneven_batches_match_keras():
    build, x, y, loss, optimizer = _case_sgd_nesterov()
    theirs, ours = _twins(build)
    theirs.compile(optimizer=optimizer(keras), loss=loss, metrics=["categorical_accuracy"])
    ours.compile(optimizer=optimizer(ek), loss=loss, metrics=["categorical_accuracy"])
    their_values = theirs.evaluate(x, y, batch_size=7, verbose=0)
    our_values = ours.evaluate(x, y, batch_size=7, verbose=0)
    np.testing.assert_allclose(our_values, their_values, rtol=RTOL)


@pytest.mark.parametrize("case", list(CASES))
def test_gradients_match_torch_autograd_through_keras(case):
    """network.grads after Objective.loss_and_gradients == torch autograd of Keras' loss (+ penalties)."""
    build, x, y, loss, _ = CASES[case]()
    theirs, ours = _twins(build)
    theirs.compile(optimizer="sgd", loss=loss)
    ours.compile(optimizer="sgd", loss=loss)
    xb, yb = x[:16], y[:16]

    predictions = theirs(torch.as_tensor(xb), training=True)
    their_loss = theirs.compute_loss(x=torch.as_tensor(xb), y=torch.as_tensor(np.asarray(yb)), y_pred=predictions,
                                     training=True)
    variables = theirs.trainable_variables
    their_grads = torch.autograd.grad(their_loss, [variable.value for variable in variables])

    objective = ours.objective
    targets = objective.prepare_targets([yb])
    our_loss, _ = objective.loss_and_gradients([xb], targets, training=True)
    assert our_loss == pytest.approx(float(their_loss.detach()), rel=RTOL)
    network = ours.network
    our_grads = {f"{layer.name}/{slot.spec.name}": slot.grad for layer, slot in network.variables}
    our_names = [f"{layer.name}/{slot.spec.name}" for layer in ours.layers for slot in layer.weights]
    assert len(our_names) == len(their_grads)
    for name, their_grad in zip(our_names, their_grads):
        np.testing.assert_allclose(our_grads[name], their_grad.detach().numpy(), rtol=RTOL, atol=1e-7,
                                   err_msg=name)


def test_functional_model_matches_keras():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(30, 5)).astype(np.float32)
    y = rng.normal(size=(30, 2)).astype(np.float32)

    def build(k):
        inputs = k.Input(shape=(5,))
        hidden = k.layers.Dense(7, activation="elu")(inputs)
        hidden = k.layers.Dropout(0.0)(hidden)
        outputs = k.layers.Dense(2)(hidden)
        return k.Model(inputs=inputs, outputs=outputs)

    theirs, ours = _twins(build)
    # Huber, not MAE: MAE's gradient jumps at zero error, so a last-bit difference in one prediction (BLAS
    # summation order differs with threads and load) flips a sign and the runs part by 1e-2, not by rounding.
    theirs.compile(optimizer=keras.optimizers.Adam(0.02), loss="huber")
    ours.compile(optimizer=ek.optimizers.Adam(0.02), loss="huber")
    theirs.fit(x, y, batch_size=6, epochs=2, shuffle=False, verbose=0)
    ours.fit(x, y, batch_size=6, epochs=2, shuffle=False, verbose=0)
    _assert_weights_close(theirs, ours)
    assert ours.evaluate(x, y, verbose=0) == pytest.approx(theirs.evaluate(x, y, verbose=0), rel=RTOL)


def _summary_rows(text: str) -> list[list[str]]:
    """The cells of each table row (wrapped cells joined), from a box-drawn Keras summary."""
    rows: list[list[str]] = []
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("│"):
            cells = [cell.strip() for cell in line.strip("│").split("│")]
            if current is None:
                current = cells
            else:
                current = [f"{a} {b}".strip() for a, b in zip(current, cells)]
        elif current is not None:
            rows.append(current)
            current = None
    return rows


def _summary_totals(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if "params:" in line]


@pytest.mark.parametrize("kind", ["sequential", "functional", "two-outputs"])
def test_summary_has_keras_names_shapes_counts_and_totals(kind):
    def build(k):
        if kind == "sequential":
            return k.Sequential([k.Input(shape=(16,)), k.layers.Dense(8, activation="relu", name="hidden"),
                                 k.layers.Dropout(0.5, name="drop"), k.layers.Dense(2, activation="softmax",
                                                                                  name="out")], name="slides")
        inputs = k.Input(shape=(4, 3), name="pixels")
        flat = k.layers.Flatten(name="flat")(inputs)
        hidden = k.layers.Dense(5, name="hidden")(flat)
        if kind == "functional":
            return k.Model(inputs, k.layers.Reshape((5, 1), name="column")(hidden), name="chain")
        first = k.layers.Dense(2, name="first")(hidden)
        second = k.layers.Activation("tanh", name="second")(hidden)
        return k.Model(inputs, [first, second], name="forked")

    theirs, ours = build(keras), build(ek)
    their_text, our_text = [], []
    theirs.summary(print_fn=their_text.append)
    ours.summary(print_fn=our_text.append)
    their_text, our_text = "\n".join(their_text), "\n".join(our_text)

    def normalized(rows):
        # Keras truncates long "Connected to" cells with an ellipsis; compare what both show in full.
        return [[cell.split("[")[0] if index == 3 else cell for index, cell in enumerate(row)] for row in rows]

    assert our_text.splitlines()[0] == their_text.splitlines()[0]  # Model: "name"
    assert normalized(_summary_rows(our_text)) == normalized(_summary_rows(their_text))
    assert _summary_totals(our_text) == _summary_totals(their_text)


@pytest.mark.parametrize("optimizer", ["adam", "nadam", "sgd", "rmsprop"])
def test_summary_of_a_built_optimizer_counts_its_variables_like_keras(optimizer):
    build, x, y, loss, _ = _case_adam_binary()
    theirs, ours = _twins(build)
    theirs.compile(optimizer=optimizer, loss=loss)
    ours.compile(optimizer=optimizer, loss=loss)
    # Building the optimizer (as the first training step does) is what adds its variables to the counts.
    theirs.optimizer.build(theirs.trainable_variables)
    ours.optimizer.build(ours.network.segments)
    their_text, our_text = [], []
    theirs.summary(print_fn=their_text.append)
    ours.summary(print_fn=our_text.append)
    assert _summary_totals("\n".join(our_text)) == _summary_totals("\n".join(their_text))
