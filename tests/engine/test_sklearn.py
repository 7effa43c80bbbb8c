"""engine.sklearn: scikit-learn's MLPs on the engine, metrics, preprocessing and train_test_split.

Behaviour tests run everywhere; tests marked ``reference`` compare with scikit-learn when it is installed
(an optional oracle, never imported by the engine). Most nets train on float32 data so the float32 kernels
the rest of the suite compiles are reused.
"""
import warnings

import numpy as np
import pytest

from engine.sklearn import ConvergenceWarning, NotFittedError
from engine.sklearn.metrics import (
    accuracy_score,
    classification_report,
    confusion_matrix,
    f1_score,
    mean_absolute_error,
    mean_squared_error,
    precision_score,
    r2_score,
    recall_score,
)
from engine.sklearn.model_selection import train_test_split
from engine.sklearn.neural_network import MLPClassifier, MLPRegressor
from engine.sklearn.preprocessing import LabelEncoder, MinMaxScaler, OneHotEncoder, StandardScaler


def _xor(n=300, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, 2))
    X = X[np.abs(X[:, 0] * X[:, 1]) > 0.02]  # a margin around the axes keeps the task learnable
    return X.astype(dtype), (X[:, 0] * X[:, 1] > 0).astype(int)


def _blobs(n=240, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]])
    labels = rng.integers(0, 3, n)
    X = centres[labels] + rng.normal(scale=0.7, size=(n, 2))
    return X.astype(dtype), np.array(["setosa", "versicolor", "virginica"])[labels]


def _sklearn():
    return pytest.importorskip("sklearn")


# -- MLPClassifier / MLPRegressor: behaviour ---------------------------------------------------------------
def test_classifier_learns_xor_with_sklearn_attributes():
    X, y = _xor()
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    clf = MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.02, max_iter=300, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_train, y_train)
    assert clf.score(X_test, y_test) >= 0.95
    assert list(clf.classes_) == [0, 1]
    assert (clf.n_layers_, clf.n_outputs_, clf.out_activation_, clf.n_features_in_) == (3, 1, "logistic", 2)
    assert [w.shape for w in clf.coefs_] == [(2, 16), (16, 1)]
    assert [b.shape for b in clf.intercepts_] == [(16,), (1,)]
    assert clf.coefs_[0].dtype == np.float32  # float32 data trains in float32, as scikit-learn
    assert len(clf.loss_curve_) == clf.n_iter_ and clf.loss_ == clf.loss_curve_[-1]
    assert clf.best_loss_ == min(clf.loss_curve_) and clf.loss_curve_[-1] < clf.loss_curve_[0]
    assert clf.validation_scores_ is None and clf.best_validation_score_ is None
    proba = clf.predict_proba(X_test)
    assert proba.shape == (len(X_test), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(clf.predict(X_test), clf.classes_[proba.argmax(axis=1)])


def test_classifier_string_labels_multiclass_float64():
    X, y = _blobs()
    clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=60, learning_rate_init=0.05, random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, list(y))
    assert list(clf.classes_) == ["setosa", "versicolor", "virginica"]
    assert clf.out_activation_ == "softmax" and clf.n_outputs_ == 3 and clf.coefs_[0].dtype == np.float64
    predicted = clf.predict(X)
    assert set(predicted) <= set(clf.classes_)
    assert accuracy_score(y, predicted) >= 0.95 and clf.score(X, y) == accuracy_score(y, predicted)
    proba = clf.predict_proba(X[:5])
    assert proba.shape == (5, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_regressor_reaches_low_error():
    rng = np.random.default_rng(2)
    X = rng.uniform(-2, 2, size=(400, 1)).astype(np.float32)
    y = np.sin(2 * X[:, 0]) + 0.5 * X[:, 0]
    reg = MLPRegressor(hidden_layer_sizes=(32,), activation="tanh", learning_rate_init=0.01, max_iter=400,
                       tol=1e-6, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X, y)
    prediction = reg.predict(X)
    assert prediction.shape == (400,) and reg.out_activation_ == "identity"
    assert mean_squared_error(y, prediction) < 0.01
    assert reg.score(X, y) == pytest.approx(r2_score(y, prediction)) and reg.score(X, y) > 0.98
    # scikit-learn's loss is half the mean squared error (plus the small alpha penalty)
    assert reg.loss_ == pytest.approx(0.5 * mean_squared_error(y, prediction), rel=0.3)


def test_first_loss_is_sklearn_definition_from_sklearn_initial_weights():
    """loss_curve_[0] with one full batch = loss of the starting weights: checks the Glorot-uniform start
    (weights and biases, RandomState order), 0.5*mean squared error and 0.5*alpha*sum(W²)/n."""
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(40, 3)), rng.normal(size=40)
    alpha = 0.5
    reg = MLPRegressor(hidden_layer_sizes=(4,), activation="logistic", alpha=alpha, batch_size=40,
                       shuffle=False, max_iter=1, random_state=7)
    with pytest.warns(ConvergenceWarning):
        reg.fit(X, y)
    state = np.random.RandomState(7)
    weights = []
    for fan_in, fan_out in ((3, 4), (4, 1)):
        bound = np.sqrt(2.0 / (fan_in + fan_out))  # factor 2 for the logistic activation
        coef = state.uniform(-bound, bound, (fan_in, fan_out))
        weights.append((coef, state.uniform(-bound, bound, fan_out)))
    hidden = 1 / (1 + np.exp(-(X @ weights[0][0] + weights[0][1])))
    output = (hidden @ weights[1][0] + weights[1][1]).ravel()
    penalty = 0.5 * alpha * sum(np.sum(w ** 2) for w, _ in weights) / len(X)
    assert reg.loss_curve_[0] == pytest.approx(0.5 * np.mean((y - output) ** 2) + penalty, rel=1e-12)


