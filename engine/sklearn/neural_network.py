"""scikit-learn's MLPClassifier and MLPRegressor, trained by the engine (Graph -> Network -> Objective ->
TrainingLoop), with scikit-learn's defaults, attributes, stopping rules, warnings and numbers.

With the same data and ``random_state`` the starting weights, batch order, losses and updates are
scikit-learn's, so ``loss_curve_`` matches scikit-learn's to rounding (float64 for float64 data, float32 for
float32 data, as scikit-learn). Solvers: 'adam' and 'sgd' (momentum, Nesterov, learning_rate 'constant',
'invscaling', 'adaptive') run on the engine's TrainingLoop; 'lbfgs' runs scipy's L-BFGS-B (what
scikit-learn calls) on the engine's loss and gradients.

Not supported: ``sample_weight`` (NotImplementedError), MLPRegressor(loss='poisson') (NotImplementedError),
sparse matrices. ``loss`` of MLPRegressor is keyword-only here (scikit-learn >= 1.7 made it the first
positional argument; slides written for 1.5 pass hidden_layer_sizes first, and that keeps working).
"""
from __future__ import annotations

import numpy as np

from engine.sklearn import check_consistent_length, column_or_1d, to_numpy
from engine.sklearn._mlp import LabelBinarizer, check_param
from engine.sklearn._mlp_base import BaseMultilayerPerceptron
from engine.sklearn.metrics import accuracy_score, r2_score, type_of_target, unique_labels

_SHARED_DOC = """
    Parameters (scikit-learn's, same defaults): hidden_layer_sizes=(100,), activation='relu'
    ('identity', 'logistic', 'tanh', 'relu'), solver='adam' ('adam', 'sgd', 'lbfgs'), alpha=1e-4 (L2 penalty
    0.5 * alpha * sum(W**2) / batch size, weights only), batch_size='auto' (min(200, n)),
    learning_rate='constant' ('invscaling', 'adaptive'; sgd only), learning_rate_init=1e-3, power_t=0.5,
    max_iter=200 (epochs), shuffle=True, random_state=None, tol=1e-4, verbose=False, warm_start=False,
    momentum=0.9, nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1, beta_1=0.9,
    beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000 (lbfgs).

    Fitted attributes: loss_, loss_curve_, best_loss_, n_iter_, t_, coefs_, intercepts_, n_layers_,
    n_outputs_, out_activation_, n_features_in_ (feature_names_in_ for DataFrames), validation_scores_ and
    best_validation_score_ (early_stopping).
"""


