"""Visible maths: what one Step by sample did to one neuron, written out with the step's own numbers.

Shows z = Σ wᵢxᵢ + b (with the products), a = f(z), δ = ∂L/∂z, and a table of every input's xᵢ, wᵢ, the
gradient xᵢ·δ, the change Δwᵢ the optimizer made and the new weight. The numbers come from
``engine.session_maths.step_with_maths`` through the training worker's snapshot.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QLabel, QSizePolicy, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from designer.i18n import tr

MAX_TERMS = 6  # products written out in the sum; the table lists every input
MAX_ROWS = 256
MIN_WIDTH = 260  # narrower than this the formulas wrap into unreadable slivers
TABLE_HEIGHT = 170  # about six inputs in sight; the table scrolls for more


def number(value) -> str:
    """Four significant digits, a true minus sign, no '+' noise."""
    if value is None:
        return "—"
    return f"{float(value):.4g}".replace("-", "−")


def sum_text(inputs, weights, bias) -> str:
    terms = [f"({number(w)} × {number(x)})" for w, x in zip(weights[:MAX_TERMS], inputs[:MAX_TERMS])]
    if len(inputs) > MAX_TERMS:
        terms.append("…")
    if bias is not None:
        terms.append(f"({number(bias)})" if bias < 0 else number(bias))
    return " + ".join(terms)


def column_titles() -> list[str]:
    """The table's column titles (two lines where a formula is long, so the table stays narrow)."""
    return ["i", "xᵢ", "wᵢ", "∂L/∂wᵢ\n= xᵢ·δ", "Δwᵢ", tr("new wᵢ")]


class NeuronMathsView(QWidget):
    """The formulas of one step (wrapped to the width) over a table of every input, which scrolls on its own."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMinimumWidth(MIN_WIDTH)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        titles = column_titles()
        self.table = QTableWidget(0, len(titles))
        self.table.setHorizontalHeaderLabels(titles)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setFixedHeight(TABLE_HEIGHT)
        self.table.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.table)
        self._shown: object = ()  # nothing shown yet (None is a value: "how to get the numbers")
        self.show_maths(None)

    def show_maths(self, maths: dict | None) -> None:
        """Show one step's numbers (None: how to get them; {"error": text}: why there are none)."""
        if maths is self._shown:
            return
        self._shown = maths
        if not maths:
            self.summary.setText(tr("Pick a neuron in the Neurons view, choose Step by sample and press Step: "
                                    "this shows the numbers of that step."))
            self.table.setRowCount(0)
            return
        if "error" in maths:
            self.summary.setText(maths["error"])
            self.table.setRowCount(0)
            return
        self.summary.setText("<br>".join(self._lines(maths)))
        self._fill_table(maths)

    def _lines(self, m: dict) -> list[str]:
        target = np.ravel(m["target"])
        lines = [tr("Neuron {unit} of layer <b>{layer}</b>, training example #{sample} (target {target})").format(
            unit=m["unit"], layer=m["layer"], sample=m["sample"], target=", ".join(number(t) for t in target[:4]))]
        lines.append(f"z = Σ wᵢxᵢ + b = {sum_text(m['inputs'], m['weights'], m['bias'])} = <b>{number(m['z'])}</b>")
        lines.append(f"a = {m['activation']}(z) = <b>{number(m['a'])}</b>")
        if m.get("delta") is not None:
            lines.append(tr("δ = ∂L/∂z = {delta} (how much the loss changes when z grows)").format(
                delta=f"<b>{number(m['delta'])}</b>"))
        elif m.get("error") is not None:
            lines.append(tr("Perceptron rule: error = target − output = {error}").format(error=number(m["error"])))
        if m.get("bias_update") is not None:
            lines.append(tr("Δb = {change}, new b = {bias}").format(change=number(m["bias_update"]),
                                                                    bias=number(m["new_bias"])))
        lines.append(tr("Optimizer {optimizer}, learning rate {rate}; loss of this step {loss}").format(
            optimizer=m["optimizer"], rate=number(m["learning_rate"]), loss=number(m.get("loss"))))
        return lines

    def _fill_table(self, m: dict) -> None:
        count = min(len(m["inputs"]), MAX_ROWS)
        gradients = m.get("gradient_weights")
        self.table.setRowCount(count)
        for i in range(count):
            values = (i, m["inputs"][i], m["weights"][i], None if gradients is None else gradients[i],
                      m["weight_updates"][i], m["new_weights"][i])
            for column, value in enumerate(values):
                text = str(value) if column == 0 else number(value)
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(i, column, item)
