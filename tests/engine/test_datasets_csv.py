"""engine.datasets.load_csv on awkward and broken files written by the tests: each gives the right parse or a
DataError that says what is wrong and where."""
import gzip
import io
import zipfile

import numpy as np
import pytest

from engine.datasets import DataError, load_csv


def _load(tmp_path, content: bytes, name="data.csv", **options):
    path = tmp_path / name
    path.write_bytes(content)
    return load_csv(path, **options)


# ---------------------------------------------------------------------------------------------------------
# Encodings

def test_utf8_bom(tmp_path):
    ds = _load(tmp_path, "\ufeffaltura,peso,clase\n1.5,60,0\n1.8,80,1\n1.6,65,0\n".encode("utf-8"))
    assert ds.report.encoding == "utf-8-sig"
    assert ds.feature_names == ["altura", "peso"] and ds.report.target == "clase"
    np.testing.assert_allclose(ds.x, [[1.5, 60], [1.8, 80], [1.6, 65]])


def test_cp1252_accents_and_euro(tmp_path):
    text = "año;región;moneda;clase\n2001;Málaga;€;sí\n2002;Logroño;€;no\n2003;Cádiz;$;sí\n2004;Málaga;$;no\n"
    ds = _load(tmp_path, text.encode("cp1252"))
    assert ds.report.encoding == "cp1252" and ds.report.separator == ";"
    assert ds.class_names == ["no", "sí"] and ds.y.tolist() == [1, 0, 1, 0]
    assert "región=Málaga" in ds.feature_names and "moneda=€" in ds.feature_names
    assert ds.feature_names[0] == "año"


def test_latin1_bytes_that_cp1252_does_not_define(tmp_path):
    ds = _load(tmp_path, b"a,b\n\x81x,1\n\x8dy,0\n\x81x,1\n")  # 0x81 / 0x8D are undefined in cp1252
    assert ds.report.encoding == "latin-1" and ds.x.shape == (3, 2)


def test_utf16_with_bom_tab_separated_from_excel(tmp_path):
    ds = _load(tmp_path, "x\ty\tclase\n1,5\t2\tA\n2,5\t3\tB\n".encode("utf-16"))
    assert ds.report.encoding == "utf-16" and ds.report.separator == "\t" and ds.report.decimal == ","
    np.testing.assert_allclose(ds.x, [[1.5, 2], [2.5, 3]])


def test_utf8_that_turns_into_cp1252_after_the_sample(tmp_path):
    body = b"".join(b"%d,%d\n" % (i, i % 2) for i in range(20000))
    ds = _load(tmp_path, b"a,b\n" + body + "ñ,1\n".encode("cp1252") + b"7,0\n", missing="drop")
    assert ds.report.encoding == "cp1252" and any("cp1252" in n for n in ds.report.notes)
    assert len(ds.x) == 20001  # the bad row's "ñ" is one text cell in a numeric column: missing, dropped


def test_explicit_wrong_encoding_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="not valid utf-8"):
        _load(tmp_path, "a,b\nñ,1\n".encode("cp1252"), encoding="utf-8")
    with pytest.raises(DataError, match="unknown text encoding"):
        _load(tmp_path, b"a,b\n1,2\n", encoding="klingon")


# ---------------------------------------------------------------------------------------------------------
# Separators, decimal marks, digit grouping

def test_semicolon_with_decimal_commas(tmp_path):
    ds = _load(tmp_path, b"largo;ancho;tipo\n1,5;0,25;0\n2,75;1,0;1\n-3,5;2;1\n")
    assert ds.report.separator == ";" and ds.report.decimal == ","
    np.testing.assert_allclose(ds.x, [[1.5, 0.25], [2.75, 1.0], [-3.5, 2.0]])


def test_thousands_and_decimal_comma(tmp_path):
    ds = _load(tmp_path, b"precio;m2;barrio\n1.234,5;80;A\n250.000;120,5;B\n999,99;1.000;A\n")
    np.testing.assert_allclose(ds.x, [[1234.5, 80], [250000, 120.5], [999.99, 1000]])
    assert ds.report.thousands.startswith(".")


def test_us_digit_grouping_in_a_tab_file(tmp_path):
    ds = _load(tmp_path, b"price\tarea\tkind\n1,234.5\t80.5\t0\n2,000\t99.25\t1\n")
    assert ds.report.decimal == "."
    np.testing.assert_allclose(ds.x, [[1234.5, 80.5], [2000, 99.25]])


