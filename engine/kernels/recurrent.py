"""Recurrent layer kernels: whole-sequence forward and backpropagation through time for SimpleRNN and LSTM.

One compiled call runs a whole batch of sequences: the input projection x·W (+ b) of every time step is one
matrix product before the time loop, the loop does only the recurrent product h·U and the elementwise gate
arithmetic, and after the backward loop the weight and input gradients are again one product each. Keras
computes the same sums step by step (identical up to float rounding).

Layout: time-major. Shapes: x (T, B, d) — the layer transposes (B, T, d) data and flips it for
go_backwards —; kernel w (d, k·u), recurrent kernel rw (u, k·u), bias b (k·u,) in Keras' layout and gate
order (LSTM: i, f, c, o); states h (T + 1, B, u) with h[0] = 0, the initial state. ``pre`` (T, B, k·u) keeps
the gate pre-activations, ``gates`` (T, B, k·u) their activations.

``grad`` is dL/d output: (T, B, u) when ``sequences`` (return_sequences=True), else (1, B, u) for the last
step only. Activations are given as (code, alpha) pairs of ``engine.kernels.activations``; ``fast`` (the
layers pass True for float32) computes tanh and sigmoid with a vectorisable approximation (see
:func:`rational_tanh`). Every product runs on one BLAS thread (``engine.kernels.recurrent_matmul``).

GRU kernels are in ``engine.kernels.recurrent_gru``.
"""
import numpy as np

from engine.kernels._jit import kernel
from engine.kernels.activations import (SIGMOID, TANH, activation_derivative_numpy, activation_derivative_scalar,
                                        activation_forward_numpy, activation_scalar)
from engine.kernels.dense import add_bias, column_sums
from engine.kernels.serial_matmul import serial_matmul_nn, serial_matmul_nt, serial_matmul_tn


@kernel
def project_inputs(x, w, b, use_bias, pre):
    """pre = x·w (+ b) for every time step at once. Shapes: x (T, B, d), pre (T, B, m), b (m,)."""
    steps, batch, features = x.shape
    flat = pre.reshape(steps * batch, pre.shape[2])
    serial_matmul_nn(x.reshape(steps * batch, features), w, flat)
    if use_bias:
        add_bias(flat, b)


@kernel
def input_gradients(x, w, dpre, use_bias, grad_w, grad_b, grad_x):
    """dL/dw = xᵀ·dpre, dL/db = Σ dpre, dL/dx = dpre·wᵀ over all time steps at once."""
    steps, batch, features = x.shape
    rows = steps * batch
    flat = dpre.reshape(rows, dpre.shape[2])
    serial_matmul_tn(x.reshape(rows, features), flat, grad_w)
    if use_bias:
        column_sums(flat, grad_b)
    serial_matmul_nt(flat, w, grad_x.reshape(rows, features))


@kernel
def recurrent_kernel_gradient(h, dpre, grad_rw):
    """dL/drw = Σ_t h[t]ᵀ·dpre[t] at once. Shapes: h (T + 1, B, u), dpre (T, B, m), grad_rw (u, m)."""
    steps, batch, m = dpre.shape
    units = h.shape[2]
    serial_matmul_tn(h[:steps].reshape(steps * batch, units), dpre.reshape(steps * batch, m), grad_rw)


@kernel
def add_output_grad(grad, sequences, t, steps, dh):
    """dh += dL/d output at step t (without return_sequences only the last step has one)."""
    if not sequences and t != steps - 1:
        return
    add_into(dh, grad[t if sequences else 0])


# ---------------------------------------------------------------------------------------------------------
# Elementwise gate arithmetic. libm's tanh costs ~30 ns an element and does not vectorise; in float32 the
# kernels use a rational approximation instead (error < 4e-7, 2-3 float32 ulps; torch's vectorised tanh
# is within 1 ulp), which vectorises to ~1 ns an element. float64 (gradient checks) stays exact.

# Eigen's float tanh: odd 13th-degree numerator over even 6th-degree denominator, fitted on ±7.905 (beyond it
# tanh is within 3e-7 of ±1). float32 constants keep the arithmetic in float32: twice the vector width.
_F = np.float32
_TANH_CLAMP = _F(7.90531110763549805)
_P13, _P11, _P9 = _F(-2.76076847742355e-16), _F(2.00018790482477e-13), _F(-8.60467152213735e-11)
_P7, _P5, _P3, _P1 = _F(5.12229709037114e-08), _F(1.48572235717979e-05), _F(6.37261928875436e-04), \
    _F(4.89352455891786e-03)
