"""The app started as a person starts it, in a real X window (Xvfb, the xcb platform plugin), with a
screenshot taken by the app itself. CI installs xvfb; without it these tests skip."""
import shutil

import pytest
from PySide6.QtGui import QImage

from tools.screenshots import take

pytestmark = pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run is not installed")


def distinct_colours(image: QImage, step: int = 7) -> int:
    return len({image.pixel(x, y) for x in range(0, image.width(), step) for y in range(0, image.height(), step)})


@pytest.mark.parametrize("template, language", [("mnist_cnn", "es"), ("playground", "en")])
def test_the_window_shows_palette_canvas_and_inspector(tmp_path, template, language):
    path = take(f"{template}.png", ["--template", template, "--language", language], tmp_path, timeout=180)
    image = QImage(str(path))
    assert not image.isNull()
    assert (image.width(), image.height()) == (1600, 1000)
    assert distinct_colours(image) > 50  # a drawn window, not a blank or black frame


def test_training_for_a_moment_under_xvfb(tmp_path):
    path = take("spiral.png", ["--template", "playground_spiral", "--train-seconds", "3", "--view", "neurons"],
                tmp_path, timeout=240)
    assert distinct_colours(QImage(str(path))) > 50
