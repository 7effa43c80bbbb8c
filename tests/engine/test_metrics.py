"""Metrics: hand-computed cases (scikit-learn definitions), Keras 3 stateful metrics as reference."""
import re

import numpy as np
import pytest

from engine import metrics

# scikit-learn's documentation example for multi-class precision/recall/F1
SK_TRUE = np.array([0, 1, 2, 0, 1, 2])
SK_PRED = np.array([0, 2, 1, 0, 0, 1])


def test_confusion_matrix_rows_are_true_classes():
    m = metrics.confusion_matrix([0, 1, 2, 2, 1], [0, 2, 2, 1, 1])
    np.testing.assert_array_equal(m, [[1, 0, 0], [0, 1, 1], [0, 1, 1]])
    assert metrics.confusion_matrix([1, 1], [1, 0], n_classes=4).shape == (4, 4)
    assert metrics.confusion_matrix([1.0, 0.0], [0.0, 0.0])[1, 0] == 1
    with pytest.raises(ValueError, match="non-negative integer class labels"):
        metrics.confusion_matrix([0.5], [0])
    with pytest.raises(ValueError, match="smaller than n_classes=2"):
        metrics.confusion_matrix([2], [0], n_classes=2)


def test_binary_precision_recall_f1():
    y_true, y_pred = [1, 0, 1, 1, 0, 1, 0], [1, 0, 0, 1, 1, 1, 0]  # tp=3, fp=1, fn=1
    assert metrics.precision(y_true, y_pred) == 0.75
    assert metrics.recall(y_true, y_pred) == 0.75
    assert metrics.f1_score(y_true, y_pred) == 0.75
    assert metrics.precision(y_true, y_pred, pos_label=0) == pytest.approx(2 / 3)
    assert metrics.precision([1, 0], [0, 0]) == 0.0  # nothing predicted positive: zero_division
    assert metrics.precision([1, 0], [0, 0], zero_division=1.0) == 1.0
    with pytest.raises(ValueError, match="average='binary' needs two classes but found 3"):
        metrics.f1_score(SK_TRUE, SK_PRED)
    with pytest.raises(ValueError, match="average='samples' is not supported"):
        metrics.f1_score(SK_TRUE, SK_PRED, average="samples")


def test_multiclass_averages_match_scikit_learn_docs():
    p = {avg: metrics.precision(SK_TRUE, SK_PRED, average=avg) for avg in ("macro", "micro", "weighted")}
    r = {avg: metrics.recall(SK_TRUE, SK_PRED, average=avg) for avg in ("macro", "micro", "weighted")}
    f = {avg: metrics.f1_score(SK_TRUE, SK_PRED, average=avg) for avg in ("macro", "micro", "weighted")}
    assert p == pytest.approx({"macro": 2 / 9, "micro": 1 / 3, "weighted": 2 / 9})
    assert r == pytest.approx({"macro": 1 / 3, "micro": 1 / 3, "weighted": 1 / 3})
    assert f == pytest.approx({"macro": 0.8 / 3, "micro": 1 / 3, "weighted": 0.8 / 3})
    np.testing.assert_allclose(metrics.precision(SK_TRUE, SK_PRED, average=None), [2 / 3, 0, 0])
    np.testing.assert_allclose(metrics.f1_score(SK_TRUE, SK_PRED, average=None), [0.8, 0, 0])
    # weighted by support: class 0 twice as frequent
    y_true, y_pred = [0, 0, 0, 0, 1, 1], [0, 0, 0, 1, 1, 1]
    per_class = metrics.f1_score(y_true, y_pred, average=None)
    assert metrics.f1_score(y_true, y_pred, average="weighted") == pytest.approx(
        (4 * per_class[0] + 2 * per_class[1]) / 6)


def test_accuracy_functions():
    assert metrics.accuracy_score([0, 1, 2, 2], [0, 1, 1, 2]) == 0.75
    assert metrics.binary_accuracy([[1], [1], [1], [0]], [[0.7], [0.5], [0.2], [0.1]]) == 0.5  # 0.5 is not > 0.5
    assert metrics.binary_accuracy([1, 0], [[0.9], [0.8]], threshold=0.85) == 1.0
    scores = np.array([[0.1, 0.8, 0.1], [0.5, 0.3, 0.2], [0.2, 0.2, 0.6]])
    assert metrics.categorical_accuracy(np.eye(3)[[1, 1, 2]], scores) == pytest.approx(2 / 3)
    assert metrics.sparse_categorical_accuracy([1, 1, 2], scores) == pytest.approx(2 / 3)
    assert metrics.sparse_categorical_accuracy([[1], [0], [2]], scores) == 1.0


