"""Weight archives: numpy ``.npz`` files of named arrays ("layer_name/param_name"), never pickled.

The writer produces exactly what ``np.savez`` produces (a stored ZIP of ``<key>.npy`` members) but writes the
members itself, so that any key works (``np.savez(file, **arrays)`` breaks on a key named "file") and object
arrays are refused at save time. The reader checks every member's ``.npy`` header *before* numpy reads the
data -- names, declared sizes, dtypes -- and then loads with ``np.load(..., allow_pickle=False)``, so a
hostile or damaged file gives a clear :class:`WeightsFileError` rather than running code or exhausting memory.
"""
from __future__ import annotations

import io
import math
import os
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from typing import BinaryIO

import numpy as np

from engine.io import WeightsFileError
from engine.io.atomic import atomic_write_bytes

PathLike = str | os.PathLike

# Bound on the declared uncompressed size of an archive's members: far above any classroom model, far
# below what would let a tiny "zip bomb" file exhaust memory.
MAX_ARCHIVE_BYTES = 4 * 2**30

NUMERIC_KINDS = "biufc"  # bool, signed, unsigned, float, complex
PICKLE_MESSAGE = "contains Python objects; refusing to load it (it could run code)"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # an archive with members, an empty archive
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError,
                RuntimeError)  # RuntimeError: encrypted member; NotImplementedError: unknown compression


def _check_array(key: object, value: np.ndarray) -> None:
    if not isinstance(key, str) or not key or "\x00" in key or "\\" in key:
        # ZIP member names cannot hold NUL, and on Windows zipfile turns "\" into "/".
        raise WeightsFileError(f"weight names must be non-empty strings without NUL or backslash, "
                               f"got {key!r}")
    if value.dtype.hasobject:
        raise WeightsFileError(f"{key}: cannot save an array of Python objects (dtype {value.dtype})")
    if value.dtype.kind not in NUMERIC_KINDS:
        raise WeightsFileError(f"{key}: only numeric arrays can be saved, got dtype {value.dtype}")


def weights_to_npz_bytes(weights: Mapping[str, np.ndarray]) -> bytes:
    """Serialize named arrays to the bytes of an ``.npz`` archive (what ``np.savez`` writes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for key, value in weights.items():
            value = np.asarray(value)
            _check_array(key, value)
            # Fixed timestamp: the same weights always give the same bytes.
            info = zipfile.ZipInfo(key + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            with archive.open(info, "w", force_zip64=value.nbytes > 2**31) as member:
                np.lib.format.write_array(member, value, allow_pickle=False)
    return buffer.getvalue()


def _check_member_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo, source: str) -> None:
    """Read only the ``.npy`` header and refuse object/non-numeric dtypes or sizes that do not add up."""
    key = info.filename[:-4]
    with archive.open(info) as member:
        version = np.lib.format.read_magic(member)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(member)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(member)
        else:  # 3.0 only exists for structured dtypes with non-Latin-1 field names, which we refuse anyway
            raise WeightsFileError(f"{source}: entry {key!r} uses .npy format {version}, "
                                   "which is not supported")
        header_size = member.tell()
    if dtype.hasobject:
        raise WeightsFileError(f"{source} {PICKLE_MESSAGE} (entry {key!r} has dtype {dtype})")
    if dtype.kind not in NUMERIC_KINDS:
        raise WeightsFileError(f"{source}: entry {key!r} has non-numeric dtype {dtype}; "
                               "only numbers are allowed")
    declared = header_size + math.prod(shape) * dtype.itemsize
    if declared != info.file_size:
        raise WeightsFileError(f"{source} is damaged: entry {key!r} declares {declared} bytes "
                               f"(shape {shape}, {dtype}) but holds {info.file_size}")


def _check_members(archive: zipfile.ZipFile, source: str) -> None:
    seen: set[str] = set()
    total = 0
    for info in archive.infolist():
        name = info.filename
        if not name.endswith(".npy") or len(name) == 4 or info.is_dir():
            raise WeightsFileError(f"{source}: unexpected entry {name!r} "
                                   "(an .npz holds only <name>.npy arrays)")
        if name in seen:
            raise WeightsFileError(f"{source}: entry {name!r} appears twice")
        seen.add(name)
        total += info.file_size
        if total > MAX_ARCHIVE_BYTES:
            raise WeightsFileError(f"{source}: the arrays would take more than "
                                   f"{MAX_ARCHIVE_BYTES >> 30} GiB; refusing to load it")
    for info in archive.infolist():
        _check_member_header(archive, info, source)


def _read_npz(file: BinaryIO, source: str) -> dict[str, np.ndarray]:
    """Validate then load an ``.npz`` from a seekable binary file. ``source`` names it in messages."""
    magic = file.read(6)
    if not magic:
        raise WeightsFileError(f"{source} is empty")
    if magic.startswith(b"\x93NUMPY"):
        raise WeightsFileError(f"{source} is a single-array .npy file, not an .npz archive of named weights")
    if magic[:4] not in _ZIP_MAGIC:
        raise WeightsFileError(f"{source} is not an .npz weights archive")
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            _check_members(archive, source)
        file.seek(0)
        with np.load(file, allow_pickle=False) as npz:
            return {name: npz[name] for name in npz.files}
    except WeightsFileError:
        raise
    except ValueError as error:
        if "allow_pickle" in str(error) or "pickle" in str(error).lower():  # a second line of defence
            raise WeightsFileError(f"{source} {PICKLE_MESSAGE}") from None
        raise WeightsFileError(f"{source} is damaged ({error})") from None
    except _READ_ERRORS as error:
        raise WeightsFileError(f"{source} is damaged or truncated ({error})") from None


def weights_from_npz_bytes(data: bytes, source: str = "the weights archive") -> dict[str, np.ndarray]:
    """Parse the bytes of an ``.npz`` archive (e.g. a member of a project file) into named arrays."""
    return _read_npz(io.BytesIO(data), source)


def save_weights_npz(path: PathLike, weights: Mapping[str, np.ndarray]) -> None:
    """Write named numeric arrays to an ``.npz`` file, atomically (old file kept on failure)."""
    atomic_write_bytes(path, weights_to_npz_bytes(weights))


def load_weights_npz(path: PathLike) -> dict[str, np.ndarray]:
    """Read an ``.npz`` of named numeric arrays; never unpickles.

    Raises WeightsFileError (a ValueError) when the file is damaged, holds Python objects or non-numbers.
    OSError (missing file, no permission) propagates unchanged.
    """
    with open(path, "rb") as file:
        return _read_npz(file, f"{os.fspath(path)!r}")


def check_weights_match(expected: Mapping[str, Sequence[int]], loaded: Mapping[str, np.ndarray]) -> None:
    """Raise WeightsFileError unless ``loaded`` has exactly the names and shapes in ``expected``.

    The message lists every missing, unexpected and mismatched entry, e.g.
    ``dense_1/kernel: file has (3, 4), model needs (2, 4)``.
    """
    missing = sorted(set(expected) - set(loaded))
    unexpected = sorted(set(loaded) - set(expected))
    mismatched = [f"{key}: file has {tuple(np.shape(loaded[key]))}, model needs {tuple(expected[key])}"
                  for key in sorted(set(expected) & set(loaded))
                  if tuple(np.shape(loaded[key])) != tuple(expected[key])]
    problems = []
    if missing:
        problems.append(f"missing from the file: {', '.join(missing)}")
    if unexpected:
        problems.append(f"not in the model: {', '.join(unexpected)}")
    problems.extend(mismatched)
    if problems:
        raise WeightsFileError("the weights do not fit the model:\n  " + "\n  ".join(problems))
