"""The data set chooser: the built-in data sets by group with their options, importers for CSV files, image
folders and MNIST files, the train / validation / test split and the input scaling.

It emits ``dataset_chosen(spec)`` with plain data once the data set has loaded (in the background):

    {"name": "spiral", "options": {"n_samples": 500, "noise": 0.1, "seed": 0, "extra_features": []},
     "split": {"train": 0.5, "validation": 0.0, "test": 0.5, "seed": 0}, "scaling": "none"}

(or ``"csv": path`` / ``"images": folder`` / ``"points": rows`` instead of ``"name"``).
``engine.datasets.from_spec(spec)`` loads the same data set again (it reads "name"/"csv"/"images"/"points" and
"options"); "split" gives the ratios and seed for ``Dataset.split`` and "scaling" the argument of
``Split.scaled``. ``with_split=False`` leaves both out (the training settings own them); ``compact=True``
stacks the parts for a narrow dock.

The "Draw my own points" entry holds a data set of points clicked on the decision boundary plot
(:mod:`engine.datasets.points`); chosen while a 2-D data set is shown, it starts from that data set's points,
and "Clear points" empties it.
"""
from __future__ import annotations

import copy

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QGridLayout, QGroupBox, QHBoxLayout, QLabel, QProgressBar, QPushButton, QTreeWidget,
                               QTreeWidgetItem, QVBoxLayout, QWidget)

from engine import datasets
from engine.datasets import Dataset

from designer.i18n import tr
from designer.data.background import BackgroundTask
from designer.data.builtin_texts import dataset_texts, group_titles
from designer.data.chooser_importers import ChooserImporters
from designer.data.chooser_support import (Blocked, default_scaling, describe_dataset, load_spec, points_hint,
                                           same_choice, spec_label, start_points)
from designer.data.option_editors import OptionEditors
from designer.data.split_box import SplitBox

ERROR_STYLE = "color: #b00020;"
KEY_ROLE = Qt.UserRole  # list entries hold a key into DatasetChooser._specs (a QVariant would sort dicts)
DEBOUNCE_MS = 300  # option edits (spin box steps) load once the user pauses
COMPACT_TREE_HEIGHT = 210  # in a narrow dock the list scrolls instead of pushing everything down
HINT_STYLE = "color: #555555; font-style: italic;"


