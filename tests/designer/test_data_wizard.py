"""The CSV import wizard driven as a person would: type a path, change settings, click Next / Finish, on
awkward files written by the tests; asserts on the data set it returns and on what it shows."""
import numpy as np
import pytest
from PySide6.QtWidgets import QWizard

from engine import datasets
from designer.data import csv_preview as cp
from designer.data.import_wizard import ImportWizard
from designer.data.wizard_columns import FILL, KIND, ROLE, VALUE

NEXT, BACK, FINISH = QWizard.NextButton, QWizard.BackButton, QWizard.FinishButton


@pytest.fixture
def wizard(qtbot):
    made = []

    def make(path=None):
        w = ImportWizard()
        qtbot.addWidget(w)
        w.show()
        if path is not None:
            w.file_page.path_edit.setText(str(path))  # as if typed or picked with Browse…
        made.append(w)
        return w

    yield make
    for w in made:
        w.close()
        assert not w.load_page.task.running  # closing leaves no thread behind


def _write(tmp_path, name, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def _choose(combo, data):
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)


def _to_columns_page(w):
    w.button(NEXT).click()
    assert w.currentPage() is w.format_page
    w.button(NEXT).click()
    assert w.currentPage() is w.columns_page


def _load(qtbot, w):
    """Click Next on the columns page, wait for the background load, click Finish."""
    w.button(NEXT).click()
    assert w.currentPage() is w.load_page
    qtbot.waitUntil(lambda: not w.load_page.task.running, timeout=20000)
    if w.dataset is not None:
        assert w.button(FINISH).isEnabled()
        w.button(FINISH).click()
    return w.result_dataset()


def test_cp1252_accents_semicolons_and_decimal_commas(qtbot, wizard, tmp_path):
    text = ("año;región;precio;clase\n2001;Málaga;1.234,5;sí\n2002;Logroño;12,5;no\n2003;Cádiz;999,9;sí\n"
            "2004;Málaga;7,25;no\n2005;Cáceres;3,5;sí\n")
    w = wizard(_write(tmp_path, "ventas.csv", text.encode("cp1252")))
    assert "cp1252" in w.file_page.info_label.text() and w.button(NEXT).isEnabled()
    w.button(NEXT).click()
    page = w.format_page
    assert page.encoding_combo.currentData() == "cp1252" and "(detected)" in page.encoding_combo.currentText()
    assert page.separator_combo.currentData() == ";" and page.decimal_combo.currentData() == ","
    assert page.header_check.isChecked()
    assert [page.table.horizontalHeaderItem(j).text() for j in range(4)] == ["año", "región", "precio", "clase"]
    assert page.table.item(0, 1).text() == "Málaga"
    w.button(NEXT).click()
    ds = _load(qtbot, w)
    assert w.result() == QWizard.Accepted
    assert ds.class_names == ["no", "sí"] and ds.y.tolist() == [1, 0, 1, 0, 1]
    assert ds.feature_names[0] == "año" and "región=Cádiz" in ds.feature_names
    precio = ds.feature_names.index("precio")
    np.testing.assert_allclose(ds.x[:, precio], [1234.5, 12.5, 999.9, 7.25, 3.5], rtol=1e-6)
    spec = w.result_spec()
    assert spec["csv"] == str(tmp_path / "ventas.csv") and spec["options"]["sep"] == ";"
    again = datasets.from_spec(spec)
    np.testing.assert_array_equal(again.x, ds.x)
    assert again.class_names == ds.class_names


def test_wrong_encoding_error_is_shown_and_nothing_is_lost(qtbot, wizard, tmp_path):
    text = "nombre;edad;ciudad\nÁlvaro;31;Logroño\nMaría;25;Cádiz\nÑuño;40;Málaga\n"
    w = wizard(_write(tmp_path, "gente.csv", text.encode("cp1252")))
    w.button(NEXT).click()
    _choose(w.format_page.encoding_combo, "utf-8")  # the user insists on UTF-8
    assert "\ufffd" in w.format_page.table.item(0, 0).text()  # the preview shows the broken letters
    w.button(NEXT).click()
    _choose(w.columns_page.table.cellWidget(1, ROLE), "target")
    assert _load(qtbot, w) is None
    assert "not valid utf-8" in w.load_page.details.toPlainText()
    assert not w.button(FINISH).isEnabled() and w.isVisible()
    w.button(BACK).click()
    assert w.columns_page.table.cellWidget(1, ROLE).currentData() == "target"  # choices kept
    w.button(BACK).click()
    _choose(w.format_page.encoding_combo, "cp1252")
    w.button(NEXT).click()
    ds = _load(qtbot, w)
    assert ds.task == "regression" and ds.feature_names[0].startswith("nombre=")
    assert "ciudad=Logroño" in ds.feature_names
    np.testing.assert_allclose(ds.y.ravel(), [31, 25, 40])


