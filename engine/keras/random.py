"""Where Keras-surface randomness comes from: ``keras.utils.set_random_seed(n)`` makes runs repeatable."""
from __future__ import annotations

import numpy as np

_seed_sequence: np.random.SeedSequence | None = None


def set_random_seed(seed: int) -> None:
    global _seed_sequence
    _seed_sequence = np.random.SeedSequence(int(seed))


def next_seed() -> int | None:
    """A fresh seed derived from the global one (None: unseeded, different every run)."""
    if _seed_sequence is None:
        return None
    return int(_seed_sequence.spawn(1)[0].generate_state(1)[0])


def next_generator() -> np.random.Generator:
    return np.random.default_rng(next_seed())
