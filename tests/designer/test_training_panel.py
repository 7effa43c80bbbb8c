"""The training panel as a student uses it: Play trains, Pause writes undoable weights, Step advances exactly,
settings are undoable commands (live while training), the network edited mid-training pauses with a note,
divergence pauses with finite weights, the maths of one neuron, export, and closing never leaves a thread."""
import math

import numpy as np
import pytest
from PySide6.QtCore import Qt

from designer import commands as cmd
from designer.selection import Selection
from designer.training.panel import TrainingPanel
from engine.io import load_weights_npz
from tests.designer.conftest import build_chain

XOR_SETTINGS = {"learning_rate": 0.05, "batch_size": 10, "split": [0.5, 0.0, 0.5]}


def make_network(document, hidden="tanh", output=("sigmoid", 1), dataset="xor", settings=XOR_SETTINGS):
    ids = build_chain(document, ("Input", {"shape": [2]}), ("Dense", {"units": 8, "activation": hidden}),
                      ("Dense", {"units": output[1], "activation": output[0]}))
    document.push(cmd.SetDataset(document, {"name": dataset, "options": {"n_samples": 200}}))
    for key, value in settings.items():
        document.push(cmd.SetTraining(document, key, value))
    return ids


@pytest.fixture
def panel(qtbot, document):
    made = TrainingPanel(document, Selection())
    qtbot.addWidget(made)
    yield made
    assert made.shutdown()
    assert not made.controller.alive


def counters(panel):
    return tuple(int(label.text().replace(" ", "")) for label in
                 (panel.epoch_label, panel.iteration_label, panel.samples_label))


def wait_state(qtbot, panel, *states, timeout=20000):
    qtbot.waitUntil(lambda: panel.state in states, timeout=timeout)


def test_play_trains_and_pause_writes_undoable_weights(qtbot, document, panel):
    make_network(document)
    qtbot.mouseClick(panel.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: counters(panel)[0] >= 40, timeout=30000)
    assert panel.play_button.text() == "Pause" and not panel.form.loss_combo.isEnabled()
    assert panel.form.learning_rate_combo.isEnabled()  # live while training
    qtbot.mouseClick(panel.play_button, Qt.MouseButton.LeftButton)
    wait_state(qtbot, panel, "paused")
    qtbot.waitUntil(lambda: bool(document.weights), timeout=5000)
    losses = document.history["loss"]
    assert losses[-1] < 0.6 * losses[0] and document.history["test_accuracy"][-1] > 0.85
    assert document.undo_stack.undoText() == "Train"
    trained = dict(document.weights)
    document.undo_stack.undo()
    assert document.weights == {}
    document.undo_stack.redo()
    assert all(np.array_equal(document.weights[k], trained[k]) for k in trained)


@pytest.mark.parametrize("unit, expected", [("sample", (0, 1, 1)), ("batch", (0, 1, 10)), ("epoch", (1, 10, 100))])
def test_step_advances_exactly_one_unit(qtbot, document, panel, unit, expected):
    make_network(document)
    panel.step_unit_combo.setCurrentIndex(panel.step_unit_combo.findData(unit))
    qtbot.mouseClick(panel.step_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: counters(panel) == expected, timeout=20000)
    qtbot.mouseClick(panel.step_button, Qt.MouseButton.LeftButton)
    twice = tuple(2 * n for n in expected)
    qtbot.waitUntil(lambda: counters(panel) == twice, timeout=20000)
    assert document.undo_stack.undoText() == "Train by steps"  # consecutive steps: one undo entry
    document.undo_stack.undo()
    assert document.weights == {}


def test_settings_are_undoable_commands_and_absurd_values_are_refused(qtbot, document, panel):
    make_network(document)
    panel.form.batch_spin.setValue(25)
    assert document.training["batch_size"] == 25
    document.undo_stack.undo()
    assert document.training["batch_size"] == 10 and panel.form.batch_spin.value() == 10
    problems = []
    panel.form.problem.connect(problems.append)
    panel.form.learning_rate_combo.setEditText("0")
    panel.form._learning_rate_edited()
    assert document.training["learning_rate"] == 0.05 and "positive number" in problems[-1]
    panel.form.optimizer_combo.setCurrentText("sgd")
    panel.form._optimizer_picked()
    panel.form.momentum_combo.setEditText("0.9")
    panel.form._momentum_edited()
    assert document.training["optimizer_options"] == {"momentum": 0.9}
    panel.form.optimizer_combo.setCurrentText("adam")
    panel.form._optimizer_picked()  # Adam takes no momentum: dropped in the same undo step
    assert document.training["optimizer"] == "adam" and document.training["optimizer_options"] == {}
    document.undo_stack.undo()
    assert document.training["optimizer"] == "sgd" and document.training["optimizer_options"] == {"momentum": 0.9}


