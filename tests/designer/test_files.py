"""Open, save, recent files, unsaved-changes prompt and crash recovery, through the file controller."""
import os
import signal
import subprocess
import sys
import textwrap
import zipfile

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from designer import commands as cmd
from designer.files import FileController
from engine.project import load
from tests.designer.conftest import build_chain


@pytest.fixture
def files(document, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    controller = FileController(document, settings=settings, recovery_dir=tmp_path / "recovery")
    yield controller
    controller.clean_exit()


def answer(monkeypatch, button):
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kwargs: asked.append(args) or button)
    return asked


def test_save_close_reopen_gives_the_identical_graph(document, files, tmp_path):
    build_chain(document, ("Input", {"shape": [2]}), ("Dense", {"units": 4, "activation": "tanh"}),
                ("Dense", {"units": 1, "activation": "sigmoid"}))
    document.push(cmd.SetTraining(document, "learning_rate", 0.03))
    document.push(cmd.SetDataset(document, {"name": "circle", "options": {"noise": 0.1}}))
    before = (document.graph.to_dict(), dict(document.training), dict(document.dataset))
    path = tmp_path / "net.ntl"
    assert files.save_to(path) and not document.is_modified()
    assert files.new()
    assert len(document.graph) == 0
    assert files.open_path(path)
    assert (document.graph.to_dict(), document.training, document.dataset) == before
    assert document.path == path and not document.is_modified()
    assert files.recent_files() == [str(path.resolve())]


@pytest.mark.parametrize("damage", ["garbage", "truncated", "newer", "missing"])
def test_a_bad_file_is_refused_and_the_open_document_untouched(document, files, tmp_path, damage):
    build_chain(document, ("Input", {"shape": [2]}), ("Dense", {"units": 1}))
    good = tmp_path / "good.ntl"
    files.save_to(good)
    document.push(cmd.SetParam(document, document.graph.node_by_name("dense").id, "units", 3))
    before = document.graph.to_dict()
    bad = tmp_path / "bad.ntl"
    if damage == "garbage":
        bad.write_bytes(b"\x00not a project at all")
    elif damage == "truncated":
        bad.write_bytes(good.read_bytes()[:200])
    elif damage == "newer":
        with zipfile.ZipFile(good) as source, zipfile.ZipFile(bad, "w") as target:
            for item in source.infolist():
                data = source.read(item)
                if item.filename == "project.json":
                    data = data.replace(b'"format_version": 1', b'"format_version": 99')
                target.writestr(item, data)
    messages = []
    files.message.connect(messages.append)
    assert not files.open_path(bad if damage != "missing" else tmp_path / "nowhere.ntl")
    assert document.graph.to_dict() == before and document.is_modified() and document.path == good
    assert messages and "cannot be opened" in messages[0]
    if damage == "newer":
        assert "newer" in messages[0]


def test_unsaved_changes_prompt(document, files, monkeypatch, tmp_path):
    build_chain(document, ("Input", {"shape": [2]}))
    asked = answer(monkeypatch, QMessageBox.StandardButton.Cancel)
    assert not files.new() and len(document.graph) == 1 and asked
    answer(monkeypatch, QMessageBox.StandardButton.Discard)
    assert files.new() and len(document.graph) == 0
    build_chain(document, ("Input", {"shape": [3]}))
    document.set_path(tmp_path / "kept.ntl")
    answer(monkeypatch, QMessageBox.StandardButton.Save)
    assert files.new()
    assert load(tmp_path / "kept.ntl").graph.node_by_name("input").params == {"shape": [3]}


def test_autosave_and_recovery_after_a_crash(document, files, tmp_path, qtbot):
    build_chain(document, ("Input", {"shape": [2]}), ("Dense", {"units": 5}))
    files.autosave()
    assert files.recovery_file.is_file()
    # A new session finds the file the "crashed" one left behind.
    from designer.document import Document

    second = Document()
    try:
        later = FileController(second, settings=files.settings, recovery_dir=files.recovery_dir)
        assert later.recovery_candidates() == [files.recovery_file]
        assert later.offer_recovery(ask=lambda path: True)
        assert second.graph.to_dict() == document.graph.to_dict()
        assert second.is_modified() and second.path is None
        assert later.recovery_candidates() == []
        later.clean_exit()
    finally:
        second.shutdown()


def test_a_clean_exit_leaves_no_recovery_file(document, files):
    build_chain(document, ("Input", {"shape": [2]}))
    files.autosave()
    files.clean_exit()
    assert not files.recovery_file.exists()


def test_killed_while_saving_leaves_the_old_or_the_new_file(tmp_path):
    """SIGKILL a process that saves a big project over and over: the file always opens, never half-written."""
    path = tmp_path / "big.ntl"
    script = textwrap.dedent(f"""
        import os
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        import numpy as np
        from PySide6.QtWidgets import QApplication
        app = QApplication([])
        from designer.document import Document
        from designer import commands as cmd
        doc = Document()
        doc.push(cmd.AddNode(doc, "Input", {{"shape": [784]}}))
        doc.push(cmd.AddNode(doc, "Dense", {{"units": 512}}, connect_from="n1"))
        generation = 0
        while True:
            generation += 1
            doc.push(cmd.SetWeights(doc, {{"dense/kernel": np.full((784, 512), generation, np.float32),
                                           "dense/bias": np.zeros(512, np.float32)}}, "w"))
            doc.save({str(path)!r})
            print(generation, flush=True)
    """)
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                               cwd=os.getcwd())
    try:
        for _ in range(3):
            process.stdout.readline()
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    project = load(path)
    kernel = project.weights["dense/kernel"]
    assert kernel.shape == (784, 512) and (kernel == kernel[0, 0]).all() and kernel[0, 0] >= 3
