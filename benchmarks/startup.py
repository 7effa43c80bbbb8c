"""Start-up time: from launching a fresh Python process to the end of the first Playground epoch.

A classroom double-clicks the app and presses Play; what they wait for is interpreter start, imports, model
construction and the first epoch, which includes compiling the training kernel (cold: empty kernel cache) or
loading it from the on-disk cache (warm). Each measurement is a new subprocess running the public Keras-style
API: ``keras.Sequential`` 2-8-8-1 tanh, sigmoid + binary cross-entropy, SGD, batch 10, 500 samples, one epoch.

The child receives the parent's clock reading taken just before the launch, so the times include
interpreter start-up. Not a test: timings never decide pass/fail. Run:

    python benchmarks/startup.py [--warm-runs 3] [--cache-dir DIR] [--repo OTHER_SOURCE_TREE]

Without ``--cache-dir`` a fresh temporary folder is used (so the first run is truly cold) and removed at the end.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Runs in the child. Milestones are seconds since the parent's launch clock (time.time(): one clock for both).
CHILD = r"""
import json, os, sys, time
launched = float(os.environ["STARTUP_LAUNCHED_AT"])
marks = {"interpreter": time.time() - launched}
sys.path.insert(0, os.environ["STARTUP_REPO"])
import numpy as np
from engine import keras
marks["imports"] = time.time() - launched
rng = np.random.default_rng(0)
x = rng.uniform(-6, 6, size=(500, 2)).astype(np.float32)
y = ((x[:, 0] * x[:, 1]) > 0).astype(np.float32).reshape(-1, 1)
model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(8, activation="tanh"),
                          keras.layers.Dense(8, activation="tanh"), keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer=keras.optimizers.SGD(0.03), loss="binary_crossentropy")
marks["model"] = time.time() - launched
history = model.fit(x, y, batch_size=10, epochs=1, verbose=0)
marks["first_epoch"] = time.time() - launched
marks["fused"] = model._loop is not None and model._loop._fused is not None
print("STARTUP " + json.dumps(marks), flush=True)
"""

PHASES = (("interpreter", "Python start"), ("imports", "import numpy + engine.keras"),
          ("model", "build + compile model"), ("first_epoch", "first fit() epoch"))


def run_child(cache_dir: Path, repo: Path = REPO) -> dict:
    env = dict(os.environ)
    env.pop("NUMBA_CACHE_DIR", None)  # an explicit numba cache folder would bypass the one under test
    env.pop("NUMBA_DISABLE_JIT", None)
    env["NEUROTALLER_CACHE_DIR"] = str(cache_dir)
    env["STARTUP_REPO"] = str(repo)
    env["STARTUP_LAUNCHED_AT"] = repr(time.time())
    result = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=False)
    for line in result.stdout.splitlines():
        if line.startswith("STARTUP "):
            return json.loads(line[len("STARTUP "):])
    raise RuntimeError(f"the child process failed (exit {result.returncode}):\n{result.stderr[-3000:]}")


def describe(label: str, marks: dict) -> str:
    previous = 0.0
    parts = []
    for key, name in PHASES:
        parts.append(f"{name} {marks[key] - previous:.2f} s")
        previous = marks[key]
    fused = "" if marks.get("fused") else "  (WARNING: the fused trainer was not used)"
    return f"{label}: {marks['first_epoch']:.2f} s to the end of the first epoch  [{'; '.join(parts)}]{fused}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--warm-runs", type=int, default=3, help="warm starts measured; the median is reported")
    parser.add_argument("--repo", type=Path, default=REPO,
                        help="source tree to measure (default: this one), e.g. an exported older version")
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help="kernel cache folder to use (default: a fresh temporary one, removed afterwards)")
    args = parser.parse_args()
    own_dir = args.cache_dir is None
    cache_dir = Path(tempfile.mkdtemp(prefix="neurotaller-startup-")) if own_dir else args.cache_dir
    try:
        had_cache = any(cache_dir.rglob("*.nbi")) if cache_dir.exists() else False
        first = run_child(cache_dir, args.repo)
        warm = [run_child(cache_dir, args.repo) for _ in range(max(1, args.warm_runs))]
    finally:
        if own_dir:
            shutil.rmtree(cache_dir, ignore_errors=True)
    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"{platform.system()} {platform.release()}; Python {platform.python_version()}")
    print(describe("cold (empty kernel cache)" if not had_cache else "first run (cache was not empty)", first))
    median = sorted(warm, key=lambda marks: marks["first_epoch"])[len(warm) // 2]
    print(describe(f"warm (median of {len(warm)})", median))
    print("warm runs: " + ", ".join(f"{marks['first_epoch']:.2f} s" for marks in warm))
    print(f"targets: warm ≤ 1.5 s, cold ≤ 5 s; median warm {statistics.median(m['first_epoch'] for m in warm):.2f} s")


if __name__ == "__main__":
    main()
