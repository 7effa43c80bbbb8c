"""GRU kernels: whole-sequence forward and backpropagation through time (layout and conventions as
``engine.kernels.recurrent``), Keras gate order z, r, h:

    z = σ(x·W_z + b_z + h_{t-1}·U_z),  r = σ(x·W_r + b_r + h_{t-1}·U_r),  h_t = z·h_{t-1} + (1 - z)·ĥ
    reset_after=True (Keras' default):  ĥ = tanh(x·W_h + b_h + r·(h_{t-1}·U_h + b'_h))
    reset_after=False:                  ĥ = tanh(x·W_h + b_h + (r·h_{t-1})·U_h)

Shapes: bias b (2, 3u) — row 0 input bias, row 1 recurrent bias — with reset_after, else (1, 3u) (the layer
reshapes Keras' (3u,) bias, a view). ``rh`` (T, B, u) keeps h_{t-1}·U_h + b'_h (reset_after) or r·h_{t-1}.
"""
import numpy as np

from engine.kernels._jit import kernel
from engine.kernels.dense import column_sums
from engine.kernels.recurrent import (_ONE, activate_block, add_into, add_output_grad, derivative_block,
                                      input_gradients, project_inputs, recurrent_kernel_gradient,
                                      twin_activation, twin_derivative, twin_step_grads)
from engine.kernels.serial_matmul import serial_matmul_nn, serial_matmul_nt, serial_matmul_tn


@kernel
def gru_forward(x, w, rw, b, use_bias, reset_after, code, alpha, rec_code, rec_alpha, fast, pre, gates, rh, h):
    """Fill pre/gates (T, B, 3u), rh (T, B, u) and h (T + 1, B, u)."""
    steps, batch, _ = x.shape
    u = rw.shape[0]
    project_inputs(x, w, b[0], use_bias, pre)
    h[0] = 0.0
    rec_bias = np.zeros(3 * u, dtype=pre.dtype)
    if reset_after and use_bias:
        rec_bias[:] = b[1]
    # reset_after=False multiplies r into h before the candidate's product: U_h needs a product of its own
    n_first = 3 * u if reset_after else 2 * u
    rw_first = np.ascontiguousarray(rw[:, :n_first])
    rw_cand = np.ascontiguousarray(rw[:, 2 * u:])
    rec = np.empty((batch, n_first), dtype=pre.dtype)
    rec_cand = np.empty((batch, u), dtype=pre.dtype)
    for t in range(steps):
        serial_matmul_nn(h[t], rw_first, rec)
        for i in range(batch):
            p_row, r_row = pre[t, i], rec[i]
            for j in range(2 * u):
                p_row[j] += r_row[j] + rec_bias[j]
        activate_block(rec_code, rec_alpha, fast, pre[t], gates[t], 0, 2 * u)  # z, r
        if reset_after:
            for i in range(batch):
                inner, bias, reset = rec[i, 2 * u:], rec_bias[2 * u:], gates[t, i, u:2 * u]
                p_cand, rh_row = pre[t, i, 2 * u:], rh[t, i]
                for j in range(u):
                    rh_row[j] = inner[j] + bias[j]
                    p_cand[j] += reset[j] * rh_row[j]
        else:
            for i in range(batch):
                reset, h_old, rh_row = gates[t, i, u:2 * u], h[t, i], rh[t, i]
                for j in range(u):
                    rh_row[j] = reset[j] * h_old[j]
            serial_matmul_nn(rh[t], rw_cand, rec_cand)
            for i in range(batch):
                p_cand, r_row = pre[t, i, 2 * u:], rec_cand[i]
                for j in range(u):
                    p_cand[j] += r_row[j]
        activate_block(code, alpha, fast, pre[t], gates[t], 2 * u, 3 * u)  # h candidate
        for i in range(batch):
            update, cand, h_old, h_new = gates[t, i, :u], gates[t, i, 2 * u:], h[t, i], h[t + 1, i]
            for j in range(u):
                h_new[j] = update[j] * h_old[j] + (_ONE - update[j]) * cand[j]


