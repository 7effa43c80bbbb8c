"""The chooser's train / validation / test split, shuffle seed and input scaling (shown when the chooser owns
them; in the training panel the training settings do)."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QLabel, QSpinBox

from designer.i18n import tr
from designer.data.builtin_texts import scaling_names


class SplitBox(QGroupBox):
    """``spins`` (train, validation, test in %), ``seed``, ``scaling_combo`` and a ``note``; ``changed`` fires
    on any edit."""

    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(tr("Split and scaling"), parent)
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.ExpandingFieldsGrow)
        self.spins: dict[str, QDoubleSpinBox] = {}
        for key, label in (("train", tr("Training:")), ("validation", tr("Validation:")), ("test", tr("Test:"))):
            spin = QDoubleSpinBox()
            spin.setRange(0, 100)
            spin.setDecimals(1)
            spin.setSingleStep(5)
            spin.setSuffix(" %")
            spin.valueChanged.connect(self.changed)
            self.spins[key] = spin
            form.addRow(label, spin)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.valueChanged.connect(self.changed)
        form.addRow(tr("Shuffle seed:"), self.seed)
        self.scaling_combo = QComboBox()
        for key, text in scaling_names().items():
            self.scaling_combo.addItem(text, key)
        self.scaling_combo.currentIndexChanged.connect(self.changed)
        form.addRow(tr("Scale inputs:"), self.scaling_combo)
        self.note = QLabel()
        self.note.setWordWrap(True)
        form.addRow(self.note)
