"""The training docks: plots are fed from the worker's snapshots while training, and the worker is asked only
for what the visible plots show."""
import pytest
from PySide6.QtWidgets import QMainWindow

from designer.selection import Selection
from designer.training.live import build_training_docks
from tests.designer.test_training_panel import make_network


class Window(QMainWindow):
    def __init__(self, document):
        super().__init__()
        self.document = document
        self.selection = Selection(self)


@pytest.fixture
def window(qtbot, document):
    made = Window(document)
    qtbot.addWidget(made)
    made.training_panel, made.plot_docks = build_training_docks(made)
    made.show()
    yield made
    assert made.training_panel.shutdown()
    assert not made.training_panel.controller.alive


def test_plots_follow_training(qtbot, document, window):
    ids = make_network(document)
    panel, live = window.training_panel, window.training_panel.live
    window.selection.set([ids[1]])
    docks = window.plot_docks
    docks["boundary"].raise_()  # tabbed docks: only the tab in front is computed
    qtbot.waitUntil(lambda: live.shown("boundary") and not live.shown("weights"))
    assert set(live.probe_request()) == {"plane"}
    panel.play()
    qtbot.waitUntil(lambda: live.plots["loss"]._epochs >= 5, timeout=30000)  # the loss curve is always fed
    qtbot.waitUntil(lambda: live.plots["boundary"]._grid is not None, timeout=10000)
    checks = {"weights": lambda plot: bool(plot._weights),
              "activation": lambda plot: plot._values is not None and plot._values.size > 0,
              "confusion": lambda plot: plot.matrix.sum() == 100}  # the 100 test samples
    for key, check in checks.items():
        docks[key].raise_()
        qtbot.waitUntil(lambda key=key, check=check: check(live.plots[key]), timeout=10000)
    assert live.probe_request() == {"predictions": {"part": "test"}}
    docks["activation"].raise_()
    assert live.probe_request() == {"pre_activations": "dense"}
    panel.pause()
    qtbot.waitUntil(lambda: panel.state == "paused", timeout=5000)
    live.ask("neuron_view", {"plane": {"resolution": 20, "neurons": True}})
    assert live._request["plane"] == {"resolution": 20, "neurons": True}
    live.ask("neuron_view", None)
    assert "plane" not in live._request


def test_closing_the_main_window_while_training_stops_the_worker_first(qtbot, tmp_path):
    main_window = pytest.importorskip("designer.main_window")
    window = main_window.MainWindow(recovery_dir=tmp_path)
    qtbot.addWidget(window)
    window.start()  # the Playground template
    asked = []

    def maybe_save():
        asked.append((window.training_panel.controller.snapshot()["state"], bool(window.document.weights)))
        return True

    window.files.maybe_save = maybe_save
    window.training_panel.play()
    qtbot.waitUntil(lambda: window.training_panel.state == "running", timeout=20000)
    window.close()
    assert asked == [("paused", True)]  # training had stopped and its weights were in the document
    assert not window.training_panel.controller.alive
