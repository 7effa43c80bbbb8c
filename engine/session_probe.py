"""What the designer's plots ask a training session for, computed in the session's own thread between steps.

``run_probe(session, request)`` answers a request dict; each key present asks for one thing and the answer
has the same key (every array is a copy the caller may keep):

- ``"weights": True`` → ``weights`` and ``gradients`` ({"layer/weight": array}, gradients of the last update);
- ``"pre_activations": name or [names]`` (optional ``"rows"``, default 512) → ``pre_activations``
  {name: (rows, *units)} over the first training rows (the histogram under the activation plot);
- ``"layer_outputs": {"sample": i, "part": "test", "layers": [names] | None}`` → ``layer_outputs``
  {name: array without batch axis} (feature maps, hidden states) and ``sample`` {"part", "index", "x", "label"};
- ``"predictions": {"part": "test"}`` → ``predictions`` (see :func:`predictions`);
- ``"plane": {"features": (0, 1), "resolution": 50, "neurons": True, "points": False}`` → ``plane``: the
  output (k, r, r) and every neuron's picture {layer: (units, r, r)} over a grid on two input features, with
  ``x_range``/``y_range``/``x_values``/``y_values`` (scaled units) and optionally the data ``points``; computed
  by ``engine.plane``.

An item that cannot be answered (a layer without an activation function, a plane for a network whose input is
not a vector, ...) is left out and ``errors`` {key: message} says why; the other items are still answered.
A probe never changes weights or training state (the engine's probes run in inference mode).
"""
from __future__ import annotations

import numpy as np

from engine import probes

DEFAULT_ROWS = 512


def _named_grads(network) -> dict[str, np.ndarray]:
    return {f"{layer.name}/{slot.spec.name}": slot.grad.copy() for layer, slot in network.variables}


def _part_with_data(session, part: str) -> str:
    """``part`` if it has samples, else the first non-empty one of test, val, train."""
    for name in (part, "test", "val", "train"):
        if len(session.data.part(name)[0]):
            return name
    return "train"


def predictions(session, part: str = "test") -> dict:
    """Network outputs on a part, for the confusion matrix or the predicted-vs-true scatter.

    Returns {"part", "task", "outputs" (n, *output shape), "y_true" (class indices or target values as in
    the data set), and for classes "y_pred" (predicted class indices) and "class_names"}.
    """
    from engine.training import predict_arrays

    part = _part_with_data(session, part)
    x, _ = session.data.part(part)
    outputs = predict_arrays(session.network, [x])[0]
    dataset = session.data.dataset
    result = {"part": part, "task": dataset.task, "outputs": outputs,
              "y_true": np.array(session.data.labels[part], copy=True)}
    if dataset.is_classification:
        if outputs.shape[-1] == 1:
            threshold = 0.0 if session.network.layers[session.network.output_ids[0]].output_activation_name \
                in (None, "linear") else 0.5
            result["y_pred"] = (outputs[..., 0] > threshold).astype(np.int64)
        else:
            result["y_pred"] = np.argmax(outputs, axis=-1).astype(np.int64)
        result["class_names"] = list(dataset.class_names)
    return result


def _layer_outputs(session, options: dict) -> tuple[dict, dict]:
    part = _part_with_data(session, options.get("part", "test"))
    x, _ = session.data.part(part)
    index = int(options.get("sample", 0))
    if not 0 <= index < len(x):
        raise ValueError(f"sample {index} is outside the {part} part (it has {len(x)} samples)")
    outputs = probes.layer_outputs(session.network, x[index], options.get("layers"))
    sample = {"part": part, "index": index, "x": np.array(x[index], copy=True),
              "label": np.array(session.data.labels[part][index], copy=True)}
    return outputs, sample


def _plane(session, options: dict) -> dict:
    """The network over a grid on two input features (others at their training mean), in scaled units.

    Options: features (default (0, 1)), resolution (default 50), neurons (default True), points (default
    False: also the train / test points on those features with their labels)."""
    from engine import plane  # absent in older checkouts (the caller reports it)

    options = dict(options)
    unknown = sorted(set(options) - {"features", "resolution", "neurons", "points"})
    if unknown:
        raise ValueError(f"unknown plane option(s) {', '.join(map(repr, unknown))}; valid: features, "
                         "resolution, neurons, points")
    features = tuple(int(f) for f in options.get("features", (0, 1)))
    key = (features, int(options.get("resolution", 50)))
    cache = session.__dict__.setdefault("_plane_grids", {})
    if key not in cache:  # the training inputs never change within a session: one grid per request shape
        cache[key] = plane.plane_grid(session.data.x_train, features, key[1])
    grid = cache[key]
    outputs = plane.plane_outputs(session.network, grid, neurons=bool(options.get("neurons", True)))
    result = {"features": grid.features, "x_range": grid.x_range, "y_range": grid.y_range,
              "x_values": grid.x_values.copy(), "y_values": grid.y_values.copy(), "output": outputs.output,
              "neurons": outputs.neurons}
    if options.get("points"):
        result["points"] = {part: (session.data.part(part)[0][:, list(features)].copy(),
                                   np.array(session.data.labels[part], copy=True))
                            for part in ("train", "test") if len(session.data.part(part)[0])}
    return result


def run_probe(session, request: dict) -> dict:
    """Answer a probe request (see the module docstring). Unknown keys raise ValueError listing the valid ones."""
    valid = ("weights", "pre_activations", "rows", "layer_outputs", "predictions", "plane")
    unknown = sorted(set(request) - set(valid))
    if unknown:
        raise ValueError(f"unknown probe request(s) {', '.join(map(repr, unknown))}; valid: {', '.join(valid)}")
    network = session.network
    result: dict = {}
    errors: dict = {}

    def answer(key: str, compute) -> None:
        # one bad item (a layer without activation, a plane for a 3-D input...) must not blank the others
        try:
            result[key] = compute()
        except (ValueError, KeyError, IndexError) as error:
            errors[key] = str(error)

    if request.get("weights"):
        result["weights"] = network.weight_dict()
        result["gradients"] = _named_grads(network)
    names = request.get("pre_activations")
    if names:
        rows = session.data.x_train[: int(request.get("rows", DEFAULT_ROWS))]
        names = [names] if isinstance(names, str) else list(names)
        answer("pre_activations", lambda: {name: probes.pre_activations(network, rows, name) for name in names})
    if request.get("layer_outputs") is not None:
        answer("layer_outputs", lambda: _layer_outputs(session, request["layer_outputs"] or {}))
        if "layer_outputs" in result:
            result["layer_outputs"], result["sample"] = result["layer_outputs"]
    if request.get("predictions") is not None:
        answer("predictions", lambda: predictions(session, (request["predictions"] or {}).get("part", "test")))
    if request.get("plane") is not None:
        try:
            answer("plane", lambda: _plane(session, request["plane"] or {}))
        except ImportError:
            errors["plane"] = "the decision-plane module (engine.plane) is not available in this version"
    if errors:
        result["errors"] = errors
    return result
