"""The import wizard's last two steps: what each column is (role, type, what to do with missing values) and
the background load with progress, cancel and a readable account of what was kept and dropped."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPlainTextEdit,
                               QProgressBar, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWizardPage)

from engine.datasets import load_csv

from designer.data import csv_preview as cp
from designer.i18n import tr
from designer.data.background import BackgroundTask

if TYPE_CHECKING:
    from designer.data.import_wizard import ImportWizard

ERROR_STYLE = "color: #b00020;"
NAME, DETECTED, ROLE, KIND, MISSING, FILL, VALUE = range(7)


def role_names() -> dict[str, str]:
    return {"feature": tr("Feature (input)"), "target": tr("Target (to predict)"), "ignore": tr("Ignore")}


def kind_names() -> dict[str, str]:
    return {"number": tr("Number"), "category": tr("Category (one-hot)")}


def fill_names() -> dict[str, str]:
    return {"drop": tr("Drop the row"), "mean": tr("Fill: mean"), "median": tr("Fill: median"),
            "most_frequent": tr("Fill: most frequent"), "constant": tr("Fill: a value")}


def _fills_for(kind: str) -> dict[str, str]:
    """Missing-value choices for a column read as ``kind``: means and medians only for numbers."""
    return {k: v for k, v in fill_names().items() if kind == "number" or k not in ("mean", "median")}


def _combo(items: dict[str, str], current: str) -> QComboBox:
    combo = QComboBox()
    for key, text in items.items():
        combo.addItem(text, key)
    combo.setCurrentIndex(max(0, combo.findData(current)))
    return combo


def _keep(old: cp.ColumnChoice | None, default: cp.ColumnChoice, col: cp.ColumnInfo) -> cp.ColumnChoice:
    """The old choice for a column when it still fits what the column now holds, else the default."""
    if old is None or (col.kind != "number" and old.kind == "number") or (
            col.kind != "number" and old.fill in ("mean", "median")):
        return default
    return old


class ColumnsPage(QWizardPage):
    """Step 3: one table row per column with its role, type, missing-value count and fill choice."""

    def __init__(self, wizard: ImportWizard):
        super().__init__()
        self._wizard = wizard
        self._shown_for = None
        self.setTitle(tr("What each column is"))
        self.setSubTitle(tr("Features are the network's inputs; the target is what it learns to predict. "
                            "Missing values are never replaced by 0 on their own: choose what happens."))
        self.all_fill_combo = _combo({k: v for k, v in fill_names().items() if k != "constant"}, "drop")
        self.all_fill_combo.activated.connect(self._fill_all)
        row = QHBoxLayout()
        row.addWidget(QLabel(tr("Missing values, all columns:")))
        row.addWidget(self.all_fill_combo)
        row.addStretch(1)
        self.table = QTableWidget(0, 7)
        self.table.setHorizontalHeaderLabels([tr("Column"), tr("Found"), tr("Role"), tr("Type"), tr("Missing"),
                                              tr("If missing"), tr("Fill value")])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(VALUE, QHeaderView.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.count_label = QLabel()
        self.problems_label = QLabel()
        self.problems_label.setStyleSheet(ERROR_STYLE)
        self.problems_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)
        layout.addWidget(self.problems_label)

    # -- building ------------------------------------------------------------------------------------------
    def initializePage(self) -> None:
        w = self._wizard
        key = (w.sniff, tuple(sorted(w.format_page.format().items())))
        if key == self._shown_for:
            return  # back and forth with the same file and format: keep the choices
        self._shown_for = key
        columns = w.preview.columns
        # a new format keeps the choices made for columns of the same name (the user went back to fix it)
        before = {self.table.item(j, NAME).text(): c for j, c in enumerate(self.choices())}
        choices = [_keep(before.get(col.name), default, col) for col, default in
                   zip(columns, cp.default_choices(columns))]
        if sum(c.role == "target" for c in choices) != 1:
            choices = cp.default_choices(columns)
        self.table.setRowCount(len(columns))
        bold = QFont()
        bold.setBold(True)
        found = {"number": tr("numbers"), "text": tr("text"), "empty": tr("empty")}
        for j, (col, choice) in enumerate(zip(columns, choices)):
            self.table.setItem(j, NAME, QTableWidgetItem(col.name))
            self.table.setItem(j, DETECTED, QTableWidgetItem(found[col.kind]))
            missing = QTableWidgetItem(str(col.missing))
            if col.missing:
                missing.setFont(bold)
            self.table.setItem(j, MISSING, missing)
            role = _combo(role_names(), choice.role)
            role.currentIndexChanged.connect(lambda _=0, j=j: self._role_changed(j))
            self.table.setCellWidget(j, ROLE, role)
            kind = _combo(kind_names(), choice.kind)
            kind.setEnabled(col.kind == "number")  # text can only be a category
            kind.currentIndexChanged.connect(lambda _=0, j=j: self._kind_changed(j))
            self.table.setCellWidget(j, KIND, kind)
            fill = _combo(_fills_for(choice.kind), choice.fill)
            fill.currentIndexChanged.connect(self._changed)
            self.table.setCellWidget(j, FILL, fill)
            value = QLineEdit(choice.constant)
            value.textChanged.connect(self._changed)
            self.table.setCellWidget(j, VALUE, value)
        for item in (self.table.item(j, c) for j in range(len(columns)) for c in (NAME, DETECTED, MISSING)):
            item.setFlags(item.flags() & ~Qt.ItemIsEditable)
        p = w.preview
        self.count_label.setText(tr("Missing values counted in the whole file ({rows} rows).").format(
            rows=len(p.rows)) if p.exact else tr("Missing values counted in the first {rows} rows; the load "
                                                 "counts them all.").format(rows=len(p.rows)))
        self._changed()

    def _kind_changed(self, row: int) -> None:
        """A number column turned into categories cannot be filled with a mean or median: offer what fits."""
        kind = self.table.cellWidget(row, KIND).currentData()
        fill = self.table.cellWidget(row, FILL)
        current = fill.currentData()
        choices = _fills_for(kind)
        with QSignalBlocker(fill):
            fill.clear()
            for key, text in choices.items():
                fill.addItem(text, key)
            fill.setCurrentIndex(max(0, fill.findData(current if current in choices else "most_frequent")))
        self._changed()

    def _fill_all(self) -> None:
        policy = self.all_fill_combo.currentData()
        for j in range(self.table.rowCount()):
            combo = self.table.cellWidget(j, FILL)
            index = combo.findData(policy)
            if index < 0 and policy in ("mean", "median"):
                index = combo.findData("most_frequent")  # what mean/median mean for a text column
            with QSignalBlocker(combo):
                combo.setCurrentIndex(max(0, index))
        self._changed()

    def _role_changed(self, j: int) -> None:
        """One target only: choosing a new one makes the old one a feature."""
        if self.table.cellWidget(j, ROLE).currentData() == "target":
            for k in range(self.table.rowCount()):
                combo = self.table.cellWidget(k, ROLE)
                if k != j and combo.currentData() == "target":
                    with QSignalBlocker(combo):
                        combo.setCurrentIndex(combo.findData("feature"))
                    kind = self.table.cellWidget(k, KIND)
                    if kind.isEnabled():  # "category" was the guess for a class target, not for an input
                        with QSignalBlocker(kind):
                            kind.setCurrentIndex(kind.findData("number"))
        self._changed()

    # -- state ---------------------------------------------------------------------------------------------
    def choices(self) -> list[cp.ColumnChoice]:
        return [cp.ColumnChoice(self.table.cellWidget(j, ROLE).currentData(),
                                self.table.cellWidget(j, KIND).currentData(),
                                self.table.cellWidget(j, FILL).currentData(),
                                self.table.cellWidget(j, VALUE).text()) for j in range(self.table.rowCount())]

    def _changed(self) -> None:
        for j, choice in enumerate(self.choices()):
            target = choice.role == "target"
            ignored = choice.role == "ignore"
            # the target's missing rows are always dropped; ignored columns need no rule
            self.table.cellWidget(j, FILL).setEnabled(not target and not ignored)
            self.table.cellWidget(j, VALUE).setEnabled(choice.fill == "constant" and not target and not ignored)
        _, problems = self._wizard.load_options()
        self.problems_label.setText("\n".join(problems))
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self._wizard.preview is not None and not self._wizard.load_options()[1]


class LoadPage(QWizardPage):
    """Step 4: loading in the background; Finish once the data set is there."""

    def __init__(self, wizard: ImportWizard):
        super().__init__()
        self._wizard = wizard
        self.setTitle(tr("Loading"))
        self.setSubTitle(tr("The file is read in the background; big files can be cancelled."))
        self.task = BackgroundTask(self)
        self.task.progress.connect(lambda f: self.progress_bar.setValue(int(round(f * 1000))))
        self.task.succeeded.connect(self._succeeded)
        self.task.failed.connect(self._failed)
        self.task.cancelled.connect(self._cancelled)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setTextVisible(False)
        self.cancel_button = QPushButton(tr("Cancel loading"))
        self.cancel_button.clicked.connect(self.task.cancel)
        self.retry_button = QPushButton(tr("Load again"))
        self.retry_button.clicked.connect(self.start)
        row = QHBoxLayout()
        row.addWidget(self.progress_bar, 1)
        row.addWidget(self.cancel_button)
        row.addWidget(self.retry_button)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.status_label)
        layout.addWidget(self.details, 1)

    def initializePage(self) -> None:
        self.start()

    def cleanupPage(self) -> None:
        self.task.stop()  # Back: stop loading, keep every setting
        self._wizard.dataset = self._wizard.spec = None

    def start(self) -> None:
        w = self._wizard
        w.dataset = w.spec = None
        options, _ = w.load_options()  # the columns page lets no one here with problems
        path = w.sniff.path
        self.progress_bar.setValue(0)
        self.status_label.setStyleSheet("")
        self.status_label.setText(tr("Reading {name}…").format(name=cp.file_label(w.sniff)))
        self.details.clear()
        self._set_running(True)
        self.task.start(lambda progress, cancel: load_csv(path, progress=progress, cancel=cancel, **options))
        self.completeChanged.emit()

    def _set_running(self, running: bool) -> None:
        self.cancel_button.setVisible(running)
        self.retry_button.setVisible(not running)

    def _succeeded(self, ds) -> None:
        w = self._wizard
        w.dataset, w.spec = ds, dict(ds.spec)
        self._set_running(False)
        self.retry_button.setVisible(False)
        self.progress_bar.setValue(1000)
        self.status_label.setText(summary_line(ds))
        self.details.setPlainText(report_text(ds.report) + "\n\n" + tr("Features: {names}").format(
            names=", ".join(ds.feature_names)))
        self.completeChanged.emit()

    def _failed(self, message: str) -> None:
        self._set_running(False)
        self.status_label.setStyleSheet(ERROR_STYLE)
        self.status_label.setText(tr("The file could not be loaded. Go back to change the settings, then load "
                                     "again."))
        self.details.setPlainText(message)
        self.completeChanged.emit()

    def _cancelled(self) -> None:
        self._set_running(False)
        self.status_label.setText(tr("Loading was cancelled. Nothing was changed."))
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self._wizard.dataset is not None


def summary_line(ds) -> str:
    """One line about a loaded data set: samples, features, task and classes."""
    task = {"binary": tr("two classes"), "multiclass": tr("{n} classes").format(n=ds.n_classes),
            "regression": tr("regression (numbers)"), "image": tr("images, {n} classes").format(n=ds.n_classes),
            "sequence": tr("sequences")}.get(ds.task, ds.task)
    return tr("{n} samples, {features} features; target: {task}.").format(
        n=ds.n_samples, features=int(ds.x[0].size) if len(ds.x) else 0, task=task)


def report_text(report) -> str:
    """The import report in the user's language (the engine's notes stay as they are)."""
    seps = {",": tr("comma"), ";": tr("semicolon"), "\t": tr("tab"), " ": tr("space")}
    reasons = {"missing values": tr("missing values"), "missing target": tr("missing target"),
               "wrong number of fields": tr("wrong number of fields")}
    lines = [tr("Encoding {encoding}, separator {sep}, decimal mark '{decimal}'.").format(
        encoding=report.encoding, sep=seps.get(report.separator, report.separator), decimal=report.decimal),
        tr("{kept} of {read} rows kept; target '{target}'.").format(kept=report.rows_kept, read=report.rows_read,
                                                                      target=report.target)]
    for why, n in report.rows_dropped.items():
        where = ", ".join(map(str, report.dropped_lines.get(why, [])))
        lines.append(tr("Dropped {n} rows: {why} (lines {lines}).").format(n=n, why=reasons.get(why, why),
                                                                           lines=where))
    for column, n in report.missing.items():
        if n:
            line = tr("Column '{column}': {n} missing.").format(column=column, n=n)
            if column in report.filled:
                line += " " + tr("Filled with {value}.").format(value=report.filled[column])
            lines.append(line)
    for column, why in report.left_out.items():
        lines.append(tr("Column '{column}' left out: {why}").format(column=column, why=why))
    return "\n".join(lines + list(report.notes))
