"""BLAS's gemm called directly: out = a @ b or out += a @ b on views whose rows are strided, without copies.

numba's ``np.dot`` takes contiguous arrays only and always overwrites its output, so a product cut into blocks
of a long reduction (``engine.kernels.dense.matmul_nn_split``) paid a copy of each block of ``a`` and a pass
adding each partial product into ``out``. gemm itself takes a row stride (its leading dimension) and
``beta = 1``: 32 × 5408 times 5408 × 128 (the slide CNN's first Dense layer) in blocks of 128 ran in
0.41–0.49 ms against 0.52–0.62 ms (blocks copied and added) and 0.65–0.71 ms (one np.dot), on one thread.

The call goes through ``numba_xxgemm``, the C helper numba's own ``np.dot`` uses: it loads scipy's BLAS on
its first call, so scipy is imported no earlier than with ``np.dot``, and the kernel refers to the helper by
name, so it can be cached (a function address would be baked into the machine code). With
``NUMBA_DISABLE_JIT=1`` the same helper is called through ctypes.
"""
import ctypes

import numba
import numpy as np
from numba import types

from engine.kernels._jit import kernel

_NO_TRANSPOSE = 78  # ord("N")
_SINGLE, _DOUBLE = 115, 100  # ord("s"), ord("d"): gemm's precision

if numba.config.DISABLE_JIT:
    from numba import _helperlib

    _ssize, _pointer = ctypes.c_ssize_t, ctypes.c_void_p
    _xxgemm = ctypes.CFUNCTYPE(
        ctypes.c_int, ctypes.c_byte, ctypes.c_byte, ctypes.c_byte, _ssize, _ssize, _ssize, _pointer, _pointer,
        _ssize, _pointer, _ssize, _pointer, _pointer, _ssize)(_helperlib.c_helpers["xxgemm"])
else:
    _xxgemm = types.ExternalFunction("numba_xxgemm", types.intc(
        types.char, types.char, types.char, types.intp, types.intp, types.intp, types.voidptr, types.voidptr,
        types.intp, types.voidptr, types.intp, types.voidptr, types.voidptr, types.intp))


@kernel
def gemm(a, b, out, accumulate):
    """out = a @ b, or out += a @ b when ``accumulate``; float32 or float64.

    Shapes: a (n, k), b (k, m), out (n, m); each may be a view with strided rows (a block of columns) but its
    values within a row must be adjacent.
    """
    n, k = a.shape
    m = b.shape[1]
    # BLAS would read and write out of bounds, or misread the values: refuse what it cannot take.
    if b.shape[0] != k or out.shape[0] != n or out.shape[1] != m:
        raise ValueError("gemm: the shapes do not match")
    if a.itemsize != out.itemsize or b.itemsize != out.itemsize:
        raise ValueError("gemm: the arrays must have one precision")
    if (k > 1 and a.strides[1] != a.itemsize) or (m > 1 and (b.strides[1] != b.itemsize
                                                             or out.strides[1] != out.itemsize)):
        raise ValueError("gemm: the values of a row must be adjacent")
    if a.strides[0] < 0 or b.strides[0] < 0 or out.strides[0] < 0:
        raise ValueError("gemm: the rows must be in order")
    scalars = np.empty(2, dtype=out.dtype)  # alpha, beta
    scalars[0] = 1.0
    scalars[1] = 1.0 if accumulate else 0.0
    # BLAS is column-major: a row-major (n, m) array is its (m, n) transpose, so it computes outᵀ = bᵀ aᵀ.
    status = _xxgemm(_SINGLE if out.itemsize == 4 else _DOUBLE, _NO_TRANSPOSE, _NO_TRANSPOSE, m, n, k,
                     scalars.ctypes, b.ctypes, max(m, b.strides[0] // b.itemsize), a.ctypes,
                     max(k, a.strides[0] // a.itemsize), scalars[1:].ctypes, out.ctypes,
                     max(m, out.strides[0] // out.itemsize))
    if status != 0:
        raise RuntimeError("BLAS (scipy) could not be loaded for a matrix product")