def test_quoted_decimal_commas_in_a_comma_file(tmp_path):
    ds = _load(tmp_path, b'a,b,c\n"1,5","2,5",0\n"3,25","4",1\n')
    assert ds.report.separator == "," and ds.report.decimal == ","
    np.testing.assert_allclose(ds.x, [[1.5, 2.5], [3.25, 4]])


def test_space_separated_with_runs_of_spaces(tmp_path):
    ds = _load(tmp_path, b"  1.0   2.0  0\n 3.0 4.0   1\n5   6 0\n")
    assert ds.report.separator == " " and not ds.report.header
    np.testing.assert_allclose(ds.x, [[1, 2], [3, 4], [5, 6]])


def test_explicit_options_override_detection(tmp_path):
    content = b"1;2;3\n4;5;6\n7;8;9\n"
    ds = _load(tmp_path, content, sep="semicolon", header=True, target=0, task="regression")
    assert ds.feature_names == ["2", "3"] and ds.report.target == "1" and ds.y.shape == (2, 1)
    with pytest.raises(DataError, match="one character"):
        _load(tmp_path, content, sep=";;")
    with pytest.raises(DataError, match="decimal mark must be"):
        _load(tmp_path, content, decimal=";")


# ---------------------------------------------------------------------------------------------------------
# Missing values

MISSING_FILE = b"a,b,c\n1,,0\n2,NA,1\n3,?,0\n4,-,1\n5,6,0\n6,nan,1\n7,inf,0\n8,1e400,1\n9,10,1\n10,12,0\n"


def test_missing_values_are_counted_and_dropped(tmp_path):
    ds = _load(tmp_path, MISSING_FILE)
    assert ds.report.missing == {"a": 0, "b": 7, "c": 0}
    assert ds.report.rows_dropped == {"missing values": 7}
    assert ds.report.dropped_lines["missing values"] == [2, 3, 4, 5, 7, 8, 9]
    np.testing.assert_allclose(ds.x, [[5, 6], [9, 10], [10, 12]])
    assert "7 missing" in ds.report.summary()


@pytest.mark.parametrize("policy,value", [("mean", (6 + 10 + 12) / 3), ("median", 10.0)])
def test_missing_values_filled_with_mean_or_median(tmp_path, policy, value):
    ds = _load(tmp_path, MISSING_FILE, missing=policy)
    assert len(ds.x) == 10 and np.isfinite(ds.x).all()
    np.testing.assert_allclose(ds.x[0, 1], value, rtol=1e-6)
    assert ds.report.filled["b"] == pytest.approx(value, rel=1e-6)


def test_missing_error_names_line_and_column(tmp_path):
    with pytest.raises(DataError, match=r"line 2, column 'b' \(column 2\): missing value"):
        _load(tmp_path, MISSING_FILE, missing="error")
    with pytest.raises(ValueError, match="drop, mean, median, error"):
        _load(tmp_path, MISSING_FILE, missing="zero")


def test_missing_target_rows_are_dropped_never_filled(tmp_path):
    ds = _load(tmp_path, b"a,b,y\n1,2,0\n3,4,\n5,6,1\n7,,1\n", missing="mean")
    assert ds.report.rows_dropped == {"missing target": 1} and len(ds.x) == 3
    np.testing.assert_allclose(ds.x[2], [7, 4])


def test_every_row_missing_suggests_filling(tmp_path):
    with pytest.raises(DataError, match="missing='mean'"):
        _load(tmp_path, b"a,b,c\n1,,0\n,2,1\n")


def test_a_few_text_cells_in_a_numeric_column_count_as_missing(tmp_path):
    rows = "".join(f"{i},{i % 2}\n" for i in range(40))
    ds = _load(tmp_path, ("a,y\n" + rows + "unknown,1\n").encode())
    assert len(ds.x) == 40 and ds.feature_names == ["a"]
    assert any("'unknown' at line 42" in note for note in ds.report.notes)


def test_value_too_big_for_float32(tmp_path):
    with pytest.raises(DataError, match=r"line 3, column 'a'.*32-bit"):
        _load(tmp_path, b"a,y\n1,0\n1e39,1\n")


# ---------------------------------------------------------------------------------------------------------
# Text columns and targets