def test_early_stopping_stops_and_keeps_best_weights():
    X, y = _xor(n=400, seed=4)
    clf = MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.05, early_stopping=True,
                        n_iter_no_change=5, max_iter=500, random_state=0)
    clf.fit(X, y)
    assert clf.n_iter_ < 500
    assert len(clf.validation_scores_) == clf.n_iter_ == len(clf.loss_curve_)
    assert clf.best_validation_score_ == max(clf.validation_scores_) and clf.best_loss_ is None
    # the last n_iter_no_change + 1 epochs did not beat the best score by tol
    assert max(clf.validation_scores_[-(clf.n_iter_no_change + 1):]) < clf.best_validation_score_ + clf.tol


def test_training_loss_plateau_stops_without_warning():
    X, y = _xor(n=200, seed=5)
    clf = MLPClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.05, tol=1e-2, max_iter=400,
                        random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf.fit(X, y)
    assert clf.n_iter_ < 400


def test_convergence_warning_is_ours_and_predict_before_fit_fails():
    X, y = _xor(n=60)
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(3\) reached"):
        MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(X, y)
    assert ConvergenceWarning.__module__ == "engine.sklearn"
    with pytest.raises(NotFittedError, match="not fitted yet"):
        MLPClassifier().predict(X)


def test_exceptions_module_names_the_same_classes_as_scikit_learns():
    # Slides write `from sklearn.exceptions import ConvergenceWarning`; the engine's module must name the
    # classes the estimators really raise, so filters and except clauses catch them.
    from engine import sklearn
    from engine.sklearn import exceptions

    names = {"ConvergenceWarning", "DataConversionWarning", "NotFittedError", "UndefinedMetricWarning"}
    assert set(exceptions.__all__) == names
    for name in names:
        assert getattr(exceptions, name) is getattr(sklearn, name)
    assert issubclass(exceptions.NotFittedError, ValueError)
    assert issubclass(exceptions.NotFittedError, AttributeError)
    X, y = _xor(n=60)
    with warnings.catch_warnings():
        warnings.simplefilter("error", exceptions.ConvergenceWarning)
        with pytest.raises(exceptions.ConvergenceWarning):
            MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(X, y)
    with pytest.raises(exceptions.NotFittedError):
        MLPClassifier().predict(X)
    with pytest.warns(exceptions.UndefinedMetricWarning):
        precision_score([0, 1, 1], [0, 0, 0])


