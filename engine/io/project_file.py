"""The project file (``.ntl``): one versioned ZIP archive holding a whole Neurotaller project.

Members (nothing else is accepted):

- ``project.json`` (UTF-8): ``{"format": "neurotaller-project", "format_version": N, "app_version": str,
  "architecture": dict, "training": dict, "history": {name: list}, "dataset": dict | null,
  "metadata": dict}``. The architecture/training/dataset dicts are opaque here (other modules own them).
  NaN/Infinity are written as Python's json does, because a diverged loss history must survive a save.
- ``weights.npz``: arrays keyed "layer_name/param_name" (see :mod:`engine.io.weights_file`).
- ``optimizer.npz`` (optional): the optimizer's state arrays.

Loading parses plain data only (``allow_pickle=False`` everywhere), refuses files from a newer format with a
"please update" message, and converts older ones through :data:`MIGRATIONS`, a chain of functions
``dict -> dict`` on the ``project.json`` document, one per format step. Every problem raises
:class:`~engine.io.ProjectFileError` naming the file and what is wrong with it.
"""
from __future__ import annotations

import io
import json
import os
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from typing import Any, BinaryIO

import numpy as np

from engine.io import ProjectFileError
from engine.io.atomic import atomic_writer
from engine.io.weights_file import MAX_ARCHIVE_BYTES, weights_from_npz_bytes, weights_to_npz_bytes

PathLike = str | os.PathLike

FORMAT_MARKER = "neurotaller-project"
FORMAT_VERSION = 1  # bump it together with a migration registered for the previous version
EXTENSION = ".ntl"

PROJECT_MEMBER, WEIGHTS_MEMBER, OPTIMIZER_MEMBER = "project.json", "weights.npz", "optimizer.npz"
_REQUIRED_MEMBERS = (PROJECT_MEMBER, WEIGHTS_MEMBER)
_ALLOWED_MEMBERS = frozenset({PROJECT_MEMBER, WEIGHTS_MEMBER, OPTIMIZER_MEMBER})
MAX_JSON_BYTES = 256 * 2**20  # a long per-batch history is a few MB; more means a broken or hostile file
_FIXED_DATE = (1980, 1, 1, 0, 0, 0)  # same project, same bytes (real times belong in "metadata")

Migration = Callable[[dict[str, Any]], dict[str, Any]]
# MIGRATIONS[v] turns a format-v document into a format-(v + 1) one; load_project chains them.
MIGRATIONS: dict[int, Migration] = {}


def register_migration(from_version: int) -> Callable[[Migration], Migration]:
    """Decorator: register ``function(document) -> document`` taking format ``from_version`` to the next."""
    def decorate(function: Migration) -> Migration:
        if from_version in MIGRATIONS:
            raise ValueError(f"a migration from format {from_version} is already registered")
        MIGRATIONS[from_version] = function
        return function
    return decorate


@dataclass
class ProjectData:
    """Everything a project file holds, as plain data.

    ``app_version`` and ``source_format_version`` are filled in by :func:`load_project` (which Neurotaller
    saved the file, and in which format before any migration); :func:`save_project` ignores them.
    """

    architecture: dict[str, Any]
    training: dict[str, Any] = field(default_factory=dict)
    history: dict[str, list] = field(default_factory=dict)
    dataset: dict[str, Any] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    weights: dict[str, np.ndarray] = field(default_factory=dict)
    optimizer_state: dict[str, np.ndarray] = field(default_factory=dict)
    app_version: str = ""
    source_format_version: int | None = None


def default_app_version() -> str:
    try:
        return importlib_metadata.version("neurotaller")
    except importlib_metadata.PackageNotFoundError:  # running from a source checkout
        return "unknown"


