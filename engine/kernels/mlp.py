"""A whole run of training batches of a plain dense network in one compiled call.

A Playground-sized net does microseconds of arithmetic per batch; paying a Python call per layer would cost
ten times that. This kernel runs forward, loss, backward and the optimizer step for ``count`` samples
(several batches) without returning to Python. It computes what the layer-by-layer path computes, with the
same dense kernels.

The integer "plan" arguments ``hidden``, ``output``, ``loss_mode``, ``loss_code`` and ``opt_code`` are
compile-time constants (``numba.literally``): one compiled kernel per plan, holding only the activation, loss
and optimizer code that plan uses (see ``engine.kernels.specialised``). Optional parts are switched off by
passing None, which numba also prunes when compiling: ``layer_codes`` (None: every hidden layer uses
``hidden``; else the per-layer activation codes), ``blas`` (None: no product is large enough for BLAS),
``clip`` and ``decay`` (None: no gradient clipping / weight decay configured).

Shapes: x (n, d), y (n, w) (w = 1 for sparse labels); order (n,) sample order of the epoch; sizes (L+1,)
layer widths; w_offsets / b_offsets (L,) where each layer's kernel (sizes[l], sizes[l+1]) and bias start in
``params`` (b_offsets[l] < 0: no bias); layer_codes / alphas (L,); a_offsets (L+1,) and z_offsets (L,) where
each layer's activations / pre-activations (batch_size rows) start in ``work``; grad_a / grad_z hold
batch_size × max(sizes). losses_out (n_batches,); predictions (count, sizes[L]) or (0, 0) when not needed.
"""
import inspect
import math

import numba

from engine.kernels import dense
from engine.kernels import optimizers as opt
from engine.kernels._jit import kernel
from engine.kernels.specialised import (LOSS_ON_OUTPUT, LOSS_SIGMOID_BCE, LOSS_SOFTMAX_CE,  # noqa: F401
                                        LOSS_SOFTMAX_SPARSE_CE, activate, activate_backward, inline_kernel,
                                        inlined, optimizer_update, output_loss, view2d)

OK = 0
NONFINITE_LOSS = 1
NONFINITE_GRADIENT = 2
NONFINITE_UPDATE = 3

PLAN_ARGUMENTS = ("hidden", "output", "loss_mode", "loss_code", "opt_code")

# The layer path's dense kernels, inlined here (the same arithmetic; see engine.kernels.specialised).
_matmul_nn = inlined(dense.matmul_nn)
_matmul_tn = inlined(dense.matmul_tn)
_matmul_nt = inlined(dense.matmul_nt)
_add_bias = inlined(dense.add_bias)
_column_sums = inlined(dense.column_sums)
_clip_gradients = inlined(opt.clip_gradients)
_apply_weight_decay = inlined(opt.apply_weight_decay)


@inline_kernel
def _all_finite(values):
    # A sum is finite only if every term is (barring overflow, which is itself a divergence).
    total = 0.0
    for i in range(values.shape[0]):
        total += values[i] * 0.0
    return total == 0.0


@inline_kernel
def _copy(source, target):
    # An explicit loop: numba's slice assignment compiles a shape-mismatch message formatter (~2 s, once).
    for i in range(source.shape[0]):
        target[i] = source[i]


@inline_kernel
def _layer_activate(layer, n_layers, hidden, output, layer_codes, alphas, z, out):
    if layer == n_layers - 1:
        activate(output, alphas[layer], z, out)
    elif layer_codes is None:
        activate(hidden, alphas[layer], z, out)
    else:
        activate(layer_codes[layer], alphas[layer], z, out)


@inline_kernel
def _hidden_backward(layer, hidden, layer_codes, alphas, z, a, grad_a, grad_z):
    if layer_codes is None:
        activate_backward(hidden, alphas[layer], z, a, grad_a, grad_z)
    else:
        activate_backward(layer_codes[layer], alphas[layer], z, a, grad_a, grad_z)


@inline_kernel
def mlp_forward(a0, sizes, w_offsets, b_offsets, layer_codes, alphas, a_offsets, z_offsets, params, work,
                hidden, output, blas):
    """Forward pass of the rows of a0 (n, sizes[0]); layer l's output lands at a_offsets[l + 1] in work."""
    n = a0.shape[0]
    n_layers = sizes.shape[0] - 1
    a_in = a0
    for layer in range(n_layers):
        k = sizes[layer]
        m = sizes[layer + 1]
        z = view2d(work, z_offsets[layer], n, m)
        a_out = view2d(work, a_offsets[layer + 1], n, m)
        _matmul_nn(a_in, view2d(params, w_offsets[layer], k, m), z, blas)  # dense_forward's two steps
        if b_offsets[layer] >= 0:
            _add_bias(z, params[b_offsets[layer]:b_offsets[layer] + m])
        _layer_activate(layer, n_layers, hidden, output, layer_codes, alphas, z, a_out)
        a_in = a_out


