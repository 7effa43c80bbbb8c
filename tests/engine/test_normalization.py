"""BatchNormalization: kernels vs numpy twins, float64 gradient checks (training and inference mode, JIT on and
off), moving statistics as non-trainable weights (packing, optimizer, summary, save/load), and Keras 3 (torch
backend): forward in both modes, gradients and 10 Adam steps including the moving statistics."""
from __future__ import annotations

import numpy as np
import pytest

from engine.graph.model import Graph
from engine.kernels.normalization import (batch_moments, batch_norm_apply, batch_norm_backward,
                                          batch_norm_backward_numpy, batch_norm_forward_numpy)
from engine.layers import BatchNormalization, layer_class
from engine.network import Network
from engine.objective import Objective
from tests.engine.gradcheck import assert_gradients_close, numerical_gradient
from tests.engine.test_merge import (ATOL, RTOL, assert_same_gradients, assert_same_weights, keras_modules,
                                     twins)


# -- kernels vs numpy twins -----------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch_statistics", [True, False])
def test_kernels_match_numpy_twins(dtype, batch_statistics):
    rng = np.random.default_rng(0)
    m, c, epsilon = 37, 5, 1e-3
    x = (rng.normal(size=(m, c)) * 3 + 2).astype(dtype)
    gamma, beta = rng.normal(size=c).astype(dtype), rng.normal(size=c).astype(dtype)
    grad_y = rng.normal(size=(m, c)).astype(dtype)
    if batch_statistics:
        mean, var = np.empty(c, dtype), np.empty(c, dtype)
        batch_moments(x, mean, var)
        expected_y, expected_mean, expected_var = batch_norm_forward_numpy(x.astype(np.float64), gamma, beta, epsilon)
        tolerance = 1e-5 if dtype == np.float32 else 1e-12
        np.testing.assert_allclose(mean, expected_mean, rtol=tolerance)
        np.testing.assert_allclose(var, expected_var, rtol=tolerance)
    else:
        mean, var = rng.normal(size=c).astype(dtype), rng.uniform(0.5, 2, size=c).astype(dtype)
        expected_y, _, _ = batch_norm_forward_numpy(x.astype(np.float64), gamma, beta, epsilon, mean, var)
    inv_std, xhat, y = np.empty(c, dtype), np.empty_like(x), np.empty_like(x)
    batch_norm_apply(x, mean, var, gamma, beta, epsilon, inv_std, xhat, y)
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(y, expected_y, rtol=tolerance, atol=tolerance)
    grad_x, grad_gamma, grad_beta = np.empty_like(x), np.empty(c, dtype), np.empty(c, dtype)
    batch_norm_backward(grad_y, xhat, gamma, inv_std, batch_statistics, grad_x, grad_gamma, grad_beta)
    expected = batch_norm_backward_numpy(grad_y.astype(np.float64), x.astype(np.float64), gamma, epsilon,
                                         mean.astype(np.float64), var.astype(np.float64), batch_statistics)
    for ours, theirs in zip((grad_x, grad_gamma, grad_beta), expected):
        np.testing.assert_allclose(ours, theirs, rtol=10 * tolerance, atol=10 * tolerance)


# -- gradient checks in float64 (CI reruns these with NUMBA_DISABLE_JIT=1) -------------------------------------
def _built(shape, dtype=np.float64, **config):
    layer = BatchNormalization(**config)
    layer.build([shape], np.random.default_rng(0), dtype=dtype)
    return layer


