"""Central-difference gradient checking in float64, shared by every engine test."""
from __future__ import annotations

from typing import Callable

import numpy as np


def numerical_gradient(scalar_fn: Callable[[], float], array: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """d scalar_fn / d array by central differences, perturbing ``array`` in place (restored after)."""
    assert array.dtype == np.float64, "gradient checks run in float64"
    grad = np.zeros_like(array)
    flat = array.reshape(-1)
    grad_flat = grad.reshape(-1)
    for i in range(flat.size):
        original = flat[i]
        flat[i] = original + eps
        plus = scalar_fn()
        flat[i] = original - eps
        minus = scalar_fn()
        flat[i] = original
        grad_flat[i] = (plus - minus) / (2 * eps)
    return grad


def assert_gradients_close(analytic: np.ndarray, numeric: np.ndarray, rtol: float = 1e-5, atol: float = 1e-7):
    np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=atol)
