"""Importing a folder of images (one sub-folder per class) as an image data set.

Decoding and resizing use QImage (:func:`qimage_decode`, safe in worker threads); finding the classes,
skipping unreadable files and assembling the arrays is the engine's job
(:func:`engine.datasets.images.load_image_folder`). Importing this module registers the QImage decoder with
the engine, so ``engine.datasets.from_spec({"images": folder, ...})`` works in the designer too.

    dialog = ImageFolderDialog(parent)
    if dialog.exec():
        ds, spec = dialog.result_dataset(), dialog.result_spec()  # spec: {"images": folder, "options": {...}}
"""
from __future__ import annotations

import os

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QPlainTextEdit, QProgressBar, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from engine.datasets import DataError, Dataset, images

from designer.i18n import tr
from designer.data.background import BackgroundTask

ERROR_STYLE = "color: #b00020;"


def qimage_decode(path: str | os.PathLike, size: tuple[int, int], channels: int) -> np.ndarray:
    """Read an image file with QImage, resized (stretched, like Keras' image_dataset_from_directory) to
    ``size``; transparent parts become white. Raises ValueError for files QImage cannot read.

    Shapes: returns (h, w, channels) uint8.
    """
    image = QImage(os.fspath(path))
    if image.isNull():
        raise ValueError("not an image, or a format that cannot be read")
    if image.hasAlphaChannel():
        flat = QImage(image.size(), QImage.Format_RGB32)
        flat.fill(Qt.white)
        painter = QPainter(flat)
        painter.drawImage(0, 0, image)
        painter.end()
        image = flat
    h, w = int(size[0]), int(size[1])
    image = image.scaled(w, h, Qt.IgnoreAspectRatio, Qt.SmoothTransformation)
    image = image.convertToFormat(QImage.Format_Grayscale8 if channels == 1 else QImage.Format_RGB888)
    return qimage_to_array(image, channels)


def qimage_to_array(image: QImage, channels: int) -> np.ndarray:
    """A Grayscale8 / RGB888 QImage as a numpy copy (rows are padded to 4 bytes in the QImage).
    Shapes: (h, w, channels) uint8."""
    h, w = image.height(), image.width()
    data = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes())
    return data.reshape(h, image.bytesPerLine())[:, :w * channels].reshape(h, w, channels).copy()


if images.get_decoder() is None:
    images.set_decoder(qimage_decode)


