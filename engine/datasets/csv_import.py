"""``load_csv``: a CSV file (or its bytes) to a :class:`Dataset`, streaming, with whatever is not given
detected: encoding, separator, decimal mark, digit grouping and header row.

The file is read once, in chunks of rows, into one float64 array per column (text cells become category
codes), so a 200 MB file is never held in memory as text or as Python rows. It can run in a background thread:
``progress(fraction)`` is called as it goes and ``cancel`` (a ``threading.Event`` or a callable returning
True) stops it with :class:`Cancelled`. Turning the columns into x and y is :mod:`csv_table`'s job.
"""
from __future__ import annotations

import csv
import gzip
import io
import os
import zlib
from array import array
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from engine.datasets import csv_detect as det
from engine.datasets.base import Cancelled, DataError, Dataset, cancel_check
from engine.datasets.csv_columns import ColumnChoices
from engine.datasets.csv_table import MISSING_POLICIES, ImportReport, build_dataset

_CHECK_EVERY = 2048  # rows between progress reports / cancel checks


@dataclass
class _Plan:
    """How to read the file: what was given or detected."""

    encoding: str
    sep: str
    decimal: str
    thousands: tuple[str, ...]
    header: bool
    width: int
    row_names_column: bool = False  # header one field shorter than the rows (R's write.csv)


class Column:
    """One column while streaming: numbers (NaN = missing or text) and, once text shows up, category codes."""

    __slots__ = ("values", "codes", "categories", "first_text")

    def __init__(self):
        self.values = array("d")
        self.codes: array | None = None  # -1 where the cell is not text
        self.categories: dict[str, int] = {}
        self.first_text: tuple[int, str] | None = None  # (line, cell) of the first text cell

    def add_chunk(self, cells: tuple[str, ...], lines: list[int], parse, decimal: str) -> None:
        """Append a chunk of cells. Clean numeric chunks go through numpy's parser in one call (the same
        float() rules, 5-10x faster than cell by cell); anything else is parsed cell by cell."""
        try:
            if decimal == ",":
                if any("." in c for c in cells):  # 1.234 means 1234 there: the cell parser decides
                    raise ValueError
                cells = [c.replace(",", ".") for c in cells]
            values = np.array(cells, dtype=np.float64)
        except ValueError:
            for cell, line in zip(cells, lines):
                self._add_cell(cell, line, parse)
            return
        values[~np.isfinite(values)] = np.nan  # inf, 1e400: missing
        self.values.frombytes(values.tobytes())
        if self.codes is not None:
            self.codes.extend(array("i", [-1]) * len(values))

    def _add_cell(self, cell: str, line: int, parse) -> None:
        try:
            value = parse(cell)
        except ValueError:
            if self.codes is None:
                self.codes = array("i", [-1]) * len(self.values)
                self.first_text = (line, cell)
            self.values.append(det.NAN)
            self.codes.append(self.categories.setdefault(cell.strip(), len(self.categories)))
            return
        self.values.append(value)
        if self.codes is not None:
            self.codes.append(-1)


# ---------------------------------------------------------------------------------------------------------
# Opening

