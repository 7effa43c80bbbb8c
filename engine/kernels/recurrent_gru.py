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
from engine.kernels.dense import column_sums, matmul_nn, matmul_nt, matmul_tn
from engine.kernels.recurrent import (_act, _der, _step_grads, activate_block, add_output_grad, derivative,
                                      input_gradients, project_inputs, recurrent_kernel_gradient)


@kernel
def gru_forward(x, w, rw, b, use_bias, reset_after, code, alpha, rec_code, rec_alpha, fast, pre, gates, rh, h):
    """Fill pre/gates (T, B, 3u), rh (T, B, u) and h (T + 1, B, u)."""
    steps, batch, _ = x.shape
    units = rw.shape[0]
    project_inputs(x, w, b[0], use_bias, pre)
    h[0] = 0.0
    # reset_after=False multiplies r into h before the candidate's product: U_h needs a product of its own
    n_first = 3 * units if reset_after else 2 * units
    rw_first = np.ascontiguousarray(rw[:, :n_first])
    rw_cand = np.ascontiguousarray(rw[:, 2 * units:])
    rec = np.empty((batch, n_first), dtype=pre.dtype)
    rec_cand = np.empty((batch, units), dtype=pre.dtype)
    for t in range(steps):
        matmul_nn(h[t], rw_first, rec)
        for i in range(batch):
            for j in range(2 * units):
                pre[t, i, j] += rec[i, j] + (b[1, j] if reset_after and use_bias else 0.0)
        activate_block(rec_code, rec_alpha, fast, pre[t], gates[t], 0, 2 * units)  # z, r
        if reset_after:
            for i in range(batch):
                for j in range(units):
                    inner = rec[i, 2 * units + j] + (b[1, 2 * units + j] if use_bias else 0.0)
                    rh[t, i, j] = inner
                    pre[t, i, 2 * units + j] += gates[t, i, units + j] * inner
        else:
            for i in range(batch):
                for j in range(units):
                    rh[t, i, j] = gates[t, i, units + j] * h[t, i, j]
            matmul_nn(rh[t], rw_cand, rec_cand)
            for i in range(batch):
                for j in range(units):
                    pre[t, i, 2 * units + j] += rec_cand[i, j]
        activate_block(code, alpha, fast, pre[t], gates[t], 2 * units, 3 * units)  # h candidate
        for i in range(batch):
            for j in range(units):
                update = gates[t, i, j]
                h[t + 1, i, j] = update * h[t, i, j] + (1.0 - update) * gates[t, i, 2 * units + j]


