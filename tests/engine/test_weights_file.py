"""Weight archives (.npz): exact round trips, refusal of pickles and damaged files, mismatch messages."""
from __future__ import annotations

import io
import os
import zipfile

import numpy as np
import pytest

from engine.io import WeightsFileError, check_weights_match, load_weights_npz, save_weights_npz, weights_file


def _assert_identical(a: dict, b: dict) -> None:
    assert list(a) == list(b)
    for key, value in a.items():
        assert value.dtype == b[key].dtype and value.shape == b[key].shape, key
        assert value.tobytes() == b[key].tobytes(), key  # bit for bit, NaN payloads included


def _sample_weights() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    kernel = rng.standard_normal((3, 4)).astype(np.float32)
    kernel[0, 0] = np.nan
    kernel[0, 1] = -np.inf
    return {
        "dense_1/kernel": kernel,
        "dense_1/bias": np.zeros(4, np.float32),
        "conv/kernel": rng.standard_normal((3, 3, 2, 5)),
        "fortran/kernel": np.asfortranarray(rng.standard_normal((4, 3)).astype(np.float32)),
        "counts/int": np.arange(6, dtype=np.int64).reshape(2, 3),
        "mask/bool": np.array([True, False]),
        "empty/kernel": np.zeros((0, 5), np.float32),
        "scalar/step": np.array(7, dtype=np.int32),
        "complex/x": np.array([1 + 2j], dtype=np.complex64),
        "file": np.ones(2, np.float32),  # would clash with np.savez's own argument name
        "allow_pickle": np.ones(1, np.float32),
    }


def test_round_trip_is_bit_identical(tmp_path):
    weights = _sample_weights()
    path = tmp_path / "w.npz"
    save_weights_npz(path, weights)
    _assert_identical(load_weights_npz(path), weights)
    with np.load(path, allow_pickle=False) as npz:  # a standard .npz that numpy itself reads
        assert set(npz.files) == set(weights)
    assert os.listdir(tmp_path) == ["w.npz"]


def test_empty_weights_round_trip(tmp_path):
    save_weights_npz(tmp_path / "w.npz", {})
    assert load_weights_npz(tmp_path / "w.npz") == {}


def test_same_weights_same_bytes():
    weights = _sample_weights()
    assert weights_file.weights_to_npz_bytes(weights) == weights_file.weights_to_npz_bytes(weights)


def test_saving_refuses_objects_strings_and_bad_names(tmp_path):
    path = tmp_path / "w.npz"
    save_weights_npz(path, {"a": np.ones(2)})
    with pytest.raises(WeightsFileError, match="Python objects"):
        save_weights_npz(path, {"a": np.array([{"x": 1}], dtype=object)})
    with pytest.raises(WeightsFileError, match="numeric"):
        save_weights_npz(path, {"a": np.array(["text"])})
    with pytest.raises(WeightsFileError, match="names"):
        save_weights_npz(path, {"": np.ones(1)})
    with pytest.raises(WeightsFileError, match="names"):
        save_weights_npz(path, {3: np.ones(1)})
    np.testing.assert_array_equal(load_weights_npz(path)["a"], np.ones(2))  # the old file is untouched
    assert os.listdir(tmp_path) == ["w.npz"]


def test_refuses_pickled_objects(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, kernel=np.ones(3), payload=np.array([{"run": "code"}], dtype=object))  # pickles
    message = r"contains Python objects; refusing to load it \(it could run code\)"
    with pytest.raises(WeightsFileError, match=message):
        load_weights_npz(path)


def test_refuses_non_numeric_arrays(tmp_path):
    path = tmp_path / "text.npz"
    np.savez(path, names=np.array(["a", "b"]))
    with pytest.raises(WeightsFileError, match="non-numeric dtype"):
        load_weights_npz(path)
    np.savez(path, record=np.zeros(2, dtype=[("a", "f4"), ("b", "i4")]))
    with pytest.raises(WeightsFileError, match="non-numeric dtype"):
        load_weights_npz(path)


def _valid_bytes() -> bytes:
    return weights_file.weights_to_npz_bytes({"dense/kernel": np.arange(200, dtype=np.float32)})


@pytest.mark.parametrize("content, message", [
    (b"", "is empty"),
    (os.urandom(300), "not an .npz"),
    (b"PK\x03\x04" + os.urandom(300), "damaged or truncated"),
    (_valid_bytes()[:500], "damaged or truncated"),
    (_valid_bytes()[:-10], "damaged or truncated"),
])
def test_refuses_damaged_files(tmp_path, content, message):
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    with pytest.raises(WeightsFileError, match=message):
        load_weights_npz(path)


def test_refuses_a_single_npy_file(tmp_path):
    np.save(tmp_path / "a.npy", np.ones(3))
    with pytest.raises(WeightsFileError, match="single-array .npy"):
        load_weights_npz(tmp_path / "a.npy")


def test_refuses_corrupted_array_data(tmp_path):
    data = bytearray(_valid_bytes())
    data[data.index(b"\x00\x00\x80\x3f") + 1] ^= 0xFF  # flip a byte of the value 1.0: the CRC no longer fits
    (tmp_path / "bad.npz").write_bytes(bytes(data))
    with pytest.raises(WeightsFileError, match="damaged"):
        load_weights_npz(tmp_path / "bad.npz")


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def test_refuses_headers_that_do_not_fit_the_data(tmp_path):
    # A header declaring a huge array over a few bytes of data (numpy would allocate it before reading).
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False,
                                                  "shape": (100_000, 100_000)})
    (tmp_path / "bad.npz").write_bytes(_zip({"k.npy": header.getvalue() + b"\x00" * 16}))
    with pytest.raises(WeightsFileError, match="declares"):
        load_weights_npz(tmp_path / "bad.npz")


def test_refuses_foreign_members_and_absurd_sizes(tmp_path, monkeypatch):
    path = tmp_path / "bad.npz"
    path.write_bytes(_zip({"k.npy": _npy(np.ones(3)), "../../evil.sh": b"rm -rf"}))
    with pytest.raises(WeightsFileError, match="unexpected entry"):
        load_weights_npz(path)
    path.write_bytes(_zip({"k.npy": _npy(np.ones(1000))}))
    monkeypatch.setattr(weights_file, "MAX_ARCHIVE_BYTES", 1000)
    with pytest.raises(WeightsFileError, match="refusing"):
        load_weights_npz(path)


def test_errors_are_value_errors_and_missing_files_are_os_errors(tmp_path):
    assert issubclass(WeightsFileError, ValueError)
    with pytest.raises(FileNotFoundError):
        load_weights_npz(tmp_path / "nope.npz")


def test_check_weights_match():
    expected = {"dense_1/kernel": (2, 4), "dense_1/bias": (4,), "dense_2/kernel": (4, 1)}
    check_weights_match(expected, {"dense_1/kernel": np.zeros((2, 4)), "dense_1/bias": np.zeros(4),
                                   "dense_2/kernel": np.zeros((4, 1))})
    with pytest.raises(WeightsFileError) as error:
        check_weights_match(expected, {"dense_1/kernel": np.zeros((3, 4)), "dense_1/bias": np.zeros(4),
                                       "dense_9/kernel": np.zeros(1)})
    message = str(error.value)
    assert "dense_1/kernel: file has (3, 4), model needs (2, 4)" in message
    assert "missing from the file: dense_2/kernel" in message
    assert "not in the model: dense_9/kernel" in message
    assert "dense_1/bias" not in message
