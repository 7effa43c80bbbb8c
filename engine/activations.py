"""Activation functions by name: Keras 3 semantics on top of the kernels in ``engine.kernels.activations``.

``get("relu")`` returns an :class:`Activation` (name, integer kernel code, parameter ``alpha``) whose
``forward``/``backward`` run the kernels on arrays of any rank (softmax along the last axis). The module also
offers plain functions named like ``keras.activations.*`` (``relu(x, negative_slope=...)``, ``gelu(x,
approximate=...)``, ...) working on numpy arrays; ``KERAS_FUNCTIONS`` maps Keras' names to them.

"step" (Heaviside: 1 if z >= 0 else 0, derivative 0) is not a Keras activation; it exists for the perceptron.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.kernels import activations as _k

__all__ = [
    "ACTIVATION_NAMES", "DEFAULT_ALPHA", "KERAS_FUNCTIONS", "Activation", "canonical_name", "elu", "gelu",
    "get", "hard_sigmoid", "leaky_relu", "linear", "relu", "relu6", "selu", "sigmoid", "silu", "softmax",
    "softplus", "softsign", "step", "swish", "tanh",
]

ACTIVATION_NAMES: tuple[str, ...] = (
    "linear", "step", "sigmoid", "hard_sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu",
    "softplus", "softsign", "swish", "gelu", "softmax",
)
_CODES = {name: getattr(_k, name.upper()) for name in ACTIVATION_NAMES}
_ALIASES = {"heaviside": "step", "silu": "swish"}
# Keras' defaults: keras.activations.leaky_relu(negative_slope=0.2), keras.activations.elu(alpha=1.0).
DEFAULT_ALPHA = {"leaky_relu": 0.2, "elu": 1.0}


def canonical_name(identifier: str | None | Activation | Callable) -> str:
    """The canonical activation name for ``identifier`` (None means "linear"; case-insensitive; aliases).

    Raises
    ------
    ValueError
        For an unknown name or object, listing the valid names.
    """
    if identifier is None:
        return "linear"
    if isinstance(identifier, Activation):
        return identifier.name
    if callable(identifier) and identifier in _FUNCTION_NAMES:
        return _FUNCTION_NAMES[identifier]
    if isinstance(identifier, str):
        key = identifier.strip().lower()
        key = _ALIASES.get(key, key)
        if key in _CODES:
            return key
    choices = ", ".join(ACTIVATION_NAMES + tuple(_ALIASES))
    raise ValueError(f"unknown activation {identifier!r}; choose one of: {choices}")


def _as_float(x) -> np.ndarray:
    """Float arrays keep their dtype (float16 is widened: numba has no half floats); others become float32."""
    x = np.asarray(x)
    if x.dtype.kind != "f" or x.dtype.itemsize < 4:
        return x.astype(np.float32)
    return x


def _rows(x: np.ndarray) -> np.ndarray:
    """2-D C-contiguous (n, m) view of ``x`` with m = last axis (a copy only when x is not contiguous)."""
    m = x.shape[-1] if x.ndim else 1
    return np.ascontiguousarray(x).reshape(-1, m)


def _output(out: np.ndarray | None, like: np.ndarray, what: str) -> np.ndarray:
    if out is None:
        return np.empty(like.shape, like.dtype)
    if out.shape != like.shape or out.dtype != like.dtype or not out.flags.c_contiguous:
        raise ValueError(
            f"{what} must be a C-contiguous {like.dtype} array of shape {like.shape}; "
            f"got {out.dtype} {out.shape} (contiguous={out.flags.c_contiguous})"
        )
    return out


@dataclass(frozen=True)
class Activation:
    """One activation function with its parameter. Build it with :func:`get`.

    Attributes
    ----------
    name : canonical name (one of ``ACTIVATION_NAMES``).
    code : integer code understood by ``engine.kernels.activations``.
    alpha : leaky_relu's negative slope or elu's alpha; 0.0 for the others.
    """

    name: str
    code: int
    alpha: float = 0.0

    @property
    def is_elementwise(self) -> bool:
        """False only for softmax, whose outputs depend on the whole row."""
        return self.code != _k.SOFTMAX

    def forward(self, z, out: np.ndarray | None = None) -> np.ndarray:
        """a = f(z). Shapes: z any rank (softmax along the last axis); out, if given, like z (may be z)."""
        z = _as_float(z)
        out = _output(out, z, "out")
        if z.size:
            rows = _rows(z)
            _k.activation_forward(self.code, self.alpha, rows, out.reshape(rows.shape))
        return out

    __call__ = forward

    def backward(self, z, a, grad_a, out: np.ndarray | None = None) -> np.ndarray:
        """dL/dz from dL/da, with a = f(z). Shapes: z, a, grad_a and out all alike (out may be grad_a)."""
        z = _as_float(z)
        a = np.asarray(a, dtype=z.dtype)
        grad_a = np.asarray(grad_a, dtype=z.dtype)
        if a.shape != z.shape or grad_a.shape != z.shape:
            raise ValueError(f"z, a and grad_a must have one shape; got {z.shape}, {a.shape}, {grad_a.shape}")
        out = _output(out, z, "out")
        if z.size:
            rows = _rows(z)
            _k.activation_backward(self.code, self.alpha, rows, _rows(a), _rows(grad_a), out.reshape(rows.shape))
        return out

    def numpy_forward(self, z) -> np.ndarray:
        """Naive numpy twin of :meth:`forward`."""
        return _k.activation_forward_numpy(self.code, self.alpha, np.asarray(z))

    def numpy_derivative(self, z) -> np.ndarray:
        """Elementwise f'(z) in plain numpy (ValueError for softmax: use :meth:`numpy_backward`)."""
        return _k.activation_derivative_numpy(self.code, self.alpha, np.asarray(z))

    def numpy_backward(self, z, grad_a) -> np.ndarray:
        """Naive numpy twin of :meth:`backward` (softmax through its full Jacobian)."""
        return _k.activation_backward_numpy(self.code, self.alpha, np.asarray(z), np.asarray(grad_a))


