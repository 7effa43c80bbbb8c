"""How the neuron view looks: TensorFlow Playground's colours, sizes readable on a projector, and the mapping
from a weight to a line colour and width.

Playground's convention: orange is negative, blue is positive, light grey is zero; a thicker line is a
larger magnitude. Magnitudes are measured against ``scale`` = max(1, largest |w| shown), so small starting
weights keep their true relative size and large trained ones still fit.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor, QFont, QImage

NEGATIVE = (245, 147, 34)
NEUTRAL = (232, 234, 235)
POSITIVE = (8, 119, 189)

BACKGROUND = QColor(255, 255, 255)
TEXT = QColor(40, 40, 40)
MUTED_TEXT = QColor(110, 110, 110)
NEURON_FILL = QColor(255, 255, 255)
NEURON_BORDER = QColor(150, 150, 150)
SELECTED = QColor(30, 30, 30)
COLUMN_HIGHLIGHT = QColor(8, 119, 189, 28)
COLUMN_HIGHLIGHT_BORDER = QColor(8, 119, 189, 120)
COLUMN_HOVER = QColor(0, 0, 0, 10)
BUTTON_FILL = QColor(255, 255, 255)
BUTTON_BORDER = QColor(160, 160, 160)
BUTTON_HOVER = QColor(226, 238, 247)

# Geometry in scene units (1 unit = 1 pixel at zoom 1).
NEURON_RADIUS = 20.0
NEURON_SPACING = 56.0
COLUMN_SPACING = 190.0
MAX_COLUMN_HEIGHT = 620.0  # tall columns shrink their neurons rather than growing past this
# Wider layers draw their first 32 neurons and say how many more there are: 32×32 lines still read as
# lines (64×64 is a wall) and stroke in ~30 ms.
MAX_SHOWN_NEURONS = 32
BIAS_SIZE = 9.0
BUTTON_RADIUS = 11.0
MIN_LINE_WIDTH = 0.6
MAX_LINE_WIDTH = 7.0
FONT_POINTS = 11


def font(points: int = FONT_POINTS, bold: bool = False) -> QFont:
    result = QFont()
    result.setPointSizeF(points)
    result.setBold(bold)
    return result


def magnitude_scale(*arrays) -> float:
    """The |w| drawn at full width: the largest finite magnitude shown, but never below 1."""
    largest = 0.0
    for array in arrays:
        if array is not None and np.size(array):
            finite = np.abs(np.asarray(array, dtype=np.float64))
            finite = finite[np.isfinite(finite)]
            if finite.size:
                largest = max(largest, float(finite.max()))
    return max(1.0, largest)


def weight_rgb(values, scale: float = 1.0) -> np.ndarray:
    """Orange for negative, blue for positive, fading towards grey as |value| shrinks (grey for 0 / NaN).

    Shapes: values (n,) -> (n, 3) uint8 RGB."""
    values = np.asarray(values, dtype=np.float64).ravel()
    strength = np.minimum(np.abs(np.nan_to_num(values, nan=0.0, posinf=np.inf, neginf=-np.inf)) / scale, 1.0)
    # Keep a quarter of the hue even for tiny weights so the sign always reads.
    mix = np.where(values == 0, 0.0, 0.25 + 0.75 * strength)
    mix = np.where(np.isnan(values), 0.0, mix)[:, np.newaxis]
    neutral = np.array(NEUTRAL, dtype=np.float64)
    end = np.where((values > 0)[:, np.newaxis], np.array(POSITIVE, float), np.array(NEGATIVE, float))
    return np.round(neutral + (end - neutral) * mix).astype(np.uint8)


def weight_widths(values, scale: float = 1.0) -> np.ndarray:
    """Line widths growing linearly with |value| up to ``scale`` (non-decreasing in |value|).

    Shapes: values (n,) -> (n,)."""
    values = np.asarray(values, dtype=np.float64).ravel()
    strength = np.minimum(np.abs(np.nan_to_num(values, nan=0.0, posinf=np.inf, neginf=-np.inf)) / scale, 1.0)
    return MIN_LINE_WIDTH + (MAX_LINE_WIDTH - MIN_LINE_WIDTH) * strength


def weight_color(value: float, scale: float = 1.0) -> QColor:
    """The colour of one weight (see :func:`weight_rgb`)."""
    return QColor(*(int(c) for c in weight_rgb([value], scale)[0]))


def weight_width(value: float, scale: float = 1.0) -> float:
    """The line width of one weight (see :func:`weight_widths`)."""
    return float(weight_widths([value], scale)[0])


def format_value(value: float) -> str:
    """A weight as people read it: 3 decimals, or scientific notation for very small or large numbers."""
    value = float(value)
    if not np.isfinite(value):
        return str(value)
    if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
        return f"{value:.3e}"
    return f"{value:.3f}"


def column_geometry(width: int) -> tuple[int, float, float]:
    """(neurons drawn, spacing, radius) for a layer of ``width`` neurons."""
    shown = min(width, MAX_SHOWN_NEURONS)
    spacing = min(NEURON_SPACING, MAX_COLUMN_HEIGHT / max(shown, 1))
    radius = min(NEURON_RADIUS, spacing * 0.38)
    return shown, spacing, radius


def heatmap_image(values) -> QImage:
    """A 2-D array as a Playground-coloured picture (orange < 0 < blue), first row at the BOTTOM.

    Shapes: values (rows, cols), rows following the vertical input feature from low to high (the
    engine.plane convention), so the image is flipped to put high values of that feature at the top.
    Values are scaled by max(1, max |v|): tanh outputs keep Playground's fixed [-1, 1] range.
    """
    helper = _plots_helper()
    if helper is not None:
        return helper(values)
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(f"a neuron picture must be a 2-D array (rows, columns); got shape {array.shape}")
    array = np.nan_to_num(array[::-1], nan=0.0, posinf=0.0, neginf=0.0)
    t = np.clip(array / magnitude_scale(array), -1.0, 1.0)[..., np.newaxis]
    neutral, positive, negative = (np.array(c, dtype=np.float64) for c in (NEUTRAL, POSITIVE, NEGATIVE))
    rgb = np.where(t >= 0, neutral + (positive - neutral) * t, neutral + (negative - neutral) * -t)
    pixels = np.ascontiguousarray(np.round(rgb).astype(np.uint8))
    height, width = pixels.shape[:2]
    return QImage(pixels.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


def _plots_helper():
    """The plots package's array -> QImage function when it exists (one colour map for the whole app)."""
    try:
        from designer.plots import boundary
    except ImportError:
        return None
    return getattr(boundary, "array_to_qimage", None)
