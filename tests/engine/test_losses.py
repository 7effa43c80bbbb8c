"""Losses: gradient checks, kernel vs numpy twins, Keras 3 (torch backend) values and autograd, stability."""
import numpy as np
import pytest

from engine import losses
from engine.kernels import losses as kl
from tests.engine.gradcheck import assert_gradients_close, numerical_gradient

N, M = 4, 3


def _case(name, rng, dtype=np.float64):
    """(loss, y_pred, y_true) with y_pred away from every kink and clip bound of that loss."""
    if name in ("binary_crossentropy", "categorical_crossentropy"):
        y_pred = rng.uniform(0.05, 0.95, size=(N, M))
        y_true = rng.integers(0, 2, size=(N, M)).astype(float)
    elif name == "sparse_categorical_crossentropy":
        y_pred = rng.uniform(0.05, 0.95, size=(N, M))
        y_true = rng.integers(0, M, size=N)
    else:
        y_true = rng.normal(size=(N, M))
        offset = rng.choice([-1.0, 1.0], size=(N, M)) * rng.uniform(0.1, 0.6, size=(N, M))
        offset[0, :2] = [1.7, -2.4]  # Huber's linear part (|e| > delta = 1)
        y_pred = y_true + offset  # |e| >= 0.1: no MAE kink, and |e| never equals delta
    return losses.get(name), y_pred.astype(dtype), y_true


@pytest.mark.gradcheck
@pytest.mark.parametrize("name", losses.LOSS_NAMES)
def test_gradient_check(name):
    loss, y_pred, y_true = _case(name, np.random.default_rng(1))
    _, grad = loss.value_and_grad(y_pred, y_true)
    numeric = numerical_gradient(lambda: loss.value_and_grad(y_pred, y_true)[0], y_pred)
    assert_gradients_close(grad, numeric, rtol=1e-5, atol=1e-8)


@pytest.mark.gradcheck
@pytest.mark.parametrize(
    "loss",
    [losses.BinaryCrossentropy(), losses.CategoricalCrossentropy(), losses.SparseCategoricalCrossentropy(),
     losses.BinaryCrossentropy(label_smoothing=0.2), losses.CategoricalCrossentropy(label_smoothing=0.3)],
    ids=repr,
)
def test_fused_logits_gradient_check(loss):
    rng = np.random.default_rng(2)
    z = rng.normal(scale=3.0, size=(N, M))
    if loss.sparse:
        y = rng.integers(0, M, size=N)
    else:  # soft targets whose rows do not sum to 1 exercise the p * sum(y) - y form
        y = rng.uniform(size=(N, M))
    _, grad = loss.value_and_grad_logits(z, y)
    numeric = numerical_gradient(lambda: loss.value_and_grad_logits(z, y)[0], z)
    assert_gradients_close(grad, numeric, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", losses.LOSS_NAMES)
def test_kernel_matches_numpy_twin(name, dtype):
    loss, y_pred, y_true = _case(name, np.random.default_rng(3), dtype)
    pred, true = loss.prepare(y_pred, y_true)
    value, _ = loss.value_and_grad(y_pred, y_true)
    rtol = 1e-6 if dtype == np.float32 else 1e-12
    assert value == pytest.approx(kl.loss_value_numpy(loss.code, pred, true, loss.delta), rel=rtol)


@pytest.mark.parametrize("sparse", [False, True])
def test_fused_kernels_match_numpy_twins(sparse):
    rng = np.random.default_rng(4)
    z = rng.normal(scale=4.0, size=(N, M))
    y = rng.integers(0, M, size=(N, 1)).astype(float) if sparse else rng.uniform(size=(N, M))
    grad = np.empty_like(z)
    value = kl.softmax_ce_from_logits(z, y, grad, sparse)
    ref_value, ref_grad = kl.softmax_ce_from_logits_numpy(z, y, sparse)
    assert value == pytest.approx(ref_value, rel=1e-12)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-12, atol=1e-15)
    if not sparse:
        value = kl.sigmoid_bce_from_logits(z, y, grad)
        ref_value, ref_grad = kl.sigmoid_bce_from_logits_numpy(z, y)
        assert value == pytest.approx(ref_value, rel=1e-12)
        np.testing.assert_allclose(grad, ref_grad, rtol=1e-12, atol=1e-15)