def get(identifier: str | None | Activation | Callable = None, alpha: float | None = None) -> Activation:
    """The :class:`Activation` for a name, alias, None ("linear"), an Activation or a function of this module.

    ``alpha`` sets leaky_relu's negative slope (default 0.2, as keras.activations.leaky_relu) or elu's alpha
    (default 1.0); it is ignored by the other activations.
    """
    if isinstance(identifier, Activation) and alpha is None:
        return identifier
    name = canonical_name(identifier)
    if name not in DEFAULT_ALPHA:
        return Activation(name, _CODES[name], 0.0)
    if alpha is None:
        alpha = identifier.alpha if isinstance(identifier, Activation) else DEFAULT_ALPHA[name]
    return Activation(name, _CODES[name], float(alpha))


# ---------------------------------------------------------------------------------------------------------
# Plain functions named and parametrised like keras.activations.* (numpy in, numpy out).


def _apply(name: str, x, alpha: float | None = None) -> np.ndarray:
    return get(name, alpha).forward(x)


def _kernel_function(activation: str, name: str | None = None) -> Callable[[Any], np.ndarray]:
    """The plain function ``name`` (default: ``activation``) computing one kernel activation with no options."""
    name = name or activation

    def function(x) -> np.ndarray:
        return _apply(activation, x)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"{name}(x) elementwise on an array of any shape (float32/float64 kept, others -> float32)."
    return function


def linear(x) -> np.ndarray:
    return _as_float(x).copy()


step, sigmoid, hard_sigmoid, tanh, selu, softplus, softsign = (
    _kernel_function(activation)
    for activation in ("step", "sigmoid", "hard_sigmoid", "tanh", "selu", "softplus", "softsign"))
silu = swish = _kernel_function("swish", "silu")


def relu(x, negative_slope: float = 0.0, max_value: float | None = None, threshold: float = 0.0) -> np.ndarray:
    """keras.activations.relu, including its ``max_value`` and ``threshold`` options."""
    if max_value is None and threshold == 0:
        return _apply("leaky_relu", x, negative_slope) if negative_slope != 0 else _apply("relu", x)
    # Same steps as Keras' ReLU.static_call for the rarely used options.
    x = _as_float(x)
    negative_part = np.maximum(threshold - x, 0.0) if negative_slope != 0 else 0.0
    y = np.where(x > threshold, x, 0.0) if threshold != 0 else np.maximum(x, 0.0)
    if max_value is not None:
        y = np.clip(y, 0.0, max_value)
    return (y - negative_slope * negative_part).astype(x.dtype, copy=False)


def relu6(x) -> np.ndarray:
    return relu(x, max_value=6.0)


def leaky_relu(x, negative_slope: float = 0.2) -> np.ndarray:
    return _apply("leaky_relu", x, negative_slope)


def elu(x, alpha: float = 1.0) -> np.ndarray:
    return _apply("elu", x, alpha)


def gelu(x, approximate: bool = False) -> np.ndarray:
    """keras.activations.gelu; ``approximate=True`` (tanh form) runs in numpy, not in a kernel."""
    if not approximate:
        return _apply("gelu", x)
    x = _as_float(x)
    inner = np.sqrt(2.0 / np.pi) * (x + 0.044715 * x**3)
    return (0.5 * x * (1.0 + np.tanh(inner))).astype(x.dtype, copy=False)


def softmax(x, axis: int = -1) -> np.ndarray:
    x = np.moveaxis(_as_float(x), axis, -1)
    return np.moveaxis(_apply("softmax", x), -1, axis)


KERAS_FUNCTIONS: dict[str, Callable[..., np.ndarray]] = {
    "linear": linear, "sigmoid": sigmoid, "hard_sigmoid": hard_sigmoid, "tanh": tanh, "relu": relu,
    "relu6": relu6, "leaky_relu": leaky_relu, "elu": elu, "selu": selu, "softplus": softplus,
    "softsign": softsign, "silu": silu, "swish": swish, "gelu": gelu, "softmax": softmax,
}
# Functions that correspond to one kernel activation, so get(relu) works like get("relu").
_FUNCTION_NAMES = {
    fn: canonical_name(name) for name, fn in KERAS_FUNCTIONS.items() if name != "relu6"
}
_FUNCTION_NAMES[step] = "step"
