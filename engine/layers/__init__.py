"""Built-in layers. Importing this package registers them all."""
from engine.layers.activation import Activation
from engine.layers.base import Layer, ParamSpec, ShapeError, WeightSpec
from engine.layers.conv import Conv1D, Conv2D, Conv2DTranspose
from engine.layers.dense import Dense
from engine.layers.dropout import Dropout
from engine.layers.embedding import Embedding
from engine.layers.input_layer import Input
from engine.layers.merge import Add, Average, Concatenate, Multiply, Subtract
from engine.layers.normalization import BatchNormalization
from engine.layers.pooling import (AveragePooling1D, AveragePooling2D, GlobalAveragePooling1D, GlobalAveragePooling2D,
                                   GlobalMaxPooling1D, GlobalMaxPooling2D, MaxPooling1D, MaxPooling2D)
from engine.layers.recurrent import GRU, LSTM, SimpleRNN
from engine.layers.registry import CATEGORIES, create_layer, layer_class, layer_types, register_layer
from engine.layers.reshaping import Flatten, Reshape
from engine.layers.sequence import RepeatVector, TimeDistributed
from engine.layers.spatial import UpSampling2D, ZeroPadding2D

__all__ = ["Activation", "CATEGORIES", "Dense", "Dropout", "Flatten", "Input", "Layer", "ParamSpec", "Reshape",
           "ShapeError", "WeightSpec", "create_layer", "layer_class", "layer_types", "register_layer"]
__all__ += ["Add", "Average", "BatchNormalization", "Concatenate", "Multiply", "Subtract"]
__all__ += ["AveragePooling1D", "AveragePooling2D", "Conv1D", "Conv2D", "Conv2DTranspose", "GlobalAveragePooling1D",
            "GlobalAveragePooling2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "MaxPooling1D", "MaxPooling2D",
            "UpSampling2D", "ZeroPadding2D"]
__all__ += ["Embedding", "GRU", "LSTM", "RepeatVector", "SimpleRNN", "TimeDistributed"]
