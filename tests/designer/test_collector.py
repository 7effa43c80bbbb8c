"""Garbage is collected on the GUI thread only once the designer runs Python in other threads."""
import gc
import weakref

from designer.collector import INTERVAL_MS, automatic_collection, collect_on_gui_thread


class _Cycle:
    def __init__(self):
        self.me = self


def test_a_training_thread_hands_collection_to_the_gui_thread(qtbot):
    from designer.training.controller import TrainingController

    automatic_collection()
    controller = TrainingController()
    try:
        assert not gc.isenabled()  # a collection started by the training thread could deadlock with Qt
    finally:
        assert controller.shutdown(timeout=30)


def test_the_gui_thread_collects_on_its_timer(qtbot):
    collect_on_gui_thread()
    gc.collect()
    garbage = _Cycle()
    alive = weakref.ref(garbage)
    del garbage
    for _ in range(gc.get_threshold()[0] + 10):  # pass generation 0's threshold
        _Cycle()
    assert alive() is not None  # nobody collects outside the event loop
    qtbot.waitUntil(lambda: alive() is None, timeout=20 * INTERVAL_MS)


def test_collection_can_be_handed_back(qtbot):
    collect_on_gui_thread()
    assert not gc.isenabled()
    automatic_collection()
    assert gc.isenabled()
    collect_on_gui_thread()  # the rest of the designer's tests run as the app does
