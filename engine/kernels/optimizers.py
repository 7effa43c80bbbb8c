"""Optimizer update kernels over ONE flat parameter buffer (Keras 3 update rules, torch-backend op order).

All trainable parameters of a network live in one 1-D buffer ``params``; gradients in a parallel buffer
``grads``; ``segments`` (int64, length k+1) marks where each Keras variable (a kernel, a bias...) starts and
ends. An optimizer's slots (momentums, velocities, accumulators) are the rows of one 2-D array
``slots`` of shape (n_slots, n), so one call updates the whole network.

Everything here is a plain ``@kernel`` with integer dispatch and no Python objects, so a fused whole-epoch
trainer can call :func:`optimizer_step` (or :func:`optimizer_update`) once per batch from inside its own
kernel.

Hyper-parameters travel in a float64 vector indexed by the ``H_*`` constants (booleans as 0.0/1.0, an
unused entry is ignored; a clipping or weight-decay entry of 0 means "off"). Scalar state that is not
per-element (Nadam's running ``u_product``) lives in the float64 array ``scalars`` indexed by ``S_*``.

Slot rows per optimizer (Keras' slot names):

=========  ==========================================================================
SGD        [momentum] only when momentum != 0, else no rows
ADAGRAD    [accumulator] (starts at ``initial_accumulator_value``)
ADADELTA   [accumulated_grad, accumulated_delta_var]
RMSPROP    [velocity] + [momentum] if momentum > 0 + [average_gradient] if centered
ADAM       [momentum, velocity] + [velocity_hat] if amsgrad
ADAMAX     [momentum, norm]
NADAM      [momentum, velocity]
=========  ==========================================================================
"""
from __future__ import annotations

import numpy as np

from engine.kernels._jit import kernel

SGD = 0
ADAGRAD = 1
ADADELTA = 2
RMSPROP = 3
ADAM = 4
ADAMAX = 5
NADAM = 6
N_CODES = 7

H_LR = 0
H_MOMENTUM = 1
H_NESTEROV = 2
H_RHO = 3
H_EPSILON = 4
H_BETA_1 = 5
H_BETA_2 = 6
H_CENTERED = 7
H_AMSGRAD = 8
H_INITIAL_ACCUMULATOR = 9  # read when slots are allocated, not by the update
H_WEIGHT_DECAY = 10
H_CLIPNORM = 11
H_GLOBAL_CLIPNORM = 12
H_CLIPVALUE = 13
N_HYPER = 14

S_U_PRODUCT = 0  # Nadam: product of the momentum-cache factors u_1 ... u_t, starts at 1.0
N_SCALARS = 1

# Nadam's momentum-cache decay (Dozat 2016), hard-coded in Keras as well.
_NADAM_CACHE_DECAY = 0.96


@kernel
def slot_count(code, hyper):
    """Number of slot rows the optimizer ``code`` needs with these hyper-parameters (see module table)."""
    if code == SGD:
        return 1 if hyper[H_MOMENTUM] != 0.0 else 0
    if code == ADAGRAD:
        return 1
    if code == RMSPROP:
        return 1 + (1 if hyper[H_MOMENTUM] > 0.0 else 0) + (1 if hyper[H_CENTERED] != 0.0 else 0)
    if code == ADAM:
        return 3 if hyper[H_AMSGRAD] != 0.0 else 2
    return 2  # ADADELTA, ADAMAX, NADAM


@kernel
def init_slots(code, hyper, slots, scalars):
    """Fill freshly allocated state with each optimizer's starting values.

    Shapes: slots (n_slots, n), scalars (N_SCALARS,).
    """
    slots[:] = 0.0
    scalars[:] = 0.0
    if code == ADAGRAD:
        slots[0, :] = hyper[H_INITIAL_ACCUMULATOR]
    scalars[S_U_PRODUCT] = 1.0


