"""Edits the neuron view makes, all through undo commands: a weight or bias value, a neuron more or less, a
hidden layer more or less. Each user action is ONE undo step (several commands go in one macro).

Also the small inline editor that opens over a clicked line or bias.
"""
from __future__ import annotations

import math
from contextlib import contextmanager

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLineEdit

from designer import commands
from designer.i18n import tr
from designer.neuron_view import style
from designer.neuron_view.chain import DENSE, Column, DenseChain

DEFAULT_HIDDEN_UNITS = 4
DEFAULT_HIDDEN_ACTIVATION = "tanh"  # Playground's default


@contextmanager
def macro(document, text: str):
    """Commands pushed inside become one undo step; if one fails half way, the part done is undone."""
    stack = document.undo_stack
    stack.beginMacro(text)
    try:
        yield
    except Exception:
        stack.endMacro()
        stack.undo()
        raise
    stack.endMacro()


# -- values -------------------------------------------------------------------------------------------------
def edit_value(document, key: str, index: tuple, value: float, shown: dict[str, np.ndarray],
               starting: dict[str, np.ndarray]) -> None:
    """Set one weight or bias to ``value``.

    ``shown`` holds the arrays the view draws (they fit the current shapes). When the document has no such
    array yet (an untrained network) or one of another shape, the shown starting weights are first put into
    the document, so the edit lands on exactly what the student sees; one undo removes both.
    ``starting`` (the whole network's starting weights) fills every other missing entry at the same time.
    """
    current = document.weights.get(key)
    if current is not None and np.shape(current) == np.shape(shown[key]):
        document.push(commands.EditWeight(document, key, index, value))
        return
    filled = dict(document.weights)
    for name, array in {**starting, **shown}.items():
        if name not in filled or np.shape(filled[name]) != np.shape(array):
            filled[name] = array
    with macro(document, tr("Edit weight {key}").format(key=key)):
        document.push(commands.SetWeights(document, filled, tr("Start from the shown weights")))
        document.push(commands.EditWeight(document, key, index, value))


def parse_value(text: str) -> float | None:
    """A typed number (a decimal comma is accepted: Spanish keyboards); None when it is not a finite number."""
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


# -- neurons and layers ------------------------------------------------------------------------------------
def change_units(document, column: Column, delta: int) -> None:
    units = column.width + delta
    if column.layer_type != DENSE or units < 1:
        return
    document.push(commands.SetParam(document, column.node_id, "units", units))


def add_hidden_layer(document, chain: DenseChain) -> str | None:
    """Insert a Dense layer before the chain's last one (like the previous hidden layer); its node id."""
    last = chain.columns[-1]
    incoming = document.graph.incoming(last.node_id)
    if not last.is_dense or not incoming:
        return None
    edge = incoming[0]
    template = chain.hidden_columns[-1] if chain.hidden_columns else None
    params = {"units": template.width if template else DEFAULT_HIDDEN_UNITS,
              "activation": template.activation if template else DEFAULT_HIDDEN_ACTIVATION}
    source, target = document.graph.nodes[edge.source], document.graph.nodes[last.node_id]
    position = ((source.position[0] + target.position[0]) / 2, (source.position[1] + target.position[1]) / 2)
    with macro(document, tr("Add a hidden layer")):
        document.push(commands.Disconnect(document, edge))
        add = commands.AddNode(document, DENSE, params, position, connect_from=edge.source)
        document.push(add)
        document.push(commands.Connect(document, add.node_id, last.node_id, edge.target_port))
    return add.node_id


def remove_hidden_layer(document, chain: DenseChain) -> bool:
    """Remove the last hidden Dense layer (with its folded Activation/Dropout) and close the gap."""
    if not chain.hidden_columns:
        return False
    column = chain.hidden_columns[-1]
    graph = document.graph
    members = set(column.members)
    sources = graph.predecessors(column.node_id)
    leaving = [edge for member in column.members for edge in graph.outgoing(member) if edge.target not in members]
    with macro(document, tr("Remove a hidden layer")):
        document.push(commands.RemoveNodes(document, column.members))
        for edge in leaving if sources else []:
            if commands.connection_problem(document.graph, sources[0], edge.target, edge.target_port) is None:
                document.push(commands.Connect(document, sources[0], edge.target, edge.target_port))
    return True


# -- the inline editor -----------------------------------------------------------------------------------
class ValueEditor(QLineEdit):
    """A one-line number editor over the view: Enter commits, Escape or clicking elsewhere cancels."""

    committed = Signal(float)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.setFont(style.font(style.FONT_POINTS + 1))
        self.setFixedWidth(120)
        self.setToolTip(tr("Type a new value and press Enter; Escape cancels"))
        self.returnPressed.connect(self._commit)
        self.textEdited.connect(lambda _text: self._mark(True))
        self.hide()

    def open_at(self, x: int, y: int, value: float) -> None:
        """Show just above viewport point (x, y) (kept inside the viewport; the clicked line stays visible)
        holding ``value``, its text selected so typing replaces it."""
        parent = self.parentWidget()
        x, y = x - self.width() // 2, y - self.height() - 8
        if parent is not None:
            x = max(0, min(x, parent.width() - self.width()))
            y = max(0, min(y, parent.height() - self.height()))
        self.move(x, y)
        self.setText(f"{value:.6g}")
        self._mark(True)
        self.show()
        self.raise_()
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self.selectAll()

    def _mark(self, valid: bool) -> None:
        self.setStyleSheet("" if valid else "QLineEdit { border: 2px solid #d62728; }")

    def _commit(self) -> None:
        value = parse_value(self.text())
        if value is None:
            self._mark(False)  # keep the editor open: the student sees what to fix
            return
        self.hide()
        self.committed.emit(value)

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if event.key() == Qt.Key.Key_Escape:
            self.hide()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event) -> None:  # noqa: N802
        super().focusOutEvent(event)
        self.hide()
