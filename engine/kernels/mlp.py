"""A whole run of training batches of a plain dense network in one compiled call.

A Playground-sized net does microseconds of arithmetic per batch; paying a Python call per layer would cost
ten times that. This kernel runs forward, loss, backward and the optimizer step for ``count`` samples
(several batches) without returning to Python. It computes exactly what the layer-by-layer path computes.

Shapes: x (n, d), y (n, w) (w = 1 for sparse labels); order (n,) sample order of the epoch; sizes (L+1,)
layer widths; w_offsets / b_offsets (L,) where each layer's kernel (sizes[l], sizes[l+1]) and bias start in
``params`` (b_offsets[l] < 0: no bias); act_codes / alphas (L,); a_offsets (L+1,) and z_offsets (L,) where
each layer's activations / pre-activations (batch_size rows) start in ``work``; grad_a / grad_z hold
batch_size × max(sizes). losses_out (n_batches,); predictions (count, sizes[L]) or (0, 0) when not needed.
"""
import math

import numpy as np

from engine.kernels._jit import kernel
from engine.kernels.activations import (SOFTMAX, _elementwise_backward, _elementwise_forward, _softmax_backward,
                                        softmax_rows)
from engine.kernels.dense import add_bias, column_sums, matmul_nn, matmul_nt, matmul_tn
from engine.kernels.losses import loss_value_and_grad, sigmoid_bce_from_logits, softmax_ce_from_logits
from engine.kernels.optimizers import H_LR, optimizer_step

LOSS_ON_OUTPUT = 0  # any loss on the activations (then backprop through the activation)
LOSS_SIGMOID_BCE = 1  # fused sigmoid + binary cross-entropy on the pre-activation
LOSS_SOFTMAX_CE = 2  # fused softmax + categorical cross-entropy (one-hot)
LOSS_SOFTMAX_SPARSE_CE = 3  # fused softmax + sparse categorical cross-entropy

OK = 0
NONFINITE_LOSS = 1
NONFINITE_GRADIENT = 2
NONFINITE_UPDATE = 3


@kernel
def _view(buffer, offset, rows, cols):
    return buffer[offset:offset + rows * cols].reshape((rows, cols))


@kernel
def _all_finite(values):
    # A sum is finite only if every term is (barring overflow, which is itself a divergence).
    total = 0.0
    for i in range(values.shape[0]):
        total += values[i] * 0.0
    return total == 0.0


# The generic per-element loops, not the public dispatchers: those carry a specialised copy of the loop per
# common activation, and inlining all of them into this one function made LLVM take minutes to compile it.
@kernel
def _activate(code, alpha, z, out):
    if code == SOFTMAX:
        softmax_rows(z, out)
    else:
        _elementwise_forward(code, alpha, z, out)


@kernel
def _activate_backward(code, alpha, z, a, grad_a, grad_z):
    if code == SOFTMAX:
        _softmax_backward(a, grad_a, grad_z)
    else:
        _elementwise_backward(code, alpha, z, a, grad_a, grad_z)


@kernel
def mlp_forward(n, sizes, w_offsets, b_offsets, act_codes, alphas, a_offsets, z_offsets, params, work):
    """Forward pass of the first n rows already gathered into layer 0's activation buffer."""
    n_layers = sizes.shape[0] - 1
    for layer in range(n_layers):
        k = sizes[layer]
        m = sizes[layer + 1]
        a_in = _view(work, a_offsets[layer], n, k)
        z = _view(work, z_offsets[layer], n, m)
        a_out = _view(work, a_offsets[layer + 1], n, m)
        matmul_nn(a_in, _view(params, w_offsets[layer], k, m), z)
        if b_offsets[layer] >= 0:
            add_bias(z, params[b_offsets[layer]:b_offsets[layer] + m])
        _activate(act_codes[layer], alphas[layer], z, a_out)


