"""Drawing your own 2-D data in the main window: with "Add points" ticked, clicks on the decision boundary plot
add points to the document's data set (one undo step each, starting from the shown data set's points),
"Clear points" starts an empty plane, the chooser shows the drawn set, and training learns the drawn points."""
import numpy as np
import pytest
from PySide6.QtCore import Qt

from designer import commands as cmd
from engine import datasets
from tests.designer.data_dialogs import close_main_window, make_main_window


@pytest.fixture
def window(qtbot, tmp_path):
    made = make_main_window(qtbot, tmp_path)
    made.new_from_template("playground", ask=False)  # circle: 500 points, a 2-4-2-1 network
    made.raise_plots(["boundary"])
    yield made
    close_main_window(made)


def _click(qtbot, plot, x, y, label):
    plot.class_combo.setCurrentIndex(plot.class_combo.findData(label))
    qtbot.wait(10)  # the view may have grown to show the last point: aim with the current one
    qtbot.mouseClick(plot.graphics.viewport(), Qt.MouseButton.LeftButton, pos=plot.view_to_widget(x, y))


def test_clicks_add_undoable_points_then_clear_and_train_on_a_drawing(qtbot, window):
    document, panel = window.document, window.training_panel
    plot = panel.live.plots["boundary"]
    qtbot.waitUntil(lambda: panel.drawing.plot is plot)
    qtbot.waitUntil(lambda: panel.chooser.dataset() is not None, timeout=10000)
    assert [plot.class_combo.itemText(i) for i in range(plot.class_combo.count())] == ["-1", "+1", "new class 2"]

    _click(qtbot, plot, 1.0, 2.0, 1)
    assert document.dataset == {"name": "circle", "options": {"n_samples": 500, "noise": 0.0, "seed": 0,
                                                             "extra_features": []}}  # not in add mode: no point
    qtbot.mouseClick(plot.add_check, Qt.MouseButton.LeftButton)
    _click(qtbot, plot, 1.0, 2.0, 1)
    spec = document.dataset
    assert "points" in spec and len(spec["points"]) == 501 and spec["options"]["class_names"] == ["-1", "+1"]
    x, y, label = spec["points"][-1]
    assert x == pytest.approx(1.0, abs=0.15) and y == pytest.approx(2.0, abs=0.15) and label == 1
    circle = datasets.load("circle")
    np.testing.assert_allclose(np.array(spec["points"][:500])[:, :2], circle.x, rtol=1e-6)  # started from it
    assert document.undo_stack.undoText() == "Add a point"
    qtbot.waitUntil(lambda: panel.chooser.tree.currentItem() is panel.chooser.points_item)  # shown, not chosen
    qtbot.waitUntil(lambda: "501 samples" in panel.chooser.summary_label.text(), timeout=10000)
    assert document.undo_stack.undoText() == "Add a point"
    document.undo_stack.undo()
    assert document.dataset["name"] == "circle"
    document.undo_stack.redo()
    assert len(document.dataset["points"]) == 501

    qtbot.mouseClick(panel.chooser.clear_points_button, Qt.MouseButton.LeftButton)
    assert document.dataset == {"points": [], "options": {"class_names": ["-1", "+1"], "extra_features": []}}
    assert "0 points drawn" in panel.chooser.status_label.text()
    rng = np.random.default_rng(3)
    for k in range(16):
        label = k % 2
        centre = -2.5 if label == 0 else 2.5
        px, py = rng.uniform(centre - 1, centre + 1, 2)
        _click(qtbot, plot, px, py, label)
        if k == 2:  # too few points: the panel says why it cannot train
            panel.play()
            qtbot.waitUntil(lambda: panel.state == "error", timeout=10000)
            assert "draw at least 4 points" in panel.status_label.text()
    points = np.array(document.dataset["points"])
    assert points.shape == (16, 3) and np.all((points[:, 0] > 0) == (points[:, 2] == 1))
    drawn = plot.train_scatter.getData()
    assert len(drawn[0]) == 16  # shown at once, before any training

    document.push(cmd.SetTraining(document, "epochs", 60))
    panel.play()
    # the counters come from the worker's snapshots (the "finished" signal may arrive before the last one)
    qtbot.waitUntil(lambda: int(panel.epoch_label.text().replace(" ", "")) >= 60, timeout=20000)
    history = panel.controller.snapshot()["history"]
    assert len(history) == 60 and history[-1]["accuracy"] >= 0.9 and history[-1]["test_accuracy"] >= 0.9
    qtbot.waitUntil(lambda: plot._grid is not None, timeout=10000)  # the boundary of the drawing is drawn


def test_a_third_class_makes_a_multiclass_drawing(qtbot, window):
    document, panel = window.document, window.training_panel
    plot = panel.live.plots["boundary"]
    qtbot.waitUntil(lambda: panel.drawing.plot is plot)
    qtbot.waitUntil(lambda: panel.chooser.dataset() is not None, timeout=10000)
    panel.chooser.clear_points()  # an empty plane with the circle's classes
    plot.set_add_mode(True)
    for x, y, label in ((-3, -3, 0), (3, 3, 1), (3, -3, 2), (-3, 3, 2)):
        _click(qtbot, plot, x, y, label)
    spec = document.dataset
    assert [row[2] for row in spec["points"]] == [0, 1, 2, 2]
    assert spec["options"]["class_names"] == ["-1", "+1", "2"]
    assert datasets.from_spec(spec).task == "multiclass"
    assert plot.class_combo.count() == 4  # the three classes and a new one