def test_live_changes_while_training_are_marked(qtbot, document, panel):
    make_network(document)
    panel.play()
    wait_state(qtbot, panel, "running")
    panel.form.learning_rate_combo.setEditText("0.2")
    panel.form._learning_rate_edited()
    panel.form.batch_spin.setValue(5)
    qtbot.waitUntil(lambda: len(panel.controller.snapshot()["markers"]) == 2, timeout=5000)
    assert panel.state == "running" and not panel._stale
    assert panel.controller.snapshot()["settings"]["learning_rate"] == 0.2


def test_editing_the_network_while_training_pauses_and_play_trains_the_new_one(qtbot, document, panel):
    ids = make_network(document)
    panel.play()
    wait_state(qtbot, panel, "running")
    document.push(cmd.SetParam(document, ids[1], "units", 4))
    wait_state(qtbot, panel, "paused")
    assert panel.banner.isVisible() or not panel.isVisible()
    assert "network changed" in panel.banner.text()
    qtbot.waitUntil(lambda: bool(document.weights), timeout=5000)
    assert document.weights["dense/kernel"].shape == (2, 8)  # what the old network learned
    panel.play()
    wait_state(qtbot, panel, "running")
    panel.pause()
    qtbot.waitUntil(lambda: document.weights["dense/kernel"].shape == (2, 4), timeout=10000)
    assert document.weights["dense_1/kernel"].shape == (4, 1)


def test_a_learning_rate_of_ten_pauses_with_a_reason_and_finite_weights(qtbot, document, panel):
    make_network(document, hidden="relu", output=("linear", 1), dataset="plane",
                 settings={"optimizer": "sgd", "learning_rate": 10})
    panel.play()
    wait_state(qtbot, panel, "diverged")
    assert "learning rate (10) is probably too high" in panel.status_label.text()
    qtbot.waitUntil(lambda: bool(document.weights), timeout=5000)
    assert all(np.all(np.isfinite(w)) for w in document.weights.values())


def test_step_by_sample_shows_the_maths_of_the_picked_neuron(qtbot, document, panel):
    ids = make_network(document)
    panel.selection.set([ids[1]])
    panel.selection.neuron = (ids[1], 3)
    panel.step("sample")
    qtbot.waitUntil(lambda: "z = Σ wᵢxᵢ + b" in panel.maths_view.summary.text(), timeout=20000)
    assert "Neuron 3 of layer <b>dense</b>" in panel.maths_view.summary.text()
    assert panel.maths_view.table.rowCount() == 2
    maths = panel.controller.snapshot()["maths"]
    assert maths["a"] == pytest.approx(math.tanh(maths["z"]), rel=1e-5)


def test_export_weights_and_history(qtbot, document, panel, tmp_path):
    make_network(document)
    assert panel.export_weights(str(tmp_path / "none.npz")) is None  # nothing trained yet
    panel.step("epoch")
    panel.step("epoch")
    qtbot.waitUntil(lambda: counters(panel)[0] == 2, timeout=20000)
    path = panel.export_weights(str(tmp_path / "xor.npz"))
    loaded = load_weights_npz(path)
    assert set(loaded) == set(document.weights)
    assert all(np.array_equal(loaded[k], document.weights[k]) for k in loaded)
    path = panel.export_history(str(tmp_path / "history.csv"))
    lines = open(path).read().splitlines()
    assert lines[0].split(",")[:2] == ["epoch", "accuracy"] and len(lines) == 3


def test_closing_while_training_stops_cleanly_and_keeps_the_weights(qtbot, document):
    make_network(document)
    panel = TrainingPanel(document, Selection())
    qtbot.addWidget(panel)
    panel.play()
    wait_state(qtbot, panel, "running")
    assert panel.stop_and_wait()
    assert document.weights and panel.state in ("paused", "running")  # the state signal may still be queued
    assert panel.shutdown()
    assert not panel.controller.alive


