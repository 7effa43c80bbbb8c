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
}
