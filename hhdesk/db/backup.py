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
from datetime import UTC, date
from pathlib import Path

import sqlcipher3.dbapi2 as sqlcipher
from filelock import FileLock, Timeout

from hhdesk import __version__
from hhdesk.clock import SYSTEM_CLOCK, seconds_since_epoch
from hhdesk.config import backups_dir, keyslots_path
from hhdesk.db import engine as engines
from hhdesk.db.keyfile import KeyFile
from hhdesk.db.keyslots import describe_os_error
from hhdesk.errors import NotAStore, StorageProblem, StoreDamaged, StoreExists
from hhdesk.private_files import FOLDER_MODE, create_private_file, make_private

BACKUP_FORMAT = 1
AUTO_BACKUPS_KEPT = 14
AUTO_PREFIX = "daily-"
# A backup is made in a hidden work folder beside its file and renamed into place; a killed backup leaves
# the folder behind (a whole copy of the store). The lock inside says the folder's backup is still running.
WORK_PREFIX = ".hhdesk-backup-"
IN_USE = "in-use.lock"
ABANDONED_AFTER_SECONDS = 60


def write_backup(store_path: Path, raw_key: bytes, out: Path) -> str:
    """Write a backup file; returns its SHA-256. Writes beside `out` and renames, so no half files."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
        work = Path(tempfile.mkdtemp(prefix=WORK_PREFIX, dir=out.parent))
        in_use = FileLock(work / IN_USE, mode=0o600)
        in_use.acquire()
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
        except sqlcipher.DatabaseError:
            raise StoreDamaged(
                "The store is damaged, so no backup was made: run 'hhdesk verify', and restore the newest "
                "good backup."
            ) from None
        finally:
            conn.close()
        manifest = {
            "format": BACKUP_FORMAT,
            "created": SYSTEM_CLOCK.now().astimezone(UTC).isoformat(timespec="seconds"),
            "hhdesk_version": __version__,
            "store_sha256": _sha256(exported),
        }
        partial = work / "backup.partial"
        create_private_file(partial)
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as archive:
            archive.write(exported, "store.db")
            # Read under the key file's lock, and only if the store key is still the one exported with.
            archive.writestr("keys.json", KeyFile(store_path).text_for_backup(raw_key))
            archive.writestr("manifest.json", json.dumps(manifest, indent=1))
        os.replace(partial, out)
    except OSError as exc:
        raise StorageProblem(describe_os_error(exc, out.parent)) from None
    finally:
        in_use.release()
        shutil.rmtree(work, ignore_errors=True)
    return _sha256(out)


def remove_abandoned_work(folder: Path) -> int:
    """Remove the work folders of backups that were killed (see WORK_PREFIX); returns how many.

    A folder is left alone while its backup runs (its lock is held) and for its first minute (between
    the folder's creation and its lock being taken).
    """
    removed = 0
    try:
        candidates = [p for p in folder.glob(WORK_PREFIX + "*") if p.is_dir()]
    except OSError:
        return 0
    for work in candidates:
        try:
            newest = max([work.stat().st_mtime] + [p.stat().st_mtime for p in work.iterdir()])
        except OSError:
            continue
        if seconds_since_epoch() - newest < ABANDONED_AFTER_SECONDS:
            continue
        in_use = FileLock(work / IN_USE, mode=0o600)
        try:
            in_use.acquire(timeout=0)
        except (Timeout, OSError):
            continue
        in_use.release()  # Windows cannot remove a file that is open
        shutil.rmtree(work, ignore_errors=True)
        removed += not work.exists()
    return removed


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
            to.parent.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
            staging = to.with_name(to.name + ".restoring")
            staging.unlink(missing_ok=True)  # left by a restore that was killed
            create_private_file(staging)
            with archive.open("store.db") as src, open(staging, "wb") as dst:
                shutil.copyfileobj(src, dst)
            if _sha256(staging) != manifest["store_sha256"]:
                staging.unlink(missing_ok=True)
                raise NotAStore("That backup file is damaged (its checksum does not match). Try an older backup.")
            create_private_file(keyslots_path(to))
            keyslots_path(to).write_bytes(archive.read("keys.json"))
            os.replace(staging, to)
    except zipfile.BadZipFile as exc:
        if "CRC" in str(exc):
            raise StoreDamaged(f"{backup.name} is damaged (a checksum does not match). Try an older backup.") from None
        raise NotAStore(f"{backup.name} is damaged or is not an hhdesk backup file.") from None
    except (KeyError, ValueError):
        raise NotAStore(f"{backup.name} is not an hhdesk backup file.") from None
    except OSError as exc:
        raise StorageProblem(describe_os_error(exc, to.parent)) from None


def backup_key_slots_text(backup: Path) -> str:
    """The slot file inside a backup (who can open it), read without unpacking the store."""
    try:
        with zipfile.ZipFile(backup) as archive:
            return archive.read("keys.json").decode("utf-8")
    except FileNotFoundError:
        raise NotAStore(f"There is no backup file at {backup}.") from None
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError):
        raise NotAStore(f"{backup.name} is damaged or is not an hhdesk backup file.") from None
    except OSError as exc:
        raise StorageProblem(f"{backup.name} cannot be read ({exc.strerror}).") from None


def integrity_problems(store_path: Path, raw_key: bytes) -> list[str]:
    """SQLCipher's page HMAC check and SQLite's integrity check; an empty list means sound.

    A damaged page makes SQLite *raise* ("database disk image is malformed") rather than report; that is
    exactly what this check exists to find, so each check's failure becomes a problem in the list.
    """
    try:
        conn = engines.connect(store_path, raw_key)
    except NotAStore:
        return ["the first page of the store does not open with its key: the file is damaged"]
    problems: list[str] = []
    try:
        checks = (
            ("encryption", "PRAGMA cipher_integrity_check", lambda row: row[0]),
            ("database", "PRAGMA integrity_check", lambda row: None if row[0] == "ok" else row[0]),
            ("foreign keys", "PRAGMA foreign_key_check", lambda row: f"foreign key broken in {row[0]}"),
        )
        for label, pragma, describe in checks:
            try:
                found = [describe(row) for row in conn.execute(pragma).fetchall()]
            except sqlcipher.DatabaseError as exc:
                problems.append(f"{label} check stopped: {exc}")
                continue
            problems += [problem for problem in found if problem]
    finally:
        conn.close()
    return problems


def auto_backup_if_due(store_path: Path, raw_key: bytes, today: date) -> Path | None:
    """The window's daily backup on the first close of each day; keeps the newest 14."""
    folder = backups_dir(store_path)
    target = _auto_backup_path(store_path, today)
    folder.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    make_private(folder)
    if target.exists():
        return None
    write_backup(store_path, raw_key, target)
    daily = sorted(folder.glob(f"{AUTO_PREFIX}*.hhbak"))
    for old in daily[:-AUTO_BACKUPS_KEPT]:
        old.unlink(missing_ok=True)
    return target


def auto_backup_due(store_path: Path, today: date) -> bool:
    return not _auto_backup_path(store_path, today).exists()


def _auto_backup_path(store_path: Path, today: date) -> Path:
    return backups_dir(store_path) / f"{AUTO_PREFIX}{today.isoformat()}.hhbak"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
