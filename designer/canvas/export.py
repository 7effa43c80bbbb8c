"""Export the canvas as a picture: PNG (twice the screen resolution, for slides) or SVG (vector)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QGraphicsItem

from designer.i18n import tr

FORMATS = (".png", ".svg")
_MARGIN = 30.0


def export_image(scene, path, scale: float = 2.0) -> Path:
    """Write the whole network (not just the visible part) to ``path``; the suffix picks the format.

    Without grid and selection marks, on white. Raises ValueError for another suffix, OSError if the
    file cannot be written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(tr("Cannot export as '{suffix}': choose a file ending in .png or .svg.").format(
            suffix=suffix or path.name))
    source = scene.network_rect()
    source = source.adjusted(-_MARGIN, -_MARGIN, _MARGIN, _MARGIN) if not source.isNull() else QRectF(0, 0, 400, 300)
    items = scene.items()
    caches = [item.cacheMode() for item in items]
    scene.exporting = True
    for item in items:  # draw vectors, not the on-screen bitmaps (the SVG must stay sharp when scaled)
        item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
    try:
        if suffix == ".png":
            _write_png(scene, path, source, scale)
        else:
            _write_svg(scene, path, source)
    finally:
        for item, mode in zip(items, caches):
            item.setCacheMode(mode)
        scene.exporting = False
        scene.update()
    return path


def _write_png(scene, path: Path, source: QRectF, scale: float) -> None:
    size = QSize(max(1, round(source.width() * scale)), max(1, round(source.height() * scale)))
    image = QImage(size, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    scene.render(painter, QRectF(image.rect()), source)
    painter.end()
    if not image.save(str(path), "PNG"):
        raise OSError(tr("Could not write {path}.").format(path=path))


def _write_svg(scene, path: Path, source: QRectF) -> None:
    from PySide6.QtSvg import QSvgGenerator  # part of PySide6-Essentials

    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(QSize(round(source.width()), round(source.height())))
    generator.setViewBox(QRectF(0, 0, source.width(), source.height()))
    generator.setTitle(tr("Neural network"))
    generator.setDescription(tr("Exported from Neurotaller"))
    painter = QPainter(generator)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    scene.render(painter, QRectF(0, 0, source.width(), source.height()), source)
    if not painter.end():
        raise OSError(tr("Could not write {path}.").format(path=path))