class MLPClassifier(BaseMultilayerPerceptron):
    """Multi-layer perceptron classifier: softmax + log-loss for several classes, one logistic output for
    two classes, logistic outputs for multilabel indicator targets. Labels of any type (strings too) are
    mapped through ``classes_``.
    """

    _is_classifier = True

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", alpha=0.0001,
                 batch_size="auto", learning_rate="constant", learning_rate_init=0.001, power_t=0.5,
                 max_iter=200, shuffle=True, random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000):
        self._store_params(locals())

    loss = "log_loss"

    def _output_activation(self) -> str:
        return "softmax" if self._label_binarizer.y_type_ == "multiclass" else "logistic"

    def _loss_kind(self) -> str:
        return "log_loss" if self.out_activation_ == "softmax" else "binary_log_loss"

    def _validate_input(self, X, y, incremental, reset):
        X = self._validate_x(X, reset)
        y = to_numpy(y)
        check_consistent_length(X, y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer().fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start:
                if set(classes.tolist()) != set(self.classes_.tolist()):
                    raise ValueError("warm_start can only be used where `y` has the same classes as in "
                                     f"the previous call to fit. Previously got {self.classes_}, `y` has "
                                     f"{classes}")
            elif len(np.setdiff1d(classes, self.classes_)):
                raise ValueError(f"`y` has classes not in `self.classes_`. `self.classes_` has "
                                 f"{self.classes_}. 'y' has {classes}.")
        return X, self._label_binarizer.transform(y)

    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """One epoch over (X, y); the first call needs ``classes`` (every label that will ever appear)."""
        self._reject_sample_weight(sample_weight)
        if getattr(self, "classes_", None) is None and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if classes is not None:
            if getattr(self, "classes_", None) is not None:
                if not np.array_equal(self.classes_, unique_labels(classes)):
                    raise ValueError(f"`classes={classes!r}` is not the same as on last call to partial_fit, "
                                     f"was: {self.classes_!r}")
            else:
                self._label_binarizer = LabelBinarizer().fit(
                    y if type_of_target(y).startswith("multilabel") else classes)
                self.classes_ = self._label_binarizer.classes_
        return self._partial_fit(X, y)

    def _predict(self, X) -> np.ndarray:
        y_pred = self._forward(X)
        if self.n_outputs_ == 1:
            y_pred = y_pred.ravel()
        return self._label_binarizer.inverse_transform(y_pred)

    def predict(self, X) -> np.ndarray:
        """Class labels (an indicator matrix for multilabel targets). Shapes: (n_samples,)."""
        return self._predict(X)

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, columns in ``classes_`` order; rows sum to 1 (except multilabel).

        Shapes: (n_samples, n_classes).
        """
        y_pred = self._forward(X)
        if self.n_outputs_ == 1:
            y_pred = y_pred.ravel()
        return np.vstack([1 - y_pred, y_pred]).T if y_pred.ndim == 1 else y_pred

    def predict_log_proba(self, X) -> np.ndarray:
        return np.log(self.predict_proba(X))

    @staticmethod
    def _score_function(y, y_pred) -> float:
        return accuracy_score(y, y_pred)

    def score(self, X, y, sample_weight=None) -> float:
        """Mean accuracy on (X, y)."""
        return accuracy_score(y, self.predict(X), sample_weight=sample_weight)


class MLPRegressor(BaseMultilayerPerceptron):
    """Multi-layer perceptron regressor: identity outputs, squared error 0.5 * mean((y - y_pred)**2).
    """

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, loss="squared_error", solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant", learning_rate_init=0.001,
                 power_t=0.5, max_iter=200, shuffle=True, random_state=None, tol=1e-4, verbose=False,
                 warm_start=False, momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10,
                 max_fun=15000):
        self._store_params(locals())

    def _validate_params(self) -> list[int]:
        if self.loss == "poisson":
            raise NotImplementedError("MLPRegressor(loss='poisson') is not supported; use 'squared_error'")
        check_param("loss", self.loss, self.loss == "squared_error",
                    "a str among {'squared_error', 'poisson'}", "MLPRegressor")
        return super()._validate_params()

    def _output_activation(self) -> str:
        return "identity"

    def _loss_kind(self) -> str:
        return "squared_error"

    def _validate_input(self, X, y, incremental, reset):
        X = self._validate_x(X, reset)
        y = to_numpy(y)
        if y.dtype.kind not in "biuf":
            raise ValueError(f"y must contain numbers for a regressor; got values of type {y.dtype}")
        check_consistent_length(X, y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if not np.all(np.isfinite(y)):
            raise ValueError("Input y contains NaN or infinity.")
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        return X, Y.astype(X.dtype)

    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over (X, y), continuing from the current weights and optimizer state."""
        self._reject_sample_weight(sample_weight)
        return self._partial_fit(X, y)

    def _predict(self, X) -> np.ndarray:
        y_pred = self._forward(X)
        return y_pred.ravel() if y_pred.shape[1] == 1 else y_pred

    def predict(self, X) -> np.ndarray:
        """Predicted values. Shapes: (n_samples,) for one target, else (n_samples, n_outputs)."""
        return self._predict(X)

    @staticmethod
    def _score_function(y, y_pred) -> float:
        return r2_score(y, y_pred)

    def score(self, X, y, sample_weight=None) -> float:
        """Coefficient of determination R² on (X, y)."""
        return r2_score(y, self.predict(X), sample_weight=sample_weight)


MLPClassifier.__doc__ += _SHARED_DOC
MLPRegressor.__doc__ += _SHARED_DOC
