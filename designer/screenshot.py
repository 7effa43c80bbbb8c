"""Pictures of the real window for the README and for people to look at (run under Xvfb by the tests)."""
from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication


def schedule_screenshot(window, path: str, delay_ms: int, train_seconds: float = 0.0) -> None:
    def shoot():
        window.grab().save(path)
        window.force_close()
        QApplication.instance().quit()

    def start():
        if train_seconds > 0:
            window.training_panel.play()
            QTimer.singleShot(int(train_seconds * 1000), shoot)
        else:
            shoot()

    QTimer.singleShot(delay_ms, start)
