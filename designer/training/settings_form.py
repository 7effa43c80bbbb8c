"""The training settings of the panel: loss, optimizer, learning rate, batch size, epochs, split, scaling,
regularization, early stopping and seed, bound two ways to ``Document.training``; and the binding of the data
set chooser to ``Document.dataset``.

Every edit is checked (``TrainingSettings``) and pushed as an undoable ``commands.SetTraining``; the widgets
show the document again whenever it changes (undo included), blocking their own echo. While training runs
only the settings the session takes live (learning rate, batch size, regularization) stay editable. The form
is narrow enough for a side dock: combo boxes shrink (their popups still show whole names) and rows whose
field does not fit next to the label wrap below it.
"""
from __future__ import annotations

import copy
import inspect

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QDoubleValidator
from PySide6.QtWidgets import (QAbstractSpinBox, QCheckBox, QComboBox, QFormLayout, QGridLayout, QHBoxLayout, QLabel,
                               QSizePolicy, QSpinBox, QWidget)

from designer import commands
from designer.i18n import tr, tr_engine
from designer.training.job import DEFAULT_DATASET, settings_of
from engine import losses, optimizers
from engine.session_settings import EARLY_STOPPING_DEFAULTS, TrainingSettings

LEARNING_RATES = ("0.00001", "0.0001", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1", "3", "10")
PENALTIES = ("0.0001", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1")
MOMENTUM_OPTIMIZERS = ("sgd", "rmsprop")


def shrinkable(combo: QComboBox, characters: int = 8) -> QComboBox:
    """A combo box that may be narrower than its longest entry (the popup still shows whole entries)."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(characters)
    combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    return combo


def _number_combo(values, tooltip: str) -> QComboBox:
    combo = shrinkable(QComboBox(), 6)
    combo.setEditable(True)
    combo.addItems(list(values))
    combo.lineEdit().setValidator(QDoubleValidator(0.0, 1e6, 8))
    combo.setToolTip(tooltip)
    return combo


def _spin(minimum: int, maximum: int, tooltip: str, suffix: str = "") -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(minimum, maximum)
    spin.setSuffix(suffix)
    spin.setToolTip(tooltip)
    spin.setKeyboardTracking(False)  # one command per finished value, not per keystroke
    return spin


def _row(*widgets, stretch_first: bool = True) -> QHBoxLayout:
    row = QHBoxLayout()
    for index, widget in enumerate(widgets):
        row.addWidget(widget, 1 if index == 0 and stretch_first else 0)
    return row


def _options_for(optimizer: str, options: dict) -> dict:
    """The options the optimizer ``optimizer`` accepts (switching optimizer drops the others)."""
    accepted = inspect.signature(type(optimizers.get(optimizer))).parameters
    return {key: value for key, value in options.items() if key in accepted}


class SettingsForm(QWidget):
    problem = Signal(str)  # an edit was refused; the text says why

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self._running = False
        self.dataset_widget = None
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)

        self.loss_combo = shrinkable(QComboBox(), 10)
        self.loss_combo.addItem(tr("Automatic (from the data set)"), "auto")
        for name in losses.LOSS_NAMES:
            self.loss_combo.addItem(name, name)
        self.loss_combo.setToolTip(tr("What training minimises: how far the outputs are from the targets"))
        self.loss_combo.activated.connect(lambda: self._commit("loss", self.loss_combo.currentData()))
        form.addRow(tr("Loss"), self.loss_combo)

        self.optimizer_combo = shrinkable(QComboBox(), 7)
        self.optimizer_combo.addItems(list(optimizers.OPTIMIZER_NAMES))
        self.optimizer_combo.setToolTip(tr("How the weights are updated from the gradients"))
        self.optimizer_combo.activated.connect(self._optimizer_picked)
        self.momentum_combo = _number_combo(("0", "0.5", "0.9", "0.99"),
                                            tr("Momentum: how much of the previous update is kept"))
        self.momentum_combo.setMinimumContentsLength(4)
        self.momentum_combo.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.momentum_combo.lineEdit().editingFinished.connect(self._momentum_edited)
        self.momentum_combo.activated.connect(self._momentum_edited)
        form.addRow(tr("Optimizer"), _row(self.optimizer_combo, self.momentum_combo))

        self.learning_rate_combo = _number_combo(LEARNING_RATES, tr(
            "Learning rate: the size of each weight update. Too small learns slowly; too large diverges. "
            "It can change while training."))
        self.learning_rate_combo.lineEdit().editingFinished.connect(self._learning_rate_edited)
        self.learning_rate_combo.activated.connect(self._learning_rate_edited)
        form.addRow(tr("Learning rate"), self.learning_rate_combo)

        self.batch_spin = _spin(1, 1_000_000, tr("Batch size: examples per weight update (1 = one example at a "
                                                 "time). It can change while training."))
        self.batch_spin.valueChanged.connect(lambda value: self._commit("batch_size", value))
        form.addRow(tr("Batch size"), self.batch_spin)

        self.epochs_spin = _spin(1, 10_000_000, tr("Epochs: complete passes over the training examples"))
        self.epochs_spin.valueChanged.connect(lambda value: self._commit("epochs", value))
        self.unlimited_check = QCheckBox(tr("Unlimited"))
        self.unlimited_check.setToolTip(tr("Train until you press Pause"))
        self.unlimited_check.toggled.connect(self._unlimited_toggled)
        form.addRow(tr("Epochs"), _row(self.epochs_spin, self.unlimited_check))

        self.own_split_check = QCheckBox(tr("The data set's own split"))
        self.own_split_check.setToolTip(tr("Use the split the data set comes with (e.g. the Playground's 50 % "
                                           "test, MNIST's own test images)"))
        self.own_split_check.toggled.connect(self._split_edited)
        form.addRow(tr("Split"), self.own_split_check)
        form.addRow(self._split_row())

        self.scaling_combo = shrinkable(QComboBox(), 10)
        for label, key in ((tr("Standardize (mean 0, deviation 1)"), "standard"),
                           (tr("Min-max (0 to 1)"), "minmax"), (tr("None"), "none")):
            self.scaling_combo.addItem(label, key)
        self.scaling_combo.setToolTip(tr("How the inputs are scaled; fitted on the training part only"))
        self.scaling_combo.activated.connect(lambda: self._commit("scaling", self.scaling_combo.currentData()))
        form.addRow(tr("Input scaling"), self.scaling_combo)

        self.penalty_combo = shrinkable(QComboBox(), 7)
        for label, key in ((tr("The layers' own"), None), ("L1", "l1"), ("L2", "l2")):
            self.penalty_combo.addItem(label, key)
        self.penalty_combo.setToolTip(tr("A penalty on large weights, added to the loss; it can change while "
                                         "training"))
        self.penalty_combo.activated.connect(self._regularization_edited)
        self.penalty_rate_combo = _number_combo(PENALTIES, tr("Regularization rate"))
        self.penalty_rate_combo.activated.connect(self._regularization_edited)
        self.penalty_rate_combo.lineEdit().editingFinished.connect(self._regularization_edited)
        form.addRow(tr("Regularization"), _row(self.penalty_combo, self.penalty_rate_combo))

        self.early_check = QCheckBox(tr("Stop if it stops improving"))
        self.early_check.setToolTip(tr("Early stopping watches the validation loss (the training loss when there "
                                       "is no validation part) and keeps the weights of the best epoch"))
        self.early_check.toggled.connect(self._early_stopping_edited)
        form.addRow(tr("Early stopping"), self.early_check)
        self.patience_spin = _spin(0, 100_000, tr("Patience: epochs without improvement before stopping"),
                                   tr(" epochs"))
        self.patience_spin.valueChanged.connect(self._early_stopping_edited)
        form.addRow(tr("Patience"), self.patience_spin)

        self.seed_spin = _spin(0, 2**31 - 1, tr("Seed: the same seed gives the same starting weights, split and "
                                                "order of examples"))
        self.seed_spin.valueChanged.connect(lambda value: self._commit("seed", value))
        form.addRow(tr("Seed"), self.seed_spin)

        self._live_widgets = [self.learning_rate_combo, self.batch_spin, self.penalty_combo, self.penalty_rate_combo,
                              self.epochs_spin, self.unlimited_check]
        document.training_changed.connect(self.refresh)
        document.dataset_changed.connect(self.refresh)
        self.refresh()

    def _split_row(self) -> QWidget:
        """Training / validation / test shares as three small spin boxes under their names."""
        self.train_spin = _spin(1, 100, tr("Share of the examples used to learn"), " %")
        self.val_spin = _spin(0, 99, tr("Share used to watch for overfitting while training (validation)"), " %")
        self.test_spin = _spin(0, 99, tr("Share kept apart to measure the final result (test)"), " %")
        self.test_spin.setReadOnly(True)  # the rest: always adds up to 100 %
        self.test_spin.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)
        for spin in (self.train_spin, self.val_spin):
            spin.valueChanged.connect(self._split_edited)
        box = QWidget()
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(1)
        for column, (title, spin) in enumerate(((tr("Training"), self.train_spin), (tr("Validation"), self.val_spin),
                                                (tr("Test"), self.test_spin))):
            label = QLabel(title)
            label.setToolTip(spin.toolTip())
            label.setBuddy(spin)
            grid.addWidget(label, 0, column)
            grid.addWidget(spin, 1, column)
            grid.setColumnStretch(column, 1)
        return box

    # -- document → widgets -----------------------------------------------------------------------------
    def settings(self) -> TrainingSettings:
        """The document's settings (defaults where they are absurd, e.g. mid-way through an undo macro)."""
        try:
            return TrainingSettings.from_dict(settings_of(self.document))
        except ValueError:
            return TrainingSettings()

    def refresh(self) -> None:
        s = self.settings()
        blockers = [QSignalBlocker(w) for w in self.findChildren(QWidget)]  # noqa: F841 (held until return)
        self.loss_combo.setCurrentIndex(max(self.loss_combo.findData(s.loss), 0))
        self.optimizer_combo.setCurrentText(s.optimizer)
        self.momentum_combo.setVisible(s.optimizer in MOMENTUM_OPTIMIZERS)
        self.momentum_combo.setEditText(f"{s.optimizer_options.get('momentum', 0.0):g}")
        self.learning_rate_combo.setEditText(f"{s.learning_rate:g}")
        self.batch_spin.setValue(s.batch_size)
        self.unlimited_check.setChecked(s.epochs is None)
        self.epochs_spin.setValue(s.epochs or 100)
        self.own_split_check.setChecked(s.split is None)
        ratios = s.split or (0.7, 0.15, 0.15)
        self.train_spin.setValue(round(100 * ratios[0]))
        self.val_spin.setValue(round(100 * ratios[1]))
        self.test_spin.setValue(100 - self.train_spin.value() - self.val_spin.value())
        self.scaling_combo.setCurrentIndex(self.scaling_combo.findData(s.scaling))
        kind = None if not s.regularization else ("l1" if s.regularization["l1"] else "l2")
        self.penalty_combo.setCurrentIndex(max(self.penalty_combo.findData(kind), 0))
        rate = (s.regularization or {}).get(kind or "l2", 0.001)
        self.penalty_rate_combo.setEditText(f"{rate:g}")
        self.early_check.setChecked(s.early_stopping is not None)
        self.patience_spin.setValue((s.early_stopping or {}).get("patience", 10))
        self.seed_spin.setValue(s.seed)
        self._update_enabled()

    def set_running(self, running: bool) -> None:
        """While training only the live settings stay editable."""
        self._running = running
        self._update_enabled()

    def _update_enabled(self) -> None:
        for widget in self.findChildren(QWidget):
            if isinstance(widget, (QComboBox, QSpinBox, QCheckBox)) or widget in self._live_widgets:
                widget.setEnabled(not self._running or widget in self._live_widgets)
        split_free = not self.own_split_check.isChecked() and not self._running
        for spin in (self.train_spin, self.val_spin, self.test_spin):
            spin.setEnabled(split_free)
        self.epochs_spin.setEnabled(not self.unlimited_check.isChecked())
        self.penalty_rate_combo.setEnabled(self.penalty_combo.currentData() is not None)
        self.patience_spin.setEnabled(self.early_check.isChecked() and not self._running)

    # -- widgets → document ---------------------------------------------------------------------------------
    def _commit(self, key: str, value) -> bool:
        current = settings_of(self.document)
        if current.get(key, getattr(TrainingSettings(), key)) == value:
            return True
        try:
            TrainingSettings.from_dict({**current, key: value})
        except ValueError as error:
            self.problem.emit(tr_engine(str(error)))
            self.refresh()
            return False
        self.document.push(commands.SetTraining(self.document, key, value))
        return True

    def _number(self, combo: QComboBox) -> float | None:
        try:
            return float(combo.currentText().replace(",", "."))
        except ValueError:
            self.problem.emit(tr("Type a number, like 0.01"))
            self.refresh()
            return None

    def _optimizer_picked(self) -> None:
        name = self.optimizer_combo.currentText()
        current = settings_of(self.document)
        kept = _options_for(name, current.get("optimizer_options", {}))
        self.document.undo_stack.beginMacro(tr("Change the optimizer"))
        try:
            if kept != current.get("optimizer_options", {}):
                self.document.push(commands.SetTraining(self.document, "optimizer_options", kept))
            self._commit("optimizer", name)
        finally:
            self.document.undo_stack.endMacro()

    def _momentum_edited(self) -> None:
        value = self._number(self.momentum_combo)
        if value is not None:
            options = dict(settings_of(self.document).get("optimizer_options", {}))
            options["momentum"] = value
            self._commit("optimizer_options", options)

    def _learning_rate_edited(self) -> None:
        value = self._number(self.learning_rate_combo)
        if value is not None:
            self._commit("learning_rate", value)

    def _unlimited_toggled(self, unlimited: bool) -> None:
        self._commit("epochs", None if unlimited else self.epochs_spin.value())
        self._update_enabled()

    def _split_edited(self) -> None:
        if self.own_split_check.isChecked():
            self._commit("split", None)
        else:
            train = self.train_spin.value()
            val = min(self.val_spin.value(), 100 - train)
            self._commit("split", [train / 100, val / 100, (100 - train - val) / 100])
        self._update_enabled()

    def _regularization_edited(self) -> None:
        kind = self.penalty_combo.currentData()
        rate = self._number(self.penalty_rate_combo) if kind is not None else 0.0
        if rate is not None:
            self._commit("regularization", None if kind is None else {"l1": 0.0, "l2": 0.0, kind: rate})

    def _early_stopping_edited(self) -> None:
        if not self.early_check.isChecked():
            self._commit("early_stopping", None)
            return
        current = settings_of(self.document).get("early_stopping") or {}
        self._commit("early_stopping", {**EARLY_STOPPING_DEFAULTS, **current, "patience": self.patience_spin.value()})

    # -- the data set chooser ------------------------------------------------------------------------------------
    def set_dataset_widget(self, widget) -> None:
        """Bind a data set chooser (``dataset_chosen(spec)``, ``set_spec(spec)``, ``showing(spec)``) to the
        document: a choice becomes an undoable command, and the document's data set (opened, undone...) shows
        in the chooser without counting as a new choice."""
        self.dataset_widget = widget
        widget.dataset_chosen.connect(self.apply_dataset_spec)
        self.document.dataset_changed.connect(self.show_dataset)
        self.show_dataset()

    def show_dataset(self) -> None:
        """Show the document's data set in the chooser (loaded there in the background)."""
        widget, spec = self.dataset_widget, self.document.dataset or DEFAULT_DATASET
        if widget is not None and not widget.showing(spec):
            widget.set_spec(copy.deepcopy(spec), emit=False)

    def apply_dataset_spec(self, spec: dict) -> None:
        """A chosen data set: the spec goes to the document; a split and scaling with it become training
        settings. All in one undo step; choosing what the document already has changes nothing."""
        spec = dict(spec)
        split, scaling = spec.pop("split", None), spec.pop("scaling", None)
        new_split = None if not isinstance(split, dict) else [split.get("train", 0.7), split.get("validation", 0.15),
                                                              split.get("test", 0.15)]
        settings = settings_of(self.document)
        if (spec == self.document.dataset and (new_split is None or new_split == settings.get("split"))
                and (scaling is None or scaling == settings.get("scaling"))):
            return
        self.document.undo_stack.beginMacro(tr("Choose a data set"))
        try:
            if spec != self.document.dataset:
                self.document.push(commands.SetDataset(self.document, spec))
            if new_split is not None:
                self._commit("split", new_split)
            if scaling is not None:
                self._commit("scaling", scaling)
        finally:
            self.document.undo_stack.endMacro()
