"""Everything hhdesk writes is private to the user who runs it: files 0600, folders 0700.

On macOS and Linux the process's umask is set to 077 at start-up, so every file and folder hhdesk (or a
library it calls: SQLite, ReportLab, logging) creates is the user's alone; the store, its key file and
the backups are also set explicitly, and files made by an older hhdesk with looser modes are tightened
when the store is opened. On Windows there are no modes: a file takes the access list of its folder, and
the per-user data folder (%LOCALAPPDATA%) is readable only by the user, administrators and the system
(see README, "Where your data lives").
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

PRIVATE_UMASK = 0o077
FILE_MODE = 0o600
FOLDER_MODE = 0o700
POSIX = os.name == "posix"


def restrict_new_files() -> None:
    """From now on, whatever this process creates is readable by its user only."""
    if POSIX:
        os.umask(PRIVATE_UMASK)


def make_private(path: Path) -> None:
    """0600 for a file, 0700 for a folder, if it is ours and looser; silently nothing where that cannot be."""
    if not POSIX:
        return
    with contextlib.suppress(OSError):
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode) or info.st_uid != os.getuid():
            return
        wanted = FOLDER_MODE if stat.S_ISDIR(info.st_mode) else FILE_MODE
        if stat.S_IMODE(info.st_mode) & 0o077:
            os.chmod(path, stat.S_IMODE(info.st_mode) & wanted)


def private_folder(path: Path) -> Path:
    """Create a folder hhdesk owns (0700), or tighten it if it exists."""
    path.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    make_private(path)
    return path


def create_private_file(path: Path) -> None:
    """Create an empty file as 0600 from its first moment (before any byte is written into it)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    os.close(fd)


def write_private_bytes(path: Path, data: bytes) -> None:
    """Write (or overwrite) a file that is 0600 before the first byte lands in it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    make_private(path)  # an existing file keeps its old mode through O_TRUNC


def stage_private_file(path: Path, data: bytes, suffix: str = ".part") -> Path:
    """Write ``data`` to a new uniquely named file beside ``path`` (0600 from its creation) and flush it to the
    disk; returns that file, for ``publish_staged`` to rename over ``path``. Raises OSError, leaving nothing."""
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    staged = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    return staged


def publish_staged(staged: Path, path: Path) -> None:
    """Rename a staged file over ``path`` and flush the folder: after a crash, the old file or the new one."""
    os.replace(staged, path)
    _flush_folder(path.parent)


def write_private_file_atomically(path: Path, data: bytes, suffix: str = ".part") -> None:
    """Replace ``path`` with ``data`` whole or not at all, private to the user and on the disk when it returns.

    The one way hhdesk writes a file in place: a reader (or a crash) sees the old file or the new one, never
    half of either. Raises OSError, leaving no temporary file behind.
    """
    staged = stage_private_file(path, data, suffix)
    try:
        publish_staged(staged, path)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise


def _flush_folder(folder: Path) -> None:
    if not POSIX:
        return  # Windows has no folder handles to flush; MoveFileEx is durable once it returns
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot flush a folder; the rename itself has happened
    finally:
        os.close(fd)
