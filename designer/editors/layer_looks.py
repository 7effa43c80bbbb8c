"""How layer types look wherever they are listed: one colour per category and an icon per layer.

The colours are the canvas's node-header colours (``designer.canvas.style.CATEGORY_COLOURS``) and the SVG icons in
resources/icons are drawn in them, so a layer looks the same in the palette, the inspector and on the canvas.
"""
from __future__ import annotations

from PySide6.QtGui import QIcon

from designer.resources import icon
from engine.layers.registry import UnknownLayerError, layer_class

CATEGORY_COLORS = {
    "Input/Output": "#00897B", "Dense": "#1E6FD9", "Convolution": "#8E24AA", "Pooling": "#0097A7",
    "Recurrent": "#E65100", "Merge": "#6D4C41", "Regularization": "#558B2F", "Activation": "#C2185B",
    "Reshape": "#546E7A",
}
OTHER_COLOR = "#757575"


def category_color(category: str) -> str:
    return CATEGORY_COLORS.get(category, OTHER_COLOR)


def category_slug(category: str) -> str:
    """``Input/Output`` → ``input_output`` (icon file names)."""
    return "".join(ch if ch.isalnum() else "_" for ch in category.lower())


def category_icon(category: str) -> QIcon:
    return icon("category_" + category_slug(category))


def layer_icon(layer_type: str) -> QIcon:
    """The layer's own icon, else its category's (a layer added to the engine later still gets one)."""
    try:
        cls = layer_class(layer_type)
    except UnknownLayerError:
        return QIcon()
    own = icon(cls.icon)
    return own if not own.isNull() else category_icon(cls.category)