@pytest.mark.gradcheck
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("config, shape", [({}, (4,)), ({"axis": 1}, (3, 2)), ({"axis": -2, "center": False}, (3, 2))])
def test_gradients_against_central_differences(training, config, shape):
    layer = _built(shape, **config)
    rng = np.random.default_rng(1)
    for slot in layer.weights:  # away from the initial ones/zeros; variances positive
        slot.value[...] = rng.uniform(0.5, 1.5, size=slot.value.shape)
    x = rng.normal(size=(5,) + shape)
    weight = rng.normal(size=x.shape)
    frozen = {name: layer.weights_by_name[name].value.copy() for name in ("moving_mean", "moving_variance")}

    def scalar():
        for name, value in frozen.items():  # the same statistics on every call (forward updates them)
            layer.weights_by_name[name].value[...] = value
        return float(np.sum(layer.forward([x], training=training) * weight))

    scalar()
    (grad_x,) = layer.backward(weight.copy())
    grads = {name: slot.grad.copy() for name, slot in layer.weights_by_name.items()}
    assert_gradients_close(grad_x, numerical_gradient(scalar, x))
    for name in ("gamma", "beta"):
        if name in layer.weights_by_name:
            slot = layer.weights_by_name[name]
            assert_gradients_close(grads[name], numerical_gradient(scalar, slot.value))


def _bn_graph(units: int = 4, **bn_config) -> Graph:
    """Input(3) → Dense(units, relu) → BatchNormalization → Dense(2)."""
    graph = Graph()
    x = graph.add_node("Input", {"shape": [3]}, name="x")
    hidden = graph.add_node("Dense", {"units": units, "activation": "relu"}, name="hidden")
    bn = graph.add_node("BatchNormalization", bn_config, name="bn")
    out = graph.add_node("Dense", {"units": 2}, name="out")
    graph.connect(x.id, hidden.id)
    graph.connect(hidden.id, bn.id)
    graph.connect(bn.id, out.id)
    return graph


@pytest.mark.gradcheck
def test_network_with_batch_normalization_gradients_against_central_differences():
    network = Network(_bn_graph(), seed=2, dtype=np.float64)
    objective = Objective(network, "mse")
    rng = np.random.default_rng(3)
    x, targets = rng.normal(size=(7, 3)), objective.prepare_targets([rng.normal(size=(7, 2))])
    moving = network.params[network.n_trainable:].copy()

    def scalar():
        network.params[network.n_trainable:] = moving
        return objective.loss_and_gradients([x], targets, training=True)[0]

    scalar()
    analytic = network.grads.copy()
    numeric = numerical_gradient(scalar, network.params)
    assert_gradients_close(analytic, numeric, rtol=1e-5)
    assert not analytic[network.n_trainable:].any()  # nothing flows into the moving statistics


# -- training vs inference, non-trainable weights --------------------------------------------------------------
def test_registry_config_and_weight_specs_in_keras_order():
    assert layer_class("BatchNormalization").category == "Regularization"
    layer = BatchNormalization(momentum=0.9, epsilon=0.01, name="bn")
    again = BatchNormalization.from_config(layer.get_config())
    assert again.get_config() == layer.get_config()
    specs = layer.weight_specs([(2, 6)])
    assert [(s.name, s.shape, s.trainable) for s in specs] == [
        ("gamma", (6,), True), ("beta", (6,), True), ("moving_mean", (6,), False), ("moving_variance", (6,), False)]
    assert [s.name for s in BatchNormalization(center=False, scale=False).weight_specs([(3,)])] == [
        "moving_mean", "moving_variance"]
    assert BatchNormalization(axis=1).compute_output_shape([(5, 2)]) == (5, 2)
    with pytest.raises(ValueError, match="does not exist"):
        BatchNormalization(axis=3).compute_output_shape([(5, 2)])
    with pytest.raises(ValueError, match="batch axis"):
        BatchNormalization(axis=0)
    with pytest.raises(ValueError, match="renorm"):
        BatchNormalization(renorm=True)
    BatchNormalization(renorm=False, synchronized=False)  # Keras' defaults, spelled out, are fine


