"""Project files (.ntl) and atomic writes: round trips, damaged/foreign/newer files, migrations, crashes."""
from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from engine.io import (
    ProjectData,
    ProjectFileError,
    atomic,
    atomic_write_bytes,
    atomic_writer,
    load_project,
    project_file,
    save_project,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


def _project(seed: int = 0, **changes) -> ProjectData:
    rng = np.random.default_rng(seed)
    kernel = rng.standard_normal((4, 3)).astype(np.float32)
    kernel[0, 0] = np.nan
    fields = dict(
        architecture={"nodes": [{"name": "dense_1", "class_name": "Dense", "config": {"units": 3}}],
                      "edges": [["input", "dense_1"]], "title": "Capa densa — ñandú ✓", "ratio": 0.1},
        training={"optimizer": {"class_name": "Adam", "config": {"learning_rate": 0.001}}, "epochs": 5},
        history={"loss": [1.5, 0.75, float("nan")], "accuracy": [0.5, 0.25, 0.125]},
        dataset={"name": "xor", "seed": 3, "split": [0.8, 0.2]},
        metadata={"author": "Ana", "created": "2024-01-01T10:00:00", "tags": []},
        weights={"dense_1/kernel": kernel, "dense_1/bias": rng.standard_normal(3).astype(np.float32)},
        optimizer_state={"adam/m/dense_1/kernel": np.zeros((4, 3), np.float32),
                         "adam/iterations": np.array(12, np.int64)},
    )
    fields.update(changes)
    return ProjectData(**fields)


def _assert_same_arrays(a: dict, b: dict) -> None:
    assert set(a) == set(b)
    for key, value in a.items():
        assert value.dtype == b[key].dtype and value.shape == b[key].shape, key
        assert value.tobytes() == b[key].tobytes(), key  # bit for bit, NaN payloads included


def _assert_same_project(loaded: ProjectData, original: ProjectData) -> None:
    # JSON parts compared through their JSON text so that NaN == NaN.
    for name in ("architecture", "training", "history", "dataset", "metadata"):
        assert json.dumps(getattr(loaded, name), sort_keys=True) == json.dumps(getattr(original, name),
                                                                                sort_keys=True), name
    _assert_same_arrays(loaded.weights, original.weights)
    _assert_same_arrays(loaded.optimizer_state, original.optimizer_state)


def test_round_trip(tmp_path):
    project = _project()
    path = tmp_path / "model.ntl"
    save_project(path, project, app_version="0.1.0")
    loaded = load_project(path)
    _assert_same_project(loaded, project)
    assert loaded.app_version == "0.1.0" and loaded.source_format_version == project_file.FORMAT_VERSION
    assert os.listdir(tmp_path) == ["model.ntl"]
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["optimizer.npz", "project.json", "weights.npz"]
        assert archive.getinfo("project.json").compress_type == zipfile.ZIP_DEFLATED
        document = json.loads(archive.read("project.json").decode("utf-8"))
    assert document["format"] == "neurotaller-project" and document["format_version"] == 1


def test_round_trip_minimal_project_and_conversions(tmp_path):
    project = ProjectData(architecture={"units": np.int64(3), "rate": np.float32(0.5)},
                          history={"loss": np.array([1.0, 0.5]), "acc": (0.5, 0.75)})
    save_project(tmp_path / "p.ntl", project)
    loaded = load_project(tmp_path / "p.ntl")
    assert loaded.architecture == {"units": 3, "rate": 0.5}
    assert loaded.history == {"loss": [1.0, 0.5], "acc": [0.5, 0.75]}
    assert loaded.dataset is None and loaded.weights == {} and loaded.optimizer_state == {}
    with zipfile.ZipFile(tmp_path / "p.ntl") as archive:
        assert "optimizer.npz" not in archive.namelist()


def test_same_project_same_bytes():
    assert project_file.project_to_bytes(_project(), "1") == project_file.project_to_bytes(_project(), "1")


def test_unsaveable_data_leaves_the_old_file(tmp_path):
    path = tmp_path / "p.ntl"
    save_project(path, _project())
    before = path.read_bytes()
    with pytest.raises(ProjectFileError, match="cannot save"):
        save_project(path, _project(metadata={"thing": object()}))
    with pytest.raises(ProjectFileError, match="Python objects"):
        save_project(path, _project(weights={"a/b": np.array([None])}))
    with pytest.raises(ProjectFileError, match="architecture"):
        save_project(path, _project(architecture=["not", "a", "dict"]))
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["p.ntl"]


# -- damaged and foreign files ---------------------------------------------------------------------------
def _archive(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _members(**document_changes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(project_file.project_to_bytes(_project(), "0.1.0"))) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    document = json.loads(members["project.json"])
    document.update(document_changes)
    members["project.json"] = json.dumps(document).encode("utf-8")
    return members


def _load_bytes(tmp_path, content: bytes) -> ProjectData:
    path = tmp_path / "bad.ntl"
    path.write_bytes(content)
    return load_project(path)


def _without(members: dict, name: str) -> dict:
    return {key: value for key, value in members.items() if key != name}


def _pickled_npz() -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, kernel=np.array([{"run": "code"}], dtype=object))  # np.savez pickles object arrays
    return buffer.getvalue()


GOOD = project_file.project_to_bytes(_project(), "0.1.0")
DAMAGED = {
    "empty": (b"", "is empty"),
    "random bytes": (np.random.default_rng(0).bytes(2000), "not a ZIP archive"),
    "truncated half": (GOOD[: len(GOOD) // 2], "damaged or truncated"),
    "truncated end": (GOOD[:-5], "damaged or truncated"),
    "zip header then garbage": (GOOD[:40] + bytes(500), "damaged or truncated"),
    "bad json": (_archive({**_members(), "project.json": b'{"format": "x",\n "x": [1, 2,]}'}),
                 r"not valid JSON: .* at line 2 column"),
    "not utf-8": (_archive({**_members(), "project.json": b'{"format": "\xff\xfe"}'}), "not UTF-8"),
    "json list": (_archive({**_members(), "project.json": b"[1, 2]"}), "JSON object"),
    "missing weights": (_archive(_without(_members(), "weights.npz")), "weights.npz is missing"),
    "missing json": (_archive(_without(_members(), "project.json")), "project.json is missing"),
    "foreign member": (_archive({**_members(), "../../evil.py": b"import os"}), "unexpected entry"),
    "wrong marker": (_archive(_members(format="keras-model")), "not a Neurotaller project"),
    "newer version": (_archive(_members(format_version=3)), ("this project was saved by a newer Neurotaller "
                      r"\(format 3\); this version reads up to 1 — please update")),
    "bad version": (_archive(_members(format_version="1")), "invalid format_version"),
    "no architecture": (_archive(_members(architecture=None)), "'architecture' in project.json should be"),
    "bad history": (_archive(_members(history={"loss": 3})), "history entry 'loss'"),
    "pickled weights": (_archive({**_members(), "weights.npz": _pickled_npz()}), "contains Python objects"),
}


@pytest.mark.parametrize("case", sorted(DAMAGED))
def test_refuses_damaged_files(tmp_path, case):
    content, message = DAMAGED[case]
    with pytest.raises(ProjectFileError, match=message) as error:
        _load_bytes(tmp_path, content)
    assert "bad.ntl" in str(error.value)  # every message names the file


def test_refuses_a_corrupted_member(tmp_path):
    data = bytearray(GOOD)
    with zipfile.ZipFile(io.BytesIO(GOOD)) as archive:
        info = archive.getinfo("weights.npz")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF  # inside the deflated weights
    with pytest.raises(ProjectFileError, match="damaged"):
        _load_bytes(tmp_path, bytes(data))


def test_refuses_implausible_sizes(tmp_path, monkeypatch):
    monkeypatch.setattr(project_file, "MAX_JSON_BYTES", 100)
    with pytest.raises(ProjectFileError, match="implausibly large"):
        _load_bytes(tmp_path, GOOD)
    monkeypatch.setattr(project_file, "MAX_JSON_BYTES", 2**20)
    monkeypatch.setattr(project_file, "MAX_ARCHIVE_BYTES", 1000)
    with pytest.raises(ProjectFileError, match="refusing"):
        _load_bytes(tmp_path, GOOD)


def test_missing_file_is_an_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_project(tmp_path / "nope.ntl")


# -- migrations ---------------------------------------------------------------------------------------------
def test_older_format_is_migrated(tmp_path, monkeypatch):
    calls = []

    def from_0(document):
        calls.append(document["format_version"])
        document["architecture"] = {"layers": document.pop("layers")}  # a format-0 file had "layers"
        return document

    monkeypatch.setattr(project_file, "MIGRATIONS", {})
    project_file.register_migration(0)(from_0)
    members = _members(format_version=0, layers=["dense"])
    del_architecture = json.loads(members["project.json"])
    del del_architecture["architecture"]
    members["project.json"] = json.dumps(del_architecture).encode()
    loaded = _load_bytes(tmp_path, _archive(members))
    assert calls == [0]
    assert loaded.architecture == {"layers": ["dense"]} and loaded.source_format_version == 0
    _assert_same_arrays(loaded.weights, _project().weights)
    with pytest.raises(ValueError, match="already registered"):
        project_file.register_migration(0)(from_0)


def test_migrations_chain_in_order(tmp_path, monkeypatch):
    order = []

    def step(version):
        def migrate(document):
            assert document["format_version"] == version
            order.append(version)
            document["metadata"][f"migrated_{version}"] = True
            return document
        return migrate

    monkeypatch.setattr(project_file, "FORMAT_VERSION", 3)
    monkeypatch.setattr(project_file, "MIGRATIONS", {version: step(version) for version in (0, 1, 2)})
    loaded = _load_bytes(tmp_path, _archive(_members(format_version=1)))
    assert order == [1, 2]
    assert loaded.metadata["migrated_1"] and loaded.metadata["migrated_2"]
    assert loaded.source_format_version == 1
    monkeypatch.setattr(project_file, "MIGRATIONS", {0: step(0), 2: step(2)})
    with pytest.raises(ProjectFileError, match="no migration from format 1 to 2"):
        _load_bytes(tmp_path, _archive(_members(format_version=0)))


# -- atomic writes ------------------------------------------------------------------------------------------
def test_atomic_write_bytes_and_writer(tmp_path):
    path = tmp_path / "f.bin"
    atomic_write_bytes(path, b"one")
    assert path.read_bytes() == b"one"
    with atomic_writer(str(path)) as file:
        file.write(b"two")
        assert path.read_bytes() == b"one"  # nothing visible before the block ends
    assert path.read_bytes() == b"two" and os.listdir(tmp_path) == ["f.bin"]


def test_error_inside_the_block_keeps_the_old_file(tmp_path):
    path = tmp_path / "f.bin"
    atomic_write_bytes(path, b"old")
    with pytest.raises(RuntimeError), atomic_writer(path) as file:
        file.write(b"half of the new")
        raise RuntimeError("disk on fire")
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["f.bin"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_permissions_are_kept(tmp_path):
    path = tmp_path / "f.bin"
    atomic_write_bytes(path, b"old")
    os.chmod(path, 0o640)
    atomic_write_bytes(path, b"new")
    assert (os.stat(path).st_mode & 0o777) == 0o640


@pytest.mark.skipif(not hasattr(os, "symlink") or os.name != "posix", reason="symlinks")
def test_writing_through_a_symlink_updates_its_target(tmp_path):
    target = tmp_path / "real.ntl"
    link = tmp_path / "link.ntl"
    atomic_write_bytes(target, b"old")
    os.symlink(target, link)
    atomic_write_bytes(link, b"new")
    assert link.is_symlink() and target.read_bytes() == b"new"


def test_failed_replace_keeps_the_old_project(tmp_path, monkeypatch):
    path = tmp_path / "p.ntl"
    save_project(path, _project(seed=1))

    def refuse(source, destination):
        raise OSError("replace failed")

    monkeypatch.setattr(atomic.os, "replace", refuse)
    with pytest.raises(OSError, match="replace failed"):
        save_project(path, _project(seed=2))
    monkeypatch.undo()
    _assert_same_project(load_project(path), _project(seed=1))
    assert os.listdir(tmp_path) == ["p.ntl"]


def test_failure_midway_through_writing_keeps_the_old_project(tmp_path, monkeypatch):
    path = tmp_path / "p.ntl"
    save_project(path, _project(seed=1))
    original = zipfile.ZipFile.writestr
    written = []

    def fail_on_second_member(self, info, data, *args, **kwargs):
        if written:
            raise OSError("no space left on device")
        written.append(info)
        return original(self, info, data, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", fail_on_second_member)
    with pytest.raises(OSError, match="no space"):
        save_project(path, _project(seed=2))
    monkeypatch.undo()
    assert written  # the failure really happened after part of the new file was written
    _assert_same_project(load_project(path), _project(seed=1))
    assert os.listdir(tmp_path) == ["p.ntl"]


WRITER_SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    from engine.io import ProjectData, save_project

    path = sys.argv[1]
    big = np.random.default_rng(0).standard_normal(1_000_000).astype(np.float32)  # 4 MB, incompressible
    version = 0
    while True:
        version += 1
        project = ProjectData(architecture={"version": version}, weights={"w/kernel": big + version})
        save_project(path, project)
        print(version, flush=True)
""")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_while_saving_leaves_a_loadable_file(tmp_path):
    path = tmp_path / "p.ntl"
    big = np.random.default_rng(0).standard_normal(1_000_000).astype(np.float32)
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    delays = np.random.default_rng(42).uniform(0.0, 0.4, size=4)
    for delay in delays:
        process = subprocess.Popen([sys.executable, "-c", WRITER_SCRIPT, str(path)], stdout=subprocess.PIPE,
                                   env=env, cwd=REPO_ROOT)
        try:
            assert process.stdout.readline().strip(), "the writer saved nothing"
            time.sleep(delay)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            process.stdout.close()
        loaded = load_project(path)  # the old or the new file, never a broken one
        version = loaded.architecture["version"]
        assert version >= 1
        np.testing.assert_array_equal(loaded.weights["w/kernel"], big + np.float32(version))
