"""scikit-learn's preprocessing the course uses: StandardScaler, MinMaxScaler, LabelEncoder, OneHotEncoder.

Same parameters, fitted attributes and numbers as scikit-learn: statistics in float64, the population
variance (ddof=0), NaNs ignored when fitting and kept when transforming, and constant columns scaled by 1
(not divided by zero).

The scalers are defined here; the encoders live in ``engine.sklearn._encoders`` and are re-exported here.
OneHotEncoder returns dense arrays only. ``sparse_output=True`` (scikit-learn's default) gives a dense
``OneHotArray`` (an ndarray) whose ``toarray()``/``todense()`` return plain arrays, so code written for
scikit-learn's sparse matrix (``enc.fit_transform(X).toarray()``) still runs.
"""
from __future__ import annotations

import numpy as np

from engine.sklearn import check_2d_float, check_is_fitted
from engine.sklearn._base import BaseTransformer
from engine.sklearn._encoders import LabelEncoder, OneHotArray, OneHotEncoder  # noqa: F401  (re-exported)


def _handle_zeros_in_scale(scale: np.ndarray, constant_mask: np.ndarray | None = None) -> np.ndarray:
    """Scale 1 for (near-)constant columns, so they are centred but not blown up."""
    if constant_mask is None:
        constant_mask = scale < 10 * np.finfo(scale.dtype).eps
    scale = scale.copy()
    scale[constant_mask] = 1.0
    return scale


class _Scaler(BaseTransformer):
    """What StandardScaler and MinMaxScaler share: refitting from scratch and checking each batch of X."""

    _FITTED: tuple[str, ...] = ()  # the fitted attributes, forgotten by fit (which restarts partial_fit)

    def _reset(self) -> None:
        for name in self._FITTED:
            self.__dict__.pop(name, None)

    def _batch(self, X) -> tuple[np.ndarray, bool]:
        """(X as a float matrix, NaNs allowed; whether it is the first batch): the feature count and names
        are remembered from the first batch and checked on the later ones."""
        first = not hasattr(self, "n_samples_seen_")
        data = check_2d_float(X, allow_nan=True)
        if first:
            self._remember_features(X, data.shape[1])
        else:
            self._check_features(data.shape[1])
        return data, first

    def _fitted_copy(self, X, fitted_attribute: str) -> np.ndarray:
        """A float copy of X to transform in place, once the scaler is fitted and X has its features."""
        check_is_fitted(self, fitted_attribute)
        data = check_2d_float(X, allow_nan=True).copy()
        self._check_features(data.shape[1])
        return data


class StandardScaler(_Scaler):
    """z = (x - mean_) / scale_ per column. Attributes: mean_, var_, scale_, n_samples_seen_, n_features_in_.

    ``mean_`` is None only when both with_mean and with_std are False; ``var_``/``scale_`` are None when
    with_std is False.
    """

    _FITTED = ("n_samples_seen_", "mean_", "var_", "scale_")

    def __init__(self, *, copy: bool = True, with_mean: bool = True, with_std: bool = True):
        self.copy = copy
        self.with_mean = with_mean
        self.with_std = with_std

    def fit(self, X, y=None, sample_weight=None):
        self._reset()
        return self.partial_fit(X, y, sample_weight)

    def partial_fit(self, X, y=None, sample_weight=None):
        """Update the statistics with a batch (Chan et al.'s merge, as scikit-learn)."""
        if sample_weight is not None:
            raise NotImplementedError("StandardScaler(sample_weight=...) is not supported")
        data, first = self._batch(X)
        counts = (~np.isnan(data)).sum(axis=0)
        if not self.with_mean and not self.with_std:
            self.mean_ = self.var_ = None
            seen = (0 if first else self.n_samples_seen_) + counts
        else:
            previous = (np.zeros(data.shape[1]), np.zeros(data.shape[1]) if self.with_std else None,
                        np.zeros(data.shape[1])) if first else (self.mean_, self.var_, self.n_samples_seen_ *
                                                                np.ones(data.shape[1]))
            self.mean_, self.var_, seen = _merge_mean_var(data, *previous)
        seen = np.asarray(seen)
        self.n_samples_seen_ = seen[0] if np.ptp(seen) == 0 else seen
        if self.with_std:
            constant = _is_constant_feature(self.var_, self.mean_, self.n_samples_seen_)
            self.scale_ = _handle_zeros_in_scale(np.sqrt(self.var_), constant)
        else:
            self.var_ = None
            self.scale_ = None
        return self

    def transform(self, X, copy=None):
        data = self._fitted_copy(X, "n_samples_seen_")
        # statistics cast to the data's dtype first, as scikit-learn does (float32 data stays float32 exactly)
        if self.with_mean:
            data -= self.mean_.astype(data.dtype)
        if self.with_std:
            data /= self.scale_.astype(data.dtype)
        return data

    def inverse_transform(self, X, copy=None):
        data = self._fitted_copy(X, "n_samples_seen_")
        if self.with_std:
            data *= self.scale_.astype(data.dtype)
        if self.with_mean:
            data += self.mean_.astype(data.dtype)
        return data


