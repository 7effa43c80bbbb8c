"""Validation and shape inference off the GUI thread.

Every edit asks for a new analysis; requests are debounced (a drag or typing burst costs one run) and run on
a worker thread over a COPY of the graph, so a large network never stalls the window. A result that arrives
after a newer request was made is dropped: the views only ever see the analysis of the current graph.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

from designer.collector import collect_on_gui_thread

from engine.graph.analysis import Analysis, analyze
from engine.graph.model import Graph


class _Relay(QObject):
    done = Signal(int, object)


class _AnalysisJob(QRunnable):
    def __init__(self, generation: int, graph: Graph, relay: _Relay):
        super().__init__()
        self.generation = generation
        self.graph = graph
        self.relay = relay

    def run(self) -> None:
        try:
            result = analyze(self.graph)
        except Exception as error:  # analysis never raises by contract; if it ever does, show it, don't crash
            result = Analysis()
            from engine.graph.analysis import Problem

            result.problems.append(Problem("internal", f"analysis failed: {error}"))
        self.relay.done.emit(self.generation, result)


class Analyzer(QObject):
    finished = Signal(object)  # the newest Analysis

    def __init__(self, graph_source, parent=None, delay_ms: int = 30):
        super().__init__(parent)
        self._graph_source = graph_source  # callable returning the current Graph
        self._generation = 0
        self._relay = _Relay(self)
        self._relay.done.connect(self._on_done)
        collect_on_gui_thread()  # before any job runs Python in the pool
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._start)
        self.latest = Analysis()

    def request(self) -> None:
        self._generation += 1
        self._timer.start()

    def _start(self) -> None:
        self._pool.start(_AnalysisJob(self._generation, self._graph_source().copy(), self._relay))

    def _on_done(self, generation: int, result: Analysis) -> None:
        if generation != self._generation:
            return  # the graph changed since this job started; a newer result is on its way
        self.latest = result
        self.finished.emit(result)

    def run_now(self) -> Analysis:
        """Analyse synchronously (tests, and callers that need the answer before going on)."""
        self._generation += 1
        self._timer.stop()
        self.latest = analyze(self._graph_source())
        self.finished.emit(self.latest)
        return self.latest

    @property
    def pending(self) -> bool:
        return self._timer.isActive() or self._pool.activeThreadCount() > 0

    def shutdown(self) -> None:
        self._timer.stop()
        self._generation += 1
        self._pool.waitForDone()
