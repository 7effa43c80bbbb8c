"""Keras 3 optimizers over one flat parameter buffer: SGD, Adagrad, Adadelta, RMSprop, Adam, Adamax, Nadam.

Each is an :class:`Optimizer` (``engine.optimizer_base``: the flat-buffer protocol, ``build``/``apply``, the
fused-trainer interface, saving) with its own hyper-parameters and slot rows; ``get`` resolves names.

Deviations from Keras 3, all deliberate:

- Keras 2 spellings are accepted: ``lr=`` (alias of ``learning_rate``) and ``decay=`` (legacy inverse-time
  decay ``lr / (1 + decay * iterations)``, which Keras 3 ignores with a warning).
- An unknown keyword raises ``TypeError`` (Keras: ``ValueError``); integer learning rates and momentums are
  accepted (Keras wants floats); absurd values (negative or NaN learning rate, beta outside [0, 1), ...)
  raise ``ValueError``.
- ``use_ema``, ``loss_scale_factor`` and ``gradient_accumulation_steps`` raise ``NotImplementedError``.
- A plain callable learning rate receives the iteration count if it takes an argument (Keras calls it with
  none; a zero-argument callable is still called with none).
- The default ``name`` is the lower-case class name without Keras' ``_1`` uniquifying suffix.
"""
from __future__ import annotations

from typing import Any, ClassVar

from engine import schedules
from engine.kernels import optimizers as kern
from engine.optimizer_base import (
    LearningRate,
    Optimizer,
    flag,
    non_negative,
    unit_closed,
    unit_open,
)
from engine.schedules import LearningRateSchedule

# ``schedules`` is exported so that ``keras.optimizers.schedules.ExponentialDecay`` works through a star import.
__all__ = ["OPTIMIZER_NAMES", "SGD", "Adadelta", "Adagrad", "Adam", "Adamax", "LearningRateSchedule", "Nadam",
           "Optimizer", "RMSprop", "get", "schedules"]


class SGD(Optimizer):
    """Gradient descent with optional (Nesterov) momentum."""

    kernel_code = kern.SGD
    _default_learning_rate = 0.01
    _hyper_spec: ClassVar = {"momentum": (kern.H_MOMENTUM, unit_closed), "nesterov": (kern.H_NESTEROV, flag)}

    def __init__(self, learning_rate: LearningRate = 0.01, momentum: float = 0.0, nesterov: bool = False,
                 **kwargs: Any):
        super().__init__(learning_rate, **kwargs)
        self.momentum = momentum
        self.nesterov = nesterov

    slot_names = property(lambda self: ("momentum",) if self.momentum != 0 else ())


class Adagrad(Optimizer):
    """Per-parameter learning rates scaled by the accumulated squared gradients."""

    kernel_code = kern.ADAGRAD
    _hyper_spec: ClassVar = {"initial_accumulator_value": (kern.H_INITIAL_ACCUMULATOR, non_negative),
                   "epsilon": (kern.H_EPSILON, non_negative)}

    def __init__(self, learning_rate: LearningRate = 0.001, initial_accumulator_value: float = 0.1,
                 epsilon: float = 1e-7, **kwargs: Any):
        super().__init__(learning_rate, **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    slot_names = property(lambda self: ("accumulator",))


class Adadelta(Optimizer):
    """Adadelta (Keras keeps a learning rate, default 0.001)."""

    kernel_code = kern.ADADELTA
    _hyper_spec: ClassVar = {"rho": (kern.H_RHO, unit_closed), "epsilon": (kern.H_EPSILON, non_negative)}

    def __init__(self, learning_rate: LearningRate = 0.001, rho: float = 0.95, epsilon: float = 1e-7,
                 **kwargs: Any):
        super().__init__(learning_rate, **kwargs)
        self.rho = rho
        self.epsilon = epsilon

    slot_names = property(lambda self: ("accumulated_grad", "accumulated_delta_var"))


class RMSprop(Optimizer):
    """RMSprop, optionally centered and with momentum."""

    kernel_code = kern.RMSPROP
    _hyper_spec: ClassVar = {"rho": (kern.H_RHO, unit_closed), "momentum": (kern.H_MOMENTUM, unit_closed),
                   "epsilon": (kern.H_EPSILON, non_negative), "centered": (kern.H_CENTERED, flag)}

    def __init__(self, learning_rate: LearningRate = 0.001, rho: float = 0.9, momentum: float = 0.0,
                 epsilon: float = 1e-7, centered: bool = False, **kwargs: Any):
        super().__init__(learning_rate, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    slot_names = property(lambda self: ("velocity",) + (("momentum",) if self.momentum > 0 else ())
                          + (("average_gradient",) if self.centered else ()))


class _MomentOptimizer(Optimizer):
    """Shared arguments of the Adam family (first and second moment decay rates)."""

    _hyper_spec: ClassVar = {"beta_1": (kern.H_BETA_1, unit_open), "beta_2": (kern.H_BETA_2, unit_open),
                   "epsilon": (kern.H_EPSILON, non_negative)}

    def __init__(self, learning_rate: LearningRate = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, **kwargs: Any):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon


class Adam(_MomentOptimizer):
    """Adam (Keras' epsilon-hat form), optionally AMSGrad."""

    kernel_code = kern.ADAM
    _hyper_spec: ClassVar = {**_MomentOptimizer._hyper_spec, "amsgrad": (kern.H_AMSGRAD, flag)}

    def __init__(self, learning_rate: LearningRate = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, amsgrad: bool = False, **kwargs: Any):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, **kwargs)
        self.amsgrad = amsgrad

    slot_names = property(lambda self: ("momentum", "velocity") + (("velocity_hat",) if self.amsgrad else ()))


class Adamax(_MomentOptimizer):
    """Adam with the infinity norm."""

    kernel_code = kern.ADAMAX
    slot_names = property(lambda self: ("momentum", "norm"))


class Nadam(_MomentOptimizer):
    """Adam with Nesterov momentum (Dozat's momentum-cache schedule, as Keras)."""

    kernel_code = kern.NADAM
    slot_names = property(lambda self: ("momentum", "velocity"))


_REGISTRY: dict[str, type[Optimizer]] = {
    cls.__name__.lower(): cls for cls in (SGD, Adagrad, Adadelta, RMSprop, Adam, Adamax, Nadam)
}
OPTIMIZER_NAMES: tuple[str, ...] = tuple(_REGISTRY)


def _lookup(name: Any) -> type[Optimizer]:
    cls = _REGISTRY.get(name.lower()) if isinstance(name, str) else None
    if cls is None:
        raise ValueError(f"Unknown optimizer {name!r}; valid names: {', '.join(OPTIMIZER_NAMES)}")
    return cls


def get(identifier: str | dict | Optimizer) -> Optimizer:
    """An optimizer from a name (case-insensitive), an instance, or ``{"class_name": ..., "config": ...}``."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        return _lookup(identifier)()
    if isinstance(identifier, dict) and "class_name" in identifier:
        return _lookup(identifier["class_name"]).from_config(identifier.get("config") or {})
    raise ValueError(f"Could not interpret optimizer identifier {identifier!r}: give a name "
                     f"({', '.join(OPTIMIZER_NAMES)}), an Optimizer, or a {{'class_name', 'config'}} dict")
