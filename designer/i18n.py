"""UI text through Qt's translation system.

Every user-visible string is written ``tr("English text")``; it goes through ``QCoreApplication.translate``
so any installed QTranslator can replace it. Our translator reads flat JSON catalogues
(``resources/translations/<language>/*.json``, ``{"English": "Español"}``): text files that diff and review
like code, with no compile step. Formatting happens after translation: ``tr("Epoch {n}").format(n=3)``.
"""
from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator

CONTEXT = "neurotaller"
LANGUAGES = ("en", "es")


def tr(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


def catalogue(language: str) -> dict[str, str]:
    """Every translated string of ``language``, merged from its JSON files (English needs none)."""
    from designer.resources import resource_path

    merged: dict[str, str] = {}
    folder = resource_path("translations", language)
    for path in sorted(Path(folder).glob("*.json")) if folder.is_dir() else []:
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


class JsonTranslator(QTranslator):
    def __init__(self, language: str, parent=None):
        super().__init__(parent)
        self.language = language
        self.strings = catalogue(language)

    def translate(self, context, source_text, disambiguation=None, n=-1):  # noqa: N802 (Qt's name)
        return self.strings.get(source_text) or None

    def isEmpty(self) -> bool:  # noqa: N802
        return not self.strings


def system_language() -> str:
    name = QLocale.system().name().split("_")[0]
    return name if name in LANGUAGES else "en"


def install_language(app: QCoreApplication, language: str | None = None) -> QTranslator | None:
    """Install the translator for ``language`` (the system's by default); English needs none."""
    language = language or system_language()
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; choose one of {', '.join(LANGUAGES)}")
    for old in app.findChildren(JsonTranslator):
        app.removeTranslator(old)
        old.deleteLater()
    if language == "en":
        return None
    translator = JsonTranslator(language, app)
    app.installTranslator(translator)
    return translator
