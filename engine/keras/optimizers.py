"""``keras.optimizers``: the engine's optimizers under their Keras names."""
from engine.optimizers import *  # noqa: F401,F403
from engine.optimizers import get  # noqa: F401
