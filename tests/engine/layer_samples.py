"""Sample configurations for every registered layer, used by the layer harness.

A new layer must add itself here: the harness fails for any registered type without samples.
Each sample: (config, input shapes without batch, batch size).
"""
SAMPLES = {
    "Input": [({"shape": [3]}, [], 2)],
    "Dense": [
        ({"units": 3, "activation": "tanh"}, [(4,)], 5),
        ({"units": 2, "use_bias": False, "activation": "sigmoid"}, [(3,)], 1),
        ({"units": 2, "activation": "softmax", "kernel_regularizer": "l2"}, [(2, 3)], 2),
        ({"units": 3, "activation": "elu", "bias_initializer": "random_normal"}, [(5,)], 4),
    ],
    "Activation": [({"activation": "softmax"}, [(4,)], 3), ({"activation": "swish"}, [(2, 3)], 2)],
    "Dropout": [({"rate": 0.3, "seed": 1}, [(6,)], 4)],
    "Flatten": [({}, [(2, 3, 2)], 2)],
    "Reshape": [({"target_shape": [3, -1]}, [(6,)], 2)],
    "Add": [({}, [(4,), (4,)], 3), ({}, [(2, 3), (2, 3), (2, 3)], 1), ({}, [(2, 3), (1, 3)], 2)],
    "Subtract": [({}, [(5,), (5,)], 2), ({}, [(3,), (1,)], 1), ({}, [(1,), (2, 3)], 3)],
    "Multiply": [({}, [(4,), (4,)], 3), ({}, [(3,), (3,), (3,)], 2), ({}, [(2, 3), (3,)], 4)],
    "Average": [({}, [(3,), (3,)], 2), ({}, [(2, 2), (2, 2), (2, 2)], 1)],
    "Concatenate": [({}, [(3,), (2,)], 3), ({"axis": -1}, [(2, 3), (2, 1), (2, 2)], 1),
                    ({"axis": 1}, [(2, 3), (3, 3)], 2)],
    "BatchNormalization": [
        ({}, [(4,)], 5),
        ({"center": False, "momentum": 0.9, "epsilon": 0.01}, [(3,)], 1),
        ({"scale": False, "gamma_regularizer": "l2"}, [(2, 3)], 3),
        ({"axis": 1, "gamma_initializer": "random_normal", "beta_initializer": "random_normal"}, [(3, 2)], 4),
    ],
}

# Convolution, pooling and spatial layers: odd sizes, stride 2, 'same' with even kernels, dilation, batch 1.
SAMPLES.update({
    "Conv1D": [
        ({"filters": 3, "kernel_size": 3}, [(7, 2)], 2),
        ({"filters": 2, "kernel_size": 4, "strides": 2, "padding": "same", "activation": "tanh"}, [(7, 3)], 1),
        ({"filters": 2, "kernel_size": 2, "padding": "causal", "dilation_rate": 2, "use_bias": False}, [(6, 2)], 2),
    ],
    "Conv2D": [
        ({"filters": 3, "kernel_size": 3, "activation": "relu"}, [(5, 6, 2)], 2),
        ({"filters": 2, "kernel_size": [2, 2], "strides": 2, "padding": "same"}, [(5, 5, 1)], 1),
        ({"filters": 2, "kernel_size": [2, 3], "padding": "same", "activation": "tanh"}, [(4, 5, 2)], 2),
        ({"filters": 2, "kernel_size": 3, "dilation_rate": 2, "padding": "same", "use_bias": False}, [(5, 5, 1)], 2),
        ({"filters": 2, "kernel_size": 2, "dilation_rate": [1, 2], "activation": "sigmoid",
          "kernel_regularizer": "l2"}, [(4, 5, 2)], 1),
        ({"filters": 3, "kernel_size": 3, "strides": [2, 1], "activation": "softmax"}, [(7, 5, 2)], 1),
        ({"filters": 2, "kernel_size": 1}, [(3, 3, 3)], 2),
    ],
    "Conv2DTranspose": [
        ({"filters": 2, "kernel_size": 3}, [(3, 4, 2)], 2),
        ({"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"}, [(3, 3, 2)], 1),
        ({"filters": 3, "kernel_size": 2, "strides": 2, "padding": "same", "activation": "sigmoid"}, [(2, 3, 1)], 2),
        ({"filters": 2, "kernel_size": [3, 2], "strides": [2, 3], "output_padding": [1, 2]}, [(3, 2, 2)], 1),
        ({"filters": 2, "kernel_size": 2, "strides": 3, "activation": "tanh"}, [(2, 2, 1)], 2),
        ({"filters": 2, "kernel_size": 3, "dilation_rate": 2, "padding": "same", "use_bias": False}, [(3, 3, 1)], 2),
        ({"filters": 2, "kernel_size": 1}, [(2, 3, 2)], 1),
    ],
    "MaxPooling1D": [({}, [(6, 2)], 2), ({"pool_size": 3, "strides": 2, "padding": "same"}, [(7, 2)], 1)],
    "MaxPooling2D": [
        ({}, [(4, 4, 2)], 2),
        ({"pool_size": 3, "strides": 2}, [(5, 6, 2)], 1),
        ({"pool_size": [2, 2], "padding": "same"}, [(5, 5, 1)], 2),
        ({"pool_size": [3, 2], "strides": 1, "padding": "same"}, [(3, 4, 2)], 1),
    ],
    "AveragePooling1D": [({}, [(6, 2)], 2), ({"pool_size": 4, "strides": 1, "padding": "same"}, [(5, 2)], 1)],
    "AveragePooling2D": [
        ({}, [(4, 4, 2)], 2),
        ({"pool_size": 3, "strides": 2}, [(5, 6, 2)], 1),
        ({"pool_size": [2, 2], "padding": "same"}, [(5, 5, 1)], 2),
        ({"pool_size": [3, 4], "strides": 1, "padding": "same"}, [(3, 5, 2)], 1),
    ],
    "GlobalMaxPooling1D": [({}, [(5, 3)], 2), ({"keepdims": True}, [(4, 2)], 1)],
    "GlobalMaxPooling2D": [({}, [(3, 4, 2)], 2), ({"keepdims": True}, [(2, 3, 3)], 1)],
    "GlobalAveragePooling1D": [({}, [(5, 3)], 2), ({"keepdims": True}, [(4, 2)], 1)],
    "GlobalAveragePooling2D": [({}, [(3, 4, 2)], 2), ({"keepdims": True}, [(2, 3, 3)], 1)],
    "UpSampling2D": [({}, [(2, 3, 2)], 2), ({"size": [1, 3]}, [(3, 2, 1)], 1)],
    "ZeroPadding2D": [({}, [(2, 3, 2)], 2), ({"padding": [[0, 2], [1, 0]]}, [(3, 2, 1)], 1),
                      ({"padding": [2, 1]}, [(1, 1, 2)], 2)],
})

