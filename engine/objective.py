"""What a network is trained to minimise: its losses (one per output) plus regularization penalties.

Where the output layer ends in softmax/sigmoid and the loss is the matching cross-entropy, the gradient is
taken with respect to the pre-activation in the fused, numerically stable form (p - y).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from engine import losses as losses_module
from engine.network import Network


def _as_list(value) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


class Objective:
    def __init__(self, network: Network, losses):
        self.network = network
        loss_list = _as_list(losses) if not isinstance(losses, dict) else [
            losses[network.layers[node_id].name] for node_id in network.output_ids]
        if len(loss_list) == 1 and len(network.output_ids) > 1:
            loss_list = loss_list * len(network.output_ids)
        if len(loss_list) != len(network.output_ids):
            raise ValueError(f"the network has {len(network.output_ids)} output(s) but {len(loss_list)} loss(es)")
        self.losses = [losses_module.get(loss) for loss in loss_list]
        self.fused = [loss.uses_logits_with(network.layers[node_id].output_activation_name)
                      for node_id, loss in zip(network.output_ids, self.losses)]
        self.has_regularizers = network.has_regularizers()

    # -- targets --------------------------------------------------------------------------------------
    def prepare_targets(self, targets) -> list[np.ndarray]:
        """Check targets against each output and return them as float arrays the loss kernels take."""
        target_list = _as_list(targets) if not isinstance(targets, dict) else [
            targets[self.network.layers[node_id].name] for node_id in self.network.output_ids]
        if len(target_list) != len(self.losses):
            raise ValueError(f"the network has {len(self.losses)} output(s) but got {len(target_list)} target array(s)")
        prepared = []
        for y, loss, shape in zip(target_list, self.losses, self.network.output_shapes):
            y = np.asarray(y)
            if y.dtype == object or not (np.issubdtype(y.dtype, np.number) or y.dtype == bool):
                raise ValueError(f"targets must be numbers, got an array of {y.dtype}")
            y = y.astype(self.network.dtype)
            width = int(shape[-1])
            if loss.sparse:
                y = y.reshape(y.shape[:-1]) if y.ndim > len(shape) - 1 and y.shape[-1] == 1 else y
                loss.check_targets(y.reshape(-1), width)
            else:
                if y.ndim == len(shape) and width == 1 and y.shape[1:] == tuple(shape[:-1]):
                    y = y.reshape(y.shape + (1,))  # Keras accepts (n,) labels for a single output unit
                loss.check_targets(y if y.ndim == 1 else y.reshape(-1, y.shape[-1]), width)  # 1-D: label hint
            prepared.append(np.ascontiguousarray(y))
        return prepared

    # -- values and gradients -------------------------------------------------------------------------
    def loss_and_gradients(self, inputs, targets: Sequence[np.ndarray], training: bool = True):
        """Forward, loss, backward. Returns (total loss incl. penalties, outputs). Fills network.grads."""
        network = self.network
        outputs = network.forward(inputs, training=training)
        total = 0.0
        output_grads: dict[str, np.ndarray] = {}
        from_pre_activation = []
        for node_id, loss, fused, y, out in zip(network.output_ids, self.losses, self.fused, targets, outputs):
            if fused:
                z = network.layers[node_id].pre_activation()
                value, grad = loss.value_and_grad_logits(z.reshape(out.shape), y)
                from_pre_activation.append(node_id)
                output_grads[node_id] = grad.reshape(z.shape)
            else:
                value, grad = loss.value_and_grad(out, y)
                output_grads[node_id] = grad
            total += float(value)
        network.backward(output_grads, from_pre_activation)
        if self.has_regularizers:
            total += network.regularization_penalty()
            network.add_regularization_gradients()
        return total, outputs

    def loss_value(self, outputs: Sequence[np.ndarray], targets: Sequence[np.ndarray]) -> float:
        """Loss of given outputs (no gradients), including penalties, as Keras reports it."""
        total = 0.0
        for loss, y, out in zip(self.losses, targets, outputs):
            total += float(loss(y, out))
        if self.has_regularizers:
            total += self.network.regularization_penalty()
        return total
