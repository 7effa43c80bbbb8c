"""load_csv never crashes (hypothesis: random bytes and random CSV-like text give a DataError or a valid data
set), streams big files with progress in a background thread, and stops when cancelled."""
import threading
import time
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.datasets import Cancelled, DataError, load_csv


def _assert_valid(ds):
    assert ds.x.dtype == np.float32 and ds.x.ndim == 2 and len(ds.x) == len(ds.y) > 0
    assert np.isfinite(ds.x).all() and ds.x.shape[1] == len(ds.feature_names) > 0
    if ds.task == "regression":
        assert ds.y.dtype == np.float32 and ds.y.shape == (len(ds.x), 1) and np.isfinite(ds.y).all()
    else:
        assert ds.y.dtype == np.int64 and ds.y.min() >= 0 and ds.y.max() < len(ds.class_names)
    assert ds.report.rows_kept == len(ds.x)


def _load_or_error(content: bytes, **options):
    try:
        ds = load_csv(content, **options)
    except DataError as exc:
        assert str(exc)  # a message, whatever went wrong
        return None
    _assert_valid(ds)
    return ds


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_bytes_give_a_data_error_or_a_valid_dataset(content):
    _load_or_error(content)


_CELLS = st.one_of(
    st.integers(-10**6, 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True, width=64).map(repr),
    st.floats(-1e4, 1e4).map(lambda v: f"{v:.3f}".replace(".", ",")),
    st.sampled_from(["", "NA", "?", "-", "nan", "inf", "1e400", "1.234,5", "1,234.5", "  7 ", "sí", "Ñandú",
                     "€", "a b", '"q,1"', '"x\ny"', '""', '"', "red", "blue", "0", "1", "2", "'", "\t", ";"]),
)


@st.composite
def _csv_text(draw):
    sep = draw(st.sampled_from([",", ";", "\t", " ", "|"]))
    width = draw(st.integers(1, 5))
    rows = draw(st.lists(st.lists(_CELLS, min_size=max(1, width - 1), max_size=width + 1), max_size=25))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    header = [f"c{j}" for j in range(width)] if draw(st.booleans()) else []
    text = newline.join(sep.join(r) for r in ([header] if header else []) + rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    return text.encode(encoding, errors="replace")


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(_csv_text(), st.sampled_from(["drop", "mean", "median", "error"]),
       st.sampled_from([None, "classification", "regression"]), st.sampled_from([None, True, False]))
def test_random_csv_like_text_gives_a_data_error_or_a_valid_dataset(content, missing, task, header):
    _load_or_error(content, missing=missing, task=task, header=header)


def _write_numeric_csv(path, megabytes: float) -> int:
    """A big numeric CSV written block by block (fast: one formatted block, repeated)."""
    block = "".join(f"{i % 997}.25,{(i * 7) % 1000}.5,{i % 13},{i % 3}\n" for i in range(20000)).encode()
    header = b"a,b,c,label\n"
    repeats = max(1, int(megabytes * 2**20 / len(block)))
    with open(path, "wb") as f:
        f.write(header)
        for _ in range(repeats):
            f.write(block)
    return repeats * 20000


def test_background_load_reports_progress_and_matches(tmp_path):
    path = tmp_path / "medium.csv"
    n_rows = _write_numeric_csv(path, 3)
    fractions, result = [], {}

    def work():
        result["ds"] = load_csv(path, progress=fractions.append)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(60)
    ds = result["ds"]
    assert ds.x.shape == (n_rows, 3) and ds.class_names == ["0", "1", "2"]
    assert len(fractions) > 3 and fractions[-1] == 1.0
    assert all(b >= a for a, b in zip(fractions, fractions[1:]))
    np.testing.assert_allclose(ds.x[:2], [[0.25, 0.5, 0], [1.25, 7.5, 1]])


def test_200_mb_file_is_streamed_and_cancelled_early(tmp_path):
    path = tmp_path / "big.csv"
    try:
        _write_numeric_csv(path, 200)
        assert path.stat().st_size > 199 * 2**20
        stop = threading.Event()
        seen: list[float] = []
        outcome = {}

        def on_progress(fraction):
            seen.append(fraction)
            if fraction >= 0.002:
                stop.set()  # as the designer's Cancel button would, from any thread

        def work():
            tracemalloc.start()
            try:
                load_csv(path, progress=on_progress, cancel=stop)
                outcome["result"] = "finished"
            except Cancelled:
                outcome["result"] = "cancelled"
            finally:
                outcome["peak"] = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()

        start = time.perf_counter()
        thread = threading.Thread(target=work)
        thread.start()
        thread.join(60)
        assert outcome["result"] == "cancelled"
        assert max(seen) < 0.05 and time.perf_counter() - start < 30
        assert outcome["peak"] < 40 * 2**20  # streamed: never the whole 200 MB in memory
        # a callable works as cancel too
        with pytest.raises(Cancelled):
            load_csv(path, cancel=lambda: True)
    finally:
        path.unlink(missing_ok=True)


def test_bad_cancel_argument(tmp_path):
    with pytest.raises(ValueError, match="threading.Event"):
        load_csv(b"a,b\n1,2\n", cancel=3)
