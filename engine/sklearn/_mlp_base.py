"""What MLPClassifier and MLPRegressor share: scikit-learn's fitting procedure (parameter checks, the
initial weights, the stochastic solvers' epoch loop with its stopping rules, early stopping, warm start and
partial_fit, lbfgs), prediction and the ``coefs_`` / ``intercepts_`` views, on the engine's network.

The estimators themselves, with their parameters and label handling, are in ``engine.sklearn.neural_network``.
"""
from __future__ import annotations

import numpy as np

from engine.optimizers import SGD, Adam
from engine.sklearn import (
    BaseEstimator,
    ConvergenceWarning,
    check_2d_float,
    check_is_fitted,
    check_random_state,
    feature_names,
    warn_user,
)
from engine.sklearn._mlp import (
    BatchContext,
    SklearnL2,
    SklearnOrderLoop,
    build_network,
    make_objective,
    minimize_lbfgs,
    validate_params,
)
from engine.sklearn.model_selection import train_test_split
from engine.training import predict_arrays

_STOCHASTIC = ("sgd", "adam")


class BaseMultilayerPerceptron(BaseEstimator):
    """Shared fitting logic; see MLPClassifier / MLPRegressor for the parameters."""

    _is_classifier = False

    # -- parameters -----------------------------------------------------------------------------------
    def _validate_params(self) -> list[int]:
        return validate_params(self)

    # -- fitting --------------------------------------------------------------------------------------
    def fit(self, X, y, sample_weight=None):
        """Train from scratch (or, with warm_start=True, from the current weights). Returns self."""
        self._reject_sample_weight(sample_weight)
        return self._fit(X, y, incremental=False)

    @staticmethod
    def _reject_sample_weight(sample_weight) -> None:
        if sample_weight is not None:
            raise NotImplementedError("sample_weight is not supported by this MLP")

    def _fit(self, X, y, incremental: bool):
        hidden = self._validate_params()
        first_pass = not hasattr(self, "coefs_") or (not self.warm_start and not incremental)
        X, Y = self._validate_input(X, y, incremental, reset=first_pass)
        self.n_outputs_ = Y.shape[1]
        layer_units = [X.shape[1]] + hidden + [self.n_outputs_]
        self._random_state = check_random_state(self.random_state)
        if first_pass:
            self._initialize(Y, layer_units, X.dtype)
        elif [X.shape[1]] + hidden + [Y.shape[1]] != self._layer_units:
            raise ValueError(f"warm_start/partial_fit needs the same layer sizes as before "
                             f"({self._layer_units}); got {layer_units}")
        self._regularizer.alpha = float(self.alpha)
        X = X.astype(self._network.dtype, copy=False)
        if self.solver in _STOCHASTIC:
            self._fit_stochastic(X, Y, incremental)
        else:
            self._fit_lbfgs(X, Y)
        if not np.all(np.isfinite(self._network.params)):
            raise ValueError("Solver produced non-finite parameter weights. The input data may contain large "
                             "values and need to be preprocessed.")
        return self

    def _validate_x(self, X, reset: bool) -> np.ndarray:
        data = check_2d_float(X)
        if reset:
            self.n_features_in_ = data.shape[1]
            names = feature_names(X)
            if names is not None:
                self.feature_names_in_ = names
            elif hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
        elif data.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {data.shape[1]} features, but {type(self).__name__} is expecting "
                             f"{self.n_features_in_} features as input.")
        return data

    def _initialize(self, Y: np.ndarray, layer_units: list[int], dtype) -> None:
        """scikit-learn's start: Glorot-uniform weights AND biases in ±sqrt(6 / (fan_in + fan_out))
        (factor 2 for 'logistic'), drawn from the estimator's RandomState in scikit-learn's order."""
        self.n_iter_ = 0
        self.t_ = 0
        self.n_layers_ = len(layer_units)
        self._layer_units = list(layer_units)
        self.out_activation_ = self._output_activation()
        self._context = BatchContext()
        self._regularizer = SklearnL2(self.alpha, self._context)
        self._network, self._dense = build_network(layer_units, self.activation, self.out_activation_,
                                                   self._regularizer, dtype)
        factor = 2.0 if self.activation == "logistic" else 6.0
        for layer, fan_in, fan_out in zip(self._dense, layer_units[:-1], layer_units[1:]):
            bound = np.sqrt(factor / (fan_in + fan_out))
            coef = self._random_state.uniform(-bound, bound, (fan_in, fan_out))
            intercept = self._random_state.uniform(-bound, bound, fan_out)
            layer.set_weights([coef.astype(dtype), intercept.astype(dtype)])
        self._objective = make_objective(self._network, self._loss_kind(), self.n_outputs_, self._context)
        self._optimizer = None
        self._best_params = self._network.params.copy()
        if self.solver in _STOCHASTIC:
            self.loss_curve_ = []
            self._no_improvement_count = 0
            if self.early_stopping:
                self.validation_scores_ = []
                self.best_validation_score_ = -np.inf
                self.best_loss_ = None
            else:
                self.best_loss_ = np.inf
                self.validation_scores_ = None
                self.best_validation_score_ = None

    def _make_optimizer(self):
        if self.solver == "adam":
            return Adam(learning_rate=self.learning_rate_init, beta_1=self.beta_1, beta_2=self.beta_2,
                        epsilon=self.epsilon)
        return SGD(learning_rate=self.learning_rate_init, momentum=self.momentum,
                   nesterov=bool(self.nesterovs_momentum))

    def _fit_stochastic(self, X: np.ndarray, Y: np.ndarray, incremental: bool) -> None:
        saved_state = None
        if not incremental or self._optimizer is None:
            self._optimizer = self._make_optimizer()
        elif self._optimizer.built:
            saved_state = self._optimizer.get_state()  # partial_fit continues Adam's moments and step count
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        X_val = y_val = None
        if self.early_stopping:
            # scikit-learn stratifies only when there is one output column (binary classification)
            stratify = Y if (self._is_classifier and self.n_outputs_ == 1) else None
            X, X_val, Y, Y_val = train_test_split(X, Y, random_state=self._random_state,
                                                  test_size=self.validation_fraction, stratify=stratify)
            if X_val.shape[0] < 2:
                raise ValueError("The validation set is too small. Increase 'validation_fraction' or the "
                                 "size of your dataset.")
            y_val = self._label_binarizer.inverse_transform(Y_val) if self._is_classifier else Y_val
        n_samples = X.shape[0]
        if self.batch_size == "auto":
            batch_size = min(200, n_samples)
        else:
            if self.batch_size > n_samples:
                warn_user("Got `batch_size` less than 1 or larger than sample size. It is going to be "
                              "clipped")
            batch_size = int(np.clip(self.batch_size, 1, n_samples))
        loop = SklearnOrderLoop(self._network, self._objective, self._optimizer, X, Y.astype(X.dtype),
                                batch_size=batch_size, shuffle=bool(self.shuffle), seed=0,
                                random_state=self._random_state)
        if saved_state is not None:
            self._optimizer.set_state(saved_state)
        try:
            self.n_iter_ = 0
            for _ in range(self.max_iter):
                report = loop.run_epoch()
                if report is None or report.diverged:
                    raise ValueError("Solver produced non-finite parameter weights. The input data may "
                                     "contain large values and need to be preprocessed. "
                                     + (report.diverged if report is not None else ""))
                self.n_iter_ += 1
                self.loss_ = float(report.epoch_logs["loss"])
                self.t_ += n_samples
                self.loss_curve_.append(self.loss_)
                if self.verbose:
                    print(f"Iteration {self.n_iter_}, loss = {self.loss_:.8f}")
                self._update_no_improvement_count(X_val, y_val)
                if self.solver == "sgd" and self.learning_rate == "invscaling":
                    self._optimizer.learning_rate = self.learning_rate_init / (self.t_ + 1) ** self.power_t
                if self._no_improvement_count > self.n_iter_no_change:
                    what = "Validation score" if self.early_stopping else "Training loss"
                    msg = (f"{what} did not improve more than tol={self.tol:f} for "
                           f"{self.n_iter_no_change} consecutive epochs.")
                    if self._trigger_stopping(msg):
                        break
                    self._no_improvement_count = 0
                if incremental:
                    break
                if self.n_iter_ == self.max_iter:
                    warn_user(f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and "
                                  "the optimization hasn't converged yet.", ConvergenceWarning)
        except KeyboardInterrupt:
            warn_user("Training interrupted by user.")
        if self.early_stopping:
            np.copyto(self._network.params, self._best_params)  # the weights of the best validation score

    def _trigger_stopping(self, msg: str) -> bool:
        """Stop, except for sgd with learning_rate='adaptive', which divides the rate by 5 until <= 1e-6."""
        if self.solver != "sgd" or self.learning_rate != "adaptive":
            if self.verbose:
                print(msg + " Stopping.")
            return True
        if self._optimizer.learning_rate <= 1e-6:
            if self.verbose:
                print(msg + " Learning rate too small. Stopping.")
            return True
        self._optimizer.learning_rate = self._optimizer.learning_rate / 5.0
        if self.verbose:
            print(f"{msg} Setting learning rate to {self._optimizer.learning_rate:f}")
        return False

    def _update_no_improvement_count(self, X_val, y_val) -> None:
        if self.early_stopping:
            score = self._score(X_val, y_val)
            self.validation_scores_.append(score)
            if self.verbose:
                print(f"Validation score: {score:f}")
            if score < self.best_validation_score_ + self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                self._best_params = self._network.params.copy()
        else:
            if self.loss_curve_[-1] > self.best_loss_ - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            self.best_loss_ = min(self.best_loss_, self.loss_curve_[-1])

    def _fit_lbfgs(self, X: np.ndarray, Y: np.ndarray) -> None:
        result = minimize_lbfgs(self._network, self._objective, X, Y.astype(X.dtype), self.max_iter,
                                self.max_fun, self.tol)
        self.n_iter_ = min(int(result.nit), self.max_iter)
        self.loss_ = float(result.fun)
        if result.status != 0:
            message = (f"lbfgs failed to converge after {self.n_iter_} iteration(s) "
                       f"(status={result.status}):\n{result.message}\n")
            if self.n_iter_ == self.max_iter:
                message += ("\nIncrease the number of iterations to improve the convergence "
                            f"(max_iter={self.max_iter}).")
            message += ("\nYou might also want to scale the data as shown in:\n"
                        "    https://scikit-learn.org/stable/modules/preprocessing.html")
            warn_user(message, ConvergenceWarning)

    def _partial_fit(self, X, y):
        if self.solver not in _STOCHASTIC:
            raise AttributeError(f"partial_fit is only available for stochastic optimizers. {self.solver} is "
                                 "not stochastic.")
        self._validate_params()
        return self._fit(X, y, incremental=True)

    # -- prediction -----------------------------------------------------------------------------------
    def _forward(self, X) -> np.ndarray:
        """Network outputs for X. Shapes: (n_samples, n_outputs_)."""
        check_is_fitted(self, "coefs_")
        data = self._validate_x(X, reset=False).astype(self._network.dtype, copy=False)
        return predict_arrays(self._network, [data])[0]

    def _score(self, X, y) -> float:
        y_pred = self._predict(X)
        if np.issubdtype(y_pred.dtype, np.floating) and not np.isfinite(y_pred).all():
            return np.nan
        return self._score_function(y, y_pred)

    # -- weights --------------------------------------------------------------------------------------
    def _weights(self, name: str) -> list[np.ndarray]:
        if "_network" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__} has no attribute 'coefs_' before fit")
        return [layer.weights_by_name[name].value for layer in self._dense]

    def _set_weights(self, name: str, values) -> None:
        for slot, value in zip(self._weights(name), values):
            slot[...] = np.asarray(value).reshape(slot.shape)

    coefs_ = property(lambda self: self._weights("kernel"), lambda self, v: self._set_weights("kernel", v),
                      doc="Weight matrices, one per layer (live views into the network): (fan_in, fan_out).")
    intercepts_ = property(lambda self: self._weights("bias"), lambda self, v: self._set_weights("bias", v),
                           doc="Bias vectors, one per layer (live views): (fan_out,).")
