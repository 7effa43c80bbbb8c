"""Arithmetic tasks (regression): add two or three numbers, multiply four; and truth tables (XOR, AND, OR)
for the first perceptron and multilayer-perceptron labs."""
from __future__ import annotations

import itertools

import numpy as np

from engine.datasets.base import Dataset


def _numbers(name: str, title: str, n_inputs: int, combine, n_samples: int, low: float, high: float,
             seed: int) -> Dataset:
    if int(n_samples) < 1:
        raise ValueError(f"n_samples must be at least 1; got {n_samples}")
    if not float(low) < float(high):
        raise ValueError(f"low must be smaller than high; got low={low}, high={high}")
    rng = np.random.default_rng(seed)
    x = rng.uniform(low, high, size=(int(n_samples), n_inputs))
    y = combine(x).reshape(-1, 1)
    meta = {"title": title, "default_split": (0.7, 0.15, 0.15), "source": "generated"}
    return Dataset(x.astype(np.float32), y.astype(np.float32), "regression",
                   [f"a{i + 1}" for i in range(n_inputs)], None, ["result"], name=name, meta=meta,
                   spec={"name": name, "options": dict(n_samples=n_samples, low=low, high=high, seed=seed)})


def add2(n_samples: int = 1000, low: float = 0.0, high: float = 1.0, seed: int = 0) -> Dataset:
    """a1 + a2 for numbers drawn uniformly from [low, high)."""
    return _numbers("add2", "Add two numbers", 2, lambda x: x.sum(axis=1), n_samples, low, high, seed)


def add3(n_samples: int = 1000, low: float = 0.0, high: float = 1.0, seed: int = 0) -> Dataset:
    """a1 + a2 + a3 for numbers drawn uniformly from [low, high)."""
    return _numbers("add3", "Add three numbers", 3, lambda x: x.sum(axis=1), n_samples, low, high, seed)


def multiply4(n_samples: int = 1000, low: float = 0.0, high: float = 2.0, seed: int = 0) -> Dataset:
    """a1 · a2 · a3 · a4 for numbers drawn uniformly from [low, high) (default [0, 2): products 0..16,
    mean 1, so the target is neither tiny nor huge)."""
    return _numbers("multiply4", "Multiply four numbers", 4, lambda x: x.prod(axis=1), n_samples, low, high,
                    seed)


_GATES = {"xor": lambda bits: bits.sum(axis=1) % 2, "and": lambda bits: bits.min(axis=1),
          "or": lambda bits: bits.max(axis=1)}


def truth_table(gate: str = "xor", n_inputs: int = 2) -> Dataset:
    """All 2**n_inputs rows of a logic gate (XOR is parity for more inputs). Class 1 = true. Training and
    evaluation use every row (default split: all training)."""
    gate = str(gate).lower()
    if gate not in _GATES:
        raise ValueError(f"unknown gate {gate!r}; choose one of: {', '.join(_GATES)}")
    if not 1 <= int(n_inputs) <= 12:
        raise ValueError(f"n_inputs must lie in 1..12; got {n_inputs}")
    bits = np.array(list(itertools.product((0, 1), repeat=int(n_inputs))), dtype=np.int64)
    y = _GATES[gate](bits).astype(np.int64)
    name = f"truth_{gate}"
    meta = {"title": f"{gate.upper()} truth table", "default_split": (1.0, 0.0, 0.0), "source": "generated"}
    return Dataset(bits.astype(np.float32), y, "binary", [f"in{i + 1}" for i in range(int(n_inputs))],
                   ["false", "true"], [gate.upper()], name=name, meta=meta,
                   spec={"name": name, "options": {"n_inputs": int(n_inputs)}})


def truth_xor(n_inputs: int = 2) -> Dataset:
    """XOR truth table (parity of the inputs)."""
    return truth_table("xor", n_inputs)


def truth_and(n_inputs: int = 2) -> Dataset:
    """AND truth table."""
    return truth_table("and", n_inputs)


def truth_or(n_inputs: int = 2) -> Dataset:
    """OR truth table."""
    return truth_table("or", n_inputs)
