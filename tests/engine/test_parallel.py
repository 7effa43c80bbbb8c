"""Ranges of a batch run side by side (engine.parallel): the convolution and pooling layers must give the
one-thread numbers whatever the split, and the helper must run every part and report failures."""
from __future__ import annotations

import threading

import numba

import numpy as np
import pytest

import engine.parallel as parallel
from engine.graph.model import Graph
from engine.network import Network
from tests.engine.test_conv_pool_fusion import CASES, chain_graph, conv, pool, run

SPLIT_CASES = {
    **CASES,
    "average pooling": ((9, 8, 2), [conv(3), ("AveragePooling2D", {"pool_size": [2, 2], "padding": "same"}),
                                    conv(2, "tanh"), ("Flatten", {})]),
    "1×1 kernel after a convolution": ((6, 6, 2), [conv(3, padding="same"),
                                                  ("Conv2D", {"filters": 4, "kernel_size": [1, 1]}), pool(),
                                                  ("Flatten", {})]),
    "global pooling": ((7, 7, 1), [conv(3), ("GlobalMaxPooling2D", {})]),
}


@pytest.fixture
def split_everything(monkeypatch):
    """Three threads and no minimum range size: every convolution and pooling pass, and the forward product of
    every Dense layer, is cut in up to three.

    Returns the list of range counts seen, to check the split really happened.
    """
    seen = []
    run_ranges = parallel.run_ranges

    def counting(work, ranges):
        seen.append(len(ranges))
        run_ranges(work, ranges)

    monkeypatch.setattr(parallel, "thread_count", lambda: 3)
    monkeypatch.setattr(parallel, "MIN_RANGE_VALUES", 1)
    monkeypatch.setattr("engine.layers.dense._MIN_RANGE_PRODUCT", 1)
    for module in ("engine.layers.conv", "engine.layers.pooling", "engine.layers.dense"):
        monkeypatch.setattr(f"{module}.run_ranges", counting)
    return seen


@pytest.mark.parametrize("case", SPLIT_CASES)
@pytest.mark.parametrize("training", [True, False])
def test_split_batches_give_the_one_thread_numbers(case, training, split_everything, monkeypatch):
    input_shape, layers = SPLIT_CASES[case]
    graph, _ = chain_graph(input_shape, layers)
    split = Network(graph, seed=5, dtype=np.float64)
    x = np.random.default_rng(0).normal(size=(7,) + input_shape)
    out_split, grads_split, _ = run(split, x, training=training)
    assert max(split_everything) == 3, "every pass should have been cut in three"

    monkeypatch.setattr(parallel, "thread_count", lambda: 1)
    whole = Network(graph.copy(), seed=5, dtype=np.float64)
    whole.set_weight_dict(split.weight_dict())
    split_everything.clear()
    out_whole, grads_whole, _ = run(whole, x, training=training)
    assert set(split_everything) == {1}
    # Each sample's outputs come from the same arithmetic; the kernel gradient is a sum of per-range sums.
    np.testing.assert_array_equal(out_split, out_whole)
    np.testing.assert_allclose(grads_split, grads_whole, rtol=1e-12, atol=1e-13)


def test_split_float32_training_step_matches_within_rounding(split_everything, monkeypatch):
    input_shape, layers = CASES["two blocks"]
    graph, _ = chain_graph(input_shape, layers)
    split = Network(graph, seed=3, dtype=np.float32)
    x = np.random.default_rng(1).normal(size=(5,) + input_shape).astype(np.float32)
    out_split, grads_split, _ = run(split, x)
    monkeypatch.setattr(parallel, "thread_count", lambda: 1)
    whole = Network(graph.copy(), seed=3, dtype=np.float32)
    whole.set_weight_dict(split.weight_dict())
    out_whole, grads_whole, _ = run(whole, x)
    np.testing.assert_array_equal(out_split, out_whole)
    np.testing.assert_allclose(grads_split, grads_whole, rtol=1e-5, atol=1e-6)


