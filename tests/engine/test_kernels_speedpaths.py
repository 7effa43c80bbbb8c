"""Speed paths: per-code activation and optimizer kernels, the per-step finite check, inference max pooling.

Each kernel is compared with the generic kernel it replaces and with its naive numpy twin.
"""
from __future__ import annotations

import numpy as np
import pytest

from engine.kernels import activations as act
from engine.kernels import optimizers as opt
from engine.kernels.dispatch import (activation_backward_for, activation_forward_for, all_finite,
                                     optimizer_update_for)
from engine.kernels.pool import max_pool_forward, max_pool_numpy, max_pool_values

ELEMENTWISE = [code for code in range(act.SOFTMAX) if code != act.STEP] + [act.STEP]


@pytest.mark.parametrize("code", ELEMENTWISE + [act.SOFTMAX])
def test_activation_dispatch_matches_generic(code):
    """Per-code kernels == the run-time-dispatching kernel, C-contiguous and strided, forward and backward."""
    rng = np.random.default_rng(code)
    alpha = 0.2
    z = rng.standard_normal((6, 5)).astype(np.float32) * 3
    grad_a = rng.standard_normal((6, 5)).astype(np.float32)
    for zz, gg in ((z, grad_a), (z.T, grad_a.T)):  # C layout, then a transposed (strided) view
        expected, out = np.empty(zz.shape, np.float32), np.empty(zz.shape, np.float32)
        act.activation_forward_any(code, alpha, zz, expected)
        activation_forward_for(code, alpha, zz, out)
        np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(out, act.activation_forward_numpy(code, alpha, np.ascontiguousarray(zz)),
                                   rtol=1e-5, atol=1e-6)
        expected_grad, grad = np.empty(zz.shape, np.float32), np.empty(zz.shape, np.float32)
        act.activation_backward_any(code, alpha, zz, expected, gg, expected_grad)
        activation_backward_for(code, alpha, zz, out, gg, grad)
        np.testing.assert_allclose(grad, expected_grad, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("code", range(opt.N_CODES))
def test_optimizer_dispatch_matches_generic(code):
    """optimizer_update_for(code) == optimizer_update over three steps (slots and scalars included)."""
    rng = np.random.default_rng(10 + code)
    hyper = np.zeros(opt.N_HYPER)
    hyper[[opt.H_LR, opt.H_MOMENTUM, opt.H_RHO, opt.H_EPSILON, opt.H_BETA_1, opt.H_BETA_2]] = (
        0.01, 0.9, 0.9, 1e-7, 0.9, 0.999)
    hyper[opt.H_CENTERED] = hyper[opt.H_AMSGRAD] = hyper[opt.H_NESTEROV] = 1.0
    hyper[opt.H_INITIAL_ACCUMULATOR] = 0.1
    params = rng.standard_normal(37).astype(np.float32)
    states = []
    for _ in range(2):
        slots = np.empty((opt.slot_count(code, hyper), 37), np.float32)
        scalars = np.empty(opt.N_SCALARS)
        opt.init_slots(code, hyper, slots, scalars)
        states.append([params.copy(), slots, scalars])
    for step in range(3):
        grads = rng.standard_normal(37).astype(np.float32)
        opt.optimizer_update(code, hyper, step, *states[0][:1], grads, *states[0][1:])
        optimizer_update_for(code, hyper, step, *states[1][:1], grads, *states[1][1:])
    # Not bit for bit: with fastmath's 'contract' LLVM may fuse a multiply-add in one kernel and not in the
    # other (1 ulp seen after a recompile).
    for a, b in zip(states[0], states[1]):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_all_finite():
    x = np.ones(1000, np.float32)
    assert all_finite(x) and all_finite(x[:0])
    x[5] = 3e38  # huge but finite (a float32 sum of these would overflow; the check must not)
    x[6] = 3e38
    assert all_finite(x)
    for bad in (np.nan, np.inf, -np.inf):
        y = x.copy()
        y[999] = bad
        assert not all_finite(y)
        assert not all_finite(y.astype(np.float64))


@pytest.mark.parametrize("geometry", [(2, 2, 2, 2, 0, 0), (3, 3, 2, 2, 1, 1), (2, 3, 1, 2, 0, 1)])
def test_max_pool_values_matches_argmax_kernel_and_twin(geometry):
    rng = np.random.default_rng(20)
    x = rng.standard_normal((3, 7, 6, 5)).astype(np.float32)
    x[0, 0, 0, 0] = np.nan  # NaN counts as a maximum, as in the training kernel
    ph, pw, sh, sw, top, left = geometry
    oh, ow = (7 + 2 * top - ph) // sh + 1, (6 + 2 * left - pw) // sw + 1
    expected = np.empty((3, oh, ow, 5), np.float32)
    max_pool_forward(x, expected, np.empty(expected.shape, np.int32), *geometry)
    out = np.empty_like(expected)
    max_pool_values(x, out, *geometry)
    np.testing.assert_array_equal(out, expected)
    twin = max_pool_numpy(np.nan_to_num(x, nan=-10.0), oh, ow, *geometry)
    np.testing.assert_array_equal(out[1:], twin[1:])


@pytest.mark.gradcheck
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_max_pooling_backward_after_inference_forward(padding):
    """A backward after forward(training=False) (no argmax kept) equals the one after a training forward."""
    from engine.layers import MaxPooling2D

    x = np.random.default_rng(21).standard_normal((2, 5, 5, 3))
    grads = []
    for training in (True, False):
        layer = MaxPooling2D(pool_size=2, padding=padding)
        out = layer.forward([x], training=training)
        grads.append(layer.backward(np.arange(out.size, dtype=np.float64).reshape(out.shape))[0])
    np.testing.assert_array_equal(grads[0], grads[1])