@kernel
def gru_backward(x, w, rw, use_bias, reset_after, code, alpha, rec_code, rec_alpha, pre, gates, rh, h, grad,
                 sequences, grad_w, grad_rw, grad_b, grad_x):
    """Backpropagation through time: write dL/dw, dL/drw, dL/db (like b) and dL/dx (T, B, d)."""
    steps, batch, _ = x.shape
    units = rw.shape[0]
    dpre = np.empty_like(pre)  # dL/d(input projection x·W + b)
    drec = np.empty_like(pre)  # reset_after: dL/d(h_{t-1}·U + b'); else dL/d((h_{t-1}, r·h_{t-1})·U)
    dh = np.zeros((batch, units), dtype=pre.dtype)
    through_u = np.empty((batch, units), dtype=pre.dtype)
    n_first = 3 * units if reset_after else 2 * units
    rw_first = np.ascontiguousarray(rw[:, :n_first])
    rw_cand = np.ascontiguousarray(rw[:, 2 * units:])
    d_first = np.empty((batch, n_first), dtype=pre.dtype)
    d_cand = np.empty((batch, units), dtype=pre.dtype)
    for t in range(steps - 1, -1, -1):
        add_output_grad(grad, sequences, t, steps, dh)
        for i in range(batch):
            for j in range(units):
                jr, jh = units + j, 2 * units + j
                update, reset, cand = gates[t, i, j], gates[t, i, jr], gates[t, i, jh]
                d_out = dh[i, j]
                d_update = d_out * (h[t, i, j] - cand) * derivative(
                    rec_code, rec_alpha, pre[t, i, j], update)
                d_cand_pre = d_out * (1.0 - update) * derivative(code, alpha, pre[t, i, jh], cand)
                dpre[t, i, j] = d_update
                dpre[t, i, jh] = d_cand_pre
                drec[t, i, j] = d_update
                d_first[i, j] = d_update
                dh[i, j] = d_out * update  # the direct path h_{t-1} -> h_t
                if reset_after:
                    d_reset = d_cand_pre * rh[t, i, j] * derivative(
                        rec_code, rec_alpha, pre[t, i, jr], reset)
                    dpre[t, i, jr] = d_reset
                    drec[t, i, jr] = d_reset
                    drec[t, i, jh] = d_cand_pre * reset
                    d_first[i, jr] = d_reset
                    d_first[i, jh] = d_cand_pre * reset
                else:
                    drec[t, i, jh] = d_cand_pre
                    d_cand[i, j] = d_cand_pre
        if not reset_after:
            matmul_nt(d_cand, rw_cand, through_u)  # dL/d(r·h_{t-1})
            for i in range(batch):
                for j in range(units):
                    jr = units + j
                    reset = gates[t, i, jr]
                    d_reset = through_u[i, j] * h[t, i, j] * derivative(
                        rec_code, rec_alpha, pre[t, i, jr], reset)
                    dpre[t, i, jr] = d_reset
                    drec[t, i, jr] = d_reset
                    d_first[i, jr] = d_reset
                    dh[i, j] += through_u[i, j] * reset
        matmul_nt(d_first, rw_first, through_u)
        for i in range(batch):
            for j in range(units):
                dh[i, j] += through_u[i, j]
    input_gradients(x, w, dpre, use_bias, grad_w, grad_b[0], grad_x)
    if reset_after:
        recurrent_kernel_gradient(h, drec, grad_rw)
        if use_bias:
            column_sums(drec.reshape(steps * batch, 3 * units), grad_b[1])
        return
    # U_z, U_r multiply h_{t-1}; U_h multiplies r·h_{t-1}: two products into the two column blocks
    rows = steps * batch
    flat = drec.reshape(rows, 3 * units)
    block = np.empty((units, units), dtype=pre.dtype)
    for gate in range(3):
        source = h[:steps] if gate < 2 else rh
        matmul_tn(source.reshape(rows, units), np.ascontiguousarray(flat[:, gate * units:(gate + 1) * units]),
                  block)
        grad_rw[:, gate * units:(gate + 1) * units] = block


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
        z, r = _act(rec_code, rec_alpha, z_pre), _act(rec_code, rec_alpha, r_pre)
        inner_h = inner[:, 2 * units:] if reset_after else (r * hs[-1]) @ u_h
        h_pre = xh + r * inner_h if reset_after else xh + inner_h
        cand = _act(code, alpha, h_pre)
        hs.append(z * hs[-1] + (1 - z) * cand)
        cache.append((z_pre, r_pre, h_pre, z, r, cand, inner[:, 2 * units:]))
    outputs = np.stack(hs[1:], axis=1)
    if grad is None:
        return outputs
    grads = {"kernel": np.zeros_like(w), "recurrent_kernel": np.zeros_like(rw), "x": np.zeros_like(x),
             "bias": np.zeros((2, 3 * units)) if reset_after else np.zeros(3 * units)}
    carry = np.zeros((batch, units))
    for t, g_out in reversed(list(enumerate(_step_grads(grad, sequences, steps)))):
        z_pre, r_pre, h_pre, z, r, cand, inner_h = cache[t]
        dh = carry + g_out
        dz = dh * (hs[t] - cand) * _der(rec_code, rec_alpha, z_pre)
        dhp = dh * (1 - z) * _der(code, alpha, h_pre)
        carry = dh * z
        if reset_after:
            dr = dhp * inner_h * _der(rec_code, rec_alpha, r_pre)
            d_inner = np.concatenate([dz, dr, dhp * r], axis=1)
            grads["recurrent_kernel"] += hs[t].T @ d_inner
            grads["bias"][1] += d_inner.sum(axis=0)
            carry = carry + d_inner @ rw.T
        else:
            d_rh = dhp @ u_h.T
            dr = d_rh * hs[t] * _der(rec_code, rec_alpha, r_pre)
            grads["recurrent_kernel"][:, :2 * units] += hs[t].T @ np.concatenate([dz, dr], axis=1)
            grads["recurrent_kernel"][:, 2 * units:] += (r * hs[t]).T @ dhp
            carry = carry + d_rh * r + np.concatenate([dz, dr], axis=1) @ u_zr.T
        d_x = np.concatenate([dz, dr, dhp], axis=1)
        grads["kernel"] += x[:, t].T @ d_x
        (grads["bias"][0] if reset_after else grads["bias"])[...] += d_x.sum(axis=0)
        grads["x"][:, t] = d_x @ w.T
    return outputs, grads
