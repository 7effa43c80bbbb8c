"""Fully connected layer kernels: z = x·W + b and its two backward products.

Shapes: x (n, d_in), w (d_in, d_out) — Keras' kernel layout —, b (d_out,), z / grad_z (n, d_out).

Small products (a Playground net: 10×2 times 2×8) are done with plain loops: a BLAS call costs more than
the arithmetic there. Large ones go to ``np.dot`` (BLAS through scipy; numba needs one dtype throughout).
``blas=None`` removes the BLAS branch when the kernel is compiled (numba prunes a branch on an argument that
is None): a caller that knows every product is small (the fused trainer of a Playground net) then does not
pay for compiling numba's BLAS binding.
"""
import numpy as np

from engine.kernels._jit import kernel
from engine.kernels.blas import gemm

# Above this many multiply-adds, BLAS wins over the compiled loops (measured on the benchmark nets).
BLAS_THRESHOLD = 32768


# Two loop orders, the same float32 sums in the same order (so the same numbers): a row of ``out`` updated
# per term vectorises over its m columns, but when m is below a vector's width every term goes through
# memory; then one dot product per entry, accumulated in a register, is up to 10x faster (m = 1 or 3: the
# output layer of a Playground or Wine net).
NARROW = 8


@kernel
def matmul_nn(a, b, out, blas=True):
    """out = a @ b. Shapes: a (n, k), b (k, m), out (n, m)."""
    n, k = a.shape
    m = b.shape[1]
    if blas is not None and n * k * m >= BLAS_THRESHOLD:
        np.dot(a, b, out)
        return
    if m < NARROW:
        for i in range(n):
            for j in range(m):
                total = out.dtype.type(0.0)
                for p in range(k):
                    total += a[i, p] * b[p, j]
                out[i, j] = total
        return
    for i in range(n):
        for j in range(m):
            out[i, j] = 0.0
        for p in range(k):
            aip = a[i, p]
            for j in range(m):
                out[i, j] += aip * b[p, j]


# OpenBLAS runs a product of up to this many multiply-adds on one thread (engine.kernels.serial_matmul says
# more); the blocked products here and there are cut to this size.
SERIAL_PRODUCT = 4 * 65536

# A product of few rows and a long reduction (a batch of 32 into a Dense layer of 5408 inputs) runs faster on
# one thread as a sum of products over blocks of k, which OpenBLAS takes on its single-thread small-product
# path (up to 10⁶ multiply-adds; its general path is slow on that shape), gemm adding each block's product
# into ``out`` (engine.kernels.blas): 0.41–0.49 ms against 0.65–0.71 ms for one np.dot, 32 × 5408 × 128.
# With more threads the one big call wins, as BLAS splits it. The caller decides
# (``engine.kernels._jit.single_thread``).
SPLIT_MAX_ROWS = 64


@kernel
def matmul_nn_split(a, b, out):
    """out = a @ b as a sum over blocks of k (see above). Shapes: a (n, k), b (k, m), out (n, m)."""
    n, k = a.shape
    step = max(16, 2 * SERIAL_PRODUCT // max(1, n * b.shape[1]))
    if k == 0:
        out[:] = 0.0
    for start in range(0, k, step):
        stop = min(k, start + step)
        gemm(a[:, start:stop], b[start:stop], out, start > 0)


@kernel
def matmul_tn(a, b, out, blas=True):
    """out = aᵀ @ b. Shapes: a (n, k), b (n, m), out (k, m)."""
    n, k = a.shape
    m = b.shape[1]
    if blas is not None and n * k * m >= BLAS_THRESHOLD:
        np.dot(a.T, b, out)
        return
    if m < NARROW:
        for p in range(k):
            for j in range(m):
                total = out.dtype.type(0.0)
                for i in range(n):
                    total += a[i, p] * b[i, j]
                out[p, j] = total
        return
    for p in range(k):
        for j in range(m):
            out[p, j] = 0.0
    for i in range(n):
        for p in range(k):
            aip = a[i, p]
            for j in range(m):
                out[p, j] += aip * b[i, j]


@kernel
def matmul_nt(a, b, out, blas=True):
    """out = a @ bᵀ. Shapes: a (n, m), b (k, m), out (n, k)."""
    n, m = a.shape
    k = b.shape[0]
    if blas is not None and n * k * m >= BLAS_THRESHOLD:
        np.dot(a, b.T, out)
        return
    for i in range(n):
        for p in range(k):
            total = 0.0
            for j in range(m):
                total += a[i, j] * b[p, j]
            out[i, p] = total


@kernel
def add_bias(z, b):
    n, m = z.shape
    for i in range(n):
        for j in range(m):
            z[i, j] += b[j]


@kernel
def column_sums(g, out):
    n, m = g.shape
    for j in range(m):
        out[j] = 0.0
    for i in range(n):
        for j in range(m):
            out[j] += g[i, j]


@kernel
def dense_forward(x, w, b, use_bias, z, blas=True, split=False):
    """z = x @ w (+ b); ``split``: few rows and a long reduction on one thread (``matmul_nn_split``)."""
    n, k = x.shape
    if split and n <= SPLIT_MAX_ROWS and n * k * w.shape[1] > 2 * SERIAL_PRODUCT:
        matmul_nn_split(x, w, z)
    else:
        matmul_nn(x, w, z, blas)
    if use_bias:
        add_bias(z, b)


@kernel
def dense_backward(x, w, grad_z, use_bias, need_grad_x, grad_w, grad_b, grad_x, blas=True):
    """Write dL/dW, dL/db and (when asked) dL/dx from dL/dz."""
    matmul_tn(x, grad_z, grad_w, blas)
    if use_bias:
        column_sums(grad_z, grad_b)
    if need_grad_x:
        matmul_nt(grad_z, w, grad_x, blas)


def dense_forward_numpy(x, w, b, use_bias):
    """Naive twin of ``dense_forward``."""
    return x @ w + (b if use_bias else 0)


def dense_backward_numpy(x, w, grad_z, use_bias):
    """Naive twin of ``dense_backward``: (grad_w, grad_b, grad_x)."""
    return x.T @ grad_z, (grad_z.sum(axis=0) if use_bias else None), grad_z @ w.T