def test_sgd_partial_fit_and_lbfgs():
    X, y = _xor(n=300, seed=6)
    clf = MLPClassifier(hidden_layer_sizes=(12,), solver="sgd", learning_rate_init=0.1, momentum=0.9,
                        random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    losses = []
    for _ in range(150):
        clf.partial_fit(X, y, classes=[0, 1])
        losses.append(clf.loss_)
    assert clf.n_iter_ == 1 and losses[-1] < 0.5 * losses[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        lbfgs = MLPClassifier(hidden_layer_sizes=(12,), solver="lbfgs", max_iter=300, random_state=0)
        lbfgs.fit(X, y)
    assert lbfgs.score(X, y) >= 0.95 and not hasattr(lbfgs, "loss_curve_")
    with pytest.raises(AttributeError, match="stochastic"):
        lbfgs.partial_fit(X, y)


def test_parameters_errors_and_repr():
    clf = MLPClassifier(hidden_layer_sizes=(10,), max_iter=500, random_state=1)
    assert repr(clf) == "MLPClassifier(hidden_layer_sizes=(10,), max_iter=500, random_state=1)"
    assert clf.get_params()["alpha"] == 0.0001 and clf.set_params(alpha=0.1).alpha == 0.1
    X, y = _xor(n=40)
    with pytest.raises(ValueError, match=r"'activation' parameter.*'relu'"):
        MLPClassifier(activation="softplus").fit(X, y)
    with pytest.raises(ValueError, match="hidden_layer_sizes must be > 0"):
        MLPRegressor(hidden_layer_sizes=(0,)).fit(X, y)
    with pytest.raises(ValueError, match="continuous"):
        MLPClassifier().fit(X, X[:, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg = MLPRegressor(hidden_layer_sizes=(3,), max_iter=2, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but MLPRegressor is expecting 2"):
        reg.predict(np.zeros((2, 3)))


# -- MLPs vs scikit-learn (optional oracle) ----------------------------------------------------------------
PARITY_CASES = [
    ("MLPClassifier", "binary", dict(hidden_layer_sizes=(6,), max_iter=12, random_state=1)),
    ("MLPClassifier", "strings", dict(hidden_layer_sizes=(6, 4), activation="tanh", solver="sgd", alpha=0.01,
                                      batch_size=32, max_iter=12, random_state=2)),
    ("MLPClassifier", "binary", dict(hidden_layer_sizes=(6,), early_stopping=True, learning_rate_init=0.02,
                                     max_iter=60, random_state=3)),
    ("MLPClassifier", "multilabel", dict(hidden_layer_sizes=(5,), activation="logistic", max_iter=10,
                                         random_state=4)),
    ("MLPRegressor", "two_targets", dict(hidden_layer_sizes=(6,), solver="sgd", learning_rate="invscaling",
                                         learning_rate_init=0.05, max_iter=12, random_state=5)),
    ("MLPRegressor", "one_target", dict(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=15,
                                        random_state=6)),
]


@pytest.mark.reference
@pytest.mark.parametrize("estimator, target, params", PARITY_CASES)
def test_same_numbers_as_sklearn(estimator, target, params):
    """Same weights, batch order, losses and updates: scikit-learn's loss curve to rounding (float64)."""
    _sklearn()
    import sklearn.neural_network as reference

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = {"binary": (X[:, 0] * X[:, 1] > 0).astype(int),
         "strings": np.array(["a", "b", "c"])[rng.integers(0, 3, 120)],
         "multilabel": (rng.random((120, 3)) > 0.5).astype(int),
         "two_targets": np.c_[X[:, 0] ** 2, X[:, 1] - X[:, 2]],
         "one_target": np.sin(X[:, 0]) + X[:, 1]}[target]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = {"MLPClassifier": MLPClassifier, "MLPRegressor": MLPRegressor}[estimator](**params).fit(X, y)
        theirs = getattr(reference, estimator)(**params).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_
    if params.get("solver") == "lbfgs":
        assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-7)
    else:
        np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-10)
    for mine, reference_weights in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(mine, reference_weights, rtol=1e-6, atol=1e-9)
    if estimator == "MLPClassifier":
        np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
        np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-9)
    if params.get("early_stopping"):
        np.testing.assert_allclose(ours.validation_scores_, theirs.validation_scores_)


# -- metrics ------------------------------------------------------------------------------------------------
REPORT = """              precision    recall  f1-score   support

           a       1.00      1.00      1.00         1
           b       1.00      0.50      0.67         2
           c       0.67      1.00      0.80         2

    accuracy                           0.80         5
   macro avg       0.89      0.83      0.82         5
weighted avg       0.87      0.80      0.79         5
"""


def test_classification_report_and_confusion_matrix_layouts():
    y_true, y_pred = ["a", "b", "c", "c", "b"], ["a", "c", "c", "c", "b"]
    assert classification_report(y_true, y_pred) == REPORT
    report = classification_report(y_true, y_pred, output_dict=True)
    assert report["accuracy"] == 0.8 and report["b"] == {"precision": 1.0, "recall": 0.5,
                                                         "f1-score": pytest.approx(2 / 3), "support": 2.0}
    np.testing.assert_array_equal(confusion_matrix(y_true, y_pred), [[1, 0, 0], [0, 1, 1], [0, 0, 2]])
    np.testing.assert_array_equal(confusion_matrix(y_true, y_pred, labels=["c", "a"]), [[2, 0], [0, 1]])
    np.testing.assert_allclose(confusion_matrix(y_true, y_pred, normalize="true"),
                               [[1, 0, 0], [0, 0.5, 0.5], [0, 0, 1]])
    assert precision_score([0, 1, 1, 0], [0, 1, 0, 0]) == 1.0
    assert recall_score([0, 1, 1, 0], [0, 1, 0, 0]) == 0.5
    assert f1_score([0, 1, 1, 0], [0, 1, 0, 0]) == pytest.approx(2 / 3)
    assert mean_absolute_error([1, 2], [2, 4]) == 1.5 and mean_squared_error([1, 2], [2, 4]) == 2.5
    assert r2_score([1, 1, 1], [1, 1, 1]) == 1.0


@pytest.mark.reference
def test_metrics_match_sklearn():
    _sklearn()
    import sklearn.metrics as reference

    rng = np.random.default_rng(1)
    cases = [(rng.integers(0, 2, 60), rng.integers(0, 2, 60)),
             (rng.integers(0, 4, 80), rng.integers(0, 4, 80)),
             (np.array(["cat", "dog", "bird"])[rng.integers(0, 3, 50)],
              np.array(["cat", "dog"])[rng.integers(0, 2, 50)])]  # 'bird' never predicted: zero division
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for y_true, y_pred in cases:
            for kwargs in ({}, {"digits": 4}, {"output_dict": True}):
                assert classification_report(y_true, y_pred, **kwargs) == reference.classification_report(
                    y_true, y_pred, **kwargs)
            for normalize in (None, "true", "pred", "all"):
                np.testing.assert_allclose(confusion_matrix(y_true, y_pred, normalize=normalize),
                                           reference.confusion_matrix(y_true, y_pred, normalize=normalize))
            for average in ("micro", "macro", "weighted", None):
                for name in ("precision_score", "recall_score", "f1_score"):
                    np.testing.assert_allclose(globals()[name](y_true, y_pred, average=average),
                                               getattr(reference, name)(y_true, y_pred, average=average))
        y, p = rng.normal(size=(30, 2)), rng.normal(size=(30, 2))
        for name in ("mean_squared_error", "mean_absolute_error", "r2_score"):
            for multioutput in ("raw_values", "uniform_average"):
                np.testing.assert_allclose(globals()[name](y, p, multioutput=multioutput),
                                           getattr(reference, name)(y, p, multioutput=multioutput))


# -- train_test_split ---------------------------------------------------------------------------------------
def test_train_test_split_sizes_rounding_and_stratification():
    X = np.arange(20).reshape(10, 2)
    y = np.arange(10)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    assert (len(X_train), len(X_test)) == (7, 3)  # test = ceil(0.25 * 10)
    np.testing.assert_array_equal(X_train[:, 0] // 2, y_train)  # rows stay paired
    assert sorted(np.r_[y_train, y_test]) == list(range(10))
    assert [len(part) for part in train_test_split(X, train_size=0.33, random_state=0)] == [3, 7]  # floor
    assert [len(part) for part in train_test_split(X, test_size=4, train_size=5, random_state=0)] == [5, 4]
    train, test = train_test_split(list("abcdefghij"), shuffle=False, test_size=0.2)
    assert train == list("abcdefgh") and test == ["i", "j"]
    labels = np.array([0] * 80 + [1] * 20)
    _, _, y_a, y_b = train_test_split(np.zeros((100, 1)), labels, test_size=0.25, stratify=labels,
                                      random_state=3)
    assert (np.sum(y_a == 1), np.sum(y_b == 1)) == (15, 5)
    first = train_test_split(y, random_state=42)
    np.testing.assert_array_equal(first[0], train_test_split(y, random_state=42)[0])
    with pytest.raises(ValueError, match="test_size=10 should be"):
        train_test_split(X, test_size=10)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        train_test_split(X, y[:5])


@pytest.mark.reference
def test_train_test_split_same_rows_as_sklearn():
    _sklearn()
    from sklearn.model_selection import train_test_split as reference

    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(97, 3)), rng.integers(0, 3, 97)
    for kwargs in ({}, {"test_size": 0.3}, {"train_size": 20, "test_size": 30}, {"stratify": y},
                   {"stratify": np.array(["x", "y", "z"])[y], "test_size": 0.2}):
        for ours, theirs in zip(train_test_split(X, y, random_state=5, **kwargs),
                                reference(X, y, random_state=5, **kwargs)):
            np.testing.assert_array_equal(ours, theirs)


# -- preprocessing ------------------------------------------------------------------------------------------
def test_standard_scaler_behaviour():
    X = np.array([[1.0, 10.0, 5.0], [3.0, 20.0, 5.0], [5.0, 60.0, 5.0]])
    scaler = StandardScaler().fit(X)
    np.testing.assert_allclose(scaler.mean_, [3, 30, 5])
    np.testing.assert_allclose(scaler.var_, X.var(axis=0))
    np.testing.assert_allclose(scaler.scale_, [np.sqrt(8 / 3), np.sqrt(1400 / 3), 1.0])  # constant: scale 1
    assert scaler.n_samples_seen_ == 3
    Z = scaler.transform(X)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z[:, :2].std(axis=0), 1)
    np.testing.assert_allclose(scaler.inverse_transform(Z), X)
    assert StandardScaler(with_std=False).fit(X).scale_ is None
    np.testing.assert_allclose(StandardScaler(with_mean=False).fit_transform(X)[:, 0],
                               X[:, 0] / np.sqrt(8 / 3))


@pytest.mark.reference
def test_standard_scaler_matches_sklearn():
    _sklearn()
    from sklearn.preprocessing import StandardScaler as Reference

    rng = np.random.default_rng(3)
    X = rng.normal(5, 3, size=(50, 4))
    X[:, 2] = 7.0
    X[4, 1] = np.nan
    for kwargs in ({}, {"with_mean": False}, {"with_std": False}):
        for data in (X, X.astype(np.float32)):
            ours, theirs = StandardScaler(**kwargs).fit(data), Reference(**kwargs).fit(data)
            for name in ("mean_", "var_", "scale_", "n_samples_seen_"):
                if getattr(theirs, name) is None:
                    assert getattr(ours, name) is None
                else:
                    np.testing.assert_allclose(getattr(ours, name), getattr(theirs, name), rtol=1e-13)
            np.testing.assert_array_equal(ours.transform(data), theirs.transform(data))


def test_minmax_label_and_onehot_encoders():
    X = np.array([[0.0, -1.0], [5.0, 1.0], [10.0, 3.0]])
    scaler = MinMaxScaler().fit(X)
    np.testing.assert_allclose(scaler.transform(X), [[0, 0], [0.5, 0.5], [1, 1]])
    np.testing.assert_allclose(MinMaxScaler(feature_range=(-1, 1)).fit_transform(X)[:, 0], [-1, 0, 1])
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(X)), X)
    encoder = LabelEncoder().fit(["paris", "tokyo", "paris", "amsterdam"])
    assert list(encoder.classes_) == ["amsterdam", "paris", "tokyo"]
    np.testing.assert_array_equal(encoder.transform(["tokyo", "amsterdam"]), [2, 0])
    assert list(encoder.inverse_transform([1])) == ["paris"]
    with pytest.raises(ValueError, match="previously unseen labels"):
        encoder.transform(["rome"])
    rows = [["red", "S"], ["green", "M"], ["red", "L"]]
    onehot = OneHotEncoder(sparse_output=False).fit(rows)
    assert list(onehot.get_feature_names_out()) == ["x0_green", "x0_red", "x1_L", "x1_M", "x1_S"]
    np.testing.assert_array_equal(onehot.transform([["green", "L"]]), [[1, 0, 1, 0, 0]])
    assert onehot.inverse_transform([[0, 1, 0, 1, 0]]).tolist() == [["red", "M"]]
    dense = OneHotEncoder().fit_transform(rows).toarray()  # scikit-learn's sparse-matrix idiom still works
    assert type(dense) is np.ndarray and dense.shape == (3, 5)
    assert OneHotEncoder(drop="first", sparse_output=False).fit_transform(rows).shape == (3, 3)
    with pytest.raises(ValueError, match="unknown categories"):
        onehot.transform([["blue", "S"]])
    np.testing.assert_array_equal(OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(rows)
                                  .transform([["blue", "S"]]), [[0, 0, 0, 0, 1]])
