"""engine.kernels.blas.gemm (BLAS called on strided views, adding into its output) and the Dense product
built on it (``matmul_nn_split``: a long reduction in blocks), against numpy."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.kernels.blas import gemm
from engine.kernels.dense import dense_forward, dense_forward_numpy, matmul_nn_split

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("dtype, rtol", [(np.float32, 1e-5), (np.float64, 1e-13)])
@pytest.mark.parametrize("accumulate", [False, True])
def test_gemm_on_strided_views_writes_only_its_block(dtype, rtol, accumulate):
    rng = np.random.default_rng(4)
    a = rng.standard_normal((7, 40)).astype(dtype)
    b = rng.standard_normal((40, 9)).astype(dtype)
    out = rng.standard_normal((7, 12)).astype(dtype)
    before = out.copy()
    a_block, b_block, out_block = a[:, 5:31], b[5:31, 2:8], out[:, 3:9]  # every one a view with strided rows
    gemm(a_block, b_block, out_block, accumulate)
    expected = a_block @ b_block + (before[:, 3:9] if accumulate else 0)
    np.testing.assert_allclose(out[:, 3:9], expected, rtol=rtol, atol=rtol)
    untouched = np.ones(out.shape, bool)
    untouched[:, 3:9] = False
    np.testing.assert_array_equal(out[untouched], before[untouched])


def test_gemm_single_row_and_column_shapes():
    rng = np.random.default_rng(5)
    for n, k, m in [(1, 5, 3), (4, 1, 6), (3, 7, 1), (1, 1, 1)]:
        a, b = rng.standard_normal((n, k)), rng.standard_normal((k, m))
        out = np.empty((n, m))
        gemm(a, b, out, False)
        np.testing.assert_allclose(out, a @ b, rtol=1e-13)


def test_gemm_refuses_what_blas_would_misread():
    a = np.ones((4, 6), np.float32)
    with pytest.raises(ValueError, match="adjacent"):
        gemm(a.T, a, np.empty((6, 6), np.float32), False)  # a transposed view
    with pytest.raises(ValueError, match="adjacent"):
        gemm(a, np.ones((6, 8), np.float32)[:, ::2], np.empty((4, 4), np.float32), False)
    with pytest.raises(ValueError, match="adjacent"):
        gemm(a, np.ones((6, 4), np.float32), np.empty((4, 8), np.float32)[:, ::2], False)
    with pytest.raises(ValueError, match="shapes"):
        gemm(a, np.ones((5, 4), np.float32), np.empty((4, 4), np.float32), False)
    with pytest.raises(ValueError, match="shapes"):
        gemm(a, np.ones((6, 4), np.float32), np.empty((4, 3), np.float32), False)
    with pytest.raises(ValueError, match="precision"):
        gemm(a, np.ones((6, 4)), np.empty((4, 4), np.float32), False)
    with pytest.raises(ValueError, match="in order"):
        gemm(a[::-1], np.ones((6, 4), np.float32), np.empty((4, 4), np.float32), False)


@pytest.mark.parametrize("n, k, m", [(32, 5408, 128), (3, 1000, 7), (64, 300, 200), (5, 0, 4)])
def test_long_reduction_in_blocks_matches_numpy(n, k, m):
    """The slide CNN's first Dense product, odd sizes, more blocks than one, and no inputs at all."""
    rng = np.random.default_rng(n + k + m)
    for dtype, rtol in ((np.float32, 2e-4), (np.float64, 1e-12)):
        a = rng.random((n, k)).astype(dtype)
        b = (rng.random((k, m)) - 0.5).astype(dtype)
        out = np.full((n, m), np.nan, dtype)  # every value must be written
        matmul_nn_split(a, b, out)
        expected = a @ b
        np.testing.assert_allclose(out, expected, rtol=rtol, atol=rtol * max(1.0, np.abs(expected).max()))
        bias = rng.random(m).astype(dtype)
        z = np.empty((n, m), dtype)
        dense_forward(a, b, bias, True, z, True, True)  # the one-thread Dense forward takes this path
        np.testing.assert_allclose(z, dense_forward_numpy(a, b, bias, True), rtol=rtol,
                                   atol=rtol * max(1.0, np.abs(expected).max()))


def test_gemm_without_the_compiler_calls_the_same_blas():
    """With NUMBA_DISABLE_JIT=1 (the coverage and gradient-check runs) gemm goes through ctypes."""
    script = (
        "import numpy as np\n"
        "from engine.kernels.blas import gemm\n"
        "rng = np.random.default_rng(0)\n"
        "a, b = rng.random((5, 30)), rng.random((30, 4))\n"
        "out = np.ones((5, 6))\n"
        "gemm(a[:, 2:20], b[2:20], out[:, 1:5], True)\n"
        "assert np.allclose(out[:, 1:5], 1 + a[:, 2:20] @ b[2:20]) and (out[:, 0] == 1).all()\n"
        "gemm(a.astype(np.float32), b.astype(np.float32), out32 := np.empty((5, 4), np.float32), False)\n"
        "assert np.allclose(out32, a @ b, rtol=1e-5)\n"
        "print('ok')\n")
    env = dict(os.environ, NUMBA_DISABLE_JIT="1", PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