@inline_kernel
def _backward(n, sizes, w_offsets, b_offsets, layer_codes, alphas, a_offsets, z_offsets, params, grads, work,
              grad_a, grad_z, hidden, blas):
    """Weight gradients of every layer from dL/dz of the last layer (already in grad_z)."""
    n_layers = sizes.shape[0] - 1
    for layer in range(n_layers - 1, -1, -1):
        k = sizes[layer]
        m = sizes[layer + 1]
        gz = view2d(grad_z, 0, n, m)
        a_in = view2d(work, a_offsets[layer], n, k)
        _matmul_tn(a_in, gz, view2d(grads, w_offsets[layer], k, m), blas)
        if b_offsets[layer] >= 0:
            _column_sums(gz, grads[b_offsets[layer]:b_offsets[layer] + m])
        if layer > 0:
            ga = view2d(grad_a, 0, n, k)
            _matmul_nt(gz, view2d(params, w_offsets[layer], k, m), ga, blas)
            _hidden_backward(layer - 1, hidden, layer_codes, alphas, view2d(work, z_offsets[layer - 1], n, k),
                             a_in, ga, view2d(grad_z, 0, n, k))


@kernel
def mlp_train(x, y, order, start, count, batch_size, sizes, w_offsets, b_offsets, layer_codes, alphas,
              a_offsets, z_offsets, delta, hyper, lr_table, step0, segments, decay_mask, slots, scalars, params,
              grads, backup, work, grad_a, grad_z, y_batch, losses_out, predictions, blas, clip, decay,
              hidden, output, loss_mode, loss_code, opt_code):
    """Train on samples order[start:start+count] in batches. Returns (batches done, status)."""
    numba.literally(hidden)
    numba.literally(output)
    numba.literally(loss_mode)
    numba.literally(loss_code)
    numba.literally(opt_code)
    n_layers = sizes.shape[0] - 1
    d = sizes[0]
    out_width = sizes[n_layers]
    y_width = y.shape[1]
    n_batches = (count + batch_size - 1) // batch_size
    for batch in range(n_batches):
        lo = start + batch * batch_size
        n = batch_size if lo + batch_size <= start + count else start + count - lo
        a0 = view2d(work, a_offsets[0], n, d)
        for i in range(n):
            row = order[lo + i]
            for j in range(d):
                a0[i, j] = x[row, j]
            for j in range(y_width):
                y_batch[i, j] = y[row, j]
        mlp_forward(a0, sizes, w_offsets, b_offsets, layer_codes, alphas, a_offsets, z_offsets, params, work,
                    hidden, output, blas)
        z_last = view2d(work, z_offsets[n_layers - 1], n, out_width)
        a_last = view2d(work, a_offsets[n_layers], n, out_width)
        loss = output_loss(loss_mode, loss_code, output, alphas[n_layers - 1], z_last, a_last, y_batch[:n],
                           view2d(grad_a, 0, n, out_width), view2d(grad_z, 0, n, out_width), delta)
        if not math.isfinite(loss):
            return batch, NONFINITE_LOSS
        if predictions.shape[0] > 0:
            for i in range(n):
                for j in range(out_width):
                    predictions[lo - start + i, j] = a_last[i, j]
        _backward(n, sizes, w_offsets, b_offsets, layer_codes, alphas, a_offsets, z_offsets, params, grads, work,
                  grad_a, grad_z, hidden, blas)
        if not _all_finite(grads):
            return batch, NONFINITE_GRADIENT
        _copy(params, backup)
        hyper[opt.H_LR] = lr_table[batch]
        # engine.kernels.optimizers.optimizer_step's three parts, the unused ones left out when compiling.
        if clip is not None:
            _clip_gradients(hyper, segments, grads)
        if decay is not None:
            _apply_weight_decay(hyper, segments, decay_mask, params)
        optimizer_update(opt_code, hyper, step0 + batch, params, grads, slots, scalars)
        if not _all_finite(params):
            _copy(backup, params)
            return batch, NONFINITE_UPDATE
        losses_out[batch] = loss
    return n_batches, OK


@kernel
def mlp_predict(x, batch_size, sizes, w_offsets, b_offsets, layer_codes, alphas, a_offsets, z_offsets, params,
                hidden, output, work, out, blas):
    """Inference over all rows of x in chunks of batch_size; writes the last layer's activations into out."""
    numba.literally(hidden)
    numba.literally(output)
    n_layers = sizes.shape[0] - 1
    m = sizes[n_layers]
    total = x.shape[0]
    for lo in range(0, total, batch_size):
        n = batch_size if lo + batch_size <= total else total - lo
        mlp_forward(x[lo:lo + n], sizes, w_offsets, b_offsets, layer_codes, alphas, a_offsets, z_offsets, params,
                    work, hidden, output, blas)
        a_last = view2d(work, a_offsets[n_layers], n, m)
        for i in range(n):
            for j in range(m):
                out[lo + i, j] = a_last[i, j]


def _positions(function, names) -> tuple[int, ...]:
    parameters = list(inspect.signature(getattr(function, "py_func", function)).parameters)
    return tuple(parameters.index(name) for name in names if name in parameters)


# Where the plan arguments are, for callers that look up the specialised kernel themselves.
TRAIN_LITERALS = _positions(mlp_train, PLAN_ARGUMENTS)
PREDICT_LITERALS = _positions(mlp_predict, PLAN_ARGUMENTS)