_Q6, _Q4, _Q2, _Q0 = _F(1.19825839466702e-06), _F(1.18534705686654e-04), _F(2.26843463243900e-03), \
    _F(4.89352518554385e-03)
_HALF, _ONE = _F(0.5), _F(1.0)  # exact in float64 too


@kernel
def rational_tanh(x):
    """tanh of a float32 within 4e-7 using + * / only, so that loops around it vectorise."""
    v = min(max(x, -_TANH_CLAMP), _TANH_CLAMP)
    v2 = v * v
    p = ((((((_P13 * v2 + _P11) * v2 + _P9) * v2 + _P7) * v2 + _P5) * v2 + _P3) * v2 + _P1) * v
    q = ((_Q6 * v2 + _Q4) * v2 + _Q2) * v2 + _Q0
    return p / q


@kernel
def activate_block(code, alpha, fast, src, dst, start, stop):
    """dst[:, start:stop] = f(src[:, start:stop]); ``fast`` (float32) takes tanh and sigmoid = (1 + tanh(z/2))/2
    through :func:`rational_tanh`. Shapes: src, dst (n, m)."""
    for i in range(src.shape[0]):
        # Row slices indexed from 0: the loops vectorise (no negative-index wraparound to check)
        z, out = src[i, start:stop], dst[i, start:stop]
        if fast and code == TANH:
            for j in range(z.shape[0]):
                out[j] = rational_tanh(z[j])
        elif fast and code == SIGMOID:
            for j in range(z.shape[0]):
                out[j] = _HALF + _HALF * rational_tanh(_HALF * z[j])
        else:
            for j in range(z.shape[0]):
                out[j] = activation_scalar(code, alpha, z[j])


@kernel
def derivative_block(code, alpha, z, a, out, start, stop):
    """out[:, start:stop] = f'(z) given a = f(z) (tanh and sigmoid from a alone, as torch autograd does).

    Shapes: z, a, out (n, m)."""
    for i in range(z.shape[0]):
        z_row, a_row, d_row = z[i, start:stop], a[i, start:stop], out[i, start:stop]
        if code == TANH:
            for j in range(a_row.shape[0]):
                d_row[j] = _ONE - a_row[j] * a_row[j]
        elif code == SIGMOID:
            for j in range(a_row.shape[0]):
                d_row[j] = a_row[j] * (_ONE - a_row[j])
        else:
            for j in range(a_row.shape[0]):
                d_row[j] = activation_derivative_scalar(code, alpha, z_row[j], a_row[j])


@kernel
def add_into(target, addend):
    """target += addend. Shapes: (n, m) both."""
    for i in range(target.shape[0]):
        row, other = target[i], addend[i]
        for j in range(row.shape[0]):
            row[j] += other[j]


# ---------------------------------------------------------------------------------------------------------
# SimpleRNN: h_t = f(x_t·W + b + h_{t-1}·U)


@kernel
def simple_rnn_forward(x, w, rw, b, use_bias, code, alpha, fast, pre, h):
    """Fill pre (T, B, u) and h (T + 1, B, u); h[T] is the last output."""
    steps, batch, _ = x.shape
    units = rw.shape[0]
    project_inputs(x, w, b, use_bias, pre)
    h[0] = 0.0
    rec = np.empty((batch, units), dtype=pre.dtype)
    for t in range(steps):
        serial_matmul_nn(h[t], rw, rec)
        add_into(pre[t], rec)
        activate_block(code, alpha, fast, pre[t], h[t + 1], 0, units)


@kernel
def simple_rnn_backward(x, w, rw, use_bias, code, alpha, pre, h, grad, sequences, grad_w, grad_rw, grad_b,
                        grad_x):
    """Backpropagation through time: write dL/dw, dL/drw, dL/db and dL/dx (T, B, d)."""
    steps, batch, _ = x.shape
    units = rw.shape[0]
    dpre = np.empty_like(pre)
    dh = np.zeros((batch, units), dtype=pre.dtype)
    for t in range(steps - 1, -1, -1):
        add_output_grad(grad, sequences, t, steps, dh)
        d_t = dpre[t]
        derivative_block(code, alpha, pre[t], h[t + 1], d_t, 0, units)
        for i in range(batch):
            d_row, dh_row = d_t[i], dh[i]
            for j in range(units):
                d_row[j] *= dh_row[j]
        serial_matmul_nt(d_t, rw, dh)  # the gradient reaching h[t - 1] through U
    input_gradients(x, w, dpre, use_bias, grad_w, grad_b, grad_x)
    recurrent_kernel_gradient(h, dpre, grad_rw)


