"""The inspector: the selected layer's name, type, output shape, parameter count, problems and settings.

The settings form is generated from the layer's ParamSpecs (``designer.editors``). Every valid edit becomes a
``SetParam`` command (typing into one field merges into one undo step); refused input stays red with the
reason and is not pushed. The document is the only truth: undo, redo or an edit elsewhere updates the fields
without echoing a command back and without disturbing a field the person is typing in.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QAbstractSpinBox, QApplication, QFormLayout,
                               QFrame, QHBoxLayout, QLabel, QLineEdit, QScrollArea, QStackedWidget,
                               QVBoxLayout, QWidget)

from designer import commands
from designer.editors import ParamEditor, ParamForm, layer_problem
from designer.editors.base import ERROR_COLOR
from designer.editors.layer_looks import OTHER_COLOR, category_color, layer_icon
from designer.i18n import tr
from engine.layers.registry import UnknownLayerError, layer_class

_INVALID_STYLE = f"border: 2px solid {ERROR_COLOR}; background: #fdecea;"


def format_shape(shape) -> str:
    """A sample's shape for people: ``26 × 26 × 32`` (the batch is left out, unknown sizes are ``?``)."""
    if shape is None:
        return "—"
    return " × ".join("?" if size is None else str(size) for size in shape) or tr("a single number")


def format_count(count: int | None) -> str:
    """``693962`` → ``693 962`` (thin spaces read well in English and Spanish)."""
    return "—" if count is None else f"{count:,}".replace(",", "\u202f")


def _label(text: str = "", bold: bool = False, points_delta: float = 0.0, base: QFont | None = None) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if bold or points_delta:
        font = QFont(base or label.font())
        font.setBold(bold)
        font.setPointSizeF(font.pointSizeF() + points_delta)
        label.setFont(font)
    return label


