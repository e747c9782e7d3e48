"""Creating, opening, migrating and re-keying a store: one encrypted file plus its key-slot file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hhdesk.config import backups_dir, keyslots_path
from hhdesk.db import engine as engines
from hhdesk.db.keyslots import KeySlots, describe_os_error, generate_raw_key
from hhdesk.db.location import refuse_shared_folder
from hhdesk.errors import NotAStore, StorageProblem, StoreExists, StoreTooNew

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


# Alembic is imported when a store is opened, not at start-up: the login window shows sooner
# (docs/performance.md).
def _alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _pending_keys_path(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + ".keys.new")


@dataclass
class Store:
    """An open store: engines for writing and reading, and the key slots that opened it."""

    path: Path
    keyslots: KeySlots
    raw_key: bytes = field(repr=False)
    writer: Engine = field(init=False, repr=False)
    reader: Engine = field(init=False, repr=False)
    # BENCHMARK ONLY (`hhdesk bench`): engines over an unencrypted copy, to time the same queries without
    # SQLCipher. Never set by the window or the other commands.
    plain_for_benchmark: bool = field(default=False, kw_only=True, repr=False)

    def __post_init__(self) -> None:
        plain = self.plain_for_benchmark
        self.writer = engines.make_engine(self.path, self.raw_key, immediate=True, plain_for_benchmark=plain)
        self.reader = engines.make_engine(self.path, self.raw_key, immediate=False, plain_for_benchmark=plain)
        self._write_sessions = sessionmaker(self.writer, expire_on_commit=False)
        self._read_sessions = sessionmaker(self.reader, expire_on_commit=False)

    # ---- sessions -----------------------------------------------------------------------------------
    @contextmanager
    def write_session(self) -> Iterator[Session]:
        """A transaction that holds the write lock from its start; commits on success."""
        with self._write_sessions() as session, session.begin():
            yield session

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        with self._read_sessions() as session, session.begin():
            yield session

    def close(self) -> None:
        self.writer.dispose()
        self.reader.dispose()

    # ---- lifecycle ----------------------------------------------------------------------------------
    @classmethod
    def create(cls, path: Path, admin_username: str, admin_password: str) -> tuple[Store, str]:
        """A new empty, migrated store with one admin slot. Returns the store and its recovery key."""
        refuse_shared_folder(path)
        keys_path = keyslots_path(path)
        if path.exists() or keys_path.exists():
            raise StoreExists(f"A store already exists at {path}. Choose another path; nothing was changed.")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageProblem(describe_os_error(exc, path.parent)) from None
        if not os.access(path.parent, os.W_OK):
            raise StorageProblem(
                f"hhdesk may not write in {path.parent}: choose a folder you can write to."
            )
        raw_key = generate_raw_key()
        try:
            conn = engines.connect(path, raw_key)
            conn.close()
            _migrate(path, raw_key, backup=False)
            keyslots, recovery = KeySlots.create(keys_path, raw_key, admin_username, admin_password)
        except BaseException:
            for leftover in (path, keys_path, path.with_name(path.name + "-wal"),
                             path.with_name(path.name + "-shm")):
                leftover.unlink(missing_ok=True)
            raise
        return cls(path, keyslots, raw_key), recovery

    @classmethod
    def open(cls, path: Path, username: str, password: str) -> Store:
        """Unlock a slot, check the key, migrate if needed (after a backup). Raises a UserError."""
        refuse_shared_folder(path)
        if not path.exists():
            raise NotAStore(f"There is no store at {path}. Check the path, or create one with 'hhdesk init'.")
        keyslots = _load_keyslots(path)
        raw_key = keyslots.unlock(username, password)
        return cls._open_with_key(path, keyslots, raw_key)

    @classmethod
    def open_with_recovery(cls, path: Path, recovery_key: str) -> Store:
        if not path.exists():
            raise NotAStore(f"There is no store at {path}.")
        keyslots = _load_keyslots(path)
        return cls._open_with_key(path, keyslots, keyslots.unlock_with_recovery(recovery_key))

    @classmethod
    def _open_with_key(cls, path: Path, keyslots: KeySlots, raw_key: bytes) -> Store:
        engines.check_key(path, raw_key)
        _migrate(path, raw_key, backup=True)
        return cls(path, keyslots, raw_key)

    def rotate_key(self) -> None:
        """Re-encrypt the store under a new raw key and seal it to every remaining slot.

        The new slots are written to ``.keys.new`` before the rekey and renamed after, so a crash in
        between leaves a file that opens the store either way (`_load_keyslots` tries both).
        """
        new_key = generate_raw_key()
        pending_path = _pending_keys_path(self.path)
        self.close()
        self.keyslots.reseal_all(new_key)
        self.keyslots.path = pending_path
        self.keyslots.save()
        conn = engines.connect(self.path, self.raw_key)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute(engines.key_pragma(new_key).replace("PRAGMA key", "PRAGMA rekey"))
        finally:
            conn.close()
        engines.check_key(self.path, new_key)
        final_path = keyslots_path(self.path)
        os.replace(pending_path, final_path)
        self.keyslots.path = final_path
        self.raw_key = new_key
        self.__post_init__()


def _load_keyslots(path: Path) -> KeySlots:
    pending = _pending_keys_path(path)
    if pending.exists():
        # A rotate-key was cut short: whichever slot file opens the store is the true one.
        candidate = KeySlots.load(pending)
        return _PendingAware(candidate, keyslots_path(path))
    return KeySlots.load(keyslots_path(path))


class _PendingAware(KeySlots):
    """Slots from an interrupted rotate-key: try the new file, fall back to the old one."""

    def __init__(self, pending: KeySlots, final_path: Path) -> None:
        super().__init__(pending.path, pending.store_id, pending.slots, pending.pending_events)
        self._final_path = final_path

    def unlock(self, username: str, password: str, now: datetime | None = None) -> bytes:
        return self._settle(super().unlock(username, password, now))

    def unlock_with_recovery(self, recovery_key: str) -> bytes:
        return self._settle(super().unlock_with_recovery(recovery_key))

    def _settle(self, raw_key: bytes) -> bytes:
        store_path = self._final_path.with_name(self._final_path.name.removesuffix(".keys"))
        try:
            engines.check_key(store_path, raw_key)
        except NotAStore:
            # The rekey never happened: the old file is the truth.
            self.path.unlink(missing_ok=True)
            raise NotAStore("An interrupted key rotation was undone. Please log in again.") from None
        os.replace(self.path, self._final_path)
        self.path = self._final_path
        return raw_key


def _migrate(path: Path, raw_key: bytes, *, backup: bool) -> None:
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = _alembic_config()
    script = ScriptDirectory.from_config(config)
    head = script.get_current_head()
    known = {rev.revision for rev in script.walk_revisions()}
    engine = engines.make_engine(path, raw_key, immediate=False)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
        if current is not None and current not in known:
            raise StoreTooNew(
                "This store was written by a newer version of hhdesk. Install the latest hhdesk to open it; "
                "nothing was changed."
            )
        if current == head:
            return
        if backup and current is not None:
            from hhdesk.db.backup import write_backup

            stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
            folder = backups_dir(path)
            write_backup(path, raw_key, folder / f"before-migration-{current}-{stamp}.hhbak")
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        engine.dispose()


def schema_head() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head