@kernel
def _sgd(c, nesterov, params, grads, slots):
    lr = c[0]
    momentum = c[1]
    n = params.shape[0]
    if slots.shape[0] == 0:
        for i in range(n):
            params[i] -= lr * grads[i]
        return
    m = slots[0]
    if nesterov:
        for i in range(n):
            m_new = m[i] * momentum - lr * grads[i]
            m[i] = m_new
            params[i] += m_new * momentum - lr * grads[i]
    else:
        for i in range(n):
            m_new = m[i] * momentum - lr * grads[i]
            m[i] = m_new
            params[i] += m_new


@kernel
def _adagrad(c, params, grads, slots):
    lr = c[0]
    epsilon = c[1]
    acc = slots[0]
    for i in range(params.shape[0]):
        g = grads[i]
        a = acc[i] + g * g
        acc[i] = a
        params[i] -= g * lr / np.sqrt(a + epsilon)


@kernel
def _adadelta(c, params, grads, slots):
    lr = c[0]
    rho = c[1]
    one_minus_rho = c[2]
    epsilon = c[3]
    acc_grad = slots[0]
    acc_delta = slots[1]
    for i in range(params.shape[0]):
        g = grads[i]
        ag = acc_grad[i] * rho + one_minus_rho * g * g
        acc_grad[i] = ag
        delta = -(np.sqrt(acc_delta[i] + epsilon) * g / np.sqrt(ag + epsilon))
        acc_delta[i] = acc_delta[i] * rho + one_minus_rho * delta * delta
        params[i] += lr * delta


@kernel
def _rmsprop(c, centered, params, grads, slots):
    lr = c[0]
    rho = c[1]
    one_minus_rho = c[2]
    epsilon = c[3]
    momentum = c[4]
    n = params.shape[0]
    vel = slots[0]
    has_momentum = momentum > 0
    # Optional rows are packed after the velocity: momentum (if any), then average_gradient (if centered).
    mom = slots[1] if has_momentum else slots[0]
    avg = slots[slots.shape[0] - 1]
    # Loop-invariant branches: LLVM unswitches them, each variant vectorises.
    for i in range(n):
        g = grads[i]
        v = vel[i] * rho + one_minus_rho * g * g
        vel[i] = v
        denominator = v + epsilon
        if centered:
            a = avg[i] * rho + one_minus_rho * g
            avg[i] = a
            denominator -= a * a
        increment = g * lr / np.sqrt(denominator)
        if has_momentum:
            mo = mom[i] * momentum + increment
            mom[i] = mo
            params[i] -= mo
        else:
            params[i] -= increment


@kernel
def _adam(c, amsgrad, nesterov, params, grads, slots):
    """Adam (optionally AMSGrad) and, with ``nesterov``, Nadam: the same moments, different steps."""
    step_size = c[0]  # Adam: lr * sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t); Nadam: lr
    beta_1 = c[1]
    one_minus_beta_1 = c[2]
    beta_2 = c[3]
    one_minus_beta_2 = c[4]
    epsilon = c[5]
    m_coef = c[6]  # Nadam: u_{t+1} / (1 - u_product_{t+1})
    g_coef = c[7]  # Nadam: (1 - u_t) / (1 - u_product_t)
    v_coef = c[8]  # Nadam: 1 / (1 - beta_2 ** t)
    m = slots[0]
    v = slots[1]
    v_hat = slots[slots.shape[0] - 1]
    # ``nesterov`` is a literal at both call sites, so numba compiles Adam's and Nadam's loops separately;
    # ``amsgrad`` is loop-invariant (LLVM unswitches it). Each variant vectorises.
    for i in range(params.shape[0]):
        g = grads[i]
        mi = m[i] * beta_1 + one_minus_beta_1 * g
        m[i] = mi
        vi = v[i] * beta_2 + one_minus_beta_2 * g * g
        v[i] = vi
        if nesterov:
            m_hat = mi * m_coef + g * g_coef
            params[i] -= m_hat * step_size / (np.sqrt(vi * v_coef) + epsilon)
        else:
            if amsgrad:
                vi = max(v_hat[i], vi)
                v_hat[i] = vi
            params[i] -= mi * step_size / (np.sqrt(vi) + epsilon)


