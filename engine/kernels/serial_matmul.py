"""Matrix products cut into blocks that BLAS runs on one thread: for the recurrent and convolution kernels.

OpenBLAS (scipy's, which numba's np.dot calls) splits a product over its threads above m·n·k = 4·65536
(GEMM_MULTITHREAD_THRESHOLD times SMP_THRESHOLD_MIN). A recurrent layer's products are small and strictly
sequential: waking the threads costs more than it saves, and on a busy machine each wake-up can wait a whole
scheduler slice (measured on 2 shared cores: a 64×160×256 product 62 µs on one thread, 1.6 ms on two; an
encoder-decoder fit 5 s against 58 s). So products are cut into blocks of at most that size, each one BLAS
call (or ``engine.kernels.dense``'s loops when it is small); only a single row of a·b with k·m above it (e.g.
600 features into 500 gate columns) still goes to the threads. The sums are the same up to rounding.

A convolution's products are tall and thin (a batch's receptive fields, tens of thousands of rows, times 9 to
a few hundred kernel taps, times 16–64 filters). OpenBLAS's general path is slow on that shape, its
small-product path fast: cut into these blocks, the forward product runs ~2× and the weight gradient
(colsᵀ · grad, summed over the rows) 2–3× faster on one thread (benchmarks/README.md).

Shapes as named in each function; every array C-contiguous.
"""
import numpy as np

from engine.kernels._jit import kernel
from engine.kernels.dense import SERIAL_PRODUCT, matmul_nn, matmul_nt, matmul_tn

_MIN_REDUCTION_ROWS = 32  # below this a block's inner dimension makes BLAS inefficient


@kernel
def serial_matmul_nn(a, b, out):
    """out = a @ b in row blocks. Shapes: a (n, k), b (k, m), out (n, m)."""
    n, k = a.shape
    rows = max(1, SERIAL_PRODUCT // max(1, k * b.shape[1]))
    for start in range(0, n, rows):
        stop = min(n, start + rows)
        matmul_nn(a[start:stop], b, out[start:stop])


@kernel
def serial_matmul_nt(a, b, out):
    """out = a @ bᵀ in row blocks. Shapes: a (n, m), b (k, m), out (n, k)."""
    n, m = a.shape
    rows = max(1, SERIAL_PRODUCT // max(1, m * b.shape[0]))
    for start in range(0, n, rows):
        stop = min(n, start + rows)
        matmul_nt(a[start:stop], b, out[start:stop])


@kernel
def serial_matmul_tn(a, b, out):
    """out = aᵀ @ b, summed over blocks of rows (and of b's columns when out is wide).

    Shapes: a (n, k), b (n, m), out (k, m). The sum runs over n, the long axis (time steps × batch).
    """
    n, k = a.shape
    m = b.shape[1]
    cols = max(1, min(m, SERIAL_PRODUCT // (_MIN_REDUCTION_ROWS * max(1, k))))
    rows = max(1, SERIAL_PRODUCT // max(1, k * cols))
    out[:] = 0.0
    for c0 in range(0, m, cols):
        c1 = min(m, c0 + cols)
        width = c1 - c0
        part = np.empty((k, width), dtype=out.dtype)
        columns = np.empty((min(rows, n), width), dtype=out.dtype)
        for r0 in range(0, n, rows):
            r1 = min(n, r0 + rows)
            if width == m:
                matmul_tn(a[r0:r1], b[r0:r1], part)
            else:  # a contiguous copy of the column block: BLAS takes C-ordered blocks only
                block = columns[:r1 - r0]
                for i in range(r1 - r0):
                    for j in range(width):
                        block[i, j] = b[r0 + i, c0 + j]
                matmul_tn(a[r0:r1], block, part)
            for p in range(k):
                for j in range(width):
                    out[p, c0 + j] += part[p, j]


# -- lean variants for the convolutions ---------------------------------------------------------------------
# A convolution's row blocks are never tiny, so these skip matmul_nn's small-product loops and the column
# blocks of serial_matmul_tn: one np.dot per block and nothing else, which also keeps numba's first compile
# short (the convolution kernels' first compile is part of a double-clicked app's first training step).
_MIN_BLOCK_ROWS = 32  # a wide product (k·m above SERIAL_PRODUCT) still goes in blocks of this many rows


@kernel
def rows_matmul_nn(a, b, out):
    """out = a @ b in blocks of rows. Shapes: a (n, k), b (k, m), out (n, m); b may be a transposed view
    (``w.T``: BLAS reads it as it is)."""
    n, k = a.shape
    step = max(_MIN_BLOCK_ROWS, SERIAL_PRODUCT // max(1, k * b.shape[1]))
    for start in range(0, n, step):
        stop = min(n, start + step)
        np.dot(a[start:stop], b, out[start:stop])


@kernel
def rows_matmul_tn(a, b, out):
    """out = aᵀ @ b summed over blocks of rows. Shapes: a (n, k), b (n, m), out (k, m)."""
    n, k = a.shape
    m = b.shape[1]
    step = max(_MIN_BLOCK_ROWS, SERIAL_PRODUCT // max(1, k * m))
    part = np.empty_like(out)
    for p in range(k):
        for j in range(m):
            out[p, j] = 0.0
    for start in range(0, n, step):
        stop = min(n, start + step)
        np.dot(a[start:stop].T, b[start:stop], part)
        for p in range(k):
            for j in range(m):
                out[p, j] += part[p, j]
