"""``keras.models``: Model (functional), Sequential and load_model."""
from engine.keras._model import Model
from engine.keras._sequential import Sequential
from engine.keras.saving import load_model

__all__ = ["Model", "Sequential", "load_model"]
