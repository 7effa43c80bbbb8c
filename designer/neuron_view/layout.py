"""Places a dense chain in a scene, Playground-style: a column of neurons per layer, the weight lines between
them, each layer's +/- neuron buttons and size above it, and the +/- hidden layer bar on top.

Only builds items; the view keeps them and updates their values (weights, biases, pictures, highlights).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Protocol

import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtWidgets import QGraphicsScene

from designer.i18n import tr
from designer.neuron_view import style
from designer.neuron_view.bundle import WeightBundle
from designer.neuron_view.chain import Column, DenseChain
from designer.neuron_view.items import BiasItem, ButtonItem, ColumnBackdrop, NeuronItem, text_item

HEADER_COUNT_Y = -50.0  # offsets above the top of the tallest column
HEADER_NAME_Y = -30.0
HEADER_BUTTONS_Y = -80.0
LAYER_BAR_Y = -125.0


class Actions(Protocol):
    def change_units(self, column: int, delta: int) -> None: ...
    def add_layer(self) -> None: ...
    def remove_layer(self) -> None: ...


@dataclass
class ColumnView:
    """The items of one column. ``neurons[j]`` / ``biases[j]`` are neuron j's (biases empty without bias)."""

    column: Column
    x: float
    radius: float
    neurons: list[NeuronItem]
    biases: list[BiasItem]
    backdrop: ColumnBackdrop
    add_button: ButtonItem | None = None
    remove_button: ButtonItem | None = None

    @property
    def shown(self) -> int:
        return len(self.neurons)

    @property
    def hidden(self) -> int:
        """Neurons not drawn (layers wider than style.MAX_SHOWN_NEURONS)."""
        return self.column.width - self.shown


@dataclass
class SceneParts:
    columns: list[ColumnView] = field(default_factory=list)
    bundles: dict[int, WeightBundle] = field(default_factory=dict)  # by the index of the column fed
    add_layer_button: ButtonItem | None = None
    remove_layer_button: ButtonItem | None = None


def count_text(column: Column) -> str:
    if not column.is_dense:
        return tr("{count} inputs").format(count=column.width)
    return tr("1 neuron") if column.width == 1 else tr("{count} neurons").format(count=column.width)


def neuron_text(column: Column, unit: int) -> str:
    """How tooltips name neuron ``unit`` (0-based) of ``column``: counted from 1, as people count."""
    if not column.is_dense:
        return tr("input {unit} of {layer}").format(unit=unit + 1, layer=column.name)
    return tr("neuron {unit} of {layer}").format(unit=unit + 1, layer=column.name)


def build(scene: QGraphicsScene, chain: DenseChain, actions: Actions,
          describe_weight: Callable[[int, int, int, float], str]) -> SceneParts:
    """Add the chain's items to ``scene`` (assumed empty). ``describe_weight(column, i, j, value)``."""
    parts = SceneParts()
    geometry = [style.column_geometry(column.width) for column in chain.columns]
    top = -max(shown * spacing for shown, spacing, _ in geometry) / 2 - style.NEURON_RADIUS
    for index, (column, (shown, spacing, radius)) in enumerate(zip(chain.columns, geometry)):
        x = index * style.COLUMN_SPACING
        ys = (np.arange(shown) - (shown - 1) / 2) * spacing
        view = _build_column(scene, index, column, x, ys, radius, top)
        if column.is_dense and len(chain.columns) > 1:
            _add_unit_buttons(scene, view, index, actions, top)
        parts.columns.append(view)
        if index:
            parts.bundles[index] = _build_bundle(scene, index, parts.columns[index - 1], view, describe_weight)
    _add_layer_bar(scene, chain, parts, actions, top)
    return parts