# ---------------------------------------------------------------------------------------------------------
# Keras reference (float32)

PROBS = np.array([[0.0, 0.3, 1.0], [0.2, 1e-9, 0.999], [0.6, 0.5, 0.05], [1.0, 0.7, 0.1]], dtype=np.float32)
LABELS01 = np.array([[1, 0, 0], [0, 1, 1], [1, 1, 0], [0, 1, 0]], dtype=np.float32)
ONE_HOT = np.eye(M, dtype=np.float32)[[1, 2, 0, 0]]
REGRESSION_TRUE = np.array([[0.5, -1.0, 2.0], [0.0, 0.3, 1.0], [3.0, -2.0, 0.1], [1.0, 1.0, 1.0]], np.float32)
REGRESSION_PRED = REGRESSION_TRUE + np.array([[0.3, -1.5, 0.2], [2.0, 0.1, -0.4], [-0.7, 0.05, 1.2],
                                              [0.9, -0.2, 3.0]], np.float32)
LOGITS = np.array([[2.0, -1.0, 0.5], [30.0, -30.0, 0.0], [-0.3, 0.2, 4.0], [1.0, 1.5, -2.0]], np.float32)

KERAS_CASES = [  # (our loss, Keras class name, kwargs, y_true, y_pred); saturated probabilities included
    (losses.MeanSquaredError(), "MeanSquaredError", {}, REGRESSION_TRUE, REGRESSION_PRED),
    (losses.MeanAbsoluteError(), "MeanAbsoluteError", {}, REGRESSION_TRUE, REGRESSION_PRED),
    (losses.Huber(), "Huber", {}, REGRESSION_TRUE, REGRESSION_PRED),
    (losses.Huber(delta=0.5), "Huber", {"delta": 0.5}, REGRESSION_TRUE, REGRESSION_PRED),
    (losses.BinaryCrossentropy(), "BinaryCrossentropy", {}, LABELS01, PROBS),
    (losses.BinaryCrossentropy(label_smoothing=0.1), "BinaryCrossentropy", {"label_smoothing": 0.1}, LABELS01,
     PROBS),
    (losses.BinaryCrossentropy(from_logits=True), "BinaryCrossentropy", {"from_logits": True}, LABELS01, LOGITS),
    (losses.CategoricalCrossentropy(), "CategoricalCrossentropy", {}, ONE_HOT, PROBS + 0.01),
    (losses.CategoricalCrossentropy(), "CategoricalCrossentropy", {}, ONE_HOT, np.eye(M, dtype=np.float32)[
        [1, 0, 0, 2]]),
    (losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2), "CategoricalCrossentropy",
     {"from_logits": True, "label_smoothing": 0.2}, ONE_HOT, LOGITS),
    (losses.SparseCategoricalCrossentropy(), "SparseCategoricalCrossentropy", {}, np.array([1, 2, 0, 0]),
     PROBS + 0.01),
    (losses.SparseCategoricalCrossentropy(from_logits=True), "SparseCategoricalCrossentropy",
     {"from_logits": True}, np.array([[1], [2], [0], [0]]), LOGITS),
]


