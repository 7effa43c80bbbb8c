"""Weight initializers with Keras 3 names, arguments, configs and formulas (plain numpy).

Every initializer is called as ``init(shape, dtype=np.float32, rng=None)``. Randomness comes from ``rng`` when
given (the network's generator), otherwise from ``np.random.default_rng(seed)`` created afresh on each
call, so an initializer with an integer seed returns the same values every time (as in Keras). Random values are drawn
in float64 and then cast, so the float32 and float64 draws of one seed agree up to rounding.

``get``, ``serialize`` and ``names`` come from the name table shared with ``engine.regularizers`` and
``engine.constraints`` (``engine._objects.ObjectTable``, re-exported here with ``to_snake_case``).
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from engine._objects import ConfigObject, ObjectTable, to_snake_case  # noqa: F401  (to_snake_case: re-export)

Shape = Sequence[int]

# Standard deviation of a standard normal truncated to (-2, 2); Keras divides by it so that the values keep
# the intended variance after truncation.
TRUNCATED_NORMAL_STD = 0.87962566103423978


def _as_shape(shape: Shape | int) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    try:
        result = tuple(int(dim) for dim in shape)
    except TypeError:
        raise ValueError(f"shape must be a sequence of non-negative integers, got {shape!r}") from None
    if any(dim < 0 for dim in result):
        raise ValueError(f"shape must be a sequence of non-negative integers, got {shape!r}")
    return result


def compute_fans(shape: Shape, input_axes: Sequence[int] | None = None,
                 output_axes: Sequence[int] | None = None) -> tuple[int, int]:
    """Number of input and output units of a weight tensor, exactly as Keras computes them.

    Rank 0: (1, 1); rank 1: (n, n); rank 2: (rows, cols); rank > 2 (conv kernels, channels last):
    receptive field size times input channels, receptive field size times output channels.
    ``input_axes`` and ``output_axes`` (both given) override the rule.
    """
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        fan_in = math.prod(shape[axis] for axis in input_axes)
        return int(fan_in), int(math.prod(shape[axis] for axis in output_axes))
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return int(shape[0]), int(shape[0])
    if len(shape) == 2:
        return int(shape[0]), int(shape[1])
    receptive_field = int(np.prod(shape[:-2]))
    return int(shape[-2]) * receptive_field, int(shape[-1]) * receptive_field


class Initializer(ConfigObject):
    """Base class: a stateless function ``(shape, dtype, rng) -> array``."""

    def __call__(self, shape: Shape, dtype=np.float32, rng: np.random.Generator | None = None) -> np.ndarray:
        raise NotImplementedError

    def clone(self) -> Initializer:
        return type(self).from_config(self.get_config())


class Zeros(Initializer):
    """All zeros."""

    def __call__(self, shape, dtype=np.float32, rng=None):
        return np.zeros(_as_shape(shape), dtype=dtype)


class Ones(Initializer):
    """All ones."""

    def __call__(self, shape, dtype=np.float32, rng=None):
        return np.ones(_as_shape(shape), dtype=dtype)


class Constant(Initializer):
    """Every value equal to the scalar ``value``."""

    def __init__(self, value: float = 0.0):
        if not isinstance(value, (int, float, np.integer, np.floating, np.bool_)):
            raise ValueError(f"Constant: value must be a Python or numpy scalar, got {value!r}")
        self.value = value.item() if isinstance(value, np.generic) else value

    def __call__(self, shape, dtype=np.float32, rng=None):
        return np.full(_as_shape(shape), self.value, dtype=dtype)

    def get_config(self):
        return {"value": self.value}


class Identity(Initializer):
    """``gain`` times the identity matrix (2-D shapes only; rectangular shapes get ones on the diagonal)."""

    def __init__(self, gain: float = 1.0):
        self.gain = gain

    def __call__(self, shape, dtype=np.float32, rng=None):
        shape = _as_shape(shape)
        if len(shape) != 2:
            raise ValueError(f"Identity can only initialize 2-D matrices, got shape {shape} "
                             f"of rank {len(shape)}")
        return (self.gain * np.eye(*shape)).astype(dtype)

    def get_config(self):
        return {"gain": self.gain}


class RandomInitializer(Initializer):
    """Base of the random initializers: holds the seed and picks the generator."""

    def __init__(self, seed: int | None = None):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise ValueError(f"seed must be an integer or None, got {seed!r}")
        self.seed = None if seed is None else int(seed)

    def _generator(self, rng: np.random.Generator | None) -> np.random.Generator:
        return rng if rng is not None else np.random.default_rng(self.seed)

    @staticmethod
    def _check_float(dtype) -> np.dtype:
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise ValueError(f"random initializers need a floating dtype, got {dtype}")
        return dtype

    def get_config(self):
        return {"seed": self.seed}


def _truncated_standard_normal(generator: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Standard normal values with everything outside (-2, 2) redrawn (TensorFlow's truncation)."""
    values = generator.standard_normal(shape)
    outside = np.abs(values) >= 2.0
    while outside.any():  # about 4.6 % redrawn per round: a handful of rounds at most
        values[outside] = generator.standard_normal(int(outside.sum()))
        outside = np.abs(values) >= 2.0
    return values


