"""The data set chooser: the specs it emits reload with engine.datasets.from_spec to the same data; options,
regenerate, split, scaling, importers and errors; loading happens off the GUI thread."""
import threading

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage

from engine import datasets
from designer.data.dataset_chooser import DatasetChooser
from tests.conftest import shared_data_folder


@pytest.fixture
def chooser(qtbot):
    c = DatasetChooser()
    qtbot.addWidget(c)
    c.resize(900, 640)
    c.show()
    c.emitted = []
    c.dataset_chosen.connect(c.emitted.append)
    yield c
    c.close()
    assert not c.task.running


def _wait_emit(qtbot, c, count):
    qtbot.waitUntil(lambda: len(c.emitted) >= count, timeout=20000)
    return c.emitted[-1]


@pytest.mark.parametrize("name", ["spiral", "add3", "truth_xor", "wine", "sine", "reverse"])
def test_chosen_spec_reloads_the_same_data(qtbot, chooser, name):
    chooser.select(name)
    spec = _wait_emit(qtbot, chooser, 1)
    assert spec["name"] == name and set(spec) == {"name", "options", "split", "scaling"}
    again = datasets.from_spec(spec)
    np.testing.assert_array_equal(again.x, chooser.dataset().x)
    np.testing.assert_array_equal(again.y, chooser.dataset().y)
    split = spec["split"]
    assert abs(split["train"] + split["validation"] + split["test"] - 1) < 1e-6
    parts = again.split(split["train"], split["validation"], split["test"], seed=split["seed"]).scaled(
        spec["scaling"])
    assert sum(parts.sizes) == again.n_samples


def test_options_regenerate_and_extra_features(qtbot, chooser):
    chooser.select("circle")
    first = _wait_emit(qtbot, chooser, 1)
    assert first["options"] == {"n_samples": 500, "noise": 0.0, "seed": 0, "extra_features": []}
    assert first["split"]["train"] == 0.5 and first["scaling"] == "none"  # the Playground's 50 %
    editors = chooser.options.editors
    editors["noise"].setValue(0.25)
    editors["n_samples"].setValue(200)
    editors["extra_features"].boxes["x1^2"].click()
    spec = _wait_emit(qtbot, chooser, 2)  # the edits load once, after a pause
    assert spec["options"] == {"n_samples": 200, "noise": 0.25, "seed": 0, "extra_features": ["x1^2"]}
    assert chooser.dataset().x.shape == (200, 3)
    assert "200 samples" in chooser.summary_label.text()
    chooser.regenerate_button.click()
    spec = _wait_emit(qtbot, chooser, 3)
    assert spec["options"]["seed"] == 1 and editors["seed"].value() == 1
    again = datasets.from_spec(spec)
    np.testing.assert_array_equal(again.x, chooser.dataset().x)
    assert not np.array_equal(again.x, datasets.load("circle", n_samples=200, noise=0.25, seed=0,
                                                     extra_features=["x1^2"]).x)


def test_split_and_scaling_changes_emit_without_reloading(qtbot, chooser):
    chooser.select("iris")
    spec = _wait_emit(qtbot, chooser, 1)
    assert spec["scaling"] == "standard"
    loaded = chooser.dataset()
    chooser.split_spins["train"].setValue(60)
    chooser.split_spins["validation"].setValue(20)
    chooser.split_spins["test"].setValue(20)
    chooser.split_seed.setValue(7)
    chooser.scaling_combo.setCurrentIndex(chooser.scaling_combo.findData("minmax"))
    spec = chooser.emitted[-1]
    assert spec["split"] == {"train": 0.6, "validation": 0.2, "test": 0.2, "seed": 7} and spec["scaling"] == "minmax"
    assert chooser.dataset() is loaded
    assert "Training 90, validation 30, test 30" in chooser.summary_label.text()


