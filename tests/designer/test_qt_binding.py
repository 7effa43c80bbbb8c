"""The Qt binding must not leak references to None/True (PySide6 6.12.0 did: Python 3.11 then aborts with
'none_dealloc' after a few thousand Qt calls, i.e. seconds of dragging). pyproject.toml excludes it."""
import sys

from PySide6.QtCore import QObject, QPointF, Signal


class _Emitter(QObject):
    fired = Signal(bool)


def test_void_qt_calls_and_emits_keep_none_and_true_alive():
    point, emitter = QPointF(), _Emitter()
    emitter.fired.connect(lambda value: None)
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for i in range(2000):
        point.setX(float(i))
        emitter.fired.emit(True)
    assert sys.getrefcount(None) >= none_before - 50
    assert sys.getrefcount(True) >= true_before - 50