# ---------------------------------------------------------------------------------------------------------
# LSTM, Keras gate order i, f, c, o:
#   i, f, o = σ(z_i), σ(z_f), σ(z_o);  g = tanh(z_c);  c_t = f·c_{t-1} + i·g;  h_t = o·tanh(c_t)
# with σ = recurrent_activation, tanh = activation and z = x_t·W + b + h_{t-1}·U.


@kernel
def lstm_forward(x, w, rw, b, use_bias, code, alpha, rec_code, rec_alpha, fast, pre, gates, c, tc, h):
    """Fill pre/gates (T, B, 4u), cells c (T + 1, B, u), tc = activation(c[1:]) (T, B, u) and h (T + 1, B, u)."""
    steps, batch, _ = x.shape
    u = rw.shape[0]
    project_inputs(x, w, b, use_bias, pre)
    h[0] = 0.0
    c[0] = 0.0
    rec = np.empty((batch, 4 * u), dtype=pre.dtype)
    for t in range(steps):
        serial_matmul_nn(h[t], rw, rec)
        add_into(pre[t], rec)
        activate_block(rec_code, rec_alpha, fast, pre[t], gates[t], 0, 2 * u)  # i, f
        activate_block(code, alpha, fast, pre[t], gates[t], 2 * u, 3 * u)  # c
        activate_block(rec_code, rec_alpha, fast, pre[t], gates[t], 3 * u, 4 * u)  # o
        for i in range(batch):
            g_row, c_old, c_new = gates[t, i], c[t, i], c[t + 1, i]
            in_gate, forget, cand = g_row[:u], g_row[u:2 * u], g_row[2 * u:3 * u]
            for j in range(u):
                c_new[j] = forget[j] * c_old[j] + in_gate[j] * cand[j]
        activate_block(code, alpha, fast, c[t + 1], tc[t], 0, u)
        for i in range(batch):
            out_gate, squashed, h_new = gates[t, i, 3 * u:], tc[t, i], h[t + 1, i]
            for j in range(u):
                h_new[j] = out_gate[j] * squashed[j]


@kernel
def lstm_backward(x, w, rw, use_bias, code, alpha, rec_code, rec_alpha, pre, gates, c, tc, h, grad, sequences,
                  grad_w, grad_rw, grad_b, grad_x):
    """Backpropagation through time: write dL/dw, dL/drw, dL/db and dL/dx (T, B, d)."""
    steps, batch, _ = x.shape
    u = rw.shape[0]
    dpre = np.empty_like(pre)
    slopes = np.empty((batch, 4 * u), dtype=pre.dtype)  # each gate's f'(z)
    tc_slopes = np.empty((batch, u), dtype=pre.dtype)
    dh = np.zeros((batch, u), dtype=pre.dtype)
    dc = np.zeros((batch, u), dtype=pre.dtype)
    for t in range(steps - 1, -1, -1):
        add_output_grad(grad, sequences, t, steps, dh)
        derivative_block(rec_code, rec_alpha, pre[t], gates[t], slopes, 0, 2 * u)
        derivative_block(code, alpha, pre[t], gates[t], slopes, 2 * u, 3 * u)
        derivative_block(rec_code, rec_alpha, pre[t], gates[t], slopes, 3 * u, 4 * u)
        derivative_block(code, alpha, c[t + 1], tc[t], tc_slopes, 0, u)
        for i in range(batch):
            g_row, s_row, d_row = gates[t, i], slopes[i], dpre[t, i]
            in_gate, forget, cand, out_gate = g_row[:u], g_row[u:2 * u], g_row[2 * u:3 * u], g_row[3 * u:]
            s_in, s_forget, s_cand, s_out = s_row[:u], s_row[u:2 * u], s_row[2 * u:3 * u], s_row[3 * u:]
            d_in, d_forget, d_cand, d_out = d_row[:u], d_row[u:2 * u], d_row[2 * u:3 * u], d_row[3 * u:]
            dh_row, dc_row, c_old, squashed, tc_slope = dh[i], dc[i], c[t, i], tc[t, i], tc_slopes[i]
            # Short loops over few arrays each: LLVM vectorises them (one loop over all fourteen arrays would
            # need more run-time overlap checks than it allows, and would stay scalar).
            for j in range(u):
                dc_row[j] += dh_row[j] * out_gate[j] * tc_slope[j]  # now dL/dc_t
            for j in range(u):
                d_in[j] = dc_row[j] * cand[j] * s_in[j]
            for j in range(u):
                d_forget[j] = dc_row[j] * c_old[j] * s_forget[j]
            for j in range(u):
                d_cand[j] = dc_row[j] * in_gate[j] * s_cand[j]
            for j in range(u):
                d_out[j] = dh_row[j] * squashed[j] * s_out[j]
            for j in range(u):
                dc_row[j] *= forget[j]  # dL/dc_{t-1} through the cell path
        serial_matmul_nt(dpre[t], rw, dh)
    input_gradients(x, w, dpre, use_bias, grad_w, grad_b, grad_x)
    recurrent_kernel_gradient(h, dpre, grad_rw)


