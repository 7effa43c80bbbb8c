"""What the import wizard shows before loading, without Qt widgets: the detected format of a CSV file, a
preview of its first rows parsed with the chosen settings, per-column facts, and the mapping from the user's
per-column choices to ``engine.datasets.load_csv`` options.

Detection and cell parsing are the engine's own (``engine.datasets.csv_detect``), so the preview shows what
the load will do. Only the first 64 KB are read here; ``Preview.exact`` says whether that is the whole file.
"""
from __future__ import annotations

import gzip
import inspect
import os
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from engine.datasets import DataError, load_csv
from engine.datasets import csv_detect as det
from engine.datasets.csv_table import unique_names  # the preview names columns exactly as the import does

from designer.i18n import tr

BIG_FILE_BYTES = 20 * 2**20  # above this the wizard warns that loading takes a while
ENCODINGS = ("utf-8", "utf-8-sig", "cp1252", "latin-1")
SEPARATORS = (",", ";", "\t", " ")
ROLES = ("feature", "target", "ignore")
KINDS = ("number", "category")
FILLS = ("drop", "mean", "median", "most_frequent", "constant")
_MOSTLY_NUMERIC = 0.05  # as the engine: up to 5 % text cells in a numeric column count as missing
_MAX_CLASSES_GUESSED = 20


@dataclass
class Sniff:
    """A file's first bytes and the format detected from them."""

    path: str
    size: int
    head: bytes
    truncated: bool
    encoding: str
    sep: str
    decimal: str
    header: bool


@dataclass
class ColumnInfo:
    """Facts about one column in the preview rows."""

    name: str
    kind: str           # "number", "text" or "empty"
    missing: int        # missing cells (text cells of a numeric column count too, as in the engine)
    distinct: int = 0   # different non-missing values
    count: int = 0      # non-missing cells
    whole: bool = True  # all numbers are whole


@dataclass
class Preview:
    names: list[str]
    rows: list[list[str]]
    cell_kinds: list[list[str]]  # "number", "text" or "missing" per cell
    columns: list[ColumnInfo]
    exact: bool                  # the preview rows are the whole file


@dataclass
class ColumnChoice:
    """What the user chose for a column on the wizard's columns page."""

    role: str = "feature"   # one of ROLES
    kind: str = "number"    # one of KINDS
    fill: str = "drop"      # one of FILLS
    constant: str = ""      # the value for fill == "constant"


def _read_head(path: str) -> tuple[bytes, bool, int]:
    """(first SAMPLE_BYTES bytes, gunzipped; truncated?; file size). Raises DataError."""
    try:
        size = os.path.getsize(path)
        if os.path.isdir(path):
            raise DataError(f"{path} is a folder, not a file")
        with open(path, "rb") as raw:
            head = raw.read(det.SAMPLE_BYTES + 1)
            if head[:2] == b"\x1f\x8b":
                raw.seek(0)
                with gzip.GzipFile(fileobj=raw, mode="rb") as gz:
                    head = gz.read(det.SAMPLE_BYTES + 1)
    except OSError as exc:
        raise DataError(f"cannot open {path}: {exc.strerror or exc}") from exc
    except (EOFError, zlib.error) as exc:
        raise DataError(f"this looks like a gzip-compressed file but it cannot be decompressed ({exc})") from exc
    return head[:det.SAMPLE_BYTES], len(head) > det.SAMPLE_BYTES, size


def sniff(path: str | os.PathLike) -> Sniff:
    """Read the start of a file and detect its encoding, separator, decimal mark and header row.
    Raises DataError for files that are not text (spreadsheets, archives, ...) or are empty."""
    path = os.fspath(path)
    head, truncated, size = _read_head(path)
    det.check_not_binary(head)
    encoding = det.detect_encoding(head, truncated)
    text = det.decode_sample(head, encoding, truncated)
    if not text.strip():
        raise DataError("the file is empty")
    sep = det.detect_separator(text, truncated) or ","
    decimal, header = detect_decimal_and_header(text, truncated, sep)
    return Sniff(path, size, head, truncated, encoding, sep, decimal, header)


def detect_decimal_and_header(text: str, truncated: bool, sep: str) -> tuple[str, bool]:
    """The decimal mark and header row the engine would detect with separator ``sep``."""
    rows = det.sample_rows(text, sep, truncated)
    decimal = det.detect_decimal(rows)
    parse = det.make_number_parser(decimal, det.thousands_for(decimal, sep))
    return decimal, bool(det.detect_header(rows, parse))


