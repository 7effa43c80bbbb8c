"""Export the canvas as PNG and SVG: both files must be valid pictures of the whole network."""
import xml.etree.ElementTree as ElementTree

import pytest
from PySide6.QtGui import QImage

from tests.designer.conftest import build_chain
from tests.designer.test_canvas_support import canvas_fixture  # noqa: F401


def test_png_export_is_a_valid_image_of_the_whole_network(canvas, document, tmp_path):
    build_chain(document, ("Input", {"shape": [16]}), ("Dense", {"units": 8}), ("Dense", {"units": 2}))
    document.analyze_now()
    canvas.selection.set(list(document.graph.nodes))
    path = tmp_path / "net.png"
    canvas.export_image(path)
    image = QImage(str(path))
    assert not image.isNull()
    network = canvas.scene().network_rect()
    assert image.width() >= 2 * network.width() and image.height() >= 2 * network.height()  # twice the resolution
    assert image.pixelColor(2, 2).name() == "#ffffff"  # white, no grid
    assert len({image.pixel(x, image.height() // 2) for x in range(0, image.width(), 7)}) > 5  # something drawn
    assert not canvas.scene().exporting
    assert all(item.cacheMode() != item.CacheMode.NoCache for item in canvas.scene().nodes.values())


def test_svg_export_is_valid_vector_xml(canvas, document, tmp_path):
    from PySide6.QtSvg import QSvgRenderer

    build_chain(document, ("Input", {"shape": [28, 28, 1]}), ("Conv2D", {"filters": 32, "kernel_size": [3, 3]}))
    document.analyze_now()
    path = tmp_path / "net.svg"
    canvas.export_image(path)
    root = ElementTree.parse(path).getroot()
    assert root.tag.endswith("svg")
    text = path.read_text(encoding="utf-8")
    assert "conv2d" in text and "320 params" in text and "(26, 26, 32)" in text  # text stays text
    assert "<image" not in text  # vectors, not the on-screen bitmaps
    renderer = QSvgRenderer(str(path))
    assert renderer.isValid() and renderer.defaultSize().width() > 300


def test_other_formats_are_refused_with_the_valid_choices(canvas, tmp_path):
    with pytest.raises(ValueError, match=r"\.png or \.svg"):
        canvas.export_image(tmp_path / "net.jpg")
