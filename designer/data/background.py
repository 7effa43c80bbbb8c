"""Running a slow loader off the GUI thread, with progress and cancel.

``BackgroundTask(work)`` runs ``work(progress, cancel)`` in a QThread: ``progress(fraction)`` may be called
from the worker (it is forwarded as a queued signal, throttled to ~30 Hz) and ``cancel`` is a
``threading.Event`` the loader polls (engine loaders accept one). The outcome arrives on the GUI thread as
exactly one of ``succeeded(result)``, ``failed(message)`` or ``cancelled()``.
"""
from __future__ import annotations

import threading
import time
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal

from designer.collector import collect_on_gui_thread
from engine.datasets import Cancelled


class _Worker(QThread):
    progressed = Signal(int, float)  # (serial, fraction)
    done = Signal(int, str, object)  # (serial, "ok" | "error" | "cancelled", result or message)

    def __init__(self, work: Callable[[Callable[[float], None], threading.Event], Any], stop: threading.Event,
                 serial: int):
        super().__init__()
        self._work, self._stop, self._last, self.serial = work, stop, 0.0, serial

    def _progress(self, fraction: float) -> None:
        now = time.monotonic()
        if fraction >= 1.0 or now - self._last > 1 / 30:  # never flood the GUI's event queue
            self._last = now
            self.progressed.emit(self.serial, float(fraction))

    def run(self) -> None:
        try:
            result = self._work(self._progress, self._stop)
        except Cancelled:
            self.done.emit(self.serial, "cancelled", None)
        except ValueError as exc:  # DataError and bad options: the message is meant for the user
            self.done.emit(self.serial, "error", str(exc))
        except Exception as exc:  # noqa: BLE001 — anything else is still shown, never a crash
            traceback.print_exc()
            self.done.emit(self.serial, "error", f"{type(exc).__name__}: {exc}")
        else:
            self.done.emit(self.serial, "cancelled" if self._stop.is_set() else "ok", result)


class BackgroundTask(QObject):
    """One background load at a time. ``start(work)`` cancels and waits for any previous one first."""

    progress = Signal(float)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._worker: _Worker | None = None
        self._stop = threading.Event()
        self._serial = 0  # outcomes of replaced or stopped loads may still be queued: they are ignored

    @property
    def running(self) -> bool:
        """True from ``start`` until its outcome signal has been emitted (or ``stop``)."""
        return self._worker is not None

    def start(self, work: Callable[[Callable[[float], None], threading.Event], Any]) -> None:
        self.stop()
        self._stop = threading.Event()
        self._serial += 1
        worker = _Worker(work, self._stop, self._serial)
        worker.progressed.connect(self._progressed)
        worker.done.connect(self._finished)
        self._worker = worker
        collect_on_gui_thread()  # before the thread runs Python
        worker.start()

    def cancel(self) -> None:
        """Ask the running load to stop; ``cancelled`` follows when it has."""
        self._stop.set()

    def stop(self) -> None:
        """Cancel and wait for the thread to end (closing a window never leaves a thread running); no
        outcome signal is emitted for a load stopped this way."""
        worker, self._worker = self._worker, None
        if worker is not None:
            self._stop.set()
            worker.wait()
            worker.deleteLater()

    def _progressed(self, serial: int, fraction: float) -> None:
        if self._worker is not None and serial == self._worker.serial:
            self.progress.emit(fraction)

    def _finished(self, serial: int, status: str, payload: object) -> None:
        if self._worker is None or serial != self._worker.serial:
            return  # a load that was replaced or stopped
        worker, self._worker = self._worker, None
        worker.wait()
        worker.deleteLater()
        if status == "ok":
            self.succeeded.emit(payload)
        elif status == "cancelled":
            self.cancelled.emit()
        else:
            self.failed.emit(str(payload))
