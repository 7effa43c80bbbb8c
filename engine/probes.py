"""Probes: what a network computes inside, for the GUI's views of hidden layers (feature maps, hidden states,
weights) — always in inference mode (training=False), never changing weights or training state, and always
returning copies, so a view may keep them while training goes on.

Probes run layers' ``forward``, which overwrites what each layer cached for its next ``backward``: call them
between training steps (as the GUI does from the training thread's pauses), never during one.

Shapes: ``x`` is a batch (n, *input_shape) — or one sample (*input_shape), and then the results have no
batch axis either. Several inputs: a list (or a dict by input name) of such arrays.
"""
from __future__ import annotations

from typing import Iterable

import numpy as np

from engine.layers.base import Layer
from engine.network import Network


def _feeds(network: Network, x) -> tuple[dict[str, np.ndarray], bool]:
    """Input arrays by node id, and whether a single sample (no batch axis) was given."""
    items = list(x.values()) if isinstance(x, dict) else list(x) if isinstance(x, (list, tuple)) else [x]
    arrays = [np.asarray(item) for item in items]
    single = len(arrays) == len(network.input_shapes) and all(
        array.ndim == len(shape) for array, shape in zip(arrays, network.input_shapes))
    if single:
        arrays = [array[np.newaxis] for array in arrays]
        x = arrays if not isinstance(x, dict) else dict(zip(x, arrays))
    elif not isinstance(x, dict):
        x = arrays
    return dict(zip(network.input_ids, network._as_input_list(x))), single


def _node_ids(network: Network, names: Iterable[str] | None) -> list[str]:
    by_name = {network.layers[node_id].name: node_id for node_id in network.order}
    if names is None:
        return list(network.order)
    if isinstance(names, str):
        names = [names]
    unknown = [name for name in names if name not in by_name]
    if unknown:
        raise ValueError(f"no layer named {', '.join(map(repr, unknown))}; layers: {', '.join(by_name)}")
    return [by_name[name] for name in names]


def _run(network: Network, feeds: dict[str, np.ndarray], wanted: list[str]) -> dict[str, np.ndarray]:
    """Forward in inference mode, in topological order, only as far as the last wanted node."""
    last = max(network.order.index(node_id) for node_id in wanted)
    outputs: dict[str, np.ndarray] = {}
    for node_id in network.order[: last + 1]:
        if node_id in feeds:
            outputs[node_id] = feeds[node_id]
            continue
        sources = network.graph.predecessors(node_id)  # all computed already: the order is topological
        outputs[node_id] = network.layers[node_id].forward([outputs[s] for s in sources], training=False)
    return outputs


def layer_outputs(network: Network, x, names: Iterable[str] | None = None) -> dict[str, np.ndarray]:
    """Each layer's output for the input ``x``, keyed by layer name (all layers when ``names`` is None).

    Shapes: (n, *layer output shape), or the layer output shape alone for a single sample.
    """
    wanted = _node_ids(network, names)
    feeds, single = _feeds(network, x)
    outputs = _run(network, feeds, wanted)
    return {network.layers[node_id].name: _copy(outputs[node_id], single) for node_id in wanted}


def pre_activations(network: Network, x, name: str) -> np.ndarray:
    """The values a Dense or Activation layer feeds its activation function (x·W + b for a Dense).

    Shapes: like the layer's output: (n, *output shape), or without the batch axis for a single sample.
    """
    (node_id,) = _node_ids(network, [name])
    layer = network.layers[node_id]
    if not _has_activation(layer):
        able = [network.layers[i].name for i in network.order if _has_activation(network.layers[i])]
        raise ValueError(f"layer {name!r} ({layer.type_name}) has no activation function; layers that have "
                         f"one: {', '.join(able) or 'none'}")
    feeds, single = _feeds(network, x)
    outputs = _run(network, feeds, [node_id])
    return _copy(layer.pre_activation().reshape(outputs[node_id].shape), single)


def weight_snapshot(network: Network) -> dict[str, np.ndarray]:
    """Copies of every weight, keyed 'layer/weight', layer by layer in Keras' order (trainable and not)."""
    return {f"{layer.name}/{slot.spec.name}": slot.value.copy()
            for layer in network.ordered_layers() for slot in layer.weights}


def _has_activation(layer: Layer) -> bool:
    return type(layer).pre_activation is not Layer.pre_activation  # overridden: the layer keeps its sums


def _copy(array: np.ndarray, single: bool) -> np.ndarray:
    return np.array(array[0] if single else array, copy=True)
