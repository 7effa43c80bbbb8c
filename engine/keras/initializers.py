"""``keras.initializers``: the engine's initializers under their Keras names."""
from engine.initializers import *  # noqa: F401,F403
from engine.initializers import get  # noqa: F401
