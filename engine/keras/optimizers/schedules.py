"""``keras.optimizers.schedules``: the engine's learning-rate schedules under their Keras names."""
from engine.schedules import (CosineDecay, ExponentialDecay, InverseTimeDecay, LearningRateSchedule,  # noqa: F401
                              PiecewiseConstantDecay, PolynomialDecay, deserialize, serialize)

__all__ = ["CosineDecay", "ExponentialDecay", "InverseTimeDecay", "LearningRateSchedule",
           "PiecewiseConstantDecay", "PolynomialDecay", "deserialize", "serialize"]
