"""``keras.regularizers``: the engine's regularizers under their Keras names."""
from engine.regularizers import *  # noqa: F401,F403
from engine.regularizers import get  # noqa: F401
