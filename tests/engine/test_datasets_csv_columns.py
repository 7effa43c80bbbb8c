"""load_csv's per-column choices — ignore=, categorical=, fill= and missing='most_frequent' —, alone and
together, their record in Dataset.spec (from_spec loads the same data set, also after a JSON round trip) and
in the report, and the DataError messages for choices that do not fit the file."""
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.datasets import DataError, from_spec, load_csv

# id: an identifier; a: numbers with gaps; n: few whole numbers; city: text with a gap; y: classes
FILE = (b"id,a,n,city,y\n"
        b"1,5,2,x,0\n"
        b"2,,10,y,1\n"
        b"3,7,2,,0\n"
        b"4,8,1,x,1\n"
        b"5,inf,10,y,0\n"
        b"6,1e400,2,x,1\n")


def _load(tmp_path, content: bytes = FILE, name="data.csv", **options):
    path = tmp_path / name
    path.write_bytes(content)
    return load_csv(path, **options)


def _same(a, b):
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.y, b.y)
    assert a.feature_names == b.feature_names and a.class_names == b.class_names and a.task == b.task
    assert a.report.as_dict() == b.report.as_dict()


# ---------------------------------------------------------------------------------------------------------
# ignore=

@pytest.mark.parametrize("ignore", [["id"], [0], [-5], ["ID "], "id", ["id", 0]])
def test_ignore_by_name_or_index(tmp_path, ignore):
    ds = _load(tmp_path, ignore=ignore, fill={"a": "mean", "city": "most_frequent"})
    assert ds.feature_names[0] == "a" and not any(f.startswith("id") for f in ds.feature_names)
    assert ds.report.ignored == ["id"] and ds.report.left_out == {"id": "ignored (ignore=)"}
    assert ds.spec["options"]["ignore"] == ["id"]  # names, whatever was given
    assert "column 'id' left out: ignored" in ds.report.summary()


def test_ignored_columns_may_hold_anything(tmp_path):
    content = b"note,a,y\nhello,1,0\n,2,1\nNA,3,0\nworld,4,1\n"
    ds = _load(tmp_path, content, ignore=["note"])
    assert ds.feature_names == ["a"] and ds.n_samples == 4 and "missing values" not in ds.report.rows_dropped


def test_default_target_is_the_last_column_not_ignored(tmp_path):
    ds = _load(tmp_path, ignore=["y", "id"], missing="mean")
    assert ds.report.target == "city" and ds.class_names == ["x", "y"]
    assert ds.report.rows_dropped["missing target"] == 1


def test_ignoring_every_column_is_an_error(tmp_path):
    with pytest.raises(DataError, match="every column with values is in ignore="):
        _load(tmp_path, ignore=["id", "a", "n", "city", "y"])
    with pytest.raises(DataError, match="no usable feature columns besides the target 'y'.*id: ignored"):
        _load(tmp_path, ignore=["id", "a", "n", "city"])


def test_the_target_cannot_be_ignored(tmp_path):
    with pytest.raises(DataError, match="the target column 'y' is in ignore=; choose another target="):
        _load(tmp_path, target="y", ignore=["id", "y"])
    with pytest.raises(DataError, match="the target column 'a' is in ignore="):
        _load(tmp_path, target=1, ignore=["a"])


# ---------------------------------------------------------------------------------------------------------
# categorical=

def test_numbers_read_as_categories_sort_as_numbers(tmp_path):
    ds = _load(tmp_path, ignore=["id", "a", "city"], categorical=["n"])
    assert ds.feature_names == ["n=1", "n=2", "n=10"]  # 10 after 2: numeric order, not text order
    np.testing.assert_array_equal(ds.x, np.eye(3)[[1, 2, 1, 0, 2, 1]])
    assert ds.report.categorical == ["n"] and ds.report.categories["n"] == ["1", "2", "10"]
    assert "numbers read as categories: n" in ds.report.summary()


def test_categorical_missing_cells_and_text_columns(tmp_path):
    # a has gaps (empty, inf, 1e400): dropped by default; city already is categories (no-op)
    ds = _load(tmp_path, ignore=["id"], categorical=["a", "city"])
    assert ds.feature_names == ["a=5", "a=8", "n", "city=x"] and ds.n_samples == 2
    assert ds.report.categorical == ["a"] and ds.report.rows_dropped == {"missing values": 4}


