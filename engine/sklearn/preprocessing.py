"""scikit-learn's preprocessing the course uses: StandardScaler, MinMaxScaler, LabelEncoder, OneHotEncoder.

Same parameters, fitted attributes and numbers as scikit-learn: statistics in float64, the population
variance (ddof=0), NaNs ignored when fitting and kept when transforming, and constant columns scaled by 1
(not divided by zero).

OneHotEncoder returns dense arrays only. ``sparse_output=True`` (scikit-learn's default) gives a dense
``OneHotArray`` (an ndarray) whose ``toarray()``/``todense()`` return plain arrays, so code written for
scikit-learn's sparse matrix (``enc.fit_transform(X).toarray()``) still runs.
"""
from __future__ import annotations

import numpy as np

from engine.sklearn import (
    BaseEstimator,
    check_2d_float,
    check_is_fitted,
    column_or_1d,
    feature_names,
)
from engine.sklearn.metrics import _unique


def _handle_zeros_in_scale(scale: np.ndarray, constant_mask: np.ndarray | None = None) -> np.ndarray:
    """Scale 1 for (near-)constant columns, so they are centred but not blown up."""
    if constant_mask is None:
        constant_mask = scale < 10 * np.finfo(scale.dtype).eps
    scale = scale.copy()
    scale[constant_mask] = 1.0
    return scale


class _Transformer(BaseEstimator):
    """fit_transform, feature checks and feature names shared by the scalers and encoders."""

    def fit_transform(self, X, y=None, **fit_params):
        return self.fit(X, y, **fit_params).transform(X)

    def _remember_features(self, X, n_features: int) -> None:
        self.n_features_in_ = n_features
        names = feature_names(X)
        if names is not None:
            self.feature_names_in_ = names
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_

    def _check_features(self, n_features: int) -> None:
        if n_features != self.n_features_in_:
            raise ValueError(f"X has {n_features} features, but {type(self).__name__} is expecting "
                             f"{self.n_features_in_} features as input.")

    def _input_names(self, input_features=None) -> np.ndarray:
        if input_features is not None:
            return np.asarray(input_features, dtype=object)
        if hasattr(self, "feature_names_in_"):
            return self.feature_names_in_
        return np.asarray([f"x{i}" for i in range(self.n_features_in_)], dtype=object)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self, "n_features_in_")
        return self._input_names(input_features)


class StandardScaler(_Transformer):
    """z = (x - mean_) / scale_ per column. Attributes: mean_, var_, scale_, n_samples_seen_, n_features_in_.

    ``mean_`` is None only when both with_mean and with_std are False; ``var_``/``scale_`` are None when
    with_std is False.
    """

    def __init__(self, *, copy: bool = True, with_mean: bool = True, with_std: bool = True):
        self.copy = copy
        self.with_mean = with_mean
        self.with_std = with_std

    def _reset(self) -> None:
        for name in ("n_samples_seen_", "mean_", "var_", "scale_"):
            self.__dict__.pop(name, None)

    def fit(self, X, y=None, sample_weight=None):
        self._reset()
        return self.partial_fit(X, y, sample_weight)

    def partial_fit(self, X, y=None, sample_weight=None):
        """Update the statistics with a batch (Chan et al.'s merge, as scikit-learn)."""
        if sample_weight is not None:
            raise NotImplementedError("StandardScaler(sample_weight=...) is not supported")
        first = not hasattr(self, "n_samples_seen_")
        data = check_2d_float(X, allow_nan=True)
        if first:
            self._remember_features(X, data.shape[1])
        else:
            self._check_features(data.shape[1])
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
        check_is_fitted(self, "n_samples_seen_")
        data = check_2d_float(X, allow_nan=True).copy()
        self._check_features(data.shape[1])
        # statistics cast to the data's dtype first, as scikit-learn does (float32 data stays float32 exactly)
        if self.with_mean:
            data -= self.mean_.astype(data.dtype)
        if self.with_std:
            data /= self.scale_.astype(data.dtype)
        return data

    def inverse_transform(self, X, copy=None):
        check_is_fitted(self, "n_samples_seen_")
        data = check_2d_float(X, allow_nan=True).copy()
        self._check_features(data.shape[1])
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


