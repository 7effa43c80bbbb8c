"""Editors for a built-in data set's loader options, made from ``engine.datasets.describe(name)["options"]``:
spin boxes for numbers, check boxes for flags, one check box per Playground extra input, a folder picker."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QDoubleSpinBox, QFileDialog, QFormLayout, QHBoxLayout, QLineEdit,
                               QPushButton, QSizePolicy, QSpinBox, QWidget)

from engine.datasets.playground import EXTRA_FEATURES

from designer.i18n import tr
from designer.data.builtin_texts import OPTION_RANGES, extra_feature_labels, option_labels


class FolderEdit(QWidget):
    """A folder path (empty = the usual places) with a "Choose…" button."""

    changed = Signal()

    def __init__(self, value: str | None):
        super().__init__()
        self.edit = QLineEdit(value or "")
        self.edit.setPlaceholderText(tr("the usual places (Keras' data set folder)"))
        self.edit.editingFinished.connect(self.changed)
        button = QPushButton(tr("Choose…"))
        button.clicked.connect(self._choose)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(button)

    def _choose(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("Folder with the data files"), self.edit.text())
        if folder:
            self.set_value(folder)
            self.changed.emit()

    def value(self) -> str | None:
        return self.edit.text().strip() or None

    def set_value(self, value: str | None) -> None:
        self.edit.setText(value or "")


class ExtraFeatures(QWidget):
    """One check box per extra input (X1², X2², X1·X2, sin X1, sin X2), toggled one by one."""

    changed = Signal()

    def __init__(self, value):
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[str, QCheckBox] = {}
        for key, label in extra_feature_labels().items():
            box = QCheckBox(label)
            box.setChecked(key in (value or ()))
            box.toggled.connect(self.changed)
            layout.addWidget(box)
            self.boxes[key] = box
        layout.addStretch(1)

    def value(self) -> list[str]:
        return [k for k in EXTRA_FEATURES if self.boxes[k].isChecked()]

    def set_value(self, value) -> None:
        for key, box in self.boxes.items():
            box.setChecked(key in (value or ()))


class OptionEditors(QWidget):
    """A form with one editor per option; ``values()`` gives the options dict, ``changed`` fires on edits."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setFieldGrowthPolicy(QFormLayout.ExpandingFieldsGrow)  # spin boxes keep a sensible width
        self.form.setRowWrapPolicy(QFormLayout.WrapLongRows)  # in a narrow dock wide editors go under their label
        self.editors: dict[str, QWidget] = {}

    def set_options(self, options: dict) -> None:
        """Replace the editors by ones for ``options`` (name -> current value)."""
        while self.form.rowCount():
            self.form.removeRow(0)
        self.editors = {}
        labels = option_labels()
        for name, value in options.items():
            editor = self._editor(name, value)
            if editor is None:
                continue
            self.editors[name] = editor
            if isinstance(editor, QCheckBox):
                self.form.addRow("", editor)
            else:
                self.form.addRow(labels.get(name, name), editor)

    def _editor(self, name: str, value) -> QWidget | None:
        if name == "extra_features":
            editor = ExtraFeatures(value)
            editor.changed.connect(self.changed)
        elif name == "folder":
            editor = FolderEdit(value)
            editor.changed.connect(self.changed)
        elif isinstance(value, bool):
            editor = QCheckBox(option_labels().get(name, name))
            editor.setChecked(value)
            editor.toggled.connect(self.changed)
        elif isinstance(value, (int, float)):
            low, high, step = OPTION_RANGES.get(name, (-1e6, 1e6, 1))
            is_int = isinstance(value, int)
            editor = QSpinBox() if is_int else QDoubleSpinBox()
            if not is_int:
                editor.setDecimals(2)
            editor.setRange(int(low) if is_int else low, int(high) if is_int else high)
            editor.setSingleStep(step)
            editor.setValue(value)
            editor.setMinimumWidth(110)
            editor.valueChanged.connect(self.changed)
        else:
            return None  # an option with no editor keeps its default
        return editor

    def values(self) -> dict:
        out = {}
        for name, editor in self.editors.items():
            if isinstance(editor, (ExtraFeatures, FolderEdit)):
                out[name] = editor.value()
            elif isinstance(editor, QCheckBox):
                out[name] = editor.isChecked()
            else:
                out[name] = editor.value()
        return out

    def set_value(self, name: str, value) -> None:
        """Set one editor without announcing it (for loading a saved choice)."""
        editor = self.editors.get(name)
        if editor is None:
            return
        editor.blockSignals(True)
        if isinstance(editor, (ExtraFeatures, FolderEdit)):
            for box in getattr(editor, "boxes", {}).values():
                box.blockSignals(True)
            editor.set_value(value)
            for box in getattr(editor, "boxes", {}).values():
                box.blockSignals(False)
        elif isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        else:
            editor.setValue(value)
        editor.blockSignals(False)
