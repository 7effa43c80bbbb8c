"""From streamed CSV columns to a :class:`Dataset`: column types, the target, one-hot text features, the
missing-value policy (per column with :mod:`csv_columns`' choices) and the :class:`ImportReport` that says what
was detected, ignored, filled and dropped."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from engine.datasets.base import DataError, Dataset
from engine.datasets.csv_columns import ColumnChoices, column_index, fill_column, to_categories

MISSING_POLICIES = ("drop", "mean", "median", "error", "most_frequent")
TASK_CHOICES = ("classification", "regression", "binary", "multiclass")
_MOSTLY_NUMERIC = 0.05     # a column with at most 5 % text cells is numeric; its text cells count as missing
_MAX_CLASSES_GUESSED = 20  # whole-number targets with at most this many values are guessed to be classes
_SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", " ": "space"}


@dataclass
class ImportReport:
    """What ``load_csv`` detected and did. ``summary()`` gives it as readable lines."""

    source: str = ""
    encoding: str = ""
    separator: str = ","
    decimal: str = "."
    thousands: str = ""
    header: bool = True
    rows_read: int = 0
    rows_kept: int = 0
    blank_lines: int = 0
    rows_dropped: dict[str, int] = field(default_factory=dict)        # reason -> rows
    dropped_lines: dict[str, list[int]] = field(default_factory=dict)  # reason -> first line numbers
    missing: dict[str, int] = field(default_factory=dict)             # column -> missing cells
    filled: dict[str, object] = field(default_factory=dict)           # column -> value put in missing cells
    left_out: dict[str, str] = field(default_factory=dict)            # column -> why it is not a feature
    ignored: list[str] = field(default_factory=list)                  # columns left out by ignore=
    categorical: list[str] = field(default_factory=list)              # numeric columns read as categories
    fill_rules: dict[str, str] = field(default_factory=dict)          # column with missing cells -> its rule
    categories: dict[str, list[str]] = field(default_factory=dict)    # text feature column -> its values
    target: str = ""
    task: str = ""
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)

    def _handled(self, column: str) -> str:
        if column in self.filled:
            return f", filled with {self.filled[column]} ({self.fill_rules.get(column, '')})"
        return ", their rows dropped" if self.fill_rules.get(column) == "drop" else ""

    def summary(self) -> str:
        sep = _SEPARATOR_NAMES.get(self.separator, repr(self.separator))
        lines = [f"encoding {self.encoding}, separator {sep}, decimal mark '{self.decimal}', "
                 f"{'header row' if self.header else 'no header row'}",
                 f"{self.rows_kept} of {self.rows_read} rows kept; target '{self.target}' ({self.task})"]
        lines += [f"dropped {n} row(s): {why} (lines {', '.join(map(str, self.dropped_lines.get(why, [])))}"
                  f"{', ...' if n > len(self.dropped_lines.get(why, [])) else ''})"
                  for why, n in self.rows_dropped.items()]
        lines += [f"column '{c}': {n} missing cell(s)" + self._handled(c) for c, n in self.missing.items() if n]
        if self.categorical:
            lines.append(f"numbers read as categories: {', '.join(self.categorical)}")
        lines += [f"column '{c}' left out: {why}" for c, why in self.left_out.items()]
        return "\n".join(lines + self.notes)


def unique_names(names: list[str] | None, width: int) -> list[str]:
    """Column names as the import makes them: blanks become "column N", repeats get " (2)", " (3)"."""
    names = list(names or [])[:width] + [""] * max(0, width - len(names or []))
    out, seen = [], set()
    for j, name in enumerate(names):
        name = name or f"column {j + 1}"
        base, k = name, 2
        while name in seen:
            name, k = f"{base} ({k})", k + 1
        seen.add(name)
        out.append(name)
    return out


class _Typed:
    """A column after typing: numeric values (NaN = missing) or category codes (-1 = missing)."""

    def __init__(self, name: str, column, report: ImportReport):
        values = np.frombuffer(column.values, dtype=np.float64) if len(column.values) else np.zeros(0)
        codes = np.frombuffer(column.codes, dtype=np.int32) if column.codes is not None else None
        is_text = codes >= 0 if codes is not None else np.zeros(len(values), bool)
        n_text, n_num = int(is_text.sum()), int(np.isfinite(values).sum())
        self.name, self.categories = name, None
        self.numeric_labels = False  # categories made from numbers (categorical=) sort as numbers
        if n_text + n_num == 0:
            self.kind = "empty"
        elif n_text == 0 or (n_num > 0 and n_text <= _MOSTLY_NUMERIC * (n_num + n_text)):
            self.kind, self.values = "numeric", values  # text cells are already NaN
            if n_text:
                line, cell = column.first_text
                report.notes.append(f"column '{name}': {n_text} cell(s) are not numbers (e.g. '{cell}' at line "
                                    f"{line}); they count as missing")
        else:
            self.kind = "text"
            self._categorize(values, codes, column.categories)
        self.missing = self.values != self.values if self.kind == "numeric" else (
            self.codes < 0 if self.kind == "text" else np.ones(len(values), bool))

    def _categorize(self, values, codes, categories: dict[str, int]) -> None:
        """Codes over sorted category names; numbers in a text column become categories too."""
        names, index = list(categories), dict(categories)
        codes = codes.astype(np.int64)
        numbers = np.isfinite(values)
        if numbers.any():
            uniq, inverse = np.unique(values[numbers], return_inverse=True)
            uniq_codes = np.empty(len(uniq), np.int64)
            for i, v in enumerate(uniq):
                label = f"{v:.15g}"
                if label not in index:
                    index[label] = len(names)
                    names.append(label)
                uniq_codes[i] = index[label]
            codes[numbers] = uniq_codes[inverse]
        order = sorted(range(len(names)), key=lambda i: names[i])
        remap = np.empty(len(names) + 1, np.int64)
        remap[-1] = -1
        remap[order] = np.arange(len(order))
        self.codes = remap[codes]
        self.categories = [names[i] for i in order]


def _drop(keep: np.ndarray, bad: np.ndarray, reason: str, lines: np.ndarray, report: ImportReport) -> None:
    """Mark rows ``bad`` (among those still kept) as dropped for ``reason``."""
    hit = keep & bad
    if hit.any():
        report.rows_dropped[reason] = report.rows_dropped.get(reason, 0) + int(hit.sum())
        report.dropped_lines.setdefault(reason, []).extend(lines[hit][:10].tolist())
        keep &= ~bad


def _raise_missing(cols: list[_Typed], rows: np.ndarray, lines: np.ndarray, names: list[str]) -> None:
    first = min(((int(lines[rows & c.missing][0]), c.name) for c in cols if (rows & c.missing).any()))
    raise DataError(f"line {first[0]}, column '{first[1]}' (column {names.index(first[1]) + 1}): missing value; "
                    "use missing='drop', 'mean', 'median' or 'most_frequent' (or fill= for this column) to go on")


def _target(col: _Typed, keep: np.ndarray, task: str | None, report: ImportReport):
    """(y, task, class_names) for the kept rows."""
    if task is not None and task not in TASK_CHOICES:
        raise ValueError(f"unknown task {task!r}; choose one of: {', '.join(TASK_CHOICES)} (or None to guess)")
    if col.kind == "text":
        if task == "regression":
            raise DataError(f"the target column '{col.name}' holds text (e.g. '{col.categories[0]}'); it can only "
                            "be a class target")
        used, y = np.unique(col.codes[keep], return_inverse=True)
        classes = [col.categories[i] for i in used]
    else:
        values = col.values[keep]
        whole = bool(np.all(values == np.round(values))) and np.abs(values).max(initial=0) < 2 ** 31
        uniq = np.unique(values)
        guess = whole and len(uniq) <= min(_MAX_CLASSES_GUESSED, max(2, len(values) // 5))
        if task == "regression" or (task is None and not guess):
            with np.errstate(over="ignore"):  # too big for float32: reported by the caller with the line
                return values.astype(np.float32).reshape(-1, 1), "regression", None
        if not whole or len(uniq) > 1000:
            raise DataError(f"the target column '{col.name}' has {len(uniq)} different values"
                            f"{'' if whole else ', not all whole numbers'}; it cannot be a class target — use "
                            "task='regression'")
        y = np.searchsorted(uniq, values)
        classes = [f"{v:.15g}" for v in uniq]
    if len(classes) == 1:
        report.notes.append(f"the target '{col.name}' has a single class ({classes[0]!r})")
    kind = "binary" if len(classes) <= 2 else "multiclass"
    if task in ("binary", "multiclass") and task != kind:
        raise DataError(f"task={task!r} but the target column '{col.name}' has {len(classes)} classes")
    return y.astype(np.int64), kind, classes


def _features(features: list[_Typed], keep: np.ndarray, report: ImportReport) -> tuple[np.ndarray, list[str]]:
    """x for the kept rows, filled column by column into one float32 array (no float64 copy of the table).
    Text columns become one-hot blocks over the categories the kept rows use."""
    used = {id(c): np.unique(c.codes[keep]) for c in features if c.kind == "text"}
    width = sum(len(used[id(c)]) if c.kind == "text" else 1 for c in features)
    x = np.empty((int(keep.sum()), width), np.float32)
    names: list[str] = []
    for col in features:
        j = len(names)
        if col.kind == "numeric":
            with np.errstate(over="ignore"):  # too big for float32: the caller reports it with its line
                x[:, j] = col.values[keep]
            names.append(col.name)
        else:
            cats = used[id(col)]
            x[:, j:j + len(cats)] = col.codes[keep][:, None] == cats[None, :]
            names += [f"{col.name}={col.categories[i]}" for i in cats]
            report.categories[col.name] = [col.categories[i] for i in cats]
    return x, names


def _well_formed(parsed: dict, cols: list[_Typed], lines: np.ndarray, strict: bool,
                 report: ImportReport) -> np.ndarray:
    """Rows to keep: rows with too few fields are fine when the missing fields are in empty columns."""
    keep = np.ones(len(lines), bool)
    filled = [j for j, c in enumerate(cols) if c.kind != "empty"]
    short = np.frombuffer(parsed["short_rows"], dtype=np.int64)
    fields = np.frombuffer(parsed["short_fields"], dtype=np.int64)
    bad = short[fields <= (filled[-1] if filled else -1)]
    if strict and len(bad):
        raise DataError(f"line {lines[bad[0]]}: {fields[fields <= filled[-1]][0]} fields where the other rows "
                        f"have {len(cols)}; check the separator and the quotes")
    keep[bad] = False
    n_bad = len(bad) + parsed["n_ragged"]
    if n_bad:
        reason = "wrong number of fields"
        report.rows_dropped[reason] = n_bad
        report.dropped_lines[reason] = sorted(parsed["ragged"] + lines[bad[:10]].tolist())[:10]
        if n_bad > keep.sum():
            raise DataError(f"most rows do not have {len(cols)} fields like the first one (e.g. line "
                            f"{report.dropped_lines[reason][0]}); check the separator and the quotes")
    return keep


def _feature_columns(cols: list[_Typed], t: int, choices: ColumnChoices, row_names: bool, n_rows: int,
                     report: ImportReport) -> list[_Typed]:
    """The columns besides the target that become features; the others go to ``report.left_out``.
    Numeric columns in ``categorical=`` become category columns here."""
    features = []
    for j, col in enumerate(cols):
        if j == t:
            continue
        if j in choices.ignored:
            report.left_out[col.name] = "ignored (ignore=)"
            report.ignored.append(col.name)
            continue
        if col.kind == "empty":
            report.left_out[col.name] = "no values"
            continue
        if j == 0 and row_names:
            report.left_out[col.name] = "row names (the header row has no name for this column)"
            continue
        if j in choices.categories and col.kind == "numeric":
            to_categories(col)
            report.categorical.append(col.name)
        if col.kind == "text" and len(col.categories) > 50 and len(col.categories) > 0.5 * n_rows:
            # also for numbers asked to be categories: one-hot columns for every row would not fit in memory
            what = "numbers read as categories" if col.numeric_labels else "text"
            report.left_out[col.name] = (f"{what} with {len(col.categories)} different values (an identifier or "
                                         "free text, not categories)")
        else:
            features.append(col)
    return features


def _handle_missing(features: list[_Typed], index: dict[int, int], keep: np.ndarray, lines: np.ndarray,
                    names: list[str], missing: str, choices: ColumnChoices, parse,
                    report: ImportReport) -> list[_Typed]:
    """Apply each feature column's missing-value rule — its ``fill=`` entry, else ``missing`` — to the rows
    ``keep`` (updated in place); returns the features left (a column to fill with no values is left out)."""
    choices.check_kinds(features, index, parse)
    rules = {id(c): choices.rules.get(index[id(c)], missing) for c in features}
    with_missing = [c for c in features if (keep & c.missing).any()]
    for c in with_missing:
        if rules[id(c)] in ("drop", "error"):
            report.fill_rules[c.name] = rules[id(c)]
    errors = [c for c in with_missing if rules[id(c)] == "error"]
    if errors:
        _raise_missing(errors, keep, lines, names)
    drops = [c.missing for c in with_missing if rules[id(c)] == "drop"]
    if drops:
        _drop(keep, np.logical_or.reduce(drops), "missing values", lines, report)
    # Fill statistics (mean, median, most frequent) come from the rows kept — the whole file but the rows
    # dropped above —, as with one rule for every column. The designer splits train / validation / test
    # AFTER import, so the validation and test rows count in them too (a small, accepted leak).
    return [c for c in features if rules[id(c)] in ("drop", "error") or not (keep & c.missing).any()
            or fill_column(c, keep, rules[id(c)], report)]


def build_dataset(parsed: dict, target, missing: str, task: str | None, report: ImportReport,
                  choices: ColumnChoices | None = None) -> Dataset:
    """The data set from ``csv_import._stream``'s columns and the per-column ``choices``; fills ``report``."""
    choices = ColumnChoices() if choices is None else choices
    columns, lines = parsed["columns"], np.frombuffer(parsed["lines"], dtype=np.int64)
    n_rows = len(lines)
    names = unique_names(parsed["names"], len(columns))
    report.rows_read, report.blank_lines = n_rows + parsed["n_ragged"], parsed["blank"]
    if n_rows == 0 and not parsed["n_ragged"]:
        raise DataError("the file has a header row but no data rows" if parsed["names"] else "the file is empty")
    cols = [_Typed(name, c, report) for name, c in zip(names, columns)]
    keep = _well_formed(parsed, cols, lines, missing == "error", report)
    for col in cols:
        report.missing[col.name] = int((col.missing & keep).sum())
    filled = [j for j, c in enumerate(cols) if c.kind != "empty"]
    if len(filled) <= 1:
        only = names[filled[0]] if filled else names[0]
        raise DataError(f"the file has a single column ('{only}'); a data set needs at least one feature "
                        "column besides the target — check the separator (sep=)")
    choices.resolve(names)
    # by default the last column with values that is not ignored (a trailing separator on every line makes
    # an empty last one)
    candidates = [j for j in filled if j not in choices.ignored]
    if target is None and not candidates:
        raise DataError("every column with values is in ignore=; keep at least a target and a feature")
    t = column_index(target, names) if target is not None else candidates[-1]
    choices.check_target(t)
    report.target = names[t]
    if cols[t].kind == "empty":
        raise DataError(f"the target column '{names[t]}' is empty")
    features = _feature_columns(cols, t, choices, bool(parsed.get("row_names")), n_rows, report)
    if not features:
        raise DataError(f"no usable feature columns besides the target '{names[t]}' "
                        f"({'; '.join(f'{k}: {v}' for k, v in report.left_out.items())})")
    if missing == "error" and (keep & cols[t].missing).any():
        _raise_missing([cols[t]], keep, lines, names)
    _drop(keep, cols[t].missing, "missing target", lines, report)
    index = {id(c): j for j, c in enumerate(cols)}
    features = _handle_missing(features, index, keep, lines, names, missing, choices, parsed["parse"], report)
    if not features:
        raise DataError("no usable feature columns: the rows kept have no values in them")
    if not keep.any():
        hint = "; try missing='mean', 'median' or 'most_frequent'" if missing == "drop" else ""
        raise DataError(f"no rows left: every row has a missing value{hint}")
    y, kind, class_names = _target(cols[t], keep, task, report)
    if kind == "regression" and not np.isfinite(y).all():
        raise DataError(f"line {int(lines[keep][np.argmin(np.isfinite(y[:, 0]))])}, column '{names[t]}': the "
                        "target does not fit in 32-bit floating point (larger than 3.4e38)")
    x, feature_names = _features(features, keep, report)
    if not np.isfinite(x).all():
        big = np.argwhere(~np.isfinite(x))[0]
        raise DataError(f"line {int(lines[keep][big[0]])}, column '{feature_names[big[1]]}': the value does "
                        "not fit in 32-bit floating point (larger than 3.4e38)")
    report.rows_kept, report.task = int(keep.sum()), kind
    return Dataset(x, y, kind, feature_names, class_names, [names[t]], report=report,
                   meta={"default_split": (0.7, 0.15, 0.15)})