def test_training_updates_moving_statistics_and_inference_uses_them():
    layer = _built((3,), np.float32, momentum=0.9)
    rng = np.random.default_rng(4)
    x = (rng.normal(size=(8, 3)) * 2 + 1).astype(np.float32)
    out = layer.forward([x], training=True)
    mean, var = x.mean(axis=0), x.var(axis=0)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.weights_by_name["moving_mean"].value, 0.1 * mean, rtol=1e-6)
    np.testing.assert_allclose(layer.weights_by_name["moving_variance"].value, 0.9 + 0.1 * var, rtol=1e-6)
    before = [w.copy() for w in layer.get_weights()]
    out = layer.forward([x], training=False)
    np.testing.assert_allclose(out, (x - 0.1 * mean) / np.sqrt(0.9 + 0.1 * var + 1e-3), rtol=1e-5, atol=1e-6)
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)  # inference changes nothing


def test_a_frozen_layer_runs_in_inference_mode_even_when_training():
    layer = _built((3,), np.float32, trainable=False)
    x = np.random.default_rng(5).normal(size=(6, 3)).astype(np.float32)
    out = layer.forward([x], training=True)
    np.testing.assert_allclose(out, x / np.sqrt(1 + 1e-3), rtol=1e-6)
    np.testing.assert_array_equal(layer.weights_by_name["moving_mean"].value, 0)


def test_non_finite_batch_statistics_are_not_written():
    layer = _built((2,), np.float32)
    x = np.array([[1.0, np.inf], [2.0, 3.0]], np.float32)
    layer.forward([x], training=True)
    np.testing.assert_array_equal(layer.weights_by_name["moving_mean"].value, [0, 0])
    np.testing.assert_array_equal(layer.weights_by_name["moving_variance"].value, [1, 1])


def test_network_packs_moving_statistics_after_the_trainable_weights_and_training_moves_them():
    from engine import optimizers
    from engine.fused import FusedDenseTrainer
    from engine.training import TrainingLoop

    network = Network(_bn_graph(), seed=0)
    names = [f"{layer.name}/{slot.spec.name}" for layer, slot in network.variables]
    assert names == ["hidden/kernel", "hidden/bias", "bn/gamma", "bn/beta", "out/kernel", "out/bias",
                     "bn/moving_mean", "bn/moving_variance"]
    assert network.n_trainable == 12 + 4 + 4 + 4 + 8 + 2 and network.count_params() == network.n_trainable + 8
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(40, 3)).astype(np.float32), rng.normal(size=(40, 2)).astype(np.float32)
    loop = TrainingLoop(network, Objective(network, "mse"), optimizers.Adam(0.01), x, y, batch_size=8,
                        shuffle=False)
    assert FusedDenseTrainer.create(loop) is None  # not a plain dense chain: the layer path trains it
    assert loop.optimizer.segments[-1] == network.n_trainable
    before = network.weight_dict()
    report = loop.step("epoch")
    assert report.epoch_finished and np.isfinite(report.loss)
    after = network.weight_dict()
    for name in names:
        assert not np.array_equal(before[name], after[name]), f"{name} did not change"


def test_summary_counts_non_trainable_parameters():
    from engine import keras as ek

    model = ek.Sequential([ek.Input(shape=(3,)), ek.layers.Dense(4), ek.layers.BatchNormalization(),
                           ek.layers.Dense(2)])
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    text = lines[0]
    assert "Total params: 42 (168.00 B)" in text
    assert "Trainable params: 34 (136.00 B)" in text
    assert "Non-trainable params: 8 (32.00 B)" in text


