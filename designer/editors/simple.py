"""Editors of single values: check box, choice list, shape and text fields, and the activation chooser with
its plot of f and f′."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QSizePolicy

from designer.editors.base import ParamEditor
from designer.editors.values import format_shape, parse_shape
from designer.i18n import tr, tr_engine
from engine import activations
from engine.layers.base import ParamSpec


PREVIEW_SIZE = QSize(200, 104)
PREVIEW_MIN_SIZE = QSize(140, 104)


class BoolEditor(ParamEditor):
    def __init__(self, spec: ParamSpec, parent=None):
        super().__init__(spec, parent)
        self.check = QCheckBox(self)
        self.check.clicked.connect(self._commit)  # clicked: only the person, never setChecked
        self.row.addWidget(self.check)
        self.row.addStretch(1)
        self._render(self._shown)

    def _inputs(self):
        return [self.check]

    def _render(self, value):
        self.check.setChecked(bool(value))


class ComboEditor(ParamEditor):
    """A fixed list of (label, value) entries; values are kept in Python (a combo's item data would turn
    dicts and lists into Qt types)."""

    def __init__(self, spec: ParamSpec, entries: list[tuple[str, Any]], parent=None):
        super().__init__(spec, parent)
        self.combo = QComboBox(self)
        self.entries: list[tuple[str, Any]] = []
        for label, value in entries:
            self._add_entry(label, value)
        self.combo.activated.connect(self._on_activated)  # activated: only the person, never setCurrentIndex
        self.add_field(self.combo)

    def _add_entry(self, label: str, value: Any) -> None:
        self.entries.append((label, value))
        self.combo.addItem(label)

    def _inputs(self):
        return [self.combo]

    def index_of(self, value: Any) -> int:
        for index, (_, entry) in enumerate(self.entries):
            if entry == value:
                return index
        return -1

    def _render(self, value):
        index = self.index_of(value)
        if index < 0:  # a value from a file or a script that the list does not offer: show it as it is
            self._add_entry(str(value), value)
            index = len(self.entries) - 1
        self.combo.setCurrentIndex(index)

    def _on_activated(self, index: int) -> None:
        self._commit(self.entries[index][1])

    def choose(self, value: Any) -> None:
        """Pick ``value`` as a person would (tests, keyboard shortcuts)."""
        self.combo.setCurrentIndex(self.index_of(value))
        self.combo.activated.emit(self.combo.currentIndex())


class ChoiceEditor(ComboEditor):
    def __init__(self, spec: ParamSpec, parent=None):
        entries = [(tr("default"), None)] if spec.optional else []
        entries += [(str(choice), choice) for choice in spec.choices]
        super().__init__(spec, entries, parent)
        self._render(self._shown)


class LineEditor(ParamEditor):
    """A text field read by ``parse`` on every keystroke."""

    def __init__(self, spec: ParamSpec, parent=None):
        super().__init__(spec, parent)
        self.line = QLineEdit(self)
        self.line.setPlaceholderText(tr("default") if spec.optional else self.example())
        self.line.textEdited.connect(self._on_text)  # textEdited: only the person, never setText
        self.line.editingFinished.connect(self.revert_if_refused)
        self.add_field(self.line)
        self._render(self._shown)

    def _inputs(self):
        return [self.line]

    def text(self) -> str:
        return self.line.text()

    def example(self) -> str:
        """Grey text in the empty field showing what to type."""
        return ""

    def parse(self, text: str) -> Any:
        return text if text or not self.spec.optional else None

    def format(self, value: Any) -> str:
        return "" if value is None else str(value)

    def _render(self, value):
        if self.line.text() != self.format(value):
            self.line.setText(self.format(value))

    def _on_text(self, text: str) -> None:
        try:
            value = self.parse(text)
        except ValueError as error:
            self._fail(tr_engine(str(error)))
            return
        self._commit(value)


class ShapeEditor(LineEditor):
    """Comma-separated sizes: ``28, 28, 1``. A single number stands for every axis, as in Keras."""

    def __init__(self, spec: ParamSpec, rank: int | None = None, parent=None):
        super().__init__(spec, parent)
        self.rank = rank

    @property
    def nested(self) -> bool:
        """Pairs per axis, like ZeroPadding2D's ((top, bottom), (left, right))."""
        default = self.spec.default
        return isinstance(default, (list, tuple)) and any(isinstance(item, (list, tuple)) for item in default)

    def example(self) -> str:
        return "(1, 1), (2, 2)" if self.nested else "28, 28, 1"

    def parse(self, text: str) -> Any:
        return parse_shape(text, self.spec.optional, self.rank, self.nested)

    def format(self, value: Any) -> str:
        return format_shape(value)


class ActivationEditor(ComboEditor):
    """The activation's name, with a small plot of f and f′ beside it."""

    def __init__(self, spec: ParamSpec, parent=None):
        names = list(activations.ACTIVATION_NAMES)
        entries = [(name, name) for name in names]
        if spec.optional:  # None is the linear identity: offer it once, under a name that says so
            entries = [(tr("none (linear)"), None)] + [entry for entry in entries if entry[1] != "linear"]
        super().__init__(spec, entries, parent)
        self.preview = make_activation_preview(self)
        self.preview.setMinimumSize(PREVIEW_MIN_SIZE)  # narrows with the side panel instead of being cut
        self.preview.setMaximumSize(PREVIEW_SIZE)
        self.preview.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.layout().insertWidget(1, self.preview)  # under the list: the side panel is narrow
        self._render(self._shown)

    def _render(self, value):
        if isinstance(value, str):
            try:
                value = activations.canonical_name(value)
            except ValueError:
                pass
            if value == "linear" and self.spec.optional:
                value = None
        super()._render(value)
        self._show_curve(value)

    def _on_activated(self, index: int) -> None:
        self._show_curve(self.entries[index][1])
        super()._on_activated(index)

    def _show_curve(self, name) -> None:
        try:
            self.preview.set_activation(name or "linear")
        except ValueError:  # a name from a file that the engine does not know: the layer reports it
            self.preview.set_activation("linear")


def make_activation_preview(parent=None):
    """The shared activation plot when the plots package has one; otherwise our small QPainter sketch."""
    try:
        from designer.plots.activation import ActivationPreview
    except ImportError:
        from designer.editors.sketch import ActivationSketch as ActivationPreview
    return ActivationPreview(parent)
