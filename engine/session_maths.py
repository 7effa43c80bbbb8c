"""Visible maths: one Step by sample, explained for one Dense neuron with the step's own numbers.

For neuron j of a Dense layer and the training sample the step uses: its inputs xᵢ, weights wᵢⱼ and bias bⱼ,
z = Σ wᵢⱼ xᵢ + bⱼ, a = f(z), the error signal δ = ∂L/∂z (backpropagated from the loss, without penalties),
the gradients ∂L/∂wᵢⱼ = xᵢ δ (+ the penalty's) and ∂L/∂bⱼ = δ, and the weight changes the optimizer actually
made. With the perceptron rule there is no gradient: ``error`` = target − output replaces δ.
"""
from __future__ import annotations

import numpy as np

from engine.layers.dense import Dense


def _dense_neuron(session, layer_name: str, unit: int) -> Dense:
    try:
        layer = session.network.layer_by_name(layer_name)
    except KeyError:
        names = [layer.name for layer in session.network.ordered_layers() if isinstance(layer, Dense)]
        raise ValueError(f"no layer named {layer_name!r}; Dense layers: {', '.join(names) or 'none'}") from None
    if not isinstance(layer, Dense):
        raise ValueError(f"the step-by-step maths explains Dense neurons; {layer_name!r} is a {layer.type_name}")
    if len(layer.input_shapes[0]) != 1:
        raise ValueError(f"{layer_name!r} receives samples of shape {layer.input_shapes[0]}; the step-by-step "
                         "maths needs a Dense layer fed by a flat vector")
    if isinstance(unit, bool) or not isinstance(unit, (int, np.integer)) or not 0 <= unit < layer.units:
        raise ValueError(f"{layer_name!r} has neurons 0..{layer.units - 1}, got {unit!r}")
    return layer


def _column(layer: Dense, weight: str, unit: int):
    slot = layer.weights_by_name.get(weight)
    if slot is None:
        return None
    return slot.value[:, unit].copy() if weight == "kernel" else float(slot.value[unit])


def step_with_maths(session, layer_name: str, unit: int) -> dict:
    """Do one Step by sample and return the numbers of that step for neuron ``unit`` of ``layer_name``.

    Returns a dict: layer, unit, activation, rule, sample (row of the training part), target, inputs (n_in,),
    weights (n_in,), bias, z, a, delta (None for the perceptron), error (perceptron only), gradient_weights
    (n_in,), gradient_bias, new_weights, new_bias, weight_updates, bias_update, learning_rate, optimizer,
    loss (of the step) and step (the session's step record).
    """
    layer = _dense_neuron(session, layer_name, int(unit))
    loop, objective = session.loop, session.objective
    row = int(loop._order[loop.state.cursor])
    xs = [x[row:row + 1] for x in loop.xs]
    ys = [y[row:row + 1] for y in loop.ys]
    kernel_before = layer.weights_by_name["kernel"].value.copy()
    weights, bias = _column(layer, "kernel", unit), _column(layer, "bias", unit)
    # The same sample through the network in inference mode (no dropout draw, so training stays reproducible),
    # without penalties: δ is then the loss's own error signal.
    penalised = objective.has_regularizers
    objective.has_regularizers = False
    try:
        objective.loss_and_gradients(xs, ys, training=False)
    finally:
        objective.has_regularizers = penalised
    inputs = layer._x[0].astype(np.float64)
    z = float(layer._z[0, unit])
    a = float(layer._a[0, unit])
    kernel_grad = layer.weights_by_name["kernel"].grad[:, unit].astype(np.float64)
    if layer.use_bias:
        delta = float(layer.weights_by_name["bias"].grad[unit])
    else:  # ∂L/∂w = x δ, so δ is the projection of the kernel gradient on x
        norm = float(inputs @ inputs)
        delta = float(kernel_grad @ inputs / norm) if norm > 0 else 0.0
    penalty_grad = np.zeros_like(kernel_before)
    spec = layer.weights_by_name["kernel"].spec
    if spec.regularizer is not None:
        spec.regularizer.gradient(kernel_before, penalty_grad)
    result = {"layer": layer.name, "unit": int(unit), "activation": layer.activation, "rule": session.settings.rule,
              "sample": row, "target": np.array(loop.ys[0][row], copy=True), "inputs": inputs, "weights": weights,
              "bias": bias, "z": z, "a": a, "learning_rate": float(session.optimizer.learning_rate),
              "optimizer": session.settings.optimizer}
    if session.settings.rule == "perceptron":
        result.update(delta=None, error=float(np.ravel(loop.ys[0][row])[unit]) - float(z >= 0),
                      gradient_weights=None, gradient_bias=None)
    else:
        result.update(delta=delta, gradient_weights=inputs * delta + penalty_grad[:, unit],
                      gradient_bias=delta if layer.use_bias else None)
    record = session.step("sample")
    new_weights, new_bias = _column(layer, "kernel", unit), _column(layer, "bias", unit)
    result.update(new_weights=new_weights, new_bias=new_bias, weight_updates=new_weights - weights,
                  bias_update=None if bias is None else new_bias - bias, loss=record["loss"], step=record)
    return result
