"""Rosenblatt's perceptron rule, as on the slides: w ← w + η (y − ŷ) x, b ← b + η (y − ŷ).

It needs no gradient (the step function has none): a single Dense layer with the step activation learns
from its mistakes, sample by sample. The learning rate η is the optimizer's.
"""
from __future__ import annotations

import numpy as np

from engine.network import Network


def check_perceptron(network: Network) -> None:
    layers = [network.layers[node_id] for node_id in network.order if node_id not in network.input_ids]
    if len(layers) != 1 or type(layers[0]).__name__ != "Dense" or layers[0].activation != "step":
        raise ValueError("the perceptron rule trains a single Dense layer with the 'step' activation "
                         "(Input → Dense(activation='step')); use gradient training for other networks")


def rosenblatt_update(loop, xb: list[np.ndarray], yb: list[np.ndarray]):
    """Apply the rule to each sample of the batch in order. Returns (loss before, outputs before, None)."""
    network = loop.network
    layer = network.layers[network.output_ids[0]]
    outputs = network.forward(xb, training=False)
    loss = loop.objective.loss_value(outputs, yb)
    kernel = layer.weights_by_name["kernel"].value
    bias = layer.weights_by_name["bias"].value if layer.use_bias else None
    rate = float(loop.optimizer.learning_rate)
    x = xb[0].reshape(len(xb[0]), -1)
    y = yb[0].reshape(len(yb[0]), -1)
    for sample, target in zip(x, y):
        z = sample @ kernel + (bias if bias is not None else 0.0)
        error = target - (z >= 0).astype(kernel.dtype)
        if np.any(error):
            kernel += rate * np.outer(sample, error)
            if bias is not None:
                bias += rate * error
    loop.optimizer.iterations += 1
    return loss, outputs, None
