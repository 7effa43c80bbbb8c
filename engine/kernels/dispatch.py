"""Kernels Python code calls with an activation or optimizer code, each compiled for that one code only.

``engine.kernels.activations.activation_forward_any`` and ``engine.kernels.optimizers.optimizer_step``
branch at run time, so numba compiles every activation (or every optimizer) the first time either is
called: seconds of first-run compile time for a network that uses relu and Adam. The kernels here mark the
code as a constant (one small kernel, and one disk-cache entry, per code) for the specialising blocks of
``engine.kernels.specialised``, which drop the other branches before they are typed.
Warm speed is the same or better: the element loops see a constant code and vectorise.

Also here: :func:`all_finite`, the training loop's per-step check, one vectorised pass with no temporaries.

Shapes: z, a, grad_a, grad_z, out (n, m) of any layout (C-contiguous ones run as one flat loop).
"""
from __future__ import annotations

import numba
import numpy as np
from numba.extending import overload

from engine.kernels import activations as act
from engine.kernels import optimizers as opt
from engine.kernels.activations import LEAKY_RELU, RELU, SIGMOID, SOFTMAX, TANH
from engine.kernels.optimizers import ADADELTA, ADAGRAD, ADAM, ADAMAX, NADAM, RMSPROP, SGD
from engine.kernels._jit import kernel
from engine.kernels.specialised import (_OPTIONS, _activation_derivative, _activation_scalar, _literal,
                                        _softmax_backward, _softmax_rows, flat, optimizer_update)


def _forward(code, alpha, z, out):
    """Generic form (plain Python, or a code that is not a literal)."""
    act.activation_forward_any(code, alpha, z, out)


@overload(_forward, prefer_literal=True, jit_options=_OPTIONS)
def _forward_specialised(code, alpha, z, out):
    value = _literal(code)
    if value is None:
        return _forward
    if value == act.SOFTMAX:
        return lambda code, alpha, z, out: _softmax_rows(z, out)
    if z.layout == "C" and out.layout == "C":
        def flat_loop(code, alpha, z, out):
            z_flat, out_flat = flat(z), flat(out)
            for i in range(z_flat.shape[0]):
                out_flat[i] = _activation_scalar(value, alpha, z_flat[i])
        return flat_loop

    def loop(code, alpha, z, out):
        for i in range(z.shape[0]):
            for j in range(z.shape[1]):
                out[i, j] = _activation_scalar(value, alpha, z[i, j])
    return loop


def _backward(code, alpha, z, a, grad_a, grad_z):
    """Generic form (plain Python, or a code that is not a literal)."""
    act.activation_backward_any(code, alpha, z, a, grad_a, grad_z)


@overload(_backward, prefer_literal=True, jit_options=_OPTIONS)
def _backward_specialised(code, alpha, z, a, grad_a, grad_z):
    value = _literal(code)
    if value is None:
        return _backward
    if value == act.SOFTMAX:
        return lambda code, alpha, z, a, grad_a, grad_z: _softmax_backward(a, grad_a, grad_z)
    if z.layout == "C" and a.layout == "C" and grad_a.layout == "C" and grad_z.layout == "C":
        def flat_loop(code, alpha, z, a, grad_a, grad_z):
            z_flat, a_flat, grad_a_flat, grad_z_flat = flat(z), flat(a), flat(grad_a), flat(grad_z)
            for i in range(z_flat.shape[0]):
                grad_z_flat[i] = grad_a_flat[i] * _activation_derivative(value, alpha, z_flat[i], a_flat[i])
        return flat_loop

    def loop(code, alpha, z, a, grad_a, grad_z):
        for i in range(z.shape[0]):
            for j in range(z.shape[1]):
                grad_z[i, j] = grad_a[i, j] * _activation_derivative(value, alpha, z[i, j], a[i, j])
    return loop


# One small kernel per code, each passing its code as a module-level global: numba types a global int as a
# literal, so the overloads above specialise (``act.RELU``, a module attribute, would be a plain int64). One
# kernel taking ``numba.literally(code)`` would compile as little, but numba then re-enters its compiler on
# every call from Python (an int argument never matches a literal signature): milliseconds per call.
# Activations without a kernel of their own here share the run-time dispatching kernel (compiled, for all of
# them, only if one is used).


@kernel
def _relu_forward(alpha, z, out):
    _forward(RELU, alpha, z, out)


@kernel
def _sigmoid_forward(alpha, z, out):
    _forward(SIGMOID, alpha, z, out)


@kernel
def _tanh_forward(alpha, z, out):
    _forward(TANH, alpha, z, out)


@kernel
def _softmax_forward(alpha, z, out):
    _forward(SOFTMAX, alpha, z, out)


@kernel
def _leaky_relu_forward(alpha, z, out):
    _forward(LEAKY_RELU, alpha, z, out)


@kernel
def _relu_backward(alpha, z, a, grad_a, grad_z):
    _backward(RELU, alpha, z, a, grad_a, grad_z)


