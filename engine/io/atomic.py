"""Atomic file replacement: a reader (or a crash) sees the old file or the new one, never half of one.

The new content goes to a temporary file in the target's own directory (``os.replace`` is only atomic within
one file system), is flushed and fsynced, then renamed over the target; finally the directory is fsynced so
the rename itself survives a power cut. On any error the temporary file is removed and the target is left
untouched. A process killed outright (SIGKILL) may leave a hidden ``.<name>.<random>.tmp`` file behind, but
the target is still intact.
"""
from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator
from typing import BinaryIO

PathLike = str | os.PathLike


def _open_temp(directory: str, base: str) -> tuple[int, str]:
    # os.open with mode 0o666 lets the umask decide the permissions, like an ordinary new file
    # (tempfile.mkstemp would force 0o600). O_BINARY stops Windows from translating newlines.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        temp_path = os.path.join(directory, f".{base}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(temp_path, flags, 0o666), temp_path
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a temporary file next to {base!r} in {directory!r}")


def _fsync_directory(directory: str) -> None:
    """Make a rename durable; not possible (nor needed) on Windows, where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_writer(path: PathLike) -> Iterator[BinaryIO]:
    """Context manager yielding a binary file whose content replaces ``path`` when the block ends normally.

    If the block raises, the temporary file is deleted, ``path`` is left as it was and the error propagates.
    """
    # Resolve symlinks so that saving through a link updates the file it points to, not the link itself.
    target = os.path.realpath(os.fspath(path))
    directory, base = os.path.split(target)
    fd, temp_path = _open_temp(directory, base)
    try:
        with os.fdopen(fd, "wb") as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(OSError):  # no old file: nothing to keep
            # Keep the permissions of the file being replaced (e.g. a read-for-all project in a class folder).
            os.chmod(temp_path, stat.S_IMODE(os.stat(target).st_mode))
        os.replace(temp_path, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_path)
        raise
    _fsync_directory(directory)


def atomic_write_bytes(path: PathLike, data: bytes) -> None:
    """Replace the file at ``path`` with ``data`` atomically (see :func:`atomic_writer`)."""
    with atomic_writer(path) as file:
        file.write(data)
