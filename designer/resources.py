"""The one module that knows where the shipped resources live (icons, datasets, examples, translations)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PySide6.QtGui import QIcon

ROOT = Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    return ROOT.joinpath(*parts)


@lru_cache(maxsize=None)
def icon(name: str) -> QIcon:
    """An icon from resources/icons (``name`` without extension; SVG preferred); an empty icon if missing."""
    for suffix in (".svg", ".png"):
        path = resource_path("icons", name + suffix)
        if path.is_file():
            return QIcon(str(path))
    return QIcon()