def _build_column(scene, index: int, column: Column, x: float, ys: np.ndarray, radius: float,
                  top: float) -> ColumnView:
    neurons, biases = [], []
    bias_size = max(5.0, min(style.BIAS_SIZE, radius * 0.55))
    for unit, y in enumerate(ys):
        neuron = NeuronItem(index, unit, radius)
        neuron.setPos(x, y)
        tip = neuron_text(column, unit)
        if column.is_dense:
            tip += "\n" + tr("activation: {name}").format(name=column.activation)
        neuron.setToolTip(tip + "\n" + tr("Click to pick this neuron"))
        scene.addItem(neuron)
        neurons.append(neuron)
        if column.use_bias:
            bias = BiasItem(index, unit, column.bias_key, bias_size)
            bias.setPos(x - radius * 0.78, y + radius * 0.78)
            scene.addItem(bias)
            biases.append(bias)
        if not column.is_dense and len(ys) <= 16:
            scene.addItem(text_item(f"x{unit + 1}", style.FONT_POINTS - 1, color=style.MUTED_TEXT,
                                    center=QPointF(x - radius - 16, y)))
    bottom = (ys[-1] if len(ys) else 0.0) + radius
    hidden = column.width - len(ys)
    if hidden > 0:
        bottom += 22
        scene.addItem(text_item(tr("… +{count} more").format(count=hidden), bold=True, color=style.MUTED_TEXT,
                                center=QPointF(x, bottom - 8)))
    scene.addItem(text_item(count_text(column), bold=True, center=QPointF(x, top + HEADER_COUNT_Y)))
    details = [column.name] + ([column.activation] if column.is_dense else []) + list(column.notes)
    scene.addItem(text_item(" · ".join(details), style.FONT_POINTS - 1, color=style.MUTED_TEXT,
                            center=QPointF(x, top + HEADER_NAME_Y)))
    half_width = style.COLUMN_SPACING * 0.36
    backdrop = ColumnBackdrop(index, QRectF(x - half_width, top + HEADER_COUNT_Y - 16, 2 * half_width,
                                            bottom + 14 - (top + HEADER_COUNT_Y - 16)))
    backdrop.setToolTip(tr("{layer}: click to select this layer").format(layer=column.name))
    scene.addItem(backdrop)
    return ColumnView(column, x, radius, neurons, biases, backdrop)


def _add_unit_buttons(scene, view: ColumnView, index: int, actions: Actions, top: float) -> None:
    name = view.column.name
    view.add_button = ButtonItem("+", lambda: actions.change_units(index, +1),
                                 tr("Add a neuron to {layer}").format(layer=name))
    view.remove_button = ButtonItem("-", lambda: actions.change_units(index, -1),
                                    tr("Remove a neuron from {layer}").format(layer=name),
                                    enabled=view.column.width > 1)
    offset = style.BUTTON_RADIUS + 4
    for button, dx in ((view.add_button, -offset), (view.remove_button, offset)):
        button.setPos(view.x + dx, top + HEADER_BUTTONS_Y)
        scene.addItem(button)


def _add_layer_bar(scene, chain: DenseChain, parts: SceneParts, actions: Actions, top: float) -> None:
    """Playground's "+ − 2 HIDDEN LAYERS" over the middle of the network."""
    if len(chain.columns) < 2:
        return
    hidden = len(chain.hidden_columns)
    label = tr("1 hidden layer") if hidden == 1 else tr("{count} hidden layers").format(count=hidden)
    center_x = (parts.columns[0].x + parts.columns[-1].x) / 2
    y = top + LAYER_BAR_Y
    title = text_item(label.upper(), style.FONT_POINTS + 1, bold=True)
    width = title.boundingRect().width()
    buttons_width = 4 * style.BUTTON_RADIUS + 8
    left = center_x - (buttons_width + 14 + width) / 2
    parts.add_layer_button = ButtonItem("+", actions.add_layer, tr("Add a hidden layer"))
    parts.remove_layer_button = ButtonItem("-", actions.remove_layer, tr("Remove the last hidden layer"),
                                           enabled=hidden > 0)
    parts.add_layer_button.setPos(left + style.BUTTON_RADIUS, y)
    parts.remove_layer_button.setPos(left + 3 * style.BUTTON_RADIUS + 8, y)
    title.setPos(left + buttons_width + 14, y - title.boundingRect().height() / 2)
    for item in (parts.add_layer_button, parts.remove_layer_button, title):
        scene.addItem(item)


def _build_bundle(scene, index: int, left: ColumnView, right: ColumnView,
                  describe_weight: Callable[[int, int, int, float], str]) -> WeightBundle:
    starts = np.array([[left.x + left.radius, n.y()] for n in left.neurons])
    ends = np.array([[right.x - right.radius, n.y()] for n in right.neurons])
    crowding = min(left.radius, right.radius) / style.NEURON_RADIUS
    bundle = WeightBundle(index, right.column.kernel_key, starts, ends,
                          lambda i, j, value: describe_weight(index, i, j, value), width_factor=crowding ** 0.5)
    scene.addItem(bundle)
    return bundle
