"""What floats over the canvas: a hint on an empty canvas, a banner with problems of the whole network (no
Input, no output...), and an optional minimap in the corner. Widgets on the viewport, not scene items, so
they stay put while the network scrolls and zooms beneath them."""
from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QLabel

from designer.canvas.minimap import Minimap
from designer.i18n import tr

_HINT_STYLE = "color: #52606D; font-size: 18px;"
_BANNER_STYLE = ("background: #FFF0F0; color: #B71C1C; border: 1px solid #E57373; border-radius: 6px; "
                 "padding: 6px 10px; font-size: 14px;")


class CanvasOverlays(QObject):
    def __init__(self, view):
        super().__init__(view)
        self.view = view
        viewport = view.viewport()
        self.minimap = Minimap(view, viewport)
        self.hint = _label(viewport, tr("Drag a layer here from the palette to start, or open a template."),
                           _HINT_STYLE, Qt.AlignmentFlag.AlignCenter)
        self.banner = _label(viewport, "", _BANNER_STYLE, Qt.AlignmentFlag.AlignLeft)
        document, scene = view.document, view.scene()
        for signal in (document.node_added, document.node_removed, document.graph_replaced,
                       scene.sceneRectChanged, view.horizontalScrollBar().valueChanged,
                       view.verticalScrollBar().valueChanged, view.canvas_actions["minimap"].toggled):
            signal.connect(self.place)
        document.analysis_changed.connect(self.show_problems)
        self.show_problems()

    def show_problems(self, *_) -> None:
        problems = self.view.scene().global_problems
        self.banner.setText("<br>".join("⚠ " + _escape(problem) for problem in problems[:3]))
        self.place()

    def place(self, *_) -> None:
        view, scene = self.view, self.view.scene()
        area = view.viewport().rect()
        self.hint.setVisible(not scene.nodes)
        self.hint.setFixedWidth(max(100, min(520, area.width() - 40)))
        self.hint.adjustSize()
        self.hint.move(area.center() - self.hint.rect().center())
        self.banner.setVisible(bool(scene.nodes) and bool(self.banner.text()))
        self.banner.setMaximumWidth(max(200, int(area.width() * 0.6)))
        self.banner.adjustSize()
        self.banner.move(12, area.height() - self.banner.height() - 12)
        network = scene.network_rect()
        visible = view.mapToScene(area).boundingRect()
        wanted = view.canvas_actions["minimap"].isChecked() and not network.isNull() and not visible.contains(network)
        self.minimap.setVisible(wanted)
        if wanted:
            self.minimap.setFixedSize(max(80, min(240, area.width() // 3)), max(60, min(160, area.height() // 3)))
            self.minimap.move(area.width() - self.minimap.width() - 12, area.height() - self.minimap.height() - 12)
            self.minimap.refit()


def _label(parent, text: str, style_sheet: str, alignment) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setAlignment(alignment)
    label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
    label.setStyleSheet(style_sheet)
    return label


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
