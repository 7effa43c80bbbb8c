"""The base class of the Keras 3 optimizers in ``engine.optimizers``, and its argument validators.

An :class:`Optimizer` updates one flat parameter buffer: a network's trainable parameters live in one 1-D
buffer, its gradients in a parallel one, and an int64 ``segments`` array (length k+1) marks each Keras
variable. ``build(segments)`` allocates the slots, and ``apply(params, grads)`` is one Keras training step
(clip, weight decay, update) done by ONE kernel call.

A fused trainer that runs whole epochs inside a kernel takes ``kernel_code``, ``hyper_vector()``,
``learning_rate_table(n)`` (per-step learning rates for schedules), ``slots``, ``scalars``, ``segments`` and
``decay_mask``, calls :func:`engine.kernels.optimizers.optimizer_step` per batch with
``step = iterations + b`` and ``hyper[H_LR] = table[b]``, then calls ``advance(n)``.

Subclasses (``engine.optimizers``) declare their hyper-parameters with the validators below
(:func:`non_negative`, :func:`unit_closed`, :func:`unit_open`, :func:`flag`); the module docstring of
``engine.optimizers`` lists the deliberate deviations from Keras 3.
"""
from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from engine import schedules
from engine.kernels import optimizers as kern
from engine.kernels.dispatch import optimizer_update_for
from engine.schedules import LearningRateSchedule

LearningRate = float | LearningRateSchedule | Callable[..., float]

_BASE_KEYWORDS = ("weight_decay", "clipnorm", "clipvalue", "global_clipnorm", "use_ema", "ema_momentum",
                  "ema_overwrite_frequency", "loss_scale_factor", "gradient_accumulation_steps", "name",
                  "decay", "lr")


