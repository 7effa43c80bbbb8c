"""New / Open / Save / Save As / Recent files, the unsaved-changes prompt, and crash recovery.

Opening reads the whole file into an engine Project first and only then replaces the document, so a damaged
or newer file is refused with a message and the open document is untouched. Saves are atomic (the engine
writes a temporary file and renames it). Every minute a modified document is also written to a recovery file;
a clean exit deletes it, so a recovery file found at start-up means the last session crashed.
"""
from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QStandardPaths, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from designer.document import Document
from designer.i18n import tr
from engine.io import ProjectFileError
from engine.project import Project, load, save
from engine.graph.model import Graph

FILE_FILTER = "Neurotaller (*.ntl)"
MAX_RECENT = 10
AUTOSAVE_MS = 60_000


def default_recovery_dir() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation) or str(Path.home())
    return Path(base) / "recovery"


def _other_live_process(path: Path) -> bool:
    """Whether the session that wrote ``path`` is another Neurotaller still running (not a crash)."""
    try:
        pid = int(path.stem.split("-")[1])
    except (IndexError, ValueError):
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class FileController(QObject):
    recent_changed = Signal(list)
    message = Signal(str)

    def __init__(self, document: Document, window: QWidget | None = None, settings: QSettings | None = None,
                 recovery_dir: Path | None = None, autosave_ms: int = AUTOSAVE_MS):
        super().__init__(window)
        self.document = document
        self.window = window
        self.settings = settings or QSettings()
        self.recovery_dir = Path(recovery_dir) if recovery_dir else default_recovery_dir()
        self.recovery_file = self.recovery_dir / f"session-{os.getpid()}-{uuid.uuid4().hex[:8]}.ntl"
        self._autosave = QTimer(self)
        self._autosave.setInterval(autosave_ms)
        self._autosave.timeout.connect(self.autosave)
        self._autosave.start()

    # -- the menu's actions ------------------------------------------------------------------------------
    def new(self, project: Project | None = None) -> bool:
        if not self.maybe_save():
            return False
        self.document.load_project(project or Project(graph=Graph()))
        return True

    def open(self, path: str | os.PathLike | None = None) -> bool:
        if not self.maybe_save():
            return False
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self.window, tr("Open a project"), self._last_folder(),
                                                  FILE_FILTER)
            if not path:
                return False
        return self.open_path(path)

    def open_path(self, path: str | os.PathLike) -> bool:
        """Read ``path`` and show it; on any problem keep the open document and explain."""
        try:
            project = load(path)
        except (ProjectFileError, OSError) as error:
            self._warn(tr("This file cannot be opened"), str(error))
            return False
        self.document.load_project(project, path)
        self._add_recent(path)
        return True

    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self.save_to(self.document.path)

    def save_as(self) -> bool:
        suggested = str(Path(self._last_folder()) / f"{self.document.title}.ntl")
        path, _ = QFileDialog.getSaveFileName(self.window, tr("Save the project as"), suggested, FILE_FILTER)
        if not path:
            return False
        if not path.lower().endswith(".ntl"):
            path += ".ntl"
        return self.save_to(path)

    def save_to(self, path: str | os.PathLike) -> bool:
        try:
            self.document.save(path)
        except (ProjectFileError, OSError) as error:
            self._warn(tr("The project was not saved"), str(error))
            return False
        self._add_recent(path)
        self.message.emit(tr("Saved {path}").format(path=path))
        return True

    def maybe_save(self) -> bool:
        """Ask about unsaved changes; False means the user cancelled whatever was about to happen."""
        if not self.document.is_modified():
            return True
        answer = QMessageBox.question(
            self.window, tr("Unsaved changes"),
            tr("“{name}” has changes that are not saved. Save them first?").format(name=self.document.title),
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    # -- recent files -----------------------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        value = self.settings.value("recent_files", [])
        files = [value] if isinstance(value, str) else list(value or [])
        return [f for f in files if Path(f).is_file()]

    def _add_recent(self, path) -> None:
        path = str(Path(path).resolve())
        files = [path] + [f for f in self.recent_files() if f != path]
        self.settings.setValue("recent_files", files[:MAX_RECENT])
        self.settings.setValue("last_folder", str(Path(path).parent))
        self.recent_changed.emit(files[:MAX_RECENT])

    def _last_folder(self) -> str:
        return str(self.settings.value("last_folder", str(Path.home())))

    # -- crash recovery ---------------------------------------------------------------------------------
    def autosave(self) -> None:
        if not self.document.is_modified():
            return
        try:
            self.recovery_dir.mkdir(parents=True, exist_ok=True)
            project = self.document.to_project()
            project.training = {**project.training, "_recovered_from": str(self.document.path or "")}
            save(self.recovery_file, project)
        except (ProjectFileError, OSError) as error:
            self.message.emit(tr("Autosave failed: {error}").format(error=error))

    def recovery_candidates(self) -> list[Path]:
        """Recovery files left by sessions that did not end cleanly (newest first)."""
        if not self.recovery_dir.is_dir():
            return []
        files = [p for p in self.recovery_dir.glob("session-*.ntl")
                 if p != self.recovery_file and not _other_live_process(p)]
        return sorted(files, key=lambda p: p.stat().st_mtime, reverse=True)

    def offer_recovery(self, ask=None) -> bool:
        """At start-up: offer the newest crashed session's work; the others are removed once handled."""
        candidates = self.recovery_candidates()
        if not candidates:
            return False
        newest = candidates[0]
        ask = ask or self._ask_recover
        recovered = False
        if ask(newest):
            try:
                project = load(newest)
            except (ProjectFileError, OSError) as error:
                self._warn(tr("The recovery file cannot be read"), str(error))
            else:
                origin = project.training.pop("_recovered_from", "")
                self.document.load_project(project, None)
                self.document.name = Path(origin).stem if origin else self.document.name
                self.document.undo_stack.resetClean()  # recovered work is unsaved work
                self.document.modified_changed.emit(True)
                recovered = True
        for path in candidates:
            path.unlink(missing_ok=True)
        return recovered

    def _ask_recover(self, path: Path) -> bool:
        stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(path.stat().st_mtime))
        answer = QMessageBox.question(
            self.window, tr("Recover unsaved work?"),
            tr("Neurotaller did not close properly last time. Recover the work autosaved at {time}?").format(
                time=stamp))
        return answer == QMessageBox.StandardButton.Yes

    def clean_exit(self) -> None:
        self._autosave.stop()
        self.recovery_file.unlink(missing_ok=True)

    def _warn(self, title: str, detail: str) -> None:
        self.message.emit(f"{title}: {detail}")
        if self.window is not None and self.window.isVisible():
            QMessageBox.warning(self.window, title, detail)
