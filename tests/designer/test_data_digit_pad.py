"""The draw-a-digit pad: strokes drawn with QTest mouse events become an MNIST-like 28×28 image (centred,
non-empty), the predict callable's probabilities show as bars, Clear empties it, a bad model does not crash."""
import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from engine.datasets import read_idx
from engine.datasets.images import mnist_style
from designer.data.digit_pad import DigitPad
from tests.conftest import shared_data_folder


def _stroke(canvas, points, steps=10):
    """Press, drag through the points, release — as a person draws. Points are given on a 280-px grid and
    scaled to the canvas' real size."""
    scale = canvas.width() / 280
    points = [(x * scale, y * scale) for x, y in points]
    QTest.mousePress(canvas, Qt.LeftButton, Qt.NoModifier, QPoint(int(points[0][0]), int(points[0][1])))
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        for t in np.linspace(0, 1, steps + 1)[1:]:
            QTest.mouseMove(canvas, QPoint(int(x0 + (x1 - x0) * t), int(y0 + (y1 - y0) * t)))
    QTest.mouseRelease(canvas, Qt.LeftButton, Qt.NoModifier, QPoint(int(points[-1][0]), int(points[-1][1])))


def _centre_of_mass(img):
    r = np.arange(img.shape[0])
    return (img.sum(1) @ r) / img.sum(), (img.sum(0) @ r) / img.sum()


@pytest.fixture
def pad(qtbot):
    calls = []

    def predict(image):
        calls.append(image)
        p = np.full(10, 0.01)
        p[1] = 0.91
        return p

    widget = DigitPad(predict)
    qtbot.addWidget(widget)
    widget.show()
    widget.calls = calls
    return widget


def test_a_drawn_stroke_becomes_a_centred_mnist_digit(qtbot, pad):
    with qtbot.waitSignal(pad.digit_changed) as signal:
        _stroke(pad.canvas, [(200, 40), (205, 140), (210, 240)])  # a "1" far right of centre
    digit = signal.args[0]
    assert digit.shape == (28, 28) and digit.dtype == np.float32 and digit.max() == pytest.approx(1.0)
    rows, cols = np.nonzero(digit > 0.05)
    assert rows.max() - rows.min() + 1 == 20  # the tall side fills MNIST's 20-pixel box
    com = _centre_of_mass(digit)
    assert abs(com[0] - 14) <= 0.6 and abs(com[1] - 14) <= 0.6
    np.testing.assert_array_equal(pad.digit(), digit)
    assert pad.calls and pad.calls[-1].shape == (28, 28)
    assert pad.bars.probabilities[1] == pytest.approx(0.91)
    assert "1" in pad.answer_label.text() and "91" in pad.answer_label.text()


def test_two_strokes_and_clear(qtbot, pad):
    _stroke(pad.canvas, [(80, 60), (200, 60), (120, 230)])
    _stroke(pad.canvas, [(100, 150), (180, 150)])
    assert pad.digit().sum() > 20
    with qtbot.waitSignal(pad.digit_changed) as signal:
        pad.clear_button.click()
    assert not signal.args[0].any() and not pad.canvas.to_array().any()
    assert not pad.bars.probabilities.any()


def test_a_click_makes_a_dot(qtbot, pad):
    QTest.mouseClick(pad.canvas, Qt.LeftButton, Qt.NoModifier, QPoint(50, 50))
    assert pad.canvas.to_array()[50, 50] == 1.0 and pad.digit().any()


def test_without_a_model_and_with_a_broken_one(qtbot):
    pad = DigitPad(None)
    qtbot.addWidget(pad)
    _stroke(pad.canvas, [(140, 40), (140, 240)])
    assert pad.digit().any() and "Train a model" in pad.answer_label.text()

    def broken(image):
        raise ValueError("expected shape (784,)")

    pad.set_predict(broken)
    assert "expected shape" in pad.answer_label.text()
    pad.set_predict(lambda img: np.array([[0.2, 0.8]]), class_names=["no", "sí"])
    assert pad.bars.class_names == ["no", "sí"] and "sí" in pad.answer_label.text()


def test_mnist_style_keeps_a_real_mnist_test_digit(qtbot):
    path = shared_data_folder() / "mnist" / "t10k-images-idx3-ubyte.gz"
    if not path.exists():
        pytest.skip("MNIST test images not in the shared data folder")
    digit = read_idx(path)[0].astype(np.float32) / 255  # a 7
    out = mnist_style(digit)
    assert np.abs(out - digit / digit.max()).max() < 1e-6
    # the same digit drawn big on the pad's canvas comes back nearly the same
    big = np.kron(digit, np.ones((10, 10), np.float32))
    again = mnist_style(big)
    assert np.abs(again - out).mean() < 0.03


def test_pad_renders(qtbot, pad, tmp_path):
    _stroke(pad.canvas, [(90, 70), (200, 70), (150, 160), (120, 240)])
    image = pad.grab()
    assert not image.isNull()
    image.save(str(tmp_path / "digit_pad.png"))
