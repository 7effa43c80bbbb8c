"""Pooling kernels, channels last: max pooling (with the argmax kept for the backward scatter) and average
pooling that, like Keras with padding='same', averages only the input positions a window covers (padding is
never counted).

Everything is 2-D: 1-D pooling is 2-D pooling over images of height 1, and global pooling is one window
the size of the image. Windows are scanned row by row and the first maximum wins a tie (as TensorFlow and
PyTorch do), so the gradient goes to the same input.

Geometry arguments (ph, pw, sh, sw, top, left): window size, strides and the padding before each axis
(see ``engine.kernels.conv.axis_geometry``). Shapes: x (n, h, w, c); out (n, oh, ow, c); argmax like out
(int32 position of the maximum in its sample, ``(row * w + column) * c + channel``: the backward scatter
needs no division).
"""
from __future__ import annotations

import numpy as np

from engine.kernels._jit import kernel


@kernel
def max_pool_forward(x, out, argmax, ph, pw, sh, sw, top, left):
    """out = window maxima of x; argmax = where each maximum was (NaN counts as a maximum, as in torch)."""
    n, h, w, c = x.shape
    _, oh, ow, _ = out.shape
    for i in range(n):
        for p in range(oh):
            y0 = p * sh - top
            y_lo, y_hi = max(y0, 0), min(y0 + ph, h)
            for q in range(ow):
                x0 = q * sw - left
                x_lo, x_hi = max(x0, 0), min(x0 + pw, w)
                first = (y_lo * w + x_lo) * c
                for ch in range(c):  # the first covered position starts every channel's maximum
                    out[i, p, q, ch] = x[i, y_lo, x_lo, ch]
                    argmax[i, p, q, ch] = first + ch
                for y in range(y_lo, y_hi):
                    for xx in range(x_lo, x_hi):
                        at = (y * w + xx) * c
                        if at == first:
                            continue
                        for ch in range(c):
                            # Unconditional stores of a selection: the channel loop vectorises.
                            v = x[i, y, xx, ch]
                            best = out[i, p, q, ch]
                            take = v > best or v != v
                            out[i, p, q, ch] = v if take else best
                            argmax[i, p, q, ch] = at + ch if take else argmax[i, p, q, ch]


@kernel
def max_pool_values(x, out, ph, pw, sh, sw, top, left):
    """out = window maxima of x, as ``max_pool_forward`` without the argmax (inference: nothing to scatter).

    Skipping the argmax stores makes the pass ~30 % faster.
    """
    n, h, w, c = x.shape
    _, oh, ow, _ = out.shape
    for i in range(n):
        for p in range(oh):
            y0 = p * sh - top
            y_lo, y_hi = max(y0, 0), min(y0 + ph, h)
            for q in range(ow):
                x0 = q * sw - left
                x_lo, x_hi = max(x0, 0), min(x0 + pw, w)
                o = out[i, p, q]
                first = x[i, y_lo, x_lo]
                for ch in range(c):
                    o[ch] = first[ch]
                for y in range(y_lo, y_hi):
                    for xx in range(x_lo, x_hi):
                        row = x[i, y, xx]
                        for ch in range(c):
                            v = row[ch]
                            best = o[ch]
                            o[ch] = v if v > best or v != v else best


@kernel
def max_pool_backward(grad_out, argmax, grad_x):
    """grad_x = 0, then each output gradient added at its window's argmax. Shapes: grad_x like x."""
    n, oh, ow, c = grad_out.shape
    grad_x[...] = 0.0
    flat = grad_x.reshape(n, -1)
    for i in range(n):
        for p in range(oh):
            for q in range(ow):
                for ch in range(c):
                    flat[i, argmax[i, p, q, ch]] += grad_out[i, p, q, ch]