def test_set_spec_restores_a_saved_choice_quietly(qtbot, chooser):
    saved = {"name": "xor", "options": {"n_samples": 100, "noise": 0.1, "seed": 4, "extra_features": ["sin_x2"]},
             "split": {"train": 0.8, "validation": 0.0, "test": 0.2, "seed": 3}, "scaling": "standard"}
    chooser.set_spec(saved)
    qtbot.waitUntil(lambda: chooser.dataset() is not None, timeout=20000)
    assert chooser.emitted == []  # opening a project is not a new choice
    assert chooser.spec() == saved
    assert chooser.options.editors["seed"].value() == 4


def test_csv_and_image_folder_specs(qtbot, chooser, tmp_path):
    csv = tmp_path / "t.csv"
    csv.write_bytes(b"a;b;y\n1,5;2;0\n2,5;3;1\n3,5;4;0\n4,5;5;1\n")
    chooser.set_spec({"csv": str(csv), "options": {"sep": ";", "decimal": ","}}, emit=True)
    spec = _wait_emit(qtbot, chooser, 1)
    assert spec["csv"] == str(csv) and spec["scaling"] == "standard"
    np.testing.assert_allclose(chooser.dataset().x[:, 0], [1.5, 2.5, 3.5, 4.5])
    root = tmp_path / "shapes"
    for name, colour in (("dark", "#202020"), ("light", "#e0e0e0")):
        (root / name).mkdir(parents=True)
        for i in range(3):
            image = QImage(12, 9, QImage.Format_RGB32)
            image.fill(QColor(colour))
            assert image.save(str(root / name / f"{i}.png"))
    chooser.set_spec({"images": str(root), "options": {"size": [6, 6], "color": "grey"}}, emit=True)
    spec = _wait_emit(qtbot, chooser, 2)
    assert spec["images"] == str(root) and chooser.dataset().x.shape == (6, 6, 6, 1)
    again = datasets.from_spec(spec)  # the QImage decoder is registered with the engine
    np.testing.assert_array_equal(again.x, chooser.dataset().x)
    assert chooser.tree.currentItem().text(0) == "shapes" or "shapes" in chooser.tree.currentItem().toolTip(0)


def test_imported_dataset_is_taken_without_reloading(qtbot, chooser, tmp_path):
    csv = tmp_path / "w.csv"
    csv.write_bytes(b"a,b,y\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n")
    ds = datasets.load_csv(csv)
    chooser._take_imported(ds.spec, ds)  # what Import CSV… does once the wizard is finished
    spec = chooser.emitted[-1]
    assert chooser.dataset() is ds and spec["csv"] == str(csv)


def test_mnist_folder(qtbot, chooser, tmp_path):
    chooser.choose_mnist_folder(str(tmp_path))  # a folder without the files: a message, no crash
    qtbot.waitUntil(lambda: "no MNIST" in chooser.status_label.text(), timeout=20000)
    assert chooser.dataset() is None and chooser.emitted == []
    folder = shared_data_folder() / "mnist"
    if not folder.is_dir():
        pytest.skip("no MNIST files in the shared data folder")
    chooser.choose_mnist_folder(str(folder))
    spec = _wait_emit(qtbot, chooser, 1)
    assert spec["name"] == "mnist" and spec["options"]["folder"] == str(folder)
    assert chooser.dataset().x.shape[1:] == (28, 28) and spec["scaling"] == "minmax"
    assert datasets.from_spec(spec).n_samples == chooser.dataset().n_samples


def test_loading_does_not_block_the_gui(qtbot, chooser, monkeypatch):
    gate, seen = threading.Event(), {}

    def slow(spec, progress, cancel):
        seen["thread"] = threading.current_thread()
        gate.wait(10)
        return datasets.from_spec(spec)

    monkeypatch.setattr("designer.data.dataset_chooser.load_spec", slow)
    chooser.select("gaussians")
    assert chooser.task.running and chooser.dataset() is None  # the GUI thread is free while it loads
    gate.set()
    _wait_emit(qtbot, chooser, 1)
    assert seen["thread"] is not threading.main_thread()


def test_chooser_renders(qtbot, chooser, tmp_path):
    chooser.select("spiral")
    _wait_emit(qtbot, chooser, 1)
    image = chooser.grab()
    assert not image.isNull()
    image.save(str(tmp_path / "chooser.png"))