def _merge_mean_var(X: np.ndarray, last_mean, last_var, last_n):
    """Combine running (mean, var, count) with a new batch, per column, ignoring NaNs (float64 sums)."""
    X = X.astype(np.float64, copy=False)
    new_n = (~np.isnan(X)).sum(axis=0).astype(np.float64)
    new_sum = np.nansum(X, axis=0)
    updated_n = last_n + new_n
    with np.errstate(divide="ignore", invalid="ignore"):
        updated_mean = (last_mean * last_n + new_sum) / updated_n
        if last_var is None:
            return updated_mean, None, updated_n
        centred = X - new_sum / new_n
        correction = np.nansum(centred, axis=0)  # rounding error of the batch mean, removed below
        new_unnormalized = np.nansum(centred ** 2, axis=0) - correction ** 2 / new_n
        last_sum = last_mean * last_n
        last_over_new = last_n / new_n
        updated_unnormalized = (last_var * last_n + new_unnormalized
                                + last_over_new / updated_n * (last_sum / last_over_new - new_sum) ** 2)
    first = last_n == 0
    updated_unnormalized[first] = new_unnormalized[first]
    return updated_mean, updated_unnormalized / updated_n, updated_n


def _is_constant_feature(var, mean, n_samples) -> np.ndarray:
    """Variance within float64 rounding of zero counts as constant (scikit-learn's bound)."""
    eps = np.finfo(np.float64).eps
    return var <= n_samples * eps * var + (n_samples * mean * eps) ** 2


class MinMaxScaler(_Scaler):
    """x' = x * scale_ + min_, mapping each column's [data_min_, data_max_] onto feature_range."""

    _FITTED = ("n_samples_seen_", "data_min_", "data_max_", "data_range_", "scale_", "min_")

    def __init__(self, feature_range=(0, 1), *, copy: bool = True, clip: bool = False):
        self.feature_range = feature_range
        self.copy = copy
        self.clip = clip

    def fit(self, X, y=None):
        self._reset()
        return self.partial_fit(X, y)

    def partial_fit(self, X, y=None):
        low, high = self.feature_range
        if low >= high:
            raise ValueError(f"Minimum of desired feature range must be smaller than maximum. Got "
                             f"{tuple(self.feature_range)!r}.")
        data, first = self._batch(X)
        with np.errstate(invalid="ignore"):
            data_min, data_max = np.nanmin(data, axis=0), np.nanmax(data, axis=0)
        if first:
            self.n_samples_seen_ = data.shape[0]
        else:
            data_min = np.minimum(self.data_min_, data_min)
            data_max = np.maximum(self.data_max_, data_max)
            self.n_samples_seen_ += data.shape[0]
        self.data_min_, self.data_max_ = data_min, data_max
        self.data_range_ = data_max - data_min
        self.scale_ = (high - low) / _handle_zeros_in_scale(self.data_range_)
        self.min_ = low - data_min * self.scale_
        return self

    def transform(self, X):
        data = self._fitted_copy(X, "scale_")
        data *= self.scale_
        data += self.min_
        if self.clip:
            np.clip(data, self.feature_range[0], self.feature_range[1], out=data)
        return data

    def inverse_transform(self, X):
        data = self._fitted_copy(X, "scale_")
        data -= self.min_
        data /= self.scale_
        return data