# -- the JSON document ---------------------------------------------------------------------------------------
def _check_document(document: dict[str, Any], source: str) -> None:
    """The fields of a current-format document have the right types (after any migration)."""
    expected = {"architecture": dict, "training": dict, "history": dict, "metadata": dict, "app_version": str}
    for key, kind in expected.items():
        if key not in document:
            raise ProjectFileError(f"{source}: project.json has no {key!r} entry")
        if not isinstance(document[key], kind):
            raise ProjectFileError(f"{source}: {key!r} in project.json should be a {kind.__name__}, "
                                   f"not {type(document[key]).__name__}")
    if not isinstance(document.get("dataset", None), (dict, type(None))):
        raise ProjectFileError(f"{source}: 'dataset' in project.json should be a dict or null")
    for name, values in document["history"].items():
        if not isinstance(values, list):
            raise ProjectFileError(f"{source}: history entry {name!r} should be a list, "
                                   f"not {type(values).__name__}")


def _json_default(value: Any) -> Any:
    # Configs often carry numpy scalars (e.g. a units count computed with numpy); store them as numbers.
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return value.tolist()
    raise TypeError(f"{type(value).__name__} values cannot be stored in a project file")


def _document_of(project: ProjectData, app_version: str) -> dict[str, Any]:
    # History curves often arrive as arrays or tuples; JSON stores them as lists either way.
    history = project.history
    if isinstance(history, dict):
        history = {name: values.tolist() if isinstance(values, np.ndarray)
                   else list(values) if isinstance(values, tuple) else values
                   for name, values in history.items()}
    return {"format": FORMAT_MARKER, "format_version": FORMAT_VERSION, "app_version": app_version,
            "architecture": project.architecture, "training": project.training, "history": history,
            "dataset": project.dataset, "metadata": project.metadata}


def _parse_json(raw: bytes, source: str) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProjectFileError(f"{source}: project.json is not UTF-8 text (bad byte at position "
                               f"{error.start})") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ProjectFileError(f"{source}: project.json is not valid JSON: {error.msg} "
                               f"at line {error.lineno} column {error.colno}") from None
    except RecursionError:
        raise ProjectFileError(f"{source}: project.json is nested too deeply") from None
    if not isinstance(document, dict):
        raise ProjectFileError(f"{source}: project.json should hold a JSON object, "
                               f"not {type(document).__name__}")
    return document


def _check_version(document: dict[str, Any], source: str) -> int:
    marker = document.get("format")
    if marker != FORMAT_MARKER:
        raise ProjectFileError(f"{source} is not a Neurotaller project (format marker {marker!r}, "
                               f"expected {FORMAT_MARKER!r})")
    version = document.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise ProjectFileError(f"{source}: project.json has an invalid format_version {version!r}")
    if version > FORMAT_VERSION:
        raise ProjectFileError(f"{source}: this project was saved by a newer Neurotaller (format {version}); "
                               f"this version reads up to {FORMAT_VERSION} — please update")
    return version


def migrate(document: dict[str, Any], source: str = "the project") -> dict[str, Any]:
    """Bring a document of an older format to :data:`FORMAT_VERSION` through :data:`MIGRATIONS`."""
    version = _check_version(document, source)
    while version < FORMAT_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise ProjectFileError(f"{source} uses format {version}, which this version cannot convert "
                                   f"(no migration from format {version} to {version + 1})")
        document = step(document)
        version += 1
        document["format_version"] = version  # set here so that a migration cannot forget it
    return document


# -- the archive --------------------------------------------------------------------------------------------
def project_to_bytes(project: ProjectData, app_version: str | None = None) -> bytes:
    """The bytes of a ``.ntl`` file (what :func:`save_project` writes)."""
    buffer = io.BytesIO()
    _write_archive(buffer, project, app_version)
    return buffer.getvalue()


def _write_archive(file: BinaryIO, project: ProjectData, app_version: str | None) -> None:
    source = "the project"
    document = _document_of(project, default_app_version() if app_version is None else app_version)
    _check_document(document, source)
    try:
        text = json.dumps(document, ensure_ascii=False, indent=1, default=_json_default)
    except (TypeError, ValueError) as error:  # ValueError: circular reference
        raise ProjectFileError(f"cannot save the project: {error}") from None
    members = [(PROJECT_MEMBER, text.encode("utf-8"), 6),
               # Float arrays barely compress; level 1 saves most of what deflate can, much faster.
               (WEIGHTS_MEMBER, weights_to_npz_bytes(project.weights), 1)]
    if project.optimizer_state:
        members.append((OPTIMIZER_MEMBER, weights_to_npz_bytes(project.optimizer_state), 1))
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for name, data, level in members:
            info = zipfile.ZipInfo(name, date_time=_FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data, compresslevel=level)


