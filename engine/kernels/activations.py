"""Activation kernels: forward values and backward products for every activation the engine knows.

Shapes: z, a (activation output), grad_a, grad_z, out are all 2-D C-contiguous (n, m). Softmax works along
the last axis (one row = one sample); every other activation is elementwise.

Activations are chosen by an integer ``code`` (module constants below) so that other kernels (a fused
whole-epoch trainer) can pass the choice as a plain int. Semantics follow Keras 3 on its torch backend,
including torch autograd's choices at kinks (relu'(0) = 0, leaky_relu'(0) = slope, elu'(0) = alpha,
hard_sigmoid' = 0 at exactly +-3). ``alpha`` is leaky_relu's negative slope and elu's alpha; other
activations ignore it.
"""
import math

import numpy as np

from engine.kernels._jit import kernel

LINEAR = 0
STEP = 1
SIGMOID = 2
HARD_SIGMOID = 3
TANH = 4
RELU = 5
LEAKY_RELU = 6
ELU = 7
SELU = 8
SOFTPLUS = 9
SOFTSIGN = 10
SWISH = 11
GELU = 12
SOFTMAX = 13

# torch.nn.functional.selu's constants (what keras.activations.selu calls on the torch backend).
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_INV_SQRT2 = 0.7071067811865476
_INV_SQRT_2PI = 0.3989422804014327


@kernel
def stable_sigmoid(x):
    """1 / (1 + exp(-x)) without overflow: exp is only taken of a non-positive number."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


@kernel
def stable_softplus(x):
    """log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)); exact for large |x| (softplus(1000) = 1000)."""
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


@kernel
def activation_scalar(code, alpha, x):
    """f(x) for one element of an elementwise activation (NaN for SOFTMAX: it needs a whole row)."""
    if code == LINEAR:
        return x
    if code == STEP:
        return 1.0 if x >= 0 else 0.0
    if code == SIGMOID:
        return stable_sigmoid(x)
    if code == HARD_SIGMOID:
        # Keras 3 / torch hardsigmoid: relu6(x + 3) / 6
        return min(max(x + 3.0, 0.0), 6.0) / 6.0
    if code == TANH:
        return math.tanh(x)
    if code == RELU:
        return x if x > 0 else 0.0
    if code == LEAKY_RELU:
        return x if x > 0 else alpha * x
    if code == ELU:
        return x if x > 0 else alpha * math.expm1(x)
    if code == SELU:
        return SELU_SCALE * x if x > 0 else SELU_SCALE * SELU_ALPHA * math.expm1(x)
    if code == SOFTPLUS:
        return stable_softplus(x)
    if code == SOFTSIGN:
        return x / (1.0 + abs(x))
    if code == SWISH:
        return x * stable_sigmoid(x)
    if code == GELU:
        # keras.activations.gelu defaults to approximate=False: the exact erf form
        return 0.5 * x * (1.0 + math.erf(x * _INV_SQRT2))
    return math.nan


@kernel
def activation_derivative_scalar(code, alpha, x, a):
    """f'(x) for one element, given also a = f(x) (sigmoid and tanh use it, as torch autograd does)."""
    if code == LINEAR:
        return 1.0
    if code == STEP:
        return 0.0
    if code == SIGMOID:
        return a * (1.0 - a)
    if code == HARD_SIGMOID:
        return 1.0 / 6.0 if -3.0 < x < 3.0 else 0.0
    if code == TANH:
        return 1.0 - a * a
    if code == RELU:
        return 1.0 if x > 0 else 0.0
    if code == LEAKY_RELU:
        return 1.0 if x > 0 else alpha
    if code == ELU:
        return 1.0 if x > 0 else alpha * math.exp(x)
    if code == SELU:
        return SELU_SCALE if x > 0 else SELU_SCALE * SELU_ALPHA * math.exp(x)
    if code == SOFTPLUS:
        return stable_sigmoid(x)
    if code == SOFTSIGN:
        d = 1.0 + abs(x)
        return 1.0 / (d * d)
    if code == SWISH:
        s = stable_sigmoid(x)
        return s * (1.0 + x * (1.0 - s))
    if code == GELU:
        return 0.5 * (1.0 + math.erf(x * _INV_SQRT2)) + x * _INV_SQRT_2PI * math.exp(-0.5 * x * x)
    return math.nan


