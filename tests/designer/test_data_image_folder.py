"""The image-folder importer: PNGs written with QImage, decoded and resized with QImage, assembled by the
engine; unreadable files skipped and counted, folder errors shown, background loading with cancel."""
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from engine import datasets
from designer.data.image_folder import ImageFolderDialog, qimage_decode


def _png(path, colour, size=(20, 16), alpha=False):
    path.parent.mkdir(parents=True, exist_ok=True)
    image = QImage(size[1], size[0], QImage.Format_ARGB32 if alpha else QImage.Format_RGB32)
    image.fill(QColor(colour))
    assert image.save(str(path))


def _folder(tmp_path, per_class=4):
    root = tmp_path / "colores"
    for name, colour in (("rojo", "#ff0000"), ("azul", "#0000ff")):
        for i in range(per_class):
            _png(root / name / f"{i}.png", colour)
    return root


@pytest.fixture
def dialog(qtbot):
    made = []

    def make(folder=None):
        d = ImageFolderDialog(folder=folder)
        qtbot.addWidget(d)
        d.show()
        made.append(d)
        return d

    yield make
    for d in made:
        d.close()
        assert not d.task.running


def test_qimage_decode_resizes_and_converts(tmp_path):
    _png(tmp_path / "a.png", "#ff8000", size=(30, 50))
    rgb = qimage_decode(tmp_path / "a.png", (7, 5), 3)
    assert rgb.shape == (7, 5, 3) and rgb.dtype == np.uint8
    np.testing.assert_array_equal(rgb[3, 2], [255, 128, 0])
    grey = qimage_decode(tmp_path / "a.png", (4, 4), 1)
    assert grey.shape == (4, 4, 1) and 100 < grey[0, 0, 0] < 200
    _png(tmp_path / "clear.png", QColor(0, 0, 0, 0), alpha=True)
    assert qimage_decode(tmp_path / "clear.png", (3, 3), 1).min() == 255  # transparent -> white
    (tmp_path / "bad.png").write_bytes(b"\x89PNG broken")
    with pytest.raises(ValueError, match="not an image"):
        qimage_decode(tmp_path / "bad.png", (3, 3), 1)


def test_dialog_loads_rgb_images(qtbot, dialog, tmp_path):
    root = _folder(tmp_path)
    (root / "azul" / "roto.png").write_bytes(b"not a picture")
    d = dialog()
    d.folder_edit.setText(str(root))  # typed or picked with Browse…
    assert "2 classes, 9 images" in d.scan_label.text()
    ok = d.buttons.button(QDialogButtonBox.Ok)
    assert not ok.isEnabled()
    d.height_spin.setValue(10)
    d.width_spin.setValue(8)
    d.color_combo.setCurrentIndex(d.color_combo.findData("rgb"))
    d.load_button.click()
    qtbot.waitUntil(lambda: d.result_dataset() is not None, timeout=20000)
    ds = d.result_dataset()
    assert ds.x.shape == (8, 10, 8, 3) and ds.x.dtype == np.float32 and 0 <= ds.x.min() and ds.x.max() <= 1
    assert ds.class_names == ["azul", "rojo"] and ds.y.tolist() == [0] * 4 + [1] * 4
    np.testing.assert_allclose(ds.x[0, 5, 4], [0, 0, 1])
    np.testing.assert_allclose(ds.x[-1, 5, 4], [1, 0, 0])
    assert ds.meta["n_skipped"] == 1 and "azul/roto.png" in d.details.toPlainText()
    assert ok.isEnabled()
    ok.click()
    assert d.result() == QDialog.Accepted
    spec = d.result_spec()
    assert spec == {"images": str(root), "options": {"size": [10, 8], "color": "rgb"}}
    np.testing.assert_array_equal(datasets.from_spec(spec).x, ds.x)


def test_folder_problems_are_shown(dialog, tmp_path):
    d = dialog(tmp_path / "nowhere")
    assert "does not exist" in d.scan_label.text() and not d.load_button.isEnabled()
    _png(tmp_path / "one" / "only" / "a.png", "#00ff00")
    d.folder_edit.setText(str(tmp_path / "one"))
    assert "single class" in d.scan_label.text()
    _png(tmp_path / "flat" / "a.png", "#00ff00")
    d.folder_edit.setText(str(tmp_path / "flat"))
    assert "sub-folder" in d.scan_label.text()


def test_loading_can_be_cancelled_and_settings_reset_the_result(qtbot, dialog, tmp_path):
    root = _folder(tmp_path, per_class=60)
    d = dialog(root)
    d.color_combo.setCurrentIndex(d.color_combo.findData("grey"))
    d.load_button.click()
    assert d.cancel_button.isVisible()
    d.cancel_button.click()
    qtbot.waitUntil(lambda: not d.task.running, timeout=20000)
    assert d.result_dataset() is None and "cancelled" in d.status_label.text()
    assert d.load_button.isVisible()
    d.load_button.click()
    qtbot.waitUntil(lambda: d.result_dataset() is not None, timeout=20000)
    assert d.result_dataset().x.shape == (120, 28, 28, 1)
    d.width_spin.setValue(14)  # a new setting forgets images loaded with the old one
    assert d.result_dataset() is None


def test_dialog_renders(qtbot, dialog, tmp_path):
    d = dialog(_folder(tmp_path))
    d.load_button.click()
    qtbot.waitUntil(lambda: d.result_dataset() is not None, timeout=20000)
    image = d.grab()
    assert not image.isNull()
    image.save(str(tmp_path / "image_folder.png"))


def test_painted_digits_keep_their_shape(tmp_path):
    """A white stroke on black survives decoding: the pixels under the stroke are bright."""
    image = QImage(40, 40, QImage.Format_RGB32)
    image.fill(Qt.black)
    painter = QPainter(image)
    painter.fillRect(18, 4, 4, 32, Qt.white)
    painter.end()
    image.save(str(tmp_path / "uno.png"))
    arr = qimage_decode(tmp_path / "uno.png", (20, 20), 1)[:, :, 0]
    assert arr[10, 10] > 200 and arr[10, 2] < 20
