"""Which nodes are selected: shared by the canvas, the neuron view, the inspector and the training panel.

Not part of the document (selecting is not an edit and is never undone)."""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class Selection(QObject):
    changed = Signal(list)
    neuron_changed = Signal(object)  # (node id, unit) or None

    def __init__(self, parent=None):
        super().__init__(parent)
        self.ids: list[str] = []
        self.neuron: tuple[str, int] | None = None  # (node id, unit index) picked in the neuron view

    def set(self, ids) -> None:
        ids = list(dict.fromkeys(ids))
        if ids != self.ids:
            self.ids = ids
            if self.neuron and self.neuron[0] not in ids:
                self.neuron = None
                self.neuron_changed.emit(None)
            self.changed.emit(list(ids))

    def set_neuron(self, node_id: str, unit: int) -> None:
        """A neuron picked in the neuron view; its layer becomes the selected node."""
        self.neuron = (node_id, int(unit))
        if self.ids != [node_id]:
            self.set([node_id])
        self.neuron_changed.emit(self.neuron)

    def discard(self, node_id: str) -> None:
        if node_id in self.ids:
            self.set([i for i in self.ids if i != node_id])

    @property
    def current(self) -> str | None:
        """The node the inspector shows: the last one selected."""
        return self.ids[-1] if self.ids else None