@kernel
def row_max(z, i):
    """Largest entry of row i: the shift that keeps exp() from overflowing in softmax / log-sum-exp."""
    largest = z[i, 0]
    for j in range(1, z.shape[1]):
        largest = max(largest, z[i, j])
    return largest


@kernel
def softmax_rows(z, out):
    """Row-wise softmax with the max shift (no overflow for logits 1000 apart). ``out`` may be ``z``."""
    n, m = z.shape
    for i in range(n):
        shift = row_max(z, i)
        total = 0.0
        for j in range(m):
            e = math.exp(z[i, j] - shift)
            out[i, j] = e
            total += e
        inv = 1.0 / total
        for j in range(m):
            out[i, j] *= inv


@kernel
def _elementwise_forward(code, alpha, z, out):
    n, m = z.shape
    for i in range(n):
        for j in range(m):
            out[i, j] = activation_scalar(code, alpha, z[i, j])


@kernel
def _elementwise_backward(code, alpha, z, a, grad_a, grad_z):
    n, m = z.shape
    for i in range(n):
        for j in range(m):
            grad_z[i, j] = grad_a[i, j] * activation_derivative_scalar(code, alpha, z[i, j], a[i, j])


@kernel
def _softmax_backward(a, grad_a, grad_z):
    n, m = a.shape
    for i in range(n):
        dot = 0.0
        for j in range(m):
            dot += grad_a[i, j] * a[i, j]
        for j in range(m):
            grad_z[i, j] = a[i, j] * (grad_a[i, j] - dot)


# The dispatchers pass the code as a literal for the most used activations: once LLVM inlines the loop
# there, the per-element if-chain folds away and the loop vectorises (relu: ~20x faster than the generic
# loop, sigmoid ~1.5x). The others share the generic loop: each literal copy adds ~0.5 s of compile time
# per dtype, and where a libm call (tanh, erf) dominates the cost there is little to gain.


@kernel
def activation_forward_any(code, alpha, z, out):
    """out = f(z) for a code known only at run time (inside other kernels). ``out`` may be ``z``.

    Compiling it compiles every activation (seconds); Python callers use :func:`activation_forward`.
    """
    if code == SOFTMAX:
        softmax_rows(z, out)
    elif code == RELU:
        _elementwise_forward(RELU, alpha, z, out)
    elif code == LINEAR:
        _elementwise_forward(LINEAR, alpha, z, out)
    elif code == LEAKY_RELU:
        _elementwise_forward(LEAKY_RELU, alpha, z, out)
    elif code == SIGMOID:
        _elementwise_forward(SIGMOID, alpha, z, out)
    else:
        _elementwise_forward(code, alpha, z, out)


@kernel
def activation_backward_any(code, alpha, z, a, grad_a, grad_z):
    """grad_z = dL/dz from grad_a = dL/da, where a = f(z), for a code known only at run time.

    ``grad_z`` may be the same array as ``grad_a``. Softmax: grad_z = a * (grad_a - sum(grad_a * a, axis=-1)).
    Python callers use :func:`activation_backward` (compiles only the activation used).
    """
    if code == SOFTMAX:
        _softmax_backward(a, grad_a, grad_z)
    elif code == RELU:
        _elementwise_backward(RELU, alpha, z, a, grad_a, grad_z)
    elif code == SIGMOID:
        _elementwise_backward(SIGMOID, alpha, z, a, grad_a, grad_z)
    elif code == TANH:
        _elementwise_backward(TANH, alpha, z, a, grad_a, grad_z)
    elif code == LINEAR:
        _elementwise_backward(LINEAR, alpha, z, a, grad_a, grad_z)
    elif code == LEAKY_RELU:
        _elementwise_backward(LEAKY_RELU, alpha, z, a, grad_a, grad_z)
    else:
        _elementwise_backward(code, alpha, z, a, grad_a, grad_z)


def activation_forward(code: int, alpha: float, z: np.ndarray, out: np.ndarray) -> None:
    """out = f(z), from Python. ``out`` may be ``z``. Shapes: z, out (n, m).

    relu, sigmoid, tanh, softmax and leaky_relu go to a kernel compiled for that one code
    (engine.kernels.dispatch): the first call pays for one activation, not for all fourteen. The others share
    :func:`activation_forward_any`.
    """
    from engine.kernels.dispatch import activation_forward_for  # it imports this module

    activation_forward_for(code, alpha, z, out)


