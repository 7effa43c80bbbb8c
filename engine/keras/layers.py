"""``keras.layers``: every layer of the engine's registry under its Keras name."""
from engine.keras._symbolic import Input
from engine.layers import Activation, Dense, Dropout, Flatten, Layer, Reshape
from engine.layers.input_layer import Input as InputLayer

__all__ = ["Activation", "Dense", "Dropout", "Flatten", "Input", "InputLayer", "Layer", "Reshape"]
