"""Constraints: Keras' formulas (checked against Keras), in-place application on views, configs, lookup."""
from __future__ import annotations

import numpy as np
import pytest

from engine import constraints as C

CONSTRAINTS = [C.MaxNorm(), C.MaxNorm(max_value=0.5, axis=1), C.NonNeg(), C.UnitNorm(),
               C.UnitNorm(axis=[0, 1, 2]), C.MinMaxNorm(),
               C.MinMaxNorm(min_value=0.8, max_value=1.5, rate=0.5, axis=[0, 1, 2]),
               C.MaxNorm(max_value=1.0, axis=[0, 1, 2])]


def _weights(shape, seed=0):
    w = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    w[..., 0] = 0.0  # an all-zero slice: the epsilon must keep it at zero
    return w


def _shape_for(constraint):
    axis = getattr(constraint, "axis", 0)
    return (3, 3, 4, 5) if isinstance(axis, list) else (6, 5)


def test_formulas():
    w = np.array([[3.0, 0.1], [4.0, 0.0]], dtype=np.float32)  # column norms 5 and 0.1
    np.testing.assert_allclose(C.MaxNorm(2.0)(w), [[1.2, 0.1], [1.6, 0.0]], rtol=1e-6)
    np.testing.assert_allclose(C.UnitNorm()(w), [[0.6, 1.0], [0.8, 0.0]], rtol=1e-5)
    np.testing.assert_allclose(C.MinMaxNorm(0.5, 1.0)(w), [[0.6, 0.5], [0.8, 0.0]], rtol=1e-5)
    np.testing.assert_allclose(C.MinMaxNorm(0.5, 1.0, rate=0.5)(w), [[1.8, 0.3], [2.4, 0.0]], rtol=1e-5)
    np.testing.assert_array_equal(C.NonNeg()(np.array([-1.0, 0.0, 2.0])), [0.0, 0.0, 2.0])
    np.testing.assert_array_equal(C.MaxNorm()(np.zeros((3, 2), np.float32)), np.zeros((3, 2)))


@pytest.mark.parametrize("constraint", CONSTRAINTS, ids=repr)
def test_call_copies_and_apply_works_in_place_on_a_view(constraint):
    shape = _shape_for(constraint)
    size = int(np.prod(shape))
    w = _weights(shape)
    expected = constraint(w)
    np.testing.assert_array_equal(w, _weights(shape))  # __call__ leaves its input alone
    buffer = np.zeros(size + 20, dtype=np.float32)  # weights live in a flat buffer, as in a Network
    view = buffer[10:10 + size].reshape(shape)
    view[...] = w
    result = constraint.apply_(view)
    assert result is view
    np.testing.assert_array_equal(buffer[10:10 + size].reshape(shape), expected)
    assert not buffer[:10].any() and not buffer[10 + size:].any()


def test_apply_on_a_non_contiguous_view():
    buffer = np.arange(24, dtype=np.float32).reshape(4, 6) - 10
    view = buffer[:, ::2]
    expected = C.MaxNorm(1.0)(view)
    C.MaxNorm(1.0).apply_(view)
    np.testing.assert_array_equal(buffer[:, ::2], expected)
    untouched = (np.arange(24, dtype=np.float32).reshape(4, 6) - 10)[:, 1::2]
    np.testing.assert_array_equal(buffer[:, 1::2], untouched)


def test_result_norms():
    w = _weights((10, 6), seed=2) * 5
    norms = np.linalg.norm(C.MaxNorm(2.0)(w), axis=0)
    assert np.all(norms <= 2.0 + 1e-5)
    np.testing.assert_allclose(np.linalg.norm(C.UnitNorm()(w), axis=0)[1:], 1.0, rtol=1e-5)
    bounded = np.linalg.norm(C.MinMaxNorm(1.0, 3.0)(w), axis=0)[1:]
    assert np.all((bounded >= 1.0 - 1e-5) & (bounded <= 3.0 + 1e-5))


def test_get_and_aliases():
    assert C.get(None) is None
    assert isinstance(C.get("max_norm"), C.MaxNorm) and isinstance(C.get("MaxNorm"), C.MaxNorm)
    assert isinstance(C.get("non_neg"), C.NonNeg) and isinstance(C.get("unit_norm"), C.UnitNorm)
    assert C.get({"class_name": "MinMaxNorm", "config": {"max_value": 4.0}}).max_value == 4.0
    instance = C.UnitNorm(axis=1)
    assert C.get(instance) is instance
    assert C.max_norm is C.MaxNorm and C.non_neg is C.NonNeg and C.min_max_norm is C.MinMaxNorm
    with pytest.raises(ValueError, match="max_norm"):  # the message lists the valid names
        C.get("maxnorm")
    with pytest.raises(ValueError, match="floating"):
        C.MaxNorm().apply_(np.ones((2, 2), dtype=np.int32))


@pytest.mark.parametrize("constraint", CONSTRAINTS, ids=repr)
def test_config_round_trip(constraint):
    clone = type(constraint).from_config(constraint.get_config())
    assert clone.get_config() == constraint.get_config()
    assert C.get(C.serialize(constraint)).get_config() == constraint.get_config()


# -- against Keras ---------------------------------------------------------------------------------------
@pytest.mark.reference
@pytest.mark.parametrize("constraint", CONSTRAINTS, ids=repr)
def test_matches_keras(constraint):
    keras = pytest.importorskip("keras")
    theirs = getattr(keras.constraints, type(constraint).__name__).from_config(constraint.get_config())
    w = _weights(_shape_for(constraint), seed=5) * 3
    # The torch backend returns torch tensors; .numpy() avoids Keras' own numpy-2 deprecation warning.
    expected = theirs(keras.ops.convert_to_tensor(w)).detach().cpu().numpy()
    ours = constraint(w)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-7)
    in_place = w.copy()
    constraint.apply_(in_place)
    np.testing.assert_allclose(in_place, expected, rtol=1e-4, atol=1e-7)
    assert C.get(keras.constraints.serialize(theirs)).get_config() == theirs.get_config()