@pytest.mark.reference
@pytest.mark.parametrize("case", KERAS_CASES, ids=lambda c: f"{c[1]}{c[2]}")
def test_value_and_gradient_match_keras(case):
    keras = pytest.importorskip("keras")
    torch = pytest.importorskip("torch")
    ours, keras_name, kwargs, y_true, y_pred = case
    x = torch.tensor(y_pred, requires_grad=True)
    expected = getattr(keras.losses, keras_name)(**kwargs)(torch.tensor(y_true), x)
    expected.backward()
    value, grad = ours.value_and_grad(y_pred, y_true)
    assert grad.dtype == np.float32
    assert value == pytest.approx(float(expected.detach()), rel=1e-4)
    np.testing.assert_allclose(grad, x.grad.numpy(), rtol=1e-4, atol=1e-7)


@pytest.mark.reference
def test_rmse_matches_torch_autograd():
    torch = pytest.importorskip("torch")
    x = torch.tensor(REGRESSION_PRED, requires_grad=True)
    expected = torch.sqrt(torch.mean((x - torch.tensor(REGRESSION_TRUE)) ** 2))
    expected.backward()
    value, grad = losses.get("rmse").value_and_grad(REGRESSION_PRED, REGRESSION_TRUE)
    assert value == pytest.approx(float(expected.detach()), rel=1e-5)
    np.testing.assert_allclose(grad, x.grad.numpy(), rtol=1e-5, atol=1e-8)


@pytest.mark.reference
@pytest.mark.parametrize("activation, loss", [("sigmoid", losses.BinaryCrossentropy()),
                                              ("softmax", losses.CategoricalCrossentropy()),
                                              ("softmax", losses.SparseCategoricalCrossentropy())])
def test_fused_form_equals_keras_activation_then_loss(activation, loss):
    """Without saturation, activation + Keras loss (autograd through both) equals our fused logits form."""
    keras = pytest.importorskip("keras")
    torch = pytest.importorskip("torch")
    z = LOGITS[[0, 2, 3]]
    y_true = np.array([1, 2, 0]) if loss.sparse else (ONE_HOT[:3] if activation == "softmax" else LABELS01[:3])
    keras_loss = {"binary_crossentropy": keras.losses.BinaryCrossentropy,
                  "categorical_crossentropy": keras.losses.CategoricalCrossentropy,
                  "sparse_categorical_crossentropy": keras.losses.SparseCategoricalCrossentropy}[loss.name]()
    x = torch.tensor(z, requires_grad=True)
    expected = keras_loss(torch.tensor(y_true), getattr(keras.activations, activation)(x))
    expected.backward()
    assert loss.uses_logits_with(activation)
    value, grad = loss.value_and_grad_logits(z, y_true)
    assert value == pytest.approx(float(expected.detach()), rel=1e-4)
    np.testing.assert_allclose(grad, x.grad.numpy(), rtol=1e-4, atol=1e-7)


@pytest.mark.reference
@pytest.mark.parametrize("fn, kwargs, y_true, y_pred", [
    ("mean_squared_error", {}, REGRESSION_TRUE, REGRESSION_PRED),
    ("mean_absolute_error", {}, REGRESSION_TRUE[:, 0], REGRESSION_PRED[:, :1]),
    ("huber", {"delta": 0.7}, REGRESSION_TRUE, REGRESSION_PRED),
    ("binary_crossentropy", {}, LABELS01, PROBS),
    ("binary_crossentropy", {"from_logits": True}, LABELS01[:, 0], LOGITS[:, 0]),
    ("categorical_crossentropy", {"label_smoothing": 0.1}, ONE_HOT, PROBS + 0.01),
    ("sparse_categorical_crossentropy", {"from_logits": True}, np.array([1, 2, 0, 0]), LOGITS),
])
def test_per_sample_functions_match_keras(fn, kwargs, y_true, y_pred):
    keras = pytest.importorskip("keras")
    torch = pytest.importorskip("torch")
    expected = getattr(keras.losses, fn)(torch.tensor(y_true), torch.tensor(y_pred), **kwargs).numpy()
    ours = getattr(losses, fn)(y_true, y_pred, **kwargs)
    assert ours.shape == expected.shape
    np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-7)


