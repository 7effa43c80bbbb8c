"""Every tr("...") string of designer/data has a Spanish entry in resources/translations/es/data.json with the
same {placeholders}, and the widgets come up in Spanish when the Spanish translator is installed."""
import ast
import json
import re
from pathlib import Path

from designer.i18n import install_language

ROOT = Path(__file__).resolve().parents[2]


def _data_strings() -> set[str]:
    found = set()
    for path in (ROOT / "designer" / "data").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "tr"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                found.add(node.args[0].value)
    return found


def test_every_data_string_has_spanish_with_the_same_placeholders():
    spanish = json.loads((ROOT / "resources" / "translations" / "es" / "data.json").read_text(encoding="utf-8"))
    strings = _data_strings()
    assert not strings - set(spanish), sorted(strings - set(spanish))
    assert not set(spanish) - strings, sorted(set(spanish) - strings)  # no stale entries
    for english in strings:
        assert re.findall(r"\{[^}]*\}", english) == re.findall(r"\{[^}]*\}", spanish[english]) or \
            sorted(re.findall(r"\{[^}]*\}", english)) == sorted(re.findall(r"\{[^}]*\}", spanish[english])), english


def test_widgets_in_spanish(qtbot, qapp, tmp_path):
    from designer.data.dataset_chooser import DatasetChooser
    from designer.data.import_wizard import ImportWizard

    try:
        install_language(qapp, "es")
        chooser = DatasetChooser()
        qtbot.addWidget(chooser)
        assert chooser.import_csv_button.text() == "Importar CSV…"
        assert chooser.tree.topLevelItem(0).text(0) == "Playground (puntos en 2D)"
        path = tmp_path / "a.csv"
        path.write_bytes(b"x;y\n1;0\n2;1\n")
        wizard = ImportWizard(path=path)
        qtbot.addWidget(wizard)
        assert wizard.file_page.title() == "Elige un archivo" and "punto y coma" in wizard.file_page.info_label.text()
    finally:
        install_language(qapp, "en")
