"""The layer harness, run over every registered layer: config round trip, shapes, and float64 gradient checks
of inputs and weights against central differences."""
import numpy as np
import pytest

from engine.layers import create_layer, layer_types
from tests.engine.gradcheck import assert_gradients_close, numerical_gradient
from tests.engine.layer_samples import SAMPLES

CASES = [(cls.type_name, index, sample) for cls in layer_types()
         for index, sample in enumerate(SAMPLES.get(cls.type_name, [None]))]


def _id(case):
    return f"{case[0]}-{case[1]}"


@pytest.mark.parametrize("type_name", [cls.type_name for cls in layer_types()])
def test_every_registered_layer_has_samples_and_metadata(type_name):
    assert SAMPLES.get(type_name), f"add samples for {type_name} in tests/engine/layer_samples.py"
    cls = create_layer(type_name, SAMPLES[type_name][0][0]).__class__
    assert cls.category and cls.icon and cls.description


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_config_round_trip(case):
    type_name, _, (config, _, _) = case
    layer = create_layer(type_name, config)
    again = type(layer).from_config(layer.get_config())
    assert again.get_config() == layer.get_config()
    assert type(again) is type(layer)


def _built(type_name, config, shapes, dtype):
    layer = create_layer(type_name, config)
    layer.build(shapes, np.random.default_rng(0), dtype=dtype)
    return layer


@pytest.mark.parametrize("case", [c for c in CASES if c[0] != "Input"], ids=_id)
def test_output_shape_matches_forward(case):
    type_name, _, (config, shapes, batch) = case
    layer = _built(type_name, config, shapes, np.float32)
    rng = np.random.default_rng(1)
    inputs = [rng.normal(size=(batch,) + tuple(shape)).astype(np.float32) for shape in shapes]
    out = layer.forward(inputs, training=False)
    assert out.shape == (batch,) + tuple(layer.compute_output_shape(shapes))
    assert out.dtype == np.float32


@pytest.mark.gradcheck
@pytest.mark.parametrize("case", [c for c in CASES if c[0] != "Input"], ids=_id)
def test_gradients_against_central_differences(case):
    type_name, _, (config, shapes, batch) = case
    layer = _built(type_name, config, shapes, np.float64)
    rng = np.random.default_rng(2)
    inputs = [rng.normal(size=(batch,) + tuple(shape)) for shape in shapes]
    weight = rng.normal(size=(batch,) + tuple(layer.compute_output_shape(shapes)))

    def forward():
        if hasattr(layer, "_own_rng") and layer.seed is not None:
            layer._own_rng = np.random.default_rng(layer.seed)  # the same dropout mask every call
        return layer.forward(inputs, training=True)

    def scalar():
        return float(np.sum(forward() * weight))

    forward()
    input_grads = layer.backward(weight.copy())
    weight_grads = {name: slot.grad.copy() for name, slot in layer.weights_by_name.items()}
    for array, analytic in zip(inputs, input_grads):
        assert_gradients_close(analytic, numerical_gradient(scalar, array))
    for name, slot in layer.weights_by_name.items():
        assert_gradients_close(weight_grads[name], numerical_gradient(scalar, slot.value), rtol=1e-5)