# ---------------------------------------------------------------------------------------------------------
# Stability, shapes, names and target checks


def test_bce_at_zero_and_one_is_finite_and_right():
    p = np.array([[0.0], [1.0], [0.0], [1.0]], dtype=np.float32)
    t = np.array([[1.0], [0.0], [0.0], [1.0]], dtype=np.float32)
    rows = losses.binary_crossentropy(t, p)
    lo, hi = np.float32(1e-7), np.float32(1 - 1e-7)  # Keras' clip bounds in float32
    np.testing.assert_allclose(rows, [-np.log(lo), -np.log(1 - np.float64(hi)), -np.log1p(-lo), -np.log(hi)],
                               rtol=1e-6)
    value, grad = losses.BinaryCrossentropy().value_and_grad(p, t)
    assert np.isfinite(value) and np.all(grad == 0)  # clipped: no gradient flows, as with autograd


def test_fused_forms_with_huge_logits():
    z = np.array([[1000.0, 0.0, -1000.0]], dtype=np.float32)
    value, grad = losses.SparseCategoricalCrossentropy().value_and_grad_logits(z, [2])
    assert value == pytest.approx(2000.0)
    np.testing.assert_allclose(grad, [[1.0, 0.0, -1.0]], atol=1e-6)
    value, grad = losses.CategoricalCrossentropy(from_logits=True).value_and_grad(z, [[1.0, 0.0, 0.0]])
    assert value == 0.0 and np.all(np.isfinite(grad))
    value, grad = losses.BinaryCrossentropy(from_logits=True).value_and_grad(z, [[0.0, 1.0, 1.0]])
    assert value == pytest.approx((1000.0 + np.log(2.0) + 1000.0) / 3)
    np.testing.assert_allclose(grad, [[1 / 3, -1 / 6, -1 / 3]], rtol=1e-6)


def test_rmse_gradient_at_perfect_fit_is_zero():
    value, grad = losses.get("RMSE").value_and_grad(np.ones((2, 2)), np.ones((2, 2)))
    assert value == 0.0 and np.all(grad == 0.0)


def test_shapes_dtype_and_grad_out():
    loss = losses.MeanSquaredError()
    y = np.arange(4.0, dtype=np.float32)
    assert loss(y, y[:, None] + 1) == pytest.approx(1.0)  # Keras expands (n,) targets to (n, 1)
    buffer = np.empty((4, 1), np.float32)
    _, grad = loss.value_and_grad(y[:, None] + 1, y, grad_out=buffer)
    assert grad is buffer and np.allclose(buffer, 0.5)
    assert loss.value_and_grad(np.zeros(3, dtype=np.int64), np.ones(3))[1].dtype == np.float32
    with pytest.raises(ValueError, match=r"grad_out must be a C-contiguous float32 array of shape \(4, 1\)"):
        loss.value_and_grad(y[:, None], y, grad_out=np.empty((4, 1)))
    with pytest.raises(ValueError, match=r"targets of shape \(4, 2\) do not fit predictions of shape \(4, 3\)"):
        loss(np.zeros((4, 2)), np.zeros((4, 3)))
    pred, labels = losses.SparseCategoricalCrossentropy().prepare(np.zeros((4, 3)), [[0], [1], [2], [0]])
    assert labels.shape == (4, 1) and pred.shape == (4, 3)