def sample_text(s: Sniff, encoding: str) -> str:
    """The sampled bytes decoded with ``encoding`` (undecodable bytes show as �)."""
    return det.decode_sample(s.head, det.check_encoding(encoding), s.truncated)


def preview(s: Sniff, encoding: str, sep: str, decimal: str, header: bool, limit: int = 200) -> Preview:
    """The first ``limit`` rows with each cell classified as the engine will read it."""
    text = sample_text(s, encoding)
    rows = det.sample_rows(text, sep, s.truncated, limit=limit + 1)
    parse = det.make_number_parser(decimal, det.thousands_for(decimal, sep))
    head_row = [c.strip() for c in rows[0]] if header and rows else []
    body = rows[1:] if header else rows
    exact = not s.truncated and len(rows) <= limit
    body = body[:limit]
    widths = Counter(len(r) for r in body)
    width = widths.most_common(1)[0][0] if widths else max(len(head_row), 1)
    if head_row and not (width == len(head_row) + 1 and widths[width] == len(body)):
        width = len(head_row)
    elif head_row:
        head_row = [""] + head_row  # R's write.csv: the header has no name for the row-names column
    names = unique_names(head_row, width)
    cells = [(r + [""] * width)[:width] for r in body]
    kinds = [[_cell_kind(parse, c) for c in r] for r in cells]
    columns = [_column_info(names[j], [r[j] for r in cells], [k[j] for k in kinds], parse) for j in range(width)]
    return Preview(names, cells, kinds, columns, exact)


def _cell_kind(parse, cell: str) -> str:
    found = det.is_number(parse, cell)
    return "number" if found else ("missing" if found is None else "text")


def _column_info(name: str, cells: list[str], kinds: list[str], parse) -> ColumnInfo:
    n_num, n_text = kinds.count("number"), kinds.count("text")
    if n_num + n_text == 0:
        return ColumnInfo(name, "empty", len(cells))
    if n_text == 0 or (n_num > 0 and n_text <= _MOSTLY_NUMERIC * (n_num + n_text)):
        values = [parse(c) for c, k in zip(cells, kinds) if k == "number"]
        return ColumnInfo(name, "number", len(cells) - n_num, distinct=len(set(values)),
                          whole=all(v == round(v) for v in values), count=n_num)
    texts = {c.strip() for c, k in zip(cells, kinds) if k != "missing"}
    return ColumnInfo(name, "text", kinds.count("missing"), distinct=len(texts), whole=False, count=n_num + n_text)


def left_out_anyway(col: ColumnInfo) -> bool:
    """Columns the engine never uses as features: empty ones, and text with a different value on most rows
    (identifiers, free text). Judged on the preview rows, as the engine judges on the whole file."""
    return col.kind == "empty" or (col.kind == "text" and col.distinct > 50 and col.distinct > 0.5 * col.count)


