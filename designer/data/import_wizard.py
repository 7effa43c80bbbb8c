"""The CSV import wizard: pick a file, confirm how it is written (with a live preview), choose what each column
is, then load it in the background.

    wizard = ImportWizard(parent)
    if wizard.exec():
        ds, spec = wizard.result_dataset(), wizard.result_spec()   # spec: {"csv": path, "options": {...}}

``engine.datasets.from_spec(spec)`` loads the same data set again (e.g. when a project is reopened). Nothing
the user set is lost when loading fails: the message (with line and column) shows on the last page, and Back
leads to the settings.
"""
from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget, QWizard,
                               QWizardPage)

from engine.datasets import DataError, Dataset
from engine.datasets import csv_detect as det

from designer.data import csv_preview as cp
from designer.i18n import tr
from designer.data.wizard_columns import ColumnsPage, LoadPage

PREVIEW_ROWS = 50
_TEXT_COLOUR = QColor("#1a56b0")
_MISSING_BACKGROUND = QColor("#f6d5d5")
ERROR_STYLE = "color: #b00020;"
WARNING_STYLE = "color: #8a5a00;"


def _size_text(size: int) -> str:
    if size >= 2**20:
        return tr("{size:.1f} MB").format(size=size / 2**20)
    return tr("{size:.1f} KB").format(size=size / 1024)


class FilePage(QWizardPage):
    """Step 1: the file. Its start is read at once to check it is a text table."""

    def __init__(self, wizard: ImportWizard):
        super().__init__()
        self._wizard = wizard
        self.setTitle(tr("Choose a file"))
        self.setSubTitle(tr("A table saved as text: CSV, TSV or TXT (also .gz). Spreadsheets must be saved as "
                            "CSV first."))
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText(tr("Path of the file"))
        self.browse_button = QPushButton(tr("Browse…"))
        self.browse_button.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse_button)
        self.info_label = QLabel()
        self.warning_label = QLabel()
        self.warning_label.setStyleSheet(WARNING_STYLE)
        self.error_label = QLabel()
        self.error_label.setStyleSheet(ERROR_STYLE)
        for label in (self.info_label, self.warning_label, self.error_label):
            label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.info_label)
        layout.addWidget(self.warning_label)
        layout.addWidget(self.error_label)
        layout.addStretch(1)
        self.path_edit.textChanged.connect(self._path_changed)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("Import a table"), os.path.dirname(self.path_edit.text()),
                                              tr("Text tables (*.csv *.tsv *.txt *.dat *.gz);;All files (*)"))
        if path:
            self.path_edit.setText(path)

    def _path_changed(self, text: str) -> None:
        self._wizard.sniff = None
        for label in (self.info_label, self.warning_label, self.error_label):
            label.clear()
        path = text.strip()
        if path:
            try:
                s = cp.sniff(path)
            except DataError as exc:
                self.error_label.setText(str(exc))
            else:
                self._wizard.sniff = s
                self.info_label.setText(tr("{name}: {size}, looks like {encoding} text separated by {sep}.").format(
                    name=cp.file_label(s), size=_size_text(s.size), encoding=cp.display_encoding(s.encoding),
                    sep=cp.display_separator(s.sep).lower()))
                if s.size > cp.BIG_FILE_BYTES:
                    self.warning_label.setText(tr(
                        "This file is big ({size}). Loading runs in the background and can take a while; you "
                        "can cancel it. The data set needs memory too: about 4 bytes per number.").format(
                        size=_size_text(s.size)))
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self._wizard.sniff is not None


