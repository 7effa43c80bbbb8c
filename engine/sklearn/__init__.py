"""scikit-learn's surface for the course: slide code ``from sklearn.X import Y`` runs as
``from engine.sklearn.X import Y`` with scikit-learn's (1.5+) defaults and semantics.

Submodules: ``neural_network`` (MLPClassifier, MLPRegressor, trained by the engine's TrainingLoop),
``metrics``, ``preprocessing``, ``model_selection`` and ``exceptions``. This package holds what they share:
scikit-learn's warning and error classes (also importable from ``exceptions``, as in scikit-learn),
``check_random_state`` and a small ``BaseEstimator`` (get_params / set_params / the repr that lists only
non-default parameters). scikit-learn itself is never imported.
"""
from __future__ import annotations

import inspect
import numbers
import os
import sys
import warnings
from typing import Any

import numpy as np


class ConvergenceWarning(UserWarning):
    """Training stopped at ``max_iter`` before the loss (or validation score) settled."""


class UndefinedMetricWarning(UserWarning):
    """A metric is 0/0 for some class (e.g. precision of a class that is never predicted)."""


class DataConversionWarning(UserWarning):
    """The data was reshaped or converted (e.g. a column vector ``y`` was flattened)."""


class NotFittedError(ValueError, AttributeError):
    """The estimator is used before ``fit`` (scikit-learn's class: a ValueError and an AttributeError)."""


def warn_user(message: str, category: type[Warning] = UserWarning) -> None:
    """warnings.warn pointing at the first caller outside engine.sklearn (the user's line)."""
    package = os.path.dirname(os.path.abspath(__file__))
    frame, level = sys._getframe(0), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def check_random_state(seed) -> np.random.RandomState:
    """scikit-learn's rule: None -> numpy's global RandomState (so ``np.random.seed(0)`` makes runs
    repeatable, as in scikit-learn), an int -> a new ``RandomState(seed)``, a RandomState -> itself.

    A RandomState (not a Generator) is used on purpose: its streams reproduce scikit-learn's weights,
    shuffles and splits number for number.
    """
    if seed is None or seed is np.random:
        return np.random.mtrand._rand
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        return np.random.RandomState(int(seed))
    if isinstance(seed, np.random.RandomState):
        return seed
    raise ValueError(f"{seed!r} cannot be used to seed a numpy.random.RandomState instance; give None, an "
                     "int or a numpy.random.RandomState")


def check_is_fitted(estimator, attribute: str) -> None:
    if not hasattr(estimator, attribute):
        raise NotFittedError(f"This {type(estimator).__name__} instance is not fitted yet. Call 'fit' with "
                             "appropriate arguments before using this estimator.")


class BaseEstimator:
    """get_params / set_params / repr as scikit-learn's BaseEstimator (parameters: the ``__init__``
    arguments)."""

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return sorted(name for name, p in signature.parameters.items()
                      if name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL))

    def _store_params(self, arguments: dict[str, Any]) -> None:
        """Keep every ``__init__`` argument as an attribute, unchanged (scikit-learn's rule: checks wait for
        ``fit``). Call as ``self._store_params(locals())`` at the end of ``__init__``."""
        for name in self._param_names():
            setattr(self, name, arguments[name])

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params) -> BaseEstimator:
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"Invalid parameter {name!r} for estimator {type(self).__name__}. Valid "
                                 f"parameters are: {valid!r}.")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = {name: p.default for name, p in inspect.signature(type(self).__init__).parameters.items()}
        changed = []
        for name in self._param_names():  # scikit-learn lists them alphabetically
            value = getattr(self, name, None)
            default = defaults[name]
            same = value is default or (type(value) is type(default) and _safe_equal(value, default))
            if not same:
                changed.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(changed)})"


def _safe_equal(a, b) -> bool:
    try:
        return bool(np.all(a == b)) if np.shape(a) == np.shape(b) else False
    except (TypeError, ValueError):  # objects that cannot be compared count as changed
        return False


# -- data plumbing shared by the submodules -------------------------------------------------------------
def feature_names(X) -> np.ndarray | None:
    """Column names of a DataFrame-like X when they are all strings (scikit-learn's feature_names_in_)."""
    columns = getattr(X, "columns", None)
    if columns is None:
        return None
    names = np.asarray(list(columns), dtype=object)
    return names if len(names) and all(isinstance(name, str) for name in names) else None


def to_numpy(X, dtype=None) -> np.ndarray:
    """An ndarray from a list, an ndarray or a DataFrame/Series (``to_numpy``)."""
    if hasattr(X, "to_numpy") and not isinstance(X, np.ndarray):
        X = X.to_numpy()
    return np.asarray(X, dtype=dtype)


def check_2d_float(X, name: str = "X", dtypes=(np.float64, np.float32),
                   allow_nan: bool = False) -> np.ndarray:
    """scikit-learn's check_array for a dense float matrix: keeps float32/float64, other numbers -> float64.

    Shapes: X (n_samples, n_features).
    """
    array = to_numpy(X)
    if array.dtype.kind not in "biuf":
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must contain numbers only; got values of type {array.dtype}. Encode "
                             "text columns first (e.g. with OneHotEncoder or LabelEncoder)") from None
    if array.ndim == 1 or array.ndim == 0:
        raise ValueError(f"Expected a 2D array, got a {array.ndim}D array instead: {name}={array!r}.\n"
                         "Reshape your data either using array.reshape(-1, 1) if your data has a single "
                         "feature or array.reshape(1, -1) if it contains a single sample.")
    if array.ndim > 2:
        raise ValueError(f"Found array with dim {array.ndim}, while dim <= 2 is required.")
    if array.dtype not in dtypes:
        array = array.astype(dtypes[0])
    if array.shape[0] == 0:
        raise ValueError(f"Found array with 0 sample(s) (shape={array.shape}) while a minimum of 1 is "
                         "required.")
    if array.shape[1] == 0:
        raise ValueError(f"Found array with 0 feature(s) (shape={array.shape}) while a minimum of 1 is "
                         "required.")
    if not allow_nan and np.isnan(array).any():
        raise ValueError(f"Input {name} contains NaN.")
    if np.isinf(array).any():
        raise ValueError(f"Input {name} contains infinity or a value too large for {array.dtype!r}.")
    return array


def check_consistent_length(*arrays) -> int:
    lengths = [num_samples(a) for a in arrays if a is not None]
    if len(set(lengths)) > 1:
        raise ValueError(f"Found input variables with inconsistent numbers of samples: {lengths!r}")
    return lengths[0] if lengths else 0


def num_samples(a) -> int:
    shape = getattr(a, "shape", None)
    if shape is not None and len(shape) > 0:
        return int(shape[0])
    if shape is not None:
        raise TypeError(f"Singleton array {a!r} cannot be considered a valid collection.")
    try:
        return len(a)
    except TypeError:
        raise TypeError(f"Expected a sequence or array-like, got {type(a).__name__}") from None


def column_or_1d(y, warn: bool = False) -> np.ndarray:
    """Flatten a column vector (n, 1) to (n,), warning like scikit-learn when asked to."""
    y = to_numpy(y)
    if y.ndim == 2 and y.shape[1] == 1:
        if warn:
            warn_user("A column-vector y was passed when a 1d array was expected. Please change the "
                          "shape of y to (n_samples, ), for example using ravel().", DataConversionWarning)
        return y.ravel()
    if y.ndim == 1:
        return y
    raise ValueError(f"y should be a 1d array, got an array of shape {y.shape} instead.")
