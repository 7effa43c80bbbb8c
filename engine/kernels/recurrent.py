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
step only. Activations are given as (code, alpha) pairs of ``engine.kernels.activations``.

GRU kernels are in ``engine.kernels.recurrent_gru``.
"""
import numpy as np

from engine.kernels._jit import kernel
from engine.kernels.activations import (SIGMOID, TANH, activation_derivative_numpy, activation_derivative_scalar,
                                        activation_forward_numpy, activation_scalar)
from engine.kernels.dense import dense_backward, dense_forward, matmul_nn, matmul_nt, matmul_tn


@kernel
def project_inputs(x, w, b, use_bias, pre):
    """pre = x·w (+ b) for every time step at once. Shapes: x (T, B, d), pre (T, B, m), b (m,)."""
    steps, batch, features = x.shape
    dense_forward(x.reshape(steps * batch, features), w, b, use_bias, pre.reshape(steps * batch, pre.shape[2]))


@kernel
def input_gradients(x, w, dpre, use_bias, grad_w, grad_b, grad_x):
    """dL/dw = xᵀ·dpre, dL/db = Σ dpre, dL/dx = dpre·wᵀ over all time steps at once."""
    steps, batch, features = x.shape
    rows = steps * batch
    dense_backward(x.reshape(rows, features), w, dpre.reshape(rows, dpre.shape[2]), use_bias, True, grad_w,
                   grad_b, grad_x.reshape(rows, features))


@kernel
def recurrent_kernel_gradient(h, dpre, grad_rw):
    """dL/drw = Σ_t h[t]ᵀ·dpre[t] as one product. Shapes: h (T + 1, B, u), dpre (T, B, m), grad_rw (u, m)."""
    steps, batch, m = dpre.shape
    units = h.shape[2]
    matmul_tn(h[:steps].reshape(steps * batch, units), dpre.reshape(steps * batch, m), grad_rw)


@kernel
def add_output_grad(grad, sequences, t, steps, dh):
    """dh += dL/d output at step t (without return_sequences only the last step has one)."""
    if not sequences and t != steps - 1:
        return
    row = t if sequences else 0
    batch, units = dh.shape
    for i in range(batch):
        for j in range(units):
            dh[i, j] += grad[row, i, j]


# ---------------------------------------------------------------------------------------------------------
# Elementwise gate arithmetic. libm's tanh costs ~30 ns an element and does not vectorise; in float32 the
# kernels use a rational approximation instead (error < 3e-7, about 2 float32 ulps; torch's vectorised tanh
# is within 1 ulp), which vectorises to ~1 ns an element. float64 (gradient checks) stays exact.

_TANH_CLAMP = 7.90531110763549805  # beyond it tanh rounds to ±1 in float32


@kernel
def rational_tanh(x):
    """tanh(x) within 3e-7 using + * / only (Eigen's 13/6 float approximation, inputs clamped to ±7.905)."""
    v = min(max(x, -_TANH_CLAMP), _TANH_CLAMP)
    v2 = v * v
    p = v2 * -2.76076847742355e-16 + 2.00018790482477e-13
    p = p * v2 + -8.60467152213735e-11
    p = p * v2 + 5.12229709037114e-08
    p = p * v2 + 1.48572235717979e-05
    p = p * v2 + 6.37261928875436e-04
    p = p * v2 + 4.89352455891786e-03
    q = v2 * 1.19825839466702e-06 + 1.18534705686654e-04
    q = q * v2 + 2.26843463243900e-03
    q = q * v2 + 4.89352518554385e-03
    return v * p / q


@kernel
def activate_block(code, alpha, fast, src, dst, start, stop):
    """dst[:, start:stop] = f(src[:, start:stop]); ``fast`` (float32) takes tanh and sigmoid = (1 + tanh(z/2))/2
    through :func:`rational_tanh`. One loop per case, so that each vectorises. Shapes: src, dst (n, m)."""
    rows = src.shape[0]
    if fast and code == TANH:
        for i in range(rows):
            for j in range(start, stop):
                dst[i, j] = rational_tanh(src[i, j])
    elif fast and code == SIGMOID:
        for i in range(rows):
            for j in range(start, stop):
                dst[i, j] = 0.5 + 0.5 * rational_tanh(0.5 * src[i, j])
    else:
        for i in range(rows):
            for j in range(start, stop):
                dst[i, j] = activation_scalar(code, alpha, src[i, j])


@kernel
def derivative(code, alpha, z, a):
    """f'(z) given a = f(z); tanh and sigmoid first, from a alone (as torch autograd does)."""
    if code == TANH:
        return 1.0 - a * a
    if code == SIGMOID:
        return a * (1.0 - a)
    return activation_derivative_scalar(code, alpha, z, a)


@kernel
def add_recurrent(pre_t, rec):
    """pre_t += rec: the recurrent product joins the (precomputed) input projection. Shapes: (B, m)."""
    rows, width = pre_t.shape
    for i in range(rows):
        for j in range(width):
            pre_t[i, j] += rec[i, j]


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
        matmul_nn(h[t], rw, rec)
        add_recurrent(pre[t], rec)
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
        for i in range(batch):
            for j in range(units):
                dpre[t, i, j] = dh[i, j] * derivative(code, alpha, pre[t, i, j], h[t + 1, i, j])
        matmul_nt(dpre[t], rw, dh)  # the gradient reaching h[t - 1] through U
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
    units = rw.shape[0]
    project_inputs(x, w, b, use_bias, pre)
    h[0] = 0.0
    c[0] = 0.0
    rec = np.empty((batch, 4 * units), dtype=pre.dtype)
    for t in range(steps):
        matmul_nn(h[t], rw, rec)
        add_recurrent(pre[t], rec)
        activate_block(rec_code, rec_alpha, fast, pre[t], gates[t], 0, 2 * units)  # i, f
        activate_block(code, alpha, fast, pre[t], gates[t], 2 * units, 3 * units)  # c
        activate_block(rec_code, rec_alpha, fast, pre[t], gates[t], 3 * units, 4 * units)  # o
        for i in range(batch):
            for j in range(units):
                c[t + 1, i, j] = gates[t, i, units + j] * c[t, i, j] + gates[t, i, j] * gates[t, i, 2 * units + j]
        activate_block(code, alpha, fast, c[t + 1], tc[t], 0, units)
        for i in range(batch):
            for j in range(units):
                h[t + 1, i, j] = gates[t, i, 3 * units + j] * tc[t, i, j]


@kernel
def lstm_backward(x, w, rw, use_bias, code, alpha, rec_code, rec_alpha, pre, gates, c, tc, h, grad, sequences,
                  grad_w, grad_rw, grad_b, grad_x):
    """Backpropagation through time: write dL/dw, dL/drw, dL/db and dL/dx (T, B, d)."""
    steps, batch, _ = x.shape
    units = rw.shape[0]
    dpre = np.empty_like(pre)
    dh = np.zeros((batch, units), dtype=pre.dtype)
    dc = np.zeros((batch, units), dtype=pre.dtype)
    for t in range(steps - 1, -1, -1):
        add_output_grad(grad, sequences, t, steps, dh)
        for i in range(batch):
            for j in range(units):
                jf, jc, jo = units + j, 2 * units + j, 3 * units + j
                in_gate, forget, cand, out_gate = gates[t, i, j], gates[t, i, jf], gates[t, i, jc], gates[t, i, jo]
                squashed = tc[t, i, j]
                d_cell = dc[i, j] + dh[i, j] * out_gate * derivative(code, alpha, c[t + 1, i, j], squashed)
                dpre[t, i, j] = d_cell * cand * derivative(rec_code, rec_alpha, pre[t, i, j], in_gate)
                dpre[t, i, jf] = d_cell * c[t, i, j] * derivative(rec_code, rec_alpha, pre[t, i, jf], forget)
                dpre[t, i, jc] = d_cell * in_gate * derivative(code, alpha, pre[t, i, jc], cand)
                dpre[t, i, jo] = dh[i, j] * squashed * derivative(rec_code, rec_alpha, pre[t, i, jo], out_gate)
                dc[i, j] = d_cell * forget
        matmul_nt(dpre[t], rw, dh)
    input_gradients(x, w, dpre, use_bias, grad_w, grad_b, grad_x)
    recurrent_kernel_gradient(h, dpre, grad_rw)


# ---------------------------------------------------------------------------------------------------------
# Naive numpy twins: batch-major (B, T, d) inputs, one step at a time as Keras' cells do, BPTT written out.


def _act(code: int, alpha: float, z: np.ndarray) -> np.ndarray:
    return activation_forward_numpy(code, alpha, z)


def _der(code: int, alpha: float, z: np.ndarray) -> np.ndarray:
    return activation_derivative_numpy(code, alpha, z)


def _step_grads(grad: np.ndarray, sequences: bool, steps: int) -> list:
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
        hs.append(_act(code, alpha, zs[-1]))
    outputs = np.stack(hs[1:], axis=1)
    if grad is None:
        return outputs
    grads = {"kernel": np.zeros_like(w), "recurrent_kernel": np.zeros_like(rw), "bias": np.zeros(rw.shape[1]),
             "x": np.zeros_like(x)}
    carry = np.zeros((batch, units))
    for t, g in reversed(list(enumerate(_step_grads(grad, sequences, steps)))):
        dz = (carry + g) * _der(code, alpha, zs[t])
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
        i, f, g, o = _act(rec_code, rec_alpha, zi), _act(rec_code, rec_alpha, zf), _act(code, alpha, zc), \
            _act(rec_code, rec_alpha, zo)
        cs.append(f * cs[-1] + i * g)
        hs.append(o * _act(code, alpha, cs[-1]))
        cache.append((zi, zf, zc, zo, i, f, g, o))
    outputs = np.stack(hs[1:], axis=1)
    if grad is None:
        return outputs
    grads = {"kernel": np.zeros_like(w), "recurrent_kernel": np.zeros_like(rw), "bias": np.zeros(rw.shape[1]),
             "x": np.zeros_like(x)}
    carry_h, carry_c = np.zeros((batch, units)), np.zeros((batch, units))
    for t, g_out in reversed(list(enumerate(_step_grads(grad, sequences, steps)))):
        zi, zf, zc, zo, i, f, g, o = cache[t]
        dh = carry_h + g_out
        dc = carry_c + dh * o * _der(code, alpha, cs[t + 1])
        dz = np.concatenate([dc * g * _der(rec_code, rec_alpha, zi), dc * cs[t] * _der(rec_code, rec_alpha, zf),
                             dc * i * _der(code, alpha, zc),
                             dh * _act(code, alpha, cs[t + 1]) * _der(rec_code, rec_alpha, zo)], axis=1)
        grads["kernel"] += x[:, t].T @ dz
        grads["recurrent_kernel"] += hs[t].T @ dz
        grads["bias"] += dz.sum(axis=0)
        grads["x"][:, t] = dz @ w.T
        carry_h, carry_c = dz @ rw.T, dc * f
    return outputs, grads
