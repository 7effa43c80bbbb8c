"""Ranges of one batch's samples run side by side on the engine's threads.

A convolution's passes (im2col, its tall thin products, col2im, pooling) are too small per batch for BLAS to
split them well, and numba's serial kernels use one core. But every sample is independent, so the layers cut
the batch into ranges and run the same serial kernel on each range at once: the kernels release the GIL
(``nogil=True``), so plain Python threads run them in parallel, each range's products staying on BLAS's
single-thread path. This costs no extra compile time (numba's ``parallel=True`` would recompile every such
kernel) and the kernels stay the ones the numpy twins check.

The thread budget is numba's (``NUMBA_NUM_THREADS``, the number of cores unless set: whoever limits threads sets
numba's and BLAS's alike, as the benchmarks do). With one thread nothing is split. A part's thread counts as
one: what it calls stays on it, and a split asked for inside a part (a layer's passes inside the whole batches
``engine.batch_parallel`` gives each thread) runs there in turn. So the pool's threads never wait for each
other, and two callers at once just queue.

BLAS's own threads spin for a while after each product they split (OpenBLAS: 2^28 cycles, ~0.1 s, by
default) and take the cores the ranges need: ``engine/__init__.py`` shortens that spin
(``OPENBLAS_THREAD_TIMEOUT``) before BLAS is loaded. Measured on 2 cores, two-convolution CNN epoch against
PyTorch in the same run: 0.90–0.94× with the short spin, 0.65–0.82× with the default one (benchmarks/README.md,
item 6). Inside a range every product goes in single-thread row blocks: a product BLAS splits would wait for
its threads, which the other range keeps busy.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import numba

from engine.kernels._jit import runs_one_part, set_runs_one_part

# A range below this many values (256 KB of float32, a cache block) is not worth a thread hand-off (tens of
# microseconds).
MIN_RANGE_VALUES = 65536

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def thread_count() -> int:
    """The engine's thread budget (read without starting numba's own thread pool); 1 on a thread that runs
    one part of a split already (``run_ranges``)."""
    return 1 if runs_one_part() else max(1, int(numba.config.NUMBA_NUM_THREADS))


def sample_ranges(n: int, blocks: int) -> list[tuple[int, int]]:
    """Cut n samples into at most ``thread_count()`` contiguous (start, stop) ranges of nearly equal size.

    ``blocks`` is how many units of work the batch holds (e.g. its cache blocks): no more ranges than blocks,
    so one block means no split (a thread hand-off costs tens of microseconds: ≈ 60 µs measured here).
    """
    parts = max(1, min(thread_count(), blocks, n))
    return [(n * k // parts, n * (k + 1) // parts) for k in range(parts)]


def ranges_for(n: int, values_per_sample: int) -> list[tuple[int, int]]:
    """``sample_ranges`` for n samples that each touch ``values_per_sample`` values."""
    return sample_ranges(n, n * values_per_sample // MIN_RANGE_VALUES)


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max(1, thread_count() - 1), thread_name_prefix="neurotaller-engine")
        return _pool


def run_ranges(work: Callable[[int, int, int], None], ranges: list[tuple[int, int]]) -> None:
    """Call ``work(part, start, stop)`` for every range, the first on this thread, the others on the pool;
    return when all are done (the first exception is raised after every part has stopped, so no part is
    still writing into arrays the caller is about to reuse).

    While a part runs, its thread counts as one (``thread_count``, ``engine.kernels._jit.single_thread``): what
    it calls stays on it, and ranges asked for inside a part run there in turn, never waiting for the pool
    whose threads may be the ones running the other parts.
    """
    if len(ranges) == 1 or runs_one_part():  # one range keeps every thread: BLAS may split its products
        for part, (start, stop) in enumerate(ranges):
            work(part, start, stop)
        return
    pool = _executor()
    futures = [pool.submit(_run_part, work, part, start, stop) for part, (start, stop) in enumerate(ranges) if part]
    error: BaseException | None = None
    try:
        _run_part(work, 0, *ranges[0])
    except BaseException as caught:  # noqa: BLE001 - re-raised below, after the other parts
        error = caught
    for future in futures:
        try:
            future.result()
        except BaseException as caught:  # noqa: BLE001
            error = error or caught
    if error is not None:
        raise error


def _run_part(work: Callable[[int, int, int], None], part: int, start: int, stop: int) -> None:
    previous = set_runs_one_part(True)
    try:
        work(part, start, stop)
    finally:
        set_runs_one_part(previous)
