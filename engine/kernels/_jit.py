"""The one place that decides how kernels are compiled.

Every kernel module does ``from engine.kernels._jit import kernel`` and decorates its free functions with
``@kernel``. Keeping the flags here means a change of flags also changes the cache directory (below), so a
stale machine-code cache can never be loaded with the wrong semantics.
"""
from __future__ import annotations

import hashlib
import os
import sys
import threading
from pathlib import Path

import numba

# NaN and Inf must stay visible (a diverging loss has to be seen), so 'nnan' and 'ninf' are left out.
FASTMATH = frozenset({"nsz", "arcp", "contract", "afn", "reassoc"})

JIT_OPTIONS = dict(
    nogil=True,  # the training thread must never freeze the GUI thread
    cache=True,  # first-compile time matters to a double-click app
    error_model="numpy",  # loops that divide only vectorise without Python's ZeroDivisionError checks
    fastmath=set(FASTMATH),
)

_KERNEL_DIR = Path(__file__).resolve().parent


def _kernel_fingerprint() -> str:
    """Hash of everything that decides the machine code: kernel sources, flags, numba and numpy versions.

    Numba's own cache key is the source file's timestamp only; it ignores compile flags and misses changes in
    other modules a kernel calls. Keying the directory by this hash makes every such change a clean miss.
    """
    digest = hashlib.sha256()
    for source in sorted(_KERNEL_DIR.glob("*.py")):
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    # Sorted, not repr() of the dict: a set's printed order changes from one process to the next.
    digest.update(repr([(key, sorted(value) if isinstance(value, (set, frozenset)) else value)
                        for key, value in sorted(JIT_OPTIONS.items())]).encode())
    digest.update(numba.__version__.encode())
    import numpy

    digest.update(numpy.__version__.encode())
    digest.update(sys.version.encode())
    return digest.hexdigest()[:16]


def user_cache_root() -> Path:
    """Per-user cache folder following each platform's convention."""
    override = os.environ.get("NEUROTALLER_CACHE_DIR")
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "neurotaller"


def kernel_cache_dir() -> Path:
    return user_cache_root() / "kernels" / _kernel_fingerprint()


def _configure_cache() -> None:
    # An explicit NUMBA_CACHE_DIR from the user wins (e.g. read-only installs pointing elsewhere).
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    target = kernel_cache_dir()
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError:
        return  # numba falls back to __pycache__ or no cache; never fail an import over a cache
    numba.config.CACHE_DIR = str(target)


_configure_cache()


def kernel(function):
    """Compile a free function over preallocated arrays with the project's flags."""
    return numba.njit(**JIT_OPTIONS)(function)


# Set on a thread while it runs one part of work cut over the engine's threads (engine.parallel): the kernels
# it calls must then stay on that thread too.
_this_thread = threading.local()


def single_thread() -> bool:
    """True when kernels called from this thread run on one thread: the engine has one
    (``NUMBA_NUM_THREADS=1``, read without starting numba's pool) or this thread runs one part of a split
    (``runs_one_part``).

    Some products are faster cut into single-thread blocks, others as one call BLAS splits over its threads;
    the kernels' callers choose by this. Whoever limits the threads sets numba's and BLAS's alike (the
    benchmarks do).
    """
    return numba.config.NUMBA_NUM_THREADS == 1 or runs_one_part()


def runs_one_part() -> bool:
    """True while this thread runs one part of work split over the engine's threads."""
    return getattr(_this_thread, "one_part", False)


def set_runs_one_part(value: bool) -> bool:
    """Mark this thread as running one part (or not); returns the previous mark, to restore it."""
    previous = runs_one_part()
    _this_thread.one_part = value
    return previous