@kernel
def _adamax(c, params, grads, slots):
    lr_corrected = c[0]  # lr / (1 - beta_1 ** t)
    beta_1 = c[1]
    one_minus_beta_1 = c[2]
    beta_2 = c[3]
    epsilon = c[4]
    m = slots[0]
    u = slots[1]
    for i in range(params.shape[0]):
        g = grads[i]
        mi = m[i] * beta_1 + one_minus_beta_1 * g
        m[i] = mi
        ui = max(u[i] * beta_2, abs(g))
        u[i] = ui
        params[i] -= mi * lr_corrected / (ui + epsilon)


@kernel
def optimizer_update(code, hyper, step, params, grads, slots, scalars):
    """One update of every parameter by optimizer ``code`` at Keras step ``step`` (iterations before it).

    ``params``, ``slots`` and ``scalars`` are updated in place; ``grads`` is only read (clip it first with
    :func:`clip_gradients`, decay weights with :func:`apply_weight_decay`, or use :func:`optimizer_step`).
    Step-dependent factors (bias corrections, Nadam's momentum cache) are computed here from ``step``, so
    the caller only varies ``step`` and ``hyper[H_LR]``. They are computed in the parameters' dtype, op for
    op as Keras does in float32 (``1 - 0.999 ** t`` loses digits to cancellation; matching Keras' rounding
    there keeps Adam within 1e-6 of Keras instead of 1e-5).

    Shapes: hyper (N_HYPER,) float64, params (n,), grads (n,), slots (slot_count(code, hyper), n),
    scalars (N_SCALARS,) float64.
    """
    n = params.shape[0]
    if grads.shape[0] != n or (slots.shape[0] > 0 and slots.shape[1] != n):
        raise ValueError("optimizer_update: params, grads and slot rows must have the same length")
    if slots.shape[0] < slot_count(code, hyper):
        raise ValueError("optimizer_update: too few slot rows for this optimizer and its options")
    # Typed coefficients keep the element loops in float32 so they vectorise. ``params.dtype.type(v)`` rounds
    # v to the parameters' dtype in one instruction (a scratch-array round trip cost ~0.2 s more to compile).
    c = np.zeros(9, params.dtype)  # the entries an optimizer does not use stay 0
    one = params.dtype.type(1.0)
    lr = params.dtype.type(hyper[H_LR])
    epsilon = hyper[H_EPSILON]
    beta_1 = params.dtype.type(hyper[H_BETA_1])
    beta_2 = params.dtype.type(hyper[H_BETA_2])
    local_step = params.dtype.type(step + 1.0)
    c[0] = lr
    if code == SGD:
        c[1] = hyper[H_MOMENTUM]
        _sgd(c, hyper[H_NESTEROV] != 0.0, params, grads, slots)
    elif code == ADAGRAD:
        c[1] = epsilon
        _adagrad(c, params, grads, slots)
    elif code == ADADELTA:
        c[1] = hyper[H_RHO]
        c[2] = 1.0 - hyper[H_RHO]
        c[3] = epsilon
        _adadelta(c, params, grads, slots)
    elif code == RMSPROP:
        c[1] = hyper[H_RHO]
        c[2] = 1.0 - hyper[H_RHO]
        c[3] = epsilon
        c[4] = hyper[H_MOMENTUM]
        _rmsprop(c, hyper[H_CENTERED] != 0.0, params, grads, slots)
    elif code == ADAMAX:
        c[0] = lr / (one - beta_1**local_step)
        c[1] = hyper[H_BETA_1]
        c[2] = 1.0 - hyper[H_BETA_1]
        c[3] = hyper[H_BETA_2]
        c[4] = epsilon
        _adamax(c, params, grads, slots)
    elif code == ADAM or code == NADAM:
        beta_2_power = beta_2**local_step
        c[1] = hyper[H_BETA_1]
        c[2] = 1.0 - hyper[H_BETA_1]
        c[3] = hyper[H_BETA_2]
        c[4] = 1.0 - hyper[H_BETA_2]
        c[5] = epsilon
        if code == ADAM:
            c[0] = lr * np.sqrt(one - beta_2_power) / (one - beta_1**local_step)
            _adam(c, hyper[H_AMSGRAD] != 0.0, False, params, grads, slots)
        else:
            decay = params.dtype.type(_NADAM_CACHE_DECAY)
            half = params.dtype.type(0.5)
            u_t = beta_1 * (one - half * decay**local_step)
            u_t_1 = beta_1 * (one - half * decay ** (local_step + one))
            u_product_t = params.dtype.type(scalars[S_U_PRODUCT]) * u_t
            scalars[S_U_PRODUCT] = u_product_t
            c[6] = u_t_1 / (one - u_product_t * u_t_1)
            c[7] = (one - u_t) / (one - u_product_t)
            c[8] = one / (one - beta_2_power)
            _adam(c, False, True, params, grads, slots)
    else:
        raise ValueError("optimizer_update: unknown optimizer code")


