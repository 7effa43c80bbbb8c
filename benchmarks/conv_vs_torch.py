"""Convolutional networks: Neurotaller's public ``fit()``/``predict()`` against an idiomatic PyTorch CPU loop.

Same process, same thread count for both (numba, both BLAS libraries and ``torch.set_num_threads``), same
random MNIST-shaped data (2048 samples of 28×28×1, labels 0–9; PyTorch gets it channels-first, its native
layout, converted once before timing). Each case runs one warm-up call per side, then alternating rounds of
a block of ours and a block of PyTorch's; the table gives each side's median time per epoch (or per
prediction pass) with its range, the ratio of the medians (PyTorch / ours: above 1 means we are faster) and
the ratio of each round alone, which shows how much the machine's load moved it.

Then: the GFLOP/s our slide-CNN training achieves (formula in :func:`slide_cnn_training_flops`) against the
float32 GEMM rate measured in this same process (``gemm_rate.py``), and the start-up time of a fresh process
up to the end of its first slide-CNN training step, with an empty kernel cache (cold) and again with the cache
it filled (warm). Not a test. Run:

    python benchmarks/conv_vs_torch.py [--threads 1 2] [--repeats R] [--rounds N] [--quick]
                                      [--startup run|skip|only] [--warm-runs W] [--repo TREE]
"""
from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

import _common
import gemm_rate

SAMPLES = 2048  # per epoch / prediction pass (256 with --quick)

# The slide CNN in a fresh process: one fit() of one batch of 32 is exactly one training step. Milestones are
# seconds since the parent's launch clock, with the keys ``startup.run_child`` expects.
STARTUP_CHILD = r"""
import json, os, sys, time
launched = float(os.environ["STARTUP_LAUNCHED_AT"])
marks = {"interpreter": time.time() - launched}
sys.path.insert(0, os.environ["STARTUP_REPO"])
import numpy as np
from engine import keras
marks["imports"] = time.time() - launched
rng = np.random.default_rng(0)
x = rng.random((32, 28, 28, 1), dtype=np.float32)
y = rng.integers(0, 10, size=32)
model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(32, 3, activation="relu"),
                          keras.layers.MaxPooling2D(2), keras.layers.Flatten(),
                          keras.layers.Dense(128, activation="relu"), keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
marks["model"] = time.time() - launched
model.fit(x, y, batch_size=32, epochs=1, verbose=0)
marks["first_step"] = time.time() - launched
print("STARTUP " + json.dumps(marks), flush=True)
"""
STARTUP_PHASES = (("interpreter", "Python start"), ("imports", "import numpy + engine.keras"),
                  ("model", "build + compile"), ("first_step", "first training step"))


def slide_cnn_training_flops(samples: int) -> int:
    """Floating-point operations of the products in one training pass of the slide CNN over ``samples``.

    Counted: the multiply-adds (2 FLOPs each) of the convolution and the two Dense layers. A layer doing P
    multiply-adds per sample costs 2·P forward, 2·P for its weight gradient and 2·P for its input gradient,
    except the first layer, fed by the data, whose input gradient nobody computes (neither we nor PyTorch):

        conv   P = 26·26 output positions × 3·3·1 kernel taps × 32 filters = 194,688
        dense1 P = 13·13·32 inputs × 128 units                             = 692,224
        dense2 P = 128 × 10                                                =   1,280
        FLOPs per sample = 2·2·conv + 3·2·(dense1 + dense2) = 4,939,776

    Left out (a few percent at most): biases, activations, pooling, the loss and the Adam update.
    """
    conv = 26 * 26 * 3 * 3 * 1 * 32
    dense1 = 13 * 13 * 32 * 128
    dense2 = 128 * 10
    return samples * (2 * 2 * conv + 3 * 2 * (dense1 + dense2))


def build_cases(args, rows: list):
    """Run the four timed cases; return a call running one slide-CNN training epoch at batch 32 (ours)."""
    import numpy as np
    import torch
    from torch import nn

    from engine import keras

    samples = 256 if args.quick else SAMPLES
    rng = np.random.default_rng(0)
    x = rng.random((samples, 28, 28, 1), dtype=np.float32)
    labels = rng.integers(0, 10, size=samples)
    x_torch = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous()  # NCHW, PyTorch's own layout
    y_torch = torch.from_numpy(labels)
    torch.manual_seed(0)

    def adam(model):
        return torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)  # Keras' epsilon

    # 1-3. The slide CNN: Conv2D(32, 3×3, relu) → MaxPooling2D(2) → Flatten → Dense(128, relu) → Dense(10,
    # softmax), Adam, sparse categorical cross-entropy. PyTorch takes logits into CrossEntropyLoss (its idiom).
    def slide_cnn():
        ours = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(32, 3, activation="relu"),
                                 keras.layers.MaxPooling2D(2), keras.layers.Flatten(),
                                 keras.layers.Dense(128, activation="relu"),
                                 keras.layers.Dense(10, activation="softmax")])
        ours.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        theirs = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                               nn.Linear(13 * 13 * 32, 128), nn.ReLU(), nn.Linear(128, 10))
        return ours, theirs

    epochs = {}
    for batch, target, aim in ((32, 1.3, 2.0), (128, 1.1, None)):
        ours, theirs = slide_cnn()
        epochs[batch] = lambda ours=ours, batch=batch: ours.fit(x, labels, batch_size=batch, epochs=1, verbose=0)
        _common.compare(
            rows, f"slide CNN training, batch {batch}, {samples} samples (epoch)",
            epochs[batch],
            _common.torch_train_epoch(theirs, nn.CrossEntropyLoss(), adam(theirs), x_torch, y_torch, batch),
            args, target, aim)
    _common.compare(rows, f"slide CNN inference, batch 32, {samples} samples",
                    lambda: ours.predict(x, batch_size=32, verbose=0),
                    _common.torch_predict(theirs, x_torch, 32, softmax=True), args, 1.5)

    # 4. Two convolution blocks, 'same' padding, logits out.
    layers = keras.layers
    ours = keras.Sequential([keras.Input((28, 28, 1)),
                             layers.Conv2D(16, 3, padding="same", activation="relu"), layers.MaxPooling2D(2),
                             layers.Conv2D(32, 3, padding="same", activation="relu"), layers.MaxPooling2D(2),
                             layers.Flatten(), layers.Dense(64, activation="relu"), layers.Dense(10)])
    ours.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    theirs = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                           nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                           nn.Linear(7 * 7 * 32, 64), nn.ReLU(), nn.Linear(64, 10))
    _common.compare(rows, f"two-conv CNN (16, 32 same) training, batch 64, {samples} samples (epoch)",
                    lambda: ours.fit(x, labels, batch_size=64, epochs=1, verbose=0),
                    _common.torch_train_epoch(theirs, nn.CrossEntropyLoss(), adam(theirs), x_torch, y_torch, 64),
                    args, 0.9, 1.3)
    return epochs[32], samples