@kernel
def gru_backward(x, w, rw, use_bias, reset_after, code, alpha, rec_code, rec_alpha, pre, gates, rh, h, grad,
                 sequences, grad_w, grad_rw, grad_b, grad_x):
    """Backpropagation through time: write dL/dw, dL/drw, dL/db (like b) and dL/dx (T, B, d)."""
    steps, batch, _ = x.shape
    u = rw.shape[0]
    dpre = np.empty_like(pre)  # dL/d(input projection x·W + b)
    drec = np.empty_like(pre)  # reset_after: dL/d(h_{t-1}·U + b'); else dL/d((h_{t-1}, r·h_{t-1})·U)
    slopes = np.empty((batch, 3 * u), dtype=pre.dtype)  # each gate's f'(z)
    dh = np.zeros((batch, u), dtype=pre.dtype)
    through_u = np.empty((batch, u), dtype=pre.dtype)
    rw_first = np.ascontiguousarray(rw[:, :2 * u])
    rw_cand = np.ascontiguousarray(rw[:, 2 * u:])
    d_first = np.empty((batch, 2 * u), dtype=pre.dtype)
    d_cand = np.empty((batch, u), dtype=pre.dtype)
    for t in range(steps - 1, -1, -1):
        add_output_grad(grad, sequences, t, steps, dh)
        derivative_block(rec_code, rec_alpha, pre[t], gates[t], slopes, 0, 2 * u)
        derivative_block(code, alpha, pre[t], gates[t], slopes, 2 * u, 3 * u)
        for i in range(batch):
            g_row, s_row, d_row, r_row = gates[t, i], slopes[i], dpre[t, i], drec[t, i]
            update, reset, cand = g_row[:u], g_row[u:2 * u], g_row[2 * u:]
            s_update, s_reset, s_cand = s_row[:u], s_row[u:2 * u], s_row[2 * u:]
            d_update, d_reset, d_cand_pre = d_row[:u], d_row[u:2 * u], d_row[2 * u:]
            r_update, r_reset, r_cand = r_row[:u], r_row[u:2 * u], r_row[2 * u:]
            dh_row, h_old, rh_row, d_cand_row = dh[i], h[t, i], rh[t, i], d_cand[i]
            for j in range(u):
                d_out = dh_row[j]
                d_update[j] = d_out * (h_old[j] - cand[j]) * s_update[j]
                r_update[j] = d_update[j]
                d_cand_pre[j] = d_out * (_ONE - update[j]) * s_cand[j]
                dh_row[j] = d_out * update[j]  # the direct path h_{t-1} -> h_t
            if reset_after:
                for j in range(u):
                    d_reset[j] = d_cand_pre[j] * rh_row[j] * s_reset[j]
                    r_reset[j] = d_reset[j]
                    r_cand[j] = d_cand_pre[j] * reset[j]
            else:
                for j in range(u):
                    r_cand[j] = d_cand_pre[j]
                    d_cand_row[j] = d_cand_pre[j]
        if reset_after:
            serial_matmul_nt(drec[t], rw, through_u)
            add_into(dh, through_u)
            continue
        serial_matmul_nt(d_cand, rw_cand, through_u)  # dL/d(r·h_{t-1})
        for i in range(batch):
            reset, s_reset, h_old = gates[t, i, u:2 * u], slopes[i, u:2 * u], h[t, i]
            d_reset, r_reset, dh_row, back = dpre[t, i, u:2 * u], drec[t, i, u:2 * u], dh[i], through_u[i]
            for j in range(u):
                d_reset[j] = back[j] * h_old[j] * s_reset[j]
                r_reset[j] = d_reset[j]
                dh_row[j] += back[j] * reset[j]
        d_first[:] = drec[t, :, :2 * u]
        serial_matmul_nt(d_first, rw_first, through_u)
        add_into(dh, through_u)
    input_gradients(x, w, dpre, use_bias, grad_w, grad_b[0], grad_x)
    if reset_after:
        recurrent_kernel_gradient(h, drec, grad_rw)
        if use_bias:
            column_sums(drec.reshape(steps * batch, 3 * u), grad_b[1])
        return
    # U_z, U_r multiply h_{t-1}; U_h multiplies r·h_{t-1}: two products into the two column blocks
    rows = steps * batch
    flat = drec.reshape(rows, 3 * u)
    block = np.empty((u, u), dtype=pre.dtype)
    for gate in range(3):
        source = h[:steps] if gate < 2 else rh
        serial_matmul_tn(source.reshape(rows, u), np.ascontiguousarray(flat[:, gate * u:(gate + 1) * u]),
                         block)
        grad_rw[:, gate * u:(gate + 1) * u] = block


