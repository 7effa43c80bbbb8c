"""The data set chooser's importers: a CSV file (the import wizard), an image folder, an MNIST folder. Each
dialog loads in the background; what it loaded is taken as it is (not loaded again)."""
from __future__ import annotations

from PySide6.QtWidgets import QFileDialog

from engine.datasets import Dataset

from designer.i18n import tr
from designer.data.chooser_support import spec_label


class ChooserImporters:
    """Mixed into :class:`designer.data.dataset_chooser.DatasetChooser`."""

    def import_csv(self) -> None:
        from designer.data.import_wizard import ImportWizard
        wizard = ImportWizard(self)
        if wizard.exec() and wizard.result_dataset() is not None:
            self._take_imported(wizard.result_spec(), wizard.result_dataset())

    def import_image_folder(self) -> None:
        from designer.data.image_folder import ImageFolderDialog
        dialog = ImageFolderDialog(self)
        if dialog.exec() and dialog.result_dataset() is not None:
            self._take_imported(dialog.result_spec(), dialog.result_dataset())

    def _take_imported(self, spec: dict, ds: Dataset) -> None:
        item = self._add_imported(spec, ds)
        self.tree.blockSignals(True)
        self.tree.setCurrentItem(item)
        self.tree.blockSignals(False)
        self.title_label.setText(item.text(0))
        self.description_label.setText(tr("Imported from {path}").format(path=spec_label(spec)))
        self.options.set_options({})
        self.options_box.hide()
        self.clear_points_button.hide()
        self.load_current(dataset=ds)  # already loaded by the importer

    def choose_mnist_folder(self, folder: str | None = None) -> None:
        """MNIST (or Fashion-MNIST, when the folder's path says so) from a folder of IDX files or .npz."""
        if not folder:
            folder = QFileDialog.getExistingDirectory(self, tr("Folder with the MNIST files"))
        if folder:
            name = "fashion_mnist" if "fashion" in str(folder).lower() else "mnist"
            self.set_spec({"name": name, "options": {"folder": str(folder)}}, emit=True)