def test_regression_functions():
    y_true, y_pred = np.array([3.0, -0.5, 2.0, 7.0]), np.array([2.5, 0.0, 2.0, 8.0])
    assert metrics.mse(y_true, y_pred) == pytest.approx(0.375)
    assert metrics.rmse(y_true, y_pred) == pytest.approx(np.sqrt(0.375))
    assert metrics.mae(y_true, y_pred) == pytest.approx(0.5)
    assert metrics.r2_score(y_true, y_pred) == pytest.approx(1 - 1.5 / np.sum((y_true - 2.875) ** 2))
    multi_true = np.array([[0.5, 1.0], [-1.0, 1.0], [7.0, -6.0]])
    multi_pred = np.array([[0.0, 2.0], [-1.0, 2.0], [8.0, -5.0]])
    per_output = [1 - np.sum((multi_true[:, k] - multi_pred[:, k]) ** 2)
                  / np.sum((multi_true[:, k] - multi_true[:, k].mean()) ** 2) for k in range(2)]
    assert metrics.r2_score(multi_true, multi_pred) == pytest.approx(np.mean(per_output))
    assert metrics.r2_score([1.0, 1.0], [1.0, 1.0]) == 1.0  # constant target, perfect fit
    assert metrics.r2_score([1.0, 1.0], [1.0, 2.0]) == 0.0
    x = np.array([1.0, 2.0, 4.0, 3.0, 7.0])
    y = np.array([2.0, 1.0, 5.0, 5.0, 9.0])
    assert metrics.pearson_r(x, y) == pytest.approx(np.corrcoef(x, y)[0, 1])
    assert np.isnan(metrics.pearson_r([1.0, 1.0], [1.0, 2.0]))


def test_mean_metrics_weight_batches_by_sample_count():
    m = metrics.MeanAbsoluteError()
    m.update_state([[0.0], [0.0], [0.0]], [[1.0], [1.0], [1.0]])
    m.update_state([[0.0]], [[5.0]])
    assert m.result() == pytest.approx(8 / 4)  # not the mean of batch means (3)
    m.reset_state()
    assert m.result() == 0.0
    rmse = metrics.RootMeanSquaredError()
    rmse.update_state([0.0, 0.0], [3.0, 4.0])
    assert rmse.result() == pytest.approx(np.sqrt(12.5))


def test_get_names_and_accuracy_rule():
    acc = metrics.get("acc", y_true_shape=(8, 1), y_pred_shape=(8, 1))
    assert isinstance(acc, metrics.BinaryAccuracy) and acc.name == "acc"
    assert isinstance(metrics.get("accuracy", y_true_shape=(8,), y_pred_shape=(8, 3)),
                      metrics.SparseCategoricalAccuracy)
    assert isinstance(metrics.get("accuracy", y_true_shape=(8, 1), y_pred_shape=(8, 3)),
                      metrics.SparseCategoricalAccuracy)
    assert isinstance(metrics.get("Accuracy", y_true_shape=(8, 3), y_pred_shape=(8, 3)),
                      metrics.CategoricalAccuracy)
    auto = metrics.get("accuracy", loss_name="binary_crossentropy")
    assert isinstance(auto, metrics.AutoAccuracy) and auto.result() == 0.0
    auto.update_state([0, 2], [[0.1, 0.9, 0.0], [0.0, 0.0, 1.0]])
    assert isinstance(auto.metric, metrics.SparseCategoricalAccuracy) and auto.result() == 0.5
    for name, cls in [("mse", metrics.MeanSquaredError), ("RMSE", metrics.RootMeanSquaredError),
                      ("f1", metrics.F1Score), ("r2_score", metrics.R2Score), ("Precision", metrics.Precision),
                      ("recall", metrics.Recall), ("mean_absolute_error", metrics.MeanAbsoluteError),
                      ("BinaryAccuracy", metrics.BinaryAccuracy)]:
        metric = metrics.get(name)
        assert isinstance(metric, cls) and metric.name == name
    bce = metrics.get("binary_crossentropy")
    bce.update_state([[1.0]], [[0.5]])
    assert bce.result() == pytest.approx(np.log(2.0), rel=1e-6)
    precision = metrics.Precision(name="p")
    assert metrics.get(precision) is precision
    assert metrics.get(metrics.Recall).name == "recall"
    with pytest.raises(ValueError, match="unknown metric 'auc'; choose one of: accuracy, acc"):
        metrics.get("auc")


# ---------------------------------------------------------------------------------------------------------
# Keras references: the same batches through keras.metrics and ours


