"""Inference batches run side by side, one network per thread.

In inference every sample is independent (BatchNormalization uses its moving statistics, dropout is off), so
a prediction over several batches gives each of the engine's threads a run of whole batches: one thread
hand-off per call, where splitting each layer's pass inside a batch hands off and waits once per layer and
batch. Each batch is computed on one thread with the one-thread kernels (``engine.parallel``: a part's
thread counts as one), so the predictions do not depend on the number of threads.

A layer object keeps per-call state (its inputs for backward, im2col buffers), so two threads cannot run the
same one: each other thread runs a twin of the network — fresh layer objects made from the same
configurations, their weight slots bound to the network's own weight arrays. Trained, loaded or edited
weights are therefore seen at once and nothing is copied; the twins are made once per network and kept.
"""
from __future__ import annotations

import copy

import numpy as np

from engine.layers.base import Layer
from engine.network import Network
from engine.parallel import run_ranges, sample_ranges


def _twin_layer(layer: Layer, dtype) -> Layer:
    twin = type(layer).from_config(layer.get_config())
    if layer.built:  # the layer's own set-up (shapes, geometry); its weights are rebound below
        # Seeded from the layer's weights, build copies them instead of drawing new ones (an AlexNet's 60M).
        twin.weights_by_name = layer.weights_by_name
        twin.build(layer.input_shapes, np.random.default_rng(0), dtype)
    return twin


def _share_weights(twin: Layer, layer: Layer) -> None:
    # Rebound on every call, not once: a network built later over the same layer objects rebinds their
    # weights to its own buffer.
    for name, slot in layer.weights_by_name.items():
        twin_slot = twin.weights_by_name[name]
        twin_slot.value, twin_slot.grad = slot.value, slot.grad
    if hasattr(layer, "need_input_grad"):
        twin.need_input_grad = layer.need_input_grad


def inference_twins(network: Network, count: int) -> list[Network]:
    """``count`` networks that run inference beside ``network`` on other threads (see above)."""
    twins = network.__dict__.setdefault("_inference_twins", [])
    while len(twins) < count:
        twin = copy.copy(network)  # the order, sources and pooling pairs are read-only while running
        twin.__dict__.pop("_inference_twins", None)
        twin.layers = {node_id: _twin_layer(layer, network.dtype) for node_id, layer in network.layers.items()}
        twin._outputs = {}
        twins.append(twin)
    for twin in twins[:count]:
        for node_id, layer in network.layers.items():
            _share_weights(twin.layers[node_id], layer)
    return twins[:count]


def predict_batches(network: Network, xs: list[np.ndarray], batch_size: int) -> list[list[np.ndarray]]:
    """The outputs of every batch of ``xs``: a list per network output, in batch order. With several threads
    and batches, each thread runs a contiguous run of the batches."""
    starts = list(range(0, len(xs[0]), batch_size))
    parts = sample_ranges(len(starts), len(starts))
    networks = [network] + inference_twins(network, len(parts) - 1)
    results: list[list[np.ndarray]] = [[] for _ in starts]

    def run_batches(part: int, first: int, stop: int) -> None:
        for index in range(first, stop):
            start = starts[index]
            outputs = networks[part].forward([x[start:start + batch_size] for x in xs], training=False)
            results[index] = [out.copy() for out in outputs]

    run_ranges(run_batches, parts)
    return [[batch[k] for batch in results] for k in range(len(network.output_ids))]