def test_save_and_load_keep_the_moving_statistics(tmp_path):
    from engine import keras as ek

    rng = np.random.default_rng(7)
    x, y = rng.normal(size=(32, 3)).astype(np.float32), rng.normal(size=(32, 1)).astype(np.float32)
    model = ek.Sequential([ek.Input(shape=(3,)), ek.layers.Dense(4, activation="relu"),
                           ek.layers.BatchNormalization(momentum=0.5), ek.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    moving_mean = model.layers[1].get_weights()[2]
    assert np.any(moving_mean != 0)
    model.save(tmp_path / "bn.ntl")
    loaded = ek.models.load_model(tmp_path / "bn.ntl")
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    model.save_weights(tmp_path / "bn.weights.h5")
    fresh = ek.Sequential([ek.Input(shape=(3,)), ek.layers.Dense(4, activation="relu"),
                           ek.layers.BatchNormalization(momentum=0.5), ek.layers.Dense(1)])
    fresh.load_weights(tmp_path / "bn.weights.h5")
    for a, b in zip(model.get_weights(), fresh.get_weights()):
        np.testing.assert_array_equal(a, b)


# -- Keras reference --------------------------------------------------------------------------------------------
def _build(bn_config: dict, sample_shape=(5,)):
    def build(k):
        inputs = k.Input(shape=sample_shape, name="x")
        hidden = k.layers.Dense(6, activation="relu", name="hidden")(inputs)
        normalized = k.layers.BatchNormalization(name="bn", **bn_config)(hidden)
        if len(sample_shape) > 1:
            normalized = k.layers.Flatten(name="flat")(normalized)
        return k.Model(inputs=inputs, outputs=k.layers.Dense(3, activation="softmax", name="out")(normalized))

    return build


BN_CASES = {
    "defaults": ({}, (5,)),
    "momentum-epsilon-no-center": ({"momentum": 0.8, "epsilon": 0.01, "center": False}, (5,)),
    "no-scale-initializers": ({"scale": False, "beta_initializer": "random_normal",
                               "moving_variance_initializer": "random_uniform"}, (5,)),
    "axis-1-of-3d": ({"axis": 1, "momentum": 0.5}, (4, 5)),
    "frozen": ({"trainable": False}, (5,)),
}


def _randomize_statistics(model, seed: int) -> None:
    """Moving statistics away from 0/1, so inference mode is really tested."""
    rng = np.random.default_rng(seed)
    layer = model.get_layer("bn")
    values = [np.asarray(w.numpy()) for w in layer.weights]
    values[-2] = rng.normal(size=values[-2].shape).astype(np.float32)
    values[-1] = rng.uniform(0.5, 2.0, size=values[-1].shape).astype(np.float32)
    layer.set_weights(values)


@pytest.mark.reference
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("case", list(BN_CASES))
def test_matches_keras_forward_in_both_modes_gradients_and_ten_adam_steps(case):
    keras, ek = keras_modules()
    import torch

    config, sample_shape = BN_CASES[case]
    build = _build(config, sample_shape)

    def twins_with_statistics():
        def build_randomized(k):
            model = build(k)
            if k is keras:
                _randomize_statistics(model, 8)
            return model

        return twins(build_randomized)

    rng = np.random.default_rng(9)
    x = rng.normal(size=(50,) + sample_shape).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 50)]
    theirs, ours = twins_with_statistics()
    # Inference mode: the moving statistics normalize.
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=RTOL, atol=ATOL)
    # Training mode: the batch's statistics normalize, and the moving ones follow them.
    their_out = theirs(torch.as_tensor(x[:20]), training=True).detach().numpy()
    np.testing.assert_allclose(ours(x[:20], training=True), their_out, rtol=RTOL, atol=ATOL)
    assert_same_weights(theirs, ours)

    theirs, ours = twins_with_statistics()
    theirs.compile(optimizer=keras.optimizers.Adam(0.01), loss="categorical_crossentropy")
    ours.compile(optimizer=ek.optimizers.Adam(0.01), loss="categorical_crossentropy")
    assert_same_gradients(theirs, ours, x[:16], y[:16])

    theirs, ours = twins_with_statistics()
    theirs.compile(optimizer=keras.optimizers.Adam(0.01), loss="categorical_crossentropy")
    ours.compile(optimizer=ek.optimizers.Adam(0.01), loss="categorical_crossentropy")
    their_history = theirs.fit(x, y, batch_size=10, epochs=2, shuffle=False, verbose=0)
    our_history = ours.fit(x, y, batch_size=10, epochs=2, shuffle=False, verbose=0)
    assert ours.optimizer.iterations == 10
    assert_same_weights(theirs, ours)  # gamma, beta, moving_mean and moving_variance included
    np.testing.assert_allclose(our_history.history["loss"], their_history.history["loss"], rtol=RTOL)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=RTOL, atol=ATOL)