class ImageFolderDialog(QDialog):
    """Pick a folder, an image size and grey / RGB; the images load in the background (with Cancel)."""

    def __init__(self, parent: QWidget | None = None, folder: str | os.PathLike | None = None):
        super().__init__(parent)
        self.setWindowTitle(tr("Import an image folder"))
        self.setMinimumWidth(560)
        self._dataset: Dataset | None = None
        self.task = BackgroundTask(self)
        self.task.progress.connect(lambda f: self.progress_bar.setValue(int(round(f * 1000))))
        self.task.succeeded.connect(self._succeeded)
        self.task.failed.connect(self._failed)
        self.task.cancelled.connect(self._cancelled)

        intro = QLabel(tr("One sub-folder per class, named after the class (for example cats/ and dogs/). "
                          "Every image is resized to the size chosen."))
        intro.setWordWrap(True)
        self.folder_edit = QLineEdit()
        self.folder_edit.setPlaceholderText(tr("Folder with one sub-folder per class"))
        browse = QPushButton(tr("Browse…"))
        browse.clicked.connect(self._browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(browse)
        self.height_spin, self.width_spin = QSpinBox(), QSpinBox()
        for spin in (self.height_spin, self.width_spin):
            spin.setRange(4, 512)
            spin.setValue(28)
            spin.setSuffix(tr(" px"))
        size_row = QHBoxLayout()
        size_row.addWidget(self.height_spin)
        size_row.addWidget(QLabel("×"))
        size_row.addWidget(self.width_spin)
        size_row.addStretch(1)
        self.color_combo = QComboBox()
        self.color_combo.addItem(tr("Grey (1 channel)"), "grey")
        self.color_combo.addItem(tr("Colour RGB (3 channels)"), "rgb")
        form = QFormLayout()
        form.addRow(tr("Folder:"), folder_row)
        form.addRow(tr("Size (height × width):"), size_row)
        form.addRow(tr("Colours:"), self.color_combo)
        self.scan_label = QLabel()
        self.scan_label.setWordWrap(True)
        self.load_button = QPushButton(tr("Load images"))
        self.load_button.clicked.connect(self.start)
        self.cancel_button = QPushButton(tr("Cancel loading"))
        self.cancel_button.clicked.connect(self.task.cancel)
        self.cancel_button.hide()
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setTextVisible(False)
        load_row = QHBoxLayout()
        load_row.addWidget(self.progress_bar, 1)
        load_row.addWidget(self.load_button)
        load_row.addWidget(self.cancel_button)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setMaximumHeight(110)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Ok).setText(tr("Use these images"))
        self.buttons.button(QDialogButtonBox.Cancel).setText(tr("Cancel"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for item in (intro, form, self.scan_label, load_row, self.status_label, self.details, self.buttons):
            (layout.addLayout if isinstance(item, (QFormLayout, QHBoxLayout)) else layout.addWidget)(item)
        self.folder_edit.textChanged.connect(self._settings_changed)
        for spin in (self.height_spin, self.width_spin):
            spin.valueChanged.connect(self._settings_changed)
        self.color_combo.currentIndexChanged.connect(self._settings_changed)
        if folder is not None:
            self.folder_edit.setText(os.fspath(folder))
        self._settings_changed()

    # -- settings ------------------------------------------------------------------------------------------
    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("Image folder"), self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)

    def settings(self) -> dict:
        return {"size": [self.height_spin.value(), self.width_spin.value()], "color": self.color_combo.currentData()}

    def _settings_changed(self) -> None:
        """Any change forgets the loaded images and says what the folder holds (a quick directory listing)."""
        self.task.stop()
        self._dataset = None
        self._set_running(False)
        self.progress_bar.setValue(0)
        self.status_label.clear()
        self.details.clear()
        self.scan_label.setStyleSheet("")
        folder = self.folder_edit.text().strip()
        ok = False
        if not folder:
            self.scan_label.setText(tr("Choose a folder."))
        else:
            try:
                names, files, _ = images.scan_image_folder(folder)
            except DataError as exc:
                self.scan_label.setStyleSheet(ERROR_STYLE)
                self.scan_label.setText(str(exc))
            else:
                ok = True
                counts = np.bincount([c for _, c in files], minlength=len(names))
                listed = ", ".join(f"{n} ({k})" for n, k in zip(names[:12], counts[:12]))
                self.scan_label.setText(tr("{n} classes, {files} images: {listed}").format(
                    n=len(names), files=len(files), listed=listed + (", …" if len(names) > 12 else "")))
        self.load_button.setEnabled(ok)
        self._update_ok()

    # -- loading -------------------------------------------------------------------------------------------
    def start(self) -> None:
        folder, options = self.folder_edit.text().strip(), self.settings()
        self._dataset = None
        self.progress_bar.setValue(0)
        self.status_label.setStyleSheet("")
        self.status_label.setText(tr("Reading images…"))
        self.details.clear()
        self._set_running(True)
        self.task.start(lambda progress, cancel: images.load_image_folder(
            folder, options["size"], options["color"], decode=qimage_decode, progress=progress, cancel=cancel))
        self._update_ok()

    def _set_running(self, running: bool) -> None:
        self.cancel_button.setVisible(running)
        self.load_button.setVisible(not running)

    def _succeeded(self, ds: Dataset) -> None:
        self._dataset = ds
        self._set_running(False)
        self.progress_bar.setValue(1000)
        h, w, c = ds.x.shape[1:]
        self.status_label.setText(tr("{n} images of {h}×{w}×{c}, {k} classes.").format(
            n=ds.n_samples, h=h, w=w, c=c, k=ds.n_classes))
        skipped = ds.meta.get("skipped", [])
        lines = [tr("{n} files could not be read and were skipped:").format(n=ds.meta["n_skipped"])] if skipped else []
        lines += [f"  {name}: {why}" for name, why in skipped]
        lines += [n for n in ds.meta.get("notes", []) if "could not be read" not in n]  # that one is said above
        self.details.setPlainText("\n".join(lines))
        self._update_ok()

    def _failed(self, message: str) -> None:
        self._set_running(False)
        self.status_label.setStyleSheet(ERROR_STYLE)
        self.status_label.setText(message)
        self._update_ok()

    def _cancelled(self) -> None:
        self._set_running(False)
        self.status_label.setText(tr("Loading was cancelled."))
        self._update_ok()

    def _update_ok(self) -> None:
        self.buttons.button(QDialogButtonBox.Ok).setEnabled(self._dataset is not None)

    # -- result --------------------------------------------------------------------------------------------
    def result_dataset(self) -> Dataset | None:
        return self._dataset

    def result_spec(self) -> dict | None:
        """``{"images": folder, "options": {"size": [h, w], "color": ...}}`` for ``from_spec``."""
        return dict(self._dataset.spec) if self._dataset is not None else None

    def done(self, result: int) -> None:
        self.task.stop()
        super().done(result)
