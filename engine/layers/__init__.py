"""Built-in layers. Importing this package registers them all."""
from engine.layers.activation import Activation
from engine.layers.base import Layer, ParamSpec, ShapeError, WeightSpec
from engine.layers.dense import Dense
from engine.layers.dropout import Dropout
from engine.layers.input_layer import Input
from engine.layers.registry import CATEGORIES, create_layer, layer_class, layer_types, register_layer
from engine.layers.reshaping import Flatten, Reshape

__all__ = ["Activation", "CATEGORIES", "Dense", "Dropout", "Flatten", "Input", "Layer", "ParamSpec", "Reshape",
           "ShapeError", "WeightSpec", "create_layer", "layer_class", "layer_types", "register_layer"]