def test_text_feature_columns_become_one_hot(tmp_path):
    ds = _load(tmp_path, b"color,size,y\nred,1,0\nblue,2,1\nred,3,1\ngreen,4,0\n")
    assert ds.feature_names == ["color=blue", "color=green", "color=red", "size"]
    np.testing.assert_array_equal(ds.x[:, :3], [[0, 0, 1], [1, 0, 0], [0, 0, 1], [0, 1, 0]])
    assert ds.report.categories == {"color": ["blue", "green", "red"]}


def test_text_target_becomes_classes_and_target_choice(tmp_path):
    content = b"sepal,petal,species\n5.1,1.4,setosa\n7.0,4.7,versicolor\n6.3,6.0,virginica\n4.9,1.4,setosa\n"
    ds = _load(tmp_path, content)
    assert ds.task == "multiclass" and ds.class_names == ["setosa", "versicolor", "virginica"]
    assert ds.y.tolist() == [0, 1, 2, 0]
    by_name = _load(tmp_path, content, target="Sepal")  # case-insensitive
    assert by_name.report.target == "sepal" and by_name.task == "regression"
    assert by_name.feature_names[-3:] == ["species=setosa", "species=versicolor", "species=virginica"]
    assert _load(tmp_path, content, target=-2).report.target == "petal"
    with pytest.raises(DataError, match="no target column 'height'; the columns are 0: 'sepal'"):
        _load(tmp_path, content, target="height")
    with pytest.raises(DataError, match="out of range"):
        _load(tmp_path, content, target=3)
    with pytest.raises(DataError, match="only be a class target"):
        _load(tmp_path, content, task="regression")


def test_numeric_target_guess_and_forced_task(tmp_path):
    rows = "".join(f"{i},{i * 3 % 50}\n" for i in range(60))
    ds = _load(tmp_path, ("x,y\n" + rows).encode())
    assert ds.task == "regression" and ds.y.dtype == np.float32 and ds.y.shape == (60, 1)
    few = _load(tmp_path, b"x,grade\n1,1\n2,2\n3,3\n4,1\n5,2\n6,3\n7,1\n8,2\n9,3\n10,1\n11,2\n12,3\n13,1\n14,2\n15,3\n")
    assert few.task == "multiclass" and few.class_names == ["1", "2", "3"] and few.y[0] == 0
    forced = _load(tmp_path, ("x,y\n" + rows).encode(), task="classification")
    assert forced.is_classification and forced.n_classes == 50
    with pytest.raises(DataError, match="not all whole numbers"):
        _load(tmp_path, b"x,y\n1,0.5\n2,1.5\n", task="classification")
    with pytest.raises(ValueError, match="unknown task"):
        _load(tmp_path, b"x,y\n1,0\n2,1\n", task="clustering")


def test_identifier_columns_are_left_out(tmp_path):
    rows = "".join(f"id{i},{i % 7},{i % 2}\n" for i in range(120))
    ds = _load(tmp_path, ("name,v,y\n" + rows).encode())
    assert ds.feature_names == ["v"] and "identifier" in ds.report.left_out["name"]


# ---------------------------------------------------------------------------------------------------------
# Structure: header, ragged rows, quoting, line endings, odd shapes

def test_no_header_row(tmp_path):
    ds = _load(tmp_path, b"1,2,0\n3,4,1\n5,6,0\n")
    assert not ds.report.header and ds.feature_names == ["column 1", "column 2"]
    assert ds.report.target == "column 3" and len(ds.x) == 3


def test_duplicate_and_empty_header_names(tmp_path):
    ds = _load(tmp_path, b"a,a,,y\n1,2,3,0\n4,5,6,1\n")
    assert ds.feature_names == ["a", "a (2)", "column 3"]


def test_row_names_column_from_r(tmp_path):
    ds = _load(tmp_path, b'"x","y"\n"1",0.5,0\n"2",1.5,1\n"3",2.5,0\n')
    assert ds.feature_names == ["x"] and "row names" in ds.report.left_out["column 1"]


def test_ragged_rows_are_dropped_with_their_lines(tmp_path):
    ds = _load(tmp_path, b"a,b,c\n1,2,0\n3,4\n5,6,1,7\n7,8,1\n9,10,0\n")
    assert ds.report.rows_dropped == {"wrong number of fields": 2}
    assert ds.report.dropped_lines["wrong number of fields"] == [3, 4]
    with pytest.raises(DataError, match="line 3: 2 fields where the other rows have 3"):
        _load(tmp_path, b"a,b,c\n1,2,0\n3,4\n5,6,1\n", missing="error")


