"""Loss kernels: the mean loss and its gradient dL/dy_pred (or dL/dlogits) in one pass.

Shapes: y_pred, grad (n, m) C-contiguous; y_true (n, m), or (n, 1) holding integer class labels for the
sparse categorical cross-entropy (labels may be stored as floats or ints).

Keras 3 semantics (torch backend): each sample's loss is the mean over the last axis (the sum for the
categorical cross-entropies), the batch loss is the mean over samples ("sum_over_batch_size"). Probability
inputs are clipped to [1e-7, 1 - 1e-7] like Keras, with the bounds rounded to the array's dtype as torch
does, and the clip blocks the gradient outside those bounds, as autograd does.

The fused ``*_from_logits`` kernels take pre-activations z: they are exact at any saturation (log-sum-exp,
softplus), so their value equals Keras' only where Keras' clipping is not active (p inside [1e-7, 1-1e-7]).
A network ending in sigmoid + binary cross-entropy or softmax + categorical cross-entropy uses them.
"""
import math

import numpy as np

from engine.kernels._jit import kernel
from engine.kernels.activations import row_max, stable_sigmoid

MSE = 0
MAE = 1
HUBER = 2
BCE = 3
CCE = 4
SCCE = 5
RMSE = 6  # course loss, not Keras: sqrt of the mean squared error over all elements

KERAS_EPSILON = 1e-7  # keras.backend.epsilon()


@kernel
def _clip_probability(p, lo, hi):
    """(clipped p, whether the gradient passes): torch.clamp's gradient is 1 on the closed interval."""
    if p < lo:
        return lo, False
    if p > hi:
        return hi, False
    return p, True


@kernel
def _sign(e):
    return 1.0 if e > 0 else (-1.0 if e < 0 else 0.0)


@kernel
def _regression(code, y_pred, y_true, grad, delta):
    """MSE, MAE, Huber and RMSE: an elementwise term of e = y_pred - y_true, averaged over all elements."""
    n, m = y_pred.shape
    scale = 1.0 / (n * m)
    total = 0.0
    for i in range(n):
        for j in range(m):
            e = y_pred[i, j] - y_true[i, j]
            if code == MAE:
                total += abs(e)
                d = _sign(e)
            elif code == HUBER:
                abs_e = abs(e)
                if abs_e <= delta:
                    total += 0.5 * e * e
                    d = e
                else:
                    total += delta * abs_e - 0.5 * delta * delta
                    d = delta * _sign(e)
            else:
                total += e * e
                d = 2.0 * e
            grad[i, j] = d * scale
    value = total * scale
    if code == RMSE:
        root = math.sqrt(value)
        # d sqrt(v) = dv / (2 sqrt(v)); at a perfect fit the gradient is taken as 0 (no NaN)
        factor = 0.5 / root if root > 0 else 0.0
        for i in range(n):
            for j in range(m):
                grad[i, j] *= factor
        return root
    return value


@kernel
def _binary_crossentropy(y_pred, y_true, grad):
    n, m = y_pred.shape
    lo = y_pred.dtype.type(KERAS_EPSILON)
    hi = y_pred.dtype.type(1.0 - KERAS_EPSILON)
    scale = 1.0 / (n * m)
    total = 0.0
    for i in range(n):
        for j in range(m):
            p, passes = _clip_probability(y_pred[i, j], lo, hi)
            t = y_true[i, j]
            total -= t * math.log(p) + (1.0 - t) * math.log(1.0 - p)
            grad[i, j] = (p - t) / (p * (1.0 - p)) * scale if passes else 0.0
    return total * scale


@kernel
def _categorical_crossentropy(y_pred, y_true, grad, sparse):
    """Keras: q = p / sum(p) per row, clipped, loss = -sum(t * log q). dL/dp_k = (tu - t_k u_k / q_k) / S.

    (tu = sum of t_j over unclipped j, u_k = 1 when q_k is unclipped, S the row sum.)
    """
    n, m = y_pred.shape
    lo = y_pred.dtype.type(KERAS_EPSILON)
    hi = y_pred.dtype.type(1.0 - KERAS_EPSILON)
    total = 0.0
    for i in range(n):
        row_sum = 0.0
        for j in range(m):
            row_sum += y_pred[i, j]
        label = int(y_true[i, 0]) if sparse else -1
        passed_targets = 0.0
        for j in range(m):
            t = (1.0 if j == label else 0.0) if sparse else y_true[i, j]
            q, passes = _clip_probability(y_pred[i, j] / row_sum, lo, hi)
            total -= t * math.log(q)
            if passes:
                passed_targets += t
                grad[i, j] = -t / q  # the first term; the shared second term is added below
            else:
                grad[i, j] = 0.0
        for j in range(m):
            grad[i, j] = (grad[i, j] + passed_targets) / (row_sum * n)
    return total / n


@kernel
def loss_value_and_grad(code, y_pred, y_true, grad, delta):
    """Mean loss (float) for loss ``code``; writes dL/dy_pred into ``grad``. ``delta`` is Huber's."""
    if code == BCE:
        return _binary_crossentropy(y_pred, y_true, grad)
    if code == CCE:
        return _categorical_crossentropy(y_pred, y_true, grad, False)
    if code == SCCE:
        return _categorical_crossentropy(y_pred, y_true, grad, True)
    if code == MSE or code == MAE or code == HUBER or code == RMSE:
        return _regression(code, y_pred, y_true, grad, delta)
    return math.nan