# ---------------------------------------------------------------------------------------------------------
# Naive numpy twins: batch-major (B, T, d) inputs, one step at a time as Keras' cells do, BPTT written out.


twin_activation, twin_derivative = activation_forward_numpy, activation_derivative_numpy


def twin_step_grads(grad: np.ndarray, sequences: bool, steps: int) -> list:
    """dL/dh_t from the layer output for every t (zeros where the output does not depend on h_t)."""
    if sequences:
        return [grad[:, t] for t in range(steps)]
    return [np.zeros_like(grad)] * (steps - 1) + [grad]


def simple_rnn_numpy(x, w, rw, b, code, alpha, grad=None, sequences=True):
    """Naive twin of the SimpleRNN kernels. x (B, T, d); b None without bias; grad like the output or None.

    Returns (outputs (B, T, u)) or, with grad, (outputs, {"kernel", "recurrent_kernel", "bias", "x"}).
    """
    batch, steps, _ = x.shape
    units = rw.shape[0]
    hs, zs = [np.zeros((batch, units), x.dtype)], []
    for t in range(steps):
        zs.append(x[:, t] @ w + (0 if b is None else b) + hs[-1] @ rw)
        hs.append(twin_activation(code, alpha, zs[-1]))
    outputs = np.stack(hs[1:], axis=1)
    if grad is None:
        return outputs
    grads = {"kernel": np.zeros_like(w), "recurrent_kernel": np.zeros_like(rw), "bias": np.zeros(rw.shape[1]),
             "x": np.zeros_like(x)}
    carry = np.zeros((batch, units))
    for t, g in reversed(list(enumerate(twin_step_grads(grad, sequences, steps)))):
        dz = (carry + g) * twin_derivative(code, alpha, zs[t])
        grads["kernel"] += x[:, t].T @ dz
        grads["recurrent_kernel"] += hs[t].T @ dz
        grads["bias"] += dz.sum(axis=0)
        grads["x"][:, t] = dz @ w.T
        carry = dz @ rw.T
    return outputs, grads


def lstm_numpy(x, w, rw, b, code, alpha, rec_code, rec_alpha, grad=None, sequences=True):
    """Naive twin of the LSTM kernels; arguments and results as :func:`simple_rnn_numpy`."""
    batch, steps, _ = x.shape
    units = rw.shape[0]
    hs, cs, cache = [np.zeros((batch, units))], [np.zeros((batch, units))], []
    for t in range(steps):
        z = x[:, t] @ w + (0 if b is None else b) + hs[-1] @ rw
        zi, zf, zc, zo = np.split(z, 4, axis=1)
        i, f, o = (twin_activation(rec_code, rec_alpha, z_gate) for z_gate in (zi, zf, zo))
        g = twin_activation(code, alpha, zc)
        cs.append(f * cs[-1] + i * g)
        hs.append(o * twin_activation(code, alpha, cs[-1]))
        cache.append((zi, zf, zc, zo, i, f, g, o))
    outputs = np.stack(hs[1:], axis=1)
    if grad is None:
        return outputs
    grads = {"kernel": np.zeros_like(w), "recurrent_kernel": np.zeros_like(rw), "bias": np.zeros(rw.shape[1]),
             "x": np.zeros_like(x)}
    carry_h, carry_c = np.zeros((batch, units)), np.zeros((batch, units))
    for t, g_out in reversed(list(enumerate(twin_step_grads(grad, sequences, steps)))):
        zi, zf, zc, zo, i, f, g, o = cache[t]
        dh = carry_h + g_out
        dc = carry_c + dh * o * twin_derivative(code, alpha, cs[t + 1])
        di, df, do = (twin_derivative(rec_code, rec_alpha, z_gate) for z_gate in (zi, zf, zo))
        dz = np.concatenate([dc * g * di, dc * cs[t] * df, dc * i * twin_derivative(code, alpha, zc),
                             dh * twin_activation(code, alpha, cs[t + 1]) * do], axis=1)
        grads["kernel"] += x[:, t].T @ dz
        grads["recurrent_kernel"] += hs[t].T @ dz
        grads["bias"] += dz.sum(axis=0)
        grads["x"][:, t] = dz @ w.T
        carry_h, carry_c = dz @ rw.T, dc * f
    return outputs, grads
