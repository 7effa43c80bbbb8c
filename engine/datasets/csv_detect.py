"""Guessing how a CSV file is written, from its first bytes: file type, text encoding, separator, decimal mark,
thousands separator and whether the first row is a header; and the cell parser that follows those choices.

Everything here works on a sample (the first ``SAMPLE_BYTES``); the importer then streams the whole file.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter

from engine.datasets.base import DataError

SAMPLE_BYTES = 1 << 16
SEPARATORS = ("\t", ";", ",", " ")  # preference order when several fit equally well
SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", " ": "space"}
_SEPARATOR_ALIASES = {"comma": ",", "semicolon": ";", "tab": "\t", "\\t": "\t", "space": " ", "whitespace": " "}
# cells that mean "no value" (compared stripped and lower-cased)
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "?", "-", "--", "#n/a", "#na", "missing", "."})
NAN = float("nan")

_DOT_DECIMAL = re.compile(r"^\s*[+-]?\d*\.\d+([eE][+-]?\d+)?\s*$")
_DOT_GROUPED = re.compile(r"^\s*[+-]?[1-9]\d{0,2}(\.\d{3})+\s*$")            # 1.234 — ambiguous alone
_COMMA_DECIMAL = re.compile(r"^\s*[+-]?\d*,\d+([eE][+-]?\d+)?\s*$")
_EU_NUMBER = re.compile(r"^\s*[+-]?[1-9]\d{0,2}(\.\d{3})+,\d*\s*$")          # 1.234,5
_US_NUMBER = re.compile(r"^\s*[+-]?[1-9]\d{0,2}(,\d{3})+\.\d*\s*$")          # 1,234.5
_DOT_THOUSANDS = re.compile(r"^[+-]?[1-9]\d{0,2}(\.\d{3})+(,\d*)?$")


def _grouping(mark: str, decimal: str) -> re.Pattern:
    """Digits grouped by threes with ``mark``, then an optional ``decimal`` part."""
    group = r"[ \u00a0\u202f]" if mark == " " else re.escape(mark)
    return re.compile(rf"^[+-]?[1-9]\d{{0,2}}({group}\d{{3}})+({re.escape(decimal)}\d*)?$")


# ---------------------------------------------------------------------------------------------------------
# File type and encoding

def check_not_binary(head: bytes) -> None:
    """Raise DataError with advice when the bytes are a spreadsheet, an archive or another binary file."""
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        if b"opendocument.spreadsheet" in head:
            raise DataError("this is a LibreOffice/OpenDocument spreadsheet (.ods), not a CSV file; open it and "
                            "save it as CSV (File > Save As > Text CSV)")
        if b"xl/" in head or b"[Content_Types].xml" in head:
            raise DataError("this is an Excel file (.xlsx), not a CSV file; open it in Excel or LibreOffice and "
                            "save it as CSV (File > Save As > CSV)")
        raise DataError("this is a ZIP archive, not a CSV file; extract the CSV file from it first")
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise DataError("this is an old Excel file (.xls), not a CSV file; open it and save it as CSV")
    if head.startswith(b"%PDF"):
        raise DataError("this is a PDF document, not a CSV file")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return  # UTF-16 text has NUL bytes; it is handled as an encoding
    nul = head.find(b"\0")
    if nul >= 0:
        raise DataError(f"this is not a text file (byte {nul} is a NUL byte); a CSV file is plain text")


def _cut_at_line(sample: bytes, truncated: bool) -> bytes:
    """Drop the (probably incomplete) last line of a truncated sample, so no character is cut in half."""
    if not truncated:
        return sample
    end = max(sample.rfind(b"\n"), sample.rfind(b"\r"))
    return sample[:end + 1] if end > 0 else sample


def detect_encoding(sample: bytes, truncated: bool) -> str:
    """"utf-8-sig" (BOM), "utf-16" (BOM), "utf-8", or else "cp1252" (Windows Western European), or "latin-1"
    when the bytes are not valid cp1252 either."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    cut = _cut_at_line(sample, truncated)
    try:
        # incremental: a truncated sample with no line break may end inside a character
        codecs.getincrementaldecoder("utf-8")().decode(cut, final=not truncated)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        cut.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def check_encoding(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError as exc:
        raise DataError(f"unknown text encoding {encoding!r}; try 'utf-8', 'utf-8-sig', 'cp1252' or "
                        "'latin-1'") from exc


def decode_sample(sample: bytes, encoding: str, truncated: bool) -> str:
    """The sample as text (a truncated sample ends at a line break)."""
    if encoding == "utf-16":
        sample = sample[:len(sample) // 2 * 2]
        text = sample.decode("utf-16", errors="replace")
        if truncated:
            end = max(text.rfind("\n"), text.rfind("\r"))
            text = text[:end + 1] if end > 0 else text
        return text
    return _cut_at_line(sample, truncated).decode(encoding, errors="replace")


# ---------------------------------------------------------------------------------------------------------
# Rows, separator, decimal mark, header

def normalize_separator(sep: str) -> str:
    key = _SEPARATOR_ALIASES.get(str(sep).lower(), sep)
    if not isinstance(key, str) or len(key) != 1 or key in "\"\r\n":
        raise DataError(f"the separator must be one character such as ',', ';', '\\t' (tab) or ' '; got {sep!r}")
    return key


def reader(lines, sep: str):
    """A csv.reader for ``sep``; a space separator also takes runs of spaces."""
    return csv.reader(lines, delimiter=sep, quotechar='"', skipinitialspace=sep == " ", strict=False)


def clean_row(row: list[str], sep: str) -> list[str] | None:
    """None for a blank row; a space-separated row loses the empty fields that edge spaces create."""
    if sep == " ":
        while row and row[-1] == "":
            row.pop()
        while row and row[0] == "":
            row.pop(0)
    if not row or all(not cell.strip() for cell in row):
        return None
    return row


def sample_rows(text: str, sep: str, truncated: bool, limit: int = 400) -> list[list[str]]:
    """The sample's non-blank rows (without a truncated last row)."""
    rows = []
    try:
        for row in reader(io.StringIO(text, newline=""), sep):
            row = clean_row(row, sep)
            if row is not None:
                rows.append(row)
            if len(rows) > limit:
                break
    except csv.Error:
        pass  # the full parse reports it with its line number
    if truncated and len(rows) > 1 and len(rows) <= limit:
        rows.pop()
    return rows


def detect_separator(text: str, truncated: bool) -> str | None:
    """The separator that gives the same number (>= 2) of fields on most rows; None for a single column."""
    best, best_score = None, 0.0
    for sep in SEPARATORS:
        rows = sample_rows(text, sep, truncated)
        if not rows:
            continue
        counts = Counter(len(r) for r in rows)
        width, freq = counts.most_common(1)[0]
        if width < 2:
            continue
        score = freq / len(rows)
        if score > best_score + 1e-9:
            best, best_score = sep, score
    return best


def detect_decimal(rows: list[list[str]]) -> str:
    """"," when the cells look like 1,5 or 1.234,5 rather than 1.5 or 1,234.5; else "."."""
    dot = comma = 0
    for row in rows:
        for cell in row:
            if _EU_NUMBER.match(cell) or _COMMA_DECIMAL.match(cell):  # in a comma file only quoted: "1,5"
                comma += 1
            elif _US_NUMBER.match(cell) or (_DOT_DECIMAL.match(cell) and not _DOT_GROUPED.match(cell)):
                dot += 1
    return "," if comma > dot else "."


def thousands_for(decimal: str, sep: str) -> tuple[str, ...]:
    """The digit-grouping marks that cannot be confused with the decimal mark or the separator."""
    marks = ["."] if decimal == "," else ([","] if sep != "," else [])
    if sep != " ":
        marks.append(" ")
    return tuple(marks)


def make_number_parser(decimal: str, thousands: tuple[str, ...]):
    """A function cell -> float: NaN for missing and non-finite cells (NA, ?, -, inf, 1e400, ...); raises
    ValueError for text. Decimal commas and digit grouping (1.234,5 / 1,234.5 / 1 234,5) are understood."""
    grouped = [(mark, _grouping(mark, decimal)) for mark in thousands]

    def slow(cell: str) -> float:
        t = cell.strip()
        if t.lower() in MISSING_TOKENS:
            return NAN
        for mark, pattern in grouped:
            if pattern.match(t):
                t = re.sub(r"[ \u00a0\u202f]" if mark == " " else re.escape(mark), "", t)
                return finite(float(t.replace(",", ".")))
        if decimal == "," and "," in t and "." not in t:
            return finite(float(t.replace(",", ".")))
        raise ValueError(cell)

    def parse(cell: str) -> float:
        try:
            value = float(cell)
        except ValueError:
            return slow(cell)
        # a comma-decimal file may still hold a bare 1.234 (thousands) — only grouping explains it
        if decimal == "," and "." in cell and _DOT_THOUSANDS.match(cell.strip()):
            return slow(cell)
        return value if value - value == 0 else NAN  # inf - inf and nan - nan are NaN

    return parse


def finite(value: float) -> float:
    return value if value - value == 0 else NAN


def is_number(parse, cell: str) -> bool | None:
    """True for a number, None for a missing cell, False for text."""
    try:
        value = parse(cell)
    except ValueError:
        return False
    return None if value != value else True


def detect_header(rows: list[list[str]], parse) -> bool:
    """True when the first row has text above a mostly numeric column, or is all distinct text not seen below
    it; a file with one row is a header when that row holds text."""
    if not rows:
        return False
    first, rest = rows[0], rows[1:]
    kinds = [is_number(parse, c) for c in first]
    if not rest:
        return any(k is False for k in kinds)
    for j, kind in enumerate(kinds):
        if kind is False:
            below = [is_number(parse, r[j]) for r in rest if j < len(r)]
            numbers, texts = below.count(True), below.count(False)
            if numbers > 0 and numbers >= texts:
                return True
    if all(k is False for k in kinds):
        return all(first[j] not in {r[j] for r in rest if j < len(r)} for j in range(len(first)))
    return False
