"""ConfusionPlot (counts, per-class precision / recall / F1 agreeing with engine.metrics) and RegressionPlot
(ρ and R² from engine.metrics, the y = x line)."""
from __future__ import annotations

import numpy as np
import pytest

from designer.plots import ConfusionPlot, RegressionPlot
from designer.plots.evaluation import as_labels, class_report
from engine import metrics
from tests.designer.test_plots_base import assert_items_reused, items, shown


def test_labels_from_every_usual_form():
    np.testing.assert_array_equal(as_labels([0, 2, 1]), [0, 2, 1])
    np.testing.assert_array_equal(as_labels([[0.1, 0.7, 0.2], [0.8, 0.1, 0.1]]), [1, 0])
    np.testing.assert_array_equal(as_labels([[0.2], [0.9]]), [0, 1])  # sigmoid probabilities
    np.testing.assert_array_equal(as_labels([1.0, np.nan, 0.0]), [1, -1, 0])


def test_report_agrees_with_engine_metrics():
    rng = np.random.default_rng(0)
    true, pred = rng.integers(0, 4, 300), rng.integers(0, 4, 300)
    report = class_report(metrics.confusion_matrix(true, pred, 4))
    np.testing.assert_allclose(report["precision"], metrics.precision(true, pred, average=None))
    np.testing.assert_allclose(report["recall"], metrics.recall(true, pred, average=None))
    np.testing.assert_allclose(report["f1"], metrics.f1_score(true, pred, average=None))
    assert report["macro_f1"] == pytest.approx(metrics.f1_score(true, pred, average="macro"))
    assert report["accuracy"] == pytest.approx(metrics.accuracy_score(true, pred))


@pytest.fixture
def confusion(qtbot):
    return shown(qtbot, ConfusionPlot(), 900, 500)


def test_matrix_counts_are_written_in_the_cells_with_class_names(confusion):
    true = np.array([0, 0, 1, 1, 1, 2])
    pred = np.array([0, 1, 1, 1, 2, 2])
    confusion.set_predictions(true, np.eye(3)[pred], ["cat", "dog", "a very long class name"])
    np.testing.assert_array_equal(confusion.matrix, [[1, 1, 0], [0, 2, 1], [0, 0, 1]])
    texts = [text.toPlainText() for text in confusion._texts if text.isVisible()]
    assert texts == ["1", "1", "0", "0", "2", "1", "0", "0", "1"]
    ticks = confusion.plot.getAxis("bottom")._tickLevels[0]
    assert [name for _, name in ticks] == ["cat", "dog", "a very long c…"]
    table = confusion.table
    assert [table.verticalHeaderItem(r).text() for r in range(table.rowCount())] == [
        "cat", "dog", "a very long class name", "macro average", "accuracy"]
    assert table.item(1, 0).text() == "0.667" and table.item(1, 1).text() == "0.667"  # dog precision, recall
    assert table.item(4, 2).text() == "0.667" and table.item(4, 3).text() == "6"
    assert confusion.plot.titleLabel.text == "accuracy 66.7 %"


def test_classes_never_seen_and_non_finite_predictions(confusion):
    confusion.set_predictions([0, 1, 1], [[0.9, 0.1], [np.nan, 0.5], [0.2, 0.8]], ["a", "b", "c", "d"])
    assert confusion.matrix.shape == (4, 4) and confusion.matrix.sum() == 2
    assert confusion.report["recall"][3] == 0.0
    confusion.set_predictions([], [])
    assert confusion.matrix.shape == (0, 0) and confusion.plot.titleLabel.text == "no predictions yet"
    with pytest.raises(ValueError, match="same samples"):
        confusion.set_predictions([0, 1], [0])


def test_many_classes_hide_the_counts_and_updates_reuse_items(confusion):
    rng = np.random.default_rng(1)
    confusion.set_predictions(rng.integers(0, 10, 200), rng.integers(0, 10, 200))
    before = items(confusion)
    for _ in range(100):
        confusion.set_predictions(rng.integers(0, 10, 200), rng.integers(0, 10, 200))
    assert_items_reused(confusion, before)
    confusion.set_predictions(rng.integers(0, 30, 500), rng.integers(0, 30, 500))
    assert not any(text.isVisible() for text in confusion._texts) and len(confusion._texts) == 100


@pytest.fixture
def regression(qtbot):
    return shown(qtbot, RegressionPlot())


def test_regression_shows_rho_r2_and_the_identity_line(regression):
    rng = np.random.default_rng(2)
    true = rng.normal(size=200)
    pred = true + rng.normal(size=200) * 0.3
    regression.set_predictions(true, pred)
    assert regression.pearson == pytest.approx(metrics.pearson_r(true, pred))
    assert regression.r2 == pytest.approx(metrics.r2_score(true, pred))
    assert f"ρ = {regression.pearson:.3f}" in regression.plot.titleLabel.text
    assert f"R² = {regression.r2:.3f}" in regression.plot.titleLabel.text
    x, y = regression.identity.xData, regression.identity.yData
    np.testing.assert_array_equal(x, y)
    assert x[0] == pytest.approx(min(true.min(), pred.min())) and x[1] == pytest.approx(max(true.max(), pred.max()))


def test_regression_with_non_finite_empty_and_updates(regression):
    regression.set_predictions([1.0, np.nan, 3.0, 4.0], [1.5, 2.0, np.inf, 3.0])
    assert len(regression.scatter.data) == 2
    regression.set_predictions([], [])
    assert "—" in regression.plot.titleLabel.text and len(regression.scatter.data) == 0
    rng = np.random.default_rng(3)
    regression.set_predictions(rng.normal(size=(50, 2)), rng.normal(size=(50, 2)))
    before = items(regression)
    for _ in range(100):
        regression.set_predictions(rng.normal(size=(50, 2)), rng.normal(size=(50, 2)))
    assert_items_reused(regression, before)
    assert len(regression.scatter.data) == 100
