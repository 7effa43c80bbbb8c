"""The window's menus and tool bar: every action a name, a shortcut and a translated label, in one place."""
from __future__ import annotations

from functools import partial

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog

from designer.i18n import tr

StandardKey = QKeySequence.StandardKey


def build_menus(window) -> dict[str, QAction]:
    actions: dict[str, QAction] = {}

    def add(menu, name, text, slot, shortcut=None, checkable=False, checked=False):
        action = QAction(text, window)
        action.setObjectName(name)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if checkable:
            action.setCheckable(True)
            action.setChecked(checked)
            action.toggled.connect(slot)
        else:
            action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        actions[name] = action
        return action

    bar = window.menuBar()
    files = window.files
    file_menu = bar.addMenu(tr("&File"))
    add(file_menu, "new", tr("&New"), lambda: files.new(), StandardKey.New)
    templates = file_menu.addMenu(tr("New from &template"))
    _fill_templates(window, templates)
    add(file_menu, "open", tr("&Open…"), lambda: files.open(), StandardKey.Open)
    recent = file_menu.addMenu(tr("Open &recent"))
    recent.aboutToShow.connect(partial(_fill_recent, window, recent))
    file_menu.addSeparator()
    add(file_menu, "save", tr("&Save"), files.save, StandardKey.Save)
    add(file_menu, "save_as", tr("Save &as…"), files.save_as, StandardKey.SaveAs)
    file_menu.addSeparator()
    add(file_menu, "export_canvas", tr("Export the canvas as an image…"), partial(_export_canvas, window))
    file_menu.addSeparator()
    add(file_menu, "quit", tr("&Quit"), window.close, StandardKey.Quit)

    edit = bar.addMenu(tr("&Edit"))
    undo = window.document.undo_stack.createUndoAction(window, tr("&Undo"))
    undo.setShortcut(QKeySequence(StandardKey.Undo))
    redo = window.document.undo_stack.createRedoAction(window, tr("&Redo"))
    redo.setShortcut(QKeySequence(StandardKey.Redo))
    edit.addAction(undo)
    edit.addAction(redo)
    actions.update(undo=undo, redo=redo)
    edit.addSeparator()
    canvas = window.canvas
    add(edit, "cut", tr("Cu&t"), canvas.cut_selection, StandardKey.Cut)
    add(edit, "copy", tr("&Copy"), canvas.copy_selection, StandardKey.Copy)
    add(edit, "paste", tr("&Paste"), canvas.paste, StandardKey.Paste)
    add(edit, "duplicate", tr("&Duplicate"), canvas.duplicate_selection, "Ctrl+D")
    add(edit, "delete", tr("De&lete"), canvas.delete_selection, StandardKey.Delete)
    add(edit, "select_all", tr("Select &all"), canvas.select_all, StandardKey.SelectAll)

    view = bar.addMenu(tr("&View"))
    add(view, "zoom_in", tr("Zoom &in"), canvas.zoom_in, StandardKey.ZoomIn)
    add(view, "zoom_out", tr("Zoom &out"), canvas.zoom_out, StandardKey.ZoomOut)
    add(view, "fit", tr("&Fit to window"), canvas.fit_to_view, "Ctrl+0")
    add(view, "auto_layout", tr("Arrange &left to right"), canvas.auto_layout, "Ctrl+L")
    add(view, "snap", tr("&Snap to grid"), canvas.set_snap_to_grid, checkable=True, checked=True)
    view.addSeparator()
    for dock in window.findChildren(type(window.palette_dock)):
        view.addAction(dock.toggleViewAction())
    language = view.addMenu(tr("Language"))
    add(language, "language_es", "Español", partial(_restart_hint, window, "es"))
    add(language, "language_en", "English", partial(_restart_hint, window, "en"))

    help_menu = bar.addMenu(tr("&Help"))
    add(help_menu, "about", tr("&About Neurotaller"), partial(_about, window))
    return actions


def _fill_templates(window, menu) -> None:
    from engine.templates import describe, template_names

    for name in template_names():
        info = describe(name)
        action = menu.addAction(tr(info["title"]))
        action.setObjectName(f"template_{name}")
        action.setToolTip(tr(info["summary"]))
        action.triggered.connect(lambda _checked=False, n=name: window.new_from_template(n))


def _fill_recent(window, menu) -> None:
    menu.clear()
    files = window.files.recent_files()
    if not files:
        menu.addAction(tr("(no recent files)")).setEnabled(False)
    for path in files:
        menu.addAction(path).triggered.connect(lambda _checked=False, p=path: window.files.open(p))


def _export_canvas(window) -> None:
    path, _ = QFileDialog.getSaveFileName(window, tr("Export the canvas"), f"{window.document.title}.png",
                                          tr("Images (*.png *.svg)"))
    if path:
        window.canvas.export_image(path)
        window.show_message(tr("Exported {path}").format(path=path))


def _restart_hint(window, language: str) -> None:
    from PySide6.QtCore import QSettings

    QSettings().setValue("language", language)
    window.show_message(tr("The language changes the next time Neurotaller starts."))


def _about(window) -> None:
    from PySide6.QtWidgets import QMessageBox

    QMessageBox.about(window, tr("About Neurotaller"),
                      tr("Neurotaller: a workshop for neural networks, for classrooms. Works fully offline."))