def test_mostly_ragged_rows_point_at_the_separator(tmp_path):
    with pytest.raises(DataError, match="check the separator"):
        _load(tmp_path, b"a,b,c\n1,2\n3,4,5,6\n7\n8,9,0\n1,2\n", sep=",")


def test_trailing_separators_make_no_empty_column(tmp_path):
    ds = _load(tmp_path, b"a,b,c,\n1,2,0,\n3,4,1,\n5,6,0\n")
    assert ds.report.target == "c" and ds.feature_names == ["a", "b"] and len(ds.x) == 3
    assert ds.report.left_out == {"column 4": "no values"}


def test_quoted_fields_with_separators_quotes_and_newlines(tmp_path):
    content = (b'name,comment,v,y\n"Smith, J","said ""hi""\nthen left",1.5,0\n'
               b'"Doe; K","a,b;c",2.5,1\n"Smith, J",plain,3.5,0\n')
    ds = _load(tmp_path, content)
    assert ds.report.separator == "," and len(ds.x) == 3
    assert 'comment=said "hi"\nthen left' in ds.feature_names and "name=Smith, J" in ds.feature_names
    np.testing.assert_allclose(ds.x[:, -1], [1.5, 2.5, 3.5])


@pytest.mark.parametrize("newline", [b"\r", b"\r\n", b"\n"])
def test_line_endings(tmp_path, newline):
    ds = _load(tmp_path, newline.join([b"a,b,y", b"1,2,0", b"3,4,1", b""]))
    np.testing.assert_allclose(ds.x, [[1, 2], [3, 4]])


def test_blank_lines_are_skipped(tmp_path):
    ds = _load(tmp_path, b"\n\na,b\n\n1,0\n   \n2,1\n\n")
    assert len(ds.x) == 2 and ds.report.blank_lines >= 3


def test_single_column_file(tmp_path):
    with pytest.raises(DataError, match="single column \\('temperature'\\)"):
        _load(tmp_path, b"temperature\n21.5\n22.0\n19.5\n")


@pytest.mark.parametrize("content", [b"", b"\n\n  \n", b"\xef\xbb\xbf"])
def test_empty_files(tmp_path, content):
    with pytest.raises(DataError, match="empty"):
        _load(tmp_path, content)


def test_header_only(tmp_path):
    with pytest.raises(DataError, match="header row but no data rows"):
        _load(tmp_path, b"a,b,c\n")


def test_unterminated_quote_and_huge_field(tmp_path):
    with pytest.raises(DataError, match=r"line 3: a quote .* is never closed"):
        _load(tmp_path, b'a,b\n0,1\n1,"2\n3,4\n5,6\n')
    ds = _load(tmp_path, b'a,b\n0,1\n"2\n3",4\n')  # a closed multi-line cell at the end is fine
    assert ds.feature_names == ["a=0", "a=2\n3"]
    with pytest.raises(DataError, match="line 2"):
        _load(tmp_path, b'a,b\n1,"' + b"x" * 200_000 + b'"\n')


# ---------------------------------------------------------------------------------------------------------
# Not CSV at all; other containers

def _xlsx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
    return buf.getvalue()


def test_xlsx_renamed_csv(tmp_path):
    with pytest.raises(DataError, match="this is an Excel file.*save it as CSV"):
        _load(tmp_path, _xlsx_bytes(), name="grades.csv")


def test_other_binary_files(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("data.csv", "a,b\n1,2\n")
    with pytest.raises(DataError, match="ZIP archive"):
        _load(tmp_path, buf.getvalue())
    with pytest.raises(DataError, match=r"old Excel file \(\.xls\)"):
        _load(tmp_path, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(DataError, match="not a text file"):
        _load(tmp_path, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
    with pytest.raises(DataError, match="gzip"):
        _load(tmp_path, b"\x1f\x8b\x08\0garbage")


def test_gzip_compressed_csv_and_bytes_input(tmp_path):
    content = b"a;b;y\n1,5;2;0\n2,5;3;1\n"
    ds = _load(tmp_path, gzip.compress(content), name="data.csv.gz")
    np.testing.assert_allclose(ds.x, [[1.5, 2], [2.5, 3]])
    from_bytes = load_csv(content)
    np.testing.assert_array_equal(from_bytes.x, ds.x)
    assert ds.spec["csv"].endswith("data.csv.gz") and ds.name == "data"


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(DataError, match="cannot open"):
        load_csv(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="folder"):
        load_csv(tmp_path)