def gru_numpy(x, w, rw, b, reset_after, code, alpha, rec_code, rec_alpha, grad=None, sequences=True):
    """Naive twin of the GRU kernels. b in Keras' layout ((2, 3u) with reset_after, else (3u,)) or None.

    Returns outputs (B, T, u) or, with grad, (outputs, {"kernel", "recurrent_kernel", "bias", "x"}).
    """
    batch, steps, _ = x.shape
    units = rw.shape[0]
    b_in, b_rec = (np.zeros(3 * units), np.zeros(3 * units)) if b is None else (
        (b[0], b[1]) if reset_after else (b, np.zeros(3 * units)))
    u_zr, u_h = rw[:, :2 * units], rw[:, 2 * units:]
    hs, cache = [np.zeros((batch, units))], []
    for t in range(steps):
        xz, xr, xh = np.split(x[:, t] @ w + b_in, 3, axis=1)
        inner = hs[-1] @ rw + b_rec
        z_pre, r_pre = xz + inner[:, :units], xr + inner[:, units:2 * units]
        z, r = twin_activation(rec_code, rec_alpha, z_pre), twin_activation(rec_code, rec_alpha, r_pre)
        inner_h = inner[:, 2 * units:] if reset_after else (r * hs[-1]) @ u_h
        h_pre = xh + r * inner_h if reset_after else xh + inner_h
        cand = twin_activation(code, alpha, h_pre)
        hs.append(z * hs[-1] + (1 - z) * cand)
        cache.append((z_pre, r_pre, h_pre, z, r, cand, inner[:, 2 * units:]))
    outputs = np.stack(hs[1:], axis=1)
    if grad is None:
        return outputs
    grads = {"kernel": np.zeros_like(w), "recurrent_kernel": np.zeros_like(rw), "x": np.zeros_like(x),
             "bias": np.zeros((2, 3 * units)) if reset_after else np.zeros(3 * units)}
    carry = np.zeros((batch, units))
    for t, g_out in reversed(list(enumerate(twin_step_grads(grad, sequences, steps)))):
        z_pre, r_pre, h_pre, z, r, cand, inner_h = cache[t]
        dh = carry + g_out
        dz = dh * (hs[t] - cand) * twin_derivative(rec_code, rec_alpha, z_pre)
        dhp = dh * (1 - z) * twin_derivative(code, alpha, h_pre)
        carry = dh * z
        if reset_after:
            dr = dhp * inner_h * twin_derivative(rec_code, rec_alpha, r_pre)
            d_inner = np.concatenate([dz, dr, dhp * r], axis=1)
            grads["recurrent_kernel"] += hs[t].T @ d_inner
            grads["bias"][1] += d_inner.sum(axis=0)
            carry = carry + d_inner @ rw.T
        else:
            d_rh = dhp @ u_h.T
            dr = d_rh * hs[t] * twin_derivative(rec_code, rec_alpha, r_pre)
            grads["recurrent_kernel"][:, :2 * units] += hs[t].T @ np.concatenate([dz, dr], axis=1)
            grads["recurrent_kernel"][:, 2 * units:] += (r * hs[t]).T @ dhp
            carry = carry + d_rh * r + np.concatenate([dz, dr], axis=1) @ u_zr.T
        d_x = np.concatenate([dz, dr, dhp], axis=1)
        grads["kernel"] += x[:, t].T @ d_x
        (grads["bias"][0] if reset_after else grads["bias"])[...] += d_x.sum(axis=0)
        grads["x"][:, t] = d_x @ w.T
    return outputs, grads