# Recurrent and sequence layers: both return_sequences, go_backwards, no bias, other activations, batch 1.
SAMPLES.update({
    "SimpleRNN": [
        ({"units": 3}, [(4, 2)], 2),
        ({"units": 2, "return_sequences": True, "activation": "sigmoid"}, [(3, 3)], 3),
        ({"units": 3, "go_backwards": True, "return_sequences": True, "use_bias": False}, [(3, 1)], 1),
        ({"units": 2, "go_backwards": True, "kernel_regularizer": "l2", "bias_initializer": "random_normal"},
         [(5, 3)], 2),
    ],
    "LSTM": [
        ({"units": 3}, [(4, 2)], 2),
        ({"units": 2, "return_sequences": True, "go_backwards": True, "bias_initializer": "random_normal"},
         [(3, 3)], 1),
        ({"units": 2, "use_bias": False, "activation": "softsign", "recurrent_regularizer": "l2"}, [(3, 2)], 2),
        ({"units": 3, "unit_forget_bias": False, "return_sequences": True}, [(2, 1)], 2),
    ],
    "GRU": [
        ({"units": 3}, [(4, 2)], 2),
        ({"units": 2, "return_sequences": True, "go_backwards": True, "bias_initializer": "random_normal"},
         [(3, 3)], 1),
        ({"units": 2, "reset_after": False, "return_sequences": True, "bias_initializer": "random_normal"},
         [(4, 2)], 2),
        ({"units": 3, "reset_after": False, "use_bias": False, "go_backwards": True}, [(3, 1)], 2),
        ({"units": 2, "use_bias": False, "recurrent_activation": "softsign"}, [(3, 2)], 1),
    ],
    "RepeatVector": [({"n": 3}, [(4,)], 2), ({"n": 1}, [(2,)], 1)],
    "TimeDistributed": [
        ({"layer": {"class_name": "Dense", "config": {"units": 3, "activation": "tanh"}}}, [(4, 2)], 2),
        ({"layer": {"class_name": "Dense", "config": {"units": 2, "activation": "softmax"}}}, [(3, 3)], 1),
        ({"layer": {"class_name": "Flatten", "config": {}}}, [(3, 2, 2)], 2),
    ],
    "Embedding": [({"input_dim": 10, "output_dim": 3}, [(4,)], 2),
                  ({"input_dim": 12, "output_dim": 2, "embeddings_regularizer": "l2"}, [(2, 3)], 1)],
})