def _batches(kind, rng):
    sizes = (5, 3, 4)
    if kind == "binary":
        return [(rng.integers(0, 2, size=(n, 1)).astype(np.float32), rng.uniform(size=(n, 1)).astype(np.float32))
                for n in sizes]
    if kind == "multilabel":
        return [(rng.integers(0, 2, size=(n, 3)).astype(np.float32), rng.uniform(size=(n, 3)).astype(np.float32))
                for n in sizes]
    if kind == "onehot":
        return [(np.eye(3, dtype=np.float32)[rng.integers(0, 3, size=n)],
                 rng.dirichlet(np.ones(3), size=n).astype(np.float32)) for n in sizes]
    if kind == "sparse":
        return [(rng.integers(0, 3, size=(n, 1)).astype(np.float32),
                 rng.dirichlet(np.ones(3), size=n).astype(np.float32)) for n in sizes]
    return [(rng.normal(size=(n, 2)).astype(np.float32), rng.normal(size=(n, 2)).astype(np.float32))
            for n in sizes]


KERAS_CASES = [  # (keras class, kwargs, ours factory, data kind)
    ("BinaryAccuracy", {}, metrics.BinaryAccuracy, "binary"),
    ("BinaryAccuracy", {"threshold": 0.3}, lambda: metrics.BinaryAccuracy(threshold=0.3), "multilabel"),
    ("CategoricalAccuracy", {}, metrics.CategoricalAccuracy, "onehot"),
    ("SparseCategoricalAccuracy", {}, metrics.SparseCategoricalAccuracy, "sparse"),
    ("Precision", {}, metrics.Precision, "binary"),
    ("Precision", {}, metrics.Precision, "onehot"),
    ("Recall", {}, metrics.Recall, "multilabel"),
    ("Recall", {"thresholds": 0.3}, lambda: metrics.Recall(thresholds=0.3), "onehot"),
    ("F1Score", {}, metrics.F1Score, "onehot"),
    ("F1Score", {"average": "macro", "threshold": 0.5},
     lambda: metrics.F1Score(average="macro", threshold=0.5), "multilabel"),
    ("F1Score", {"average": "micro"}, lambda: metrics.F1Score(average="micro"), "onehot"),
    ("F1Score", {"average": "weighted"}, lambda: metrics.F1Score(average="weighted"), "onehot"),
    ("MeanSquaredError", {}, metrics.MeanSquaredError, "regression"),
    ("MeanAbsoluteError", {}, metrics.MeanAbsoluteError, "regression"),
    ("RootMeanSquaredError", {}, metrics.RootMeanSquaredError, "regression"),
    ("R2Score", {}, metrics.R2Score, "regression"),
]


@pytest.mark.reference
@pytest.mark.parametrize("case", KERAS_CASES, ids=lambda c: f"{c[0]}{c[1]}-{c[3]}")
def test_stateful_metrics_match_keras(case):
    keras = pytest.importorskip("keras")
    keras_name, kwargs, factory, kind = case
    theirs, ours = getattr(keras.metrics, keras_name)(**kwargs), factory()
    for y_true, y_pred in _batches(kind, np.random.default_rng(len(keras_name) + len(kind))):
        theirs.update_state(y_true, y_pred)
        ours.update_state(y_true, y_pred)
    expected = theirs.result().detach().cpu().numpy()
    np.testing.assert_allclose(ours.result(), expected, rtol=1e-4, atol=1e-6)
    assert ours.name == re.sub(r"_\d+$", "", theirs.name)  # Keras numbers repeated default names


@pytest.mark.reference
@pytest.mark.parametrize("identifier", ["accuracy", "acc", "Accuracy"])
@pytest.mark.parametrize("true_shape, pred_shape", [((6, 1), (6, 1)), ((6,), (6, 1)), ((6,), (6, 3)),
                                                     ((6, 1), (6, 3)), ((6, 3), (6, 3))])
def test_accuracy_resolution_matches_keras_compile(identifier, true_shape, pred_shape):
    pytest.importorskip("keras")
    from keras.src.trainers.compile_utils import get_metric

    theirs = get_metric(identifier, np.zeros(true_shape, np.float32), np.zeros(pred_shape, np.float32))
    ours = metrics.get(identifier, y_true_shape=true_shape, y_pred_shape=pred_shape)
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.name == theirs.name


@pytest.mark.parametrize("identifier", ["acc", "binary_crossentropy", "f1", "rmse", "precision",
                                        metrics.BinaryAccuracy(threshold=0.3, name="ba"),
                                        metrics.F1Score(average="macro", threshold=0.4)])
def test_config_round_trip_gives_a_fresh_equal_metric(identifier):
    metric = metrics.get(identifier)
    saved = {"class_name": type(metric).__name__, "config": metric.get_config()}
    clone = metrics.get(saved)
    assert type(clone) is type(metric) and clone is not metric
    assert clone.get_config() == metric.get_config()
    y_true, y_pred = np.array([[1.0], [0.0], [1.0]]), np.array([[0.9], [0.4], [0.35]])
    for m in (metric, clone):
        m.update_state(y_true, y_pred)
    np.testing.assert_allclose(clone.result(), metric.result())