def default_choices(columns: list[ColumnInfo]) -> list[ColumnChoice]:
    """Target: the last column with values (the engine's default); empty and identifier columns ignored;
    text columns are categories; a numeric target with few whole values is a category (classes), as the
    engine guesses."""
    choices = [ColumnChoice(role="ignore" if left_out_anyway(c) else "feature",
                            kind="category" if c.kind == "text" else "number") for c in columns]
    filled = [j for j, c in enumerate(columns) if c.kind != "empty"]
    if filled:
        t = filled[-1]
        col = columns[t]
        few = col.distinct <= min(_MAX_CLASSES_GUESSED, max(2, col.count // 5))
        choices[t].role = "target"
        if col.kind == "text" or (col.whole and few):
            choices[t].kind = "category"
    return choices


def engine_options() -> frozenset[str]:
    """The keyword options this engine's ``load_csv`` takes (newer engines add per-column ones)."""
    return frozenset(inspect.signature(load_csv).parameters)


def load_options(s: Sniff, fmt: dict, columns: list[ColumnInfo], choices: list[ColumnChoice],
                 supported: frozenset[str] | None = None) -> tuple[dict, list[str]]:
    """``load_csv`` options for the user's choices, and the (translated) problems that stop loading.

    ``fmt`` holds "encoding", "sep", "decimal", "header". The encoding is left to detection when it is the
    detected one (so a UTF-8 guess can still fall back to cp1252 further on). Per-column choices the engine
    has no option for become problems that say so, never silently something else.
    """
    supported = engine_options() if supported is None else supported
    problems: list[str] = []
    options: dict = {"sep": fmt["sep"], "decimal": fmt["decimal"], "header": bool(fmt["header"])}
    if fmt["encoding"] != s.encoding:
        options["encoding"] = fmt["encoding"]
    targets = [j for j, c in enumerate(choices) if c.role == "target"]
    features = [j for j, c in enumerate(choices) if c.role == "feature"]
    if len(targets) != 1:
        problems.append(tr("Choose one column as the target (what the network learns to predict)."))
    else:
        t = targets[0]
        options["target"] = columns[t].name
        options["task"] = "classification" if choices[t].kind == "category" else "regression"
        if columns[t].kind == "text" and choices[t].kind == "number":
            problems.append(tr("Column '{name}' holds text; it can only be a category.").format(name=columns[t].name))
    if not features:
        problems.append(tr("Choose at least one feature column (an input of the network)."))
    ignored = [columns[j].name for j, c in enumerate(choices) if c.role == "ignore"
               and ("ignore" in supported or not left_out_anyway(columns[j]))]
    categorical = [columns[j].name for j in features if columns[j].kind == "number" and choices[j].kind == "category"]
    for key, names, message in (
            ("ignore", ignored, tr("This engine cannot leave out column '{name}' yet; make it a feature.")),
            ("categorical", categorical,
             tr("This engine cannot read the numbers of column '{name}' as categories yet; choose Number."))):
        if names and key in supported:
            options[key] = names
        elif names:
            problems.append(message.format(name=names[0]))
    _missing_options(columns, choices, features, supported, options, problems)
    return options, problems


def _fill_value(col: ColumnInfo, choice: ColumnChoice, problems: list[str]):
    if choice.fill != "constant":
        return choice.fill
    text = choice.constant.strip()
    if col.kind == "text":
        return {"constant": text} if text else problems.append(
            tr("Type the value that fills the missing cells of column '{name}'.").format(name=col.name))
    try:
        return {"constant": float(text.replace(",", "."))}
    except ValueError:
        problems.append(tr("The fill value of column '{name}' must be a number.").format(name=col.name))


def _missing_options(columns, choices, features, supported, options, problems) -> None:
    """``missing`` (one rule for all columns) and, when the engine has it, ``fill`` (per column)."""
    policies = {j: _fill_value(columns[j], choices[j], problems) for j in features}
    if "fill" in supported:
        common = Counter(p for p in policies.values() if isinstance(p, str)).most_common(1)
        options["missing"] = common[0][0] if common else "drop"
        fill = {columns[j].name: p for j, p in policies.items() if p is not None and p != options["missing"]}
        if fill:
            options["fill"] = fill
        return
    # one rule for every column: the engine fills text columns with their most frequent value under both
    # "mean" and "median", so those choices agree with it
    relevant = [j for j in features if columns[j].missing] or features
    kinds = {j: "constant" if isinstance(p, dict) else p for j, p in policies.items() if p is not None}
    numeric = {kinds[j] for j in relevant if j in kinds and columns[j].kind != "text"}
    text = {kinds[j] for j in relevant if j in kinds and columns[j].kind == "text"}
    if numeric | text <= {"drop"}:
        options["missing"] = "drop"
    elif len(numeric) <= 1 and numeric <= {"mean", "median"} and text <= {"most_frequent"}:
        options["missing"] = next(iter(numeric), "mean")
    else:
        problems.append(tr("This engine applies one rule to every column with missing values: drop the rows, "
                           "or fill numbers with the mean (or the median) and text with the most frequent value."))


def display_separator(sep: str) -> str:
    return {",": tr("Comma ( , )"), ";": tr("Semicolon ( ; )"), "\t": tr("Tab"), " ": tr("Space")}.get(sep, sep)


def display_encoding(encoding: str) -> str:
    names = {"utf-8": tr("UTF-8"), "utf-8-sig": tr("UTF-8 with BOM"), "cp1252": tr("Windows (cp1252)"),
             "latin-1": tr("Latin-1 (ISO-8859-1)"), "iso8859-1": tr("Latin-1 (ISO-8859-1)"),
             "utf-16": tr("UTF-16")}
    return names.get(encoding, encoding)


def file_label(s: Sniff) -> str:
    return Path(s.path).name
