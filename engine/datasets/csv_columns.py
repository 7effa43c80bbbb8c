"""Per-column choices of ``load_csv``: columns left out (``ignore=``), numeric columns read as categories
(``categorical=``) and per-column missing-value rules (``fill=``).

:class:`ColumnChoices` checks their form before the file is read (a typo costs no 200 MB read), maps names
and indices onto the file's columns once it is read, and gives them back in a canonical, JSON-safe form for
``Dataset.spec`` (column names, never indices: JSON turns integer dict keys into strings).
:func:`fill_column` puts a column's fill value into its missing cells.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from engine.datasets.base import DataError

FILL_POLICIES = ("drop", "mean", "median", "most_frequent")  # or {"constant": value}
_FILL_CHOICES = ", ".join(FILL_POLICIES) + " or {'constant': value}"


def _listed(names: list[str]) -> str:
    return ", ".join(f"{j}: {n!r}" for j, n in enumerate(names))


def column_index(ref, names: list[str], option: str | None = None) -> int:
    """The index of column ``ref`` (a name — exact, else ignoring case and outer spaces — or an index,
    negative from the end). ``option`` names the keyword in the message (None: the target)."""
    if isinstance(ref, (int, np.integer)) and not isinstance(ref, bool):
        if -len(names) <= ref < len(names):
            return int(ref) % len(names)
        where = "target column index" if option is None else f"{option}=: column index"
        raise DataError(f"{where} {ref} is out of range; the columns are {_listed(names)}")
    if isinstance(ref, str):
        if ref in names:
            return names.index(ref)
        folded = [n.strip().lower() for n in names]
        if ref.strip().lower() in folded:
            return folded.index(ref.strip().lower())
    where = "no target column" if option is None else f"{option}=: no column"
    raise DataError(f"{where} {ref!r}; the columns are {_listed(names)}")


def _is_ref(ref) -> bool:
    return isinstance(ref, (str, int, np.integer)) and not isinstance(ref, bool)


def _refs(refs, option: str) -> list:
    """A list of column names / indices (a single one is accepted too)."""
    if refs is None:
        return []
    if _is_ref(refs):
        return [refs]
    if not isinstance(refs, (list, tuple)) or not all(_is_ref(r) for r in refs):
        raise ValueError(f"{option}= takes a list of column names (str) or indices (int); got {refs!r}")
    return list(refs)


def _policy(ref, policy):
    """A fill rule: one of FILL_POLICIES, or ("constant", value) for {"constant": value}."""
    if isinstance(policy, str) and policy in FILL_POLICIES:
        return policy
    if isinstance(policy, dict) and list(policy) == ["constant"]:
        return "constant", policy["constant"]
    raise ValueError(f"fill={{{ref!r}: {policy!r}}}: unknown rule; choose one of: {_FILL_CHOICES}")


def _label(value) -> str:
    """A number as the category label the importer gives numbers (as in a text column)."""
    return f"{value:.15g}"


def _number(value, parse) -> float | None:
    """A finite float from a number or a string read like a cell of the file; None when it is neither."""
    if isinstance(value, bool):
        return None
    if not isinstance(value, (str, int, float, np.integer, np.floating)):
        return None
    try:
        number = parse(value) if isinstance(value, str) else float(value)
    except (ValueError, OverflowError):  # text; an int too big for a float
        return None
    return number if np.isfinite(number) else None


class ColumnChoices:
    """``ignore=``, ``categorical=`` and ``fill=`` of ``load_csv``: checked for form on creation (ValueError),
    then :meth:`resolve` maps them onto the file's columns (DataError for names and indices that are not there
    and for contradictions)."""

    def __init__(self, ignore=None, categorical=None, fill=None):
        self.ignore = _refs(ignore, "ignore")
        self.categorical = _refs(categorical, "categorical")
        if fill is None:
            fill = {}
        if not isinstance(fill, dict) or not all(_is_ref(r) for r in fill):
            raise ValueError("fill= takes a dict {column name or index: rule}, the rule one of "
                             f"{_FILL_CHOICES}; got {fill!r}")
        self.fill = [(ref, _policy(ref, p)) for ref, p in fill.items()]
        # set by resolve(): column indices, and index -> rule (constants parsed by check_kinds)
        self.names: list[str] = []
        self.ignored: list[int] = []
        self.categories: list[int] = []
        self.rules: dict[int, Any] = {}

    def __bool__(self) -> bool:
        return bool(self.ignore or self.categorical or self.fill)

    def resolve(self, names: list[str]) -> None:
        """Map names / indices onto ``names`` (the file's columns); DataError when one is not there, or when
        a column is both ignored and categorical / filled."""
        self.names = names
        self.ignored = sorted({column_index(r, names, "ignore") for r in self.ignore})
        self.categories = sorted({column_index(r, names, "categorical") for r in self.categorical})
        for ref, rule in self.fill:
            j = column_index(ref, names, "fill")
            if j in self.rules and self.rules[j] != rule:
                raise DataError(f"fill= gives column '{names[j]}' two rules ({self.rules[j]!r} and {rule!r})")
            self.rules[j] = rule
        for j in self.ignored:
            for option, used in (("categorical", self.categories), ("fill", self.rules)):
                if j in used:
                    raise DataError(f"column '{names[j]}' is in ignore= and in {option}=; a column left out "
                                    f"has no {'kind' if option == 'categorical' else 'missing-value rule'}")

    def check_target(self, t: int) -> None:
        """DataError when the target column is ignored, categorical or has a fill rule."""
        name = self.names[t]
        if t in self.ignored:
            raise DataError(f"the target column '{name}' is in ignore=; choose another target= or take "
                            f"'{name}' out of ignore=")
        if t in self.categories:
            raise DataError(f"the target column '{name}' is in categorical=, which is for feature columns; "
                            "task='classification' makes the target's values classes")
        if t in self.rules:
            raise DataError(f"the target column '{name}' is in fill=; rows with a missing target are always "
                            "dropped (a made-up target would teach the network a wrong answer)")

    def check_kinds(self, features: list, index: dict[int, int], parse) -> None:
        """Check each feature column's fill rule against its kind and parse constants (numbers for numeric
        columns; labels for text ones). ``index`` maps id(column) to its index in the file."""
        for col in features:
            j = index[id(col)]
            rule = self.rules.get(j)
            what = "holds text" if j not in self.categories else "is read as categories (categorical=)"
            if rule in ("mean", "median") and col.kind == "text":
                raise DataError(f"fill={{'{col.name}': '{rule}'}}: column '{col.name}' {what}, which has no "
                                f"{rule}; use 'most_frequent', {{'constant': value}} or 'drop'")
            if isinstance(rule, tuple):
                self.rules[j] = ("constant", self._constant(col, rule[1], parse, j in self.categories))

    @staticmethod
    def _constant(col, value, parse, numbers_as_categories: bool):
        number = _number(value, parse)
        if col.kind == "numeric":
            if number is None:
                raise DataError(f"fill={{'{col.name}': {{'constant': {value!r}}}}}: {value!r} is not a (finite) "
                                f"number, and column '{col.name}' holds numbers")
            return number
        if number is not None and (numbers_as_categories or not isinstance(value, str)):
            return number  # becomes the label the column's numbers have
        if isinstance(value, str) and value.strip():
            return value.strip()
        raise DataError(f"fill={{'{col.name}': {{'constant': {value!r}}}}}: the value for the text column "
                        f"'{col.name}' must be a non-empty text (or a number)")

    def spec_options(self) -> dict:
        """The choices with column names and parsed constants, for ``Dataset.spec`` (only those given)."""
        out: dict = {}
        if self.ignored:
            out["ignore"] = [self.names[j] for j in self.ignored]
        if self.categories:
            out["categorical"] = [self.names[j] for j in self.categories]
        if self.rules:
            out["fill"] = {self.names[j]: {"constant": r[1]} if isinstance(r, tuple) else r
                           for j, r in sorted(self.rules.items())}
        return out


def to_categories(col) -> None:
    """Make numeric column ``col`` a text column whose categories are its values (sorted as numbers)."""
    finite = ~col.missing
    values, codes = np.unique(col.values[finite], return_inverse=True)
    col.codes = np.full(len(col.values), -1, np.int64)
    col.codes[finite] = codes.ravel()
    col.categories = [_label(v) for v in values]
    col.kind, col.numeric_labels = "text", True


def _category_code(col, label: str) -> int:
    """The code of category ``label``, added in sorted place (codes renumbered) when the column lacks it."""
    if label in col.categories:
        return col.categories.index(label)
    names = col.categories + [label]

    def key(name: str):
        if getattr(col, "numeric_labels", False):
            try:
                return 0, float(name), ""
            except ValueError:
                return 1, 0.0, name
        return name
    order = sorted(range(len(names)), key=lambda i: key(names[i]))
    remap = np.empty(len(names) + 1, np.int64)
    remap[-1] = -1
    remap[order] = np.arange(len(names))
    col.codes = remap[col.codes]
    col.categories = [names[i] for i in order]
    return col.categories.index(label)


def fill_column(col, keep: np.ndarray, rule, report) -> bool:
    """Put the fill value of ``rule`` (FILL_POLICIES but "drop", or ("constant", value)) into the missing
    cells of ``col``; "mean" / "median" of a text column mean its most frequent category. Statistics come
    from the rows kept (``keep``). False, with the reason in ``report.left_out``, when those rows have no
    value to take a statistic from."""
    if isinstance(rule, tuple):
        value, name = rule[1], "constant"
        if col.kind == "text":
            value = _category_code(col, value if isinstance(value, str) else _label(value))
    else:
        name = rule if col.kind == "numeric" else "most_frequent"
        present = keep & ~col.missing
        if not present.any():
            report.left_out[col.name] = "no values in the rows kept"
            return False
        data = col.values[present] if col.kind == "numeric" else col.codes[present]
        if name == "mean":
            value = float(np.mean(data))
        elif name == "median":
            value = float(np.median(data))
        else:  # ties: the smallest value / the first category
            uniq, counts = np.unique(data, return_counts=True)
            value = uniq[int(np.argmax(counts))]
    if col.kind == "numeric":
        col.values = np.where(col.missing, float(value), col.values)
        report.filled[col.name] = round(float(value), 6)
    else:
        col.codes = np.where(col.missing, int(value), col.codes)
        report.filled[col.name] = col.categories[int(value)]
    report.fill_rules[col.name] = name
    col.missing = np.zeros_like(col.missing)
    return True