def test_missing_values_counted_and_filled_never_zero(qtbot, wizard, tmp_path):
    text = "a,b,color,y\n1,10,rojo,0\nNA,20,azul,1\n3,?,rojo,0\n5,inf,,1\n-,1e400,azul,0\n7,30,rojo,1\n"
    w = wizard(_write(tmp_path, "huecos.csv", text.encode()))
    _to_columns_page(w)
    table = w.columns_page.table
    assert [table.item(j, 4).text() for j in range(4)] == ["2", "3", "1", "0"]
    assert "whole file" in w.columns_page.count_label.text()
    _choose(w.columns_page.all_fill_combo, "median")
    w.columns_page.all_fill_combo.activated.emit(w.columns_page.all_fill_combo.currentIndex())
    assert table.cellWidget(2, FILL).currentData() == "most_frequent"  # text column: its most frequent value
    ds = _load(qtbot, w)
    assert ds.n_samples == 6 and np.isfinite(ds.x).all()
    np.testing.assert_allclose(ds.x[:, 0], [1, 4, 3, 5, 4, 7])  # median of 1, 3, 5, 7
    np.testing.assert_allclose(ds.x[:, 1], [10, 20, 20, 20, 20, 30])
    assert w.result_spec()["options"]["missing"] == "median"
    assert "Filled with 4.0" in w.load_page.details.toPlainText()


def test_dropping_rows_is_the_default(qtbot, wizard, tmp_path):
    w = wizard(_write(tmp_path, "d.csv", b"a;b;y\n1;2;0\nnan;3;1\n4;5;0\n6;;1\n7;8;1\n"))
    _to_columns_page(w)
    ds = _load(qtbot, w)
    assert ds.n_samples == 3 and "Dropped 2 rows: missing values" in w.load_page.details.toPlainText()


def test_no_header_row_and_toggling_it(qtbot, wizard, tmp_path):
    w = wizard(_write(tmp_path, "raw.txt", b"1.5\t2\t0\n2.5\t3\t1\n0.5\t1\t0\n3.5\t4\t1\n"))
    w.button(NEXT).click()
    page = w.format_page
    assert page.separator_combo.currentData() == "\t" and not page.header_check.isChecked()
    assert page.table.rowCount() == 4 and page.table.horizontalHeaderItem(0).text() == "column 1"
    page.header_check.click()  # a person ticks it and sees the first row become names
    assert page.table.rowCount() == 3 and page.table.horizontalHeaderItem(0).text() == "1.5"
    page.header_check.click()
    w.button(NEXT).click()
    ds = _load(qtbot, w)
    assert ds.n_samples == 4 and ds.feature_names == ["column 1", "column 2"] and ds.class_names == ["0", "1"]


def test_separator_change_updates_preview_and_columns(qtbot, wizard, tmp_path):
    w = wizard(_write(tmp_path, "s.csv", b"x;y;z\n1,5;2;0\n2,5;3;1\n3,5;1;0\n4,5;0;1\n"))
    w.button(NEXT).click()
    page = w.format_page
    assert page.separator_combo.currentData() == ";" and page.table.columnCount() == 3
    _choose(page.separator_combo, ",")  # wrong on purpose: the preview shows it at once
    assert page.table.columnCount() != 3
    _choose(page.separator_combo, ";")
    assert page.decimal_combo.currentData() == "," and page.table.columnCount() == 3
    w.button(NEXT).click()
    table = w.columns_page.table
    _choose(table.cellWidget(0, ROLE), "target")  # x is now the target; z goes back to being a feature
    assert table.cellWidget(2, ROLE).currentData() == "feature"
    assert table.cellWidget(0, KIND).currentData() == "number"
    ds = _load(qtbot, w)
    assert ds.task == "regression" and ds.feature_names == ["y", "z"]
    np.testing.assert_allclose(ds.y.ravel(), [1.5, 2.5, 3.5, 4.5])


