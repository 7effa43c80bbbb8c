"""The training docks: plots are fed from the worker's snapshots while training, and the worker is asked only
for what the visible plots show."""
import time

import numpy as np
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
    # Two tab groups: loss / confusion / predicted vs true, and the others; only the fronts are computed.
    docks["hidden_states"].raise_()  # nothing to compute for it in a dense network
    qtbot.waitUntil(lambda: live.probe_request() == {"predictions": {"part": "test"}})
    docks["activation"].raise_()
    docks["loss"].raise_()
    qtbot.waitUntil(lambda: live.probe_request() == {"pre_activations": "dense"})
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


def test_a_floating_dock_is_fed_and_a_hidden_one_is_not(qtbot, document, window):
    make_network(document)
    live, dock = window.training_panel.live, window.plot_docks["activation"]
    window.plot_docks["boundary"].raise_()
    qtbot.waitUntil(lambda: not live.shown("activation"))
    dock.setFloating(True)  # out of its tab group: on screen, though Qt does not always say so
    qtbot.waitUntil(lambda: live.shown("activation"))
    dock.hide()
    qtbot.waitUntil(lambda: not live.shown("activation"))
    dock.show()
    qtbot.waitUntil(lambda: live.shown("activation"))


def test_plots_are_fed_one_per_turn_and_slow_ones_less_often(qtbot, document, window, monkeypatch):
    monkeypatch.setattr("designer.training.live.GUI_SHARE", 1.0)  # this test is about one slow plot
    make_network(document)
    panel, live = window.training_panel, window.training_panel.live
    fed = []
    original = live._feed

    def feed(key, snapshot):
        fed.append((key, time.perf_counter()))
        if key == "boundary":
            time.sleep(0.03)  # a slow plot: 30 ms a time, so at most every 0.3 s while training
        original(key, snapshot)

    live._feed = feed
    window.plot_docks["boundary"].raise_()
    panel.play()
    qtbot.waitUntil(lambda: panel.state == "running", timeout=20000)
    qtbot.wait(300)
    fed.clear()
    started = time.perf_counter()
    qtbot.wait(1500)  # may take longer on a busy machine: the bound counts the time that really went by
    seconds = time.perf_counter() - started
    slow = [at for key, at in fed if key == "boundary"]
    assert 2 <= len(slow) <= seconds / 0.3 + 1 and min(np.diff(slow)) >= 0.28
    panel.pause()
    qtbot.waitUntil(lambda: panel.state == "paused", timeout=5000)
    # The worker's copy can still say "running" for a moment (then the update is rate-limited): wait for it.
    qtbot.waitUntil(lambda: panel.controller.snapshot()["state"] == "paused", timeout=5000)
    live.update(panel.controller.snapshot())
    assert live._todo  # fed on the next turns of the event loop, not all at once
    qtbot.waitUntil(lambda: not live._todo)


def test_a_convolution_asks_for_a_few_rows_and_no_plane(qtbot, document, window):
    from designer import commands as cmd
    from tests.designer.conftest import build_chain

    ids = build_chain(document, ("Input", {"shape": [28, 28, 1]}), ("Conv2D", {"filters": 8, "kernel_size": 3,
                                                                              "activation": "relu"}),
                      ("Flatten", {}), ("Dense", {"units": 10, "activation": "softmax"}))
    document.analyze_now()
    live = window.training_panel.live
    window.selection.set([ids[1]])
    window.plot_docks["activation"].raise_()
    qtbot.waitUntil(lambda: live.shown("activation"))
    request = live.probe_request()
    assert request["pre_activations"] == "conv2d" and request["rows"] == 200_000 // (26 * 26 * 8)
    window.plot_docks["boundary"].raise_()
    qtbot.waitUntil(lambda: live.shown("boundary"))
    assert "plane" not in live.probe_request()  # a decision plane needs a vector of features
    document.push(cmd.SetParam(document, ids[0], "shape", [2]))
    assert "plane" in live.probe_request()  # the network no longer builds, but two features have a plane


def test_a_busy_gui_thread_stretches_the_plot_interval(qtbot, document, window):
    from designer.training import live as live_module

    live = window.training_panel.live
    start = live.feed_interval
    assert start == live_module.FEED_INTERVAL
    then = time.perf_counter()
    live._load_mark = (then - 1.0, time.thread_time() - 0.2)  # as if the GUI thread had been 20 % busy
    live._adapt_rate(then)
    assert live.feed_interval == pytest.approx(start * 0.2 / live_module.GUI_SHARE, rel=0.05)
    for _ in range(10):
        live._load_mark = (time.perf_counter() - 1.0, time.thread_time() - 0.5)
        live._adapt_rate(time.perf_counter())
    assert live.feed_interval == live_module.MAX_FEED_INTERVAL
    for _ in range(30):  # an idle GUI thread: back to the full rate
        live._load_mark = (time.perf_counter() - 1.0, time.thread_time())
        live._adapt_rate(time.perf_counter())
    assert live.feed_interval == pytest.approx(live_module.FEED_INTERVAL)
