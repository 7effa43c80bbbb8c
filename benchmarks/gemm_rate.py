"""The machine's float32 matrix-product rate (GFLOP/s) on a given number of threads.

The yardstick for how well a network uses the machine: ``conv_vs_torch.py`` divides its achieved GFLOP/s by
the rate measured here, in the same process and on the same threads. Two BLAS libraries are measured because
the process holds two: numpy's own OpenBLAS (``a @ b``) and scipy's (``scipy.linalg.blas.sgemm``), which is
the one the engine's compiled ``np.dot`` calls (they may be different OpenBLAS versions). Besides square
products, the table shows the largest products of the two CNNs of ``conv_vs_torch.py`` (what our training
step actually asks BLAS for: thin products cannot reach the square rate).

A product of (m, k) by (k, n) counts 2·m·k·n floating-point operations. Not a test. Run:

    python benchmarks/gemm_rate.py [--threads 1 2] [--quick]
"""
from __future__ import annotations

import statistics
import time

import _common

# (label, m, k, n, a_transposed): square sizes, then the products of the convolution benchmarks, in the memory
# layout the engine gives BLAS. A weight gradient is colsᵀ·grad, cols being a C-ordered (k, m) matrix, so its
# left operand is a transposed view (a_transposed=True). Slide CNN at batch 32: im2col rows 32·26·26 of 3·3·1
# values into 32 filters; Dense 5408 → 128. Two-conv CNN at batch 64: the second convolution, 64·14·14 rows of
# 3·3·16 values into 32 filters.
SHAPES = (("square 256", 256, 256, 256, False), ("square 1024", 1024, 1024, 1024, False),
          ("slide conv forward", 21632, 9, 32, False), ("slide conv weight grad", 9, 21632, 32, True),
          ("slide dense forward", 32, 5408, 128, False), ("slide dense weight grad", 5408, 32, 128, True),
          ("slide dense input grad", 32, 128, 5408, False),
          ("two-conv conv2 forward", 12544, 144, 32, False), ("two-conv conv2 weight grad", 144, 12544, 32, True))


def gflops(m: int, k: int, n: int, library: str = "numpy", repeats: int = 10, a_transposed: bool = False,
           seconds: float = 0.05) -> list[float]:
    """GFLOP/s of ``repeats`` timed float32 (m, k) × (k, n) products after one warm-up.

    ``library`` is "numpy" (``a @ b`` into a preallocated output) or "scipy" (``sgemm`` called as numba's
    ``np.dot`` calls it for a C-ordered output, so no copy is timed).
    ``a_transposed``: the left operand is the transposed view of a C-ordered (k, m) array. Each timed sample
    runs the product as many times as fill ``seconds``.
    """
    import numpy as np

    rng = np.random.default_rng(0)
    a = rng.random((k, m), dtype=np.float32).T if a_transposed else rng.random((m, k), dtype=np.float32)
    b = rng.random((k, n), dtype=np.float32)
    if library == "numpy":
        out = np.empty((m, n), dtype=np.float32)

        def product() -> None:
            np.matmul(a, b, out=out)
    elif library == "scipy":
        from scipy.linalg.blas import sgemm

        # The call numba's np.dot makes for a C-ordered output: the Fortran-ordered (n, m) product bᵀ·aᵀ
        # (same memory as a C-ordered a·b), each operand passed in its stored order with a transpose flag.
        def fortran(matrix):
            return (matrix, 0) if matrix.flags.f_contiguous else (matrix.T, 1)
        (left, trans_left), (right, trans_right) = fortran(b.T), fortran(a.T)

        def product() -> None:
            sgemm(1.0, left, right, trans_a=trans_left, trans_b=trans_right)
    else:
        raise ValueError(f"library must be 'numpy' or 'scipy', got {library!r}")
    product()
    begin = time.perf_counter()
    product()
    calls = max(1, int(seconds / max(time.perf_counter() - begin, 1e-7)))
    rates = []
    for _ in range(repeats):
        begin = time.perf_counter()
        for _ in range(calls):
            product()
        rates.append(2.0 * m * k * n * calls / (time.perf_counter() - begin) / 1e9)
    return rates


def main() -> None:
    parser = _common.argument_parser(__doc__.split("\n")[0], repeats=10)
    args = parser.parse_args()
    if not _common.start(args):
        return
    repeats = 3 if args.quick else args.repeats
    print(_common.machine_header(args.threads[0]))
    print(_common.load_average())
    print()
    print("| product (m×k×n) | numpy GFLOP/s, median (min–max) | scipy sgemm GFLOP/s, median (min–max) |")
    print("|---|---|---|")
    for label, m, k, n, a_transposed in SHAPES:
        cells = []
        for library in ("numpy", "scipy"):
            rates = gflops(m, k, n, library, repeats, a_transposed)
            cells.append(f"{statistics.median(rates):.1f} ({min(rates):.1f}–{max(rates):.1f})")
        print(f"| {label} ({m}×{k}×{n}{', Aᵀ' if a_transposed else ''}) | {cells[0]} | {cells[1]} |")
    print()
    print(_common.load_average())


if __name__ == "__main__":
    main()
