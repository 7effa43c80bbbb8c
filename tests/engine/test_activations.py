"""Activations: kernels vs numpy twins, gradient checks, Keras 3 (torch backend) reference, stability."""
import numpy as np
import pytest

from engine import activations as act
from engine.kernels import activations as kact
from tests.engine.gradcheck import assert_gradients_close, numerical_gradient

# Keras' own identifier for each of our names (step is ours only).
KERAS_NAME = {name: name for name in act.ACTIVATION_NAMES if name != "step"}
KERAS_NAME["swish"] = "silu"
KINKS = {"step": (0.0,), "relu": (0.0,), "leaky_relu": (0.0,), "elu": (0.0,), "selu": (0.0,),
         "hard_sigmoid": (-3.0, 3.0), "softsign": (0.0,)}


def _points_away_from_kinks(name, shape, rng, scale=3.0):
    z = rng.normal(scale=scale, size=shape)
    for kink in KINKS.get(name, ()):
        close = np.abs(z - kink) < 0.05
        z[close] += 0.1  # central differences straddling a kink would be meaningless
    return z


def test_names_and_codes_line_up():
    assert act.ACTIVATION_NAMES[kact.SOFTMAX] == "softmax"
    for code, name in enumerate(act.ACTIVATION_NAMES):
        assert act.get(name).code == code
        assert getattr(kact, name.upper()) == code


