"""Dense networks: Neurotaller's public ``fit()``/``predict()`` against an idiomatic PyTorch CPU loop.

Both run in this one process on the same number of threads and the same data; the table reports time per
epoch (or per prediction pass) and the speed ratio (PyTorch time / ours: above 1 means we are faster).

The two sides are timed in alternating blocks (ours, theirs, ours, theirs) so that a burst of load from other
processes is unlikely to hit only one side; each side's best time is reported (the least disturbed run: the
usual choice on a shared machine, as ``timeit`` does), and the ratio of the medians is shown next to it.
Not a test: timings never decide pass/fail. Run:  python benchmarks/dense_vs_torch.py [--threads N] [--repo TREE]
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path


def _set_threads_before_imports(threads: int) -> None:
    # BLAS pools read these at load time; one pool size for everybody keeps the comparison fair.
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ[variable] = str(threads)


def alternating_blocks(ours, theirs, repeats: int, rounds: int = 2) -> tuple[list[float], list[float]]:
    """Seconds per call of both functions: ``rounds`` times a block of ``repeats`` calls of each, after one
    warm-up call of each. Blocks (not single calls) alternate because PyTorch's and BLAS's worker threads keep
    spinning for a while after their last job and would slow down whatever runs right after them."""
    ours()  # warm-up: JIT compile / cache load, allocator
    theirs()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(rounds):
        for function, samples in ((ours, times[0]), (theirs, times[1])):
            for _ in range(repeats):
                start = time.perf_counter()
                function()
                samples.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeats", type=int, default=4, help="timed calls per block (two blocks per side)")
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[1],
                        help="source tree to measure (default: this one), e.g. an exported older version")
    args = parser.parse_args()
    _set_threads_before_imports(args.threads)
    sys.path.insert(0, str(args.repo))

    import numpy as np
    import torch

    from engine import keras

    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    rows = []

    def compare(name, ours, theirs, per_call, target, repeats=args.repeats):
        our_times, their_times = alternating_blocks(ours, theirs, repeats)
        rows.append((name, min(our_times) / per_call, min(their_times) / per_call,
                     statistics.median(their_times) / statistics.median(our_times), target))

    def torch_fit(model, loss_fn, optimizer, x, y, batch_size, epochs):
        def run():
            for _ in range(epochs):
                order = torch.randperm(len(x))
                for start in range(0, len(x), batch_size):
                    index = order[start:start + batch_size]
                    optimizer.zero_grad()
                    loss = loss_fn(model(x[index]), y[index])
                    loss.backward()
                    optimizer.step()
        return run

    # 1. Playground: 2-8-8-1 tanh, sigmoid + BCE, SGD, batch 10, 500 samples.
    x = rng.uniform(-6, 6, size=(500, 2)).astype(np.float32)
    y = ((x[:, 0] * x[:, 1]) > 0).astype(np.float32).reshape(-1, 1)
    epochs = 20
    ours = keras.Sequential([keras.Input((2,)), keras.layers.Dense(8, activation="tanh"),
                             keras.layers.Dense(8, activation="tanh"), keras.layers.Dense(1, activation="sigmoid")])
    ours.compile(optimizer=keras.optimizers.SGD(0.03), loss="binary_crossentropy")
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 8), torch.nn.Tanh(),
                                 torch.nn.Linear(8, 1), torch.nn.Sigmoid())
    compare("Playground 2-8-8-1 tanh, BCE, SGD, batch 10, 500 samples (epoch)",
            lambda: ours.fit(x, y, batch_size=10, epochs=epochs, verbose=0),
            torch_fit(theirs, torch.nn.BCELoss(), torch.optim.SGD(theirs.parameters(), lr=0.03), torch.from_numpy(x),
                      torch.from_numpy(y), 10, epochs), epochs, "≥ 30× (aim 50×)")

    # 2. Wine-sized: 13-16-3 relu, softmax CE, Adam, batch 16, 178 samples.
    x = rng.normal(size=(178, 13)).astype(np.float32)
    labels = rng.integers(0, 3, size=178)
    ours = keras.Sequential([keras.Input((13,)), keras.layers.Dense(16, activation="relu"),
                             keras.layers.Dense(3, activation="softmax")])
    ours.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    theirs = torch.nn.Sequential(torch.nn.Linear(13, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    compare("Wine 13-16-3 relu, softmax CE, Adam, batch 16, 178 samples (epoch)",
            lambda: ours.fit(x, labels, batch_size=16, epochs=epochs, verbose=0),
            torch_fit(theirs, torch.nn.CrossEntropyLoss(), torch.optim.Adam(theirs.parameters(), lr=1e-3, eps=1e-7),
                      torch.from_numpy(x), torch.from_numpy(labels), 16, epochs), epochs, "≥ 20× (aim 40×)")

    # 3. MNIST-sized MLP: 784-128-10 relu, Adam, batch 32, 8000 samples.
    x = rng.random(size=(8000, 784), dtype=np.float32)
    labels = rng.integers(0, 10, size=8000)
    ours = keras.Sequential([keras.Input((784,)), keras.layers.Dense(128, activation="relu"),
                             keras.layers.Dense(10, activation="softmax")])
    ours.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    theirs = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    compare("MLP 784-128-10 relu, Adam, batch 32, 8000 samples (epoch)",
            lambda: ours.fit(x, labels, batch_size=32, epochs=1, verbose=0),
            torch_fit(theirs, torch.nn.CrossEntropyLoss(), torch.optim.Adam(theirs.parameters(), lr=1e-3, eps=1e-7),
                      torch.from_numpy(x), torch.from_numpy(labels), 32, 1), 1, "≥ 2× (aim 3×)",
            repeats=max(2, args.repeats // 2))

    x_torch = torch.from_numpy(x)

    def torch_predict():
        with torch.no_grad():
            for start in range(0, len(x_torch), 32):
                torch.softmax(theirs(x_torch[start:start + 32]), dim=1)

    compare("MLP 784-128-10 inference, batch 32, 8000 samples", lambda: ours.predict(x, batch_size=32, verbose=0),
            torch_predict, 1, "≥ 0.9×")

    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"{platform.system()} {platform.release()}; threads: {args.threads}")
    print(f"Python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}")
    print()
    print("| case | Neurotaller (best) | PyTorch (best) | speed ratio (best) | ratio of medians | target |")
    print("|---|---|---|---|---|---|")
    for name, ours_seconds, torch_seconds, median_ratio, target in rows:
        print(f"| {name} | {ours_seconds * 1e3:.3f} ms | {torch_seconds * 1e3:.3f} ms | "
              f"{torch_seconds / ours_seconds:.1f}× | {median_ratio:.1f}× | {target} |")


if __name__ == "__main__":
    main()