def test_choices_this_engine_cannot_do_are_explained(qtbot, wizard, tmp_path):
    w = wizard(_write(tmp_path, "c.csv", b"id,a,b,y\n1,5,0,0\n2,6,1,1\n3,7,0,0\n4,8,1,1\n"))
    _to_columns_page(w)
    table = w.columns_page.table
    supported = cp.engine_options()
    _choose(table.cellWidget(0, ROLE), "ignore")
    if "ignore" not in supported:
        assert "cannot leave out column 'id'" in w.columns_page.problems_label.text()
        assert not w.button(NEXT).isEnabled()
    _choose(table.cellWidget(0, ROLE), "feature")
    _choose(table.cellWidget(1, FILL), "constant")
    assert table.cellWidget(1, VALUE).isEnabled()
    assert w.columns_page.problems_label.text()  # no value typed yet (or no engine support)
    _choose(table.cellWidget(1, FILL), "drop")
    assert w.columns_page.problems_label.text() == "" and w.button(NEXT).isEnabled()
    _choose(table.cellWidget(3, ROLE), "ignore")
    assert "target" in w.columns_page.problems_label.text()


def test_options_for_an_engine_with_per_column_choices(tmp_path):
    """When load_csv gains ignore= / categorical= / fill=, the wizard passes the choices through."""
    path = _write(tmp_path, "c.csv", b"id,a,city,y\n1,5,x,0\n2,,y,1\n3,7,,0\n4,8,x,1\n")
    s = cp.sniff(path)
    p = cp.preview(s, s.encoding, s.sep, s.decimal, s.header)
    choices = cp.default_choices(p.columns)
    choices[0].role = "ignore"
    choices[1].kind, choices[1].fill, choices[1].constant = "category", "constant", "0,5"
    choices[2].fill = "most_frequent"
    fmt = {"encoding": s.encoding, "sep": s.sep, "decimal": s.decimal, "header": s.header}
    options, problems = cp.load_options(s, fmt, p.columns, choices,
                                        supported=cp.engine_options() | {"ignore", "categorical", "fill"})
    assert problems == []
    assert options["ignore"] == ["id"] and options["categorical"] == ["a"]
    assert options["fill"] == {"a": {"constant": 0.5}} and options["missing"] == "most_frequent"
    assert options["target"] == "y" and options["task"] == "classification"


def test_header_only_file_says_there_are_no_rows(wizard, tmp_path):
    w = wizard(_write(tmp_path, "h.csv", b"a;b;c\n"))
    w.button(NEXT).click()
    assert "no data rows" in w.format_page.rows_label.text() and not w.button(NEXT).isEnabled()


def test_not_a_csv_file_stops_on_the_first_page(wizard, tmp_path):
    import zipfile
    path = tmp_path / "hoja.csv"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    w = wizard(path)
    assert "Excel" in w.file_page.error_label.text() and not w.button(NEXT).isEnabled()
    w.file_page.path_edit.setText(str(tmp_path / "missing.csv"))
    assert "cannot open" in w.file_page.error_label.text()


def test_big_file_warns_loads_in_background_and_cancels(qtbot, wizard, tmp_path, monkeypatch):
    path = tmp_path / "grande.csv"
    rows = "".join(f"{i * 0.25},{i % 7}.5,{i % 3}\n" for i in range(20000))
    with open(path, "w") as f:
        f.write("a,b,clase\n")
        for _ in range(40):  # ~ 8 MB: enough for many progress reports
            f.write(rows)
    monkeypatch.setattr(cp, "BIG_FILE_BYTES", 2**20)
    w = wizard(path)
    assert "big" in w.file_page.warning_label.text()
    _to_columns_page(w)
    page = w.load_page
    w.button(NEXT).click()
    assert page.cancel_button.isVisible() and page.task.running
    qtbot.waitUntil(lambda: page.progress_bar.value() > 0, timeout=20000)
    page.cancel_button.click()
    qtbot.waitUntil(lambda: not page.task.running, timeout=20000)
    assert "cancelled" in page.status_label.text() and w.result_dataset() is None
    assert page.retry_button.isVisible() and not w.button(FINISH).isEnabled()
    page.retry_button.click()  # change of mind: load it all
    qtbot.waitUntil(lambda: not page.task.running, timeout=60000)
    assert w.result_dataset().n_samples == 800000


def test_wizard_pages_render(qtbot, wizard, tmp_path):
    text = "año;región;precio;clase\n2001;Málaga;1.234,5;sí\n2002;Logroño;;no\n2003;Cádiz;999,9;sí\n"
    w = wizard(_write(tmp_path, "v.csv", text.encode("cp1252")))
    for k in range(4):
        image = w.grab()
        assert not image.isNull() and image.width() >= 800
        image.save(str(tmp_path / f"wizard_page_{k + 1}.png"))
        if k < 3:
            w.button(NEXT).click()
    qtbot.waitUntil(lambda: w.dataset is not None, timeout=10000)
