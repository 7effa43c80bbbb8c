"""The layer palette: groups from the registry, search as you type (English and Spanish), drag data and
activation by double-click or Enter."""
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

import designer.palette as palette_module
from designer.i18n import install_language
from designer.mime import LAYER_MIME
from designer.editors.layer_looks import category_icon, layer_icon
from designer.palette import Palette
from engine.layers.registry import CATEGORIES, layer_types


@pytest.fixture
def palette(qtbot):
    widget = Palette()
    qtbot.addWidget(widget)
    widget.resize(300, 800)
    widget.show()
    return widget


@pytest.fixture
def spanish(qtbot):
    app = QApplication.instance()
    install_language(app, "es")
    yield
    install_language(app, "en")


def _type(qtbot, palette, text):
    palette.search.clear()
    if text.isascii():
        QTest.keyClicks(palette.search, text)
    else:  # QTest can only type ASCII keys; pasting is what a Spanish keyboard's dead keys amount to here
        palette.search.insert(text)
    return set(palette.visible_layer_types())


def double_click(widget, position):
    """What a mouse sends: a click, then the double-click (QTest's mouseDClick alone has no press first)."""
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, position)
    QTest.mouseDClick(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, position)


def test_groups_follow_the_registry_in_the_lesson_order(palette):
    tree = palette.tree
    shown = [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]
    used = [category for category in CATEGORIES if any(cls.category == category for cls in layer_types())]
    assert shown == used  # Input/Output, Dense, Convolution, Pooling, Recurrent, Merge, Regularization, ...
    for cls in layer_types():
        item = palette.layer_items[cls.type_name]
        assert item.parent() is palette.category_items[cls.category]
        assert cls.description in item.toolTip(0)
        assert not layer_icon(cls.type_name).isNull(), cls.type_name
    assert all(not category_icon(category).isNull() for category in CATEGORIES)
    assert set(palette.visible_layer_types()) == {cls.type_name for cls in layer_types()}


def test_search_filters_names_and_descriptions_as_you_type(qtbot, palette):
    assert _type(qtbot, palette, "CONV") == {"Conv1D", "Conv2D", "Conv2DTranspose"}
    image_layers = _type(qtbot, palette, "image")  # found through the descriptions
    assert {"Conv2D", "MaxPooling2D", "UpSampling2D", "ZeroPadding2D"} <= image_layers
    assert "Dense" not in image_layers
    assert _type(qtbot, palette, "max pool 2d") == {"MaxPooling2D", "GlobalMaxPooling2D"}  # every word must match
    assert palette.category_items["Dense"].isHidden() and not palette.category_items["Pooling"].isHidden()
    assert _type(qtbot, palette, "zzz") == set()
    assert palette.empty_label.isVisible() and "zzz" in palette.empty_label.text()
    palette.search.clear()
    assert len(palette.visible_layer_types()) == len(layer_types())
    assert not palette.empty_label.isVisible()


def test_spanish_names_categories_and_search(qtbot, spanish):
    widget = Palette()
    qtbot.addWidget(widget)
    widget.show()
    assert widget.category_items["Regularization"].text(0) == "Regularización"
    assert widget.layer_items["Dense"].text(0) == "Dense"  # Keras names stay: students write them in code
    assert _type(qtbot, widget, "regularizacion") == {"BatchNormalization", "Dropout"}  # without the accent
    assert "Add" in _type(qtbot, widget, "suma")  # the Spanish description
    assert "Conv2D" in _type(qtbot, widget, "convolución")
    assert "Input" in _type(qtbot, widget, "entrada")


def test_drag_carries_the_layer_type(qtbot, palette, monkeypatch):
    item = palette.layer_items["Conv2D"]
    mime = palette.tree.mimeData([item])
    assert bytes(mime.data(LAYER_MIME)).decode("utf-8") == "Conv2D"
    assert palette.tree.mimeData([palette.category_items["Dense"]]) is None  # categories do not drag

    started = []

    class FakeDrag:  # QDrag.exec would run a nested event loop waiting for a drop
        def __init__(self, source):
            self.source = source

        def setMimeData(self, data):  # noqa: N802
            self.mime = data

        def setPixmap(self, pixmap):  # noqa: N802
            self.pixmap = pixmap

        def exec(self, action):
            started.append((bytes(self.mime.data(LAYER_MIME)).decode("utf-8"), action, self.pixmap.isNull()))
            return action

    monkeypatch.setattr(palette_module, "QDrag", FakeDrag)
    viewport = palette.tree.viewport()
    start = palette.tree.visualItemRect(item).center()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for step in range(1, 6):
        QTest.mouseMove(viewport, start + QPoint(12 * step, 4 * step))
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       start + QPoint(60, 20))
    assert started == [("Conv2D", Qt.DropAction.CopyAction, False)]


def test_double_click_and_enter_activate_a_layer(qtbot, palette):
    tree = palette.tree
    item = palette.layer_items["Dense"]
    position = tree.visualItemRect(item).center()
    with qtbot.waitSignal(palette.layer_activated) as blocker:
        double_click(tree.viewport(), position)
    assert blocker.args == ["Dense"]

    tree.setCurrentItem(palette.layer_items["LSTM"])
    with qtbot.waitSignal(palette.layer_activated) as blocker:
        QTest.keyClick(tree, Qt.Key.Key_Return)
    assert blocker.args == ["LSTM"]

    QTest.keyClicks(palette.search, "dropout")  # type, press Enter: the first match is added
    with qtbot.waitSignal(palette.layer_activated) as blocker:
        QTest.keyClick(palette.search, Qt.Key.Key_Return)
    assert blocker.args == ["Dropout"]


def test_categories_fold_on_a_click_and_never_activate(qtbot, palette):
    tree = palette.tree
    category = palette.category_items["Pooling"]
    activated = []
    palette.layer_activated.connect(activated.append)
    QTest.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     tree.visualItemRect(category).center())
    assert not category.isExpanded()
    double_click(tree.viewport(), tree.visualItemRect(category).center())
    assert activated == []