def test_categorical_identifier_numbers_are_left_out(tmp_path):
    rows = "".join(f"{i},{i % 3},{i % 2}\n" for i in range(120))
    ds = _load(tmp_path, ("id,a,y\n" + rows).encode(), categorical=["id", "a"])
    assert ds.feature_names == ["a=0", "a=1", "a=2"]
    assert ds.report.left_out["id"].startswith("numbers read as categories with 120 different values")


def test_categorical_contradictions(tmp_path):
    with pytest.raises(DataError, match="column 'n' is in ignore= and in categorical="):
        _load(tmp_path, ignore=["n"], categorical=["n"])
    with pytest.raises(DataError, match="target column 'y' is in categorical=.*task='classification'"):
        _load(tmp_path, categorical=["y"])


# ---------------------------------------------------------------------------------------------------------
# fill= and missing='most_frequent'

@pytest.mark.parametrize("rule,value", [("mean", (5 + 7 + 8) / 3), ("median", 7.0), ("most_frequent", 5.0),
                                        ({"constant": -1.5}, -1.5), ({"constant": "-1.5"}, -1.5),
                                        ({"constant": 3}, 3.0)])
def test_fill_a_numeric_column(tmp_path, rule, value):
    ds = _load(tmp_path, ignore=["id", "city"], fill={"a": rule})
    assert ds.n_samples == 6 and np.isfinite(ds.x).all()  # empty, inf and 1e400 are all missing
    np.testing.assert_allclose(ds.x[:, 0], [5, value, 7, 8, value, value], rtol=1e-6)
    assert ds.report.filled["a"] == pytest.approx(value, rel=1e-6)
    name = "constant" if isinstance(rule, dict) else rule
    assert ds.report.fill_rules == {"a": name} and f"filled with {ds.report.filled['a']} ({name})" in \
        ds.report.summary()


def test_most_frequent_ties_take_the_smallest_value(tmp_path):
    ds = _load(tmp_path, b"a,b,y\n3,z,0\n1,w,1\n,,0\n3,w,1\n1,z,0\n", missing="most_frequent")
    assert ds.x[2].tolist() == [1, 1, 0] and ds.report.filled == {"a": 1.0, "b": "w"}
    assert ds.report.fill_rules == {"a": "most_frequent", "b": "most_frequent"}


@pytest.mark.parametrize("rule,filled,names", [
    ("most_frequent", "x", ["city=x", "city=y"]),
    ({"constant": "unknown"}, "unknown", ["city=unknown", "city=x", "city=y"]),
    ({"constant": " y "}, "y", ["city=x", "city=y"]),
    ({"constant": 0}, "0", ["city=0", "city=x", "city=y"]),
])
def test_fill_a_text_column(tmp_path, rule, filled, names):
    ds = _load(tmp_path, ignore=["id", "a", "n"], fill={"city": rule})
    assert ds.feature_names == names and ds.report.filled["city"] == filled
    assert ds.x[2, names.index(f"city={filled}")] == 1 and ds.x.sum() == 6


def test_constant_into_a_categorical_column_takes_its_place(tmp_path):
    # the wizard's choices: numbers of 'a' as categories, gaps filled with 0,5 (passed as 0.5)
    ds = _load(tmp_path, ignore=["id"], categorical=["a"], fill={"a": {"constant": 0.5}}, missing="most_frequent")
    assert ds.feature_names[:4] == ["a=0.5", "a=5", "a=7", "a=8"]
    np.testing.assert_array_equal(ds.x[:, 0], [0, 1, 0, 0, 1, 1])
    assert ds.report.filled == {"a": "0.5", "city": "x"}
    other = _load(tmp_path, ignore=["id"], categorical=["a"], fill={"a": {"constant": "none"}, "city": "drop"})
    assert other.feature_names[:3] == ["a=5", "a=8", "a=none"] and other.n_samples == 5  # line 4 (a=7) dropped