@kernel
def avg_pool_forward(x, out, ph, pw, sh, sw, top, left):
    """out = mean of the input positions each window covers (padding excluded)."""
    n, h, w, c = x.shape
    _, oh, ow, _ = out.shape
    for i in range(n):
        for p in range(oh):
            y0 = p * sh - top
            y_lo, y_hi = max(y0, 0), min(y0 + ph, h)
            for q in range(ow):
                x0 = q * sw - left
                x_lo, x_hi = max(x0, 0), min(x0 + pw, w)
                for ch in range(c):
                    out[i, p, q, ch] = 0.0
                for y in range(y_lo, y_hi):
                    for xx in range(x_lo, x_hi):
                        for ch in range(c):
                            out[i, p, q, ch] += x[i, y, xx, ch]
                scale = 1.0 / ((y_hi - y_lo) * (x_hi - x_lo))
                for ch in range(c):
                    out[i, p, q, ch] *= scale


@kernel
def avg_pool_backward(grad_out, grad_x, ph, pw, sh, sw, top, left):
    """grad_x = each output gradient spread evenly over the input positions its window covers."""
    n, h, w, c = grad_x.shape
    _, oh, ow, _ = grad_out.shape
    grad_x[...] = 0.0
    for i in range(n):
        for p in range(oh):
            y0 = p * sh - top
            y_lo, y_hi = max(y0, 0), min(y0 + ph, h)
            for q in range(ow):
                x0 = q * sw - left
                x_lo, x_hi = max(x0, 0), min(x0 + pw, w)
                scale = 1.0 / ((y_hi - y_lo) * (x_hi - x_lo))
                for y in range(y_lo, y_hi):
                    for xx in range(x_lo, x_hi):
                        for ch in range(c):
                            grad_x[i, y, xx, ch] += grad_out[i, p, q, ch] * scale


# -- naive numpy twins -----------------------------------------------------------------------------------------
def _windows(x: np.ndarray, oh: int, ow: int, ph: int, pw: int, sh: int, sw: int, top: int, left: int):
    """Every window as (slice of rows, slice of columns, output row, output column), clipped to the image."""
    h, w = x.shape[1:3]
    for p in range(oh):
        rows = slice(max(p * sh - top, 0), min(p * sh - top + ph, h))
        for q in range(ow):
            yield rows, slice(max(q * sw - left, 0), min(q * sw - left + pw, w)), p, q


def max_pool_numpy(x: np.ndarray, oh: int, ow: int, *geometry) -> np.ndarray:
    """Naive twin of ``max_pool_forward`` (the maxima)."""
    out = np.empty((x.shape[0], oh, ow, x.shape[3]), dtype=x.dtype)
    for rows, cols, p, q in _windows(x, oh, ow, *geometry):
        out[:, p, q] = x[:, rows, cols].max(axis=(1, 2))
    return out


def max_pool_backward_numpy(x: np.ndarray, grad_out: np.ndarray, *geometry) -> np.ndarray:
    """Naive twin of ``max_pool_backward``: gradient to the first maximum of each window (row-major)."""
    n, oh, ow, c = grad_out.shape
    grad_x = np.zeros_like(x)
    for rows, cols, p, q in _windows(x, oh, ow, *geometry):
        window = x[:, rows, cols].reshape(n, -1, c)
        first = window.argmax(axis=1)  # numpy's argmax returns the first maximum
        width = cols.stop - cols.start
        for i in range(n):
            for ch in range(c):
                y, xx = divmod(int(first[i, ch]), width)
                grad_x[i, rows.start + y, cols.start + xx, ch] += grad_out[i, p, q, ch]
    return grad_x


def avg_pool_numpy(x: np.ndarray, oh: int, ow: int, *geometry) -> np.ndarray:
    """Naive twin of ``avg_pool_forward``."""
    out = np.empty((x.shape[0], oh, ow, x.shape[3]), dtype=x.dtype)
    for rows, cols, p, q in _windows(x, oh, ow, *geometry):
        out[:, p, q] = x[:, rows, cols].mean(axis=(1, 2))
    return out


def avg_pool_backward_numpy(x_shape: tuple, grad_out: np.ndarray, *geometry) -> np.ndarray:
    """Naive twin of ``avg_pool_backward``."""
    grad_x = np.zeros(x_shape, dtype=grad_out.dtype)
    oh, ow = grad_out.shape[1:3]
    for rows, cols, p, q in _windows(grad_x, oh, ow, *geometry):
        count = (rows.stop - rows.start) * (cols.stop - cols.start)
        grad_x[:, rows, cols] += grad_out[:, p, q][:, None, None, :] / count
    return grad_x
