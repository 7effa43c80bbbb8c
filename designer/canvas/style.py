"""How the canvas looks: sizes, colours, fonts and the text shown on nodes and wires.

Chosen for a projector in a classroom: strong category colours in the node headers, dark text on white
bodies, fonts large enough to read from the back of the room at the zoom fit-to-view gives a slide network.
All geometry is in scene units (1 unit = 1 pixel at 100 % zoom).
"""
from __future__ import annotations

from functools import lru_cache

from PySide6.QtGui import QColor, QFont

from designer.i18n import tr

# -- geometry --------------------------------------------------------------------------------------------
NODE_WIDTH = 188.0
NODE_HEIGHT = 100.0
HEADER_HEIGHT = 30.0
CORNER_RADIUS = 9.0
PORT_RADIUS = 6.5
PORT_HIT_RADIUS = 13.0  # generous, so a wire is easy to drop with a touchpad or on a projector
PORT_SPACING = 22.0  # between input ports of a merge layer; the node grows when they do not fit
GRID = 20.0  # snap step; the drawn grid has minor lines every GRID and major lines every 5 GRID
COLUMN_GAP = 132.0  # room between auto-laid-out columns for the wire's shape label (pitch 320 = 16 GRID)
ROW_GAP = 44.0

# -- colours ---------------------------------------------------------------------------------------------
CATEGORY_COLOURS = {
    "Input/Output": "#00897B",
    "Dense": "#1E6FD9",
    "Convolution": "#8E24AA",
    "Pooling": "#0097A7",
    "Recurrent": "#E65100",
    "Merge": "#6D4C41",
    "Regularization": "#558B2F",
    "Activation": "#C2185B",
    "Reshape": "#546E7A",
}
UNKNOWN_COLOUR = "#757575"
BACKGROUND = QColor("#F4F6F9")
GRID_MINOR = QColor("#E9EDF2")
GRID_MAJOR = QColor("#D5DBE4")
BODY = QColor("#FFFFFF")
BODY_BORDER = QColor("#B8C1CC")
TEXT = QColor("#1F2933")
TEXT_SOFT = QColor("#52606D")
SHADOW = QColor(20, 30, 45, 38)
SELECTED = QColor("#FFB300")  # amber: visible on every category colour and on the projector
PROBLEM = QColor("#D32F2F")
WIRE = QColor("#5A6675")
WIRE_LABEL_BORDER = QColor("#C5CDD6")
COMPATIBLE = QColor("#2E7D32")
DIMMED_ALPHA = 70


@lru_cache(maxsize=None)
def category_colour(category: str) -> QColor:
    return QColor(CATEGORY_COLOURS.get(category, UNKNOWN_COLOUR))


# -- fonts -----------------------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def font(kind: str) -> QFont:
    """``title`` (node names), ``body`` (type, shape), ``small`` (parameter counts), ``label`` (wires)."""
    sizes = {"title": (14, QFont.Weight.Bold), "body": (12, QFont.Weight.Normal),
             "small": (11, QFont.Weight.Normal), "label": (12, QFont.Weight.DemiBold),
             "hint": (16, QFont.Weight.Normal)}
    size, weight = sizes[kind]
    result = QFont()
    result.setPixelSize(size)  # pixels, not points: scene units must not depend on the screen's DPI
    result.setWeight(weight)
    result.setHintingPreference(QFont.HintingPreference.PreferNoHinting)  # text keeps its size when zoomed
    return result


# -- text ------------------------------------------------------------------------------------------------
def format_shape(shape) -> str:
    """A tensor shape without the batch, as Keras prints it: (26, 26, 32); (8,) for a vector."""
    if shape is None:
        return "?"
    parts = ["None" if size is None else str(size) for size in shape]
    return "(" + parts[0] + ",)" if len(parts) == 1 else "(" + ", ".join(parts) + ")"


def format_count(count: int) -> str:
    """Digits grouped by threes with a space (692 352): reads the same in English and Spanish classrooms."""
    return f"{int(count):,}".replace(",", " ")


def params_text(count: int | None) -> str:
    if count is None:
        return tr("params: ?")
    return tr("{count} params").format(count=format_count(count))


_SUMMARY_KINDS = ("int", "float", "shape", "activation", "choice")
_SUMMARY_SKIP = {"strides", "dilation_rate", "padding", "data_format", "interpolation", "use_bias"}


def param_summary(layer_class, params: dict) -> str:
    """The few parameters that tell layers of one type apart (Dense 128, relu; Conv2D 32, 3×3)."""
    if layer_class is None:
        return ""
    parts = []
    for spec in layer_class.param_specs:
        if spec.kind not in _SUMMARY_KINDS or spec.name in _SUMMARY_SKIP:
            continue
        if spec.kind == "shape" and layer_class.category == "Input/Output":
            continue  # the Input's shape is its output shape, shown on the line below
        value = params.get(spec.name, spec.default)
        if value is None or (spec.kind == "activation" and value in ("linear", None)):
            continue
        if spec.kind == "choice" and value == spec.default:
            continue
        if spec.kind == "activation" and spec.name != "activation" and value == spec.default:
            continue  # an LSTM's recurrent_activation at its default says nothing
        parts.append(_short_value(value))
        if len(parts) == 3:
            break
    return ", ".join(parts)


def _short_value(value) -> str:
    if isinstance(value, (list, tuple)):
        return "×".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict):  # a serialised object (an activation or initializer with options)
        return str(value.get("class_name", value.get("name", "…")))
    return str(value)