def test_a_long_dense_product_in_ranges_of_rows_matches_one_thread(monkeypatch):
    """The slide CNN's first Dense layer at batch 32 on two threads: two ranges of rows, each summing blocks
    of its 5408 inputs on BLAS's single-thread path; a batch above 64 rows stays one product."""
    graph = Graph()
    source = graph.add_node("Input", {"shape": [5408]})
    dense = graph.add_node("Dense", {"units": 128, "activation": "relu"})
    graph.connect(source.id, dense.id)
    seen = []
    monkeypatch.setattr("engine.layers.dense.run_ranges",
                        lambda work, ranges: seen.append(len(ranges)) or parallel.run_ranges(work, ranges))
    monkeypatch.setattr(parallel, "thread_count", lambda: 2)
    split = Network(graph, seed=2, dtype=np.float32)
    x = np.random.default_rng(3).random((32, 5408), dtype=np.float32)
    (out_split,) = split.forward(x, training=False)
    assert seen == [2]
    split.forward(np.concatenate([x, x, x]), training=False)
    assert seen == [2], "96 rows: one product, split by BLAS"
    monkeypatch.setattr(parallel, "thread_count", lambda: 1)
    whole = Network(graph.copy(), seed=2, dtype=np.float32)
    whole.set_weight_dict(split.weight_dict())
    (out_whole,) = whole.forward(x, training=False)
    np.testing.assert_allclose(out_split, out_whole, rtol=1e-5, atol=1e-5)
    weights = {key.split("/")[-1]: value for key, value in split.weight_dict().items()}
    expected = np.maximum(x @ weights["kernel"] + weights["bias"], 0)
    np.testing.assert_allclose(out_split, expected, rtol=1e-4, atol=1e-4)


def test_ranges_cover_the_batch_in_whole_contiguous_parts(monkeypatch):
    monkeypatch.setattr(parallel, "thread_count", lambda: 2)
    assert parallel.sample_ranges(7, blocks=10) == [(0, 3), (3, 7)]
    assert parallel.sample_ranges(7, blocks=1) == [(0, 7)]
    assert parallel.sample_ranges(1, blocks=10) == [(0, 1)]
    # A small batch is not worth a thread hand-off; a big one is.
    assert len(parallel.ranges_for(32, 100)) == 1
    assert len(parallel.ranges_for(32, 26 * 26 * 9)) == 2
    monkeypatch.setattr(parallel, "thread_count", lambda: 1)
    assert parallel.ranges_for(10_000, 10_000) == [(0, 10_000)]


def test_every_part_runs_once_and_the_first_error_waits_for_the_others():
    done = []
    lock = threading.Lock()
    release = threading.Event()

    def work(part, start, stop):
        if part == 1:
            release.wait(5)  # part 0 fails first; part 1 must still finish before the error comes out
        with lock:
            done.append((part, start, stop))
        if part == 0:
            release.set()
            raise ValueError("part 0 failed")

    with pytest.raises(ValueError, match="part 0 failed"):
        parallel.run_ranges(work, [(0, 2), (2, 4), (4, 5)])
    assert sorted(done) == [(0, 0, 2), (1, 2, 4), (2, 4, 5)]


def test_the_pool_threads_are_the_engines_and_other_callers_just_queue():
    names = {}
    parallel.run_ranges(lambda part, start, stop: names.update({part: threading.current_thread().name}),
                        [(0, 1), (1, 2)])
    assert names[0] == threading.current_thread().name  # the caller runs the first part itself
    assert names[1].startswith("neurotaller-engine")
    # Two callers at once (training and a prediction) both finish.
    results = []
    callers = [threading.Thread(target=lambda: parallel.run_ranges(
        lambda part, start, stop: results.append(part), [(0, 1), (1, 2), (2, 3)])) for _ in range(4)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join(10)
    assert sorted(results) == sorted([0, 1, 2] * 4)


def test_the_engine_shortens_blas_spin_before_blas_is_loaded():
    import os
    import subprocess
    import sys

    code = ("import os, sys; os.environ.pop('OPENBLAS_THREAD_TIMEOUT', None); import engine; "
            "assert 'scipy' not in sys.modules; print(os.environ['OPENBLAS_THREAD_TIMEOUT'])")
    env = {key: value for key, value in os.environ.items() if key != "OPENBLAS_THREAD_TIMEOUT"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "16"


def test_a_part_counts_as_one_thread_and_runs_nested_ranges_itself(monkeypatch):
    """Inside a part (one thread's share of a split), kernels stay on that thread and a nested split runs
    there in turn: waiting for the pool, whose threads may run the other parts, could never end."""
    from engine.kernels._jit import single_thread

    monkeypatch.setattr(numba.config, "NUMBA_NUM_THREADS", 2)
    assert parallel.thread_count() == 2 and not single_thread()
    seen = {}

    def part_work(part, start, stop):
        nested = []
        parallel.run_ranges(lambda p, a, b: nested.append((p, threading.current_thread().name)),
                            [(0, 1), (1, 2), (2, 3)])
        seen[part] = (parallel.thread_count(), single_thread(), nested, threading.current_thread().name)

    parallel.run_ranges(part_work, [(0, 1), (1, 2)])
    for count, one_thread, nested, name in seen.values():
        assert count == 1 and one_thread
        assert nested == [(0, name), (1, name), (2, name)]
    assert parallel.thread_count() == 2 and not single_thread()  # the mark ends with the part
