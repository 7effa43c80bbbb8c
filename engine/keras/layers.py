"""``keras.layers``: every layer of the engine's registry under its Keras name."""
from engine.keras._symbolic import Input
from engine.layers import Activation, Dense, Dropout, Flatten, Layer, Reshape
from engine.layers.conv import Conv1D, Conv2D, Conv2DTranspose
from engine.layers.embedding import Embedding
from engine.layers.input_layer import Input as InputLayer
from engine.layers.merge import (Add, Average, Concatenate, Multiply, Subtract, add, average, concatenate, multiply,
                                 subtract)
from engine.layers.normalization import BatchNormalization
from engine.layers.pooling import (AveragePooling1D, AveragePooling2D, GlobalAveragePooling1D, GlobalAveragePooling2D,
                                   GlobalMaxPooling1D, GlobalMaxPooling2D, MaxPooling1D, MaxPooling2D)
from engine.layers.recurrent import GRU, LSTM, SimpleRNN
from engine.layers.sequence import RepeatVector, TimeDistributed
from engine.layers.spatial import UpSampling2D, ZeroPadding2D

__all__ = ["Activation", "Dense", "Dropout", "Flatten", "Input", "InputLayer", "Layer", "Reshape"]
__all__ += ["Add", "Average", "BatchNormalization", "Concatenate", "Multiply", "Subtract", "add", "average",
            "concatenate", "multiply", "subtract"]
__all__ += ["AveragePooling1D", "AveragePooling2D", "Conv1D", "Conv2D", "Conv2DTranspose", "GlobalAveragePooling1D",
            "GlobalAveragePooling2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "MaxPooling1D", "MaxPooling2D",
            "UpSampling2D", "ZeroPadding2D"]
# Keras' aliases
Convolution1D, Convolution2D, Convolution2DTranspose = Conv1D, Conv2D, Conv2DTranspose
MaxPool1D, MaxPool2D, AvgPool1D, AvgPool2D = MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D
GlobalMaxPool1D, GlobalMaxPool2D = GlobalMaxPooling1D, GlobalMaxPooling2D
GlobalAvgPool1D, GlobalAvgPool2D = GlobalAveragePooling1D, GlobalAveragePooling2D
__all__ += ["AvgPool1D", "AvgPool2D", "Convolution1D", "Convolution2D", "Convolution2DTranspose", "GlobalAvgPool1D",
            "GlobalAvgPool2D", "GlobalMaxPool1D", "GlobalMaxPool2D", "MaxPool1D", "MaxPool2D"]
__all__ += ["Embedding", "GRU", "LSTM", "RepeatVector", "SimpleRNN", "TimeDistributed"]
