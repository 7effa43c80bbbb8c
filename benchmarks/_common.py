"""What the layer benchmarks (``conv_vs_torch.py``, ``recurrent_vs_torch.py``, ``gemm_rate.py``) share.

The timing primitive (:func:`alternating_blocks`) and the thread set-up come from ``dense_vs_torch.py`` so
that every benchmark measures the same way. On top of them: one process per thread count (BLAS pools are
sized when numpy, scipy and torch are imported, so 1 and 2 threads cannot share a process), a row type that
keeps every sample so the table can show medians, ranges and per-round ratios, the PyTorch training and
prediction loops, and the header line with the machine and its load average (the machine is shared: the load
says how much to trust a run). Not a test: timings never decide pass/fail.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from dense_vs_torch import _set_threads_before_imports, alternating_blocks

REPO = Path(__file__).resolve().parents[1]

__all__ = ["REPO", "Row", "alternating_blocks", "argument_parser", "compare", "load_average", "machine_header",
           "print_rows", "start", "torch_predict", "torch_train_epoch"]


def argument_parser(description: str, repeats: int = 5, rounds: int = 3) -> argparse.ArgumentParser:
    """The options every layer benchmark takes: --threads, --repeats, --rounds, --quick, --repo."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2],
                        help="thread counts to measure, each in its own process (default: 1 2)")
    parser.add_argument("--repeats", type=int, default=repeats, help="timed calls per block")
    parser.add_argument("--rounds", type=int, default=rounds,
                        help="alternating rounds (one block of ours, one of PyTorch's) per case")
    parser.add_argument("--quick", action="store_true",
                        help="one round of one call per side and smaller data: checks that the script runs")
    parser.add_argument("--repo", type=Path, default=REPO,
                        help="source tree to measure (default: this one), e.g. an exported older version")
    return parser


def start(args: argparse.Namespace, later_extra: tuple[str, ...] = ()) -> bool:
    """Prepare this process to measure ``args.threads[0]`` threads, or run one child per thread count.

    Returns True when this process measures; False when it has run the children (the caller just returns).
    ``later_extra`` is added to the command line of every child but the first (e.g. to skip a measurement that
    does not depend on the thread count).
    """
    if args.quick:
        args.repeats, args.rounds = 1, 1
    if len(args.threads) == 1:
        _set_threads_before_imports(args.threads[0])
        sys.path.insert(0, str(args.repo))
        return True
    for index, threads in enumerate(args.threads):
        # argparse keeps the last --threads, so appending one overrides the list given to the parent.
        command = [sys.executable, sys.argv[0], *sys.argv[1:], "--threads", str(threads)]
        subprocess.run(command + list(later_extra if index else ()), check=True)
        print(flush=True)
    return False


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min) on {os.cpu_count()} cores"


def machine_header(threads: int) -> str:
    import numpy as np

    lines = [f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
             f"{platform.system()} {platform.release()}; threads: {threads}",
             f"Python {platform.python_version()}, numpy {np.__version__}"]
    try:
        import numba
        import torch

        lines[-1] += f", numba {numba.__version__}, torch {torch.__version__}"
    except ImportError:
        pass
    return "\n".join(lines)


@dataclass
class Row:
    """One case: every timed call of both sides (seconds), in ``rounds`` blocks of ``repeats`` calls each."""

    name: str
    ours: list[float]
    theirs: list[float]
    rounds: int
    target: float | None  # the minimum ratio asked for (None: no target)
    aim: float | None = None
    unit: str = "ms"

    def ratio(self) -> float:
        """PyTorch time / ours, from the medians: above 1 means we are faster."""
        return statistics.median(self.theirs) / statistics.median(self.ours)

    def round_ratios(self) -> list[float]:
        """The same ratio from each round's two blocks alone: how much it moved with the machine's load."""
        size = len(self.ours) // self.rounds
        return [statistics.median(self.theirs[i * size:(i + 1) * size]) /
                statistics.median(self.ours[i * size:(i + 1) * size]) for i in range(self.rounds)]

    def verdict(self) -> str:
        if self.target is None:
            return ""
        if self.ratio() < self.target:
            return "**no**"
        return "yes (aim too)" if self.aim is not None and self.ratio() >= self.aim else "yes"


def compare(rows: list[Row], name: str, ours, theirs, args: argparse.Namespace, target: float | None,
            aim: float | None = None, repeats: int | None = None) -> Row:
    """Time ``ours()`` against ``theirs()`` in alternating blocks after one warm-up call each; append the row."""
    our_times, their_times = alternating_blocks(ours, theirs, repeats or args.repeats, args.rounds)
    rows.append(Row(name, our_times, their_times, args.rounds, target, aim))
    return rows[-1]


def _milliseconds(samples: list[float]) -> str:
    median = statistics.median(samples) * 1e3
    low, high = min(samples) * 1e3, max(samples) * 1e3
    digits = 2 if median < 10 else 1 if median < 100 else 0
    return f"{median:.{digits}f} ({low:.{digits}f}–{high:.{digits}f})"


def print_rows(rows: list[Row]) -> None:
    """The markdown table: medians with (min–max) in ms, ratio of medians, per-round ratios, target, met."""
    print("| case | Neurotaller ms, median (min–max) | PyTorch ms, median (min–max) | ratio | per-round ratios "
          "| target | met |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        target = "" if row.target is None else f"≥ {row.target:g}×" + (f" (aim {row.aim:g}×)" if row.aim else "")
        rounds = ", ".join(f"{ratio:.2f}" for ratio in row.round_ratios())
        print(f"| {row.name} | {_milliseconds(row.ours)} | {_milliseconds(row.theirs)} | {row.ratio():.2f}× "
              f"| {rounds} | {target} | {row.verdict()} |")


def torch_train_epoch(model, loss_fn, optimizer, x, y, batch_size: int):
    """An idiomatic PyTorch epoch (shuffled mini-batches, zero_grad / backward / step) as a no-argument call."""
    import torch

    def run() -> None:
        model.train()
        order = torch.randperm(len(x))
        for begin in range(0, len(x), batch_size):
            index = order[begin:begin + batch_size]
            optimizer.zero_grad()
            loss_fn(model(x[index]), y[index]).backward()
            optimizer.step()
    return run


def torch_predict(model, x, batch_size: int, softmax: bool = False):
    """PyTorch inference over ``x`` in batches (eval mode, no autograd), as a no-argument call."""
    import torch

    def run() -> None:
        model.eval()
        with torch.inference_mode():
            for begin in range(0, len(x), batch_size):
                out = model(x[begin:begin + batch_size])
                if softmax:
                    torch.softmax(out, dim=1)
    return run