def _opener(source) -> tuple[str, Callable[[], Any], int]:
    """(display name, function opening a fresh binary stream, size in bytes)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        return "data", lambda: io.BytesIO(data), len(data)
    path = Path(source)
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise DataError(f"{path} is a folder, not a file")
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise DataError(f"cannot open {path}: {exc.strerror or exc}") from exc
    return path.name, lambda: open(path, "rb"), size


def _text_stream(raw, encoding: str):
    """The decoded text of a raw stream (gunzipped when it starts with the gzip magic bytes)."""
    magic = raw.read(2)
    raw.seek(0)
    if magic == b"\x1f\x8b":
        raw = gzip.GzipFile(fileobj=raw, mode="rb")
    return io.TextIOWrapper(raw, encoding=encoding, newline="")


def _read_head(open_raw) -> tuple[bytes, bool, bool]:
    """(first SAMPLE_BYTES bytes, decompressed; truncated?; gzip?)."""
    with open_raw() as raw:
        head = raw.read(det.SAMPLE_BYTES + 1)
        if head[:2] != b"\x1f\x8b":
            return head[:det.SAMPLE_BYTES], len(head) > det.SAMPLE_BYTES, False
        raw.seek(0)
        try:
            with gzip.GzipFile(fileobj=raw, mode="rb") as gz:
                head = gz.read(det.SAMPLE_BYTES + 1)
        except (OSError, EOFError, zlib.error) as exc:
            raise DataError(f"this looks like a gzip-compressed file but it cannot be decompressed ({exc})") from exc
    return head[:det.SAMPLE_BYTES], len(head) > det.SAMPLE_BYTES, True


def _plan(head: bytes, truncated: bool, sep, decimal, encoding, header) -> _Plan:
    det.check_not_binary(head)
    encoding = det.check_encoding(encoding) if encoding else det.detect_encoding(head, truncated)
    text = det.decode_sample(head, encoding, truncated)
    if not text.strip() and not truncated:
        raise DataError("the file is empty")
    if sep is None:
        sep = det.detect_separator(text, truncated) or ","
    else:
        sep = det.normalize_separator(sep)
    rows = det.sample_rows(text, sep, truncated)
    if decimal is None:
        decimal = det.detect_decimal(rows)
    elif decimal not in (".", ","):
        raise DataError(f"the decimal mark must be '.' or ','; got {decimal!r}")
    thousands = det.thousands_for(decimal, sep)
    parse = det.make_number_parser(decimal, thousands)
    if header is None:
        header = det.detect_header(rows, parse)
    widths = Counter(len(r) for r in rows[1 if header else 0:])
    width = widths.most_common(1)[0][0] if widths else (len(rows[0]) if rows else 1)
    row_names = bool(header and rows and widths and width == len(rows[0]) + 1
                     and widths[width] == sum(widths.values()))
    if header and rows and not row_names:
        width = len(rows[0])
    return _Plan(encoding, sep, decimal, thousands, bool(header), width, row_names)


# ---------------------------------------------------------------------------------------------------------
# Streaming

def _check_quotes_closed(open_raw, encoding: str, row_start: int) -> None:
    """The last row holds a line break: raise if that is because a quote is never closed (an odd number of
    quote characters in the file), which makes the csv module read the rest of the file as one cell."""
    with open_raw() as raw:
        quotes = sum(line.count('"') for line in _text_stream(raw, encoding))
    if quotes % 2:
        raise DataError(f"line {row_start}: a quote (\") opened on this line is never closed, so the rest of the "
                        "file reads as one cell; close or remove it")


def _stream(open_raw, size: int, plan: _Plan, strict: bool, progress, cancelled) -> dict:
    """Read every row into columns. Returns names, columns, line numbers and the rows left aside."""
    parse = det.make_number_parser(plan.decimal, plan.thousands)
    width, sep = plan.width, plan.sep
    columns = [Column() for _ in range(width)]
    lines = array("q")
    names: list[str] | None = None
    ragged: list[int] = []  # lines of the first rows with too many fields
    short_rows, short_fields = array("q"), array("q")  # rows (indices) with too few fields, and how many
    n_ragged = blank = 0
    chunk: list[list[str]] = []
    chunk_lines: list[int] = []

    def flush():
        for column, cells in zip(columns, zip(*chunk)):
            column.add_chunk(cells, chunk_lines, parse, plan.decimal)
        lines.extend(chunk_lines)
        chunk.clear()
        chunk_lines.clear()

    with open_raw() as raw:
        rows = det.reader(_text_stream(raw, plan.encoding), sep)
        count = last_end = 0
        last_row: list[str] = []
        try:
            for row in rows:
                count += 1
                last_row, row_start, last_end = row, last_end + 1, rows.line_num
                if count % _CHECK_EVERY == 0:
                    if cancelled():
                        raise Cancelled("loading was cancelled")
                    if progress is not None and size:
                        progress(min(raw.tell() / size, 1.0))
                if sep == " " or len(row) <= 1 or not row[-1]:
                    row = det.clean_row(row, sep)  # the per-cell look only where a row may be blank
                    if row is None:
                        blank += 1
                        continue
                line = rows.line_num
                if plan.header and names is None:
                    names = ([""] if plan.row_names_column else []) + [c.strip() for c in row]
                    continue
                if len(row) != width:
                    while len(row) > width and not row[-1].strip():
                        row.pop()  # trailing separators
                    if len(row) < width:
                        # fine if the fields left off are in columns that turn out empty (trailing
                        # separators written on some lines only); csv_table decides once all is read
                        short_rows.append(len(lines) + len(chunk))
                        short_fields.append(len(row))
                        row = row + [""] * (width - len(row))
                    elif len(row) > width:
                        if strict:
                            raise DataError(f"line {line}: {len(row)} fields where the other rows have {width}; "
                                            f"check the separator ({det.SEPARATOR_NAMES.get(sep, repr(sep))}) "
                                            "and the quotes")
                        n_ragged += 1
                        if len(ragged) < 10:
                            ragged.append(line)
                        continue
                chunk.append(row)
                chunk_lines.append(line)
                if len(chunk) >= _CHECK_EVERY:
                    flush()
            flush()
            if any("\n" in cell or "\r" in cell for cell in last_row):
                _check_quotes_closed(open_raw, plan.encoding, row_start)
        except csv.Error as exc:
            raise DataError(f"line {rows.line_num}: cannot read it as CSV ({exc})") from exc
        except (OSError, EOFError, zlib.error) as exc:
            raise DataError(f"the file cannot be read to its end ({exc})") from exc
    if progress is not None:
        progress(1.0)
    return {"names": names, "columns": columns, "lines": lines, "ragged": ragged, "n_ragged": n_ragged,
            "short_rows": short_rows, "short_fields": short_fields, "blank": blank,
            "row_names": plan.row_names_column, "parse": parse}


def load_csv(path, target=None, *, sep: str | None = None, decimal: str | None = None,
             encoding: str | None = None, header: bool | None = None, missing: str = "drop",
             task: str | None = None, ignore: list[str | int] | None = None,
             categorical: list[str | int] | None = None, fill: dict[str | int, Any] | None = None,
             progress: Callable[[float], Any] | None = None, cancel=None) -> Dataset:
    """Load a CSV file (a path, or its bytes) as a data set; whatever is None is detected.

    Parameters
    ----------
    path : file path (``.csv``, ``.txt``, ``.tsv``, also gzip-compressed) or the file's bytes.
    target : the target column's name or index (negative counts from the end); default the last column with
        values that is not in ``ignore``.
    sep : ",", ";", "\\t" (or "tab") or " "; detected when None.
    decimal : "." or ","; detected when None (1,5 and 1.234,5 mean a decimal comma).
    encoding : detected when None: UTF-8, UTF-8 with BOM, UTF-16 with BOM, else cp1252 (Windows) / Latin-1.
    header : whether the first row names the columns; detected when None.
    missing : what to do with missing cells (empty, NA, ?, -, nan, inf, 1e400...) of feature columns without
        a ``fill`` entry: "drop" the row, fill with the column "mean", "median" (for text columns these two
        mean the most frequent category) or "most_frequent" value, or raise ("error"). Rows with a missing
        target are always dropped (or raise with "error"). Fill statistics come from the rows kept (the whole
        file but dropped rows), before any train / validation / test split.
    task : "classification", "regression" (or "binary" / "multiclass"); None guesses: a text target, or
        whole numbers with few distinct values, make classes.
    ignore : columns (names or indices, as ``target``) left out; they may hold anything.
    categorical : numeric feature columns read as categories (one-hot ``name=value`` like text columns, which
        always are categories).
    fill : per feature column, its missing-value rule instead of ``missing``: "drop", "mean", "median",
        "most_frequent" or ``{"constant": value}`` — a number for numeric columns (a string is read like a
        cell of the file), a text (or a number) for text and ``categorical`` columns. "mean" / "median" of a
        text column is an error.
    progress : called with the fraction of the file read, now and then.
    cancel : a ``threading.Event`` or a callable; when set / True, loading stops with :class:`Cancelled`.

    Returns
    -------
    Dataset with x float32 (n, features) — text feature columns one-hot encoded as ``name=value`` —, y
    (int64 class indices, or float32 (n, 1) for regression), feature_names, class_names and report (an
    :class:`ImportReport`: encoding, separator, decimal mark, header, rows dropped and why, missing cells
    per column and what was done with them, columns ignored / read as categories / left out and why).
    ``spec["options"]`` records the options, per-column ones with column names, so
    ``engine.datasets.from_spec(ds.spec)`` loads the same data set again.

    Raises
    ------
    DataError (a ValueError) saying what is wrong and where (line, column) when the file cannot be used.
    """
    if missing not in MISSING_POLICIES:
        raise ValueError(f"unknown missing={missing!r}; choose one of: {', '.join(MISSING_POLICIES)}")
    choices = ColumnChoices(ignore, categorical, fill)  # their form is checked before the file is read
    cancelled = cancel_check(cancel)
    name, open_raw, size = _opener(path)
    head, truncated, _ = _read_head(open_raw)
    plan = _plan(head, truncated, sep, decimal, encoding, header)
    notes = []
    # a guess from the first 64 KB can be wrong further on: UTF-8 falls back to cp1252, cp1252 to Latin-1
    fallbacks = {"utf-8": ["cp1252", "latin-1"], "cp1252": ["latin-1"]}.get(plan.encoding, [])
    tried = [plan.encoding] + ([] if encoding else fallbacks)
    for i, enc in enumerate(tried):
        plan.encoding = enc
        try:
            parsed = _stream(open_raw, size, plan, missing == "error", progress, cancelled)
            break
        except UnicodeDecodeError as exc:
            if i + 1 == len(tried):
                raise DataError(f"the file is not valid {enc} text ({exc.reason}); give another encoding=, "
                                "e.g. 'cp1252' or 'latin-1'") from exc
            notes.append(f"the file is not valid {enc} further on; it was read as {tried[i + 1]}")
    report = ImportReport(source=name, encoding=plan.encoding, separator=plan.sep, decimal=plan.decimal,
                          thousands="".join(plan.thousands), header=plan.header, notes=notes)
    options = dict(target=target, sep=sep, decimal=decimal, encoding=encoding, header=header, missing=missing,
                   task=task)
    ds = build_dataset(parsed, target, missing, task, report, choices)
    options.update(choices.spec_options())
    ds.name = Path(name.removesuffix(".gz")).stem
    if isinstance(path, (bytes, bytearray, memoryview)):
        ds.meta.update(title=ds.name, source="bytes")
    else:
        ds.meta.update(title=ds.name, source=os.fspath(path))
        ds.spec = {"csv": os.fspath(path), "options": options}
    return ds