def test_two_hundred_random_actions_never_deadlock_crash_or_leak_a_thread(qtbot, document, panel):
    ids = make_network(document)
    rng = np.random.default_rng(1234)

    def edit_units():
        if ids[1] in document.graph.nodes:
            document.push(cmd.SetParam(document, ids[1], "units", int(rng.integers(2, 9))))

    actions = {
        "play": panel.play, "pause": panel.pause, "stop": panel.stop, "toggle": panel.toggle_play,
        "step_sample": lambda: panel.step("sample"), "step_batch": lambda: panel.step("batch"),
        "step_epoch": lambda: panel.step("epoch"), "reset": panel.reset_weights,
        "learning_rate": lambda: document.push(cmd.SetTraining(document, "learning_rate",
                                                               float(rng.choice([0.01, 0.05, 0.3])))),
        "batch_size": lambda: document.push(cmd.SetTraining(document, "batch_size", int(rng.integers(1, 40)))),
        "units": edit_units, "undo": document.undo_stack.undo, "redo": document.undo_stack.redo,
        "speed": lambda: panel.speed_slider.setValue(int(rng.integers(0, 7))),
    }
    names = sorted(actions)
    for _ in range(200):
        actions[names[int(rng.integers(len(names)))]]()
        qtbot.wait(int(rng.integers(0, 4)))
    assert panel.controller.sync(timeout=10)
    assert panel.stop_and_wait(timeout=10)
    panel.poll()
    assert panel.state not in ("running", "error")


def test_a_chosen_data_set_goes_to_the_document_with_its_split_and_scaling(document, panel):
    make_network(document)
    panel.form.apply_dataset_spec({"name": "circle", "options": {"noise": 0.1},
                                   "split": {"train": 0.6, "validation": 0.2, "test": 0.2, "seed": 0},
                                   "scaling": "minmax"})
    assert document.dataset == {"name": "circle", "options": {"noise": 0.1}}
    assert document.training["split"] == [0.6, 0.2, 0.2] and document.training["scaling"] == "minmax"
    assert panel.chooser.tree.currentItem() is panel.chooser.item_for("circle") and panel.form.train_spin.value() == 60
    document.undo_stack.undo()  # one step
    assert document.dataset["name"] == "xor" and "scaling" not in document.training
    assert panel.chooser.tree.currentItem() is panel.chooser.item_for("xor")


def test_opening_another_project_while_training_keeps_the_old_weights_out_of_it(qtbot, document, panel):
    from engine.templates import make_template

    make_network(document)
    panel.play()
    wait_state(qtbot, panel, "running")
    document.load_project(make_template("wine_13_16_3"))
    assert panel.controller.sync()
    panel.poll()
    assert document.weights == {} and panel.state == "empty" and not document.is_modified()
    panel.step("batch")
    qtbot.waitUntil(lambda: "dense/kernel" in document.weights, timeout=20000)
    assert document.weights["dense/kernel"].shape == (13, 16)


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_panel_fits_a_narrow_dock_without_scrolling_sideways(qtbot, qapp, document, language, tmp_path):
    from PySide6.QtGui import QFontMetrics
    from PySide6.QtWidgets import QAbstractButton, QLabel, QScrollArea

    from designer.i18n import install_language
    from engine.templates import make_template

    install_language(qapp, language)
    try:
        document.load_project(make_template("playground_spiral"))
        made = TrainingPanel(document, Selection())
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(made)
        qtbot.addWidget(scroll)
        scroll.resize(440, 900)  # the training dock on a 1600-px wide window
        scroll.show()
        qtbot.waitUntil(lambda: made.chooser.dataset() is not None, timeout=10000)
        made._timer.stop()  # the numbers below stay as set
        for label, text in ((made.epoch_label, "12 345"), (made.iteration_label, "1 234 567"),
                            (made.samples_label, "12 345 678 901")):
            label.setText(text)
        made.controls.show_running(True)  # "Pause" must fit as well as "Play"
        qtbot.wait(50)
        assert made.minimumSizeHint().width() <= scroll.viewport().width()
        assert scroll.horizontalScrollBar().maximum() == 0
        for label in (made.epoch_label, made.iteration_label, made.samples_label):
            assert QFontMetrics(label.font()).horizontalAdvance(label.text()) <= label.width(), label.text()
        right = made.width()
        for widget in made.findChildren(QLabel) + made.findChildren(QAbstractButton):
            if widget.isVisible():  # nothing reaches beyond the dock's right edge or is squeezed
                assert widget.mapTo(made, widget.rect().topRight()).x() <= right, widget
                if not (isinstance(widget, QLabel) and (widget.wordWrap() or widget in made.counters.values.values())):
                    assert widget.width() >= widget.minimumSizeHint().width(), widget
        scroll.grab().save(str(tmp_path / f"panel_{language}.png"))
        assert made.shutdown()
    finally:
        install_language(qapp, "en")


