"""Creating, opening, migrating and re-keying a store: one encrypted file plus its key-slot file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import Engine
from sqlalchemy.exc import DatabaseError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from hhdesk.clock import SYSTEM_CLOCK
from hhdesk.config import backups_dir, data_dir, keyslots_path
from hhdesk.db import clinical_text, crashpoints
from hhdesk.db import engine as engines
from hhdesk.db.keyfile import KeyFile
from hhdesk.db.keyslots import SlotKeys, describe_os_error, generate_raw_key
from hhdesk.db.location import refuse_shared_folder
from hhdesk.errors import (
    KeySlotsMissing,
    NotAStore,
    StorageProblem,
    StoreDamaged,
    StoreExists,
    StoreTooNew,
    UserError,
)
from hhdesk.private_files import FOLDER_MODE, create_private_file, make_private

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Opening again after a rotate-key re-keyed the store under our feet (each time needs a whole new rotation).
ROTATION_RETRIES = 3


# Alembic is imported when a store is opened, not at start-up: the login window shows sooner
# (docs/performance.md).
def _alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


@dataclass
class Store:
    """An open store: engines for writing and reading, and its key file (shared with other processes)."""

    path: Path
    keyfile: KeyFile
    raw_key: bytes = field(repr=False)
    # The role-scoped secrets this user's slot holds (hhdesk.db.keyslots), by name, and the names of all
    # that the store has. Updated in place when a login creates one; the engines read them.
    secrets: dict[str, bytes] = field(default_factory=dict, repr=False)
    secret_names: set[str] = field(default_factory=set)
    writer: Engine = field(init=False, repr=False)
    reader: Engine = field(init=False, repr=False)
    # BENCHMARK ONLY (`hhdesk bench`): engines over an unencrypted copy, to time the same queries without
    # SQLCipher. Never set by the window or the other commands.
    plain_for_benchmark: bool = field(default=False, kw_only=True, repr=False)

    def __post_init__(self) -> None:
        plain = self.plain_for_benchmark
        self.writer = engines.make_engine(self.path, self.raw_key, immediate=True, plain_for_benchmark=plain)
        self.reader = engines.make_engine(self.path, self.raw_key, immediate=False, plain_for_benchmark=plain)
        self.clinical_keys = clinical_text.ClinicalKeys(self.secrets, self.secret_names)
        clinical_text.attach(self.writer, self.clinical_keys)
        clinical_text.attach(self.reader, self.clinical_keys)
        self._write_sessions = sessionmaker(self.writer, expire_on_commit=False)
        self._read_sessions = sessionmaker(self.reader, expire_on_commit=False)

    # ---- sessions -----------------------------------------------------------------------------------
    @contextmanager
    def write_session(self) -> Iterator[Session]:
        """A transaction that holds the write lock from its start; commits on success."""
        with _column_refusals(), self._write_sessions() as session, session.begin():
            yield session

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        with self._read_sessions() as session, session.begin():
            yield session

    def close(self) -> None:
        self.writer.dispose()
        self.reader.dispose()

    def hold_secret(self, name: str, secret: bytes) -> None:
        """A secret this session created (or was given) since it opened the store."""
        self.secrets[name] = secret
        self.secret_names.add(name)

    def encrypt_clinical_text(self) -> int:
        """Encrypt the clinical text still plain (a store from before the clinical key); needs the key."""
        from hhdesk.db.keyslots import key_id
        from hhdesk.db.models import Base

        key = self.clinical_keys.key
        if key is None:
            return 0
        return clinical_text.encrypt_plain_text(self.writer, self.reader, Base.metadata.tables, key_id(key))

    def key_was_rotated(self) -> bool:
        """True when a rotate-key has changed (or is changing) the key this store was opened with."""
        return self.keyfile.rotated_away_from(self.raw_key)

    # ---- lifecycle ----------------------------------------------------------------------------------
    @classmethod
    def create(cls, path: Path, admin_username: str, admin_password: str,
               secret_names: tuple[str, ...] = (), *, revision: str = "head") -> tuple[Store, str]:
        """A new empty, migrated store with one admin slot, holding a new secret for each of `secret_names`.
        Returns the store and its recovery key. ``revision`` stops the schema at an older one (the backup of
        an older agency server is its copy as it was; opening it later migrates it like any older store)."""
        refuse_shared_folder(path)
        keys_path = keyslots_path(path)
        if path.exists() or keys_path.exists():
            raise StoreExists(f"A store already exists at {path}. Choose another path; nothing was changed.")
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
        except OSError as exc:
            raise StorageProblem(describe_os_error(exc, path.parent)) from None
        if not os.access(path.parent, os.W_OK):
            raise StorageProblem(
                f"hhdesk may not write in {path.parent}: choose a folder you can write to."
            )
        raw_key = generate_raw_key()
        keyfile = KeyFile(path)
        try:
            # 0600 from its first byte: SQLite gives the -wal and -shm files the store's own mode.
            create_private_file(path)
            conn = engines.connect(path, raw_key)
            conn.close()
            _migrate(path, raw_key, backup=False, revision=revision)
            recovery, created = keyfile.create(raw_key, admin_username, admin_password, secret_names)
            make_private(keys_path)
        except BaseException:
            for leftover in (path, keys_path, keyfile.lock_path, path.with_name(path.name + "-wal"),
                             path.with_name(path.name + "-shm")):
                leftover.unlink(missing_ok=True)
            raise
        return cls(path, keyfile, raw_key, created, set(created)), recovery

    @classmethod
    def open(cls, path: Path, username: str, password: str) -> Store:
        """Unlock a slot, check the key, migrate if needed (after a backup). Raises a UserError."""
        refuse_shared_folder(path)
        if not path.exists():
            raise NotAStore(f"There is no store at {path}. Check the path, or create one with 'hhdesk init'.")
        _require_key_file(path)
        refuse_empty_store(path)
        tidy_store_folder(path)
        keyfile = KeyFile(path)
        for _attempt in range(ROTATION_RETRIES):
            opened = keyfile.unlock(username, password)
            try:
                return cls._open_with_key(path, keyfile, opened)
            except (NotAStore, DatabaseError):
                # A rotation re-keyed the store between our unlock and our first read: unlock again.
                if not keyfile.rotated_away_from(opened.raw_key):
                    raise
        raise StorageProblem("The store's key is being changed right now. Try again in a minute.")

    @classmethod
    def open_with_recovery(cls, path: Path, recovery_key: str) -> Store:
        if not path.exists():
            raise NotAStore(f"There is no store at {path}.")
        _require_key_file(path)
        refuse_empty_store(path)
        tidy_store_folder(path)
        keyfile = KeyFile(path)
        return cls._open_with_key(path, keyfile, keyfile.unlock_with_recovery(recovery_key))

    @classmethod
    def _open_with_key(cls, path: Path, keyfile: KeyFile, opened: SlotKeys) -> Store:
        engines.check_key(path, opened.raw_key)
        _migrate(path, opened.raw_key, backup=True)
        return cls(path, keyfile, opened.raw_key, dict(opened.secrets), set(opened.store_has))

    def rotate_key(self) -> None:
        """Re-encrypt the store under a new raw key and seal it to every remaining slot.

        Holds the key file's lock throughout, so no login sees the rotation half-way; a crash at any step
        leaves ``.keys.new`` beside ``.keys``, and the next login under the lock finishes or undoes the
        rotation by trying which key opens the store (`KeyFile._settle_rotation`).
        """
        new_key = generate_raw_key()
        with self.keyfile.locked():
            slots = self.keyfile.check_current(self.raw_key)
            engines.check_key(self.path, self.raw_key)
            now = SYSTEM_CLOCK.now().astimezone(UTC)
            for finding in slots.checkpoint_findings(self.raw_key):
                slots.record_event("rotate-key", "keyfile_edited", now, f"found at a key rotation: {finding}")
            slots.reseal_all(new_key)
            slots.seal_checkpoint(new_key)
            self.close()
            try:
                crashpoints.reached("rotate:before-new-key-file")
                self.keyfile.write_rotation(slots)
                crashpoints.reached("rotate:new-key-file-written")
                self._rekey(new_key)
            except BaseException as exc:
                # Whatever happened inside SQLCipher, the key that opens the store decides which file stays.
                if not _opens(self.path, new_key):
                    self.keyfile.abandon_rotation()
                    self.__post_init__()
                    if isinstance(exc, sqlcipher.OperationalError):
                        raise StorageProblem(
                            "Another hhdesk window or command kept the store busy, so the key was not changed. "
                            "Close the other windows and run rotate-key again; nothing was changed."
                        ) from None
                    raise
            crashpoints.reached("rotate:store-rekeyed")
            self.keyfile.finish_rotation(slots)
            crashpoints.reached("rotate:key-file-replaced")
        self.raw_key = new_key
        self.__post_init__()

    def _rekey(self, new_key: bytes) -> None:
        conn = engines.connect(self.path, self.raw_key)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            crashpoints.reached("rotate:before-rekey")
            conn.execute(engines.key_pragma(new_key).replace("PRAGMA key", "PRAGMA rekey"))
            crashpoints.reached("rotate:rekey-returned")
        finally:
            conn.close()
        engines.check_key(self.path, new_key)


@contextmanager
def _column_refusals() -> Iterator[None]:
    """A column type's refusal (clinical text without the clinical key) reaches the caller as its own
    sentence, not wrapped in SQLAlchemy's statement error."""
    try:
        yield
    except StatementError as exc:
        if isinstance(exc.orig, UserError):
            raise exc.orig from None
        raise