@kernel
def clip_gradients(hyper, segments, grads):
    """Clip ``grads`` IN PLACE like Keras: per-variable ``clipnorm``, else ``global_clipnorm``, else ``clipvalue``.

    A non-positive setting means off. Squared norms accumulate in float64. As in Keras, a non-finite global
    norm turns every gradient into NaN so a divergence is seen rather than hidden.

    Shapes: hyper (N_HYPER,), segments (k+1,) int64, grads (segments[-1],).
    """
    clipnorm = hyper[H_CLIPNORM]
    global_clipnorm = hyper[H_GLOBAL_CLIPNORM]
    clipvalue = hyper[H_CLIPVALUE]
    if clipnorm > 0.0:
        for k in range(segments.shape[0] - 1):
            start = segments[k]
            stop = segments[k + 1]
            total = 0.0
            for i in range(start, stop):
                total += np.float64(grads[i]) * grads[i]
            norm = np.sqrt(total)
            if norm > clipnorm:
                scale = clipnorm / norm
                for i in range(start, stop):
                    grads[i] *= scale
    elif global_clipnorm > 0.0:
        n = segments[segments.shape[0] - 1]
        total = 0.0
        for i in range(n):
            total += np.float64(grads[i]) * grads[i]
        norm = np.sqrt(total)
        if not np.isfinite(norm):
            grads[:n] = np.nan
        elif norm > global_clipnorm:
            scale = global_clipnorm / norm
            for i in range(n):
                grads[i] *= scale
    elif clipvalue > 0.0:
        low = -clipvalue
        for i in range(segments[segments.shape[0] - 1]):
            grads[i] = min(max(grads[i], low), clipvalue)


@kernel
def apply_weight_decay(hyper, segments, decay_mask, params):
    """Keras' decoupled weight decay, ``w *= 1 - weight_decay * lr``, on variables whose mask entry is true.

    Shapes: hyper (N_HYPER,), segments (k+1,) int64, decay_mask (k,) bool, params (segments[-1],).
    """
    rate = hyper[H_WEIGHT_DECAY] * hyper[H_LR]
    if rate == 0.0:
        return
    f = params.dtype.type(1.0 - rate)
    for k in range(segments.shape[0] - 1):
        if decay_mask[k]:
            for i in range(segments[k], segments[k + 1]):
                params[i] *= f


@kernel
def optimizer_step(code, hyper, step, segments, decay_mask, params, grads, slots, scalars):
    """A whole Keras training step: clip ``grads`` (IN PLACE), decay weights, then :func:`optimizer_update`.

    Shapes: as :func:`optimizer_update`, plus segments (k+1,) int64 and decay_mask (k,) bool.
    """
    clip_gradients(hyper, segments, grads)
    apply_weight_decay(hyper, segments, decay_mask, params)
    optimizer_update(code, hyper, step, params, grads, slots, scalars)
