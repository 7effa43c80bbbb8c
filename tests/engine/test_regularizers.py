"""Regularizers: Keras' penalty formulas, their gradients (float64 central differences), configs, lookup."""
from __future__ import annotations

import numpy as np
import pytest

from engine import regularizers as R
from tests.engine.gradcheck import assert_gradients_close, numerical_gradient

REGULARIZERS = [R.L1(0.3), R.L2(0.1), R.L1L2(l1=0.01, l2=0.02), R.L1L2(l1=0.05), R.L1L2(l2=0.05)]


def _away_from_zero(shape, seed=0):
    """Values with |w| >= 0.1, where |w| is differentiable and central differences are exact enough."""
    rng = np.random.default_rng(seed)
    return rng.uniform(0.1, 1.0, shape) * rng.choice([-1.0, 1.0], shape)


def test_penalty_values():
    w = np.array([[1.0, -2.0], [0.0, 3.0]], dtype=np.float32)
    assert R.L1(0.1)(w) == pytest.approx(0.6)
    assert R.L2(0.1)(w) == pytest.approx(1.4)  # no 1/2 factor
    assert R.L1L2(l1=0.1, l2=0.1)(w) == pytest.approx(2.0)
    assert R.L1L2()(w) == 0.0
    assert R.L2()(np.ones((5, 5))) == pytest.approx(0.25)  # default factor 0.01
    assert isinstance(R.L1()(w), float)


@pytest.mark.gradcheck
@pytest.mark.parametrize("regularizer", REGULARIZERS, ids=repr)
def test_gradient_matches_central_differences(regularizer):
    w = _away_from_zero((4, 3))
    analytic = regularizer.gradient(w, np.zeros_like(w))
    numeric = numerical_gradient(lambda: regularizer(w), w)
    assert_gradients_close(analytic, numeric)


@pytest.mark.gradcheck
def test_gradient_adds_into_out_and_returns_it():
    w = _away_from_zero((3, 2), seed=1)
    out = np.full_like(w, 5.0)
    result = R.L1L2(l1=0.1, l2=0.2).gradient(w, out)
    assert result is out
    np.testing.assert_allclose(out, 5.0 + 0.1 * np.sign(w) + 0.4 * w)


def test_l1_subgradient_at_zero_is_zero():
    out = R.L1(0.5).gradient(np.array([0.0, 2.0, -1.0]), np.zeros(3))
    np.testing.assert_array_equal(out, [0.0, 0.5, -0.5])


def test_gradient_checks_shapes():
    with pytest.raises(ValueError, match="shape"):
        R.L2().gradient(np.zeros((2, 3)), np.zeros((3, 2)))


def test_bad_factors():
    for bad in (-0.1, float("nan"), float("inf"), "0.1"):
        with pytest.raises(ValueError, match="non-negative"):
            R.L1(bad)
        with pytest.raises(ValueError, match="non-negative"):
            R.L1L2(l2=bad)
    assert R.L1(None).l1 == 0.01 and R.L1L2(None, None).get_config() == {"l1": 0.0, "l2": 0.0}


def test_get_and_aliases():
    assert R.get(None) is None
    assert R.get("l1").get_config() == {"l1": 0.01}
    assert R.get("l2").get_config() == {"l2": 0.01}
    assert R.get("l1_l2").get_config() == {"l1": 0.01, "l2": 0.01}  # Keras' documented string default
    assert R.get("L1L2").get_config() == {"l1": 0.0, "l2": 0.0}  # class name: constructor defaults
    assert R.get({"class_name": "L2", "config": {"l2": 0.5}}).l2 == 0.5
    instance = R.L1(0.2)
    assert R.get(instance) is instance
    assert isinstance(R.get(R.L2), R.L2)
    assert R.l1 is R.L1 and R.l2 is R.L2 and R.l1_l2 is R.L1L2
    assert R.l2(0.3).l2 == 0.3
    with pytest.raises(ValueError, match="l1_l2"):  # the message lists the valid names
        R.get("l3")
    with pytest.raises(ValueError, match="cannot interpret"):
        R.get(0.01)


@pytest.mark.parametrize("regularizer", REGULARIZERS, ids=repr)
def test_config_round_trip(regularizer):
    clone = type(regularizer).from_config(regularizer.get_config())
    assert clone.get_config() == regularizer.get_config()
    assert R.get(R.serialize(regularizer)).get_config() == regularizer.get_config()


# -- against Keras ---------------------------------------------------------------------------------------
KERAS_CASES = [("L1", {"l1": 0.3}), ("L2", {"l2": 0.1}), ("L1L2", {"l1": 0.01, "l2": 0.02}),
               ("L1L2", {"l1": 0.05}), ("L2", {})]


@pytest.mark.reference
@pytest.mark.parametrize("name, arguments", KERAS_CASES)
def test_penalty_and_gradient_match_keras(name, arguments):
    keras = pytest.importorskip("keras")
    torch = pytest.importorskip("torch")
    w = np.random.default_rng(3).standard_normal((17, 9)).astype(np.float32)
    w[0, :3] = 0.0  # Keras/torch also use 0 as the subgradient of |w| at 0
    theirs = getattr(keras.regularizers, name)(**arguments)
    ours = getattr(R, name)(**arguments)
    tensor = torch.tensor(w, requires_grad=True)
    penalty = theirs(tensor)
    penalty.backward()
    assert ours(w) == pytest.approx(float(penalty.detach()), rel=1e-4)
    gradient = ours.gradient(w, np.zeros_like(w))
    assert gradient.dtype == np.float32
    np.testing.assert_allclose(gradient, tensor.grad.numpy(), rtol=1e-4, atol=1e-7)
    # Keras keeps L1's factor as a float32 tensor, so its config holds 0.30000001192092896 for 0.3.
    assert ours.get_config() == pytest.approx(theirs.get_config(), rel=1e-7)
    assert R.get(keras.regularizers.serialize(theirs)).get_config() == pytest.approx(theirs.get_config())
