"""Drawn 2-D points as a data set: rows in, a binary or multi-class Dataset out, specs that reload through
engine.datasets.from_spec, clear errors, starting from a Playground data set's points, and training on them."""
import json

import numpy as np
import pytest

from engine import datasets
from engine.datasets import DataError
from engine.datasets.points import (MIN_POINTS, add_point, can_draw_over, points_dataset, points_from_dataset,
                                    points_spec)

SQUARE = [[-1.0, -1.0, 0], [1.0, 1.0, 0], [-1.0, 1.0, 1], [1.0, -1.0, 1], [-2.0, -2.0, 0], [2.0, -2.0, 1]]


def test_binary_points_and_the_spec_reloads_the_same_data():
    ds = points_dataset(SQUARE)
    assert ds.task == "binary" and ds.class_names == ["0", "1"] and ds.feature_names == ["x1", "x2"]
    assert ds.x.dtype == np.float32 and ds.x.shape == (6, 2) and ds.y.tolist() == [0, 0, 1, 1, 0, 1]
    again = datasets.from_spec(json.loads(json.dumps(ds.spec)))  # a project file keeps the spec as JSON
    np.testing.assert_array_equal(again.x, ds.x)
    np.testing.assert_array_equal(again.y, ds.y)
    parts = again.split(seed=0)  # the drawn set's own split: most points are for training
    assert parts.sizes == (5, 0, 1)


def test_three_classes_with_names_and_extra_inputs():
    rows = SQUARE + [[0.0, 3.0, 2], [0.5, 3.5, 2]]
    spec = points_spec(rows, class_names=["red", "blue", "green"], extra_features=["x1^2", "sin_x2"])
    ds = datasets.from_spec(spec)
    assert ds.task == "multiclass" and ds.n_classes == 3 and ds.class_names == ["red", "blue", "green"]
    assert ds.feature_names == ["x1", "x2", "x1^2", "sin_x2"]
    np.testing.assert_allclose(ds.x[:, 2], np.square(ds.x[:, 0]))
    np.testing.assert_allclose(ds.x[:, 3], np.sin(ds.x[:, 1]), rtol=1e-6)


@pytest.mark.parametrize("rows, message", [
    ([], f"draw at least {MIN_POINTS} points"),
    (SQUARE[:3], f"draw at least {MIN_POINTS} points"),
    ([[0, 0, 1]] * 5, "all 5 points are of class 1; draw points of at least 2 classes"),
    (SQUARE + [[0, 0]], "point 6 must be [x, y, label]"),
    (SQUARE + [[0, float("nan"), 1]], "point 6 has a coordinate or label that is not a finite number"),
    (SQUARE + [[0, 0, 1.5]], "point 6 has label 1.5; labels are class numbers"),
    (SQUARE + [[0, 0, -1]], "point 6 has label -1"),
])
def test_clear_errors(rows, message):
    with pytest.raises(DataError) as error:
        datasets.from_spec({"points": rows})
    assert message in str(error.value)


def test_class_names_must_cover_every_label_and_options_are_checked():
    with pytest.raises(DataError, match="points of class 2 but only 2 class names"):
        points_dataset(SQUARE + [[0, 0, 2]], class_names=["a", "b"])
    with pytest.raises(ValueError, match="no option.*'noise'.*class_names, extra_features, feature_names"):
        datasets.from_spec({"points": SQUARE, "options": {"noise": 0.1}})
    with pytest.raises(ValueError, match="unknown extra feature"):
        points_dataset(SQUARE, extra_features=["x3"])


def test_starting_from_a_playground_data_set_keeps_points_classes_and_extra_inputs():
    spiral = datasets.load("spiral", n_samples=60, extra_features=["sin_x1"])
    assert can_draw_over(spiral)
    spec = points_from_dataset(spiral)
    assert spec["options"] == {"class_names": ["-1", "+1"], "extra_features": ["sin_x1"]}
    drawn = datasets.from_spec(spec)
    np.testing.assert_allclose(drawn.x, spiral.x, rtol=1e-6)
    np.testing.assert_array_equal(drawn.y, spiral.y)
    assert not can_draw_over(datasets.load("wine")) and not can_draw_over(datasets.load("plane"))
    with pytest.raises(ValueError, match="only classification data sets of 2-D points"):
        points_from_dataset(datasets.load("wine"))


def test_add_point_appends_and_names_a_new_class():
    spec = points_spec(SQUARE, class_names=["-1", "+1"])
    more = add_point(spec, 0.25, -0.5, 2)
    assert more["points"][-1] == [0.25, -0.5, 2] and len(spec["points"]) == len(SQUARE)  # the old one is kept
    assert more["options"]["class_names"] == ["-1", "+1", "2"]
    assert datasets.from_spec(more).task == "multiclass"
    started = add_point({"points": [], "options": {}}, 1, 2, 0)
    assert started == {"points": [[1.0, 2.0, 0]], "options": {}}


def test_a_network_learns_drawn_points():
    from engine.graph.model import Graph
    from engine.session import TrainingSession

    rng = np.random.default_rng(0)
    inside = rng.uniform(-1, 1, (30, 2))
    outside = rng.uniform(2, 3, (30, 2)) * rng.choice([-1, 1], (30, 2))
    rows = [[*p, 0] for p in inside] + [[*p, 1] for p in outside]
    graph = Graph()
    graph.add_node("Input", {"shape": [2]}, name="input", node_id="i")
    graph.add_node("Dense", {"units": 8, "activation": "tanh"}, name="dense", node_id="d")
    graph.add_node("Dense", {"units": 1, "activation": "sigmoid"}, name="out", node_id="o")
    graph.connect("i", "d")
    graph.connect("d", "o")
    session = TrainingSession(graph, {"learning_rate": 0.05, "batch_size": 8, "optimizer": "adam"},
                              points_spec(rows))
    for _ in range(40):
        session.step("epoch")
    assert session.history[-1]["test_accuracy"] > 0.9
