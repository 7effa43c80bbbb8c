"""The contract of every parameter editor, and the number box that int/float fields share.

An editor shows one value and reports what a person types as ``edited(value)`` (plain JSON data; None means
"the layer's default"). It never writes to the document: the form validates and pushes the command.

Two-way binding without echo loops: ``set_value`` (the model talking) never emits ``edited``, and when the
widgets already show that value it changes nothing, so the echo of a person's own edit does not move the cursor
or rewrite what they are typing.
"""
from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QAbstractSpinBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from designer.editors.values import default_value, format_number, parse_number, to_json
from designer.i18n import tr, tr_engine
from engine.layers.base import ParamSpec

_INVALID = object()  # what an editor "shows" while its text cannot be read as a value
ERROR_COLOR = "#c62828"
FIELD_WIDTH = (140, 230)  # min and max width of an input: one column of equal fields reads best
_INVALID_STYLE = f"border: 2px solid {ERROR_COLOR}; background: #fdecea;"


class ParamEditor(QWidget):
    """Base class: one ParamSpec's value in widgets, with a red message line under them for refusals."""

    edited = Signal(object)  # a valid new value typed or chosen by the person

    def __init__(self, spec: ParamSpec, parent=None):
        super().__init__(parent)
        self.spec = spec
        self._shown: Any = default_value(spec)
        self._model: Any = self._shown  # the value the document holds, as last told by set_value
        self._problem: str | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(2)
        self.row = QHBoxLayout()
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.setSpacing(6)
        outer.addLayout(self.row)
        self.problem_label = QLabel()
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet(f"color: {ERROR_COLOR};")
        self.problem_label.hide()
        outer.addWidget(self.problem_label)
        self.setToolTip(tr(spec.doc) if spec.doc else "")

    # -- the model side ------------------------------------------------------------------------------------
    def value(self) -> Any:
        """The value the widgets show (the last valid one while the text is being corrected)."""
        return None if self._shown is _INVALID else to_json(self._shown)

    def set_value(self, value: Any) -> None:
        """Show ``value`` from the model: no signal, and nothing changes if it is already shown."""
        value = to_json(value)
        self._model = value
        if self._shown is not _INVALID and value == self._shown:
            return
        self._shown = value
        self._render(value)
        self.set_problem(None)

    def revert_if_refused(self) -> None:
        """Leaving a field that still holds a refused entry puts back the value the layer really has."""
        if self._problem is not None:
            self._shown = self._model
            self._render(self._model)
            self.set_problem(None)

    @property
    def problem(self) -> str | None:
        return self._problem

    def set_problem(self, message: str | None) -> None:
        """Mark the input red with ``message`` (tooltip and the line under it); None clears it."""
        self._problem = message
        for widget in self._inputs():
            widget.setStyleSheet(_INVALID_STYLE if message else "")
            widget.setToolTip(message or (tr(self.spec.doc) if self.spec.doc else ""))
        self.problem_label.setText(message or "")
        self.problem_label.setVisible(bool(message))

    # -- for subclasses --------------------------------------------------------------------------------------
    def add_field(self, widget: QWidget) -> None:
        """Add the main input: as wide as the panel allows up to a limit, so fields line up in one column."""
        widget.setMinimumWidth(FIELD_WIDTH[0])
        widget.setMaximumWidth(FIELD_WIDTH[1])
        self.row.addWidget(widget, 10)
        self.row.addStretch(1)

    def _render(self, value: Any) -> None:
        """Put ``value`` into the widgets (called with signals of no consequence: nothing is emitted)."""
        raise NotImplementedError

    def _inputs(self) -> list[QWidget]:
        """The widgets to paint red on a problem."""
        return []

    def _commit(self, value: Any) -> None:
        """The person produced a valid ``value``: if it is new, clear the mark and report it."""
        value = to_json(value)
        if self._shown is not _INVALID and value == self._shown:
            return  # the same value again ("2" then "2,"): a refusal of it still stands
        self._shown = value
        self.set_problem(None)
        self.edited.emit(value)

    def _fail(self, message: str) -> None:
        self._shown = _INVALID
        self.set_problem(message)


class NumberBox(QAbstractSpinBox):
    """A spin box whose text is never blocked while typing (so a wrong entry can be explained, not eaten)
    and whose value may be empty; arrows, keys and the wheel report ``stepped(n)``."""

    stepped = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # no focus (and so no change) from a passing wheel
        self.setAccelerated(True)

    def validate(self, text, pos):  # noqa: D102 - Qt's name; every text is acceptable, the editor judges it
        return QValidator.State.Acceptable

    def stepEnabled(self):  # noqa: N802
        return QAbstractSpinBox.StepEnabledFlag.StepUpEnabled | QAbstractSpinBox.StepEnabledFlag.StepDownEnabled

    def stepBy(self, steps: int) -> None:  # noqa: N802
        self.stepped.emit(steps)

    def wheelEvent(self, event) -> None:  # noqa: N802
        if self.hasFocus():  # scrolling the inspector past a field must not change it
            super().wheelEvent(event)
        else:
            event.ignore()


class NumberEditor(ParamEditor):
    """int and float specs: typed text checked against the spec's range; a decimal comma works too."""

    def __init__(self, spec: ParamSpec, parent=None):
        super().__init__(spec, parent)
        self.box = NumberBox(self)
        self.add_field(self.box)
        if spec.optional:
            self.box.lineEdit().setPlaceholderText(tr("default"))
        self.box.lineEdit().textEdited.connect(self._on_text)
        self.box.stepped.connect(self._on_step)
        self.box.editingFinished.connect(self.revert_if_refused)

        self._render(self._shown)

    def text(self) -> str:
        return self.box.lineEdit().text()

    def _inputs(self):
        return [self.box.lineEdit()]  # styling the spin box itself would drop its native arrow buttons

    def _render(self, value):
        line = self.box.lineEdit()
        if line.text() != format_number(value):
            line.setText(format_number(value))

    def _parse(self, text: str):
        spec = self.spec
        return parse_number(text, spec.kind, spec.minimum, spec.maximum, spec.optional)

    def _on_text(self, text: str) -> None:
        try:
            value = self._parse(text)
        except ValueError as error:
            self._fail(tr_engine(str(error)))
            return
        self._commit(value)

    def _step_size(self, value: float, steps: int) -> float:
        if self.spec.kind == "int":
            return 1
        if not value:
            return 0.1
        # One unit of the leading digit (0.5 ± 0.1, 20 ± 10); going down from 1 steps by 0.1, not to 0.
        exponent = math.log10(abs(value))
        return 10.0 ** (math.floor(exponent) if steps > 0 else math.ceil(exponent) - 1)

    def _on_step(self, steps: int) -> None:
        current = self.value()
        if current is None:
            current = self.spec.default if self.spec.default is not None else (self.spec.minimum or 0)
        value = current + steps * self._step_size(current, steps)
        if self.spec.minimum is not None:
            value = max(value, self.spec.minimum)
        if self.spec.maximum is not None:
            value = min(value, self.spec.maximum)
        value = int(value) if self.spec.kind == "int" else round(float(value), 12)
        self._render(value)
        self._commit(value)