def tidy_store_folder(path: Path) -> None:
    """At each opening: files an older hhdesk wrote with looser modes become private, and the work folders
    of killed backups (a whole copy of the store each) are removed."""
    from hhdesk.db.backup import remove_abandoned_work

    if path.parent.resolve() == data_dir().resolve():
        make_private(path.parent)  # hhdesk's own folder; a folder the user chose is left as it is
    for own in (path, keyslots_path(path), path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        make_private(own)
    backups = backups_dir(path)
    if backups.is_dir():
        make_private(backups)
        for kept in backups.iterdir():
            make_private(kept)
        remove_abandoned_work(backups)
    remove_abandoned_work(path.parent)


def refuse_empty_store(path: Path) -> None:
    """An empty file opens as an empty SQLite database, which the next steps would fill with a new schema.

    Refuse it before any connection touches it (setting WAL mode alone writes a header), so the file stays
    as it was found for whoever investigates.
    """
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise StorageProblem(describe_os_error(exc, path.parent)) from None
    if size == 0:
        raise StoreDamaged(
            f"The store file {path.name} is empty (0 bytes): it was damaged, perhaps by a full disk or a copy "
            "that did not finish. Restore the newest backup ('hhdesk restore'); the file was left untouched."
        )


def _opens(path: Path, raw_key: bytes) -> bool:
    try:
        engines.check_key(path, raw_key)
    except NotAStore:
        return False
    return True


def _require_key_file(path: Path) -> None:
    if not keyslots_path(path).exists() and not path.with_name(path.name + ".keys.new").exists():
        raise KeySlotsMissing(
            f"The key file {keyslots_path(path).name} is missing beside the store. Restore it from a backup; "
            "without it the store cannot be opened."
        )


def _migrate(path: Path, raw_key: bytes, *, backup: bool, revision: str = "head") -> None:
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = _alembic_config()
    script = ScriptDirectory.from_config(config)
    head = script.get_current_head()
    known = {rev.revision for rev in script.walk_revisions()}
    engine = engines.make_engine(path, raw_key, immediate=False)
    try:
        try:
            with engine.connect() as connection:
                current = MigrationContext.configure(connection).get_current_revision()
        except DatabaseError:
            raise StoreDamaged(
                f"The store {path.name} is damaged: its schema cannot be read. Restore the newest backup "
                "('hhdesk restore'); nothing was changed."
            ) from None
        if current is None and backup:
            # Every store hhdesk creates is migrated before its first login: this file holds no hhdesk data.
            raise StoreDamaged(
                f"{path.name} opens but holds no hhdesk data. Restore the newest backup ('hhdesk restore'); "
                "nothing was changed."
            )
        if current is not None and current not in known:
            raise StoreTooNew(
                "This store was written by a newer version of hhdesk. Install the latest hhdesk to open it; "
                "nothing was changed."
            )
        if current == head:
            return
        if backup and current is not None:
            from hhdesk.db.backup import write_backup

            stamp = SYSTEM_CLOCK.now().astimezone(UTC).strftime("%Y%m%d-%H%M%S")
            folder = backups_dir(path)
            folder.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
            write_backup(path, raw_key, folder / f"before-migration-{current}-{stamp}.hhbak")
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def schema_head() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head
