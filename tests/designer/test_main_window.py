"""The assembled window: templates in the menu, the title's modified marker, the status bar."""
import pytest
from PySide6.QtCore import QSettings

from designer import commands as cmd
from designer.main_window import MainWindow
from engine.templates import template_names


@pytest.fixture
def window(qtbot, tmp_path):
    win = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
                     recovery_dir=tmp_path / "recovery")
    # Not qtbot.addWidget: its close would (rightly) ask about unsaved training results in a modal dialog.
    win.resize(1400, 900)
    win.start()
    win.show()
    yield win
    win.force_close()


def test_every_template_is_in_the_menu_and_opens(window, qtbot):
    names = {action.objectName() for action in window.findChildren(type(window.actions_by_name["new"]))}
    assert {f"template_{name}" for name in template_names()} <= names
    assert window.new_from_template("mnist_cnn", ask=False)
    qtbot.waitUntil(lambda: window.document.analysis.total_params == 693_962, timeout=5000)
    assert "693 962" in window.params_label.text()


def test_title_marks_unsaved_changes(window):
    assert not window.isWindowModified()
    node = next(iter(window.document.graph.nodes))
    window.document.push(cmd.MoveNodes(window.document, {node: (5.0, 5.0)}, finished=True))
    assert window.isWindowModified() and window.windowTitle().endswith("[*] — Neurotaller")
    window.document.undo_stack.undo()
    assert not window.isWindowModified()


def test_status_bar_follows_training(window, qtbot):
    qtbot.waitUntil(lambda: window.problems_label.text() == "Ready to train", timeout=5000)
    window.training_panel.play()
    qtbot.waitUntil(lambda: window.problems_label.text() == "Training…", timeout=20000)
    window.training_panel.stop_and_wait()
    qtbot.waitUntil(lambda: window.problems_label.text() == "Ready to train", timeout=5000)