def activation_backward(code: int, alpha: float, z: np.ndarray, a: np.ndarray, grad_a: np.ndarray,
                        grad_z: np.ndarray) -> None:
    """grad_z = dL/dz from grad_a, from Python (compiled for this one ``code``). Shapes: all (n, m)."""
    from engine.kernels.dispatch import activation_backward_for

    activation_backward_for(code, alpha, z, a, grad_a, grad_z)


# ---------------------------------------------------------------------------------------------------------
# Naive numpy twins (tests compare the kernels with these; they use different but equivalent formulas).


def _erf_numpy(x: np.ndarray) -> np.ndarray:
    # numpy has no erf; math.erf elementwise is plenty for a reference
    return np.vectorize(math.erf, otypes=[np.float64])(x).astype(x.dtype, copy=False)


def activation_forward_numpy(code: int, alpha: float, z: np.ndarray) -> np.ndarray:
    """Naive twin of ``activation_forward`` (any shape; softmax along the last axis)."""
    z = np.asarray(z)
    if code == LINEAR:
        return z.copy()
    if code == STEP:
        return (z >= 0).astype(z.dtype)
    if code == SIGMOID:
        return 0.5 * (1.0 + np.tanh(0.5 * z))
    if code == HARD_SIGMOID:
        return np.clip(z / 6.0 + 0.5, 0.0, 1.0)
    if code == TANH:
        return np.tanh(z)
    if code == RELU:
        return np.maximum(z, 0.0)
    if code == LEAKY_RELU:
        return np.where(z > 0, z, alpha * z)
    if code == ELU:
        return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0.0)))
    if code == SELU:
        return SELU_SCALE * np.where(z > 0, z, SELU_ALPHA * np.expm1(np.minimum(z, 0.0)))
    if code == SOFTPLUS:
        return np.logaddexp(0.0, z)
    if code == SOFTSIGN:
        return z / (1.0 + np.abs(z))
    if code == SWISH:
        return z * 0.5 * (1.0 + np.tanh(0.5 * z))
    if code == GELU:
        return 0.5 * z * (1.0 + _erf_numpy(z / np.sqrt(2.0)))
    if code == SOFTMAX:
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    raise ValueError(f"unknown activation code {code}")


def activation_derivative_numpy(code: int, alpha: float, z: np.ndarray) -> np.ndarray:
    """Elementwise f'(z), naive twin of the kernels' derivative (not defined for softmax)."""
    z = np.asarray(z)
    one, zero = np.ones_like(z), np.zeros_like(z)
    if code == LINEAR:
        return one
    if code == STEP:
        return zero
    if code in (SIGMOID, SOFTPLUS):
        s = activation_forward_numpy(SIGMOID, alpha, z)
        return s * (1.0 - s) if code == SIGMOID else s
    if code == HARD_SIGMOID:
        return np.where((z > -3.0) & (z < 3.0), one / 6.0, zero)
    if code == TANH:
        return 1.0 / np.cosh(z) ** 2
    if code == RELU:
        return np.where(z > 0, one, zero)
    if code == LEAKY_RELU:
        return np.where(z > 0, one, alpha * one)
    if code == ELU:
        return np.where(z > 0, one, alpha * np.exp(np.minimum(z, 0.0)))
    if code == SELU:
        return SELU_SCALE * np.where(z > 0, one, SELU_ALPHA * np.exp(np.minimum(z, 0.0)))
    if code == SOFTSIGN:
        return 1.0 / (1.0 + np.abs(z)) ** 2
    if code == SWISH:
        s = activation_forward_numpy(SIGMOID, alpha, z)
        return s + z * s * (1.0 - s)
    if code == GELU:
        cdf = 0.5 * (1.0 + _erf_numpy(z / np.sqrt(2.0)))
        return cdf + z * np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi)
    raise ValueError(f"activation code {code} has no elementwise derivative (softmax: use the backward twin)")


def activation_backward_numpy(code: int, alpha: float, z: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
    """Naive twin of ``activation_backward`` (softmax through its full Jacobian, row by row)."""
    if code != SOFTMAX:
        return grad_a * activation_derivative_numpy(code, alpha, z)
    a = activation_forward_numpy(SOFTMAX, alpha, z)
    jacobians = np.einsum("...i,ij->...ij", a, np.eye(a.shape[-1])) - a[..., :, None] * a[..., None, :]
    return np.einsum("...ij,...i->...j", jacobians, grad_a)