def test_fill_rules_override_missing_both_ways(tmp_path):
    ds = _load(tmp_path, ignore=["id"], missing="median", fill={"city": "drop"})
    assert ds.n_samples == 5 and ds.report.rows_dropped == {"missing values": 1}
    assert ds.report.fill_rules == {"a": "median", "city": "drop"}
    assert ds.report.filled["a"] == 6.5  # statistics over the rows kept: 5 and 8, not the 7 of line 4
    ds = _load(tmp_path, ignore=["id"], missing="drop", fill={"a": "mean"})
    assert ds.n_samples == 5 and ds.report.dropped_lines == {"missing values": [4]}
    assert ds.report.filled["a"] == pytest.approx((5 + 8) / 2)  # statistics over the rows kept


def test_text_column_under_missing_mean_takes_its_most_frequent_value(tmp_path):
    ds = _load(tmp_path, ignore=["id"], missing="mean")
    assert ds.report.filled["city"] == "x" and ds.report.fill_rules["city"] == "most_frequent"


def test_missing_error_with_fill_for_the_column(tmp_path):
    content = b"a,b,y\n1,,0\n2,3,1\n,4,0\n"
    ds = _load(tmp_path, content, missing="error", fill={"a": "mean", "b": {"constant": 0}})
    assert ds.x.tolist() == [[1, 0], [2, 3], [1.5, 4]]
    with pytest.raises(DataError, match=r"line 2, column 'b' \(column 2\): missing value.*fill="):
        _load(tmp_path, content, missing="error", fill={"a": "mean"})


def test_decimal_comma_constant_is_read_like_a_cell(tmp_path):
    ds = _load(tmp_path, b"a;b;y\n1,5;2;0\n;3;1\n2,5;4;0\n", fill={"a": {"constant": "0,25"}})
    assert ds.report.decimal == "," and ds.x[1, 0] == 0.25


def test_fill_with_no_values_leaves_the_column_out(tmp_path):
    ds = _load(tmp_path, b"a,b,y\n,1,0\nNA,2,1\n?,3,0\n", fill={"a": "median"})
    assert ds.feature_names == ["b"]  # 'a' is empty, left out before any rule
    ds = _load(tmp_path, b"a,b,y\n1,1,\n,2,1\n,3,0\n", fill={"a": "median"})
    assert ds.feature_names == ["b"] and ds.report.left_out == {"a": "no values in the rows kept"}


# ---------------------------------------------------------------------------------------------------------
# Errors

@pytest.mark.parametrize("options,message", [
    (dict(ignore=["ident"]), "ignore=: no column 'ident'; the columns are 0: 'id', 1: 'a', 2: 'n', 3: 'city', 4: 'y'"),
    (dict(ignore=[7]), "ignore=: column index 7 is out of range; the columns are 0: 'id'"),
    (dict(categorical=["color"]), "categorical=: no column 'color'; the columns are 0: 'id'"),
    (dict(fill={"b": "mean"}), "fill=: no column 'b'; the columns are 0: 'id'"),
    (dict(fill={-6: "mean"}), "fill=: column index -6 is out of range"),
    (dict(fill={"city": "mean"}), r"fill=\{'city': 'mean'\}: column 'city' holds text, which has no mean; "
                                  "use 'most_frequent'"),
    (dict(categorical=["n"], fill={"n": "median"}), "column 'n' is read as categories.*has no median"),
    (dict(fill={"a": {"constant": "abc"}}), r"'abc' is not a \(finite\) number, and column 'a' holds numbers"),
    (dict(fill={"a": {"constant": float("nan")}}), r"not a \(finite\) number"),
    (dict(fill={"a": {"constant": "1e400"}}), r"not a \(finite\) number"),
    (dict(fill={"a": {"constant": 10**400}}), r"not a \(finite\) number"),
    (dict(fill={"a": {"constant": True}}), r"not a \(finite\) number"),
    (dict(fill={"city": {"constant": "  "}}), "must be a non-empty text"),
    (dict(fill={"a": "mean", 1: "median"}), "fill= gives column 'a' two rules"),
    (dict(fill={"y": "drop"}), "target column 'y' is in fill=; rows with a missing target are always dropped"),
    (dict(ignore=["a"], fill={"a": "mean"}), "column 'a' is in ignore= and in fill="),
])
def test_choices_that_do_not_fit_the_file(tmp_path, options, message):
    with pytest.raises(DataError, match=message):
        _load(tmp_path, **options)


