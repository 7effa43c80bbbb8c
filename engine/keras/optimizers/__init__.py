"""``keras.optimizers``: the engine's optimizers under their Keras names; ``keras.optimizers.schedules`` is a
submodule, so ``from engine.keras.optimizers.schedules import ExponentialDecay`` works as in Keras."""
from engine.optimizers import *  # noqa: F401,F403
from engine.optimizers import Optimizer, get  # noqa: F401
from engine.keras.optimizers import schedules  # noqa: F401  (after the star import: replaces engine.schedules)