class RandomNormal(RandomInitializer):
    """Normal distribution N(mean, stddev²)."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed)

    def __call__(self, shape, dtype=np.float32, rng=None):
        dtype = self._check_float(dtype)
        values = self._generator(rng).normal(self.mean, self.stddev, _as_shape(shape))
        return values.astype(dtype)

    def get_config(self):
        return {"seed": self.seed, "mean": self.mean, "stddev": self.stddev}


class TruncatedNormal(RandomNormal):
    """Normal distribution with values beyond two standard deviations from the mean redrawn.

    Note ``stddev`` is the parameter before truncation (the spread of the result is 0.88 times smaller).
    """

    def __call__(self, shape, dtype=np.float32, rng=None):
        dtype = self._check_float(dtype)
        values = _truncated_standard_normal(self._generator(rng), _as_shape(shape))
        return (values * self.stddev + self.mean).astype(dtype)


class RandomUniform(RandomInitializer):
    """Uniform distribution on [minval, maxval)."""

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None):
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed)

    def __call__(self, shape, dtype=np.float32, rng=None):
        dtype = self._check_float(dtype)
        return self._generator(rng).uniform(self.minval, self.maxval, _as_shape(shape)).astype(dtype)

    def get_config(self):
        return {"seed": self.seed, "minval": self.minval, "maxval": self.maxval}


class VarianceScaling(RandomInitializer):
    """Values with variance ``scale / n`` where n is fan_in, fan_out or their mean (see :func:`compute_fans`).

    distribution "truncated_normal" (alias "normal"): truncated at 2 sigma, sigma corrected by
    :data:`TRUNCATED_NORMAL_STD`; "untruncated_normal": plain normal; "uniform": on [-limit, limit) with
    ``limit = sqrt(3 * scale / n)``.
    """

    MODES = ("fan_in", "fan_out", "fan_avg")
    DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")

    def __init__(self, scale: float = 1.0, mode: str = "fan_in", distribution: str = "truncated_normal",
                 seed: int | None = None, input_axes: Sequence[int] | None = None,
                 output_axes: Sequence[int] | None = None):
        if not scale > 0.0:
            raise ValueError(f"VarianceScaling: scale must be a positive number, got {scale!r}")
        if mode not in self.MODES:
            raise ValueError(f"VarianceScaling: unknown mode {mode!r}; valid modes: {', '.join(self.MODES)}")
        distribution = str(distribution).lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in self.DISTRIBUTIONS:
            raise ValueError(f"VarianceScaling: unknown distribution {distribution!r}; valid distributions: "
                             f"{', '.join(self.DISTRIBUTIONS)} (or 'normal')")
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.input_axes = input_axes
        self.output_axes = output_axes
        super().__init__(seed)

    def variance(self, shape: Shape) -> float:
        """The target variance ``scale / max(1, n)`` for a weight of this shape."""
        fan_in, fan_out = compute_fans(_as_shape(shape), self.input_axes, self.output_axes)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        return self.scale / max(1.0, n)

    def __call__(self, shape, dtype=np.float32, rng=None):
        dtype = self._check_float(dtype)
        shape = _as_shape(shape)
        variance = self.variance(shape)
        generator = self._generator(rng)
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(variance) / TRUNCATED_NORMAL_STD
            values = _truncated_standard_normal(generator, shape) * stddev
        elif self.distribution == "untruncated_normal":
            values = generator.normal(0.0, math.sqrt(variance), shape)
        else:
            limit = math.sqrt(3.0 * variance)
            values = generator.uniform(-limit, limit, shape)
        return values.astype(dtype)

    def get_config(self):
        return {"seed": self.seed, "scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "input_axes": self.input_axes, "output_axes": self.output_axes}


class _FixedVarianceScaling(VarianceScaling):
    """The named special cases: only the seed (and fan axes) are arguments, as in Keras."""

    SCALE = 1.0
    MODE = "fan_in"
    DISTRIBUTION = "truncated_normal"

    def __init__(self, seed: int | None = None, input_axes: Sequence[int] | None = None,
                 output_axes: Sequence[int] | None = None):
        super().__init__(self.SCALE, self.MODE, self.DISTRIBUTION, seed, input_axes, output_axes)

    def get_config(self):
        return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}


class GlorotUniform(_FixedVarianceScaling):
    """Uniform on [-limit, limit) with ``limit = sqrt(6 / (fan_in + fan_out))`` (Keras' default)."""

    SCALE, MODE, DISTRIBUTION = 1.0, "fan_avg", "uniform"


class GlorotNormal(_FixedVarianceScaling):
    """Truncated normal with standard deviation ``sqrt(2 / (fan_in + fan_out))``."""

    SCALE, MODE, DISTRIBUTION = 1.0, "fan_avg", "truncated_normal"


class HeUniform(_FixedVarianceScaling):
    """Uniform on [-limit, limit) with ``limit = sqrt(6 / fan_in)``."""

    SCALE, MODE, DISTRIBUTION = 2.0, "fan_in", "uniform"


class HeNormal(_FixedVarianceScaling):
    """Truncated normal with standard deviation ``sqrt(2 / fan_in)``."""

    SCALE, MODE, DISTRIBUTION = 2.0, "fan_in", "truncated_normal"


class LecunUniform(_FixedVarianceScaling):
    """Uniform on [-limit, limit) with ``limit = sqrt(3 / fan_in)``."""

    SCALE, MODE, DISTRIBUTION = 1.0, "fan_in", "uniform"


class LecunNormal(_FixedVarianceScaling):
    """Truncated normal with standard deviation ``sqrt(1 / fan_in)``."""

    SCALE, MODE, DISTRIBUTION = 1.0, "fan_in", "truncated_normal"


class Orthogonal(RandomInitializer):
    """``gain`` times an orthogonal matrix from the QR decomposition of a normal matrix (Keras' recipe).

    Shapes of rank > 2 are treated as a matrix ``(prod(shape[:-1]), shape[-1])`` and reshaped back.
    """

    def __init__(self, gain: float = 1.0, seed: int | None = None):
        self.gain = gain
        super().__init__(seed)

    def __call__(self, shape, dtype=np.float32, rng=None):
        dtype = self._check_float(dtype)
        shape = _as_shape(shape)
        if len(shape) < 2:
            raise ValueError(f"Orthogonal needs a shape of rank >= 2, got shape {shape} of rank {len(shape)}")
        num_rows, num_cols = int(np.prod(shape[:-1])), shape[-1]
        flat = self._generator(rng).standard_normal((max(num_rows, num_cols), min(num_rows, num_cols)))
        q, r = np.linalg.qr(flat)
        q *= np.sign(np.diag(r))  # makes the decomposition unique, hence uniformly distributed
        if num_rows < num_cols:
            q = q.T
        # C order: kernels take contiguous weights (a QR factor comes out Fortran-ordered)
        return np.ascontiguousarray((self.gain * q.reshape(shape)).astype(dtype))

    def get_config(self):
        return {"seed": self.seed, "gain": self.gain}


# Lower-case names are aliases of the classes, as in keras.initializers.
zeros, ones, constant, identity = Zeros, Ones, Constant, Identity
random_normal, truncated_normal, random_uniform = RandomNormal, TruncatedNormal, RandomUniform
variance_scaling, orthogonal = VarianceScaling, Orthogonal
glorot_uniform, glorot_normal, he_uniform, he_normal = GlorotUniform, GlorotNormal, HeUniform, HeNormal
lecun_uniform, lecun_normal = LecunUniform, LecunNormal


_TABLE = ObjectTable(
    "initializer", Initializer,
    [Zeros, Ones, Constant, Identity, RandomNormal, TruncatedNormal, RandomUniform, VarianceScaling,
     GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform, LecunNormal, Orthogonal],
    aliases={"zero": Zeros, "one": Ones, "normal": RandomNormal, "uniform": RandomUniform,
             "IdentityInitializer": Identity, "OrthogonalInitializer": Orthogonal},
)


# The module's lookup functions are the shared table's (one implementation for every object family).
get = _TABLE.get  # name, config dict, instance, class or None -> Initializer | None
serialize = _TABLE.serialize  # Initializer -> {"class_name": ..., "config": {...}}, the form get accepts
names = _TABLE.sorted_names  # every name get accepts, sorted
