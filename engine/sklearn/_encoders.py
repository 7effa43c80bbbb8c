"""scikit-learn's LabelEncoder and OneHotEncoder (dense output only; see ``engine.sklearn.preprocessing``)."""
from __future__ import annotations

import numpy as np

from engine.sklearn import BaseEstimator, check_is_fitted, column_or_1d
from engine.sklearn._base import BaseTransformer
from engine.sklearn._labels import unique_values


class LabelEncoder(BaseEstimator):
    """Labels (numbers or strings) -> 0..n_classes-1 in sorted order; ``classes_`` holds the labels."""

    def fit(self, y):
        self.classes_ = unique_values(_labels_1d(y))
        return self

    def fit_transform(self, y):
        return self.fit(y).transform(y)

    def transform(self, y):
        check_is_fitted(self, "classes_")
        y = _labels_1d(y)
        if y.size == 0:
            return np.array([], dtype=np.int64)
        unseen = unique_values(y[~np.isin(y, self.classes_)])
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


class OneHotEncoder(BaseTransformer):
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
            self.categories_ = [unique_values(col) for col in columns]
        else:
            if len(self.categories) != len(columns):
                raise ValueError("Shape mismatch: if categories is an array, it has to be of shape "
                                 "(n_features,).")
            self.categories_ = [np.asarray(cats, dtype=col.dtype if col.dtype != object else object)
                                for cats, col in zip(self.categories, columns)]
            if self.handle_unknown == "error":
                for i, (cats, col) in enumerate(zip(self.categories_, columns)):
                    unknown = unique_values(col[~np.isin(col, cats)])
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
                raise ValueError(f"Found unknown categories {unique_values(col[codes < 0]).tolist()} in column {i} "
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