class MinMaxScaler(_Transformer):
    """x' = x * scale_ + min_, mapping each column's [data_min_, data_max_] onto feature_range."""

    def __init__(self, feature_range=(0, 1), *, copy: bool = True, clip: bool = False):
        self.feature_range = feature_range
        self.copy = copy
        self.clip = clip

    def fit(self, X, y=None):
        for name in ("n_samples_seen_", "data_min_", "data_max_", "data_range_", "scale_", "min_"):
            self.__dict__.pop(name, None)
        return self.partial_fit(X, y)

    def partial_fit(self, X, y=None):
        low, high = self.feature_range
        if low >= high:
            raise ValueError(f"Minimum of desired feature range must be smaller than maximum. Got "
                             f"{tuple(self.feature_range)!r}.")
        first = not hasattr(self, "n_samples_seen_")
        data = check_2d_float(X, allow_nan=True)
        if first:
            self._remember_features(X, data.shape[1])
        else:
            self._check_features(data.shape[1])
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
        check_is_fitted(self, "scale_")
        data = check_2d_float(X, allow_nan=True).copy()
        self._check_features(data.shape[1])
        data *= self.scale_
        data += self.min_
        if self.clip:
            np.clip(data, self.feature_range[0], self.feature_range[1], out=data)
        return data

    def inverse_transform(self, X):
        check_is_fitted(self, "scale_")
        data = check_2d_float(X, allow_nan=True).copy()
        self._check_features(data.shape[1])
        data -= self.min_
        data /= self.scale_
        return data


class LabelEncoder(BaseEstimator):
    """Labels (numbers or strings) -> 0..n_classes-1 in sorted order; ``classes_`` holds the labels."""

    def fit(self, y):
        self.classes_ = _unique(_labels_1d(y))
        return self

    def fit_transform(self, y):
        return self.fit(y).transform(y)

    def transform(self, y):
        check_is_fitted(self, "classes_")
        y = _labels_1d(y)
        if y.size == 0:
            return np.array([], dtype=np.int64)
        unseen = _unique(y[~np.isin(y, self.classes_)])
        if unseen.size:
            raise ValueError(f"y contains previously unseen labels: {unseen.tolist()}")
        return np.searchsorted(self.classes_, y).astype(np.int64)

    def inverse_transform(self, y):
        check_is_fitted(self, "classes_")
        y = column_or_1d(y, warn=True)
        if y.size == 0:
            return np.array([])
        unseen = np.setdiff1d(y, np.arange(len(self.classes_)))
        if unseen.size:
            raise ValueError(f"y contains previously unseen labels: {unseen.tolist()}")
        return self.classes_[np.asarray(y, dtype=np.int64)]


def _labels_1d(y) -> np.ndarray:
    y = column_or_1d(y, warn=True)
    return np.asarray(y, dtype=object) if y.dtype.kind == "U" and not isinstance(y, np.ndarray) else y


class OneHotArray(np.ndarray):
    """What OneHotEncoder(sparse_output=True) returns here: a dense array that also answers ``toarray()``
    and ``todense()`` like scikit-learn's sparse matrix."""

    def toarray(self) -> np.ndarray:
        return np.array(self, copy=True).view(np.ndarray)

    todense = toarray