@kernel
def mlp_train(x, y, order, start, count, batch_size, sizes, w_offsets, b_offsets, act_codes, alphas,
              a_offsets, z_offsets, loss_code, loss_mode, delta, opt_code, hyper, lr_table, step0, segments,
              decay_mask, slots, scalars, params, grads, backup, work, grad_a, grad_z, losses_out, predictions):
    """Train on samples order[start:start+count] in batches. Returns (batches done, status)."""
    n_layers = sizes.shape[0] - 1
    d = sizes[0]
    out_width = sizes[n_layers]
    y_width = y.shape[1]
    n_batches = (count + batch_size - 1) // batch_size
    y_batch = np.empty((batch_size, y_width), dtype=y.dtype)
    for batch in range(n_batches):
        lo = start + batch * batch_size
        n = min(batch_size, start + count - lo)
        a0 = _view(work, a_offsets[0], n, d)
        for i in range(n):
            row = order[lo + i]
            for j in range(d):
                a0[i, j] = x[row, j]
            for j in range(y_width):
                y_batch[i, j] = y[row, j]
        yb = y_batch[:n]
        mlp_forward(n, sizes, w_offsets, b_offsets, act_codes, alphas, a_offsets, z_offsets, params, work)
        z_last = _view(work, z_offsets[n_layers - 1], n, out_width)
        a_last = _view(work, a_offsets[n_layers], n, out_width)
        gz = _view(grad_z, 0, n, out_width)
        if loss_mode == LOSS_SIGMOID_BCE:
            loss = sigmoid_bce_from_logits(z_last, yb, gz)
        elif loss_mode == LOSS_SOFTMAX_CE:
            loss = softmax_ce_from_logits(z_last, yb, gz, False)
        elif loss_mode == LOSS_SOFTMAX_SPARSE_CE:
            loss = softmax_ce_from_logits(z_last, yb, gz, True)
        else:
            ga = _view(grad_a, 0, n, out_width)
            loss = loss_value_and_grad(loss_code, a_last, yb, ga, delta)
            _activate_backward(act_codes[n_layers - 1], alphas[n_layers - 1], z_last, a_last, ga, gz)
        if not math.isfinite(loss):
            return batch, NONFINITE_LOSS
        if predictions.shape[0] > 0:
            for i in range(n):
                for j in range(out_width):
                    predictions[lo - start + i, j] = a_last[i, j]
        for layer in range(n_layers - 1, -1, -1):
            k = sizes[layer]
            m = sizes[layer + 1]
            gz = _view(grad_z, 0, n, m)
            a_in = _view(work, a_offsets[layer], n, k)
            matmul_tn(a_in, gz, _view(grads, w_offsets[layer], k, m))
            if b_offsets[layer] >= 0:
                column_sums(gz, grads[b_offsets[layer]:b_offsets[layer] + m])
            if layer > 0:
                ga = _view(grad_a, 0, n, k)
                matmul_nt(gz, _view(params, w_offsets[layer], k, m), ga)
                gz_previous = _view(grad_z, 0, n, k)
                _activate_backward(act_codes[layer - 1], alphas[layer - 1], _view(work, z_offsets[layer - 1], n, k),
                                    a_in, ga, gz_previous)
        if not _all_finite(grads):
            return batch, NONFINITE_GRADIENT
        backup[:] = params
        hyper[H_LR] = lr_table[batch]
        optimizer_step(opt_code, hyper, step0 + batch, segments, decay_mask, params, grads, slots, scalars)
        if not _all_finite(params):
            params[:] = backup
            return batch, NONFINITE_UPDATE
        losses_out[batch] = loss
    return n_batches, OK


@kernel
def mlp_predict(x, batch_size, sizes, w_offsets, b_offsets, act_codes, alphas, a_offsets, z_offsets, params,
                work, out):
    """Inference over all rows of x in chunks of batch_size; writes the last layer's activations into out."""
    n_layers = sizes.shape[0] - 1
    d = sizes[0]
    m = sizes[n_layers]
    total = x.shape[0]
    for lo in range(0, total, batch_size):
        n = min(batch_size, total - lo)
        a0 = _view(work, a_offsets[0], n, d)
        for i in range(n):
            for j in range(d):
                a0[i, j] = x[lo + i, j]
        mlp_forward(n, sizes, w_offsets, b_offsets, act_codes, alphas, a_offsets, z_offsets, params, work)
        a_last = _view(work, a_offsets[n_layers], n, m)
        for i in range(n):
            for j in range(m):
                out[lo + i, j] = a_last[i, j]
