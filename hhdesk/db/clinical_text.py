"""Clinical free text, encrypted column by column under the clinical key, in a store file.

Every user's password opens the store key, so anyone could read the whole file with SQLCipher directly. The
clinical free text (contact notes, care-plan text, transitions' and referrals' clinical fields) is therefore
encrypted once more, value by value (AES-GCM, bound to its table and column), under a key that only the key
slots of roles that see clinical work hold (`hhdesk.domain.permissions.secrets_for`). A billing clerk's
password opens the store and reads demographics, enrolment and billing as before, and every clinical value
as ciphertext.

How an engine knows the key: the store attaches a `ClinicalKeys` to each of its SQLCipher engines' dialect,
and the column type reads it there when it converts a value. An agency's server stores these columns as
plain text, protected by its column grants instead: its dialect carries no keys, so the type passes values
through. Search and billing read no clinical column, so they need no key.

What a session without the key gets: `WITHHELD` in place of each encrypted value (the services do not show
clinical text to such roles anyway; the placeholder keeps any list that loads whole rows working), and a
refusal if it tries to write clinical text into a store that has a clinical key. An empty value stays empty.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Column, Engine, Table, Text, bindparam, func, select, type_coerce, update
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from hhdesk.db import crashpoints
from hhdesk.domain.permissions import StoreSecret
from hhdesk.errors import PermissionDenied

PREFIX = "hhc1:"
WITHHELD = "[clinical text: not available to your role]"
DAMAGED = "[clinical text that cannot be read: it was changed outside hhdesk]"
CLINICAL = StoreSecret.CLINICAL.value
# The setting that says every clinical value is encrypted under the clinical key with this id.
DONE_SETTING = "clinical_text_encrypted_under"
BATCH_ROWS = 500
_DIALECT_ATTRIBUTE = "hhdesk_clinical_keys"


class ClinicalKeyNotHeld(PermissionDenied):
    pass


@dataclass
class ClinicalKeys:
    """One open store's view: the secrets its user holds and the names of those the store has (shared,
    updated in place when a login creates the clinical key)."""

    held: Mapping[str, bytes] = field(default_factory=dict, repr=False)
    store_has: set[str] = field(default_factory=set)

    @property
    def key(self) -> bytes | None:
        return self.held.get(CLINICAL)

    @property
    def store_has_key(self) -> bool:
        return CLINICAL in self.store_has


def attach(engine: Engine, keys: ClinicalKeys) -> None:
    """Let this (SQLCipher) engine's clinical columns encrypt and decrypt with `keys`."""
    setattr(engine.dialect, _DIALECT_ATTRIBUTE, keys)


def _aad(column: str) -> bytes:
    return f"hhdesk clinical text:{column}".encode()


@lru_cache(maxsize=4)
def _cipher(key: bytes) -> AESGCM:
    # Setting up AES-GCM for a key costs as much as one value's work: done once per key, not per value.
    return AESGCM(key)


def encrypt(key: bytes, column: str, text: str) -> str:
    nonce = secrets.token_bytes(12)
    sealed = _cipher(key).encrypt(nonce, text.encode("utf-8"), _aad(column))
    return PREFIX + base64.b64encode(nonce + sealed).decode("ascii")


def decrypt(key: bytes, column: str, stored: str) -> str:
    try:
        raw = base64.b64decode(stored[len(PREFIX):].encode("ascii"), validate=True)
        return _cipher(key).decrypt(raw[:12], raw[12:], _aad(column)).decode("utf-8")
    except (ValueError, InvalidTag):
        return DAMAGED


class ClinicalText(TypeDecorator[str]):
    """Text that a SQLCipher store keeps encrypted under the clinical key (see the module's doc)."""

    impl = Text
    cache_ok = True
    # Each value gets its own nonce: a bulk insert must not reuse one value's ciphertext for an equal value.
    converts_each_value_afresh = True

    def __init__(self, column: str) -> None:
        super().__init__()
        self.column = column

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        keys: ClinicalKeys | None = getattr(dialect, _DIALECT_ATTRIBUTE, None)
        if keys is None or not value:
            return value
        if keys.key is None:
            if keys.store_has_key:
                raise ClinicalKeyNotHeld("Your role does not hold the clinical key, so it cannot write clinical "
                                         "text. Nothing was saved.")
            return value  # a store from before the clinical key: encrypted when it is created
        return encrypt(keys.key, self.column, value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if not value or not value.startswith(PREFIX):
            return value
        keys: ClinicalKeys | None = getattr(dialect, _DIALECT_ATTRIBUTE, None)
        if keys is None or keys.key is None:
            return WITHHELD
        return decrypt(keys.key, self.column, value)


def clinical_columns(tables: Mapping[str, Table]) -> Iterator[Column[Any]]:
    for table in tables.values():
        for column in table.columns:
            if isinstance(column.type, ClinicalText):
                yield column


def encrypt_plain_text(writer: Engine, reader: Engine, tables: Mapping[str, Table], key_id: str) -> int:
    """Encrypt every clinical value still stored plain (a store from before the clinical key). Returns how
    many were encrypted; 0 at once when the store says it was done under this key.

    Batches of rows, each its own transaction, so a crash keeps what was done and the next run goes on
    (a value is plain or encrypted, never half). The file overwrites what it frees with zeros meanwhile, so
    the plain text does not stay readable in free pages.
    """
    settings = tables["settings"]  # from the tables given: the models import this module

    with reader.connect() as connection:  # each login asks: a read, which waits for no writer
        done = connection.execute(select(settings.c.value_json).where(settings.c.key == DONE_SETTING)).scalar()
    if done is not None and json.loads(done) == key_id:
        return 0
    count = 0
    for column in clinical_columns(tables):
        table = column.table
        raw = type_coerce(column, Text)  # the value as stored, not converted
        while True:
            with writer.begin() as connection:
                connection.exec_driver_sql("PRAGMA secure_delete = ON")
                rows = connection.execute(
                    select(table.c.id, raw.label("raw"))
                    .where(column != "", func.substr(column, 1, len(PREFIX)) != PREFIX)
                    .limit(BATCH_ROWS)).all()
                if rows:
                    connection.execute(
                        update(table).where(table.c.id == bindparam("row_id"))
                        .values({column.name: bindparam("text", type_=column.type)}),
                        [{"row_id": row.id, "text": row.raw} for row in rows])
                    count += len(rows)
            if not rows:
                break
            crashpoints.reached("clinical:batch-committed")
    with writer.begin() as connection:
        value = json.dumps(key_id)
        updated = connection.execute(update(settings).where(settings.c.key == DONE_SETTING).values(value_json=value))
        if not updated.rowcount:
            connection.execute(settings.insert().values(key=DONE_SETTING, value_json=value))
    with writer.connect() as connection:
        # Moves the new pages into the file, over the old ones (outside any transaction, so on the driver's
        # connection); another window reading may keep some back until it closes.
        connection.connection.dbapi_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return count