class Inspector(QWidget):
    def __init__(self, document, selection, parent=None):
        super().__init__(parent)
        # Keystrokes in one field merge into one undo step; a combo pick or a new visit to a field does not.
        self._typing: tuple | None = None
        QApplication.instance().focusChanged.connect(self._on_focus_changed)
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() + 1)  # read from the back of a classroom
        self.setFont(font)
        self.document = document
        self.selection = selection
        self.node_id: str | None = None
        self.shown_type: str | None = None
        self.form: ParamForm | None = None
        self.stack = QStackedWidget(self)
        self.message = _label()
        self.message.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.message.setStyleSheet("color: #606060; padding: 16px;")
        self.stack.addWidget(self.message)
        self.stack.addWidget(self._build_node_page())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        selection.changed.connect(self._on_selection_changed)
        document.node_changed.connect(self._on_node_changed)
        document.node_removed.connect(self._on_node_removed)
        document.graph_replaced.connect(self._show_selection)
        document.analysis_changed.connect(self._show_analysis)
        self._show_selection()

    def _build_node_page(self) -> QWidget:
        page = QWidget()
        self.icon_label = QLabel()
        self.type_label = _label(bold=True, points_delta=3, base=self.font())
        self.description_label = _label()
        self.description_label.setStyleSheet("color: #505050;")
        self.name_edit = QLineEdit()
        self.name_edit.textEdited.connect(self._check_name)
        self.name_edit.editingFinished.connect(self._commit_name)
        self.name_problem = _label()
        self.name_problem.setStyleSheet(f"color: {ERROR_COLOR};")
        self.name_problem.hide()
        self.shape_label = _label(bold=True, base=self.font())
        self.count_label = _label(bold=True, base=self.font())
        self.problems_label = _label()
        self.problems_label.setStyleSheet(f"color: {ERROR_COLOR}; background: #fdecea; border-radius: 4px; "
                                          "padding: 6px;")
        self.problems_label.hide()
        title = QHBoxLayout()
        title.addWidget(self.icon_label, 0, Qt.AlignmentFlag.AlignTop)
        title.addWidget(self.type_label, 1)
        facts = QFormLayout()
        facts.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        name_box = QVBoxLayout()
        name_box.setSpacing(2)
        name_box.addWidget(self.name_edit)
        name_box.addWidget(self.name_problem)
        facts.addRow(tr("Name"), name_box)
        facts.addRow(tr("Output shape"), self.shape_label)
        facts.addRow(tr("Parameters"), self.count_label)
        rule = QFrame()
        rule.setFrameShape(QFrame.Shape.HLine)
        rule.setStyleSheet("color: #d0d0d0;")
        self.settings_title = _label(tr("Settings"), bold=True, points_delta=1, base=self.font())
        self.form_holder = QVBoxLayout()
        self.form_holder.setContentsMargins(0, 0, 0, 0)
        column = QVBoxLayout(page)
        column.setContentsMargins(10, 10, 10, 10)
        column.setSpacing(8)
        column.addLayout(title)
        column.addWidget(self.description_label)
        column.addLayout(facts)
        column.addWidget(self.problems_label)
        column.addWidget(rule)
        column.addWidget(self.settings_title)
        column.addLayout(self.form_holder)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(page)
        return scroll

    # -- public --------------------------------------------------------------------------------------------
    def editor(self, name: str) -> ParamEditor:
        """The editor of parameter ``name`` of the shown layer (KeyError if it has none)."""
        if self.form is None:
            raise KeyError(name)
        return self.form.editor(name)

    # -- what is shown -------------------------------------------------------------------------------------
    def _on_selection_changed(self, _ids) -> None:
        self._show_selection()

    def _show_selection(self) -> None:
        ids = [node_id for node_id in self.selection.ids if node_id in self.document.graph.nodes]
        if len(ids) > 1:
            self._show_message(tr("{count} layers selected.").format(count=len(ids)) + "\n\n"
                               + tr("Select a single layer to see and change its settings."))
        elif not ids:
            self._show_message(tr("Select a layer on the canvas to see and change its settings."))
        else:
            self._show_node(ids[0])

    def _show_message(self, text: str) -> None:
        self._drop_form()
        self.node_id = self.shown_type = None
        self.message.setText(text)
        self.stack.setCurrentIndex(0)

    def _drop_form(self) -> None:
        if self.form is not None:
            self.form.hide()
            self.form.deleteLater()  # Qt deletes it (and its plots) after this event, not Python's collector
            self.form = None

    def _show_node(self, node_id: str) -> None:
        node = self.document.graph.node(node_id)
        new_node = node_id != self.node_id or self.shown_type != node.layer_type
        if new_node:
            self._drop_form()
            self.node_id = node_id
            self.shown_type = node.layer_type
            self._build_form(node.layer_type)
        self._show_header(new_node)
        if self.form is not None:
            self.form.set_values(node.params)
        self._show_analysis(self.document.analysis)
        self.stack.setCurrentIndex(1)

    def _build_form(self, layer_type: str) -> None:
        try:
            cls = layer_class(layer_type)
        except UnknownLayerError:
            cls = None
        color = category_color(cls.category) if cls else OTHER_COLOR
        self.type_label.setText(tr(layer_type))
        self.type_label.setStyleSheet(f"color: {color};")
        self.icon_label.setPixmap(layer_icon(layer_type).pixmap(32, 32))
        self.description_label.setText(tr(cls.description) if cls else tr("This layer type is unknown."))
        specs = cls.param_specs if cls else ()
        self.settings_title.setVisible(bool(specs))
        if specs:
            self.form = ParamForm(specs, validator=self._param_problem)
            self.form.value_edited.connect(self._on_value_edited)
            self.form_holder.addWidget(self.form)

    def _show_header(self, new_node: bool = False) -> None:
        node = self.document.graph.node(self.node_id)
        typing = self.name_edit.hasFocus() and self.name_edit.isModified()
        if self.name_edit.text() != node.name and (new_node or not typing):
            self.name_edit.setText(node.name)  # setText also clears isModified
            self._set_name_problem(None)

    def _show_analysis(self, analysis) -> None:
        if self.node_id is None or analysis is None:
            return
        self.shape_label.setText(format_shape(analysis.output_shapes.get(self.node_id)))
        self.count_label.setText(format_count(analysis.param_counts.get(self.node_id)))
        problems = [str(problem) for problem in analysis.problems_for(self.node_id)]
        self.problems_label.setText("\n".join("⚠ " + problem for problem in problems))
        self.problems_label.setVisible(bool(problems))

    # -- document changes ----------------------------------------------------------------------------------
    def _on_node_changed(self, node_id: str) -> None:
        if node_id == self.node_id and node_id in self.document.graph.nodes:
            self._show_node(node_id)

    def _on_node_removed(self, node_id: str) -> None:
        if node_id == self.node_id:
            self._show_selection()

    # -- edits ---------------------------------------------------------------------------------------------
    def _param_problem(self, name: str, value: Any) -> str | None:
        node = self.document.graph.node(self.node_id)
        candidate = dict(node.params)
        if value is None:
            candidate.pop(name, None)
        else:
            candidate[name] = value
        return layer_problem(node.layer_type, node.params, candidate)

    def _on_value_edited(self, name: str, value: Any) -> None:
        node = self.document.graph.node(self.node_id)
        if node.params.get(name) == value and (value is not None or name not in node.params):
            return
        typing = isinstance(QApplication.focusWidget(), (QLineEdit, QAbstractSpinBox))
        key = (self.node_id, name)
        merge = typing and self._typing == key
        self._typing = key if typing else None
        self.document.push(commands.SetParam(self.document, self.node_id, name, value, merge=merge))

    def _on_focus_changed(self, _old, _new) -> None:
        self._typing = None

    def _rename_problem(self, name: str) -> str | None:
        try:
            commands.RenameNode(self.document, self.node_id, name)
        except ValueError as error:
            return str(error)
        return None

    def _set_name_problem(self, message: str | None) -> None:
        self.name_edit.setStyleSheet(_INVALID_STYLE if message else "")
        self.name_edit.setToolTip(message or "")
        self.name_problem.setText(message or "")
        self.name_problem.setVisible(bool(message))

    def _check_name(self, text: str) -> None:
        self._set_name_problem(self._rename_problem(text) if self.node_id else None)

    def _commit_name(self) -> None:
        if self.node_id is None or self.node_id not in self.document.graph.nodes:
            return
        node = self.document.graph.node(self.node_id)
        text = self.name_edit.text().strip()
        if text == node.name:
            self._set_name_problem(None)
            return
        problem = self._rename_problem(text)
        if problem:
            self._set_name_problem(problem)
            if not self.name_edit.hasFocus():  # left the field: put the real name back, the reason was shown
                self.name_edit.setText(node.name)
                self._set_name_problem(None)
            return
        self.document.push(commands.RenameNode(self.document, self.node_id, text))
        self.name_edit.setModified(False)
