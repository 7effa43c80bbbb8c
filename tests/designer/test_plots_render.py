"""The plots fed the way the training view feeds them: a real training session on the Playground spiral, its
history, markers and probes (plane, weights, pre-activations, predictions) drawn and saved as PNGs.

Set NEUROTALLER_PLOT_PNGS=/some/folder to keep the pictures for a person to look at."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage

from designer.plots import (ActivationPlot, BoundaryPlot, ConfusionPlot, LossPlot, WeightsPlot, array_to_qimage)
from engine.graph import Graph
from engine.session import TrainingSession
from tests.designer.test_plots_base import distinct_colours, shown


@pytest.fixture(scope="module")
def spiral_session():
    graph = Graph()
    previous = graph.add_node("Input", {"shape": [2]}, name="x")
    for index, (units, activation) in enumerate([(8, "tanh"), (8, "tanh"), (1, "sigmoid")]):
        node = graph.add_node("Dense", {"units": units, "activation": activation}, name=f"dense_{index}")
        graph.connect(previous.id, node.id)
        previous = node
    session = TrainingSession(graph, {"learning_rate": 0.03, "batch_size": 16, "seed": 1, "split": (0.7, 0.15, 0.15)},
                              {"name": "spiral", "options": {"n_samples": 300, "noise": 0.1}})
    for _ in range(20):
        session.step("epoch")
    session.set_learning_rate(0.01)
    for _ in range(10):
        session.step("epoch")
    return session


@pytest.fixture
def folder(tmp_path) -> Path:
    kept = os.environ.get("NEUROTALLER_PLOT_PNGS")
    path = Path(kept) if kept else tmp_path
    path.mkdir(parents=True, exist_ok=True)
    return path


def _saved(widget, path: Path) -> QImage:
    widget.export(path)
    image = QImage(str(path))
    assert not image.isNull() and distinct_colours(image) > 20, path.name
    return image


def test_spiral_session_feeds_every_plot(qtbot, spiral_session, folder):
    session = spiral_session
    probe = session.probe({"plane": {"resolution": 60, "points": True}, "weights": True,
                           "pre_activations": "dense_1"})
    loss = shown(qtbot, LossPlot(), 900, 560)
    loss.set_history(session.history)
    for marker in session.markers:
        loss.add_marker(marker["epoch"], marker["text"])
    assert loss.metric_names() == ["accuracy"] and loss.marker_count() == 1
    assert len(loss.loss_curves["val_"].xData) == 30
    _saved(loss, folder / "render_loss.png")

    plane = probe["plane"]
    boundary = shown(qtbot, BoundaryPlot(), 700, 620)
    boundary.set_grid(plane["x_range"], plane["y_range"], plane["output"], "binary")
    (x_train, y_train), (x_test, y_test) = plane["points"]["train"], plane["points"]["test"]
    boundary.set_points(x_train, y_train, x_test, y_test)
    assert len(boundary.train_scatter.data) == len(x_train) and len(boundary.test_scatter.data) == len(x_test)
    _saved(boundary, folder / "render_boundary.png")
    for name, pictures in plane["neurons"].items():
        for values in pictures:
            image = array_to_qimage(values)
            assert (image.width(), image.height()) == (60, 60)
        image.scaled(120, 120).save(str(folder / f"render_neuron_{name}.png"))

    weights = shown(qtbot, WeightsPlot(), 900, 620)
    weights.set_weights(probe["weights"], probe["gradients"])
    assert weights.current_key() == "dense_0/kernel"
    weights.set_current_key("dense_1/kernel")
    _saved(weights, folder / "render_weights.png")

    activation = shown(qtbot, ActivationPlot(name="tanh"), 800, 560)
    activation.set_preactivations(probe["pre_activations"]["dense_1"])
    assert activation.histogram.yData.sum() == probe["pre_activations"]["dense_1"].size
    _saved(activation, folder / "render_activation.png")

    predictions = session.predictions("test")
    confusion = shown(qtbot, ConfusionPlot(), 900, 420)
    confusion.set_predictions(predictions["y_true"], predictions["y_pred"], predictions["class_names"])
    assert confusion.matrix.sum() == len(predictions["y_true"])
    np.testing.assert_allclose(confusion.report["accuracy"], session.history[-1]["test_accuracy"], atol=1e-6)
    _saved(confusion, folder / "render_confusion.png")
