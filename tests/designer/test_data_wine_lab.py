"""The wine lab end to end from the GUI (issue 6, "done when"): in the main window, import the shipped wine.csv
through the import wizard with its defaults, standardize, build 13-16-3 (relu, softmax), pick Adam, press
Play and wait on the panel's counters; the test accuracy in the panel's history reaches 95 %."""
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from tests.designer.conftest import build_chain
from tests.designer.data_dialogs import ModalDriver, close_main_window, finish_import_wizard, make_main_window

WINE = Path(__file__).resolve().parents[2] / "resources" / "datasets" / "wine.csv"
EPOCHS = 60


def _pick(combo, data=None, text=None):
    """Choose an entry as a person does: the index changes and ``activated`` fires."""
    index = combo.findData(data) if text is None else combo.findText(text)
    assert index >= 0, (data, text)
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


@pytest.fixture
def window(qtbot, tmp_path):
    made = make_main_window(qtbot, tmp_path)
    yield made
    close_main_window(made)


def test_wine_lab_from_the_gui(qtbot, window):
    document, panel = window.document, window.training_panel
    form, chooser = panel.form, panel.chooser

    # the data: Import CSV… in the training panel, the wizard's defaults, Next … Finish
    with ModalDriver(finish_import_wizard(WINE)) as driver:
        qtbot.mouseClick(chooser.import_csv_button, Qt.MouseButton.LeftButton)
    assert [type(d).__name__ for d in driver.seen] == ["ImportWizard"]
    qtbot.waitUntil(lambda: "csv" in (document.dataset or {}), timeout=10000)
    assert Path(document.dataset["csv"]) == WINE and chooser.dataset().x.shape == (178, 13)
    assert chooser.dataset().class_names == ["0", "1", "2"]
    assert document.undo_stack.undoText() == "Choose a data set"

    # standardize, Adam, a fixed number of epochs: the training settings, as picked in the panel
    _pick(form.scaling_combo, "standard")
    _pick(form.optimizer_combo, text="adam")
    form.unlimited_check.setChecked(False)
    form.epochs_spin.setValue(EPOCHS)
    assert document.training.get("scaling", "standard") == "standard"
    assert document.training.get("optimizer", "adam") == "adam" and document.training["epochs"] == EPOCHS

    # the network 13-16-3, made with undoable commands
    build_chain(document, ("Input", {"shape": [13]}), ("Dense", {"units": 16, "activation": "relu"}),
                ("Dense", {"units": 3, "activation": "softmax"}))
    assert document.analyze_now().ok

    qtbot.mouseClick(panel.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: int(panel.epoch_label.text().replace(" ", "")) >= EPOCHS, timeout=25000)
    qtbot.waitUntil(lambda: panel.state == "finished", timeout=5000)
    history = panel.controller.snapshot()["history"]
    assert len(history) == EPOCHS and history[-1]["test_accuracy"] >= 0.95, history[-1]
    assert history[-1]["accuracy"] > 0.95
    qtbot.waitUntil(lambda: bool(document.history.get("test_accuracy")), timeout=5000)  # the trained weights are kept
    assert document.weights["dense/kernel"].shape == (13, 16)