def _bounded(low: float, high: float, high_included: bool = True) -> Callable[[str, Any], float]:
    """A validator for finite numbers in [low, high] (or [low, high) when ``high_included`` is false)."""
    interval = f"[{low:g}, {high:g}{']' if high_included else ')'}"

    def check(name: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise ValueError(f"`{name}` must be a number. Received: {name}={value!r}")  # noqa: TRY004 (Keras)
        value = float(value)
        if not (low <= value <= high and (high_included or value < high)):
            raise ValueError(f"`{name}` must be a finite number in {interval}. Received: {name}={value}")
        return value

    return check


# Validators ``check(name, value) -> float`` for hyper-parameters in [0, inf), [0, 1] and [0, 1).
non_negative = _bounded(0.0, math.inf, high_included=False)
unit_closed = _bounded(0.0, 1.0)
unit_open = _bounded(0.0, 1.0, high_included=False)


def flag(name: str, value: Any) -> bool:
    """Validator for an on/off hyper-parameter (a bool, or an int as Keras' configs may hold)."""
    if not isinstance(value, (bool, np.bool_, int)):
        raise ValueError(f"`{name}` must be True or False. Received: {name}={value!r}")  # noqa: TRY004
    return bool(value)


def _optional_non_negative(name: str, value: Any) -> float | None:
    return None if value is None else non_negative(name, value)


def _check_learning_rate(value: Any) -> LearningRate:
    if isinstance(value, LearningRateSchedule) or callable(value):
        return value
    return non_negative("learning_rate", value)


def _takes_step(function: Callable) -> bool:
    """True when a plain callable learning rate accepts the iteration count as an argument."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL) for p in parameters)


class Optimizer:
    """Base class. Subclasses set ``kernel_code``, ``_hyper_spec`` (Keras name -> (H_* index, validator))
    and ``slot_names``."""

    kernel_code: int = -1
    _default_learning_rate: float = 0.001
    _hyper_spec: ClassVar[dict[str, tuple[int, Callable[[str, Any], Any]]]] = {}

    def __init__(self, learning_rate: LearningRate, weight_decay: float | None = None,
                 clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, use_ema: bool = False, ema_momentum: float = 0.99,
                 ema_overwrite_frequency: int | None = None, loss_scale_factor: float | None = None,
                 gradient_accumulation_steps: int | None = None, name: str | None = None,
                 decay: float = 0.0, **kwargs: Any):
        lr = kwargs.pop("lr", None)
        if kwargs:
            valid = [p for p in inspect.signature(type(self)).parameters if p != "kwargs"] + list(_BASE_KEYWORDS)
            raise TypeError(f"{type(self).__name__}() got unexpected keyword argument(s) "
                            f"{', '.join(map(repr, sorted(kwargs)))}; valid arguments: "
                            f"{', '.join(dict.fromkeys(valid))}")
        if lr is not None:
            if learning_rate != self._default_learning_rate:
                raise TypeError("Give either `learning_rate` or its Keras 2 alias `lr`, not both")
            learning_rate = lr
        for feature, value, off in (("use_ema", use_ema, False), ("loss_scale_factor", loss_scale_factor, None),
                                    ("gradient_accumulation_steps", gradient_accumulation_steps, None)):
            if value != off:
                raise NotImplementedError(f"`{feature}` is not supported by Neurotaller's optimizers")
        clip_given = [n for n, v in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                                     ("global_clipnorm", global_clipnorm)) if v is not None]
        if len(clip_given) > 1:
            raise ValueError(f"Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                             f"Received: {', '.join(clip_given)}")
        self.name = name if name is not None else type(self).__name__.lower()
        self.weight_decay = _optional_non_negative("weight_decay", weight_decay)
        self.clipnorm = _optional_non_negative("clipnorm", clipnorm)
        self.clipvalue = _optional_non_negative("clipvalue", clipvalue)
        self.global_clipnorm = _optional_non_negative("global_clipnorm", global_clipnorm)
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.decay = non_negative("decay", decay)
        self.learning_rate = learning_rate
        self._iterations = 0
        self._excluded_from_decay: set[int] = set()
        self._segments: np.ndarray | None = None
        self._slots: np.ndarray | None = None
        self._scalars: np.ndarray | None = None
        self._decay_mask: np.ndarray | None = None
        self._grad_buffer: np.ndarray | None = None

    def __setattr__(self, name: str, value: Any) -> None:
        # Hyper-parameters stay validated when changed after construction (e.g. from the GUI).
        spec = type(self)._hyper_spec.get(name)
        if spec is not None:
            value = spec[1](name, value)
        super().__setattr__(name, value)

    def __repr__(self) -> str:
        hypers = ", ".join(f"{k}={getattr(self, k)!r}" for k in self._hyper_spec)
        return f"{type(self).__name__}(learning_rate={self._learning_rate!r}, {hypers})"

    # ----------------------------------------------------------------- learning rate and iterations
    @property
    def learning_rate(self) -> float:
        """Learning rate at the current iteration (schedule evaluated, Keras 2 ``decay`` NOT applied)."""
        return self._base_learning_rate(self._iterations)

    @learning_rate.setter
    def learning_rate(self, value: LearningRate) -> None:
        value = _check_learning_rate(value)
        if (not callable(value) and isinstance(getattr(self, "_learning_rate", None), LearningRateSchedule)):
            raise TypeError("This optimizer was created with a LearningRateSchedule, so its learning rate "
                            "cannot be set to a number; create a new optimizer with a float learning_rate")
        self._lr_takes_step = callable(value) and (isinstance(value, LearningRateSchedule) or _takes_step(value))
        self._learning_rate = value

    def _base_learning_rate(self, step: int) -> float:
        lr = self._learning_rate
        if not callable(lr):
            return lr
        return float(lr(step) if self._lr_takes_step else lr())

    def current_learning_rate(self, step: int | None = None) -> float:
        """Learning rate the update of ``step`` (default: the next one) uses, Keras 2 ``decay`` included."""
        step = self._iterations if step is None else step
        lr = self._base_learning_rate(step)
        return lr / (1.0 + self.decay * step) if self.decay else lr

    def learning_rate_table(self, n_steps: int) -> np.ndarray:
        """Learning rates of the next ``n_steps`` updates, for a fused trainer. Shapes: (n_steps,) float64."""
        if not callable(self._learning_rate) and not self.decay:
            return np.full(n_steps, self._learning_rate, dtype=np.float64)
        return np.array([self.current_learning_rate(self._iterations + s) for s in range(n_steps)],
                        dtype=np.float64)

    @property
    def iterations(self) -> int:
        """Number of updates done so far (Keras' ``optimizer.iterations``)."""
        return self._iterations

    @iterations.setter
    def iterations(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"`iterations` must be an integer >= 0. Received: {value!r}")
        self._iterations = int(value)

    def advance(self, n_steps: int) -> None:
        """Count ``n_steps`` updates that a fused trainer did itself with :func:`optimizer_step`."""
        self.iterations = self._iterations + n_steps

    # ----------------------------------------------------------------- kernel interface
    @property
    def slot_names(self) -> tuple[str, ...]:
        """Keras names of the slot rows, in kernel order (see engine.kernels.optimizers)."""
        raise NotImplementedError

    def hyper_vector(self) -> np.ndarray:
        """Float64 hyper-parameters for the kernels, with the learning rate of the next update.

        Shapes: (N_HYPER,).
        """
        hyper = np.zeros(kern.N_HYPER, dtype=np.float64)
        hyper[kern.H_LR] = self.current_learning_rate()
        hyper[kern.H_WEIGHT_DECAY] = self.weight_decay or 0.0
        hyper[kern.H_CLIPNORM] = self.clipnorm or 0.0
        hyper[kern.H_GLOBAL_CLIPNORM] = self.global_clipnorm or 0.0
        hyper[kern.H_CLIPVALUE] = self.clipvalue or 0.0
        for field, (index, _) in self._hyper_spec.items():
            hyper[index] = float(getattr(self, field))
        return hyper

    @property
    def clips_gradients(self) -> bool:
        return bool(self.clipnorm or self.clipvalue or self.global_clipnorm)

    def exclude_from_weight_decay(self, variable_indices: Any) -> None:
        """Exempt variables (indices into ``segments``, e.g. biases) from ``weight_decay``."""
        self._excluded_from_decay = {int(i) for i in variable_indices}
        if self._segments is not None:
            self._decay_mask = self._make_decay_mask(self._segments.shape[0] - 1)

    def _make_decay_mask(self, n_variables: int) -> np.ndarray:
        bad = [i for i in self._excluded_from_decay if not 0 <= i < n_variables]
        if bad:
            raise ValueError(f"Variable indices {sorted(bad)} excluded from weight decay are out of range "
                             f"[0, {n_variables})")
        mask = np.ones(n_variables, dtype=np.bool_)
        mask[list(self._excluded_from_decay)] = False
        return mask

    def build(self, segments: np.ndarray, dtype: Any = np.float32) -> None:
        """Allocate fresh slots (zeros, Adagrad: ``initial_accumulator_value``) for a flat buffer.

        Rebuilding discards the slots; ``iterations`` is kept. Shapes: segments (k+1,) int, starting at 0.
        """
        segments = np.ascontiguousarray(segments, dtype=np.int64)
        if segments.ndim != 1 or segments.size < 1 or segments[0] != 0 or np.any(np.diff(segments) < 0):
            raise ValueError("`segments` must be a 1-D array of non-decreasing offsets starting at 0, "
                             f"one more than the number of variables. Received: {segments}")
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64. Received: {dtype}")
        hyper = self.hyper_vector()
        n_slots = len(self.slot_names)
        assert n_slots == kern.slot_count(self.kernel_code, hyper), "slot layout out of sync with the kernel"
        self._segments = segments
        self._slots = np.empty((n_slots, int(segments[-1])), dtype=dtype)
        self._scalars = np.empty(kern.N_SCALARS, dtype=np.float64)
        kern.init_slots(self.kernel_code, hyper, self._slots, self._scalars)
        self._decay_mask = self._make_decay_mask(segments.shape[0] - 1)
        self._grad_buffer = None

    @property
    def built(self) -> bool:
        return self._slots is not None

    def _require_built(self) -> None:
        if self._slots is None:
            raise ValueError(f"{type(self).__name__} is not built: call build(segments) first")

    segments = property(lambda self: self._segments, doc="Variable offsets, (k+1,) int64.")
    slots = property(lambda self: self._slots, doc="Slot rows, (n_slots, n); updated in place.")
    scalars = property(lambda self: self._scalars, doc="Scalar state, (N_SCALARS,) float64.")
    decay_mask = property(lambda self: self._decay_mask, doc="Per-variable weight-decay flags, (k,) bool.")

    def apply(self, params: np.ndarray, grads: np.ndarray) -> None:
        """One training step on flat buffers: clip, weight decay, update ``params`` in place; ``iterations += 1``.

        ``grads`` is never modified: when clipping is on, it is clipped in a private copy.
        Shapes: params (n,), grads (n,), same dtype as ``build``'s.
        """
        self._require_built()
        n = self._slots.shape[1]
        for label, array in (("params", params), ("grads", grads)):
            if (not isinstance(array, np.ndarray) or array.shape != (n,) or array.dtype != self._slots.dtype
                    or not array.flags.c_contiguous):
                raise ValueError(f"`{label}` must be a contiguous 1-D {self._slots.dtype} array of length {n}; "
                                 f"got {getattr(array, 'dtype', type(array))} {getattr(array, 'shape', '')}")
        if len(self.slot_names) != self._slots.shape[0]:
            raise RuntimeError("The options that decide the slots (momentum, centered, amsgrad...) changed "
                               "after build(); build again or create a new optimizer")
        if self.clips_gradients:
            if self._grad_buffer is None:
                self._grad_buffer = np.empty_like(grads)
            np.copyto(self._grad_buffer, grads)
            grads = self._grad_buffer
        # kern.optimizer_step's three parts, each called only when it does something: compiling that kernel
        # compiles every optimizer (seconds on a first run); optimizer_update_for compiles only this one.
        hyper = self.hyper_vector()
        if self.clips_gradients:
            kern.clip_gradients(hyper, self._segments, grads)
        if hyper[kern.H_WEIGHT_DECAY] * hyper[kern.H_LR] != 0.0:
            kern.apply_weight_decay(hyper, self._segments, self._decay_mask, params)
        optimizer_update_for(self.kernel_code, hyper, self._iterations, params, grads, self._slots, self._scalars)
        self._iterations += 1

    # ----------------------------------------------------------------- saving
    def get_config(self) -> dict[str, Any]:
        """Keras' config dict (plus ``decay`` when a Keras 2 decay is set)."""
        lr = self._learning_rate
        if isinstance(lr, LearningRateSchedule):
            lr = schedules.serialize(lr)
        elif callable(lr):
            raise TypeError("A plain Python callable learning rate cannot be saved; use a schedule from "
                             "engine.schedules instead")
        config = {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
                  "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                  "clipvalue": self.clipvalue, "use_ema": False, "ema_momentum": self.ema_momentum,
                  "ema_overwrite_frequency": self.ema_overwrite_frequency, "loss_scale_factor": None,
                  "gradient_accumulation_steps": None}
        config.update({field: getattr(self, field) for field in self._hyper_spec})
        if self.decay:
            config["decay"] = self.decay
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Optimizer:
        config = dict(config)
        for legacy in ("is_legacy_optimizer", "jit_compile"):  # written by Keras 2.11+, meaningless here
            config.pop(legacy, None)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"])
        return cls(**config)

    def get_state(self) -> dict[str, np.ndarray]:
        """Training state to save in a project: copies of ``slots``, ``scalars`` and ``iterations``."""
        self._require_built()
        return {"iterations": np.array(self._iterations, dtype=np.int64), "slots": self._slots.copy(),
                "scalars": self._scalars.copy()}

    def set_state(self, state: dict[str, np.ndarray]) -> None:
        """Restore :meth:`get_state`'s dict into the built buffers (in place, so views stay valid)."""
        self._require_built()
        missing = {"iterations", "slots", "scalars"} - set(state)
        if missing:
            raise ValueError(f"Optimizer state lacks {sorted(missing)}")
        for key, target in (("slots", self._slots), ("scalars", self._scalars)):
            value = np.asarray(state[key])
            if value.shape != target.shape:
                raise ValueError(f"Optimizer state '{key}' has shape {value.shape}, expected {target.shape} "
                                 f"(saved for another network or other {type(self).__name__} options?)")
        np.copyto(self._slots, state["slots"], casting="same_kind")
        np.copyto(self._scalars, state["scalars"], casting="same_kind")
        self.iterations = int(np.asarray(state["iterations"]))
