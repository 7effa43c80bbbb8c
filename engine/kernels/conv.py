"""Convolution kernels, channels last: im2col / col2im plus BLAS products over the batch's receptive fields,
and the fused bias + relu passes.

A convolution is rewritten as a matrix product: ``im2col`` copies every receptive field of the batch into
one row of a preallocated ``cols`` matrix (zeros where the window hangs over the padding), so the forward
pass is ``cols @ kernel`` (BLAS does the heavy lifting, in blocks of rows: see the products below) and the
weight gradient is ``colsᵀ @ grad``. ``col2im`` is the adjoint of ``im2col``: it adds every row back onto
the image positions it came from, which gives the input gradient from ``grad @ kernelᵀ``. A transposed
convolution (Conv2DTranspose) is exactly that adjoint, so the same two kernels serve it too.

Everything is 2-D: a 1-D convolution is a 2-D one over images of height 1.

Geometry of one axis (Keras/TensorFlow conventions): effective kernel ``K = (k - 1) * dilation + 1``;
'valid' has no padding; 'same' pads ``max((ceil(n / s) - 1) * s + K - n, 0)`` in total, the extra pixel
going after (bottom/right); 'causal' (1-D only) pads ``K - 1`` before.

Shapes: x (n, h, w, c); cols (n * oh * ow, kh * kw * c) with columns ordered (kernel row, kernel column,
channel) — the order of a Keras kernel (kh, kw, c, filters) reshaped to (kh * kw * c, filters).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from engine.kernels._jit import kernel
from engine.kernels.activations import RELU, activation_derivative_scalar, activation_scalar
from engine.kernels.pool import max_pool_values
from engine.kernels.serial_matmul import rows_matmul_nn, rows_matmul_tn

PADDINGS = ("valid", "same", "causal")


class AxisGeometry(NamedTuple):
    """How one spatial axis of a convolution or pooling maps input positions to output positions."""

    size: int  # input length
    kernel: int  # kernel (or pool window) length, before dilation
    stride: int
    dilation: int
    before: int  # padding before the first input position
    after: int  # padding after the last one
    out: int  # output length


def axis_geometry(size: int, kernel_size: int, stride: int = 1, dilation: int = 1,
                  padding: str = "valid") -> AxisGeometry:
    """Padding and output length of one axis with Keras' rules (see the module docstring).

    Raises ValueError for an unknown padding or when a 'valid' window is larger than the input (the message
    gives both sizes so the caller can turn it into advice).
    """
    span = (kernel_size - 1) * dilation + 1
    if padding == "valid":
        if span > size:
            raise ValueError(f"window of {span} is larger than the input of {size}")
        return AxisGeometry(size, kernel_size, stride, dilation, 0, 0, (size - span) // stride + 1)
    if padding == "same":
        out = -(-size // stride)
        total = max((out - 1) * stride + span - size, 0)
        return AxisGeometry(size, kernel_size, stride, dilation, total // 2, total - total // 2, out)
    if padding == "causal":
        return AxisGeometry(size, kernel_size, stride, dilation, span - 1, 0, (size - 1) // stride + 1)
    raise ValueError(f"unknown padding {padding!r}; choose one of: {', '.join(PADDINGS)}")


def transpose_axis_geometry(size: int, kernel_size: int, stride: int = 1, dilation: int = 1,
                            padding: str = "valid", output_padding: int | None = None) -> AxisGeometry:
    """The geometry of the convolution whose adjoint is Keras' transposed convolution along one axis.

    ``size`` is the transposed convolution's input length; the returned geometry maps the (longer) output
    of length ``.size`` to that input (``.out == size``). Keras (JAX rules, which its torch backend copies)
    computes the full output ``(size - 1) * stride + K`` and crops ``K - 1 - left_pad`` before and
    ``K - 1 - right_pad`` after it (a negative crop appends zeros): the crop before is this convolution's
    padding before.
    """
    span = (kernel_size - 1) * dilation + 1
    if padding == "valid":
        extra = max(span, stride) - span if output_padding is None else output_padding
        left, right = span - 1, span - 1 + extra
    elif padding == "same":
        pad = stride + span - 2 if output_padding is None else span + span % 2 - 2 + output_padding
        left = min(pad // 2 + pad % 2, span - 1)
        right = pad - left
    else:
        raise ValueError(f"unknown padding {padding!r} for a transposed convolution; choose 'valid' or 'same'")
    crop_before, crop_after = span - 1 - left, span - 1 - right
    out = (size - 1) * stride + span - crop_before - crop_after
    if out < 1:
        raise ValueError(f"the output would have length {out}")
    # A negative crop after (zeros appended) makes ``after`` negative: those output positions are read by no
    # window, so they receive nothing in col2im, which is the zero Keras appends.
    return AxisGeometry(out, kernel_size, stride, dilation, crop_before, crop_after, size)


@kernel
def covered(size, offset, stride, out):
    """The output positions q < out whose tap ``q * stride + offset`` falls inside [0, size): range(lo, hi)."""
    lo = max(0, (stride - 1 - offset) // stride)
    return lo, max(min(out, (size - 1 - offset) // stride + 1), lo)


@kernel
def im2col(x, cols, oh, ow, kh, kw, sh, sw, dh, dw, top, left):
    """Copy every receptive field into a row of ``cols`` (zeros over the padding).

    Shapes: x (n, h, w, c); cols (n * oh * ow, kh * kw * c).
    """
    n, h, w, c = x.shape
    # One kernel tap at a time over a run of output columns: the columns whose tap falls inside the image
    # are found once per run, so the copy loop has no per-element test.
    for i in range(n):
        for p in range(oh):
            r0 = (i * oh + p) * ow
            for a in range(kh):
                y = p * sh + a * dh - top
                for b in range(kw):
                    c0 = (a * kw + b) * c
                    off = b * dw - left
                    lo, hi = covered(w, off, sw, ow) if 0 <= y < h else (ow, ow)
                    for q in range(lo):
                        for ch in range(c):
                            cols[r0 + q, c0 + ch] = 0.0
                    if c == 1:  # a grey image: no channel loop (the first layer of an MNIST net)
                        for q in range(lo, hi):
                            cols[r0 + q, c0] = x[i, y, q * sw + off, 0]
                    else:
                        for q in range(lo, hi):
                            xx = q * sw + off
                            for ch in range(c):
                                cols[r0 + q, c0 + ch] = x[i, y, xx, ch]
                    for q in range(hi, ow):
                        for ch in range(c):
                            cols[r0 + q, c0 + ch] = 0.0


@kernel
def col2im(cols, x, oh, ow, kh, kw, sh, sw, dh, dw, top, left):
    """The adjoint of ``im2col``: x = 0, then add every entry of ``cols`` back where it was read from.

    Shapes: cols (n * oh * ow, kh * kw * c); x (n, h, w, c), overwritten.
    """
    n, h, w, c = x.shape
    x[...] = 0.0
    for i in range(n):
        for p in range(oh):
            r0 = (i * oh + p) * ow
            for a in range(kh):
                y = p * sh + a * dh - top
                if y < 0 or y >= h:
                    continue
                for b in range(kw):
                    c0 = (a * kw + b) * c
                    off = b * dw - left
                    lo, hi = covered(w, off, sw, ow)
                    for q in range(lo, hi):
                        xx = q * sw + off
                        for ch in range(c):
                            x[i, y, xx, ch] += cols[r0 + q, c0 + ch]


@kernel
def add_bias_rows(z, b):
    """z += b on every row. Shapes: z (m, f), b (f,)."""
    m, f = z.shape
    for i in range(m):
        for j in range(f):
            z[i, j] += b[j]


@kernel
def sum_rows(g, out):
    """out = g summed over rows. Shapes: g (m, f), out (f,)."""
    m, f = g.shape
    acc = np.zeros(f, dtype=out.dtype)  # a fresh array: LLVM knows it aliases nothing, so it stays in registers
    for i in range(m):
        for j in range(f):
            acc[j] += g[i, j]
    # An element loop, not ``out[:] = acc``: numba compiles a slice assignment with its shape-mismatch
    # message formatter, ~2 s of first-run compile time for one line.
    for j in range(f):
        out[j] = acc[j]


# relu, the activation of nearly every convolution, gets one fused pass forward and one backward; the others
# go through engine.kernels.activations (compiled once for every layer) plus add_bias_rows / sum_rows. Fusing
# every activation here would add seconds of first-run compile time for a few hundredths of a millisecond.
@kernel
def bias_relu(z, b, a):
    """z += b, then a = relu(z), in one pass. Shapes: z, a (m, f); b (f,)."""
    m, f = z.shape
    for i in range(m):
        for j in range(f):
            v = z[i, j] + b[j]
            z[i, j] = v
            a[i, j] = activation_scalar(RELU, 0.0, v)


@kernel
def relu_backward_sum(z, grad_a, grad_z, grad_b):
    """grad_z = grad_a * relu'(z) and grad_b = grad_z summed over rows, in one pass.

    Shapes: z, grad_a, grad_z (m, f) (grad_z may be grad_a); grad_b (f,).
    """
    m, f = z.shape
    acc = np.zeros(f, dtype=grad_b.dtype)
    for i in range(m):
        for j in range(f):
            g = grad_a[i, j] * activation_derivative_scalar(RELU, 0.0, z[i, j], z[i, j])
            grad_z[i, j] = g
            acc[j] += g
    for j in range(f):  # not ``grad_b[:] = acc`` (see sum_rows)
        grad_b[j] = acc[j]


def geometry_args(rows: AxisGeometry, columns: AxisGeometry) -> tuple[int, ...]:
    """The integer arguments (oh, ow, kh, kw, sh, sw, dh, dw, top, left) of im2col/col2im."""
    return (rows.out, columns.out, rows.kernel, columns.kernel, rows.stride, columns.stride, rows.dilation,
            columns.dilation, rows.before, columns.before)


def is_identity(args: tuple[int, ...]) -> bool:
    """True for a 1×1 kernel with stride 1 and no padding: then cols is the input itself (no copy)."""
    _, _, kh, kw, sh, sw, _, _, top, left = args
    return kh == kw == sh == sw == 1 and top == left == 0


# -- the products, over preallocated arrays ------------------------------------------------------------------
# The tall, thin products go in row blocks (engine.kernels.serial_matmul's rows_matmul_*; its docstring says
# why): always for the weight gradient, on one thread for the forward product. The input gradient's product
# is as fast in one call; it goes a cache block of samples at a time on one thread, the whole batch otherwise.
# np.dot runs inside the kernels on purpose: compiled code reaches BLAS through scipy, as the dense kernels do.
# numpy ships a second OpenBLAS with its own thread pool, and two pools spinning on the same cores slow every
# product down many times over (measured: a 12 ms training step took 150 ms on 2 busy cores).
# A block of samples whose receptive fields fill about this many values (256 KB of float32) stays in a core's
# cache between im2col and its product, and between the input gradient's product and col2im.
CACHE_BLOCK_VALUES = 65536


@kernel
def block_samples(n, positions, width):
    """Samples per cache block for ``positions`` output positions × ``width`` cols columns per sample."""
    return min(n, max(1, CACHE_BLOCK_VALUES // max(1, positions * width)))


@kernel
def product(a, b, out, blocks):
    """out = a @ b: in single-thread row blocks (``rows_matmul_nn``) or as one call BLAS may split."""
    if blocks:
        rows_matmul_nn(a, b, out)
    else:
        np.dot(a, b, out)


@kernel
def conv_forward(x, w2, cols, z, oh, ow, kh, kw, sh, sw, dh, dw, top, left, blocks=True):
    """z = im2col(x) @ w2 (bias and activation follow in ``bias_activation``). A 1×1 kernel with stride 1 and
    no padding multiplies x itself (``cols`` is then unused: pass x reshaped as the cols of the backward).
    ``blocks``: a cache block of samples at a time (``block_samples``), each product in single-thread blocks
    (faster on one thread); else im2col of the whole batch and one product BLAS may split over its threads.

    Shapes: x (n, h, w, c); w2 (kh * kw * c, f); cols (n * oh * ow, kh * kw * c); z (n * oh * ow, f).
    """
    if kh == 1 and kw == 1 and sh == 1 and sw == 1 and top == 0 and left == 0:
        product(x.reshape(-1, x.shape[3]), w2, z, blocks)
    elif blocks:
        n = x.shape[0]
        per_sample = oh * ow
        step = block_samples(n, per_sample, cols.shape[1])
        for start in range(0, n, step):
            stop = min(n, start + step)
            r0, r1 = start * per_sample, stop * per_sample
            im2col(x[start:stop], cols[r0:r1], oh, ow, kh, kw, sh, sw, dh, dw, top, left)
            rows_matmul_nn(cols[r0:r1], w2, z[r0:r1])
    else:
        im2col(x, cols, oh, ow, kh, kw, sh, sw, dh, dw, top, left)
        np.dot(cols, w2, z)


@kernel
def conv_max_pool_values(x, w2, cols, z, out, oh, ow, kh, kw, sh, sw, dh, dw, top, left, ph, pw, psh, psw, ptop,
                         pleft):
    """out = max pooling of ``conv_forward``'s sums (inference: no argmax), a few samples at a time.

    Each block of samples goes through im2col, its product and its pooling while its sums are still in cache:
    the full-batch sums are never written. The block is as many samples as ``z`` has room for.
    Shapes: x (n, h, w, c); w2, cols, z as conv_forward but for ``z.shape[0] // (oh * ow)`` samples;
    out (n, pooled rows, pooled columns, f).
    """
    n = x.shape[0]
    f = w2.shape[1]
    block = z.shape[0] // (oh * ow)
    for start in range(0, n, block):
        stop = min(n, start + block)
        rows = (stop - start) * oh * ow
        im2col(x[start:stop], cols[:rows], oh, ow, kh, kw, sh, sw, dh, dw, top, left)
        rows_matmul_nn(cols[:rows], w2, z[:rows])
        max_pool_values(z[:rows].reshape((stop - start, oh, ow, f)), out[start:stop], ph, pw, psh, psw, ptop,
                        pleft)


# A convolution with at most this many taps (kernel height × width × input channels: the 3×3 first layer of
# an MNIST net has 9) is too thin for a product: im2col then costs more than the arithmetic. Its inference
# pass applies the taps straight from the image instead (``small_conv_max_pool_values``).
SMALL_TAPS = 9


@kernel
def small_conv_max_pool_values(x, w9, out, oh, ow, kh, kw, sh, sw, dh, dw, top, left, ph, pw, psh, psw, ptop, pleft):
    """``conv_max_pool_values`` for a convolution of at most SMALL_TAPS taps, without im2col or a product.

    Each sample is copied once into a zero-padded flat image, so a tap is one load at a fixed offset; the
    taps go into scalars (registers) and the filters are the vectorised inner loop. Two positions of a row go
    together: each filter's weights are loaded once for both and the window's running maximum is read and
    written once per pair. Measured per slide batch (32 MNIST images, 32 filters, pool 2): 0.27–0.40 ms
    against 0.32–0.50 ms one position at a time (alternated) and 0.55–0.69 ms for im2col → product → max.
    Shapes: x (n, h, w, c); w9 (SMALL_TAPS, f): the kernel as (kh * kw * c, f) rows, zero rows after them;
    out (n, pooled rows, pooled columns, f).
    """
    n, h, w, c = x.shape
    f = w9.shape[1]
    _, pooled_rows, pooled_columns, _ = out.shape
    rows = max((oh - 1) * sh + (kh - 1) * dh + 1, top + h)  # the padded image
    columns = max((ow - 1) * sw + (kw - 1) * dw + 1, left + w)
    # Twice the image: an unused tap reads the zero as far after its position as the image is long.
    padded = np.zeros(2 * rows * columns * c, dtype=x.dtype)
    # Unsigned offsets and positions: numba adds no wrap-around test for a negative index.
    offsets = np.full(SMALL_TAPS, rows * columns * c, dtype=np.uint64)
    for a in range(kh):
        for b in range(kw):
            for ch in range(c):
                offsets[(a * kw + b) * c + ch] = (a * dh * columns + b * dw) * c + ch
    o0, o1, o2, o3, o4 = offsets[0], offsets[1], offsets[2], offsets[3], offsets[4]
    o5, o6, o7, o8 = offsets[5], offsets[6], offsets[7], offsets[8]
    flat = x.reshape(n, h * w * c)  # a sample's rows are runs of w * c values
    right = np.uint64(sw * c)  # from a position to the next one in its row
    for i in range(n):
        for y in range(h):
            row, to = y * w * c, ((y + top) * columns + left) * c
            for k in range(w * c):
                padded[to + k] = flat[i, row + k]
        for pp in range(pooled_rows):
            p_lo, p_hi = max(pp * psh - ptop, 0), min(pp * psh - ptop + ph, oh)
            for qq in range(pooled_columns):
                q_lo, q_hi = max(qq * psw - pleft, 0), min(qq * psw - pleft + pw, ow)
                best = out[i, pp, qq]
                first = True
                for p in range(p_lo, p_hi):
                    for q in range(q_lo, q_hi, 2):  # two positions of a row at a time (the last one twice)
                        at = np.uint64((p * sh * columns + q * sw) * c)
                        bt = at + right if q + 1 < q_hi else at
                        t0, t1, t2 = padded[at + o0], padded[at + o1], padded[at + o2]
                        t3, t4, t5 = padded[at + o3], padded[at + o4], padded[at + o5]
                        t6, t7, t8 = padded[at + o6], padded[at + o7], padded[at + o8]
                        s0, s1, s2 = padded[bt + o0], padded[bt + o1], padded[bt + o2]
                        s3, s4, s5 = padded[bt + o3], padded[bt + o4], padded[bt + o5]
                        s6, s7, s8 = padded[bt + o6], padded[bt + o7], padded[bt + o8]
                        for j in range(f):
                            u0, u1, u2, u3, u4 = w9[0, j], w9[1, j], w9[2, j], w9[3, j], w9[4, j]
                            u5, u6, u7, u8 = w9[5, j], w9[6, j], w9[7, j], w9[8, j]
                            v = t0 * u0 + t1 * u1 + t2 * u2 + t3 * u3 + t4 * u4 + t5 * u5 + t6 * u6 + t7 * u7 + t8 * u8
                            r = s0 * u0 + s1 * u1 + s2 * u2 + s3 * u3 + s4 * u4 + s5 * u5 + s6 * u6 + s7 * u7 + s8 * u8
                            # The first pair starts the maximum; NaN counts as a maximum (max_pool_values).
                            v = v if v > r or v != v else r
                            best[j] = v if first or v > best[j] or v != v else best[j]
                        first = False


@kernel
def conv_backward(cols, w2, grad_z, need_grad_x, grad_w2, grad_cols, grad_x, oh, ow, kh, kw, sh, sw, dh, dw, top,
                  left, blocks=False):
    """Write dL/dW and (if asked) dL/dx of ``conv_forward`` from dL/dz (``grad_cols`` is scratch).

    The input gradient goes a block of samples at a time, as many as ``grad_cols`` has rows for: a cache block
    (``block_samples``) on one thread, the whole batch (one product over BLAS's threads) otherwise.
    ``blocks``: every product in single-thread row blocks (a range of the batch run beside others on the
    engine's threads, engine.parallel: a product BLAS split would wait for threads that are busy).
    Shapes: as conv_forward; grad_w2 like w2; grad_cols (samples per block * oh * ow, kh * kw * c); grad_x
    like x.
    """
    rows_matmul_tn(cols, grad_z, grad_w2)
    if not need_grad_x:
        return
    if kh == 1 and kw == 1 and sh == 1 and sw == 1 and top == 0 and left == 0:
        product(grad_z, w2.T, grad_x.reshape(-1, grad_x.shape[3]), blocks)
        return
    n = grad_x.shape[0]
    per_sample = oh * ow
    step = max(1, grad_cols.shape[0] // per_sample)
    for start in range(0, n, step):
        stop = min(n, start + step)
        rows = (stop - start) * per_sample
        product(grad_z[start * per_sample:stop * per_sample], w2.T, grad_cols[:rows], blocks)
        col2im(grad_cols[:rows], grad_x[start:stop], oh, ow, kh, kw, sh, sw, dh, dw, top, left)


@kernel
def conv_transpose_forward(x2, w2, cols, y, oh, ow, kh, kw, sh, sw, dh, dw, top, left):
    """y = the transposed convolution of x (no bias): col2im(x2 @ w2ᵀ), the adjoint of ``conv_forward``.

    Shapes: x2 (n * oh * ow, c) (the input image as rows); w2 (kh * kw * f, c); cols (n * oh * ow, kh * kw * f);
    y (n, h, w, f), overwritten.
    """
    if kh == 1 and kw == 1 and sh == 1 and sw == 1 and top == 0 and left == 0:
        np.dot(x2, w2.T, y.reshape(-1, y.shape[3]))
    else:
        np.dot(x2, w2.T, cols)
        col2im(cols, y, oh, ow, kh, kw, sh, sw, dh, dw, top, left)


@kernel
def conv_transpose_backward(grad_y, x2, w2, cols, need_grad_x, grad_w2, grad_x2, oh, ow, kh, kw, sh, sw, dh, dw,
                            top, left):
    """Write dL/dW and (if asked) dL/dx2 of ``conv_transpose_forward`` from dL/dy (``cols`` is scratch).

    Shapes: as conv_transpose_forward; grad_y like y; grad_w2 like w2; grad_x2 like x2.
    """
    if kh == 1 and kw == 1 and sh == 1 and sw == 1 and top == 0 and left == 0:
        rows = grad_y.reshape(-1, grad_y.shape[3])
        rows_matmul_tn(rows, x2, grad_w2)
        if need_grad_x:
            np.dot(rows, w2, grad_x2)
    else:
        im2col(grad_y, cols, oh, ow, kh, kw, sh, sw, dh, dw, top, left)
        rows_matmul_tn(cols, x2, grad_w2)
        if need_grad_x:
            np.dot(cols, w2, grad_x2)


# -- naive numpy twins -----------------------------------------------------------------------------------------
def _padded(x: np.ndarray, args) -> np.ndarray:
    oh, ow, kh, kw, sh, sw, dh, dw, top, left = args
    n, h, w, c = x.shape
    # Pad generously so every window fits, then read the windows by slicing.
    need_h = (oh - 1) * sh + (kh - 1) * dh + 1
    need_w = (ow - 1) * sw + (kw - 1) * dw + 1
    out = np.zeros((n, max(need_h, top + h), max(need_w, left + w), c), dtype=x.dtype)
    out[:, top:top + h, left:left + w] = x
    return out


def im2col_numpy(x: np.ndarray, args) -> np.ndarray:
    """Naive twin of ``im2col`` (returns cols)."""
    oh, ow, kh, kw, sh, sw, dh, dw, _, _ = args
    xp = _padded(x, args)
    n, c = x.shape[0], x.shape[-1]
    patches = [xp[:, a * dh:a * dh + (oh - 1) * sh + 1:sh, b * dw:b * dw + (ow - 1) * sw + 1:sw, :]
               for a in range(kh) for b in range(kw)]
    return np.stack(patches, axis=3).reshape(n * oh * ow, kh * kw * c)


def col2im_numpy(cols: np.ndarray, x_shape: tuple, args) -> np.ndarray:
    """Naive twin of ``col2im`` (returns the image)."""
    oh, ow, kh, kw, sh, sw, dh, dw, top, left = args
    n, h, w, c = x_shape
    xp = _padded(np.zeros(x_shape, dtype=cols.dtype), args)
    blocks = cols.reshape(n, oh, ow, kh, kw, c)
    for a in range(kh):
        for b in range(kw):
            xp[:, a * dh:a * dh + (oh - 1) * sh + 1:sh, b * dw:b * dw + (ow - 1) * sw + 1:sw, :] += blocks[:, :, :,
                                                                                                       a, b]
    return xp[:, top:top + h, left:left + w].copy()


def conv_forward_numpy(x: np.ndarray, kernel4: np.ndarray, b, args) -> np.ndarray:
    """Direct convolution, one kernel tap at a time. Shapes: kernel4 (kh, kw, c, f); returns (n, oh, ow, f)."""
    oh, ow, kh, kw, sh, sw, dh, dw, _, _ = args
    xp = _padded(x, args)
    out = np.zeros((x.shape[0], oh, ow, kernel4.shape[-1]), dtype=x.dtype)
    for a in range(kh):
        for bb in range(kw):
            window = xp[:, a * dh:a * dh + (oh - 1) * sh + 1:sh, bb * dw:bb * dw + (ow - 1) * sw + 1:sw, :]
            out += window @ kernel4[a, bb]
    return out if b is None else out + b


def conv_backward_numpy(x: np.ndarray, kernel4: np.ndarray, grad_out: np.ndarray, args):
    """Naive twin of ``conv_backward``: (grad_kernel4, grad_b, grad_x) by the same tap-by-tap loop."""
    oh, ow, kh, kw, sh, sw, dh, dw, top, left = args
    n, h, w, c = x.shape
    xp = _padded(x, args)
    grad_xp = np.zeros_like(xp)
    grad_k = np.zeros_like(kernel4)
    for a in range(kh):
        for bb in range(kw):
            index = (slice(None), slice(a * dh, a * dh + (oh - 1) * sh + 1, sh),
                     slice(bb * dw, bb * dw + (ow - 1) * sw + 1, sw), slice(None))
            grad_k[a, bb] = np.einsum("npqc,npqf->cf", xp[index], grad_out)
            grad_xp[index] += grad_out @ kernel4[a, bb].T
    return grad_k, grad_out.sum(axis=(0, 1, 2)), grad_xp[:, top:top + h, left:left + w].copy()