@pytest.mark.parametrize("options,message", [
    (dict(missing="mode"), "drop, mean, median, error, most_frequent"),
    (dict(fill={"a": "avg"}), r"fill=\{'a': 'avg'\}: unknown rule; choose one of: drop, mean, median, "
                              r"most_frequent or \{'constant': value\}"),
    (dict(fill={"a": {"value": 1}}), "unknown rule"),
    (dict(fill=["a", "mean"]), "fill= takes a dict"),
    (dict(fill={1.5: "mean"}), "fill= takes a dict"),
    (dict(ignore=[1.5]), r"ignore= takes a list of column names \(str\) or indices \(int\)"),
    (dict(categorical=[True]), "categorical= takes a list"),
])
def test_malformed_choices_fail_before_reading(tmp_path, options, message):
    with pytest.raises(ValueError, match=message) as info:
        load_csv(tmp_path / "not there.csv", **options)
    assert not isinstance(info.value, DataError)  # the file was never opened


# ---------------------------------------------------------------------------------------------------------
# Spec round trip

def test_spec_round_trip_through_json(tmp_path):
    options = dict(ignore=[0], categorical=[-3], fill={1: {"constant": "2"}, "city": {"constant": "other"}},
                   missing="most_frequent", target=-1)
    ds = _load(tmp_path, **options)
    assert ds.spec["options"] == dict(target=-1, sep=None, decimal=None, encoding=None, header=None,
                                      missing="most_frequent", task=None, ignore=["id"], categorical=["n"],
                                      fill={"a": {"constant": 2.0}, "city": {"constant": "other"}})
    spec = json.loads(json.dumps(ds.spec))
    again = from_spec(spec)
    _same(ds, again)
    assert again.spec == spec


def test_spec_round_trip_without_header(tmp_path):
    content = b"1,x,0.5,0\n2,,1.5,1\n3,y,,0\n4,x,2.5,1\n"
    ds = _load(tmp_path, content, header=False, ignore=[0], fill={1: {"constant": "z"}, 2: "mean"})
    assert ds.spec["options"]["fill"] == {"column 2": {"constant": "z"}, "column 3": "mean"}
    assert ds.feature_names == ["column 2=x", "column 2=y", "column 2=z", "column 3"]
    _same(ds, from_spec(json.loads(json.dumps(ds.spec))))


def test_spec_without_column_choices_is_unchanged(tmp_path):
    ds = _load(tmp_path, fill={}, ignore=[], categorical=None)
    assert set(ds.spec["options"]) == {"target", "sep", "decimal", "encoding", "header", "missing", "task"}


# ---------------------------------------------------------------------------------------------------------
# Never a crash: random choices on a small file give a valid data set or a DataError

_REFS = st.sampled_from(["id", "a", "n", "city", "y", 0, 1, 2, 3, 4, -1, 9, "zz"])
_RULES = st.one_of(st.sampled_from(["drop", "mean", "median", "most_frequent"]),
                   st.sampled_from([0, 2.5, "7", "q", "", "nan"]).map(lambda v: {"constant": v}))


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(ignore=st.lists(_REFS, max_size=3), categorical=st.lists(_REFS, max_size=3),
       fill=st.dictionaries(_REFS, _RULES, max_size=3),
       missing=st.sampled_from(["drop", "mean", "median", "most_frequent", "error"]))
def test_random_choices_give_a_valid_dataset_or_a_data_error(ignore, categorical, fill, missing):
    try:
        ds = load_csv(FILE, ignore=ignore, categorical=categorical, fill=fill, missing=missing)
    except DataError as exc:
        assert str(exc)
        return
    assert ds.x.dtype == np.float32 and np.isfinite(ds.x).all() and len(ds.x) == len(ds.y) > 0
    assert ds.x.shape[1] == len(ds.feature_names) > 0 and ds.report.rows_kept == len(ds.x)