class OneHotEncoder(_Transformer):
    """One 0/1 column per category of each input column (dense output only; see the module docstring).

    Supported: categories='auto' or lists, drop=None/'first'/'if_binary'/one category per column,
    handle_unknown='error'/'ignore', dtype. Not supported (NotImplementedError): min_frequency,
    max_categories, handle_unknown='infrequent_if_exist'. ``sparse=`` (scikit-learn < 1.2) is accepted as an
    alias of ``sparse_output``.
    """

    def __init__(self, *, categories="auto", drop=None, sparse_output: bool = True, dtype=np.float64,
                 handle_unknown: str = "error", min_frequency=None, max_categories=None,
                 feature_name_combiner="concat", **legacy):
        if set(legacy) - {"sparse"}:
            unexpected = sorted(set(legacy) - {"sparse"})
            raise TypeError(f"OneHotEncoder got unexpected keyword argument(s) {unexpected}")
        self.categories = categories
        self.drop = drop
        self.sparse_output = legacy.get("sparse", sparse_output)
        self.dtype = dtype
        self.handle_unknown = handle_unknown
        self.min_frequency = min_frequency
        self.max_categories = max_categories
        self.feature_name_combiner = feature_name_combiner

    @staticmethod
    def _columns(X) -> list[np.ndarray]:
        if hasattr(X, "iloc") and getattr(X, "ndim", 2) == 2:
            return [X.iloc[:, j].to_numpy() for j in range(X.shape[1])]
        array = np.asarray(X)
        if array.dtype.kind in "US" and not isinstance(X, np.ndarray):
            array = np.asarray(X, dtype=object)  # keep each column's own Python types (ints stay ints)
        if array.ndim != 2:
            raise ValueError(f"Expected a 2D array, got a {array.ndim}D array instead. Reshape your data "
                             "using array.reshape(-1, 1) if it has a single feature.")
        return [array[:, j] for j in range(array.shape[1])]

    def fit(self, X, y=None):
        if self.min_frequency is not None or self.max_categories is not None:
            raise NotImplementedError("min_frequency / max_categories (infrequent categories) are not "
                                      "supported")
        if self.handle_unknown not in ("error", "ignore"):
            raise ValueError(f"handle_unknown must be 'error' or 'ignore' here; got {self.handle_unknown!r}")
        columns = self._columns(X)
        self._remember_features(X, len(columns))
        if self.categories == "auto":
            self.categories_ = [_unique(col) for col in columns]
        else:
            if len(self.categories) != len(columns):
                raise ValueError("Shape mismatch: if categories is an array, it has to be of shape "
                                 "(n_features,).")
            self.categories_ = [np.asarray(cats, dtype=col.dtype if col.dtype != object else object)
                                for cats, col in zip(self.categories, columns)]
            if self.handle_unknown == "error":
                for i, (cats, col) in enumerate(zip(self.categories_, columns)):
                    unknown = _unique(col[~np.isin(col, cats)])
                    if unknown.size:
                        raise ValueError(f"Found unknown categories {unknown.tolist()} in column {i} during "
                                         "fit")
        self.drop_idx_ = self._drop_indices()
        return self

    def _drop_indices(self):
        if self.drop is None:
            return None
        if isinstance(self.drop, str):
            if self.drop == "first":
                return np.zeros(len(self.categories_), dtype=object)
            if self.drop == "if_binary":
                return np.array([0 if len(c) == 2 else None for c in self.categories_], dtype=object)
            raise ValueError(f"Wrong input for parameter `drop`. Expected 'first', 'if_binary', None or "
                             f"array of objects, got {self.drop!r}")
        wanted = list(self.drop)
        if len(wanted) != len(self.categories_):
            raise ValueError(f"`drop` should have length equal to the number of features "
                             f"({len(self.categories_)}), got {len(wanted)}")
        indices = []
        for i, (value, cats) in enumerate(zip(wanted, self.categories_)):
            found = np.flatnonzero(cats == value)
            if value is not None and not found.size:
                raise ValueError("The following categories were supposed to be dropped, but were not found "
                                 f"in the training data: Category: {value!r}, Feature: {i}")
            indices.append(int(found[0]) if value is not None else None)
        return np.array(indices, dtype=object)

    def _kept(self, i: int) -> np.ndarray:
        """Indices into categories_[i] that get an output column."""
        keep = np.arange(len(self.categories_[i]))
        if self.drop_idx_ is not None and self.drop_idx_[i] is not None:
            keep = keep[keep != self.drop_idx_[i]]
        return keep

    def transform(self, X):
        check_is_fitted(self, "categories_")
        columns = self._columns(X)
        self._check_features(len(columns))
        blocks = []
        for i, (col, cats) in enumerate(zip(columns, self.categories_)):
            lookup = {value: j for j, value in enumerate(cats.tolist())}
            codes = np.array([lookup.get(value, -1) for value in col.tolist()], dtype=np.int64)
            if self.handle_unknown == "error" and (codes < 0).any():
                raise ValueError(f"Found unknown categories {_unique(col[codes < 0]).tolist()} in column {i} "
                                 "during transform")
            kept = self._kept(i)
            block = np.zeros((len(col), len(kept)), dtype=self.dtype)
            position = np.full(len(cats) + 1, -1)
            position[kept] = np.arange(len(kept))
            where = position[codes]  # unknown (-1) and dropped categories have no column
            rows = np.flatnonzero(where >= 0)
            block[rows, where[rows]] = 1
            blocks.append(block)
        out = np.hstack(blocks) if blocks else np.zeros((0, 0), dtype=self.dtype)
        return out.view(OneHotArray) if self.sparse_output else out

    def inverse_transform(self, X):
        check_is_fitted(self, "categories_")
        data = np.asarray(X)
        widths = [len(self._kept(i)) for i in range(len(self.categories_))]
        if data.ndim != 2 or data.shape[1] != sum(widths):
            raise ValueError(f"Shape of the passed X data is not correct. Expected {sum(widths)} columns, "
                             "got "
                             f"{data.shape[1] if data.ndim == 2 else data.shape}.")
        dtype = np.result_type(*[c.dtype for c in self.categories_])
        out = np.empty((data.shape[0], len(self.categories_)), dtype=dtype)
        start = 0
        for i, width in enumerate(widths):
            block = data[:, start:start + width]
            start += width
            kept = self._kept(i)
            values = self.categories_[i][kept[block.argmax(axis=1)]] if width else \
                np.repeat(self.categories_[i][:1], len(data))
            empty = block.sum(axis=1) == 0
            if empty.any():
                if self.drop_idx_ is not None and self.drop_idx_[i] is not None:
                    values[empty] = self.categories_[i][self.drop_idx_[i]]
                elif self.handle_unknown == "ignore":
                    out = out.astype(object)
                    values = values.astype(object)
                    values[empty] = None
                else:
                    raise ValueError(f"Samples {np.flatnonzero(empty).tolist()} can not be inverted when "
                                     "drop=None and handle_unknown='error' because they contain all zeros")
            out[:, i] = values
        return out

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self, "categories_")
        names = self._input_names(input_features)
        combine = self.feature_name_combiner
        joiner = (lambda feature, category: f"{feature}_{category}") if combine == "concat" else combine
        return np.asarray([joiner(str(names[i]), cats[j]) for i, cats in enumerate(self.categories_)
                           for j in self._kept(i)], dtype=object)
