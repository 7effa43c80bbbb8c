"""``keras.metrics``: the engine's metrics under their Keras names."""
from engine.metrics import *  # noqa: F401,F403
from engine.metrics import get  # noqa: F401