class FormatPage(QWizardPage):
    """Step 2: encoding, separator, decimal mark and header row, with a preview that follows every change."""

    def __init__(self, wizard: ImportWizard):
        super().__init__()
        self._wizard = wizard
        self._shown_for = None  # the Sniff the controls were last filled from
        self.setTitle(tr("How the file is written"))
        self.setSubTitle(tr("Detected settings are chosen; check the preview and change what looks wrong."))
        self.encoding_combo = QComboBox()
        self.separator_combo = QComboBox()
        for sep in cp.SEPARATORS:
            self.separator_combo.addItem(cp.display_separator(sep), sep)
        self.decimal_combo = QComboBox()
        self.decimal_combo.addItem(tr("Point ( 1.5 )"), ".")
        self.decimal_combo.addItem(tr("Comma ( 1,5 )"), ",")
        self.thousands_label = QLabel()
        self.header_check = QCheckBox(tr("The first row holds the column names"))
        form = QFormLayout()
        form.addRow(tr("Text encoding:"), self.encoding_combo)
        form.addRow(tr("Separator:"), self.separator_combo)
        form.addRow(tr("Decimal mark:"), self.decimal_combo)
        form.addRow(tr("Thousands separator:"), self.thousands_label)
        form.addRow("", self.header_check)
        self.table = QTableWidget()
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.rows_label = QLabel()
        self.legend_label = QLabel(tr("Blue: text (a category). Red background: missing value. Black: number."))
        self.legend_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.rows_label)
        layout.addWidget(self.legend_label)
        self.encoding_combo.currentIndexChanged.connect(self._refresh)
        self.separator_combo.currentIndexChanged.connect(self._separator_changed)
        self.decimal_combo.currentIndexChanged.connect(self._refresh)
        self.header_check.toggled.connect(self._refresh)

    def initializePage(self) -> None:
        s = self._wizard.sniff
        if s is self._shown_for:
            return  # back and forth: keep what the user set
        self._shown_for = s
        widgets = (self.encoding_combo, self.separator_combo, self.decimal_combo, self.header_check)
        for w in widgets:
            w.blockSignals(True)
        self.encoding_combo.clear()
        encodings = list(cp.ENCODINGS) + ([s.encoding] if s.encoding not in cp.ENCODINGS else [])
        for enc in encodings:
            label = cp.display_encoding(enc)
            self.encoding_combo.addItem(tr("{name} (detected)").format(name=label) if enc == s.encoding else label,
                                        enc)
        self.encoding_combo.setCurrentIndex(encodings.index(s.encoding))
        self.separator_combo.setCurrentIndex(max(0, self.separator_combo.findData(s.sep)))
        self.decimal_combo.setCurrentIndex(max(0, self.decimal_combo.findData(s.decimal)))
        self.header_check.setChecked(s.header)
        for w in widgets:
            w.blockSignals(False)
        self._refresh()

    def format(self) -> dict:
        return {"encoding": self.encoding_combo.currentData(), "sep": self.separator_combo.currentData(),
                "decimal": self.decimal_combo.currentData(), "header": self.header_check.isChecked()}

    def _separator_changed(self) -> None:
        """A new separator changes what the cells are: detect the decimal mark and header row again."""
        s = self._wizard.sniff
        if s is not None:
            fmt = self.format()
            decimal, header = cp.detect_decimal_and_header(cp.sample_text(s, fmt["encoding"]), s.truncated,
                                                           fmt["sep"])
            for w in (self.decimal_combo, self.header_check):
                w.blockSignals(True)
            self.decimal_combo.setCurrentIndex(self.decimal_combo.findData(decimal))
            self.header_check.setChecked(header)
            for w in (self.decimal_combo, self.header_check):
                w.blockSignals(False)
        self._refresh()

    def _refresh(self) -> None:
        s = self._wizard.sniff
        if s is None:
            return
        fmt = self.format()
        marks = det.thousands_for(fmt["decimal"], fmt["sep"])
        names = {".": tr("point ( 1.234 )"), ",": tr("comma ( 1,234 )"), " ": tr("space ( 1 234 )")}
        self.thousands_label.setText(tr("{marks} — follows from the decimal mark and the separator").format(
            marks=", ".join(names[m] for m in marks)) if marks else tr("none (digits are not grouped)"))
        self._wizard.preview = p = cp.preview(s, fmt["encoding"], fmt["sep"], fmt["decimal"], fmt["header"])
        self._fill_table(p)
        shown = min(len(p.rows), PREVIEW_ROWS)
        if not p.rows:
            rows_text = tr("The file has no data rows with these settings.")
        elif p.exact and shown == len(p.rows):
            rows_text = tr("The whole file: {rows} rows.").format(rows=len(p.rows))
        else:
            rows_text = tr("The first {shown} rows of the file.").format(shown=shown)
        self.rows_label.setText(rows_text)
        self.completeChanged.emit()

    def _fill_table(self, p: cp.Preview) -> None:
        rows = p.rows[:PREVIEW_ROWS]
        self.table.clear()
        self.table.setColumnCount(len(p.names))
        self.table.setRowCount(len(rows))
        self.table.setHorizontalHeaderLabels(p.names)
        italic = QFont()
        italic.setItalic(True)
        for i, (row, kinds) in enumerate(zip(rows, p.cell_kinds)):
            for j, (cell, kind) in enumerate(zip(row, kinds)):
                item = QTableWidgetItem(cell.strip())
                if kind == "number":
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                if kind == "text":
                    item.setForeground(QBrush(_TEXT_COLOUR))
                    item.setFont(italic)
                elif kind == "missing":
                    item.setBackground(QBrush(_MISSING_BACKGROUND))
                    item.setToolTip(tr("missing value"))
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()

    def isComplete(self) -> bool:
        p = self._wizard.preview
        return p is not None and len(p.rows) > 0


class ImportWizard(QWizard):
    """Import a CSV/TSV/text table as an engine :class:`Dataset`; see the module docstring."""

    def __init__(self, parent: QWidget | None = None, path: str | os.PathLike | None = None):
        super().__init__(parent)
        self.setWindowTitle(tr("Import a table"))
        self.setMinimumSize(860, 600)
        self.sniff: cp.Sniff | None = None
        self.preview: cp.Preview | None = None
        self.dataset: Dataset | None = None
        self.spec: dict | None = None
        self.file_page, self.format_page = FilePage(self), FormatPage(self)
        self.columns_page, self.load_page = ColumnsPage(self), LoadPage(self)
        for page in (self.file_page, self.format_page, self.columns_page, self.load_page):
            self.addPage(page)
        self.setOption(QWizard.NoBackButtonOnStartPage, True)
        for button, text in ((QWizard.BackButton, tr("< Back")), (QWizard.NextButton, tr("Next >")),
                             (QWizard.FinishButton, tr("Finish")), (QWizard.CancelButton, tr("Cancel"))):
            self.setButtonText(button, text)
        if path is not None:
            self.file_page.path_edit.setText(os.fspath(path))

    def result_dataset(self) -> Dataset | None:
        """The loaded data set (None until loading succeeded)."""
        return self.dataset

    def result_spec(self) -> dict | None:
        """``{"csv": path, "options": {...}}`` for ``engine.datasets.from_spec`` (None until loaded)."""
        return self.spec

    def load_options(self) -> tuple[dict, list[str]]:
        """The ``load_csv`` options for the current settings, and the problems that stop loading."""
        return cp.load_options(self.sniff, self.format_page.format(), self.preview.columns,
                               self.columns_page.choices())

    def done(self, result: int) -> None:
        self.load_page.task.stop()  # closing never leaves a loading thread behind
        super().done(result)

    def closeEvent(self, event) -> None:
        self.load_page.task.stop()
        super().closeEvent(event)


__all__ = ["ImportWizard", "FilePage", "FormatPage", "ColumnsPage", "LoadPage"]
