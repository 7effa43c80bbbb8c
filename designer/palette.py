"""The layer palette: every registered layer, grouped by category, with icons, a search box, drag and drop.

Built from the engine's registry (a new layer appears here without touching this file). Dragging an entry
carries ``designer.mime.LAYER_MIME`` with the layer type name; double-click or Enter emits
``layer_activated(type)`` (the main window adds that layer after the selected node). The palette never edits
the document itself.
"""
from __future__ import annotations

import unicodedata

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QColor, QDrag, QFont, QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QLabel, QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from designer.editors.layer_looks import category_color, category_icon, layer_icon
from designer.i18n import tr
from designer.mime import LAYER_MIME
from engine.layers.registry import CATEGORIES, layer_types

TYPE_ROLE = Qt.ItemDataRole.UserRole + 1  # the layer type name of a layer row (None on category rows)


def category_order(category: str) -> int:
    return CATEGORIES.index(category) if category in CATEGORIES else len(CATEGORIES)


def fold(text: str) -> str:
    """Case- and accent-insensitive form for searching: ``Regularización`` → ``regularizacion``."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


class LayerTree(QTreeWidget):
    """The list itself: categories with their layers; drags carry LAYER_MIME, Enter activates."""

    layer_activated = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setIndentation(14)
        self.setRootIsDecorated(False)  # category rows are coloured bars across the whole width; a click folds
        self.itemClicked.connect(self._on_clicked)
        self.setIconSize(QSize(24, 24))
        self.setUniformRowHeights(True)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setExpandsOnDoubleClick(False)  # a category folds on one click; two would fold it back
        self.setStyleSheet("QTreeWidget { border: none; } QTreeWidget::item { padding: 3px 2px; }")
        self.itemDoubleClicked.connect(self._on_double_clicked)

    @staticmethod
    def layer_type(item: QTreeWidgetItem | None) -> str | None:
        return item.data(0, TYPE_ROLE) if item is not None else None

    def mimeTypes(self) -> list[str]:  # noqa: N802 (Qt's name)
        return [LAYER_MIME]

    def mimeData(self, items) -> QMimeData | None:  # noqa: N802
        types = [self.layer_type(item) for item in items if self.layer_type(item)]
        if not types:
            return None
        mime = QMimeData()
        mime.setData(LAYER_MIME, types[0].encode("utf-8"))
        mime.setText(types[0])  # dropping into a text field writes the type name
        return mime

    def startDrag(self, actions) -> None:  # noqa: N802
        item = self.currentItem()
        mime = self.mimeData([item]) if item is not None else None
        if mime is None:
            return
        drag = QDrag(self)
        drag.setMimeData(mime)
        drag.setPixmap(item.icon(0).pixmap(32, 32))
        drag.exec(Qt.DropAction.CopyAction)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        layer_type = self.layer_type(self.currentItem())
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and layer_type:
            self.layer_activated.emit(layer_type)
            return
        super().keyPressEvent(event)

    def _on_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        if self.layer_type(item) is None:
            item.setExpanded(not item.isExpanded())

    def _on_double_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        layer_type = self.layer_type(item)
        if layer_type:
            self.layer_activated.emit(layer_type)


class _SearchBox(QLineEdit):
    """Down moves into the list; Enter adds the first match (type "dense", press Enter)."""

    down = Signal()
    accepted_first = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Down:
            self.down.emit()
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.accepted_first.emit()
        else:
            super().keyPressEvent(event)


class Palette(QWidget):
    layer_activated = Signal(str)  # a layer type to add after the selected node

    def __init__(self, parent=None):
        super().__init__(parent)
        self.search = _SearchBox(self)
        self.search.setPlaceholderText(tr("Search layers…"))
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip(tr("Type part of a name or of a description, e.g. “conv” or “image”."))
        self.tree = LayerTree(self)
        self.empty_label = QLabel(self)
        self.empty_label.setWordWrap(True)
        self.empty_label.setStyleSheet("color: #606060; padding: 8px;")
        self.empty_label.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self.search)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.tree, 1)
        font = QFont(self.tree.font())
        font.setPointSizeF(font.pointSizeF() + 1)  # read from the back of a classroom
        self.tree.setFont(font)
        self.category_items: dict[str, QTreeWidgetItem] = {}
        self.layer_items: dict[str, QTreeWidgetItem] = {}
        self._search_text: dict[str, str] = {}
        self._populate()
        self.search.textChanged.connect(self.set_filter)
        self.search.down.connect(self._focus_first)
        self.search.accepted_first.connect(self._activate_first)
        self.tree.layer_activated.connect(self.layer_activated)

    def _populate(self) -> None:
        classes = sorted(layer_types(), key=lambda cls: (category_order(cls.category), cls.type_name))
        for cls in classes:
            parent = self.category_items.get(cls.category) or self._add_category(cls.category)
            name, description = tr(cls.type_name), tr(cls.description)
            item = QTreeWidgetItem(parent, [name])
            item.setData(0, TYPE_ROLE, cls.type_name)
            item.setIcon(0, layer_icon(cls.type_name))
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled)
            keras = "" if name == cls.type_name else f"<br><i>Keras: {cls.type_name}</i>"
            item.setToolTip(0, f"<b>{name}</b><br>{description}{keras}<br><br>"
                               + tr("Drag it onto the canvas, or double-click to add it after the selected layer."))
            self.layer_items[cls.type_name] = item
            self._search_text[cls.type_name] = fold(" ".join(
                {cls.type_name, name, cls.description, description, cls.category, tr(cls.category)}))
        self.tree.expandAll()

    def _add_category(self, category: str) -> QTreeWidgetItem:
        item = QTreeWidgetItem(self.tree, [tr(category)])
        item.setIcon(0, category_icon(category))
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)
        font = QFont(self.tree.font())
        font.setBold(True)
        item.setFont(0, font)
        color = QColor(category_color(category))
        item.setForeground(0, color.darker(115))
        color.setAlpha(28)
        item.setBackground(0, color)
        self.category_items[category] = item
        return item

    # -- searching ------------------------------------------------------------------------------------------
    def set_filter(self, text: str) -> None:
        """Show only layers whose names or descriptions (English or translated) contain every typed word."""
        words = fold(text).split()
        for layer_type, item in self.layer_items.items():
            item.setHidden(not all(word in self._search_text[layer_type] for word in words))
        for category_item in self.category_items.values():
            children = [category_item.child(i) for i in range(category_item.childCount())]
            category_item.setHidden(all(child.isHidden() for child in children))
            category_item.setExpanded(True)
        nothing = bool(words) and not self.visible_layer_types()
        self.empty_label.setText(tr("No layer matches “{text}”.").format(text=text.strip()) if nothing else "")
        self.empty_label.setVisible(nothing)

    def visible_layer_types(self) -> list[str]:
        """The layer types shown, top to bottom."""
        return [layer_type for layer_type, item in self.layer_items.items()
                if not item.isHidden() and not item.parent().isHidden()]

    def _focus_first(self) -> None:
        visible = self.visible_layer_types()
        if visible:
            self.tree.setCurrentItem(self.layer_items[visible[0]])
            self.tree.setFocus()

    def _activate_first(self) -> None:
        visible = self.visible_layer_types()
        if visible:
            self.layer_activated.emit(visible[0])