def test_names_get_and_config():
    assert isinstance(losses.get("mse"), losses.MeanSquaredError)
    assert isinstance(losses.get("Mean_Absolute_Error"), losses.MeanAbsoluteError)
    assert isinstance(losses.get("BinaryCrossentropy"), losses.BinaryCrossentropy)
    assert isinstance(losses.get(losses.Huber), losses.Huber)
    bce = losses.BinaryCrossentropy(from_logits=True)
    assert losses.get(bce) is bce and not bce.uses_logits_with("sigmoid")
    assert losses.get("huber").get_config() == {"name": "huber_loss", "reduction": "sum_over_batch_size",
                                                  "delta": 1.0}
    config = losses.CategoricalCrossentropy(label_smoothing=0.1).get_config()
    assert config == {"name": "categorical_crossentropy", "reduction": "sum_over_batch_size",
                      "from_logits": False, "label_smoothing": 0.1, "axis": -1}
    assert losses.CategoricalCrossentropy.from_config(config).label_smoothing == 0.1
    assert [losses.get(n).fuses_with for n in losses.LOSS_NAMES] == [
        None, None, None, "sigmoid", "softmax", "softmax", None]
    with pytest.raises(ValueError, match=r"unknown loss 'hinge'; choose one of: mean_squared_error"):
        losses.get("hinge")
    with pytest.raises(ValueError, match="no logits form"):
        losses.get("mse").value_and_grad_logits(np.zeros((1, 1)), np.zeros((1, 1)))
    with pytest.raises(ValueError, match="reduction 'sum' is not supported"):
        losses.MeanSquaredError(reduction="sum")
    with pytest.raises(NotImplementedError):
        losses.SparseCategoricalCrossentropy(ignore_class=0)


@pytest.mark.parametrize("name, y_true, n_outputs, n_samples, message", [
    ("sparse_categorical_crossentropy", [0.0, 1.5, 2.0], 3, None, r"whole numbers .* found 1.5"),
    ("sparse_categorical_crossentropy", [0, 1, 3], 3, None, r"must lie in \[0, 3\) because .* 3 unit\(s\); found 3"),
    ("sparse_categorical_crossentropy", [-1, 1, 0], 3, None, r"found -1"),
    ("sparse_categorical_crossentropy", [0, 1], 1, None, r"found 1; with one sigmoid unit use binary_cross"),
    ("sparse_categorical_crossentropy", np.eye(3), 3, None, r"shape \(n,\) or \(n, 1\).*categorical_crossentropy"),
    ("categorical_crossentropy", np.eye(4), 3, None, r"4 column\(s\) but the output layer has 3 unit\(s\)"),
    ("categorical_crossentropy", [0, 1, 2], 3, None, "look like class labels"),
    ("binary_crossentropy", [0, 1, 2], 1, None, r"must lie in \[0, 1\].*found 2"),
    ("mse", [[1.0], [np.nan]], 1, None, r"NaN or infinite values \(first in row 1\)"),
    ("mse", [1.0, np.inf], 1, None, "NaN or infinite"),
    ("mse", [1.0, 2.0], 1, 3, "targets have 2 rows but the inputs have 3"),
    ("mse", ["a", "b"], 1, None, "targets must be numbers"),
])
def test_check_targets_messages(name, y_true, n_outputs, n_samples, message):
    with pytest.raises(ValueError, match=message):
        losses.get(name).check_targets(np.asarray(y_true), n_outputs, n_samples)


def test_check_targets_accepts_good_targets():
    losses.get("sparse_categorical_crossentropy").check_targets(np.array([[0], [2]]), 3, 2)
    losses.get("categorical_crossentropy").check_targets(np.eye(3), 3, 3)
    losses.get("binary_crossentropy").check_targets(np.array([0.0, 1.0, 0.3]), 1)
    losses.get("mse").check_targets(np.zeros((5, 2)), 2, 5)


@pytest.mark.parametrize("loss", [losses.Huber(delta=0.3), losses.BinaryCrossentropy(from_logits=True),
                                  losses.CategoricalCrossentropy(label_smoothing=0.2),
                                  losses.SparseCategoricalCrossentropy(name="scce"), losses.get("rmse")],
                         ids=repr)
def test_get_rebuilds_a_saved_config(loss):
    clone = losses.get({"class_name": type(loss).__name__, "config": loss.get_config()})
    assert type(clone) is type(loss) and clone is not loss
    assert clone.get_config() == loss.get_config()
