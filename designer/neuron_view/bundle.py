"""All the weight lines between two columns, drawn by one scene item.

One item per layer instead of one per weight: a 32×32 layer is 1024 lines, which as separate items would cost
memory and time to create on every edit. Magnitudes are quantised into a few dozen pens (finer than the eye
tells apart), so new weights (a training snapshot, an edit) only regroup the lines. Stroking antialiased
curves is what costs (about 30 µs a line), so the item caches its picture (DeviceCoordinateCache) and the
hovered line is drawn by a separate overlay item: moving the pointer never repaints the bundle.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem

from designer.neuron_view import style
from designer.neuron_view.items import Z_LINES

SAMPLES = 16  # points per curve for hit testing: segments of a few pixels follow the curve closely
HIT_PIXELS = 6.0  # how close (on screen) the pointer must be to a line to pick it
LEVELS = 32  # magnitude steps per sign
HOVER_COLOR = QColor(30, 30, 30)


def _curve_points(start: np.ndarray, end: np.ndarray, fractions) -> np.ndarray:
    """Points along Playground's S-shaped link (horizontal tangents at both ends), at the given fractions
    of the way (0 = start, 1 = end).

    Shapes: start, end (L, 2), fractions (T,) -> (L, T, 2)."""
    t = np.asarray(fractions, dtype=np.float64)[np.newaxis, :, np.newaxis]
    middle_x = (start[:, 0] + end[:, 0]) / 2
    c1 = np.stack([middle_x, start[:, 1]], axis=1)[:, np.newaxis]
    c2 = np.stack([middle_x, end[:, 1]], axis=1)[:, np.newaxis]
    p0, p3 = start[:, np.newaxis], end[:, np.newaxis]
    return (1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * c1 + 3 * (1 - t) * t ** 2 * c2 + t ** 3 * p3


def _curve_path(x0: float, y0: float, x1: float, y1: float) -> QPainterPath:
    """The same curve as :func:`_curve_points`, as Qt draws it (exact cubic, not the samples)."""
    path = QPainterPath(QPointF(x0, y0))
    middle = (x0 + x1) / 2
    path.cubicTo(QPointF(middle, y0), QPointF(middle, y1), QPointF(x1, y1))
    return path


def _pen(color: QColor, width: float) -> QPen:
    return QPen(color, float(width), Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)


def quantise(values: np.ndarray, scale: float) -> np.ndarray:
    """Pen group of each weight: 0 for zero / NaN, ±(1..LEVELS) by sign and magnitude (non-decreasing in |w|).

    Shapes: values (n,) -> (n,) int."""
    strength = np.minimum(np.abs(np.nan_to_num(values, nan=0.0)) / scale, 1.0)
    level = 1 + np.minimum((strength * LEVELS).astype(int), LEVELS - 1)
    return np.where((values == 0) | np.isnan(values), 0, np.sign(values).astype(int) * level)


def _group_value(group, scale: float):
    """A weight that looks like every member of ``group`` (the middle of its magnitude step); arrays too."""
    group = np.asarray(group)
    return np.where(group == 0, 0.0, np.sign(group) * (np.abs(group) - 0.5) / LEVELS * scale)


class WeightBundle(QGraphicsItem):
    """The lines feeding Dense column ``column``: line (i, j) joins neuron i on the left to neuron j.

    ``starts`` (n_in, 2) and ``ends`` (n_out, 2) are the scene points where lines leave and arrive;
    ``describe(i, j, value)`` gives the tooltip text; ``width_factor`` < 1 thins the lines between crowded
    columns, where full-width lines would merge into a wall.
    """

    def __init__(self, column: int, key: str, starts: np.ndarray, ends: np.ndarray,
                 describe: Callable[[int, int, float], str], width_factor: float = 1.0):
        super().__init__()
        self.column = column
        self.key = key
        self.describe = describe
        self.width_factor = width_factor
        self.n_in, self.n_out = len(starts), len(ends)
        start = np.repeat(np.asarray(starts, dtype=np.float64).reshape(-1, 2), self.n_out, axis=0)
        end = np.tile(np.asarray(ends, dtype=np.float64).reshape(-1, 2), (self.n_in, 1))
        self._samples = _curve_points(start, end, np.linspace(0.0, 1.0, SAMPLES))
        self._paths = [_curve_path(x0, y0, x1, y1) for (x0, y0), (x1, y1) in zip(start, end)]
        points = self._samples.reshape(-1, 2) if self.line_count else np.zeros((1, 2))
        low, high = points.min(axis=0), points.max(axis=0)
        pad = style.MAX_LINE_WIDTH + 3
        self._bounds = QRectF(low[0] - pad, low[1] - pad, high[0] - low[0] + 2 * pad, high[1] - low[1] + 2 * pad)
        self.values: np.ndarray | None = None
        self.scale = 1.0
        self.groups = np.zeros(self.line_count, dtype=int)
        self._order = np.arange(self.line_count)
        self._pens: dict[int, QPen] = {}
        self.hovered: int | None = None
        self._outline = self._overlay()
        self._highlight = self._overlay()
        self.setZValue(Z_LINES)
        self.setAcceptHoverEvents(True)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.set_values(None)

    def _overlay(self) -> QGraphicsPathItem:
        item = QGraphicsPathItem(self)
        item.setAcceptHoverEvents(False)
        item.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        item.hide()
        return item

    @property
    def line_count(self) -> int:
        return self.n_in * self.n_out

    # -- values ------------------------------------------------------------------------------------------
    def set_values(self, values: np.ndarray | None, scale: float = 1.0) -> None:
        """New weights for the drawn lines (shape (n_in, n_out)), or None for neutral grey lines."""
        if values is not None:
            values = np.asarray(values, dtype=np.float64)
            if values.shape != (self.n_in, self.n_out):
                raise ValueError(f"expected weights shaped {(self.n_in, self.n_out)}; got {values.shape}")
            groups = quantise(values.ravel(), scale)
        else:
            groups = np.zeros(self.line_count, dtype=int)
        unchanged = np.array_equal(groups, self.groups) and scale == self.scale and bool(self._pens)
        self.values, self.scale, self.groups = values, scale, groups
        if self.hovered is not None:
            self._show_hover()
        if unchanged:
            return  # the picture is the same: keep the cached one
        # Thin lines first: the strong weights, the ones worth seeing, end up on top.
        self._order = np.lexsort((groups, np.abs(groups)))
        present = np.unique(groups)
        colors = style.weight_rgb(_group_value(present, scale), scale)
        self._pens = {int(group): _pen(QColor(*map(int, rgb)), width)
                      for group, rgb, width in zip(present, colors, self._group_width(present))}
        self.update()

    def _group_color(self, group) -> QColor:
        return style.weight_color(float(_group_value(group, self.scale)), self.scale)

    def _group_width(self, group):
        widths = style.weight_widths(_group_value(group, self.scale), self.scale)
        widths = style.MIN_LINE_WIDTH + (widths - style.MIN_LINE_WIDTH) * self.width_factor
        return widths if np.ndim(group) else float(widths[0])

    def line_widths(self) -> np.ndarray:
        """Every line's drawn width, line (i, j) at i * n_out + j. Shapes: (n_in * n_out,)."""
        return self._group_width(self.groups)

    def value(self, i: int, j: int) -> float | None:
        return None if self.values is None else float(self.values[i, j])

    def color_of(self, i: int, j: int) -> QColor:
        return self._group_color(self.groups[i * self.n_out + j])

    def width_of(self, i: int, j: int) -> float:
        return self._group_width(self.groups[i * self.n_out + j])

    def line_point(self, i: int, j: int, fraction: float = 0.5) -> QPointF:
        """The scene point ``fraction`` of the way along line (i, j) (where to point at it)."""
        line = self._samples[i * self.n_out + j]
        x, y = _curve_points(line[:1], line[-1:], [fraction])[0, 0]
        return self.mapToScene(QPointF(x, y))

    # -- picking -----------------------------------------------------------------------------------------
    def line_at(self, point: QPointF, tolerance: float) -> tuple[int, int] | None:
        """The line (i, j) nearest to ``point`` (item coordinates) within ``tolerance`` plus its half width."""
        if not self.line_count:
            return None
        p = np.array([point.x(), point.y()])
        a, b = self._samples[:, :-1], self._samples[:, 1:]
        ab = b - a
        length2 = np.maximum((ab ** 2).sum(axis=2), 1e-12)
        t = np.clip(((p - a) * ab).sum(axis=2) / length2, 0.0, 1.0)
        distance = np.sqrt((((a + t[..., np.newaxis] * ab) - p) ** 2).sum(axis=2)).min(axis=1)
        reach = distance - self.line_widths() / 2
        best = int(np.argmin(reach))
        if reach[best] > tolerance:
            return None
        return divmod(best, self.n_out)

    def _tolerance(self) -> float:
        views = self.scene().views() if self.scene() is not None else []
        zoom = views[0].transform().m11() if views else 1.0
        return HIT_PIXELS / max(zoom, 1e-6)

    def hoverMoveEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        line = self.line_at(event.pos(), self._tolerance())
        index = None if line is None else line[0] * self.n_out + line[1]
        if index != self.hovered:
            self.hovered = index
            if index is None:
                self.unsetCursor()  # the view's own (panning hand) cursor between lines
            else:
                self.setCursor(Qt.CursorShape.PointingHandCursor)
            self._show_hover()

    hoverEnterEvent = hoverMoveEvent  # noqa: N815 - entering on a line must show it too

    def hoverLeaveEvent(self, event) -> None:  # noqa: N802
        self.hovered = None
        self._show_hover()

    def _show_hover(self) -> None:
        """Tooltip and overlay for the hovered line: a dark outline under the line's own colour."""
        if self.hovered is None:
            self.setToolTip("")
            self._outline.hide()
            self._highlight.hide()
            return
        i, j = divmod(self.hovered, self.n_out)
        value = self.value(i, j)
        self.setToolTip(self.describe(i, j, float("nan") if value is None else value))
        width = self.width_of(i, j)
        for item, pen in ((self._outline, _pen(HOVER_COLOR, width + 3)),
                          (self._highlight, _pen(self.color_of(i, j), width))):
            item.setPath(self._paths[self.hovered])
            item.setPen(pen)
            item.show()

    # -- drawing -----------------------------------------------------------------------------------------
    def boundingRect(self) -> QRectF:  # noqa: N802
        return self._bounds

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        current = None
        for index in self._order:
            group = int(self.groups[index])
            if group != current:  # lines are sorted by group: one pen change per group
                painter.setPen(self._pens[group])
                current = group
            painter.drawPath(self._paths[index])