@pytest.mark.gradcheck
@pytest.mark.parametrize("name", act.ACTIVATION_NAMES)
def test_gradient_check(name):
    rng = np.random.default_rng(7)
    activation = act.get(name, alpha=0.3 if name in act.DEFAULT_ALPHA else None)
    z = _points_away_from_kinks(name, (3, 4), rng)
    weights = rng.normal(size=z.shape)  # L = sum(w * f(z)) so dL/da = w

    def loss():
        return float(np.sum(weights * activation.forward(z)))

    a = activation.forward(z)
    analytic = activation.backward(z, a, weights)
    assert_gradients_close(analytic, numerical_gradient(loss, z), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", act.ACTIVATION_NAMES)
def test_kernels_match_numpy_twins(name, dtype):
    rng = np.random.default_rng(3)
    activation = act.get(name)
    z = rng.normal(scale=4.0, size=(5, 6)).astype(dtype)
    grad_a = rng.normal(size=z.shape).astype(dtype)
    a = activation.forward(z)
    assert a.dtype == dtype
    tol = {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-13}
    np.testing.assert_allclose(a, activation.numpy_forward(z), **tol)
    np.testing.assert_allclose(activation.backward(z, a, grad_a), activation.numpy_backward(z, grad_a), **tol)
    if activation.is_elementwise:
        ones = np.ones_like(z)
        np.testing.assert_allclose(activation.backward(z, a, ones), activation.numpy_derivative(z), **tol)


@pytest.mark.reference
@pytest.mark.parametrize("name", sorted(KERAS_NAME))
def test_matches_keras_forward_and_autograd(name):
    keras = pytest.importorskip("keras")
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(11)
    z = rng.normal(scale=3.0, size=(6, 7)).astype(np.float32)
    z[0, :5] = [0.0, -3.0, 3.0, 1e-3, -1e-3]  # kinks included: derivative conventions must match torch
    grad_a = rng.normal(size=z.shape).astype(np.float32)

    x = torch.tensor(z, requires_grad=True)
    y = keras.activations.get(KERAS_NAME[name])(x)  # string lookup checks Keras' defaults too
    y.backward(torch.tensor(grad_a))

    activation = act.get(name)
    a = activation.forward(z)
    np.testing.assert_allclose(a, y.detach().numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(activation.backward(z, a, grad_a), x.grad.numpy(), rtol=1e-4, atol=1e-6)


@pytest.mark.reference
@pytest.mark.parametrize(
    "fn_name, kwargs",
    [("relu", {}), ("relu", {"negative_slope": 0.1}), ("relu", {"max_value": 1.5}),
     ("relu", {"threshold": 0.5, "negative_slope": 0.2, "max_value": 2.0}), ("relu6", {}),
     ("leaky_relu", {"negative_slope": 0.05}), ("elu", {"alpha": 0.5}), ("gelu", {"approximate": True}),
     ("gelu", {}), ("softmax", {"axis": 0}), ("silu", {}), ("swish", {}), ("hard_sigmoid", {})],
)
def test_keras_style_functions(fn_name, kwargs):
    keras = pytest.importorskip("keras")
    torch = pytest.importorskip("torch")
    z = np.random.default_rng(5).normal(scale=3.0, size=(4, 5)).astype(np.float32)
    expected = getattr(keras.activations, fn_name)(torch.tensor(z), **kwargs).numpy()
    ours = act.KERAS_FUNCTIONS[fn_name](z, **kwargs)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-6)


def test_step_is_heaviside():
    z = np.array([[-2.0, -1e-9, 0.0, 1e-9, 5.0]])
    step = act.get("heaviside")
    np.testing.assert_array_equal(step.forward(z), [[0, 0, 1, 1, 1]])
    np.testing.assert_array_equal(step.backward(z, step.forward(z), np.ones_like(z)), np.zeros_like(z))


def test_numerical_stability():
    for dtype in (np.float32, np.float64):
        s = act.softmax(np.array([1000.0, 999.0, 998.0], dtype=dtype))
        e = np.exp([0.0, -1.0, -2.0])
        np.testing.assert_allclose(s, e / e.sum(), rtol=1e-6)
        sig = act.sigmoid(np.array([-400.0, 400.0], dtype=dtype))
        assert np.all(np.isfinite(sig)) and float(sig[1]) == 1.0 and 0.0 <= float(sig[0]) < 1e-100
        np.testing.assert_array_equal(act.tanh(np.array([-100.0, 100.0], dtype=dtype)), [-1.0, 1.0])
        assert act.softplus(np.array([1000.0], dtype=dtype))[0] == 1000.0
        assert act.softplus(np.array([-1000.0], dtype=dtype))[0] == 0.0
        sw = act.get("swish")
        z = np.array([[-1000.0, 1000.0]], dtype=dtype)
        assert np.all(np.isfinite(sw.backward(z, sw.forward(z), np.ones_like(z))))


def test_softmax_backward_with_saturated_logits_is_finite():
    softmax = act.get("softmax")
    z = np.array([[1000.0, 0.0, -1000.0]], dtype=np.float32)
    a = softmax.forward(z)
    np.testing.assert_array_equal(a, [[1.0, 0.0, 0.0]])
    assert np.all(np.isfinite(softmax.backward(z, a, np.ones_like(z))))


def test_names_aliases_and_errors():
    assert act.canonical_name(None) == "linear"
    assert act.canonical_name("ReLU") == "relu"
    assert act.canonical_name(" SiLU ") == "swish"
    assert act.canonical_name("heaviside") == "step"
    assert act.canonical_name(act.leaky_relu) == "leaky_relu"
    assert act.get(None).name == "linear"
    with pytest.raises(ValueError, match=r"unknown activation 'foo'; choose one of: linear, step, sigmoid"):
        act.get("foo")
    with pytest.raises(ValueError, match="unknown activation"):
        act.get(42)


def test_alpha_defaults_and_overrides():
    assert act.get("leaky_relu").alpha == 0.2
    assert act.get("elu").alpha == 1.0
    assert act.get("leaky_relu", alpha=0.01).alpha == 0.01
    assert act.get("relu", alpha=0.5).alpha == 0.0  # ignored where it means nothing
    custom = act.get("elu", alpha=0.5)
    assert act.get(custom) is custom
    np.testing.assert_allclose(custom.forward(np.array([-1.0])), [0.5 * np.expm1(-1.0)])


def test_any_rank_in_place_and_dtypes():
    rng = np.random.default_rng(2)
    z = rng.normal(size=(2, 3, 4)).astype(np.float32)
    for name in ("tanh", "softmax"):
        activation = act.get(name)
        expected = activation.numpy_forward(z)
        np.testing.assert_allclose(activation.forward(z), expected, rtol=1e-6)
        np.testing.assert_allclose(activation.forward(z[:, ::2]), expected[:, ::2], rtol=1e-6)  # strided
        buffer = z.copy()
        assert activation.forward(buffer, out=buffer) is buffer
        np.testing.assert_allclose(buffer, expected, rtol=1e-6)
    assert act.relu(np.array([-1, 2])).dtype == np.float32  # integers become floatx, as in Keras
    assert act.relu(np.float64(3.0)).shape == ()
    assert act.tanh(np.zeros((0, 3))).shape == (0, 3)
    with pytest.raises(ValueError, match="out must be a C-contiguous float32 array of shape"):
        act.get("relu").forward(z, out=np.empty((2, 3, 4)))