def _show(qtbot, panel):
    panel.resize(440, 1500)
    panel.show()
    qtbot.waitUntil(lambda: panel.chooser.dataset() is not None, timeout=10000)


def test_choosing_in_the_chooser_is_one_undoable_step_and_undo_shows_in_it(qtbot, document, panel):
    make_network(document)
    _show(qtbot, panel)
    chooser = panel.chooser
    assert chooser.tree.currentItem() is chooser.item_for("xor")
    count = document.undo_stack.count()
    item = chooser.item_for("circle")
    qtbot.mouseClick(chooser.tree.viewport(), Qt.MouseButton.LeftButton, pos=chooser.tree.visualItemRect(item).center())
    qtbot.waitUntil(lambda: document.dataset.get("name") == "circle", timeout=10000)
    assert document.dataset["options"]["n_samples"] == 500 and "split" not in document.dataset
    assert document.undo_stack.count() == count + 1 and document.undo_stack.undoText() == "Choose a data set"
    chooser.options.editors["noise"].setValue(0.2)  # an option edit is a new choice, after a pause
    qtbot.waitUntil(lambda: document.dataset["options"]["noise"] == 0.2, timeout=10000)
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert document.dataset["name"] == "xor" and chooser.tree.currentItem() is chooser.item_for("xor")
    qtbot.waitUntil(lambda: chooser.dataset() is not None and chooser.dataset().name == "xor", timeout=10000)
    assert document.undo_stack.count() == count + 2 and document.undo_stack.canRedo()  # shown, not chosen again


def test_opening_a_project_shows_its_data_set_in_the_chooser_quietly(qtbot, document, panel):
    from engine.templates import make_template

    _show(qtbot, panel)
    document.load_project(make_template("wine_13_16_3"))
    assert panel.chooser.tree.currentItem() is panel.chooser.item_for("wine")
    qtbot.waitUntil(lambda: panel.chooser.dataset() is not None, timeout=10000)
    assert panel.chooser.dataset().x.shape == (178, 13)
    assert document.undo_stack.count() == 0 and not document.is_modified()


def test_the_image_folder_and_mnist_buttons_work_from_the_panel(qtbot, document, panel, tmp_path, monkeypatch):
    from PySide6.QtGui import QColor, QImage
    from PySide6.QtWidgets import QDialogButtonBox, QFileDialog

    from tests.designer.data_dialogs import ModalDriver

    make_network(document)
    _show(qtbot, panel)
    for name, colour in (("dark", "#202020"), ("light", "#e0e0e0")):
        (tmp_path / "shapes" / name).mkdir(parents=True)
        for i in range(4):
            image = QImage(10, 10, QImage.Format.Format_RGB32)
            image.fill(QColor(colour))
            assert image.save(str(tmp_path / "shapes" / name / f"{i}.png"))

    def use_folder(dialog) -> bool:
        if not dialog.folder_edit.text():
            dialog.folder_edit.setText(str(tmp_path / "shapes"))
            dialog.height_spin.setValue(8)
            dialog.width_spin.setValue(8)
            dialog.load_button.click()
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if dialog.result_dataset() is not None and ok.isEnabled():
            ok.click()
            return True
        return False

    with ModalDriver(use_folder) as driver:
        qtbot.mouseClick(panel.chooser.image_folder_button, Qt.MouseButton.LeftButton)
    assert [type(d).__name__ for d in driver.seen] == ["ImageFolderDialog"]
    assert document.dataset["images"] == str(tmp_path / "shapes")
    assert panel.chooser.dataset().x.shape == (8, 8, 8, 1)

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kwargs: str(tmp_path))
    qtbot.mouseClick(panel.chooser.mnist_button, Qt.MouseButton.LeftButton)  # a folder without the files
    qtbot.waitUntil(lambda: "no MNIST" in panel.chooser.status_label.text(), timeout=10000)
    assert "images" in document.dataset  # nothing loaded, nothing chosen