def gemm_share(slide_epoch, samples: int, threads: int, pairs: int) -> str:
    """Our slide-CNN training GFLOP/s as a share of the float32 GEMM rate, measured in alternation.

    Each pair is one training epoch at batch 32 then ~0.3 s of numpy 1024² products; the share is taken per
    pair (so a burst of load that slows both does not change it much) and its median reported.
    """
    flops = slide_cnn_training_flops(samples)
    achieved, gemm, shares = [], [], []
    for _ in range(pairs):
        begin = time.perf_counter()
        slide_epoch()
        achieved.append(flops / (time.perf_counter() - begin) / 1e9)
        gemm.append(statistics.median(gemm_rate.gflops(1024, 1024, 1024, "numpy", repeats=3, seconds=0.1)))
        shares.append(achieved[-1] / gemm[-1])
    return (f"Slide CNN training, batch 32, {threads} thread(s): {flops / samples / 1e6:.2f} MFLOP per sample "
            f"(conv + dense products, forward and backward; formula in slide_cnn_training_flops), "
            f"{statistics.median(achieved):.1f} GFLOP/s (median of {pairs} epochs, range {min(achieved):.1f}–"
            f"{max(achieved):.1f}); numpy float32 1024² GEMM in alternation: {statistics.median(gemm):.1f} GFLOP/s "
            f"({min(gemm):.1f}–{max(gemm):.1f}) → {100 * statistics.median(shares):.0f}% of the GEMM rate "
            f"(per pair {100 * min(shares):.0f}–{100 * max(shares):.0f}%; aim ≥ 30%)")


def run_startup_child(cache_dir: Path, repo: Path) -> dict:
    """``startup.run_child`` (fresh process, launch clock, cache folder) with the slide-CNN child above."""
    import startup

    # run_child launches the module's CHILD source; swap ours in for the call rather than copy the launcher.
    saved, startup.CHILD = startup.CHILD, STARTUP_CHILD
    try:
        return startup.run_child(cache_dir, repo)
    finally:
        startup.CHILD = saved


def describe_startup(label: str, marks: dict) -> str:
    previous, parts = 0.0, []
    for key, name in STARTUP_PHASES:
        parts.append(f"{name} {marks[key] - previous:.2f} s")
        previous = marks[key]
    return f"| {label} | {marks['first_step']:.2f} s | {'; '.join(parts)} |"


def startup_table(repo: Path, warm_runs: int) -> None:
    cache_dir = Path(tempfile.mkdtemp(prefix="neurotaller-cnn-startup-"))
    try:
        before = _common.load_average()
        cold = run_startup_child(cache_dir, repo)
        warm = [run_startup_child(cache_dir, repo) for _ in range(warm_runs)]
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
    print("Start-up: process start → end of the first slide-CNN training step (fresh NEUROTALLER_CACHE_DIR)")
    print(f"({before} before the cold run)")
    print()
    print("| run | total | split |")
    print("|---|---|---|")
    print(describe_startup("cold (empty kernel cache; target ≤ 15 s)", cold))
    for index, marks in enumerate(warm, 1):
        print(describe_startup(f"warm {index} (same cache)", marks))


def main() -> None:
    parser = _common.argument_parser(__doc__.split("\n")[0])
    parser.add_argument("--startup", choices=("run", "skip", "only"), default="run",
                        help="the cold/warm start-up runs: after the timed cases (default; with --quick and for "
                             "every thread count but the first they are skipped), never, or alone")
    parser.add_argument("--warm-runs", type=int, default=2, help="warm start-up runs after the cold one")
    args = parser.parse_args()
    if args.startup == "only":
        args.threads = args.threads[:1]  # start-up does not depend on the thread count: measure it once
    if not _common.start(args, later_extra=("--startup", "skip")):
        return
    threads = args.threads[0]
    print(_common.machine_header(threads))
    if args.startup != "only":
        import torch

        torch.set_num_threads(threads)
        print(f"at start: {_common.load_average()}")
        rows: list = []
        slide_epoch, samples = build_cases(args, rows)
        print(f"at end:   {_common.load_average()}")
        print()
        _common.print_rows(rows)
        print()
        print(gemm_share(slide_epoch, samples, threads, pairs=1 if args.quick else max(3, args.repeats)))
        print()
    if args.startup == "skip" or (args.quick and args.startup == "run"):
        print("Start-up runs skipped")
        return
    startup_table(args.repo, max(1, args.warm_runs))
    print(f"\nat end: {_common.load_average()}")


if __name__ == "__main__":
    main()
