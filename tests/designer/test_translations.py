"""Every user-visible string written tr("...") in the designer has a Spanish translation, and the
translator really replaces text through Qt's translation system."""
import ast
import json
from pathlib import Path

from PySide6.QtCore import QCoreApplication

from designer.i18n import catalogue, install_language, tr

ROOT = Path(__file__).resolve().parents[2]


def translatable_literals() -> dict[str, str]:
    found = {}
    for path in sorted((ROOT / "designer").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "tr"
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                found.setdefault(node.args[0].value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_tr_string_has_a_spanish_translation():
    spanish = catalogue("es")
    missing = {text: where for text, where in translatable_literals().items() if not spanish.get(text)}
    assert not missing, "add these to resources/translations/es/<area>.json:\n" + "\n".join(
        f"  {where}: {text!r}" for text, where in missing.items())


def test_catalogues_are_valid_and_do_not_contradict_each_other():
    seen: dict[str, tuple[str, str]] = {}
    for path in sorted((ROOT / "resources" / "translations" / "es").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert isinstance(data, dict)
        for english, spanish in data.items():
            assert isinstance(spanish, str) and spanish.strip(), f"{path.name}: empty translation of {english!r}"
            if english in seen:
                assert seen[english][1] == spanish, f"{english!r}: {seen[english][0]} and {path.name} disagree"
            seen[english] = (path.name, spanish)


def test_placeholders_survive_translation():
    import re

    for english, spanish in catalogue("es").items():
        assert set(re.findall(r"\{\w*\}", english)) == set(re.findall(r"\{\w*\}", spanish)), english


def test_the_translator_goes_through_qt(qapp):
    try:
        install_language(qapp, "es")
        assert QCoreApplication.translate("neurotaller", "Layers") == "Capas"
        assert tr("Layers") == "Capas"
        install_language(qapp, "en")
        assert tr("Layers") == "Layers"
    finally:
        install_language(qapp, "en")
