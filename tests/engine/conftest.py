"""Engine tests: Python's garbage collector back on automatic."""
import gc

import pytest


@pytest.fixture(autouse=True, scope="package")
def automatic_garbage_collection():
    """The designer's tests (collected first) hand collection to a timer on the GUI thread
    (designer/collector.py); the engine's tests run no event loop, so Python collects on its own again."""
    gc.enable()
    yield
