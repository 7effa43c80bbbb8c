"""Test helpers: a main window for data tests, and a driver for the modal dialogs a button opens (``exec()``
blocks the test until the dialog closes, so a timer acts on the dialog as a person would meanwhile)."""
from __future__ import annotations

import time

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QWizard

NEXT, FINISH = QWizard.WizardButton.NextButton, QWizard.WizardButton.FinishButton


class ModalDriver:
    """Calls ``act(dialog)`` every 30 ms on the active modal dialog until it returns True (it has closed the
    dialog); after ``timeout`` seconds the dialog is rejected and ``error`` says so. Use as a context manager
    around the click that opens the dialog; leaving it raises what went wrong."""

    def __init__(self, act, timeout: float = 30.0):
        self.act, self.timeout, self.error, self.seen = act, timeout, None, []
        self.timer = QTimer()
        self.timer.setInterval(30)
        self.timer.timeout.connect(self._tick)

    def __enter__(self):
        self.deadline = time.monotonic() + self.timeout
        self.timer.start()
        return self

    def __exit__(self, *exc):
        self.timer.stop()
        if self.error is not None and exc[0] is None:
            raise AssertionError(self.error)

    def _tick(self) -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            return
        if dialog not in self.seen:
            self.seen.append(dialog)
        try:
            if time.monotonic() > self.deadline:
                raise TimeoutError(f"{type(dialog).__name__} was not finished in {self.timeout} s")
            if self.act(dialog):
                self.timer.stop()
        except Exception as error:  # noqa: BLE001 — reported when the with-block ends, never left hanging
            self.error = f"{type(error).__name__}: {error}"
            self.timer.stop()
            dialog.reject()


def finish_import_wizard(path):
    """An ``act`` for the CSV import wizard: type the path, press Next on every page with the defaults, and
    Finish once the file has loaded."""
    def act(wizard) -> bool:
        if wizard.currentPage() is wizard.file_page and not wizard.file_page.path_edit.text():
            wizard.file_page.path_edit.setText(str(path))
            return False
        if wizard.currentPage() is wizard.load_page:
            if wizard.load_page.status_label.styleSheet():  # the load failed: its message is the reason
                raise AssertionError(wizard.load_page.status_label.text())
            if wizard.button(FINISH).isEnabled():
                wizard.button(FINISH).click()
                return True
            return False
        if wizard.button(NEXT).isEnabled():
            wizard.button(NEXT).click()
        return False
    return act


def make_main_window(qtbot, tmp_path, size=(1600, 1000)):
    """A main window with its own settings file and recovery folder, shown. Close it with
    :func:`close_main_window` (not ``qtbot.addWidget``: its close would ask whether to save the changes)."""
    from designer.main_window import MainWindow

    window = MainWindow(settings=QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat),
                        recovery_dir=tmp_path / "recovery")
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    return window


def close_main_window(window) -> None:
    """Close without asking; nothing may be left running."""
    window.force_close()
    assert not window.training_panel.controller.alive
    assert not window.training_panel.chooser.task.running
