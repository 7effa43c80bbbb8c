"""The neuron view during and after training: it draws the weights being trained (at most 10 times a second,
only when on screen), each neuron holds a picture of what it computes over the input plane (the inputs show
x1 and x2), the 'untrained' note goes away, and after Pause / undo / an edit it shows the document's
weights with pictures that match them."""
import time

import numpy as np
import pytest
from PySide6.QtWidgets import QMainWindow, QTabWidget, QWidget

from designer import commands as cmd
from designer.neuron_view import NeuronView
from designer.neuron_view.live_feed import FEED_INTERVAL, OWNER, NeuronViewFeed, chain_pictures, local_planes
from designer.selection import Selection
from designer.training.live import build_training_docks
from tests.designer.test_training_panel import make_network


class Window(QMainWindow):
    def __init__(self, document):
        super().__init__()
        self.document = document
        self.selection = Selection(self)
        self.tabs = QTabWidget()
        self.other = QWidget()
        self.view = NeuronView(document, self.selection)
        self.tabs.addTab(self.other, "layers")
        self.tabs.addTab(self.view, "neurons")
        self.setCentralWidget(self.tabs)


@pytest.fixture
def window(qtbot, document):
    made = Window(document)
    qtbot.addWidget(made)
    made.training_panel, made.plot_docks = build_training_docks(made)
    made.feed = NeuronViewFeed(made.view, made.training_panel, made)
    made.tabs.setCurrentWidget(made.view)
    made.resize(1000, 700)
    made.show()
    for dock in made.plot_docks.values():
        dock.hide()  # only the neuron view asks the worker for anything
    qtbot.waitUntil(lambda: not any(made.training_panel.live.shown(key) for key in made.plot_docks))
    yield made
    assert made.training_panel.shutdown()
    made.view.shutdown()


def pixels(image) -> np.ndarray:
    """A QImage's RGB values. Shapes: (height, width, 3) int."""
    return np.array([[image.pixelColor(x, y).getRgb()[:3] for x in range(image.width())]
                     for y in range(image.height())], dtype=int)


def pictures(view):
    return [[neuron.image for neuron in column.neurons] for column in view.parts.columns]


def all_pictured(view) -> bool:
    return all(image is not None for column in pictures(view) for image in column)


def test_training_feeds_weights_and_pictures_then_the_document_takes_over(qtbot, document, window):
    make_network(document)  # 2 inputs -> 8 tanh -> 1 sigmoid, on xor
    view, panel, live = window.view, window.training_panel, window.training_panel.live
    view.refresh()
    assert "Untrained" in view.note.text()
    qtbot.waitUntil(lambda: OWNER in live._extra)
    assert live._request == {"weights": True, "plane": {"resolution": 30, "neurons": True}}
    calls = []
    original = view.set_live_weights
    view.set_live_weights = lambda weights: (calls.append(time.perf_counter()), original(weights))
    panel.play()
    qtbot.waitUntil(lambda: view.live_weights is not None and all_pictured(view), timeout=30000)
    assert "Live weights from training" in view.note.text() and "Untrained" not in view.note.text()
    assert document.weights == {}  # the document is not touched while training
    first = view.parts.bundles[1].values.copy()
    qtbot.waitUntil(lambda: not np.array_equal(view.parts.bundles[1].values, first), timeout=10000)
    start, started = len(calls), time.perf_counter()
    qtbot.wait(1000)  # may take longer on a busy machine: the bound counts the time that really went by
    seconds = time.perf_counter() - started
    rate = len(calls) - start
    assert 1 <= rate <= seconds / FEED_INTERVAL + 1, f"{rate} redraws in {seconds:.2f} s"
    # The input neurons show x1 (growing to the right) and x2 (growing upwards).
    x1, x2 = pictures(view)[0]
    assert x1.pixelColor(0, 10) != x1.pixelColor(x1.width() - 1, 10)
    assert x2.pixelColor(10, 0) != x2.pixelColor(10, x2.height() - 1)
    panel.pause()
    qtbot.waitUntil(lambda: panel.state == "paused" and bool(document.weights), timeout=10000)
    qtbot.waitUntil(lambda: view.live_weights is None, timeout=5000)
    view.refresh()
    assert "Untrained" not in view.note.text() and "Live" not in view.note.text()
    for key, array in document.weights.items():
        if key in view.shown_weights:
            np.testing.assert_array_equal(view.drawn_values()[key], array)
    assert all_pictured(view)


def test_pictures_follow_the_document_after_undo_and_edits(qtbot, document, window):
    make_network(document)
    view, panel = window.view, window.training_panel
    panel.step("epoch")

    def settled():  # the step is over and a refresh draws every picture (live ones may still be arriving)
        if panel.state != "paused" or not document.weights:
            return False
        view.refresh()
        return all_pictured(view)

    qtbot.waitUntil(settled, timeout=30000)
    trained = [image.copy() for image in pictures(view)[1]]
    document.undo_stack.undo()  # back to the starting weights: their pictures are worked out here
    view.refresh()
    assert document.weights == {} and "Untrained" in view.note.text()
    assert all_pictured(view) and any(a != b for a, b in zip(trained, pictures(view)[1]))
    document.undo_stack.redo()  # the trained weights again: the same pictures (worked out here this time)
    view.refresh()
    for before, after in zip(trained, pictures(view)[1]):
        assert np.abs(pixels(before) - pixels(after)).max() <= 2
    hidden = next(node.id for node in document.graph if node.name == "dense")
    document.push(cmd.SetParam(document, hidden, "units", 3))
    view.refresh()
    assert [len(column) for column in pictures(view)] == [2, 3, 1] and all_pictured(view)


def test_pictures_agree_with_the_workers_plane(qtbot, document, window):
    make_network(document)
    view, panel = window.view, window.training_panel
    panel.step("epoch")
    qtbot.waitUntil(lambda: bool(panel.controller.snapshot()["probe"].get("plane")), timeout=30000)
    plane = panel.controller.snapshot()["probe"]["plane"]
    mine = local_planes(document.graph, document.weights, plane["x_values"], plane["y_values"])
    for name, values in plane["neurons"].items():
        np.testing.assert_allclose(mine[name], values, rtol=1e-4, atol=1e-5)
    shown = [column.shown for column in view.parts.columns]
    drawn = chain_pictures(view.chain, document.graph, plane["neurons"], plane["x_values"], plane["y_values"],
                           shown)
    np.testing.assert_allclose(drawn["dense_1"][0], 2 * plane["neurons"]["dense_1"][0] - 1)  # sigmoid: ±1


def test_only_a_visible_view_asks_the_worker(qtbot, document, window):
    make_network(document)
    live = window.training_panel.live
    qtbot.waitUntil(lambda: OWNER in live._extra)
    window.tabs.setCurrentWidget(window.other)
    qtbot.waitUntil(lambda: OWNER not in live._extra)
    assert live._request == {}
    window.tabs.setCurrentWidget(window.view)
    qtbot.waitUntil(lambda: OWNER in live._extra)
    # A network whose input is not two features: the weights, but no plane.
    hidden = next(node.id for node in document.graph if node.layer_type == "Input")
    document.push(cmd.SetParam(document, hidden, "shape", [3]))
    window.view.refresh()
    qtbot.waitUntil(lambda: live._extra.get(OWNER) == {"weights": True})
