"""Encrypted backups and verified restores.

A backup (``.hhbak``) is a zip of three members: ``store.db``, a copy made with ``sqlcipher_export`` under the
same raw key (the SQLite backup API is disabled for encrypted databases), ``keys.json``, the slot file, so the
backup opens with the same passwords and recovery key, and ``manifest.json``. Nothing in it is readable
without a password or the recovery key.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

from hhdesk import __version__
from hhdesk.config import backups_dir, keyslots_path
from hhdesk.db import engine as engines
from hhdesk.db.keyfile import KeyFile
from hhdesk.db.keyslots import describe_os_error
from hhdesk.errors import NotAStore, StorageProblem, StoreExists

BACKUP_FORMAT = 1
AUTO_BACKUPS_KEPT = 14
AUTO_PREFIX = "daily-"


def write_backup(store_path: Path, raw_key: bytes, out: Path) -> str:
    """Write a backup file; returns its SHA-256. Writes beside `out` and renames, so no half files."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".hhdesk-backup-", dir=out.parent))
    except OSError as exc:
        raise StorageProblem(describe_os_error(exc, out.parent)) from None
    try:
        exported = work / "store.db"
        conn = engines.connect(store_path, raw_key)
        try:
            key_literal = f"x'{raw_key.hex()}'"
            conn.execute("ATTACH DATABASE ? AS backup KEY ?", (str(exported), key_literal))
            conn.execute("SELECT sqlcipher_export('backup')")
            conn.execute("DETACH DATABASE backup")
        finally:
            conn.close()
        manifest = {
            "format": BACKUP_FORMAT,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "hhdesk_version": __version__,
            "store_sha256": _sha256(exported),
        }
        partial = out.with_name(out.name + ".partial")
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as archive:
            archive.write(exported, "store.db")
            # Read under the key file's lock, and only if the store key is still the one exported with.
            archive.writestr("keys.json", KeyFile(store_path).text_for_backup(raw_key))
            archive.writestr("manifest.json", json.dumps(manifest, indent=1))
        os.replace(partial, out)
    except OSError as exc:
        out.with_name(out.name + ".partial").unlink(missing_ok=True)
        raise StorageProblem(describe_os_error(exc, out.parent)) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return _sha256(out)


def unpack_backup(backup: Path, to: Path) -> None:
    """Unpack a backup into a *new* store path (and its key file). Verification is the caller's next step."""
    if to.exists() or keyslots_path(to).exists():
        raise StoreExists(f"Something already exists at {to}. Restore into a new path; nothing was changed.")
    if not backup.exists():
        raise NotAStore(f"There is no backup file at {backup}.")
    try:
        with zipfile.ZipFile(backup) as archive:
            manifest = json.loads(archive.read("manifest.json"))
            if manifest.get("format") != BACKUP_FORMAT:
                raise NotAStore("That backup was made by a newer hhdesk. Install the latest version to restore it.")
            to.parent.mkdir(parents=True, exist_ok=True)
            staging = to.with_name(to.name + ".restoring")
            with archive.open("store.db") as src, open(staging, "wb") as dst:
                shutil.copyfileobj(src, dst)
            if _sha256(staging) != manifest["store_sha256"]:
                staging.unlink(missing_ok=True)
                raise NotAStore("That backup file is damaged (its checksum does not match). Try an older backup.")
            keyslots_path(to).write_bytes(archive.read("keys.json"))
            os.replace(staging, to)
    except (zipfile.BadZipFile, KeyError, ValueError):
        raise NotAStore(f"{backup.name} is not an hhdesk backup file.") from None
    except OSError as exc:
        raise StorageProblem(describe_os_error(exc, to.parent)) from None


def integrity_problems(store_path: Path, raw_key: bytes) -> list[str]:
    """SQLCipher's page HMAC check and SQLite's integrity check; an empty list means sound."""
    conn = engines.connect(store_path, raw_key)
    try:
        problems = [row[0] for row in conn.execute("PRAGMA cipher_integrity_check")]
        problems += [row[0] for row in conn.execute("PRAGMA integrity_check") if row[0] != "ok"]
        problems += [f"foreign key broken in {row[0]}" for row in conn.execute("PRAGMA foreign_key_check")]
    finally:
        conn.close()
    return problems


def auto_backup_if_due(store_path: Path, raw_key: bytes, today: date | None = None) -> Path | None:
    """The window's daily backup on the first close of each day; keeps the newest 14."""
    today = today or date.today()
    folder = backups_dir(store_path)
    target = folder / f"{AUTO_PREFIX}{today.isoformat()}.hhbak"
    if target.exists():
        return None
    write_backup(store_path, raw_key, target)
    daily = sorted(folder.glob(f"{AUTO_PREFIX}*.hhbak"))
    for old in daily[:-AUTO_BACKUPS_KEPT]:
        old.unlink(missing_ok=True)
    return target


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