def save_project(path: PathLike, project: ProjectData, *, app_version: str | None = None) -> None:
    """Write ``project`` to ``path`` (conventionally ``*.ntl``) atomically: on any failure the old file stays.

    Raises ProjectFileError if the project holds data that cannot be stored (non-JSON values, object arrays).
    """
    with atomic_writer(path) as file:
        _write_archive(file, project, app_version)


def _check_members(archive: zipfile.ZipFile, source: str) -> None:
    names = [info.filename for info in archive.infolist()]
    for info in archive.infolist():
        if info.filename not in _ALLOWED_MEMBERS:
            raise ProjectFileError(f"{source}: unexpected entry {info.filename!r} in the project archive "
                                   f"(expected only {', '.join(sorted(_ALLOWED_MEMBERS))})")
        if names.count(info.filename) > 1:
            raise ProjectFileError(f"{source}: entry {info.filename!r} appears twice")
        if info.flag_bits & 0x1:
            raise ProjectFileError(f"{source}: entry {info.filename!r} is encrypted")
    for name in _REQUIRED_MEMBERS:
        if name not in names:
            raise ProjectFileError(f"{source} is incomplete: {name} is missing from the archive")
    if archive.getinfo(PROJECT_MEMBER).file_size > MAX_JSON_BYTES:
        raise ProjectFileError(f"{source}: project.json is implausibly large; refusing to load it")
    if sum(info.file_size for info in archive.infolist()) > MAX_ARCHIVE_BYTES:
        raise ProjectFileError(f"{source}: its content would take more than {MAX_ARCHIVE_BYTES >> 30} GiB; "
                               "refusing to load it")


def _read_member(archive: zipfile.ZipFile, name: str, source: str) -> bytes:
    try:
        return archive.read(name)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as error:
        raise ProjectFileError(f"{source} is damaged: cannot read {name} ({error})") from None


def _read_archive(file: BinaryIO, source: str) -> ProjectData:
    magic = file.read(4)
    if not magic:
        raise ProjectFileError(f"{source} is empty")
    if magic != b"PK\x03\x04":
        raise ProjectFileError(f"{source} is not a Neurotaller project file (it is not a ZIP archive)")
    file.seek(0)
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as error:
        raise ProjectFileError(f"{source} is damaged or truncated: its ZIP directory is unreadable "
                               f"({error})") from None
    with archive:
        _check_members(archive, source)
        document = _parse_json(_read_member(archive, PROJECT_MEMBER, source), source)
        source_version = _check_version(document, source)
        weights_raw = _read_member(archive, WEIGHTS_MEMBER, source)
        optimizer_raw = (_read_member(archive, OPTIMIZER_MEMBER, source)
                         if OPTIMIZER_MEMBER in archive.namelist() else None)
    document = migrate(document, source)
    _check_document(document, source)
    weights = weights_from_npz_bytes(weights_raw, f"{WEIGHTS_MEMBER} in {source}")
    optimizer_state = ({} if optimizer_raw is None
                       else weights_from_npz_bytes(optimizer_raw, f"{OPTIMIZER_MEMBER} in {source}"))
    return ProjectData(architecture=document["architecture"], training=document["training"],
                       history=document["history"], dataset=document.get("dataset"),
                       metadata=document["metadata"], weights=weights, optimizer_state=optimizer_state,
                       app_version=document["app_version"], source_format_version=source_version)


def load_project(path: PathLike) -> ProjectData:
    """Read a project file, migrating older formats; never unpickles.

    Raises ProjectFileError (a ValueError) for damaged, foreign, unsafe or newer-format files; OSError
    (missing file, no permission) propagates unchanged.
    """
    with open(path, "rb") as file:
        return _read_archive(file, f"{os.fspath(path)!r}")
