"""The layer contract shared by the graph, the compiled network, the designer and the Keras surface.

A layer is a thin object: its constructor arguments are its config (``get_config``/``from_config`` round
trip), it infers its output shape from input shapes without allocating anything, and once built it owns
weight arrays (views into the network's flat parameter buffer) and calls kernels in ``forward``/``backward``.

Shapes never include the batch dimension: ``(16,)`` is a vector of 16 features.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, ClassVar, Sequence

import numpy as np

from engine._objects import to_snake_case as snake_case  # Keras' rule: Conv2D → conv2d

Shape = tuple  # tuple[int | None, ...] without the batch dimension


class ShapeError(ValueError):
    """An input shape this layer cannot accept; the message says what to change."""


@dataclass(frozen=True)
class ParamSpec:
    """One constructor argument, described for generated editors and validation.

    kind: "int", "float", "bool", "choice", "shape", "str", "activation", "initializer", "regularizer",
    "constraint". ``optional`` means None is accepted.
    """

    name: str
    kind: str
    default: Any = None
    doc: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple = ()
    optional: bool = False


#: How a layer's kernel and bias start, are penalised and are limited: shared by Dense and the convolutions.
KERNEL_AND_BIAS_SPECS = (
    ParamSpec("kernel_initializer", "initializer", "glorot_uniform", "how weights start"),
    ParamSpec("bias_initializer", "initializer", "zeros", "how biases start"),
    ParamSpec("kernel_regularizer", "regularizer", None, "penalty on the weights", optional=True),
    ParamSpec("bias_regularizer", "regularizer", None, "penalty on the biases", optional=True),
    ParamSpec("kernel_constraint", "constraint", None, "limit on the weights", optional=True),
    ParamSpec("bias_constraint", "constraint", None, "limit on the biases", optional=True),
)


@dataclass(frozen=True)
class WeightSpec:
    name: str  # Keras variable name: "kernel", "bias", ...
    shape: tuple
    initializer: Any  # an engine.initializers object
    regularizer: Any = None
    constraint: Any = None
    trainable: bool = True


_name_counters: dict[str, itertools.count] = {}


def _auto_name(base: str) -> str:
    """Keras-like default names: dense, dense_1, dense_2, ..."""
    counter = _name_counters.setdefault(base, itertools.count())
    index = next(counter)
    return base if index == 0 else f"{base}_{index}"


@dataclass
class WeightSlot:
    """A built weight: its value and gradient arrays (views into the network's flat buffers)."""

    spec: WeightSpec
    value: np.ndarray
    grad: np.ndarray = field(default=None)  # type: ignore[assignment]


class Layer:
    """Base class of every registered layer.

    Subclasses declare ``param_specs`` (their constructor arguments beyond ``name``/``trainable``) and
    implement ``compute_output_shape``, ``weight_specs``, ``forward`` and ``backward``.
    """

    type_name: ClassVar[str] = "Layer"
    category: ClassVar[str] = ""
    icon: ClassVar[str] = ""
    description: ClassVar[str] = ""
    param_specs: ClassVar[tuple[ParamSpec, ...]] = ()
    min_inputs: ClassVar[int] = 1
    max_inputs: ClassVar[int | None] = 1  # None: any number (merge layers)

    def __init__(self, name: str | None = None, trainable: bool = True, dtype: Any = None, **unexpected):
        if unexpected:
            names = ", ".join(sorted(unexpected))
            valid = ", ".join(spec.name for spec in self.param_specs) or "none"
            raise TypeError(f"{type(self).__name__} got unexpected argument(s): {names}. Valid: {valid}")
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise ValueError(f"layer name must be a non-empty string, got {name!r}")
        self.name = name or _auto_name(snake_case(type(self).__name__))
        self.trainable = bool(trainable)
        self.weights_by_name: dict[str, WeightSlot] = {}
        self.built = False
        self.input_shapes: list[Shape] | None = None
        self.output_shape_: Shape | None = None
        self._rng: np.random.Generator | None = None
        # Set by the Keras surface when a layer is called on a symbolic tensor.
        self._keras_history: list = []

    # -- configuration -------------------------------------------------------------------------------
    def get_config(self) -> dict:
        config = {"name": self.name, "trainable": self.trainable}
        for spec in self.param_specs:
            config[spec.name] = _config_value(getattr(self, spec.name))
        return config

    @classmethod
    def from_config(cls, config: dict) -> "Layer":
        return cls(**config)

    def parameters(self) -> dict:
        """The config minus name/trainable: what the graph stores for a node."""
        config = self.get_config()
        config.pop("name", None)
        if config.get("trainable", True):
            config.pop("trainable", None)  # only a frozen layer needs to say so
        return config

    # -- shapes ---------------------------------------------------------------------------------------
    def check_input_count(self, count: int) -> None:
        if count < self.min_inputs or (self.max_inputs is not None and count > self.max_inputs):
            if self.max_inputs == self.min_inputs:
                wanted = str(self.min_inputs)
            elif self.max_inputs is None:
                wanted = f"at least {self.min_inputs}"
            else:
                wanted = f"{self.min_inputs} to {self.max_inputs}"
            raise ShapeError(f"{self.type_name} takes {wanted} input(s), got {count}")

    def compute_output_shape(self, input_shapes: Sequence[Shape]) -> Shape:
        raise NotImplementedError

    def weight_specs(self, input_shapes: Sequence[Shape]) -> list[WeightSpec]:
        return []

    def count_params(self, input_shapes: Sequence[Shape] | None = None) -> int:
        shapes = input_shapes if input_shapes is not None else self.input_shapes
        if shapes is None:
            raise ValueError(f"layer {self.name!r} is not built: its input shape is unknown")
        return int(sum(int(np.prod(spec.shape)) for spec in self.weight_specs(shapes)))

    # -- building -------------------------------------------------------------------------------------
    def build(self, input_shapes: Sequence[Shape], rng: np.random.Generator, dtype=np.float32) -> None:
        """Allocate weights with their initializers (own arrays; a Network later rebinds them to views)."""
        input_shapes = [tuple(shape) for shape in input_shapes]
        self.check_input_count(len(input_shapes))
        self.output_shape_ = self.compute_output_shape(input_shapes)
        self.input_shapes = input_shapes
        self._rng = rng
        previous = self.weights_by_name
        self.weights_by_name = {}
        for spec in self.weight_specs(input_shapes):
            kept = previous.get(spec.name)
            if kept is not None and kept.value.shape == tuple(spec.shape):
                value = kept.value.astype(dtype, copy=True)  # rebuilding keeps trained weights
            else:
                value = np.asarray(spec.initializer(tuple(spec.shape), dtype=dtype, rng=rng), dtype=dtype)
            self.weights_by_name[spec.name] = WeightSlot(spec, value, np.zeros_like(value))
        self.built = True

    @property
    def weights(self) -> list[WeightSlot]:
        return list(self.weights_by_name.values())

    def get_weights(self) -> list[np.ndarray]:
        return [slot.value.copy() for slot in self.weights_by_name.values()]

    def set_weights(self, values: Sequence[np.ndarray]) -> None:
        slots = list(self.weights_by_name.values())
        if len(values) != len(slots):
            raise ValueError(f"layer {self.name!r} has {len(slots)} weight array(s), got {len(values)}")
        for slot, value in zip(slots, values):
            value = np.asarray(value)
            if value.shape != slot.value.shape:
                raise ValueError(f"{self.name}/{slot.spec.name}: got shape {value.shape}, "
                                 f"the layer needs {slot.value.shape}")
            if not np.all(np.isfinite(value)):
                raise ValueError(f"{self.name}/{slot.spec.name}: weights contain NaN or Inf")
            slot.value[...] = value  # in place: values are views into the network's flat buffer

    # -- computation ----------------------------------------------------------------------------------
    def forward(self, inputs: list[np.ndarray], training: bool) -> np.ndarray:
        """Compute the output for a batch; cache what ``backward`` needs."""
        raise NotImplementedError

    def backward(self, grad_output: np.ndarray) -> list[np.ndarray]:
        """Given dL/d output, write dL/d weights into the grad arrays and return dL/d inputs."""
        raise NotImplementedError

    # Output-activation fusion: layers ending in an activation expose it so the loss can use the stable
    # fused form (softmax + cross-entropy, sigmoid + binary cross-entropy).
    output_activation_name: str | None = None

    def pre_activation(self) -> np.ndarray | None:
        return None

    def backward_from_pre_activation(self, grad_pre_activation: np.ndarray) -> list[np.ndarray]:
        raise NotImplementedError

    # -- regularization -------------------------------------------------------------------------------
    def regularization_penalty(self) -> float:
        total = 0.0
        for slot in self.weights_by_name.values():
            if slot.spec.regularizer is not None:
                total += float(slot.spec.regularizer(slot.value))
        return total

    def add_regularization_gradients(self) -> None:
        for slot in self.weights_by_name.values():
            if slot.spec.regularizer is not None:
                slot.spec.regularizer.gradient(slot.value, slot.grad)

    def apply_constraints(self) -> None:
        for slot in self.weights_by_name.values():
            if slot.spec.constraint is not None:
                slot.spec.constraint.apply_(slot.value)

    def __call__(self, inputs, training=None, **kwargs):
        """``layer(tensor)`` builds a functional graph; ``layer(array)`` computes (Keras' eager call)."""
        from engine.keras._symbolic import call_layer  # the Keras surface is optional for the engine

        return call_layer(self, inputs, training=training)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"


def _config_value(value: Any) -> Any:
    """Turn objects (initializers, regularizers...) into plain config data."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (tuple, list)):
        return [_config_value(item) for item in value]
    if hasattr(value, "get_config"):
        return {"class_name": type(value).__name__, "config": value.get_config()}
    return value

