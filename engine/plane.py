"""What a network computes over a plane of two input features: the decision boundary / regression surface and
every neuron's little heatmap (TensorFlow Playground's pictures), for any number of input features.

The training worker calls these in its own thread between steps (they run layers' ``forward`` through
:mod:`engine.probes`, so never during a step); the GUI only draws the arrays it is handed.

Grid convention (row-major, like ``np.meshgrid(x, y)``): a plane array ``values`` of shape
(resolution, resolution) holds ``values[i, j] = f(x_values[j], y_values[i])`` — rows follow the vertical
feature, columns the horizontal one, so it can be drawn as an image with its first row at ``y_range[0]``.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from engine.network import Network
from engine.probes import layer_outputs

__all__ = ["NEURON_LAYER_TYPES", "PlaneGrid", "PlaneOutputs", "plane_grid", "plane_outputs"]

# Layers whose units are "neurons" the neuron view draws (one heatmap per unit).
NEURON_LAYER_TYPES: tuple[str, ...] = ("Dense", "Activation")


@dataclass(frozen=True)
class PlaneGrid:
    """A regular grid over two input features, the other features held at their training mean.

    Attributes
    ----------
    features : the (horizontal, vertical) feature indices.
    x_range, y_range : (low, high) of each shown feature, data range plus the margin.
    x_values, y_values : (resolution,) grid coordinates along each shown feature.
    inputs : (resolution * resolution, n_features) float32 rows to feed the network, in row-major grid order.
    """

    features: tuple[int, int]
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    x_values: np.ndarray
    y_values: np.ndarray
    inputs: np.ndarray

    @property
    def resolution(self) -> int:
        return int(self.x_values.size)

    def to_plane(self, column: np.ndarray) -> np.ndarray:
        """One value per grid row -> the (resolution, resolution) plane. Shapes: (resolution**2,) -> (r, r)."""
        return np.asarray(column).reshape(self.resolution, self.resolution)


@dataclass
class PlaneOutputs:
    """A network evaluated over a :class:`PlaneGrid`.

    Attributes
    ----------
    output : (k, resolution, resolution): each of the (first) network output's k units over the plane.
    neurons : layer name -> (units, resolution, resolution) for every Dense / Activation layer with 1-D output.
    """

    output: np.ndarray
    neurons: dict[str, np.ndarray] = field(default_factory=dict)


def _feature_range(column: np.ndarray, margin: float) -> tuple[float, float]:
    low, high = float(column.min()), float(column.max())
    if high - low <= 1e-12 * max(1.0, abs(low)):
        # A constant feature still needs a visible window around its one value.
        return low - 1.0, high + 1.0
    pad = margin * (high - low)
    return low - pad, high + pad


def plane_grid(x_train, features: Iterable[int] = (0, 1), resolution: int = 50, margin: float = 0.1) -> PlaneGrid:
    """The grid of network inputs covering the training data on the feature pair ``features``.

    Shapes: x_train (n, n_features) with n_features >= 2; result inputs (resolution**2, n_features).
    Non-finite rows of ``x_train`` are ignored; the features not shown are set to their training mean.

    Raises
    ------
    ValueError
        For 1-D data, fewer than two features, no finite rows, an out-of-range or repeated feature pair,
        a resolution below 2 or a negative margin.
    """
    x = np.asarray(x_train, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] < 2:
        raise ValueError(f"the plane needs samples with at least 2 features, shaped (n, n_features); "
                         f"got shape {x.shape}")
    pair = tuple(int(f) for f in features)
    n_features = x.shape[1]
    if len(pair) != 2 or pair[0] == pair[1] or not all(0 <= f < n_features for f in pair):
        raise ValueError(f"features must be two different indices in 0..{n_features - 1}; got {pair}")
    if int(resolution) < 2:
        raise ValueError(f"resolution must be at least 2; got {resolution}")
    if margin < 0:
        raise ValueError(f"margin must be 0 or more (a fraction of the data range); got {margin}")
    finite = x[np.all(np.isfinite(x), axis=1)]
    if finite.shape[0] == 0:
        raise ValueError("x_train has no row with finite values to place the plane")
    resolution = int(resolution)
    x_range = _feature_range(finite[:, pair[0]], margin)
    y_range = _feature_range(finite[:, pair[1]], margin)
    x_values = np.linspace(*x_range, resolution)
    y_values = np.linspace(*y_range, resolution)
    inputs = np.repeat(finite.mean(axis=0)[np.newaxis], resolution * resolution, axis=0)
    grid_x, grid_y = np.meshgrid(x_values, y_values)  # 'xy' indexing: rows follow y
    inputs[:, pair[0]] = grid_x.ravel()
    inputs[:, pair[1]] = grid_y.ravel()
    return PlaneGrid(pair, x_range, y_range, x_values, y_values, inputs.astype(np.float32))


def _neuron_layers(network: Network) -> list[str]:
    """Names of the Dense / Activation layers whose output is one vector per sample (units are neurons)."""
    names = []
    for node_id in network.order:
        layer = network.layers[node_id]
        if node_id in network.input_ids or layer.type_name not in NEURON_LAYER_TYPES:
            continue
        if layer.output_shape_ is not None and len(layer.output_shape_) == 1:
            names.append(layer.name)
    return names


def plane_outputs(network: Network, grid: PlaneGrid | np.ndarray, neurons: bool = True) -> PlaneOutputs:
    """The network's output over the plane and, if ``neurons``, every neuron's output over it.

    ``grid`` is a :class:`PlaneGrid` or its ``inputs`` array (then its row count must be a square).
    Shapes: output (k, r, r); neurons[name] (units, r, r) with r the grid resolution. Copies (see probes).

    Raises
    ------
    ValueError
        If the network does not have exactly one input of shape (n_features,) matching the grid, or the
        inputs array is not a square grid.
    """
    inputs = grid.inputs if isinstance(grid, PlaneGrid) else np.asarray(grid, dtype=np.float32)
    resolution = int(round(np.sqrt(inputs.shape[0]))) if inputs.ndim == 2 else -1
    if resolution < 1 or resolution * resolution != inputs.shape[0]:
        raise ValueError(f"grid inputs must be (r*r, n_features) rows of a square grid; got shape {inputs.shape}")
    if len(network.input_shapes) != 1 or len(network.input_shapes[0]) != 1:
        raise ValueError(f"the plane view needs a network with one input of shape (n_features,); this one has "
                         f"inputs shaped {network.input_shapes}")
    output_name = network.layers[network.output_ids[0]].name
    neuron_names = _neuron_layers(network) if neurons else []
    # The output layer may be a neuron layer too: ask for it once.
    values = layer_outputs(network, inputs, names=list(dict.fromkeys(neuron_names + [output_name])))

    def planes(array: np.ndarray) -> np.ndarray:
        # (r*r, units) -> (units, r, r): one picture per unit
        flat = array.reshape(inputs.shape[0], -1)
        return np.ascontiguousarray(flat.T.reshape(-1, resolution, resolution))

    return PlaneOutputs(output=planes(values[output_name]),
                        neurons={name: planes(values[name]) for name in neuron_names})
