"""UI text through Qt's translation system.

Every user-visible string is written ``tr("English text")``; it goes through ``QCoreApplication.translate``
so any installed QTranslator can replace it. Our translator reads flat JSON catalogues
(``resources/translations/<language>/*.json``, ``{"English": "Español"}``): text files that diff and review
like code, with no compile step. Formatting happens after translation: ``tr("Epoch {n}").format(n=3)``.
"""
from __future__ import annotations

import json
import re
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
    global _engine_patterns
    _engine_patterns = engine_patterns(language)
    if language == "en":
        return None
    translator = JsonTranslator(language, app)
    app.installTranslator(translator)
    return translator


# -- the engine's messages --------------------------------------------------------------------------------------
# The engine never imports Qt: its messages (a shape that does not fit, a loss that diverged, a file it cannot
# read) are English sentences built with f-strings. ``resources/translations/<language>/engine/*.json`` maps
# message patterns to translations, ``{"{name} is part of a loop: …": "{name} forma parte de un bucle: …"}``;
# a ``{field}`` matches any text, and a field named ``reason`` or ``error`` is translated in its turn (an
# engine message inside another). Messages without a pattern stay English.
_engine_patterns: list[tuple[re.Pattern, str]] = []
_NESTED = ("reason", "error")


def _compile_pattern(pattern: str) -> re.Pattern:
    parts = re.split(r"\{(\w+)\}", pattern)
    regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts))
    return re.compile(regex + r"\Z", re.DOTALL)


def engine_patterns(language: str) -> list[tuple[re.Pattern, str]]:
    """The compiled message patterns of ``language`` (none for English), in file order."""
    from designer.resources import resource_path

    folder = resource_path("translations", language, "engine")
    patterns = []
    for path in sorted(Path(folder).glob("*.json")) if folder.is_dir() else []:
        for pattern, translation in json.loads(path.read_text(encoding="utf-8")).items():
            patterns.append((_compile_pattern(pattern), translation))
    return patterns


def tr_engine(message: str) -> str:
    """An engine message in the UI's language (see above); English when no pattern matches it whole."""
    text = str(message)
    for pattern, translation in _engine_patterns:
        match = pattern.match(text)
        if match:
            fields = {name: tr_engine(value) if name in _NESTED else value
                      for name, value in match.groupdict().items()}
            return translation.format(**fields)
    return text
