"""The GUI's handle on the training thread: :class:`TrainingController` starts a QThread with a
:class:`designer.training.worker.TrainingWorker` in it, sends it commands (thread-safe, in order), hands out
its newest snapshot, waits for it when asked, and shuts it down cleanly (no "QThread destroyed while running").
"""
from __future__ import annotations

import atexit
import time
import weakref

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal

from designer.collector import collect_on_gui_thread
from designer.training.job import TrainingJob
from designer.training.worker import TrainingWorker


class TrainingController(QObject):
    """The GUI's handle on the training thread: thread-safe commands, the newest snapshot, clean shutdown."""

    state_changed = Signal(str, str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.thread = QThread()
        self.thread.setObjectName("neurotaller-training")
        self.worker = TrainingWorker()
        self.worker.moveToThread(self.thread)
        self.worker.state_changed.connect(self.state_changed)
        self._sent = 0
        collect_on_gui_thread()  # before the thread runs Python
        self.thread.start()
        self._send("nice")  # the window stays responsive when training and the GUI compete for the CPU
        _alive.add(self)
        app = QCoreApplication.instance()
        if app is not None:  # quitting the application never leaves the thread running
            app.aboutToQuit.connect(self.shutdown)

    def _send(self, name: str, argument=None) -> int:
        self._sent += 1
        if self.thread.isRunning():
            self.worker._command.emit(self._sent, name, argument)
        return self._sent

    # -- commands (return at once; the worker applies them in order) -----------------------------------------
    def load(self, job: TrainingJob) -> int:
        self.worker.interrupt.set()  # a run in progress ends before the new session is built
        return self._send("load", job)

    def unload(self) -> int:
        self.worker.interrupt.set()
        return self._send("unload")

    def play(self) -> int:
        return self._send("play")

    def pause(self) -> int:
        self.worker.interrupt.set()  # takes effect inside the running chunk, between batches
        return self._send("pause")

    stop = pause

    def step(self, unit: str = "batch") -> int:
        if unit not in ("sample", "batch", "epoch"):
            raise ValueError(f"unknown step unit {unit!r}; choose sample, batch or epoch")
        self.worker.interrupt.set()
        return self._send("step", unit)

    def reset(self, seed: int | None = None) -> int:
        self.worker.interrupt.set()
        return self._send("reset", seed)

    def set_learning_rate(self, learning_rate: float) -> int:
        return self._send("set", ("learning_rate", learning_rate))

    def set_batch_size(self, batch_size: int) -> int:
        return self._send("set", ("batch_size", batch_size))

    def set_regularization(self, regularization: dict | None) -> int:
        return self._send("set", ("regularization", regularization))

    def set_epochs(self, epochs: int | None) -> int:
        return self._send("set", ("epochs", epochs))

    def set_speed(self, batches_per_second: float | None) -> int:
        """None: as fast as possible; otherwise one batch every 1/speed seconds (to watch it learn)."""
        return self._send("speed", batches_per_second)

    def set_explain(self, target: tuple[str, int] | None) -> int:
        """The Dense neuron (layer name, unit) whose maths a Step by sample shows; None for none."""
        return self._send("explain", target)

    def set_probe_request(self, request: dict) -> int:
        """What plots need computed with each snapshot (see engine.session_probe.run_probe)."""
        return self._send("probe", dict(request))

    # -- waiting and reading ---------------------------------------------------------------------------------
    def snapshot(self) -> dict:
        return self.worker.snapshot()

    def wait_for(self, command_id: int, timeout: float = 5.0) -> bool:
        """Block until the worker has processed command ``command_id`` (True) or ``timeout`` seconds passed."""
        deadline = time.perf_counter() + timeout
        while self.worker.done_id < command_id:
            if time.perf_counter() > deadline or not self.thread.isRunning():
                return self.worker.done_id >= command_id
            time.sleep(0.002)
        return True

    def sync(self, timeout: float = 5.0) -> bool:
        """Block until every command sent so far has been processed."""
        return self.wait_for(self._send("noop"), timeout)

    def stop_and_wait(self, timeout: float = 5.0) -> bool:
        return self.wait_for(self.pause(), timeout)

    @property
    def alive(self) -> bool:
        return self.thread.isRunning()

    def shutdown(self, timeout: float = 30.0) -> bool:
        """Stop training and end the thread; True when it has ended (never leaves it running silently)."""
        if not self.thread.isRunning():
            return True
        self.worker.closing.set()
        self.worker.interrupt.set()
        self._send("shutdown")
        finished = self.thread.wait(int(timeout * 1000))
        if not finished:  # a first compilation can outlast the timeout; quitting the loop ends it after that
            self.thread.quit()
            finished = self.thread.wait()
        return finished


_alive: "weakref.WeakSet[TrainingController]" = weakref.WeakSet()


@atexit.register
def _shutdown_all() -> None:
    """A script that ends without closing its window must not leave a thread for Qt to destroy while running."""
    for controller in list(_alive):
        try:
            controller.shutdown(timeout=5.0)
        except RuntimeError:  # its Qt objects are already gone
            pass
