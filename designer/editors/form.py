"""A form generated from a layer's ParamSpecs: one editor per parameter, chosen by its kind.

The form knows nothing about documents: ``set_values(params)`` shows a node's parameters and
``value_edited(name, value)`` reports a valid edit (after the ``validator`` had its say), which the inspector
turns into an undo command. How weights start, are penalised and are limited sits in a collapsible section:
a first look at a layer shows what a lesson talks about (units, activation, kernel size...).
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QToolButton, QWidget

from designer.editors.base import NumberEditor, ParamEditor
from designer.editors.objects import ConstraintEditor, InitializerEditor, LayerEditor, RegularizerEditor
from designer.editors.simple import ActivationEditor, BoolEditor, ChoiceEditor, LineEditor, ShapeEditor
from designer.editors.values import WEIGHT_KINDS, default_value, humanize, shape_rank, to_json
from designer.i18n import tr
from engine.layers.base import ParamSpec

EDITORS: dict[str, type[ParamEditor]] = {
    "int": NumberEditor, "float": NumberEditor, "bool": BoolEditor, "choice": ChoiceEditor, "str": LineEditor,
    "activation": ActivationEditor, "initializer": InitializerEditor, "regularizer": RegularizerEditor,
    "constraint": ConstraintEditor, "layer": LayerEditor,
}

#: validator(name, value) -> why the value is refused, or None.
Validator = Callable[[str, Any], "str | None"]


def make_editor(spec: ParamSpec, sibling_specs: Sequence[ParamSpec] = (), parent=None) -> ParamEditor:
    """The editor for ``spec``'s kind (a shape editor learns from its siblings how many axes a number means)."""
    if spec.kind == "shape":
        return ShapeEditor(spec, shape_rank(spec, sibling_specs), parent)
    try:
        return EDITORS[spec.kind](spec, parent)
    except KeyError:
        known = ", ".join(sorted([*EDITORS, "shape"]))
        raise ValueError(f"no editor for parameter kind {spec.kind!r} of {spec.name!r}; known kinds: "
                         f"{known}") from None


class ParamForm(QWidget):
    value_edited = Signal(str, object)  # parameter name, new valid value (None: the layer's default)

    weights_open = False  # shared by every form: once opened, the section stays open from layer to layer

    def __init__(self, specs: Sequence[ParamSpec], validator: Validator | None = None, parent=None):
        super().__init__(parent)
        self.specs = tuple(specs)
        self.validator = validator
        self.editors: dict[str, ParamEditor] = {}
        self.labels: dict[str, QLabel] = {}
        self._values: dict[str, Any] = {}
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setHorizontalSpacing(10)
        layout.setVerticalSpacing(8)
        layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        layout.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.rows = layout
        self.weight_names = [spec.name for spec in self.specs if spec.kind in WEIGHT_KINDS]
        for spec in self.specs:
            if spec.kind not in WEIGHT_KINDS:
                self._add_row(spec)
        # One layout for both parts, so the labels of the weight settings line up with the others.
        self.weights_toggle = QToolButton(self)
        self.weights_toggle.setText(tr("Weight settings: start, penalty, limit"))
        self.weights_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.weights_toggle.setCheckable(True)
        self.weights_toggle.setAutoRaise(True)
        self.weights_toggle.toggled.connect(self.show_weight_settings)
        layout.addRow(self.weights_toggle)
        layout.setRowVisible(self.weights_toggle, bool(self.weight_names))
        for spec in self.specs:
            if spec.kind in WEIGHT_KINDS:
                self._add_row(spec)
        self._set_weights_visible(ParamForm.weights_open and bool(self.weight_names))

    def _add_row(self, spec: ParamSpec) -> None:
        editor = make_editor(spec, self.specs, self)
        editor.edited.connect(lambda value, name=spec.name: self._on_edited(name, value))
        label = QLabel(tr(humanize(spec.name)), self)
        label.setToolTip(tr(spec.doc) if spec.doc else "")
        label.setBuddy(editor)
        self.rows.addRow(label, editor)
        self.editors[spec.name], self.labels[spec.name] = editor, label
        self._values[spec.name] = default_value(spec)

    # -- public --------------------------------------------------------------------------------------------
    def editor(self, name: str) -> ParamEditor:
        return self.editors[name]

    def set_values(self, params: dict) -> None:
        """Show ``params`` (a node's); parameters it does not set show their defaults. Only editors whose
        value changed are touched, and none of them reports it back."""
        for spec in self.specs:
            value = to_json(params[spec.name]) if spec.name in params else default_value(spec)
            if value != self._values[spec.name]:
                self._values[spec.name] = value
                editor = self.editors[spec.name]
                with QSignalBlocker(editor):
                    editor.set_value(value)

    def show_weight_settings(self, shown: bool) -> None:
        """Open or close the weight settings (as the toggle does; the next forms open alike)."""
        ParamForm.weights_open = bool(shown)
        self._set_weights_visible(shown)

    def _set_weights_visible(self, shown: bool) -> None:
        with QSignalBlocker(self.weights_toggle):
            self.weights_toggle.setChecked(shown)
        self.weights_toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        for name in self.weight_names:
            self.rows.setRowVisible(self.editors[name], shown)

    # -- edits ---------------------------------------------------------------------------------------------
    def _on_edited(self, name: str, value: Any) -> None:
        problem = self.validator(name, value) if self.validator else None
        if problem:
            self.editors[name].set_problem(problem)
            return
        self.value_edited.emit(name, value)
