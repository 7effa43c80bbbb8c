"""A Keras-compatible surface on the engine: ``from engine import keras`` replaces ``from tensorflow import
keras`` (or ``import keras``) in slide code; submodule imports work the same way
(``from engine.keras.layers import Dense``, ``from engine.keras.optimizers.schedules import ExponentialDecay``).

Semantics and numbers are Keras 3's: the same code with the same starting weights gives the same results.
"""
from engine.keras import (activations, callbacks, constraints, initializers, layers, losses, metrics, models,
                          optimizers, regularizers, saving, utils)
from engine.keras._symbolic import Input, KerasTensor
from engine.keras.models import Model, Sequential
from engine.keras.saving import load_model

__all__ = ["Input", "KerasTensor", "Model", "Sequential", "activations", "callbacks", "constraints",
           "initializers", "layers", "load_model", "losses", "metrics", "models", "optimizers", "regularizers",
           "saving", "utils"]