@kernel
def sigmoid_bce_from_logits(z, y, grad_z):
    """Mean binary cross-entropy of sigmoid(z) vs y, computed from logits; grad_z = (sigmoid(z) - y) / (n m).

    Per element: softplus(z) - z y = max(z, 0) - z y + log1p(exp(-|z|)) (torch's stable form).
    """
    n, m = z.shape
    scale = 1.0 / (n * m)
    total = 0.0
    for i in range(n):
        for j in range(m):
            x = z[i, j]
            t = y[i, j]
            total += max(x, 0.0) - x * t + math.log1p(math.exp(-abs(x)))
            grad_z[i, j] = (stable_sigmoid(x) - t) * scale
    return total * scale


@kernel
def softmax_ce_from_logits(z, y, grad_z, sparse):
    """Mean categorical cross-entropy of softmax(z) vs y from logits; grad_z = (p sum(y) - y) / n.

    ``y`` is (n, m) one-hot or soft targets, or (n, 1) class labels when ``sparse``. Per row:
    loss = sum_j y_j (lse - z_j) with lse = log(sum(exp(z))) computed with the max shift.
    """
    n, m = z.shape
    total = 0.0
    for i in range(n):
        shift = row_max(z, i)
        exp_sum = 0.0
        for j in range(m):
            exp_sum += math.exp(z[i, j] - shift)
        lse = shift + math.log(exp_sum)
        label = int(y[i, 0]) if sparse else -1
        target_sum = 0.0
        for j in range(m):
            t = (1.0 if j == label else 0.0) if sparse else y[i, j]
            total += t * (lse - z[i, j])
            target_sum += t
        for j in range(m):
            t = (1.0 if j == label else 0.0) if sparse else y[i, j]
            grad_z[i, j] = (math.exp(z[i, j] - lse) * target_sum - t) / n
    return total / n


# ---------------------------------------------------------------------------------------------------------
# Naive numpy twins (float64 arithmetic; the tests compare the kernels with them).


def _clip_numpy(p: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Keras' clip with bounds rounded to ``dtype`` (the caller's precision), in float64."""
    return np.clip(p, dtype.type(KERAS_EPSILON), dtype.type(1.0 - KERAS_EPSILON))


def _one_hot_numpy(labels: np.ndarray, m: int) -> np.ndarray:
    return np.eye(m)[np.asarray(labels).reshape(-1).astype(np.int64)]


def loss_rows_numpy(
    code: int, y_pred: np.ndarray, y_true: np.ndarray, delta: float = 1.0, from_logits: bool = False
) -> np.ndarray:
    """Per-sample losses, shape (n,), as Keras' loss functions return them (RMSE: per-sample MSE).

    ``from_logits`` (cross-entropies only): y_pred holds logits, as in Keras' ``from_logits=True``.
    """
    dtype = y_pred.dtype
    y_pred = y_pred.astype(np.float64)
    if code in (BCE, CCE, SCCE) and from_logits:
        if code == BCE:
            return np.mean(np.logaddexp(0.0, y_pred) - y_pred * y_true, axis=-1)
        t = _one_hot_numpy(y_true, y_pred.shape[-1]) if code == SCCE else y_true
        shifted = y_pred - y_pred.max(axis=-1, keepdims=True)
        return -np.sum(t * (shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))), axis=-1)
    if code == BCE:
        p = _clip_numpy(y_pred, dtype)
        return -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p), axis=-1)
    if code in (CCE, SCCE):
        t = _one_hot_numpy(y_true, y_pred.shape[-1]) if code == SCCE else y_true
        return -np.sum(t * np.log(_clip_numpy(y_pred / y_pred.sum(axis=-1, keepdims=True), dtype)), axis=-1)
    e = y_pred - y_true
    if code in (MSE, RMSE):
        return np.mean(e**2, axis=-1)
    if code == MAE:
        return np.mean(np.abs(e), axis=-1)
    if code == HUBER:
        return np.mean(np.where(np.abs(e) <= delta, 0.5 * e**2, delta * np.abs(e) - 0.5 * delta**2), axis=-1)
    raise ValueError(f"unknown loss code {code}")


def loss_value_numpy(code: int, y_pred: np.ndarray, y_true: np.ndarray, delta: float = 1.0) -> float:
    """Naive twin of the value of ``loss_value_and_grad``."""
    mean = float(np.mean(loss_rows_numpy(code, y_pred, y_true, delta)))
    return math.sqrt(mean) if code == RMSE else mean


def sigmoid_bce_from_logits_numpy(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Naive twin of ``sigmoid_bce_from_logits``: (mean loss, dL/dz)."""
    value = float(np.mean(loss_rows_numpy(BCE, z, y, from_logits=True)))
    return value, (0.5 * (1 + np.tanh(0.5 * z.astype(np.float64))) - y) / z.size


def softmax_ce_from_logits_numpy(z: np.ndarray, y: np.ndarray, sparse: bool) -> tuple[float, np.ndarray]:
    """Naive twin of ``softmax_ce_from_logits``: (mean loss, dL/dz)."""
    value = float(np.mean(loss_rows_numpy(SCCE if sparse else CCE, z, y, from_logits=True)))
    t = _one_hot_numpy(y, z.shape[-1]) if sparse else y
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return value, (e / e.sum(axis=-1, keepdims=True) * t.sum(axis=-1, keepdims=True) - t) / z.shape[0]