@kernel
def _sigmoid_backward(alpha, z, a, grad_a, grad_z):
    _backward(SIGMOID, alpha, z, a, grad_a, grad_z)


@kernel
def _tanh_backward(alpha, z, a, grad_a, grad_z):
    _backward(TANH, alpha, z, a, grad_a, grad_z)


@kernel
def _softmax_backward_kernel(alpha, z, a, grad_a, grad_z):
    _backward(SOFTMAX, alpha, z, a, grad_a, grad_z)


@kernel
def _leaky_relu_backward(alpha, z, a, grad_a, grad_z):
    _backward(LEAKY_RELU, alpha, z, a, grad_a, grad_z)


_FORWARD = {act.RELU: _relu_forward, act.SIGMOID: _sigmoid_forward, act.TANH: _tanh_forward,
            act.SOFTMAX: _softmax_forward, act.LEAKY_RELU: _leaky_relu_forward}
_BACKWARD = {act.RELU: _relu_backward, act.SIGMOID: _sigmoid_backward, act.TANH: _tanh_backward,
             act.SOFTMAX: _softmax_backward_kernel, act.LEAKY_RELU: _leaky_relu_backward}


def activation_forward_for(code: int, alpha: float, z: np.ndarray, out: np.ndarray) -> None:
    """out = f(z) for activation ``code``, through a kernel compiled for that code where there is one."""
    function = _FORWARD.get(code)
    if function is None:
        act.activation_forward_any(code, alpha, z, out)
    else:
        function(alpha, z, out)


def activation_backward_for(code: int, alpha: float, z: np.ndarray, a: np.ndarray, grad_a: np.ndarray,
                            grad_z: np.ndarray) -> None:
    """grad_z = dL/dz from grad_a = dL/da (a = f(z)) for ``code``; ``grad_z`` may be ``grad_a``."""
    function = _BACKWARD.get(code)
    if function is None:
        act.activation_backward_any(code, alpha, z, a, grad_a, grad_z)
    else:
        function(alpha, z, a, grad_a, grad_z)


@kernel
def _sgd_update(hyper, step, params, grads, slots, scalars):
    optimizer_update(SGD, hyper, step, params, grads, slots, scalars)


@kernel
def _adagrad_update(hyper, step, params, grads, slots, scalars):
    optimizer_update(ADAGRAD, hyper, step, params, grads, slots, scalars)


@kernel
def _adadelta_update(hyper, step, params, grads, slots, scalars):
    optimizer_update(ADADELTA, hyper, step, params, grads, slots, scalars)


@kernel
def _rmsprop_update(hyper, step, params, grads, slots, scalars):
    optimizer_update(RMSPROP, hyper, step, params, grads, slots, scalars)


@kernel
def _adam_update(hyper, step, params, grads, slots, scalars):
    optimizer_update(ADAM, hyper, step, params, grads, slots, scalars)


@kernel
def _adamax_update(hyper, step, params, grads, slots, scalars):
    optimizer_update(ADAMAX, hyper, step, params, grads, slots, scalars)


@kernel
def _nadam_update(hyper, step, params, grads, slots, scalars):
    optimizer_update(NADAM, hyper, step, params, grads, slots, scalars)


_UPDATE = {opt.SGD: _sgd_update, opt.ADAGRAD: _adagrad_update, opt.ADADELTA: _adadelta_update,
           opt.RMSPROP: _rmsprop_update, opt.ADAM: _adam_update, opt.ADAMAX: _adamax_update,
           opt.NADAM: _nadam_update}


def optimizer_update_for(code: int, hyper, step, params, grads, slots, scalars) -> None:
    """:func:`engine.kernels.optimizers.optimizer_update` through a kernel compiled for that one optimizer.

    Shapes: as optimizer_update.
    """
    function = _UPDATE.get(code)
    if function is None:
        raise ValueError(f"unknown optimizer code {code}; valid codes: {sorted(_UPDATE)}")
    function(hyper, step, params, grads, slots, scalars)


@kernel
def _finite_product(x):
    # x * 0 is ±0 for every finite x and NaN for NaN or ±inf; the flags keep 'nnan' off, so LLVM may not fold
    # it away (x - x, by contrast, WAS folded to 0 under 'reassoc': measured). The sum stays in x's dtype and
    # vectorises: no early exit, no temporaries; the check is then as fast as reading x once.
    zero = x.dtype.type(0.0)
    total = x[0] * zero
    for i in range(1, x.shape[0]):
        total += x[i] * zero
    return total == 0.0


def all_finite(x: np.ndarray) -> bool:
    """True when no entry of the 1-D array ``x`` is NaN or ±inf (True for an empty array)."""
    if x.shape[0] == 0:
        return True
    if numba.config.DISABLE_JIT:  # a Python loop over every weight would be far slower than numpy
        return bool(np.isfinite(x).all())
    return bool(_finite_product(x))
