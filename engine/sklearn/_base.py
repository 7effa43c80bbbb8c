"""The base of the scalers and encoders (``engine.sklearn.preprocessing``): scikit-learn's fit_transform and
its bookkeeping of the input features (``n_features_in_``, ``feature_names_in_``, ``get_feature_names_out``).
"""
from __future__ import annotations

import numpy as np

from engine.sklearn import BaseEstimator, check_is_fitted, feature_names


class BaseTransformer(BaseEstimator):
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
