"""Which of the host's nightly backups to keep: the newest 14, by the moment in their names.

A host backup is named ``host-backup-YYYYMMDDTHHMMSSZ.hhbak`` (UTC, so names sort by time whatever the
clock's zone or daylight saving did) in the data folder's ``backups`` folder. Retention only ever deletes
files with exactly that name: a backup an administrator copied or renamed, a pre-upgrade backup, the
window's daily backups or anything else in the folder are never touched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

KEPT = 14
PREFIX = "host-backup-"
SUFFIX = ".hhbak"
_NAME = re.compile(r"host-backup-(\d{8}T\d{6})Z\.hhbak")
_STAMP = "%Y%m%dT%H%M%S"


def backups_folder(data_dir: Path) -> Path:
    return Path(data_dir) / "backups"


def backup_file_name(moment: datetime) -> str:
    """The name of a host backup made at ``moment`` (an aware datetime)."""
    if moment.tzinfo is None:
        raise ValueError("a backup's moment must carry its time zone")
    return f"{PREFIX}{moment.astimezone(UTC).strftime(_STAMP)}Z{SUFFIX}"


def backup_moment(name: str) -> datetime | None:
    """When the host backup called ``name`` was made, or None when ``name`` is not a host backup's."""
    match = _NAME.fullmatch(name)
    if match is None:
        return None
    try:
        return datetime.strptime(match.group(1), _STAMP).replace(tzinfo=UTC)
    except ValueError:  # 20261399T… has the shape but is no moment
        return None


def backups_to_delete(names: Iterable[str], keep: int = KEPT) -> list[str]:
    """Of these file names, the host backups beyond the newest ``keep``, oldest first."""
    if keep < 1:
        raise ValueError("retention keeps at least one backup")
    dated = sorted({(moment, name) for name in names if (moment := backup_moment(name)) is not None})
    return [name for _moment, name in dated[:-keep]]


def prune_backups(data_dir: Path, keep: int = KEPT) -> list[Path]:
    """Delete the host backups beyond the newest ``keep`` in the data folder's backups folder; returns them."""
    folder = backups_folder(data_dir)
    if not folder.is_dir():
        return []
    # Only regular files: a link or a folder that happens to carry a backup's name is not ours to delete.
    names = [entry.name for entry in folder.iterdir() if entry.is_file() and not entry.is_symlink()]
    deleted = []
    for name in backups_to_delete(names, keep):
        (folder / name).unlink(missing_ok=True)
        deleted.append(folder / name)
    return deleted