class DatasetChooser(ChooserImporters, QWidget):
    """Choose, set up and load a data set; see the module docstring for the spec it emits."""

    dataset_chosen = Signal(object)  # a plain dict; "object" keeps it as it is (a QVariantMap would sort it)
    loaded = Signal(object)  # every data set that finished loading (chosen or restored), for views of it

    def __init__(self, parent: QWidget | None = None, with_split: bool = True, compact: bool = False):
        super().__init__(parent)
        self.with_split = with_split  # False when the training settings own the split and scaling
        self.compact = compact
        self._dataset: Dataset | None = None
        self._spec: dict | None = None       # the spec of the loaded (or loading) data set, without split/scaling
        self._emit_when_loaded = True
        self._restore_spec: dict | None = None  # a saved choice whose split and scaling apply once loaded
        self._defaults_for = None  # split and scaling reset to the defaults only for another data set
        self.task = BackgroundTask(self)
        self.task.progress.connect(lambda f: self.progress_bar.setValue(int(round(f * 1000))))
        self.task.succeeded.connect(self._loaded)
        self.task.failed.connect(self._failed)
        self.task.cancelled.connect(lambda: self._set_status(tr("Loading was cancelled.")))
        self._debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._debounce.timeout.connect(self.load_current)

        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        if compact:
            self.tree.setMinimumHeight(120)
            self.tree.setMaximumHeight(COMPACT_TREE_HEIGHT)
        else:
            self.tree.setMinimumWidth(230)
        self._group_items: dict[str, QTreeWidgetItem] = {}
        self._specs: dict[int, dict] = {}
        self._fill_tree()
        self.tree.currentItemChanged.connect(self._selected)
        self.import_csv_button = QPushButton(tr("Import CSV…"))
        self.image_folder_button = QPushButton(tr("Image folder…"))
        self.mnist_button = QPushButton(tr("MNIST folder…"))
        self.import_csv_button.clicked.connect(self.import_csv)
        self.image_folder_button.clicked.connect(self.import_image_folder)
        self.mnist_button.clicked.connect(lambda: self.choose_mnist_folder())

        self.title_label = QLabel()
        self.title_label.setStyleSheet("font-weight: bold; font-size: 14px;")
        self.description_label = QLabel()
        self.description_label.setWordWrap(True)
        self.options = OptionEditors()
        self.options.changed.connect(self._debounce.start)
        self.regenerate_button = QPushButton(tr("Regenerate"))
        self.regenerate_button.setToolTip(tr("New random points: the seed goes up by one."))
        self.regenerate_button.clicked.connect(self.regenerate)
        self.clear_points_button = QPushButton(tr("Clear points"))
        self.clear_points_button.setToolTip(tr("Remove every drawn point and start on an empty plane."))
        self.clear_points_button.clicked.connect(self.clear_points)
        self.clear_points_button.hide()
        self.options_box = QGroupBox(tr("Options"))
        options_layout = QVBoxLayout(self.options_box)
        options_layout.addWidget(self.options)
        buttons = QHBoxLayout()
        buttons.addWidget(self.regenerate_button)
        buttons.addWidget(self.clear_points_button)
        buttons.addStretch(1)
        options_layout.addLayout(buttons)

        self.split_box = SplitBox()
        self.split_box.setVisible(with_split)
        self.split_box.changed.connect(self._split_changed)
        self.split_spins, self.split_seed = self.split_box.spins, self.split_box.seed
        self.scaling_combo, self.split_note = self.split_box.scaling_combo, self.split_box.note

        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setMaximumHeight(10)
        self._arrange()
        self._set_split((0.7, 0.15, 0.15))
        self.progress_bar.hide()

    def _arrange(self) -> None:
        """Side by side (the list left, the details right), or stacked for a narrow dock."""
        imports = QGridLayout()
        buttons = (self.import_csv_button, self.image_folder_button, self.mnist_button)
        for index, button in enumerate(buttons):
            # stacked: two buttons a row, so the longest Spanish labels still fit in a narrow dock
            imports.addWidget(button, *((index // 2, index % 2) if self.compact else (index, 0)))
        details = QVBoxLayout()
        for widget in (self.title_label, self.description_label, self.options_box, self.split_box,
                       self.progress_bar, self.summary_label, self.status_label):
            details.addWidget(widget)
        layout = QVBoxLayout(self) if self.compact else QHBoxLayout(self)
        if self.compact:
            layout.setContentsMargins(0, 0, 0, 0)
            layout.addWidget(self.tree)
            layout.addLayout(imports)
            layout.addLayout(details)
            return
        details.addStretch(1)
        left = QVBoxLayout()
        left.addWidget(self.tree, 1)
        left.addLayout(imports)
        layout.addLayout(left)
        layout.addLayout(details, 1)

    # -- the list ------------------------------------------------------------------------------------------
    def _fill_tree(self) -> None:
        texts, groups = dataset_texts(), group_titles()
        for name in datasets.names():
            group = datasets.describe(name)["group"]
            parent = self._group(group, groups.get(group, group))
            item = QTreeWidgetItem(parent, [texts.get(name, (name, ""))[0]])
            self._set_entry(item, {"name": name, "options": datasets.describe(name)["options"]})
        self.points_item = QTreeWidgetItem(self._group_items["playground"], [tr("Draw my own points")])
        self.points_item.setToolTip(0, tr("Points you add by clicking on the decision boundary plot"))
        self._set_entry(self.points_item, {"points": [], "options": {}})
        if not self.compact:
            self.tree.expandAll()

    def _entry(self, item: QTreeWidgetItem | None) -> dict | None:
        key = None if item is None else item.data(0, KEY_ROLE)
        return None if key is None else copy.deepcopy(self._specs[key])

    def _set_entry(self, item: QTreeWidgetItem, spec: dict) -> None:
        key = item.data(0, KEY_ROLE)
        if key is None:
            key = len(self._specs)
            item.setData(0, KEY_ROLE, key)
        self._specs[key] = copy.deepcopy(spec)

    def _group(self, key: str, title: str) -> QTreeWidgetItem:
        if key not in self._group_items:
            item = QTreeWidgetItem(self.tree, [title])
            item.setFlags(item.flags() & ~Qt.ItemIsSelectable)
            self._group_items[key] = item
        return self._group_items[key]

    def item_for(self, name: str) -> QTreeWidgetItem | None:
        """The list entry of a built-in data set."""
        for group in self._group_items.values():
            for k in range(group.childCount()):
                if self._entry(group.child(k)).get("name") == name:
                    return group.child(k)
        return None

    def _add_imported(self, spec: dict, dataset: Dataset | None) -> QTreeWidgetItem:
        group = self._group("imported", group_titles()["imported"])
        item = QTreeWidgetItem(group, [dataset.name if dataset is not None else spec_label(spec)])
        self._set_entry(item, spec)
        item.setToolTip(0, spec_label(spec))
        group.setExpanded(True)
        return item

    def _selected(self, item: QTreeWidgetItem | None, _previous=None) -> None:
        spec = self._entry(item)
        if spec is None:
            return
        texts = dataset_texts()
        if "name" in spec:
            title, description = texts.get(spec["name"], (spec["name"], ""))
        elif "points" in spec:
            title, description = item.text(0), tr("Tick 'Add points' on the decision boundary plot and click on "
                                                  "it to add points of the chosen class.")
        else:
            title = item.text(0)
            description = tr("Imported from {path}").format(path=spec_label(spec))
        self.title_label.setText(title)
        self.description_label.setText(description)
        self.options.set_options(spec.get("options", {}) if "name" in spec else {})
        self.options.setVisible(bool(self.options.editors))
        self.regenerate_button.setVisible("seed" in self.options.editors)
        self.clear_points_button.setVisible("points" in spec)
        self.options_box.setVisible(bool(self.options.editors) or "points" in spec)
        if self.compact:
            self.tree.collapseAll()
            if item.parent() is not None:
                item.parent().setExpanded(True)
            self.tree.scrollToItem(item)
        self.load_current()

    # -- loading -------------------------------------------------------------------------------------------
    def current_spec(self) -> dict | None:
        """The selected data set's spec with the options as edited (without split and scaling)."""
        item = self.tree.currentItem()
        spec = self._entry(item)
        if spec is None:
            return None
        if "name" in spec:
            spec["options"] = dict(spec.get("options", {}), **self.options.values())
        return spec

    def load_current(self, dataset: Dataset | None = None) -> None:
        """Load the selected data set in the background (or take ``dataset`` when it is already loaded)."""
        self._debounce.stop()
        spec = self.current_spec()
        if spec is None:
            return
        item = self.tree.currentItem()
        if "points" in spec and not spec["points"] and self._restore_spec is None:
            spec = start_points(self._dataset, spec)  # chosen while a 2-D data set is shown: start from it
        self._set_entry(item, spec)  # remember the edited options with the entry
        self._spec, self._dataset = spec, None
        self.summary_label.clear()
        if dataset is not None:
            self._loaded(dataset)
            return
        self._set_status(tr("Loading…"))
        self.progress_bar.setValue(0)
        self.progress_bar.show()
        self.task.start(lambda progress, cancel: load_spec(spec, progress, cancel))

    def regenerate(self) -> None:
        """New random points: seed + 1, loaded at once."""
        seed = self.options.editors.get("seed")
        if seed is not None:
            seed.blockSignals(True)
            seed.setValue(seed.value() + 1)
            seed.blockSignals(False)
            self.load_current()

    def _loaded(self, ds: Dataset) -> None:
        self._dataset = ds
        self.progress_bar.hide()
        self._set_status("")
        which = spec_label(self._spec)
        if self._restore_spec is not None:
            self._restore(self._restore_spec)
        elif which != self._defaults_for:
            with Blocked(*self.split_spins.values(), self.scaling_combo):
                self._set_split(ds.meta.get("default_split", (0.7, 0.15, 0.15)))
                self.scaling_combo.setCurrentIndex(self.scaling_combo.findData(default_scaling(self._spec, ds.task)))
        self._defaults_for = which
        self._split_changed()
        self._restore_spec, self._emit_when_loaded = None, True
        self.loaded.emit(ds)

    def _failed(self, message: str) -> None:
        self.progress_bar.hide()
        if self._spec is not None and "points" in self._spec:
            # too few points is where every drawing starts: say what to do, and the choice still counts
            self._set_status(points_hint(self._spec, message), hint=True)
            if self._emit_when_loaded:
                self.dataset_chosen.emit(copy.deepcopy(self._spec))
        else:
            self._set_status(message, error=True)
        self._restore_spec, self._emit_when_loaded = None, True

    def _set_status(self, text: str, error: bool = False, hint: bool = False) -> None:
        self.status_label.setStyleSheet(ERROR_STYLE if error else HINT_STYLE if hint else "")
        self.status_label.setText(text)

    # -- split and scaling ---------------------------------------------------------------------------------
    def _set_split(self, ratios) -> None:
        for spin, ratio in zip(self.split_spins.values(), ratios):
            spin.setValue(round(100 * ratio, 1))

    def split_config(self) -> dict:
        """The split ratios (normalised to add up to 1) and the shuffle seed."""
        values = {k: s.value() for k, s in self.split_spins.items()}
        total = sum(values.values()) or 1.0
        return dict({k: round(v / total, 6) for k, v in values.items()}, seed=self.split_seed.value())

    def _split_changed(self) -> None:
        ds = self._dataset
        if ds is None:
            return
        summary, note = describe_dataset(ds, self.split_config())
        self.summary_label.setText(summary)
        self.split_note.setText(note)
        self.split_note.setVisible(bool(note))
        self._emit()

    def _emit(self) -> None:
        spec = self.spec()
        if spec is not None and self._emit_when_loaded:
            self.dataset_chosen.emit(spec)

    # -- public --------------------------------------------------------------------------------------------
    def spec(self) -> dict | None:
        """The loaded data set's spec with "split" and "scaling" (None while nothing is loaded)."""
        if self._dataset is None or self._spec is None:
            return None
        if not self.with_split:
            return copy.deepcopy(self._spec)
        return dict(copy.deepcopy(self._spec), split=self.split_config(), scaling=self.scaling_combo.currentData())

    def dataset(self) -> Dataset | None:
        """The loaded data set (None while loading or after an error)."""
        return self._dataset

    def showing(self, spec: dict | None) -> bool:
        """True when the chooser shows (has loaded or is loading) the data set of ``spec``."""
        return spec is not None and self._spec is not None and same_choice(spec, self._spec)

    def clear_points(self) -> None:
        """Empty the drawn data set (keeping its class names and extra inputs) and choose it."""
        spec = self._entry(self.points_item)
        if not spec["points"] and not spec["options"]:  # never drawn: the classes and inputs of the one shown
            spec = start_points(self._dataset, spec)
        spec["points"] = []
        self.task.stop()  # a load still running is of the points before
        self._set_entry(self.points_item, spec)
        with Blocked(self.tree):
            self.tree.setCurrentItem(self.points_item)
        self._spec, self._dataset = spec, None
        self.summary_label.clear()
        self._set_status(points_hint(spec, ""), hint=True)
        self.dataset_chosen.emit(copy.deepcopy(spec))

    def select(self, name: str) -> None:
        """Select a built-in data set by name (it loads in the background)."""
        item = self.item_for(name)
        if item is None:
            raise ValueError(f"unknown data set {name!r}; choose one of: {', '.join(datasets.names())}")
        self.tree.setCurrentItem(item)

    def set_spec(self, spec: dict, emit: bool = False) -> None:
        """Show a saved choice (e.g. from a project): select it, set its options, split and scaling, load it.
        ``dataset_chosen`` is emitted only with ``emit=True``."""
        self._emit_when_loaded, self._restore_spec = emit, spec
        if "points" in spec:
            item = self.points_item
            self._set_entry(item, {"points": spec["points"], "options": dict(spec.get("options") or {})})
        elif "name" in spec:
            item = self.item_for(spec["name"])
            if item is None:
                self._set_status(tr("Unknown data set '{name}'.").format(name=spec["name"]), error=True)
                return
            self._set_entry(item, {"name": spec["name"], "options": dict(
                datasets.describe(spec["name"])["options"], **(spec.get("options") or {}))})
        else:
            item = self._add_imported({k: v for k, v in spec.items() if k not in ("split", "scaling")}, None)
        self.tree.blockSignals(True)
        self.tree.setCurrentItem(item)
        self.tree.blockSignals(False)
        self._selected(item)

    def _restore(self, spec: dict) -> None:
        split = spec.get("split")
        with Blocked(*self.split_spins.values(), self.split_seed, self.scaling_combo):
            if split:
                self._set_split((split.get("train", 0.7), split.get("validation", 0.15), split.get("test", 0.15)))
                self.split_seed.setValue(int(split.get("seed", 0)))
            if spec.get("scaling"):
                self.scaling_combo.setCurrentIndex(max(0, self.scaling_combo.findData(spec["scaling"])))
            elif self._dataset is not None:
                self.scaling_combo.setCurrentIndex(self.scaling_combo.findData(
                    default_scaling(self._spec, self._dataset.task)))
            if not split and self._dataset is not None:
                self._set_split(self._dataset.meta.get("default_split", (0.7, 0.15, 0.15)))

    def closeEvent(self, event) -> None:
        self.task.stop()
        super().closeEvent(event)
