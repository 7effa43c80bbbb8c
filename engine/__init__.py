"""Neurotaller's engine: networks as pure-data graphs, trained by Numba kernels. No Qt, no plotting.

Public modules (imported on first use, so ``import engine`` stays instant):
``engine.graph`` (Graph, analyze), ``engine.layers`` (the layer registry), ``engine.network`` (Network),
``engine.training`` (TrainingLoop), ``engine.activations``, ``engine.losses``, ``engine.metrics``,
``engine.optimizers``, ``engine.initializers``, ``engine.regularizers``, ``engine.constraints``,
``engine.io`` (project and weight files), ``engine.datasets`` (built-in data sets, CSV import), ``engine.project``
(the designer's project file), ``engine.session`` (a training run set up from a project: data, settings,
network), ``engine.templates`` (ready networks to start from), ``engine.probes`` and ``engine.plane`` (what
the plots show), and the compatibility surfaces ``engine.keras`` and
``engine.sklearn``.
"""
from __future__ import annotations

import importlib
import os

# Before any BLAS is loaded: OpenBLAS's threads spin for 2^28 cycles (~0.1 s) after every product they split,
# taking the cores the engine's own threads need for the next convolution (engine.parallel). 2^16 cycles
# (~20 µs) keeps the spin's benefit for back-to-back products. A value the user set wins.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "16")

__version__ = "0.1.0"

_SUBMODULES = ("activations", "constraints", "datasets", "graph", "initializers", "io", "keras", "layers", "losses",
               "metrics", "network", "objective", "optimizers", "perceptron", "plane", "probes", "project",
               "regularizers", "schedules", "session", "sklearn", "templates", "training")

__all__ = ["__version__", *_SUBMODULES]


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"engine.{name}")
    raise AttributeError(f"module 'engine' has no attribute {name!r}")
